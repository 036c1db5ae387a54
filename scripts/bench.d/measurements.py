"""What scripts/bench measures, one function each: `name(b: Bench) -> dict`, the dict stored as
results[name] in .build-bench/results.json. To add a measurement, write its function here and
give it a row in MEASUREMENTS (scripts/bench) with a report (report.py; report.exchanges fits
any set of sequential exchanges); a target it must meet is a row in targets.py (`bridged` below
is such a measurement).

A proxy with other settings is `b.activate(name, b.bins["proxy-static"], dict(b.base_env, ...))`;
a command timed on its own (a report over generated journal entries) is `spawns(argv, n)`.

Every timing runs side by side with its reference in the same run: "direct" (the fake upstream
answering without any proxy) and the floors (a URLSession process that answers at once)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import socket
import time
from dataclasses import dataclass

import tls_material
from binaries import FLAVOURS
from client import chat_body, exchange, ms, pct, ratio, request_bytes
from load_patterns import all_answered, by_size, close_all, concurrent, in_flight, read_all, sequential, spawns
from processes import ACTIVATED, Activated, Direct, Upstream, processes_running

MB = 1024 * 1024


@dataclass
class Bench:
    """What every measurement gets: the options, the binaries, the fake upstream and the targets
    that run for the whole bench (each flavour of proxy and floor, under socket activation)."""
    args: argparse.Namespace
    work: str
    bins: dict[str, str]
    upstream: Upstream
    tls: dict | None  # tls_material.make(), None when the HTTPS part is off
    base_env: dict
    direct: Direct
    proxies: dict[str, Activated]  # by flavour
    floors: dict[str, Activated]
    against: Activated | None = None  # --against REV: that commit's static build

    def count(self, quick: int, full: int) -> int:
        return quick if self.args.quick else full

    def activate(self, name: str, binary: str, env: dict | None = None, binds=None) -> Activated:
        """One more target under socket activation (a proxy with other settings, a variant)."""
        return Activated(name, binary, self.base_env if env is None else env, self.work, binds)

    def direct_and_proxies(self) -> dict:
        return {"direct": self.direct, **{f"proxy-{f}": self.proxies[f] for f in FLAVOURS}}


def startup(b: Bench) -> dict:
    """Bare spawn of each binary (stdin /dev/null): the cost of starting at all."""
    n = b.count(30, 100)
    out = {"/bin/true": spawns(["/bin/true"], n)}
    for f in FLAVOURS:
        out[f"floor-{f}"] = spawns([b.bins[f"floor-{f}"]], n)
        out[f"proxy-{f} --version"] = spawns([b.bins[f"proxy-{f}"], "--version"], n)
    return out


def latency(b: Bench) -> dict:
    """Sequential o1-mini exchanges, a new connection each (what Continue does)."""
    body = chat_body("o1-mini")
    targets = {"direct": b.direct, **{f"floor-{f}": b.floors[f] for f in FLAVOURS},
               **{f"proxy-{f}": b.proxies[f] for f in FLAVOURS}}
    if b.against:
        targets["against-static"] = b.against
    return sequential(targets, lambda t: request_bytes(t.port, body), b.args.requests, 4)


def throughput(b: Bench) -> dict:
    """Exchanges per second at a fixed concurrency; every one must succeed."""
    body = chat_body("o1-mini")
    targets = {"direct": b.direct, **{f"floor-{f}": b.floors[f] for f in FLAVOURS},
               **{f"proxy-{f}": b.proxies[f] for f in FLAVOURS}}
    return {name: concurrent(t, request_bytes(t.port, body), b.args.concurrent_requests, b.args.concurrency)
            for name, t in targets.items()}


def memory(b: Bench) -> dict:
    """Memory per process with many exchanges in flight: the proxies wait on the upstream's
    closed gate until all of them have called it; the floors answer and stay until closed."""
    n, out = b.args.in_flight, {}
    for f in FLAVOURS:
        held = b.activate(f"floor-{f}-hold", b.bins[f"floor-{f}"], {"FLOOR_HOLD": "1"})
        out[f"floor-{f}"] = in_flight(held, request_bytes(held.port, chat_body("o1-mini")), n,
                                      lambda socks, seen=set(): all_answered(socks, seen), close_all)
        statuses = []
        b.upstream.control("POST /_bench/gate?close")
        proxy = b.proxies[f]
        out[f"proxy-{f}"] = in_flight(
            proxy, request_bytes(proxy.port, chat_body("o1-mini-gate-60")), n,
            lambda socks: b.upstream.control()["in_flight"] >= n,
            lambda socks: (b.upstream.control("POST /_bench/gate?open"), statuses.extend(read_all(socks))))
        out[f"proxy-{f}"]["answered_200"] = statuses.count(200)
    return out


def ttfb(b: Bench) -> dict:
    """A faked stream (o1-mini, stream:true): first byte, first event, last byte."""
    body = chat_body("o1-mini", stream=True)
    return sequential(b.direct_and_proxies(), lambda t: request_bytes(t.port, body), b.count(20, 50), 2)


def relay(b: Bench) -> dict:
    """Answers of 1 KB to 10 MB, non-stream, relayed stream and faked stream: time must grow no
    faster than the size. Per mode and target: each size's numbers, and from the best runs
    (least disturbed by other load) `marginal` = (t10MB - t1KB) / (t1MB - t1KB), about 10 when
    linear, and `mb_per_s` = 9 MB / (t10MB - t1MB)."""
    sizes = [1024, 100 * 1024, MB, 10 * MB]
    reps = {1024: b.count(5, 15), 100 * 1024: b.count(5, 15), MB: b.count(3, 9), 10 * MB: b.count(3, 5)}
    modes = {"non-stream": ("size-{}", False), "native-stream": ("size-{}", True),
             "faked-stream": ("o1-mini-size-{}", True), "bridged": ("o1-pro-size-{}", False),
             "bridged-stream": ("o1-pro-size-{}", True)}
    out = {}
    for mode, (pattern, stream) in modes.items():
        for name, t in b.direct_and_proxies().items():
            if name == "direct" and mode in ("faked-stream", "bridged", "bridged-stream"):
                continue  # the upstream has no such mode; its reference is non-stream
            row = by_size(t, lambda size: request_bytes(t.port, chat_body(pattern.format(size), stream)),
                          sizes, reps, stream)
            p50 = {s: row[str(s)]["p50_ms"] for s in sizes}
            best = {s: row[str(s)]["min_ms"] for s in sizes}
            s1k, s1m, s10m = 1024, MB, 10 * MB
            grows = None not in (best[s1k], best[s1m], best[s10m])
            row[str(s10m)]["ratio_10mb_1mb"] = ratio(p50[s10m], p50[s1m])
            row[str(s10m)]["marginal_ratio"] = (ratio(best[s10m] - best[s1k], best[s1m] - best[s1k])
                                               if grows and best[s1m] > best[s1k] else None)
            row[str(s10m)]["mb_per_s"] = (round(9 / ((best[s10m] - best[s1m]) / 1000), 1)
                                          if grows and best[s10m] > best[s1m] else None)
            out.setdefault(mode, {})[name] = row
    return out


def bridged(b: Bench) -> dict:
    """A chat request the proxy bridges to /v1/responses (o1-pro, by its built-in rule) next to
    the same request on chat completions (o1-mini), each proxy flavour listening twice so that
    both run interleaved."""
    bodies = {"chat": chat_body("o1-mini"), "bridged": chat_body("o1-pro")}
    targets = {"direct": b.direct}
    for f in FLAVOURS:
        targets[f"chat-proxy-{f}"] = b.proxies[f]
        targets[f"bridged-proxy-{f}"] = b.activate(f"bridged-proxy-{f}", b.bins[f"proxy-{f}"])
    return sequential(targets, lambda t: request_bytes(t.port, bodies["bridged" if t.name.startswith("bridged") else "chat"]),
                      b.args.requests, 4)


def learned_state(b: Bench) -> dict:
    """A plain exchange with a learned-fixes file of 500 models in $STATE_DIRECTORY (none of them
    the one asked for, so the lookup reads every line) next to one without any state."""
    directory = os.path.join(b.work, "state-500")
    os.makedirs(directory, exist_ok=True)
    now = int(time.time())
    with open(os.path.join(directory, "learned.tsv"), "w") as f:
        f.write("o1-proxy learned fixes 1\n")
        for i in range(500):
            f.write(f"o9-model-{i:03d}\t{now}\t{now}\trole:system->user drop:temperature stream:faked\n")
    targets = {"direct": b.direct, "floor-static": b.floors["static"], "proxy-static": b.proxies["static"],
               "proxy-static-500-learned": b.activate("proxy-static-500-learned", b.bins["proxy-static"],
                                                      dict(b.base_env, STATE_DIRECTORY=directory))}
    body = chat_body("o1-mini")
    return sequential(targets, lambda t: request_bytes(t.port, body), b.args.requests, 4)


def tool_turn_body(model: str, calls: int) -> bytes:
    """An agent loop's tool turn: tools, and `calls` earlier turns of a call and its result."""
    messages = [{"role": "system", "content": "You are an agent."}, {"role": "user", "content": "Fix the build."}]
    for i in range(calls):
        messages += [{"role": "assistant", "content": None, "tool_calls": [{"id": f"call_{i}", "type": "function",
                      "function": {"name": "run", "arguments": json.dumps({"command": f"make step-{i}"})}}]},
                     {"role": "tool", "tool_call_id": f"call_{i}", "content": f"step {i} done, 0 errors"}]
    return json.dumps({"model": model, "messages": messages, "tools": [{"type": "function", "function": {
        "name": "run", "parameters": {"type": "object", "properties": {"command": {"type": "string"}}}}}]}).encode()


