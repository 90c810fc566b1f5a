#!/usr/bin/env bash
# The mDNS side of the metrics, in network namespaces this test creates:
# a service published on the LAN moves the events, the per-link and
# per-zone service gauges and the commits; its goodbye moves them back.
# A second configured link whose interface does not exist is down in the
# metrics, and the start says so.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/netns.sh"
command -v promtool >/dev/null || { echo "FAIL: promtool missing (scripts/setup.sh: prometheus)" >&2; exit 1; }

# scrape OUT: GET /metrics from inside the gateway's namespace.
scrape() {
	ip netns exec "$NS_GW" python3 -c "
import sys, urllib.request
sys.stdout.buffer.write(urllib.request.urlopen('http://127.0.0.1:$MPORT/metrics', timeout=5).read())
" >"$1" 2>"$GW_TMP/scrape.err" || true
}

value() {
	awk -v s="$2" '$1 == s {print $2; exit}' "$1"
}

# sample_is SAMPLE VALUE: a fresh scrape shows SAMPLE at VALUE.
sample_is() {
	scrape "$GW_TMP/m"
	[ "$(value "$GW_TMP/m" "$1")" = "$2" ]
}

ns_setup
D=dnssd.test.
L=lan.$D
cfg=$(gw_config metrics-mdns "zone: {domain: $D}
dnssec: {enable: false}
links: [{interface: $IF_GW, subdomain: lan}, {interface: gh$$, subdomain: ghost}]
mdns: {batch-window: 50ms, warm-up: 1s, link-grace: 2s}
metrics: {listen: [\"127.0.0.1@0\"]}")
gw_start_ns "$cfg"
MPORT=$(awk '$1 == "metrics" {print $3; exit}' "$GW_TMP/ports")
[ -n "$MPORT" ] || ns_die "no metrics line in the ports file"
wait_until 10 grep -q "link lan ($IF_GW) is up" "$GW_TMP/gateway.log"
LINK="{link=\"$IF_GW\",subdomain=\"lan\"}"

scrape "$GW_TMP/before"
cp "$GW_TMP/before" "$GW_TMP/last"
expect "the link is up in the metrics" test "$(value "$GW_TMP/before" "dnssd_gateway_link_up$LINK")" = 1
expect "no service on the link yet" test "$(value "$GW_TMP/before" "dnssd_gateway_link_services$LINK")" = 0
expect "the link without an interface is down in the metrics" \
	test "$(value "$GW_TMP/before" "dnssd_gateway_link_up{link=\"gh$$\",subdomain=\"ghost\"}")" = 0
expect "and the start said so, once" \
	test "$(grep -c "link ghost (gh$$): the interface is absent, down or without carrier; it is mirrored once it is up" "$GW_TMP/gateway.log")" = 1
expect "the link that is up was not said to be absent" bash -c "! grep -q 'link lan .*absent' '$GW_TMP/gateway.log'"
added0=$(value "$GW_TMP/before" 'dnssd_gateway_mdns_events_total{event="added"}')
commits0=$(value "$GW_TMP/before" 'dnssd_gateway_zone_commits_total{zone="dnssd.test."}')

pub_start
pub register ssh
wait_until 15 has_answer "lanhost._ssh._tcp.$L" SRV "22 lanhost.$L"
expect "the SSH service is mirrored" has_answer "lanhost._ssh._tcp.$L" SRV "22 lanhost.$L"
wait_until 5 sample_is "dnssd_gateway_link_services$LINK" 1
cp "$GW_TMP/m" "$GW_TMP/last"
expect "one service on the link" test "$(value "$GW_TMP/m" "dnssd_gateway_link_services$LINK")" = 1
expect "one service in the zone" test "$(value "$GW_TMP/m" 'dnssd_gateway_zone_services{zone="dnssd.test."}')" = 1
added=$(value "$GW_TMP/m" 'dnssd_gateway_mdns_events_total{event="added"}')
expect "mDNS records added were counted ($added0 -> $added)" test "$added" -gt "$added0"
commits=$(value "$GW_TMP/m" 'dnssd_gateway_zone_commits_total{zone="dnssd.test."}')
expect "the mirror's changes were committed ($commits0 -> $commits)" test "$commits" -gt "$commits0"
published=$(value "$GW_TMP/m" 'dnssd_gateway_mdns_records{state="published"}')
expect "records published in the zone ($published)" test "$published" -gt 0
promtool check metrics <"$GW_TMP/m" >"$GW_TMP/last" 2>&1 && lint=0 || lint=$?
expect "promtool accepts the scrape with link labels" test "$lint" -eq 0

pub unregister ssh
wait_until 15 sample_is "dnssd_gateway_link_services$LINK" 0
cp "$GW_TMP/m" "$GW_TMP/last"
expect "the goodbye takes the service off the link" test "$(value "$GW_TMP/m" "dnssd_gateway_link_services$LINK")" = 0
removed=$(value "$GW_TMP/m" 'dnssd_gateway_mdns_events_total{event="removed"}')
expect "mDNS records removed were counted ($removed)" test "$removed" -gt 0
gw_finish
