#!/usr/bin/python3
"""A big link: --services services announced at once on one link, and how
the gateway's mirror keeps up (docs/mdns.md, "Big links").

For each size N, a fresh gateway runs in linkpair.py's namespaces (one
zone, unsigned, the link's per-link, per-host and per-address limits
raised above N, no rate limit on changes); the LAN side announces N
services (tests/integration/publish.py's RawSender, records as bench/zones.py
builds them: types of 50 instances, 50 per host, TTL 4500 s) as a burst of
packets of 30 records, --gap ms apart, and answers the gateway's browse
queries for a type with all its instances' records, as a responder on a
busy link does. Measured from the first announcement: the time until the
zone holds all N services (the gateway's zone_services metric every
0.25 s, then N SRV records in an AXFR from the gateway's namespace), or the count reached at --timeout; the UDP receive-buffer drops
in the gateway's namespace (RcvbufErrors of /proc/net/snmp and
Udp6RcvbufErrors of /proc/net/snmp6, which only the gateway's sockets
can have there); the gateway's CPU seconds (user + system) and its RSS
(VmRSS, and the peak VmHWM) at the end. net.core.rmem_max, which caps
the gateway's socket buffers (docs/mdns.md, "Big links"), is printed
with the results and left as it is. Nothing is announced twice: what
was dropped comes back only through the gateway's own queries.

  bench/mdns_scale.py                                   # 1000 and 5000, one run
  GW_BIN=/path/to/dnssd-gateway bench/mdns_scale.py --services 5000 --runs 3

Root is needed (network namespaces, named mslan<pid>/msgw<pid>, removed on
exit). Environment: GW_BIN (default build/gateway/dnssd-gateway).
"""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from linkpair import (LinkPair, Netns, bench_prepare, ports_file_port, state_tmp,  # noqa: E402
                      stop, wait_link_up)
import memory  # noqa: E402  (proc_status)
import serve  # noqa: E402  (cpu_ticks)
import zones  # noqa: E402  (announcement, axfr, config)

ZONE = "z1.test."


def log(msg):
    print(msg, flush=True)


def rcvbuf_errors(ns):
    """UDP RcvbufErrors over IPv4 and IPv6 in namespace ns."""
    out = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/snmp",
                          "/proc/net/snmp6"], capture_output=True, text=True).stdout
    lines = out.splitlines()
    total = 0
    for k, ln in enumerate(lines):
        # /proc/net/snmp: a header line "Udp: InDatagrams ..." and a value line
        if ln.startswith("Udp: ") and k + 1 < len(lines) and lines[k + 1].startswith("Udp: "):
            names, values = ln.split()[1:], lines[k + 1].split()[1:]
            if "RcvbufErrors" in names and not values[0].isalpha():
                total += int(values[names.index("RcvbufErrors")])
        elif ln.startswith("Udp6RcvbufErrors"):
            total += int(ln.split()[1])
    return total


def zone_services(ns, port):
    """dnssd_gateway_zone_services of ZONE from the gateway's /metrics (in
    namespace ns, port port): far cheaper for it to answer, four times a
    second, than an AXFR of thousands of services. None when it did not
    answer within 5 s."""
    data = metrics_text(ns, port)
    m = re.search(rb'^dnssd_gateway_zone_services\{zone="%s"\} (\d+)' % ZONE.encode(), data,
                  re.M)
    return int(m.group(1)) if m else None


