#!/usr/bin/env bash
# Key rollovers through the whole chain of trust (chain.sh): the gateway's
# zone delegated from a signed parent on NSD, the registrar copying the
# gateway's CDS into the parent's DS (one scan a second), the gateway
# confirming the new DS by itself (dnssec.policy.ds-check asks the
# parent's server every second), services coming and going on the mDNS
# link, and Unbound validating from the root. Accelerated timing: every
# TTL in the zone 2 s (mirrored records too: mdns.ttl-cap), dnskey-ttl 2,
# propagation delays 1 s, signature validity 10 minutes, parent-ds-ttl the
# parent's real DS TTL (CHAIN_DS_TTL).
#
# For each rollover a probe asks Unbound every 100 ms for www, the DNSKEY
# RRset, a mirrored service's PTR and SRV and a name that does not exist:
# zero SERVFAIL, every answer AD. At every step the rollover takes (the
# keys JSON polled every 0.2 s) delv says "fully validated" and the zone
# (AXFR) passes ldns-verify-zone and dnssec-verify; the steps are exactly
# the documented ones (docs/keys.md); the parent's DS follows: old and new
# during ds-wait/ds-seen, the new one only at the end (an algorithm
# rollover's CDS names the new key only: the parent replaces the DS).
#
# GW_CHAIN_ROLL=ksk-zsk (this file's default): keys: ksk-zsk, a ZSK, a KSK
# and an algorithm rollover (ECDSAP256SHA256 -> ED25519, KSK and ZSK
# together). GW_CHAIN_ROLL=csk (test_chain_rollover_csk_alg.sh): keys: csk,
# a CSK and an algorithm rollover.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/chain.sh"
# roll_dnssec_yaml: the accelerated timing of the other rollover tests.
source "$GW_INTEGRATION_DIR/rollover.sh"
KEYS=${GW_CHAIN_ROLL:-ksk-zsk}
case $KEYS in
csk | ksk-zsk) ;;
*) echo "FAIL: GW_CHAIN_ROLL must be csk or ksk-zsk" >&2; exit 1 ;;
esac
# Each rollover must end within this many seconds (with these timings one
# takes 10..30 s).
ROLL_LIMIT=90

