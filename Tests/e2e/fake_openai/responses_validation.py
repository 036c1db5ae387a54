"""What POST /v1/responses rejects, as strictly as the real endpoint: first the request's shape
(parameter names from openai-python's response_create_params.py and the item and part types
it references), then the model's rules. Required fields are checked before unknown ones, as
the real API does (a chat-style nested tool is reported as a missing `tools[0].name`). What a
replayed reasoning item's encrypted content says, and what was stored, is reasoning.py's job;
here only where a reasoning item stands: right before the item it preceded (a function call or
an assistant message), never last, before a user message or before another reasoning item."""

from __future__ import annotations

from . import errors as e
from .answers import item_type
from .models import Family

CREATE_PARAMS = frozenset({
    "background", "context_management", "conversation", "include", "input", "instructions",
    "max_output_tokens", "max_tool_calls", "metadata", "model", "moderation",
    "parallel_tool_calls", "previous_response_id", "prompt", "prompt_cache_key",
    "prompt_cache_options", "prompt_cache_retention", "reasoning", "safety_identifier",
    "service_tier", "store", "stream", "stream_options", "temperature", "text", "tool_choice",
    "tools", "top_logprobs", "top_p", "truncation", "user"})

# Input items the fake checks: (required, allowed) keys. Other item types pass unchecked.
ITEMS = {
    "message": (("role", "content"), {"type", "role", "content", "status", "phase", "id"}),
    "function_call": (("call_id", "name", "arguments"),
                      {"type", "call_id", "name", "arguments", "id", "status", "namespace",
                       "caller"}),
    "function_call_output": (("call_id", "output"),
                             {"type", "call_id", "output", "id", "status", "caller", "name",
                              "namespace"}),
    # `id` is required too, unless the item carries encrypted_content (check_reasoning_id).
    "reasoning": (("summary",),
                  {"type", "id", "summary", "content", "encrypted_content", "status"}),
}
# What `include` may ask for: openai-python's types/responses/response_includable.py.
INCLUDABLE = ("file_search_call.results", "web_search_call.results",
              "web_search_call.action.sources", "message.input_image.image_url",
              "computer_call_output.output.image_url", "code_interpreter_call.outputs",
              "reasoning.encrypted_content", "message.output_text.logprobs")
# Content parts. `annotations` is Required in the SDK's output_text param type, but whether the
# API insists is unknown, so the fake does not.
PARTS = {
    "input_text": (("text",), {"type", "text", "prompt_cache_breakpoint"}),
    "input_image": (("detail",), {"type", "detail", "image_url", "file_id",
                                  "prompt_cache_breakpoint"}),
    "input_file": ((), {"type", "detail", "file_data", "file_id", "file_url", "filename",
                        "prompt_cache_breakpoint"}),
    "output_text": (("text",), {"type", "text", "annotations", "logprobs"}),
    "refusal": (("refusal",), {"type", "refusal"}),
}
ROLES = ("user", "assistant", "system", "developer")
# The assistant's list is the real error's; that the other roles are refused in the same words
# with their own list is inferred.
PARTS_BY_ROLE = {"assistant": ("output_text", "refusal")}
INPUT_PARTS = ("input_text", "input_image", "input_file")
FUNCTION_TOOL = (("name",), {"type", "name", "description", "parameters", "strict",
                             "allowed_callers", "defer_loading", "output_schema"})
TOOL_CHOICE_FUNCTION = (("name",), {"type", "name"})
JSON_SCHEMA_FORMAT = (("name", "schema"), {"type", "name", "schema", "description", "strict"})
REASONING = {"effort", "summary", "generate_summary", "context", "mode"}
TEXT = {"format", "verbosity"}
STREAM_OPTIONS = {"include_obfuscation"}
MAX_CALL_ID = 64
MIN_OUTPUT_TOKENS = 16


def check_keys(obj: dict, spec, where: str) -> e.Rejection | None:
    required, allowed = spec
    missing = next((k for k in required if k not in obj), None)
    if missing:
        return e.missing_required(f"{where}.{missing}")
    extra = next((k for k in obj if k not in allowed), None)
    return e.unknown_parameter(f"{where}.{extra}") if extra else None


