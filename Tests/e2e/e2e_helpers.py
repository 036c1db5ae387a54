"""Helpers for o1-proxy's end-to-end tests: start the proxy as systemd does, speak raw HTTP
to it, parse chunked bodies, SSE streams and the proxy's logfmt log line."""

from __future__ import annotations

import json
import os
import re
import secrets
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
DEFAULT_BIN = REPO_ROOT / ".build" / "release" / "o1-proxy"


def proxy_binary() -> Path:
    return Path(os.environ.get("O1_PROXY_BIN") or DEFAULT_BIN)


# Every secret the tests hand out (API keys, proxy tokens, client Authorization values):
# none may ever show up in a proxy log or a response body.
SECRETS: set[str] = set()
# Every response body read through these helpers (checked for secrets after each test).
SEEN_BODIES: list[bytes] = []


def new_secret(prefix: str) -> str:
    s = f"{prefix}-SECRET-{secrets.token_hex(12)}"
    SECRETS.add(s)
    return s


def secret_fragments() -> set[str]:
    """The secrets and their random tails (catches partial leaks such as masked keys)."""
    out = set()
    for s in SECRETS:
        out.add(s)
        out.add(s.rsplit("-", 1)[-1])
    return out


# --------------------------------------------------------------------------------------
# Proxy under systemd-socket-activate

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    hexport = f"{port:04X}"
    try:
        with open("/proc/net/tcp") as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                if parts[1].endswith(":" + hexport) and parts[3] == "0A":
                    return True
    except OSError:
        pass
    return False


