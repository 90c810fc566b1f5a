#!/usr/bin/python3
"""Serving benchmark: dnssd-gateway against NSD and Knot on the same zone.

Usage: bench/serve.py [--services N] [--runs R] [--rate Q] [--duration S]
                      [--out DIR] [--servers gateway,nsd,knot] [--dnssec]
                      [...]

For each run and each server (order rotated from run to run): start the
server on 127.0.0.1 with the zone written by shared/bench/gen-dnssd-zone,
check a few answers with kdig, then measure
  a. maximum throughput: dnsperf without -Q (closed loop, -q outstanding);
  b. CPU per answered query at a fixed offered rate: dnsperf -Q RATE, with
     the server's process-tree CPU time (utime+stime from /proc) read
     before and after, divided by the queries dnsperf saw answered.
Prints one table per run, the medians and the gateway/NSD and gateway/Knot
ratios, and writes results.csv and results.json into the output directory.
With --dnssec, every server serves the zone signed (the gateway and Knot
sign it themselves, NSD gets it signed by ldns-signzone; ECDSA P-256, one
CSK, NSEC) and dnsperf sets DO (-D); the checks then ask for RRSIGs and
NSEC proofs. See bench/serve.md.

Environment: GW_BIN (dnssd-gateway binary; default: build it in
build-bench), GW_SHARED (the shared/ folder; default ROOT/../shared),
GW_CONFIG_EXTRA (YAML lines appended to the gateway's configuration).
Standard library only.
"""

import argparse
import csv
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ORIGIN = "dnssd.example"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALL_SERVERS = ("gateway", "nsd", "knot", "gateway-zones", "gateway-base")
# Gateway variants, compared with "gateway" in the same run: the served
# zone as the last of --zones zones (the others: zones of the same size,
# extraK.example.), and the binary of GW_BASE_BIN (an older commit) with
# the one-zone configuration.
GATEWAY_VARIANTS = ("gateway-zones", "gateway-base")
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """A failure that ends the benchmark with a clear message."""


def log(msg):
    print(msg, flush=True)


def warn(msg):
    print("serve: warning: " + msg, file=sys.stderr, flush=True)


def tail(path, lines=20):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)\n"


# --------------------------------------------------------------------------
# processes and CPU time

def proc_stat(pid):
    """Fields of /proc/PID/stat from field 3 (state) on, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    # comm (field 2) may hold spaces and parentheses: cut at the last ')'.
    return s[s.rindex(")") + 2:].split()


def process_tree(root):
    """PIDs of root and all its descendants."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        f = proc_stat(d)
        if f is None:
            continue
        children.setdefault(int(f[1]), []).append(int(d))  # field 4: ppid
    tree, todo = [], [root]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def cpu_ticks(root):
    """CPU clock ticks used by the process tree under root.

    Per process: utime+stime (fields 14, 15; all threads of the process)
    plus cutime+cstime (16, 17: children it has reaped), so that a child
    that exits between two readings is still counted.
    """
    total = 0
    for p in process_tree(root):
        f = proc_stat(p)
        if f is None:
            continue
        # field N is f[N - 3]
        total += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
    return total


def free_port():
    """A port free on 127.0.0.1 for both UDP and TCP."""
    for _ in range(100):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            try:
                t.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
        finally:
            u.close()
            t.close()
    raise BenchError("no free port found on 127.0.0.1")


# --------------------------------------------------------------------------
# DNS checks with kdig

def kdig(port, name, qtype, timeout=2, dnssec=False):
    """Query the server; returns (rcode, flags, answer_rrs, authority_rrs)
    or None. Answer RRs are (type, rdata), sorted; authority RRs are
    (owner, type, rdata), owner in lower case, sorted. dnssec sets DO."""
    cmd = ["kdig", "@127.0.0.1", "-p", str(port), f"+time={timeout}",
           "+retry=0", "+bufsize=1232", "+nocookie", name, qtype]
    if dnssec:
        cmd.insert(-2, "+dnssec")
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout * 3 + 2)
    except subprocess.TimeoutExpired:
        return None
    rcode, flags, answers, authority, section = None, set(), [], [], None
    for line in r.stdout.splitlines():
        m = re.search(r"->>HEADER<<-.*status: ([A-Z]+)", line)
        if m:
            rcode = m.group(1)
            continue
        m = re.match(r";; Flags: ([^;]*);", line)
        if m:
            flags = set(m.group(1).split())
            continue
        if line.startswith(";; ") and line.endswith("SECTION:"):
            section = line[3:-len(" SECTION:")]
            continue
        if not line.strip() or line.startswith(";;"):
            section = None if not line.strip() else section
            continue
        if section in ("ANSWER", "AUTHORITY"):
            # owner TTL class type rdata; owner may hold escaped spaces
            parts = re.split(r"(?<!\\)\s+", line.strip(), maxsplit=4)
            if len(parts) == 5:
                if section == "ANSWER":
                    answers.append((parts[3], parts[4]))
                else:
                    authority.append((parts[0].lower(), parts[3], parts[4]))
    if rcode is None:
        return None
    return rcode, flags, sorted(answers), sorted(authority)


