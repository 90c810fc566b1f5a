#!/usr/bin/python3
"""Answers while the wall clock is set forward past every signature.

An appliance without a battery-backed clock learns the time from NTP
after the daemon started: when the step passes the signatures' validity,
every RRset of the zone falls due at once. This benchmark starts the
gateway (and, with --base, a second build) on a signed N-service zone
(gen-dnssd-zone), under libfaketime so that only the daemon's wall clock
moves, probes it with a SOA query every 5 ms over UDP on loopback, sets
its clock 20 days forward, and reports what the probe saw until the zone
is re-signed: answers, losses, and the latency p50, p99 and max (the
longest the loop was not answering), with the time from the log's line
of the step to its line of the refresh done (the refresh timer waits
1 s after the step is found) and the daemon's CPU time over the probe.
The table is printed and written to bench/out/clock-step-*.md.

Usage: bench/clock_step.py [--services N] [--runs R] [--sign-threads T]
                           [--base BIN] [BIN]
BIN defaults to build/gateway/dnssd-gateway; runs alternate between the
builds, and each row is the median of --runs runs.
Needs libfaketime (scripts/setup.sh installs faketime).
"""
import argparse
import os
import re
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from linkpair import ROOT, percentile, ports_file_port, stop  # noqa: E402
import serve  # noqa: E402  (cpu_ticks: the daemon and its journal-writing child)

ORIGIN = "dnssd.example."
FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
STEP = "+20d"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def cpu_seconds(pid):
    return serve.cpu_ticks(pid) / os.sysconf("SC_CLK_TCK")


def query(qid):
    name = b"".join(bytes([len(label)]) + label for label in ORIGIN.encode().split(b".") if label)
    return struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + name + b"\0\0\x06\0\x01"


def probe(port, seconds, on_start):
    """A SOA query every 5 ms for seconds; on_start() after 1 s. Returns
    (sent, latencies in s, lost)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.002)
    sent, lat = {}, []
    qid, count = 0, 0
    start = time.monotonic()
    next_send, stepped = start, False
    while time.monotonic() < start + seconds:
        now = time.monotonic()
        if not stepped and now >= start + 1.0:
            on_start()
            stepped = True
        if now >= next_send:
            qid = (qid + 1) & 0xFFFF
            sent[qid] = now
            sock.sendto(query(qid), ("127.0.0.1", port))
            count += 1
            next_send += 0.005
        try:
            data = sock.recv(4096)
        except socket.timeout:
            continue
        rid = struct.unpack(">H", data[:2])[0]
        if rid in sent:
            lat.append(time.monotonic() - sent.pop(rid))
    sock.close()
    return count, lat, len(sent)


def one(binary, zonefile, seconds, threads):
    with tempfile.TemporaryDirectory(prefix="gw-clock-") as d:
        state = os.path.join(d, "state")
        os.makedirs(state, mode=0o700)
        offset = os.path.join(d, "offset")
        with open(offset, "w") as f:
            f.write("+0\n")
        conf = os.path.join(d, "gw.yaml")
        with open(conf, "w") as f:
            f.write(f"""zone: {{domain: {ORIGIN}, file: "{zonefile}"}}
