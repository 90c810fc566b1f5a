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

id -u dnssd-gateway >/dev/null 2>&1 || {
	echo "FAIL: no user dnssd-gateway, which the daemon runs as (run scripts/setup.sh)" >&2
	exit 1
}

GW_TMP=$(mktemp -d /tmp/gw-it.XXXXXX)
# Started as root, the daemon becomes dnssd-gateway once its sockets are
# bound (docs/security.md): that user must reach the test's files (a
# SIGHUP re-reads the zone file) and remove the ports file at the stop,
# as in a unit's RuntimeDirectory=; the daemon gives the state directory
# to it itself. The files the tests write stay root's, readable (umask
# 022).
chown dnssd-gateway: "$GW_TMP"
chmod 755 "$GW_TMP"
# The configurations live apart, in a directory of root's: started as
# root, the daemon refuses a configuration its user could change, and a
# directory it owns would let it replace the file (docs/security.md).
GW_ETC=$(mktemp -d /tmp/gw-etc.XXXXXX)
chmod 755 "$GW_ETC"
GW_PID=""
GW_PORT=""
PASSED=0
FAILED=0

# pid_stop PID: SIGTERM, up to 5 s to end, then SIGKILL; reaped if ours.
pid_stop() {
	[ -n "$1" ] || return 0
	if kill -0 "$1" 2>/dev/null; then
		kill -TERM "$1" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$1" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$1" 2>/dev/null || true
	fi
	wait "$1" 2>/dev/null || true
}

gw_stop() {
	pid_stop "$GW_PID"
	GW_PID=""
}

