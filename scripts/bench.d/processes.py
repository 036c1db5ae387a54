"""The processes scripts/bench runs and what /proc says about them: the bench fake upstream, every
binary under `systemd-socket-activate --inetd -a` (exactly like the socket unit), and the CPU,
memory and children of each."""

from __future__ import annotations

import atexit
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TICK = os.sysconf("SC_CLK_TCK")

# Everything started here, stopped in reverse order when the bench exits (however it exits).
_STARTED: list[subprocess.Popen] = []
# Every socket-activated target, for the idle check at the end.
ACTIVATED: list[Activated] = []


def _stop_all() -> None:
    for p in reversed(_STARTED):
        if p.poll() is None:
            try:
                p.terminate()
                p.wait(3)
            except (OSError, subprocess.TimeoutExpired):
                p.kill()


atexit.register(_stop_all)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Upstream:
    """scripts/bench.d/bench_upstream.py on 127.0.0.1 (and on a TLS port when given a
    certificate). Its CPU is the reference for "direct" exchanges."""

    def __init__(self, tls: dict | None):
        cmd = [sys.executable, os.path.join(HERE, "bench_upstream.py"), "--port", "0"]
        if tls:
            cmd += ["--tls-port", "0", "--cert", tls["cert"], "--key", tls["key"]]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        _STARTED.append(self.proc)
        ports = json.loads(self.proc.stdout.readline())
        self.port, self.tls_port = ports["http"], ports.get("https")

    def control(self, what: str = "GET /_bench/stats") -> dict:
        """A control request (`GET /_bench/stats`, `POST /_bench/gate?open|close`): its stats."""
        s = socket.create_connection(("127.0.0.1", self.port))
        s.sendall(what.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(4096):
            data += chunk
        s.close()
        return json.loads(data.split(b"\r\n\r\n", 1)[1])

    def cpu(self) -> float:
        f = read_stat(self.proc.pid)
        return (f[13] + f[14]) / TICK


class Direct:
    """The upstream itself as a target: the reference every added latency is measured from."""

    name = "direct"

    def __init__(self, upstream: Upstream):
        self.upstream, self.port = upstream, upstream.port

    def cpu(self) -> float:
        return self.upstream.cpu()

    def settle(self, timeout: float = 5.0) -> None:
        pass

    def log_size(self) -> int:
        return 0

    def log_records(self, start: int) -> list[dict]:
        return []


class Activated:
    """A binary under systemd-socket-activate --inetd -a, optionally in a private mount
    namespace with `binds` [(source, target)] bind-mounted (the trust store variants).
    Its stderr (the proxy's log lines) goes to .build-bench/<name>.log."""

    def __init__(self, name: str, binary: str, env: dict, workdir: str, binds: list | None = None):
        self.name, self.binary = name, os.path.realpath(binary)
        self.port = free_port()
        self.log_path = os.path.join(workdir, f"{name}.log")
        cmd = ["systemd-socket-activate", "--inetd", "-a", "-l", f"127.0.0.1:{self.port}"]
        for k, v in env.items():
            cmd += ["-E", f"{k}={v}"]
        cmd.append(binary)
        if binds:
            # unshare and sh both exec: the Popen pid ends up being systemd-socket-activate.
            mounts = " && ".join(f"mount --bind '{src}' '{dst}'" for src, dst in binds)
            cmd = ["unshare", "-m", "--propagation", "private", "sh", "-c", mounts + ' && exec "$@"', "sh"] + cmd
        ACTIVATED.append(self)
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.logf, stdin=subprocess.DEVNULL)
        _STARTED.append(self.proc)
        deadline = time.monotonic() + 10
        while "Listening on" not in open(self.log_path).read():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"bench: {name} did not start: {open(self.log_path).read()}")
            time.sleep(0.02)

    def cpu(self) -> float:
        """CPU seconds of every exchange process that has exited and been reaped so far."""
        f = read_stat(self.proc.pid)
        return (f[15] + f[16]) / TICK

    def children(self) -> list[int]:
        return children_of(self.proc.pid)

    def settle(self, timeout: float = 5.0) -> None:
        """Waits until no exchange process is left (the last one reaped: its CPU counted)."""
        deadline = time.monotonic() + timeout
        while self.children() and time.monotonic() < deadline:
            time.sleep(0.005)

    def log_size(self) -> int:
        self.logf.flush()
        return os.path.getsize(self.log_path)

    def log_records(self, start: int) -> list[dict]:
        """The proxy's log lines written since `start`, as {field: value}."""
        with open(self.log_path, "rb") as f:
            f.seek(start)
            text = f.read().decode("utf-8", "replace")
        return [dict(re.findall(r"(\w+)=(\S+)", line)) for line in text.splitlines()
                if line.startswith("o1-proxy:")]


def read_stat(pid: int) -> list:
    """/proc/PID/stat as a list indexed like proc(5)'s field numbers minus one."""
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    rest = data[data.rindex(")") + 2:].split()
    return [pid, None] + [rest[0]] + [int(x) for x in rest[1:]]


def children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        kids = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    if read_stat(int(d))[3] == pid:
                        kids.append(int(d))
                except (OSError, ValueError, IndexError):
                    pass
        return kids


def exe_of(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def processes_running(binary: str) -> list[int]:
    real = os.path.realpath(binary)
    return [pid for pid in map(int, filter(str.isdigit, os.listdir("/proc"))) if exe_of(pid) == real]


def memory_of(pid: int) -> dict | None:
    """RSS, PSS, USS (private clean + dirty), VmHWM in kB and the thread count of a process."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            roll = dict(re.findall(r"^(\w+):\s+(\d+) kB", f.read(), re.M))
        with open(f"/proc/{pid}/status") as f:
            status = dict(re.findall(r"^(\w+):\s+(\d+)", f.read(), re.M))
    except OSError:
        return None
    return {"Rss": int(roll["Rss"]), "Pss": int(roll["Pss"]),
            "Uss": int(roll["Private_Clean"]) + int(roll["Private_Dirty"]),
            "VmHWM": int(status.get("VmHWM", 0)), "Threads": int(status.get("Threads", 0))}


def busy_fraction(seconds: float = 1.0) -> float:
    """Share of all CPUs busy over `seconds` while the bench does nothing: other work on the
    machine, which inflates every timing."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # total, idle + iowait
    t0, i0 = sample()
    time.sleep(seconds)
    t1, i1 = sample()
    return round(1 - (i1 - i0) / max(1, t1 - t0), 3)
