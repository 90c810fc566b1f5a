#!/usr/bin/env bash
# Hostile TCP clients (issue 16): connections that dribble, idle floods, one
# address opening too many, running out of file descriptors, and DNS Push
# sessions held from many addresses (three quarters of the table at most,
# of the table fitted to the file descriptor limit too). Through
# all of it another client's TCP query is answered within 1 s. The
# clients are tcp_hostile.py on 127.0.0.0/8 (all loopback), each source
# address a different client.
source "$(dirname "$0")/lib.sh"
H="$GW_INTEGRATION_DIR/tcp_hostile.py"

cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
# 50 connections: the per-client limit is then its minimum, 8. The idle
# timeout and the message timeout (5 s) keep their defaults.
cfg=$(gw_config hostile "zone: {domain: dnssd.test., file: $GW_TMP/zone}
server: {tcp-max-connections: 50}")
gw_start "$cfg"

# val KEY: the number after KEY= in the last output.
val() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" "$GW_TMP/last" | head -n 1; }
# cmp A OP B: numeric comparison (awk), e.g. cmp "$(val x)" "<" 1.5.
cmp() { awk -v a="$1" -v b="$3" "BEGIN { exit !(a $2 b) }"; }
attack() {
	python3 "$H" attack --port "$GW_PORT" "$@" >"$GW_TMP/last" 2>&1 || true
	grep -v "^probe \|=0$" "$GW_TMP/last" | sed 's/^/    /'
}

# A client that keeps its connection and asks every 3 s is served on it
# for 12 s: the message deadline is per message, not per connection.
python3 "$H" keepalive --port "$GW_PORT" --rounds 5 --gap 3 >"$GW_TMP/last" 2>&1 || true
expect "keepalive: 5 queries over 12 s on one connection" has_text "answered=5"

# A message shorter than a header (no ID to answer) closes the
# connection once the answers before it are out: the query before it is
# answered, the one after it is not.
for len in 0 11; do
	python3 "$H" short --port "$GW_PORT" --len $len >"$GW_TMP/last" 2>&1 || true
	expect "a $len-octet message: the query before it answered, then closed" \
		has_text "answered=1 closed=1"
done
expect "a short message: logged" grep -q "shorter than a DNS header; closing" "$GW_TMP/gateway.log"

# Slow clients: 300 connections from 127.0.0.1, each sending one octet of
# a message every 2 s, reopened when closed. Octets used to restart the
# idle timer, so they held every slot.
attack --src 127.0.0.1 --per-src 300 --dribble 2 --refill 2 --duration 14 --settle 1.5 \
	--probe-src 127.0.0.2 --probe-every 2
expect "slow clients: probes ran during the attack" cmp "$(val probes)" ">=" 5
expect "slow clients: every probe answered within 1 s" cmp "$(val late)" "==" 0
expect "slow clients: the server closed them" cmp "$(val closed)" ">=" 300
expect "slow clients: none lived past the message deadline (5 s)" \
	cmp "$(val max_life)" "<" 6.5
expect "slow clients: none open past the message deadline at the end" \
	cmp "$(val oldest_open)" "<" 6.5
expect "slow clients: 127.0.0.1 holds at most 8 connections" cmp "$(val open_127.0.0.1)" "<=" 8

# The deadline itself: 4 dribbling connections (below every limit) are
# closed 5 s after they opened, although an octet comes every second.
attack --src 127.0.0.5 --per-src 4 --dribble 1 --duration 8
expect "message deadline: all 4 closed" cmp "$(val closed)" "==" 4
expect "message deadline: not before 5 s" cmp "$(val min_life)" ">=" 4.8
expect "message deadline: soon after 5 s" cmp "$(val max_life)" "<" 6.5

# Per-client limit: 30 silent connections from 127.0.0.3 leave it 8 (its
# newest); 127.0.0.2 is served meanwhile.
attack --src 127.0.0.3 --per-src 30 --duration 3 --probe-src 127.0.0.2 --probe-every 1
expect "per-client limit: 127.0.0.3 keeps at most 8" cmp "$(val open_127.0.0.3)" "<=" 8
expect "per-client limit: 127.0.0.3 keeps some" cmp "$(val open_127.0.0.3)" ">=" 1
expect "per-client limit: the others are closed by the server" cmp "$(val closed)" ">=" 22
expect "per-client limit: another address is answered within 1 s" \
	bash -c "[ '$(val probes)' -ge 2 ] && [ '$(val late)' = 0 ]"

# Idle flood: 80 silent connections from 10 addresses (8 each, within the
# per-client limit) against 50 slots, reopened every 0.5 s; the newcomer
# takes the slot of the one idle longest.
srcs=$(seq -s, -f "127.0.0.%g" 10 19)
attack --src "$srcs" --per-src 8 --refill 0.5 --duration 8 \
	--probe-src 127.0.0.2 --probe-every 1
expect "idle flood: probes ran during the flood" cmp "$(val probes)" ">=" 6
expect "idle flood: every probe answered within 1 s" cmp "$(val late)" "==" 0
expect "idle flood: idle connections closed for newcomers" cmp "$(val closed)" ">=" 30
expect "idle flood: logged" grep -q "TCP: all 50 connections in use; the one idle longest is closed" \
	"$GW_TMP/gateway.log"
lines=$(grep -c "TCP: all 50 connections in use" "$GW_TMP/gateway.log" || true)
expect "idle flood: that line is rate-limited ($lines lines)" cmp "$lines" "<=" 2

gw_stop

# Out of descriptors: RLIMIT_NOFILE 100 (soft and hard), with 60 of them
# taken before the daemon starts (as if other files grew past the reserve),
# and tcp-max-connections 200.
cat >"$GW_TMP/limited.sh" <<SH
#!/bin/sh
exec python3 "$H" exec-limited --nofile 100 --hold 60 -- "$GW_BIN" "\$@"
SH
chmod +x "$GW_TMP/limited.sh"
cfg=$(gw_config emfile "zone: {domain: dnssd.test., file: $GW_TMP/zone}
server: {tcp-max-connections: 200}")
: >"$GW_TMP/gateway.log"
GW_BIN="$GW_TMP/limited.sh" gw_start "$cfg"
expect "fd limit: the warning names both numbers" grep -q \
	"tcp-max-connections is 200, but the file descriptor limit (RLIMIT_NOFILE) is 100" \
	"$GW_TMP/gateway.log"

# cpu_ticks: utime + stime of the daemon (fields 14 and 15 of stat, after
# the command name in parentheses).
cpu_ticks() { sed 's/.*) //' "/proc/$GW_PID/stat" | awk '{ print $12 + $13 }'; }
srcs=$(seq -s, -f "127.0.0.%g" 20 29)
python3 "$H" attack --port "$GW_PORT" --src "$srcs" --per-src 8 --duration 7 \
	>"$GW_TMP/emfile.out" 2>&1 &
attacker=$!
sleep 2
t0=$(cpu_ticks)
l0=$(wc -l <"$GW_TMP/gateway.log")
sleep 3
t1=$(cpu_ticks)
l1=$(wc -l <"$GW_TMP/gateway.log")
hz=$(getconf CLK_TCK)
q www.dnssd.test. A
expect "EMFILE: UDP still answered" has_status NOERROR
wait "$attacker" || true
expect "EMFILE: reached, and logged" grep -q "TCP: cannot accept (Too many open files)" \
	"$GW_TMP/gateway.log"
cpu=$(awk -v t=$((t1 - t0)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')
expect "EMFILE: no busy loop ($cpu s of CPU in 3 s)" cmp "$cpu" "<" 0.5
expect "EMFILE: log rate-limited ($((l1 - l0)) lines in 3 s)" cmp $((l1 - l0)) "<=" 5
sleep 0.5
q www.dnssd.test. A +tcp
expect "EMFILE: TCP answered once the connections closed" has_status NOERROR

gw_stop

# DNS Push sessions (plain TCP here) are never evicted for a newcomer:
# from 4 addresses, 8 each (the per-client limit at 32 connections),
# they used to fill the whole table and leave every other TCP client
# waiting. They may hold three quarters of it (24); the rest of the
# table stays for queries and transfers.
cfg=$(gw_config dso "zone: {domain: dnssd.test., file: $GW_TMP/zone}
server: {tcp-max-connections: 32}
push: {enable: true, plain-tcp: true}")
: >"$GW_TMP/gateway.log"
gw_start "$cfg"
expect "DNS Push: the session limit lowered to three quarters of the TCP table, and said" \
	grep -q "push: at most 24 sessions" "$GW_TMP/gateway.log"
python3 "$H" dso-sessions --port "$GW_PORT" --src 127.0.0.21,127.0.0.22,127.0.0.23,127.0.0.24 \
	--per-src 8 --hold 1 --probe-src 127.0.0.30 >"$GW_TMP/last" 2>&1 || true
expect "DNS Push: 24 sessions held, the others refused ($(cat "$GW_TMP/last"))" \
	bash -c "[ '$(val established)' = 24 ] && [ '$(val refused)' = 8 ]"
expect "DNS Push: another client's TCP query answered meanwhile" test "$(val probe)" = 1
gw_stop

# The same three quarters of the table the server really has: under a
# file descriptor limit of 120 it serves 60 of the 100 TCP connections
# asked for, and push holds 45 of them, not 75 (which would fill it).
cfg=$(gw_config dso-fd "zone: {domain: dnssd.test., file: $GW_TMP/zone}
server: {tcp-max-connections: 100}
push: {enable: true, plain-tcp: true}")
cat >"$GW_TMP/nofile.sh" <<SH
#!/bin/sh
exec prlimit --nofile=120:120 "$GW_BIN" "\$@"
SH
chmod 755 "$GW_TMP/nofile.sh"
: >"$GW_TMP/gateway.log"
GW_BIN="$GW_TMP/nofile.sh" gw_start "$cfg"
expect "DNS Push under RLIMIT_NOFILE 120: the table fitted to 60" \
	grep -q "serving at most 60 TCP connections" "$GW_TMP/gateway.log"
expect "... and push held to three quarters of that (45), and said" \
	grep -q "push: at most 45 sessions, three quarters of the 60 TCP connections" "$GW_TMP/gateway.log"
python3 "$H" dso-sessions --port "$GW_PORT" \
	--src 127.0.0.41,127.0.0.42,127.0.0.43,127.0.0.44,127.0.0.45,127.0.0.46,127.0.0.47,127.0.0.48 \
	--per-src 8 --hold 1 --probe-src 127.0.0.50 >"$GW_TMP/last" 2>&1 || true
expect "... 45 sessions held, the others refused ($(cat "$GW_TMP/last"))" \
	bash -c "[ '$(val established)' = 45 ] && [ '$(val refused)' = 19 ]"
expect "... another client's TCP query answered meanwhile" test "$(val probe)" = 1

gw_finish