def check_shape(body) -> e.Rejection | None:
    if not isinstance(body, dict):
        return e.bad_json()
    extra = next((k for k in body if k not in CREATE_PARAMS), None)
    if extra:
        return e.unknown_parameter(extra)
    if not isinstance(body.get("model"), str) or not body["model"]:
        return e.missing_required("model")
    return (check_stream_options(body) or check_budget(body) or check_input(body)
            or check_tools(body) or check_settings(body))


def check_stream_options(body: dict) -> e.Rejection | None:
    opts = body.get("stream_options")
    if opts is None:
        return None
    # The chat rule and wording; that /v1/responses words it the same way is inferred.
    if body.get("stream") is not True:
        return e.stream_options_without_stream()
    if not isinstance(opts, dict):
        return e.invalid_type("stream_options", "an object", "a " + type(opts).__name__)
    extra = next((k for k in opts if k not in STREAM_OPTIONS), None)
    return e.unknown_parameter(f"stream_options.{extra}") if extra else None


def check_budget(body: dict) -> e.Rejection | None:
    n = body.get("max_output_tokens")
    if isinstance(n, int) and not isinstance(n, bool) and n < MIN_OUTPUT_TOKENS:
        return e.integer_below_min("max_output_tokens", MIN_OUTPUT_TOKENS, n)
    return None


def check_input(body: dict) -> e.Rejection | None:
    items = body.get("input")
    if items is None or isinstance(items, str):
        return None
    if not isinstance(items, list):
        return e.invalid_type("input", "one of a string or array of input items", "an object")
    calls: list[str] = []
    answered: set[str] = set()
    for i, item in enumerate(items):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            return e.invalid_type(where, "an object", "a " + type(item).__name__)
        kind = item_type(item)
        if kind not in ITEMS:
            continue
        bad = (check_reasoning_id(item, where) if kind == "reasoning" else None) or check_keys(
            item, ITEMS[kind], where)
        if not bad and kind == "message":
            bad = check_message(item, where)
        if not bad and kind in ("function_call", "function_call_output"):
            call_id = item["call_id"]
            if isinstance(call_id, str) and len(call_id) > MAX_CALL_ID:
                bad = e.string_above_max(f"{where}.call_id", MAX_CALL_ID, len(call_id))
            elif kind == "function_call":
                calls.append(call_id)
            # A stored conversation may hold the call; then the input need not repeat it.
            elif call_id not in calls and not stateful(body):
                bad = e.output_without_call(call_id)
            else:
                answered.add(call_id)
        if bad:
            return bad
    bad = check_reasoning_followed(items)
    if bad:
        return bad
    unanswered = next((c for c in calls if c not in answered), None)
    return e.call_without_output(unanswered) if unanswered and not stateful(body) else None


def check_reasoning_id(item: dict, where: str) -> e.Rejection | None:
    """An id refers to a stored item; with encrypted_content none is needed (Codex sends none)."""
    if "id" not in item and item.get("encrypted_content") is None:
        return e.missing_required(f"{where}.id")
    return None


def follows_reasoning(item) -> bool:
    """Whether `item` can be what a reasoning item preceded: model output, not input."""
    if not isinstance(item, dict):
        return False
    kind = item_type(item)
    if kind == "message":
        return item.get("role") == "assistant"
    return bool(kind) and kind != "reasoning" and not kind.endswith("_output")


def check_reasoning_followed(items: list) -> e.Rejection | None:
    for i, item in enumerate(items):
        if item_type(item) == "reasoning" and not (i + 1 < len(items)
                                                   and follows_reasoning(items[i + 1])):
            item_id = item.get("id")
            return e.reasoning_without_following(item_id if isinstance(item_id, str) else None)
    return None


def stateful(body: dict) -> bool:
    return bool(body.get("previous_response_id") or body.get("conversation"))


def check_message(item: dict, where: str) -> e.Rejection | None:
    role = item["role"]
    if role not in ROLES:
        return e.invalid_value(f"{where}.role", role, ROLES)
    content = item["content"]
    if isinstance(content, str):
        return None
    if not isinstance(content, list):
        return e.invalid_type(f"{where}.content", "one of a string or array of input content",
                              "an object")
    allowed = PARTS_BY_ROLE.get(role, INPUT_PARTS)
    for j, part in enumerate(content):
        at = f"{where}.content[{j}]"
        if not isinstance(part, dict):
            return e.invalid_type(at, "an object", "a " + type(part).__name__)
        if "type" not in part:
            return e.missing_required(f"{at}.type")
        if part["type"] not in allowed:
            return e.invalid_value(f"{at}.type", part["type"], allowed)
        bad = check_keys(part, PARTS[part["type"]], at)
        if bad:
            return bad
    return None


