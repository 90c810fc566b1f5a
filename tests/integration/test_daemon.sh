#!/usr/bin/env bash
# The daemon's life: --check-config, the ports file, SIGHUP reload (a good
# file replaces the zone, a bad one keeps the old zone and says why),
# SIGTERM shutdown; a start whose clock is behind the state directory's
# last write says so.
source "$(dirname "$0")/lib.sh"

cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
good=$(gw_config good "zone: {domain: dnssd.test., file: $GW_TMP/zone}")

"$GW_BIN" --check-config -c "$good" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "--check-config accepts a valid file" test "$rc" -eq 0
"$GW_BIN" --check-config >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "--check-config accepts the built-in default" test "$rc" -eq 0

bad=$(gw_config bad "zone: {domain: dnssd.test., file: $GW_TMP/zone}
listen-typo: true
server: {udp-payload: 100}")
"$GW_BIN" --check-config -c "$bad" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "--check-config rejects a bad file" test "$rc" -eq 1
expect "--check-config names the unknown key with its line" grep -q "bad.yaml:6:1: listen-typo: unknown key" "$GW_TMP/last"

printf 'www IN A 192.0.2.1\n' >"$GW_TMP/nosoa.zone"
nosoa=$(gw_config nosoa "zone: {domain: dnssd.test., file: $GW_TMP/nosoa.zone}")
"$GW_BIN" --check-config -c "$nosoa" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "--check-config checks the zone file too" test "$rc" -eq 1

gw_start "$good"
expect "ports file lists udp and tcp" bash -c "grep -q '^udp 127.0.0.1 ' '$GW_TMP/ports' && grep -q '^tcp 127.0.0.1 $GW_PORT\$' '$GW_TMP/ports'"
expect "the port is logged" grep -q "listening on udp 127.0.0.1 port $GW_PORT" "$GW_TMP/gateway.log"

q new.dnssd.test. A
expect "before reload: new name absent" has_status NXDOMAIN

# A good new file: the new name appears, the serial moves.
sed 's/2026112701/2026112702/' "$GW_TEST_DATA/integration/basic.zone" >"$GW_TMP/zone.new"
echo 'new IN A 192.0.2.99' >>"$GW_TMP/zone.new"
mv "$GW_TMP/zone.new" "$GW_TMP/zone"
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do
	q new.dnssd.test. A
	has_status NOERROR && break
	sleep 0.1
done
expect "SIGHUP: the new zone is served" has_text "192.0.2.99"
q dnssd.test. SOA
expect "SIGHUP: the new serial" has_text "2026112702"

# A broken file: the old zone stays, the log says why with the line.
printf '$ORIGIN dnssd.test.\n@ IN SOA ns1 hostmaster 3 3600 600 86400 30\nbroken IN A 300.1.1.1\n' >"$GW_TMP/zone"
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do
	grep -q "not reloaded" "$GW_TMP/gateway.log" && break
	sleep 0.1
done
expect "bad zone file: reload refused and logged" grep -q "zone not reloaded" "$GW_TMP/gateway.log"
expect "bad zone file: the log names the line" grep -q "zone:3" "$GW_TMP/gateway.log"
q new.dnssd.test. A
expect "bad zone file: the previous zone is still served" has_text "192.0.2.99"

kill -TERM "$GW_PID"
rc=0
wait "$GW_PID" || rc=$?
GW_PID=""
expect "SIGTERM: clean exit status 0" test "$rc" -eq 0
expect "SIGTERM: the ports file is removed" test ! -e "$GW_TMP/ports"
expect "the first start had nothing to say of the clock" bash -c "! grep -q 'wall clock is' '$GW_TMP/gateway.log'"

# The state directory last written two days ahead of the clock (an
# appliance started before its time sync): said at the start.
touch -d "@$(($(date +%s) + 2 * 86400))" "$GW_TMP/state/serial"
cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
gw_start "$good"
expect "a clock behind the state directory is said" \
	grep -Eq "zone dnssd.test.: the wall clock is 1[0-9]{5} s behind the last write in $GW_TMP/state" "$GW_TMP/gateway.log"

gw_finish
