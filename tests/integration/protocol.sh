# Sourced by test_protocol*.sh: lib.sh, then the gateway serving
# tests/data/integration/delegation.zone as deleg.test. (signed with
# GW_DENIAL: nsec, the default, or nsec3), once it is signed; and the
# helpers that read proto.py's one-line-per-RR replies.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
/usr/bin/python3 -c 'import dns' 2>/dev/null || { echo "FAIL: python3-dnspython missing (scripts/setup.sh)" >&2; exit 1; }
DENIAL=${GW_DENIAL:-nsec}
case $DENIAL in
nsec | nsec3) ;;
*) echo "FAIL: GW_DENIAL must be nsec or nsec3" >&2; exit 1 ;;
esac

cp "$GW_TEST_DATA/integration/delegation.zone" "$GW_TMP/zone"
cfg=$(gw_config protocol "zone: {domain: deleg.test., file: $GW_TMP/zone}
dnssec: {enable: true, denial: $DENIAL}")
gw_start "$cfg"
for _ in $(seq 1 100); do
	q deleg.test. SOA +dnssec
	has_text "RRSIG" && break
	sleep 0.2
done
Z=deleg.test.
# has_rr "SECTION NAME TYPE [COVERED]": that exact line in the reply.
has_rr() { grep -qxF "$1" "$GW_TMP/last"; }
lacks_rr() { ! has_rr "$1"; }
p() { /usr/bin/python3 "$GW_INTEGRATION_DIR/proto.py" "$GW_PORT" "$@" >"$GW_TMP/last" 2>&1 || true; }
