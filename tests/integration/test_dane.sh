#!/usr/bin/env bash
# DANE for the gateway's DNS over TLS (RFC 6698, RFC 7671; docs/tls.md):
# the zone publishes TLSA 3 1 1 at _<port>._tcp.dns.<zone> for the key it
# serves, signed; ldns-dane and openssl s_client accept it against the
# live endpoint and reject a wrong one; the SRV _dns-push-tls._tcp and the
# server name's address are there; the key survives restarts (the TLSA
# stays), a lost certificate is remade around the same key, a damaged
# key stops the start with a message; a configured certificate gets its
# own TLSA; certificate without key is a configuration error.
source "$(dirname "$0")/lib.sh"
for tool in openssl ldns-dane ldns-verify-zone delv; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (scripts/setup.sh)" >&2; exit 1; }
done

Z=dnssd.test
cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
cfg=$(gw_config dane "zone: {domain: $Z., file: $GW_TMP/zone}
tls: {listen: [\"127.0.0.1@0\"]}")
gw_start "$cfg"
state="$GW_TMP/state"
cert="$state/tls/cert.pem"
P=$GW_TLS_PORT
T=_$P._tcp.dns.$Z.

# The SHA-256 of the certificate's SubjectPublicKeyInfo, by openssl.
spki() {
	openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER |
		openssl dgst -sha256 -binary | od -An -tx1 | tr -d ' \n'
}
want=$(spki "$cert")

q "$T" TLSA +short
served=$(awk '{print tolower($4 $5)}' "$GW_TMP/last" | head -n 1)
expect "TLSA 3 1 1 published at $T" grep -q "^3 1 1 " "$GW_TMP/last"
expect "the TLSA is the SHA-256 of the served key's SPKI" test "$served" = "$want"
q "_dns-push-tls._tcp.$Z." SRV +short
expect "SRV _dns-push-tls._tcp.$Z points to dns.$Z and the TLS port" \
	has_text "0 0 $P dns.$Z."
q "dns.$Z." A +short
expect "dns.$Z has the TLS listener's address" has_text "127.0.0.1"
q "_dns.dns.$Z." SVCB +short
expect "SVCB _dns.dns.$Z: dot on the TLS port (RFC 9461)" has_text "1 dns.$Z. alpn=dot port=$P"
delv @127.0.0.1 -p "$GW_PORT" -a "$state/trust-anchor.conf" +root=$Z. "_dns.dns.$Z." SVCB \
	>"$GW_TMP/last" 2>&1 || true
expect "delv: the SVCB is fully validated" has_text "; fully validated"

# Signed: delv validates the TLSA from the trust anchor; the zone's AXFR
# verifies.
delv @127.0.0.1 -p "$GW_PORT" -a "$state/trust-anchor.conf" +root=$Z. "$T" TLSA \
	>"$GW_TMP/last" 2>&1 || true
expect "delv: the TLSA is fully validated" has_text "; fully validated"
kdig @127.0.0.1 -p "$GW_PORT" AXFR $Z. +noall +answer >"$GW_TMP/axfr.txt" 2>&1 || true
sed '$d' "$GW_TMP/axfr.txt" >"$GW_TMP/axfr.zone"
ldns-verify-zone "$GW_TMP/axfr.zone" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "ldns-verify-zone accepts the zone with the TLSA" test "$rc" -eq 0
expect "the AXFR has an RRSIG over the TLSA" grep -q "RRSIG[[:space:]]*TLSA" "$GW_TMP/axfr.txt"

# The live endpoint against the served TLSA, and against a wrong one.
kdig @127.0.0.1 -p "$GW_PORT" +noall +answer "$T" TLSA >"$GW_TMP/tlsa.txt" 2>&1 || true
wrong=$(echo "$served" | sed 's/^\(.\{8\}\)/00000000/')
sed "s/ [0-9A-Fa-f]\{64\}$/ $wrong/" "$GW_TMP/tlsa.txt" >"$GW_TMP/wrong.txt"
expect "the wrong TLSA differs from the served one" bash -c \
	"! cmp -s '$GW_TMP/tlsa.txt' '$GW_TMP/wrong.txt'"
ldns-dane -n -a 127.0.0.1 -t "$GW_TMP/tlsa.txt" verify >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "ldns-dane verify: the served TLSA matches the live key" \
	bash -c "[ $rc -eq 0 ] && grep -q 'dane-validated successfully' '$GW_TMP/last'"
ldns-dane -n -a 127.0.0.1 -t "$GW_TMP/wrong.txt" verify >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "ldns-dane verify: a wrong TLSA fails" \
	bash -c "[ $rc -ne 0 ] && grep -q 'did not dane-validate' '$GW_TMP/last'"
s_client_dane() { # HEX
	(sleep 0.5) | timeout 5 openssl s_client -connect 127.0.0.1:"$P" -alpn dot \
		-dane_tlsa_domain "dns.$Z" -dane_tlsa_rrdata "3 1 1 $1" >"$GW_TMP/last" 2>&1 || true
}
s_client_dane "$served"
expect "openssl s_client: Verification: OK with the served TLSA" has_text "Verification: OK"
expect "openssl s_client: DANE TLSA 3 1 1 matched" has_text "matched EE certificate"
s_client_dane "$wrong"
expect "openssl s_client: a wrong TLSA fails verification" lacks_text "Verification: OK"
expect "openssl s_client: a wrong TLSA matches nothing" lacks_text "matched EE certificate"

# The key is the gateway's for good: a restart keeps it, a lost
# certificate is remade around it; the TLSA stays the same.
gw_stop
gw_start "$cfg"
T=_$GW_TLS_PORT._tcp.dns.$Z. # port 0: another port each start
q "$T" TLSA +short
expect "after a restart: the same TLSA" test "$(awk '{print tolower($4 $5)}' "$GW_TMP/last" | head -n 1)" = "$want"
gw_stop
cp "$cert" "$GW_TMP/cert.old"
rm -f "$cert"
gw_start "$cfg"
expect "a lost certificate is remade" test -s "$cert"
expect "the remade certificate has the same key" test "$(spki "$cert")" = "$want"
T=_$GW_TLS_PORT._tcp.dns.$Z.
q "$T" TLSA +short
expect "after the certificate was remade: the same TLSA" test "$(awk '{print tolower($4 $5)}' "$GW_TMP/last" | head -n 1)" = "$want"
gw_stop
cp "$state/tls/key.pem" "$GW_TMP/key.good"
echo "garbage" >"$state/tls/key.pem"
timeout 30 "$GW_BIN" -c "$cfg" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "a damaged key stops the start" test "$rc" -ne 0 -a "$rc" -ne 124
expect "the message names the key file and says it is not replaced" \
	bash -c "grep -q 'tls/key.pem' '$GW_TMP/last' && grep -q 'not replaced' '$GW_TMP/last'"
expect "the damaged key was left as it was" grep -q garbage "$state/tls/key.pem"
# The key followed by 70 kB of anything: a file past 64 KiB is refused by
# its size (the PEM reader reads a damaged one of any length), and left as
# it is. The code before started on it (timeout's 124).
cp "$GW_TMP/key.good" "$state/tls/key.pem"
head -c 70000 /dev/zero | tr '\0' 'x' >>"$state/tls/key.pem"
timeout 30 "$GW_BIN" -c "$cfg" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "a key file past 64 KiB stops the start" test "$rc" -ne 0 -a "$rc" -ne 124
expect "the message says the key file is too large" \
	bash -c "grep -q 'tls/key.pem cannot be used (larger than 64 KiB' '$GW_TMP/last'"
expect "the large key file was left as it was" test "$(stat -c %s "$state/tls/key.pem")" -gt 70000
cp "$GW_TMP/key.good" "$state/tls/key.pem"

# A configured certificate and key (RSA here, any the operator has): its
# own TLSA, and the certificate clients see is that one.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$GW_TMP/op.key" -out "$GW_TMP/op.crt" \
	-days 30 -subj "/CN=dot.$Z" -addext "subjectAltName=DNS:dot.$Z" >/dev/null 2>&1
chmod 644 "$GW_TMP/op.key"
cfg2=$(gw_config dane2 "zone: {domain: $Z., file: $GW_TMP/zone}
tls: {listen: [\"127.0.0.1@0\"], certificate: $GW_TMP/op.crt, key: $GW_TMP/op.key, server-name: dot.$Z}")
gw_start "$cfg2"
P=$GW_TLS_PORT
q "_$P._tcp.dot.$Z." TLSA +short
expect "configured certificate: TLSA at _$P._tcp.dot.$Z is its key's" \
	test "$(awk '{print tolower($4 $5)}' "$GW_TMP/last" | head -n 1)" = "$(spki "$GW_TMP/op.crt")"
kdig @127.0.0.1 -p "$P" +tls-ca="$GW_TMP/op.crt" +tls-hostname=dot.$Z www.$Z. A \
	>"$GW_TMP/last" 2>&1 || true
expect "configured certificate: served (kdig +tls-ca)" has_text "192.0.2.80"
# That key is open to every local user (0644): served, and said.
expect "configured key of mode 0644: a warning names it" \
	grep -q "warning: TLS: the key $GW_TMP/op.key has mode 0644: every local user can read" \
	"$GW_TMP/gateway.log"
gw_stop

# --- Rollover (RFC 7671 8.1): publish, wait twice the TTL, use. ----------
# live_spki PORT: the SHA-256 of the SPKI the endpoint serves now.
live_spki() {
	(sleep 0.3) | timeout 5 openssl s_client -connect 127.0.0.1:"$1" 2>/dev/null |
		openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER |
		openssl dgst -sha256 -binary | od -An -tx1 | tr -d ' \n'
}
# tlsas PORT NAME: the TLSA digests served, sorted, one a line.
tlsas() {
	kdig @127.0.0.1 -p "$GW_PORT" +short TLSA "_$1._tcp.$2." 2>/dev/null |
		awk '{print tolower($4 $5)}' | sort
}
# wait_for SECONDS CONDITION...: poll until true (bounded).
wait_for() {
	local n=$(($1 * 10))
	shift
	for _ in $(seq 1 "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
one_tlsa() { [ "$(tlsas "$1" "$2")" = "$3" ]; }

# The own key: --tls-new-key with a TTL of 2 s, so the switch comes 4 s
# after the publication. Restarted in between, it resumes.
cfg4=$(gw_config dane4 "zone: {domain: $Z., file: $GW_TMP/zone}
tls: {listen: [\"127.0.0.1@0\"], tlsa-ttl: 2}")
gw_start "$cfg4"
old=$(spki "$cert")
expect "before: the own key in use" test "$(live_spki "$GW_TLS_PORT")" = "$old"
gw_stop
gw_start_new_key() {
	rm -f "$GW_TMP/ports"
	"$GW_BIN" -c "$cfg4" --tls-new-key >>"$GW_TMP/gateway.log" 2>&1 &
	GW_PID=$!
	for _ in $(seq 1 100); do [ -s "$GW_TMP/ports" ] && break; sleep 0.1; done
	GW_PORT=$(awk '$1 == "udp" && $2 == "127.0.0.1" {print $3; exit}' "$GW_TMP/ports")
	GW_TLS_PORT=$(awk '$1 == "tls" && $2 == "127.0.0.1" {print $3; exit}' "$GW_TMP/ports")
}
t0=$(date +%s.%N)
gw_start_new_key
new=$(spki "$cert")
expect "--tls-new-key: a new key in cert.pem/key.pem" test "$new" != "$old"
expect "--tls-new-key: the old key kept as previous-*.pem (0600)" \
	bash -c "[ \$(stat -c %a '$state/tls/previous-key.pem') = 600 ]"
tlsas "$GW_TLS_PORT" "dns.$Z" >"$GW_TMP/last"
expect "during the rollover: both TLSA published" \
	test "$(cat "$GW_TMP/last")" = "$(printf '%s\n' "$old" "$new" | sort)"
expect "during the rollover: the old key still served" \
	test "$(live_spki "$GW_TLS_PORT")" = "$old"
# A restart in the middle: the old key again, both TLSA, and the switch
# on the original schedule.
gw_stop
gw_start "$cfg4"
expect "restart mid-rollover: resumed (logged)" grep -q "resuming the rollover" "$GW_TMP/gateway.log"
expect "restart mid-rollover: the old key still served" \
	test "$(live_spki "$GW_TLS_PORT")" = "$old"
tlsas "$GW_TLS_PORT" "dns.$Z" >"$GW_TMP/last"
expect "restart mid-rollover: both TLSA still published" test "$(wc -l <"$GW_TMP/last")" -eq 2
wait_for 10 one_tlsa "$GW_TLS_PORT" "dns.$Z" "$new" && rc=0 || rc=$?
t1=$(date +%s.%N)
expect "after twice the TTL: only the new TLSA" test "$rc" -eq 0
expect "the switch did not come before twice the TTL (4 s)" \
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 3.9) }'
expect "after the switch: the new key served" test "$(live_spki "$GW_TLS_PORT")" = "$new"
expect "after the switch: the rollover's files are gone" \
	bash -c "[ ! -e '$state/tls/rollover' ] && [ ! -e '$state/tls/previous-key.pem' ]"
gw_stop

# A configured certificate replaced, then SIGHUP: the same schedule.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$GW_TMP/op2.key" -out "$GW_TMP/op2.crt" -days 30 -subj "/CN=dot.$Z" \
	-addext "subjectAltName=DNS:dot.$Z" >/dev/null 2>&1
# As docs/tls.md says to: readable by the daemon's group, by no one else.
chgrp dnssd-gateway "$GW_TMP/op2.key"
chmod 640 "$GW_TMP/op2.key"
cp "$GW_TMP/op.crt" "$GW_TMP/live.crt"
# live.key made with op2.key's mode and group; a cp onto it keeps them.
cp -p "$GW_TMP/op2.key" "$GW_TMP/live.key"
cp "$GW_TMP/op.key" "$GW_TMP/live.key"
cfg5=$(gw_config dane5 "zone: {domain: $Z., file: $GW_TMP/zone}
tls: {listen: [\"127.0.0.1@0\"], certificate: $GW_TMP/live.crt, key: $GW_TMP/live.key, server-name: dot.$Z, tlsa-ttl: 2}")
gw_start "$cfg5"
a=$(spki "$GW_TMP/op.crt")
b=$(spki "$GW_TMP/op2.crt")
# A renewed certificate with the same key: used at once, TLSA unchanged.
openssl req -x509 -key "$GW_TMP/op.key" -out "$GW_TMP/live.crt" -days 60 -subj "/CN=dot.$Z" \
	-addext "subjectAltName=DNS:dot.$Z" >/dev/null 2>&1
kill -HUP "$GW_PID"
sleep 0.5
expect "same key renewed: TLSA unchanged" one_tlsa "$GW_TLS_PORT" "dot.$Z" "$a"
(sleep 0.3) | timeout 5 openssl s_client -connect 127.0.0.1:"$GW_TLS_PORT" 2>/dev/null |
	openssl x509 -noout -enddate >"$GW_TMP/last" 2>&1 || true
expect "same key renewed: the renewed certificate served at once" \
	test "$(cat "$GW_TMP/last")" = "$(openssl x509 -in "$GW_TMP/live.crt" -noout -enddate)"
# Another key.
cp "$GW_TMP/op2.crt" "$GW_TMP/live.crt"
cp "$GW_TMP/op2.key" "$GW_TMP/live.key"
t0=$(date +%s.%N)
kill -HUP "$GW_PID"
wait_for 3 bash -c "[ \$(kdig @127.0.0.1 -p $GW_PORT +short TLSA _$GW_TLS_PORT._tcp.dot.$Z. | wc -l) -eq 2 ]" || true
tlsas "$GW_TLS_PORT" "dot.$Z" >"$GW_TMP/last"
expect "new configured key: both TLSA published after the reload" \
	test "$(cat "$GW_TMP/last")" = "$(printf '%s\n' "$a" "$b" | sort)"
expect "new configured key: the old one still served" test "$(live_spki "$GW_TLS_PORT")" = "$a"
wait_for 10 one_tlsa "$GW_TLS_PORT" "dot.$Z" "$b" && rc=0 || rc=$?
t1=$(date +%s.%N)
expect "new configured key: after twice the TTL only its TLSA" test "$rc" -eq 0
expect "new configured key: not before twice the TTL" \
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 3.9) }'
expect "new configured key: served after the switch" test "$(live_spki "$GW_TLS_PORT")" = "$b"
expect "keys of mode 0640: no warning of their mode" \
	bash -c "! grep -q 'the key $GW_TMP/live.key has mode' '$GW_TMP/gateway.log'"
gw_stop

# A certificate issued through an intermediate (the file holds both): a
# restart in the middle of a rollover serves the previous key with its
# chain, as before the restart. Only the certificate itself was kept.
ca() { # NAME: a key and a certificate for a CA of that name
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-keyout "$GW_TMP/$1.key" -out "$GW_TMP/$1.crt" -subj "/CN=$1" \
		-addext "basicConstraints=critical,CA:TRUE" >/dev/null 2>&1
}
leaf() { # NAME: a key and a certificate for dot.$Z, issued by the intermediate
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$GW_TMP/$1.key" -out "$GW_TMP/$1.csr" -subj "/CN=dot.$Z" >/dev/null 2>&1
	printf 'subjectAltName=DNS:dot.%s\n' "$Z" >"$GW_TMP/leaf.ext"
	openssl x509 -req -in "$GW_TMP/$1.csr" -CA "$GW_TMP/mid.crt" -CAkey "$GW_TMP/mid.key" \
		-CAcreateserial -days 30 -extfile "$GW_TMP/leaf.ext" -out "$GW_TMP/$1.crt" >/dev/null 2>&1
	chgrp dnssd-gateway "$GW_TMP/$1.key"
	chmod 640 "$GW_TMP/$1.key"
}
ca root
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$GW_TMP/mid.key" \
	-out "$GW_TMP/mid.csr" -subj "/CN=mid" >/dev/null 2>&1
printf 'basicConstraints=critical,CA:TRUE\n' >"$GW_TMP/mid.ext"
openssl x509 -req -in "$GW_TMP/mid.csr" -CA "$GW_TMP/root.crt" -CAkey "$GW_TMP/root.key" \
	-CAcreateserial -days 30 -extfile "$GW_TMP/mid.ext" -out "$GW_TMP/mid.crt" >/dev/null 2>&1
leaf leaf1
leaf leaf2
cat "$GW_TMP/leaf1.crt" "$GW_TMP/mid.crt" >"$GW_TMP/chain.crt"
cp -p "$GW_TMP/leaf1.key" "$GW_TMP/chain.key"
served_certs() { # the certificates the TLS port sends
	(sleep 0.3) | timeout 5 openssl s_client -connect 127.0.0.1:"$GW_TLS_PORT" -showcerts \
		2>/dev/null | grep -c "BEGIN CERTIFICATE" || true
}
cfg6=$(gw_config dane6 "zone: {domain: $Z., file: $GW_TMP/zone}
tls: {listen: [\"127.0.0.1@0\"], certificate: $GW_TMP/chain.crt, key: $GW_TMP/chain.key, server-name: dot.$Z, tlsa-ttl: 3600}")
gw_start "$cfg6"
expect "a certificate with its intermediate: both sent" test "$(served_certs)" = 2
cat "$GW_TMP/leaf2.crt" "$GW_TMP/mid.crt" >"$GW_TMP/chain.crt"
cp "$GW_TMP/leaf2.key" "$GW_TMP/chain.key"
kill -HUP "$GW_PID"
wait_for 5 test -e "$GW_TMP/state/tls/previous-cert.pem" || true
gw_stop
gw_start "$cfg6"
expect "restarted within the rollover: the previous key served" \
	test "$(live_spki "$GW_TLS_PORT")" = "$(spki "$GW_TMP/leaf1.crt")"
expect "restarted within the rollover: with its intermediate" test "$(served_certs)" = 2
gw_stop

# The configuration: certificate without key.
cfg3=$(gw_config dane3 "zone: {domain: $Z., file: $GW_TMP/zone}
tls: {listen: [\"127.0.0.1@0\"], certificate: $GW_TMP/op.crt}")
"$GW_BIN" --check-config -c "$cfg3" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "--check-config: certificate without key is an error" test "$rc" -ne 0
expect "--check-config: file:line:column and the fix" \
	bash -c "grep -Eq 'dane3.yaml:[0-9]+:[0-9]+' '$GW_TMP/last' && grep -q 'give both' '$GW_TMP/last'"

gw_finish
