#!/usr/bin/env bash
# A service type new on the link, announced by a responder that does not
# announce the type enumeration (python3-zeroconf, as many appliances),
# is mirrored at once (mdns/heard.c), not at Avahi's next enumeration
# query: Avahi asks _services._dns-sd._udp.local at 0, 1, 3, 7, 15, 31 s
# ... after the link comes up, then up to an hour apart. The HTTP service
# is registered 17 s after the link is up, so the next query is 14 s
# away; it must be served within 6 s. Also: the count in the metrics
# (SSH, registered at the start, may be heard before the enumeration
# lists it, or after), and
# the listener beside Avahi's socket does not make Avahi see another mDNS
# stack. Then the link goes down and up, and a type new after that is
# heard too (the listener joins the link's group again).
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/netns.sh"

ns_setup
D=dnssd.test.
L=lan.$D
cfg=$(gw_config types "zone: {domain: $D}
dnssec: {enable: false}
metrics: {listen: [\"127.0.0.1@0\"]}
links: [{interface: $IF_GW, subdomain: lan}]
mdns: {batch-window: 50ms, warm-up: 2s}")
gw_start_ns "$cfg"
MPORT=$(awk '$1 == "metrics" {print $3; exit}' "$GW_TMP/ports")
[ -n "$MPORT" ] || ns_die "no metrics line in the ports file"
heard_metric() { metric_ns "$MPORT" '/^dnssd_gateway_mdns_types_heard_total /'; }
wait_until 10 grep -q "link lan ($IF_GW) is up" "$GW_TMP/gateway.log"
t_up=$(date +%s.%N)
expect "the link is up" grep -q "link lan ($IF_GW) is up" "$GW_TMP/gateway.log"

# A type the enumeration lists while Avahi still asks often.
pub_start
pub register ssh
wait_until 15 has_answer "lanhost._ssh._tcp.$L" SRV "22 lanhost.$L"
expect "SSH, present from the start, is mirrored" \
	has_answer "_ssh._tcp.$L" PTR "lanhost._ssh._tcp.$L"

# 17 s after the link came up: between Avahi's queries at 15 and 31 s.
sleep "$(echo "17 - ($(date +%s.%N) - $t_up)" | bc)"
heard_before=$(heard_metric)
pub register http
t_reg=$(date +%s.%N)
WEB='Web\032Server._http._tcp.'$L
wait_until 6 has_answer "_http._tcp.$L" PTR "$WEB"
t_seen=$(date +%s.%N)
echo "# HTTP registered $(echo "$t_reg - $t_up" | bc) s after the link came up," \
	"browsable $(echo "$t_seen - $t_reg" | bc) s later"
expect "a new type is browsable within 6 s of its announcement" \
	has_answer "_http._tcp.$L" PTR "IN PTR $WEB"
expect "its SRV" has_answer "$WEB" SRV "IN SRV 0 0 8080 lanhost.$L"
expect "its TXT" has_answer "$WEB" TXT '"path=/status"'
qn "_services._dns-sd._udp.$L" PTR
expect "the type enumeration lists it" has_text "IN PTR _http._tcp.$L"
expect "the metrics count the type heard" test "$(heard_metric)" = "$((heard_before + 1))"
expect "Avahi sees no other mDNS stack" \
	bash -c "! grep -q 'Detected another' '$GW_TMP/gateway.log'"

# Its goodbye removes it as any other.
pub unregister http
wait_until 10 no_answer "$WEB" SRV
expect "unregistered: gone" no_answer "$WEB" SRV

# The link down and up again: the listener left the group on the link and
# joins it again. A type new on the link 17 s after it came back, when
# Avahi is not asking, is heard as before.
ip -n "$NS_GW" link set "$IF_GW" down
wait_until 10 grep -q "link lan ($IF_GW) is down" "$GW_TMP/gateway.log"
ip -n "$NS_GW" link set "$IF_GW" up
wait_until 10 grep -q "link lan ($IF_GW) is back" "$GW_TMP/gateway.log"
t_up=$(date +%s.%N)
expect "the link is back" grep -q "link lan ($IF_GW) is back" "$GW_TMP/gateway.log"
sleep "$(echo "17 - ($(date +%s.%N) - $t_up)" | bc)"
heard_before=$(heard_metric)
pub service _scanner._tcp 8081 lanhost Scanner
SCAN=Scanner._scanner._tcp.$L
wait_until 6 has_answer "_scanner._tcp.$L" PTR "$SCAN"
expect "after the link came back, a new type is browsable within 6 s" \
	has_answer "_scanner._tcp.$L" PTR "IN PTR $SCAN"
expect "... heard, as the metrics count" test "$(heard_metric)" = "$((heard_before + 1))"

gw_finish
