#!/usr/bin/env bash
# run.sh - the side-by-side benchmark: cbcache against direct PostgreSQL,
# pgpool-II's query cache and the in-process limit, in one run.
#
#   bench/run.sh [--seconds S] [--rounds R] [--threads "1 4"] [--delays "0 1"]
#                [--modes "prepared simple"] [--scale N] [--zipf S] [--mix SPEC]
#                [--warmup S] [--miss-mix SPEC] [--miss-delays "0"] [--write-mix SPEC] [--no-profile]
#                [--out FILE.md]
#
# Starts a throwaway PostgreSQL with the movie database (tests/harness),
# and for each backend delay (0 ms: UNIX socket; otherwise through
# bench/latency-proxy on loopback, the delay each way) runs the workload
# driver bench/cbbench against every target, interleaved round by round so
# that machine drift hits all targets alike:
#
#   direct   psqlODBC straight to PostgreSQL
#   pgpool   psqlODBC through pgpool-II with memory_cache_enabled
#   cbcache  libcbcacheodbc through cbcached with the movie cache group,
#            hits answered in the application's process (InProcess, the
#            default; doc/cache.md), the rest on the driver's own backend
#            connection (cbcached offers direct_backend; the DSN's Direct,
#            the default),
#            measured warm: one --warmup run per delay from a cold cache
#            (its per-second throughput and hit ratio are the warm-up
#            curve), then the fill queue drained, then the rounds; every
#            cbcache run reads the hit ratio from the admin socket
#   cbcache-wire  the same with InProcess=0: every statement through cbcached
#   limit    the same statements on an in-process SQLite copy (bench/sqlite-limit)
#
# Miss overhead: at the largest thread count and the --miss-delays (default:
# the first delay, where the relay's cost weighs most), direct and cbcache
# also run --miss-mix (default uncached=100: statements the cache cannot
# answer), and cbcache-relay with Direct=0 (those statements through
# cbcached, as without direct_backend).  The same three run --write-mix
# (default write=100: an UPDATE of a cached table, each its own commit):
# what the commit wait for the change stream costs a writer, on the
# driver's own connection and through cbcached.
# Profile: bench/profile.sh runs after the rounds (--no-profile skips it).
#
# Writes bench/results/<date>-<host>.md (or --out) with the table of
# medians over the rounds, the ratios, the warm-up curve and gnuplot PNGs
# beside it, the raw JSON records and the profile.  The defaults take about
# 8 minutes on 2 cores.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"

profile=1
. "$root/bench/lib.sh"
parse_options run.sh seconds=5 rounds=2 threads="1 4" delays="0 1" modes="prepared simple" scale=1 zipf=1.0 \
	mix=lookup=60,join2=15,join3=15,in=5,uncached=5 warmup=10 miss-mix=uncached=100 miss-delays= \
	write-mix=write=100 out= \
	--no-profile:profile=0 --profile:profile=1 -- "$@"

run_in_pg .md --scale "$scale" -- "$@"

