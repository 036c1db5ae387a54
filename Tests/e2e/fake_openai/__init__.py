"""A fake OpenAI API (and Azure OpenAI v1) for o1-proxy's end-to-end tests, one module per job:
models (the model table), chat_validation and responses_validation (what each endpoint
rejects), answers (what the model says, and its prompt as tokens), chat_wire and
responses_wire (how it is sent), reasoning (encrypted reasoning content and the reasoning items
a request replays), prompt_cache (what cached_tokens counts), scope (whom both belong to),
faults (the fault table), azure (deployments and auth), exchange (one request's answer,
whole or streamed), server (records, routes, control endpoints), http_plumbing (bytes on
the socket, the shared state). Entry point: fake_upstream.py."""
