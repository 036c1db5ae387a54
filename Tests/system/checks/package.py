"""The Debian package's life, as apt drives it: installed on a machine with no Swift toolchain,
upgraded while clients keep connecting, removed, purged; and `make install`, the way in where
there is no package."""

from __future__ import annotations

import json
import subprocess
import threading
import time

from systest import http, install, units, world

from . import Context, Verdict

STATE = "/var/lib/o1-proxy"                # StateDirectory=
LEARNED = f"{STATE}/learned.tsv"
# Where a package's files and what its service makes can be (not /home, where the attack
# checks' unsandboxed control runs the proxy as root).
PACKAGE_TREES = ["/etc", "/usr", "/var", "/opt", "/srv"]
TRACES = ["/usr/libexec/o1-proxy", "/etc/ca-certificates/update.d/o1-proxy",
          "/var/cache/o1-proxy", "/usr/share/doc/o1-proxy", "/usr/share/man/man8/o1-proxy.8.gz"]

# Clients that keep making exchanges, each on a new connection, until stdin closes; one JSON
# line per exchange: when it started and ended (CLOCK_MONOTONIC, the host's too) and "ok" or
# what went wrong.
LOAD = """
import json, socket, sys, threading, time
port, clients = int(sys.argv[1]), int(sys.argv[2])
body = b'{"model":"o1-mini","messages":[{"role":"user","content":"during the upgrade"}]}'
request = (b"POST /v1/chat/completions HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json"
           b"\\r\\nConnection: close\\r\\nContent-Length: %d\\r\\n\\r\\n%s" % (len(body), body))
stop, lock = threading.Event(), threading.Lock()

def exchange():
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
            s.sendall(request)
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
    except OSError as e:
        return f"{type(e).__name__}: {e}"
    ok = answer.startswith(b"HTTP/1.1 200") and b"echo: during the upgrade" in answer
    return "ok" if ok else repr(answer[:300])

def client():
    while not stop.is_set():
        start = time.monotonic()
        outcome = exchange()
        with lock:
            print(json.dumps({"start": start, "end": time.monotonic(), "outcome": outcome}),
                  flush=True)

threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads:
    t.start()
sys.stdin.read()
stop.set()
for t in threads:
    t.join()
"""


def learn(ctx: Context) -> None:
    """Something learned, in the state directory: o9-future refuses max_tokens (the fake
    upstream's model no built-in rule knows)."""
    http.chat(ctx.ct, "o9-future", "learn this", fields={"max_tokens": 50})


def socket_state(ctx: Context) -> str:
    return ctx.ct.run("systemctl", "show", "o1-proxy.socket", "-p", "ActiveState",
                      "-p", "InvocationID", "--value").stdout.strip().replace("\n", " ")


def installed(ctx: Context) -> Verdict:
    ct, inst = ctx.ct, ctx.installed
    state = ct.run("systemctl", "is-enabled", "o1-proxy.socket").stdout.strip() + "/" + \
        ct.run("systemctl", "is-active", "o1-proxy.socket").stdout.strip()
    conf = ct.run("stat", "-c", "%a %U %G", inst.conf_dir).stdout.strip()
    user = ct.run("getent", "passwd", "o1-proxy").stdout.strip().split(":")
    conffiles = ct.run("dpkg-query", "-W", "-f", "${Conffiles}", install.PACKAGE).stdout
    version = ct.run(inst.binary, "--version")
    unit = ct.run("systemctl", "cat", "o1-proxy@.service").stdout
    missing = [line for line in ct.run("ldd", inst.binary).stdout.splitlines()
               if "not found" in line]
    toolchain = ct.run("sh", "-c", "command -v swift swiftc").stdout.strip()
    docs = ct.run("ls", *TRACES[3:]).returncode
    v = Verdict(detail=ct.run("dpkg-query", "-W", "-f", "${Version}", install.PACKAGE).stdout)
    v.expect(state == "enabled/active", f"o1-proxy.socket is {state}")
    v.expect(conf == "750 root o1-proxy", f"{inst.conf_dir} is {conf!r}, want '750 root o1-proxy'")
    v.expect(len(user) == 7 and int(user[2]) < 1000 and user[6].endswith("nologin"),
             f"the o1-proxy user is {user} (want a system user without a shell)")
    v.expect(f"{inst.conf_dir}/o1-proxy.env " in conffiles, f"conffiles: {conffiles.strip()!r}")
    v.expect("/etc/o1-proxy/openai-api-key" in inst.install_output,
             "the installation did not say where the key goes")
    v.expect(f"ExecStart={inst.binary}" in unit, f"installed ExecStart is not {inst.binary}")
    v.expect(not missing and not toolchain,
             f"libraries not found {missing}, toolchain {toolchain!r}")
    v.expect(docs == 0, f"no README or man page: {ct.run('ls', *TRACES[3:]).stderr.strip()}")
    v.expect(version.returncode == 0 and version.stdout.strip() != "",
             f"o1-proxy --version: exit {version.returncode} "
             f"{(version.stdout + version.stderr).strip()[:300]}")
    return v


