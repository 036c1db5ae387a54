"""Whom a request's upstream state belongs to: the encrypted content of reasoning items is bound
to it, and the prompt cache is kept per scope. OpenAI binds content to the organization
(BerriAI/litellm#40364, openai/codex#13724), and the fake treats each key as an account of its
own (as it does for verification); Azure binds it to the deployment too (QuantumNous/new-api
#3240). A scope is a digest: no key appears in it, or in anything made from it."""

from __future__ import annotations

import hashlib


def openai_scope(headers: dict) -> str:
    """/v1/*: the Bearer key."""
    key = headers.get("authorization", "")
    key = key[7:] if key[:7].lower() == "bearer " else key
    return hashlib.sha256(b"openai\0" + key.encode()).hexdigest()


def azure_scope(headers: dict, deployment: str) -> str:
    """/openai/v1/*: the resource's api-key and the deployment."""
    raw = b"azure\0" + headers.get("api-key", "").encode() + b"\0" + deployment.encode()
    return hashlib.sha256(raw).hexdigest()
