"""What POST /v1/chat/completions rejects: first the request's shape, then the model's rules
from the table, in the order the real API reports them (one error per request)."""

from __future__ import annotations

from . import errors as e
from .models import NATIVE, NOT_A_CHAT_MODEL, REJECTED_O1, Family, OnlyDefault, Unsupported


def check_shape(body) -> e.Rejection | None:
    if not isinstance(body, dict):
        return e.bad_json()
    if not isinstance(body.get("model"), str) or not body["model"]:
        return e.missing_model()
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return e.empty_messages()
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or "role" not in m:
            return e.missing_required(f"messages[{i}].role")
    if body.get("stream_options") is not None and body.get("stream") is not True:
        return e.stream_options_without_stream()
    return None


def not_served(family: Family) -> e.Rejection:
    """The 404 of a Responses-only model, in its family's wording."""
    return e.not_on_chat(e.NOT_A_CHAT_MODEL if family.endpoints == NOT_A_CHAT_MODEL
                         else e.ONLY_RESPONSES)


def check_model(body: dict, family: Family, verified: bool) -> e.Rejection | None:
    """The family's rules for a request of the right shape; `verified`: the key's organization."""
    for rule in family.rejects:
        if isinstance(rule, Unsupported) and rule.param in body:
            return e.unsupported_parameter(rule.param)
        value = body.get(rule.param)
        if isinstance(rule, OnlyDefault) and value is not None and value != rule.default:
            return e.only_default(rule.param, value, rule.default)
    for i, m in enumerate(body["messages"]):
        if m.get("role") in family.roles:
            return e.unsupported_role(i, m["role"])
    stream = body.get("stream") is True
    if stream and family.chat_stream != NATIVE:
        return e.unsupported_stream(o1_wording=family.chat_stream == REJECTED_O1)
    effort = body.get("reasoning_effort")
    if effort is not None and family.chat_efforts and effort not in family.chat_efforts:
        return e.unsupported_choice("reasoning_effort", effort, family.chat_efforts)
    if family.tools_need_responses and uses_function_tools(body) and reasons(body, family):
        return e.tools_with_reasoning(body["model"], or_none=family.reasons_by_default
                                      and "none" in family.chat_efforts)
    if stream and family.verified_stream and not verified:
        return e.unverified_stream()
    return None


def uses_function_tools(body: dict) -> bool:
    return any(isinstance(t, dict) and t.get("type") == "function" for t in body.get("tools") or [])


def reasons(body: dict, family: Family) -> bool:
    effort = body.get("reasoning_effort")
    return effort != "none" and (effort is not None or family.reasons_by_default)
