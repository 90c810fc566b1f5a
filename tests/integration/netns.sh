# shellcheck shell=bash
# Network namespaces for the mDNS tests, sourced after lib.sh: a LAN
# namespace where publish.py announces services, the gateway's namespace,
# and a veth pair between them. Addresses come from 192.0.2.0/24 and
# 2001:db8::/32 only; multicast never leaves the pair. Names carry the
# shell's PID so that parallel runs do not collide; everything is removed
# on exit. Not being able to create namespaces is a failure, never a skip.

NS_LAN="gwlan$$"
NS_GW="gwgw$$"
IF_LAN="vl$$"
IF_GW="vg$$"
ADDR_LAN4=192.0.2.12
ADDR_GW4=192.0.2.11
ADDR_LAN6=2001:db8::12
ADDR_GW6=2001:db8::11
PUB_PID=""
NS_MADE=""

ns_cleanup() {
	if [ -n "$PUB_PID" ]; then
		exec 7>&- 2>/dev/null || true
		kill "$PUB_PID" 2>/dev/null || true
		wait "$PUB_PID" 2>/dev/null || true
		PUB_PID=""
	fi
	gw_stop
	if [ -n "$NS_MADE" ]; then
		ip netns del "$NS_LAN" 2>/dev/null || true
		ip netns del "$NS_GW" 2>/dev/null || true
		NS_MADE=""
	fi
}

ns_exit() {
	ns_cleanup
	gw_cleanup
}
trap ns_exit EXIT

ns_die() {
	echo "FAIL: $*" >&2
	exit 1
}

# ns_setup: both namespaces, the veth pair, addresses, and the wait for
# IPv6 duplicate address detection (bounded).
ns_setup() {
	[ "$(id -u)" = 0 ] || ns_die "network namespaces need root (this test never skips)"
	command -v ip >/dev/null || ns_die "iproute2 (ip) is not installed"
	/usr/bin/python3 -c 'import zeroconf' 2>/dev/null ||
		ns_die "python3-zeroconf is not installed (run scripts/setup.sh)"
	ip netns add "$NS_LAN" || ns_die "cannot create network namespace $NS_LAN"
	NS_MADE=1
	ip netns add "$NS_GW" || ns_die "cannot create network namespace $NS_GW"
	ip link add "$IF_LAN" type veth peer name "$IF_GW" || ns_die "cannot create a veth pair"
	ip link set "$IF_LAN" netns "$NS_LAN" || ns_die "cannot move $IF_LAN"
	ip link set "$IF_GW" netns "$NS_GW" || ns_die "cannot move $IF_GW"
	local ns dev a4 a6
	for ns in "$NS_LAN" "$NS_GW"; do
		ip -n "$ns" link set lo up
	done
	for spec in "$NS_LAN $IF_LAN $ADDR_LAN4 $ADDR_LAN6" "$NS_GW $IF_GW $ADDR_GW4 $ADDR_GW6"; do
		read -r ns dev a4 a6 <<<"$spec"
		ip -n "$ns" addr add "$a4/24" dev "$dev"
		ip -n "$ns" addr add "$a6/64" dev "$dev" nodad
		ip -n "$ns" link set "$dev" up
	done
	for _ in $(seq 1 100); do
		if ! ip -n "$NS_LAN" -6 addr show dev "$IF_LAN" | grep -q tentative &&
			! ip -n "$NS_GW" -6 addr show dev "$IF_GW" | grep -q tentative &&
			ip -n "$NS_LAN" -6 addr show dev "$IF_LAN" scope link | grep -q fe80; then
			break
		fi
		sleep 0.1
	done
	LL_LAN=$(ip -n "$NS_LAN" -6 addr show dev "$IF_LAN" scope link |
		sed -n 's/.*inet6 \(fe80::[0-9a-f:]*\)\/.*/\1/p' | head -n 1)
	[ -n "$LL_LAN" ] || ns_die "no IPv6 link-local address on $IF_LAN"
}

