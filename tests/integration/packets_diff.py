#!/usr/bin/python3
"""Send odd and malformed messages to two servers and compare the replies'
shapes, for test_answers_knot.sh: the gateway and Knot DNS serving the same
zone.

  packets_diff.py GW_PORT KNOT_PORT

Each case is one hand-made message: header bits, every opcode, question
counts, records where a query has none, OPT variants (version, flags,
payload, owner, place, two of them), EDNS options (unknown, NSID, ECS,
keepalive, padding, cookies of every length), classes, meta types,
truncations and compression loops. Each goes over UDP and over TCP to both
servers. Compared: whether a reply came, its ID, opcode, rcode (with the
OPT's extended bits), flags, counts, the question echoed, and its OPT
(version, DO, option codes).

Besides the comparison, rules the gateway keeps whatever Knot does:
  - a reply echoes the ID and has QR set;
  - a reply to a query with a well-formed OPT has an OPT (RFC 6891 7),
    transfers, NOTIFY and TSIG errors included;
  - a FORMERR is no larger than the message it answers (nothing to
    amplify with);
  - a query with no question and only a COOKIE gets a server cookie (RFC
    7873 5.4).

The differences the two have by design are in ALLOWED, each with why;
anything else is printed and the exit status is 1. Loopback only; every
exchange has a timeout, so the run ends by itself.
"""
import concurrent.futures
import socket
import struct
import sys

import dns.message
import dns.opcode
import dns.rrset
import dns.tsigkeyring

ZONE = "diff.test."
FLAG_BITS = [(0x8000, "qr"), (0x0400, "aa"), (0x0200, "tc"), (0x0100, "rd"), (0x0080, "ra"),
             (0x0040, "z"), (0x0020, "ad"), (0x0010, "cd")]
FORMERR, NOTIMP, REFUSED = 1, 4, 5


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("latin-1")
    return out + b"\0"


def opt(payload=1232, version=0, do=False, zflags=0, options=b"", owner=b"\0"):
    ttl = (version << 16) | (0x8000 if do else 0) | zflags
    return owner + struct.pack("!HHIH", 41, payload, ttl, len(options)) + options


def option(code, data=b""):
    return struct.pack("!HH", code, len(data)) + data


def a_record(name="www." + ZONE):
    return wire_name(name) + struct.pack("!HHIH", 1, 1, 60, 4) + bytes(4)


def message(flags=0, questions=None, an=(), ns=(), ar=(), qdcount=None, trailing=b""):
    if questions is None:
        questions = [("www." + ZONE, 1, 1)]
    body = b"".join(wire_name(n) + struct.pack("!HH", t, c) for n, t, c in questions)
    body += b"".join(an) + b"".join(ns) + b"".join(ar) + trailing
    qd = len(questions) if qdcount is None else qdcount
    return struct.pack("!HHHHHH", 0x1234, flags, qd, len(an), len(ns), len(ar)) + body


def raw(body, qdcount=1):
    return struct.pack("!HHHHHH", 0x1234, 0, qdcount, 0, 0, 0) + body


# Each case: name -> (message, whether its OPT is well-formed, whether it
# goes over UDP only: an AXFR over TCP is a transfer, checked apart).
CASES = {}


def case(name, data, opt_ok=False, udp_only=False):
    CASES[name] = (data, opt_ok, udp_only)


case("plain", message())
case("edns", message(ar=[opt()]), True)
case("do", message(ar=[opt(do=True)]), True)
for bit, bname in FLAG_BITS[1:]:
    case("flag-" + bname, message(flags=bit, ar=[opt()]), True)
    case("flag-" + bname + "-noedns", message(flags=bit))
case("flag-qr", message(flags=0x8000, ar=[opt()]), True)
for op in range(16):
    case("opcode%d" % op, message(flags=op << 11, ar=[opt()]), True)
    case("opcode%d-noedns" % op, message(flags=op << 11))
