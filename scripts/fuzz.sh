#!/usr/bin/env bash
# Build the whole tree with clang (warnings are errors) and the libFuzzer
# targets, then run every target briefly on its seed corpus (CTest label
# fuzz), one per core: each target is one process on one core.
# docs/fuzzing.md has the longer runs.
#   scripts/fuzz.sh [ctest options]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGW_WERROR=ON \
	-DGW_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)"
cd build-fuzz
ctest -L fuzz --output-on-failure --parallel "$(nproc)" "$@"
