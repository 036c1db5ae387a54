"""What the fake upstream serves: every request is recorded, then routed through a few named
steps (authenticate, check the shape, find the model, check its rules, check the replayed
reasoning, look the prompt up in the prompt cache) to its answer or to the fault its model name
picks. Rejections raise `Refused` and leave as the real API's error body."""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass
from functools import partial
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

from . import (answers, azure, chat_validation, errors as e, faults, prompt_cache, reasoning,
               responses_validation, scope)
from .answers import responses_tools
from .exchange import Chat, ClientGone, Exchange, Responses
from .http_plumbing import FakeState, Plumbing
from .models import MODEL_LIST, Family, answer_model, family_of
from .prompt_cache import DEFAULT_MODE

RECORD_BODY_LIMIT = 1 << 20  # request bodies above 1 MiB are recorded truncated
MODEL_CREATED = 1727131766


class Refused(Exception):
    def __init__(self, rejection: e.Rejection):
        super().__init__(rejection)
        self.rejection = rejection


def refuse_if(rejection: e.Rejection | None):
    if rejection:
        raise Refused(rejection)


def refuse_unless(ok: bool, rejection: e.Rejection):
    if not ok:
        raise Refused(rejection)


@dataclass(frozen=True)
class Target:
    """The model a request reached."""
    family: Family
    answer_model: str  # the name its answers carry
    fault: faults.Picked | None  # the fault a fault model's name picks
    verified: bool  # the key's organization may stream every model and get summaries
    chat_refusal: e.Rejection | None  # why chat completions does not serve it
    scope: str  # whom encrypted content and the prompt cache belong to (scope.py)
    chat_dialect: type = Chat


def openai_target(model: str, headers: dict, not_found) -> Target:
    family = family_of(model)
    fault = faults.lookup(model) if model.startswith("fault-") else None
    if family is None or (model.startswith("fault-") and fault is None):
        raise Refused(not_found(model))
    if fault and not fault.fault.on_chat:
        refusal = e.not_on_chat(e.ONLY_RESPONSES)
    else:
        refusal = None if family.serves_chat else chat_validation.not_served(family)
    # Verification belongs to the account; the fake keys it on the API key's text.
    verified = "unverified" not in headers.get("authorization", "")
    return Target(family, answer_model(model), fault, verified, refusal,
                  scope.openai_scope(headers))


def azure_target(body, headers: dict) -> Target:
    refuse_unless(isinstance(body, dict), e.bad_json())
    model = azure.deployment_model(body)
    refuse_unless(model is not None, e.azure_deployment_not_found())
    family = family_of(model)
    refusal = None if family.serves_chat else e.azure_operation_not_supported(model)
    return Target(family, answer_model(model), None, True, refusal,
                  scope.azure_scope(headers, body["model"]), azure.AzureChat)


