"""`o1-proxy usage`, the release binary end to end: the report made from the proxy's own log
lines, from the journal through journalctl (a fake one on PATH, printing what the real one
prints), with an operator's prices, and its page rendered in a real headless browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import e2e_helpers as h
from headless_browser import Browser, chromium_path


def usage(*args: str, env: dict | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    full_env = {"PATH": os.environ["PATH"], "TZ": "UTC", **(env or {})}
    return subprocess.run([str(h.proxy_binary()), "usage", *args], input=stdin, capture_output=True, env=full_env,
                          timeout=60)


def usage_json(*args: str, **kw) -> dict:
    r = usage(*args, "--json", **kw)
    assert r.returncode == 0, r.stderr.decode()
    return json.loads(r.stdout)


def rows_by_model(report: dict) -> dict:
    return {row["model"]: row for row in report["rows"]}


# --------------------------------------------------------------------------------------
# The proxy's own log lines

def test_report_of_the_proxys_own_log(proxy, fake, tmp_path):
    mark = proxy.mark()
    seen = {}  # model -> usages the clients were given

    def answer(model, r):
        assert r.status == 200, r.raw[:500]
        chunks = [c for c in h.json_chunks(r) if c.get("usage")] if r.header("Content-Type", "").startswith("text/event-stream") \
            else [r.json()]
        seen.setdefault(model, []).extend(c["usage"] for c in chunks)

    answer("o1-mini", h.chat(proxy.port, {"model": "o1-mini", "temperature": 0.2, "messages": [
        {"role": "system", "content": "be brief"}, {"role": "user", "content": "report me"}]}))
    answer("o1-mini", h.chat(proxy.port, {"model": "o1-mini", "stream": True, "stream_options": {"include_usage": True},
                                          "messages": [{"role": "user", "content": "a faked stream"}]}))
    answer("o3-mini", h.chat(proxy.port, {"model": "o3-mini", "stream": True, "stream_options": {"include_usage": True},
                                          "messages": [{"role": "user", "content": "a native stream"}]}))
    answer("gpt-4o", h.chat(proxy.port, {"model": "gpt-4o", "messages": [{"role": "user", "content": "plain"}]}))
    answer("o1-pro", h.chat(proxy.port, {"model": "o1-pro", "messages": [{"role": "user", "content": "bridged"}]}))
    answer("o9-future", h.chat(proxy.port, {"model": "o9-future", "max_tokens": 50, "temperature": 0.3, "messages": [
        {"role": "system", "content": "learn"}, {"role": "user", "content": "three fixes"}]}))
    assert h.chat(proxy.port, b"{oops").status == 400
    assert h.request(proxy.port, "GET", "/v1/models").status == 200
    assert h.chat(proxy.port, {"model": "fault-500-json", "messages": [{"role": "user", "content": "x"}]}).status == 500
    lines = [e for e in proxy.entries(mark, count=9)]

    log = tmp_path / "proxy.log"
    log.write_bytes(proxy.log_path.read_bytes()[mark:])  # systemd-socket-activate's lines included
    report = usage_json("--file", str(log))
    assert report == usage_json("--file", "-", stdin=log.read_bytes()) | {"source": str(log)}

    def logged(model, key):
        return sum(int(e.get(key, 0)) for e in lines if e.get("model") == model)

    rows = rows_by_model(report)
    assert set(rows) == {"o1-mini", "o3-mini", "gpt-4o", "o1-pro", "o9-future", "fault-500-json", None}
    assert report["total"]["exchanges"] == 9
    for model in ("o1-mini", "o3-mini", "gpt-4o", "o1-pro", "o9-future"):
        tokens = rows[model]["tokens"]
        # The report says what the log says, and the log what the clients were told.
        for key in ("prompt", "completion", "reasoning"):
            assert tokens[key] == logged(model, f"{key}_tokens"), (model, key)
        assert tokens["prompt"] == sum(u["prompt_tokens"] for u in seen[model])
        assert tokens["completion"] == sum(u["completion_tokens"] for u in seen[model])
        assert tokens["reasoning"] == sum(u["completion_tokens_details"]["reasoning_tokens"] for u in seen[model])
        # cached_tokens is logged by newer proxies only; without it the report counts none.
        cached = sum(u.get("prompt_tokens_details", {}).get("cached_tokens", 0) for u in seen[model]) \
            if any("cached_tokens" in e for e in lines) else 0
        assert tokens["cached"] == cached
    # What pricing needs: the tier that served each answer (whole, faked, native stream, bridged),
    # and the cache writes where the upstream says them (the fake's Responses answers do).
    for model in ("o1-mini", "o3-mini", "gpt-4o", "o1-pro", "o9-future"):
        assert rows[model]["tokens"]["cache_write"] == logged(model, "cache_write_tokens")
    assert [e.get("service_tier") for e in lines if "prompt_tokens" in e] == ["default"] * 6, lines
    assert next(e for e in lines if e.get("model") == "o1-pro")["cache_write_tokens"] == "0"
    assert rows["o1-mini"]["exchanges"] == 2
    assert rows["o1-mini"]["cost"]["priced_as"] == "o1-mini"
    fixes = next(e for e in lines if e.get("model") == "o9-future")["learned"].split()
    assert len(fixes) == 3
    assert rows["o9-future"]["rejected_round_trips"] == 3
    assert rows["o9-future"]["learned"] == {fix: 1 for fix in fixes}
    assert rows["o9-future"]["cost"] is None and report["unpriced_models"] == ["o9-future"]
    assert report["total"]["cost"]["complete"] is False
    assert rows[None]["exchanges"] == 2 and rows[None]["errors"]["4xx"] == 1
    assert rows["fault-500-json"]["errors"]["5xx"] == 1
    durations = sorted(int(e["duration_ms"]) for e in lines)
    assert report["total"]["duration_ms"]["p95"] == durations[-1]
    if all("time" in e for e in lines):
        assert report["undated_exchanges"] == 0 and report["period"] is not None
    else:
        assert report["undated_exchanges"] == 9 and report["period"] is None

    text = usage("--file", str(log))
    assert text.returncode == 0
    out = text.stdout.decode()
    assert "9 exchanges" in out and "o9-future" in out and "no price" in out
    assert "No price for o9-future" in out


# --------------------------------------------------------------------------------------
# The journal, through journalctl

FAKE_JOURNALCTL = """#!/bin/sh
printf '%s\\n' "$@" > "$FAKE_JOURNALCTL_ARGS"
cat "$FAKE_JOURNALCTL_STDOUT"
printf '%s' "$FAKE_JOURNALCTL_STDERR" >&2
exit "$FAKE_JOURNALCTL_STATUS"
"""


@pytest.fixture
def journalctl(tmp_path):
    """Runs `o1-proxy usage` with a journalctl on PATH that prints `stdout` and `stderr`, exits
    with `status` and records its arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "journalctl").write_text(FAKE_JOURNALCTL)
    (bin_dir / "journalctl").chmod(0o755)

    def run(*args, stdout: str = "", stderr: str = "", status: int = 0):
        (tmp_path / "stdout").write_text(stdout)
        env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_JOURNALCTL_ARGS": str(tmp_path / "args"),
               "FAKE_JOURNALCTL_STDOUT": str(tmp_path / "stdout"), "FAKE_JOURNALCTL_STDERR": stderr,
               "FAKE_JOURNALCTL_STATUS": str(status)}
        result = usage(*args, env=env)
        result.journalctl_args = (tmp_path / "args").read_text().splitlines() if (tmp_path / "args").exists() else None
        return result

    return run


