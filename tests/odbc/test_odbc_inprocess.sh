#!/usr/bin/env bash
# Hits in the application's process (odbc-driver/inproc.h): our driver,
# pointed at cbcached with InProcess on (the default), answers warm reads
# from the cache file itself.  What the test holds it to:
#  - the answers equal PostgreSQL's, and cbcached does not see them (its
#    statement count does not move but for the settings checks); they are
#    reported to it afterwards (SHOW STATS in_process_hits, hit counter);
#  - a write through the driver is read back at once, every time (cbcached
#    closes the reader gate before it answers the write), although an
#    answer's read transaction is kept for the next statements;
#  - a kept read transaction is ended while the connection is idle (a
#    checkpoint that waits for every reader gets through), and with one
#    kept for 60 s, writes through cbcached on this or another connection
#    are read back at once (cbcached bumps the gate word before it answers
#    a write it saw applied);
#  - a write made straight to PostgreSQL reaches the in-process answers
#    once the change stream applied it, and the answer never goes back;
#  - SET ROLE to a role without SELECT gets PostgreSQL's 42501, not a
#    cached row; RESET ROLE answers in-process again;
#  - the REVOKE of a privilege, applied by the stream, stops the
#    in-process answers for the role that lost it;
#  - a READ COMMITTED transaction's reads (autocommit off) are answered
#    in-process, no BEGIN sent for them, also after a miss opened it on
#    the wire, until it writes (its own writes are then read from the
#    backend) or changes a setting; REPEATABLE READ and InProcess=0 go
#    through cbcached;
#  - a file at that path carrying another cache's id is not read;
#  - a pooler that refuses the startup option gets a second attempt
#    without it (a fake one, in PgBouncer's words).
set -uo pipefail
. "$top_srcdir/tests/integration/daemon-lib.sh"

cbd_write_conf "cache_db = cache.db
cache_groups = $top_srcdir/examples/movies/movies.cg
cache_database = movies
cache_user = postgres"
# the DDL event triggers: a REVOKE reaches the change stream (and the file's ddl_generation)
"$CBD_BIN" --install-backend -c "$CBD_CONF" >"$CBD_DIR/install.out" 2>&1 || { cat "$CBD_DIR/install.out" >&2; fail "--install-backend"; }
cbd_launch
dir="$CB_PG_DIR/odbc-inprocess"
CB_ODBC_SOCKET="$CBD_DIR" CB_ODBC_PORT="$CBD_PORT" env -u LD_PRELOAD bash "$top_srcdir/tests/odbc/odbcini-gen.sh" "$dir" || fail "odbcini-gen"
# a sanitizer build of the driver needs its sanitizer's runtime loaded first (as test_odbc_pyodbc.py does)
preload="$(ldd "$top_builddir/odbc-driver/.libs/libcbcacheodbc.so" | awk '/libasan|libtsan/ {print $3}')"
export CBD_ADMIN CBD_ADMIN_SOCK CBD_DIR CB_PG_DIR
ODBCSYSINI="$dir" ODBCINI="$dir/odbc.ini" LD_PRELOAD="$preload" ASAN_OPTIONS=detect_leaks=0 \
	/usr/bin/python3 - <<'PY' || fail "in-process hits"
import json, os, subprocess, sys, time
import pyodbc
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests/odbc"))
from odbc_helper import admin, stat, psql, fail  # noqa: E402

LOOK = "SELECT id, vname, nname, wohnort FROM regisseur WHERE id = ?"

cn = pyodbc.connect("DSN=cbtest", autocommit=True)
cur = cn.cursor()

def rows(i):
    return [tuple("" if v is None else str(v) for v in r) for r in cur.execute(LOOK, i).fetchall()]

def direct(i):
    return psql("SELECT id, vname, nname, wohnort FROM regisseur WHERE id = %d" % i)

ids = [r[0] for r in cur.execute("SELECT id FROM regisseur ORDER BY id LIMIT 20").fetchall()]
for i in ids:
    rows(i)
