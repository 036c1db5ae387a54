"""The container's journal, read per exchange: the client's port names an exchange both in the
proxy's entry (O1_PEER=127.0.0.1:PORT) and in its instance's unit (o1-proxy@N-...-127.0.0.1:PORT),
so a check finds its own entries whatever else is in the journal. (Reading after a cursor taken
before the exchanges missed the first of them in most runs under load.) A port names one
exchange only for a while: the kernel hands a client port out again, sometimes within seconds
(seen in the HTTPS load check), so a check that counts entries per port reads those since it
began (--since @SECONDS)."""

from __future__ import annotations

import json
import time
from typing import Callable

from .container import Container


def entries(ct: Container, *matches: str) -> list[dict]:
    """Entries (all fields) matching journalctl's matches."""
    ct.run("journalctl", "--sync")
    r = ct.run("journalctl", "--no-pager", "-o", "json", *matches, timeout=60)
    return [json.loads(line) for line in r.stdout.split("\n") if line.startswith("{")]


def wait_for(ct: Container, enough: Callable[[list[dict]], bool], *matches: str,
             seconds: float = 15) -> list[dict]:
    """Entries as entries() gives them, once `enough` says they are all there (a datagram to
    journald can still be queued when its sender has exited), or whatever is there by then."""
    deadline = time.monotonic() + seconds
    while True:
        found = entries(ct, *matches)
        if enough(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def of_exchanges(ct: Container, ports: list[int], *matches: str,
                 seconds: float = 15) -> dict[int, list[dict]]:
    """Everything the proxy logged for the exchanges made from these client ports (selected by
    SYSLOG_IDENTIFIER: an entry whose instance had exited before journald read it carries no
    _SYSTEMD_UNIT, so `journalctl -u` misses it), once each has its structured entry or
    `seconds` have passed. matches: more of journalctl's (--since ...)."""
    def by_port(found: list[dict]) -> dict[int, list[dict]]:
        return {p: [e for e in found if e.get("O1_PEER") == f"127.0.0.1:{p}"] for p in ports}

    def complete(found: list[dict]) -> bool:
        return all(any(e.get("_TRANSPORT") == "journal" for e in es)
                   for es in by_port(found).values())

    return by_port(wait_for(ct, complete, "-t", "o1-proxy", *matches, seconds=seconds))


def about_unit_of(ct: Container, port: int, enough: Callable[[list[dict]], bool]) -> list[dict]:
    """What systemd (PID 1) logged about the instance that served client port `port`."""
    def ours(found: list[dict]) -> list[dict]:
        return [e for e in found if str(e.get("UNIT", "")).endswith(f"-127.0.0.1:{port}.service")]

    return ours(wait_for(ct, lambda found: enough(ours(found)), "_PID=1"))


def export(ct: Container) -> str:
    """The whole journal, every field of every entry."""
    ct.run("journalctl", "--sync")
    return ct.run("journalctl", "--no-pager", "-o", "export", timeout=60).stdout


# What PID 1 logs when a unit's main process ends badly ("Main process exited, code=killed,
# status=6/ABRT": EXIT_CODE=, EXIT_STATUS=) and when a unit fails ("Failed with result
# 'signal'": UNIT_RESULT=); systemd's catalog ids, the same in 252 and 257.
PROCESS_EXITED = "98e322203f7a4ed290d09fe03c09fe15"
UNIT_FAILED = "d9b373ed55a64feb8242e02dbe79a49c"


def abnormal_ends(ct: Container, since: float, template: str = "o1-proxy") -> list[str]:
    """Every sign, since `since` (seconds since the epoch: the container's clock is this
    machine's), that an instance of template@ ended abnormally: PID 1's entries about a main
    process that did not exit 0 or a unit that failed, the lines o1-proxy-failed@ writes at
    priority err (OnFailure=) and its units being started, any other line at err under the
    template's identifier but the exchanges' own entries. Empty when every instance ended
    well."""
    after = f"@{since:.6f}"
    signs = []
    for e in entries(ct, "--since", after, "_PID=1"):
        unit = str(e.get("UNIT", ""))
        ours = unit.startswith(f"{template}@") or unit.startswith(f"{template}-failed@")
        clean_exit = e.get("EXIT_CODE") == "exited" and e.get("EXIT_STATUS") == "0"
        if ours and (e.get("MESSAGE_ID") == UNIT_FAILED or unit.startswith(f"{template}-failed@")
                     or (e.get("MESSAGE_ID") == PROCESS_EXITED and not clean_exit)):
            signs.append(f"systemd: {e.get('MESSAGE')}")
    for e in entries(ct, "--since", after, "-p", "err", "-t", template):
        if "O1_STATUS" not in e:      # not an exchange's own entry (a 5xx is logged at err)
            signs.append(f"{template} (priority {e.get('PRIORITY')}): {e.get('MESSAGE')}")
    return signs
