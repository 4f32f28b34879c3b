#!/usr/bin/env bash
# webshop.sh - the web shop (examples/webshop/) on a throwaway PostgreSQL,
# through cbcached: prints the URL and serves until Ctrl-C.
#
#   scripts/webshop.sh [--scale N] [--port P] [--workers W]
#
# Installs what is missing (scripts/install-deps.sh), builds in build/,
# starts PostgreSQL (tests/harness/with-pg.sh) with the shop database
# (examples/shop/ at scale N, default 1), cbcached with
# examples/shop/cbcache.conf, writes odbcinst.ini and odbc.ini with the
# DSNs shop (through cbcached) and shop-direct (straight to PostgreSQL),
# and runs php -S twice on 127.0.0.1: the site through cbcached (port P,
# default 8080 or the next free one; its admin page shows the cache's
# hit ratio) and the same site straight to PostgreSQL (the next free
# port).  W > 1 lets php -S fork W workers (PHP_CLI_SERVER_WORKERS).
# Ctrl-C stops everything and removes the temporary directory.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"
# shellcheck source=lib.sh
. "$root/scripts/lib.sh"
parse_options webshop scale=1 port=8080 workers=1 -- "$@"
start_in_pg "webshop: starting a throwaway PostgreSQL with the shop at scale $scale" \
	--no-data -- --scale "$scale" --port "$port" --workers "$workers"

# ---- inside the throwaway PostgreSQL ----------------------------------------
export WS_ROOT="$root" WS_BUILD="$build"
# shellcheck source=../examples/webshop/webshop-lib.sh
. "$root/examples/webshop/webshop-lib.sh"
stopping=0
stop() {
	[ "$stopping" -eq 1 ] && return
	stopping=1
	echo
	echo "webshop: stopping php -S and cbcached; the throwaway PostgreSQL is removed next"
	ws_stop_all
}
trap stop EXIT
trap 'exit 130' INT TERM HUP

ws_load_shop "$scale"
ws_start_cbcached "$CB_PG_DIR/cbcache"
ws_odbc_ini "$CB_PG_DIR/odbc"

# the site through cbcached on the port asked for (or the next free one),
# the site straight to PostgreSQL on the next free port after it
WS_PHP_FIRST_PORT="$port" ws_start_php site shop "$WS_ADMIN_SOCK" "$workers"
port="$WS_PHP_PORT"
php_log="$CB_PG_DIR/site.log"
site_pid="$WS_PHP_PID"
WS_PHP_FIRST_PORT=$((port + 1)) ws_start_php site-direct shop-direct "" "$workers"

cat <<EOF

The web shop is running:

  http://127.0.0.1:$port/             through cbcached (DSN shop)
  http://127.0.0.1:$port/admin.php    the cache's hit ratio and statements
  http://127.0.0.1:$WS_PHP_PORT/             the same site straight to PostgreSQL (DSN shop-direct)

  ODBC:        ODBCSYSINI=$ODBCSYSINI ODBCINI=$ODBCINI isql shop
  psql:        psql -h $(dirname "$WS_ADMIN_SOCK") -p $WS_CBD_PORT shop     (through cbcached)
               psql -h $PGHOST -p $PGPORT shop     (straight to PostgreSQL)
  admin:       $build/src/cbcache-admin -s $WS_ADMIN_SOCK SHOW STATS
  logs:        $php_log, $WS_CBD_LOG

Press Ctrl-C to stop.
EOF
wait "$site_pid"
