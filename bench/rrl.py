#!/usr/bin/python3
"""Response rate limiting under a spoofed-source flood.

Usage: bench/rrl.py [--rate Q] [--duration S] [--limit R] [--slip N]
                    [--legit-rate Q] [--runs N] [--out DIR]

A reflection attack sends queries with the victim's address as source: to
the server it is one client prefix asking one name very fast. This starts
dnssd-gateway on a signed zone of gen-dnssd-zone with
`rate-limit: {rate: R, slip: N}`, floods it from 127.0.0.1 with dnsperf
(one browse PTR with DO, --rate q/s for --duration s), and at the same
time runs a legitimate client on 127.0.1.1 (another /24) that asks other
names at --legit-rate q/s. It reports, per run and as medians:

- what the flood got back: answers, truncated (slipped) replies, and the
  octets sent to the "victim" against the octets of the flood (the
  amplification factor, 23x without a limit);
- what the server let through against the limit: answers per second must
  be about R, and truncated replies about the dropped ones / N;
- the legitimate client's answers (all of them, with their latency);
- the gateway's CPU time per flood query.

With --limit 0 the limiter is off (the baseline). Loopback only; needs
dnsperf and python3-dnspython.
"""

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import dns.flags
import dns.message
import dns.rcode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve  # noqa: E402  (gateway build, process tree CPU)
from serve import log  # noqa: E402

ORIGIN = "dnssd.example."
LEGIT_SRC = "127.0.1.1"
FLOOD_SRC = "127.0.0.1"


class NoticeGateway(serve.Gateway):
    """serve.py's gateway, logging at notice level: its "served:" line at
    exit counts what the rate limiter dropped and truncated."""

    def command(self):
        cmd = super().command()
        with open(self.conf) as f:
            text = f.read().replace("log: {level: warning}", "log: {level: notice}")
        with open(self.conf, "w") as f:
            f.write(text)
        return cmd


def served_counts(logfile):
    """(udp queries, dropped, truncated) from the gateway's last "served:" line."""
    with open(logfile) as f:
        lines = [ln for ln in f if "served: udp" in ln]
    m = re.search(r"udp (\d+) queries.*\((\d+) dropped by the rate limit, (\d+) sent "
                  r"truncated", lines[-1]) if lines else None
    return tuple(int(x) for x in m.groups()) if m else (0, 0, 0)


