#!/usr/bin/python3
"""Crafted mDNS announcements for the hostile-link integration tests.

Runs inside the test's LAN network namespace. Sends, from port 5353 and
the IPv4 address given with --addr4 (its own mDNS responder, publish.py's
RawSender), one set of records three times (at 0, 1 and 3 s, as a device
announces), answers PTR queries for them, and exits after --linger
seconds. The hosts it names get --addr4 as their A record. Prints "sent"
once the first announcement went out. Nothing is sent anywhere but the
mDNS group of the interface that holds --addr4.

  wildcard          a canary service (canary._http._tcp -> crafthost) and
                    names that would change DNS meaning once mirrored: an
                    instance "*", a host "*", a host "a.*", an instance
                    "_sub", a host on a service type, an instance with a
                    control character
  flood N HOST      N services floodNNNNN._flood._tcp, all on HOST.local
  spread N PREFIX   N services spreadNNNNN._spread._tcp, each on its own
                    host PREFIXNNNNN.local, all at --addr4 (one device
                    under many host names)
  service NAME HOST one service NAME._http._tcp on HOST.local
"""
import argparse
import sys
import time

from publish import RawSender, a, ptr, srv, txt

SERVICES = ["_services", "_dns-sd", "_udp", "local"]
HTTP = ["_http", "_tcp", "local"]


def service(inst_labels, host_labels, addr, port=80):
    """PTR, SRV, TXT and the host's A of one _http._tcp-like service."""
    btype = inst_labels[1:]
    return [ptr(btype, inst_labels), srv(inst_labels, port, host_labels),
            txt(inst_labels, [b"path=/"]), a(host_labels, addr)]


def wildcard(addr):
    recs = [ptr(SERVICES, HTTP)]
    recs += service(["canary"] + HTTP, ["crafthost", "local"], addr)
    # "*" as the instance label: *._http._tcp.<link>.<zone> is a wildcard
    # owner (RFC 4592), answering for every absent instance of the type.
    recs += service(["*"] + HTTP, ["attacker", "local"], addr)
    # "*" as a host: *.<link>.<zone> would answer for every absent host.
    recs += service(["starhost"] + HTTP, ["*", "local"], addr)
    # "*" inside a host name: *.<link>.<zone> becomes an empty
    # non-terminal wildcard (RFC 4592 4.9).
    recs += service(["deephost"] + HTTP, ["a", "*", "local"], addr)
    # an instance on the parent of the type's subtype names
    recs += service(["_sub"] + HTTP, ["crafthost", "local"], addr)
    # a host on a service type: A records at the browse name
    recs += service(["typehost"] + HTTP, ["_ipp", "_tcp", "local"], addr)
    # a control character in an instance name (RFC 6763 4.1.1)
    recs += service([b"bad\x01inst"] + HTTP, ["crafthost", "local"], addr)
    return recs


def flood(n, host, addr):
    ftype = ["_flood", "_tcp", "local"]
    recs = [ptr(SERVICES, ftype), a([host, "local"], addr)]
    for i in range(n):
        inst = ["flood%05d" % i] + ftype
        recs += [ptr(ftype, inst), srv(inst, 80, [host, "local"]), txt(inst, [b"n=%d" % i])]
    return recs


def spread(n, prefix, addr):
    stype = ["_spread", "_tcp", "local"]
    recs = [ptr(SERVICES, stype)]
    for i in range(n):
        inst = ["spread%05d" % i] + stype
        host = ["%s%05d" % (prefix, i), "local"]
        recs += [ptr(stype, inst), srv(inst, 80, host), txt(inst, [b"n=%d" % i]),
                 a(host, addr)]
    return recs


def owner_of(rec):
    """The owner's labels of a record, and the offset of its type."""
    labels, pos = [], 0
    while rec[pos] != 0:
        labels.append(rec[pos + 1:pos + 1 + rec[pos]])
        pos += rec[pos] + 1
    return labels, pos + 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--addr4", required=True)
    p.add_argument("--linger", type=float, default=60)
    p.add_argument("case", nargs="+")
    args = p.parse_args()
    case = args.case
    if case[0] == "wildcard":
        recs = wildcard(args.addr4)
    elif case[0] == "flood":
        recs = flood(int(case[1]), case[2], args.addr4)
    elif case[0] == "spread":
        recs = spread(int(case[1]), case[2], args.addr4)
    elif case[0] == "service":
        recs = service([case[1]] + HTTP, [case[2], "local"], args.addr4)
        recs.insert(0, ptr(SERVICES, HTTP))
    else:
        sys.exit("unknown case " + case[0])
    sender = RawSender(args.addr4)
    # Answer browse queries for what is announced here (PTR and ANY).
    by_owner = {}
    for rec in recs:
        labels, pos = owner_of(rec)
        if rec[pos:pos + 2] == b"\0\x0c":
            by_owner.setdefault(tuple(labels), []).append(rec)
    for labels, owned in by_owner.items():
        sender.answer(list(labels), owned)
    start = time.monotonic()
    for i, at in enumerate((0, 1, 3)):
        time.sleep(max(0, start + at - time.monotonic()))
        sender.send(recs)
        if i == 0:
            print("sent", flush=True)
    time.sleep(max(0, start + args.linger - time.monotonic()))


if __name__ == "__main__":
    main()