NOV_24_NOON = 1_795_521_600_000_000  # 2026-11-24 12:00:00 UTC, in µs
UNIT = "o1-proxy@1-127.0.0.1:4567-127.0.0.1:40000.service"


def exchange_entry(time_us: int, **fields) -> dict:
    return {"__REALTIME_TIMESTAMP": str(time_us), "__MONOTONIC_TIMESTAMP": str(time_us - NOV_24_NOON + 10**9),
            "_BOOT_ID": "5f0c2a6e9d7b4c1e8a3f0b6d2c9e7a41", "_SYSTEMD_UNIT": UNIT, "PRIORITY": "6",
            "SYSLOG_IDENTIFIER": "o1-proxy", "O1_METHOD": "POST", "O1_PATH": "/v1/chat/completions", **fields}


def systemd_entry(time_us: int, message: str) -> dict:
    return {"__REALTIME_TIMESTAMP": str(time_us), "__MONOTONIC_TIMESTAMP": str(time_us - NOV_24_NOON + 10**9),
            "_BOOT_ID": "5f0c2a6e9d7b4c1e8a3f0b6d2c9e7a41", "SYSLOG_IDENTIFIER": "systemd", "UNIT": UNIT, "MESSAGE": message}


def pid1_entry(time_us: int, unit: str, message: str, **fields) -> dict:
    """What systemd itself (PID 1) logs about a unit."""
    return {"__REALTIME_TIMESTAMP": str(time_us), "__MONOTONIC_TIMESTAMP": str(time_us - NOV_24_NOON + 10**9),
            "_BOOT_ID": "5f0c2a6e9d7b4c1e8a3f0b6d2c9e7a41", "_PID": "1", "SYSLOG_IDENTIFIER": "systemd", "UNIT": unit,
            "MESSAGE": message, **fields}


CRASHED = "o1-proxy@2-127.0.0.1:4567-127.0.0.1:40001.service"
DAY2 = NOV_24_NOON + 86_400_000_000

JOURNAL = [
    systemd_entry(NOV_24_NOON - 1000, f"Started {UNIT} - o1-proxy exchange."),
    exchange_entry(NOV_24_NOON, MESSAGE="POST /v1/chat/completions o1 200 in 4000 ms", O1_MODEL="o1", O1_API="chat",
                   O1_STATUS="200", O1_DURATION_MS="4000", O1_UPSTREAM_MS="3990", O1_PROMPT_TOKENS="1000",
                   O1_CACHED_TOKENS="400", O1_COMPLETION_TOKENS="2000", O1_REASONING_TOKENS="1800",
                   O1_LEARNED="drop:temperature rename:max_tokens->max_completion_tokens"),
    systemd_entry(NOV_24_NOON + 1000, f"{UNIT}: Deactivated successfully."),
    # From a version before O1_API and O1_CACHED_TOKENS.
    exchange_entry(NOV_24_NOON + 86_400_000_000, MESSAGE="POST /v1/chat/completions o1-mini 200 in 900 ms",
                   O1_MODEL="o1-mini", O1_STATUS="200", O1_DURATION_MS="900", O1_UPSTREAM_MS="890",
                   O1_PROMPT_TOKENS="10", O1_COMPLETION_TOKENS="100", O1_REASONING_TOKENS="64"),
    # A model name that is not UTF-8 comes as bytes; a client that left has no tokens.
    exchange_entry(NOV_24_NOON + 86_400_000_001, MESSAGE="POST /v1/chat/completions ? 499 in 20000 ms: client gone",
                   O1_MODEL=b"o1-\xffmini", O1_STATUS="499", O1_DURATION_MS="20000", O1_ERROR="client gone"),
    # It logged 200, then its instance aborted: a failed exchange (issue 18). Another unit's
    # failure is not the proxy's.
    exchange_entry(DAY2 + 2, MESSAGE="POST /v1/chat/completions o3 200 in 30 ms", O1_MODEL="o3", O1_STATUS="200",
                   O1_DURATION_MS="30", O1_PEER="127.0.0.1:40001", _SYSTEMD_UNIT=CRASHED),
    pid1_entry(DAY2 + 3, CRASHED, f"{CRASHED}: Main process exited, code=killed, status=6/ABRT",
               MESSAGE_ID="98e322203f7a4ed290d09fe03c09fe15", EXIT_CODE="killed", EXIT_STATUS="6", PRIORITY="4"),
    pid1_entry(DAY2 + 4, CRASHED, f"{CRASHED}: Failed with result 'signal'.", MESSAGE_ID="d9b373ed55a64feb8242e02dbe79a49c",
               UNIT_RESULT="signal", PRIORITY="4"),
    pid1_entry(DAY2 + 5, "cron.service", "cron.service: Failed with result 'signal'.",
               MESSAGE_ID="d9b373ed55a64feb8242e02dbe79a49c", UNIT_RESULT="signal", PRIORITY="4"),
]


