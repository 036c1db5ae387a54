"""The fake upstream's prompt cache, straight (no proxy): cached_tokens is the longest prefix an
earlier prompt under the same key, model and prompt_cache_key had, from 1,024 tokens in steps of
128, on both endpoints, in whole answers and streams alike (prefix mode); the half mode keeps the
fake's first rule."""

import json

import pytest

from fake_client import KEY, call, responses
from fake_openai.answers import HEADER_TOKENS
from fake_openai.prompt_cache import cacheable

TOOL = {"type": "function", "name": "get_weather", "description": "Weather in a city",
        "strict": False,
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
LONG = "Follow the house rules. " + "rule " * 1100  # instructions past 1,024 tokens
OTHER_KEY = "Bearer sk-fake-other"


def ok(reply) -> dict:
    assert reply.status == 200, reply.raw
    return reply.json()


def records(fake):
    return fake.requests("/v1/responses")


def test_cacheable_lengths():
    assert [cacheable(n) for n in (0, 1023, 1024, 1151, 1152, 1279, 1280, 5000)] == [
        0, 0, 1024, 1024, 1152, 1152, 1280, 4992]


@pytest.mark.parametrize("tokens,cached", [(1023, 0), (1024, 1024), (1151, 1024),
                                           (1152, 1152), (1300, 1280)])
def test_a_repeated_prompt_is_cached_from_1024_tokens_in_steps_of_128(fake, tokens, cached):
    fake.configure(prompt_cache="prefix")
    body = {"model": "o3", "input": "word " * (tokens - HEADER_TOKENS)}
    first, again = ok(responses(fake, body))["usage"], ok(responses(fake, body))["usage"]
    assert first["input_tokens"] == again["input_tokens"] == tokens
    assert first["input_tokens_details"]["cached_tokens"] == 0
    assert again["input_tokens_details"]["cached_tokens"] == cached


def test_the_cache_holds_the_longest_common_prefix_per_key_model_and_cache_key(fake):
    fake.configure(prompt_cache="prefix")

    def cached(instructions=LONG, text="hi", auth=KEY, **extra):
        body = {"model": "o3", "instructions": instructions, "input": text, **extra}
        return ok(responses(fake, body, auth=auth))["usage"]["input_tokens_details"][
            "cached_tokens"]

    assert cached() == 0
    opening = HEADER_TOKENS + len(LONG.split())  # the instructions
    assert cached(text="something else entirely") == cacheable(opening)
    assert cached(instructions=LONG + " and one more") == cacheable(opening)
    assert cached(instructions="Different rules. " + LONG) == 0
    assert cached(auth=OTHER_KEY) == 0, "another key, another cache"
    assert cached(model="o4-mini") == 0, "another model, another cache"
    assert cached(prompt_cache_key="conversation-1") == 0, "a key of its own"
    assert cached(prompt_cache_key="conversation-1") == cacheable(opening + HEADER_TOKENS + 1)
    assert cached(prompt_cache_key="conversation-2") == 0


def test_tools_are_part_of_the_prompt(fake):
    fake.configure(prompt_cache="prefix")
    body = {"model": "o3", "instructions": LONG, "input": "hi", "tools": [TOOL]}
    first = ok(responses(fake, body))["usage"]
    schema = json.dumps(TOOL["parameters"], sort_keys=True)
    tool_tokens = HEADER_TOKENS + len(f"{TOOL['description']} {schema}".split())
    opening = HEADER_TOKENS + len(LONG.split())
    assert first["input_tokens"] == opening + tool_tokens + HEADER_TOKENS + 1
    strict = dict(body, tools=[dict(TOOL, strict=True)])
    assert ok(responses(fake, strict))["usage"]["input_tokens_details"][
        "cached_tokens"] == cacheable(opening)


def test_the_stream_and_the_whole_answer_agree_on_cached_tokens(fake):
    fake.configure(prompt_cache="prefix")
    body = {"model": "o3", "instructions": LONG, "input": "hi"}
    ok(responses(fake, body))
    data = call(fake, "/v1/responses", dict(body, stream=True)).data()
    usage = data[-1]["response"]["usage"]
    assert usage["input_tokens_details"]["cached_tokens"] == cacheable(usage["input_tokens"])
    assert data[0]["response"]["usage"] is None
    rec = records(fake)[-1]["prompt_cache"]
    assert (rec["cached_tokens"], rec["input_tokens"]) == (
        usage["input_tokens_details"]["cached_tokens"], usage["input_tokens"])


def test_chat_completions_share_the_model_of_the_prompt_and_the_cache(fake):
    fake.configure(prompt_cache="prefix")
    messages = [{"role": "system", "content": LONG}, {"role": "user", "content": "hi"}]
    body = {"model": "o3", "messages": messages}
    first = ok(call(fake, "/v1/chat/completions", body))["usage"]
    assert first["prompt_tokens"] == 2 * HEADER_TOKENS + len(LONG.split()) + 1
    assert first["prompt_tokens_details"]["cached_tokens"] == 0
    chunks = call(fake, "/v1/chat/completions", dict(
        body, stream=True, stream_options={"include_usage": True})).data()
    usage = chunks[-1]["usage"]
    assert usage["prompt_tokens_details"]["cached_tokens"] == cacheable(first["prompt_tokens"])
    rec = fake.requests("/v1/chat/completions")[-1]["prompt_cache"]
    assert rec["cached_tokens"] == usage["prompt_tokens_details"]["cached_tokens"]


def test_the_half_mode_keeps_the_first_rule_and_records_what_the_cache_held(fake):
    body = {"model": "o3", "input": "word " * 1200, "prompt_cache_key": "k"}
    usages = [ok(responses(fake, body))["usage"] for _ in range(2)]
    assert [u["input_tokens_details"]["cached_tokens"] for u in usages] == [
        usages[0]["input_tokens"] // 2] * 2
    recs = [r["prompt_cache"] for r in records(fake)]
    assert [r["mode"] for r in recs] == ["half", "half"]
    assert [r["prefix_tokens"] for r in recs] == [0, cacheable(usages[0]["input_tokens"])]


def test_the_mode_is_set_over_http_until_the_next_reset(fake):
    assert call(fake, "/_fake/config", {"prompt_cache": "lru"}).status == 400
    assert call(fake, "/_fake/config", {"prompt_cahce": "prefix"}).status == 400
    assert call(fake, "/_fake/config", {"prompt_cache": "prefix"}).status == 200
    body = {"model": "o3", "input": "word " * 1200}
    ok(responses(fake, body))
    assert ok(responses(fake, body))["usage"]["input_tokens_details"]["cached_tokens"] == 1152
    fake.reset()
    ok(responses(fake, body))
    assert records(fake)[-1]["prompt_cache"] == {
        "mode": "half", "bucket": records(fake)[-1]["prompt_cache"]["bucket"],
        "input_tokens": 1204, "cached_tokens": 602, "prefix_tokens": 0}
