#!/usr/bin/python3
"""Memory and start-up time: dnssd-gateway against Knot on the same zone.

Usage: bench/memory.py [--sizes 1000,10000] [--denial nsec,nsec3] [--runs R]
                       [--servers gateway,knot] [--restarts term,kill]
                       [--out DIR] [--openssl-seconds S]

For each size N (services; zone from shared/bench/gen-dnssd-zone, 500
services per link), each denial (NSEC, NSEC3) and each run:
  knot      knotd (Debian) with dnssec-signing: on, ECDSA P-256 CSK,
            signing-threads 2, udp/tcp/background workers 2
  gateway   dnssd-gateway signing the same zone (ECDSA P-256 CSK, the
            default), then restarted on the same state directory after
            SIGTERM and after SIGKILL
and records: seconds from start until the SOA is served with an RRSIG
(start -> signed; for a restart, start -> serving) and the CPU seconds it
used by then, then, once the process is idle, VmRSS (steady) and VmHWM (peak) from /proc/PID/status. Prints
medians over the runs, as the table of issue 11, with the gateway/Knot
ratios of the same run, and `openssl speed -multi 2 ecdsap256` (the
"OpenSSL limit": signatures the zone needs / sign/s). Writes results.json
and summary.md into the output directory. See bench/memory.md.

Environment: GW_BIN (default: build it in build-bench, as serve.py does),
GW_SHARED (the shared/ folder). Standard library only; needs knotd,
openssl, kdig (serve.py's checks are not used; the SOA probe is sign.py's).
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve  # noqa: E402  (server runners, gateway build, idle wait)
import sign  # noqa: E402  (SOA probe, openssl speed)
from serve import BenchError, ROOT, log  # noqa: E402

DENIALS = ("nsec", "nsec3")
RESTARTS = ("term", "kill")


def proc_status(pid):
    """VmRSS and VmHWM of pid in MiB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0]) / 1024
    return out


class Denial:
    """A serve.py runner whose configuration, once written, configure()
    adapts to the denial (nsec or nsec3) and to this benchmark."""

    def __init__(self, args, zonefile, workdir, denial):
        super().__init__(args, zonefile, workdir)
        self.denial = denial

    def command(self):
        cmd = super().command()
        with open(self.conf) as f:
            text = f.read()
        with open(self.conf, "w") as f:
            f.write(self.configure(text))
        return cmd


class MemGateway(Denial, serve.Gateway):
    """serve.py's gateway, signing with the given denial, on a state
    directory that survives a stop (for the restarts)."""

    def configure(self, text):
        text = re.sub(r"(?m)^dnssec: .*$", f"dnssec: {{enable: true, denial: {self.denial}}}",
                      text)
        if os.getuid() == 0 and not re.search(r"(?m)^user\s*:", text):
            # the state directory lies in a private temporary directory
            # the gateway's own user cannot enter
            text += "user: root\n"
        if not re.search(r"(?m)^control\s*:", text):
            text += "control: {enable: false}\n"  # not the system's socket
        return text

    def start(self):
        try:
            os.unlink(self.portsfile)
        except (AttributeError, FileNotFoundError):
            pass
        return super().start()

    def kill(self):
        """SIGKILL, no chance to write anything."""
        p, self.proc = self.proc, None
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=10)


class MemKnot(Denial, serve.Knot):
    """serve.py's Knot with signing-threads 2, 2 background workers and the
    given denial."""

    def configure(self, text):
        nsec3 = ("on\n    nsec3-iterations: 0\n    nsec3-salt-length: 0\n"
                 "    nsec3-opt-out: off" if self.denial == "nsec3" else "off")
        text = text.replace("    nsec3: off\n", f"    nsec3: {nsec3}\n    signing-threads: 2\n")
        return text.replace("background-workers: 1", "background-workers: 2")


