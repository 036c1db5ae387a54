"""Streaming: the faked stream's shape, native relay, errors inside a stream."""

import json

import pytest

import e2e_helpers as h
from fake_upstream import compute_usage

TOOLS = [{"type": "function", "function": {"name": "get_weather",
                                           "parameters": {"type": "object", "properties": {}}}}]


def assert_sse_framing(r):
    assert r.status == 200, r.raw[:1000]
    assert r.header("Content-Type") == "text/event-stream; charset=utf-8", r.headers
    assert "chunked" in (r.header("Transfer-Encoding") or "").lower(), r.headers
    assert r.header("Content-Length") is None
    assert (r.header("Connection") or "").lower() == "close"
    assert r.header("Content-Encoding") is None
    assert r.complete, f"chunked body not terminated: {r.error} {r.raw[-200:]!r}"
    for kind, value in r.events():
        assert kind != "field", f"unexpected SSE line {value!r} (no event:/id: lines allowed)"
    body = r.body.decode()
    assert "\r" not in body
    # every event is exactly "data: <payload>\n\n" or a comment
    for block in body.split("\n\n")[:-1]:
        assert block.startswith("data: ") or block.startswith(":"), repr(block)
        assert "\n" not in block, repr(block)
    assert body.endswith("\n\n")


def one_upstream(fake):
    reqs = fake.requests("/v1/chat/completions")
    assert len(reqs) == 1, reqs
    return reqs[0]


# ---- faked ----------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["o1-mini", "o1", "o1-preview-2024-09-12"])
@pytest.mark.parametrize("include_usage", [False, True])
def test_faked_stream_shape(proxy, fake, model, include_usage):
    body = {"model": model, "stream": True,
            "messages": [{"role": "user", "content": "stream this please"}]}
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    mark = proxy.mark()
    r = h.chat(proxy.port, body)
    assert_sse_framing(r)
    data = h.data_events(r)
    assert data[-1] == "[DONE]"
    assert data.count("[DONE]") == 1
    chunks = [json.loads(d) for d in data[:-1]]
    up = one_upstream(fake)
    answer = up["response"]["body"]
    assert up["body"].get("stream", False) is False and "stream_options" not in up["body"]

    for c in chunks:
        assert c["object"] == "chat.completion.chunk"
        assert c["id"] == answer["id"]
        assert c["created"] == answer["created"]
        assert c["model"] == answer["model"]
    # role delta first
    first = chunks[0]["choices"]
    assert len(first) == 1 and first[0]["index"] == 0
    assert first[0]["delta"]["role"] == "assistant"
    assert first[0]["delta"].get("content") == ""
    assert set(first[0]["delta"]) <= {"role", "content", "refusal"}
    assert first[0]["delta"].get("refusal") is None
    assert first[0].get("finish_reason") is None
    # content deltas
    body_chunks = chunks[1:]
    if include_usage:
        usage_chunk = body_chunks[-1]
        body_chunks = body_chunks[:-1]
        assert usage_chunk["choices"] == []
        assert usage_chunk["usage"] == answer["usage"]
    else:
        for c in chunks:
            assert c["choices"], "no usage chunk without include_usage"
            assert c.get("usage") is None
    finish = body_chunks[-1]["choices"][0]
    assert finish["delta"] == {}
    assert finish["finish_reason"] == "stop"
    content_chunks = body_chunks[:-1]
    assert content_chunks, "at least one content delta"
    text = ""
    for c in content_chunks:
        ch = c["choices"][0]
        assert ch["finish_reason"] is None
        assert set(ch["delta"]) <= {"content"}, ch
        text += ch["delta"]["content"]
    assert text == "echo: stream this please"
    e = proxy.entry(mark)
    assert e["stream"] == "faked" and e["status"] == "200"
    assert e["prompt_tokens"] == str(answer["usage"]["prompt_tokens"])
    assert e["completion_tokens"] == str(answer["usage"]["completion_tokens"])
    assert e["reasoning_tokens"] == str(
        answer["usage"]["completion_tokens_details"]["reasoning_tokens"])
    assert e["total_tokens"] == str(answer["usage"]["total_tokens"])


def test_faked_stream_usage_matches_upstream(proxy, fake):
    body = {"model": "o1-mini", "stream": True, "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": "count my tokens"}]}
    r = h.chat(proxy.port, body)
    usage = h.json_chunks(r)[-1]["usage"]
    expected = compute_usage(one_upstream(fake)["body"], "echo: count my tokens", True)
    assert usage == expected


