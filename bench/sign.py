#!/usr/bin/python3
"""Signing speed of dnssec/ against ldns-signzone and Knot DNS.

Signs one generated DNS-SD zone (gen-dnssd-zone, 10 000 services by
default) with ECDSA P-256, one signature per RRset, NSEC:

  ours      bench/sign_zone.c (target sign_zone_bench): sig_sign_zone() with
            1 and 2 threads; also load + NSEC + sign + write, and the
            latency of sig_zone_commit() for one-service changes
  ldns      ldns-signzone with a key from ldns-keygen (read, sign, write)
  knot      knotd with dnssec-signing: on (signing-threads 1 and 2), timed
            from start until the SOA is served with an RRSIG; a run with
            signing off gives the load time to subtract
  openssl   openssl speed ecdsap256 (1 process and -multi 2): the ceiling

Every measurement is the median of --runs runs. Servers listen on loopback
only, waits are bounded, and servers are stopped on exit.

Usage: bench/sign.py [--services N] [--runs R] [--out DIR] [--skip LIST]
Environment: SIGN_BENCH_BIN (a sign_zone_bench built elsewhere; by default
the script builds one in build-sign-rel), GW_SHARED (the shared/ folder).
"""
import argparse
import json
import os
import re
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
ORIGIN = "dnssd.example."
SERVERS = []  # Popen objects still running; stopped on exit


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)


def median(values):
    return statistics.median(values) if values else float("nan")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    if proc in SERVERS:
        SERVERS.remove(proc)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_bench(out):
    binary = os.environ.get("SIGN_BENCH_BIN")
    if binary:
        return binary
    build = os.path.join(ROOT, "build-sign-rel")
    with open(os.path.join(out, "build.log"), "w") as f:
        subprocess.run(["cmake", "-B", build, "-DCMAKE_BUILD_TYPE=Release", "-DGW_SANITIZE=OFF",
                        "-DGW_WERROR=OFF"], cwd=ROOT, check=True, stdout=f, stderr=f)
        subprocess.run(["cmake", "--build", build, "-j2", "--target", "sign_zone_bench"],
                       cwd=ROOT, check=True, stdout=f, stderr=f)
    return os.path.join(build, "bench", "sign_zone_bench")


def parse_kv(line):
    return {k: v for k, v in (f.split("=", 1) for f in line.split()[1:] if "=" in f)}


def ours_once(binary, zone, work, changes, verify):
    """One run of sign_zone_bench: per-pass times and commit latency."""
    signed = os.path.join(work, "ours.signed")
    p = run([binary, zone, ORIGIN, "--threads", "2", "--changes", str(changes), "--out",
             signed] + (["--verify"] if verify else []), timeout=900)
    r = {"sign": {}}
    for line in p.stdout.splitlines():
        kind = line.split(" ", 1)[0]
        kv = parse_kv(line)
        if kind == "sign":
            r["sign"][int(kv["threads"])] = kv
        elif kind in ("zone", "dump", "commit", "commit-add", "commit-remove"):
            r[kind] = kv
    log(f"  ours: 1 thread {r['sign'][1]['sign_s']} s, 2 threads {r['sign'][2]['sign_s']} s, "
        f"commit p50 {r['commit']['p50_us']} us p99 {r['commit']['p99_us']} us")
    return r


def ours_summary(results):
    rrsets = int(results[0]["sign"][1]["rrsets"])
    sigs = int(results[0]["sign"][1]["sigs"])
    res = {"rrsets": rrsets, "sigs": sigs}
    for t in (1, 2):
        res[f"sign_s_{t}"] = median([float(r["sign"][t]["sign_s"]) for r in results])
    res["end_to_end_s"] = median([float(r["zone"]["load_s"]) + float(r["zone"]["nsec_s"]) +
                                  float(r["sign"][1]["sign_s"]) + float(r["dump"]["dump_s"])
                                  for r in results])
    for kind in ("commit", "commit-add", "commit-remove"):
        for q in ("p50_us", "p99_us"):
            res[f"{kind}_{q}"] = median([float(r[kind][q]) for r in results])
        res[f"{kind}_rrsets"] = float(results[0][kind]["rrsets_per_change"])
    return res


