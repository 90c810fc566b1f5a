# shellcheck shell=bash disable=SC2034 # CHAIN_* variables are for the tests that source this
# A chain of trust for the DNSSEC tests: a signed root, a signed parent
# zone, the gateway's zone delegated from it, a registrar that copies the
# child's CDS/CDNSKEY into the parent's DS, a validating Unbound that
# starts from the root's trust anchor, a probe, delv, and zone checks.
# Sourced after lib.sh:
#
#   source "$(dirname "$0")/lib.sh"
#   source "$GW_INTEGRATION_DIR/chain.sh"
#
# The network: one namespace (CHAIN_NS) holds every DNS server, each on
# its own address on port 53 (addresses on its loopback), and a second one
# (CHAIN_NS_LAN) is the gateway's mDNS link:
#
#   CHAIN_NS                                        CHAIN_NS_LAN
#   192.0.2.1@53  root "."        (NSD)
#   192.0.2.2@53  parent "test."  (NSD)
#   192.0.2.3@53  the gateway, "home.test."
#   192.0.2.4@53  Unbound, validating from the root's DS
#   192.0.2.5@53  Unbound with an RFC 5011 trust point (chain_5011_start)
#   lan0 192.0.2.17/28 ------ veth ------ eth0 192.0.2.18/28 (publish.py)
#        2001:db8:0:1::1/64                   2001:db8:0:1::2/64
#
# Nothing leaves the two namespaces; both are deleted at exit, and every
# process started here is stopped (trap on EXIT: chain_teardown). Not
# having root, namespaces or a tool is a failure, never a skip.
#
# Settings (set before chain_setup; defaults in brackets):
#   CHAIN_ZONE        the gateway's zone [home.test.]
#   CHAIN_DS_TTL      TTL of the parent's DS RRset, seconds [5]
#   CHAIN_UB_EXTRA    extra lines for Unbound's server: clause [none]
#
# API (each function fails the test with a message, or returns non-zero
# where a check is meant to be asserted by the caller with expect):
#   chain_setup                 namespaces, root and parent keys, the signed
#                               root and parent on NSD, Unbound; the parent
#                               has no DS for the child yet (insecure)
#   chain_gw_config [YAML]      print the path of a gateway configuration
#                               for this network (zone CHAIN_ZONE, listen
#                               192.0.2.3@53, link lan0, AXFR allowed from
#                               192.0.2.0/24, rate limiting off, warm-up 0,
#                               dnskey-ttl 10); top-level sections in YAML
#                               replace those defaults
#   chain_start_gateway CONFIG  start the gateway in CHAIN_NS, wait for its
#                               ports file, its link and its trust anchor
#                               files; sets GW_PID (lib.sh's gw_stop)
#   chain_kill_gateway [SIG]    signal the gateway (default TERM) and reap it
#   chain_parent_set_ds FILE    put the DS records of FILE (zone file form,
#                               e.g. $GW_TMP/state/ds; an empty file removes
#                               the DS) at the parent: signed, reloaded and
#                               served when it returns
#   chain_parent_ds             print the DS RRset the parent serves, one
#                               "TAG ALG DIGESTTYPE DIGEST" a line
#   chain_parent_tags           the key tags of that RRset, sorted, on one
#                               line ("" without DS)
#   chain_wait_parent_tags SECONDS TAG...
#                               wait (bounded) until the parent's DS tags
#                               are exactly TAG... (none: no DS); 1 if not
#   chain_registrar_start [S]   the registrar loop, one scan every S seconds
#                               [1]; log in $CHAIN_DIR/registrar.log
#   chain_registrar_stop
#   chain_registrar_once        one scan now: 0 in step (changed or not),
#                               1 refused or unreachable, 3 no CDS/CDNSKEY
#   chain_dig ARGS...           dig +dnssec through Unbound; output in
#                               $GW_TMP/last (lib.sh's dig_status etc.)
#   chain_unbound_flush [NAME]  drop NAME (default CHAIN_ZONE) and below
#                               from Unbound's caches, keys included, and
#                               its bogus and infrastructure caches
#   chain_probe_start [OPTIONS] NAME[/TYPE]...
#                               chain_probe.py in the background, one query
#                               per name every 100 ms through Unbound;
#                               OPTIONS: --no-require-ad, --allow-unreachable,
#                               --timeout S (see chain_probe.py)
#   chain_probe_stop DESC       stop it; pass DESC if every answer was
#                               NOERROR/NXDOMAIN with AD, else fail DESC and
#                               show the first bad answers and Unbound's
#                               validation failures
#   chain_probe_stop_rc         stop it; return its status (0 clean, 1 bad
#                               answers), summary in CHAIN_PROBE_SUMMARY;
#                               for checks that expect a failure
#   chain_delv NAME [TYPE]      delv with the root's anchor through Unbound;
#                               0 if "fully validated" (output in last)
#   chain_verify_zone           AXFR the gateway's zone; 0 if both
#                               ldns-verify-zone and dnssec-verify accept it
#                               (output of the failing one in last)
#   chain_pub_start             publish.py on the link, with a printer (a
#                               service that stays)
#   chain_churn_start           in the background: an HTTP service
#                               registered every 0.5 s, each unregistered
#                               2 s later (bounded: 300 s)
#   chain_churn_stop            stop it; CHAIN_CHURN_CHANGES = changes done
#   chain_5011_start ANCHOR [HOLD]
#                               a second Unbound (192.0.2.5) with CHAIN_ZONE
#                               as an RFC 5011 trust point: its
#                               auto-trust-anchor-file starts as ANCHOR
#                               (DS or DNSKEY lines), add-holddown and
#                               del-holddown HOLD seconds [10]; its file is
#                               $CHAIN_5011_FILE
#   chain_5011_state TAG        the RFC 5011 state Unbound's file gives key
#                               TAG: ADDPEND, VALID, MISSING, REVOKED, ...
#                               ("" while the file does not list it)
#   chain_5011_dig ARGS...      dig +dnssec through that Unbound
#   chain_ctl ARGS...           dnssd-gatewayctl on the gateway's socket
#   chain_teardown              stop everything, delete the namespaces (the
#                               EXIT trap does it; logs shown on failure)
# Lower-level pieces a test may use too: chain_in CMD... (CMD inside
# CHAIN_NS), chain_bg LOG CMD... (the same in the background, stopped at
# teardown), chain_key DIR ZONE (an ldns-keygen key, prints its basename),
# chain_nsd NAME ADDR ZONE (NSD serving $CHAIN_DIR/NAME/zone.signed on
# ADDR@53: test_chain_registrar.sh serves a child it signs itself where the
# gateway would be); the addresses CHAIN_ROOT4, CHAIN_PARENT4, CHAIN_GW4,
# CHAIN_UB4, CHAIN_UB5011_4; CHAIN_PROBE_LOG (the running or last probe's
# answers, one a line, with Unbound's Extended DNS Error on a SERVFAIL).
# Logs, all under $CHAIN_DIR: gateway.log is $GW_TMP/gateway.log,
# registrar.log, probe-N.log (one line per answer), unbound/unbound.log
# (val-log-level 2), root/nsd.log, parent/nsd.log, pub.out.