def wait_soa(server, port, timeout, dnssec=False):
    """Wait until the server answers the SOA; with dnssec, until the SOA
    comes with an RRSIG (the server has signed the zone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise BenchError(f"{server.name} exited with status "
                             f"{server.proc.returncode} while starting; "
                             f"log {server.logfile}:\n{tail(server.logfile)}")
        r = kdig(port, ORIGIN + ".", "SOA", timeout=1, dnssec=dnssec)
        if r and r[0] == "NOERROR" and any(t == "SOA" for t, _ in r[2]):
            if not dnssec or any(t == "RRSIG" and d.split()[0] == "SOA"
                                 for t, d in r[2]):
                return
        time.sleep(0.2)
    if dnssec:
        raise BenchError(f"{server.name} did not answer the SOA of {ORIGIN} "
                         f"with an RRSIG (DO set) on 127.0.0.1@{port} within "
                         f"{timeout} s: the zone is not signed (yet); raise "
                         f"--start-timeout if signing is slow; log "
                         f"{server.logfile}:\n{tail(server.logfile)}")
    raise BenchError(f"{server.name} did not answer the SOA of {ORIGIN} on "
                     f"127.0.0.1@{port} within {timeout} s; log "
                     f"{server.logfile}:\n{tail(server.logfile)}")


def pick_checks(queries_file):
    """A PTR and an SRV from the query mix, and a name that does not exist."""
    ptr = srv = None
    with open(queries_file) as f:
        for line in f:
            parts = line.rstrip("\n").rsplit(" ", 1)  # names hold "\\ "
            if len(parts) != 2:
                continue
            name, qtype = parts
            # _services PTRs list at most 14 types: no truncation over UDP.
            if qtype == "PTR" and ptr is None and name.startswith("_services."):
                ptr = name
            elif qtype == "SRV" and srv is None:
                srv = name
    if ptr is None or srv is None:
        raise BenchError(f"{queries_file} holds no _services PTR or no SRV query")
    return [(ptr, "PTR", "NOERROR"), (srv, "SRV", "NOERROR"),
            (f"nx-bench-check.{ORIGIN}.", "A", "NXDOMAIN")]


def check_answers(server, port, checks, reference):
    """Abort unless the server answers the checks right (and like the
    server checked first, in `reference`)."""
    for name, qtype, want in checks:
        r = kdig(port, name, qtype)
        where = f"{server.name} (127.0.0.1@{port}): {name} {qtype}"
        if r is None:
            raise BenchError(f"{where}: no answer")
        rcode, flags, answers, _ = r
        if rcode != want:
            raise BenchError(f"{where}: status {rcode}, expected {want}")
        if "aa" not in flags:
            raise BenchError(f"{where}: answer lacks the AA flag")
        if want == "NOERROR" and not any(t == qtype for t, _ in answers):
            raise BenchError(f"{where}: NOERROR without a {qtype} answer")
        if want == "NXDOMAIN" and answers:
            raise BenchError(f"{where}: NXDOMAIN with answers {answers}")
        key = (name, qtype)
        if key in reference and reference[key][1] != answers:
            raise BenchError(
                f"{where}: answer differs from {reference[key][0]}'s:\n"
                f"  {server.name}: {answers}\n  {reference[key][0]}: "
                f"{reference[key][1]}")
        reference.setdefault(key, (server.name, answers))


# Signed mode (--dnssec): the same checks with DO set, plus the proofs.

DNSSEC_ALG = "13"  # ECDSAP256SHA256, for every server


def pick_signed_checks(queries_file, checks):
    """The unsigned checks, plus a NODATA from the query mix (an MX on a
    host) when it has one, and the apex DNSKEY."""
    extra = []
    with open(queries_file) as f:
        for line in f:
            parts = line.rstrip("\n").rsplit(" ", 1)
            if len(parts) == 2 and parts[1] == "MX":
                extra.append((parts[0], "MX", "NODATA"))
                break
    return checks + extra + [(ORIGIN + ".", "DNSKEY", "NOERROR")]


def rrsig_key(rdata):
    """What two servers' RRSIGs over the same RRset share: type covered,
    algorithm, labels, original TTL and signer (not the key tag, the
    times or the signature)."""
    f = rdata.split()
    return (f[0], f[1], f[2], f[3], f[7].lower()) if len(f) >= 9 else (rdata,)


def check_signed_answers(server, port, checks, reference, notes):
    """Signed mode: abort unless, with DO set, the server signs positive
    answers (an RRSIG of algorithm 13 over the answer RRset), proves
    NXDOMAIN and NODATA with NSEC + RRSIG (and a signed SOA), and serves
    one DNSKEY (a CSK, 257 3 13); the data, the RRSIG fields that do not
    depend on the key and the NSEC chain links (owner -> next) must equal
    those of the server checked first. NSEC type bitmaps that differ are
    recorded in notes, not refused (CDS/CDNSKEY at the apex)."""
    for name, qtype, want in checks:
        r = kdig(port, name, qtype, dnssec=True)
        where = f"{server.name} (127.0.0.1@{port}), DO set: {name} {qtype}"
        if r is None:
            raise BenchError(f"{where}: no answer")
        rcode, flags, answers, authority = r
        want_rcode = "NOERROR" if want == "NODATA" else want
        if rcode != want_rcode:
            raise BenchError(f"{where}: status {rcode}, expected {want_rcode}")
        if "aa" not in flags:
            raise BenchError(f"{where}: answer lacks the AA flag")
        sigs = [rrsig_key(d) for t, d in answers if t == "RRSIG"]
        data = [(t, d) for t, d in answers if t != "RRSIG"]
        auth_sigs = {(o, rrsig_key(d)[0]) for o, t, d in authority
                     if t == "RRSIG"}
        nsecs = [(o, d.split()) for o, t, d in authority if t == "NSEC"]
        if want == "NOERROR":
            if not any(t == qtype for t, _ in data):
                raise BenchError(f"{where}: NOERROR without a {qtype} answer")
            if not any(k[0] == qtype and k[1] == DNSSEC_ALG for k in sigs):
                raise BenchError(
                    f"{where}: no RRSIG (algorithm {DNSSEC_ALG}) over the "
                    f"{qtype} answer; answer section: {answers}")
        else:
            if data:
                raise BenchError(f"{where}: {want} with answers {data}")
            if not nsecs:
                raise BenchError(
                    f"{where}: {want} without an NSEC in the authority "
                    f"section: {authority}")
            unsigned = sorted({o for o, _ in nsecs
                               if (o, "NSEC") not in auth_sigs})
            if unsigned:
                raise BenchError(f"{where}: NSEC at {', '.join(unsigned)} "
                                 f"without its RRSIG: {authority}")
            if not any(t == "SOA" for _, t, _ in authority) or not any(
                    k == "SOA" for _, k in auth_sigs):
                raise BenchError(f"{where}: {want} without a signed SOA in "
                                 f"the authority section: {authority}")
        if qtype == "DNSKEY":
            keys = [d.split() for t, d in data if t == "DNSKEY"]
            if len(keys) != 1 or keys[0][:3] != ["257", "3", DNSSEC_ALG]:
                raise BenchError(
                    f"{where}: expected one DNSKEY 257 3 {DNSSEC_ALG} (a "
                    f"CSK), got {[' '.join(k[:3]) for k in keys]}")
            continue  # every server has its own key: nothing to compare
        got = (data, sorted(sigs),
               sorted((o, f[0].lower()) for o, f in nsecs if f))
        bitmaps = sorted((o, " ".join(f[1:])) for o, f in nsecs)
        key = (name, qtype)
        if key in reference:
            ref_server, ref, ref_bitmaps = reference[key]
            for i, what in enumerate(("answer data", "RRSIG fields",
                                      "NSEC owner -> next")):
                if got[i] != ref[i]:
                    raise BenchError(
                        f"{where}: {what} differ from {ref_server}'s:\n"
                        f"  {server.name}: {got[i]}\n  {ref_server}: "
                        f"{ref[i]}")
            if bitmaps != ref_bitmaps:
                note = (f"{name} {qtype}: NSEC type bitmaps of "
                        f"{server.name} {bitmaps} differ from {ref_server}'s "
                        f"{ref_bitmaps}")
                if note not in notes:
                    notes.append(note)
        else:
            reference[key] = (server.name, got, bitmaps)


# --------------------------------------------------------------------------
# servers

class Server:
    name = "?"

    def __init__(self, args, zonefile, workdir):
        self.args = args
        self.zonefile = zonefile
        self.dir = os.path.join(workdir, self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.logfile = os.path.join(self.dir, "server.log")
        self.proc = None
        self.port = None
        self.conf = None

    def command(self):
        raise NotImplementedError

    def environment(self):
        """The server's environment; None: the script's own."""
        return None

    def start(self):
        """Start the server; returns its UDP port."""
        cmd = self.command()
        if self.args.pin:
            cmd = ["taskset", "-c", "0"] + cmd
        with open(self.logfile, "ab") as lf:
            # A session of its own: stop() signals the whole process group.
            self.started = time.monotonic()
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=lf, stderr=lf,
                                         env=self.environment(),
                                         start_new_session=True)
        self.port = self.find_port()
        return self.port

    def find_port(self):
        return self.port

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM to the server's process group, SIGKILL after 10 s."""
        if self.proc is None:
            return
        p, self.proc = self.proc, None
        pgid = p.pid  # start_new_session: the leader's pid is the group's id

        def group_alive():
            p.poll()  # reaps the leader once it exits
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return False
            return True

        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            p.poll()
            return
        deadline = time.monotonic() + 10
        while group_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if group_alive():
            warn(f"{self.name} did not stop on SIGTERM within 10 s; SIGKILL")
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                warn(f"{self.name} (pid {pgid}) survived SIGKILL")


