#!/usr/bin/python3
"""Ask two servers the same questions and compare the answers, for
test_answers_knot.sh: the gateway and Knot DNS serving the same records.

  answers_diff.py GW_PORT KNOT_PORT ZONE_FILE nsec|nsec3

The questions: every owner name of ZONE_FILE and names around them (below,
beside, under wildcards, under cuts, empty non-terminals), each for every
type of TYPES, in five ways: UDP with DO, UDP with EDNS and no DO, UDP
without EDNS, TCP with DO, and UDP with DO in mixed letter case. Compared:
the rcode, AA and TC, and the answer and authority sections record for
record (owner, TTL, type, rdata; owner case too in mixed case). The
additional section is not compared: what it carries is each server's
choice (RFC 6763 12 asks more of a DNS-SD server than Knot gives).

The differences the two have by design are in ALLOWED, each with why;
anything else is printed and the exit status is 1. Loopback only; every
question has a 3 s timeout, so the run ends by itself.
"""
import itertools
import random
import sys

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype

TYPES = ["A", "AAAA", "TXT", "MX", "SRV", "PTR", "NS", "SOA", "DS", "DNSKEY", "NSEC",
         "NSEC3", "NSEC3PARAM", "RRSIG", "CNAME", "ANY", "TYPE999", "CAA", "HINFO"]
MODES = ["do", "edns", "plain", "tcp", "case"]
# Names that are not owners but must be asked: below and beside the owners,
# under wildcards (several labels deep), under cuts, empty non-terminals,
# the wildcard itself, escaped labels. Relative to the zone.
AROUND = ["foo.wild", "a.b.c.wild", "x.a.b.deep", "a.b.deep", "b.deep", "deep", "q.wc",
          "q.wcd", "host.secure", "x.plain", "y.ent", "ent", "z.y.ent", "nonexist", "zz.www",
          "_tcp", "_udp", "_dns-sd._udp", "wild", "wc", "*.wild", "x.*.wild", "a.b.x.y.ent",
          "x.ns.secure", "www.plain", "zzzz", "aaaa", "0", "~", "a.ent", "mixed.case",
          "sub.mixed.case", "xx._ipp._tcp", "a.c1", "x.cw", "x.loop1",
          "my\\032printer._ipp._tcp", "dot\\.label", "dot.label",
          # below DNAMEs: out of the zone, onto a name, onto data, onto a
          # wildcard, and a name too long once rewritten (YXDOMAIN)
          "x.dn", "a.b.dn2", "www.dn2", "a.dn3", "b.dn3", "q.dn4", "a.b.dn4", "tgt", "x.dnl",
          "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd.dnl"]
NSEC_TYPES = (dns.rdatatype.NSEC, dns.rdatatype.NSEC3)


def records(section, exact_case):
    out = set()
    for rrset in section:
        owner = rrset.name.to_text()
        for rd in rrset:
            out.add((owner if exact_case else owner.lower(), rrset.ttl, rrset.rdtype,
                     rd.to_text().lower()))
    return out


def lowered(recs):
    return {(r[0].lower(),) + r[1:] for r in recs}


def chain_names(reply):
    """The question's name and the CNAME targets of the answer, lowercase."""
    names = {reply.question[0].name.to_text().lower()}
    for rrset in reply.answer:
        if rrset.rdtype == dns.rdatatype.CNAME:
            names |= {rd.target.to_text().lower() for rd in rrset}
    return names


def is_denial(rec):
    """An NSEC or NSEC3 record, or the RRSIG over one."""
    _, _, rdtype, text = rec
    if rdtype in NSEC_TYPES:
        return True
    return rdtype == dns.rdatatype.RRSIG and text.split()[0] in ("nsec", "nsec3")


