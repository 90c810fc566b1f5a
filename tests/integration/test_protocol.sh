#!/usr/bin/env bash
# Referrals at delegations in the zone file (issue 16, finding 6; RFC 1034
# 4.3.2, RFC 4035 3.1.4, RFC 9471): AA clear, the child's NS in the
# authority section, glue in the additional section, the DS or the proof
# that there is none with DO, and no authoritative data below a cut; DS at
# the cut answered by the parent; a CNAME into a cut; an NXDOMAIN proof
# next to glue. delv and a validating Unbound accept the DS and the proof
# of no DS, ldns-verify-zone and dnssec-verify the AXFR.
#
# GW_DENIAL=nsec3 runs all of it on an NSEC3 zone
# (test_protocol_nsec3.sh). The error-reply corners that share the zone
# are in test_protocol_errors.sh.
for tool in ldns-verify-zone dnssec-verify delv unbound dig kdig; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (scripts/setup.sh)" >&2; exit 1; }
done
source "$(dirname "$0")/protocol.sh"
state="$GW_TMP/state"
has_aa() { grep -q 'flags=[a-z,]*\baa\b' "$GW_TMP/last"; }
# The record that proves there is no DS at NAME: its NSEC, or the NSEC3
# matching it.
proof_owner() {
	if [ "$DENIAL" = nsec3 ]; then
		/usr/bin/python3 "$GW_INTEGRATION_DIR/proto.py" 0 nsec3owner "$1" $Z
	else
		echo "$1"
	fi
}
PROOF=${DENIAL^^}
PLAIN_PROOF=$(proof_owner plain.$Z)

# ---- referrals ------------------------------------------------------------
p query host.secure.$Z A
expect "below a cut: NOERROR (a referral, not NXDOMAIN)" has_text "rcode=NOERROR"
expect "referral: AA clear" bash -c "! grep -q 'flags=[a-z,]*\baa\b' '$GW_TMP/last'"
expect "referral: no answer" has_text " an=0 "
expect "referral: the child's NS in authority" has_rr "authority secure.deleg.test. NS"
expect "referral: glue A in additional" has_rr "additional ns.secure.deleg.test. A"
expect "referral: glue AAAA in additional" has_rr "additional ns.secure.deleg.test. AAAA"
expect "referral: no SOA" bash -c "! grep -q ' SOA' '$GW_TMP/last'"
p query host.secure.$Z A --do
expect "referral with DO: the DS" has_rr "authority secure.deleg.test. DS"
expect "referral with DO: the DS's RRSIG" has_rr "authority secure.deleg.test. RRSIG DS"
expect "referral with DO: NS is not signed (RFC 4035 2.2)" lacks_rr "authority secure.deleg.test. RRSIG NS"
expect "referral with DO: glue is not signed" lacks_rr "additional ns.secure.deleg.test. RRSIG A"
expect "referral with DS: no $PROOF" bash -c "! grep -q ' $PROOF\$' '$GW_TMP/last'"
p query host.plain.$Z A --do
expect "unsigned child: referral" has_rr "authority plain.deleg.test. NS"
expect "unsigned child: $PROOF proves no DS" has_rr "authority $PLAIN_PROOF $PROOF"
expect "unsigned child: the $PROOF is signed" has_rr "authority $PLAIN_PROOF RRSIG $PROOF"
expect "unsigned child: in-domain glue" has_rr "additional ns.plain.deleg.test. A"
expect "unsigned child: sibling glue from the zone (best effort)" has_rr "additional ns1.deleg.test. A"
expect "unsigned child: an out-of-zone NS target gets no glue" bash -c "! grep -q '^additional ns.example.net.' '$GW_TMP/last'"
p query secure.$Z NS
expect "NS at the cut: a referral too" bash -c "grep -qx 'authority secure.deleg.test. NS' '$GW_TMP/last' && ! grep -q 'flags=[a-z,]*\baa\b' '$GW_TMP/last'"
expect "NS at the cut: no answer" has_text " an=0 "
p query secure.$Z ANY
expect "ANY at the cut: a referral" bash -c "grep -qx 'authority secure.deleg.test. NS' '$GW_TMP/last' && grep -q ' an=0 ' '$GW_TMP/last'"
expect "ANY at the cut: AA clear" bash -c "! grep -q 'flags=[a-z,]*\baa\b' '$GW_TMP/last'"
p query secure.$Z DS --do
expect "DS at the cut: answered by the parent, AA" bash -c "grep -qx 'answer secure.deleg.test. DS' '$GW_TMP/last' && grep -q 'flags=qr,aa' '$GW_TMP/last'"
expect "DS at the cut: signed" has_rr "answer secure.deleg.test. RRSIG DS"
p query plain.$Z DS --do
expect "no DS at an unsigned cut: NODATA with the $PROOF, AA" bash -c "grep -q 'rcode=NOERROR' '$GW_TMP/last' && grep -qx 'authority $PLAIN_PROOF $PROOF' '$GW_TMP/last' && grep -q 'flags=qr,aa' '$GW_TMP/last'"
expect "no DS at an unsigned cut: the SOA" has_rr "authority deleg.test. SOA"
p query host.secure.$Z DS --do
expect "DS below a cut: a referral" bash -c "grep -qx 'authority secure.deleg.test. NS' '$GW_TMP/last' && grep -q ' an=0 ' '$GW_TMP/last'"
p query ns.secure.$Z A
expect "glue is not answered authoritatively: a referral" bash -c "! grep -q 'flags=[a-z,]*\baa\b' '$GW_TMP/last' && grep -qx 'authority secure.deleg.test. NS' '$GW_TMP/last'"
expect "glue: no answer" has_text " an=0 "
p query www.$Z A
expect "above the cuts: an ordinary AA answer" bash -c "grep -qx 'answer www.deleg.test. A' '$GW_TMP/last' && grep -q 'flags=qr,aa' '$GW_TMP/last'"

