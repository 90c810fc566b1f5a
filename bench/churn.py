#!/usr/bin/python3
"""Memory under churn (issue 11): a signed 10k-service mirror whose
services come and go at --rate changes a second for --duration seconds,
and whether the gateway's RSS ends where it started and its journal file
stays bounded.

A fresh gateway runs in linkpair.py's namespaces, joined by --links veth
pairs, each its own link (default: one per 500 services, as issue 11's
zones have it; --links 1 is the single link of the earlier runs), all
mirrored into one zone, z1.test. (subdomains lan0, lan1, ...; lan with
one link), signed with ECDSA P-256 and --denial; the per-link, per-host
and per-address limits raised to twice --services, no limit on changes
a second, batch-window 200 ms, transfer.journal-size set to
--journal-size. The LAN side announces --services services, spread
evenly over the links, as raw mDNS responses (a
tests/integration/publish.py RawSender per link, records as
bench/zones.py builds them, TTL 4500 s, no service type or host on two
links), --fill-rate a second on each link (faster, Avahi's query
scheduler, which scans its link's list of pending queries for every
query it adds, falls behind for minutes), and the benchmark waits until
the zone holds them all (AXFR), is signed, and the gateway is idle: its
VmRSS then is the start value. Then, for --duration seconds, it makes
--rate changes a second, in 10 ms ticks: each change picks a link at
random, then announces a service that is not on it or says goodbye (TTL
0) to one that is, chosen at random, and each link's count stays within
1 % of its share. A link's changes go out once they fill a packet or
have waited --links ticks (a packet per change would cost RawSender's
pause per packet many times over). The names come from a pool of twice
each link's share (adds take the name absent longest, so a name never
comes back within a second of its goodbye), so types, hosts and names
stay bounded however long it runs. Every --sample seconds a row goes
into samples.csv: VmRSS, VmHWM, the journal file's size, the zone's
serial, services and commits (the gateway's /metrics), its CPU seconds,
the UDP RcvbufErrors in its namespace (one count for all links: Avahi
reads all interfaces through one socket per address family), the
datagrams the LAN side sent, and the load average. At the end it waits
until the zone holds what the links hold (or stops moving: changes the
kernel dropped leave it off) and the gateway is idle, takes the end
values, then (unless --no-resync) announces the services present and
says goodbye to every other name of the pools, at --fill-rate a link,
and samples again once settled and idle (the zone back at the links'
size). It prints start, end and peak RSS, their ratio, the largest
journal file against transfer.journal-size, the changes sent and what
the zone took (commits, serials, the records Avahi reported added and
removed), each link's services on the link and in the zone (AXFR) after
the churn, the drops against the datagrams sent, and the gateway's CPU
seconds; results.json and summary.md go to the output directory.

  bench/churn.py --duration 60                     # a quick look, 20 links
  GW_BIN=build-rel/gateway/dnssd-gateway bench/churn.py    # 30 minutes
  bench/churn.py --duration 60 --links 1           # all 10 000 on one link

Root is needed (network namespaces, named chlan<pid>/chgw<pid>, removed on
exit, also on Ctrl-C and SIGTERM). Environment: GW_BIN (default
build/gateway/dnssd-gateway).
"""
import argparse
import collections
import csv
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from linkpair import LinkPair, Netns, bench_prepare, ports_file_port, state_tmp, stop, wait_link_up  # noqa: E402,E501
import mdns_scale  # noqa: E402  (metrics_text, rcvbuf_errors)
import memory  # noqa: E402  (proc_status)
import serve  # noqa: E402  (cpu_ticks, wait_idle)
import sign  # noqa: E402  (loadavg)
import zones  # noqa: E402  (records, RawSender, axfr, config)

ZONE = "z1.test."
TICK = 0.01
PACKET = 1400 - 12  # octets of records in one of RawSender's packets
IP_MULTICAST_ALL = getattr(socket, "IP_MULTICAST_ALL", 49)  # linux/in.h
FIELDS = ("t_s", "changes", "services_on_link", "rss_mib", "hwm_mib", "journal_bytes",
          "serial", "zone_services", "commits", "cpu_s", "rcvbuf_errors", "udp_sent",
          "load1",
          "metrics_stale")