case("qdcount0", message(questions=[], ar=[opt()]), True)
case("qdcount0-noedns", message(questions=[]))
case("qdcount2", message(questions=[("www." + ZONE, 1, 1)] * 2, ar=[opt()]), True)
case("qdcount2-one-question", message(qdcount=2))
case("answer-record", message(an=[a_record()], ar=[opt()]), True)
case("authority-record", message(ns=[a_record()], ar=[opt()]), True)
case("additional-record", message(ar=[a_record()]))
case("additional-record-and-opt", message(ar=[a_record(), opt()]), True)
case("opt-in-answer", message(an=[opt()]))
case("opt-in-authority", message(ns=[opt()]))
case("opt-two", message(ar=[opt(), opt()]))
case("opt-owner-not-root", message(ar=[opt(owner=wire_name("x."))]))
for v in (1, 255):
    case("opt-version%d" % v, message(ar=[opt(version=v)]), True)
case("opt-z-flags", message(ar=[opt(zflags=0x4000)]), True)
case("opt-z-flags-do", message(ar=[opt(zflags=0x7fff, do=True)]), True)
for p in (0, 1, 511, 512, 513, 4096, 65535):
    case("payload%d" % p, message(ar=[opt(payload=p)]), True)
for code, data, oname in [(65001, b"abc", "unknown"), (3, b"", "nsid"), (9, b"", "expire"),
                          (8, struct.pack("!HBB", 1, 24, 0) + bytes([192, 0, 2]), "ecs"),
                          (11, b"", "keepalive"), (12, bytes(20), "padding"),
                          (13, wire_name(ZONE), "chain"), (15, b"\0\0", "ede")]:
    case("option-" + oname, message(ar=[opt(options=option(code, data))]), True)
case("option-past-end", message(ar=[opt(options=struct.pack("!HH", 65001, 10) + b"ab")]))
for n in (8, 16, 24, 40):
    case("cookie%d" % n, message(ar=[opt(options=option(10, bytes(range(n))))]), True)
for n in (0, 7, 9, 15, 41):
    case("cookie%d-malformed" % n, message(ar=[opt(options=option(10, bytes(n)))]))
case("cookie-only", message(questions=[], ar=[opt(options=option(10, bytes(range(8))))]), True)
case("cookie-only-noedns-answer",
     message(questions=[], an=[a_record()], ar=[opt(options=option(10, bytes(range(8))))]), True)
for cl, cname in [(3, "ch"), (4, "hs"), (254, "none"), (255, "any"), (99, "class99")]:
    case("class-" + cname, message(questions=[("www." + ZONE, 1, cl)], ar=[opt()]), True)
case("chaos-version.bind", message(questions=[("version.bind.", 16, 3)], ar=[opt()]), True)
case("chaos-id.server", message(questions=[("id.server.", 16, 3)], ar=[opt()]), True)
for t, tname in [(0, "0"), (41, "opt"), (249, "tkey"), (250, "tsig"), (253, "mailb"),
                 (254, "maila"), (255, "any"), (65535, "65535"), (65280, "private")]:
    case("qtype-" + tname, message(questions=[("www." + ZONE, t, 1)], ar=[opt()]), True)
case("qtype-axfr-udp", message(questions=[(ZONE, 252, 1)], ar=[opt()]), True, True)
case("outside-zone", message(questions=[("www.example.", 1, 1)], ar=[opt()]), True)
case("root", message(questions=[(".", 2, 1)], ar=[opt()]), True)
case("parent", message(questions=[("test.", 6, 1)], ar=[opt()]), True)
case("upper-case", message(questions=[("WWW.DIFF.TEST.", 1, 1)], ar=[opt()]), True)
case("trailing-octets", message(ar=[opt()], trailing=b"\0\0\0"))
case("trailing-octet-noedns", message(trailing=b"\xff"))
case("additional-count-too-high", message(ar=[opt()])[:10] + b"\0\2" + message(ar=[opt()])[12:])
case("header-only", raw(b""))
case("shorter-than-header", message()[:11])
case("question-truncated", message()[:20])
case("question-without-type", message()[:12 + len(wire_name("www." + ZONE))])
case("question-half-type", message()[:12 + len(wire_name("www." + ZONE)) + 3])
case("pointer-to-itself", raw(b"\xc0\x0c" + struct.pack("!HH", 1, 1)))
case("pointer-forward", raw(b"\xc0\x20" + struct.pack("!HH", 1, 1) + bytes(20)))
case("pointer-in-question", raw(b"\x03www\xc0\x0c" + struct.pack("!HH", 1, 1)))
case("label-64", raw(b"\x40" + b"a" * 64 + b"\0" + struct.pack("!HH", 1, 1)))
case("name-256", raw((b"\x3f" + b"a" * 63) * 4 + b"\0" + struct.pack("!HH", 1, 1)))
case("label-type-0x80", raw(b"\x80\0" + struct.pack("!HH", 1, 1)))
case("label-type-0x40", raw(b"\x41\0\0" + struct.pack("!HH", 1, 1)))
case("tsig-malformed", message(ar=[wire_name("key.") + struct.pack("!HHIH", 250, 255, 0, 3)
                                   + b"abc"]))
