# shellcheck shell=bash
# lib.sh - helpers shared by bench/run.sh and bench/profile.sh (sourced,
# not run).  Inside tests/harness/with-pg.sh; expects $root, $build and
# $work to be set.
#
#   free_port                        a TCP port nobody listens on
#   cbcached_start DIR HOST PORT     cbcached with the movie cache group in
#                                    DIR (its config, cache, log, admin.sock),
#                                    backend HOST:PORT; writes DIR/pid and
#                                    DIR/port and waits (bounded) until its
#                                    admin socket answers
#   admin_stat SOCKET NAME           a SHOW STATS row's value ("" if absent)
#   wait_fills SOCKET                wait (at most 30 s) until the fill queue
#                                    is empty: WAIT FILLS, or polling SHOW
#                                    STATS and SHOW FILLS where the daemon
#                                    has no WAIT FILLS

: "${root:?}" "${build:?}" "${work:?set root, build and work before sourcing bench/lib.sh}"
cbadmin="$build/src/cbcache-admin"

free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		if ! grep -q . <<<"$(ss -Hltn "sport = :$p")" && [ ! -e "$work/.s.PGSQL.$p" ]; then
			echo "$p"
			return 0
		fi
	done
	echo "bench: no free TCP port found in 100 tries: too many listeners on this machine?" >&2
	return 1
}

cbcached_start() {
	local dir="$1" host="$2" bport="$3" port
	mkdir -p "$dir"
	port="$(free_port)"
	cat >"$dir/cbcache.conf" <<CONF
[cbcache]
listen_dir = $dir
listen_port = $port
admin_socket = $dir/admin.sock
backend = host=$host port=$bport
cache_db = $dir/cache.db
cache_groups = $root/examples/movies/movies.cg
cache_database = movies
cache_user = postgres
log_file = $dir/cbcached.log
log_level = warning
CONF
	${CBCACHED_WRAP:-} "$build/src/cbcached" -c "$dir/cbcache.conf" 2>>"$dir/stderr" &
	echo $! >"$dir/pid"
	echo "$port" >"$dir/port"
	for _ in $(seq 1 600); do
		"$cbadmin" -s "$dir/admin.sock" SHOW STATS >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
		sleep 0.05
	done
	echo "bench: cbcached in $dir did not answer on its admin socket within 30 s; its log:" >&2
	cat "$dir/cbcached.log" "$dir/stderr" >&2 2>/dev/null
	return 1
}

admin_stat() {
	local reply
	reply="$("$cbadmin" -s "$1" --json SHOW STATS 2>/dev/null)" || return 0
	/usr/bin/python3 -c '
import json, sys
try:
    rows = json.load(sys.stdin)["rows"]
except Exception:
    sys.exit(0)
print(next((r["value"] for r in rows if r["name"] == sys.argv[1]), ""))
' "$2" <<<"$reply"
}

wait_fills() {
	local sock="$1" msg q
	if msg="$("$cbadmin" -s "$sock" WAIT FILLS 30000 2>&1)"; then
		return 0
	fi
	case "$msg" in
	*"unknown command"*) ;; # a cbcached without WAIT FILLS: poll below
	*) echo "bench: WAIT FILLS on $sock: $msg; polling the fill queue instead" >&2 ;;
	esac
	for _ in $(seq 1 300); do
		q="$(admin_stat "$sock" cache_fill_queue)"
		if [ "$q" = 0 ] && ! "$cbadmin" -s "$sock" SHOW FILLS 2>/dev/null | grep -Eq '^ *running +\|'; then
			return 0
		fi
		sleep 0.1
	done
	echo "bench: the fill queue of $sock was not empty after 30 s (cache_fill_queue = ${q:-?}); measuring anyway" >&2
}
