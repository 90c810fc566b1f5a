# Writes the seeds of fuzz_peer_replies (*.hex, the format of
# tests/data/wire: one line per field, its offset and meaning after '#');
# run from the top of the tree: python3 tests/fuzz/peer-seeds/make_seeds.py
# The control octet comes first (see tests/fuzz/fuzz_peer_replies.c); the
# ID of a reply is 0 where the target writes the query's ID (bit 2).
import base64, hashlib, os, struct, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                                'integration'))
from dnsraw import wire_name as name  # noqa: E402

OUT = 'tests/fuzz/peer-seeds'
APEX = 'home.arpa.'
# The DNSKEY the target's DS check looks for, and another key (both from
# tests/unit/zonemgr/test_ds_check.c).
KEY_NEW = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=='
KEY_OLD = 'QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+fw=='
T = {'A': 1, 'SOA': 6, 'AFSDB': 18, 'DS': 43, 'TSIG': 250, 'IXFR': 251}


def rr_head(typ, cls, ttl, rdlen):
    return struct.pack('>HHIH', T[typ], cls, ttl, rdlen)


def ds_rdata(owner, key_b64):
    """DS (SHA-256) of the KSK with this public key (RFC 4034 5.1.4)."""
    dnskey = struct.pack('>HBB', 257, 3, 13) + base64.b64decode(key_b64)
    ac = 0
    for i, b in enumerate(dnskey):
        ac += b if i & 1 else b << 8
    tag = (ac + (ac >> 16)) & 0xffff
    return struct.pack('>HBB', tag, 13, 2) + hashlib.sha256(name(owner) + dnskey).digest()


def soa_rdata(serial):
    return (name('ns.home.arpa.') + name('hostmaster.home.arpa.') +
            struct.pack('>IIIII', serial, 3600, 600, 86400, 10))


# Key xfr., HMAC-SHA256, a MAC of zeros (it never verifies).
TSIG_RDATA = (name('hmac-sha256.') + struct.pack('>HIH', 0, 1700000000, 300) +
              struct.pack('>H', 32) + bytes(32) + struct.pack('>HHH', 0x1234, 0, 0))
TSIG_WHAT = 'TSIG: algorithm, time, fudge, MAC (zeros), original ID, error, other length'


class Msg:
    """A message as (octets, comment) fields, the control octet first."""

    def __init__(self, ctl, what):
        self.ctl, self.what = ctl, what
        self.fields = []
        self.len = 0

    def put(self, data, comment):
        self.fields.append((data, '%d: %s' % (self.len, comment)))
        self.len += len(data)

    def header(self, id_, flags, qd, an, ns, ar):
        self.put(struct.pack('>HH', id_, flags), 'id 0x%04x, flags 0x%04x' % (id_, flags))
        self.put(struct.pack('>HHHH', qd, an, ns, ar), 'qd %d an %d ns %d ar %d' % (qd, an, ns, ar))

    def question(self, owner, typ):
        self.put(name(owner), 'qname ' + owner)
        self.put(struct.pack('>HH', T[typ], 1), 'qtype %s class IN' % typ)

    def rr(self, owner, typ, rdata, what, cls=1, ttl=3600):
        self.put(name(owner), 'owner ' + owner)
        self.put(rr_head(typ, cls, ttl, len(rdata)),
                 'type %s class %d ttl %d rdlength %d' % (typ, cls, ttl, len(rdata)))
        self.put(rdata, what)

    def tsig(self, what=TSIG_WHAT):
        self.rr('xfr.', 'TSIG', TSIG_RDATA, what, cls=255, ttl=0)

    def write(self, file, cut=None):
        """The hex file; cut: only the first cut octets of the message."""
        lines = ['# control 0x%02x: %s' % (self.ctl, self.what),
                 '%-48s # control' % ('%02x' % self.ctl)]
        done = 0
        for data, comment in self.fields:
            if cut is not None and done + len(data) > cut:
                data, comment = data[:cut - done], comment + ' (cut here)'
            done += len(data)
            for i in range(0, len(data), 16):
                hex_ = ' '.join('%02x' % b for b in data[i:i + 16])
                lines.append('%-48s # %s' % (hex_, comment if i == 0 else '...'))
            if cut is not None and done >= cut:
                break
        with open('%s/%s.hex' % (OUT, file), 'w') as f:
            f.write('\n'.join(lines) + '\n')


# ---- DS check (control bits 0-1: 0) ----

def ds_reply(ctl, what, key=KEY_NEW, flags=0x8500, qname=APEX, rcode=0, tsigs=0):
    m = Msg(ctl, what)
    m.header(0, flags | rcode, 1, 1 if key else 0, 0, tsigs)
    m.question(qname, 'DS')
    if key:
        m.rr(APEX, 'DS', ds_rdata(APEX, key), 'DS: key tag, algorithm 13, SHA-256, digest')
    for i in range(tsigs):
        m.tsig('TSIG record %d of %d' % (i + 1, tsigs))
    return m


