"""Reasoning items across turns: the encrypted content the fake hands out, and what it does with
the reasoning items a request replays.

What the real API does:
- `include: ["reasoning.encrypted_content"]` gives each reasoning output item an
  `encrypted_content`: an opaque "gAAAA…" string, a Fernet token (version byte 0x80, a big-endian
  timestamp, an IV, the ciphertext, an HMAC). A stream's output_item.added, output_item.done and
  the completed response each carry a freshly sealed one (the gpt-5 capture in SwiftAgent's
  tests); any of them is valid.
- Sent back in a later request's `input` as {"type": "reasoning", "id", "summary",
  "encrypted_content"}, right before the item it preceded, it carries the model's reasoning into
  that turn without any state kept upstream (store: false). Codex sends these items without ids
  (codex-rs/protocol/src/models.rs: every item id is skip_serializing), so the id is optional
  when the content is there, and the items that follow need no ids.
- The content is bound to the organization, on Azure to the deployment (scope.py). Another
  organization's content is refused with the reason "Encrypted content organization_id did not
  match the target organization." (openai/codex#13724); content that is not OpenAI's, or was
  altered, with "Encrypted content could not be decrypted or parsed." (openai/codex#35334).
  During an incident on 16 December 2025 OpenAI refused its own valid content (openai/codex#8128,
  #8119, #8126 and many more that day); clients that retried without the items recovered.
- A reasoning item without encrypted content is a reference to a stored item: under store: false,
  or when its response was made with store: false, it is a 404 "Item with id 'rs_…' not found.
  Items are not persisted…" (cline/cline#9399). previous_response_id naming a response made with
  store: false is a 400 previous_response_not_found.

What the fake does (a model of that, not OpenAI's scheme): the token is Fernet-shaped; its payload
(the item's id, the reasoning tokens it stands for, and the scope it was made for) is encrypted
with a keystream (HMAC-SHA256 in counter mode) and signed with HMAC-SHA256, both keyed from a
secret drawn when the process starts. The scope is scope.py's digest of the credential (the
Bearer key; Azure: the api-key and the deployment), never the key. A token that does not parse or
whose HMAC fails "could not be decrypted or parsed"; a good token made for another scope is the
organization mismatch; a good token sent under another item's id counts as altered (the real
answer to that is not known). Under store: true, a reference to an item not made under
store: false is taken as stored (the fake keeps no store, as it trusts previous_response_id).
The fake remembers which response and reasoning ids it made under store: false until the next
POST /_fake/reset.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import struct
import time
from dataclasses import dataclass

from . import errors as e
from .answers import REASONING_TOKENS, input_items, item_type

ENCRYPTED_CONTENT = "reasoning.encrypted_content"
SECRET = secrets.token_bytes(32)  # per process: content from an earlier run never verifies
_ENCRYPT_KEY = hmac.new(SECRET, b"encrypt", hashlib.sha256).digest()
_SIGN_KEY = hmac.new(SECRET, b"sign", hashlib.sha256).digest()
VERSION = 0x80
HEAD = 1 + 8 + 16  # version, timestamp, IV
MAC = 32
PADDED = 900  # payload bytes: real tokens for a short reasoning are 1-2 KB of base64


def _keystream(iv: bytes, n: int) -> bytes:
    blocks = (hmac.new(_ENCRYPT_KEY, iv + struct.pack(">I", i), hashlib.sha256).digest()
              for i in range((n + 31) // 32))
    return b"".join(blocks)[:n]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream))


def seal(item_id: str, scope: str, tokens: int = REASONING_TOKENS) -> str:
    """A fresh encrypted_content for reasoning item `item_id`, made for `scope`."""
    payload = json.dumps({"id": item_id, "reasoning_tokens": tokens, "scope": scope}).encode()
    payload = payload.ljust(PADDED)
    iv = secrets.token_bytes(16)
    signed = bytes([VERSION]) + struct.pack(">Q", int(time.time())) + iv + _xor(
        payload, _keystream(iv, len(payload)))
    mac = hmac.new(_SIGN_KEY, signed, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(signed + mac).decode()


@dataclass(frozen=True)
class Sealed:
    item_id: str
    tokens: int
    scope: str


def unseal(content) -> Sealed | None:
    """What a token made by this process says; None when it is not one (garbage, altered)."""
    if not isinstance(content, str):
        return None
    try:
        raw = base64.urlsafe_b64decode(content.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    if len(raw) <= HEAD + MAC or raw[0] != VERSION:
        return None
    signed, mac = raw[:-MAC], raw[-MAC:]
    if not hmac.compare_digest(mac, hmac.new(_SIGN_KEY, signed, hashlib.sha256).digest()):
        return None
    iv, body = signed[9:HEAD], signed[HEAD:]
    try:
        payload = json.loads(_xor(body, _keystream(iv, len(body))))
        return Sealed(str(payload["id"]), int(payload["reasoning_tokens"]), str(payload["scope"]))
    except (ValueError, KeyError, TypeError):
        return None


def wants_encrypted_content(body: dict) -> bool:
    include = body.get("include")
    return isinstance(include, list) and ENCRYPTED_CONTENT in include


# ---- a request's replayed reasoning ----------------------------------------------------------

@dataclass(frozen=True)
class Replayed:
    """A reasoning item of the input the fake accepted, and the reasoning it stands for."""
    index: int
    item_id: str | None  # as sent (None: sent without an id)
    via: str  # "encrypted_content" or "store"
    reasoning_id: str  # the item the reasoning came from
    tokens: int

    def record(self) -> dict:
        return {"index": self.index, "id": self.item_id, "via": self.via,
                "reasoning_id": self.reasoning_id, "reasoning_tokens": self.tokens}


@dataclass
class Replay:
    rejection: e.Rejection | None = None
    incident: bool = False  # refused by the refusal fault, not because the content was bad
    items: tuple[Replayed, ...] = ()

    @property
    def by_index(self) -> dict[int, Replayed]:
        return {r.index: r for r in self.items}


def carries_encrypted(item: dict) -> bool:
    return item_type(item) == "reasoning" and item.get("encrypted_content") is not None


def check_replay(body: dict, scope: str, state, refuse_all: bool) -> Replay:
    """The reasoning items of a well-formed request, checked against what this fake made.
    `refuse_all`: the request's model is the refusal fault. `state` (FakeState) keeps the ids the
    fake made under store: false and the refusal counter of POST /_fake/config."""
    previous = body.get("previous_response_id")
    if isinstance(previous, str) and state.was_unstored(previous):
        return Replay(e.previous_response_not_found(previous))
    items = input_items(body)
    encrypted = [(i, it) for i, it in enumerate(items) if carries_encrypted(it)]
    if encrypted and (refuse_all or state.take_refusal()):
        i, item = encrypted[0]
        return Replay(e.invalid_encrypted_content(item.get("id"), item["encrypted_content"],
                                                  e.DECRYPT_FAILED), incident=True)
    store = body.get("store") is not False
    out = []
    for i, item in enumerate(items):
        if item_type(item) != "reasoning":
            continue
        item_id = item.get("id") if isinstance(item.get("id"), str) else None
        if carries_encrypted(item):
            sealed = unseal(item["encrypted_content"])
            reason = (e.DECRYPT_FAILED if sealed is None or (item_id and item_id != sealed.item_id)
                      else e.ORGANIZATION_MISMATCH if sealed.scope != scope else None)
            if reason:
                return Replay(e.invalid_encrypted_content(item_id, item["encrypted_content"],
                                                          reason))
            out.append(Replayed(i, item_id, "encrypted_content", sealed.item_id, sealed.tokens))
        elif not store or state.was_unstored(item_id):
            return Replay(e.item_not_persisted(item_id))
        else:
            out.append(Replayed(i, item_id, "store", item_id, REASONING_TOKENS))
    return Replay(items=tuple(out))
