#!/usr/bin/env bash
# DNS cookies (RFC 7873, RFC 9018 server cookies) and response rate
# limiting (issue 16, finding 3): kdig and dig get a server cookie and a
# second query with it is valid; a client over the limit gets truncated
# replies (slip) or none, while another prefix is served; a valid cookie
# exempts a client from the limit; a stale cookie gets BADCOOKIE with a
# fresh one; a query over TCP gets a server cookie too, good over UDP;
# validators still validate with cookies on; the limiter's log
# lines are few. NSID (RFC 5001) beside them: the identity after the
# cookie, never in a slipped reply, none without identity; the
# Extended DNS Error of a REFUSED (RFC 8914); and the NOTAUTH of an
# unknown TSIG key limited like any reply, and cut to 512 octets without
# EDNS.
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 -c 'import dns' 2>/dev/null || { echo "FAIL: python3-dnspython missing (scripts/setup.sh)" >&2; exit 1; }

cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
cfg=$(gw_config cookies "zone: {domain: dnssd.test., file: $GW_TMP/zone}
rate-limit: {rate: 5, slip: 2}
identity: gw1.test")
gw_start "$cfg"
Z=dnssd.test
state="$GW_TMP/state"
for _ in $(seq 1 100); do
	q $Z. SOA +dnssec
	has_text "RRSIG" && break
	sleep 0.2
done
burst() { /usr/bin/python3 "$GW_INTEGRATION_DIR/udp_burst.py" "$GW_PORT" "$@" >"$GW_TMP/last" 2>&1 || true; }
field() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" "$GW_TMP/last"; }

# ---- cookies --------------------------------------------------------------
expect "the cookie secret is made, mode 0600" bash -c "[ \"\$(stat -c %a '$state/cookie-secret')\" = 600 ]"
q www.$Z. A +cookie
cookie=$(sed -n 's/^;; COOKIE: \([0-9A-Fa-f]*\).*/\1/p' "$GW_TMP/last")
expect "kdig +cookie: a client and a server cookie back (${#cookie} hex digits)" test "${#cookie}" -eq 48
q www.$Z. A +cookie="$cookie"
again=$(sed -n 's/^;; COOKIE: \([0-9A-Fa-f]*\).*/\1/p' "$GW_TMP/last")
expect "kdig with the server cookie: answered, the same cookie back (valid, fresh)" \
	bash -c "[ '$again' = '$cookie' ] && grep -q 'status: NOERROR' '$GW_TMP/last'"
dig @127.0.0.1 -p "$GW_PORT" +cookie www.$Z. A >"$GW_TMP/last" 2>&1 || true
expect "dig +cookie: the server cookie is good" has_text "(good)"

# A valid cookie exempts from the limit: 40 queries at once, all answered.
burst 127.0.0.1 www.$Z. A 40 --cookie "$cookie"
expect "valid cookie: never limited ($(cat "$GW_TMP/last"))" \
	bash -c "[ '$(field answered)' = 40 ] && [ '$(field same_server)' = 40 ]"
# A stale or forged server cookie over the limit: BADCOOKIE with a fresh one.
burst 127.0.0.1 www.$Z. A 30 --cookie "${cookie:0:16}00000000000000000000000000000000"
expect "invalid cookie over the limit: BADCOOKIE, never silence ($(cat "$GW_TMP/last"))" \
	bash -c "[ '$(field badcookie)' -gt 0 ] && [ '$(field none)' = 0 ] && [ '$(field cookies)' = 30 ]"
# Over TCP nothing is limited, and a query with a COOKIE option still gets
# a server cookie (RFC 7873 5.2): a client sent to TCP by a truncated
# reply comes back over UDP with a cookie the limit exempts.
q www.$Z. A +tcp +cookie=1122334455667788
tcp_cookie=$(sed -n 's/^;; COOKIE: \([0-9A-Fa-f]*\).*/\1/p' "$GW_TMP/last")
expect "kdig +tcp +cookie: a server cookie back over TCP (${#tcp_cookie} hex digits)" \
	bash -c "[ ${#tcp_cookie} -eq 48 ] && [ '${tcp_cookie:0:16}' = 1122334455667788 ]"
burst 127.0.0.1 www.$Z. A 40 --cookie "$tcp_cookie"
expect "the cookie learnt over TCP: valid over UDP, never limited ($(cat "$GW_TMP/last"))" \
	bash -c "[ '$(field answered)' = 40 ] && [ '$(field same_server)' = 40 ]"

# ---- NSID -------------------------------------------------------------------
nsid_of() { sed -n 's/^;; NSID: [0-9A-Fa-f]* "\(.*\)"$/\1/p' "$GW_TMP/last"; }
sleep 1.5 # the buckets refill
q www.$Z. A +cookie +nsid
expect "kdig +nsid +cookie: the identity as NSID, beside the server cookie" \
	bash -c "[ '$(nsid_of)' = gw1.test ] && grep -q '^;; COOKIE: [0-9A-Fa-f]\{48\}' '$GW_TMP/last'"
q www.$Z. A +nsid +tcp
expect "kdig +nsid over TCP: the identity" test "$(nsid_of)" = gw1.test
q nowhere.example. A +nsid
expect "kdig +nsid, a name of no zone: REFUSED with the identity" \
	bash -c "[ '$(nsid_of)' = gw1.test ] && grep -q 'status: REFUSED' '$GW_TMP/last'"
expect "a name of no zone: the extended error says why (RFC 8914)" has_text ";; EDE: 20 (Not Authoritative)"
q www.$Z. A +nsid
expect "an answer carries no extended error" lacks_text ";; EDE"
q www.$Z. A
expect "kdig without +nsid: no NSID" lacks_text ";; NSID"

# ---- rate limiting ----------------------------------------------------------
sleep 1.5 # the buckets refill
burst 127.0.0.1 www.$Z. A 60 --nsid
flood=$(cat "$GW_TMP/last")
expect "NSID in every full answer of a flood, in no slipped one ($flood)" \
	bash -c "[ '$(field nsid)' = '$(field answered)' ] && [ '$(field answered)' -gt 0 ] && [ '$(field tc_nsid)' = 0 ]"
expect "one prefix over the limit: some replies truncated (slip) ($flood)" test "$(field truncated)" -gt 0
expect "one prefix over the limit: some dropped ($flood)" test "$(field none)" -gt 0
expect "one prefix over the limit: fewer answers than queries ($flood)" test "$(field answered)" -lt 40
burst 127.0.1.1 www.$Z. A 5
expect "another prefix meanwhile: every answer ($(cat "$GW_TMP/last"))" test "$(field answered)" = 5
limited=$(($(sed -n 's/.*truncated=\([0-9]*\).*/\1/p' <<<"$flood") + $(sed -n 's/.*none=\([0-9]*\).*/\1/p' <<<"$flood")))
lines=$(grep -c 'rate-limit: limiting' "$GW_TMP/gateway.log" || true)
expect "the limiter logs, a line a second at most, not one per packet ($lines lines, $limited limited in the flood)" \
	test "$lines" -ge 1 -a "$((lines * 3))" -lt "$limited"
# Queries signed with a key the gateway does not know get NOTAUTH with a
# TSIG (BADKEY) that names the key and its algorithm: limited like any
# reply from a spoofable source (they used to go out in full, however
# fast), and cut to the 512 octets of a query without EDNS.
burst 127.0.2.1 www.$Z. A 40 --tsig-key "k.$(printf 'k%.0s' $(seq 1 60)).example."
tflood=$(cat "$GW_TMP/last")
expect "unknown TSIG key, over the limit: some truncated, some dropped ($tflood)" \
	bash -c "[ '$(field truncated)' -gt 0 ] && [ '$(field none)' -gt 0 ] && [ '$(field answered)' -lt 40 ]"
l63=$(printf 'x%.0s' $(seq 1 63))
l60=$(printf 'k%.0s' $(seq 1 60))
burst 127.0.3.1 "$l63.$l63.$l63.${l63:0:50}.$Z." A 1 --no-edns --tsig-key "$l60.$l60.$l60.$l60.example."
expect "unknown TSIG key, no EDNS: the reply within 512 octets, TC ($(cat "$GW_TMP/last"))" \
	bash -c "[ '$(field truncated)' = 1 ] && [ '$(field largest_in)' -le 512 ]"
gw_stop

# ---- validators with cookies on ------------------------------------------------
cfg=$(gw_config cookies2 "zone: {domain: dnssd.test., file: $GW_TMP/zone}")
gw_start "$cfg"
for _ in $(seq 1 100); do
	q $Z. SOA +dnssec
	has_text "RRSIG" && break
	sleep 0.2
done
delv @127.0.0.1 -p "$GW_PORT" -a "$state/trust-anchor.conf" +root=$Z. www.$Z. A >"$GW_TMP/last" 2>&1 || true
expect "delv: fully validated with cookies on" has_text "; fully validated"
unbound_start cookies $Z. "$state/trust-anchor.ds"
ub www.$Z. A
ub_ad() { [ "$(dig_status)" = NOERROR ] && dig_has_flag ad; }
expect "Unbound: NOERROR with AD, cookies on" ub_ad
q www.$Z. A +cookie
expect "kdig +cookie still answered beside Unbound" has_text "status: NOERROR"
q www.$Z. A +nsid
expect "no identity configured: no NSID" bash -c "grep -q 'status: NOERROR' '$GW_TMP/last' && ! grep -q ';; NSID' '$GW_TMP/last'"

gw_finish
