#!/usr/bin/env bash
# dnssd-gatewayctl against the real daemon (topology.sh draws the network:
# two LANs with python3-zeroconf publishers, the gateway between them).
# Every command with --json, parsed by python3 and checked against what
# the gateway serves and what the test did: the two links, the services
# per link (and the --link filter), the SOA serial as kdig sees it, the
# key tags of the served DNSKEY set, the DS that dnssec-dsfromkey computes
# from it, a refusal after a service over the link's limit, the NOTIFY
# target's answers (a stand-in secondary, notify_answer.py) and its AXFR,
# the log level changing the log, reload reports (a good and a broken zone
# file). Then the human output of each command, and the errors: an
# unknown command, no daemon, no permission (as nobody against the 0660
# socket; a member of its group gets in): one line on stderr and the exit
# code --help documents.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/topology.sh"
for tool in kdig dnssec-dsfromkey setpriv stat; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup.sh)" >&2; exit 1; }
done
CTL=${GW_CTL:-$(dirname "$GW_BIN")/ctl/dnssd-gatewayctl}
[ -x "$CTL" ] || { echo "FAIL: no dnssd-gatewayctl at $CTL (GW_CTL)" >&2; exit 1; }

TOPO_DIR=$GW_TMP
TOPO_NAME=ctl$$
topo_setup

