#!/usr/bin/env bash
# A journal that cannot be written at start (issue 16, finding 5): the
# daemon starts and serves, says once which file, why and what to do,
# answers IXFR from memory, takes one serial block only, and writes the
# file once the obstacle is gone (a timer tries again, backing off). The
# obstacles: a directory in the journal's place, then an immutable file
# (chattr +i); as root, a file mode does not stop the daemon.
source "$(dirname "$0")/lib.sh"

Z=journal.test
small_zone $Z
cfg=$(gw_config journal "zone: {domain: $Z., file: $GW_TMP/zone}
dnssec: {algorithm: ed25519}")
state="$GW_TMP/state"
J="$state/journal"
soa_serial() { gw_soa_serial "$Z."; }
xfr() { kdig @127.0.0.1 -p "$GW_PORT" +time=3 +retry=0 "$@" >"$GW_TMP/last" 2>&1 || true; }

mkdir -p "$J/in-the-way"
gw_start "$cfg"
s1=$(soa_serial)
expect "journal unwritable: the daemon starts and serves serial $s1" test -n "$s1"
expect "journal unwritable: one line names the file, the error and the way out" \
	grep -q "journal: cannot write $J: Is a directory; something else is in its place: move it away. IXFR is answered from memory meanwhile; trying again in 1 s" "$GW_TMP/gateway.log"
expect "journal unwritable: said once" test "$(grep -c "journal: cannot write $J" "$GW_TMP/gateway.log")" = 1
expect "journal unwritable: the daemon says it serves" grep -q "dnssd-gateway serving $Z." "$GW_TMP/gateway.log"
expect "journal unwritable: one serial block taken ($(cat "$state/serial") = $s1 + 1024)" \
	test "$(cat "$state/serial")" = "$((s1 + 1024))"

# A change: one more serial, kept in memory only.
echo "new 300 IN A 192.0.2.81" >>"$GW_TMP/zone"
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do
	[ "$(soa_serial)" = "$((s1 + 1))" ] && break
	sleep 0.1
done
s2=$(soa_serial)
expect "reload: serial $s1 -> $s2" test "$s2" = "$((s1 + 1))"
xfr IXFR=$s1 $Z.
expect "IXFR from $s1 answered from memory: the old SOA and the new record" \
	bash -c "grep -q 'SOA.* $s1 ' '$GW_TMP/last' && grep -q 'new.$Z.*192.0.2.81' '$GW_TMP/last'"
expect "... as an IXFR, not the whole zone" grep -q "IXFR to 127.0.0.1@[0-9]* started: serial $s1 -> $s2, 1 diffs" "$GW_TMP/gateway.log"
expect "the journal is still a directory" test -d "$J"

# The obstacle goes: a retry writes the file (the retries back off from
# 1 s; bounded wait).
rm -rf "$J"
gw_wait_log "journal: $J written" 40 || true
expect "obstacle gone: the log says the journal was written" grep -q "journal: $J written (try [0-9]* after the error); the IXFR history is on disk again" "$GW_TMP/gateway.log"
expect "obstacle gone: $J is a file" test -f "$J" -a -s "$J"
gw_stop

# The file holds the history: after a restart IXFR from $s1 still works.
: >"$GW_TMP/gateway.log"
gw_start "$cfg"
s3=$(soa_serial)
expect "restart: the journal connects ($s2 -> $s3)" grep -q "journal: restart diff $s2 -> $s3" "$GW_TMP/gateway.log"
xfr IXFR=$s1 $Z.
expect "restart: IXFR from $s1 from the file" grep -q "IXFR to 127.0.0.1@[0-9]* started: serial $s1 -> $s3, 2 diffs" "$GW_TMP/gateway.log"
expect "restart: no journal error" bash -c "! grep -q 'journal: cannot' '$GW_TMP/gateway.log'"
gw_stop

# ---- an immutable file (chattr +i: root cannot replace it either) ----------
trap 'chattr -i "$J" 2>/dev/null || true; gw_cleanup' EXIT
chattr +i "$J"
: >"$GW_TMP/gateway.log"
gw_start "$cfg"
s4=$(soa_serial)
expect "immutable journal: the daemon serves serial $s4" test -n "$s4"
expect "immutable journal: the line says what to do" \
	grep -q "journal: cannot write $J: Operation not permitted; let the daemon's user write it and its directory (owner, mode, chattr -i)" "$GW_TMP/gateway.log"
xfr IXFR=$s1 $Z.
expect "immutable journal: IXFR from $s1 still from the history read at start" \
	grep -q "IXFR to 127.0.0.1@[0-9]* started: serial $s1 -> $s4, 3 diffs" "$GW_TMP/gateway.log"
chattr -i "$J"
gw_wait_log "journal: $J written" 40 || true
expect "chattr -i: the journal is written" grep -q "journal: $J written" "$GW_TMP/gateway.log"

gw_finish
