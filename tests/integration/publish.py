#!/usr/bin/python3
"""mDNS publisher for the integration tests and the latency benchmark.

Runs inside the test's LAN network namespace with Debian's python3-zeroconf
and reads commands on stdin, one per line; answers "ok CMD" (or
"error CMD: why") on stdout when a command is done:

  register printer|ssh|http     publish with zeroconf: an IPP printer (TXT,
                                subtypes, a UTF-8 name with a space and a
                                backslash, link-local addresses besides the
                                routable ones), an SSH host, an HTTP service
  unregister printer|ssh|http   goodbye (TTL 0) for everything of it
  update ADDR4 PORT TY          the printer as after a new lease and a
                                change of its settings: IPv4 address ADDR4
                                instead of the first, port PORT, TXT
                                "ty=TY" (TY: the rest of the line); sent
                                three times, 1.1 s and 2.2 s apart, as
                                RFC 6762 8.3 and 8.4 ask
  service TYPE PORT HOST NAME   publish with zeroconf the instance NAME (the
                                rest of the line after one space: spaces,
                                leading ones too, and any other character)
                                of TYPE ("_ipp._tcp") on
                                HOST.local. at the publisher's addresses;
                                "unregister NAME.TYPE" (NAME as given)
                                says goodbye
  bench NAME                    register one HTTP service NAME._http._tcp
                                without probing; answers "ok bench NAME T"
                                with T the CLOCK_MONOTONIC time at which
                                its announcement went out
  hostile N                     a hostile flood sent as raw mDNS responses:
                                N services, an oversized TXT, names on the
                                gateway's _dns-sd._udp names, a name too
                                long once rewritten, a host on a static name
  tsigflood N                   N responses of 9000 octets full of TSIG
                                records, ARCOUNT one past them (ldns
                                leaked all but the last: mdns/heard.c),
                                paced over N/250 seconds
  quit

zeroconf 0.47 has no API for subtypes, and refuses the hostile names, so
those records are announced (and the subtype PTRs also answered) by this
script's own small mDNS responder, from port 5353 as RFC 6762 requires. Nothing is sent anywhere
but the mDNS groups of the interface given with --iface.
"""
import argparse
import asyncio
import re
import socket
import struct
import sys
import threading
import time

from zeroconf import IPVersion, ServiceInfo, Zeroconf

MDNS4 = ("224.0.0.251", 5353)
T_A, T_PTR, T_TXT, T_AAAA, T_SRV = 1, 12, 16, 28, 33
PRINTER = "B\u00fcro Drucker\\2"  # UTF-8, a space, a backslash


def wire_name(labels):
    out = b""
    for label in labels:
        raw = label if isinstance(label, bytes) else label.encode()
        assert 0 < len(raw) < 64
        out += bytes([len(raw)]) + raw
    return out + b"\0"


def dotted(name):
    """Labels of a plain dotted name (no dots inside labels)."""
    return [l for l in name.rstrip(".").split(".") if l]


def rr(labels, rtype, rdata, ttl, flush=False):
    cls = 0x8001 if flush else 1
    return wire_name(labels) + struct.pack("!HHIH", rtype, cls, ttl, len(rdata)) + rdata


def ptr(owner, target, ttl=4500):
    return rr(owner, T_PTR, wire_name(target), ttl)


def srv(owner, port, target, ttl=120):
    return rr(owner, T_SRV, struct.pack("!HHH", 0, 0, port) + wire_name(target), ttl, True)


def txt(owner, strings, ttl=4500):
    data = b"".join(bytes([len(s)]) + s for s in strings) or b"\0"
    return rr(owner, T_TXT, data, ttl, True)


def a(owner, addr, ttl=120):
    return rr(owner, T_A, socket.inet_pton(socket.AF_INET, addr), ttl, True)


def read_name(msg, pos):
    """A possibly compressed name at pos: (lowercase labels, next pos)."""
    labels, end, hops = [], None, 0
    while True:
        n = msg[pos]
        if n & 0xC0 == 0xC0:
            if end is None:
                end = pos + 2
            pos = ((n & 0x3F) << 8) | msg[pos + 1]
            hops += 1
            if hops > 32:
                raise ValueError("compression loop")
            continue
        pos += 1
        if n == 0:
            return labels, (end if end is not None else pos)
        labels.append(msg[pos:pos + n].lower())
        pos += n


