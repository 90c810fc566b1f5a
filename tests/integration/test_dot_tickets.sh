#!/usr/bin/env bash
# TLS session tickets under keys that rotate (docs/tls.md): with
# tls.ticket-lifetime 4 s, a ticket resumes its session at once; the key
# that seals tickets is replaced every 4 s (a debug line each time); and a
# ticket older than two lifetimes resumes nothing: the client gets a full
# handshake. The unit suite (test_tls_ticket) checks the keys themselves:
# one rotation still opens a ticket, two do not.
source "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "FAIL: openssl missing (scripts/setup.sh)" >&2; exit 1; }

Z=dnssd.test
cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
cfg=$(gw_config tickets "zone: {domain: $Z., file: $GW_TMP/zone}
log: {level: debug}
tls: {listen: [\"127.0.0.1@0\"], ticket-lifetime: 4}")
gw_start "$cfg"
P=$GW_TLS_PORT
expect "TLS port learned" test -n "$P"

# connect ARGS...: one TLS 1.3 connection with openssl s_client, open for
# half a second (long enough to read the ticket); output in $GW_TMP/last.
connect() {
	(sleep 0.5) | timeout 5 openssl s_client -connect 127.0.0.1:"$P" -alpn dot -tls1_3 \
		"$@" >"$GW_TMP/last" 2>&1 || true
}

connect -sess_out "$GW_TMP/s0"
expect "first connection: a new session" has_text "New, TLSv1.3"
expect "first connection: a ticket came" test -s "$GW_TMP/s0"
connect -sess_in "$GW_TMP/s0"
expect "at once: the ticket resumes its session" has_text "Reused, TLSv1.3"

# Two lifetimes and a margin: the key that sealed s0 is erased.
sleep 9
connect -sess_in "$GW_TMP/s0"
expect "after two lifetimes: a full handshake" has_text "New, TLSv1.3"
expect "the ticket key was replaced every lifetime" \
	grep -q "new session ticket key (rotation 2)" "$GW_TMP/gateway.log"
expect "the daemon still runs" kill -0 "$GW_PID"
gw_finish
