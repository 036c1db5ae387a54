"""Chat completions on the wire: the chat.completion object and its native stream.

Stream format as the real API sends it:
`data: <json>` events, no `event:` lines, `data: [DONE]` at the end; the role delta first,
then content, refusal and tool-call deltas, a finish chunk, and with
`stream_options.include_usage` a usage chunk with `"choices": []` (other chunks then carry
`"usage": null`).
"""

from __future__ import annotations

import json
import time

from .answers import Plan, compute_usage, new_id, split_text

DONE = b"data: [DONE]\n\n"


def frame(event: dict) -> bytes:
    return b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


def message(plan: Plan) -> dict:
    msg = {"role": "assistant", "content": plan.text, "refusal": plan.refusal}
    if plan.calls:
        msg["tool_calls"] = [{"id": c.call_id, "type": "function",
                              "function": {"name": c.name, "arguments": c.arguments}}
                             for c in plan.calls]
    return msg


def completion(body: dict, plan: Plan, model: str, reasoning: bool, length=False,
               cached=0) -> dict:
    """The whole chat.completion; `length`: the budget ran out in reasoning, content empty;
    `cached`: the prompt tokens the prompt cache held."""
    n = body.get("n") if isinstance(body.get("n"), int) and 1 <= body["n"] <= 8 else 1
    if length:
        msg, finish = {"role": "assistant", "content": "", "refusal": None}, "length"
        usage = compute_usage(body, "", reasoning,
                              completion_override=body.get("max_completion_tokens") or 64,
                              cached=cached)
        usage["completion_tokens_details"]["reasoning_tokens"] = usage["completion_tokens"]
    else:
        msg, finish = message(plan), "tool_calls" if plan.calls else "stop"
        usage = compute_usage(body, plan.visible, reasoning, cached=cached)
    choices = [{"index": i, "message": json.loads(json.dumps(msg)), "finish_reason": finish}
               for i in range(n)]
    if not reasoning:
        for c in choices:
            c["logprobs"] = None
    return {
        "id": new_id("chatcmpl-", 29),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_" + ("f6e27b2a6b" if reasoning else "831e067d82"),
        "choices": choices,
        "usage": usage,
        "service_tier": "default",
    }


def stream_events(answer: dict, include_usage: bool) -> list[dict]:
    """The chunks of the native stream equivalent of `answer`."""
    base = {"id": answer["id"], "object": "chat.completion.chunk", "created": answer["created"],
            "model": answer["model"], "service_tier": answer["service_tier"],
            "system_fingerprint": answer["system_fingerprint"]}
    events = []

    def chunk(index, delta, finish=None):
        c = dict(base)
        c["choices"] = [{"index": index, "delta": delta, "logprobs": None,
                         "finish_reason": finish}]
        if include_usage:
            c["usage"] = None
        events.append(c)

    for ch in answer.get("choices", []):
        idx, msg = ch["index"], ch["message"]
        chunk(idx, {"role": "assistant", "content": "", "refusal": None})
        for piece in split_text(msg.get("content") or ""):
            chunk(idx, {"content": piece})
        for piece in split_text(msg.get("refusal") or "", 8):
            chunk(idx, {"refusal": piece})
        for ti, tc in enumerate(msg.get("tool_calls") or []):
            chunk(idx, {"tool_calls": [{"index": ti, "id": tc["id"], "type": "function",
                                        "function": {"name": tc["function"]["name"],
                                                     "arguments": ""}}]})
            for piece in split_text(tc["function"]["arguments"], 6):
                chunk(idx, {"tool_calls": [{"index": ti, "function": {"arguments": piece}}]})
        chunk(idx, {}, ch["finish_reason"])
    if include_usage:
        events.append({**base, "choices": [], "usage": answer.get("usage")})
    return events
