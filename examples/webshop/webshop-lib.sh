# shellcheck shell=bash
# webshop-lib.sh - start the pieces of the web shop (sourced, not run) by
# scripts/webshop.sh, tests/integration/test_webshop.sh and bench/webshop.sh.
#
# Runs inside tests/harness/with-pg.sh (PGHOST, PGPORT, CB_PG_DIR set).
# Set WS_ROOT (the source tree) and WS_BUILD (the build tree) first.
#
#   ws_load_shop SCALE          create the database shop (ICU collation
#                               de-DE, as a German shop would) and load
#                               examples/shop at SCALE
#   ws_start_cbcached DIR       cbcached with examples/shop/cbcache.conf,
#                               its paths in DIR; waits (wait_cbcached, from
#                               scripts/lib.sh, at most 30 s) until its
#                               admin socket answers, then (at most 30 s)
#                               until it caught up with the backend's change
#                               stream (WAIT FILLS); sets WS_CBD_PID,
#                               WS_CBD_PORT, WS_ADMIN_SOCK, WS_CBD_LOG
#   ws_odbc_ini DIR             DIR/odbcinst.ini and DIR/odbc.ini with the
#                               DSNs [shop] (through cbcached) and
#                               [shop-direct] (straight to PostgreSQL at
#                               PGHOST: a socket directory or a TCP host),
#                               and exports ODBCSYSINI and ODBCINI
#   ws_start_php NAME DSN [ADMIN_SOCKET] [WORKERS]
#                               php -S on 127.0.0.1 and a free port serving
#                               examples/webshop/public with SHOP_DSN=odbc:DSN=DSN;
#                               waits (at most 20 s) until it serves a page;
#                               sets WS_PHP_PORT and WS_PHP_PID; the log is
#                               $CB_PG_DIR/NAME.log.  WORKERS > 1 lets php -S
#                               fork that many workers (PHP_CLI_SERVER_WORKERS);
#                               with WS_PHP_FIRST_PORT set, the first free port
#                               from there up is taken instead of a random one
#   ws_stop PID                 stop one of them (and its php -S workers)
#   ws_stop_all                 stop every process these functions started
#   ws_free_port                a TCP port nobody listens on

: "${WS_ROOT:?set WS_ROOT to the source tree before sourcing webshop-lib.sh}"
: "${WS_BUILD:?set WS_BUILD to the build tree before sourcing webshop-lib.sh}"
WS_PIDS=()
# shellcheck source=../../scripts/lib.sh
. "$WS_ROOT/scripts/lib.sh"

# Ports below the kernel's ephemeral range (where curl's, wrk's and
# libpq's own connections take theirs), used by no socket at all.
ws_free_port() {
	local p low
	low="$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
	[ "$low" -gt 21000 ] || low=61000
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % (low - 20000)))
		if ! ss -Htan "sport = :$p" | grep -q . && [ ! -e "$CB_PG_DIR/.s.PGSQL.$p" ]; then
			echo "$p"
			return 0
		fi
	done
	echo "webshop: no free TCP port found in 100 tries" >&2
	return 1
}

ws_load_shop() {
	local scale="$1"
	psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE shop TEMPLATE template0 ENCODING 'UTF8'
		LOCALE_PROVIDER icu ICU_LOCALE 'de-DE' LOCALE 'C.UTF-8'" >/dev/null || return 1
	psql -X -q -d shop -v ON_ERROR_STOP=1 -v scale="$scale" \
		-f "$WS_ROOT/examples/shop/schema.sql" -f "$WS_ROOT/examples/shop/generate.sql" >/dev/null
}

ws_start_cbcached() {
	local dir="$1"
	mkdir -p "$dir"
	chmod 755 "$dir"
	WS_CBD_PORT="$(ws_free_port)" || return 1
	WS_ADMIN_SOCK="$dir/admin.sock"
	WS_CBD_LOG="$dir/cbcached.log"
	sed -e "s|^listen_dir = .*|listen_dir = $dir|" \
		-e "s|^listen_port = .*|listen_port = $WS_CBD_PORT|" \
		-e "s|^admin_socket = .*|admin_socket = $WS_ADMIN_SOCK|" \
		-e "s|^backend = .*|backend = host=$PGHOST port=$PGPORT|" \
		-e "s|^cache_db = .*|cache_db = $dir/shop-cache.db|" \
		-e "s|^cache_groups = .*|cache_groups = $WS_ROOT/examples/shop/shop.cg|" \
		"$WS_ROOT/examples/shop/cbcache.conf" >"$dir/cbcache.conf"
	echo "log_file = $WS_CBD_LOG" >>"$dir/cbcache.conf"
	# the DDL event triggers: DDL made elsewhere reaches the cache, and the
	# memo of backend answers (doc/cache.md) keeps the shop's other reads
	"$WS_BUILD/src/cbcached" --install-backend -c "$dir/cbcache.conf" >"$dir/install.out" 2>&1 || {
		echo "webshop: cbcached --install-backend failed:" >&2
		cat "$dir/install.out" >&2
		return 1
	}
	"$WS_BUILD/src/cbcached" -c "$dir/cbcache.conf" 2>>"$dir/stderr" &
	WS_CBD_PID=$!
	WS_PIDS+=("$WS_CBD_PID")
	wait_cbcached webshop "$WS_BUILD/src/cbcache-admin" "$WS_ADMIN_SOCK" "$WS_CBD_PID" "$WS_CBD_LOG" "$dir/stderr" ||
		return 1
	# ready once it caught up with the change stream: at start every
	# table is fenced until what was committed before is applied
	"$WS_BUILD/src/cbcache-admin" -s "$WS_ADMIN_SOCK" --json SHOW STATS >"$dir/ready.json" || return 1
	grep -q '"repl_stream", *"value": *"1"' "$dir/ready.json" || return 0
	"$WS_BUILD/src/cbcache-admin" -s "$WS_ADMIN_SOCK" WAIT FILLS 30000 >/dev/null && return 0
	echo "webshop: cbcached did not catch up with its change stream within 30 s; its log:" >&2
	cat "$WS_CBD_LOG" >&2 2>/dev/null
	return 1
}

