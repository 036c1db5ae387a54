"""The host around the proxy, inside the container: what a real machine would have, plus what
the checks need to see the proxy and its sandbox at work.

- /etc/hosts and the test CA among Debian's (added with update-ca-certificates, as an
  administrator would) for an HTTPS upstream by name; /etc/resolv.conf a link into
  /run/systemd/resolve, as on Ubuntu, with a DNS server where systemd-resolved's stub would be;
- the fake OpenAI upstream, plain and behind TLS;
- things a compromised proxy would go for: a file in a home directory and in /root, a file in
  the host's /tmp, a listener on the cloud metadata address (169.254.169.254:80), a route for
  multicast.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .container import Container

UPSTREAM_PORT = 18089
TLS_PORT = 18443
TLS_HOST = "upstream.o1-proxy.test"      # in /etc/hosts
# The test CA, which issued the HTTPS upstream's certificate (a real upstream's chain: trusted
# only through the CA, and untrusted it is "unable to get local issuer certificate"), as the
# run's material has it (/systest) and as an administrator adds it to the system's store.
CA_CERT = "/systest/test-ca.crt"
TEST_CA = "/usr/local/share/ca-certificates/systest-ca.crt"
DNS_HOST = "api.o1-proxy.test"           # only in DNS
METADATA = "169.254.169.254:80"
HOST_MARKER = "/tmp/o1-host-marker"
SECRETS = ("/home/alice/secret.txt", "/root/secret.txt")
BASE_URL = f"http://127.0.0.1:{UPSTREAM_PORT}/v1"
TESTS = "/src/Tests/system"              # this directory, inside the container


@dataclass(frozen=True)
class Material:
    """Made on the host per run, bound into the container at /systest."""
    key: str
    nonce: str
    rundir: Path


def make_material(rundir: Path) -> Material:
    """The key and nonce, and in rundir the test CA (test-ca.crt) and the upstream's
    certificate it issued for TLS_HOST (upstream.crt, upstream.key)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=rundir)

    openssl("req", "-x509", *ec, "-days", "2", "-subj", "/CN=o1-proxy system test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout", "test-ca.key", "-out", "test-ca.crt")
    openssl("req", *ec, "-subj", f"/CN={TLS_HOST}", "-keyout", "upstream.key",
            "-out", "upstream.csr")
    (rundir / "upstream.ext").write_text(f"subjectAltName=DNS:{TLS_HOST}\n"
                                         "basicConstraints=CA:FALSE\n"
                                         "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "upstream.csr", "-CA", "test-ca.crt", "-CAkey",
            "test-ca.key", "-CAcreateserial", "-days", "2", "-extfile", "upstream.ext",
            "-out", "upstream.crt")
    os.chmod(rundir / "upstream.key", 0o644)          # for the upstream, a unit in the container
    return Material(key="sk-systest-" + os.urandom(18).hex(), nonce=os.urandom(4).hex(),
                    rundir=rundir)


def prepare_host(ct: Container, material: Material) -> None:
    ct.write("/etc/hosts", f"127.0.0.1 localhost\n::1 localhost\n127.0.0.1 {TLS_HOST}\n")
    trust_test_ca(ct, True)
    ct.write("/run/systemd/resolve/stub-resolv.conf", "nameserver 127.0.0.53\n")
    ct.check("ln", "-sf", "../run/systemd/resolve/stub-resolv.conf", "/etc/resolv.conf")

    for path in SECRETS:
        ct.write(path, f"secret in {path}\n", "0644")
    ct.check("chmod", "0755", "/home/alice")
    ct.write(HOST_MARKER, "the host's /tmp\n", "0644")
    addr = METADATA.partition(":")[0]
    ct.net("ip", "addr", "add", f"{addr}/32", "dev", "lo")
    ct.net("ip", "route", "add", "224.0.0.0/4", "dev", "lo")

    service = ["systemd-run", "--quiet", "-p", "Environment=PYTHONDONTWRITEBYTECODE=1"]
    ct.check(*service, "--unit=fake-upstream", "python3", f"{TESTS}/upstream.py",
             str(UPSTREAM_PORT))
    ct.check(*service, "--unit=fake-upstream-tls", "python3", f"{TESTS}/upstream.py",
             str(TLS_PORT), "/systest/upstream.crt", "/systest/upstream.key")
    ct.check(*service, "--unit=dns-stub", "python3", f"{TESTS}/dns_stub.py")
    ct.check(*service, "--unit=metadata", "python3", "-m", "http.server", "--bind", addr,
             "--directory", "/srv", METADATA.partition(":")[2])
    for url in (f"http://127.0.0.1:{UPSTREAM_PORT}/_fake/requests",
                f"https://{TLS_HOST}:{TLS_PORT}/_fake/requests",
                f"http://{DNS_HOST}:{UPSTREAM_PORT}/_fake/requests",
                f"http://{METADATA}/"):
        deadline = time.monotonic() + 15
        while ct.run("curl", "-s", "-o", "/dev/null", url).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up:\n"
                                   + ct.run("journalctl", "--no-pager", "-n", "30").stdout)
            time.sleep(0.2)


def trust_test_ca(ct: Container, trusted: bool) -> None:
    """Adds the test CA to the system's trust store, or takes it out, the way an administrator
    does: a file in /usr/local/share/ca-certificates, then update-ca-certificates (which runs
    the hooks in /etc/ca-certificates/update.d, the package's among them)."""
    if trusted:
        ct.check("install", "-m", "0644", CA_CERT, TEST_CA)
    else:
        ct.check("rm", "-f", TEST_CA)
    ct.check("update-ca-certificates", timeout=120)


def configure(ct: Container, material: Material, conf_dir: str) -> None:
    """The operator's part: the key, and the settings every check starts from."""
    ct.write(f"{conf_dir}/openai-api-key", material.key, "0600")
    ct.write(f"{conf_dir}/o1-proxy.env", f"OPENAI_BASE_URL={BASE_URL}\n", "0600")
