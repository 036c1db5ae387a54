"""The binaries scripts/bench compares: o1-proxy in release with `--static-swift-stdlib` (what
`make release` installs) and dynamic, and the floor (scripts/bench.d/floor.swift: loads
FoundationNetworking, creates a URLSession, answers) built the same two ways."""

from __future__ import annotations

import os
import subprocess
import sys
import time

FLAVOURS = ["static", "dynamic"]


def paths(root: str, work: str) -> dict[str, str]:
    return {
        "proxy-static": os.path.join(root, ".build-bench-static", "release", "o1-proxy"),
        "proxy-dynamic": os.path.join(root, ".build-bench-dynamic", "release", "o1-proxy"),
        "floor-static": os.path.join(work, "floor-static"),
        "floor-dynamic": os.path.join(work, "floor-dynamic"),
    }


def build(root: str, work: str, skip: bool) -> dict[str, str]:
    """Builds (incrementally) every binary unless `skip`; exits if one is missing."""
    bins = paths(root, work)
    if not skip:
        t = time.monotonic()
        floor = os.path.join(root, "scripts", "bench.d", "floor.swift")
        for cmd in (["swift", "build", "-c", "release", "--static-swift-stdlib", "--scratch-path", ".build-bench-static"],
                    ["swift", "build", "-c", "release", "--scratch-path", ".build-bench-dynamic"],
                    # The same optimisation swift build -c release uses (-O, whole module).
                    ["swiftc", "-O", "-wmo", "-static-stdlib", floor, "-o", bins["floor-static"]],
                    ["swiftc", "-O", "-wmo", floor, "-o", bins["floor-dynamic"]]):
            print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
            subprocess.run(cmd, check=True, cwd=root, stdout=subprocess.DEVNULL)
        print(f"build: {time.monotonic() - t:.1f} s", file=sys.stderr, flush=True)
    for name, path in bins.items():
        if not os.access(path, os.X_OK):
            sys.exit(f"bench: {name} missing at {path} (run without --skip-build)")
    return bins


def build_against(root: str, rev: str) -> str:
    """o1-proxy as commit `rev` built it (static stdlib, release), from a worktree of its own:
    the reference `--against` measures this tree's latency next to, in the same run."""
    work = os.path.join(root, ".build-bench-against")
    src = os.path.join(work, "src")
    commit = subprocess.run(["git", "rev-parse", "--verify", rev + "^{commit}"], cwd=root, check=True,
                            capture_output=True, text=True).stdout.strip()
    if os.path.isdir(src):
        subprocess.run(["git", "-C", src, "checkout", "-q", "--detach", commit], check=True)
    else:
        subprocess.run(["git", "worktree", "add", "-q", "--detach", src, commit], cwd=root, check=True)
    cmd = ["swift", "build", "-c", "release", "--static-swift-stdlib", "--scratch-path", os.path.join(work, "build")]
    print("$ (" + commit[:12] + ") " + " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, cwd=src, stdout=subprocess.DEVNULL)
    return os.path.join(work, "build", "release", "o1-proxy")


def facts(root: str, path: str) -> dict:
    out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    libs = [line.split()[0] for line in out.splitlines() if line.strip()]
    return {"path": os.path.relpath(path, root), "bytes": os.path.getsize(path), "shared_libraries": len(libs)}
