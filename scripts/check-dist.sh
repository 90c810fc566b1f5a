#!/usr/bin/env bash
# Check an installed tree of dnssd-gateway, as the Debian package or
# `cmake --install` lays it out under ROOT:
#   scripts/check-dist.sh ROOT
# - the systemd unit passes `systemd-analyze verify` (with its ExecStart
#   pointed at ROOT's binary and man pointed at ROOT's man pages, since
#   verify needs both to exist);
# - its exposure (`systemd-analyze security --offline`) is at most
#   GW_MAX_EXPOSURE (default 2.0, "OK");
# - the default configuration passes `dnssd-gateway --check-config`;
# - every key the daemon knows is described in dnssd-gateway.yaml(5) and
#   is in the default configuration (set, or in a comment);
# - every option of dnssd-gateway --help (and dnssd-gatewayctl --help,
#   when it is there) is in its man page;
# - the man pages render without a warning.
# Prints the exposure; exits non-zero on the first failed check.
set -euo pipefail

root=${1:?usage: $0 ROOT}
max=${GW_MAX_EXPOSURE:-2.0}
for tool in systemd-analyze man; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup.sh)" >&2; exit 1; }
done

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# One of each, wherever the prefix put it.
find_one() {
	local found
	found=$(find "$root" -path "$1" -type f | head -n 1)
	[ -n "$found" ] || fail "nothing matches $1 under $root"
	echo "$found"
}
unit=$(find_one '*/lib/systemd/system/dnssd-gateway.service')
bin=$(find_one '*/sbin/dnssd-gateway')
config=$(find_one '*etc/dnssd-gateway/dnssd-gateway.yaml')
mandir=$(dirname "$(dirname "$(find_one '*/share/man/man8/dnssd-gateway.8*')")")

tmp=$(mktemp -d /tmp/gw-dist.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The unit as installed names /usr/sbin/dnssd-gateway; verify the same
# unit with that path replaced by ROOT's binary, and nothing else changed.
grep -q '^ExecStart=/usr/sbin/dnssd-gateway ' "$unit" || fail "$unit: ExecStart is not /usr/sbin/dnssd-gateway"
sed "s|/usr/sbin/dnssd-gateway|$bin|g" "$unit" >"$tmp/dnssd-gateway.service"
if ! MANPATH="$mandir" systemd-analyze verify "$tmp/dnssd-gateway.service" >"$tmp/verify" 2>&1 ||
	[ -s "$tmp/verify" ]; then
	cat "$tmp/verify" >&2
	fail "systemd-analyze verify $unit"
fi
echo "ok: systemd-analyze verify $unit"

systemd-analyze security --offline=true --no-pager "$unit" >"$tmp/security" 2>&1 || true
score=$(sed -n 's/.*Overall exposure level for dnssd-gateway.service: \([0-9.]*\).*/\1/p' "$tmp/security")
[ -n "$score" ] || { cat "$tmp/security" >&2; fail "no exposure level from systemd-analyze security"; }
if awk -v s="$score" -v m="$max" 'BEGIN { exit !(s > m) }'; then
	grep '✗' "$tmp/security" >&2 || true
	fail "exposure $score is above $max"
fi
echo "ok: exposure $score (at most $max): $(grep -o 'Overall exposure.*' "$tmp/security")"

"$bin" --check-config -c "$config" || fail "$config does not pass --check-config"
echo "ok: $config passes --check-config"

# Every key the daemon knows (its effective configuration, printed by
# --check-config -v) is described in dnssd-gateway.yaml(5) and is in the
# packaged configuration, set or in a comment: a new key that misses either
# fails here.
"$bin" --check-config -v -c "$config" 2>/dev/null >"$tmp/effective.yaml"
man5=$(find_one '*/share/man/man5/dnssd-gateway.yaml.5*')
LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$man5" 2>/dev/null | col -bx >"$tmp/man5.txt"
python3 - "$tmp/effective.yaml" "$tmp/man5.txt" "$config" <<'PY' || fail "keys missing (above)"
import re, sys
effective, man, config = (open(p).read() for p in sys.argv[1:4])
keys, stack = [], []  # stack: (indent, name) of the mappings we are in
for line in effective.splitlines():
    m = re.match(r"^( *)([a-z0-9-]+):(.*)$", line)
    if not m:
        continue  # comments and list items (list entries are not keys)
    indent = len(m.group(1))
    stack = [(i, n) for i, n in stack if i < indent]
    stack.append((indent, m.group(2)))
    keys.append((".".join(n for _, n in stack), m.group(3).strip() == ""))
bad = 0
for key, is_map in keys:
    leaf = key.rsplit(".", 1)[-1]
    # A mapping is described by its keys.
    if not is_map and not re.search(r"(^|[\s,(])" + re.escape(key) + r"($|[\s,)])", man, re.M):
        print(f"FAIL: {key} is not described in dnssd-gateway.yaml(5)", file=sys.stderr)
        bad += 1
    if not re.search(r"^[\s#]*(- )?" + re.escape(leaf) + r":", config, re.M):
        print(f"FAIL: {key} is not in {sys.argv[3]}, set or commented", file=sys.stderr)
        bad += 1
if bad:
    sys.exit(1)
print(f"ok: {len(keys)} configuration keys described in dnssd-gateway.yaml(5) and in the packaged configuration")
PY

# Every option a binary's --help lists is in its man page.
for prog in dnssd-gateway dnssd-gatewayctl; do
	exe=$(find "$root" -path "*/sbin/$prog" -type f | head -n 1)
	if [ -z "$exe" ]; then
		[ "$prog" = dnssd-gatewayctl ] && continue # not in this tree yet
		fail "no $prog under $root"
	fi
	page=$(find_one "*/share/man/man8/$prog.8*")
	LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$page" 2>/dev/null | col -bx >"$tmp/page.txt"
	"$exe" --help >"$tmp/help.txt" 2>&1 || true
	opts=$(grep -oE -- '(^|[[:space:],[])--[a-z][a-z-]*' "$tmp/help.txt" | sed 's/^[^-]*//' | sort -u)
	[ -n "$opts" ] || fail "$prog --help lists no option"
	for opt in $opts; do
		grep -qF -- "$opt" "$tmp/page.txt" || fail "$prog's option $opt is not in $prog(8)"
	done
	echo "ok: the options of $prog --help are in $prog(8): $(tr "\n" " " <<<"$opts")"
done

for page in $(find "$mandir" -type f -name 'dnssd-gateway*' | sort); do
	if ! LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" >/dev/null 2>"$tmp/man" ||
		[ -s "$tmp/man" ]; then
		cat "$tmp/man" >&2
		fail "man --warnings $page"
	fi
	echo "ok: man --warnings $page"
done
