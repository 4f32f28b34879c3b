#!/usr/bin/env bash
# The admin socket and the daemon's lifecycle: every admin command, the
# socket's 0600 mode, RELOAD and SIGHUP of a changed log level, an unknown
# command, SHUTDOWN; --check, --version, --help; -d with a pid file;
# graceful shutdown letting a running statement finish, and the
# shutdown_timeout ending one that does not.
set -uo pipefail
. "$top_srcdir/tests/integration/daemon-lib.sh"

adm() { "$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" "$@"; }

# --- command line ------------------------------------------------------------
grep -q "^cbcached [0-9]" <<<"$("$CBD_BIN" --version)" || fail "--version"
grep -q -- "--check" <<<"$("$CBD_BIN" --help)" || fail "--help"
"$CBD_BIN" >/dev/null 2>&1 && fail "cbcached without -c must fail"

# the example config, pointed at this test's backend, compiles its cache group
cbd_write_conf ""
sed -e "s|^backend = .*|backend = host=$PGHOST port=$PGPORT|" \
	-e "s|^cache_groups = .*|cache_groups = $top_srcdir/examples/movies/movies.cg|" \
	"$top_srcdir/examples/movies/cbcache.conf" >"$CBD_DIR/example.conf"
out="$("$CBD_BIN" --check -c "$CBD_DIR/example.conf" 2>&1)" || fail "examples/movies/cbcache.conf is not valid: $out"
grep -q -- "is valid" <<<"$out" || fail "--check of the example config: $out"
grep -qi "zone" <<<"$out" || fail "--check prints no cache group report: $out"
grep -q -- "regisseur" <<<"$out" || fail "--check report misses the tables: $out"
# a cache group error is reported with file:line:col
printf 'cachegroup bad\ntable regisseur\nfill regisseur.nosuchcolumn\n' >"$CBD_DIR/bad.cg"
sed -e "s|^cache_groups = .*|cache_groups = $CBD_DIR/bad.cg|" "$CBD_DIR/example.conf" >"$CBD_DIR/badcg.conf"
out="$("$CBD_BIN" --check -c "$CBD_DIR/badcg.conf" 2>&1)" && fail "--check with a bad cache group passed"
grep -q -- "bad.cg:3:[0-9]*: .*nosuchcolumn" <<<"$out" || fail "--check bad cache group: $out"
# cache groups without the cache's backend identity
grep -v '^cache_user' "$CBD_DIR/example.conf" >"$CBD_DIR/nouser.conf"
out="$("$CBD_BIN" --check -c "$CBD_DIR/nouser.conf" 2>&1)" && fail "--check without cache_user passed"
grep -q -- "cache_user" <<<"$out" || fail "--check without cache_user: $out"
# an unreachable backend for the cache is reported with the fix
sed -e "s|^cache_user = .*|cache_user = no_such_role|" "$CBD_DIR/example.conf" >"$CBD_DIR/norole.conf"
out="$("$CBD_BIN" --check -c "$CBD_DIR/norole.conf" 2>&1)" && fail "--check with a bad cache_user passed"
grep -q -- "cannot connect to the backend as cache_user no_such_role" <<<"$out" || fail "--check bad role: $out"

grep -q "is valid" <<<"$("$CBD_BIN" --check -c "$CBD_CONF")" || fail "--check of a good config"
echo "cache_groups = missing.cg" >>"$CBD_CONF"
out="$("$CBD_BIN" --check -c "$CBD_CONF" 2>&1)" && fail "--check with a missing cache group file passed"
grep -q -- "missing.cg cannot be read" <<<"$out" || fail "--check missing cache group: $out"
echo "listen_port = 99999" >"$CBD_DIR/bad.conf"
out="$("$CBD_BIN" --check -c "$CBD_DIR/bad.conf" 2>&1)" && fail "--check of a bad config passed"
grep -q -- "bad.conf:1: listen_port: invalid value \"99999\": give an integer from 1 to 65535" <<<"$out" ||
	fail "--check bad value: $out"

# --- admin commands ----------------------------------------------------------
cbd_start "log_level = info"
[ "$(stat -c %a "$CBD_ADMIN_SOCK")" = 600 ] || fail "admin socket mode is $(stat -c %a "$CBD_ADMIN_SOCK"), expected 600"

adm SHOW STATS >"$CBD_DIR/stats.out" || fail "SHOW STATS"
grep -q "^ uptime_s " <<<"$("$CBD_ADMIN" -c "$CBD_CONF" SHOW STATS)" || fail "cbcache-admin -c CONFIG"
for col in sessions_active sessions_total connections statements bytes_in bytes_out errors protocol_errors \
	auth_failures cancels refused uptime_s; do
	grep -q "^ $col " "$CBD_DIR/stats.out" || fail "SHOW STATS has no $col"