def test_faked_stream_with_tool_calls(start_proxy, fake):
    """o1's chat stream faked from a whole answer with calls (its tool turns kept on chat)."""
    proxy = start_proxy(O1_PROXY_TOOL_TURNS="chat")
    body = {"model": "o1", "stream": True, "tools": TOOLS,
            "messages": [{"role": "user", "content": "please call a tool"}]}
    r = h.chat(proxy.port, body)
    assert_sse_framing(r)
    chunks = h.json_chunks(r)
    answer = one_upstream(fake)["response"]["body"]
    tc = answer["choices"][0]["message"]["tool_calls"][0]
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    assert deltas[0]["role"] == "assistant"
    calls = [d["tool_calls"] for d in deltas if d.get("tool_calls")]
    assert calls, deltas
    first = calls[0][0]
    assert first["index"] == 0 and first["id"] == tc["id"] and first["type"] == "function"
    assert first["function"]["name"] == "get_weather"
    args = "".join(c[0]["function"].get("arguments", "") for c in calls)
    assert args == tc["function"]["arguments"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    assert h.data_events(r)[-1] == "[DONE]"


def test_faked_stream_with_refusal(proxy, fake):
    body = {"model": "o1-mini", "stream": True,
            "messages": [{"role": "user", "content": "please refuse"}]}
    r = h.chat(proxy.port, body)
    assert_sse_framing(r)
    deltas = [c["choices"][0]["delta"] for c in h.json_chunks(r) if c["choices"]]
    refusal = "".join(d.get("refusal") or "" for d in deltas[1:])
    assert refusal == "I'm sorry, I can't help with that."
    assert all(not d.get("content") for d in deltas)


def test_faked_stream_finish_reason_length(start_proxy, fake, workdir):
    f = workdir / "rules-length.json"
    f.write_text(json.dumps({"rules": [{"match": ["fault-length"], "stream": "faked"}]}))
    p = start_proxy(O1_PROXY_RULES=str(f))
    r = h.chat(p.port, {"model": "fault-length", "stream": True, "max_completion_tokens": 64,
                        "messages": [{"role": "user", "content": "think hard"}]})
    assert_sse_framing(r)
    chunks = h.json_chunks(r)
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text == ""
    assert h.data_events(r)[-1] == "[DONE]"


# ---- native ---------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["o3-mini", "gpt-4o"])
@pytest.mark.parametrize("include_usage", [False, True])
def test_native_stream_relayed_verbatim(proxy, fake, model, include_usage):
    body = {"model": model, "stream": True,
            "messages": [{"role": "user", "content": "native stream"}]}
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    mark = proxy.mark()
    r = h.chat(proxy.port, body)
    assert_sse_framing(r)
    up = one_upstream(fake)
    assert up["body"]["stream"] is True
    # The proxy always asks for usage (for the journal) and only the client that asked gets it.
    assert up["body"]["stream_options"] == {"include_usage": True}
    sent = up["response"]["events"]
    assert sent[-1]["choices"] == [] and sent[-1]["usage"]
    data = h.data_events(r)
    assert data[-1] == "[DONE]"
    assert [json.loads(d) for d in data[:-1]] == (sent if include_usage else sent[:-1])
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in sent if c["choices"])
    assert text == "echo: native stream"
    e = proxy.entry(mark)
    assert e["stream"] == "native" and e["status"] == "200"
    assert e["completion_tokens"] == str(sent[-1]["usage"]["completion_tokens"])


def test_native_stream_is_relayed_as_it_arrives(proxy, fake):
    body = {"model": "fault-drip-0.25", "stream": True,
            "messages": [{"role": "user", "content": "drip drip"}]}
    r = h.chat(proxy.port, body)
    assert_sse_framing(r)
    timed = [(t, v) for t, k, v in r.timed_events() if k == "data"]
    assert timed[-1][1] == "[DONE]"
    up = one_upstream(fake)
    sent = up["response"]["events"]
    # Every event but the usage chunk the proxy asked for on its own, then [DONE].
    assert len(sent) >= 5 and len(timed) == len(sent)
    # The fake waits 0.25 s after each event, so its last event leaves 0.25 s x (events - 1)
    # after the request at the earliest: the first one reached the client before that.
    last_sent = up["time"] + 0.25 * (len(sent) - 1)
    assert timed[0][0] < last_sent, \
        f"first event {timed[0][0] - up['time']:.2f}s after the upstream call, not before its last"


