"""HTTP plumbing for the fake upstream: the shared state (records, watched connections,
stream pacing, the prompt cache, what was made under store: false, the refusal counter) and the
request handler's byte-level I/O, with the real API's headers."""

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
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler

from .prompt_cache import DEFAULT_MODE, MODES, PromptCache

MAX_UNSTORED = 100_000  # ids remembered as made under store: false (the oldest go first)


class FakeState:
    def __init__(self, chunk_delay=0.005, max_records=2000, prompt_cache=DEFAULT_MODE):
        self.lock = threading.Lock()
        self.requests = []
        self.conns = []
        self.seq = 0
        self.chunk_delay = chunk_delay
        self.max_records = max_records  # oldest records are forgotten (long benchmark runs)
        self.default_prompt_cache = prompt_cache
        self.prompt_cache_mode = prompt_cache
        self.prompt_cache = PromptCache()
        self.unstored: OrderedDict[str, None] = OrderedDict()  # response and reasoning ids
        self.refuse_encrypted = 0  # requests with encrypted reasoning still to refuse

    def configure(self, chunk_delay=None, prompt_cache=None, refuse_encrypted=None):
        """POST /_fake/config. prompt_cache and refuse_encrypted last until the next reset."""
        if prompt_cache is not None and prompt_cache not in MODES:
            raise ValueError(f"prompt_cache is one of {', '.join(MODES)}")
        if refuse_encrypted is not None and (type(refuse_encrypted) is not int
                                             or refuse_encrypted < 0):
            raise ValueError("refuse_encrypted is a count")
        with self.lock:
            if chunk_delay is not None:
                self.chunk_delay = float(chunk_delay)
            if prompt_cache is not None:
                self.prompt_cache_mode = prompt_cache
            if refuse_encrypted is not None:
                self.refuse_encrypted = refuse_encrypted

    def lookup_prompt(self, bucket_id: str, tokens: list[str]) -> tuple[int, str]:
        """What the prompt cache held of `tokens` (then it holds them), and the mode."""
        with self.lock:
            return self.prompt_cache.lookup_and_add(bucket_id, tokens), self.prompt_cache_mode

    def remember_unstored(self, ids):
        with self.lock:
            for i in ids:
                self.unstored[i] = None
                self.unstored.move_to_end(i)
            while len(self.unstored) > MAX_UNSTORED:
                self.unstored.popitem(last=False)

    def was_unstored(self, item_id) -> bool:
        with self.lock:
            return item_id in self.unstored

    def take_refusal(self) -> bool:
        """True (and one fewer to go) while POST /_fake/config refuse_encrypted has some left."""
        with self.lock:
            if self.refuse_encrypted > 0:
                self.refuse_encrypted -= 1
                return True
            return False

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
        """Forget requests, connections, the prompt cache, what was unstored, refusals to come;
        the prompt cache mode goes back to the one the server started with."""
        with self.lock:
            self.requests.clear()
            self.conns.clear()
            self.prompt_cache.clear()
            self.prompt_cache_mode = self.default_prompt_cache
            self.unstored.clear()
            self.refuse_encrypted = 0


class Plumbing(BaseHTTPRequestHandler):
    """Bytes on the socket: read a body, send a head, JSON, chunks; watch the client; RST."""

    protocol_version = "HTTP/1.1"
    server_version = "fake-openai/1.0"
    sys_version = ""
    verbose = False

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
        # Recorded before the body leaves: a client holding the whole answer may look at once.
        if rec is not None:
            rec["response"] = {"status": status, "request_id": rid,
                               "body": obj if raw is None else None}
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()

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
