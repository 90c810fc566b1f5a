#!/usr/bin/env bash
# Answers a slow reader takes late. Queries pipelined past
# server.tcp-max-pipelined are answered as the first answers are taken. A
# connection the server ends (here a message shorter than a DNS header)
# is closed once the answers before it are out, however slowly the
# client reads them, and no later than the idle timeout while they do
# not move. Before, the answers the socket had not taken when the short
# message was read were dropped with the connection.
#
# The daemon and the client run in a network namespace of the test's own,
# its TCP send buffers cut to 64 kB (net.ipv4.tcp_wmem, per namespace):
# on the host's loopback the kernel takes megabytes, and the answers
# never wait in the daemon.
source "$(dirname "$0")/own_netns.sh"
own_netns TCP_CLOSE_NS "net.ipv4.tcp_wmem=4096 16384 65536"
source "$(dirname "$0")/lib.sh"
H="$GW_INTEGRATION_DIR/tcp_hostile.py"

cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
cfg=$(gw_config close "zone: {domain: dnssd.test., file: $GW_TMP/zone}
server: {tcp-idle-timeout: 2s}")
gw_start "$cfg"

# 60 queries pipelined in one write, more than tcp-max-pipelined (32)
# answers in flight: the rest are answered as the slow reader takes the
# first, without more input to wake the server (they waited for the idle
# timeout, and the connection closed with them unanswered).
python3 "$H" short --port "$GW_PORT" --len 0 --before 60 --qname big.dnssd.test. --qtype 16 \
	--rcvbuf 4096 --stall 1 --no-short --no-after >"$GW_TMP/last" 2>&1 || true
expect "60 pipelined queries, a slow reader: all answered" has_text "answered=60"

# 30 queries for big.dnssd.test. TXT (24 strings, about 5 kB signed:
# 150 kB in all, within tcp-max-pipelined, so all are answered at once),
# then a 0-octet message; the client reads nothing for 1 s behind a 4 kB
# receive buffer, then everything.
python3 "$H" short --port "$GW_PORT" --len 0 --before 30 --qname big.dnssd.test. --qtype 16 \
	--rcvbuf 4096 --stall 1 --no-after >"$GW_TMP/last" 2>&1 || true
expect "a slow reader gets all 30 answers before the close" has_text "answered=30 closed=1"
expect "the short message is logged" grep -q "shorter than a DNS header; closing" "$GW_TMP/gateway.log"

# A reader that stops for longer than the idle timeout (2 s) does not
# keep the connection: it is closed with the answers it did not take.
python3 "$H" short --port "$GW_PORT" --len 0 --before 30 --qname big.dnssd.test. --qtype 16 \
	--rcvbuf 4096 --stall 4 --no-after >"$GW_TMP/last" 2>&1 || true
n=$(sed -n 's/.*answered=\([0-9]*\).*/\1/p' "$GW_TMP/last")
expect "a reader that stops is closed at the idle timeout (answered=${n:-none} of 30)" \
	test -n "$n" -a "${n:-30}" -lt 30

# The server still answers.
python3 "$H" short --port "$GW_PORT" --len 11 >"$GW_TMP/last" 2>&1 || true
expect "an 11-octet message: the query before it answered, then closed" has_text "answered=1 closed=1"
gw_finish
