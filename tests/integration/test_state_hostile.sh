#!/usr/bin/env bash
# Whoever can damage the state directory (issue 16, finding 5): a lost key
# state never gives new keys silently, a serial file cut short or restored
# lower never sends the serial backwards, a FIFO in a file's place never
# hangs the start, a symbolic link in the place of keys/, tls/ (also with
# a configured certificate), zones/, a zone's own directory or a key file
# is refused, journal.tmp is made anew (a FIFO or a link there), the
# temporary files a crash left are removed, a DS file that cannot be
# written does not stop the zone, and a second daemon on the same state
# directory is refused. Each case starts the real daemon on a damaged copy
# and checks what it says and what it serves.
source "$(dirname "$0")/lib.sh"

Z=state.test
small_zone $Z
cfg=$(gw_config state "zone: {domain: $Z., file: $GW_TMP/zone}
dnssec: {algorithm: ed25519}")
state="$GW_TMP/state"
soa_serial() { gw_soa_serial "$Z."; }

gw_start "$cfg"
first=$(soa_serial)
expect "first start serves serial $first" test -n "$first"
ds_before=$(cat "$state/ds")
gw_stop

# ---- the key state lost beside the keys -----------------------------------
mv "$state/keys/state" "$GW_TMP/keys-state.bak"
timeout 30 "$GW_BIN" -c "$cfg" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "lost keys/state: the daemon refuses to start (status $rc)" bash -c "[ $rc -ne 0 ] && [ $rc -ne 124 ]"
expect "lost keys/state: the message names the file and the way out" \
	bash -c "grep -q 'keys/state is missing' '$GW_TMP/last' && grep -q -- '--new-keys' '$GW_TMP/last'"
expect "lost keys/state: the DS file is unchanged" test "$(cat "$state/ds")" = "$ds_before"
expect "lost keys/state: no key state written" test ! -e "$state/keys/state"

# Restored from the backup: the same keys, the same DS.
mv "$GW_TMP/keys-state.bak" "$state/keys/state"
gw_start "$cfg"
expect "restored keys/state: the same DS" test "$(cat "$state/ds")" = "$ds_before"
gw_stop

# Only the DS files left (keys/ removed by hand): refused as well.
mv "$state/keys" "$GW_TMP/keys.bak"
timeout 30 "$GW_BIN" -c "$cfg" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "keys/ gone, DS files there: the daemon refuses to start (status $rc)" bash -c "[ $rc -ne 0 ] && [ $rc -ne 124 ]"
expect "keys/ gone: the message names the DS file" grep -q "$state/ds" "$GW_TMP/last"

# Told to: --new-keys makes a new chain of trust, and says so.
"$GW_BIN" -c "$cfg" --new-keys >>"$GW_TMP/gateway.log" 2>&1 &
GW_PID=$!
for _ in $(seq 1 100); do
	[ -s "$state/keys/state" ] && [ "$(cat "$state/ds" 2>/dev/null)" != "$ds_before" ] && break
	sleep 0.1
done
expect "--new-keys: new keys, a new DS" bash -c "[ -s '$state/keys/state' ] && [ \"\$(cat '$state/ds')\" != '$ds_before' ]"
expect "--new-keys: the warning says the parent's DS must change" grep -q "parent's DS must be replaced" "$GW_TMP/gateway.log"
gw_stop
rm -rf "$GW_TMP/keys.bak"

# ---- the serial file ------------------------------------------------------
gw_start "$cfg"
served=$(soa_serial)
gw_stop
ceiling=$(cat "$state/serial")
# Cut short by a crash: "2148\n" read as "21" would go backwards.
printf '%s' "${ceiling:0:2}" >"$state/serial"
timeout 30 "$GW_BIN" -c "$cfg" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "serial file cut short: refused, not read as a lower serial (status $rc)" bash -c "[ $rc -ne 0 ] && [ $rc -ne 124 ]"
expect "serial file cut short: the message names it" grep -q "$state/serial is corrupt" "$GW_TMP/last"
printf '%s\n' "$ceiling" >"$state/serial"
gw_start "$cfg"
now=$(soa_serial)
expect "serial file restored: the serial moved on ($served -> $now)" \
	/usr/bin/python3 -c "import sys; a, b = int('$served'), int('$now'); sys.exit(0 if 0 < (b - a) % 2**32 < 2**31 else 1)"
gw_stop

# ---- a FIFO in a state file's place ---------------------------------------
# Opening a FIFO to read waits for a writer: a daemon that did so would
# hang at start without a word. Each file the start reads, in turn: the
# start either refuses it, naming it, or does without it and serves.
cp -a "$state" "$GW_TMP/state.good"
key=$(cd "$state" && ls keys/*.pem | head -n 1)
for f in serial keys/state "$key" cookie-secret journal journal.tmp; do
	rm -rf "$state"
	cp -a "$GW_TMP/state.good" "$state"
	rm -f "$state/$f"
	mkfifo -m 600 "$state/$f"
	chown dnssd-gateway: "$state/$f"
	case $f in
	journal)
		gw_start "$cfg"
		expect "FIFO as $f: the daemon serves ($(soa_serial))" test -n "$(soa_serial)"
		expect "FIFO as $f: it says it does without it" \
			grep -q "journal: cannot read $state/journal (not a regular file)" "$GW_TMP/gateway.log"
		gw_stop
		expect "FIFO as $f: a regular journal in its place after the stop" test -f "$state/journal"
		;;
	journal.tmp)
		# Where a rewrite writes the new journal: a leftover is
		# removed, not opened (the open used to wait for a reader,
		# the start with it).
		gw_start "$cfg"
		expect "FIFO as $f: the daemon serves ($(soa_serial))" test -n "$(soa_serial)"
		gw_stop
		expect "FIFO as $f: gone, a regular journal written" \
			bash -c "[ ! -p '$state/$f' ] && [ -f '$state/journal' ] && [ ! -L '$state/journal' ]"
		;;
	*)
		timeout 30 "$GW_BIN" -c "$cfg" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
		expect "FIFO as $f: the start is refused, not hung (status $rc)" test "$rc" = 1
		expect "FIFO as $f: the message names it, not a regular file" \
			grep -q "$state/$f.* not a regular file\|$state/$f: not a regular file" "$GW_TMP/last"
		;;
	esac
done
rm -rf "$state"
cp -a "$GW_TMP/state.good" "$state"
# A link at journal.tmp: the rewrite used to write through it, and its
# rename then made the journal itself that link.
printf 'precious\n' >"$GW_TMP/victim"
chown dnssd-gateway: "$GW_TMP/victim" # the daemon's user may write it
ln -s "$GW_TMP/victim" "$state/journal.tmp"
gw_start "$cfg"
expect "journal.tmp a link: the daemon serves ($(soa_serial))" test -n "$(soa_serial)"
gw_stop
expect "journal.tmp a link: nothing written where it pointed" \
	bash -c "[ \"\$(cat '$GW_TMP/victim')\" = precious ]"
expect "journal.tmp a link: the journal a regular file" \
	bash -c "[ -f '$state/journal' ] && [ ! -L '$state/journal' ]"
rm -rf "$state"
cp -a "$GW_TMP/state.good" "$state"

# ---- a symbolic link in a directory's place ------------------------------
# link_refused CFG DIR: DIR (under the state directory) moved elsewhere
# and a link put in its place; the start with CFG is refused, says why,
# and writes nothing where the link points. The state is put back.
link_refused() {
	local c=$1 dir=$2
	expect "$dir/ exists after a start" test -d "$state/$dir"
	cp -a "$state" "$GW_TMP/state.before-link"
	mv "$state/$dir" "$GW_TMP/dir.elsewhere"
	ln -s "$GW_TMP/dir.elsewhere" "$state/$dir"
	timeout 30 "$GW_BIN" -c "$c" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
	expect "$dir/ a symbolic link: the start is refused (status $rc)" test "$rc" = 1
	expect "$dir/ a symbolic link: the message names it and says why" \
		grep -q "$state/$dir is a symbolic link; a directory inside the state directory must be the directory itself" "$GW_TMP/last"
	expect "$dir/ a symbolic link: nothing written where it points" \
		diff -r "$GW_TMP/dir.elsewhere" "$GW_TMP/state.before-link/$dir"
	rm -rf "$state" "$GW_TMP/dir.elsewhere"
	mv "$GW_TMP/state.before-link" "$state"
}
# keys/: the daemon's writes there (some as root, at start) would go
# wherever the link points.
link_refused "$cfg" keys

# A key file replaced by a link (here to a copy of the very key): read as
# root at start, a link could make the daemon sign with any private key
# on the host.
mv "$state/$key" "$GW_TMP/key.elsewhere.pem"
ln -s "$GW_TMP/key.elsewhere.pem" "$state/$key"
timeout 30 "$GW_BIN" -c "$cfg" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "a key file as a symbolic link: the start is refused (status $rc)" test "$rc" = 1
expect "a key file as a symbolic link: the message names it" \
	grep -q "key file $state/$key is a symbolic link" "$GW_TMP/last"
rm -rf "$state" "$GW_TMP/key.elsewhere.pem"
cp -a "$GW_TMP/state.good" "$state"

# ---- a DS file that cannot be written ------------------------------------
# The DS files are for the operator (the DS is in the log too): a ds that
# cannot be replaced (a directory in its place) does not stop the zone.
rm -f "$state/ds" "$state/trust-anchor.ds"
mkdir "$state/ds"
: >"$GW_TMP/gateway.log"
gw_start "$cfg"
expect "ds not writable: the zone is served ($(soa_serial))" test -n "$(soa_serial)"
expect "ds not writable: the log says so, and where the DS is" \
	grep -q "zone $Z.: cannot write the DS files in $state: .*the DS records are in the log above" "$GW_TMP/gateway.log"
expect "ds not writable: the DS is in the log" grep -q "DS for $Z. (key [0-9]*), to publish at the parent: $Z. " "$GW_TMP/gateway.log"
expect "ds not writable: trust-anchor.ds (removed) is written all the same" \
	test -s "$state/trust-anchor.ds"
gw_stop
rm -rf "$state"
mv "$GW_TMP/state.good" "$state"

# ---- tls/, zones/ and a zone's own directory as symbolic links -----------
# The layout of zones: (each zone's state in zones/<zone>/) with DNS over
# TLS (its key in tls/): each directory moved elsewhere and a link put in
# its place is refused like keys/ above, and nothing is written where the
# link points.
rm -rf "$state"
cfg2=$(gw_config state2 "zones:
  - domain: $Z.
    file: $GW_TMP/zone
dnssec: {algorithm: ed25519}
tls: {listen: [\"127.0.0.1@0\"], server-name: ns.$Z.}")
gw_start "$cfg2"
expect "zones: and TLS: the zone is served" test -n "$(soa_serial)"
gw_stop
# Temporary files that interrupted writes left (kill -9 during a save):
# removed at the next start, in the state directory, tls/ and the zone's
# own; they used to pile up, a mirror's state up to 256 MiB each.
leftovers=(".serial.tmp.Ab12Cd" "tls/.key.pem.tmp.Ef34Gh" "zones/$Z/.mirror.zone.tmp.Ij56Kl")
for f in "${leftovers[@]}"; do
	head -c 100000 /dev/zero >"$state/$f"
	chown dnssd-gateway: "$state/$f"
done
: >"$GW_TMP/gateway.log"
gw_start "$cfg2"
gw_stop
for f in "${leftovers[@]}"; do
	expect "a leftover $f: removed at the start, and said" \
		bash -c "[ ! -e '$state/$f' ] && grep -q 'removed $state/$f (100000 bytes), left by an interrupted write' '$GW_TMP/gateway.log'"
done
for dir in tls zones "zones/$Z"; do
	link_refused "$cfg2" "$dir"
done
# With a configured certificate, tls/ holds a rollover's files (the
# previous private key among them): refused as a link too. It used to be
# taken, and a rollover written where it pointed.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$GW_TMP/op.key" -out "$GW_TMP/op.crt" -days 30 -subj "/CN=ns.$Z" \
	-addext "subjectAltName=DNS:ns.$Z" >/dev/null 2>&1
chgrp dnssd-gateway "$GW_TMP/op.key"
chmod 640 "$GW_TMP/op.key"
cfg3=$(gw_config state3 "zones:
  - domain: $Z.
    file: $GW_TMP/zone
dnssec: {algorithm: ed25519}
tls: {listen: [\"127.0.0.1@0\"], server-name: ns.$Z., certificate: $GW_TMP/op.crt, key: $GW_TMP/op.key}")
gw_start "$cfg3"
expect "a configured certificate: the zone is served" test -n "$(soa_serial)"
gw_stop
link_refused "$cfg3" tls

# ---- a TLS rollover's files -----------------------------------------------
# --tls-new-key keeps the old key and certificate as tls/previous-*.pem
# until the switch (an hour of TLSA TTL here, so it is still under way);
# a restart gives them to OpenSSL, which opens them by their paths and
# reads them whole. A FIFO in their place, or in the own key's, is refused
# at once and named, as is a key file past 64 KiB (the code before hung
# on the FIFOs and started on the large file).
rm -rf "$state"
cfg3=$(gw_config state3 "zone: {domain: $Z., file: $GW_TMP/zone}
dnssec: {algorithm: ed25519}
tls: {listen: [\"127.0.0.1@0\"], server-name: ns.$Z., tlsa-ttl: 3600}")
gw_start "$cfg3"
gw_stop
rm -f "$GW_TMP/ports"
"$GW_BIN" -c "$cfg3" --tls-new-key >>"$GW_TMP/gateway.log" 2>&1 &
GW_PID=$!
gw_wait_ports || { echo "FAIL: no ports file after --tls-new-key" >&2; exit 1; }
gw_stop
expect "TLS rollover under way: previous-key.pem kept" test -s "$state/tls/previous-key.pem"
cp -a "$state" "$GW_TMP/state.tls"
tls_refused() { # FILE WHAT: a start on the damaged copy is refused at once, naming FILE
	timeout 30 "$GW_BIN" -c "$cfg3" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
	expect "$2 $1: the start is refused, not hung (status $rc)" test "$rc" = 1
	expect "$2 $1: the message names it" grep -q "$state/$1" "$GW_TMP/last"
	rm -rf "$state"
	cp -a "$GW_TMP/state.tls" "$state"
}
for f in tls/previous-cert.pem tls/previous-key.pem tls/key.pem; do
	rm -f "$state/$f"
	mkfifo -m 600 "$state/$f"
	chown dnssd-gateway: "$state/$f"
	tls_refused "$f" "FIFO as"
done
head -c 70000 /dev/zero | tr '\0' '#' >>"$state/tls/previous-key.pem"
tls_refused tls/previous-key.pem "70 kB in"
gw_start "$cfg3"
expect "the rollover's files restored: resumed" grep -q "resuming the rollover" "$GW_TMP/gateway.log"
gw_stop

# ---- two daemons on one state directory ----------------------------------
# Without DNSSEC (no key store, whose lock stopped a second daemon with
# it) two daemons shared the serial, the journal and the mirror's state.
# The second one, on its own ports and control socket, is refused.
rm -rf "$state"
nosig=$(gw_config nosig "zone: {domain: $Z., file: $GW_TMP/zone}
dnssec: {enable: false}")
gw_start "$nosig"
second="$GW_ETC/nosig2.yaml"
sed -e "s|^ports-file: .*|ports-file: $GW_TMP/ports2|" \
	-e "s|^control: .*|control: {socket: $GW_TMP/control2.sock}|" "$nosig" >"$second"
timeout 30 "$GW_BIN" -c "$second" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "a second daemon on the same state directory: refused (status $rc)" test "$rc" = 1
expect "a second daemon on the same state directory: the message says so" \
	grep -q "the state directory $state is in use by another dnssd-gateway" "$GW_TMP/last"
expect "the first one still serves ($(soa_serial))" test -n "$(soa_serial)"
gw_stop

gw_finish
