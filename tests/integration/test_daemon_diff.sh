#!/usr/bin/env bash
# Differential test through cbcached with the movie cache group
# (examples/movies/movies.cg): tests/differential/diffgen generates random
# statements, mostly in the subset the cache answers (DESIGN.md section
# 4), and compares every answer through cbcached with PostgreSQL's, byte
# for byte.  Phase 1 runs each statement cold (its fills are queued), then
# the fill queue is drained (admin WAIT FILLS), then phase 2 runs them warm
# in a shuffled order; writes through cbcached are interleaved and their
# rows read back at once.  Two daemons: a roomy cache, then a small
# max_cache_rows so the garbage collector evicts during the run.  After
# each run the hit ratio from SHOW STATS is printed.
#
#   CB_SEED=N          the seed (printed first; the same seed repeats the run)
#   CB_DIFF_COUNT=N    statements per phase in the first run (default 2500:
#                      5000 statements plus the reads after writes)
#   CB_DIFF_GC_COUNT=N the same for the garbage collector run (default 1500)
#   CB_DIFF_WRITES=P   percent of the steps that are writes (default 2)
set -uo pipefail
. "$top_srcdir/tests/integration/daemon-lib.sh"

seed="${CB_SEED:-$(((RANDOM << 15) | RANDOM))}"
echo "seed $seed (repeat this run with CB_SEED=$seed)"
count="${CB_DIFF_COUNT:-2500}"
gc_count="${CB_DIFF_GC_COUNT:-1500}"
diffgen="$top_builddir/tests/differential/diffgen"

adm() { "$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" "$@"; }

# stat NAME: a SHOW STATS counter, empty when the daemon has none of that name
stat() {
	adm --json SHOW STATS | python3 -c "
import json, sys
rows = [r['value'] for r in json.load(sys.stdin)['rows'] if r['name'] == sys.argv[1]]
print(rows[0] if rows else '')" "$1"
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

# The command diffgen runs between its phases: wait until the fills queued
# in phase 1 are done.  cbcached answers "WAIT FILLS ms" once its queue is
# drained; a daemon that does not know the command yet is polled with SHOW
# FILLS instead (bounded, 30 s).
write_wait_script() {
	cat >"$CBD_DIR/wait-fills.sh" <<SCRIPT
#!/usr/bin/env bash
out="\$("$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" "WAIT FILLS 30000" 2>&1)"
st=\$?
if [ \$st -eq 0 ]; then
	echo "wait between the phases: WAIT FILLS: \$out"
	exit 0
fi
if ! grep -q "unknown command" <<<"\$out"; then
	echo "wait between the phases: WAIT FILLS 30000 failed (status \$st): \$out" >&2
	exit 1
fi
for _ in \$(seq 300); do
	if ! "$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" SHOW FILLS | grep -Eq "^ *(queued|running) +\\|"; then
		echo "wait between the phases: this cbcached has no WAIT FILLS; SHOW FILLS shows an empty queue"
		exit 0
	fi
	sleep 0.1
done
echo "wait between the phases: fills still queued after 30 s: \$("$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" SHOW FILLS)" >&2
exit 1
SCRIPT
}

# The queries_* counters and the hit ratio; their absence is reported, not failed.
report_hits() {
	local label="$1" table hits misses backend
	table="$(adm SHOW STATS)" || fail "SHOW STATS failed after the $label run"
	if grep -Eq "^ *queries_" <<<"$table"; then
		echo "$label: $(grep -E '^ *queries_' <<<"$table" | tr -s ' ' | tr '\n' ';')"
	else
		echo "$label: SHOW STATS has no queries_* counters"
	fi
	hits="$(stat queries_cache_hits)"
	misses="$(stat queries_cache_misses)"
	backend="$(stat queries_backend)"
	if [ -n "$hits" ] && [ -n "$misses" ] && [ -n "$backend" ]; then
		echo "$label: hit ratio $(python3 -c "import sys; h, m, b = map(int, sys.argv[1:]); print('%.1f%%' % (100.0 * h / max(1, h + m + b)))" "$hits" "$misses" "$backend") (hits $hits, misses $misses, backend $backend)"
	else
		echo "$label: hit ratio not available (this cbcached does not count queries_cache_hits, queries_cache_misses and queries_backend)"
	fi
	echo "$label: $(grep -E '^ *(statements|cache_fills_done|cache_evictions|cache_rows) ' <<<"$table" | tr -s ' ' | tr '\n' ';')"
	# why statements went to the backend (SHOW QUERIES), the most frequent reasons first
	if adm --json SHOW QUERIES >"$CBD_DIR/queries.json" 2>/dev/null; then
		python3 - "$label" "$CBD_DIR/queries.json" <<'PY'
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
	else
		echo "$label: SHOW QUERIES is not available"
	fi
}

# run_diff LABEL COUNT WRITES [EXTRA-CONFIG]
run_diff() {
	local label="$1" n="$2" writes="$3" t0
	t0=$SECONDS
	echo "--- $label: $n statements per phase, $writes% writes"
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