def proc_cpu(pid):
    """CPU seconds (user + system) pid has used, all its threads, those
    already ended included."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    # fields[0] is the state, the third field of proc(5): utime and
    # stime are its 14th and 15th
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_signed(server, timeout):
    """Seconds from server.started until it answers the SOA with an RRSIG,
    and the CPU seconds the server had used by then."""
    while time.monotonic() - server.started < timeout:
        if server.proc.poll() is not None:
            raise BenchError(f"{server.name} exited with status {server.proc.returncode}; "
                             f"log {server.logfile}:\n{serve.tail(server.logfile)}")
        types = sign.soa_answer_types(server.port)
        if types is not None and 6 in types and 46 in types:
            return time.monotonic() - server.started, proc_cpu(server.proc.pid)
        time.sleep(0.005)
    raise BenchError(f"{server.name} did not serve a signed SOA within {timeout} s; "
                     f"log {server.logfile}:\n{serve.tail(server.logfile)}")


def measure(server, timeout):
    """Start server, time it to signed, wait until idle, read its memory.
    Leaves it running."""
    server.start()
    t, cpu = wait_signed(server, timeout)
    serve.wait_idle(server, timeout=timeout)
    m = proc_status(server.proc.pid)
    return {"signed_s": t, "cpu_s": cpu, "rss": m["VmRSS"], "hwm": m["VmHWM"]}


def one_run(args, zonefile, work, denial):
    """One round for one zone and denial: Knot, then the gateway fresh and
    restarted. Returns {case: measurement}."""
    res = {}
    if "knot" in args.servers:
        k = MemKnot(args, zonefile, tempfile.mkdtemp(dir=work), denial)
        try:
            res["knot"] = measure(k, args.start_timeout)
        finally:
            k.stop()
        log(f"    knot:          signed {res['knot']['signed_s']:7.3f} s, RSS "
            f"{res['knot']['rss']:7.1f} MiB, peak {res['knot']['hwm']:7.1f} MiB")
    if "gateway" in args.servers:
        g = MemGateway(args, zonefile, tempfile.mkdtemp(dir=work), denial)
        try:
            res["gateway"] = measure(g, args.start_timeout)
            log(f"    gateway:       signed {res['gateway']['signed_s']:7.3f} s, RSS "
                f"{res['gateway']['rss']:7.1f} MiB, peak {res['gateway']['hwm']:7.1f} MiB")
            for how in args.restarts:
                if how == "term":
                    g.stop()
                else:
                    g.kill()
                case = f"restart-{how}"
                res[case] = measure(g, args.start_timeout)
                log(f"    gateway {how:5}: serving {res[case]['signed_s']:6.3f} s, RSS "
                    f"{res[case]['rss']:7.1f} MiB, peak {res[case]['hwm']:7.1f} MiB")
        finally:
            g.stop()
    return res


def signatures(zonefile):
    """Signatures an NSEC signer makes: one per RRset of the zone, one per
    NSEC (a node each) and the DNSKEY's (ldns-read-zone reads the file)."""
    text = sign.run(["ldns-read-zone", zonefile], timeout=900).stdout
    owners, rrsets = set(), set()
    for line in text.splitlines():
        p = line.split("\t")
        if len(p) >= 4 and not line.startswith(";"):
            owners.add(p[0].lower())
            rrsets.add((p[0].lower(), p[3]))
    return len(rrsets) + len(owners) + 1


def med(runs, case, key):
    v = [r[case][key] for r in runs if case in r]
    return statistics.median(v) if v else None


def fmt(v, spec):
    return format(v, spec) if v is not None else "-"


def ratio(a, b):
    return f"{a / b:.2f}x" if a is not None and b else "-"


