"""Putting o1-proxy into the container: the step every check builds on.

Today that is the project's own `make install`, run inside the container from the repository
bind-mounted at /src. Another way in (a Debian package into /usr) is another function that
returns the same description of where things landed; the checks only read that.
"""

from __future__ import annotations

from dataclasses import dataclass

from .container import Container


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


def make_uninstall(ct: Container, make_args: list[str]) -> str:
    return ct.check("make", "-C", "/src", "uninstall", *make_args, timeout=60)
