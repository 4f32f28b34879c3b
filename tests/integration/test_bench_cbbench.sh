#!/usr/bin/env bash
# bench/cbbench drives the movie database through ODBC (here Debian's
# psqlODBC straight to the throwaway PostgreSQL) in both modes and writes
# its JSON, CSV and warm-up curve (runs inside tests/harness/with-pg.sh).
# --admin: against a stand-in admin socket whose counters make every
# interval's hit ratio exactly 3/4, and against a real cbcached with the
# movie cache group (the ratio is a number when its SHOW STATS has the query
# counter rows, "unavailable" otherwise).
set -uo pipefail
bench="$top_builddir/bench/cbbench"
. "$top_srcdir/tests/harness/tap.sh"

psqlodbc="$(dpkg -L odbc-postgresql | grep '/psqlodbcw.so$' | head -1)"
if [ -z "$psqlodbc" ]; then
	echo "psqlodbcw.so not found: install the Debian package odbc-postgresql (scripts/install-deps.sh)" >&2
	exit 99
fi
conn="DRIVER=$psqlodbc;Servername=$PGHOST;Port=$PGPORT;Database=movies;UID=postgres"
out="$CB_PG_DIR/bench"
mkdir -p "$out"

"$bench" --connect "$conn" --threads 2 --seconds 2 --label simple \
	--mix lookup=40,join2=10,join3=10,in=10,uncached=10,write=20 \
	--json "$out/r.json" --csv "$out/r.csv" --curve "$out/curve.csv" --pid $$ >"$out/simple.txt" 2>&1
check "a simple-protocol run with every statement kind succeeds" test $? -eq 0
"$bench" --connect "$conn" --threads 2 --seconds 2 --label prepared --prepared \
	--mix lookup=40,join2=10,join3=10,in=10,uncached=10,write=20 \
	--json "$out/r.json" --csv "$out/r.csv" >"$out/prepared.txt" 2>&1
check "a prepared run with every statement kind succeeds" test $? -eq 0
cat "$out/simple.txt" "$out/prepared.txt"

check "two JSON records" test "$(wc -l <"$out/r.json")" -eq 2
check "JSON records are valid and report statements without errors" /usr/bin/python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["label"] for r in recs] == ["simple", "prepared"], recs
for r in recs:
    assert r["statements"] > 50 and r["errors"] == 0 and r["rows"] > 0, r
    assert 0 < r["p50_us"] <= r["p95_us"] <= r["p99_us"], r
assert recs[0]["peak_rss_kib"] > 0 and recs[1]["peak_rss_kib"] == -1
' "$out/r.json"
check "CSV has a header and two rows" test "$(wc -l <"$out/r.csv")" -eq 3
check "the curve has per-second rows summing to the statements" /usr/bin/python3 -c '
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
total = sum(int(r["statements"]) for r in rows)
first = json.loads(open(sys.argv[2]).readline())
assert total == first["statements"], (total, first["statements"])
' "$out/curve.csv" "$out/r.json"

# a write really reached the backend
check "writes reached the backend (n_tup_upd > 0)" test \
	"$(psql -X -Atc "SELECT n_tup_upd > 0 FROM pg_stat_user_tables WHERE relname = 'film'")" = t

# an error is reported, not hidden
"$bench" --connect "DRIVER=$psqlodbc;Servername=$PGHOST;Port=$PGPORT;Database=nosuchdb;UID=postgres" \
	--seconds 1 >"$out/bad.txt" 2>&1
st=$?
check "a failing connection gives a non-zero exit" test "$st" -ne 0
check "and says why" grep -q "nosuchdb" "$out/bad.txt"

# the in-process limit: a faithful copy, the same mix, the same records
limit="$top_builddir/bench/sqlite-limit"
"$limit" --pg "$CB_PG_CONNINFO" --db "$out/limit.db" --threads 2 --seconds 1 --json "$out/limit.json" \
	>"$out/limit.txt" 2>&1
