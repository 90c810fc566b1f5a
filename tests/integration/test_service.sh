#!/usr/bin/env bash
# Running as a service (issue 13): privileges and systemd's notifications.
#   (a) started as root with no user: it becomes dnssd-gateway once its
#       sockets are bound, with no capability left, and still signs
#       changes, writes its journal and restarts on the same state;
#   (b) started unprivileged with CAP_NET_BIND_SERVICE as an ambient
#       capability (a unit's User= and AmbientCapabilities=), on port 53
#       of a namespace's loopback: it binds, answers, then has none;
#   (c) a user that does not exist: one line, non-zero exit, no write;
#   (e) the configuration: root's alone, in root's directories, or the
#       start is refused the same way; TSIG secrets in it shared with
#       the daemon's group only, at the start and at a reload;
#   (d) sd_notify: STATUS=, READY=1 once served, WATCHDOG=1, RELOADING=1
#       and READY=1 around SIGHUP, STOPPING=1.
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { echo "FAIL: this test starts the daemon as root" >&2; exit 1; }
for tool in setpriv nsenter ip; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (scripts/setup.sh)" >&2; exit 1; }
done

USER_NAME=dnssd-gateway
USER_UID=$(id -u $USER_NAME)
USER_GID=$(id -g $USER_NAME)
USER_GROUPS=$(id -G $USER_NAME | tr ' ' '\n' | sort -n | tr '\n' ' ')
Z=service.test
small_zone $Z
soa_serial() { gw_soa_serial "$Z."; }

# status_field PID FIELD: the value of FIELD in /proc/PID/status, blanks
# squeezed.
status_field() { awk -v f="$2:" '$1 == f {$1 = ""; sub(/^ /, ""); print; exit}' "/proc/$1/status"; }
groups_of() { status_field "$1" Groups | tr ' ' '\n' | grep . | sort -n | tr '\n' ' '; }
no_caps() { # PID WHAT
	local c
	for c in CapInh CapPrm CapEff CapAmb; do
		expect "$2: $c is 0 ($(status_field "$1" $c))" test "$(status_field "$1" $c)" = 0000000000000000
	done
}