def as_journalctl_json(entry: dict, fields: list[str]) -> str:
    """The line `journalctl -o json --output-fields=FIELDS` prints: its own four fields, then
    the ones asked for; a value that is not UTF-8 as its bytes."""
    out = {"__CURSOR": f"s=1;i={entry['__REALTIME_TIMESTAMP']}"}
    for key, value in entry.items():
        if key.startswith("__") or key == "_BOOT_ID" or key in fields:
            out[key] = list(value) if isinstance(value, bytes) else value
    return json.dumps(out, separators=(",", ":"))


def export_format(entries: list[dict]) -> bytes:
    """systemd's journal export format, which systemd-journal-remote turns into a journal file."""
    out = b""
    for entry in entries:
        for key, value in entry.items():
            data = value if isinstance(value, bytes) else value.encode()
            if b"\n" in data or isinstance(value, bytes):
                out += key.encode() + b"\n" + len(data).to_bytes(8, "little") + data + b"\n"
            else:
                out += key.encode() + b"=" + data + b"\n"
        out += b"\n"
    return out


FIELDS = ["O1_MODEL", "O1_UPSTREAM_MODEL", "O1_STATUS", "O1_DURATION_MS", "O1_UPSTREAM_MS", "O1_PROMPT_TOKENS",
          "O1_CACHED_TOKENS", "O1_CACHE_WRITE_TOKENS", "O1_COMPLETION_TOKENS", "O1_REASONING_TOKENS", "O1_SERVICE_TIER",
          "O1_REASONING_REPLAYED", "O1_LEARNED", "O1_ADAPTATIONS", "O1_ERROR", "O1_PEER", "MESSAGE",
          "MESSAGE_ID", "UNIT", "UNIT_RESULT", "EXIT_CODE", "EXIT_STATUS", "_PID"]
# PID 1's entries about o1-proxy@ instances that ended abnormally, by their message ids.
INSTANCE_ENDS = ["+", "_PID=1", "MESSAGE_ID=98e322203f7a4ed290d09fe03c09fe15", "MESSAGE_ID=d9b373ed55a64feb8242e02dbe79a49c"]
JOURNAL_JSON = "".join(as_journalctl_json(e, FIELDS) + "\n" for e in JOURNAL)


def check_journal_report(report: dict):
    assert [(row["day"], row["model"]) for row in report["rows"]] == [
        ("2026-11-24", "o1"), ("2026-11-25", "o1-mini"), ("2026-11-25", "o3"), ("2026-11-25", "o1-\ufffdmini")]
    o1 = report["rows"][0]
    assert o1["tokens"] == {"prompt": 1000, "cached": 400, "cache_write": 0, "completion": 2000, "reasoning": 1800}
    assert o1["cost"]["usd"] == pytest.approx((600 * 15 + 400 * 7.5 + 2000 * 60) / 1e6)
    assert o1["rejected_round_trips"] == 2
    assert report["rows"][1]["tokens"]["cached"] == 0
    assert report["rows"][3]["errors"]["client_gone"] == 1
    assert report["rows"][2]["errors"]["crashed"] == 1 and report["rows"][2]["crashes"] == {"signal: killed 6": 1}
    assert [d["exchanges"] for d in report["day_totals"]] == [1, 3]
    assert report["total"]["errors"]["crashed"] == 1
    assert report["total"]["exchanges"] == 4
    assert report["period"] == {"first": "2026-11-24 12:00", "last": "2026-11-25 12:00"}


def test_journal_report_and_the_arguments_journalctl_gets(journalctl):
    r = journalctl("--since", "-7d", "--until=today", "--by", "day", "--json", stdout=JOURNAL_JSON)
    assert r.returncode == 0, r.stderr.decode()
    assert r.journalctl_args == [
        "--output=json", "--no-pager", "--output-fields=" + ",".join(FIELDS),
        "--since=-7d", "--until=today", "SYSLOG_IDENTIFIER=o1-proxy", *INSTANCE_ENDS]
    report = json.loads(r.stdout)
    assert report["source"] == "the journal since -7d until today"
    check_journal_report(report)
    assert report["lines_read"] == 9  # systemd's own messages are read; those not about a crash are left out


HINT = ("Hint: You are currently not seeing messages from other users and the system.\n"
        "      Users in groups 'adm', 'systemd-journal' can see all messages.\n"
        "      Pass -q to turn off this notice.\n")


@pytest.mark.parametrize("stderr,status", [
    (HINT, 0),  # the user's own journal only: no exchange, and a hint
    ("No journal files were opened due to insufficient permissions.\n", 1),
], ids=["hint", "no-files"])
def test_a_journal_the_user_may_not_read_says_how_to_read_it(journalctl, stderr, status):
    r = journalctl(stderr=stderr, status=status)
    assert r.returncode == 1, r.stdout.decode()
    message = r.stderr.decode()
    assert "systemd-journal" in message and "sudo" in message, message
    assert "usermod -aG systemd-journal" in message
    assert r.stdout == b""


def test_a_journal_without_any_exchange_yet_is_an_empty_report(journalctl):
    r = journalctl()
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode() == "o1-proxy usage of the journal: no exchanges.\n"
    assert json.loads(journalctl("--json").stdout)["rows"] == []