def check_tools(body: dict) -> e.Rejection | None:
    tools = body.get("tools") or []
    if not isinstance(tools, list):
        return e.invalid_type("tools", "an array", "an object")
    for i, tool in enumerate(tools):
        where = f"tools[{i}]"
        if not isinstance(tool, dict):
            return e.invalid_type(where, "an object", "a " + type(tool).__name__)
        if "type" not in tool:
            return e.missing_required(f"{where}.type")
        if tool["type"] == "function":
            bad = check_keys(tool, FUNCTION_TOOL, where)
            if bad:
                return bad
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        return check_keys(choice, TOOL_CHOICE_FUNCTION, "tool_choice")
    return None


def check_settings(body: dict) -> e.Rejection | None:
    include = body.get("include")
    if include is not None and not isinstance(include, list):
        return e.invalid_type("include", "an array", "a " + type(include).__name__)
    for i, value in enumerate(include or []):
        # The wording of the API's enum errors; that `include` words it so is inferred.
        if value not in INCLUDABLE:
            return e.invalid_value(f"include[{i}]", value, INCLUDABLE)
    for name, allowed in (("reasoning", REASONING), ("text", TEXT)):
        value = body.get(name)
        if isinstance(value, dict):
            extra = next((k for k in value if k not in allowed), None)
            if extra:
                return e.unknown_parameter(f"{name}.{extra}")
    fmt = body.get("text", {}).get("format") if isinstance(body.get("text"), dict) else None
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        return check_keys(fmt, JSON_SCHEMA_FORMAT, "text.format")
    return None


def check_model(body: dict, family: Family, verified: bool) -> e.Rejection | None:
    """The family's rules for a request of the right shape; `verified`: the key's organization."""
    if family.reasoning:
        sampling = next((p for p in ("temperature", "top_p") if body.get(p) is not None), None)
        if sampling:
            return e.unsupported_parameter(sampling)
    reasoning = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
    effort = reasoning.get("effort")
    if effort is not None and not family.reasoning:
        return e.unsupported_parameter("reasoning.effort")
    if effort is not None and family.efforts and effort not in family.efforts:
        return e.unsupported_choice("reasoning.effort", effort, family.efforts)
    mode = reasoning.get("mode")
    if mode is not None and not family.modes:
        return e.unsupported_parameter("reasoning.mode")
    if mode is not None and mode not in family.modes:
        return e.unsupported_choice("reasoning.mode", mode, family.modes)
    if not family.reasoning and "reasoning.encrypted_content" in (body.get("include") or []):
        return e.encrypted_content_unsupported()
    if family.reasoning:
        bad = check_call_ids(body)
        if bad:
            return bad
    if body.get("stream") is True and family.verified_stream and not verified:
        return e.unverified_stream()
    if reasoning.get("summary") is not None and family.reasoning and not verified:
        return e.unverified_summary()
    return None


def check_call_ids(body: dict) -> e.Rejection | None:
    """A reasoning model's function_call item keeps its `fc_` id, and its assistant message its
    `msg_` id, only next to their reasoning item. The real API pairs them through its store; the
    fake accepts any earlier reasoning item and names a reasoning id derived from the item's."""
    seen_reasoning = False
    for item in body.get("input") if isinstance(body.get("input"), list) else []:
        kind = item_type(item) if isinstance(item, dict) else ""
        seen_reasoning = seen_reasoning or kind == "reasoning"
        item_id = item.get("id") if isinstance(item, dict) else None
        if seen_reasoning or not isinstance(item_id, str) or not item_id:
            continue
        if kind == "function_call":
            return e.call_without_reasoning(item_id, "rs_" + item_id.removeprefix("fc_"))
        if kind == "message" and item.get("role") == "assistant" and item_id.startswith("msg_"):
            return e.message_without_reasoning(item_id, "rs_" + item_id.removeprefix("msg_"))
    return None
