#!/usr/bin/python3
"""Memory per extra zone (issue 12): the gateway mirrors one link on which
--services services are announced, into 1, 2 and 4 zones that all show
that link, and into 2 zones of which the second has a policy that shows
half of them. Each case starts a fresh gateway in linkpair.py's
namespaces, waits until every zone holds every service it should (AXFR
from inside the gateway's namespace) and the gateway is idle, then reads
VmRSS (steady) and VmHWM (peak) from /proc/PID/status. Printed next to
them: one zone's signed data as AXFR sends it (records, octets), so one
sees whether an extra zone costs about one zone's records and signatures
(each zone is signed on its own) rather than a copy of the mirror's
discovered state (which all zones share).

The services are announced as raw mDNS responses (RFC 6762 unsolicited
announcements, TTL 4500 s on every record, so that nothing expires during
a run) from the LAN namespace by tests/integration/publish.py's RawSender:
zeroconf registers a few services a second, far too slow for thousands.
They are spread over service types of 50 instances each (_ba000._tcp,
_bb000._tcp, _ba001._tcp, ... alternately, so that the policy
"_ba*._tcp" shows half): Avahi keeps the instances of one type in one
list and scans it for every record it receives, so 2500 of one type keep
it busy for minutes. Packets of 30 records go out 20 ms apart (faster,
the gateway's socket buffer overflowed while Avahi worked); when no count
moves for 10 s, everything is announced again. 50 services per host name, all at the LAN side's
address; the gateway's per-host, per-address and per-link limits are
raised above --services. Medians of --runs runs; the cases rotate within
a run. Root is needed (network namespaces). See bench/memory.md.

Environment: GW_BIN (default build-bench/gateway/dnssd-gateway).
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from linkpair import ROOT, LinkPair, Netns, bench_prepare, state_tmp, stop, wait_link_up  # noqa: E402
import memory  # noqa: E402  (proc_status)
import serve  # noqa: E402  (cpu_ticks)

sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from publish import RawSender, a, ptr, srv, txt  # noqa: E402

LAN4 = "192.0.2.12"
TTL = 4500
PER_HOST = 50
PER_TYPE = 50
# name, zones (domain, shows half); the policy zone allows _ba*._tcp only
CASES = (("1 zone", (("z1.test.", False),)),
         ("2 zones", (("z1.test.", False), ("z2.test.", False))),
         ("4 zones", tuple(("z%d.test." % k, False) for k in range(1, 5))),
         ("2 zones, 2nd half by policy", (("z1.test.", False), ("z2.test.", True))))


def log(msg):
    print(msg, flush=True)


def service_type(i):
    """Service i's type: types of PER_TYPE instances, _ba and _bb in turn."""
    k = i // PER_TYPE
    return "_%s%03d" % ("ba" if k % 2 == 0 else "bb", k // 2)


def announcement(n):
    """The records of n services (PTR, SRV, TXT), their hosts' A records
    and the _services._dns-sd._udp PTRs."""
    types = sorted({service_type(i) for i in range(n)})
    recs = [ptr(["_services", "_dns-sd", "_udp", "local"], [t, "_tcp", "local"], TTL)
            for t in types]
    for h in range((n + PER_HOST - 1) // PER_HOST):
        recs.append(a(["h%04d" % h, "local"], LAN4, TTL))
    for i in range(n):
        recs += service_records(i)
    return recs


def service_records(i, ttl=TTL):
    """Service i's PTR, SRV and TXT records (ttl 0: its goodbye)."""
    t = service_type(i)
    inst = ["svc%05d" % i, t, "_tcp", "local"]
    return [ptr([t, "_tcp", "local"], inst, ttl),
            srv(inst, 80, ["h%04d" % (i // PER_HOST), "local"], ttl),
            txt(inst, [b"n=%d" % i], ttl)]


def announce(sender, recs):
    """recs in packets of 1400 octets at most, 20 ms apart: Avahi takes
    its time over each, and what overflows the gateway's socket buffer
    is lost."""
    for k in range(0, len(recs), 30):
        sender.send(recs[k:k + 30])
        time.sleep(0.02)


def axfr(ns, port, zone):
    """(SRV records under the link, records, octets) of zone's AXFR."""
    r = subprocess.run(["ip", "netns", "exec", ns, "kdig", "@127.0.0.1", "-p", str(port),
                        "AXFR", zone, "+nocomments", "+noquestion"],
                       capture_output=True, text=True, timeout=120)
    srv = sum(1 for ln in r.stdout.splitlines() if "\tSRV\t" in ln)
    m = re.search(r"Received (\d+) B \((\d+) messages?, (\d+) records?\)", r.stdout)
    if m is None:
        return srv, None, None
    return srv, int(m.group(3)), int(m.group(1))


def config(tmp, ifname, zones, n):
    """The gateway's configuration: ifname is the link's interface (its
    subdomain lan), or a list of them (subdomains lan0, lan1, ...)."""
    ifnames = [ifname] if isinstance(ifname, str) else list(ifname)
    links = ", ".join("{interface: %s, subdomain: %s}" % (
        f, "lan" if isinstance(ifname, str) else "lan%d" % k) for k, f in enumerate(ifnames))
    lines = ["zones:"]
    for domain, half in zones:
        lines.append("  - domain: %s" % domain)
        if half:
            lines.append("    policy: {default: deny, rules: [{action: allow, "
                         "type: \"_ba*._tcp\"}]}")
    lim = max(1000, 2 * n)
    lines += ["listen: [\"127.0.0.1@0\"]",
              "ports-file: %s/ports" % tmp,
              "state-dir: %s/state" % tmp,
              "log: {level: notice}",
              "control: {enable: false}",
              "rate-limit: {rate: 0}",
              "links: [%s]" % links,
              "mdns:",
              "  batch-window: 200ms",
              "  limits: {services-per-link: %d, services-per-host: %d, "
              "services-per-address: %d, changes-per-second: 100000}" % (lim, lim, lim)]
    return "\n".join(lines) + "\n"


def one(args, link, sender, case, n, out, run):
    name, zones = case
    tmp = state_tmp("gw-zones.")
    os.makedirs(os.path.join(tmp, "state"), exist_ok=True)
    cfg = os.path.join(tmp, "gateway.yaml")
    with open(cfg, "w") as f:
        f.write(config(tmp, link.if_gw, zones, n))
    logpath = os.path.join(out, "gateway-%d-%s-%d.log" % (n, re.sub(r"\W+", "_", name), run))
    gw = None
    try:
        with open(logpath, "w") as lf:
            gw = subprocess.Popen(["ip", "netns", "exec", link.ns_gw, args.gw_bin, "-c", cfg],
                                  stdout=lf, stderr=subprocess.STDOUT)
        port = wait_link_up(gw, tmp, logpath, "zones")
        t0 = time.monotonic()
        recs = announcement(n)
        announce(sender, recs)
        want = {d: sum(1 for i in range(n) if not half or service_type(i).startswith("_ba"))
                for d, half in zones}
        sizes, last, stalled = {}, None, time.monotonic()
        while True:
            sizes = {d: axfr(link.ns_gw, port, d) for d in want}
            if all(sizes[d][0] == want[d] for d in want):
                break
            if sizes != last:
                last, stalled = sizes, time.monotonic()
            elif time.monotonic() - stalled > 10:  # a packet lost: say it all again
                log("no progress for 10 s (%s); announcing again" % sizes)
                announce(sender, recs)
                stalled = time.monotonic()
            if time.monotonic() - t0 > args.timeout or gw.poll() is not None:
                raise SystemExit("zones: %s: not all mirrored within %d s: %s; log %s"
                                 % (name, args.timeout, sizes, logpath))
            time.sleep(1)
        mirrored = time.monotonic() - t0
        while True:  # idle: at most 2 ticks in 0.5 s
            before = serve.cpu_ticks(gw.pid)
            time.sleep(0.5)
            if serve.cpu_ticks(gw.pid) - before <= 2:
                break
        st = memory.proc_status(gw.pid)
        return {"case": name, "services": n, "run": run, "zones": len(zones),
                "rss_kb": st["VmRSS"] * 1024, "hwm_kb": st["VmHWM"] * 1024,
                "mirrored_s": mirrored,
                "axfr": {d: {"srv": s[0], "records": s[1], "octets": s[2]}
                         for d, s in sizes.items()}}
    finally:
        stop(gw, 20)
        shutil.rmtree(tmp, ignore_errors=True)


def summary(rows, sizes):
    lines = ["steady +/extra zone: (RSS of the case - RSS of 1 zone) / extra zones; "
             "in brackets, that over an extra zone's AXFR size.", "",
             "| services | zones | RSS steady MiB | RSS peak MiB | steady +/extra zone "
             "| peak +/extra zone | z1's AXFR: records, size | mirrored in s |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for n in sizes:
        med = {}
        for name, _ in CASES:
            rs = [r for r in rows if r["services"] == n and r["case"] == name]
            if not rs:
                continue
            med[name] = {k: statistics.median(r[k] for r in rs)
                         for k in ("rss_kb", "hwm_kb", "mirrored_s")}
            # the extra zones' signed data (z2 ... z4), each as AXFR sends it
            med[name]["extra_octets"] = statistics.median(
                statistics.mean(a["octets"] or 0 for d, a in r["axfr"].items() if d != "z1.test.")
                for r in rs) if len(rs[0]["axfr"]) > 1 else 0
            z1 = [r["axfr"]["z1.test."] for r in rs]
            med[name]["records"] = statistics.median(a["records"] or 0 for a in z1)
            med[name]["octets"] = statistics.median(a["octets"] or 0 for a in z1)
            half = [r["axfr"]["z2.test."] for r in rs if r["case"] == CASES[3][0]]
            if half:
                med[name]["half_records"] = statistics.median(a["records"] or 0 for a in half)
                med[name]["half_octets"] = statistics.median(a["octets"] or 0 for a in half)
        base = med.get(CASES[0][0])
        for name, zones in CASES:
            if name not in med:
                continue
            m = med[name]
            extra = len(zones) - 1
            if base and extra:
                ds = "%.1f MiB" % ((m["rss_kb"] - base["rss_kb"]) / 1024 / extra)
                dp = "%.1f MiB" % ((m["hwm_kb"] - base["hwm_kb"]) / 1024 / extra)
            else:
                ds = dp = "-"
            ax = "%d RRs, %.0f KiB" % (m["records"], m["octets"] / 1024)
            if "half_records" in m:
                ax += " (z2: %d RRs, %.0f KiB)" % (m["half_records"], m["half_octets"] / 1024)
            if base and extra and m["extra_octets"]:
                # what an extra zone costs in RSS per octet of its signed data
                ds += " (%.1fx)" % ((m["rss_kb"] - base["rss_kb"]) * 1024 / extra /
                                    m["extra_octets"])
            lines.append("| %d | %s | %.1f | %.1f | %s | %s | %s | %.1f |" % (
                n, name, m["rss_kb"] / 1024, m["hwm_kb"] / 1024, ds, dp, ax, m["mirrored_s"]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--services", default="1000,2000",
                    help="comma-separated sizes of the link (default 1000,2000)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=int, default=300,
                    help="seconds for one case to be mirrored and signed")
    ap.add_argument("--out", default=None)
    ap.add_argument("--summary", metavar="DIR",
                    help="only print the table of an earlier run's DIR/results.json")
    args = ap.parse_args()
    if args.summary:
        with open(os.path.join(args.summary, "results.json")) as f:
            rows = json.load(f)["runs"]
        log(summary(rows, sorted({r["services"] for r in rows})))
        return
    sizes, out = bench_prepare("zones", args, "build-bench", "zones")
    rows = []
    link = LinkPair("zb", "zbl", "zbg")
    try:
        link.up()
        with Netns(link.ns_lan):
            sender = RawSender(LAN4)
        for run in range(1, args.runs + 1):
            for n in sizes:
                for case in CASES[run - 1:] + CASES[:run - 1]:
                    r = one(args, link, sender, case, n, out, run)
                    rows.append(r)
                    log("run %d, %d services, %s: RSS %.1f MiB, peak %.1f MiB, "
                        "mirrored in %.1f s, z1 AXFR %s" % (
                            run, n, r["case"], r["rss_kb"] / 1024, r["hwm_kb"] / 1024,
                            r["mirrored_s"], r["axfr"]["z1.test."]))
                    with open(os.path.join(out, "results.json"), "w") as f:
                        json.dump({"gw_bin": args.gw_bin, "runs": rows}, f, indent=1)
    finally:
        link.down()
    text = summary(rows, sizes)
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write(text + "\n")
    log("\nmedians of %d run(s)\n%s\nresults: %s" % (args.runs, text, out))


if __name__ == "__main__":
    main()
