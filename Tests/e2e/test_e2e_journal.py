"""The journal tells what happened (issue 10): a stream whose last event reached the client is a
success however the client closes afterwards; the stream mode is what the client got; every
exchange's tokens are logged, streamed or not."""

import json

import openai
import pytest

import e2e_helpers as h


def closes_at_done(resp):
    return b"data: [DONE]" in resp.body


@pytest.mark.parametrize("model", ["o3-mini", "gpt-4o", "o1-mini", "o1-pro"])
def test_client_closing_right_after_done_is_a_success(proxy, fake, model):
    """The openai SDK closes the connection as soon as it has read [DONE]; so does this client,
    thirty times: not one of them may be logged as a client gone."""
    mark = proxy.mark()
    for i in range(30):
        r = h.chat(proxy.port, {"model": model, "stream": True,
                                "messages": [{"role": "user", "content": f"close at done {i}"}]},
                   stop=closes_at_done)
        assert h.data_events(r)[-1] == "[DONE]"
    for e in proxy.entries(mark, 30):
        assert e["status"] == "200" and "error" not in e, e["_line"]
        assert e["stream"] in ("native", "faked")
        assert int(e["completion_tokens"]) > 0, e["_line"]


def test_sdk_streams_are_logged_as_successes(proxy, fake, client_auth):
    c = openai.OpenAI(base_url=proxy.base_url, api_key=client_auth.split(" ", 1)[1], max_retries=0)
    mark = proxy.mark()
    for i in range(20):
        text = "".join(ch.choices[0].delta.content or "" for ch in
                       c.chat.completions.create(model="o3-mini", stream=True,
                                                 messages=[{"role": "user", "content": f"sdk {i}"}])
                       if ch.choices)
        assert text == f"echo: sdk {i}"
    for e in proxy.entries(mark, 20):
        assert e["status"] == "200" and "error" not in e, e["_line"]


def test_native_stream_logs_tokens_the_client_did_not_ask_for(proxy, fake):
    mark = proxy.mark()
    r = h.chat(proxy.port, {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": "count me"}]})
    assert all(c["choices"] for c in h.json_chunks(r)), "no usage chunk for a client that did not ask"
    e = proxy.entry(mark)
    usage = fake.requests("/v1/chat/completions")[0]["response"]["events"][-1]["usage"]
    assert e["prompt_tokens"] == str(usage["prompt_tokens"])
    assert e["completion_tokens"] == str(usage["completion_tokens"])
    assert e["total_tokens"] == str(usage["total_tokens"])


def test_stream_mode_is_what_the_client_got(proxy, fake):
    """A 404 for a model that streams nothing is not a native stream."""
    mark = proxy.mark()
    r = h.chat(proxy.port, {"model": "no-such-model", "stream": True, "messages": [{"role": "user", "content": "x"}]})
    assert r.status == 404
    e = proxy.entry(mark)
    assert e["stream"] == "none" and e["status"] == "404"


def test_keepalive_opened_stream_that_fails_is_logged_as_a_failure(start_proxy, fake):
    p = start_proxy(O1_PROXY_GRACE_SECONDS=0.5, O1_PROXY_KEEPALIVE_SECONDS=0.5)
    mark = p.mark()
    r = h.chat(p.port, {"model": "fault-500-json-after-1.5", "stream": True,
                        "messages": [{"role": "user", "content": "x"}]})
    assert r.status == 200
    assert json.loads(h.data_events(r)[-1])["error"]["type"] == "server_error"
    e = p.entry(mark)
    assert e["status"] == "200" and e["error"].startswith("upstream 500")
