"""Enum columns (doc/cache.md, "Enum columns").

The movie database gets an enum type whose sort order is not the labels'
alphabetical one, and film a column of it (some NULL).

- Without the DDL event triggers: statements on the enum column go to the
  backend (an ALTER TYPE ... RENAME VALUE would change cached rows with no
  row change to see), and the log says why.
- With them: film's rows with the enum (SELECT *), = / <> / IN with a
  label, IS NULL, ORDER BY the enum (ASC, DESC, then id) are answered from
  the cache, byte for byte PostgreSQL's (RowDescription with the enum's
  OID); each ORDER BY answers differently by the labels' text, so a cache
  that sorted the text would fail here.  Through the extended protocol a
  label bound as a parameter is answered from the cache.  The ODBC driver
  answers them in the application's process (pyodbc), equal to psqlODBC's
  rows straight from PostgreSQL.
- What the cache must not answer, answered by PostgreSQL, the same bytes:
  a value that is no label (22P02), a parameter declared text (42883), an
  ordering comparison and min(), a binary result.
- ALTER TYPE ... RENAME VALUE and ADD VALUE straight on PostgreSQL: once
  the stream applied them, film answers PostgreSQL's rows (the new label,
  never the cached one) from the backend; RELOAD compiles the new labels
  and the cache answers again, in the new order.
- ALTER TYPE ... RENAME VALUE through cbcached while the applier cannot
  apply it (the cache file's write lock held by the test): the next read
  is PostgreSQL's, with the new label (ALTER TYPE fences every table).
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402
from cbd_helper import B, D_portal, E, P, Q, S, exchange  # noqa: E402

SRC = os.environ["top_srcdir"]
check, rows_of = h.check, h.rows_of
CONF = ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
        "instance_name = enums\n" % os.path.join(SRC, "examples/movies/movies.cg"))

pg = h.direct()
rows_of(pg, "CREATE TYPE freigabe AS ENUM ('ab 18', 'ab 0', 'ab 6', 'ab 12', 'ab 16')")
rows_of(pg, "ALTER TABLE film ADD COLUMN fsk freigabe")
rows_of(pg, "UPDATE film SET fsk = CASE WHEN id % 7 = 0 THEN NULL ELSE (enum_range(NULL::freigabe))[1 + id % 5] END")
a, b = [int(r[0]) for r in rows_of(pg, "SELECT regie FROM film WHERE regie IS NOT NULL GROUP BY regie "
                                       "HAVING count(DISTINCT fsk) >= 4 ORDER BY regie LIMIT 2")]
V = {"a": a, "b": b}

HITS = [
    "SELECT * FROM film WHERE regie = %(a)d ORDER BY id",
    "SELECT id, fsk FROM film WHERE regie = %(a)d AND fsk = 'ab 12' ORDER BY id",
    "SELECT id, fsk FROM film WHERE regie = %(a)d AND fsk <> 'ab 6' ORDER BY id",
    "SELECT id, fsk FROM film WHERE regie IN (%(a)d, %(b)d) AND fsk IN ('ab 0', 'ab 16') ORDER BY id",
    "SELECT id FROM film WHERE regie = %(b)d AND fsk IS NULL ORDER BY id",
    "SELECT id, fsk FROM film WHERE regie = %(a)d ORDER BY fsk, id",
    "SELECT id, fsk FROM film WHERE regie IN (%(a)d, %(b)d) ORDER BY fsk DESC, id",
    "SELECT fsk, count(*) FROM film WHERE regie = %(b)d GROUP BY fsk ORDER BY fsk",
]
MISSES = [
    "SELECT id FROM film WHERE regie = %(a)d AND fsk = 'ab 99'",
    "SELECT id FROM film WHERE regie = %(a)d AND fsk < 'ab 12' ORDER BY id",
    "SELECT min(fsk) FROM film WHERE regie = %(a)d",
    "SELECT id FROM film WHERE regie = %(a)d AND fsk = 'AB 12'",
]


def cbcached(*args):
    return subprocess.run([h.CBCACHED] + list(args), capture_output=True, text=True)


def answer(d, c, sql, hit, what):
    """sql through cbcached equals PostgreSQL's answer; a cache hit exactly when hit."""
    before = d.stats()["queries_cache_hits"]
    got = exchange(c, Q(sql))
    n = d.stats()["queries_cache_hits"] - before
    check(got == exchange(pg, Q(sql)), "%s: PostgreSQL's answer, byte for byte: %s" % (what, sql), d)
    check(n == (1 if hit else 0), "%s: %s the cache: %s" % (what, "from" if hit else "not from", sql), d)
    return got


def warm(d, c, sqls):
    for s in sqls:
        exchange(c, Q(s % V))
    d.admin("WAIT", "FILLS", "20000")


for s in HITS:
    if "ORDER BY fsk" in s:
        sql = s % V
        check(rows_of(pg, sql) != rows_of(pg, sql.replace("ORDER BY fsk", "ORDER BY fsk::text")),
              "the enum's order is not its labels' text order: %s" % sql)

