#!/usr/bin/env bash
# with-pg.sh - run a command against a throwaway PostgreSQL 15.
#
#   tests/harness/with-pg.sh [--scale N] [--no-data] [--keep-on-failure] -- COMMAND [ARGS...]
#
# Starts a fresh cluster in a new temporary directory, on its own port and
# UNIX socket directory, loads the movie database (examples/movies) at the
# given scale (default $PGH_SCALE or 0.2), runs COMMAND with these
# variables exported, then stops the server and removes the directory,
# also when COMMAND fails or the run is interrupted:
#
#   PGHOST PGPORT PGUSER PGDATABASE   for libpq and psql (UNIX socket)
#   CB_PG_CONNINFO                    the same as a libpq conninfo string
#   CB_PG_DIR                         the temporary directory
#   CB_PG_DATA CB_PG_LOG              data directory and server log
#   CB_PG_BINDIR                      initdb, pg_ctl, postgres
#   CB_PG_SCALE                       the movie database's scale
#
# The cluster has wal_level=logical and replication slots, so change
# propagation can be tested without a new harness.  Authentication: local
# connections are trusted, except for members of the role `pwusers`, who
# must give their password (scram-sha-256), and of `pwplain` (password, in
# clear text); TCP on 127.0.0.1 likewise.
#
# When the caller is root, the server runs as the `postgres` user (the
# server refuses to run as root).  If the server cannot start, the server
# log is printed and the exit status is 99 (a hard error to automake's test
# driver), never a skip.
#
# Exit status: COMMAND's, or 99 when the harness itself failed.
set -uo pipefail

scale="${PGH_SCALE:-0.2}"
load_data=1
keep_on_failure=0
while [ $# -gt 0 ]; do
	case "$1" in
	--scale) scale="$2"; shift 2 ;;
	--no-data) load_data=0; shift ;;
	--keep-on-failure) keep_on_failure=1; shift ;;
	--) shift; break ;;
	-h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) break ;;
	esac
done
if [ $# -eq 0 ]; then
	echo "with-pg: no command given; usage: with-pg.sh [--scale N] -- COMMAND [ARGS...]" >&2
	exit 99
fi

here="$(cd "$(dirname "$0")" && pwd)"
srcroot="${top_srcdir:-$(cd "$here/../.." && pwd)}"

die() {
	echo "with-pg: $*" >&2
	exit 99
}

# --- find the server programs ------------------------------------------
bindir="${PG_BINDIR:-}"
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	for d in "$(pg_config --bindir 2>/dev/null)" /usr/lib/postgresql/15/bin; do
		if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			bindir="$d"
			break
		fi
	done
fi
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] ||
	die "initdb not found: install the Debian package postgresql-15 (scripts/install-deps.sh)"
psql="${PSQL:-psql}"
command -v "$psql" >/dev/null || die "psql not found: install the Debian package postgresql-client-15"

# --- run server commands as postgres when we are root ----------------------
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' user (Debian package postgresql-common creates it)"
	as_pg() { runuser -u postgres -- "$@"; }
else
	as_pg() { "$@"; }
fi

# --- temporary directory and cleanup -------------------------------------
tmpbase="${TMPDIR:-/tmp}"
dir="$(mktemp -d "$tmpbase/cbcache-pg.XXXXXX")" || die "cannot create a temporary directory in $tmpbase"
chmod 755 "$dir"
data="$dir/data"
sock="$dir/sock"
log="$dir/server.log"
mkdir "$sock"
if [ "$(id -u)" -eq 0 ]; then
	chown postgres "$dir" "$sock"
fi

