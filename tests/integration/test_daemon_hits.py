"""Cache hits through cbcached, compared byte for byte with PostgreSQL.

Every exchange is sent twice, through cbcached and straight to
PostgreSQL, on raw protocol connections, and the answers (every message up
to ReadyForQuery) must be the same bytes.  The daemon's counters say whether
cbcached answered from the cache (queries_cache_hits), missed and queued a
fill (queries_cache_misses) or sent the statement on (queries_backend).

Covered: simple Query hits after a miss and its fill; joins along RCCs;
the plan cache (many literals of one shape, one parse); the extended
protocol (unnamed and named statements, text and binary results, a Bind on
the unnamed statement after a batch answered from the cache, and a
Describe of it and a Bind of it in a transaction, which the backend must
parse first); parameters declared with other types at Parse or cast in the
text ($1::int4); writes
through cbcached seen at once by the writer and another session;
transactions; session settings (TimeZone, DateStyle, extra_float_digits,
search_path); privileges (a role without SELECT gets the backend's error);
another database; SHOW QUERIES.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402

SRC = os.environ["top_srcdir"]
DIRECT = os.path.join(os.environ["PGHOST"], ".s.PGSQL.%s" % os.environ["PGPORT"])


def check(cond, msg):
    h.check(cond, msg, daemon)


msg, Q, P, B, D_portal, D_stmt, E, S, exchange = h.msg, h.Q, h.P, h.B, h.D_portal, h.D_stmt, h.E, h.S, h.exchange


def same(data, label, conns=None):
    c, d = conns or (cb, direct)
    a = exchange(c, data)
    b = exchange(d, data)
    if a != b:
        print("through cbcached: %r" % a[:6], file=sys.stderr)
        print("direct:           %r" % b[:6], file=sys.stderr)
    check(a == b, "%s: same bytes as PostgreSQL" % label)
    return a


def stats():
    return daemon.stats()


def delta(before, after, key):
    return after[key] - before[key]


def wait_fills():
    r = daemon.admin("WAIT", "FILLS", "30000")
    check(r is not None and r.get("ok", True) is not False, "WAIT FILLS drains the fill queue")


conf = ("cache_db = %s\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
        "max_cache_rows = 100000\n" % ("cache.db", os.path.join(SRC, "examples/movies/movies.cg")))
daemon = h.Daemon(conf)
try:
    cb = h.Conn(daemon.sock).login()
    # the session's settings check runs on its backend connection at login; the
    # answer to this statement comes after the check's, so the check is done then
    exchange(cb, Q("SELECT 1"))
    direct = h.Conn(DIRECT).login()
    rows, _ = direct.query("SELECT id FROM regisseur WHERE id IN (SELECT regie FROM film) ORDER BY id LIMIT 3")
    ids = [int(r[0]) for r in rows]
    check(len(ids) == 3, "the movie database has directors with films")
    r1, r2, r3 = ids

    # --- a miss, its fill, then hits -------------------------------------------------
    point = "SELECT * FROM regisseur WHERE id = %d" % r1
    s0 = stats()
    same(Q(point), "point lookup (cold)")
    s1 = stats()
    check(delta(s0, s1, "queries_cache_misses") == 1, "the cold lookup is a miss")
    wait_fills()
    same(Q(point), "point lookup (warm)")
    s2 = stats()
    check(delta(s1, s2, "queries_cache_hits") == 1, "the warm lookup is answered from the cache")

    join = ("SELECT r.nname, f.titel, f.jahr, f.budget, f.bewertung, f.erschienen, f.geaendert, o.name "
            "FROM regisseur r JOIN film f ON f.regie = r.id LEFT JOIN ort o ON o.plz = f.ort "
            "WHERE r.id = %d ORDER BY f.id")
    join_inner = ("SELECT r.nname, f.titel, f.jahr, f.budget, f.bewertung, f.erschienen, f.geaendert, o.name "
                  "FROM regisseur r JOIN film f ON f.regie = r.id JOIN ort o ON o.plz = f.ort "
                  "WHERE r.id = %d ORDER BY f.id")
    s0 = stats()
    same(Q(join_inner % r1), "director-film-location join")
    same(Q("SELECT f.id, f.titel FROM film f WHERE f.regie = %d ORDER BY f.id" % r1), "films by director")
    same(Q("SELECT count(*), sum(f.jahr) FROM film f WHERE f.regie = %d" % r1), "aggregates")
    same(Q(join % r1), "outer join (the backend's)")
    s1 = stats()
    check(delta(s0, s1, "queries_cache_hits") >= 3, "joins along RCCs are answered from the cache")

    # --- the plan cache: one shape, many literals, one parse -------------------------
    for i in ids:
        same(Q("SELECT * FROM regisseur WHERE id = %d" % i), "warm-up of director %d" % i)
    wait_fills()
    s0 = stats()
    for _ in range(20):
        for i in ids:
            exchange(cb, Q("SELECT * FROM regisseur WHERE id = %d" % i))
    s1 = stats()
    check(delta(s0, s1, "queries_cache_hits") == 60, "60 lookups of loaded directors are 60 hits")
    check(delta(s0, s1, "queries_parsed") == 0, "a known statement shape is never parsed again")
    s0 = stats()
    exchange(cb, Q("SELECT vname FROM regisseur WHERE id = %d" % r2))
    exchange(cb, Q("SELECT vname FROM regisseur WHERE id = %d" % r3))
    s1 = stats()
    check(delta(s0, s1, "queries_parsed") == 1, "a new shape is parsed once")

    # --- extended protocol -----------------------------------------------------------
    ext = "SELECT id, nname, wohnort FROM regisseur WHERE id = $1"
    s0 = stats()
    same(P("", ext) + B("", [r2]) + D_portal() + E() + S, "extended, unnamed, text")
    same(P("", ext, [23]) + B("", [r2], [1]) + D_portal() + E() + S, "extended, binary int result")
    same(B("", [r3]) + D_portal() + E() + S, "Bind on the unnamed statement after a cache answer")
    # an unnamed statement answered from the cache reaches the backend (and is judged) only when used there
    s2 = stats()
    same(P("", ext) + B("", [r1]) + E() + S, "extended, unnamed, answered from the cache")
    same(D_stmt("") + S, "Describe of that statement: the backend parses it first")
    same(P("", ext) + B("", [r2]) + E() + S, "extended, unnamed, answered from the cache again")
    same(P("begin", "BEGIN") + B("begin") + E() + S, "BEGIN as a named statement (the unnamed one stays)")
    same(B("", [r3]) + E() + S, "Bind of the unnamed statement in the transaction: the backend parses it first")
    same(P("commit", "COMMIT") + B("commit") + E() + S, "COMMIT as a named statement")
    check(delta(s2, stats(), "queries_cache_hits") == 2, "the two unnamed batches were answered from the cache")
    same(P("named1", ext) + D_stmt("named1") + S, "named Parse and Describe")
    same(B("named1", [r1]) + E() + S, "named statement, no Describe")
    same(B("named1", [r2]) + D_portal() + E() + S, "named statement with Describe")
    same(msg(b"C", b"Snamed1\0") + S, "Close of the named statement")
    same(B("named1", [r2]) + E() + S, "Bind of a closed statement: the backend's error")
    s1 = stats()
    check(delta(s0, s1, "queries_cache_hits") >= 4, "extended-protocol executions are answered from the cache")
    # a named statement parsed in the batch that runs it (a driver's first execution of a
    # statement it prepares): answered from the cache, and the backend holds the statement after
    s0 = stats()
    same(P("named2", ext) + B("named2", [r2]) + D_portal() + E() + S, "named Parse, Bind, Execute in one batch")
    s1 = stats()
    check(delta(s0, s1, "queries_cache_hits") == 1, "a batch with a named Parse is answered from the cache")
    same(D_stmt("named2") + S, "Describe of the statement the cache answered: the backend holds it")
    same(Q("EXECUTE named2(%d)" % r3), "EXECUTE of it")
    same(B("named2", [r3]) + E() + S, "a later Bind of it")
    same(P("named2", ext) + B("named2", [r2]) + E() + S, "a second Parse of the name: the backend's error")
    same(msg(b"C", b"Snamed2\0") + S, "Close of it")
    s2 = stats()
    check(delta(s1, s2, "queries_cache_hits") == 1, "the later Bind is answered from the cache, the second Parse is not")

    # --- parameters declared with other types, bound in binary --------------------------
    # (a client binding 64-bit integers declares $1 int8: the cache answered none of them)
    exchange(cb, P("", ext) + B("", [r2]) + E() + S)
    wait_fills()
    s0 = stats()
    same(P("", ext, [20]) + B("", [r2]) + E() + S, "$1 declared int8 against the int4 key")
    same(P("", ext, [1700]) + B("", ["%d.000" % r2]) + E() + S, "$1 declared numeric holding an integer")
    bin8 = msg(b"B", b"\0\0" + struct.pack("!HHH", 1, 1, 1) + struct.pack("!iq", 8, r2) + struct.pack("!H", 0))
    same(P("", ext, [20]) + bin8 + E() + S, "$1 bound in binary as int8")
    s1 = stats()
    check(delta(s0, s1, "queries_cache_hits") == 3,
          "parameters declared int8 or numeric, or bound in binary, are answered from the cache")
    same(P("", ext, [21]) + B("", [70000]) + E() + S, "$1 declared int2 out of its range: the backend's error")
    s2 = stats()
    check(delta(s1, s2, "queries_cache_hits") == 0, "a value PostgreSQL refuses is not answered from the cache")

    # --- parameters cast in the text: $1::int4 is $1 declared int4 -----------------------
    # (the cbcache ODBC driver, like psqlODBC, sends each bound SQL_INTEGER as $n::int4)
    cast = "SELECT id, nname, wohnort FROM regisseur WHERE id = $1::int4"
    s0 = stats()
    same(P("", cast) + B("", [r2]) + D_portal() + E() + S, "$1::int4 against the int4 key")
    same(P("", cast, [23]) + B("", [r2]) + E() + S, "$1::int4 declared int4 at Parse as well")
    same(P("", "SELECT id, nname FROM regisseur WHERE id = CAST($1 AS integer)") + B("", [r2]) + E() + S,
         "CAST($1 AS integer)")
    same(P("", "SELECT id, nname FROM regisseur WHERE id = $1::int8") + B("", [r2]) + E() + S,
         "$1::int8 against the int4 key")
    s1 = stats()
    check(delta(s0, s1, "queries_cache_hits") == 4, "parameters cast to int4 or int8 are answered from the cache")
    same(P("", cast) + B("", [3000000000]) + E() + S, "$1::int4 out of its range: the backend's error")
    same(P("", cast, [20]) + B("", [r2]) + E() + S, "$1::int4 declared int8 at Parse: the backend converts it")
    same(P("", "SELECT id, nname FROM regisseur WHERE id = $1::int8") + B("", [3000000000]) + E() + S,
         "$1::int8 out of int4's range: the backend's answer")
    same(P("", "SELECT id FROM regisseur WHERE id = $1::int4 AND id = $1") + B("", [r2]) + E() + S,
         "$1 cast in one place only: the backend's answer")
    s2 = stats()
    check(delta(s1, s2, "queries_cache_hits") == 0,
          "a cast value PostgreSQL refuses or converts, or a $n cast in one place only, is not answered from the cache")
    shapes = {r["query"]: r for r in daemon.admin("SHOW", "QUERIES")["rows"]}
    row = shapes.get("SELECT id FROM regisseur WHERE id = $1::int4 AND id = $1")
    check(row is not None and "cast in one place only" in row["reason"], "SHOW QUERIES says why the mixed cast is refused")

    # --- inside a transaction: the miss queues its fill, SHOW QUERIES says why -----------
    rows, _ = direct.query("SELECT max(id) FROM regisseur")
    cold = int(rows[0][0])
    txn_q = "SELECT nname, vname, wohnort FROM regisseur WHERE id = %d"
    exchange(cb, Q(txn_q % r1))
    wait_fills()
    # (REPEATABLE READ: a READ COMMITTED transaction that only reads is answered from the
    # cache, test_daemon_txn.py)
    exchange(cb, Q("BEGIN ISOLATION LEVEL REPEATABLE READ"))
    exchange(direct, Q("BEGIN ISOLATION LEVEL REPEATABLE READ"))
    s0 = stats()
    same(Q(txn_q % cold), "a cold lookup inside a transaction")
    s1 = stats()
    check(delta(s0, s1, "queries_cache_misses") == 1 and delta(s0, s1, "cache_fills_posted") == 1,
          "a miss inside a transaction queues its fill")
    same(Q(txn_q % r1), "a warm lookup inside a transaction")
    check(delta(s1, stats(), "queries_cache_hits") == 0, "a REPEATABLE READ transaction is not answered from the cache")
    exchange(cb, Q("COMMIT"))
    exchange(direct, Q("COMMIT"))
    rows = {r["query"]: r for r in daemon.admin("SHOW", "QUERIES")["rows"]}
    row = rows.get(txn_q.replace("%d", "$?"))
    check(row is not None and "transaction" in row["reason"], "SHOW QUERIES says a transaction was open")
    wait_fills()
    s0 = stats()
    same(Q(txn_q % cold), "the value loaded from inside the transaction")
    check(delta(s0, stats(), "queries_cache_hits") == 1, "after the commit it is answered from the cache")

    # --- writes through cbcached are seen at once ----------------------------------
    other = h.Conn(daemon.sock).login()
    direct2 = h.Conn(DIRECT).login()
    exchange(cb, Q(point))
    # each write runs through cbcached and then straight to PostgreSQL (to compare the answers): the
    # second is a write made elsewhere, seen by the cache only once the stream applied it, so the
    # writes set constants and the second changes nothing a read could see
    same(Q("UPDATE regisseur SET nname = 'neu %d' WHERE id = %d" % (r1, r1)), "an update through cbcached")
    same(Q(point), "the writer reads its write")
    same(Q(point), "another session reads the write", (other, direct2))
    wait_fills()
    exchange(cb, Q(point))
    same(Q("BEGIN; UPDATE film SET jahr = 1999 WHERE regie = %d; COMMIT" % r1), "a transaction block")
    same(Q("SELECT f.id, f.jahr FROM film f WHERE f.regie = %d ORDER BY f.id" % r1), "reads after the commit",
         (other, direct2))
    same(P("", "UPDATE film SET laenge_min = 101 WHERE regie = $1") + B("", [r1]) + E() + S,
         "an extended-protocol write")
    same(Q("SELECT f.id, f.laenge_min FROM film f WHERE f.regie = %d ORDER BY f.id" % r1), "read after it",
         (other, direct2))
    wait_fills()

    # --- transactions: READ COMMITTED reads from the cache, a write ends that ----------
    # (every case in test_daemon_txn.py)
    exchange(cb, Q(point))
    exchange(direct, Q("BEGIN"))
    exchange(cb, Q("BEGIN"))
    s0 = stats()
    same(Q(point), "a read inside a transaction")
    s1 = stats()
    check(delta(s0, s1, "queries_cache_hits") == 1, "a read inside a READ COMMITTED transaction is a hit")
    same(Q("UPDATE film SET jahr = 1999 WHERE id = -1"), "a write inside the transaction (no row: no lock)")
    same(Q(point), "a read after the write")
    check(delta(s1, stats(), "queries_cache_hits") == 0, "after a write the transaction reads from the backend")
    same(Q("COMMIT"), "commit")

    # --- settings --------------------------------------------------------------------
    wait_fills()
    times = "SELECT f.id, f.geaendert, f.erschienen, f.bewertung FROM film f WHERE f.regie = %d ORDER BY f.id" % r2
    same(Q(times), "timestamps and floats (warm)")
    for setting in ["SET TimeZone = 'America/New_York'", "SET DateStyle = 'German, DMY'",
                    "SET extra_float_digits = 0", "SET extra_float_digits = 3", "SET DateStyle = 'ISO'",
                    "RESET ALL"]:
        same(Q(setting), setting)
        same(Q(times), "timestamps and floats after " + setting)
        same(Q(times), "again after " + setting)

    a = exchange(cb, Q("CREATE SCHEMA shadow; CREATE TABLE shadow.regisseur (id int, nname text); "
                       "INSERT INTO shadow.regisseur VALUES (%d, 'Schatten')" % r2))
    check(not any(m[:1] == b"E" for m in a), "a shadowing table, made through cbcached")
    same(Q("SET search_path = shadow, public"), "search_path to the shadow")
    same(Q("SELECT * FROM regisseur WHERE id = %d" % r2), "the shadowing table answers")
    same(Q("SELECT * FROM regisseur WHERE id = %d" % r2), "the shadowing table answers again")
    same(Q("RESET search_path"), "search_path reset")
    same(Q("SELECT * FROM regisseur WHERE id = %d" % r2), "the cache table answers again")

    # --- privileges ------------------------------------------------------------------
    # (the DDL above named regisseur, so its values were invalidated: load r2 again
    # once the invalidation is applied; after the RESET above the session's first
    # statement goes to the backend while its settings check runs, the second misses)
    wait_fills()
    exchange(cb, Q("SELECT * FROM regisseur WHERE id = %d" % r2))
    s0 = stats()
    exchange(cb, Q("SELECT * FROM regisseur WHERE id = %d" % r2))
    check(delta(s0, stats(), "queries_cache_misses") + delta(s0, stats(), "queries_cache_hits") == 1,
          "after the settings check the lookup reaches the cache")
    wait_fills()
    exchange(direct, Q("DROP ROLE IF EXISTS cb_noread; CREATE ROLE cb_noread LOGIN; "
                       "GRANT SELECT ON regisseur TO cb_noread"))
    nr = h.Conn(daemon.sock).login(user="cb_noread")
    nrd = h.Conn(DIRECT).login(user="cb_noread")
    s0 = stats()
    a = same(Q("SELECT f.id, f.titel FROM film f WHERE f.regie = %d ORDER BY f.id" % r2),
             "no SELECT on film: the backend's error", (nr, nrd))
    check(any(m[:1] == b"E" and b"42501" in m for m in a), "the error is 42501")
    same(Q("SELECT * FROM regisseur WHERE id = %d" % r2), "SELECT on regisseur is granted", (nr, nrd))
    s1 = stats()
    check(delta(s0, s1, "queries_cache_hits") == 1, "the granted table is answered from the cache")
    nr.close()
    nrd.close()

    # --- another database ------------------------------------------------------------
    pgc = h.Conn(daemon.sock).login(database="postgres")
    s0 = stats()
    pgc.query("SELECT 1")
    s1 = stats()
    check(delta(s0, s1, "queries_backend") == 1 and delta(s0, s1, "queries_cache_hits") == 0,
          "a session on another database only relays")
    pgc.close()

    # --- SHOW QUERIES ------------------------------------------------------------------
    q = daemon.admin("SHOW", "QUERIES")
    shapes = {r["query"]: r for r in q["rows"]}
    key = "SELECT * FROM regisseur WHERE id = $?"
    check(key in shapes and int(shapes[key]["cache_hits"]) >= 60, "SHOW QUERIES lists the point lookup's hits")
    outer = [r for r in q["rows"] if "LEFT JOIN" in r["query"]]
    check(len(outer) == 1 and outer[0]["reason"] != "", "SHOW QUERIES says why the outer join is not cached")

    v = daemon.admin("VERIFY")
    check(v.get("ok", True) is not False and not v["rows"], "VERIFY finds the cache valid after the writes")
    for c in (cb, direct, other, direct2):
        c.close()
finally:
    if daemon.alive():
        daemon.stop()
h.plan()
