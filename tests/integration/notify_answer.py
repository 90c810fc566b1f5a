#!/usr/bin/python3
"""A stand-in secondary for NOTIFY: answers every NOTIFY that reaches
ADDR PORT (UDP) the way RFC 1996 asks (same ID, QR set, the question
echoed, nothing else) and prints "notify SERIAL" per NOTIFY it answered,
the serial taken from the SOA in the answer section when there is one.

    notify_answer.py ADDR PORT [COUNT HOLD]

With COUNT, it listens on COUNT ports from PORT up (PORT 0: ports the
kernel picks, printed as "port N" lines before "ready"), and holds each
answer HOLD seconds; it also prints "got PORT" as each NOTIFY arrives,
so that a test sees how many were under way before the first answer.
Runs until killed. Only for the integration tests, on loopback inside
their own namespaces."""
import select
import socket
import struct
import sys
import time


def skip_name(msg, pos):
    while True:
        n = msg[pos]
        if n == 0:
            return pos + 1
        if n & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + n


def answer(msg):
    """The reply to the NOTIFY msg and its serial, or None."""
    if len(msg) < 12:
        return None
    qid, flags, qd, an = struct.unpack("!HHHH", msg[:8])
    if flags & 0x8000 or (flags >> 11) & 0xF != 4 or qd != 1:
        return None
    qend = skip_name(msg, 12) + 4
    serial = "-"
    if an >= 1:
        p = skip_name(msg, qend)
        rtype, _, _, _ = struct.unpack("!HHIH", msg[p:p + 10])
        if rtype == 6:
            rd = p + 10
            rd = skip_name(msg, skip_name(msg, rd))
            serial = str(struct.unpack("!I", msg[rd:rd + 4])[0])
    reply = struct.pack("!HHHHHH", qid, (flags | 0x8000) & ~0x000F, 1, 0, 0, 0)
    return reply + msg[12:qend], serial


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    hold = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    socks = []
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, port + i if port else 0))
        socks.append(s)
        if not port:
            print("port", s.getsockname()[1], flush=True)
    print("ready", flush=True)
    due = []  # (time, socket, reply, peer, serial), oldest first
    while True:
        wait = max(0.0, due[0][0] - time.monotonic()) if due else None
        readable, _, _ = select.select(socks, [], [], wait)
        for s in readable:
            msg, peer = s.recvfrom(4096)
            got = answer(msg)
            if got is None:
                continue
            if count > 1:
                print("got", s.getsockname()[1], flush=True)
            due.append((time.monotonic() + hold, s, got[0], peer, got[1]))
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, s, reply, peer, serial = due.pop(0)
            s.sendto(reply, peer)
            print("notify", serial, flush=True)


if __name__ == "__main__":
    main()
