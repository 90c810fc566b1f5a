#!/usr/bin/env bash
# A hostile mDNS publisher on the link: thousands of services, an
# oversized TXT, names on the gateway's own _dns-sd._udp names, a host on
# a name of the static zone, a name too long once rewritten, responses
# full of TSIG records (which ldns leaked, mdns/heard.c). The gateway
# must stay up and responsive, stay within its limits, keep its own
# records, and log what it refused (a few lines, not one per record).
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/netns.sh"
# Under AddressSanitizer (.ci/run's second stage) freed memory waits in a
# quarantine of 256 MB by default: the TSIG flood below would grow the
# RSS by hundreds of MB with no leak. A small one keeps its RSS check
# meaningful there too (a leak is also reported at shutdown).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"

ns_setup
D=dnssd.test.
L=lan.$D
cat >"$GW_TMP/static.zone" <<ZONE
\$ORIGIN $D
\$TTL 300
@ IN SOA ns hostmaster 1 3600 600 86400 10
@ IN NS ns
ns IN A 192.0.2.53
static.lan IN A 192.0.2.99
ZONE
cfg=$(gw_config hostile "zone: {domain: $D, file: $GW_TMP/static.zone}
dnssec: {enable: false}
links: [{interface: $IF_GW, subdomain: lan}]
mdns:
  batch-window: 50ms
  limits: {services-per-link: 500, changes-per-second: 100}")
gw_start_ns "$cfg"
printer_served "$D"
expect "a normal printer before the flood" has_answer "$PRN" SRV "631 printer.$L"

pub hostile 3000

# Responsive during the flood.
qn "$D" SOA
expect "answers during the flood" has_text "IN SOA ns.$D"

flood_count() {
	qn +tcp "_flood._tcp.$L" PTR
	last_count ANSWER
}
# The flood comes from the printer's device (this namespace, its
# address): the services at that address get one device's share of the
# link, the larger of 64 and an eighth of 500 services per link (issue
# 16): the printer and 63 of the flood. The link keeps room for others.
flood_full() { [ "$(flood_count)" -ge 63 ]; }
wait_until 60 flood_full
sleep 1
n=$(flood_count)
echo "flood services published: $n"
expect "the flood is mirrored up to its device's share" test "$n" -eq 63
expect "the share is logged" \
	grep -q "refused service flood.*64 services per address at most, and the hosts at $ADDR_LAN4 have them" \
	"$GW_TMP/gateway.log"
expect "the share is logged once a minute, not per service" \
	test "$(grep -c 'services per address at most' "$GW_TMP/gateway.log")" -le 2
expect "the link limit is logged once a minute at most, not per service" \
	test "$(grep -c 'services per link at most' "$GW_TMP/gateway.log")" -le 2
expect "the rate limit deferred changes and said so" \
	grep -q "changes deferred: 100 changes per second at most" "$GW_TMP/gateway.log"

expect "oversized TXT refused and logged" \
	grep -q "refused the TXT of bigtxt._http._tcp.local.: 6024 octets, 1300 at most" "$GW_TMP/gateway.log"
expect "oversized TXT not served" no_answer "bigtxt._http._tcp.$L" TXT
# RFC 6763 section 6: an instance without its TXT is held back whole.
expect "its SRV is held back too" no_answer "bigtxt._http._tcp.$L" SRV
expect "the hold is logged" \
	grep -q "holding back service bigtxt._http._tcp.local.: no TXT record" "$GW_TMP/gateway.log"

expect "type _dns-sd._udp refused and logged" \
	grep -q "refused service type _dns-sd._udp.local." "$GW_TMP/gateway.log"
expect "nothing under _dns-sd._udp.lan" no_answer "b._dns-sd._udp.$L" SRV
expect "nothing at _dns-sd._udp.lan" no_answer "_dns-sd._udp.$L" PTR
expect "that service is not published" no_answer "evil._http._tcp.$L" SRV
qn "b._dns-sd._udp.$D" PTR
expect "b._dns-sd._udp lists the link only" has_count ANSWER 1
qn "_services._dns-sd._udp.$L" PTR
expect "type enumeration: no _dns-sd or _services types" lacks_text "_dns-sd._udp.$L. 10"
expect "type enumeration lists the flood type" has_text "IN PTR _flood._tcp.$L"

qn "static.$L" A
expect "the static record is untouched" has_text "static.$L 300 IN A 192.0.2.99"
expect "and nothing merged into it" has_count ANSWER 1
expect "the service pointing at it is not published" no_answer "clash._http._tcp.$L" SRV

expect "over-long host refused and logged" \
	grep -q "refused the SRV of longhost._http._tcp.local.: its target is too long once rewritten" "$GW_TMP/gateway.log"
expect "over-long: not published" no_answer "longhost._http._tcp.$L" SRV

qn "$D" SOA
expect "apex SOA intact" has_text "$D 300 IN SOA ns.$D hostmaster.$D"
qn "$D" NS
expect "apex NS intact" has_count ANSWER 1
expect "the printer is unaffected" has_answer "$PRN" SRV "631 printer.$L"
expect "the gateway is still running" kill -0 "$GW_PID"

# Responses full of TSIG records, 1000 of 9000 octets at the 250 a second
# the gateway reads of a link: ldns_wire2pkt() leaked 100 KB of each
# (about 100 MB in all). Avahi keeps none of them either.
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$GW_PID/status"; }
rss_before=$(rss_kb)
pub tsigflood 1000
sleep 1
rss_after=$(rss_kb)
echo "RSS before / after the TSIG flood: $rss_before / $rss_after kB"
expect "a flood of TSIG records grows the gateway's RSS by less than 32 MB" \
	test "$((rss_after - rss_before))" -lt 32768
expect "the gateway still answers after the TSIG flood" has_answer "$PRN" SRV "631 printer.$L"
expect "the mirror stays within bounds (services)" \
	test "$(grep -c 'refused service flood.*services per address' "$GW_TMP/gateway.log")" -eq 1

# One line per kind and minute: the gateway-owned names after the first
# (the SRV on lb._dns-sd._udp, the host on a static name, ...) are counted,
# and the count is told at the latest at shutdown.
gw_stop
expect "later gateway-owned names counted in the log" \
	grep -Eq "link lan: [0-9]+ more names \(gateway-owned\) refused" "$GW_TMP/gateway.log"
expect "later services over the share counted in the log" \
	grep -Eq "link lan: [0-9]+ more services \(limit per address\) refused" "$GW_TMP/gateway.log"

gw_stop
expect "no leak or sanitizer report at shutdown" \
	bash -c "! grep -q 'Sanitizer' '$GW_TMP/gateway.log'"

gw_finish
