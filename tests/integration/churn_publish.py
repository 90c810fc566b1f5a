#!/usr/bin/python3
"""Random mDNS churn on one link, for test_zones_churn.sh.

Runs inside the test's LAN network namespace with Debian's python3-zeroconf
and reads commands on stdin, one per line; answers "ok CMD ..." (or
"error CMD: why") on stdout when a command is done, as publish.py does
(topology.sh's topo_pub_start runs either):

  base              register one service of every kind (they stay)
  churn SECONDS     for SECONDS, register a new service of a random kind or
                    unregister a random one, RATE times a second;
                    answers "ok churn SECONDS OPS"
  dump PATH         write the services published now to PATH, one JSON
                    object a line: kind, type, subtypes, instance, host
  quit

Every service has a host of its own (so a goodbye never takes another
service's addresses, and the host globs of the zones' policies see a
distinct name), a TXT, and is never re-registered under the same name.
Subtype PTRs (zeroconf 0.47 has no API for them) are announced and
answered by publish.py's raw responder. Only services whose three
announcements are out (older than 1.5 s) are unregistered: one
unregistered earlier would be announced again after its goodbye.
The random choices come from --seed, so a failing run can be repeated.
"""
import asyncio
import json
import random
import socket
import sys
import time

from zeroconf import IPVersion, ServiceInfo, Zeroconf

from publish import RawSender, lan_arguments, ptr

# The kinds of service: (kind, type, subtypes, instance format, host format).
# The zones' policies of test_zones_churn.sh tell them apart by type,
# subtype, instance and host name.
KINDS = [
    ("printer", "_ipp._tcp", ["_universal"], "Printer {n}", "prn-{n}"),
    ("secret", "_ipp._tcp", [], "Secret Printer {n}", "prn-{n}"),
    ("buero", "_ipp._tcp", [], "B\u00fcro {n}", "prn-{n}"),
    ("labipps", "_ipps._tcp", ["_universal"], "Lab Printer {n}", "lab-{n}"),
    ("ipps", "_ipps._tcp", ["_universal"], "Secure {n}", "prn-{n}"),
    ("ippsplain", "_ipps._tcp", [], "Plain {n}", "prn-{n}"),
    ("ssh", "_ssh._tcp", [], "ws-{n}", "ws-{n}"),
    ("camera", "_rtsp._tcp", [], "Camera {n}", "cam-{n}"),
    ("labcam", "_rtsp._tcp", [], "Lab Camera {n}", "cam-{n}"),
    ("labweb", "_http._tcp", [], "Lab Web {n}", "web-{n}"),
    ("web", "_http._tcp", [], "Status {n}", "web-{n}"),
]
PORTS = {"_ipp._tcp": 631, "_ipps._tcp": 631, "_ssh._tcp": 22, "_rtsp._tcp": 554,
         "_http._tcp": 80}
OLD_ENOUGH = 1.5


