#!/usr/bin/env bash
# The gateway's answers against Knot DNS's, question by question. The
# gateway serves tests/data/integration/differential.zone signed (NSEC,
# then NSEC3); Knot serves the very same records, signatures and chain
# included, from the gateway's own AXFR; answers_diff.py asks both about
# 8,200 questions (every name of the zone and names around it, 19 types,
# over UDP with and without EDNS and DO, over TCP, in mixed case) and
# compares rcode, AA, TC, and the answer and authority sections record for
# record. The differences the two have by design are listed in
# answers_diff.py with the reason; any other fails the test. Then
# packets_diff.py sends both about 130 odd and malformed messages over UDP
# and TCP and compares the replies' shapes, with its own list of allowed
# differences and rules of the gateway's own. This found a
# wildcard CNAME's proof written into the answer section (validators
# rejected the reply), RRSIG queries answered NODATA, and DNAME taken as an
# ordinary record (every name below it NXDOMAIN), and replies off the
# query path without an OPT (NOTIFY, TSIG errors, transfers) and FORMERR
# to a query for a cookie alone. delv validates a few of those answers.
source "$(dirname "$0")/lib.sh"
for tool in knotd kdig delv; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (scripts/setup.sh)" >&2; exit 1; }
done
/usr/bin/python3 -c 'import dns' 2>/dev/null || { echo "FAIL: python3-dnspython missing (scripts/setup.sh)" >&2; exit 1; }

KNOT_PID=""
knot_stop() {
	if [ -n "$KNOT_PID" ]; then
		kill "$KNOT_PID" 2>/dev/null || true
		wait "$KNOT_PID" 2>/dev/null || true
	fi
	KNOT_PID=""
}
trap 'knot_stop; gw_cleanup' EXIT

Z=diff.test.
cp "$GW_TEST_DATA/integration/differential.zone" "$GW_TMP/zone"
for denial in nsec nsec3; do
	rm -rf "$GW_TMP/state"
	# No rate limit: one client asks thousands of questions a second.
	cfg=$(gw_config "answers-$denial" "zone: {domain: $Z, file: $GW_TMP/zone}
dnssec: {enable: true, denial: $denial}
rate-limit: {rate: 0}")
	gw_start "$cfg"
	signed=1
	for _ in $(seq 1 100); do
		q $Z SOA +dnssec
		has_text "RRSIG" && { signed=0; break; }
		sleep 0.2
	done
	expect "$denial: the zone is signed" test "$signed" -eq 0

	kdir="$GW_TMP/knot-$denial"
	mkdir -p "$kdir"
	kdig @127.0.0.1 -p "$GW_PORT" +time=10 AXFR $Z +noall +answer >"$kdir/axfr.txt" 2>&1 || true
	sed '$d' "$kdir/axfr.txt" >"$kdir/signed.zone" # the SOA repeated last
	expect "$denial: the AXFR holds the $denial chain" grep -Eq "[[:space:]]${denial^^}[[:space:]]" "$kdir/signed.zone"
	KNOT_PORT=$(free_port)
	{
		knot_conf_base "$kdir" "127.0.0.1@$KNOT_PORT"
		cat <<KNOT
    semantic-checks: off
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: $Z
    file: "$kdir/signed.zone"
KNOT
	} >"$kdir/knot.conf"
	knotd -c "$kdir/knot.conf" >"$kdir/stdout.log" 2>&1 &
	KNOT_PID=$!
	up=1
	for _ in $(seq 1 100); do
		if kdig @127.0.0.1 -p "$KNOT_PORT" +time=1 +retry=0 $Z SOA 2>/dev/null | grep -q "status: NOERROR"; then
			up=0
			break
		fi
		sleep 0.1
	done
	expect "$denial: Knot serves the gateway's AXFR" test "$up" -eq 0
	if [ "$up" -ne 0 ]; then
		cat "$kdir/knot.log" "$kdir/stdout.log" >&2 || true
		break
	fi

	/usr/bin/python3 "$GW_INTEGRATION_DIR/answers_diff.py" "$GW_PORT" "$KNOT_PORT" "$GW_TMP/zone" \
		"$denial" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
	expect "$denial: every answer as Knot's, but for the differences listed" test "$rc" -eq 0
	asked=$(sed -n 's/^asked \([0-9]*\) questions.*/\1/p' "$GW_TMP/last")
	expect "$denial: the whole mix was asked" test "${asked:-0}" -ge 8000
	sed -n '/^allowed: /p' "$GW_TMP/last"
	if [ "$denial" = nsec ]; then
		# Odd and malformed messages (header bits, opcodes, counts, OPT
		# and option variants, truncations): their replies' shapes
		# against Knot's, and the gateway's own rules (an OPT in every
		# reply to an EDNS query, transfers and NOTIFY included; FORMERR
		# no larger than the message; a server cookie to a query for
		# one alone). The denial does not matter to them: once.
		/usr/bin/python3 "$GW_INTEGRATION_DIR/packets_diff.py" "$GW_PORT" "$KNOT_PORT" \
			>"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
		expect "odd messages: every reply as Knot's, but for the differences listed, and the rules kept" \
			test "$rc" -eq 0
		asked=$(sed -n 's/^asked \([0-9]*\) messages.*/\1/p' "$GW_TMP/last")
		expect "odd messages: all were sent" test "${asked:-0}" -ge 250
		sed -n '/^allowed: /p' "$GW_TMP/last"
	fi
	# A validator's view of the answers the fixes of this file's history
	# changed: a wildcard CNAME, DNAME into the zone and onto a wildcard.
	for qn in q.wc a.dn3 q.dn4; do
		delv @127.0.0.1 -p "$GW_PORT" -a "$GW_TMP/state/trust-anchor.conf" +root=$Z "$qn.$Z" A \
			>"$GW_TMP/last" 2>&1 || true
		expect "$denial: delv validates $qn" grep -q "^; fully validated" "$GW_TMP/last"
	done
	knot_stop
	gw_stop
done
gw_finish
