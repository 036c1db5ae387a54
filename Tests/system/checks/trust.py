"""The lean trust store: what the instances trust is what the system trusts, for less.

The package's ca-certificates hook (/etc/ca-certificates/update.d/o1-proxy) writes one root of
the system's bundle to /var/cache/o1-proxy/ca-certificates.crt, and the unit has the proxy's
libcurl read that in place of the bundle (O1_PROXY_CA_BUNDLE); OpenSSL finds every other root by
hash in /etc/ssl/certs. The test CA, which issued the HTTPS upstream's certificate, is added to the
system's store by the world (world.trust_test_ca)."""

from __future__ import annotations

import json
from contextlib import contextmanager

from systest import http, units, world

from . import Context, Verdict
from .exchange import chat_through

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
    return chat_through(ctx, f"https://{world.TLS_HOST}:{world.TLS_PORT}/v1", text)


def hashed_link(ctx: Context, pem_path: str) -> str:
    """The link by which OpenSSL finds a root in /etc/ssl/certs."""
    subject_hash = ctx.ct.check("openssl", "x509", "-hash", "-noout", "-in", pem_path).strip()
    return f"/etc/ssl/certs/{subject_hash}.0"


@contextmanager
def unlinked(ctx: Context, link: str):
    """A root out of the hashed directory (still in the bundle) for the duration."""
    target = ctx.ct.check("readlink", link).strip()
    ctx.ct.check("rm", link)
    try:
        yield
    finally:
        ctx.ct.check("ln", "-sfn", target, link)


@contextmanager
def test_ca_untrusted(ctx: Context):
    """The test CA out of the system's store for the duration, trusted again after."""
    world.trust_test_ca(ctx.ct, False)
    try:
        yield
    finally:
        world.trust_test_ca(ctx.ct, True)


def lean(ctx: Context) -> Verdict:
    """The hook has written one root of the bundle, the instances are told to read it, and they
    do: with the test CA out of the system's store and put in the lean file alone, the HTTPS
    upstream is trusted."""
    ct = ctx.ct
    system = certificates(ct.read(BUNDLE))
    written = certificates(ct.read(LEAN))
    with units.held(ct) as [instance]:
        env = ct.run("cat", f"/proc/{instance.pid}/environ").stdout.split("\0")
    got = over_tls(ctx, f"lean {ctx.material.nonce}").answer()
    v = Verdict(detail=f"{len(system)} roots in the system's bundle, {len(written)} in {LEAN}")
    v.expect(ct.run("test", "-x", HOOK).returncode == 0, f"no executable hook {HOOK}")
    v.expect(len(system) > 100,
             f"the system's bundle holds {len(system)} roots: no ca-certificates?")
    v.expect(written == system[:1],
             f"{LEAN} holds {len(written)} certificates, not the bundle's first")
    v.expect(f"O1_PROXY_CA_BUNDLE={LEAN}" in env, "the instance is not told to read the lean file")
    v.expect(got == f"echo: lean {ctx.material.nonce}", f"over TLS: {got!r}")
    with test_ca_untrusted(ctx):
        try:
            ct.check("cp", world.CA_CERT, LEAN)
            only_lean = over_tls(ctx, f"only in the lean file {ctx.material.nonce}").answer()
        finally:
            ct.check(HOOK)
    v.expect(only_lean == f"echo: only in the lean file {ctx.material.nonce}",
             f"with the test CA in the lean file alone: {only_lean!r}")
    return v


def untrusted_said(r: http.Response) -> bool:
    """The 502's message names the upstream's host and what libcurl said of its certificate."""
    try:
        message = json.loads(r.body)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return False
    return world.TLS_HOST in message and "unable to get local issuer certificate" in message


def same_roots(ctx: Context) -> Verdict:
    """A CA added with update-ca-certificates is trusted through the lean store (it is not in
    the lean file: found by hash), and once removed again it is not; the 502 then names the
    host and libcurl's reason ("unable to get local issuer certificate")."""
    ct = ctx.ct
    test_ca = certificates((ctx.material.rundir / world.CA_CERT.rpartition("/")[2]).read_text())
    v = Verdict()
    with test_ca_untrusted(ctx):
        before = over_tls(ctx, "before it is added")
        v.expect(before.status == 502, f"before the CA is added: {before.answer()!r}, want 502")
        v.expect(untrusted_said(before), "the 502 for an untrusted certificate does not name "
                 f"{world.TLS_HOST} and libcurl's reason: {before.body[:400]!r}")
    added = over_tls(ctx, f"added {ctx.material.nonce}").answer()
    lean_file = certificates(ct.read(LEAN))
    v.expect(added == f"echo: added {ctx.material.nonce}", f"with the CA added: {added!r}")
    v.expect(len(lean_file) == 1 and lean_file != test_ca and
             test_ca[0] in certificates(ct.read(BUNDLE)),
             "the test CA should be in the system's bundle and the lean file one other root")
    with test_ca_untrusted(ctx):
        removed = over_tls(ctx, "after it is removed")
        lean_after = certificates(ct.read(LEAN))
        v.expect(removed.status == 502 and untrusted_said(removed),
                 f"with the CA removed again: {removed.answer()!r}, want 502 naming "
                 f"{world.TLS_HOST} and libcurl's reason")
        v.expect(len(lean_after) == 1, f"after the removal {LEAN} holds {len(lean_after)}")
    return v


def fallback(ctx: Context) -> Verdict:
    """Without the lean file the instances read the whole bundle, never no trust: the hook
    removes the file when a root of the bundle is missing from the hashed directory, and then
    the test CA, taken out of the hashed directory too, is still found, in the bundle."""
    ct = ctx.ct
    v = Verdict()
    try:
        with unlinked(ctx, hashed_link(ctx, LEAN)):
            hook = ct.run(HOOK)
            v.expect(hook.returncode == 0 and "whole CA bundle" in hook.stderr,
                     f"the hook with a root missing from the hashed directory: exit "
                     f"{hook.returncode} {hook.stderr.strip()!r}")
            v.expect(ct.run("test", "-e", LEAN).returncode != 0, f"{LEAN} is still there")
            with unlinked(ctx, hashed_link(ctx, world.CA_CERT)):
                got = over_tls(ctx, f"whole bundle {ctx.material.nonce}").answer()
            v.expect(got == f"echo: whole bundle {ctx.material.nonce}",
                     f"over TLS, the test CA only in the bundle: {got!r}")
    finally:
        ct.check(HOOK)
    system = certificates(ct.read(BUNDLE))
    v.expect(certificates(ct.read(LEAN)) == system[:1], f"{LEAN} not written again")
    return v