D=home.arpa.
SOCK=$GW_TMP/control.sock
NOTIFY_PORT=5399
cat >"$GW_TMP/zone" <<ZONE
\$ORIGIN $D
@ 3600 IN SOA ns hostmaster 100 3600 600 86400 30
@ 3600 IN NS ns
ns 3600 IN A 192.0.2.33
ZONE
# At most 3 services per link: lan1 gets 3, and a fourth is refused. No
# configured subtypes (they would count as types against the same limit).
cfg=$(topo_gw_config "$D" "dnssec: {keys: ksk-zsk}
transfer: {notify: [\"127.0.0.1@$NOTIFY_PORT\"]}
mdns: {batch-window: 50ms, subtypes: [], limits: {services-per-link: 3}}")
sed -i "s|^zone: {domain: $D}|zone: {domain: $D, file: $GW_TMP/zone}|" "$cfg"
grep -q "file: $GW_TMP/zone" "$cfg" || { echo "FAIL: cannot set the zone file in $cfg" >&2; exit 1; }

# The stand-in secondary, in the gateway's namespace, before the gateway:
# the start's NOTIFY gets its answer.
topo_bg "$NS_GW" "$GW_TMP/notify.out" /usr/bin/python3 -u "$GW_INTEGRATION_DIR/notify_answer.py" \
	127.0.0.1 "$NOTIFY_PORT"
topo_wait 10 grep -qx ready "$GW_TMP/notify.out" || { echo "FAIL: notify_answer.py did not start" >&2; exit 1; }
topo_gw_start "$cfg"
topo_wait 10 test -S "$SOCK" || { cat "$GW_TMP/gateway.log" >&2; echo "FAIL: no control socket at $SOCK" >&2; exit 1; }

# ctl ARGS...: dnssd-gatewayctl on the socket; stdout in ctl.out, stderr
# in ctl.err, the exit code in CTL_RC.
ctl() {
	CTL_RC=0
	"$CTL" -s "$SOCK" "$@" >"$GW_TMP/ctl.out" 2>"$GW_TMP/ctl.err" || CTL_RC=$?
}
# jctl ARGS...: ctl --json, and true when it exited 0.
jctl() {
	ctl --json "$@"
	[ "$CTL_RC" = 0 ]
}
# jtrue EXPR: EXPR (python, the last --json output as d) holds.
jtrue() {
	/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
		"$GW_TMP/ctl.out" 2>>"$GW_TMP/jtrue.err"
}
# jval EXPR: prints EXPR of the last --json output.
jval() {
	/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$GW_TMP/ctl.out"
}
# one_error_line: nothing on stdout, one line on stderr naming the program.
one_error_line() {
	[ ! -s "$GW_TMP/ctl.out" ] && [ "$(wc -l <"$GW_TMP/ctl.err")" = 1 ] &&
		grep -q "^dnssd-gatewayctl: " "$GW_TMP/ctl.err"
}
qgw() { # kdig from the gateway's namespace to its 127.0.0.1@53
	ip netns exec "$NS_GW" kdig @127.0.0.1 -p 53 +time=2 +retry=1 "$@" 2>&1 || true
}
served_serial() {
	qgw +short SOA "$D" | awk '{print $3}'
}
# served_holds COMMAND EXPR: ctl --json COMMAND, and EXPR holds with
# SERIAL replaced by the SOA serial the gateway serves.
served_holds() {
	local s
	jctl "$1" || return 1
	s=$(served_serial)
	[ -n "$s" ] && jtrue "${2//SERIAL/$s}"
}

# ---- services on two links ---------------------------------------------------

topo_pub_start 1
topo_pub_start 2
# lan1: three services, the limit; lan2: two.
for svc in 1:printer 1:ssh 1:http 2:printer 2:http; do
	topo_pub "${svc%%:*}" register "${svc#*:}"
done
services_on() { # LINK COUNT
	jctl services --link "$1" && jtrue "d['total'] == $2"
}
topo_wait 30 services_on lan1 3 || true
topo_wait 30 services_on lan2 2 || true

expect "links --json: exit 0" jctl links
expect "links: the two links, lan1 and lan2" jtrue "sorted(l['label'] for l in d['links']) == ['lan1', 'lan2']"
expect "links: both up, on their interfaces" \
	jtrue "all(l['state'] == 'up' and l['ifname'] == l['label'] and l['ifindex'] > 0 for l in d['links'])"
expect "links: 3 services on lan1, 2 on lan2" \
	jtrue "{l['label']: l['services'] for l in d['links']} == {'lan1': 3, 'lan2': 2}"
expect "links: names under the zone" jtrue "{l['name'] for l in d['links']} == {'lan1.$D', 'lan2.$D'}"

expect "services --json: exit 0" jctl services
expect "services: 5 in all, none omitted" jtrue "d['total'] == 5 and d['omitted'] == 0 and len(d['services']) == 5"
expect "services: the published instances per link" jtrue "sorted((s['link'], s['type'], s['instance']) for s in d['services']) == \
[('lan1', '_http._tcp', 'Web Server'), ('lan1', '_ipp._tcp', 'B\u00fcro Drucker\\\\2'), ('lan1', '_ssh._tcp', 'lanhost'), \
('lan2', '_http._tcp', 'Web Server'), ('lan2', '_ipp._tcp', 'B\u00fcro Drucker\\\\2')]"
expect "services: the printer's host, port and addresses" \
	jtrue "any(s['type'] == '_ipp._tcp' and s['host'] == 'printer.local.' and s['port'] == 631 and s['addresses'] >= 2 for s in d['services'])"
expect "services --link lan2: only lan2's" jctl services --link lan2
expect "services --link lan2: two, both on lan2" jtrue "d['link'] == 'lan2' and len(d['services']) == 2 and all(s['link'] == 'lan2' for s in d['services'])"
expect "services --zone home.arpa --limit 1: one listed, 4 omitted" jctl services --zone home.arpa --limit 1
expect "services --limit: counts" jtrue "d['listed'] == 1 and d['omitted'] == 4 and len(d['services']) == 1"
# The mirror's names are served as listed.
qgw +short SRV "lanhost._ssh._tcp.lan1.$D" >"$GW_TMP/last"
expect "the listed ssh service is served (SRV)" grep -q "22 lanhost.lan1.$D" "$GW_TMP/last"

# ---- status: serial, signing ------------------------------------------------

serial_matches() { served_holds status "d['zones'][0]['serial'] == SERIAL"; }
topo_wait 10 serial_matches || true
expect "status: the serial is the served SOA serial (kdig)" serial_matches
expect "status: the zone, signed with two keys and NSEC" \
	jtrue "d['zones'][0]['name'] == '$D' and d['zones'][0]['dnssec'] == {**d['zones'][0]['dnssec'], 'enabled': True, 'keys': 2, 'denial': 'NSEC', 'algorithm': 'ECDSAP256SHA256'}"
expect "status: the last commit made the served serial" \
	jtrue "d['zones'][0]['last_commit']['serial'] == d['zones'][0]['serial'] and d['zones'][0]['commits'] >= 1"
expect "status: signature expiry and next refresh are times" \
	jtrue "d['zones'][0]['dnssec']['earliest_expiry'].endswith('Z') and d['zones'][0]['dnssec']['next_refresh'].endswith('Z')"
expect "status: version, uptime, log level" jtrue "d['version'] and d['uptime_seconds'] >= 0 and d['log_level'] == 'info'"
expect "status: the mirror's links" jtrue "d['mdns']['links'] == 2 and d['mdns']['links_active'] == 2"

# ---- keys and DS against the served DNSKEY set ---------------------------------

qgw +noall +answer DNSKEY "$D" | awk '$4 == "DNSKEY"' >"$GW_TMP/dnskey.zone"
expect "the gateway serves two DNSKEYs" test "$(wc -l <"$GW_TMP/dnskey.zone")" = 2
# Every key's tag, and the KSK's DS (SHA-256), as BIND computes them.
dnssec-dsfromkey -2 -A -f "$GW_TMP/dnskey.zone" "$D" 2>"$GW_TMP/dsfromkey.err" | awk '{print $4}' | sort >"$GW_TMP/tags.served"
dnssec-dsfromkey -2 -f "$GW_TMP/dnskey.zone" "$D" 2>>"$GW_TMP/dsfromkey.err" >"$GW_TMP/ds.served"
expect "dnssec-dsfromkey computed two tags and one DS" \
	test "$(wc -l <"$GW_TMP/tags.served")" = 2 -a "$(wc -l <"$GW_TMP/ds.served")" = 1
expect "keys --json: exit 0" jctl keys
jval "'\n'.join(sorted(str(k['tag']) for k in d['keys']))" >"$GW_TMP/tags.ctl"
expect "keys: the tags are those of the served DNSKEYs" cmp -s "$GW_TMP/tags.ctl" "$GW_TMP/tags.served"
expect "keys: a KSK and a ZSK, ECDSAP256SHA256" \
	jtrue "sorted((k['role'], k['flags']) for k in d['keys']) == [('KSK', 257), ('ZSK', 256)] and all(k['algorithm_number'] == 13 for k in d['keys'])"
expect "ds --json: exit 0" jctl ds
read -r _ _ _ ds_tag ds_alg ds_type ds_digest <<<"$(awk '{print $1, $2, $3, $4, $5, $6, $7 $8}' "$GW_TMP/ds.served")"
expect "ds: one DS, the KSK's" jtrue "len(d['ds']) == 1 and d['ds'][0]['tag'] == $ds_tag"
expect "ds: equal to dnssec-dsfromkey's from the served DNSKEY" \
	jtrue "(d['ds'][0]['algorithm'], d['ds'][0]['digest_type'], d['ds'][0]['digest'].upper()) == ($ds_alg, $ds_type, '${ds_digest^^}')"
expect "ds: its zone file line names the zone and the same digest" \
	jtrue "d['ds'][0]['text'].split()[0] == '$D' and d['ds'][0]['text'].split()[-1].upper() == '${ds_digest^^}'"

# ---- refusals: one service over the link's limit ---------------------------------

expect "refused --json (before): exit 0" jctl refused
before=$(jval "d['counts']['services_per_link']")
topo_pub 1 bench extra
refused_extra() {
	jctl refused && jtrue "any(r['reason'] == 'services_per_link' and r['link'] == 'lan1' and 'extra' in (r['name'] or '') for r in d['recent'])"
}
topo_wait 20 refused_extra || true
expect "refused: the fourth service on lan1, by services_per_link, named" refused_extra
expect "refused: counted by reason" jtrue "d['counts']['services_per_link'] > $before and d['total'] >= d['counts']['services_per_link']"
expect "refused: the limits in force" jtrue "d['limits']['services_per_link'] == 3"
expect "refused: recent entries have a time and a detail" jtrue "all(r['time'].endswith('Z') and r['detail'] for r in d['recent'])"
expect "the refused service is not listed" jctl services --link lan1
expect "services on lan1 still 3, none named extra" jtrue "d['total'] == 3 and not any('extra' in s['instance'] for s in d['services'])"

# ---- secondaries: NOTIFY answered, an AXFR ---------------------------------------

ip netns exec "$NS_GW" kdig @127.0.0.1 -p 53 +time=5 AXFR "$D" >"$GW_TMP/axfr" 2>&1 || true
expect "kdig AXFR from 127.0.0.1 went through" grep -q "IN.*SOA" "$GW_TMP/axfr"
notify_current() {
	served_holds secondaries \
		"d['notify'][0]['result'] == 'acknowledged' and d['notify'][0]['last_answer']['serial'] == SERIAL"
}
topo_wait 20 notify_current || true
expect "secondaries: the target answered the NOTIFY of the served serial" notify_current
expect "secondaries: the target is 127.0.0.1@$NOTIFY_PORT" jtrue "len(d['notify']) == 1 and d['notify'][0]['address'] == '127.0.0.1@$NOTIFY_PORT'"
expect "secondaries: the stand-in secondary saw that serial" grep -q "^notify $(served_serial)\$" "$GW_TMP/notify.out"
expect "secondaries: its last transfer is the AXFR, from 127.0.0.1" \
	jtrue "d['notify'][0]['last_transfer']['kind'] == 'AXFR' and d['notify'][0]['last_transfer']['address'] == '127.0.0.1'"
axfr_serial=$(awk '$4 == "SOA" {print $7; exit}' "$GW_TMP/axfr")
expect "secondaries: the AXFR's serial ($axfr_serial)" jtrue "d['notify'][0]['last_transfer']['serial'] == ${axfr_serial:-0}"
expect "secondaries: the transfer clients" jtrue "d['transfers'][0]['address'] == '127.0.0.1' and d['transfers'][0]['count'] >= 1"

# ---- stats ------------------------------------------------------------------------

expect "stats --json: exit 0" jctl stats
expect "stats: one AXFR, NOTIFYs acknowledged, UDP queries counted" \
	jtrue "d['server']['axfr'] == 1 and d['notify']['acked'] >= 1 and d['server']['udp_queries'] >= 5"
expect "stats: the mirror's refusals and services" jtrue "d['mirror']['refused'] >= 1 and d['mirror']['services'] == 5"

# ---- log level -----------------------------------------------------------------------

expect "log-level debug: exit 0" jctl log-level debug
expect "log-level debug: the reply says so" jtrue "d == {'level': 'debug', 'previous': 'info'}"
expect "log-level: logged" grep -q "log level debug (was info), set through the control socket" "$GW_TMP/gateway.log"
topo_pub 2 unregister http
topo_wait 10 grep -q " debug: " "$GW_TMP/gateway.log" || true
expect "log-level debug: debug lines appear" grep -q " debug: " "$GW_TMP/gateway.log"
expect "log-level info: exit 0" jctl log-level info
lines=$(grep -c " debug: " "$GW_TMP/gateway.log")
topo_pub 2 register http
topo_wait 10 services_on lan2 2 || true
expect "log-level info: no more debug lines" test "$(grep -c " debug: " "$GW_TMP/gateway.log")" = "$lines"
expect "status shows the level" jctl status
expect "status: log level info" jtrue "d['log_level'] == 'info'"

# ---- reload ------------------------------------------------------------------------------

echo "www 300 IN A 192.0.2.80" >>"$GW_TMP/zone"
expect "reload --json: exit 0" jctl reload
expect "reload: the report says what was applied and the serial" \
	jtrue "'applied: zone file only' in d['report'] and str($(served_serial)) in d['report']"
expect "reload: the new record is served" test "$(qgw +short A "www.$D")" = 192.0.2.80
echo "broken line here" >>"$GW_TMP/zone"
ctl --json reload
expect "reload of a broken file: exit 1" test "$CTL_RC" = 1
expect "reload of a broken file: one line on stderr" \
	test "$(wc -l <"$GW_TMP/ctl.err")" = 1 -a "$(grep -c "^dnssd-gatewayctl: reload: reload failed" "$GW_TMP/ctl.err")" = 1
expect "reload of a broken file: the report still comes" jtrue "'refused: zone file' in d['report'] and 'nothing changed' in d['report']"
expect "reload of a broken file: the zone still served" test "$(qgw +short A "www.$D")" = 192.0.2.80

# ---- the human output --------------------------------------------------------------------

hctl() { # ARGS...: human output, exit 0, nothing on stderr
	ctl "$@"
	[ "$CTL_RC" = 0 ] && [ ! -s "$GW_TMP/ctl.err" ] && [ -s "$GW_TMP/ctl.out" ]
}
hout() { # PATTERN...: every extended regex matches a line of the output
	local p
	for p in "$@"; do
		grep -qE -- "$p" "$GW_TMP/ctl.out" || return 1
	done
}
s=$(served_serial)
expect "status (human)" hctl status
expect "status (human): the zone and its serial" hout "^zone $D: serial $s"
expect "status (human): DNSSEC line" hout "^  DNSSEC: ECDSAP256SHA256, NSEC, 2 keys"
expect "status (human): mDNS line" hout "^mDNS: discovering; 2 links \(2 active\), [0-9]+ services, [0-9]+ records published$"
expect "links (human)" hctl links
expect "links (human): a header and both links" hout "^LINK +INTERFACE +IFINDEX +STATE" "^lan1 +lan1 +[0-9]+ +up +3 " "^lan2 +lan2 "
expect "services (human)" hctl services --link lan1
expect "services (human): the ssh service row" hout "^lan1 +_ssh._tcp +lanhost +lanhost.local. +22 "
expect "services (human): the count line" hout "^3 services on link lan1 in $D\$"
expect "refused (human)" hctl refused
expect "refused (human): the reason counted and the recent refusal" hout "services \(limit per link\)" "lan1 +services_per_link +extra"
expect "secondaries (human)" hctl secondaries
expect "secondaries (human): the target, acknowledged, its AXFR" \
	hout "^secondary 127.0.0.1@$NOTIFY_PORT: acknowledged" "^  last transfer  AXFR at "
expect "keys (human)" hctl keys
expect "keys (human): a row per key" \
	hout "^$(head -n 1 "$GW_TMP/tags.served") +ECDSAP256SHA256 +(KSK|ZSK)" "^$(tail -n 1 "$GW_TMP/tags.served") +ECDSAP256SHA256 +(KSK|ZSK)"
expect "ds (human)" hctl ds
expect "ds (human): the DS line for the parent" hout "^home.arpa.\s+3600\s+IN\s+DS\s+$ds_tag $ds_alg $ds_type "
expect "stats (human)" hctl stats
expect "stats (human): counters by section" hout "^server.axfr +1\$" "^notify.acked +[1-9]"
expect "log-level (human)" hctl log-level info
expect "log-level (human): the line" hout "^log level info \(was info\)\$"
sed -i '$d' "$GW_TMP/zone" # the broken line goes
expect "reload (human)" hctl reload
expect "reload (human): the report" hout "applied: .*(serial [0-9]*)"
CTL_RC=0
"$CTL" --help >"$GW_TMP/help" 2>&1 || CTL_RC=$?
expect "--help: exit 0" test "$CTL_RC" = 0
expect "--help: exit code 4 is permission" grep -q "^  4  permission denied" "$GW_TMP/help"

# ---- errors -------------------------------------------------------------------------------

ctl frobnicate
expect "unknown command: exit 2" test "$CTL_RC" = 2
expect "unknown command: one line" one_error_line
expect "unknown command: says which" grep -q "unknown command 'frobnicate'" "$GW_TMP/ctl.err"
ctl --frob status
expect "unknown option: exit 2, one line" test "$CTL_RC" = 2
expect "unknown option: one line naming it" one_error_line
expect "unknown option: names it" grep -q "unknown option --frob" "$GW_TMP/ctl.err"
ctl status --link lan1
expect "a filter on another command: exit 2" test "$CTL_RC" = 2
expect "a filter on another command: one line" one_error_line
ctl services --link nowhere
expect "unknown link: exit 1 (the daemon's error)" test "$CTL_RC" = 1
expect "unknown link: one line with the daemon's reason" one_error_line
expect "unknown link: names it" grep -q "services: no link nowhere" "$GW_TMP/ctl.err"
CTL_RC=0
"$CTL" -s "$GW_TMP/nowhere.sock" status >"$GW_TMP/ctl.out" 2>"$GW_TMP/ctl.err" || CTL_RC=$?
expect "no daemon: exit 3" test "$CTL_RC" = 3
expect "no daemon: one line" one_error_line
expect "no daemon: says so, with the path" grep -q "no daemon answers on $GW_TMP/nowhere.sock" "$GW_TMP/ctl.err"
expect "the socket is mode 0660" test "$(stat -c %a "$SOCK")" = 660
chmod 711 "$GW_TMP" # nobody may reach the socket, not list the directory
CTL_RC=0
setpriv --reuid=nobody --regid=nogroup --clear-groups "$CTL" -s "$SOCK" status \
	>"$GW_TMP/ctl.out" 2>"$GW_TMP/ctl.err" || CTL_RC=$?
expect "as nobody: exit 4" test "$CTL_RC" = 4
expect "as nobody: one line" one_error_line
expect "as nobody: permission denied, with the path" grep -q "permission denied on $SOCK" "$GW_TMP/ctl.err"
CTL_RC=0
setpriv --reuid=nobody --regid=nogroup --groups="$(stat -c %g "$SOCK")" "$CTL" -s "$SOCK" --json status \
	>"$GW_TMP/ctl.out" 2>"$GW_TMP/ctl.err" || CTL_RC=$?
expect "as nobody in the socket's group: exit 0" test "$CTL_RC" = 0
expect "as nobody in the socket's group: the status" jtrue "d['zones'][0]['name'] == '$D'"
chmod 700 "$GW_TMP"

# A second daemon on the same socket path refuses to start, and leaves
# the first one's socket alone.
mkdir -p "$GW_TMP/state2"
cat >"$GW_ETC/second.yaml" <<YAML
zone: {domain: $D}
listen: ["127.0.0.1@0"]
state-dir: $GW_TMP/state2
mdns: {enable: false}
control: {socket: $SOCK}
YAML
rc=0
timeout 30 "$GW_BIN" -c "$GW_ETC/second.yaml" >"$GW_TMP/second.log" 2>&1 || rc=$?
expect "a second daemon on the same socket: does not start" test "$rc" != 0 -a "$rc" != 124
expect "a second daemon on the same socket: says why" grep -q "control socket $SOCK: another daemon answers on it" "$GW_TMP/second.log"
expect "the first daemon still answers on its socket" jctl status

gw_stop
expect "the socket file is removed at exit" test ! -e "$SOCK"
gw_finish