def ldns_setup(work):
    """A key for ldns-signzone: one ECDSA P-256 key with flags 256, so that
    it signs every RRset once, as our CSK does."""
    d = os.path.join(work, "ldns")
    os.makedirs(d, exist_ok=True)
    base = run(["ldns-keygen", "-a", "ECDSAP256SHA256", ORIGIN.rstrip(".")], cwd=d,
               timeout=60).stdout.strip()
    return d, base


def ldns_once(zone, d, base):
    signed = os.path.join(d, "zone.signed")
    t0 = time.monotonic()
    run(["ldns-signzone", "-o", ORIGIN, "-f", signed, zone, base], cwd=d, timeout=900)
    t = time.monotonic() - t0
    with open(signed) as f:
        sigs = sum(1 for line in f if line.split()[3:4] == ["RRSIG"])
    log(f"  ldns-signzone: {t:.3f} s, {sigs} RRSIGs")
    return t, sigs


KNOT_CONF = """server:
    rundir: "{d}/run"
    listen: 127.0.0.1@{port}
database:
    storage: "{d}/db"
log:
  - target: stderr
    any: info
policy:
  - id: bench
    algorithm: ecdsap256sha256
    single-type-signing: on
    nsec3: off
    signing-threads: {threads}
template:
  - id: default
    storage: "{d}/zones"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: {origin}
    dnssec-signing: {signing}
    dnssec-policy: bench
"""


def soa_answer_types(port, timeout=0.05):
    """Ask 127.0.0.1@port for the SOA with DO set. Returns the answer's RR
    types, or None (no answer yet, or not NOERROR)."""
    qid = int.from_bytes(os.urandom(2), "big")
    qname = b"".join(bytes([len(l)]) + l.encode() for l in ORIGIN.rstrip(".").split("."))
    query = (struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 1) + qname + b"\0" +
             struct.pack("!HH", 6, 1) +
             b"\0" + struct.pack("!HHIH", 41, 1232, 0x8000, 0))  # OPT with DO
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(query, ("127.0.0.1", port))
            msg = s.recv(65535)
        except OSError:
            return None
    rid, flags, qd, an = struct.unpack("!HHHH", msg[:8])
    if rid != qid or flags & 0xF != 0:
        return None

    def skip_name(pos):
        while True:
            n = msg[pos]
            if n & 0xC0 == 0xC0:
                return pos + 2
            pos += 1 + n
            if n == 0:
                return pos

    pos = 12
    for _ in range(qd):
        pos = skip_name(pos) + 4
    types = []
    for _ in range(an):
        pos = skip_name(pos)
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[pos:pos + 10])
        types.append(rtype)
        pos += 10 + rdlen
    return types


def knot_once(zone, work, threads, signing, timeout):
    """Seconds from starting knotd until it serves the SOA (with an RRSIG
    when signing)."""
    d = tempfile.mkdtemp(prefix="knot-", dir=work)
    for sub in ("run", "db", "zones"):
        os.makedirs(os.path.join(d, sub))
    shutil.copy(zone, os.path.join(d, "zones", ORIGIN.rstrip(".") + ".zone"))
    port = free_port()
    conf = os.path.join(d, "knot.conf")
    with open(conf, "w") as f:
        f.write(KNOT_CONF.format(d=d, port=port, threads=threads, origin=ORIGIN,
                                 signing="on" if signing else "off"))
    logf = open(os.path.join(d, "knotd.log"), "w")
    t0 = time.monotonic()
    proc = subprocess.Popen(["knotd", "-c", conf], stdout=logf, stderr=subprocess.STDOUT)
    SERVERS.append(proc)
    try:
        while time.monotonic() - t0 < timeout:
            if proc.poll() is not None:
                raise RuntimeError(f"knotd exited, see {d}/knotd.log")
            types = soa_answer_types(port)
            if types is not None and 6 in types and (46 in types or not signing):
                return time.monotonic() - t0
            time.sleep(0.005)
        raise RuntimeError(f"knotd did not serve a signed zone within {timeout} s")
    finally:
        stop(proc)
        logf.close()