class Proxy:
    """One `systemd-socket-activate --inetd -a` listener running the proxy per connection.

    The proxy's stderr (its log lines) and systemd-socket-activate's own messages go to
    `log_path`. Use `mark()` before an exchange and `entries(mark)` after it."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str = "proxy"):
        self.env = dict(env)
        self.api_key = env.get("OPENAI_API_KEY")
        self.token = env.get("O1_PROXY_TOKEN")
        for s in (self.api_key, self.token):
            if s:
                SECRETS.add(s)
        self.log_path = workdir / f"{name}-{secrets.token_hex(4)}.log"
        self.proc = None
        self.port = None
        self._start()

    def _start(self):
        binary = proxy_binary()
        if not binary.exists():
            raise RuntimeError(f"proxy binary {binary} not found (build it or set O1_PROXY_BIN)")
        ssa = shutil.which("systemd-socket-activate")
        if not ssa:
            raise RuntimeError("systemd-socket-activate not found (apt-get install systemd)")
        last_err = ""
        for _ in range(5):
            port = _free_port()
            args = [ssa, "--inetd", "-a", "-l", f"127.0.0.1:{port}"]
            for k, v in self.env.items():
                args += ["-E", f"{k}={v}"]
            args.append(str(binary))
            logf = open(self.log_path, "ab")
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=logf, start_new_session=True)
            logf.close()
            deadline = time.time() + 5
            while time.time() < deadline:
                if proc.poll() is not None:
                    break
                if _listening(port) and f"127.0.0.1:{port}" in self.log_text():
                    self.proc, self.port = proc, port
                    return
                time.sleep(0.01)
            last_err = self.log_text()
            self._kill(proc)
        raise RuntimeError(f"systemd-socket-activate did not start: {last_err}")

    @staticmethod
    def _kill(proc):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(3)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(3)

    def stop(self):
        if self.proc is not None:
            # The group holds systemd-socket-activate and any proxy child still running.
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(3)
            self.proc = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # ---- logs ----
    def log_text(self) -> str:
        try:
            return self.log_path.read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def mark(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def lines(self, mark: int = 0) -> list[str]:
        data = self.log_path.read_bytes()[mark:].decode("utf-8", "replace")
        return [l for l in data.splitlines() if l.startswith("o1-proxy:")]

    _SPAWNED = re.compile(r"^Spawned .* as PID (\d+)\.$", re.M)
    _DIED = re.compile(r"^Child (\d+) died", re.M)

    def running_children(self) -> set:
        """PIDs of proxy processes spawned and not yet exited (scans new log lines only)."""
        if not hasattr(self, "_scan_off"):
            self._scan_off, self._spawned, self._died = 0, set(), set()
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._scan_off)
                new = f.read()
        except FileNotFoundError:
            new = b""
        end = new.rfind(b"\n")
        if end >= 0:
            text = new[: end + 1].decode("utf-8", "replace")
            self._scan_off += end + 1
            self._spawned.update(self._SPAWNED.findall(text))
            self._died.update(self._DIED.findall(text))
        return self._spawned - self._died

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every proxy process spawned so far has exited (so its log line is
        written). systemd-socket-activate logs each spawn and each child's death."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.running_children():
                return True
            time.sleep(0.01)
        return False

    def hung(self, timeout: float = 10.0) -> dict[int, str]:
        """Proxy processes still running after `timeout`, each with every thread's stack (an
        exchange always ends: by its answer, its client leaving, its deadline or SIGTERM)."""
        if self.wait_idle(timeout):
            return {}
        return {int(pid): backtraces(int(pid)) for pid in self.running_children()}

    def entries(self, mark: int, count: int = 1, timeout: float = 10.0) -> list[dict]:
        """Wait until `count` proxy log lines were written after `mark` and the proxy processes
        have exited, then return those lines, parsed (exactly `count` are expected), in the
        order their exchanges began (`time=`): a process logs after it has answered, so on a
        busy machine the next exchange's line may be written first.
        Waiting for the lines themselves matters on a busy machine: systemd-socket-activate may
        log a child's "Spawned" after that child has already answered, so an idle check alone
        can pass before the line is written."""
        deadline = time.time() + timeout
        while len(self.lines(mark)) < count and time.time() < deadline:
            time.sleep(0.01)
        self.wait_idle(max(0.0, deadline - time.time()))
        lines = self.lines(mark)
        assert len(lines) == count, (
            f"expected {count} o1-proxy log line(s), got {len(lines)}:\n" + "\n".join(lines)
            + "\n--- whole stderr since mark ---\n"
            + self.log_path.read_bytes()[mark:].decode("utf-8", "replace"))
        return sorted((parse_logfmt(l) for l in lines), key=lambda e: e.get("time", ""))

    def entry(self, mark: int, timeout: float = 10.0) -> dict:
        return self.entries(mark, 1, timeout)[0]


def upstream_conn(fake, model):
    """The fake upstream's record of its last held connection for `model` (fault-silent,
    fault-slow-*, fault-think-*, *-after-*): when it opened, answered (the slow and thinking
    ones) and closed."""
    conns = [c for c in fake.closed() if c["model"] == model]
    assert conns, f"the fake upstream holds no connection for {model}: {fake.closed()}"
    return conns[-1]


def backtraces(pid: int) -> str:
    """Every thread's stack of a running process, from gdb, Swift names demangled."""
    gdb = shutil.which("gdb")
    if not gdb:
        return "(no gdb here to show its threads)"
    try:
        out = subprocess.run([gdb, "-p", str(pid), "-batch", "-nx", "-ex", "thread apply all bt 30"],
                             capture_output=True, text=True, timeout=60).stdout
    except subprocess.TimeoutExpired:
        return "(gdb did not finish within 60 s)"
    demangle = shutil.which("swift-demangle")
    if demangle:
        out = subprocess.run([demangle, "--simplified"], input=out, capture_output=True, text=True).stdout
    return "\n".join(line for line in out.splitlines() if line.startswith(("Thread", "#")))


# --------------------------------------------------------------------------------------
# logfmt

_PAIR = re.compile(r'(?:^|(?<=\s))([A-Za-z_][A-Za-z0-9_.]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)')


def parse_logfmt(line: str) -> dict:
    assert line.startswith("o1-proxy: "), line
    rest = line[len("o1-proxy: "):]
    out = {"_line": line}
    first = None
    for m in _PAIR.finditer(rest):
        if first is None:
            first = m.start()
        k, v = m.group(1), m.group(2)
        if v.startswith('"'):
            try:
                v = json.loads(v)
            except ValueError:
                v = v[1:-1]
        out[k] = v
    out["_message"] = rest[:first].strip() if first is not None else rest.strip()
    return out


# --------------------------------------------------------------------------------------
# Raw HTTP

