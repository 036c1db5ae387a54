"""Learning from upstream 400s with a model the proxy has no rule for (o9-future)."""

import e2e_helpers as h


def chat_calls(fake):
    return [r for r in fake.requests("/v1/chat/completions")]


def test_learns_max_tokens_role_and_temperature(proxy, fake):
    body = {"model": "o9-future", "max_tokens": 123, "temperature": 0.4, "seed": 9,
            "messages": [{"role": "system", "content": "be brief"},
                         {"role": "user", "content": "learn this"},
                         {"role": "system", "content": "second system"},
                         {"role": "user", "content": "final"}]}
    mark = proxy.mark()
    r = h.chat(proxy.port, body)
    assert r.status == 200, r.raw
    ans = r.json()
    assert ans["choices"][0]["message"]["content"] == "echo: final"
    assert ans["model"] == "o9-future-2026-01-01"
    calls = chat_calls(fake)
    # one failed call per problem (the role is mapped everywhere in one go), then success
    assert len(calls) == 4, [c["response"]["body"] for c in calls]
    assert [c["response"]["status"] for c in calls] == [400, 400, 400, 200]
    last = calls[-1]["body"]
    assert "max_tokens" not in last and last["max_completion_tokens"] == 123
    assert "temperature" not in last
    assert [m["role"] for m in last["messages"]] == ["user"] * 4
    assert last["seed"] == 9
    e = proxy.entry(mark)
    assert e["status"] == "200"
    assert e["model"] == "o9-future"
    learned = e.get("learned", "")
    assert "max_tokens" in learned, e["_line"]
    assert "temperature" in learned, e["_line"]
    assert "role" in learned or "system" in learned, e["_line"]


def test_learns_stream_becomes_faked(proxy, fake):
    body = {"model": "o9-future", "stream": True, "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": "stream me"}]}
    mark = proxy.mark()
    r = h.chat(proxy.port, body)
    assert r.status == 200, r.raw
    assert (r.header("Content-Type") or "").startswith("text/event-stream")
    events = h.data_events(r)
    assert events[-1] == "[DONE]"
    chunks = h.json_chunks(r)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "echo: stream me"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    calls = chat_calls(fake)
    assert calls[0]["body"]["stream"] is True
    assert calls[-1]["body"].get("stream", False) is False
    assert "stream_options" not in calls[-1]["body"]
    assert calls[-1]["response"]["status"] == 200
    e = proxy.entry(mark)
    assert e["stream"] == "faked"
    assert "stream" in e.get("learned", ""), e["_line"]


def test_developer_role_untouched_when_only_system_is_rejected(proxy, fake):
    body = {"model": "o9-future", "messages": [{"role": "developer", "content": "d"},
                                               {"role": "system", "content": "s"},
                                               {"role": "user", "content": "u"}]}
    r = h.chat(proxy.port, body)
    assert r.status == 200, r.raw
    last = chat_calls(fake)[-1]["body"]
    assert [m["role"] for m in last["messages"]] == ["developer", "user", "user"]


def test_nothing_to_learn_logs_none(proxy, fake):
    mark = proxy.mark()
    r = h.chat(proxy.port, {"model": "o9-future",
                            "messages": [{"role": "user", "content": "plain"}]})
    assert r.status == 200, r.raw
    assert len(chat_calls(fake)) == 1
    e = proxy.entry(mark)
    assert e.get("learned", "") in ("", "0", "none", "-", "[]"), e["_line"]


def test_too_many_retries_passes_the_400_through(start_proxy, fake):
    p = start_proxy(O1_PROXY_MAX_RETRIES=1)
    body = {"model": "o9-future", "max_tokens": 5, "temperature": 0.5,
            "messages": [{"role": "user", "content": "x"}]}
    mark = p.mark()
    r = h.chat(p.port, body)
    calls = chat_calls(fake)
    assert len(calls) == 2, "one try + one retry"
    e = h.assert_json_error(r, 400, type_="invalid_request_error")
    assert r.json() == calls[-1]["response"]["body"], "the upstream 400 passes through as-is"
    assert e["param"] == "temperature"
    entry = p.entry(mark)
    assert entry["status"] == "400"


def test_zero_retries_allowed(start_proxy, fake):
    p = start_proxy(O1_PROXY_MAX_RETRIES=0)
    r = h.chat(p.port, {"model": "o9-future", "max_tokens": 5,
                        "messages": [{"role": "user", "content": "x"}]})
    h.assert_json_error(r, 400, param="max_tokens", code="unsupported_parameter")
    assert len(chat_calls(fake)) == 1


def test_unfixable_400_naming_required_key_passes_through(proxy, fake):
    r = h.chat(proxy.port, {"model": "fault-400-messages",
                            "messages": [{"role": "user", "content": "x"}]})
    h.assert_json_error(r, 400, param="messages", code="unsupported_parameter")
    calls = chat_calls(fake)
    assert len(calls) == 1, "messages must never be dropped"
    assert r.json() == calls[0]["response"]["body"]


def test_unfixable_400_naming_absent_key_passes_through(proxy, fake):
    r = h.chat(proxy.port, {"model": "fault-400-absent",
                            "messages": [{"role": "user", "content": "x"}]})
    h.assert_json_error(r, 400, param="seed", code="unsupported_parameter")
    assert len(chat_calls(fake)) == 1


def test_non_400_is_not_adapted(proxy, fake):
    r = h.chat(proxy.port, {"model": "does-not-exist", "temperature": 1,
                            "messages": [{"role": "user", "content": "x"}]})
    h.assert_json_error(r, 404, code="model_not_found")
    assert len(chat_calls(fake)) == 1


def test_learning_with_sdk(sdk, fake):
    out = sdk.chat.completions.create(
        model="o9-future", max_tokens=50, temperature=0.7,
        messages=[{"role": "system", "content": "sys"}, {"role": "user", "content": "sdk learn"}])
    assert out.choices[0].message.content == "echo: sdk learn"
    assert out.usage.completion_tokens_details.reasoning_tokens > 0
