#!/usr/bin/env bash
# test_dnssec.sh on an NSEC3 zone (dnssec.denial: nsec3, RFC 9276
# parameters): ldns-verify-zone and dnssec-verify on the AXFR, delv fully
# validated for positive, NXDOMAIN, NODATA, empty non-terminal and
# wildcard answers, Unbound AD, SERVFAIL with a wrong anchor, kill -9.
GW_DENIAL=nsec3 exec bash "$(dirname "$0")/test_dnssec.sh"