listen: ["127.0.0.1@0"]
ports-file: "{d}/ports"
state-dir: "{state}"
mdns: {{enable: false}}
control: {{enable: false}}
rate-limit: {{rate: 0}}
dnssec: {{sign-threads: {threads}}}
""")
            if os.getuid() == 0:
                f.write("user: root\n")
        env = dict(os.environ, LD_PRELOAD=FAKETIME, FAKETIME_TIMESTAMP_FILE=offset,
                   FAKETIME_CACHE_DURATION="1", DONT_FAKE_MONOTONIC="1")
        logf = open(os.path.join(d, "log"), "w+")
        proc = subprocess.Popen([binary, "-c", conf], stdout=logf, stderr=subprocess.STDOUT,
                                env=env)
        try:
            # A 100 000-service zone is signed for some 20 s before the
            # ports file is written: 30 waits of 10 s at most.
            port = None
            for _ in range(30):
                if proc.poll() is not None:
                    raise RuntimeError(f"{binary} exited with {proc.returncode}")
                port = ports_file_port(os.path.join(d, "ports"), "udp")
                if port is not None:
                    break
            if port is None:
                raise RuntimeError("no port within 300 s")
            time.sleep(2)
            cpu0 = cpu_seconds(proc.pid)

            def step():
                with open(offset, "w") as f:
                    f.write(STEP + "\n")

            count, lat, lost = probe(port, seconds, step)
            cpu = cpu_seconds(proc.pid) - cpu0
            logf.seek(0)
            text = logf.read()
            stepped = re.search(r"^(\S+)Z notice: the wall clock was set forward", text, re.M)
            done = re.search(r"^(\S+)Z info: signature refresh: (\d+) RRsets re-signed(, in (\d+))?",
                             text, re.M)
            if not stepped or not done:
                raise RuntimeError("no clock step or no refresh in the log within the run")
            took = (time.mktime(time.strptime(done.group(1)[:19], "%Y-%m-%dT%H:%M:%S")) +
                    float("0" + done.group(1)[19:]) -
                    time.mktime(time.strptime(stepped.group(1)[:19], "%Y-%m-%dT%H:%M:%S")) -
                    float("0" + stepped.group(1)[19:]))
            return {
                "sent": count, "answered": len(lat), "lost": lost,
                "p50": percentile(lat, 50) * 1e3, "p99": percentile(lat, 99) * 1e3,
                "max": max(lat) * 1e3, "rrsets": int(done.group(2)),
                "commits": int(done.group(4) or 1), "resign_s": took, "cpu_s": cpu,
            }
        finally:
            stop(proc, timeout=20)
            logf.close()
            for f in (f"/dev/shm/faketime_shm_{proc.pid}", f"/dev/shm/sem.faketime_sem_{proc.pid}"):
                try:
                    os.unlink(f)
                except FileNotFoundError:
                    pass


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("binary", nargs="?", default=os.path.join(ROOT, "build/gateway/dnssd-gateway"))
    p.add_argument("--base", help="a second build, run alternately")
    p.add_argument("--services", type=int, default=10000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--sign-threads", type=int, default=1,
                   help="dnssec.sign-threads (default 1: on two cores the probe keeps one, "
                        "so that it measures the daemon, not its own wait for a core)")
    p.add_argument("--seconds", type=float, default=0,
                   help="probe this long (default: 12 s, plus 1 s per 5000 services)")
    a = p.parse_args()
    if not os.path.exists(FAKETIME):
        sys.exit(f"{FAKETIME} missing: run scripts/setup.sh (faketime)")
    seconds = a.seconds or 12 + a.services / 5000
    shared = os.environ.get("GW_SHARED", os.path.join(ROOT, "..", "shared"))
    builds = [("this", a.binary)] + ([("base", a.base)] if a.base else [])
    rows = {name: [] for name, _ in builds}
    with tempfile.TemporaryDirectory(prefix="gw-clock-zone-") as zd:
        subprocess.run([sys.executable, os.path.join(shared, "bench", "gen-dnssd-zone"), ORIGIN,
                        str(a.services), zd], check=True, stdout=subprocess.DEVNULL)
        for r in range(a.runs):
            for name, binary in builds:
                row = one(binary, os.path.join(zd, "zone.db"), seconds, a.sign_threads)
                log(f"run {r + 1} {name}: {row}")
                rows[name].append(row)
    lines = ["| build | services | answered / sent | lost | p50 ms | p99 ms | max ms "
             "| RRsets re-signed | commits | step to re-signed, s | CPU s |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, binary in builds:
        rs = rows[name]

        def med(k):
            return statistics.median(x[k] for x in rs)
        lines.append(f"| {name} | {a.services} | {med('answered'):.0f} / {med('sent'):.0f} "
                     f"| {med('lost'):.0f} | {med('p50'):.2f} | {med('p99'):.0f} "
                     f"| {med('max'):.0f} | {med('rrsets'):.0f} | {med('commits'):.0f} "
                     f"| {med('resign_s'):.2f} | {med('cpu_s'):.2f} |")
    table = "\n".join(lines) + "\n"
    print(table, end="")
    out = os.path.join(ROOT, "bench", "out")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, time.strftime("clock-step-%Y%m%d-%H%M%S.md"))
    with open(path, "w") as f:
        f.write(f"{a.runs} runs, medians; sign-threads {a.sign_threads}; " +
                ", ".join(f"{n}: {b}" for n, b in builds) + "\n\n" + table)
    log(f"written to {path}")


if __name__ == "__main__":
    main()
