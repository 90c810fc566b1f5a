#!/usr/bin/env bash
# The chain of trust (chain.sh): a signed root and parent on NSD, the
# gateway's zone delegated from the parent, Unbound validating from the
# root's DS. With today's gateway (its keys never roll):
#   - without a DS at the parent the zone is insecure (no AD);
#   - with the DS from the gateway's trust-anchor file every answer
#     validates: a probe asks every 100 ms for ~10 s while services come
#     and go on the mDNS link; zero SERVFAIL, every answer AD; delv "fully
#     validated"; the zone (AXFR) passes ldns-verify-zone and dnssec-verify;
#   - the registrar copies the gateway's CDS into the parent's DS (a stale
#     extra DS goes), and refuses a CDS set when no current DS anchors it;
#   - the harness can fail: a wrong DS makes the probe see SERVFAIL, a
#     removed DS makes it see answers without AD, delv stops validating;
#   - RFC 5011: an Unbound with the zone as an auto-trust-anchor-file trust
#     point and a shortened hold-down accepts the zone's current key.
#
# GW_CHAIN_KEYS=ksk-zsk runs all of it with a KSK and a ZSK
# (test_chain_ksk_zsk.sh) instead of one CSK: the DS, CDS and CDNSKEY then
# name the KSK only, and dnssec-verify checks the key roles.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/chain.sh"
KEYS=${GW_CHAIN_KEYS:-csk}
case $KEYS in
csk | ksk-zsk) ;;
*) echo "FAIL: GW_CHAIN_KEYS must be csk or ksk-zsk" >&2; exit 1 ;;
esac

chain_setup
cfg=$(chain_gw_config "dnssec: {dnskey-ttl: 10, keys: $KEYS}")
chain_start_gateway "$cfg"
Z=$CHAIN_ZONE
STATE="$GW_TMP/state"
# The DS lines the gateway asks for, as the parent serves them.
gw_ds() {
	awk '$4 == "DS" {print $5, $6, $7, toupper($8)}' "$STATE/trust-anchor.ds" | sort
}

# ---- insecure until the parent has a DS -----------------------------------
chain_dig "www.$Z" A
expect "no DS at the parent: www answers NOERROR" test "$(dig_status)" = NOERROR
expect "no DS at the parent: ... without AD (insecure)" bash -c "! grep -q '^;; flags:[^;]* ad[ ;]' '$GW_TMP/last'"
expect "the gateway publishes CDS" \
	bash -c "ip netns exec $CHAIN_NS dig @$CHAIN_GW4 +norec +short $Z CDS | grep -q ' 2 '"
expect "the gateway publishes CDNSKEY" \
	bash -c "ip netns exec $CHAIN_NS dig @$CHAIN_GW4 +norec +short $Z CDNSKEY | grep -q '^257 3 13 '"
cds_count() { chain_in dig @"$CHAIN_GW4" +norec +short "$Z" "$1" | grep -c .; }
expect "CDS and CDNSKEY name one key, the one the DS names ($(cds_count CDS), $(cds_count CDNSKEY))" \
	test "$(cds_count CDS)" -eq 1 -a "$(cds_count CDNSKEY)" -eq 1
dnskeys=$(chain_in dig @"$CHAIN_GW4" +norec +short "$Z" DNSKEY | awk '{print $1}' | sort | tr '\n' ' ')
if [ "$KEYS" = csk ]; then
	expect "DNSKEY: one CSK ($dnskeys)" test "$dnskeys" = "257 "
else
	expect "DNSKEY: a KSK and a ZSK ($dnskeys)" test "$dnskeys" = "256 257 "
fi
chain_registrar_once && rc=0 || rc=$?
expect "registrar: no DS, no bootstrap: the CDS is refused (status $rc)" test "$rc" -eq 1
expect "registrar: ... and says why" grep -q "refused: the child has no DS" "$CHAIN_DIR/registrar.log"

# ---- the DS from the gateway's trust-anchor file --------------------------
chain_parent_set_ds "$STATE/trust-anchor.ds"
expect "the parent serves the gateway's DS" test "$(chain_parent_ds)" = "$(gw_ds)"
chain_unbound_flush
chain_dig "www.$Z" A
expect "with the DS: www answers NOERROR with AD" bash -c "[ \"\$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' '$GW_TMP/last')\" = NOERROR ] && grep -q '^;; flags:[^;]* ad[ ;]' '$GW_TMP/last'"
expect "delv: www fully validated from the root" chain_delv "www.$Z" A

