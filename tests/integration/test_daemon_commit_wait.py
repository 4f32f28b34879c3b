"""A commit through cbcached waits for the change stream (commit_wait_ms).

With the change stream, a session whose write commits does not fence the
tables it wrote: its client gets the commit's answer only once the applier
has applied the commit to the cache, and meanwhile every other session
keeps reading the cache (no client has seen the commit).  The race is made
certain by holding the cache file's write lock from this test (BEGIN
IMMEDIATE on the SQLite file, as any process may): the applier cannot
apply the commit until the test lets it.

1. commit_wait_ms = 30000.  A cached director is renamed through session W
   while the lock is held.  Once SHOW STATS counts the hold (the commit
   happened on the backend: PostgreSQL answers the new name), W has
   received nothing; another session R reads the director from the cache
   (a hit, the old name: nothing was fenced); W's read sent behind the
   UPDATE waits too.  The lock is released: W gets UPDATE 1 and then the
   new name, and from then on R reads the new name.
2. commit_wait_ms = 300, lock held: W gets its answer after the wait
   although the applier is stuck; the hold timed out and fenced the table,
   so R reads the new name (from the backend) while the lock is still
   held.
3. commit_wait_ms = 0: no hold at all, the write fences at once (the
   answer comes while the applier is stuck) and R reads the new name.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402
from cbd_helper import Q  # noqa: E402

SRC = os.environ["top_srcdir"]
check, direct, rows_of, pending = h.check, h.direct, h.rows_of, h.pending
lock_cache, read_answer, wait_for = h.lock_cache, h.read_answer, h.wait_for
LOOKUP = "SELECT nname FROM regisseur WHERE id = %d"


def conf(instance, wait_ms):
    return ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
            "instance_name = %s\ncommit_wait_ms = %d\n" %
            (os.path.join(SRC, "examples/movies/movies.cg"), instance, wait_ms))


def warm(d, ident):
    """Load director ident into the cache; True when the next read is a hit."""
    r = h.Conn(d.sock).login()
    rows_of(r, LOOKUP % ident)
    d.admin("WAIT", "FILLS", "20000")
    hits = d.stats()["queries_cache_hits"]
    name = rows_of(r, LOOKUP % ident)[0][0]
    return r, name, d.stats()["queries_cache_hits"] == hits + 1


setup = direct()
ids = [int(r[0]) for r in rows_of(setup, "SELECT id FROM regisseur ORDER BY id LIMIT 3")]
setup.close()

# --- 1. the commit waits, the other sessions read on -------------------------------------
with h.Daemon(conf("wa", 30000), port=6451) as d:
    ident = ids[0]
    r, old, hit = warm(d, ident)
    check(hit, "the director is answered from the cache before the write", d)
    w = h.Conn(d.sock).login()
    before = d.stats()
    lite = lock_cache(d)
    w.send(Q("UPDATE regisseur SET nname = 'held-1' WHERE id = %d" % ident) + Q(LOOKUP % ident))
    wait_for(d, "the commit was held", lambda: d.stats()["repl_commit_holds"] == before["repl_commit_holds"] + 1)
    pg = direct()
    check(rows_of(pg, LOOKUP % ident) == [["held-1"]], "the write committed on the backend", d)
    check(not pending(w), "the writer has no answer while the applier cannot apply its commit", d)
    hits = d.stats()["queries_cache_hits"]
    check(rows_of(r, LOOKUP % ident) == [[old]], "another session reads the cache meanwhile (old name)", d)
    st = d.stats()
    check(st["queries_cache_hits"] == hits + 1, "that read was a cache hit: nothing was fenced", d)
    check(st["repl_fences"] == 0 and st["repl_fences_made"] == before["repl_fences_made"],
          "the commit made no fence", d)
    check(not pending(w), "the writer still has no answer", d)
    lite.rollback()
    lite.close()
    tags, rows, errors = read_answer(w)
    check(tags == ["UPDATE 1"] and not errors, "the writer gets UPDATE 1 once the commit is applied", d)
    tags, rows, errors = read_answer(w)
    check(rows == ["held-1"] and not errors, "the writer's own read behind it answers the new name", d)
    check(rows_of(r, LOOKUP % ident) == [["held-1"]], "the other session reads the new name at once", d)
    st = d.stats()
    check(st["repl_commit_hold_timeouts"] == before["repl_commit_hold_timeouts"], "the hold did not time out", d)
    check(st["repl_fences_made"] == before["repl_fences_made"], "and made no fence", d)
    w.close()
    r.close()
    pg.close()
    d.stop()

# --- 2. and 3. the applier stuck: the write fences, then the client gets its answer --------
def fenced(instance, port, wait_ms, ident, name, what):
    """commit_wait_ms = wait_ms with the cache file locked: the writer is
    answered anyway (a hold times out, or none is made), the table is fenced
    and another session reads the new name from the backend."""
    with h.Daemon(conf(instance, wait_ms), port=port) as d:
        r, old, hit = warm(d, ident)
        check(hit, "%s: the director is cached" % what, d)
        w = h.Conn(d.sock).login()
        before = d.stats()
        lite = lock_cache(d)
        w.send(Q("UPDATE regisseur SET nname = '%s' WHERE id = %d" % (name, ident)))
        tags, rows, errors = read_answer(w)  # arrives although the applier is stuck
        st = d.stats()
        check(tags == ["UPDATE 1"], "%s: the writer is answered while the applier is stuck" % what, d)
        holds = st["repl_commit_holds"] - before["repl_commit_holds"]
        timeouts = st["repl_commit_hold_timeouts"] - before["repl_commit_hold_timeouts"]
        want = 1 if wait_ms > 0 else 0
        check(holds == want and timeouts == want,
              "%s: %s" % (what, "the hold timed out" if want else "no hold was made"), d)
        check(st["repl_fences_made"] == before["repl_fences_made"] + 1 and st["repl_fences"] >= 1,
              "%s: the table is fenced instead" % what, d)
        check(rows_of(r, LOOKUP % ident) == [[name]], "%s: another session reads the new name" % what, d)
        check(d.stats()["queries_cache_hits"] == st["queries_cache_hits"], "%s: from the backend" % what, d)
        lite.rollback()
        lite.close()
        w.close()
        r.close()
        d.stop()


fenced("wb", 6452, 300, ids[1], "held-2", "timeout")
fenced("wc", 6453, 0, ids[2], "held-3", "no wait")

h.plan()
