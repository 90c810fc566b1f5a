# shellcheck shell=bash
# The end-to-end topology: two LANs with mDNS publishers that are not
# ours, the gateway between them and a remote network, and in the remote
# network a validating Unbound and real DNS-SD clients.
#
#   lan1 ns                  gw ns                      remote ns
#   eth0 192.0.2.2  ----  lan1 192.0.2.1
#   2001:db8:0:1::2       2001:db8:0:1::1
#                         wan  192.0.2.33     ----   eth0 192.0.2.34
#   lan2 ns (a bridge)    2001:db8:0:3::1            2001:db8:0:3::2
#   br0 192.0.2.18  ----  lan2 192.0.2.17            Unbound on 127.0.0.1@53
#   2001:db8:0:2::2       2001:db8:0:2::1            avahi-daemon (wide-area)
#    `-- av0 ---- lan2av ns: eth0 192.0.2.19, 2001:db8:0:2::3
#                 (avahi-daemon + avahi-publish)
#
# lan1 and lan2 run tests/integration/publish.py (python3-zeroconf); lan2av
# is a second host on lan2 with Avahi as its mDNS responder. Every link is
# a veth pair created directly inside the namespaces (never in the
# machine's own namespace), with addresses from 192.0.2.0/24 (one /28 per
# link) and 2001:db8::/32 (one /64 per link), IPv6 without duplicate
# address detection. Multicast never leaves the namespaces.
#
# Used by the end-to-end tests (after lib.sh) and by scripts/demo.sh
# (alone), so it needs nothing from lib.sh. Before topo_setup set:
#   GW_BIN     the dnssd-gateway binary
#   TOPO_DIR   a directory for configurations, logs and sockets
#   TOPO_NAME  a prefix for the namespace names (tests add $$ to it)
# Not being able to build the topology is a failure, never a skip.

TOPO_INTEGRATION_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOPO_PIDS=()
TOPO_NSES=()
TOPO_GW_PID=""

# Addresses, one /28 and one /64 per link.
TOPO_GW_LAN1_4=192.0.2.1
TOPO_LAN1_4=192.0.2.2
TOPO_GW_LAN1_6=2001:db8:0:1::1
TOPO_LAN1_6=2001:db8:0:1::2
TOPO_GW_LAN2_4=192.0.2.17
TOPO_LAN2_4=192.0.2.18
TOPO_AV_4=192.0.2.19
TOPO_GW_LAN2_6=2001:db8:0:2::1
TOPO_LAN2_6=2001:db8:0:2::2
TOPO_AV_6=2001:db8:0:2::3
TOPO_GW_WAN_4=192.0.2.33
TOPO_REMOTE_4=192.0.2.34
TOPO_GW_WAN_6=2001:db8:0:3::1
TOPO_REMOTE_6=2001:db8:0:3::2

topo_die() {
	echo "FAIL: $*" >&2
	exit 1
}

# topo_wait SECONDS CMD...: poll CMD every 0.1 s until it succeeds; 1 when
# the deadline passes.
topo_wait() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# topo_bg NS LOG CMD...: CMD in namespace NS, in the background, output
# appended to LOG; its PID is in TOPO_BG_PID and is stopped at cleanup.
topo_bg() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >>"$log" 2>&1 &
	TOPO_BG_PID=$!
	TOPO_PIDS+=("$TOPO_BG_PID")
}

# topo_kill PID...: TERM, then KILL after 5 s, and reap.
topo_kill() {
	local p live
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null || true
	for _ in $(seq 1 50); do
		live=""
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null && live=1
		done
		[ -n "$live" ] || break
		sleep 0.1
	done
	kill -KILL "$@" 2>/dev/null || true
	for p in "$@"; do
		wait "$p" 2>/dev/null || true
	done
}

