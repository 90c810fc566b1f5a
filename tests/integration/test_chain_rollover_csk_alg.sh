#!/usr/bin/env bash
# test_chain_rollover.sh with one CSK (keys: csk): a CSK rollover, then an
# algorithm rollover ECDSAP256SHA256 -> ED25519 of the CSK.
GW_CHAIN_ROLL=csk exec bash "$(dirname "$0")/test_chain_rollover.sh"