class Handler(Plumbing):
    def do_GET(self):
        self.dispatch()

    do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def dispatch(self):
        try:
            body_bytes = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        url = urlsplit(self.path)
        if url.path.startswith("/_fake/"):
            return self.control(url.path, body_bytes)
        try:
            body = json.loads(body_bytes) if body_bytes else None
        except ValueError:
            body = None
        big = len(body_bytes) > RECORD_BODY_LIMIT
        rec = {"time": time.time(), "method": self.command, "path": self.path,
               "headers": {k.lower(): v for k, v in self.headers.items()},
               "header_list": [[k, v] for k, v in self.headers.items()],
               "body": None if big else body, "body_len": len(body_bytes),
               "raw_body": body_bytes[:RECORD_BODY_LIMIT].decode("utf-8", "replace"),
               "response": None}
        self.state.record(rec)
        try:
            if url.path.startswith("/openai/"):
                self.route_azure(rec, body, url.path.removeprefix(azure.PREFIX))
            else:
                self.route_openai(rec, body, url)
        except Refused as refused:
            self.send_json(*refused.rejection, rec)
        except (BrokenPipeError, ConnectionResetError, ClientGone):
            self.close_connection = True

    def route_openai(self, rec, body, url):
        path = url.path
        refuse_unless("authorization" in rec["headers"], e.no_api_key())
        if path in ("/v1/chat/completions", "/v1/responses"):
            refuse_unless(self.command == "POST", e.invalid_method(self.command, path))
            if path == "/v1/chat/completions":
                refuse_if(chat_validation.check_shape(body))
                target = openai_target(body["model"], rec["headers"], e.chat_model_not_found)
                return self.serve_chat(rec, body, target)
            refuse_if(responses_validation.check_shape(body))
            target = openai_target(body["model"], rec["headers"], e.responses_model_not_found)
            return self.serve_responses(rec, body, target)
        if path == "/v1/models" and self.command == "GET":
            return self.send_json(200, models_list([m for m, _ in MODEL_LIST]), rec)
        if path.startswith("/v1/models/") and self.command == "GET":
            mid = path.removeprefix("/v1/models/")
            refuse_unless(mid in dict(MODEL_LIST), e.retrieve_model_not_found(mid))
            return self.send_json(200, model_entry(mid), rec)
        if path.startswith("/v1/echo"):
            return self.send_json(200, {"method": self.command, "path": path,
                                        "query": url.query, "body": rec["raw_body"]}, rec)
        raise Refused(e.invalid_url(self.command, path))

    def route_azure(self, rec, body, route):
        """Azure finds the deployment first, then the model behind it checks the request."""
        refuse_if(azure.check_auth(rec["headers"]))
        if route == "/models" and self.command == "GET":
            return self.send_json(200, models_list(list(dict.fromkeys(
                azure.DEPLOYMENTS.values()))), rec)
        refuse_unless(route in ("/chat/completions", "/responses") and self.command == "POST",
                      e.azure_not_found())
        target = azure_target(body, rec["headers"])
        if route == "/chat/completions":
            refuse_if(chat_validation.check_shape(body))
            return self.serve_chat(rec, body, target)
        refuse_unless(body["model"] not in azure.WITHOUT_RESPONSES,
                      e.azure_operation_not_supported(azure.deployment_model(body), "responses"))
        refuse_if(responses_validation.check_shape(body))
        self.serve_responses(rec, body, target)

    def serve_chat(self, rec, body, target: Target):
        refuse_if(target.chat_refusal)
        refuse_if(chat_validation.check_model(body, target.family, target.verified))
        prompt = self.look_up_prompt(rec, body, target, answers.chat_prompt(body), legacy=0)
        self.answer(Exchange(self, rec, body, target.chat_dialect, target.family,
                             target.answer_model, prompt), target.fault)

    def serve_responses(self, rec, body, target: Target):
        refuse_if(responses_validation.check_model(body, target.family, target.verified))
        rec["strict_tools"] = [t.name for t in responses_tools(body) if t.strict]
        refuses = bool(target.fault and target.fault.fault.refuses_encrypted)
        replay = reasoning.check_replay(body, target.scope, self.state, refuses)
        if replay.incident:
            rec["refused_encrypted"] = True
        refuse_if(replay.rejection)
        if replay.items:
            rec["reasoning_replay"] = [r.record() for r in replay.items]
        tokens = answers.responses_prompt(body, replay.by_index)
        prompt = self.look_up_prompt(rec, body, target, tokens,
                                     legacy=answers.legacy_cached_tokens(body, len(tokens)))
        seal = (partial(reasoning.seal, scope=target.scope)
                if target.family.reasoning and reasoning.wants_encrypted_content(body) else None)
        self.answer(Exchange(self, rec, body, Responses, target.family, target.answer_model,
                             prompt, seal), target.fault)

    def look_up_prompt(self, rec, body, target: Target, tokens: list[str], legacy: int
                       ) -> answers.Prompt:
        """The prompt cache's part: what it held of this prompt (then it holds it), recorded."""
        bucket = prompt_cache.bucket(target.scope, target.answer_model,
                                     body.get("prompt_cache_key"))
        found, mode = self.state.lookup_prompt(bucket, tokens)
        cached = found if mode == prompt_cache.PREFIX else legacy
        rec["prompt_cache"] = {"mode": mode, "bucket": bucket, "input_tokens": len(tokens),
                               "cached_tokens": cached, "prefix_tokens": found}
        return answers.Prompt(len(tokens), cached)

    @staticmethod
    def answer(ex: Exchange, fault: faults.Picked | None):
        if fault:
            return faults.run(ex, fault)
        ex.respond(ex.answer())

    def control(self, path, body_bytes):
        if path == "/_fake/requests" and self.command == "GET":
            with self.state.lock:
                data = json.dumps(self.state.requests)
            return self.send_json(200, None, raw=data.encode())
        if path == "/_fake/reset" and self.command == "POST":
            self.state.reset()
            return self.send_json(200, {"ok": True})
        if path == "/_fake/closed" and self.command == "GET":
            with self.state.lock:
                data = json.dumps(self.state.conns)
            return self.send_json(200, None, raw=data.encode())
        if path == "/_fake/config" and self.command == "POST":
            try:
                self.state.configure(**json.loads(body_bytes or b"{}"))
            except (ValueError, TypeError) as exc:
                return self.send_json(400, e.openai_error(f"bad configuration: {exc}"))
            return self.send_json(200, {"ok": True})
        return self.send_json(404, e.openai_error("no such control endpoint"))


def model_entry(mid: str) -> dict:
    return {"id": mid, "object": "model", "created": MODEL_CREATED, "owned_by": "system"}


def models_list(ids: list[str]) -> dict:
    return {"object": "list", "data": [model_entry(m) for m in ids]}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError,
                            ClientGone)):
            return
        super().handle_error(request, client_address)


class FakeUpstream:
    """In-process fake upstream on 127.0.0.1 (port 0 = chosen by the OS)."""

    def __init__(self, host="127.0.0.1", port=0, verbose=False, chunk_delay=0.005,
                 max_records=2000, prompt_cache=DEFAULT_MODE):
        handler = type("BoundHandler", (Handler,), {"verbose": verbose})
        self.httpd = _Server((host, port), handler)
        self.httpd.state = FakeState(chunk_delay, max_records, prompt_cache)
        self.host, self.port = self.httpd.server_address[:2]
        self.thread = None

    @property
    def state(self) -> FakeState:
        return self.httpd.state

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self):
        return self.url + "/v1"

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-upstream",
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def requests(self, path=None):
        with self.state.lock:
            reqs = json.loads(json.dumps(self.state.requests))
        if path is not None:
            reqs = [r for r in reqs if r["path"].split("?")[0] == path]
        return reqs

    def closed(self):
        with self.state.lock:
            return json.loads(json.dumps(self.state.conns))

    def reset(self):
        self.state.reset()

    def configure(self, **settings):
        """As POST /_fake/config: chunk_delay, prompt_cache ("prefix" or "half"),
        refuse_encrypted (how many requests replaying encrypted reasoning to refuse)."""
        self.state.configure(**settings)
