"""Faults that need a process-level hand: SIGTERM from systemd, a TLS failure, a client that
leaves a non-streaming call. The other faults and their outcomes are in test_e2e_upstream.py
(refused, DNS, HTML, cut JSON, gzip, reset, no choices, finish_reason length), test_e2e_stream.py
(cut stream), test_e2e_timing.py (silent upstream past the deadline, client gone mid-stream) and
test_e2e_http.py (slow, oversized and malformed requests)."""

import json
import os
import signal
import socket
import threading
import time
from urllib.parse import urlparse

import e2e_helpers as h
from test_e2e_timing import wait_closed

USER = [{"role": "user", "content": "x"}]


def in_background(fn):
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("r", fn()), daemon=True)
    t.start()
    return t, out


def wait_for_child(proxy, fake, model, timeout=5.0):
    """The PID of the one proxy process, once the fake upstream has its request."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        kids = proxy.running_children()
        if len(kids) == 1 and any(r["body"].get("model") == model for r in fake.requests("/v1/chat/completions")):
            return int(next(iter(kids)))
        time.sleep(0.02)
    raise AssertionError(f"no proxy process waiting on the upstream: {proxy.running_children()}")


def test_sigterm_while_waiting_is_503_and_cancels_upstream(start_proxy, fake):
    p = start_proxy()
    mark = p.mark()
    t, out = in_background(lambda: h.chat(p.port, {"model": "fault-silent", "messages": USER}, timeout=10))
    os.kill(wait_for_child(p, fake, "fault-silent"), signal.SIGTERM)
    t.join(10)
    h.assert_json_error(out["r"], 503, type_="server_error", code="shutting_down")
    assert wait_closed(fake, "fault-silent")["closed_by"] == "client"
    e = p.entry(mark)
    assert e["status"] == "503" and "shutting down" in e["error"]


def test_sigterm_during_a_stream_ends_it_with_an_error_event(start_proxy, fake):
    p = start_proxy(O1_PROXY_GRACE_SECONDS=0.2)
    head = threading.Event()

    def on_read(resp):
        if resp.t_head is not None:
            head.set()
        return False  # keep reading

    t, out = in_background(lambda: h.chat(
        p.port, {"model": "fault-silent", "stream": True, "messages": USER}, timeout=10, stop=on_read))
    pid = wait_for_child(p, fake, "fault-silent")
    assert head.wait(10), "no 200 and SSE head after the grace period"
    os.kill(pid, signal.SIGTERM)
    t.join(10)
    r = out["r"]
    assert r.status == 200 and r.error is None, r.raw[:300]
    data = h.data_events(r)
    assert "[DONE]" not in data
    assert json.loads(data[-1])["error"]["code"] == "shutting_down"
    assert wait_closed(fake, "fault-silent")["closed_by"] == "client"


def test_tls_failure_is_502(start_proxy, fake):
    # https:// to a plain-HTTP port: the handshake fails.
    port = urlparse(fake.base_url).port
    p = start_proxy(OPENAI_BASE_URL=f"https://127.0.0.1:{port}/v1")
    mark = p.mark()
    r = h.chat(p.port, {"model": "o1-mini", "messages": USER}, timeout=15)
    h.assert_json_error(r, 502, type_="upstream_error")
    # libcurl's own reason, with the host it failed on.
    message = r.json()["error"]["message"]
    assert "127.0.0.1" in message and ("SSL" in message or "TLS" in message), message
    assert p.entry(mark)["status"] == "502"


def test_client_gone_while_waiting_cancels_upstream_and_logs_499(start_proxy, fake):
    p = start_proxy()
    mark = p.mark()
    body = json.dumps({"model": "fault-silent", "messages": USER}).encode()
    with socket.create_connection(("127.0.0.1", p.port)) as s:
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        wait_for_child(p, fake, "fault-silent")
    left = time.time()
    conn = wait_closed(fake, "fault-silent")
    # Far below the proxy's deadline (30 s): it watched the client and let go of the upstream.
    assert conn["closed_at"] - left < 5, "upstream call outlived its client"
    e = p.entry(mark)
    assert e["status"] == "499" and e["error"].startswith("client gone")