# Polling and stopping as the end-to-end tests do (topo_wait, topo_kill,
# topo_ll); sourcing topology.sh sets nothing up by itself.
source "$GW_INTEGRATION_DIR/topology.sh"

CHAIN_DIR="$GW_TMP/chain"
CHAIN_NS="gwch$$"
CHAIN_NS_LAN="gwchl$$"
CHAIN_ZONE=${CHAIN_ZONE:-home.test.}
CHAIN_DS_TTL=${CHAIN_DS_TTL:-5}
CHAIN_UB_EXTRA=${CHAIN_UB_EXTRA:-}
CHAIN_ROOT4=192.0.2.1
CHAIN_PARENT4=192.0.2.2
CHAIN_GW4=192.0.2.3
CHAIN_UB4=192.0.2.4
CHAIN_UB5011_4=192.0.2.5
CHAIN_PY=/usr/bin/python3 # Debian's, with python3-dnspython and zeroconf
CHAIN_PIDS=()
CHAIN_NS_MADE=""
CHAIN_ROOT_PID=""
CHAIN_PARENT_PID=""
CHAIN_UB_PID=""
CHAIN_UB5011_PID=""
CHAIN_REG_PID=""
CHAIN_PROBE_PID=""
CHAIN_PROBE_N=0
CHAIN_CHURN_PID=""
CHAIN_PUB_PID=""
CHAIN_PUB_FD=""

chain_die() {
	echo "FAIL: $*" >&2
	exit 1
}

# chain_in CMD...: CMD inside CHAIN_NS.
chain_in() { ip netns exec "$CHAIN_NS" "$@"; }

# chain_bg LOG CMD...: CMD in CHAIN_NS in the background, output appended
# to LOG; its PID in CHAIN_BG_PID, stopped at teardown.
chain_bg() {
	local log=$1
	shift
	ip netns exec "$CHAIN_NS" "$@" >>"$log" 2>&1 &
	CHAIN_BG_PID=$!
	CHAIN_PIDS+=("$CHAIN_BG_PID")
}

# ---- setup --------------------------------------------------------------

