#!/usr/bin/env bash
# Install every Debian package that the build, the tests and the benchmarks
# need, and make the system user the daemon runs as. Idempotent: when
# everything is present it only checks and returns.
set -euo pipefail

packages=(
	# build
	build-essential cmake pkg-config clang clang-format libclang-rt-14-dev
	libldns-dev libssl-dev libev-dev libcunit1-dev libcyaml-dev
	libavahi-core-dev libavahi-common-dev
	# the journal's record checksums (CRC-32)
	zlib1g-dev
	# running as a service: readiness and watchdog (sd_notify), dropping
	# capabilities, the control socket's JSON, the metrics and status page
	libsystemd-dev libcap-dev libjson-c-dev libmicrohttpd-dev
	# tests: DNS tools and peers
	knot-dnsutils bind9-dnsutils bind9-utils ldnsutils
	# DNS over TLS tests: s_client (ALPN, resumption, DANE), certificates;
	# curl reads the metrics
	openssl curl
	nsd knot unbound
	iproute2 procps python3 python3-zeroconf python3-dnspython avahi-utils
	# a step of the wall clock seen by the daemon alone (test_clock_step:
	# a test must not set the machine's clock)
	faketime
	# the chain-of-trust tests (chain.sh): dnspython checks DNSSEC signatures
	# with it (only recommended by python3-dnspython)
	python3-cryptography
	# end-to-end tests and scripts/demo.sh: Avahi as publisher and as
	# wide-area client (with a private D-Bus), CUPS's DNS-SD browser
	avahi-daemon dbus-daemon util-linux cups-ipp-utils
	# service tests: the unit's checks, Prometheus's metrics linter, a
	# headless browser for the status page
	systemd prometheus chromium
	# the daemon's system user (adduser --system, below)
	adduser
	# the Debian package (dpkg-buildpackage, lintian; systemd-nspawn boots
	# a copy of the machine with the package installed: scripts/boot-test.sh)
	debhelper dpkg-dev fakeroot lintian systemd-container binutils
	# benchmarks
	dnsperf
	# instructions per query (bench/callgrind.py); where the memory goes
	# (heaptrack, and gdb for malloc_stats(): docs/architecture.md, Memory)
	valgrind heaptrack gdb
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi

# Started as root, the daemon becomes this user once its sockets are bound
# (docs/security.md); scripts/run.sh and the tests start it as root.
gw_user=dnssd-gateway
make_user() {
	if id -u "$gw_user" >/dev/null 2>&1; then
		return 0
	fi
	echo "setup: creating the system user $gw_user"
	if command -v adduser >/dev/null; then
		$sudo adduser --quiet --system --group --no-create-home \
			--home /var/lib/dnssd-gateway "$gw_user"
	else
		$sudo useradd --system --user-group --no-create-home \
			--home-dir /var/lib/dnssd-gateway --shell /usr/sbin/nologin "$gw_user"
	fi
}

if [ ${#missing[@]} -eq 0 ]; then
	make_user
	exit 0
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
make_user
