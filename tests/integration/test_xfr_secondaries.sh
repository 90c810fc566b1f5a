#!/usr/bin/env bash
# Secondaries: NSD and Knot on loopback take the signed zone from the
# gateway with TSIG, by AXFR, then by IXFR on NOTIFY after a change; each
# copy passes ldns-verify-zone and BIND's dnssec-verify and equals the
# gateway's; Unbound validating through a secondary returns AD for the new
# service and for an NXDOMAIN. Transfers without the key, with a wrong
# key, or from an unlisted address are refused and logged. After a
# restart of the gateway the secondaries still get IXFR (the journal is
# kept, never reset) and the serial keeps increasing.
#
# The TSIG and secondary configuration comes from the snippets of
# docs/guide-scale-out.md, so what the guide shows is what is tested.
#
# GW_DENIAL=nsec3 runs all of it on an NSEC3 zone
# (test_xfr_secondaries_nsec3.sh): the secondaries' copies must then hold
# NSEC3PARAM 1 0 0 - and NSEC3 records, and no NSEC.
source "$(dirname "$0")/lib.sh"
DENIAL=${GW_DENIAL:-nsec}
case $DENIAL in
nsec) DENIAL_YAML="" ;;
nsec3) DENIAL_YAML="dnssec: {denial: nsec3}" ;;
*) echo "FAIL: GW_DENIAL must be nsec or nsec3" >&2; exit 1 ;;
esac
for tool in nsd knotd knotc ldns-verify-zone dnssec-verify unbound dig; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (scripts/setup.sh)" >&2; exit 1; }
done

GUIDE="$GW_INTEGRATION_DIR/../../docs/guide-scale-out.md"
Z=dnssd.test
SECRET=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
WRONG=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
GW_FIXED_PORT=$(free_port)
NSD_PORT=$(free_port)
KNOT_PORT=$(free_port)
NSD_DIR="$GW_TMP/nsd"
KNOT_DIR="$GW_TMP/knot"
mkdir -p "$NSD_DIR" "$KNOT_DIR/db"

# snippet NAME: the code block after "<!-- snippet: NAME -->" in the guide,
# placeholders filled in.
snippet() {
	awk -v name="$1" '
		$0 == "<!-- snippet: " name " -->" { found = 1; next }
		found == 1 && /^```/ { found = 2; next }
		found == 2 && /^```/ { exit }
		found == 2 { print }' "$GUIDE" >"$GW_TMP/snippet"
	[ -s "$GW_TMP/snippet" ] || { echo "FAIL: no snippet '$1' in $GUIDE" >&2; exit 1; }
	sed -e "s|\${SECRET}|$SECRET|g" -e "s|\${ZONE}|$Z.|g" \
		-e "s|\${PRIMARY}|127.0.0.1|g" -e "s|\${PRIMARY_PORT}|$GW_FIXED_PORT|g" \
		-e "s|\${CHECKER}|127.0.0.1|g" -e "s|\${NSD}|127.0.0.1|g" -e "s|\${KNOT}|127.0.0.1|g" \
		-e "s|\${NSD_PORT}|$NSD_PORT|g" -e "s|\${KNOT_PORT}|$KNOT_PORT|g" \
		-e "s|\${KEYFILE}|$GW_TMP/xfr.key|g" "$GW_TMP/snippet"
}

