#!/usr/bin/env bash
# Acceptance, churn: for a minute, publishers that are not ours register
# and unregister services continuously on both links (python3-zeroconf on
# lan1 and lan2: HTTP services; avahi-daemon with avahi-publish on a
# second lan2 host: IPP printers), while a client in the remote network
# asks the validating Unbound, over and over, for the enumerations, the
# browse PTRs, and the SRV, TXT, A and AAAA of services present and gone.
# Meanwhile the operator's side moves too: the zone file is edited and
# reloaded every 1.3 s (SIGHUP, and every third time the control socket),
# and the ZSK (keys: ksk-zsk) rolls by itself every 15 s (TTLs of 2 and
# 10 s, delays of 1 s), so that the mirror's commits, the reloads' held
# commits and the key changes meet as they do on a busy gateway.
# Asserts:
#   - every answer Unbound gives, during the churn and after it, is
#     validated: each is NOERROR or NXDOMAIN with AD; no SERVFAIL (bogus),
#     no other status, no query unanswered; Unbound logs no validation
#     failure;
#   - afterwards, for each browse PTR, the set of instances Unbound returns
#     equals the set the publishers publish at that moment, and a service
#     that left is a validated NXDOMAIN;
#   - the gateway's zone (AXFR) holds exactly the published instances,
#     each with its SRV, and passes ldns-verify-zone and BIND's
#     dnssec-verify (every signature and the NSEC or NSEC3 chain valid
#     after the churn);
#   - every reload through the control socket was applied, the zone
#     holds the zone file's last edit, and at least one ZSK rollover
#     started and ended.
# Every publisher keeps at least one service of each type it churns, so a
# type never leaves a link here (test_e2e.sh covers a type's last service
# leaving).
#
# GW_CHURN_SECONDS sets how long the churn runs (60 s by default).
# GW_DENIAL=nsec3 runs all of it on an NSEC3 zone (test_e2e_churn_nsec3.sh):
# departed services are then NXDOMAINs proved by NSEC3, and the zone holds
# NSEC3PARAM 1 0 0 -, NSEC3 records and no NSEC.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/topology.sh"
DENIAL=${GW_DENIAL:-nsec}
case $DENIAL in
nsec) DENIAL_YAML="" ;;
nsec3) DENIAL_YAML="  denial: nsec3" ;;
*) echo "FAIL: GW_DENIAL must be nsec or nsec3" >&2; exit 1 ;;
esac
for tool in dig kdig unbound unbound-checkconf avahi-daemon avahi-publish dbus-daemon \
	ldns-verify-zone dnssec-verify shuf; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup.sh)" >&2; exit 1; }
done

CHURN_SECONDS=${GW_CHURN_SECONDS:-60}
TOPO_DIR=$GW_TMP
TOPO_NAME=churn$$
topo_setup

