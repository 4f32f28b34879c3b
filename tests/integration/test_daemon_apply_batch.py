"""The applier commits transactions the stream has already sent together
(apply_batch, doc/cache.md "The applier").

The races are made certain by holding the cache file's write lock from
this test (BEGIN IMMEDIATE on the SQLite file): the applier stops inside
the first transaction, and everything written meanwhile reaches its socket
before the test lets it go (pg_stat_replication.sent_lsn says so).

1. apply_batch = 256: 40 directors renamed straight on PostgreSQL, one
   transaction each, while the lock is held.  Once let go, all 40 are
   applied in at most 3 SQLite commits (the first transaction, the rest that
   waited in the socket, and one spare for a read split by the kernel), and
   every director answers its new name from the cache.
2. apply_batch = 1: the same, one commit per transaction (40).
3. A fence or a hold falls only after the commit that applied its write.
   With the lock held: T0, a transaction with a logical message and no row
   change, goes straight to PostgreSQL (the applier takes its Begin and
   waits for the lock), then session W renames director Y through cbcached;
   its commit is held, and the sync thread's message that positions the
   hold follows the write in the stream.  Let go, the applier reads W's
   write and the sync message in one round (they reached its socket while
   it waited): W's write waits in the open SQLite transaction when the sync
   message comes.  CB_FAULTS=apply.commit=fail fails the commit of that
   batch (T0 changed no cache table: no pass), so the write is rolled back
   and applied again after a reconnect.  W gets its answer only then, and
   session R, reading Y once W has its answer, must get the new name: had
   the hold fallen when the sync message was read (before the commit), R
   would read the cache without the write until the stream reconnected.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402
from cbd_helper import Q  # noqa: E402

SRC = os.environ["top_srcdir"]
check, direct, rows_of = h.check, h.direct, h.rows_of
lock_cache, read_answer, wait_for = h.lock_cache, h.read_answer, h.wait_for
LOOKUP = "SELECT nname FROM regisseur WHERE id = %d"
N = 40


def conf(instance, batch, wait_ms=500):
    return ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
            "instance_name = %s\napply_batch = %d\ncommit_wait_ms = %d\n" %
            (os.path.join(SRC, "examples/movies/movies.cg"), instance, batch, wait_ms))


def lsn_now(pg):
    return int(rows_of(pg, "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")[0][0])


def sent(pg, instance):
    """How far the slot's walsender has sent (0: not streaming)."""
    r = rows_of(pg, "SELECT coalesce((SELECT r.sent_lsn - '0/0'::pg_lsn FROM pg_stat_replication r "
                    "JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = 'cbcache_%s'), 0)"
                % instance)
    return int(r[0][0])


def warm(d, ids):
    """Load the directors into the cache; True when a second read of each is a hit."""
    c = h.Conn(d.sock).login()
    for i in ids:
        rows_of(c, LOOKUP % i)
    d.admin("WAIT", "FILLS", "20000")
    hits = d.stats()["queries_cache_hits"]
    for i in ids:
        rows_of(c, LOOKUP % i)
    ok = d.stats()["queries_cache_hits"] == hits + len(ids)
    return c, ok


pg = direct()
ids = [int(r[0]) for r in rows_of(pg, "SELECT id FROM regisseur ORDER BY id LIMIT %d" % (N + 2))]


