#!/usr/bin/env bash
# kill -9 at random points of KSK rollovers: 24 kills, each at a random
# moment (0 to 1.5 s after the restart). After every restart the rollover
# is where keys/state says: the step never goes back, a step that did not
# change kept its start time (not done again), the zone verifies, and delv
# validates with the DS the test's "parent" holds.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/rollover.sh"
roll_start

parent_copy
# Order of the KSK steps; "none" ends one rollover.
rank() {
	case $1 in publish) echo 1 ;; ds-wait) echo 2 ;; ds-seen) echo 3 ;; retire) echo 4 ;; *) echo 0 ;; esac
}
state() { ctl --json keys | jq -r 'if .rollover == null then "none -" else .rollover.step + " " + .rollover.since end'; }

rollovers=0
bad_order=0
redone=0
bad_zone=0
bad_valid=0
for i in $(seq 1 24); do
	read -r s since <<<"$(state)"
	if [ "$s" = "none" ]; then
		# The parent follows the CDS before a new rollover starts.
		parent_copy
		ctl rollover ksk >/dev/null 2>&1 && rollovers=$((rollovers + 1))
		read -r s since <<<"$(state)"
	fi
	if [ "$s" = "ds-wait" ]; then
		parent_copy
		ctl ds-seen >/dev/null 2>&1 || true
	fi
	validates || { bad_valid=$((bad_valid + 1)); echo "not validated before kill $i ($s):" >&2; cat "$DELV_OUT" >&2; }
	sleep "$(python3 -c 'import random; print(round(random.uniform(0, 1.5), 2))')"
	read -r before before_since <<<"$(state)"
	kill -KILL "$GW_PID"
	wait "$GW_PID" 2>/dev/null || true
	GW_PID=""
	gw_start "$ROLL_CFG"
	read -r after after_since <<<"$(state)"
	# The step after the restart is the one before the kill, or later.
	if [ "$after" != "none" ] && [ "$(rank "$after")" -lt "$(rank "$before")" ]; then
		bad_order=$((bad_order + 1))
		echo "kill $i: step went back from $before to $after" >&2
	fi
	if [ "$after" = "$before" ] && [ "$after" != "none" ] && [ "$after_since" != "$before_since" ]; then
		redone=$((redone + 1))
		echo "kill $i: step $after started again ($before_since -> $after_since)" >&2
	fi
	verifies || { bad_zone=$((bad_zone + 1)); echo "kill $i: zone does not verify" >&2; cat "$GW_TMP/verify" >&2; }
	if [ "$after" = "retire" ] || [ "$after" = "none" ]; then
		# The old key may be gone: the parent has followed the CDS by now
		# in this accelerated world (its DS TTL is 2 s).
		sleep 0.5
		parent_copy
	fi
	validates || { bad_valid=$((bad_valid + 1)); echo "kill $i: not validated after restart ($after):" >&2; cat "$DELV_OUT" >&2; }
done
expect "rollovers started during the kills ($rollovers)" test "$rollovers" -ge 2
expect "no step went back after a kill ($bad_order)" test "$bad_order" -eq 0
expect "no step started again after a kill ($redone)" test "$redone" -eq 0
expect "the zone verified after every restart ($bad_zone failures)" test "$bad_zone" -eq 0
expect "delv validated before and after every kill ($bad_valid failures)" test "$bad_valid" -eq 0
# Finish the last rollover and check that it ends cleanly.
for _ in $(seq 1 40); do
	read -r s _ <<<"$(state)"
	[ "$s" = "none" ] && break
	if [ "$s" = "ds-wait" ]; then parent_copy; ctl ds-seen >/dev/null 2>&1 || true; fi
	sleep 0.5
done
expect "the last rollover completes" test "$(step)" = "none"
parent_copy
expect "validates at the end" validates
# Every key file is listed in keys/state, or (a kill between writing a
# file and the state that names or drops it) was warned about at start.
pems=$(find "$STATE/keys" -name '*.pem' | wc -l)
listed=$(grep -c '^key ' "$STATE/keys/state")
expect "key files: $pems, listed: $listed; any extra one warned about" \
	bash -c "test $pems -eq $listed || grep -q 'is not listed' '$GW_TMP/gateway.log'"
expect "two keys once the rollovers are done" test "$listed" -eq 2
gw_finish
