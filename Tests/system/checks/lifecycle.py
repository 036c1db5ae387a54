"""The units' life: cut off when hung, unbothered by a burst."""

from __future__ import annotations

import json
import time

from systest import http, journal, units

from . import Context, Verdict


def runtime_max(ctx: Context) -> Verdict:
    """RuntimeMaxSec= ends a hung instance (shortened here to 2 s from the unit's 3660): the
    proxy answers 503 to systemd's SIGTERM, and no failed unit is left behind (CollectMode=)."""
    ct = ctx.ct
    shown = ct.run("systemctl", "show", "o1-proxy@x.service", "-p", "RuntimeMaxUSec",
                   "--value").stdout.strip()
    with ct.file("/run/systemd/system/o1-proxy@.service.d/50-systest.conf",
                 "[Service]\nRuntimeMaxSec=2\n", reload=True):
        t = time.monotonic()
        r = http.chat(ct, "fault-silent", "never answered", timeout=15)
        took = time.monotonic() - t
    left_units, pids = units.wait_idle(ct, 10)

    def limit_hit(entries: list[dict]) -> list[dict]:
        return [e for e in entries if "runtime time limit" in str(e.get("MESSAGE", ""))]

    hit = limit_hit(journal.about_unit_of(ct, r.client_port, lambda es: bool(limit_hit(es))))
    v = Verdict(detail=f"cut after {took:.1f}s")
    v.expect(shown == "1h 1min", f"the unit's RuntimeMaxUSec is {shown!r}, want 1h 1min")
    v.expect(r.status == 503 and took < 10, f"status {r.status} after {took:.1f}s")
    v.expect(not left_units and not pids, f"left: units={left_units} pids={pids}")
    v.expect(bool(hit), "no 'runtime time limit' message from systemd")
    return v


def taken(ct) -> int:
    """Connections the socket has taken from its backlog so far: started an instance for, or
    closed at once beyond MaxConnections=."""
    shown = ct.run("systemctl", "show", "o1-proxy.socket", "-p", "NAccepted,NRefused").stdout
    return sum(int(v) for _, _, v in (line.partition("=") for line in shown.split()) if v.isdigit())


def burst(ctx: Context) -> Verdict:
    """400 connects at once, beyond MaxConnections=: the socket stays up (no trigger limit).
    systemd 255 and later also limit how often a socket is polled (PollLimitBurst=150 per
    PollLimitIntervalSec=2s): the rest of a burst waits in the backlog for the next interval, so
    the burst is over once the socket has taken all 400, not when no instance is left."""
    ct = ctx.ct
    before = taken(ct)
    r = ct.run("python3", "-c", (
        "import socket\n"
        f"s = [socket.create_connection(('127.0.0.1', {http.PORT})) for _ in range(400)]\n"
        "[x.close() for x in s]\n"), timeout=60)
    active = ct.run("systemctl", "is-active", "o1-proxy.socket").stdout.strip()
    t = time.monotonic()
    while taken(ct) - before < 400 and time.monotonic() - t < 90:
        time.sleep(0.1)
    left_units, _ = units.wait_idle(ct, 90)     # 64 sandboxes at once: seconds on 2 vCPUs
    drained = time.monotonic() - t
    got = http.chat(ct, "o1-mini", "after the burst").answer()
    v = Verdict(detail=f"drained in {drained:.1f}s")
    v.expect(r.returncode == 0, f"burst: exit {r.returncode} {r.stderr[-200:]}")
    v.expect(active == "active", f"socket {active}")
    v.expect(not left_units, f"{len(left_units)} units left")
    v.expect(got == "echo: after the burst", f"then {got!r}")
    return v


def crash_visible(ctx: Context) -> Verdict:
    """An instance made to abort (SIGABRT, what Debian 13's libcurl teardown did, issue 18)
    while its exchange is in flight: PID 1 logs it as killed, o1-proxy-failed@ (OnFailure=)
    says so at priority err naming the unit, so `journalctl -p err` shows it; and nothing is
    left loaded, neither the instance nor its o1-proxy-failed@ (CollectMode=)."""
    ct = ctx.ct
    since = time.time()
    with units.held(ct) as [instance]:
        ct.check("sh", "-c", f"kill -ABRT {instance.pid}")    # the shell's: no kill(1) here
        t = time.monotonic()
        while ct.read(f"/proc/{instance.pid}/comm") is not None and time.monotonic() - t < 30:
            time.sleep(0.1)

    def said(entries: list[dict]) -> list[dict]:
        return [e for e in entries if instance.unit in str(e.get("MESSAGE", ""))]

    lines = said(journal.wait_for(ct, lambda es: bool(said(es)), "--since", f"@{since:.6f}",
                                  "-p", "err", "-t", "o1-proxy", seconds=30))
    killed = [e for e in journal.entries(ct, "--since", f"@{since:.6f}", "_PID=1",
                                         f"UNIT={instance.unit}")
              if e.get("MESSAGE_ID") == journal.PROCESS_EXITED]
    shown = ct.run("journalctl", "--no-pager", "-p", "err", "-o", "cat", "--since",
                   f"@{since:.6f}").stdout
    left = units.instances(ct) + units.instances(ct, "o1-proxy-failed")
    t = time.monotonic()
    while left and time.monotonic() - t < 30:
        time.sleep(0.2)
        left = units.instances(ct) + units.instances(ct, "o1-proxy-failed")
    abnormal = journal.abnormal_ends(ct, since)
    v = Verdict(detail=f"{instance.unit}: {lines[0].get('MESSAGE', '')[:160]!r}" if lines else "")
    v.expect(len(lines) == 1 and "ended abnormally" in lines[0].get("MESSAGE", "")
             and "ABRT" in lines[0].get("MESSAGE", "") and lines[0].get("PRIORITY") == "3",
             f"o1-proxy at priority err about {instance.unit}: "
             f"{[(e.get('PRIORITY'), e.get('MESSAGE')) for e in lines]}")
    v.expect(any(e.get("EXIT_CODE") == "killed" and e.get("EXIT_STATUS") == "6" for e in killed),
             f"PID 1 on {instance.unit}: {[e.get('MESSAGE') for e in killed]}")
    v.expect(instance.unit in shown, f"journalctl -p err does not name {instance.unit}: "
             f"{shown[-400:]!r}")
    v.expect(bool(abnormal), "journal.abnormal_ends found nothing: the load check could not see "
             "a crash either")
    v.expect(not left, f"still loaded: {left}")
    # The report reads PID 1's entries: the held exchange wrote none, so it is a failed exchange
    # of its own, with systemd's reason.
    # From the check's own start to the microsecond: a whole second back could take in the
    # instance runtime-max cut just before (a crash of its own, "timeout").
    report = ct.run(ctx.installed.binary, "usage", "--json", f"--since=@{since:.6f}")
    try:
        total = json.loads(report.stdout)["total"]
    except (ValueError, KeyError):
        total = {}
    v.expect(total.get("errors", {}).get("crashed") == 1 and total.get("crashes") == {"signal: killed 6": 1},
             f"o1-proxy usage --json: exit {report.returncode}, total {total} {report.stderr[-200:]}")
    return v