chain_net() {
	ip netns add "$CHAIN_NS" || chain_die "cannot create network namespace $CHAIN_NS"
	CHAIN_NS_MADE=1
	ip netns add "$CHAIN_NS_LAN" || chain_die "cannot create network namespace $CHAIN_NS_LAN"
	local ns a
	for ns in "$CHAIN_NS" "$CHAIN_NS_LAN"; do
		ip -n "$ns" link set lo up || chain_die "cannot bring lo up in $ns"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 >/dev/null || chain_die "cannot set accept_dad in $ns"
	done
	for a in $CHAIN_ROOT4 $CHAIN_PARENT4 $CHAIN_GW4 $CHAIN_UB4 $CHAIN_UB5011_4; do
		ip -n "$CHAIN_NS" addr add "$a/32" dev lo || chain_die "cannot add $a in $CHAIN_NS"
	done
	ip link add name lan0 netns "$CHAIN_NS" type veth peer name eth0 netns "$CHAIN_NS_LAN" ||
		chain_die "cannot create the veth pair"
	ip -n "$CHAIN_NS" addr add 192.0.2.17/28 dev lan0
	ip -n "$CHAIN_NS" addr add 2001:db8:0:1::1/64 dev lan0 nodad
	ip -n "$CHAIN_NS_LAN" addr add 192.0.2.18/28 dev eth0
	ip -n "$CHAIN_NS_LAN" addr add 2001:db8:0:1::2/64 dev eth0 nodad
	ip -n "$CHAIN_NS" link set lan0 up
	ip -n "$CHAIN_NS_LAN" link set eth0 up
	topo_wait 10 chain_ll_ready || chain_die "no IPv6 link-local address on the link after 10 s"
}

chain_ll_ready() {
	[ -n "$(topo_ll "$CHAIN_NS" lan0)" ] && [ -n "$(topo_ll "$CHAIN_NS_LAN" eth0)" ] &&
		! ip -n "$CHAIN_NS" addr show dev lan0 | grep -q tentative
}

# chain_key DIR ZONE: a new ECDSA P-256 key for ZONE in DIR; prints the
# basename (DIR/K<zone>+013+<tag>).
chain_key() {
	local base
	base=$(cd "$1" && ldns-keygen -a ECDSAP256SHA256 -k "$2") || chain_die "ldns-keygen failed for $2"
	rm -f "$1/$base.ds"
	echo "$1/$base"
}

# chain_nsd NAME ADDR ZONE: NSD in CHAIN_NS serving ZONE from
# $CHAIN_DIR/NAME/zone.signed on ADDR@53; prints nothing, sets CHAIN_BG_PID.
chain_nsd() {
	local name=$1 addr=$2 zone=$3 dir="$CHAIN_DIR/$1"
	cat >"$dir/nsd.conf" <<NSD
server:
	ip-address: $addr@53
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "$dir"
	database: ""
	zonelistfile: "$dir/zone.list"
	xfrdfile: "$dir/xfrd.state"
	xfrdir: "$dir"
	pidfile: "$dir/nsd.pid"
	logfile: "$dir/nsd.log"
	verbosity: 2
	server-count: 1
	zonefiles-check: yes
	zonefiles-write: 0
remote-control:
	control-enable: no
zone:
	name: "$zone"
	zonefile: "$dir/zone.signed"
NSD
	chain_bg "$dir/stdout.log" nsd -d -c "$dir/nsd.conf"
	topo_wait 10 chain_in dig @"$addr" +time=1 +tries=1 +norec "$zone" SOA +short >/dev/null || {
		cat "$dir/stdout.log" "$dir/nsd.log" >&2 || true
		chain_die "NSD ($name) did not answer within 10 s"
	}
	chain_in dig @"$addr" +time=1 +tries=1 +norec "$zone" SOA >"$dir/check" 2>&1 || true
	grep -q "status: NOERROR" "$dir/check" || {
		cat "$dir/check" "$dir/nsd.log" >&2
		chain_die "NSD ($name) does not serve $zone"
	}
}