OPENSSL_RE = re.compile(r"256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)")


def openssl_once(seconds, procs):
    cmd = ["openssl", "speed", "-seconds", str(seconds)]
    if procs > 1:
        cmd += ["-multi", str(procs)]
    p = run(cmd + ["ecdsap256"], timeout=seconds * 10 + 60)
    m = OPENSSL_RE.search(p.stdout)
    if m is None:
        raise RuntimeError("cannot read openssl speed output:\n" + p.stdout)
    log(f"  openssl speed, {procs} process(es): {float(m.group(1)):.0f} sign/s")
    return float(m.group(1))


def table(ours, ldns, knot, ossl, services, runs):
    rows = []
    n = ours["rrsets"] if ours else None

    def row(name, threads, seconds, sigs, ceiling):
        rate = sigs / seconds if seconds and sigs else None
        pct = f"{100 * rate / ceiling:.0f} %" if rate and ceiling else "-"
        rows.append(f"| {name} | {threads} | {seconds:.3f} | "
                    f"{(n / seconds if n else 0):,.0f} | "
                    f"{(rate or 0):,.0f} | {pct} |")

    c1 = ossl.get("sign_per_s_1") if ossl else None
    c2 = ossl.get("sign_per_s_2") if ossl else None
    if ours:
        row("ours: sig_sign_zone()", 1, ours["sign_s_1"], ours["sigs"], c1)
        row("ours: sig_sign_zone()", 2, ours["sign_s_2"], ours["sigs"], c2)
        row("ours: load + NSEC + sign + write", 1, ours["end_to_end_s"], ours["sigs"], c1)
    if ldns:
        row("ldns-signzone: read + NSEC + sign + write", 1, ldns["total_s"], ldns["sigs"], c1)
    if knot:
        sigs = ours["sigs"] if ours else 0
        for t in (1, 2):
            row(f"Knot 3.2: start to signed SOA", t, knot[f"total_s_{t}"], sigs, c1 if t == 1 else c2)
            row(f"Knot 3.2: the same minus load ({knot['load_s']:.3f} s)", t,
                knot[f"total_s_{t}"] - knot["load_s"], sigs, c1 if t == 1 else c2)
    lines = [f"Zone: {services} services, {n} RRsets (gen-dnssd-zone {ORIGIN}), "
             f"ECDSA P-256, NSEC; median of {runs} runs.", "",
             "| signer | threads | seconds | RRsets/s | signatures/s | of OpenSSL ceiling |",
             "| --- | --- | --- | --- | --- | --- |"] + rows
    if ossl:
        lines.append(f"| OpenSSL speed ecdsap256 (ceiling) | 1 | - | - | {c1:,.0f} | 100 % |")
        lines.append(f"| OpenSSL speed -multi 2 ecdsap256 (ceiling) | 2 | - | - | {c2:,.0f} | 100 % |")
    lines.append("")
    if ours:
        lines.append(f"Speed-up of 2 threads over 1: {ours['sign_s_1'] / ours['sign_s_2']:.2f}x")
        if ldns:
            lines.append(f"ldns-signzone / ours (end to end): "
                         f"{ldns['total_s'] / ours['end_to_end_s']:.2f}x the time")
        if knot:
            for t in (1, 2):
                k = knot[f"total_s_{t}"] - knot["load_s"]
                lines.append(f"Knot minus load / ours sign, {t} thread(s): "
                             f"{k / ours[f'sign_s_{t}']:.2f}x the time")
        lines.append("")
        lines.append("sig_zone_commit(), one-service change on this zone "
                     "(add: PTR+SRV+TXT+A+AAAA; remove: the same):")
        lines.append("")
        lines.append("| change | RRsets signed | p50 | p99 |")
        lines.append("| --- | --- | --- | --- |")
        for kind, name in (("commit", "add or remove"), ("commit-add", "add"),
                           ("commit-remove", "remove")):
            lines.append(f"| {name} | {ours[kind + '_rrsets']:.1f} | "
                         f"{ours[kind + '_p50_us']:.0f} µs | {ours[kind + '_p99_us']:.0f} µs |")
    return "\n".join(lines)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def on_sigterm(signum, frame):
    raise SystemExit(128 + signum)  # runs the finally that stops servers


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--services", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--changes", type=int, default=2000,
                    help="one-service commits timed by sign_zone_bench")
    ap.add_argument("--out", default=None)
    ap.add_argument("--skip", default="", help="comma-separated: ours,ldns,knot,openssl")
    ap.add_argument("--openssl-seconds", type=int, default=5)
    ap.add_argument("--knot-timeout", type=int, default=300)
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    out = args.out or os.path.join(ROOT, "bench", "out", time.strftime("sign-%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    shared = os.environ.get("GW_SHARED", os.path.join(ROOT, "..", "shared"))
    work = tempfile.mkdtemp(prefix="sign-bench-")
    try:
        run([os.path.join(shared, "bench", "gen-dnssd-zone"), ORIGIN, str(args.services),
             os.path.join(work, "gen")], timeout=300)
        zone = os.path.join(work, "gen", "zone.db")
        ours = ldns = knot = ossl = None
        binary = build_bench(out) if "ours" not in skip else None
        ldns_dir, ldns_key = ldns_setup(work) if "ldns" not in skip else (None, None)
        raw = {"ours": [], "ldns": [], "ldns_sigs": 0, "knot_load": [], "knot_1": [],
               "knot_2": [], "openssl_1": [], "openssl_2": []}
        # Rounds: every signer once per round, so that load from elsewhere
        # on the machine falls on all of them alike; medians over rounds.
        for i in range(args.runs):
            log(f"round {i + 1} of {args.runs} (load average {loadavg()})")
            if "ours" not in skip:
                raw["ours"].append(ours_once(binary, zone, work, args.changes, i == 0))
            if "ldns" not in skip:
                t, raw["ldns_sigs"] = ldns_once(zone, ldns_dir, ldns_key)
                raw["ldns"].append(t)
            if "knot" not in skip:
                raw["knot_load"].append(knot_once(zone, work, 1, False, args.knot_timeout))
                for t in (1, 2):
                    raw[f"knot_{t}"].append(knot_once(zone, work, t, True, args.knot_timeout))
                log(f"  knot: load {raw['knot_load'][-1]:.3f} s, signed with 1 thread "
                    f"{raw['knot_1'][-1]:.3f} s, 2 threads {raw['knot_2'][-1]:.3f} s")
            if "openssl" not in skip:
                for procs in (1, 2):
                    raw[f"openssl_{procs}"].append(openssl_once(args.openssl_seconds, procs))
        if raw["ours"]:
            ours = ours_summary(raw["ours"])
        if raw["ldns"]:
            ldns = {"total_s": median(raw["ldns"]), "sigs": raw["ldns_sigs"]}
        if raw["knot_1"]:
            knot = {"load_s": median(raw["knot_load"]), "total_s_1": median(raw["knot_1"]),
                    "total_s_2": median(raw["knot_2"])}
        if raw["openssl_1"]:
            ossl = {"sign_per_s_1": median(raw["openssl_1"]),
                    "sign_per_s_2": median(raw["openssl_2"])}
        summary = table(ours, ldns, knot, ossl, args.services, args.runs)
        with open(os.path.join(out, "results.json"), "w") as f:
            json.dump({"ours": ours, "ldns": ldns, "knot": knot, "openssl": ossl,
                       "services": args.services, "runs": args.runs, "raw": raw}, f,
                      indent=2, default=str)
        with open(os.path.join(out, "summary.md"), "w") as f:
            f.write(summary + "\n")
        print(summary)
        log(f"results in {out}")
    finally:
        for proc in list(SERVERS):
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
