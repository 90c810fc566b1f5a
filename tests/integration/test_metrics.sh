#!/usr/bin/env bash
# Prometheus metrics over HTTP (gateway/http): the listener on port 0 is
# in the ports file, /metrics is text format 0.0.4 that promtool accepts,
# the counters move by exactly the queries, transfers and commits made,
# a client outside metrics.allow is refused, a metrics port in use stops
# the start, and without metrics.listen nothing listens.
source "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || { echo "FAIL: promtool missing (scripts/setup.sh: prometheus)" >&2; exit 1; }
command -v ss >/dev/null || { echo "FAIL: ss missing (iproute2)" >&2; exit 1; }

# fetch PORT OUT [SOURCE-ADDRESS]: GET /metrics into OUT, the status line
# and content type into OUT.head; exit status non-zero when refused.
fetch() {
	python3 - "$1" "$2" "${3:-}" <<'PY'
import http.client, sys
port, out, src = int(sys.argv[1]), sys.argv[2], sys.argv[3]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5,
                                  source_address=(src, 0) if src else None)
try:
    conn.request("GET", "/metrics")
    r = conn.getresponse()
    body = r.read()
except (OSError, http.client.HTTPException) as e:
    print(f"no answer: {e!r}", file=sys.stderr)
    sys.exit(3)
open(out, "wb").write(body)
open(out + ".head", "w").write(f"{r.status}\n{r.getheader('Content-Type')}\n")
PY
}

# value FILE SAMPLE: the value of the sample (name and labels exactly as
# written), empty when absent.
value() {
	awk -v s="$2" '$1 == s {print $2; exit}' "$1"
}

# delta SAMPLE: its value in $GW_TMP/after minus that in $GW_TMP/before.
delta() {
	local a b
	b=$(value "$GW_TMP/before" "$1")
	a=$(value "$GW_TMP/after" "$1")
	if [ -z "$a" ] || [ -z "$b" ]; then
		echo "missing"
		return
	fi
	echo $((a - b))
}

