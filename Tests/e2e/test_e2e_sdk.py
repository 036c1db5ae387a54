"""The official openai Python SDK as a real client of the proxy."""

import json

import openai
import pytest

import e2e_helpers as h

MODELS = ["o1-mini", "o1", "o3-mini", "gpt-4o"]
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]


def messages(text):
    return [{"role": "system", "content": "You are helpful."},
            {"role": "user", "content": text}]


@pytest.mark.parametrize("model", MODELS)
def test_sdk_non_stream(sdk, fake, model):
    out = sdk.chat.completions.create(model=model, messages=messages(f"hi {model}"),
                                      max_tokens=500, temperature=1)
    ch = out.choices[0]
    assert ch.message.content == f"echo: hi {model}"
    assert ch.message.role == "assistant"
    assert ch.finish_reason == "stop"
    assert out.object == "chat.completion"
    assert out.usage.total_tokens == out.usage.prompt_tokens + out.usage.completion_tokens
    expected_reasoning = 0 if model == "gpt-4o" else 192
    assert out.usage.completion_tokens_details.reasoning_tokens == expected_reasoning
    assert len(fake.requests("/v1/chat/completions")) == 1


@pytest.mark.parametrize("model", MODELS)
def test_sdk_stream_with_usage(sdk, fake, model):
    stream = sdk.chat.completions.create(model=model, messages=messages(f"stream {model}"),
                                         stream=True, stream_options={"include_usage": True},
                                         max_tokens=500)
    text, finish, usage, ids, roles = "", None, None, set(), []
    for chunk in stream:
        assert chunk.object == "chat.completion.chunk"
        ids.add(chunk.id)
        if chunk.choices:
            d = chunk.choices[0].delta
            if d.role:
                roles.append(d.role)
            text += d.content or ""
            finish = chunk.choices[0].finish_reason or finish
        else:
            usage = chunk.usage
    assert text == f"echo: stream {model}"
    assert finish == "stop"
    assert roles == ["assistant"]
    assert len(ids) == 1
    assert usage is not None and usage.total_tokens > 0
    assert usage.completion_tokens_details.reasoning_tokens == (0 if model == "gpt-4o" else 192)


@pytest.mark.parametrize("model", MODELS)
def test_sdk_stream_without_usage(sdk, fake, model):
    chunks = list(sdk.chat.completions.create(model=model, messages=messages("no usage"),
                                              stream=True))
    assert all(c.choices for c in chunks), "no usage chunk unless include_usage"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "echo: no usage"


@pytest.mark.parametrize("model", ["o1", "gpt-4o"])
@pytest.mark.parametrize("stream", [False, True])
def test_sdk_tool_calls(sdk, fake, model, stream):
    kw = dict(model=model, messages=[{"role": "user", "content": "please call a tool"}],
              tools=TOOLS)
    if not stream:
        out = sdk.chat.completions.create(**kw)
        assert out.choices[0].finish_reason == "tool_calls"
        call = out.choices[0].message.tool_calls[0]
        assert call.function.name == "get_weather"
        assert json.loads(call.function.arguments) == {"city": "Paris"}
        return
    name, args, finish, call_id = None, "", None, None
    for chunk in sdk.chat.completions.create(stream=True, **kw):
        if not chunk.choices:
            continue
        for tc in chunk.choices[0].delta.tool_calls or []:
            name = tc.function.name or name
            call_id = tc.id or call_id
            args += tc.function.arguments or ""
        finish = chunk.choices[0].finish_reason or finish
    assert name == "get_weather" and call_id
    assert json.loads(args) == {"city": "Paris"}
    assert finish == "tool_calls"


def test_sdk_keepalive_stream(start_proxy, client_auth, fake):
    p = start_proxy(O1_PROXY_GRACE_SECONDS=1, O1_PROXY_KEEPALIVE_SECONDS=1)
    c = openai.OpenAI(base_url=p.base_url, api_key=client_auth.split(" ", 1)[1], max_retries=0)
    text = "".join(ch.choices[0].delta.content or "" for ch in c.chat.completions.create(
        model="fault-slow-1.5", messages=[{"role": "user", "content": "patience"}], stream=True)
        if ch.choices)
    assert text == "echo: patience"


