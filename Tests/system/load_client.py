"""A client for the system test's HTTPS load check (checks/load.py), run inside the container
with the container's python3 (stdlib only): makes the exchanges it is given through the proxy,
each on a new connection, and says how each went.

Usage: python3 load_client.py < PLAN.json > RESULTS.json
PLAN:    {"port": 4567, "timeout": seconds per exchange,
          "phases": [{"name": "...", "concurrent": false, "exchanges": [EXCHANGE, ...]}, ...]}
EXCHANGE: {"id": "...", "body": {chat completion request}, "expect": "the answer's text",
           "source_port": the client's port, which names the exchange in the journal}
A sequential phase makes its exchanges one after the other, in order; a concurrent one starts
them all at once (every connection opened before any request is sent), a burst.
RESULTS: [{"id", "phase", "port" (the client's), "status" (0: no HTTP answer),
           "problem" (null when the exchange went right)}, ...]
in the plan's order. Right: 200 and, for a stream, text/event-stream whose content deltas are
the expected text and whose last event is data: [DONE]; else the JSON answer's message text.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading


def judge(stream: bool, status: int, content_type: str, body: bytes, expect: str) -> str | None:
    """What is wrong with an answer, or None."""
    text = body.decode("utf-8", "replace")
    if status != 200:
        return f"status {status}: {text[:300]}"
    if stream:
        if not content_type.startswith("text/event-stream"):
            return f"content-type {content_type!r}: {text[:300]}"
        datas = [line[6:] for line in text.split("\n") if line.startswith("data: ")]
        got = ""
        for d in datas:
            if d == "[DONE]":
                continue
            try:
                for choice in json.loads(d).get("choices") or []:
                    got += (choice.get("delta") or {}).get("content") or ""
            except (ValueError, AttributeError):
                return f"an event that is not JSON: {d[:200]!r}"
        if datas[-1:] != ["[DONE]"]:
            return f"no data: [DONE] at the end (last {datas[-1:]!r}, {len(datas)} events)"
    else:
        try:
            got = json.loads(text)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            return f"not a chat completion: {text[:300]}"
    return None if got == expect else f"text {got!r}, want {expect!r}"


class Exchange:
    def __init__(self, plan: dict, phase: str, port: int, timeout: float):
        self.plan, self.phase = plan, phase
        # A port of its own, not the kernel's pick: on loopback the kernel reuses a client
        # port whose connection is in TIME_WAIT (tcp_tw_reuse=2), and two exchanges of one
        # run would then share O1_PEER in the journal.
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                               source_address=("127.0.0.1", plan["source_port"]))
        self.local_port = 0
        self.status = 0
        self.problem: str | None = "not made"

    def connect(self) -> bool:
        try:
            self.conn.connect()
            self.local_port = self.conn.sock.getsockname()[1]
            return True
        except OSError as e:
            self.problem = f"connect: {type(e).__name__}: {e}"
            return False

    def finish(self) -> None:
        """Sends the request on the open connection and reads the whole answer."""
        body = json.dumps(self.plan["body"]).encode()
        try:
            self.conn.request("POST", "/v1/chat/completions", body,
                              {"Content-Type": "application/json"})
            r = self.conn.getresponse()
            data = r.read()
            self.status = r.status
            self.problem = judge(bool(self.plan["body"].get("stream")), r.status,
                                 r.getheader("Content-Type", ""), data, self.plan["expect"])
        except (OSError, http.client.HTTPException) as e:
            # a reset (ConnectionResetError), an empty reply (RemoteDisconnected), a cut
            # answer (IncompleteRead), a timeout
            self.problem = f"{type(e).__name__}: {e}"
        finally:
            self.conn.close()

    def result(self) -> dict:
        return {"id": self.plan["id"], "phase": self.phase, "port": self.local_port,
                "status": self.status, "problem": self.problem}


def run_phase(phase: dict, port: int, timeout: float) -> list[dict]:
    exchanges = [Exchange(p, phase["name"], port, timeout) for p in phase["exchanges"]]
    if not phase.get("concurrent"):
        for x in exchanges:
            if x.connect():
                x.finish()
        return [x.result() for x in exchanges]
    # A burst: every connection open first, then every request at once.
    connected = [x for x in exchanges if x.connect()]
    start = threading.Barrier(len(connected)) if connected else None

    def go(x: Exchange) -> None:
        try:
            start.wait(timeout)
        except threading.BrokenBarrierError:
            pass
        x.finish()

    threads = [threading.Thread(target=go, args=(x,)) for x in connected]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [x.result() for x in exchanges]


def main() -> int:
    plan = json.load(sys.stdin)
    results = []
    for phase in plan["phases"]:
        results += run_phase(phase, plan["port"], plan["timeout"])
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
