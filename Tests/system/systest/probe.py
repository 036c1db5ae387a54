"""The attack probe (Tests/system/probe/probe.c): built here, run in the container as one
more instance of the unit under attack, next to a live instance of it (the victim)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import units, world
from .container import Container

SOURCE = Path(__file__).resolve().parents[1] / "probe" / "probe.c"
SANDBOX = Path(__file__).resolve().parents[3] / "Sources" / "CSandbox"   # the proxy's own
BINARY = "/usr/local/bin/o1-probe"
SUID = "/usr/local/bin/o1-probe-suid"        # a set-uid root copy, for the probe to run

CLIENT = """
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.argv[2].encode() + b"\\n")
out = b""
while (chunk := s.recv(65536)):
    out += chunk
sys.stdout.write(out.decode("utf-8", "replace"))
"""


@dataclass
class Result:
    attack: str              # the probe's name for it
    what: str
    tried: int
    allowed: list[str]       # every attempt that worked (the probe shows up to 25)


def compiler() -> str | None:
    """The system's C compiler, else the clang that comes with the Swift toolchain."""
    swift = shutil.which("swift")
    clang = Path(swift).resolve().with_name("clang") if swift else None
    return shutil.which("cc") or (str(clang) if clang and clang.exists() else None)


def build(rundir: Path) -> Path:
    """A static binary: it has to run inside trees that hold no libraries for it."""
    out = rundir / "o1-probe"
    r = subprocess.run([compiler() or "cc", "-O1", "-Wall", "-Wextra", "-Werror", "-static",
                        "-I", str(SANDBOX / "include"), "-o", str(out), str(SOURCE),
                        str(SANDBOX / "sandbox.c")], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"building the probe failed:\n{r.stderr[-2000:]}")
    return out


def install(ct: Container, built: str = "/systest/o1-probe") -> None:
    ct.check("install", "-m", "0755", built, BINARY)
    ct.check("install", "-m", "4755", built, SUID)


def attack(ct: Container, unit_text: str, victim: str, victim_port: int,
           probe_port: int, confine: bool) -> list[Result]:
    """Runs the probe under unit_text (as one more instance of the template `victim`, which
    listens on victim_port) while an instance of `victim` is alive; with `confine`, inside the
    proxy's own sandbox too."""
    probe_unit = units.as_probe(unit_text, victim, BINARY)
    with units.variant(ct, "o1-probe", probe_unit, probe_port), \
            units.held(ct, 1, victim_port, victim) as [instance]:
        targets = " ".join([
            f"victim={instance.pid}", f"victim_unit={instance.unit}",
            f"linklocal={world.METADATA}", f"upstream=127.0.0.1:{world.UPSTREAM_PORT}",
            f"suid={SUID}", f"host_marker={world.HOST_MARKER}", f"confine={int(confine)}"])
        r = ct.run("python3", "-c", CLIENT, str(probe_port), targets, timeout=120)
    results = []
    for line in r.stdout.splitlines():
        d = json.loads(line)
        results.append(Result(d["attack"], d["what"], d["tried"], d["allowed"]))
    if not results:
        raise AssertionError(f"the probe said nothing: {r.stderr[-500:]}\n"
                             + ct.run("journalctl", "--no-pager", "-n", "20").stdout)
    return results
