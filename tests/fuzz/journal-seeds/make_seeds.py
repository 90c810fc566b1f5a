# Writes the journal seeds (*.hex) in the format of gateway/journal/file.c;
# run from the top of the tree: python3 tests/fuzz/journal-seeds/make_seeds.py
import struct, zlib, sys
def name(t):
    out=b''
    for l in t.rstrip('.').split('.'):
        if l: out+=bytes([len(l)])+l.encode()
    return out+b'\0'
def rr(owner,typ,ttl,rdata):
    return name(owner)+struct.pack('>HHIH',typ,1,ttl,len(rdata))+rdata
def soa(serial):
    return rr('example.',6,3600,name('ns.example.')+name('host.example.')+struct.pack('>IIIII',serial,3600,600,86400,300))
def a(owner,ip):
    return rr(owner,1,300,bytes(int(x) for x in ip.split('.')))
ns=rr('example.',2,3600,name('ns.example.'))
nsa=rr('ns.example.',1,3600,bytes([192,0,2,53]))
def header(apex='example.'):
    n=name(apex)
    return b'DNSSDGWJ'+struct.pack('>I',1)+bytes([len(n)])+n
def record(payload):
    return struct.pack('>II',len(payload),zlib.crc32(payload)&0xffffffff)+payload
def snapshot(serial,rrs):
    return record(bytes([2])+struct.pack('>II',serial,len(rrs))+b''.join(rrs))
def entry(f,t,rem,add):
    return record(bytes([1])+struct.pack('>IIII',f,t,len(rem),len(add))+b''.join(rem)+b''.join(add))
base=[soa(100),ns,nsa,a('www.example.','192.0.2.80')]
e1=entry(100,101,[soa(100)],[soa(101),a('n0.example.','192.0.2.1')])
e2=entry(101,102,[soa(101),a('www.example.','192.0.2.80')],[soa(102),a('www.example.','192.0.2.81')])
seeds={
 'snapshot-only': (0, header()+snapshot(100,base)),
 'snapshot-only-rebuild': (1, header()+snapshot(100,base)),
 'snapshot-two-diffs': (0, header()+snapshot(100,base)+e1+e2),
 'snapshot-two-diffs-rebuild': (1, header()+snapshot(100,base)+e1+e2),
 'diffs-then-snapshot': (2, header()+e1+snapshot(101,[soa(101),ns,nsa,a('www.example.','192.0.2.80'),a('n0.example.','192.0.2.1')])+e2),
 'rewritten': (0, header()+snapshot(102,[soa(102),ns,nsa,a('www.example.','192.0.2.81'),a('n0.example.','192.0.2.1')])+e1+e2),
 'torn-tail': (0, (header()+snapshot(100,base)+e1+e2)[:-7]),
 'at-zone-serial': (1, header()+snapshot(200,[soa(200),ns])),
 'other-apex': (0, header('other.')+snapshot(100,base)),
 'apex-past-header': (1, b'DNSSDGWJ'+struct.pack('>I',1)+bytes([9])+b'\x07example\x05'),
 'broken-chain': (2, header()+snapshot(100,base)+e2+e1),
 'floor-two-diffs': (8, header()+snapshot(100,base)+e1+e2),
 'floor-torn-tail': (8, (header()+snapshot(100,base)+e1+e2)[:-7]),
 'floor-broken-chain': (8, header()+snapshot(100,base)+e2+e1),
 'floor-other-apex': (8, header('other.')+snapshot(100,base)),
}
for k,(ctl,data) in seeds.items():
    with open(f'tests/fuzz/journal-seeds/{k}.hex','w') as f:
        f.write(f'# journal seed: {k.replace("-"," ")}; control octet first (bit 0: rebuild, bit 1: fix CRCs, bit 3: the serial floor first)\n')
        data=bytes([ctl])+data
        for i in range(0,len(data),16):
            f.write(' '.join('%02x'%b for b in data[i:i+16])+'\n')