# --- 1. and 2. a backlog of N transactions, batched or one by one -------------------------
def backlog(instance, port, batch, tag):
    with h.Daemon(conf(instance, batch), port=port) as d:
        c, ok = warm(d, ids[:N])
        check(ok, "apply_batch %d: the directors are cached" % batch, d)
        before = d.stats()
        lite = lock_cache(d)
        w = direct()
        for k, i in enumerate(ids[:N]):
            rows_of(w, "UPDATE regisseur SET nname = '%s-%d' WHERE id = %d" % (tag, k, i))
        end = lsn_now(w)
        wait_for(d, "the walsender sent the %d transactions" % N, lambda: sent(pg, instance) >= end)
        lite.rollback()
        lite.close()
        check(h.wait_applied(d, w), "apply_batch %d: the %d transactions are applied" % (batch, N), d)
        st = d.stats()
        txns = st["repl_transactions"] - before["repl_transactions"]
        commits = st["repl_apply_commits"] - before["repl_apply_commits"]
        check(txns == N, "apply_batch %d: %d backend transactions applied (%d)" % (batch, N, txns), d)
        if batch == 1:
            check(commits == N, "apply_batch 1: one SQLite commit each (%d)" % commits, d)
        else:
            check(1 <= commits <= 3, "apply_batch %d: %d transactions in %d SQLite commits" % (batch, N, commits), d)
        hits = d.stats()["queries_cache_hits"]
        got = [rows_of(c, LOOKUP % i) for i in ids[:N]]
        check(got == [[["%s-%d" % (tag, k)]] for k in range(N)],
              "apply_batch %d: every director answers its new name" % batch, d)
        check(d.stats()["queries_cache_hits"] == hits + N, "apply_batch %d: from the cache" % batch, d)
        c.close()
        w.close()
        d.stop()


backlog("ba", 6461, 256, "batch")
backlog("bb", 6462, 1, "alone")

# --- 3. the hold falls after the commit of the batch that holds its write ---------------
y = ids[N + 1]
instance = "bc"
with h.Daemon(conf(instance, 256, wait_ms=20000), port=6463, env={"CB_FAULTS": "apply.commit=fail"}) as d:
    r, ok = warm(d, [y])
    check(ok, "hold: Y is cached", d)
    old_y = rows_of(r, LOOKUP % y)[0][0]
    before = d.stats()
    lite = lock_cache(d)
    t0 = direct()
    m0 = d.stats()["repl_messages"]
    rows_of(t0, "SELECT pg_logical_emit_message(true, 'test', 'T0')")
    # the stream decoded T0's Begin: the applier took it and waits for the lock
    wait_for(d, "the stream decoded T0's Begin", lambda: d.stats()["repl_messages"] > m0)
    w = h.Conn(d.sock).login()
    w.send(Q("UPDATE regisseur SET nname = 'held-Y' WHERE id = %d" % y) + Q(LOOKUP % y))
    wait_for(d, "the commit through cbcached was held",
             lambda: d.stats()["repl_commit_holds"] == before["repl_commit_holds"] + 1)
    wait_for(d, "the sync thread positioned the hold", lambda: d.stats()["repl_syncs"] > before["repl_syncs"])
    end = lsn_now(t0)
    wait_for(d, "the walsender sent the write and the sync message", lambda: sent(pg, instance) >= end)
    check(not h.pending(w), "hold: the writer has no answer while the applier cannot apply", d)
    lite.rollback()
    lite.close()
    tags, rows, errors = read_answer(w)
    check(tags == ["UPDATE 1"] and not errors, "hold: the writer gets UPDATE 1", d)
    got = rows_of(r, LOOKUP % y)
    check(got == [["held-Y"]], "hold: another session reads the new name once the writer has its answer "
          "(%r, old %r)" % (got, old_y), d)
    tags, rows, errors = read_answer(w)
    check(rows == ["held-Y"] and not errors, "hold: the writer's read behind its commit answers the new name", d)
    st = d.stats()
    check(st["repl_failures"] == before["repl_failures"] + 1,
          "hold: the commit of the write and the sync message failed (the fault point)", d)
    with open(os.path.join(d.dir, "stderr")) as f:
        faults = f.read().count("fault point apply.commit: fails")
    check(faults == 1, "hold: the fault point failed one commit (%d)" % faults, d)
    check(h.wait_applied(d, t0), "hold: everything applied after the reconnect", d)
    hits = d.stats()["queries_cache_hits"]
    check(rows_of(r, LOOKUP % y) == [["held-Y"]] and d.stats()["queries_cache_hits"] == hits + 1,
          "hold: Y's new name from the cache", d)
    r.close()
    w.close()
    t0.close()
    d.stop()

pg.close()
h.plan()
