#!/usr/bin/env bash
# Bring up the end-to-end topology for a person to try: two LANs with mDNS
# publishers (python3-zeroconf, and avahi-daemon on a second lan2 host),
# dnssd-gateway between them and a "remote" network, and in remote a
# validating Unbound and avahi-daemon for wide-area browsing. Everything
# lives in network namespaces (dnssd-demo-*) with addresses from
# 192.0.2.0/24 and 2001:db8::/32; the machine's own interfaces are not
# touched. Needs root (asks through sudo).
#
#   scripts/demo.sh        build, bring it up, print what to try, wait for Ctrl-C
#   scripts/demo.sh down   tear down a demo that is still running (from
#                          another terminal, or after the script was killed)
#
# GW_BIN=path uses that dnssd-gateway binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ "$(id -u)" -ne 0 ]; then
	exec sudo --preserve-env=GW_BIN "$0" "$@"
fi

TOPO_NAME=dnssd-demo
TOPO_DIR=/tmp/dnssd-gateway-demo
D=home.arpa.
source "$root/tests/integration/topology.sh"

demo_down() {
	if [ -s "$TOPO_DIR/demo.pid" ]; then
		local pid
		pid=$(cat "$TOPO_DIR/demo.pid")
		if kill -0 "$pid" 2>/dev/null && grep -q "demo.sh" "/proc/$pid/cmdline" 2>/dev/null; then
			echo "stopping the demo (PID $pid)"
			kill -TERM "$pid"
			for _ in $(seq 1 100); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
		fi
	fi
	# Whatever is left (the demo was killed with -9, say): the processes
	# inside the demo's namespaces, then the namespaces.
	local ns
	TOPO_NSES=()
	for ns in lan1 lan2 lan2av gw remote; do
		if ip netns list | grep -q "^$TOPO_NAME-$ns\b"; then
			TOPO_NSES+=("$TOPO_NAME-$ns")
		fi
	done
	topo_cleanup
	rm -rf "$TOPO_DIR"
	echo "demo is down"
}

case "${1:-up}" in
down)
	demo_down
	exit 0
	;;
up) ;;
*)
	echo "usage: $0 [up|down]" >&2
	exit 2
	;;
esac

if [ -s "$TOPO_DIR/demo.pid" ] && kill -0 "$(cat "$TOPO_DIR/demo.pid")" 2>/dev/null; then
	echo "a demo is already running (PID $(cat "$TOPO_DIR/demo.pid")); '$0 down' stops it" >&2
	exit 1
fi
for ns in lan1 lan2 lan2av gw remote; do
	if ip netns list | grep -q "^$TOPO_NAME-$ns\b"; then
		echo "namespace $TOPO_NAME-$ns is left from an earlier demo; run '$0 down' first" >&2
		exit 1
	fi
done

if [ -z "${GW_BIN:-}" ]; then
	scripts/setup.sh
	GW_BIN="$root/$(scripts/build.sh --release | tail -n 1)/gateway/dnssd-gateway"
fi
[ -x "$GW_BIN" ] || topo_die "no dnssd-gateway binary at $GW_BIN"

rm -rf "$TOPO_DIR"
mkdir -p "$TOPO_DIR"
chmod 755 "$TOPO_DIR"
echo $$ >"$TOPO_DIR/demo.pid"
echo "bringing up the topology in namespaces $TOPO_NAME-{lan1,lan2,lan2av,gw,remote} ..."
topo_setup
# Clean up on exit, and remove the work directory too.
# shellcheck disable=SC2317 # called by the trap
demo_exit() {
	topo_cleanup
	rm -rf "$TOPO_DIR"
}
trap demo_exit EXIT

cfg=$(topo_gw_config "$D" "log: {level: info}")
topo_gw_start "$cfg"
topo_pub_start 1
topo_pub_start 2
for what in printer ssh http; do
	topo_pub 1 register "$what"
done
topo_pub 2 register printer
topo_pub 2 register http
topo_avahi_start "$NS_AV" labprinter eth0 publisher
topo_avahi_publish labprinter "$TOPO_DIR/av-printer.log" -s \
	--subtype=_universal._sub._ipp._tcp --subtype=_print._sub._ipp._tcp \
	"Lab Printer" _ipp._tcp 631 txtvers=1 rp=ipp/print "ty=Lab Printer" \
	"pdl=application/pdf,image/urf"