admin("WAIT", "FILLS", "30000")
# the reader gate opens at the keeper's turn after the stream caught up: wait for it (a deadline, no sleep for its own sake)
deadline = time.time() + 30
while stat("reader_gate_open") != 1:
    if time.time() > deadline:
        fail("the reader gate did not open")
    time.sleep(0.05)

# SHOW SESSIONS marks the session that was told where the file is
sess = json.loads(admin("--json", "SHOW", "SESSIONS"))["rows"]
if sorted(r["in_process"] for r in sess) != ["on"]:
    fail("SHOW SESSIONS should show the one session, in_process on: %r" % sess)

# warm reads: equal to PostgreSQL, and not seen by cbcached
s0 = stat("statements")
n = 0
for rnd in range(5):
    for i in ids:
        got = rows(i)
        if got != direct(i):
            fail("director %d: %r in-process, %r straight" % (i, got, direct(i)))
        n += 1
relayed = stat("statements") - s0
print("ok - %d warm lookups, %d statements reached cbcached" % (n, relayed))
if relayed > 2:
    fail("%d of %d warm lookups reached cbcached: they should be answered in the driver's process" % (relayed, n))

# an answer's read transaction is kept for the next statements (hitpath_settings.hold_us) but ended by the
# driver's keeper thread once unused: a checkpoint that must wait for every reader of the WAL (RESTART, no
# busy timeout) succeeds while the connection sits idle after its last answer. Without the keeper the
# idle connection's transaction would stay and every attempt would report busy.
import sqlite3
rows(ids[0])
ck = sqlite3.connect(os.path.join(os.environ["CBD_DIR"], "cache.db"), timeout=0, isolation_level=None)
deadline = time.time() + 10
while True:
    busy = ck.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()[0]
    if busy == 0:
        break
    if time.time() > deadline:
        fail("a checkpoint waiting for the readers stayed busy for 10 s after the driver's last answer: its read "
             "transaction was not ended")
    time.sleep(0.01)
ck.close()
print("ok - the read transaction kept from an answer is ended while the connection is idle")

# ... and reported to cbcached: SHOW STATS counts them, the hit counter gets their values.
# A statement sent to cbcached sends the report first; the datagram is read by another thread: poll.
cur.execute("SELECT 1").fetchall()
deadline = time.time() + 30
while stat("in_process_hits") < n or stat("in_process_report_hits") < n:
    if time.time() > deadline:
        fail("in-process hits not reported: in_process_hits %d, in_process_report_hits %d, rejected %d, want %d"
             % (stat("in_process_hits"), stat("in_process_report_hits"), stat("in_process_reports_rejected"), n))
    time.sleep(0.05)
if stat("in_process_reports_rejected") != 0:
    fail("cbcached rejected %d in-process hit reports" % stat("in_process_reports_rejected"))
shape = [r for r in json.loads(admin("--json", "SHOW", "QUERIES"))["rows"]
         if r["query"].startswith("SELECT id, vname, nname, wohnort FROM regisseur WHERE id = $1")]
if len(shape) != 1 or int(shape[0]["cache_hits"]) < n:
    fail("SHOW QUERIES does not count the in-process answers under their statement: %r" % shape)
print("ok - the in-process hits are reported: in_process_hits %d, SHOW QUERIES cache_hits %s"
      % (stat("in_process_hits"), shape[0]["cache_hits"]))

# a statement cbcached never saw (its values are loaded, so the driver answers it first time): its report
# makes the shape in SHOW QUERIES
s0 = stat("statements")
for k in range(7):
    cur.execute("SELECT nname FROM regisseur WHERE id = ?", ids[k]).fetchall()
if stat("statements") != s0:
    fail("a new statement over loaded values reached cbcached")
cur.execute("SELECT 2").fetchall()
deadline = time.time() + 30
while True:
    shape = [r for r in json.loads(admin("--json", "SHOW", "QUERIES"))["rows"]
             if r["query"].startswith("SELECT nname FROM regisseur WHERE id = $1")]
    if len(shape) == 1 and int(shape[0]["cache_hits"]) == 7 and int(shape[0]["executions"]) == 7:
        break
    if time.time() > deadline:
        fail("SHOW QUERIES does not show the statement only the driver answered: %r" % shape)
    time.sleep(0.05)
