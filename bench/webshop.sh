#!/usr/bin/env bash
# webshop.sh - pages per second of the web shop (examples/webshop/) with
# the DSN through cbcached and straight to PostgreSQL, side by side.
#
#   bench/webshop.sh [--seconds S] [--rounds R] [--workers "1 2"]
#                    [--connect "fresh persistent"] [--delays "0 1"]
#                    [--scale N] [--out FILE.md]
#
# Starts a throwaway PostgreSQL with the shop (examples/shop/, scale N,
# default 1), cbcached with the shop's cache group, and for each php -S
# worker count (1: plain php -S, one process; W > 1: PHP_CLI_SERVER_WORKERS)
# and connection mode (fresh: a new connection per page, PHP's and
# examples/webshop's default; persistent: each PHP process keeps its PDO
# connection, SHOP_PERSISTENT=1) two sites: the DSN through cbcached and straight
# to PostgreSQL.  For each backend delay D in ms (0: both reach PostgreSQL
# on its UNIX socket; D > 0: both reach it through bench/latency-proxy on
# loopback, D ms each way, a backend on another host) a cbcached of its own.  The load tool is wrk (Debian package wrk), one thread,
# 2 x W connections, over a fixed mix of the read pages (10 % front page,
# 30 % category pages, 45 % product pages, 15 % customer pages; ids skewed
# towards a hot set; see mix_paths below).  The cache is measured warm:
# every page of the mix is fetched once and the fills are drained (WAIT
# FILLS) before the rounds.  Rounds interleave the two sites (their order
# alternates) so that drift on the machine hits both alike.  Prints, and
# writes to FILE.md (default bench/results/<date>-<host>-webshop.md), the
# median pages/s, median latency p50/p99 over the rounds, the ratio
# cbcached/direct and the share of statements answered from the cache.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"
# shellcheck source=lib.sh
. "$root/bench/lib.sh"
parse_options bench/webshop.sh seconds=10 rounds=3 workers="1 2" connect="fresh persistent" delays="0 1" scale=1 \
	out= -- "$@"
run_in_pg -webshop.md --no-data -- "$@"

# ---- inside the throwaway PostgreSQL ----------------------------------------
command -v wrk >/dev/null || { echo "bench/webshop.sh: wrk not found: install the Debian package wrk (scripts/install-deps.sh --bench)" >&2; exit 1; }
export WS_ROOT="$root" WS_BUILD="$build"
# shellcheck source=../examples/webshop/webshop-lib.sh
. "$root/examples/webshop/webshop-lib.sh"
trap ws_stop_all EXIT
work="$CB_PG_DIR/bench"
mkdir -p "$work"
admin() { "$build/src/cbcache-admin" -s "$WS_ADMIN_SOCK" "$@"; }
stat_value() { admin --json SHOW STATS | /usr/bin/python3 -c '
import json, sys
print(next(r["value"] for r in json.load(sys.stdin)["rows"] if r["name"] == sys.argv[1]))' "$1"; }

echo "bench: loading the shop at scale $scale"
ws_load_shop "$scale"

# The mix: 400 paths, the same for every scale's data and every run (the
# ids are hashes of the position, skewed with powers of a uniform number).
mix_paths() {
	psql -X -q -A -t -d shop -v ON_ERROR_STOP=1 <<'SQL'
CREATE TEMP TABLE n AS
SELECT (SELECT max(id) FROM product) AS products, (SELECT max(id) FROM customer) AS customers;
CREATE FUNCTION pg_temp.u(salt text, i bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT ('x' || substr(md5(salt || ':' || i::text), 1, 8))::bit(32)::bigint / 4294967296.0
$$;
-- subcategories with their number of pages (12 products a page)
CREATE TEMP TABLE cats AS
SELECT row_number() OVER (ORDER BY c.id) AS k, c.id, greatest(1, (count(p.id) + 11) / 12) AS pages
FROM category c LEFT JOIN product p ON p.category_id = c.id
WHERE c.parent_id IS NOT NULL GROUP BY c.id;
SELECT path FROM (
    SELECT i, CASE
        WHEN i % 10 = 0 THEN '/index.php'
        WHEN i % 10 IN (1, 4, 7) THEN
            (SELECT '/category.php?id=' || c.id
                    || CASE WHEN pg_temp.u('sort', i) < 0.1 THEN '&sort=name'
                            WHEN pg_temp.u('sort', i) < 0.2 THEN '&sort=price' ELSE '' END
                    || '&page=' || 1 + floor(least(c.pages, 3) * pg_temp.u('page', i))::int
             FROM cats c WHERE c.k = 1 + floor((SELECT count(*) FROM cats) * pg_temp.u('cat', i) ^ 1.5)::int)
        WHEN i % 10 IN (2, 5, 8, 9) OR (i % 10 = 3 AND i % 20 = 3) THEN
            '/product.php?id=' || 1 + floor(n.products * pg_temp.u('product', i) ^ 2)::int
        ELSE '/customer.php?id=' || 1 + floor(n.customers * pg_temp.u('customer', i) ^ 2)::int
    END AS path
    FROM n, generate_series(1, 400) AS i
) m ORDER BY i;
SQL
}
mix_paths >"$work/paths.txt"
{
	echo "-- the page mix of bench/webshop.sh (generated): one path after the other"
	echo "local paths = {"
	sed 's/.*/  "&",/' "$work/paths.txt"
	echo "}"
	echo "local i = 0"
	echo "request = function()"
	echo "  i = i % #paths + 1"
	echo "  return wrk.format(\"GET\", paths[i])"
	echo "end"
} >"$work/mix.lua"
echo "bench: the mix has $(wc -l <"$work/paths.txt") paths: $(cut -d'?' -f1 "$work/paths.txt" | sort | uniq -c | awk '{ printf "%s %s, ", $1, $2 }' | sed 's/, $//')"

# run_wrk URL CONNECTIONS LABEL: one measurement; prints "pages/s p50_ms p99_ms"
run_wrk() {
	local url="$1" conns="$2" label="$3" f="$work/$3.wrk"
	wrk -t 1 -c "$conns" -d "${seconds}s" --latency -s "$work/mix.lua" "$url" >"$f" 2>&1 ||
		{ echo "bench: wrk failed for $label:" >&2; cat "$f" >&2; return 1; }
	if grep -q "Non-2xx or 3xx responses" "$f"; then
		echo "bench: $label answered some pages with an error status:" >&2
		cat "$f" >&2
		return 1
	fi
	/usr/bin/python3 - "$f" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(v):
    n, u = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1))
print(f"{rps:.1f} {p50:.2f} {p99:.2f}")
PY
}