# topo_cleanup: stop every process started here (and any other process
# left inside the namespaces this run made), then remove the namespaces.
topo_cleanup() {
	local ns pids=()
	for fd in ${TOPO_PUB_FDS:-}; do
		eval "exec $fd>&-" 2>/dev/null || true
	done
	TOPO_PUB_FDS=""
	if [ -n "$TOPO_GW_PID" ]; then
		topo_kill "$TOPO_GW_PID"
		TOPO_GW_PID=""
	fi
	pids=("${TOPO_PIDS[@]}")
	for ns in "${TOPO_NSES[@]}"; do
		# shellcheck disable=SC2207
		pids+=($(ip netns pids "$ns" 2>/dev/null || true))
	done
	topo_kill "${pids[@]}"
	TOPO_PIDS=()
	for ns in "${TOPO_NSES[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	TOPO_NSES=()
}

topo_ns_add() { # NS
	ip netns add "$1" || topo_die "cannot create network namespace $1"
	TOPO_NSES+=("$1")
	ip -n "$1" link set lo up || topo_die "cannot bring lo up in $1"
	# No duplicate address detection in these namespaces: link-local
	# addresses are usable at once (no 1-2 s of "tentative").
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 >/dev/null ||
		topo_die "cannot set accept_dad in $1"
}

topo_veth() { # NS1 IF1 NS2 IF2: a veth pair made directly in the namespaces
	ip link add name "$2" netns "$1" type veth peer name "$4" netns "$3" ||
		topo_die "cannot create the veth pair $1/$2 - $3/$4"
}

topo_addr() { # NS IF ADDR4 ADDR6
	ip -n "$1" addr add "$3/28" dev "$2" || topo_die "cannot add $3 to $1/$2"
	ip -n "$1" addr add "$4/64" dev "$2" nodad || topo_die "cannot add $4 to $1/$2"
	ip -n "$1" link set "$2" up || topo_die "cannot bring $1/$2 up"
}

topo_exit() {
	topo_cleanup
	if declare -F gw_cleanup >/dev/null; then
		gw_cleanup
	fi
}

# topo_ll NS IF: the interface's IPv6 link-local address.
topo_ll() {
	ip -n "$1" -6 addr show dev "$2" scope link |
		sed -n 's/.*inet6 \(fe80::[0-9a-f:]*\)\/.*/\1/p' | head -n 1
}

topo_ready() { # every interface has its link-local address, none tentative
	local spec ns dev
	for spec in "$NS_LAN1 eth0" "$NS_LAN2 br0" "$NS_AV eth0" "$NS_GW lan1" "$NS_GW lan2" \
		"$NS_GW wan" "$NS_REMOTE eth0"; do
		read -r ns dev <<<"$spec"
		[ -n "$(topo_ll "$ns" "$dev")" ] || return 1
		! ip -n "$ns" addr show dev "$dev" | grep -q tentative || return 1
	done
}

# topo_namespaces: the five namespaces (NS_LAN1, NS_LAN2, NS_AV, NS_GW,
# NS_REMOTE, named after TOPO_NAME), once python3-zeroconf is found;
# installs the cleanup on exit. The caller has checked that it is root.
topo_namespaces() {
	/usr/bin/python3 -c 'import zeroconf' 2>/dev/null ||
		topo_die "python3-zeroconf is not installed (run scripts/setup.sh)"
	NS_LAN1=$TOPO_NAME-lan1
	NS_LAN2=$TOPO_NAME-lan2
	NS_AV=$TOPO_NAME-lan2av
	NS_GW=$TOPO_NAME-gw
	NS_REMOTE=$TOPO_NAME-remote
	trap topo_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	local ns
	for ns in "$NS_LAN1" "$NS_LAN2" "$NS_AV" "$NS_GW" "$NS_REMOTE"; do
		topo_ns_add "$ns"
	done
}

