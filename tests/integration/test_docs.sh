#!/usr/bin/env bash
# The configuration snippets of the guides (docs/guide-*.md) are valid as
# written. Fenced blocks are checked by their info string:
#   yaml     a whole dnssd-gateway configuration: dnssd-gateway
#            --check-config -c (which also loads the zone file it names)
#   zone     a zone file; its first line "; PATH" says where the guide
#            puts it. The YAML blocks of the same guide that name PATH are
#            checked against this block (the only rewriting done: the
#            path, to a temporary copy); each zone block must be used so.
#            A TSIG key file a YAML block names (tsig-keys: file: ...key)
#            is given as a temporary file with a secret, mode 0600 (the
#            path is the only rewriting).
#   unbound  unbound-checkconf (a trust-anchor-file that the guide has
#            the reader copy from the gateway is given as a temporary
#            file with a DS record; the path is the only rewriting)
#   nsd      nsd-checkconf
#   knot     knotc conf-check
#   bind     named-checkconf
#   avahi    avahi-daemon.conf lines: not checked here; test_e2e.sh runs
#            the remote avahi-daemon with them and browses through them
# Other blocks (shell commands, record listings) are not checked. The home
# and campus guides must have checked blocks.
source "$(dirname "$0")/lib.sh"
for tool in unbound-checkconf nsd-checkconf knotc named-checkconf; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup.sh)" >&2; exit 1; }
done
DOCS=$(cd "$GW_INTEGRATION_DIR/../../docs" && pwd)

# extract GUIDE: one file per checked block, $GW_TMP/<guide>.<n>.<lang>
extract() {
	awk -v out="$GW_TMP/$(basename "$1" .md)" '
		/^```/ && !inblock {
			lang = substr($0, 4); sub(/[ \t].*/, "", lang)
			if (lang ~ /^(yaml|zone|unbound|nsd|knot|bind)$/) {
				n++; file = out "." n "." lang; inblock = 1; next
			}
			skip = 1; inblock = 1; next
		}
		/^```/ && inblock { inblock = 0; skip = 0; file = ""; next }
		inblock && !skip { print > file }' "$1"
}

# A TSIG secret (base64, 32 octets).
SAMPLE_SECRET=$(head -c 32 /dev/urandom | base64)
# A DS record in the form the gateway writes to trust-anchor.ds.
SAMPLE_DS="$GW_TMP/sample.ds"
echo "home.arpa. 3600 IN DS 21182 13 2 4E06E833CF61401CD288424225A4668F767DA45BBC0503762C3BD9EA08767745" >"$SAMPLE_DS"

for guide in "$DOCS"/guide-home.md "$DOCS"/guide-campus.md "$DOCS"/guide-printers.md; do
	g=$(basename "$guide" .md)
	expect "$g.md exists" test -s "$guide"
	[ -s "$guide" ] || continue
	extract "$guide"
	declare -A zone_for=() zone_used=()
	for z in "$GW_TMP/$g".*.zone; do
		[ -e "$z" ] || continue
		path=$(sed -n '1s/^; *\(\/[^ ]*\).*/\1/p' "$z")
		expect "$g: zone block $(basename "$z") names its path on line 1" test -n "$path"
		[ -n "$path" ] && zone_for[$path]=$z
	done
	checked=0
	for f in "$GW_TMP/$g".*.*; do
		[ -e "$f" ] || continue
		lang=${f##*.}
		case $lang in
		yaml)
			cp "$f" "$f.check.yaml"
			for path in "${!zone_for[@]}"; do
				if grep -qF "$path" "$f"; then
					sed -i "s#$path#${zone_for[$path]}#g" "$f.check.yaml"
					zone_used[$path]=1
				fi
			done
			for path in $(grep -o 'file: */[^ ,}]*\.key' "$f" | sed 's/^file: *//'); do
				key="$GW_TMP/$(basename "$path")"
				echo "$SAMPLE_SECRET" >"$key"
				chmod 600 "$key"
				sed -i "s#$path#$key#g" "$f.check.yaml"
			done
			"$GW_BIN" --check-config -c "$f.check.yaml" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
			expect "$g: $(basename "$f") is a valid dnssd-gateway configuration" test "$rc" -eq 0
			;;
		zone) continue ;;
		unbound)
			sed 's#trust-anchor-file: *"[^"]*"#trust-anchor-file: "'"$SAMPLE_DS"'"#' "$f" >"$f.check.conf"
			unbound-checkconf "$f.check.conf" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
			expect "$g: $(basename "$f") passes unbound-checkconf" test "$rc" -eq 0
			;;
		nsd)
			nsd-checkconf "$f" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
			expect "$g: $(basename "$f") passes nsd-checkconf" test "$rc" -eq 0
			;;
		knot)
			knotc -c "$f" conf-check >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
			expect "$g: $(basename "$f") passes knotc conf-check" test "$rc" -eq 0
			;;
		bind)
			named-checkconf "$f" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
			expect "$g: $(basename "$f") passes named-checkconf" test "$rc" -eq 0
			;;
		esac
		checked=$((checked + 1))
	done
	for path in "${!zone_for[@]}"; do
		expect "$g: the zone file $path is used by a YAML block" test -n "${zone_used[$path]:-}"
	done
	if [ "$g" != guide-printers ]; then
		expect "$g: has checked configuration blocks ($checked)" test "$checked" -gt 0
	fi
	unset zone_for zone_used
done

# The checks can fail: a broken snippet of each kind is refused.
printf 'zone: {domain: home.arpa.}\nlinks: [{interface: eth0, subdomian: lan}]\n' >"$GW_ETC/bad.yaml"
"$GW_BIN" --check-config -c "$GW_ETC/bad.yaml" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "a misspelt key is refused by --check-config" test "$rc" -ne 0
printf 'server:\n    local-zone: "home.arpa." nodefualt\n' >"$GW_TMP/bad.unbound"
unbound-checkconf "$GW_TMP/bad.unbound" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "a bad unbound.conf is refused by unbound-checkconf" test "$rc" -ne 0
printf 'zone:\n\tnam: "x"\n' >"$GW_TMP/bad.nsd"
nsd-checkconf "$GW_TMP/bad.nsd" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "a bad nsd.conf is refused by nsd-checkconf" test "$rc" -ne 0
printf 'zone:\n  - domain: x\n    mastr: y\n' >"$GW_TMP/bad.knot"
knotc -c "$GW_TMP/bad.knot" conf-check >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "a bad knot.conf is refused by knotc conf-check" test "$rc" -ne 0
printf 'zone "x" { type secundary; };\n' >"$GW_TMP/bad.bind"
named-checkconf "$GW_TMP/bad.bind" >"$GW_TMP/last" 2>&1 && rc=0 || rc=$?
expect "a bad named.conf is refused by named-checkconf" test "$rc" -ne 0

gw_finish
