#!/usr/bin/env bash
# An AXFR of a signed zone that keeps changing under it: a secondary on a
# thin link reads a big zone for seconds, longer than a busy campus zone
# goes without a commit. The transfer must end, with the version it began
# with: the same SOA first and last, a chain that verifies
# (ldns-verify-zone), and of the names each commit replaces, exactly the
# ones that version had, both ahead of the transfer and behind it. Before,
# every commit during a transfer ended it, and the secondary never got
# the zone while it changed. Once with NSEC, once with NSEC3 (whose
# hashed owners a commit changes all over the zone).
#
# The daemon and the reader run in a network namespace of the test's own,
# its TCP send buffers cut to 64 kB (net.ipv4.tcp_wmem, per namespace),
# so that a zone of 1000 hosts already outgrows what the kernel holds and
# the daemon waits for the reader mid-zone.
#
# Then a reader that has also subscribed, on the same connection, with
# DNS Push to a name a commit adds, and reads as fast as it can while the
# daemon commits: the PUSH is written at once, and the transfer behind it
# on that connection must go on (it was aborted when DNS Push heard of
# the commit before the transfer did).
source "$(dirname "$0")/own_netns.sh"
own_netns AXFR_BUSY_NS "net.ipv4.tcp_wmem=4096 16384 65536"
source "$(dirname "$0")/lib.sh"
command -v ldns-verify-zone >/dev/null || { echo "FAIL: ldns-verify-zone missing" >&2; exit 1; }

Z=dnssd.test
# 1000 hosts with an A, an AAAA and a TXT: about 800 kB signed, ten times
# what the socket buffers between the daemon and the reader hold.
{
	echo "\$ORIGIN $Z."
	echo "@ 300 IN SOA ns hostmaster 1 3600 600 86400 60"
	echo "@ 300 IN NS ns"
	echo "ns 300 IN A 192.0.2.53"
	for i in $(seq 1 1000); do
		echo "h$i 60 IN A 192.0.2.$((i % 250 + 1))"
		echo "h$i 60 IN AAAA 2001:db8::$(printf %x "$i")"
		echo "h$i 60 IN TXT \"host $i of a busy campus, printer and scanner\""
	done
} >"$GW_TMP/zone.base"