gw_cleanup() {
	if declare -F unbound_stop_all >/dev/null; then
		unbound_stop_all
	fi
	gw_stop
	if [ "${GW_KEEP_TMP:-}" = "" ]; then
		rm -rf "$GW_TMP" "$GW_ETC"
	else
		echo "kept $GW_TMP and $GW_ETC" >&2
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

# gw_config NAME YAML-BODY: write $GW_ETC/NAME.yaml with listen, ports-file,
# state-dir and control.socket ($GW_TMP/control.sock) filled in; prints the
# path.
gw_config() {
	local name=$1 body=$2
	local f="$GW_ETC/$name.yaml"
	mkdir -p "$GW_TMP/state"
	# The daemon mirrors mDNS on every multicast interface by default;
	# tests never send multicast on the machine's own interfaces, so
	# discovery is off unless the test's own mdns section (inside its own
	# namespaces, netns.sh) says otherwise.
	local mdns_off="mdns: {enable: false}"
	if grep -q '^mdns:' <<<"$body"; then
		mdns_off=""
	fi
	# The control socket in the test's own directory: daemons of tests
	# that run side by side must not meet on the default path. After the
	# body, so that the body's line numbers stay those tests expect.
	local control="control: {socket: $GW_TMP/control.sock}"
	if grep -q '^control:' <<<"$body"; then
		control=""
	fi
	cat >"$f" <<YAML
listen: ["127.0.0.1@0", "[::1]@0"]
ports-file: $GW_TMP/ports
state-dir: $GW_TMP/state
$mdns_off
$body
$control
YAML
	echo "$f"
}

# gw_wait_ports: wait (GW_START_WAIT seconds at most, 10 unless the test
# sets it) for the ports file of the daemon GW_PID; a daemon that exits
# first fails the test with its log. False when no ports file came.
gw_wait_ports() {
	for _ in $(seq 1 $((${GW_START_WAIT:-10} * 10))); do
		[ -s "$GW_TMP/ports" ] && return 0
		if ! kill -0 "$GW_PID" 2>/dev/null; then
			echo "FAIL: dnssd-gateway exited at start:" >&2
			cat "$GW_TMP/gateway.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	[ -s "$GW_TMP/ports" ]
}

# gw_wait_log PATTERN [SECONDS]: wait (SECONDS at most, 5 unless given,
# in steps of 0.1 s) until the daemon's log matches PATTERN (grep's basic
# regex). False when it did not; the test's expect then says what failed.
gw_wait_log() {
	for _ in $(seq 1 $((${2:-5} * 10))); do
		grep -q -- "$1" "$GW_TMP/gateway.log" && return 0
		sleep 0.1
	done
	return 1
}

# gw_start CONFIG: start the daemon, wait (bounded) for its ports file,
# set GW_PORT (the UDP and TCP port on 127.0.0.1) and GW_PORT6 (on ::1).
gw_start() {
	local cfg=$1
	rm -f "$GW_TMP/ports"
	"$GW_BIN" -c "$cfg" >>"$GW_TMP/gateway.log" 2>&1 &
	GW_PID=$!
	if ! gw_wait_ports; then
		echo "FAIL: no ports file after ${GW_START_WAIT:-10} s" >&2
		cat "$GW_TMP/gateway.log" >&2
		exit 1
	fi
	GW_PORT=$(awk '$1 == "udp" && $2 == "127.0.0.1" {print $3; exit}' "$GW_TMP/ports")
	GW_PORT6=$(awk '$1 == "udp" && $2 == "::1" {print $3; exit}' "$GW_TMP/ports")
	# DNS over TLS on 127.0.0.1, when the configuration has tls.listen.
	GW_TLS_PORT=$(awk '$1 == "tls" && $2 == "127.0.0.1" {print $3; exit}' "$GW_TMP/ports")
	[ -n "$GW_PORT" ] || { echo "FAIL: no udp 127.0.0.1 line in ports file" >&2; exit 1; }
}

# knot_conf_base DIR LISTEN: what every knot.conf of a Knot secondary here
# starts with: the server on LISTEN (ADDRESS@PORT), one worker each, its
# log, database, control socket and zones in DIR. The caller adds the rest.
knot_conf_base() {
	cat <<KNOT
server:
    listen: $2
    rundir: "$1"
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: "$1/knot.log"
    any: info
database:
    storage: "$1/db"
control:
    listen: "$1/knot.sock"
template:
  - id: default
    storage: "$1"
KNOT
}

# small_zone DOMAIN: a zone file $GW_TMP/zone for DOMAIN (no final dot):
# SOA (serial 100), NS, ns and www.
small_zone() {
	cat >"$GW_TMP/zone" <<ZONE
\$ORIGIN $1.
@ 3600 IN SOA ns hostmaster 100 3600 600 86400 30
@ 3600 IN NS ns
ns 3600 IN A 192.0.2.53
www 300 IN A 192.0.2.80
ZONE
}

# gw_soa_serial NAME: the SOA serial the daemon serves for NAME.
gw_soa_serial() {
	q "$1" SOA +short
	# A number: kdig's ";; ERROR: failed to query server ..." has seven
	# fields too, and gave "failed" for a server that did not answer.
	awk 'NF == 7 && $3 ~ /^[0-9]+$/ {print $3; exit}' "$GW_TMP/last"
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
# grep reads to the end (no -q): under pipefail, grep -q leaving at the
# first match killed tr with SIGPIPE on a reply of more than one buffer,
# so has_text failed, and lacks_text passed, on a text that was there.
squeezed() { tr -s ' \t' ' ' <"$GW_TMP/last"; }
has_text() { squeezed | grep -iF -- "$(echo "$1" | tr -s ' \t' ' ')" >/dev/null; }
lacks_text() { ! has_text "$1"; }

# raw ARGS...: tests/integration/dnsraw.py against the daemon.
raw() {
	python3 "$GW_INTEGRATION_DIR/dnsraw.py" --port "$GW_PORT" "$@" >"$GW_TMP/last" 2>&1 || true
}

gw_finish() {
	gw_stop
	if grep -q "Sanitizer\|runtime error:" "$GW_TMP/gateway.log" 2>/dev/null; then
		fail "sanitizer report in the daemon's log"
		cat "$GW_TMP/gateway.log" >&2
	fi
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
}

# ---- DNSSEC peers ------------------------------------------------------

# free_port: a TCP and UDP port free on 127.0.0.1 right now, for a server
# told its port before it binds it. Below the kernel's ephemeral range:
# a port the kernel handed out (bind to 0) is soon handed out again to a
# client socket of another test running beside this one (kdig's, a
# NOTIFY's), which then holds it when the server binds (seen in CI).
free_port() {
	python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
span = (max(1024, low - 12000), low) if low > 2048 else None
for _ in range(200):
    port = random.randrange(*span) if span else 0
    t = socket.socket()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        t.bind(("127.0.0.1", port))
        port = t.getsockname()[1]
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        u.close(); t.close()
    print(port); break
PY
}

# nsd_server DIR PORT: the server: clause of an NSD on 127.0.0.1@PORT that
# keeps all its files in DIR (no database, no chroot, not written back);
# the caller adds its own server: lines after it, then its zones.
nsd_server() {
	cat <<NSD
server:
	ip-address: 127.0.0.1@$2
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "$1"
	database: ""
	zonelistfile: "$1/zone.list"
	xfrdfile: "$1/xfrd.state"
	xfrdir: "$1"
	pidfile: "$1/nsd.pid"
	logfile: "$1/nsd.log"
	server-count: 1
	zonefiles-write: 0
NSD
}

# unbound_start NAME ZONE ANCHOR-FILE: a validating Unbound on a free
# loopback port with a stub zone to the gateway; sets UB_PORT. Several may
# run at once (NAME tells them apart); all are stopped on exit. With
# UB_TLS_PORT, UB_TLS_NAME and UB_TLS_CERT set, a forward zone over TLS
# (forward-tls-upstream) to 127.0.0.1@UB_TLS_PORT instead, checking the
# name UB_TLS_NAME against the CA bundle UB_TLS_CERT. UB_ANCHOR
# names the anchor option (default trust-anchor-file; auto-trust-anchor-file
# for RFC 5011) and UB_EXTRA adds server: lines.
UB_PIDS=()
unbound_start() {
	local name=$1 zone=$2 anchor=$3
	command -v unbound >/dev/null || { echo "FAIL: unbound missing (scripts/setup.sh)" >&2; exit 1; }
	UB_PORT=$(free_port)
	local dir="$GW_TMP/unbound-$name"
	mkdir -p "$dir"
	# Unbound serves test., home.arpa. and other special-use names as
	# empty local zones by default: the gateway's zone must be exempt.
	local parent=${zone#*.}
	cat >"$dir/unbound.conf" <<UB
server:
	interface: 127.0.0.1
	port: $UB_PORT
	do-ip6: no
	username: ""
	chroot: ""
	directory: "$dir"
	pidfile: "$dir/unbound.pid"
	use-syslog: no
	logfile: "$dir/unbound.log"
	verbosity: 1
	val-log-level: 2
	do-not-query-localhost: no
	module-config: "validator iterator"
	${UB_ANCHOR:-trust-anchor-file}: "$anchor"
${UB_EXTRA:-}
	local-zone: "$zone" nodefault
	local-zone: "$parent" nodefault
	domain-insecure: "$parent"
	${UB_TLS_CERT:+tls-cert-bundle: "$UB_TLS_CERT"}
	cache-max-ttl: 5
	cache-max-negative-ttl: 1
	serve-expired: no
	qname-minimisation: no
	aggressive-nsec: yes
remote-control:
	control-enable: no
UB
	if [ -n "${UB_TLS_PORT:-}" ]; then
		cat >>"$dir/unbound.conf" <<UB
forward-zone:
	name: "$zone"
	forward-tls-upstream: yes
	forward-addr: 127.0.0.1@$UB_TLS_PORT#$UB_TLS_NAME
UB
	else
		cat >>"$dir/unbound.conf" <<UB
stub-zone:
	name: "$zone"
	stub-addr: 127.0.0.1@$GW_PORT
UB
	fi
	unbound -d -c "$dir/unbound.conf" >>"$dir/stdout.log" 2>&1 &
	UB_PIDS+=($!)
	for _ in $(seq 1 50); do
		if dig @127.0.0.1 -p "$UB_PORT" +time=1 +tries=1 . NS >/dev/null 2>&1 ||
			dig @127.0.0.1 -p "$UB_PORT" +time=1 +tries=1 "$zone" SOA >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	echo "FAIL: unbound did not start" >&2
	cat "$dir/stdout.log" "$dir/unbound.log" >&2 || true
	exit 1
}

unbound_stop_all() {
	for p in "${UB_PIDS[@]:-}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
	for p in "${UB_PIDS[@]:-}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null || true
	done
	UB_PIDS=()
}

# ub ARGS...: dig through the last Unbound started; output in $GW_TMP/last.
ub() {
	dig @127.0.0.1 -p "$UB_PORT" +time=5 +tries=1 +dnssec "$@" >"$GW_TMP/last" 2>&1 || true
}
dig_status() { sed -n 's/.*status: \([A-Z]*\).*/\1/p' "$GW_TMP/last" | head -n 1; }
dig_has_flag() { grep -q "^;; flags:[^;]* $1[ ;]" "$GW_TMP/last"; }

# unbound_start_stub NAME ZONE ANCHOR-FILE PORT: as unbound_start, with the
# stub zone pointed at 127.0.0.1@PORT (a secondary) instead of the gateway.
unbound_start_stub() {
	local GW_PORT=$4
	unbound_start "$1" "$2" "$3"
}
