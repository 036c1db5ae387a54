"""o1-proxy's units inside the container: live instances, and unit variants run side by side.

A variant is a whole service unit text, installed as NAME@.service behind its own
NAME.socket (Accept=yes, like o1-proxy.socket) on its own port: the bare control, the previous
unit, candidates, and the attack probe under any of them.
"""

from __future__ import annotations

import re
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import http
from .container import Container

HERE = Path(__file__).resolve().parents[1]
VARIANTS = HERE / "units"              # Tests/system/units: controls and candidates
SHIPPED_SOCKET = HERE.parents[1] / "systemd" / "o1-proxy.socket"
DYNAMIC_UIDS = range(61184, 65520)     # systemd's range for DynamicUser=
RUNTIME_UNITS = "/run/systemd/system"  # gone with the container


def instances(ct: Container, template: str = "o1-proxy", all_states: bool = True) -> list[str]:
    args = ["systemctl", "list-units", "--no-legend", "--plain", f"{template}@*"]
    if all_states:
        args.insert(2, "--all")
    return [line.split()[0] for line in ct.run(*args).stdout.splitlines() if line.strip()]


def processes(ct: Container) -> list[str]:
    """Every o1-proxy process, of whichever unit."""
    r = ct.sh("for f in /proc/[0-9]*/comm; do read c < $f 2>/dev/null && "
              "[ \"$c\" = o1-proxy ] && echo ${f%/comm} || true; done")
    return [p.rpartition("/")[2] for p in r.stdout.split()]


def wait_idle(ct: Container, seconds: float):
    """(o1-proxy@ units, o1-proxy processes) still there after up to `seconds`: both empty
    once idle."""
    deadline = time.monotonic() + seconds
    while True:
        units, pids = instances(ct), processes(ct)
        if (not units and not pids) or time.monotonic() > deadline:
            return units, pids
        time.sleep(0.1)


def status(ct: Container, pid: str) -> dict[str, str]:
    text = ct.run("cat", f"/proc/{pid}/status").stdout
    return {k: v.strip() for k, _, v in (line.partition(":") for line in text.splitlines())}


@dataclass
class Instance:
    unit: str
    pid: str
    uid: int


HOLDER = """
import socket, sys
body = b'{"model":"fault-silent","messages":[{"role":"user","content":"held"}]}'
request = (b"POST /v1/chat/completions HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json"
           b"\\r\\nContent-Length: %d\\r\\n\\r\\n%s" % (len(body), body))
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(int(sys.argv[2]))]
for s in held:
    s.sendall(request)
print("sent", flush=True)
sys.stdin.read()
"""


@contextmanager
def held(ct: Container, count: int = 1, port: int = http.PORT, template: str = "o1-proxy"):
    """`count` instances of template@ (behind port) alive at once, each waiting for an upstream
    that never answers (fault-silent); yields them once each runs the binary (not systemd's
    sandbox set-up any more). On exit their clients hang up, which ends them."""
    holder = subprocess.Popen(ct.command("python3", "-c", HOLDER, str(port), str(count)),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        if holder.stdout.readline().strip() != "sent":
            raise AssertionError("could not send the held requests")
        found: dict[str, Instance] = {}
        deadline = time.monotonic() + 30
        while len(found) < count and time.monotonic() < deadline:
            for unit in instances(ct, template, all_states=False):
                pid = ct.run("systemctl", "show", "-p", "MainPID", "--value", unit).stdout.strip()
                # "(o1-proxy)" until systemd has set up the sandbox and exec'd the binary
                if unit not in found and pid not in ("", "0") and \
                        ct.read(f"/proc/{pid}/comm") == "o1-proxy\n":
                    found[unit] = Instance(unit, pid, int(status(ct, pid)["Uid"].split()[0]))
            time.sleep(0.05)
        if len(found) < count:
            raise AssertionError(f"{len(found)} of {count} held instances seen running")
        yield list(found.values())
    finally:
        holder.stdin.close()
        holder.wait(30)


def derived_user(template: str) -> str:
    """The user systemd picks for a template's instances under DynamicUser= without User=."""
    return template.partition("@")[0]


def with_exec(text: str, binary: str) -> str:
    return re.sub(r"^ExecStart=.*$", f"ExecStart={binary}", text, flags=re.M)


def as_probe(text: str, template: str, probe: str) -> str:
    """The unit text of template@ with only its program swapped for the probe, running as
    the same user as template's own instances: the probe is one more instance."""
    text = with_exec(text, probe)
    if re.search(r"^DynamicUser=yes", text, re.M) and not re.search(r"^User=", text, re.M):
        text = re.sub(r"^DynamicUser=yes$", f"DynamicUser=yes\nUser={derived_user(template)}",
                      text, flags=re.M)
    return text


def variant_text(name: str, installed_service: str, binary: str) -> str:
    """A variant from Tests/system/units: a whole unit (NAME@.service), or a drop-in over the
    installed unit (NAME.conf: a candidate that changes only what it names)."""
    whole = VARIANTS / f"{name}@.service"
    if whole.exists():
        return with_exec(whole.read_text(), binary)
    return installed_service + "\n" + (VARIANTS / f"{name}.conf").read_text()


def variant_names() -> list[str]:
    return sorted({p.name.partition("@")[0].removesuffix(".conf")
                   for p in VARIANTS.iterdir() if p.suffix in (".service", ".conf")})


# What a variant's socket must share with the installed o1-proxy.socket (socket_text).
SOCKET_PROPERTIES = "Accept,MaxConnections,NoDelay,TriggerLimitIntervalUSec,TriggerLimitBurst"


def socket_text(port: int) -> str:
    """The shipped o1-proxy.socket's [Socket] section on another port: a variant's socket is
    the installed one's (Accept=, MaxConnections=, no trigger limit, NoDelay=), so that what
    differs between variants is the service alone. With systemd's default trigger limit (200
    starts in 2 s) a connection-rate run put a bare socket into the failed state for good."""
    section, out = "", []
    for line in SHIPPED_SOCKET.read_text().splitlines():
        if line.startswith("["):
            section = line
        elif section == "[Socket]" and "=" in line and not line.startswith("#"):
            key = line.partition("=")[0]
            out.append(f"ListenStream=127.0.0.1:{port}" if key == "ListenStream" else line)
    return "[Socket]\n" + "\n".join(dict.fromkeys(out)) + "\n"     # one ListenStream=


@contextmanager
def variant(ct: Container, name: str, text: str, port: int):
    """NAME.socket on 127.0.0.1:port (socket_text) starting NAME@.service, for the duration."""
    service, socket = f"{RUNTIME_UNITS}/{name}@.service", f"{RUNTIME_UNITS}/{name}.socket"
    ct.write(service, text)
    ct.write(socket, socket_text(port))
    ct.check("systemctl", "daemon-reload")
    ct.check("systemctl", "start", f"{name}.socket")
    try:
        as_shipped = [ct.run("systemctl", "show", "-p", SOCKET_PROPERTIES, unit).stdout
                      for unit in (f"{name}.socket", "o1-proxy.socket")]
        if as_shipped[0] != as_shipped[1]:
            raise AssertionError(f"{name}.socket is not set up as o1-proxy.socket: "
                                 f"{as_shipped[0].split()} against {as_shipped[1].split()}")
        yield port
    finally:
        ct.run("systemctl", "stop", f"{name}.socket")
        deadline = time.monotonic() + 30
        while instances(ct, name) and time.monotonic() < deadline:
            time.sleep(0.1)
        ct.run("rm", "-f", service, socket)
        ct.run("systemctl", "daemon-reload")
