#!/usr/bin/env bash
# Signature refresh on time: with a 1-minute validity and a 30-second
# refresh window, the running daemon re-signs before anything expires, so
# the zone still verifies after more than one validity period.
source "$(dirname "$0")/lib.sh"
command -v ldns-verify-zone >/dev/null || { echo "FAIL: ldns-verify-zone missing" >&2; exit 1; }

Z=dnssd.test
cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
cfg=$(gw_config refresh "zone: {domain: $Z., file: $GW_TMP/zone}
dnssec: {signature-validity: 1m, refresh: 30s, jitter: 10s, inception-offset: 1m}")
gw_start "$cfg"

verify_now() { # LABEL
	kdig @127.0.0.1 -p "$GW_PORT" +time=10 AXFR $Z. +noall +answer >"$GW_TMP/axfr.txt" 2>&1 || true
	sed '$d' "$GW_TMP/axfr.txt" >"$GW_TMP/axfr.zone"
	ldns-verify-zone "$GW_TMP/axfr.zone" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
	expect "$1: the zone verifies" test "$rc" -eq 0
}
verify_now "at start"
q $Z. SOA +short
serial0=$(awk '{print $3}' "$GW_TMP/last")
# Expiration times at start: all signatures must be replaced by 75 s.
awk '$4 == "RRSIG" {print $9}' "$GW_TMP/axfr.zone" | sort -u >"$GW_TMP/exp0"

sleep 40
verify_now "after 40 s"
sleep 35
verify_now "after 75 s (more than one validity period)"
q $Z. SOA +short
serial1=$(awk '{print $3}' "$GW_TMP/last")
expect "refresh moved the serial ($serial0 -> $serial1)" test "$serial1" -gt "$serial0"
awk '$4 == "RRSIG" {print $9}' "$GW_TMP/axfr.zone" | sort -u >"$GW_TMP/exp1"
expect "no signature from the start is left" bash -c "! comm -12 '$GW_TMP/exp0' '$GW_TMP/exp1' | grep -q ."
expect "expirations are spread (jitter)" test "$(wc -l <"$GW_TMP/exp1")" -gt 1
expect "refresh logged" grep -q "signature refresh" "$GW_TMP/gateway.log"
# Refreshes gather what falls due (slack: a tenth of the 30 s window), so
# the serial does not move every second.
refreshes=$(grep -c "signature refresh:" "$GW_TMP/gateway.log" || true)
expect "refreshes are batched ($refreshes in 75 s)" test "$refreshes" -le 30

gw_finish
