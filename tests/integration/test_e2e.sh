#!/usr/bin/env bash
# Acceptance: remote browsing with validated answers, end to end, as a user
# would (topology.sh draws the network).
#
# lan1 and lan2 hold mDNS publishers that are not ours: python3-zeroconf
# (publish.py: an IPP printer with AirPrint subtypes and TXT, an SSH host,
# an HTTP service, IPv4 and IPv6) on both, and on lan2 a second host whose
# mDNS responder is avahi-daemon, fed by avahi-publish (a printer with
# subtypes, an HTTP service). The gateway mirrors both links under
# lan1/lan2.home.arpa. and signs online. In the remote network, Unbound
# validates with the gateway's DS as trust anchor, and the clients ask it:
#   - dig +dnssec: domain enumeration, type enumeration, the browse PTRs of
#     both links, subtypes, SRV, TXT, A and AAAA: NOERROR with AD;
#   - avahi-browse -d <link's domain> -r -t _ipp._tcp (avahi-daemon in the
#     remote namespace with wide-area browsing on, its resolver the
#     Unbound, configured with the lines docs/guide-printers.md gives):
#     lists and resolves the printers of each link; avahi-browse -D finds
#     both links (the guide's browse-domains, and domain enumeration
#     under home.arpa); avahi-resolve gets a printer's IPv4 and IPv6
#     address; ippfind (CUPS) prints the printers' ipp:// URIs, subtypes
#     included;
#   - delv with the gateway's trust anchor: "fully validated" for positive
#     and negative answers, straight from the gateway and through Unbound;
#   - a service whose publisher says goodbye (zeroconf and Avahi) is a
#     validated NXDOMAIN (AD) through Unbound within seconds, and leaves
#     the browse PTR, while a service of the same type that another host
#     still announces stays (Avahi's goodbye also withdraws its shared
#     "_services._dns-sd._udp PTR _http._tcp" record);
#   - an Unbound with a wrong trust anchor answers SERVFAIL (and logs the
#     validation failure), while it does reach the gateway (+cd answers).
# The churn minute is in test_e2e_churn.sh.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/topology.sh"
for tool in dig delv kdig unbound unbound-checkconf avahi-daemon avahi-browse avahi-publish \
	avahi-resolve dbus-daemon ippfind; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup.sh)" >&2; exit 1; }
done

TOPO_DIR=$GW_TMP
TOPO_NAME=e2e$$
topo_setup

D=home.arpa.
L1=lan1.$D
L2=lan2.$D
cfg=$(topo_gw_config "$D")
topo_gw_start "$cfg"
ANCHOR_DS="$GW_TMP/state/trust-anchor.ds"
ANCHOR_CONF="$GW_TMP/state/trust-anchor.conf"

# ---- the publishers ------------------------------------------------------

topo_pub_start 1
topo_pub_start 2
for what in printer ssh http; do
	topo_pub 1 register "$what"
	topo_pub 2 register "$what"
done
topo_avahi_start "$NS_AV" labprinter eth0 publisher
topo_avahi_publish labprinter "$GW_TMP/av-printer.log" -s \
	--subtype=_universal._sub._ipp._tcp --subtype=_print._sub._ipp._tcp \
	"Lab Printer" _ipp._tcp 631 txtvers=1 rp=ipp/print "ty=Lab Printer" \
	"pdl=application/pdf,image/urf" "URF=W8,SRGB24,RS300"
topo_avahi_publish labprinter "$GW_TMP/av-http.log" -s "Lab Status" _http._tcp 80 path=/status
AV_HTTP_PID=$TOPO_BG_PID

# Names as dig prints them: UTF-8 octets, the space and the backslash
# escaped.
PRN='B\195\188ro\032Drucker\\2._ipp._tcp.'
PRN1=$PRN$L1
PRN2=$PRN$L2
LAB='Lab\032Printer._ipp._tcp.'$L2
WEB1='Web\032Server._http._tcp.'$L1
LABWEB='Lab\032Status._http._tcp.'$L2

