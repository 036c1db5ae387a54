"""What the proxy sends upstream: the built-in rules, the rules file, key handling."""

import json

import pytest

import e2e_helpers as h

O1_MINI_DROPPED = {
    "temperature": 0.2, "top_p": 0.9, "n": 1, "presence_penalty": 0.5,
    "frequency_penalty": 0.5, "logprobs": True, "top_logprobs": 2,
    "logit_bias": {"50256": -100}, "stop": ["\n\n"],
    "tools": [{"type": "function", "function": {"name": "get_weather",
                                                "parameters": {"type": "object",
                                                               "properties": {}}}}],
    "tool_choice": "auto",
    "functions": [{"name": "f", "parameters": {"type": "object", "properties": {}}}],
    "function_call": "auto", "parallel_tool_calls": False,
    "response_format": {"type": "json_object"}, "reasoning_effort": "low",
}
KEPT = {"seed": 7, "user": "user-1234", "metadata": {"k": "v"}, "store": False}


def one_upstream_chat(fake):
    reqs = fake.requests("/v1/chat/completions")
    assert len(reqs) == 1, [r["body"] for r in reqs]
    return reqs[0]


def conversation():
    return [
        {"role": "system", "content": "You are terse."},
        {"role": "developer", "content": "Answer in English."},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": "what is 2+2?"},
    ]


@pytest.mark.parametrize("model", ["o1-mini", "o1-mini-2024-09-12", "o1-preview",
                                   "o1-preview-2024-09-12"])
def test_o1_mini_family_transform(proxy, fake, model):
    body = {"model": model, "messages": conversation(), "max_tokens": 300,
            **O1_MINI_DROPPED, **KEPT}
    mark = proxy.mark()
    r = h.chat(proxy.port, body)
    assert r.status == 200, r.raw
    ans = r.json()
    assert ans["choices"][0]["message"]["content"] == "echo: what is 2+2?"
    assert ans["choices"][0]["finish_reason"] == "stop"
    up = one_upstream_chat(fake)["body"]
    assert up["model"] == model
    assert [m["role"] for m in up["messages"]] == ["user", "user", "user", "assistant", "user"]
    assert [m["content"] for m in up["messages"]] == [m["content"] for m in conversation()]
    for k in O1_MINI_DROPPED:
        assert k not in up, f"{k} should have been dropped"
    assert "max_tokens" not in up
    assert up["max_completion_tokens"] == 300
    for k, v in KEPT.items():
        assert up[k] == v, f"{k} should have been kept"
    assert up.get("stream", False) is False
    assert "stream_options" not in up
    e = proxy.entry(mark)
    assert e["status"] == "200" and e["model"] == model and e["stream"] == "none"


def test_max_completion_tokens_wins_over_max_tokens(proxy, fake):
    body = {"model": "o1-mini", "messages": [{"role": "user", "content": "hi"}],
            "max_tokens": 100, "max_completion_tokens": 2000}
    r = h.chat(proxy.port, body)
    assert r.status == 200, r.raw
    up = one_upstream_chat(fake)["body"]
    assert "max_tokens" not in up
    assert up["max_completion_tokens"] == 2000


# With tools, a reasoning model's turn goes to the Responses API by default; these test the chat
# completions transform, which O1_PROXY_TOOL_TURNS=chat keeps for them.
@pytest.mark.parametrize("model", ["o1", "o1-2024-12-17"])
def test_o1_transform(start_proxy, fake, model):
    proxy = start_proxy(O1_PROXY_TOOL_TURNS="chat")
    dropped = {"temperature": 0.2, "top_p": 0.9, "n": 1, "presence_penalty": 0.5,
               "frequency_penalty": 0.5, "logprobs": True, "top_logprobs": 2,
               "logit_bias": {"50256": -100}, "parallel_tool_calls": True}
    kept = {"tools": O1_MINI_DROPPED["tools"], "tool_choice": "auto",
            "response_format": {"type": "json_object"}, "reasoning_effort": "high", **KEPT}
    body = {"model": model, "messages": conversation(), "max_tokens": 50, **dropped, **kept}
    r = h.chat(proxy.port, body)
    assert r.status == 200, r.raw
    assert r.json()["choices"][0]["message"]["content"] == "echo: what is 2+2?"
    up = one_upstream_chat(fake)["body"]
    assert up["messages"] == conversation(), "o1 keeps system and developer roles"
    for k in dropped:
        assert k not in up, f"{k} should have been dropped"
    for k, v in kept.items():
        assert up[k] == v, f"{k} should have been kept"
    assert "max_tokens" not in up and up["max_completion_tokens"] == 50


def test_o1_tool_call_answer_passes_through(proxy, fake):
    body = {"model": "o1", "messages": [{"role": "user", "content": "please call a tool"}],
            "tools": O1_MINI_DROPPED["tools"]}
    r = h.chat(proxy.port, body)
    assert r.status == 200, r.raw
    ch = r.json()["choices"][0]
    assert ch["finish_reason"] == "tool_calls"
    assert ch["message"]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert ch["message"]["tool_calls"][0]["function"]["arguments"] == '{"city": "Paris"}'


