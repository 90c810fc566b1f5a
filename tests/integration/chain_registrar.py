#!/usr/bin/python3
"""A registrar for the chain-of-trust tests: it scans the child's CDS and
CDNSKEY (RFC 7344, RFC 8078) and keeps the parent's DS RRset in step.

Run with Debian's /usr/bin/python3 (python3-dnspython). The configuration is
a JSON file that chain.sh writes (chain_registrar_config):

  child, child_server, child_port     the child zone and its server
  parent, parent_server, parent_port  the parent zone and its server
  template                            the parent's zone file without the
                                      child's DS, "@SERIAL@" in its SOA
  keys                                the parent's key files (ldns-keygen
                                      basenames) for ldns-signzone
  zone_out                            the signed zone file the server reads
  ds_file                             the DS set now published (our state)
  ds_ttl                              TTL of the DS RRset
  server_pid                          the parent's NSD: SIGHUP reloads it
  log                                 where every decision is written

Subcommands:
  publish FILE      put the DS records of FILE (zone file lines; an empty
                    file removes the DS) at the parent: sign, reload, wait
                    until the parent serves the new serial
  once              one scan; exit 0 if the DS is now what the child asks
                    for (changed or not), 1 if the child's CDS/CDNSKEY was
                    refused or could not be read, 3 if the child has none
  run [--interval S] [--duration S]
                    scan every S seconds until SIGTERM/SIGINT or the
                    duration ends (bounded: 600 s at most)

A scan reads DNSKEY, CDS and CDNSKEY from one version of the child's zone
(the SOA serial is the same before and after the three queries).

What a scan accepts, as a parent's scanner must:
  - the child's DNSKEY RRset is signed by a key that the current DS set
    names (RFC 7344 section 4.1), checked with the RRSIG;
  - the CDS and CDNSKEY RRsets are signed by such a key too;
  - when both are present they agree (the DS computed from each CDNSKEY,
    with the digest types the CDS uses, equals the CDS set);
  - "CDS 0 0 0 00" / "CDNSKEY 0 3 0 AA==" (RFC 8078 section 4) removes the
    DS: the child becomes insecure;
  - any other new DS set must match a key of the child's DNSKEY RRset that
    signs that RRset, or applying it would break the delegation.
Without a DS (an insecure child) nothing is accepted unless the config says
"bootstrap": true (RFC 8078 section 3, accept after a policy: here, trust
on first use of a self-consistent set).
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import dns.dnssec
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.DS
import dns.rrset

DIGESTS = {1: "SHA1", 2: "SHA256", 4: "SHA384"}


class Refused(Exception):
    """The child's CDS/CDNSKEY cannot be applied; the message says why."""