# topo_cables GW_LAN1 GW_LAN2: the cables between the namespaces, the
# gateway's ends of the two LANs' named GW_LAN1 and GW_LAN2 (its end of
# the remote's: wan), and the bridge br0 of lan2.
topo_cables() {
	topo_veth "$NS_GW" "$1" "$NS_LAN1" eth0
	topo_veth "$NS_GW" "$2" "$NS_LAN2" eth0
	topo_veth "$NS_LAN2" av0 "$NS_AV" eth0
	topo_veth "$NS_GW" wan "$NS_REMOTE" eth0
	# lan2 is a small switched LAN: a bridge joins the gateway's cable and
	# the Avahi host's; snooping off, so multicast is flooded without a
	# querier.
	ip -n "$NS_LAN2" link add br0 type bridge mcast_snooping 0 forward_delay 0 ||
		topo_die "cannot create the bridge in $NS_LAN2"
	ip -n "$NS_LAN2" link set eth0 master br0
	ip -n "$NS_LAN2" link set av0 master br0
	ip -n "$NS_LAN2" link set eth0 up
	ip -n "$NS_LAN2" link set av0 up
}

# topo_setup: the five namespaces, the links, the addresses; installs the
# cleanup on exit.
topo_setup() {
	: "${TOPO_DIR:?TOPO_DIR must name a work directory}"
	: "${TOPO_NAME:?TOPO_NAME must give the namespaces a prefix}"
	[ "$(id -u)" = 0 ] || topo_die "network namespaces need root (this test never skips)"
	local tool
	for tool in ip unshare mount sysctl; do
		command -v "$tool" >/dev/null || topo_die "$tool is not installed (scripts/setup.sh)"
	done
	topo_namespaces
	topo_cables lan1 lan2
	topo_addr "$NS_GW" lan1 "$TOPO_GW_LAN1_4" "$TOPO_GW_LAN1_6"
	topo_addr "$NS_GW" lan2 "$TOPO_GW_LAN2_4" "$TOPO_GW_LAN2_6"
	topo_addr "$NS_GW" wan "$TOPO_GW_WAN_4" "$TOPO_GW_WAN_6"
	topo_addr "$NS_LAN1" eth0 "$TOPO_LAN1_4" "$TOPO_LAN1_6"
	topo_addr "$NS_LAN2" br0 "$TOPO_LAN2_4" "$TOPO_LAN2_6"
	topo_addr "$NS_AV" eth0 "$TOPO_AV_4" "$TOPO_AV_6"
	topo_addr "$NS_REMOTE" eth0 "$TOPO_REMOTE_4" "$TOPO_REMOTE_6"
	topo_wait 10 topo_ready || {
		ip -all netns exec ip addr >&2 || true
		topo_die "interfaces not ready after 10 s"
	}
}

# ---- the gateway --------------------------------------------------------

# topo_gw_config DOMAIN EXTRA-YAML: the gateway's configuration for this
# topology (two links, listening on the remote side and on 127.0.0.1,
# port 53 of its own namespace, signing on by default); prints the path.
topo_gw_config() {
	local domain=$1 extra=${2:-}
	# Apart, in a directory of root's (lib.sh): the daemon, started as root,
	# refuses a configuration its user could change.
	local f="$GW_ETC/gateway.yaml"
	mkdir -p "$TOPO_DIR/state"
	cat >"$f" <<YAML
zone: {domain: $domain}
listen: ["$TOPO_GW_WAN_4@53", "[$TOPO_GW_WAN_6]@53", "127.0.0.1@53"]
ports-file: $TOPO_DIR/ports
state-dir: $TOPO_DIR/state
control: {socket: $TOPO_DIR/control.sock}
links:
  - {interface: lan1, subdomain: lan1}
  - {interface: lan2, subdomain: lan2}
$extra
YAML
	echo "$f"
}

