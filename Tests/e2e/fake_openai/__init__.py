"""A fake OpenAI API (and Azure OpenAI v1) for o1-proxy's end-to-end tests, one module per job:
models (the model table), chat_validation and responses_validation (what each endpoint
rejects), answers (what the model says), chat_wire and responses_wire (how it is sent),
faults (the fault table), azure (deployments and auth), exchange (one request's answer,
whole or streamed), server (records, routes, control endpoints), http_plumbing (bytes on
the socket). Entry point: fake_upstream.py."""
