#!/usr/bin/env python3
"""Fake OpenAI API server for o1-proxy's end-to-end tests (Python stdlib only).

It answers POST /v1/chat/completions and POST /v1/responses as the real API does for the
models in its table: the same rejections with the real error bodies, the real stream wire
formats, deterministic answers ("echo: <text of the last user message>", see
fake_openai/answers.py), and upstream faults picked by the model name. /openai/v1/... is
Azure OpenAI's v1 API (fake_openai/azure.py). The code of each job is in fake_openai/, whose
docstrings and comments say where each behaviour was seen and what is inferred.

Run standalone:  python3 fake_upstream.py --port 8080   (--port 0: the OS picks; the
chosen address is printed on stdout as "fake-upstream listening on http://127.0.0.1:N").
                 python3 fake_upstream.py --list        (the tables below, as Markdown)
In-process:      srv = FakeUpstream(); srv.start(); ...; srv.stop()
                 srv.base_url is OpenAI's base; srv.url is also an Azure resource endpoint
                 (AZURE_OPENAI_ENDPOINT); srv.requests(path), srv.closed(), srv.reset()

Keys: /v1/... needs `Authorization: Bearer <key>` (any key); a key containing "unverified"
belongs to an unverified organization (no streaming of o3, o4-mini, gpt-5*, no reasoning
summaries). /openai/v1/... needs `api-key: <key>` and no Authorization header. Each key (on
Azure, each key and deployment) is an organization of its own: encrypted reasoning content is
bound to it and the prompt cache is kept per key (fake_openai/scope.py).

Reasoning across turns (fake_openai/reasoning.py): a reasoning model's output opens with a
reasoning item; `include: ["reasoning.encrypted_content"]` gives it an encrypted_content that
only this process can verify, for this key. Replayed in a later input, right before the item it
preceded, it is verified: altered or unknown content, another key's, an item out of place, a
bare `rs_` reference under store: false are the real API's 400s and 404. The prompt cache
(fake_openai/prompt_cache.py): in "prefix" mode cached_tokens is the longest prefix (1,024 +
k·128 tokens) an earlier prompt under the same key, model and prompt_cache_key had; the default
"half" mode keeps the fake's first rule.

Every request is recorded (not the control endpoints): method, path, headers, header_list,
body (JSON), raw_body, response (status, request_id, and body or stream events; `done` once
the stream's end went out, `cut`, `reset` or `error_event` when a fault ended it),
response_answer (a stream's whole answer), strict_tools (/v1/responses: the function tools
the API treats as strict), prompt_cache (mode, bucket, input_tokens, cached_tokens as
answered, prefix_tokens: what the prefix cache held), reasoning_replay (/v1/responses: the
reasoning items accepted: index, id, via encrypted_content or store, reasoning_id,
reasoning_tokens), refused_encrypted (true when the refusal fault or refuse_encrypted refused).

Control endpoints
  GET  /_fake/requests    the records (the last --max-records, default 2000)
  POST /_fake/reset       forget requests, connection records, the prompt cache, the ids made
                          under store: false and refusals to come; the prompt cache mode goes
                          back to --prompt-cache
  GET  /_fake/closed      connections of fault-silent, -slow-, -think-, -after-: when opened,
                          when the client closed them (null while open)
  POST /_fake/config      {"chunk_delay": seconds between stream events,
                           "prompt_cache": "prefix" or "half" (until the next reset),
                           "refuse_encrypted": N: the next N requests that replay encrypted
                           reasoning get 400 invalid_encrypted_content, valid or not}
                          (in-process: srv.configure(**settings))
Other endpoints
  GET  /v1/models, GET /v1/models/<id>
  ANY  /v1/echo*          200 JSON {method, path, query, body} (never the headers)
  other /v1/*             404 OpenAI "Invalid URL" error
"""

from __future__ import annotations

import argparse
import signal

from fake_openai import azure, faults, models
from fake_openai.answers import compute_usage
from fake_openai.models import MODEL_LIST
from fake_openai.prompt_cache import DEFAULT_MODE, MODES
from fake_openai.server import FakeUpstream

__all__ = ["FakeUpstream", "MODEL_LIST", "compute_usage", "tables"]


def tables() -> str:
    """Models, faults and Azure deployments as Markdown, straight from the tables."""
    return ("### Models (first match wins)\n\n" + models.describe()
            + "\n\n### Faults\n\n" + faults.__doc__.strip().replace("\n", " ") + "\n\n"
            + faults.describe()
            + "\n\n### Azure deployments\n\n" + azure.describe() + "\n")


__doc__ += "\n" + tables()


def main(argv=None):
    ap = argparse.ArgumentParser(description="Fake OpenAI API for o1-proxy tests")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--chunk-delay", type=float, default=0.005,
                    help="seconds between stream events (default 0.005)")
    ap.add_argument("--max-records", type=int, default=2000,
                    help="requests kept for /_fake/requests (oldest dropped; default 2000)")
    ap.add_argument("--prompt-cache", choices=MODES, default=DEFAULT_MODE,
                    help=f"the prompt cache's mode (default {DEFAULT_MODE}; see "
                    "fake_openai/prompt_cache.py)")
    ap.add_argument("--list", action="store_true", help="print the model, fault and deployment "
                    "tables as Markdown and exit")
    ap.add_argument("-v", "--verbose", action="store_true", help="log each request on stderr")
    args = ap.parse_args(argv)
    if args.list:
        print(tables(), end="")
        return
    srv = FakeUpstream(args.host, args.port, verbose=args.verbose, chunk_delay=args.chunk_delay,
                       max_records=args.max_records, prompt_cache=args.prompt_cache)
    print(f"fake-upstream listening on {srv.url}", flush=True)

    def on_term(*_):
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, on_term)
    try:
        srv.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.httpd.server_close()


if __name__ == "__main__":
    main()
