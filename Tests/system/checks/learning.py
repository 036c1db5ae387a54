"""What the proxy learns and the reasoning it keeps, kept by the service (issues 9 and 20), and
what the operator reads back from the journal (issue 12): all through the installed units, under
systemd."""

from __future__ import annotations

import json
import time

from systest import http, journal, world

from . import Context, Verdict
from .exchange import with_settings

STATE = "/var/lib/o1-proxy/learned.tsv"
# o9-future: a model no built-in rule knows, which refuses the system role, max_tokens and
# temperature one 400 at a time (Tests/e2e/fake_openai).
BODY = {"model": "o9-future", "max_tokens": 50, "temperature": 0.2,
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "learn"}]}


def _exchange(ctx: Context) -> tuple[int, str]:
    r = ctx.ct.run("curl", "-sS", "-o", "/dev/null", "-H", "Content-Type: application/json",
                   "--data-binary", json.dumps(BODY), "-w", "%{http_code} %{local_port}",
                   f"http://127.0.0.1:{http.PORT}/v1/chat/completions", timeout=35)
    status, _, port = r.stdout.partition(" ")
    return int(port or 0), status


def _upstream_calls(ctx: Context) -> int:
    r = ctx.ct.run("curl", "-sS", f"http://127.0.0.1:{world.UPSTREAM_PORT}/_fake/requests")
    return sum(1 for q in json.loads(r.stdout or "[]") if q["path"].startswith("/v1/chat/completions"))


def remembered(ctx: Context) -> Verdict:
    """An instance learns three fixes from three rejections; the next instance applies them
    first and reaches the upstream once."""
    ct = ctx.ct
    v = Verdict()
    reset = ["curl", "-sS", "-X", "POST", f"http://127.0.0.1:{world.UPSTREAM_PORT}/_fake/reset"]
    since = time.time()
    try:
        ct.check(*reset)
        first, status1 = _exchange(ctx)
        calls1 = _upstream_calls(ctx)
        ct.check(*reset)
        second, status2 = _exchange(ctx)
        calls2 = _upstream_calls(ctx)
        logged = journal.of_exchanges(ct, [first, second], "--since", f"@{since:.6f}")
        entry = {p: next((e for e in es if e.get("_TRANSPORT") == "journal"), {}) for p, es in logged.items()}
        learned = set(str(entry[first].get("O1_LEARNED", "")).split())
        mode = ct.run("stat", "-c", "%a %U", STATE).stdout.strip()
        v.detail = f"calls {calls1} then {calls2}; learned {sorted(learned)}"
        v.expect(status1 == "200" and status2 == "200", f"statuses {status1}, {status2}")
        v.expect(calls1 == 4 and calls2 == 1, f"upstream calls: {calls1}, then {calls2} (want 4, then 1)")
        v.expect(learned == {"rename:max_tokens->max_completion_tokens", "drop:temperature", "role:system->user"},
                 f"first entry learned {learned}")
        v.expect(set(str(entry[second].get("O1_REMEMBERED", "")).split()) == learned
                 and "O1_LEARNED" not in entry[second], f"second entry: {entry[second].get('MESSAGE')}")
        v.expect(mode == "600 o1-proxy", f"{STATE} is {mode!r}")
    finally:
        ct.run("rm", "-f", STATE)
    return v