NSD_PID=""
KNOT_PID=""
secondaries_stop() {
	for p in $NSD_PID $KNOT_PID; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in $NSD_PID $KNOT_PID; do
		for _ in $(seq 1 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	NSD_PID=""
	KNOT_PID=""
}
trap 'secondaries_stop; gw_cleanup' EXIT

# ---- the gateway, a hidden primary with a TSIG key file ------------------
cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
# The key file as BIND's tsig-keygen writes it; the gateway reads the
# secret from it and insists on mode 0600.
printf 'key "xfr" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$SECRET" >"$GW_TMP/xfr.key"
chmod 644 "$GW_TMP/xfr.key"
cfg=$(gw_config xfr "zone: {domain: $Z., file: $GW_TMP/zone}
log: {level: debug}
$DENIAL_YAML
$(snippet gateway.yaml)")
sed -i "s|^listen: .*|listen: [\"127.0.0.1@$GW_FIXED_PORT\"]|" "$cfg"
"$GW_BIN" --check-config -c "$cfg" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "a key file open to others is refused" test "$rc" -ne 0
expect "the refusal names the mode and the fix" grep -q "chmod 600" "$GW_TMP/last"
chmod 600 "$GW_TMP/xfr.key"
# The daemon re-reads it on SIGHUP as the user it became (security.md).
chown dnssd-gateway: "$GW_TMP/xfr.key"
gw_start "$cfg"
state="$GW_TMP/state"

gw_serial() {
	kdig @127.0.0.1 -p "$GW_PORT" +time=3 +retry=1 SOA $Z. +short 2>/dev/null | awk '{print $3}'
}
serial_at() { # PORT
	kdig @127.0.0.1 -p "$1" +time=1 +retry=0 SOA $Z. +short 2>/dev/null | awk '{print $3}'
}
# wait_serial PORT SERIAL: until the server on PORT serves SERIAL (bounded).
wait_serial() {
	for _ in $(seq 1 150); do
		[ "$(serial_at "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- the secondaries: the guide's snippets, plus where to run -----------
{
	nsd_server "$NSD_DIR" "$NSD_PORT"
	cat <<NSD
	verbosity: 2
	xfrd-reload-timeout: 0
remote-control:
	control-enable: no
include: "$NSD_DIR/secondary.conf"
NSD
} >"$NSD_DIR/nsd.conf"
snippet nsd.conf >"$NSD_DIR/secondary.conf"
{
	knot_conf_base "$KNOT_DIR" "127.0.0.1@$KNOT_PORT"
	echo "include: \"$KNOT_DIR/secondary.conf\""
} >"$KNOT_DIR/knot.conf"
snippet knot.conf >"$KNOT_DIR/secondary.conf"

nsd -d -c "$NSD_DIR/nsd.conf" >"$NSD_DIR/stdout.log" 2>&1 &
NSD_PID=$!
knotd -c "$KNOT_DIR/knot.conf" >"$KNOT_DIR/stdout.log" 2>&1 &
KNOT_PID=$!

s1=$(gw_serial)
wait_serial "$NSD_PORT" "$s1" && ok=0 || ok=1
expect "NSD took the zone (serial $s1)" test "$ok" -eq 0
wait_serial "$KNOT_PORT" "$s1" && ok=0 || ok=1
expect "Knot took the zone (serial $s1)" test "$ok" -eq 0
if [ "$FAILED" -gt 0 ]; then
	cat "$NSD_DIR/nsd.log" "$NSD_DIR/stdout.log" "$KNOT_DIR/knot.log" "$KNOT_DIR/stdout.log" >&2 || true
	exit 1
fi
expect "the first transfers are AXFR with TSIG" \
	test "$(grep -c "AXFR to 127.0.0.1@.* started: serial $s1, TSIG key xfr\." "$GW_TMP/gateway.log")" -ge 2

# check_copies LABEL: each secondary's AXFR passes ldns-verify-zone and
# dnssec-verify and equals the gateway's (sorted text, names in one case);
# with NSEC3, it holds the RFC 9276 NSEC3PARAM, NSEC3 records and no NSEC.
normalise() { sed '$d' "$1" | grep -v '^;' | grep -v '^$' | tr -s ' \t' ' ' | tr 'A-Z' 'a-z' | sort; }
rr_count() { # FILE: RRs of the types given in the other arguments
	local f=$1
	shift
	awk -v types=" $* " 'index(types, " " $4 " ") {n++} END {print n + 0}' "$f"
}
check_nsec3_copy() { # LABEL NAME
	local zf="$GW_TMP/$2.zone" nsec rrsig_nsec
	expect "$1: $2's copy has NSEC3PARAM 1 0 0 - at the apex" \
		test "$(awk -v z="$Z." 'tolower($1) == z && $4 == "NSEC3PARAM" {print $5, $6, $7, $8}' "$zf")" = "1 0 0 -"
	expect "$1: $2's copy has NSEC3 records ($(rr_count "$zf" NSEC3))" test "$(rr_count "$zf" NSEC3)" -gt 0
	nsec=$(rr_count "$zf" NSEC)
	rrsig_nsec=$(awk '$4 == "RRSIG" && $5 == "NSEC"' "$zf" | wc -l)
	expect "$1: $2's copy has no NSEC ($nsec, $rrsig_nsec RRSIG NSEC)" test "$nsec" -eq 0 -a "$rrsig_nsec" -eq 0
}
check_copies() {
	kdig @127.0.0.1 -p "$GW_PORT" +time=5 AXFR $Z. -y "hmac-sha256:xfr:$SECRET" +noall +answer >"$GW_TMP/gw.axfr" 2>&1 || true
	normalise "$GW_TMP/gw.axfr" >"$GW_TMP/gw.sorted"
	for s in nsd:$NSD_PORT knot:$KNOT_PORT; do
		name=${s%%:*}
		port=${s##*:}
		kdig @127.0.0.1 -p "$port" +time=5 AXFR $Z. +noall +answer >"$GW_TMP/$name.axfr" 2>&1 || true
		sed '$d' "$GW_TMP/$name.axfr" >"$GW_TMP/$name.zone"
		ldns-verify-zone "$GW_TMP/$name.zone" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
		expect "$1: $name's copy passes ldns-verify-zone" test "$rc" -eq 0
		dnssec-verify -z -o $Z. "$GW_TMP/$name.zone" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
		expect "$1: $name's copy passes dnssec-verify" test "$rc" -eq 0
		if [ "$DENIAL" = nsec3 ]; then
			check_nsec3_copy "$1" "$name"
		fi
		normalise "$GW_TMP/$name.axfr" >"$GW_TMP/$name.sorted"
		diff "$GW_TMP/gw.sorted" "$GW_TMP/$name.sorted" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
		expect "$1: $name's copy equals the gateway's ($(wc -l <"$GW_TMP/gw.sorted") RRs)" test "$rc" -eq 0
	done
}
check_copies "after AXFR"

# ---- a new service: NOTIFY, then IXFR -----------------------------------
axfr_before=$(grep -c "AXFR to" "$GW_TMP/gateway.log")
cat >>"$GW_TMP/zone" <<'ZONE'
_ipp._tcp.lan        IN PTR  New\ Printer._ipp._tcp.lan
New\ Printer._ipp._tcp.lan IN SRV 0 0 631 newprinter.lan
New\ Printer._ipp._tcp.lan IN TXT "txtvers=1" "ty=New Printer"
newprinter.lan       IN A    192.0.2.12
ZONE
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do
	s2=$(gw_serial)
	[ "$s2" != "$s1" ] && break
	sleep 0.1
done
expect "the reload gave a new serial ($s1 -> $s2)" test "$s2" != "$s1"
wait_serial "$NSD_PORT" "$s2" && ok=0 || ok=1
expect "NSD follows to serial $s2" test "$ok" -eq 0
wait_serial "$KNOT_PORT" "$s2" && ok=0 || ok=1
expect "Knot follows to serial $s2" test "$ok" -eq 0
expect "NOTIFY to NSD acknowledged" grep -q "NOTIFY to 127.0.0.1@$NSD_PORT: serial $s2 acknowledged" "$GW_TMP/gateway.log"
expect "NOTIFY to Knot acknowledged" grep -q "NOTIFY to 127.0.0.1@$KNOT_PORT: serial $s2 acknowledged" "$GW_TMP/gateway.log"
expect "Knot logged the signed NOTIFY" grep -q "notify, incoming, remote 127.0.0.1@.*serial $s2" "$KNOT_DIR/knot.log"
expect "both took IXFR $s1 -> $s2 with TSIG" \
	test "$(grep -c "IXFR to 127.0.0.1@.* started: serial $s1 -> $s2, 1 diffs, TSIG key xfr\." "$GW_TMP/gateway.log")" -eq 2
expect "no AXFR for the change" test "$(grep -c "AXFR to" "$GW_TMP/gateway.log")" -eq "$axfr_before"
expect "Knot kept the IXFR (no fallback)" bash -c "! grep -q 'fallback to AXFR' '$KNOT_DIR/knot.log'"
expect "Knot logged an incoming IXFR" grep -q "IXFR, incoming, remote 127.0.0.1@$GW_FIXED_PORT.*finished" "$KNOT_DIR/knot.log"
check_copies "after IXFR"

# nx_through NAME: an NXDOMAIN through the last Unbound started, validated
# (with NSEC3, proved by NSEC3 alone).
nx_through() {
	ub nothing.$Z. A
	expect "Unbound through $1: NXDOMAIN" test "$(dig_status)" = NXDOMAIN
	expect "Unbound through $1: NXDOMAIN with AD" dig_has_flag ad
	if [ "$DENIAL" = nsec3 ]; then
		expect "Unbound through $1: the NXDOMAIN proof is NSEC3, no NSEC" \
			bash -c "grep -Eq 'IN[[:space:]]NSEC3[[:space:]]' '$GW_TMP/last' && ! grep -Eq 'IN[[:space:]]NSEC[[:space:]]' '$GW_TMP/last'"
	fi
}
unbound_start_stub nsd $Z. "$state/trust-anchor.ds" "$NSD_PORT"
ub 'New\032Printer._ipp._tcp.lan.dnssd.test.' SRV
expect "Unbound through NSD: the new service's SRV" grep -q "631 newprinter.lan" "$GW_TMP/last"
expect "Unbound through NSD: AD" dig_has_flag ad
nx_through NSD
unbound_start_stub knot $Z. "$state/trust-anchor.ds" "$KNOT_PORT"
ub 'New\032Printer._ipp._tcp.lan.dnssd.test.' TXT
expect "Unbound through Knot: the new service's TXT with AD" dig_has_flag ad
nx_through Knot
unbound_stop_all

# ---- refusals ----------------------------------------------------------
xfr() { kdig @127.0.0.1 -p "$GW_PORT" +time=3 +retry=0 "$@" >"$GW_TMP/last" 2>&1 || true; }
xfr AXFR $Z.
expect "AXFR without the key: REFUSED" has_text "replied with error 'REFUSED'"
expect "... logged" grep -q "AXFR from 127.0.0.1@[0-9]* refused: not signed" "$GW_TMP/gateway.log"
xfr IXFR=$s1 $Z.
expect "IXFR without the key: REFUSED" has_text "replied with error 'REFUSED'"
expect "... logged" grep -q "IXFR from 127.0.0.1@[0-9]* refused: not signed" "$GW_TMP/gateway.log"
xfr AXFR $Z. -y "hmac-sha256:xfr:$WRONG"
expect "AXFR with a wrong secret: NOTAUTH/BADSIG" has_text "replied with error 'BADSIG'"
expect "... logged" grep -q "AXFR from 127.0.0.1@[0-9]* refused: TSIG key xfr.: BADSIG" "$GW_TMP/gateway.log"
xfr AXFR $Z. -y "hmac-sha256:other:$SECRET"
expect "AXFR with an unknown key: NOTAUTH/BADKEY" has_text "replied with error 'BADKEY'"
expect "... logged" grep -q "AXFR from 127.0.0.1@[0-9]* refused: TSIG key other.: BADKEY" "$GW_TMP/gateway.log"
xfr -b 127.0.0.2 AXFR $Z. -y "hmac-sha256:xfr:$SECRET"
expect "AXFR from an unlisted address (127.0.0.2): REFUSED" has_text "replied with error 'REFUSED'"
expect "... logged" grep -q "AXFR from 127.0.0.2@[0-9]* refused: address not allowed" "$GW_TMP/gateway.log"
xfr IXFR=$s1 $Z. +notcp -y "hmac-sha256:xfr:$SECRET"
expect "IXFR over UDP: the SOA alone, signed" bash -c "grep -q 'SOA' '$GW_TMP/last' && grep -q 'TSIG.*NOERROR' '$GW_TMP/last' && ! grep -q 'RRSIG' '$GW_TMP/last'"
dig @127.0.0.1 -p "$GW_PORT" +time=3 +tries=1 +opcode=notify +norec SOA $Z. -y "hmac-sha256:xfr:$SECRET" >"$GW_TMP/last" 2>&1 || true
expect "NOTIFY to the gateway: answered, signed (the primary ignores it)" \
	bash -c "grep -q 'opcode: NOTIFY, status: NOERROR' '$GW_TMP/last' && grep -q 'flags: qr aa' '$GW_TMP/last' && grep -q 'TSIG.*NOERROR' '$GW_TMP/last'"
expect "... logged" grep -q "NOTIFY from 127.0.0.1@[0-9]* for dnssd.test., TSIG key xfr.: this server is the primary" "$GW_TMP/gateway.log"

# ---- restart: the journal survives, the serial goes on ------------------
gw_stop
gw_start "$cfg"
s3=$(gw_serial)
expect "after the restart the serial goes on ($s2 -> $s3)" test "$s3" -gt "$s2"
expect "the journal connects to the new serial" grep -q "journal: restart diff $s2 -> $s3" "$GW_TMP/gateway.log"
wait_serial "$NSD_PORT" "$s3" && ok=0 || ok=1
expect "NSD follows the restart to $s3" test "$ok" -eq 0
wait_serial "$KNOT_PORT" "$s3" && ok=0 || ok=1
expect "Knot follows the restart to $s3" test "$ok" -eq 0
expect "both got IXFR $s2 -> $s3 from the kept journal" \
	test "$(grep -c "IXFR to 127.0.0.1@.* started: serial $s2 -> $s3, 1 diffs" "$GW_TMP/gateway.log")" -eq 2
echo 'after-restart IN A 192.0.2.13' >>"$GW_TMP/zone"
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do
	s4=$(gw_serial)
	[ "$s4" != "$s3" ] && break
	sleep 0.1
done
expect "a change after the restart: serial $s3 -> $s4" test "$s4" -gt "$s3"
wait_serial "$NSD_PORT" "$s4" && ok=0 || ok=1
expect "NSD follows to $s4" test "$ok" -eq 0
wait_serial "$KNOT_PORT" "$s4" && ok=0 || ok=1
expect "Knot follows to $s4" test "$ok" -eq 0
expect "both took IXFR $s3 -> $s4" \
	test "$(grep -c "IXFR to 127.0.0.1@.* started: serial $s3 -> $s4, 1 diffs" "$GW_TMP/gateway.log")" -eq 2
check_copies "after the restart"
expect "the journal was never reset or discarded" \
	bash -c "! grep -Eq 'journal: .*(dropped|discarded)|not in the journal' '$GW_TMP/gateway.log'"
expect "Knot never fell back to AXFR" bash -c "! grep -q 'fallback to AXFR' '$KNOT_DIR/knot.log'"

secondaries_stop
gw_finish