@pytest.mark.parametrize("model", ["o3-mini", "o3-mini-2025-01-31"])
def test_o3_mini_transform(start_proxy, fake, model):
    proxy = start_proxy(O1_PROXY_TOOL_TURNS="chat")
    dropped = {"temperature": 0.2, "top_p": 0.9, "presence_penalty": 0.5,
               "frequency_penalty": 0.5, "logprobs": True, "top_logprobs": 2,
               "logit_bias": {"50256": -100}, "parallel_tool_calls": True, "stop": ["END"]}
    kept = {"tools": O1_MINI_DROPPED["tools"], "reasoning_effort": "medium", **KEPT}
    body = {"model": model, "messages": conversation(), "max_tokens": 77, **dropped, **kept}
    r = h.chat(proxy.port, body)
    assert r.status == 200, r.raw
    up = one_upstream_chat(fake)["body"]
    assert up["messages"] == conversation()
    for k in dropped:
        assert k not in up, f"{k} should have been dropped"
    for k, v in kept.items():
        assert up[k] == v
    assert "max_tokens" not in up and up["max_completion_tokens"] == 77


def test_gpt4o_is_untouched(proxy, fake):
    body = {"model": "gpt-4o", "messages": conversation(), "max_tokens": 10, "temperature": 0.3,
            "top_p": 0.5, "n": 2, "stop": ["x"], "presence_penalty": 0.1, "logprobs": True,
            "top_logprobs": 1, "tools": O1_MINI_DROPPED["tools"], "parallel_tool_calls": True,
            "response_format": {"type": "text"}, **KEPT}
    r = h.chat(proxy.port, body)
    assert r.status == 200, r.raw
    assert len(r.json()["choices"]) == 2
    up = one_upstream_chat(fake)
    assert up["body"] == body
    assert up["method"] == "POST"
    assert up["path"] == "/v1/chat/completions"


def test_gpt4o_stream_request_is_untouched(proxy, fake):
    body = {"model": "gpt-4o", "messages": conversation(), "max_tokens": 10, "stream": True,
            "stream_options": {"include_usage": True}, "temperature": 0.3}
    r = h.chat(proxy.port, body)
    assert r.status == 200, r.raw
    assert one_upstream_chat(fake)["body"] == body


def test_stream_options_never_sent_on_non_streaming_call(proxy, fake):
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],
            "stream_options": {"include_usage": True}}
    r = h.chat(proxy.port, body)
    assert r.status == 200, r.raw
    assert r.json()["choices"][0]["message"]["content"] == "echo: hi"
    assert "stream_options" not in one_upstream_chat(fake)["body"]


def test_faked_stream_calls_upstream_without_stream(proxy, fake):
    body = {"model": "o1", "messages": [{"role": "user", "content": "hi"}], "stream": True,
            "stream_options": {"include_usage": True}}
    r = h.chat(proxy.port, body)
    assert r.status == 200, r.raw
    up = one_upstream_chat(fake)["body"]
    assert up.get("stream", False) is False
    assert "stream_options" not in up


def test_native_stream_for_o3_mini_sends_stream_and_options(proxy, fake):
    body = {"model": "o3-mini", "messages": [{"role": "user", "content": "hi"}],
            "stream": True, "stream_options": {"include_usage": True}}
    r = h.chat(proxy.port, body)
    assert r.status == 200, r.raw
    up = one_upstream_chat(fake)["body"]
    assert up["stream"] is True
    assert up["stream_options"] == {"include_usage": True}


def test_image_parts_and_unknown_fields_survive(proxy, fake):
    msgs = [{"role": "user", "content": [{"type": "text", "text": "look"},
                                         {"type": "text", "text": " here"}]}]
    body = {"model": "o1", "messages": msgs, "prediction": None, "x_custom": {"a": [1, 2]}}
    r = h.chat(proxy.port, body)
    assert r.status == 200, r.raw
    assert r.json()["choices"][0]["message"]["content"] == "echo: look here"
    up = one_upstream_chat(fake)["body"]
    assert up["messages"] == msgs
    assert up["x_custom"] == {"a": [1, 2]}


# ---- key handling -------------------------------------------------------------------

def test_configured_key_replaces_client_authorization(proxy, fake, client_auth):
    r = h.chat(proxy.port, {"model": "gpt-4o", "messages": [{"role": "user", "content": "k"}]},
               auth=client_auth)
    assert r.status == 200, r.raw
    up = one_upstream_chat(fake)
    assert up["headers"]["authorization"] == f"Bearer {proxy.api_key}"
    auths = [v for k, v in up["header_list"] if k.lower() == "authorization"]
    assert auths == [f"Bearer {proxy.api_key}"]


def test_configured_key_used_without_client_authorization(proxy, fake):
    r = h.chat(proxy.port, {"model": "o1-mini", "messages": [{"role": "user", "content": "k"}]})
    assert r.status == 200, r.raw
    assert one_upstream_chat(fake)["headers"]["authorization"] == f"Bearer {proxy.api_key}"