chain_setup() {
	[ "$(id -u)" = 0 ] || chain_die "network namespaces need root (this test never skips)"
	local tool
	for tool in ip sysctl nsd ldns-keygen ldns-signzone ldns-key2ds ldns-verify-zone \
		dnssec-verify unbound unbound-checkconf unbound-control delv dig kdig timeout; do
		command -v "$tool" >/dev/null || chain_die "$tool is not installed (scripts/setup.sh)"
	done
	"$CHAIN_PY" -c 'import dns.dnssec, cryptography, zeroconf' 2>/dev/null ||
		chain_die "python3-dnspython, python3-cryptography or python3-zeroconf missing (scripts/setup.sh)"
	trap chain_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p "$CHAIN_DIR/root" "$CHAIN_DIR/parent" "$CHAIN_DIR/unbound"
	chain_net
	local parent=${CHAIN_ZONE#*.}
	CHAIN_PARENT=$parent
	CHAIN_ROOT_KEY=$(chain_key "$CHAIN_DIR/root" .)
	CHAIN_PARENT_KEY=$(chain_key "$CHAIN_DIR/parent" "$parent")
	local expire incep
	expire=$(date -u -d '+7 days' +%Y%m%d%H%M%S)
	incep=$(date -u -d '-1 hour' +%Y%m%d%H%M%S)
	# The root: itself, and the delegation of the parent with its DS.
	{
		echo ". 86400 IN SOA rootns. hostmaster.rootns. 1 1800 900 604800 60"
		echo ". 86400 IN NS rootns."
		echo "rootns. 86400 IN A $CHAIN_ROOT4"
		echo "$parent 60 IN NS ns.$parent"
		echo "ns.$parent 60 IN A $CHAIN_PARENT4"
		ldns-key2ds -n -2 "$CHAIN_PARENT_KEY.key" | awk '{$2 = 60; print}'
	} >"$CHAIN_DIR/root/zone"
	ldns-signzone -e "$expire" -i "$incep" -f "$CHAIN_DIR/root/zone.signed" \
		"$CHAIN_DIR/root/zone" "$CHAIN_ROOT_KEY" || chain_die "cannot sign the root zone"
	chain_nsd root "$CHAIN_ROOT4" .
	printf '. 3600000 IN NS rootns.\nrootns. 3600000 IN A %s\n' "$CHAIN_ROOT4" >"$CHAIN_DIR/root.hints"
	CHAIN_ROOT_PID=$CHAIN_BG_PID
	# The root's DS: Unbound's trust anchor, and delv's.
	ldns-key2ds -n -2 "$CHAIN_ROOT_KEY.key" >"$CHAIN_DIR/root.ds"
	awk '{printf "trust-anchors {\n\t\".\" static-ds %s %s %s \"%s\";\n};\n", $5, $6, $7, toupper($8)}' \
		"$CHAIN_DIR/root.ds" >"$CHAIN_DIR/root-anchor.conf"
	# The parent: a template the registrar fills with the child's DS.
	cat >"$CHAIN_DIR/parent/template" <<ZONE
$parent 60 IN SOA ns.$parent hostmaster.$parent @SERIAL@ 60 30 600 5
$parent 60 IN NS ns.$parent
ns.$parent 60 IN A $CHAIN_PARENT4
$CHAIN_ZONE 60 IN NS ns.$CHAIN_ZONE
ns.$CHAIN_ZONE 60 IN A $CHAIN_GW4
ZONE
	CHAIN_REG_CONF="$CHAIN_DIR/registrar.json"
	cat >"$CHAIN_REG_CONF" <<JSON
{"child": "$CHAIN_ZONE", "child_server": "$CHAIN_GW4", "child_port": 53,
 "parent": "$parent", "parent_server": "$CHAIN_PARENT4", "parent_port": 53,
 "template": "$CHAIN_DIR/parent/template", "keys": ["$CHAIN_PARENT_KEY"],
 "zone_out": "$CHAIN_DIR/parent/zone.signed", "ds_file": "$CHAIN_DIR/parent/ds",
 "ds_ttl": $CHAIN_DS_TTL, "server_pid": 0, "log": "$CHAIN_DIR/registrar.log"}
JSON
	: >"$CHAIN_DIR/empty.ds"
	# The first version, without the child's DS, is signed before NSD
	# starts (its server_pid 0 is set once NSD runs).
	sed "s/@SERIAL@/1/" "$CHAIN_DIR/parent/template" >"$CHAIN_DIR/parent/zone"
	ldns-signzone -e "$expire" -i "$incep" -f "$CHAIN_DIR/parent/zone.signed" \
		"$CHAIN_DIR/parent/zone" "$CHAIN_PARENT_KEY" || chain_die "cannot sign the parent zone"
	chain_nsd parent "$CHAIN_PARENT4" "$parent"
	CHAIN_PARENT_PID=$CHAIN_BG_PID
	sed -i "s/\"server_pid\": 0/\"server_pid\": $CHAIN_PARENT_PID/" "$CHAIN_REG_CONF"
	chain_unbound_start
}

# chain_unbound_run NAME ADDR VERBOSITY SERVER-LINES TAIL: an Unbound in
# CHAIN_NS on ADDR@53, its files in $CHAIN_DIR/NAME; SERVER-LINES go into
# the server: clause, TAIL after it. Sets CHAIN_BG_PID.
chain_unbound_run() {
	local name=$1 addr=$2 verbosity=$3 lines=$4 tail=$5 dir="$CHAIN_DIR/$1"
	mkdir -p "$dir"
	cat >"$dir/unbound.conf" <<UB
server:
	interface: $addr
	port: 53
	do-ip6: no
	access-control: 192.0.2.0/24 allow
	username: ""
	chroot: ""
	directory: "$dir"
	pidfile: "$dir/unbound.pid"
	use-syslog: no
	logfile: "$dir/unbound.log"
	log-time-ascii: yes
	verbosity: $verbosity
	val-log-level: 2
	module-config: "validator iterator"
	# Extended DNS Errors (RFC 8914) on SERVFAIL: the probe logs why.
	ede: yes
	# Unbound answers test. (and home.arpa.) itself by default.
	local-zone: "test." nodefault
	local-zone: "home.arpa." nodefault
$lines
$tail
UB
	unbound-checkconf "$dir/unbound.conf" >"$dir/checkconf.log" 2>&1 || {
		cat "$dir/checkconf.log" >&2
		chain_die "unbound-checkconf refused $dir/unbound.conf"
	}
	chain_bg "$dir/stdout.log" unbound -d -c "$dir/unbound.conf"
	# Unbound answers version.server CH TXT itself: up, without a lookup.
	topo_wait 10 chain_in dig @"$addr" +time=1 +tries=1 version.server CH TXT +short >/dev/null || {
		cat "$dir/stdout.log" "$dir/unbound.log" >&2 || true
		chain_die "Unbound ($name) did not answer within 10 s"
	}
}

chain_unbound_start() {
	local dir="$CHAIN_DIR/unbound"
	chain_unbound_run unbound "$CHAIN_UB4" 1 "	root-hints: \"$CHAIN_DIR/root.hints\"
	trust-anchor-file: \"$CHAIN_DIR/root.ds\"
	serve-expired: no
	prefetch: no
	# The gateway is the zone's only server, and tests kill -9 and
	# restart it: Unbound must not back off for minutes (its default
	# retransmit ceiling is 2 min, and a host that is down stays marked
	# down for infra-host-ttl) but try again within a second.
	infra-cache-max-rtt: 1000
	infra-keep-probing: yes
$CHAIN_UB_EXTRA" "remote-control:
	control-enable: yes
	control-interface: \"$dir/control.sock\"
	control-use-cert: no"
	CHAIN_UB_PID=$CHAIN_BG_PID
	chain_dig . SOA
	[ "$(dig_status)" = NOERROR ] && dig_has_flag ad || {
		cat "$GW_TMP/last" "$dir/unbound.log" >&2
		chain_die "Unbound does not validate the test root (no NOERROR with AD for . SOA)"
	}
}

# ---- the gateway ----------------------------------------------------------

chain_gw_config() {
	local extra=${1:-} f="$GW_ETC/chain-gateway.yaml" sect def
	mkdir -p "$GW_TMP/state"
	cat >"$CHAIN_DIR/zone" <<ZONE
\$ORIGIN $CHAIN_ZONE
@ 60 IN SOA ns hostmaster 1 60 30 600 5
@ 60 IN NS ns
ns 60 IN A $CHAIN_GW4
www 10 IN A 192.0.2.80
ZONE
	{
		echo "zone: {domain: $CHAIN_ZONE, file: $CHAIN_DIR/zone}"
		echo "listen: [\"$CHAIN_GW4@53\"]"
		echo "ports-file: $GW_TMP/ports"
		echo "state-dir: $GW_TMP/state"
		for def in \
			"links|links: [{interface: lan0, subdomain: lan}]" \
			"transfer|transfer: {allow: [\"192.0.2.0/24\", \"127.0.0.1\"]}" \
			"rate-limit|rate-limit: {rate: 0}" \
			"mdns|mdns: {warm-up: 0s}" \
			"dnssec|dnssec: {dnskey-ttl: 10}" \
			"control|control: {socket: $GW_TMP/control.sock}"; do
			sect=${def%%|*}
			grep -q "^$sect:" <<<"$extra" || echo "${def#*|}"
		done
		echo "$extra"
	} >"$f"
	echo "$f"
}

chain_start_gateway() {
	local cfg=$1 log="$GW_TMP/gateway.log" from
	rm -f "$GW_TMP/ports"
	# A restart (after chain_kill_gateway KILL, say) appends to the same
	# log: look only at what this start writes.
	from=1
	[ ! -e "$log" ] || from=$(($(wc -l <"$log") + 1))
	ip netns exec "$CHAIN_NS" "$GW_BIN" -c "$cfg" >>"$log" 2>&1 &
	GW_PID=$!
	topo_wait 15 test -s "$GW_TMP/ports" || {
		cat "$log" >&2
		chain_die "the gateway wrote no ports file within 15 s"
	}
	kill -0 "$GW_PID" 2>/dev/null || {
		cat "$log" >&2
		chain_die "the gateway exited at start"
	}
	if grep -q "^links:" "$cfg" && ! grep -q "^links: \[\]" "$cfg"; then
		topo_wait 15 chain_log_since "$from" "link .* is up" || {
			cat "$log" >&2
			chain_die "the gateway's link is not up within 15 s"
		}
	fi
	[ -s "$GW_TMP/state/ds" ] && [ -s "$GW_TMP/state/trust-anchor.ds" ] || {
		cat "$log" >&2
		chain_die "the gateway wrote no DS / trust anchor files in $GW_TMP/state"
	}
}

# grep without -q, which under pipefail could kill tail with SIGPIPE.
chain_log_since() { tail -n +"$1" "$GW_TMP/gateway.log" | grep "$2" >/dev/null; } # LINE REGEX

chain_kill_gateway() {
	local sig=${1:-TERM}
	[ -n "$GW_PID" ] || return 0
	kill -"$sig" "$GW_PID" 2>/dev/null || true
	if [ "$sig" = KILL ] || [ "$sig" = 9 ]; then
		wait "$GW_PID" 2>/dev/null || true
		GW_PID=""
	else
		gw_stop
	fi
}

chain_ctl() {
	"${GW_CTL:?GW_CTL must name dnssd-gatewayctl}" -s "$GW_TMP/control.sock" "$@"
}

# ---- the parent and the registrar -----------------------------------------

chain_parent_set_ds() {
	chain_in "$CHAIN_PY" "$GW_INTEGRATION_DIR/chain_registrar.py" "$CHAIN_REG_CONF" publish "$1" ||
		{
			tail -n 20 "$CHAIN_DIR/registrar.log" >&2 || true
			chain_die "could not publish the DS of $1 at the parent"
		}
}

chain_parent_ds() {
	chain_in dig @"$CHAIN_PARENT4" +time=2 +tries=1 +norec "$CHAIN_ZONE" DS +short 2>/dev/null |
		awk 'NF >= 4 {d = ""; for (i = 4; i <= NF; i++) d = d $i; print $1, $2, $3, toupper(d)}' | sort
}

chain_parent_tags() {
	chain_parent_ds | awk '{print $1}' | sort -n | tr '\n' ' ' | sed 's/ $//'
}

chain_wait_parent_tags() {
	local secs=$1
	shift
	local want
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort -n | tr '\n' ' ' | sed 's/ $//')
	topo_wait "$secs" chain_parent_tags_are "$want"
}
chain_parent_tags_are() { [ "$(chain_parent_tags)" = "$1" ]; }

