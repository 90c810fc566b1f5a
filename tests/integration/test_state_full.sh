#!/usr/bin/env bash
# The state directory on a full filesystem (docs/security.md: a full
# disk). The test runs in a mount namespace of its own, the state
# directory a 512 KiB tmpfs there, so the filling touches nothing else.
# - With room: the daemon starts, serves, writes its DS files.
# - Full: zone changes are still committed and served (within the
#   serial block on disk), the journal says it cannot write.
# - A start on the full disk is refused, with the reason and what to do
#   (the serial's ceiling cannot be raised); the files stay as they were.
# - With room again: it starts, at a serial past every one served, and
#   leaves the DS files alone (they already hold the keys' DS).
if [ -z "${GW_STATE_FULL_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "FAIL: needs root (a mount namespace and a tmpfs)" >&2; exit 1; }
	exec unshare -m --propagation private env GW_STATE_FULL_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"

Z=full.test
small_zone $Z
cfg=$(gw_config full "zone: {domain: $Z., file: $GW_TMP/zone}
dnssec: {algorithm: ecdsap256sha256}")
state="$GW_TMP/state"
mount -t tmpfs -o size=512k,mode=0700 gw-state-full "$state" ||
	{ echo "FAIL: cannot mount a tmpfs on $state" >&2; exit 1; }
trap 'gw_stop; umount "$state" 2>/dev/null || true; gw_cleanup' EXIT

soa() { gw_soa_serial "$Z."; }
change() { # N: one more record in the zone file, then a reload
	echo "c$1 300 IN A 192.0.2.$((100 + $1))" >>"$GW_TMP/zone"
	kill -HUP "$GW_PID"
}
served_after() { # SERIAL: the daemon serves a serial past it
	local s
	for _ in $(seq 1 50); do
		s=$(soa)
		[ -n "$s" ] && [ "$s" -gt "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
inode() { stat -c %i "$1"; }

# ---- with room -------------------------------------------------------------
gw_start "$cfg"
s0=$(soa)
expect "with room: serves serial $s0" test -n "$s0"
expect "with room: the DS files are written" test -s "$state/ds" -a -s "$state/trust-anchor.ds" -a -s "$state/trust-anchor.conf"
ds_inode=$(inode "$state/ds")
cp -a "$state/keys" "$GW_TMP/keys.before"
ceiling=$(cat "$state/serial")

# ---- full --------------------------------------------------------------------
dd if=/dev/zero of="$state/filler" bs=4k >/dev/null 2>&1 || true
expect "the filesystem is full" test "$(df --output=avail "$state" | tail -n 1 | tr -d ' ')" = 0
last=$s0
for i in $(seq 1 20); do
	change "$i"
	served_after "$last" || break
	last=$(soa)
	grep -q "journal: cannot" "$GW_TMP/gateway.log" && break
done
expect "full: changes are committed and served (serial $s0 -> $last)" test "$last" -gt "$s0"
expect "full: the journal says it cannot write, and why" \
	grep -q "journal: cannot .*$state/journal: No space left on device" "$GW_TMP/gateway.log"
expect "full: the serial's ceiling on disk still covers what is served ($last <= $ceiling)" \
	test "$last" -le "$(cat "$state/serial")"
gw_stop

# ---- a start on the full disk ----------------------------------------------
: >"$GW_TMP/gateway.log"
rc=0
timeout 30 "$GW_BIN" -c "$cfg" >>"$GW_TMP/gateway.log" 2>&1 || rc=$?
expect "full: a start is refused (exit status 1, got $rc)" test "$rc" = 1
expect "full: the log says the zone is not served, why, and what to do" \
	grep -q "zone $Z.: not served: the serial's ceiling cannot be written to $state/serial (No space left on device).*make room" "$GW_TMP/gateway.log"
expect "full: the serial's ceiling is as it was" test "$(cat "$state/serial")" = "$ceiling"
expect "full: the keys are as they were" diff -r "$GW_TMP/keys.before" "$state/keys"
expect "full: the DS file was not written again" test "$(inode "$state/ds")" = "$ds_inode"

# ---- room again --------------------------------------------------------------
rm -f "$state/filler"
gw_start "$cfg"
s2=$(soa)
expect "room again: serves serial $s2, past every one served ($last)" test -n "$s2" -a "${s2:-0}" -gt "$last"
expect "room again: the DS files were left alone (they hold the DS already)" test "$(inode "$state/ds")" = "$ds_inode"
expect "room again: no error about the DS files" bash -c "! grep -q 'DS files' '$GW_TMP/gateway.log'"

gw_finish
