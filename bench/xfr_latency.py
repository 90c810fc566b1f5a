#!/usr/bin/python3
"""Latency of scale-out: from a change at the gateway to the change served
by NSD and Knot as secondaries (NOTIFY, then IXFR with TSIG).

Starts dnssd-gateway as a signing hidden primary on loopback with a zone
of --services services, and NSD and Knot as its secondaries, configured
with the snippets of docs/guide-scale-out.md (the ones the integration
test uses). Then, --count times: append a record to the zone file, note
CLOCK_MONOTONIC, send SIGHUP (the gateway commits the difference: a new
serial, signed, journaled, NOTIFY sent), and ask each secondary for the
SOA over UDP every --poll milliseconds until it serves the new serial.
Latency = first answer with the new serial - the change. Prints and saves
p50/p90/p99 (and min, mean, max) per secondary, and for the gateway itself
(its commit: reload, signing, journal), and checks that every change went
by IXFR. All traffic stays on 127.0.0.1.

  bench/xfr_latency.py                       # 100 changes, 200 services
  bench/xfr_latency.py --count 50 --services 2000
  GW_BIN=/path/to/dnssd-gateway bench/xfr_latency.py
"""
import argparse
import base64
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUIDE = os.path.join(ROOT, "docs", "guide-scale-out.md")
ZONE = "dnssd.bench."


def free_port():
    for _ in range(50):
        t = socket.socket()
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
        except OSError:
            t.close()
            continue
        u.close()
        t.close()
        return port
    sys.exit("xfr_latency: no free port")


def snippet(name, values):
    """The code block after '<!-- snippet: NAME -->' in the guide, filled in."""
    text = open(GUIDE).read()
    m = re.search(r"<!-- snippet: %s -->\n```[a-z]*\n(.*?)```" % re.escape(name), text, re.S)
    if m is None:
        sys.exit("xfr_latency: no snippet %s in %s" % (name, GUIDE))
    body = m.group(1)
    for k, v in values.items():
        body = body.replace("${%s}" % k, str(v))
    return body


def soa_query(qid):
    q = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in ZONE.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack("!HH", 6, 1)


def skip_name(msg, off):
    while True:
        n = msg[off]
        if n >= 0xC0:
            return off + 2
        if n == 0:
            return off + 1
        off += 1 + n


def soa_serial(msg, qid):
    """The serial of the SOA answering query qid, or None."""
    if len(msg) < 12:
        return None
    mid, flags, qd, an = struct.unpack("!HHHH", msg[:8])
    if mid != qid or not flags & 0x8000 or flags & 0xF or an < 1:
        return None
    off = 12
    for _ in range(qd):
        off = skip_name(msg, off) + 4
    off = skip_name(msg, off)
    rtype = struct.unpack("!H", msg[off:off + 2])[0]
    if rtype != 6:
        return None
    off += 10
    off = skip_name(msg, off)
    off = skip_name(msg, off)
    return struct.unpack("!I", msg[off:off + 4])[0]


