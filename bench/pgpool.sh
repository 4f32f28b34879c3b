#!/usr/bin/env bash
# pgpool.sh - pgpool-II with its in-memory query cache, for the benchmark.
#
#   bench/pgpool.sh start DIR BACKEND_HOST BACKEND_PORT PORT
#   bench/pgpool.sh stop DIR
#
# Writes a configuration into DIR and starts pgpool-II (Debian's pgpool2)
# in raw mode in front of one PostgreSQL, listening only on the UNIX socket
# DIR/.s.PGSQL.PORT, with memory_cache_enabled = on (shared memory).  The
# process runs until `stop`.  Nothing outside DIR is touched.
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: pgpool.sh start DIR BACKEND_HOST BACKEND_PORT PORT | stop DIR" >&2; exit 2; }
pgpool_bin="$(command -v pgpool || echo /usr/sbin/pgpool)"
[ -x "$pgpool_bin" ] || { echo "pgpool.sh: pgpool not found: install the Debian package pgpool2 (scripts/install-deps.sh --bench)" >&2; exit 1; }

case "$cmd" in
start)
	host="$3" bport="$4" port="$5"
	mkdir -p "$dir/oiddir"
	cat >"$dir/pgpool.conf" <<CONF
backend_clustering_mode = 'raw'
listen_addresses = ''
port = $port
socket_dir = '$dir'
pcp_listen_addresses = ''
pcp_port = $((port + 1))
pcp_socket_dir = '$dir'
backend_hostname0 = '$host'
backend_port0 = $bport
backend_weight0 = 1
backend_flag0 = 'DISALLOW_TO_FAILOVER'
num_init_children = 16
max_pool = 2
connection_cache = on
pid_file_name = '$dir/pgpool.pid'
logdir = '$dir'
enable_pool_hba = off
load_balance_mode = off
sr_check_period = 0
health_check_period = 0
use_watchdog = off
memory_cache_enabled = on
memqcache_method = 'shmem'
memqcache_total_size = 64MB
memqcache_max_num_cache = 100000
memqcache_expire = 0
memqcache_auto_cache_invalidation = on
memqcache_maxcache = 400kB
memqcache_oiddir = '$dir/oiddir'
log_min_messages = warning
CONF
	: >"$dir/pcp.conf"
	: >"$dir/pool_hba.conf"
	"$pgpool_bin" -n -f "$dir/pgpool.conf" -F "$dir/pcp.conf" -a "$dir/pool_hba.conf" >"$dir/pgpool.log" 2>&1 &
	echo $! >"$dir/pgpool.bgpid"
	for _ in $(seq 1 200); do
		[ -S "$dir/.s.PGSQL.$port" ] && exit 0
		kill -0 "$(cat "$dir/pgpool.bgpid")" 2>/dev/null || break
		sleep 0.05
	done
	echo "pgpool.sh: pgpool did not start; its log:" >&2
	tail -n 30 "$dir/pgpool.log" >&2
	exit 1
	;;
stop)
	if [ -f "$dir/pgpool.bgpid" ]; then
		pid="$(cat "$dir/pgpool.bgpid")"
		kill -INT "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -9 "$pid" 2>/dev/null || true
		rm -f "$dir/pgpool.bgpid"
	fi
	;;
*)
	echo "usage: pgpool.sh start DIR BACKEND_HOST BACKEND_PORT PORT | stop DIR" >&2
	exit 2
	;;
esac