class Nsd(Server):
    name = "nsd"

    def command(self):
        self.port = free_port()
        d = self.dir
        conf = self.conf = os.path.join(d, "nsd.conf")
        with open(conf, "w") as f:
            f.write(f"""server:
    ip-address: 127.0.0.1@{self.port}
    port: {self.port}
    do-ip6: no
    chroot: ""
    username: ""
    zonesdir: "{os.path.dirname(self.zonefile)}"
    pidfile: "{d}/nsd.pid"
    xfrdfile: "{d}/xfrd.state"
    xfrdir: "{d}"
    zonelistfile: "{d}/zone.list"
    database: ""
    logfile: "{d}/server.log"
    verbosity: 0
    server-count: {self.args.workers}
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
    minimal-responses: yes
remote-control:
    control-enable: no
zone:
    name: {ORIGIN}
    zonefile: "{self.zonefile}"
""")
        return ["nsd", "-d", "-c", conf]


class Knot(Server):
    name = "knot"

    def command(self):
        self.port = free_port()
        d = self.dir
        os.makedirs(os.path.join(d, "db"), exist_ok=True)
        conf = self.conf = os.path.join(d, "knot.conf")
        w = self.args.workers
        kasp = policy = signing = ""
        if self.args.dnssec:
            # Knot signs on load: one CSK, ECDSA P-256, NSEC. Keys in a
            # KASP database of this run's temporary directory.
            kasp = f'\n    kasp-db: "{d}/kasp"'
            policy = """policy:
  - id: bench
    algorithm: ecdsap256sha256
    single-type-signing: on
    nsec3: off
"""
            signing = """
    dnssec-signing: on
    dnssec-policy: bench"""
        with open(conf, "w") as f:
            f.write(f"""server:
    rundir: "{d}"
    pidfile: "{d}/knot.pid"
    listen: 127.0.0.1@{self.port}
    udp-workers: {w}
    tcp-workers: {w}
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "{d}/db"{kasp}
control:
    listen: "{d}/knot.sock"
{policy}template:
  - id: default
    storage: "{os.path.dirname(self.zonefile)}"
    journal-content: none
    zonefile-sync: -1
    zonefile-load: whole
zone:
  - domain: {ORIGIN}
    file: "{self.zonefile}"{signing}
""")
        return ["knotd", "-c", conf]


class Gateway(Server):
    name = "gateway"

    def command(self):
        d = self.dir
        self.portsfile = os.path.join(d, "ports")
        state = os.path.join(d, "state")
        os.makedirs(state, exist_ok=True)
        conf = self.conf = os.path.join(d, self.name + ".yaml")
        with open(conf, "w") as f:
            f.write(self.zone_config())
            f.write(f"""listen: ["127.0.0.1@0"]
ports-file: "{self.portsfile}"
state-dir: "{state}"
log: {{level: warning}}
mdns: {{enable: false}}
""")
            extra = os.environ.get("GW_CONFIG_EXTRA")
            if not re.search(r"(?m)^dnssec\s*:", extra or ""):
                # Signed: the defaults (ECDSA P-256, one CSK, NSEC; keys
                # in state-dir). Unsigned: said explicitly, since the
                # gateway signs by default, and NSD and Knot serve the
                # zone unsigned.
                f.write(f"dnssec: {{enable: "
                        f"{'true' if self.args.dnssec else 'false'}}}\n")
            if extra:
                f.write(extra.rstrip("\n") + "\n")
            if os.getuid() == 0 and not re.search(r"(?m)^user\s*:", extra or ""):
                # Started as root the daemon becomes its own user, which
                # cannot enter this script's private temporary directory.
                f.write("user: root\n")
            if not re.search(r"(?m)^control\s*:", extra or ""):
                f.write("control: {enable: false}\n")  # not the system's socket
        # dnsperf asks from one address, far above any rate limit: off, as
        # NSD's is (below), where the binary has one and the caller set
        # none (an older binary refuses the key).
        if not re.search(r"(?m)^rate-limit\s*:", extra or ""):
            with open(conf, "a") as f:
                f.write("rate-limit: {rate: 0}\n")
            if subprocess.run([self.binary(), "--check-config", "-c", conf],
                              capture_output=True).returncode != 0:
                with open(conf) as f:
                    text = f.read()
                with open(conf, "w") as f:
                    f.write(text.replace("rate-limit: {rate: 0}\n", ""))
        return [self.binary(), "-c", conf]

    def binary(self):
        return self.args.gw_bin

    def zone_config(self):
        return f"""zone: {{domain: {ORIGIN}., file: "{self.zonefile}"}}\n"""

    def environment(self):
        return dict(os.environ)

    def find_port(self):
        """The daemon writes "udp 127.0.0.1 PORT" and "tcp ..." lines."""
        deadline = time.monotonic() + self.args.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"gateway exited with status {self.proc.returncode} "
                    f"while starting; log {self.logfile}:\n{tail(self.logfile)}")
            ports = {}
            try:
                with open(self.portsfile) as f:
                    for line in f:
                        p = line.split()
                        if len(p) == 3 and p[1] == "127.0.0.1" and p[2].isdigit():
                            ports[p[0]] = int(p[2])
            except OSError:
                pass
            if "udp" in ports and "tcp" in ports:
                if ports["udp"] != ports["tcp"]:
                    warn(f"gateway: UDP port {ports['udp']} != TCP port "
                         f"{ports['tcp']}; kdig's TCP fallback would miss")
                return ports["udp"]
            time.sleep(0.1)
        raise BenchError(f"gateway wrote no udp and tcp lines to "
                         f"{self.portsfile} within {self.args.start_timeout} s;"
                         f" log {self.logfile}:\n{tail(self.logfile)}")


