"""The e2e suite's fake OpenAI upstream, run inside the test container (as a transient unit).

Usage: python3 upstream.py PORT [CERT KEY]
With CERT and KEY it speaks HTTPS (the proxy then needs CERT in its CA bundle).
"""

import ssl
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
import fake_upstream  # noqa: E402

port = int(sys.argv[1])
server = fake_upstream.FakeUpstream("127.0.0.1", port)
if len(sys.argv) == 4:
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(sys.argv[2], sys.argv[3])
    server.httpd.socket = tls.wrap_socket(server.httpd.socket, server_side=True)
server.httpd.serve_forever()
