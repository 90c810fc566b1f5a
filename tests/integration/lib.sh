# shellcheck shell=bash
# Shared by the integration tests: start the real daemon on a free
# loopback port, query it, count results, clean up on exit.
#
# Every test sources this file, calls gw_start with a configuration, runs
# checks with expect_* helpers, and ends with gw_finish, which prints
# "N passed, N failed" and sets the exit status.
set -euo pipefail

: "${GW_BIN:?GW_BIN must name the dnssd-gateway binary}"
: "${GW_TEST_DATA:?GW_TEST_DATA must name tests/data}"
GW_INTEGRATION_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

for tool in kdig python3; do
	command -v "$tool" >/dev/null || {
		echo "FAIL: $tool is not installed (run scripts/setup.sh)" >&2
		exit 1
	}
done

GW_TMP=$(mktemp -d /tmp/gw-it.XXXXXX)
GW_PID=""
GW_PORT=""
PASSED=0
FAILED=0

gw_stop() {
	if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then
		kill -TERM "$GW_PID" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$GW_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$GW_PID" 2>/dev/null || true
	fi
	if [ -n "$GW_PID" ]; then
		wait "$GW_PID" 2>/dev/null || true
	fi
	GW_PID=""
}

gw_cleanup() {
	gw_stop
	if [ "${GW_KEEP_TMP:-}" = "" ]; then
		rm -rf "$GW_TMP"
	else
		echo "kept $GW_TMP" >&2
	fi
}
trap gw_cleanup EXIT

pass() {
	PASSED=$((PASSED + 1))
	echo "ok: $*"
}

fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL: $*" >&2
}

# gw_config NAME YAML-BODY: write $GW_TMP/NAME.yaml with listen, ports-file
# and state-dir filled in; prints the path.
gw_config() {
	local name=$1 body=$2
	local f="$GW_TMP/$name.yaml"
	mkdir -p "$GW_TMP/state"
	cat >"$f" <<YAML
listen: ["127.0.0.1@0", "[::1]@0"]
ports-file: $GW_TMP/ports
state-dir: $GW_TMP/state
$body
YAML
	echo "$f"
}

# gw_start CONFIG: start the daemon, wait (bounded) for its ports file,
# set GW_PORT (the UDP and TCP port on 127.0.0.1) and GW_PORT6 (on ::1).
gw_start() {
	local cfg=$1
	rm -f "$GW_TMP/ports"
	"$GW_BIN" -c "$cfg" >>"$GW_TMP/gateway.log" 2>&1 &
	GW_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$GW_TMP/ports" ] && break
		if ! kill -0 "$GW_PID" 2>/dev/null; then
			echo "FAIL: dnssd-gateway exited at start:" >&2
			cat "$GW_TMP/gateway.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	if [ ! -s "$GW_TMP/ports" ]; then
		echo "FAIL: no ports file after 10 s" >&2
		cat "$GW_TMP/gateway.log" >&2
		exit 1
	fi
	GW_PORT=$(awk '$1 == "udp" && $2 == "127.0.0.1" {print $3; exit}' "$GW_TMP/ports")
	GW_PORT6=$(awk '$1 == "udp" && $2 == "::1" {print $3; exit}' "$GW_TMP/ports")
	[ -n "$GW_PORT" ] || { echo "FAIL: no udp 127.0.0.1 line in ports file" >&2; exit 1; }
}

# q ARGS...: kdig against the daemon over IPv4; output in $GW_TMP/last.
q() {
	kdig @127.0.0.1 -p "$GW_PORT" +time=3 +retry=1 "$@" >"$GW_TMP/last" 2>&1 || true
}

# Header fields of the last kdig output.
last_status() {
	sed -n 's/.*status: \([A-Z]*\).*/\1/p' "$GW_TMP/last" | head -n 1
}
last_flags() {
	sed -n 's/^;; Flags: \([^;]*\);.*/\1/p' "$GW_TMP/last" | head -n 1
}
last_count() { # SECTION: QUERY ANSWER AUTHORITY ADDITIONAL
	sed -n "s/^;; Flags: .* $1: \([0-9]*\).*/\1/p" "$GW_TMP/last" | head -n 1
}

# expect DESCRIPTION CONDITION...: the condition is a command.
expect() {
	local what=$1
	shift
	if "$@"; then
		pass "$what"
	else
		fail "$what"
		sed 's/^/    | /' "$GW_TMP/last" >&2 || true
	fi
}

has_status() { [ "$(last_status)" = "$1" ]; }
has_flag() { [[ " $(last_flags) " == *" $1 "* ]]; }
lacks_flag() { [[ " $(last_flags) " != *" $1 "* ]]; }
has_count() { [ "$(last_count "$1")" = "$2" ]; }
# Text checks squeeze runs of blanks and tabs to one space (kdig aligns
# columns with tabs) and ignore letter case (kdig prints names lowercased).
squeezed() { tr -s ' \t' ' ' <"$GW_TMP/last"; }
has_text() { squeezed | grep -qiF -- "$(echo "$1" | tr -s ' \t' ' ')"; }
lacks_text() { ! has_text "$1"; }

# raw ARGS...: tests/integration/dnsraw.py against the daemon.
raw() {
	python3 "$GW_INTEGRATION_DIR/dnsraw.py" --port "$GW_PORT" "$@" >"$GW_TMP/last" 2>&1 || true
}

gw_finish() {
	gw_stop
	if grep -q "ERROR: AddressSanitizer\|runtime error:" "$GW_TMP/gateway.log" 2>/dev/null; then
		fail "sanitizer report in the daemon's log"
		cat "$GW_TMP/gateway.log" >&2
	fi
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
}
