#!/usr/bin/env bash
# memo.sh - what the memo of rendered answers buys: pgbench through cbcached
# with the memo and without it, straight to PostgreSQL, and through
# pgpool-II's query cache, in one run (issue 19's table).
#
#   bench/memo.sh [--seconds S] [--rounds R] [--clients N] [--out FILE.md]
#
# Starts a throwaway PostgreSQL with the movie database (tests/harness), and
# two cbcached with the movie cache group on UNIX sockets: "memo" (the
# default memo_max_mb) and "nomemo" (memo_max_mb = 0), each with its own
# replication slot, and pgpool-II with its in-memory query cache
# (bench/pgpool.sh; Debian's pgpool2, scripts/install-deps.sh --bench).
# Statements (pgbench custom scripts, warmed through the three caches
# first):
#
#   Q1  a director by id (one row), directors 1-200 at random
#   Q2  a director's films with their location (regisseur, film and ort
#       joined), directors 4-15 at random: 50-150 rows (the movie data
#       gives low director ids the most films), as in issue 19's table
#   Q3  a director's films counted per location, with arithmetic (GROUP BY
#       over a join: outside the constraint cache's subset, so cbcached
#       answers it from its memo of backend answers, doc/cache.md),
#       directors 4-15 at random
#
# each with pgbench's simple and prepared protocol, --clients clients,
# --seconds per run; the targets interleaved round by round (--rounds) so
# that machine drift hits all alike.  Writes bench/results/<date>-<host>-memo.md
# (or --out): the median tps per target and the ratios (cbcached with the
# memo against the best of direct and pgpool: issue 19's target is 1.1),
# and each cache's SHOW STATS memo and hit counters.  "nomemo" has neither
# memo (memo_max_mb = 0, memo_backend_mb = 0); both run with the DDL event
# triggers installed (the memo of backend answers needs them).
# `make bench-memo`.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"

. "$root/bench/lib.sh"
parse_options memo.sh seconds=5 rounds=3 clients=4 out= -- "$@"
run_in_pg -memo.md -- "$@"

# ---- inside the throwaway PostgreSQL --------------------------------------
work="$CB_PG_DIR/memo"
mkdir -p "$work"
for t in memo nomemo; do
	extra="instance_name = bench_$t"
	[ "$t" = nomemo ] && extra="$extra
memo_max_mb = 0
memo_backend_mb = 0"
	if [ "$t" = memo ]; then # once per database: both instances see them
		mkdir -p "$work/install"
		cbcached_conf "$work/install" "$PGHOST" "$PGPORT" "$(free_port)" "instance_name = bench_install"
		"$build/src/cbcached" --install-backend -c "$work/install/cbcache.conf" >"$work/install/out" 2>&1 ||
			{ cat "$work/install/out" >&2; exit 1; }
	fi
	cbcached_start "$work/$t" "$PGHOST" "$PGPORT" "$extra"
done
pgpool_port=6499
"$root/bench/pgpool.sh" start "$work/pgpool" "$PGHOST" "$PGPORT" "$pgpool_port"
echo "$pgpool_port" >"$work/pgpool/port"
cleanup() {
	for t in memo nomemo; do kill "$(cat "$work/$t/pid")" 2>/dev/null || true; done
	"$root/bench/pgpool.sh" stop "$work/pgpool"
}
trap cleanup EXIT

q3_sql="SELECT o.name, count(*) AS films, max(f.jahr) - min(f.jahr) AS years FROM film f JOIN ort o ON o.plz = f.ort WHERE f.regie = :id GROUP BY o.name ORDER BY o.name;"
# warm the caches with every director the scripts read
for t in memo nomemo pgpool; do
	for i in $(seq 1 200); do
		echo "SELECT id, vname, nname, wohnort FROM regisseur WHERE id = $i;"
		if [ "$i" -ge 4 ] && [ "$i" -le 15 ]; then
			echo "SELECT f.id, f.titel, f.jahr, o.plz, o.name FROM regisseur r JOIN film f ON f.regie = r.id JOIN ort o ON o.plz = f.ort WHERE r.id = $i ORDER BY f.id;"
			echo "$q3_sql" | sed "s/:id/$i/"
		fi
	done | psql -X -q -h "$work/$t" -p "$(cat "$work/$t/port")" -d movies >/dev/null
	[ "$t" = pgpool ] || wait_fills "$work/$t/admin.sock"