# Wait on the gateway itself (not through Unbound, whose negative cache
# would only add delay) until every service is mirrored.
gwq() {
	ip netns exec "$NS_GW" kdig @127.0.0.1 +time=2 +retry=1 "$@" >"$GW_TMP/last" 2>&1 || true
}
gw_has() { # NAME TYPE TEXT
	gwq "$1" "$2"
	has_text "$3"
}
for spec in "_ipp._tcp.$L1 PTR $PRN1" "_ipp._tcp.$L2 PTR $PRN2" "_ipp._tcp.$L2 PTR $LAB" \
	"_http._tcp.$L1 PTR $WEB1" "_http._tcp.$L2 PTR $LABWEB" "_ssh._tcp.$L2 PTR lanhost._ssh" \
	"_universal._sub._ipp._tcp.$L2 PTR $LAB" "_universal._sub._ipp._tcp.$L1 PTR $PRN1" \
	"printer.$L1 AAAA $TOPO_LAN1_6" "labprinter.$L2 AAAA $TOPO_AV_6" \
	"labprinter.$L2 A $TOPO_AV_4" "printer.$L2 A $TOPO_LAN2_4"; do
	read -r name type text <<<"$spec"
	topo_wait 30 gw_has "$name" "$type" "$text" || true
	expect "mirrored: $name $type $text" gw_has "$name" "$type" "$text"
done

# ---- the validating resolver in remote ------------------------------------

topo_unbound_start main 53 "$D" "$ANCHOR_DS"

# rq ARGS...: dig +dnssec through the remote Unbound (127.0.0.1@53, or
# the server given first).
rq() {
	if [[ ${1:-} == @* ]]; then
		topo_rdig "$@"
	else
		topo_rdig @127.0.0.1 "$@"
	fi
}
status_ad() { [ "$(dig_status)" = "$1" ] && dig_has_flag ad; } # STATUS
status_no_ad() { [ "$(dig_status)" = "$1" ] && ! dig_has_flag ad; }
lacks() { ! grep -q -- "$1" "$2"; }                            # TEXT FILE
differ() { ! cmp -s "$1" "$2"; }
# validated NAME TYPE TEXT...: NOERROR, AD, RRSIGs, and each TEXT.
validated() {
	local name=$1 type=$2 t
	shift 2
	rq "$name" "$type"
	[ "$(dig_status)" = NOERROR ] && dig_has_flag ad && has_text "RRSIG $type" || return 1
	for t in "$@"; do
		has_text "$t" || return 1
	done
}

expect "Unbound: b._dns-sd._udp lists both links, AD" \
	validated "b._dns-sd._udp.$D" PTR "IN PTR $L1" "IN PTR $L2"
# validated_only NAME YES NO: a validated PTR to YES, none to NO.
validated_only() { validated "$1" PTR "IN PTR $2" && ! has_text "IN PTR $3"; }
# One default and one legacy browse domain: the first link (RFC 6763 11).
for p in db lb; do
	expect "Unbound: $p._dns-sd._udp names the first link only, AD" \
		validated_only "$p._dns-sd._udp.$D" "$L1" "$L2"
done
# Under a link (its DHCP search domain): its default browse domain, itself.
for p in b db lb; do
	expect "Unbound: $p._dns-sd._udp.$L2 names lan2 itself, AD" \
		validated_only "$p._dns-sd._udp.$L2" "$L2" "$L1"
done
expect "Unbound: lan1 type enumeration, AD" validated "_services._dns-sd._udp.$L1" PTR \
	"PTR _ipp._tcp.$L1" "PTR _ssh._tcp.$L1" "PTR _http._tcp.$L1"
expect "Unbound: lan2 type enumeration, AD" validated "_services._dns-sd._udp.$L2" PTR \
	"PTR _ipp._tcp.$L2" "PTR _ssh._tcp.$L2" "PTR _http._tcp.$L2"
expect "Unbound: lan1 printers browse PTR, AD" validated "_ipp._tcp.$L1" PTR "IN PTR $PRN1"
expect "Unbound: lan2 printers browse PTR (zeroconf and Avahi), AD" \
	validated "_ipp._tcp.$L2" PTR "IN PTR $PRN2" "IN PTR $LAB"