class GatewayZones(Gateway):
    """The served zone as the last of args.zones zones (zones: form); the
    others are as large (args.extra_zonefiles), so that choosing the zone
    and holding the others is what differs from "gateway"."""
    name = "gateway-zones"

    def zone_config(self):
        lines = ["zones:"]
        for domain, path in self.args.extra_zonefiles + [(ORIGIN, self.zonefile)]:
            lines.append(f"""  - {{domain: {domain}., file: "{path}"}}""")
        return "\n".join(lines) + "\n"


class GatewayBase(Gateway):
    """The one-zone configuration on the binary of GW_BASE_BIN."""
    name = "gateway-base"

    def binary(self):
        return self.args.gw_base_bin


SERVER_CLASSES = {"gateway": Gateway, "nsd": Nsd, "knot": Knot,
                  "gateway-zones": GatewayZones, "gateway-base": GatewayBase}


# --------------------------------------------------------------------------
# dnsperf

def dnsperf(args, port, queries, duration, rate=None):
    outstanding = args.fixed_outstanding if rate else args.outstanding
    cmd = ["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries,
           "-l", str(duration), "-c", str(args.clients), "-T",
           str(args.threads), "-q", str(outstanding),
           "-t", str(args.query_timeout)]
    if rate:
        cmd += ["-Q", str(rate)]
    if args.dnssec:
        cmd.append("-D")  # EDNS (4096 B) with the DO bit
    if args.pin:
        cmd = ["taskset", "-c", "1"] + cmd
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=duration + args.query_timeout + 60)
    except subprocess.TimeoutExpired:
        raise BenchError(f"dnsperf did not finish: {' '.join(cmd)}")
    out = r.stdout
    if args.dnssec and "invalid domain name" in r.stderr:
        warn(f"dnsperf dropped query lines ('invalid domain name'); see "
             f"{args.outdir}/dnsperf.log")
    with open(os.path.join(args.outdir, "dnsperf.log"), "a") as f:
        f.write("$ " + " ".join(cmd) + "\n" + out + r.stderr + "\n")

    def num(pattern, conv=float):
        m = re.search(pattern, out)
        if not m:
            raise BenchError(f"cannot read '{pattern}' from dnsperf output "
                             f"(status {r.returncode}):\n{out}{r.stderr}")
        return conv(m.group(1))

    res = {
        "sent": num(r"Queries sent:\s+(\d+)", int),
        "completed": num(r"Queries completed:\s+(\d+)", int),
        "lost": num(r"Queries lost:\s+(\d+)", int),
        "runtime_s": num(r"Run time \(s\):\s+([\d.]+)"),
        "qps": num(r"Queries per second:\s+([\d.]+)"),
        "latency_avg_s": num(r"Average Latency \(s\):\s+([\d.]+)"),
        "response_bytes": num(r"Average packet size:.*response (\d+)", int),
    }
    res["answered_pct"] = (100.0 * res["completed"] / res["sent"]
                           if res["sent"] else 0.0)
    rcodes = {}
    m = re.search(r"Response codes:\s+(.*)", out)
    if m:
        for code, count in re.findall(r"([A-Z]+) (\d+) \(", m.group(1)):
            rcodes[code] = int(count)
    res["rcodes"] = rcodes
    return res


# --------------------------------------------------------------------------
# signed mode: signing for NSD, idle wait, response sizes by kind

def sign_for_nsd(zonefile, workdir):
    """NSD does not sign: sign the zone with ldns-signzone (one key with
    the KSK flag, so a CSK: ECDSA P-256; NSEC). Returns (signed file,
    key name, seconds)."""
    d = os.path.join(workdir, "nsd-signed")
    os.makedirs(d, exist_ok=True)
    t0 = time.monotonic()
    r = subprocess.run(["ldns-keygen", "-a", "ECDSAP256SHA256", "-k", ORIGIN],
                       cwd=d, capture_output=True, text=True, timeout=60)
    key = r.stdout.strip()
    if r.returncode != 0 or not os.path.isfile(os.path.join(d, key + ".key")):
        raise BenchError(f"ldns-keygen failed:\n{r.stdout}{r.stderr}")
    signed = os.path.join(d, "zone.signed")
    r = subprocess.run(["ldns-signzone", "-o", ORIGIN, "-f", signed,
                        zonefile, key], cwd=d, capture_output=True,
                       text=True, timeout=600)
    if r.returncode != 0 or not os.path.isfile(signed):
        raise BenchError(f"ldns-signzone failed:\n{r.stdout}{r.stderr}")
    return signed, key, time.monotonic() - t0


