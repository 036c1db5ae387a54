"""The checks of Tests/system/run. Each proves one thing about the installed o1-proxy under a
real systemd, from the state `run` sets up (installed, configured, upstreams running, no
instance alive); whatever a check changes it puts back, so any subset runs in any order."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from systest.container import Container
from systest.install import Installed, inside
from systest.world import Material


@dataclass
class Context:
    ct: Container
    material: Material
    installed: Installed
    deb: Path                     # the package installed, in the run's directory

    @property
    def deb_inside(self) -> str:
        """The package's path in the container."""
        return inside(self.deb)


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    detail: str = ""              # shown on success too

    def expect(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)


@dataclass(frozen=True)
class Check:
    name: str                     # what `Tests/system/run NAME...` selects
    proves: str
    run: Callable[[Context], Verdict]
