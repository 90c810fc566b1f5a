#!/usr/bin/env python3
"""Hostile TCP clients for tests/integration/test_tcp_hostile.sh.

Standard library only; talks to loopback addresses only (127.0.0.0/8 is all
on the loopback interface, so each test can be several clients).

  tcp_hostile.py attack --port P --src A[,B..] --per-src N [--dribble S]
          [--refill S] --duration S [--probe-src A --probe-every S]
      Open N connections from each source address. With --dribble, each
      sends one octet of a 512-octet message every S seconds (a message
      that never completes); without, they stay silent. With --refill,
      connections the server closed are opened again every S seconds.
      Meanwhile a probe from --probe-src asks one query over a new TCP
      connection every --probe-every seconds. With --settle, the end is
      observed that many seconds after the last octet and reopening, with
      connects still in progress given up (the server's closes have
      landed). Prints key=value lines:
        probes=N answered=N late=N max_latency=S   (late: over 1 s or none)
        closed=N min_life=S max_life=S             (closed by the server)
        open=N oldest_open=S                       (connected at the end)
        open_<src>=N                               (per source address)
  tcp_hostile.py keepalive --port P --rounds N --gap S
      One connection, one query every S seconds; prints answered=N.
  tcp_hostile.py short --port P --len L [--before N --qname Q --qtype T
          --rcvbuf B --stall S --no-after --no-short]
      One connection: a query (N of them for Q and type T, default 1 for
      www.dnssd.test. A), a message of L octets (below a header's 12;
      none with --no-short), another query (unless --no-after), in one
      write; with --stall,
      nothing is read for S seconds (the server's side fills, behind a
      receive buffer of B octets), then all. Prints answered=N
      closed=0|1.
  tcp_hostile.py tls-split --port P --udp-port U [--hold S]
      A TLS connection (no certificate check) whose first query's record
      goes out as its first octet alone, then the rest --hold seconds
      later. Meanwhile one UDP query to U, given 1 s: a server that waits
      for the record's rest must still serve others. Prints
      udp_answered=0|1 tls_answered=0|1.
  tcp_hostile.py dso-sessions --port P --src A[,B..] --per-src N --hold S
          --probe-src A
      From each source address, N connections that each open a DSO
      session (a KEEPALIVE request, RFC 8490) and keep it; S seconds
      later, while they are held, one TCP query from --probe-src. Prints
      established=N refused=N probe=1|0 (probe: answered within 2 s).
  tcp_hostile.py exec-limited --nofile N --hold K -- PROGRAM ARGS...
      Set RLIMIT_NOFILE (soft and hard) to N, leave K descriptors open for
      the program to inherit, and exec it.
"""
import argparse
import os
import resource
import selectors
import socket
import ssl
import struct
import sys
import threading
import time

# www.dnssd.test. A, id 0x1234
QUERY = bytes.fromhex("1234010000010000000000000377777705646e73736404746573740000010001")
LATE = 1.0
OPEN_BURST = 20


def probe_once(port, src, timeout=2.0):
    """Latency of one TCP query from src, or None without an answer."""
    start = time.monotonic()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(struct.pack("!H", len(QUERY)) + QUERY)
        return time.monotonic() - start if read_reply(s) else None
    except OSError:
        return None
    finally:
        s.close()


class Slot:
    def __init__(self, src, port, sel):
        self.src = src
        self.born = time.monotonic()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.sock.bind((src, 0))
        self.sock.connect_ex(("127.0.0.1", port))
        self.sent = 0
        self.closed_at = None
        sel.register(self.sock, selectors.EVENT_READ, self)

    def connected(self):
        try:
            self.sock.getpeername()
            return True
        except OSError:
            return False

    def dribble(self):
        # A length prefix of 512, then zeros, one octet at a time.
        octet = b"\x02" if self.sent == 0 else b"\x00"
        try:
            if self.sock.send(octet) == 1:
                self.sent += 1
        except OSError:
            pass


