#!/usr/bin/env bash
# callgrind-hit.sh - instructions cbcached executes per cached point lookup.
#
#   bench/callgrind-hit.sh BUILD_DIR [N]
#
# Starts a throwaway PostgreSQL with the movie database (tests/harness/
# with-pg.sh of this script's source tree, which also gives the cache group
# examples/movies/movies.cg) and BUILD_DIR's src/cbcached under valgrind
# --tool=callgrind, warms the cache with 20 director lookups
#
#   SELECT id, vname, nname, wohnort FROM regisseur WHERE id = $1
#
# (misses that queue fills, then WAIT FILLS 60000, then the same 20 lookups
# must all be hits in SHOW STATS) and measures N (default 2000) cached
# lookups from one client (bench/callgrind-client.py) per protocol variant:
#
#   simple    a Query message, the id as a literal
#   extended  Parse + Bind + Execute + Sync per lookup, unnamed statement
#   prepared  Bind + Execute + Sync per lookup of a statement parsed once
#
# For each variant the client logs in and warms its own session first;
# then the counters are zeroed (callgrind_control -z), the N lookups run,
# and the counters are dumped (callgrind_control --dump): login, Parse of
# the prepared statement, the admin commands and the client's exit are not
# counted.  (callgrind counts from the start and is zeroed: with
# --collect-atstart=no nothing outside the program could switch collection
# on, callgrind_control only zeroes, dumps and switches instrumentation.)  Every thread of cbcached is counted (the session thread that
# answers, and whatever the other threads do meanwhile: the hit counter,
# the change stream, timers).  Printed per variant: Ir (instructions) of
# cbcached over N, split into the busiest thread (the session's, read with
# callgrind_control -e just before the dump) and the rest (the dump's
# total minus that), the queries_cache_hits delta (must be N;
# misses and backend queries must not move) and the top 15 functions by
# their own Ir (callgrind_annotate).
#
# The report (markdown) goes to stdout, and also to the file $CG_OUT when
# set; $CG_KEEP=DIR keeps the callgrind files there (callgrind_annotate them
# later).  BUILD_DIR may be a build of an older commit: its own cbcached and
# cbcache-admin run, with the config keys it knows (instance_name only when
# the binary has it; polling SHOW STATS and SHOW FILLS where it has no WAIT
# FILLS).  Takes about a minute and a half on 2 cores.  `make bench-callgrind`.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
case "${1:-}" in -h | --help) usage; exit 0 ;; esac
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage >&2
	exit 2
fi
build="$(cd "$1" && pwd)"
n="${2:-2000}"
case "$n" in
'' | *[!0-9]* | 0) echo "callgrind-hit.sh: N is a positive count, not '$n'" >&2; exit 2 ;;
esac

# ---- outside: check the tools, then run again inside a throwaway PostgreSQL
if [ -z "${CB_CGH_INNER:-}" ]; then
	for f in src/cbcached src/cbcache-admin; do
		[ -x "$build/$f" ] || { echo "callgrind-hit.sh: $build/$f is missing: run make in $build" >&2; exit 1; }
	done
	for t in valgrind callgrind_control callgrind_annotate python3; do
		command -v "$t" >/dev/null ||
			{ echo "callgrind-hit.sh: $t not found: install the Debian package valgrind (python3 for the client)" >&2; exit 1; }
	done
	export CB_CGH_INNER=1
	exec "$root/tests/harness/with-pg.sh" -- "$0" "$build" "$n"
fi

# ---- inside tests/harness/with-pg.sh ---------------------------------------
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh" # admin_stat, wait_fills, free_port ($cbadmin is $build's)
work="$CB_PG_DIR/callgrind"
mkdir -p "$work"
chmod 755 "$work"
client="$root/bench/callgrind-client.py"
sock_admin="$work/admin.sock"
port="$(free_port)"
sock="$work/.s.PGSQL.$port"

# the commit of BUILD_DIR's sources, for the report
srcdir="$(sed -n 's/^abs_top_srcdir = //p' "$build/Makefile" 2>/dev/null || true)"
commit="$(git -C "${srcdir:-/nonexistent}" log -1 --format='%h %s' 2>/dev/null | cut -c1-72 || true)"
dirty="$(git -C "${srcdir:-/nonexistent}" status --porcelain --untracked-files=no 2>/dev/null | head -1 || true)"
if [ -n "$dirty" ]; then
	commit="$commit (with uncommitted changes)"
fi
cflags="$(sed -n 's/^CFLAGS = //p' "$build/Makefile" 2>/dev/null || true)"

instance=""
if grep -aq instance_name "$build/src/cbcached"; then
	instance="instance_name = cgbench"
fi
cbcached_conf "$work" "$PGHOST" "$PGPORT" "$port" "$instance"

