#!/usr/bin/env bash
# Install every Debian package that the build, the tests and the benchmarks
# need. Idempotent: when everything is present it only checks and returns.
set -euo pipefail

packages=(
	# build
	build-essential cmake pkg-config clang clang-format libclang-rt-14-dev
	libldns-dev libssl-dev libev-dev libcunit1-dev libcyaml-dev
	libavahi-core-dev libavahi-common-dev
	# running as a service: readiness and watchdog (sd_notify), dropping
	# capabilities, the control socket's JSON, the metrics and status page
	libsystemd-dev libcap-dev libjson-c-dev libmicrohttpd-dev
	# tests: DNS tools and peers
	knot-dnsutils bind9-dnsutils bind9-utils ldnsutils
	nsd knot unbound
	iproute2 procps python3 python3-zeroconf python3-dnspython avahi-utils
	# end-to-end tests and scripts/demo.sh: Avahi as publisher and as
	# wide-area client (with a private D-Bus), CUPS's DNS-SD browser
	avahi-daemon dbus-daemon util-linux cups-ipp-utils
	# service tests: the unit's checks, Prometheus's metrics linter, a
	# headless browser for the status page
	systemd prometheus chromium
	# the Debian package (dpkg-buildpackage, lintian; systemd-nspawn boots
	# a copy of the machine with the package installed: scripts/boot-test.sh)
	debhelper dpkg-dev fakeroot lintian systemd-container binutils
	# benchmarks
	dnsperf
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi

# The peers (nsd, knot, unbound) are only started by the tests, on loopback
# ports of their own: keep the packages' init scripts from starting system
# instances that would take port 53 and outlive the install.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
	$sudo chmod 755 "$policy"
	made_policy=1
fi
cleanup() {
	if [ "$made_policy" -eq 1 ]; then
		$sudo rm -f "$policy"
	fi
}
trap cleanup EXIT

echo "setup: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