# topo_gw_start CONFIG: dnssd-gateway in the gw namespace; waits (bounded)
# for its ports file and for both links (interfaces lan1 and lan2) to be
# up. Sets GW_PID too, so that lib.sh's gw_stop and gw_finish see it.
topo_gw_start() {
	local cfg=$1 log="$TOPO_DIR/gateway.log"
	rm -f "$TOPO_DIR/ports"
	ip netns exec "$NS_GW" "$GW_BIN" -c "$cfg" >>"$log" 2>&1 &
	TOPO_GW_PID=$!
	# shellcheck disable=SC2034 # lib.sh's gw_stop and gw_finish use it
	GW_PID=$TOPO_GW_PID
	topo_wait 15 test -s "$TOPO_DIR/ports" || {
		cat "$log" >&2
		topo_die "dnssd-gateway wrote no ports file within 15 s"
	}
	kill -0 "$TOPO_GW_PID" 2>/dev/null || {
		cat "$log" >&2
		topo_die "dnssd-gateway exited at start"
	}
	# "link SUBDOMAIN (INTERFACE) is up": any subdomain.
	if ! topo_wait 15 grep -q "link .* (lan1) is up" "$log" ||
		! topo_wait 15 grep -q "link .* (lan2) is up" "$log"; then
		cat "$log" >&2
		topo_die "the gateway did not see both links up within 15 s"
	fi
	# The one-zone form keeps its trust anchor at the top of the state
	# directory; the zones: form one per zone, which the test checks.
	if ! grep -q '^zones:' "$cfg" &&
		{ [ ! -s "$TOPO_DIR/state/trust-anchor.ds" ] || [ ! -s "$TOPO_DIR/state/trust-anchor.conf" ]; }; then
		cat "$log" >&2
		topo_die "the gateway wrote no trust anchor files in $TOPO_DIR/state"
	fi
}

# ---- publishers: python3-zeroconf (publish.py) in lan1 and lan2 --------

TOPO_PUB_FDS=""

# topo_pub_start N [SCRIPT ARGS...]: publish.py in lanN, commands through a
# FIFO; or SCRIPT (a publisher that speaks the same way: "ready", then
# "ok CMD ..." for each command), given --iface, --addr4, --addr6 and ARGS.
topo_pub_start() {
	local n=$1 ns iface a4 a6 fd
	shift
	case $n in
	1) ns=$NS_LAN1 iface=eth0 a4=$TOPO_LAN1_4 a6=$TOPO_LAN1_6 ;;
	2) ns=$NS_LAN2 iface=br0 a4=$TOPO_LAN2_4 a6=$TOPO_LAN2_6 ;;
	*) topo_die "no lan$n" ;;
	esac
	if [ $# -eq 0 ]; then
		set -- "$TOPO_INTEGRATION_DIR/publish.py" --ll6 "$(topo_ll "$ns" "$iface")"
	fi
	local script=$1
	shift
	rm -f "$TOPO_DIR/pub$n.in" "$TOPO_DIR/pub$n.out"
	mkfifo "$TOPO_DIR/pub$n.in"
	: >"$TOPO_DIR/pub$n.out"
	ip netns exec "$ns" /usr/bin/python3 "$script" --iface "$iface" --addr4 "$a4" --addr6 "$a6" "$@" \
		<"$TOPO_DIR/pub$n.in" >"$TOPO_DIR/pub$n.out" 2>"$TOPO_DIR/pub$n.err" &
	TOPO_PIDS+=($!)
	exec {fd}>"$TOPO_DIR/pub$n.in"
	printf -v "TOPO_PUB${n}_FD" %s "$fd"
	TOPO_PUB_FDS="$TOPO_PUB_FDS $fd"
	topo_wait 20 grep -qx ready "$TOPO_DIR/pub$n.out" || {
		cat "$TOPO_DIR/pub$n.err" >&2
		topo_die "publisher in lan$n did not start"
	}
}

