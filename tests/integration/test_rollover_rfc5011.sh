#!/usr/bin/env bash
# RFC 5011: Unbound with auto-trust-anchor-file (hold-downs shortened to
# 5 s) follows a KSK rollover by itself. The gateway has
# dnssec.policy.rfc5011-hold-down: 10s, so the new KSK is published 10 s
# before it is used, and the old one is published revoked (flags 385,
# signing the DNSKEY RRset) before it goes. Unbound's anchor file ends with
# the new key VALID; every answer through Unbound has AD meanwhile.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/rollover.sh"
roll_start "    rfc5011-hold-down: 10s"

cp "$STATE/trust-anchor.ds" "$GW_TMP/auto.ds"
chmod 666 "$GW_TMP/auto.ds"
UB_ANCHOR=auto-trust-anchor-file UB_EXTRA="	add-holddown: 5
	del-holddown: 5
	keep-missing: 0
	permit-small-holddown: yes" unbound_start rfc5011 $Z "$GW_TMP/auto.ds"

# Every 0.1 s through Unbound: NOERROR with AD, counted.
: >"$GW_TMP/ub_bad"
: >"$GW_TMP/ub_checks"
rm -f "$GW_TMP/ub_stop"
(
	for _ in $(seq 1 1500); do
		[ -e "$GW_TMP/ub_stop" ] && break
		dig @127.0.0.1 -p "$UB_PORT" +time=2 +tries=1 +dnssec www.$Z. A >"$GW_TMP/ub_one" 2>&1 || true
		if ! grep -q "status: NOERROR" "$GW_TMP/ub_one" || ! grep -q "^;; flags:[^;]* ad[ ;]" "$GW_TMP/ub_one"; then
			{ date +%T.%N; head -5 "$GW_TMP/ub_one"; } >>"$GW_TMP/ub_bad"
		fi
		echo >>"$GW_TMP/ub_checks"
		sleep 0.1
	done
) &
UB_WATCH=$!

ub www.$Z. A
expect "Unbound validates at start" dig_has_flag ad
old=$(kdig @127.0.0.1 -p "$GW_PORT" CDS $Z. +short | awk '{print $1}')
expect "rollover ksk accepted" ctl rollover ksk
sleep 3
expect "still in publish for the hold-down" test "$(step)" = "publish"
expect "ds-wait after the hold-down" wait_step ds-wait 30
new=$(kdig @127.0.0.1 -p "$GW_PORT" CDS $Z. +short | awk '{print $1}' | grep -vx "$old")
expect "Unbound has the new key ($new) in its anchor file" grep -q "id = $new" "$GW_TMP/auto.ds"
# The zone is a trust anchor of its own here: no parent to wait for.
expect "ds-seen" ctl ds-seen
expect "revoke step" wait_step revoke 20
kdig @127.0.0.1 -p "$GW_PORT" DNSKEY $Z. +short >"$GW_TMP/dnskeys" 2>&1 || true
expect "the old KSK is published revoked (flags 385)" grep -q "^385 3 13 " "$GW_TMP/dnskeys"
expect "retire step" wait_step retire 30
expect "rollover done" wait_step none 20
sleep 3
ub www.$Z. A
expect "Unbound validates after the rollover" dig_has_flag ad
expect "Unbound's anchor: the new key VALID" grep -Eq "id = $new .*state=2 \[  VALID  \]|state=2 \[  VALID  \].*id = $new" "$GW_TMP/auto.ds"
expect "Unbound no longer trusts the old key ($old)" bash -c "! grep 'id = $old ' '$GW_TMP/auto.ds' | grep -q VALID"

touch "$GW_TMP/ub_stop"
wait "$UB_WATCH" || true
bad=$(grep -c "^[0-9][0-9]:" "$GW_TMP/ub_bad" || true)
checks=$(wc -l <"$GW_TMP/ub_checks")
expect "every answer through Unbound had AD ($checks queries, $bad failures)" test "$bad" -eq 0 -a "$checks" -ge 50
[ "$bad" -eq 0 ] || head -30 "$GW_TMP/ub_bad" >&2
gw_finish
