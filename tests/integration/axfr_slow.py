#!/usr/bin/env python3
"""An AXFR read slowly, as a secondary on a thin or busy link reads it,
so that the transfer is still under way while the zone changes.

  axfr_slow.py --port P --zone Z --out FILE [--stall S | --go FILE] [--subscribe NAME]

Reads the first message, then nothing for S seconds (default 3; the
daemon's side fills and it waits for the reader mid-zone), or until FILE
exists, then the rest as fast as it comes; from 127.0.0.1 only, for at
most 60 s. With --subscribe, the
connection first subscribes to NAME's A records with DNS Push (RFC 8765,
over plain TCP): the PUSH messages a commit sends then come between the
transfer's messages, and are counted.
Writes the zone the transfer sent to FILE (one RR per line, absolute
names, its SOA once) and prints one line:
  "complete serial=N records=N seconds=S pushes=N" when the transfer
  ended with the SOA it began with, or "incomplete: WHY" (exit status 1).
"""
import argparse
import os
import socket
import struct
import sys
import time

import dns.exception
import dns.message
import dns.name
import dns.rdatatype

from push_client import OPCODE_DSO, dso, subscribe_tlv

DEADLINE = 60.0


def read_exact(sock, n, deadline):
    data = b""
    while len(data) < n:
        if time.monotonic() > deadline:
            raise TimeoutError("no end within %d s" % DEADLINE)
        part = sock.recv(n - len(data))
        if not part:
            raise ConnectionError("the server closed the connection")
        data += part
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--zone", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--stall", type=float, default=3.0)
    ap.add_argument("--go")
    ap.add_argument("--subscribe")
    args = ap.parse_args()

    query = dns.message.make_query(args.zone, dns.rdatatype.AXFR)
    wire = query.to_wire()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A small window, so that the server's side fills and the transfer
    # goes at the reader's pace.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
    sock.settimeout(15)
    sock.connect(("127.0.0.1", args.port))
    start = time.monotonic()
    deadline = start + DEADLINE
    pushes = 0
    if args.subscribe:
        sub = dso(1, subscribe_tlv(args.subscribe, "A"))
        sock.sendall(struct.pack("!H", len(sub)) + sub)
        (length,) = struct.unpack("!H", read_exact(sock, 2, deadline))
        reply = read_exact(sock, length, deadline)
        if reply[3] & 0x0F != 0:
            print("incomplete: SUBSCRIBE answered with rcode %d" % (reply[3] & 0x0F))
            return 1
    sock.sendall(struct.pack("!H", len(wire)) + wire)
    rrs = []
    first_soa = None
    try:
        while True:
            (length,) = struct.unpack("!H", read_exact(sock, 2, deadline))
            data = read_exact(sock, length, deadline)
            if length >= 4 and (data[2] >> 3) & 0x0F == OPCODE_DSO:
                pushes += 1
                continue
            msg = dns.message.from_wire(data, one_rr_per_rrset=True)
            if first_soa is None and args.go:
                while not os.path.exists(args.go) and time.monotonic() < deadline:
                    time.sleep(0.01)
            elif first_soa is None:
                time.sleep(args.stall)
            if msg.rcode() != 0:
                print("incomplete: rcode %s" % msg.rcode())
                return 1
            done = False
            for rrset in msg.answer:
                for line in rrset.to_text().splitlines():
                    rrs.append(line)
                if rrset.rdtype == dns.rdatatype.SOA:
                    serial = rrset[0].serial
                    if first_soa is None:
                        first_soa = serial
                    elif len(rrs) > 1:
                        if serial != first_soa:
                            print("incomplete: last SOA %d, first %d" % (serial, first_soa))
                            return 1
                        done = True
            if done:
                break
    except (OSError, ConnectionError, TimeoutError, dns.exception.DNSException) as e:
        print("incomplete: %s after %d records" % (e, len(rrs)))
        return 1
    finally:
        sock.close()
    with open(args.out, "w") as f:
        f.write("\n".join(rrs[:-1]) + "\n")
    print("complete serial=%d records=%d seconds=%.1f pushes=%d" %
          (first_soa, len(rrs) - 1, time.monotonic() - start, pushes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
