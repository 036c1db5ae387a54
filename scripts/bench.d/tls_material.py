"""TLS material for the HTTPS measurements, all under .build-bench/tls: a bench CA and a server
certificate for 127.0.0.1, and three trust stores that each contain that CA. The system trust
store is only read; the bench mounts these over it in a private mount namespace."""

from __future__ import annotations

import os
import shutil
import subprocess

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def make(work: str) -> dict:
    """Paths of the CA, server key and certificate, and the trust stores: `full` (the system
    bundle + the bench CA), `trimmed` (the bench CA alone), `lazy` (a copy of the system's hashed
    directory + the bench CA, with a one-root bundle file: the same trust as `full`, parsed on
    demand); `full_certs` is the number of certificates in `full`."""
    d = os.path.join(work, "tls")
    os.makedirs(d, exist_ok=True)
    p = {k: os.path.join(d, v) for k, v in {
        "ca_key": "ca.key", "ca": "ca.crt", "key": "server.key", "csr": "server.csr", "cert": "server.crt",
        "ext": "server.ext", "full": "bundle-full.crt", "trimmed": "bundle-trimmed.crt"}.items()}
    if not os.path.exists(p["cert"]):
        q = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", p["ca_key"], "-out", p["ca"], "-days", "3650", "-subj", "/CN=o1-proxy bench CA"], **q)
        subprocess.run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", p["key"], "-out", p["csr"], "-subj", "/CN=127.0.0.1"], **q)
        with open(p["ext"], "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        subprocess.run(["openssl", "x509", "-req", "-in", p["csr"], "-CA", p["ca"], "-CAkey", p["ca_key"],
                        "-CAcreateserial", "-out", p["cert"], "-days", "3650", "-extfile", p["ext"]], **q)
    with open(p["ca"], "rb") as f:
        ca = f.read()
    with open(SYSTEM_BUNDLE, "rb") as f:
        system = f.read()
    with open(p["full"], "wb") as f:
        f.write(system + b"\n" + ca)
    with open(p["trimmed"], "wb") as f:
        f.write(ca)
    p["full_certs"] = (system + ca).count(b"BEGIN CERTIFICATE")
    # OpenSSL looks roots up in a hashed directory (CApath) by subject hash only when needed.
    lazy = os.path.join(d, "capath")
    shutil.rmtree(lazy, ignore_errors=True)
    shutil.copytree(os.path.dirname(SYSTEM_BUNDLE), lazy, symlinks=True)
    first = system[:system.index(b"-----END CERTIFICATE-----") + 26]
    with open(os.path.join(lazy, os.path.basename(SYSTEM_BUNDLE)), "wb") as f:
        f.write(first[first.index(b"-----BEGIN CERTIFICATE-----"):])
    with open(os.path.join(lazy, "o1-proxy-bench-ca.pem"), "wb") as f:
        f.write(ca)
    h = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", p["ca"]], capture_output=True,
                       text=True, check=True).stdout.strip()
    n = 0
    while os.path.lexists(os.path.join(lazy, f"{h}.{n}")):
        n += 1
    os.symlink("o1-proxy-bench-ca.pem", os.path.join(lazy, f"{h}.{n}"))
    p["lazy"] = lazy
    return p


def mounts(material: dict) -> dict[str, list[tuple[str, str]]]:
    """Each trust store variant as the bind mounts that put it in place of the system's."""
    return {"full": [(material["full"], SYSTEM_BUNDLE)], "trimmed": [(material["trimmed"], SYSTEM_BUNDLE)],
            "lazy": [(material["lazy"], os.path.dirname(SYSTEM_BUNDLE))]}
