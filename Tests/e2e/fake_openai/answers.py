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
Token counts: 4 + words per input message, words of the visible answer, plus 192 reasoning
tokens for a reasoning model.
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


def compute_usage(body: dict, content: str, reasoning: bool, completion_override=None) -> dict:
    """Chat usage for this request and answer text: tests call it to predict the counts."""
    prompt = sum(4 + words(message_text(m)) for m in body.get("messages") or []
                 if isinstance(m, dict))
    r = REASONING_TOKENS if reasoning else 0
    completion = completion_override if completion_override is not None else words(content) + r
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
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


def input_tokens(body: dict) -> int:
    n = 4 + words(body["instructions"]) if isinstance(body.get("instructions"), str) else 0
    for item in input_items(body):
        kind = item_type(item)
        text = (part_text(item.get("content")) if kind == "message"
                else part_text(item.get("output")) if kind == "function_call_output"
                else item.get("arguments", "") if kind == "function_call" else "")
        n += 4 + words(text if isinstance(text, str) else "")
    return n


def cached_tokens(body: dict, prompt: int) -> int:
    """Half the prompt when it is long or keyed for caching, so cached counts are testable."""
    long = sum(words(part_text(i.get("content"))) for i in input_items(body)) > 50
    return prompt // 2 if body.get("prompt_cache_key") or long else 0


def responses_usage(body: dict, output_tokens: int, reasoning_tokens: int) -> dict:
    prompt = input_tokens(body)
    return {"input_tokens": prompt,
            "input_tokens_details": {"cached_tokens": cached_tokens(body, prompt),
                                     "cache_write_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": prompt + output_tokens}
