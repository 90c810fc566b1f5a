#!/usr/bin/env bash
# Several zones (zones:) from static zone files, no mDNS: both served and
# signed (dig +dnssec; ldns-verify-zone on the AXFR of each), each zone's
# AXFR under its own transfer ACL, an IXFR of one zone after its file
# changed and a reload, REFUSED outside every zone, the state layout
# (<state-dir>/zones/<zone>/), the key commands of dnssd-gatewayctl per
# zone, and the refusal to start on a one-zone layout.
source "$(dirname "$0")/lib.sh"
for tool in ldns-verify-zone dig; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool missing" >&2; exit 1; }
done
CTL=${GW_CTL:-$(dirname "$GW_BIN")/ctl/dnssd-gatewayctl}
[ -x "$CTL" ] || { echo "FAIL: no dnssd-gatewayctl at $CTL (GW_CTL)" >&2; exit 1; }

zone_file() { # DOMAIN SERIAL ADDRESS
	cat <<ZONE
\$ORIGIN $1.
@ 3600 IN SOA ns hostmaster $2 3600 600 86400 30
@ 3600 IN NS ns
ns 3600 IN A 192.0.2.53
www 300 IN A $3
ZONE
}
zone_file campus.test 100 192.0.2.80 >"$GW_TMP/campus.zone"
zone_file guest.test 200 192.0.2.180 >"$GW_TMP/guest.zone"
state="$GW_TMP/state"

# guest.test.'s secondary: a stand-in that answers NOTIFY and logs the
# serials (campus.test. notifies nobody).
NOTIFY_PORT=$(free_port)
python3 -u "$GW_INTEGRATION_DIR/notify_answer.py" 127.0.0.1 "$NOTIFY_PORT" >"$GW_TMP/notify.out" 2>&1 &
NOTIFY_PID=$!
trap 'kill "$NOTIFY_PID" 2>/dev/null || true; gw_cleanup' EXIT
for _ in $(seq 1 50); do grep -qx ready "$GW_TMP/notify.out" && break; sleep 0.1; done