def log(msg):
    print(time.strftime("%H:%M:%S ") + msg, flush=True)


def parse_size(text):
    """16M, 64k, 1G or octets, as the configuration takes them."""
    m = re.fullmatch(r"(\d+)([kKmMgG]?)", text)
    if m is None:
        raise argparse.ArgumentTypeError("a size: octets or a number with k, M or G")
    return int(m.group(1)) << {"": 0, "k": 10, "m": 20, "g": 30}[m.group(2).lower()]


def metrics(ns, port):
    """The zone's serial, services and commits, and avahi's added and
    removed events, from the gateway's /metrics; missing ones are None."""
    try:
        text = mdns_scale.metrics_text(ns, port).decode(errors="replace")
    except OSError:
        text = ""
    out = {}
    for key, pattern in (("serial", r'zone_serial\{zone="%s"\}' % ZONE),
                         ("zone_services", r'zone_services\{zone="%s"\}' % ZONE),
                         ("commits", r'zone_commits_total\{zone="%s"\}' % ZONE),
                         ("added", r'mdns_events_total\{event="added"\}'),
                         ("removed", r'mdns_events_total\{event="removed"\}')):
        m = re.search(r"(?m)^dnssd_gateway_%s (\d+)" % pattern, text)
        out[key] = int(m.group(1)) if m else None
    return out


def udp_sent(ns):
    """UDP OutDatagrams (IPv4) in namespace ns: on the LAN side, the
    packets RawSender sent (and little else: it answers no queries)."""
    text = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/snmp"],
                          capture_output=True, text=True).stdout
    udp = [ln.split()[1:] for ln in text.splitlines() if ln.startswith("Udp: ")]
    return int(udp[1][udp[0].index("OutDatagrams")])


def journal_bytes(state):
    """Octets of the journal files under the state directory."""
    total = 0
    for d, _, files in os.walk(state):
        total += sum(os.path.getsize(os.path.join(d, f)) for f in files if f == "journal")
    return total


