"""TLS material for the HTTPS measurements, all under .build-bench/tls: a bench CA and a server
certificate for 127.0.0.1, and three trust stores that each contain that CA. The system trust
store is only read; the bench mounts these over it in a private mount namespace."""

from __future__ import annotations

import os
import shutil
import subprocess

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
HOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "debian", "update-lean-trust-store")


def make(work: str) -> dict:
    """Paths of the CA, server key and certificate, and the trust stores: `full` (the system
    bundle + the bench CA), `trimmed` (the bench CA alone), `package` (the package's default: a
    copy of the system's store with the bench CA added as update-ca-certificates adds one, in the
    bundle and by hash in the directory, and the one-root file its ca-certificates hook writes
    from that copy: the same trust as `full`, parsed on demand); `full_certs` is the number of
    certificates in `full`."""
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
    # The store as update-ca-certificates leaves it with the bench CA added; then the package's
    # hook, run on it (in a namespace where it is /etc/ssl/certs), writes the lean file.
    store = os.path.join(d, "store")
    shutil.rmtree(store, ignore_errors=True)
    shutil.copytree(os.path.dirname(SYSTEM_BUNDLE), store, symlinks=True)
    with open(os.path.join(store, os.path.basename(SYSTEM_BUNDLE)), "wb") as f:
        f.write(system + b"\n" + ca)
    with open(os.path.join(store, "o1-proxy-bench-ca.pem"), "wb") as f:
        f.write(ca)
    h = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", p["ca"]], capture_output=True,
                       text=True, check=True).stdout.strip()
    n = 0
    while os.path.lexists(os.path.join(store, f"{h}.{n}")):
        n += 1
    os.symlink("o1-proxy-bench-ca.pem", os.path.join(store, f"{h}.{n}"))
    cache = os.path.join(d, "cache")
    shutil.rmtree(cache, ignore_errors=True)
    os.makedirs(cache)
    subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                    f"mount --bind '{store}' /etc/ssl/certs && mount --bind '{cache}' /var/cache && "
                    f"exec '{HOOK}'"], check=True)
    p["store"], p["lean"] = store, os.path.join(cache, "o1-proxy", "ca-certificates.crt")
    with open(p["lean"], "rb") as f:
        p["lean_certs"] = f.read().count(b"BEGIN CERTIFICATE")
    return p


def variants(material: dict) -> dict[str, tuple[list[tuple[str, str]], dict[str, str]]]:
    """Each trust store variant as the bind mounts that put it in place of the system's, and the
    environment; the package's as its unit does it: the hashed directory with the bench CA, and
    the lean file its hook wrote named by O1_PROXY_CA_BUNDLE."""
    return {"full": ([(material["full"], SYSTEM_BUNDLE)], {}),
            "trimmed": ([(material["trimmed"], SYSTEM_BUNDLE)], {}),
            "package": ([(material["store"], os.path.dirname(SYSTEM_BUNDLE))],
                        {"O1_PROXY_CA_BUNDLE": material["lean"]})}
