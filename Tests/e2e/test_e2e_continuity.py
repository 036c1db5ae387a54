"""Reasoning across tool turns (issue 20): a chat client's agent loop through the proxy keeps the
model's reasoning and its prompt cache as a native Responses client does. The official SDK's chat
API drives four tool turns (one call, two parallel calls, a message with a call, the answer)
against the fake's strict /v1/responses, whose encrypted content is bound to the key and whose
prompt cache counts prefixes; the same conversation is then held by a native client."""

import json
import os
import stat

import openai
import pytest

import e2e_helpers as h
from fake_client import KEY, responses

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
NATIVE_TOOLS = [{"type": "function", "name": "get_weather", "description": "Weather in a city", "strict": False,
                 "parameters": TOOLS[0]["function"]["parameters"]}]
LONG = "Follow the house rules. " + "rule " * 1100  # past 1,024 tokens: a prompt the cache holds
# What each turn's tools answer; the fake's model reads the last one: two calls, then a message
# with a call, then the final answer.
RESULTS = [["sunny, call two tools"], ["sunny", "say hi and call a tool"], ["sunny"]]
MODEL = "gpt-5.4"


def client(proxy, key="sk-client-unused"):
    return openai.OpenAI(base_url=proxy.base_url, api_key=key, max_retries=0, timeout=60)


def responses_calls(fake):
    return fake.requests("/v1/responses")


def ask(c, messages, stream):
    """One chat turn as an agent loop makes it: the assistant message it will echo, and usage."""
    if not stream:
        r = c.chat.completions.create(model=MODEL, tools=TOOLS, messages=messages)
        return r.choices[0].message.model_dump(exclude_none=True), r.usage.model_dump()
    content, calls, usage = "", {}, None
    for chunk in c.chat.completions.create(model=MODEL, tools=TOOLS, messages=messages, stream=True,
                                           stream_options={"include_usage": True}):
        if chunk.usage:
            usage = chunk.usage.model_dump()
        for choice in chunk.choices:
            content += choice.delta.content or ""
            for tc in choice.delta.tool_calls or []:
                call = calls.setdefault(tc.index, {"id": tc.id, "type": "function",
                                                   "function": {"name": tc.function.name, "arguments": ""}})
                call["function"]["arguments"] += tc.function.arguments or ""
    message = {"role": "assistant", "content": content or None}
    if calls:
        message["tool_calls"] = [calls[i] for i in sorted(calls)]
    return message, usage


def conversation(c, stream, turns=4):
    """The agent loop: each answer echoed, each call answered with its turn's result. Returns
    the messages and each turn's usage."""
    messages = [{"role": "system", "content": LONG}, {"role": "user", "content": "please call a tool"}]
    usages = []
    for turn in range(turns):
        message, usage = ask(c, messages, stream)
        usages.append(usage)
        messages.append(message)
        if turn == turns - 1:
            assert "tool_calls" not in message and message["content"] == "echo: tool said sunny"
            break
        calls = message["tool_calls"]
        assert len(calls) == len(RESULTS[turn]), message
        messages += [{"role": "tool", "tool_call_id": call["id"], "content": result}
                     for call, result in zip(calls, RESULTS[turn])]
    return messages, usages


def native_conversation(fake, turns=4):
    """The same conversation from a native client: store false, include, every output item
    passed back. Returns each turn's usage."""
    items = [{"role": "system", "content": LONG}, {"role": "user", "content": "please call a tool"}]
    usages = []
    for turn in range(turns):
        r = responses(fake, {"model": MODEL, "input": items, "tools": NATIVE_TOOLS, "store": False,
                             "include": ["reasoning.encrypted_content"]})
        assert r.status == 200, r.raw
        got = r.json()
        usages.append(got["usage"])
        items += got["output"]
        if turn == turns - 1:
            break
        calls = [i for i in got["output"] if i["type"] == "function_call"]
        items += [{"type": "function_call_output", "call_id": call["call_id"], "output": result}
                  for call, result in zip(calls, RESULTS[turn])]
    return usages


