#!/usr/bin/env bash
# pyodbc with its default settings (autocommit off: every statement runs in
# a transaction our driver opens with BEGIN) through cbcached: the warm
# reads are answered from the cache (doc/cache.md, "Reads inside
# transactions") and equal PostgreSQL's; after a write in the transaction
# the reads go to the backend and see the transaction's own row; after
# commit() they are answered from the cache again with the new value.
set -uo pipefail
. "$top_srcdir/tests/integration/daemon-lib.sh"

cbd_start "cache_db = cache.db
cache_groups = $top_srcdir/examples/movies/movies.cg
cache_database = movies
cache_user = postgres"
dir="$CB_PG_DIR/odbc-pyodbc-cache"
CB_ODBC_SOCKET="$CBD_DIR" CB_ODBC_PORT="$CBD_PORT" env -u LD_PRELOAD bash "$top_srcdir/tests/odbc/odbcini-gen.sh" "$dir" || fail "odbcini-gen"
# a sanitizer build of the driver needs its sanitizer's runtime loaded first (as test_odbc_pyodbc.py does)
preload="$(ldd "$top_builddir/odbc-driver/.libs/libcbcacheodbc.so" | awk '/libasan|libtsan/ {print $3}')"
stats() { "$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" --json SHOW STATS; }
export CBD_ADMIN CBD_ADMIN_SOCK
ODBCSYSINI="$dir" ODBCINI="$dir/odbc.ini" CB_ODBC_SOCKET="$CBD_DIR" CB_ODBC_PORT="$CBD_PORT" \
	LD_PRELOAD="$preload" ASAN_OPTIONS=detect_leaks=0 /usr/bin/python3 - <<'PY' || fail "pyodbc through cbcached"
import json, os, subprocess, sys
import pyodbc

def hits():
    out = subprocess.run([os.environ["CBD_ADMIN"], "-s", os.environ["CBD_ADMIN_SOCK"], "--json", "SHOW", "STATS"],
                         check=True, capture_output=True, text=True, env={"PATH": os.environ["PATH"]}).stdout
    return next(int(r["value"]) for r in json.loads(out)["rows"] if r["name"] == "queries_cache_hits")

def direct(sql, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
    q = sql.replace("?", "%s") % args
    out = subprocess.run([os.environ.get("PSQL", "psql"), "-X", "-q", "-A", "-t", "-F", "|", "-c", q],
                         check=True, capture_output=True, text=True, env=env).stdout
    return [tuple(line.split("|")) for line in out.splitlines()]

def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)

cn = pyodbc.connect("DSN=cbtest")
if cn.autocommit:
    fail("pyodbc's default should be autocommit off")
cur = cn.cursor()
LOOK = "SELECT id, vname, nname, wohnort FROM regisseur WHERE id = ?"
ids = [r[0] for r in cur.execute("SELECT id FROM regisseur ORDER BY id LIMIT 20").fetchall()]
for i in ids:
    cur.execute(LOOK, i).fetchall()
cn.commit()
subprocess.run([os.environ["CBD_ADMIN"], "-s", os.environ["CBD_ADMIN_SOCK"], "WAIT", "FILLS", "30000"],
               check=True, capture_output=True)

def rows(i):
    return [tuple("" if v is None else str(v) for v in r) for r in cur.execute(LOOK, i).fetchall()]

h0 = hits()
n = 0
for rnd in range(5):
    for i in ids:
        got = rows(i)
        if got != direct(LOOK, i):
            fail("director %d: %r through cbcached, %r straight" % (i, got, direct(LOOK, i)))
        n += 1
    cn.commit()
warm = hits() - h0
print("ok - pyodbc, autocommit off: %d of %d warm lookups answered from the cache" % (warm, n))
if warm < n * 0.95:
    print(subprocess.run([os.environ["CBD_ADMIN"], "-s", os.environ["CBD_ADMIN_SOCK"], "SHOW", "QUERIES"],
                         capture_output=True, text=True, env={"PATH": os.environ["PATH"]}).stdout, file=sys.stderr)
    fail("only %d of %d warm lookups in READ COMMITTED transactions were cache hits" % (warm, n))

i = ids[0]
old = rows(i)[0]
cur.execute("UPDATE regisseur SET nname = 'pyodbc' WHERE id = ?", i)
h1 = hits()
if rows(i)[0][2] != "pyodbc":
    fail("the transaction does not read its own write")
if rows(ids[1]) != direct(LOOK, ids[1]) or hits() != h1:
    fail("after a write the transaction's reads must come from the backend")
print("ok - after a write the transaction reads its own row from the backend")
cn.commit()
h2 = hits()
if rows(i)[0][2] != "pyodbc" or hits() != h2 + 1:
    fail("after commit the next transaction reads the new row from the cache")
print("ok - after the commit the new row comes from the cache")
cur.execute("UPDATE regisseur SET nname = ? WHERE id = ?", old[2], i)
cn.commit()
cn.close()
PY
cbd_stop
echo "ok: pyodbc's default transactions are answered from the cache"
