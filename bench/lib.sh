# shellcheck shell=bash
# lib.sh - helpers shared by bench/run.sh and bench/profile.sh (sourced,
# not run).  Expects $root and $build to be set; the helpers that start or
# ask cbcached run inside tests/harness/with-pg.sh, with $work set too.
#
#   parse_options, wait_cbcached     from scripts/lib.sh (sourced here)
#   run_in_pg SUFFIX [WITH-PG-OPTION...] -- ARG...
#                                    unless --inner: build with the
#                                    benchmarks, default $out to
#                                    bench/results/<date>-<host>SUFFIX and
#                                    run the script again with ARG... and
#                                    --inner --out $out in a throwaway
#                                    PostgreSQL (tests/harness/with-pg.sh);
#                                    with --inner, --out must be given
#   free_port                        a TCP port nobody listens on
#   cbcached_start DIR HOST PORT [EXTRA-LINES]
#                                    cbcached with the movie cache group in
#                                    DIR (its config, cache, log, admin.sock,
#                                    EXTRA-LINES added to its config),
#                                    backend HOST:PORT; sets cbd_pid (also
#                                    when it fails), writes DIR/pid and
#                                    DIR/port and waits (wait_cbcached)
#                                    until its admin socket answers
#   cbcached_conn DIR                the ODBC connection string to the
#                                    cbcached in DIR, through $cbdriver
#   admin_stat SOCKET NAME           a SHOW STATS row's value ("" if absent)
#   pgbench_tps TARGET FILE MODE     one pgbench run of script FILE (-M MODE,
#                                    $clients clients, $seconds seconds, on
#                                    movies) against TARGET: "direct" (the
#                                    harness's PostgreSQL) or a directory
#                                    holding the socket and a file "port" (a
#                                    cbcached_start DIR, pgpool); its tps
#   interleave "QS" "MODES" "TARGETS" FN
#                                    for $rounds rounds, FN Q MODE TARGET
#                                    ROUND for every statement, mode and
#                                    target, the targets innermost (machine
#                                    drift hits them alike); FN appends its
#                                    line to $work/runs (emptied first)
#   load_directors DIR               a read of every director through the
#                                    cbcached in DIR (cbcached_start), the
#                                    fills drained; prints how many of the
#                                    directors' fill values are loaded
#   wait_fills SOCKET                wait (at most 30 s) until the fill queue
#                                    is empty: WAIT FILLS, or polling SHOW
#                                    STATS and SHOW FILLS where the daemon
#                                    has no WAIT FILLS

: "${root:?}" "${build:?set root and build before sourcing bench/lib.sh}"
cbadmin="$build/src/cbcache-admin"
cbdriver="$build/odbc-driver/.libs/libcbcacheodbc.so"
# shellcheck source=../scripts/lib.sh
. "$root/scripts/lib.sh"

run_in_pg() {
	local suffix="$1"
	shift
	if [ "$inner" -eq 1 ]; then
		[ -n "$out" ] || { echo "$prog: --inner needs --out FILE" >&2; exit 2; }
		return 0
	fi
	CB_BUILD_DIR="$build" "$root/scripts/build.sh" --bench
	[ -n "$out" ] || out="$root/bench/results/$(date +%Y-%m-%d)-$(hostname -s)$suffix"
	mkdir -p "$(dirname "$out")"
	in_pg "$@" --out "$out"
}

free_port() {
	local p
	: "${work:?set work before calling free_port}"
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

# cbcached_conf DIR HOST BPORT PORT [EXTRA-LINES]: DIR/cbcache.conf for the
# movie cache group, listening in DIR on PORT, backend HOST:BPORT.
cbcached_conf() {
	cat >"$1/cbcache.conf" <<CONF
[cbcache]
listen_dir = $1
listen_port = $4
admin_socket = $1/admin.sock
backend = host=$2 port=$3
cache_db = $1/cache.db
cache_groups = $root/examples/movies/movies.cg
cache_database = movies
cache_user = postgres
log_file = $1/cbcached.log
log_level = warning
${5:-}
CONF
}

cbcached_start() {
	local dir="$1" host="$2" bport="$3" port
	mkdir -p "$dir"
	port="$(free_port)"
	cbcached_conf "$dir" "$host" "$bport" "$port" "${4:-}"
	${CBCACHED_WRAP:-} "$build/src/cbcached" -c "$dir/cbcache.conf" 2>>"$dir/stderr" &
	cbd_pid=$!
	echo "$cbd_pid" >"$dir/pid"
	echo "$port" >"$dir/port"
	wait_cbcached bench "$cbadmin" "$dir/admin.sock" "$cbd_pid" "$dir/cbcached.log" "$dir/stderr"
}

cbcached_conn() {
	echo "DRIVER=$cbdriver;Socket=$1;Port=$(cat "$1/port");Database=movies;UID=postgres"
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

# wait_stream SOCK: until the change stream has applied everything committed before now, at most 120 s:
# a writer run before leaves a backlog the next run's commits would wait on.  A transactional logical
# message marks now; its transaction's end is applied once repl_applied_lsn reaches the message.
wait_stream() {
	local target applied=""
	target="$(psql -X -A -t -d movies -v ON_ERROR_STOP=1 \
		-c "SELECT pg_catalog.pg_logical_emit_message(true, 'cbcache-bench', 'mark') - '0/0'::pg_lsn")" || {
		echo "bench: cannot mark the WAL position to wait for" >&2
		return 0
	}
	target="${target%%.*}"
	for _ in $(seq 1 1200); do
		applied="$(admin_stat "$1" repl_applied_lsn)"
		[ -n "$applied" ] && [ "$applied" -ge "$target" ] && return 0
		sleep 0.1
	done
	echo "bench: the change stream of $1 applied up to $applied, not $target, within 120 s" >&2
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

load_directors() {
	psql -X -Atc "SELECT 'SELECT id FROM regisseur WHERE id = ' || id || ';' FROM regisseur ORDER BY id" |
		psql -X -q -h "$1" -p "$(cat "$1/port")" -d movies -U postgres >/dev/null
	wait_fills "$1/admin.sock"
	"$cbadmin" -s "$1/admin.sock" --json SHOW CONTROLS | /usr/bin/python3 -c '
import json, sys
rows = json.load(sys.stdin)["rows"]
print(next(r["values_loaded"] for r in rows if r["fill_column"] == "regisseur.id"))'
}

pgbench_tps() {
	local host="$PGHOST" port="$PGPORT"
	if [ "$1" != direct ]; then
		host="$1"
		port="$(cat "$1/port")"
	fi
	pgbench -n -h "$host" -p "$port" -c "$clients" -j "$clients" -T "$seconds" -M "$3" -f "$2" movies 2>&1 |
		awk '/^tps = / {print $3; exit}'
}

interleave() {
	local q m t r
	: >"$work/runs"
	for r in $(seq 1 "$rounds"); do
		for q in $1; do
			for m in $2; do
				for t in $3; do
					"$4" "$q" "$m" "$t" "$r"
				done
			done
		done
	done
}
