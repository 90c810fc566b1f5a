#!/usr/bin/env bash
# Issue 16, finding 4: one device must not lock a link. A device floods
# the link with 1000 services on one host, then 1000 more, each on a host
# name of its own but all at one address; a real service from another
# host and address, announced after both floods, is still published. Each
# flood gets one device's share (125 services: an eighth of the default
# 1000 per link) and the log says why the rest was refused. Both floods
# together (6000 records) stay within Avahi's cache (6 records per service
# of the link's limit, plus 1024): a flood beyond that is dropped by Avahi,
# and so are records that arrive while its cache is full (docs/mdns.md).
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/netns.sh"
source "$GW_INTEGRATION_DIR/craft.sh"

ns_setup
# Two more devices on the LAN side: the many-host flood, the real one.
ADDR_SPREAD4=192.0.2.14
ADDR_REAL4=192.0.2.13
ip -n "$NS_LAN" addr add "$ADDR_SPREAD4/24" dev "$IF_LAN"
ip -n "$NS_LAN" addr add "$ADDR_REAL4/24" dev "$IF_LAN"
D=dnssd.test.
L=lan.$D
cfg=$(gw_config fair "zone: {domain: $D}
dnssec: {enable: false}
links: [{interface: $IF_GW, subdomain: lan}]
mdns:
  batch-window: 50ms
  limits: {changes-per-second: 400}")
gw_start_ns "$cfg"
wait_until 10 grep -q "link lan ($IF_GW) is up" "$GW_TMP/gateway.log"

type_count() {
	qn +tcp "$1.$L" PTR
	last_count ANSWER
}
settled() { # TYPE N: N services of TYPE published, and still N a second later
	[ "$(type_count "$1")" = "$2" ] && sleep 1 && [ "$(type_count "$1")" = "$2" ]
}

# flood_share NAME ADDR TYPE CASE...: a crafted flood from ADDR; TYPE
# must end up with one device's share published, 125 services.
flood_share() {
	local name=$1 addr=$2 type=$3 n
	shift 3
	craft "$name" "$addr" "$@"
	wait_until 60 settled "$type" 125
	n=$(type_count "$type")
	echo "services published from the $name flood: $n"
	expect "the $name flood gets one device's share, 125 services" test "$n" = 125
}

# One device, one host name.
flood_share flood "$ADDR_LAN4" _flood._tcp flood 1000 floodhost
expect "the host's share is logged" \
	grep -q "services per host at most, and floodhost.local. has them" "$GW_TMP/gateway.log"

# One device under a thousand host names, all at one address.
flood_share spread "$ADDR_SPREAD4" _spread._tcp spread 1000 spreadhost
expect "the address's share is logged" \
	grep -q "services per address at most, and the hosts at $ADDR_SPREAD4 have them" \
	"$GW_TMP/gateway.log"

# The real device comes after both floods.
craft real "$ADDR_REAL4" service real realhost
wait_until 30 has_answer "real._http._tcp.$L" SRV "80 realhost.$L"
expect "a real service after the floods is published" \
	has_answer "real._http._tcp.$L" SRV "80 realhost.$L"
expect "with its host's address" has_answer "realhost.$L" A "$ADDR_REAL4"
expect "and listed for browsing" has_answer "_http._tcp.$L" PTR "real._http._tcp.$L"
qn "_services._dns-sd._udp.$L" PTR
expect "the type enumeration lists the real service's type" has_text "IN PTR _http._tcp.$L"
expect "the gateway is still running" kill -0 "$GW_PID"

# Once a minute per kind and link, the rest counted.
gw_stop
expect "further per-host refusals are counted in the log" \
	grep -Eq "link lan: [0-9]+ more services \(limit per host\) refused" "$GW_TMP/gateway.log"
expect "further per-address refusals are counted in the log" \
	grep -Eq "link lan: [0-9]+ more services \(limit per address\) refused" "$GW_TMP/gateway.log"
expect "no leak or sanitizer report at shutdown" \
	bash -c "! grep -q 'Sanitizer' '$GW_TMP/gateway.log'"
gw_finish
