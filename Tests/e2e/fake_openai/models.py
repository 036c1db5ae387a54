"""The model table: one row per family, as the product's own rule table is one row per rule.

A row says which names it matches (first match wins, `*` is any run of characters), which
chat parameters and roles the family rejects and how, whether it streams on chat completions,
which endpoints serve it, and the dated snapshot an answer names. The behaviour is the real
one where real answers confirm it (errors.py names them; the Responses-only rows are
openai-python's shared/responses_model.py plus the models users met the chat 404 with); the
test families o7-sage, o8-scholar and o9-future exist so that the proxy meets models none of
its built-in rules know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class Unsupported:
    """Present at all (even null): 400 unsupported_parameter."""
    param: str


@dataclass(frozen=True)
class OnlyDefault:
    """Present, not null and not the default: 400 unsupported_value."""
    param: str
    default: object


# Which endpoints serve a family; the two Responses-only kinds differ in their chat 404 wording.
BOTH = "chat+responses"
NOT_A_CHAT_MODEL = "responses (chat: 'not a chat model')"
ONLY_RESPONSES = "responses (chat: 'only supported in v1/responses')"
# Whether chat completions streams; o1 rejected streams in other words than o1-mini.
NATIVE, REJECTED, REJECTED_O1 = "native", "rejected", "rejected (o1 wording)"


@dataclass(frozen=True)
class Family:
    name: str
    match: tuple[str, ...]
    snapshots: dict[str, str] = field(default_factory=dict)  # listed alias -> dated answer name
    endpoints: str = BOTH
    reasoning: bool = True
    chat_stream: str = NATIVE
    rejects: tuple[Unsupported | OnlyDefault, ...] = ()  # chat parameters, checked in order
    roles: tuple[str, ...] = ()  # chat roles rejected
    tools_need_responses: bool = False  # function tools + reasoning_effort: 400 on chat
    reasons_by_default: bool = False  # without reasoning_effort it reasons (tools refused alike)
    verified_stream: bool = False  # stream: true needs a verified organization
    efforts: tuple[str, ...] = ()  # the only reasoning.effort values accepted (empty: any)
    chat_efforts: tuple[str, ...] = ()  # the only chat reasoning_effort values (empty: any)
    modes: tuple[str, ...] = ()  # reasoning.mode values taken (empty: the parameter is refused)

    def matches(self, model: str) -> bool:
        return any(fnmatchcase(model, p) for p in self.match)

    @property
    def serves_chat(self) -> bool:
        return self.endpoints == BOTH


PENALTIES = (Unsupported("presence_penalty"), Unsupported("frequency_penalty"))
LOGPROBS = (Unsupported("logprobs"), Unsupported("top_logprobs"))
O_SERIES = (Unsupported("max_tokens"), Unsupported("temperature"), Unsupported("top_p"),
            Unsupported("parallel_tool_calls"), *PENALTIES, *LOGPROBS)
GPT_5 = (Unsupported("max_tokens"), OnlyDefault("temperature", 1), Unsupported("top_p"),
         *LOGPROBS, *PENALTIES)
# gpt-6-astra and gpt-6.1 (BerriAI/litellm, genkit-ai/genkit PR #6303, inspect_ai PR #5254): no
# max_tokens, no stop, temperature only 1; chat efforts low to xhigh, `max` on Responses only;
# tools refused on chat at every effort (bolna-ai/bolna PR #1019).
GPT_6 = (Unsupported("max_tokens"), Unsupported("stop"), OnlyDefault("temperature", 1))
GPT_6_CHAT_EFFORTS = ("low", "medium", "high", "xhigh")

FAMILIES: tuple[Family, ...] = (
    # Responses-only first: their names would otherwise match the chat families below.
    Family("o1-pro", ("o1-pro", "o1-pro-*"), {"o1-pro": "o1-pro-2025-03-19"},
           endpoints=NOT_A_CHAT_MODEL),
    Family("o7-sage (test: Responses-only, unknown to the proxy)", ("o7-sage*",),
           {"o7-sage": "o7-sage-2026-05-01"}, endpoints=NOT_A_CHAT_MODEL),
    Family("o3-pro", ("o3-pro", "o3-pro-*"), {"o3-pro": "o3-pro-2025-06-10"},
           endpoints=ONLY_RESPONSES, verified_stream=True),
    Family("gpt-5-pro", ("gpt-5-pro", "gpt-5-pro-*"), {"gpt-5-pro": "gpt-5-pro-2025-10-06"},
           endpoints=ONLY_RESPONSES, verified_stream=True, efforts=("high",)),
    Family("gpt-5.x-pro", ("gpt-5.*-pro", "gpt-5.*-pro-*"),
           {"gpt-5.2-pro": "gpt-5.2-pro-2025-12-11", "gpt-5.5-pro": "gpt-5.5-pro-2026-04-23"},
           endpoints=ONLY_RESPONSES, verified_stream=True),
    Family("codex", ("codex-mini-latest", "*-codex*"),
           {"codex-mini-latest": "codex-mini-latest", "gpt-5-codex": "gpt-5-codex"},
           endpoints=ONLY_RESPONSES, verified_stream=True),
    Family("deep research", ("o3-deep-research*", "o4-mini-deep-research*"),
           {"o3-deep-research": "o3-deep-research-2025-06-26",
            "o4-mini-deep-research": "o4-mini-deep-research-2025-06-26"},
           endpoints=ONLY_RESPONSES, verified_stream=True),
    Family("o8-scholar (test: Responses-only, unknown to the proxy)", ("o8-scholar*",),
           {"o8-scholar": "o8-scholar-2026-05-01"}, endpoints=ONLY_RESPONSES),

    Family("gpt-4o", ("gpt-4o", "gpt-4o-*"), {"gpt-4o": "gpt-4o-2024-08-06"}, reasoning=False),
    Family("o1-mini, o1-preview", ("o1-mini", "o1-mini-*", "o1-preview", "o1-preview-*"),
           {"o1-mini": "o1-mini-2024-09-12", "o1-preview": "o1-preview-2024-09-12"},
           chat_stream=REJECTED,
           rejects=(Unsupported("max_tokens"), OnlyDefault("temperature", 1),
                    OnlyDefault("top_p", 1), OnlyDefault("n", 1),
                    OnlyDefault("presence_penalty", 0), OnlyDefault("frequency_penalty", 0),
                    *LOGPROBS, Unsupported("logit_bias"), Unsupported("stop"),
                    Unsupported("tools"), Unsupported("tool_choice"), Unsupported("functions"),
                    Unsupported("function_call"), Unsupported("parallel_tool_calls"),
                    Unsupported("response_format"), Unsupported("reasoning_effort")),
           roles=("system", "developer")),
    Family("o1", ("o1", "o1-2*"), {"o1": "o1-2024-12-17"}, chat_stream=REJECTED_O1,
           rejects=(Unsupported("max_tokens"), Unsupported("temperature"), Unsupported("top_p"),
                    *PENALTIES, *LOGPROBS, Unsupported("logit_bias"),
                    Unsupported("parallel_tool_calls"))),
    Family("o3-mini", ("o3-mini", "o3-mini-*"), {"o3-mini": "o3-mini-2025-01-31"},
           rejects=(Unsupported("max_tokens"), Unsupported("temperature"), Unsupported("top_p"),
                    Unsupported("parallel_tool_calls"), Unsupported("stop"))),
    Family("o3", ("o3", "o3-2*"), {"o3": "o3-2025-04-16"}, rejects=O_SERIES,
           verified_stream=True),
    Family("o4-mini", ("o4-mini*",), {"o4-mini": "o4-mini-2025-04-16"}, rejects=O_SERIES,
           verified_stream=True),
    Family("gpt-5.4, gpt-5.5", ("gpt-5.4*", "gpt-5.5*"),
           {"gpt-5.4": "gpt-5.4-2026-03-05", "gpt-5.4-mini": "gpt-5.4-mini-2026-03-17",
            "gpt-5.5": "gpt-5.5-2026-04-23"},
           rejects=GPT_5, tools_need_responses=True, verified_stream=True),
    Family("gpt-5.6 (sol, terra, luna)", ("gpt-5.6*",),
           {"gpt-5.6-sol": "gpt-5.6-sol-2026-07-09", "gpt-5.6-terra": "gpt-5.6-terra-2026-07-09",
            "gpt-5.6-luna": "gpt-5.6-luna-2026-07-09"},
           rejects=GPT_5, tools_need_responses=True, reasons_by_default=True, verified_stream=True,
           chat_efforts=("none", "minimal", "low", "medium", "high", "xhigh"),
           efforts=("none", "minimal", "low", "medium", "high", "xhigh", "max"), modes=("standard", "pro")),
    Family("gpt-6 (astra, 6.1 sol, terra)", ("gpt-6", "gpt-6-*", "gpt-6.*"),
           {"gpt-6-astra": "gpt-6-astra-2026-09-16", "gpt-6.1-sol": "gpt-6.1-sol-2026-10-26",
            "gpt-6.1-terra": "gpt-6.1-terra-2026-10-26"},
           rejects=GPT_6, tools_need_responses=True, reasons_by_default=True, chat_efforts=GPT_6_CHAT_EFFORTS,
           efforts=(*GPT_6_CHAT_EFFORTS, "max"), modes=("standard", "pro")),
    Family("gpt-7-test (test: a gpt-6-like model no built-in rule knows)", ("gpt-7-test*",),
           {"gpt-7-test": "gpt-7-test-2026-12-01"},
           rejects=GPT_6, tools_need_responses=True, reasons_by_default=True, chat_efforts=GPT_6_CHAT_EFFORTS,
           efforts=(*GPT_6_CHAT_EFFORTS, "max"), modes=("standard", "pro")),
    Family("gpt-5", ("gpt-5", "gpt-5-2*", "gpt-5-mini", "gpt-5-mini-2*", "gpt-5-nano",
                     "gpt-5-nano-2*", "gpt-5.1", "gpt-5.1-2*", "gpt-5.2", "gpt-5.2-2*"),
           {"gpt-5": "gpt-5-2025-08-07", "gpt-5-mini": "gpt-5-mini-2025-08-07",
            "gpt-5-nano": "gpt-5-nano-2025-08-07", "gpt-5.1": "gpt-5.1-2025-11-13",
            "gpt-5.2": "gpt-5.2-2025-12-11"},
           rejects=GPT_5, verified_stream=True),
    Family("o9-future (test: a chat model no built-in rule knows)", ("o9-future", "o9-future-*"),
           {"o9-future": "o9-future-2026-01-01"}, chat_stream=REJECTED,
           rejects=(Unsupported("max_tokens"), Unsupported("temperature")), roles=("system",)),
    Family("fault-* (test: a plain reasoning model that misbehaves, see the faults)",
           ("fault-*",)),
)


def family_of(model) -> Family | None:
    if not isinstance(model, str):
        return None
    return next((f for f in FAMILIES if f.matches(model)), None)


def answer_model(model: str) -> str:
    """The `model` field of an answer: the dated snapshot for an alias, else the name as sent."""
    fam = family_of(model)
    return fam.snapshots.get(model, model) if fam else model


def _listed() -> list[tuple[str, str]]:
    ids = []
    for fam in FAMILIES:
        for alias, snapshot in fam.snapshots.items():
            ids += [alias] if snapshot == alias else [alias, snapshot]
    return [(i, "system") for i in ids]


MODEL_LIST = _listed()  # (id, owned_by) as GET /v1/models lists them


def describe() -> str:
    """The table as text, for the docstring, --list and the README."""
    rows = ["| family | names | endpoints | chat stream | chat rejects | notes |",
            "|---|---|---|---|---|---|"]
    for f in FAMILIES:
        rejects = [f"{r.param}≠{r.default}" if isinstance(r, OnlyDefault) else r.param
                   for r in f.rejects] + [f"role {r}" for r in f.roles]
        notes = [n for n, on in (("not a reasoning model", not f.reasoning),
                                 ("function tools + reasoning_effort → use /v1/responses",
                                  f.tools_need_responses),
                                 ("reasons without reasoning_effort", f.reasons_by_default),
                                 (f"chat reasoning_effort only {'/'.join(f.chat_efforts)}", f.chat_efforts),
                                 (f"reasoning.mode {'/'.join(f.modes)}", f.modes),
                                 ("stream needs a verified organization", f.verified_stream),
                                 (f"reasoning.effort only {'/'.join(f.efforts)}", f.efforts))
                 if on]
        names = ", ".join(f"`{m}`" for m in f.match)
        stream = f.chat_stream if f.serves_chat else "–"
        rows.append(f"| {f.name} | {names} | {f.endpoints} | {stream} | "
                    f"{', '.join(rejects) or '–'} | {'; '.join(notes) or '–'} |")
    return "\n".join(rows)
