"""Which CA bundle the upstream's TLS handshake trusts: libcurl's own (the system's), or the one
O1_PROXY_CA_BUNDLE names, which the package points at its lean trust store. The upstream here
is the fake behind a TLS front on loopback, whose certificate is its own CA and is in no system
store: only the bundle the proxy is told to read can make it trusted."""

import shutil
import socket
import ssl
import subprocess
import threading
from urllib.parse import urlparse

import pytest

import e2e_helpers as h

USER = [{"role": "user", "content": "over tls"}]


def _pump(source, sink):
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class TLSFront:
    """Accepts TLS on 127.0.0.1 and relays each connection, decrypted, to a plain HTTP port."""

    def __init__(self, directory, backend_port):
        self.ca = f"{directory}/tls-front.pem"
        key = f"{directory}/tls-front.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", self.ca,
                        "-days", "2", "-subj", "/CN=o1-proxy e2e TLS front",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(self.ca, key)
        self.backend_port = backend_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client):
        try:
            secure = self.context.wrap_socket(client, server_side=True)
        except (OSError, ssl.SSLError):
            client.close()     # the proxy refused the certificate: the handshake ends here
            return
        backend = socket.create_connection(("127.0.0.1", self.backend_port))
        threading.Thread(target=_pump, args=(backend, secure), daemon=True).start()
        _pump(secure, backend)

    def close(self):
        self.listener.close()


@pytest.fixture(scope="module")
def tls_front(fake, workdir):
    front = TLSFront(workdir, urlparse(fake.base_url).port)
    yield front
    front.close()


def over_tls(start_proxy, front, **env):
    p = start_proxy(OPENAI_BASE_URL=f"https://127.0.0.1:{front.port}/v1", **env)
    mark = p.mark()
    return h.chat(p.port, {"model": "o1-mini", "messages": USER}, timeout=15), p.entry(mark)


def test_the_system_store_does_not_trust_the_test_ca(start_proxy, tls_front):
    r, entry = over_tls(start_proxy, tls_front)
    h.assert_json_error(r, 502, type_="upstream_error")
    assert "SSL certificate problem" in r.json()["error"]["message"] and "127.0.0.1" in r.json()["error"]["message"]
    assert entry["status"] == "502"


def test_the_named_bundle_is_what_the_handshake_trusts(start_proxy, tls_front):
    r, entry = over_tls(start_proxy, tls_front, O1_PROXY_CA_BUNDLE=tls_front.ca)
    assert r.status == 200, r.raw[:500]
    assert r.json()["choices"][0]["message"]["content"] == "echo: over tls"
    assert entry["status"] == "200"


def test_a_bundle_that_is_not_there_leaves_the_system_store(start_proxy, tls_front, workdir):
    """The package's hook removes its lean file when it cannot vouch for it: then the system's
    roots apply, and a certificate they do not hold is still refused."""
    r, entry = over_tls(start_proxy, tls_front, O1_PROXY_CA_BUNDLE=f"{workdir}/no-such-bundle.pem")
    h.assert_json_error(r, 502, type_="upstream_error")
    assert entry["status"] == "502"


def test_a_bundle_that_holds_no_certificate_is_a_clear_502(start_proxy, tls_front, workdir):
    """An operator's O1_PROXY_CA_BUNDLE that is not PEM: the handshake cannot be trusted, and the
    client hears so, as for any TLS failure."""
    bundle = f"{workdir}/not-a-bundle.pem"
    with open(bundle, "w") as f:
        f.write("this is not a certificate\n")
    r, entry = over_tls(start_proxy, tls_front, O1_PROXY_CA_BUNDLE=bundle)
    h.assert_json_error(r, 502, type_="upstream_error")
    assert entry["status"] == "502"


def test_each_process_reads_the_bundle_as_it_is_then(start_proxy, tls_front, workdir):
    """The hook rewrites the bundle in place; the next exchange trusts what it holds then."""
    bundle = f"{workdir}/rewritten-bundle.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f"{workdir}/other.key",
                    "-out", bundle, "-days", "2", "-subj", "/CN=another root"],
                   check=True, capture_output=True)
    r, _ = over_tls(start_proxy, tls_front, O1_PROXY_CA_BUNDLE=bundle)
    h.assert_json_error(r, 502, type_="upstream_error")
    shutil.copy(tls_front.ca, bundle)
    r, _ = over_tls(start_proxy, tls_front, O1_PROXY_CA_BUNDLE=bundle)
    assert r.status == 200, r.raw[:500]