done
adm --json show config | python3 -c '
import json, sys
d = json.load(sys.stdin)
keys = {r["key"]: r for r in d["rows"]}
assert d["ok"], d
assert keys["log_level"]["value"] == "info", keys["log_level"]
assert keys["log_level"]["changes_on"] == "reload"
assert keys["listen_dir"]["changes_on"] == "restart"
' || fail "SHOW CONFIG --json"

# a session in a long statement shows as active, with the backend's pid
psql -X -h "$CBD_DIR" -p "$CBD_PORT" -c "SELECT pg_sleep(60)" >"$CBD_DIR/sleep.out" 2>&1 &
sleeper=$!
pid=""
for _ in $(seq 400); do
	pid="$(adm --json SHOW SESSIONS | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin)["rows"] if r["state"] == "active"]
print(rows[0]["backend_pid"] if rows else "")')"
	[ -n "$pid" ] && break
	sleep 0.05
done
[ -n "$pid" ] || fail "SHOW SESSIONS never listed the active session"
[ "$(direct_psql -At -c "SELECT query FROM pg_stat_activity WHERE pid = $pid")" = "SELECT pg_sleep(60)" ] ||
	fail "backend_pid $pid of SHOW SESSIONS is not the session's backend"
direct_psql -At -c "SELECT pg_cancel_backend($pid)" >/dev/null
wait "$sleeper" && fail "the cancelled pg_sleep succeeded"
grep -q "canceling statement due to user request" "$CBD_DIR/sleep.out" || fail "cancel: $(cat "$CBD_DIR/sleep.out")"

# unknown command: an error line and a failing exit status
out="$(adm SHOW NONSENSE 2>&1)" && fail "an unknown command succeeded"
grep -q -- 'unknown command "SHOW NONSENSE"' <<<"$out" || fail "unknown command: $out"
out="$(adm --json FROB)" && fail "an unknown command succeeded with --json"
grep -q -- '"ok": false' <<<"$out" || fail "unknown command --json: $out"

# RELOAD of a changed log level: debug lines appear afterwards
grep -q "DEBUG" "$CBD_LOG" && fail "DEBUG lines at log_level info"
sed -i 's/^log_level = info/log_level = debug/' "$CBD_CONF"
grep -q "^reloaded" <<<"$(adm RELOAD)" || fail "RELOAD"
grep -q "^ log_level .*| debug " <<<"$(adm SHOW CONFIG)" || fail "SHOW CONFIG after RELOAD does not show debug"
cbd_psql -c "SELECT 1" >/dev/null || fail "query after reload"
grep -q "DEBUG .*session started" "$CBD_LOG" || fail "no DEBUG line after RELOAD to debug"

# SIGHUP back to info; a restart-only key is reported in the log
sed -i 's/^log_level = debug/log_level = info/' "$CBD_CONF"
echo "gc_interval = 3" >>"$CBD_CONF"
kill -HUP "$CBD_PID"
for _ in $(seq 400); do
	grep -q "^ log_level .*| info " <<<"$(adm SHOW CONFIG)" && break
	sleep 0.05
done
grep -q "^ log_level .*| info " <<<"$(adm SHOW CONFIG)" || fail "SIGHUP did not reload log_level"
grep -q "gc_interval changed from \"10\" to \"3\"; this takes effect only after a restart" "$CBD_LOG" ||
	fail "the restart-only change was not logged"

# a broken config on RELOAD keeps the old one
echo "bogus_key = 1" >>"$CBD_CONF"
out="$(adm RELOAD 2>&1)" && fail "RELOAD of a broken config succeeded"
grep -q -- 'cbcache.conf:[0-9]*: unknown key "bogus_key"' <<<"$out" || fail "broken RELOAD: $out"
cbd_psql -c "SELECT 1" >/dev/null || fail "query after a failed reload"
sed -i '/^bogus_key/d; /^gc_interval/d' "$CBD_CONF"

# graceful shutdown: a running statement finishes, then the daemon exits
psql -X -At -h "$CBD_DIR" -p "$CBD_PORT" -c "SELECT pg_sleep(1.5), 'finished'" >"$CBD_DIR/grace.out" 2>&1 &
sleeper=$!
for _ in $(seq 400); do
	grep -q "| active " <<<"$(adm SHOW SESSIONS)" && break
	sleep 0.05
