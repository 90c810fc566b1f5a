#!/usr/bin/env bash
# Issue 12, the campus: two LAN links with their own prefixes, several
# zones with their own policy, subnet-derived enumeration, all validated
# from a remote network: the "Must show" integration tests of issue 12.
#
#   lan1 ns                     gw ns                          remote ns
#   eth0 192.0.2.2/25   ----  l1 192.0.2.1/25                  (IPv6 only)
#        2001:db8:1::2/64        2001:db8:1::1/64
#                             wan 2001:db8:ff::1/64  ----  eth0 2001:db8:ff::2/64
#   lan2 ns (a bridge)                                       Unbound on 127.0.0.1@53, ::1@53
#   br0 192.0.2.130/25  ----  l2 192.0.2.129/25              avahi-daemon (wide-area)
#       2001:db8:2::2/64         2001:db8:2::1/64            NSD @5301, Knot @5302
#    `-- av0 ---- lan2av ns: eth0 192.0.2.131/25, 2001:db8:2::3/64
#
# Link 1 ("Building 1") has 192.0.2.0/25 and 2001:db8:1::/64, link 2
# (lan2) 192.0.2.128/25 and 2001:db8:2::/64. The remote network has no
# IPv4 at all: every address of 192.0.2.0/24 belongs to one of the two
# links, so the remote link is 2001:db8:ff::/64 and everything there
# (Unbound's stub zones, the secondaries' transfers) goes over IPv6.
#
# Publishers that are not ours: python3-zeroconf (publish.py) on both
# links, avahi-daemon + avahi-publish on a second host of link 2:
#   link 1: an IPP printer (zeroconf, with subtypes) and an IPPS printer;
#   link 2: an IPP printer and an SSH host "lanhost" and an RTSP camera
#           "Lobby Camera" on host "camera" (zeroconf); a printer "Lab
#           Printer" (_ipp._tcp and _ipps._tcp) and an Axis camera "Hall
#           Camera" on host labprinter (Avahi).
# Zones (the zones: form of the issue-12 contract, /work/wt/CONTRACT12.md):
#   campus.test.: both links, everything;
#   guest.test.:  link 2 only, policy default deny, allow _ipp._tcp and
#                 _ipps._tcp;
#   reverse: enable (prefixes from the links' interfaces): the zones
#   2.0.192.in-addr.arpa. and the two /64s' ip6.arpa zones.
# Every zone is signed; the remote Unbound has a trust anchor for each
# (the DS of each zone's trust-anchor.ds) and a stub zone for each, and
# every dig below checks the AD flag:
#   - b/db/lb._dns-sd._udp at each zone apex and each link subdomain
#     (link 1 advertises itself and the campus apex as browse domains);
#   - the subnet-derived lookup from a client of each link, IPv4 and IPv6,
#     leads to the link's subdomain in every zone that shows it;
#   - guest.test. lists link 2's printers and nothing else: NXDOMAIN for
#     the cameras, the SSH service and the hosts behind them;
#   - avahi-browse (a real DNS-SD client, over unicast through that
#     Unbound) given only a link subdomain as its domain lists that link's
#     services; avahi-browse -D -d lists the browse domains;
#   - NSD and Knot take every zone, the reverse zones included, as
#     secondaries; their AXFR copies pass ldns-verify-zone and
#     dnssec-verify and equal the gateway's.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/topology.sh"
for tool in dig kdig unbound unbound-checkconf avahi-daemon avahi-browse avahi-publish \
	dbus-daemon nsd knotd ldns-verify-zone dnssec-verify; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup.sh)" >&2; exit 1; }
done

# shellcheck disable=SC2034 # topology.sh reads it
TOPO_DIR=$GW_TMP
TOPO_NAME=cmp$$
STATE="$GW_TMP/state"

# Addresses (topology.sh's publishers and Avahi read these names).
TOPO_GW_LAN1_4=192.0.2.1
TOPO_LAN1_4=192.0.2.2
TOPO_GW_LAN1_6=2001:db8:1::1
TOPO_LAN1_6=2001:db8:1::2
TOPO_GW_LAN2_4=192.0.2.129
TOPO_LAN2_4=192.0.2.130
TOPO_AV_4=192.0.2.131
TOPO_GW_LAN2_6=2001:db8:2::1
TOPO_LAN2_6=2001:db8:2::2
TOPO_AV_6=2001:db8:2::3
GW_WAN6=2001:db8:ff::1
REMOTE6=2001:db8:ff::2
NSD_PORT=5301
KNOT_PORT=5302

# ---- the network -----------------------------------------------------------

campus_addr() { # NS IF ADDR4/LEN ADDR6/LEN (ADDR4 may be "-")
	if [ "$3" != - ]; then
		ip -n "$1" addr add "$3" dev "$2" || topo_die "cannot add $3 to $1/$2"
	fi
	ip -n "$1" addr add "$4" dev "$2" nodad || topo_die "cannot add $4 to $1/$2"
	ip -n "$1" link set "$2" up || topo_die "cannot bring $1/$2 up"
}

