#!/usr/bin/env bash
# dnssec.policy.ds-check: a KSK rollover waits in ds-wait until the
# parent's server (NSD, serving the parent zone test.) answers with the new
# DS, then goes on by itself, without dnssd-gatewayctl ds-seen. The test
# plays the registrar: it copies the child's CDS into the parent's DS and
# restarts NSD.
source "$(dirname "$0")/lib.sh"
for tool in nsd; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done

NSD_PORT=$(free_port)
NSD_DIR="$GW_TMP/nsd"
NSD_PID=""
mkdir -p "$NSD_DIR"
stop_nsd() {
	if [ -n "$NSD_PID" ]; then
		kill "$NSD_PID" 2>/dev/null || true
		wait "$NSD_PID" 2>/dev/null || true
	fi
	NSD_PID=""
}
trap 'stop_nsd; gw_cleanup' EXIT

{
	nsd_server "$NSD_DIR" "$NSD_PORT"
	cat <<NSD
remote-control:
	control-enable: no
zone:
	name: test.
	zonefile: "$NSD_DIR/test.zone"
NSD
} >"$NSD_DIR/nsd.conf"

# registrar: the parent zone with the child's CDS as DS (or the DS file
# at the start), then NSD restarted on it.
SERIAL=1
registrar() { # FILE-OF-DS-RDATA
	SERIAL=$((SERIAL + 1))
	{
		echo "test. 5 IN SOA ns.test. hostmaster.test. $SERIAL 60 60 600 5"
		echo "test. 5 IN NS ns.test."
		echo "ns.test. 5 IN A 127.0.0.1"
		echo "$Z. 5 IN NS ns.$Z."
		echo "ns.$Z. 5 IN A 127.0.0.1"
		while read -r rdata; do
			[ -n "$rdata" ] && echo "$Z. 2 IN DS $rdata"
		done <"$1"
	} >"$NSD_DIR/test.zone"
	stop_nsd
	nsd -d -c "$NSD_DIR/nsd.conf" >>"$NSD_DIR/stdout.log" 2>&1 &
	NSD_PID=$!
	for _ in $(seq 1 50); do
		kdig @127.0.0.1 -p "$NSD_PORT" +time=1 SOA test. +short 2>/dev/null | grep -q " $SERIAL " && return 0
		sleep 0.1
	done
	echo "FAIL: NSD did not start" >&2
	cat "$NSD_DIR/nsd.log" "$NSD_DIR/stdout.log" >&2 || true
	return 1
}
parent_ds() { kdig @127.0.0.1 -p "$NSD_PORT" +time=2 DS $Z. +short 2>/dev/null | awk '{print $1}' | sort -n | xargs; }

source "$(dirname "$0")/rollover.sh"
roll_start "    ds-check: [\"127.0.0.1@$NSD_PORT\"]
    ds-check-interval: 1s"
cds_to_file() { kdig @127.0.0.1 -p "$GW_PORT" +time=3 CDS $Z. +short >"$GW_TMP/cds"; }

cds_to_file
expect "parent starts with the child's DS" registrar "$GW_TMP/cds"
old=$(parent_ds)
expect "NSD serves the DS ($old)" test -n "$old"

ctl rollover ksk >/dev/null 2>&1 && rc=0 || rc=$?
expect "rollover ksk accepted" test "$rc" -eq 0
expect "ds-wait reached" wait_step ds-wait 20
sleep 4
expect "still ds-wait while the parent has the old DS only" test "$(step)" = "ds-wait"
expect "the check is logged" grep -q "not at the parent yet" "$GW_TMP/gateway.log"
cds_to_file
expect "the registrar copies both DS" registrar "$GW_TMP/cds"
expect "the parent serves two DS" test "$(wc -w <<<"$(parent_ds)")" -eq 2
expect "the rollover goes on by itself (ds-seen)" wait_step ds-seen 10
expect "logged" grep -q "every ds-check server has the DS" "$GW_TMP/gateway.log"
expect "then retire" wait_step retire 20
cds_to_file
expect "CDS names one key, the new one" test "$(wc -l <"$GW_TMP/cds")" -eq 1
expect "the registrar drops the old DS" registrar "$GW_TMP/cds"
expect "the rollover completes" wait_step none 20
new=$(parent_ds)
expect "the parent's DS changed ($old -> $new)" bash -c "test -n '$new' && test '$new' != '$old'"

stop_nsd
gw_finish
