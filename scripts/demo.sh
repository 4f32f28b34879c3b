#!/usr/bin/env bash
# demo.sh - the main job: cbcached in front of a throwaway PostgreSQL with
# the movie database, a read-mostly workload through the ODBC driver, the
# daemon's statistics, and the same workload straight to PostgreSQL.
#
#   scripts/demo.sh [--seconds S] [--scale N]
#
# Installs what is missing (scripts/install-deps.sh), builds in build/,
# starts everything in a temporary directory and removes it at the end.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"
# shellcheck source=lib.sh
. "$root/scripts/lib.sh"
parse_options demo seconds="${CB_DEMO_SECONDS:-8}" scale="${CB_DEMO_SCALE:-1}" -- "$@"
start_in_pg "demo: starting a throwaway PostgreSQL with the movie database at scale $scale" \
	--scale "$scale" -- --seconds "$seconds" --scale "$scale"

# ---- inside the throwaway PostgreSQL ----------------------------------------
d="$CB_PG_DIR/demo"
mkdir -p "$d"
chmod 755 "$d"
daemon_pid=""
stop_daemon() {
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill -TERM "$daemon_pid"
		wait "$daemon_pid" 2>/dev/null || true
	fi
}
trap stop_daemon EXIT

port=6433
while grep -q . <<<"$(ss -Hltn "sport = :$port")" || [ -e "$d/.s.PGSQL.$port" ]; do port=$((port + 1)); done

# the example configuration, pointed at this run's backend and directory
# a cache for about half of the data, so the garbage collector evicts the
# coldest directors while the Zipf workload keeps its hot ones
max_rows="$(psql -X -At -c "SELECT (((SELECT count(*) FROM film) + (SELECT count(*) FROM darst_film) + (SELECT count(*) FROM darsteller)) / 2)::int")"
sed -e "s|^listen_dir = .*|listen_dir = $d|" \
	-e "s|^listen_port = .*|listen_port = $port|" \
	-e "s|^admin_socket = .*|admin_socket = $d/admin.sock|" \
	-e "s|^backend = .*|backend = host=$PGHOST port=$PGPORT|" \
	-e "s|^cache_db = .*|cache_db = $d/cache.db|" \
	-e "s|^cache_groups = .*|cache_groups = $root/examples/movies/movies.cg|" \
	-e "s|^max_cache_rows = .*|max_cache_rows = $max_rows|" \
	-e "s|^gc_interval = .*|gc_interval = 1|" \
	"$root/examples/movies/cbcache.conf" >"$d/cbcache.conf"
echo "log_file = $d/cbcached.log" >>"$d/cbcache.conf"

echo
echo "== cbcached --check: the configuration and the movie cache group"
"$build/src/cbcached" --check -c "$d/cbcache.conf" | sed -n '1,200p' | grep -v '^$' | sed -n '1,40p'
echo "   (full report: cbcache-cg check examples/movies/movies.cg --backend CONNINFO --sql)"

"$build/src/cbcached" -c "$d/cbcache.conf" &
daemon_pid=$!
wait_cbcached demo "$build/src/cbcache-admin" "$d/admin.sock" "$daemon_pid" "$d/cbcached.log" || exit 1
admin() { "$build/src/cbcache-admin" -s "$d/admin.sock" "$@"; }
echo
echo "== cbcached is listening on $d/.s.PGSQL.$port (psql -h $d -p $port movies)"

# two DSNs for the one driver: through cbcached, and straight to PostgreSQL
cat >"$d/odbcinst.ini" <<INI
[cbcache]
Description = cbcache ODBC driver (this build)
Driver = $build/odbc-driver/.libs/libcbcacheodbc.so
INI
cat >"$d/odbc.ini" <<INI
[movies]
Driver = cbcache
Socket = $d
Port = $port
Database = movies
UID = postgres

[movies-direct]
Driver = cbcache
Socket = $PGHOST
Port = $PGPORT
Database = movies
UID = postgres
INI
export ODBCSYSINI="$d" ODBCINI="$d/odbc.ini"

echo
echo "== workload through ODBC DSN=movies (cbcached), cold cache: Zipf mix of director lookups and"
echo "   director-film-location joins, $seconds s; the hit ratio rises as misses fill the cache"
/usr/bin/python3 "$root/examples/movies/workload.py" --connect "DSN=movies" --seconds "$seconds" \
	--label cold --admin "$build/src/cbcache-admin -s $d/admin.sock" --json | tee "$d/cold.out" | grep -v '^{'
echo
echo "== the same workload again, warm cache"
/usr/bin/python3 "$root/examples/movies/workload.py" --connect "DSN=movies" --seconds "$seconds" --seed 2 \
	--label warm --admin "$build/src/cbcache-admin -s $d/admin.sock" --json | tee "$d/warm.out" | grep -v '^{'
echo
echo "== cbcache-admin SHOW STATS (queries_*: how statements were answered; cache_*: fills, hits, evictions)"
admin SHOW STATS | grep -E 'name|statements|queries_|query_shapes|cache_'
echo
echo "== cbcache-admin SHOW FILLS (the fill daemon at work; newest first)"
admin SHOW FILLS | sed -n '1,12p' 
echo
echo "== cbcache-admin SHOW CONTROLS (loaded fill values, their hits)"
admin SHOW CONTROLS
echo
echo "== cbcache-admin SHOW QUERIES (statement shapes: answered from the cache, or why not)"
admin SHOW QUERIES
echo
echo "== cbcache-admin VERIFY: the cache against the backend"
admin VERIFY
echo
echo "== the same workload with the DSN pointed straight at PostgreSQL (DSN=movies-direct)"
/usr/bin/python3 "$root/examples/movies/workload.py" --connect "DSN=movies-direct" --seconds "$seconds" --seed 2 \
	--label direct --json | tee "$d/direct.out" | grep -v '^{'

echo
echo "== side by side"
/usr/bin/python3 - "$d/cold.out" "$d/warm.out" "$d/direct.out" <<'PY'
import json, sys
rows = [json.loads([l for l in open(p) if l.startswith("{")][-1]) for p in sys.argv[1:]]
print(f"{'path':<10} {'queries':>9} {'q/s':>9} {'p50 us':>9} {'p95 us':>9} {'p99 us':>9} {'hit ratio':>10}")
for r in rows:
    hr = f"{100 * r['hit_ratio']:.1f} %" if "hit_ratio" in r else "-"
    print(f"{r['label']:<10} {r['queries']:>9} {r['qps']:>9.0f} {r['p50_us']:>9.1f} {r['p95_us']:>9.1f} "
          f"{r['p99_us']:>9.1f} {hr:>10}")
PY
echo
echo "demo: 'cold' starts with an empty cache: each miss goes to PostgreSQL and queues a"
echo "demo: fill; 'warm' runs on the filled cache. The python client's own cost per query"
echo "demo: (pyodbc) is part of every latency above; bench/run.sh measures with a C driver."
stop_daemon
daemon_pid=""
echo "demo: stopped cbcached; the throwaway PostgreSQL and its directory are removed next"
