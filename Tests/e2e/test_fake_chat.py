"""The fake upstream's chat completions, straight (no proxy): today's families reject what the
real ones reject, Responses-only models answer chat with the real 404s, unverified
organizations cannot stream, and the deterministic answers."""

import pytest

from fake_client import UNVERIFIED, call, chat, error, output_text, responses
from fake_openai.models import FAMILIES, MODEL_LIST, family_of

USER = [{"role": "user", "content": "hi"}]
TOOLS = [{"type": "function", "function": {"name": n, "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}}}}
         for n in ("get_weather", "get_time")]
NOT_A_CHAT_MODEL = ("This is not a chat model and thus not supported in the v1/chat/completions "
                    "endpoint. Did you mean to use v1/completions?")
ONLY_RESPONSES = "This model is only supported in v1/responses and not in v1/chat/completions."
VERIFY = ("Your organization must be verified to stream this model. Please go to: "
          "https://platform.openai.com/settings/organization/general and click on Verify "
          "Organization. If you just verified, it can take up to 15 minutes for access to "
          "propagate.")


def body(model, messages=USER, **extra):
    return {"model": model, "messages": messages, **extra}


@pytest.mark.parametrize("alias", [m for m, _ in MODEL_LIST])
def test_every_listed_model_is_served_where_its_row_says(fake, alias):
    fam = family_of(alias)
    assert fam is not None and alias in fam.snapshots.keys() | fam.snapshots.values()
    r = chat(fake, body(alias))
    assert r.status == (200 if fam.serves_chat else 404), r.raw
    r = responses(fake, {"model": alias, "input": "hi"})
    assert r.status == 200, r.raw
    assert r.json()["model"] == fam.snapshots.get(alias, alias)


def test_models_are_listed_and_retrievable(fake):
    r = call(fake, "/v1/models", method="GET")
    ids = [m["id"] for m in r.json()["data"]]
    assert ids == [m for m, _ in MODEL_LIST]
    assert {"gpt-5", "gpt-5-2025-08-07", "o3", "o4-mini", "o1-pro", "gpt-5-pro"} <= set(ids)
    assert call(fake, "/v1/models/gpt-5-mini", method="GET").json()["id"] == "gpt-5-mini"
    r = call(fake, "/v1/models/o1-pro-nope", method="GET")
    assert (r.status, r.json()["error"]["code"]) == (404, "model_not_found")


# (model, what the client sent, the param and code of the real 400)
REJECTED = [
    ("gpt-5", {"max_tokens": 10}, "max_tokens", "unsupported_parameter"),
    ("gpt-5-mini", {"temperature": 0.7}, "temperature", "unsupported_value"),
    ("gpt-5-nano", {"top_p": 0.9}, "top_p", "unsupported_parameter"),
    ("gpt-5-2025-08-07", {"logprobs": True}, "logprobs", "unsupported_parameter"),
    ("gpt-5.1", {"top_logprobs": 2}, "top_logprobs", "unsupported_parameter"),
    ("gpt-5.2", {"presence_penalty": 0.1}, "presence_penalty", "unsupported_parameter"),
    ("gpt-5.4", {"frequency_penalty": 0.1}, "frequency_penalty", "unsupported_parameter"),
    ("gpt-5.5-2026-04-23", {"max_tokens": 1}, "max_tokens", "unsupported_parameter"),
    ("o3", {"temperature": 1}, "temperature", "unsupported_parameter"),
    ("o3", {"max_tokens": 5}, "max_tokens", "unsupported_parameter"),
    ("o3-2025-04-16", {"parallel_tool_calls": False}, "parallel_tool_calls",
     "unsupported_parameter"),
    ("o4-mini", {"top_p": 1}, "top_p", "unsupported_parameter"),
    ("o4-mini", {"logprobs": True}, "logprobs", "unsupported_parameter"),
    ("o4-mini-2025-04-16", {"presence_penalty": 0}, "presence_penalty", "unsupported_parameter"),
]


@pytest.mark.parametrize("model,extra,param,code", REJECTED)
def test_todays_families_reject_what_the_real_ones_reject(fake, model, extra, param, code):
    r = chat(fake, body(model, **extra))
    assert r.status == 400, r.raw
    assert (r.json()["error"]["param"], r.json()["error"]["code"]) == (param, code)


def test_gpt_5_errors_are_worded_as_the_real_ones(fake):
    assert chat(fake, body("gpt-5", max_tokens=10)).json() == error(
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
        "'max_completion_tokens' instead.", "max_tokens", "unsupported_parameter")
    assert chat(fake, body("gpt-5", temperature=0.7)).json() == error(
        "Unsupported value: 'temperature' does not support 0.7 with this model. Only the default "
        "(1) value is supported.", "temperature", "unsupported_value")
    assert chat(fake, body("gpt-5", top_p=0.5)).json() == error(
        "Unsupported parameter: 'top_p' is not supported with this model.", "top_p",
        "unsupported_parameter")


@pytest.mark.parametrize("model", ["gpt-5", "gpt-5.1", "o3", "o4-mini"])
def test_todays_families_take_what_they_accept_and_stream(fake, model):
    messages = [{"role": "system", "content": "s"}, {"role": "developer", "content": "d"},
                {"role": "user", "content": "hello"}]
    extra = {"temperature": 1, "response_format": {"type": "json_object"}, "verbosity": "low"} \
        if model.startswith("gpt-5") else {}
    r = chat(fake, body(model, messages, tools=TOOLS, reasoning_effort="low",
                        max_completion_tokens=500, stream=True, **extra))
    assert r.status == 200, r.raw
    chunks = r.data()
    assert r.events()[-1] == (None, "[DONE]")
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks) == "echo: hello"
    assert chunks[0]["model"] == family_of(model).snapshots[model]


def test_gpt_5_4_sends_function_tools_with_reasoning_to_responses(fake):
    r = chat(fake, body("gpt-5.4-mini", tools=TOOLS, reasoning_effort="high"))
    assert r.status == 400
    assert r.json() == error("Function tools with reasoning_effort are not supported for "
                             "gpt-5.4-mini in /v1/chat/completions. Please use /v1/responses "
                             "instead.", "reasoning_effort")
    assert chat(fake, body("gpt-5.4-mini", tools=TOOLS)).status == 200
    assert chat(fake, body("gpt-5.5", tools=TOOLS, reasoning_effort="none")).status == 200
    assert chat(fake, body("gpt-5", tools=TOOLS, reasoning_effort="high")).status == 200
    flat = [{"type": "function", "name": "get_weather", "parameters": {}, "strict": False}]
    assert responses(fake, {"model": "gpt-5.4-mini", "input": "hi", "tools": flat,
                            "reasoning": {"effort": "high"}}).status == 200


@pytest.mark.parametrize("model,message", [
    *[(m, NOT_A_CHAT_MODEL) for m in ("o1-pro", "o1-pro-2025-03-19", "o7-sage", "o7-sage-mini")],
    *[(m, ONLY_RESPONSES) for m in ("o3-pro", "o3-pro-2025-06-10", "gpt-5-pro", "gpt-5.2-pro",
                                    "gpt-5.5-pro-2026-04-23", "codex-mini-latest", "gpt-5-codex",
                                    "gpt-5.1-codex-max", "o3-deep-research",
                                    "o4-mini-deep-research-2025-06-26", "o8-scholar",
                                    "o8-scholar-2")],
])
def test_responses_only_models_answer_chat_with_the_real_404(fake, model, message):
    r = chat(fake, body(model, stream=True))
    assert r.status == 404
    assert r.json() == error(message, "model")
    r = responses(fake, {"model": model, "input": "hi"})
    assert r.status == 200 and output_text(r.json()) == "echo: hi"


@pytest.mark.parametrize("model", ["o3", "o4-mini", "gpt-5", "gpt-5.4"])
def test_an_unverified_organization_cannot_stream_todays_models(fake, model):
    r = chat(fake, body(model, stream=True), auth=UNVERIFIED)
    assert r.status == 400
    assert r.json() == error(VERIFY, "stream", "unsupported_value")
    r = responses(fake, {"model": model, "input": "hi", "stream": True}, auth=UNVERIFIED)
    assert (r.status, r.json()) == (400, error(VERIFY, "stream", "unsupported_value"))
    assert chat(fake, body(model), auth=UNVERIFIED).status == 200
    assert chat(fake, body(model, stream=True)).status == 200


@pytest.mark.parametrize("model", ["o3-mini", "gpt-4o"])
def test_an_unverified_organization_streams_older_models(fake, model):
    assert chat(fake, body(model, stream=True), auth=UNVERIFIED).status == 200


def test_answers_call_two_tools_say_hi_and_call_and_read_tool_results(fake):
    def answer(text, tools=TOOLS):
        r = chat(fake, body("gpt-5", [{"role": "user", "content": text}], tools=tools))
        return r.json()["choices"][0]

    two = answer("please call two tools")
    assert [c["function"]["name"] for c in two["message"]["tool_calls"]] == ["get_weather",
                                                                           "get_time"]
    assert two["finish_reason"] == "tool_calls" and two["message"]["content"] is None
    assert [c["function"]["name"] for c in answer("call two tools", TOOLS[:1])["message"][
        "tool_calls"]] == ["get_weather", "get_weather"]
    both = answer("say hi and call a tool")
    assert both["message"]["content"] == "echo: say hi and call a tool"
    assert len(both["message"]["tool_calls"]) == 1 and both["finish_reason"] == "tool_calls"
    assert answer("call two tools", [])["message"]["content"] == "echo: call two tools"
    turns = [{"role": "user", "content": "call a tool"},
             {"role": "assistant", "content": None, "tool_calls": [{
                 "id": "call_1", "type": "function",
                 "function": {"name": "get_weather", "arguments": "{}"}}]},
             {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]
    r = chat(fake, body("gpt-5", turns, tools=TOOLS)).json()
    assert r["choices"][0]["message"]["content"] == "echo: tool said sunny"


def test_the_table_puts_responses_only_rows_before_the_chat_rows_they_overlap():
    first_chat_row = next(i for i, f in enumerate(FAMILIES) if f.serves_chat)
    assert all(not f.serves_chat for f in FAMILIES[:first_chat_row])
    assert family_of("gpt-5.4-pro").name == "gpt-5.x-pro"
    assert family_of("o4-mini-deep-research").name == "deep research"
    assert family_of("o3-mini-2025-01-31").name == "o3-mini"
    assert family_of("o1-2024-12-17").name == "o1"
    assert family_of("gpt-5-chat-latest") is None
