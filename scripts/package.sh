#!/usr/bin/env bash
# Build the Debian package from the work tree and check it:
#   scripts/package.sh [OUTDIR]
# 1. copies the work tree (tracked and untracked files that git does not
#    ignore: no build directories) to a temporary directory;
# 2. builds the binary package there: dpkg-buildpackage -us -uc -b, two
#    jobs, only the unit suites run (debian/rules), none with
#    DEB_BUILD_OPTIONS=nocheck (as the suite's package.deb test does);
# 3. runs lintian on the .changes: any error fails, warnings are printed;
# 4. checks the package's contents (dpkg-deb -c): the binaries, the unit,
#    the sysusers.d and tmpfiles.d files, the configuration (a conffile),
#    the man pages;
# 5. unpacks it and runs scripts/check-dist.sh on it: systemd-analyze
#    verify, the unit's exposure (at most 2.0), --check-config on the
#    packaged configuration, man --warnings;
# 6. installs it on a throwaway copy of this machine and boots that with
#    systemd (scripts/boot-test.sh; root only): the service runs sandboxed
#    as the unit says, answers, reloads, stops; purge cleans up.
#    --no-boot leaves this step out (for a build without root).
# The .deb, the build log and the lintian report end up in OUTDIR
# (default build-package/).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
boot=1
if [ "${1:-}" = "--no-boot" ]; then
	boot=0
	shift
fi
out=${1:-$src/build-package}
jobs=${GW_PACKAGE_JOBS:-2}

for tool in dpkg-buildpackage dh fakeroot lintian dpkg-deb git; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup.sh)" >&2; exit 1; }
done
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
start=$(date +%s)

tmp=$(mktemp -d /tmp/gw-package.XXXXXX)
cleanup() {
	if [ -n "${GW_KEEP_TMP:-}" ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
mkdir "$tmp/dnssd-gateway"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar -C "$src" --null -T - -cf - | tar -C "$tmp/dnssd-gateway" -xf -

echo "package: dpkg-buildpackage in $tmp"
if ! (cd "$tmp/dnssd-gateway" &&
	DEB_BUILD_OPTIONS="parallel=$jobs terse ${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -us -uc -b >"$tmp/build.log" 2>&1); then
	tail -n 200 "$tmp/build.log" >&2
	fail "dpkg-buildpackage (the log's end is above)"
fi
case " ${DEB_BUILD_OPTIONS:-} " in
*" nocheck "*) ;;
*) grep -E 'tests passed|tests failed' "$tmp/build.log" || fail "the build ran no unit tests" ;;
esac
changes=$(ls "$tmp"/dnssd-gateway_*.changes)
deb=$(ls "$tmp"/dnssd-gateway_*.deb)
mkdir -p "$out"
cp "$tmp"/*.deb "$tmp"/*.buildinfo "$changes" "$tmp/build.log" "$out/"
echo "package: built $(basename "$deb") (in $out, with build.log)"

# lintian: errors fail, warnings (and the rest) are shown.
lintian --fail-on error --display-info "$changes" >"$tmp/lintian.txt" 2>&1 || lintian_status=$?
cat "$tmp/lintian.txt"
cp "$tmp/lintian.txt" "$out/"
[ "${lintian_status:-0}" -eq 0 ] || fail "lintian reports errors"
echo "package: lintian: $(grep -c '^E:' "$tmp/lintian.txt" || true) errors," \
	"$(grep -c '^W:' "$tmp/lintian.txt" || true) warnings"

# What must be in the package. The control tool, once in the tree, is
# installed by CMake like the daemon and expected the same way.
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$tmp/contents"
expect=(
	/usr/sbin/dnssd-gateway
	/lib/systemd/system/dnssd-gateway.service
	/usr/lib/sysusers.d/dnssd-gateway.conf
	/usr/lib/tmpfiles.d/dnssd-gateway.conf
	/usr/lib/sysctl.d/dnssd-gateway.conf
	/etc/dnssd-gateway/dnssd-gateway.yaml
	/usr/share/man/man8/dnssd-gateway.8.gz
	/usr/share/man/man8/dnssd-gatewayctl.8.gz
	/usr/share/man/man5/dnssd-gateway.yaml.5.gz
	/usr/share/doc/dnssd-gateway/copyright
	/usr/share/doc/dnssd-gateway/configuration.md
)
if grep -rqs 'add_executable(dnssd-gatewayctl' --include=CMakeLists.txt gateway; then
	expect+=(/usr/sbin/dnssd-gatewayctl)
fi
for f in "${expect[@]}"; do
	grep -qxF "$f" "$tmp/contents" || fail "$(basename "$deb") lacks $f"
done
echo "package: contents: ${#expect[@]} expected files present"
mkdir "$tmp/control"
dpkg-deb -e "$deb" "$tmp/control"
grep -qxF /etc/dnssd-gateway/dnssd-gateway.yaml "$tmp/control/conffiles" ||
	fail "the configuration is not a conffile"
grep -q systemd-sysusers "$tmp/control/postinst" || fail "postinst does not create the system user"
grep -q 'deb-systemd-helper' "$tmp/control/postinst" || fail "postinst does not enable the unit"
grep -q 'systemd-sysctl dnssd-gateway.conf' "$tmp/control/postinst" ||
	fail "postinst does not apply the sysctl.d file"

mkdir "$tmp/root"
dpkg-deb -x "$deb" "$tmp/root"
scripts/check-dist.sh "$tmp/root"
if [ "$boot" = 1 ]; then
	scripts/boot-test.sh "$deb"
fi

echo "package: $(basename "$deb") checked, $(($(date +%s) - start)) s"