chain_setup
Z=$CHAIN_ZONE
STATE="$GW_TMP/state"
cfg=$(chain_gw_config "$(roll_dnssec_yaml "$KEYS" "$CHAIN_DS_TTL")
    ds-check: [\"$CHAIN_PARENT4\"]
    ds-check-interval: 1s
mdns: {warm-up: 0s, ttl-cap: 2s}")
# The zone with TTLs of 2 s (chain_gw_config's has 60 s): the largest TTL
# sets how long a rollover waits for old signatures (Iret).
cat >"$CHAIN_DIR/zone" <<ZONE
\$ORIGIN $Z
@ 2 IN SOA ns hostmaster 1 60 30 600 2
@ 2 IN NS ns
ns 2 IN A $CHAIN_GW4
www 2 IN A 192.0.2.80
ZONE
chain_start_gateway "$cfg"

# The parent starts with the gateway's DS; from then on the registrar
# follows the CDS.
chain_parent_set_ds "$STATE/trust-anchor.ds"
chain_unbound_flush
chain_registrar_start 1
chain_pub_start
gw_dig() { chain_in dig @"$CHAIN_GW4" +norec +short +time=2 +tries=1 "$@" 2>/dev/null; }
topo_wait 20 bash -c "ip netns exec $CHAIN_NS dig @$CHAIN_GW4 +norec +short _ipp._tcp.lan.$Z PTR | grep -q ." ||
	true
INST=$(gw_dig "_ipp._tcp.lan.$Z" PTR | head -n 1)
expect "the printer on the link is mirrored (browse PTR: $INST)" test -n "$INST"
expect "... with its SRV" bash -c "ip netns exec $CHAIN_NS dig @$CHAIN_GW4 +norec +short '$INST' SRV | grep -q ' 631 '"
chain_dig "www.$Z" A
expect "before any rollover: www NOERROR with AD" bash -c "[ \"\$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' '$GW_TMP/last')\" = NOERROR ] && grep -q '^;; flags:[^;]* ad[ ;]' '$GW_TMP/last'"
expect "before any rollover: delv fully validated" chain_delv "www.$Z" A
chain_verify_zone && rc=0 || rc=$?
expect "before any rollover: the zone passes ldns-verify-zone and dnssec-verify" test "$rc" -eq 0
expect "the largest TTL in the zone is 2 s (mirrored records included)" \
	bash -c "[ \"\$(awk '{print \$2}' '$CHAIN_DIR/axfr-$CHAIN_VERIFY_N.zone' | sort -n | tail -n 1)\" = 2 ]"
chain_churn_start

roll_step() { chain_ctl --json keys 2>/dev/null | jq -r 'if .rollover == null then "none" else .rollover.step end'; }
serial() { gw_dig "$Z" SOA | awk '{print $3}'; }
ds_algs() { chain_parent_ds | awk '{print $2}' | sort -u | xargs; }

# check_step LABEL STEP: delv validates www and the printer's SRV, and the
# zone verifies; failures are counted in BAD_STEPS.
check_step() {
	local what="$1 ($2)"
	if ! chain_delv "www.$Z" A; then
		BAD_STEPS=$((BAD_STEPS + 1))
		echo "    $what: delv www.$Z A did not validate:" >&2
		sed 's/^/    | /' "$GW_TMP/last" | head -n 15 >&2
	fi
	if ! chain_delv "$INST" SRV; then
		BAD_STEPS=$((BAD_STEPS + 1))
		echo "    $what: delv $INST SRV did not validate:" >&2
		sed 's/^/    | /' "$GW_TMP/last" | head -n 15 >&2
	fi
	if ! chain_verify_zone; then
		BAD_STEPS=$((BAD_STEPS + 1))
		echo "    $what: the zone does not verify (axfr-$CHAIN_VERIFY_N.zone):" >&2
		sed 's/^/    | /' "$GW_TMP/last" | head -n 15 >&2
	fi
	STEP_CHECKS=$((STEP_CHECKS + 1))
}

# roll LABEL "STEPS" ARGS...: dnssd-gatewayctl rollover ARGS while the
# probe runs; follow it to its end (bounded by ROLL_LIMIT), checking at
# each step; expect exactly STEPS. Sets OLD_TAG, NEW_TAG, BOTH_SEEN (the
# parent's tags when it served two DS during ds-wait or ds-seen) and
# TAG_SETS (every DS tag set the parent served, in order).
roll() {
	local label=$1 want=$2 s tags last="" seq="" log deadline t0 s0 s1 reg0
	shift 2
	log="$CHAIN_DIR/roll-$label.log"
	BAD_STEPS=0
	STEP_CHECKS=0
	BOTH_SEEN=""
	TAG_SETS=""
	local last_tags="-"
	s0=$(serial)
	reg0=$(wc -l <"$CHAIN_DIR/registrar.log")
	chain_probe_start "www.$Z/A" "$Z/DNSKEY" "_ipp._tcp.lan.$Z/PTR" "$INST/SRV" "nothing-here.$Z/A"
	sleep 1
	t0=$SECONDS
	chain_ctl rollover "$@" >"$GW_TMP/out" 2>&1 && rc=0 || rc=$?
	expect "$label: rollover $* accepted" test "$rc" -eq 0 || cat "$GW_TMP/out" >&2
	local j
	j=$(chain_ctl --json keys 2>/dev/null)
	OLD_TAG=$(jq -r '.rollover.old_tag // empty' <<<"$j")
	NEW_TAG=$(jq -r '.rollover.new_tag // empty' <<<"$j")
	deadline=$((SECONDS + ROLL_LIMIT))
	while [ "$SECONDS" -lt "$deadline" ]; do
		s=$(roll_step)
		[ -n "$s" ] || s="?"
		tags=$(chain_parent_tags)
		echo "$(date +%T.%N) step=$s parent=[$tags]" >>"$log"
		if [ "$tags" != "$last_tags" ]; then
			TAG_SETS="$TAG_SETS [$tags]"
			last_tags=$tags
		fi
		case $s in
		ds-wait | ds-seen) [ "$(wc -w <<<"$tags")" -lt 2 ] || BOTH_SEEN=$tags ;;
		esac
		if [ "$s" != "$last" ]; then
			seq="$seq $s"
			last=$s
			check_step "$label" "$s"
		fi
		[ "$s" != none ] || break
		sleep 0.2
	done
	ROLL_SECS=$((SECONDS - t0))
	echo "    $label: steps$seq in $ROLL_SECS s; parent DS tags$TAG_SETS"
	expect "$label: the rollover ends within $ROLL_LIMIT s ($ROLL_SECS s)" test "$last" = none
	expect "$label: it took exactly the steps$want (saw$seq)" test "$seq" = "$want none"
	# check_step showed each failure already.
	: >"$GW_TMP/last"
	expect "$label: delv fully validated and the zone verified at each of the $STEP_CHECKS steps ($BAD_STEPS failures)" \
		test "$BAD_STEPS" -eq 0
	s1=$(serial)
	expect "$label: mDNS changes went on meanwhile (serial $s0 -> $s1)" test "$((s1 - s0))" -ge 5
	expect "$label: the registrar refused nothing" \
		bash -c "! tail -n +$((reg0 + 1)) '$CHAIN_DIR/registrar.log' | grep -q refused"
}

# end_roll LABEL: once the parent serves its final DS, let Unbound's cached
# DS expire (CHAIN_DS_TTL) with the probe still running, then stop it and
# check once more.
end_roll() {
	sleep "$((CHAIN_DS_TTL + 1))"
	chain_probe_stop "$1: the probe through the whole rollover (zero SERVFAIL, every answer AD)"
	expect "$1: the probe got NOERROR and NXDOMAIN answers" \
		bash -c "grep -q NOERROR '$CHAIN_PROBE_LOG' && grep -q NXDOMAIN '$CHAIN_PROBE_LOG'"
	expect "$1: delv fully validated afterwards" chain_delv "www.$Z" A
	chain_verify_zone && rc=0 || rc=$?
	expect "$1: the zone verifies afterwards" test "$rc" -eq 0
}

# new_only TAG: the parent's DS names TAG alone.
new_only() { chain_wait_parent_tags 20 "$1"; }

# double_ds KIND "STEPS": a KSK or CSK rollover; the parent's DS goes from
# the old key's to both, then to the new key's.
double_ds() {
	local kind=$1 ds0 both
	ds0=$(chain_parent_tags)
	roll "$kind" "$2" "$kind"
	expect "$kind: the parent started with the old key's DS ($ds0, old $OLD_TAG)" test "$ds0" = "$OLD_TAG"
	both=$(printf '%s\n' "$OLD_TAG" "$NEW_TAG" | sort -n | xargs)
	expect "$kind: the parent served old and new DS during ds-wait/ds-seen ($BOTH_SEEN)" \
		test "$BOTH_SEEN" = "$both"
	chain_wait_parent_tags 20 "$NEW_TAG" || true
	expect "$kind: then the new one only ($(chain_parent_tags), new $NEW_TAG)" \
		test "$(chain_parent_tags)" = "$NEW_TAG"
	end_roll "$kind"
}

# algorithm: ECDSAP256SHA256 -> ED25519, every key replaced. The CDS names
# the new key only: the parent replaces the DS, never going without one.
algorithm() {
	local ds0
	ds0=$(chain_parent_tags)
	expect "algorithm: the parent starts with one ECDSAP256SHA256 DS ($ds0: $(ds_algs))" \
		test "$(ds_algs)" = 13 -a "$(wc -w <<<"$ds0")" -eq 1
	roll algorithm " sign publish ds-wait ds-seen retire" algorithm ed25519
	ed_only() { [ "$(ds_algs)" = 15 ] && [ "$(chain_parent_ds | wc -l)" -eq 1 ]; }
	topo_wait 20 ed_only || true
	expect "algorithm: the parent's DS is now one ED25519 DS ($(chain_parent_tags): $(ds_algs))" ed_only
	expect "algorithm: the parent's DS went old -> new ($TAG_SETS)" \
		test "$TAG_SETS" = " [$ds0] [$(chain_parent_tags)]" -o "$TAG_SETS" = " [$ds0]"
	local algs
	algs=$(gw_dig "$Z" DNSKEY | awk '{print $3}' | sort -u | xargs)
	expect "algorithm: every DNSKEY is ED25519 now ($algs)" test "$algs" = 15
	end_roll algorithm
}

if [ "$KEYS" = ksk-zsk ]; then
	# ZSK pre-publish: the parent is not involved.
	ds0=$(chain_parent_tags)
	roll zsk " publish active retire" zsk
	expect "zsk: the parent's DS never changed ($ds0; saw$TAG_SETS)" test "$TAG_SETS" = " [$ds0]"
	end_roll zsk
	double_ds ksk " publish ds-wait ds-seen retire"
else
	double_ds csk " publish ds-wait ds-seen active retire"
fi
algorithm

chain_churn_stop
expect "the churn made changes ($CHAIN_CHURN_CHANGES acknowledged by the publisher)" test "${CHAIN_CHURN_CHANGES:-0}" -ge 20
chain_registrar_stop
expect "Unbound logged no validation failure" \
	bash -c "! grep -q 'validation failure' '$CHAIN_DIR/unbound/unbound.log'"
expect "the gateway logged no error" bash -c "! grep -q ' error: ' '$GW_TMP/gateway.log'"

gw_finish