expect "Unbound: lan1 HTTP browse PTR, AD" validated "_http._tcp.$L1" PTR "IN PTR $WEB1"
expect "Unbound: lan2 HTTP browse PTR, AD" validated "_http._tcp.$L2" PTR "IN PTR $LABWEB"
expect "Unbound: lan1 SSH browse PTR, AD" validated "_ssh._tcp.$L1" PTR "IN PTR lanhost._ssh._tcp.$L1"
expect "Unbound: AirPrint subtype _universal (zeroconf), AD" \
	validated "_universal._sub._ipp._tcp.$L1" PTR "IN PTR $PRN1"
expect "Unbound: AirPrint subtype _universal (Avahi), AD" \
	validated "_universal._sub._ipp._tcp.$L2" PTR "IN PTR $LAB"
expect "Unbound: subtype _print (Avahi), AD" validated "_print._sub._ipp._tcp.$L2" PTR "IN PTR $LAB"
expect "Unbound: printer SRV (lan1), AD" validated "$PRN1" SRV "IN SRV 0 0 631 printer.$L1"
expect "Unbound: printer SRV (lan2, Avahi), AD" validated "$LAB" SRV "IN SRV 0 0 631 labprinter.$L2"
expect "Unbound: printer TXT (lan1), AD" validated "$PRN1" TXT '"rp=ipp/print"' '"pdl=application/pdf,image/urf"'
expect "Unbound: printer TXT (lan2, Avahi), AD" validated "$LAB" TXT '"ty=Lab Printer"' '"URF=W8,SRGB24,RS300"'
expect "Unbound: printer A (lan1), AD" validated "printer.$L1" A "IN A $TOPO_LAN1_4"
expect "Unbound: no link-local IPv4" lacks_text "169.254"
expect "Unbound: printer AAAA (lan1), AD" validated "printer.$L1" AAAA "IN AAAA $TOPO_LAN1_6"
expect "Unbound: no link-local IPv6" lacks_text "fe80"
expect "Unbound: printer A (lan2, Avahi), AD" validated "labprinter.$L2" A "IN A $TOPO_AV_4"
expect "Unbound: printer AAAA (lan2, Avahi), AD" validated "labprinter.$L2" AAAA "IN AAAA $TOPO_AV_6"
expect "Unbound: printer A (lan2, zeroconf), AD" validated "printer.$L2" A "IN A $TOPO_LAN2_4"
expect "Unbound: printer AAAA (lan2, zeroconf), AD" validated "printer.$L2" AAAA "IN AAAA $TOPO_LAN2_6"
expect "Unbound: SSH host SRV, AD" validated "lanhost._ssh._tcp.$L2" SRV "IN SRV 0 0 22 lanhost.$L2"
expect "Unbound: HTTP SRV (Avahi), AD" validated "$LABWEB" SRV "IN SRV 0 0 80 labprinter.$L2"
expect "Unbound: HTTP TXT (zeroconf), AD" validated "$WEB1" TXT '"path=/status"'
expect "Unbound: the zone's DNSKEY, AD" validated "$D" DNSKEY "IN DNSKEY 257 3 13"
rq "nothing-here._ipp._tcp.$L1" SRV
expect "Unbound: a name that does not exist is NXDOMAIN" test "$(dig_status)" = NXDOMAIN
expect "Unbound: ... with AD (the NSEC proof validates)" dig_has_flag ad
rq "printer.$L1" MX
expect "Unbound: NODATA is NOERROR with AD" status_ad NOERROR
rq @::1 "_ipp._tcp.$L2" PTR
expect "Unbound over IPv6: browse PTR, AD" status_ad NOERROR

# ---- delv with the gateway's trust anchor -------------------------------

delv_in_remote() { # SERVER NAME TYPE [ANCHOR]
	ip netns exec "$NS_REMOTE" delv @"$1" -a "${4:-$ANCHOR_CONF}" +root=$D "$2" "$3" \
		>"$GW_TMP/last" 2>&1 || true
}
delv_in_remote "$TOPO_GW_WAN_4" "$PRN1" SRV
expect "delv (at the gateway): printer SRV fully validated" grep -q "^; fully validated" "$GW_TMP/last"
expect "delv: ... and the SRV is in the answer" has_text "SRV 0 0 631 printer.$L1"
delv_in_remote "$TOPO_GW_WAN_6" "b._dns-sd._udp.$D" PTR
expect "delv (at the gateway, IPv6): b._dns-sd._udp fully validated" grep -q "^; fully validated" "$GW_TMP/last"
delv_in_remote 127.0.0.1 "_ipp._tcp.$L2" PTR
expect "delv (through Unbound): lan2 browse PTR fully validated" grep -q "^; fully validated" "$GW_TMP/last"
delv_in_remote "$TOPO_GW_WAN_4" "nothing-here._ipp._tcp.$L1" SRV
expect "delv (at the gateway): NXDOMAIN fully validated" \
	grep -q "^; negative response, fully validated" "$GW_TMP/last"