def metrics_text(ns, port):
    """The gateway's /metrics page (in namespace ns, port port) as bytes;
    b"" when it did not answer within 5 s."""
    with Netns(ns):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        sock.sendall(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        return b""
    finally:
        sock.close()
    return data


def rmem_max():
    """net.core.rmem_max (one value for every namespace): the most a
    socket's receive buffer may be given, in octets."""
    with open("/proc/sys/net/core/rmem_max") as f:
        return int(f.read())


def by_type(recs_of, n):
    """The records a responder answers a browse query for each type with:
    every instance's PTR, SRV and TXT, and the hosts' A records."""
    out = {}
    for i in range(n):
        out.setdefault(zones.service_type(i), []).extend(recs_of(i))
    return out


def one(args, link, sender, n, run, out):
    tmp = state_tmp("gw-mscale.")
    os.makedirs(os.path.join(tmp, "state"), exist_ok=True)
    cfg = os.path.join(tmp, "gateway.yaml")
    with open(cfg, "w") as f:
        f.write(zones.config(tmp, link.if_gw, ((ZONE, False),), n) +
                "dnssec: {enable: false}\nmetrics: {listen: [\"127.0.0.1@0\"]}\n")
    logpath = os.path.join(out, "gateway-%d-%d.log" % (n, run))
    recs = zones.announcement(n)
    # announcement(): the _services PTRs, the hosts' A records, then PTR,
    # SRV, TXT per service
    hosts = (n + zones.PER_HOST - 1) // zones.PER_HOST
    ntypes = len(recs) - hosts - 3 * n
    first = ntypes + hosts

    def recs_of(i):
        return recs[first + 3 * i:first + 3 * i + 3] + [recs[ntypes + i // zones.PER_HOST]]

    answers = by_type(recs_of, n)
    for t, rs in answers.items():
        sender.answer([t, "_tcp", "local"], rs)
    gw = None
    try:
        drops0 = rcvbuf_errors(link.ns_gw)
        with open(logpath, "w") as lf:
            gw = subprocess.Popen(["ip", "netns", "exec", link.ns_gw, args.gw_bin, "-c", cfg],
                                  stdout=lf, stderr=subprocess.STDOUT)
        port = wait_link_up(gw, tmp, logpath, "mdns_scale")
        mport = ports_file_port(os.path.join(tmp, "ports"), "metrics")
        cpu0 = serve.cpu_ticks(gw.pid)
        t0 = time.monotonic()
        for k in range(0, len(recs), 30):
            sender.send(recs[k:k + 30])
            time.sleep(args.gap / 1000.0)
        seen, done, timeline = 0, None, []
        while time.monotonic() - t0 < args.timeout and gw.poll() is None:
            seen = zone_services(link.ns_gw, mport) or seen
            if seen >= n:  # the zone itself must say so
                seen = zones.axfr(link.ns_gw, port, ZONE)[0]
            # (s, services in the zone, drops so far, CPU s so far)
            timeline.append((round(time.monotonic() - t0, 2), seen,
                             rcvbuf_errors(link.ns_gw) - drops0,
                             (serve.cpu_ticks(gw.pid) - cpu0) / os.sysconf("SC_CLK_TCK")))
            if seen >= n:
                done = time.monotonic() - t0
                break
            time.sleep(0.25)
        cpu = (serve.cpu_ticks(gw.pid) - cpu0) / os.sysconf("SC_CLK_TCK")
        st = memory.proc_status(gw.pid)
        return {"services": n, "run": run, "complete_s": done, "mirrored": seen,
                "rcvbuf_errors": rcvbuf_errors(link.ns_gw) - drops0, "cpu_s": cpu,
                "rss_mib": st["VmRSS"], "hwm_mib": st["VmHWM"], "gap_ms": args.gap,
                "rmem_max": rmem_max(), "timeline": timeline}
    finally:
        stop(gw, 20)
        for t in answers:
            sender.answer([t, "_tcp", "local"], None)
        shutil.rmtree(tmp, ignore_errors=True)


def summary(rows, timeout):
    lines = ["| services | all in the zone after | mirrored | RcvbufErrors | CPU s | "
             "RSS MiB (peak) |", "| --- | --- | --- | --- | --- | --- |"]
    for n in sorted({r["services"] for r in rows}):
        rs = [r for r in rows if r["services"] == n]
        done = [r["complete_s"] for r in rs if r["complete_s"] is not None]
        when = ("%.1f s" % statistics.median(done) if len(done) == len(rs)
                else "not at %d s (%d of %d runs)" % (timeout, len(rs) - len(done), len(rs)))

        def med(k):
            return statistics.median(r[k] for r in rs)

        lines.append("| %d | %s | %d | %d | %.1f | %.0f (%.0f) |" % (
            n, when, med("mirrored"), med("rcvbuf_errors"), med("cpu_s"),
            med("rss_mib"), med("hwm_mib")))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--services", default="1000,5000", help="comma-separated sizes of the link")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--gap", type=float, default=2.0,
                    help="milliseconds between two announcement packets of 30 records")
    ap.add_argument("--timeout", type=int, default=180,
                    help="seconds to wait for all services of one size")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    sizes, out = bench_prepare("mdns_scale", args, "build", "mdns-scale")
    if not os.access(args.gw_bin, os.X_OK):
        sys.exit("mdns_scale: no gateway binary at %s (set GW_BIN)" % args.gw_bin)
    rows = []
    link = LinkPair("ms", "msl", "msg")
    try:
        link.up()
        with Netns(link.ns_lan):
            sender = zones.RawSender(zones.LAN4)
        for run in range(1, args.runs + 1):
            for n in sizes:
                r = one(args, link, sender, n, run, out)
                rows.append(r)
                log("run %d, %d services: %s, %d mirrored, %d RcvbufErrors, %.1f CPU s, "
                    "RSS %.0f MiB (peak %.0f)" % (
                        run, n, "%.1f s" % r["complete_s"] if r["complete_s"] else "incomplete",
                        r["mirrored"], r["rcvbuf_errors"], r["cpu_s"], r["rss_mib"],
                        r["hwm_mib"]))
                with open(os.path.join(out, "results.json"), "w") as f:
                    json.dump({"gw_bin": args.gw_bin, "runs": rows}, f, indent=1)
    finally:
        link.down()
    text = summary(rows, args.timeout)
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write(text + "\n")
    log("\nmedians of %d run(s), gateway %s, net.core.rmem_max %d KiB\n%s\nresults: %s"
        % (args.runs, args.gw_bin, rmem_max() // 1024, text, out))


if __name__ == "__main__":
    main()
