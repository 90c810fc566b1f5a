#!/usr/bin/python3
"""DNS Push under load: --subs subscriptions over --conns connections to
the gateway on loopback, and the time from an mDNS announcement to the
PUSH at every subscriber.

Namespaces and veth pair as in bench/mdns_latency.py (192.0.2.0/24,
2001:db8::/32); the gateway runs in one with push on plain TCP
(push.plain-tcp: a benchmark on loopback), publish.py (python3-zeroconf)
in the other. Every connection subscribes to the link's _http._tcp PTR
and fills its share of the subscriptions with SRV subscriptions to other
names of the link. For each of --changes services, after a quiet gap
longer than the batch window, the publisher registers it; the time each
connection receives the PUSH for it, minus the registration time, is one
sample. Prints p50/p99 over all samples, and the gateway's RSS growth per
connection (sessions established, no subscription) and per subscription.
Root is needed (namespaces); all traffic stays in the namespaces.

--tls: the same over DNS over TLS (the gateway's TLS listener on
127.0.0.1, push.plain-tcp off, the client checking the gateway's own
certificate), and then TLS handshakes per second: --hs-procs `openssl
s_time -new` clients making full handshakes (no resumption) in parallel
for --hs-seconds, with the gateway's CPU time over that span (handshakes
per gateway CPU second: what one core of the server can do), next to
`openssl speed ecdsap256` (signatures per second, the server's share of
a TLS 1.3 handshake with the gateway's P-256 key) run on the same
machine in the same run.

  bench/push_load.py                              # 10 000 over 1 000, 20 changes
  bench/push_load.py --tls                        # the same over TLS, and handshakes/s
  bench/push_load.py --conns 100 --subs 1000 --changes 10
"""
import argparse
import json
import os
import resource
import selectors
import socket
import ssl
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from linkpair import ROOT, LinkPair, Netns, percentile, ports_file_port, state_tmp  # noqa: E402

KEEPALIVE, SUBSCRIBE = 0x0001, 0x0040


def wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dso(mid, ttype, data):
    msg = struct.pack("!HHHHHH", mid, 6 << 11, 0, 0, 0, 0) + struct.pack("!HH", ttype,
                                                                          len(data)) + data
    return struct.pack("!H", len(msg)) + msg


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def tls_context(cafile):
    """A client context that checks the gateway's certificate (its own,
    self-signed, named dns.<zone>)."""
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.set_alpn_protocols(["dot"])
    return ctx


class Conn:
    def __init__(self, port, ctx=None, name=None):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if ctx is not None:
            self.sock = ctx.wrap_socket(self.sock, server_hostname=name)
        self.sock.setblocking(False)
        self.buf = b""

    def send(self, data):
        self.sock.setblocking(True)
        self.sock.sendall(data)
        self.sock.setblocking(False)

    def messages(self):
        """Whole messages read so far (non-blocking reads first; TLS:
        until OpenSSL holds nothing more)."""
        while True:
            try:
                data = self.sock.recv(1 << 20)
                if not data:
                    raise ConnectionError("closed by the gateway")
                self.buf += data
            except (BlockingIOError, ssl.SSLWantReadError):
                break
        out = []
        while len(self.buf) >= 2:
            n = struct.unpack("!H", self.buf[:2])[0]
            if len(self.buf) < 2 + n:
                break
            out.append(self.buf[2:2 + n])
            self.buf = self.buf[2 + n:]
        return out