print("ok - a statement only the driver answered shows in SHOW QUERIES with its 7 answers")

# read your writes, every time
i = ids[0]
old = rows(i)[0]
for k in range(20):
    cur.execute("UPDATE regisseur SET nname = ? WHERE id = ?", "w%d" % k, i)
    got = rows(i)[0][2]
    if got != "w%d" % k:
        fail("write %d: read %r right after writing 'w%d'" % (k, got, k))
print("ok - 20 writes through the driver, each read back at once")

# the same with the change stream held back for certain: another process holds the cache
# file's write lock, so the stream cannot apply the write; the file still has the old row,
# and only the reader gate keeps it from being answered
import sqlite3
lite = sqlite3.connect(os.path.join(os.environ["CBD_DIR"], "cache.db"), timeout=30, isolation_level=None)
lite.execute("BEGIN IMMEDIATE")
cur.execute("UPDATE regisseur SET nname = 'held' WHERE id = ?", i)
held = [rows(i)[0][2] for k in range(5)]
stale = lite.execute("SELECT count(*) FROM regisseur WHERE id = ? AND nname = 'held'", (i,)).fetchone()[0]
lite.execute("ROLLBACK")
lite.close()
if held != ["held"] * 5:
    fail("with the stream held back, reads after the write gave %r" % held)
if stale != 0:
    fail("the cache file had the new row while its write lock was held: the race was not made certain")
print("ok - with the stream held back, the reads after a write are not answered from the old row")

# a write straight to PostgreSQL: seen once the stream applied it, then never the old row again
psql("UPDATE regisseur SET nname = 'outside' WHERE id = %d" % i)
deadline = time.time() + 30
while rows(i)[0][2] != "outside":
    if time.time() > deadline:
        fail("a write straight to PostgreSQL never reached the answers")
    time.sleep(0.05)
for k in range(50):
    if rows(i)[0][2] != "outside":
        fail("an answer went back to the row before the outside write")
s0 = stat("statements")
for k in range(20):
    rows(i)
if stat("statements") - s0 > 2:
    fail("after the outside write the reads are no longer answered in-process")
print("ok - a write straight to PostgreSQL reaches the in-process answers")

# privileges: a role without SELECT gets PostgreSQL's error, not a cached row
def denied(c, i, when):
    """True when the lookup of director i on cursor c gets SQLSTATE 42501; False when it is answered."""
    try:
        c.execute(LOOK, i).fetchall()
        return False
    except pyodbc.Error as e:
        if "42501" not in str(e):
            fail("expected SQLSTATE 42501 %s, got %s" % (when, e))
        return True

psql("DROP ROLE IF EXISTS inproc_nosel; CREATE ROLE inproc_nosel")
cur.execute("SET ROLE inproc_nosel")
if not denied(cur, ids[1], "after SET ROLE"):
    fail("SET ROLE to a role without SELECT still read regisseur")
cur.execute("RESET ROLE")
s0 = stat("statements")
for k in range(10):
    if rows(ids[1]) != direct(ids[1]):
        fail("after RESET ROLE the answer differs")
if stat("statements") - s0 > 2:
    fail("after RESET ROLE the reads are not answered in-process again")
print("ok - SET ROLE without SELECT gets 42501; RESET ROLE reads in-process again")

# a REVOKE applied by the stream stops the answers for the role that lost SELECT
psql("DROP ROLE IF EXISTS inproc_reader; CREATE ROLE inproc_reader LOGIN; GRANT SELECT ON regisseur TO inproc_reader")
rd = pyodbc.connect("DSN=cbtest;UID=inproc_reader", autocommit=True)
rc = rd.cursor()
for k in range(3):
    rc.execute(LOOK, ids[2]).fetchall()
admin("WAIT", "FILLS", "30000")
rc.execute(LOOK, ids[2]).fetchall()
psql("REVOKE SELECT ON regisseur FROM inproc_reader")
deadline = time.time() + 30
while not denied(rc, ids[2], "after the REVOKE"):
    if time.time() > deadline:
        fail("the REVOKE never stopped the in-process answers")
    time.sleep(0.05)
