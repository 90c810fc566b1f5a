#!/usr/bin/env bash
# With the log at debug, a peer still cannot flood it: a device on the link
# sends invalid mDNS packets (Avahi logs each at debug), a client on the
# network fails TLS handshakes one connection after another (logged at
# debug). Each kind writes at most GW_LOG_DEBUG_BURST (20) lines a second,
# and the next line written tells how many were suppressed
# (docs/security.md, "Log lines").
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/netns.sh"

BURST=20
N_MDNS=2000
N_TLS=300

ns_setup
D=dnssd.test.
cfg=$(gw_config logflood "zone: {domain: $D}
dnssec: {enable: false}
log: {level: debug}
tls: {listen: [\"127.0.0.1@0\"]}
metrics: {listen: [\"127.0.0.1@0\"]}
links: [{interface: $IF_GW, subdomain: lan}]
mdns: {batch-window: 50ms}")
gw_start_ns "$cfg"
wait_until 10 grep -q "link lan ($IF_GW) is up" "$GW_TMP/gateway.log"
TLS_PORT=$(awk '$1 == "tls" && $2 == "127.0.0.1" {print $3; exit}' "$GW_TMP/ports")
[ -n "$TLS_PORT" ] || ns_die "no tls 127.0.0.1 line in the ports file"

# junk N: N mDNS packets with opcode 15 (Avahi: "Received invalid
# packet."), from the LAN namespace's own address to the group on its
# link; a bounded loop.
junk() {
	ip netns exec "$NS_LAN" /usr/bin/python3 - "$ADDR_LAN4" "$1" <<'PY'
import socket, struct, sys, time
addr, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind((addr, 5353))
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(addr))
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
pkt = struct.pack("!HHHHHH", 0, 0x7800, 0, 0, 0, 0)
for i in range(n):
    s.sendto(pkt, ("224.0.0.251", 5353))
    if i % 100 == 99:
        time.sleep(0.01)  # the gateway's socket buffer keeps up
PY
}

# bad_tls N: N connections to the DoT port that send plain text instead of
# a ClientHello, each read until the gateway closes it (bounded by a
# timeout).
bad_tls() {
	ip netns exec "$NS_GW" /usr/bin/python3 - "$TLS_PORT" "$1" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
for _ in range(n):
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(b"GET / HTTP/1.0\r\n\r\n")
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass
    c.close()
PY
}

count() { grep -c "$1" "$GW_TMP/gateway.log" || true; }

junk "$N_MDNS"
bad_tls "$N_TLS"
# Let the gateway read what was sent, then a limiter's interval (1 s) pass.
wait_until 10 test "$(count 'avahi: Received invalid packet')" -ge 1
wait_until 10 test "$(count 'TLS handshake with 127.0.0.1.* failed')" -ge 1
sleep 2
m1=$(count 'avahi: Received invalid packet')
t1=$(count 'TLS handshake with 127.0.0.1.* failed')
echo "after the floods: $m1 Avahi lines for $N_MDNS packets, $t1 TLS lines for $N_TLS handshakes"
# The floods last a few seconds, so a few intervals' worth of lines.
expect "the invalid mDNS packets were logged" test "$m1" -ge 1
expect "at most $BURST Avahi debug lines a second, not one per packet" test "$m1" -le $((BURST * 10))
expect "the failed handshakes were logged" test "$t1" -ge 1
expect "at most $BURST TLS debug lines a second, not one per connection" test "$t1" -le $((BURST * 10))

# One more of each, in a new interval: its line tells the drops.
junk 1
bad_tls 1
wait_until 10 test "$(count 'avahi: Received invalid packet')" -gt "$m1"
wait_until 10 test "$(count 'TLS handshake with 127.0.0.1.* failed')" -gt "$t1"
expect "the next Avahi line counts the suppressed ones" \
	grep -Eq "avahi: Received invalid packet\. \([0-9]+ similar lines suppressed\)" \
	"$GW_TMP/gateway.log"
expect "the next TLS line counts the suppressed ones" \
	grep -Eq "TLS handshake with 127\.0\.0\.1.* failed: .* \([0-9]+ similar lines suppressed\)" \
	"$GW_TMP/gateway.log"
# The log drops lines; the metrics count every failure.
MPORT=$(awk '$1 == "metrics" {print $3; exit}' "$GW_TMP/ports")
failed=$(ip netns exec "$NS_GW" curl -s "http://127.0.0.1:$MPORT/metrics" |
	awk '$1 == "dnssd_gateway_tls_handshakes_total{result=\"failed\"}" {print $2}')
expect "every failed handshake counted in the metrics ($failed)" \
	test "${failed:-0}" -eq $((N_TLS + 1))
expect "the gateway is still running" kill -0 "$GW_PID"
qn "$D" SOA
expect "it still answers" has_text "IN SOA"

gw_finish
