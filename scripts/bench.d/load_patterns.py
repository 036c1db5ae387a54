"""The ways scripts/bench loads a target (the upstream itself, or a binary under socket
activation), each returning plain numbers: sequential exchanges, exchanges at a concurrency,
exchanges held in flight while their memory is sampled, answers of growing size, and bare
process spawns. A target has `port`, `cpu()`, `settle()`, `log_size()` and `log_records()`
(processes.Direct, processes.Activated)."""

from __future__ import annotations

import concurrent.futures as cf
import os
import socket
import statistics
import threading
import time

from client import exchange, ms, pct, status_of
from processes import exe_of, memory_of


def spawns(argv: list[str], n: int) -> dict:
    """fork+exec+exit of argv with stdin and stdout /dev/null, n times after 3 for warm-up:
    wall time and CPU (wait4), like hyperfine."""
    walls, cpus, rss = [], [], []
    fa = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0), (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    for i in range(n + 3):
        t0 = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=fa)
        _, status, ru = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        if i >= 3:
            walls.append(wall)
            cpus.append(ru.ru_utime + ru.ru_stime)
            rss.append(ru.ru_maxrss)
    return {"n": n, "wall_p50_ms": ms(pct(walls, 50)), "wall_mean_ms": ms(statistics.mean(walls)),
            "cpu_mean_ms": ms(statistics.mean(cpus)), "maxrss_kb": max(rss)}


