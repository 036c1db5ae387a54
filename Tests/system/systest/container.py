"""A real systemd (PID 1 with journald) booted in systemd-nspawn: boot, enter, tear down.

Booted like a real host would run it: a pure cgroup v2 tree inside (this VM's own tree is hybrid)
and the bpf() call and CAP_BPF allowed, so that the container's systemd can load the cgroup BPF
programs behind IPAddressDeny= (without them the unit's IP filter silently does nothing). The
memory and pids controllers stay bound to the VM's v1 tree, so MemoryMax= and TasksMax= are not
enforced in here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from .log import log

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class Container:
    def __init__(self, root: Path, rundir: Path, binds: dict[str, str], tag: str = ""):
        """binds: host path -> path in the container, read-only; tag: in the machine's name,
        which must differ between containers of one process (their cgroups are named by it)."""
        self.root = root
        self.rundir = rundir
        self.binds = binds
        self.name = f"o1sys-{os.getpid()}" + (f"-{tag}" if tag else "")
        self.cgroups: list[Path] = []
        self.nspawn: subprocess.Popen | None = None
        self.pid = 0

    # ---- boot and tear down

    def boot(self) -> None:
        self.cgroups = self._own_cgroups()
        for c in self.cgroups:
            c.mkdir()
        cgroups = self.cgroups

        def enter_cgroups():
            os.setsid()
            for c in cgroups:
                (c / "cgroup.procs").write_text(str(os.getpid()))

        cmd = ["systemd-nspawn", "-D", str(self.root), "-b", "-M", self.name,
               "--register=no", "--keep-unit", "--private-network", "--volatile=overlay",
               "--link-journal=no", "--console=read-only",
               # bpf: IPAddressDeny= enforced inside; landlock: nspawn 252's own filter predates
               # Landlock and refuses it to everything in the container, the proxy's own
               # sandbox included (a host's services have no such filter).
               "--system-call-filter=bpf landlock_create_ruleset landlock_add_rule landlock_restrict_self",
               "--capability=CAP_BPF,CAP_NET_ADMIN"]
        cmd += [f"--bind-ro={host}:{inside}" for host, inside in self.binds.items()]
        env = dict(os.environ, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY="1")
        with open(self.rundir / "console.log", "wb") as console:
            self.nspawn = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=console,
                                           stderr=subprocess.STDOUT, preexec_fn=enter_cgroups,
                                           env=env)
        deadline = time.monotonic() + 30
        while not self.pid and time.monotonic() < deadline and self.nspawn.poll() is None:
            self.pid = self._child_systemd()
            time.sleep(0.05)
        if not self.pid:
            raise RuntimeError("the container did not start:\n" + self.console_tail())
        # Until its manager is up, nsenter/systemctl may fail outright: retry.
        deadline = time.monotonic() + 60
        while True:
            state = self.run("systemctl", "is-system-running", "--wait", timeout=60)
            if state.stdout.strip() in ("running", "degraded"):
                return
            if time.monotonic() > deadline or self.nspawn.poll() is not None:
                raise RuntimeError(f"container state {state.stdout.strip()!r} "
                                   f"{state.stderr.strip()!r}\n" + self.console_tail())
            time.sleep(0.1)

    def stop(self) -> None:
        if self.nspawn and self.nspawn.poll() is None:
            if self.pid:
                self.run("systemctl", "poweroff", "--no-block", timeout=10)
            try:
                self.nspawn.wait(20)
            except subprocess.TimeoutExpired:
                self.nspawn.terminate()
                try:
                    self.nspawn.wait(10)
                except subprocess.TimeoutExpired:
                    self.nspawn.kill()
                    self.nspawn.wait(5)
        for c in self.cgroups:
            _remove_cgroup(c)

    def _own_cgroups(self) -> list[Path]:
        """A cgroup of our own in each writable hierarchy nspawn may use, so that the
        payload/ and supervisor/ groups of parallel runs cannot collide."""
        own = {}
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, ctrl, path = line.split(":", 2)
            own[ctrl] = path
        base = Path("/sys/fs/cgroup")
        if (base / "cgroup.procs").exists():                      # unified
            cands = [base / own.get("", "/").lstrip("/")]
        else:                                                     # hybrid / legacy
            cands = [base / "systemd" / own.get("name=systemd", "/").lstrip("/"),
                     base / "unified" / own.get("", "/").lstrip("/")]
        return [c / self.name for c in cands if (c / "cgroup.procs").exists()]

    def _child_systemd(self) -> int:
        for p in Path("/proc").iterdir():
            if not p.name.isdigit():
                continue
            try:
                stat = (p / "stat").read_text()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            if ppid == self.nspawn.pid and comm == "systemd":
                return int(p.name)
        return 0

    def console_tail(self) -> str:
        try:
            return (self.rundir / "console.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    # ---- enter

    def command(self, *argv: str, namespaces: str = "-a") -> list[str]:
        """argv as run inside the container (all its namespaces, a clean environment)."""
        return ["nsenter", "-t", str(self.pid), namespaces, "env", "-i", f"PATH={PATH}",
                "LANG=C.UTF-8", *argv]

    def run(self, *argv: str, timeout: float = 30, input: str | None = None):
        """Runs argv inside; never raises for a failure or a timeout (exit 124)."""
        try:
            r = subprocess.run(self.command(*argv), capture_output=True, timeout=timeout,
                               input=None if input is None else input.encode(),
                               stdin=subprocess.DEVNULL if input is None else None)
            rc, out, err = r.returncode, r.stdout, r.stderr
        except subprocess.TimeoutExpired as e:
            rc, out, err = 124, e.stdout or b"", (e.stderr or b"") + b"\ntimed out"
        # bytes, not text mode: keep the \r\n of HTTP heads
        return subprocess.CompletedProcess(argv, rc, out.decode("utf-8", "replace"),
                                           err.decode("utf-8", "replace"))

    def sh(self, script: str, timeout: float = 30):
        return self.run("sh", "-ec", script, timeout=timeout)

    def check(self, *argv: str, timeout: float = 30) -> str:
        """Runs argv inside and returns its output; raises when it fails."""
        r = self.run(*argv, timeout=timeout)
        if r.returncode:
            raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: "
                               f"{(r.stdout + r.stderr).strip()[-800:]}")
        return r.stdout

    def net(self, *argv: str) -> None:
        """Runs a program of this machine's in the container's network namespace (the
        container's root has no iproute2)."""
        r = subprocess.run(["nsenter", "-t", str(self.pid), "-n", *argv], capture_output=True,
                           text=True)
        if r.returncode:
            raise RuntimeError(f"{' '.join(argv)}: {r.stderr.strip()}")

    def write(self, path: str, data: str, mode: str = "0644") -> None:
        r = self.run("sh", "-ec", f'mkdir -p "$(dirname "$0")"; umask 077; cat > "$0"; '
                     f'chmod {mode} "$0"', path, input=data)
        if r.returncode:
            raise RuntimeError(f"writing {path}: {r.stderr}")

    def read(self, path: str) -> str | None:
        r = self.run("cat", path)
        return r.stdout if r.returncode == 0 else None

    @contextmanager
    def file(self, path: str, data: str, mode: str = "0644", reload: bool = False):
        """path holds data for the duration; then what it held before (or nothing) again.
        reload: a unit file or drop-in, so daemon-reload after each change."""
        before = self.read(path)
        before_mode = self.run("stat", "-c", "%a", path).stdout.strip()
        self.write(path, data, mode)
        if reload:
            self.check("systemctl", "daemon-reload")
        try:
            yield
        finally:
            if before is None:
                self.run("rm", "-f", path)
            else:
                self.write(path, before, before_mode)
            if reload:
                self.check("systemctl", "daemon-reload")


def _remove_cgroup(c: Path) -> None:
    if not c.exists():
        return
    for _ in range(50):
        left = [d for d in sorted(c.rglob("*"), key=lambda p: -len(p.parts))
                if d.is_dir()] + [c]
        for d in left:
            try:
                for pid in (d / "cgroup.procs").read_text().split():
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                d.rmdir()
            except OSError:
                pass
        if not c.exists():
            return
        time.sleep(0.1)
    log(f"warning: could not remove cgroup {c}")
