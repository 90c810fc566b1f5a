#!/usr/bin/env bash
# A live reload (SIGHUP) of the configuration, in network namespaces this
# test makes: the gateway starts with one link configured while services
# are published on two (python3-zeroconf, one LAN namespace each), and NSD
# (in the gateway's namespace) takes the signed zone. A reload that adds
# the second link, lowers mdns.limits.services-per-link, changes the TTL
# cap, the batch window and one TSIG key's secret, and edits the zone file:
# the same process goes on; the zone file's and the mirror's changes are
# one serial (one IXFR to NSD, one diff); the new link's services appear,
# one of its two held back by the limit; the old secret is refused, the new
# one accepted; the zone verifies. Then configurations with a syntax error
# and with a bad value: refused with FILE:LINE:COL in the log, nothing
# changes, the daemon answers; so is a device in the zone file's place
# and a FIFO in the configuration's.
# Then a new listen address: reported as
# taking a restart, the old address still serves.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/netns.sh"
for tool in nsd ldns-verify-zone; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (scripts/setup.sh)" >&2; exit 1; }
done

# ---- a second LAN, with its own publisher -------------------------------
NS_LAN2="gwlan2$$"
IF_LAN2="vm$$"
IF_GW2="vh$$"
LAN2_4=192.0.2.18
GW2_4=192.0.2.17
LAN2_6=2001:db8:2::18
GW2_6=2001:db8:2::17
PUB2_PID=""
NSD_PID=""
NS2_MADE=""
reload_cleanup() {
	if [ -n "$PUB2_PID" ]; then
		exec 8>&- 2>/dev/null || true
		kill "$PUB2_PID" 2>/dev/null || true
		wait "$PUB2_PID" 2>/dev/null || true
	fi
	if [ -n "$NSD_PID" ]; then
		kill "$NSD_PID" 2>/dev/null || true
		wait "$NSD_PID" 2>/dev/null || true
	fi
	[ -n "$NS2_MADE" ] && ip netns del "$NS_LAN2" 2>/dev/null || true
	ns_exit
}
trap reload_cleanup EXIT

ns_setup
ip netns add "$NS_LAN2" || ns_die "cannot create network namespace $NS_LAN2"
NS2_MADE=1
ip link add "$IF_LAN2" type veth peer name "$IF_GW2" || ns_die "cannot create a veth pair"
ip link set "$IF_LAN2" netns "$NS_LAN2"
ip link set "$IF_GW2" netns "$NS_GW"
ip -n "$NS_LAN2" link set lo up
ip -n "$NS_LAN2" addr add "$LAN2_4/28" dev "$IF_LAN2"
ip -n "$NS_LAN2" addr add "$LAN2_6/64" dev "$IF_LAN2" nodad
ip -n "$NS_GW" addr add "$GW2_4/28" dev "$IF_GW2"
ip -n "$NS_GW" addr add "$GW2_6/64" dev "$IF_GW2" nodad
ip -n "$NS_LAN2" link set "$IF_LAN2" up
ip -n "$NS_GW" link set "$IF_GW2" up
LL_LAN2=""
for _ in $(seq 1 100); do
	LL_LAN2=$(ip -n "$NS_LAN2" -6 addr show dev "$IF_LAN2" scope link |
		sed -n 's/.*inet6 \(fe80::[0-9a-f:]*\)\/.*/\1/p' | head -n 1)
	[ -n "$LL_LAN2" ] && ! ip -n "$NS_LAN2" -6 addr show dev "$IF_LAN2" | grep -q tentative && break
	sleep 0.1
done
[ -n "$LL_LAN2" ] || ns_die "no IPv6 link-local address on $IF_LAN2"

pub2() {
	echo "$*" >&8
	for _ in $(seq 1 300); do
		grep -qF -- "ok $*" "$GW_TMP/pub2.out" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$GW_TMP/pub2.err" >&2
	ns_die "second publisher: '$*' not done"
}

