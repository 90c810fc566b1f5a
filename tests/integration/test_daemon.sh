#!/usr/bin/env bash
# The daemon's life: --check-config, the ports file, SIGHUP reload (a good
# file replaces the zone, a bad one keeps the old zone and says why; the
# daemon answers while a reload reads the zone file),
# SIGTERM shutdown; a start whose clock is behind the state directory's
# last write says so; a log pipe without a reader does not kill it.
source "$(dirname "$0")/lib.sh"

cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
good=$(gw_config good "zone: {domain: dnssd.test., file: $GW_TMP/zone}")

"$GW_BIN" --check-config -c "$good" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "--check-config accepts a valid file" test "$rc" -eq 0
"$GW_BIN" --check-config >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "--check-config accepts the built-in default" test "$rc" -eq 0

bad=$(gw_config bad "zone: {domain: dnssd.test., file: $GW_TMP/zone}
listen-typo: true
server: {udp-payload: 100}")
"$GW_BIN" --check-config -c "$bad" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "--check-config rejects a bad file" test "$rc" -eq 1
expect "--check-config names the unknown key with its line" grep -q "bad.yaml:6:1: listen-typo: unknown key" "$GW_TMP/last"

printf 'www IN A 192.0.2.1\n' >"$GW_TMP/nosoa.zone"
nosoa=$(gw_config nosoa "zone: {domain: dnssd.test., file: $GW_TMP/nosoa.zone}")
"$GW_BIN" --check-config -c "$nosoa" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "--check-config checks the zone file too" test "$rc" -eq 1

gw_start "$good"
expect "ports file lists udp and tcp" bash -c "grep -q '^udp 127.0.0.1 ' '$GW_TMP/ports' && grep -q '^tcp 127.0.0.1 $GW_PORT\$' '$GW_TMP/ports'"
expect "the port is logged" grep -q "listening on udp 127.0.0.1 port $GW_PORT" "$GW_TMP/gateway.log"

q new.dnssd.test. A
expect "before reload: new name absent" has_status NXDOMAIN

# A good new file: the new name appears, the serial moves.
sed 's/2026112701/2026112702/' "$GW_TEST_DATA/integration/basic.zone" >"$GW_TMP/zone.new"
echo 'new IN A 192.0.2.99' >>"$GW_TMP/zone.new"
mv "$GW_TMP/zone.new" "$GW_TMP/zone"
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do
	q new.dnssd.test. A
	has_status NOERROR && break
	sleep 0.1
done
expect "SIGHUP: the new zone is served" has_text "192.0.2.99"
q dnssd.test. SOA
expect "SIGHUP: the new serial" has_text "2026112702"

# A broken file: the old zone stays, the log says why with the line.
printf '$ORIGIN dnssd.test.\n@ IN SOA ns1 hostmaster 3 3600 600 86400 30\nbroken IN A 300.1.1.1\n' >"$GW_TMP/zone"
kill -HUP "$GW_PID"
gw_wait_log "not reloaded" || true
expect "bad zone file: reload refused and logged" grep -q "zone not reloaded" "$GW_TMP/gateway.log"
expect "bad zone file: the log names the line" grep -q "zone:3" "$GW_TMP/gateway.log"
q new.dnssd.test. A
expect "bad zone file: the previous zone is still served" has_text "192.0.2.99"

# The zone file is read beside the loop: a FIFO that no writer has opened
# holds a reload's read, and the daemon answers meanwhile (it stopped all
# answers before). A reload asked for through the control socket, and a
# SIGHUP, during it wait and follow it as one run, which reads the file
# again; the control client's reply comes at that run's end.
CTL=${GW_CTL:-$(dirname "$GW_BIN")/ctl/dnssd-gatewayctl}
{
	sed 's/2026112701/2026112703/' "$GW_TEST_DATA/integration/basic.zone"
	echo 'new IN A 192.0.2.99'
	echo 'late IN A 192.0.2.98'
} >"$GW_TMP/zone.late"
rm -f "$GW_TMP/zone"
mkfifo "$GW_TMP/zone"
runs() { grep -c "reload: reading" "$GW_TMP/gateway.log"; }
n0=$(runs)
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do
	[ "$(runs)" -gt "$n0" ] && break
	sleep 0.1
done
expect "a reload began" test "$(runs)" -eq $((n0 + 1))
q dnssd.test. SOA
expect "while the zone file is read: SOA answered" has_text "2026112702"
"$CTL" -s "$GW_TMP/control.sock" reload >"$GW_TMP/ctl.out" 2>"$GW_TMP/ctl.err" &
CTL_PID=$!
gw_wait_log "reload asked through the control socket" || true
kill -HUP "$GW_PID"
q new.dnssd.test. A
expect "... and A answered, with a control client and a SIGHUP waiting" has_text "192.0.2.99"
expect "the control client waits" kill -0 "$CTL_PID"
expect "one run so far" test "$(runs)" -eq $((n0 + 1))
cat "$GW_TMP/zone.late" >"$GW_TMP/zone" # the first run's read
for _ in $(seq 1 50); do
	[ "$(runs)" -gt $((n0 + 1)) ] && break
	sleep 0.1
done
expect "the waiting ones follow in one run" test "$(runs)" -eq $((n0 + 2))
q late.dnssd.test. A
expect "the first run applied the file" has_text "192.0.2.98"
cat "$GW_TMP/zone.late" >"$GW_TMP/zone" # the second run's read
ctl_rc=0
wait "$CTL_PID" || ctl_rc=$?
expect "the control client's reload: exit 0" test "$ctl_rc" -eq 0
expect "... its report, at that run's end" grep -q "applied: zone file only" "$GW_TMP/ctl.out"
sleep 0.5
expect "no third run" test "$(runs)" -eq $((n0 + 2))

# The waiters of one run are told one after another. One that asks
# again at once (b: a second reload sent behind its first) starts the
# next run then; the others (c) still get the report of the run they
# waited for, not the next one's.
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do
	[ "$(runs)" -gt $((n0 + 2)) ] && break
	sleep 0.1
done
asked() { grep -c "reload: asked for while one is under way" "$GW_TMP/gateway.log"; }
a0=$(asked)
python3 - "$GW_TMP/control.sock" "$GW_TMP/told" "$a0" "$GW_TMP/gateway.log" <<'PY' &
import json, socket, sys, time
path, out, a0, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def asked():
    return open(log).read().count("reload: asked for while one is under way")
def client(text, want):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(text.encode())
    return s, want
def wait_asked(n):
    for _ in range(100):
        if asked() >= n:
            return
        time.sleep(0.05)
b = client('{"command":"reload"}\n{"command":"reload"}\n', 2)
wait_asked(a0 + 1)
c = client('{"command":"reload"}\n', 1)
wait_asked(a0 + 2)
open(out + ".ready", "w").close()
reports = {}
for name, (s, want) in (("b", b), ("c", c)):
    s.settimeout(20)
    buf = b""
    while buf.count(b"\n") < want:
        data = s.recv(65536)
        if not data:
            break
        buf += data
    reports[name] = [json.loads(l).get("data", {}).get("report", "")
                     for l in buf.decode().splitlines()]
json.dump(reports, open(out, "w"))
PY
TOLD_PID=$!
for _ in $(seq 1 100); do
	[ -e "$GW_TMP/told.ready" ] && break
	sleep 0.05
done
# Three runs read the file: the SIGHUP's, b's and c's first, b's second.
for run in 1 2 3; do
	cat "$GW_TMP/zone.late" >"$GW_TMP/zone"
done
wait "$TOLD_PID" || true
cp "$GW_TMP/told" "$GW_TMP/last" 2>/dev/null || true
expect "b's two reloads and c's reload answered" \
	python3 -c "import json,sys; r=json.load(open('$GW_TMP/told')); sys.exit(not (len(r['b']) == 2 and len(r['c']) == 1))"
expect "c's report is that of the run it waited for, as b's first ($(cat "$GW_TMP/told" 2>/dev/null))" \
	python3 -c "import json,sys; r=json.load(open('$GW_TMP/told')); sys.exit(not (r['c'][0] == r['b'][0] and 'applied' in r['c'][0]))"

# A stop while a reload reads: it says what it waits for, and stops once
# the read ends, applying nothing of it.
r0=$(runs)
applied0=$(grep -c "reload: applied" "$GW_TMP/gateway.log")
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do
	[ "$(runs)" -gt "$r0" ] && break
	sleep 0.1
done
kill -TERM "$GW_PID"
gw_wait_log "waiting for the zone files a reload is reading" || true
expect "a stop during a reload's read says what it waits for" \
	grep -q "waiting for the zone files a reload is reading" "$GW_TMP/gateway.log"
cat "$GW_TMP/zone.late" >"$GW_TMP/zone"
rc=0
wait "$GW_PID" || rc=$?
GW_PID=""
rm -f "$GW_TMP/zone"
cp "$GW_TMP/zone.late" "$GW_TMP/zone"
expect "... and nothing of that read applied" \
	test "$(grep -c "reload: applied" "$GW_TMP/gateway.log")" -eq "$applied0"
expect "SIGTERM: clean exit status 0" test "$rc" -eq 0
expect "SIGTERM: the ports file is removed" test ! -e "$GW_TMP/ports"
expect "the first start had nothing to say of the clock" bash -c "! grep -q 'wall clock is' '$GW_TMP/gateway.log'"

# The state directory last written two days ahead of the clock (an
# appliance started before its time sync): said at the start.
touch -d "@$(($(date +%s) + 2 * 86400))" "$GW_TMP/state/serial"
cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
gw_start "$good"
expect "a clock behind the state directory is said" \
	grep -Eq "zone dnssd.test.: the wall clock is 1[0-9]{5} s behind the last write in $GW_TMP/state" "$GW_TMP/gateway.log"
gw_stop

# Its stdout and stderr a pipe nobody reads (a log pipe whose reader is
# gone): every log line fails with EPIPE, from the first. The daemon
# starts, serves and stops cleanly all the same; SIGPIPE killed it
# during its start, before it ignored the signal once serving.
rm -f "$GW_TMP/ports" "$GW_TMP/epipe.pid" "$GW_TMP/epipe.rc"
/usr/bin/python3 - "$GW_BIN" "$good" "$GW_TMP/epipe" <<'PY' &
import os, subprocess, sys
r, w = os.pipe()
os.close(r)  # no reader: a write to the pipe fails (EPIPE, and SIGPIPE)
p = subprocess.Popen([sys.argv[1], "-c", sys.argv[2]], stdout=w, stderr=w)
os.close(w)
with open(sys.argv[3] + ".pid", "w") as f:
    f.write(str(p.pid))
rc = p.wait()
with open(sys.argv[3] + ".rc", "w") as f:
    f.write(str(rc))
PY
for _ in $(seq 1 100); do
	[ -s "$GW_TMP/ports" ] || [ -s "$GW_TMP/epipe.rc" ] && break
	sleep 0.1
done
expect "log pipe without a reader: the daemon starts (ports file)" test -s "$GW_TMP/ports"
if [ -s "$GW_TMP/ports" ]; then
	GW_PORT=$(awk '$1 == "udp" && $2 == "127.0.0.1" {print $3; exit}' "$GW_TMP/ports")
	q dnssd.test. SOA
	expect "log pipe without a reader: SOA answered" has_text "IN SOA"
	kill -TERM "$(cat "$GW_TMP/epipe.pid")"
fi
for _ in $(seq 1 100); do
	[ -s "$GW_TMP/epipe.rc" ] && break
	sleep 0.1
done
expect "log pipe without a reader: clean exit status 0 ($(cat "$GW_TMP/epipe.rc" 2>/dev/null))" \
	test "$(cat "$GW_TMP/epipe.rc" 2>/dev/null)" = 0
wait

gw_finish
