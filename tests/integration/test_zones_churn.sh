#!/usr/bin/env bash
# Issue 12, several zones under churn: DNSSEC still verifies for every zone
# after 1000 random policy-relevant changesets.
#
# The topology of topology.sh (two links, lan1 labelled "Building 1" and
# lan2); on each link tests/integration/churn_publish.py (python3-zeroconf)
# registers and unregisters services at random: _ipp._tcp (some with the
# subtype _universal, some named "Secret ...", some with UTF-8 names),
# _ipps._tcp (with and without the subtype _universal), _ssh._tcp,
# _rtsp._tcp and _http._tcp, each on a host of its own (prn-*, lab-*,
# ws-*, cam-*, web-*). Zones (the zones: form, docs/configuration.md):
#   campus.test.: both links, everything (NSEC);
#   guest.test.:  lan2 only; policy default deny: deny instance "Secret*",
#                 allow _ipp._tcp, allow _ipps._tcp; its own dnssec:
#                 section makes it NSEC3;
#   lab.test.:    both links; policy default deny: deny host "cam-*",
#                 allow instance "Lab *", allow the subtype
#                 _universal._sub._ipps._tcp, allow host "ws-*" on lan2;
#                 a zone file with 1.5 MB of static TXT records (see the
#                 IXFR below);
#   reverse: enable: 2.0.192.in-addr.arpa. and the two links' ip6.arpa.
#                 zones.
# So every kind of service is shown in some zones and hidden in others,
# and most changes on the links are changes for two or three zones, each
# its own changeset (commit, serial, signatures, journal entry).
# Asserts:
#   - at least 1000 changesets were committed during the churn, counted by
#     dnssd-gatewayctl status (each zone's commits) and seen in each
#     zone's serial;
#   - afterwards each zone holds exactly the instances (SRV), subtype PTRs
#     and host addresses that the publishers publish and its policy
#     allows: guest.test. in particular no denied type, instance or host;
#   - for every zone, reverse zones too: the AXFR passes ldns-verify-zone
#     and BIND's dnssec-verify; guest.test. is NSEC3 (NSEC3PARAM 1 0 0 -,
#     no NSEC), the others NSEC;
#   - for each forward zone, an IXFR from the serial before the churn to
#     the last applies cleanly to the AXFR taken before the churn (every
#     deleted record was there, every added one was not, the serials
#     chain) and gives exactly the AXFR taken after it. The gateway
#     answers in AXFR form when the changesets weigh more than the zone
#     (gw_xfr_init_ixfr()), as campus.test. and guest.test. do after the
#     churn; lab.test.'s static records outweigh its changesets, so its
#     answer must be incremental: every changeset of the churn, in order;
#   - the gateway logged no error.
#
# GW_CHURN_SECONDS sets how long the churn runs (45 s by default: about
# 1200 changesets at the default rate, which the publishers set, not the CPU),
# GW_CHURN_RATE the operations a second on each link (10), GW_CHURN_SEED the
# random seed (printed, so that a failing run can be repeated).
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/topology.sh"
for tool in kdig ldns-verify-zone dnssec-verify; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup.sh)" >&2; exit 1; }
done
: "${GW_CTL:?GW_CTL must name dnssd-gatewayctl}"

CHURN_SECONDS=${GW_CHURN_SECONDS:-45}
CHURN_RATE=${GW_CHURN_RATE:-10}
SEED=${GW_CHURN_SEED:-$((RANDOM * 32768 + RANDOM))}
echo "churn: $CHURN_SECONDS s, $CHURN_RATE operations a second per link, seed $SEED"

# shellcheck disable=SC2034 # topology.sh reads them
TOPO_DIR=$GW_TMP
# shellcheck disable=SC2034
TOPO_NAME=zch$$
topo_setup

STATE="$GW_TMP/state"
SOCK="$GW_TMP/control.sock"
GW_LOG="$GW_TMP/gateway.log"
CAMPUS=campus.test.
GUEST=guest.test.
LAB=lab.test.
FORWARD=("$CAMPUS" "$GUEST" "$LAB")
# The reverse zones of the links' prefixes (topology.sh: 192.0.2.0/28 and
# 192.0.2.16/28, 2001:db8:0:1::/64 and 2001:db8:0:2::/64; wan is no link).
REVERSE=(2.0.192.in-addr.arpa. 1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.
	2.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.)