delv_in_remote 127.0.0.1 "labprinter.$L2" MX
expect "delv (through Unbound): NODATA fully validated" \
	grep -q "^; negative response, fully validated" "$GW_TMP/last"

# ---- avahi-browse in remote: a real DNS-SD client over unicast DNS -------

# The remote avahi-daemon takes the lines docs/guide-printers.md gives
# for Linux clients (its ```avahi block), so the guide is tested too.
GUIDE_AVAHI=$(awk '/^```avahi/ {b = 1; next} /^```/ {b = 0} b' "$GW_INTEGRATION_DIR/../../docs/guide-printers.md")
expect "docs/guide-printers.md has the avahi-daemon.conf lines for Linux clients" \
	grep -q "browse-domains=lan1.home.arpa, lan2.home.arpa" <<<"$GUIDE_AVAHI"
topo_avahi_start "$NS_REMOTE" remote eth0 client "$GUIDE_AVAHI"
REMOTE_BUS=$TOPO_BUS
in_remote_avahi() { # CMD...: with the remote avahi-daemon's bus; output in last
	ip netns exec "$NS_REMOTE" env DBUS_SYSTEM_BUS_ADDRESS="$REMOTE_BUS" timeout 30 "$@" \
		>"$GW_TMP/last" 2>&1 || true
}
# resolved LINK-DOMAIN NAME HOST ADDRESSES PORT TXT: avahi-browse -p shows
# NAME resolved to HOST, one of ADDRESSES (space separated), PORT, TXT.
resolved() {
	# Through ENVIRON: awk -v would turn the \032 of the names into octets.
	D_="$1" N_="$2" H_="$3" A_="$4" P_="$5" T_="$6" awk -F';' '
		BEGIN { split(ENVIRON["A_"], addrs, " "); for (i in addrs) ok[addrs[i]] = 1 }
		$1 == "=" && $4 == ENVIRON["N_"] && $6 == ENVIRON["D_"] && $7 == ENVIRON["H_"] &&
			($8 in ok) && $9 == ENVIRON["P_"] && index($10, ENVIRON["T_"]) { found = 1 }
		END { exit !found }' "$GW_TMP/last"
}
browse_has() { # LINK-DOMAIN NAME HOST ADDRESSES PORT TXT
	in_remote_avahi avahi-browse -d "$1" -r -t -p _ipp._tcp
	resolved "$@"
}
topo_wait 20 browse_has lan1.home.arpa 'B\195\188ro\032Drucker\\2' printer.lan1.home.arpa \
	"$TOPO_LAN1_4 $TOPO_LAN1_6" 631 '"rp=ipp/print"' || true
expect "avahi-browse lists and resolves the lan1 printer (host, address, port, TXT)" \
	resolved lan1.home.arpa 'B\195\188ro\032Drucker\\2' printer.lan1.home.arpa \
	"$TOPO_LAN1_4 $TOPO_LAN1_6" 631 '"rp=ipp/print"'
expect "avahi-browse: the printer's name is one UTF-8 label, not Punycode" lacks_text "xn--"
topo_wait 20 browse_has lan2.home.arpa 'Lab\032Printer' labprinter.lan2.home.arpa \
	"$TOPO_AV_4 $TOPO_AV_6" 631 '"ty=Lab Printer"' || true
expect "avahi-browse lists and resolves the Avahi-published lan2 printer" \
	resolved lan2.home.arpa 'Lab\032Printer' labprinter.lan2.home.arpa \
	"$TOPO_AV_4 $TOPO_AV_6" 631 '"ty=Lab Printer"'
expect "avahi-browse lists and resolves the zeroconf-published lan2 printer" \
	resolved lan2.home.arpa 'B\195\188ro\032Drucker\\2' printer.lan2.home.arpa \
	"$TOPO_LAN2_4 $TOPO_LAN2_6" 631 '"rp=ipp/print"'
