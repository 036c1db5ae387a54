"""The container's journal, read per exchange: the client's port names an exchange both in the
proxy's entry (O1_PEER=127.0.0.1:PORT) and in its instance's unit (o1-proxy@N-...-127.0.0.1:PORT),
so a check finds its own entries whatever else is in the journal. (Reading after a cursor taken
before the exchanges missed the first of them in most runs under load.)"""

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


def of_exchanges(ct: Container, ports: list[int]) -> dict[int, list[dict]]:
    """Everything the proxy logged for the exchanges made from these client ports (selected by
    SYSLOG_IDENTIFIER: an entry whose instance had exited before journald read it carries no
    _SYSTEMD_UNIT, so `journalctl -u` misses it), once each has its structured entry."""
    def by_port(found: list[dict]) -> dict[int, list[dict]]:
        return {p: [e for e in found if e.get("O1_PEER") == f"127.0.0.1:{p}"] for p in ports}

    def complete(found: list[dict]) -> bool:
        return all(any(e.get("_TRANSPORT") == "journal" for e in es)
                   for es in by_port(found).values())

    return by_port(wait_for(ct, complete, "-t", "o1-proxy"))


def about_unit_of(ct: Container, port: int, enough: Callable[[list[dict]], bool]) -> list[dict]:
    """What systemd (PID 1) logged about the instance that served client port `port`."""
    def ours(found: list[dict]) -> list[dict]:
        return [e for e in found if str(e.get("UNIT", "")).endswith(f"-127.0.0.1:{port}.service")]

    return ours(wait_for(ct, lambda found: enough(ours(found)), "_PID=1"))


def export(ct: Container) -> str:
    """The whole journal, every field of every entry."""
    ct.run("journalctl", "--sync")
    return ct.run("journalctl", "--no-pager", "-o", "export", timeout=60).stdout
