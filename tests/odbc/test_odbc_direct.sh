#!/usr/bin/env bash
# Misses and writes on the driver's own backend connection (inproc.h,
# "Direct"; doc/cache.md): cbcached offers direct_backend, so our driver
# answers warm reads from the cache file and sends everything else
# straight to PostgreSQL.  What the test holds it to:
#  - cbcached sees none of the connection's statements (its statement
#    count does not move), and the answers equal PostgreSQL's, cold and warm;
#  - a miss asks cbcached for its fills through the hit socket: the values
#    get loaded and the same reads are then answered in-process;
#  - a commit returns only once the change stream applied it: with the
#    cache file's write lock held by this test, the write's SQLExecute does
#    not return before the lock is released, and a read through cbcached
#    (InProcess=0) right after it gives the new row;
#  - with the stream held back past commit_wait_ms, the write returns once
#    cbcached fenced the cache (the reader gate closed: no process answers
#    from the file, cbcached's own sessions read PostgreSQL), the next one
#    does not wait, and nothing answers the old row;
#  - a transaction's reads after its own write see the write (the cache
#    cannot have it), a ROLLBACK undoes it, a COMMIT is read back;
#  - SET ROLE to a role without SELECT gets PostgreSQL's 42501;
#  - a seeded sequence of reads and writes equals psqlODBC straight to
#    PostgreSQL read for read, while another connection writes all along,
#    and at least half of the reads are answered in-process;
#  - Direct=0, and a direct_backend the driver cannot reach, send
#    everything through cbcached as before;
#  - with cbcached stopped, a direct connection goes on: its commits do
#    not wait, its reads come from PostgreSQL.
set -uo pipefail
. "$top_srcdir/tests/integration/daemon-lib.sh"

cbd_write_conf "cache_db = cache.db
cache_groups = $top_srcdir/examples/movies/movies.cg
cache_database = movies
cache_user = postgres
commit_wait_ms = 1500
direct_backend = host=$PGHOST port=$PGPORT"
cbd_launch
dir="$CB_PG_DIR/odbc-direct"
CB_ODBC_SOCKET="$CBD_DIR" CB_ODBC_PORT="$CBD_PORT" env -u LD_PRELOAD bash "$top_srcdir/tests/odbc/odbcini-gen.sh" "$dir" || fail "odbcini-gen"
preload="$(ldd "$top_builddir/odbc-driver/.libs/libcbcacheodbc.so" | awk '/libasan|libtsan/ {print $3}')"
export CBD_ADMIN CBD_ADMIN_SOCK CBD_DIR CB_PG_DIR CBD_PORT CBD_PID
ODBCSYSINI="$dir" ODBCINI="$dir/odbc.ini" LD_PRELOAD="$preload" ASAN_OPTIONS=detect_leaks=0 \
	/usr/bin/python3 - <<'PY' || fail "direct backend connection"
import json, os, sqlite3, subprocess, sys, threading, time
import pyodbc
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests/odbc"))
from odbc_helper import admin, stat, psql, fail, wait_for  # noqa: E402

LOOK = "SELECT id, vname, nname, wohnort FROM regisseur WHERE id = ?"

def direct(i):
    return psql("SELECT id, vname, nname, wohnort FROM regisseur WHERE id = %d" % i)

def rows(c, i):
    return [tuple("" if v is None else str(v) for v in r) for r in c.execute(LOOK, i).fetchall()]

def answered_in_process(c, i, n=10):
    """Whether n lookups of director i on c are answered in-process (their report counted within 2 s)."""
    h = stat("in_process_hits")
    for k in range(n):
        rows(c, i)
    c.execute("SELECT 1").fetchall()  # a statement sent on sends the report first
    deadline = time.time() + 2
    while time.time() < deadline:
        if stat("in_process_hits") - h >= n:
            return True
        time.sleep(0.02)
    return False

wait_for(lambda: stat("reader_gate_open") == 1, "the reader gate did not open")
ids = [int(r[0]) for r in psql("SELECT id FROM regisseur ORDER BY id LIMIT 20")]

cn = pyodbc.connect("DSN=cbtest", autocommit=True)
cur = cn.cursor()
# the connect compiled the groups over cbcached (the first connection of a process does); nothing after it
s0 = stat("statements")
# cold: every lookup a miss, answered by PostgreSQL on the driver's own connection
for i in ids:
    if rows(cur, i) != direct(i):
        fail("cold director %d differs" % i)
# the fills were asked for through the hit socket; the statements never reached cbcached
wait_for(lambda: stat("in_process_fills") >= len(ids), "the misses' fills did not reach cbcached: in_process_fills %d"
         % stat("in_process_fills"))
