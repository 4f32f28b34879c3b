#!/usr/bin/env bash
# check.sh - build cbcache from this checkout and run its whole test suite.
#
#   scripts/check.sh [CONFIGURE-OPTIONS...]
#
# Installs missing Debian packages (scripts/install-deps.sh), regenerates the
# build system, configures in a separate build directory (build/, or
# $CB_BUILD_DIR), builds and runs `make check`: the cmocka unit tests and the
# integration tests, each on its own throwaway PostgreSQL.  The test build
# has the fault points (--enable-fault-injection, common/fault.h) the
# crash tests arm; options are passed on to configure (CI passes
# --enable-werror, then --enable-sanitizers).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"
jobs="${CB_JOBS:-$(nproc)}"

"$root/scripts/install-deps.sh"

cd "$root"
autoreconf -fi >/dev/null

mkdir -p "$build"
cd "$build"
"$root/configure" --enable-fault-injection "$@"
make -j"$jobs"
if ! make -j"$jobs" check; then
	echo "check.sh: tests failed; the logs of the failing tests follow" >&2
	for log in $(find . -name '*.log' ! -name config.log ! -name test-suite.log); do
		trs="${log%.log}.trs"
		if [ -f "$trs" ] && grep -q '^:test-result: \(FAIL\|ERROR\)' "$trs"; then
			echo "==== $log ====" >&2
			cat "$log" >&2
		fi
	done
	exit 1
fi
