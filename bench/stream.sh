#!/usr/bin/env bash
# stream.sh - writes and the change stream: how soon a write made straight
# to PostgreSQL is answered by cbcached, and the hit ratio with writes.
#
#   bench/stream.sh [--lag-seconds S] [--async-seconds S] [--rate R]
#                   [--probe-rate P] [--lag-threads N] [--seconds S]
#                   [--rounds R] [--threads N] [--write-share F]
#                   [--mode prepared|simple] [--warmup S] [--scale N]
#                   [--out FILE.md]
#
# Starts a throwaway PostgreSQL with the movie database (tests/harness),
# with synchronous_commit = on (PostgreSQL's default; the test harness
# turns it off), and cbcached with the movie cache group on its UNIX
# socket, kept exact by the change stream.  Loads every director's fill
# value (one read of each through cbcached, the fills drained), then runs
# bench/cbbench for --warmup s (default 5).  Then, measured side by side:
#
# 1. Visibility lag.  bench/stream-writer lag writes --rate (default 500)
#    updates a second straight to PostgreSQL, each renaming a cached
#    director; --probe-rate of them (default 20 a second) go to probe keys
#    that nothing else writes, and after each of those commits it reads
#    the director through cbcached until the new name is answered: the lag
#    is from the commit's return to that answer.  Meanwhile cbbench runs
#    the default mix through cbcached (--lag-threads, default 2).  SHOW
#    QUERIES before and after tells whether the probe reads were answered
#    from the cache; cbcached's repl_lag_ms is sampled once a second.
#    --lag-seconds (default 60) with the writers' commits synchronous (the
#    server's setting), then --async-seconds (default 15; 0 skips it)
#    with the writers' sessions on synchronous_commit = off.
# 2. Hit ratio with writes.  Interleaved rounds a, b, a, b, ... (--rounds,
#    default 4) of cbbench with the default mix through cbcached
#    (--threads, default 4, --seconds each, default 10, --mode, default
#    prepared) on the warm cache:
#      a  no writes;
#      b  --write-share (default 0.02) writes: half of them through
#         cbcached (cbbench's write statement, weighted to share/2 of its
#         statements), half straight to PostgreSQL by stream-writer write at
#         share/2 times the throughput of the round's a run.
#    Hit ratio = queries_cache_hits / (hits + misses + backend reads), the
#    deltas over a run in SHOW STATS, the backend reads being
#    queries_backend less the writes through cbcached (repl_commit_holds
#    + repl_fences_made - repl_commit_hold_timeouts).
#
# Writes bench/results/<date>-<host>-stream.md (or --out) and the raw
# records beside it (.jsonl).  The defaults take about 4 minutes on 2
# cores.  `make bench-stream` (BENCH_ARGS passes options).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"

mix="lookup=60,join2=15,join3=15,in=5,uncached=5"
. "$root/bench/lib.sh"
parse_options stream.sh lag-seconds=60 async-seconds=15 rate=500 probe-rate=20 lag-threads=2 seconds=10 \
	rounds=4 threads=4 write-share=0.02 mode=prepared warmup=5 scale=1 out= -- "$@"
case "$mode" in
prepared | simple) ;;
*) echo "stream.sh: --mode is prepared or simple, not $mode" >&2; exit 2 ;;
esac

# PostgreSQL's default: a commit returns once its WAL is flushed, and the
# walsender sends only flushed WAL (the harness's setting, off, would make
# the lag the WAL writer's round instead; part 1 measures that separately)
export PGH_EXTRA_CONF="${PGH_EXTRA_CONF:+$PGH_EXTRA_CONF$'\n'}synchronous_commit = on"
run_in_pg -stream.md --scale "$scale" -- "$@"