done
cat >"$work/q1.sql" <<'SQL'
\set id random(1, 200)
SELECT id, vname, nname, wohnort FROM regisseur WHERE id = :id;
SQL
cat >"$work/q2.sql" <<'SQL'
\set id random(4, 15)
SELECT f.id, f.titel, f.jahr, o.plz, o.name FROM regisseur r JOIN film f ON f.regie = r.id JOIN ort o ON o.plz = f.ort WHERE r.id = :id ORDER BY f.id;
SQL
cat >"$work/q3.sql" <<SQL
\\set id random(4, 15)
$q3_sql
SQL
rows="$(psql -X -q -A -t -d movies -c "SELECT round(avg(n)) FROM (SELECT count(*) AS n FROM film f JOIN ort o ON o.plz = f.ort WHERE f.regie BETWEEN 4 AND 15 GROUP BY f.regie) s")"

# one pgbench run: target q mode -> tps
run() {
	pgbench_tps "$([ "$1" = direct ] && echo direct || echo "$work/$1")" "$work/$2.sql" "$3"
}
one_run() {
	local v
	v="$(run "$3" "$1" "$2")"
	echo "$1 $2 $3 $4 ${v:-0}" >>"$work/runs"
	echo "round $4: $1 $2 $3 ${v:-?} tps" >&2
}
interleave "q1 q2 q3" "simple prepared" "direct pgpool memo nomemo" one_run

/usr/bin/python3 - "$work/runs" "$out" "$seconds" "$rounds" "$clients" "$rows" \
	"$("$cbadmin" -s "$work/memo/admin.sock" SHOW STATS | grep -E 'memo_|queries_cache')" \
	"$("$cbadmin" -s "$work/nomemo/admin.sock" SHOW STATS | grep -E 'memo_|queries_cache')" <<'PY'
import statistics, sys, datetime
runs, out, seconds, rounds, clients, rows, st_memo, st_nomemo = sys.argv[1:9]
tps = {}
for line in open(runs):
    q, m, t, r, v = line.split()
    tps.setdefault((q, m, t), []).append(float(v))
med = {k: statistics.median(v) for k, v in tps.items()}
L = ["# The memo of rendered answers: pgbench through cbcached with and without it, direct, and pgpool-II",
     "",
     "`bench/memo.sh --seconds %s --rounds %s --clients %s`, %s; medians of %s interleaved rounds, tps." %
     (seconds, rounds, clients, datetime.date.today().isoformat(), rounds),
     "Q1: a director by id (1 row; directors 1-200 at random); Q2: a director's films with their location "
     "(3 tables joined; directors 4-15 at random, %s rows on average); all cached.  Q3: a director's films "
     "counted per location with arithmetic (GROUP BY over a join, outside the constraint cache's subset: "
     "cbcached answers it from the memo of backend answers; \"no memo\" has neither memo)." % rows,
     "",
     "| statement | direct | pgpool-II query cache | cbcached, memo | cbcached, no memo | memo / no memo "
     "| memo / best of direct and pgpool |",
     "|---|---|---|---|---|---|---|"]
for q in ("q1", "q2", "q3"):
    for m in ("simple", "prepared"):
        d, p = med[(q, m, "direct")], med[(q, m, "pgpool")]
        a, b = med[(q, m, "memo")], med[(q, m, "nomemo")]
        best = max(d, p)
        L.append("| %s %s | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f |" % (q.upper(), m, d, p, a, b,
                                                                        a / b if b else 0, a / best if best else 0))
L += ["", "Every run:", "", "```"] + [l.rstrip() for l in open(runs)] + ["```", "",
      "SHOW STATS of the cbcached with the memo at the end:", "", "```", st_memo, "```", "",
      "and of the one without:", "", "```", st_nomemo, "```", ""]
open(out, "w").write("\n".join(L))
print("\n".join(L))
PY
