#!/usr/bin/env bash
# An appliance that runs avahi-daemon for its own services (a NAS, a
# printer server) runs the gateway beside it: both take UDP port 5353 on
# the same interfaces. The gateway's avahi-core publishes nothing (no host
# name, no address: nothing to conflict with the daemon's), hears the
# devices on the links as before, and mirrors the appliance's own
# services too, as the daemon announces them on the links.
# Asserts, with avahi-daemon (host name "nas", publishing "NAS Files"
# _smb._tcp) in the gateway's namespace on lan1 and lan2:
#   - a printer announced on lan1 by python3-zeroconf is mirrored;
#   - "NAS Files" is mirrored under both links, its SRV to nas.<link>,
#     whose A and AAAA are the gateway host's own addresses on that link;
#   - its goodbye (avahi-publish ended) removes it from both links;
#   - avahi-daemon keeps its host name (no conflict), and the gateway
#     logs no error.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/topology.sh"
for tool in kdig avahi-daemon avahi-publish dbus-daemon; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup.sh)" >&2; exit 1; }
done

TOPO_DIR=$GW_TMP
TOPO_NAME=beside$$
topo_setup

D=home.arpa.
topo_avahi_start "$NS_GW" nas "lan1,lan2" publisher
topo_bg "$NS_GW" "$GW_TMP/nas-pub.log" env DBUS_SYSTEM_BUS_ADDRESS="$TOPO_BUS" \
	avahi-publish -s "NAS Files" _smb._tcp 445 "path=/share"
NAS_PUB=$TOPO_BG_PID
topo_wait 15 grep -q "Established" "$GW_TMP/nas-pub.log" || true
expect "avahi-daemon beside the gateway publishes NAS Files" grep -q "Established" "$GW_TMP/nas-pub.log"

cfg=$(topo_gw_config "$D")
topo_gw_start "$cfg"
topo_pub_start 1
topo_pub 1 register printer

gwq() {
	ip netns exec "$NS_GW" kdig @127.0.0.1 +time=2 +retry=1 "$@" >"$GW_TMP/last" 2>&1 || true
}
answers() { # NAME TYPE TEXT: the answer section holds TEXT
	gwq "$1" "$2" +noall +answer && grep -qF -- "$3" "$GW_TMP/last"
}
nas_on() { # LINK
	answers "_smb._tcp.$1.$D" PTR "NAS\\032Files._smb._tcp.$1.$D"
}
topo_wait 30 answers "_ipp._tcp.lan1.$D" PTR "._ipp._tcp.lan1.$D" || true
expect "a printer on lan1 is mirrored, avahi-daemon running beside" \
	answers "_ipp._tcp.lan1.$D" PTR "._ipp._tcp.lan1.$D"
topo_wait 30 nas_on lan1 || true
topo_wait 10 nas_on lan2 || true
for link in lan1 lan2; do
	expect "the appliance's own service is mirrored under $link" nas_on "$link"
	expect "... its SRV names nas.$link" \
		answers "NAS\\032Files._smb._tcp.$link.$D" SRV "SRV	0 0 445 nas.$link.$D"
	expect "... its TXT as published" answers "NAS\\032Files._smb._tcp.$link.$D" TXT '"path=/share"'
done
expect "nas.lan1 A is the gateway host's lan1 address" answers "nas.lan1.$D" A "A	$TOPO_GW_LAN1_4"
expect "nas.lan2 A is the gateway host's lan2 address" answers "nas.lan2.$D" A "A	$TOPO_GW_LAN2_4"
expect "nas.lan1 AAAA is the gateway host's lan1 address" \
	answers "nas.lan1.$D" AAAA "AAAA	$TOPO_GW_LAN1_6"

# The goodbye: avahi-publish ends, avahi-daemon withdraws the service.
topo_kill "$NAS_PUB"
gone() { # LINK
	gwq "NAS\\032Files._smb._tcp.$1.$D" SRV && grep -q "status: NXDOMAIN" "$GW_TMP/last"
}
topo_wait 15 gone lan1 || true
topo_wait 5 gone lan2 || true
expect "its goodbye removes it under lan1" gone lan1
expect "... and under lan2" gone lan2

expect "avahi-daemon kept its host name (no conflict)" \
	bash -c "! grep -qi 'conflict' '$GW_TMP/avahi-nas/avahi.log'"
expect "the gateway logged no error" bash -c "! grep -q ' error: ' '$GW_TMP/gateway.log'"
gw_finish
