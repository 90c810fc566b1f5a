#!/usr/bin/env bash
# AXFR over TCP: the transfer equals the zone file (ldns-compare-zones),
# refused from addresses not allowed, and refused over UDP; IXFRs
# pipelined by an allowed peer all answered, their log lines limited.
source "$(dirname "$0")/lib.sh"
command -v ldns-compare-zones >/dev/null || { echo "FAIL: ldns-compare-zones missing" >&2; exit 1; }

cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
# Unsigned, so the transfer can equal the file (test_dnssec.sh checks the
# signed transfer).
cfg=$(gw_config axfr "zone: {domain: dnssd.test., file: $GW_TMP/zone}
dnssec: {enable: false}")
gw_start "$cfg"

kdig @127.0.0.1 -p "$GW_PORT" +time=5 AXFR dnssd.test. +noall +answer >"$GW_TMP/axfr.txt" 2>&1 || true
cp "$GW_TMP/axfr.txt" "$GW_TMP/last"
expect "AXFR: starts and ends with the SOA" bash -c "head -n1 '$GW_TMP/axfr.txt' | grep -q SOA && tail -n1 '$GW_TMP/axfr.txt' | grep -q SOA"
records=$(grep -vc '^;' "$GW_TMP/axfr.txt" || true)
in_file=$(ldns-read-zone "$GW_TMP/zone" | grep -vc '^;')
expect "AXFR: every record once, SOA twice ($records = $in_file + 1)" test "$records" -eq $((in_file + 1))
# The transfer repeats the SOA last; ldns-compare-zones wants one.
sed '$d' "$GW_TMP/axfr.txt" >"$GW_TMP/axfr.zone"
ldns-compare-zones -s -a "$GW_TMP/zone" "$GW_TMP/axfr.zone" >"$GW_TMP/last" 2>&1
ldns-compare-zones -s -e "$GW_TMP/zone" "$GW_TMP/axfr.zone" >/dev/null 2>&1 && same=0 || same=$?
expect "AXFR equals the zone file (ldns-compare-zones)" test "$same" -eq 0
expect "ldns-compare-zones reports no difference" bash -c "! grep -q '^[+-~]' '$GW_TMP/last'"

q AXFR dnssd.test. +notcp
expect "AXFR over UDP: NOTIMP" has_text "replied with error 'NOTIMPL'"

# A peer allowed to transfer pipelines 150 IXFRs at the current serial
# and 150 without the client's SOA (FORMERR) on one connection: every one
# answered, and the log lines of each kind limited (they were one or two a
# query: the start, the end, the FORMERR).
serial=$(gw_soa_serial dnssd.test.)
cp "$GW_TMP/gateway.log" "$GW_TMP/gateway.log.before"
/usr/bin/python3 "$GW_INTEGRATION_DIR/ixfr_pipeline.py" "$GW_PORT" dnssd.test. "$serial" 150 \
	>"$GW_TMP/last" 2>&1 || true
expect "pipelined IXFRs: all 300 answered ($(cat "$GW_TMP/last"))" has_text "answered=300"
sleep 1
new_lines() { diff "$GW_TMP/gateway.log.before" "$GW_TMP/gateway.log" | grep -c "$1" || true; }
started=$(new_lines "IXFR to .* is current, SOA only")
done_lines=$(new_lines "IXFR.* done:")
formerr=$(new_lines "IXFR from .*: no SOA")
expect "pipelined IXFRs: start, end and FORMERR lines limited ($started, $done_lines, $formerr of 150 each)" \
	bash -c "[ $started -ge 1 ] && [ $started -lt 100 ] && [ $done_lines -ge 1 ] && [ $done_lines -lt 100 ] && [ $formerr -ge 1 ] && [ $formerr -lt 100 ]"

gw_stop
# The same zone, transfers allowed only from 192.0.2.1: loopback is refused.
cfg=$(gw_config axfr-deny "zone: {domain: dnssd.test., file: $GW_TMP/zone}
transfer: {allow: [\"192.0.2.1\"]}")
gw_start "$cfg"
kdig @127.0.0.1 -p "$GW_PORT" +time=5 AXFR dnssd.test. >"$GW_TMP/last" 2>&1 || true
expect "AXFR from an address not allowed: REFUSED" has_text "replied with error 'REFUSED'"
expect "the refusal is logged" grep -q "AXFR from 127.0.0.1.*refused" "$GW_TMP/gateway.log"
# With EDNS the refusal says why (RFC 8914: 18 Prohibited); a zone not
# ours, 20 Not Authoritative.
axfr_ede() {
	/usr/bin/python3 - "$GW_PORT" "$1" <<'PY' >"$GW_TMP/last" 2>&1 || true
import sys
import dns.message, dns.query, dns.rcode
q = dns.message.make_query(sys.argv[2], "AXFR", use_edns=0)
r = dns.query.tcp(q, "127.0.0.1", port=int(sys.argv[1]), timeout=5)
print(dns.rcode.to_text(r.rcode()), *[o.code for o in r.options if o.otype == 15])
PY
}
axfr_ede dnssd.test.
expect "AXFR refused with EDNS: EDE 18 Prohibited ($(cat "$GW_TMP/last"))" grep -qx "REFUSED 18" "$GW_TMP/last"
axfr_ede example.
expect "AXFR of a zone not ours: EDE 20 Not Authoritative ($(cat "$GW_TMP/last"))" grep -qx "NOTAUTH 20" "$GW_TMP/last"

gw_finish