topo_avahi_publish labprinter "$TOPO_DIR/av-http.log" -s "Lab Status" _http._tcp 80 path=/status
topo_unbound_start main 53 "$D" "$TOPO_DIR/state/trust-anchor.ds"
topo_avahi_start "$NS_REMOTE" remote eth0 client

R="ip netns exec $NS_REMOTE"
AB="$R env DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TOPO_DIR/avahi-remote/bus"
AP="ip netns exec $NS_AV env DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TOPO_DIR/avahi-labprinter/bus"
cat <<EOF

The demo is up. The gateway serves $D on $TOPO_GW_WAN_4 and $TOPO_GW_WAN_6 (port 53),
mirroring lan1 ($TOPO_GW_LAN1_4/28) as lan1.$D and lan2 ($TOPO_GW_LAN2_4/28) as lan2.$D
In remote, Unbound (127.0.0.1) validates $D with the gateway's trust anchor
($TOPO_DIR/state/trust-anchor.ds). Services published right now:
  lan1 (python3-zeroconf): printer "Büro Drucker\\2" (IPP, AirPrint subtypes), SSH "lanhost", HTTP "Web Server"
  lan2 (python3-zeroconf): printer "Büro Drucker\\2", HTTP "Web Server"
  lan2 (avahi-daemon):     printer "Lab Printer" (IPP, subtypes), HTTP "Lab Status"

Try, from remote (look for "ad" in the flags: validated):

  # which links (browse domains) are there?
  $R dig +dnssec @127.0.0.1 b._dns-sd._udp.$D PTR
  # which service types on lan2, which printers?
  $R dig +dnssec @127.0.0.1 _services._dns-sd._udp.lan2.$D PTR
  $R dig +dnssec @127.0.0.1 _ipp._tcp.lan2.$D PTR
  $R dig +dnssec @127.0.0.1 _universal._sub._ipp._tcp.lan2.$D PTR
  # one printer: where, what, which addresses
  $R dig +dnssec @127.0.0.1 'Lab\\032Printer._ipp._tcp.lan2.$D' SRV
  $R dig +dnssec @127.0.0.1 'Lab\\032Printer._ipp._tcp.lan2.$D' TXT
  $R dig +dnssec @127.0.0.1 labprinter.lan2.$D AAAA
  # validate it yourself, straight from the gateway
  $R delv @$TOPO_GW_WAN_4 -a $TOPO_DIR/state/trust-anchor.conf +root=$D 'Lab\\032Printer._ipp._tcp.lan2.$D' SRV
  $R delv @$TOPO_GW_WAN_4 -a $TOPO_DIR/state/trust-anchor.conf +root=$D no-such-printer._ipp._tcp.lan2.$D SRV

  # a real DNS-SD client: Avahi, browsing the links over unicast DNS
  $AB avahi-browse -D -d $D -t
  $AB avahi-browse -d lan1.${D%.} -r -t _ipp._tcp
  $AB avahi-browse -d lan2.${D%.} -r -t -a
  # CUPS's browser: the ipp:// URIs to give lpadmin (docs/guide-printers.md)
  $AB ippfind _ipp._tcp.lan2.$D

Change what is published, and watch it follow (within about 10 s: the TTL cap):

  $AP avahi-publish -s "My Printer" _ipp._tcp 631 rp=ipp/print    # Ctrl-C withdraws it
  echo "unregister http" >$TOPO_DIR/pub1.in     # lan1's "Web Server" says goodbye
  echo "register http" >$TOPO_DIR/pub1.in       # ... and comes back

Logs: $TOPO_DIR/gateway.log, $TOPO_DIR/unbound-main/unbound.log
Stop with Ctrl-C here, or '$0 down' from another terminal.
EOF

while kill -0 "$TOPO_GW_PID" 2>/dev/null; do
	sleep 1
done
echo "dnssd-gateway exited; see $TOPO_DIR/gateway.log" >&2
cp "$TOPO_DIR/gateway.log" /tmp/dnssd-gateway-demo.gateway.log 2>/dev/null &&
	echo "(kept as /tmp/dnssd-gateway-demo.gateway.log)" >&2
exit 1
