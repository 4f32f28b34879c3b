#!/usr/bin/env bash
# profile.sh - where cbcached spends its time on a hit-heavy workload.
#
#   bench/profile.sh [--seconds S] [--threads N] [--zipf S] [--mix SPEC]
#                    [--warmup S] [--count N] [--tool perf|callgrind] [--out FILE]
#                    [--in-process 0|1]
#
# Starts a throwaway PostgreSQL with the movie database (tests/harness) and
# a cbcached with the movie cache group on its UNIX socket, warms the cache
# (a --warmup run, then the fill queue drained) and profiles cbcached while
# bench/cbbench runs the hit-heavy mix (default: no uncached statements):
#
#   perf       perf record -g on the cbcached process for --seconds (when
#              perf can record here), then perf report: the functions with
#              the most samples, self and with their callees
#   callgrind  when perf cannot record: cbcached under valgrind
#              --tool=callgrind for a fixed count of statements (--count),
#              then callgrind_annotate
#
# The driver's DSN says InProcess=0 (--in-process, default 0), so that
# every statement goes through cbcached's session loop, the part of it the
# profile is for; with 1 the driver answers hits in its own process and
# cbcached only takes their reports (src/hitsock.h).
#
# Writes the top functions to bench/results/<date>-<host>-profile.txt (or
# --out), with the command, the tool and cbbench's summary of the profiled
# run on top.  Takes about --warmup + --seconds + 30 s.  `make bench-profile`.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"

. "$root/bench/lib.sh"
parse_options profile.sh seconds=10 threads=4 zipf=1.0 mix=lookup=60,join2=15,join3=15,in=10 warmup=5 \
	count=20000 tool= out= in-process=0 -- "$@"
case "$tool" in
"" | perf | callgrind) ;;
*) echo "profile.sh: --tool is perf or callgrind, not $tool" >&2; exit 2 ;;
esac

run_in_pg -profile.txt -- "$@"

# ---- inside the throwaway PostgreSQL --------------------------------------
work="$CB_PG_DIR/profile"
mkdir -p "$work"
[ -x "$build/src/cbcached" ] && [ -f "$cbdriver" ] ||
	{ echo "profile.sh: build cbcached and libcbcacheodbc.so first (make in $build)" >&2; exit 1; }

# perf, when it can record on this kernel (the Debian package may not match it)
if [ -z "$tool" ]; then
	tool=callgrind
	if command -v perf >/dev/null && perf record -q -g -o "$work/probe.data" -- true >/dev/null 2>&1; then
		tool=perf
	fi
fi
if [ "$tool" = callgrind ]; then
	command -v valgrind >/dev/null ||
		{ echo "profile.sh: neither perf nor valgrind can profile here: install linux-perf or valgrind" >&2; exit 1; }
	export CBCACHED_WRAP="valgrind --tool=callgrind --callgrind-out-file=$work/callgrind.out --quiet"
fi

daemon="$work/cbcached"
cbd_pid=""
perf_pid=""
cleanup() {
	[ -n "$perf_pid" ] && kill -INT "$perf_pid" 2>/dev/null
	[ -n "$cbd_pid" ] && kill "$cbd_pid" 2>/dev/null
	true
}
trap cleanup EXIT
cbcached_start "$daemon" "$PGHOST" "$PGPORT"
conn="$(cbcached_conn "$daemon");InProcess=$in_process"
sock="$daemon/admin.sock"

echo "profile.sh: warming the cache ($warmup s)"
"$build/bench/cbbench" --connect "$conn" --threads "$threads" --seconds "$warmup" --zipf "$zipf" --mix "$mix" \
	--prepared --label warmup --admin "$sock" || echo "profile.sh: the warm-up reported errors (see above)" >&2
wait_fills "$sock"

summary="$work/summary.txt"
if [ "$tool" = perf ]; then
	# the whole process: -p follows every thread of cbcached
	perf record -q -g -p "$cbd_pid" -o "$work/perf.data" >"$work/perf.log" 2>&1 &
	perf_pid=$!
	sleep 0.5 # let perf attach; a late start only shortens the profile
	"$build/bench/cbbench" --connect "$conn" --threads "$threads" --seconds "$seconds" --zipf "$zipf" \
		--mix "$mix" --prepared --label profiled --admin "$sock" >"$summary" ||
		echo "profile.sh: the profiled run reported errors (see above)" >&2
	kill -INT "$perf_pid"
	wait "$perf_pid" || true
	perf_pid=""
else
	# count from here: the start-up and the warm-up are not part of the profile
	callgrind_control -z "$cbd_pid" >/dev/null 2>&1 ||
		echo "profile.sh: callgrind_control -z failed: the profile includes the start-up and the warm-up" >&2
	"$build/bench/cbbench" --connect "$conn" --threads "$threads" --count "$count" --zipf "$zipf" \
		--mix "$mix" --prepared --label profiled --admin "$sock" >"$summary" ||
		echo "profile.sh: the profiled run reported errors (see above)" >&2
	kill -TERM "$cbd_pid"
	for _ in $(seq 1 600); do kill -0 "$cbd_pid" 2>/dev/null || break; sleep 0.1; done
	cbd_pid=""
fi
cat "$summary"

{
	echo "# cbcached profile, $(date -u '+%Y-%m-%d %H:%M UTC'), $(hostname -s)"
	echo "#"
	echo "# bench/profile.sh --seconds $seconds --threads $threads --zipf $zipf --mix $mix --warmup $warmup --in-process $in_process$([ "$tool" = callgrind ] && echo " --count $count")"
	echo "# tool: $tool; a warm cache ($warmup s warm-up, fill queue drained); cbbench --prepared said:"
	sed 's/^/#   /' "$summary"
	echo
	if [ "$tool" = perf ]; then
		echo "## Functions by samples in the function itself (self), cbcached and its libraries"
		echo
		perf report -i "$work/perf.data" --stdio --no-children -g none --sort symbol,dso --percent-limit 0.5 \
			2>/dev/null | grep -v '^#' | sed -E '/^$/d; s/( +-)+ *$//' | head -60
		echo
		echo "## Functions by samples in them and their callees (children)"
		echo
		perf report -i "$work/perf.data" --stdio --children -g none --sort symbol --percent-limit 2 \
			2>/dev/null | grep -v '^#' | sed -E '/^$/d; s/( +-)+ *$//' | head -60
		echo
		echo "## Time by library (dso)"
		echo
		perf report -i "$work/perf.data" --stdio --no-children -g none --sort dso --percent-limit 0.5 \
			2>/dev/null | grep -v '^#' | sed -E '/^$/d; s/( +-)+ *$//' | head -20
	else
		echo "## Instructions by function (callgrind_annotate, inclusive and self)"
		echo
		callgrind_annotate --inclusive=yes "$work/callgrind.out" 2>/dev/null | head -60
		echo
		callgrind_annotate "$work/callgrind.out" 2>/dev/null | head -60
	fi
} >"$out"
echo "profile.sh: wrote $out"
