"""Grace period, `: keepalive` comments, errors after the SSE headers, the deadline and
cancelling the upstream call.

Every bound here holds on a loaded machine: what must come before what is checked against the
fake upstream's own records (when it answered, when its connection closed), and a wall-clock
bound is only where a magnitude is the point, with room to spare."""

import json
import time

import pytest

import e2e_helpers as h


@pytest.fixture
def fast(start_proxy):
    return start_proxy(O1_PROXY_GRACE_SECONDS=1, O1_PROXY_KEEPALIVE_SECONDS=1)


def comments(r):
    return [v for k, v in r.events() if k == "comment"]


def assert_keepalive_only(r):
    body = r.body.decode()
    assert "ping" not in body.lower(), "a ': ping' comment ends Continue's stream"
    for c in comments(r):
        assert c == " keepalive", repr(c)
    assert ": keepalive\n\n" in body


def test_native_stream_keepalive_with_slow_upstream(fast, fake):
    body = {"model": "fault-slow-3", "stream": True, "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": "take your time"}]}
    mark = fast.mark()
    r = h.chat(fast.port, body)
    assert r.status == 200, r.raw[:500]
    assert r.header("Content-Type") == "text/event-stream; charset=utf-8"
    answered = h.upstream_conn(fake, "fault-slow-3")["answered_at"]
    head_after = r.t_head - r.t_start
    assert head_after >= 0.7, f"SSE headers after {head_after:.2f}s, before the grace period (1s)"
    assert r.t_head < answered, "SSE headers waited for the answer instead of the grace period"
    assert_keepalive_only(r)
    assert len(comments(r)) >= 1
    timed = r.timed_events()
    first_data = next(i for i, (_, k, _v) in enumerate(timed) if k == "data")
    assert all(k == "comment" for _, k, _v in timed[:first_data])
    assert all(k == "data" for _, k, _v in timed[first_data:]), "no comment once data flows"
    # keepalives arrive while waiting, not all at the end
    assert timed[0][0] < answered
    data = h.data_events(r)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks
                   if c["choices"]) == "echo: take your time"
    assert chunks[-1]["usage"]["total_tokens"] > 0
    up = fake.requests("/v1/chat/completions")
    assert len(up) == 1 and up[0]["body"]["stream"] is True
    assert fast.entry(mark)["status"] == "200"


def test_faked_stream_keepalive_with_slow_upstream(start_proxy, fake, workdir):
    f = workdir / "rules-slow-faked.json"
    f.write_text(json.dumps({"rules": [{"match": ["fault-slow-*"], "stream": "faked"}]}))
    p = start_proxy(O1_PROXY_RULES=str(f), O1_PROXY_GRACE_SECONDS=1,
                    O1_PROXY_KEEPALIVE_SECONDS=1)
    r = h.chat(p.port, {"model": "fault-slow-2.5", "stream": True,
                        "messages": [{"role": "user", "content": "faked slow"}]})
    assert r.status == 200
    assert r.t_head - r.t_start >= 0.7, "SSE headers before the grace period"
    assert r.t_head < h.upstream_conn(fake, "fault-slow-2.5")["answered_at"], \
        "SSE headers waited for the answer instead of the grace period"
    assert_keepalive_only(r)
    data = h.data_events(r)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks) == \
        "echo: faked slow"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    up = fake.requests("/v1/chat/completions")
    assert len(up) == 1 and up[0]["body"].get("stream", False) is False


def test_non_stream_request_waits_without_early_headers(fast, fake):
    r = h.chat(fast.port, {"model": "fault-slow-1.5",
                           "messages": [{"role": "user", "content": "no stream"}]})
    assert r.status == 200
    assert r.t_head > h.upstream_conn(fake, "fault-slow-1.5")["answered_at"], \
        "no early headers for a non-streaming request"
    assert r.json()["choices"][0]["message"]["content"] == "echo: no stream"


def test_fast_stream_gets_no_keepalive(start_proxy, fake):
    # A grace period far longer than a fast answer takes even on a busy machine.
    p = start_proxy(O1_PROXY_GRACE_SECONDS=5, O1_PROXY_KEEPALIVE_SECONDS=1)
    r = h.chat(p.port, {"model": "o3-mini", "stream": True,
                        "messages": [{"role": "user", "content": "quick"}]})
    assert r.status == 200
    assert comments(r) == []


# The fault comes 3 s after the upstream call, the SSE head at the 1 s grace period: room for
# a busy machine to be late with the head.
@pytest.mark.parametrize("model,type_", [("fault-500-json-after-3", "server_error"),
                                         ("fault-html-after-3", "upstream_error"),
                                         ("fault-reset-after-3", "upstream_error")])