def table(results, ossl, runs):
    lines = [f"Medians of {runs} run(s); RSS in MiB (VmRSS once idle after signing / VmHWM); "
             "ECDSA P-256; Knot with 2 signing threads; "
             f"`openssl speed -multi 2 ecdsap256` (median, one after each run): "
             f"{fmt(ossl, ',.0f')} sign/s; OpenSSL limit = signatures / that rate.", "",
             "| services | denial | gateway RSS steady / peak | Knot RSS steady / peak "
             "| ratio steady / peak vs Knot steady | gateway start -> signed "
             "| Knot start -> signed | OpenSSL limit "
             "| restart SIGTERM: serving, RSS / peak | restart SIGKILL: serving, RSS / peak |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for (n, denial), r in sorted(results.items()):
        rr = r["runs"]
        g = {k: med(rr, "gateway", k) for k in ("rss", "hwm", "signed_s")}
        k = {k: med(rr, "knot", k) for k in ("rss", "hwm", "signed_s")}
        limit = r["signatures"] / ossl if ossl else None
        rs = []
        for how in RESTARTS:
            case = f"restart-{how}"
            rs.append(f"{fmt(med(rr, case, 'signed_s'), '.2f')} s, "
                      f"{fmt(med(rr, case, 'rss'), '.0f')} / {fmt(med(rr, case, 'hwm'), '.0f')}")
        lines.append(
            f"| {n:,} | {denial} | {fmt(g['rss'], '.0f')} / {fmt(g['hwm'], '.0f')} "
            f"| {fmt(k['rss'], '.0f')} / {fmt(k['hwm'], '.0f')} "
            f"| {ratio(g['rss'], k['rss'])} / {ratio(g['hwm'], k['rss'])} "
            f"| {fmt(g['signed_s'], '.2f')} s ({pct(limit, g['signed_s'])} of the limit) "
            f"| {fmt(k['signed_s'], '.2f')} s "
            f"| {fmt(limit, '.2f')} s ({r['signatures']:,} sigs) | {rs[0]} | {rs[1]} |")
    lines.append("")
    for (n, denial), r in sorted(results.items()):
        rr = r["runs"]
        fresh_t, fresh_rss = med(rr, "gateway", "signed_s"), med(rr, "gateway", "rss")
        for how in RESTARTS:
            case = f"restart-{how}"
            if med(rr, case, "signed_s") is not None:
                lines.append(f"- {n:,} {denial}: restart after SIG{how.upper()} / fresh start: "
                             f"time {ratio(med(rr, case, 'signed_s'), fresh_t)}, RSS "
                             f"{ratio(med(rr, case, 'rss'), fresh_rss)}, peak "
                             f"{ratio(med(rr, case, 'hwm'), med(rr, 'gateway', 'hwm'))}")
        limit = r["signatures"] / ossl if ossl else None
        cpu = {who: med(rr, who, "cpu_s") for who in ("gateway", "knot")}
        if limit and cpu["gateway"] is not None:
            # On two cores a start that uses C CPU-seconds takes at least
            # C / 2; 80 % of the limit L is 1.25 L, so C must stay within
            # 2.5 L, signing included, however well it runs in parallel.
            knot = (f"; Knot {cpu['knot']:.1f} s, {cpu['knot'] / (2 * limit):.2f}x"
                    if cpu["knot"] is not None else "")
            lines.append(f"- {n:,} {denial}: CPU until signed (user + system, all threads), "
                         f"and that over two cores busy for the OpenSSL limit: gateway "
                         f"{cpu['gateway']:.1f} s, {cpu['gateway'] / (2 * limit):.2f}x{knot}. "
                         "80 % of the limit needs at most 1.25x.")
        if denial == "nsec3" and (n, "nsec") in results:
            nsec = results[(n, "nsec")]["runs"]
            for who in ("gateway", "knot"):
                lines.append(f"- {n:,}: {who} start -> signed, NSEC3 / NSEC: "
                             f"{ratio(med(rr, who, 'signed_s'), med(nsec, who, 'signed_s'))}")
    return "\n".join(lines)


def pct(limit, seconds):
    return f"{100 * limit / seconds:.0f} %" if limit and seconds else "-"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1000,10000",
                   help="comma-separated service counts (default 1000,10000; 100000 "
                   "needs about 2 GB and several minutes a run)")
    p.add_argument("--denial", default="nsec,nsec3", help="nsec, nsec3 or both")
    p.add_argument("--runs", type=int, default=3, help="runs; medians over them (default 3)")
    p.add_argument("--servers", default="gateway,knot", help="gateway, knot or both")
    p.add_argument("--restarts", default="term,kill",
                   help="gateway restarts after the fresh start: term, kill, both or none")
    p.add_argument("--openssl-seconds", type=int, default=3,
                   help="openssl speed -seconds, after each run; 0 leaves it out")
    p.add_argument("--start-timeout", type=int, default=600,
                   help="seconds to wait for a server to serve signed (default 600)")
    p.add_argument("--out", help="output directory (default bench/out/memory-YYYYmmdd-HHMMSS)")
    args = p.parse_args()

    def csv(value, allowed, name):
        items = [s.strip() for s in value.split(",") if s.strip() and s.strip() != "none"]
        if any(s not in allowed for s in items):
            p.error(f"--{name}: a comma-separated subset of {','.join(allowed)}")
        return items

    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.denial = csv(args.denial, DENIALS, "denial")
    args.servers = csv(args.servers, ("gateway", "knot"), "servers")
    args.restarts = csv(args.restarts, RESTARTS, "restarts")
    # what serve.py's runners read
    args.dnssec, args.pin, args.workers = True, False, 2
    return args


def on_signal(signum, frame):
    raise SystemExit(128 + signum)  # the finally clauses stop the servers


def main():
    signal.signal(signal.SIGTERM, on_signal)
    args = parse_args()
    out = args.out or os.path.join(ROOT, "bench", "out", time.strftime("memory-%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    shared = os.environ.get("GW_SHARED", os.path.join(ROOT, "..", "shared"))
    if not os.path.isdir(shared):  # a worktree in wt/ beside shared/
        shared = os.path.join(ROOT, "..", "..", "shared")
    args.gw_bin = os.environ.get("GW_BIN") or (
        serve.build_gateway(out) if "gateway" in args.servers else None)
    work = tempfile.mkdtemp(prefix="memory-bench-")
    results = {}
    ossl_runs = []
    try:
        for n in args.sizes:
            gen = os.path.join(work, f"gen-{n}")
            sign.run([os.path.join(shared, "bench", "gen-dnssd-zone"), "dnssd.example.",
                      str(n), gen, "--per-link", "500"], timeout=900)
            zonefile = os.path.join(gen, "zone.db")
            sigs = signatures(zonefile)
            for denial in args.denial:
                runs = []
                for i in range(args.runs):
                    log(f"{n} services, {denial}, run {i + 1} of {args.runs} "
                        f"(load average {sign.loadavg()})")
                    runs.append(one_run(args, zonefile, work, denial))
                    # the machine's speed in the same minutes as the servers'
                    if args.openssl_seconds > 0:
                        ossl_runs.append(sign.openssl_once(args.openssl_seconds, 2))
                results[(n, denial)] = {"signatures": sigs, "runs": runs}
        ossl = statistics.median(ossl_runs) if ossl_runs else None
        text = table(results, ossl, args.runs)
        print(text)
        with open(os.path.join(out, "summary.md"), "w") as f:
            f.write(text + "\n")
        with open(os.path.join(out, "results.json"), "w") as f:
            json.dump({"openssl_sign_per_s_2": ossl, "openssl_runs": ossl_runs,
                       "results": [{"services": n, "denial": d, **v}
                                   for (n, d), v in sorted(results.items())]}, f, indent=1)
        log(f"results in {out}")
    except BenchError as e:
        print(f"memory: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
