#!/usr/bin/env python3
"""Fake OpenAI API server for o1-proxy's end-to-end tests (Python stdlib only).

It enforces the parameter rejections of the real reasoning models with the exact
error bodies of the real API (see /work/shared/notes/reasoning-models-api.md), answers
deterministically ("echo: <text of the last user message>"), streams like the real API
and simulates upstream faults selected by the model name.

Run standalone:  python3 fake_upstream.py --port 8080   (--port 0: the OS picks; the
chosen address is printed on stdout as "fake-upstream listening on http://127.0.0.1:N").
In-process:      srv = FakeUpstream(); srv.start(); ...; srv.stop()

Models
  gpt-4o*                 accepts everything, streams natively
  o1-mini*, o1-preview*   rejects system/developer roles, stream:true, max_tokens,
                          temperature/top_p/n != 1, penalties != 0, logprobs, top_logprobs,
                          logit_bias, stop, tools, tool_choice, functions, function_call,
                          parallel_tool_calls, response_format, reasoning_effort
  o1, o1-2*               accepts system/developer, tools, response_format, reasoning_effort;
                          rejects stream:true, temperature, top_p, penalties, logprobs,
                          top_logprobs, logit_bias, max_tokens, parallel_tool_calls
  o3-mini*                streams; rejects temperature, top_p, max_tokens,
                          parallel_tool_calls, stop
  o9-future*              rejects the system role, max_tokens, temperature, stream:true
  (every model)           stream_options without stream:true -> 400, code null
  anything else           404 model_not_found

Fault models (by name; any stream setting unless stated). Any fault name may end with
"-after-<seconds>" to wait that long (watching the client) before the fault happens.
  fault-html              502 text/html
  fault-500-json          500 OpenAI JSON error
  fault-429               429 OpenAI JSON error (rate limit)
  fault-400-messages      400 unsupported_parameter naming `messages` (not fixable)
  fault-400-absent        400 unsupported_parameter naming `seed` (absent from the body)
  fault-truncated-json    200 application/json, body cut in the middle (valid framing)
  fault-gzip              200, gzip Content-Encoding (JSON, or SSE when stream:true)
  fault-no-choices        200 chat.completion without `choices`
  fault-length            200 finish_reason "length", empty content (streams too)
  fault-silent            never answers; keeps the socket until the client goes (see /_fake/closed)
  fault-reset             headers + part of the body, then RST (SO_LINGER 0)
  fault-cut-stream        stream:true: a few events then a clean end without [DONE];
                          otherwise a normal answer
  fault-slow-<s>          waits <s> seconds, then answers normally (streams too)
  fault-drip-<s>          streams with <s> seconds between events (non-stream: normal answer)

Control endpoints (not recorded)
  GET  /_fake/requests    the requests received (last --max-records, default 2000): method,
                          path, headers, body (JSON), raw_body, response (status, request_id,
                          body or stream events)
  POST /_fake/reset       forget requests and connection records
  GET  /_fake/closed      connections held by fault-silent / fault-slow / -after-: when
                          opened, when the client closed them (null while open)
Other endpoints
  GET  /v1/models, GET /v1/models/<id>
  ANY  /v1/echo*          200 JSON {method, path, query, body} (never the headers)
  other /v1/*             404 OpenAI "Invalid URL" error
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import select
import signal
import socket
import struct
import sys
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# --------------------------------------------------------------------------------------
# Model table

REASONING_TOKENS = 192
RECORD_BODY_LIMIT = 1 << 20  # request bodies above 1 MiB are recorded truncated

MODEL_SNAPSHOTS = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "o1-mini": "o1-mini-2024-09-12",
    "o1-preview": "o1-preview-2024-09-12",
    "o1": "o1-2024-12-17",
    "o3-mini": "o3-mini-2025-01-31",
    "o9-future": "o9-future-2026-01-01",
}

MODEL_LIST = [
    ("gpt-4o", "system"), ("gpt-4o-2024-08-06", "system"),
    ("o1-mini", "system"), ("o1-mini-2024-09-12", "system"),
    ("o1-preview", "system"), ("o1-preview-2024-09-12", "system"),
    ("o1", "system"), ("o1-2024-12-17", "system"),
    ("o3-mini", "system"), ("o3-mini-2025-01-31", "system"),
    ("o9-future", "system"),
]

# Parameters optional in the real API, with the value the o1-mini family accepts as default.
O1_MINI_VALUE_DEFAULTS = {"temperature": 1, "top_p": 1, "n": 1,
                          "presence_penalty": 0, "frequency_penalty": 0}
O1_MINI_UNSUPPORTED = ["logprobs", "top_logprobs", "logit_bias", "stop", "tools", "tool_choice",
                       "functions", "function_call", "parallel_tool_calls", "response_format",
                       "reasoning_effort"]
O1_UNSUPPORTED = ["temperature", "top_p", "presence_penalty", "frequency_penalty", "logprobs",
                  "top_logprobs", "logit_bias", "parallel_tool_calls"]
O3_MINI_UNSUPPORTED = ["temperature", "top_p", "parallel_tool_calls", "stop"]


def model_family(model: str) -> str | None:
    if model == "gpt-4o" or model.startswith("gpt-4o-"):
        return "gpt-4o"
    if model == "o1-mini" or model.startswith("o1-mini-"):
        return "o1-mini"
    if model == "o1-preview" or model.startswith("o1-preview-"):
        return "o1-preview"
    if model == "o1" or model.startswith("o1-2"):
        return "o1"
    if model == "o3-mini" or model.startswith("o3-mini-"):
        return "o3-mini"
    if model == "o9-future" or model.startswith("o9-future-"):
        return "o9-future"
    return None


def response_model(model: str) -> str:
    """The `model` field of an answer: the dated snapshot, as the real API does."""
    fam = model_family(model)
    if fam is None or model != fam:
        return model
    return MODEL_SNAPSHOTS[fam]


def err_body(message, param=None, code=None, type_="invalid_request_error"):
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def unsupported_parameter(param):
    if param == "max_tokens":
        return err_body("Unsupported parameter: 'max_tokens' is not supported with this model. "
                        "Use 'max_completion_tokens' instead.", "max_tokens", "unsupported_parameter")
    return err_body(f"Unsupported parameter: '{param}' is not supported with this model.",
                    param, "unsupported_parameter")


def unsupported_value(param, value, default):
    return err_body(f"Unsupported value: '{param}' does not support {json_value(value)} with this "
                    f"model. Only the default ({json_value(default)}) value is supported.",
                    param, "unsupported_value")


def unsupported_role(index, role):
    return err_body(f"Unsupported value: 'messages[{index}].role' does not support '{role}' "
                    "with this model.", f"messages[{index}].role", "unsupported_value")


def unsupported_stream(o1_style=False):
    tail = ("Supported values are: false." if o1_style
            else "Only the default (false) value is supported.")
    return err_body(f"Unsupported value: 'stream' does not support true with this model. {tail}",
                    "stream", "unsupported_value")


def json_value(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    return str(v)


def validate_for_model(body: dict) -> tuple[int, dict] | None:
    """Return (status, error body) if the real API would reject this request."""
    model = body.get("model")
    if not isinstance(model, str) or not model:
        return 400, err_body("you must provide a model parameter", None, None)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return 400, err_body("Invalid 'messages': empty array. Expected an array with minimum "
                             "length 1, but got an empty array instead.", "messages",
                             "empty_array")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or "role" not in m:
            return 400, err_body(f"Missing required parameter: 'messages[{i}].role'.",
                                 f"messages[{i}].role", "missing_required_parameter")
    stream = body.get("stream") is True
    if "stream_options" in body and body["stream_options"] is not None and not stream:
        return 400, err_body("The 'stream_options' parameter is only allowed when 'stream' is "
                             "enabled.", "stream_options", None)
    if model.startswith("fault-"):
        return None

    fam = model_family(model)
    if fam in ("o1-mini", "o1-preview"):
        if "max_tokens" in body:
            return 400, unsupported_parameter("max_tokens")
        for p, d in O1_MINI_VALUE_DEFAULTS.items():
            if p in body and body[p] is not None and body[p] != d:
                return 400, unsupported_value(p, body[p], d)
        for p in O1_MINI_UNSUPPORTED:
            if p in body:
                return 400, unsupported_parameter(p)
        for i, m in enumerate(messages):
            if m.get("role") in ("system", "developer"):
                return 400, unsupported_role(i, m["role"])
        if stream:
            return 400, unsupported_stream()
    elif fam == "o1":
        if "max_tokens" in body:
            return 400, unsupported_parameter("max_tokens")
        for p in O1_UNSUPPORTED:
            if p in body:
                return 400, unsupported_parameter(p)
        if stream:
            return 400, unsupported_stream(o1_style=True)
    elif fam == "o3-mini":
        if "max_tokens" in body:
            return 400, unsupported_parameter("max_tokens")
        for p in O3_MINI_UNSUPPORTED:
            if p in body:
                return 400, unsupported_parameter(p)
    elif fam == "o9-future":
        if "max_tokens" in body:
            return 400, unsupported_parameter("max_tokens")
        if "temperature" in body:
            return 400, unsupported_parameter("temperature")
        for i, m in enumerate(messages):
            if m.get("role") == "system":
                return 400, unsupported_role(i, "system")
        if stream:
            return 400, unsupported_stream()
    elif fam == "gpt-4o":
        pass
    else:
        return 404, err_body(f"The model `{model}` does not exist or you do not have access to it.",
                             None, "model_not_found")
    return None


# --------------------------------------------------------------------------------------
# Deterministic answers

def message_text(m: dict) -> str:
    c = m.get("content")
    if isinstance(c, str):
        return c
    if isinstance(c, list):
        return "".join(p.get("text", "") for p in c if isinstance(p, dict))
    return ""


def last_user_text(messages) -> str:
    for m in reversed(messages or []):
        if isinstance(m, dict) and m.get("role") == "user":
            return message_text(m)
    return ""


def is_reasoning(model: str) -> bool:
    fam = model_family(model)
    return fam is not None and fam != "gpt-4o"


def compute_usage(body: dict, content: str, reasoning: bool, completion_override=None) -> dict:
    """Deterministic token counts: tests may call this to predict the usage."""
    prompt = 0
    for m in body.get("messages") or []:
        if isinstance(m, dict):
            prompt += 4 + len(message_text(m).split())
    r = REASONING_TOKENS if reasoning else 0
    visible = len(content.split()) if content else 0
    completion = completion_override if completion_override is not None else visible + r
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": r, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0,
                                      "rejected_prediction_tokens": 0},
    }


def build_answer(body: dict, length_fault=False) -> dict:
    """The full non-streaming chat.completion for this request."""
    model = body.get("model", "")
    messages = body.get("messages") or []
    text = last_user_text(messages)
    reasoning = is_reasoning(model) or model.startswith("fault-")
    tools = body.get("tools") or []
    n = body.get("n") if isinstance(body.get("n"), int) and 1 <= body.get("n") <= 8 else 1
    choices = []
    if length_fault:
        msg = {"role": "assistant", "content": "", "refusal": None}
        finish = "length"
        content = ""
    elif tools and "call a tool" in text:
        fn = tools[0].get("function", {}) if isinstance(tools[0], dict) else {}
        name = fn.get("name", "tool")
        msg = {"role": "assistant", "content": None, "refusal": None,
               "tool_calls": [{"id": "call_" + uuid.uuid4().hex[:24], "type": "function",
                               "function": {"name": name, "arguments": '{"city": "Paris"}'}}]}
        finish = "tool_calls"
        content = ""
    elif "please refuse" in text:
        msg = {"role": "assistant", "content": None, "refusal": "I'm sorry, I can't help with that."}
        finish = "stop"
        content = ""
    else:
        content = "echo: " + text
        msg = {"role": "assistant", "content": content, "refusal": None}
        finish = "stop"
    for i in range(n):
        choices.append({"index": i, "message": json.loads(json.dumps(msg)),
                        "finish_reason": finish})
    usage = compute_usage(body, content, reasoning,
                          completion_override=(body.get("max_completion_tokens") or 64)
                          if length_fault else None)
    if length_fault:
        usage["completion_tokens_details"]["reasoning_tokens"] = usage["completion_tokens"]
    if not reasoning:
        for c in choices:
            c["logprobs"] = None
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex[:29],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": response_model(model),
        "system_fingerprint": "fp_" + ("f6e27b2a6b" if reasoning else "831e067d82"),
        "choices": choices,
        "usage": usage,
        "service_tier": "default",
    }


def split_text(s: str, size=4):
    return [s[i:i + size] for i in range(0, len(s), size)] or []


def stream_events(answer: dict, include_usage: bool) -> list:
    """Chunk objects of the native stream equivalent of `answer`."""
    base = {"id": answer["id"], "object": "chat.completion.chunk", "created": answer["created"],
            "model": answer["model"], "system_fingerprint": answer["system_fingerprint"]}
    events = []

    def chunk(choices, **extra):
        c = dict(base)
        c["choices"] = choices
        if include_usage:
            c["usage"] = None
        c.update(extra)
        return c

    for ch in answer["choices"]:
        idx = ch["index"]
        msg = ch["message"]
        events.append(chunk([{"index": idx, "delta": {"role": "assistant", "content": "",
                                                      "refusal": None},
                              "logprobs": None, "finish_reason": None}]))
        if msg.get("tool_calls"):
            for ti, tc in enumerate(msg["tool_calls"]):
                events.append(chunk([{"index": idx, "delta": {"tool_calls": [
                    {"index": ti, "id": tc["id"], "type": "function",
                     "function": {"name": tc["function"]["name"], "arguments": ""}}]},
                    "logprobs": None, "finish_reason": None}]))
                for piece in split_text(tc["function"]["arguments"], 6):
                    events.append(chunk([{"index": idx, "delta": {"tool_calls": [
                        {"index": ti, "function": {"arguments": piece}}]},
                        "logprobs": None, "finish_reason": None}]))
        if msg.get("refusal"):
            for piece in split_text(msg["refusal"], 8):
                events.append(chunk([{"index": idx, "delta": {"refusal": piece},
                                      "logprobs": None, "finish_reason": None}]))
        for piece in split_text(msg.get("content") or "", 4):
            events.append(chunk([{"index": idx, "delta": {"content": piece},
                                  "logprobs": None, "finish_reason": None}]))
        events.append(chunk([{"index": idx, "delta": {}, "logprobs": None,
                              "finish_reason": ch["finish_reason"]}]))
    if include_usage:
        u = dict(base)
        u["choices"] = []
        u["usage"] = answer["usage"]
        events.append(u)
    return events


FAULT_RE = re.compile(r"^(?P<name>fault-[a-z0-9.-]+?)(?:-after-(?P<after>\d+(?:\.\d+)?))?$")
HTML_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
            b"</body>\r\n</html>\r\n")


# --------------------------------------------------------------------------------------
# Server

class FakeState:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.conns = []
        self.seq = 0
        self.chunk_delay = 0.005
        self.max_records = 2000  # oldest records are forgotten (long benchmark runs)

    def record(self, rec):
        with self.lock:
            self.seq += 1
            rec["seq"] = self.seq
            self.requests.append(rec)
            if len(self.requests) > self.max_records:
                del self.requests[: len(self.requests) - self.max_records]
        return rec

    def new_conn(self, model, path):
        c = {"model": model, "path": path, "opened_at": time.time(), "closed_at": None,
             "closed_by": None}
        with self.lock:
            self.conns.append(c)
            if len(self.conns) > self.max_records:
                del self.conns[: len(self.conns) - self.max_records]
        return c

    def reset(self):
        with self.lock:
            self.requests.clear()
            self.conns.clear()


class ClientGone(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-openai/1.0"
    sys_version = ""
    verbose = False

    # ---- plumbing ----
    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("fake-upstream: " + (fmt % args) + "\n")

    @property
    def state(self) -> FakeState:
        return self.server.state

    def read_body(self) -> bytes:
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            out = b""
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def common_headers(self, rid, extra=None):
        hdrs = {
            "x-request-id": rid,
            "openai-processing-ms": "42",
            "openai-version": "2020-10-01",
            "openai-organization": "user-fake",
            "x-ratelimit-limit-requests": "500",
            "x-ratelimit-remaining-requests": "499",
            "x-ratelimit-reset-requests": "120ms",
            "strict-transport-security": "max-age=31536000; includeSubDomains",
            "Keep-Alive": "timeout=5",
        }
        hdrs.update(extra or {})
        for k, v in hdrs.items():
            self.send_header(k, v)

    def send_json(self, status, obj, rec=None, extra=None, raw=None, ctype="application/json",
                  encoding=None):
        data = raw if raw is not None else json.dumps(obj, indent=2).encode()
        if encoding == "gzip":
            data = gzip.compress(data)
        rid = "req_" + uuid.uuid4().hex
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.common_headers(rid, extra)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()
        if rec is not None:
            rec["response"] = {"status": status, "request_id": rid,
                               "body": obj if raw is None else None}

    def start_stream(self, rec, encoding=None):
        rid = "req_" + uuid.uuid4().hex
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.common_headers(rid)
        self.end_headers()
        self.wfile.flush()
        rec["response"] = {"status": 200, "request_id": rid, "events": []}

    def write_chunk(self, data: bytes):
        if not data:
            return
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_chunks(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def wait_or_gone(self, seconds, conn=None) -> bool:
        """Sleep `seconds` while watching the client socket. False if the client went away."""
        deadline = time.time() + seconds
        sock = self.connection
        while True:
            left = deadline - time.time()
            if left <= 0:
                return True
            r, _, _ = select.select([sock], [], [], min(left, 0.05))
            if r:
                try:
                    peek = sock.recv(1, socket.MSG_PEEK)
                except OSError:
                    peek = b""
                if not peek:
                    if conn is not None:
                        conn["closed_at"] = time.time()
                        conn["closed_by"] = "client"
                    return False
                time.sleep(min(left, 0.05))  # pipelined data: not a close

    def rst(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        for f in (self.rfile, self.wfile):
            try:
                f.close()
            except OSError:
                pass
        try:
            self.connection.close()
        except OSError:
            pass
        # BaseHTTPRequestHandler flushes wfile after the handler returns: give it a dummy.
        self.rfile, self.wfile = io.BytesIO(), io.BytesIO()
        self.close_connection = True

    # ---- dispatch ----
    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def do_OPTIONS(self):
        self.dispatch()

    def dispatch(self):
        try:
            body_bytes = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        url = urlsplit(self.path)
        path = url.path
        if path.startswith("/_fake/"):
            return self.control(path, body_bytes)
        body = None
        try:
            body = json.loads(body_bytes) if body_bytes else None
        except ValueError:
            body = None
        big = len(body_bytes) > RECORD_BODY_LIMIT
        rec = {"time": time.time(), "method": self.command, "path": self.path,
               "headers": {k.lower(): v for k, v in self.headers.items()},
               "header_list": [[k, v] for k, v in self.headers.items()],
               "body": None if big else body, "body_len": len(body_bytes),
               "raw_body": body_bytes[:RECORD_BODY_LIMIT].decode("utf-8", "replace"),
               "response": None}
        self.state.record(rec)
        try:
            if "authorization" not in rec["headers"]:
                return self.send_json(401, err_body(
                    "You didn't provide an API key. You need to provide your API key in an "
                    "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                    None, None), rec)
            if path == "/v1/chat/completions":
                if self.command != "POST":
                    return self.send_json(405, err_body(
                        f"Invalid method for URL ({self.command} /v1/chat/completions)"), rec)
                return self.chat(rec, body)
            if path == "/v1/models" and self.command == "GET":
                return self.send_json(200, {"object": "list", "data": [
                    {"id": m, "object": "model", "created": 1727131766, "owned_by": o}
                    for m, o in MODEL_LIST]}, rec)
            if path.startswith("/v1/models/") and self.command == "GET":
                mid = path[len("/v1/models/"):]
                if model_family(mid) is None:
                    return self.send_json(404, err_body(
                        f"The model '{mid}' does not exist", "model", "model_not_found"), rec)
                return self.send_json(200, {"id": mid, "object": "model", "created": 1727131766,
                                            "owned_by": "system"}, rec)
            if path.startswith("/v1/echo"):
                return self.send_json(200, {"method": self.command, "path": path,
                                            "query": url.query,
                                            "body": rec["raw_body"]}, rec)
            return self.send_json(404, err_body(f"Invalid URL ({self.command} {path})"), rec)
        except (BrokenPipeError, ConnectionResetError, ClientGone):
            self.close_connection = True

    def control(self, path, body_bytes):
        if path == "/_fake/requests" and self.command == "GET":
            with self.state.lock:
                data = json.dumps(self.state.requests)
            return self.send_json(200, None, raw=data.encode())
        if path == "/_fake/reset" and self.command == "POST":
            self.state.reset()
            return self.send_json(200, {"ok": True})
        if path == "/_fake/closed" and self.command == "GET":
            with self.state.lock:
                data = json.dumps(self.state.conns)
            return self.send_json(200, None, raw=data.encode())
        if path == "/_fake/config" and self.command == "POST":
            cfg = json.loads(body_bytes or b"{}")
            if "chunk_delay" in cfg:
                self.state.chunk_delay = float(cfg["chunk_delay"])
            return self.send_json(200, {"ok": True})
        return self.send_json(404, err_body("no such control endpoint"))

    # ---- chat completions ----
    def chat(self, rec, body):
        if not isinstance(body, dict):
            return self.send_json(400, err_body(
                "We could not parse the JSON body of your request. (HINT: This likely means "
                "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                "payload, but what was sent was not valid JSON.", None, None), rec)
        model = body.get("model") if isinstance(body.get("model"), str) else ""
        stream = body.get("stream") is True
        include_usage = bool(stream and isinstance(body.get("stream_options"), dict)
                             and body["stream_options"].get("include_usage"))
        rej = validate_for_model(body)
        if rej:
            return self.send_json(rej[0], rej[1], rec)
        m = FAULT_RE.match(model)
        if m:
            return self.fault(rec, body, m.group("name"), float(m.group("after") or 0),
                              stream, include_usage)
        answer = build_answer(body)
        if stream:
            return self.stream_answer(rec, answer, include_usage)
        return self.send_json(200, answer, rec)

    def stream_answer(self, rec, answer, include_usage, delay=None, cut_after=None,
                      encoding=None, reset_after=None):
        delay = self.state.chunk_delay if delay is None else delay
        rec["response_answer"] = answer
        self.start_stream(rec, encoding=encoding)
        comp = zlib.compressobj(wbits=31) if encoding == "gzip" else None
        events = stream_events(answer, include_usage)
        for i, ev in enumerate(events):
            if cut_after is not None and i >= cut_after:
                rec["response"]["cut"] = True
                self.end_chunks()
                self.close_connection = True
                return
            if reset_after is not None and i >= reset_after:
                time.sleep(0.05)
                rec["response"]["reset"] = True
                return self.rst()
            data = b"data: " + json.dumps(ev, separators=(",", ":")).encode() + b"\n\n"
            if comp:
                data = comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH)
            self.write_chunk(data)
            rec["response"]["events"].append(ev)
            if delay:
                if not self.wait_or_gone(delay):
                    raise ClientGone()
        tail = b"data: [DONE]\n\n"
        if comp:
            tail = comp.compress(tail) + comp.flush(zlib.Z_FINISH)
        self.write_chunk(tail)
        rec["response"]["done"] = True
        self.end_chunks()

    def fault(self, rec, body, name, after, stream, include_usage):
        conn = None
        if after > 0 or name == "fault-silent" or name.startswith("fault-slow-"):
            conn = self.state.new_conn(body.get("model"), self.path)
        if after > 0 and not self.wait_or_gone(after, conn):
            return
        if name == "fault-html":
            return self.send_json(502, None, rec, raw=HTML_502, ctype="text/html")
        if name == "fault-500-json":
            return self.send_json(500, err_body(
                "The server had an error while processing your request. Sorry about that!",
                None, None, "server_error"), rec)
        if name == "fault-429":
            return self.send_json(429, err_body(
                "Rate limit reached for o1-mini in organization org-fake on requests per min "
                "(RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.",
                None, "rate_limit_exceeded", "requests"), rec,
                extra={"retry-after": "1", "x-ratelimit-remaining-requests": "0"})
        if name == "fault-400-messages":
            return self.send_json(400, unsupported_parameter("messages"), rec)
        if name == "fault-400-absent":
            return self.send_json(400, unsupported_parameter("seed"), rec)
        if name == "fault-truncated-json":
            full = json.dumps(build_answer(body)).encode()
            return self.send_json(200, None, rec, raw=full[: len(full) // 2])
        if name == "fault-no-choices":
            ans = build_answer(body)
            del ans["choices"]
            return self.send_json(200, ans, rec)
        if name == "fault-length":
            ans = build_answer(body, length_fault=True)
            if stream:
                return self.stream_answer(rec, ans, include_usage)
            return self.send_json(200, ans, rec)
        if name == "fault-gzip":
            ans = build_answer(body)
            if stream:
                return self.stream_answer(rec, ans, include_usage, encoding="gzip")
            return self.send_json(200, ans, rec, encoding="gzip")
        if name == "fault-silent":
            rec["response"] = {"status": None, "silent": True}
            limit = 300.0
            if self.wait_or_gone(limit, conn):
                conn["closed_at"] = time.time()
                conn["closed_by"] = "server-gave-up"
            self.close_connection = True
            return
        if name == "fault-reset":
            if stream:
                return self.stream_answer(rec, build_answer(body), include_usage, reset_after=2)
            full = json.dumps(build_answer(body)).encode()
            rid = "req_" + uuid.uuid4().hex
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(full)))
            self.common_headers(rid)
            self.end_headers()
            self.wfile.write(full[:40])
            self.wfile.flush()
            rec["response"] = {"status": 200, "request_id": rid, "reset": True}
            time.sleep(0.05)
            return self.rst()
        if name == "fault-cut-stream":
            ans = build_answer(body)
            if stream:
                return self.stream_answer(rec, ans, include_usage, cut_after=3)
            return self.send_json(200, ans, rec)
        m = re.match(r"^fault-slow-(\d+(?:\.\d+)?)$", name)
        if m:
            if not self.wait_or_gone(float(m.group(1)), conn):
                return
            conn["answered_at"] = time.time()
            ans = build_answer(body)
            if stream:
                return self.stream_answer(rec, ans, include_usage)
            return self.send_json(200, ans, rec)
        m = re.match(r"^fault-drip-(\d+(?:\.\d+)?)$", name)
        if m:
            ans = build_answer(body)
            if stream:
                return self.stream_answer(rec, ans, include_usage, delay=float(m.group(1)))
            return self.send_json(200, ans, rec)
        return self.send_json(404, err_body(
            f"The model `{body.get('model')}` does not exist or you do not have access to it.",
            None, "model_not_found"), rec)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError,
                            ClientGone)):
            return
        super().handle_error(request, client_address)


class FakeUpstream:
    """In-process fake upstream on 127.0.0.1 (port 0 = chosen by the OS)."""

    def __init__(self, host="127.0.0.1", port=0, verbose=False, chunk_delay=0.005,
                 max_records=2000):
        handler = type("BoundHandler", (Handler,), {"verbose": verbose})
        self.httpd = _Server((host, port), handler)
        self.httpd.state = FakeState()
        self.httpd.state.chunk_delay = chunk_delay
        self.httpd.state.max_records = max_records
        self.host, self.port = self.httpd.server_address[:2]
        self.thread = None

    @property
    def state(self) -> FakeState:
        return self.httpd.state

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self):
        return self.url + "/v1"

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-upstream",
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # convenience for in-process use
    def requests(self, path=None):
        with self.state.lock:
            reqs = json.loads(json.dumps(self.state.requests))
        if path is not None:
            reqs = [r for r in reqs if r["path"].split("?")[0] == path]
        return reqs

    def closed(self):
        with self.state.lock:
            return json.loads(json.dumps(self.state.conns))

    def reset(self):
        self.state.reset()


def main(argv=None):
    ap = argparse.ArgumentParser(description="Fake OpenAI API for o1-proxy tests")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--chunk-delay", type=float, default=0.005,
                    help="seconds between stream events (default 0.005)")
    ap.add_argument("--max-records", type=int, default=2000,
                    help="requests kept for /_fake/requests (oldest dropped; default 2000)")
    ap.add_argument("-v", "--verbose", action="store_true", help="log each request on stderr")
    args = ap.parse_args(argv)
    srv = FakeUpstream(args.host, args.port, verbose=args.verbose, chunk_delay=args.chunk_delay,
                       max_records=args.max_records)
    print(f"fake-upstream listening on {srv.url}", flush=True)

    def on_term(*_):
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, on_term)
    try:
        srv.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.httpd.server_close()


if __name__ == "__main__":
    main()
