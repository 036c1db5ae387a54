"""Azure OpenAI's v1 API: /openai/v1/chat/completions, /openai/v1/responses, /openai/v1/models.

Documented (MicrosoftDocs/azure-ai-docs, articles/ai-foundry/openai/api-version-lifecycle.md):
the paths; `model` is a deployment name; keys go in the `api-key` header; `api-version` is not
needed. Seen in real answers: the 401, DeploymentNotFound and OperationNotSupported bodies in
Azure's own envelope {"error": {"code", "message"}} (see errors.py); answers name the
deployment's model, not the deployment; parameter errors come in OpenAI's envelope.
Inferred or chosen for the tests: an `Authorization` header gets the same 401 even with a
valid `api-key` (the real service may accept a key as Bearer; the proxy must not rely on it);
any non-empty `api-key` is valid; the models list shows the deployments' models; a request
whose key says "unverified" is not gated (verification is an OpenAI account matter).
Content filtering, as Azure clients meet it (pydantic/pydantic-ai#797, microsoft/autogen#6465,
Azure/azure-sdk-for-go#21086): chat answers carry `prompt_filter_results` and per-choice
`content_filter_results`, and a chat stream opens with a chunk that has no choices, no id,
no model, created 0, only `prompt_filter_results`.
"""

from __future__ import annotations

from . import errors as e
from .exchange import Chat

PREFIX = "/openai/v1"

# Deployment name -> the model it runs (an alias of the model table).
DEPLOYMENTS = {
    "my-o1-mini": "o1-mini",
    "prod-o3-mini": "o3-mini",
    "team-o1-pro": "o1-pro",
    "reasoner": "o1",
    "my-gpt-4o": "gpt-4o",
    "legacy-o3-mini": "o3-mini",
}
# Deployments without the Responses API (inferred: an older API version or region), which
# answer it with OperationNotSupported as chat-less ones answer chat completions.
WITHOUT_RESPONSES = {"legacy-o3-mini"}


def check_auth(headers: dict) -> e.Rejection | None:
    if not headers.get("api-key") or "authorization" in headers:
        return e.azure_access_denied()
    return None


def deployment_model(body) -> str | None:
    model = body.get("model") if isinstance(body, dict) else None
    return DEPLOYMENTS.get(model) if isinstance(model, str) else None


SAFE = {"filtered": False, "severity": "safe"}
CONTENT_FILTERS = {"hate": SAFE, "self_harm": SAFE, "sexual": SAFE, "violence": SAFE}
PROMPT_FILTERS = [{"prompt_index": 0, "content_filter_results": {
    **CONTENT_FILTERS, "jailbreak": {"filtered": False, "detected": False}}}]


class AzureChat(Chat):
    """Chat completions with Azure's content-filter annotations."""

    @staticmethod
    def answer(ex, budget_fault=False) -> dict:
        answer = Chat.answer(ex, budget_fault)
        for choice in answer["choices"]:
            choice["content_filter_results"] = CONTENT_FILTERS
        return {"prompt_filter_results": PROMPT_FILTERS, **answer}

    @staticmethod
    def events(ex, answer: dict) -> list[dict]:
        opener = {"choices": [], "created": 0, "id": "", "model": "", "object": "",
                  "prompt_filter_results": PROMPT_FILTERS}
        return [opener] + Chat.events(ex, answer)


def describe() -> str:
    rows = ["| deployment | model |", "|---|---|"]
    rows += [f"| `{d}` | `{m}`{' (no Responses API)' if d in WITHOUT_RESPONSES else ''} |"
             for d, m in DEPLOYMENTS.items()]
    return "\n".join(rows)
