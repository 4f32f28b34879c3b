#!/usr/bin/env bash
# subset.sh - text ordered under the database's locale and enum columns,
# answered from the constraint cache: pgbench through cbcached and straight
# to PostgreSQL, in one run.
#
#   bench/subset.sh [--seconds S] [--rounds R] [--clients N] [--out FILE.md]
#
# Starts a throwaway PostgreSQL whose database collation is en_US.UTF-8
# (tests/harness with PGH_LC_COLLATE; scripts/install-deps.sh generates the
# locale) with the movie database, adds film.fsk, an enum whose sort order
# is not its labels' text order, installs the DDL event triggers (enum
# columns need them) and starts cbcached with the movie cache group and
# both memos off (memo_max_mb = 0, memo_backend_mb = 0), so every cached
# answer is computed by the constraint cache.  Statements (pgbench custom
# scripts, directors 4-15 at random, warmed first; the report gives their
# rows on average):
#
#   T1  a director's films ordered by title (text, en_US)
#   T2  the same from 'der' on, descending, the first 10 (an ordering
#       comparison, which en_US answers otherwise than C, and LIMIT)
#   E1  a director's films ordered by the enum, then id
#   E2  a director's films whose enum is one of two labels
#
# each with pgbench's simple and prepared protocol, --clients clients,
# --seconds per run, the two targets interleaved round by round (--rounds).
# Before this, T1/T2 went to PostgreSQL through cbcached in any database
# whose collation is not C, and E1/E2 in every database.  Writes
# bench/results/<date>-<host>-subset.md (or --out): the median tps per
# target, the ratio, and cbcached's SHOW STATS hit and backend counters
# (every statement of a run must be a hit for the ratio to mean the cache).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"

. "$root/bench/lib.sh"
parse_options subset.sh seconds=5 rounds=3 clients=4 out= -- "$@"
export PGH_LC_COLLATE=en_US.UTF-8 PGH_LC_CTYPE=en_US.UTF-8
run_in_pg -subset.md -- "$@"

# ---- inside the throwaway PostgreSQL --------------------------------------
work="$CB_PG_DIR/subset"
mkdir -p "$work"
[ "$(psql -X -q -A -t -d movies -c "SELECT datcollate FROM pg_database WHERE datname = 'movies'")" = en_US.UTF-8 ] ||
	{ echo "subset.sh: the database's collation is not en_US.UTF-8" >&2; exit 1; }
psql -X -q -d movies -v ON_ERROR_STOP=1 <<'SQL'
CREATE TYPE freigabe AS ENUM ('ab 18', 'ab 0', 'ab 6', 'ab 12', 'ab 16');
ALTER TABLE film ADD COLUMN fsk freigabe;
UPDATE film SET fsk = (enum_range(NULL::freigabe))[1 + id % 5];
SQL
mkdir -p "$work/install"
cbcached_conf "$work/install" "$PGHOST" "$PGPORT" "$(free_port)" "instance_name = bench_install"
"$build/src/cbcached" --install-backend -c "$work/install/cbcache.conf" >"$work/install/out" 2>&1 ||
	{ cat "$work/install/out" >&2; exit 1; }
cbcached_start "$work/cache" "$PGHOST" "$PGPORT" "instance_name = bench_subset
memo_max_mb = 0
memo_backend_mb = 0"
trap 'kill "$(cat "$work/cache/pid")" 2>/dev/null || true' EXIT

declare -A sql=(
	[t1]="SELECT id, titel FROM film WHERE regie = :id ORDER BY titel;"
	[t2]="SELECT id, titel FROM film WHERE regie = :id AND titel >= 'der' ORDER BY titel DESC LIMIT 10;"
	[e1]="SELECT id, titel, fsk FROM film WHERE regie = :id ORDER BY fsk, id;"
	[e2]="SELECT id, titel, fsk FROM film WHERE regie = :id AND fsk IN ('ab 0', 'ab 6') ORDER BY id;"
)
for q in t1 t2 e1 e2; do
	printf '\\set id random(4, 15)\n%s\n' "${sql[$q]}" >"$work/$q.sql"
