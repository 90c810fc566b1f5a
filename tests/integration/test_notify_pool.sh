#!/usr/bin/env bash
# NOTIFY's sockets across zones: two zones of 20 secondaries each, all
# told at start. A stand-in (notify_answer.py) listens for all 40 on
# loopback and holds each answer a second. The daemon has at most 32
# NOTIFYs under way at once (docs/security.md, file descriptors): the
# stand-in gets exactly 32 before it answers any, the other 8 once
# answers free sockets; all 40 end acknowledged, and the counters say 8
# waited.
source "$(dirname "$0")/lib.sh"
CTL=${GW_CTL:-$(dirname "$GW_BIN")/ctl/dnssd-gatewayctl}
[ -x "$CTL" ] || { echo "FAIL: no dnssd-gatewayctl at $CTL (GW_CTL)" >&2; exit 1; }

TARGETS=40
POOL=32
python3 -u "$GW_INTEGRATION_DIR/notify_answer.py" 127.0.0.1 0 "$TARGETS" 1.0 >"$GW_TMP/notify.out" 2>&1 &
NOTIFY_PID=$!
trap 'kill "$NOTIFY_PID" 2>/dev/null || true; gw_cleanup' EXIT
for _ in $(seq 1 50); do grep -qx ready "$GW_TMP/notify.out" && break; sleep 0.1; done
grep -qx ready "$GW_TMP/notify.out" || { cat "$GW_TMP/notify.out" >&2; echo "FAIL: notify_answer.py did not start" >&2; exit 1; }
mapfile -t ports < <(awk '$1 == "port" {print $2}' "$GW_TMP/notify.out")
[ "${#ports[@]}" = "$TARGETS" ] || { echo "FAIL: the stand-in has ${#ports[@]} ports, not $TARGETS" >&2; exit 1; }

targets() { # FIRST LAST: the YAML list of the stand-in's ports FIRST..LAST
	local i list=""
	for i in $(seq "$1" "$2"); do
		list="$list${list:+, }\"127.0.0.1@${ports[$i]}\""
	done
	echo "[$list]"
}
small_zone a.test
mv "$GW_TMP/zone" "$GW_TMP/a.zone"
small_zone b.test
mv "$GW_TMP/zone" "$GW_TMP/b.zone"
cfg=$(gw_config pool "zones:
  - domain: a.test.
    file: $GW_TMP/a.zone
    transfer: {notify: $(targets 0 19)}
  - domain: b.test.
    file: $GW_TMP/b.zone
    transfer: {notify: $(targets 20 39)}")
gw_start "$cfg"

answered() { [ "$(grep -c '^notify 100$' "$GW_TMP/notify.out")" -ge "$TARGETS" ]; }
for _ in $(seq 1 200); do answered && break; sleep 0.1; done
expect "every secondary of both zones answered the start's NOTIFY" answered

# What reached the stand-in before it sent its first answer (a second
# after the first NOTIFY came).
before=$(awk '$1 == "notify" {exit} $1 == "got" {n++} END {print n + 0}' "$GW_TMP/notify.out")
expect "$POOL NOTIFYs under way before any answer, not $TARGETS (got $before)" test "$before" = "$POOL"
distinct=$(awk '$1 == "got" {print $2}' "$GW_TMP/notify.out" | sort -u | wc -l)
expect "each of the $TARGETS secondaries got the NOTIFY (got $distinct)" test "$distinct" = "$TARGETS"

ctl() { "$CTL" -s "$GW_TMP/control.sock" --json "$@" >"$GW_TMP/ctl.out" 2>"$GW_TMP/ctl.err"; }
jtrue() {
	/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
		"$GW_TMP/ctl.out"
}
ctl stats
expect "stats: $((TARGETS - POOL)) NOTIFYs queued, $TARGETS acknowledged, none failed" \
	jtrue "d['notify']['queued'] == $((TARGETS - POOL)) and d['notify']['acked'] == $TARGETS and d['notify']['failed'] == 0"
ctl secondaries
expect "secondaries: all $TARGETS acknowledged, over both zones" \
	jtrue "len(d['notify']) == $TARGETS and all(t['result'] == 'acknowledged' for t in d['notify']) and {t['zone'] for t in d['notify']} == {'a.test.', 'b.test.'}"
expect "the gateway logged no socket error" bash -c "! grep -q 'cannot open a socket' '$GW_TMP/gateway.log'"

gw_finish
