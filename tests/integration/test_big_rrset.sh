#!/usr/bin/env bash
# Big browse RRsets in a zone file, as a link with many printers makes
# them: 800 PTRs with short names (60 000 octets in canonical form, just
# under the 65535 that validators check), and 1000 PTRs with long names
# (124 000 octets, its answer with its RRSIG in no DNS message).
#   - Unbound validating through a stub zone returns the 800 PTRs with AD;
#   - the gateway warns at start, and --check-config too, that the second
#     is past what Unbound and BIND check;
#   - the AXFR holds both whole (the one too big for a message goes over
#     several), and dnspython, which has no such limit, finds every
#     signature in it good, the big one's too;
#   - Knot, a secondary, takes the zone by AXFR and holds a copy equal to
#     the gateway's (read from its zone file: Knot cannot send such an
#     RRset on).
source "$(dirname "$0")/lib.sh"
for tool in unbound dig kdig knotd; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (scripts/setup.sh)" >&2; exit 1; }
done

Z=dnssd.test
GW_FIXED_PORT=$(free_port)
KNOT_PORT=$(free_port)
KNOT_DIR="$GW_TMP/knot"
mkdir -p "$KNOT_DIR/db"
KNOT_PID=""
trap 'pid_stop "$KNOT_PID"; gw_cleanup' EXIT

cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
{
	echo '_services._dns-sd._udp.lan IN PTR _scan._tcp.lan'
	echo '_services._dns-sd._udp.lan IN PTR _print._tcp.lan'
	for i in $(seq -w 1 800); do
		echo "_scan._tcp.lan IN PTR scanner$i._scan._tcp.lan"
	done
	for i in $(seq -w 1 1000); do
		echo "_print._tcp.lan IN PTR A\\ printer\\ with\\ a\\ long\\ name\\ on\\ the\\ third\\ floor\\ number\\ $i._print._tcp.lan"
	done
} >>"$GW_TMP/zone"
cfg=$(gw_config big "zone: {domain: $Z., file: $GW_TMP/zone}
transfer: {allow: [127.0.0.1]}")
sed -i "s|^listen: .*|listen: [\"127.0.0.1@$GW_FIXED_PORT\"]|" "$cfg"
"$GW_BIN" --check-config -c "$cfg" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "--check-config accepts the zone file" test "$rc" -eq 0
expect "--check-config says the 1000 PTRs are too big to validate" grep -qF \
	"RRsets over 65535 octets (the first: _print._tcp.lan.$Z. PTR, 124000 octets)" "$GW_TMP/last"
gw_start "$cfg"
state="$GW_TMP/state"

expect "the gateway says the 1000 PTRs are too big to validate" grep -qF \
	"zone: 1 RRsets over 65535 octets (the first: _print._tcp.lan.$Z. PTR, 124000 octets): Unbound and BIND cannot check" \
	"$GW_TMP/gateway.log"

unbound_start good $Z. "$state/trust-anchor.ds"
ub _scan._tcp.lan.$Z. PTR
expect "Unbound: the 800 PTRs, 60 000 octets, validated (AD)" dig_has_flag ad
expect "Unbound: all 800 PTRs" \
	test "$(grep -Ec '^_scan\._tcp\.lan\.dnssd\.test\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+PTR[[:space:]]' "$GW_TMP/last")" -eq 800

kdig @127.0.0.1 -p "$GW_PORT" +time=5 AXFR $Z. +noall +answer >"$GW_TMP/gw.axfr" 2>&1 || true
ptrs() { awk -v o="$2" '$1 == o && $4 == "PTR"' "$1" | wc -l; }
expect "AXFR: all 800 scanner PTRs" test "$(ptrs "$GW_TMP/gw.axfr" _scan._tcp.lan.$Z.)" -eq 800
expect "AXFR: all 1000 printer PTRs" test "$(ptrs "$GW_TMP/gw.axfr" _print._tcp.lan.$Z.)" -eq 1000
expect "AXFR: not ended by the gateway" \
	bash -c "! grep -q 'AXFR aborted' '$GW_TMP/gateway.log'"
# Every RRset's signatures, by dnspython (python3-cryptography does the
# ECDSA): it checks RRsets of any size.
/usr/bin/python3 - "$GW_TMP/gw.axfr" $Z. >"$GW_TMP/verify" 2>&1 <<'PY' && rc=0 || rc=$?
import sys, time
import dns.dnssec, dns.name, dns.rdatatype, dns.zone
zone = dns.zone.from_file(sys.argv[1], origin=sys.argv[2], relativize=False, check_origin=False)
origin = dns.name.from_text(sys.argv[2])
keys = {origin: zone.get_rdataset(origin, "DNSKEY")}
checked = bad = 0
for name, node in zone.nodes.items():
    for rds in node.rdatasets:
        if rds.rdtype == dns.rdatatype.RRSIG:
            continue
        sigs = node.get_rdataset(rds.rdclass, dns.rdatatype.RRSIG, rds.rdtype)
        try:
            dns.dnssec.validate((name, rds), (name, sigs), keys, now=time.time())
            checked += 1
        except Exception as e:
            bad += 1
            print(f"{name} {dns.rdatatype.to_text(rds.rdtype)}: {e}")
print(f"{checked} RRsets validated, {bad} not")
sys.exit(1 if bad or checked < 10 else 0)
PY
expect "AXFR: every RRset's signature good ($(tail -n 1 "$GW_TMP/verify"))" test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$GW_TMP/verify" >&2

{
	knot_conf_base "$KNOT_DIR" "127.0.0.1@$KNOT_PORT"
	cat <<KNOT
remote:
  - id: gateway
    address: 127.0.0.1@$GW_FIXED_PORT
acl:
  - id: checker
    address: 127.0.0.1
    action: transfer
zone:
  - domain: $Z.
    master: gateway
    acl: [checker]
KNOT
} >"$KNOT_DIR/knot.conf"
knotd -c "$KNOT_DIR/knot.conf" >"$KNOT_DIR/stdout.log" 2>&1 &
KNOT_PID=$!
serial_at() { kdig @127.0.0.1 -p "$1" +time=1 +retry=0 SOA $Z. +short 2>/dev/null | awk '{print $3}'; }
want=$(serial_at "$GW_FIXED_PORT")
for _ in $(seq 1 100); do
	[ -n "$want" ] && [ "$(serial_at "$KNOT_PORT")" = "$want" ] && break
	sleep 0.1
done
expect "Knot took the zone (serial $want)" test "$(serial_at "$KNOT_PORT")" = "$want"
# Knot serves the zone first and writes its file a moment later.
for _ in $(seq 1 50); do
	grep -q "^;; Written" "$KNOT_DIR/$Z.zone" 2>/dev/null && break
	sleep 0.1
done
# Knot cannot send the RRset too big for a message on (its outgoing
# AXFR fails), so its copy is read from the zone file it writes.
/usr/bin/python3 - "$GW_TMP/gw.axfr" "$KNOT_DIR/$Z.zone" $Z. >"$GW_TMP/same" 2>&1 <<'PY' && rc=0 || rc=$?
import sys
import dns.zone
def rrs(path):
    z = dns.zone.from_file(path, origin=sys.argv[3], relativize=False, check_origin=False)
    return {(n.to_text().lower(), rds.ttl, rd.to_text().lower(), rds.rdtype)
            for n, node in z.nodes.items() for rds in node.rdatasets for rd in rds}
gw, knot = rrs(sys.argv[1]), rrs(sys.argv[2])
print(f"{len(gw)} RRs at the gateway, {len(knot)} at Knot, {len(gw ^ knot)} differ")
sys.exit(0 if gw == knot and len(gw) > 1900 else 1)
PY
expect "Knot's copy equals the gateway's ($(cat "$GW_TMP/same"))" test "$rc" -eq 0
if [ "$FAILED" -gt 0 ]; then
	tail -20 "$KNOT_DIR/knot.log" >&2 || true
	tail -20 "$GW_TMP/gateway.log" >&2 || true
fi
gw_finish