# ---- a CNAME into a cut ---------------------------------------------------
p query alias.$Z A --do
expect "CNAME into a cut: the CNAME is the answer" has_rr "answer alias.deleg.test. CNAME"
expect "CNAME into a cut: signed" has_rr "answer alias.deleg.test. RRSIG CNAME"
expect "CNAME into a cut: the referral's NS in authority" has_rr "authority secure.deleg.test. NS"
expect "CNAME into a cut: AA (the CNAME is ours)" has_aa
expect "CNAME into a cut: NOERROR" has_text "rcode=NOERROR"
expect "CNAME into a cut: nothing from below the cut in the answer" lacks_rr "answer host.secure.deleg.test. A"

# ---- a CNAME from a wildcard -------------------------------------------------
# The chain in the answer section, the proof that x.wc does not exist
# after it in the authority section (RFC 4035 3.1.3.3, RFC 5155 7.2.6):
# it used to follow the CNAME at once, which put www's A in the authority
# section and made validators reject the reply.
p query x.wc.$Z A --do
expect "CNAME from a wildcard: the CNAME under the name asked" has_rr "answer x.wc.deleg.test. CNAME"
expect "CNAME from a wildcard: the target's A in the answer" has_rr "answer www.deleg.test. A"
expect "CNAME from a wildcard: the A's RRSIG in the answer" has_rr "answer www.deleg.test. RRSIG A"
expect "CNAME from a wildcard: no $PROOF in the answer" bash -c "! grep -q '^answer .* $PROOF\$' '$GW_TMP/last'"
expect "CNAME from a wildcard: the $PROOF in authority" grep -q "^authority .* $PROOF\$" "$GW_TMP/last"
expect "CNAME from a wildcard: nothing else in authority" bash -c "! grep -v ' $PROOF\$' '$GW_TMP/last' | grep -q '^authority '"

# ---- a query for RRSIG ----------------------------------------------------
# The signatures (one RRset's over UDP, RFC 8482), not NODATA; at a CNAME
# its own, the chain not followed (RFC 4034 3).
p query www.$Z RRSIG
expect "RRSIG query: a signature in the answer" has_rr "answer www.deleg.test. RRSIG A"
expect "RRSIG query: NOERROR, no SOA" bash -c "grep -q 'rcode=NOERROR' '$GW_TMP/last' && ! grep -q ' SOA' '$GW_TMP/last'"
p query x.wc.$Z RRSIG
expect "RRSIG query from a wildcard CNAME: its signature" has_rr "answer x.wc.deleg.test. RRSIG CNAME"
expect "RRSIG query from a wildcard CNAME: not followed" lacks_rr "answer www.deleg.test. RRSIG A"

