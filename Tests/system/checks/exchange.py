"""Exchanges through the installed socket, and what they leave behind: the journal entry, no
process."""

from __future__ import annotations

import json
import re
import time

from systest import http, journal, units, world

from . import Context, Verdict


def plain(ctx: Context) -> Verdict:
    text = f"hello from systemd {ctx.material.nonce}"
    got = http.chat(ctx.ct, "o1-mini", text).answer()
    v = Verdict()
    v.expect(got == f"echo: {text}", f"got {got!r}")
    return v


def stream(ctx: Context) -> Verdict:
    text = f"stream {ctx.material.nonce}"
    r = http.chat(ctx.ct, "o1-mini", text, stream=True)
    streamed, datas = r.sse()
    v = Verdict()
    v.expect(r.status == 200 and r.headers.get("content-type", "").startswith("text/event-stream")
             and streamed == f"echo: {text}" and datas[-1:] == ["[DONE]"],
             f"status {r.status} {r.headers.get('content-type')!r} text {streamed!r} "
             f"last {datas[-1:]!r} body {r.body[:300]!r}")
    return v


def credential(ctx: Context) -> Verdict:
    ct = ctx.ct
    ct.check("curl", "-sS", "-X", "POST", f"http://127.0.0.1:{world.UPSTREAM_PORT}/_fake/reset")
    http.chat(ct, "o1-mini", "which key")
    r = ct.run("curl", "-sS", f"http://127.0.0.1:{world.UPSTREAM_PORT}/_fake/requests")
    try:
        auths = {q["headers"].get("authorization") for q in json.loads(r.stdout)
                 if q["path"].startswith("/v1/chat/completions")}
    except ValueError:
        auths = {f"unreadable /_fake/requests: {r.stdout[:200]}"}
    v = Verdict()
    v.expect(auths == {f"Bearer {ctx.material.key}"},
             f"{len(auths)} distinct Authorization values, not the test key")
    return v


def with_settings(ctx: Context, settings: str):
    """The env file holds `settings` for the duration."""
    return ctx.ct.file(f"{ctx.installed.conf_dir}/o1-proxy.env", settings, "0600")


def chat_through(ctx: Context, base_url: str, text: str) -> http.Response:
    """A chat completion with the env file pointing the proxy at `base_url`."""
    with with_settings(ctx, f"OPENAI_BASE_URL={base_url}\n"):
        return http.chat(ctx.ct, "o1-mini", text)


def echoes(ctx: Context, base_url: str, what: str) -> Verdict:
    text = f"{what} {ctx.material.nonce}"
    got = chat_through(ctx, base_url, text).answer()
    v = Verdict()
    v.expect(got == f"echo: {text}", f"got {got!r}")
    return v


def tls(ctx: Context) -> Verdict:
    return echoes(ctx, f"https://{world.TLS_HOST}:{world.TLS_PORT}/v1", "over tls")


def dns(ctx: Context) -> Verdict:
    return echoes(ctx, f"http://{world.DNS_HOST}:{world.UPSTREAM_PORT}/v1", "by dns")


def rules_file(ctx: Context) -> Verdict:
    """The operator's rules file where the README puts it: /etc/o1-proxy (0750 root:o1-proxy),
    the file 0640 root:o1-proxy."""
    ct, conf = ctx.ct, ctx.installed.conf_dir
    rules = {"rules": [{"match": ["gpt-4o"], "drop": ["temperature"]}]}
    ct.check("curl", "-sS", "-X", "POST", f"http://127.0.0.1:{world.UPSTREAM_PORT}/_fake/reset")
    body = json.dumps({"model": "gpt-4o", "temperature": 0.5,
                       "messages": [{"role": "user", "content": "rules"}]})
    with ct.file(f"{conf}/rules.json", json.dumps(rules), "0640"), \
            with_settings(ctx, f"OPENAI_BASE_URL={world.BASE_URL}\n"
                                f"O1_PROXY_RULES={conf}/rules.json\n"):
        ct.check("chgrp", "o1-proxy", f"{conf}/rules.json")
        r = ct.run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                   "Content-Type: application/json", "--data-binary", body,
                   f"http://127.0.0.1:{http.PORT}/v1/chat/completions")
    sent = ct.run("curl", "-sS", f"http://127.0.0.1:{world.UPSTREAM_PORT}/_fake/requests")
    bodies = [q.get("body") for q in json.loads(sent.stdout or "[]")]
    v = Verdict()
    v.expect(r.stdout == "200", f"status {r.stdout} {r.stderr.strip()}")
    v.expect(len(bodies) == 1 and "temperature" not in json.dumps(bodies[0]),
             f"the upstream got {bodies!r}: the rule was not applied")
    return v


