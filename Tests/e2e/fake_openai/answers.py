"""What the fake model says, before any wire format: deterministic, so tests can predict it.

The subject is the text of the last user turn ("tool said <output>" when the last turn is a
tool result). Rules, first match wins:
  with tools, "say hi and call a tool" in it -> "echo: <subject>" and a call of the first tool
  with tools, "call two tools" in it         -> two calls (the first two tools, or the first twice)
  with tools, "call a tool" in it            -> a call of the first tool
  "please refuse" in it                      -> a refusal
  otherwise                                  -> "echo: <subject>"
A call's arguments are {"city": "Paris"}; for a tool the API treats as strict, every property
of its schema is filled instead (strict mode makes optional properties required).

Token counts. The prompt is a list of tokens built from the request in order: the instructions,
each tool, each input item. Each of these is 4 tokens that say what it is (a message's role, a
call's call_id and name, a tool's name and strictness) and then its words (a message's text, a
call's arguments, a result's output, a tool's description and JSON schema); a replayed reasoning
item is the reasoning tokens it stands for (192). Chat messages count the same way (a tool
message as a function call output, an assistant's tool_calls as function calls), so the same
conversation is the same prompt on both endpoints. The answer: words of the visible text, plus
192 reasoning tokens for a reasoning model. How much of the prompt was cached: prompt_cache.py.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

REASONING_TOKENS = 192
REFUSAL = "I'm sorry, I can't help with that."


@dataclass(frozen=True)
class Tool:
    name: str
    parameters: object
    strict: bool


@dataclass(frozen=True)
class Call:
    name: str
    arguments: str
    call_id: str


@dataclass(frozen=True)
class Plan:
    subject: str
    text: str | None  # the visible answer; None when there is only a refusal or calls
    refusal: str | None
    calls: tuple[Call, ...]

    @property
    def visible(self) -> str:
        return self.text or ""


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + secrets.token_hex((length + 1) // 2)[:length]


def sample_value(name: str, schema) -> object:
    schema = schema if isinstance(schema, dict) else {}
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    return {"string": "Paris" if name == "city" else name, "integer": 1, "number": 1,
            "boolean": True, "array": [], "object": {}}.get(schema.get("type"))


def arguments_for(tool: Tool) -> str:
    if not tool.strict:
        return '{"city": "Paris"}'
    props = tool.parameters.get("properties") if isinstance(tool.parameters, dict) else None
    props = props if isinstance(props, dict) else {}
    return json.dumps({k: sample_value(k, v) for k, v in props.items()})


def plan(subject: str, tools: list[Tool]) -> Plan:
    def calls(n: int) -> tuple[Call, ...]:
        return tuple(Call(t.name, arguments_for(t), new_id("call_")) for t in (tools * n)[:n])

    echo = "echo: " + subject
    if tools and "say hi and call a tool" in subject:
        return Plan(subject, echo, None, calls(1))
    if tools and "call two tools" in subject:
        return Plan(subject, None, None, calls(2))
    if tools and "call a tool" in subject:
        return Plan(subject, None, None, calls(1))
    if "please refuse" in subject:
        return Plan(subject, None, REFUSAL, ())
    return Plan(subject, echo, None, ())


def split_text(s: str, size=4) -> list[str]:
    """The pieces a stream sends text in: a few characters, so split handling is exercised."""
    return [s[i:i + size] for i in range(0, len(s), size)]


def words(text: str) -> int:
    return len(text.split()) if text else 0


# ---- chat completions ---------------------------------------------------------------------

def message_text(m: dict) -> str:
    c = m.get("content")
    if isinstance(c, str):
        return c
    if isinstance(c, list):
        return "".join(p.get("text", "") for p in c if isinstance(p, dict))
    return ""


def chat_subject(messages) -> str:
    msgs = [m for m in messages or [] if isinstance(m, dict)]
    if msgs and msgs[-1].get("role") == "tool":
        return "tool said " + message_text(msgs[-1])
    return next((message_text(m) for m in reversed(msgs) if m.get("role") == "user"), "")


def chat_tools(body: dict) -> list[Tool]:
    out = []
    for t in body.get("tools") or []:
        fn = t.get("function") if isinstance(t, dict) else None
        fn = fn if isinstance(fn, dict) else {}
        out.append(Tool(fn.get("name", "tool"), fn.get("parameters"), fn.get("strict") is True))
    return out


def compute_usage(body: dict, content: str, reasoning: bool, completion_override=None,
                  cached=0) -> dict:
    """Chat usage for this request and answer text: tests call it to predict the counts
    (`cached`: what the prompt cache found, 0 unless the prompt is 1,024 tokens or more)."""
    prompt = len(chat_prompt(body))
    r = REASONING_TOKENS if reasoning else 0
    completion = completion_override if completion_override is not None else words(content) + r
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": r, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0,
                                      "rejected_prediction_tokens": 0},
    }


# ---- Responses ----------------------------------------------------------------------------

def part_text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict)
                       and isinstance(p.get("text"), str))
    return ""


def input_items(body: dict) -> list[dict]:
    inp = body.get("input")
    if isinstance(inp, str):
        return [{"type": "message", "role": "user", "content": inp}]
    return [i for i in inp or [] if isinstance(i, dict)]


def item_type(item: dict) -> str:
    return item.get("type") or ("message" if "role" in item else "")


def responses_subject(body: dict) -> str:
    for item in reversed(input_items(body)):
        if item_type(item) == "function_call_output":
            return "tool said " + part_text(item.get("output"))
        if item_type(item) == "message" and item.get("role") == "user":
            return part_text(item.get("content"))
    return ""


def responses_tools(body: dict) -> list[Tool]:
    """Function tools; a missing `strict` counts as strict, as the Responses API treats it."""
    return [Tool(t.get("name", "tool"), t.get("parameters"), t.get("strict") is not False)
            for t in body.get("tools") or []
            if isinstance(t, dict) and t.get("type") == "function"]


def responses_usage(prompt: Prompt, output_tokens: int, reasoning_tokens: int) -> dict:
    return {"input_tokens": prompt.tokens,
            "input_tokens_details": {"cached_tokens": prompt.cached, "cache_write_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": prompt.tokens + output_tokens}


# ---- the prompt, as tokens ----------------------------------------------------------------

HEADER_TOKENS = 4


@dataclass(frozen=True)
class Prompt:
    """A request's prompt: how many tokens, and how many of them the prompt cache held."""
    tokens: int
    cached: int


