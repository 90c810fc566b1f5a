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
import ctypes
import json
import os
import random
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLONE_NEWNET = 0x40000000


class Netns:
    """Enter a named network namespace for the duration of a with block
    (sockets made inside stay in it)."""

    libc = ctypes.CDLL(None, use_errno=True)

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.home = os.open("/proc/self/ns/net", os.O_RDONLY)
        fd = os.open("/var/run/netns/" + self.name, os.O_RDONLY)
        try:
            if self.libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns " + self.name)
        finally:
            os.close(fd)

    def __exit__(self, *exc):
        self.libc.setns(self.home, CLONE_NEWNET)
        os.close(self.home)


def run(*cmd):
    subprocess.run(cmd, check=True)


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


def percentile(values, p):
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


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

    pid = os.getpid()
    ns_lan, ns_gw, if_lan, if_gw = "bmlan%d" % pid, "bmgw%d" % pid, "bl%d" % pid, "bg%d" % pid
    tmp = tempfile.mkdtemp(prefix="gw-bench.")
    # Started as root, the daemon becomes dnssd-gateway once bound: that
    # user must reach its state directory and the ports file.
    subprocess.run(["chown", "dnssd-gateway:", tmp], check=True)
    os.chmod(tmp, 0o755)
    gw = pub = None
    try:
        run("ip", "netns", "add", ns_lan)
        run("ip", "netns", "add", ns_gw)
        run("ip", "link", "add", if_lan, "type", "veth", "peer", "name", if_gw)
        run("ip", "link", "set", if_lan, "netns", ns_lan)
        run("ip", "link", "set", if_gw, "netns", ns_gw)
        for ns, dev, a4, a6 in ((ns_lan, if_lan, "192.0.2.12", "2001:db8::12"),
                                (ns_gw, if_gw, "192.0.2.11", "2001:db8::11")):
            run("ip", "-n", ns, "link", "set", "lo", "up")
            run("ip", "-n", ns, "addr", "add", a4 + "/24", "dev", dev)
            run("ip", "-n", ns, "addr", "add", a6 + "/64", "dev", dev, "nodad")
            run("ip", "-n", ns, "link", "set", dev, "up")
        ll6 = ""
        for _ in range(100):
            text = subprocess.run(["ip", "-n", ns_lan, "-6", "addr", "show", "dev", if_lan,
                                   "scope", "link"], capture_output=True, text=True).stdout
            if "fe80" in text and "tentative" not in text:
                ll6 = text.split("inet6 ")[1].split("/")[0]
                break
            time.sleep(0.1)
        if not ll6:
            sys.exit("mdns_latency: no IPv6 link-local address on the LAN side")

        cfg = os.path.join(tmp, "gateway.yaml")
        with open(cfg, "w") as f:
            f.write("zone: {domain: bench.test.}\nlisten: [\"127.0.0.1@0\"]\n"
                    "ports-file: %s/ports\nstate-dir: %s/state\nlog: {level: notice}\n"
                    "dnssec: {enable: false}\n"
                    "links: [{interface: %s, subdomain: lan}]\n"
                    "mdns:\n  batch-window: %s\n  limits: {changes-per-second: 100000}\n"
                    % (tmp, tmp, if_gw, args.batch_window))
        os.makedirs(os.path.join(tmp, "state"), exist_ok=True)
        log = open(os.path.join(out, "gateway.log"), "w")
        gw = subprocess.Popen(["ip", "netns", "exec", ns_gw,
                               gw_bin, "-c", cfg], stdout=log, stderr=subprocess.STDOUT)
        port = None
        for _ in range(100):
            try:
                with open(os.path.join(tmp, "ports")) as f:
                    port = int(f.readline().split()[2])
                break
            except (OSError, IndexError, ValueError):
                time.sleep(0.1)
        if port is None:
            sys.exit("mdns_latency: the gateway did not start (see %s/gateway.log)" % out)
        with Netns(ns_gw):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.connect(("127.0.0.1", port))

        pub = subprocess.Popen(
            ["ip", "netns", "exec", ns_lan, "/usr/bin/python3",
             os.path.join(ROOT, "tests", "integration", "publish.py"), "--iface", if_lan,
             "--addr4", "192.0.2.12", "--addr6", "2001:db8::12", "--ll6", ll6],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        if pub.stdout.readline().strip() != "ready":
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
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        subprocess.run(["ip", "netns", "del", ns_lan], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "netns", "del", ns_gw], stderr=subprocess.DEVNULL)
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