def attack(a):
    sel = selectors.DefaultSelector()
    srcs = a.src.split(",")
    slots = []
    lifetimes = []

    # Connections open at most OPEN_BURST per turn of the loop (about
    # 400 a second), not all at once: a burst beyond the kernel's accept
    # queue leaves clients that believe they are connected while the
    # server never saw their handshake complete.
    pending = [src for src in srcs for _ in range(a.per_src)]

    latencies = []
    stop = threading.Event()

    def prober():
        while not stop.wait(a.probe_every):
            latencies.append(probe_once(a.port, a.probe_src))

    thread = None
    if a.probe_src:
        thread = threading.Thread(target=prober, daemon=True)
        thread.start()

    start = time.monotonic()
    next_dribble = start if a.dribble else None
    next_refill = start + a.refill if a.refill else None
    settling = False
    while time.monotonic() - start < a.duration + a.settle:
        now = time.monotonic()
        if now - start >= a.duration and not settling:
            # Only watch from now on. Connects still in progress (their
            # SYN dropped by a full backlog, to be retried) are given up.
            settling = True
            next_dribble = next_refill = None
            for s in slots:
                if s.closed_at is None and not s.connected():
                    sel.unregister(s.sock)
                    s.sock.close()
                    s.closed_at = now
        if next_dribble is not None and now >= next_dribble:
            for s in slots:
                if s.closed_at is None:
                    s.dribble()
            next_dribble += a.dribble
        if next_refill is not None and now >= next_refill:
            dead = [s for s in slots if s.closed_at is not None]
            slots[:] = [s for s in slots if s.closed_at is None]
            pending.extend(s.src for s in dead)
            next_refill += a.refill
        if not settling:
            for src in pending[:OPEN_BURST]:
                slots.append(Slot(src, a.port, sel))
            del pending[:OPEN_BURST]
        for key, _ in sel.select(timeout=0.05):
            s = key.data
            try:
                data = s.sock.recv(4096)
                gone = data == b""
            except BlockingIOError:
                gone = False
            except OSError:
                gone = True
            if gone:
                s.closed_at = time.monotonic()
                lifetimes.append(s.closed_at - s.born)
                sel.unregister(s.sock)
                s.sock.close()
    stop.set()
    if thread is not None:
        thread.join()

    end = time.monotonic()
    still = [s for s in slots if s.closed_at is None and s.connected()]
    late = sum(1 for x in latencies if x is None or x > LATE)
    answered = sum(1 for x in latencies if x is not None)
    max_latency = max((x for x in latencies if x is not None), default=0.0)
    print("probes=%d answered=%d late=%d max_latency=%.3f" %
          (len(latencies), answered, late, max_latency))
    for i, x in enumerate(latencies):
        print("probe %d: %s" % (i, "no answer" if x is None else "%.3f s" % x))
    print("closed=%d min_life=%.2f max_life=%.2f" %
          (len(lifetimes), min(lifetimes, default=0.0), max(lifetimes, default=0.0)))
    print("open=%d oldest_open=%.2f" %
          (len(still), max((end - s.born for s in still), default=0.0)))
    for src in srcs:
        print("open_%s=%d" % (src, sum(1 for s in still if s.src == src)))
    for s in slots:
        if s.closed_at is None:
            s.sock.close()


def read_reply(s):
    """One length-prefixed reply from s: True, or False at EOF."""
    head = b""
    while len(head) < 2:
        chunk = s.recv(2 - len(head))
        if not chunk:
            return False
        head += chunk
    need = struct.unpack("!H", head)[0]
    while need:
        chunk = s.recv(need)
        if not chunk:
            return False
        need -= len(chunk)
    return True


def keepalive(a):
    s = socket.create_connection(("127.0.0.1", a.port), timeout=3)
    answered = 0
    try:
        for i in range(a.rounds):
            if i:
                time.sleep(a.gap)
            s.sendall(struct.pack("!H", len(QUERY)) + QUERY)
            if not read_reply(s):
                break
            answered += 1
    except OSError as e:
        print("error: %s" % e)
    print("answered=%d" % answered)


def make_query(qid, name, qtype):
    """A query for name (absolute, text) and qtype (a number)."""
    wire = b"".join(bytes([len(label)]) + label.encode()
                    for label in name.rstrip(".").split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wire + struct.pack("!HH", qtype, 1)


def short(a):
    """Queries, a message of --len octets (shorter than a header), and
    another query, in one write. Prints answered=N and closed=1 when the
    server closed the connection (EOF within 3 s), closed=0 when not."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if a.rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
    s.settimeout(3)
    s.connect(("127.0.0.1", a.port))
    frame = lambda m: struct.pack("!H", len(m)) + m
    before = b"".join(frame(make_query(i + 1, a.qname, a.qtype)) if a.qname else frame(QUERY)
                      for i in range(a.before))
    answered = closed = 0
    try:
        bad = b"" if a.no_short else frame(QUERY[:a.len])
        s.sendall(before + bad + (b"" if a.no_after else frame(QUERY)))
        time.sleep(a.stall)
        while read_reply(s):
            answered += 1
        closed = 1
    except socket.timeout:
        pass
    except OSError as e:
        print("error: %s" % e)
    s.close()
    print("answered=%d closed=%d" % (answered, closed))


def tls_handshake(s):
    """A TLS session over the connected socket s through memory BIOs, so
    that what goes on the wire can be cut anywhere. Returns (obj, inc, out)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["dot"])
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out)
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            s.sendall(out.read())
            data = s.recv(65536)
            if not data:
                raise OSError("closed during the handshake")
            inc.write(data)
    s.sendall(out.read())
    return obj, inc, out


def tls_read_reply(s, obj, inc):
    """One length-prefixed DNS reply read through obj, or b"" at EOF."""
    buf = b""
    while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
        try:
            buf += obj.read(65536)
            continue
        except ssl.SSLWantReadError:
            pass
        data = s.recv(65536)
        if not data:
            return b""
        inc.write(data)
    return buf[2:]