class Registrar:
    def __init__(self, cfg):
        self.cfg = cfg
        self.child = dns.name.from_text(cfg["child"])
        self.logf = open(cfg["log"], "a", buffering=1)
        # The parent's serial goes up with every change, also across runs of
        # this script (several may follow within a second).
        self.serial_file = cfg["ds_file"] + ".serial"
        try:
            with open(self.serial_file) as f:
                self.serial = int(f.read())
        except (OSError, ValueError):
            self.serial = 1

    def log(self, msg):
        t = time.time()
        stamp = time.strftime("%H:%M:%S", time.localtime(t)) + ".%03d" % int((t % 1) * 1000)
        self.logf.write("%s registrar: %s\n" % (stamp, msg))

    # ---- the parent's side ---------------------------------------------

    def current_ds(self):
        """The DS rdatas we published last (a list, maybe empty)."""
        return read_ds_file(self.cfg["ds_file"], self.child)

    def publish(self, ds_list, why):
        cfg = self.cfg
        self.serial = max(self.serial + 1, int(time.time()))
        with open(cfg["template"]) as f:
            text = f.read().replace("@SERIAL@", str(self.serial))
        lines = ["%s %d IN DS %s" % (self.child, cfg["ds_ttl"], d.to_text()) for d in ds_list]
        d = os.path.dirname(cfg["zone_out"])
        with tempfile.NamedTemporaryFile("w", dir=d, delete=False, suffix=".unsigned") as f:
            f.write(text.rstrip("\n") + "\n" + "".join(l + "\n" for l in lines))
            unsigned = f.name
        expire = time.strftime("%Y%m%d%H%M%S", time.gmtime(time.time() + 7 * 86400))
        incep = time.strftime("%Y%m%d%H%M%S", time.gmtime(time.time() - 3600))
        signed = unsigned + ".signed"
        r = subprocess.run(["ldns-signzone", "-e", expire, "-i", incep, "-f", signed, unsigned]
                           + cfg["keys"], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("ldns-signzone failed: %s" % r.stderr.strip())
        os.rename(signed, cfg["zone_out"])
        os.unlink(unsigned)
        with open(cfg["ds_file"] + ".tmp", "w") as f:
            f.write("".join(l + "\n" for l in lines))
        os.rename(cfg["ds_file"] + ".tmp", cfg["ds_file"])
        with open(self.serial_file, "w") as f:
            f.write("%d\n" % self.serial)
        self.reload_and_wait()
        self.log("applied (%s): serial %d, DS %s" % (why, self.serial, fmt_ds(ds_list)))

    def reload_and_wait(self):
        """SIGHUP NSD until it serves our serial (NSD reloads a zone file
        whose mtime changed); bounded to 10 s."""
        cfg = self.cfg
        end = time.time() + 10
        while time.time() < end:
            os.kill(int(cfg["server_pid"]), signal.SIGHUP)
            t = time.time() + 1
            while time.time() < t:
                if self.parent_serial() == self.serial:
                    return
                time.sleep(0.05)
        raise RuntimeError("the parent's server did not load serial %d within 10 s" % self.serial)

    def parent_serial(self):
        q = dns.message.make_query(self.cfg["parent"], "SOA")
        try:
            r = dns.query.udp(q, self.cfg["parent_server"], port=int(self.cfg["parent_port"]), timeout=0.5)
        except Exception:
            return None
        for rr in r.answer:
            if rr.rdtype == dns.rdatatype.SOA:
                return rr[0].serial
        return None

    # ---- the child's side ----------------------------------------------

    def ask(self, rdtype):
        """(rrset or None, rrsig rrset or None) from the child's server."""
        q = dns.message.make_query(self.child, rdtype, want_dnssec=True, payload=4096)
        q.flags &= ~dns.flags.RD
        where = self.cfg["child_server"]
        port = int(self.cfg["child_port"])
        r = dns.query.udp(q, where, port=port, timeout=2)
        if r.flags & dns.flags.TC:
            r = dns.query.tcp(q, where, port=port, timeout=2)
        if r.rcode() != 0:
            raise Refused("%s query answered %s" % (dns.rdatatype.to_text(rdtype), dns.rcode.to_text(r.rcode())))
        rrset = r.get_rrset(r.answer, self.child, dns.rdataclass.IN, rdtype)
        sigs = r.get_rrset(r.answer, self.child, dns.rdataclass.IN, dns.rdatatype.RRSIG, rdtype)
        return rrset, sigs

    def signed_by(self, rrset, sigs, keys, what):
        """The tags of the keys in KEYS (a DNSKEY rrset) whose RRSIG over
        RRSET validates; Refused if none."""
        if sigs is None:
            raise Refused("%s is not signed" % what)
        good = []
        for sig in sigs:
            try:
                dns.dnssec.validate_rrsig(rrset, sig, {self.child: keys})
                good.append(sig.key_tag)
            except dns.dnssec.ValidationFailure:
                pass
        if not good:
            raise Refused("no valid RRSIG over %s by keys %s" % (what, sorted(dns.dnssec.key_id(k) for k in keys)))
        return good

    def child_serial(self):
        soa, _ = self.ask(dns.rdatatype.SOA)
        return soa[0].serial if soa is not None else None

    def ask_keys(self):
        """DNSKEY, CDS and CDNSKEY (each with its RRSIGs) of one version of
        the child's zone: three queries can straddle a commit (a key
        change while the mirror's changes go on), so they are asked again
        while the SOA serial before and after them differs (5 tries)."""
        for _ in range(5):
            before = self.child_serial()
            got = [self.ask(t) for t in (dns.rdatatype.DNSKEY, dns.rdatatype.CDS, dns.rdatatype.CDNSKEY)]
            if self.child_serial() == before:
                return got
        raise Refused("the child's zone changed during each of 5 scans")

    def scan(self):
        """One scan; returns "applied", "unchanged" or "none"; raises
        Refused with the reason otherwise."""
        current = self.current_ds()
        (dnskeys, dnskey_sigs), (cds, cds_sigs), (cdnskey, cdnskey_sigs) = self.ask_keys()
        if dnskeys is None:
            raise Refused("the child serves no DNSKEY")
        if cds is None and cdnskey is None:
            return "none"
        if current:
            # The keys of the DNSKEY RRset that the current DS names.
            anchored = [k for k in dnskeys if any(ds_matches(self.child, k, d) for d in current)]
            if not anchored:
                raise Refused("no key of the child's DNSKEY RRset matches the current DS %s" % fmt_ds(current))
            trusted = rrset_of(self.child, dnskeys.ttl, dns.rdatatype.DNSKEY, anchored)
            self.signed_by(dnskeys, dnskey_sigs, trusted, "the DNSKEY RRset (by a key in the current DS)")
        elif self.cfg.get("bootstrap"):
            trusted = dnskeys
        elif self.target_or_none(cds, cdnskey) is None:
            return "unchanged"  # DELETE, and there is no DS to remove
        else:
            raise Refused("the child has no DS (insecure) and bootstrap is off")
        if cds is not None:
            self.signed_by(cds, cds_sigs, trusted, "the CDS RRset")
        if cdnskey is not None:
            self.signed_by(cdnskey, cdnskey_sigs, trusted, "the CDNSKEY RRset")
        target = self.target(cds, cdnskey)
        if target is None:  # DELETE
            if not current:
                return "unchanged"
            self.publish([], "CDS/CDNSKEY DELETE: the child goes insecure")
            return "applied"
        # Applying a DS set that names no key signing the DNSKEY RRset
        # would make the child bogus.
        signing = set(self.signed_by(dnskeys, dnskey_sigs, dnskeys, "the DNSKEY RRset"))
        if not any(ds_matches(self.child, k, d) and dns.dnssec.key_id(k) in signing
                   for d in target for k in dnskeys):
            raise Refused("the new DS %s names no key that signs the child's DNSKEY RRset" % fmt_ds(target))
        if ds_set(target) == ds_set(current):
            return "unchanged"
        self.publish(target, "from the child's %s" % ("CDS" if cds is not None else "CDNSKEY"))
        return "applied"

    def target_or_none(self, cds, cdnskey):
        """target(), with a refused set counted as not DELETE."""
        try:
            return self.target(cds, cdnskey)
        except Refused:
            return []

    def target(self, cds, cdnskey):
        """The DS set the child asks for; None for DELETE."""
        cds_delete = cds is not None and any(d.algorithm == 0 for d in cds)
        key_delete = cdnskey is not None and any(k.algorithm == 0 for k in cdnskey)
        if cds_delete or key_delete:
            if (cds is not None and not cds_delete) or (cdnskey is not None and not key_delete):
                raise Refused("DELETE in one of CDS and CDNSKEY only")
            if (cds is not None and len(cds) != 1) or (cdnskey is not None and len(cdnskey) != 1):
                raise Refused("a DELETE record with other records beside it")
            return None
        if cds is None:
            return [dns.dnssec.make_ds(self.child, k, "SHA256") for k in cdnskey]
        for d in cds:
            if d.digest_type not in DIGESTS:
                raise Refused("CDS with unknown digest type %d" % d.digest_type)
        target = list(cds)
        if cdnskey is not None:
            types = sorted({d.digest_type for d in cds})
            from_keys = [dns.dnssec.make_ds(self.child, k, DIGESTS[t]) for k in cdnskey for t in types]
            if ds_set(from_keys) != ds_set(target):
                raise Refused("CDS %s and CDNSKEY (as DS %s) disagree" % (fmt_ds(target), fmt_ds(from_keys)))
        return [dns.rdtypes.ANY.DS.DS(dns.rdataclass.IN, dns.rdatatype.DS, d.key_tag, d.algorithm,
                                      d.digest_type, d.digest) for d in target]

    def scan_logged(self):
        """One scan, logged; a message the same as the last one is not
        repeated (the loop scans every second)."""
        try:
            res = self.scan()
        except Refused as e:
            return self.note(1, "refused: %s" % e)
        except (dns.exception.Timeout, OSError) as e:
            return self.note(1, "child not reachable: %r" % e)
        if res == "none":
            return self.note(3, "the child publishes no CDS/CDNSKEY")
        return self.note(0, "in step: DS %s" % fmt_ds(self.current_ds()))

    def note(self, rc, msg):
        if msg != getattr(self, "last_msg", None):
            self.log(msg)
            self.last_msg = msg
        return rc


def ds_matches(name, key, ds):
    if ds.digest_type not in DIGESTS or ds.algorithm != key.algorithm:
        return False
    return dns.dnssec.make_ds(name, key, DIGESTS[ds.digest_type]) == ds_plain(ds)


def ds_plain(d):
    return dns.rdtypes.ANY.DS.DS(dns.rdataclass.IN, dns.rdatatype.DS, d.key_tag, d.algorithm,
                                 d.digest_type, d.digest)


def ds_set(ds_list):
    return {ds_plain(d).to_text().lower() for d in ds_list}


def fmt_ds(ds_list):
    if not ds_list:
        return "(none)"
    return ", ".join("%d/%d/%d/%s..." % (d.key_tag, d.algorithm, d.digest_type, d.digest.hex()[:8])
                     for d in ds_list)


def rrset_of(name, ttl, rdtype, rdatas):
    rs = dns.rrset.RRset(name, dns.rdataclass.IN, rdtype)
    for r in rdatas:
        rs.add(r, ttl)
    return rs


def read_ds_file(path, child):
    """DS rdatas for CHILD in a zone-file-form file (other lines ignored)."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            line = line.split(";", 1)[0].strip()
            fields = line.split()
            if "DS" not in fields:
                continue
            i = fields.index("DS")
            if dns.name.from_text(fields[0]) != child:
                continue
            out.append(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DS, " ".join(fields[i + 1:])))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("config")
    sub = p.add_subparsers(dest="cmd", required=True)
    pub = sub.add_parser("publish")
    pub.add_argument("file")
    sub.add_parser("once")
    run = sub.add_parser("run")
    run.add_argument("--interval", type=float, default=1.0)
    run.add_argument("--duration", type=float, default=300.0)
    args = p.parse_args()
    with open(args.config) as f:
        reg = Registrar(json.load(f))
    if args.cmd == "publish":
        reg.publish(read_ds_file(args.file, reg.child), "set by the test from %s" % args.file)
        return 0
    if args.cmd == "once":
        return reg.scan_logged()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    end = time.monotonic() + min(args.duration, 600.0)
    reg.log("scanning %s at %s@%s every %.1f s" % (reg.child, reg.cfg["child_server"], reg.cfg["child_port"], args.interval))
    scans = 0
    while not stop and time.monotonic() < end:
        reg.scan_logged()
        scans += 1
        t = time.monotonic() + args.interval
        while not stop and time.monotonic() < t:
            time.sleep(0.05)
    reg.log("stopped after %d scans" % scans)
    return 0


if __name__ == "__main__":
    sys.exit(main())