class RawSender:
    """Our own mDNS responses on one IPv4 interface: announcements, and
    answers to queries for the names given to answer()."""

    def __init__(self, addr):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind(("", 5353))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(addr))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     socket.inet_aton(MDNS4[0]) + socket.inet_aton(addr))
        self.sock = s
        self.answers = {}  # tuple of lowercase labels -> records
        threading.Thread(target=self._respond, daemon=True).start()

    def answer(self, labels, records):
        key = tuple(l.encode().lower() if isinstance(l, str) else l.lower() for l in labels)
        if records:
            self.answers[key] = records
        else:
            self.answers.pop(key, None)

    def _respond(self):
        while True:
            msg, _ = self.sock.recvfrom(9000)
            try:
                if len(msg) < 12 or msg[2] & 0x80:
                    continue  # not a query
                qd = struct.unpack("!H", msg[4:6])[0]
                pos, out = 12, []
                for _ in range(qd):
                    labels, pos = read_name(msg, pos)
                    qtype = struct.unpack("!H", msg[pos:pos + 2])[0]
                    pos += 4
                    if qtype in (T_PTR, 255):
                        out += self.answers.get(tuple(labels), [])
                if out:
                    self.send(out)
            except (IndexError, ValueError, struct.error):
                continue

    def send(self, records, limit=1400):
        """Pack records into as few responses of at most limit octets as
        possible (a record larger than that goes alone, up to 9000)."""
        batch, size = [], 12
        for rec in records:
            if batch and size + len(rec) > limit:
                self._send(batch)
                batch, size = [], 12
            batch.append(rec)
            size += len(rec)
        if batch:
            self._send(batch)

    def _send(self, batch):
        header = struct.pack("!HHHHHH", 0, 0x8400, 0, len(batch), 0, 0)
        self.sock.sendto(header + b"".join(batch), MDNS4)
        time.sleep(0.002)  # let the receiver keep up; the flood stays a flood