# Each: (name, why, whether the rcode and flags may differ too, test(qtype,
# mode, denial, gw reply, knot reply, gw-only answer, knot-only answer, gw-only
# authority, knot-only authority)): true when the difference is this one.
ALLOWED = [
    ("ANY and RRSIG over TCP",
     "over TCP, where size is no amplification, ANY gets every RRset at the name "
     "(the chain's last) and RRSIG every signature, the NSEC's included; Knot "
     "gives one RRset's there too (RFC 8482 allows both)",
     False,
     lambda qt, mode, dn, g, k, ga, ka, gn, kn:
     mode == "tcp" and qt in (dns.rdatatype.ANY, dns.rdatatype.RRSIG) and ga and not ka
     and not gn and not kn and all(r[0] in chain_names(g) for r in ga)),
    ("letter case after a DNAME",
     "the name a DNAME synthesises keeps the question's letter case, and the "
     "records answered at it are written under that name; Knot writes them in "
     "the zone's own case (DNS names compare without case)",
     False,
     lambda qt, mode, dn, g, k, ga, ka, gn, kn:
     mode == "case" and any(r.rdtype == dns.rdatatype.DNAME for r in g.answer)
     and lowered(ga) == lowered(ka) and lowered(gn) == lowered(kn)),
    ("proof with an NSEC from a wildcard",
     "a query for NSEC answered from a wildcard carries the proof that the name "
     "itself does not exist, as every wildcard answer does (RFC 4035 3.1.3.3); "
     "Knot gives the expanded NSEC alone",
     False,
     lambda qt, mode, dn, g, k, ga, ka, gn, kn:
     qt == dns.rdatatype.NSEC and not ga and not ka and not kn and gn
     and all(is_denial(r) for r in gn)),
    ("NSEC at an alias in an NSEC3 zone",
     "an NSEC3 zone holds no NSEC, so a query for NSEC at a CNAME follows the "
     "chain like any other type (RFC 1034 4.3.2); Knot answers NODATA at the "
     "alias (NOERROR where the chain may end in NXDOMAIN)",
     True,
     lambda qt, mode, dn, g, k, ga, ka, gn, kn:
     qt == dns.rdatatype.NSEC and dn == "nsec3" and not ka
     and any(rrset.rdtype == dns.rdatatype.CNAME and rrset.name == g.question[0].name
             for rrset in g.answer)),
]


def ask(port, query, tcp):
    if tcp:
        return dns.query.tcp(query, "127.0.0.1", port=port, timeout=3)
    reply = dns.query.udp(query, "127.0.0.1", port=port, timeout=3)
    if reply.flags & dns.flags.TC:
        reply = dns.query.tcp(query, "127.0.0.1", port=port, timeout=3)
    return reply


def main():
    gw_port, knot_port, zone_file, denial = sys.argv[1:5]
    gw_port, knot_port = int(gw_port), int(knot_port)
    zone = dns.name.from_text("diff.test.")
    names = set()
    with open(zone_file) as f:
        for line in f:
            if line.strip() and not line.startswith((";", "$", " ", "\t")):
                names.add(dns.name.from_text(line.split()[0], zone).to_text().lower())
    names |= {dns.name.from_text(n, zone).to_text().lower() for n in AROUND}
    rng = random.Random(7)  # the same mixed case every run
    asked = 0
    unexplained = 0
    allowed = {a[0]: 0 for a in ALLOWED}
    for name, qtype, mode in itertools.product(sorted(names), TYPES, MODES):
        qname = name
        if mode == "case":
            qname = "".join(c.upper() if rng.random() < 0.5 else c for c in name)
        query = dns.message.make_query(
            qname, qtype, use_edns=None if mode == "plain" else 0,
            want_dnssec=mode in ("do", "tcp", "case"), payload=1232)
        query.flags &= ~dns.flags.RD
        try:
            g = ask(gw_port, query, mode == "tcp")
            k = ask(knot_port, query, mode == "tcp")
        except Exception as e:  # a timeout is an answer that differs
            print(f"{qname} {qtype} {mode}: no reply: {e!r}")
            unexplained += 1
            continue
        asked += 1
        exact = mode == "case"
        ga, ka = records(g.answer, exact), records(k.answer, exact)
        gn, kn = records(g.authority, exact), records(k.authority, exact)
        flags = dns.flags.AA | dns.flags.TC
        same_head = g.rcode() == k.rcode() and (g.flags & flags) == (k.flags & flags)
        if same_head and ga == ka and gn == kn:
            continue
        rt = dns.rdatatype.from_text(qtype)
        why = next((a[0] for a in ALLOWED
                    if (same_head or a[2])
                    and a[3](rt, mode, denial, g, k, ga - ka, ka - ga, gn - kn, kn - gn)), None)
        if why is not None:
            allowed[why] += 1
            continue
        unexplained += 1
        if unexplained <= 40:
            print(f"{qname} {qtype} {mode}: gateway {dns.rcode.to_text(g.rcode())} "
                  f"{dns.flags.to_text(g.flags & flags)}, Knot {dns.rcode.to_text(k.rcode())} "
                  f"{dns.flags.to_text(k.flags & flags)}")
            for label, only in (("answer, gateway only", ga - ka), ("answer, Knot only", ka - ga),
                                ("authority, gateway only", gn - kn),
                                ("authority, Knot only", kn - gn)):
                for r in sorted(only, key=str):
                    print(f"    {label}: {r[0]} {r[1]} {dns.rdatatype.to_text(r[2])} {r[3][:60]}")
    print(f"asked {asked} questions, {unexplained} answers differ unexplained")
    for a in ALLOWED:
        print(f"allowed: {allowed[a[0]]} x {a[0]}: {a[1]}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
