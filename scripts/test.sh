#!/usr/bin/env bash
# Install what is needed, build, and run the whole test suite (unit and
# integration tests, CTest), two at a time on two cores.
#   scripts/test.sh [--sanitize] [ctest options, e.g. -L unit]
# --sanitize builds with AddressSanitizer and UndefinedBehaviorSanitizer
# into build-asan/ and runs the same suite there.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

build_args=()
if [ "${1:-}" = "--sanitize" ]; then
	build_args=(--sanitize)
	shift
	# Leaks fail the run; UBSan stops at the first report.
	export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
fi
dir=$(scripts/build.sh "${build_args[@]}" | tail -n 1)
cd "$dir"
# One test per core: tests/CMakeLists.txt makes those that need the whole
# machine, or exact timing, run alone (PROCESSORS, RESOURCE_LOCK).
ctest --output-on-failure --timeout 600 --parallel "$(nproc)" "$@"