ZONES=("${FORWARD[@]}" "${REVERSE[@]}")

# lab.test.'s static records: 300 names of 10 TXT records of 500 octets,
# 1.5 MB, outside the link subdomains; the name server is out of the zone
# (the zone's only addresses are the mirrored hosts').
{
	echo "\$ORIGIN $LAB"
	echo "@ 3600 IN SOA ns.example. hostmaster.example. 1 3600 600 86400 10"
	echo "@ 3600 IN NS ns.example."
	blob=$(head -c 250 /dev/zero | tr '\0' x)
	for i in $(seq 1 300); do
		for j in $(seq 1 10); do
			echo "static-$i 3600 IN TXT \"$j$blob\" \"$blob\""
		done
	done
} >"$GW_TMP/lab.zone"
# The journal keeps every changeset of the churn, so that the IXFR from
# before it reaches back.
cat >"$GW_ETC/gateway.yaml" <<YAML
listen: ["127.0.0.1@53"]
ports-file: $GW_TMP/ports
state-dir: $STATE
control: {socket: $SOCK}
links:
  - {interface: lan1, subdomain: "Building 1"}
  - {interface: lan2, subdomain: lan2}
mdns:
  subtypes: ["_universal._sub._ipp._tcp", "_universal._sub._ipps._tcp"]
zones:
  - domain: $CAMPUS
  - domain: $GUEST
    links: [lan2]
    policy:
      default: deny
      rules:
        - {action: deny, instance: "Secret*"}
        - {action: allow, type: "_ipp._tcp"}
        - {action: allow, type: "_ipps._tcp"}
    dnssec: {denial: nsec3}
  - domain: $LAB
    file: $GW_TMP/lab.zone
    policy:
      default: deny
      rules:
        - {action: deny, host: "cam-*"}
        - {action: allow, instance: "Lab *"}
        - {action: allow, type: "_universal._sub._ipps._tcp"}
        - {action: allow, host: "ws-*", link: lan2}
reverse: {enable: true}
dnssec: {enable: true}
transfer:
  allow: ["127.0.0.1"]
  journal-entries: 100000
YAML
ip netns exec "$NS_GW" "$GW_BIN" --check-config -c "$GW_ETC/gateway.yaml" >"$GW_TMP/check.log" 2>&1 || {
	cat "$GW_TMP/check.log" >&2
	topo_die "dnssd-gateway --check-config refused the configuration"
}
mkdir -p "$STATE"
topo_gw_start "$GW_ETC/gateway.yaml"

# gwq ARGS...: kdig at the gateway, in its namespace; output in last.
gwq() {
	ip netns exec "$NS_GW" kdig @127.0.0.1 +time=5 +retry=1 "$@" >"$GW_TMP/last" 2>&1 || true
}
gw_serves() { # ZONE: the gateway answers its SOA with aa
	gwq "$1" SOA +norec
	has_status NOERROR && has_flag aa && has_count ANSWER 1
}
for z in "${ZONES[@]}"; do
	topo_wait 15 gw_serves "$z" || true
	expect "the gateway serves $z (SOA, aa)" gw_serves "$z"
done

# check DESCRIPTION CONDITION...: expect, for a condition that leaves no
# output of its own to show.
check() {
	: >"$GW_TMP/last"
	expect "$@"
}
# axfr ZONE FILE: the zone by AXFR, one record a line, as kdig prints it
# (the last SOA too).
axfr() {
	ip netns exec "$NS_GW" kdig @127.0.0.1 +time=10 AXFR "$1" +noall +answer >"$2" 2>&1 || true
}
# ctl_commits: "ZONE COMMITS SERIAL" a line, for every zone, from
# dnssd-gatewayctl status --json.
ctl_commits() {
	"$GW_CTL" -s "$SOCK" --json status >"$GW_TMP/status.json" 2>"$GW_TMP/status.err" || {
		cat "$GW_TMP/status.err" >&2
		return 1
	}
	/usr/bin/python3 -c '
import json, sys
for z in json.load(open(sys.argv[1]))["zones"]:
    print(z["name"].lower().rstrip(".") + ".", z["commits"], z["serial"])' "$GW_TMP/status.json"
}

