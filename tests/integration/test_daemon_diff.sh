#!/usr/bin/env bash
# Differential test through cbcached with the movie cache group
# (examples/movies/movies.cg): tests/differential/diffgen generates random
# statements, mostly in the subset the cache answers (DESIGN.md section
# 4), and compares every answer through cbcached with PostgreSQL's, byte
# for byte.  Phase 1 runs each statement cold (its fills are queued), then
# the fill queue is drained (admin WAIT FILLS), then phase 2 runs them warm
# in a shuffled order; writes through cbcached are interleaved and their
# rows read back at once.  Two daemons: a roomy cache, then a small
# max_cache_rows so the garbage collector evicts during the run.  The hit
# ratio of each phase (SHOW STATS queries_* counters, read between the
# phases and after) must reach a minimum: a cache that answers nothing
# would pass the comparison trivially.
#
#   CB_SEED=N          the seed (printed first; the same seed repeats the run)
#   CB_DIFF_COUNT=N    statements per phase in the first run (default 2500:
#                      5000 statements plus the reads after writes)
#   CB_DIFF_GC_COUNT=N the same for the garbage collector run (default 1500)
#   CB_DIFF_WRITES=P   percent of the steps that are writes (default 2)
#   CB_DIFF_MIN_COLD=P, CB_DIFF_MIN_WARM=P
#                      the least hit ratio (percent of Query/Execute
#                      messages) of phase 1 and of phase 2 with the reads
#                      after writes (defaults below)
set -uo pipefail
. "$top_srcdir/tests/integration/daemon-lib.sh"

seed="${CB_SEED:-$(((RANDOM << 15) | RANDOM))}"
echo "seed $seed (repeat this run with CB_SEED=$seed)"
count="${CB_DIFF_COUNT:-2500}"
gc_count="${CB_DIFF_GC_COUNT:-1500}"
diffgen="$top_builddir/tests/differential/diffgen"

adm() { "$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" "$@"; }

# stat NAME: a SHOW STATS counter (fails the test when the daemon has none of that name)
stat() {
	local v
	v="$(adm --json SHOW STATS | /usr/bin/python3 -c "
import json, sys
rows = [r['value'] for r in json.load(sys.stdin)['rows'] if r['name'] == sys.argv[1]]
print(rows[0] if rows else '')" "$1")"
	[ -n "$v" ] || fail "SHOW STATS has no counter $1"
	echo "$v"
}

min_cold="${CB_DIFF_MIN_COLD:-8}"
min_warm="${CB_DIFF_MIN_WARM:-8}"

# counters FILE: the hits, misses and backend counters into FILE ("h m b")
counters() {
	echo "$(stat queries_cache_hits) $(stat queries_cache_misses) $(stat queries_backend)" >"$1"
}

# check_ratio LABEL PHASE FROM-FILE TO-FILE MIN: the phase's hit ratio must reach MIN percent
check_ratio() {
	local label="$1" phase="$2" min="$5" line
	line="$(/usr/bin/python3 - "$3" "$4" "$min" <<'PY'
import sys
a = list(map(int, open(sys.argv[1]).read().split())) if sys.argv[1] != "-" else [0, 0, 0]
b = list(map(int, open(sys.argv[2]).read().split()))
h, m, k = (b[i] - a[i] for i in range(3))
ratio = 100.0 * h / max(1, h + m + k)
print("%.1f %d %d %d %s" % (ratio, h, m, k, "ok" if ratio >= float(sys.argv[3]) else "low"))
PY
)"
	read -r ratio h m k verdict <<<"$line"
	echo "$label: $phase: hit ratio $ratio% (hits $h, misses $m, backend $k; at least $min% required)"
	[ "$verdict" = ok ] || fail "$label: $phase answered $ratio% from the cache, less than $min%: the cache answers too little for the comparison to mean much (seed $seed)"
}

cache_conf() {
	cat <<CONF
cache_db = $CBD_DIR/cache.db
cache_groups = $top_srcdir/examples/movies/movies.cg
cache_database = movies
cache_user = postgres
${1:-}
CONF
}

# The command diffgen runs between its phases: the counters at the end of
# phase 1, then wait until the fills queued in phase 1 are done (WAIT FILLS).
write_wait_script() {
	cat >"$CBD_DIR/wait-fills.sh" <<SCRIPT
#!/usr/bin/env bash
"$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" --json SHOW STATS >"$CBD_DIR/after-phase1.json" || exit 1
out="\$("$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" "WAIT FILLS 30000" 2>&1)" || {
	echo "wait between the phases: WAIT FILLS 30000 failed: \$out" >&2
	exit 1
}
echo "wait between the phases: WAIT FILLS: \$out"
SCRIPT
}

