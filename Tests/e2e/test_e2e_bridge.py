"""Responses-only models from a chat client (issue 8): the bridge from chat completions to
/v1/responses, driven by the official SDK's chat API, against the fake's strict /v1/responses.
A chat client must get exactly what a chat model would have sent it."""

import json

import openai
import pytest

import e2e_helpers as h

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                                           "parameters": {"type": "object", "properties": {
                                               "city": {"type": "string"}, "unit": {"type": "string"}}}}},
         {"type": "function", "function": {"name": "get_time",
                                           "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}}}}]


def client(proxy, key="sk-client-unused"):
    return openai.OpenAI(base_url=proxy.base_url, api_key=key, max_retries=0, timeout=60)


def responses_calls(fake):
    return fake.requests("/v1/responses")


def chat_calls(fake):
    return fake.requests("/v1/chat/completions")


# ---- non-stream ---------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["o1-pro", "gpt-5-pro", "o3-pro-2025-06-10", "codex-mini-latest"])
def test_built_in_responses_model_answers_a_chat_request(proxy, fake, model):
    mark = proxy.mark()
    r = client(proxy).chat.completions.create(
        model=model, max_tokens=1000, temperature=0.3, stop=["\n\n"], n=1, seed=3, user="u1",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello bridge"}])
    assert r.object == "chat.completion"
    assert r.choices[0].message.content == "echo: hello bridge"
    assert r.choices[0].message.role == "assistant"
    assert r.choices[0].finish_reason == "stop"
    assert len(r.choices) == 1
    assert r.usage.completion_tokens_details.reasoning_tokens == 192
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
    assert r.model.startswith(model.split("-2025")[0])
    assert chat_calls(fake) == []
    [up] = responses_calls(fake)
    sent = up["body"]
    assert sent["input"] == [{"type": "message", "role": "system", "content": "Be brief."},
                             {"type": "message", "role": "user", "content": "hello bridge"}]
    assert sent["store"] is False and sent["max_output_tokens"] == 1000 and sent["user"] == "u1"
    for gone in ("temperature", "stop", "n", "seed", "messages", "max_tokens", "stream"):
        assert gone not in sent
    e = proxy.entry(mark)
    assert e["api"] == "responses" and e["status"] == "200" and e["stream"] == "none"
    assert e["reasoning_tokens"] == "192" and e["completion_tokens"] == str(r.usage.completion_tokens)
    assert "learned" not in e


@pytest.mark.parametrize("model,wording", [("o7-sage", "not a chat model"), ("o8-scholar-2026", "only supported in v1/responses")])
def test_unknown_responses_only_model_is_learned_from_its_404(proxy, fake, model, wording):
    mark = proxy.mark()
    r = client(proxy).chat.completions.create(model=model, messages=[{"role": "user", "content": "who are you"}])
    assert r.choices[0].message.content == "echo: who are you"
    [refused] = chat_calls(fake)
    assert refused["response"]["status"] == 404 and wording in refused["response"]["body"]["error"]["message"]
    assert len(responses_calls(fake)) == 1
    e = proxy.entry(mark)
    assert e["learned"] == "api:responses" and e["api"] == "responses", e["_line"]


def test_tools_with_reasoning_on_gpt_5_4_go_to_the_responses_api(proxy, fake):
    r = client(proxy).chat.completions.create(
        model="gpt-5.4", reasoning_effort="high", tools=TOOLS, max_completion_tokens=4000,
        messages=[{"role": "user", "content": "please call a tool"}])
    assert r.choices[0].finish_reason == "tool_calls"
    assert chat_calls(fake) == [], "a reasoning model's tool turn goes straight to the Responses API"
    [up] = responses_calls(fake)
    assert up["body"]["reasoning"] == {"effort": "high"}
    assert up["body"]["tools"][0] == {"type": "function", "name": "get_weather", "description": "Weather in a city",
                                      "parameters": TOOLS[0]["function"]["parameters"], "strict": False}
    # Its turns without tools stay on chat completions.
    fake.reset()
    client(proxy).chat.completions.create(model="gpt-5.4", reasoning_effort="high",
                                          messages=[{"role": "user", "content": "hello"}])
    assert len(chat_calls(fake)) == 1 and responses_calls(fake) == []


def test_a_refusal_of_tools_with_reasoning_is_learned_for_tool_turns(start_proxy, fake, tmp_path):
    """Where no rule sends its tool turns there (here the setting takes the built-in rules'
    away), chat's 400 teaches it: that turn is asked again on the Responses API, later tool
    turns go there at once, and plain turns stay on chat."""
    proxy = start_proxy(O1_PROXY_TOOL_TURNS="chat", STATE_DIRECTORY=str(tmp_path))
    ask = dict(model="gpt-5.4", reasoning_effort="high", tools=TOOLS,
               messages=[{"role": "user", "content": "please call a tool"}])
    mark = proxy.mark()
    assert client(proxy).chat.completions.create(**ask).choices[0].finish_reason == "tool_calls"
    [refused] = chat_calls(fake)
    assert refused["response"]["body"]["error"]["param"] == "reasoning_effort"
    assert len(responses_calls(fake)) == 1
    fake.reset()
    client(proxy).chat.completions.create(**ask)
    assert chat_calls(fake) == [] and len(responses_calls(fake)) == 1
    learned, remembered = proxy.entries(mark, 2)
    assert (learned["learned"], remembered["remembered"]) == ("tools:responses", "tools:responses")
    fake.reset()
    client(proxy).chat.completions.create(model="gpt-5.4", messages=[{"role": "user", "content": "hello"}])
    assert len(chat_calls(fake)) == 1 and responses_calls(fake) == []


# ---- tools across turns --------------------------------------------------------------------

def test_tool_call_round_trip(proxy, fake):
    c = client(proxy)
    messages = [{"role": "user", "content": "please call a tool"}]
    first = c.chat.completions.create(model="o1-pro", tools=TOOLS, tool_choice="auto", messages=messages)
    assert first.choices[0].finish_reason == "tool_calls"
    [call] = first.choices[0].message.tool_calls
    assert call.type == "function" and call.function.name == "get_weather"
    # strict was not asked for: optional properties stay optional, the model filled only one
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    assert responses_calls(fake)[0]["strict_tools"] == [], "names of the tools the API treated as strict"
    messages += [first.choices[0].message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21 C"}]
    fake.reset()
    second = c.chat.completions.create(model="o1-pro", tools=TOOLS, messages=messages)
    assert second.choices[0].message.content == "echo: tool said sunny, 21 C"
    assert second.choices[0].finish_reason == "stop"
    items = responses_calls(fake)[0]["body"]["input"]
    assert [i["type"] for i in items] == ["message", "function_call", "function_call_output"]
    assert items[1] == {"type": "function_call", "call_id": call.id, "name": "get_weather",
                        "arguments": call.function.arguments}
    assert items[2] == {"type": "function_call_output", "call_id": call.id, "output": "sunny, 21 C"}


def test_message_and_call_stay_one_choice(proxy, fake):
    r = client(proxy).chat.completions.create(
        model="o1-pro", tools=TOOLS, messages=[{"role": "user", "content": "say hi and call a tool"}])
    assert len(r.choices) == 1
    assert r.choices[0].message.content == "echo: say hi and call a tool"
    assert len(r.choices[0].message.tool_calls) == 1
    assert r.choices[0].finish_reason == "tool_calls"


# ---- streams -------------------------------------------------------------------------------

def test_stream_with_usage(proxy, fake):
    mark = proxy.mark()
    stream = client(proxy).chat.completions.create(
        model="o1-pro", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "stream over the bridge"}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo: stream over the bridge"
    assert chunks[0].choices[0].delta.role == "assistant"
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens_details.reasoning_tokens == 192
    assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)
    [up] = responses_calls(fake)
    assert up["body"]["stream"] is True and "stream_options" not in up["body"]
    e = proxy.entry(mark)
    assert e["stream"] == "native" and e["api"] == "responses" and e["status"] == "200"
    assert e["completion_tokens"] == str(chunks[-1].usage.completion_tokens)


def test_stream_wire_is_chat_completions(proxy, fake):
    r = h.chat(proxy.port, {"model": "o1-pro", "stream": True,
                            "messages": [{"role": "user", "content": "raw bridge"}]})
    assert r.status == 200 and r.header("Content-Type") == "text/event-stream; charset=utf-8"
    assert r.complete
    kinds = {k for k, _ in r.events()}
    assert "field" not in kinds, "no event: lines reach a chat client"
    data = h.data_events(r)
    assert data[-1] == "[DONE]" and data.count("[DONE]") == 1
    chunks = [json.loads(d) for d in data[:-1]]
    assert all("obfuscation" not in d and "sequence_number" not in d for d in data)
    assert all("usage" not in c for c in chunks), "no usage key unless the client asked"


def test_two_parallel_calls_streamed_with_dense_indices(proxy, fake):
    stream = client(proxy).chat.completions.create(
        model="o1-pro", stream=True, tools=TOOLS, messages=[{"role": "user", "content": "please call two tools"}])
    calls = {}
    finish = None
    for chunk in stream:
        for d in chunk.choices[0].delta.tool_calls or []:
            entry = calls.setdefault(d.index, {"id": None, "name": None, "arguments": ""})
            if d.id:
                entry["id"], entry["name"] = d.id, d.function.name
            entry["arguments"] += d.function.arguments or ""
        finish = chunk.choices[0].finish_reason or finish
    assert sorted(calls) == [0, 1]
    assert [calls[i]["name"] for i in (0, 1)] == ["get_weather", "get_time"]
    assert all(c["id"].startswith("call_") and json.loads(c["arguments"]) for c in calls.values())
    assert finish == "tool_calls"


def test_stream_not_asked_for_is_one_completion(proxy, fake):
    r = h.chat(proxy.port, {"model": "o1-pro", "messages": [{"role": "user", "content": "whole"}]})
    assert r.status == 200 and r.header("Content-Type") == "application/json"
    assert r.json()["object"] == "chat.completion"
    assert "stream" not in responses_calls(fake)[0]["body"]


def test_keepalive_while_a_bridged_model_thinks(start_proxy, fake, tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"rules": [{"match": ["fault-*"], "api": "responses"}]}))
    p = start_proxy(O1_PROXY_RULES=rules, O1_PROXY_GRACE_SECONDS=1, O1_PROXY_KEEPALIVE_SECONDS=1)
    r = h.chat(p.port, {"model": "fault-think-3", "stream": True,
                        "messages": [{"role": "user", "content": "think"}]}, timeout=30)
    assert r.status == 200
    events = r.timed_events()
    comments = [t for t, kind, value in events if kind == "comment" and value.strip() == "keepalive"]
    first_content = next(t for t, kind, value in events if kind == "data" and '"content":"echo' in value)
    assert len(comments) >= 2, events
    assert all(t < first_content for t in comments[:2])
    assert h.data_events(r)[-1] == "[DONE]"


# ---- failures ------------------------------------------------------------------------------

@pytest.mark.parametrize("model,code", [("fault-failed", "server_error"), ("fault-error-event", "rate_limit_exceeded")])
def test_failed_bridged_stream_raises_in_the_sdk(proxy, fake, model, code):
    """Both are Responses-only to the fake: the bridge is learned from the chat 404 first."""
    mark = proxy.mark()
    stream = client(proxy).chat.completions.create(model=model, stream=True,
                                                  messages=[{"role": "user", "content": "fail please"}])
    with pytest.raises(openai.APIError) as raised:
        for _ in stream:
            pass
    assert code in str(raised.value.body) or code in str(raised.value)
    e = proxy.entry(mark)
    assert e["status"] == "200" and "the upstream stream failed" in e["error"], e["_line"]
    assert e["learned"] == "api:responses"


def test_failed_response_without_a_stream_is_an_error(proxy, fake):
    with pytest.raises(openai.APIStatusError) as raised:
        client(proxy).chat.completions.create(model="fault-failed", messages=[{"role": "user", "content": "x"}])
    assert raised.value.status_code == 502
    assert raised.value.body["code"] == "server_error"


def test_cut_bridged_stream_is_an_error_event(start_proxy, fake, tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"rules": [{"match": ["fault-cut-stream"], "api": "responses"}]}))
    p = start_proxy(O1_PROXY_RULES=rules)
    r = h.chat(p.port, {"model": "fault-cut-stream", "stream": True, "messages": [{"role": "user", "content": "cut"}]})
    data = h.data_events(r)
    assert "[DONE]" not in data
    assert json.loads(data[-1])["error"]["code"] == "upstream_stream_cut"
    assert r.complete