# ---- the publishers --------------------------------------------------------

topo_pub_start 1 "$GW_INTEGRATION_DIR/churn_publish.py" --link 1 --seed "$SEED" --rate "$CHURN_RATE"
topo_pub_start 2 "$GW_INTEGRATION_DIR/churn_publish.py" --link 2 --seed "$((SEED + 1))" \
	--rate "$CHURN_RATE"

# ---- what each zone must hold ------------------------------------------------

# The oracle: from the publishers' dumps (churn_publish.py dump), what each
# forward zone must hold, by the zones' configuration above (written out
# again here with fnmatch: the first matching rule decides, compared
# without case; a type pattern also matches a subtype
# "_sub._sub._type._proto"). Prints, sorted, one line each:
#   ZONE srv OWNER           an instance shown
#   ZONE sub OWNER TARGET    a subtype PTR
#   ZONE host OWNER          a host with addresses
# in kdig's presentation (lowercase, \DDD escapes).
cat >"$GW_TMP/oracle.py" <<'PY'
import fnmatch, json, sys

LINKS = {1: ("lan1", "Building 1"), 2: ("lan2", "lan2")}
POLICIES = {
    "campus.test.": {"links": [1, 2], "default": "allow", "rules": []},
    "guest.test.": {"links": [2], "default": "deny", "rules": [
        ("deny", {"instance": "Secret*"}),
        ("allow", {"type": "_ipp._tcp"}),
        ("allow", {"type": "_ipps._tcp"})]},
    "lab.test.": {"links": [1, 2], "default": "deny", "rules": [
        ("deny", {"host": "cam-*"}),
        ("allow", {"instance": "Lab *"}),
        ("allow", {"type": "_universal._sub._ipps._tcp"}),
        ("allow", {"host": "ws-*", "link": "lan2"})]},
}


def glob(pattern, text):
    return fnmatch.fnmatchcase(text.lower(), pattern.lower())


def matches(rule, svc, link):
    for key, pattern in rule.items():
        if key == "type":
            types = [svc["type"]] + ["%s._sub.%s" % (s, svc["type"]) for s in svc["subtypes"]]
            if not any(glob(pattern, t) for t in types):
                return False
        elif key == "instance" and not glob(pattern, svc["instance"]):
            return False
        elif key == "host" and not glob(pattern, svc["host"]):
            return False
        elif key == "link" and pattern not in LINKS[link]:
            return False
    return True


def shown(policy, svc, link):
    for action, rule in policy["rules"]:
        if matches(rule, svc, link):
            return action == "allow"
    return policy["default"] == "allow"


def label(text):
    out = ""
    for b in text.encode():
        c = chr(b)
        if c.isascii() and (c.isalnum() or c in "-_"):
            out += c.lower()
        elif c in '.\\"();$@':
            out += "\\" + c
        else:
            out += "\\%03d" % b
    return out


lines = set()
for link in (1, 2):
    for line in open(sys.argv[link], encoding="utf-8"):
        svc = json.loads(line)
        for zone, policy in POLICIES.items():
            if link not in policy["links"] or not shown(policy, svc, link):
                continue
            dom = "%s.%s" % (label(LINKS[link][1]), zone)
            inst = "%s.%s.%s" % (label(svc["instance"]), svc["type"], dom)
            lines.add("%s srv %s" % (zone, inst))
            for sub in svc["subtypes"]:
                lines.add("%s sub %s._sub.%s.%s %s" % (zone, sub, svc["type"], dom, inst))
            lines.add("%s host %s.%s" % (zone, label(svc["host"]), dom))
for line in sorted(lines):
    print(line)