class Churn:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.zc = Zeroconf(interfaces=[args.addr4, args.ifindex], ip_version=IPVersion.All)
        self.raw = RawSender(args.addr4)
        self.seq = 0
        self.live = {}  # instance -> (kind tuple, ServiceInfo, born, base)
        self.reannounce = []  # (when, instance): a second subtype announcement

    def sub_labels(self, sub, stype):
        return [sub, "_sub"] + stype.split(".") + ["local"]

    def sub_ptrs(self, kind, instance, ttl):
        stype = kind[1]
        inst = [instance] + stype.split(".") + ["local"]
        return [ptr(self.sub_labels(sub, stype), inst, ttl) for sub in kind[2]]

    def register(self, kind, base=False):
        self.seq += 1
        n = "%d-%d" % (self.args.link, self.seq)
        instance = kind[3].format(n=n)
        host = kind[4].format(n=n)
        stype = kind[1]
        info = ServiceInfo(
            stype + ".local.", instance + "." + stype + ".local.", port=PORTS[stype],
            properties={"txtvers": "1", "n": n}, server=host + ".local.",
            parsed_addresses=[self.args.addr4, self.args.addr6])
        # No probing (the names are unique): the churn goes at its own pace,
        # not at the 0.75 s each probe sequence takes.
        asyncio.run_coroutine_threadsafe(
            self.zc.async_register_service(info, cooperating_responders=True), self.zc.loop)
        self.live[instance] = (kind, info, time.monotonic(), base)
        if kind[2]:
            for sub in kind[2]:
                self.raw.answer(self.sub_labels(sub, stype), self.answers_for(sub, stype))
            self.raw.send(self.sub_ptrs(kind, instance, 4500))
            self.reannounce.append((time.monotonic() + 0.3, instance))

    def answers_for(self, sub, stype):
        """Every live instance's PTR under one subtype (the raw responder
        answers a query for the subtype name with them all)."""
        return [ptr(self.sub_labels(sub, stype), [inst] + stype.split(".") + ["local"])
                for inst, (kind, _, _, _) in self.live.items()
                if kind[1] == stype and sub in kind[2]]

    def unregister(self, instance):
        kind, info, _, _ = self.live.pop(instance)
        for sub in kind[2]:
            self.raw.answer(self.sub_labels(sub, kind[1]), self.answers_for(sub, kind[1]))
        if kind[2]:
            self.raw.send(self.sub_ptrs(kind, instance, 0))
        asyncio.run_coroutine_threadsafe(self.zc.async_unregister_service(info), self.zc.loop)

    def tick_reannounce(self):
        now = time.monotonic()
        due = [i for (t, i) in self.reannounce if t <= now]
        self.reannounce = [(t, i) for (t, i) in self.reannounce if t > now]
        for instance in due:
            if instance in self.live:
                kind = self.live[instance][0]
                self.raw.send(self.sub_ptrs(kind, instance, 4500))

    def churn(self, seconds):
        ops = 0
        end = time.monotonic() + seconds
        interval = 1.0 / self.args.rate
        while time.monotonic() < end:
            self.tick_reannounce()
            now = time.monotonic()
            old = [i for i, (_, _, born, base) in self.live.items()
                   if not base and now - born > OLD_ENOUGH]
            churned = sum(1 for v in self.live.values() if not v[3])
            if old and (churned >= self.args.max_live or self.rng.random() < 0.5):
                self.unregister(self.rng.choice(sorted(old)))
                ops += 1
            elif churned < self.args.max_live:
                self.register(self.rng.choice(KINDS))
                ops += 1
            time.sleep(interval * self.rng.uniform(0.5, 1.5))
        # The last re-announcements, so that every subtype went out twice.
        while self.reannounce:
            time.sleep(0.05)
            self.tick_reannounce()
        return ops

    def dump(self, path):
        with open(path, "w", encoding="utf-8") as f:
            for inst, (kind, _, _, _) in sorted(self.live.items()):
                rec = {"kind": kind[0], "type": kind[1], "subtypes": kind[2],
                       "instance": inst, "host": self.host_of(inst)}
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def host_of(self, instance):
        return self.live[instance][1].server[:-len(".local.")]

    def base(self):
        for kind in KINDS:
            self.register(kind, base=True)
        time.sleep(0.4)
        self.tick_reannounce()
        return ""

    def run(self):
        commands = {"base": self.base,
                    "churn": lambda seconds: " %d" % self.churn(float(seconds)),
                    "dump": lambda path: self.dump(path) or ""}
        print("ready", flush=True)
        for line in sys.stdin:
            cmd = line.split()
            if cmd == ["quit"]:
                break
            if not cmd:
                continue
            # "ok CMD" with the command as given, then what it reports.
            try:
                print("ok %s%s" % (" ".join(cmd), commands[cmd[0]](*cmd[1:])), flush=True)
            except Exception as e:  # keep serving the test; it reads the error
                print("error %s: %r" % (" ".join(cmd), e), flush=True)
        self.zc.close()


def main():
    p = lan_arguments(__doc__.split("\n")[0])
    p.add_argument("--link", type=int, required=True, help="1 or 2: makes the names unique")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--rate", type=float, default=10.0, help="operations a second")
    p.add_argument("--max-live", type=int, default=30, help="churned services at once, at most")
    args = p.parse_args()
    args.ifindex = socket.if_nametoindex(args.iface)
    Churn(args).run()


if __name__ == "__main__":
    main()