check "sqlite-limit runs the default mix without errors" test $? -eq 0
cat "$out/limit.txt"
for t in ort genre regisseur film darsteller darst_film; do
	check "the SQLite copy of $t has the backend's rows" test \
		"$(sqlite3 "$out/limit.db" "SELECT count(*) FROM $t")" = "$(psql -X -Atc "SELECT count(*) FROM $t")"
done
check "the SQLite copy answers the join like the backend" test \
	"$(sqlite3 "$out/limit.db" "SELECT count(*), sum(f.id) FROM regisseur r JOIN film f ON f.regie = r.id JOIN ort o ON o.plz = f.ort WHERE r.id = 1" | tr '|' ' ')" = \
	"$(psql -X -At -F ' ' -c "SELECT count(*), sum(f.id) FROM regisseur r JOIN film f ON f.regie = r.id JOIN ort o ON o.plz = f.ort WHERE r.id = 1")"
check "sqlite-limit's JSON record is valid" /usr/bin/python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).readline())
assert r["target"] == "sqlite-in-process" and r["statements"] > 100 and r["errors"] == 0, r
' "$out/limit.json"
"$limit" --pg "$CB_PG_CONNINFO" --db "$out/limit2.db" --mix lookup=1,write=1 --seconds 1 >"$out/limit-w.txt" 2>&1
st=$?
check "sqlite-limit refuses writes with a reason" test "$st" -eq 2 -a -n "$(grep 'no backend' "$out/limit-w.txt")"

# ---- --admin: the hit ratio from the admin socket ---------------------------
# A stand-in admin socket: reading k reports hits 3k, misses k, backend 0
# (and statements 10k), so every delta has the hit ratio 3/4.
fake="$out/fake-admin.sock"
/usr/bin/python3 -c '
import os, socket, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path + ".tmp")
os.rename(path + ".tmp", path)
s.listen(16)
k = 0
while True:
    c, _ = s.accept()
    data = b""
    while not data.endswith(b"\n"):
        chunk = c.recv(4096)
        if not chunk:
            break
        data += chunk
    k += 1
    if data.strip() == b"SHOW STATS":
        rows = [("statements", 10 * k), ("queries_cache_hits", 3 * k), ("queries_cache_misses", k),
                ("queries_backend", 0), ("cache_fill_queue", 0)]
        reply = "COLUMNS\tname\tvalue\n" + "".join(f"ROW\t{n}\t{v}\n" for n, v in rows) + "OK\n"
    else:
        reply = "ERROR unknown command\n"
    c.sendall(reply.encode())
    c.close()
' "$fake" &
fake_pid=$!
for _ in $(seq 100); do [ -S "$fake" ] && break; sleep 0.05; done
"$bench" --connect "$conn" --threads 2 --seconds 3 --label fake --mix lookup=1 --admin "$fake" \
	--json "$out/fake.json" --csv "$out/fake.csv" --curve "$out/fake-curve.csv" >"$out/fake.txt" 2>&1
check "a run with a stand-in admin socket succeeds" test $? -eq 0
kill "$fake_pid" 2>/dev/null
wait "$fake_pid" 2>/dev/null
cat "$out/fake.txt"
check "the stand-in's hit ratio (3/4) and deltas reach JSON and CSV" /usr/bin/python3 -c '
import csv, json, sys
r = json.loads(open(sys.argv[1]).readline())
assert r["hit_ratio"] == 0.75 and r["hit_ratio_note"] == "", r
k = r["cache_misses"]
assert k >= 1 and r["cache_hits"] == 3 * k and r["backend_queries"] == 0, r
assert r["admin_deltas"]["statements"] == 10 * k and r["admin_deltas"]["cache_fill_queue"] == 0, r
row = list(csv.DictReader(open(sys.argv[2])))[0]
assert float(row["hit_ratio"]) == 0.75 and int(row["cache_hits"]) == 3 * k, row
' "$out/fake.json" "$out/fake.csv"
check "the curve has a hit ratio of 3/4 for every second" /usr/bin/python3 -c '
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) >= 3, rows
assert all(float(x["hit_ratio"]) == 0.75 for x in rows), rows
r = json.loads(open(sys.argv[2]).readline())
# the per-second readings chain from the reading before the run to the
# last one after it: their hits add up to (at most) the run total
assert 0 < sum(int(x["cache_hits"]) for x in rows) <= r["cache_hits"], (rows, r)
' "$out/fake-curve.csv" "$out/fake.json"
check "the summary line states the hit ratio" grep -q "hit ratio 75.0%" "$out/fake.txt"

