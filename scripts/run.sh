#!/usr/bin/env bash
# Install what is needed, build, and run dnssd-gateway in the foreground.
#   scripts/run.sh [dnssd-gateway options]
# Without -c the built-in default configuration applies: zone home.arpa.,
# every address on port 53, state in /var/lib/dnssd-gateway (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh --release >/dev/null
bin=build-release/gateway/dnssd-gateway
if [ "$(id -u)" -ne 0 ]; then
	exec sudo "$bin" "$@"
fi
exec "$bin" "$@"