def dnsperf_space_escape(outdir):
    """How to write a space in a name so that this dnsperf sends one.

    dnsperf cuts the name at the first blank, so "Device\\ 00046" is read
    as "Device\\" and the line is dropped ("invalid domain name"): every
    SRV and TXT query on an instance name. Only \\DDD can carry a space,
    and dnsperf 2.10 reads DDD in base 7 (strtol(..., 7)): \\032 is sent
    as 23, \\044 as 32. Probe it: send one query with each form to a
    socket of ours and see what arrives. None: neither works."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(3)
    port = sock.getsockname()[1]
    try:
        for esc in ("\\032", "\\044"):
            probe = os.path.join(outdir, ".dnsperf-probe")
            with open(probe, "w") as f:
                f.write(f"a{esc}b.{ORIGIN}. A\n")
            try:
                subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(port),
                                "-d", probe, "-n", "1", "-t", "1"],
                               capture_output=True, timeout=10)
            except subprocess.TimeoutExpired:
                pass
            finally:
                os.remove(probe)
            try:
                data = sock.recv(512)
            except socket.timeout:
                continue
            if data[12:16] == b"\x03a b":
                return esc
    finally:
        sock.close()
    return None


def dnsperf_query_file(queries, outdir):
    """A copy of the query mix that dnsperf reads whole: escaped spaces
    written as the \\DDD form this dnsperf turns into a space. Returns
    (path, lines rewritten, escape)."""
    esc = dnsperf_space_escape(outdir)
    if esc is None:
        warn("dnsperf sends no space in a name with \\032 or \\044; the "
             "queries on instance names (SRV, TXT) will be dropped by it")
        return queries, 0, None
    out = os.path.join(os.path.dirname(queries), "queries-dnsperf.txt")
    n = 0
    with open(queries) as f, open(out, "w") as g:
        for line in f:
            parts = line.rstrip("\n").rsplit(" ", 1)
            if len(parts) == 2 and "\\ " in parts[0]:
                # "\\ " only: "\\\\ " (an escaped backslash, then a
                # blank) does not occur in the generated names.
                line = parts[0].replace("\\ ", esc) + " " + parts[1] + "\n"
                n += 1
            g.write(line)
    return out, n, esc


def wait_idle(server, timeout=30):
    """Wait until the server's process tree is idle (at most 2 ticks of
    CPU in 0.5 s): signing servers may still work in the background once
    they answer. Returns the seconds waited."""
    t0 = time.monotonic()
    pid = server.proc.pid
    while True:
        before = cpu_ticks(pid)
        time.sleep(0.5)
        used = cpu_ticks(pid) - before
        if used <= 2:
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            warn(f"{server.name} still used {used} ticks in 0.5 s after "
                 f"{timeout} s; measuring anyway")
            return time.monotonic() - t0


QTYPE_CODES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
               "TXT": 16, "AAAA": 28, "SRV": 33, "DS": 43, "RRSIG": 46,
               "NSEC": 47, "DNSKEY": 48, "ANY": 255}


def name_to_wire(text):
    """Presentation name (with \\X and \\DDD escapes) to wire form."""
    out, label, i = bytearray(), bytearray(), 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            ddd = text[i + 1:i + 4]
            if len(ddd) == 3 and all(ch in "0123456789" for ch in ddd):
                label.append(int(ddd))
                i += 4
            else:
                label += text[i + 1].encode()
                i += 2
        elif c == ".":
            out.append(len(label))
            out += label
            label = bytearray()
            i += 1
        else:
            label += c.encode()
            i += 1
    if label:
        out.append(len(label))
        out += label
    out.append(0)
    return bytes(out)


def size_sample(queries_file, limit=6000):
    """Every k-th query of the mix, about limit of them, as wire queries
    shaped like dnsperf -D's (RD, EDNS 4096, DO): (qtype, query)."""
    with open(queries_file) as f:
        lines = [l.rstrip("\n").rsplit(" ", 1) for l in f]
    lines = [l for l in lines if len(l) == 2]
    step = max(1, len(lines) // limit)
    sample = []
    for i in range(0, len(lines), step):
        name, qtype = lines[i]
        code = QTYPE_CODES.get(qtype)
        if code is None and qtype.startswith("TYPE") and qtype[4:].isdigit():
            code = int(qtype[4:])
        if code is None:
            continue
        q = (bytes([0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1])
             + name_to_wire(name) + code.to_bytes(2, "big") + b"\0\1"
             + b"\0\0\x29\x10\0\0\0\x80\0\0\0")
        sample.append((qtype, q))
    return sample


def size_profile(port, sample):
    """Send the sample one query at a time with DO set; per kind of answer
    (qtype and NOERROR/NODATA/NXDOMAIN): count, bytes, TC count, and RRs
    per section. Shows where response sizes differ between servers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(1)
    prof = {}
    try:
        sock.connect(("127.0.0.1", port))
        for i, (qtype, q) in enumerate(sample):
            qid = (i & 0xFFFF).to_bytes(2, "big")
            sock.send(qid + q[2:])
            try:
                while True:
                    resp = sock.recv(65535)
                    if resp[:2] == qid:
                        break
            except socket.timeout:
                kind = f"{qtype} (no answer)"
                prof.setdefault(kind, {"n": 0, "bytes": 0, "tc": 0,
                                       "an": 0, "ns": 0, "ar": 0})["n"] += 1
                continue
            rcode = resp[3] & 0x0F
            an, ns, ar = (int.from_bytes(resp[j:j + 2], "big")
                          for j in (6, 8, 10))
            if resp[2] & 0x02:
                kind = f"{qtype} truncated"
            elif rcode == 3:
                kind = f"{qtype} NXDOMAIN"
            elif rcode == 0:
                kind = f"{qtype} {'NOERROR' if an else 'NODATA'}"
            else:
                kind = f"{qtype} rcode {rcode}"
            p = prof.setdefault(kind, {"n": 0, "bytes": 0, "tc": 0,
                                       "an": 0, "ns": 0, "ar": 0})
            p["n"] += 1
            p["bytes"] += len(resp)
            p["tc"] += bool(resp[2] & 0x02)
            p["an"] += an
            p["ns"] += ns
            p["ar"] += ar - 1  # without the OPT record
    finally:
        sock.close()
    return prof


def print_size_profiles(profiles, nsample):
    """One line per kind of answer: share of the sample, then per server
    average bytes, TC share when any, and answer/authority/additional RR
    counts (without OPT)."""
    servers = list(profiles)
    kinds = sorted({k for p in profiles.values() for k in p})
    log("")
    log(f"response size by kind of answer, DO set ({nsample} queries of the "
        "mix, one at a time): bytes [TC%] answer/authority/additional RRs")
    log(f"{'kind':<18} {'share':>6} " + " ".join(f"{s:>22}" for s in servers))
    for k in kinds:
        n = max(p.get(k, {}).get("n", 0) for p in profiles.values())
        cells = []
        for s in servers:
            p = profiles[s].get(k)
            if not p or not p["n"]:
                cells.append(f"{'-':>22}")
                continue
            c = p["n"]
            tc = f" TC{100 * p['tc'] / c:.0f}%" if p["tc"] else ""
            cells.append(f"{p['bytes'] / c:.0f} B{tc} "
                         f"{p['an'] / c:.1f}/{p['ns'] / c:.1f}/"
                         f"{p['ar'] / c:.1f}".rjust(22))
        log(f"{k:<18} {100 * n / nsample:>5.1f}% " + " ".join(cells))
    cells = []
    for s in servers:
        got = [p for k, p in profiles[s].items() if "no answer" not in k]
        tot = sum(p["n"] for p in got)
        b = sum(p["bytes"] for p in got)
        tc = sum(p["tc"] for p in got)
        cells.append(f"{b / tot if tot else 0:.0f} B TC{100 * tc / tot if tot else 0:.1f}%"
                     .rjust(22))
    log(f"{'all':<18} {100.0:>5.1f}% " + " ".join(cells))


# --------------------------------------------------------------------------
# one server, one run

def measure(args, server, queries, checks, reference, signed=None):
    port = server.start()
    wait_soa(server, port, args.start_timeout, dnssec=args.dnssec)
    extra = {}
    if args.dnssec:
        # Time from start to the signed SOA: for Knot and the gateway,
        # loading and signing the zone; for NSD, loading a signed zone.
        extra["ready_s"] = time.monotonic() - server.started
        check_signed_answers(server, port, checks, reference, signed["notes"])
        if server.name not in signed["profiles"]:
            signed["profiles"][server.name] = size_profile(port,
                                                           signed["sample"])
        extra["idle_wait_s"] = wait_idle(server)
    else:
        check_answers(server, port, checks, reference)
    pid = server.proc.pid

    if args.warmup > 0:
        dnsperf(args, port, queries, args.warmup)

    before = cpu_ticks(pid)
    mx = dnsperf(args, port, queries, args.duration)
    max_cpu_s = (cpu_ticks(pid) - before) / CLK_TCK
    if not server.alive():
        raise BenchError(f"{server.name} died during the throughput run; "
                         f"log {server.logfile}:\n{tail(server.logfile)}")

    before = cpu_ticks(pid)
    fx = dnsperf(args, port, queries, args.duration, rate=args.rate)
    after = cpu_ticks(pid)
    if not server.alive():
        raise BenchError(f"{server.name} died during the fixed-rate run; "
                         f"log {server.logfile}:\n{tail(server.logfile)}")
    cpu_s = (after - before) / CLK_TCK
    if fx["qps"] < 0.95 * args.rate:
        warn(f"{server.name}: offered {args.rate} q/s but dnsperf sent only "
             f"{fx['qps']:.0f} q/s (dnsperf or the machine saturated, or "
             "-q/latency too low); its CPU per query was measured at that "
             "lower rate")
    for what, res in (("throughput", mx), ("fixed-rate", fx)):
        odd = {k: v for k, v in res["rcodes"].items()
               if k not in ("NOERROR", "NXDOMAIN")}
        if odd:
            warn(f"{server.name}: {what} run got rcodes {odd}")
    return {
        "server": server.name,
        "port": port,
        "max_qps": mx["qps"],
        "max_answered_pct": mx["answered_pct"],
        "max_sent": mx["sent"],
        "max_completed": mx["completed"],
        "max_latency_avg_ms": mx["latency_avg_s"] * 1000,
        "max_cpu_us_per_query": (1e6 * max_cpu_s / mx["completed"]
                                 if mx["completed"] else float("nan")),
        "fixed_rate": args.rate,
        "fixed_qps": fx["qps"],
        "fixed_answered_pct": fx["answered_pct"],
        "fixed_sent": fx["sent"],
        "fixed_completed": fx["completed"],
        "fixed_latency_avg_ms": fx["latency_avg_s"] * 1000,
        "response_bytes_avg": fx["response_bytes"],
        "fixed_nxdomain_pct": (100.0 * fx["rcodes"].get("NXDOMAIN", 0)
                               / fx["completed"] if fx["completed"] else 0.0),
        "fixed_rate_reached": fx["qps"] >= 0.95 * args.rate,
        "cpu_s": cpu_s,
        "cpu_core_pct": 100.0 * cpu_s / fx["runtime_s"] if fx["runtime_s"] else 0.0,
        "cpu_us_per_query": (1e6 * cpu_s / fx["completed"]
                             if fx["completed"] else float("nan")),
        **extra,
    }


# --------------------------------------------------------------------------
# output

FIELDS = ["run", "order", "server", "port", "max_qps", "max_answered_pct",
          "max_sent", "max_completed", "max_latency_avg_ms",
          "max_cpu_us_per_query", "fixed_rate",
          "fixed_qps", "fixed_answered_pct", "fixed_sent", "fixed_completed",
          "fixed_latency_avg_ms", "response_bytes_avg", "fixed_nxdomain_pct",
          "fixed_rate_reached", "cpu_s",
          "cpu_core_pct", "cpu_us_per_query"]
FIELDS_DNSSEC = FIELDS + ["ready_s", "idle_wait_s"]


def print_table(title, rows):
    log("")
    log(title)
    log(f"{'server':<13} {'max q/s':>9} {'answ%':>7} {'lat ms':>7} "
        f"{'us/q':>6} | "
        f"{'fixed q/s':>9} {'answ%':>7} {'lat ms':>7} {'CPU s':>7} "
        f"{'core%':>6} {'CPU us/q':>9} {'resp B':>6}"
        + (f" {'ready s':>7}" if rows and "ready_s" in rows[0] else ""))
    for r in rows:
        log(f"{r['server']:<13} {r['max_qps']:>9.0f} {r['max_answered_pct']:>7.2f} "
            f"{r['max_latency_avg_ms']:>7.3f} {r['max_cpu_us_per_query']:>6.2f} | "
            f"{r['fixed_qps']:>8.0f}"
            f"{' ' if r['fixed_rate_reached'] else '*'} "
            f"{r['fixed_answered_pct']:>7.2f} {r['fixed_latency_avg_ms']:>7.3f} "
            f"{r['cpu_s']:>7.2f} {r['cpu_core_pct']:>6.1f} "
            f"{r['cpu_us_per_query']:>9.2f} {r['response_bytes_avg']:>6}"
            + (f" {r['ready_s']:>7.1f}" if "ready_s" in r else ""))
    if not all(r["fixed_rate_reached"] for r in rows):
        log("* fixed rate not reached (below 95% of the offered rate)")


def summarize(results, servers):
    med = {}
    for s in servers:
        rows = [r for r in results if r["server"] == s]
        if not rows:
            continue
        med[s] = {k: statistics.median(r[k] for r in rows)
                  for k in ("max_qps", "max_answered_pct",
                            "max_cpu_us_per_query", "fixed_qps",
                            "fixed_answered_pct", "cpu_core_pct",
                            "cpu_us_per_query")}
        if "ready_s" in rows[0]:
            med[s]["response_bytes_avg"] = statistics.median(
                r["response_bytes_avg"] for r in rows)
            med[s]["ready_s"] = statistics.median(r["ready_s"] for r in rows)
        med[s]["runs"] = len(rows)
        med[s]["cpu_us_per_query_min"] = min(r["cpu_us_per_query"] for r in rows)
        med[s]["cpu_us_per_query_max"] = max(r["cpu_us_per_query"] for r in rows)
    ratios = {}
    pairs = [("gateway", o) for o in ("nsd", "knot")]
    pairs += [(v, "gateway") for v in ("gateway-zones",) if v in med]
    pairs += [("gateway", v) for v in ("gateway-base",) if v in med]
    for mine, other in pairs:
        g = med.get(mine)
        if g and other in med:
            o = med[other]
            ratios[f"{mine}/{other}"] = {
                k: (g[k] / o[k] if o[k] else float("nan"))
                for k in ("cpu_us_per_query", "max_cpu_us_per_query",
                          "max_qps")}
    return med, ratios


def print_summary(med, ratios, nruns, dnssec=False):
    log("")
    log(f"median of {nruns} run(s)" + (", signed zone, DO set" if dnssec
                                         else ""))
    log(f"{'server':<13} {'max q/s':>9} {'answ%':>7} {'us/q':>6} | "
        f"{'fixed q/s':>9} "
        f"{'answ%':>7} {'core%':>6} {'CPU us/q':>9} {'(min..max)':>16}"
        + (f" {'resp B':>6} {'ready s':>7}" if dnssec else ""))
    for s, m in med.items():
        rng = f"{m['cpu_us_per_query_min']:.2f}..{m['cpu_us_per_query_max']:.2f}"
        log(f"{s:<13} {m['max_qps']:>9.0f} {m['max_answered_pct']:>7.2f} "
            f"{m['max_cpu_us_per_query']:>6.2f} | "
            f"{m['fixed_qps']:>9.0f} {m['fixed_answered_pct']:>7.2f} "
            f"{m['cpu_core_pct']:>6.1f} {m['cpu_us_per_query']:>9.2f} {rng:>16}"
            + (f" {m['response_bytes_avg']:>6.0f} {m['ready_s']:>7.1f}"
               if dnssec else ""))
    for k, v in ratios.items():
        log(f"{k}: CPU per answered query x{v['cpu_us_per_query']:.2f} "
            f"at the fixed rate (x{v['max_cpu_us_per_query']:.2f} at max "
            f"load); max q/s x{v['max_qps']:.2f}")
    if not ratios:
        log("(no ratios: they need the gateway and NSD or Knot)")


def no_nan(v):
    """NaN is not JSON: null instead."""
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, dict):
        return {k: no_nan(x) for k, x in v.items()}
    if isinstance(v, list):
        return [no_nan(x) for x in v]
    return v


def write_results(outdir, args, meta, results, med, ratios):
    with open(os.path.join(outdir, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS_DNSSEC if args.dnssec
                           else FIELDS, extrasaction="ignore")
        w.writeheader()
        for r in results:
            w.writerow({k: (f"{v:.4f}" if isinstance(v, float) else v)
                        for k, v in r.items()})
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(no_nan({"meta": meta, "runs": results, "median": med,
                          "ratios": ratios}), f, indent=2, allow_nan=False)
        f.write("\n")


# --------------------------------------------------------------------------
# setup

def build_gateway(outdir):
    build = os.path.join(ROOT, "build-bench")
    blog = os.path.join(outdir, "build.log")
    log(f"building dnssd-gateway (Release) in {build}, log {blog}")
    with open(blog, "w") as lf:
        for cmd in (["cmake", "-S", ROOT, "-B", build,
                     "-DCMAKE_BUILD_TYPE=Release", "-DGW_SANITIZE=OFF",
                     "-DGW_WERROR=OFF", "-DGW_FUZZ=OFF"],
                    ["cmake", "--build", build, "-j2", "--target",
                     "dnssd-gateway"]):
            lf.write("$ " + " ".join(cmd) + "\n")
            lf.flush()
            try:
                r = subprocess.run(cmd, stdout=lf, stderr=subprocess.STDOUT,
                                   timeout=1800)
            except subprocess.TimeoutExpired:
                raise BenchError(f"building the gateway timed out; see {blog}")
            if r.returncode != 0:
                raise BenchError(
                    f"building the gateway failed (log {blog}):\n{tail(blog)}"
                    "Set GW_BIN to a built binary, or leave the gateway out "
                    "with --servers nsd,knot.")
    binary = os.path.join(build, "gateway", "dnssd-gateway")
    if not os.access(binary, os.X_OK):
        raise BenchError(f"the build made no {binary}")
    return binary


def tool_versions(servers):
    v = {}
    for name, cmd in (("dnsperf", ["dnsperf", "-h"]), ("nsd", ["nsd", "-v"]),
                      ("knot", ["knotd", "-V"])):
        if name != "dnsperf" and name not in servers:
            continue
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        m = re.search(r"[Vv]ersion:? ([0-9][^\s,)]*)", r.stdout + r.stderr)
        v[name] = m.group(1) if m else "?"
    return v


def parse_args():
    p = argparse.ArgumentParser(
        description="Serving benchmark: dnssd-gateway vs NSD vs Knot "
        "(see bench/serve.md).")
    p.add_argument("--services", type=int, default=10000,
                   help="services in the generated zone (default 10000)")
    p.add_argument("--runs", type=int, default=3, help="runs (default 3)")
    p.add_argument("--rate", type=int, default=50000,
                   help="offered q/s for the CPU measurement (default 50000)")
    p.add_argument("--duration", type=int, default=10,
                   help="seconds per dnsperf measurement (default 10)")
    p.add_argument("--out", help="output directory "
                   "(default bench/out/serve-YYYYmmdd-HHMMSS)")
    p.add_argument("--servers", default="gateway,nsd,knot",
                   help="comma-separated subset of gateway,nsd,knot")
    p.add_argument("--workers", type=int, default=1,
                   help="serving processes/threads for NSD (server-count) "
                   "and Knot (udp-workers, tcp-workers); default 1")
    p.add_argument("--clients", type=int, default=8, help="dnsperf -c (default 8)")
    p.add_argument("--threads", type=int, default=1, help="dnsperf -T (default 1)")
    p.add_argument("--outstanding", type=int, default=100,
                   help="dnsperf -q for the maximum-throughput run (default 100)")
    p.add_argument("--fixed-outstanding", type=int, default=500,
                   help="dnsperf -q for the fixed-rate run (default 500)")
    p.add_argument("--query-timeout", type=int, default=2,
                   help="dnsperf -t, seconds before a query counts lost (default 2)")
    p.add_argument("--warmup", type=int, default=2,
                   help="seconds of unmeasured load before measuring (default 2)")
    p.add_argument("--start-timeout", type=int, default=60,
                   help="seconds to wait for a server to answer (default 60)")
    p.add_argument("--pin", action="store_true",
                   help="pin the server to CPU 0 and dnsperf to CPU 1 (taskset)")
    p.add_argument("--zones", type=int, default=4,
                   help="zones of gateway-zones: the served one and N-1 "
                   "generated zones of the same size (default 4)")
    p.add_argument("--dnssec", action="store_true",
                   help="signed zone, DO set: the gateway and Knot sign "
                   "(ECDSA P-256 CSK, NSEC), NSD serves a zone signed by "
                   "ldns-signzone; dnsperf -D")
    args = p.parse_args()
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    bad = [s for s in args.servers if s not in ALL_SERVERS]
    if bad or not args.servers or len(set(args.servers)) != len(args.servers):
        p.error(f"--servers: a comma-separated subset of {','.join(ALL_SERVERS)}")
    for k in ("services", "runs", "rate", "duration", "workers", "clients", "zones",
              "threads", "outstanding", "fixed_outstanding", "query_timeout",
              "start_timeout"):
        if getattr(args, k) < 1:
            p.error(f"--{k.replace('_', '-')} must be at least 1")
    if args.warmup < 0:
        p.error("--warmup must not be negative")
    return args


def on_signal(signum, frame):
    print(f"serve: stopped by signal {signum}; cleaning up", file=sys.stderr)
    raise SystemExit(128 + signum)


def main():
    args = parse_args()
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    need = ["dnsperf", "kdig"] + [t for s, t in (("nsd", "nsd"),
                                                   ("knot", "knotd"))
                                  if s in args.servers]
    if args.pin:
        need.append("taskset")
    if args.dnssec and "nsd" in args.servers:
        need += ["ldns-keygen", "ldns-signzone"]
    missing = [t for t in need if shutil.which(t) is None]
    if missing:
        raise BenchError(f"missing {', '.join(missing)}: run "
                         f"{ROOT}/scripts/setup.sh")

    shared = os.environ.get("GW_SHARED") or os.path.join(ROOT, "..", "shared")
    gen = os.path.join(shared, "bench", "gen-dnssd-zone")
    if not os.path.isfile(gen):
        raise BenchError(f"no zone generator at {gen} (set GW_SHARED)")

    outdir = args.out or os.path.join(
        ROOT, "bench", "out", time.strftime("serve-%Y%m%d-%H%M%S"))
    os.makedirs(outdir, exist_ok=True)
    outdir = args.outdir = os.path.abspath(outdir)
    for old in ("dnsperf.log",):
        if os.path.exists(os.path.join(outdir, old)):
            os.remove(os.path.join(outdir, old))

    args.gw_bin = args.gw_base_bin = None
    if "gateway-base" in args.servers:
        args.gw_base_bin = os.environ.get("GW_BASE_BIN")
        if not args.gw_base_bin or not os.access(args.gw_base_bin, os.X_OK):
            raise BenchError("gateway-base needs GW_BASE_BIN, an executable "
                             "gateway binary (of the commit to compare with)")
        args.gw_base_bin = os.path.abspath(args.gw_base_bin)
    if "gateway" in args.servers or "gateway-zones" in args.servers:
        args.gw_bin = os.environ.get("GW_BIN") or build_gateway(outdir)
        if not os.access(args.gw_bin, os.X_OK):
            raise BenchError(f"GW_BIN={args.gw_bin} is not an executable")
        args.gw_bin = os.path.abspath(args.gw_bin)

    workdir = tempfile.mkdtemp(prefix="dnssd-bench-")
    running = []
    try:
        zonedir = os.path.join(workdir, "zone")
        r = subprocess.run([sys.executable, gen,
                            ORIGIN, str(args.services), zonedir],
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise BenchError(f"{gen} failed:\n{r.stdout}{r.stderr}")
        log(r.stdout.strip())
        zonefile = os.path.join(zonedir, "zone.db")
        queries = os.path.join(zonedir, "queries.txt")
        args.extra_zonefiles = []
        if "gateway-zones" in args.servers:
            for k in range(1, args.zones):
                domain, d = f"extra{k}.example", os.path.join(workdir, f"zone{k}")
                rk = subprocess.run([sys.executable, gen, domain,
                                     str(args.services), d],
                                    capture_output=True, text=True, timeout=600)
                if rk.returncode != 0:
                    raise BenchError(f"{gen} failed:\n{rk.stdout}{rk.stderr}")
                args.extra_zonefiles.append((domain, os.path.join(d, "zone.db")))
            log(f"gateway-zones: {ORIGIN}. is the last of {args.zones} zones "
                f"of {args.services} services each")
        checks = pick_checks(queries)
        zonefiles = {s: zonefile for s in args.servers}
        signed = None
        # dnsperf drops names with escaped spaces as the generator writes
        # them (every SRV and TXT query): give it a copy it reads whole, in
        # both modes, so the mix is the one the generator meant.
        perf_queries, nfixed, esc = dnsperf_query_file(queries, outdir)
        if nfixed:
            log(f"dnsperf query file: {nfixed} names with spaces written "
                f"with {esc} (dnsperf would drop them as written)")
        if args.dnssec:
            checks = pick_signed_checks(queries, checks)
            sample = size_sample(queries)
            signed = {"notes": [], "profiles": {}, "sample": sample}
            if "nsd" in args.servers:
                zonefiles["nsd"], key, secs = sign_for_nsd(zonefile, workdir)
                signed["nsd_key"] = key
                signed["nsd_sign_s"] = secs
                log(f"signed the zone for NSD with ldns-signzone ({key}) "
                    f"in {secs:.1f} s")

        meta = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "services": args.services, "runs": args.runs, "rate": args.rate,
            "duration": args.duration, "servers": args.servers,
            "workers": args.workers, "dnsperf_clients": args.clients,
            "dnsperf_threads": args.threads,
            "dnsperf_outstanding": args.outstanding,
            "dnsperf_fixed_outstanding": args.fixed_outstanding,
            "dnsperf_timeout": args.query_timeout, "warmup": args.warmup,
            "pin": args.pin, "gateway_bin": args.gw_bin,
            "gateway_base_bin": args.gw_base_bin, "zones": args.zones,
            "cpus": os.cpu_count(), "clk_tck": CLK_TCK,
            "versions": tool_versions(args.servers),
            "zone": r.stdout.strip().replace(zonedir + "/", ""),
        }
        if args.dnssec:
            meta["dnssec"] = {
                "algorithm": "ECDSAP256SHA256", "keys": "one CSK",
                "denial": "NSEC", "dnsperf": "-D (EDNS 4096, DO)",
                "nsd_key": signed.get("nsd_key"),
                "nsd_sign_s": signed.get("nsd_sign_s"),
                "size_sample_queries": len(signed["sample"]),
                "dnsperf_space_escape": esc,
                "dnsperf_names_rewritten": nfixed,
                "size_profiles": signed["profiles"],
                "notes": signed["notes"],
            }
        log(f"servers {','.join(args.servers)}; {args.runs} run(s); "
            f"{args.duration} s per measurement; fixed rate {args.rate} q/s; "
            f"dnsperf -c {args.clients} -T {args.threads} -q "
            f"{args.outstanding} (fixed rate: -q {args.fixed_outstanding}); "
            f"{args.workers} worker(s) per server; "
            + ("signed zone, DO set; " if args.dnssec else "")
            + f"output {outdir}")

        results, reference = [], {}
        n = len(args.servers)
        for run in range(1, args.runs + 1):
            order = [args.servers[(i + run - 1) % n] for i in range(n)]
            rows = []
            for name in order:
                log(f"run {run}/{args.runs}: {name} ...")
                server = SERVER_CLASSES[name](
                    args, zonefiles[name], os.path.join(workdir, f"run{run}"))
                running.append(server)
                try:
                    row = measure(args, server, perf_queries, checks,
                                  reference, signed)
                finally:
                    server.stop()
                    running.remove(server)
                    if run == 1 and server.conf:
                        # The configuration as used, for the record.
                        shutil.copy(server.conf, os.path.join(
                            outdir, os.path.basename(server.conf)))
                row["run"] = run
                row["order"] = ">".join(order)
                rows.append(row)
                results.append(row)
            print_table(f"run {run} (order {', '.join(order)})", rows)
            if args.dnssec and run == 1:
                print_size_profiles(signed["profiles"], len(signed["sample"]))
            # Partial results survive an interrupted series.
            med, ratios = summarize(results, args.servers)
            write_results(outdir, args, meta, results, med, ratios)

        med, ratios = summarize(results, args.servers)
        print_summary(med, ratios, args.runs, dnssec=args.dnssec)
        if args.dnssec:
            for note in signed["notes"]:
                log(f"note: {note}")
        write_results(outdir, args, meta, results, med, ratios)
        log(f"\nresults: {outdir}/results.csv, {outdir}/results.json")
    finally:
        for s in running:
            s.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print(f"serve: error: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("serve: interrupted", file=sys.stderr)
        sys.exit(130)
