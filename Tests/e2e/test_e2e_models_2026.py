"""The 2026 models as their users expect (issue 22): gpt-5.6 and gpt-6 need no rejected call, a
refused value goes to the nearest the model takes (never dropped), `max` goes to the Responses
API, a later family is learned, and the operator's presets give chat clients what they cannot
say, through the official SDK, stream and not, chat and bridged."""

import json

import openai
import pytest

import e2e_helpers as h

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]


def client(proxy):
    return openai.OpenAI(base_url=proxy.base_url, api_key="sk-client-unused", max_retries=0, timeout=60)


def chat_calls(fake):
    return fake.requests("/v1/chat/completions")


def responses_calls(fake):
    return fake.requests("/v1/responses")


def ask(proxy, **kw):
    kw.setdefault("messages", [{"role": "user", "content": "hello"}])
    return client(proxy).chat.completions.create(**kw)


@pytest.fixture
def stateful(start_proxy, tmp_path):
    """A fresh machine: nothing learned yet, and what is learned kept."""
    return start_proxy(STATE_DIRECTORY=str(tmp_path))


# ---- the built-in rules ------------------------------------------------------------------------

def test_gpt_6_astra_minimal_reaches_the_upstream_as_low_and_max_as_the_responses_max(stateful, fake):
    mark = stateful.mark()
    assert ask(stateful, model="gpt-6-astra", reasoning_effort="minimal").choices[0].message.content == "echo: hello"
    [up] = chat_calls(fake)
    assert up["body"]["reasoning_effort"] == "low" and up["response"]["status"] == 200
    assert "learned" not in stateful.entries(mark, 1)[0]
    fake.reset()
    assert ask(stateful, model="gpt-6-astra", reasoning_effort="max").choices[0].message.content == "echo: hello"
    assert chat_calls(fake) == []
    [up] = responses_calls(fake)
    assert up["body"]["reasoning"] == {"effort": "max"} and up["response"]["status"] == 200


@pytest.mark.parametrize("model", ["gpt-5.6-sol", "gpt-5.6-luna", "gpt-6-astra", "gpt-6.1-terra"])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_plain_and_tool_requests_cost_no_rejected_call(stateful, fake, model, stream):
    """What chat clients send (a system message, max_tokens, stop, temperature), then a tool
    turn: each one upstream call, on a machine that learned nothing."""
    plain = dict(model=model, max_tokens=500, stop=["\n\n"], temperature=1, stream=stream,
                 messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}])
    tools = dict(model=model, tools=TOOLS, stream=stream, messages=[{"role": "user", "content": "please call a tool"}])
    for kw in (plain, tools):
        fake.reset()
        r = ask(stateful, **kw)
        if stream:
            list(r)
        calls = chat_calls(fake) + responses_calls(fake)
        assert [c["response"]["status"] for c in calls] == [200], [c["response"] for c in calls]
    assert [c["path"] for c in responses_calls(fake)] == ["/v1/responses"], "the tool turn went to the Responses API"


def test_gpt_5_6_tools_without_reasoning_stay_on_chat(stateful, fake):
    r = ask(stateful, model="gpt-5.6-terra", tools=TOOLS, reasoning_effort="none",
            messages=[{"role": "user", "content": "please call a tool"}])
    assert r.choices[0].finish_reason == "tool_calls"
    assert len(chat_calls(fake)) == 1 and responses_calls(fake) == []


# ---- learning a later family -------------------------------------------------------------------

def test_a_later_family_is_learned_value_by_value(stateful, fake):
    """gpt-7-test behaves like gpt-6 and no rule knows it: each refusal is learned once, an
    effort goes to the nearest the model takes, and the next request needs no rejected call."""
    body = dict(model="gpt-7-test", max_tokens=500, stop=["x"], temperature=0.5, reasoning_effort="minimal")
    # One mark for all: an exchange's entry may land after the next exchange began.
    mark = stateful.mark()
    assert ask(stateful, **body).choices[0].message.content == "echo: hello"
    learned = stateful.entries(mark, 1)[-1]["learned"].split()
    assert learned == ["rename:max_tokens->max_completion_tokens", "drop:stop", "drop:temperature",
                       "value:reasoning_effort=minimal->low"]
    assert chat_calls(fake)[-1]["body"]["reasoning_effort"] == "low"
    fake.reset()
    ask(stateful, **body)
    assert len(chat_calls(fake)) == 1
    assert stateful.entries(mark, 2)[-1]["remembered"].split() == learned
    # max: the Responses API, learned for that value only
    fake.reset()
    ask(stateful, model="gpt-7-test", reasoning_effort="max")
    assert stateful.entries(mark, 3)[-1]["learned"] == "api:responses:reasoning_effort=max"
    assert responses_calls(fake)[-1]["body"]["reasoning"] == {"effort": "max"}
    fake.reset()
    ask(stateful, model="gpt-7-test", reasoning_effort="high")
    assert len(chat_calls(fake)) == 1 and responses_calls(fake) == []
    # tools at every effort: its tool turns, learned
    fake.reset()
    assert ask(stateful, model="gpt-7-test", tools=TOOLS,
               messages=[{"role": "user", "content": "please call a tool"}]).choices[0].finish_reason == "tool_calls"
    assert stateful.entries(mark, 5)[-1]["learned"] == "tools:responses"


