"""The ratios scripts/bench prints and the targets it holds o1-proxy to, as tables: a row reads
results (the dict of measurements) and, where the row is per flavour, the flavour ("static" or
"dynamic", put in for {f} in its text). Rows whose measurement did not run are left out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from binaries import FLAVOURS
from client import ratio


@dataclass
class Row:
    text: str
    value: Callable[[dict, str], Any]
    needs: str  # the measurement it reads
    per_flavour: bool = True
    ok: Callable[[Any, dict, str], bool] | None = None  # targets only: does the value pass?


def added(R: dict, target: str, p: str = "p50") -> float:
    """Latency a target adds to the upstream answering directly."""
    return R["latency"][target][f"{p}_ms"] - R["latency"]["direct"][f"{p}_ms"]


def added_over_floor(R: dict, f: str):
    """Latency the proxy adds per exchange over what the floor adds, both socket-activated."""
    return ratio(added(R, f"proxy-{f}"), added(R, f"floor-{f}"))


def tls_gain(R: dict, f: str, better: str, worse: str) -> str:
    x = R["tls"]["exchanges"]
    return (f"{round(x[f'{worse}-{f}']['p50_ms'] - x[f'{better}-{f}']['p50_ms'], 2)} / "
            f"{round(x[f'{worse}-{f}']['cpu_per_exchange_ms'] - x[f'{better}-{f}']['cpu_per_exchange_ms'], 2)}")


def relay_growth(mode: str):
    return lambda R, f: R["relay"][mode][f"proxy-{f}"][str(10 * 1024 * 1024)]["ratio_10mb_1mb"]


def memory_ok(uss_mean, R: dict, f: str) -> bool:
    """USS within 10 MB, and every one of the exchanges held in flight was sampled and answered."""
    m = R["memory"][f"proxy-{f}"]
    return (uss_mean is not None and uss_mean <= 10 and m["processes_sampled"] >= m["in_flight_target"]
            and m["answered_200"] == m["in_flight_target"])


def at_most(limit: float):
    return lambda v, R, f: v is not None and v <= limit


def added_by(R: dict, measurement: str, target: str, reference: str) -> float:
    x = R[measurement]
    return round(x[target]["p50_ms"] - x[reference]["p50_ms"], 2)


def learned_over_floor(R: dict, f: str):
    """Latency a proxy with 500 learned models adds over what the floor adds, both socket-activated."""
    return ratio(added_by(R, "learned_state", "proxy-static-500-learned", "direct"),
                 added_by(R, "learned_state", "floor-static", "direct"))


def store_added(R: dict, f: str) -> float:
    """Latency the store adds to a bridged tool turn (lookup and keep) with 10,000 conversations."""
    x = R["reasoning_store"]["latency"]
    return round(x["kept"]["p50_ms"] - x["stateless"]["p50_ms"], 2)


def store_growth(R: dict, f: str):
    """How a turn's time grows as its conversation doubles: p50 of (1600 - 800) / (800 - 400)
    earlier calls, about 2 when linear (4 when quadratic)."""
    g = {k: v["p50_ms"] for k, v in R["reasoning_store"]["growth"].items()}
    return ratio(g["1600"] - g["800"], g["800"] - g["400"])


def store_memory_ok(uss_mean, R: dict, f: str) -> bool:
    m = R["reasoning_store"]["memory"]
    return (uss_mean is not None and uss_mean <= 10 and m["processes_sampled"] >= m["in_flight_target"]
            and m["answered_200"] == m["in_flight_target"])


def waiting_cpu(R: dict, f: str):
    x = R["waiting"]
    return ratio(x[f"thinks-1s-proxy-{f}"]["cpu_per_exchange_ms"], x[f"at-once-proxy-{f}"]["cpu_per_exchange_ms"])


RATIOS = [
    Row("added latency p50 / floor (floor-{f} under socket-activate, added p50)", added_over_floor, "latency"),
    Row("added latency p50 / floor (floor-{f} bare spawn)",
        lambda R, f: ratio(added(R, f"proxy-{f}"), R["startup"][f"floor-{f}"]["wall_p50_ms"]), "startup"),
    Row("added latency p99 / floor (floor-{f} under socket-activate)",
        lambda R, f: ratio(added(R, f"proxy-{f}", "p99"), added(R, f"floor-{f}")), "latency"),
    Row("added latency p50, this tree / --against REV (static)",
        lambda R, f: ratio(added(R, "proxy-static"), added(R, "against-static")) if "against-static" in R["latency"] else None,
        "latency", per_flavour=False),
    Row("CPU per exchange, this tree / --against REV (static)",
        lambda R, f: ratio(R["latency"]["proxy-static"]["cpu_per_exchange_ms"], R["latency"]["against-static"]["cpu_per_exchange_ms"])
        if "against-static" in R["latency"] else None, "latency", per_flavour=False),
    Row("CPU per exchange proxy-{f} / floor-{f}",
        lambda R, f: ratio(R["latency"][f"proxy-{f}"]["cpu_per_exchange_ms"],
                           R["latency"][f"floor-{f}"]["cpu_per_exchange_ms"]), "latency"),
    Row("throughput proxy-{f} / floor-{f}",
        lambda R, f: ratio(R["throughput"][f"proxy-{f}"]["exchanges_per_s"],
                           R["throughput"][f"floor-{f}"]["exchanges_per_s"]), "throughput"),
    Row("bridged exchange / chat exchange, added p50 (proxy-{f})",
        lambda R, f: ratio(added_by(R, "bridged", f"bridged-proxy-{f}", "direct"),
                           added_by(R, "bridged", f"chat-proxy-{f}", "direct")), "bridged"),
    Row("500 learned models / no state, added p50 (proxy-static)",
        lambda R, f: ratio(added_by(R, "learned_state", "proxy-static-500-learned", "direct"),
                           added_by(R, "learned_state", "proxy-static", "direct")), "learned_state", per_flavour=False),
    Row("CPU per exchange, upstream thinks 1 s / answers at once (proxy-{f})", waiting_cpu, "waiting"),
    Row("streamed delta delay p50 ms, bridged - relayed (proxy-{f})",
        lambda R, f: round(R["delta_delay"]["bridged"][f"proxy-{f}"]["p50_ms"]
                           - R["delta_delay"]["native"][f"proxy-{f}"]["p50_ms"], 2), "delta_delay"),
    Row("TLS cost per exchange proxy-{f}: p50 ms / CPU ms", lambda R, f: tls_gain(R, f, "http", "https-full"), "tls"),
    Row("trimmed trust store saves proxy-{f} vs full: p50 ms / CPU ms",
        lambda R, f: tls_gain(R, f, "https-trimmed", "https-full"), "tls"),
    Row("package default trust store saves proxy-{f} vs full: p50 ms / CPU ms",
        lambda R, f: tls_gain(R, f, "https-package", "https-full"), "tls"),
]

TARGETS = [
    Row("added latency p50 <= 1.3 x start-up floor (proxy-{f}, floor under socket-activate)",
        added_over_floor, "latency", ok=at_most(1.3)),
    Row("private memory (USS) per in-flight exchange <= 10 MB (proxy-{f}, mean)",
        lambda R, f: (R["memory"][f"proxy-{f}"]["uss"] or {}).get("mean_mb"), "memory", ok=memory_ok),
    Row("zero errors under concurrent exchanges (proxy-{f})",
        lambda R, f: R["throughput"][f"proxy-{f}"]["errors"], "throughput", ok=lambda v, R, f: v == 0),
    Row("relay 10 MB <= 10.5 x relay 1 MB, p50 (proxy-{f}, non-stream)",
        relay_growth("non-stream"), "relay", ok=at_most(10.5)),
    Row("relay 10 MB <= 10.5 x relay 1 MB, p50 (proxy-{f}, native-stream)",
        relay_growth("native-stream"), "relay", ok=at_most(10.5)),
    Row("relay 10 MB <= 10.5 x relay 1 MB, p50 (proxy-{f}, faked-stream)",
        relay_growth("faked-stream"), "relay", ok=at_most(10.5)),
    Row("relay 10 MB <= 10.5 x relay 1 MB, p50 (proxy-{f}, bridged)",
        relay_growth("bridged"), "relay", ok=at_most(10.5)),
    Row("relay 10 MB <= 10.5 x relay 1 MB, p50 (proxy-{f}, bridged-stream)",
        relay_growth("bridged-stream"), "relay", ok=at_most(10.5)),
    Row("added latency p50 with 500 learned models <= 1.3 x start-up floor (proxy-static)",
        learned_over_floor, "learned_state", per_flavour=False, ok=at_most(1.3)),
    Row("waiting 1 s for the upstream costs <= 1.5 x the CPU of an answer at once (proxy-{f})",
        waiting_cpu, "waiting", ok=at_most(1.5)),
    Row("kept reasoning (10,000 conversations) adds <= 0.3 ms p50 to a bridged tool turn (proxy-static)",
        store_added, "reasoning_store", per_flavour=False, ok=at_most(0.3)),
    Row("private memory (USS) per in-flight tool turn with the store <= 10 MB (proxy-static, mean)",
        lambda R, f: (R["reasoning_store"]["memory"]["uss"] or {}).get("mean_mb"), "reasoning_store", per_flavour=False,
        ok=store_memory_ok),
    Row("a tool turn's time grows linearly with its conversation: (1600 - 800) / (800 - 400) calls <= 2.5 (proxy-static)",
        store_growth, "reasoning_store", per_flavour=False, ok=at_most(2.5)),
    Row("HTTPS with the package's default trust store <= 5 ms of CPU more than HTTP (proxy-{f})",
        lambda R, f: round(R["tls"]["exchanges"][f"https-package-{f}"]["cpu_per_exchange_ms"]
                           - R["tls"]["exchanges"][f"http-{f}"]["cpu_per_exchange_ms"], 2), "tls", ok=at_most(5)),
    Row("bench CA trusted only inside the private namespace (proxy outside answers 502)",
        lambda R, f: R["tls"]["outside_namespace_status"], "tls", per_flavour=False, ok=lambda v, R, f: v == 502),
    Row("idle: no o1-proxy process left after the load",
        lambda R, f: R["idle"]["o1_proxy_processes"] + sum(R["idle"]["children_left"].values()), "idle",
        per_flavour=False, ok=lambda v, R, f: v == 0),
]


def _applicable(rows: list[Row], R: dict):
    for row in rows:
        if R.get(row.needs):
            for f in (FLAVOURS if row.per_flavour else [""]):
                yield row, f, row.text.format(f=f)


def ratios(R: dict) -> list[list]:
    return [[text, row.value(R, f)] for row, f, text in _applicable(RATIOS, R)]


def verdicts(R: dict) -> list[dict]:
    out = []
    for row, f, text in _applicable(TARGETS, R):
        value = row.value(R, f)
        out.append({"target": text, "value": value, "pass": row.ok(value, R, f)})
    return out