done
grep -q "shutting down" <<<"$(adm SHUTDOWN)" || fail "SHUTDOWN"
wait "$sleeper" || fail "the running statement failed during shutdown: $(cat "$CBD_DIR/grace.out")"
grep -q "|finished" "$CBD_DIR/grace.out" || fail "graceful shutdown: $(cat "$CBD_DIR/grace.out")"
cbd_wait_exit 30 || fail "cbcached did not exit after SHUTDOWN"
[ "$CBD_STATUS" = 0 ] || fail "cbcached exited with $CBD_STATUS after SHUTDOWN"
[ -e "$CBD_DIR/.s.PGSQL.$CBD_PORT" ] && fail "the PostgreSQL socket file is left after shutdown"
[ -e "$CBD_ADMIN_SOCK" ] && fail "the admin socket file is left after shutdown"

# shutdown_timeout ends a statement that runs too long
cbd_start "shutdown_timeout = 1"
psql -X -h "$CBD_DIR" -p "$CBD_PORT" -c "SELECT pg_sleep(60)" >"$CBD_DIR/long.out" 2>&1 &
sleeper=$!
for _ in $(seq 400); do
	grep -q "| active " <<<"$(adm SHOW SESSIONS)" && break
	sleep 0.05
done
start=$SECONDS
cbd_stop
[ $((SECONDS - start)) -lt 20 ] || fail "shutdown took $((SECONDS - start)) s with shutdown_timeout = 1"
wait "$sleeper" && fail "the long statement succeeded although shutdown_timeout passed"
grep -q "shutdown_timeout (1 s) passed" "$CBD_LOG" || fail "the forced shutdown was not logged"

# max_clients: the client past the limit is refused with 53300; the limit is reloadable
cbd_start "max_clients = 2"
psql -X -h "$CBD_DIR" -p "$CBD_PORT" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
s1=$!
psql -X -h "$CBD_DIR" -p "$CBD_PORT" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
s2=$!
for _ in $(seq 400); do
	[ "$(adm SHOW SESSIONS | grep -c "| active ")" = 2 ] && break
	sleep 0.05
done
[ "$(adm SHOW SESSIONS | grep -c "| active ")" = 2 ] || fail "the two sleeping sessions did not start"
out="$(cbd_psql -c "SELECT 1" 2>&1)" && fail "a third client was admitted with max_clients = 2"
grep -q -- "sorry, too many clients already" <<<"$out" || fail "max_clients: unexpected message: $out"
sed -i 's/^max_clients = 2/max_clients = 3/' "$CBD_CONF"
adm RELOAD >/dev/null || fail "RELOAD of max_clients"
cbd_psql -c "SELECT 1" >/dev/null || fail "a third client was refused after max_clients was raised to 3"
[ "$(adm SHOW STATS | awk '$1 == "refused" {print $3}')" = 1 ] || fail "SHOW STATS refused is not 1"
direct_psql -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'" >/dev/null
wait "$s1" "$s2"
cbd_stop

# an unreachable backend: the client is told so, the daemon stays up
cbd_write_conf ""
sed -i "s|^backend = .*|backend = host=$CBD_DIR/nowhere port=1|" "$CBD_CONF"
cbd_launch
out="$(cbd_psql -c "SELECT 1" 2>&1)" && fail "a session without a reachable backend succeeded"
grep -q -- "cbcached cannot reach its backend" <<<"$out" || fail "unreachable backend: unexpected message: $out"
adm SHOW STATS >/dev/null || fail "the daemon is not answering after a failed backend connection"
cbd_stop

# -d: daemonize with a pid file, stop with SIGTERM
cbd_write_conf "pid_file = cbcached.pid"
"$CBD_BIN" -d -c "$CBD_CONF" || fail "cbcached -d failed"
[ -s "$CBD_DIR/cbcached.pid" ] || fail "no pid file"
CBD_PID="$(cat "$CBD_DIR/cbcached.pid")"
adm SHOW STATS >/dev/null || fail "the daemonized cbcached does not answer"
cbd_psql -c "SELECT 1" >/dev/null || fail "query through the daemonized cbcached"
out="$("$CBD_BIN" -d -c "$CBD_CONF" 2>&1)" && fail "a second daemon on the same pid file started"
grep -q -- "already running" <<<"$out" || fail "second daemon: $out"
kill -TERM "$CBD_PID"
for _ in $(seq 400); do
	kill -0 "$CBD_PID" 2>/dev/null || break
	sleep 0.05
done
kill -0 "$CBD_PID" 2>/dev/null && fail "the daemonized cbcached did not stop"
CBD_PID=""
[ -e "$CBD_DIR/cbcached.pid" ] && fail "the pid file is left after shutdown"

echo "ok: admin socket and lifecycle"
