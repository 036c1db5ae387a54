"""The Responses API on the wire: the response object and its event stream.

Shapes follow openai-python's `types/responses/` (response.py, response_usage.py, the event
types) and real captures (such as the gpt-5 streams recorded in SwiftAgent's tests), key
order included. A stream is `event: <type>` + `data: <json>` per event, every payload
repeating `type` with a rising `sequence_number`, delta events padded with `obfuscation`
(unless `stream_options.include_obfuscation` is false), ending with its terminal event and no
`data: [DONE]`.

A reasoning model's output opens with one reasoning item, before its message and its function
calls. With `include: ["reasoning.encrypted_content"]` the item carries `encrypted_content`
(between `type` and `summary`, as in the capture), and a stream seals it afresh for
output_item.added and for output_item.done, as the real one does (reasoning.py).
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from typing import Callable

from .answers import REASONING_TOKENS, Plan, Prompt, new_id, responses_usage, split_text, words

Seal = Callable[[str], str]  # a reasoning item's id -> a fresh encrypted_content for it

# Real deltas carry padding so that delta + obfuscation is 16 characters long.
OBFUSCATED_LENGTH = 16
FAILED_MESSAGE = ("The server had an error processing your request. Sorry about that! You can "
                  "retry your request, or contact us through our help center at help.openai.com "
                  "if you keep seeing this error.")


def frame(event: dict) -> bytes:
    return (b"event: " + event["type"].encode() + b"\ndata: "
            + json.dumps(event, separators=(",", ":")).encode() + b"\n\n")


def reasoning_item(item_id: str, summary: list, seal: Seal | None) -> dict:
    sealed = {"encrypted_content": seal(item_id)} if seal else {}
    return {"id": item_id, "type": "reasoning", **sealed, "summary": summary}


def output_items(plan: Plan, reasoning: bool, summary: bool, seal: Seal | None = None
                 ) -> list[dict]:
    items = []
    if reasoning:
        parts = [{"type": "summary_text", "text": "Thinking about: " + plan.subject}]
        items.append(reasoning_item(new_id("rs_", 48), parts if summary else [], seal))
    if plan.text is not None or plan.refusal is not None:
        part = ({"type": "refusal", "refusal": plan.refusal} if plan.refusal is not None
                else {"type": "output_text", "annotations": [], "logprobs": [], "text": plan.text})
        items.append({"id": new_id("msg_", 48), "type": "message", "status": "completed",
                      "content": [part], "role": "assistant"})
    for c in plan.calls:
        items.append({"id": new_id("fc_", 48), "type": "function_call", "status": "completed",
                      "arguments": c.arguments, "call_id": c.call_id, "name": c.name})
    return items


def response(body: dict, model: str, reasoning: bool, *, status: str, output: list[dict],
             usage: dict | None, incomplete: str | None = None, error: dict | None = None) -> dict:
    """A response object echoing the request's settings, as the API returns it."""
    r = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
    text = body.get("text") if isinstance(body.get("text"), dict) else {}
    tools = [dict(t, strict=t.get("strict") is not False) if t.get("type") == "function" else t
             for t in body.get("tools") or [] if isinstance(t, dict)]
    return {
        "id": new_id("resp_", 48), "object": "response", "created_at": round(time.time(), 3),
        "status": status, "background": False, "error": error,
        "incomplete_details": {"reason": incomplete} if incomplete else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"), "max_tool_calls": None,
        "model": model, "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "prompt_cache_key": body.get("prompt_cache_key"),
        "reasoning": ({"effort": r.get("effort", "medium"), "summary": r.get("summary")}
                      if reasoning else {"effort": None, "summary": None}),
        "safety_identifier": body.get("safety_identifier"), "service_tier": "default",
        "store": body.get("store", True), "temperature": body.get("temperature", 1.0),
        "text": {"format": text.get("format", {"type": "text"}),
                 "verbosity": text.get("verbosity", "medium")},
        "tool_choice": body.get("tool_choice", "auto"), "tools": tools,
        "top_logprobs": body.get("top_logprobs", 0), "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"), "usage": usage,
        "user": body.get("user"), "metadata": body.get("metadata") or {},
    }


def answer(body: dict, plan: Plan, model: str, reasoning: bool, budget_fault=False, *,
           prompt: Prompt, seal: Seal | None = None) -> dict:
    """The completed response; incomplete when `max_output_tokens` cannot hold the answer
    (reasoning comes first and eats the budget, so nothing visible is left) or on `budget_fault`.
    `prompt`: its size and what the cache held; `seal`: include encrypted content."""
    asked = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
    summary = asked.get("summary") is not None
    output = output_items(plan, reasoning, summary, seal)
    r = REASONING_TOKENS if reasoning else 0
    needed = words(plan.visible) + r
    budget = body.get("max_output_tokens")
    if budget_fault or (isinstance(budget, int) and budget < needed):
        spent = budget if isinstance(budget, int) else 64
        return response(body, model, reasoning, status="incomplete",
                        output=[i for i in output if i["type"] == "reasoning"],
                        usage=responses_usage(prompt, spent, spent if reasoning else 0),
                        incomplete="max_output_tokens")
    return response(body, model, reasoning, status="completed", output=output,
                    usage=responses_usage(prompt, needed, r))


