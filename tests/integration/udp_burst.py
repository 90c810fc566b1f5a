#!/usr/bin/python3
"""Send a burst of UDP queries and count how they were answered, for
test_cookies_rrl.sh. Loopback only; python3-dnspython.

  udp_burst.py PORT SRC NAME TYPE COUNT [--cookie HEX] [--do] [--nsid]
                [--tsig-key NAME] [--no-edns]

Queries go from address SRC (127.x.y.z), one at a time with a short
timeout, as fast as the replies come. --cookie sends that COOKIE option
(16 hex digits: a client cookie; 48: client and server cookie) in every
query; --nsid an empty NSID option (RFC 5001); --tsig-key signs each
query with a key of that name the server does not know (HMAC-SHA256),
whose replies are read by their header only; --no-edns leaves the OPT out.
Prints one line:
  sent=N answered=N truncated=N badcookie=N none=N cookies=N same_server=N
  nsid=N tc_nsid=N octets_out=N octets_in=N largest_in=N
answered counts full replies (not TC, not BADCOOKIE); cookies counts
replies with a COOKIE option; same_server those whose server cookie is
the one sent; nsid the replies with an NSID option, tc_nsid the
truncated ones among them.
"""
import socket
import sys

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.tsig
import dns.tsigkeyring


def main():
    port, src, name, qtype, count = (int(sys.argv[1]), sys.argv[2], sys.argv[3],
                                     sys.argv[4], int(sys.argv[5]))
    args = sys.argv[6:]
    cookie = bytes.fromhex(args[args.index("--cookie") + 1]) if "--cookie" in args else None
    opts = [dns.edns.GenericOption(10, cookie)] if cookie else []
    if "--nsid" in args:
        opts.append(dns.edns.GenericOption(3, b""))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(0.2)
    tsig_key = args[args.index("--tsig-key") + 1] if "--tsig-key" in args else None
    keyring = dns.tsigkeyring.from_text({tsig_key: "A" * 44}) if tsig_key else None
    res = dict(sent=0, answered=0, truncated=0, badcookie=0, none=0, cookies=0, same_server=0,
               nsid=0, tc_nsid=0, octets_out=0, octets_in=0, largest_in=0)
    for i in range(count):
        q = dns.message.make_query(name, qtype, use_edns=False if "--no-edns" in args else 0,
                                   options=opts, want_dnssec="--do" in args)
        q.id = i & 0xFFFF
        if keyring:
            q.use_tsig(keyring, keyname=tsig_key, algorithm=dns.tsig.HMAC_SHA256)
        wire = q.to_wire()
        s.sendto(wire, ("127.0.0.1", port))
        res["sent"] += 1
        res["octets_out"] += len(wire)
        try:
            while True:
                raw = s.recv(65535)
                if raw[:2] == wire[:2]:
                    break
        except socket.timeout:
            res["none"] += 1
            continue
        res["octets_in"] += len(raw)
        res["largest_in"] = max(res["largest_in"], len(raw))
        if keyring:
            # A BADKEY reply carries a TSIG no keyring can check: its
            # header says enough.
            res["truncated" if raw[2] & 0x02 else "answered"] += 1
            continue
        r = dns.message.from_wire(raw)
        got = [o for o in r.options if o.otype == 10]
        if got:
            res["cookies"] += 1
            data = got[0].to_wire() if hasattr(got[0], "to_wire") else got[0].data
            if cookie and len(cookie) > 8 and bytes(data)[8:] == cookie[8:]:
                res["same_server"] += 1
        if any(o.otype == 3 for o in r.options):
            res["nsid"] += 1
            if r.flags & dns.flags.TC:
                res["tc_nsid"] += 1
        if r.rcode() == dns.rcode.BADCOOKIE:
            res["badcookie"] += 1
        elif r.flags & dns.flags.TC:
            res["truncated"] += 1
        else:
            res["answered"] += 1
    print(" ".join(f"{k}={v}" for k, v in res.items()))


if __name__ == "__main__":
    main()
