"""A live instance seen from outside: who it runs as, what it holds, where it keeps state."""

from __future__ import annotations

from systest import units

from . import Context, Verdict


def identity(ctx: Context) -> Verdict:
    """The o1-proxy system user, no capabilities, no_new_privs, seccomp, undumpable (so no
    process of its user reads its memory or /proc files); the key only as a credential; the
    host's mount namespace."""
    ct, key = ctx.ct, ctx.material.key
    v = Verdict()
    uid = int(ct.check("id", "-u", "o1-proxy").strip())
    with units.held(ct) as [instance]:
        st = units.status(ct, instance.pid)
        v.detail = f"{instance.unit}, uid {instance.uid}"
        v.expect(instance.uid == uid, f"uid {instance.uid} is not o1-proxy's ({uid})")
        for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            v.expect(not st.get(cap, "x").strip("0"), f"{cap}={st.get(cap)}")
        v.expect(st.get("NoNewPrivs") == "1", f"NoNewPrivs={st.get('NoNewPrivs')}")
        v.expect(st.get("Seccomp") == "2", f"Seccomp={st.get('Seccomp')} (want 2, filter)")
        owner = ct.run("stat", "-c", "%U", f"/proc/{instance.pid}/environ").stdout.strip()
        v.expect(owner == "root", f"/proc/{instance.pid}/environ belongs to {owner!r}: not undumpable")
        env = ct.run("cat", f"/proc/{instance.pid}/environ").stdout.split("\0")
        v.expect(not any(e.startswith("OPENAI_API_KEY=") or key in e for e in env),
                 "the key is in the environment")
        v.expect(any(e.startswith("CREDENTIALS_DIRECTORY=") for e in env),
                 "no CREDENTIALS_DIRECTORY")
        # No mount namespace to set up for each connection (the unit's cost; Landlock instead).
        namespaces = ct.run("readlink", "/proc/1/ns/mnt", f"/proc/{instance.pid}/ns/mnt").stdout
        v.expect(len(set(namespaces.split())) == 1,
                 f"the instance has a mount namespace of its own: {namespaces.split()}")
    return v


def state_directory(ctx: Context) -> Verdict:
    """StateDirectory=: 0700, owned by the instances' user (no other user can write it), the
    same user for instances alive at once, and what is in it outlives the instances."""
    ct = ctx.ct
    path = "/var/lib/o1-proxy"
    v = Verdict()
    with units.held(ct, count=2) as instances:
        uids = {i.uid for i in instances}
        v.expect(len(uids) == 1, f"two instances alive at once run as {sorted(uids)}")
        owner = ct.run("stat", "-c", "%a %u", path).stdout.split()
        v.expect(owner == ["700", str(instances[0].uid)],
                 f"{path} is {owner}, want 700 owned by uid {instances[0].uid}")
        envs = [ct.run("cat", f"/proc/{i.pid}/environ").stdout.split("\0") for i in instances]
        v.expect(all("STATE_DIRECTORY=/var/lib/o1-proxy" in e for e in envs),
                 "STATE_DIRECTORY is not /var/lib/o1-proxy")
        ct.check("sh", "-c", f'echo kept > {path}/systest-kept && chown {instances[0].uid} '
                 f'{path}/systest-kept')
        other = ct.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                       "touch", f"{path}/other-user")
        v.expect(other.returncode != 0, f"another user (nobody) could write {path}")
    try:
        for _ in range(3):                # instances come and go
            with units.held(ct):
                pass
        units.wait_idle(ct, 10)
        kept = ct.run("stat", "-c", "%u", f"{path}/systest-kept").stdout.strip()
        mode = ct.run("stat", "-c", "%a %u", path).stdout.split()
        v.expect(kept != "" and mode[:1] == ["700"] and kept == mode[1],
                 f"after more instances: {path} is {mode}, the file it held is owned by {kept!r}")
        v.detail = f"uid {instances[0].uid}"
    finally:
        ct.run("rm", "-f", f"{path}/systest-kept")
    return v
