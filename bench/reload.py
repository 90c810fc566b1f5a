#!/usr/bin/python3
"""Answers during a zone file reload: dnssd-gateway against Knot.

Usage: bench/reload.py [--services N] [--runs R] [--servers gateway,knot]
                       [--out DIR]

Each server signs the zone of shared/bench/gen-dnssd-zone (N services,
ECDSA P-256 CSK, NSEC; serve.py's configurations, Knot with
zonefile-load: whole) on 127.0.0.1. Once it serves the signed SOA and is
idle, a prober asks for the SOA every 5 ms (one query at a time, 5 s
timeout), one record is added to the zone file (the file's SOA serial
raised, which Knot needs), and the reload is asked for: SIGHUP to the
gateway, `knotc zone-reload` to Knot. Recorded per reload:
  served   seconds from the request until the new record is answered
  longest  the longest SOA answer from the request until then (+0.5 s)
  lost     SOA queries with no answer within 5 s in that time
  RSS      VmRSS (steady, once idle again) and VmHWM (peak) in MiB
Medians of --runs runs, each server started afresh in each run, and the
gateway/Knot ratios. gateway-base (the binary of GW_BASE_BIN, an older
commit) compares two gateways in the same run. See bench/reload.md.

Environment: GW_BIN (default: build it in build-bench, as serve.py does),
GW_BASE_BIN, GW_SHARED (the shared/ folder). Needs knotd, knotc, kdig and
dnspython (scripts/setup.sh installs them).
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

import dns.message
import dns.query

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import memory  # noqa: E402  (proc_status)
import serve  # noqa: E402
from serve import ORIGIN, ROOT, BenchError  # noqa: E402

GAP = 0.005      # between SOA probes
TIMEOUT = 5.0    # a probe without an answer by then is lost
SERVED_MAX = 120  # seconds a reload may take before the run fails


class Prober(threading.Thread):
    """SOA queries one at a time: (sent, seconds or None) for each."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.results = []
        self.stopping = threading.Event()
        self.query = dns.message.make_query(ORIGIN + ".", "SOA")

    def run(self):
        while not self.stopping.is_set():
            sent = time.monotonic()
            try:
                dns.query.udp(self.query, "127.0.0.1", port=self.port, timeout=TIMEOUT)
                self.results.append((sent, time.monotonic() - sent))
            except Exception:  # noqa: BLE001 (a timeout or a refusal: lost)
                self.results.append((sent, None))
            time.sleep(GAP)

    def stop(self):
        self.stopping.set()
        self.join()


def answers(port, name):
    """True when name has an A record on the server."""
    q = dns.message.make_query(name, "A")
    try:
        r = dns.query.udp(q, "127.0.0.1", port=port, timeout=1)
    except Exception:  # noqa: BLE001
        return False
    return any(rr.rdtype == 1 for rr in r.answer)


def edit_zone(path, n):
    """Add one record and raise the SOA serial."""
    with open(path) as f:
        text = f.read()
    text, count = re.subn(r"(?m)^(@\s+\d+\s+IN\s+SOA\s+\S+\s+\S+\s+)(\d+)",
                          lambda m: m.group(1) + str(int(m.group(2)) + 1), text, count=1)
    if count != 1:
        raise BenchError(f"{path}: no SOA line of the form the generator writes")
    text += f"reload-probe-{n} 3600 IN A 192.0.2.{n % 250 + 1}\n"
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def ask_reload(server):
    if server.name == "knot":
        subprocess.run(["knotc", "-s", os.path.join(server.dir, "knot.sock"),
                        "zone-reload", ORIGIN + "."], check=True,
                       stdout=subprocess.DEVNULL)
    else:
        server.proc.send_signal(signal.SIGHUP)


def one(args, cls, zonefile, workdir, n):
    """One server started on its own copy of the zone, one reload."""
    os.makedirs(workdir, exist_ok=True)
    own = os.path.join(workdir, cls.name + ".zone")
    shutil.copyfile(zonefile, own)
    server = cls(args, own, workdir)
    try:
        port = server.start()
        serve.wait_soa(server, port, args.start_timeout, dnssec=True)
        serve.wait_idle(server, timeout=120)
        prober = Prober(port)
        prober.start()
        time.sleep(0.5)
        edit_zone(own, n)
        name = f"reload-probe-{n}.{ORIGIN}."
        t0 = time.monotonic()
        ask_reload(server)
        while not answers(port, name):
            if time.monotonic() - t0 > SERVED_MAX:
                raise BenchError(f"{server.name}: the new record was not served "
                                 f"within {SERVED_MAX} s; log {server.logfile}")
            time.sleep(0.01)
        served = time.monotonic() - t0
        time.sleep(0.5)
        prober.stop()
        during = [r for s, r in prober.results if t0 <= s <= t0 + served + 0.5]
        serve.wait_idle(server, timeout=120)
        mem = memory.proc_status(server.proc.pid)
        return {"served": served,
                "longest": max((r if r is not None else TIMEOUT) for r in during),
                "lost": sum(1 for r in during if r is None),
                "probes": len(during),
                "rss": mem.get("VmRSS", 0.0), "peak": mem.get("VmHWM", 0.0)}
    finally:
        server.stop()


