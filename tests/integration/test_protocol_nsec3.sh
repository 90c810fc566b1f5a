#!/usr/bin/env bash
# test_protocol.sh (referrals at delegations) on an NSEC3 zone: the NSEC3
# matching an unsigned cut proves there is no DS; delv, Unbound,
# ldns-verify-zone and dnssec-verify as there.
GW_DENIAL=nsec3 exec bash "$(dirname "$0")/test_protocol.sh"