# --- without the DDL event triggers: the backend answers --------------------------------------
d = h.Daemon(CONF, port=6471)
with d:
    with open(d.log) as f:
        check("enum columns go to the backend: answering them needs the DDL event triggers" in f.read(),
              "without the DDL event triggers the log says enum columns go to the backend", d)
    c = h.Conn(d.sock).login()
    warm(d, c, HITS)
    for s in HITS[:2]:
        answer(d, c, s % V, False, "no triggers")
    c.close()
    d.stop()
r = cbcached("--install-backend", "-c", d.conf)
check(r.returncode == 0, "--install-backend: %s%s" % (r.stdout, r.stderr))

d = h.Daemon(CONF, port=6471, dir=d.dir)
with d:
    c = h.Conn(d.sock).login()
    warm(d, c, HITS)
    for s in HITS:
        answer(d, c, s % V, True, "enum")
    for s in MISSES:
        answer(d, c, s % V, False, "enum, backend")
    h.check_odbc_in_process(d, [s % V for s in HITS])

    # extended protocol: a label as a parameter (undeclared), then a non-label, then one declared text
    sql = "SELECT id, fsk FROM film WHERE regie = $1 AND fsk = $2 ORDER BY id"
    for args, types, hit, what in (((str(a), "ab 0"), (), True, "a label"),
                                   ((str(a), "ab 5"), (), False, "no label: 22P02"),
                                   ((str(a), "ab 0"), (23, 25), False, "declared text: 42883")):
        msgs = P("", sql, types) + B("", args) + D_portal() + E() + S
        exchange(c, msgs)
        d.admin("WAIT", "FILLS", "20000")
        before = d.stats()["queries_cache_hits"]
        got = exchange(c, msgs)
        n = d.stats()["queries_cache_hits"] - before
        check(got == exchange(pg, msgs), "extended, %s: PostgreSQL's answer, byte for byte" % what, d)
        check(n == (1 if hit else 0), "extended, %s: %s the cache" % (what, "from" if hit else "not from"), d)
        if not hit and types == ():
            check(any(m[:1] == b"E" and b"22P02" in m for m in got), "extended, %s: the error is 22P02" % what, d)
    # a binary result: PostgreSQL's
    msgs = P("", "SELECT fsk FROM film WHERE regie = $1 ORDER BY id") + B("", (str(a),), rformats=(1,)) + \
        D_portal() + E() + S
    check(exchange(c, msgs) == exchange(pg, msgs), "a binary result of the enum: PostgreSQL's answer", d)

    # --- ALTER TYPE straight on PostgreSQL -------------------------------------------------------
    for ddl in ("ALTER TYPE freigabe RENAME VALUE 'ab 12' TO 'ab 12 J'",
                "ALTER TYPE freigabe ADD VALUE 'ab 3' BEFORE 'ab 6'"):
        changes = d.stats()["repl_schema_changes"]
        rows_of(pg, ddl)
        check(h.wait_applied(d, pg), "%s: applied by the stream" % ddl, d)
        # marked after the commit is applied (before held commits are let go): polled, with a deadline
        check(h.wait_stat(d, "repl_schema_changes", changes + 1), "%s: film is marked changed" % ddl, d)
        if "ADD VALUE" in ddl:
            rows_of(pg, "UPDATE film SET fsk = 'ab 3' WHERE id = (SELECT min(id) FROM film WHERE regie = %d)" % a)
            check(h.wait_applied(d, pg), "a film set to the new label", d)
        for s in HITS[:2] + HITS[5:6]:
            answer(d, c, (s % V).replace("'ab 12'", "'ab 12 J'"), False, "after %s" % ddl)
        r = d.admin("RELOAD", check=False)
        check(r is not None and r.get("ok", False), "RELOAD compiles the new labels (%r)" % (r,), d)
        c.close()
        c = h.Conn(d.sock).login()
        hits = [(s % V).replace("'ab 12'", "'ab 12 J'") for s in HITS]
        for s in hits:
            exchange(c, Q(s))
        d.admin("WAIT", "FILLS", "20000")
        for s in hits:
            answer(d, c, s, True, "after %s and RELOAD" % ddl)

    # --- ALTER TYPE through cbcached while the applier cannot apply it (the cache file's write lock
    # held here): the commit's answer comes after commit_wait_ms, and the next read must be
    # PostgreSQL's new label, never the cached old one (ALTER TYPE names no table: all are fenced)
    # counted before the DDL: once the lock is let go the applier may mark film before this test
    # could read the counter again
    changes = d.stats()["repl_schema_changes"]
    lite = h.lock_cache(d, timeout=30)
    rows_of(c, "ALTER TYPE freigabe RENAME VALUE 'ab 16' TO 'ab 16 J'")
    got = answer(d, c, HITS[0] % V, False, "ALTER TYPE through cbcached, not applied yet")
    check(b"ab 16 J" in b"".join(got), "... with the new label", d)
    lite.execute("ROLLBACK")
    lite.close()
    check(h.wait_stat(d, "repl_schema_changes", changes + 1), "once applied, film is marked changed", d)
    c.close()
    d.stop()

pg.close()
h.plan()