# ---- (a) root, the default user ------------------------------------------
state="$GW_TMP/state"
mkdir -p "$state"
# Left by an earlier start as root: given to the user too. A symbolic link
# in the state directory is changed itself, never followed.
echo old >"$state/left-by-root"
echo victim >"$GW_TMP/victim"
ln -s "$GW_TMP/victim" "$state/link"
cfg=$(gw_config service "zone: {domain: $Z., file: $GW_TMP/zone}
dnssec: {algorithm: ed25519}")
gw_start "$cfg"
s1=$(soa_serial)
expect "(a) serves serial $s1 after dropping root" test -n "$s1"
expect "(a) Uid: all four are $USER_NAME's ($USER_UID)" \
	test "$(status_field "$GW_PID" Uid)" = "$USER_UID $USER_UID $USER_UID $USER_UID"
expect "(a) Gid: all four are $USER_NAME's ($USER_GID)" \
	test "$(status_field "$GW_PID" Gid)" = "$USER_GID $USER_GID $USER_GID $USER_GID"
expect "(a) Groups: $USER_NAME's ($USER_GROUPS)" test "$(groups_of "$GW_PID")" = "$USER_GROUPS"
no_caps "$GW_PID" "(a)"
expect "(a) CapBnd is 0 (no exec can regain one)" test "$(status_field "$GW_PID" CapBnd)" = 0000000000000000
expect "(a) NoNewPrivs is 1" test "$(status_field "$GW_PID" NoNewPrivs)" = 1
expect "(a) the log says whom it runs as" \
	grep -q "privileges: running as $USER_NAME:.* without capabilities" "$GW_TMP/gateway.log"
# Nothing of the state directory is made or read as root: the drop comes
# before the cookie secret and the first key are made (and the zone,
# the key state, the serial and the journal read).
drop_at=$(grep -n "privileges: running as" "$GW_TMP/gateway.log" | head -n 1 | cut -d: -f1)
made_at=$(grep -n "made a new server cookie secret\|generated key" "$GW_TMP/gateway.log" | head -n 1 | cut -d: -f1)
expect "(a) the cookie secret and the keys are made after the drop (log lines ${drop_at:-none} < ${made_at:-none})" \
	test "${drop_at:-0}" -gt 0 -a "${drop_at:-0}" -lt "${made_at:-0}"
expect "(a) the state directory and everything in it are $USER_NAME's" \
	test -z "$(find "$state" ! -user $USER_NAME)"
expect "(a) a file left by root is the user's now" test "$(stat -c %U "$state/left-by-root")" = $USER_NAME
expect "(a) the symbolic link was not followed (its target is still root's)" \
	test "$(stat -c %U "$GW_TMP/victim")" = root
expect "(a) the state directory is still 0700" test "$(stat -c %a "$state")" = 700

# A change after the drop: the zone file re-read, signed, a new serial,
# the journal written by the user.
jsize=$(stat -c %s "$state/journal")
echo "new 300 IN A 192.0.2.81" >>"$GW_TMP/zone"
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do
	[ "$(soa_serial)" = "$((s1 + 1))" ] && break
	sleep 0.1
done
expect "(a) SIGHUP after the drop: serial $s1 -> $((s1 + 1))" test "$(soa_serial)" = "$((s1 + 1))"
q new.$Z. A +dnssec
expect "(a) the new record is served signed" bash -c "has_text() { tr -s ' \t' ' ' <'$GW_TMP/last' | grep -qiF \"\$1\"; }; has_text 'new.$Z. 300 IN A 192.0.2.81' && has_text 'RRSIG A 15'"
for _ in $(seq 1 50); do
	[ "$(stat -c %s "$state/journal")" -gt "$jsize" ] && break
	sleep 0.1
done
expect "(a) the journal grew ($jsize -> $(stat -c %s "$state/journal") octets)" \
	test "$(stat -c %s "$state/journal")" -gt "$jsize"
expect "(a) no error in the log" bash -c "! grep -q ' error: ' '$GW_TMP/gateway.log'"
gw_stop

# The same state directory, now the user's, on a restart as root.
: >"$GW_TMP/gateway.log"
gw_start "$cfg"
s2=$(soa_serial)
expect "(a) restart on the same state: serves serial $s2 > $((s1 + 1))" test "${s2:-0}" -gt "$((s1 + 1))"
expect "(a) restart: the keys were kept" bash -c "! grep -q 'generated key' '$GW_TMP/gateway.log'"
expect "(a) restart: runs as $USER_NAME" test "$(status_field "$GW_PID" Uid)" = "$USER_UID $USER_UID $USER_UID $USER_UID"
gw_stop

# Root under a narrower bounding set (a unit's CapabilityBoundingSet=
# without CAP_SETPCAP): the bounding set stays, the rest of the drop holds.
: >"$GW_TMP/gateway.log"
GW_BIN_REAL=$GW_BIN
cat >"$GW_TMP/narrow.sh" <<SH
#!/bin/sh
exec setpriv --bounding-set -setpcap "$GW_BIN_REAL" "\$@"
SH
chmod 755 "$GW_TMP/narrow.sh"
GW_BIN="$GW_TMP/narrow.sh" gw_start "$cfg"
expect "(a) without CAP_SETPCAP: still runs as $USER_NAME" \
	test "$(status_field "$GW_PID" Uid)" = "$USER_UID $USER_UID $USER_UID $USER_UID"
no_caps "$GW_PID" "(a) without CAP_SETPCAP"
expect "(a) without CAP_SETPCAP: the log says the bounding set stays" \
	grep -q "privileges: no CAP_SETPCAP, the capability bounding set stays as given" "$GW_TMP/gateway.log"
q $Z. SOA
expect "(a) without CAP_SETPCAP: answers" has_status NOERROR
gw_stop

# A zone file only root may read stops the start, as it would stop every
# reload: the user reads it from the start on, and the message says so.
cp "$GW_TMP/zone" "$GW_TMP/zone.root"
chmod 600 "$GW_TMP/zone.root"
cfg_rootzone=$(gw_config rootzone "zone: {domain: $Z., file: $GW_TMP/zone.root}
dnssec: {algorithm: ed25519}")
timeout 30 "$GW_BIN" -c "$cfg_rootzone" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "(a) a zone file only root may read: not started (status $rc)" test "$rc" = 1
expect "(a) a zone file only root may read: the message says who must read it" \
	grep -q "zone.root: cannot open: Permission denied; the daemon runs as uid $USER_UID, which must be able to read it" "$GW_TMP/last"

# Likewise a configured TLS key only root may read (a reload picking up a
# renewed certificate would fail the same way).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=dns.$Z" -keyout "$GW_TMP/tls-key.pem" -out "$GW_TMP/tls-cert.pem" 2>/dev/null
chmod 600 "$GW_TMP/tls-key.pem"
cfg_rootkey=$(gw_config rootkey "zone: {domain: $Z., file: $GW_TMP/zone}
dnssec: {algorithm: ed25519}
tls: {listen: [\"127.0.0.1@0\"], certificate: $GW_TMP/tls-cert.pem, key: $GW_TMP/tls-key.pem, server-name: dns.$Z.}")
timeout 30 "$GW_BIN" -c "$cfg_rootkey" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "(a) a TLS key only root may read: not started (status $rc)" test "$rc" = 1
expect "(a) a TLS key only root may read: the message says who must read it" \
	grep -q "TLS: cannot read the key $GW_TMP/tls-key.pem: Permission denied; the daemon runs as uid $USER_UID, which must be able to read it" "$GW_TMP/last"

# user: root is allowed, with a warning that it keeps root.
: >"$GW_TMP/gateway.log"
cfg_root=$(gw_config root "zone: {domain: $Z., file: $GW_TMP/zone}
user: root
dnssec: {algorithm: ed25519}")
gw_start "$cfg_root"
expect "(a) user: root keeps uid 0" test "$(status_field "$GW_PID" Uid)" = "0 0 0 0"
expect "(a) user: root is warned about" grep -q "warning: user: root: the daemon keeps every privilege of root" "$GW_TMP/gateway.log"
gw_stop

# ---- (c) a user or group that does not exist -----------------------------
for what in "user: gw-no-such-user" "group: gw-no-such-group"; do
	fresh="$GW_TMP/state-missing"
	rm -rf "$fresh" "$GW_TMP/ports"
	cat >"$GW_ETC/missing.yaml" <<YAML
zone: {domain: $Z.}
listen: ["127.0.0.1@0"]
ports-file: $GW_TMP/ports
state-dir: $fresh
mdns: {enable: false}
$what
YAML
	rc=0
	"$GW_BIN" -c "$GW_ETC/missing.yaml" >"$GW_TMP/last" 2>&1 || rc=$?
	expect "(c) $what: exit status non-zero ($rc)" test "$rc" -ne 0
	expect "(c) $what: exactly one line" test "$(wc -l <"$GW_TMP/last")" = 1
	expect "(c) $what: it says what does not exist and what to do" \
		grep -qE "error: not started: (user|group): gw-no-such-(user|group) does not exist: create it \((adduser --system --group gw-no-such-user|addgroup --system gw-no-such-group)\)" "$GW_TMP/last"
	expect "(c) $what: no state directory made" test ! -e "$fresh"
	expect "(c) $what: no ports file written" test ! -e "$GW_TMP/ports"
done

# ---- (e) the configuration root reads -------------------------------------
# Started as root, the daemon takes a configuration only root can change:
# one its user could edit would choose, at root's next start, to keep
# root (user: root) or which tree root gives away (state-dir:).
fresh="$GW_TMP/state-e"
e_yaml() { # extra lines
	cat <<YAML
zone: {domain: $Z., file: $GW_TMP/zone}
listen: ["127.0.0.1@0"]
ports-file: $GW_TMP/ports
state-dir: $fresh
mdns: {enable: false}
dnssec: {algorithm: ed25519}
control: {socket: $GW_TMP/control.sock}
$1
YAML
}
e_refused() { # CONFIG WHAT PATTERN: the start is refused in one line, nothing written
	rm -rf "$fresh" "$GW_TMP/ports"
	local rc=0
	timeout 20 "$GW_BIN" -c "$1" >"$GW_TMP/last" 2>&1 || rc=$?
	expect "(e) $2: exit status non-zero ($rc)" test "$rc" -ne 0 -a "$rc" -ne 124
	expect "(e) $2: exactly one line" test "$(wc -l <"$GW_TMP/last")" = 1
	expect "(e) $2: it names the entry and the fix" grep -qE "$3" "$GW_TMP/last"
	expect "(e) $2: no state directory made" test ! -e "$fresh"
	expect "(e) $2: no ports file written" test ! -e "$GW_TMP/ports"
}
# In a directory of the daemon's user (as the test's own is).
e_yaml "" >"$GW_TMP/in-users-dir.yaml"
e_refused "$GW_TMP/in-users-dir.yaml" "in a directory of $USER_NAME's" \
	"not started: the configuration .* is read as root, but its directory $GW_TMP belongs to uid $USER_UID \($USER_NAME\), who could then choose what root does at the next start; chown root $GW_TMP"
# The file its user's.
e_yaml "" >"$GW_ETC/users.yaml"
chown $USER_NAME: "$GW_ETC/users.yaml"
e_refused "$GW_ETC/users.yaml" "a file of $USER_NAME's" \
	"but it belongs to uid $USER_UID \($USER_NAME\).*chown root $GW_ETC/users.yaml"
rc=0
"$GW_BIN" --check-config -c "$GW_ETC/users.yaml" >"$GW_TMP/last" 2>&1 || rc=$?
expect "(e) --check-config says what a start would refuse, and passes ($rc)" \
	bash -c "[ $rc -eq 0 ] && grep -q 'warning: a start as root would refuse it: .*belongs to uid $USER_UID' '$GW_TMP/last'"
# Open to writes by its group.
chown root:$USER_NAME "$GW_ETC/users.yaml"
chmod 664 "$GW_ETC/users.yaml"
e_refused "$GW_ETC/users.yaml" "a file its group may change" "has mode 0664: group or others may change it; chmod go-w"
# TSIG secrets shared with another group than the daemon's.
e_yaml "tsig-keys: [{name: k, secret: \"$(head -c 32 /dev/urandom | base64)\"}]" >"$GW_ETC/secrets.yaml"
chown root:bin "$GW_ETC/secrets.yaml"
chmod 640 "$GW_ETC/secrets.yaml"
e_refused "$GW_ETC/secrets.yaml" "secrets shared with group bin" \
	"lets group bin read TSIG secrets, but the daemon runs with group $USER_NAME; chgrp $USER_NAME it"
rc=0
"$GW_BIN" --check-config -c "$GW_ETC/secrets.yaml" >"$GW_TMP/last" 2>&1 || rc=$?
expect "(e) --check-config refuses them too ($rc)" \
	bash -c "[ $rc -ne 0 ] && grep -q 'lets group bin read TSIG secrets' '$GW_TMP/last'"
# With the daemon's group: it starts, and the secrets reach a reload.
chgrp $USER_NAME "$GW_ETC/secrets.yaml"
rm -rf "$fresh"
: >"$GW_TMP/gateway.log"
gw_start "$GW_ETC/secrets.yaml"
expect "(e) secrets shared with the daemon's group (0640 root:$USER_NAME): it starts" test -n "$(soa_serial)"
# A new secret (the file keeps its owner and mode): the reload applies it.
e_yaml "tsig-keys: [{name: k, secret: \"$(head -c 32 /dev/urandom | base64)\"}]" >"$GW_ETC/secrets.yaml"
kill -HUP "$GW_PID"
gw_wait_log "reload: applied\|reload refused" 10 || true
expect "(e) and a reload as $USER_NAME reads the new secret" \
	bash -c "grep -q 'reload: applied tsig-keys' '$GW_TMP/gateway.log' && ! grep -q 'reload refused' '$GW_TMP/gateway.log'"
gw_stop
# A reload holds the secrets to the same group. Only a daemon that can
# read a file of another group gets that far: user: root here (the
# daemon's group is root), where dnssd-gateway would fail to open it.
e_yaml "user: root
tsig-keys: [{name: k, secret: \"$(head -c 32 /dev/urandom | base64)\"}]" >"$GW_ETC/secrets-root.yaml"
chown root:root "$GW_ETC/secrets-root.yaml"
chmod 640 "$GW_ETC/secrets-root.yaml"
rm -rf "$fresh"
: >"$GW_TMP/gateway.log"
gw_start "$GW_ETC/secrets-root.yaml"
s_before=$(soa_serial)
expect "(e) user: root, secrets 0640 root:root: it starts ($s_before)" test -n "$s_before"
chgrp bin "$GW_ETC/secrets-root.yaml"
echo "after-chgrp 300 IN A 192.0.2.83" >>"$GW_TMP/zone"
kill -HUP "$GW_PID"
gw_wait_log "reload: applied\|reload refused" 10 || true
expect "(e) a reload refuses secrets shared with group bin, and says why" \
	grep -q "reload refused: '$GW_ETC/secrets-root.yaml' lets group bin read TSIG secrets, but the daemon runs with group root; chgrp root it; nothing changed" "$GW_TMP/gateway.log"
expect "(e) ... and nothing of it was applied (serial $(soa_serial))" \
	bash -c "[ '$(soa_serial)' = '$s_before' ] && ! grep -q 'reload: applied' '$GW_TMP/gateway.log'"
gw_stop
sed -i '/^after-chgrp /d' "$GW_TMP/zone"
# Root's alone (0600): it starts, and says at once that a reload cannot read it.
e_yaml "" >"$GW_ETC/private.yaml"
chmod 600 "$GW_ETC/private.yaml"
rm -rf "$fresh"
: >"$GW_TMP/gateway.log"
gw_start "$GW_ETC/private.yaml"
expect "(e) a configuration $USER_NAME cannot read is warned about at the start" \
	grep -q "warning: the configuration $GW_ETC/private.yaml cannot be read by $USER_NAME (uid $USER_UID): a reload will be refused; let its group read it (chgrp $USER_NAME, chmod 640)" "$GW_TMP/gateway.log"
gw_stop

# ---- (d) sd_notify ---------------------------------------------------------
NLOG="$GW_TMP/notify.log"
python3 "$GW_INTEGRATION_DIR/notify_listen.py" "$GW_TMP/notify.sock" "$NLOG" &
NPID=$!
trap 'kill "$NPID" 2>/dev/null || true; gw_cleanup' EXIT
for _ in $(seq 1 50); do
	[ -s "$NLOG" ] && break
	sleep 0.1
done
[ -s "$NLOG" ] || { echo "FAIL: the notification listener did not start" >&2; exit 1; }
# wait_line PATTERN [FROM]: bounded wait until a message matches (extended
# regex), counting only from the first message that matches FROM (sed
# regex) when given: the start's READY=1 must not stand in for a reload's.
wait_line() {
	for _ in $(seq 1 100); do
		sed -n "/${2:-.}/,\$p" "$NLOG" | grep -E "$1" >/dev/null && return 0
		sleep 0.05
	done
	return 1
}
: >"$GW_TMP/gateway.log"
export NOTIFY_SOCKET="$GW_TMP/notify.sock" WATCHDOG_USEC=200000
gw_start "$cfg"
unset NOTIFY_SOCKET WATCHDOG_USEC
wait_line "^READY=1" || true
q $Z. SOA
expect "(d) right after READY=1 the zone is answered" has_status NOERROR
expect "(d) READY=1 says what is served" grep -qE "^READY=1\|STATUS=serving $Z\., serial [0-9]+$" "$NLOG"
expect "(d) STATUS= lines of the start phases come before READY=1" \
	bash -c "sed '/^READY=1/q' '$NLOG' | grep -q '^STATUS=binding' && sed '/^READY=1/q' '$NLOG' | grep -q '^STATUS=loading and signing $Z.'"
# Every 0.1 s: five pings come within 5 s even on a loaded (sanitizer)
# machine; a watchdog that never pings fails.
pings() { grep -c '^WATCHDOG=1$' "$NLOG" || true; }
for _ in $(seq 1 50); do
	[ "$(pings)" -ge 5 ] && break
	sleep 0.1
done
n=$(pings)
expect "(d) WATCHDOG=1 every 0.1 s: $n pings" test "$n" -ge 5
expect "(d) the log says how often" grep -q "watchdog: pinging systemd every 0.100 s" "$GW_TMP/gateway.log"
echo "more 300 IN A 192.0.2.82" >>"$GW_TMP/zone"
kill -HUP "$GW_PID"
wait_line "^RELOADING=1" || true
expect "(d) SIGHUP: RELOADING=1 with MONOTONIC_USEC" grep -qE "^RELOADING=1\|MONOTONIC_USEC=[0-9]+\|" "$NLOG"
wait_line "^READY=1.*serial" "^RELOADING=1" || true
expect "(d) ... then READY=1 with the new serial" \
	bash -c "sed -n '/^RELOADING=1/,\$p' '$NLOG' | grep -qE '^READY=1\|STATUS=serving $Z\., serial [0-9]+$'"
s_new=$(sed -n '/^RELOADING=1/,$p' "$NLOG" | sed -n 's/^READY=1|STATUS=serving .*, serial \([0-9]*\)$/\1/p' | head -n 1)
expect "(d) ... which is the one served ($s_new)" test "$(soa_serial)" = "$s_new"
# A reload that fails: READY=1 all the same (the previous zone is
# served), and STATUS= says so.
cp "$GW_TMP/zone" "$GW_TMP/zone.good"
echo "broken line" >>"$GW_TMP/zone"
kill -HUP "$GW_PID"
wait_line "reload failed" || true
expect "(d) a failed reload: READY=1 with STATUS= saying so" \
	grep -qE "^READY=1\|STATUS=serving $Z\., serial $s_new; the reload failed, see the log$" "$NLOG"
cp "$GW_TMP/zone.good" "$GW_TMP/zone"
kill -TERM "$GW_PID"
wait_line "^STOPPING=1" || true
expect "(d) SIGTERM: STOPPING=1" grep -q "^STOPPING=1" "$NLOG"
gw_stop
# WATCHDOG_PID: the pings are for that process only.
cat >"$GW_TMP/own-pid.sh" <<SH
#!/bin/sh
WATCHDOG_PID=\$\$ exec "$GW_BIN_REAL" "\$@"
SH
chmod 755 "$GW_TMP/own-pid.sh"
for who in own other; do
	: >"$NLOG"
	export NOTIFY_SOCKET="$GW_TMP/notify.sock" WATCHDOG_USEC=200000
	if [ $who = own ]; then
		GW_BIN="$GW_TMP/own-pid.sh" gw_start "$cfg"
	else
		WATCHDOG_PID=1 gw_start "$cfg"
	fi
	unset NOTIFY_SOCKET WATCHDOG_USEC
	wait_line "^READY=1" || true
	if [ $who = own ]; then
		for _ in $(seq 1 50); do
			[ "$(pings)" -ge 2 ] && break
			sleep 0.1
		done
	else
		sleep 0.5
	fi
	n=$(pings)
	if [ $who = own ]; then
		expect "(d) WATCHDOG_PID = the daemon: pings ($n)" test "$n" -ge 2
	else
		expect "(d) WATCHDOG_PID = another process: no pings ($n)" test "$n" = 0
	fi
	gw_stop
done
# Without WATCHDOG_USEC no pings.
: >"$NLOG"
NOTIFY_SOCKET="$GW_TMP/notify.sock" gw_start "$cfg"
wait_line "^READY=1" || true
sleep 0.5
expect "(d) without WATCHDOG_USEC: READY=1 and no WATCHDOG=1" \
	bash -c "grep -q '^READY=1' '$NLOG' && ! grep -q '^WATCHDOG=1' '$NLOG'"
gw_stop

# ---- (b) unprivileged with an ambient CAP_NET_BIND_SERVICE ----------------
NS="gwsvc$$"
ip netns add "$NS" || { echo "FAIL: cannot create network namespace $NS" >&2; exit 1; }
# Whatever still runs in the namespace goes with it.
ns_cleanup() {
	local p
	for p in $(ip netns pids "$NS" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null || true
	done
	ip netns del "$NS" 2>/dev/null || true
}
trap 'kill "$NPID" 2>/dev/null || true; gw_cleanup; ns_cleanup' EXIT
ip -n "$NS" link set lo up
run="$GW_TMP/run-b"
mkdir -p "$run/state"
# A unit's StateDirectory= and RuntimeDirectory= belong to its user.
chown -R $USER_NAME:$USER_NAME "$run"
cat >"$GW_ETC/b.yaml" <<YAML
zone: {domain: $Z., file: $GW_TMP/zone}
listen: ["127.0.0.1@53"]
ports-file: $run/ports
state-dir: $run/state
mdns: {enable: false}
dnssec: {algorithm: ed25519}
control: {socket: $run/control.sock}
YAML
# nsenter and setpriv, unlike ip netns exec, execute the command in their
# own process; with exec in a subshell GW_PID is the daemon's.
unpriv() { # extra setpriv options, then the daemon; in a subshell only
	exec nsenter --net="/run/netns/$NS" setpriv --reuid=$USER_NAME --regid=$USER_NAME --init-groups "$@" \
		"$GW_BIN" -c "$GW_ETC/b.yaml"
}
# Without the capability port 53 cannot be bound: what (b) proves below
# is the capability's doing.
rc=0
(unpriv) >"$GW_TMP/last" 2>&1 || rc=$?
expect "(b) without CAP_NET_BIND_SERVICE port 53 is refused (exit $rc)" \
	bash -c "[ $rc -ne 0 ] && grep -q 'Permission denied' '$GW_TMP/last'"
unpriv --inh-caps +net_bind_service --ambient-caps +net_bind_service >>"$GW_TMP/gateway.log" 2>&1 &
GW_PID=$!
for _ in $(seq 1 100); do
	[ -s "$run/ports" ] && break
	kill -0 "$GW_PID" 2>/dev/null || break
	sleep 0.1
done
ip netns exec "$NS" kdig @127.0.0.1 -p 53 +time=3 +retry=1 $Z. SOA >"$GW_TMP/last" 2>&1 || true
expect "(b) answers on port 53 of the namespace" has_status NOERROR
expect "(b) runs as $USER_NAME" test "$(status_field "$GW_PID" Uid)" = "$USER_UID $USER_UID $USER_UID $USER_UID"
no_caps "$GW_PID" "(b) after binding"
expect "(b) NoNewPrivs is 1" test "$(status_field "$GW_PID" NoNewPrivs)" = 1
gw_stop

gw_finish