def test_journalctls_own_errors_are_passed_on(journalctl):
    r = journalctl("--since", "soon", stderr="Failed to parse timestamp: soon\n", status=1)
    assert r.returncode == 1
    assert r.stderr.decode() == "o1-proxy usage: journalctl: Failed to parse timestamp: soon\n"


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv")
def test_it_runs_from_a_directory_the_user_may_not_enter():
    """As `sudo -u alice o1-proxy usage` from root's home: journalctl does not care where it
    runs, so neither may the report (Foundation started it in the caller's directory and failed
    with "Permission denied")."""
    shared = Path(tempfile.mkdtemp(prefix="o1-usage-"))
    try:
        shared.chmod(0o755)
        (shared / "journalctl").write_text("#!/bin/sh\nexit 0\n")
        (shared / "journalctl").chmod(0o755)
        binary = shared / "o1-proxy"
        shutil.copy(h.proxy_binary(), binary)
        closed = shared / "closed"
        closed.mkdir(mode=0o700)
        r = subprocess.run([shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups", str(binary), "usage"],
                           cwd=closed, capture_output=True, env={"PATH": str(shared), "TZ": "UTC"}, timeout=60)
        assert r.returncode == 0, r.stderr.decode()
        assert "0 exchanges" in r.stdout.decode() or "no exchange" in r.stdout.decode().lower(), r.stdout.decode()
    finally:
        shutil.rmtree(shared)


def test_without_journalctl_it_points_to_file(tmp_path):
    r = usage(env={"PATH": str(tmp_path)})
    assert r.returncode == 1
    assert "journalctl not found" in r.stderr.decode() and "--file" in r.stderr.decode()


JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"


@pytest.mark.skipif(not os.path.exists(JOURNAL_REMOTE) or os.geteuid() != 0,
                    reason="needs root and systemd-journal-remote (apt-get install systemd-journal-remote)")
def test_the_real_journalctl_on_a_real_journal_file():
    """A real journal file (written by systemd-journal-remote) read by the real journalctl with
    the command's own arguments: as root, the report of the fake journalctl's test; as a user
    outside the systemd-journal group, journalctl's real refusal and the advice."""
    root = Path(tempfile.mkdtemp(prefix="o1proxy-journal-"))
    try:
        root.chmod(0o755)
        journal = root / "journal"
        journal.mkdir(mode=0o755)
        export = root / "entries.export"
        export.write_bytes(export_format(JOURNAL))
        subprocess.run([JOURNAL_REMOTE, f"--output={journal}/remote.journal", "--split-mode=none", str(export)],
                       check=True, capture_output=True, timeout=60)
        # The command always reads the system journal; this journalctl is the real one, pointed
        # at the directory above.
        shim = root / "bin" / "journalctl"
        shim.parent.mkdir(mode=0o755)
        shim.write_text(f'#!/bin/sh\nexec {shutil.which("journalctl")} --directory={journal} "$@"\n')
        shim.chmod(0o755)
        env = {"PATH": f"{shim.parent}:{os.environ['PATH']}", "TZ": "UTC"}

        report = usage_json("--since", "2026-11-01", "--by", "day", env=env)
        check_journal_report(report)
        assert report["lines_read"] == 7  # journalctl selected the proxy's entries and PID 1's failures itself

        r = subprocess.run(["runuser", "-u", "nobody", "--", str(h.proxy_binary()), "usage"], capture_output=True,
                           env=env, timeout=60, cwd="/")
        assert r.returncode == 1, (r.stdout, r.stderr)
        message = r.stderr.decode()
        assert "No journal files were opened due to insufficient permissions" in message
        assert "as nobody" in message and "sudo usermod -aG systemd-journal nobody" in message
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------------------
# Today's models, priced per exchange (issue 23)

TODAY = [
    # Over 272K prompt tokens: all of it at the long-context rates.
    exchange_entry(NOV_24_NOON, MESSAGE="POST /v1/responses gpt-5.4 200 in 9000 ms", O1_MODEL="gpt-5.4", O1_API="responses",
                   O1_STATUS="200", O1_DURATION_MS="9000", O1_PROMPT_TOKENS="300000", O1_CACHED_TOKENS="100000",
                   O1_COMPLETION_TOKENS="2000", O1_REASONING_TOKENS="1500", O1_SERVICE_TIER="default"),
    exchange_entry(NOV_24_NOON + 1, MESSAGE="POST /v1/chat/completions gpt-5.4 200 in 900 ms", O1_MODEL="gpt-5.4",
                   O1_STATUS="200", O1_DURATION_MS="900", O1_PROMPT_TOKENS="10000", O1_CACHED_TOKENS="0",
                   O1_COMPLETION_TOKENS="1000", O1_REASONING_TOKENS="500", O1_SERVICE_TIER="default"),
    # Cache writes, and reasoning replayed into a bridged conversation.
    exchange_entry(NOV_24_NOON + 2, MESSAGE="POST /v1/chat/completions gpt-5.6-sol 200 in 2000 ms", O1_MODEL="gpt-5.6-sol",
                   O1_API="responses", O1_STATUS="200", O1_DURATION_MS="2000", O1_PROMPT_TOKENS="50000",
                   O1_CACHED_TOKENS="20000", O1_CACHE_WRITE_TOKENS="30000", O1_COMPLETION_TOKENS="4000",
                   O1_REASONING_TOKENS="3000", O1_SERVICE_TIER="default", O1_REASONING_REPLAYED="3"),
    # Flex.
    exchange_entry(DAY2, MESSAGE="POST /v1/chat/completions gpt-6-astra 200 in 30000 ms", O1_MODEL="gpt-6-astra",
                   O1_API="responses", O1_STATUS="200", O1_DURATION_MS="30000", O1_PROMPT_TOKENS="20000",
                   O1_CACHED_TOKENS="10000", O1_CACHE_WRITE_TOKENS="0", O1_COMPLETION_TOKENS="2000",
                   O1_REASONING_TOKENS="1800", O1_SERVICE_TIER="flex"),
    # From a version before the tier was logged.
    exchange_entry(DAY2 + 1, MESSAGE="POST /v1/chat/completions o3 200 in 700 ms", O1_MODEL="o3", O1_STATUS="200",
                   O1_DURATION_MS="700", O1_PROMPT_TOKENS="1000", O1_COMPLETION_TOKENS="500", O1_REASONING_TOKENS="400"),
    # A preset: the client's name, the target billed.
    exchange_entry(DAY2 + 2, MESSAGE="POST /v1/chat/completions fast (gpt-6-astra) 200 in 800 ms", O1_MODEL="fast",
                   O1_UPSTREAM_MODEL="gpt-6-astra", O1_STATUS="200", O1_DURATION_MS="800", O1_PROMPT_TOKENS="1000",
                   O1_COMPLETION_TOKENS="100", O1_REASONING_TOKENS="0", O1_SERVICE_TIER="default"),
    # An entry of the proxy's that cannot be read.
    exchange_entry(DAY2 + 3, MESSAGE="POST /v1/chat/completions o3 ?", O1_MODEL="o3", O1_STATUS="2OO"),
]

# What each row costs and saves, by hand (USD per million tokens from genai-prices 0.2.5):
#   gpt-5.4      200,000 × $5 + 100,000 × $0.50 + 2,000 × $22.50 (long)  +  10,000 × $2.50 + 1,000 × $15
#                saved 100,000 × ($5 - $0.50)
#   gpt-5.6-sol  20,000 × $0.40 + 30,000 × $5 + 4,000 × $20;  saved 20,000 × $3.60 - 30,000 × $1
#   gpt-6-astra  flex: 10,000 × $5 + 10,000 × $0.50 + 2,000 × $25;  saved 10,000 × $4.50
#   o3           1,000 × $2 + 500 × $8
#   fast         as gpt-6-astra: 1,000 × $10 + 100 × $50
TODAY_COSTS = {
    ("gpt-5.4", None): (1.0 + 0.05 + 0.045 + 0.025 + 0.015, 0.45),
    ("gpt-5.6-sol", None): (0.008 + 0.15 + 0.08, 0.072 - 0.03),
    ("gpt-6-astra", None): (0.05 + 0.005 + 0.05, 0.045),
    ("o3", None): (0.002 + 0.004, 0),
    ("fast", "gpt-6-astra"): (0.01 + 0.005, 0),
}


def test_todays_models_are_priced_per_exchange(journalctl):
    stdout = "".join(as_journalctl_json(e, FIELDS) + "\n" for e in TODAY)
    report = json.loads(journalctl("--json", stdout=stdout).stdout)
    rows = {(row["model"], row["upstream_model"]): row for row in report["rows"]}
    assert set(rows) == set(TODAY_COSTS)
    for key, (usd, saved) in TODAY_COSTS.items():
        cost = rows[key]["cost"]
        assert cost["complete"] is True, key
        assert cost["usd"] == pytest.approx(usd, abs=1e-6), key
        assert cost["cache_saved_usd"] == pytest.approx(saved, abs=1e-6), key
        assert cost["price_date"] == "2026-12-05" and cost["prices_file"] is None
    assert rows[("fast", "gpt-6-astra")]["cost"]["priced_as"] == "gpt-6-astra"
    assert report["total"]["cost"] == {"usd": pytest.approx(sum(c for c, _ in TODAY_COSTS.values()), abs=1e-6),
                                       "complete": True, "cache_saved_usd": pytest.approx(0.537, abs=1e-6)}
    assert report["unpriced_models"] == [] and report["unpriced_tiers"] == []
    assert rows[("gpt-5.6-sol", None)]["tokens"]["cache_write"] == 30000
    assert rows[("gpt-5.6-sol", None)]["cached_share"] == 0.4
    assert rows[("gpt-5.6-sol", None)]["reasoning_replayed"] == 3
    assert report["unreadable_entries"] == 1

    text = journalctl(stdout=stdout).stdout.decode()
    assert "no price" not in text and "≥" not in text, text
    assert "fast → gpt-6-astra" in text and "$1.50" in text
    assert "1 entry unreadable (not counted)" in text
    cache = text[text.index("What the cache did"):]
    assert re.search(r"gpt-5\.6-sol\s+40 %\s+30,000\s+\$0\.0420\s+3\n", cache), cache

    by_day = json.loads(journalctl("--json", "--by", "day", stdout=stdout).stdout)
    assert [(d["day"], d["cost"]["usd"]) for d in by_day["day_totals"]] == [
        ("2026-11-24", pytest.approx(1.373, abs=1e-6)), ("2026-11-25", pytest.approx(0.126, abs=1e-6))]


def test_an_operators_prices_override_the_rules(tmp_path):
    """O1_PROXY_PRICES prices every rule: here flex at another rate, and a tier it leaves out
    has no price (the total says so)."""
    log = tmp_path / "x.log"
    log.write_text(
        "o1-proxy: POST /v1/chat/completions gpt-6-astra 200 in 10 ms time=2026-11-24T12:00:00Z model=gpt-6-astra "
        "status=200 prompt_tokens=100000 completion_tokens=0 service_tier=flex\n"
        "o1-proxy: POST /v1/chat/completions gpt-6-astra 200 in 10 ms time=2026-11-24T12:00:01Z model=gpt-6-astra "
        "status=200 prompt_tokens=100000 completion_tokens=0 service_tier=priority\n")
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"date": "2026-12-01", "prices": {"gpt-6-astra": {
        "input": 10, "output": 50, "flex": {"input": 4, "output": 20}}}}))
    report = usage_json("--file", str(log), env={"O1_PROXY_PRICES": str(prices)})
    # 100,000 flex tokens at $4
    assert report["rows"][0]["cost"]["usd"] == 0.4 and report["rows"][0]["cost"]["complete"] is False
    assert report["unpriced_tiers"] == [{"model": "gpt-6-astra", "upstream_model": None, "service_tier": "priority",
                                         "long_prompt": False, "exchanges": 1}]
    text = usage("--file", str(log), env={"O1_PROXY_PRICES": str(prices)}).stdout.decode()
    assert "No price for gpt-6-astra at service tier priority (1 exchange)" in text and "≥ $0.4000" in text