campus_ready() { # every interface has its link-local address, none tentative
	local spec ns dev
	for spec in "$NS_LAN1 eth0" "$NS_LAN2 br0" "$NS_AV eth0" "$NS_GW l1" "$NS_GW l2" \
		"$NS_GW wan" "$NS_REMOTE eth0"; do
		read -r ns dev <<<"$spec"
		[ -n "$(topo_ll "$ns" "$dev")" ] || return 1
		! ip -n "$ns" addr show dev "$dev" | grep -q tentative || return 1
	done
}

campus_setup() {
	[ "$(id -u)" = 0 ] || topo_die "network namespaces need root (this test never skips)"
	topo_namespaces
	topo_cables l1 l2
	campus_addr "$NS_GW" l1 "$TOPO_GW_LAN1_4/25" "$TOPO_GW_LAN1_6/64"
	campus_addr "$NS_GW" l2 "$TOPO_GW_LAN2_4/25" "$TOPO_GW_LAN2_6/64"
	campus_addr "$NS_GW" wan - "$GW_WAN6/64"
	campus_addr "$NS_LAN1" eth0 "$TOPO_LAN1_4/25" "$TOPO_LAN1_6/64"
	campus_addr "$NS_LAN2" br0 "$TOPO_LAN2_4/25" "$TOPO_LAN2_6/64"
	campus_addr "$NS_AV" eth0 "$TOPO_AV_4/25" "$TOPO_AV_6/64"
	campus_addr "$NS_REMOTE" eth0 - "$REMOTE6/64"
	topo_wait 10 campus_ready || {
		ip -all netns exec ip addr >&2 || true
		topo_die "interfaces not ready after 10 s"
	}
}
campus_setup

# ---- the gateway -----------------------------------------------------------

# The zones, and the names of the links' subnets (network address, host
# bits zero, reversed: RFC 6763 section 11).
CAMPUS=campus.test.
GUEST=guest.test.
REV4=2.0.192.in-addr.arpa.
REV6_1=0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.
REV6_2=0.0.0.0.2.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.
ZONES=("$CAMPUS" "$GUEST" "$REV4" "$REV6_1" "$REV6_2")
NET4_1=0.$REV4
NET4_2=128.$REV4
NET6_1=0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.$REV6_1
NET6_2=0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.$REV6_2
# The link subdomains as dig prints them ("Building 1" is one label with
# a space).
L1='Building\0321.campus.test.'
L2=lan2.campus.test.
G2=lan2.guest.test.

# Link 1 advertises two browse domains, itself and the campus apex ("@");
# link 2 the default, itself. campus.test. names its links (one by its
# label, one by its interface); guest.test. shows link 2 only, through
# its policy: printers, nothing else. Reverse zones from the links'
# interfaces (not wan, which is no link). The secondaries (and the
# gateway's own 127.0.0.1, for the comparison below) may transfer every
# zone, the reverse zones included, and get a NOTIFY.
cat >"$GW_ETC/gateway.yaml" <<YAML
listen: ["[$GW_WAN6]@53", "127.0.0.1@53"]
ports-file: $GW_TMP/ports
state-dir: $STATE
control: {socket: $GW_TMP/control.sock}
links:
  - interface: l1
    subdomain: "Building 1"
    browse-domains: ["Building 1", "@"]
  - {interface: l2, subdomain: lan2}
zones:
  - domain: $CAMPUS
    links: ["Building 1", l2]
  - domain: $GUEST
    links: [lan2]
    policy:
      default: deny
      rules:
        - {action: allow, type: "_ipp._tcp"}
        - {action: allow, type: "_ipps._tcp"}
reverse: {enable: true}
dnssec: {enable: true}
transfer:
  allow: ["$REMOTE6", "127.0.0.1"]
  notify: ["[$REMOTE6]@$NSD_PORT", "[$REMOTE6]@$KNOT_PORT"]
YAML
ip netns exec "$NS_GW" "$GW_BIN" --check-config -c "$GW_ETC/gateway.yaml" >"$GW_TMP/check.log" 2>&1 || {
	cat "$GW_TMP/check.log" >&2
	topo_die "dnssd-gateway --check-config refused the campus configuration"
}
mkdir -p "$STATE"
GW_LOG="$GW_TMP/gateway.log"
ip netns exec "$NS_GW" "$GW_BIN" -c "$GW_ETC/gateway.yaml" >>"$GW_LOG" 2>&1 &
TOPO_GW_PID=$!
# shellcheck disable=SC2034 # lib.sh's gw_stop and gw_finish use it
GW_PID=$TOPO_GW_PID
topo_wait 15 test -s "$GW_TMP/ports" || {
	cat "$GW_LOG" >&2
	topo_die "dnssd-gateway wrote no ports file within 15 s"
}
for ifc in l1 l2; do
	topo_wait 15 grep -q "link .* ($ifc) is up" "$GW_LOG" || {
		cat "$GW_LOG" >&2
		topo_die "the gateway did not log link $ifc up within 15 s"
	}
done