# campus.test. takes the top-level transfer: (127.0.0.1 only); guest.test.
# has its own (::1 only, NOTIFY to the stand-in) and NSEC3.
cfg=$(gw_config zones "transfer: {allow: [127.0.0.1]}
zones:
  - domain: campus.test.
    file: $GW_TMP/campus.zone
  - domain: guest.test.
    file: $GW_TMP/guest.zone
    dnssec: {denial: nsec3}
    transfer: {allow: [\"::1\"], notify: [\"127.0.0.1@$NOTIFY_PORT\"]}
metrics: {listen: [\"127.0.0.1@0\"]}
tls: {listen: [\"127.0.0.1@0\"], server-name: dns.guest.test.}")
gw_start "$cfg"

# ---- both zones served and signed ---------------------------------------
d() { # ARGS: dig against the daemon over IPv4, output in last
	dig @127.0.0.1 -p "$GW_PORT" +time=3 +tries=1 "$@" >"$GW_TMP/last" 2>&1 || true
}
for z in campus guest; do
	d www.$z.test. A +dnssec
	expect "$z: www answered, authoritative" bash -c "dig_status() { sed -n 's/.*status: \([A-Z]*\).*/\1/p' '$GW_TMP/last' | head -n 1; }; [ \"\$(dig_status)\" = NOERROR ] && grep -q '^;; flags:[^;]* aa[ ;]' '$GW_TMP/last'"
	expect "$z: www has the address of its own zone file" \
		grep -qE "^www\.$z\.test\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.$([ $z = campus ] && echo 80 || echo 180)$" "$GW_TMP/last"
	expect "$z: signed (RRSIG of the A by $z.test.)" grep -qE "RRSIG[[:space:]]+A[[:space:]]+13 3 300 .* $z\.test\. " "$GW_TMP/last"
	d $z.test. DNSKEY +dnssec
	expect "$z: DNSKEY published and signed" bash -c "grep -q 'IN[[:space:]]*DNSKEY' '$GW_TMP/last' && grep -q 'RRSIG[[:space:]]*DNSKEY' '$GW_TMP/last'"
done
d nothing.guest.test. A +dnssec
expect "guest: NXDOMAIN proven with NSEC3 (its own dnssec:)" bash -c "grep -q 'status: NXDOMAIN' '$GW_TMP/last' && grep -q 'IN[[:space:]]*NSEC3[[:space:]]' '$GW_TMP/last'"
d nothing.campus.test. A +dnssec
expect "campus: NXDOMAIN proven with NSEC (the top-level dnssec:)" bash -c "grep -q 'status: NXDOMAIN' '$GW_TMP/last' && grep -q 'IN[[:space:]]*NSEC[[:space:]]' '$GW_TMP/last' && ! grep -q 'NSEC3' '$GW_TMP/last'"
d www.example.org. A
expect "outside every zone: REFUSED" grep -q "status: REFUSED" "$GW_TMP/last"
d test. SOA
expect "the parent of both zones: REFUSED" grep -q "status: REFUSED" "$GW_TMP/last"

# ---- DANE: the records go into the zone holding tls.server-name ----------------
d _$GW_TLS_PORT._tcp.dns.guest.test. TLSA
expect "TLSA of the server name in guest.test. (the zone holding it)" grep -qE "IN[[:space:]]+TLSA[[:space:]]+3 1 1 " "$GW_TMP/last"
d _dns-push-tls._tcp.guest.test. SRV
expect "the push SRV in that zone too" grep -qE "IN[[:space:]]+SRV[[:space:]]+0 0 $GW_TLS_PORT dns.guest.test." "$GW_TMP/last"
d _dns-push-tls._tcp.campus.test. SRV
expect "none in the first zone" grep -q "status: NXDOMAIN" "$GW_TMP/last"

# ---- metrics: a series per zone, each family once ---------------------------
MPORT=$(awk '$1 == "metrics" && $2 == "127.0.0.1" {print $3; exit}' "$GW_TMP/ports")
python3 -c "
import urllib.request
print(urllib.request.urlopen('http://127.0.0.1:$MPORT/metrics', timeout=5).read().decode())" >"$GW_TMP/metrics" 2>&1 || true
cp "$GW_TMP/metrics" "$GW_TMP/last"
expect "metrics: the serial of each zone" bash -c "grep -q '^dnssd_gateway_zone_serial{zone=\"campus.test.\"} 1[0-9][0-9]\$' '$GW_TMP/metrics' && grep -q '^dnssd_gateway_zone_serial{zone=\"guest.test.\"} 2[0-9][0-9]\$' '$GW_TMP/metrics'"
expect "metrics: each family declared once" test "$(grep -c '^# TYPE dnssd_gateway_zone_serial ' "$GW_TMP/metrics")" -eq 1
expect "metrics: the commit histogram per zone" test "$(grep -c '^dnssd_gateway_zone_commit_duration_seconds_count{zone=' "$GW_TMP/metrics")" -eq 2

# ---- transfers, each zone under its own ACL ------------------------------
axfr() { # ZONE SERVER PORT: the AXFR into axfr.txt, its zone (one SOA) into axfr.zone
	kdig @"$2" -p "$3" +time=10 AXFR "$1" +noall +answer >"$GW_TMP/axfr.txt" 2>&1 || true
	sed '$d' "$GW_TMP/axfr.txt" >"$GW_TMP/axfr.zone"
}
axfr campus.test. 127.0.0.1 "$GW_PORT"
expect "campus: AXFR from 127.0.0.1 (its ACL) holds the zone" grep -q "^www.campus.test." "$GW_TMP/axfr.txt"
expect "campus: the AXFR holds no guest.test. name" bash -c "! grep -q 'guest.test.' '$GW_TMP/axfr.txt'"
ldns-verify-zone "$GW_TMP/axfr.zone" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "campus: ldns-verify-zone accepts the AXFR" test "$rc" -eq 0
axfr guest.test. ::1 "$GW_PORT6"
expect "guest: AXFR from ::1 (its own ACL) holds the zone" grep -q "^www.guest.test." "$GW_TMP/axfr.txt"
ldns-verify-zone "$GW_TMP/axfr.zone" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "guest: ldns-verify-zone accepts the AXFR" test "$rc" -eq 0
kdig @127.0.0.1 -p "$GW_PORT" +time=5 AXFR guest.test. >"$GW_TMP/last" 2>&1 || true
expect "guest: AXFR from 127.0.0.1 (not in its ACL): REFUSED" has_text "replied with error 'REFUSED'"
kdig @::1 -p "$GW_PORT6" +time=5 AXFR campus.test. >"$GW_TMP/last" 2>&1 || true
expect "campus: AXFR from ::1 (not in its ACL): REFUSED" has_text "replied with error 'REFUSED'"
kdig @127.0.0.1 -p "$GW_PORT" +time=5 AXFR www.campus.test. >"$GW_TMP/last" 2>&1 || true
expect "AXFR of a name that is no zone apex: NOTAUTH" has_text "replied with error 'NOTAUTH'"

# ---- the state layout ------------------------------------------------------
for z in campus.test guest.test; do
	expect "$z: its own state directory, 0700, the daemon's user's" \
		bash -c "[ \"\$(stat -c '%a %U' '$state/zones/$z')\" = '700 dnssd-gateway' ]"
	expect "$z: its keys and serial there" bash -c "ls '$state/zones/$z/keys/'*.pem >/dev/null && [ -s '$state/zones/$z/serial' ]"
done
expect "no one-zone layout at the top of the state directory" bash -c "[ ! -e '$state/keys' ] && [ ! -e '$state/serial' ]"
expect "the two zones have different keys" bash -c "! cmp -s <(cat '$state/zones/campus.test/keys/'*.pem) <(cat '$state/zones/guest.test/keys/'*.pem)"

# ---- control socket: every zone, key commands per zone ---------------------
"$CTL" -s "$GW_TMP/control.sock" --json status >"$GW_TMP/last" 2>&1 || true
expect "status: both zones listed" python3 -c "
import json, sys
d = json.load(open('$GW_TMP/last'))['data'] if 'data' in json.load(open('$GW_TMP/last')) else json.load(open('$GW_TMP/last'))
names = [z['name'] for z in d['zones']]
sys.exit(0 if names == ['campus.test.', 'guest.test.'] else 1)"
"$CTL" -s "$GW_TMP/control.sock" --json keys guest.test >"$GW_TMP/last" 2>&1 || true
expect "ctl keys guest.test: the guest zone's keys" grep -q '"zone": *"guest.test."' "$GW_TMP/last"
"$CTL" -s "$GW_TMP/control.sock" --json ds >"$GW_TMP/last" 2>&1 || true
expect "ctl ds without a zone: the first zone's" grep -q '"zone": *"campus.test."' "$GW_TMP/last"
"$CTL" -s "$GW_TMP/control.sock" keys nosuch.test >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "ctl keys of a zone not served: an error naming it" bash -c "[ $rc -ne 0 ] && grep -q 'nosuch.test' '$GW_TMP/last'"

# ---- reload: one zone's file changed, IXFR of that zone --------------------
s0=$(gw_soa_serial guest.test.)
c0=$(gw_soa_serial campus.test.)
echo 'added 300 IN TXT "v2"' >>"$GW_TMP/guest.zone"
kill -HUP "$GW_PID"
gw_wait_log "reload: applied" 10 || true
expect "reload: applied, both zones' serials logged" grep -q "reload: applied .*zone campus.test. at serial [0-9]*, zone guest.test. at serial [0-9]*" "$GW_TMP/gateway.log"
s1=$(gw_soa_serial guest.test.)
expect "guest: a new serial after the reload ($s0 -> $s1)" test "$s1" -gt "$s0"
q added.guest.test. TXT
expect "guest: the new record served" has_text '"v2"'
kdig @::1 -p "$GW_PORT6" +time=10 IXFR=$s0 guest.test. +noall +answer >"$GW_TMP/last" 2>&1 || true
expect "guest: IXFR from $s0 holds the new record" grep -q '^added.guest.test..*TXT.*"v2"' "$GW_TMP/last"
expect "guest: the IXFR is incremental (the old serial's SOA in it)" grep -qE "SOA.* $s0 " "$GW_TMP/last"
expect "guest: IXFR logged as diffs" grep -q "IXFR to ::1@.* started: serial $s0 -> $s1" "$GW_TMP/gateway.log"
kdig @127.0.0.1 -p "$GW_PORT" +time=5 IXFR=$c0 guest.test. >"$GW_TMP/last" 2>&1 || true
expect "guest: IXFR from 127.0.0.1: REFUSED (its ACL)" has_text "replied with error 'REFUSED'"

# ---- NOTIFY per zone ----------------------------------------------------------
for _ in $(seq 1 50); do grep -q "^notify $s1\$" "$GW_TMP/notify.out" && break; sleep 0.1; done
cp "$GW_TMP/notify.out" "$GW_TMP/last"
expect "guest: its secondary was notified of the start's serial ($s0)" grep -q "^notify $s0\$" "$GW_TMP/last"
expect "guest: and of the reload's ($s1)" grep -q "^notify $s1\$" "$GW_TMP/last"
expect "campus: its serial ($c0) went to no one (its transfer: has no notify)" \
	bash -c "! grep -q '^notify $c0\$' '$GW_TMP/last'"
"$CTL" -s "$GW_TMP/control.sock" secondaries >"$GW_TMP/last" 2>&1 || true
expect "ctl secondaries: the target, with its zone" grep -q "^secondary 127.0.0.1@$NOTIFY_PORT: .*(zone guest.test.)" "$GW_TMP/last"

# ---- a changed zone list takes a restart ------------------------------------
cp "$cfg" "$GW_TMP/zones.saved"
sed -i "s#^zones:#zones:\n  - domain: third.test.#" "$cfg"
n0=$(grep -c "reload: applied" "$GW_TMP/gateway.log")
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do [ "$(grep -c "reload: applied" "$GW_TMP/gateway.log")" -gt "$n0" ] && break; sleep 0.2; done
expect "a zone added: the reload says it takes a restart" grep -qE "take a restart.*zones|zone list changed" "$GW_TMP/gateway.log"
d third.test. SOA
expect "the added zone is not served before the restart (REFUSED)" grep -q "status: REFUSED" "$GW_TMP/last"
d www.guest.test. A
expect "the running zones are still served" grep -q "status: NOERROR" "$GW_TMP/last"
cp "$GW_TMP/zones.saved" "$cfg"
gw_stop

# ---- a one-zone layout left at the top: refused, with the mv commands -----
old="$GW_TMP/old"
mkdir -p "$old/keys" && echo 5 >"$old/serial"
sed "s#state-dir: $state#state-dir: $old#" "$cfg" >"$GW_ETC/old.yaml"
"$GW_BIN" -c "$GW_ETC/old.yaml" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "zones: over a one-zone layout: not started" test "$rc" -ne 0
expect "the refusal names the mv to the first zone's directory" \
	grep -q "mv $old/keys $old/serial $old/zones/campus.test/" "$GW_TMP/last"
expect "the old keys are left where they were" bash -c "[ -d '$old/keys' ] && [ ! -e '$old/zones/campus.test/keys' ]"

gw_finish
