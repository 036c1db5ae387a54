"""Requests straight to the fake upstream, no proxy: for the tests of the fake itself."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass

KEY = "Bearer sk-fake-verified"  # the fake takes any key; these are not secrets
UNVERIFIED = "Bearer sk-fake-unverified"


@dataclass
class Reply:
    status: int
    headers: dict
    raw: bytes

    def json(self):
        return json.loads(self.raw)

    def events(self) -> list[tuple[str | None, dict | str]]:
        """(the `event:` field or None, the data: JSON, or the text when it is not JSON)."""
        out = []
        for block in self.raw.decode().split("\n\n"):
            if not block:
                continue
            fields = dict(line.split(": ", 1) for line in block.split("\n"))
            assert set(fields) <= {"event", "data"}, block
            try:
                data = json.loads(fields["data"])
            except ValueError:
                data = fields["data"]
            out.append((fields.get("event"), data))
        return out

    def data(self) -> list[dict]:
        return [d for _, d in self.events() if isinstance(d, dict)]


def call(fake, path, body=None, method="POST", auth=KEY, headers=None) -> Reply:
    conn = http.client.HTTPConnection(fake.host, fake.port, timeout=30)
    hdrs = {"Content-Type": "application/json"} if body is not None else {}
    if auth:
        hdrs["Authorization"] = auth
    hdrs.update(headers or {})
    try:
        conn.request(method, path, None if body is None else json.dumps(body), hdrs)
        r = conn.getresponse()
        return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


def chat(fake, body, **kw) -> Reply:
    return call(fake, "/v1/chat/completions", body, **kw)


def responses(fake, body, **kw) -> Reply:
    return call(fake, "/v1/responses", body, **kw)


def error(message, param=None, code=None) -> dict:
    """An OpenAI error body, to compare whole."""
    return {"error": {"message": message, "type": "invalid_request_error", "param": param,
                      "code": code}}


def output_text(response: dict) -> str:
    return "".join(p["text"] for item in response["output"] if item["type"] == "message"
                   for p in item["content"] if p["type"] == "output_text")
