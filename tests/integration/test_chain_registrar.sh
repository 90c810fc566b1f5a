#!/usr/bin/env bash
# The registrar of chain.sh (chain_registrar.py) against a child whose
# CDS/CDNSKEY the test controls: a zone signed with ldns-signzone, served
# by NSD where the gateway would be (192.0.2.3). The rollover tests trust
# it to do what an RFC 7344 / RFC 8078 parent does, so here it must:
#   - follow a KSK rollover by double DS: add the new key's DS while the
#     old one still signs, then drop the old DS; Unbound validates
#     throughout (a probe every 100 ms);
#   - refuse a DNSKEY RRset that no key of the current DS signs, a CDS and
#     CDNSKEY that disagree, and a CDS naming a key that does not sign the
#     DNSKEY RRset, and leave the parent's DS alone each time;
#   - apply CDS 0 0 0 00 / CDNSKEY 0 3 0 AA== (DELETE) by removing the DS:
#     the child becomes insecure (answers without AD, never SERVFAIL).
# And the RFC 5011 Unbound of chain.sh (chain_5011_start) with a shortened
# hold-down: a newly published key goes ADDPEND, then VALID no sooner than
# the hold-down.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/chain.sh"

chain_setup
Z=$CHAIN_ZONE
CD="$CHAIN_DIR/child"
mkdir -p "$CD"
K1=$(chain_key "$CD" "$Z")
K2=$(chain_key "$CD" "$Z")
serial=1

# The records of a key (BASENAME), with TTLs of 5 s so that caches follow
# the steps quickly.
ds_of() { ldns-key2ds -n -2 "$1.key" | awk '{$2 = 5; print}'; }
cds_of() { ds_of "$1" | awk '{$4 = "CDS"; print}'; }
# ldns-keygen's .key: "NAME IN DNSKEY RDATA ;{comment}", no TTL.
dnskey_of() { sed 's/;.*//' "$1.key" | awk '$3 == "DNSKEY" {$2 = "5 IN"; $3 = "DNSKEY"; print}'; }
cdnskey_of() { dnskey_of "$1" | awk '{$4 = "CDNSKEY"; print}'; }

# child SIGNERS -- RECORDS...: the child's zone with the RECORDS lines
# (DNSKEY, CDS, CDNSKEY as the step needs), signed by the keys SIGNERS
# (basenames; only their signatures, no DNSKEY added: ldns-signzone -d),
# then served by NSD (started, or reloaded until it serves the serial).
CHILD_PID=""
child() {
	local signers=() r
	while [ "$1" != -- ]; do
		signers+=("$1")
		shift
	done
	shift
	serial=$((serial + 1))
	{
		echo "$Z 60 IN SOA ns.$Z hostmaster.$Z $serial 60 30 600 5"
		echo "$Z 60 IN NS ns.$Z"
		echo "ns.$Z 60 IN A $CHAIN_GW4"
		echo "www.$Z 10 IN A 192.0.2.80"
		for r in "$@"; do
			echo "$r"
		done
	} >"$CD/zone"
	ldns-signzone -d -e "$(date -u -d '+1 day' +%Y%m%d%H%M%S)" -i "$(date -u -d '-1 hour' +%Y%m%d%H%M%S)" \
		-f "$CD/zone.signed.tmp" "$CD/zone" "${signers[@]}" || chain_die "cannot sign the child"
	mv "$CD/zone.signed.tmp" "$CD/zone.signed"
	if [ -z "$CHILD_PID" ]; then
		chain_nsd child "$CHAIN_GW4" "$Z"
		CHILD_PID=$CHAIN_BG_PID
	fi
	local i
	for i in $(seq 1 50); do
		[ $((i % 10)) = 1 ] && kill -HUP "$CHILD_PID"
		[ "$(chain_in dig @"$CHAIN_GW4" +norec +short "$Z" SOA | awk '{print $3}')" = "$serial" ] && return 0
		sleep 0.1
	done
	chain_die "the child's NSD did not load serial $serial"
}
parent_tags() { chain_parent_tags; }
tag() { basename "$1" | sed 's/.*+0*//'; }
T1=$(tag "$K1")
T2=$(tag "$K2")

