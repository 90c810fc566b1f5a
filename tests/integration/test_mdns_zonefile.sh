#!/usr/bin/env bash
# The zone file and the mirror meeting at a reload (docs/mdns.md,
# Gateway-owned names): a SIGHUP whose zone file now holds the name of a
# mirrored host takes it (the file's address alone, the service that leads
# there withdrawn) in the reload's own serial, no serial serving both
# addresses; one that delegates the link's subdomain leaves nothing
# of the mirror below the cut (the AXFR a secondary gets holds none of it,
# the link's own browse domains included) and says so in one line; giving
# both back publishes the link again. Before, the mirror learnt of a
# reload only when its link next changed: a quiet link kept its records
# below a new delegation, in every transfer, for as long as it was quiet.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/netns.sh"

ns_setup
D=dnssd.test.
L=lan.$D
cat >"$GW_TMP/zone.base" <<ZONE
\$ORIGIN $D
\$TTL 300
@ IN SOA ns hostmaster 1 3600 600 86400 30
@ IN NS ns
ns IN A 192.0.2.53
ZONE
cp "$GW_TMP/zone.base" "$GW_TMP/zone"
cfg=$(gw_config zonefile "zone: {domain: $D, file: $GW_TMP/zone}
dnssec: {enable: true}
transfer: {allow: [127.0.0.1]}
metrics: {listen: [\"127.0.0.1@0\"]}
links: [{interface: $IF_GW, subdomain: lan}]
mdns: {batch-window: 50ms, warm-up: 2s}")
gw_start_ns "$cfg"
MPORT=$(awk '$1 == "metrics" {print $3; exit}' "$GW_TMP/ports")
[ -n "$MPORT" ] || ns_die "no metrics line in the ports file"
# delegated_metric: dnssd_gateway_link_delegated of the link.
delegated_metric() { metric_ns "$MPORT" '/^dnssd_gateway_link_delegated\{.*subdomain="lan"/'; }
wait_until 10 grep -q "link lan ($IF_GW) is up" "$GW_TMP/gateway.log"

pub_start
pub register printer
pub register ssh
PRN='B\195\188ro\032Drucker\\2._ipp._tcp.'$L
wait_until 20 has_answer "printer.$L" A "$ADDR_LAN4"
wait_until 20 has_answer "lanhost._ssh._tcp.$L" SRV "22 lanhost.$L"
expect "mirrored: the printer's address" has_answer "printer.$L" A "IN A $ADDR_LAN4"
expect "mirrored: the printer's SRV" has_answer "$PRN" SRV "631 printer.$L"
expect "mirrored: the SSH host's SRV" has_answer "lanhost._ssh._tcp.$L" SRV "22 lanhost.$L"

# reload N: SIGHUP, then wait (bounded) for the Nth "reload: applied".
reload() {
	kill -HUP "$GW_PID"
	for _ in $(seq 1 50); do
		[ "$(grep -c 'reload: applied' "$GW_TMP/gateway.log")" -ge "$1" ] && break
		sleep 0.2
	done
}
# axfr_mirrored: the AXFR's records below lan.$D that are not the zone
# file's (NS, DNSSEC records and printer.lan's A 192.0.2.99 aside).
axfr_mirrored() {
	qn AXFR "$D"
	awk -v l="$L" '$0 !~ /^;/ && NF >= 5 && $4 != "RRSIG" && $4 != "NSEC" &&
		substr($1, length($1) - length(l) + 1) == l && $1 != l &&
		!($1 == "printer." l && $5 == "192.0.2.99")' "$GW_TMP/last"
}

# ---- the zone file claims the printer's host name ---------------------------
qn "$D" SOA
s0=$(awk '$1 !~ /^;/ && $4 == "SOA" {print $7; exit}' "$GW_TMP/last")
cat "$GW_TMP/zone.base" - >"$GW_TMP/zone" <<ZONE
printer.lan IN A 192.0.2.99
ZONE
reload 1
s1=$(sed -n "s/.*reload: applied.*zone $D at serial \([0-9]*\).*/\1/p" "$GW_TMP/gateway.log" | head -n 1)
wait_until 10 lacks_answer "$PRN" SRV "631"
expect "claimed: the zone file's address is served" has_answer "printer.$L" A "IN A 192.0.2.99"
expect "claimed: the device's address is not" lacks_text "$ADDR_LAN4"
expect "claimed: the service whose SRV leads there is withdrawn" lacks_answer "$PRN" SRV "631"
expect "claimed: the log says why" grep -q "not publishing printer.$L: the name belongs to the static zone" "$GW_TMP/gateway.log"
expect "claimed: the SSH host stays" has_answer "lanhost._ssh._tcp.$L" SRV "22 lanhost.$L"
# One serial for the file's change and the mirror's: the IXFR's diff from
# before the reload to the reload's serial swaps the addresses and takes
# the service that led to the device's away (the mirror's batch joins
# the reload, which holds the zone).
qn +tcp "$D" IXFR="$s0"
swap=$(/usr/bin/python3 - "$GW_TMP/last" "$s0" "$s1" "printer.$L" "$ADDR_LAN4" "$PRN" <<'PY'
import sys
path, s0, s1, host, old, prn = sys.argv[1:]
rrs = [l.split() for l in open(path) if l.strip() and not l.startswith(";")]
rrs = [r for r in rrs if len(r) >= 5]
diffs, cur, part = [], None, None
for r in rrs[1:-1]:
    if r[3] == "SOA":
        if part in (None, "add"):
            cur = {"from": r[6], "dels": [], "adds": []}
            diffs.append(cur)
            part = "del"
        else:
            cur["to"] = r[6]
            part = "add"
    elif cur is not None and (r[3] == "A" and r[0] == host or r[3] == "SRV" and r[0] == prn):
        cur["dels" if part == "del" else "adds"].append(r[3] + " " + r[-1])
d = [x for x in diffs if x["from"] == s0]
print("ok" if d and d[0].get("to") == s1 and "A " + old in d[0]["dels"]
      and "A 192.0.2.99" in d[0]["adds"] and "SRV " + host in d[0]["dels"]
      else "no: %s" % diffs)
PY
)
expect "claimed: one serial ($s0 -> $s1) swaps the addresses and drops the SRV ($swap)" test "$swap" = ok

# ---- the zone file delegates the link's subdomain -------------------------
cat "$GW_TMP/zone.base" - >"$GW_TMP/zone" <<ZONE
printer.lan IN A 192.0.2.99
lan IN NS ns.elsewhere.example.
ZONE
reload 2
for _ in $(seq 1 50); do
	[ -z "$(axfr_mirrored)" ] && break
	sleep 0.2
done
left=$(axfr_mirrored | head -n 5 | tr '\n' '|')
expect "delegated: the AXFR holds nothing of the mirror below the cut ($left)" test -z "$left"
qn AXFR "$D"
expect "delegated: the AXFR holds the cut" grep -Eq "^lan\.$D[[:space:]].*NS[[:space:]]+ns\.elsewhere\.example\." "$GW_TMP/last"
expect "delegated: not even the link's own browse domain (b._dns-sd._udp.$L)" bash -c "! grep -q '^b\._dns-sd\._udp\.$L' '$GW_TMP/last'"
expect "delegated: the apex still lists the link as a browse domain" grep -Eq "^b\._dns-sd\._udp\.$D[[:space:]].*PTR[[:space:]]+$L" "$GW_TMP/last"
expect "delegated: one line says why and what to do" \
	test "$(grep -c "link lan: nothing of it is published in zone $D: $L is at or below a delegation or DNAME of the zone file" "$GW_TMP/gateway.log")" = 1
qn "lanhost._ssh._tcp.$L" SRV
expect "delegated: a query below the cut is referred" grep -Eq "ns\.elsewhere\.example\." "$GW_TMP/last"
"$GW_CTL" -s "$GW_TMP/control.sock" --json links >"$GW_TMP/ctl.json" 2>&1 || true
expect "delegated: dnssd-gatewayctl links says the zone file delegates lan ($(tr -d '\n' <"$GW_TMP/ctl.json" | head -c 300))" \
	/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if [l['delegated_in'] for l in d['links']] == [['$D']] else 1)" "$GW_TMP/ctl.json"
"$GW_CTL" -s "$GW_TMP/control.sock" links >"$GW_TMP/ctl.txt" 2>&1 || true
expect "delegated: and in words" grep -q "^link lan: the zone file of $D delegates its subdomain; nothing of it is published there" "$GW_TMP/ctl.txt"
expect "delegated: and in the metrics" test "$(delegated_metric)" = 1

# ---- both given back ----------------------------------------------------------
cp "$GW_TMP/zone.base" "$GW_TMP/zone"
reload 3
wait_until 20 has_answer "$PRN" SRV "631 printer.$L"
expect "given back: the printer's SRV again" has_answer "$PRN" SRV "631 printer.$L"
expect "given back: the device's address again" has_answer "printer.$L" A "IN A $ADDR_LAN4"
expect "given back: not the old one" lacks_text "192.0.2.99"
expect "given back: the SSH host again" has_answer "lanhost._ssh._tcp.$L" SRV "22 lanhost.$L"
expect "given back: the log says so" grep -q "link lan: $L is no longer delegated by the zone file" "$GW_TMP/gateway.log"
"$GW_CTL" -s "$GW_TMP/control.sock" --json links >"$GW_TMP/ctl.json" 2>&1 || true
expect "given back: dnssd-gatewayctl links lists no delegation" \
	/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if [l['delegated_in'] for l in d['links']] == [[]] else 1)" "$GW_TMP/ctl.json"
expect "given back: the metrics say 0" test "$(delegated_metric)" = 0
expect "no error in the log" bash -c "! grep -q ' error: ' '$GW_TMP/gateway.log'"

gw_finish