def test_no_key_configured_forwards_client_authorization(start_proxy, fake, client_auth):
    p = start_proxy(OPENAI_API_KEY=None)
    r = h.chat(p.port, {"model": "gpt-4o", "messages": [{"role": "user", "content": "k"}]},
               auth=client_auth)
    assert r.status == 200, r.raw
    assert one_upstream_chat(fake)["headers"]["authorization"] == client_auth


def test_no_key_no_client_authorization_passes_upstream_401(start_proxy, fake):
    p = start_proxy(OPENAI_API_KEY=None)
    r = h.chat(p.port, {"model": "gpt-4o", "messages": [{"role": "user", "content": "k"}]})
    h.assert_json_error(r, 401)
    assert "authorization" not in one_upstream_chat(fake)["headers"]


def test_credentials_file_overrides_env_key(start_proxy, fake, workdir):
    cred_dir = workdir / "creds"
    cred_dir.mkdir(exist_ok=True)
    file_key = h.new_secret("sk-cred")
    (cred_dir / "openai-api-key").write_text(file_key)
    p = start_proxy(CREDENTIALS_DIRECTORY=str(cred_dir))
    r = h.chat(p.port, {"model": "gpt-4o", "messages": [{"role": "user", "content": "k"}]},
               auth="Bearer " + h.new_secret("sk-client"))
    assert r.status == 200, r.raw
    assert one_upstream_chat(fake)["headers"]["authorization"] == f"Bearer {file_key}"


def test_base_url_path_is_kept(start_proxy, fake):
    """OPENAI_BASE_URL with a path prefix: /v1/X on the proxy -> $OPENAI_BASE_URL/X."""
    p = start_proxy(OPENAI_BASE_URL=fake.url + "/v1/echo/prefix")
    r = h.request(p.port, "GET", "/v1/models?limit=3")
    assert r.status == 200, r.raw
    reqs = fake.requests()
    assert [x["path"] for x in reqs] == ["/v1/echo/prefix/models?limit=3"]


# ---- rules file ---------------------------------------------------------------------

def test_rules_file_rule_applies(start_proxy, fake, workdir):
    rules = {"rules": [{"match": ["gpt-4o*"], "roles": {"system": "developer"},
                        "drop": ["temperature", "top_p"],
                        "rename": {"max_tokens": "max_completion_tokens"}}]}
    f = workdir / "rules-gpt4o.json"
    f.write_text(json.dumps(rules))
    p = start_proxy(O1_PROXY_RULES=str(f))
    body = {"model": "gpt-4o-mini-2099", "messages": conversation(), "temperature": 0.1,
            "top_p": 0.2, "max_tokens": 5, "seed": 1}
    r = h.chat(p.port, body)
    assert r.status == 200, r.raw
    up = one_upstream_chat(fake)["body"]
    assert [m["role"] for m in up["messages"]] == ["developer", "developer", "user", "assistant",
                                                   "user"]
    assert "temperature" not in up and "top_p" not in up and "max_tokens" not in up
    assert up["max_completion_tokens"] == 5 and up["seed"] == 1


def test_rules_file_is_tried_before_builtin_rules(start_proxy, fake, workdir):
    # An operator rule for o3-mini that fakes the stream and changes nothing else.
    f = workdir / "rules-o3.json"
    f.write_text(json.dumps({"rules": [{"match": ["o3-mini"], "stream": "faked"}]}))
    p = start_proxy(O1_PROXY_RULES=str(f))
    body = {"model": "o3-mini", "messages": [{"role": "user", "content": "hi"}], "stream": True,
            "seed": 3}
    mark = p.mark()
    r = h.chat(p.port, body)
    assert r.status == 200, r.raw
    up = one_upstream_chat(fake)["body"]
    assert up.get("stream", False) is False, "operator rule says faked"
    assert h.data_events(r)[-1] == "[DONE]"
    assert p.entry(mark)["stream"] == "faked"
    # Models not matched by the file still get the built-in rules.
    fake.reset()
    r = h.chat(p.port, {"model": "o1-mini", "messages": [{"role": "system", "content": "s"},
                                                         {"role": "user", "content": "x"}],
                        "temperature": 0.5})
    assert r.status == 200, r.raw
    up = one_upstream_chat(fake)["body"]
    assert "temperature" not in up and up["messages"][0]["role"] == "user"


def test_rules_file_glob_faked_stream(start_proxy, fake, workdir):
    f = workdir / "rules-fault.json"
    f.write_text(json.dumps({"rules": [{"match": ["fault-*", "nothing"], "stream": "faked"}]}))
    p = start_proxy(O1_PROXY_RULES=str(f))
    r = h.chat(p.port, {"model": "fault-drip-0.01", "stream": True,
                        "messages": [{"role": "user", "content": "glob"}]})
    assert r.status == 200, r.raw
    chunks = h.json_chunks(r)
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks
                   if c["choices"]) == "echo: glob"
    assert one_upstream_chat(fake)["body"].get("stream", False) is False
