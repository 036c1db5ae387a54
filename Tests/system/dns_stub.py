"""A DNS server in the test container, where systemd-resolved's stub listens (127.0.0.53):
names under o1-proxy.test are 127.0.0.1, anything else does not exist. With /etc/resolv.conf
a link into /run/systemd/resolve, as on Ubuntu, it shows the proxy still resolves names from
inside its own small tree.

Usage: python3 dns_stub.py
"""

import socket
import struct

A, AAAA, IN = 1, 28, 1
NOERROR, NXDOMAIN = 0, 3


def question(packet: bytes) -> tuple[str, int, int]:
    """(name, type, end of the question) of a query with one question."""
    labels, i = [], 12
    while packet[i]:
        labels.append(packet[i + 1:i + 1 + packet[i]].decode("ascii", "replace"))
        i += 1 + packet[i]
    qtype, _ = struct.unpack("!HH", packet[i + 1:i + 5])
    return ".".join(labels).lower(), qtype, i + 5


def answer(packet: bytes) -> bytes:
    name, qtype, end = question(packet)
    ours = name == "o1-proxy.test" or name.endswith(".o1-proxy.test")
    records = b""
    if ours and qtype == A:        # pointer to the question's name, A, IN, TTL 60, 4 bytes
        records = struct.pack("!HHHIH", 0xC00C, A, IN, 60, 4) + socket.inet_aton("127.0.0.1")
    flags = 0x8180 | (NOERROR if ours else NXDOMAIN)
    header = struct.pack("!HHHHHH", struct.unpack("!H", packet[:2])[0], flags, 1,
                         1 if records else 0, 0, 0)
    return header + packet[12:end] + records


sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.53", 53))
while True:
    data, peer = sock.recvfrom(512)
    try:
        sock.sendto(answer(data), peer)
    except (IndexError, struct.error, UnicodeDecodeError):
        pass