# ---- reasoning summaries -------------------------------------------------------------------

def test_summaries_off_by_default(proxy, fake):
    r = client(proxy).chat.completions.create(model="o3-pro", messages=[{"role": "user", "content": "think aloud"}])
    assert getattr(r.choices[0].message, "reasoning_content", None) is None
    assert "reasoning" not in responses_calls(fake)[0]["body"]


def test_summaries_on(start_proxy, fake):
    p = start_proxy(O1_PROXY_REASONING_SUMMARY="auto")
    c = client(p)
    r = c.chat.completions.create(model="o3-pro", messages=[{"role": "user", "content": "think aloud"}])
    assert r.choices[0].message.reasoning_content == "Thinking about: think aloud"
    assert responses_calls(fake)[0]["body"]["reasoning"] == {"summary": "auto"}
    stream = c.chat.completions.create(model="o3-pro", stream=True, messages=[{"role": "user", "content": "aloud too"}])
    chunks = list(stream)
    summary = "".join(getattr(ch.choices[0].delta, "reasoning_content", None) or "" for ch in chunks if ch.choices)
    assert summary == "Thinking about: aloud too"
    assert "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices) == "echo: aloud too"


def test_summaries_refused_for_an_unverified_organization(start_proxy, fake):
    p = start_proxy(O1_PROXY_REASONING_SUMMARY="detailed", OPENAI_API_KEY=h.new_secret("sk-unverified"))
    mark = p.mark()
    r = client(p).chat.completions.create(model="o3-pro", messages=[{"role": "user", "content": "still answer"}])
    assert r.choices[0].message.content == "echo: still answer"
    calls = responses_calls(fake)
    assert [c["response"]["status"] for c in calls] == [400, 200]
    assert calls[0]["body"]["reasoning"] == {"summary": "detailed"} and "reasoning" not in calls[1]["body"]
    assert p.entry(mark)["learned"] == "drop:reasoning.summary"


