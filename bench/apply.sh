#!/usr/bin/env bash
# apply.sh - how fast the applier catches up with a backlog of small
# transactions written straight to PostgreSQL: one SQLite commit per
# transaction (apply_batch = 1) against the default batches, side by side.
#
#   bench/apply.sh [--transactions N] [--rounds R] [--clients C] [--batch B]
#                  [--scale S] [--out FILE.md]
#
# Starts a throwaway PostgreSQL with the movie database (tests/harness) and
# two cbcached on it, each with its own cache file and replication slot:
# "one" with apply_batch = 1, "batch" with apply_batch = B (default 256,
# cbcached's default).  Each loads every director's fill value and stops.
# Then per round (--rounds, default 3): with both stopped, pgbench writes N
# transactions (--transactions, default 50000) straight to PostgreSQL, C
# clients (default 4), each transaction one UPDATE of a cached director's
# name; both slots keep the same backlog.  Each cbcached is started again in
# turn (the order alternates between rounds) and catches up: every table is
# fenced from its start until the stream has applied the backlog, so the
# catch-up time is how long a flood of writes keeps the cache from
# answering.  Measured per run: from the start of cbcached until SHOW STATS
# repl_applied_lsn reaches the backlog's end (polled every 10 ms), the
# transactions applied and the SQLite commits (repl_transactions,
# repl_apply_commits); after it, every director's name through cbcached is
# compared with PostgreSQL's (a difference fails the run).
#
# Writes bench/results/<date>-<host>-apply.md (or --out).  The defaults take
# about 1 minute on 2 cores.  `make bench-apply` (BENCH_ARGS passes options).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"

. "$root/bench/lib.sh"
parse_options apply.sh transactions=50000 rounds=3 clients=4 batch=256 scale=1 out= -- "$@"
run_in_pg -apply.md --scale "$scale" -- "$@"

# ---- inside the throwaway PostgreSQL --------------------------------------
work="$CB_PG_DIR/apply"
mkdir -p "$work"
n_dirs="$(psql -X -Atc "SELECT count(*) FROM regisseur")"
declare -A extra=([one]="apply_batch = 1" [batch]="apply_batch = $batch")
stop_cbcached() { # DIR
	local pid
	pid="$(cat "$1/pid" 2>/dev/null)" || return 0
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "apply.sh: cbcached in $1 did not stop within 30 s" >&2
	exit 1
}
trap 'stop_cbcached "$work/one"; stop_cbcached "$work/batch"' EXIT
start() { # VARIANT
	cbcached_start "$work/$1" "$PGHOST" "$PGPORT" "instance_name = bench_apply_$1
${extra[$1]}"
}

# ---- warm: every director's fill value in both caches ----------------------
for v in one batch; do
	start "$v"
	loaded="$(load_directors "$work/$v")"
	echo "apply.sh: $v: $loaded of $n_dirs directors loaded"
	[ "$loaded" -ge "$n_dirs" ] || { echo "apply.sh: $v: not every director loaded" >&2; exit 1; }
	stop_cbcached "$work/$v"
done