# gwq ARGS...: kdig at the gateway itself, in its namespace; output in last.
gwq() {
	ip netns exec "$NS_GW" kdig @127.0.0.1 +time=2 +retry=1 "$@" >"$GW_TMP/last" 2>&1 || true
}
gw_has() { # NAME TYPE TEXT
	gwq "$1" "$2"
	has_text "$3"
}
gw_serves() { # ZONE: the gateway answers its SOA with aa
	gwq "$1" SOA +norec
	has_status NOERROR && has_flag aa && has_count ANSWER 1
}
# budget SECONDS: what is left of a wait shared by a group of checks that
# started at $budget_start (at least 1 s), so that a daemon that does
# nothing fails each check in turn, within the test's time limit, rather
# than running into it.
budget() {
	local left=$(($1 - (SECONDS - budget_start)))
	echo $((left < 1 ? 1 : left))
}
budget_start=$SECONDS
for z in "${ZONES[@]}"; do
	topo_wait "$(budget 15)" gw_serves "$z" || true
	expect "the gateway serves $z (SOA, aa)" gw_serves "$z"
done

# The wan interface is no link: no reverse zone for its prefix.
WAN_REV=0.0.0.0.f.f.0.0.8.b.d.0.1.0.0.2.ip6.arpa.
gwq "$WAN_REV" SOA +norec
if has_status REFUSED; then
	pass "no reverse zone for the wan prefix 2001:db8:ff::/64 (REFUSED)"
else
	fail "no reverse zone for the wan prefix: kdig @gateway $WAN_REV SOA gave status '$(last_status)', wanted REFUSED"
fi

# anchor_of ZONE: the zone's trust-anchor.ds (the zones: form keeps each
# zone's state, reverse zones' too, in <state-dir>/zones/<zone>/).
anchor_of() { echo "$STATE/zones/${1%.}/trust-anchor.ds"; }
for z in "${ZONES[@]}"; do
	[ -s "$(anchor_of "$z")" ] || {
		ls -lR "$STATE" >&2
		topo_die "no trust anchor for $z at $(anchor_of "$z")"
	}
done

# ---- the publishers -----------------------------------------------------------

topo_pub_start 1
topo_pub_start 2
topo_pub 1 register printer
topo_pub 1 service _ipps._tcp 631 printer Secure Printer
topo_pub 2 register printer
# The SSH host through the service command, which gives the instance a
# TXT string ("register ssh" leaves zeroconf's TXT empty): the mirror
# publishes an instance only together with its TXT.
topo_pub 2 service _ssh._tcp 22 lanhost lanhost
topo_pub 2 service _rtsp._tcp 554 camera Lobby Camera
topo_avahi_start "$NS_AV" labprinter eth0 publisher
topo_avahi_publish labprinter "$GW_TMP/av-ipp.log" -s "Lab Printer" _ipp._tcp 631 \
	txtvers=1 rp=ipp/print "ty=Lab Printer"
topo_avahi_publish labprinter "$GW_TMP/av-ipps.log" -s "Lab Printer" _ipps._tcp 631 \
	txtvers=1 rp=ipp/print "ty=Lab Printer"
topo_avahi_publish labprinter "$GW_TMP/av-cam.log" -s "Hall Camera" _axis-video._tcp 80 \
	macaddress=00408C000001

# Names as dig prints them (the space and the backslash escaped, UTF-8 as
# octets); lowercase, as every comparison below is.
PRN='b\195\188ro\032drucker\\2'
SECURE='secure\032printer'
LAB='lab\032printer'
LOBBY='lobby\032camera'
HALL='hall\032camera'
lc() { tr 'A-Z' 'a-z' <<<"$1"; }
L1=$(lc "$L1")
L2=$(lc "$L2")
G2=$(lc "$G2")

budget_start=$SECONDS
# Wait at the gateway itself (Unbound's negative cache would only add
# delay) until every service is mirrored into campus.test., and the
# printers into guest.test.
for spec in "_ipp._tcp.$L1 PTR $PRN._ipp._tcp.$L1" "_ipps._tcp.$L1 PTR $SECURE._ipps._tcp.$L1" \
	"_ipp._tcp.$L2 PTR $PRN._ipp._tcp.$L2" "_ipp._tcp.$L2 PTR $LAB._ipp._tcp.$L2" \
	"_ipps._tcp.$L2 PTR $LAB._ipps._tcp.$L2" "_ssh._tcp.$L2 PTR lanhost._ssh._tcp.$L2" \
	"_rtsp._tcp.$L2 PTR $LOBBY._rtsp._tcp.$L2" "_axis-video._tcp.$L2 PTR $HALL._axis-video._tcp.$L2" \
	"camera.$L2 AAAA $TOPO_LAN2_6" "labprinter.$L2 A $TOPO_AV_4" "lanhost.$L2 A $TOPO_LAN2_4" \
	"_ipp._tcp.$G2 PTR $PRN._ipp._tcp.$G2" "_ipp._tcp.$G2 PTR $LAB._ipp._tcp.$G2" \
	"_ipps._tcp.$G2 PTR $LAB._ipps._tcp.$G2" "labprinter.$G2 AAAA $TOPO_AV_6"; do
	read -r name type text <<<"$spec"
	topo_wait "$(budget 45)" gw_has "$name" "$type" "$text" || true
	if gw_has "$name" "$type" "$text"; then
		pass "mirrored: $name $type $text"
	else
		fail "mirrored: kdig @gateway $name $type has no '$text' within 45 s of the first wait; it said:"
		sed 's/^/    | /' "$GW_TMP/last" >&2
	fi
