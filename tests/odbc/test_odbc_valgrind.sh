#!/usr/bin/env bash
# A connect-query-disconnect loop through unixODBC and the built driver
# (tests/odbc/odbc_loop) must be clean under valgrind: no invalid
# accesses, no definite leaks (--error-exitcode fails the test).  In a
# sanitizer build the driver carries AddressSanitizer, which cannot run
# under valgrind; there the same loop runs with ASan/LSan doing the
# checking instead.  The loop runs twice: straight to PostgreSQL, then
# through cbcached offering direct_backend (in-process answers, misses
# and a write on the driver's own backend connection, the commit wait).
# Runs inside tests/harness/with-pg.sh.
set -uo pipefail

fail() {
	echo "test_odbc_valgrind: FAIL: $*" >&2
	exit 1
}

loop="$top_builddir/tests/odbc/odbc_loop"
[ -x "$loop" ] || fail "$loop not built: run make check"
. "$top_srcdir/tests/odbc/odbc-env.sh"
cb_odbc_env odbc-valgrind || fail "odbcini-gen.sh failed"

# run_loop ROUNDS WHAT: the loop on DSN cbtest under valgrind, or under its sanitizer in a sanitizer build
run_loop() {
	if [ "$CB_ODBC_SANITIZER" = 1 ]; then
		# odbc_loop itself is built with the sanitizers: no preload needed
		"$loop" cbtest "$1" || fail "the loop $2 failed under the sanitizer"
		return
	fi
	command -v valgrind >/dev/null || fail "valgrind not found: install the Debian package valgrind"
	# Leaks are reported for the driver and libpq; unixODBC keeps a few caches
	# for the process lifetime (reachable, not definite).
	valgrind --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite \
		--track-fds=no --quiet "$loop" cbtest "$1"
	local status=$?
	[ "$status" -eq 0 ] || fail "valgrind reported errors or the loop $2 failed (status $status)"
}
[ "$CB_ODBC_SANITIZER" = 1 ] &&
	echo "test_odbc_valgrind: sanitizer build: running the loop under its sanitizer instead of valgrind"
run_loop 10 "straight to PostgreSQL"

# the same loop through cbcached offering direct_backend: the driver answers from the cache file in
# its process, and sends the rest (and the commit, whose sync it waits for) on its own backend connection
. "$top_srcdir/tests/integration/daemon-lib.sh"
cbd_start "cache_db = cache.db
cache_groups = $top_srcdir/examples/movies/movies.cg
cache_database = movies
cache_user = postgres
direct_backend = host=$PGHOST port=$PGPORT"
CB_ODBC_SOCKET="$CBD_DIR" CB_ODBC_PORT="$CBD_PORT" cb_odbc_env odbc-valgrind-direct || fail "odbcini-gen.sh failed"
"$loop" cbtest 1 >/dev/null || fail "the loop through cbcached failed"
"$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" WAIT FILLS 30000 >/dev/null || fail "WAIT FILLS"
run_loop 5 "through cbcached (Direct)"
syncs="$("$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" SHOW STATS | awk '$1 == "in_process_syncs" {print $3}')"
[ "${syncs:-0}" -ge 5 ] || fail "the loop's writes did not ask cbcached for syncs (in_process_syncs ${syncs:-none}): it did not run direct"
cbd_stop
