#!/usr/bin/env bash
# DNS over TLS (RFC 7858, RFC 8310; docs/tls.md): the gateway's own key
# and self-signed certificate, answers over TLS equal to UDP answers over
# a query mix, the certificate checked by name (kdig +tls-ca), ALPN dot,
# EDNS padding to 468-octet blocks (RFC 8467) only over TLS (after the
# NSID when the query asks for both), session
# resumption, Unbound validating (AD) through forward-tls-upstream, and
# the limits: a silent or dribbling handshake is cut at the message
# timeout, a flood from one address does not starve another client, and
# a record sent in two pieces leaves the daemon serving others meanwhile.
source "$(dirname "$0")/lib.sh"
H="$GW_INTEGRATION_DIR/tcp_hostile.py"
for tool in openssl unbound dig; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (scripts/setup.sh)" >&2; exit 1; }
done

Z=dnssd.test
cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
cfg=$(gw_config dot "zone: {domain: $Z., file: $GW_TMP/zone}
rate-limit: {rate: 0}
identity: gw-dot.test
server: {tcp-message-timeout: 2s, tcp-max-connections: 64}
tls: {listen: [\"127.0.0.1@0\", \"[::1]@0\"]}
metrics: {listen: [\"127.0.0.1@0\"]}")
gw_start "$cfg"
state="$GW_TMP/state"
cert="$state/tls/cert.pem"
P=$GW_TLS_PORT

expect "ports file has tls lines for both addresses" \
	test "$(grep -c '^tls ' "$GW_TMP/ports")" -eq 2
expect "TLS port learned" test -n "$P"
expect "own key and certificate made, 0600" bash -c \
	"[ \$(stat -c %a '$state/tls/key.pem') = 600 ] && [ \$(stat -c %a '$cert') = 600 ]"
expect "the certificate names dns.$Z" bash -c \
	"openssl x509 -in '$cert' -noout -ext subjectAltName | grep -q 'DNS:dns.$Z'"
expect "the key is ECDSA P-256" bash -c \
	"openssl pkey -in '$state/tls/key.pem' -noout -text | grep -q 'prime256v1'"

# tq ARGS...: kdig over TLS to 127.0.0.1; output in $GW_TMP/last.
tq() {
	kdig @127.0.0.1 -p "$P" +tls +time=3 +retry=1 "$@" >"$GW_TMP/last" 2>&1 || true
}

# --- The same answers over TLS as over UDP, over a query mix. -----------
# Every name of the zone (from an AXFR over TLS) with the common DNS-SD
# types, some with DO, and names that do not exist.
tq $Z. AXFR +noall +answer
expect "AXFR over TLS: starts and ends with the SOA" \
	test "$(grep -c 'IN[[:space:]]SOA' "$GW_TMP/last")" -eq 2
awk '$1 !~ /^;/ && NF > 3 {print $1}' "$GW_TMP/last" | sort -u >"$GW_TMP/names"
: >"$GW_TMP/mix"
while read -r n; do
	for t in A AAAA SRV TXT PTR NS SOA TLSA NSEC CNAME MX; do
		echo "$n $t" >>"$GW_TMP/mix"
	done
	echo "$n A +dnssec" >>"$GW_TMP/mix"
done <"$GW_TMP/names"
for i in $(seq 1 30); do echo "nx$i.lan.$Z. A" >>"$GW_TMP/mix"; done
nq=$(wc -l <"$GW_TMP/mix")
expect "query mix of a few hundred ($nq)" test "$nq" -ge 200
# answers ARGS...: each query of the mix through kdig ARGS, as the status,
# the flags and the answer section (message ids and the TLS banner left
# out), one block per query.
answers() {
	local a=() k=0
	# One kdig per 50 queries (never a query split between two).
	while read -r n t d; do
		a+=("$n" "$t")
		[ -n "$d" ] && a+=("$d")
		a+=(+nodnssec)
		k=$((k + 1))
		if [ "$k" -eq 50 ]; then
			kdig @127.0.0.1 "$@" +time=3 +retry=1 +noall +header +answer "${a[@]}" \
				</dev/null 2>&1 || true
			a=()
			k=0
		fi
	done <"$GW_TMP/mix" >"$GW_TMP/answers.raw"
	if [ "$k" -gt 0 ]; then
		kdig @127.0.0.1 "$@" +time=3 +retry=1 +noall +header +answer "${a[@]}" \
			>>"$GW_TMP/answers.raw" 2>&1 || true
	fi
	grep -v '^;; TLS session\|^;; WARNING: truncated\|^;; Received\|^;; From\|^;; Time\|^$' \
		"$GW_TMP/answers.raw" | sed 's/; id: [0-9]*//'
}
# +dnssec must apply per query: the mix gives "+dnssec" after the type and
# +nodnssec resets it for the next one; kdig reads options per query.
answers -p "$GW_PORT" +bufsize=4096 >"$GW_TMP/udp.txt"
# +keepopen: the TLS queries of one kdig share a connection (pipelined).
answers -p "$P" +tls +keepopen +bufsize=4096 >"$GW_TMP/tls.txt"
nudp=$(grep -c 'status:' "$GW_TMP/udp.txt" || true)
expect "UDP answered every query of the mix ($nudp of $nq)" test "$nudp" -eq "$nq"
cp "$GW_TMP/udp.txt" "$GW_TMP/last"
expect "the mix has NOERROR and NXDOMAIN answers" bash -c \
	"grep -q 'status: NOERROR' '$GW_TMP/udp.txt' && grep -q 'status: NXDOMAIN' '$GW_TMP/udp.txt'"
expect "the mix has signed answers (DO)" grep -q 'RRSIG' "$GW_TMP/udp.txt"
diff "$GW_TMP/udp.txt" "$GW_TMP/tls.txt" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "TLS answers equal UDP answers over $nq queries (status, flags, answer)" test "$rc" -eq 0

# --- The certificate by name, with the generated certificate as CA. -------
tq +tls-ca="$cert" +tls-hostname=dns.$Z www.$Z. A
expect "kdig +tls-ca +tls-hostname=dns.$Z: answered" has_text "192.0.2.80"
tq +tls-ca="$cert" +tls-hostname=wrong.$Z www.$Z. A
expect "kdig +tls-hostname=wrong.$Z: refused by the client" lacks_text "192.0.2.80"

# --- ALPN. ---------------------------------------------------------------
(sleep 0.5) | timeout 5 openssl s_client -connect 127.0.0.1:"$P" -alpn dot \
	>"$GW_TMP/last" 2>&1 || true
expect "ALPN dot negotiated" has_text "ALPN protocol: dot"
expect "TLS 1.3 by default" has_text "New, TLSv1.3"
(sleep 0.5) | timeout 5 openssl s_client -connect 127.0.0.1:"$P" -alpn h2 \
	>"$GW_TMP/last" 2>&1 || true
expect "a client offering only h2 is refused (no_application_protocol)" \
	has_text "no application protocol"
(sleep 0.5) | timeout 5 openssl s_client -connect 127.0.0.1:"$P" -tls1_2 -alpn dot \
	>"$GW_TMP/last" 2>&1 || true
expect "TLS 1.2 accepted" has_text "New, TLSv1.2"
(sleep 0.5) | timeout 5 openssl s_client -connect 127.0.0.1:"$P" -tls1_1 \
	>"$GW_TMP/last" 2>&1 || true
expect "TLS 1.1 refused" lacks_text "New, TLSv1.1"

# --- EDNS padding (RFC 7830, RFC 8467). ----------------------------------
size_of() { sed -n 's/^;; Received \([0-9]*\) B.*/\1/p' "$GW_TMP/last" | head -n 1; }
for name in www.$Z. "_ipp._tcp.lan.$Z." nothing.$Z.; do
	tq +padding "$name" PTR +dnssec
	s=$(size_of)
	expect "padded query over TLS ($name): reply padded" has_text "PADDING:"
	expect "padded reply is a multiple of 468 octets ($s)" \
		bash -c "[ -n '$s' ] && [ \$(( $s % 468 )) -eq 0 ]"
done
tq +padding +nsid www.$Z. A
s=$(size_of)
expect "padding and NSID over TLS: the identity, then the padding to 468 ($s)" \
	bash -c "grep -q '^;; NSID: [0-9A-F]* \"gw-dot.test\"' '$GW_TMP/last' && grep -q 'PADDING:' '$GW_TMP/last' && [ -n '$s' ] && [ \$(( $s % 468 )) -eq 0 ]"
tq +nopadding www.$Z. A
expect "unpadded query over TLS: reply not padded" lacks_text "PADDING:"
kdig @127.0.0.1 -p "$GW_PORT" +tcp +padding www.$Z. A >"$GW_TMP/last" 2>&1 || true
expect "padded query over plain TCP: reply not padded" lacks_text "PADDING:"
expect "plain TCP still answers" has_text "192.0.2.80"
kdig @127.0.0.1 -p "$GW_PORT" +padding www.$Z. A >"$GW_TMP/last" 2>&1 || true
expect "padded query over UDP: reply not padded" lacks_text "PADDING:"

# --- Session resumption (tickets). ---------------------------------------
rm -f "$GW_TMP/sess"
(sleep 0.5) | timeout 5 openssl s_client -connect 127.0.0.1:"$P" -alpn dot \
	-sess_out "$GW_TMP/sess" >"$GW_TMP/last" 2>&1 || true
expect "first connection: a new session" has_text "New, TLSv1.3"
(sleep 0.5) | timeout 5 openssl s_client -connect 127.0.0.1:"$P" -alpn dot \
	-sess_in "$GW_TMP/sess" >"$GW_TMP/last" 2>&1 || true
expect "second connection: the session resumed" has_text "Reused, TLSv1.3"

# The metrics count what happened: full and resumed handshakes, and the
# failed ones (the h2-only client, TLS 1.1).
MPORT=$(awk '$1 == "metrics" {print $3; exit}' "$GW_TMP/ports")
metric() { # RESULT
	curl -s "http://127.0.0.1:$MPORT/metrics" |
		awk -v r="$1" '$1 == "dnssd_gateway_tls_handshakes_total{result=\"" r "\"}" {print $2}'
}
expect "metrics: resumed handshakes counted ($(metric resumed))" test "$(metric resumed)" -ge 1
expect "metrics: failed handshakes counted ($(metric failed))" test "$(metric failed)" -ge 2
expect "metrics: full handshakes counted ($(metric full))" test "$(metric full)" -ge 10

# --- Unbound over TLS, validating. ---------------------------------------
UB_TLS_PORT=$P UB_TLS_NAME=dns.$Z UB_TLS_CERT=$cert \
	unbound_start tls $Z. "$state/trust-anchor.ds"
ub www.$Z. A
expect "Unbound over TLS: answer" grep -q "192.0.2.80" "$GW_TMP/last"
expect "Unbound over TLS: AD (validated)" dig_has_flag ad
ub _ipp._tcp.lan.$Z. PTR
expect "Unbound over TLS: browse PTR with AD" dig_has_flag ad
unbound_stop_all
# The wrong name: Unbound refuses the certificate, so no answer.
UB_TLS_PORT=$P UB_TLS_NAME=wrong.$Z UB_TLS_CERT=$cert \
	unbound_start tlswrong $Z. "$state/trust-anchor.ds"
ub www.$Z. A
expect "Unbound over TLS with the wrong name: SERVFAIL" test "$(dig_status)" = SERVFAIL
unbound_stop_all

# --- Limits. -------------------------------------------------------------
val() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" "$GW_TMP/last" | head -n 1; }
cmp() { awk -v a="$1" -v b="$3" "BEGIN { exit !(a $2 b) }"; }
# Handshakes that never come, or dribble in an octet a second: closed at
# the message timeout (2 s here) from the accept.
python3 "$H" attack --port "$P" --src 127.0.0.5 --per-src 4 --duration 4 \
	>"$GW_TMP/last" 2>&1 || true
expect "silent handshakes: all 4 closed by the server" cmp "$(val closed)" "==" 4
expect "silent handshakes: closed at the 2 s timeout" \
	bash -c "awk -v a=$(val min_life) -v b=$(val max_life) 'BEGIN{exit !(a >= 1.8 && b < 3.5)}'"
python3 "$H" attack --port "$P" --src 127.0.0.6 --per-src 4 --dribble 1 --duration 4 \
	>"$GW_TMP/last" 2>&1 || true
expect "dribbled handshakes: all 4 closed at the timeout" \
	bash -c "[ '$(val closed)' = 4 ] && awk -v b=$(val max_life) 'BEGIN{exit !(b < 3.5)}'"
# A flood of 60 connections from 127.0.0.3 (the per-client limit is 8 of
# 64): another address is answered over TLS meanwhile.
python3 "$H" attack --port "$P" --src 127.0.0.3 --per-src 60 --refill 0.2 --duration 4 \
	>"$GW_TMP/flood" 2>&1 &
flood=$!
sleep 1
late=0
for i in 1 2 3; do
	start=$(date +%s.%N)
	kdig @127.0.0.1 -b 127.0.0.2 -p "$P" +tls +time=2 +retry=0 www.$Z. A \
		>"$GW_TMP/last" 2>&1 || true
	grep -q 192.0.2.80 "$GW_TMP/last" || late=$((late + 1))
	sleep 0.5
done
wait "$flood" || true
cp "$GW_TMP/flood" "$GW_TMP/last"
expect "flood: 127.0.0.3 held at most 8 TLS connections" cmp "$(val open_127.0.0.3)" "<=" 8
expect "flood: another client was answered over TLS each time" test "$late" -eq 0
tq www.$Z. A
expect "after the flood: answered" has_text "192.0.2.80"
# A record that arrives in two pieces (its first octet alone): OpenSSL
# holds the octet, and the daemon must go on serving others until the
# rest comes (it used to feed itself the read event without end, the
# loop stuck at full CPU while the connection stayed open).
python3 "$H" tls-split --port "$P" --udp-port "$GW_PORT" --hold 0.3 >"$GW_TMP/last" 2>&1 || true
expect "a TLS record's first octet alone: UDP still answered meanwhile" \
	test "$(val udp_answered)" = 1
expect "a TLS record in two pieces: answered once whole" test "$(val tls_answered)" = 1

gw_finish
