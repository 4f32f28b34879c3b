#!/usr/bin/env bash
# A connect-query-disconnect loop through unixODBC and the built driver
# (tests/odbc/odbc_loop) must be clean under valgrind: no invalid
# accesses, no definite leaks (--error-exitcode fails the test).  In a
# sanitizer build the driver carries AddressSanitizer, which cannot run
# under valgrind; there the same loop runs with ASan/LSan doing the
# checking instead.  Runs inside tests/harness/with-pg.sh.
set -uo pipefail

fail() {
	echo "test_odbc_valgrind: FAIL: $*" >&2
	exit 1
}

loop="$top_builddir/tests/odbc/odbc_loop"
[ -x "$loop" ] || fail "$loop not built: run make check"
. "$top_srcdir/tests/odbc/odbc-env.sh"
cb_odbc_env odbc-valgrind || fail "odbcini-gen.sh failed"

if [ "$CB_ODBC_SANITIZER" = 1 ]; then
	# odbc_loop itself is built with the sanitizers: no preload needed
	echo "test_odbc_valgrind: sanitizer build: running the loop under its sanitizer instead of valgrind"
	"$loop" cbtest 20 || fail "the loop failed under the sanitizer"
	exit 0
fi

command -v valgrind >/dev/null || fail "valgrind not found: install the Debian package valgrind"
# Leaks are reported for the driver and libpq; unixODBC keeps a few caches
# for the process lifetime (reachable, not definite).
valgrind --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite \
	--track-fds=no --quiet "$loop" cbtest 10
status=$?
[ "$status" -eq 0 ] || fail "valgrind reported errors or the loop failed (status $status)"
