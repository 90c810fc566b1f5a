#!/usr/bin/python3
"""A DNS Push client written for the tests from RFC 8490 (DSO) and RFC
8765 (DNS Push), and the scenarios test_push.sh runs with it.

The DSO messages are built by hand (header, TLVs); dnspython reads the
names and RDATA of the records inside PUSH TLVs. --tls makes the
connection over TLS (Python's ssl module; --cafile to verify the
certificate, else no verification). --discover ZONE finds the server as
RFC 8765 6.1 says: the SRV _dns-push-tls._tcp.ZONE (asked of --dns-port
on --host), its target's address, and TLS with the target as the name
the certificate must carry; --tlsa also checks the served key against
the TLSA 3 1 1 at _PORT._tcp.TARGET (RFC 6698, RFC 7671). Each new
connection discovers again (a restarted server may have a new port).

  push_client.py [--tls --cafile C --discover Z --dns-port P --tlsa | --port P] CMD
    CMD: scenario --zone Z --pub-in FIFO --pub-out FILE ...
         reconnect --name N --type PTR --expect TEXT
         probe                  # one KEEPALIVE, prints the rcode

Each check prints "PASS what" or "FAIL what: why"; numbers print as
"latency ...". Exit status 0 when nothing failed.
"""
import argparse
import hashlib
import os
import select
import socket
import ssl
import statistics
import struct
import sys
import time

import dns.edns
import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rdata
import dns.rdataclass
import dns.rdatatype

OPCODE_DSO = 6
KEEPALIVE, RETRY_DELAY, PADDING = 0x0001, 0x0002, 0x0003
SUBSCRIBE, PUSH, UNSUBSCRIBE, RECONFIRM = 0x0040, 0x0041, 0x0042, 0x0043
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 4: "NOTIMP", 5: "REFUSED", 9: "NOTAUTH",
          11: "DSOTYPENI"}
DELETE_RR, DELETE_SET = 0xFFFFFFFF, 0xFFFFFFFE

FAILED = 0


def check(ok, what, why=""):
    global FAILED
    if ok:
        print("PASS", what, flush=True)
    else:
        FAILED += 1
        print("FAIL %s: %s" % (what, why), flush=True)
    return ok


def tlv(ttype, data=b""):
    return struct.pack("!HH", ttype, len(data)) + data


def dso(mid, tlvs=b"", response=False, rcode=0, counts=(0, 0, 0, 0)):
    flags = (0x8000 if response else 0) | OPCODE_DSO << 11 | rcode
    return struct.pack("!HHHHHH", mid, flags, *counts) + tlvs


def subscribe_tlv(name, rtype, rclass=1):
    return tlv(SUBSCRIBE, dns.name.from_text(name).to_wire() +
               struct.pack("!HH", dns.rdatatype.from_text(rtype), rclass))


class Record:
    def __init__(self, owner, rtype, rclass, ttl, text):
        self.owner, self.rtype, self.rclass, self.ttl, self.text = owner, rtype, rclass, ttl, text

    @property
    def removal(self):
        return self.ttl in (DELETE_RR, DELETE_SET)

    def __str__(self):
        what = "del" if self.removal else "add"
        return "%s %s %s %s %s" % (what, self.owner, dns.rdatatype.to_text(self.rtype),
                                   self.ttl, self.text)


def parse_push(data):
    """The RRs of a PUSH TLV (RFC 8765 6.3: uncompressed names)."""
    out, pos = [], 0
    while pos < len(data):
        name, used = dns.name.from_wire(data, pos)
        pos += used
        rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", data[pos:pos + 10])
        pos += 10
        text = ""
        if rdlen:
            rd = dns.rdata.from_wire(rclass if rclass != 255 else 1, rtype, data, pos, rdlen)
            text = rd.to_text()
        pos += rdlen
        out.append(Record(name.to_text(), rtype, rclass, ttl, text))
    return out


class Message:
    def __init__(self, raw):
        self.raw = raw
        self.id, flags, *self.counts = struct.unpack("!HHHHHH", raw[:12])
        self.response = bool(flags & 0x8000)
        self.opcode = (flags >> 11) & 0xF
        self.rcode = flags & 0xF
        self.tlvs, pos = [], 12
        while pos + 4 <= len(raw):
            t, n = struct.unpack("!HH", raw[pos:pos + 4])
            self.tlvs.append((t, raw[pos + 4:pos + 4 + n]))
            pos += 4 + n

    def records(self):
        return [r for t, d in self.tlvs if t == PUSH for r in parse_push(d)]