def sequential(targets: dict, req_for, n: int, rounds: int) -> dict:
    """n sequential exchanges per target, a new connection each, interleaved in `rounds` blocks
    to spread drift: p50/p99, CPU per exchange, and the durations the proxy logged."""
    res = {name: {"times": [], "ttfb": [], "first_event": [], "errors": 0, "cpu": 0.0, "logs": []} for name in targets}
    for t in targets.values():  # warm-up (page cache, first connection)
        for _ in range(3):
            exchange(t.port, req_for(t))
    per = max(1, n // rounds)
    for _ in range(rounds):
        for name, t in targets.items():
            r = res[name]
            req = req_for(t)
            c0, l0 = t.cpu(), t.log_size()
            for _ in range(per):
                e = exchange(t.port, req)
                if e["ok"]:
                    r["times"].append(e["total"])
                    if e["ttfb"] is not None:
                        r["ttfb"].append(e["ttfb"])
                    if e["first_event"] is not None:
                        r["first_event"].append(e["first_event"])
                else:
                    r["errors"] += 1
            t.settle()
            r["cpu"] += t.cpu() - c0
            r["logs"] += t.log_records(l0)
    out = {}
    for name, r in res.items():
        n_ok = len(r["times"])
        o = {"n": n_ok, "errors": r["errors"], "p50_ms": ms(pct(r["times"], 50)), "p99_ms": ms(pct(r["times"], 99)),
             "mean_ms": ms(statistics.mean(r["times"])) if r["times"] else None,
             "cpu_per_exchange_ms": round(r["cpu"] * 1000 / max(1, n_ok + r["errors"]), 3)}
        if r["ttfb"]:
            o["ttfb_p50_ms"] = ms(pct(r["ttfb"], 50))
        if r["first_event"]:
            o["first_event_p50_ms"] = ms(pct(r["first_event"], 50))
        d = [float(x["duration_ms"]) for x in r["logs"] if "duration_ms" in x]
        u = [float(x["upstream_ms"]) for x in r["logs"] if "upstream_ms" in x]
        if d:
            o["logged_duration_ms_mean"] = round(statistics.mean(d), 2)
            o["logged_upstream_ms_mean"] = round(statistics.mean(u), 2) if u else None
        out[name] = o
    return out


def concurrent(t, req: bytes, total: int, conc: int) -> dict:
    """`total` exchanges, `conc` at a time: exchanges/s, latency, CPU, errors."""
    c0 = t.cpu()
    errors, times = [], []
    lock = threading.Lock()

    def one(_):
        e = exchange(t.port, req)
        with lock:
            if e["ok"]:
                times.append(e["total"])
            else:
                errors.append(e.get("error") or e.get("status"))

    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(conc) as ex:
        list(ex.map(one, range(total)))
    wall = time.perf_counter() - t0
    t.settle()
    cpu = t.cpu() - c0
    return {"n": total, "concurrency": conc, "errors": len(errors), "error_samples": [str(x) for x in errors[:3]],
            "exchanges_per_s": round(total / wall, 1), "p50_ms": ms(pct(times, 50)), "p99_ms": ms(pct(times, 99)),
            "cpu_per_exchange_ms": round(cpu * 1000 / total, 3)}


def in_flight(t, req: bytes, n: int, ready, release, timeout: float = 60) -> dict:
    """Opens n exchanges and keeps them in flight until ready(socks) (every process started
    and waiting), samples every child's smaps_rollup and status, then release(socks)."""
    socks, t0 = [], time.monotonic()
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", t.port), timeout=timeout)
        s.sendall(req)
        socks.append(s)
    reached = False
    while time.monotonic() - t0 < timeout:
        if ready(socks):
            reached = True
            break
        time.sleep(0.02)
    time_to_ready = time.monotonic() - t0
    samples = {}
    for _ in range(3):
        for k in t.children():
            m = memory_of(k)
            if m and exe_of(k) == t.binary:
                prev = samples.get(k)
                samples[k] = m if prev is None else {x: max(prev[x], m[x]) for x in m}
        time.sleep(0.05)
    release(socks)
    t.settle(timeout)
    procs = list(samples.values())

    def stat(key):
        xs = [p[key] for p in procs]
        return {"mean_mb": round(statistics.mean(xs) / 1024, 2), "max_mb": round(max(xs) / 1024, 2),
                "sum_mb": round(sum(xs) / 1024, 1)} if xs else None

    return {"in_flight_target": n, "in_flight_reached": reached, "seconds_to_all_in_flight": round(time_to_ready, 2),
            "processes_sampled": len(procs), "rss": stat("Rss"), "pss": stat("Pss"), "uss": stat("Uss"),
            "vmhwm": stat("VmHWM"),
            "threads_mean": round(statistics.mean(p["Threads"] for p in procs), 1) if procs else None}


def all_answered(socks, answered: set) -> bool:
    """True once every socket has its answer (floors in hold mode answer at once, then stay
    until the client closes)."""
    for s in socks:
        if s.fileno() not in answered:
            s.settimeout(0)
            try:
                if b"floor" not in s.recv(4096):
                    return False
            except BlockingIOError:
                return False
            answered.add(s.fileno())
    return True


def close_all(socks) -> None:
    for s in socks:
        s.close()


def read_all(socks) -> list[int]:
    """Reads every socket to EOF: the status of each answer."""
    statuses = []
    for s in socks:
        s.settimeout(60)
        data = b""
        try:
            while chunk := s.recv(65536):
                data += chunk
        except OSError:
            pass
        s.close()
        statuses.append(status_of(data))
    return statuses


def by_size(t, req_for_size, sizes: list[int], reps: dict, stream: bool) -> dict:
    """For each answer size: p50 and best time of the whole exchange, CPU per exchange, and the
    exchanges that came back short (or, streamed, without [DONE])."""
    row = {}
    for size in sizes:
        req = req_for_size(size)
        exchange(t.port, req)  # warm-up (and the fake's answer cache)
        t.settle()
        c0 = t.cpu()
        times, bad = [], 0
        for _ in range(reps[size]):
            e = exchange(t.port, req)
            ok = e["ok"] and e["bytes"] >= size and (not stream or b"data: [DONE]" in e["data"][-300:])
            if ok:
                times.append(e["total"])
            else:
                bad += 1
        t.settle()
        cpu = t.cpu() - c0
        row[str(size)] = {"n": len(times), "errors": bad, "p50_ms": ms(pct(times, 50)),
                          "min_ms": ms(min(times)) if times else None,
                          "cpu_per_exchange_ms": round(cpu * 1000 / reps[size], 2)}
    return row