"$bench" --connect "$conn" --seconds 1 --admin "$out/nosuch.sock" >"$out/noadmin.txt" 2>&1
st=$?
check "an unreachable admin socket gives a non-zero exit" test "$st" -ne 0
check "and names the socket" grep -q "nosuch.sock" "$out/noadmin.txt"

# A real cbcached with the movie cache group, through libcbcacheodbc.
. "$top_srcdir/tests/integration/daemon-lib.sh"
CBD_PORT="$(cbd_free_port)"
cbd_start "cache_db = cache.db
cache_groups = $top_srcdir/examples/movies/movies.cg
cache_database = movies
cache_user = postgres"
# InProcess=0: every statement through cbcached, so its counters account for the whole run (answers given
# in the driver's process reach them asynchronously; test_odbc_inprocess.sh covers those)
cbconn="DRIVER=$top_builddir/odbc-driver/.libs/libcbcacheodbc.so;Socket=$CBD_DIR;Port=$CBD_PORT;Database=movies;UID=postgres;InProcess=0"
"$bench" --connect "$cbconn" --threads 2 --seconds 2 --label cbcache --prepared --admin "$CBD_ADMIN_SOCK" \
	--json "$out/cb.json" --csv "$out/cb.csv" --curve "$out/cb-curve.csv" --pid "$CBD_PID" >"$out/cb.txt" 2>&1
check "a run through cbcached with --admin succeeds" test $? -eq 0
cat "$out/cb.txt"
"$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" --json SHOW STATS >"$out/cb-stats.json"
check "cbcached's JSON record has the hit ratio when SHOW STATS has the query counters, else 'unavailable'" \
	/usr/bin/python3 -c '
import csv, json, sys
r = json.loads(open(sys.argv[1]).readline())
names = {x["name"] for x in json.load(open(sys.argv[2]))["rows"]}
counted = {"queries_cache_hits", "queries_cache_misses", "queries_backend"} <= names
assert r["statements"] > 0 and r["errors"] == 0 and r["peak_rss_kib"] > 0, r
# the daemon counted at least the statements of the run
assert r["admin_deltas"]["statements"] >= r["statements"], r
row = list(csv.DictReader(open(sys.argv[3])))[0]
curve = list(csv.DictReader(open(sys.argv[4])))
if counted:
    total = r["cache_hits"] + r["cache_misses"] + r["backend_queries"]
    assert total > 0 and abs(r["hit_ratio"] - r["cache_hits"] / total) < 1e-3, r
    assert abs(float(row["hit_ratio"]) - r["hit_ratio"]) < 1e-3, row
    # a second whose reading failed has no counts (a loaded machine)
    assert sum(int(x["cache_hits"]) for x in curve if x["cache_hits"]) <= r["cache_hits"], curve
else:
    assert r["hit_ratio"] is None and r["hit_ratio_note"].startswith("unavailable: "), r
    assert r["cache_hits"] is None and row["hit_ratio"] == "unavailable", (r, row)
    assert curve and all(x["hit_ratio"] == "unavailable" for x in curve), curve
print("query counters present:", counted, "hit ratio:", r["hit_ratio"], r["hit_ratio_note"])
' "$out/cb.json" "$out/cb-stats.json" "$out/cb.csv" "$out/cb-curve.csv"
cbd_stop

check_done