def test_a_value_the_proxy_cannot_place_is_the_upstreams_error(stateful, fake):
    with pytest.raises(openai.BadRequestError) as refused:
        ask(stateful, model="gpt-6-astra", reasoning_effort="turbo")
    assert refused.value.body["param"] == "reasoning_effort"
    assert "turbo" in refused.value.body["message"]
    assert len(chat_calls(fake)) == 1


# ---- presets ----------------------------------------------------------------------------------

PRESETS = {"rules": [
    {"match": ["gpt-5.6-sol-pro"], "model": "gpt-5.6-sol", "set": {"reasoning": {"mode": "pro"}}},
    {"match": ["o3-flex"], "model": "o3", "set": {"service_tier": "flex", "metadata": {"via": "preset"}}},
    {"match": ["gpt-4o-pro"], "model": "gpt-4o", "set": {"reasoning": {"mode": "pro"}}},
]}


@pytest.fixture
def presets(start_proxy, tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(PRESETS))
    return start_proxy(O1_PROXY_RULES=str(rules), STATE_DIRECTORY=str(tmp_path))


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_a_continue_entry_named_gpt_5_6_sol_pro_gets_pro_mode(presets, fake, stream):
    mark = presets.mark()
    r = ask(presets, model="gpt-5.6-sol-pro", reasoning_effort="high", stream=stream)
    text = "".join(c.choices[0].delta.content or "" for c in r if c.choices) if stream else r.choices[0].message.content
    assert text == "echo: hello"
    assert chat_calls(fake) == []
    [up] = responses_calls(fake)
    assert up["body"]["model"] == "gpt-5.6-sol"
    assert up["body"]["reasoning"] == {"effort": "high", "mode": "pro"}
    entry = presets.entry(mark)
    assert (entry["model"], entry["upstream_model"], entry["api"]) == ("gpt-5.6-sol-pro", "gpt-5.6-sol", "responses")


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_a_preset_on_chat_keeps_the_clients_own_fields(presets, fake, stream):
    r = ask(presets, model="o3-flex", stream=stream, metadata={"team": "a"})
    if stream:
        list(r)
    [up] = chat_calls(fake)
    assert up["body"]["model"] == "o3"
    assert up["body"]["service_tier"] == "flex"
    assert up["body"]["metadata"] == {"team": "a", "via": "preset"}
    fake.reset()
    ask(presets, model="o3-flex", service_tier="default")
    assert chat_calls(fake)[0]["body"]["service_tier"] == "default", "the client's own field wins"


def test_a_preset_tool_turn_is_bridged_with_the_preset(presets, fake):
    r = ask(presets, model="o3-flex", tools=TOOLS, messages=[{"role": "user", "content": "please call a tool"}])
    assert r.choices[0].finish_reason == "tool_calls"
    [up] = responses_calls(fake)
    assert (up["body"]["model"], up["body"]["service_tier"]) == ("o3", "flex")


def test_a_preset_the_model_refuses_is_the_upstreams_error(presets, fake):
    mark = presets.mark()
    with pytest.raises(openai.BadRequestError) as refused:
        ask(presets, model="gpt-4o-pro")
    assert refused.value.body["param"] == "reasoning.mode"
    assert len(responses_calls(fake)) == 1, "not learned away and asked again"
    assert "learned" not in presets.entry(mark)


def test_presets_are_in_the_model_list(presets, fake):
    models = [m.id for m in client(presets).models.list()]
    assert {"o3", "gpt-5.6-sol"} <= set(models)
    assert models[-3:] == ["gpt-5.6-sol-pro", "o3-flex", "gpt-4o-pro"]
    one = client(presets).models.retrieve("o3-flex")
    assert (one.id, one.owned_by) == ("o3-flex", "o1-proxy")
    assert client(presets).models.retrieve("o3").id == "o3", "other models are the upstream's"
    # The upstream's refusal goes through as it came, next to the presets.
    with pytest.raises(openai.NotFoundError) as missing:
        client(presets).models.retrieve("o9-nope")
    assert missing.value.body == {"message": "The model 'o9-nope' does not exist", "type": "invalid_request_error",
                                  "param": "model", "code": "model_not_found"}


def test_rules_shows_the_presets(presets, tmp_path):
    import os
    import subprocess
    env = {"PATH": os.environ["PATH"], "STATE_DIRECTORY": str(tmp_path), "O1_PROXY_RULES": str(tmp_path / "rules.json")}
    shown = subprocess.run([str(h.proxy_binary()), "rules"], env=env, capture_output=True, text=True, timeout=30)
    assert shown.returncode == 0, shown.stderr
    for preset in PRESETS["rules"]:
        assert json.dumps(preset, separators=(",", ":")) in shown.stdout