case("tsig-not-last", message(ar=[wire_name("key.") + struct.pack("!HHIH", 250, 255, 0, 0),
                                  opt()]))


def describe(reply):
    """The reply's shape as a dict; None for no reply."""
    if reply is None:
        return None
    if len(reply) < 12:
        return {"short": len(reply)}
    mid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", reply[:12])
    d = {"id": mid, "opcode": (flags >> 11) & 0xF, "rcode": flags & 0xF,
         "flags": {n for b, n in FLAG_BITS if flags & b}, "qd": qd, "an": an, "ns": ns,
         "ar": ar, "opt": None, "question": b""}
    pos = 12

    def skip_name(p):
        while p < len(reply):
            if reply[p] == 0:
                return p + 1
            if reply[p] & 0xC0 == 0xC0:
                return p + 2
            p += 1 + reply[p]
        return len(reply)

    for _ in range(qd):
        end = skip_name(pos) + 4
        d["question"] += reply[pos:end]
        pos = end
    try:
        for i in range(an + ns + ar):
            fixed = skip_name(pos)
            rtype, _, ttl, rdlen = struct.unpack("!HHIH", reply[fixed:fixed + 10])
            if rtype == 41:
                rd, options, p = reply[fixed + 10:fixed + 10 + rdlen], [], 0
                while p + 4 <= len(rd):
                    code, olen = struct.unpack("!HH", rd[p:p + 4])
                    options.append((code, olen))
                    p += 4 + olen
                d["rcode"] |= (ttl >> 24) << 4
                d["opt"] = {"version": (ttl >> 16) & 0xFF, "do": bool(ttl & 0x8000),
                            "options": tuple(options), "additional": i >= an + ns}
            pos = fixed + 10 + rdlen
    except struct.error:
        d["unparsed"] = True
    return d


def exchange(port, data, tcp):
    family = socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, family) as s:
        s.settimeout(0.5)
        try:
            if tcp:
                s.connect(("127.0.0.1", port))
                s.sendall(struct.pack("!H", len(data)) + data)
                head = s.recv(2)
                if len(head) < 2:
                    return None
                n, body = struct.unpack("!H", head)[0], b""
                while len(body) < n:
                    chunk = s.recv(n - len(body))
                    if not chunk:
                        break
                    body += chunk
                return body
            s.sendto(data, ("127.0.0.1", port))
            return s.recv(65535)
        except (socket.timeout, ConnectionError):
            return None


def options_of(d):
    return {c for c, _ in d["opt"]["options"]} if d and d.get("opt") else set()


def same_but(g, k, keys):
    """g and k differ in nothing but keys."""
    return g is not None and k is not None and \
        all(g.get(x) == k.get(x) for x in set(g) | set(k) if x not in keys)


def without_options(d, codes):
    if d is None or d.get("opt") is None:
        return d
    e = dict(d)
    e["opt"] = dict(d["opt"], options=tuple(o for o in d["opt"]["options"] if o[0] not in codes))
    return e