def fill_reasoning_store(directory: str, conversations: int) -> int:
    """A state directory whose reasoning store holds `conversations` kept turns, spread over its
    files as conversations spread (KeptReasoningFile's format), each turn one reasoning item of
    the size a tool turn's is. Returns the bytes written."""
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        os.remove(os.path.join(directory, name))
    expires = int(time.time()) + 86_400
    files = [[b"o1-proxy kept reasoning 1\n"] for _ in range(256)]
    for i in range(conversations):
        key = hashlib.sha256(b"conversation %d" % i).hexdigest()
        item = json.dumps({"id": f"rs_{i}", "type": "reasoning", "summary": [],
                           "encrypted_content": "gAAAAB" + key * 19}, separators=(",", ":"))
        line = json.dumps({"key": key, "expires": expires, "items": [{"before": f"call:call_{i}", "item": item}]},
                          separators=(",", ":"))
        files[i % 256].append(line.encode() + b"\n")
    written = 0
    for index, lines in enumerate(files):
        with open(os.path.join(directory, "reasoning-%02x.jsonl" % index), "wb") as f:
            written += f.write(b"".join(lines))
    return written


def reasoning_store(b: Bench) -> dict:
    """A reasoning model's tool turn bridged to /v1/responses, with 10,000 conversations' turns
    kept in $STATE_DIRECTORY (the turn's lookup reads its file, its answer's reasoning is
    appended) next to the same turn bridged statelessly; its memory with such turns in flight;
    and its time as the conversation grows from 200 to 1600 earlier tool calls."""
    directory = os.path.join(b.work, "state-10000-conversations")
    size = fill_reasoning_store(directory, 10_000)
    env = dict(b.base_env, STATE_DIRECTORY=directory)
    stateless = b.activate("tool-turn-stateless", b.bins["proxy-static"])
    kept = b.activate("tool-turn-10000-kept", b.bins["proxy-static"], env)
    body = tool_turn_body("gpt-5.4-reasons", 1)
    out = {"store_bytes": size,
           "latency": sequential({"direct": b.direct, "stateless": stateless, "kept": kept},
                                 lambda t: request_bytes(t.port, body), b.args.requests, 4)}
    statuses: list = []
    b.upstream.control("POST /_bench/gate?close")
    n = b.args.in_flight
    out["memory"] = in_flight(
        kept, request_bytes(kept.port, tool_turn_body("gpt-5.4-reasons-gate-60", 1)), n,
        lambda socks: b.upstream.control()["in_flight"] >= n,
        lambda socks: (b.upstream.control("POST /_bench/gate?open"), statuses.extend(read_all(socks))))
    out["memory"]["answered_200"] = statuses.count(200)
    bodies = {calls: tool_turn_body("gpt-5.4-reasons", calls) for calls in (200, 400, 800, 1600)}
    out["growth"] = {str(calls): sequential({"kept": kept}, lambda t, body=body: request_bytes(t.port, body),
                                            b.count(20, 60), 2)["kept"]
                     for calls, body in bodies.items()}
    return out


