"""scripts/bench-systemd's numbers: samples in, statistics, verdicts and tables out (no I/O)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


def quantile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


@dataclass(frozen=True)
class Cost:
    """One variant's cost per exchange at one host mount count."""
    exchanges: int
    failed: int
    p50_ms: float           # latency: connect to the proxy's close, as the client sees it
    p90_ms: float
    unit_cpu_ms: float      # p50 of the variant's cgroup: systemd's forked child, then the proxy
    pid1_cpu_ms: float      # p50 of PID 1: creating, tracking and collecting the unit

    @property
    def cpu_ms(self) -> float:
        return self.unit_cpu_ms + self.pid1_cpu_ms


def cost(samples: list[dict]) -> Cost:
    return Cost(exchanges=len(samples), failed=sum(not s["ok"] for s in samples),
                p50_ms=quantile([s["ms"] for s in samples], 0.5),
                p90_ms=quantile([s["ms"] for s in samples], 0.9),
                unit_cpu_ms=quantile([s["cpu_ms"] for s in samples], 0.5),
                pid1_cpu_ms=quantile([s["pid1_ms"] for s in samples], 0.5))


@dataclass(frozen=True)
class Variant:
    name: str
    at_base: Cost           # with the container's own mounts
    at_more: Cost           # with `extra_mounts` more
    extra_mounts: int
    rate: float | None      # exchanges per second, many clients at once (None: not measured)

    @property
    def ms_per_mount(self) -> float:
        """What each host mount adds to an exchange's CPU (its unit and PID 1)."""
        return (self.at_more.cpu_ms - self.at_base.cpu_ms) / self.extra_mounts


@dataclass(frozen=True)
class Verdict:
    claim: str
    value: str
    ok: bool


# The targets of issue 13, measured against the bare unit (one unit per connection, no
# sandbox): the installed units at most 1.3x per exchange, and no growth with the host's
# mounts beyond what the bare unit shows (within 0.02 ms per mount, this benchmark's noise).
MAX_RATIO = 1.3
MAX_EXTRA_MS_PER_MOUNT = 0.02


def verdicts(variants: dict[str, Variant], installed: str = "installed",
             bare: str = "bare") -> list[Verdict]:
    i, b = variants[installed], variants[bare]
    latency = i.at_base.p50_ms / b.at_base.p50_ms
    cpu = i.at_base.cpu_ms / b.at_base.cpu_ms
    growth = i.ms_per_mount - b.ms_per_mount
    failed = sum(v.at_base.failed + v.at_more.failed for v in variants.values())
    return [
        Verdict(f"installed / bare, p50 latency per exchange <= {MAX_RATIO}",
                f"{latency:.2f}x", latency <= MAX_RATIO),
        Verdict(f"installed / bare, CPU per exchange (unit + PID 1) <= {MAX_RATIO}",
                f"{cpu:.2f}x", cpu <= MAX_RATIO),
        Verdict(f"installed grows with the host's mounts no more than bare "
                f"(+{MAX_EXTRA_MS_PER_MOUNT} ms/mount)",
                f"{growth:+.3f} ms/mount", growth <= MAX_EXTRA_MS_PER_MOUNT),
        Verdict("every exchange answered 200", f"{failed} failed", failed == 0),
    ]


def table(variants: dict[str, Variant], bare: str = "bare") -> list[str]:
    b = variants[bare].at_base
    extra = next(iter(variants.values())).extra_mounts
    rows = [f"{'variant':<18} {'p50 ms':>7} {'p90 ms':>7} {'unit CPU':>9} {'PID 1':>6} "
            f"{'CPU ms':>7} {'p50/bare':>9} {'CPU/bare':>9} {'ms/mount':>9} {'+' + str(extra) + ' mounts':>11} "
            f"{'conn/s':>7}"]
    for v in variants.values():
        c = v.at_base
        rows.append(f"{v.name:<18} {c.p50_ms:7.1f} {c.p90_ms:7.1f} {c.unit_cpu_ms:9.1f} "
                    f"{c.pid1_cpu_ms:6.1f} {c.cpu_ms:7.1f} {c.p50_ms / b.p50_ms:8.2f}x "
                    f"{c.cpu_ms / b.cpu_ms:8.2f}x {v.ms_per_mount:9.3f} "
                    f"{v.at_more.cpu_ms:8.1f} ms {'' if v.rate is None else f'{v.rate:7.0f}'}")
    return rows


def as_json(variants: dict[str, Variant], checks: list[Verdict], context: dict) -> dict:
    return {"context": context,
            "variants": {n: {**asdict(v), "ms_per_mount": v.ms_per_mount}
                         for n, v in variants.items()},
            "verdicts": [asdict(c) for c in checks]}