admin("WAIT", "FILLS", "30000")
wait_for(lambda: stat("reader_gate_open") == 1, "the reader gate did not open after the fills")
h0 = stat("in_process_hits")
for rnd in range(3):
    for i in ids:
        if rows(cur, i) != direct(i):
            fail("warm director %d differs" % i)
cur.execute("SELECT 1").fetchall()  # sends the hit report
wait_for(lambda: stat("in_process_hits") - h0 >= 3 * len(ids),
         "the warm reads were not answered in-process: %d in-process hits" % (stat("in_process_hits") - h0))
relayed = stat("statements") - s0
if relayed > 0:
    fail("%d statements reached cbcached: with Direct, none should" % relayed)
print("ok - %d cold reads from PostgreSQL on the driver's own connection, their fills asked for, then answered "
      "in-process; cbcached saw no statement" % len(ids))

# read your writes, every time, and visible through cbcached at once
off = pyodbc.connect("DSN=cbtest;InProcess=0", autocommit=True)
oc = off.cursor()
i = ids[0]
for k in range(10):
    cur.execute("UPDATE regisseur SET nname = ? WHERE id = ?", "d%d" % k, i)
    if rows(cur, i)[0][2] != "d%d" % k:
        fail("write %d: not read back at once in-process" % k)
    if rows(oc, i)[0][2] != "d%d" % k:
        fail("write %d: cbcached answered the old row after the commit returned" % k)
print("ok - 10 writes on the direct connection, each read back at once here and through cbcached")

# the commit waits for the change stream, for certain: this test holds the cache file's write lock, so the
# stream cannot apply the write until it lets go; the UPDATE may not return before that
lite = sqlite3.connect(os.path.join(os.environ["CBD_DIR"], "cache.db"), timeout=30, isolation_level=None,
                       check_same_thread=False)
lite.execute("BEGIN IMMEDIATE")
released = {}
def let_go():
    time.sleep(0.2)
    released["at"] = time.monotonic()
    lite.execute("ROLLBACK")
t = threading.Thread(target=let_go)
t.start()
cur.execute("UPDATE regisseur SET nname = 'waited' WHERE id = ?", i)
returned = time.monotonic()
t.join()
lite.close()
if returned < released["at"]:
    fail("the write returned %.3f s before the stream could apply it" % (released["at"] - returned))
if rows(oc, i)[0][2] != "waited":
    fail("cbcached answered the old row after the waited commit returned (%.3f s after the lock fell, %r)" % (returned - released["at"], rows(oc, i)))
print("ok - the commit returned only after the stream could apply it (%.0f ms after the lock fell)"
      % ((returned - released["at"]) * 1000))

# held back past commit_wait_ms: the write returns, and no connection of this process answers the old row
cn2 = pyodbc.connect("DSN=cbtest", autocommit=True)
cur2 = cn2.cursor()
rows(cur2, i)
lite = sqlite3.connect(os.path.join(os.environ["CBD_DIR"], "cache.db"), timeout=30, isolation_level=None)
lite.execute("BEGIN IMMEDIATE")
t0 = time.monotonic()
cur.execute("UPDATE regisseur SET nname = 'late' WHERE id = ?", i)
took = time.monotonic() - t0
# the stream is behind by more than commit_wait_ms: the next commit does not wait it out again
t0 = time.monotonic()
cur.execute("UPDATE regisseur SET nname = 'late2' WHERE id = ?", i)
took2 = time.monotonic() - t0
got = [rows(cur, i)[0][2] for k in range(5)] + [rows(cur2, i)[0][2] for k in range(5)]
# ... and cbcached was asked to fence the cache: its own sessions read the new row from PostgreSQL too
through = rows(oc, i)[0][2]
fences = stat("in_process_fences")
stale = lite.execute("SELECT count(*) FROM regisseur WHERE id = ? AND nname = 'late'", (i,)).fetchone()[0]
lite.execute("ROLLBACK")
lite.close()
if stale != 0:
    fail("the cache file had the new row while its write lock was held: the race was not made certain")
if got != ["late2"] * 10:
    fail("with the stream held back past commit_wait_ms, this process read %r" % got)
if took < 1.4:
    fail("the write returned after %.3f s, before commit_wait_ms (1500 ms)" % took)
if took2 > 1.0:
    fail("the second write waited %.3f s although the first one's wait had run out" % took2)
if through != "late2" or fences < 2:
    fail("past commit_wait_ms cbcached answered %r (%d fence requests): the cache was not fenced" % (through, fences))
