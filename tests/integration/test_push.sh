#!/usr/bin/env bash
# DNS Push (RFC 8765) over DSO (RFC 8490) over TLS, end to end: the
# gateway mirrors a LAN (network namespaces this test makes,
# python3-zeroconf publishing) and a client written from the RFCs
# (push_client.py) finds the push server through the zone's
# _dns-push-tls._tcp SRV, checks the gateway's certificate (its own
# self-signed one from <state>/tls) for the SRV target's name and the
# served key against the zone's TLSA 3 1 1, and subscribes to the link's
# _ipp._tcp and _http._tcp PTR. Checks: the KEEPALIVE response's
# timeouts, PUSH of a new printer, announce-to-PUSH latency, removal on
# goodbye (TTL 0xFFFFFFFF), initial answers, type ANY without DNSSEC
# records, UNSUBSCRIBE, NOTAUTH, the error rules (FORMERR and close,
# DSOTYPENI, fatal errors aborted with a RST, a duplicate SUBSCRIBE,
# edns-tcp-keepalive on a session) without
# harm to other sessions, padding, the per-connection limit, the inactivity
# timeout (KEEPALIVE alone does not hold an idle session), and a client
# that reconnects (discovering the restarted server's new port) and
# resubscribes across a gateway restart. Plain TCP: DSO gets NOTIMP with
# push.plain-tcp false (the default), and a session with it true.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/netns.sh"

/usr/bin/python3 -c 'import dns.name' 2>/dev/null ||
	ns_die "python3-dnspython is not installed (run scripts/setup.sh)"
ns_setup
D=push.test.
L=lan.$D
PORT=8053 # DNS inside the gateway's namespace: the same after a restart
# TLS on the namespace's address, port 0: the client learns it from the
# SRV, again after the restart.
cfg=$(gw_config push "zone: {domain: $D}
links: [{interface: $IF_GW, subdomain: lan}]
mdns: {batch-window: 50ms, warm-up: 2s}
tls: {listen: [\"$ADDR_GW4@0\"]}
push: {enable: true, plain-tcp: false, inactivity-timeout: 2s, keepalive-interval: 10s,
       max-subscriptions-per-connection: 8}
metrics: {listen: [\"127.0.0.1@9153\"]}")
sed -i "/^listen:/s/@0\"/@$PORT\"/g" "$cfg"
gw_start_ns "$cfg"
TLS_PORT=$(awk -v a="$ADDR_GW4" '$1 == "tls" && $2 == a {print $3; exit}' "$GW_TMP/ports")
expect "the ports file has the TLS listener ($ADDR_GW4 port $TLS_PORT)" [ -n "$TLS_PORT" ]
CERT="$GW_TMP/state/tls/cert.pem"
expect "the gateway made its certificate" [ -s "$CERT" ]
wait_until 10 grep -q "link lan ($IF_GW) is up" "$GW_TMP/gateway.log"
expect "the link is up" grep -q "link lan ($IF_GW) is up" "$GW_TMP/gateway.log"
pub_start
sleep 1

# client: over TLS, found through the SRV, certificate and TLSA checked;
# plain: over plain TCP to the DNS port.
client() {
	ip netns exec "$NS_GW" /usr/bin/python3 "$GW_INTEGRATION_DIR/push_client.py" \
		--tls --cafile "$CERT" --discover "$D" --dns-port "$PORT" --tlsa "$@"
}
plain() {
	ip netns exec "$NS_GW" /usr/bin/python3 "$GW_INTEGRATION_DIR/push_client.py" \
		--port "$PORT" "$@"
}

# Every PASS/FAIL line of the client is one check here.
judge() {
	local line
	while IFS= read -r line; do
		echo "$line" >>"$GW_TMP/client.log"
		case $line in
		PASS\ *) pass "${line#PASS }" ;;
		FAIL\ *) fail "${line#FAIL }" ;;
		latency\ * | reconnect:\ server*) echo "  $line" ;;
		esac
	done
}

# (judge reads a file: in a pipe it would count in a subshell)
client scenario --zone "$D" --pub-in "$GW_TMP/pub.in" --pub-out "$GW_TMP/pub.out" \
	--count 20 --inactivity-ms 2000 --keepalive-ms 10000 --max-per-connection 8 \
	>"$GW_TMP/scenario.out" 2>"$GW_TMP/client.err" || true # its FAIL lines say why
judge <"$GW_TMP/scenario.out"
expect "the client made its checks" [ "$(grep -c '^PASS\|^FAIL' "$GW_TMP/scenario.out")" -ge 35 ]
expect "the client ran to its end" [ ! -s "$GW_TMP/client.err" ]
[ -s "$GW_TMP/client.err" ] && cat "$GW_TMP/client.err" >&2

# The counters: the errors and the refusal above, PUSH messages sent.
metric() {
	ip netns exec "$NS_GW" /usr/bin/python3 -c \
		'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:9153/metrics").read().decode())' \
		>"$GW_TMP/last" 2>&1
	awk -v m="$1" '$1 == m {print $2}' "$GW_TMP/last"
}
expect "metrics: protocol errors counted" [ "$(metric dnssd_gateway_push_errors_total)" -ge 4 ]
expect "metrics: the refusal counted" [ "$(metric dnssd_gateway_push_refused_total)" -ge 1 ]
expect "metrics: PUSH messages counted" [ "$(metric dnssd_gateway_push_messages_total)" -ge 20 ]

# A restart: the client sees its connection close, reconnects,
# subscribes again and gets the current answers.
pub service _ipp._tcp 631 pushhost Restart Printer
wait_until 10 has_answer "_ipp._tcp.$L" PTR "Restart"
client reconnect --name "_ipp._tcp.$L" --type PTR --expect 'Restart\032Printer' \
	>"$GW_TMP/reconnect.out" 2>"$GW_TMP/reconnect.err" &
RC_PID=$!
for _ in $(seq 1 50); do
	grep -q "^subscribed" "$GW_TMP/reconnect.out" && break
	sleep 0.1
done
gw_stop
gw_start_ns "$cfg"
for _ in $(seq 1 600); do
	kill -0 "$RC_PID" 2>/dev/null || break
	sleep 0.1
done
kill "$RC_PID" 2>/dev/null || true
wait "$RC_PID" 2>/dev/null || true
judge <"$GW_TMP/reconnect.out"
expect "the reconnecting client ran to its end" [ ! -s "$GW_TMP/reconnect.err" ]
[ -s "$GW_TMP/reconnect.err" ] && cat "$GW_TMP/reconnect.err" >&2

# Push on, plain TCP not allowed (push.plain-tcp false, the default: RFC
# 8765 5 requires TLS): DSO on plain TCP is answered NOTIMP, as with push
# off, and the connection stays a DNS connection.
expect "plain-tcp false: DSO on plain TCP gets NOTIMP" \
	[ "$(plain probe 2>&1)" = "rcode NOTIMP open" ]
expect "plain-tcp false: DSO over TLS still works" [ "$(client probe 2>&1)" = "rcode NOERROR open" ]
# With push.plain-tcp true, a session on plain TCP (tests, trusted networks).
gw_stop
sed -i 's/plain-tcp: false/plain-tcp: true/' "$cfg"
gw_start_ns "$cfg"
expect "plain-tcp true: DSO on plain TCP establishes a session" \
	[ "$(plain probe 2>&1)" = "rcode NOERROR open" ]

expect "DSO errors were logged" grep -q "push: DSO protocol error" "$GW_TMP/gateway.log"
expect "the limit was logged" grep -q "SUBSCRIBE refused" "$GW_TMP/gateway.log"
gw_finish
