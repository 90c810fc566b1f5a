#!/usr/bin/python3
"""Are two gateway binaries' replies the same, byte for byte?

Usage: bench/replies.py --base BIN --new BIN [--services N] [--out DIR]

For a refactoring that must not change behaviour: both binaries serve the
same generated DNS-SD zone (gen-dnssd-zone) with the same Ed25519 keys, in
an NSEC and an NSEC3 variant, and every query of the mix is sent to each
over UDP without EDNS, over UDP with DO (EDNS 1232), over UDP in mixed
case, and over TCP with DO; then an AXFR. Each reply is compared byte for
byte with the other binary's, after masking only what differs between two
starts of the same binary: the SOA serial (it comes from the clock at
start) and the RRSIG inception, expiration and signature (the clock and
the jitter). Rate limiting is turned off where the binary has it. Everything else - flags, order, compression, TTLs, sizes,
truncation, NSEC and NSEC3 proofs - must be equal. Prints the counts and
the first differences; exits 1 when any reply differs.

Needs python3-dnspython (queries are built with it) and, for the zone,
the shared/ folder (GW_SHARED, default ../shared). Loopback only.
"""

import argparse
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

import dns.message
import dns.name
import dns.rdatatype

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORIGIN = "dnssd.example."
T_SOA, T_RRSIG = 6, 46
NO_LIMIT = "rate-limit: {rate: 0}\n"


def skip_name(msg, off):
    """Offset after the (possibly compressed) name at off."""
    while True:
        n = msg[off]
        if n & 0xC0 == 0xC0:
            return off + 2
        if n == 0:
            return off + 1
        off += 1 + n


def mask(msg):
    """The reply with the clock-dependent fields zeroed (see the module
    doc). Walks the sections; a reply it cannot walk is returned as is."""
    b = bytearray(msg)
    try:
        qd, an, ns, ar = struct.unpack_from("!4H", b, 4)
        off = 12
        for _ in range(qd):
            off = skip_name(b, off) + 4
        for _ in range(an + ns + ar):
            off = skip_name(b, off)
            rtype, _, _, rdlen = struct.unpack_from("!HHIH", b, off)
            off += 10
            end = off + rdlen
            if rtype == T_RRSIG:
                b[off + 8:off + 16] = bytes(8)
                sig = skip_name(b, off + 18)
                b[sig:end] = bytes(end - sig)
            elif rtype == T_SOA:
                p = skip_name(b, skip_name(b, off))
                b[p:p + 4] = bytes(4)
            off = end
    except (IndexError, struct.error):
        return bytes(msg)
    return bytes(b)


def mixed_case(name, rng):
    return "".join(c.upper() if rng.random() < 0.5 else c for c in name)


def queries(path, limit):
    out = []
    with open(path) as f:
        for line in f:
            # dnsperf's form: the name (blanks escaped) and the type.
            p = line.rstrip("\n").rsplit(None, 1)
            if len(p) == 2:
                out.append((p[0], p[1]))
    return out[:limit] if limit else out


def build(qid, name, qtype, do):
    q = dns.message.make_query(name, qtype, use_edns=0 if do else False,
                               want_dnssec=do, payload=1232)
    q.id = qid
    q.flags &= ~dns.flags.RD
    return q.to_wire()


def udp(port, wire):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        s.sendto(wire, ("127.0.0.1", port))
        return s.recv(65535)
    except socket.timeout:
        return b"TIMEOUT"
    finally:
        s.close()


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def tcp_all(port, wires, axfr=False):
    """Send wires pipelined on one connection; the replies in order (an
    AXFR: every message until the closing SOA)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    out = []
    try:
        for w in wires:
            s.sendall(struct.pack("!H", len(w)) + w)
            if axfr:
                soas = 0
                while soas < 2:
                    m = recv_exact(s, struct.unpack("!H", recv_exact(s, 2))[0])
                    out.append(m)
                    r = dns.message.from_wire(m)
                    soas += sum(1 for rr in r.answer if rr.rdtype == T_SOA)
                    if r.rcode() != 0:
                        break
            else:
                out.append(recv_exact(s, struct.unpack("!H", recv_exact(s, 2))[0]))
    finally:
        s.close()
    return out


class Gateway:
    def __init__(self, binary, workdir, zonefile, denial, keys_from=None):
        self.binary = binary
        self.dir = workdir
        os.makedirs(os.path.join(workdir, "state"), exist_ok=True)
        if keys_from:
            shutil.copytree(keys_from, os.path.join(workdir, "state", "keys"))
        self.ports = os.path.join(workdir, "ports")
        self.conf = os.path.join(workdir, "gateway.yaml")
        with open(self.conf, "w") as f:
            f.write(f"""zone: {{domain: {ORIGIN}, file: "{zonefile}"}}
