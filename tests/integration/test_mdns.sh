#!/usr/bin/env bash
# The mDNS mirror end to end, in network namespaces this test creates: a
# LAN where python3-zeroconf publishes an IPP printer (TXT, subtypes, a
# UTF-8 name with a space and a backslash), an SSH host and an HTTP
# service; the gateway in its own namespace across a veth pair, queried
# over unicast DNS. Checks the browse PTRs, SRV, TXT, A and AAAA, that
# link-local addresses stay out, capped TTLs, removal on unregister and a
# service back at once, the restart warm-up and reconcile, the link
# grace period, and a device whose address, port and TXT change in place.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/netns.sh"

ns_setup
D=dnssd.test.
L=lan.$D
cfg=$(gw_config mdns "zone: {domain: $D}
dnssec: {enable: false}
links: [{interface: $IF_GW, subdomain: lan}]
mdns: {batch-window: 50ms, warm-up: 3s, link-grace: 4s}")
gw_start_ns "$cfg"
wait_until 10 grep -q "link lan ($IF_GW) is up" "$GW_TMP/gateway.log"
expect "the link is up and mirrored under lan" grep -q "link lan ($IF_GW) is up" "$GW_TMP/gateway.log"

pub_start
pub register printer
pub register ssh
pub register http

# kdig prints the UTF-8 octets, the space and the backslash escaped.
PRN='B\195\188ro\032Drucker\\2._ipp._tcp.'$L
wait_until 20 has_answer "_ipp._tcp.$L" PTR "$PRN"
expect "browse PTR of the printer" has_answer "_ipp._tcp.$L" PTR "_ipp._tcp.$L 10 IN PTR $PRN"
expect "subtype _universal browses to the printer" \
	has_answer "_universal._sub._ipp._tcp.$L" PTR "IN PTR $PRN"
expect "subtype _print browses to the printer" has_answer "_print._sub._ipp._tcp.$L" PTR "IN PTR $PRN"
expect "SRV of the printer, target rewritten" has_answer "$PRN" SRV "IN SRV 0 0 631 printer.$L"
expect "TXT of the printer" has_answer "$PRN" TXT '"rp=ipp/print"'
expect "TXT keeps every string" has_text '"pdl=application/pdf,image/urf"'
expect "A of the printer" has_answer "printer.$L" A "printer.$L 10 IN A $ADDR_LAN4"
expect "no link-local IPv4 published" lacks_text "169.254"
expect "AAAA of the printer" has_answer "printer.$L" AAAA "IN AAAA $ADDR_LAN6"
expect "no link-local IPv6 published" lacks_text "fe80"
expect "exactly one AAAA (fe80 filtered)" has_count ANSWER 1

wait_until 10 has_answer "lanhost._ssh._tcp.$L" SRV "22 lanhost.$L"
expect "SSH: SRV" has_answer "lanhost._ssh._tcp.$L" SRV "IN SRV 0 0 22 lanhost.$L"
expect "SSH: host A" has_answer "lanhost.$L" A "IN A $ADDR_LAN4"
WEB='Web\032Server._http._tcp.'$L
wait_until 10 has_answer "$WEB" SRV "8080 lanhost.$L"
expect "HTTP: SRV" has_answer "$WEB" SRV "IN SRV 0 0 8080 lanhost.$L"
expect "HTTP: TXT" has_answer "$WEB" TXT '"path=/status"'

qn "_services._dns-sd._udp.$L" PTR
for t in _ipp._tcp _ssh._tcp _http._tcp; do
	expect "type enumeration lists $t" has_text "IN PTR $t.$L"
done
for p in b db lb; do
	expect "$p._dns-sd._udp lists the link" has_answer "$p._dns-sd._udp.$D" PTR "IN PTR $L"
done
# Every mirrored TTL is capped at 10 s.
ttl_ok() {
	qn +tcp "$1" "$2"
	awk -v n="$1" '$0 !~ /^;/ && NF >= 4 && $3 == "IN" && $2 > 10 {bad=1} END {exit bad}' \
		"$GW_TMP/last" && has_status NOERROR
}
expect "TTLs capped (printer SRV)" ttl_ok "$PRN" SRV
expect "TTLs capped (browse PTR)" ttl_ok "_ipp._tcp.$L" PTR
expect "TTLs capped (host AAAA)" ttl_ok "printer.$L" AAAA
expect "the apex SOA is the gateway's" has_answer "$D" SOA "IN SOA ns.$D"

# Unregistering (goodbye packets) removes the service.
pub unregister http
wait_until 15 lacks_answer "$WEB" SRV "8080"
expect "unregister: SRV gone" no_answer "$WEB" SRV
expect "unregister: NXDOMAIN for the instance" has_status NXDOMAIN
expect "unregister: browse PTR gone" lacks_answer "_http._tcp.$L" PTR "$WEB"
qn "_services._dns-sd._udp.$L" PTR
expect "unregister: type no longer enumerated" lacks_text "_http._tcp.$L"
expect "unregister: the others stay" has_answer "$PRN" SRV "631"

# Back again: the watches its goodbye ended are freed a moment later, with
# the others ended meanwhile (mdns/browse.c), and report nothing more; new
# ones find it again.
pub register http
wait_until 15 has_answer "$WEB" SRV "8080 lanhost.$L"
expect "registered again: SRV back" has_answer "$WEB" SRV "IN SRV 0 0 8080 lanhost.$L"
expect "registered again: browse PTR back" has_answer "_http._tcp.$L" PTR "IN PTR $WEB"
expect "registered again: TXT back" has_answer "$WEB" TXT '"path=/status"'
pub unregister http
wait_until 15 no_answer "$WEB" SRV
expect "unregistered again: SRV gone" no_answer "$WEB" SRV

# Restart: the saved state is served at once, reconciled after the warm-up.
# The file holds wire records behind a header (mdns/mirror_state.c).
wait_until 15 grep -qa "_ssh" "$GW_TMP/state/mirror.zone"
expect "state saved in the state directory" \
	grep -qaP '\x04_ipp\x04_tcp\x03lan\x05dnssd\x04test' "$GW_TMP/state/mirror.zone"
expect "state saved in the wire form" \
	test "$(head -c 8 "$GW_TMP/state/mirror.zone" | od -An -tx1 | tr -d ' ')" = 8947574d4952520a

gw_stop
pub unregister ssh # its goodbye goes unheard: the gateway is away
gw_start_ns "$cfg"
expect "restart: printer served before rediscovery" has_answer "$PRN" SRV "631 printer.$L"
expect "restart: departed SSH service still served during warm-up" \
	has_answer "lanhost._ssh._tcp.$L" SRV "22 lanhost.$L"
wait_until 15 no_answer "lanhost._ssh._tcp.$L" SRV
expect "restart: departed service removed after warm-up" no_answer "lanhost._ssh._tcp.$L" SRV
expect "restart: printer still there after reconcile" has_answer "$PRN" SRV "631 printer.$L"
expect "restart: printer address still there" has_answer "printer.$L" A "$ADDR_LAN4"
expect "restart: subtype PTR rediscovered" has_answer "_universal._sub._ipp._tcp.$L" PTR "IN PTR $PRN"

# The link goes down: records stay for the grace period, then go.
ip -n "$NS_GW" link set "$IF_GW" down
t0=$(date +%s)
sleep 1.5
expect "link down: still served within the grace period" has_answer "$PRN" SRV "631"
wait_until 15 no_answer "$PRN" SRV
t1=$(date +%s)
expect "link down: removed after the grace period" no_answer "$PRN" SRV
expect "link down: not before the grace period (4 s)" test $((t1 - t0)) -ge 3
expect "link down: enumeration gone too" lacks_answer "b._dns-sd._udp.$D" PTR "IN PTR $L"
expect "link down: logged" grep -q "down for 4.0 s, removing its records" "$GW_TMP/gateway.log"

# The link comes back: rediscovered.
relevant6() { grep -c "New relevant interface $IF_GW.IPv6" "$GW_TMP/gateway.log" || true; }
n6=$(relevant6)
ip -n "$NS_GW" link set "$IF_GW" up
wait_until 30 has_answer "$PRN" SRV "631 printer.$L"
expect "link back: printer rediscovered" has_answer "$PRN" SRV "IN SRV 0 0 631 printer.$L"
expect "link back: enumeration back" has_answer "b._dns-sd._udp.$D" PTR "IN PTR $L"
wait_until 10 has_answer "_print._sub._ipp._tcp.$L" PTR "IN PTR $PRN"
expect "link back: subtype rediscovered" has_answer "_print._sub._ipp._tcp.$L" PTR "IN PTR $PRN"
# IPv6 comes back later than IPv4 (the link-local address first passes
# duplicate address detection), and Avahi then queries every name again on
# it. python-zeroconf answers a record it multicast less than a second
# before only a second later (RFC 6762 section 14), and sends that answer
# even if the service was unregistered meanwhile: a goodbye sent in that
# window is undone by the answer that follows it, and the printer stays.
# That is the publisher's doing, not the gateway's (the last word on the
# link wins), so the goodbye below waits until IPv6 is back and those
# answers are out.
wait_until 15 test "$(relevant6)" -gt "$n6"
expect "link back: IPv6 back too" test "$(relevant6)" -gt "$n6"
sleep 2

# The printer changes in place (a new lease, a new port and TXT), its
# records announced again with the cache-flush bit and no goodbye: the
# new ones alone are served, and the instance answers throughout.
NEW4=192.0.2.77
(
	for _ in $(seq 1 60); do
		ip netns exec "$NS_GW" kdig @127.0.0.1 -p "$GW_PORT" +time=1 +retry=0 "$PRN" SRV \
			2>&1 | grep -o "status: [A-Z]*"
		sleep 0.1
	done
) >"$GW_TMP/watch" &
watch=$!
pub update "$NEW4" 632 Test Printer 2
moved() { # NAME TYPE NEW OLD: NEW is the one answer, OLD is gone
	qn "$1" "$2"
	has_text "$3" && lacks_text "$4" && has_count ANSWER 1
}
all_moved() {
	moved "printer.$L" A "IN A $NEW4" "$ADDR_LAN4" &&
		moved "$PRN" SRV "IN SRV 0 0 632 printer.$L" " 631 " &&
		moved "$PRN" TXT '"ty=Test Printer 2"' '"ty=Test Printer"'
}
wait_until 15 all_moved
expect "changed: the new address alone" moved "printer.$L" A "IN A $NEW4" "$ADDR_LAN4"
expect "changed: the new port alone" moved "$PRN" SRV "IN SRV 0 0 632 printer.$L" " 631 "
expect "changed: the new TXT alone" moved "$PRN" TXT '"ty=Test Printer 2"' '"ty=Test Printer"'
expect "changed: the TXT's other strings kept" has_text '"rp=ipp/print"'
expect "changed: the IPv6 address kept" has_answer "printer.$L" AAAA "IN AAAA $ADDR_LAN6"
expect "changed: still listed for browsing" has_answer "_ipp._tcp.$L" PTR "IN PTR $PRN"
wait "$watch"
expect "changed: the instance answered throughout ($(sort "$GW_TMP/watch" | uniq -c | tr -s ' \n' ' '))" \
	bash -c "grep -q 'status: NOERROR' '$GW_TMP/watch' && ! grep -qv 'status: NOERROR' '$GW_TMP/watch'"

pub unregister printer
wait_until 15 no_answer "$PRN" SRV
expect "printer unregistered: gone" no_answer "$PRN" SRV
expect "printer unregistered: subtype PTR gone" lacks_answer "_universal._sub._ipp._tcp.$L" PTR "$PRN"

gw_stop
expect "no leak or sanitizer report at shutdown" \
	bash -c "! grep -q 'Sanitizer' '$GW_TMP/gateway.log'"

gw_finish