PY
# zone_view ZONE FILE: the same lines, from an AXFR of ZONE in FILE.
zone_view() {
	awk -v z="$1" '
		function lc(s) { return tolower(s) }
		$4 == "SRV" { print z " srv " lc($1) }
		$4 == "PTR" && lc($1) ~ /\._sub\./ { print z " sub " lc($1) " " lc($5) }
		($4 == "A" || $4 == "AAAA") { print z " host " lc($1) }' "$2" | sort -u
}
# expected / actual: every forward zone's lines, now.
expected() {
	/usr/bin/python3 "$GW_TMP/oracle.py" "$GW_TMP/live1.json" "$GW_TMP/live2.json" | LC_ALL=C sort
}
actual() {
	local z
	for z in "${FORWARD[@]}"; do
		axfr "$z" "$GW_TMP/view.axfr"
		zone_view "$z" "$GW_TMP/view.axfr"
	done | LC_ALL=C sort
}
dump_live() {
	topo_pub 1 dump "$GW_TMP/live1.json"
	topo_pub 2 dump "$GW_TMP/live2.json"
}
zones_match() { [ "$(actual)" = "$(expected)" ]; }
# settle WHEN: wait (bounded) until every forward zone holds what the
# publishers publish and the policies allow; a pass or a fail with the
# difference.
settle() {
	local t0=$SECONDS
	topo_wait 45 zones_match || true
	if zones_match; then
		pass "$1: every forward zone holds exactly the instances, subtypes and hosts its links and policy allow ($(expected | wc -l) lines, $((SECONDS - t0)) s to settle)"
	else
		fail "$1: the forward zones differ from what the publishers publish and the policies allow (< expected, > in the zone):"
		diff <(expected) <(actual) | head -n 40 | sed 's/^/    | /' >&2 || true
	fi
}

# ---- the services that stay, then the snapshot before the churn -----------

topo_pub 1 base
topo_pub 2 base
dump_live
settle "before the churn"
for z in "${FORWARD[@]}"; do
	axfr "$z" "$GW_TMP/${z%.}.before"
done
ctl_commits >"$GW_TMP/commits.before" || topo_die "dnssd-gatewayctl status failed"
echo "before the churn (zone, commits, serial):"
sed 's/^/    /' "$GW_TMP/commits.before"

# ---- the churn -----------------------------------------------------------------

t0=$SECONDS
topo_pub_send 1 churn "$CHURN_SECONDS"
topo_pub_send 2 churn "$CHURN_SECONDS"
topo_pub_wait 1 $((CHURN_SECONDS + 30))
topo_pub_wait 2 $((CHURN_SECONDS + 30))
ops1=$(awk '$1 == "ok" && $2 == "churn" {n = $4} END {print n + 0}' "$GW_TMP/pub1.out")
ops2=$(awk '$1 == "ok" && $2 == "churn" {n = $4} END {print n + 0}' "$GW_TMP/pub2.out")
echo "churn: $ops1 operations on lan1, $ops2 on lan2, in $((SECONDS - t0)) s"
check "the publishers churned ($ops1 + $ops2 operations)" test "$ops1" -ge 100 -a "$ops2" -ge 100
check "the gateway is still running" kill -0 "$GW_PID"
dump_live
settle "after the churn"

# ---- changesets: counted by the control socket, seen in the serials -------------

ctl_commits >"$GW_TMP/commits.after" || topo_die "dnssd-gatewayctl status failed"
echo "after the churn (zone, commits, serial):"
sed 's/^/    /' "$GW_TMP/commits.after"
total=0
declare -A COMMITS=()
for z in "${ZONES[@]}"; do
	read -r c0 s0 < <(awk -v z="$z" '$1 == z {print $2, $3}' "$GW_TMP/commits.before")
	read -r c1 s1 < <(awk -v z="$z" '$1 == z {print $2, $3}' "$GW_TMP/commits.after")
	if [ -z "${c0:-}" ] || [ -z "${c1:-}" ]; then
		fail "dnssd-gatewayctl status lists $z"
		continue
	fi
	dc=$((c1 - c0))
	ds=$(((s1 - s0 + 4294967296) % 4294967296))
	total=$((total + dc))
	COMMITS[$z]=$dc
	check "$z: each of its $dc changesets has a serial of its own (the serial went from $s0 to $s1)" \
		test "$ds" -ge "$dc"
	case " ${FORWARD[*]} " in
	*" $z "*) check "$z: the churn changed it ($dc changesets >= 100)" test "$dc" -ge 100 ;;
	esac
	c0="" c1=""
done
check "at least 1000 changesets during the churn, across the zones ($total)" test "$total" -ge 1000

# ---- every zone verifies -------------------------------------------------------