# ---- inside the throwaway PostgreSQL --------------------------------------
work="$CB_PG_DIR/stream"
mkdir -p "$work"
cbbench="$build/bench/cbbench"
writer="$build/bench/stream-writer"
if [ ! -x "$build/src/cbcached" ] || [ ! -f "$cbdriver" ] || [ ! -x "$writer" ]; then
	echo "stream.sh: build cbcached, libcbcacheodbc.so and bench/stream-writer first (make in $build)" >&2
	exit 1
fi
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
cpu_pressure() { # the microseconds some task waited for a CPU, and the time (empty without PSI)
	local us
	us="$(sed -n 's/^some .*total=\([0-9]*\)$/\1/p' /proc/pressure/cpu 2>/dev/null)" || true
	[ -n "$us" ] && echo "$us $(date +%s.%N)"
	true
}
pressure_start="$(cpu_pressure)"

daemon="$work/cbcached"
cleanup() {
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done # ours still running, cbcached among them
	true
}
trap cleanup EXIT
cbcached_start "$daemon" "$PGHOST" "$PGPORT"
port="$(cat "$daemon/port")"
sock="$daemon/admin.sock"
conn="$(cbcached_conn "$daemon")"
cache_conninfo="host=$daemon port=$port dbname=movies user=postgres"
modeflag=()
[ "$mode" = prepared ] && modeflag=(--prepared)

admin_json() { # FILE COMMAND...: the reply as JSON into FILE
	local f="$1"
	shift
	"$cbadmin" -s "$sock" --json "$@" >"$f"
}

# the change stream must run, or there is nothing to measure
for _ in $(seq 1 300); do
	[ "$(admin_stat "$sock" repl_stream_healthy)" = 1 ] && break
	sleep 0.1
done
if [ "$(admin_stat "$sock" repl_stream_healthy)" != 1 ]; then
	echo "stream.sh: cbcached has no healthy change stream after 30 s (SHOW REPLICATION, its log):" >&2
	"$cbadmin" -s "$sock" SHOW REPLICATION >&2 || true
	cat "$daemon/cbcached.log" >&2 || true
	exit 1
fi
wait_fills "$sock"

# ---- warm: every director's fill value, then the mix --------------------
n_dirs="$(psql -X -Atc "SELECT count(*) FROM regisseur")"
echo "=== warming: a read of each of the $n_dirs directors through cbcached, then ${warmup} s of the mix"
for pass in 1 2; do
	loaded="$(load_directors "$daemon")"
	echo "stream.sh: pass $pass: $loaded of $n_dirs directors loaded"
	[ "$loaded" -ge "$n_dirs" ] && break
done
"$cbbench" --connect "$conn" --threads "$threads" --seconds "$warmup" --mix "$mix" "${modeflag[@]}" \
	--label warmup --admin "$sock" || echo "stream.sh: the warm-up reported errors (see above)" >&2
wait_fills "$sock"

# ---- 1. visibility lag ------------------------------------------------------
lag_phase() { # LABEL SECONDS BACKEND-CONNINFO
	local label="$1" secs="$2" backend="$3" rpid spid
	echo "=== visibility lag, $label: ${secs} s, $rate writes/s straight to PostgreSQL, $probe_rate probes/s," \
		"cbbench with $lag_threads threads through cbcached"
	admin_json "$work/$label-queries-before.json" SHOW QUERIES
	admin_json "$work/$label-stats-before.json" SHOW STATS
	"$cbbench" --connect "$conn" --threads "$lag_threads" --seconds "$secs" --mix "$mix" "${modeflag[@]}" \
		--label "$label" --json "$work/lag-readers.jsonl" --pid "$cbd_pid" &
	rpid=$!
	# cbcached's own view: the lag of the last applied transaction, once a second
	while sleep 1; do admin_stat "$sock" repl_lag_ms; done >"$work/$label-repl-lag-ms.txt" &
	spid=$!
	"$writer" lag --backend "$backend" --cache "$cache_conninfo" --seconds "$secs" --rate "$rate" \
		--probe-rate "$probe_rate" --label "$label" --json "$work/lag.jsonl" --samples "$work/$label-probes.csv" ||
		echo "stream.sh: the lag writer reported errors or timeouts (see above)" >&2
	wait "$rpid" || echo "stream.sh: cbbench reported errors during $label (see above)" >&2
	kill "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	admin_json "$work/$label-queries-after.json" SHOW QUERIES
	admin_json "$work/$label-stats-after.json" SHOW STATS
	wait_fills "$sock"
}
lag_phase lag-sync "$lag_seconds" "$CB_PG_CONNINFO"
if [ "$async_seconds" != 0 ]; then
	lag_phase lag-async "$async_seconds" "$CB_PG_CONNINFO options='-c synchronous_commit=off'"