wait_for(lambda: rows(cur2, i)[0][2] == "late2" and stat("reader_gate_open") == 1, "the late write never reached the cache")
wait_for(lambda: answered_in_process(cur, i), "after the late writes were applied the reads stay off the cache")
print("ok - past commit_wait_ms the write returns (%.0f ms) with the cache fenced, the next one at once (%.0f ms); "
      "nothing answers the old row until the cache has them" % (took * 1000, took2 * 1000))
cn2.close()

# transactions: the transaction's own write is read from PostgreSQL, never from the cache
cn.autocommit = False
for k in range(5):
    if rows(cur, ids[3]) != direct(ids[3]):
        fail("a read in a transaction differs")
cur.execute("UPDATE regisseur SET nname = 'in-txn' WHERE id = ?", ids[3])
for k in range(5):
    if rows(cur, ids[3])[0][2] != "in-txn":
        fail("a read after the transaction's own write did not see it")
cn.rollback()
for k in range(5):
    if rows(cur, ids[3]) != direct(ids[3]) or rows(cur, ids[3])[0][2] == "in-txn":
        fail("after ROLLBACK the read gave %r" % (rows(cur, ids[3]),))
cur.execute("UPDATE regisseur SET nname = 'committed' WHERE id = ?", ids[3])
cn.commit()
for k in range(5):
    if rows(cur, ids[3])[0][2] != "committed" or rows(oc, ids[3])[0][2] != "committed":
        fail("after COMMIT a read gave the old row")
cn.commit()
# a miss opens the transaction on the backend; the warm reads after it are answered in-process
cold = int(psql("SELECT max(id) FROM regisseur")[0][0])
if rows(cur, cold) != direct(cold):
    fail("a cold read in a transaction differs")
h0 = stat("in_process_hits")
for k in range(10):
    if rows(cur, ids[4]) != direct(ids[4]):
        fail("a warm read in the open transaction differs")
cn.commit()
cur.execute("SELECT 1").fetchall()
cn.commit()
wait_for(lambda: stat("in_process_hits") - h0 >= 10, "the warm reads of a transaction a miss opened were not "
         "answered in-process: %d" % (stat("in_process_hits") - h0))
cn.autocommit = True
print("ok - transactions: own writes read from PostgreSQL, ROLLBACK and COMMIT kept, warm reads in-process")

# privileges are checked on the direct connection
psql("DROP ROLE IF EXISTS direct_nosel; CREATE ROLE direct_nosel")
cur.execute("SET ROLE direct_nosel")
try:
    cur.execute(LOOK, ids[1]).fetchall()
    fail("SET ROLE to a role without SELECT still read regisseur")
except pyodbc.Error as e:
    if "42501" not in str(e):
        fail("expected SQLSTATE 42501, got %s" % e)
cur.execute("RESET ROLE")
print("ok - SET ROLE without SELECT gets 42501")

# differential, with a concurrent writer: a seeded sequence of lookups, joins and writes on this
# connection's directors, each read compared with psqlODBC straight to PostgreSQL, while another
# connection writes other directors straight to PostgreSQL all along
import random
rng = random.Random(7)
mine, theirs = ids[5:12], ids[12:20]
SHAPES = [LOOK,
          "SELECT f.id, f.titel, f.jahr, f.bewertung FROM regisseur r JOIN film f ON f.regie = r.id WHERE r.id = ?",
          "SELECT f.id, f.titel, o.plz, o.name FROM regisseur r JOIN film f ON f.regie = r.id "
          "JOIN ort o ON o.plz = f.ort WHERE r.id = ?"]
pg = pyodbc.connect("DSN=pgtest", autocommit=True)
pgc = pg.cursor()
stop = threading.Event()
outside = {"writes": 0}
def writer():
    wc = pyodbc.connect("DSN=pgtest", autocommit=True)
    c = wc.cursor()
    k = 0
    while not stop.is_set():
        c.execute("UPDATE regisseur SET nname = ? WHERE id = ?", "o%d" % k, theirs[k % len(theirs)])
        k += 1
        stop.wait(0.005)  # a steady writer, not a flood the applier could not keep up with
    outside["writes"] = k
    wc.close()
def canon(c, sql, i):
    return sorted(tuple("" if v is None else str(v) for v in r) for r in c.execute(sql, i).fetchall())