# ---- NXDOMAIN next to glue -------------------------------------------------
# secure0 sorts right after ns.secure (glue, outside the chain): the proof
# must come from names in the chain.
p query secure0.$Z A --do
expect "NXDOMAIN beside glue: NXDOMAIN" has_text "rcode=NXDOMAIN"
expect "NXDOMAIN beside glue: no record of a name below a cut" bash -c "! grep -q '^authority [a-z.]*secure.deleg.test. ' '$GW_TMP/last' || grep -qx 'authority secure.deleg.test. NSEC' '$GW_TMP/last'"
if [ "$DENIAL" = nsec ]; then
	expect "NXDOMAIN beside glue: the cut's NSEC covers it" has_rr "authority secure.deleg.test. NSEC"
else
	# Closest encloser (the apex), next closer, wildcard: one NSEC3 may
	# serve two parts.
	expect "NXDOMAIN beside glue: NSEC3 proof" test "$(grep -c ' NSEC3$' "$GW_TMP/last")" -ge 2
fi

# ---- real validators -----------------------------------------------------
kdig @127.0.0.1 -p "$GW_PORT" +time=10 AXFR $Z +noall +answer >"$GW_TMP/axfr.txt" 2>&1 || true
sed '$d' "$GW_TMP/axfr.txt" >"$GW_TMP/axfr.zone"
ldns-verify-zone "$GW_TMP/axfr.zone" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "ldns-verify-zone accepts the AXFR" test "$rc" -eq 0
dnssec-verify -z -o $Z "$GW_TMP/axfr.zone" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "dnssec-verify accepts the AXFR" test "$rc" -eq 0
expect "the AXFR holds the glue" grep -Eq '^ns\.secure\.deleg\.test\.[[:space:]].*[[:space:]]A[[:space:]]' "$GW_TMP/axfr.zone"

delv_check() { # LABEL NAME TYPE EXPECTED-TEXT
	delv @127.0.0.1 -p "$GW_PORT" -a "$state/trust-anchor.conf" +root=$Z "$2" "$3" >"$GW_TMP/last" 2>&1 || true
	expect "delv: $1" grep -q "$4" "$GW_TMP/last"
}
delv_check "DS of the signed child fully validated" secure.$Z DS "; fully validated"
delv_check "no DS at the unsigned cut fully validated" plain.$Z DS "; negative response, fully validated"
delv_check "NXDOMAIN beside glue fully validated" secure0.$Z A "; negative response, fully validated"
delv_check "CNAME from a wildcard fully validated" x.wc.$Z A "; fully validated"

# Only questions the parent answers: the child servers are not reachable
# (and not to be contacted: 192.0.2.0/24 is not ours on this machine).
unbound_start deleg ${Z%.} "$state/trust-anchor.ds"
ub secure.$Z DS
expect "unbound: DS of the signed child NOERROR" test "$(dig_status)" = NOERROR
expect "unbound: DS of the signed child validated (AD)" dig_has_flag ad
expect "unbound: the DS is there" grep -Eq '^secure\.deleg\.test\..*[[:space:]]DS[[:space:]]' "$GW_TMP/last"
ub plain.$Z DS
expect "unbound: no DS at the unsigned cut NOERROR" test "$(dig_status)" = NOERROR
expect "unbound: no DS at the unsigned cut validated (AD)" dig_has_flag ad
ub secure0.$Z A
expect "unbound: NXDOMAIN beside glue" test "$(dig_status)" = NXDOMAIN
expect "unbound: NXDOMAIN beside glue validated (AD)" dig_has_flag ad
ub x.wc.$Z A
expect "unbound: CNAME from a wildcard NOERROR" test "$(dig_status)" = NOERROR
expect "unbound: CNAME from a wildcard validated (AD)" dig_has_flag ad
expect "unbound: CNAME from a wildcard reaches www's address" grep -Eq '^www\.deleg\.test\..*[[:space:]]A[[:space:]]+192\.0\.2\.80' "$GW_TMP/last"
unbound_stop_all

gw_finish
