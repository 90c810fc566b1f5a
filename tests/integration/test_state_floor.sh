#!/usr/bin/env bash
# The serial never goes behind what <state>/journal shows served (issue
# 16, finding 5): a serial file restored from an older backup, or removed,
# while the journal stays. Each case restarts the real daemon and checks
# that the SOA serial it serves is ahead (RFC 1982) of the last one served
# before, and that the log says why.
source "$(dirname "$0")/lib.sh"

Z=floor.test
small_zone $Z
cfg=$(gw_config floor "zone: {domain: $Z., file: $GW_TMP/zone}
dnssec: {algorithm: ed25519}")
state="$GW_TMP/state"
soa_serial() { gw_soa_serial "$Z."; }
# ahead A B: B is ahead of A (RFC 1982).
ahead() { python3 -c "import sys; a, b = int('$1'), int('$2'); sys.exit(0 if 0 < (b - a) % 2**32 < 2**31 else 1)"; }
not_ahead() { ! ahead "$@"; }

# Two runs: the serial file of the first is the "old backup".
gw_start "$cfg"
first=$(soa_serial)
expect "first start serves serial $first" test -n "$first"
gw_stop
cp "$state/serial" "$GW_TMP/serial.old"
gw_start "$cfg"
# A reload with a change: one more serial, journaled.
echo "new 300 IN A 192.0.2.81" >>"$GW_TMP/zone"
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do
	q "new.$Z." A +short
	grep -q 192.0.2.81 "$GW_TMP/last" && break
	sleep 0.1
done
last=$(soa_serial)
expect "second run served $last, ahead of $first" ahead "$first" "$last"
gw_stop

# ---- restored from the old backup -----------------------------------------
cp "$GW_TMP/serial.old" "$state/serial"
expect "the old serial file ($(cat "$state/serial")) is not ahead of $last" not_ahead "$last" "$(cat "$state/serial")"
: >"$GW_TMP/gateway.log"
gw_start "$cfg"
now=$(soa_serial)
expect "old serial file restored: serial $now is ahead of $last" ahead "$last" "$now"
expect "old serial file restored: the log says the journal set the floor" \
	grep -q "but the journal shows serial $last served" "$GW_TMP/gateway.log"
q "new.$Z." A +short
expect "old serial file restored: the zone still has the reloaded record" grep -q 192.0.2.81 "$GW_TMP/last"
gw_stop
last=$now

# ---- the serial file removed ----------------------------------------------
rm "$state/serial"
: >"$GW_TMP/gateway.log"
gw_start "$cfg"
now=$(soa_serial)
expect "serial file removed: serial $now is ahead of $last" ahead "$last" "$now"
expect "serial file removed: the log says the journal set the floor" \
	grep -q "has no serial, but the journal shows serial $last served" "$GW_TMP/gateway.log"
expect "serial file removed: written again, covering $now" ahead "$now" "$(cat "$state/serial")"
gw_stop

# ---- neither: the journal is all that is left, the zone file far behind ----
last=$now
rm "$state/serial"
: >"$GW_TMP/gateway.log"
gw_start "$cfg"
now=$(soa_serial)
expect "again without a serial file: $now is ahead of $last" ahead "$last" "$now"

gw_finish
