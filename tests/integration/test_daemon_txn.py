"""Reads inside transactions: answered from the cache only while exact.

Applications that turn autocommit off (pyodbc's default, most web
frameworks) run every read in a transaction.  Under READ COMMITTED every
statement sees what was committed before it began, which is what a cache
answer gives, so cbcached answers from the cache inside a transaction that
is READ COMMITTED and has only read what the cache could answer.  Each
sequence below runs on a session through cbcached and on one straight to
PostgreSQL; every message must be byte-identical (ReadyForQuery's status
'T' included), and the cache must answer exactly the statements marked
as hits:

- BEGIN (default read committed), BEGIN ISOLATION LEVEL READ COMMITTED,
  START TRANSACTION READ ONLY: lookups are hits; a miss keeps the next
  lookup a hit; the extended protocol too;
- REPEATABLE READ or SERIALIZABLE (named in BEGIN, by SET TRANSACTION,
  or by default_transaction_isolation): no hit;
- after a write (the transaction's own uncommitted row must be read), a
  SELECT ... FOR UPDATE, an advisory lock, a SAVEPOINT, a SET, or an
  error: no hit up to the end of the transaction; the next transaction
  is answered again;
- "BEGIN; SELECT ..." in one Query: no hit;
- the pipelines of a driver with psqlODBC's statement-level rollback
  (odbc-driver/): BEGIN and a lookup in one pipeline, then SAVEPOINT x,
  a lookup, RELEASE SAVEPOINT x in one: hits, and the client's unnamed
  statement is the RELEASE (bound again it fails as on PostgreSQL: the
  savepoint is gone); a RELEASE of another savepoint, a write in the
  pipeline: no hit.  A miss in either pipeline (the pipeline goes to the
  backend whole) leaves the transaction answerable; a lock or a write in
  the savepoint pipeline does not;
- a client that asked for in-process reads (-c cbcache.in_process=on) is
  told cbcache.txn_reads on/off before each ReadyForQuery that changes it.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402
from cbd_helper import B, D_portal, E, P, Q, S, exchange  # noqa: E402

SRC = os.environ["top_srcdir"]
check = h.check

conf = ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
        % os.path.join(SRC, "examples/movies/movies.cg"))

d = h.Daemon(conf)
with d:
    cb = h.Conn(d.sock).login()
    pg = h.direct()
    ids = [int(r[0]) for r in h.rows_of(pg, "SELECT id FROM regisseur ORDER BY id LIMIT 50")]
    warm, cold = ids[:38], ids[38:]
    LOOK = "SELECT id, vname, nname, wohnort FROM regisseur WHERE id = %d"
    for i in warm:
        exchange(cb, Q(LOOK % i))
    d.admin("WAIT", "FILLS", "30000")
    hits0 = d.stats()["queries_cache_hits"]
    exchange(cb, Q(LOOK % warm[0]))
    check(d.stats()["queries_cache_hits"] == hits0 + 1, "outside a transaction the warm lookup is a hit", d)

    def seq(name, steps):
        """The steps through cbcached, then the same straight to PostgreSQL (one
        transaction at a time: the write below would wait for the other's row
        lock): the same messages; the marked steps are cache hits."""
        got = []
        for data, what, hit in steps:
            before = d.stats()["queries_cache_hits"]
            got.append(exchange(cb, data))
            n = d.stats()["queries_cache_hits"] - before
            check(n == (1 if hit else 0),
                  "%s, %s: %s" % (name, what, "a cache hit" if hit else "not from the cache"), d)
        for (data, what, hit), g in zip(steps, got):
            want = exchange(pg, data)
            if g != want:
                print("cbcached:   %r\nPostgreSQL: %r" % (g, want), file=sys.stderr)
            check(g == want, "%s, %s: the same messages as PostgreSQL" % (name, what), d)

    w = iter(warm[1:])
    c = iter(cold)
    look = lambda: Q(LOOK % next(w))  # noqa: E731
    ext = lambda: P("", LOOK.replace("%d", "$1")) + B("", [next(w)]) + E() + S  # noqa: E731

    seq("BEGIN", [(Q("BEGIN"), "begin", False), (look(), "lookup", True),
                  (Q(LOOK % next(c)), "a cold lookup (miss)", False), (look(), "lookup after the miss", True),
                  (ext(), "extended lookup", True), (Q("COMMIT"), "commit", False)])
    seq("READ COMMITTED", [(Q("BEGIN ISOLATION LEVEL READ COMMITTED"), "begin", False), (look(), "lookup", True),
                           (Q("ROLLBACK"), "rollback", False)])
    seq("READ ONLY", [(Q("START TRANSACTION READ ONLY"), "begin", False), (look(), "lookup", True),
                      (Q("END"), "end", False)])
    seq("REPEATABLE READ", [(Q("BEGIN ISOLATION LEVEL REPEATABLE READ"), "begin", False),
                            (look(), "lookup", False), (Q("COMMIT"), "commit", False)])
    seq("SERIALIZABLE", [(Q("START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY"), "begin", False),
                         (look(), "lookup", False), (Q("COMMIT"), "commit", False)])
    seq("SET TRANSACTION", [(Q("BEGIN"), "begin", False),
                            (Q("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"), "set", False),
                            (look(), "lookup", False), (Q("COMMIT"), "commit", False)])
    seq("default repeatable read", [(Q("SET default_transaction_isolation = 'repeatable read'"), "set", False),
                                    (Q("BEGIN"), "begin", False), (look(), "lookup", False),
                                    (Q("COMMIT"), "commit", False),
                                    (Q("RESET default_transaction_isolation"), "reset", False),
                                    (Q("BEGIN"), "begin again", False), (look(), "lookup", True),
                                    (Q("COMMIT"), "commit again", False)])
    mine = warm[-1]
    seq("own write", [(Q("BEGIN"), "begin", False), (look(), "lookup", True),
                      (Q("UPDATE regisseur SET nname = 'uncommitted' WHERE id = %d" % mine), "update", False),
                      (Q(LOOK % mine), "the transaction's own row", False),
                      (look(), "another lookup", False), (Q("ROLLBACK"), "rollback", False)])
    seq("FOR UPDATE", [(Q("BEGIN"), "begin", False),
                       (Q("SELECT id FROM regisseur WHERE id = %d FOR UPDATE" % warm[0]), "lock a row", False),
                       (look(), "lookup", False), (Q("COMMIT"), "commit", False)])
    seq("advisory lock", [(Q("BEGIN"), "begin", False), (Q("SELECT pg_advisory_xact_lock(42)"), "lock", False),
                          (look(), "lookup", False), (Q("COMMIT"), "commit", False)])
    seq("SAVEPOINT", [(Q("BEGIN"), "begin", False), (Q("SAVEPOINT a"), "savepoint", False),
                      (look(), "lookup", False), (Q("COMMIT"), "commit", False)])
    seq("SET", [(Q("BEGIN"), "begin", False), (Q("SET LOCAL search_path = public"), "set local", False),
                (look(), "lookup", False), (Q("COMMIT"), "commit", False)])
    seq("error", [(Q("BEGIN"), "begin", False), (Q("SELECT 1 / 0"), "division by zero", False),
                  (look(), "lookup in the failed transaction", False), (Q("ROLLBACK"), "rollback", False)])
    seq("one Query", [(Q("BEGIN; " + LOOK % next(w)), "begin and lookup", False),
                      (look(), "lookup", False), (Q("COMMIT"), "commit", False)])
    def util(sql):
        return P("", sql) + B("") + D_portal() + E()

    def named(name, i, parse=True):
        return (P(name, LOOK.replace("%d", "$1")) if parse else b"") + B(name, [i]) + D_portal() + E()

    seq("pipelined BEGIN", [(util("BEGIN") + named("", next(w)) + S, "begin and lookup", True),
                            (util("SAVEPOINT cbo_svp") + named("txn_s1", next(w)) + util("RELEASE SAVEPOINT cbo_svp")
                             + S, "savepoint, prepare and lookup, release", True),
                            (util("SAVEPOINT cbo_svp") + named("txn_s1", next(w), False) + util("RELEASE cbo_svp")
                             + S, "savepoint, lookup, release", True),
                            (B("") + D_portal() + E() + S, "the unnamed RELEASE bound again", False),
                            (Q("ROLLBACK"), "rollback", False)])
    seq("pipelined savepoints", [(util("BEGIN") + named("", next(w)) + S, "begin and lookup", True),
                                 (util("SAVEPOINT a") + named("", next(w)) + util("RELEASE SAVEPOINT b") + S,
                                  "release of another savepoint", False),
                                 (Q("ROLLBACK"), "rollback", False)])
    seq("pipelined write", [(util("BEGIN") + util("UPDATE regisseur SET nname = nname WHERE id = %d" % mine)
                             + S, "begin and update", False),
                            (util("SAVEPOINT cbo_svp") + named("", next(w)) + util("RELEASE SAVEPOINT cbo_svp")
                             + S, "lookup after the write", False),
                            (Q("COMMIT"), "commit", False)])
    # a miss in those pipelines goes to the backend whole, and the transaction may still be answered:
    # the BEGIN and the SAVEPOINT/RELEASE around a read that succeeds change nothing else
    seq("pipelined misses", [(util("BEGIN") + named("", next(c)) + S, "begin and a cold lookup (miss)", False),
                             (util("SAVEPOINT cbo_svp") + named("", next(w)) + util("RELEASE SAVEPOINT cbo_svp")
                              + S, "savepoint, lookup, release", True),
                             (util("SAVEPOINT cbo_svp") + named("", next(c)) + util("RELEASE SAVEPOINT cbo_svp")
                              + S, "savepoint, cold lookup (miss), release", False),
                             (util("SAVEPOINT cbo_svp") + named("", next(w)) + util("RELEASE SAVEPOINT cbo_svp")
                              + S, "savepoint, lookup, release after the miss", True),
                             (util("SAVEPOINT cbo_svp") + util("SELECT pg_advisory_xact_lock(43)")
                              + util("RELEASE SAVEPOINT cbo_svp") + S, "savepoint, advisory lock, release", False),
                             (util("SAVEPOINT cbo_svp") + named("", next(w)) + util("RELEASE SAVEPOINT cbo_svp")
                              + S, "savepoint, lookup, release after the lock", False),
                             (Q("ROLLBACK"), "rollback", False)])
    # a write wrapped in the savepoint pipeline after a BEGIN pipeline that missed or hit: PostgreSQL's answers
    # (each once), and the transaction's own row read from the backend
    svp_write = (util("SAVEPOINT cbo_svp") + util("UPDATE regisseur SET nname = 'svp' WHERE id = %d" % mine)
                 + util("RELEASE SAVEPOINT cbo_svp") + S, "savepoint, update, release", False)
    own_row = (util("SAVEPOINT cbo_svp") + named("", mine) + util("RELEASE cbo_svp") + S,
               "the transaction's own row", False)
    for name, first in (("pipelined miss, then a write",
                         (util("BEGIN") + named("", next(c)) + S, "begin and a cold lookup", False)),
                        ("pipelined hit, then a write", (util("BEGIN") + named("", next(w)) + S, "begin and lookup",
                                                         True))):
        seq(name, [first, svp_write, own_row, (Q("ROLLBACK"), "rollback", False)])
    seq("after", [(Q("BEGIN"), "begin", False), (look(), "lookup", True), (Q("COMMIT"), "commit", False),
                  (look(), "autocommit lookup", True)])

    # a client that answers hits itself is told before each ReadyForQuery, when it changed, whether its
    # transaction may be answered (ParameterStatus cbcache.txn_reads); others never get it
    def told(conn, data):
        out = exchange(conn, data)
        said = [m[5:-1].split(b"\0") for m in out if m[:1] == b"S" and b"cbcache.txn_reads" in m]
        return [v.decode() for _, v in said]

    ip = h.Conn(d.sock).login(extra={"options": "-c cbcache.in_process=on"})
    check(told(ip, Q("BEGIN")) == ["on"], "in-process client: BEGIN (read committed) says txn_reads on", d)
    check(told(ip, Q(LOOK % warm[1])) == [], "... a lookup changes nothing", d)
    check(told(ip, Q("SELECT pg_advisory_xact_lock(44)")) == ["off"], "... a lock says off", d)
    check(told(ip, Q("COMMIT")) == [], "... COMMIT: already off", d)
    check(told(ip, util("BEGIN") + named("", next(c)) + S) == ["on"],
          "... BEGIN and a cold lookup in one pipeline say on", d)
    check(told(ip, Q("UPDATE regisseur SET nname = nname WHERE id = %d" % mine)) == ["off"], "... a write says off", d)
    check(told(ip, Q("ROLLBACK")) == [], "... ROLLBACK", d)
    check(told(ip, util("BEGIN") + named("", next(w)) + S) == ["on"], "... BEGIN and a hit in one pipeline say on", d)
    check(told(ip, Q("COMMIT")) == ["off"], "... COMMIT says off", d)
    ip.close()
    plain = exchange(cb, Q("BEGIN")) + exchange(cb, Q("COMMIT"))
    check(not any(m[:1] == b"S" for m in plain), "a client that did not ask is not told", d)
    cb.close()
    pg.close()
    d.stop()
h.plan()