# ---- the registrar copies the CDS ------------------------------------------
# A stale extra DS (of a key the child no longer has) beside the right one:
# the CDS names only the right one, so the registrar drops the stale one.
{
	cat "$STATE/trust-anchor.ds"
	echo "$Z 3600 IN DS 4711 13 2 $(printf '%064d' 0 | tr 0 a)"
} >"$GW_TMP/stale.ds"
chain_parent_set_ds "$GW_TMP/stale.ds"
expect "the parent serves two DS (one stale)" test "$(chain_parent_ds | wc -l)" -eq 2
chain_registrar_once && rc=0 || rc=$?
expect "registrar: the CDS is accepted (status $rc)" test "$rc" -eq 0
expect "registrar: it says it applied the child's CDS" grep -q "applied (from the child's CDS)" "$CHAIN_DIR/registrar.log"
expect "registrar: the parent's DS is now exactly the CDS" test "$(chain_parent_ds)" = "$(gw_ds)"
chain_registrar_once && rc=0 || rc=$?
expect "registrar: a second scan finds it in step" test "$rc" -eq 0
# A DS that anchors no key of the child: the CDS cannot be trusted.
sed 's/[0-9a-fA-F]\{8\}$/00000000/' "$STATE/trust-anchor.ds" >"$GW_TMP/wrong.ds"
chain_parent_set_ds "$GW_TMP/wrong.ds"
chain_registrar_once && rc=0 || rc=$?
expect "registrar: with a DS that matches no key, the CDS is refused (status $rc)" test "$rc" -eq 1
expect "registrar: ... it says the DS anchors no key" grep -q "refused: no key of the child's DNSKEY RRset matches the current DS" "$CHAIN_DIR/registrar.log"
expect "registrar: ... and left the parent's DS alone" test "$(chain_parent_ds | awk '{print $4}' | grep -c '00000000$')" -eq 1
chain_parent_set_ds "$STATE/trust-anchor.ds"
chain_unbound_flush

# ---- ~10 s of probing while services come and go -------------------------
chain_pub_start
chain_registrar_start 1
topo_wait 20 bash -c "ip netns exec $CHAIN_NS dig @$CHAIN_GW4 +norec +short 'printer.lan.$Z' A | grep -q 192.0.2.18" || true
expect "the printer on the link is mirrored" \
	bash -c "ip netns exec $CHAIN_NS dig @$CHAIN_GW4 +norec +short 'printer.lan.$Z' A | grep -q 192.0.2.18"
s0=$(chain_in dig @"$CHAIN_GW4" +norec +short "$Z" SOA | awk '{print $3}')
chain_churn_start
chain_probe_start "www.$Z/A" "$Z/SOA" "$Z/DNSKEY" "_http._tcp.lan.$Z/PTR" "printer.lan.$Z/A" \
	"nothing-here.$Z/A"
sleep 4
expect "delv during the churn: the browse PTR fully validated" chain_delv "_http._tcp.lan.$Z" PTR
sleep 4
expect "delv during the churn: a name that does not exist, fully validated" chain_delv "nothing-here.$Z" A
sleep 2
chain_probe_stop "~10 s of probing during mDNS churn"
chain_churn_stop
s1=$(chain_in dig @"$CHAIN_GW4" +norec +short "$Z" SOA | awk '{print $3}')
expect "the churn made changes ($CHAIN_CHURN_CHANGES acknowledged by the publisher)" test "${CHAIN_CHURN_CHANGES:-0}" -ge 20
expect "... and the zone followed them (serial $s0 -> $s1)" test "$((s1 - s0))" -ge 5
expect "the probe answered with both NOERROR and NXDOMAIN" bash -c "grep -q NOERROR '$CHAIN_PROBE_LOG' && grep -q NXDOMAIN '$CHAIN_PROBE_LOG'"
expect "the probe asked about 10 times a second (>= 300 answers for 6 names in 10 s)" \
	test "$(wc -l <"$CHAIN_PROBE_LOG")" -ge 300
chain_verify_zone && rc=0 || rc=$?
expect "the zone (AXFR) passes ldns-verify-zone and dnssec-verify" test "$rc" -eq 0
# registrar_loop_log: what the registrar's loop (the last "scanning" on)
# logged.
registrar_loop_log() {
	awk '/registrar: scanning/ {n = NR} {l[NR] = $0} END {for (i = n; i <= NR; i++) print l[i]}' \
		"$CHAIN_DIR/registrar.log"
}
# grep reads to the end: under pipefail, grep -q leaving early could kill
# awk with SIGPIPE, and loop_quiet pass on a log that is not quiet.
loop_in_step() { registrar_loop_log | grep 'in step: DS' >/dev/null; }
loop_quiet() { ! registrar_loop_log | grep 'applied\|refused' >/dev/null; }
expect "the registrar's loop found the parent in step" loop_in_step
expect "... and neither changed nor refused anything" loop_quiet
chain_registrar_stop
expect "Unbound logged no validation failure while the DS was right" \
	bash -c "! grep -q 'validation failure' '$CHAIN_DIR/unbound/unbound.log'"

