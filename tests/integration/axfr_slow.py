#!/usr/bin/env python3
"""An AXFR read slowly, as a secondary on a thin or busy link reads it,
so that the transfer is still under way while the zone changes.

  axfr_slow.py --port P --zone Z --out FILE [--stall S]

Reads the first message, then nothing for S seconds (default 3; the
daemon's side fills and it waits for the reader mid-zone), then the
rest; from 127.0.0.1 only, for at most 60 s.
Writes the zone the transfer sent to FILE (one RR per line, absolute
names, its SOA once) and prints one line:
  "complete serial=N records=N seconds=S" when the transfer ended with
  the SOA it began with, or "incomplete: WHY" (exit status 1).
"""
import argparse
import socket
import struct
import sys
import time

import dns.exception
import dns.message
import dns.name
import dns.rdatatype

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
    args = ap.parse_args()

    query = dns.message.make_query(args.zone, dns.rdatatype.AXFR)
    wire = query.to_wire()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A small window, so that the server's side fills and the transfer
    # goes at the reader's pace.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
    sock.settimeout(15)
    sock.connect(("127.0.0.1", args.port))
    sock.sendall(struct.pack("!H", len(wire)) + wire)
    start = time.monotonic()
    deadline = start + DEADLINE
    rrs = []
    first_soa = None
    try:
        while True:
            (length,) = struct.unpack("!H", read_exact(sock, 2, deadline))
            msg = dns.message.from_wire(read_exact(sock, length, deadline),
                                        one_rr_per_rrset=True)
            if first_soa is None:
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
    print("complete serial=%d records=%d seconds=%.1f" % (first_soa, len(rrs) - 1,
                                                          time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
