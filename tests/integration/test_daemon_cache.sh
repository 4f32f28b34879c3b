#!/usr/bin/env bash
# cbcached with a cache (the movie cache group): start-up loads the
# complete table; admin FILL loads exactly a director's closure (counted
# against hand-written SQL on the backend); VERIFY is clean; a value
# outside a fill's permitted list and an unknown fill column are refused;
# EVICT and EVICT ALL; the garbage collector keeps a small max_cache_rows
# under its mark with VERIFY clean; writes straight to PostgreSQL reach the
# cache (the change stream), VERIFY finds a corrupted row; a restart keeps
# the cache, also after kill -9 (and applies the writes made while it was
# down); a changed cache group rebuilds it (reason in the log); a cache
# group error stops start-up with file:line:col.  Every daemon stops with SIGTERM, status 0.
set -uo pipefail
. "$top_srcdir/tests/integration/daemon-lib.sh"

adm() { "$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" "$@"; }
lite() { sqlite3 "$CBD_DIR/cache.db" "$@"; }
pg() { psql -X -q -At -c "$1"; }
stat_of() { adm --json SHOW STATS | python3 -c "import json,sys; print([r['value'] for r in json.load(sys.stdin)['rows'] if r['name']=='$1'][0])"; }

cache_conf() {
	cat <<CONF
cache_db = $1
cache_groups = $top_srcdir/examples/movies/movies.cg
cache_database = movies
cache_user = postgres
gc_interval = 1
${2:-}
CONF
}

# poll_until SECONDS COMMAND...: run COMMAND every 0.1 s until it succeeds.
poll_until() {
	local n=$(($1 * 10))
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
# cbcache-admin prints tables as " value | value | ..."
fill_done() { adm SHOW FILLS | grep -Eq "^ *done +\| +${1//./\\.} +\| +$2 +\|"; }
nothing_queued() { ! adm SHOW FILLS | grep -Eq "^ *(queued|running) +\|"; }

# --- start: the complete table genre is loaded ---------------------------------
cbd_write_conf ""
cache_conf "$CBD_DIR/cache.db" >>"$CBD_CONF"
cbd_launch
[ "$(lite 'SELECT count(*) FROM genre')" = "$(pg 'SELECT count(*) FROM genre')" ] ||
	fail "genre (complete) not loaded at start"
[ "$(lite 'SELECT count(*) FROM regisseur')" = 0 ] || fail "regisseur loaded before any FILL"
grep -q "cache DB .* rebuilt" "$CBD_LOG" || fail "the first start does not log that the cache was built"
grep -q "no fingerprint" "$CBD_LOG" || fail "the first start does not log why the cache was built"
grep -q "cache_rows " <<<"$(adm SHOW STATS)" || fail "SHOW STATS has no cache counters"

# --- FILL regisseur.id 1: exactly director 1's closure -------------------------
films="$(pg 'SELECT count(*) FROM film WHERE regie = 1')"
[ "$films" -gt 0 ] || fail "the test database has no film of director 1"
out="$(adm FILL regisseur.id 1)" || fail "FILL regisseur.id 1: $out"
poll_until 30 fill_done regisseur.id 1 || fail "FILL regisseur.id 1 not done in 30 s: $(adm SHOW FILLS)"
adm SHOW CONTROLS | grep -Eq "^ *regisseur\.id +\| +1 +\|" || fail "SHOW CONTROLS: $(adm SHOW CONTROLS)"
[ "$(lite 'SELECT value FROM cbcache_ctl_regisseur_id')" = 1 ] || fail "control row of regisseur.id 1"
[ "$(lite 'SELECT count(*) FROM regisseur')" = 1 ] || fail "regisseur rows"
[ "$(lite 'SELECT count(*) FROM film')" = "$films" ] || fail "film rows: $(lite 'SELECT count(*) FROM film') != $films"
want="$(pg 'SELECT count(*) FROM darst_film WHERE fid IN (SELECT id FROM film WHERE regie = 1)')"
[ "$(lite 'SELECT count(*) FROM darst_film')" = "$want" ] || fail "darst_film rows != $want"
want="$(pg 'SELECT count(*) FROM darsteller WHERE id IN (SELECT did FROM darst_film WHERE fid IN
	(SELECT id FROM film WHERE regie = 1))')"
[ "$(lite 'SELECT count(*) FROM darsteller')" = "$want" ] || fail "darsteller rows != $want"
want="$(pg 'SELECT count(*) FROM ort WHERE plz IN (SELECT wohnort FROM regisseur WHERE id = 1
	UNION SELECT ort FROM film WHERE regie = 1)')"
[ "$(lite 'SELECT count(*) FROM ort')" = "$want" ] || fail "ort rows != $want"
[ "$(lite 'SELECT group_concat(id) FROM (SELECT id FROM film ORDER BY id)')" = \
	"$(pg 'SELECT string_agg(id::text, $$,$$ ORDER BY id) FROM film WHERE regie = 1')" ] || fail "film ids differ"