fi

# ---- 2. hit ratio with and without writes, interleaved ---------------------
# the write weight on top of the default mix (weights 100): share/2 of the statements
wweight="$(/usr/bin/python3 -c "h = $write_share / 2; print(round(100 * h / (1 - h), 4))")"
wmix="$mix,write=$wweight"
hit_run() { # LABEL MIX
	local f="${1//|/-}"
	admin_json "$work/q-$f-before.json" SHOW QUERIES
	"$cbbench" --connect "$conn" --threads "$threads" --seconds "$seconds" --mix "$2" "${modeflag[@]}" \
		--label "$1" --json "$work/hit.jsonl" --admin "$sock" --pid "$cbd_pid" ||
		echo "stream.sh: cbbench reported errors in $1 (see above)" >&2
	admin_json "$work/q-$f-after.json" SHOW QUERIES
	wait_fills "$sock"
}
for r in $(seq 1 "$rounds"); do
	echo "=== hit ratio, round $r of $rounds: a (no writes), b ($write_share writes, half through cbcached)"
	hit_run "a|$r" "$mix"
	qps_a="$(tail -1 "$work/hit.jsonl" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["qps"])')"
	wrate="$(/usr/bin/python3 -c "print(round($qps_a * $write_share / 2, 1))")"
	"$writer" write --backend "$CB_PG_CONNINFO" --seconds "$seconds" --rate "$wrate" --label "b|$r" \
		--json "$work/writes.jsonl" &
	wpid=$!
	hit_run "b|$r" "$wmix"
	wait "$wpid" || echo "stream.sh: the direct writer reported errors in round $r (see above)" >&2
done

# ---- the report ---------------------------------------------------------------
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
pressure_end="$(cpu_pressure)"
"$cbadmin" -s "$sock" SHOW REPLICATION >"$work/replication.txt" || true
/usr/bin/python3 "$root/bench/stream-report.py" --work "$work" --out "$out" --log "$daemon/cbcached.log" \
	--title "$(basename "${out%-stream.md}")" --load-start "$load_start" --load-end "$load_end" \
	--cores "$(nproc)" --dirs "$n_dirs" --loaded "$loaded" --scale "$scale" --mix "$mix" --wmix "$wmix" \
	--synchronous-commit "$(psql -X -Atc 'SHOW synchronous_commit')" \
	--cpu-pressure "$([ -n "$pressure_start" ] && [ -n "$pressure_end" ] && echo "$pressure_start $pressure_end")" \
	--command "bench/stream.sh --lag-seconds $lag_seconds --async-seconds $async_seconds --rate $rate --probe-rate $probe_rate --lag-threads $lag_threads --seconds $seconds --rounds $rounds --threads $threads --write-share $write_share --mode $mode --warmup $warmup --scale $scale"
cat "$work/lag.jsonl" "$work/lag-readers.jsonl" "$work/hit.jsonl" "$work/writes.jsonl" >"${out%.md}.jsonl" 2>/dev/null || true
for f in "$work"/lag-*-probes.csv; do
	[ -f "$f" ] && cp "$f" "${out%.md}-$(basename "$f")"
done
echo "stream.sh: wrote $out"
