"""Non-streaming passthrough and upstream faults."""

import socket
import subprocess

import pytest

import e2e_helpers as h

HOP_BY_HOP = ["keep-alive", "transfer-encoding", "content-encoding", "proxy-connection",
              "upgrade", "te", "trailer"]


def one_upstream(fake):
    reqs = fake.requests("/v1/chat/completions")
    assert len(reqs) == 1, reqs
    return reqs[0]


def assert_clean_relay_headers(r):
    for name in HOP_BY_HOP:
        if name == "transfer-encoding" and r.chunked:
            continue  # the proxy's own framing
        assert r.header(name) is None, f"{name} copied from upstream: {r.headers}"
    assert (r.header("Connection") or "").lower() == "close"
    if r.header("Content-Length") is not None:
        assert int(r.header("Content-Length")) == len(r.body)
    assert len(r.header_all("Content-Length")) <= 1


@pytest.mark.parametrize("model", ["gpt-4o", "o1-mini", "o3-mini", "o1"])
def test_non_stream_answer_passes_through(proxy, fake, model):
    r = h.chat(proxy.port, {"model": model, "messages": [{"role": "user", "content": "pass"}]})
    assert r.status == 200, r.raw
    up = one_upstream(fake)
    assert r.json() == up["response"]["body"]
    assert (r.header("Content-Type") or "").startswith("application/json")
    assert r.header("x-request-id") == up["response"]["request_id"]
    assert r.header("openai-processing-ms") == "42"
    assert r.header("openai-version") == "2020-10-01"
    assert r.header("x-ratelimit-limit-requests") == "500"
    assert r.header("x-ratelimit-remaining-requests") == "499"
    assert r.header("x-ratelimit-reset-requests") == "120ms"
    assert_clean_relay_headers(r)
    ans = r.json()
    assert ans["object"] == "chat.completion"
    assert ans["usage"]["completion_tokens_details"]["reasoning_tokens"] == (
        0 if model == "gpt-4o" else 192)


def test_gzip_upstream_is_decoded_and_not_labelled(proxy, fake):
    r = h.chat(proxy.port, {"model": "fault-gzip",
                            "messages": [{"role": "user", "content": "zip"}]})
    assert r.status == 200, r.raw
    assert r.header("Content-Encoding") is None
    assert r.json() == one_upstream(fake)["response"]["body"]
    assert r.json()["choices"][0]["message"]["content"] == "echo: zip"
    assert_clean_relay_headers(r)


def test_finish_reason_length_passes_through(proxy, fake):
    r = h.chat(proxy.port, {"model": "fault-length", "max_completion_tokens": 64,
                            "messages": [{"role": "user", "content": "think"}]})
    assert r.status == 200, r.raw
    body = r.json()
    assert body == one_upstream(fake)["response"]["body"]
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["choices"][0]["message"]["content"] == ""


@pytest.mark.parametrize("model,status", [("fault-500-json", 500), ("fault-429", 429),
                                          ("does-not-exist", 404)])
def test_upstream_json_errors_pass_through(proxy, fake, model, status):
    mark = proxy.mark()
    r = h.chat(proxy.port, {"model": model, "messages": [{"role": "user", "content": "x"}]})
    h.assert_json_error(r, status)
    up = one_upstream(fake)
    assert r.json() == up["response"]["body"]
    assert r.header("x-request-id") == up["response"]["request_id"]
    if status == 429:
        assert r.header("x-ratelimit-remaining-requests") == "0"
    e = proxy.entry(mark)
    assert e["status"] == str(status)


@pytest.mark.parametrize("model", ["fault-html", "fault-truncated-json", "fault-no-choices",
                                   "fault-reset"])
def test_upstream_garbage_is_502(proxy, fake, model):
    mark = proxy.mark()
    r = h.chat(proxy.port, {"model": model, "messages": [{"role": "user", "content": "x"}]})
    e = h.assert_json_error(r, 502, type_="upstream_error")
    assert "<html" not in e["message"].lower()
    assert len(fake.requests("/v1/chat/completions")) == 1, "no retry of a failed call"
    entry = proxy.entry(mark)
    assert entry["status"] == "502" and entry.get("error"), entry["_line"]


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_unreachable_upstream_is_502(start_proxy, fake):
    p = start_proxy(OPENAI_BASE_URL=f"http://127.0.0.1:{closed_port()}/v1")
    mark = p.mark()
    r = h.chat(p.port, {"model": "o1-mini", "messages": [{"role": "user", "content": "x"}]})
    h.assert_json_error(r, 502, type_="upstream_error")
    assert p.entry(mark)["status"] == "502"


def test_unreachable_upstream_stream_is_502(start_proxy, fake):
    p = start_proxy(OPENAI_BASE_URL=f"http://127.0.0.1:{closed_port()}/v1")
    r = h.chat(p.port, {"model": "o3-mini", "stream": True,
                        "messages": [{"role": "user", "content": "x"}]})
    h.assert_json_error(r, 502, type_="upstream_error")


def test_dns_failure_is_502(start_proxy, fake):
    p = start_proxy(OPENAI_BASE_URL="http://no-such-host.invalid/v1")
    r = h.chat(p.port, {"model": "o1", "messages": [{"role": "user", "content": "x"}]},
               timeout=15)
    h.assert_json_error(r, 502, type_="upstream_error")


def test_user_agent_is_the_clients_or_the_proxys_own(proxy, fake):
    """The upstream sees the client's User-Agent; a client that sends none is named as the
    proxy with its version (FoundationNetworking would say "o1-proxy (unknown version)")."""
    version = subprocess.run([h.proxy_binary(), "--version"], capture_output=True, text=True,
                             check=True).stdout.split()[-1]
    for sent, expected in [(None, f"o1-proxy/{version}"), ("my-client/1.0", "my-client/1.0")]:
        fake.reset()
        headers = {"User-Agent": sent} if sent else None
        r = h.chat(proxy.port, {"model": "gpt-4o", "messages": [{"role": "user", "content": "ua"}]},
                   headers=headers)
        assert r.status == 200, r.raw
        assert one_upstream(fake)["headers"].get("user-agent") == expected