def tls_split(a):
    udp_answered = tls_answered = 0
    s = socket.create_connection(("127.0.0.1", a.port), timeout=3)
    try:
        obj, inc, out = tls_handshake(s)
        obj.write(struct.pack("!H", len(QUERY)) + QUERY)
        record = out.read()
        s.sendall(record[:1])
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.settimeout(1.0)
        u.sendto(QUERY, ("127.0.0.1", a.udp_port))
        try:
            udp_answered = int(u.recv(4096)[:2] == QUERY[:2])
        except socket.timeout:
            pass
        u.close()
        time.sleep(a.hold)
        s.sendall(record[1:])
        reply = tls_read_reply(s, obj, inc)
        tls_answered = int(reply[:2] == QUERY[:2] and b"\xc0\x00\x02\x50" in reply)
    except OSError as e:
        print("error: %s" % e)
    s.close()
    print("udp_answered=%d tls_answered=%d" % (udp_answered, tls_answered))


def dso_sessions(a):
    """Hold DSO sessions from several sources, then probe. A session is
    established when the KEEPALIVE gets NOERROR; REFUSED or a close counts
    as refused."""
    socks, established, refused = [], 0, 0
    for src in a.src.split(","):
        for i in range(a.per_src):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(2.0)
            try:
                s.bind((src, 0))
                s.connect(("127.0.0.1", a.port))
                msg_id = 0x4000 + len(socks)
                # Opcode DSO (6), no sections; KEEPALIVE: 15 s, 15 s.
                msg = struct.pack("!HHHHHH", msg_id, 6 << 11, 0, 0, 0, 0)
                msg += struct.pack("!HHII", 1, 8, 15000, 15000)
                s.sendall(struct.pack("!H", len(msg)) + msg)
                head = s.recv(2)
                body = s.recv(struct.unpack("!H", head)[0]) if len(head) == 2 else b""
                if len(body) >= 4 and body[:2] == msg[:2] and body[3] & 0x0F == 0:
                    established += 1
                else:
                    refused += 1
            except OSError:
                refused += 1
            socks.append(s)
    time.sleep(a.hold)
    probe = probe_once(a.port, a.probe_src) is not None
    for s in socks:
        s.close()
    print("established=%d refused=%d probe=%d" % (established, refused, int(probe)))


def exec_limited(a):
    resource.setrlimit(resource.RLIMIT_NOFILE, (a.nofile, a.nofile))
    for _ in range(a.hold):
        fd = os.open("/dev/null", os.O_RDONLY)
        os.set_inheritable(fd, True)
    os.execv(a.cmd[0], a.cmd)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    at = sub.add_parser("attack")
    at.add_argument("--port", type=int, required=True)
    at.add_argument("--src", required=True)
    at.add_argument("--per-src", type=int, required=True)
    at.add_argument("--dribble", type=float, default=0.0)
    at.add_argument("--refill", type=float, default=0.0)
    at.add_argument("--duration", type=float, required=True)
    at.add_argument("--settle", type=float, default=0.0)
    at.add_argument("--probe-src", default="")
    at.add_argument("--probe-every", type=float, default=1.0)
    ka = sub.add_parser("keepalive")
    ka.add_argument("--port", type=int, required=True)
    ka.add_argument("--rounds", type=int, required=True)
    ka.add_argument("--gap", type=float, required=True)
    sh = sub.add_parser("short")
    sh.add_argument("--port", type=int, required=True)
    sh.add_argument("--len", type=int, required=True)
    sh.add_argument("--before", type=int, default=1)
    sh.add_argument("--qname")
    sh.add_argument("--qtype", type=int, default=1)
    sh.add_argument("--rcvbuf", type=int, default=0)
    sh.add_argument("--stall", type=float, default=0.0)
    sh.add_argument("--no-after", action="store_true")
    sh.add_argument("--no-short", action="store_true")
    ts = sub.add_parser("tls-split")
    ts.add_argument("--port", type=int, required=True)
    ts.add_argument("--udp-port", type=int, required=True)
    ts.add_argument("--hold", type=float, default=0.2)
    ds = sub.add_parser("dso-sessions")
    ds.add_argument("--port", type=int, required=True)
    ds.add_argument("--src", required=True)
    ds.add_argument("--per-src", type=int, required=True)
    ds.add_argument("--hold", type=float, default=1.0)
    ds.add_argument("--probe-src", required=True)
    ex = sub.add_parser("exec-limited")
    ex.add_argument("--nofile", type=int, required=True)
    ex.add_argument("--hold", type=int, required=True)
    ex.add_argument("cmd", nargs="+")
    a = p.parse_args()
    if a.mode == "attack":
        attack(a)
    elif a.mode == "keepalive":
        keepalive(a)
    elif a.mode == "short":
        short(a)
    elif a.mode == "tls-split":
        tls_split(a)
    elif a.mode == "dso-sessions":
        dso_sessions(a)
    else:
        exec_limited(a)


if __name__ == "__main__":
    sys.exit(main())