def journal_entries(ctx: Context) -> Verdict:
    """One structured entry per exchange, found by SYSLOG_IDENTIFIER (journalctl -t o1-proxy):
    by unit (-u 'o1-proxy@*') an entry is missed when its instance exited before journald read
    it, which happens under load."""
    ct = ctx.ct
    models = ("o1-mini", "o1-mini", "gpt-4o")
    since = time.time()
    ports = [http.chat(ct, model, f"journal {i}", stream=i == 1).client_port
             for i, model in enumerate(models)]
    logged = journal.of_exchanges(ct, ports, "--since", f"@{since:.6f}")
    v = Verdict()
    for model, port in zip(models, ports):
        es = logged[port]
        structured = [e for e in es if e.get("_TRANSPORT") == "journal"]
        v.expect(len(structured) == 1, f"{len(structured)} structured entries for {model}")
        v.expect(len(es) == len(structured), f"other lines from {model}'s instance: "
                 + "; ".join(repr(e.get("MESSAGE"))[:160] for e in es if e not in structured))
        for e in structured:
            bad = {k: e.get(k) for k, want in (("PRIORITY", "6"), ("O1_STATUS", "200"),
                                                ("O1_MODEL", model))
                   if e.get(k) != want}
            v.expect(not bad, f"entry {e.get('MESSAGE', '')[:80]!r}: {bad}")
    streams = [e.get("O1_STREAM") for es in logged.values() for e in es]
    v.expect("faked" in streams, f"O1_STREAM values {streams}, want one 'faked'")
    return v


def key_never_logged(ctx: Context) -> Verdict:
    port = http.chat(ctx.ct, "o1-mini", "log me").client_port
    journal.of_exchanges(ctx.ct, [port])
    dump = journal.export(ctx.ct)
    key = ctx.material.key
    v = Verdict(detail=f"{len(re.findall(r'^MESSAGE=', dump, re.M))} entries, all fields")
    v.expect(key not in dump and key[-16:] not in dump, "the key is in the journal")
    return v


def idle(ctx: Context) -> Verdict:
    ct = ctx.ct
    http.chat(ct, "o1-mini", "and then nothing")
    left_units, pids = units.wait_idle(ct, 10)
    connections = ct.run("systemctl", "show", "o1-proxy.socket", "-p", "NConnections",
                         "--value").stdout.strip()
    v = Verdict()
    v.expect(not left_units and not pids and connections == "0",
             f"units={left_units} pids={pids} NConnections={connections}")
    return v


def missing_key(ctx: Context) -> Verdict:
    """Without the key file, systemd hands the instance SetCredential='s stand-in and the proxy
    answers a client that brings no key of its own with an OpenAI-shaped 500 naming the file
    to create, and logs the exchange under its identifier (once: every connection was reset,
    status=243/CREDENTIALS, nothing under o1-proxy). The key is put back after."""
    ct = ctx.ct
    path = f"{ctx.installed.conf_dir}/openai-api-key"
    since = time.time()
    ct.check("rm", path)
    try:
        r = http.chat(ct, "o1-mini", "no key")
    finally:
        ct.write(path, ctx.material.key, "0600")
    logged = journal.of_exchanges(ct, [r.client_port], "--since", f"@{since:.6f}")
    entry = next((e for e in logged[r.client_port] if e.get("_TRANSPORT") == "journal"), {})
    try:
        error = json.loads(r.body)["error"]
    except (ValueError, KeyError, TypeError):
        error = {}
    abnormal = journal.abnormal_ends(ct, since)
    after = http.chat(ct, "o1-mini", f"key back {ctx.material.nonce}").answer()
    v = Verdict(detail=f"{r.status}: {error.get('message', '')[:120]!r}")
    v.expect(r.status == 500 and error.get("type") == "server_error"
             and error.get("code") == "missing_api_key" and path in error.get("message", ""),
             f"status {r.status} {r.body[:300]!r}")
    v.expect(entry.get("O1_STATUS") == "500",
             f"journal under o1-proxy: {entry.get('MESSAGE')!r} O1_STATUS={entry.get('O1_STATUS')}")
    v.expect(not abnormal, f"instances ended abnormally: {abnormal[:3]}")
    v.expect(after == f"echo: key back {ctx.material.nonce}", f"with the key back: {after!r}")
    return v
