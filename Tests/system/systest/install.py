"""Putting o1-proxy into the container: the step every check builds on.

The system test installs the Debian package (`make deb`) with apt, as a user would; the
benchmark (scripts/bench-systemd) uses the project's own `make install`, run inside the
container from the repository bind-mounted at /src. Both return the same description of where
things landed; the checks only read that. The package is put in the run's directory (/systest),
and a copy of it with a higher version, made here, is what the upgrade check upgrades to.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .container import Container

PACKAGE = "o1-proxy"


@dataclass(frozen=True)
class Installed:
    binary: str          # the o1-proxy executable
    unit_dir: str        # where o1-proxy.socket and o1-proxy@.service are
    conf_dir: str        # the key, the env file, the rules file
    install_output: str  # what the installer said

    @property
    def service(self) -> str:
        return f"{self.unit_dir}/o1-proxy@.service"

    @property
    def socket(self) -> str:
        return f"{self.unit_dir}/o1-proxy.socket"


def make_install(ct: Container, make_args: list[str]) -> Installed:
    """`make install` (PREFIX=/usr/local), which also enables and starts the socket."""
    out = ct.check("make", "-C", "/src", "install", *make_args, timeout=60)
    return Installed(binary="/usr/local/bin/o1-proxy",
                     unit_dir="/usr/local/lib/systemd/system",
                     conf_dir="/etc/o1-proxy",
                     install_output=out)


def apt(ct: Container, *args: str) -> str:
    """apt-get in the container, which has no network: what a package needs must be there."""
    return ct.check("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-y", "-q",
                    "-o", "Dpkg::Use-Pty=0", *args, timeout=300)


def deb_install(ct: Container, deb: str) -> Installed:
    """`apt install ./o1-proxy_*.deb` (deb: its path in the container); the postinst enables
    and starts the socket."""
    out = apt(ct, "install", deb)
    return Installed(binary="/usr/bin/o1-proxy",
                     unit_dir="/usr/lib/systemd/system",
                     conf_dir="/etc/o1-proxy",
                     install_output=out)


def field(deb: Path, name: str) -> str:
    return subprocess.run(["dpkg-deb", "--field", str(deb), name], capture_output=True,
                          text=True, check=True).stdout.strip()


def with_version(deb: Path, version: str, into: Path) -> Path:
    """The package rebuilt with another version (same files, same scripts): an upgrade."""
    with tempfile.TemporaryDirectory(dir=into) as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["dpkg-deb", "--raw-extract", str(deb), str(tree)], check=True)
        control = tree / "DEBIAN" / "control"
        lines = control.read_text().splitlines()
        control.write_text("\n".join(f"Version: {version}" if line.startswith("Version:")
                                     else line for line in lines) + "\n")
        out = into / f"{PACKAGE}_{version}_{field(deb, 'Architecture')}.deb"
        subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", str(tree),
                        str(out)], check=True, capture_output=True)
    return out


def staged(deb: Path, into: Path) -> Path:
    """The package copied into the run's directory, which the container sees at /systest."""
    return Path(shutil.copy2(deb, into / deb.name))


def inside(staged: Path) -> str:
    """Where the container sees a file of the run's directory."""
    return f"/systest/{staged.name}"
