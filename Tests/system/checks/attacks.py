"""Attacks from inside a live instance: the probe (probe/probe.c) runs as one more instance of
a unit, next to a live one, confines itself exactly as o1-proxy does (Sources/CSandbox), and
tries what a compromised o1-proxy would try. What each unit must let through is a table: for
the installed unit and every candidate, only what the proxy needs and what a unit without a
mount namespace cannot hide; for the unsandboxed control, everything the machine allows at all
(else the probe proves nothing); for the previous unit (no self-confinement), what it let
through."""

from __future__ import annotations

from systest import http, probe, units

from . import Context, Verdict

PROBE_PORT = 4650
VARIANT_PORT = 4651

# What the proxy itself needs: a sandbox that denies these is broken, not strict.
NEEDED = {
    "reach-upstream": "the proxy's job",
    "state-dir": "where it keeps what it learns (StateDirectory=)",
}
# What the installed unit lets through without a mount namespace (each would cost every
# connection one; the unit's comments weigh them): no content, no process, no service.
WITHOUT_MOUNTS = {
    "host-tmp": "a path's existence can be tested (stat): Landlock confines opening, not looking",
    "exec": "a file it wrote in its state directory can be mapped executable (noexec is a mount "
            "option); writable-and-executable memory, memfds and running programs stay denied",
}

SANDBOXED = {**NEEDED, **WITHOUT_MOUNTS}

# The unsandboxed control runs as root: every attack the container permits must work. The
# container itself withholds what no service here could get (no CAP_SYS_MODULE or
# CAP_SYS_TIME, a read-only /proc/sys/kernel), so those are denied even there.
CONTROL = {
    "write": "root can write the host's files",
    "read-secrets": "root reads /root, /home and every credential",
    "see-processes": "one /proc for all",
    "signal-instance": "root may signal anything",
    "ptrace": "root may ptrace anything",
    "sockets": "root opens raw and netlink sockets",
    "reach-upstream": NEEDED["reach-upstream"],
    "link-local": "no IP filter",
    "unix-sockets": "D-Bus and systemd's sockets are there",
    "tunables": "the network namespace's /proc/sys/net is writable",
    "kernel-log": "root reads /proc/kmsg",
    "realtime": "root may take SCHED_FIFO",
    "capability": "it is root",
    "exec": "no W^X, writable and executable /tmp",
    "host-tmp": "the host's /tmp",
}

# The unit shipped before (units/strict@.service), as the probe found it.
PREVIOUS = {
    "write": "/dev/shm, /dev/mqueue (the host's) and /run/lock stayed writable",
    "signal-instance": "same user, no PID namespace before systemd 257",
    "reach-upstream": NEEDED["reach-upstream"],
    "unix-sockets": "D-Bus, systemd's notify and userdb sockets were reachable",
    "exec": "files written to /tmp and memfds could be mapped executable and run",
}


def _judge(results: list[probe.Result], expected: dict[str, str]) -> Verdict:
    v = Verdict()
    seen = {r.attack for r in results}
    v.expect(seen >= set(expected), f"the probe never tried {sorted(set(expected) - seen)}")
    for r in results:
        if r.allowed and r.attack not in expected:
            v.problems.append(f"{r.attack} ({r.what}) worked: {'; '.join(r.allowed[:6])}")
        elif not r.allowed and r.attack in expected:
            v.problems.append(f"{r.attack} ({r.what}) did not work ({r.tried} attempts), "
                              f"expected: {expected[r.attack]}")
    denied = sum(1 for r in results if not r.allowed)
    v.detail = f"{denied} of {len(results)} attacks denied, {sum(r.tried for r in results)} attempts"
    return v


def installed_unit(ctx: Context) -> Verdict:
    text = ctx.ct.check("cat", ctx.installed.service)
    return _judge(probe.attack(ctx.ct, text, "o1-proxy", http.PORT, PROBE_PORT, confine=True), SANDBOXED)


def variant(name: str, expected: dict[str, str], confine: bool):
    """Attacks NAME from Tests/system/units, with a live instance of NAME as the victim;
    `confine`: the probe confines itself as the proxy does (a unit the proxy runs in today)."""
    def check(ctx: Context) -> Verdict:
        ct = ctx.ct
        service = ct.check("cat", ctx.installed.service)
        text = units.variant_text(name, service, ctx.installed.binary)
        template = f"o1v-{name}"
        with units.variant(ct, template, text, VARIANT_PORT):
            return _judge(probe.attack(ct, text, template, VARIANT_PORT, PROBE_PORT, confine), expected)
    return check