# topo_pub N CMD...: send a command to lanN's publisher and wait (bounded)
# for its "ok" line ("ok CMD", or "ok CMD T" for bench).
topo_pub() {
	local n=$1
	shift
	topo_pub_send "$n" "$@"
	topo_pub_wait "$n" 30
}
# topo_pub_send N CMD...: send a command without waiting, so that several
# publishers work at once; topo_pub_wait N SECONDS then waits (bounded)
# for its "ok" line.
topo_pub_send() {
	local n=$1
	shift
	local fdvar="TOPO_PUB${n}_FD" before
	before=$(grep -c -e "^ok $*\$" -e "^ok $* " "$TOPO_DIR/pub$n.out" || true)
	printf -v "TOPO_PUB${n}_CMD" %s "$*"
	printf -v "TOPO_PUB${n}_BEFORE" %s "${before:-0}"
	echo "$*" >&"${!fdvar}"
}
topo_pub_wait() {
	local n=$1 out="$TOPO_DIR/pub$1.out" cmd="TOPO_PUB${1}_CMD" before="TOPO_PUB${1}_BEFORE"
	topo_wait "$2" topo_pub_done "$out" "${!cmd}" "${!before}" || {
		cat "$out" "$TOPO_DIR/pub$n.err" >&2
		topo_die "publisher in lan$n: '${!cmd}' not done"
	}
}
topo_pub_done() { # OUT CMD COUNT-BEFORE
	[ -e "$1" ] || topo_die "the publisher's output $1 is gone"
	if grep -q "^error $2" "$1"; then
		cat "$1" >&2
		topo_die "publisher: $(grep "^error $2" "$1" | tail -n 1)"
	fi
	local now
	now=$(grep -c -e "^ok $2\$" -e "^ok $2 " "$1" || true)
	[ "${now:-0}" -gt "$3" ]
}

# ---- Avahi: a private D-Bus and avahi-daemon in a namespace -------------

# topo_avahi_start NS NAME IFACE ROLE [EXTRA]: a private system bus (its socket in
# $TOPO_DIR/avahi-NAME/bus) and avahi-daemon on IFACE in NS. ROLE is
# "publisher" (host name NAME, answers mDNS) or "client" (publishes
# nothing; wide-area browsing through the resolver 127.0.0.1, the remote
# namespace's Unbound). avahi-daemon runs in a mount namespace of its own
# with a private /run (its PID file and socket are fixed paths, so several
# instances and the machine's own daemon cannot share them), an empty
# /etc/avahi/services and /etc/avahi/hosts, and our resolv.conf over
# /etc/resolv.conf: nothing of the machine's is read or changed. EXTRA,
# if given, is appended to its avahi-daemon.conf.
# Sets TOPO_BUS (the bus address, for DBUS_SYSTEM_BUS_ADDRESS).
topo_avahi_start() {
	local ns=$1 name=$2 iface=$3 role=$4 extra=${5:-}
	local dir="$TOPO_DIR/avahi-$name" publish wide
	command -v avahi-daemon >/dev/null || topo_die "avahi-daemon is not installed (scripts/setup.sh)"
	command -v dbus-daemon >/dev/null || topo_die "dbus-daemon is not installed (scripts/setup.sh)"
	mkdir -p "$dir"
	rm -f "$dir/bus"
	cat >"$dir/bus.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
XML
	topo_bg "$ns" "$dir/bus.log" dbus-daemon --nofork --nopidfile --nosyslog \
		--config-file="$dir/bus.conf"
	topo_wait 10 test -S "$dir/bus" || {
		cat "$dir/bus.log" >&2
		topo_die "private D-Bus for $name did not start"
	}
	TOPO_BUS="unix:path=$dir/bus"
	if [ "$role" = client ]; then
		publish="disable-publishing=yes"
		wide="enable-wide-area=yes"
	else
		publish="disable-publishing=no"
		wide="enable-wide-area=no"
	fi
	cat >"$dir/avahi-daemon.conf" <<CONF
[server]
host-name=$name
use-ipv4=yes
use-ipv6=yes
allow-interfaces=$iface
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000

[wide-area]
$wide

[publish]
$publish
publish-hinfo=no
publish-workstation=no
publish-addresses=yes
publish-aaaa-on-ipv4=yes

[reflector]
enable-reflector=no

$extra
CONF
	echo "nameserver 127.0.0.1" >"$dir/resolv.conf"
	: >"$dir/empty"
	mkdir -p "$dir/empty.d"
	# shellcheck disable=SC2016
	topo_bg "$ns" "$dir/avahi.log" env DBUS_SYSTEM_BUS_ADDRESS="$TOPO_BUS" \
		unshare --mount --propagation private sh -ec '
			resolv=$(readlink -f /etc/resolv.conf)
			mount -t tmpfs -o mode=0755 gw-avahi-run /run
			mkdir -p "$(dirname "$resolv")"
			[ -e "$resolv" ] || : >"$resolv"
			mount --bind "$1/resolv.conf" "$resolv"
			if [ -d /etc/avahi/services ]; then mount --bind "$1/empty.d" /etc/avahi/services; fi
			if [ -f /etc/avahi/hosts ]; then mount --bind "$1/empty" /etc/avahi/hosts; fi
			exec avahi-daemon --no-drop-root --no-chroot --no-rlimits --no-proc-title \
				-f "$1/avahi-daemon.conf"' sh "$dir"
	topo_wait 15 grep -q "Server startup complete" "$dir/avahi.log" || {
		cat "$dir/avahi.log" >&2
		topo_die "avahi-daemon ($name) did not start within 15 s"
	}
}

