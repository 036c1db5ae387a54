"""The unit files as systemd's own tools judge them."""

from __future__ import annotations

import re

from . import Context, Verdict

# What systemd-analyze security rates o1-proxy@.service (0 = locked down, 10 = exposed). It
# counts the mount-namespace directives the unit leaves out because the proxy confines its own
# file system with Landlock, which it cannot see (the unit says why for each; the attack checks
# show what is denied): this guards against a regression, not towards a number.
MAX_EXPOSURE = 3.3


def verify(ctx: Context) -> Verdict:
    inst = ctx.installed
    r = ctx.ct.run("systemd-analyze", "verify", inst.socket, inst.service,
                   f"{inst.unit_dir}/o1-proxy-failed@.service", timeout=60)
    out = (r.stdout + r.stderr).strip()
    v = Verdict()
    # systemd 252 exits 0 on unknown keys and bad values, with a warning: any output fails.
    v.expect(r.returncode == 0 and not out, out[:800])
    return v


def exposure(ctx: Context) -> Verdict:
    r = ctx.ct.run("systemd-analyze", "security", "--offline=true", ctx.installed.service,
                   timeout=60)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", r.stdout)
    v = Verdict(detail=f"exposure {m.group(1)}" if m else "")
    v.expect(bool(m), (r.stdout + r.stderr)[-500:])
    if m:
        v.expect(float(m.group(1)) <= MAX_EXPOSURE,
                 f"exposure {m.group(1)} > {MAX_EXPOSURE}:\n"
                 + "\n".join(line for line in r.stdout.splitlines() if "✗" in line))
    return v