def failed(body: dict, model: str, reasoning: bool) -> dict:
    return response(body, model, reasoning, status="failed", output=[], usage=None,
                    error={"code": "server_error", "message": FAILED_MESSAGE})


def in_progress(item: dict, reseal: Seal | None = None) -> dict:
    if item["type"] == "reasoning":
        return reasoning_item(item["id"], [],
                              reseal if reseal and "encrypted_content" in item else None)
    if item["type"] == "message":
        return {"id": item["id"], "type": "message", "status": "in_progress", "content": [],
                "role": "assistant"}
    return dict(item, status="in_progress", arguments="")


def item_events(index: int, item: dict, reseal: Seal | None = None) -> list[dict]:
    """The events that build one output item, without sequence numbers; `reseal`: the
    reasoning item's events carry freshly sealed encrypted content."""
    at = {"item_id": item["id"], "output_index": index}
    events = [{"type": "response.output_item.added", "output_index": index,
               "item": in_progress(item, reseal)}]
    if item["type"] == "reasoning":
        for si, part in enumerate(item["summary"]):
            ps = {**at, "summary_index": si}
            events.append({"type": "response.reasoning_summary_part.added", **ps,
                           "part": {"type": "summary_text", "text": ""}})
            events += [{"type": "response.reasoning_summary_text.delta", **ps, "delta": d}
                       for d in split_text(part["text"])]
            events.append({"type": "response.reasoning_summary_text.done", **ps,
                           "text": part["text"]})
            events.append({"type": "response.reasoning_summary_part.done", **ps, "part": part})
    elif item["type"] == "message":
        for ci, part in enumerate(item["content"]):
            pc = {**at, "content_index": ci}
            if part["type"] == "refusal":
                events.append({"type": "response.content_part.added", **pc,
                               "part": {"type": "refusal", "refusal": ""}})
                events += [{"type": "response.refusal.delta", **pc, "delta": d}
                           for d in split_text(part["refusal"], 8)]
                events.append({"type": "response.refusal.done", **pc,
                               "refusal": part["refusal"]})
            else:
                events.append({"type": "response.content_part.added", **pc,
                               "part": dict(part, text="")})
                events += [{"type": "response.output_text.delta", **pc, "delta": d,
                            "logprobs": []} for d in split_text(part["text"])]
                events.append({"type": "response.output_text.done", **pc, "text": part["text"],
                               "logprobs": []})
            events.append({"type": "response.content_part.done", **pc, "part": part})
    else:
        events += [{"type": "response.function_call_arguments.delta", **at, "delta": d}
                   for d in split_text(item["arguments"], 6)]
        events.append({"type": "response.function_call_arguments.done", **at,
                       "arguments": item["arguments"], "name": item["name"]})
    if reseal and "encrypted_content" in item:
        item = reasoning_item(item["id"], item["summary"], reseal)
    events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    return events


def stream_events(final: dict, obfuscate: bool = True, reseal: Seal | None = None) -> list[dict]:
    """The whole event sequence that streams `final`, numbered from 0."""
    start = copy.deepcopy(final)
    start.update(status="in_progress", output=[], usage=None, error=None,
                 incomplete_details=None)
    events = [{"type": "response.created", "response": start},
              {"type": "response.in_progress", "response": start}]
    for index, item in enumerate(final["output"]):
        events += item_events(index, item, reseal)
    events.append({"type": "response." + final["status"], "response": final})
    return [number(e, seq, obfuscate) for seq, e in enumerate(events)]


def number(event: dict, seq: int, obfuscate: bool) -> dict:
    """`type` and `sequence_number` first, as the API orders them; padding on deltas."""
    out = {"type": event["type"], "sequence_number": seq}
    out.update((k, v) for k, v in event.items() if k != "type")
    if obfuscate and event["type"].endswith(".delta"):
        pad = max(1, OBFUSCATED_LENGTH - len(event["delta"]))
        out["obfuscation"] = hashlib.sha256(str(seq).encode()).hexdigest()[:pad]
    return out


def error_event(seq: int) -> dict:
    return {"type": "error", "code": "rate_limit_exceeded",
            "message": "Rate limit reached for requests per min (RPM). Please try again in 20s.",
            "param": None, "sequence_number": seq}


def without_output(final: dict) -> dict:
    return {k: v for k, v in final.items() if k != "output"}