def segment(kind: str, key: str, text: str) -> list[str]:
    """One instruction, tool or item: HEADER_TOKENS saying what it is, then its words."""
    return [f"<{kind}|{key}|{i}>" for i in range(HEADER_TOKENS)] + (text or "").split()


def tool_segment(name, description, parameters, strict: bool) -> list[str]:
    schema = json.dumps(parameters, sort_keys=True) if parameters is not None else ""
    text = f"{description} {schema}" if isinstance(description, str) else schema
    return segment("tool", f"{name}|strict={strict}", text)


def reasoning_segment(reasoning_id: str, tokens: int) -> list[str]:
    """A replayed reasoning item: the reasoning it stands for, told apart by its item's id."""
    return [f"<reasoning|{reasoning_id}|{i}>" for i in range(tokens)]


def responses_prompt(body: dict, replayed: dict | None = None) -> list[str]:
    """The prompt of a /v1/responses request. `replayed`: input index -> the reasoning item the
    fake accepted there (reasoning.Replayed); a reasoning item not in it counts as 4 tokens."""
    replayed = replayed or {}
    toks = []
    if isinstance(body.get("instructions"), str):
        toks += segment("instructions", "", body["instructions"])
    for t in body.get("tools") or []:
        if isinstance(t, dict) and t.get("type") == "function":
            toks += tool_segment(t.get("name"), t.get("description"), t.get("parameters"),
                                 t.get("strict") is not False)
        elif isinstance(t, dict):
            toks += segment("tool", str(t.get("type")), json.dumps(t, sort_keys=True))
    for i, item in enumerate(input_items(body)):
        kind = item_type(item)
        if i in replayed:
            r = replayed[i]
            toks += reasoning_segment(r.reasoning_id, r.tokens)
        elif kind == "message":
            toks += segment("message", str(item.get("role")), part_text(item.get("content")))
        elif kind == "function_call":
            args = item.get("arguments")
            toks += segment("function_call", f"{item.get('call_id')}|{item.get('name')}",
                            args if isinstance(args, str) else "")
        elif kind == "function_call_output":
            toks += segment("function_call_output", str(item.get("call_id")),
                            part_text(item.get("output")))
        else:
            toks += segment(kind or "item", "", "")
    return toks


def chat_prompt(body: dict) -> list[str]:
    """The prompt of a chat completions request, in the same tokens as its Responses twin."""
    toks = []
    for t in body.get("tools") or []:
        fn = t.get("function") if isinstance(t, dict) else None
        if isinstance(fn, dict):
            toks += tool_segment(fn.get("name"), fn.get("description"), fn.get("parameters"),
                                 fn.get("strict") is True)
    for m in body.get("messages") or []:
        if not isinstance(m, dict):
            continue
        role, calls = m.get("role"), m.get("tool_calls")
        calls = [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []
        if role == "tool":
            toks += segment("function_call_output", str(m.get("tool_call_id")), message_text(m))
            continue
        if message_text(m) or not calls:
            toks += segment("message", str(role), message_text(m))
        for c in calls:
            fn = c.get("function") if isinstance(c.get("function"), dict) else {}
            args = fn.get("arguments")
            toks += segment("function_call", f"{c.get('id')}|{fn.get('name')}",
                            args if isinstance(args, str) else "")
    return toks


def legacy_cached_tokens(body: dict, prompt: int) -> int:
    """The "half" prompt cache mode: half the prompt when it is long or keyed for caching."""
    long = sum(words(part_text(i.get("content"))) for i in input_items(body)) > 50
    return prompt // 2 if body.get("prompt_cache_key") or long else 0