# marks N: the zone with this commit's two names, one sorting before
# every host (sent early) and one after them all (sent last).
marks() {
	cp "$GW_TMP/zone.base" "$GW_TMP/zone.new"
	echo "aaa-mark-$1 60 IN A 198.51.100.1" >>"$GW_TMP/zone.new"
	echo "zzz-mark-$1 60 IN A 198.51.100.2" >>"$GW_TMP/zone.new"
	chmod 644 "$GW_TMP/zone.new"
	mv "$GW_TMP/zone.new" "$GW_TMP/zone"
}
# busy_transfer DENIAL: the daemon on the zone with that denial, a reader
# stalled mid-zone, commits meanwhile, and what the transfer sent checked.
busy_transfer() {
	local d=$1
	gw_stop
	rm -rf "$GW_TMP/state"
	: >"$GW_TMP/gateway.log"
	marks 0
	cfg=$(gw_config axfr-busy "zone: {domain: $Z., file: $GW_TMP/zone}
dnssec: {denial: $d}
metrics: {listen: [\"127.0.0.1@0\"]}")
	gw_start "$cfg"
	MPORT=$(awk '$1 == "metrics" && $2 == "127.0.0.1" {print $3; exit}' "$GW_TMP/ports")

	: >"$GW_TMP/axfr.zone"
	/usr/bin/python3 "$GW_INTEGRATION_DIR/axfr_slow.py" --port "$GW_PORT" --zone "$Z." \
		--out "$GW_TMP/axfr.zone" --stall 3 >"$GW_TMP/reader" 2>&1 &
	local reader=$!
	# A commit every 0.4 s while the reader stalls (at most 8).
	sleep 0.5
	local commits=0 i rc kept_during=""
	for i in $(seq 1 8); do
		kill -0 "$reader" 2>/dev/null || break
		marks "$i"
		kill -HUP "$GW_PID"
		commits=$i
		sleep 0.4
		# Mid-stall: what the transfer keeps, in the metrics.
		[ "$i" = 4 ] && kept_during=$(kept_bytes)
	done
	wait "$reader" && rc=0 || rc=$?
	cat "$GW_TMP/reader"
	cp "$GW_TMP/reader" "$GW_TMP/last"

	expect "$d: commits came during the transfer ($commits)" test "$commits" -ge 4
	expect "$d: the metrics show what it keeps meanwhile ($kept_during octets)" \
		test "${kept_during:-0}" -gt 0
	local kept_after
	kept_after=$(kept_bytes)
	expect "$d: ... and nothing once it is done ($kept_after)" test "$kept_after" = 0
	local during
	during=$(awk '/AXFR to .* started/ {on = 1} /AXFR done/ {on = 0} on && /reload: applied/ {n++} END {print n + 0}' "$GW_TMP/gateway.log")
	expect "$d: the zone changed under the transfer ($during commits between its start and end)" \
		test "$during" -ge 2
	expect "$d: the transfer ended, its first SOA last too" test "$rc" -eq 0
	expect "$d: ... and the daemon says so" grep -q "AXFR done" "$GW_TMP/gateway.log"
	expect "$d: no AXFR aborted" bash -c "! grep -q 'AXFR aborted' '$GW_TMP/gateway.log'"
	local serial now
	serial=$(sed -n 's/^complete serial=\([0-9]*\).*/\1/p' "$GW_TMP/reader")
	now=$(kdig @127.0.0.1 -p "$GW_PORT" +short SOA $Z. | awk '{print $3}')
	expect "$d: the transfer began at serial $serial, before the last commit ($now)" \
		test -n "$serial" -a "${serial:-0}" -lt "${now:-0}"
	local front end
	front=$(mark aaa | xargs)
	end=$(mark zzz | xargs)
	expect "$d: one name from the front (sent before the commits: $front)" \
		test "$(wc -w <<<"$front")" -eq 1
	expect "$d: one name from the end (sent after them), of the same commit ($end)" \
		test -n "$end" -a "${front#aaa}" = "${end#zzz}"
	expect "$d: every host is there" \
		test "$(grep -c "^h[0-9]*\.$Z\. [0-9]* IN A " "$GW_TMP/axfr.zone" || true)" -eq 1000
	ldns-verify-zone "$GW_TMP/axfr.zone" >"$GW_TMP/verify" 2>&1 && ok=0 || ok=$?
	cp "$GW_TMP/verify" "$GW_TMP/last"
	expect "$d: the transferred zone verifies: one version, its chain whole" test "$ok" -eq 0
}

# The transfer_kept_bytes gauge, from the metrics listener.
kept_bytes() {
	/usr/bin/python3 - "$MPORT" <<'PY'
import http.client, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
conn.request("GET", "/metrics")
for line in conn.getresponse().read().decode().splitlines():
    if line.startswith("dnssd_gateway_transfer_kept_bytes "):
        print(line.split()[1])
PY
}

mark() { { grep -o "^$1-mark-[0-9]*\.$Z\. [0-9]* IN A " "$GW_TMP/axfr.zone" || true; } | cut -d. -f1; }

busy_transfer nsec
busy_transfer nsec3

# push_transfer: a reader that has subscribed, on the same connection,
# to a name the commit adds, and that reads as fast as it can from the
# moment the commit is asked for: while the daemon commits, the reader
# empties the socket, and the PUSH written at once finds room for all the
# daemon holds, so the transfer must go on from there.
push_transfer() {
	gw_stop
	rm -rf "$GW_TMP/state" "$GW_TMP/go"
	: >"$GW_TMP/gateway.log"
	marks 0
	cfg=$(gw_config axfr-push "zone: {domain: $Z., file: $GW_TMP/zone}
push: {enable: true, plain-tcp: true}")
	gw_start "$cfg"
	: >"$GW_TMP/axfr.zone"
	/usr/bin/python3 "$GW_INTEGRATION_DIR/axfr_slow.py" --port "$GW_PORT" --zone "$Z." \
		--out "$GW_TMP/axfr.zone" --go "$GW_TMP/go" --subscribe "aaa-mark-1.$Z." \
		>"$GW_TMP/reader" 2>&1 &
	local reader=$! rc
	sleep 1 # the reader has the first message; the daemon waits for it
	marks 1
	touch "$GW_TMP/go"
	kill -HUP "$GW_PID"
	wait "$reader" && rc=0 || rc=$?
	cat "$GW_TMP/reader"
	cp "$GW_TMP/reader" "$GW_TMP/last"
	expect "DNS Push: the transfer ended, its first SOA last too" test "$rc" -eq 0
	expect "DNS Push: the commit came during the transfer" grep -q "reload: applied" "$GW_TMP/gateway.log"
	expect "DNS Push: the subscription's PUSH came on the transfer's connection" \
		grep -qE '^complete .* pushes=[1-9]' "$GW_TMP/reader"
	expect "DNS Push: no AXFR aborted" bash -c "! grep -q 'AXFR aborted' '$GW_TMP/gateway.log'"
	expect "DNS Push: every host is there" \
		test "$(grep -c "^h[0-9]*\.$Z\. [0-9]* IN A " "$GW_TMP/axfr.zone" || true)" -eq 1000
}
push_transfer

gw_finish
