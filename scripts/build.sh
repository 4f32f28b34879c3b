#!/usr/bin/env bash
# build.sh - make sure cbcache is built: install missing packages, configure
# the build directory (build/, or $CB_BUILD_DIR) when it is not configured
# yet, and run make.  Used by demo.sh and bench/run.sh.
#
#   scripts/build.sh [--bench]   (--bench: also the benchmark's packages)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh" "$@"
if [ ! -x "$build/config.status" ]; then
	echo "build: configuring in $build"
	(cd "$root" && autoreconf -fi >/dev/null 2>&1)
	mkdir -p "$build"
	(cd "$build" && "$root/configure" -q)
fi
echo "build: make -C $build"
make -C "$build" -j"$(nproc)" >/dev/null
