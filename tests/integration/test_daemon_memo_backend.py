"""The memo of backend answers (doc/cache.md): exact, and never stale.

cbcached caches the movie database with the DDL event triggers installed
(the memo of backend answers needs them).

- Shapes the constraint cache cannot answer (GROUP BY, arithmetic, upper(),
  ORDER BY on a timestamp, a subquery, a WITH query), simple and extended
  (text and binary results, a prepared statement bound again): the first
  run goes to PostgreSQL, the repeats come from the memo (SHOW STATS
  memo_backend_hits), and every answer is PostgreSQL's, byte for byte.
- Never kept: now(), random(), current_user, 'today', a table that is not
  a cache table, a read inside a transaction, a read that fails: each run
  again goes to PostgreSQL.
- DDL straight to PostgreSQL: a function public.upper() that shadows the
  built-in one for a session whose search_path puts public first: its
  answers at once, and upper() no longer memoised.
- Writes straight to PostgreSQL to every table a memoised shape reads (to
  rows the cache never loaded too), read once the stream applied them:
  PostgreSQL's new answer, never the kept one.
- Applied before visible: a commit waiting for a synchronous standby that
  never answers is decodable (the stream applies it) and invisible to
  snapshots.  A memoisable read then sees the old rows; it must not be kept
  (memo_backend_unsettled), since its position says the commit is in it.
  Once the commit is visible the read answers the new rows.
- Concurrent writers straight to PostgreSQL and through cbcached, readers
  repeating every shape: each writer reads its write back through
  cbcached after its commit; at the end every shape equals PostgreSQL's.
- memo_backend_mb = 0: no memo of backend answers, answers all the same.
"""
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402
from cbd_helper import B, D_portal, E, P, Q, S, exchange  # noqa: E402

SRC = os.environ["top_srcdir"]
SECONDS = float(os.environ.get("CB_MEMO_SECONDS", "8"))
check, direct, value_of = h.check, h.direct, h.rows_of
CONF = ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
        "commit_wait_ms = 20000\ninstance_name = bmemo\n" % os.path.join(SRC, "examples/movies/movies.cg"))

SHAPES = [
    "SELECT regie, count(*) AS n, max(jahr) + 1 FROM film WHERE regie IN (%(a)s, %(b)s) GROUP BY regie ORDER BY regie",
    "SELECT id, upper(titel), laenge_min * 60 AS sekunden FROM film WHERE regie = %(a)s ORDER BY id",
    "SELECT id, geaendert + interval '1 hour' FROM film WHERE regie = %(b)s ORDER BY geaendert DESC, id LIMIT 3",
    "SELECT r.nname, (SELECT count(*) FROM film f WHERE f.regie = r.id) FROM regisseur r WHERE r.id = %(a)s",
    "WITH f AS (SELECT id, ort FROM film WHERE regie = %(a)s) SELECT o.name, count(*) FROM f JOIN ort o "
    "ON o.plz = f.ort GROUP BY o.name ORDER BY o.name",
]
NEVER = [
    "SELECT now() > '2000-01-01', count(*) FROM film WHERE regie = %(a)s",
    "SELECT random() < 2, count(*) FROM film WHERE regie = %(a)s",
    "SELECT current_user, count(*) FROM film WHERE regie = %(a)s",
    "SELECT count(*) FROM film WHERE erschienen < 'today' AND regie = %(a)s",
    "SELECT count(*) FROM other_table",
]


def cbcached(*args):
    return subprocess.run([h.CBCACHED] + list(args), capture_output=True, text=True)


def stat(d, name):
    return d.stats()[name]


def wait_applied(d, pg):
    """Until the stream applied everything written so far on pg's server."""
    check(h.wait_applied(d, pg), "the stream applied the writes within 30 s", d)


pg = direct()
value_of(pg, "CREATE TABLE other_table (x int)")
value_of(pg, "INSERT INTO other_table VALUES (1), (2)")
pairs = [(int(r[0]), int(r[1])) for r in value_of(
    pg, "SELECT a.regie, b.regie FROM (SELECT regie, row_number() OVER (ORDER BY regie) n FROM film "
        "WHERE ort IS NOT NULL GROUP BY regie HAVING count(*) >= 2) a JOIN (SELECT regie, row_number() OVER "
        "(ORDER BY regie DESC) n FROM film WHERE ort IS NOT NULL GROUP BY regie HAVING count(*) >= 2) b "
        "ON a.n = b.n WHERE a.regie < b.regie LIMIT 8")]
if len(pairs) < 8:
    h.fail("the movie database is too small for this test")