def cpu_s(pid):
    """User and system CPU seconds of process pid."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def handshakes(port, procs, seconds):
    """Full TLS handshakes (openssl s_time -new: no resumption) from procs
    client processes at once for seconds; the number made."""
    cmd = ["openssl", "s_time", "-connect", "127.0.0.1:%d" % port, "-new",
           "-time", str(int(seconds))]
    running = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True) for _ in range(procs)]
    total = 0
    for pr in running:
        out = pr.communicate()[0]
        for line in out.splitlines():
            # "1867 connections in 4 real seconds, 0 bytes read per connection"
            if "real seconds" in line:
                total += int(line.split()[0])
    return total


def openssl_sign_per_s(seconds):
    """ECDSA P-256 signatures per second by `openssl speed` (one core)."""
    text = subprocess.run(["openssl", "speed", "-seconds", str(seconds), "ecdsap256"],
                          capture_output=True, text=True).stdout
    for line in text.splitlines():
        parts = line.split()
        # " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  40000.0  12000.0"
        if "nistp256" in line and len(parts) >= 2:
            return float(parts[-2])
    return 0.0


def wait_responses(conns, want, timeout):
    """Read until each connection has had `want` responses."""
    got = {id(c): 0 for c in conns}
    end = time.monotonic() + timeout
    pending = set(conns)
    while pending and time.monotonic() < end:
        for c in list(pending):
            for m in c.messages():
                if m[2] & 0x80:
                    got[id(c)] += 1
                    if m[3] & 0x0F:
                        raise RuntimeError("rcode %d" % (m[3] & 0x0F))
            if got[id(c)] >= want:
                pending.discard(c)
        time.sleep(0.001)
    if pending:
        raise RuntimeError("%d connections without their responses" % len(pending))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--conns", type=int, default=1000)
    ap.add_argument("--subs", type=int, default=10000, help="subscriptions in total")
    ap.add_argument("--changes", type=int, default=20)
    ap.add_argument("--gap", type=float, default=200.0, help="ms of quiet before each change")
    ap.add_argument("--out", default=None)
    ap.add_argument("--tls", action="store_true", help="over DNS over TLS; handshakes/s")
    ap.add_argument("--hs-procs", type=int, default=4, help="--tls: handshaking clients")
    ap.add_argument("--hs-seconds", type=float, default=5.0)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("push_load: network namespaces need root")
    per = max(1, args.subs // args.conns)
    gw_bin = os.environ.get("GW_BIN", os.path.join(ROOT, "build-rel", "gateway", "dnssd-gateway"))
    out = args.out or os.path.join(ROOT, "bench", "out", time.strftime("push-load-%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    need = args.conns * 2 + 256
    resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))

    link = LinkPair("pl", "pl", "pg")
    tmp = state_tmp("gw-pushload.")
    gw = pub = None
    try:
        ll6 = link.up()
        log = open(os.path.join(out, "gateway.log"), "w")
        gw = link.gateway(gw_bin, tmp,
                          "server: {tcp-max-connections: %d, tcp-max-per-client: %d}\n"
                          "rate-limit: {rate: 0}\n"
                          "mdns:\n  batch-window: 50ms\n  limits: {changes-per-second: 100000}\n"
                          "push: {enable: true, plain-tcp: %s, keepalive-interval: 3600s,\n"
                          "       inactivity-timeout: 3600s, max-sessions: %d,\n"
                          "       max-subscriptions: %d, max-subscriptions-per-connection: %d}\n"
                          "%s"
                          % (args.conns + 64, args.conns + 64,
                             "false" if args.tls else "true", args.conns + 16,
                             args.subs + per + 16, per + 1,
                             "tls: {listen: [\"127.0.0.1@0\"]}\n" if args.tls else ""), log)
        port = ports_file_port(os.path.join(tmp, "ports"), "tls" if args.tls else "tcp")
        if port is None:
            sys.exit("push_load: the gateway did not start (see %s/gateway.log)" % out)
        pub = link.publisher(ll6)
        if pub is None:
            sys.exit("push_load: the publisher did not start")
        time.sleep(1.0)
        # The first service of a type is discovered, not announced: warm up.
        pub.stdin.write("bench warmup\n")
        pub.stdout.readline()
        time.sleep(3.0)

        rss0 = rss_kb(gw.pid)
        # Each session established as its connection opens: a connection
        # without a first message is closed after server.tcp-message-timeout.
        conns = []
        cafile = os.path.join(tmp, "state", "tls", "cert.pem")
        ctx = tls_context(cafile) if args.tls else None
        t_open = time.monotonic()
        with Netns(link.ns_gw):
            for _ in range(args.conns):
                c = Conn(port, ctx, "dns.bench.test")
                c.send(dso(1, KEEPALIVE, struct.pack("!II", 0, 0)))
                conns.append(c)
        t_open = time.monotonic() - t_open
        wait_responses(conns, 1, 60)
        time.sleep(0.5)
        rss1 = rss_kb(gw.pid)
        ptr = wire("_http._tcp.lan.bench.test.") + struct.pack("!HH", 12, 1)
        for i, c in enumerate(conns):
            data = dso(2, SUBSCRIBE, ptr)
            for k in range(per - 1):
                data += dso(3 + k, SUBSCRIBE,
                            wire("x%d-%d.lan.bench.test." % (i, k)) + struct.pack("!HH", 33, 1))
            c.send(data)
        wait_responses(conns, per, 120)
        time.sleep(0.5)
        rss2 = rss_kb(gw.pid)
        for c in conns:
            c.messages()
            c.buf = b""

        sel = selectors.DefaultSelector()
        for c in conns:
            sel.register(c.sock, selectors.EVENT_READ, c)
        samples, lone = [], []
        for n in range(args.changes):
            time.sleep(args.gap / 1000.0)
            for c in conns:  # drop what came in between
                c.messages()
                c.buf = b""
            name = "load%04d" % n
            pub.stdin.write("bench %s\n" % name)
            t0 = float(pub.stdout.readline().split()[3])
            key = wire(name + "._http._tcp.lan.bench.test.")
            waiting = set(conns)
            end = time.monotonic() + 10
            times = []
            while waiting and time.monotonic() < end:
                for ev, _ in sel.select(0.5):
                    c = ev.data
                    if c not in waiting:
                        c.messages()
                        continue
                    for m in c.messages():
                        if m[:2] == b"\0\0" and key.lower() in m.lower():
                            times.append((time.monotonic() - t0) * 1000.0)
                            waiting.discard(c)
                            break
            samples.extend(times)
            if times:
                lone.append(max(times))
            if waiting:
                print("change %d: %d connections without the PUSH" % (n, len(waiting)))
        res = {
            "conns": args.conns, "subs": per * args.conns, "changes": args.changes,
            "samples": len(samples),
            "p50_ms": percentile(samples, 50), "p99_ms": percentile(samples, 99),
            "max_ms": max(samples),
            "all_subscribers_p50_ms": percentile(lone, 50),
            "rss_kb": [rss0, rss1, rss2],
            "rss_per_conn_b": (rss1 - rss0) * 1024.0 / args.conns,
            "rss_per_sub_b": (rss2 - rss1) * 1024.0 / (per * args.conns),
            "transport": "tls" if args.tls else "tcp",
            "open_s": t_open,
        }
        for c in conns:
            c.sock.close()
        conns = []
        if args.tls:
            # Handshakes per second: the subscribers are gone; C clients
            # (openssl s_time) in parallel, inside the namespace; the
            # gateway's CPU time over the same span gives its cost.
            time.sleep(1.0)
            with Netns(link.ns_gw):
                cpu0, t_hs = cpu_s(gw.pid), time.monotonic()
                total = handshakes(port, args.hs_procs, args.hs_seconds)
                t_hs, cpu = time.monotonic() - t_hs, cpu_s(gw.pid) - cpu0
            res["handshakes_per_s"] = total / t_hs
            res["handshake_procs"] = args.hs_procs
            res["gateway_cpu_s"] = cpu
            res["handshakes_per_gateway_cpu_s"] = total / cpu if cpu > 0 else 0.0
            res["openssl_ecdsap256_sign_per_s"] = openssl_sign_per_s(3)
        with open(os.path.join(out, "results.json"), "w") as f:
            json.dump(res, f, indent=1)
        print("DNS Push: %d subscriptions over %d connections, %d changes, %d samples"
              % (res["subs"], args.conns, args.changes, len(samples)))
        print("  announce -> PUSH: p50 %.1f ms  p99 %.1f ms  max %.1f ms; "
              "last subscriber p50 %.1f ms"
              % (res["p50_ms"], res["p99_ms"], res["max_ms"], res["all_subscribers_p50_ms"]))
        print("  RSS: %.0f B per connection, %.0f B per subscription (%d -> %d -> %d kB)"
              % (res["rss_per_conn_b"], res["rss_per_sub_b"], rss0, rss1, rss2))
        if args.tls:
            print("  TLS: %.0f handshakes/s (%d openssl s_time clients, %.1f s; the gateway "
                  "used %.2f CPU s: %.0f handshakes per gateway CPU second); openssl speed "
                  "ecdsap256: %.0f sign/s on one core"
                  % (res["handshakes_per_s"], args.hs_procs, t_hs, res["gateway_cpu_s"],
                     res["handshakes_per_gateway_cpu_s"],
                     res["openssl_ecdsap256_sign_per_s"]))
        print("  %d %s connections opened in %.1f s"
              % (args.conns, res["transport"].upper(), t_open))
        print("results in %s" % out)
    finally:
        if pub is not None:
            pub.kill()
        if gw is not None:
            gw.terminate()
            gw.wait()
        link.down()
        subprocess.run(["rm", "-rf", tmp])
    return 0


if __name__ == "__main__":
    sys.exit(main())