def test_sdk_models_list(sdk, fake):
    ids = [m.id for m in sdk.models.list()]
    assert "o1-mini" in ids and "gpt-4o" in ids


@pytest.mark.parametrize("model,exc,status", [
    ("fault-500-json", openai.InternalServerError, 500),
    ("fault-429", openai.RateLimitError, 429),
    ("fault-html", openai.APIStatusError, 502),
    ("does-not-exist", openai.NotFoundError, 404),
])
@pytest.mark.parametrize("stream", [False, True])
def test_sdk_upstream_error_raises(sdk, fake, model, exc, status, stream):
    with pytest.raises(exc) as ei:
        res = sdk.chat.completions.create(model=model, stream=stream,
                                          messages=[{"role": "user", "content": "x"}])
        if stream:
            list(res)
    assert ei.value.status_code == status
    assert isinstance(ei.value.body, dict) and ei.value.body.get("message")


def test_sdk_unfixable_400_raises_bad_request(sdk, fake):
    with pytest.raises(openai.BadRequestError) as ei:
        sdk.chat.completions.create(model="fault-400-messages",
                                    messages=[{"role": "user", "content": "x"}])
    assert ei.value.body["param"] == "messages"


def test_sdk_error_mid_stream_raises_api_error(sdk, fake):
    got = []
    with pytest.raises(openai.APIError) as ei:
        for chunk in sdk.chat.completions.create(
                model="fault-cut-stream", stream=True,
                messages=[{"role": "user", "content": "cut"}]):
            got.append(chunk)
    assert got, "the events before the cut were delivered"
    assert not isinstance(ei.value, openai.APIStatusError)
    assert ei.value.body.get("type") == "upstream_error"


def test_sdk_error_after_keepalive_raises_api_error(start_proxy, client_auth, fake):
    """The 500 comes 3 s after the upstream call, long after the 200 went out at the 1 s grace
    period: the SDK raises it from the stream, not as a status."""
    p = start_proxy(O1_PROXY_GRACE_SECONDS=1, O1_PROXY_KEEPALIVE_SECONDS=1)
    c = openai.OpenAI(base_url=p.base_url, api_key=client_auth.split(" ", 1)[1], max_retries=0)
    with pytest.raises(openai.APIError) as ei:
        list(c.chat.completions.create(model="fault-500-json-after-3", stream=True,
                                       messages=[{"role": "user", "content": "x"}]))
    assert not isinstance(ei.value, openai.APIStatusError)


def test_sdk_deadline_is_not_retried(start_proxy, client_auth, fake):
    """504 carries x-should-retry: false: even a retrying SDK client calls once."""
    p = start_proxy(O1_PROXY_DEADLINE_SECONDS=1)
    c = openai.OpenAI(base_url=p.base_url, api_key=client_auth.split(" ", 1)[1], max_retries=2)
    mark = p.mark()
    with pytest.raises(openai.APIStatusError) as ei:
        c.chat.completions.create(model="fault-silent",
                                  messages=[{"role": "user", "content": "x"}])
    assert ei.value.status_code == 504
    assert [e["status"] for e in p.entries(mark, 1)] == ["504"], "one exchange with the proxy"
    assert len(fake.requests("/v1/chat/completions")) == 1


def test_sdk_with_proxy_token(start_proxy, fake):
    token = h.new_secret("tok")
    p = start_proxy(O1_PROXY_TOKEN=token)
    good = openai.OpenAI(base_url=p.base_url, api_key=token, max_retries=0)
    assert good.chat.completions.create(
        model="o1-mini", messages=[{"role": "user", "content": "t"}]
    ).choices[0].message.content == "echo: t"
    bad = openai.OpenAI(base_url=p.base_url, api_key="not-the-token", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.chat.completions.create(model="o1-mini", messages=[{"role": "user", "content": "t"}])