def lookup(args, name, rtype):
    """The answer RRset of name/rtype from the gateway (UDP), or None."""
    q = dns.message.make_query(name, rtype)
    try:
        r = dns.query.udp(q, args.host, port=args.dns_port, timeout=3)
    except dns.exception.DNSException as e:
        raise OSError("%s %s: %s" % (name, rtype, e))
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.from_text(rtype):
            return rrset
    return None


def endpoint(args):
    """(address, port, TLS server name) of the push server: --discover's
    SRV and its target's address (RFC 8765 6.1), or --host and --port."""
    if not args.discover:
        return args.host, args.port, args.host
    srv = lookup(args, "_dns-push-tls._tcp." + args.discover.rstrip(".") + ".", "SRV")
    if srv is None:
        raise OSError("no SRV _dns-push-tls._tcp.%s" % args.discover)
    rr = sorted(srv, key=lambda r: (r.priority, -r.weight))[0]
    target = rr.target.to_text()
    addr = lookup(args, target, "A")
    if addr is None:
        raise OSError("no address for %s" % target)
    return addr[0].address, rr.port, target.rstrip(".")


def spki_sha256(der):
    """SHA-256 of a certificate's SubjectPublicKeyInfo (TLSA 3 1 1)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    key = x509.load_der_x509_certificate(der).public_key()
    return hashlib.sha256(key.public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
                          ).hexdigest()


class Client:
    """One DSO connection."""

    def __init__(self, args, server_name=None):
        host, port, name = endpoint(args)
        self.endpoint = (host, port, name)
        self.sock = socket.create_connection((host, port), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if args.tls:
            ctx = ssl.create_default_context(cafile=args.cafile)
            if not args.cafile:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            ctx.set_alpn_protocols(["dot"])
            # An abort (no close_notify) shows as SSLEOFError, not as an
            # empty read.
            self.sock = ctx.wrap_socket(self.sock, server_hostname=server_name or name,
                                        suppress_ragged_eofs=False)
        self.buf = b""
        self.closed = False
        # The server aborted (RFC 8490 5.3): a TCP RST; over TLS an end
        # without close_notify.
        self.reset = False
        self.pushes = []  # (monotonic time, Record), every PUSH RR received
        self.other = []   # messages that are neither PUSH nor awaited responses

    def send(self, msg):
        try:
            self.sock.sendall(struct.pack("!H", len(msg)) + msg)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            self.closed = True

    def recv(self, timeout):
        """The next message, or None at the timeout or the connection's end."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 2:
                n = struct.unpack("!H", self.buf[:2])[0]
                if len(self.buf) >= 2 + n:
                    m, self.buf = self.buf[2:2 + n], self.buf[2 + n:]
                    msg = Message(m)
                    if msg.opcode == OPCODE_DSO and not msg.response and msg.id == 0:
                        now = time.monotonic()
                        self.pushes.extend((now, r) for r in msg.records())
                    return msg
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                return None
            pending = isinstance(self.sock, ssl.SSLSocket) and self.sock.pending()
            if not pending and not select.select([self.sock], [], [], left)[0]:
                return None
            try:
                data = self.sock.recv(65536)
            except (ConnectionResetError, ssl.SSLEOFError):
                self.reset, data = True, b""
            except (BrokenPipeError, ssl.SSLError):
                data = b""
            if not data:
                self.closed = True
                return None
            self.buf += data

    def response(self, mid, timeout=5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self.recv(deadline - time.monotonic())
            if m is None:
                return None
            if m.response and m.id == mid:
                return m
            if not (m.id == 0 and not m.response):
                self.other.append(m)
        return None

    def wait_push(self, pred, timeout):
        """The first PUSH record (time, record) satisfying pred."""
        deadline = time.monotonic() + timeout
        while True:
            for t, r in self.pushes:
                if pred(r):
                    self.pushes.remove((t, r))
                    return t, r
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                return None
            self.recv(left)

    def drain(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end and not self.closed:
            self.recv(end - time.monotonic())

    def wait_closed(self, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end and not self.closed:
            self.recv(end - time.monotonic())
        return self.closed

    def subscribe(self, mid, name, rtype, rclass=1):
        self.send(dso(mid, subscribe_tlv(name, rtype, rclass)))
        m = self.response(mid)
        return RCODES.get(m.rcode, str(m.rcode)) if m else None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Publisher:
    """tests/integration/publish.py, through the test's fifo and output file."""

    def __init__(self, fifo, out):
        self.fifo, self.out = open(fifo, "w"), out

    def cmd(self, line, timeout=30):
        seen = len(open(self.out).read().splitlines())
        self.fifo.write(line + "\n")
        self.fifo.flush()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            lines = open(self.out).read().splitlines()[seen:]
            for ln in lines:
                if ln.startswith("ok " + line):
                    return ln
                if ln.startswith("error"):
                    raise RuntimeError(ln)
            time.sleep(0.01)
        raise RuntimeError("publisher: %s not done" % line)


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def scenario(args):
    zone = args.zone.rstrip(".") + "."
    link = "lan." + zone
    ipp = "_ipp._tcp." + link
    http = "_http._tcp." + link
    pub = Publisher(args.pub_in, args.pub_out)

    a = Client(args)
    if args.discover:
        host, port, name = a.endpoint
        check(True, "SRV _dns-push-tls._tcp.%s: the push server is %s port %d (%s)"
              % (args.discover, name, port, host))
    if args.tls:
        check(a.sock.selected_alpn_protocol() == "dot" and a.sock.version().startswith("TLS"),
              "TLS (%s), ALPN dot" % a.sock.version(), str(a.sock.selected_alpn_protocol()))
    if args.tls and args.cafile:
        check(a.sock.getpeercert() is not None,
              "the gateway's certificate verified against %s for %s"
              % (os.path.basename(args.cafile), a.endpoint[2]))
        try:
            Client(args, server_name="wrong." + zone.rstrip(".")).close()
            check(False, "a wrong server name fails the certificate check", "accepted")
        except ssl.SSLCertVerificationError:
            check(True, "a wrong server name fails the certificate check")
    if args.tls and args.tlsa:
        host, port, name = a.endpoint
        want = spki_sha256(a.sock.getpeercert(binary_form=True))
        tlsa = lookup(args, "_%d._tcp.%s." % (port, name), "TLSA")
        got = [r.cert.hex() for r in tlsa or []
               if (r.usage, r.selector, r.mtype) == (3, 1, 1)]
        check(want in got, "TLSA 3 1 1 at _%d._tcp.%s matches the served key" % (port, name),
              "served %s, TLSA %s" % (want, got))
    # KEEPALIVE establishes the session; the response carries the
    # server's timeouts (RFC 8490 7.1).
    a.send(dso(1, tlv(KEEPALIVE, struct.pack("!II", 600000, 600000))))
    m = a.response(1)
    ka = [d for t, d in m.tlvs if t == KEEPALIVE] if m else []
    vals = struct.unpack("!II", ka[0]) if ka and len(ka[0]) == 8 else None
    check(m is not None and m.rcode == 0 and vals == (args.inactivity_ms, args.keepalive_ms),
          "KEEPALIVE response announces the configured timeouts",
          "got %r" % (vals,))
    check(a.subscribe(2, ipp, "PTR") == "NOERROR", "SUBSCRIBE _ipp._tcp PTR: NOERROR")
    check(a.subscribe(3, http, "PTR") == "NOERROR", "SUBSCRIBE _http._tcp PTR: NOERROR")
    check(a.subscribe(4, "example.com.", "PTR") == "NOTAUTH",
          "SUBSCRIBE outside the zone: NOTAUTH")

    # A printer appears: its PTR is pushed.
    t0 = time.monotonic()
    pub.cmd("service _ipp._tcp 631 pushhost Push Printer")
    got = a.wait_push(lambda r: r.rtype == 12 and "Push\\032Printer" in r.text and not r.removal,
                      15)
    check(got is not None and got[1].owner.lower() == ipp.lower(),
          "PUSH of the new printer's PTR", "none within 15 s")
    if got:
        print("latency printer-register-to-push %.1f ms (includes the publisher's probing)"
              % ((got[0] - t0) * 1000), flush=True)
        check(0 < got[1].ttl <= 10, "PUSH addition carries the record's TTL", str(got[1].ttl))

    # Lone changes: announcement -> PUSH. The first service of a type is
    # found by type enumeration (seconds), not by its announcement: one
    # before the measured ones.
    pub.cmd("bench pushwarm")
    check(a.wait_push(lambda r: r.text.startswith("pushwarm."), 15) is not None,
          "PUSH of the first _http._tcp service")
    lat = []
    for i in range(args.count):
        name = "pushbench%03d" % i
        line = pub.cmd("bench " + name)
        tpub = float(line.split()[3])
        got = a.wait_push(lambda r, n=name: r.rtype == 12 and r.text.startswith(n + ".")
                          and not r.removal, 10)
        if got:
            lat.append((got[0] - tpub) * 1000)
        time.sleep(0.15)  # beyond the batch window: each change is a lone one
    check(len(lat) == args.count, "every announcement pushed (%d)" % args.count,
          "%d of %d" % (len(lat), args.count))
    if lat:
        print("latency announce-to-push n=%d p50 %.1f ms p99 %.1f ms max %.1f ms"
              % (len(lat), pct(lat, 50), pct(lat, 99), max(lat)), flush=True)

    # Only the subscribed type reaches the subscriber (the zone is signed:
    # the same commits change RRSIG and NSEC records at the same names).
    types = {r.rtype for _, r in a.pushes}
    check(types <= {12}, "PTR subscription gets PTR records only", str(types))

    # A new subscriber gets the current answers right after its response.
    b = Client(args)
    check(b.subscribe(9, ipp, "PTR") == "NOERROR", "second client: SUBSCRIBE NOERROR")
    got = b.wait_push(lambda r: "Push\\032Printer" in r.text and not r.removal, 5)
    check(got is not None, "initial PUSH holds the current printer")
    # Type ANY at the instance: SRV and TXT, no DNSSEC records.
    inst = "Push\\032Printer." + ipp
    check(b.subscribe(10, inst, "ANY") == "NOERROR", "SUBSCRIBE ANY at the instance")
    b.drain(1.0)
    types = {r.rtype for _, r in b.pushes if r.owner.lower() == inst.lower()}
    check(33 in types and 16 in types and not types & {46, 47, 50},
          "ANY: SRV and TXT, no RRSIG/NSEC", str(types))

    # The printer says goodbye: the removal is pushed with TTL 0xFFFFFFFF.
    pub.cmd("unregister Push Printer._ipp._tcp")
    got = a.wait_push(lambda r: "Push\\032Printer" in r.text and r.removal, 15)
    check(got is not None and got[1].ttl == DELETE_RR and got[1].rclass == 1,
          "PUSH removal of the printer's PTR (TTL 0xFFFFFFFF, class IN)",
          str(got[1]) if got else "none within 15 s")

    # UNSUBSCRIBE: no more PUSH for _http._tcp on a.
    a.send(dso(0, tlv(UNSUBSCRIBE, struct.pack("!H", 3))))
    pub.cmd("bench afterunsub")
    got = b.wait_push(lambda r: False, 0.5)
    a.drain(1.5)
    check(not any(r.text.startswith("afterunsub.") for _, r in a.pushes),
          "no PUSH after UNSUBSCRIBE")

    # RECONFIRM: accepted (no response, the session stays).
    a.send(dso(0, tlv(RECONFIRM, dns.name.from_text(ipp).to_wire() + struct.pack("!HH", 12, 1)
                      + dns.name.from_text("x." + ipp).to_wire())))

    # Malformed messages: the RFC's error, that connection closes.
    c = Client(args)
    c.send(dso(7, subscribe_tlv(ipp, "PTR"), counts=(1, 0, 0, 0)))
    m = c.response(7)
    check(m is not None and m.rcode == 1, "nonzero QDCOUNT: FORMERR")
    check(c.wait_closed(3) and not c.reset, "nonzero QDCOUNT: connection closed (gracefully)")
    d = Client(args)
    d.send(dso(8, tlv(SUBSCRIBE, b"\x03abc")))  # a name without its end
    m = d.response(8)
    check(m is not None and m.rcode == 1, "truncated SUBSCRIBE TLV: FORMERR")
    check(d.wait_closed(3), "truncated SUBSCRIBE TLV: connection closed")
    e = Client(args)
    e.send(dso(0, tlv(UNSUBSCRIBE, struct.pack("!H", 1))))
    check(e.wait_closed(3) and e.response(0, 0.1) is None,
          "unidirectional before a session: closed without a response")
    check(e.reset, "a fatal error aborts the connection (RST; over TLS no close_notify)")
    # RFC 8765 6.2.1: a duplicate SUBSCRIBE (name in another case) is fatal.
    dup = Client(args)
    check(dup.subscribe(1, ipp, "PTR") == "NOERROR", "SUBSCRIBE before its duplicate: NOERROR")
    dup.send(dso(2, subscribe_tlv(ipp.upper(), "PTR")))
    check(dup.response(2, 3) is None and dup.closed,
          "duplicate SUBSCRIBE: aborted without a response")
    # RFC 8490 7.1.2: a DNS query with edns-tcp-keepalive on an established
    # DSO session is a fatal error.
    ek = Client(args)
    ek.send(dso(1, tlv(KEEPALIVE, struct.pack("!II", 0, 0))))
    check(ek.response(1) is not None, "a session for the edns-tcp-keepalive check")
    q = dns.message.make_query(ipp, "PTR", use_edns=0,
                               options=[dns.edns.GenericOption(11, b"")])
    q.id = 77
    ek.send(q.to_wire())
    check(ek.response(77, 3) is None and ek.closed and ek.reset,
          "edns-tcp-keepalive on a DSO session: aborted without an answer")
    # RFC 8490 7.3: a padded request gets a padded response (468-octet blocks).
    pad = Client(args)
    pad.send(dso(1, tlv(KEEPALIVE, struct.pack("!II", 0, 0)) + tlv(PADDING, b"\0" * 8)))
    m = pad.response(1)
    check(m is not None and m.rcode == 0 and len(m.raw) % 468 == 0
          and any(t == PADDING for t, _ in m.tlvs),
          "padded KEEPALIVE: padded response", str(len(m.raw)) if m else "none")
    f = Client(args)
    f.send(dso(5, tlv(0x7777, b"x")))
    m = f.response(5)
    check(m is not None and m.rcode == 11, "unknown primary TLV: DSOTYPENI")
    f.send(dso(6, tlv(KEEPALIVE, struct.pack("!II", 0, 0))))
    m = f.response(6)
    check(m is not None and m.rcode == 0 and not f.closed, "after DSOTYPENI the connection works")
    g = Client(args)
    g.send(dso(0, tlv(KEEPALIVE, struct.pack("!II", 0, 0))))
    check(g.wait_closed(3), "unidirectional KEEPALIVE from a client: closed")

    # The others' sessions are untouched.
    pub.cmd("service _ipp._tcp 631 pushhost Second Printer")
    got = a.wait_push(lambda r: "Second\\032Printer" in r.text and not r.removal, 15)
    check(got is not None and not a.closed, "first session still pushed to after the errors")

    # Limits: the per-connection limit gives REFUSED.
    h = Client(args)
    codes = [h.subscribe(100 + i, "n%d.%s" % (i, link), "A")
             for i in range(args.max_per_connection + 1)]
    check(codes[:-1] == ["NOERROR"] * args.max_per_connection and codes[-1] == "REFUSED",
          "SUBSCRIBE over push.max-subscriptions-per-connection: REFUSED", str(codes[-3:]))

    # Inactivity (RFC 8490 6.3, 6.4.1, 7.1): a session without a
    # subscription is aborted twice the inactivity timeout (at least 5 s)
    # after its last message that was not a KEEPALIVE, whether it sends
    # KEEPALIVEs or not; one with a subscription that stays silent is not
    # (its limit is twice the keepalive interval).
    idle, kaonly, quiet = Client(args), Client(args), Client(args)
    for cl in (idle, kaonly):
        cl.send(dso(1, tlv(KEEPALIVE, struct.pack("!II", 0, 0))))
        cl.response(1)
    check(quiet.subscribe(1, "quiet." + link, "A") == "NOERROR", "a quiet subscription")
    limit = max(2 * args.inactivity_ms / 1000.0, 5.0)
    t0 = time.monotonic()
    mid = 2
    closed_at = {}
    while time.monotonic() - t0 < limit + 3:
        if not kaonly.closed:
            kaonly.send(dso(mid, tlv(KEEPALIVE, struct.pack("!II", 0, 0))))
            kaonly.response(mid, 0.5)
            mid += 1
        for what, cl in (("idle", idle), ("kaonly", kaonly)):
            if what not in closed_at and cl.wait_closed(0.2):
                closed_at[what] = time.monotonic() - t0
        time.sleep(0.3)
    for what, text in (("idle", "silent session"),
                       ("kaonly", "session sending only KEEPALIVEs")):
        at = closed_at.get(what)
        check(at is not None and limit - 0.5 <= at <= limit + 2,
              "%s without subscriptions aborted at the inactivity limit (%.1f s)"
              % (text, limit), "closed at %r" % at)
        # RFC 8490 6.4.1 "forcibly abort" (5.3): a RST, no close_notify.
        check(dict(idle=idle, kaonly=kaonly)[what].reset,
              "%s: aborted, not closed gracefully" % text)
    quiet.drain(0.2)
    check(not quiet.closed, "silent session with a subscription stays open")
    for cl in (a, b, c, d, e, f, g, h, dup, ek, pad, idle, kaonly, quiet):
        cl.close()


def reconnect(args):
    """Subscribe; when the gateway goes away, reconnect (bounded) and
    subscribe again; the initial PUSH after that must hold --expect."""
    cl = Client(args)
    first_port = cl.endpoint[1]
    check(cl.subscribe(1, args.name, args.type) == "NOERROR", "reconnect: first SUBSCRIBE")
    got = cl.wait_push(lambda r: args.expect in r.text, 5)
    check(got is not None, "reconnect: initial PUSH before the restart")
    print("subscribed", flush=True)
    check(cl.wait_closed(60), "reconnect: the restart closes the connection")
    # Until a connection answers the SUBSCRIBE: the first attempts may
    # reach the old process's listener as it exits, or nothing.
    end = time.monotonic() + 30
    cl, rcode, attempts = None, None, 0
    while time.monotonic() < end:
        attempts += 1
        try:
            cl = Client(args)
            rcode = cl.subscribe(1, args.name, args.type)
            if rcode is not None:
                break
            cl.close()
        except OSError:
            pass
        cl = None
        time.sleep(0.2)
    print("reconnect attempts %d" % attempts, flush=True)
    if cl is not None:
        print("reconnect: server port %d before the restart, %d after"
              % (first_port, cl.endpoint[1]), flush=True)
    if not check(cl is not None and rcode == "NOERROR", "reconnect: subscribed again",
                 str(rcode)):
        return
    got = cl.wait_push(lambda r: args.expect in r.text, 10)
    check(got is not None, "reconnect: initial PUSH after the restart")


def probe(args):
    """One KEEPALIVE request: prints "rcode NAME" and whether the
    connection stayed open ("open" or "closed")."""
    cl = Client(args)
    cl.send(dso(1, tlv(KEEPALIVE, struct.pack("!II", 0, 0))))
    m = cl.response(1)
    cl.drain(0.3)
    print("rcode %s %s" % (RCODES.get(m.rcode, str(m.rcode)) if m else "none",
                           "closed" if cl.closed else "open"), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, help="without --discover")
    ap.add_argument("--tls", action="store_true", help="DNS Push over TLS (RFC 8765)")
    ap.add_argument("--cafile", default=None)
    ap.add_argument("--discover", metavar="ZONE", help="find the server by its SRV (RFC 8765 6.1)")
    ap.add_argument("--dns-port", type=int, default=53, help="the DNS port --discover asks")
    ap.add_argument("--tlsa", action="store_true", help="check the TLSA 3 1 1 of the server")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("scenario")
    s.add_argument("--zone", required=True)
    s.add_argument("--pub-in", required=True)
    s.add_argument("--pub-out", required=True)
    s.add_argument("--count", type=int, default=20)
    s.add_argument("--inactivity-ms", type=int, required=True)
    s.add_argument("--keepalive-ms", type=int, required=True)
    s.add_argument("--max-per-connection", type=int, required=True)
    r = sub.add_parser("reconnect")
    r.add_argument("--name", required=True)
    r.add_argument("--type", default="PTR")
    r.add_argument("--expect", required=True)
    sub.add_parser("probe")
    args = ap.parse_args()
    if args.cmd == "scenario":
        scenario(args)
    elif args.cmd == "reconnect":
        reconnect(args)
    else:
        probe(args)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