done

# ---- Unbound in the remote network, validating every zone --------------------

UB_DIR="$GW_TMP/unbound"
mkdir -p "$UB_DIR"
{
	cat <<UB
server:
	interface: 127.0.0.1
	interface: ::1
	port: 53
	do-ip6: yes
	username: ""
	chroot: ""
	directory: "$UB_DIR"
	pidfile: "$UB_DIR/unbound.pid"
	use-syslog: no
	logfile: "$UB_DIR/unbound.log"
	verbosity: 1
	val-log-level: 2
	module-config: "validator iterator"
	cache-max-ttl: 5
	cache-max-negative-ttl: 1
	qname-minimisation: no
	# Unbound answers test., 2.0.192.in-addr.arpa. (TEST-NET-1) and
	# 8.b.d.0.1.0.0.2.ip6.arpa. (2001:db8::/32) itself by default.
	local-zone: "test." nodefault
	local-zone: "2.0.192.in-addr.arpa." nodefault
	local-zone: "8.b.d.0.1.0.0.2.ip6.arpa." nodefault
UB
	for z in "${ZONES[@]}"; do
		cp "$(anchor_of "$z")" "$UB_DIR/${z%.}.ds"
		echo "	trust-anchor-file: \"$UB_DIR/${z%.}.ds\""
	done
	echo "remote-control:"
	echo "	control-enable: no"
	for z in "${ZONES[@]}"; do
		printf 'stub-zone:\n\tname: "%s"\n\tstub-addr: %s@53\n' "$z" "$GW_WAN6"
	done
} >"$UB_DIR/unbound.conf"
unbound-checkconf "$UB_DIR/unbound.conf" >"$UB_DIR/checkconf.log" 2>&1 || {
	cat "$UB_DIR/checkconf.log" >&2
	topo_die "unbound-checkconf refused $UB_DIR/unbound.conf"
}
topo_bg "$NS_REMOTE" "$UB_DIR/stdout.log" unbound -d -c "$UB_DIR/unbound.conf"
topo_wait 10 ip netns exec "$NS_REMOTE" dig @127.0.0.1 +time=1 +tries=1 "${ZONES[0]}" SOA \
	>/dev/null 2>&1 || {
	cat "$UB_DIR/stdout.log" "$UB_DIR/unbound.log" >&2 || true
	topo_die "unbound in the remote network did not answer within 10 s"
}

# rq NAME TYPE: dig +dnssec through the remote Unbound; output in last.
rq() {
	ip netns exec "$NS_REMOTE" dig @127.0.0.1 +dnssec +time=3 +tries=1 "$@" \
		>"$GW_TMP/last" 2>&1 || true
}
dig_flags() { sed -n 's/^;; flags: \([^;]*\);.*/\1/p' "$GW_TMP/last" | head -n 1; }
# answer_of TYPE: the answer section's TYPE records' data, lowercased,
# sorted, on one line.
answer_of() {
	awk -v t="$1" '/^;; ANSWER SECTION:/ {a = 1; next} /^$/ {a = 0}
		a && $4 == t {$1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print tolower($0)}' \
		"$GW_TMP/last" | sort | tr '\n' ' ' | sed 's/ $//'
}
# said: what the last query came back with, for a failure message.
said() { echo "status $(dig_status), flags '$(dig_flags)', answer {$(answer_of "$1")}"; }

# want_rrs DESC NAME TYPE EXPECTED...: through Unbound, NAME TYPE is
# NOERROR with AD and its TYPE records are exactly EXPECTED (lowercase).
want_rrs() {
	local desc=$1 name=$2 type=$3 want got
	shift 3
	want=$(printf '%s\n' "$@" | tr 'A-Z' 'a-z' | sort | tr '\n' ' ' | sed 's/ $//')
	rq "$name" "$type"
	got=$(answer_of "$type")
	if [ "$(dig_status)" = NOERROR ] && dig_has_flag ad && [ "$got" = "$want" ]; then
		pass "$desc"
	else
		fail "$desc: dig $name $type via Unbound gave $(said "$type"); wanted NOERROR, ad, answer {$want}"
	fi
}
# want_has DESC NAME TYPE EXPECTED...: as want_rrs, EXPECTED among others.
want_has() {
	local desc=$1 name=$2 type=$3 got w
	shift 3
	rq "$name" "$type"
	got=" $(answer_of "$type") "
	if [ "$(dig_status)" = NOERROR ] && dig_has_flag ad; then
		for w in "$@"; do
			w=$(lc "$w")
			if [[ $got != *" $w "* ]]; then
				fail "$desc: dig $name $type via Unbound gave $(said "$type"), without $w"
				return
			fi
		done
		pass "$desc"
	else
		fail "$desc: dig $name $type via Unbound gave $(said "$type"); wanted NOERROR with ad"
	fi
}
# want_nx DESC NAME TYPE: through Unbound, NXDOMAIN with AD.
want_nx() {
	rq "$2" "$3"
	if [ "$(dig_status)" = NXDOMAIN ] && dig_has_flag ad; then
		pass "$1"
	else
		fail "$1: dig $2 $3 via Unbound gave $(said "$3"); wanted NXDOMAIN with ad"
	fi
}