listen: ["127.0.0.1@0"]
ports-file: "{self.ports}"
state-dir: "{workdir}/state"
log: {{level: warning}}
mdns: {{enable: false}}
dnssec: {{enable: true, algorithm: ed25519, denial: {denial}, jitter: 0s}}
""")
            # The whole mix comes from one address as fast as it is
            # answered: a rate limiter would cut it. Off where the binary
            # has one (an older one refuses the key).
            f.write(NO_LIMIT)
            if os.geteuid() == 0:
                # Started as root the daemon becomes its own user, which
                # cannot enter this script's private temporary directory.
                f.write("user: root\n")
        if subprocess.run([binary, "--check-config", "-c", self.conf],
                          capture_output=True).returncode != 0:
            with open(self.conf) as f:
                text = f.read()
            with open(self.conf, "w") as f:
                f.write(text.replace(NO_LIMIT, ""))
        self.proc = None
        self.port = None

    def start(self):
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen([self.binary, "-c", self.conf],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.binary} exited; see {self.dir}/log")
            try:
                with open(self.ports) as f:
                    for line in f:
                        p = line.split()
                        if p[:2] == ["udp", "127.0.0.1"]:
                            self.port = int(p[2])
            except OSError:
                pass
            if self.port:
                r = udp(self.port, build(1, ORIGIN, "SOA", True))
                if r != b"TIMEOUT" and any(
                        rr.rdtype == T_RRSIG
                        for rr in dns.message.from_wire(r).answer):
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.binary} did not answer within 120 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(60)
        self.log.close()


def collect(gw, mix):
    """Every reply of gw, in a fixed order, keyed by a label."""
    rng = random.Random(1)
    out = []
    for i, (name, qtype) in enumerate(mix):
        qid = i & 0xFFFF
        out.append((f"udp     {name} {qtype}", udp(gw.port, build(qid, name, qtype, False))))
        out.append((f"udp+do  {name} {qtype}", udp(gw.port, build(qid, name, qtype, True))))
        mc = mixed_case(name, rng)
        out.append((f"udp+0x20 {mc} {qtype}", udp(gw.port, build(qid, mc, qtype, True))))
    wires = [build(i & 0xFFFF, n, t, True) for i, (n, t) in enumerate(mix)]
    for start in range(0, len(wires), 500):
        part = wires[start:start + 500]
        for j, r in enumerate(tcp_all(gw.port, part)):
            n, t = mix[start + j]
            out.append((f"tcp+do  {n} {t}", r))
    for j, r in enumerate(tcp_all(gw.port, [build(7, ORIGIN, "AXFR", False)], axfr=True)):
        out.append((f"axfr    message {j}", r))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True, help="the binary before")
    ap.add_argument("--new", required=True, help="the binary after")
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--limit", type=int, default=0,
                    help="queries of the mix to use (0: all)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    shared = os.environ.get("GW_SHARED", os.path.join(ROOT, "..", "shared"))
    work = args.out or tempfile.mkdtemp(prefix="gw-replies-")
    os.makedirs(work, exist_ok=True)
    subprocess.run([os.path.join(shared, "bench", "gen-dnssd-zone"), ORIGIN.rstrip("."),
                    str(args.services), work], check=True, stdout=subprocess.DEVNULL)
    zonefile = os.path.join(work, "zone.db")
    mix = queries(os.path.join(work, "queries.txt"), args.limit)
    # A few names the mix lacks: the apex sets, DS, NSEC3PARAM, deep misses.
    mix += [(ORIGIN, t) for t in ("DNSKEY", "NSEC3PARAM", "NS", "ANY", "CDS")]
    mix += [("nosuch.deeper.nosuch." + ORIGIN, "A"), ("_tcp." + ORIGIN, "DS")]
    total = differ = 0
    for denial in ("nsec", "nsec3"):
        # One key for both binaries: made by a first start of base.
        seed = Gateway(args.base, os.path.join(work, f"{denial}-seed"), zonefile, denial)
        seed.start()
        seed.stop()
        keys = os.path.join(seed.dir, "state", "keys")
        replies = {}
        for which, binary in (("base", args.base), ("new", args.new)):
            gw = Gateway(binary, os.path.join(work, f"{denial}-{which}"), zonefile,
                         denial, keys_from=keys)
            gw.start()
            try:
                replies[which] = collect(gw, mix)
            finally:
                gw.stop()
        a, b = replies["base"], replies["new"]
        if len(a) != len(b):
            print(f"{denial}: {len(a)} replies before, {len(b)} after")
            differ += 1
        shown = 0
        nd = 0
        for (la, ra), (lb, rb) in zip(a, b):
            total += 1
            if la != lb or mask(ra) != mask(rb):
                differ += 1
                nd += 1
                if shown < 10:
                    shown += 1
                    print(f"{denial}: DIFFERS {la}: {len(ra)} vs {len(rb)} octets")
        print(f"{denial}: {len(a)} replies compared, {nd} differ "
              f"({sum(len(r) for _, r in a)} octets)")
    print(f"total: {total} replies, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
