"""The container's journal: entries since a point, so each check reads only its own."""

from __future__ import annotations

import json
import time
from typing import Callable

from .container import Container


def cursor(ct: Container) -> str:
    """Where the journal ends now."""
    ct.run("journalctl", "--sync")
    out = ct.run("journalctl", "--no-pager", "-n", "0", "--show-cursor").stdout
    return out.strip().rpartition("-- cursor: ")[2]


def entries(ct: Container, *matches: str, after: str | None = None) -> list[dict]:
    """Entries (all fields) matching journalctl's matches, optionally only after a cursor."""
    ct.run("journalctl", "--sync")
    args = ["journalctl", "--no-pager", "-o", "json", *matches]
    if after:
        args.append(f"--after-cursor={after}")
    r = ct.run(*args, timeout=60)
    return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]


def wait_for(ct: Container, enough: Callable[[list[dict]], bool], *matches: str,
             after: str | None = None, seconds: float = 15) -> list[dict]:
    """Entries as entries() gives them, once `enough` says they are all there (a datagram to
    journald can still be queued when its sender has exited), or whatever is there by then."""
    deadline = time.monotonic() + seconds
    while True:
        found = entries(ct, *matches, after=after)
        if enough(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def export(ct: Container) -> str:
    """The whole journal, every field of every entry."""
    ct.run("journalctl", "--sync")
    return ct.run("journalctl", "--no-pager", "-o", "export", timeout=60).stdout