for z in "${ZONES[@]}"; do
	rq "$z" DNSKEY
	if [ "$(dig_status)" = NOERROR ] && dig_has_flag ad && [ -n "$(answer_of DNSKEY)" ]; then
		pass "Unbound validates $z with its trust anchor (DNSKEY, ad)"
	else
		fail "Unbound validates $z: dig $z DNSKEY via Unbound gave $(said DNSKEY); wanted NOERROR, ad"
	fi
done

# ---- campus.test: enumeration at the apex, services per link ----------------------

want_rrs "campus.test: b._dns-sd._udp at the apex lists both links" \
	b._dns-sd._udp.campus.test. PTR "$L1" "$L2"
want_has "campus.test: link 1 type enumeration" "_services._dns-sd._udp.$L1" PTR \
	"_ipp._tcp.$L1" "_ipps._tcp.$L1"
want_has "campus.test: link 2 type enumeration" "_services._dns-sd._udp.$L2" PTR \
	"_ipp._tcp.$L2" "_ipps._tcp.$L2" "_ssh._tcp.$L2" "_rtsp._tcp.$L2" "_axis-video._tcp.$L2"
want_rrs "campus.test: link 2 printers (zeroconf and Avahi)" "_ipp._tcp.$L2" PTR \
	"$PRN._ipp._tcp.$L2" "$LAB._ipp._tcp.$L2"
want_rrs "campus.test: link 1 IPPS printer" "_ipps._tcp.$L1" PTR "$SECURE._ipps._tcp.$L1"
want_rrs "campus.test: link 2 camera (Avahi)" "_axis-video._tcp.$L2" PTR "$HALL._axis-video._tcp.$L2"
want_rrs "campus.test: link 2 camera (zeroconf) SRV" "$LOBBY._rtsp._tcp.$L2" SRV "0 0 554 camera.$L2"
want_rrs "campus.test: link 2 SSH host's address" "lanhost.$L2" A "$TOPO_LAN2_4"
want_nx "campus.test: a name that does not exist" "nothing-here._ipp._tcp.$L2" SRV

# want_text DESC NAME TYPE TEXT: NOERROR with AD, TEXT in the TYPE answer.
want_text() {
	rq "$2" "$3"
	if [ "$(dig_status)" = NOERROR ] && dig_has_flag ad && [[ $(answer_of "$3") == *"$(lc "$4")"* ]]; then
		pass "$1"
	else
		fail "$1: dig $2 $3 via Unbound gave $(said "$3"); wanted NOERROR, ad, '$4' in the answer"
	fi
}

# ---- enumeration at every apex and every link subdomain (RFC 6763 s. 11) ---------

for p in db lb; do
	want_rrs "campus.test: $p._dns-sd._udp at the apex is one PTR, to the first link" \
		"$p._dns-sd._udp.$CAMPUS" PTR "$L1"
done
want_rrs "Building 1: b._dns-sd._udp lists its browse domains, itself and the apex" \
	"b._dns-sd._udp.$L1" PTR "$L1" "$CAMPUS"
for p in db lb; do
	want_rrs "Building 1: $p._dns-sd._udp is one PTR, to its first browse domain" \
		"$p._dns-sd._udp.$L1" PTR "$L1"
done
for p in b db lb; do
	want_rrs "lan2.campus.test: $p._dns-sd._udp points to itself (the default)" \
		"$p._dns-sd._udp.$L2" PTR "$L2"
	want_rrs "guest.test: $p._dns-sd._udp at the apex lists link 2 only" \
		"$p._dns-sd._udp.$GUEST" PTR "$G2"
	want_rrs "lan2.guest.test: $p._dns-sd._udp points to itself" "$p._dns-sd._udp.$G2" PTR "$G2"
done

# ---- subnet-derived enumeration (RFC 6763 s. 11, RFC 8766 s. 6.5) -----------------

