#!/usr/bin/env python3
"""Fast fake OpenAI upstream for scripts/bench (Python stdlib only, 127.0.0.1 only).

Not the e2e fake (Tests/e2e/fake_upstream.py): this one validates nothing and is built to
cost as little as possible per request, and it can answer with a completion of a given size.

    python3 bench_upstream.py [--port N] [--tls-port M --cert C --key K]

prints one JSON line {"http": N, "https": M} once listening.

POST /v1/chat/completions, model name decides:
  ...size-<n>...     content of exactly n bytes (ASCII letters)
  ...slow-<s>...     waits s seconds before answering (watching nothing)
  ...gate-<s>...     waits until the gate opens (POST /_bench/gate?open), at most s seconds
  anything else      a short answer ("bench answer for <model>")
  "stream": true     native SSE stream (chunked); size answers in events of EVENT_BYTES
                     content bytes, short answers in 4-byte tokens, then usage and [DONE].
POST /v1/responses   the same answers in the Responses API's shape: a `response` object, or
                     with "stream": true its event stream (`event:` + `data:` lines, output text
                     deltas of the same sizes, then response.completed, no [DONE])
  ...reasons...      (whole answers) a reasoning item with REASONING_BYTES of encrypted content
                     before the message, as with include: ["reasoning.encrypted_content"]
  ...drip-<ms>...    streams (either API) 20 deltas, one every <ms> ms, each holding the time it was
                     written (`t=<seconds since the epoch>;`), for the delay to the client
GET /_bench/stats    {"in_flight": k, "total": n}  (not counted)
POST /_bench/gate?close|open   closes / opens the gate of the gate-<s> models
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import ssl
import threading
import time

EVENT_BYTES = 1024
SIZE_RE = re.compile(r"size-(\d+)")
SLOW_RE = re.compile(r"slow-(\d+(?:\.\d+)?)")
GATE_RE = re.compile(r"gate-(\d+(?:\.\d+)?)")
DRIP_RE = re.compile(r"drip-(\d+)")
DRIP_EVENTS = 20
REASONING_BYTES = 1200  # a tool turn's encrypted reasoning is a few KB: the order of it
ALPHABET = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

_lock = threading.Lock()
_stats = {"in_flight": 0, "total": 0}
_cache: dict = {}
_gate = threading.Event()
_gate.set()


def content_of(n: int) -> bytes:
    reps = n // len(ALPHABET) + 1
    return (ALPHABET * reps)[:n]


def usage(n: int) -> dict:
    completion = max(1, n // 4)
    return {"prompt_tokens": 12, "completion_tokens": completion, "total_tokens": 12 + completion,
            "completion_tokens_details": {"reasoning_tokens": 0}}


def completion_body(model: str, content: bytes) -> bytes:
    head = json.dumps({"id": "chatcmpl-bench", "object": "chat.completion", "created": 1700000000,
                       "model": model})[:-1].encode()
    tail = json.dumps({"usage": usage(len(content)), "system_fingerprint": "fp_bench"})[1:].encode()
    return (head + b', "choices": [{"index": 0, "message": {"role": "assistant", "content": "'
            + content + b'", "refusal": null}, "finish_reason": "stop"}], ' + tail)


def stream_body(model: str, content: bytes, piece: int) -> bytes:
    prefix = (b'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":'
              + json.dumps(model).encode() + b',"choices":[{"index":0,"delta":')
    out = [prefix + b'{"role":"assistant","content":""},"finish_reason":null}]}\n\n']
    for i in range(0, len(content), piece):
        out.append(prefix + b'{"content":"' + content[i:i + piece] + b'"},"finish_reason":null}]}\n\n')
    out.append(prefix + b'{},"finish_reason":"stop"}]}\n\n')
    out.append(b'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":'
               + json.dumps(model).encode() + b',"choices":[],"usage":' + json.dumps(usage(len(content))).encode()
               + b'}\n\n')
    out.append(b"data: [DONE]\n\n")
    return b"".join(out)


def responses_stream_body(model: str, content: bytes, piece: int) -> bytes:
    """A Responses API stream of `content`: created, the output text deltas, completed."""
    response = {"id": "resp_bench", "object": "response", "created_at": 1700000000, "status": "in_progress",
                "model": model, "output": []}
    out = [b"event: response.created\ndata: " + json.dumps({"type": "response.created", "response": response}).encode()
           + b"\n\n"]
    for i in range(0, len(content), piece):
        out.append(b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_bench",'
                   b'"output_index":0,"content_index":0,"delta":"' + content[i:i + piece] + b'"}\n\n')
    out.append(b"event: response.completed\ndata: " + responses_body(model, content, '"response.completed"') + b"\n\n")
    return b"".join(out)


def responses_body(model: str, content: bytes, event_type: str | None = None) -> bytes:
    """A completed `response` holding `content` (or a response.completed event around one)."""
    u = usage(len(content))
    head = (b'{"id":"resp_bench","object":"response","created_at":1700000000,"status":"completed","model":'
            + json.dumps(model).encode() + b',"output":[' + (REASONING if "reasons" in model else b"")
            + b'{"id":"msg_bench","type":"message","status":"completed",'
            b'"role":"assistant","content":[{"type":"output_text","annotations":[],"text":"' + content + b'"}]}],'
            b'"usage":' + json.dumps({"input_tokens": u["prompt_tokens"], "output_tokens": u["completion_tokens"],
                                      "total_tokens": u["total_tokens"],
                                      "output_tokens_details": {"reasoning_tokens": 0}}).encode() + b"}")
    if event_type is None:
        return head
    return b'{"type":' + event_type.encode() + b',"response":' + head + b"}"


REASONING = (b'{"id":"rs_bench","type":"reasoning","summary":[],"encrypted_content":"gAAAAB'
             + content_of(REASONING_BYTES) + b'"},')


def chunked(body: bytes) -> bytes:
    parts, step = [], 64 * 1024
    for i in range(0, len(body), step):
        part = body[i:i + step]
        parts.append(b"%x\r\n" % len(part) + part + b"\r\n")
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


STREAM_HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
               b"Transfer-Encoding: chunked\r\nx-request-id: req_bench\r\nopenai-processing-ms: 1\r\n")


def drip(conn, model: str, responses: bool, interval: float, close: bool) -> None:
    """A stream whose deltas leave `interval` apart, each carrying the time it was written."""
    conn.sendall(STREAM_HEAD + (b"Connection: close\r\n\r\n" if close else b"\r\n"))
    whole = stream_body if not responses else responses_stream_body
    first, *_ = whole(model, b"", 1).split(b"\n\n", 1)
    conn.sendall(chunked(first + b"\n\n")[:-5])
    for _ in range(DRIP_EVENTS):
        time.sleep(interval)
        stamp = b"t=%.6f;" % time.time()
        event = whole(model, stamp, len(stamp)).split(b"\n\n")[1] + b"\n\n"
        conn.sendall(b"%x\r\n" % len(event) + event + b"\r\n")
    rest = whole(model, b"", 1).split(b"\n\n", 1)[1]
    conn.sendall(chunked(rest))


def answer(model: str, stream: bool, responses: bool = False) -> bytes:
    key = (model, stream, responses)
    hit = _cache.get(key)
    if hit is not None:
        return hit
    m = SIZE_RE.search(model)
    if m:
        content, piece = content_of(int(m.group(1))), EVENT_BYTES
    else:
        content, piece = b"bench answer for " + re.sub(r"[^A-Za-z0-9.-]", "", model).encode(), 4
    if stream:
        out = (STREAM_HEAD, chunked((responses_stream_body if responses else stream_body)(model, content, piece)))
    else:
        body = (responses_body if responses else completion_body)(model, content)
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-request-id: req_bench\r\n"
                b"openai-processing-ms: 1\r\nContent-Length: %d\r\n" % len(body))
        out = (head, body)
    if len(_cache) < 64:
        _cache[key] = out
    return out


def read_request(conn, buf: bytearray):
    """Returns (method, path, headers, body, rest) or None at EOF."""
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None
        buf += data
    end = buf.index(b"\r\n\r\n")
    lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
    del buf[:end + 4]
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            while b"\r\n" not in buf:
                buf += conn.recv(65536)
            i = buf.index(b"\r\n")
            size = int(bytes(buf[:i]).split(b";")[0] or b"0", 16)
            del buf[:i + 2]
            while len(buf) < size + 2:
                buf += conn.recv(65536)
            body += buf[:size]
            del buf[:size + 2]
            if size == 0:
                break
    else:
        n = int(headers.get("content-length", "0") or 0)
        if headers.get("expect", "").lower() == "100-continue" and len(buf) < n:
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        while len(buf) < n:
            data = conn.recv(max(65536, n - len(buf)))
            if not data:
                return None
            buf += data
        body = bytes(buf[:n])
        del buf[:n]
    return method, path, headers, bytes(body)


def serve(conn):
    buf = bytearray()
    try:
        while True:
            req = read_request(conn, buf)
            if req is None:
                return
            method, path, headers, body = req
            close = headers.get("connection", "").lower() == "close"
            if path.startswith("/_bench/"):
                if path.startswith("/_bench/gate"):
                    (_gate.set if path.endswith("open") else _gate.clear)()
                with _lock:
                    data = json.dumps(_stats).encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                             b"Connection: close\r\n\r\n" % len(data) + data)
                return
            with _lock:
                _stats["in_flight"] += 1
                _stats["total"] += 1
            try:
                endpoint = path.split("?")[0]
                if method == "POST" and endpoint.endswith(("/chat/completions", "/responses")):
                    try:
                        req_json = json.loads(body)
                        model = str(req_json.get("model", ""))
                        stream = req_json.get("stream") is True
                    except ValueError:
                        model, stream = "", False
                    m = SLOW_RE.search(model)
                    if m:
                        time.sleep(float(m.group(1)))
                    m = GATE_RE.search(model)
                    if m:
                        _gate.wait(float(m.group(1)))
                    responses = endpoint.endswith("/responses")
                    m = DRIP_RE.search(model)
                    if m and stream:
                        drip(conn, model, responses, int(m.group(1)) / 1000, close)
                        if close:
                            return
                        continue
                    head, payload = answer(model, stream, responses)
                else:
                    payload = b'{"object":"list","data":[]}'
                    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % len(payload)
                conn.sendall(head + (b"Connection: close\r\n\r\n" if close else b"\r\n") + payload)
            finally:
                with _lock:
                    _stats["in_flight"] -= 1
            if close:
                return
    except (OSError, ssl.SSLError, ValueError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def listen(port: int) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1024)
    return s


def accept_loop(sock: socket.socket, context: ssl.SSLContext | None):
    while True:
        conn, _ = sock.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def run(c=conn):
            if context is not None:
                try:
                    c = context.wrap_socket(c, server_side=True)
                except (OSError, ssl.SSLError):
                    c.close()
                    return
            serve(c)

        threading.Thread(target=run, daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls-port", type=int, default=None)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    args = ap.parse_args()
    threading.stack_size(256 * 1024)
    plain = listen(args.port)
    ports = {"http": plain.getsockname()[1]}
    threading.Thread(target=accept_loop, args=(plain, None), daemon=True).start()
    if args.tls_port is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        tls = listen(args.tls_port)
        ports["https"] = tls.getsockname()[1]
        threading.Thread(target=accept_loop, args=(tls, ctx), daemon=True).start()
    print(json.dumps(ports), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