for z in "${ZONES[@]}"; do
	f="$GW_TMP/${z%.}.zone"
	axfr "$z" "$f.axfr"
	sed '$d' "$f.axfr" | grep -v '^;' >"$f" || true
	n=$(grep -c . "$f" || true)
	check "$z: AXFR ($n records)" test "$n" -gt 10 -a "$(awk '$4 == "SOA"' "$f.axfr" | wc -l)" -eq 2
	ldns-verify-zone "$f" >"$f.ldns" 2>&1 && rc=0 || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$z: ldns-verify-zone accepts the AXFR"
	else
		fail "$z: ldns-verify-zone $f exited $rc:"
		tail -n 20 "$f.ldns" | sed 's/^/    | /' >&2
	fi
	dnssec-verify -z -o "$z" "$f" >"$f.bind" 2>&1 && rc=0 || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$z: dnssec-verify accepts the AXFR"
	else
		fail "$z: dnssec-verify -z -o $z $f exited $rc:"
		tail -n 20 "$f.bind" | sed 's/^/    | /' >&2
	fi
	n3param=$(awk -v z="$z" 'tolower($1) == z && $4 == "NSEC3PARAM" {print $5, $6, $7, $8}' "$f")
	n3=$(awk '$4 == "NSEC3"' "$f" | wc -l)
	nsec=$(awk '$4 == "NSEC"' "$f" | wc -l)
	if [ "$z" = "$GUEST" ]; then
		check "$z: NSEC3 (NSEC3PARAM '$n3param', $n3 NSEC3, $nsec NSEC)" \
			test "$n3param" = "1 0 0 -" -a "$n3" -gt 0 -a "$nsec" -eq 0
	else
		check "$z: NSEC ($nsec NSEC, $n3 NSEC3, NSEC3PARAM '$n3param')" \
			test -z "$n3param" -a "$n3" -eq 0 -a "$nsec" -gt 0
	fi
done

# ---- guest.test. holds nothing its policy denies ---------------------------

g="$GW_TMP/guest.test.zone"
# Owners as kdig prints them, lowercase; denied: other types, "Secret"
# instances, the hosts of denied services, anything of lan1.
bad=$(awk '{print tolower($1)}' "$g" | grep -E -e '_(ssh|rtsp|http)\._tcp' -e '(^|\.)secret' \
	-e '(^|\.)(cam|ws|web)-' -e 'building' | sort -u | head -n 10 || true)
check "guest.test.: no denied type, instance or host, nothing of lan1 (AXFR)${bad:+: ${bad//$'\n'/ }}" \
	test -z "$bad"
# Nor in any record's data: a PTR to a denied instance, an SRV to a
# denied host.
bad=$(awk '$4 == "PTR" || $4 == "SRV" {print tolower($NF)}' "$g" |
	grep -E -e '_(ssh|rtsp|http)\._tcp' -e '^secret' -e '^(cam|ws|web)-' | sort -u | head -n 10 || true)
check "guest.test.: no PTR or SRV leads to what its policy denies${bad:+: ${bad//$'\n'/ }}" test -z "$bad"
types=$(awk '$1 == "_services._dns-sd._udp.lan2.guest.test." && $4 == "PTR" {print tolower($5)}' "$g" |
	sort | tr '\n' ' ')
check "guest.test.: its type enumeration is the printers' types ($types)" \
	test "$types" = "_ipp._tcp.lan2.guest.test. _ipps._tcp.lan2.guest.test. "
n=$(awk '$4 == "SRV"' "$g" | wc -l)
check "guest.test.: it shows printers ($n)" test "$n" -gt 0

# ---- IXFR from before the churn to now --------------------------------------

# ixfr_apply BEFORE IXFR AFTER FORM: apply the IXFR (kdig's records, one a
# line) to the AXFR BEFORE and compare with the AXFR AFTER. Strict, as a
# secondary must be: the first record is the new SOA, then for each
# changeset the old SOA (the serial reached so far), the records to
# delete (each present), the new SOA, the records to add (each absent);
# the last record is the new SOA again. FORM "incremental" wants that;
# "any" also takes the AXFR form (the new SOA, the whole zone, the SOA),
# which must then be the zone AFTER. Prints "incremental N" (N
# changesets) or "axfr-form"; exits 1 on the first inconsistency.
cat >"$GW_TMP/ixfr_apply.py" <<'PY'
import sys