for k in range(10):
    if not denied(rc, ids[2], "after the REVOKE"):
        fail("a read after the REVOKE was answered")
rd.close()
print("ok - the REVOKE stops the in-process answers of the role that lost SELECT")

# transactions (autocommit off, pyodbc's default): READ COMMITTED reads are answered in-process
cn.autocommit = False
s0 = stat("statements")
for k in range(10):
    if rows(ids[3]) != direct(ids[3]):
        fail("a read in a transaction differs")
cn.commit()
if stat("statements") - s0 > 2:
    fail("%d statements of a READ COMMITTED transaction's warm reads reached cbcached" % (stat("statements") - s0))
print("ok - a transaction's warm reads are answered in-process: no BEGIN, no COMMIT sent")

# a transaction opened on the wire by a miss (BEGIN and the read go to cbcached together): cbcached says
# the transaction may still be answered, and the next reads in it are answered in-process, savepoints unsent
cold = psql("SELECT max(id) FROM regisseur")[0][0]
s0 = stat("statements")
if rows(int(cold)) != direct(int(cold)):
    fail("a cold read in a transaction differs")
if stat("statements") == s0:
    fail("the cold read was answered in-process: no transaction was opened on the wire")
admin("WAIT", "FILLS", "30000")
s0 = stat("statements")
for k in range(10):
    if rows(ids[4]) != direct(ids[4]):
        fail("a read in an open transaction differs")
if stat("statements") - s0 > 0:
    fail("%d statements of the open READ COMMITTED transaction's warm reads reached cbcached" % (stat("statements") - s0))
# its own write: read from the backend inside the transaction, never from the cache
cur.execute("UPDATE regisseur SET nname = 'in-txn' WHERE id = ?", ids[4])
s0 = stat("statements")
for k in range(5):
    if rows(ids[4])[0][2] != "in-txn":
        fail("a read after the transaction's own write did not see it")
if stat("statements") - s0 < 5:
    fail("reads after the transaction's write were answered from the cache")
cn.rollback()
for k in range(5):
    if rows(ids[4]) != direct(ids[4]) or rows(ids[4])[0][2] == "in-txn":
        fail("after ROLLBACK the read gave %r" % (rows(ids[4]),))
# a committed write of the transaction is read back at once
cur.execute("UPDATE regisseur SET nname = 'committed' WHERE id = ?", ids[4])
cn.commit()
for k in range(5):
    if rows(ids[4])[0][2] != "committed":
        fail("after COMMIT the read gave %r" % (rows(ids[4]),))
cn.commit()
s0 = stat("statements")
for k in range(10):
    rows(ids[4])
    cn.commit()
if stat("statements") - s0 > 2:
    fail("after the write was applied the transaction's reads are not answered in-process again")
print("ok - reads in a transaction a miss opened are answered in-process until it writes; its writes are read back")

# a SET in the transaction: everything to cbcached up to its end
cur.execute("SET LOCAL statement_timeout = '1h'")
s0 = stat("statements")
for k in range(3):
    rows(ids[4])
if stat("statements") - s0 < 3:
    fail("reads after a SET in the transaction were answered in-process")
cn.rollback()

# REPEATABLE READ: the transaction's snapshot is the backend's, every read goes there
cn.set_attr(pyodbc.SQL_ATTR_TXN_ISOLATION, pyodbc.SQL_TXN_REPEATABLE_READ)
s0 = stat("statements")
for k in range(5):
    if rows(ids[3]) != direct(ids[3]):
        fail("a REPEATABLE READ read differs")
cn.commit()
if stat("statements") - s0 < 5:
    fail("reads of a REPEATABLE READ transaction were answered in-process")
cn.set_attr(pyodbc.SQL_ATTR_TXN_ISOLATION, pyodbc.SQL_TXN_READ_COMMITTED)
cn.autocommit = True
print("ok - a SET in a transaction, and REPEATABLE READ, send the reads to cbcached")