class Prober:
    """SOA queries over UDP to one server."""

    def __init__(self, port):
        self.addr = ("127.0.0.1", port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        self.qid = random.randrange(65536)

    def ask(self):
        self.qid = (self.qid + 1) & 0xFFFF
        self.sock.sendto(soa_query(self.qid), self.addr)

    def answer(self):
        """The serial in a pending answer to the last query, or None."""
        while True:
            try:
                msg = self.sock.recv(4096)
            except BlockingIOError:
                return None
            serial = soa_serial(msg, self.qid)
            if serial is not None:
                return serial

    def serial(self, timeout=1.0):
        self.ask()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            select.select([self.sock], [], [], 0.05)
            s = self.answer()
            if s is not None:
                return s
        return None


def percentile(values, p):
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def write_zone(path, services):
    with open(path, "w") as f:
        f.write("$ORIGIN %s\n$TTL 120\n" % ZONE)
        f.write("@ 3600 IN SOA ns1 hostmaster 1 3600 600 86400 30\n")
        f.write("@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.53\n")
        f.write("b._dns-sd._udp IN PTR lan\n_services._dns-sd._udp.lan IN PTR _ipp._tcp.lan\n")
        for i in range(services):
            inst = "Printer\\ %05d._ipp._tcp.lan" % i
            f.write("_ipp._tcp.lan IN PTR %s\n" % inst)
            f.write("%s IN SRV 0 0 631 p%05d.lan\n" % (inst, i))
            f.write("%s IN TXT \"txtvers=1\" \"rp=ipp/print\" \"ty=Printer %d\"\n" % (inst, i))
            f.write("p%05d.lan IN A 198.51.%d.%d\n" % (i, (i >> 8) & 255, i & 255))


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    sys.exit("xfr_latency: %s (timeout)" % what)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=100, help="changes measured (>= 50)")
    ap.add_argument("--services", type=int, default=200, help="services in the zone")
    ap.add_argument("--poll", type=float, default=0.5, help="milliseconds between SOA queries")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for one change")
    ap.add_argument("--gap", type=float, default=0.05,
                    help="seconds between a change served everywhere and the next change")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--out", default=None, help="directory for results.json (default "
                    "bench/out/xfr-latency-YYYYmmdd-HHMMSS)")
    args = ap.parse_args()
    if args.count < 50:
        sys.exit("xfr_latency: --count must be at least 50 for a p99")
    gw_bin = os.environ.get("GW_BIN", os.path.join(ROOT, "build-rel", "gateway", "dnssd-gateway"))
    if not os.access(gw_bin, os.X_OK):
        sys.exit("xfr_latency: no gateway binary at %s (set GW_BIN)" % gw_bin)
    for tool in ("nsd", "knotd"):
        if shutil.which(tool) is None:
            sys.exit("xfr_latency: %s is not installed (scripts/setup.sh)" % tool)
    out = args.out or os.path.join(ROOT, "bench", "out",
                                   time.strftime("xfr-latency-%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="gw-xfr-bench.")
    procs = []
    try:
        secret = base64.b64encode(os.urandom(32)).decode()
        gw_port, nsd_port, knot_port = free_port(), free_port(), free_port()
        while len({gw_port, nsd_port, knot_port}) < 3:
            knot_port = free_port()
        values = {"SECRET": secret, "ZONE": ZONE, "PRIMARY": "127.0.0.1",
                  "PRIMARY_PORT": gw_port, "CHECKER": "127.0.0.1", "NSD": "127.0.0.1",
                  "KNOT": "127.0.0.1", "NSD_PORT": nsd_port, "KNOT_PORT": knot_port,
                  "KEYFILE": os.path.join(tmp, "xfr.key")}
        with open(values["KEYFILE"], "w") as f:
            f.write('key "xfr" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' % secret)
        os.chmod(values["KEYFILE"], 0o600)
        zone = os.path.join(tmp, "zone")
        write_zone(zone, args.services)
        os.makedirs(os.path.join(tmp, "state"), mode=0o700)
        cfg = os.path.join(tmp, "gw.yaml")
        with open(cfg, "w") as f:
            f.write("zone: {domain: %s, file: %s}\n" % (ZONE, zone))
            f.write('listen: ["127.0.0.1@%d"]\nports-file: %s/ports\nstate-dir: %s/state\n'
                    % (gw_port, tmp, tmp))
            f.write("mdns: {enable: false}\nlog: {level: info}\n")
            if os.geteuid() == 0:
                # Started as root the daemon becomes its own user, which
                # cannot enter this script's private temporary directory.
                f.write("user: root\n")
            f.write(snippet("gateway.yaml", values))
        gw_log = open(os.path.join(out, "gateway.log"), "w")
        gw = subprocess.Popen([gw_bin, "-c", cfg], stdout=gw_log, stderr=subprocess.STDOUT)
        procs.append(gw)
        wait_for(lambda: os.path.exists(os.path.join(tmp, "ports")), 60, "the gateway did not start")

        nsd_dir, knot_dir = os.path.join(tmp, "nsd"), os.path.join(tmp, "knot")
        os.makedirs(nsd_dir)
        os.makedirs(os.path.join(knot_dir, "db"))
        with open(os.path.join(nsd_dir, "secondary.conf"), "w") as f:
            f.write(snippet("nsd.conf", values))
        with open(os.path.join(nsd_dir, "nsd.conf"), "w") as f:
            f.write('server:\n\tip-address: 127.0.0.1@%d\n\tdo-ip6: no\n\tusername: ""\n'
                    '\tchroot: ""\n\tzonesdir: "%s"\n\tdatabase: ""\n'
                    '\tzonelistfile: "%s/zone.list"\n\txfrdfile: "%s/xfrd.state"\n'
                    '\txfrdir: "%s"\n\tpidfile: "%s/nsd.pid"\n\tlogfile: "%s/nsd.log"\n'
                    '\tverbosity: 1\n\tserver-count: 1\n\txfrd-reload-timeout: 0\n'
                    '\tzonefiles-write: 0\n\trrl-ratelimit: 0\n'
                    'remote-control:\n\tcontrol-enable: no\ninclude: "%s/secondary.conf"\n'
                    % ((nsd_port,) + (nsd_dir,) * 7))
        with open(os.path.join(knot_dir, "secondary.conf"), "w") as f:
            f.write(snippet("knot.conf", values))
        with open(os.path.join(knot_dir, "knot.conf"), "w") as f:
            f.write('server:\n    listen: 127.0.0.1@%d\n    rundir: "%s"\n'
                    '    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n'
                    'log:\n  - target: "%s/knot.log"\n    any: info\n'
                    'database:\n    storage: "%s/db"\n'
                    'template:\n  - id: default\n    storage: "%s"\n'
                    'include: "%s/secondary.conf"\n' % ((knot_port,) + (knot_dir,) * 5))
        for name, cmd in (("nsd", ["nsd", "-d", "-c", os.path.join(nsd_dir, "nsd.conf")]),
                          ("knot", ["knotd", "-c", os.path.join(knot_dir, "knot.conf")])):
            log = open(os.path.join(out, name + ".stdout.log"), "w")
            procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT))

        gateway = Prober(gw_port)
        secondaries = {"nsd": Prober(nsd_port), "knot": Prober(knot_port)}
        serial = None
        wait_for(lambda: gateway.serial() is not None, 30, "the gateway does not answer")
        serial = gateway.serial()
        for name, p in secondaries.items():
            wait_for(lambda p=p: p.serial() == serial, 60, "%s did not take the zone" % name)

        # The gateway itself is measured too: the time it takes to commit
        # (reload, sign, journal) before anything is sent.
        probes = dict(secondaries)
        probes["gateway"] = gateway
        results = {name: [] for name in probes}
        poll = args.poll / 1000.0
        warmup = 3
        for i in range(warmup + args.count):
            with open(zone, "a") as f:
                f.write("change-%d IN A 203.0.113.%d\n" % (i, i % 250 + 1))
            want = serial + 1
            pending = dict(probes)
            t0 = time.monotonic()
            gw.send_signal(signal.SIGHUP)
            deadline = t0 + args.timeout
            next_ask = 0.0
            while pending and time.monotonic() < deadline:
                now = time.monotonic()
                if now >= next_ask:
                    for p in pending.values():
                        p.ask()
                    next_ask = now + poll
                select.select([p.sock for p in pending.values()], [], [],
                              max(0.0, next_ask - time.monotonic()))
                for name in list(pending):
                    s = pending[name].answer()
                    if s is not None and s >= want:
                        if i >= warmup:
                            results[name].append((time.monotonic() - t0) * 1000.0)
                        del pending[name]
            if pending:
                sys.exit("xfr_latency: change %d not served by %s within %.0f s" %
                         (i, ", ".join(pending), args.timeout))
            serial = want
            time.sleep(args.gap)

        gw.send_signal(signal.SIGTERM)
        gw.wait(timeout=30)
        gw_log.close()
        log = open(os.path.join(out, "gateway.log")).read()
        ixfr = len(re.findall(r"IXFR to 127\.0\.0\.1@\d+ started: serial \d+ -> \d+, 1 diffs", log))
        axfr = len(re.findall(r"AXFR to 127\.0\.0\.1@", log)) + log.count("(AXFR form)")
        shutil.copy(os.path.join(knot_dir, "knot.log"), os.path.join(out, "knot.log"))
        shutil.copy(os.path.join(nsd_dir, "nsd.log"), os.path.join(out, "nsd.log"))

        report = {"meta": {"count": args.count, "services": args.services,
                           "poll_ms": args.poll, "gap_s": args.gap, "gateway": gw_bin,
                           "nsd": subprocess.run(["nsd", "-v"], capture_output=True,
                                                 text=True).stderr.splitlines()[0],
                           "knot": subprocess.run(["knotd", "-V"], capture_output=True,
                                                  text=True).stdout.strip(),
                           "ixfr_sent": ixfr, "axfr_sent": axfr,
                           "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
                  "latency_ms": {}}
        print("change at the gateway -> served by the secondary (NOTIFY + IXFR), "
              "%d changes, %d services" % (args.count, args.services))
        print("%-6s %8s %8s %8s %8s %8s %8s" % ("", "min", "p50", "p90", "p99", "mean", "max"))
        for name, v in results.items():
            row = {"min": min(v), "p50": percentile(v, 50), "p90": percentile(v, 90),
                   "p99": percentile(v, 99), "mean": statistics.mean(v), "max": max(v),
                   "samples": v}
            report["latency_ms"][name] = row
            print("%-6s %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f ms" %
                  (name, row["min"], row["p50"], row["p90"], row["p99"], row["mean"], row["max"]))
        print("transfers: %d IXFR, %d AXFR (the 2 first AXFRs load the secondaries)" % (ixfr, axfr))
        with open(os.path.join(out, "results.json"), "w") as f:
            json.dump(report, f, indent=1)
        print("results in %s" % out)
        if axfr > 2:
            sys.exit("xfr_latency: some changes went by AXFR; see %s/gateway.log" % out)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if args.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
