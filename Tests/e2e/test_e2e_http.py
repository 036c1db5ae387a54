"""The proxy's own answers: request validation, HTTP framing limits, paths and methods."""

import json
import time

import pytest

import e2e_helpers as h

USER = [{"role": "user", "content": "hello"}]


def upstream_chat_calls(fake):
    return fake.requests("/v1/chat/completions")


# ---- paths and methods --------------------------------------------------------------

@pytest.mark.parametrize("method,path", [
    ("GET", "/"), ("GET", "/foo"), ("POST", "/chat/completions"),
    ("POST", "/v2/chat/completions"), ("GET", "/v1"), ("GET", "/v10/models"),
])
def test_unknown_path_is_404_json(proxy, fake, method, path):
    body = {"model": "gpt-4o", "messages": USER} if method == "POST" else None
    mark = proxy.mark()
    r = h.request(proxy.port, method, path, body)
    h.assert_json_error(r, 404, code="not_found")
    assert fake.requests() == [], "a 404 path must not reach upstream"
    e = proxy.entry(mark)
    assert e["status"] == "404"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_non_post_chat_completions_is_405(proxy, fake, method):
    r = h.request(proxy.port, method, "/v1/chat/completions")
    h.assert_json_error(r, 405)
    assert upstream_chat_calls(fake) == []


# ---- body validation ----------------------------------------------------------------

@pytest.mark.parametrize("raw", [b"not json", b"{\"model\": \"gpt-4o\",", b"\xff\xfe", b""])
def test_body_not_json_is_400_invalid_json(proxy, fake, raw):
    r = h.chat(proxy.port, raw)
    h.assert_json_error(r, 400, type_="invalid_request_error", code="invalid_json")
    assert upstream_chat_calls(fake) == []


@pytest.mark.parametrize("body", [
    {"messages": USER},
    {"model": "", "messages": USER},
    {"model": 5, "messages": USER},
    {"model": None, "messages": USER},
    {"model": ["o1"], "messages": USER},
])
def test_model_missing_or_bad_is_400_param_model(proxy, fake, body):
    r = h.chat(proxy.port, body)
    h.assert_json_error(r, 400, type_="invalid_request_error", param="model")
    assert upstream_chat_calls(fake) == []


@pytest.mark.parametrize("messages", ["missing", [], "hello", {"role": "user"}])
def test_messages_missing_or_bad_is_400_param_messages(proxy, fake, messages):
    body = {"model": "o1-mini"}
    if messages != "missing":
        body["messages"] = messages
    r = h.chat(proxy.port, body)
    h.assert_json_error(r, 400, type_="invalid_request_error", param="messages")
    assert upstream_chat_calls(fake) == []


# Like OpenAI's own errors, a bad element is named by its index.
@pytest.mark.parametrize("messages", [[1, 2], [None], [{"role": "user", "content": "x"}, "y"]])
def test_message_not_an_object_is_400_naming_its_index(proxy, fake, messages):
    r = h.chat(proxy.port, {"model": "o1-mini", "messages": messages})
    bad = next(i for i, m in enumerate(messages) if not isinstance(m, dict))
    h.assert_json_error(r, 400, type_="invalid_request_error", param=f"messages[{bad}]")
    assert upstream_chat_calls(fake) == []


@pytest.mark.parametrize("raw", [b"[1,2]", b"\"text\"", b"42", b"null"])
def test_body_json_but_not_object_is_400(proxy, fake, raw):
    r = h.chat(proxy.port, raw)
    h.assert_json_error(r, 400, type_="invalid_request_error")
    assert upstream_chat_calls(fake) == []


# ---- HTTP framing -------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    b"HELLO\r\n\r\n",
    b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
    b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}",
    b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nbad header line\r\n\r\n",
])
def test_malformed_framing_is_400(proxy, fake, raw):
    r = h.exchange(proxy.port, raw, timeout=10)
    h.assert_json_error(r, 400, type_="invalid_request_error")
    assert upstream_chat_calls(fake) == []


def test_http2_version_is_505(proxy, fake):
    r = h.request(proxy.port, "POST", "/v1/chat/completions",
                  {"model": "gpt-4o", "messages": USER}, version="HTTP/2.0")
    h.assert_json_error(r, 505)
    assert upstream_chat_calls(fake) == []