TOOLS = [{"type": "function", "function": {"name": "get_weather",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]


def _post(ctx: Context, body: dict) -> tuple[int, dict]:
    r = ctx.ct.run("curl", "-sS", "-H", "Content-Type: application/json", "--data-binary", json.dumps(body),
                   "-w", "\n%{local_port}", f"http://127.0.0.1:{http.PORT}/v1/chat/completions", timeout=35)
    text, _, port = r.stdout.rpartition("\n")
    try:
        return int(port or 0), json.loads(text)
    except ValueError:
        return int(port or 0), {"error": text[-300:]}


def reasoning_kept(ctx: Context) -> Verdict:
    """Two tool turns of gpt-5 through the installed unit: the first one's reasoning is kept in
    /var/lib/o1-proxy (Landlock lets the instance write it, 0600 o1-proxy, nobody else reads
    it), the second sends it back, and `o1-proxy rules` counts it."""
    ct, binary = ctx.ct, ctx.installed.binary
    v = Verdict()
    since = time.time()
    messages = [{"role": "user", "content": f"please call a tool ({ctx.material.nonce})"}]
    ct.check("curl", "-sS", "-X", "POST", f"http://127.0.0.1:{world.UPSTREAM_PORT}/_fake/reset")
    first, answer = _post(ctx, {"model": "gpt-5", "tools": TOOLS, "messages": messages})
    message = (answer.get("choices") or [{}])[0].get("message", {})
    calls = message.get("tool_calls") or [{}]
    messages += [message, {"role": "tool", "tool_call_id": calls[0].get("id"), "content": "sunny"}]
    second, answer2 = _post(ctx, {"model": "gpt-5", "tools": TOOLS, "messages": messages})
    logged = journal.of_exchanges(ct, [first, second], "--since", f"@{since:.6f}")
    entry = {p: next((e for e in es if e.get("_TRANSPORT") == "journal"), {}) for p, es in logged.items()}
    upstream = json.loads(ct.run("curl", "-sS", f"http://127.0.0.1:{world.UPSTREAM_PORT}/_fake/requests").stdout or "[]")
    replays = [len(q.get("reasoning_replay", [])) for q in upstream if q["path"] == "/v1/responses"]
    files = ct.run("sh", "-c", "stat -c '%a %U %n' /var/lib/o1-proxy/reasoning-*.jsonl").stdout.split("\n")
    files = [f for f in files if f]
    nobody = ct.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c",
                    "cat /var/lib/o1-proxy/reasoning-*.jsonl")
    shown = ct.run(binary, "rules")
    v.expect(calls[0].get("id") and answer2.get("choices", [{}])[0].get("message", {}).get("content") == "echo: tool said sunny",
             f"answers: {json.dumps(answer)[:300]} / {json.dumps(answer2)[:300]}")
    v.expect(replays == [0, 1], f"reasoning items the upstream got back per turn: {replays}")
    v.expect((entry[first].get("O1_REASONING_KEPT"), entry[second].get("O1_REASONING_REPLAYED")) == ("1", "1")
             and not any("O1_WARNING" in e for e in entry.values()),
             f"journal: {[e.get('MESSAGE') for e in entry.values()]} {[e.get('O1_WARNING') for e in entry.values()]}")
    v.expect(len(files) == 1 and all(f.startswith("600 o1-proxy ") for f in files), f"store files: {files}")
    v.expect(nobody.returncode != 0 and "Permission denied" in nobody.stderr,
             f"another user read the store, or it was not there: {nobody.stderr[-200:]!r}")
    v.expect("# Reasoning kept for tool turns (/var/lib/o1-proxy/reasoning-*.jsonl): " in shown.stdout
             and shown.returncode == 0, f"o1-proxy rules: {shown.stdout[-400:]!r} {shown.stderr[-200:]!r}")
    ct.run("sh", "-c", "rm -f /var/lib/o1-proxy/reasoning-*.jsonl")
    v.detail = f"replayed {replays}, {files}"
    return v


def usage_report(ctx: Context) -> Verdict:
    """`o1-proxy usage` reads the service's exchanges from the journal as root, and tells a user
    who may not read the journal how to (the systemd-journal group)."""
    ct, binary = ctx.ct, ctx.installed.binary
    port = http.chat(ct, "o1-mini", "for the report").client_port
    journal.of_exchanges(ct, [port])
    report = ct.run(binary, "usage", "--json", "--since", "-1h")
    denied = ct.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binary, "usage")
    v = Verdict()
    try:
        rows = {row["model"]: row for row in json.loads(report.stdout)["rows"]}
    except (ValueError, KeyError):
        rows = {}
    v.expect(report.returncode == 0 and rows.get("o1-mini", {}).get("exchanges", 0) >= 1,
             f"o1-proxy usage: exit {report.returncode}, rows {sorted(map(str, rows))} {report.stderr[-300:]}")
    v.expect(denied.returncode != 0 and "systemd-journal" in denied.stderr,
             f"as nobody: exit {denied.returncode} {denied.stderr[-300:]!r}")
    v.detail = f"{rows.get('o1-mini', {}).get('exchanges')} o1-mini exchanges in the last hour"
    return v


def rules_installed(ctx: Context) -> Verdict:
    """`o1-proxy rules` run as root with no arguments shows what the installed service uses (it
    asks systemd): the model an exchange just learned a fix for, from the service's
    /var/lib/o1-proxy/learned.tsv, and the rules file the env file names (O1_PROXY_RULES)."""
    ct, conf, binary = ctx.ct, ctx.installed.conf_dir, ctx.installed.binary
    model = f"o9-future-rules-{ctx.material.nonce}"
    rules = {"rules": [{"match": [f"gpt-4o-rules-{ctx.material.nonce}"], "drop": ["top_p"]}]}
    v = Verdict()
    before = ct.read(STATE)
    try:
        r = http.chat(ct, model, "learn for rules", fields={"max_tokens": 50})
        v.expect(r.status == 200, f"the learning exchange: {r.answer()}")
        plain = ct.run(binary, "rules")
        with ct.file(f"{conf}/rules.json", json.dumps(rules), "0640"), \
                with_settings(ctx, f"OPENAI_BASE_URL={world.BASE_URL}\n"
                                   f"O1_PROXY_RULES={conf}/rules.json\n"):
            ct.check("chgrp", "o1-proxy", f"{conf}/rules.json")
            with_file = ct.run(binary, "rules")
    finally:
        if before is None:
            ct.run("rm", "-f", STATE)
        else:
            ct.write(STATE, before, "0600")
            ct.check("chown", "o1-proxy:o1-proxy", STATE)
    for name, out in (("rules", plain), ("rules with O1_PROXY_RULES", with_file)):
        text = out.stdout
        v.expect(out.returncode == 0, f"{name}: exit {out.returncode} {out.stderr[-300:]!r}")
        v.expect(text.startswith("# As the installed service (o1-proxy@.service) runs:"),
                 f"{name} does not say it shows the installed service: {text[:200]!r}")
        v.expect(STATE in text and f'{{"match":["{model}"]' in text,
                 f"{name} does not list {model} from {STATE}: {text[-600:]!r}")
    v.expect(f"# From {conf}/rules.json:" in with_file.stdout
             and json.dumps(rules["rules"][0], separators=(",", ":")) in with_file.stdout,
             f"rules does not show {conf}/rules.json: {with_file.stdout[:600]!r}")
    v.expect("rules.json" not in plain.stdout, "without O1_PROXY_RULES it names a rules file")
    v.detail = f"lists {model} and {conf}/rules.json"
    return v
