# daemon-lib.sh - helpers for the cbcached integration tests (sourced, not run).
#
# Inside tests/harness/with-pg.sh: cbd_start writes a cbcache.conf in a new
# directory under $CB_PG_DIR (extra lines from $1), starts cbcached in the
# foreground in the background of this shell, and polls its admin socket
# until it answers (bounded).  cbd_stop sends SIGTERM and checks the exit
# status, which is where the sanitizer build reports leaks.  An EXIT trap
# kills a daemon that is still running.

: "${top_builddir:?run through make check or tests/harness/with-pg.sh with top_builddir set}"
CBD_BIN="$top_builddir/src/cbcached"
CBD_ADMIN="$top_builddir/src/cbcache-admin"
CBD_PID=""
# make check-valgrind (CB_VALGRIND=1) runs the daemon under valgrind too
CBD_WRAP=()
if [ "${CB_VALGRIND:-0}" = 1 ]; then
	CBD_WRAP=(valgrind --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite --max-threads=1200 --quiet)
fi

fail() {
	echo "FAIL: $*" >&2
	if [ -n "${CBD_LOG:-}" ] && [ -f "$CBD_LOG" ]; then
		echo "---- cbcached log (last 30 lines) ----" >&2
		tail -n 30 "$CBD_LOG" >&2
	fi
	exit 1
}

# A TCP port nobody listens on.
cbd_free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		if ! grep -q . <<<"$(ss -Hltn "sport = :$p" 2>/dev/null)"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

cbd_kill_on_exit() {
	if [ -n "$CBD_PID" ] && kill -0 "$CBD_PID" 2>/dev/null; then
		kill -KILL "$CBD_PID" 2>/dev/null
	fi
}
trap cbd_kill_on_exit EXIT

# cbd_write_conf EXTRA: write $CBD_CONF (sets CBD_DIR, CBD_PORT, CBD_CONF, CBD_LOG, CBD_ADMIN_SOCK).
cbd_write_conf() {
	CBD_DIR="$(mktemp -d "$CB_PG_DIR/cbd.XXXXXX")"
	chmod 755 "$CBD_DIR"
	CBD_PORT="${CBD_PORT:-6433}"
	CBD_CONF="$CBD_DIR/cbcache.conf"
	CBD_LOG="$CBD_DIR/cbcached.log"
	CBD_ADMIN_SOCK="$CBD_DIR/admin.sock"
	cat >"$CBD_CONF" <<CONF
[cbcache]
listen_dir = $CBD_DIR
listen_port = $CBD_PORT
admin_socket = admin.sock
backend = host=$PGHOST port=$PGPORT
log_file = cbcached.log
${1:-}
CONF
}

# cbd_wait_ready: poll the admin socket for up to 20 s.
cbd_wait_ready() {
	for _ in $(seq 400); do
		if "$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" --json SHOW STATS >"$CBD_DIR/ready.json" 2>/dev/null; then
			# ready = also caught up with the change stream (the start-up fence fell)
			if grep -q '"repl_stream", *"value": *"1"' "$CBD_DIR/ready.json"; then
				"$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" WAIT FILLS 20000 >/dev/null ||
					fail "cbcached did not catch up with its change stream within 20 s"
			fi
			return 0
		fi
		kill -0 "$CBD_PID" 2>/dev/null || fail "cbcached exited during start-up"
		sleep 0.05
	done
	fail "cbcached did not answer on $CBD_ADMIN_SOCK within 20 s"
}

# cbd_launch: start cbcached on the current $CBD_CONF and wait until it answers.
cbd_launch() {
	"${CBD_WRAP[@]}" "$CBD_BIN" -c "$CBD_CONF" 2>>"$CBD_DIR/stderr" &
	CBD_PID=$!
	cbd_wait_ready
}

# cbd_start [EXTRA-CONFIG-LINES]: a new directory and config, then cbd_launch.
cbd_start() {
	cbd_write_conf "${1:-}"
	cbd_launch
}

# cbd_wait_exit SECONDS: wait for the daemon to exit; sets CBD_STATUS.
cbd_wait_exit() {
	local n=$(($1 * 20))
	for _ in $(seq "$n"); do
		if ! kill -0 "$CBD_PID" 2>/dev/null; then
			wait "$CBD_PID"
			CBD_STATUS=$?
			CBD_PID=""
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# cbd_stop: SIGTERM, then the exit status must be 0 (sanitizers report leaks at exit).
cbd_stop() {
	kill -TERM "$CBD_PID" || fail "cbcached is not running"
	cbd_wait_exit 60 || fail "cbcached did not exit within 60 s of SIGTERM"
	if [ "$CBD_STATUS" -ne 0 ]; then
		cat "$CBD_DIR/stderr" >&2
		fail "cbcached exited with status $CBD_STATUS"
	fi
	if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|WARNING: ThreadSanitizer\|runtime error\|definitely lost" "$CBD_DIR/stderr"; then
		cat "$CBD_DIR/stderr" >&2
		fail "sanitizer report from cbcached"
	fi
}

# psql through the daemon / directly
cbd_psql() {
	psql -X -q -h "$CBD_DIR" -p "$CBD_PORT" "$@"
}
direct_psql() {
	psql -X -q "$@"
}
