"""Many HTTPS exchanges through the installed units, of every kind the proxy handles (issue 18:
Debian 13's libcurl aborted the process in FoundationNetworking's teardown, often after the
answer had gone out, so clients saw resets and empty replies, and nothing failed visibly).

The client (Tests/system/load_client.py) runs inside the container; the upstream is the fake
behind TLS, by host name, trusted through the system's store. The plan is fixed: the same
exchanges in the same order on every run, then a burst of them at once."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from systest import http, journal, world

from . import Context, Verdict
from .exchange import with_settings

CLIENT = f"{world.TESTS}/load_client.py"
LEARNED = "/var/lib/o1-proxy/learned.tsv"
ROUNDS = 12                # of the sequential cycle below: 8 kinds, 96 exchanges
BURST_ROUNDS = 3           # of the same cycle at once: 24 exchanges in one burst
TIMEOUT = 120              # per exchange; they take well under a second each on a quiet machine
# The client's ports, one per exchange (load_client.py says why), below the kernel's ephemeral
# range (32768-60999) and clear of every port the world listens on.
SOURCE_PORTS = 20000


@dataclass(frozen=True)
class Kind:
    """A kind of exchange. model "{learn}" is a name of its own per exchange, which the fake's
    o9-future-* matches and no built-in rule knows: each such exchange learns its fixes."""
    name: str
    model: str
    stream: bool
    api: str               # O1_API in its journal entry
    stream_mode: str       # O1_STREAM
    fields: tuple = ()     # more of the request body
    system: bool = False   # a system message first (o9-future refuses the role: learned)

    @property
    def learns(self) -> bool:
        return "{learn}" in self.model


KINDS = (
    Kind("plain", "o1-mini", False, "chat", "none"),
    Kind("faked stream", "o1-mini", True, "chat", "faked"),
    Kind("native stream", "gpt-4o", True, "chat", "native"),
    Kind("native stream", "o3-mini", True, "chat", "native"),
    Kind("bridged", "o1-pro", False, "responses", "none"),
    Kind("bridged stream", "o1-pro", True, "responses", "native"),
    Kind("learning", "{learn}", False, "chat", "none",
         (("max_tokens", 50), ("temperature", 0.2)), system=True),
    Kind("learning stream", "{learn}", True, "chat", "faked", (("max_tokens", 50),)),
)


def plan(nonce: str) -> tuple[dict, dict[str, tuple[Kind, str]]]:
    """The client's plan, and each exchange's kind and model by its id."""
    kinds: dict[str, tuple[Kind, str]] = {}

    def exchanges(phase: str, rounds: int) -> list[dict]:
        out = []
        for r in range(rounds):
            for k, kind in enumerate(KINDS):
                xid = f"{phase}-{r}-{k}"
                model = kind.model.format(learn=f"o9-future-{nonce}-{xid}")
                text = f"load {xid} {nonce}"
                messages = [{"role": "user", "content": text}]
                if kind.system:
                    messages.insert(0, {"role": "system", "content": "be brief"})
                body = {"model": model, "messages": messages, **dict(kind.fields)}
                if kind.stream:
                    body["stream"] = True
                out.append({"id": xid, "body": body, "expect": f"echo: {text}",
                            "source_port": SOURCE_PORTS + len(kinds)})
                kinds[xid] = (kind, model)
        return out

    phases = [{"name": "sequential", "concurrent": False,
               "exchanges": exchanges("seq", ROUNDS)},
              {"name": "burst", "concurrent": True,
               "exchanges": exchanges("burst", BURST_ROUNDS)}]
    return {"port": http.PORT, "timeout": TIMEOUT, "phases": phases}, kinds


def https_load(ctx: Context) -> Verdict:
    """Every exchange 200 with its whole answer (streams ending in [DONE]), no reset or empty
    reply; each logged once, as the kind of exchange it was; every model meant to learn
    learned and kept it; and no o1-proxy@ instance ended abnormally (PID 1's journal, the
    o1-proxy-failed@ line)."""
    ct = ctx.ct
    client_plan, kinds = plan(ctx.material.nonce)
    learned_before = ct.read(LEARNED)
    v = Verdict()
    since = time.time()
    t = time.monotonic()
    try:
        with with_settings(ctx, f"OPENAI_BASE_URL=https://{world.TLS_HOST}:{world.TLS_PORT}/v1\n"):
            # Bounded by its exchanges' own timeouts; this only stops a client that hangs.
            r = ct.run("python3", CLIENT, input=json.dumps(client_plan), timeout=1200)
        took = time.monotonic() - t
        try:
            results = json.loads(r.stdout)
        except ValueError:
            v.problems.append(f"the client: exit {r.returncode} {r.stderr[-800:]}")
            return v
        learned_after = ct.read(LEARNED) or ""
    finally:
        if learned_before is None:
            ct.run("rm", "-f", LEARNED)
        else:
            ct.write(LEARNED, learned_before, "0600")
            ct.check("chown", "o1-proxy:o1-proxy", LEARNED)

    failed = [f"{x['id']} {kinds[x['id']][1]}: {x['problem']}" for x in results if x["problem"]]
    v.expect(len(results) == len(kinds) >= 100, f"{len(results)} results of {len(kinds)}")
    v.expect(not failed, f"{len(failed)} of {len(results)} exchanges failed: {failed[:6]}")

    ports = {x["port"]: x["id"] for x in results if x["port"]}
    logged = journal.of_exchanges(ct, list(ports), "--since", f"@{since:.6f}", seconds=60)
    wrong = []
    for port, es in logged.items():
        kind, model = kinds[ports[port]]
        structured = [e for e in es if e.get("_TRANSPORT") == "journal"]
        if len(structured) != 1:
            wrong.append(f"{ports[port]}: {len(structured)} entries "
                         f"{[(e.get('_PID'), e.get('MESSAGE')) for e in structured]}")
            continue
        e = structured[0]
        want = {"O1_STATUS": "200", "O1_MODEL": model, "O1_API": kind.api,
                "O1_STREAM": kind.stream_mode}
        got = {k: e.get(k) for k in want}
        if got != want:
            wrong.append(f"{ports[port]} ({kind.name}): {got}, want {want}")
        if kind.learns and not e.get("O1_LEARNED"):
            wrong.append(f"{ports[port]} ({kind.name}): nothing learned: {e.get('MESSAGE')}")
    v.expect(not wrong, f"journal: {wrong[:6]}")
    learners = sorted(m for kind, m in kinds.values() if kind.learns)
    kept = {line.partition("\t")[0] for line in learned_after.splitlines()}
    forgotten = [m for m in learners if m not in kept]
    v.expect(not forgotten, f"{len(forgotten)} of {len(learners)} learned models not in "
             f"{LEARNED}: {forgotten[:4]}")
    abnormal = journal.abnormal_ends(ct, since)
    v.expect(not abnormal, f"instances ended abnormally: {abnormal[:6]}")
    v.expect(ct.run("systemctl", "is-active", "o1-proxy.socket").stdout.strip() == "active",
             "o1-proxy.socket is not active")
    burst = sum(1 for x in results if x["phase"] == "burst")
    v.detail = (f"{len(results)} exchanges over HTTPS ({len(results) - burst} one by one, a "
                f"burst of {burst}; {len(learners)} learned) in {took:.1f}s, "
                f"{len(failed)} failed")
    return v