ws_odbc_ini() {
	local dir="$1"
	local driver="$WS_BUILD/odbc-driver/.libs/libcbcacheodbc.so"
	[ -f "$driver" ] || { echo "webshop: $driver not found: build first" >&2; return 1; }
	mkdir -p "$dir"
	cat >"$dir/odbcinst.ini" <<INI
[cbcache]
Description = cbcache ODBC driver (this build)
Driver = $driver
INI
	cat >"$dir/odbc.ini" <<INI
[shop]
Description = the shop through cbcached
Driver = cbcache
Socket = $(dirname "$WS_ADMIN_SOCK")
Port = $WS_CBD_PORT
Database = shop
UID = postgres

[shop-direct]
Description = the shop straight to PostgreSQL
Driver = cbcache
$(case "$PGHOST" in /*) echo "Socket = $PGHOST" ;; *) echo "Servername = $PGHOST" ;; esac)
Port = $PGPORT
Database = shop
UID = postgres
INI
	export ODBCSYSINI="$dir" ODBCINI="$dir/odbc.ini"
}

ws_start_php() {
	local name="$1" dsn="$2" admin="${3:-}" workers="${4:-1}" log="$CB_PG_DIR/$1.log" status
	local next="${WS_PHP_FIRST_PORT:-}"
	for _ in 1 2 3 4 5; do
		if [ -n "$next" ]; then
			while ss -Hltn "sport = :$next" | grep -q .; do next=$((next + 1)); done
			WS_PHP_PORT="$next"
			next=$((next + 1))
		else
			WS_PHP_PORT="$(ws_free_port)" || return 1
		fi
		# PHP_CLI_SERVER_WORKERS must be unset (not 1) for one process
		if [ "$workers" -gt 1 ]; then
			env SHOP_DSN="odbc:DSN=$dsn" CBCACHE_ADMIN_SOCKET="$admin" PHP_CLI_SERVER_WORKERS="$workers" \
				php -S "127.0.0.1:$WS_PHP_PORT" -t "$WS_ROOT/examples/webshop/public" >>"$log" 2>&1 &
		else
			env -u PHP_CLI_SERVER_WORKERS SHOP_DSN="odbc:DSN=$dsn" CBCACHE_ADMIN_SOCKET="$admin" \
				php -S "127.0.0.1:$WS_PHP_PORT" -t "$WS_ROOT/examples/webshop/public" >>"$log" 2>&1 &
		fi
		WS_PHP_PID=$!
		WS_PIDS+=("$WS_PHP_PID")
		for _ in $(seq 1 200); do
			status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WS_PHP_PORT/style.css" 2>/dev/null)" || true
			[ "$status" = 200 ] && return 0
			kill -0 "$WS_PHP_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$WS_PHP_PID" 2>/dev/null; then
			echo "webshop: php -S ($name) did not serve within 20 s; its log:" >&2
			tail -n 20 "$log" >&2
			return 1
		fi
		# the port was taken between the check and the bind: try another
		grep -q "Address already in use" "$log" || { tail -n 20 "$log" >&2; return 1; }
	done
	echo "webshop: php -S ($name) found no free port" >&2
	return 1
}

# ws_stop PID: SIGTERM to a process these functions started and to its
# children (php -S workers outlive their parent's SIGTERM), then reap it.
ws_stop() {
	local kids
	if kill -0 "$1" 2>/dev/null; then
		kids="$(pgrep -P "$1" || true)"
		# shellcheck disable=SC2086 # one pid a word
		kill -TERM "$1" $kids 2>/dev/null || true
	fi
	wait "$1" 2>/dev/null || true
}

ws_stop_all() {
	local pid
	for pid in "${WS_PIDS[@]}"; do
		ws_stop "$pid"
	done
	WS_PIDS=()
}