def waiting(b: Bench) -> dict:
    """An exchange whose upstream holds its answer a second (as a model thinks) next to one
    answered at once, each proxy flavour listening twice so that both run interleaved: waiting
    must cost no CPU (FoundationNetworking alone spins while it waits; Sources/CCurl)."""
    targets, bodies = {}, {}
    for f in FLAVOURS:
        at_once, thinks = b.proxies[f], b.activate(f"thinks-1s-proxy-{f}", b.bins[f"proxy-{f}"])
        targets[f"at-once-proxy-{f}"], targets[f"thinks-1s-proxy-{f}"] = at_once, thinks
        bodies[at_once.port], bodies[thinks.port] = chat_body("o1-mini"), chat_body("o1-mini-slow-1")
    return sequential(targets, lambda t: request_bytes(t.port, bodies[t.port]),
                      b.count(4, 12), 2)


def delta_delay(b: Bench) -> dict:
    """How long a streamed delta takes from the upstream writing it to the client reading it:
    relayed as it came (chat) and translated (bridged). The upstream writes 20 deltas 50 ms
    apart, each holding the time it was written; the client notes when it read each."""
    models = {"native": "gpt-4o-drip-50", "bridged": "o1-pro-drip-50"}
    out = {}
    for mode, model in models.items():
        for name, t in b.direct_and_proxies().items():
            if name == "direct" and mode == "bridged":
                continue  # the upstream answers chat requests on chat completions
            delays = []
            for _ in range(b.count(3, 10)):
                delays += stamped_delays(t.port, request_bytes(t.port, chat_body(model, stream=True)))
            out.setdefault(mode, {})[name] = {"n": len(delays), "p50_ms": ms(pct(delays, 50)),
                                              "p99_ms": ms(pct(delays, 99)), "max_ms": ms(max(delays, default=None))}
    return out