class Link:
    """The services on one link: a pool of 2 n names (service numbers
    first, first + 1, ...), n of them present, announced by sender from
    address addr. change() picks one change and returns (sender, its
    records)."""

    def __init__(self, n, seed, first=0, sender=None, addr=zones.LAN4):
        self.n = n
        self.band = max(1, n // 100)
        self.present = list(range(first, first + n))
        self.absent = collections.deque(range(first + n, first + 2 * n))
        self.pool = range(first, first + 2 * n)
        self.rng = random.Random(seed)
        self.sender, self.addr = sender, addr

    def base(self):
        """The records every service of the pool shares: the types'
        _services PTRs and the hosts' addresses."""
        types = sorted({zones.service_type(i) for i in self.pool})
        hosts = sorted({i // zones.PER_HOST for i in self.pool})
        return ([zones.ptr(["_services", "_dns-sd", "_udp", "local"], [t, "_tcp", "local"],
                           zones.TTL) for t in types] +
                [zones.a(["h%04d" % h, "local"], self.addr, zones.TTL) for h in hosts])

    def change(self):
        count = len(self.present)
        add = (count <= self.n - self.band or
               (count < self.n + self.band and self.rng.random() < 0.5))
        if add:
            i = self.absent.popleft()
            self.present.append(i)
            return self.sender, zones.service_records(i)
        k = self.rng.randrange(count)
        i = self.present[k]
        self.present[k] = self.present[-1]
        self.present.pop()
        self.absent.append(i)
        return self.sender, zones.service_records(i, 0)


class Links:
    """--links links, --services spread evenly over them (the first ones
    get one more when it does not divide). Each link's pool starts on a
    multiple of PER_TYPE and PER_HOST, so that no service type or host
    name is on two links. change() picks a link at random, then a
    change on it."""

    def __init__(self, args, segments, senders):
        self.links = []
        first = 0
        for k, (seg, sender) in enumerate(zip(segments, senders)):
            n = args.services // len(segments) + (k < args.services % len(segments))
            self.links.append(Link(n, args.seed + k, first, sender, seg.lan4))
            step = max(zones.PER_TYPE, zones.PER_HOST)
            first += (2 * n + step - 1) // step * step
        self.rng = random.Random(args.seed ^ 0x11)

    def present(self):
        return sum(len(ln.present) for ln in self.links)

    def change(self):
        return self.rng.choice(self.links).change() if len(self.links) > 1 else \
            self.links[0].change()

    def interleaved(self, per_link):
        """per_link(link) lists (sender, records) items for each link;
        the items of all links, taken in turn, one of each link."""
        lists = [per_link(ln) for ln in self.links]
        return [x for k in range(max(len(x) for x in lists)) for x in
                (lst[k] for lst in lists if k < len(lst))]


def config(args, tmp, pair):
    ifs = pair.if_gw if args.links == 1 else [seg.if_gw for seg in pair.segments]
    return (zones.config(tmp, ifs, ((ZONE, False),), args.services) +
            "dnssec: {enable: true, algorithm: ecdsap256sha256, denial: %s}\n"
            "metrics: {listen: [\"127.0.0.1@0\"]}\n"
            "transfer: {journal-size: %d}\n" % (args.denial, args.journal_size))


def axfr(ns, port, per_link=None):
    """(SRV records, RRSIG records) of the zone's AXFR; per_link, a dict,
    gets the SRV records under each link's subdomain."""
    r = subprocess.run(["ip", "netns", "exec", ns, "kdig", "@127.0.0.1", "-p", str(port),
                        "AXFR", ZONE, "+nocomments", "+noquestion"],
                       capture_output=True, text=True, timeout=300)
    lines = [ln for ln in r.stdout.splitlines() if "\tSRV\t" in ln]
    if per_link is not None:
        for ln in lines:
            owner = ln.split()[0]
            sub = owner[:-len(ZONE) - 1].rsplit(".", 1)[-1]
            per_link[sub] = per_link.get(sub, 0) + 1
    return (len(lines), sum(1 for ln in r.stdout.splitlines() if "\tRRSIG\t" in ln))


def wait_links_up(gw, logpath, n):
    """Wait (up to 20 s) until the gateway's log says all n links are up."""
    t0 = time.monotonic()
    while True:
        with open(logpath) as f:
            up = len(re.findall(r"(?m)link \S+ \(\S+\) is up", f.read()))
        if up >= n:
            return
        if time.monotonic() - t0 > 20 or gw.poll() is not None:
            raise SystemExit("churn: %d of %d links came up; log %s" % (up, n, logpath))
        time.sleep(0.1)


def wait_mirrored(args, ns, port, mport, gw, want, again=None):
    """Wait until the zone holds want services (the metric, then AXFR) and
    is signed; when nothing moves for 30 s, again() (announce it all
    again: a packet was lost). Returns the seconds waited."""
    t0 = last_move = time.monotonic()
    last = None
    while True:
        if gw.poll() is not None:
            raise SystemExit("churn: the gateway exited with %s" % gw.returncode)
        seen = metrics(ns, mport)["zone_services"]
        if seen == want:
            srv, sigs = axfr(ns, port)
            if srv == want and sigs > 0:
                return time.monotonic() - t0
        if seen != last or seen is None:
            # None: /metrics did not answer, the gateway is still busy
            # with what it got; more of the same would only add to it
            last, last_move = seen, time.monotonic()
        elif again and time.monotonic() - last_move > 30:
            log("no progress for 30 s at %s of %d services; announcing again" % (seen, want))
            again()
            last_move = time.monotonic()
        if time.monotonic() - t0 > args.timeout:
            raise SystemExit("churn: %s of %d services after %d s" % (seen, want, args.timeout))
        time.sleep(1)


def wait_settled(ns, mport, want, timeout):
    """After the churn: wait until the zone holds want services, or its
    count has not moved for 15 s (changes lost on the way: the count
    then stays off) or timeout seconds passed. Returns the seconds."""
    t0 = last_move = time.monotonic()
    last = None
    while time.monotonic() - t0 < timeout:
        seen = metrics(ns, mport)["zone_services"]
        if seen == want:
            break
        if seen != last:
            last, last_move = seen, time.monotonic()
        elif time.monotonic() - last_move > 15:
            log("the zone stays at %s services, the link has %d" % (seen, want))
            break
        time.sleep(1)
    return time.monotonic() - t0


class Sampler:
    """Rows of samples.csv, and the extremes over them."""

    def __init__(self, path, gw, ns, mport, state, ns_lan):
        self.f = open(path, "w", newline="")
        self.w = csv.DictWriter(self.f, FIELDS)
        self.w.writeheader()
        self.gw, self.ns, self.mport, self.state = gw, ns, mport, state
        self.rows = []
        self.t0 = time.monotonic()
        self.cpu0 = serve.cpu_ticks(gw.pid)
        self.drops0 = mdns_scale.rcvbuf_errors(ns)
        self.ns_lan = ns_lan
        self.sent0 = udp_sent(ns_lan)

    def sample(self, changes, on_link):
        st = memory.proc_status(self.gw.pid)
        m = metrics(self.ns, self.mport)
        stale = m["serial"] is None
        if stale and self.rows:  # /metrics did not answer in 5 s: the gateway is busy
            m = {k: self.rows[-1][k] for k in m}
        row = {"t_s": round(time.monotonic() - self.t0, 1), "changes": changes,
               "services_on_link": on_link, "rss_mib": round(st["VmRSS"], 2),
               "hwm_mib": round(st["VmHWM"], 2), "journal_bytes": journal_bytes(self.state),
               "serial": m["serial"], "zone_services": m["zone_services"],
               "commits": m["commits"],
               "cpu_s": round((serve.cpu_ticks(self.gw.pid) - self.cpu0) /
                              os.sysconf("SC_CLK_TCK"), 2),
               "rcvbuf_errors": mdns_scale.rcvbuf_errors(self.ns) - self.drops0,
               "udp_sent": udp_sent(self.ns_lan) - self.sent0,
               "load1": float(sign.loadavg().split()[0]), "metrics_stale": int(stale)}
        self.w.writerow(row)
        self.f.flush()
        self.rows.append(dict(row, added=m["added"], removed=m["removed"], stale=stale))
        return row


def pace(rate, total, items, seconds=None, progress=None, hold=1):
    """Send the records of items(k) = (sender, records) for k = 0, 1, ...
    at rate a second, in 10 ms ticks (a tick late catches up by a tenth
    of a second at most), until total were sent or seconds passed;
    progress(k) is told the count after each tick. A sender's records go
    out once they fill a packet or have waited hold ticks: with many
    links, a tick holds a change or two of each, and a packet of its own
    for each would cost RawSender's pause per packet many times over.
    Returns (count sent, seconds taken)."""
    done = 0
    held = {}  # sender -> [records, tick of the first]
    tick = 0
    t0 = time.monotonic()
    while done < total:
        now = time.monotonic()
        if seconds is not None and now - t0 >= seconds:
            break
        due = min(int(rate * (now - t0)) - done, max(1, rate // 10), total - done)
        for k in range(done, done + max(due, 0)):
            sender, recs = items(k)
            held.setdefault(sender, [[], tick])[0].extend(recs)
        done += max(due, 0)
        for sender, (recs, since) in list(held.items()):
            if tick - since + 1 >= hold or sum(map(len, recs)) >= PACKET:
                sender.send(recs)
                del held[sender]
        if progress:
            progress(done)
        tick += 1
        time.sleep(max(0.0, t0 + (int((time.monotonic() - t0) / TICK) + 1) * TICK -
                       time.monotonic()))
    for sender, (recs, _) in held.items():
        sender.send(recs)
    return done, time.monotonic() - t0


def churn(args, lan, sampler):
    """--rate changes a second for --duration seconds, sampled every
    --sample seconds by another thread (/metrics may take seconds to
    answer when the gateway is busy). Returns (changes sent, seconds)."""
    stop_ev = threading.Event()
    state = {"done": 0}

    def sample_loop():
        t0 = time.monotonic()
        while not stop_ev.wait(args.sample):
            row = sampler.sample(state["done"], lan.present())
            el = time.monotonic() - t0
            log("%6.0f s: %d changes (%.0f/s), RSS %.1f MiB (peak %.1f), journal %.1f MiB, "
                "serial %s, %s services%s, load %s" % (
                    el, row["changes"], row["changes"] / el, row["rss_mib"], row["hwm_mib"],
                    row["journal_bytes"] / 2**20, row["serial"], row["zone_services"],
                    " (/metrics did not answer)" if row["metrics_stale"] else "",
                    sign.loadavg()))

    th = threading.Thread(target=sample_loop, daemon=True)
    th.start()
    try:
        return pace(args.rate, float("inf"), lambda k: lan.change(), args.duration,
                    lambda n: state.update(done=n), len(lan.links))
    finally:
        stop_ev.set()
        th.join()


def summarize(args, res):
    j = res["journal"]
    lines = [
        "| | |", "| --- | --- |",
        "| gateway | %s |" % res["gw_bin"],
        "| services, links, denial | %d, %d, %s |" % (args.services, args.links, args.denial),
        "| churn | %d changes in %.0f s (%.0f/s; asked %d/s) |" % (
            res["changes_sent"], res["churn_s"], res["changes_per_s"], args.rate),
        "| RSS start / end / peak (VmHWM) | %.1f / %.1f / %.1f MiB |" % (
            res["rss_start_mib"], res["rss_end_mib"], res["hwm_end_mib"]),
        "| RSS end / start | %.3f (%+.1f %%) |" % (
            res["rss_ratio"], 100 * (res["rss_ratio"] - 1)),
        "| RSS peak during the churn | %.1f MiB |" % res["rss_max_churn_mib"],
        "| RSS at half-time / at the churn's last sample | %.1f / %.1f MiB |" % (
            res["rss_half_mib"], res["rss_last_churn_mib"]),
        "| journal file: start / max / end | %.1f / %.1f / %.1f MiB |" % (
            j["start"] / 2**20, j["max"] / 2**20, j["end"] / 2**20),
        "| transfer.journal-size | %.1f MiB (max file / limit %.2f; the limit bounds the "
        "file, snapshot included, since e14a60b) |" % (
            args.journal_size / 2**20, j["max"] / args.journal_size),
        "| zone took | %d commits, serial +%d; Avahi reported %d records added, "
        "%d removed |" % (res["commits"], res["serials"],
                          res["events"]["added"], res["events"]["removed"]),
        "| services at the end: link / zone (metric, AXFR SRVs) | %d / %s, %d "
        "(%.0f s after the churn) |" % (res["services_on_link"], res["zone_services_end"],
                                         res["zone_srv_end"], res["settled_s"]),
        "| after the resync: RSS, zone services, journal file | %s |" % (
            "%.1f MiB (%.3f of the start), %s, %.1f MiB" % (
                res["rss_synced_mib"], res["rss_synced_ratio"], res["zone_services_synced"],
                res["journal_synced"] / 2**20) if "rss_synced_mib" in res else "not done"),
        "| --trim: malloc heap held, in use at the start; at the end; RSS at the end before, "
        "after malloc_trim(0) | %s |" % (
            "%s, %s MiB; %s, %s MiB; %.1f, %.1f MiB" % (
                mib_text(res["trim"]["heap_start_system_mib"]),
                mib_text(res["trim"]["heap_start_in_use_mib"]),
                mib_text(res["trim"]["heap_system_mib"]), mib_text(res["trim"]["heap_in_use_mib"]),
                res["trim"]["rss_before_mib"], res["trim"]["rss_after_mib"])
            if "trim" in res else "not done"),
        "| services at the end per link: link / zone (AXFR SRVs) | %s |" % ", ".join(
            "%s %d/%d" % (k["subdomain"], k["on_link"], k["zone"]) for k in res["links_end"]),
        "| UDP RcvbufErrors (gateway namespace, all links) / datagrams the LAN side sent | "
        "%d / %d (%.0f %%) |" % (res["rcvbuf_errors"], res["udp_sent"],
                                  100.0 * res["rcvbuf_errors"] / max(1, res["udp_sent"])),
        "| gateway CPU during the churn / until idle | %.1f s / %.1f s |" % (
            res["cpu_churn_s"], res["cpu_total_s"]),
        "| load average (1 min): start, mean, max | %.2f, %.2f, %.2f |" % (
            res["load"]["start"], res["load"]["mean"], res["load"]["max"]),
    ]
    return "\n".join(lines)


def resync(args, lan, ns, mport, idle, sampler):
    """Say what the link holds once more, at --fill-rate services a second:
    announcements of the services present, goodbyes of every other name
    of the pool. Changes the kernel dropped during the churn leave the
    zone with more or fewer services than the link, and RSS follows the
    zone's size; after this, the zone should be back at --services, so
    that its RSS compares with the start. Returns the sample taken once
    the zone settled and the gateway is idle."""
    present = lan.present()
    log("resync: announcing the %d services present and goodbyes for the other %d names"
        % (present, sum(len(ln.pool) for ln in lan.links) - present))

    def names(ln):
        on = set(ln.present)
        return [(ln.sender, zones.service_records(i, zones.TTL if i in on else 0))
                for i in ln.pool]

    items = lan.interleaved(names)
    pace(args.fill_rate * len(lan.links), len(items), items.__getitem__, hold=len(lan.links))
    wait_settled(ns, mport, present, args.timeout)
    serve.wait_idle(idle, timeout=args.timeout)
    return sampler.sample(sampler.rows[-1]["changes"], present)


def heap_stats(pid, logpath, calls=()):
    """glibc's malloc_stats() of the gateway (gdb; it prints into the
    gateway's log), after the gdb calls given: {"system", "in use"} in
    octets, the heap malloc holds and the part of it in use."""
    size = os.path.getsize(logpath)
    cmd = ["gdb", "-p", str(pid), "-batch", "-ex", "call (void)malloc_stats()"]
    for c in calls:
        cmd += ["-ex", c]
    try:
        subprocess.run(cmd, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        # Seen once (arena_max=1): gdb stuck in the call. The run's other
        # results stand; the heap is reported as not read.
        log("gdb did not finish in 120 s; malloc_stats not read")
        return {}
    time.sleep(1)
    with open(logpath) as f:
        f.seek(size)
        stats = f.read()
    m = re.findall(r"(system|in use) bytes\s*=\s*(\d+)", stats.split("Total")[-1])
    return {k: int(v) for k, v in m}


def trim(pid, logpath):
    """glibc's view of the heap (malloc_stats(), which the gateway prints
    into its log), then malloc_trim(0) and VmRSS again: what RSS loses
    then was memory freed but kept by malloc, not memory in use. Done
    with gdb, which stops the gateway for a moment."""
    before = memory.proc_status(pid)["VmRSS"]
    total = heap_stats(pid, logpath, ["call (int)malloc_trim(0)"])
    after = memory.proc_status(pid)["VmRSS"]
    log("malloc_trim(0): RSS %.1f -> %.1f MiB; malloc_stats: %s" % (before, after, total))
    return {"trim": {"rss_before_mib": before, "rss_after_mib": after,
                     "heap_system_mib": mib(total.get("system")),
                     "heap_in_use_mib": mib(total.get("in use"))}}


def mib(octets):
    """octets in MiB; None (not read) stays None."""
    return None if octets is None else octets / 2**20


def mib_text(v):
    return "not read" if v is None else "%.1f" % v


def run(args, out):
    link = LinkPair("ch", "chl", "chg", args.links)
    tmp = state_tmp("gw-churn.")
    state = os.path.join(tmp, "state")
    os.makedirs(state, exist_ok=True)
    cfg = os.path.join(tmp, "gateway.yaml")
    with open(cfg, "w") as f:
        f.write(config(args, tmp, link))
    shutil.copy(cfg, os.path.join(out, "gateway.yaml"))
    logpath = os.path.join(out, "gateway.log")
    gw = None
    try:
        link.up()
        senders = []
        with Netns(link.ns_lan):
            for seg in link.segments:
                senders.append(zones.RawSender(seg.lan4))
                if args.links > 1:
                    # each hears the queries of its own link only, not
                    # those of all links (IP_MULTICAST_ALL)
                    senders[-1].sock.setsockopt(socket.IPPROTO_IP, IP_MULTICAST_ALL, 0)
        with open(logpath, "w") as lf:
            gw = subprocess.Popen(["ip", "netns", "exec", link.ns_gw, args.gw_bin, "-c", cfg],
                                  stdout=lf, stderr=subprocess.STDOUT)
        port = wait_link_up(gw, tmp, logpath, "churn")
        wait_links_up(gw, logpath, args.links)
        mport = ports_file_port(os.path.join(tmp, "ports"), "metrics")
        lan = Links(args, link.segments, senders)
        log("announcing %d services on %d link%s (load average %s)" % (
            args.services, args.links, "s" if args.links > 1 else "", sign.loadavg()))

        def fill():
            for ln in lan.links:
                zones.announce(ln.sender, ln.base())
            items = lan.interleaved(lambda ln: [(ln.sender, zones.service_records(i))
                                                for i in ln.present])
            pace(args.fill_rate * args.links, len(items), items.__getitem__,
                 hold=args.links)

        fill()
        took = wait_mirrored(args, link.ns_gw, port, mport, gw, args.services, fill)
        idle = types.SimpleNamespace(proc=gw, name="gateway")
        serve.wait_idle(idle, timeout=120)
        start = memory.proc_status(gw.pid)
        heap0 = heap_stats(gw.pid, logpath) if args.trim else {}
        sampler = Sampler(os.path.join(out, "samples.csv"), gw, link.ns_gw, mport, state,
                          link.ns_lan)
        first = sampler.sample(0, lan.present())
        log("mirrored and signed in %.0f s; start RSS %.1f MiB (peak %.1f), journal %.1f MiB; "
            "churning %d changes/s for %d s" % (took, start["VmRSS"], start["VmHWM"],
                                                 first["journal_bytes"] / 2**20, args.rate,
                                                 args.duration))
        sent, secs = churn(args, lan, sampler)
        cpu_churn = (serve.cpu_ticks(gw.pid) - sampler.cpu0) / os.sysconf("SC_CLK_TCK")
        log("churn over: %d changes in %.0f s; waiting for the zone and idle" % (sent, secs))
        settled = wait_settled(link.ns_gw, mport, lan.present(), args.timeout)
        serve.wait_idle(idle, timeout=args.timeout)
        last = sampler.sample(sent, lan.present())
        rows = list(sampler.rows)
        per_link = {}
        srv_end = axfr(link.ns_gw, port, per_link)[0]
        links_end = [{"subdomain": sub, "on_link": len(ln.present), "zone": per_link.get(sub, 0)}
                     for sub, ln in zip(["lan"] if args.links == 1 else
                                        ["lan%d" % k for k in range(args.links)], lan.links)]
        synced = resync(args, lan, link.ns_gw, mport, idle, sampler) if args.resync else None
        churn_rows = rows[1:-1] or rows
        loads = [r["load1"] for r in rows]
        jbytes = [r["journal_bytes"] for r in rows]
        res = {
            "gw_bin": args.gw_bin, "services": args.services, "links": args.links,
            "denial": args.denial,
            "rate": args.rate, "duration": args.duration, "mirrored_s": took,
            "changes_sent": sent, "churn_s": secs, "changes_per_s": sent / secs,
            "rss_start_mib": start["VmRSS"], "hwm_start_mib": start["VmHWM"],
            "rss_end_mib": last["rss_mib"], "hwm_end_mib": last["hwm_mib"],
            "rss_ratio": last["rss_mib"] / start["VmRSS"],
            "rss_max_churn_mib": max(r["rss_mib"] for r in churn_rows),
            # growth over the churn's second half, when the journal has
            # long reached its bounds: a leak shows there
            "rss_half_mib": min(rows, key=lambda r: abs(r["t_s"] - secs / 2))["rss_mib"],
            "rss_last_churn_mib": churn_rows[-1]["rss_mib"],
            "journal": {"start": jbytes[0], "max": max(jbytes), "end": jbytes[-1],
                        "limit": args.journal_size},
            "commits": last["commits"] - first["commits"],
            "serials": (last["serial"] - first["serial"]) % 2**32,
            "events": {k: rows[-1][k] - rows[0][k] for k in ("added", "removed")},
            "services_on_link": lan.present(), "zone_services_end": last["zone_services"],
            "zone_srv_end": srv_end, "settled_s": settled, "links_end": links_end,
            "rcvbuf_errors": last["rcvbuf_errors"], "udp_sent": last["udp_sent"],
            "cpu_churn_s": cpu_churn, "cpu_total_s": last["cpu_s"],
            "load": {"start": loads[0], "mean": sum(loads) / len(loads), "max": max(loads)},
        }
        if args.trim:
            res.update(trim(gw.pid, logpath))
            res["trim"]["heap_start_system_mib"] = mib(heap0.get("system"))
            res["trim"]["heap_start_in_use_mib"] = mib(heap0.get("in use"))
        if synced is not None:
            res.update(rss_synced_mib=synced["rss_mib"], hwm_synced_mib=synced["hwm_mib"],
                       rss_synced_ratio=synced["rss_mib"] / start["VmRSS"],
                       zone_services_synced=synced["zone_services"],
                       journal_synced=synced["journal_bytes"])
        return res
    finally:
        stop(gw, 30)
        link.down()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=int, default=1800,
                    help="seconds of churn (default 1800)")
    ap.add_argument("--rate", type=int, default=1000, help="changes a second (default 1000)")
    ap.add_argument("--services", type=int, default=10000,
                    help="services on the link, kept within 1 %% (default 10000)")
    ap.add_argument("--links", type=int, default=None,
                    help="links (L2 segments), the services spread evenly over them "
                    "(default --services / 500, at least 1; at most %d)" % LinkPair.MAX_LINKS)
    ap.add_argument("--fill-rate", type=int, default=100,
                    help="services a second and link announced to fill the links at first "
                    "(default 100)")
    ap.add_argument("--no-resync", dest="resync", action="store_false",
                    help="measure only as the churn left the zone, without saying once more "
                    "at the end what the link holds")
    ap.add_argument("--trim", action="store_true",
                    help="at the very end, print glibc's malloc_stats() and call "
                    "malloc_trim(0) in the gateway (gdb), and read RSS again")
    ap.add_argument("--sample", type=float, default=10,
                    help="seconds between two rows of samples.csv (default 10)")
    ap.add_argument("--denial", choices=("nsec", "nsec3"), default="nsec")
    ap.add_argument("--journal-size", type=parse_size, default=parse_size("16M"),
                    help="transfer.journal-size (default 16M, the gateway's default)")
    ap.add_argument("--timeout", type=int, default=600,
                    help="seconds to wait for the zone to hold the link's services")
    ap.add_argument("--seed", type=int, default=1, help="seed of the changes' choice")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    if args.links is None:
        args.links = max(1, args.services // 500)
    if not 1 <= args.links <= min(LinkPair.MAX_LINKS, args.services):
        ap.error("--links: 1 to %d, and at most --services"
                 % LinkPair.MAX_LINKS)
    prep = argparse.Namespace(services=str(args.services), out=args.out)
    _, out = bench_prepare("churn", prep, "build", "churn")
    args.gw_bin = prep.gw_bin
    if not os.access(args.gw_bin, os.X_OK):
        sys.exit("churn: no gateway binary at %s (set GW_BIN)" % args.gw_bin)
    res = run(args, out)
    text = summarize(args, res)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write(text + "\n")
    log("\n%s\nresults: %s" % (text, out))


if __name__ == "__main__":
    main()