chain_registrar_start() {
	local interval=${1:-1}
	chain_bg "$CHAIN_DIR/registrar.stdout" "$CHAIN_PY" "$GW_INTEGRATION_DIR/chain_registrar.py" \
		"$CHAIN_REG_CONF" run --interval "$interval" --duration 600
	CHAIN_REG_PID=$CHAIN_BG_PID
}

chain_registrar_stop() {
	[ -n "$CHAIN_REG_PID" ] || return 0
	topo_kill "$CHAIN_REG_PID"
	CHAIN_REG_PID=""
}

chain_registrar_once() {
	local rc=0
	chain_in "$CHAIN_PY" "$GW_INTEGRATION_DIR/chain_registrar.py" "$CHAIN_REG_CONF" once || rc=$?
	return "$rc"
}

# ---- asking: Unbound, the probe, delv -------------------------------------

chain_dig() {
	chain_in dig @"$CHAIN_UB4" +dnssec +time=3 +tries=1 "$@" >"$GW_TMP/last" 2>&1 || true
}

chain_unbound_flush() {
	local name=${1:-$CHAIN_ZONE} c=(unbound-control -c "$CHAIN_DIR/unbound/unbound.conf")
	{
		"${c[@]}" flush_zone "$name" && "${c[@]}" flush_bogus && "${c[@]}" flush_negative &&
			"${c[@]}" flush_infra all && "${c[@]}" flush_requestlist
	} >>"$CHAIN_DIR/unbound/control.log" 2>&1 || {
		cat "$CHAIN_DIR/unbound/control.log" >&2
		chain_die "unbound-control could not flush $name"
	}
}