# Each: (name, why, test(case name, gateway reply, Knot reply)): true when
# the difference is this one.
ALLOWED = [
    ("CD copied",
     "a security-aware server copies CD from the query (RFC 4035 3.1.6); Knot 3.2 clears it",
     lambda c, g, k: c.startswith("flag-cd") and same_but(g, k, {"flags"})
     and g["flags"] - k["flags"] == {"cd"}),
    ("other opcodes: the header alone",
     "an opcode other than QUERY and NOTIFY is NOTIMP from the header, its sections not read "
     "(UPDATE is not implemented); Knot echoes the question, and answers UPDATE FORMERR or "
     "NOTAUTH",
     lambda c, g, k: c.startswith("opcode") and g and g["rcode"] == NOTIMP and g["qd"] == 0
     and same_but(g, k, {"qd", "question", "rcode"})),
    ("FORMERR, not silence",
     "a message that does not parse gets FORMERR, no larger than itself (a rule below); Knot "
     "sends nothing",
     lambda c, g, k: k is None and g and g["rcode"] == FORMERR),
    ("FORMERR keeps the OPT",
     "an error reply to a query with an OPT carries one (RFC 6891 7), even when the message "
     "is malformed past it; Knot's FORMERR has none",
     lambda c, g, k: g and k and g["rcode"] == k["rcode"] == FORMERR and g["opt"]
     and not k["opt"] and same_but(g, k, {"ar", "opt"})),
    ("a malformed OPT is FORMERR",
     "an OPT not owned by the root and a COOKIE of a length RFC 7873 5.2.2 forbids are "
     "FORMERR, without an OPT (the one sent is not understood); Knot answers them",
     lambda c, g, k: (c.startswith("cookie") and c.endswith("-malformed")
                      or c == "opt-owner-not-root") and g and g["rcode"] == FORMERR),
    ("a payload below 512 is 512",
     "RFC 6891 6.2.5: values below 512 are treated as 512; Knot answers a payload of 1 with "
     "FORMERR",
     lambda c, g, k: c == "payload1" and g and g["rcode"] == 0 and k and k["rcode"] == FORMERR),
    ("options Knot adds",
     "NSID (RFC 5001) is sent here only with identity set, which this test leaves "
     "unset; EXPIRE (RFC 7314) is not implemented here, and Extended DNS Errors (RFC "
     "8914) only for the errors of the next rule; Knot adds them",
     lambda c, g, k: options_of(k) - options_of(g) <= {3, 9, 15} and options_of(k) - options_of(g)
     and without_options(g, {3, 9, 15}) == without_options(k, {3, 9, 15})),
    ("extended errors added here",
     "an error reply says why in an Extended DNS Error (RFC 8914): 21 Not Supported for a "
     "class or an operation not served, 20 Not Authoritative for a name in no zone; Knot "
     "gives none for these",
     lambda c, g, k: options_of(g) - options_of(k) == {15}
     and without_options(g, {15}) == without_options(k, {15})),
    ("server cookies",
     "cookies are on by default here, and a client cookie gets a server cookie back (RFC "
     "7873); Knot has no cookies module loaded",
     lambda c, g, k: options_of(g) - options_of(k) == {10}
     and without_options(g, {10}) == without_options(k, {10})
     or c == "cookie-only" and g and g["rcode"] == 0 and k and k["rcode"] == FORMERR),
    ("CHAOS identity unset",
     "version.bind and id.server are REFUSED unless identity and version are configured; "
     "Knot answers them",
     lambda c, g, k: c.startswith("chaos-") and g and g["rcode"] == REFUSED),
    ("QTYPE 0",
     "type 0 is reserved, not a meta type: NODATA here, NOTIMP from Knot",
     lambda c, g, k: c == "qtype-0" and g and g["rcode"] == 0 and k and k["rcode"] == NOTIMP),
    ("meta types in the question",
     "OPT, TKEY and TSIG are meta types that exist only in transit (RFC 6895 3.1): FORMERR as "
     "a question; Knot answers NODATA",
     lambda c, g, k: c in ("qtype-opt", "qtype-tkey", "qtype-tsig") and g
     and g["rcode"] == FORMERR),
    ("ANY over TCP",
     "over TCP ANY gets every RRset at the name, over UDP one (RFC 8482 allows both); Knot "
     "gives one over both",
     lambda c, g, k: c == "qtype-any" and same_but(g, k, {"an"}) and g["an"] > k["an"]),
]


