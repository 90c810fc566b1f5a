#!/usr/bin/env bash
# Key rollovers in the running daemon, with TTLs of seconds: a ZSK
# pre-publish rollover and a KSK double-DS rollover confirmed by hand
# (dnssd-gatewayctl ds-seen). The test plays the parent: its "DS" is a copy
# of the daemon's trust-anchor.conf taken when the CDS changes, as a
# registrar copying CDS would. Throughout, delv with that anchor must say
# "fully validated", the zone must verify, and CDS must name exactly the
# keys the parent should hold at each step.
source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/rollover.sh"
roll_start

parent_copy

cds_tags() { # the key tags the CDS RRset names, sorted, space-separated
	kdig @127.0.0.1 -p "$GW_PORT" +time=3 CDS $Z. +short 2>/dev/null | awk '{print $1}' | sort -n | xargs
}
dnskey_count() { kdig @127.0.0.1 -p "$GW_PORT" +time=3 DNSKEY $Z. +short | grep -c . || true; }

expect "validates before any rollover" validates
expect "zone verifies at start" verifies
ksk0=$(cds_tags)
expect "one CDS at start (the KSK, $ksk0)" test "$(wc -w <<<"$ksk0")" -eq 1
expect "two DNSKEYs at start" test "$(dnskey_count)" -eq 2

# ---- ZSK rollover ---------------------------------------------------------
watch_start
ctl rollover zsk >"$GW_TMP/out" 2>&1 && rc=0 || rc=$?
expect "rollover zsk accepted" test "$rc" -eq 0
expect "rollover zsk shows the step" grep -q "rollover: zsk, step publish" "$GW_TMP/out"
expect "a second rollover is refused while one runs" bash -c "! '$GW_CTL' -s '$GW_TMP/control.sock' rollover ksk 2>'$GW_TMP/err2'"
expect "... with the reason" grep -q "under way" "$GW_TMP/err2"
expect "three DNSKEYs (new ZSK pre-published)" test "$(dnskey_count)" -eq 3
expect "CDS unchanged by a ZSK rollover" test "$(cds_tags)" = "$ksk0"
expect "ZSK: active step" wait_step active 20
expect "zone verifies (new ZSK signs)" verifies
expect "ZSK: retire step" wait_step retire 20
expect "two DNSKEYs again (old ZSK gone)" test "$(dnskey_count)" -eq 2
expect "zone verifies (old ZSK removed)" verifies
expect "ZSK rollover done" wait_step none 20
expect "CDS still the KSK" test "$(cds_tags)" = "$ksk0"

# ---- KSK rollover, double-DS, confirmed by hand ---------------------------
ctl rollover ksk >"$GW_TMP/out" 2>&1 && rc=0 || rc=$?
expect "rollover ksk accepted" test "$rc" -eq 0
expect "ds-seen refused before ds-wait" bash -c "! '$GW_CTL' -s '$GW_TMP/control.sock' ds-seen 2>/dev/null"
expect "CDS still only the old KSK while the new one is published" test "$(cds_tags)" = "$ksk0"
expect "KSK: ds-wait step" wait_step ds-wait 20
tags=$(cds_tags)
expect "CDS names both KSKs in ds-wait ($tags)" test "$(wc -w <<<"$tags")" -eq 2
expect "trust-anchor.conf names both" test "$(grep -c static-ds "$STATE/trust-anchor.conf")" -eq 2
expect "zone verifies (two KSKs)" verifies
ctl keys >"$GW_TMP/keys" 2>&1 || true
expect "keys says it waits for the DS" grep -q "waiting for the new DS" "$GW_TMP/keys"
sleep 3
expect "still waiting without a confirmation" test "$(step)" = "ds-wait"
# The registrar copies the CDS (both DS) to the parent, then we confirm.
parent_copy
ctl ds-seen >"$GW_TMP/out" 2>&1 && rc=0 || rc=$?
expect "ds-seen accepted" test "$rc" -eq 0
expect "KSK: retire step" wait_step retire 20
ksk1=$(cds_tags)
expect "CDS names only the new KSK ($ksk1, was $ksk0)" bash -c "test '$(wc -w <<<"$ksk1")' -eq 1 && test '$ksk1' != '$ksk0'"
expect "zone verifies (old KSK gone)" verifies
# The parent follows the CDS: the old DS goes.
parent_copy
expect "trust-anchor.conf names the new KSK only" test "$(grep -c static-ds "$STATE/trust-anchor.conf")" -eq 1
expect "KSK rollover done" wait_step none 20
expect "validates with the new DS only" validates