ds_reply(0x04, 'DS reply with the DS of the key looked for (found)').write('ds-found')
ds_reply(0x0c, 'two servers, each gets the reply with the DS of the key looked for '
         '(found at both: the verdict is OK)').write('ds-found-two-servers')
ds_reply(0x04, 'DS reply with the DS of another key (not found)', key=KEY_OLD).write('ds-other-key')
ds_reply(0x04, 'DS reply with TC set and no records (not yet)', key=None,
         flags=0x8700).write('ds-truncated')
ds_reply(0x04, 'NXDOMAIN, no DS (not found, rcode NXDOMAIN)', key=None, rcode=3).write('ds-nxdomain')
ds_reply(0x04, 'a reply to another question (not ours: ignored)',
         qname='other.arpa.').write('ds-other-question')
m = ds_reply(0x04, 'the found reply cut inside its DS record (ldns refuses it: ignored)')
m.write('ds-cut', cut=m.len - 20)
# ldns drops each TSIG record from ARCOUNT as it reads it, so of three it
# reads two, and leaked the first; zones/pkt.c refuses the reply first.
ds_reply(0x04, 'the found reply with three TSIG records (refused before ldns reads it: '
         'ignored)', tsigs=3).write('ds-tsig-thrice')


# ---- answers to our NOTIFY (control bits 0-1: 1) ----

def notify_answer(ctl, what, rcode=0, qname=APEX, qtype='SOA'):
    m = Msg(ctl, what)
    m.header(0, 0xa400 | rcode, 0 if qname is None else 1, 0, 0, 0)
    if qname is not None:
        m.question(qname, qtype)
    return m


notify_answer(0x05, 'NOTIFY answer from target 0 (acknowledged)').write('notify-ack')
notify_answer(0x05, 'NOTIFY answer with rcode NOTAUTH (error rcode)',
              rcode=9).write('notify-notauth')
notify_answer(0x1d, 'NOTIFY answer from target 1, signed first as target 1 signs it '
              '(acknowledged)').write('notify-ack-signed')
notify_answer(0x0d, 'NOTIFY answer to target 1 without its TSIG (ignored)').write('notify-ack-unsigned')
notify_answer(0x25, 'NOTIFY answer from an address of no target (ignored)').write('notify-stranger')


# ---- IXFR queries (control bits 0-1: 2) ----

def ixfr(what, soa=True, ar=0):
    m = Msg(0x02, what)
    m.header(0x1234, 0x0000, 1, 0, 1 if soa else 0, ar)
    m.question(APEX, 'IXFR')
    if soa:
        m.rr(APEX, 'SOA', soa_rdata(5), 'SOA: mname, rname, serial 5, refresh, retry, expire, minimum')
    return m


ixfr('IXFR query, SOA serial 5 in the authority section').write('ixfr-soa')
ixfr('IXFR query without an authority section (FORMERR)', soa=False).write('ixfr-no-soa')
m = ixfr('IXFR query, SOA serial 5 in authority, a TSIG record last', ar=1)
m.tsig()
m.write('ixfr-soa-tsig')
# Two TSIG records inside an AFSDB's rdata, after its fields: the query
# reader goes by RDLENGTH and sees none, ldns reads them as records (and
# leaked one); three A records keep ARCOUNT high enough for ldns to read
# both. zones/pkt.c refuses the query before ldns reads it (FORMERR).
m = ixfr('IXFR query, SOA serial 5, two TSIG records hidden in an AFSDB (FORMERR)', ar=4)
hidden = name('xfr.') + rr_head('TSIG', 255, 0, len(TSIG_RDATA)) + TSIG_RDATA
m.rr(APEX, 'AFSDB', struct.pack('>H', 1) + name('a.') + 2 * hidden,
     'AFSDB: preference 1, hostname a., then two TSIG records')
for i in range(3):
    m.rr(APEX, 'A', bytes([192, 0, 2, 1]), 'A 192.0.2.1')
m.write('ixfr-hidden-tsig')
notify_answer(0x05, 'NOTIFY answer echoing the question in upper case (acknowledged)',
              qname='HOME.ARPA.').write('notify-ack-upper')
notify_answer(0x05, 'NOTIFY answer to another question (ignored)',
              qname='home.arpa.', qtype='A').write('notify-other-question')
notify_answer(0x05, 'NOTIFY answer without the question, rcode FORMERR (error rcode)',
              rcode=1, qname=None).write('notify-formerr-no-question')
notify_answer(0x05, 'NOTIFY answer without the question, rcode 0 (ignored)',
              qname=None).write('notify-ack-no-question')