class Publisher:
    def __init__(self, args):
        self.args = args
        self.zc = Zeroconf(interfaces=[args.addr4, args.ifindex], ip_version=IPVersion.All)
        self.raw = RawSender(args.addr4)
        self.infos = {}

    def addresses(self, addr4=None):
        out = [addr4 or self.args.addr4, self.args.addr6]
        # link-local ones too: the gateway must not publish them
        out += ["169.254.12.12", self.args.ll6]
        return out

    def make(self, what, addr4=None, port=631, ty="Test Printer"):
        if what == "printer":
            return ServiceInfo(
                "_ipp._tcp.local.", PRINTER + "._ipp._tcp.local.", port=port,
                properties={"txtvers": "1", "rp": "ipp/print", "ty": ty,
                            "pdl": "application/pdf,image/urf"},
                server="printer.local.", parsed_addresses=self.addresses(addr4))
        if what == "ssh":
            return ServiceInfo(
                "_ssh._tcp.local.", "lanhost._ssh._tcp.local.", port=22,
                server="lanhost.local.", parsed_addresses=self.addresses())
        if what == "http":
            return ServiceInfo(
                "_http._tcp.local.", "Web Server._http._tcp.local.", port=8080,
                properties={"path": "/status"}, server="lanhost.local.",
                parsed_addresses=self.addresses())
        raise ValueError("unknown service " + what)

    SUBTYPES = ("_universal", "_print")

    def subtypes(self, ttl):
        inst = [PRINTER, "_ipp", "_tcp", "local"]
        return [ptr([sub, "_sub", "_ipp", "_tcp", "local"], inst, ttl) for sub in self.SUBTYPES]

    def register(self, what):
        info = self.make(what)
        self.zc.register_service(info)
        self.infos[what] = info
        if what == "printer":
            for sub, rec in zip(self.SUBTYPES, self.subtypes(4500)):
                self.raw.answer([sub, "_sub", "_ipp", "_tcp", "local"], [rec])
            for _ in range(2):
                self.raw.send(self.subtypes(4500))
                time.sleep(0.2)

    def unregister(self, what):
        info = self.infos.pop(what)
        if what == "printer":
            for sub in self.SUBTYPES:
                self.raw.answer([sub, "_sub", "_ipp", "_tcp", "local"], None)
            self.raw.send(self.subtypes(0))
        self.zc.unregister_service(info)

    def update(self, addr4, port, ty):
        """The printer's records replaced in place (cache-flush, no
        goodbye). zeroconf sends its three announcements within 450 ms;
        RFC 6762 8.4 asks for two at least one second apart, and Avahi
        flushes only what it received over a second before (10.2): an
        old record answered just before the first burst would survive
        it. So bursts follow 1.1 s and then 2.2 s later (8.3: the
        interval at least doubling), as a compliant device sends them;
        the third covers an answer zeroconf had delayed (RFC 6762 14)
        and sends with the old record between the first two."""
        info = self.make("printer", addr4, port, ty)
        self.zc.update_service(info)
        self.infos["printer"] = info
        for pause in (1.1, 2.2):
            time.sleep(pause)
            self.zc.update_service(info)

    def service(self, stype, port, host, name):
        info = ServiceInfo(
            stype + ".local.", name + "." + stype + ".local.", port=port,
            properties={"txtvers": "1"}, server=host + ".local.",
            parsed_addresses=[self.args.addr4, self.args.addr6])
        self.zc.register_service(info)
        self.infos[name + "." + stype] = info

    def bench(self, name):
        info = ServiceInfo("_http._tcp.local.", name + "._http._tcp.local.", port=80,
                           properties={"path": "/"}, server="benchhost.local.",
                           parsed_addresses=[self.args.addr4, self.args.addr6])
        # No probing: the first announcement is the registration's visible
        # start. Scheduled on zeroconf's loop without waiting for the
        # repeated announcements, so the time reported is when it went out.
        t = time.monotonic()
        asyncio.run_coroutine_threadsafe(
            self.zc.async_register_service(info, cooperating_responders=True), self.zc.loop)
        self.infos[name] = info
        return t

    def tsigflood(self, n):
        # A TSIG record: root owner, class ANY, no MAC (28 octets).
        tsig = bytes([0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0, 1, 1, 44,
                      0, 0, 0x12, 0x34, 0, 0, 0, 0])
        count = (9000 - 12) // len(tsig)
        packet = struct.pack("!HHHHHH", 0, 0x8400, 0, 0, 0, count + 1) + tsig * count
        start = time.monotonic()
        for i in range(n):
            # 250 a second: what the gateway reads of one link.
            delay = start + i / 250 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.raw.sock.sendto(packet, MDNS4)

    def hostile(self, n):
        recs = []
        # oversized TXT (alone in its packet, which may be up to 9000
        # octets), on a host and an address of its own: the flood's host and
        # address get only their share of the link (one device's)
        big = ["bigtxt", "_http", "_tcp", "local"]
        recs += [ptr(["_services", "_dns-sd", "_udp", "local"], ["_http", "_tcp", "local"]),
                 ptr(["_http", "_tcp", "local"], big), srv(big, 80, ["bighost", "local"]),
                 txt(big, [b"x" * 250] * 24), a(["bighost", "local"], "192.0.2.77")]
        # Alone and first, so that its hold is the first of its kind that
        # the gateway logs (one line per kind and minute), before the
        # flood's own services wait for TXTs that lost packets delay.
        self.raw.send([recs[3]], limit=9000)
        self.raw.send(recs[:3] + recs[4:])
        time.sleep(0.5)
        recs = []
        # names on the gateway's enumeration names
        recs += [ptr(["_services", "_dns-sd", "_udp", "local"], ["_dns-sd", "_udp", "local"]),
                 ptr(["_services", "_dns-sd", "_udp", "local"],
                     ["_services", "_dns-sd", "_udp", "local"]),
                 ptr(["_dns-sd", "_udp", "local"], ["b", "_dns-sd", "_udp", "local"]),
                 srv(["b", "_dns-sd", "_udp", "local"], 80, ["floodhost", "local"])]
        evil = ["evil", "_http", "_tcp", "local"]
        recs += [ptr(["_http", "_tcp", "local"], evil),
                 srv(evil, 80, ["lb", "_dns-sd", "_udp", "local"])]
        # a host on a name of the static zone
        clash = ["clash", "_http", "_tcp", "local"]
        recs += [ptr(["_http", "_tcp", "local"], clash), srv(clash, 80, ["static", "local"]),
                 a(["static", "local"], "192.0.2.201")]
        # a host name that fits under .local (251 octets) but not once
        # rewritten under the link's subdomain
        long_inst = ["longhost", "_http", "_tcp", "local"]
        long_host = ["H" * 63, "I" * 63, "J" * 63, "K" * 51, "local"]
        recs += [ptr(["_http", "_tcp", "local"], long_inst), srv(long_inst, 80, long_host),
                 a(long_host, self.args.addr4)]
        # the flood: far more services than a link may have
        recs.append(ptr(["_services", "_dns-sd", "_udp", "local"], ["_flood", "_tcp", "local"]))
        recs.append(a(["floodhost", "local"], self.args.addr4))
        for i in range(n):
            inst = ["flood%05d" % i, "_flood", "_tcp", "local"]
            recs.append(ptr(["_flood", "_tcp", "local"], inst))
            recs.append(srv(inst, 80, ["floodhost", "local"]))
            recs.append(txt(inst, [b"n=%d" % i]))
        for r in recs:
            if len(r) > 1400:
                self.raw.send([r], limit=9000)
        self.raw.send([r for r in recs if len(r) <= 1400])

    def run(self):
        print("ready", flush=True)
        for line in sys.stdin:
            cmd = line.split()
            if not cmd:
                continue
            try:
                if cmd[0] == "quit":
                    break
                if cmd[0] == "register":
                    self.register(cmd[1])
                    print("ok", " ".join(cmd), flush=True)
                elif cmd[0] == "unregister":
                    self.unregister(re.match(r"\s*\S+ (.*)$", line.rstrip("\n")).group(1))
                    print("ok", " ".join(cmd), flush=True)
                elif cmd[0] == "update":
                    self.update(cmd[1], int(cmd[2]), line.split(" ", 3)[3].strip())
                    print("ok", " ".join(cmd), flush=True)
                elif cmd[0] == "service":
                    # The name is what follows HOST and one space, as is:
                    # split() would drop its leading spaces.
                    name = re.match(r"\s*(?:\S+\s+){3}\S+ (.*)$", line.rstrip("\n")).group(1)
                    self.service(cmd[1], int(cmd[2]), cmd[3], name)
                    print("ok", " ".join(cmd), flush=True)
                elif cmd[0] == "bench":
                    t = self.bench(cmd[1])
                    print("ok bench %s %.6f" % (cmd[1], t), flush=True)
                elif cmd[0] == "tsigflood":
                    self.tsigflood(int(cmd[1]))
                    print("ok", " ".join(cmd), flush=True)
                elif cmd[0] == "hostile":
                    self.hostile(int(cmd[1]))
                    print("ok", " ".join(cmd), flush=True)
                else:
                    print("error %s: unknown command" % " ".join(cmd), flush=True)
            except Exception as e:  # keep serving the test; it reads the error
                print("error %s: %r" % (" ".join(cmd), e), flush=True)
        self.zc.close()


def lan_arguments(description):
    """The arguments every publisher of topology.sh's topo_pub_start takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--iface", required=True)
    p.add_argument("--addr4", required=True)
    p.add_argument("--addr6", required=True)
    return p


def main():
    p = lan_arguments(__doc__.split("\n")[0])
    p.add_argument("--ll6", required=True, help="the interface's IPv6 link-local address")
    args = p.parse_args()
    args.ifindex = socket.if_nametoindex(args.iface)
    Publisher(args).run()


if __name__ == "__main__":
    main()