cbd_pid=""
cleanup() {
	if [ -n "$cbd_pid" ] && kill -0 "$cbd_pid" 2>/dev/null; then
		kill -KILL "$cbd_pid" 2>/dev/null || true
	fi
}
trap cleanup EXIT
die() {
	echo "callgrind-hit.sh: $*" >&2
	for f in "$work/cbcached.log" "$work/stderr"; do
		[ -s "$f" ] && { echo "---- $f (last 20 lines) ----" >&2; tail -n 20 "$f" >&2; }
	done
	exit 1
}

valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" --dump-instr=no \
	--max-threads=1200 --quiet "$build/src/cbcached" -c "$work/cbcache.conf" 2>>"$work/stderr" &
cbd_pid=$!

# ready: the admin socket answers; a daemon with the change stream has caught up
ready=0
for _ in $(seq 1 1200); do
	if "$cbadmin" -s "$sock_admin" SHOW STATS >/dev/null 2>&1; then
		ready=1
		break
	fi
	kill -0 "$cbd_pid" 2>/dev/null || die "cbcached exited during start-up"
	sleep 0.1
done
[ "$ready" = 1 ] || die "cbcached did not answer on $sock_admin within 120 s"
if [ "$(admin_stat "$sock_admin" repl_stream)" = 1 ]; then
	"$cbadmin" -s "$sock_admin" WAIT FILLS 60000 >/dev/null ||
		die "cbcached did not catch up with its change stream within 60 s"
fi
[ "$(admin_stat "$sock_admin" cache_answers)" != 0 ] ||
	die "cbcached answers nothing from the cache (cache_answers 0): see its log"

# 20 directors that exist
mapfile -t ids < <(psql -X -At -c "SELECT id FROM regisseur ORDER BY id LIMIT 20")
[ "${#ids[@]}" = 20 ] || die "the movie database has fewer than 20 directors"

# counters: hits misses backend
counters() {
	local reply
	reply="$("$cbadmin" -s "$sock_admin" --json SHOW STATS)" || die "SHOW STATS failed"
	python3 -c '
import json, sys
rows = {r["name"]: r["value"] for r in json.load(sys.stdin)["rows"]}
print(" ".join(rows.get(k, "?") for k in ("queries_cache_hits", "queries_cache_misses", "queries_backend")))
' <<<"$reply"
}

# lookups MODE COUNT [profile]: one client session; its own warm-up (the
# 20 ids once; older builds send a session's first statement to the
# backend) is not counted; then COUNT lookups between two
# readings of the counters (sets hits misses backend secs) and, with
# profile, between callgrind's zero and the per-thread totals (sets th_max,
# the busiest thread's Ir); the dump follows.
lookups() {
	local mode="$1" count="$2" profile="${3:-}" line h0 m0 b0 h1 m1 b1
	coproc CLIENT { python3 "$client" "$sock" "$mode" "$count" "${ids[@]}" --pause; }
	read -r line <&"${CLIENT[0]}" || die "the $mode client did not start"
	[ "$line" = ready ] || die "the $mode client said '$line'"
	read -r h0 m0 b0 <<<"$(counters)"
	if [ -n "$profile" ]; then
		callgrind_control -z "$cbd_pid" >"$work/control.log" 2>&1 ||
			die "callgrind_control -z failed: $(cat "$work/control.log")"
	fi
	echo go >&"${CLIENT[1]}"
	read -r line <&"${CLIENT[0]}" || die "the $mode client failed"
	if [ -n "$profile" ]; then
		# per thread (Ir since the zero), then the dump of all threads together
		callgrind_control -e "$cbd_pid" >"$work/threads.$mode" 2>&1 ||
			die "callgrind_control -e failed: $(cat "$work/threads.$mode")"
		th_max="$(awk '$1 == "Th" { c = $3; gsub(",", "", c); c += 0; if (c > m) m = c } END { print m + 0 }' \
			"$work/threads.$mode")"
		callgrind_control --dump="$mode" "$cbd_pid" >"$work/control.log" 2>&1 ||
			die "callgrind_control --dump failed: $(cat "$work/control.log")"
	fi
	read -r h1 m1 b1 <<<"$(counters)"
	echo bye >&"${CLIENT[1]}"
	wait "$CLIENT_PID" || die "the $mode client failed"
	read -r _ _ secs <<<"$line"
	hits=$((h1 - h0)) misses=$((m1 - m0)) backend=$((b1 - b0))
}