def records(path):
    out = []
    for line in open(path, encoding="utf-8"):
        if line.startswith(";") or not line.strip():
            continue
        f = line.split()
        out.append(" ".join(f).lower())
    return out


def rtype(rec):
    return rec.split()[3].upper()


def serial(rec):
    return int(rec.split()[6])


def die(why):
    print("IXFR does not apply: " + why)
    sys.exit(1)


before = records(sys.argv[1])
ixfr = records(sys.argv[2])
after = records(sys.argv[3])
want = set(after[:-1])  # an AXFR's last record repeats the SOA
if len(ixfr) < 3 or rtype(ixfr[0]) != "SOA" or ixfr[-1] != ixfr[0]:
    die("not an IXFR answer (%d records)" % len(ixfr))
if ixfr[0] != after[0]:
    die("its SOA %r is not the AXFR's %r" % (ixfr[0], after[0]))
if rtype(ixfr[1]) != "SOA":
    if sys.argv[4] != "any":
        die("an AXFR-form answer (the second record is %s, not the old SOA)" % rtype(ixfr[1]))
    if set(ixfr[:-1]) != want or len(ixfr) != len(after):
        die("an AXFR-form answer that is not the zone's AXFR")
    print("axfr-form")
    sys.exit(0)
zone = set(before[:-1])
soa = before[0]
body = ixfr[1:-1]
i = changesets = 0
while i < len(body):
    old = body[i]
    if old != soa or old not in zone:
        die("changeset %d starts with %r, not the SOA reached (%r)" % (changesets, old, soa))
    zone.discard(old)
    i += 1
    while i < len(body) and rtype(body[i]) != "SOA":
        if body[i] not in zone:
            die("changeset %d deletes a record that is not there: %s" % (changesets, body[i]))
        zone.discard(body[i])
        i += 1
    if i == len(body):
        die("changeset %d has no new SOA" % changesets)
    soa = body[i]
    if (serial(soa) - serial(old)) % 2**32 not in range(1, 2**31):
        die("changeset %d does not increase the serial (%d -> %d)" % (
            changesets, serial(old), serial(soa)))
    zone.add(soa)
    i += 1
    while i < len(body) and rtype(body[i]) != "SOA":
        if body[i] in zone:
            die("changeset %d adds a record that is already there: %s" % (changesets, body[i]))
        zone.add(body[i])
        i += 1
    changesets += 1
if soa != ixfr[0]:
    die("the last changeset ends at %r, the answer announced %r" % (soa, ixfr[0]))
if zone != want:
    missing, extra = sorted(want - zone), sorted(zone - want)
    die("the result differs from the AXFR: %d records missing %s, %d extra %s" % (
        len(missing), missing[:3], len(extra), extra[:3]))
print("incremental %d" % changesets)
PY
for z in "${FORWARD[@]}"; do
	s0=$(awk '$4 == "SOA" {print $7; exit}' "$GW_TMP/${z%.}.before")
	ip netns exec "$NS_GW" kdig @127.0.0.1 +time=10 +tcp "IXFR=$s0" "$z" +noall +answer \
		>"$GW_TMP/${z%.}.ixfr" 2>&1 || true
	form=any
	[ "$z" != "$LAB" ] || form=incremental
	/usr/bin/python3 "$GW_TMP/ixfr_apply.py" "$GW_TMP/${z%.}.before" "$GW_TMP/${z%.}.ixfr" \
		"$GW_TMP/${z%.}.zone.axfr" "$form" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
	got=$(tail -n 1 "$GW_TMP/last")
	expect "$z: IXFR from serial $s0 (before the churn) applies cleanly to that AXFR and gives the last ($got)" \
		test "$rc" -eq 0
	if [ "$form" = incremental ]; then
		# Every changeset since the snapshot, as dnssd-gatewayctl counted
		# them: none left out, none merged.
		check "$z: the IXFR holds each of the ${COMMITS[$z]} changesets of the churn ($got)" \
			test "$got" = "incremental ${COMMITS[$z]}"
	fi
done

grep " error: " "$GW_LOG" | head -n 10 >"$GW_TMP/last" || true
expect "the gateway logged no error" test ! -s "$GW_TMP/last"
gw_finish