STAMP = re.compile(rb"t=(\d+\.\d+);")


def stamped_delays(port: int, req: bytes) -> list[float]:
    """The delay of every stamped delta of one streamed exchange: when it was read, less when the
    upstream wrote it (both on this machine's wall clock)."""
    delays, data, seen = [], b"", 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(req)
        while chunk := s.recv(1 << 16):
            now = time.time()
            data += chunk
            for m in STAMP.finditer(data, seen):
                delays.append(now - float(m.group(1)))
                seen = m.end()
    return delays


def tls(b: Bench) -> dict:
    """HTTPS to the upstream, its CA trusted only inside a private mount namespace, with each
    trust store variant (tls_material.make) mounted over the system's, against plain HTTP."""
    if b.tls is None:
        return {}
    env = dict(b.base_env, OPENAI_BASE_URL=f"https://127.0.0.1:{b.upstream.tls_port}/v1")
    body = chat_body("o1-mini")
    outside = b.activate("tls-untrusted-check", b.bins["proxy-static"], env)
    untrusted = exchange(outside.port, request_bytes(outside.port, body))
    targets = {}
    for f in FLAVOURS:
        targets[f"http-{f}"] = b.proxies[f]
        for variant, (binds, more_env) in tls_material.variants(b.tls).items():
            targets[f"https-{variant}-{f}"] = b.activate(f"https-{variant}-{f}", b.bins[f"proxy-{f}"],
                                                         dict(env, **more_env), binds)
    return {"exchanges": sequential(targets, lambda t: request_bytes(t.port, body), b.count(40, 100), 4),
            "full_bundle_certs": b.tls["full_certs"], "trimmed_bundle_certs": 1,
            "package": f"hashed directory (CApath) = system store + bench CA; bundle = the {b.tls['lean_certs']} "
                       "root the package's ca-certificates hook wrote",
            "outside_namespace_status": untrusted.get("status")}


def idle(b: Bench) -> dict:
    """After all the load: no exchange process left anywhere."""
    for a in ACTIVATED:
        a.settle(2)
    return {"children_left": {a.name: len(a.children()) for a in ACTIVATED},
            "o1_proxy_processes": sum(len(processes_running(b.bins[f"proxy-{f}"])) for f in FLAVOURS)}