# gw_start_ns CONFIG: gw_start, inside the gateway's namespace, with mDNS on.
gw_start_ns() {
	local cfg=$1
	rm -f "$GW_TMP/ports"
	ip netns exec "$NS_GW" "$GW_BIN" -c "$cfg" \
		>>"$GW_TMP/gateway.log" 2>&1 &
	# shellcheck disable=SC2034 # lib.sh's gw_wait_ports, gw_stop and gw_finish use it
	GW_PID=$!
	gw_wait_ports || { cat "$GW_TMP/gateway.log" >&2; ns_die "no ports file after ${GW_START_WAIT:-10} s"; }
	GW_PORT=$(awk '$1 == "udp" && $2 == "127.0.0.1" {print $3; exit}' "$GW_TMP/ports")
	[ -n "$GW_PORT" ] || ns_die "no udp 127.0.0.1 line in the ports file"
}

# metric_ns PORT PATTERN: the value of the metric whose line matches the
# awk PATTERN, scraped from the metrics listener on 127.0.0.1@PORT inside
# the gateway's namespace.
metric_ns() {
	ip netns exec "$NS_GW" /usr/bin/python3 -c "import urllib.request,sys
sys.stdout.buffer.write(urllib.request.urlopen('http://127.0.0.1:$1/metrics', timeout=5).read())" |
		awk "$2 {print \$2}"
}

# qn ARGS...: kdig against the gateway, from inside its namespace.
qn() {
	ip netns exec "$NS_GW" kdig @127.0.0.1 -p "$GW_PORT" +time=2 +retry=1 "$@" \
		>"$GW_TMP/last" 2>&1 || true
}

# pub_start: publish.py in the LAN namespace, commands through fd 7.
pub_start() {
	mkfifo "$GW_TMP/pub.in"
	ip netns exec "$NS_LAN" /usr/bin/python3 "$GW_INTEGRATION_DIR/publish.py" \
		--iface "$IF_LAN" --addr4 "$ADDR_LAN4" --addr6 "$ADDR_LAN6" --ll6 "$LL_LAN" \
		<"$GW_TMP/pub.in" >"$GW_TMP/pub.out" 2>"$GW_TMP/pub.err" &
	PUB_PID=$!
	exec 7>"$GW_TMP/pub.in"
	pub_wait "ready" 20 || { cat "$GW_TMP/pub.err" >&2; ns_die "publisher did not start"; }
}

# printer_served DOMAIN: after gw_start_ns with the link lan, waits
# (bounded) for it to be up, starts the publisher, registers the printer
# and waits (bounded) for its SRV under lan.DOMAIN; PRN is its instance.
printer_served() {
	wait_until 10 grep -q "link lan ($IF_GW) is up" "$GW_TMP/gateway.log"
	pub_start
	pub register printer
	PRN='B\195\188ro\032Drucker\\2._ipp._tcp.lan.'$1
	wait_until 20 has_answer "$PRN" SRV "631 printer.lan.$1"
}

# pub_wait TEXT SECONDS: until a line of the publisher's output is TEXT.
pub_wait() {
	local i
	for i in $(seq 1 $(($2 * 10))); do
		grep -qxF -- "$1" "$GW_TMP/pub.out" 2>/dev/null && return 0
		if grep -q "^error" "$GW_TMP/pub.out" 2>/dev/null; then
			cat "$GW_TMP/pub.out" "$GW_TMP/pub.err" >&2
			return 1
		fi
		sleep 0.1
	done
	return 1
}

# pub CMD...: send a command and wait (bounded) for its "ok".
pub() {
	echo "$*" >&7
	pub_wait "ok $*" 30 || {
		cat "$GW_TMP/pub.err" >&2
		ns_die "publisher: '$*' not done"
	}
}

# wait_until SECONDS CMD...: poll CMD every 0.2 s until it succeeds or the
# deadline passes; the expect that follows judges the outcome.
wait_until() {
	local deadline=$(($(date +%s) + $1))
	shift
	while [ "$(date +%s)" -lt "$deadline" ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 0
}

# has_answer NAME TYPE TEXT: kdig in the namespace shows TEXT for NAME TYPE.
has_answer() {
	qn "$1" "$2"
	has_text "$3"
}

# no_answer NAME TYPE: a clean negative answer (NOERROR/NODATA or NXDOMAIN).
no_answer() {
	qn "$1" "$2"
	{ has_status NOERROR || has_status NXDOMAIN; } && has_count ANSWER 0
}

# lacks_answer NAME TYPE TEXT: answered, without TEXT in the reply.
lacks_answer() {
	qn "$1" "$2"
	{ has_status NOERROR || has_status NXDOMAIN; } && lacks_text "$3"
}