def test_the_dearest_prices_on_the_largest_counts_still_report(tmp_path):
    """The largest rate a prices file may set, on the largest token count the reader takes, in
    every exchange: a cost of trillions, shown and summed, not a crash of every form."""
    log = tmp_path / "x.log"
    log.write_text("".join(
        f"o1-proxy: POST /v1/chat/completions m 200 in 10 ms time=2026-11-24T12:00:{i:02d}Z model=m "
        "status=200 prompt_tokens=999999999999 completion_tokens=0\n" for i in range(20)))
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"date": "2026-12-01", "prices": {"m": {"input": 1000000, "output": 1000000}}}))
    env = {"O1_PROXY_PRICES": str(prices)}
    report = usage_json("--file", str(log), env=env)
    assert report["total"]["cost"]["usd"] == pytest.approx(20 * 999999999999)
    text = usage("--file", str(log), env=env).stdout.decode()
    assert "$19,999,999,999,980" in text, text
    page = tmp_path / "page.html"
    assert usage("--file", str(log), "--html", str(page), env=env).returncode == 0
    tight = tmp_path / "tight.json"
    tight.write_text(json.dumps({"date": "2026-12-01", "prices": {"m": {"input": 1e7, "output": 1}}}))
    refused = usage("--file", str(log), env={"O1_PROXY_PRICES": str(tight)})
    assert refused.returncode != 0 and b"from 0 to 1000000" in refused.stderr


