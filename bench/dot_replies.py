#!/usr/bin/python3
"""Are the gateway's answers over DNS over TLS the same as over UDP?

Usage: bench/dot_replies.py [--bin BIN] [--services N] [--limit N] [--out DIR]

One gateway serves the benchmark's generated DNS-SD zone (gen-dnssd-zone,
signed, NSEC and then NSEC3) on UDP, TCP and TLS (its own certificate).
Every query of the benchmark mix is sent with DO over UDP, and the same
queries pipelined over one TLS connection (ALPN dot, TLS 1.3, the
certificate checked against the one in the state directory). Each TLS
reply must equal the UDP reply byte for byte, or, where the UDP reply was
truncated (TC) or the question is ANY (RFC 8482: one RRset over UDP, all
of them over a stream, gateway/query/answer.c), the TCP reply: one server
answers the same question the same way whatever carries it (the queries carry no padding option, so no
reply is padded). Prints the counts and the first differences; exits 1
when any reply differs. Loopback only; needs the shared/ folder
(GW_SHARED, default ../shared) and python3-dnspython.
"""

import argparse
import os
import socket
import ssl
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replies  # noqa: E402  (the mix, the queries and the gateway runner)

TC = 0x0200


def tls_all(port, cafile, server_name, wires):
    """Send wires pipelined on one TLS connection; the replies in order."""
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.set_alpn_protocols(["dot"])
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    s = ctx.wrap_socket(raw, server_hostname=server_name)
    out = []
    try:
        if s.selected_alpn_protocol() != "dot":
            raise RuntimeError("ALPN dot was not selected")
        s.sendall(b"".join(struct.pack("!H", len(w)) + w for w in wires))
        for _ in wires:
            out.append(replies.recv_exact(s, struct.unpack("!H", replies.recv_exact(s, 2))[0]))
    finally:
        s.close()
    return out


def tls_port(ports_file):
    with open(ports_file) as f:
        for line in f:
            p = line.split()
            if p[:2] == ["tls", "127.0.0.1"]:
                return int(p[2])
    raise RuntimeError(f"no tls line in {ports_file}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(replies.ROOT, "build", "gateway",
                                                  "dnssd-gateway"))
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--limit", type=int, default=0, help="queries of the mix to use (0: all)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    shared = os.environ.get("GW_SHARED", os.path.join(replies.ROOT, "..", "shared"))
    work = args.out or tempfile.mkdtemp(prefix="gw-dot-replies-")
    os.makedirs(work, exist_ok=True)
    subprocess.run([os.path.join(shared, "bench", "gen-dnssd-zone"),
                    replies.ORIGIN.rstrip("."), str(args.services), work], check=True,
                   stdout=subprocess.DEVNULL)
    zonefile = os.path.join(work, "zone.db")
    mix = replies.queries(os.path.join(work, "queries.txt"), args.limit)
    mix += [(replies.ORIGIN, t) for t in ("DNSKEY", "NSEC3PARAM", "NS", "ANY", "CDS", "SOA")]
    mix += [("nosuch.deeper.nosuch." + replies.ORIGIN, "A")]
    total = differ = truncated = any_tcp = 0
    for denial in ("nsec", "nsec3"):
        gw = replies.Gateway(args.bin, os.path.join(work, denial), zonefile, denial)
        # TLS with the gateway's own certificate for dns.<zone>, and no
        # control socket on the system's path (replies.Gateway keeps a
        # run as root as root: its files are in the work directory).
        with open(gw.conf, "a") as f:
            f.write('tls: {listen: ["127.0.0.1@0"]}\ncontrol: {enable: false}\n')
        gw.start()
        try:
            port = tls_port(gw.ports)
            cafile = os.path.join(gw.dir, "state", "tls", "cert.pem")
            wires = [replies.build(i & 0xFFFF, n, t, True) for i, (n, t) in enumerate(mix)]
            over_udp = [replies.udp(gw.port, w) for w in wires]
            over_tls, over_tcp = [], []
            for start in range(0, len(wires), 500):
                part = wires[start:start + 500]
                over_tls += tls_all(port, cafile, "dns." + replies.ORIGIN.rstrip("."), part)
                over_tcp += replies.tcp_all(gw.port, part)
        finally:
            gw.stop()
        shown = nd = 0
        for (name, qtype), u, t, c in zip(mix, over_udp, over_tls, over_tcp):
            total += 1
            want = u
            if len(u) >= 4 and struct.unpack("!H", u[2:4])[0] & TC:
                truncated += 1
                want = c
            elif qtype == "ANY":
                any_tcp += 1
                want = c
            if t != want:
                differ += 1
                nd += 1
                if shown < 10:
                    shown += 1
                    print(f"{denial}: DIFFERS {name} {qtype}: tls {len(t)} octets, "
                          f"udp/tcp {len(want)}")
        print(f"{denial}: {len(mix)} queries, {nd} TLS replies differ "
              f"({sum(len(r) for r in over_tls)} octets over TLS)")
    print(f"total: {total} replies compared ({truncated} against TCP for a truncated UDP "
          f"reply, {any_tcp} ANY against TCP), {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
