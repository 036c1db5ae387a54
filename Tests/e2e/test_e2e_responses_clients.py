"""Clients that speak the Responses API themselves (issue 21): their `POST /v1/responses` goes
through the same plan as a chat request (rules, learned fixes, the operator's settings), its
answer comes back event for event, and it is logged and counted like every exchange."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

import e2e_helpers as h
from fake_openai.responses_wire import frame


def upstream(fake) -> list[dict]:
    return fake.requests("/v1/responses")


def test_a_rule_applies_to_a_clients_own_responses_request(proxy, fake, sdk):
    """codex-mini-latest refuses temperature; the built-in rule drops it, as for chat."""
    mark = proxy.mark()
    r = sdk.responses.create(model="codex-mini-latest", input="hello there", temperature=0)
    assert r.output_text == "echo: hello there"
    sent = upstream(fake)
    assert len(sent) == 1 and "temperature" not in sent[0]["body"]
    e = proxy.entry(mark)
    assert (e["path"], e["model"], e["api"], e["status"], e["stream"]) == (
        "/v1/responses", "codex-mini-latest", "responses", "200", "none")
    assert e["prompt_tokens"] == str(r.usage.input_tokens) and e["completion_tokens"] == str(r.usage.output_tokens)
    assert e["reasoning_tokens"] == str(r.usage.output_tokens_details.reasoning_tokens)


def test_a_body_no_fix_touches_goes_on_as_the_client_sent_it(proxy, fake):
    """The client's own state is its own: no store, include or anything else added."""
    raw = (b'{"model":"gpt-4o","input":[{"role":"user","content":"keep me"}],"store":true,'
           b'"include":["message.output_text.logprobs"],"metadata":{"k":"v"},"top_p":0.90}')
    r = h.request(proxy.port, "POST", "/v1/responses", raw, headers={"Content-Type": "application/json"})
    sent = upstream(fake)
    assert len(sent) == 1 and sent[0]["raw_body"].encode() == raw, (r.status, sent)


def test_the_stream_arrives_event_for_event(proxy, fake, sdk):
    """What the upstream streamed is what the client gets, byte for byte: event lines, sequence
    numbers, obfuscation, and no [DONE]."""
    mark = proxy.mark()
    r = h.request(proxy.port, "POST", "/v1/responses",
                  json.dumps({"model": "gpt-4o", "input": "stream me", "stream": True}).encode(),
                  headers={"Content-Type": "application/json"})
    assert r.status == 200 and r.header("Content-Type").startswith("text/event-stream")
    recorded = upstream(fake)[0]["response"]
    assert r.body == b"".join(frame(e) for e in recorded["events"])
    assert b"[DONE]" not in r.body
    e = proxy.entry(mark)
    assert (e["stream"], e["status"], e["api"]) == ("native", "200", "responses")
    assert int(e["completion_tokens"]) > 0


def test_the_sdks_stream_helper_gets_the_final_response(proxy, sdk):
    with sdk.responses.stream(model="o3-mini", input="stream helper") as stream:
        deltas = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
        final = stream.get_final_response()
    assert deltas == final.output_text == "echo: stream helper"


def test_a_fix_is_learned_from_the_responses_apis_own_rejection(start_proxy, fake, tmp_path):
    """o9-future is known to no rule: its 400 for temperature on /v1/responses teaches the proxy,
    which retries at once, remembers it, and shows it in `o1-proxy rules`."""
    state = tmp_path / "state"
    state.mkdir()
    p = start_proxy(STATE_DIRECTORY=str(state))
    mark = p.mark()
    r = h.request(p.port, "POST", "/v1/responses",
                  json.dumps({"model": "o9-future-rsp", "input": "learn", "temperature": 0.2}).encode(),
                  headers={"Content-Type": "application/json"})
    assert r.status == 200, r.raw
    assert r.json()["output"][-1]["content"][0]["text"] == "echo: learn"
    assert [("temperature" in q["body"]) for q in upstream(fake)] == [True, False]
    e = p.entry(mark)
    assert e["learned"] == "drop:temperature" and e["path"] == "/v1/responses"
    rules = subprocess.run([str(h.proxy_binary()), "rules"], capture_output=True, text=True,
                           env={"PATH": os.environ["PATH"], "STATE_DIRECTORY": str(state)})
    assert '{"match":["o9-future-rsp"],"drop":["temperature"]}' in rules.stdout, rules.stdout
    fake.reset()
    mark = p.mark()
    r = h.request(p.port, "POST", "/v1/responses",
                  json.dumps({"model": "o9-future-rsp", "input": "again", "temperature": 0.2}).encode(),
                  headers={"Content-Type": "application/json"})
    assert r.status == 200 and len(upstream(fake)) == 1
    assert p.entry(mark)["remembered"] == "drop:temperature"


def test_an_unverified_organization_gets_its_stream_faked_and_summaries_dropped(start_proxy, fake, sdk):
    """gpt-5 streams and summarizes only for verified organizations: both refusals are learned,
    and the stream the client asked for is made from the whole response, event by event as the
    API sends them, so that the SDK's helper rebuilds the same response."""
    p = start_proxy(OPENAI_API_KEY=h.new_secret("sk-unverified"), O1_PROXY_REASONING_SUMMARY="auto")
    import openai
    client = openai.OpenAI(base_url=p.base_url, api_key="unused", max_retries=0, timeout=30)
    mark = p.mark()
    with client.responses.stream(model="gpt-5", input="fake me a stream") as stream:
        types = [e.type for e in stream]
        final = stream.get_final_response()
    assert final.output_text == "echo: fake me a stream"
    assert types[0] == "response.created" and types[-1] == "response.completed"
    assert "response.output_text.delta" in types
    sent = upstream(fake)
    assert sent[-1]["body"].get("stream") is None and "summary" not in sent[-1]["body"].get("reasoning", {})
    e = p.entry(mark)
    assert e["stream"] == "faked" and set(e["learned"].split()) == {"stream:faked", "drop:reasoning.summary"}


