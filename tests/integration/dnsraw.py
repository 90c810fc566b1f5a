#!/usr/bin/env python3
"""Send hand-made DNS messages to a server and describe the replies.

Used by the integration tests for what kdig cannot send: malformed
packets, and several queries pipelined in one TCP write. Standard library
only; talks to 127.0.0.1 (or ::1) only.

  dnsraw.py --port P udp HEX          one datagram; prints the reply header
  dnsraw.py --port P tcp HEX [HEX..]  one TCP write with every message
                                      length-prefixed; prints each reply
  dnsraw.py --port P pipeline N       N different queries in one TCP write
                                      (names from --names), prints each reply
Reply lines: "id=ID rcode=NAME flags=qr,aa,... qd=N an=N ns=N ar=N"
or "no reply" when none came within the timeout.
"""
import argparse
import socket
import struct
import sys

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
          5: "REFUSED", 9: "NOTAUTH"}
FLAGS = [(0x8000, "qr"), (0x0400, "aa"), (0x0200, "tc"), (0x0100, "rd"),
         (0x0080, "ra"), (0x0020, "ad"), (0x0010, "cd")]


def describe(msg):
    if len(msg) < 12:
        return "short reply (%d octets)" % len(msg)
    mid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
    names = ",".join(n for bit, n in FLAGS if flags & bit) or "-"
    rcode = RCODES.get(flags & 0xF, str(flags & 0xF))
    return "id=%d rcode=%s flags=%s qd=%d an=%d ns=%d ar=%d" % (mid, rcode, names, qd, an, ns, ar)


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(mid, name, qtype=1):
    return struct.pack("!HHHHHH", mid, 0x0100, 1, 0, 0, 0) + wire_name(name) + \
        struct.pack("!HH", qtype, 1)


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def tcp_exchange(host, port, msgs, timeout):
    s = socket.create_connection((host, port), timeout=timeout)
    s.sendall(b"".join(struct.pack("!H", len(m)) + m for m in msgs))
    out = []
    try:
        for _ in msgs:
            n = struct.unpack("!H", recv_exact(s, 2))[0]
            out.append(recv_exact(s, n))
    except (socket.timeout, EOFError):
        pass
    s.close()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "::1"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--names", default="www.dnssd.test")
    ap.add_argument("mode", choices=["udp", "tcp", "pipeline"])
    ap.add_argument("args", nargs="+")
    a = ap.parse_args()
    if a.mode == "udp":
        fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(a.timeout)
        s.sendto(bytes.fromhex(a.args[0]), (a.host, a.port))
        try:
            print(describe(s.recvfrom(65535)[0]))
        except socket.timeout:
            print("no reply")
    elif a.mode == "tcp":
        replies = tcp_exchange(a.host, a.port, [bytes.fromhex(h) for h in a.args], a.timeout)
        for r in replies:
            print(describe(r))
        if not replies:
            print("no reply")
    else:
        n = int(a.args[0])
        names = a.names.split(",")
        msgs = [query(1000 + i, names[i % len(names)]) for i in range(n)]
        replies = tcp_exchange(a.host, a.port, msgs, a.timeout)
        for r in replies:
            print(describe(r))
        print("replies=%d" % len(replies))
    return 0


if __name__ == "__main__":
    sys.exit(main())