# ---- inside the throwaway PostgreSQL --------------------------------------
[ -n "$miss_delays" ] || miss_delays="${delays%% *}"
work="$CB_PG_DIR/bench"
mkdir -p "$work"
records="$work/records.jsonl"
: >"$records"
psqlodbc="$(dpkg -L odbc-postgresql | grep '/psqlodbcw.so$' | head -1)"
cbbench="$build/bench/cbbench"
limit="$build/bench/sqlite-limit"
pids=()
cleanup() {
	for d in "$work"/pgpool-*; do [ -d "$d" ] && "$root/bench/pgpool.sh" stop "$d"; done
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# the warm-up: the largest thread count, the first mode
wthreads="$(echo $threads | tr ' ' '\n' | sort -n | tail -1)"
wmode="$(echo $modes | cut -d' ' -f1)"
cbcache_available=0
cbcache_reason="not measured: cbcached or libcbcacheodbc.so is not built"
if [ -x "$build/src/cbcached" ] && [ -f "$cbdriver" ]; then
	cbcache_available=1
	cbcache_reason="measured warm: a ${warmup} s warm-up run from a cold cache ($wthreads threads, $wmode) per delay, then the fill queue drained, before the rounds"
fi

# backend address per delay: 0 ms is the UNIX socket, otherwise a proxy
declare -A bhost bport
for d in $delays; do
	if [ "$d" = 0 ]; then
		bhost[$d]="$PGHOST"
		bport[$d]="$PGPORT"
	else
		p="$(free_port)"
		"$build/bench/latency-proxy" -q -l "$p" -t "127.0.0.1:$PGPORT" -d "$d" &
		pids+=($!)
		for _ in $(seq 1 100); do grep -q . <<<"$(ss -Hltn "sport = :$p")" && break; sleep 0.05; done
		bhost[$d]=127.0.0.1
		bport[$d]="$p"
	fi
	pp="$(free_port)"
	"$root/bench/pgpool.sh" start "$work/pgpool-$d" "${bhost[$d]}" "${bport[$d]}" "$pp"
	echo "$pp" >"$work/pgpool-$d/port"
	if [ "$cbcache_available" -eq 1 ]; then
		cbcached_start "$work/cbcache-$d" "${bhost[$d]}" "${bport[$d]}" \
			"direct_backend = host=${bhost[$d]} port=${bport[$d]}"
		pids+=("$cbd_pid")
	fi
done

cbconn() { # delay
	cbcached_conn "$work/cbcache-$1"
}
directconn() { # delay
	echo "DRIVER=$psqlodbc;Servername=${bhost[$1]};Port=${bport[$1]};Database=movies;UID=postgres"
}

run_bench() { # target delay threads mode mix connstr [extra cbbench options]
	local target="$1" d="$2" t="$3" mode="$4" m="$5" conn="$6" flags=()
	shift 6
	[ "$mode" = prepared ] && flags+=(--prepared)
	"$cbbench" --connect "$conn" --threads "$t" --seconds "$seconds" --zipf "$zipf" --mix "$m" \
		--label "$target|$d|$t|$mode" --json "$records" "${flags[@]}" "$@" || {
		echo "run.sh: $target at ${d} ms, $t threads, $mode reported errors (see above)" >&2
	}
}
run_cbcache() { # target delay threads mode mix [connection string suffix]
	run_bench "$1" "$2" "$3" "$4" "$5" "$(cbconn "$2")${6:-}" --pid "$(cat "$work/cbcache-$2/pid")" \
		--admin "$work/cbcache-$2/admin.sock"
}

# warm-up: each cbcached from its cold cache, curve per second, then drain
warm_args=()
if [ "$cbcache_available" -eq 1 ]; then
	for d in $delays; do
		echo "=== warm-up of cbcache at ${d} ms: ${warmup} s, $wthreads threads, $wmode"
		wflags=()
		[ "$wmode" = prepared ] && wflags+=(--prepared)
		"$cbbench" --connect "$(cbconn "$d")" --threads "$wthreads" --seconds "$warmup" --zipf "$zipf" \
			--mix "$mix" --label "warmup|$d|$wthreads|$wmode" --json "$work/warmup.jsonl" \
			--curve "$work/warmup-$d.csv" --admin "$work/cbcache-$d/admin.sock" \
			--pid "$(cat "$work/cbcache-$d/pid")" "${wflags[@]}" ||
			echo "run.sh: the warm-up at ${d} ms reported errors (see above)" >&2
		wait_fills "$work/cbcache-$d/admin.sock"
		warm_args+=(--warmup-curve "$d=$work/warmup-$d.csv")
	done
fi

for r in $(seq 1 "$rounds"); do
	echo "=== round $r of $rounds"
	for t in $threads; do
		"$limit" --pg "$CB_PG_CONNINFO" --db "$work/limit.db" --threads "$t" --seconds "$seconds" \
			--zipf "$zipf" --mix "$mix" --label "limit|-|$t|prepared" --json "$records"
		for d in $delays; do
			for mode in $modes; do
				run_bench direct "$d" "$t" "$mode" "$mix" "$(directconn "$d")"
				run_bench pgpool "$d" "$t" "$mode" "$mix" \
					"DRIVER=$psqlodbc;Servername=$work/pgpool-$d;Port=$(cat "$work/pgpool-$d/port");Database=movies;UID=postgres"
				if [ "$cbcache_available" -eq 1 ]; then
					run_cbcache cbcache "$d" "$t" "$mode" "$mix"
					run_cbcache cbcache-wire "$d" "$t" "$mode" "$mix" ";InProcess=0"
				fi
				# the miss overhead: statements the cache cannot answer
				if [ "$t" = "$wthreads" ] && [[ " $miss_delays " == *" $d "* ]]; then
					run_bench direct-miss "$d" "$t" "$mode" "$miss_mix" "$(directconn "$d")"
					if [ "$cbcache_available" -eq 1 ]; then
						run_cbcache cbcache-miss "$d" "$t" "$mode" "$miss_mix"
						run_cbcache cbcache-relay-miss "$d" "$t" "$mode" "$miss_mix" ";Direct=0"
					fi
					run_bench direct-write "$d" "$t" "$mode" "$write_mix" "$(directconn "$d")"
					if [ "$cbcache_available" -eq 1 ]; then
						# each after the stream caught up with the writes before it
						wait_stream "$work/cbcache-$d/admin.sock"
						run_cbcache cbcache-write "$d" "$t" "$mode" "$write_mix"
						wait_stream "$work/cbcache-$d/admin.sock"
						run_cbcache cbcache-relay-write "$d" "$t" "$mode" "$write_mix" ";Direct=0"
						wait_stream "$work/cbcache-$d/admin.sock"
					fi
				fi
			done
		done
	done
done

profile_args=()
if [ "$profile" -eq 1 ] && [ "$cbcache_available" -eq 1 ]; then
	echo "=== profile of cbcached (bench/profile.sh)"
	if "$root/bench/profile.sh" --inner --seconds "$seconds" --threads "$wthreads" --zipf "$zipf" --warmup "$warmup" \
		--out "${out%.md}-profile.txt"; then
		profile_args+=(--profile "${out%.md}-profile.txt")
	else
		echo "run.sh: the profile failed (see above); the report has none" >&2
	fi
fi

echo "run.sh: cbcache target: $cbcache_reason"

/usr/bin/python3 "$root/bench/summarize.py" --records "$records" --out "$out" \
	--cbcache-note "$cbcache_reason" --miss-mix "$miss_mix" --write-mix "$write_mix" "${warm_args[@]}" \
	"${profile_args[@]}" \
	--command "bench/run.sh --seconds $seconds --rounds $rounds --threads \"$threads\" --delays \"$delays\" --modes \"$modes\" --scale $scale --zipf $zipf --mix $mix --warmup $warmup --miss-mix $miss_mix --miss-delays \"$miss_delays\" --write-mix $write_mix$([ "$profile" = 1 ] || echo ' --no-profile')"
cat "$records" "$work/warmup.jsonl" 2>/dev/null >"${out%.md}.jsonl"
for d in $delays; do
	[ -f "$work/warmup-$d.csv" ] && cp "$work/warmup-$d.csv" "${out%.md}-warmup-${d}ms.csv"
done
echo "run.sh: wrote $out"
