#!/usr/bin/env bash
# The wall clock stepped under a running daemon (docs/keys.md, When the
# wall clock is set): an appliance without a battery-backed clock learns
# the time from NTP after the daemon started. Forward 20 days, past the
# signatures' 14-day validity: the step is logged with its size, the
# zone is signed again for the new time (it verifies then, and nothing
# expires within a week), discovery starts again on a fresh Avahi and the
# printer stays served. Back again: signatures whose inception is now
# ahead are replaced, and the zone verifies at the real time.
#
# A CSK rollover waits in its first step throughout: a step of the clock
# forward is not time the new key was out, and it keeps the time it
# waited (its start moves with the clock, in keys/state).
#
# A test must not set the machine's clock: libfaketime (LD_PRELOAD) moves
# the daemon's wall clock alone, its monotonic clock stays; the daemon
# finds such a step by comparing the two (every 5 s), where a real setting
# is told by the kernel at once (gateway/system/clock_set.c).
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/netns.sh"
FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
[ -e "$FAKETIME_LIB" ] || ns_die "libfaketime is not installed (scripts/setup.sh: faketime)"
command -v ldns-verify-zone >/dev/null || ns_die "ldns-verify-zone missing"

# The daemon through a wrapper that fakes its wall clock by the offset in
# $GW_TMP/offset, read at every call.
echo "+0" >"$GW_TMP/offset"
cat >"$GW_TMP/gw-faketime" <<WRAP
#!/bin/sh
export LD_PRELOAD=$FAKETIME_LIB FAKETIME_TIMESTAMP_FILE=$GW_TMP/offset FAKETIME_NO_CACHE=1
export DONT_FAKE_MONOTONIC=1 ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}verify_asan_link_order=0"
exec "$GW_BIN" "\$@"
WRAP
chmod +x "$GW_TMP/gw-faketime"
GW_BIN="$GW_TMP/gw-faketime"
# libfaketime leaves /dev/shm/faketime_shm_PID and sem.faketime_sem_PID
# of each process it runs in; the daemon drops root before its exit
# handler could remove them, so they go here.
FAKED_PID=""
clock_exit() {
	ns_exit
	if [ -n "$FAKED_PID" ]; then
		rm -f "/dev/shm/faketime_shm_$FAKED_PID" "/dev/shm/sem.faketime_sem_$FAKED_PID"
	fi
}
trap clock_exit EXIT

ns_setup
D=dnssd.test.
L=lan.$D
cfg=$(gw_config clock "zone: {domain: $D}
transfer: {allow: [127.0.0.1]}
links: [{interface: $IF_GW, subdomain: lan}]
mdns: {batch-window: 50ms, warm-up: 2s}")
gw_start_ns "$cfg"
FAKED_PID=$GW_PID
printer_served "$D"

# verifies OFFSET: the AXFR verifies at now + OFFSET seconds.
verifies() {
	qn AXFR "$D" +noall +answer
	sed '$d' "$GW_TMP/last" | grep -v '^;' >"$GW_TMP/axfr.zone"
	ldns-verify-zone -t "+$1" "$GW_TMP/axfr.zone" >"$GW_TMP/verify" 2>&1
}
# lasting OFFSET DAYS: every RRSIG of the last AXFR (and there are some)
# expires after now + OFFSET + DAYS days.
lasting() {
	local limit
	limit=$(date -u -d "@$(($(date +%s) + $1 + $2 * 86400))" +%Y%m%d%H%M%S)
	awk -v l="$limit" '$4 == "RRSIG" {n++; if ($9 < l) bad=1} END {exit bad || n == 0}' \
		"$GW_TMP/axfr.zone"
}
expect "before: the zone verifies" verifies 0

# roll_since: the rollover's step and its start, in seconds ("publish
# 1796...").
roll_since() {
	"$GW_CTL" -s "$GW_TMP/control.sock" --json keys 2>/dev/null | /usr/bin/python3 -c '
import calendar, json, sys, time
r = json.load(sys.stdin)["rollover"]
print(r["step"], calendar.timegm(time.strptime(r["since"], "%Y-%m-%dT%H:%M:%SZ")))'
}
"$GW_CTL" -s "$GW_TMP/control.sock" rollover csk >"$GW_TMP/last" 2>&1
read -r step0 since0 <<<"$(roll_since)"
expect "before: a CSK rollover waits in its first step ($step0)" test "$step0" = publish

# ---- forward 20 days ---------------------------------------------------------
echo "+20d" >"$GW_TMP/offset"
wait_until 15 grep -q "the wall clock was set forward" "$GW_TMP/gateway.log"
expect "forward: the step is logged with its size" \
	grep -Eq "the wall clock was set forward by 17(27999|28000|28001) s" "$GW_TMP/gateway.log"
expect "forward: the signed zone says it follows" \
	grep -q "zone $D: its signatures and key rollover follow the new time" "$GW_TMP/gateway.log"
wait_until 15 verifies 1728000
expect "forward: the zone verifies at the new time ($(tail -n 1 "$GW_TMP/verify"))" verifies 1728000
expect "forward: nothing expires within a week of it" lasting 1728000 7
read -r step1 since1 <<<"$(roll_since)"
expect "forward: the rollover is still in its first step ($step1)" test "$step1" = publish
expect "forward: its start moved with the clock ($since0 -> $since1)" \
	test $((since1 - since0)) -ge 1727999 -a $((since1 - since0)) -le 1728001
expect "forward: discovery starts again" grep -q "mirror: discovery starts again on every link" "$GW_TMP/gateway.log"
sleep 3 # past the warm-up: what was not announced again would be gone
expect "forward: the printer is still served after the warm-up" has_answer "$PRN" SRV "631 printer.$L"

# ---- back again ----------------------------------------------------------------
echo "+0" >"$GW_TMP/offset"
wait_until 15 grep -q "the wall clock was set back" "$GW_TMP/gateway.log"
expect "back: the step is logged" grep -Eq "the wall clock was set back by 17(27999|28000|28001) s" "$GW_TMP/gateway.log"
wait_until 15 verifies 0
expect "back: the zone verifies at the real time again ($(tail -n 1 "$GW_TMP/verify"))" verifies 0
read -r step2 since2 <<<"$(roll_since)"
expect "back: the rollover is still in its first step, its start back ($step2 $since2)" \
	test "$step2" = publish -a $((since2 - since0)) -ge -1 -a $((since2 - since0)) -le 1
sleep 3
expect "back: the printer is still served" has_answer "$PRN" SRV "631 printer.$L"
expect "no error in the log" bash -c "! grep -q ' error: ' '$GW_TMP/gateway.log'"
expect "libfaketime's file for the daemon is the one cleaned up at exit" test -e "/dev/shm/faketime_shm_$FAKED_PID"

gw_finish
