#!/usr/bin/env bash
# Issue 16, finding 1: a device on the link must not plant names that
# change DNS meaning once mirrored. An instance named "*" would become the
# wildcard *._http._tcp.<link>.<zone> (RFC 4592): every absent instance of
# the type would get a synthesized, signed SRV to the attacker's host. A
# host "*" would do the same for every absent host. Also refused: "*"
# inside a host name, an instance "_sub", a host on a service type, a
# control character in an instance name. The canary and a normal service
# on the same link are still published, and the log says why.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/netns.sh"
source "$GW_INTEGRATION_DIR/craft.sh"

ns_setup
D=dnssd.test.
L=lan.$D
cfg=$(gw_config wildcard "zone: {domain: $D}
dnssec: {enable: true}
links: [{interface: $IF_GW, subdomain: lan}]
mdns: {batch-window: 50ms}")
gw_start_ns "$cfg"
wait_until 10 grep -q "link lan ($IF_GW) is up" "$GW_TMP/gateway.log"

pub_start
pub register http
craft wild "$ADDR_LAN4" wildcard

WEB='Web\032Server._http._tcp.'$L
wait_until 20 has_answer "canary._http._tcp.$L" SRV "80 crafthost.$L"
expect "the canary from the crafted packets is published" \
	has_answer "canary._http._tcp.$L" SRV "80 crafthost.$L"
wait_until 10 has_answer "$WEB" SRV "8080 lanhost.$L"
expect "a normal service on the link is published" has_answer "$WEB" SRV "8080 lanhost.$L"

qn +dnssec "*._http._tcp.$L" SRV
expect "the * instance is not in the zone (NXDOMAIN)" has_status NXDOMAIN
expect "no SRV at the * instance" has_count ANSWER 0
qn +dnssec "nosuch._http._tcp.$L" SRV
expect "an absent instance is NXDOMAIN, not a synthesized SRV" has_status NXDOMAIN
expect "no SRV synthesized for an absent instance" has_count ANSWER 0
expect "nothing points at the attacker's host" lacks_text "attacker.$L"
qn "_http._tcp.$L" PTR
expect "the browse PTR does not list the * instance" lacks_text "IN PTR *._http"
expect "the browse PTR lists the canary" has_text "IN PTR canary._http._tcp.$L"

qn "nosuchhost.$L" A
expect "an absent host is NXDOMAIN (no * host)" has_status NXDOMAIN
qn "x.nosuch.$L" A
expect "no empty non-terminal wildcard from a.*" has_status NXDOMAIN
expect "the service on host * is not published" no_answer "starhost._http._tcp.$L" SRV
expect "the service on host a.* is not published" no_answer "deephost._http._tcp.$L" SRV
expect "the instance _sub is not published" no_answer "_sub._http._tcp.$L" SRV
expect "the service on a host named like a type is not published" \
	no_answer "typehost._http._tcp.$L" SRV
qn "_ipp._tcp.$L" A
expect "no A record at a service type" has_count ANSWER 0
expect "the instance with a control character is not published" \
	no_answer 'bad\001inst._http._tcp.'$L SRV

ip netns exec "$NS_GW" kdig @127.0.0.1 -p "$GW_PORT" +time=5 AXFR "$D" +noall +answer \
	>"$GW_TMP/axfr.txt" 2>&1 || true
cp "$GW_TMP/axfr.txt" "$GW_TMP/last"
expect "the AXFR is complete" bash -c "awk '\$4 == \"SOA\"' '$GW_TMP/axfr.txt' | wc -l | grep -qx 2"
expect "no * label anywhere in the AXFR" bash -c "! grep -Eq '(^|[.])[*][.]' '$GW_TMP/axfr.txt'"
expect "the AXFR holds the canary" grep -q "^canary._http._tcp.$L" "$GW_TMP/axfr.txt"

expect "the log says why the * instance was refused" \
	grep -q 'refused service \*._http._tcp.local.: a "\*" label would make a wildcard' \
	"$GW_TMP/gateway.log"

# One line per kind and minute: the * hosts after the * instance are
# counted, and the count is told at the latest at shutdown.
gw_stop
expect "the later * names are counted as such in the log" \
	grep -Eq 'link lan: [0-9]+ more names \(a "\*" label\) refused' "$GW_TMP/gateway.log"
expect "no leak or sanitizer report at shutdown" \
	bash -c "! grep -q 'Sanitizer' '$GW_TMP/gateway.log'"
gw_finish
