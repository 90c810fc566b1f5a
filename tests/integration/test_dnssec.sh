#!/usr/bin/env bash
# Online signing, end to end: the AXFR of the signed zone passes
# ldns-verify-zone and BIND's dnssec-verify; delv with the trust anchor
# the gateway wrote reports "fully validated" for a positive answer,
# NXDOMAIN, NODATA and a wildcard; Unbound validating through a stub zone
# returns AD for each, and SERVFAIL with a wrong trust anchor. Then kill -9
# in the middle of a stream of changes: same keys, a higher serial, the
# zone still validates with the same anchor.
#
# GW_DENIAL=nsec3 runs all of it on an NSEC3 zone (test_dnssec_nsec3.sh).
source "$(dirname "$0")/lib.sh"
DENIAL=${GW_DENIAL:-nsec}
case $DENIAL in
nsec) PROOF="IN[[:space:]]NSEC[[:space:]]" ;;
nsec3) PROOF="IN[[:space:]]NSEC3[[:space:]]" ;;
*) echo "FAIL: GW_DENIAL must be nsec or nsec3" >&2; exit 1 ;;
esac
for tool in ldns-verify-zone dnssec-verify delv unbound dig; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (scripts/setup.sh)" >&2; exit 1; }
done

Z=dnssd.test
cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
cfg=$(gw_config dnssec "zone: {domain: $Z., file: $GW_TMP/zone}
dnssec: {enable: true, denial: $DENIAL}")
gw_start "$cfg"
state="$GW_TMP/state"

expect "keys are private (0600)" bash -c "[ -n \"\$(ls '$state'/keys/*.pem)\" ] && ! find '$state/keys' -name '*.pem' -perm /077 | grep -q ."
expect "state directory is 0700" bash -c "[ \$(stat -c %a '$state') = 700 ]"
expect "DS file written" grep -q "IN[[:space:]]*DS" "$state/ds"
expect "DS logged" grep -q "DS" "$GW_TMP/gateway.log"

axfr_check() { # LABEL
	kdig @127.0.0.1 -p "$GW_PORT" +time=10 AXFR $Z. +noall +answer >"$GW_TMP/axfr.txt" 2>&1 || true
	sed '$d' "$GW_TMP/axfr.txt" >"$GW_TMP/axfr.zone"
	ldns-verify-zone "$GW_TMP/axfr.zone" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
	expect "$1: ldns-verify-zone accepts the AXFR" test "$rc" -eq 0
	dnssec-verify -z -o $Z. "$GW_TMP/axfr.zone" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
	expect "$1: dnssec-verify accepts the AXFR" test "$rc" -eq 0
}
axfr_check "after load"

q www.$Z. A +dnssec
expect "DO: RRSIG in the answer" has_text "RRSIG A 13"
q nothing.$Z. A +dnssec
expect "DO: NXDOMAIN carries $DENIAL proofs" grep -Eq "$PROOF" "$GW_TMP/last"
if [ "$DENIAL" = nsec3 ]; then
	expect "DO: NXDOMAIN has no NSEC" bash -c "! grep -Eq 'IN[[:space:]]NSEC[[:space:]]' '$GW_TMP/last'"
	q $Z. NSEC3PARAM +dnssec
	expect "NSEC3PARAM: RFC 9276 parameters (SHA-1, no flags, 0 iterations, no salt)" grep -Eq "NSEC3PARAM[[:space:]]+1 0 0 -" "$GW_TMP/last"
	q nothing.$Z. A +dnssec
	expect "NXDOMAIN: three NSEC3 (closest encloser, next closer, wildcard)" test "$(grep -Ec "$PROOF" "$GW_TMP/last")" -eq 3
fi
q www.$Z. A
expect "no DO: no RRSIG" lacks_text "RRSIG"

delv_check() { # LABEL NAME TYPE EXPECTED-TEXT
	delv @127.0.0.1 -p "$GW_PORT" -a "$state/trust-anchor.conf" +root=$Z. "$2" "$3" >"$GW_TMP/last" 2>&1 || true
	expect "delv: $1" grep -q "$4" "$GW_TMP/last"
}
delv_check "positive answer fully validated" "www.$Z." A "; fully validated"
delv_check "SRV of a printer fully validated" 'Office\032Printer\032(2nd\032floor)._ipp._tcp.lan.dnssd.test.' SRV "; fully validated"
delv_check "NXDOMAIN fully validated" "nothing.$Z." A "; negative response, fully validated"
delv_check "NODATA fully validated" "www.$Z." AAAA "; negative response, fully validated"
delv_check "empty non-terminal NODATA fully validated" "_tcp.lan.$Z." A "; negative response, fully validated"
delv_check "wildcard answer fully validated" "any.wild.$Z." TXT "; fully validated"
delv_check "wildcard NODATA fully validated" "any.wild.$Z." A "; negative response, fully validated"

unbound_start good $Z. "$state/trust-anchor.ds"
ub www.$Z. A
expect "Unbound: positive answer with AD" dig_has_flag ad
ub 'Office\032Printer\032(2nd\032floor)._ipp._tcp.lan.dnssd.test.' SRV
expect "Unbound: SRV with AD" dig_has_flag ad
ub _ipp._tcp.lan.$Z. PTR
expect "Unbound: browse PTR with AD" dig_has_flag ad
ub nothing.$Z. A
expect "Unbound: NXDOMAIN" test "$(dig_status)" = NXDOMAIN
expect "Unbound: NXDOMAIN with AD" dig_has_flag ad
ub www.$Z. AAAA
expect "Unbound: NODATA with AD" dig_has_flag ad
expect "Unbound: NODATA is NOERROR" test "$(dig_status)" = NOERROR

# A trust anchor that does not match: validation must fail.
sed 's/\([0-9A-Fa-f]\{8\}\)$/00000000/' "$state/trust-anchor.ds" >"$GW_TMP/wrong.ds"
expect "the wrong anchor differs" bash -c "! cmp -s '$state/trust-anchor.ds' '$GW_TMP/wrong.ds'"
unbound_start wrong $Z. "$GW_TMP/wrong.ds"
ub www.$Z. A
expect "Unbound with a wrong trust anchor: SERVFAIL" test "$(dig_status)" = SERVFAIL
unbound_stop_all

# A stream of zone changes (reloads), killed with -9 in the middle.
ds_before=$(cat "$state/ds")
q $Z. SOA +short
serial_before=$(awk '{print $3}' "$GW_TMP/last")
for i in $(seq 1 20); do
	echo "stream$i IN A 192.0.2.$((100 + i))" >>"$GW_TMP/zone"
	kill -HUP "$GW_PID"
	sleep 0.05
done
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null || true
GW_PID=""
q_last_serial=$serial_before
gw_start "$cfg"
q $Z. SOA +short
serial_after=$(awk '{print $3}' "$GW_TMP/last")
expect "after kill -9: same keys (same DS)" test "$ds_before" = "$(cat "$state/ds")"
expect "after kill -9: serial $serial_after > $serial_before" test "$serial_after" -gt "$serial_before"
axfr_check "after kill -9"
delv_check "after kill -9: still validates with the same anchor" "stream20.$Z." A "; fully validated"
# The signatures served before the restart are taken over (the journal
# has that zone), so the restart signs little and its IXFR diff is small.
kept=$(grep -o '[0-9]* RRsets\? kept the signatures' "$GW_TMP/gateway.log" | tail -1 | awk '{print $1}')
expect "restart: earlier signatures taken over ($kept RRsets)" test "${kept:-0}" -gt 20
added=$(grep -o 'restart diff [0-9]* -> [0-9]*: [0-9]* RRs removed, [0-9]* added' "$GW_TMP/gateway.log" | tail -1 | awk '{print $9}')
expect "restart: the IXFR diff is small (${added:-?} RRs added)" test "${added:-999}" -lt 20

# A clean restart keeps them too, and everything still verifies.
gw_stop
gw_start "$cfg"
kept2=$(grep -o '[0-9]* RRsets\? kept the signatures' "$GW_TMP/gateway.log" | tail -1 | awk '{print $1}')
expect "clean restart: all signatures but the SOA's kept ($kept2 RRsets)" test "${kept2:-0}" -ge "$kept"
axfr_check "after a clean restart"
delv_check "after a clean restart: validates" "stream20.$Z." A "; fully validated"

# A key file that disappeared: refuse to start, never a new key.
gw_stop
mv "$state"/keys/*.pem "$GW_TMP/"
"$GW_BIN" -c "$cfg" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "missing key file: the daemon refuses to start" test "$rc" -ne 0
expect "missing key file: no new key made" bash -c "! ls '$state'/keys/*.pem >/dev/null 2>&1"

gw_finish