# The counters "h m b" of a SHOW STATS --json file.
json_counters() {
	/usr/bin/python3 -c "
import json, sys
rows = {r['name']: r['value'] for r in json.load(open(sys.argv[1]))['rows']}
print(rows['queries_cache_hits'], rows['queries_cache_misses'], rows['queries_backend'])" "$1" >"$2"
}

# The hit ratio of each phase (it must reach the minimum) and why statements went to the backend.
report_hits() {
	local label="$1" table
	table="$(adm SHOW STATS)" || fail "SHOW STATS failed after the $label run"
	[ -f "$CBD_DIR/after-phase1.json" ] || fail "$label: the wait command did not read the counters after phase 1"
	json_counters "$CBD_DIR/after-phase1.json" "$CBD_DIR/c1"
	counters "$CBD_DIR/c2"
	check_ratio "$label" "phase 1 (cold)" "$CBD_DIR/c0" "$CBD_DIR/c1" "$min_cold"
	check_ratio "$label" "phase 2 (warm) and the reads after writes" "$CBD_DIR/c1" "$CBD_DIR/c2" "$min_warm"
	echo "$label: $(grep -E '^ *(statements|cache_fills_done|cache_evictions|cache_rows) ' <<<"$table" | tr -s ' ' | tr '\n' ';')"
	# why statements went to the backend (SHOW QUERIES), the most frequent reasons first
	adm --json SHOW QUERIES >"$CBD_DIR/queries.json" || fail "$label: SHOW QUERIES failed"
	/usr/bin/python3 - "$label" "$CBD_DIR/queries.json" <<'PY'
import collections, json, sys
label, path = sys.argv[1], sys.argv[2]
rows = json.load(open(path)).get("rows", [])
why = collections.Counter()
for r in rows:
    n = int(r.get("backend") or 0) + int(r.get("cache_misses") or 0)
    if n:
        why[r.get("reason") or "(miss: a value not loaded)"] += n
for reason, n in why.most_common(12):
    print("%s: %6d not from the cache: %s" % (label, n, reason))
PY
}

# run_diff LABEL COUNT WRITES [EXTRA-CONFIG]
run_diff() {
	local label="$1" n="$2" writes="$3" t0
	t0=$SECONDS
	echo "--- $label: $n statements per phase, $writes% writes"
	rm -f "$CBD_DIR/after-phase1.json"
	counters "$CBD_DIR/c0"
	"$diffgen" --target "host=$CBD_DIR port=$CBD_PORT user=postgres dbname=movies" \
		--direct "$CB_PG_CONNINFO" --count "$n" --writes "$writes" --seed "$seed" \
		--wait-cmd "bash $CBD_DIR/wait-fills.sh" ||
		fail "$label: cbcached and PostgreSQL differ (repeat with CB_SEED=$seed)"
	echo "$label: diffgen took $((SECONDS - t0)) s"
	report_hits "$label"
}

# --- a roomy cache -------------------------------------------------------------
cbd_write_conf ""
cache_conf "gc_interval = 1" >>"$CBD_CONF"
cbd_launch
write_wait_script
run_diff "cache" "$count" "${CB_DIFF_WRITES:-2}"
cbd_stop

# --- garbage collector pressure: a small max_cache_rows --------------------------
# Values loaded before the run fill the cache far past the mark, so the
# collector evicts (every second) while the statements run.
cbd_write_conf ""
cache_conf "max_cache_rows = 1500
gc_interval = 1
gc_low_water = 50" >>"$CBD_CONF"
cbd_launch
write_wait_script
for v in 1 2 3 4 5 6 7 8 9 10; do
	adm FILL regisseur.id "$v" >/dev/null || fail "FILL regisseur.id $v: $(adm FILL regisseur.id "$v")"
done
for v in 1 2 3; do
	adm FILL film.genre "$v" >/dev/null || fail "FILL film.genre $v: $(adm FILL film.genre "$v")"
done
run_diff "gc" "$gc_count" "${CB_DIFF_WRITES:-2}"
evictions=""
for _ in $(seq 300); do
	evictions="$(stat cache_evictions)"
	[ "${evictions:-0}" -gt 0 ] && break
	sleep 0.1
done
[ "${evictions:-0}" -gt 0 ] ||
	fail "the garbage collector run evicted nothing (max_cache_rows 1500, cache_rows $(stat cache_rows)): the run did not test eviction"
echo "gc: $evictions fill values evicted"
cbd_stop
echo "ok: cbcached and PostgreSQL agree (seed $seed)"