# the DDL event triggers, installed on a stopped instance
d = h.Daemon(CONF, port=6461)
with d:
    check(d.stats()["memo_backend_max_bytes"] == 0, "without the DDL event triggers: no memo of backend answers")
    d.stop()
r = cbcached("--install-backend", "-c", d.conf)
check(r.returncode == 0, "--install-backend: %s%s" % (r.stdout, r.stderr))

d = h.Daemon(CONF, port=6461, dir=d.dir)
with d:
    check(d.stats()["memo_backend_max_bytes"] == 64 << 20, "memo_backend_mb's default: 64 MB", d)
    cb = h.Conn(d.sock).login()

    def simple(shape, p):
        return Q(shape % {"a": p[0], "b": p[1]})

    def extended(shape, p, fmt, parse=True):
        text = shape % {"a": "$1", "b": "$2"}
        if "$2" not in text:
            args = [p[0]]
        elif "$1" not in text:
            text, args = text.replace("$2", "$1"), [p[1]]
        else:
            args = [p[0], p[1]]
        return (P("", text) if parse else b"") + B("", args, rformats=[fmt]) + D_portal() + E() + S

    # --- repeats ---------------------------------------------------------------------
    s0 = d.stats()
    same, n = True, 0
    for shape in SHAPES:
        for p in pairs[:3]:
            for data in (simple(shape, p), extended(shape, p, 0), extended(shape, p, 1)):
                want = exchange(pg, data)
                for _ in range(3):
                    got = exchange(cb, data)
                    same = same and got == want
                    n += 1
    s1 = d.stats()
    first = len(SHAPES) * 3 * 3
    check(same, "every answer (simple, extended text and binary) is PostgreSQL's, byte for byte", d)
    check(s1["memo_backend_hits"] - s0["memo_backend_hits"] == n - first,
          "the %d repeats came from the memo of backend answers (%d)" % (n - first,
                                                                        s1["memo_backend_hits"] - s0["memo_backend_hits"]), d)
    check(s1["memo_backend_stored"] - s0["memo_backend_stored"] == first,
          "the %d first runs were kept (%d)" % (first, s1["memo_backend_stored"] - s0["memo_backend_stored"]), d)
    check(s1["queries_cache_hits"] - s0["queries_cache_hits"] == n - first,
          "memo answers count as cache hits in SHOW STATS", d)
    rows = [r for r in d.admin("SHOW", "QUERIES")["rows"] if "upper(titel)" in r["query"]]
    check(rows and sum(int(r["memo_hits"]) for r in rows) == 3 * 3 * 2 and
          all(int(r["cache_hits"]) >= int(r["memo_hits"]) for r in rows),
          "SHOW QUERIES counts them as cache hits and memo hits of their shape (%r)" % rows, d)

    # a named prepared statement, bound again: from the memo, and the unnamed Parse answered here is not lost
    text = SHAPES[1] % {"a": "$1", "b": "$1"}
    exchange(cb, P("stmt1", text) + S)
    exchange(pg, P("stmt1", text) + S)
    for p in pairs[:2]:
        want = exchange(pg, B("stmt1", [p[0]]) + E() + S)
        b0 = stat(d, "memo_backend_hits")
        got = [exchange(cb, B("stmt1", [p[0]]) + E() + S) for _ in range(3)]
        check(all(g == want for g in got) and stat(d, "memo_backend_hits") - b0 == 2,
              "a named statement bound again: PostgreSQL's answer, the repeats from the memo", d)
    data = extended(SHAPES[1], pairs[0], 0)
    b0 = stat(d, "memo_backend_hits")
    exchange(cb, data)
    check(stat(d, "memo_backend_hits") == b0 + 1, "a Parse, Bind, Execute answered from the memo", d)
    exchange(pg, data)
    after = B("", [pairs[1][0]]) + E() + S  # binds the unnamed statement the memo's answer parsed
    check(exchange(cb, after) == exchange(pg, after),
          "a Bind of the unnamed statement after a memo answer: PostgreSQL's answer", d)

    # --- never kept ------------------------------------------------------------------
    for shape in NEVER:
        b0, st0 = stat(d, "memo_backend_hits"), stat(d, "memo_backend_stored")
        for _ in range(3):
            exchange(cb, simple(shape, pairs[0]))
        check(stat(d, "memo_backend_hits") == b0 and stat(d, "memo_backend_stored") == st0,
              "never kept: %s" % shape, d)
    b0, st0 = stat(d, "memo_backend_hits"), stat(d, "memo_backend_stored")
    q = simple(SHAPES[0], pairs[5])
    for _ in range(2):
        got = exchange(cb, Q("BEGIN") + q + Q("COMMIT"))
        check(got == exchange(pg, Q("BEGIN") + q + Q("COMMIT")), "in a transaction: PostgreSQL's answer", d)
    check(stat(d, "memo_backend_hits") == b0 and stat(d, "memo_backend_stored") == st0,
          "reads inside a transaction are not kept", d)
    bad = Q("SELECT regie, 1 / (count(*) - count(*)) FROM film WHERE regie = %d GROUP BY regie" % pairs[0][0])
    for _ in range(2):
        got = exchange(cb, bad)
        check(any(m[:1] == b"E" and b"22012" in m for m in got), "a read that fails fails each time (22012)", d)
    check(stat(d, "memo_backend_hits") == b0, "... and is never answered from the memo", d)

    # --- DDL straight to PostgreSQL: a function that shadows a built-in one --------------
    cb2 = h.Conn(d.sock).login()
    exchange(cb2, Q("SET search_path = public, pg_catalog"))
    exchange(pg, Q("SET search_path = public, pg_catalog"))
    q = simple(SHAPES[1], pairs[2])
    b0 = stat(d, "memo_backend_hits")
    for _ in range(3):
        check(exchange(cb2, q) == exchange(pg, q), "with search_path public first: PostgreSQL's answer", d)
    check(stat(d, "memo_backend_hits") == b0 + 2, "... the repeats from the memo (its own key: other settings)", d)
    value_of(pg, "CREATE FUNCTION public.upper(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT 'shadow'$$")
    wait_applied(d, pg)
    b0 = stat(d, "memo_backend_hits")
    for _ in range(3):
        got = exchange(cb2, q)
        check(got == exchange(pg, q) and b"shadow" in b"".join(got),
              "after CREATE FUNCTION public.upper straight to PostgreSQL: its answer, not the kept one", d)
    check(stat(d, "memo_backend_hits") == b0, "... and upper() is no longer memoised (a name outside pg_catalog)", d)
    value_of(pg, "DROP FUNCTION public.upper(text)")
    exchange(pg, Q("RESET search_path"))
    cb2.close()

    # --- writes straight to PostgreSQL ------------------------------------------------
    writes = [
        ("film", "UPDATE film SET titel = titel || ' x', laenge_min = coalesce(laenge_min, 0) + 1, "
                 "geaendert = geaendert + interval '1 day' WHERE regie = %(a)s"),
        ("regisseur", "UPDATE regisseur SET nname = nname || ' y' WHERE id = %(a)s"),
        ("ort", "UPDATE ort SET name = name || ' z' WHERE plz IN (SELECT ort FROM film WHERE regie = %(a)s)"),
        ("film (a row never cached)", "INSERT INTO film (id, titel, regie, ort, geaendert) SELECT max(id) + 1, "
                                      "'new', %(b)s, min(ort), now() FROM film"),
    ]
    for table, stmt in writes:
        p = pairs[3]
        for shape in SHAPES:
            exchange(cb, simple(shape, p))
        value_of(pg, stmt % {"a": p[0], "b": p[1]})
        wait_applied(d, pg)
        for shape in SHAPES:
            check(exchange(cb, simple(shape, p)) == exchange(pg, simple(shape, p)),
                  "a write straight to PostgreSQL to %s, once applied: PostgreSQL's new answer (%s)"
                  % (table, shape[:40]), d)

    # --- applied before visible ------------------------------------------------------
    p = pairs[4]
    shape = "SELECT id, titel, laenge_min * 60 FROM film WHERE regie = %(a)s ORDER BY id"
    value_of(pg, "ALTER SYSTEM SET synchronous_standby_names = 'cb_nobody'")
    value_of(pg, "SELECT pg_reload_conf()")
    wr = direct()
    pid = value_of(wr, "SELECT pg_backend_pid()")[0][0]
    deadline = time.monotonic() + 30
    waiting = False
    seq = 0
    while not waiting:
        if time.monotonic() > deadline:
            h.fail("no commit waited for the synchronous standby within 30 s", d)
        seq += 1
        value_of(wr, "BEGIN")
        value_of(wr, "SET LOCAL synchronous_commit = on")
        value_of(wr, "UPDATE film SET titel = 'invisible %d' WHERE regie = %d" % (seq, p[0]))
        wr.send(Q("COMMIT"))
        while True:
            if h.pending(wr):
                while True:
                    t, body = wr.read_msg()
                    if t == b"Z":
                        break
                break  # it did not wait: the setting is not read yet
            waiting = value_of(pg, "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND "
                                   "wait_event = 'SyncRep'" % pid)[0][0] == "1"
            if waiting:
                break
    wait_applied(d, pg)  # the stream applied the waiting commit
    check(not h.pending(wr), "the commit is still waiting (invisible)", d)
    st0, u0, b0 = stat(d, "memo_backend_stored"), stat(d, "memo_backend_unsettled"), stat(d, "memo_backend_hits")
    old = exchange(cb, simple(shape, p))
    check(b"invisible %d" % seq not in b"".join(old), "a read sees the old rows while the commit is invisible", d)
    exchange(cb, simple(shape, p))
    check(stat(d, "memo_backend_stored") == st0 and stat(d, "memo_backend_unsettled") >= u0 + 1
          and stat(d, "memo_backend_hits") == b0,
          "... and is not kept: the applied commit is not known visible (memo_backend_unsettled)", d)
    value_of(pg, "ALTER SYSTEM RESET synchronous_standby_names")
    value_of(pg, "SELECT pg_reload_conf()")
    while True:
        t, body = wr.read_msg()
        if t == b"Z":
            break
    new = exchange(cb, simple(shape, p))
    check(b"invisible %d" % seq in b"".join(new) and new == exchange(pg, simple(shape, p)),
          "once the commit is visible: the new rows", d)
    deadline = time.monotonic() + 30
    while stat(d, "memo_backend_hits") == b0:  # kept again once the sync thread saw the commit
        if time.monotonic() > deadline:
            h.fail("answers of the table were not kept again within 30 s", d)
        got = exchange(cb, simple(shape, p))
        check(got == exchange(pg, simple(shape, p)), "PostgreSQL's answer meanwhile", d)
    wr.close()

    # --- concurrent writers ------------------------------------------------------------
    race = h.Race()

    def write_loop(n, through):
        c = h.Conn(d.sock).login() if through else direct()
        other = h.Conn(d.sock).login()
        p = pairs[6 + n]
        seq = [0]

        def step():
            seq[0] += 1
            v = "w%d-%d" % (n, seq[0])
            value_of(c, "UPDATE film SET titel = '%s' WHERE id = (SELECT min(id) FROM film WHERE regie = %d)"
                     % (v, p[0]))
            if not through and not h.wait_applied(d, c):  # c is a direct connection
                race.problem("writer %d: the stream did not apply %s within 30 s" % (n, v))
            got = b"".join(exchange(other, simple("SELECT id, titel, jahr + 1 FROM film WHERE regie = %(a)s", p)))
            if v.encode() not in got:
                race.problem("writer %d: %s not read back after its commit" % (n, v))
            race.count("writes")
            race.stop.wait(random.uniform(0.005, 0.03))
        return step

    def read_loop():
        c = h.Conn(d.sock).login()

        def step():
            exchange(c, simple(random.choice(SHAPES), random.choice(pairs)))
            race.count("reads")
        return step

    m0 = d.stats()
    race.run(SECONDS, [("writer 0", lambda: write_loop(0, True)), ("writer 1", lambda: write_loop(1, False)),
                       ("reader", read_loop), ("reader", read_loop)])
    counts, problems = race.counts, race.problems
    counts.setdefault("writes", 0)
    counts.setdefault("reads", 0)
    m1 = d.stats()
    print("# %d writes, %d reads; memo_backend hits %d, stale %d" % (
        counts["writes"], counts["reads"], m1["memo_backend_hits"] - m0["memo_backend_hits"],
        m1["memo_backend_stale"] - m0["memo_backend_stale"]))
    check(not problems, "no writer read an old value (%s)" % "; ".join(problems[:3]), d)
    check(counts["writes"] > 0 and counts["reads"] > 0 and m1["memo_backend_hits"] > m0["memo_backend_hits"],
          "the race ran, with memo answers", d)
    wait_applied(d, pg)
    final = h.Conn(d.sock).login()
    diffs = [(s_[:30], p) for s_ in SHAPES for p in pairs if exchange(final, simple(s_, p)) != exchange(pg, simple(s_, p))]
    check(not diffs, "after the race every shape equals PostgreSQL's (%r)" % diffs[:3], d)
    for c in (cb, final):
        c.close()
    d.stop()

# --- no memo of backend answers ---------------------------------------------------------
d = h.Daemon(CONF + "memo_backend_mb = 0\n", port=6462, dir=d.dir)
with d:
    c = h.Conn(d.sock).login()
    for _ in range(3):
        check(exchange(c, Q(SHAPES[0] % {"a": pairs[0][0], "b": pairs[0][1]})) ==
              exchange(pg, Q(SHAPES[0] % {"a": pairs[0][0], "b": pairs[0][1]})), "without it: PostgreSQL's answer", d)
    check(d.stats()["memo_backend_hits"] == 0 and d.stats()["memo_backend_max_bytes"] == 0,
          "memo_backend_mb = 0: nothing from it", d)
    c.close()
    d.stop()
pg.close()
h.plan()