def test_unsupported_transfer_coding_is_501(proxy, fake):
    raw = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    r = h.exchange(proxy.port, raw, timeout=10)
    h.assert_json_error(r, 501)
    assert upstream_chat_calls(fake) == []


def test_chunked_request_body_is_accepted(proxy, fake):
    body = b'{"model":"gpt-4o","messages":[{"role":"user","content":"chunky"}]}'
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 10]), body[i:i + 10])
                      for i in range(0, len(body), 10))
    raw = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
    r = h.exchange(proxy.port, raw)
    assert r.status == 200, r.raw
    assert r.json()["choices"][0]["message"]["content"] == "echo: chunky"
    assert upstream_chat_calls(fake)[0]["body"]["messages"][0]["content"] == "chunky"


def test_http10_request_works(proxy, fake):
    r = h.request(proxy.port, "POST", "/v1/chat/completions",
                  {"model": "gpt-4o", "messages": [{"role": "user", "content": "old"}]},
                  version="HTTP/1.0")
    assert r.status == 200, r.raw
    assert r.json()["choices"][0]["message"]["content"] == "echo: old"
    assert (r.header("Connection") or "").lower() == "close"


def test_body_sent_in_slow_pieces_is_read_whole(proxy, fake):
    body = b'{"model":"gpt-4o","messages":[{"role":"user","content":"pieces"}]}'
    head = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    r = h.exchange(proxy.port, [head[:20], head[20:], body[:15], body[15:]], send_delay=0.1)
    assert r.status == 200, r.raw
    assert r.json()["choices"][0]["message"]["content"] == "echo: pieces"


# ---- limits -------------------------------------------------------------------------

def test_body_too_large_is_413_before_the_body_is_sent(start_proxy, fake):
    p = start_proxy(O1_PROXY_MAX_BODY_BYTES=1000)
    head = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 5000\r\n\r\n")
    t0 = time.time()
    r = h.exchange(p.port, head, timeout=4)  # the body is never sent
    h.assert_json_error(r, 413)
    assert time.time() - t0 < 3
    assert upstream_chat_calls(fake) == []


def test_body_too_large_sent_anyway_still_gets_its_413(start_proxy, fake):
    """A client that sends its whole oversized body without waiting (no Expect) still reads
    the 413, and the proxy never buffers that body (it drains it for a moment, then exits)."""
    p = start_proxy(O1_PROXY_MAX_BODY_BYTES=1000)
    body = b"x" * 512 * 1024
    head = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    r = h.exchange(p.port, head + body, timeout=5)
    h.assert_json_error(r, 413)
    assert upstream_chat_calls(fake) == []


def test_body_at_limit_is_accepted(start_proxy, fake):
    p = start_proxy(O1_PROXY_MAX_BODY_BYTES=1000)
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}
    data = json.dumps(body).encode()
    data = data[:-1] + b" " * (1000 - len(data)) + b"}"
    assert len(data) == 1000
    r = h.chat(p.port, data)
    assert r.status == 200, r.raw


def test_chunked_body_too_large_is_413(start_proxy, fake):
    p = start_proxy(O1_PROXY_MAX_BODY_BYTES=1000)
    piece = b"x" * 600
    raw = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n" + (b"%x\r\n%s\r\n" % (len(piece), piece)) * 3
           + b"0\r\n\r\n")
    r = h.exchange(p.port, raw, timeout=5)
    h.assert_json_error(r, 413)
    assert upstream_chat_calls(fake) == []


def test_head_too_large_is_431(start_proxy, fake):
    p = start_proxy(O1_PROXY_MAX_HEAD_BYTES=2048)
    r = h.request(p.port, "POST", "/v1/chat/completions",
                  {"model": "gpt-4o", "messages": USER}, headers={"X-Big": "a" * 4000},
                  timeout=5)
    h.assert_json_error(r, 431)
    assert upstream_chat_calls(fake) == []


def test_too_many_headers_is_431(start_proxy, fake):
    p = start_proxy(O1_PROXY_MAX_HEADERS=10)
    r = h.request(p.port, "POST", "/v1/chat/completions",
                  {"model": "gpt-4o", "messages": USER},
                  headers=[(f"X-H{i}", "v") for i in range(20)], timeout=5)
    h.assert_json_error(r, 431)
    assert upstream_chat_calls(fake) == []