def reasoning_made(rec) -> dict:
    """The reasoning items an answer carried, by id, as the upstream wrote them."""
    if "events" in rec["response"]:
        items = [e["item"] for e in rec["response"]["events"]
                 if isinstance(e, dict) and e.get("type") == "response.output_item.done"]
        return {i["id"]: json.dumps(i, separators=(",", ":")) for i in items if i["type"] == "reasoning"}
    return {i["id"]: json.dumps(i, indent=2).replace("\n", "\n    ")
            for i in rec["response"]["body"]["output"] if i["type"] == "reasoning"}


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_four_tool_turns_keep_their_reasoning_and_the_cache(start_proxy, fake, tmp_path, stream):
    fake.configure(prompt_cache="prefix")
    proxy = start_proxy(STATE_DIRECTORY=str(tmp_path))
    mark = proxy.mark()
    _, usages = conversation(client(proxy), stream)
    recs = responses_calls(fake)
    assert len(recs) == 4 and fake.requests("/v1/chat/completions") == []

    # Every earlier reasoning item goes back, byte for byte, right before what it preceded.
    made = {}
    for n, rec in enumerate(recs):
        assert rec["body"]["store"] is False
        assert rec["body"]["include"] == ["reasoning.encrypted_content"]
        replayed = rec.get("reasoning_replay", [])
        assert [r["reasoning_id"] for r in replayed] == list(made), f"turn {n + 1}"
        assert all(r["via"] == "encrypted_content" for r in replayed)
        for text in made.values():
            assert text in rec["raw_body"], f"turn {n + 1}: a replayed item is not byte-equal"
        inputs = rec["body"]["input"]
        for i, item in enumerate(inputs):
            if item.get("type") == "reasoning":
                assert inputs[i + 1].get("type") in ("function_call", "message", "reasoning"), inputs[i + 1]
        made.update(reasoning_made(rec))
    assert len({rec["body"]["prompt_cache_key"] for rec in recs}) == 1
    assert recs[0]["body"]["prompt_cache_key"].startswith("o1-proxy-")

    entries = proxy.entries(mark, 4)
    assert [e.get("reasoning_replayed") for e in entries] == ["0", "1", "2", "3"]
    assert [e.get("reasoning_kept") for e in entries] == ["1", "1", "1", "1"]
    assert all("reasoning_refused" not in e and "warning" not in e for e in entries)

    # At least 90% of a native client's cached tokens on the same conversation.
    fake.reset()
    fake.configure(prompt_cache="prefix")
    native = native_conversation(fake)
    ours = [u["prompt_tokens_details"]["cached_tokens"] for u in usages]
    theirs = [u["input_tokens_details"]["cached_tokens"] for u in native]
    assert theirs[1] >= 1024
    assert sum(ours) >= 0.9 * sum(theirs), (ours, theirs)
    for mine, native_cached in zip(ours, theirs):
        assert mine >= 0.9 * native_cached, (ours, theirs)
    # What the stateless bridge got: each turn's reasoning lost, and the cache with it.
    fake.reset()
    fake.configure(prompt_cache="prefix")
    _, stateless = conversation(client(start_proxy()), stream)
    lost = [u["prompt_tokens_details"]["cached_tokens"] for u in stateless]
    print("cached tokens, proxy:", ours, "native:", theirs, "stateless bridge:", lost)
    assert sum(lost) < sum(ours)

    for name in os.listdir(tmp_path):
        if name.startswith("reasoning"):
            assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600, name


def test_nothing_crosses_conversations_or_keys(start_proxy, fake, tmp_path):
    """A call id echoed in another conversation, or the same conversation under another key,
    finds nothing; so does a history the client changed."""
    proxy = start_proxy(STATE_DIRECTORY=str(tmp_path), OPENAI_API_KEY="")  # each client's own key
    alice, bob = client(proxy, "sk-alice"), client(proxy, "sk-bob")
    first, _ = ask(alice, [{"role": "user", "content": "please call a tool"}], stream=False)
    call = first["tool_calls"][0]
    result = {"role": "tool", "tool_call_id": call["id"], "content": "sunny"}

    def replayed(c, messages):
        fake.reset()
        ask(c, messages, stream=False)
        [rec] = responses_calls(fake)
        return rec.get("reasoning_replay", [])

    conversation = [{"role": "user", "content": "please call a tool"}, first, result]
    assert replayed(bob, conversation) == [], "another key"
    assert replayed(alice, [{"role": "user", "content": "please call a tool, again"}, first, result]) == [], \
        "another conversation with the same call id"
    edited = {**first, "tool_calls": [{**call, "function": {**call["function"], "arguments": '{"city": "Rome"}'}}]}
    assert replayed(alice, [conversation[0], edited, result]) == [], "an edited call"
    assert len(replayed(alice, conversation)) == 1, "the conversation itself"