# from_subnet CLIENT NET DOMAIN...: a client at CLIENT takes its subnet's
# name NET: b._dns-sd._udp.NET lists exactly DOMAIN... (every zone that
# shows the link), db and lb the first; then each DOMAIN answers its own
# b._dns-sd._udp (listing itself) and lists an IPP printer; all with AD.
from_subnet() {
	local client=$1 net=$2 first=$3 d p
	shift 2
	want_rrs "client $client: b._dns-sd._udp.$net leads to {$*}" "b._dns-sd._udp.$net" PTR "$@"
	for p in db lb; do
		want_rrs "client $client: $p._dns-sd._udp.$net is one PTR, to $first" \
			"$p._dns-sd._udp.$net" PTR "$first"
	done
	for d in "$@"; do
		want_has "client $client: then b._dns-sd._udp.$d lists $d" "b._dns-sd._udp.$d" PTR "$d"
		want_has "client $client: then $d lists its printers' type" \
			"_services._dns-sd._udp.$d" PTR "_ipp._tcp.$d"
	done
}
from_subnet "$TOPO_LAN1_4/25" "$NET4_1" "$L1"
from_subnet "$TOPO_LAN1_6/64" "$NET6_1" "$L1"
from_subnet "$TOPO_LAN2_4/25" "$NET4_2" "$L2" "$G2"
from_subnet "$TOPO_LAN2_6/64" "$NET6_2" "$L2" "$G2"

# ---- guest.test: link 2's printers and nothing else --------------------------------

want_rrs "guest.test: link 2's service types are the printers' alone" \
	"_services._dns-sd._udp.$G2" PTR "_ipp._tcp.$G2" "_ipps._tcp.$G2"
want_rrs "guest.test: link 2's IPP printers (zeroconf and Avahi)" "_ipp._tcp.$G2" PTR \
	"$PRN._ipp._tcp.$G2" "$LAB._ipp._tcp.$G2"
want_rrs "guest.test: link 2's IPPS printer" "_ipps._tcp.$G2" PTR "$LAB._ipps._tcp.$G2"
want_rrs "guest.test: the Avahi printer's SRV" "$LAB._ipp._tcp.$G2" SRV "0 0 631 labprinter.$G2"
want_text "guest.test: the Avahi printer's TXT" "$LAB._ipp._tcp.$G2" TXT '"ty=Lab Printer"'
want_rrs "guest.test: the zeroconf printer's address" "printer.$G2" A "$TOPO_LAN2_4"
want_nx "guest.test: the zeroconf camera's instance is NXDOMAIN" "$LOBBY._rtsp._tcp.$G2" SRV
want_nx "guest.test: the Avahi camera's instance is NXDOMAIN" "$HALL._axis-video._tcp.$G2" SRV
want_nx "guest.test: the SSH service is NXDOMAIN" "lanhost._ssh._tcp.$G2" SRV
want_nx "guest.test: the SSH host name is NXDOMAIN" "lanhost.$G2" A
want_nx "guest.test: the camera's host name is NXDOMAIN" "camera.$G2" AAAA
for t in _ssh._tcp _rtsp._tcp _axis-video._tcp; do
	want_nx "guest.test: no $t browse name" "$t.$G2" PTR
done
want_nx "guest.test: link 1 is not in it" "_ipp._tcp.building\\0321.$GUEST" PTR
want_has "campus.test still has link 2's camera and SSH host" "_services._dns-sd._udp.$L2" PTR \
	"_rtsp._tcp.$L2" "_ssh._tcp.$L2" "_axis-video._tcp.$L2"

# ---- avahi-browse in the remote network, over unicast -----------------------------

