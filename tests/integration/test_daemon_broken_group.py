"""A cache group that no longer compiles does not stop cbcached from relaying.

A table of the cache group is renamed on the backend before cbcached
starts, so the group no longer compiles.  cbcached starts all the same:
it relays every statement to the backend (a session reads and writes), the
log and every admin command that needs the cache say why the cache did not
start and how to fix it, SHOW STATS says cache_running 0, and RELOAD
answers with the cause while it persists.  Once the table has its name
again, RELOAD starts the cache: a new session's warm lookups are cache hits
with PostgreSQL's answer.
"""
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
    check(d.stats()["cache_running"] == 1, "SHOW STATS says cache_running 1", d)
    c2 = h.Conn(d.sock).login()
    look = Q("SELECT id, name FROM bg_item WHERE id = 7")
    exchange(c2, look)
    d.admin("WAIT", "FILLS", "30000")
    before = d.stats()["queries_cache_hits"]
    got = exchange(c2, look)
    check(got == exchange(pg, look), "the answer is PostgreSQL's", d)
    check(d.stats()["queries_cache_hits"] == before + 1, "a new session's warm lookup is a cache hit", d)
    c.close()
    c2.close()
    d.stop()
h.rows_of(pg, "DROP TABLE bg_item")
pg.close()
h.plan()
