#!/usr/bin/env bash
# test_chain.sh with a KSK and a ZSK instead of one CSK.
GW_CHAIN_KEYS=ksk-zsk exec bash "$(dirname "$0")/test_chain.sh"