small_zone test.example
# A DNAME to a long name: a long name below it is YXDOMAIN (RFC 6672 2.2).
L63=$(printf 'a%.0s' $(seq 1 63))
echo "dn 300 IN DNAME $L63.$L63.$L63." >>"$GW_TMP/zone"
cfg=$(gw_config metrics "zone: {domain: test.example., file: $GW_TMP/zone}
metrics: {listen: [\"127.0.0.1@0\"]}")
gw_start "$cfg"
cp "$GW_TMP/ports" "$GW_TMP/last"
MPORT=$(awk '$1 == "metrics" && $2 == "127.0.0.1" {print $3; exit}' "$GW_TMP/ports")
expect "ports file: a metrics line with the bound port" test -n "$MPORT"
expect "ports file: the udp and tcp lines are still there" \
	bash -c "grep -q '^udp 127.0.0.1 $GW_PORT\$' '$GW_TMP/ports' && grep -q '^tcp 127.0.0.1 $GW_PORT\$' '$GW_TMP/ports'"
[ -n "$MPORT" ] || { gw_finish; exit 1; }

fetch "$MPORT" "$GW_TMP/before" >"$GW_TMP/last" 2>&1 && got=0 || got=$?
expect "GET /metrics answers" test "$got" -eq 0
cp "$GW_TMP/before.head" "$GW_TMP/last" 2>/dev/null || true
expect "status 200" bash -c "head -n1 '$GW_TMP/before.head' | grep -qx 200"
expect "content type text/plain; version=0.0.4" \
	bash -c "sed -n 2p '$GW_TMP/before.head' | grep -q '^text/plain; version=0.0.4'"
promtool check metrics <"$GW_TMP/before" >"$GW_TMP/last" 2>&1 && lint=0 || lint=$?
expect "promtool check metrics accepts the scrape" test "$lint" -eq 0
cp "$GW_TMP/before" "$GW_TMP/last"
expect "HELP and TYPE lines" bash -c "grep -q '^# HELP dnssd_gateway_queries_total ' '$GW_TMP/before' && grep -q '^# TYPE dnssd_gateway_queries_total counter\$' '$GW_TMP/before'"
expect "build info with the version" grep -q '^dnssd_gateway_build_info{version="[0-9.]*"} 1$' "$GW_TMP/before"
expect "commit latency is a histogram" grep -q '^# TYPE dnssd_gateway_zone_commit_duration_seconds histogram$' "$GW_TMP/before"

# Every metric is documented.
undocumented=""
for m in $(awk '$1 == "#" && $2 == "TYPE" {print $3}' "$GW_TMP/before"); do
	grep -q "\`$m\`" "$GW_INTEGRATION_DIR/../../docs/metrics.md" || undocumented="$undocumented $m"
done
echo "$undocumented" >"$GW_TMP/last"
expect "every metric is in docs/metrics.md (missing:${undocumented:- none})" test -z "$undocumented"

# N UDP queries of one type, M over TCP of another, one AXFR.
N=7
M=5
for _ in $(seq 1 $N); do q www.test.example. TXT +notcp; done
for _ in $(seq 1 $M); do q www.test.example. SRV +tcp; done
kdig @127.0.0.1 -p "$GW_PORT" +time=5 AXFR test.example. >"$GW_TMP/axfr.txt" 2>&1 || true
expect "the AXFR went through" grep -q "SOA" "$GW_TMP/axfr.txt"
fetch "$MPORT" "$GW_TMP/after" >"$GW_TMP/last" 2>&1 || true
cp "$GW_TMP/after" "$GW_TMP/last"
d=$(delta 'dnssd_gateway_queries_total{transport="udp",type="TXT"}')
expect "udp TXT queries moved by $N ($d)" test "$d" = "$N"
d=$(delta 'dnssd_gateway_queries_received_total{transport="udp"}')
expect "udp queries received moved by $N ($d)" test "$d" = "$N"
d=$(delta 'dnssd_gateway_queries_total{transport="tcp",type="SRV"}')
expect "tcp SRV queries moved by $M ($d)" test "$d" = "$M"
d=$(delta 'dnssd_gateway_queries_total{transport="tcp",type="AXFR"}')
expect "tcp AXFR queries moved by 1 ($d)" test "$d" = 1
d=$(delta 'dnssd_gateway_queries_received_total{transport="tcp"}')
expect "tcp queries received moved by $M + 1 ($d)" test "$d" = $((M + 1))
d=$(delta 'dnssd_gateway_transfers_total{type="axfr",result="ok"}')
expect "transfers: one AXFR ok ($d)" test "$d" = 1
d=$(delta 'dnssd_gateway_queries_total{transport="udp",type="SRV"}')
expect "no udp SRV query counted ($d)" test "$d" = 0
# www has no TXT or SRV: NOERROR, no data, for all of them.
d=$(delta 'dnssd_gateway_responses_total{transport="udp",rcode="NOERROR"}')
expect "udp NOERROR responses moved by $N ($d)" test "$d" = "$N"
d=$(delta 'dnssd_gateway_responses_total{transport="tcp",rcode="NOERROR"}')
expect "tcp NOERROR responses moved by $M + 1 ($d)" test "$d" = $((M + 1))
d=$(delta 'dnssd_gateway_tcp_connections_accepted_total')
expect "tcp connections accepted moved by $M + 1 ($d)" test "$d" = $((M + 1))
q nosuch.test.example. A +notcp
fetch "$MPORT" "$GW_TMP/before" >"$GW_TMP/last" 2>&1 || true
d=$(value "$GW_TMP/before" 'dnssd_gateway_responses_total{transport="udp",rcode="NXDOMAIN"}')
expect "an NXDOMAIN is counted as such ($d)" test "$d" = 1
q "$L63.dn.test.example." A +notcp
expect "the long name below the DNAME is YXDOMAIN" has_status YXDOMAIN
fetch "$MPORT" "$GW_TMP/before" >"$GW_TMP/last" 2>&1 || true
d=$(value "$GW_TMP/before" 'dnssd_gateway_responses_total{transport="udp",rcode="YXDOMAIN"}')
expect "a YXDOMAIN is counted as such, not as other ($d)" test "$d" = 1

# A committed change: the zone file changed and SIGHUP.
cp "$GW_TMP/before" "$GW_TMP/first"
serial=$(gw_soa_serial test.example.)
echo "new 300 IN A 192.0.2.81" >>"$GW_TMP/zone"
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do
	[ "$(gw_soa_serial test.example.)" != "$serial" ] && break
	sleep 0.1
done
expect "the reload committed a new serial" test "$(gw_soa_serial test.example.)" != "$serial"
cp "$GW_TMP/first" "$GW_TMP/before"
fetch "$MPORT" "$GW_TMP/after" >"$GW_TMP/last" 2>&1 || true
cp "$GW_TMP/after" "$GW_TMP/last"
d=$(delta 'dnssd_gateway_zone_commits_total{zone="test.example."}')
expect "zone commits moved by 1 ($d)" test "$d" = 1
d=$(delta 'dnssd_gateway_zone_commit_duration_seconds_count{zone="test.example."}')
expect "commit histogram count moved by 1 ($d)" test "$d" = 1
d=$(delta 'dnssd_gateway_zone_commit_duration_seconds_bucket{zone="test.example.",le="+Inf"}')
expect "commit histogram +Inf bucket moved by 1 ($d)" test "$d" = 1
d=$(delta 'dnssd_gateway_dnssec_rrsets_signed_total{zone="test.example."}')
expect "the commit signed RRsets ($d)" test "$d" -gt 0 2>/dev/null
expect "the serial gauge is the served serial" \
	test "$(value "$GW_TMP/after" 'dnssd_gateway_zone_serial{zone="test.example."}')" = "$(gw_soa_serial test.example.)"
# IXFR from the serial before the reload (in the journal), and from the
# current one (the SOA alone).
cp "$GW_TMP/after" "$GW_TMP/before"
kdig @127.0.0.1 -p "$GW_PORT" +time=5 IXFR="$serial" test.example. >"$GW_TMP/ixfr1.txt" 2>&1 || true
kdig @127.0.0.1 -p "$GW_PORT" +time=5 IXFR="$(gw_soa_serial test.example.)" test.example. >"$GW_TMP/ixfr2.txt" 2>&1 || true
fetch "$MPORT" "$GW_TMP/after" >"$GW_TMP/last" 2>&1 || true
cp "$GW_TMP/after" "$GW_TMP/last"
d=$(delta 'dnssd_gateway_transfers_total{type="ixfr",result="ok"}')
expect "transfers: one IXFR ok from the journal ($d)" test "$d" = 1
d=$(delta 'dnssd_gateway_transfers_total{type="ixfr",result="current"}')
expect "transfers: one IXFR from a client up to date ($d)" test "$d" = 1
promtool check metrics <"$GW_TMP/after" >"$GW_TMP/last" 2>&1 && lint=0 || lint=$?
expect "promtool accepts the scrape after traffic and a commit" test "$lint" -eq 0
# Other paths and methods.
code=$(python3 -c "
import http.client
c = http.client.HTTPConnection('127.0.0.1', $MPORT, timeout=5)
c.request('GET', '/nothing'); r = c.getresponse(); r.read(); a = r.status
c = http.client.HTTPConnection('127.0.0.1', $MPORT, timeout=5)
c.request('POST', '/metrics', body=b'x'); r = c.getresponse(); r.read()
print(a, r.status, r.getheader('Allow'))" 2>&1 || true)
echo "$code" >"$GW_TMP/last"
expect "unknown path 404, POST 405 with Allow ($code)" test "$code" = "404 405 GET, HEAD"
gw_stop

# A client outside metrics.allow is refused at accept.
cfg=$(gw_config metrics-allow "zone: {domain: test.example., file: $GW_TMP/zone}
metrics: {listen: [\"127.0.0.1@0\"], allow: [\"127.0.0.1/32\"]}")
gw_start "$cfg"
MPORT=$(awk '$1 == "metrics" {print $3; exit}' "$GW_TMP/ports")
fetch "$MPORT" "$GW_TMP/denied" 127.0.0.2 >"$GW_TMP/last" 2>&1 && got=0 || got=$?
expect "a client from 127.0.0.2 gets no answer" test "$got" -ne 0
expect "... and no body" test ! -s "$GW_TMP/denied"
fetch "$MPORT" "$GW_TMP/allowed" >"$GW_TMP/last" 2>&1 && got=0 || got=$?
expect "127.0.0.1 is still answered" test "$got" -eq 0
cp "$GW_TMP/allowed" "$GW_TMP/last"
expect "the refusal is counted" grep -qx 'dnssd_gateway_http_refused_total 1' "$GW_TMP/allowed"
expect "the refusal is logged" grep -q "metrics: connection from 127.0.0.2 refused" "$GW_TMP/gateway.log"
gw_stop

# The limits: with one connection allowed, an idle client holds the
# listener until the timeout closes it; the next request waits for that.
cfg=$(gw_config metrics-limits "zone: {domain: test.example., file: $GW_TMP/zone}
metrics: {listen: [\"127.0.0.1@0\"], max-connections: 1, timeout: 2s}")
gw_start "$cfg"
MPORT=$(awk '$1 == "metrics" {print $3; exit}' "$GW_TMP/ports")
python3 - "$MPORT" >"$GW_TMP/last" 2>&1 <<'PY' || true
import http.client, socket, sys, time
port = int(sys.argv[1])
idle = socket.create_connection(("127.0.0.1", port))
time.sleep(0.3)
t0 = time.monotonic()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
c.request("GET", "/metrics")
r = c.getresponse()
r.read()
waited = time.monotonic() - t0
idle.settimeout(1)
closed = idle.recv(1) == b""
print(f"status {r.status} waited {waited:.2f} idle-closed {closed}")
PY
read -r _ status _ waited _ closed <"$GW_TMP/last" || true
expect "at the connection limit the next request is answered ($status)" test "$status" = 200
expect "... once the idle connection timed out (waited $waited s)" \
	python3 -c "import sys; sys.exit(not 1.2 <= float('$waited') <= 5)"
expect "... which the listener closed" test "$closed" = True
gw_stop

# hold_then_ask PORT HOLDER LISTENER ASKER [COMMAND...]: from HOLDER, open
# 8 connections to the metrics listener at LISTENER and send half a
# request on each; a second later count those still open, then GET
# /metrics from ASKER. Run under COMMAND (a namespace) when given. Writes
# "held N status S waited SECONDS refused R" to $GW_TMP/last.
hold_then_ask() {
	local port=$1 holder=$2 listener=$3 asker=$4
	shift 4
	"$@" python3 - "$port" "$holder" "$listener" "$asker" >"$GW_TMP/last" 2>&1 <<'PY' || true
import http.client, socket, sys, time
port, holder, listener, asker = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
family = socket.AF_INET6 if ":" in listener else socket.AF_INET
held = []
for _ in range(8):
    s = socket.socket(family)
    s.bind((holder, 0))
    s.connect((listener, port))
    s.sendall(b"GET /metrics HTTP/1.1\r\n")  # and never the rest
    held.append(s)
time.sleep(1)
open_now = 0
for s in held:
    s.setblocking(False)
    try:
        open_now += s.recv(1) != b""
    except BlockingIOError:
        open_now += 1
    except OSError:
        pass
t0 = time.monotonic()
c = http.client.HTTPConnection(listener, port, timeout=8, source_address=(asker, 0))
c.request("GET", "/metrics")
r = c.getresponse()
body = r.read().decode()
waited = time.monotonic() - t0
refused = [l.split()[1] for l in body.splitlines()
           if l.startswith("dnssd_gateway_http_refused_client_total ")]
print(f"held {open_now} status {r.status} waited {waited:.2f} refused {refused[0] if refused else '-'}")
PY
}

# One client may hold half of the connections (automatic: 8 -> 4):
# 127.0.0.2 opening 8 idle ones keeps 4, and 127.0.0.1 is answered at
# once. Before metrics.max-per-client, 127.0.0.2 held all 8 and the next
# request waited for the idle timeout.
cfg=$(gw_config metrics-per-client "zone: {domain: test.example., file: $GW_TMP/zone}
metrics: {listen: [\"127.0.0.1@0\"], max-connections: 8, timeout: 10s}")
gw_start "$cfg"
MPORT=$(awk '$1 == "metrics" {print $3; exit}' "$GW_TMP/ports")
hold_then_ask "$MPORT" 127.0.0.2 127.0.0.1 127.0.0.1
read -r _ held _ status _ waited _ refused <"$GW_TMP/last" || true
expect "one client keeps 4 of 8 connections ($held)" test "$held" = 4
expect "... and another is answered ($status)" test "$status" = 200
expect "... at once (waited $waited s)" python3 -c "import sys; sys.exit(not float('$waited') < 2)"
expect "... the refusals counted ($refused)" test "$refused" = 4
expect "... and logged" grep -q "metrics: connection from 127.0.0.2 refused: it holds 4 connections, metrics.max-per-client" "$GW_TMP/gateway.log"
gw_stop

# The same over IPv6, where a client is its address, not its /64 (a LAN's
# hosts share one /64): in a namespace of this test's own, whose loopback
# holds 2001:db8::1 (the listener), ::2 and ::3 (two hosts of one /64).
# ::2 keeps 4 of 8, ::3 is answered at once.
[ "$(id -u)" = 0 ] || { echo "FAIL: network namespaces need root (this test never skips)" >&2; exit 1; }
NS6="gwm6$$"
trap 'ip netns del "$NS6" 2>/dev/null || true; gw_cleanup' EXIT
ip netns add "$NS6"
ip -n "$NS6" link set lo up
for a in 2001:db8::1 2001:db8::2 2001:db8::3; do
	ip -n "$NS6" addr add "$a/128" dev lo nodad
done
printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$NS6" "$GW_BIN" >"$GW_TMP/gw-ns6"
chmod 755 "$GW_TMP/gw-ns6"
GW_BIN_HOST=$GW_BIN
GW_BIN=$GW_TMP/gw-ns6
cfg=$(gw_config metrics-per-client6 "zone: {domain: test.example., file: $GW_TMP/zone}
metrics: {listen: [\"[2001:db8::1]@0\"], allow: [\"2001:db8::/64\"], max-connections: 8, timeout: 10s}")
gw_start "$cfg"
GW_BIN=$GW_BIN_HOST
MPORT=$(awk '$1 == "metrics" {print $3; exit}' "$GW_TMP/ports")
hold_then_ask "$MPORT" 2001:db8::2 2001:db8::1 2001:db8::3 ip netns exec "$NS6"
read -r _ held _ status _ waited _ <"$GW_TMP/last" || true
expect "IPv6: one address keeps 4 of 8 connections ($held)" test "$held" = 4
expect "... and another address of its /64 is answered at once ($status, $waited s)" \
	python3 -c "import sys; sys.exit(not ('$status' == '200' and float('${waited:-99}') < 2))"
expect "... the refusals logged with the address" \
	grep -q "metrics: connection from \[\?2001:db8::2\]\?.* refused: it holds 4 connections" "$GW_TMP/gateway.log"
gw_stop
ip netns del "$NS6"

# A metrics port in use stops the start, as a DNS port does, before the
# state directory is made.
python3 - >"$GW_TMP/held" <<'PY' &
import socket, time
t = socket.socket()
t.bind(("127.0.0.1", 0))
t.listen(1)
print(t.getsockname()[1], flush=True)
time.sleep(60)
PY
HOLDER=$!
trap 'kill "$HOLDER" 2>/dev/null || true; gw_cleanup' EXIT
for _ in $(seq 1 50); do
	[ -s "$GW_TMP/held" ] && break
	sleep 0.1
done
HELD=$(cat "$GW_TMP/held")
cfg=$(gw_config metrics-busy "zone: {domain: test.example., file: $GW_TMP/zone}
metrics: {listen: [\"127.0.0.1@$HELD\"]}")
sed -i "s|^state-dir: .*|state-dir: $GW_TMP/busy-state|" "$cfg"
timeout 20 "$GW_BIN" -c "$cfg" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "a metrics port in use stops the start (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
expect "... saying which address" grep -q "metrics: cannot listen on 127.0.0.1 port $HELD" "$GW_TMP/last"
expect "... before the state directory is made" test ! -e "$GW_TMP/busy-state"
kill "$HOLDER" 2>/dev/null || true

# Off by default: no metrics line, no listening socket besides DNS.
cfg=$(gw_config metrics-off "zone: {domain: test.example., file: $GW_TMP/zone}")
gw_start "$cfg"
cp "$GW_TMP/ports" "$GW_TMP/last"
expect "off by default: no metrics line in the ports file" bash -c "! grep -q '^metrics' '$GW_TMP/ports'"
ss -Hltnp >"$GW_TMP/last" 2>&1 || true
listening=$(grep -c "pid=$GW_PID," "$GW_TMP/last" || true)
tcp_lines=$(grep -c '^tcp ' "$GW_TMP/ports" || true)
expect "off by default: the daemon listens on its DNS TCP sockets only ($listening = $tcp_lines)" \
	test "$listening" -eq "$tcp_lines"
gw_finish
