"""The LAN the mDNS benchmarks mirror (bench/mdns_latency.py,
bench/push_load.py): two network namespaces joined by a veth pair, the
gateway in one (192.0.2.11, 2001:db8::11) and tests/integration/publish.py
(python3-zeroconf) in the other (192.0.2.12, 2001:db8::12); or joined by
several veth pairs, each its own link (LinkPair's links; bench/churn.py).
All traffic stays in the namespaces; root is needed.
"""
import ctypes
import os
import signal
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLONE_NEWNET = 0x40000000


class Netns:
    """Enter a named network namespace for the duration of a with block
    (sockets made inside stay in it)."""

    libc = ctypes.CDLL(None, use_errno=True)

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.home = os.open("/proc/self/ns/net", os.O_RDONLY)
        fd = os.open("/var/run/netns/" + self.name, os.O_RDONLY)
        try:
            if self.libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns " + self.name)
        finally:
            os.close(fd)

    def __exit__(self, *exc):
        self.libc.setns(self.home, CLONE_NEWNET)
        os.close(self.home)


def run(*cmd):
    subprocess.run(cmd, check=True)


def percentile(values, p):
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def state_tmp(prefix):
    """A temporary directory for the gateway's configuration, state and
    ports file. Started as root, the daemon becomes dnssd-gateway once
    bound: that user must write its ports file there, but must not be
    able to replace the configuration (root's, which the daemon checks).
    So the directory is root's with the sticky bit, as /tmp is."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    os.chmod(tmp, 0o1777)
    return tmp


class Segment:
    """One L2 segment of a LinkPair: the veth pair's ends and their
    addresses (gw4, lan4 with prefix length plen4; gw6, lan6 in a /64)."""

    def __init__(self, if_lan, if_gw, lan4, gw4, plen4, lan6, gw6):
        self.if_lan, self.if_gw = if_lan, if_gw
        self.lan4, self.gw4, self.plen4 = lan4, gw4, plen4
        self.lan6, self.gw6 = lan6, gw6


class LinkPair:
    """The two namespaces and their veth pairs, named after tag (namespaces),
    lan and gw (interfaces) and this process, so that runs do not meet.
    links > 1 makes that many veth pairs between the same two namespaces,
    each its own segment: interfaces <lan><pid>n<k> and <gw><pid>n<k>,
    192.0.2.4k+2 and .4k+1 in a /30 of 192.0.2.0/24 (64 at most),
    2001:db8:0:k::12 and ::11. One link keeps the names and addresses the
    other benchmarks use (192.0.2.12 and .11 in a /24, 2001:db8::12 and
    ::11). segments lists them; if_lan and if_gw name the first.
    Nothing exists until up(); down() removes what up() made."""

    MAX_LINKS = 64

    def __init__(self, tag, lan, gw, links=1):
        pid = os.getpid()
        if not 1 <= links <= self.MAX_LINKS:
            raise ValueError("1 to %d links" % self.MAX_LINKS)
        self.ns_lan, self.ns_gw = "%slan%d" % (tag, pid), "%sgw%d" % (tag, pid)
        if links == 1:
            self.segments = [Segment("%s%d" % (lan, pid), "%s%d" % (gw, pid), "192.0.2.12",
                                     "192.0.2.11", 24, "2001:db8::12", "2001:db8::11")]
        else:
            self.segments = [Segment("%s%dn%d" % (lan, pid, k), "%s%dn%d" % (gw, pid, k),
                                     "192.0.2.%d" % (4 * k + 2), "192.0.2.%d" % (4 * k + 1), 30,
                                     "2001:db8:0:%x::12" % k, "2001:db8:0:%x::11" % k)
                             for k in range(links)]
        self.if_lan, self.if_gw = self.segments[0].if_lan, self.segments[0].if_gw

    def up(self):
        """Make the namespaces and the links; the LAN side's IPv6 link-local
        address on the first link once it is usable ("" when it never
        became so)."""
        run("ip", "netns", "add", self.ns_lan)
        run("ip", "netns", "add", self.ns_gw)
        for ns in (self.ns_lan, self.ns_gw):
            run("ip", "-n", ns, "link", "set", "lo", "up")
        for seg in self.segments:
            run("ip", "link", "add", seg.if_lan, "type", "veth", "peer", "name", seg.if_gw)
            run("ip", "link", "set", seg.if_lan, "netns", self.ns_lan)
            run("ip", "link", "set", seg.if_gw, "netns", self.ns_gw)
            for ns, dev, a4, a6 in ((self.ns_lan, seg.if_lan, seg.lan4, seg.lan6),
                                    (self.ns_gw, seg.if_gw, seg.gw4, seg.gw6)):
                run("ip", "-n", ns, "addr", "add", "%s/%d" % (a4, seg.plen4), "dev", dev)
                run("ip", "-n", ns, "addr", "add", a6 + "/64", "dev", dev, "nodad")
                run("ip", "-n", ns, "link", "set", dev, "up")
        for _ in range(100):
            text = subprocess.run(["ip", "-n", self.ns_lan, "-6", "addr", "show", "dev",
                                   self.if_lan, "scope", "link"],
                                  capture_output=True, text=True).stdout
            if "fe80" in text and "tentative" not in text:
                return text.split("inet6 ")[1].split("/")[0]
            time.sleep(0.1)
        return ""

    def down(self):
        # the veth pairs go with their namespaces
        subprocess.run(["ip", "netns", "del", self.ns_lan], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "netns", "del", self.ns_gw], stderr=subprocess.DEVNULL)

    def gateway(self, gw_bin, tmp, extra, log):
        """dnssd-gateway in the gateway's namespace, output to log: zone
        bench.test. served on 127.0.0.1 (the port in tmp/ports), state in
        tmp/state, mirroring the link as lan.bench.test.; extra is YAML for
        the rest of tmp/gateway.yaml."""
        cfg = os.path.join(tmp, "gateway.yaml")
        with open(cfg, "w") as f:
            f.write("zone: {domain: bench.test.}\nlisten: [\"127.0.0.1@0\"]\n"
                    "ports-file: %s/ports\nstate-dir: %s/state\nlog: {level: notice}\n"
                    "links: [{interface: %s, subdomain: lan}]\n%s"
                    % (tmp, tmp, self.if_gw, extra))
        os.makedirs(os.path.join(tmp, "state"), exist_ok=True)
        return subprocess.Popen(["ip", "netns", "exec", self.ns_gw, gw_bin, "-c", cfg],
                                stdout=log, stderr=subprocess.STDOUT)

    def publisher(self, ll6):
        """publish.py on the LAN side, driven line by line on its stdin;
        None when it did not say it is ready."""
        pub = subprocess.Popen(
            ["ip", "netns", "exec", self.ns_lan, "/usr/bin/python3",
             os.path.join(ROOT, "tests", "integration", "publish.py"), "--iface", self.if_lan,
             "--addr4", "192.0.2.12", "--addr6", "2001:db8::12", "--ll6", ll6],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        if pub.stdout.readline().strip() != "ready":
            pub.kill()
            pub.wait()
            return None
        return pub


def ports_file_port(path, kind=None):
    """The port of the first line of the gateway's ports file (of the first
    line for kind, e.g. "tcp", when given), waiting up to 10 s for the file;
    None when it did not come."""
    for _ in range(100):
        try:
            with open(path) as f:
                lines = [ln for ln in f if kind is None or ln.startswith(kind + " ")]
                return int(lines[0].split()[2])
        except (OSError, IndexError, ValueError):
            time.sleep(0.1)
    return None


def bench_prepare(who, args, build, outname):
    """What the link benchmarks do first: check for root, set args.gw_bin
    (GW_BIN, or the gateway of the build directory build) and make the
    output directory (args.out, or bench/out/<outname>-<date>), which is
    returned with the sizes of args.services (comma-separated). SIGTERM
    then acts as Ctrl-C, so that the callers' finally clauses stop the
    gateway and remove the namespaces."""
    if os.geteuid() != 0:
        raise SystemExit("%s: network namespaces need root" % who)
    sizes = [int(s) for s in args.services.split(",") if s.strip()]
    args.gw_bin = os.path.abspath(os.environ.get(
        "GW_BIN", os.path.join(ROOT, build, "gateway", "dnssd-gateway")))
    out = args.out or os.path.join(ROOT, "bench", "out",
                                   time.strftime(outname + "-%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    return sizes, out


def wait_link_up(gw, tmp, logpath, who):
    """The port of the gateway gw (its ports file in tmp) once its log
    (logpath) says its link is up, plus a second for its browsers to
    start; SystemExit, naming the benchmark who, when that does not come
    within 20 s."""
    port = ports_file_port(os.path.join(tmp, "ports"))
    if port is None:
        raise SystemExit("%s: the gateway did not start; log %s" % (who, logpath))
    t0 = time.monotonic()
    while "is up" not in open(logpath).read():
        if time.monotonic() - t0 > 20 or gw.poll() is not None:
            raise SystemExit("%s: the link did not come up; log %s" % (who, logpath))
        time.sleep(0.1)
    time.sleep(1)
    return port


def stop(proc, timeout=10):
    """SIGTERM to proc (None: nothing), SIGKILL after timeout seconds."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
