#!/usr/bin/python3
"""Protocol corners for test_protocol.sh: crafted queries the usual tools
do not send, and a one-line description of each reply.

  proto.py PORT opcode N [--edns]     a query with opcode N, RD and CD set
  proto.py PORT formerr --edns        two questions (FORMERR) with OPT
  proto.py PORT cookies               two COOKIE options in one OPT
  proto.py PORT query NAME TYPE [--do]
  proto.py PORT nsec3owner NAME ZONE  the NSEC3 owner of NAME (RFC 9276:
                                      SHA-1, no salt, no extra iterations)

Prints "rcode=R flags=... opt=yes|no an=N ns=N ar=N" then one line per RR:
"SECTION NAME TYPE". Loopback only; uses python3-dnspython.
"""
import socket
import struct
import sys

import dns.dnssec
import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdatatype


def send(port, wire):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        s.sendto(wire, ("127.0.0.1", port))
        return s.recv(65535)
    except socket.timeout:
        return None
    finally:
        s.close()


def describe(wire):
    if wire is None:
        print("no reply")
        return
    r = dns.message.from_wire(wire, ignore_trailing=True)
    flags = dns.flags.to_text(r.flags).lower().split()
    print(f"rcode={dns.rcode.to_text(r.rcode())} opcode={dns.opcode.to_text(r.opcode())} "
          f"flags={','.join(flags) or '-'} opt={'yes' if r.edns >= 0 else 'no'} "
          f"an={sum(len(x) for x in r.answer)} ns={sum(len(x) for x in r.authority)} "
          f"ar={sum(len(x) for x in r.additional)}")
    for sec, rrsets in (("answer", r.answer), ("authority", r.authority),
                        ("additional", r.additional)):
        for rrset in rrsets:
            for rd in rrset:
                covers = f" {dns.rdatatype.to_text(rd.type_covered)}" \
                    if rrset.rdtype == dns.rdatatype.RRSIG else ""
                print(f"{sec} {rrset.name} {dns.rdatatype.to_text(rrset.rdtype)}{covers}")


def main():
    port, what = int(sys.argv[1]), sys.argv[2]
    args = sys.argv[3:]
    edns = "--edns" in args
    if what == "opcode":
        q = dns.message.make_query("www.deleg.test.", "A", use_edns=0 if edns else False)
        q.set_opcode(int(args[0]))
        q.flags |= dns.flags.RD | dns.flags.CD
        wire = q.to_wire()
    elif what == "formerr":
        q = dns.message.make_query("www.deleg.test.", "A", use_edns=0)
        wire = bytearray(q.to_wire())
        # Announce two questions and repeat the one there is: FORMERR
        # (RFC 1035: one question), with the OPT still readable after.
        name_end = wire.index(b"\x00", 12) + 5
        question = wire[12:name_end]
        struct.pack_into("!H", wire, 4, 2)
        wire = bytes(wire[:name_end]) + bytes(question) + bytes(wire[name_end:])
    elif what == "cookies":
        c1 = dns.edns.GenericOption(10, b"\x01" * 8)
        c2 = dns.edns.GenericOption(10, b"\x02" * 8)
        q = dns.message.make_query("www.deleg.test.", "A", use_edns=0, options=[c1, c2])
        wire = q.to_wire()
    elif what == "nsec3owner":
        print(f"{dns.dnssec.nsec3_hash(args[0], None, 0, 1).lower()}.{args[1]}")
        return
    elif what == "query":
        q = dns.message.make_query(args[0], args[1], use_edns=0,
                                   want_dnssec="--do" in args, payload=1232)
        q.flags &= ~dns.flags.RD
        wire = q.to_wire()
    else:
        sys.exit(f"unknown check {what}")
    describe(send(port, wire))


if __name__ == "__main__":
    main()