results="$work/results.txt"
: >"$results"
for delay in $delays; do
	# the backend at this delay: PostgreSQL's socket, or a delay proxy
	backend_host="$PGHOST" backend_port="$PGPORT"
	proxy_pid=""
	if [ "$delay" != 0 ]; then
		backend_host=127.0.0.1
		for _ in 1 2 3 4 5; do
			backend_port="$(ws_free_port)"
			"$build/bench/latency-proxy" -q -l "$backend_port" -t "127.0.0.1:$PGPORT" -d "$delay" &
			proxy_pid=$!
			for _ in $(seq 1 100); do
				ss -Hltn "sport = :$backend_port" | grep -q . && break
				kill -0 "$proxy_pid" 2>/dev/null || break
				sleep 0.05
			done
			if ss -Hltn "sport = :$backend_port" | grep -q .; then
				WS_PIDS+=("$proxy_pid")
				break
			fi
			wait "$proxy_pid" 2>/dev/null || true # the port was taken meanwhile: another
			proxy_pid=""
		done
		[ -n "$proxy_pid" ] || { echo "bench: the delay proxy did not start" >&2; exit 1; }
	fi
	PGHOST="$backend_host" PGPORT="$backend_port" ws_start_cbcached "$CB_PG_DIR/cbcache-$delay"
	PGHOST="$backend_host" PGPORT="$backend_port" ws_odbc_ini "$CB_PG_DIR/odbc-$delay"
	for w in $workers; do
		for mode in $connect; do
			persistent=1
			[ "$mode" = fresh ] && persistent=0
			# both sites for this setting; the environment reaches the scripts
			export SHOP_PERSISTENT="$persistent"
			ws_start_php "cache-$delay-$w-$mode" shop "$WS_ADMIN_SOCK" "$w"
			cache_url="http://127.0.0.1:$WS_PHP_PORT"
			cache_pid="$WS_PHP_PID"
			ws_start_php "direct-$delay-$w-$mode" shop-direct "" "$w"
			direct_url="http://127.0.0.1:$WS_PHP_PORT"
			direct_pid="$WS_PHP_PID"
			unset SHOP_PERSISTENT
			# warm: every page of the mix once through cbcached, then the fills
			while read -r p; do
				curl -s -f -o /dev/null "$cache_url$p" || { echo "bench: $p failed through cbcached" >&2; exit 1; }
			done <"$work/paths.txt"
			admin WAIT FILLS 120000 >/dev/null
			conns=$((2 * w))
			for r in $(seq 1 "$rounds"); do
				order="cache direct"
				[ $((r % 2)) -eq 0 ] && order="direct cache"
				for target in $order; do
					if [ "$target" = cache ]; then
						h0="$(stat_value queries_cache_hits)"
						m0="$(stat_value queries_cache_misses)"
						b0="$(stat_value queries_backend)"
						i0="$(stat_value cache_invalidations)"
						res="$(run_wrk "$cache_url" "$conns" "cache-$delay-$w-$mode-$r")"
						h1="$(stat_value queries_cache_hits)"
						m1="$(stat_value queries_cache_misses)"
						b1="$(stat_value queries_backend)"
						i1="$(stat_value cache_invalidations)"
						hr="$(awk -v h=$((h1 - h0)) -v a=$((h1 - h0 + m1 - m0 + b1 - b0)) 'BEGIN { printf "%.3f", a ? h / a : 0 }')"
						inv=$((i1 - i0))
					else
						res="$(run_wrk "$direct_url" "$conns" "direct-$delay-$w-$mode-$r")"
						hr="-"
						inv="-"
					fi
					echo "$delay $w $mode $target $r $res $hr $inv $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$results"
				done
			done
			ws_stop "$cache_pid"
			ws_stop "$direct_pid"
		done
	done
	ws_stop "$WS_CBD_PID"
	[ -z "$proxy_pid" ] || ws_stop "$proxy_pid"