chain_probe_start() {
	[ -z "$CHAIN_PROBE_PID" ] || chain_die "a probe is already running"
	CHAIN_PROBE_N=$((CHAIN_PROBE_N + 1))
	CHAIN_PROBE_LOG="$CHAIN_DIR/probe-$CHAIN_PROBE_N.log"
	chain_bg "$CHAIN_DIR/probe-$CHAIN_PROBE_N.out" "$CHAIN_PY" "$GW_INTEGRATION_DIR/chain_probe.py" \
		--server "$CHAIN_UB4" --interval 0.1 --duration 300 --log "$CHAIN_PROBE_LOG" "$@"
	CHAIN_PROBE_PID=$CHAIN_BG_PID
	CHAIN_PROBE_UB_LINES=$(wc -l <"$CHAIN_DIR/unbound/unbound.log")
}

chain_probe_stop_rc() {
	local rc=0
	[ -n "$CHAIN_PROBE_PID" ] || chain_die "no probe is running"
	kill -TERM "$CHAIN_PROBE_PID" 2>/dev/null || true
	wait "$CHAIN_PROBE_PID" || rc=$?
	CHAIN_PROBE_PID=""
	CHAIN_PROBE_SUMMARY=$(cat "$CHAIN_DIR/probe-$CHAIN_PROBE_N.out")
	return "$rc"
}

