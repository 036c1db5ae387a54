"""Runs inside the benchmark container: exchanges against each variant, with their cost.

Usage: python3 systemd_client.py < config.json > samples.json

config: {"variants": [{"name", "port", "cgroup", "idle_procs"}], "rounds": N, "body": str}
  or    {"rate": {"port", "concurrency", "seconds"}, "body": str}

Sequential mode: each round runs one exchange per variant, in an order shuffled per round
(seeded by the round number: the same order on every run), one new connection each. An
exchange is measured from connect() to the proxy's close, then the client waits until the
variant's cgroup is back to its idle processes and PID 1 has gone quiet, so no teardown
overlaps the next exchange and PID 1's work for this one is counted for it. CPU is the
variant's cgroup `cpu.stat` (systemd's forked child setting up the sandbox, then the proxy) and
PID 1's (`init.scope`): creating, tracking and collecting the unit.

Rate mode: `concurrency` clients exchange back to back for `seconds`: how many connections a
second one unit per connection sustains.
"""

from __future__ import annotations

import json
import random
import socket
import sys
import threading
import time
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")


def usage_usec(cgroup: str) -> int:
    for line in (CGROUP / cgroup / "cpu.stat").read_text().splitlines():
        key, value = line.split()
        if key == "usage_usec":
            return int(value)
    raise RuntimeError(f"no usage_usec in {cgroup}/cpu.stat")


def busy(cgroup: str, idle_procs: int) -> bool:
    """Whether cgroup holds more than its idle processes: a unit instance's slice is empty
    when idle (`populated 0` covers every cgroup below it), the socket activator's service
    holds just the listener."""
    if idle_procs == 0:
        return "populated 1" in (CGROUP / cgroup / "cgroup.events").read_text()
    return len((CGROUP / cgroup / "cgroup.procs").read_text().split()) > idle_procs


def exchange(port: int, request: bytes) -> tuple[float, bytes]:
    t = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(request)
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    return time.perf_counter() - t, b"".join(chunks)


def wait_quiet(cgroup: str, idle_procs: int) -> None:
    deadline = time.monotonic() + 10
    while busy(cgroup, idle_procs):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{cgroup}: instance still running after 10 s")
        time.sleep(0.001)
    # PID 1 collects the unit (cgroup, credentials mount) after its last process is gone.
    last = usage_usec("init.scope")
    while True:
        time.sleep(0.02)
        now = usage_usec("init.scope")
        if now == last:
            return
        last = now


def sequential(config: dict) -> dict:
    request = http_request(config["body"])
    variants = config["variants"]
    samples: dict[str, list[dict]] = {v["name"]: [] for v in variants}
    for v in variants:                          # one unmeasured exchange each: page cache, slices
        exchange(v["port"], request)
        wait_quiet(v["cgroup"], v["idle_procs"])
    for r in range(config["rounds"]):
        order = list(variants)
        random.Random(r).shuffle(order)
        for v in order:
            cpu0, pid1_0 = usage_usec(v["cgroup"]), usage_usec("init.scope")
            seconds, response = exchange(v["port"], request)
            wait_quiet(v["cgroup"], v["idle_procs"])
            ok = response.startswith(b"HTTP/1.1 200")
            samples[v["name"]].append({
                "ms": seconds * 1000, "ok": ok,
                "cpu_ms": (usage_usec(v["cgroup"]) - cpu0) / 1000,
                "pid1_ms": (usage_usec("init.scope") - pid1_0) / 1000})
            if not ok:
                samples[v["name"]][-1]["response"] = response[:300].decode("latin-1")
    return {"samples": samples}


def rate(config: dict) -> dict:
    request = http_request(config["body"])
    port, seconds = config["rate"]["port"], config["rate"]["seconds"]
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def client():
        while time.monotonic() < end:
            try:
                ok = exchange(port, request)[1].startswith(b"HTTP/1.1 200")
            except OSError:
                ok = False
            with lock:
                counts["ok" if ok else "failed"] += 1

    threads = [threading.Thread(target=client) for _ in range(config["rate"]["concurrency"])]
    t = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return {"ok": counts["ok"], "failed": counts["failed"], "seconds": time.monotonic() - t}


def http_request(body: str) -> bytes:
    data = body.encode()
    return (b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nConnection: close\r\n"
            + f"Content-Length: {len(data)}\r\n\r\n".encode() + data)


if __name__ == "__main__":
    cfg = json.load(sys.stdin)
    json.dump(rate(cfg) if "rate" in cfg else sequential(cfg), sys.stdout)
