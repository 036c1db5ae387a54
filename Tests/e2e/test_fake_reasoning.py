"""The fake upstream's reasoning items and their encrypted content, straight (no proxy): what a
native Responses client meets when it keeps a reasoning model's reasoning across tool turns
statelessly (store: false, include reasoning.encrypted_content, its output items passed back),
what that does to its cached tokens, and each way of getting it wrong. The prompt cache's own
rules: test_fake_prompt_cache.py."""

import base64

import pytest

from fake_client import KEY, call, error, output_text, responses
from fake_openai.answers import HEADER_TOKENS, REASONING_TOKENS
from fake_openai.prompt_cache import cacheable

INCLUDE = ["reasoning.encrypted_content"]
TOOL = {"type": "function", "name": "get_weather", "description": "Weather in a city",
        "strict": False,
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
LONG = "Follow the house rules. " + "rule " * 1100  # instructions past 1,024 tokens
OTHER_KEY = "Bearer sk-fake-other"
DECRYPT = "Encrypted content could not be decrypted or parsed."
ORGANIZATION = "Encrypted content organization_id did not match the target organization."


def ask(fake, input_, model="o3", auth=KEY, **extra):
    body = {"model": model, "input": input_, "store": False, "include": INCLUDE,
            "tools": [TOOL], **extra}
    return responses(fake, body, auth=auth)


def ok(reply) -> dict:
    assert reply.status == 200, reply.raw
    return reply.json()


def first_turn(fake, text="please call a tool", **kw) -> tuple[list, dict]:
    """The input after one tool turn: the user's question, the output items passed back whole,
    the tool's result. Returns it and the answer."""
    user = {"role": "user", "content": text}
    got = ok(ask(fake, [user], **kw))
    call_item = next(i for i in got["output"] if i["type"] == "function_call")
    return [user, *got["output"], result(call_item)], got


def result(call_item, text="sunny") -> dict:
    return {"type": "function_call_output", "call_id": call_item["call_id"], "output": text}


def without_reasoning(items) -> list:
    """The items with the reasoning items dropped, and the ids that would need them."""
    return [{k: v for k, v in i.items() if k != "id"} for i in items
            if i.get("type") != "reasoning"]


def records(fake):
    return fake.requests("/v1/responses")


def invalid_encrypted(item_id, reason=DECRYPT) -> dict:
    return error(f"The encrypted content for item {item_id} could not be verified. Reason: "
                 f"{reason}", None, "invalid_encrypted_content")


def without_following(item_id) -> dict:
    return error(f"Item '{item_id}' of type 'reasoning' was provided without its required "
                 "following item.", "input")


# ---- reasoning items in the output --------------------------------------------------------

def test_every_answer_opens_with_one_reasoning_item_before_all_its_calls(fake):
    got = ok(ask(fake, "call two tools", tools=[TOOL, dict(TOOL, name="get_time")]))
    assert [i["type"] for i in got["output"]] == ["reasoning", "function_call", "function_call"]
    got = ok(ask(fake, "say hi and call a tool"))
    assert [i["type"] for i in got["output"]] == ["reasoning", "message", "function_call"]
    assert [i["type"] for i in ok(ask(fake, "hi", model="gpt-4o", include=None))["output"]] == [
        "message"]


def test_encrypted_content_only_when_included(fake):
    plain = ok(ask(fake, "hi", include=None))["output"][0]
    assert list(plain) == ["id", "type", "summary"]
    sealed = ok(ask(fake, "hi"))["output"][0]
    assert list(sealed) == ["id", "type", "encrypted_content", "summary"]
    token = sealed["encrypted_content"]
    assert token.startswith("gAAAAA") and len(token) > 1000
    raw = base64.urlsafe_b64decode(token)
    assert raw[0] == 0x80, "Fernet-shaped: version byte, then the timestamp"
    for secret in ("sk-fake-verified", sealed["id"], sealed["id"].encode().hex()):
        assert secret not in token and secret.encode() not in raw


def test_a_stream_seals_the_item_afresh_at_each_event_and_every_seal_verifies(fake):
    user = {"role": "user", "content": "please call a tool"}
    data = call(fake, "/v1/responses", {"model": "o3", "input": [user], "store": False,
                                        "include": INCLUDE, "tools": [TOOL],
                                        "stream": True}).data()
    added = next(d["item"] for d in data if d["type"] == "response.output_item.added")
    done = next(d["item"] for d in data if d["type"] == "response.output_item.done")
    final = data[-1]["response"]
    completed, fc = final["output"][0], final["output"][1]
    assert added["id"] == done["id"] == completed["id"]
    assert list(added) == list(done) == ["id", "type", "encrypted_content", "summary"]
    seals = {added["encrypted_content"], done["encrypted_content"],
             completed["encrypted_content"]}
    assert len(seals) == 3, "as the real stream: a fresh token for each event"
    for item in (added, done, completed):
        ok(ask(fake, [user, item, fc, result(fc)]))
    assert final["usage"] == records(fake)[0]["response_answer"]["usage"]


# ---- a native client over four tool turns ----------------------------------------------------

def tool_conversation(fake, keep_reasoning: bool, auth=KEY, turns=4) -> list[dict]:
    """A native client: store false, include, the output items passed back (all of them, or
    without the reasoning items and the ids that need them). The tool asks for another call
    until the last turn. Returns each turn's usage."""
    fake.configure(prompt_cache="prefix")
    items = [{"role": "user", "content": "please call a tool"}]
    usages = []
    for turn in range(turns + 1):
        got = ok(ask(fake, items, auth=auth, instructions=LONG))
        usages.append(got["usage"])
        output = got["output"] if keep_reasoning else without_reasoning(got["output"])
        items += output
        calls = [i for i in output if i["type"] == "function_call"]
        if turn == turns:
            assert not calls and output_text(got) == "echo: tool said sunny"
            break
        assert len(calls) == 1
        items.append(result(calls[0], "sunny" if turn == turns - 1 else "sunny, call a tool"))
    return usages


def test_a_native_client_that_passes_its_items_back_gets_its_reasoning_and_a_growing_cache(fake):
    usages = tool_conversation(fake, keep_reasoning=True)
    recs = records(fake)
    assert [len(r.get("reasoning_replay", [])) for r in recs] == [0, 1, 2, 3, 4]
    for rec in recs[1:]:
        assert all(r["via"] == "encrypted_content" and r["reasoning_tokens"] == REASONING_TOKENS
                   for r in rec["reasoning_replay"])
    answers = [r["response_answer"] if "response_answer" in r else r["response"]["body"]
               for r in recs]
    made = [a["output"][0]["id"] for a in answers]
    assert [r["reasoning_id"] for r in recs[-1]["reasoning_replay"]] == made[:4]
    inputs = [u["input_tokens"] for u in usages]
    cached = [u["input_tokens_details"]["cached_tokens"] for u in usages]
    # Each turn's prompt is the last one, then its reasoning, its call and the call's result.
    call_tokens = HEADER_TOKENS + 2  # {"city": "Paris"}
    for n in range(1, len(inputs)):
        result_tokens = HEADER_TOKENS + len(("sunny" if n == 4 else "sunny, call a tool").split())
        assert inputs[n] == inputs[n - 1] + REASONING_TOKENS + call_tokens + result_tokens
    assert cached == [0] + [cacheable(i) for i in inputs[:-1]]
    assert cached == sorted(cached) and cached[1] >= 1024
    assert [r["prompt_cache"]["cached_tokens"] for r in recs] == cached
    assert [r["prompt_cache"]["input_tokens"] for r in recs] == inputs


def test_a_client_that_drops_the_reasoning_items_gets_fewer_cached_tokens(fake):
    kept = tool_conversation(fake, keep_reasoning=True)
    dropped = tool_conversation(fake, keep_reasoning=False, auth=OTHER_KEY)
    assert not any("reasoning_replay" in r for r in records(fake)[len(kept):])

    def cached(usages):
        return [u["input_tokens_details"]["cached_tokens"] for u in usages]

    assert cached(dropped)[:2] == cached(kept)[:2]  # the same first prompt
    assert all(d < k for d, k in zip(cached(dropped)[2:], cached(kept)[2:]))
    assert cached(dropped) == [0] + [cacheable(u["input_tokens"]) for u in dropped[:-1]]


# ---- replays that fail ------------------------------------------------------------------------

def test_altered_or_foreign_encrypted_content_is_refused(fake):
    items, got = first_turn(fake)
    rs = items[1]
    content = rs["encrypted_content"]
    raw = bytearray(base64.urlsafe_b64decode(content))
    raw[40] ^= 1
    altered = base64.urlsafe_b64encode(bytes(raw)).decode()
    cases = [
        (dict(rs, encrypted_content=altered), KEY, invalid_encrypted(rs["id"])),
        (dict(rs, encrypted_content="gAAAAABnot-really-fernet=="), KEY,
         invalid_encrypted(rs["id"])),
        (dict(rs, encrypted_content=content[:-8]), KEY, invalid_encrypted(rs["id"])),
        (dict(rs, id="rs_" + "0" * 48), KEY, invalid_encrypted("rs_" + "0" * 48)),
        (rs, OTHER_KEY, invalid_encrypted(rs["id"], ORGANIZATION)),
    ]
    for item, auth, expected in cases:
        r = ask(fake, [items[0], item, *items[2:]], auth=auth)
        assert (r.status, r.json()) == (400, expected)
    assert ask(fake, items).status == 200, "the genuine item still verifies"


def test_an_item_without_id_is_codex_style_and_named_by_its_content_when_refused(fake):
    items, _ = first_turn(fake)
    bare = [{k: v for k, v in i.items() if k != "id"} for i in items]
    assert ok(ask(fake, bare))["status"] == "completed"
    assert records(fake)[-1]["reasoning_replay"][0]["id"] is None
    content = bare[1]["encrypted_content"]
    r = ask(fake, bare, auth=OTHER_KEY)
    assert (r.status, r.json()) == (400, error(
        f"The encrypted content {content[:4]}...{content[-4:]} could not be verified. Reason: "
        f"{ORGANIZATION}", None, "invalid_encrypted_content"))


def test_azure_binds_content_to_the_deployment(fake):
    def azure(deployment, input_, key="azure-key"):
        return call(fake, "/openai/v1/responses", {
            "model": deployment, "input": input_, "store": False, "include": INCLUDE,
            "tools": [TOOL]}, auth=None, headers={"api-key": key})

    user = {"role": "user", "content": "please call a tool"}
    got = ok(azure("reasoner", [user]))
    items = [user, *got["output"], result(got["output"][1])]
    assert ok(azure("reasoner", items))["status"] == "completed"
    for deployment, key in (("prod-o3-mini", "azure-key"), ("reasoner", "another-key")):
        r = azure(deployment, items, key)
        assert (r.status, r.json()) == (400, invalid_encrypted(items[1]["id"], ORGANIZATION))
    assert ask(fake, items).json() == invalid_encrypted(items[1]["id"], ORGANIZATION)


@pytest.mark.parametrize("where", ["last", "before the user", "before a reasoning item",
                                   "before a tool result"])
def test_a_reasoning_item_must_come_right_before_what_it_preceded(fake, where):
    items, _ = first_turn(fake)
    user, rs, fc, out = items
    again = {"role": "user", "content": "and now?"}
    misplaced = {"last": [user, fc, out, rs],
                 "before the user": [user, fc, out, rs, again],
                 "before a reasoning item": [user, rs, rs, fc, out],
                 "before a tool result": [user, fc, rs, out]}[where]
    r = ask(fake, misplaced)
    assert (r.status, r.json()) == (400, without_following(rs["id"]))


def test_what_may_follow_a_reasoning_item(fake):
    items, _ = first_turn(fake, "say hi and call a tool")
    user, rs, msg, fc, out = items
    assert [msg["type"], fc["type"]] == ["message", "function_call"]
    bare_msg = {"role": "assistant", "content": msg["content"][0]["text"]}
    bare_fc = {k: v for k, v in fc.items() if k != "id"}
    for after in ([msg, fc], [bare_msg, bare_fc], [fc, msg], [bare_fc]):
        assert ask(fake, [user, rs, *after, out]).status == 200


def test_ids_that_need_their_reasoning_item(fake):
    items, _ = first_turn(fake, "say hi and call a tool")
    user, rs, msg, fc, out = items
    r = ask(fake, [user, msg, {k: v for k, v in fc.items() if k != "id"}, out])
    rid = "rs_" + msg["id"].removeprefix("msg_")
    assert (r.status, r.json()) == (400, error(
        f"Item '{msg['id']}' of type 'message' was provided without its required 'reasoning' "
        f"item: '{rid}'.", "input"))
    r = ask(fake, [user, fc, out])
    assert r.json()["error"]["message"].startswith(f"Item '{fc['id']}' of type 'function_call'")
    assert ask(fake, [user, rs, msg, fc, out]).status == 200


def test_under_store_false_nothing_can_be_referred_to_by_id(fake):
    items, got = first_turn(fake)
    user, rs, fc, out = items
    reference = {"type": "reasoning", "id": rs["id"], "summary": []}
    not_persisted = (404, error(
        f"Item with id '{rs['id']}' not found. Items are not persisted when `store` is set to "
        "false. Try again with `store` set to true, or remove this item from your input.",
        "input"))
    r = ask(fake, [user, reference, fc, out])
    assert (r.status, r.json()) == not_persisted
    r = ask(fake, [user, reference, fc, out], store=True)  # made under store: false
    assert (r.status, r.json()) == not_persisted
    r = ask(fake, [out], previous_response_id=got["id"], store=True)
    assert (r.status, r.json()) == (400, error(
        f"Previous response with id '{got['id']}' not found.", "previous_response_id",
        "previous_response_not_found"))
    stored = ok(ask(fake, [user], store=True))
    ref = {"type": "reasoning", "id": stored["output"][0]["id"], "summary": []}
    assert ask(fake, [user, ref, stored["output"][1], result(stored["output"][1])],
               store=True).status == 200
    assert records(fake)[-1]["reasoning_replay"][0]["via"] == "store"
    assert ask(fake, [result(stored["output"][1])], previous_response_id=stored["id"],
               store=True).status == 200
    r = ask(fake, [user, {"type": "reasoning", "summary": []}, fc, out])
    assert (r.status, r.json()["error"]["param"]) == (400, "input[1].id")


# ---- the refusal of valid content (OpenAI's incident) -------------------------------------

def test_refuse_encrypted_refuses_the_next_requests_that_replay_reasoning(fake):
    items, _ = first_turn(fake)
    r = call(fake, "/_fake/config", {"refuse_encrypted": 1})
    assert r.status == 200
    assert ask(fake, "a request without reasoning items is not counted").status == 200
    r = ask(fake, items)
    assert (r.status, r.json()) == (400, invalid_encrypted(items[1]["id"]))
    assert records(fake)[-1]["refused_encrypted"] is True
    assert ok(ask(fake, without_reasoning(items)))["status"] == "completed"
    assert ok(ask(fake, items))["status"] == "completed", "one refusal was asked for"
    assert "refused_encrypted" not in records(fake)[-1]


def test_fault_refuse_encrypted_refuses_every_replay(fake):
    items, _ = first_turn(fake, model="fault-refuse-encrypted")
    for _ in range(2):
        r = ask(fake, items, model="fault-refuse-encrypted")
        assert (r.status, r.json()) == (400, invalid_encrypted(items[1]["id"]))
    assert ask(fake, without_reasoning(items), model="fault-refuse-encrypted").status == 200


def test_refuse_encrypted_is_a_count_and_reset_forgets_it(fake):
    for bad in (-1, True, "2"):
        assert call(fake, "/_fake/config", {"refuse_encrypted": bad}).status == 400
    assert call(fake, "/_fake/config", {"refuse_encrpyted": 1}).status == 400
    assert call(fake, "/_fake/config", {"refuse_encrypted": 2}).status == 200
    items, _ = first_turn(fake)
    fake.reset()
    assert ask(fake, items).status == 200, "reset forgot the refusals"