wt = threading.Thread(target=writer)
wt.start()
h0 = stat("in_process_hits")
reads = writes = 0
try:
    for step in range(300):
        i = rng.choice(mine)
        if rng.random() < 0.2:
            if rng.random() < 0.5:
                cur.execute("UPDATE regisseur SET nname = ? WHERE id = ?", "s%d" % step, i)
            else:
                cur.execute("UPDATE film SET titel = ? WHERE regie = ?", "t%d" % step, i)
            writes += 1
            continue
        sql = rng.choice(SHAPES)
        got, want = canon(cur, sql, i), canon(pgc, sql, i)
        if got != want:
            fail("step %d, director %d, %s: %r through the driver, %r in PostgreSQL" % (step, i, sql, got, want))
        reads += 1
finally:
    stop.set()
    wt.join()
cur.execute("SELECT 1").fetchall()
wait_for(lambda: stat("in_process_hits") - h0 >= reads // 2, "fewer than half of the differential's %d reads were "
         "answered in-process: %d" % (reads, stat("in_process_hits") - h0))
print("ok - differential: %d reads equal to PostgreSQL across %d writes of ours and %d straight writes of "
      "another connection; %d answered in-process" % (reads, writes, outside["writes"], stat("in_process_hits") - h0))
pg.close()

# Direct=0: what is not answered in-process goes to cbcached again
s0 = stat("statements")
d0 = pyodbc.connect("DSN=cbtest;Direct=0", autocommit=True)
d0.cursor().execute("SELECT count(*) FROM regisseur").fetchall()
if stat("statements") == s0:
    fail("with Direct=0 the statement did not reach cbcached")
d0.close()
print("ok - Direct=0 sends to cbcached")
off.close()

# cbcached stops: a direct connection goes on, its commits do not wait for a stream nobody applies, and
# nothing is answered from the file (its lease runs out)
import signal
pid = int(os.environ["CBD_PID"])
os.kill(pid, signal.SIGTERM)
wait_for(lambda: not os.path.exists(os.path.join(os.environ["CBD_DIR"], "cache.db-hits")),
         "cbcached did not remove its report socket on SIGTERM")
t0 = time.monotonic()
cur.execute("UPDATE regisseur SET nname = 'no-cbcached' WHERE id = ?", ids[6])
took = time.monotonic() - t0
if took > 1.0:
    fail("with cbcached stopped a commit took %.3f s (commit_wait_ms is 1500)" % took)
if rows(cur, ids[6])[0][2] != "no-cbcached" or rows(cur, ids[7]) != direct(ids[7]):
    fail("with cbcached stopped the reads differ from PostgreSQL")
print("ok - with cbcached stopped the direct connection goes on (a commit in %.0f ms), answers from PostgreSQL"
      % (took * 1000))
cn.close()
PY
cbd_wait_exit 60 || fail "cbcached did not exit within 60 s of SIGTERM"
[ "$CBD_STATUS" -eq 0 ] || { cat "$CBD_DIR/stderr" >&2; fail "cbcached exited with status $CBD_STATUS"; }

# a direct_backend the driver cannot reach: the connection works through cbcached, the trace says why
cbd_write_conf "cache_db = cache.db
cache_groups = $top_srcdir/examples/movies/movies.cg
cache_database = movies
cache_user = postgres
direct_backend = host=$PGHOST port=1"
cbd_launch
CB_ODBC_SOCKET="$CBD_DIR" CB_ODBC_PORT="$CBD_PORT" env -u LD_PRELOAD bash "$top_srcdir/tests/odbc/odbcini-gen.sh" "$dir" || fail "odbcini-gen"
export CBD_ADMIN_SOCK
ODBCSYSINI="$dir" ODBCINI="$dir/odbc.ini" LD_PRELOAD="$preload" ASAN_OPTIONS=detect_leaks=0 CBCACHE_INPROC_TRACE=1 \
	/usr/bin/python3 - 2>"$CBD_DIR/trace.err" <<'PY' || { cat "$CBD_DIR/trace.err" >&2; fail "unreachable direct_backend"; }
import os, sys
import pyodbc
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests/odbc"))
from odbc_helper import stat  # noqa: E402

s0 = stat("statements")
cn = pyodbc.connect("DSN=cbtest", autocommit=True)
got = cn.cursor().execute("SELECT count(*) FROM regisseur").fetchone()[0]
if got <= 0 or stat("statements") == s0:
    print("FAIL: with an unreachable direct_backend the statement did not go through cbcached", file=sys.stderr)
    sys.exit(1)
print("ok - an unreachable direct_backend: statements go through cbcached")
PY
grep -q "go to cbcached: the backend refused this connection's own connection" "$CBD_DIR/trace.err" ||
	{ cat "$CBD_DIR/trace.err" >&2; fail "the trace does not say why the direct connection was not used"; }
echo "ok - the trace says why"
cbd_stop