# ---- the gateway: one link, two TSIG keys, a zone file ------------------
D=dnssd.test.
L=lan.$D
W=wifi.$D
GWP=5300 # fixed ports: the namespace is the test's own
NSDP=5301
NEWP=5302
XFR=$(/usr/bin/python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
OPS1=$(/usr/bin/python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
OPS2=$(/usr/bin/python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
small_zone dnssd.test
# config NAME LINKS LIMIT OPS-SECRET EXTRA: a configuration (mode 0600: it
# holds secrets).
config() {
	local f
	f=$(gw_config "$1" "zone: {domain: $D, file: $GW_TMP/zone}
log: {level: debug}
tsig-keys:
  - {name: xfr, secret: \"$XFR\"}
  - {name: ops, secret: \"$4\"}
transfer:
  allow: [\"127.0.0.1 key xfr\", \"127.0.0.1 key ops\"]
  notify: [\"127.0.0.1@$NSDP key xfr\"]
links: [$2]
mdns: {warm-up: 3s, subtypes: [], $5 limits: {services-per-link: $3}}")
	sed -i "s|^listen: .*|listen: [\"127.0.0.1@$GWP\"]|" "$f"
	# The daemon re-reads it as the user it became after the start, and
	# started as root takes a configuration of root's only: the secrets
	# are shared with the daemon's group, mode 0640 (security.md).
	chmod 640 "$f"
	chown root:dnssd-gateway "$f"
	echo "$f"
}
LINK1="{interface: $IF_GW, subdomain: lan}"
LINK2="{interface: $IF_GW2, subdomain: wifi}"
cfg=$(config gw "$LINK1" 100 "$OPS1" "")
gw_start_ns "$cfg"
PID0=$GW_PID
wait_until 10 grep -q "link lan ($IF_GW) is up" "$GW_TMP/gateway.log"

pub_start
pub register printer
mkfifo "$GW_TMP/pub2.in"
ip netns exec "$NS_LAN2" /usr/bin/python3 "$GW_INTEGRATION_DIR/publish.py" \
	--iface "$IF_LAN2" --addr4 "$LAN2_4" --addr6 "$LAN2_6" --ll6 "$LL_LAN2" \
	<"$GW_TMP/pub2.in" >"$GW_TMP/pub2.out" 2>"$GW_TMP/pub2.err" &
PUB2_PID=$!
exec 8>"$GW_TMP/pub2.in"
for _ in $(seq 1 200); do
	grep -qx ready "$GW_TMP/pub2.out" 2>/dev/null && break
	sleep 0.1
done
grep -qx ready "$GW_TMP/pub2.out" || { cat "$GW_TMP/pub2.err" >&2; ns_die "second publisher did not start"; }
pub2 bench svcone
pub2 bench svctwo

PRN='B\195\188ro\032Drucker\\2._ipp._tcp.'$L
wait_until 20 has_answer "$PRN" SRV "631 printer.$L"
expect "before: the first link's printer is mirrored" has_answer "$PRN" SRV "IN SRV 0 0 631 printer.$L"
expect "before: the second link is not" no_answer "svcone._http._tcp.$W" SRV

# ---- NSD, a secondary in the gateway's namespace -------------------------
mkdir -p "$GW_TMP/nsd"
{
	nsd_server "$GW_TMP/nsd" "$NSDP"
	cat <<NSD
	verbosity: 2
	xfrd-reload-timeout: 0
remote-control:
	control-enable: no
key:
	name: xfr
	algorithm: hmac-sha256
	secret: "$XFR"
zone:
	name: $D
	request-xfr: 127.0.0.1@$GWP xfr
	allow-notify: 127.0.0.1 xfr
	provide-xfr: 127.0.0.1 NOKEY
NSD
} >"$GW_TMP/nsd/nsd.conf"
ip netns exec "$NS_GW" nsd -d -c "$GW_TMP/nsd/nsd.conf" >"$GW_TMP/nsd/stdout.log" 2>&1 &
NSD_PID=$!

serial_at() { # PORT
	ip netns exec "$NS_GW" kdig @127.0.0.1 -p "$1" +time=1 +retry=0 SOA $D +short 2>/dev/null |
		awk '{print $3}'
}
# settled: the gateway's serial has not moved for 2 s and NSD has it.
settled() {
	local a b
	a=$(serial_at $GWP)
	sleep 2
	b=$(serial_at $GWP)
	[ -n "$a" ] && [ "$a" = "$b" ] && [ "$(serial_at $NSDP)" = "$b" ]
}
wait_until 40 settled
s0=$(serial_at $GWP)
expect "NSD took the zone (serial $s0)" test "$(serial_at $NSDP)" = "$s0"
ixfr_before=$(grep -c "IXFR to 127.0.0.1@" "$GW_TMP/gateway.log" || true)

# ---- the reload ----------------------------------------------------------
echo 'reloaded 300 IN TXT "v2"' >>"$GW_TMP/zone"
# The batch window grows to 2 s: the new link's discoveries come as later
# commits, after NSD took the reload's.
cfg2=$(config gw2 "$LINK1, $LINK2" 1 "$OPS2" "ttl-cap: 8s, batch-window: 2s,")
cp "$cfg2" "$cfg"
kill -HUP "$GW_PID"
wait_until 10 grep -q "reload: applied" "$GW_TMP/gateway.log"
expect "reload: applied and logged" grep -q "reload: applied tsig-keys, links, mdns.ttl-cap, mdns.batch-window, mdns.limits.services-per-link" "$GW_TMP/gateway.log"
s1=$(sed -n 's/.*reload: applied .* at serial \([0-9]*\).*/\1/p' "$GW_TMP/gateway.log" | tail -n 1)
expect "reload: one serial for all of it ($s0 -> $s1)" test "$s1" = "$((s0 + 1))"
expect "reload: no restart (same PID)" test "$GW_PID" = "$PID0" -a -d "/proc/$PID0"
expect "reload: no key needs a restart" bash -c "! grep -q 'take a restart' '$GW_TMP/gateway.log'"
wait_until 10 grep -q "IXFR to 127.0.0.1@.* started: serial $s0 -> " "$GW_TMP/gateway.log"
expect "NSD got exactly one IXFR for the reload: $s0 -> $s1, 1 diff, TSIG xfr" \
	test "$(grep -c "IXFR to 127.0.0.1@.* started: serial $s0 -> $s1, 1 diffs, TSIG key xfr\." "$GW_TMP/gateway.log")" -eq 1
expect "... and no other transfer from $s0" \
	test "$(grep -c "IXFR to 127.0.0.1@.* started: serial $s0 -> " "$GW_TMP/gateway.log")" -eq 1
expect "no AXFR for the reload" bash -c "[ \$(grep -c 'AXFR to' '$GW_TMP/gateway.log') -eq 1 ]"
# The one diff holds the zone file's record and the mirror's new TTLs.
ip netns exec "$NS_GW" kdig @127.0.0.1 -p $GWP +time=3 IXFR=$s0 $D -y "hmac-sha256:ops:$OPS2" \
	+noall +answer >"$GW_TMP/ixfr" 2>&1 || true
# IXFR: the new SOA, then per diff the old SOA, what went, the new SOA,
# what came: the third SOA opens the additions of the diff to $s1.
awk '$4 == "SOA" {n++} n == 3' "$GW_TMP/ixfr" >"$GW_TMP/diff1"
expect "the IXFR's first diff leads to $s1" test "$(head -n 1 "$GW_TMP/diff1" | awk '{print $7}')" = "$s1"
expect "the diff to $s1 adds the zone file's new record" grep -q 'reloaded.dnssd.test.*TXT.*"v2"' "$GW_TMP/diff1"
expect "the diff to $s1 re-publishes the printer with the new TTL cap (8)" \
	bash -c "tr -s ' \t' ' ' <'$GW_TMP/diff1' | grep -q 'printer.lan.dnssd.test. 8 IN A'"
wait_until 10 test "$(serial_at $NSDP)" = "$s1" -o "$(serial_at $NSDP)" -gt "$s1"
expect "NSD serves the reload's serial or later" test "$(serial_at $NSDP)" -ge "$s1"

# The new link: discovered, its services under wifi, one held back.
wait_until 30 bash -c "grep -q 'link wifi ($IF_GW2) is up' '$GW_TMP/gateway.log'"
expect "the new link is up" grep -q "link wifi ($IF_GW2) is up" "$GW_TMP/gateway.log"
one_of_two() {
	local n=0
	has_answer "svcone._http._tcp.$W" SRV "80 benchhost.$W" && n=$((n + 1))
	has_answer "svctwo._http._tcp.$W" SRV "80 benchhost.$W" && n=$((n + 1))
	[ "$n" = 1 ]
}
wait_until 30 one_of_two
expect "the new link's services appear, one of two (services-per-link: 1)" one_of_two
expect "... the other held back, logged" grep -Eq "link wifi: refused service svc(one|two)._http._tcp.local.: 1 services per link at most" "$GW_TMP/gateway.log"
expect "the new link's host" has_answer "benchhost.$W" A "IN A $LAN2_4"
expect "the enumeration lists the new link" has_answer "b._dns-sd._udp.$D" PTR "IN PTR $W"
sleep 4 # past the warm-up of the restarted discovery
expect "the first link's printer stays (rediscovered), TTL 8" has_answer "$PRN" SRV "$PRN 8 IN SRV 0 0 631 printer.$L"

# TSIG: the old secret of ops is refused, the new one accepted.
xfr() { ip netns exec "$NS_GW" kdig @127.0.0.1 -p $GWP +time=3 +retry=0 "$@" >"$GW_TMP/last" 2>&1 || true; }
xfr AXFR $D -y "hmac-sha256:ops:$OPS1"
expect "AXFR with ops' old secret: BADSIG" has_text "replied with error 'BADSIG'"
xfr AXFR $D -y "hmac-sha256:ops:$OPS2" +noall +answer
expect "AXFR with ops' new secret: the zone" grep -q "SOA" "$GW_TMP/last"
sed '$d' "$GW_TMP/last" >"$GW_TMP/axfr.zone"
ldns-verify-zone "$GW_TMP/axfr.zone" >"$GW_TMP/verify" 2>&1 && rc=0 || rc=$?
expect "the zone after the reload passes ldns-verify-zone" test "$rc" -eq 0

# ---- broken configurations: refused, nothing changes ---------------------
refused_check() { # LABEL PATTERN
	local s_before s_after n
	s_before=$(serial_at $GWP)
	n=$(grep -c "reload refused" "$GW_TMP/gateway.log" || true)
	kill -HUP "$GW_PID"
	wait_until 10 bash -c "[ \$(grep -c 'reload refused' '$GW_TMP/gateway.log') -gt $n ]"
	expect "$1: refused" test "$(grep -c "reload refused" "$GW_TMP/gateway.log")" -gt "$n"
	expect "$1: the problem at FILE:LINE:COL" grep -Eq "$2" "$GW_TMP/gateway.log"
	s_after=$(serial_at $GWP)
	expect "$1: still answering, serial unchanged ($s_before)" test -n "$s_after" -a "$s_after" = "$s_before"
	expect "$1: same process" test -d "/proc/$PID0"
	expect "$1: the second link still mirrored" has_answer "b._dns-sd._udp.$D" PTR "IN PTR $W"
}
sleep 3 # the mirror's last batch is out
printf 'zone: {domain: %s\nlinks: [\n' "$D" >"$cfg"
refused_check "syntax error" "$cfg:[0-9]+:[0-9]+: "
cp "$cfg2" "$cfg"
sed -i 's/services-per-link: 1/services-per-link: 0/' "$cfg"
refused_check "bad value" "$cfg:[0-9]+:[0-9]+: mdns.limits.services-per-link: "
# A device in the zone file's place: refused at once (/dev/zero would be
# read until memory ran out).
cp "$cfg2" "$cfg"
mv "$GW_TMP/zone" "$GW_TMP/zone.kept"
ln -s /dev/zero "$GW_TMP/zone"
refused_check "/dev/zero as the zone file" "$GW_TMP/zone: not a regular file"
rm "$GW_TMP/zone"
mv "$GW_TMP/zone.kept" "$GW_TMP/zone"
# A FIFO in the configuration's place: refused (it is read on the loop,
# where a wait would stop every answer; a zone file's FIFO is read beside
# it, test_daemon).
mv "$cfg" "$cfg.kept" # its owner and mode, which the daemon's user reads
mkfifo "$cfg"
refused_check "a FIFO as the configuration" "reload refused: $cfg is not a regular file"
rm "$cfg"
mv "$cfg.kept" "$cfg"

# ---- a key that takes a restart ------------------------------------------
cp "$cfg2" "$cfg"
sed -i "s|^listen: .*|listen: [\"127.0.0.1@$NEWP\"]|" "$cfg"
kill -HUP "$GW_PID"
wait_until 10 grep -q "take a restart.*listen" "$GW_TMP/gateway.log"
expect "listen: reported as taking a restart" grep -q "reload: these keys take a restart, their running values stay: listen" "$GW_TMP/gateway.log"
expect "listen: the old address still serves" test -n "$(serial_at $GWP)"
expect "listen: the new one does not (yet)" test -z "$(serial_at $NEWP)"
expect "listen: same process" test -d "/proc/$PID0"

gw_stop
expect "no sanitizer report at shutdown" bash -c "! grep -q 'Sanitizer' '$GW_TMP/gateway.log'"
gw_finish