def parse_args():
    p = argparse.ArgumentParser(description="Answers during a zone file reload "
                                "(see bench/reload.md).")
    p.add_argument("--services", type=int, default=100000,
                   help="services in the generated zone (default 100000)")
    p.add_argument("--runs", type=int, default=3, help="runs (default 3)")
    p.add_argument("--servers", default="gateway,knot",
                   help="comma-separated subset of gateway,gateway-base,knot")
    p.add_argument("--start-timeout", type=int, default=300,
                   help="seconds to wait for a server to sign (default 300)")
    p.add_argument("--out", help="output directory (default bench/out/reload-TIME)")
    args = p.parse_args()
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    allowed = ("gateway", "gateway-base", "knot")
    if not args.servers or any(s not in allowed for s in args.servers):
        p.error(f"--servers: a comma-separated subset of {','.join(allowed)}")
    if args.services < 1 or args.runs < 1:
        p.error("--services and --runs must be at least 1")
    # What serve.py's server classes read.
    args.dnssec = True
    args.workers = 2
    args.pin = False
    return args


def main():
    args = parse_args()
    need = ["kdig"] + (["knotd", "knotc"] if "knot" in args.servers else [])
    missing = [t for t in need if shutil.which(t) is None]
    if missing:
        raise BenchError(f"missing {', '.join(missing)}: run {ROOT}/scripts/setup.sh")
    shared = os.environ.get("GW_SHARED") or os.path.join(ROOT, "..", "shared")
    gen = os.path.join(shared, "bench", "gen-dnssd-zone")
    outdir = os.path.abspath(args.out or os.path.join(
        ROOT, "bench", "out", time.strftime("reload-%Y%m%d-%H%M%S")))
    os.makedirs(outdir, exist_ok=True)
    args.gw_bin = args.gw_base_bin = None
    if "gateway-base" in args.servers:
        args.gw_base_bin = os.environ.get("GW_BASE_BIN")
        if not args.gw_base_bin or not os.access(args.gw_base_bin, os.X_OK):
            raise BenchError("gateway-base needs GW_BASE_BIN, an executable gateway binary")
    if "gateway" in args.servers:
        args.gw_bin = os.environ.get("GW_BIN") or serve.build_gateway(outdir)
    zdir = os.path.join(outdir, "zone")
    subprocess.run([gen, ORIGIN, str(args.services), zdir], check=True,
                   stdout=subprocess.DEVNULL)
    zonefile = os.path.join(zdir, "zone.db")

    results = {s: [] for s in args.servers}
    for run in range(args.runs):
        # The order rotates, so that no server always goes first.
        order = args.servers[run % len(args.servers):] + args.servers[:run % len(args.servers)]
        for name in order:
            r = one(args, serve.SERVER_CLASSES[name], zonefile,
                    os.path.join(outdir, f"run{run}"), run + 1)
            serve.log(f"run {run + 1} {name}: served in {r['served']:.2f} s, longest SOA "
                      f"{r['longest'] * 1000:.0f} ms, {r['lost']} of {r['probes']} lost, "
                      f"RSS {r['rss']:.0f} / {r['peak']:.0f} MiB")
            results[name].append(r)

    med = {s: {k: statistics.median(r[k] for r in results[s])
               for k in ("served", "longest", "lost", "rss", "peak")} for s in args.servers}
    lines = [f"Reload of a zone file of {args.services} services, one record added "
             f"(medians of {args.runs} runs)", "",
             "| server | reload -> served | longest SOA answer meanwhile | SOA lost "
             "| RSS steady / peak |",
             "| --- | --- | --- | --- | --- |"]
    for s in args.servers:
        m = med[s]
        lines.append(f"| {s} | {m['served']:.2f} s | {m['longest'] * 1000:.0f} ms | "
                     f"{m['lost']:.0f} | {m['rss']:.0f} / {m['peak']:.0f} MiB |")
    if "knot" in args.servers:
        for s in args.servers:
            if s != "knot" and med["knot"]["longest"] > 0:
                lines.append("")
                lines.append(f"{s}/knot: served {med[s]['served'] / med['knot']['served']:.2f}x, "
                             f"longest answer {med[s]['longest'] / med['knot']['longest']:.2f}x, "
                             f"peak RSS {med[s]['peak'] / med['knot']['peak']:.2f}x")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print(f"reload.py: {e}", file=sys.stderr)
        sys.exit(1)
