#!/usr/bin/env bash
# demo.sh - the main job: cbcached in front of a throwaway PostgreSQL with
# the movie database, a workload through ODBC, statistics printed.
#
# What exists today: the build and the movie database.  The daemon
# (cbcached), the cache and the ODBC driver are open issues, so this script
# builds cbcache, starts a throwaway PostgreSQL with the movie database and
# shows what is in it, and says plainly what it cannot show yet.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
cd "$root"
if [ ! -x "$build/config.status" ]; then
	autoreconf -fi >/dev/null
	mkdir -p "$build"
	(cd "$build" && "$root/configure" -q)
fi
make -C "$build" -j"$(nproc)" >/dev/null
echo "demo: cbcache built in $build"

if [ ! -x "$build/src/cbcached" ]; then
	echo "demo: cbcached is not built yet (it is an open issue): showing the movie database only"
	PGH_SCALE="${CB_DEMO_SCALE:-1}" "$root/tests/harness/with-pg.sh" -- bash -c '
		echo "demo: throwaway PostgreSQL on $PGHOST port $PGPORT, movie database at scale $CB_PG_SCALE"
		psql -X -q -c "SELECT (SELECT count(*) FROM regisseur) AS regisseure,
		                      (SELECT count(*) FROM film) AS filme,
		                      (SELECT count(*) FROM darsteller) AS darsteller,
		                      (SELECT count(*) FROM darst_film) AS besetzungen"
		psql -X -q -c "SELECT r.id, r.vname, r.nname, count(f.id) AS filme
		               FROM regisseur r JOIN film f ON f.regie = r.id
		               GROUP BY r.id ORDER BY filme DESC, r.id LIMIT 5"
	'
	echo "demo: stopped the throwaway PostgreSQL and removed its directory"
	exit 0
fi
