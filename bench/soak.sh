#!/usr/bin/env bash
# soak.sh - cbcached under a long mixed load with a backend restart and a
# SIGHUP: nothing wrong, nothing lost, nothing growing.
#
#   bench/soak.sh [--seconds S] [--clients N] [--scale X] [--out FILE.md]
#
# Starts a throwaway PostgreSQL with the movie database (tests/harness,
# scale 0.5 by default) and cbcached in front of it, and runs bench/soak.py
# for --seconds (default 1800): --clients (default 200) clients connecting
# and disconnecting through cbcached with reads, renames read back and film
# inserts and deletes; writers straight to PostgreSQL; the collector under
# pressure (max_cache_rows = 20000); PostgreSQL restarted at 40 % of the
# time and cbcached sent SIGHUP at 45 %; answers sampled against PostgreSQL.  It
# passes when no answer was wrong, every write was read back, errors came
# only around the restart, RSS, open descriptors and threads stayed flat
# over the second half, and every row and VERIFY were right at the end.
# Writes bench/results/<date>-<host>-soak.md (or --out); exits 1 when it
# failed.  `make soak`.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"

. "$root/bench/lib.sh"
parse_options soak.sh seconds=1800 clients=200 scale=0.5 out= -- "$@"
run_in_pg -soak.md --scale "$scale" -- "$@"

# ---- inside the throwaway PostgreSQL --------------------------------------
ulimit -n 4096 2>/dev/null || true # 200 clients and their backend connections
top_srcdir="$root" top_builddir="$build" exec /usr/bin/python3 "$root/bench/soak.py" \
	--seconds "$seconds" --clients "$clients" --out "$out"
