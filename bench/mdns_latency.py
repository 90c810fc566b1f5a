#!/usr/bin/python3
"""Latency of the mDNS mirror: from a service's registration on the link to
the gateway's first correct unicast answer for it.

Builds two network namespaces joined by a veth pair (addresses from
192.0.2.0/24 and 2001:db8::/32), runs dnssd-gateway in one and
tests/integration/publish.py (python3-zeroconf) in the other. For each of
--count services, in turn: the publisher registers NAME._http._tcp (no
probing, so the registration is its announcement) and reports the
CLOCK_MONOTONIC time it did; this script then asks the gateway for the
SRV of NAME._http._tcp.lan.<domain> every --poll milliseconds until the
answer holds it. Latency = answer time - registration time. Prints and
saves p50/p90/p99 (and min, mean, max). Root is needed (namespaces); all
traffic stays in the namespaces.

  bench/mdns_latency.py                       # 200 services, defaults
  bench/mdns_latency.py --count 100 --batch-window 20ms
  GW_BIN=/path/to/dnssd-gateway bench/mdns_latency.py
"""
import argparse
import json
import os
import random
import socket
import statistics
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from linkpair import ROOT, LinkPair, Netns, percentile, ports_file_port, state_tmp, stop  # noqa: E402


def query(name, qtype):
    qid = random.randrange(65536)
    msg = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        msg += bytes([len(label)]) + label.encode()
    return qid, msg + b"\0" + struct.pack("!HH", qtype, 1)


def answered(sock, name, timeout):
    """True when the gateway answers NAME SRV with at least one record."""
    qid, msg = query(name, 33)
    sock.send(msg)
    sock.settimeout(timeout)
    try:
        while True:
            reply = sock.recv(4096)
            if len(reply) >= 12 and struct.unpack("!H", reply[:2])[0] == qid:
                rcode = reply[3] & 0xF
                ancount = struct.unpack("!H", reply[6:8])[0]
                return rcode == 0 and ancount > 0
    except socket.timeout:
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=200, help="services registered (>= 100)")
    ap.add_argument("--batch-window", default="50ms", help="mdns.batch-window of the gateway")
    ap.add_argument("--poll", type=float, default=2.0, help="milliseconds between queries")
    ap.add_argument("--gap", type=float, default=0.0,
                    help="milliseconds of quiet before each registration: more than the batch "
                    "window measures lone changes (committed after a short settle); 0 measures "
                    "back-to-back registrations, each within the window of the one before")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for one service")
    ap.add_argument("--out", default=None, help="directory for results.json (default "
                    "bench/out/mdns-latency-YYYYmmdd-HHMMSS)")
    args = ap.parse_args()
    if args.count < 100:
        ap.error("--count must be at least 100")
    if os.geteuid() != 0:
        sys.exit("mdns_latency: network namespaces need root")
    gw_bin = os.environ.get("GW_BIN", os.path.join(ROOT, "build-rel", "gateway", "dnssd-gateway"))
    if not os.access(gw_bin, os.X_OK):
        sys.exit("mdns_latency: no gateway binary at %s (set GW_BIN)" % gw_bin)
    out = args.out or os.path.join(ROOT, "bench", "out",
                                   time.strftime("mdns-latency-%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)

    link = LinkPair("bm", "bl", "bg")
    tmp = state_tmp("gw-bench.")
    gw = pub = None
    try:
        ll6 = link.up()
        if not ll6:
            sys.exit("mdns_latency: no IPv6 link-local address on the LAN side")

        log = open(os.path.join(out, "gateway.log"), "w")
        gw = link.gateway(gw_bin, tmp,
                          "dnssec: {enable: false}\n"
                          "mdns:\n  batch-window: %s\n  limits: {changes-per-second: 100000}\n"
                          % args.batch_window, log)
        port = ports_file_port(os.path.join(tmp, "ports"))
        if port is None:
            sys.exit("mdns_latency: the gateway did not start (see %s/gateway.log)" % out)
        with Netns(link.ns_gw):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.connect(("127.0.0.1", port))

        pub = link.publisher(ll6)
        if pub is None:
            sys.exit("mdns_latency: the publisher did not start")
        time.sleep(1.0)  # the gateway's link is up and browsing

        latencies, missed = [], 0
        for i in range(args.count):
            name = "bench%04d" % i
            time.sleep(args.gap / 1000.0)
            pub.stdin.write("bench %s\n" % name)
            line = pub.stdout.readline().split()
            if line[:3] != ["ok", "bench", name]:
                sys.exit("mdns_latency: publisher: %s" % " ".join(line))
            t0 = float(line[3])
            qname = "%s._http._tcp.lan.bench.test." % name
            deadline = t0 + args.timeout
            while not answered(sock, qname, args.poll / 1000.0):
                if time.monotonic() > deadline:
                    missed += 1
                    break
                time.sleep(args.poll / 1000.0)
            else:
                latencies.append((time.monotonic() - t0) * 1000.0)
        pub.stdin.write("quit\n")
        pub.stdin.flush()

        res = {
            "services": args.count, "answered": len(latencies), "missed": missed,
            "batch_window": args.batch_window, "poll_ms": args.poll, "gap_ms": args.gap,
            "p50_ms": percentile(latencies, 50), "p90_ms": percentile(latencies, 90),
            "p99_ms": percentile(latencies, 99), "min_ms": min(latencies),
            "mean_ms": statistics.mean(latencies), "max_ms": max(latencies),
            "latencies_ms": [round(v, 3) for v in latencies],
        }
        with open(os.path.join(out, "results.json"), "w") as f:
            json.dump(res, f, indent=1)
        print("mDNS registration -> unicast answer, %d services (%d answered, %d missed), "
              "batch window %s, gap %g ms:" % (args.count, len(latencies), missed,
                                               args.batch_window, args.gap))
        print("  p50 %.1f ms   p90 %.1f ms   p99 %.1f ms   (min %.1f, mean %.1f, max %.1f)"
              % (res["p50_ms"], res["p90_ms"], res["p99_ms"], res["min_ms"], res["mean_ms"],
                 res["max_ms"]))
        print("results in %s" % out)
        return 0 if missed == 0 else 1
    finally:
        for p in (pub, gw):
            stop(p)
        link.down()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
