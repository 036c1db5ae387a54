"""What one exchange learns, the next one uses (issue 9): the learned-fixes file in
$STATE_DIRECTORY, across processes, with writers at the same time, and when the file or its
directory is unusable (which costs only the memory, never the exchange)."""

import concurrent.futures
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import e2e_helpers as h

# o9-future: a model no built-in rule knows that rejects the system role, max_tokens,
# temperature and stream:true, one 400 at a time.
BODY = {"model": "o9-future", "max_tokens": 50, "temperature": 0.2, "stream": True,
        "messages": [{"role": "system", "content": "be brief"},
                     {"role": "user", "content": "remember me"}]}


@pytest.fixture
def state():
    # Not pytest's tmp_path: its clean-up of old numbered directories races other pytest runs
    # on the same machine and can remove a directory a running test still uses.
    d = Path(tempfile.mkdtemp(prefix="o1-proxy-state-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def run_binary(args):
    return subprocess.run([str(h.proxy_binary()), *args], capture_output=True, text=True, env={}, timeout=30)


def calls(fake):
    return fake.requests("/v1/chat/completions")


def answered(r):
    assert r.status == 200, r.raw[:500]
    assert h.data_events(r)[-1] == "[DONE]"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in h.json_chunks(r) if c["choices"])
    assert text == "echo: remember me"


def test_second_process_reaches_the_upstream_once(start_proxy, fake, state):
    p = start_proxy(STATE_DIRECTORY=state)
    mark = p.mark()
    answered(h.chat(p.port, BODY))
    first = p.entry(mark)
    assert len(calls(fake)) == 5, [c["response"]["status"] for c in calls(fake)]
    assert set(first["learned"].split()) == {"rename:max_tokens->max_completion_tokens", "drop:temperature",
                                             "role:system->user", "stream:faked"}, first["_line"]
    assert "remembered" not in first
    lines = (state / "learned.tsv").read_text().splitlines()
    assert lines[0] == "o1-proxy learned fixes 1"
    assert lines[1].startswith("o9-future\t")
    assert (state / "learned.tsv").stat().st_mode & 0o777 == 0o600

    fake.reset()
    mark = p.mark()
    answered(h.chat(p.port, BODY))
    second = p.entry(mark)
    assert len(calls(fake)) == 1
    assert calls(fake)[0]["response"]["status"] == 200
    assert "learned" not in second, second["_line"]
    assert set(second["remembered"].split()) == set(first["learned"].split())


def test_learning_is_per_exact_model(start_proxy, fake, state):
    p = start_proxy(STATE_DIRECTORY=state)
    answered(h.chat(p.port, BODY))
    fake.reset()
    r = h.chat(p.port, dict(BODY, model="o9-future-2026-01-01"))
    assert r.status == 200
    assert len(calls(fake)) == 5


def test_writers_at_the_same_time_lose_nothing(start_proxy, fake, state):
    p = start_proxy(STATE_DIRECTORY=state)
    models = [f"o9-future-{i}" for i in range(6)]
    mark = p.mark()
    with concurrent.futures.ThreadPoolExecutor(len(models)) as pool:
        results = list(pool.map(lambda m: h.chat(p.port, dict(BODY, model=m), timeout=60), models))
    assert [r.status for r in results] == [200] * len(models)
    entries = p.entries(mark, len(models))
    assert [e.get("warning") for e in entries] == [None] * len(models)
    lines = (state / "learned.tsv").read_text().splitlines()
    kept = {l.split("\t")[0]: set(l.split("\t")[3].split()) for l in lines[1:]}
    learned = {e.get("model"): set(e.get("learned", "").split()) for e in entries}
    assert kept == learned, [e["_line"] for e in entries]
    assert all(len(fixes) == 4 for fixes in kept.values()), [e["_line"] for e in entries]
    fake.reset()
    for m in models:
        assert h.chat(p.port, dict(BODY, model=m)).status == 200
    assert len(calls(fake)) == len(models)


def test_corrupt_file_costs_only_the_memory(start_proxy, fake, state):
    (state / "learned.tsv").write_bytes(b"\x00garbage\nnot a state file\n")
    p = start_proxy(STATE_DIRECTORY=state)
    mark = p.mark()
    answered(h.chat(p.port, BODY))
    e = p.entry(mark)
    assert "not a learned-fixes file" in e["warning"], e["_line"]
    assert e["status"] == "200"
    # Learning replaced it with a good file: the next exchange reaches the upstream once.
    fake.reset()
    answered(h.chat(p.port, BODY))
    assert len(calls(fake)) == 1


def test_unreadable_file_costs_only_the_memory(start_proxy, fake, state):
    if os.getuid() == 0:
        pytest.skip("root reads any file; the unwritable case below covers an unusable state")
    (state / "learned.tsv").write_text("o1-proxy learned fixes 1\n")
    (state / "learned.tsv").chmod(0)
    p = start_proxy(STATE_DIRECTORY=state)
    mark = p.mark()
    answered(h.chat(p.port, BODY))
    assert "learned fixes not read" in p.entry(mark)["warning"]


def test_unwritable_directory_costs_only_the_memory(start_proxy, fake):
    # /proc is a directory nobody, root included, can create files in.
    p = start_proxy(STATE_DIRECTORY="/proc")
    mark = p.mark()
    answered(h.chat(p.port, BODY))
    e = p.entry(mark)
    assert e["status"] == "200"
    assert "learned fixes not kept" in e["warning"], e["_line"]
    assert "learned" in e


def test_without_a_state_directory_nothing_is_kept(start_proxy, fake):
    p = start_proxy(STATE_DIRECTORY=None)
    mark = p.mark()
    answered(h.chat(p.port, BODY))
    p.wait_idle()
    fake.reset()
    answered(h.chat(p.port, BODY))
    assert len(calls(fake)) == 5
    assert all("warning" not in e and "remembered" not in e for e in p.entries(mark, 2))


def test_rules_command_shows_and_forgets(start_proxy, fake, state):
    p = start_proxy(STATE_DIRECTORY=state)
    answered(h.chat(p.port, BODY))
    out = run_binary(["rules", "--state", str(state)])
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    learned = lines.index(next(l for l in lines if l.startswith("# Learned from upstream rejections")))
    entry = [l for l in lines[learned:] if l.startswith("{")]
    assert entry == ['{"match":["o9-future"],"stream":"faked","roles":{"system":"user"},'
                     '"drop":["temperature"],"rename":{"max_tokens":"max_completion_tokens"}}'], lines[learned:]
    assert any(l.startswith("# o9-future: learned 0 min ago") for l in lines), lines
    gone = run_binary(["rules", "--state", str(state), "--forget", "o9-future"])
    assert gone.returncode == 0 and "forgot" in gone.stdout
    again = run_binary(["rules", "--state", str(state), "--forget", "o9-future"])
    assert again.returncode == 1
    fake.reset()
    answered(h.chat(p.port, BODY))
    assert len(calls(fake)) == 5