started=0
status=99
cleanup() {
	trap - EXIT INT TERM HUP
	if [ "$started" -eq 1 ]; then
		as_pg "$bindir/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
			echo "with-pg: pg_ctl stop failed; see $log" >&2
		# make sure no postmaster survives
		if [ -f "$data/postmaster.pid" ]; then
			pid="$(head -1 "$data/postmaster.pid" 2>/dev/null)"
			[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
		fi
	fi
	if [ "$keep_on_failure" -eq 1 ] && [ "$status" -ne 0 ]; then
		echo "with-pg: kept $dir for inspection" >&2
	else
		rm -rf "$dir"
	fi
	exit "$status"
}
trap 'status=130; cleanup' INT
trap 'status=143; cleanup' TERM
trap 'status=129; cleanup' HUP
trap 'cleanup' EXIT

show_log() {
	echo "with-pg: ---- server log ($log) ----" >&2
	[ -f "$log" ] && tail -n 50 "$log" >&2
	echo "with-pg: ---- end of server log ----" >&2
}

# --- initdb ------------------------------------------------------------
if ! as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 \
	--lc-collate="${PGH_LC_COLLATE:-C}" --lc-ctype="${PGH_LC_CTYPE:-C.UTF-8}" \
	--no-instructions >"$dir/initdb.log" 2>&1; then
	cat "$dir/initdb.log" >&2
	die "initdb failed"
fi

cat >"$data/pg_hba.conf" <<HBA
# written by tests/harness/with-pg.sh
local   all   +pwusers                 scram-sha-256
local   all   +pwplain                 password
local   all   all                      trust
host    all   +pwusers   127.0.0.1/32  scram-sha-256
host    all   +pwplain   127.0.0.1/32  password
host    all   all        127.0.0.1/32  trust
local   replication all                trust
host    replication all  127.0.0.1/32  trust
HBA

cat >>"$data/postgresql.conf" <<CONF
# --- tests/harness/with-pg.sh ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
max_connections = ${PGH_MAX_CONNECTIONS:-600}
shared_buffers = 128MB
wal_level = logical
max_replication_slots = 10
max_wal_senders = 10
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
password_encryption = 'scram-sha-256'
CONF
if [ -n "${PGH_EXTRA_CONF:-}" ]; then
	printf '%s\n' "$PGH_EXTRA_CONF" >>"$data/postgresql.conf"
fi

# --- start on a free port (retry when another process took it) ----------
port_in_use() {
	# the socket file of another cluster, or a TCP listener on 127.0.0.1
	grep -q . <<<"$(ss -Hltn "sport = :$1" 2>/dev/null)" && return 0
	return 1
}
for attempt in 1 2 3 4 5 6 7 8; do
	port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
	port_in_use "$port" && continue
	sed -i "/^port = /d" "$data/postgresql.conf"
	echo "port = $port" >>"$data/postgresql.conf"
	if as_pg "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 start >"$dir/pg_ctl.log" 2>&1; then
		started=1
		break
	fi
	if ! grep -q "Address already in use\|could not bind\|could not create lock file" "$log" 2>/dev/null; then
		cat "$dir/pg_ctl.log" >&2
		show_log
		die "PostgreSQL did not start"
	fi
done
[ "$started" -eq 1 ] || { show_log; die "PostgreSQL did not start: no free port after 8 attempts"; }

export PGHOST="$sock" PGPORT="$port" PGUSER=postgres PGDATABASE=movies
export CB_PG_CONNINFO="host=$sock port=$port user=postgres dbname=movies"
export CB_PG_DIR="$dir" CB_PG_DATA="$data" CB_PG_LOG="$log" CB_PG_BINDIR="$bindir" CB_PG_SCALE="$scale"

# --- the movie database ----------------------------------------------------
if ! "$psql" -X -q -d postgres -v ON_ERROR_STOP=1 \
	-c "CREATE DATABASE movies" -c "CREATE ROLE pwusers NOLOGIN" -c "CREATE ROLE pwplain NOLOGIN" >"$dir/load.log" 2>&1; then
	cat "$dir/load.log" >&2
	show_log
	die "could not create the movies database"
fi
if [ "$load_data" -eq 1 ]; then
	if ! "$psql" -X -q -v ON_ERROR_STOP=1 -f "$srcroot/examples/movies/schema.sql" \
		-v scale="$scale" -f "$srcroot/examples/movies/generate.sql" >"$dir/load.log" 2>&1; then
		cat "$dir/load.log" >&2
		show_log
		die "loading the movie database failed"
	fi
fi

# --- the command -------------------------------------------------------
"$@"
status=$?
if [ "$status" -ne 0 ] && [ -s "$log" ] && grep -q "ERROR\|FATAL\|PANIC" "$log"; then
	echo "with-pg: the command failed ($status); server log messages follow" >&2
	grep "ERROR\|FATAL\|PANIC" "$log" | tail -n 20 >&2
fi
exit "$status"
