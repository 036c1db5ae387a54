"""The API key, the proxy token and client Authorization values never appear in the
proxy's log or in any answer, whatever happens. (conftest.py also checks this after every
test of the suite; this test drives one battery of cases explicitly.)"""

import json

import e2e_helpers as h

CASES = [
    ("POST", "/v1/chat/completions", {"model": "o1-mini", "messages": [
        {"role": "system", "content": "s"}, {"role": "user", "content": "hi"}],
        "max_tokens": 5, "temperature": 0.2}),
    ("POST", "/v1/chat/completions", {"model": "o1", "stream": True,
                                      "stream_options": {"include_usage": True},
                                      "messages": [{"role": "user", "content": "hi"}]}),
    ("POST", "/v1/chat/completions", {"model": "o3-mini", "stream": True,
                                      "messages": [{"role": "user", "content": "hi"}]}),
    ("POST", "/v1/chat/completions", {"model": "o9-future", "max_tokens": 3,
                                      "messages": [{"role": "system", "content": "s"},
                                                   {"role": "user", "content": "hi"}]}),
    ("POST", "/v1/chat/completions", {"model": "o9-future", "max_tokens": 3, "temperature": 0,
                                      "stream": True,
                                      "messages": [{"role": "system", "content": "s"},
                                                   {"role": "user", "content": "hi"}]}),
    ("POST", "/v1/chat/completions", b"not json"),
    ("POST", "/v1/chat/completions", {"messages": []}),
    ("GET", "/v1/chat/completions", None),
    ("GET", "/nope", None),
    ("GET", "/v1/models", None),
    ("POST", "/v1/echo/x?y=1", {"a": 1}),
    ("GET", "/v1/unknown", None),
] + [("POST", "/v1/chat/completions", {"model": m, "stream": s,
                                       "messages": [{"role": "user", "content": "x"}]})
     for m in ["fault-html", "fault-500-json", "fault-429", "fault-truncated-json",
               "fault-gzip", "fault-no-choices", "fault-length", "fault-reset",
               "fault-cut-stream", "fault-400-messages", "does-not-exist"]
     for s in ((False, True) if m in ("fault-html", "fault-reset", "fault-cut-stream",
                                      "fault-500-json") else (False,))]


def run_cases(p, auth, cases):
    bodies = []
    for method, path, body in cases:
        r = h.request(p.port, method, path, body, auth=auth)
        assert r.status, (method, path, body, r.error)
        bodies.append(r.raw)
    return bodies


def test_no_secret_anywhere(start_proxy, fake, client_auth):
    token = h.new_secret("tok")
    configs = [  # (env, client Authorization, cases)
        ({"O1_PROXY_LOG_BODIES": "1"}, client_auth, CASES),
        ({"OPENAI_API_KEY": None}, client_auth, CASES),
        ({"O1_PROXY_TOKEN": token, "O1_PROXY_LOG_BODIES": "1"}, f"Bearer {token}", CASES),
        ({"O1_PROXY_TOKEN": token}, client_auth, CASES[:8]),  # wrong token -> 401
        ({"O1_PROXY_TOKEN": token, "O1_PROXY_GRACE_SECONDS": "nonsense"}, f"Bearer {token}",
         CASES[:8]),
        ({"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, client_auth, CASES[:12]),
    ]
    all_bodies, logs = [], []
    for env, auth, cases in configs:
        p = start_proxy(**env)
        mark = p.mark()
        all_bodies += run_cases(p, auth, cases)
        p.wait_idle(5)
        logs.append(p.log_path.read_bytes()[mark:].decode("utf-8", "replace"))
    assert any("o1-proxy:" in log for log in logs)
    frags = h.secret_fragments()
    assert client_auth.split(" ", 1)[1] in frags and token in frags
    for log in logs:
        for f in frags:
            assert f not in log, f"secret {f!r} in the proxy log"
    for raw in all_bodies:
        text = raw.decode("utf-8", "replace")
        for f in frags:
            assert f not in text, f"secret {f!r} in an answer: {text[:300]}"
    # the battery really exercised the upstream, with the key
    assert any(r["headers"].get("authorization") for r in fake.requests())
    json.dumps(fake.requests())  # records are plain JSON
