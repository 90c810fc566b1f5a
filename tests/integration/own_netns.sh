# Sourced first by a test that runs whole in a network namespace of its
# own (before lib.sh, which must then run inside it).
#
# own_netns VAR [SYSCTL=VALUE...]: unless VAR is set, make a namespace,
# bring its loopback up, set the sysctls there (per namespace, such as
# net.ipv4.tcp_wmem), run this script again inside it with VAR set to
# the namespace's name, remove the namespace and exit with the script's
# status. Inside (VAR set) it returns at once. Needs root; it fails
# loudly rather than skip.
own_netns() {
	local var=$1 ns s rc
	shift
	[ -z "${!var:-}" ] || return 0
	[ "$(id -u)" = 0 ] || { echo "FAIL: the test needs root for its namespace (it never skips)" >&2; exit 1; }
	ns="gwown$$"
	ip netns add "$ns" || { echo "FAIL: cannot create network namespace $ns" >&2; exit 1; }
	trap 'ip netns del "'"$ns"'" 2>/dev/null || true' EXIT
	ip netns exec "$ns" ip link set lo up || { echo "FAIL: cannot set up $ns" >&2; exit 1; }
	for s in "$@"; do
		ip netns exec "$ns" sysctl -qw "$s" || { echo "FAIL: cannot set $s in $ns" >&2; exit 1; }
	done
	env "$var=$ns" ip netns exec "$ns" bash "$0" && rc=0 || rc=$?
	exit "$rc"
}
