"""The prompt cache, as the docs ("prompt-caching") describe it: automatic, by exact prefix, for
prompts of 1,024 tokens or more, in steps of 128 tokens; `prompt_cache_key` routes requests with
a common opening together.

The fake's model of it: each request's prompt (answers.py: the instructions, tools and input items
in order, as tokens) is looked up in a bucket, then added to it. A bucket holds the prefixes of
the prompts seen under one credential (the Bearer key; Azure: its api-key and deployment), one
model, and one `prompt_cache_key` (requests that send none share a bucket of their own), at every
cacheable length: 1,024, 1,152, 1,280, ... tokens. `cached_tokens` is the longest of them that
this prompt starts with: its longest common prefix with an earlier prompt, rounded down to
1,024 + k·128 (0 below 1,024). The cache never expires (the real one keeps a prefix for minutes
to hours; tests do not wait that long) and is forgotten on POST /_fake/reset.

Two modes (POST /_fake/config {"prompt_cache": ...}; FakeUpstream(prompt_cache=...)):
  prefix  the model above.
  half    the fake's first rule, the default for now: on /v1/responses half the prompt when
          `prompt_cache_key` is sent or the input is over 50 words, on chat 0.
          test_e2e_bridge.py::test_cached_tokens_reach_the_client_and_the_journal needs it (a
          one-line prompt with a key, cached at once); no real cache does that.
Either way every request's lookup is recorded (`prompt_cache` in /_fake/requests).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

MIN_CACHED = 1024
STEP = 128
PREFIX, HALF = "prefix", "half"
MODES = (PREFIX, HALF)
DEFAULT_MODE = HALF
MAX_PREFIXES = 500_000  # across buckets; the oldest buckets go first


def cacheable(n: int) -> int:
    """The longest cacheable length within n tokens: 0 below 1,024, then 1,024 + k·128."""
    return 0 if n < MIN_CACHED else MIN_CACHED + (n - MIN_CACHED) // STEP * STEP


def bucket(scope: str, model: str, prompt_cache_key) -> str:
    key = prompt_cache_key if isinstance(prompt_cache_key, str) else "\x00none"
    return hashlib.sha256(f"{scope}\x00{model}\x00{key}".encode()).hexdigest()[:16]


def prefix_digests(tokens: list[str]) -> list[tuple[int, bytes]]:
    """(length, digest of the first `length` tokens) at every cacheable length."""
    h = hashlib.sha256()
    out = []
    for n, tok in enumerate(tokens, 1):
        h.update(tok.encode() + b"\x00")
        if n >= MIN_CACHED and (n - MIN_CACHED) % STEP == 0:
            out.append((n, h.copy().digest()))
    return out


class PromptCache:
    """Not thread-safe by itself: FakeState calls it under its lock."""

    def __init__(self, max_prefixes=MAX_PREFIXES):
        self.buckets: OrderedDict[str, set[bytes]] = OrderedDict()
        self.size = 0
        self.max_prefixes = max_prefixes

    def lookup_and_add(self, bucket_id: str, tokens: list[str]) -> int:
        """How many of `tokens` the bucket held (rounded as cached_tokens is); then holds all."""
        digests = prefix_digests(tokens)
        held = self.buckets.setdefault(bucket_id, set())
        self.buckets.move_to_end(bucket_id)
        found = max((n for n, d in digests if d in held), default=0)
        before = len(held)
        held.update(d for _, d in digests)
        self.size += len(held) - before
        while self.size > self.max_prefixes and len(self.buckets) > 1:
            _, dropped = self.buckets.popitem(last=False)
            self.size -= len(dropped)
        return found

    def clear(self):
        self.buckets.clear()
        self.size = 0