# ---- a secure child with K1 --------------------------------------------------
child "$K1" -- "$(dnskey_of "$K1")" "$(cds_of "$K1")" "$(cdnskey_of "$K1")"
ds_of "$K1" >"$CHAIN_DIR/k1.ds"
chain_parent_set_ds "$CHAIN_DIR/k1.ds"
chain_registrar_once && rc=0 || rc=$?
expect "K1 only: in step (status $rc)" test "$rc" -eq 0
chain_dig "www.$Z" A
expect "K1 only: Unbound validates the child" bash -c "grep -q 'status: NOERROR' '$GW_TMP/last' && grep -q '^;; flags:[^;]* ad[ ;]' '$GW_TMP/last'"

# ---- KSK rollover, double DS, with the registrar's loop and a probe ---------
chain_registrar_start 0.5
chain_probe_start "www.$Z/A" "$Z/DNSKEY" "nothing.$Z/A"
# 1. The new key is published and signs too; CDS names both.
child "$K1" "$K2" -- "$(dnskey_of "$K1")" "$(dnskey_of "$K2")" \
	"$(cds_of "$K1")" "$(cds_of "$K2")" "$(cdnskey_of "$K1")" "$(cdnskey_of "$K2")"
chain_wait_parent_tags 10 "$T1" "$T2" || true
expect "rollover step 1: the parent has both DS ($(parent_tags))" test "$(chain_parent_ds | wc -l)" -eq 2
# Wait out the DS TTL and the old DNSKEY TTL before the old key goes.
sleep "$((CHAIN_DS_TTL + 1))"
# 2. Only the new key signs; CDS names only it. The old DNSKEY stays
# published until the parent has dropped its DS.
child "$K2" -- "$(dnskey_of "$K1")" "$(dnskey_of "$K2")" "$(cds_of "$K2")" "$(cdnskey_of "$K2")"
chain_wait_parent_tags 10 "$T2" || true
expect "rollover step 2: the parent has only the new DS ($(parent_tags))" test "$(parent_tags)" = "$T2"
sleep "$((CHAIN_DS_TTL + 1))"
# 3. The old DNSKEY goes.
child "$K2" -- "$(dnskey_of "$K2")" "$(cds_of "$K2")" "$(cdnskey_of "$K2")"
sleep 2
chain_probe_stop "the double-DS KSK rollover through the registrar"
chain_registrar_stop
expect "the registrar applied the rollover in two changes" \
	test "$(grep -c "applied (from the child's CDS)" "$CHAIN_DIR/registrar.log")" -eq 2
expect "delv after the rollover: fully validated" chain_delv "www.$Z" A

# ---- refusals: the parent's DS stays ----------------------------------------
K3=$(chain_key "$CD" "$Z")
T3=$(tag "$K3")
# refused CASE SIGNERS -- RECORDS...: the registrar refuses with CASE in
# its log, and the parent keeps K2's DS.
refused() {
	local what=$1
	shift
	child "$@"
	chain_registrar_once && rc=0 || rc=$?
	expect "$what: refused (status $rc)" test "$rc" -eq 1
	expect "$what: ... with the reason in the log" bash -c "tail -n 1 '$CHAIN_DIR/registrar.log' | grep -q \"refused: $reason\""
	expect "$what: ... and the parent's DS unchanged ($(parent_tags))" test "$(parent_tags)" = "$T2"
}
reason="no valid RRSIG over the DNSKEY RRset (by a key in the current DS)"
refused "a DNSKEY RRset signed by K3 only (its DS is not at the parent)" "$K3" -- \
	"$(dnskey_of "$K2")" "$(dnskey_of "$K3")" "$(cds_of "$K3")" "$(cdnskey_of "$K3")"
reason="CDS .* and CDNSKEY .* disagree"
refused "CDS for K3, CDNSKEY for K2" "$K2" -- \
	"$(dnskey_of "$K2")" "$(dnskey_of "$K3")" "$(cds_of "$K3")" "$(cdnskey_of "$K2")"
reason="the new DS .* names no key that signs the child's DNSKEY RRset"
refused "CDS for K3, which is published but does not sign" "$K2" -- \
	"$(dnskey_of "$K2")" "$(dnskey_of "$K3")" "$(cds_of "$K3")" "$(cdnskey_of "$K3")"
expect "K3 ($T3) is not at the parent" bash -c "! grep -qw '$T3' <<<'$(parent_tags)'"

# ---- RFC 5011: a new key is trusted only after the hold-down ---------------
# An Unbound with the child as a trust point, started from K2's DS; K3 is
# then published (not signing): ADDPEND, and VALID once the hold-down
# (10 s here, 30 days in RFC 5011) has passed.
ds_of "$K2" >"$CHAIN_DIR/k2.ds"
chain_5011_start "$CHAIN_DIR/k2.ds" 10
chain_5011_dig "www.$Z" A
expect "RFC 5011: www NOERROR with AD from the K2 trust point" \
	bash -c "grep -q 'status: NOERROR' '$GW_TMP/last' && grep -q '^;; flags:[^;]* ad[ ;]' '$GW_TMP/last'"
state_is() { [ "$(chain_5011_state "$1")" = "$2" ]; } # TAG STATE
topo_wait 10 state_is "$T2" VALID || true
expect "RFC 5011: K2 ($T2) is VALID ($(chain_5011_state "$T2"))" state_is "$T2" VALID
child "$K2" -- "$(dnskey_of "$K2")" "$(dnskey_of "$K3")" "$(cds_of "$K2")" "$(cdnskey_of "$K2")"
t0=$SECONDS
topo_wait 15 state_is "$T3" ADDPEND || true
expect "RFC 5011: the new K3 ($T3) is seen and held (ADDPEND; $(chain_5011_state "$T3"))" state_is "$T3" ADDPEND
topo_wait 40 state_is "$T3" VALID || true
t1=$SECONDS
expect "RFC 5011: K3 becomes VALID after the hold-down ($((t1 - t0)) s; hold-down 10 s)" \
	bash -c "[ '$(chain_5011_state "$T3")' = VALID ] && [ $((t1 - t0)) -ge 10 ]"

# ---- DELETE: the child goes insecure ------------------------------------------
chain_probe_start --no-require-ad "www.$Z/A"
child "$K2" -- "$(dnskey_of "$K2")" "$Z 60 IN CDS 0 0 0 00" "$Z 60 IN CDNSKEY 0 3 0 AA=="
chain_registrar_once && rc=0 || rc=$?
expect "DELETE: accepted (status $rc)" test "$rc" -eq 0
expect "DELETE: the parent has no DS for the child" test -z "$(chain_parent_ds)"
expect "DELETE: logged" grep -q "applied (CDS/CDNSKEY DELETE" "$CHAIN_DIR/registrar.log"
# Answers validated before stay cached (with AD) for their TTL (www: 10 s).
insecure() {
	chain_dig "www.$Z" A
	grep -q 'status: NOERROR' "$GW_TMP/last" && ! grep -q '^;; flags:[^;]* ad[ ;]' "$GW_TMP/last"
}
topo_wait 15 insecure || true
expect "DELETE: once the cached answers expire the child is insecure (NOERROR, no AD)" insecure
# The probe asks every 100 ms; on a loaded machine its next answer after the
# expiry may still be on its way when dig has seen it: let it log one.
probe_saw_insecure() { grep -q ' NOERROR - ' "$CHAIN_PROBE_LOG"; }
topo_wait 5 probe_saw_insecure || true
chain_probe_stop "going insecure by DELETE (no SERVFAIL; AD not required)"
expect "DELETE: the probe saw the answers lose AD" bash -c "! grep -q ' 0 without AD' <<<'$CHAIN_PROBE_SUMMARY'"
chain_registrar_once && rc=0 || rc=$?
expect "DELETE: a scan of the now insecure child changes nothing (status $rc)" test "$rc" -eq 0 -a -z "$(chain_parent_ds)"

gw_finish
