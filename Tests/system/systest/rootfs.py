"""The Debian root the containers boot from: built once with debootstrap, cached, shared.

Every run boots it with --volatile=overlay, so nothing a run does lands in the cache. Runs of
several worktrees share one cache; a lock makes one of them build it while the others wait.
Each Debian release (suite) has a root of its own, and so does every set of PACKAGES (its
digest is in the name): branches that need different packages each keep theirs instead of
rebuilding the other's in turn.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from .log import log

HOST_SUITE = "bookworm"         # what this machine runs, to find its mirror
# python3 runs the fake upstream and the benchmark client, make runs `make install`; the
# package needs ca-certificates (and libcurl4, which curl brings), and the container has no
# network to fetch it from.
PACKAGES = "systemd,systemd-sysv,dbus,curl,python3,make,ca-certificates"
SCRIPTS = Path("/usr/share/debootstrap/scripts")
# Releases whose packages change from day to day: their cached root is built again after a week.
MOVING = ("forky", "testing", "sid", "unstable")
MOVING_MAX_AGE = 7 * 86400


def suite() -> str:
    """The one release a single-root user boots (scripts/bench-systemd): O1_PROXY_SYSTEMD_SUITE,
    else bookworm."""
    return os.environ.get("O1_PROXY_SYSTEMD_SUITE") or "bookworm"


def cached_root(suite_: str) -> Path:
    """Where the root of a release is cached (bookworm's name predates the other releases')."""
    name = "o1-proxy-systemd-root" + ("" if suite_ == "bookworm" else f"-{suite_}")
    digest = hashlib.sha256(PACKAGES.encode()).hexdigest()[:8]
    return Path(f"/var/tmp/{name}-{digest}")


def default_root() -> Path:
    """O1_PROXY_SYSTEMD_ROOT, else the cached root of suite()."""
    return Path(os.environ.get("O1_PROXY_SYSTEMD_ROOT") or cached_root(suite()))


def _stamp(suite_: str) -> str:
    return PACKAGES if suite_ == "bookworm" else f"{suite_}: {PACKAGES}"


def debian_mirror() -> str:
    """The mirror this machine's apt already uses (the only one reachable from CI)."""
    d = Path("/etc/apt/sources.list.d")
    for f in sorted(d.glob("*.sources")) if d.is_dir() else []:
        for stanza in f.read_text().split("\n\n"):
            if re.search(rf"^Suites:.*\b{HOST_SUITE}\b(?!-)", stanza, re.M) and \
                    not re.search(r"^Enabled:\s*no", stanza, re.M | re.I):
                m = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
                if m and "security" not in m.group(1):
                    return m.group(1)
    for f in [Path("/etc/apt/sources.list"), *sorted(d.glob("*.list"))]:
        if f.is_file():
            m = re.search(rf"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+{HOST_SUITE}\s", f.read_text(), re.M)
            if m:
                return m.group(1)
    return "http://deb.debian.org/debian"


def ensure(root: Path, suite_: str | None = None):
    """The cached root of suite_ (default: suite()), built first if it is missing, was built
    with other packages, or is a week old and of a release that is still moving (Debian
    testing: what it tests is the release as it is now, not as it was when first cached).

    Returns the open lock file, held shared: keep it for as long as a container runs from the
    root, so that no other run rebuilds it underneath (a rebuild waits for the exclusive lock).
    """
    suite_ = suite_ or suite()
    stamp = root / ".o1-proxy-root"

    def current() -> bool:
        if not (stamp.is_file() and stamp.read_text().strip() == _stamp(suite_)):
            return False
        return suite_ not in MOVING or time.time() - stamp.stat().st_mtime < MOVING_MAX_AGE

    lock = open(root.with_name(root.name + ".lock"), "w")
    while True:
        fcntl.flock(lock, fcntl.LOCK_SH)
        if current():
            return lock
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not current():
            build(root, suite_)


def build(root: Path, suite_: str) -> None:
    mirror = debian_mirror()
    log(f"building the container root {root} ({suite_}, {mirror}); once, ~1 min")
    for stale in root.parent.glob(root.name + ".tmp-*"):      # an interrupted build
        shutil.rmtree(stale, ignore_errors=True)
    tmp = root.with_name(root.name + f".tmp-{os.getpid()}")
    # debootstrap knows a release by a script of its name; one newer than this machine's
    # debootstrap (Debian testing's next codename) is bootstrapped the way sid is.
    script = [] if (SCRIPTS / suite_).exists() else [str(SCRIPTS / "sid")]
    out = subprocess.run(["debootstrap", "--variant=minbase", f"--include={PACKAGES}",
                          suite_, str(tmp), mirror, *script], capture_output=True, text=True)
    if out.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError("debootstrap failed:\n" + (out.stdout + out.stderr)[-3000:])
    for junk in ["var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc",
                 "usr/share/man", "usr/share/locale"]:
        for p in (tmp / junk).glob("*"):
            if p.is_dir() and not p.is_symlink():
                if p.name != "partial":
                    shutil.rmtree(p)
            else:
                p.unlink()
    (tmp / ".o1-proxy-root").write_text(_stamp(suite_) + "\n")
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)
