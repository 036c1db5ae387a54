"""The fake upstream's Responses stream, straight (no proxy): the real wire format, read raw and
through the official SDK, and the stream faults of both endpoints."""

import gzip
import http.client
import itertools
import json
import time

import pytest

from fake_client import KEY, Reply, call, chat, error, responses

TOOLS = [{"type": "function", "name": n, "strict": False,
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
         for n in ("get_weather", "get_time")]
ONLY_RESPONSES = "This model is only supported in v1/responses and not in v1/chat/completions."


def stream(fake, text="hello there", model="o3", **extra):
    r = responses(fake, {"model": model, "input": text, "stream": True, **extra})
    assert r.status == 200, r.raw
    return r


def kinds(events) -> list[str]:
    """Event types with each run of deltas shown once."""
    return [k for k, _ in itertools.groupby(e["type"] for e in events)]


def test_the_wire_format_is_the_real_one(fake):
    r = stream(fake, reasoning={"summary": "auto"})
    assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert b"[DONE]" not in r.raw and r.raw.endswith(b"\n\n")
    events = r.events()
    assert all(name == data["type"] for name, data in events)
    data = [d for _, d in events]
    assert [d["sequence_number"] for d in data] == list(range(len(data)))
    assert all(list(d)[:2] == ["type", "sequence_number"] for d in data)
    assert kinds(data) == [
        "response.created", "response.in_progress",
        "response.output_item.added", "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done", "response.output_item.done",
        "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.done",
        "response.content_part.done", "response.output_item.done", "response.completed"]
    first, final = data[0]["response"], data[-1]["response"]
    assert (first["status"], first["output"], first["usage"]) == ("in_progress", [], None)
    assert final["status"] == "completed" and final["usage"]["output_tokens"] > 0
    assert first["id"] == final["id"]


def test_deltas_are_small_padded_and_located(fake):
    data = stream(fake, reasoning={"summary": "auto"}).data()
    final = data[-1]["response"]
    message, reasoning = final["output"][1], final["output"][0]
    text = [d for d in data if d["type"] == "response.output_text.delta"]
    summary = [d for d in data if d["type"] == "response.reasoning_summary_text.delta"]
    assert "".join(d["delta"] for d in text) == message["content"][0]["text"] == "echo: hello there"
    assert "".join(d["delta"] for d in summary) == reasoning["summary"][0]["text"]
    assert all(len(d["delta"]) <= 4 for d in text + summary)
    assert all((d["item_id"], d["output_index"], d["content_index"]) == (message["id"], 1, 0)
               and d["logprobs"] == [] for d in text)
    assert all((d["item_id"], d["output_index"], d["summary_index"]) == (reasoning["id"], 0, 0)
               for d in summary)
    assert all(len(d["delta"]) + len(d["obfuscation"]) == 16 for d in text + summary)
    done = next(d for d in data if d["type"] == "response.output_text.done")
    assert done["text"] == "echo: hello there"


def test_no_padding_when_the_client_declines_it(fake):
    data = stream(fake, stream_options={"include_obfuscation": False}).data()
    deltas = [d for d in data if d["type"].endswith(".delta")]
    assert deltas and not any("obfuscation" in d for d in deltas)


def test_function_calls_stream_item_by_item(fake):
    data = stream(fake, "call two tools", tools=TOOLS).data()
    added = [d for d in data if d["type"] == "response.output_item.added"]
    assert [a["item"]["type"] for a in added] == ["reasoning", "function_call", "function_call"]
    assert [a["output_index"] for a in added] == [0, 1, 2]
    final = data[-1]["response"]
    for a, item in zip(added[1:], final["output"][1:]):
        assert a["item"] == dict(item, status="in_progress", arguments="")
        args = [d for d in data if d["type"] == "response.function_call_arguments.delta"
                and d["item_id"] == item["id"]]
        assert "".join(d["delta"] for d in args) == item["arguments"] == '{"city": "Paris"}'
        assert all(d["output_index"] == a["output_index"] and "obfuscation" in d for d in args)
        done = next(d for d in data if d["type"] == "response.function_call_arguments.done"
                    and d["item_id"] == item["id"])
        assert (done["arguments"], done["name"]) == (item["arguments"], item["name"])


def test_a_refusal_streams_as_refusal_deltas(fake):
    data = stream(fake, "please refuse").data()
    assert "response.refusal.delta" in kinds(data)
    refusal = "".join(d["delta"] for d in data if d["type"] == "response.refusal.delta")
    assert refusal == next(d["refusal"] for d in data if d["type"] == "response.refusal.done")


def test_a_budget_reasoning_eats_ends_with_response_incomplete(fake):
    data = stream(fake, max_output_tokens=50).data()
    assert kinds(data) == ["response.created", "response.in_progress",
                           "response.output_item.added", "response.output_item.done",
                           "response.incomplete"]
    assert data[-1]["response"]["incomplete_details"] == {"reason": "max_output_tokens"}


def test_the_sdk_reads_the_stream_as_its_types(fake):
    import openai
    from openai.types.responses import ResponseCompletedEvent, ResponseTextDeltaEvent

    client = openai.OpenAI(base_url=fake.base_url, api_key="sk-fake", max_retries=0)
    events = list(client.responses.create(model="gpt-5", input="through the sdk", stream=True,
                                          tools=TOOLS))
    deltas = [e.delta for e in events if isinstance(e, ResponseTextDeltaEvent)]
    assert "".join(deltas) == "echo: through the sdk"
    assert isinstance(events[-1], ResponseCompletedEvent)
    assert events[-1].response.output_text == "echo: through the sdk"
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_the_record_holds_the_events_sent(fake):
    data = stream(fake).data()
    rec = fake.requests("/v1/responses")[0]
    assert rec["response"]["events"] == data and rec["response"]["done"] is True
    assert rec["response_answer"] == data[-1]["response"]


# ---- faults -----------------------------------------------------------------------------

def test_fault_failed(fake):
    data = stream(fake, model="fault-failed").data()
    assert kinds(data) == ["response.created", "response.in_progress", "response.failed"]
    assert data[-1]["response"]["status"] == "failed"
    assert data[-1]["response"]["error"]["code"] == "server_error"
    whole = responses(fake, {"model": "fault-failed", "input": "x"})
    assert whole.status == 200 and whole.json()["status"] == "failed"
    assert whole.json()["error"]["code"] == "server_error"


def test_fault_error_event(fake):
    data = stream(fake, model="fault-error-event").data()
    assert data[-2]["type"] == "response.output_text.delta"
    assert data[-1] == {"type": "error", "code": "rate_limit_exceeded",
                        "message": data[-1]["message"], "param": None,
                        "sequence_number": len(data) - 1}
    assert fake.requests("/v1/responses")[0]["response"]["error_event"] is True
    assert responses(fake, {"model": "fault-error-event", "input": "x"}).status == 429


def test_fault_cut_stream_ends_cleanly_after_the_first_delta(fake):
    data = stream(fake, model="fault-cut-stream").data()
    assert data[-1]["type"] == "response.output_text.delta"
    assert fake.requests("/v1/responses")[0]["response"]["cut"] is True


@pytest.mark.parametrize("model", ["fault-failed", "fault-error-event-after-1"])
def test_the_responses_faults_are_responses_only_on_chat(fake, model):
    r = chat(fake, {"model": model, "messages": [{"role": "user", "content": "x"}]})
    assert (r.status, r.json()) == (404, error(ONLY_RESPONSES, "model"))


@pytest.mark.parametrize("path,body,before_silence", [
    ("/v1/responses", {"model": "fault-think-30", "input": "x", "stream": True},
     [b"event: response.created\n", b"event: response.in_progress\n"]),
    ("/v1/chat/completions", {"model": "fault-think-30", "stream": True,
                              "messages": [{"role": "user", "content": "x"}]}, []),
])
def test_fault_think_sends_the_start_then_thinks_in_silence(fake, path, body, before_silence):
    """The start arrives while the fault still thinks: the client reads it, then hangs up, and
    the fault sees the client go before it ever answered."""
    conn = http.client.HTTPConnection(fake.host, fake.port, timeout=30)
    conn.request("POST", path, json.dumps(body), {"Authorization": KEY})
    r = conn.getresponse()
    assert r.status == 200
    seen = []
    while len(seen) < len(before_silence):
        line = r.readline()
        if line.startswith(b"event:"):
            seen.append(line)
    assert seen == before_silence
    conn.close()
    deadline = time.monotonic() + 20
    while not (fake.closed() and fake.closed()[0]["closed_by"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    (record,) = fake.closed()
    assert record["closed_by"] == "client" and "answered_at" not in record


def test_fault_think_answers_after_its_silence(fake):
    data = stream(fake, model="fault-think-0.2").data()
    assert data[-1]["type"] == "response.completed"
    (record,) = fake.closed()
    assert record["answered_at"] >= record["opened_at"] + 0.2


GENERIC = [("fault-500-json", 500), ("fault-429", 429), ("fault-html", 502),
           ("fault-400-absent", 400), ("fault-slow-0.1", 200), ("fault-drip-0.01", 200)]


@pytest.mark.parametrize("model,status", GENERIC)
def test_the_generic_faults_work_on_responses(fake, model, status):
    assert responses(fake, {"model": model, "input": "x"}).status == status
    assert responses(fake, {"model": model, "input": "x", "stream": True}).status == status


def test_the_answer_faults_take_the_responses_shape(fake):
    assert "output" not in responses(fake, {"model": "fault-no-choices", "input": "x"}).json()
    length = responses(fake, {"model": "fault-length", "input": "x"}).json()
    assert (length["status"], length["incomplete_details"]) == ("incomplete",
                                                                {"reason": "max_output_tokens"})
    cut = responses(fake, {"model": "fault-truncated-json", "input": "x"})
    with pytest.raises(ValueError):
        cut.json()
    gz = call(fake, "/v1/responses", {"model": "fault-gzip", "input": "x", "stream": True})
    assert gz.headers["content-encoding"] == "gzip"
    events = Reply(200, {}, gzip.decompress(gz.raw)).data()
    assert kinds(events)[0] == "response.created" and events[-1]["type"] == "response.completed"


def test_fault_reset_cuts_the_connection_after_two_events(fake):
    with pytest.raises((http.client.IncompleteRead, ConnectionResetError)):
        responses(fake, {"model": "fault-reset", "input": "x", "stream": True})
    rec = fake.requests("/v1/responses")[0]
    assert rec["response"]["reset"] is True and len(rec["response"]["events"]) == 2