# The remote client's avahi-daemon has wide-area browsing on and the
# Unbound as its resolver, and no browse-domains of its own (Avahi adds
# those to every domain list, which would hide what the DNS said): it
# learns every domain from the gateway's zones, given one with -d as a
# DHCP search domain would give it.
topo_avahi_start "$NS_REMOTE" remote eth0 client
REMOTE_BUS=$TOPO_BUS
in_remote_avahi() { # CMD...: with the remote avahi-daemon's bus; output in last
	ip netns exec "$NS_REMOTE" env DBUS_SYSTEM_BUS_ADDRESS="$REMOTE_BUS" timeout 30 "$@" \
		>"$GW_TMP/last" 2>&1 || true
}
# printed DOMAIN: DOMAIN as avahi-browse -p prints it (lowercased here):
# the space of a label as \032.
printed() { lc "$1" | sed 's/ /\\032/g'; }
# browsed DOMAIN NAME PORT: avahi-browse -p resolved NAME in DOMAIN (as
# printed) on PORT (names and domains compared lowercased).
browsed() {
	D_="$1" N_="$2" P_="$3" awk -F';' '
		$1 == "=" && tolower($4) == ENVIRON["N_"] && tolower($6) == ENVIRON["D_"] &&
			$9 == ENVIRON["P_"] { found = 1 }
		END { exit !found }' "$GW_TMP/last"
}
browse_has() { # DOMAIN TYPE NAME PORT
	in_remote_avahi avahi-browse -d "$1" -r -t -p "$2"
	browsed "$(printed "$1")" "$3" "$4"
}
want_browse() { # DESC DOMAIN TYPE NAME PORT
	local desc=$1
	shift
	topo_wait "$(budget 40)" browse_has "$@" || true
	if browsed "$(printed "$1")" "$3" "$4"; then
		pass "$desc"
	else
		fail "$desc: avahi-browse -d '$1' -r -t -p $2 has no resolved '$3' on port $4; it printed:"
		sed 's/^/    | /' "$GW_TMP/last" >&2
	fi
}
# browsed_only DESC DOMAIN TYPE: avahi-browse -d DOMAIN TYPE lists
# services in DOMAIN alone (and some).
browsed_only() {
	local dom
	dom=$(printed "$2")
	in_remote_avahi avahi-browse -d "$2" -t -p "$3"
	if D_="$dom" awk -F';' '$1 == "+" { n++; if (tolower($6) != ENVIRON["D_"]) bad = 1 }
		END { exit !(n > 0 && !bad) }' "$GW_TMP/last"; then
		pass "$1"
	else
		fail "$1: avahi-browse -d '$2' -t -p $3 printed (wanted only domain $dom):"
		sed 's/^/    | /' "$GW_TMP/last" >&2
	fi
}
# browsed_none DESC DOMAIN TYPE: avahi-browse -d DOMAIN TYPE lists nothing.
browsed_none() {
	in_remote_avahi avahi-browse -d "$2" -t -p "$3"
	if grep -q '^+' "$GW_TMP/last"; then
		fail "$1: avahi-browse -d '$2' -t -p $3 printed:"
		sed 's/^/    | /' "$GW_TMP/last" >&2
	else
		pass "$1"
	fi
}
budget_start=$SECONDS
LINK2=lan2.campus.test
LINK1="Building 1.campus.test"
want_browse "avahi-browse -d $LINK2: the zeroconf printer" "$LINK2" _ipp._tcp "$PRN" 631
want_browse "avahi-browse -d $LINK2: the Avahi printer" "$LINK2" _ipp._tcp "$LAB" 631
want_browse "avahi-browse -d $LINK2: the IPPS printer" "$LINK2" _ipps._tcp "$LAB" 631
want_browse "avahi-browse -d $LINK2: the SSH host" "$LINK2" _ssh._tcp lanhost 22
want_browse "avahi-browse -d $LINK2: the RTSP camera" "$LINK2" _rtsp._tcp "$LOBBY" 554
want_browse "avahi-browse -d $LINK2: the Axis camera" "$LINK2" _axis-video._tcp "$HALL" 80
browsed_only "avahi-browse -d $LINK2: no printer of link 1" "$LINK2" _ipp._tcp
want_browse "avahi-browse -d '$LINK1': link 1's printer" "$LINK1" _ipp._tcp "$PRN" 631
want_browse "avahi-browse -d '$LINK1': link 1's IPPS printer" "$LINK1" _ipps._tcp "$SECURE" 631
browsed_only "avahi-browse -d '$LINK1': no printer of link 2" "$LINK1" _ipp._tcp
want_browse "avahi-browse -d lan2.guest.test: the Avahi printer" lan2.guest.test _ipp._tcp "$LAB" 631
want_browse "avahi-browse -d lan2.guest.test: the zeroconf printer" lan2.guest.test _ipp._tcp "$PRN" 631
browsed_none "avahi-browse -d lan2.guest.test: no camera" lan2.guest.test _axis-video._tcp
browsed_none "avahi-browse -d lan2.guest.test: no SSH host" lan2.guest.test _ssh._tcp

# want_domains DESC DOMAIN EXPECTED...: avahi-browse -D -d DOMAIN lists
# exactly EXPECTED (as printed, lowercase, without the final dot).
want_domains() {
	local desc=$1 dom=$2 want got
	shift 2
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//')
	local end=$((SECONDS + $(budget 30)))
	while :; do
		in_remote_avahi avahi-browse -D -d "$dom" -t -p
		got=$(awk -F';' '$1 == "+" {print tolower($NF)}' "$GW_TMP/last" | sort -u | tr '\n' ' ' | sed 's/ $//')
		[ "$got" = "$want" ] && break
		[ "$SECONDS" -lt "$end" ] || break
		sleep 1
	done
	if [ "$got" = "$want" ]; then
		pass "$desc"
	else
		fail "$desc: avahi-browse -D -d '$dom' listed {$got}; wanted {$want}"
	fi
}
budget_start=$SECONDS
want_domains "avahi-browse -D -d $LINK2: the link's browse domain, itself" "$LINK2" "$LINK2"
want_domains "avahi-browse -D -d '$LINK1': its browse domains, itself and the campus" \
	"$LINK1" "$(printed "$LINK1")" campus.test
want_domains "avahi-browse -D -d campus.test: both links" campus.test "$(printed "$LINK1")" "$LINK2"
want_domains "avahi-browse -D -d guest.test: link 2 alone" guest.test lan2.guest.test

# ---- NSD and Knot, secondaries of every zone ------------------------------------

