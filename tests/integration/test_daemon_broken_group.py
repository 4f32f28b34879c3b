"""A cache group that no longer compiles does not stop cbcached from relaying.

A table of the cache group is renamed on the backend before cbcached
starts, so the group no longer compiles.  cbcached starts all the same:
it relays every statement to the backend (a session reads and writes), the
log and every admin command that needs the cache say why the cache did not
start and how to fix it, SHOW STATS says cache_running 0, and RELOAD
answers with the cause while it persists.  Once the table has its name
again, RELOAD starts the cache: a new session's warm lookups are cache hits
with PostgreSQL's answer.

Then a cached table changes on the backend while the cache runs (a column's
type, straight to PostgreSQL): once the change stream has seen it, SHOW
STATS counts it (repl_schema_changes) and the table is answered from the
backend, with PostgreSQL's new row description.  RELOAD compiles the groups
again and replaces the running cache: a session that connects afterwards
gets cache hits with PostgreSQL's answer, and the session connected before
goes on (reads and writes) with PostgreSQL's answers, from the backend.
"""
import sqlite3
import time
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402
from cbd_helper import Q, exchange  # noqa: E402

check = h.check
pg = h.direct()
for stmt in ["DROP TABLE IF EXISTS bg_item, bg_gone",
             "CREATE TABLE bg_item (id integer PRIMARY KEY, name text NOT NULL)",
             "INSERT INTO bg_item SELECT g, 'item ' || g FROM generate_series(1, 50) g",
             "ALTER TABLE bg_item RENAME TO bg_gone"]:
    h.rows_of(pg, stmt)
gdir = os.path.join(os.environ["CB_PG_DIR"], "broken-group")
os.makedirs(gdir, exist_ok=True)
group = os.path.join(gdir, "items.cg")
with open(group, "w") as f:
    f.write("cachegroup items\ntable bg_item\nfill bg_item.id\n")
conf = ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n" % group)

d = h.Daemon(conf)


def warm_hit(conn, q, what):
    """q on conn, cold then (its fills done) warm: the warm answer is PostgreSQL's and a cache hit."""
    exchange(conn, q)
    d.admin("WAIT", "FILLS", "30000")
    before = d.stats()["queries_cache_hits"]
    got = exchange(conn, q)
    check(got == exchange(pg, q), "%s gets PostgreSQL's answer" % what, d)
    check(d.stats()["queries_cache_hits"] == before + 1, "%s is a cache hit" % what, d)