def test_native_stream_gzip_upstream_is_decoded(proxy, fake):
    r = h.chat(proxy.port, {"model": "fault-gzip", "stream": True,
                            "messages": [{"role": "user", "content": "zipped"}]})
    assert_sse_framing(r)
    chunks = h.json_chunks(r)
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks
                   if c["choices"]) == "echo: zipped"
    assert h.data_events(r)[-1] == "[DONE]"


def test_native_stream_cut_without_done_becomes_error_event(proxy, fake):
    mark = proxy.mark()
    r = h.chat(proxy.port, {"model": "fault-cut-stream", "stream": True,
                            "messages": [{"role": "user", "content": "cut me"}]})
    assert r.status == 200
    assert r.header("Content-Type") == "text/event-stream; charset=utf-8"
    assert r.complete, "the proxy ends its own chunked body properly"
    data = h.data_events(r)
    assert "[DONE]" not in data
    last = json.loads(data[-1])
    h.assert_error_shape(last, type_="upstream_error")
    relayed = [json.loads(d) for d in data[:-1]]
    assert relayed == one_upstream(fake)["response"]["events"]
    e = proxy.entry(mark)
    assert e.get("error"), e["_line"]
    assert e["stream"] == "native", "the client had a stream: the entry says so"


def test_native_stream_dropped_connection_says_what_happened(proxy, fake):
    """The upstream closes the connection mid-stream, without its last chunk: the client's error
    event and the journal say what libcurl saw on that host, not a guess about TLS, and the
    entry logs the stream the client had."""
    mark = proxy.mark()
    r = h.chat(proxy.port, {"model": "fault-dropped-stream", "stream": True,
                            "messages": [{"role": "user", "content": "drop me"}]})
    assert r.status == 200 and r.complete
    data = h.data_events(r)
    assert "[DONE]" not in data
    error = json.loads(data[-1])["error"]
    h.assert_error_shape({"error": error}, type_="upstream_error")
    assert "TLS" not in error["message"], error["message"]
    assert "127.0.0.1" in error["message"] and "outstanding read data" in error["message"], error
    e = proxy.entry(mark)
    assert e["status"] == "200" and e["stream"] == "native", e["_line"]
    assert "outstanding read data" in e["error"], e["_line"]


def test_native_stream_reset_becomes_error_event(proxy, fake):
    mark = proxy.mark()
    r = h.chat(proxy.port, {"model": "fault-reset", "stream": True,
                            "messages": [{"role": "user", "content": "reset me"}]})
    if r.status == 200:
        data = h.data_events(r)
        assert "[DONE]" not in data
        h.assert_error_shape(json.loads(data[-1]), type_="upstream_error")
        assert r.complete
        assert proxy.entry(mark)["stream"] == "native"
    else:  # the reset came before the proxy committed the 200
        h.assert_json_error(r, 502, type_="upstream_error")


def test_upstream_error_before_stream_headers_keeps_status(proxy, fake):
    for model, status in [("fault-500-json", 500), ("fault-429", 429),
                          ("does-not-exist", 404)]:
        fake.reset()
        r = h.chat(proxy.port, {"model": model, "stream": True,
                                "messages": [{"role": "user", "content": "x"}]})
        h.assert_json_error(r, status)
        assert r.json() == one_upstream(fake)["response"]["body"]
    r = h.chat(proxy.port, {"model": "fault-html", "stream": True,
                            "messages": [{"role": "user", "content": "x"}]})
    h.assert_json_error(r, 502, type_="upstream_error")


@pytest.mark.parametrize("model,status,type_", [
    ("fault-500-json", 500, "server_error"), ("fault-429", 429, None),
    ("fault-html", 502, "upstream_error"), ("fault-no-choices", 502, "upstream_error"),
    ("fault-truncated-json", 502, "upstream_error"), ("fault-reset", 502, "upstream_error"),
])
def test_faked_stream_upstream_error_before_headers(start_proxy, fake, workdir, model, status,
                                                    type_):
    f = workdir / "rules-faults-faked.json"
    f.write_text(json.dumps({"rules": [{"match": ["fault-*"], "stream": "faked"}]}))
    p = start_proxy(O1_PROXY_RULES=str(f))
    r = h.chat(p.port, {"model": model, "stream": True,
                        "messages": [{"role": "user", "content": "x"}]})
    h.assert_json_error(r, status, type_=type_)
    up = one_upstream(fake)
    assert up["body"].get("stream", False) is False
    if status in (500, 429):
        assert r.json() == up["response"]["body"]
