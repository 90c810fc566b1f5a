#!/usr/bin/env bash
# test_xfr_secondaries.sh on an NSEC3 zone (dnssec.denial: nsec3, RFC 9276
# parameters): NSD and Knot take it by AXFR, then IXFR on NOTIFY and after
# a restart; each copy passes ldns-verify-zone and dnssec-verify, equals
# the gateway's, holds NSEC3PARAM 1 0 0 - and NSEC3 and no NSEC; Unbound
# through either returns AD for a positive answer and an NXDOMAIN.
GW_DENIAL=nsec3 exec bash "$(dirname "$0")/test_xfr_secondaries.sh"
