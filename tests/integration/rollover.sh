# shellcheck shell=bash
# Shared by the rollover tests (after lib.sh): a zone with TTLs of
# seconds, the daemon started on it with accelerated rollover timing, and
# the control commands that follow a rollover's steps.

: "${GW_CTL:?GW_CTL must name dnssd-gatewayctl}"
for tool in delv ldns-verify-zone jq; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done

Z=dnssd.test
STATE=$GW_TMP/state

# roll_start [POLICY-LINES]: the zone in $GW_TMP/zone, the daemon started
# with keys: $ROLL_KEYS (default ksk-zsk), TTLs of 2 s and delays of 1 s,
# and POLICY-LINES (YAML lines indented by four spaces) added to
# dnssec.policy.
roll_start() {
	cat >"$GW_TMP/zone" <<ZONE
\$ORIGIN $Z.
@ 2 IN SOA ns hostmaster 100 3600 600 86400 2
@ 2 IN NS ns
ns 2 IN A 192.0.2.53
www 2 IN A 192.0.2.80
ZONE
	ROLL_CFG=$(gw_config roll "zone: {domain: $Z., file: $GW_TMP/zone}
$(roll_dnssec_yaml "${ROLL_KEYS:-ksk-zsk}" 2)
${1:-}")
	gw_start "$ROLL_CFG"
}

# roll_dnssec_yaml KEYS PARENT-DS-TTL: the dnssec: section of the
# accelerated timing (a zone with TTLs of 2 s: dnskey-ttl 2, delays of
# 1 s, signatures valid 10 minutes); YAML lines indented by four spaces
# may follow it in dnssec.policy. test_chain_rollover.sh uses it too.
roll_dnssec_yaml() {
	cat <<YAML
dnssec:
  keys: $1
  dnskey-ttl: 2
  signature-validity: 10m
  refresh: 5m
  jitter: 10s
  inception-offset: 1m
  policy:
    propagation-delay: 1s
    parent-ds-ttl: $2
    parent-propagation-delay: 1s
YAML
}

ctl() { "$GW_CTL" -s "$GW_TMP/control.sock" "$@"; }

# The step of the rollover under way, "none" without one.
step() { ctl --json keys | jq -r 'if .rollover == null then "none" else .rollover.step end'; }

# wait_step WANT SECONDS: poll the step until it is WANT (bounded).
wait_step() {
	local want=$1
	for _ in $(seq 1 $(($2 * 5))); do
		[ "$(step)" = "$want" ] && return 0
		sleep 0.2
	done
	echo "step is $(step), wanted $want" >&2
	return 1
}

# The parent's DS, as the test's registrar copied it last: the daemon's
# trust-anchor.conf, copied atomically (a watch loop may read it).
parent_copy() {
	cp "$STATE/trust-anchor.conf" "$GW_TMP/parent.tmp" && mv "$GW_TMP/parent.tmp" "$GW_TMP/parent.conf"
}

# delv from the daemon with the parent's DS as the anchor: "fully validated".
# Its output is in $DELV_OUT, a file per shell: watch_start's background
# loop validates while the test itself does. (Set before the command:
# bash expands a redirection after the fork, where BASHPID is the child's.)
validates() {
	DELV_OUT="$GW_TMP/delv.$BASHPID"
	delv -a "$GW_TMP/parent.conf" +root=$Z. @127.0.0.1 -p "$GW_PORT" www.$Z. A \
		>"$DELV_OUT" 2>&1 || true
	grep -q "; fully validated" "$DELV_OUT"
}

# The zone as served (AXFR) passes ldns-verify-zone.
verifies() {
	kdig @127.0.0.1 -p "$GW_PORT" +time=5 AXFR $Z. +noall +answer >"$GW_TMP/axfr.txt" 2>&1 || true
	sed '$d' "$GW_TMP/axfr.txt" >"$GW_TMP/axfr.zone"
	ldns-verify-zone "$GW_TMP/axfr.zone" >"$GW_TMP/verify" 2>&1
}

# watch_start: validate every 0.3 s in the background (bounded) until
# watch_stop; watch_stop LABEL then expects no failure and shows what
# delv said for the first ones.
watch_start() {
	: >"$GW_TMP/bad"
	: >"$GW_TMP/checks"
	rm -f "$GW_TMP/stop"
	(
		for _ in $(seq 1 2000); do
			[ -e "$GW_TMP/stop" ] && break
			validates || { date +%T.%N; cat "$DELV_OUT"; } >>"$GW_TMP/bad"
			echo >>"$GW_TMP/checks"
			sleep 0.3
		done
	) &
	WATCH=$!
}
watch_stop() {
	touch "$GW_TMP/stop"
	wait "$WATCH" || true
	local bad checks
	bad=$(grep -c "^[0-9][0-9]:" "$GW_TMP/bad" || true)
	checks=$(wc -l <"$GW_TMP/checks")
	expect "delv validated every answer $1 ($checks checks, $bad failures)" \
		test "$bad" -eq 0 -a "$checks" -ge 10
	[ "$bad" -eq 0 ] || head -40 "$GW_TMP/bad" >&2
}