# InProcess=0: everything through cbcached
off = pyodbc.connect("DSN=cbtest;InProcess=0", autocommit=True)
oc = off.cursor()
s0 = stat("statements")
for k in range(10):
    oc.execute(LOOK, ids[4]).fetchall()
if stat("statements") - s0 < 10:
    fail("InProcess=0 still answered in the driver's process")
off.close()
print("ok - InProcess=0 sends every statement to cbcached")

cur.execute("UPDATE regisseur SET nname = ? WHERE id = ?", old[2], i)
cn.close()

# a file at the path cbcached names that carries another id (another cbcached's file) is not read
import sqlite3
lite = sqlite3.connect(os.path.join(os.environ["CBD_DIR"], "cache.db"), timeout=30, isolation_level=None)
real_id = lite.execute("SELECT value FROM cbcache_meta WHERE key = 'cache_id'").fetchone()[0]
lite.execute("UPDATE cbcache_meta SET value = 'another' WHERE key = 'cache_id'")
other = pyodbc.connect("DSN=cbtest", autocommit=True)
oc = other.cursor()
s0 = stat("statements")
for k in range(5):
    if [tuple("" if v is None else str(v) for v in r) for r in oc.execute(LOOK, ids[5]).fetchall()] != direct(ids[5]):
        fail("a connection that may not read the file answered differently")
if stat("statements") - s0 < 5:
    fail("a file carrying another cache's id was read in-process")
other.close()
lite.execute("UPDATE cbcache_meta SET value = ? WHERE key = 'cache_id'", (real_id,))
lite.close()
print("ok - a file carrying another cache's id is not read")

# a pooler that refuses unknown startup options (PgBouncer's words): the driver connects again without them
import socket, struct, tempfile, threading
sockdir = tempfile.mkdtemp(prefix="pooler.", dir=os.environ["CB_PG_DIR"])
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(os.path.join(sockdir, ".s.PGSQL.7777"))
srv.listen(4)
seen = []

def msg(t, body):
    return t + struct.pack("!i", len(body) + 4) + body

def pooler():
    for attempt in range(2):
        c, _ = srv.accept()
        n = struct.unpack("!i", c.recv(4, socket.MSG_WAITALL))[0]
        pkt = c.recv(n - 4, socket.MSG_WAITALL)[4:].split(b"\0")
        params = dict(zip(pkt[0::2], pkt[1::2]))
        seen.append(params)
        if b"options" in params:
            c.sendall(msg(b"E", b"SFATAL\0C08P01\0Munsupported startup parameter: options\0\0"))
            c.close()
            continue
        out = msg(b"R", struct.pack("!i", 0))
        for k, v in ((b"client_encoding", b"UTF8"), (b"DateStyle", b"ISO, MDY"), (b"server_version", b"15.0"),
                     (b"standard_conforming_strings", b"on"), (b"integer_datetimes", b"on")):
            out += msg(b"S", k + b"\0" + v + b"\0")
        out += msg(b"K", struct.pack("!ii", 1, 2)) + msg(b"Z", b"I")
        c.sendall(out)
        while True:
            t = c.recv(1)
            if not t or t == b"X":
                break
            n = struct.unpack("!i", c.recv(4, socket.MSG_WAITALL))[0]
            c.recv(n - 4, socket.MSG_WAITALL)
            if t in (b"Q", b"S"):
                c.sendall(msg(b"E", b"SERROR\0C0A000\0Mnot a server\0\0") + msg(b"Z", b"I"))
        c.close()

th = threading.Thread(target=pooler, daemon=True)
th.start()
pc = pyodbc.connect("DRIVER=cbcache;Socket=%s;Port=7777;Database=x;UID=y" % sockdir, autocommit=True)
pc.close()
th.join(10)
if len(seen) != 2 or b"cbcache.in_process=on" not in seen[0].get(b"options", b"") or b"options" in seen[1]:
    fail("against a pooler refusing startup options: the attempts carried %r" % seen)
print("ok - a pooler refusing the startup option gets a second connection without it")
PY

