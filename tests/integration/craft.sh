# shellcheck shell=bash
# Crafted mDNS publishers (craft.py) in the LAN namespace, sourced after
# netns.sh. Each runs for a bounded time and is stopped on exit, before
# the namespaces go.

CRAFT_PIDS=()

craft_exit() {
	local p
	for p in "${CRAFT_PIDS[@]:-}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
	for p in "${CRAFT_PIDS[@]:-}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null || true
	done
	CRAFT_PIDS=()
	ns_exit
}
trap craft_exit EXIT

# craft NAME ADDR4 CASE...: start craft.py from ADDR4 (an address of the
# LAN namespace), output in $GW_TMP/craft-NAME.out; waits (bounded) until
# its first announcement went out.
craft() {
	local name=$1 addr=$2
	shift 2
	ip netns exec "$NS_LAN" /usr/bin/python3 "$GW_INTEGRATION_DIR/craft.py" \
		--addr4 "$addr" --linger 90 "$@" \
		>"$GW_TMP/craft-$name.out" 2>"$GW_TMP/craft-$name.err" &
	CRAFT_PIDS+=($!)
	local i
	for i in $(seq 1 200); do
		grep -qx sent "$GW_TMP/craft-$name.out" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$GW_TMP/craft-$name.err" >&2
	ns_die "crafted publisher $name did not send"
}