per_client=$((transactions / clients))
cat >"$work/write.sql" <<SQL
\\set id random(1, $n_dirs)
UPDATE regisseur SET nname = 'n' || :client_id || '-' || (random() * 1000000)::int WHERE id = :id;
SQL
# the names through cbcached in DIR against PostgreSQL's; the count of directors that differ
compare() {
	local q="SELECT id, nname FROM regisseur WHERE id = "
	diff <(psql -X -Atc "SELECT id || '|' || nname FROM regisseur ORDER BY id") \
		<(for i in $(seq 1 "$n_dirs"); do echo "$q$i;"; done |
			psql -X -q -At -F '|' -h "$1" -p "$(cat "$1/port")" -d movies -U postgres) | grep -c '^>' || true
}
: >"$work/runs"
# round 0: no backlog, the start-up alone (connecting, the catalog checks, the start-up fence)
for r in $(seq 0 "$rounds"); do
	order="one batch"
	[ $((r % 2)) -eq 0 ] && order="batch one"
	if [ "$r" -gt 0 ]; then
		pgbench -n -c "$clients" -j "$clients" -t "$per_client" -f "$work/write.sql" movies >"$work/pgbench.out" 2>&1 ||
			{ cat "$work/pgbench.out" >&2; exit 1; }
	fi
	target="$(psql -X -Atc "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")"
	for v in $order; do
		t0="$(date +%s.%N)"
		start "$v"
		sock="$work/$v/admin.sock"
		for _ in $(seq 1 30000); do
			applied="$(admin_stat "$sock" repl_applied_lsn)"
			[ -n "$applied" ] && [ "$applied" -ge "$target" ] && break
			sleep 0.01
		done
		t1="$(date +%s.%N)"
		[ "$applied" -ge "$target" ] || { echo "apply.sh: $v did not catch up within 300 s" >&2; exit 1; }
		txns="$(admin_stat "$sock" repl_transactions)"
		commits="$(admin_stat "$sock" repl_apply_commits)"
		differ="$(compare "$work/$v")"
		hits0="$(admin_stat "$sock" queries_cache_hits)"
		echo "$r $v $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}') $txns $commits $differ $hits0" >>"$work/runs"
		echo "round $r: $v caught up in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}') s: $txns transactions in $commits commits," \
			"$differ directors differ, $hits0 of $n_dirs reads after it from the cache" >&2
		stop_cbcached "$work/$v"
		[ "$differ" -eq 0 ] || { echo "apply.sh: $v answers differ from PostgreSQL" >&2; exit 1; }
	done
done

/usr/bin/python3 - "$work/runs" "$out" "$transactions" "$rounds" "$clients" "$batch" "$n_dirs" \
	"$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import datetime, statistics, sys
runs, out, transactions, rounds, clients, batch, n_dirs, load = sys.argv[1:9]
rec, start = {}, {}
for line in open(runs):
    r, v, secs, txns, commits, differ, hits = line.split()
    if r == "0":
        start[v] = float(secs)
        continue
    rec.setdefault(v, []).append((float(secs), int(txns), int(commits), int(differ), int(hits)))
med = {v: statistics.median(s for s, *_ in rows) for v, rows in rec.items()}
# the backlog's share: the catch-up less the start-up without a backlog
rate = {v: statistics.median(t / max(s - start[v], 1e-3) for s, t, *_ in rows) for v, rows in rec.items()}
L = ["# The applier catching up with a backlog of direct writes: one SQLite commit each vs batches",
     "",
     "`bench/apply.sh --transactions %s --rounds %s --clients %s --batch %s`, %s, load at the end %s.  Per round "
     "pgbench writes %s one-row UPDATE transactions of cached directors straight to PostgreSQL (%s clients) "
     "while both cbcached are stopped; then each starts on its own slot and cache file (the order alternates) "
     "and catches up.  Catch-up = from the start of cbcached until repl_applied_lsn reaches the backlog's "
     "end; every table is fenced until then.  Start-up = the same without a backlog (round 0); applied/s = "
     "the transactions over the catch-up less the start-up.  After each catch-up, all %s directors read "
     "through cbcached equal PostgreSQL's." % (transactions, rounds, clients, batch,
                                               datetime.date.today().isoformat(), load, transactions, clients,
                                               n_dirs),
     "",
     "| variant | start-up s | catch-up s (median) | per round | transactions / commits | applied/s (median) "
     "| differences |",
     "|---|---|---|---|---|---|---|"]
names = {"one": "apply_batch = 1", "batch": "apply_batch = %s" % batch}
for v in ("one", "batch"):
    rows = rec[v]
    L.append("| %s | %.2f | %.2f | %s | %s | %.0f | %d |" % (
        names[v], start[v], med[v], ", ".join("%.2f" % s for s, *_ in rows),
        ", ".join("%d / %d" % (t, c) for _, t, c, _, _ in rows), rate[v], sum(d for *_, d, _ in rows)))
L += ["", "Batches against one commit each: the cache answers again %.2fx sooner after the backlog (catch-up, "
      "median over the rounds; per round: %s); the applier applies %.2fx as many transactions a second." % (
          med["one"] / med["batch"],
          ", ".join("%.2f" % (a[0] / b[0]) for a, b in zip(rec["one"], rec["batch"])), rate["batch"] / rate["one"]),
      "", "Every run (round, variant, seconds, transactions, commits, directors that differ, cache hits):", "",
      "```"] + [l.rstrip() for l in open(runs)] + ["```", ""]
open(out, "w").write("\n".join(L))
print("\n".join(L))
PY
