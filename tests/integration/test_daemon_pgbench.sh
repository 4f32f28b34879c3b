#!/usr/bin/env bash
# pgbench through cbcached in the simple, extended and prepared protocols
# with several clients: no failed transaction, and the tables end up with
# the row counts a direct run gives.
set -uo pipefail
. "$top_srcdir/tests/integration/daemon-lib.sh"

cbd_start

clients=4
tx=200
pgbench -i -q -s 1 -h "$CBD_DIR" -p "$CBD_PORT" movies >"$CBD_DIR/init.out" 2>&1 ||
	{ cat "$CBD_DIR/init.out"; fail "pgbench -i through cbcached failed"; }

count() { direct_psql -At -c "SELECT count(*) FROM $1"; }
[ "$(count pgbench_accounts)" = 100000 ] || fail "pgbench -i through cbcached did not load 100000 accounts"

total=0
for mode in simple extended prepared; do
	out="$CBD_DIR/run-$mode.out"
	pgbench -n -M "$mode" -c "$clients" -j 2 -t "$tx" -h "$CBD_DIR" -p "$CBD_PORT" movies >"$out" 2>&1 ||
		{ cat "$out"; fail "pgbench -M $mode through cbcached failed"; }
	grep -q "number of transactions actually processed: $((clients * tx))/$((clients * tx))" "$out" ||
		{ cat "$out"; fail "pgbench -M $mode: not every transaction was processed"; }
	if grep -q "number of failed transactions: [1-9]" "$out"; then
		cat "$out"
		fail "pgbench -M $mode: failed transactions"
	fi
	total=$((total + clients * tx))
	# every transaction of the TPC-B-like script inserts one history row
	[ "$(count pgbench_history)" = "$total" ] ||
		fail "after -M $mode pgbench_history has $(count pgbench_history) rows, expected $total"
done

# The same workload directly gives the same count per run.
direct_before="$(count pgbench_history)"
pgbench -n -M prepared -c "$clients" -j 2 -t "$tx" movies >"$CBD_DIR/direct.out" 2>&1 || fail "direct pgbench failed"
[ "$(count pgbench_history)" = "$((direct_before + clients * tx))" ] || fail "direct pgbench row count differs"

cbd_stop
echo "ok: pgbench simple/extended/prepared through cbcached"