# --------------------------------------------------------------------------------------
# Prices and arguments

def test_an_operators_prices_extend_the_list_and_date_the_cost(tmp_path):
    log = tmp_path / "x.log"
    log.write_text(
        "o1-proxy: POST /v1/chat/completions prod-o1 200 in 10 ms time=2026-11-24T12:00:00Z model=prod-o1 status=200 "
        "duration_ms=10 prompt_tokens=1000000 completion_tokens=1000000 reasoning_tokens=10\n"
        "o1-proxy: POST /v1/chat/completions my-model 200 in 10 ms model=my-model status=200 duration_ms=10 "
        "prompt_tokens=1000000 completion_tokens=0\n")
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"date": "2026-12-01", "prices": {"my-model": {"input": 2, "output": 8}},
                                  "aliases": {"prod-*": "o1"}}))
    report = usage_json("--file", str(log), env={"O1_PROXY_PRICES": str(prices)})
    rows = rows_by_model(report)
    assert rows["prod-o1"]["cost"] == {"usd": 75, "complete": True, "cache_saved_usd": 0, "priced_as": "o1",
                                       "price_date": "2026-12-05", "prices_file": None}
    assert rows["my-model"]["cost"] == {"usd": 2, "complete": True, "cache_saved_usd": 0, "priced_as": "my-model",
                                        "price_date": "2026-12-01", "prices_file": str(prices)}
    assert report["prices"] == [{"date": "2026-12-05", "file": None}, {"date": "2026-12-01", "file": str(prices)}]
    text = " ".join(usage("--file", str(log), env={"O1_PROXY_PRICES": str(prices)}).stdout.decode().split())
    assert f"list prices of 2026-12-05 (built in) and 2026-12-01 (O1_PROXY_PRICES={prices})" in text


@pytest.mark.parametrize("content,problem", [
    ("{not json", "not valid JSON"),
    ('{"prices": {"x": {"input": 1, "output": 2}}}', '"date" must say when the prices were taken'),
    (None, "cannot read it"),
], ids=["not-json", "no-date", "missing"])
def test_a_bad_prices_file_is_a_clear_error(tmp_path, content, problem):
    prices = tmp_path / "prices.json"
    if content is not None:
        prices.write_text(content)
    r = usage("--file", "-", env={"O1_PROXY_PRICES": str(prices)}, stdin=b"")
    assert r.returncode == 1
    assert r.stderr.decode().startswith(f"o1-proxy usage: O1_PROXY_PRICES={prices}: ")
    assert problem in r.stderr.decode()


@pytest.mark.parametrize("args,problem", [
    (["--by", "week"], "--by takes model or day"),
    (["--file", "x", "--since", "-1d"], "--since and --until select journal entries"),
    (["--bogus"], "unknown argument --bogus"),
])
def test_wrong_arguments_exit_2(args, problem):
    r = usage(*args)
    assert r.returncode == 2
    assert problem in r.stderr.decode() and "o1-proxy usage --help" in r.stderr.decode()


def test_help_and_an_unreadable_file():
    r = usage("--help")
    assert r.returncode == 0 and b"O1_PROXY_PRICES" in r.stdout and b"--since" in r.stdout
    r = usage("--file", "/nonexistent/o1-proxy.log")
    assert r.returncode == 1 and b"cannot read /nonexistent/o1-proxy.log" in r.stderr


# --------------------------------------------------------------------------------------
# The page, in a real browser

