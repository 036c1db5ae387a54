"""The fault table: a model name starting with `fault-` picks one; otherwise it is a plain
reasoning model served by both endpoints. Any fault name may end in `-after-<seconds>`:
the fault then waits that long first, watching the client (see /_fake/closed). Names with
`<s>` take seconds, e.g. `fault-slow-2.5`."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Callable

from . import errors as e
from .exchange import Exchange
from .responses_wire import failed as failed_response

SILENT_LIMIT = 300.0  # fault-silent gives up after this long, so no thread lingers for ever


@dataclass(frozen=True)
class Fault:
    doc: str
    run: Callable[[Exchange, float], None]
    on_chat: bool = True  # False: chat answers as for a Responses-only model
    watched: bool = False  # its connection is recorded in /_fake/closed
    refuses_encrypted: bool = False  # the server refuses replayed encrypted reasoning first


def silent(ex: Exchange, _):
    ex.rec["response"] = {"status": None, "silent": True}
    if ex.wait(SILENT_LIMIT):
        ex.conn.update(closed_at=time.time(), closed_by="server-gave-up")
    ex.handler.close_connection = True


def reset(ex: Exchange, _):
    if ex.stream:
        return ex.stream_out(ex.answer(), reset_after=2)
    ex.send_cut_body(ex.answer())


def slow(ex: Exchange, seconds: float):
    if ex.wait(seconds):
        ex.conn["answered_at"] = time.time()
        ex.respond(ex.answer())


def think(ex: Exchange, seconds: float):
    if ex.stream:
        return ex.stream_out(ex.answer(), think=seconds)
    slow(ex, seconds)


def cut_stream(ex: Exchange, _):
    if ex.stream:
        return ex.stream_out(ex.answer(), cut=True)
    ex.respond(ex.answer())


def dropped_stream(ex: Exchange, _):
    if ex.stream:
        return ex.stream_out(ex.answer(), dropped=True)
    ex.respond(ex.answer())


def drip(ex: Exchange, seconds: float):
    if ex.stream:
        return ex.stream_out(ex.answer(), delay=seconds)
    ex.respond(ex.answer())


def error_event(ex: Exchange, _):
    if ex.stream:
        return ex.stream_out(ex.answer(), error=True)
    ex.reject(e.rate_limited())


def truncated(ex: Exchange, _):
    full = json.dumps(ex.answer()).encode()
    ex.send(200, raw=full[: len(full) // 2])


def failed(ex: Exchange, _):
    ex.respond(failed_response(ex.body, ex.model, ex.family.reasoning))


FAULTS: dict[str, Fault] = {
    "fault-html": Fault("502 text/html (a front proxy's error page)",
                        lambda ex, _: ex.send(502, raw=e.HTML_502, ctype="text/html")),
    "fault-500-json": Fault("500 OpenAI JSON error (server_error)",
                            lambda ex, _: ex.reject(e.server_error())),
    "fault-429": Fault("429 OpenAI JSON error (rate limit), retry-after: 1",
                       lambda ex, _: ex.reject(e.rate_limited(), extra={
                           "retry-after": "1", "x-ratelimit-remaining-requests": "0"})),
    "fault-400-messages": Fault("400 unsupported_parameter naming `messages` (not fixable)",
                                lambda ex, _: ex.reject(e.unsupported_parameter("messages"))),
    "fault-400-absent": Fault("400 unsupported_parameter naming `seed` (absent from the body)",
                              lambda ex, _: ex.reject(e.unsupported_parameter("seed"))),
    "fault-truncated-json": Fault("200 application/json, body cut in the middle (valid framing)",
                                  truncated),
    "fault-gzip": Fault("200, gzip Content-Encoding (JSON, or the stream)",
                        lambda ex, _: ex.respond(ex.answer(), encoding="gzip")),
    "fault-no-choices": Fault("200 JSON answer without `choices` (chat) / `output` (Responses)",
                              lambda ex, _: ex.send(200, ex.dialect.without_content(
                                  ex.answer()))),
    "fault-length": Fault("the budget ran out in reasoning: chat finish_reason `length` with "
                          "empty content; Responses `incomplete` (max_output_tokens); streams too",
                          lambda ex, _: ex.respond(ex.answer(budget_fault=True))),
    "fault-silent": Fault("never answers; holds the socket until the client goes", silent,
                          watched=True),
    "fault-reset": Fault("head and part of the body (or two events), then RST", reset),
    "fault-cut-stream": Fault("stream: a few events (Responses: through the first delta), then "
                              "a clean end without [DONE] or a terminal event; else a normal "
                              "answer", cut_stream),
    "fault-dropped-stream": Fault("stream: a few events (as fault-cut-stream), then the "
                                  "connection closed without the last chunk; else a normal answer",
                                  dropped_stream),
    "fault-slow-<s>": Fault("waits `<s>` seconds before the head, then answers normally", slow,
                            watched=True),
    "fault-think-<s>": Fault("stream: the head (Responses: and response.created, "
                             "response.in_progress) at once, then `<s>` seconds of silence, then "
                             "the rest; else as fault-slow", think, watched=True),
    "fault-drip-<s>": Fault("streams with `<s>` seconds between events; else a normal answer",
                            drip),
    "fault-failed": Fault("Responses: stream response.created, response.in_progress, then "
                          "response.failed (error server_error); else a 200 with status "
                          "`failed`", failed, on_chat=False),
    "fault-refuse-encrypted": Fault(
        "Responses: a request replaying reasoning items with encrypted content, valid or not, "
        "gets 400 invalid_encrypted_content (\"could not be decrypted or parsed\"), as during "
        "OpenAI's incident of December 2025 (openai/codex#8128); else a normal answer",
        lambda ex, _: ex.respond(ex.answer()), refuses_encrypted=True),
    "fault-error-event": Fault("Responses: stream through the first delta, then an `error` event "
                               "(rate_limit_exceeded); else a 429", error_event, on_chat=False),
}


@dataclass(frozen=True)
class Picked:
    """A fault model name, read: the fault, its seconds, and its -after- delay."""
    fault: Fault
    seconds: float
    after: float


NAME = re.compile(r"^(?P<name>fault-[a-z0-9.-]+?)(?:-after-(?P<after>\d+(?:\.\d+)?))?$")
TIMED = re.compile(r"^(?P<kind>fault-[a-z]+)-(?P<seconds>\d+(?:\.\d+)?)$")


def lookup(model: str) -> Picked | None:
    """What a fault model name picks; None for an unknown fault."""
    m = NAME.match(model)
    if not m:
        return None
    name, after = m.group("name"), float(m.group("after") or 0)
    if name in FAULTS:
        return Picked(FAULTS[name], 0.0, after)
    t = TIMED.match(name)
    if t and f"{t.group('kind')}-<s>" in FAULTS:
        return Picked(FAULTS[f"{t.group('kind')}-<s>"], float(t.group("seconds")), after)
    return None


def run(ex: Exchange, picked: Picked):
    if picked.after > 0 or picked.fault.watched:
        ex.watch()
    if picked.after > 0 and not ex.wait(picked.after):
        return
    picked.fault.run(ex, picked.seconds)


def describe() -> str:
    rows = ["| fault | behaviour | chat |", "|---|---|---|"]
    rows += [f"| `{name}` | {f.doc} | {'yes' if f.on_chat else 'no: 404 as Responses-only'} |"
             for name, f in FAULTS.items()]
    return "\n".join(rows)