def test_request_not_received_in_time_is_408(start_proxy, fake):
    p = start_proxy(O1_PROXY_READ_TIMEOUT_SECONDS=1)
    head = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{\"model\":")
    t0 = time.time()
    r = h.exchange(p.port, head, timeout=6)
    h.assert_json_error(r, 408)
    assert 0.8 <= time.time() - t0 < 4
    assert upstream_chat_calls(fake) == []


def test_slow_trickle_head_is_408(start_proxy, fake):
    """A per-read timeout is not enough: one overall deadline covers the whole request. A
    header line every 0.2 s for 8 s never leaves a read waiting 1 s: the 408 must come while
    the client is still trickling."""
    p = start_proxy(O1_PROXY_READ_TIMEOUT_SECONDS=1)
    pieces = [b"POST /v1/chat/completions HTTP/1.1\r\n"] + [b"X-A: b\r\n"] * 40
    r = h.exchange(p.port, pieces, send_delay=0.2, timeout=15)
    h.assert_json_error(r, 408)
    assert r.error == "answered before the request was sent whole", r.error
    assert upstream_chat_calls(fake) == []


# ---- bad configuration --------------------------------------------------------------

@pytest.mark.parametrize("var,value", [
    ("O1_PROXY_GRACE_SECONDS", "abc"),
    ("O1_PROXY_KEEPALIVE_SECONDS", "-1"),
    ("O1_PROXY_MAX_BODY_BYTES", "lots"),
    ("O1_PROXY_MAX_RETRIES", "x"),
    ("O1_PROXY_DEADLINE_SECONDS", "0x"),
    ("O1_PROXY_RULES", "/nonexistent/rules.json"),
])
def test_bad_configuration_is_500_and_logged(start_proxy, fake, var, value):
    p = start_proxy(**{var: value})
    mark = p.mark()
    r = h.chat(p.port, {"model": "gpt-4o", "messages": USER})
    h.assert_json_error(r, 500, code="bad_configuration")
    entry = p.entry(mark)
    assert entry["status"] == "500"
    assert upstream_chat_calls(fake) == []


def test_invalid_rules_file_is_bad_configuration(start_proxy, fake, workdir):
    f = workdir / "bad-rules.json"
    f.write_text('{"rules": [ {"match": ')
    p = start_proxy(O1_PROXY_RULES=str(f))
    r = h.chat(p.port, {"model": "gpt-4o", "messages": USER})
    h.assert_json_error(r, 500, code="bad_configuration")


@pytest.mark.parametrize("entry, named", [
    ({"match": ["p"], "model": "o3", "set": ["flex"]}, "rules[1].set must be an object"),
    ({"match": ["p"], "model": ""}, "rules[1].model must be a non-empty string"),
    ({"match": ["p"], "model": "o3", "drop": ["stop"]}, "rules[1] is a preset"),
    ({"match": ["p"], "modle": "o3"}, 'rules[1] has unknown key "modle"'),
])
def test_a_bad_preset_is_bad_configuration_naming_it(start_proxy, fake, workdir, entry, named):
    f = workdir / "bad-preset.json"
    f.write_text(json.dumps({"rules": [{"match": ["x"]}, entry]}))
    p = start_proxy(O1_PROXY_RULES=str(f))
    mark = p.mark()
    r = h.chat(p.port, {"model": "gpt-4o", "messages": USER})
    h.assert_json_error(r, 500, code="bad_configuration")
    assert named in r.json()["error"]["message"], r.json()
    assert named in p.entry(mark)["error"]
    assert upstream_chat_calls(fake) == []


def test_every_answer_has_connection_close(proxy, fake):
    for r in [
        h.chat(proxy.port, {"model": "gpt-4o", "messages": USER}),
        h.chat(proxy.port, {"model": "o1-mini", "messages": USER, "stream": True}),
        h.chat(proxy.port, b"nope"),
        h.request(proxy.port, "GET", "/nope"),
        h.request(proxy.port, "GET", "/v1/models"),
    ]:
        assert (r.header("Connection") or "").lower() == "close", r.raw[:400]
        assert r.version == "HTTP/1.1", r.raw[:100]
