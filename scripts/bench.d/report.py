"""How scripts/bench prints each measurement: one function per table, results in, text out.
Nothing here computes a verdict (targets.py) or measures (measurements.py)."""

from __future__ import annotations

from binaries import FLAVOURS


def table(title: str, header: list[str], rows: list[list]) -> str:
    cells = [[str("" if c is None else c) for c in r] for r in [header] + rows]
    w = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [f"\n## {title}"]
    for j, r in enumerate(cells):
        lines.append("  ".join(c.rjust(w[i]) if i else c.ljust(w[i]) for i, c in enumerate(r)))
        if j == 0:
            lines.append("  ".join("-" * x for x in w))
    return "\n".join(lines)


def startup(r: dict) -> str:
    return table("Start-up, bare spawn (stdin /dev/null)", ["binary", "wall p50 ms", "CPU ms", "max RSS MB"],
                 [[k, v["wall_p50_ms"], v["cpu_mean_ms"], round(v["maxrss_kb"] / 1024, 1)] for k, v in r.items()])


def exchanges(title: str):
    """The report of any `load_patterns.sequential` result: latency added to "direct" (when it
    is one of the targets), CPU per exchange, and the durations the proxy logged."""
    def show(r: dict) -> str:
        direct = r.get("direct")
        rows = []
        for k, v in r.items():
            added50 = round(v["p50_ms"] - direct["p50_ms"], 2) if direct and k != "direct" else None
            added99 = round(v["p99_ms"] - direct["p99_ms"], 2) if direct and k != "direct" else None
            rows.append([k, v["n"], v["errors"], v["p50_ms"], v["p99_ms"], added50, added99, v["cpu_per_exchange_ms"],
                         v.get("logged_duration_ms_mean"), v.get("logged_upstream_ms_mean")])
        return table(title, ["target", "n", "err", "p50 ms", "p99 ms", "added p50", "added p99", "CPU ms/exch",
                             "in-proc ms", "upstream ms"], rows)
    return show


def throughput(r: dict) -> str:
    return table(f"Throughput at concurrency {next(iter(r.values()))['concurrency']}",
                 ["target", "n", "errors", "exch/s", "p50 ms", "p99 ms", "CPU ms/exch"],
                 [[k, v["n"], v["errors"], v["exchanges_per_s"], v["p50_ms"], v["p99_ms"], v["cpu_per_exchange_ms"]]
                  for k, v in r.items()])


def memory(r: dict) -> str:
    return table(f"Memory per process, {next(iter(r.values()))['in_flight_target']} exchanges in flight (MB)",
                 ["target", "procs", "RSS mean", "PSS mean", "USS mean", "USS max", "VmHWM max", "USS sum",
                  "threads", "s to all", "200s"],
                 [[k, v["processes_sampled"], v["rss"]["mean_mb"], v["pss"]["mean_mb"], v["uss"]["mean_mb"],
                   v["uss"]["max_mb"], v["vmhwm"]["max_mb"], v["uss"]["sum_mb"], v["threads_mean"],
                   v["seconds_to_all_in_flight"], v.get("answered_200", "")]
                  for k, v in r.items() if v["rss"]])


def ttfb(r: dict) -> str:
    return table("Faked stream (o1-mini stream:true): time to first byte / first event / last byte",
                 ["target", "n", "TTFB p50 ms", "first event p50", "total p50", "CPU ms/exch"],
                 [[k, v["n"], v.get("ttfb_p50_ms"), v.get("first_event_p50_ms"), v["p50_ms"], v["cpu_per_exchange_ms"]]
                  for k, v in r.items()])


