#!/usr/bin/env bash
# Differential test through cbcached: random movie-database statements
# (simple and extended protocol, binary results, parameters, two
# TimeZones/DateStyles, writes through the daemon) give byte-identical
# results through cbcached and directly.  Today cbcached relays everything;
# once it answers from the cache, this is the test that keeps it exact.
set -uo pipefail
. "$top_srcdir/tests/integration/daemon-lib.sh"

cbd_start ""
seed="${CB_SEED:-$RANDOM}"
"$top_builddir/tests/differential/diffgen" \
	--target "host=$CBD_DIR port=$CBD_PORT user=postgres dbname=movies" \
	--direct "$CB_PG_CONNINFO" --count "${CB_DIFF_COUNT:-3000}" --writes 3 --seed "$seed" || fail "differences (seed $seed)"
cbd_stop
echo "ok: cbcached and PostgreSQL agree"