done

/usr/bin/python3 - "$results" "$out" "$scale" "$seconds" "$rounds" "$(nproc)" "$(wc -l <"$work/paths.txt")" "$(php -r 'echo PHP_VERSION;')" <<'PY'
import statistics, sys, platform, datetime
path, out, scale, seconds, rounds, cores, npaths, php = sys.argv[1:]
rows = [l.split() for l in open(path) if l.strip()]
keys = []
for d, w, mode, target, *_ in rows:
    if (d, w, mode) not in keys:
        keys.append((d, w, mode))
def med(key, target, col):
    v = [float(r[col]) for r in rows if tuple(r[:3]) == key and r[3] == target and r[col] != "-"]
    return statistics.median(v) if v else float("nan")
lines = []
lines.append(f"# Web shop: pages per second, through cbcached and straight to PostgreSQL")
lines.append("")
lines.append(f"{datetime.date.today()} on {platform.node()} ({cores} cores), bench/webshop.sh: shop at scale {scale}, "
             f"php -S (PHP {php}), wrk one thread, {seconds} s per run, "
             f"{rounds} interleaved rounds, warm cache, a mix of {npaths} read pages "
             "(10 % front page, 30 % category pages, 45 % product pages, 15 % customer pages).")
lines.append("")
lines.append("| backend delay | php -S workers | connections | DSN | pages/s (median) | p50 ms | p99 ms | cbcached/direct | statements from the cache |")
lines.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for key in keys:
    d_ms, w, mode = key
    c, d = med(key, "cache", 5), med(key, "direct", 5)
    for target in ("cache", "direct"):
        name = "through cbcached" if target == "cache" else "straight to PostgreSQL"
        ratio = f"{c / d:.2f}x" if target == "cache" and d else ""
        hr = f"{100 * med(key, 'cache', 8):.1f} %" if target == "cache" else ""
        lines.append(f"| {d_ms} ms | {w} | {mode} | {name} | {med(key, target, 5):.0f} | {med(key, target, 6):.2f} | "
                     f"{med(key, target, 7):.2f} | {ratio} | {hr} |")
lines.append("")
lines.append("Every run: `delay_ms workers mode target round pages/s p50_ms p99_ms hit_ratio invalidations load_average_1min`")
lines.append("(hit ratio: statements answered from the cache / all statements, from SHOW STATS; invalidations: "
             "cache_invalidations during the run, 0 for a read-only mix; the load average shows the other "
             "work on the machine):")
lines.append("")
lines.append("```")
lines.extend(" ".join(r) for r in rows)
lines.append("```")
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print()
print(text)
PY
echo "bench: written to $out"