# ---- warm the cache: misses queue fills, the fill queue drains, then all hits
warm=0
for round in 1 2 3; do
	python3 "$client" "$sock" simple 0 "${ids[@]}" || die "the warm-up lookups failed"
	python3 "$client" "$sock" prepared 0 "${ids[@]}" || die "the warm-up lookups failed"
	if ! msg="$("$cbadmin" -s "$sock_admin" WAIT FILLS 60000 2>&1)"; then
		case "$msg" in
		*"unknown command"*) wait_fills "$sock_admin" ;;
		*) die "WAIT FILLS 60000: $msg" ;;
		esac
	fi
	lookups simple 20
	if [ "$hits" = 20 ] && [ "$misses" = 0 ] && [ "$backend" = 0 ]; then
		warm=1
		break
	fi
	echo "callgrind-hit.sh: warm-up round $round: $hits of 20 lookups were hits; again" >&2
done
[ "$warm" = 1 ] || die "the cache is not warm after 3 rounds: the 20 lookups are not all hits"

# ---- the measured runs -------------------------------------------------------
report="$work/report.md"
{
	echo "### $build"
	echo
	echo "- sources: ${commit:-unknown} (${srcdir:-?}); CFLAGS \`$cflags\`"
	echo "- $n cached lookups per variant from one client; warm-up check: 20 of 20 lookups were hits"
	echo
	echo "| variant | Ir of cbcached | Ir per lookup | session thread per lookup | other threads per lookup | hits delta | misses delta | backend delta | client s |"
	echo "|---|---|---|---|---|---|---|---|---|"
} >"$report"
tops="$work/tops.md"
: >"$tops"

part=0
all_hits=1
for mode in simple extended prepared; do
	lookups "$mode" "$n" profile

	# callgrind numbers its dumps: callgrind.out.1, .2, ...
	part=$((part + 1))
	dump="$work/callgrind.out.$part"
	for _ in $(seq 1 100); do
		[ -s "$dump" ] && grep -q '^totals:\|^summary:' "$dump" && break
		sleep 0.1
	done
	[ -s "$dump" ] || die "no callgrind dump $dump for $mode"
	if [ -n "${CG_KEEP:-}" ]; then
		mkdir -p "$CG_KEEP"
		cp "$dump" "$CG_KEEP/callgrind.$mode.out"
		cp "$work/threads.$mode" "$CG_KEEP/threads.$mode.txt"
	fi

	ir="$(awk '/^(totals|summary):/ { print $2; exit }' "$dump")"
	[ -n "$ir" ] || die "no totals in $dump"
	per=$((ir / n))
	echo "| $mode | $ir | $per | $((th_max / n)) | $(((ir - th_max) / n)) | $hits | $misses | $backend | $secs |" >>"$report"
	if [ "$hits" != "$n" ] || [ "$misses" != 0 ] || [ "$backend" != 0 ]; then
		echo "callgrind-hit.sh: $mode: not every lookup was a hit (hits +$hits, misses +$misses, backend +$backend)" >&2
		all_hits=0
	fi
	{
		echo
		echo "#### $mode: top 15 functions by own Ir (callgrind_annotate), all threads"
		echo
		echo "| Ir | per lookup | % | function |"
		echo "|---|---|---|---|"
		# callgrind writes calls=0 for calls begun before the zero (a thread's
		# start, a blocking recv); callgrind_annotate 3.19 counts the
		# inclusive cost under such a line as the caller's own (it tests
		# calls > 0), which puts clone and start_thread above 100 %:
		# annotate a copy that says calls=1 there
		sed 's/^calls=0 /calls=1 /' "$dump" >"$dump.annotate"
		callgrind_annotate --threshold=100 --auto=no "$dump.annotate" 2>/dev/null |
			awk -v n="$n" -v total="$ir" -v srcdir="$srcdir" '
				/^-+$/ { sep++; next }
				sep >= 3 && $1 ~ /^[0-9,]+$/ && NF >= 2 {
					c = $1; gsub(",", "", c)
					fn = $0; sub(/^ *[0-9,]+ +(\([ 0-9.]+%\) +)?/, "", fn)
					if (fn == "PROGRAM TOTALS")
						next
					# sources relative to their tree, objects by their name
					if (srcdir != "" && index(fn, srcdir "/") == 1)
						fn = substr(fn, length(srcdir) + 2)
					sub(/\[[^]]*\//, "[", fn)
					if (++k <= 15)
						printf "| %d | %.1f | %.2f | `%s` |\n", c, c / n, 100 * c / total, fn
				}'
	} >>"$tops"
done

kill -TERM "$cbd_pid" 2>/dev/null || true
for _ in $(seq 1 600); do kill -0 "$cbd_pid" 2>/dev/null || break; sleep 0.1; done
wait "$cbd_pid" 2>/dev/null || true
cbd_pid=""

cat "$tops" >>"$report"
cat "$report"
if [ -n "${CG_OUT:-}" ]; then
	cp "$report" "$CG_OUT"
	echo "callgrind-hit.sh: wrote $CG_OUT" >&2
fi
[ "$all_hits" = 1 ] || { echo "callgrind-hit.sh: some measured lookups were not cache hits: the numbers are not those of the hit path" >&2; exit 1; }
