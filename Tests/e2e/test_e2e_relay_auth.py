"""Other /v1/ paths are relayed unchanged; the proxy token (O1_PROXY_TOKEN)."""

import pytest

import e2e_helpers as h
from fake_upstream import MODEL_LIST


def test_models_list_relayed(proxy, fake, client_auth):
    mark = proxy.mark()
    r = h.request(proxy.port, "GET", "/v1/models", auth=client_auth)
    assert r.status == 200, r.raw
    assert [m["id"] for m in r.json()["data"]] == [m for m, _ in MODEL_LIST]
    reqs = fake.requests()
    assert len(reqs) == 1
    assert reqs[0]["method"] == "GET" and reqs[0]["path"] == "/v1/models"
    assert reqs[0]["headers"]["authorization"] == f"Bearer {proxy.api_key}"
    assert r.header("x-request-id") == reqs[0]["response"]["request_id"]
    assert (r.header("Connection") or "").lower() == "close"
    e = proxy.entry(mark)
    assert e["status"] == "200"


def test_query_string_relayed(proxy, fake):
    r = h.request(proxy.port, "GET", "/v1/models?limit=2&after=o1&q=a%20b")
    assert r.status == 200, r.raw
    assert fake.requests()[0]["path"] == "/v1/models?limit=2&after=o1&q=a%20b"


def test_model_retrieve_and_404_relayed(proxy, fake):
    r = h.request(proxy.port, "GET", "/v1/models/o1-mini")
    assert r.status == 200 and r.json()["id"] == "o1-mini"
    r = h.request(proxy.port, "GET", "/v1/models/o1-pro-nope")
    h.assert_json_error(r, 404, code="model_not_found")
    assert r.json() == fake.requests()[-1]["response"]["body"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_method_path_query_body_relayed(proxy, fake, method):
    raw = b'{"input": "some text", "n": [1, 2, 3]}'
    r = h.request(proxy.port, method, "/v1/echo/things/42?x=1&y=two", raw)
    assert r.status == 200, r.raw
    up = fake.requests()
    assert len(up) == 1
    assert up[0]["method"] == method
    assert up[0]["path"] == "/v1/echo/things/42?x=1&y=two"
    assert up[0]["raw_body"].encode() == raw
    assert up[0]["headers"]["authorization"] == f"Bearer {proxy.api_key}"
    assert r.json() == {"method": method, "path": "/v1/echo/things/42", "query": "x=1&y=two",
                        "body": raw.decode()}


def test_non_json_body_relayed_unchanged(proxy, fake):
    raw = b"plain text \x00 body"
    r = h.request(proxy.port, "POST", "/v1/echo/raw", raw,
                  headers={"Content-Type": "text/plain"})
    assert r.status == 200, r.raw
    assert fake.requests()[0]["raw_body"].encode("utf-8") == raw


def test_unknown_v1_path_relayed_to_upstream(proxy, fake):
    r = h.request(proxy.port, "GET", "/v1/no/such/thing")
    h.assert_json_error(r, 404)
    assert r.json()["error"]["message"] == "Invalid URL (GET /v1/no/such/thing)"
    assert fake.requests()[0]["path"] == "/v1/no/such/thing"


def test_models_without_key_forwards_client_authorization(start_proxy, fake, client_auth):
    p = start_proxy(OPENAI_API_KEY=None)
    r = h.request(p.port, "GET", "/v1/models", auth=client_auth)
    assert r.status == 200
    assert fake.requests()[0]["headers"]["authorization"] == client_auth


# ---- proxy token --------------------------------------------------------------------

@pytest.fixture
def guarded(start_proxy):
    token = h.new_secret("tok")
    return start_proxy(O1_PROXY_TOKEN=token), token


@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Basic dXNlcjpwYXNz", "Bearer ", ""])
def test_proxy_token_required(guarded, fake, auth):
    p, token = guarded
    mark = p.mark()
    for path, body in [("/v1/chat/completions",
                        {"model": "o1-mini", "messages": [{"role": "user", "content": "x"}]}),
                       ("/v1/models", None)]:
        r = h.request(p.port, "POST" if body else "GET", path, body,
                      headers={"Authorization": auth} if auth is not None else None)
        h.assert_json_error(r, 401)
    assert fake.requests() == []
    entries = p.entries(mark, 2)
    assert [e["status"] for e in entries] == ["401", "401"]


def test_proxy_token_near_miss_rejected(guarded, fake):
    p, token = guarded
    for auth in [f"Bearer {token}x", f"Bearer {token[:-1]}", token, f"Bearer  {token}x"]:
        r = h.chat(p.port, {"model": "o1-mini", "messages": [{"role": "user", "content": "x"}]},
                   auth=auth)
        h.assert_json_error(r, 401)
    assert fake.requests() == []


def test_proxy_token_accepted_and_never_forwarded(guarded, fake):
    p, token = guarded
    r = h.chat(p.port, {"model": "o1-mini", "messages": [{"role": "user", "content": "ok"}]},
               auth=f"Bearer {token}")
    assert r.status == 200, r.raw
    assert r.json()["choices"][0]["message"]["content"] == "echo: ok"
    assert fake.requests()[0]["headers"]["authorization"] == f"Bearer {p.api_key}"
    r = h.request(p.port, "GET", "/v1/models", auth=f"Bearer {token}")
    assert r.status == 200


def test_proxy_token_without_key_forwards_no_authorization(start_proxy, fake):
    token = h.new_secret("tok")
    p = start_proxy(O1_PROXY_TOKEN=token, OPENAI_API_KEY=None)
    r = h.chat(p.port, {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]},
               auth=f"Bearer {token}")
    # upstream sees no credentials at all (the fake answers 401, passed through)
    h.assert_json_error(r, 401)
    up = fake.requests()
    assert len(up) == 1 and "authorization" not in up[0]["headers"]


# ---- the unit's key file missing ----------------------------------------------------

def test_a_missing_key_file_is_named_to_a_client_without_a_key(start_proxy, fake, client_auth, tmp_path):
    """What the unit hands the proxy when /etc/o1-proxy/openai-api-key is missing (its
    SetCredential= fallback): a client that brings no key is told which file to create, in
    OpenAI's error shape, and nothing goes upstream; a client with its own key is served."""
    creds = tmp_path / "credentials"
    creds.mkdir()
    (creds / "openai-api-key").write_text("missing /etc/o1-proxy/openai-api-key")
    p = start_proxy(OPENAI_API_KEY=None, CREDENTIALS_DIRECTORY=str(creds))
    mark = p.mark()
    r = h.chat(p.port, {"model": "o1-mini", "messages": [{"role": "user", "content": "no key"}]})
    h.assert_json_error(r, 500, type_="server_error", code="missing_api_key")
    assert "/etc/o1-proxy/openai-api-key" in r.json()["error"]["message"]
    assert r.header("x-should-retry") == "false"
    assert fake.requests() == []
    e = p.entry(mark)
    assert e["status"] == "500" and "/etc/o1-proxy/openai-api-key" in e["error"], e["_line"]
    r = h.chat(p.port, {"model": "o1-mini", "messages": [{"role": "user", "content": "my key"}]}, auth=client_auth)
    assert r.status == 200, r.raw
    assert fake.requests()[0]["headers"]["authorization"] == client_auth