[ "$(stat_of cache_fills_done)" -ge 1 ] || fail "cache_fills_done"
out="$(adm VERIFY)" || fail "VERIFY after FILL: $out"
grep -q -- "the cache is valid" <<<"$out" || fail "VERIFY: $out"
# a write straight to PostgreSQL reaches the cache through the change stream
fid="$(pg 'SELECT min(id) FROM film WHERE regie = 1')"
pg "UPDATE film SET titel = titel || ' (changed)' WHERE id = $fid"
cached_title() { [ "$(lite "SELECT titel FROM film WHERE id = $fid")" = "$(pg "SELECT titel FROM film WHERE id = $fid")" ]; }
poll_until 30 cached_title || fail "a write straight to PostgreSQL did not reach the cache: $(lite "SELECT titel FROM film WHERE id = $fid")"
adm VERIFY >/dev/null || fail "VERIFY after a write straight to PostgreSQL: $(adm VERIFY)"
# a cache row that differs from the backend's is a violation: rows and an error status
lite "UPDATE film SET titel = 'corrupted' WHERE id = $fid"
out="$(adm VERIFY 2>&1)" && fail "VERIFY passed with a corrupted film row: $out"
grep -q -- "different row" <<<"$out" || fail "VERIFY does not show the different row: $out"
grep -q -- "changed" <<<"$out" || fail "VERIFY does not show the backend's row: $out"
grep -q -- "1 violation" <<<"$out" || fail "VERIFY's error line: $out"
pg "UPDATE film SET titel = left(titel, length(titel) - length(' (changed)')) WHERE id = $fid"
poll_until 30 cached_title || fail "the second write did not reach the cache"
adm VERIFY >/dev/null || fail "VERIFY after the backend's row was written again: $(adm VERIFY)"

# --- refusals --------------------------------------------------------------------
out="$(adm FILL film.genre 7 2>&1)" && fail "FILL film.genre 7 (not in values (1,2,3)) was accepted: $out"
grep -q -- "refused" <<<"$out" || fail "FILL film.genre 7: $out"
out="$(adm FILL film.titel x 2>&1)" && fail "FILL of a column that is no fill column was accepted: $out"
grep -q -- "not a fill column" <<<"$out" || fail "FILL film.titel: $out"
grep -q -- "regisseur.id" <<<"$out" || fail "the unknown fill column error does not list the fill columns: $out"
out="$(adm FILL regisseur.id 2>&1)" && fail "FILL without a value was accepted"
grep -q -- "usage: FILL" <<<"$out" || fail "FILL without a value: $out"

# --- EVICT ------------------------------------------------------------------------
out="$(adm EVICT regisseur.id 1)" || fail "EVICT regisseur.id 1: $out"
grep -q -- "evicted" <<<"$out" || fail "EVICT: $out"
[ "$(lite 'SELECT count(*) FROM cbcache_ctl_regisseur_id')" = 0 ] || fail "control row left after EVICT"
[ "$(lite 'SELECT count(*) FROM film')" = 0 ] || fail "film rows left after EVICT"
[ "$(lite 'SELECT count(*) FROM genre')" = "$(pg 'SELECT count(*) FROM genre')" ] || fail "EVICT removed genre"
adm VERIFY >/dev/null || fail "VERIFY after EVICT: $(adm VERIFY)"
out="$(adm EVICT regisseur.id 1)" || fail "EVICT of a value not loaded: $out"
grep -q -- "was not loaded" <<<"$out" || fail "EVICT of a value not loaded: $out"
# film.genre 2, then EVICT ALL
adm FILL film.genre 2 >/dev/null || fail "FILL film.genre 2"
poll_until 30 fill_done film.genre 2 || fail "FILL film.genre 2 not done: $(adm SHOW FILLS)"
[ "$(lite 'SELECT count(*) FROM film')" = "$(pg 'SELECT count(*) FROM film WHERE genre = 2')" ] || fail "film.genre 2"
adm EVICT ALL >/dev/null || fail "EVICT ALL"
[ "$(lite 'SELECT count(*) FROM film')" = 0 ] || fail "film rows left after EVICT ALL"
adm VERIFY >/dev/null || fail "VERIFY after EVICT ALL: $(adm VERIFY)"
cbd_stop

