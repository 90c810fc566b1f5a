#!/usr/bin/env bash
# Configure and build into a build directory.
#   scripts/build.sh [--sanitize] [--release]
# Build directories: build/ (default), build-asan/ (--sanitize),
# build-release/ (--release).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DGW_WERROR=ON)
for a in "$@"; do
	case "$a" in
	--sanitize)
		dir=build-asan
		args=(-DCMAKE_BUILD_TYPE=Debug -DGW_WERROR=ON -DGW_SANITIZE=ON)
		;;
	--release)
		dir=build-release
		args=(-DCMAKE_BUILD_TYPE=Release -DGW_WERROR=ON)
		;;
	*)
		echo "usage: $0 [--sanitize|--release]" >&2
		exit 2
		;;
	esac
done

cmake -S . -B "$dir" "${args[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
echo "$dir"
