"""Process model: command line, one exchange per process."""

import os
import re
import socket
import subprocess
import time

import pytest

import e2e_helpers as h


def run(*args):
    return subprocess.run([str(h.proxy_binary()), *args], stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=10, env={"PATH": "/usr/bin:/bin"})


def test_help_and_version():
    r = run("--help")
    assert r.returncode == 0, r
    assert r.stdout.strip(), "help goes to stdout"
    assert b"O1_PROXY_GRACE_SECONDS" in r.stdout or b"o1-proxy" in r.stdout
    r = run("--version")
    assert r.returncode == 0, r
    assert r.stdout.strip()


def test_unknown_argument_exits_2():
    r = run("--frobnicate")
    assert r.returncode == 2, r
    assert r.stderr.strip(), "the complaint goes to stderr"
    assert r.stdout == b""


def test_one_exchange_then_exit_code_0(proxy, fake):
    proxy.wait_idle(5)
    mark = proxy.mark()
    r = h.chat(proxy.port, {"model": "o1-mini", "messages": [{"role": "user", "content": "x"}]})
    assert r.status == 200
    assert proxy.wait_idle(5)
    text = proxy.log_path.read_bytes()[mark:].decode()
    spawned = re.findall(r"Spawned .* as PID (\d+)\.", text)
    assert len(spawned) == 1
    assert re.search(rf"Child {spawned[0]} died with code 0", text), text


def test_client_that_says_nothing_does_not_keep_the_process(start_proxy, fake):
    p = start_proxy(O1_PROXY_READ_TIMEOUT_SECONDS=1)
    with socket.create_connection(("127.0.0.1", p.port)) as s:
        s.settimeout(4)
        t0 = time.time()
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        elapsed = time.time() - t0
    assert elapsed < 3.5, "the read deadline covers a silent client"
    if data:
        assert data.startswith(b"HTTP/1.1 408 "), data[:100]
    assert p.wait_idle(3)
    assert fake.requests() == []


def test_client_that_closes_at_once_ends_the_process(proxy, fake):
    mark = proxy.mark()
    with socket.create_connection(("127.0.0.1", proxy.port)):
        pass
    # entry() waits for the exchange's own log line: the process may not even be spawned yet,
    # and its line must not land in the next test's log window.
    e = proxy.entry(mark)
    assert e["status"] == "499" and e["error"].startswith("client gone")
    assert fake.requests() == []


@pytest.mark.parametrize("stream, model", [(False, "fault-slow-3"), (True, "fault-think-3")])
def test_waiting_for_the_model_costs_no_cpu(fake, stream, model):
    """While the upstream thinks, the process sleeps. FoundationNetworking alone kept libcurl's
    write source after the request had gone and spun on it: 3 s of waiting cost 2.6 s of CPU
    (Sources/CCurl/socket_interest.c); now about 0.02 s. Run the way systemd runs it, socket on
    stdin and stdout, so wait4 gives the process's own CPU time."""
    ours, its = socket.socketpair()
    env = {"PATH": "/usr/bin:/bin", "OPENAI_BASE_URL": fake.base_url,
           "OPENAI_API_KEY": h.new_secret("sk-test")}
    proc = subprocess.Popen([str(h.proxy_binary())], stdin=its, stdout=its,
                            stderr=subprocess.DEVNULL, env=env)
    its.close()
    with ours:
        ours.settimeout(30)
        ours.sendall(h.build_request("POST", "/v1/chat/completions", {
            "model": model, "stream": stream, "messages": [{"role": "user", "content": "think"}]}))
        answer = b""
        while chunk := ours.recv(65536):
            answer += chunk
    _, status, usage = os.wait4(proc.pid, 0)
    assert status == 0
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]
    assert (b"data: [DONE]" in answer) == stream, answer[-300:]
    held = h.upstream_conn(fake, model)
    assert held["answered_at"] - held["opened_at"] >= 3
    # Generous for a busy machine: the spin cost more than this in every loaded run.
    assert usage.ru_utime + usage.ru_stime < 0.5, (usage.ru_utime, usage.ru_stime)