# ---- the harness can fail ---------------------------------------------------
# A wrong DS: bogus, SERVFAIL.
chain_parent_set_ds "$GW_TMP/wrong.ds"
chain_unbound_flush
chain_probe_start "www.$Z/A" "$Z/SOA"
sleep 2
chain_probe_stop_rc && rc=0 || rc=$?
echo "    wrong DS: $(echo "$CHAIN_PROBE_SUMMARY" | head -n 1)"
expect "wrong DS: the probe fails (status $rc)" test "$rc" -eq 1
expect "wrong DS: ... and counts SERVFAIL" bash -c "grep -q 'SERVFAIL' <<<'$CHAIN_PROBE_SUMMARY' && ! grep -q ' 0 SERVFAIL' <<<'$CHAIN_PROBE_SUMMARY'"
chain_delv "www.$Z" A && rc=0 || rc=$?
expect "wrong DS: delv does not validate" test "$rc" -ne 0
expect "wrong DS: Unbound logs the validation failure" grep -q "validation failure <www.$Z A IN>" "$CHAIN_DIR/unbound/unbound.log"
# No DS: insecure, answers without AD.
chain_parent_set_ds "$CHAIN_DIR/empty.ds"
chain_unbound_flush
chain_probe_start "www.$Z/A"
sleep 1.5
chain_probe_stop_rc && rc=0 || rc=$?
echo "    no DS: $(echo "$CHAIN_PROBE_SUMMARY" | head -n 1)"
expect "no DS: the probe fails (status $rc)" test "$rc" -eq 1
expect "no DS: ... on answers without AD, not SERVFAIL" bash -c "grep -q ' 0 SERVFAIL' <<<'$CHAIN_PROBE_SUMMARY' && ! grep -q ' 0 without AD' <<<'$CHAIN_PROBE_SUMMARY'"
# And back.
chain_parent_set_ds "$STATE/trust-anchor.ds"
chain_unbound_flush
chain_probe_start "www.$Z/A"
sleep 1
chain_probe_stop "the right DS again"

# ---- RFC 5011: the zone as a trust point of its own -----------------------
chain_5011_start "$STATE/trust-anchor.ds" 10
chain_5011_dig "www.$Z" A
expect "RFC 5011 Unbound: www NOERROR with AD" \
	bash -c "grep -q 'status: NOERROR' '$GW_TMP/last' && grep -q '^;; flags:[^;]* ad[ ;]' '$GW_TMP/last'"
tag=$(awk '$4 == "DS" {print $5; exit}' "$STATE/trust-anchor.ds")
valid_5011() { [ "$(chain_5011_state "$tag")" = VALID ]; }
topo_wait 10 valid_5011 || true
expect "RFC 5011 Unbound: its trust point file holds key $tag as VALID ($(chain_5011_state "$tag"))" \
	test "$(chain_5011_state "$tag")" = VALID
expect "RFC 5011 Unbound: ... as a DNSKEY (it took the key over from the DS)" \
	grep -q "^$Z.*DNSKEY.*257 3 13" "$CHAIN_5011_FILE"
expect "the gateway logged no error" bash -c "! grep -q ' error: ' '$GW_TMP/gateway.log'"

# ---- kill -9 and a restart: the harness picks the gateway up again --------
# The probe runs through it; Unbound's caches are emptied while the
# gateway is down, so Unbound must ask the dead server. It retries until
# the gateway is back: an answer is late, not failed (the probe waits up
# to 8 s for it). A SERVFAIL for the unreachable gateway (EDE 22/23) would
# be allowed; anything bogus is not.
chain_probe_start --allow-unreachable --timeout 8 "www.$Z/A" "$Z/DNSKEY" "printer.lan.$Z/A"
sleep 0.5
chain_kill_gateway KILL
chain_unbound_flush
sleep 1.5
chain_start_gateway "$cfg"
# Under load Unbound may have marked the dead server down and cached the
# SERVFAILs (without a DNSSEC error) of the outage; what is checked here
# is that the restarted gateway's answers validate, not Unbound's backoff.
chain_unbound_flush
# Answers with AD again: three in a row logged after the restart, within
# 20 s (Unbound's backoff for the dead server ends at its next probe). The
# probe may still be waiting for a query sent while the gateway was down.
restart_line=$(wc -l <"$CHAIN_PROBE_LOG")
back_ad() {
	tail -n +"$((restart_line + 1))" "$CHAIN_PROBE_LOG" | tail -n 3 | grep -c ' NOERROR AD ' |
		grep -qx 3
}
for _ in $(seq 1 200); do
	back_ad && break
	sleep 0.1
done
chain_probe_stop "kill -9 and a restart (no answer, or SERVFAIL without a DNSSEC error, allowed while down)"
outage_seen() {
	grep -q 'EDE=2[23]' "$CHAIN_PROBE_LOG" ||
		awk '{sub("ms", "", $7); if ($7 + 0 >= 500) f = 1} END {exit !f}' "$CHAIN_PROBE_LOG"
}
expect "kill -9: the probe ran through the outage (an answer took >= 0.5 s, or Unbound said unreachable)" \
	outage_seen
expect "kill -9: ... and answers with AD again after the restart" back_ad ||
	tail -n 6 "$CHAIN_PROBE_LOG" | sed 's/^/    | /' >&2
chain_verify_zone && rc=0 || rc=$?
expect "after the restart the zone passes ldns-verify-zone and dnssec-verify" test "$rc" -eq 0

gw_finish