def test_upstream_error_after_headers_becomes_error_event(fast, fake, model, type_):
    mark = fast.mark()
    r = h.chat(fast.port, {"model": model, "stream": True,
                           "messages": [{"role": "user", "content": "x"}]})
    assert r.status == 200, "the SSE headers went out at the grace period"
    assert r.header("Content-Type") == "text/event-stream; charset=utf-8"
    assert r.complete
    assert r.t_head - r.t_start >= 0.7, "headers at the grace period, not before"
    assert r.t_head < h.upstream_conn(fake, model)["opened_at"] + 3, "headers only with the fault"
    assert all(c == " keepalive" for c in comments(r))
    data = h.data_events(r)
    assert "[DONE]" not in data
    if "reset" not in model:
        assert len(data) == 1, data
    err = h.assert_error_shape(json.loads(data[-1]))
    if type_ == "server_error":
        up = fake.requests("/v1/chat/completions")[0]["response"]["body"]["error"]
        assert err["type"] in ("server_error", "upstream_error")
        assert err["message"] == up["message"] or err["type"] == "upstream_error"
    else:
        assert err["type"] == "upstream_error"
    e = fast.entry(mark)
    assert e.get("error"), e["_line"]


def test_an_upstream_error_after_the_head_is_a_responses_error_event(fast, fake):
    """A Responses client whose stream the grace period opened is told in its own API: one
    `error` event, numbered first, never a chat-shaped error or a `[DONE]`."""
    mark = fast.mark()
    r = h.request(fast.port, "POST", "/v1/responses",
                  json.dumps({"model": "fault-500-json-after-3", "input": "x", "stream": True}).encode(),
                  headers={"Content-Type": "application/json"})
    assert r.status == 200 and r.complete, "the SSE headers went out at the grace period"
    events = h.parse_sse(r.body)
    data = [json.loads(v) for kind, v in events if kind == "data"]
    assert len(data) == 1, data
    up = fake.requests("/v1/responses")[0]["response"]["body"]["error"]
    assert data[0]["type"] == "error" and data[0]["sequence_number"] == 0 and "error" not in data[0]
    assert data[0]["message"] == up["message"]
    assert ("field", "event: error") in events and b"[DONE]" not in r.body
    assert fast.entry(mark).get("error")


def test_deadline_non_stream_is_504_and_cancels_upstream(start_proxy, fake):
    p = start_proxy(O1_PROXY_DEADLINE_SECONDS=2)
    mark = p.mark()
    r = h.chat(p.port, {"model": "fault-silent",
                        "messages": [{"role": "user", "content": "never answered"}]})
    elapsed = r.t_end - r.t_start
    h.assert_json_error(r, 504, code="upstream_timeout")
    assert (r.header("x-should-retry") or "").lower() == "false"
    assert 1.8 <= elapsed <= 6, elapsed
    conn = wait_closed(fake, "fault-silent")
    assert conn["closed_by"] == "client", conn
    # Far below the fake's own 300 s: the proxy let go of the upstream when it answered.
    assert conn["closed_at"] - r.t_end < 5, "upstream call not cancelled"
    e = p.entry(mark)
    assert e["status"] == "504" and e.get("error")


def test_deadline_of_a_fraction_of_a_second_is_504(start_proxy, fake):
    """The deadline is a number of seconds, whole or not: past 1.9 s the answer is the 504
    that SDKs do not retry, not a 502 at 1 s that they do."""
    p = start_proxy(O1_PROXY_DEADLINE_SECONDS=1.9)
    r = h.chat(p.port, {"model": "fault-silent",
                        "messages": [{"role": "user", "content": "never answered"}]})
    h.assert_json_error(r, 504, code="upstream_timeout")
    assert r.t_end - r.t_start >= 1.8


def test_deadline_stream_becomes_error_event(start_proxy, fake):
    p = start_proxy(O1_PROXY_DEADLINE_SECONDS=2, O1_PROXY_GRACE_SECONDS=1,
                    O1_PROXY_KEEPALIVE_SECONDS=1)
    r = h.chat(p.port, {"model": "fault-silent", "stream": True,
                        "messages": [{"role": "user", "content": "never"}]})
    assert r.status == 200
    assert r.t_head - r.t_start >= 0.7
    assert 1.8 <= r.t_end - r.t_start <= 6
    assert all(c == " keepalive" for c in comments(r))
    data = h.data_events(r)
    assert "[DONE]" not in data and len(data) == 1
    h.assert_error_shape(json.loads(data[0]), code="upstream_timeout")
    conn = wait_closed(fake, "fault-silent")
    assert conn["closed_by"] == "client"


def test_client_gone_during_stream_cancels_upstream(fast, fake):
    gone = {}

    def stop(resp):
        if resp.t_head is not None:
            gone["t"] = time.time()
            return True
        return False

    r = h.chat(fast.port, {"model": "fault-silent", "stream": True,
                           "messages": [{"role": "user", "content": "bye"}]}, stop=stop)
    assert r.status == 200 and "t" in gone
    conn = wait_closed(fake, "fault-silent", timeout=10)
    assert conn["closed_by"] == "client", conn
    # Far below the proxy's deadline (30 s): it watched the client and let go of the upstream.
    assert conn["closed_at"] - gone["t"] < 5, "upstream kept open after the client left"
    assert fast.wait_idle(10), "proxy process still running after its client left"


def wait_closed(fake, model, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        conns = [c for c in fake.closed() if c["model"] == model]
        if conns and conns[-1]["closed_at"] is not None:
            return conns[-1]
        time.sleep(0.02)
    raise AssertionError(f"upstream connection for {model} never closed: {fake.closed()}")
