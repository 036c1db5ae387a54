"""One accepted request on its way out: the answer in the endpoint's dialect, sent whole or
streamed, with the stream's faults (cut, reset, error event, a silent pause) as options, so
that each fault in faults.py is a line or two that works on both endpoints."""

from __future__ import annotations

import json
import time
import zlib

from . import answers, chat_wire, errors, responses_wire
from .models import Family


class ClientGone(Exception):
    pass


class Chat:
    """POST /v1/chat/completions."""
    tail = chat_wire.DONE
    think_at = 0  # a thinking model sends the head, then nothing until its first chunk

    @staticmethod
    def answer(ex: Exchange, budget_fault=False) -> dict:
        plan = answers.plan(answers.chat_subject(ex.body.get("messages")),
                            answers.chat_tools(ex.body))
        return chat_wire.completion(ex.body, plan, ex.model, ex.family.reasoning,
                                    length=budget_fault, cached=ex.prompt.cached)

    @staticmethod
    def events(ex: Exchange, answer: dict) -> list[dict]:
        opts = ex.body.get("stream_options")
        return chat_wire.stream_events(answer, isinstance(opts, dict)
                                       and bool(opts.get("include_usage")))

    frame = staticmethod(chat_wire.frame)

    @staticmethod
    def without_content(answer: dict) -> dict:
        return {k: v for k, v in answer.items() if k != "choices"}

    @staticmethod
    def cut_point(events: list[dict]) -> int:
        """After the role chunk and two more."""
        return 3


class Responses:
    """POST /v1/responses."""
    tail = b""
    think_at = 2  # after response.created and response.in_progress

    @staticmethod
    def answer(ex: Exchange, budget_fault=False) -> dict:
        plan = answers.plan(answers.responses_subject(ex.body), answers.responses_tools(ex.body))
        out = responses_wire.answer(ex.body, plan, ex.model, ex.family.reasoning, budget_fault,
                                    prompt=ex.prompt, seal=ex.seal)
        if ex.body.get("store") is False:  # nothing of it can be referred to later
            ex.handler.state.remember_unstored(
                [out["id"]] + [i["id"] for i in out["output"] if i["type"] == "reasoning"])
        return out

    @staticmethod
    def events(ex: Exchange, answer: dict) -> list[dict]:
        opts = ex.body.get("stream_options")
        return responses_wire.stream_events(
            answer, not (isinstance(opts, dict) and opts.get("include_obfuscation") is False),
            ex.seal)

    frame = staticmethod(responses_wire.frame)
    without_content = staticmethod(responses_wire.without_output)
    error_event = staticmethod(responses_wire.error_event)

    @staticmethod
    def cut_point(events: list[dict]) -> int:
        """Right after the first delta, so that part of the answer got through."""
        return next((i + 1 for i, ev in enumerate(events) if ev["type"].endswith(".delta")),
                    len(events) - 1)


class Exchange:
    def __init__(self, handler, rec: dict, body: dict, dialect, family: Family, model: str,
                 prompt: answers.Prompt, seal: responses_wire.Seal | None = None):
        self.handler, self.rec, self.body = handler, rec, body
        self.dialect, self.family, self.model = dialect, family, model
        self.prompt = prompt  # its size and what the prompt cache held
        self.seal = seal  # Responses: seals reasoning items' encrypted content, when included
        self.stream = body.get("stream") is True
        self.conn = None

    def answer(self, budget_fault=False) -> dict:
        return self.dialect.answer(self, budget_fault)

    def send(self, status: int, body=None, **kw):
        self.handler.send_json(status, body, self.rec, **kw)

    def reject(self, rejection: errors.Rejection, **kw):
        self.send(*rejection, **kw)

    def respond(self, answer: dict, encoding=None):
        if self.stream:
            return self.stream_out(answer, encoding=encoding)
        return self.send(200, answer, encoding=encoding)

    def watch(self):
        """Record this connection in /_fake/closed: when it opened and when the client left."""
        if self.conn is None:
            self.conn = self.handler.state.new_conn(self.body.get("model"), self.handler.path)
        return self.conn

    def wait(self, seconds: float) -> bool:
        """Sleep while watching the client; False if it went away."""
        return self.handler.wait_or_gone(seconds, self.watch())

    def stream_out(self, answer: dict, *, delay=None, encoding=None, cut=False, error=False,
                   dropped=False, reset_after=None, think=None):
        """Stream `answer`; `cut`: end cleanly mid-stream, `error`: an error event there instead
        (Responses only), `dropped`: close the connection there without the last chunk (FIN,
        no RST), `reset_after`: RST after that many events, `think`: seconds of silence at the
        dialect's thinking point."""
        h = self.handler
        delay = h.state.chunk_delay if delay is None else delay
        self.rec["response_answer"] = answer
        h.start_stream(self.rec, encoding=encoding)
        comp = zlib.compressobj(wbits=31) if encoding == "gzip" else None
        events = self.dialect.events(self, answer)
        stop = self.dialect.cut_point(events) if cut or error or dropped else None

        def write(data: bytes):
            h.write_chunk(comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH) if comp else data)

        for i, ev in enumerate(events):
            if i == stop:
                if error:
                    ev = self.dialect.error_event(i)
                    self.rec["response"]["events"].append(ev)
                    self.rec["response"]["error_event"] = True
                    write(self.dialect.frame(ev))
                elif dropped:
                    self.rec["response"]["dropped"] = True
                    h.close_connection = True
                    return
                else:
                    self.rec["response"]["cut"] = True
                h.end_chunks()
                h.close_connection = True
                return
            if reset_after is not None and i >= reset_after:
                time.sleep(0.05)
                self.rec["response"]["reset"] = True
                return h.rst()
            if think is not None and i == self.dialect.think_at:
                if not self.wait(think):
                    raise ClientGone()
                self.watch()["answered_at"] = time.time()
            # Recorded before it is written: a client that has the event may look at the record
            # at once (the proxy ends a Responses stream at its final event, before this stream
            # ends).
            self.rec["response"]["events"].append(ev)
            write(self.dialect.frame(ev))
            if delay and not h.wait_or_gone(delay, self.conn):
                raise ClientGone()
        tail = self.dialect.tail
        if comp:
            tail = comp.compress(tail) + comp.flush(zlib.Z_FINISH)
        h.write_chunk(tail)
        self.rec["response"]["done"] = True
        h.end_chunks()

    def send_cut_body(self, answer: dict):
        """Head and the first 40 bytes of the JSON body, then RST."""
        full = json.dumps(answer).encode()
        rid = self.handler.send_head(200, "application/json", len(full))
        self.handler.wfile.write(full[:40])
        self.handler.wfile.flush()
        self.rec["response"] = {"status": 200, "request_id": rid, "reset": True}
        time.sleep(0.05)
        self.handler.rst()
