#!/usr/bin/env bash
# More links than the kernel lets one socket join the mDNS group on
# (net.ipv4.igmp_max_memberships, 20 by default; per network namespace).
# Avahi reads every link through one IPv4 socket, so past the limit its
# joins fail: an IPv4-only device on those links was never mirrored,
# while the gateway said each link was up and mirrored, and Avahi's own
# line ("IP_ADD_MEMBERSHIP failed") names no link. The gateway must say
# it once, with the sysctl, when more links come up than the limit
# allows; not for each link, and not again for the same links.
#
# The limit is set to 2 in the gateway's own namespace; three links are
# up at the start, a fourth comes up later.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/netns.sh"

ns_setup
ip netns exec "$NS_GW" sysctl -qw net.ipv4.igmp_max_memberships=2 ||
	ns_die "cannot set net.ipv4.igmp_max_memberships in $NS_GW"

# link_add N: veth pair mlN (gateway) / mpN (LAN), up, with an IPv4
# address each from its own /30 of 192.0.2.64/26.
link_add() {
	local n=$1 base=$((64 + 4 * $1))
	ip -n "$NS_GW" link add "ml$n" type veth peer name "mp$n" netns "$NS_LAN" ||
		ns_die "cannot create the veth pair ml$n"
	ip -n "$NS_GW" addr add "192.0.2.$((base + 1))/30" dev "ml$n"
	ip -n "$NS_LAN" addr add "192.0.2.$((base + 2))/30" dev "mp$n"
	ip -n "$NS_LAN" link set "mp$n" up
	ip -n "$NS_GW" link set "ml$n" up
}
link_add 1
link_add 2

D=dnssd.test.
cfg=$(gw_config many "zone: {domain: $D}
dnssec: {enable: false}
mdns: {batch-window: 50ms, warm-up: 2s}")
gw_start_ns "$cfg"
LOG=$GW_TMP/gateway.log
limit_lines() { grep -c "more than the kernel lets one socket join" "$LOG"; }
for l in "$IF_GW" ml1 ml2; do
	wait_until 10 grep -q "link $l ($l) is up" "$LOG"
done
expect "three links up" test "$(grep -c ") is up: mirrored" "$LOG")" = 3
wait_until 5 grep -q "more than the kernel lets one socket join" "$LOG"
expect "the limit is said, with the links up and the sysctl as it is" \
	grep -q "mdns: 3 links are up, more than the kernel lets one socket join the mDNS group on (sysctl net.ipv4.igmp_max_memberships, now 2)" "$LOG"
expect "... and what to do" \
	grep -q "raise it (sysctl -w net.ipv4.igmp_max_memberships=512) and restart the daemon" "$LOG"
expect "... once" test "$(limit_lines)" = 1
expect "no line for each link" bash -c "! grep -q 'cannot listen to announcements on interface' '$LOG'"

# A fourth link later: more links than said, so said again.
link_add 3
wait_until 10 grep -q "link ml3 (ml3) is up" "$LOG"
wait_until 5 grep -q "mdns: 4 links are up, more than" "$LOG"
expect "a link more: said again, with four links" grep -q "mdns: 4 links are up, more than" "$LOG"

# The same link down and up again: nothing new to say.
ip -n "$NS_GW" link set ml3 down
wait_until 10 grep -q "link ml3 (ml3) is down" "$LOG"
ip -n "$NS_GW" link set ml3 up
wait_until 10 test "$(grep -c "link ml3 (ml3) is up" "$LOG")" = 2
sleep 1
expect "the same links again: not repeated" test "$(limit_lines)" = 2

# Within the limit, a restart says nothing of it.
gw_stop
ip netns exec "$NS_GW" sysctl -qw net.ipv4.igmp_max_memberships=20
: >"$LOG"
gw_start_ns "$cfg"
for l in "$IF_GW" ml1 ml2 ml3; do
	wait_until 10 grep -q "link $l ($l) is up" "$LOG"
done
sleep 1
expect "limit raised: four links up" test "$(grep -c ") is up: mirrored" "$LOG")" = 4
expect "limit raised: nothing said" test "$(limit_lines)" = 0
expect "Avahi joined every link" bash -c "! grep -q 'IP_ADD_MEMBERSHIP failed' '$LOG'"

gw_finish