# The read transaction kept from an answer, made certain: kept for 60 s (CBCACHE_INPROC_HOLD_US), so only
# cbcached's word that a write it answered was applied (gate_bump) makes a reader begin a new one. A write
# through another connection of the process, then one through the reading connection itself: each read
# back at once on the reading connection, in-process.
ODBCSYSINI="$dir" ODBCINI="$dir/odbc.ini" LD_PRELOAD="$preload" ASAN_OPTIONS=detect_leaks=0 \
	CBCACHE_INPROC_HOLD_US=60000000 /usr/bin/python3 - <<'PY' || fail "read your writes with a kept read transaction"
import os, sys
import pyodbc
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests/odbc"))
from odbc_helper import stat, fail  # noqa: E402

LOOK = "SELECT nname FROM regisseur WHERE id = ?"
reader = pyodbc.connect("DSN=cbtest", autocommit=True)
writer = pyodbc.connect("DSN=cbtest", autocommit=True)
rc, wc = reader.cursor(), writer.cursor()
i = rc.execute("SELECT min(id) FROM regisseur").fetchone()[0]
old = rc.execute(LOOK, i).fetchone()[0]
for k in range(10):
    rc.execute(LOOK, i).fetchall()  # an answer: its read transaction is kept
    wc.execute("UPDATE regisseur SET nname = ? WHERE id = ?", "other%d" % k, i)
    got = rc.execute(LOOK, i).fetchone()[0]
    if got != "other%d" % k:
        fail("write %d through another connection: the reader read %r" % (k, got))
    rc.execute("UPDATE regisseur SET nname = ? WHERE id = ?", "own%d" % k, i)
    got = rc.execute(LOOK, i).fetchone()[0]
    if got != "own%d" % k:
        fail("write %d through the reading connection: it read %r" % (k, got))
s0 = stat("statements")
for k in range(20):
    rc.execute(LOOK, i).fetchall()
if stat("statements") - s0 > 2:
    fail("with a 60 s hold the reads were not answered in-process")
wc.execute("UPDATE regisseur SET nname = ? WHERE id = ?", old, i)
reader.close()
writer.close()
print("ok - with the read transaction kept for 60 s, writes through this or another connection are read back at once")
PY

# The in-process path's memory: tests/odbc/odbc_loop through cbcached (its prepared lookup of films
# by director is answered in-process once loaded) under valgrind, or under the sanitizers of a
# sanitizer build, as test_odbc_valgrind.sh does straight to PostgreSQL.
loop="$top_builddir/tests/odbc/odbc_loop"
inproc_stat() { "$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" --json SHOW STATS |
	/usr/bin/python3 -c 'import json, sys; print(next(r["value"] for r in json.load(sys.stdin)["rows"] if r["name"] == sys.argv[1]))' "$1"; }
ODBCSYSINI="$dir" ODBCINI="$dir/odbc.ini" "$loop" cbtest 2 || fail "odbc_loop through cbcached"
"$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" WAIT FILLS 30000 >/dev/null || fail "WAIT FILLS"
before="$(inproc_stat in_process_hits)"
if [ -n "$preload" ]; then
	ODBCSYSINI="$dir" ODBCINI="$dir/odbc.ini" "$loop" cbtest 10 || fail "odbc_loop in-process under the sanitizers"
else
	command -v valgrind >/dev/null || fail "valgrind not found: install the Debian package valgrind"
	ODBCSYSINI="$dir" ODBCINI="$dir/odbc.ini" valgrind --error-exitcode=3 --leak-check=full \
		--errors-for-leak-kinds=definite --track-fds=no --quiet "$loop" cbtest 5 ||
		fail "valgrind reported errors in odbc_loop answering in-process, or the loop failed"
fi
after="$(inproc_stat in_process_hits)"
[ "$after" -gt "$before" ] || fail "odbc_loop was not answered in-process (in_process_hits $before -> $after)"
echo "ok - odbc_loop answering in-process is clean under $([ -n "$preload" ] && echo the sanitizers || echo valgrind) ($((after - before)) in-process answers)"
cbd_stop
echo "ok: the driver answers hits in the application's process, exactly"
