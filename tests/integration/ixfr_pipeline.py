#!/usr/bin/python3
"""Pipeline IXFR queries over one TCP connection, for test_axfr.sh.
Loopback only; python3-dnspython.

  ixfr_pipeline.py PORT ZONE SERIAL COUNT

Sends COUNT IXFR queries that give SERIAL in their authority section
(the zone's current serial: each is answered with the SOA alone), then
COUNT without the SOA (FORMERR), in one write; reads the replies until
the server has answered them all or 10 s passed. Prints answered=N.
"""
import socket
import struct
import sys
import time

import dns.message
import dns.rrset


def main():
    port, zone, serial, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    soa = dns.rrset.from_text(zone, 0, "IN", "SOA",
                              "ns1.%s hostmaster.%s %d 3600 600 86400 30" % (zone, zone, serial))
    out = b""
    for i in range(2 * count):
        q = dns.message.make_query(zone, "IXFR")
        q.id = i
        if i < count:
            q.authority.append(soa)
        wire = q.to_wire()
        out += struct.pack("!H", len(wire)) + wire
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(out)
    buf, answered, deadline = b"", 0, time.monotonic() + 10
    while answered < 2 * count and time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
            buf = buf[2 + struct.unpack("!H", buf[:2])[0]:]
            answered += 1
    s.close()
    print("answered=%d" % answered)


if __name__ == "__main__":
    main()
