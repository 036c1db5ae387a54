"""pytest fixtures for o1-proxy's end-to-end tests.

- `fake`: the fake OpenAI upstream (in-process thread, 127.0.0.1, OS-chosen port), reset
  before every test.
- `start_proxy(**env)`: the proxy run exactly as systemd runs it
  (`systemd-socket-activate --inetd -a -l 127.0.0.1:PORT -E VAR=val ... $O1_PROXY_BIN`),
  stderr captured to a file. Listeners are cached per configuration for the session.
  Pass VAR=None to leave a default variable out.
- `proxy`: the default configuration.
After every test, every proxy log and every response body read through e2e_helpers is
checked for the API keys, proxy tokens and client Authorization values handed out; a proxy
process still running 10 s after the test fails it, with every thread's stack, and is killed.
When a test failed, what each proxy wrote during it is printed (pytest shows it under "Captured
stdout teardown"; scripts/stress-e2e keeps it in its JUnit reports).
"""

from __future__ import annotations

import os
import shutil
import signal

import pytest

import e2e_helpers as h
from fake_upstream import FakeUpstream


@pytest.fixture(scope="session")
def workdir():
    d = h.tmpdir_for_session()
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def fake():
    srv = FakeUpstream(chunk_delay=0.005).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def _proxy_pool(fake, workdir):
    pool: dict = {}
    yield pool
    for p in pool.values():
        p.stop()


@pytest.fixture(scope="session")
def start_proxy(fake, workdir, _proxy_pool):
    api_key = h.new_secret("sk-test")

    def start(**overrides) -> h.Proxy:
        env = {
            "OPENAI_BASE_URL": fake.base_url,
            "OPENAI_API_KEY": api_key,
            "O1_PROXY_GRACE_SECONDS": "10",
            "O1_PROXY_KEEPALIVE_SECONDS": "15",
            "O1_PROXY_DEADLINE_SECONDS": "30",
            "O1_PROXY_READ_TIMEOUT_SECONDS": "5",
        }
        for k, v in overrides.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
        key = tuple(sorted(env.items()))
        p = _proxy_pool.get(key)
        if p is None or p.proc is None or p.proc.poll() is not None:
            p = h.Proxy(env, workdir)
            _proxy_pool[key] = p
        return p

    return start


@pytest.fixture
def proxy(start_proxy):
    return start_proxy()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item, for the fixture below to see a failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(autouse=True)
def _fake_reset_and_secret_check(request, fake, _proxy_pool):
    for p in _proxy_pool.values():  # earlier tests' proxy processes must be done
        p.wait_idle(10)
    fake.reset()
    h.SEEN_BODIES.clear()
    marks = {id(p): p.mark() for p in _proxy_pool.values()}
    yield
    hung = {}
    for p in _proxy_pool.values():
        for pid, stacks in p.hung(10).items():
            hung[pid] = f"proxy process {pid} ({p.log_path.name}) still running 10 s after the test:\n{stacks}"
            os.kill(pid, signal.SIGKILL)
    frags = h.secret_fragments()
    leaks = []
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    for p in list(_proxy_pool.values()):
        data = p.log_path.read_bytes()[marks.get(id(p), 0):].decode("utf-8", "replace") \
            if p.log_path.exists() else ""
        if (failed or hung) and data:
            settings = " ".join(f"{k}={v}" for k, v in p.env.items() if k.startswith("O1_"))
            print(mask(f"----- {p.log_path.name} ({settings}) during the test:\n{data}", frags))
        for f in frags:
            if f in data:
                leaks.append(f"proxy log {p.log_path.name} contains secret {f!r}")
    for body in h.SEEN_BODIES:
        text = body.decode("utf-8", "replace")
        for f in frags:
            if f in text:
                leaks.append(f"a response contains secret {f!r}: {text[:300]!r}")
    h.SEEN_BODIES.clear()
    if leaks:
        pytest.fail("secret leaked:\n" + "\n".join(sorted(set(leaks))), pytrace=False)
    if hung:
        pytest.fail(mask("\n".join(hung.values()), frags), pytrace=False)


def mask(text: str, secrets: set[str]) -> str:
    for s in sorted(secrets, key=len, reverse=True):
        text = text.replace(s, "<secret>")
    return text


@pytest.fixture
def client_auth():
    """A client Authorization value (a secret: must never be logged or echoed)."""
    return "Bearer " + h.new_secret("sk-client")


@pytest.fixture
def sdk(proxy, client_auth):
    import openai
    return openai.OpenAI(base_url=proxy.base_url, api_key=client_auth.split(" ", 1)[1],
                         max_retries=0, timeout=30)