done
# warm: every director the scripts read, each statement once
for i in $(seq 4 15); do
	for q in t1 t2 e1 e2; do echo "${sql[$q]}" | sed "s/:id/$i/"; done
done | psql -X -q -h "$work/cache" -p "$(cat "$work/cache/port")" -d movies >/dev/null
wait_fills "$work/cache/admin.sock"
# rows per statement, on average over the directors
rows=""
for q in t1 t2 e1 e2; do
	n="$(for i in $(seq 4 15); do
		echo "SELECT count(*) FROM ($(echo "${sql[$q]}" | sed "s/:id/$i/; s/;\$//")) s;"
	done | psql -X -q -A -t -d movies | awk '{s += $1} END {printf "%.0f", s / NR}')"
	rows="$rows $q=$n"
done

# one pgbench run: target q mode -> tps
run() {
	pgbench_tps "$([ "$1" = direct ] && echo direct || echo "$work/$1")" "$work/$2.sql" "$3"
}
# one run, with the statements cbcached sent to the backend meanwhile (0: all from the cache)
one_run() {
	local v b0 b1
	b0="$(admin_stat "$work/cache/admin.sock" queries_backend)"
	v="$(run "$3" "$1" "$2")"
	b1="$(admin_stat "$work/cache/admin.sock" queries_backend)"
	echo "$1 $2 $3 $4 ${v:-0} $((b1 - b0))" >>"$work/runs"
	echo "round $4: $1 $2 $3 ${v:-?} tps" >&2
}
interleave "t1 t2 e1 e2" "simple prepared" "direct cache" one_run

/usr/bin/python3 - "$work/runs" "$out" "$seconds" "$rounds" "$clients" "$rows" \
	"$("$cbadmin" -s "$work/cache/admin.sock" SHOW STATS | grep -E 'queries_|statements')" <<'PY'
import datetime, statistics, sys
runs, out, seconds, rounds, clients, rows, stats = sys.argv[1:8]
nrows = dict(kv.split("=") for kv in rows.split())
tps, backend = {}, {}
for line in open(runs):
    q, m, t, r, v, b = line.split()
    tps.setdefault((q, m, t), []).append(float(v))
    if t == "cache":
        backend[(q, m)] = backend.get((q, m), 0) + int(b)
med = {k: statistics.median(v) for k, v in tps.items()}
names = {"t1": "T1 films by title (text, en_US)", "t2": "T2 from 'der' on, descending, LIMIT 10",
         "e1": "E1 films by the enum, then id", "e2": "E2 films with one of two enum labels"}
L = ["# Text under the database's locale and enum columns from the constraint cache: pgbench, cbcached vs direct",
     "",
     "`bench/subset.sh --seconds %s --rounds %s --clients %s`, %s; medians of %s interleaved rounds, tps.  The "
     "database's collation is en_US.UTF-8; cbcached runs with both memos off, so its answers are computed by "
     "the constraint cache (SQLite) every time.  Directors 4-15 at random; rows: the statement's rows on "
     "average over them." %
     (seconds, rounds, clients, datetime.date.today().isoformat(), rounds),
     "",
     "| statement | rows | mode | direct | cbcached | cbcached / direct | statements cbcached sent to the backend |",
     "|---|---|---|---|---|---|---|"]
for q in ("t1", "t2", "e1", "e2"):
    for m in ("simple", "prepared"):
        d, c = med[(q, m, "direct")], med[(q, m, "cache")]
        L.append("| %s | %s | %s | %.0f | %.0f | %.2f | %d |" % (names[q], nrows[q], m, d, c, c / d if d else 0,
                                                                 backend[(q, m)]))
L += ["", "Every run (statement, mode, target, round, tps, backend statements during the run):", "", "```"] + \
     [l.rstrip() for l in open(runs)] + ["```", "", "SHOW STATS at the end:", "", "```", stats, "```", ""]
open(out, "w").write("\n".join(L))
print("\n".join(L))
PY