def relay(r: dict) -> str:
    rows = []
    for mode, per in r.items():
        for k, row in per.items():
            top = row[max(row, key=int)]
            rows.append([mode, k] + [row[s]["p50_ms"] for s in sorted(row, key=int)]
                        + [top["ratio_10mb_1mb"], top["marginal_ratio"], top["mb_per_s"], top["cpu_per_exchange_ms"],
                           sum(v["errors"] for v in row.values())])
    return (table("Relay time by answer size (p50 ms, whole exchange)",
                  ["mode", "target", "1 KB", "100 KB", "1 MB", "10 MB", "10MB/1MB", "marginal*", "MB/s*",
                   "CPU ms@10MB", "err"], rows)
            + "\n* from the best run of each size: marginal = (t10MB - t1KB) / (t1MB - t1KB), ~10 when linear;"
              " MB/s = 9 MB / (t10MB - t1MB)")


def delta_delay(r: dict) -> str:
    return table("Streamed delta, upstream write to client read (ms): relayed and translated",
                 ["mode", "target", "n", "p50", "p99", "max"],
                 [[mode, k, v["n"], v["p50_ms"], v["p99_ms"], v["max_ms"]] for mode, per in r.items() for k, v in per.items()])


def tls(r: dict) -> str:
    if not r:
        return "\n## HTTPS upstream: skipped (needs root for unshare -m; or --no-tls)"
    x, rows = r["exchanges"], []
    for f in FLAVOURS:
        http = x[f"http-{f}"]
        for kind in ("http", "https-full", "https-trimmed", "https-package"):
            v = x[f"{kind}-{f}"]
            rows.append([f"{kind}-{f}", v["n"], v["errors"], v["p50_ms"], v["p99_ms"],
                         round(v["p50_ms"] - http["p50_ms"], 2), v["cpu_per_exchange_ms"],
                         round(v["cpu_per_exchange_ms"] - http["cpu_per_exchange_ms"], 2)])
    return table(f"HTTPS upstream; trust store: full = bundle of {r['full_bundle_certs']} certs, trimmed = bundle of "
                 "the 1 CA needed, package = the package's default (the system's hashed directory, CApath, + the "
                 f"1-root bundle its ca-certificates hook writes); outside the namespace the proxy answers "
                 f"{r['outside_namespace_status']}",
                 ["target", "n", "err", "p50 ms", "p99 ms", "vs HTTP ms", "CPU ms/exch", "CPU vs HTTP"], rows)


def idle(r: dict) -> str:
    return (f"\n## Idle\no1-proxy processes left after the load: {r['o1_proxy_processes']}; children left per "
            f"target: {sum(r['children_left'].values())}")


def ratios(rows: list[list]) -> str:
    return table("Ratios", ["ratio", "value"], rows)


def verdicts(rows: list[dict]) -> str:
    def word(ok):
        return "n/a" if ok is None else ("PASS" if ok else "FAIL")
    return table("Targets", ["verdict", "target", "value"], [[word(v["pass"]), v["target"], v["value"]] for v in rows])


def machine(meta: dict) -> str:
    before, after = meta["other_cpu_busy_before"], meta["other_cpu_busy_after"]
    out = (f"\nwhole run: {meta['duration_s']} s; CPU busy with other work while the bench was idle: "
           f"{before:.0%} before, {after:.0%} after")
    if max(before, after) > 0.15:
        out += "\nWARNING: the machine was busy with other work; timings are inflated and noisy."
    return out


def reasoning_store(r: dict) -> str:
    """The tool turn with and without the store, its memory in flight, its growth."""
    latency = exchanges(f"A bridged tool turn (gpt-5.4) with 10,000 conversations kept "
                        f"({round(r['store_bytes'] / 2**20, 1)} MB in 256 files) next to stateless")(r["latency"])
    m = r["memory"]
    memory = table("The same turns in flight (kept), per process", ["in flight", "sampled", "USS mean MB", "USS max MB",
                                                                    "answered 200"],
                   [[m["in_flight_target"], m["processes_sampled"], (m["uss"] or {}).get("mean_mb"),
                     (m["uss"] or {}).get("max_mb"), m["answered_200"]]])
    growth = table("A tool turn as the conversation grows (kept)", ["earlier calls", "p50 ms", "CPU ms"],
                   [[calls, v["p50_ms"], v["cpu_per_exchange_ms"]] for calls, v in r["growth"].items()])
    return "\n".join([latency, memory, growth])