def build_request(method: str, path: str, body=None, headers=None, version="HTTP/1.1",
                  port=None, auth=None) -> bytes:
    hdrs = [("Host", f"127.0.0.1:{port}" if port else "127.0.0.1")]
    data = b""
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        hdrs.append(("Content-Type", "application/json"))
        hdrs.append(("Content-Length", str(len(data))))
    if auth:
        hdrs.append(("Authorization", auth))
    extra = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    # a header given by the caller replaces the default of that name; None removes it
    names = {k.lower() for k, _ in extra}
    hdrs = [h for h in hdrs if h[0].lower() not in names]
    hdrs += [(k, v) for k, v in extra if v is not None]
    head = f"{method} {path} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs) + "\r\n"
    return head.encode("latin-1") + data


@dataclass
class Response:
    status: int = 0
    reason: str = ""
    version: str = ""
    headers: list = field(default_factory=list)
    body: bytes = b""
    raw: bytes = b""
    chunked: bool = False
    t_start: float = 0.0
    t_head: float | None = None
    t_end: float | None = None
    body_pieces: list = field(default_factory=list)  # (time, decoded body bytes)
    complete: bool = False  # body framing ended properly (last chunk / full length)
    error: str | None = None

    def header(self, name: str, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def header_all(self, name: str) -> list:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body)

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def events(self):
        return parse_sse(self.body)

    def timed_events(self):
        """[(arrival time, kind, value)] computed from the body pieces' arrival times."""
        out, buf = [], b""
        for t, piece in self.body_pieces:
            buf += piece
            while True:
                idx = buf.find(b"\n\n")
                if idx < 0:
                    break
                block, buf = buf[: idx + 2], buf[idx + 2:]
                for kind, value in parse_sse(block):
                    out.append((t, kind, value))
        return out


class _Incremental:
    """Incremental HTTP/1.x response parser recording arrival times."""

    def __init__(self, resp: Response, head_only_method=False):
        self.r = resp
        self.buf = b""
        self.state = "head"
        self.remaining = None
        self.head_only = head_only_method

    def feed(self, data: bytes, t: float):
        self.r.raw += data
        self.buf += data
        progress = True
        while progress and self.state != "done":
            progress = self._step(t)

    def _step(self, t) -> bool:
        r = self.r
        if self.state == "head":
            idx = self.buf.find(b"\r\n\r\n")
            if idx < 0:
                return False
            head, self.buf = self.buf[:idx].decode("latin-1"), self.buf[idx + 4:]
            lines = head.split("\r\n")
            parts = lines[0].split(" ", 2)
            r.version = parts[0]
            r.status = int(parts[1])
            r.reason = parts[2] if len(parts) > 2 else ""
            r.headers = [tuple(x.strip() for x in l.split(":", 1)) for l in lines[1:] if ":" in l]
            if 100 <= r.status < 200:
                r.headers = []
                return True  # interim response; parse the next head
            r.t_head = t
            te = (r.header("Transfer-Encoding") or "").lower()
            if self.head_only or r.status in (204, 304):
                self.state = "done"
                r.complete = True
            elif "chunked" in te:
                r.chunked = True
                self.state = "chunk-size"
            elif r.header("Content-Length") is not None:
                self.remaining = int(r.header("Content-Length"))
                self.state = "length"
                if self.remaining == 0:
                    self.state = "done"
                    r.complete = True
            else:
                self.state = "until-close"
            return True
        if self.state == "length":
            if not self.buf:
                return False
            take = self.buf[: self.remaining]
            self.buf = self.buf[len(take):]
            self._piece(t, take)
            self.remaining -= len(take)
            if self.remaining == 0:
                self.state = "done"
                r.complete = True
            return True
        if self.state == "until-close":
            if self.buf:
                self._piece(t, self.buf)
                self.buf = b""
            return False
        if self.state == "chunk-size":
            idx = self.buf.find(b"\r\n")
            if idx < 0:
                return False
            line, self.buf = self.buf[:idx], self.buf[idx + 2:]
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                self.state = "trailer"
            else:
                self.remaining = size
                self.state = "chunk-data"
            return True
        if self.state == "chunk-data":
            if len(self.buf) < self.remaining + 2:
                # deliver partial data early for timing purposes
                return False
            data, self.buf = self.buf[: self.remaining], self.buf[self.remaining + 2:]
            self._piece(t, data)
            self.state = "chunk-size"
            return True
        if self.state == "trailer":
            idx = self.buf.find(b"\r\n")
            if idx < 0:
                return False
            line, self.buf = self.buf[:idx], self.buf[idx + 2:]
            if line == b"":
                self.state = "done"
                r.complete = True
            return True
        return False

    def _piece(self, t, data):
        if data:
            self.r.body += data
            self.r.body_pieces.append((t, data))


