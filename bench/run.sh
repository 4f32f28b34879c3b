#!/usr/bin/env bash
# run.sh - the side-by-side benchmark: cbcache against direct PostgreSQL,
# pgpool-II's query cache and the in-process limit, in one run.
#
#   bench/run.sh [--seconds S] [--rounds R] [--threads "1 4"] [--delays "0 1"]
#                [--modes "prepared simple"] [--scale N] [--zipf S] [--mix SPEC]
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
#   cbcache  libcbcacheodbc through cbcached with the movie cache group
#            (until the query workers answer hits, this measures the relay)
#   limit    the same statements on an in-process SQLite copy (bench/sqlite-limit)
#
# Writes bench/results/<date>-<host>.md (or --out) with the table of
# medians over the rounds, the ratios, and gnuplot PNGs beside it, plus the
# raw JSON records.  The defaults take a few minutes on 2 cores.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"

seconds=5
rounds=2
threads="1 4"
delays="0 1"
modes="prepared simple"
scale=1
zipf=1.0
mix="lookup=60,join2=15,join3=15,in=5,uncached=5"
out=""
inner=0
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds="$2"; shift 2 ;;
	--rounds) rounds="$2"; shift 2 ;;
	--threads) threads="$2"; shift 2 ;;
	--delays) delays="$2"; shift 2 ;;
	--modes) modes="$2"; shift 2 ;;
	--scale) scale="$2"; shift 2 ;;
	--zipf) zipf="$2"; shift 2 ;;
	--mix) mix="$2"; shift 2 ;;
	--out) out="$2"; shift 2 ;;
	--inner) inner=1; shift ;;
	-h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done

if [ "$inner" -eq 0 ]; then
	CB_BUILD_DIR="$build" "$root/scripts/build.sh" --bench
	[ -n "$out" ] || out="$root/bench/results/$(date +%Y-%m-%d)-$(hostname -s).md"
	mkdir -p "$(dirname "$out")"
	export CB_BUILD_DIR="$build"
	exec "$root/tests/harness/with-pg.sh" --scale "$scale" -- "$0" --inner --seconds "$seconds" \
		--rounds "$rounds" --threads "$threads" --delays "$delays" --modes "$modes" --scale "$scale" \
		--zipf "$zipf" --mix "$mix" --out "$out"
fi

# ---- inside the throwaway PostgreSQL --------------------------------------
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

free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		if ! ss -Hltn "sport = :$p" | grep -q . && [ ! -e "$work/.s.PGSQL.$p" ]; then
			echo "$p"
			return 0
		fi
	done
	echo "run.sh: no free port" >&2
	return 1
}

cbcache_available=0
cbcache_reason="cbcached or libcbcacheodbc.so is not built yet"
cbdriver="$build/odbc-driver/.libs/libcbcacheodbc.so"
if [ -x "$build/src/cbcached" ] && [ -f "$cbdriver" ]; then
	cbcache_available=1
	# say what is measured: until the query workers answer hits from the
	# cache, cbcached relays every statement and this is the relay's cost
	cbcache_reason="measured; cbcached relays every statement to PostgreSQL (the query workers that answer hits are not built yet), so this is the relay's cost, not the cache's"
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
		for _ in $(seq 1 100); do ss -Hltn "sport = :$p" | grep -q . && break; sleep 0.05; done
		bhost[$d]=127.0.0.1
		bport[$d]="$p"
	fi
	pp="$(free_port)"
	"$root/bench/pgpool.sh" start "$work/pgpool-$d" "${bhost[$d]}" "${bport[$d]}" "$pp"
	echo "$pp" >"$work/pgpool-$d/port"
	if [ "$cbcache_available" -eq 1 ]; then
		cd_="$work/cbcache-$d"
		mkdir -p "$cd_"
		cp_="$(free_port)"
		cat >"$cd_/cbcache.conf" <<CONF
[cbcache]
listen_dir = $cd_
listen_port = $cp_
admin_socket = $cd_/admin.sock
backend = host=${bhost[$d]} port=${bport[$d]}
cache_db = $cd_/cache.db
cache_groups = $root/examples/movies/movies.cg
cache_database = movies
cache_user = postgres
log_file = $cd_/cbcached.log
log_level = warning
CONF
		"$build/src/cbcached" -c "$cd_/cbcache.conf" &
		pids+=($!)
		echo $! >"$cd_/pid"
		echo "$cp_" >"$cd_/port"
		for _ in $(seq 1 400); do
			"$build/src/cbcache-admin" -s "$cd_/admin.sock" SHOW STATS >/dev/null 2>&1 && break
			sleep 0.05
		done
		"$build/src/cbcache-admin" -s "$cd_/admin.sock" SHOW STATS >/dev/null ||
			{ echo "run.sh: cbcached did not start; its log:" >&2; cat "$cd_/cbcached.log" >&2; exit 1; }
	fi
done

run_bench() { # target delay threads mode connstr [pid]
	local target="$1" d="$2" t="$3" mode="$4" conn="$5" flags=()
	[ "$mode" = prepared ] && flags+=(--prepared)
	[ -n "${6:-}" ] && flags+=(--pid "$6")
	"$cbbench" --connect "$conn" --threads "$t" --seconds "$seconds" --zipf "$zipf" --mix "$mix" \
		--label "$target|$d|$t|$mode" --json "$records" "${flags[@]}" || {
		echo "run.sh: $target at ${d} ms, $t threads, $mode reported errors (see above)" >&2
	}
}

for r in $(seq 1 "$rounds"); do
	echo "=== round $r of $rounds"
	for t in $threads; do
		"$limit" --pg "$CB_PG_CONNINFO" --db "$work/limit.db" --threads "$t" --seconds "$seconds" \
			--zipf "$zipf" --mix "$mix" --label "limit|-|$t|prepared" --json "$records"
		for d in $delays; do
			for mode in $modes; do
				run_bench direct "$d" "$t" "$mode" \
					"DRIVER=$psqlodbc;Servername=${bhost[$d]};Port=${bport[$d]};Database=movies;UID=postgres"
				run_bench pgpool "$d" "$t" "$mode" \
					"DRIVER=$psqlodbc;Servername=$work/pgpool-$d;Port=$(cat "$work/pgpool-$d/port");Database=movies;UID=postgres"
				if [ "$cbcache_available" -eq 1 ]; then
					run_bench cbcache "$d" "$t" "$mode" \
						"DRIVER=$cbdriver;Socket=$work/cbcache-$d;Port=$(cat "$work/cbcache-$d/port");Database=movies;UID=postgres" \
						"$(cat "$work/cbcache-$d/pid")"
				fi
			done
		done
	done
done

echo "run.sh: cbcache target: $cbcache_reason"

/usr/bin/python3 "$root/bench/summarize.py" --records "$records" --out "$out" \
	--cbcache-note "$cbcache_reason" \
	--command "bench/run.sh --seconds $seconds --rounds $rounds --threads \"$threads\" --delays \"$delays\" --modes \"$modes\" --scale $scale --zipf $zipf --mix $mix"
cp "$records" "${out%.md}.jsonl"
echo "run.sh: wrote $out"