# topo_avahi_publish NAME-OF-DAEMON LOG ARGS...: avahi-publish through that
# daemon's bus, in the background, until killed (a kill sends the
# goodbye); waits (bounded) until the service is established. Sets
# TOPO_BG_PID.
topo_avahi_publish() {
	local name=$1 log=$2
	shift 2
	local bus="unix:path=$TOPO_DIR/avahi-$name/bus"
	: >"$log"
	topo_bg "$NS_AV" "$log" env DBUS_SYSTEM_BUS_ADDRESS="$bus" avahi-publish "$@"
	topo_wait 15 grep -q "Established under name" "$log" || {
		cat "$log" >&2
		topo_die "avahi-publish $* not established within 15 s"
	}
}

# ---- Unbound in the remote namespace ------------------------------------

# topo_unbound_start NAME PORT DOMAIN ANCHOR-FILE [EXTRA]: a validating
# Unbound in the remote namespace on 127.0.0.1@PORT and [::1]@PORT, with a
# stub zone for DOMAIN to the gateway (both address families) and the
# gateway's DS as trust anchor. EXTRA lines go into the server: clause.
topo_unbound_start() {
	local name=$1 port=$2 domain=$3 anchor=$4 extra=${5:-}
	local dir="$TOPO_DIR/unbound-$name"
	command -v unbound >/dev/null || topo_die "unbound is not installed (scripts/setup.sh)"
	mkdir -p "$dir"
	cp "$anchor" "$dir/anchor.ds"
	cat >"$dir/unbound.conf" <<UB
server:
	interface: 127.0.0.1
	interface: ::1
	port: $port
	do-ip6: yes
	username: ""
	chroot: ""
	directory: "$dir"
	pidfile: "$dir/unbound.pid"
	use-syslog: no
	logfile: "$dir/unbound.log"
	verbosity: 1
	val-log-level: 2
	module-config: "validator iterator"
	# Unbound answers home.arpa., test. and other special-use names
	# itself by default: let queries for the gateway's zone through.
	local-zone: "$domain" nodefault
	trust-anchor-file: "$dir/anchor.ds"
$extra
remote-control:
	control-enable: no
stub-zone:
	name: "$domain"
	stub-addr: $TOPO_GW_WAN_4@53
	stub-addr: $TOPO_GW_WAN_6@53
UB
	unbound-checkconf "$dir/unbound.conf" >"$dir/checkconf.log" 2>&1 || {
		cat "$dir/checkconf.log" >&2
		topo_die "unbound-checkconf refused $dir/unbound.conf"
	}
	topo_bg "$NS_REMOTE" "$dir/stdout.log" unbound -d -c "$dir/unbound.conf"
	topo_wait 10 ip netns exec "$NS_REMOTE" dig @127.0.0.1 -p "$port" +time=1 +tries=1 \
		"$domain" SOA >/dev/null 2>&1 || {
		cat "$dir/stdout.log" "$dir/unbound.log" >&2 || true
		topo_die "unbound ($name) did not answer within 10 s"
	}
}

# topo_rdig ARGS...: dig +dnssec in the remote namespace; output in
# $TOPO_DIR/last.
topo_rdig() {
	ip netns exec "$NS_REMOTE" dig +dnssec +time=3 +tries=1 "$@" >"$TOPO_DIR/last" 2>&1 || true
}
