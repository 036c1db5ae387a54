"""The bench's client: one chat-completions exchange on a new connection, timed from connect()
to the server's close, and the small statistics every measurement reports."""

from __future__ import annotations

import json
import socket
import time


def chat_body(model: str, stream: bool = False) -> bytes:
    """What Continue sends: a system message and parameters a reasoning model rejects."""
    body = {"model": model, "messages": [{"role": "system", "content": "You are terse."},
                                         {"role": "user", "content": "Say hello."}],
            "max_tokens": 100, "temperature": 1}
    if stream:
        body["stream"] = True
    return json.dumps(body).encode()


def request_bytes(port: int, body: bytes) -> bytes:
    return (b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer sk-bench-client\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
            % (port, len(body)) + body)


def exchange(port: int, req: bytes, timeout: float = 60) -> dict:
    """One exchange on a new connection, read to EOF. Times are seconds from connect()."""
    t0 = time.perf_counter()
    ttfb = first_event = None
    data = bytearray()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(req)
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            now = time.perf_counter()
            if ttfb is None:
                ttfb = now - t0
            data += chunk
            if first_event is None and len(data) <= 1 << 16 and b"\r\n\r\n" in data and b"data: " in data:
                first_event = now - t0
        s.close()
    except OSError as e:
        return {"ok": False, "error": str(e), "total": time.perf_counter() - t0}
    total = time.perf_counter() - t0
    status = status_of(data)
    return {"ok": status == 200, "status": status, "ttfb": ttfb, "first_event": first_event, "total": total,
            "bytes": len(data), "data": data}


def status_of(data: bytes) -> int:
    return int(data[9:12]) if data.startswith(b"HTTP/1.1 ") else 0


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return None
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def ms(x):
    return None if x is None else round(x * 1000, 3)


def ratio(a, b):
    return None if a is None or b in (None, 0) else round(a / b, 2)