def test_unverified_organization_gets_a_faked_stream(start_proxy, fake):
    p = start_proxy(OPENAI_API_KEY=h.new_secret("sk-unverified"))
    mark = p.mark()
    stream = client(p).chat.completions.create(model="o3", stream=True, messages=[{"role": "user", "content": "stream?"}])
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "echo: stream?"
    e = p.entry(mark)
    assert e["learned"] == "stream:faked" and e["stream"] == "faked"


# ---- the client's own Responses calls ------------------------------------------------------

def test_clients_own_responses_call_is_relayed_untouched(proxy, fake):
    c = client(proxy)
    r = c.responses.create(model="o1-pro", input="direct", reasoning={"effort": "high"})
    assert r.output_text == "echo: direct"
    [up] = responses_calls(fake)
    assert up["body"] == {"model": "o1-pro", "input": "direct", "reasoning": {"effort": "high"}}
    fake.reset()
    events = list(c.responses.create(model="o1-pro", input="direct stream", stream=True))
    assert events[-1].type == "response.completed"
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == "echo: direct stream"


# ---- Azure OpenAI --------------------------------------------------------------------------

@pytest.fixture
def azure(start_proxy, fake):
    key = h.new_secret("azure-key")
    return start_proxy(OPENAI_BASE_URL=None, OPENAI_API_KEY=None, AZURE_OPENAI_ENDPOINT=fake.url,
                       AZURE_OPENAI_API_KEY=key), key


