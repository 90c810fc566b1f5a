#!/usr/bin/env bash
# Authoritative answers from a zone file: positive, NODATA, NXDOMAIN,
# REFUSED, CNAME chains, wildcards, ANY (RFC 8482), case, CHAOS, FORMERR
# and NOTIMP on malformed or unsupported queries.
source "$(dirname "$0")/lib.sh"

cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
cfg=$(gw_config answers "zone: {domain: dnssd.test., file: $GW_TMP/zone}
dnssec: {enable: false}")
gw_start "$cfg"

Z=dnssd.test.
INST='Office\032Printer\032(2nd\032floor)._ipp._tcp.lan.dnssd.test.'

q "$INST" SRV
expect "SRV: NOERROR" has_status NOERROR
expect "SRV: authoritative" has_flag aa
expect "SRV: one answer" has_count ANSWER 1
expect "SRV: target rewritten name present" has_text "631 printer.lan.dnssd.test."
expect "SRV: target address in additional" has_text "printer.lan.dnssd.test. 120 IN A 192.0.2.10"

q _ipp._tcp.lan.$Z PTR
expect "browse PTR: NOERROR, two instances" has_count ANSWER 2
expect "browse PTR: escaped dot kept in the instance label" has_text 'Lab\.Printer._ipp._tcp.lan.dnssd.test.'
expect "browse PTR: DNS-SD additional SRV" has_text "IN SRV 0 0 631 labprinter.lan.dnssd.test."
expect "browse PTR: DNS-SD additional TXT" has_text '"txtvers=1"'

q _universal._sub._ipp._tcp.lan.$Z PTR
expect "subtype PTR answers" has_count ANSWER 1

# kdig prints names lowercased; dig shows them as received.
dig @127.0.0.1 -p "$GW_PORT" +time=3 +norec "WwW.DnSsD.TeSt." A >"$GW_TMP/last" 2>&1 || true
expect "mixed case: NOERROR" grep -q "status: NOERROR" "$GW_TMP/last"
expect "mixed case: question case preserved" grep -q "^;WwW.DnSsD.TeSt.[[:space:]]" "$GW_TMP/last"
expect "mixed case: answer owner in the question's case" grep -q "^WwW.DnSsD.TeSt.[[:space:]].*192.0.2.80" "$GW_TMP/last"

q www.$Z AAAA
expect "NODATA: NOERROR" has_status NOERROR
expect "NODATA: no answer" has_count ANSWER 0
expect "NODATA: SOA in authority" has_count AUTHORITY 1
expect "NODATA: SOA TTL is min(TTL, MINIMUM)" has_text "dnssd.test. 30 IN SOA"

q _tcp.lan.$Z A
expect "empty non-terminal: NOERROR (not NXDOMAIN)" has_status NOERROR
expect "empty non-terminal: SOA in authority" has_count AUTHORITY 1

q nothing-here.$Z A
expect "NXDOMAIN" has_status NXDOMAIN
expect "NXDOMAIN: authoritative" has_flag aa
expect "NXDOMAIN: SOA in authority" has_text "IN SOA"

q www.example.org. A
expect "outside the zone: REFUSED" has_status REFUSED
expect "outside the zone: not authoritative" lacks_flag aa

q alias2.$Z A
expect "CNAME chain: NOERROR" has_status NOERROR
expect "CNAME chain: two CNAMEs and the A" has_count ANSWER 3
expect "CNAME chain: final address" has_text "www.dnssd.test. 120 IN A 192.0.2.80"

q alias.$Z CNAME
expect "CNAME query: the CNAME only" has_count ANSWER 1

q outside.$Z A
expect "CNAME out of zone: NOERROR with the CNAME" has_count ANSWER 1
expect "CNAME out of zone: status" has_status NOERROR

q dangling.$Z A
expect "CNAME to a missing name: NXDOMAIN" has_status NXDOMAIN
expect "CNAME to a missing name: CNAME in answer" has_count ANSWER 1

q anything.wild.$Z TXT
expect "wildcard: synthesised answer" has_text 'anything.wild.dnssd.test. 120 IN TXT "wildcard"'
q anything.wild.$Z A
expect "wildcard: NODATA for another type" has_count AUTHORITY 1
expect "wildcard: NODATA status" has_status NOERROR

q mx.$Z MX
expect "MX: exchange address in additional" has_text "mail.dnssd.test. 120 IN A 192.0.2.25"

q printer.lan.$Z ANY
expect "ANY over UDP: one RRset (RFC 8482)" has_count ANSWER 1
q printer.lan.$Z ANY +tcp
expect "ANY over TCP: every RRset" has_count ANSWER 2

q version.bind CH TXT
expect "CHAOS version.bind unset: REFUSED" has_status REFUSED

q www.$Z A +edns=1
expect "EDNS version 1: BADVERS" has_status BADVERS

# Raw packets kdig will not send.
raw udp "1234010000020000000000000377777705646e7373640474657374000001000103777777000001000100"
expect "two questions: FORMERR" has_text "rcode=FORMERR"
raw udp "1234010000010000000000000377777705646e7373"
expect "truncated question name: FORMERR" has_text "rcode=FORMERR"
raw udp "12340100000100000000000003777777c00c00010001"
expect "compression pointer in question: FORMERR" has_text "rcode=FORMERR"
raw udp "12340100000100010000000003777777 05646e73736404746573740000010001c02800010001000000000004c0000201"
expect "answer name pointer forward: FORMERR" has_text "rcode=FORMERR"
raw udp "1234010000010000000000000377777705646e7373640474657374000001000100"
expect "trailing garbage: FORMERR" has_text "rcode=FORMERR"
raw udp "1234010000ff00ff00ff00ff037777770564"
expect "huge counts in a short packet: FORMERR" has_text "rcode=FORMERR"
raw udp "1234"
expect "shorter than a header: dropped" has_text "no reply"
raw udp "1234810000010000000000000377777705646e73736404746573740000010001"
expect "a response (QR set): dropped" has_text "no reply"
raw udp "1234110000010000000000000377777705646e73736404746573740000010001"
expect "opcode STATUS: NOTIMP" has_text "rcode=NOTIMP"
raw udp "1234010000010000000000000377777705646e73736404746573740000010001"
expect "the same query well-formed: NOERROR" has_text "rcode=NOERROR flags=qr,aa,rd"

gw_finish