def test_the_operators_summary_setting_applies_unless_the_client_chose(start_proxy, fake):
    p = start_proxy(O1_PROXY_REASONING_SUMMARY="concise")
    for reasoning, expected in [(None, "concise"), ({"effort": "high"}, "concise"),
                                ({"effort": "low", "summary": "detailed"}, "detailed")]:
        fake.reset()
        body = {"model": "o3", "input": "sum"} | ({"reasoning": reasoning} if reasoning else {})
        r = h.request(p.port, "POST", "/v1/responses", json.dumps(body).encode(),
                      headers={"Content-Type": "application/json"})
        assert r.status == 200, r.raw
        assert upstream(fake)[0]["body"]["reasoning"]["summary"] == expected


def test_a_cut_stream_ends_with_a_responses_error_event(proxy, fake):
    """Told the way a Responses client reads it: an `error` event numbered after what went out,
    never a chat-shaped `data: {"error": ...}` or a `[DONE]`."""
    mark = proxy.mark()
    r = h.request(proxy.port, "POST", "/v1/responses",
                  json.dumps({"model": "fault-cut-stream", "input": "cut", "stream": True}).encode(),
                  headers={"Content-Type": "application/json"})
    assert r.status == 200 and r.complete
    events = h.parse_sse(r.body)
    relayed = upstream(fake)[0]["response"]["events"]
    data = [json.loads(v) for kind, v in events if kind == "data"]
    assert data[:-1] == relayed
    last = data[-1]
    assert last["type"] == "error" and last["sequence_number"] == len(relayed)
    assert last["code"] == "upstream_stream_cut" and "error" not in last
    assert ("field", "event: error") in events and b"[DONE]" not in r.body
    e = proxy.entry(mark)
    assert e["stream"] == "native" and e["status"] == "200" and e.get("error")


def test_an_upstream_error_before_the_head_keeps_its_status_and_shape(proxy, fake):
    r = h.request(proxy.port, "POST", "/v1/responses", json.dumps({"model": "fault-429", "input": "x"}).encode(),
                  headers={"Content-Type": "application/json"})
    h.assert_json_error(r, 429)
    assert r.json() == upstream(fake)[0]["response"]["body"]


@pytest.mark.parametrize("model", ["fault-html", "fault-truncated-json", "fault-reset"])
def test_upstream_garbage_is_a_502_for_a_responses_client(proxy, fake, model):
    """Not a Responses API response (an HTML page, a cut body, a reset): a 502 that says so,
    never the garbage relayed as an answer, and no second call."""
    mark = proxy.mark()
    r = h.request(proxy.port, "POST", "/v1/responses", json.dumps({"model": model, "input": "x"}).encode(),
                  headers={"Content-Type": "application/json"})
    e = h.assert_json_error(r, 502, type_="upstream_error")
    assert "<html" not in e["message"].lower()
    assert len(upstream(fake)) == 1
    entry = proxy.entry(mark)
    assert entry["status"] == "502" and entry.get("error"), entry["_line"]


@pytest.mark.parametrize("body,param", [
    (b'{"input":"x"}', "model"), (b'{"model":"o3","input":{"a":1}}', "input"),
    (b'{"model":"o3","input":[1]}', "input[0]"), (b'{"model":"o3","input":"x","stream":"yes"}', "stream"),
])
def test_a_request_the_proxy_cannot_plan_is_a_clear_400(proxy, fake, body, param):
    r = h.request(proxy.port, "POST", "/v1/responses", body, headers={"Content-Type": "application/json"})
    h.assert_json_error(r, 400)
    assert r.json()["error"]["param"] == param
    assert upstream(fake) == []


def test_other_responses_paths_are_relayed(proxy, fake):
    r = h.request(proxy.port, "GET", "/v1/responses/resp_123")
    assert fake.requests()[0]["path"] == "/v1/responses/resp_123", r.raw


def test_the_usage_report_counts_them(proxy, sdk, tmp_path):
    mark = proxy.mark()
    sdk.responses.create(model="o3-mini", input="count me")
    line = proxy.entry(mark)["_line"]
    log = tmp_path / "proxy.log"
    log.write_text(line + "\n")
    r = subprocess.run([str(h.proxy_binary()), "usage", "--file", str(log), "--json"], capture_output=True, text=True)
    rows = {row["model"]: row for row in json.loads(r.stdout)["rows"]}
    assert rows["o3-mini"]["exchanges"] == 1 and rows["o3-mini"]["tokens"]["completion"] > 0


def test_langchain_with_the_responses_api_gets_its_answer(proxy, client_auth):
    """LangChain's ChatOpenAI speaks the Responses API itself for codex models: through the
    proxy its temperature no longer costs the answer."""
    from langchain_openai import ChatOpenAI
    llm = ChatOpenAI(model="codex-mini-latest", temperature=0, base_url=proxy.base_url,
                     api_key=client_auth.split(" ", 1)[1], max_retries=0, use_responses_api=True)
    answer = llm.invoke("hello from langchain")
    assert answer.text == "echo: hello from langchain"