D=home.arpa.
L1=lan1.$D
L2=lan2.$D
# The zone file the reloads edit: its apex, and one TXT that each edit
# adds or takes away.
ZONE_FILE="$GW_TMP/home.zone"
cat >"$GW_TMP/zone.base" <<ZONE
\$TTL 10
@ IN SOA ns hostmaster 1 3600 600 86400 10
@ IN NS ns
ns IN A 192.0.2.53
ZONE
cp "$GW_TMP/zone.base" "$ZONE_FILE"
cfg=$(topo_gw_config "$D" "dnssec:
$DENIAL_YAML
  keys: ksk-zsk
  dnskey-ttl: 2
  policy:
    zsk-lifetime: 15s
    propagation-delay: 1s
    parent-propagation-delay: 1s")
sed -i "s#^zone: {domain: \(.*\)}#zone: {domain: \1, file: $ZONE_FILE}#" "$cfg"
grep -q "file: $ZONE_FILE" "$cfg" || topo_die "the zone file is not in $cfg"
topo_gw_start "$cfg"

# Services that stay the whole time, one per (link, type) that churns.
topo_pub_start 1
topo_pub_start 2
topo_pub 1 register http
topo_pub 2 register http
topo_pub 2 register printer
topo_avahi_start "$NS_AV" labprinter eth0 publisher
topo_avahi_publish labprinter "$GW_TMP/av-base.log" -s --subtype=_universal._sub._ipp._tcp \
	"Lab Printer" _ipp._tcp 631 rp=ipp/print "ty=Lab Printer"

# Unbound keeps nothing longer than a second, so that during the churn it
# keeps going back to the gateway and validating fresh answers rather than
# answering from its cache.
topo_unbound_start main 53 "$D" "$GW_TMP/state/trust-anchor.ds" "	cache-max-ttl: 1
	cache-max-negative-ttl: 1"

# The names the churn has used (for the queries), one a line: NAME TYPE.
NAMES="$GW_TMP/names"
for n in 'Web\032Server._http._tcp.'$L1 'Web\032Server._http._tcp.'$L2 \
	'Lab\032Printer._ipp._tcp.'$L2 'B\195\188ro\032Drucker\\2._ipp._tcp.'$L2; do
	echo "$n SRV" >>"$NAMES"
	echo "$n TXT" >>"$NAMES"
done
gwq() {
	ip netns exec "$NS_GW" kdig @127.0.0.1 +time=2 +retry=1 "$@" >"$GW_TMP/last" 2>&1 || true
}
base_mirrored() {
	gwq "_http._tcp.$L1" PTR && has_text "Web\\032Server" &&
		gwq "_http._tcp.$L2" PTR && has_text "Web\\032Server" &&
		gwq "_ipp._tcp.$L2" PTR && has_text "Lab\\032Printer" && has_text "Drucker"
}
topo_wait 30 base_mirrored || true
expect "the services that stay are mirrored before the churn" base_mirrored

# ---- the client: queries through Unbound, in a loop, in remote -----------

STOP="$GW_TMP/queries.stop"
ANSWERS="$GW_TMP/answers.txt"
QUERIES="$GW_TMP/queries.count"
query_loop() {
	local batch="$GW_TMP/batch" sent=0
	while [ ! -e "$STOP" ]; do
		{
			echo "b._dns-sd._udp.$D PTR"
			echo "_services._dns-sd._udp.$L1 PTR"
			echo "_services._dns-sd._udp.$L2 PTR"
			echo "_http._tcp.$L1 PTR"
			echo "_http._tcp.$L2 PTR"
			echo "_ipp._tcp.$L2 PTR"
			echo "_universal._sub._ipp._tcp.$L2 PTR"
			echo "benchhost.$L1 A"
			echo "benchhost.$L2 AAAA"
			echo "labprinter.$L2 AAAA"
			shuf -n 4 "$NAMES"
		} >"$batch"
		sent=$((sent + $(wc -l <"$batch")))
		echo "$sent" >"$QUERIES"
		ip netns exec "$NS_REMOTE" dig @127.0.0.1 +dnssec +time=3 +tries=1 +noall +comments \
			-f "$batch" >>"$ANSWERS" 2>&1 || true
		sleep 0.1
	done
}
: >"$ANSWERS"
query_loop &
QUERY_PID=$!
TOPO_PIDS+=("$QUERY_PID")

# ---- the operator: reloads of an edited zone file ------------------------

RSTOP="$GW_TMP/reloads.stop"
# reload_loop: edit the file (odd rounds add "editN", even rounds take it
# away), then SIGHUP, or every third round the control socket, whose
# report is kept (one line "applied ..." each); the last round's number
# goes to reloads.count.
reload_loop() {
	local i=0
	while [ ! -e "$RSTOP" ]; do
		i=$((i + 1))
		cp "$GW_TMP/zone.base" "$ZONE_FILE.new"
		if ((i % 2)); then
			echo "edit$i IN TXT \"round $i\"" >>"$ZONE_FILE.new"
		fi
		mv "$ZONE_FILE.new" "$ZONE_FILE"
		if ((i % 3)); then
			kill -HUP "$TOPO_GW_PID"
		else
			"$GW_CTL" -s "$TOPO_DIR/control.sock" reload >>"$GW_TMP/ctl-reload.out" 2>&1 ||
				echo "round $i: dnssd-gatewayctl reload failed" >>"$GW_TMP/ctl-reload.out"
		fi
		echo "$i" >"$GW_TMP/reloads.count"
		sleep 1.3
	done
}
: >"$GW_TMP/ctl-reload.out"
reload_loop &
RELOAD_PID=$!
TOPO_PIDS+=("$RELOAD_PID")

# ---- the churn --------------------------------------------------------

declare -a LIVE1=() LIVE2=() LIVEAV=()
declare -A AVPID=()
seq_no=0
changes=0
# churn_zc N: on lanN's zeroconf publisher, register a new HTTP service
# (while there are few) or unregister one at random. publish.py's "bench"
# registers without waiting for zeroconf's three announcements (0.5 s);
# a service unregistered before they are all out would be announced again
# after its goodbye, and stay on the link. So only services older than
# 1.5 s are unregistered, as a real device would do.
declare -A BORN=()
churn_zc() {
	local n=$1
	local -n live=LIVE$n
	local i name old=()
	for i in "${!live[@]}"; do
		if (($(date +%s%N) - BORN[${live[$i]}] > 1500000000)); then
			old+=("$i")
		fi
	done
	if [ ${#live[@]} -lt 2 ] || [ ${#old[@]} -eq 0 ] ||
		{ [ ${#live[@]} -lt 6 ] && [ $((RANDOM % 2)) = 0 ]; }; then
		[ ${#live[@]} -lt 6 ] || return 0
		seq_no=$((seq_no + 1))
		name="c$n-$seq_no"
		topo_pub "$n" bench "$name"
		BORN[$name]=$(date +%s%N)
		live+=("$name")
		echo "$name._http._tcp.lan$n.$D SRV" >>"$NAMES"
		echo "$name._http._tcp.lan$n.$D TXT" >>"$NAMES"
	else
		i=${old[$((RANDOM % ${#old[@]}))]}
		name=${live[$i]}
		topo_pub "$n" unregister "$name"
		live=("${live[@]:0:i}" "${live[@]:i+1}")
	fi
	changes=$((changes + 1))
}
# churn_av: on the Avahi host, publish a new printer with avahi-publish,
# or end one (avahi-daemon then sends its goodbye).
churn_av() {
	local i name
	if [ ${#LIVEAV[@]} -lt 1 ] || { [ ${#LIVEAV[@]} -lt 4 ] && [ $((RANDOM % 2)) = 0 ]; }; then
		seq_no=$((seq_no + 1))
		name="av-$seq_no"
		topo_avahi_publish labprinter "$GW_TMP/av-$name.log" -s \
			--subtype=_universal._sub._ipp._tcp "$name" _ipp._tcp 631 rp=ipp/print "ty=$name"
		AVPID[$name]=$TOPO_BG_PID
		LIVEAV+=("$name")
		echo "$name._ipp._tcp.$L2 SRV" >>"$NAMES"
		echo "$name._ipp._tcp.$L2 TXT" >>"$NAMES"
	else
		i=$((RANDOM % ${#LIVEAV[@]}))
		name=${LIVEAV[$i]}
		topo_kill "${AVPID[$name]}"
		unset "AVPID[$name]"
		LIVEAV=("${LIVEAV[@]:0:i}" "${LIVEAV[@]:i+1}")
	fi
	changes=$((changes + 1))
}

t_start=$SECONDS
while [ $((SECONDS - t_start)) -lt "$CHURN_SECONDS" ]; do
	churn_zc 1
	churn_zc 2
	churn_av
	churn_zc 1
	churn_zc 2
	kill -0 "$QUERY_PID" 2>/dev/null || break
done
churn_time=$((SECONDS - t_start))
touch "$RSTOP"
wait "$RELOAD_PID" 2>/dev/null || true
echo "churn: $changes changes in $churn_time s; still published: lan1 [${LIVE1[*]}]," \
	"lan2 [${LIVE2[*]}], lan2 Avahi [${LIVEAV[*]}]"
expect "the churn ran its full time ($churn_time s, $changes changes)" \
	test "$churn_time" -ge "$CHURN_SECONDS" -a "$changes" -ge 60
expect "the query loop ran through the churn" kill -0 "$QUERY_PID"

# ---- the operator's side during the churn --------------------------------

rounds=$(cat "$GW_TMP/reloads.count")
ctl_rounds=$((rounds / 3))
ctl_applied=$(grep -c "^applied" "$GW_TMP/ctl-reload.out" || true)
expect "reloads: $rounds edits reloaded during the churn" test "$rounds" -ge $((CHURN_SECONDS / 2))
expect "reloads: each of the $ctl_rounds through the control socket applied ($ctl_applied)" \
	test "$ctl_applied" -eq "$ctl_rounds"
expect "reloads: no control-socket reload failed or refused" \
	bash -c "! grep -Eq 'failed|refused' '$GW_TMP/ctl-reload.out'"
# The last edit is served: a reload through the control socket runs after
# the one under way and answers at its end, so once it has answered the
# file as the last round left it is in the zone.
"$GW_CTL" -s "$TOPO_DIR/control.sock" reload >/dev/null 2>&1 || true
last_edit=$((rounds % 2 ? rounds : rounds - 1))
gwq "edit$last_edit.$D" TXT
if ((rounds % 2)); then
	expect "reloads: the zone file's last edit (edit$last_edit added) is served" \
		has_text "round $last_edit"
else
	expect "reloads: the zone file's last edit (edit$last_edit taken away) is served" \
		has_text "status: NXDOMAIN"
fi

# ---- after the churn: what Unbound returns equals what is published ------

# expected_set LINK TYPE: the instances published now, one a line,
# lowercase, as dig prints them.
expected_set() {
	{
		case "$1 $2" in
		"lan1 _http._tcp")
			printf '%s\n' 'Web\032Server'
			printf '%s\n' "${LIVE1[@]}"
			;;
		"lan2 _http._tcp")
			printf '%s\n' 'Web\032Server'
			printf '%s\n' "${LIVE2[@]}"
			;;
		"lan2 _ipp._tcp")
			printf '%s\n' 'Lab\032Printer'
			printf '%s\n' 'B\195\188ro\032Drucker\\2'
			printf '%s\n' "${LIVEAV[@]}"
			;;
		esac
	} | sed -e '/^$/d' -e "s/\$/.$2.$1.$D/" | tr '[:upper:]' '[:lower:]' | sort
}
# unbound_set LINK TYPE: the browse PTR's targets through Unbound, with AD
# (an answer without AD yields the marker "NOT-VALIDATED").
unbound_set() {
	ip netns exec "$NS_REMOTE" dig @127.0.0.1 +dnssec +time=3 +tries=1 "$2.$1.$D" PTR \
		>"$GW_TMP/last" 2>&1 || true
	grep -q "^;; flags:[^;]* ad[ ;]" "$GW_TMP/last" || echo "NOT-VALIDATED"
	awk '$0 !~ /^;/ && $4 == "PTR" {print $5}' "$GW_TMP/last" | tr '[:upper:]' '[:lower:]' | sort
}
sets_equal() { # LINK TYPE
	[ "$(unbound_set "$1" "$2")" = "$(expected_set "$1" "$2")" ]
}
all_equal() {
	sets_equal lan1 _http._tcp && sets_equal lan2 _http._tcp && sets_equal lan2 _ipp._tcp
}
t0=$SECONDS
topo_wait 30 all_equal || true
echo "settled $((SECONDS - t0)) s after the last change"
for spec in "lan1 _http._tcp" "lan2 _http._tcp" "lan2 _ipp._tcp"; do
	read -r link type <<<"$spec"
	if sets_equal "$link" "$type"; then
		pass "after the churn: Unbound's $type.$link browse PTR (AD) = the published instances ($(expected_set "$link" "$type" | wc -l))"
	else
		fail "after the churn: Unbound's $type.$link browse PTR (AD) = the published instances"
		diff <(expected_set "$link" "$type") <(unbound_set "$link" "$type") | sed 's/^/    | /' >&2 || true
	fi
done

# Every published instance resolves (SRV, AD); a sample of the departed
# ones are validated NXDOMAINs.
srv_ok() {
	topo_rdig @127.0.0.1 "$1" SRV
	[ "$(dig_status)" = NOERROR ] && dig_has_flag ad && has_text "IN SRV"
}
nx_ok() {
	topo_rdig @127.0.0.1 "$1" SRV
	[ "$(dig_status)" = NXDOMAIN ] && dig_has_flag ad || return 1
	if [ "$DENIAL" = nsec3 ]; then
		grep -Eq 'IN[[:space:]]NSEC3[[:space:]]' "$GW_TMP/last" &&
			! grep -Eq 'IN[[:space:]]NSEC[[:space:]]' "$GW_TMP/last"
	fi
}
bad=""
for link in lan1 lan2; do
	for type in _http._tcp _ipp._tcp; do
		[ "$link $type" != "lan1 _ipp._tcp" ] || continue
		while read -r inst; do
			srv_ok "$inst" || bad="$bad $inst"
		done < <(expected_set "$link" "$type")
	done
done
expect "after the churn: every published instance's SRV resolves with AD${bad:+ (not:$bad)}" test -z "$bad"
published_all=$( (expected_set lan1 _http._tcp; expected_set lan2 _http._tcp; expected_set lan2 _ipp._tcp) | sort)
departed=$(awk '$2 == "SRV" {print tolower($1)}' "$NAMES" | sort -u | comm -23 - <(echo "$published_all") |
	shuf -n 10)
bad=""
for inst in $departed; do
	nx_ok "$inst" || bad="$bad $inst"
done
expect "after the churn: departed services are validated NXDOMAINs$([ "$DENIAL" = nsec3 ] && echo ' (NSEC3 proofs)') ($(echo "$departed" | wc -w) checked)${bad:+ (not:$bad)}" \
	test -n "$departed" -a -z "$bad"

# The zone itself: exactly the published instances have an SRV, and the
# whole signed zone verifies.
ip netns exec "$NS_GW" kdig @127.0.0.1 +time=10 AXFR "$D" +noall +answer >"$GW_TMP/axfr.txt" 2>&1 || true
sed '$d' "$GW_TMP/axfr.txt" >"$GW_TMP/axfr.zone"
zone_srv=$(awk '$4 == "SRV" {print tolower($1)}' "$GW_TMP/axfr.zone" | sort -u)
if [ "$zone_srv" = "$published_all" ]; then
	pass "after the churn: the zone's SRV owners = the published instances ($(echo "$zone_srv" | wc -l))"
else
	fail "after the churn: the zone's SRV owners = the published instances"
	diff <(echo "$published_all") <(echo "$zone_srv") | sed 's/^/    | /' >&2 || true
fi
ldns-verify-zone "$GW_TMP/axfr.zone" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "after the churn: ldns-verify-zone accepts the signed zone (AXFR)" test "$rc" -eq 0
dnssec-verify -z -o "$D" "$GW_TMP/axfr.zone" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "after the churn: dnssec-verify accepts the signed zone (AXFR)" test "$rc" -eq 0
if [ "$DENIAL" = nsec3 ]; then
	n3param=$(awk -v z="$D" 'tolower($1) == z && $4 == "NSEC3PARAM" {print $5, $6, $7, $8}' "$GW_TMP/axfr.zone")
	expect "after the churn: NSEC3PARAM 1 0 0 - at the apex ('$n3param')" test "$n3param" = "1 0 0 -"
	n3=$(awk '$4 == "NSEC3"' "$GW_TMP/axfr.zone" | wc -l)
	nsec=$(awk '$4 == "NSEC" || ($4 == "RRSIG" && $5 == "NSEC")' "$GW_TMP/axfr.zone" | wc -l)
	expect "after the churn: NSEC3 records ($n3) and no NSEC ($nsec)" test "$n3" -gt 0 -a "$nsec" -eq 0
fi

# ---- every answer during and after the churn was validated ---------------

# A few more seconds of queries on the settled zone, then stop the client.
sleep 3
touch "$STOP"
stopped() { ! kill -0 "$QUERY_PID" 2>/dev/null; }
topo_wait 15 stopped || true
expect "the query loop stopped" stopped
wait "$QUERY_PID" 2>/dev/null || true
read -r answers ad servfail other timeouts < <(awk '
	/->>HEADER<<-/ { n++; st = $0; sub(/.*status: /, "", st); sub(/,.*/, "", st)
	                 if (st == "SERVFAIL") sf++; else if (st != "NOERROR" && st != "NXDOMAIN") ot++
	                 want_flags = 1; next }
	want_flags && /^;; flags:/ { if ($0 ~ /^;; flags:[^;]* ad[ ;]/) ad++; want_flags = 0 }
	/no servers could be reached/ { to++ }
	END { printf "%d %d %d %d %d\n", n, ad, sf, ot, to }' "$ANSWERS")
queries=$(cat "$QUERIES")
echo "client: $queries queries, $answers answers, $ad with AD, $servfail SERVFAIL, $other other, $timeouts timeouts"
expect "client: a steady stream of answers ($answers >= 500)" test "$answers" -ge 500
expect "client: every answer validated (AD: $ad of $answers)" test "$ad" -eq "$answers"
expect "client: no SERVFAIL ($servfail)" test "$servfail" -eq 0
expect "client: only NOERROR and NXDOMAIN ($other others)" test "$other" -eq 0
expect "client: no query unanswered ($timeouts timeouts, $answers of $queries answered)" \
	test "$timeouts" -eq 0 -a "$answers" -eq "$queries"
lacks() { ! grep -q -- "$1" "$2"; } # TEXT FILE
expect "Unbound logged no validation failure" lacks "validation failure" "$GW_TMP/unbound-main/unbound.log"
expect "the gateway logged no error" lacks " error: " "$GW_TMP/gateway.log"
# The ZSK rolled by itself meanwhile: one rollover at least began and
# ended (its last wait may end after the churn, during the checks above).
started=$(grep -c "zsk rollover for $D started" "$GW_TMP/gateway.log" || true)
done_=$(grep -c "zsk rollover for $D done" "$GW_TMP/gateway.log" || true)
expect "ZSK rollovers ($started started, $done_ done)" test "$started" -ge 1 -a "$done_" -ge 1

gw_finish