with d:
    st = d.stats()
    check(st["cache_running"] == 0, "the group does not compile: cbcached runs, without the cache", d)
    c = h.Conn(d.sock).login()
    rows, errors = c.query("SELECT name FROM bg_gone WHERE id = 7")
    check(rows == [["item 7"]] and not errors, "statements are relayed to the backend", d)
    rows, errors = c.query("UPDATE bg_gone SET name = 'seven' WHERE id = 7")
    check(not errors, "writes too", d)
    with open(d.log) as f:
        log = f.read()
    check("the cache did not start" in log and "bg_item" in log and "RELOAD" in log,
          "the log says the cache did not start, why (the table) and the fix", d)
    r = d.admin("SHOW", "FILLS", check=False)
    check(r is not None and not r.get("ok", True) and "did not start" in r.get("message", "") and
          "bg_item" in r.get("message", ""), "an admin command that needs the cache says why (%r)" % (r,), d)
    r = d.admin("RELOAD", check=False)
    check(r is not None and not r.get("ok", True) and "still does not start" in r.get("message", ""),
          "RELOAD while the table is missing answers with the cause (%r)" % (r,), d)
    check(d.stats()["cache_running"] == 0, "... and the cache stays off", d)

    h.rows_of(pg, "ALTER TABLE bg_gone RENAME TO bg_item")
    r = d.admin("RELOAD", check=False)
    check(r is not None and r.get("ok", False), "RELOAD after the fix starts the cache (%r)" % (r,), d)
    st = d.stats()
    check(st["cache_running"] == 1, "SHOW STATS says cache_running 1", d)
    # The new slot empties the cache; that is done before the cache starts, or it would delete the first fills.
    check(st["cache_invalidations"] >= 1 and st["cache_invalidations_applied"] == st["cache_invalidations"],
          "the new slot's emptying was applied before the cache started (%d posted, %d applied)"
          % (st["cache_invalidations"], st["cache_invalidations_applied"]), d)
    c2 = h.Conn(d.sock).login()
    warm_hit(c2, Q("SELECT id, name FROM bg_item WHERE id = 7"), "a new session's warm lookup")

    # the table changes on the backend while the cache runs
    star = Q("SELECT * FROM bg_item WHERE id = 7")
    exchange(c2, star)
    d.admin("WAIT", "FILLS", "30000")
    h.rows_of(pg, "ALTER TABLE bg_item ALTER COLUMN name TYPE varchar(40)")
    h.rows_of(pg, "UPDATE bg_item SET name = 'item 8b' WHERE id = 8")  # its Relation message shows the change
    deadline = time.monotonic() + 30
    while d.stats()["repl_schema_changes"] == 0:
        if time.monotonic() > deadline:
            h.fail("the change stream did not report the changed table within 30 s", d)
        time.sleep(0.05)  # polling the daemon's counter, with a deadline
    before = d.stats()["queries_cache_hits"]
    got = exchange(c2, star)
    check(got == exchange(pg, star) and d.stats()["queries_cache_hits"] == before,
          "the changed table is answered from the backend, with PostgreSQL's row description", d)
    r = d.admin("RELOAD", check=False)
    check(r is not None and r.get("ok", False), "RELOAD compiles the groups again (%r)" % (r,), d)
    st = d.stats()
    check(st["cache_running"] == 1 and st["repl_schema_changes"] == 0,
          "the cache runs anew, no changed table left (cache_running %d, repl_schema_changes %d)"
          % (st["cache_running"], st["repl_schema_changes"]), d)
    with open(d.log) as f:
        log = f.read()
    check("compiling the cache groups again" in log and "compiled again and the cache runs anew" in log,
          "the log says what RELOAD did", d)
    c3 = h.Conn(d.sock).login()
    warm_hit(c3, star, "after RELOAD a new session's lookup")
    before = d.stats()["queries_cache_hits"]
    got = exchange(c2, star)
    check(got == exchange(pg, star) and d.stats()["queries_cache_hits"] == before,
          "the session connected before gets PostgreSQL's answer, from the backend", d)
    # Its write fences the new cache until the stream has applied it.  The cache file's write lock is
    # held from outside meanwhile, so the applier cannot apply it before the new session reads.
    lite = h.lock_cache(d, timeout=30)
    rows, errors = c2.query("UPDATE bg_item SET name = 'seven again' WHERE id = 7")
    check(not errors, "... and writes", d)
    got = exchange(c2, star)
    check(got == exchange(pg, star) and b"seven again" in b"".join(got), "... and reads its write", d)
    got = exchange(c3, star)
    check(got == exchange(pg, star) and b"seven again" in b"".join(got),
          "a new session reads that write at once, the stream not having applied it (%r)" % (got[1:2],), d)
    lite.execute("ROLLBACK")
    lite.close()
    c.close()
    c2.close()
    c3.close()
    # its write reaches the new cache by the change stream, as a write made straight to PostgreSQL does
    lsn = int(h.rows_of(pg, "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")[0][0])
    deadline = time.monotonic() + 30
    while d.stats()["repl_applied_lsn"] < lsn and time.monotonic() < deadline:
        time.sleep(0.05)  # polling the daemon's position, with a deadline
    check(d.stats()["repl_applied_lsn"] >= lsn, "the new cache's change stream applies the write", d)
    # This process opened and closed the cache file above (the write lock): that must not take the WAL
    # from under cbcached.  It did while cbcached closed a descriptor of a file SQLite had open (the
    # files' modes set at the replacement), which dropped SQLite's locks.
    targets = []
    for fd in os.listdir("/proc/%d/fd" % d.proc.pid):
        try:
            targets.append(os.readlink("/proc/%d/fd/%s" % (d.proc.pid, fd)))
        except OSError:
            pass
    deleted = [t for t in targets if "cache.db" in t and "(deleted)" in t]
    check(not deleted, "cbcached writes the cache file's own WAL, not a deleted one (%r)" % deleted, d)
    lite = sqlite3.connect(os.path.join(d.dir, "cache.db"), timeout=30)
    seen = lite.execute("SELECT name FROM bg_item WHERE id = 7").fetchall()
    lite.close()
    check(seen == [("seven again",)], "another process reads what the stream applied (%r)" % (seen,), d)
    v = d.admin("VERIFY")
    check(not v["rows"], "VERIFY is clean after the replacement (%r)" % (v["rows"][:3],), d)
    d.stop()
h.rows_of(pg, "DROP TABLE bg_item")
pg.close()
h.plan()
