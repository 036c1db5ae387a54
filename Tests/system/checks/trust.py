"""The lean trust store: what the instances trust is what the system trusts, for less.

The package's ca-certificates hook (/etc/ca-certificates/update.d/o1-proxy) writes one root of
the system's bundle to /var/cache/o1-proxy/ca-certificates.crt, and the unit binds that over
the bundle; OpenSSL finds every other root by hash in /etc/ssl/certs. The test CA is the HTTPS
upstream's own certificate, added to the system's store by the world (world.trust_test_ca)."""

from __future__ import annotations

from contextlib import contextmanager

from systest import http, units, world

from . import Context, Verdict
from .exchange import with_settings

BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
LEAN = "/var/cache/o1-proxy/ca-certificates.crt"
HOOK = "/etc/ca-certificates/update.d/o1-proxy"


def certificates(pem: str | None) -> list[str]:
    """The PEM blocks of a bundle, in order."""
    end = "-----END CERTIFICATE-----"
    return [block[block.index("-----BEGIN"):] + end
            for block in (pem or "").split(end) if "-----BEGIN CERTIFICATE-----" in block]


def over_tls(ctx: Context, text: str) -> http.Response:
    """A chat completion through the proxy to the fake upstream behind TLS, by host name."""
    with with_settings(ctx, f"OPENAI_BASE_URL=https://{world.TLS_HOST}:{world.TLS_PORT}/v1\n"):
        return http.chat(ctx.ct, "o1-mini", text)


def seen_by_instance(ctx: Context) -> list[str]:
    """The bundle as a live instance sees it, in its own mount namespace."""
    with units.held(ctx.ct) as [instance]:
        return certificates(ctx.ct.read(f"/proc/{instance.pid}/root{BUNDLE}"))


@contextmanager
def test_ca_untrusted(ctx: Context):
    """The test CA out of the system's store for the duration, trusted again after."""
    world.trust_test_ca(ctx.ct, False)
    try:
        yield
    finally:
        world.trust_test_ca(ctx.ct, True)


def lean(ctx: Context) -> Verdict:
    """The hook has written one root of the bundle; the instances see it in the bundle's place."""
    ct = ctx.ct
    system = certificates(ct.read(BUNDLE))
    written = certificates(ct.read(LEAN))
    seen = seen_by_instance(ctx)
    got = over_tls(ctx, f"lean {ctx.material.nonce}").answer()
    v = Verdict(detail=f"{len(system)} roots in the system's bundle, {len(seen)} in the instance's")
    v.expect(ct.run("test", "-x", HOOK).returncode == 0, f"no executable hook {HOOK}")
    v.expect(len(system) > 100,
             f"the system's bundle holds {len(system)} roots: no ca-certificates?")
    v.expect(written == system[:1],
             f"{LEAN} holds {len(written)} certificates, not the bundle's first")
    v.expect(seen == system[:1], f"an instance sees {len(seen)} certificates in {BUNDLE}")
    v.expect(got == f"echo: lean {ctx.material.nonce}", f"over TLS: {got!r}")
    return v


def same_roots(ctx: Context) -> Verdict:
    """A CA added with update-ca-certificates is trusted through the lean store (it is not in
    the lean file: found by hash), and once removed again it is not."""
    ct = ctx.ct
    test_ca = certificates((ctx.material.rundir / "tls.crt").read_text())
    v = Verdict()
    with test_ca_untrusted(ctx):
        before = over_tls(ctx, "before it is added")
        v.expect(before.status == 502, f"before the CA is added: {before.answer()!r}, want 502")
    added = over_tls(ctx, f"added {ctx.material.nonce}").answer()
    lean_file = certificates(ct.read(LEAN))
    v.expect(added == f"echo: added {ctx.material.nonce}", f"with the CA added: {added!r}")
    v.expect(len(lean_file) == 1 and lean_file != test_ca and
             test_ca[0] in certificates(ct.read(BUNDLE)),
             "the test CA should be in the system's bundle and the lean file one other root")
    with test_ca_untrusted(ctx):
        removed = over_tls(ctx, "after it is removed")
        lean_after = certificates(ct.read(LEAN))
        v.expect(removed.status == 502,
                 f"with the CA removed again: {removed.answer()!r}, want 502")
        v.expect(len(lean_after) == 1, f"after the removal {LEAN} holds {len(lean_after)}")
    return v


def fallback(ctx: Context) -> Verdict:
    """Without the lean file the instances get the whole bundle, never no trust; the hook
    removes the file when a root of the bundle is missing from the hashed directory."""
    ct = ctx.ct
    system = certificates(ct.read(BUNDLE))
    first_hash = ct.check("openssl", "x509", "-hash", "-noout", "-in", LEAN).strip()
    link = f"/etc/ssl/certs/{first_hash}.0"
    target = ct.check("readlink", link).strip()
    v = Verdict()
    try:
        ct.check("rm", link)
        hook = ct.run(HOOK)
        v.expect(hook.returncode == 0 and "whole CA bundle" in hook.stderr,
                 f"the hook with a root missing from the hashed directory: exit "
                 f"{hook.returncode} {hook.stderr.strip()!r}")
        v.expect(ct.run("test", "-e", LEAN).returncode != 0, f"{LEAN} is still there")
        seen = seen_by_instance(ctx)
        v.expect(seen == system, f"without {LEAN} an instance sees {len(seen)} certificates, "
                 f"want the whole bundle ({len(system)})")
        got = over_tls(ctx, f"whole bundle {ctx.material.nonce}").answer()
        v.expect(got == f"echo: whole bundle {ctx.material.nonce}", f"over TLS: {got!r}")
    finally:
        ct.run("ln", "-sfn", target, link)
        ct.check(HOOK)
    v.expect(certificates(ct.read(LEAN)) == system[:1], f"{LEAN} not written again")
    return v