def test_a_refused_replay_is_asked_again_without_it(start_proxy, fake, tmp_path):
    """OpenAI refusing its own encrypted content (December 2025) costs the reasoning, not the
    turn: the client gets its answer, the journal says so, and the refused turn is forgotten."""
    proxy = start_proxy(STATE_DIRECTORY=str(tmp_path))
    c = client(proxy)
    messages = [{"role": "user", "content": "please call a tool"}]
    mark = proxy.mark()
    first, _ = ask(c, messages, stream=False)
    messages += [first, {"role": "tool", "tool_call_id": first["tool_calls"][0]["id"], "content": "sunny"}]
    fake.configure(refuse_encrypted=1)
    answer, _ = ask(c, messages, stream=True)
    assert answer["content"] == "echo: tool said sunny"
    refused, retried = responses_calls(fake)[-2:]
    assert refused["response"]["status"] == 400 and refused.get("refused_encrypted") is True
    assert "reasoning_replay" not in retried
    # Both exchanges' entries: the first one's may be written after the second began.
    entry = proxy.entries(mark, 2)[-1]
    assert (entry["status"], entry.get("reasoning_refused"), entry.get("reasoning_replayed")) == ("200", "1", "0")
    fake.reset()
    ask(c, messages, stream=False)
    assert "reasoning_replay" not in responses_calls(fake)[0], "the refused turn was forgotten"


def test_without_a_state_directory_the_bridge_stays_stateless(proxy, fake):
    ask(client(proxy), [{"role": "user", "content": "please call a tool"}], stream=False)
    [rec] = responses_calls(fake)
    assert "include" not in rec["body"]
    assert rec["body"]["prompt_cache_key"].startswith("o1-proxy-"), "the cache is kept warm all the same"


def test_a_clients_own_cache_key_is_kept(start_proxy, fake, tmp_path):
    proxy = start_proxy(STATE_DIRECTORY=str(tmp_path))
    client(proxy).chat.completions.create(model=MODEL, tools=TOOLS, prompt_cache_key="mine",
                                          messages=[{"role": "user", "content": "please call a tool"}])
    assert responses_calls(fake)[0]["body"]["prompt_cache_key"] == "mine"


def test_an_unusable_store_costs_only_the_replay(start_proxy, fake, tmp_path):
    """A store whose lock cannot be taken: the turn is answered, and the journal warns (a file
    that is not a store, and an unwritable directory: ReasoningStoreTests)."""
    (tmp_path / "reasoning.lock").mkdir()  # nothing can take the lock
    proxy = start_proxy(STATE_DIRECTORY=str(tmp_path))
    mark = proxy.mark()
    message, _ = ask(client(proxy), [{"role": "user", "content": "please call a tool"}], stream=False)
    assert message["tool_calls"]
    entry = proxy.entry(mark)
    assert entry["status"] == "200" and "reasoning.lock" in entry["warning"], entry


def test_rules_shows_the_store_and_clears_it(start_proxy, fake, tmp_path):
    import subprocess
    proxy = start_proxy(STATE_DIRECTORY=str(tmp_path))
    ask(client(proxy), [{"role": "user", "content": "please call a tool"}], stream=False)

    def rules(*args, **settings):
        env = {"PATH": os.environ["PATH"], "STATE_DIRECTORY": str(tmp_path), **settings}
        return subprocess.run([str(h.proxy_binary()), "rules", *args], env=env, capture_output=True, text=True, timeout=30)

    shown = rules()
    assert shown.returncode == 0, shown.stderr
    assert f"# Reasoning kept for tool turns ({tmp_path}/reasoning-*.jsonl): 1 turn," in shown.stdout
    assert '"tools":"responses"' in shown.stdout
    # The built-in rules as the service has them: O1_PROXY_TOOL_TURNS=chat takes tool turns off.
    assert '"tools":"responses"' not in rules(O1_PROXY_TOOL_TURNS="chat").stdout
    # Turned off since, the store's files are still removed.
    cleared = rules("--clear-reasoning", O1_PROXY_REASONING_MB="0")
    assert (cleared.returncode, cleared.stdout) == (0, "removed the reasoning kept for tool turns (1 file)\n")
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".jsonl")]
    assert ": 0 turns, 0 KiB of 32 MiB, each for 24 h;" in rules().stdout


def test_a_model_without_reasoning_is_asked_once(start_proxy, fake, tmp_path):
    """A rule may bridge a model that does not reason (gpt-4o here): asked for reasoning it has
    none of, it refuses `include`, which the proxy drops and remembers."""
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"rules": [{"match": ["gpt-4o"], "api": "responses"}]}))
    proxy = start_proxy(STATE_DIRECTORY=str(tmp_path), O1_PROXY_RULES=str(rules))
    mark = proxy.mark()
    r = client(proxy).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert r.choices[0].message.content == "echo: hi"
    assert proxy.entry(mark)["learned"] == "drop:include"
    assert "include" not in responses_calls(fake)[-1]["body"]