def test_azure_deployment_with_two_settings(azure, fake):
    p, key = azure
    r = client(p).chat.completions.create(model="my-o1-mini", max_tokens=300,
                                         messages=[{"role": "system", "content": "Be brief."},
                                                   {"role": "user", "content": "hi azure"}])
    assert r.choices[0].message.content == "echo: hi azure"
    calls = fake.requests("/openai/v1/chat/completions")
    assert [c["response"]["status"] for c in calls][-1] == 200
    up = calls[-1]
    assert all(c["headers"]["api-key"] == key and "authorization" not in c["headers"] for c in calls)
    assert [m["role"] for m in up["body"]["messages"]] == ["user", "user"]
    assert up["body"]["max_completion_tokens"] == 300


def test_azure_responses_only_deployment_is_bridged(azure, fake):
    p, _ = azure
    mark = p.mark()
    r = client(p).chat.completions.create(model="team-o1-pro", messages=[{"role": "user", "content": "pro on azure"}])
    assert r.choices[0].message.content == "echo: pro on azure"
    assert fake.requests("/openai/v1/chat/completions")[0]["response"]["status"] == 400
    assert len(fake.requests("/openai/v1/responses")) == 1
    assert p.entry(mark)["learned"] == "api:responses"


def test_azure_deployment_without_the_responses_api_keeps_tool_turns_on_chat(start_proxy, fake, tmp_path):
    """A deployment's name is the operator's, so a rule says its tool turns go to the Responses
    API; where the deployment refuses that, the refusal is learned and they stay on chat."""
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"rules": [{"match": ["legacy-o3-mini"], "tools": "responses"}]}))
    p = start_proxy(OPENAI_BASE_URL=None, OPENAI_API_KEY=None, AZURE_OPENAI_ENDPOINT=fake.url,
                    AZURE_OPENAI_API_KEY=h.new_secret("azure-key"), STATE_DIRECTORY=str(tmp_path),
                    O1_PROXY_RULES=str(rules))
    ask = dict(model="legacy-o3-mini", tools=TOOLS, messages=[{"role": "user", "content": "please call a tool"}])
    mark = p.mark()
    assert client(p).chat.completions.create(**ask).choices[0].finish_reason == "tool_calls"
    assert fake.requests("/openai/v1/responses")[0]["response"]["status"] == 400
    assert len(fake.requests("/openai/v1/chat/completions")) == 1
    fake.reset()
    client(p).chat.completions.create(**ask)
    assert fake.requests("/openai/v1/responses") == [] and len(fake.requests("/openai/v1/chat/completions")) == 1
    learned, remembered = p.entries(mark, 2)
    assert (learned["learned"], remembered["remembered"]) == ("tools:chat", "tools:chat")


def test_azure_stream(azure, fake):
    p, _ = azure
    stream = client(p).chat.completions.create(model="prod-o3-mini", stream=True,
                                              messages=[{"role": "user", "content": "azure stream"}])
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "echo: azure stream"


def test_cached_tokens_reach_the_client_and_the_journal(proxy, fake):
    mark = proxy.mark()
    r = client(proxy).chat.completions.create(model="o1-pro", prompt_cache_key="k1",
                                             messages=[{"role": "user", "content": "cache me"}])
    cached = r.usage.prompt_tokens_details.cached_tokens
    assert cached > 0
    assert responses_calls(fake)[0]["body"]["prompt_cache_key"] == "k1"
    assert proxy.entry(mark)["cached_tokens"] == str(cached)