chain_probe_stop() {
	local what=$1 rc=0
	chain_probe_stop_rc || rc=$?
	echo "$CHAIN_PROBE_SUMMARY" | head -n 1 | sed 's/^/    /'
	if [ "$rc" -eq 0 ]; then
		pass "$what: every answer validated ($(echo "$CHAIN_PROBE_SUMMARY" | sed -n '1s/^probe: //p'))"
	else
		fail "$what: the probe saw answers that did not validate (status $rc)"
		echo "$CHAIN_PROBE_SUMMARY" | sed 's/^/    | /' >&2
		echo "    | Unbound, since the probe started:" >&2
		tail -n +"$((CHAIN_PROBE_UB_LINES + 1))" "$CHAIN_DIR/unbound/unbound.log" |
			grep -i "validation failure\|error" | head -n 10 | sed 's/^/    | /' >&2 || true
	fi
}

chain_delv() {
	local name=$1 type=${2:-A}
	chain_in timeout 20 delv @"$CHAIN_UB4" -a "$CHAIN_DIR/root-anchor.conf" "$name" "$type" \
		>"$GW_TMP/last" 2>&1 || true
	grep -q "^; fully validated\|^; negative response, fully validated" "$GW_TMP/last"
}

chain_verify_zone() {
	local n=$((${CHAIN_VERIFY_N:-0} + 1)) z
	CHAIN_VERIFY_N=$n
	z="$CHAIN_DIR/axfr-$n.zone"
	chain_in kdig @"$CHAIN_GW4" +time=5 AXFR "$CHAIN_ZONE" +noall +answer >"$z.raw" 2>&1 || true
	# The transfer repeats the SOA last.
	grep -v '^;' "$z.raw" | sed '$d' >"$z"
	grep -q "SOA" "$z" || {
		cp "$z.raw" "$GW_TMP/last"
		return 1
	}
	timeout 60 ldns-verify-zone "$z" >"$GW_TMP/last" 2>&1 || return 1
	# With a ZSK (flags 256) in the zone, dnssec-verify also checks the
	# roles: SEP keys sign the DNSKEY RRset, ZSKs the rest. A zone of CSKs
	# alone has no ZSK, and -z lets the SEP keys sign everything. Either
	# way every algorithm in the DNSKEY RRset must sign every RRset.
	local z_opt=-z
	if awk '$4 == "DNSKEY" && $5 == 256 {f = 1} END {exit !f}' "$z"; then
		z_opt=""
	fi
	timeout 60 dnssec-verify $z_opt -o "$CHAIN_ZONE" "$z" >"$GW_TMP/last" 2>&1 || return 1
}

# ---- the mDNS link ----------------------------------------------------------

chain_pub_start() {
	local ll
	ll=$(topo_ll "$CHAIN_NS_LAN" eth0)
	rm -f "$CHAIN_DIR/pub.in"
	mkfifo "$CHAIN_DIR/pub.in"
	: >"$CHAIN_DIR/pub.out"
	ip netns exec "$CHAIN_NS_LAN" "$CHAIN_PY" "$GW_INTEGRATION_DIR/publish.py" \
		--iface eth0 --addr4 192.0.2.18 --addr6 2001:db8:0:1::2 --ll6 "$ll" \
		<"$CHAIN_DIR/pub.in" >"$CHAIN_DIR/pub.out" 2>"$CHAIN_DIR/pub.err" &
	CHAIN_PUB_PID=$!
	CHAIN_PIDS+=("$CHAIN_PUB_PID")
	exec {CHAIN_PUB_FD}>"$CHAIN_DIR/pub.in"
	topo_wait 20 grep -qx ready "$CHAIN_DIR/pub.out" || {
		cat "$CHAIN_DIR/pub.err" >&2
		chain_die "the publisher did not start"
	}
	echo "register printer" >&"$CHAIN_PUB_FD"
	topo_wait 20 grep -qx "ok register printer" "$CHAIN_DIR/pub.out" || {
		cat "$CHAIN_DIR/pub.out" "$CHAIN_DIR/pub.err" >&2
		chain_die "the publisher did not register its printer"
	}
}

