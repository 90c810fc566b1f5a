#!/usr/bin/env bash
# DNS over TLS answers what UDP answers, over the benchmark's query mix:
# bench/dot_replies.py serves the generated DNS-SD zone (1000 services,
# signed, NSEC then NSEC3) and compares every TLS reply byte for byte with
# the UDP reply (the TCP reply where UDP truncated, or for ANY, RFC 8482).
# Needs the shared/ folder next to the repository (CI has it). Its files go
# to the root-owned GW_ETC: the daemon, started as root, takes a
# configuration only from directories of root's.
source "$(dirname "$0")/lib.sh"

root=$(cd "$GW_INTEGRATION_DIR/../.." && pwd)
shared=${GW_SHARED:-$root/../shared}
if [ ! -x "$shared/bench/gen-dnssd-zone" ]; then
	echo "FAIL: no $shared/bench/gen-dnssd-zone (set GW_SHARED)" >&2
	exit 1
fi
rc=0
GW_SHARED=$shared /usr/bin/python3 "$root/bench/dot_replies.py" --bin "$GW_BIN" \
	--services 1000 --out "$GW_ETC/mix" >"$GW_TMP/mix.out" 2>&1 || rc=$?
sed 's/^/    /' "$GW_TMP/mix.out"
expect "every TLS reply of the mix equals the UDP (or TCP) reply" test "$rc" -eq 0
expect "the mix was compared in full (NSEC and NSEC3)" \
	grep -qE '^total: [0-9]{4,} replies compared' "$GW_TMP/mix.out"
gw_finish
