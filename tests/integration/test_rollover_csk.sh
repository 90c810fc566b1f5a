#!/usr/bin/env bash
# A CSK rollover (keys: csk) in the running daemon with TTLs of seconds:
# publish (the new CSK signs the keyset only), ds-wait (CDS for both),
# ds-seen by hand, active (the new CSK signs everything), retire. delv
# with the parent's DS validates throughout, the zone verifies at each
# step, and a ZSK or KSK rollover is refused with the reason.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/rollover.sh"
ROLL_KEYS=csk roll_start
parent_copy

cds_tags() { kdig @127.0.0.1 -p "$GW_PORT" +time=3 CDS $Z. +short 2>/dev/null | awk '{print $1}' | sort -n | xargs; }
signers() { # key tags of the signatures over www's A RRset
	kdig @127.0.0.1 -p "$GW_PORT" +time=3 +dnssec www.$Z. A +short 2>/dev/null | awk '$1 == "A" {print $7}' | sort -n | xargs
}

watch_start

csk0=$(cds_tags)
expect "one CSK at start ($csk0)" test "$(wc -w <<<"$csk0")" -eq 1
expect "the CSK signs the data" test "$(signers)" = "$csk0"
ctl rollover zsk >/dev/null 2>"$GW_TMP/err" && rc=0 || rc=$?
expect "rollover zsk refused with keys: csk" test "$rc" -eq 1
expect "... saying why" grep -q "no zsk to roll" "$GW_TMP/err"
expect "rollover csk accepted" ctl rollover csk
expect "the old CSK still signs the data alone (publish)" test "$(signers)" = "$csk0"
expect "ds-wait reached" wait_step ds-wait 20
expect "CDS names both CSKs" test "$(wc -w <<<"$(cds_tags)")" -eq 2
expect "zone verifies (new CSK signs the keyset only)" verifies
parent_copy
expect "ds-seen accepted" ctl ds-seen
expect "active reached" wait_step active 20
csk1=$(cds_tags | tr ' ' '\n' | grep -vx "$csk0")
expect "the new CSK ($csk1) signs the data" test "$(signers)" = "$csk1"
expect "zone verifies (active)" verifies
expect "retire reached" wait_step retire 20
expect "CDS names the new CSK only" test "$(cds_tags)" = "$csk1"
parent_copy
expect "rollover done" wait_step none 20
expect "zone verifies at the end" verifies
watch_stop "during the CSK rollover"
gw_finish
