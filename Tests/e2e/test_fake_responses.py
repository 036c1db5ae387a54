"""The fake upstream's POST /v1/responses, straight (no proxy): as strict as the real endpoint,
with its error bodies, and deterministic answers in the Responses shape."""

import pytest

from fake_client import UNVERIFIED, error, output_text, responses
from fake_openai.answers import REASONING_TOKENS

USER = {"role": "user", "content": "hi"}
FLAT_TOOL = {"type": "function", "name": "get_weather", "strict": False,
             "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}


def call_item(call_id="call_1", **extra):
    return {"type": "function_call", "call_id": call_id, "name": "get_weather",
            "arguments": "{}", **extra}


def output_item(call_id="call_1"):
    return {"type": "function_call_output", "call_id": call_id, "output": "sunny"}


REASONING = {"type": "reasoning", "id": "rs_1", "summary": []}


def req(model="o3", input_="hi", **extra):
    return {"model": model, "input": input_, **extra}


# (what is wrong, request, the whole error body of the 400)
REJECTED = [
    ("a chat-only parameter", req(stop=["\n"]),
     error("Unknown parameter: 'stop'.", "stop", "unknown_parameter")),
    ("a chat-style nested tool", req(tools=[{"type": "function", "function": {
        "name": "get_weather", "parameters": {}}}]),
     error("Missing required parameter: 'tools[0].name'.", "tools[0].name",
           "missing_required_parameter")),
    ("a function_call carrying its id", req(input_=[USER, call_item(id="fc_abc"),
                                                    output_item()]),
     error("Item 'fc_abc' of type 'function_call' was provided without its required "
           "'reasoning' item: 'rs_abc'.", "input")),
    ("a tool result without its call", req(input_=[USER, output_item("call_9")]),
     error("No tool call found for function call output with call_id call_9.", "input")),
    ("a call without its result", req(input_=[USER, call_item()]),
     error("No tool output found for function call call_1.", "input")),
    ("a call_id over 64 characters", req(input_=[USER, call_item("c" * 65),
                                                 output_item("c" * 65)]),
     error("Invalid 'input[1].call_id': string too long. Expected a string with maximum length "
           "64, but got a string with length 65 instead.", "input[1].call_id",
           "string_above_max_length")),
    ("max_output_tokens below 16", req(max_output_tokens=5),
     error("Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, "
           "but got 5 instead.", "max_output_tokens", "integer_below_min_value")),
    ("input_text in an assistant message", req(input_=[
        USER, {"role": "assistant", "content": [{"type": "input_text", "text": "x"}]}, USER]),
     error("Invalid value: 'input_text'. Supported values are: 'output_text' and 'refusal'.",
           "input[1].content[0].type", "invalid_value")),
    ("an image without detail", req(input_=[{"role": "user", "content": [
        {"type": "input_text", "text": "look"},
        {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}]}]),
     error("Missing required parameter: 'input[0].content[1].detail'.",
           "input[0].content[1].detail", "missing_required_parameter")),
    ("temperature on a reasoning model", req(temperature=0.2),
     error("Unsupported parameter: 'temperature' is not supported with this model.",
           "temperature", "unsupported_parameter")),
    ("top_p on a reasoning model", req("o1-pro", top_p=1),
     error("Unsupported parameter: 'top_p' is not supported with this model.", "top_p",
           "unsupported_parameter")),
    ("gpt-5-pro below high effort", req("gpt-5-pro", reasoning={"effort": "medium"}),
     error("Unsupported value: 'reasoning.effort' does not support 'medium' with this model. "
           "Supported values are: 'high'.", "reasoning.effort", "unsupported_value")),
    ("reasoning effort on gpt-4o", req("gpt-4o", reasoning={"effort": "low"}),
     error("Unsupported parameter: 'reasoning.effort' is not supported with this model.",
           "reasoning.effort", "unsupported_parameter")),
    ("a chat-style json_schema format", req(text={"format": {
        "type": "json_schema", "json_schema": {"name": "x", "schema": {}}}}),
     error("Missing required parameter: 'text.format.name'.", "text.format.name",
           "missing_required_parameter")),
    ("an unknown reasoning setting", req(reasoning={"effort": "low", "budget": 3}),
     error("Unknown parameter: 'reasoning.budget'.", "reasoning.budget", "unknown_parameter")),
    ("stream_options without stream", req(stream_options={"include_obfuscation": False}),
     error("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
           "stream_options")),
    ("a reasoning item last", req(input_=[USER, REASONING]),
     error("Item 'rs_1' of type 'reasoning' was provided without its required following item.",
           "input")),
    ("a reasoning item before a user message", req(input_=[USER, REASONING, USER]),
     error("Item 'rs_1' of type 'reasoning' was provided without its required following item.",
           "input")),
    ("two reasoning items in a row", req(input_=[USER, REASONING, REASONING, call_item(),
                                                 output_item()]),
     error("Item 'rs_1' of type 'reasoning' was provided without its required following item.",
           "input")),
    ("a reasoning item with neither id nor encrypted content", req(input_=[
        USER, {"type": "reasoning", "summary": []}, call_item(), output_item()]),
     error("Missing required parameter: 'input[1].id'.", "input[1].id",
           "missing_required_parameter")),
    ("an assistant message keeping its msg_ id without its reasoning item", req(input_=[
        USER, {"type": "message", "role": "assistant", "id": "msg_abc",
               "content": [{"type": "output_text", "text": "x", "annotations": []}]}, USER]),
     error("Item 'msg_abc' of type 'message' was provided without its required 'reasoning' "
           "item: 'rs_abc'.", "input")),
    ("an include the API does not know", req(include=["reasoning.encrypted"]),
     error("Invalid value: 'reasoning.encrypted'. Supported values are: "
           "'file_search_call.results', 'web_search_call.results', "
           "'web_search_call.action.sources', 'message.input_image.image_url', "
           "'computer_call_output.output.image_url', 'code_interpreter_call.outputs', "
           "'reasoning.encrypted_content', and 'message.output_text.logprobs'.", "include[0]",
           "invalid_value")),
    ("encrypted reasoning from a model that does not reason",
     req("gpt-4o", include=["reasoning.encrypted_content"]),
     error("Encrypted content is not supported with this model.", "include")),
    ("an unknown model", req("o0-nope"),
     error("The requested model 'o0-nope' does not exist.", "model", "model_not_found")),
    ("an unknown fault", req("fault-nope"),
     error("The requested model 'fault-nope' does not exist.", "model", "model_not_found")),
]


@pytest.mark.parametrize("case,request_,expected", REJECTED, ids=[c for c, _, _ in REJECTED])
def test_rejects_what_the_real_endpoint_rejects(fake, case, request_, expected):
    r = responses(fake, request_)
    assert (r.status, r.json()) == (400, expected)


ACCEPTED = [
    ("a flat tool", req(tools=[FLAT_TOOL])),
    ("a call without id, then its result", req(input_=[USER, call_item(), output_item()])),
    ("a call with id after its (stored) reasoning item", req(input_=[
        USER, REASONING, call_item(id="fc_1"), output_item()])),
    ("a reasoning item before an assistant message", req(input_=[
        USER, REASONING, {"role": "assistant", "content": "x"}, USER])),
    ("a call with id on a model that does not reason", req("gpt-4o", input_=[
        USER, call_item(id="fc_1"), output_item()])),
    ("a result whose call is stored", req(input_=[output_item("call_9")],
                                          previous_response_id="resp_1")),
    ("output_text and refusal in an assistant message", req(input_=[USER, {
        "role": "assistant", "content": [{"type": "output_text", "text": "x", "annotations": []},
                                         {"type": "refusal", "refusal": "no"}]}, USER])),
    ("an image with detail", req(input_=[{"role": "user", "content": [
        {"type": "input_image", "image_url": "https://x/y.png", "detail": "auto"}]}])),
    ("temperature on gpt-4o", req("gpt-4o", temperature=0.2, top_p=0.5)),
    ("gpt-5-pro at high effort", req("gpt-5-pro", reasoning={"effort": "high"})),
    ("a flat json_schema format", req(text={"format": {"type": "json_schema", "name": "x",
                                                       "schema": {"type": "object"}},
                                            "verbosity": "low"})),
    ("every other create parameter", req(instructions="be brief", metadata={"k": "v"},
                                         store=False, parallel_tool_calls=True,
                                         tool_choice="auto", truncation="auto", user="u",
                                         safety_identifier="s", service_tier="auto",
                                         include=["reasoning.encrypted_content"])),
]


@pytest.mark.parametrize("case,request_", ACCEPTED, ids=[c for c, _ in ACCEPTED])
def test_accepts_the_corrected_requests(fake, case, request_):
    r = responses(fake, request_)
    assert r.status == 200, r.raw


def test_answer_is_a_reasoning_item_then_the_message(fake):
    r = responses(fake, req(input_=[{"role": "developer", "content": "be brief"}, {
        "role": "user", "content": [{"type": "input_text", "text": "hello world"}]}]))
    got = r.json()
    assert (got["object"], got["status"], got["model"]) == ("response", "completed",
                                                            "o3-2025-04-16")
    assert got["id"].startswith("resp_") and isinstance(got["created_at"], float)
    assert [i["type"] for i in got["output"]] == ["reasoning", "message"]
    assert got["output"][0]["id"].startswith("rs_") and got["output"][0]["summary"] == []
    assert got["output"][1]["content"] == [{"type": "output_text", "annotations": [],
                                            "logprobs": [], "text": "echo: hello world"}]
    prompt = (4 + 2) + (4 + 2)  # 4 + words per input message
    visible = 3 + REASONING_TOKENS
    assert got["usage"] == {"input_tokens": prompt,
                            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                            "output_tokens": visible,
                            "output_tokens_details": {"reasoning_tokens": REASONING_TOKENS},
                            "total_tokens": prompt + visible}
    assert got["incomplete_details"] is None and got["error"] is None


def test_a_reasoning_summary_only_when_asked(fake):
    got = responses(fake, req(input_="why?", reasoning={"effort": "low", "summary": "auto"}))
    assert got.json()["output"][0]["summary"] == [{"type": "summary_text",
                                                   "text": "Thinking about: why?"}]
    assert got.json()["reasoning"] == {"effort": "low", "summary": "auto"}


def test_an_unverified_organization_gets_no_summaries(fake):
    r = responses(fake, req(reasoning={"summary": "auto"}), auth=UNVERIFIED)
    assert (r.status, r.json()) == (400, error(
        "Your organization must be verified to generate reasoning summaries. Please go to: "
        "https://platform.openai.com/settings/organization/general and click on Verify "
        "Organization. If you just verified, it can take up to 15 minutes for access to "
        "propagate.", "reasoning.summary", "unsupported_value"))
    assert responses(fake, req(reasoning={"effort": "low"}), auth=UNVERIFIED).status == 200


@pytest.mark.parametrize("text,message,calls", [
    ("please call a tool", None, ["get_weather"]),
    ("call two tools", None, ["get_weather", "get_time"]),
    ("say hi and call a tool", "echo: say hi and call a tool", ["get_weather"]),
])
def test_tool_calls(fake, text, message, calls):
    tools = [FLAT_TOOL, dict(FLAT_TOOL, name="get_time")]
    got = responses(fake, req(input_=text, tools=tools)).json()
    fc = [i for i in got["output"] if i["type"] == "function_call"]
    assert [c["name"] for c in fc] == calls
    assert all(c["id"].startswith("fc_") and c["call_id"].startswith("call_")
               and c["arguments"] == '{"city": "Paris"}' and c["status"] == "completed"
               for c in fc)
    assert len({c["call_id"] for c in fc}) == len(fc)
    assert (output_text(got) or None) == message


def test_a_tool_without_strict_is_strict_and_its_call_fills_every_property(fake):
    schema = {"type": "object", "required": ["city"], "properties": {
        "city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]},
        "days": {"type": "integer"}}}
    loose = dict(FLAT_TOOL, name="loose", parameters=schema)
    implicit = {k: v for k, v in loose.items() if k != "strict"} | {"name": "implicit"}
    got = responses(fake, req(input_="call two tools", tools=[implicit, loose]))
    calls = [i for i in got.json()["output"] if i["type"] == "function_call"]
    assert calls[0]["arguments"] == '{"city": "Paris", "unit": "c", "days": 1}'
    assert calls[1]["arguments"] == '{"city": "Paris"}'
    assert [t["strict"] for t in got.json()["tools"]] == [True, False]
    assert fake.requests("/v1/responses")[0]["strict_tools"] == ["implicit"]


def test_a_refusal(fake):
    got = responses(fake, req(input_="please refuse")).json()
    assert got["output"][1]["content"] == [{"type": "refusal",
                                            "refusal": "I'm sorry, I can't help with that."}]


def test_the_answer_to_a_tool_result_quotes_it(fake):
    got = responses(fake, req(input_=[USER, call_item(), output_item()], tools=[FLAT_TOOL]))
    assert output_text(got.json()) == "echo: tool said sunny"


def test_a_budget_reasoning_eats_is_incomplete_with_no_text(fake):
    got = responses(fake, req(max_output_tokens=100)).json()
    assert (got["status"], got["incomplete_details"]) == ("incomplete",
                                                          {"reason": "max_output_tokens"})
    assert [i["type"] for i in got["output"]] == ["reasoning"] and output_text(got) == ""
    assert got["usage"]["output_tokens"] == got["usage"]["output_tokens_details"][
        "reasoning_tokens"] == 100
    enough = 2 + REASONING_TOKENS  # "echo: hi"
    assert responses(fake, req(max_output_tokens=enough)).json()["status"] == "completed"
    assert responses(fake, req(max_output_tokens=enough - 1)).json()["status"] == "incomplete"


def test_cached_tokens_when_keyed_or_long(fake):
    def cached(**kw):
        return responses(fake, req(**kw)).json()["usage"]["input_tokens_details"]["cached_tokens"]

    assert cached() == 0
    assert cached(prompt_cache_key="project-1") == (4 + 1) // 2
    assert cached(input_="word " * 51) == (4 + 51) // 2


def test_the_sdk_reads_the_answer_as_its_types(fake):
    import openai
    from openai.types.responses import ResponseReasoningItem

    client = openai.OpenAI(base_url=fake.base_url, api_key="sk-fake", max_retries=0)
    got = client.responses.create(model="o1-pro", input="typed", prompt_cache_key="k",
                                  reasoning={"effort": "high", "summary": "detailed"})
    assert got.output_text == "echo: typed" and got.status == "completed"
    assert isinstance(got.output[0], ResponseReasoningItem)
    assert got.output[0].summary[0].text == "Thinking about: typed"
    assert got.usage.input_tokens_details.cached_tokens == got.usage.input_tokens // 2 > 0
    assert got.usage.output_tokens_details.reasoning_tokens == REASONING_TOKENS
    with pytest.raises(openai.BadRequestError) as bad:
        client.responses.create(model="o1-pro", input="x", extra_body={"stop": "x"})
    assert bad.value.code == "unknown_parameter" and bad.value.param == "stop"
