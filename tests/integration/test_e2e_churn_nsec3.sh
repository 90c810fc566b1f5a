#!/usr/bin/env bash
# test_e2e_churn.sh on an NSEC3 zone (dnssec.denial: nsec3, RFC 9276
# parameters): the mDNS churn through network namespaces, every answer
# through the validating Unbound with AD, no SERVFAIL, the final state
# equal to what is published, departed services NXDOMAINs proved by NSEC3,
# the AXFR verified. The churn runs 30 s (GW_CHURN_SECONDS), not 60, to
# keep the suite short; the NSEC path runs the full minute.
GW_DENIAL=nsec3 GW_CHURN_SECONDS=${GW_CHURN_SECONDS:-30} exec bash "$(dirname "$0")/test_e2e_churn.sh"