def rules(name, data, opt_ok, tcp, g, raw_reply):
    """The gateway's own rules for one reply; a list of what is broken."""
    broken = []
    if g is None:
        return broken
    if g.get("id") != 0x1234 or "qr" not in g.get("flags", ()):
        broken.append("the reply does not echo the ID with QR set")
    if opt_ok and not (g.get("opt") and g["opt"]["additional"]):
        broken.append("no OPT in the reply to a query with a well-formed OPT (RFC 6891 7)")
    if g.get("rcode") == FORMERR and len(raw_reply) > len(data):
        broken.append("FORMERR of %d octets to a message of %d" % (len(raw_reply), len(data)))
    # Over TCP a query for a cookie alone gets FORMERR (as Knot).
    if name == "cookie-only" and not tcp and not (
            g.get("rcode") == 0 and g.get("opt") and (10, 24) in g["opt"]["options"]):
        broken.append("a query for a cookie alone got no server cookie (RFC 7873 5.4)")
    return broken


def off_path_rules(port):
    """OPT in the replies the answerer does not write: an AXFR's every
    message, an IXFR over UDP, a NOTIFY, a TSIG error. Returns what is
    broken."""
    broken = []
    query = dns.message.make_query(ZONE, "AXFR", use_edns=0)
    wire = query.to_wire()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        soas, messages = 0, 0
        while soas < 2 and messages < 1000:
            n = struct.unpack("!H", s.recv(2, socket.MSG_WAITALL))[0]
            msg = dns.message.from_wire(s.recv(n, socket.MSG_WAITALL), one_rr_per_rrset=True)
            messages += 1
            soas += sum(1 for rrset in msg.answer if rrset.rdtype == 6)
            if msg.edns < 0:
                broken.append("AXFR message %d without an OPT" % messages)
    query = dns.message.make_query(ZONE, "IXFR", use_edns=0)
    query.authority.append(dns.rrset.from_text(ZONE, 0, "IN", "SOA",
                                                 "ns1.%s h.%s 1 1 1 1 1" % (ZONE, ZONE)))
    notify = dns.message.make_query(ZONE, "SOA", use_edns=0)
    notify.set_opcode(dns.opcode.NOTIFY)
    signed = dns.message.make_query("www." + ZONE, "A", use_edns=0)
    signed.use_tsig(dns.tsigkeyring.from_text({"nokey.": "c2VjcmV0c2VjcmV0c2VjcmV0"}),
                    keyname="nokey.")
    for what, q in (("IXFR over UDP", query), ("NOTIFY", notify), ("TSIG BADKEY", signed)):
        reply = exchange(port, q.to_wire(), False)
        d = describe(reply)
        if d is None or not d.get("opt"):
            broken.append("%s: %s" % (what, "no reply" if d is None else "no OPT in the reply"))
    return broken


def main():
    gw_port, knot_port = int(sys.argv[1]), int(sys.argv[2])
    asked = unexplained = 0
    broken = []
    allowed = {a[0]: 0 for a in ALLOWED}
    # Both servers, every case and transport, a few exchanges at a time:
    # a message Knot does not answer costs a timeout, and they add up.
    work = [(name, tcp) for name, (data, _, udp_only) in CASES.items() for tcp in (False, True)
            # a TCP message shorter than a header is the stream's business
            if not tcp or not (udp_only or len(data) < 12)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(
            lambda w: (exchange(gw_port, CASES[w[0]][0], w[1]),
                       exchange(knot_port, CASES[w[0]][0], w[1])), work))
    for (name, tcp), (raw_g, raw_k) in zip(work, replies):
        data, opt_ok, _ = CASES[name]
        transport = "tcp" if tcp else "udp"
        g, k = describe(raw_g), describe(raw_k)
        asked += 1
        broken += ["%s %s: %s" % (name, transport, b)
                   for b in rules(name, data, opt_ok, tcp, g, raw_g)]
        if g == k:
            continue
        why = next((a[0] for a in ALLOWED if a[2](name, g, k)), None)
        if why is not None:
            allowed[why] += 1
            continue
        unexplained += 1
        print("%s %s:\n    gateway %s\n    Knot    %s" % (name, transport, g, k))
    broken += off_path_rules(gw_port)
    for b in broken:
        print("rule broken: " + b)
    print("asked %d messages, %d replies differ unexplained, %d rules broken"
          % (asked, unexplained, len(broken)))
    for a in ALLOWED:
        print("allowed: %d x %s: %s" % (allowed[a[0]], a[0], a[1]))
    return 1 if unexplained or broken else 0


if __name__ == "__main__":
    sys.exit(main())
