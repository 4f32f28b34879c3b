#!/usr/bin/env bash
# bench/cbbench drives the movie database through ODBC (here Debian's
# psqlODBC straight to the throwaway PostgreSQL) in both modes and writes
# its JSON, CSV and warm-up curve (runs inside tests/harness/with-pg.sh).
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

check_done
