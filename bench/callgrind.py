#!/usr/bin/python3
"""Instructions per answered query on the gateway's UDP path, counted by
callgrind: a number that comes out the same run after run on a busy
machine, where serve.py's CPU time moves by 10 % or more. Use it to judge a
change to the query path; use serve.py for the comparison with NSD and
Knot.

Usage: bench/callgrind.py [--services N] [--modes do,nodo] [--rate Q]
                          [--out DIR]

Starts dnssd-gateway under valgrind --tool=callgrind, with collection on
only inside gw_udp_read_cb (receive, answer, send: not signing, not the
event loop), on the signed zone of gen-dnssd-zone (the zone serve.py
--dnssec uses), waits until it answers the SOA with an RRSIG, then replays
the whole query mix once with dnsperf (-n 1) at a low fixed rate, with DO
set (mode do) or without EDNS (mode nodo). Prints the instructions per
answered query and the functions that spend most of them, and writes
summary.json, the callgrind output and callgrind_annotate's report per
mode into the output directory. See bench/serve.md.

Environment: GW_BIN (default: build it in build-bench, as serve.py does),
GW_SHARED (the shared/ folder). Standard library only; needs valgrind,
callgrind_annotate, dnsperf and kdig.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve  # noqa: E402  (the gateway runner, checks and helpers)
from serve import BenchError, ORIGIN, ROOT, log  # noqa: E402

MODES = ("do", "nodo")


class CallgrindGateway(serve.Gateway):
    """The gateway of serve.py, run under callgrind."""

    def __init__(self, args, zonefile, workdir, cgout):
        super().__init__(args, zonefile, workdir)
        self.cgout = cgout

    def command(self):
        return ["valgrind", "--tool=callgrind",
                f"--callgrind-out-file={self.cgout}",
                "--toggle-collect=gw_udp_read_cb"] + super().command()

    def stop(self):
        """SIGTERM, then wait: callgrind writes its output at exit, which
        takes a while for a signed zone of this size under valgrind."""
        if self.proc is None:
            return
        p, self.proc = self.proc, None
        try:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=self.args.stop_timeout)
        except ProcessLookupError:
            p.poll()
        except subprocess.TimeoutExpired:
            serve.warn(f"gateway did not exit within {self.args.stop_timeout}"
                       " s of SIGTERM; SIGKILL (no callgrind output)")
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=10)


def total_ir(cgout):
    with open(cgout) as f:
        for line in f:
            m = re.match(r"(?:summary|totals): (\d+)", line)
            if m:
                return int(m.group(1))
    raise BenchError(f"no instruction total in {cgout}")


def annotate(cgout, report):
    """callgrind_annotate's report into report; the top functions as
    (instructions, function)."""
    r = subprocess.run(["callgrind_annotate", cgout], capture_output=True,
                       text=True, timeout=300)
    with open(report, "w") as f:
        f.write(r.stdout)
    top = []
    for line in r.stdout.splitlines():
        m = re.match(r"\s*([\d,]+) \([\s\d.]+%\)\s+(\S+)", line)
        if m and "PROGRAM TOTALS" not in line:
            top.append((int(m.group(1).replace(",", "")),
                        m.group(2).split(":")[-1]))
    return top


def run_mode(args, mode, zonefile, queries, workdir):
    cgout = os.path.join(args.outdir, f"callgrind.out.{mode}")
    gw = CallgrindGateway(args, zonefile, os.path.join(workdir, mode), cgout)
    try:
        port = gw.start()
        serve.wait_soa(gw, port, args.start_timeout, dnssec=True)
        cmd = ["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries,
               "-n", "1", "-c", str(args.clients), "-T", "1", "-q", "100",
               "-Q", str(args.rate), "-t", "5"]
        if mode == "do":
            cmd.append("-D")
        n_queries = sum(1 for _ in open(queries))
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=60 + 3 * n_queries / args.rate)
        with open(os.path.join(args.outdir, f"dnsperf.{mode}.log"), "w") as f:
            f.write("$ " + " ".join(cmd) + "\n" + r.stdout + r.stderr)
        m = re.search(r"Queries completed:\s+(\d+)", r.stdout)
        if r.returncode != 0 or m is None:
            raise BenchError(f"dnsperf failed ({mode}):\n{r.stdout}{r.stderr}")
        completed = int(m.group(1))
    finally:
        gw.stop()
    if completed == 0:
        raise BenchError(f"no query answered ({mode}); log {gw.logfile}")
    ir = total_ir(cgout)
    top = annotate(cgout, os.path.join(args.outdir, f"annotate.{mode}.txt"))
    return {"mode": mode, "queries": n_queries, "completed": completed,
            "instructions": ir, "per_query": ir / completed,
            "top": [{"function": fn, "per_query": n / completed}
                    for n, fn in top[:args.top]]}


def parse_args():
    p = argparse.ArgumentParser(
        description="Instructions per answered query under callgrind.")
    p.add_argument("--services", type=int, default=10000)
    p.add_argument("--modes", default="do,nodo",
                   help="do (EDNS with DO, as dnsperf -D) and/or nodo "
                   "(no EDNS), comma-separated")
    p.add_argument("--rate", type=int, default=3000,
                   help="dnsperf -Q: low enough for the gateway under "
                   "valgrind to answer every query")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--top", type=int, default=12,
                   help="functions to print per mode")
    p.add_argument("--start-timeout", type=float, default=900,
                   help="seconds to wait for the signed SOA (signing runs "
                   "under valgrind too)")
    p.add_argument("--stop-timeout", type=float, default=300)
    p.add_argument("--out", help="output directory (default "
                   "bench/out/callgrind-YYYYmmdd-HHMMSS)")
    args = p.parse_args()
    args.modes = [m for m in args.modes.split(",") if m]
    bad = [m for m in args.modes if m not in MODES]
    if bad or not args.modes:
        p.error(f"--modes takes {' and '.join(MODES)}, not {','.join(bad)}")
    # What serve.Gateway reads from its arguments.
    args.dnssec = True
    args.pin = False
    return args


def on_signal(signum, frame):
    raise SystemExit(128 + signum)


def main():
    args = parse_args()
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    missing = [t for t in ("valgrind", "callgrind_annotate", "dnsperf", "kdig")
               if shutil.which(t) is None]
    if missing:
        raise BenchError(f"missing {', '.join(missing)}")
    shared = os.environ.get("GW_SHARED") or os.path.join(ROOT, "..", "shared")
    gen = os.path.join(shared, "bench", "gen-dnssd-zone")
    if not os.path.isfile(gen):
        raise BenchError(f"no zone generator at {gen} (set GW_SHARED)")
    args.outdir = os.path.abspath(args.out or os.path.join(
        ROOT, "bench", "out", time.strftime("callgrind-%Y%m%d-%H%M%S")))
    os.makedirs(args.outdir, exist_ok=True)
    args.gw_bin = os.path.abspath(os.environ.get("GW_BIN")
                                  or serve.build_gateway(args.outdir))

    workdir = tempfile.mkdtemp(prefix="dnssd-callgrind-")
    try:
        zonedir = os.path.join(workdir, "zone")
        r = subprocess.run([sys.executable, gen, ORIGIN, str(args.services),
                            zonedir], capture_output=True, text=True,
                           timeout=600)
        if r.returncode != 0:
            raise BenchError(f"{gen} failed:\n{r.stdout}{r.stderr}")
        queries, _, _ = serve.dnsperf_query_file(
            os.path.join(zonedir, "queries.txt"), args.outdir)
        results = []
        for mode in args.modes:
            log(f"{mode}: starting the gateway under callgrind "
                f"({args.services} services; signing takes minutes)")
            res = run_mode(args, mode, os.path.join(zonedir, "zone.db"),
                           queries, workdir)
            results.append(res)
            log(f"{mode}: {res['completed']} of {res['queries']} answered, "
                f"{res['per_query']:.0f} instructions per answered query")
            for t in res["top"]:
                log(f"  {t['per_query']:8.0f}  {t['function']}")
        with open(os.path.join(args.outdir, "summary.json"), "w") as f:
            json.dump({"gw_bin": args.gw_bin, "services": args.services,
                       "rate": args.rate, "results": results}, f, indent=1)
        log(f"results: {args.outdir}/summary.json")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print(f"callgrind: {e}", file=sys.stderr)
        sys.exit(1)