expect "avahi-browse -r shows nothing it could not resolve" lacks "Failed to resolve" "$GW_TMP/last"
in_remote_avahi avahi-browse -D -t -p
expect "avahi-browse -D: the guide's browse-domains make lan1 a browse domain" \
	grep -q "^+;.*;lan1.home.arpa$" "$GW_TMP/last"
expect "avahi-browse -D: ... and lan2" grep -q "^+;.*;lan2.home.arpa$" "$GW_TMP/last"
in_remote_avahi avahi-browse -D -d home.arpa -t -p
expect "avahi-browse -D: domain enumeration finds lan1" grep -q "^+;.*;lan1.home.arpa$" "$GW_TMP/last"
expect "avahi-browse -D: domain enumeration finds lan2" grep -q "^+;.*;lan2.home.arpa$" "$GW_TMP/last"
in_remote_avahi avahi-resolve -4 -n printer.lan1.home.arpa
expect "avahi-resolve: printer's IPv4 address over unicast DNS" grep -qP "^printer.lan1.home.arpa\t$TOPO_LAN1_4$" "$GW_TMP/last"
in_remote_avahi avahi-resolve -6 -n printer.lan1.home.arpa
expect "avahi-resolve: printer's IPv6 address over unicast DNS" grep -qP "^printer.lan1.home.arpa\t$TOPO_LAN1_6$" "$GW_TMP/last"
# ippfind (cups-ipp-utils) is CUPS's own DNS-SD browser (through Avahi);
# the URIs it prints are what docs/guide-printers.md gives lpadmin.
ippfind_has() { # QUERY URI
	in_remote_avahi ippfind -T 3 "$1"
	grep -qxF "$2" "$GW_TMP/last"
}
topo_wait 15 ippfind_has _ipp._tcp.lan2.home.arpa. "ipp://labprinter.lan2.home.arpa:631/ipp/print" || true
expect "ippfind (CUPS): the Avahi-published lan2 printer's IPP URI" \
	grep -qxF "ipp://labprinter.lan2.home.arpa:631/ipp/print" "$GW_TMP/last"
expect "ippfind (CUPS): the zeroconf-published lan2 printer's IPP URI" \
	grep -qxF "ipp://printer.lan2.home.arpa:631/ipp/print" "$GW_TMP/last"
expect "ippfind (CUPS): AirPrint subtype _universal on lan1" \
	ippfind_has _ipp._tcp,_universal.lan1.home.arpa. "ipp://printer.lan1.home.arpa:631/ipp/print"
in_remote_avahi avahi-browse -d lan2.home.arpa -r -t -p _http._tcp
expect "avahi-browse: the lan2 HTTP services" resolved lan2.home.arpa 'Lab\032Status' \
	labprinter.lan2.home.arpa "$TOPO_AV_4 $TOPO_AV_6" 80 '"path=/status"'

# ---- goodbyes: a removed service is a validated NXDOMAIN, within seconds --

# removed NAME: Unbound says NXDOMAIN with AD for NAME's SRV.
removed() {
	rq "$1" SRV
	[ "$(dig_status)" = NXDOMAIN ] && dig_has_flag ad
}
# The client has just seen the service (so Unbound holds it in its cache
# for up to the mirror's 10 s TTL); then the publisher says goodbye.
expect "before the goodbye: zeroconf HTTP SRV, AD" validated "$WEB1" SRV "8080 lanhost.$L1"
t0=$SECONDS
topo_pub 1 unregister http
topo_wait 25 removed "$WEB1" || true
t1=$SECONDS
expect "zeroconf goodbye: validated NXDOMAIN (AD) for the service" removed "$WEB1"
expect "zeroconf goodbye: NXDOMAIN within 15 s ($((t1 - t0)) s; TTL cap 10 s)" test $((t1 - t0)) -le 15
# It was lan1's only HTTP service: the browse name itself is gone, and
# the type enumeration no longer lists the type.
rq "_http._tcp.$L1" PTR
expect "zeroconf goodbye: lan1's HTTP browse name is a validated NXDOMAIN" status_ad NXDOMAIN
expect "zeroconf goodbye: type enumeration without _http._tcp, AD" \
	validated "_services._dns-sd._udp.$L1" PTR "PTR _ipp._tcp.$L1" "PTR _ssh._tcp.$L1"
