#!/usr/bin/env bash
# bench/latency-proxy forwards PostgreSQL's protocol unchanged and adds its
# delay in both directions (runs inside tests/harness/with-pg.sh).
set -uo pipefail
proxy="$top_builddir/bench/latency-proxy"
. "$top_srcdir/tests/harness/tap.sh"

free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		grep -q . <<<"$(ss -Hltn "sport = :$p")" || { echo "$p"; return 0; }
	done
	return 1
}

start_proxy() { # start_proxy DELAY_MS -> sets lport, ppid_
	lport="$(free_port)"
	"$proxy" -q -l "$lport" -t "127.0.0.1:$PGPORT" -d "$1" &
	ppid_=$!
	for _ in $(seq 1 100); do
		grep -q . <<<"$(ss -Hltn "sport = :$lport")" && return 0
		sleep 0.05
	done
	echo "latency-proxy did not start listening" >&2
	return 1
}

trap 'kill $ppid_ 2>/dev/null' EXIT

# no delay: the answer equals the direct one
start_proxy 0 || exit 1
direct="$(psql -X -Atc "SELECT id, name FROM genre ORDER BY id")"
via="$(psql -X -h 127.0.0.1 -p "$lport" -Atc "SELECT id, name FROM genre ORDER BY id")"
check "answers through the proxy equal direct answers" test "$direct" = "$via"
big_direct="$(psql -X -Atc "SELECT md5(string_agg(f::text, '|' ORDER BY id)) FROM film f, generate_series(1, 3)")"
big_via="$(psql -X -h 127.0.0.1 -p "$lport" -Atc "SELECT md5(string_agg(f::text, '|' ORDER BY id)) FROM film f, generate_series(1, 3)")"
check "a large result passes unchanged" test "$big_direct" = "$big_via"
copy_via="$(psql -X -h 127.0.0.1 -p "$lport" -Atc "COPY (SELECT * FROM darst_film ORDER BY did, fid) TO STDOUT" | md5sum)"
copy_direct="$(psql -X -Atc "COPY (SELECT * FROM darst_film ORDER BY did, fid) TO STDOUT" | md5sum)"
check "COPY out passes unchanged" test "$copy_direct" = "$copy_via"
kill "$ppid_"
wait "$ppid_" 2>/dev/null

# 40 ms each way: a query's round trip takes at least 80 ms
start_proxy 40 || exit 1
ms="$(psql -X -h 127.0.0.1 -p "$lport" -At -c '\timing on' -c 'SELECT 1' | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')"
check "a round trip through a 40 ms proxy takes at least 80 ms (took ${ms:-?} ms)" \
	awk -v ms="${ms:-0}" 'BEGIN { exit !(ms >= 80) }'

check_done
