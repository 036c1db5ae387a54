"""The one logfmt line per exchange on stderr (no journal here: JOURNAL_STREAM unset)."""

import re

import e2e_helpers as h

PAIR = r'[A-Za-z_][A-Za-z0-9_.]*=(?:"(?:[^"\\]|\\.)*"|[^\s"=]*)'


def assert_logfmt_tail(entry):
    line = entry["_line"]
    rest = line[len("o1-proxy: "):]
    first = re.search(r"(?:^|\s)" + PAIR, rest)
    assert first, line
    tail = rest[first.start():].strip()
    assert re.fullmatch(f"{PAIR}(?: {PAIR})*", tail), f"not logfmt after the message: {tail!r}"
    assert entry["_message"], "a human-readable message comes first"
    for k in ("duration_ms",):
        assert re.fullmatch(r"\d+", entry[k]), (k, entry[k])
    if "upstream_ms" in entry and entry["upstream_ms"] != "":
        assert re.fullmatch(r"\d+", entry["upstream_ms"])
    assert entry["peer"].startswith("127.0.0.1"), entry["peer"]


def test_log_line_non_stream(proxy, fake):
    mark = proxy.mark()
    r = h.chat(proxy.port, {"model": "o1-mini", "messages": [{"role": "user", "content": "log"}]})
    assert r.status == 200
    e = proxy.entry(mark)
    assert_logfmt_tail(e)
    usage = r.json()["usage"]
    assert e["status"] == "200"
    assert e["model"] == "o1-mini"
    assert e["stream"] == "none"
    assert e["prompt_tokens"] == str(usage["prompt_tokens"])
    assert e["completion_tokens"] == str(usage["completion_tokens"])
    assert e["reasoning_tokens"] == str(usage["completion_tokens_details"]["reasoning_tokens"])
    assert e["total_tokens"] == str(usage["total_tokens"])
    assert "error" not in e
    assert int(e["duration_ms"]) >= int(e["upstream_ms"])


def test_log_line_slow_upstream_durations(proxy, fake):
    mark = proxy.mark()
    r = h.chat(proxy.port, {"model": "fault-slow-1",
                            "messages": [{"role": "user", "content": "slow"}]})
    assert r.status == 200
    e = proxy.entry(mark)
    assert int(e["upstream_ms"]) >= 950
    assert int(e["duration_ms"]) >= int(e["upstream_ms"])
    assert int(e["duration_ms"]) < 5000


def test_log_line_native_stream(proxy, fake):
    mark = proxy.mark()
    r = h.chat(proxy.port, {"model": "o3-mini", "stream": True,
                            "stream_options": {"include_usage": True},
                            "messages": [{"role": "user", "content": "native log"}]})
    assert r.status == 200
    e = proxy.entry(mark)
    assert_logfmt_tail(e)
    assert e["stream"] == "native" and e["model"] == "o3-mini" and e["status"] == "200"
    usage = h.json_chunks(r)[-1]["usage"]
    # usage seen in the relayed stream is logged as well
    assert e.get("total_tokens") == str(usage["total_tokens"])


def test_log_line_proxy_error(proxy, fake):
    mark = proxy.mark()
    r = h.chat(proxy.port, b"{oops")
    assert r.status == 400
    e = proxy.entry(mark)
    assert_logfmt_tail(e)
    assert e["status"] == "400"


def test_log_line_upstream_failure_has_quoted_error(proxy, fake):
    mark = proxy.mark()
    r = h.chat(proxy.port, {"model": "fault-html",
                            "messages": [{"role": "user", "content": "x"}]})
    assert r.status == 502
    e = proxy.entry(mark)
    assert_logfmt_tail(e)
    assert e["status"] == "502" and e["model"] == "fault-html"
    assert e.get("error")
    if " " in e["error"]:
        assert 'error="' in e["_line"]


def test_one_line_for_many_upstream_calls(proxy, fake):
    mark = proxy.mark()
    r = h.chat(proxy.port, {"model": "o9-future", "stream": True, "max_tokens": 9,
                            "messages": [{"role": "system", "content": "s"},
                                         {"role": "user", "content": "u"}]})
    assert r.status == 200
    assert len(fake.requests("/v1/chat/completions")) == 4
    e = proxy.entry(mark)  # asserts exactly one line
    assert e["stream"] == "faked"
    assert_logfmt_tail(e)


def test_one_line_per_exchange_in_sequence(proxy, fake):
    mark = proxy.mark()
    for i in range(5):
        h.chat(proxy.port, {"model": "gpt-4o", "messages": [{"role": "user", "content": str(i)}]})
    entries = proxy.entries(mark, 5)
    assert [e["status"] for e in entries] == ["200"] * 5


def test_log_bodies(start_proxy, fake):
    p = start_proxy(O1_PROXY_LOG_BODIES=1)
    mark = p.mark()
    r = h.chat(p.port, {"model": "o1-mini",
                        "messages": [{"role": "user", "content": "marker-REQ-4711"}]})
    assert r.status == 200
    p.entry(mark)
    text = p.log_path.read_bytes()[mark:].decode()
    assert "marker-REQ-4711" in text
    assert "echo: marker-REQ-4711" in text


def test_bodies_not_logged_by_default(proxy, fake):
    mark = proxy.mark()
    r = h.chat(proxy.port, {"model": "o1-mini",
                            "messages": [{"role": "user", "content": "marker-REQ-0815"}]})
    assert r.status == 200
    proxy.entry(mark)
    assert "marker-REQ-0815" not in proxy.log_path.read_bytes()[mark:].decode()