# ---- algorithm rollover (RFC 6781 4.1.4): ECDSAP256SHA256 to Ed25519 -------
ctl rollover algorithm ed25519 >"$GW_TMP/out" 2>&1 && rc=0 || rc=$?
expect "rollover algorithm accepted" test "$rc" -eq 0
expect "algorithm: sign step (new keys sign, unpublished)" test "$(step)" = "sign"
expect "no Ed25519 DNSKEY yet" bash -c "! kdig @127.0.0.1 -p $GW_PORT DNSKEY $Z. +short | grep -q '^25[67] 3 15 '"
expect "Ed25519 signatures already there" bash -c "kdig @127.0.0.1 -p $GW_PORT +dnssec www.$Z. A +short | grep -q '^A 15 '"
expect "algorithm: publish step" wait_step publish 20
expect "Ed25519 DNSKEYs published" test "$(kdig @127.0.0.1 -p "$GW_PORT" DNSKEY $Z. +short | grep -c '^25[67] 3 15 ')" -eq 2
expect "algorithm: ds-wait step" wait_step ds-wait 20
expect "CDS names the Ed25519 KSK only" test "$(kdig @127.0.0.1 -p "$GW_PORT" CDS $Z. +short | awk '{print $2}' | xargs)" = "15"
expect "zone verifies (both algorithms)" verifies
parent_copy
ctl ds-seen >/dev/null 2>&1 || true
expect "algorithm: retire step" wait_step retire 20
expect "only Ed25519 DNSKEYs" test "$(kdig @127.0.0.1 -p "$GW_PORT" DNSKEY $Z. +short | grep -vc '^25[67] 3 15 ' || true)" -eq 0
expect "algorithm rollover done" wait_step none 20
expect "no ECDSA signature left" bash -c "! kdig @127.0.0.1 -p $GW_PORT +dnssec www.$Z. A +short | grep -q '^A 13 '"
expect "zone verifies (Ed25519 only)" verifies
expect "validates after the algorithm rollover" validates

watch_stop "during the three rollovers"

# ---- restart resumes: a rollover under way survives kill -9 ---------------
ctl rollover ksk >/dev/null 2>&1 || true
expect "KSK again: ds-wait" wait_step ds-wait 20
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null || true
GW_PID=""
gw_start "$ROLL_CFG"
expect "after kill -9 the rollover is still at ds-wait" test "$(step)" = "ds-wait"
expect "CDS still both keys after the restart" test "$(wc -w <<<"$(cds_tags)")" -eq 2
parent_copy
expect "validates after the restart" validates
ctl ds-seen >/dev/null 2>&1 || true
expect "resumed rollover completes" wait_step none 30
parent_copy
expect "validates after the resumed rollover" validates

# ---- going insecure --------------------------------------------------------
ctl go-insecure >/dev/null 2>&1 && rc=0 || rc=$?
expect "go-insecure accepted" test "$rc" -eq 0
kdig @127.0.0.1 -p "$GW_PORT" CDS $Z. +short >"$GW_TMP/cds" 2>&1 || true
expect "CDS is the DELETE record" grep -qx "0 0 0 00" "$GW_TMP/cds"
kdig @127.0.0.1 -p "$GW_PORT" CDNSKEY $Z. +short >"$GW_TMP/cdnskey" 2>&1 || true
expect "CDNSKEY is the DELETE record" grep -qx "0 3 0 AA==" "$GW_TMP/cdnskey"
expect "zone still verifies" verifies
ctl go-secure >/dev/null 2>&1 || true
expect "go-secure brings the CDS back" test "$(wc -w <<<"$(cds_tags)")" -eq 1

gw_finish