def fixture_log() -> str:
    """Four days of five models (one without a price), every outcome, learned fixes, cached
    reads (a share of its own per model), cache writes, the priority tier, and two lines from a
    version that wrote no time=."""
    models = [("o1-mini", 1200, 4000, 3400), ("o1", 3000, 9000, 8000), ("gpt-4o", 800, 600, 0),
              ("o3-mini", 500, 2500, 2000), ("o9-future", 300, 700, 500)]
    lines = []
    for i in range(60):
        model, prompt, completion, reasoning = models[i % 5]
        day = 22 + i % 4
        status, error = 200, None
        if i % 11 == 0:
            status, error = 502, "upstream_error"
        elif i % 13 == 0:
            status, error = 499, "client gone"
        elif i % 17 == 0:
            status, error = 400, "invalid_json"
        elif i % 19 == 0:
            error = "the upstream stream ended before [DONE]"
        duration = 150 + (i * 2371) % 45000
        pairs = [("time", f"2026-11-{day}T{i % 24:02d}:{i % 60:02d}:00.000Z"), ("model", model), ("status", str(status)),
                 ("duration_ms", str(duration)), ("upstream_ms", str(duration - 7))]
        if status == 200:
            pairs += [("prompt_tokens", str(prompt + i)), ("cached_tokens", str(prompt * (1 + i % 5) // 10 if i % 3 == 0 else 0)),
                      ("cache_write_tokens", str(prompt // 10 if i % 3 == 1 else 0)),
                      ("completion_tokens", str(completion + 10 * i)), ("reasoning_tokens", str(reasoning + 5 * i if reasoning else 0)),
                      ("service_tier", "priority" if model == "gpt-4o" and i % 2 == 0 else "default")]
        if model == "o9-future":
            pairs.append(("learned", "drop:temperature role:system->user"))
        if error:
            pairs.append(("error", error))
        text = " ".join(f'{k}="{v}"' if " " in v else f"{k}={v}" for k, v in pairs)
        lines.append(f"o1-proxy: POST /v1/chat/completions {model} {status} in {duration} ms {text}")
    lines.append("o1-proxy: POST /v1/chat/completions o1 200 in 5000 ms model=o1 status=200 duration_ms=5000 "
                 "upstream_ms=4990 prompt_tokens=100 completion_tokens=2000 reasoning_tokens=1900")
    lines.append("Spawned /usr/local/bin/o1-proxy (o1-proxy) as PID 4321.")
    lines.append("o1-proxy: GET /v1/models 200 in 3 ms method=GET path=/v1/models status=200 duration_ms=3 upstream_ms=2")
    return "\n".join(lines) + "\n"


def count(text: str) -> int:
    return int(text.replace(",", ""))


def usd(text: str) -> tuple[float, float]:
    """A shown amount and half its last digit: how far from the exact figure it may be."""
    text = text.removeprefix("≥ ")
    sign = -1 if text.startswith("-") else 1
    digits = text.removeprefix("-").removeprefix("$").replace(",", "")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return sign * float(digits), 0.5 * 10 ** -decimals + 1e-9


def milliseconds(text: str) -> tuple[float, float]:
    value, unit = text.split(" ")
    scale = {"ms": 1, "s": 1000, "min": 60000}[unit]
    step = scale * (10 ** -len(value.split(".")[1]) if "." in value else 1)
    return float(value) * scale, step / 2 + 1e-9


PAGE_FACTS = """(() => {
  const rects = id => [...document.querySelectorAll(`#${id} .seg`)].map(r => {
    const b = r.getBoundingClientRect();
    return {title: r.querySelector('title').textContent, day: r.dataset.day, series: r.dataset.series,
            bucket: r.dataset.bucket, cls: r.getAttribute('class'), width: b.width, height: b.height,
            onTop: document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2) === r,
            // Points of nearly the same figure overlap: one of them is on top.
            underPoint: document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2)?.classList.contains('point') ?? false,
            fill: getComputedStyle(r).fill};
  });
  const table = id => [...document.querySelectorAll(`#${id} tbody tr`)].map(tr => {
    const row = {kind: tr.className, model: tr.dataset.model ?? null, day: tr.dataset.day ?? null};
    for (const td of tr.querySelectorAll('td')) row[td.className] = td.textContent;
    return row;
  });
  const legend = [...document.querySelectorAll('#section-cost .legend li, #section-cached-share .legend li, #section-latency .legend li')].map(li =>
    [li.textContent, getComputedStyle(li.querySelector('.swatch')).backgroundColor]);
  const tiles = Object.fromEntries([...document.querySelectorAll('.tile')].map(t =>
    [t.id, t.querySelector('.value').textContent]));
  const svgs = [...document.querySelectorAll('svg')].map(s => [s.id, s.getBoundingClientRect().width,
                                                              s.getBoundingClientRect().height]);
  return {cost: rects('chart-cost'), reasoning: rects('chart-reasoning'), cache: rects('chart-cache'),
          latency: rects('chart-latency'), behaviour: table('table-behaviour'), tokens: table('table-tokens'),
          cacheTable: table('table-cache'), legend, tiles, svgs,
          scripts: document.scripts.length, headline: document.getElementById('headline').textContent};
})()"""


@pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed: scripts/deps installs it")
def test_the_page_in_a_browser_draws_the_charts_and_shows_the_json_figures(tmp_path):
    log = tmp_path / "proxy.log"
    log.write_text(fixture_log())
    page = tmp_path / "usage.html"
    r = usage("--file", str(log), "--html", str(page))
    assert r.returncode == 0, r.stderr.decode()
    by_model = usage_json("--file", str(log))
    by_day = usage_json("--file", str(log), "--by", "day")

    with Browser(width=1200) as browser:
        browser.open(page.as_uri())
        facts = browser.evaluate(PAGE_FACTS)
        screenshot = tmp_path / "usage.png"
        browser.screenshot(str(screenshot))
        print(f"screenshot: {screenshot}")
        # Nothing but the file itself was loaded, and nothing runs in it.
        assert browser.requests == [page.as_uri()]
    assert facts["scripts"] == 0
    assert screenshot.stat().st_size > 50_000

    # Every chart is laid out, every bar is drawn, visible and on top where it is.
    assert [s[0] for s in facts["svgs"]] == ["chart-cost", "chart-reasoning", "chart-cache", "chart-latency"]
    assert all(w > 900 and h > 100 for _, w, h in facts["svgs"]), facts["svgs"]
    for chart in ("cost", "reasoning", "cache", "latency"):
        assert facts[chart], chart
        for rect in facts[chart]:
            assert rect["width"] > 0 and rect["height"] > 0, (chart, rect)
            assert rect["onTop"] or (chart == "cache" and rect["underPoint"]), (chart, rect)
    legend = dict(facts["legend"])
    for rect in facts["cost"] + facts["cache"] + facts["latency"]:
        assert rect["fill"] == legend[rect["series"]], rect

    # Cost per day: one segment per priced model and day, each the --by day figure.
    expected = {(row["day"], row["model"]): row["cost"]["usd"] for row in by_day["rows"]
                if row["cost"] and row["cost"]["usd"] > 0}
    shown = {}
    for rect in facts["cost"]:
        amount = re.fullmatch(r"(.+), (.+): (\$[\d,.]+)", rect["title"])
        assert amount and (amount[1], amount[2]) == (rect["day"], rect["series"]), rect
        shown[(None if rect["day"] == "no date" else rect["day"], rect["series"])] = usd(amount[3])
    assert set(shown) == set(expected)
    for key, (value, slack) in shown.items():
        assert abs(value - expected[key]) <= slack, key

    # Cached share per day: a point per model and day with prompt tokens, each the --by day figure.
    expected = {(row["day"], row["model"]): row for row in by_day["rows"] if row["tokens"]["prompt"] > 0}
    shown = set()
    for point in facts["cache"]:
        figures = re.fullmatch(r"(.+), (.+): (<1|\d+) % of ([\d,]+) prompt tokens cached", point["title"])
        assert figures and (figures[1], figures[2]) == (point["day"], point["series"]), point
        key = (None if figures[1] == "no date" else figures[1], figures[2])
        row = expected[key]
        assert count(figures[4]) == row["tokens"]["prompt"], point
        share = 0.5 if figures[3] == "<1" else int(figures[3])
        assert abs(share - row["cached_share"] * 100) <= 0.51, point
        shown.add(key)
    assert shown == set(expected)
    assert len({p["title"].split(": ")[1] for p in facts["cache"]}) > 5  # the models' shares differ

    # Reasoning vs visible: the token counts of --json.
    rows = rows_by_model(by_model)
    for rect in facts["reasoning"]:
        tokens = rows[rect["series"]]["tokens"]
        numbers = [count(n) for n in re.findall(r"[\d,]+(?= )", rect["title"].split(": ", 1)[1])]
        if "reasoning" in rect["cls"]:
            assert numbers[:2] == [tokens["reasoning"], tokens["completion"]], rect["title"]
        else:
            assert numbers[0] == tokens["completion"] - tokens["reasoning"], rect["title"]

    # The latency histogram holds every exchange that logged a duration, once.
    in_histogram = sum(count(re.search(r": ([\d,]+) exchange", r["title"])[1]) for r in facts["latency"])
    assert in_histogram == by_model["total"]["exchanges"]

    # The tables say what --json says, row by row and cell by cell.
    for row in facts["behaviour"]:
        figures = rows[row["model"] or None] if row["kind"] == "model" else by_model["total"]
        assert count(row["exchanges"]) == figures["exchanges"]
        for cell, key in (("e4xx", "4xx"), ("e5xx", "5xx"), ("gone", "client_gone"), ("broken", "stream_failed")):
            assert count(row[cell]) == figures["errors"][key], (row, cell)
        assert count(row["rejected"]) == figures["rejected_round_trips"]
        for cell, (key, p) in {"p50": ("duration_ms", "p50"), "p95": ("duration_ms", "p95"),
                               "up50": ("upstream_ms", "p50"), "up95": ("upstream_ms", "p95")}.items():
            value, slack = milliseconds(row[cell])
            assert abs(value - figures[key][p]) <= slack, (row, cell)
    for row in facts["tokens"]:
        figures = rows[row["model"] or None] if row["kind"] == "model" else by_model["total"]
        for key in ("prompt", "cached", "completion", "reasoning"):
            assert count(row[key]) == figures["tokens"][key], (row, key)
        if figures["reasoning_share"] is not None:
            assert abs(int(row["share"].removesuffix(" %")) - figures["reasoning_share"] * 100) <= 0.51, row
        if row["kind"] == "total":
            value, slack = usd(row["cost"])
            assert abs(value - figures["cost"]["usd"]) <= slack
            assert row["cost"].startswith("≥ ") == (not figures["cost"]["complete"])
        elif figures["cost"] is None:
            assert row["cost"] in ("no price", "-")
        else:
            value, slack = usd(row["cost"])
            assert abs(value - figures["cost"]["usd"]) <= slack and row["date"] == figures["cost"]["price_date"]
    assert {row["model"] for row in facts["tokens"] if row["kind"] == "model"} == {m or "" for m in rows}
    for row in facts["cacheTable"]:
        figures = rows[row["model"] or None] if row["kind"] == "model" else by_model["total"]
        assert count(row["cwrites"]) == figures["tokens"]["cache_write"]
        assert count(row["replayed"]) == figures["reasoning_replayed"]
        if figures["cached_share"] is not None:
            assert abs(int(row["cshare"].removesuffix(" %")) - figures["cached_share"] * 100) <= 0.51, row
        if figures["cost"] is None:
            assert row["saved"] == "-"
        else:
            value, slack = usd(row["saved"])
            assert abs(value - figures["cost"]["cache_saved_usd"]) <= slack, row

    # The tiles sum it up.
    assert count(facts["tiles"]["tile-exchanges"]) == by_model["total"]["exchanges"] == 62
    assert int(facts["tiles"]["tile-cache"].removesuffix(" %")) == round(by_model["total"]["cached_share"] * 100)
    assert abs(usd(facts["tiles"]["tile-cost"])[0] - by_model["total"]["cost"]["usd"]) <= usd(facts["tiles"]["tile-cost"])[1]
    assert count(facts["tiles"]["tile-rejected"]) == by_model["total"]["rejected_round_trips"] == 24
    assert "2 without a date" in facts["headline"]