def exchange(port: int, request: bytes | list, timeout: float = 20.0, head_only=False,
             stop=None, send_delay: float = 0.0, shutdown_write=False) -> Response:
    """Send `request` (bytes, or a list of byte pieces sent `send_delay` apart) and read
    the whole response until the proxy closes the connection.
    `stop(resp)` -> True closes the connection early (client going away)."""
    resp = Response(t_start=time.time())
    parser = _Incremental(resp, head_only)
    pieces = request if isinstance(request, list) else [request]
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            for i, p in enumerate(pieces):
                if i and send_delay:
                    time.sleep(send_delay)
                if i and select.select([s], [], [], 0)[0]:
                    resp.error = "answered before the request was sent whole"
                    break
                if p:
                    s.sendall(p)
            if shutdown_write:
                s.shutdown(socket.SHUT_WR)
        except OSError as e:  # the proxy may answer and close before reading everything
            resp.error = f"send: {e}"
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                resp.error = "timeout"
                break
            s.settimeout(left)
            try:
                data = s.recv(65536)
            except socket.timeout:
                resp.error = "timeout"
                break
            except OSError as e:
                resp.error = f"recv: {e}"
                break
            now = time.time()
            if not data:
                break
            parser.feed(data, now)
            if stop is not None and stop(resp):
                resp.error = "stopped by client"
                break
    resp.t_end = time.time()
    SEEN_BODIES.append(resp.raw)
    return resp


def request(port, method, path, body=None, headers=None, auth=None, timeout=20.0,
            version="HTTP/1.1", **kw) -> Response:
    return exchange(port, build_request(method, path, body, headers, version, port, auth),
                    timeout=timeout, head_only=(method == "HEAD"), **kw)


def chat(port, body, auth=None, headers=None, timeout=20.0, **kw) -> Response:
    return request(port, "POST", "/v1/chat/completions", body, headers, auth, timeout, **kw)


# --------------------------------------------------------------------------------------
# SSE

def parse_sse(body: bytes):
    """[(kind, value)]: kind "data" (str), "comment" (str after ':'), or "field"
    (other lines like `event: x`, kept verbatim). Events are separated by blank lines."""
    out = []
    text = body.decode("utf-8", "replace").replace("\r\n", "\n")
    for block in text.split("\n\n"):
        if not block:
            continue
        for line in block.split("\n"):
            if line == "":
                continue
            if line.startswith(":"):
                out.append(("comment", line[1:]))
            elif line.startswith("data: "):
                out.append(("data", line[6:]))
            elif line.startswith("data:"):
                out.append(("data", line[5:]))
            else:
                out.append(("field", line))
    return out


def data_events(resp_or_body):
    body = resp_or_body.body if isinstance(resp_or_body, Response) else resp_or_body
    return [v for k, v in parse_sse(body) if k == "data"]


def json_chunks(resp) -> list:
    return [json.loads(d) for d in data_events(resp) if d != "[DONE]"]


def assert_error_shape(obj, status=None, type_=None, code=None, param=...):
    assert isinstance(obj, dict) and set(obj) == {"error"}, obj
    e = obj["error"]
    assert set(e) >= {"message", "type", "param", "code"}, e
    assert isinstance(e["message"], str) and e["message"], e
    assert isinstance(e["type"], str) and e["type"], e
    assert e["param"] is None or isinstance(e["param"], str), e
    assert e["code"] is None or isinstance(e["code"], str), e
    if type_ is not None:
        assert e["type"] == type_, e
    if code is not None:
        assert e["code"] == code, e
    if param is not ...:
        assert e["param"] == param, e
    return e


def assert_json_error(resp: Response, status: int, type_=None, code=None, param=...):
    assert resp.status == status, (resp.status, resp.raw[:2000])
    ct = resp.header("Content-Type") or ""
    assert ct.split(";")[0].strip() == "application/json", (ct, resp.raw[:500])
    assert (resp.header("Connection") or "").lower() == "close", resp.headers
    return assert_error_shape(resp.json(), status, type_, code, param)


def tmpdir_for_session() -> Path:
    return Path(tempfile.mkdtemp(prefix="o1proxy-e2e-"))
