#!/usr/bin/python3
"""A stand-in secondary for NOTIFY: answers every NOTIFY that reaches
ADDR PORT (UDP) the way RFC 1996 asks (same ID, QR set, the question
echoed, nothing else) and prints "notify SERIAL" per NOTIFY it answered,
the serial taken from the SOA in the answer section when there is one.
Runs until killed. Only for the integration tests, on loopback inside
their own namespaces."""
import socket
import struct
import sys


def skip_name(msg, pos):
    while True:
        n = msg[pos]
        if n == 0:
            return pos + 1
        if n & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + n


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    print("ready", flush=True)
    while True:
        msg, peer = s.recvfrom(4096)
        if len(msg) < 12:
            continue
        qid, flags, qd, an = struct.unpack("!HHHH", msg[:8])
        if flags & 0x8000 or (flags >> 11) & 0xF != 4 or qd != 1:
            continue
        qend = skip_name(msg, 12) + 4
        serial = "-"
        if an >= 1:
            p = skip_name(msg, qend)
            rtype, _, _, rdlen = struct.unpack("!HHIH", msg[p:p + 10])
            if rtype == 6:
                rd = p + 10
                rd = skip_name(msg, skip_name(msg, rd))
                serial = str(struct.unpack("!I", msg[rd:rd + 4])[0])
        reply = struct.pack("!HHHHHH", qid, (flags | 0x8000) & ~0x000F, 1, 0, 0, 0)
        s.sendto(reply + msg[12:qend], peer)
        print("notify", serial, flush=True)


if __name__ == "__main__":
    main()
