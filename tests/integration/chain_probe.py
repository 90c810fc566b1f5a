#!/usr/bin/python3
"""Ask a validating resolver for names every 100 ms and judge every answer.

Run with Debian's /usr/bin/python3 (python3-dnspython), inside the chain's
namespace (chain.sh's chain_probe_start):

  chain_probe.py --server 192.0.2.4 [--port 53] [--interval 0.1]
                 [--duration 300] [--log FILE] [--timeout 2]
                 [--no-require-ad] [--allow-unreachable]
                 NAME[/TYPE] ...

Each tick sends one query per NAME (TYPE defaults to A) with RD and DO set
and records, per answer, the time, the name, the rcode, whether AD was set
and the latency; a line per answer goes to --log. The probe runs until
SIGTERM or SIGINT, or until --duration (bounded: 600 s at most) ends, then
prints a summary:

  probe: 312 queries, 0 SERVFAIL, 0 without AD, 0 timeouts, rcodes NOERROR=208 NXDOMAIN=104
  probe: first failures: ...        (only when there are failures)

(each answer line shows the Extended DNS Error, RFC 8914, that Unbound
gives with a SERVFAIL: EDE=6 bogus, EDE=9 DNSKEY missing, EDE=22 no
reachable authority, ...) and exits 0 if every answer was NOERROR or NXDOMAIN with AD, 1 otherwise
(a SERVFAIL, any other rcode, a missing AD, or no answer within
--timeout seconds, 2 by default),
2 if it sent no query at all. --no-require-ad accepts answers without AD
(for a zone that is going insecure on purpose); SERVFAIL still fails.
--allow-unreachable lets a timeout, or a SERVFAIL without a DNSSEC
Extended DNS Error (1..12; Unbound adds 6 Bogus, 9 DNSKEY Missing, ...
to a validation failure), pass: the gateway was
down (kill -9 and a restart), not bogus; counted apart in the summary.
"""
import argparse
import signal
import sys
import time

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--server", required=True)
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--interval", type=float, default=0.1)
    p.add_argument("--duration", type=float, default=300.0)
    p.add_argument("--log", default="/dev/null")
    p.add_argument("--timeout", type=float, default=2.0,
                   help="seconds to wait for an answer (longer while the gateway restarts)")
    p.add_argument("--no-require-ad", action="store_true")
    p.add_argument("--allow-unreachable", action="store_true",
                   help="a SERVFAIL whose EDE is 22 (no reachable authority) or 23 (network "
                        "error) is counted apart and does not fail: the server was down (a "
                        "restart), which is not a validation failure")
    p.add_argument("names", nargs="+", help="NAME or NAME/TYPE")
    args = p.parse_args()
    queries = []
    for n in args.names:
        name, _, rdtype = n.partition("/")
        queries.append((name, rdtype or "A"))

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    t0 = time.monotonic()
    end = t0 + min(args.duration, 600.0)
    total = servfail = no_ad = timeouts = unreachable = 0
    rcodes = {}
    failures = []
    with open(args.log, "a", buffering=1) as log:
        while not stop and time.monotonic() < end:
            tick = time.monotonic()
            for name, rdtype in queries:
                q = dns.message.make_query(name, rdtype, want_dnssec=True)
                q.flags |= dns.flags.AD
                sent = time.monotonic()
                try:
                    r = dns.query.udp(q, args.server, port=args.port, timeout=args.timeout)
                    if r.flags & dns.flags.TC:
                        r = dns.query.tcp(q, args.server, port=args.port, timeout=args.timeout)
                    rcode = dns.rcode.to_text(r.rcode())
                    ad = bool(r.flags & dns.flags.AD)
                    # Extended DNS Errors (RFC 8914) say why: 6 DNSSEC
                    # Bogus, 9 DNSKEY Missing, 22 No Reachable Authority...
                    ede = ["EDE=%d%s" % (o.code, (":" + o.text) if o.text else "")
                           for o in r.options if o.otype == dns.edns.EDE]
                except (dns.exception.Timeout, OSError) as e:
                    rcode, ad, ede = "TIMEOUT", False, []
                    del e
                ms = (time.monotonic() - sent) * 1000
                total += 1
                rcodes[rcode] = rcodes.get(rcode, 0) + 1
                bad = ""
                # While the gateway is down an answer may fail for want of
                # a server, never for DNSSEC: EDE 1..12 are the DNSSEC
                # codes (RFC 8914), which a bogus answer carries.
                dnssec_ede = any(int(e[4:].split(":")[0]) in range(1, 13) for e in ede)
                if args.allow_unreachable and (
                        rcode == "TIMEOUT" or (rcode == "SERVFAIL" and not dnssec_ede)):
                    unreachable += 1
                elif rcode == "SERVFAIL":
                    servfail += 1
                    bad = "SERVFAIL"
                elif rcode == "TIMEOUT":
                    timeouts += 1
                    bad = "no answer"
                elif rcode not in ("NOERROR", "NXDOMAIN"):
                    bad = rcode
                elif not ad:
                    no_ad += 1
                    if not args.no_require_ad:
                        bad = "no AD"
                stamp = time.strftime("%H:%M:%S", time.localtime()) + ".%03d" % int((time.time() % 1) * 1000)
                line = "%s +%.1fs %s %s %s %s %.0fms%s%s" % (
                    stamp, sent - t0, name, rdtype, rcode, "AD" if ad else "-", ms,
                    "".join(" " + e for e in ede), ("  <-- " + bad) if bad else "")
                log.write(line + "\n")
                if bad and len(failures) < 10:
                    failures.append(line)
            wait = tick + args.interval - time.monotonic()
            while wait > 0 and not stop:
                time.sleep(min(wait, 0.05))
                wait = tick + args.interval - time.monotonic()
    print("probe: %d queries in %.1f s, %d SERVFAIL, %d without AD%s, %d timeouts, rcodes %s%s" % (
        total, time.monotonic() - t0, servfail, no_ad, " (allowed)" if args.no_require_ad else "",
        timeouts, " ".join("%s=%d" % kv for kv in sorted(rcodes.items())),
        (", %d SERVFAIL for an unreachable server (allowed)" % unreachable) if args.allow_unreachable else ""))
    if failures:
        print("probe: first failures:")
        for f in failures:
            print("    " + f)
    if total == 0:
        return 2
    other = total - rcodes.get("NOERROR", 0) - rcodes.get("NXDOMAIN", 0) - servfail - timeouts - unreachable
    return 1 if (servfail or (no_ad and not args.no_require_ad) or timeouts or other) else 0


if __name__ == "__main__":
    sys.exit(main())