chain_churn_start() {
	[ -n "$CHAIN_PUB_FD" ] || chain_die "chain_churn_start needs chain_pub_start first"
	(
		i=0
		end=$((SECONDS + 300))
		while [ "$SECONDS" -lt "$end" ]; do
			i=$((i + 1))
			echo "bench churn$i" >&"$CHAIN_PUB_FD"
			# Older than 1.5 s: zeroconf's announcements are out, so the
			# goodbye is the last word (see test_e2e_churn.sh).
			[ "$i" -le 4 ] || echo "unregister churn$((i - 4))" >&"$CHAIN_PUB_FD"
			sleep 0.5
		done
	) &
	CHAIN_CHURN_PID=$!
	CHAIN_PIDS+=("$CHAIN_CHURN_PID")
}

chain_churn_stop() {
	[ -n "$CHAIN_CHURN_PID" ] || return 0
	topo_kill "$CHAIN_CHURN_PID"
	CHAIN_CHURN_PID=""
	sleep 0.5
	CHAIN_CHURN_CHANGES=$(grep -c "^ok bench churn\|^ok unregister churn" "$CHAIN_DIR/pub.out" || true)
	if grep -q "^error" "$CHAIN_DIR/pub.out"; then
		grep "^error" "$CHAIN_DIR/pub.out" | head -n 5 >&2
	fi
}

# ---- RFC 5011 ----------------------------------------------------------------

chain_5011_start() {
	local anchor=$1 hold=${2:-10} dir="$CHAIN_DIR/unbound5011"
	mkdir -p "$dir"
	CHAIN_5011_FILE="$dir/${CHAIN_ZONE}key"
	cp "$anchor" "$CHAIN_5011_FILE"
	# The test root's hints, so that nothing is ever asked outside the
	# namespace (there is no route out of it either).
	chain_unbound_run unbound5011 "$CHAIN_UB5011_4" 2 "	root-hints: \"$CHAIN_DIR/root.hints\"
	auto-trust-anchor-file: \"$CHAIN_5011_FILE\"
	# RFC 5011's 30 days, shortened for the test.
	permit-small-holddown: yes
	add-holddown: $hold
	del-holddown: $hold
	keep-missing: $((hold * 6))" "remote-control:
	control-enable: no
stub-zone:
	name: \"$CHAIN_ZONE\"
	stub-addr: $CHAIN_GW4@53"
	CHAIN_UB5011_PID=$CHAIN_BG_PID
}

chain_5011_state() {
	sed -n "s/.*id = $1 .*;;state=[0-9]* \[ *\([A-Z]*\) *\].*/\1/p" "$CHAIN_5011_FILE" | head -n 1
}

chain_5011_dig() {
	chain_in dig @"$CHAIN_UB5011_4" +dnssec +time=3 +tries=1 "$@" >"$GW_TMP/last" 2>&1 || true
}

# ---- teardown ---------------------------------------------------------------

chain_dump_logs() {
	local f
	echo "---- chain logs ($CHAIN_DIR; GW_KEEP_TMP=1 keeps them) ----" >&2
	for f in "$GW_TMP/gateway.log" "$CHAIN_DIR/registrar.log" "$CHAIN_DIR/unbound/unbound.log" \
		"$CHAIN_DIR/unbound5011/unbound.log" "$CHAIN_DIR/parent/nsd.log" "$CHAIN_DIR/root/nsd.log" \
		"$CHAIN_DIR/pub.err"; do
		[ -s "$f" ] || continue
		echo "---- $f (last 25 lines)" >&2
		tail -n 25 "$f" | sed 's/^/    /' >&2
	done
}

chain_teardown() {
	local pids=() p
	if [ -n "$CHAIN_PUB_FD" ]; then
		exec {CHAIN_PUB_FD}>&- 2>/dev/null || true
		CHAIN_PUB_FD=""
	fi
	gw_stop
	pids=("${CHAIN_PIDS[@]}")
	if [ -n "$CHAIN_NS_MADE" ]; then
		for p in $(ip netns pids "$CHAIN_NS" 2>/dev/null) $(ip netns pids "$CHAIN_NS_LAN" 2>/dev/null); do
			pids+=("$p")
		done
	fi
	topo_kill "${pids[@]}"
	CHAIN_PIDS=()
	CHAIN_PROBE_PID=""
	CHAIN_REG_PID=""
	CHAIN_CHURN_PID=""
	if [ -n "$CHAIN_NS_MADE" ]; then
		ip netns del "$CHAIN_NS" 2>/dev/null || true
		ip netns del "$CHAIN_NS_LAN" 2>/dev/null || true
		CHAIN_NS_MADE=""
	fi
}

chain_exit() {
	local rc=$?
	if [ "$rc" -ne 0 ] || [ "${FAILED:-0}" -gt 0 ]; then
		chain_dump_logs
	fi
	chain_teardown
	gw_cleanup
	exit "$rc"
}