def upgrade(ctx: Context) -> Verdict:
    """apt installs the package again with a higher version while two clients keep making
    exchanges and one exchange is in flight (held by an upstream that never answers). The socket
    is never restarted (its invocation stays the same), so no connection is refused; the one in
    flight goes on; the settings, the key and what was learned stay. The newer package then
    stays installed (same files, same behaviour)."""
    ct, conf = ctx.ct, ctx.installed.conf_dir
    old = install.field(ctx.deb, "Version")
    newer = install.with_version(ctx.deb, f"{old}+systest1", ctx.material.rundir)
    learn(ctx)
    kept = {p: ct.read(p) for p in (f"{conf}/o1-proxy.env", f"{conf}/openai-api-key", LEARNED)}
    socket_before = socket_state(ctx)
    lines: list[dict] = []
    v = Verdict()
    with units.held(ct) as [in_flight]:
        load = subprocess.Popen(ct.command("python3", "-c", LOAD, str(http.PORT), "2"),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        reader = threading.Thread(target=lambda: lines.extend(json.loads(x) for x in load.stdout))
        reader.start()
        try:
            _wait_for(lambda: len(lines) >= 2, 60)
            began = time.monotonic()
            out = install.apt(ct, "install", install.inside(newer))
            ended = time.monotonic()
            _wait_for(lambda: sum(x["start"] > ended for x in lines) >= 2, 60)
        finally:
            load.stdin.close()
            load.wait(90)
            reader.join(10)
        v.expect(ct.read(f"/proc/{in_flight.pid}/comm") == "o1-proxy\n",
                 f"the exchange in flight ({in_flight.unit}) did not survive the upgrade")
    during = [x for x in lines if x["start"] < ended and x["end"] > began]
    failed = [x["outcome"] for x in lines if x["outcome"] != "ok"]
    version = ct.run("dpkg-query", "-W", "-f", "${Version}", install.PACKAGE).stdout
    v.detail = (f"{old} -> {version} in {ended - began:.1f}s, {len(during)} exchanges during it, "
                f"{len(lines)} in all")
    v.expect(version == f"{old}+systest1", f"installed version {version!r}: {out[-500:]}")
    v.expect(not failed, f"{len(failed)} of {len(lines)} exchanges failed: {failed[:5]}")
    v.expect(len(during) >= 1, "no exchange overlapped the upgrade")
    v.expect(socket_state(ctx) == socket_before,
             f"o1-proxy.socket was {socket_before!r}, is {socket_state(ctx)!r}: restarted")
    for path, before in kept.items():
        v.expect(before is not None and ct.read(path) == before, f"{path} changed or is missing")
    mode = ct.run("stat", "-c", "%a %U %G", conf).stdout.strip()
    v.expect(mode == "750 root o1-proxy", f"after the upgrade {conf} is {mode!r}")
    v.expect("o9-future" in (kept[LEARNED] or ""), f"nothing learned in {LEARNED}")
    return v


def remove_purge(ctx: Context) -> Verdict:
    """apt remove stops the socket and takes the program, keeping the settings, the key and what
    was learned; apt purge leaves nothing, but a system user (Debian keeps those). Installed and
    configured again after."""
    ct, inst = ctx.ct, ctx.installed
    user = ct.run("getent", "passwd", "o1-proxy").stdout
    learn(ctx)
    v = Verdict()
    try:
        install.apt(ct, "remove", install.PACKAGE)
        status = ct.run("dpkg-query", "-W", "-f", "${db:Status-Abbrev}", install.PACKAGE).stdout
        left = ct.sh(f"ls -d {inst.binary} {inst.socket} {inst.service} {inst.service}.d "
                     f"{' '.join(TRACES)} 2>/dev/null || true").stdout.split()
        kept = ct.run("ls", f"{inst.conf_dir}/openai-api-key", f"{inst.conf_dir}/o1-proxy.env",
                      LEARNED)
        v.expect(status.strip() == "rc", f"after remove dpkg says {status!r}, want 'rc'")
        v.expect(not left, f"left after remove: {left}")
        v.expect(ct.run("systemctl", "is-active", "o1-proxy.socket").stdout.strip() != "active",
                 "o1-proxy.socket still active")
        v.expect(ct.run("curl", "-s", "-m", "2", f"http://127.0.0.1:{http.PORT}/").returncode == 7,
                 f"port {http.PORT} still accepts connections")
        v.expect(kept.returncode == 0, f"remove took what only purge should: {kept.stderr.strip()}")

        install.apt(ct, "purge", install.PACKAGE)
        status = ct.run("dpkg-query", "-W", "-f", "${db:Status-Abbrev}", install.PACKAGE)
        traces = ct.run("find", *PACKAGE_TREES, "-xdev", "-name", "*o1-proxy*",
                        timeout=120).stdout.split()
        v.expect(status.returncode != 0 or status.stdout.strip() in ("", "un"),
                 f"after purge dpkg says {status.stdout!r}")
        v.expect(not traces, f"left after purge: {traces}")
        override = ct.run("dpkg-statoverride", "--list", inst.conf_dir).stdout.strip()
        v.expect(not override, f"after purge dpkg still overrides {override!r}")
        v.expect(ct.run("getent", "passwd", "o1-proxy").stdout == user,
                 f"the user o1-proxy was {user.strip()!r} before, now "
                 f"{ct.run('getent', 'passwd', 'o1-proxy').stdout.strip()!r}")
    finally:
        ctx.installed = install.deb_install(ct, ctx.deb_inside)
        world.configure(ct, ctx.material, ctx.installed.conf_dir)
    return v


def by_make_install(ctx: Context) -> Verdict:
    """Instead of the package, `make install` from the repository (PREFIX=/usr/local): the
    same files, the socket started, the lean trust store written; `make uninstall PURGE=1` takes
    them away again. The package is purged first, and installed and configured again after."""
    ct, nonce = ctx.ct, ctx.material.nonce
    v = Verdict()
    try:
        install.apt(ct, "purge", install.PACKAGE)
        inst = install.make_install(ct, [])
        world.configure(ct, ctx.material, inst.conf_dir)
        got = http.chat(ct, "o1-mini", f"make install {nonce}").answer()
        hook = ct.run("readlink", TRACES[1]).stdout.strip()
        lean = ct.run("grep", "-c", "BEGIN CERTIFICATE", f"{TRACES[2]}/ca-certificates.crt")
        v.expect(got == f"echo: make install {nonce}", f"after make install: {got!r}")
        v.expect(hook == "/usr/local/libexec/o1-proxy/update-lean-trust-store",
                 f"{TRACES[1]} -> {hook!r}")
        v.expect(lean.stdout.strip() == "1",
                 f"the lean trust store: {lean.stdout.strip() or lean.stderr.strip()}")
        ct.check("make", "-C", "/src", "uninstall", "PURGE=1", timeout=60)
        left = ct.sh(f"ls -d {inst.binary} {inst.socket} {inst.service} {inst.service}.d "
                     f"{inst.conf_dir} {' '.join(TRACES[:3])} /usr/local/libexec/o1-proxy "
                     f"/usr/local/lib/sysusers.d/o1-proxy.conf {STATE} "
                     "2>/dev/null || true").stdout.split()
        v.expect(not left, f"left after make uninstall PURGE=1: {left}")
    finally:
        ctx.installed = install.deb_install(ct, ctx.deb_inside)
        world.configure(ct, ctx.material, ctx.installed.conf_dir)
    return v


def _wait_for(ready, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"the clients made no exchanges for {seconds}s")
        time.sleep(0.05)


# Holds 127.0.0.1:PORT, as another program would, until stdin closes. SO_REUSEADDR as systemd
# sets it: the earlier checks' connections leave the port in TIME_WAIT.
SQUATTER = """
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
print("listening", flush=True)
sys.stdin.read()
"""
MOVED_PORT = 4568
DROP_IN = "/etc/systemd/system/o1-proxy.socket.d/override.conf"   # what systemctl edit writes


def port_taken(ctx: Context) -> Verdict:
    """apt install with 127.0.0.1:4567 held by another program: the install succeeds (the
    administrator is to move the port), apt's output says what systemd said ("Address already
    in use") and how to move the port with a drop-in, and not that o1-proxy listens;
    deb-systemd-invoke's "Could not execute systemctl" is not shown. The drop-in it describes
    then works. Purged first; purged, installed and configured again after."""
    ct, inst = ctx.ct, ctx.installed
    v = Verdict()
    squatter = None
    try:
        install.apt(ct, "purge", install.PACKAGE)
        squatter = subprocess.Popen(ct.command("python3", "-c", SQUATTER, str(http.PORT)),
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if squatter.stdout.readline().strip() != "listening":
            raise AssertionError(f"could not hold 127.0.0.1:{http.PORT}")
        r = ct.run("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-y", "-q",
                   "-o", "Dpkg::Use-Pty=0", "install", ctx.deb_inside, timeout=300)
        said = r.stdout + r.stderr
        status = ct.run("dpkg-query", "-W", "-f", "${db:Status-Abbrev}", install.PACKAGE).stdout
        state = ct.run("systemctl", "is-active", "o1-proxy.socket").stdout.strip()
        v.detail = "; ".join(line.strip() for line in said.splitlines()
                             if "Address already in use" in line)[:200]
        v.expect(r.returncode == 0 and status.strip() == "ii",
                 f"apt install: exit {r.returncode}, dpkg says {status!r}: {said[-600:]!r}")
        v.expect(state == "failed", f"o1-proxy.socket is {state!r}, want failed")
        for what in (f"could not listen on 127.0.0.1:{http.PORT}", "Address already in use",
                     "systemctl edit o1-proxy.socket", "[Socket]\n  ListenStream=\n"
                     "  ListenStream=127.0.0.1:PORT", "systemctl restart o1-proxy.socket",
                     f"{inst.conf_dir}/openai-api-key"):
            v.expect(what in said, f"apt's output does not say {what!r}: {said[-900:]!r}")
        for wrong in ("listens on", "Could not execute systemctl"):
            v.expect(wrong not in said, f"apt's output says {wrong!r}: {said[-900:]!r}")

        # The advice, followed: the drop-in, the restart, an exchange on the new port.
        world.configure(ct, ctx.material, inst.conf_dir)
        ct.write(DROP_IN, f"[Socket]\nListenStream=\nListenStream=127.0.0.1:{MOVED_PORT}\n")
        ct.check("systemctl", "daemon-reload")
        restart = ct.run("systemctl", "restart", "o1-proxy.socket")
        got = http.chat(ct, "o1-mini", f"moved {ctx.material.nonce}", port=MOVED_PORT).answer()
        v.expect(restart.returncode == 0 and got == f"echo: moved {ctx.material.nonce}",
                 f"with the drop-in: restart exit {restart.returncode} "
                 f"{restart.stderr.strip()!r}, then {got!r}")
    finally:
        if squatter:
            squatter.stdin.close()
            squatter.wait(30)
        ct.run("rm", "-rf", DROP_IN.rpartition("/")[0])
        ct.run("systemctl", "daemon-reload")
        install.apt(ct, "purge", install.PACKAGE)
        ctx.installed = install.deb_install(ct, ctx.deb_inside)
        world.configure(ct, ctx.material, ctx.installed.conf_dir)
    out = ctx.installed.install_output
    v.expect(f"o1-proxy listens on 127.0.0.1:{http.PORT} (o1-proxy.socket)." in out,
             f"installed again with the port free, it does not say it listens: {out[-500:]!r}")
    return v


def docs(ctx: Context) -> Verdict:
    """What the package says of itself: the man page puts the state in /var/lib/o1-proxy (no
    DynamicUser=, no /var/lib/private any more), and the copyright file licenses it MIT."""
    ct = ctx.ct
    page = ct.run("sh", "-c", "zcat /usr/share/man/man8/o1-proxy.8.gz").stdout
    copyright_ = ct.read("/usr/share/doc/o1-proxy/copyright") or ""
    v = Verdict()
    v.expect("/var/lib/o1-proxy" in page and "--state" in page.replace("\\-", "-"),
             "the man page does not say /var/lib/o1-proxy for --state")
    for stale in ("/var/lib/private", "DynamicUser"):
        v.expect(stale not in page, f"the man page still says {stale}")
    v.expect("\nLicense: MIT\n" in copyright_ and "Permission is hereby granted" in copyright_,
             f"the copyright file: {copyright_[:300]!r}")
    return v