def legit_client(port, names, rate, duration, out):
    """Ask names in turn at rate q/s from LEGIT_SRC; count answers."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((LEGIT_SRC, 0))
    s.settimeout(1.0)
    sent = answered = truncated = 0
    lat = []
    t0 = time.monotonic()
    i = 0
    while time.monotonic() - t0 < duration:
        due = t0 + i / rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        q = dns.message.make_query(names[i % len(names)], "SRV", want_dnssec=True)
        q.id = i & 0xFFFF
        start = time.monotonic()
        s.sendto(q.to_wire(), ("127.0.0.1", port))
        sent += 1
        try:
            while True:
                data = s.recv(65535)
                r = dns.message.from_wire(data)
                if r.id == q.id:
                    break
            answered += 1
            truncated += bool(r.flags & dns.flags.TC)
            lat.append(time.monotonic() - start)
        except socket.timeout:
            pass
        i += 1
    s.close()
    out.update(sent=sent, answered=answered, truncated=truncated,
               p50_ms=1000 * statistics.median(lat) if lat else float("nan"),
               max_ms=1000 * max(lat) if lat else float("nan"))


def flood(port, qfile, rate, duration, outdir):
    cmd = ["dnsperf", "-s", "127.0.0.1", "-a", FLOOD_SRC, "-p", str(port), "-d", qfile,
           "-l", str(duration), "-Q", str(rate), "-c", "8", "-q", "65000", "-t", "0.5", "-D"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    with open(os.path.join(outdir, "dnsperf.log"), "a") as f:
        f.write("$ " + " ".join(cmd) + "\n" + r.stdout + r.stderr)

    def num(pat):
        m = re.search(pat, r.stdout)
        return float(m.group(1)) if m else float("nan")

    return {"sent": num(r"Queries sent:\s+(\d+)"),
            "completed": num(r"Queries completed:\s+(\d+)"),
            "req_bytes": num(r"Average packet size:\s+request (\d+)"),
            "resp_bytes": num(r"Average packet size:.*response (\d+)"),
            "noerror": num(r"NOERROR (\d+)"),
            "runtime": num(r"Run time \(s\):\s+([\d.]+)")}


def most_amplifying(port, candidates):
    """Of candidates ((name, type), browse PTRs and SRVs), the one whose
    answer with DO is the largest that still fits the gateway's 1232
    octets untruncated: what an attacker would pick. Returns (name, type,
    reply octets)."""
    best = (candidates[0][0], candidates[0][1], 0)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    for name, qtype in candidates[:300]:
        q = dns.message.make_query(name, qtype, want_dnssec=True, payload=4096)
        s.sendto(q.to_wire(), ("127.0.0.1", port))
        try:
            data = s.recv(65535)
        except socket.timeout:
            continue
        r = dns.message.from_wire(data)
        if not r.flags & dns.flags.TC and len(data) > best[2]:
            best = (name, qtype, len(data))
        time.sleep(0.06)  # under the rate limit, so every answer is full
    s.close()
    return best


def one_run(args, zonefile, names, browse, workdir, limit):
    extra = (f"rate-limit: {{rate: {limit}, slip: {args.slip}}}\n" if limit
             else "rate-limit: {rate: 0}\n")
    os.environ["GW_CONFIG_EXTRA"] = extra
    sargs = argparse.Namespace(gw_bin=args.gw_bin, dnssec=True, start_timeout=120, pin=False)
    gw = NoticeGateway(sargs, zonefile, workdir)
    try:
        port = gw.start()
        serve.wait_soa(gw, port, 120, dnssec=True)
        if args.flood_name is None:
            args.flood_name = most_amplifying(
                port, [(b, "PTR") for b in browse] + [(n, "SRV") for n in names])
            log(f"flood query: {args.flood_name[0]} {args.flood_name[1]}, "
                f"{args.flood_name[2]} octets with DO")
        qfile = os.path.join(workdir, "flood.txt")
        # dnsperf cuts names at a blank; serve.py knows its escape for one.
        esc = serve.dnsperf_space_escape(workdir) or "\\032"
        with open(qfile, "w") as f:
            f.write(f"{args.flood_name[0].replace(chr(92) + ' ', esc)} {args.flood_name[1]}\n")
        legit = {}
        t = threading.Thread(target=legit_client,
                             args=(port, names, args.legit_rate, args.duration, legit))
        cpu0 = serve.cpu_ticks(gw.proc.pid)
        t.start()
        fl = flood(port, qfile, args.rate, args.duration, workdir)
        t.join()
        cpu = (serve.cpu_ticks(gw.proc.pid) - cpu0) / os.sysconf("SC_CLK_TCK")
    finally:
        gw.stop()
    queries, fl["dropped"], fl["truncated"] = served_counts(gw.logfile)
    # Full answers: every UDP query but the limited ones (the legit
    # client's and the start-up checks' included).
    fl["full_answers"] = queries - fl["dropped"] - fl["truncated"] - legit.get("sent", 0)
    fl["full_per_s"] = fl["full_answers"] / args.duration
    fl["cpu_us_per_query"] = 1e6 * cpu / fl["sent"] if fl["sent"] else float("nan")
    fl["answers_per_s"] = fl["completed"] / fl["runtime"] if fl["runtime"] else float("nan")
    fl["amplification"] = (fl["completed"] * fl["resp_bytes"]) / (fl["sent"] * fl["req_bytes"])
    return fl, legit


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=int, default=100000, help="flood q/s")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--limit", type=int, default=20, help="rate-limit.rate; 0: off")
    ap.add_argument("--slip", type=int, default=2)
    ap.add_argument("--legit-rate", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    args.flood_name = None
    out = args.out or tempfile.mkdtemp(prefix="gw-rrl-")
    os.makedirs(out, exist_ok=True)
    args.gw_bin = os.environ.get("GW_BIN") or serve.build_gateway(out)
    shared = os.environ.get("GW_SHARED", os.path.join(serve.ROOT, "..", "shared"))
    subprocess.run([os.path.join(shared, "bench", "gen-dnssd-zone"), ORIGIN.rstrip("."),
                    str(args.services), out], check=True, stdout=subprocess.DEVNULL)
    zonefile = os.path.join(out, "zone.db")
    names, browse = [], []
    with open(os.path.join(out, "queries.txt")) as f:
        for line in f:
            name, qtype = line.rstrip("\n").rsplit(None, 1)
            if qtype == "SRV":
                names.append(name)
            if qtype == "PTR" and "._tcp." in name and name.startswith("_") \
                    and name not in browse:
                browse.append(name)
    names = names[:200]
    rows = []
    for run in range(args.runs):
        wd = os.path.join(out, f"run{run}")
        os.makedirs(wd, exist_ok=True)
        fl, lg = one_run(args, zonefile, names, browse, wd, args.limit)
        rows.append((fl, lg))
        print(f"run {run + 1}: flood sent {fl['sent']:.0f} ({fl['sent'] / fl['runtime']:.0f} q/s), "
              f"got back {fl['completed']:.0f} ({fl['answers_per_s']:.1f}/s): "
              f"{fl['full_answers']} full answers ({fl['full_per_s']:.1f}/s), "
              f"{fl['truncated']} truncated, {fl['dropped']} dropped; "
              f"amplification x{fl['amplification']:.2f}, "
              f"gateway CPU {fl['cpu_us_per_query']:.2f} us/query; "
              f"legit {lg['answered']}/{lg['sent']} answered "
              f"({lg['truncated']} TC), p50 {lg['p50_ms']:.2f} ms, max {lg['max_ms']:.1f} ms")
    med = lambda k, i=0: statistics.median(r[i][k] for r in rows)  # noqa: E731
    print(f"median of {args.runs}: flood {med('sent') / args.duration:.0f} q/s -> "
          f"{med('answers_per_s'):.1f} replies/s, of them {med('full_per_s'):.1f} full answers/s "
          f"(limit {args.limit}/s, slip {args.slip}), "
          f"amplification x{med('amplification'):.2f}, CPU {med('cpu_us_per_query'):.2f} us/query; "
          f"legit answered {med('answered', 1)}/{med('sent', 1)}")


if __name__ == "__main__":
    main()