expect "zeroconf goodbye: ... not listing _http._tcp" lacks_text "_http._tcp.$L1"
delv_in_remote 127.0.0.1 "$WEB1" SRV
expect "delv: the removed service's NXDOMAIN fully validated" \
	grep -q "^; negative response, fully validated" "$GW_TMP/last"

expect "before the goodbye: Avahi HTTP SRV, AD" validated "$LABWEB" SRV "80 labprinter.$L2"
t0=$SECONDS
topo_kill "$AV_HTTP_PID"
topo_wait 25 removed "$LABWEB" || true
t1=$SECONDS
expect "Avahi goodbye (avahi-publish ended): validated NXDOMAIN (AD)" removed "$LABWEB"
expect "Avahi goodbye: NXDOMAIN within 15 s ($((t1 - t0)) s)" test $((t1 - t0)) -le 15
expect "Avahi goodbye: the other lan2 services stay, AD" validated "$LAB" SRV "631 labprinter.$L2"
# Another host on lan2 (zeroconf) still announces an HTTP service. Avahi's
# goodbye covered its own records, among them its (shared) service type
# enumeration PTR "_services._dns-sd._udp.local PTR _http._tcp.local";
# the zeroconf host's service never said goodbye and must stay.
WEB2='Web\032Server._http._tcp.'$L2
expect "Avahi goodbye: the same type from another lan2 host stays (SRV), AD" \
	validated "$WEB2" SRV "8080 lanhost.$L2"
expect "Avahi goodbye: lan2's HTTP browse PTR still lists it, AD" \
	validated "_http._tcp.$L2" PTR "IN PTR $WEB2"
expect "Avahi goodbye: ... and no longer the removed one" lacks_text "$LABWEB"
in_remote_avahi avahi-browse -d lan2.home.arpa -r -t -p _http._tcp
expect "avahi-browse: the removed service is no longer listed" lacks 'Lab\\032Status' "$GW_TMP/last"
expect "avahi-browse: ... and the other host's HTTP service still is" \
	grep -q '^=;.*;Web\\032Server;' "$GW_TMP/last"

# ---- a wrong trust anchor: validation really happens --------------------

sed 's/\([0-9A-Fa-f]\{8\}\)$/00000000/' "$ANCHOR_DS" >"$GW_TMP/wrong.ds"
expect "the wrong anchor differs from the right one" differ "$ANCHOR_DS" "$GW_TMP/wrong.ds"
topo_unbound_start wrong 5300 "$D" "$GW_TMP/wrong.ds"
for q in "b._dns-sd._udp.$D PTR" "_ipp._tcp.$L1 PTR" "$PRN1 SRV" "printer.$L1 AAAA"; do
	read -r name type <<<"$q"
	rq -p 5300 "$name" "$type"
	expect "wrong anchor: SERVFAIL for $name $type" test "$(dig_status)" = SERVFAIL
done
rq -p 5300 +cd "$PRN1" SRV
expect "wrong anchor: the gateway is reachable (+cd gives the data ...)" has_text "SRV 0 0 631 printer.$L1"
expect "wrong anchor: ... NOERROR, without AD" status_no_ad NOERROR
expect "wrong anchor: Unbound logs the validation failure" \
	grep -q "validation failure" "$GW_TMP/unbound-wrong/unbound.log"
sed 's/[0-9A-Fa-f]\{8\}";/00000000";/' "$ANCHOR_CONF" >"$GW_TMP/wrong.conf"
delv_in_remote "$TOPO_GW_WAN_4" "$PRN1" SRV "$GW_TMP/wrong.conf"
expect "wrong anchor: delv does not validate" lacks "fully validated" "$GW_TMP/last"
expect "wrong anchor: delv says the resolution failed" grep -q "resolution failed" "$GW_TMP/last"

expect "the right anchor's Unbound logged no validation failure" \
	lacks "validation failure" "$GW_TMP/unbound-main/unbound.log"
expect "the gateway logged no error" lacks " error: " "$GW_TMP/gateway.log"

gw_finish
