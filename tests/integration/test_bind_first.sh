#!/usr/bin/env bash
# Nothing is made before every socket is bound (issue 16, finding 5): a
# listen port already in use stops the start with a clear message before
# keys, a serial or a journal exist (first start: not even the state
# directory is made) or change (later start: the same files, sizes and times).
# A start that fails later for another reason (the ports file cannot be
# written) does not take a serial block nor write the journal either.
source "$(dirname "$0")/lib.sh"

Z=bind.test
state="$GW_TMP/state"
# Hold a TCP and a UDP socket on one 127.0.0.1 port for the test's life.
python3 - >"$GW_TMP/held" <<'PY' &
import socket, sys, time
for _ in range(50):
    t = socket.socket()
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close()
        continue
    t.listen(1)
    print(port, flush=True)
    break
time.sleep(300)
PY
HOLDER=$!
trap 'kill "$HOLDER" 2>/dev/null || true; gw_cleanup' EXIT
for _ in $(seq 1 50); do
	[ -s "$GW_TMP/held" ] && break
	sleep 0.1
done
PORT=$(cat "$GW_TMP/held")
[ -n "$PORT" ] || { echo "FAIL: no port held" >&2; exit 1; }

ok_cfg=$(gw_config ok "zone: {domain: $Z.}
dnssec: {algorithm: ed25519}")
taken_cfg="$GW_ETC/taken.yaml"
sed "s/^listen: .*/listen: [\"127.0.0.1@$PORT\"]/" "$ok_cfg" >"$taken_cfg"
noports_cfg="$GW_ETC/noports.yaml"
sed "s|^ports-file: .*|ports-file: $GW_TMP/missing/ports|" "$ok_cfg" >"$noports_cfg"
listing() { find "$state" -printf '%P %y %s %T@\n' | sort; }
# refused CONFIG WHAT: the daemon exits with an error status (not killed
# by the timeout); its output in $GW_TMP/last.
refused() {
	local rc=0
	timeout 60 "$GW_BIN" -c "$1" >"$GW_TMP/last" 2>&1 || rc=$?
	expect "$2: the daemon exits with an error (status $rc)" bash -c "[ $rc -ne 0 ] && [ $rc -ne 124 ]"
	expect "$2: no sanitizer report" bash -c "! grep -q 'Sanitizer\|runtime error:' '$GW_TMP/last'"
}

# ---- first start, port in use ----------------------------------------------
rmdir "$state" # made by gw_config; the daemon makes it when it needs it
refused "$taken_cfg" "first start, port $PORT in use"
expect "... the message names the address and the error" \
	grep -q "cannot listen on 127.0.0.1@$PORT: Address already in use" "$GW_TMP/last"
expect "... and how to find who holds the port" \
	grep -q "another program holds the port (ss -lntup 'sport = :$PORT' names it)\$" "$GW_TMP/last"
expect "... and says nothing was written" grep -q "not started: a listen address cannot be bound (nothing was written to $state)" "$GW_TMP/last"
expect "... no keys/, no serial, no journal: not even the state directory" test ! -e "$state"

# ---- every address's port 53 beside systemd-resolved's stub -----------------
# In a namespace of the test's own, a stub listener as systemd-resolved
# has one holds 127.0.0.53@53 (UDP and TCP): a wildcard TCP socket cannot
# share the port with it, and the message says so and what to do.
NS_STUB="gwstub$$"
ip netns add "$NS_STUB" || { echo "FAIL: cannot create a network namespace (root needed)" >&2; exit 1; }
trap 'kill "$HOLDER" 2>/dev/null || true; ip netns del "$NS_STUB" 2>/dev/null || true; gw_cleanup' EXIT
ip -n "$NS_STUB" link set lo up
ip netns exec "$NS_STUB" python3 - >"$GW_TMP/stub" <<'PY' &
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.53", 53))
t = socket.socket()
t.bind(("127.0.0.53", 53))
t.listen(1)
print("held", flush=True)
time.sleep(120)
PY
STUB=$!
for _ in $(seq 1 50); do
	[ -s "$GW_TMP/stub" ] && break
	sleep 0.1
done
expect "a stub listener holds 127.0.0.53@53 in $NS_STUB" test -s "$GW_TMP/stub"
stub_cfg="$GW_ETC/stub.yaml"
sed -e 's/^listen: .*/listen: ["0.0.0.0@53"]/' -e "s|^state-dir: .*|state-dir: $GW_TMP/stub-state|" \
	-e "s|^ports-file: .*|ports-file: $GW_TMP/stub-ports|" "$ok_cfg" >"$stub_cfg"
rc=0
ip netns exec "$NS_STUB" timeout 60 "$GW_BIN" -c "$stub_cfg" >"$GW_TMP/last" 2>&1 || rc=$?
expect "every address's port 53: the daemon exits with an error (status $rc)" \
	bash -c "[ $rc -ne 0 ] && [ $rc -ne 124 ]"
expect "... the message names systemd-resolved's stub and the ways out" \
	grep -q "cannot listen on 0.0.0.0@53: Address already in use; .*systemd-resolved's stub listener on 127.0.0.53 is one: give listen the addresses to serve on rather than every address, or set DNSStubListener=no" "$GW_TMP/last"
kill "$STUB" 2>/dev/null || true
wait "$STUB" 2>/dev/null || true
ip netns del "$NS_STUB"

# ---- a good start makes the state -------------------------------------------
gw_start "$ok_cfg"
serial=$(gw_soa_serial "$Z.")
expect "a good start serves serial $serial" test -n "$serial"
gw_stop
expect "... and leaves keys/, serial and journal" \
	test -d "$state/keys" -a -s "$state/serial" -a -s "$state/journal"
ceiling=$(cat "$state/serial")
cp "$state/ds" "$GW_TMP/ds.before"
listing >"$GW_TMP/before"
sleep 1.1 # a file written again would show a newer time

# ---- later start, port in use -----------------------------------------------
refused "$taken_cfg" "later start, port $PORT in use"
listing >"$GW_TMP/after"
expect "... the state directory is unchanged (names, sizes, times)" diff "$GW_TMP/before" "$GW_TMP/after"

# ---- later start failing after the zone is built ----------------------------
refused "$noports_cfg" "later start, ports file cannot be written"
expect "... the message names the ports file" grep -q "$GW_TMP/missing/ports" "$GW_TMP/last"
# The DS files are written again at every start that signs (the same
# content; the directory's time moves with them); the serial, the journal
# and the keys must not change.
listing >"$GW_TMP/after"
expect "... the serial, the journal and keys/ are unchanged: no serial block taken" \
	diff <(grep -Ev '^(ds|trust-anchor| )' "$GW_TMP/before") <(grep -Ev '^(ds|trust-anchor| )' "$GW_TMP/after")
expect "... the DS file says the same" cmp "$GW_TMP/ds.before" "$state/ds"

# The next good start takes the serial the failed ones would have taken.
gw_start "$ok_cfg"
now=$(gw_soa_serial "$Z.")
expect "the next good start serves $now, right past the ceiling $ceiling" test "$now" = "$((ceiling + 1))"
gw_finish
