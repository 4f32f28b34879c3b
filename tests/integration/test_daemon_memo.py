"""The memo of rendered answers (doc/cache.md, "The memo"): exact and never stale.

cbcached with its memo (memo_max_mb's default) caches the movie database.

- Repeats: each director's films with their location (regisseur, film and
  ort joined), read three times on one session, simple and extended
  (text and binary results): the repeats are memo hits (SHOW STATS
  memo_hits, SHOW QUERIES memo_hits) and every answer is PostgreSQL's,
  byte for byte.
- A write to each table the join reads (film, regisseur, ort), through a
  second session (its commit waits until the change stream applied it),
  then the join at once on a third session: PostgreSQL's new answer, not
  the memo's old one.  The same with the write straight to PostgreSQL,
  read once the stream's applied position passed the write's commit
  (SHOW STATS repl_applied_lsn against pg_current_wal_insert_lsn(): the
  test cluster commits asynchronously, so pg_current_wal_lsn() may still
  be short of the commit record).
- Concurrent writers on every table the join reads, through cbcached,
  each reading its write back through another session at once, while
  readers repeat the joins: never the old value; at the end every join
  equals PostgreSQL's.
- memo_max_mb = 0: no memo, the cache answers all the same.
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402
from cbd_helper import B, D_portal, E, P, Q, S, exchange  # noqa: E402

SRC = os.environ["top_srcdir"]
SECONDS = float(os.environ.get("CB_MEMO_SECONDS", "10"))
check, direct, value_of = h.check, h.direct, h.rows_of
CONF = ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
        "commit_wait_ms = 20000\n" % os.path.join(SRC, "examples/movies/movies.cg"))
JOIN = ("SELECT f.id, f.titel, r.nname, o.plz, o.name FROM regisseur r JOIN film f ON f.regie = r.id "
        "JOIN ort o ON o.plz = f.ort WHERE r.id = %s ORDER BY f.id")

pg = direct()
ids = [int(r[0]) for r in value_of(pg, "SELECT regie FROM film WHERE ort IS NOT NULL GROUP BY regie "
                                       "HAVING count(DISTINCT ort) >= 2 ORDER BY regie LIMIT 12")]
if len(ids) < 12:
    h.fail("the movie database is too small for this test")


def film_and_ort(i, conn=None):
    r = value_of(conn or pg, "SELECT min(id), min(ort) FROM film WHERE regie = %d AND ort IS NOT NULL" % i)[0]
    return int(r[0]), r[1]


def simple(i):
    return Q(JOIN % i)


def extended(i, fmt):
    return P("", JOIN % "$1") + B("", [i], rformats=[fmt]) + D_portal() + E() + S


d = h.Daemon(CONF)
with d:
    cb = h.Conn(d.sock).login()
    for i in ids:
        exchange(cb, simple(i))
    d.admin("WAIT", "FILLS", "30000")

    # --- repeats ---------------------------------------------------------------
    s0 = d.stats()
    same = True
    for i in ids:
        for data in (simple(i), extended(i, 0), extended(i, 1)):
            want = exchange(pg, data)
            for _ in range(3):
                same = same and exchange(cb, data) == want
    s1 = d.stats()
    n = len(ids) * 3 * 3
    check(same, "every answer (simple, extended text and binary) is PostgreSQL's, byte for byte", d)
    check(s1["queries_cache_hits"] - s0["queries_cache_hits"] == n, "all %d reads are cache hits" % n, d)
    check(s1["memo_hits"] - s0["memo_hits"] == n - len(ids) * 3,
          "the memo gave the %d repeats (%d)" % (n - len(ids) * 3, s1["memo_hits"] - s0["memo_hits"]), d)
    shapes = {r["query"]: r for r in d.admin("SHOW", "QUERIES")["rows"]}
    check(any(int(r["memo_hits"]) > 0 for r in shapes.values()), "SHOW QUERIES counts memo hits per shape", d)
    check(s1["memo_entries"] > 0 and 0 < s1["memo_bytes"] <= s1["memo_max_bytes"],
          "SHOW STATS shows the memo's entries and bytes within its bound", d)

    # --- a write to each table the join reads -----------------------------------
    writer = h.Conn(d.sock).login()
    reader = h.Conn(d.sock).login()
    for n_, (table, stmt) in enumerate([
            ("film", "UPDATE film SET titel = 'memo film %d' WHERE id = {film}"),
            ("regisseur", "UPDATE regisseur SET nname = 'memo regisseur %d' WHERE id = {dir}"),
            ("ort", "UPDATE ort SET name = 'memo ort %d' WHERE plz = '{ort}'")]):
        i = ids[n_]
        film, ort = film_and_ort(i)
        exchange(reader, simple(i))
        exchange(reader, simple(i))  # kept in the memo
        value_of(writer, (stmt % n_).format(film=film, dir=i, ort=ort))
        before = d.stats()["memo_hits"]
        got = exchange(reader, simple(i))
        check(got == exchange(pg, simple(i)) and ("memo %s %d" % (table, n_)).encode() in b"".join(got), "a write through cbcached to %s: the next join reads it" % table, d)
        check(d.stats()["memo_hits"] == before, "... and not from the memo", d)
        check(exchange(reader, simple(i)) == got and d.stats()["memo_hits"] == before + 1,
              "... and the new answer is kept", d)

    for n_, stmt in enumerate(["UPDATE film SET titel = 'straight %d' WHERE id = {film}",
                               "UPDATE ort SET name = 'straight %d' WHERE plz = '{ort}'"]):
        i = ids[3 + n_]
        film, ort = film_and_ort(i)
        exchange(reader, simple(i))
        exchange(reader, simple(i))
        value_of(pg, (stmt % n_).format(film=film, ort=ort))
        check(h.wait_applied(d, pg), "the stream applied the write straight to PostgreSQL", d)
        got = exchange(reader, simple(i))
        check(got == exchange(pg, simple(i)) and ("straight %d" % n_).encode() in b"".join(got),
              "a write straight to PostgreSQL, once applied: the next join reads it (%d)" % n_, d)

    # --- concurrent writers --------------------------------------------------------
    race = h.Race()

    def write_loop(n):
        c = h.Conn(d.sock).login()
        other = h.Conn(d.sock).login()
        own = direct()
        mine = ids[6 + n * 2:8 + n * 2]
        own_orts = orts_of[n]
        seq = [0]

        def step():
            i = random.choice(mine)
            film, ort = film_and_ort(i, own)
            seq[0] += 1
            v = "w%d-%d" % (n, seq[0])
            stmt = random.choice(["UPDATE film SET titel = '{v}' WHERE id = {film}",
                                  "UPDATE regisseur SET nname = '{v}' WHERE id = {dir}",
                                  "UPDATE ort SET name = '{v}' WHERE plz = '{ort}'"])
            if "ort" in stmt and ort not in own_orts:
                return
            value_of(c, stmt.format(v=v, film=film, dir=i, ort=ort))
            for conn in (other, c):
                got = b"".join(exchange(conn, simple(i)))
                if v.encode() not in got:
                    race.problem("writer %d: %s not read back after its commit" % (n, v))
            race.count("writes")
            race.stop.wait(random.uniform(0.005, 0.03))
        return step

    def read_loop():
        c = h.Conn(d.sock).login()

        def step():
            exchange(c, simple(random.choice(ids)))
            race.count("reads")
        return step

    # a writer renames only the places no other writer's films are in (a place is shared between directors)
    where = {n: set(r[0] for r in value_of(pg, "SELECT DISTINCT ort FROM film WHERE regie = ANY('{%s}') AND ort "
                                             "IS NOT NULL" % ",".join(map(str, ids[6 + n * 2:8 + n * 2]))))
             for n in range(3)}
    orts_of = {n: where[n] - set().union(*(where[k] for k in range(3) if k != n)) for n in range(3)}
    m0 = d.stats()
    race.run(SECONDS, [("writer %d" % n, lambda n=n: write_loop(n)) for n in range(3)] +
             [("reader", read_loop) for _ in range(2)])
    counts, problems = race.counts, race.problems
    counts.setdefault("writes", 0)
    counts.setdefault("reads", 0)
    m1 = d.stats()
    print("# %d writes, %d reads; memo hits %d, stale %d" % (counts["writes"], counts["reads"],
          m1["memo_hits"] - m0["memo_hits"], m1["memo_stale"] - m0["memo_stale"]))
    check(not problems, "no writer read an old value (%s)" % "; ".join(problems[:3]), d)
    check(counts["writes"] > 0 and counts["reads"] > 0, "the race ran", d)
    d.admin("WAIT", "FILLS", "30000")
    final = h.Conn(d.sock).login()
    diffs = [i for i in ids if exchange(final, simple(i)) != exchange(pg, simple(i))]
    check(not diffs, "after the race every join equals PostgreSQL's (%r)" % diffs, d)
    for c in (cb, writer, reader, final):
        c.close()
    d.stop()

# --- no memo -----------------------------------------------------------------------
d = h.Daemon(CONF + "memo_max_mb = 0\n", port=6434)
with d:
    c = h.Conn(d.sock).login()
    for i in ids[:3]:
        exchange(c, simple(i))
    d.admin("WAIT", "FILLS", "30000")
    s0 = d.stats()
    for i in ids[:3]:
        for _ in range(3):
            check(exchange(c, simple(i)) == exchange(pg, simple(i)), "without a memo: PostgreSQL's answer", d)
    s1 = d.stats()
    check(s1["queries_cache_hits"] - s0["queries_cache_hits"] == 9 and s1["memo_hits"] == 0
          and s1["memo_max_bytes"] == 0, "memo_max_mb = 0: cache hits, no memo", d)
    c.close()
    d.stop()
pg.close()
h.plan()
