"""The HTTP side: a threading server on loopback, the record of every request, the control
endpoints, and the routes, each a few named steps: authenticate, check the shape, find the
model, check its rules, answer (or run the fault the model name picks)."""

from __future__ import annotations

import gzip
import io
import json
import select
import socket
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from . import azure, chat_validation, errors as e, faults, responses_validation
from .answers import responses_tools
from .exchange import Chat, ClientGone, Exchange, Responses
from .models import MODEL_LIST, answer_model, family_of

RECORD_BODY_LIMIT = 1 << 20  # request bodies above 1 MiB are recorded truncated
MODEL_CREATED = 1727131766


class FakeState:
    def __init__(self, chunk_delay=0.005, max_records=2000):
        self.lock = threading.Lock()
        self.requests = []
        self.conns = []
        self.seq = 0
        self.chunk_delay = chunk_delay
        self.max_records = max_records  # oldest records are forgotten (long benchmark runs)

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


def is_verified(headers: dict) -> bool:
    """Verification belongs to the account; the fake keys it on the API key's text."""
    return "unverified" not in headers.get("authorization", "")


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
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send_head(self, status, ctype, length=None, encoding=None, extra=None) -> str:
        """Status line and headers, as the real API sends them; returns the x-request-id."""
        rid = "req_" + uuid.uuid4().hex
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache")
        else:
            self.send_header("Content-Length", str(length))
        if encoding:
            self.send_header("Content-Encoding", encoding)
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
        self.end_headers()
        return rid

    def send_json(self, status, obj, rec=None, extra=None, raw=None, ctype="application/json",
                  encoding=None):
        data = raw if raw is not None else json.dumps(obj, indent=2).encode()
        if encoding == "gzip":
            data = gzip.compress(data)
        rid = self.send_head(status, ctype, len(data), encoding, extra)
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()
        if rec is not None:
            rec["response"] = {"status": status, "request_id": rid,
                               "body": obj if raw is None else None}

    def start_stream(self, rec, encoding=None):
        rid = self.send_head(200, "text/event-stream; charset=utf-8", encoding=encoding)
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

    def do_GET(self):
        self.dispatch()

    do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    # ---- routes ----
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
            if path.startswith("/openai/"):
                return self.route_azure(rec, body, path)
            if "authorization" not in rec["headers"]:
                return self.reject(rec, e.no_api_key())
            if path in ("/v1/chat/completions", "/v1/responses"):
                if self.command != "POST":
                    return self.reject(rec, e.invalid_method(self.command, path))
                if path == "/v1/chat/completions":
                    return self.route_chat(rec, body)
                return self.route_responses(rec, body)
            if path == "/v1/models" and self.command == "GET":
                return self.send_json(200, models_list([m for m, _ in MODEL_LIST]), rec)
            if path.startswith("/v1/models/") and self.command == "GET":
                mid = path[len("/v1/models/"):]
                if mid not in dict(MODEL_LIST):
                    return self.reject(rec, e.retrieve_model_not_found(mid))
                return self.send_json(200, model_entry(mid), rec)
            if path.startswith("/v1/echo"):
                return self.send_json(200, {"method": self.command, "path": path,
                                            "query": url.query, "body": rec["raw_body"]}, rec)
            return self.reject(rec, e.invalid_url(self.command, path))
        except (BrokenPipeError, ConnectionResetError, ClientGone):
            self.close_connection = True

    def reject(self, rec, rejection: e.Rejection):
        self.send_json(*rejection, rec)

    def route_chat(self, rec, body, family=None, model=None):
        """OpenAI's chat completions; Azure's arrives with its deployment's family and model."""
        bad = chat_validation.check_shape(body)
        if bad:
            return self.reject(rec, bad)
        if family is None:
            model = body["model"]
            family = family_of(model)
            if family is None:
                return self.reject(rec, e.chat_model_not_found(model))
            fault = faults.lookup(model) if model.startswith("fault-") else None
            if model.startswith("fault-") and fault is None:
                return self.reject(rec, e.chat_model_not_found(model))
            if fault and not fault[0].on_chat:
                return self.reject(rec, e.not_on_chat(e.ONLY_RESPONSES))
            if not family.serves_chat:
                return self.reject(rec, chat_validation.not_served(family))
            verified = is_verified(rec["headers"])
        else:
            fault, verified = None, True
            if not family.serves_chat:
                return self.reject(rec, e.azure_operation_not_supported(model))
        bad = chat_validation.check_model(body, family, verified)
        if bad:
            return self.reject(rec, bad)
        self.answer(Exchange(self, rec, body, Chat, family, answer_model(model)), fault)

    def route_responses(self, rec, body, family=None, model=None):
        bad = responses_validation.check_shape(body)
        if bad:
            return self.reject(rec, bad)
        fault, verified = None, True
        if family is None:
            model = body["model"]
            family = family_of(model)
            fault = faults.lookup(model) if model.startswith("fault-") else None
            if family is None or (model.startswith("fault-") and fault is None):
                return self.reject(rec, e.responses_model_not_found(model))
            verified = is_verified(rec["headers"])
        bad = responses_validation.check_model(body, family, verified)
        if bad:
            return self.reject(rec, bad)
        rec["strict_tools"] = [t.name for t in responses_tools(body) if t.strict]
        self.answer(Exchange(self, rec, body, Responses, family, answer_model(model)), fault)

    @staticmethod
    def answer(ex: Exchange, fault):
        if fault:
            return faults.run(ex, *fault)
        ex.respond(ex.answer())

    def route_azure(self, rec, body, path):
        bad = azure.check_auth(rec["headers"])
        if bad:
            return self.reject(rec, bad)
        route = path.removeprefix(azure.PREFIX)
        if route == "/models" and self.command == "GET":
            return self.send_json(200, models_list(list(dict.fromkeys(
                azure.DEPLOYMENTS.values()))), rec)
        if route not in ("/chat/completions", "/responses") or self.command != "POST":
            return self.reject(rec, e.azure_not_found())
        if not isinstance(body, dict):
            return self.reject(rec, e.bad_json())
        model = azure.deployment_model(body)
        if model is None:
            return self.reject(rec, e.azure_deployment_not_found())
        route_to = self.route_chat if route == "/chat/completions" else self.route_responses
        route_to(rec, body, family_of(model), model)

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
        return self.send_json(404, e.openai_error("no such control endpoint"))


def model_entry(mid: str) -> dict:
    return {"id": mid, "object": "model", "created": MODEL_CREATED, "owned_by": "system"}


def models_list(ids: list[str]) -> dict:
    return {"object": "list", "data": [model_entry(m) for m in ids]}


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
        self.httpd.state = FakeState(chunk_delay, max_records)
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

    @property
    def azure_url(self):
        """What an Azure client calls its endpoint's v1 base."""
        return self.url + azure.PREFIX

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-upstream",
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

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
