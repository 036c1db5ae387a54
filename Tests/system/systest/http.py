"""Exchanges with the proxy from inside the container, with curl, as a client would."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .container import Container

PORT = 4567                      # o1-proxy.socket's


@dataclass
class Response:
    status: int                  # 0 when curl failed
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    client_port: int = 0         # names the exchange in the journal (see journal.py)

    def answer(self) -> str:
        """The completion's text, or what went wrong instead."""
        if self.status != 200:
            return f"status {self.status}: {self.body[:300]}"
        try:
            return json.loads(self.body)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            return f"unexpected body: {self.body[:300]}"

    def sse(self) -> tuple[str, list[str]]:
        """Concatenated content deltas, and the data: payloads in order."""
        datas = [line[6:] for line in self.body.split("\n") if line.startswith("data: ")]
        text = ""
        for d in datas:
            if d == "[DONE]":
                continue
            try:
                for choice in json.loads(d).get("choices", []):
                    text += choice.get("delta", {}).get("content") or ""
            except ValueError:
                pass
        return text, datas


def chat(ct: Container, model: str, text: str, stream: bool = False, timeout: float = 30,
         port: int = PORT, fields: dict | None = None) -> Response:
    """fields: more of the request body (max_tokens, ...)."""
    body = {"model": model, "messages": [{"role": "user", "content": text}], **(fields or {})}
    if stream:
        body["stream"] = True
    r = ct.run("curl", "-sS", "-D", "-", "-m", str(int(timeout)), "-H",
               "Content-Type: application/json", "--data-binary", json.dumps(body),
               "-w", "\n%{local_port}", f"http://127.0.0.1:{port}/v1/chat/completions",
               timeout=timeout + 5)
    out, _, client_port = r.stdout.rpartition("\n")
    if r.returncode != 0:
        return Response(0, body=f"curl exit {r.returncode}: {r.stderr.strip()}",
                        client_port=int(client_port or 0))
    head, _, body_text = out.partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return Response(int(lines[0].split()[1]), headers, body_text, int(client_port))