NSD_DIR="$GW_TMP/nsd"
KNOT_DIR="$GW_TMP/knot"
mkdir -p "$NSD_DIR" "$KNOT_DIR/db"
{
	cat <<NSD
server:
	ip-address: $REMOTE6@$NSD_PORT
	username: ""
	chroot: ""
	zonesdir: "$NSD_DIR"
	database: ""
	zonelistfile: "$NSD_DIR/zone.list"
	xfrdfile: "$NSD_DIR/xfrd.state"
	xfrdir: "$NSD_DIR"
	pidfile: "$NSD_DIR/nsd.pid"
	logfile: "$NSD_DIR/nsd.log"
	verbosity: 2
	server-count: 1
	xfrd-reload-timeout: 0
	zonefiles-write: 0
remote-control:
	control-enable: no
NSD
	for z in "${ZONES[@]}"; do
		printf 'zone:\n\tname: %s\n\tzonefile: "%szone"\n\trequest-xfr: %s@53 NOKEY\n' "$z" "$z" "$GW_WAN6"
		printf '\tallow-notify: %s NOKEY\n\tprovide-xfr: %s NOKEY\n' "$GW_WAN6" "$REMOTE6"
	done
} >"$NSD_DIR/nsd.conf"
{
	knot_conf_base "$KNOT_DIR" "$REMOTE6@$KNOT_PORT"
	cat <<KNOT
remote:
  - id: gateway
    address: $GW_WAN6@53
acl:
  - id: gateway-notify
    address: $GW_WAN6
    action: notify
  - id: checker
    address: $REMOTE6
    action: transfer
zone:
KNOT
	for z in "${ZONES[@]}"; do
		printf '  - domain: %s\n    master: gateway\n    acl: [gateway-notify, checker]\n' "$z"
	done
} >"$KNOT_DIR/knot.conf"
topo_bg "$NS_REMOTE" "$NSD_DIR/stdout.log" nsd -d -c "$NSD_DIR/nsd.conf"
topo_bg "$NS_REMOTE" "$KNOT_DIR/stdout.log" knotd -c "$KNOT_DIR/knot.conf"
budget_start=$SECONDS

serial_at() { # SERVER PORT ZONE: the SOA serial it serves (empty if none)
	ip netns exec "$NS_REMOTE" kdig @"$1" -p "$2" +time=1 +retry=0 +norec SOA "$3" +short \
		2>/dev/null | awk 'NF == 7 && $3 ~ /^[0-9]+$/ {print $3; exit}'
}
same_serial() { # PORT ZONE: the secondary on PORT serves the gateway's serial
	local s
	s=$(serial_at "$GW_WAN6" 53 "$2")
	[ -n "$s" ] && [ "$(serial_at "$REMOTE6" "$1" "$2")" = "$s" ]
}
normalise() { grep -v '^;' "$1" | grep -v '^$' | tr -s ' \t' ' ' | tr 'A-Z' 'a-z' | sort; }
for z in "${ZONES[@]}"; do
	for s in nsd:$NSD_PORT knot:$KNOT_PORT; do
		name=${s%%:*}
		port=${s##*:}
		topo_wait "$(budget 45)" same_serial "$port" "$z" || true
		if ! same_serial "$port" "$z"; then
			fail "$name took $z: serial '$(serial_at "$REMOTE6" "$port" "$z")' there, '$(serial_at "$GW_WAN6" 53 "$z")' at the gateway, within 45 s of the secondaries' start"
			continue
		fi
		pass "$name took $z (serial $(serial_at "$REMOTE6" "$port" "$z"))"
		f="$GW_TMP/$name.${z%.}.zone"
		ip netns exec "$NS_REMOTE" kdig @"$REMOTE6" -p "$port" +time=5 AXFR "$z" +noall +answer \
			>"$f.axfr" 2>&1 || true
		grep -v '^;' "$f.axfr" >"$f" || true
		ldns-verify-zone "$f" >"$f.ldns" 2>&1 && rc=0 || rc=$?
		if [ "$rc" -eq 0 ]; then
			pass "$name's copy of $z passes ldns-verify-zone ($(grep -c . "$f") RRs)"
		else
			fail "$name's copy of $z: ldns-verify-zone $f exited $rc:"
			sed 's/^/    | /' "$f.ldns" | tail -n 20 >&2
		fi
		dnssec-verify -z -o "$z" "$f" >"$f.bind" 2>&1 && rc=0 || rc=$?
		if [ "$rc" -eq 0 ]; then
			pass "$name's copy of $z passes dnssec-verify"
		else
			fail "$name's copy of $z: dnssec-verify -z -o $z $f exited $rc:"
			sed 's/^/    | /' "$f.bind" | tail -n 20 >&2
		fi
		gwq AXFR "$z" +noall +answer
		normalise "$GW_TMP/last" >"$f.gw.sorted"
		normalise "$f" >"$f.sorted"
		if diff "$f.gw.sorted" "$f.sorted" >"$f.diff" 2>&1; then
			pass "$name's copy of $z equals the gateway's AXFR"
		else
			fail "$name's copy of $z differs from the gateway's AXFR:"
			head -n 20 "$f.diff" | sed 's/^/    | /' >&2
		fi
	done
done

expect "Unbound logged no validation failure" \
	bash -c "! grep -q 'validation failure' '$UB_DIR/unbound.log'"
if grep -q " error: " "$GW_LOG"; then
	fail "the gateway logged errors:"
	grep " error: " "$GW_LOG" | head -n 10 | sed 's/^/    | /' >&2
else
	pass "the gateway logged no error"
fi
gw_finish