# --- restart keeps the cache --------------------------------------------------------
dir1="$CBD_DIR"
cbd_launch_in() {
	CBD_DIR="$1"
	CBD_CONF="$CBD_DIR/cbcache.conf"
	CBD_LOG="$CBD_DIR/cbcached.log"
	CBD_ADMIN_SOCK="$CBD_DIR/admin.sock"
	cbd_launch
}
# Start cbcached in $dir1 again with the cache group file $1, its log emptied first.
cbd_launch_with_groups() {
	sed -i -e "s|^cache_groups = .*|cache_groups = $1|" "$dir1/cbcache.conf"
	: >"$dir1/cbcached.log"
	cbd_launch_in "$dir1"
}
cbd_launch_in "$dir1"
adm FILL regisseur.id 1 >/dev/null || fail "FILL before the restart"
poll_until 30 fill_done regisseur.id 1 || fail "FILL regisseur.id 1 not done: $(adm SHOW FILLS)"
cbd_stop
: >"$CBD_LOG"
cbd_launch_in "$dir1"
grep -q "cache DB .* kept" "$CBD_LOG" || fail "restart did not keep the cache: $(cat "$CBD_LOG")"
[ "$(lite 'SELECT count(*) FROM cbcache_ctl_regisseur_id')" = 1 ] || fail "the control row did not survive a restart"
adm VERIFY >/dev/null || fail "VERIFY after restart: $(adm VERIFY)"
# a daemon that is killed keeps its cache: the file says how far it applied
# the change stream, and the slot sends what came after, also the writes
# made while it was down
kill -KILL "$CBD_PID"
wait "$CBD_PID" 2>/dev/null
CBD_PID=""
fid="$(pg 'SELECT min(id) FROM film WHERE regie = 1')"
pg "UPDATE film SET titel = titel || ' (while down)' WHERE id = $fid"
: >"$CBD_LOG"
cbd_launch_in "$dir1"
grep -q "cache DB .* kept" "$CBD_LOG" || fail "a killed daemon's cache was not kept: $(cat "$CBD_LOG")"
[ "$(lite 'SELECT count(*) FROM cbcache_ctl_regisseur_id')" = 1 ] || fail "the control row did not survive a kill"
poll_until 30 cached_title || fail "a write made while cbcached was down was not applied at its start"
adm VERIFY >/dev/null || fail "VERIFY after a kill: $(adm VERIFY)"
cbd_stop
: >"$CBD_LOG"
cbd_launch_in "$dir1"
grep -q "not closed cleanly" "$CBD_LOG" && fail "a clean stop was taken for a crash: $(cat "$CBD_LOG")"
cbd_stop
# a changed cache group rebuilds the cache, saying why
sed -e 's/^fill film.genre values (1, 2, 3)/fill film.genre values (1, 2, 3, 4)/' \
	"$top_srcdir/examples/movies/movies.cg" >"$dir1/changed.cg"
grep -q "(1, 2, 3, 4)" "$dir1/changed.cg" || fail "could not change the cache group"
cbd_launch_with_groups "$dir1/changed.cg"
grep -q "cache DB .* rebuilt" "$CBD_LOG" || fail "a changed cache group did not rebuild the cache: $(cat "$CBD_LOG")"
grep -q "fingerprint" "$CBD_LOG" || fail "the rebuild does not log its reason: $(cat "$CBD_LOG")"
[ "$(lite 'SELECT count(*) FROM cbcache_ctl_regisseur_id')" = 0 ] || fail "the rebuilt cache kept a control row"
adm FILL film.genre 4 >/dev/null || fail "FILL film.genre 4 refused after the cache group allowed it"
cbd_stop

# --- a cache group with an error: cbcached relays without the cache, saying why -------
# (doc/admin.md "When the cache does not start"; RELOAD after the fix: test_daemon_broken_group.py)
printf 'cachegroup bad\ntable regisseur\nfill regisseur.nosuchcolumn\n' >"$dir1/bad.cg"
cbd_launch_with_groups "$dir1/bad.cg"
grep -q "bad.cg:3:[0-9]*: .*nosuchcolumn" "$CBD_LOG" || fail "bad cache group error: $(cat "$CBD_LOG")"
grep -q "fix them" "$CBD_LOG" || fail "bad cache group error without a fix: $(cat "$CBD_LOG")"
[ "$(stat_of cache_running)" = 0 ] || fail "cache_running with a bad cache group: $(stat_of cache_running)"
[ "$(psql -X -q -A -t -h "$CBD_DIR" -p "$CBD_PORT" -d movies -c 'SELECT count(*) FROM genre')" = \
	"$(pg 'SELECT count(*) FROM genre')" ] || fail "cbcached with a bad cache group does not relay"
cbd_stop

# --- a small max_cache_rows under several fills --------------------------------------
# the mark: the complete table genre plus room for a few directors
mark=$(($(pg 'SELECT count(*) FROM genre') + 60))
cbd_write_conf ""
cache_conf "$CBD_DIR/cache.db" "max_cache_rows = $mark
gc_low_water = 50" >>"$CBD_CONF"
cbd_launch
for d in $(pg 'SELECT id FROM regisseur ORDER BY id LIMIT 8'); do
	adm FILL regisseur.id "$d" >/dev/null || fail "FILL regisseur.id $d"
done
poll_until 60 nothing_queued || fail "fills not done: $(adm SHOW FILLS)"
under_mark() { [ "$(stat_of cache_rows)" -le "$mark" ]; }
poll_until 30 under_mark || fail "the cache stays over max_cache_rows: $(stat_of cache_rows) rows"
[ "$(stat_of cache_evictions)" -ge 1 ] || fail "no eviction counted"
[ "$(stat_of cache_fills_done)" -ge 8 ] || fail "cache_fills_done: $(stat_of cache_fills_done)"
out="$(adm VERIFY)" || fail "VERIFY after GC: $out"
cbd_stop

echo "PASS"
