"""Fills queued when cbcached is killed are lost, and the misses queue them again.

The fill queue lives in memory (doc/cache.md, "Misses"): a crash loses the
fills not yet run.  That loses no answer: a value not loaded is a miss,
answered by the backend, and the next miss of it queues its fill again.
The race is made certain by holding the cache file's write lock from this
test (the fill daemon cannot write a fill): ten cold lookups miss and queue
their fills, none of which can finish; cbcached is killed with SIGKILL and
started again on the same cache file.  The same lookups are misses again
with PostgreSQL's answer, they queue their fills again, and once the fills
ran they are cache hits.
"""
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402
from cbd_helper import Q, exchange  # noqa: E402

SRC = os.environ["top_srcdir"]
check = h.check
CONF = ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
        % os.path.join(SRC, "examples/movies/movies.cg"))
LOOK = "SELECT id, nname, vname, wohnort FROM regisseur WHERE id = %d"
pg = h.direct()
ids = [int(r[0]) for r in h.rows_of(pg, "SELECT id FROM regisseur ORDER BY id DESC LIMIT 10")]

d = h.Daemon(CONF)
with d:
    lite = sqlite3.connect(os.path.join(d.dir, "cache.db"), isolation_level=None, timeout=20)
    lite.execute("BEGIN IMMEDIATE")  # no fill can write while this is held
    c = h.Conn(d.sock).login()
    s0 = d.stats()
    for i in ids:
        check(exchange(c, Q(LOOK % i)) == exchange(pg, Q(LOOK % i)), "cold lookup %d: PostgreSQL's answer" % i, d)
    s1 = d.stats()
    check(s1["queries_cache_misses"] - s0["queries_cache_misses"] == len(ids), "the cold lookups are misses", d)
    check(s1["cache_fills_queued"] - s0["cache_fills_queued"] >= len(ids) and
          s1["cache_fills_done"] == s0["cache_fills_done"], "their fills are queued and none has run", d)
    c.close()
    d.kill()
    lite.execute("ROLLBACK")
    lite.close()

d2 = h.Daemon(CONF, dir=d.dir)
with d2:
    c = h.Conn(d2.sock).login()
    s0 = d2.stats()
    for i in ids:
        check(exchange(c, Q(LOOK % i)) == exchange(pg, Q(LOOK % i)),
              "after the restart lookup %d: PostgreSQL's answer" % i, d2)
    s1 = d2.stats()
    check(s1["queries_cache_misses"] - s0["queries_cache_misses"] == len(ids),
          "the lost fills left the values unloaded: misses again", d2)
    check(s1["cache_fills_queued"] - s0["cache_fills_queued"] >= len(ids), "the misses queued the fills again", d2)
    d2.admin("WAIT", "FILLS", "30000")
    for i in ids:
        exchange(c, Q(LOOK % i))
    s2 = d2.stats()
    check(s2["queries_cache_hits"] - s1["queries_cache_hits"] == len(ids), "once the fills ran: cache hits", d2)
    c.close()
    d2.stop()
pg.close()
h.plan()
