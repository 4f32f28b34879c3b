"""What a session does to the cache, and what the cache owes a session.

Each part failed on the relay before the session kept a queue of its
exchanges with the backend (src/sesscache.c):

- settings changed where the statement text cannot show it (a quoted
  "set_config", plpgsql functions setting role, search_path and
  extra_float_digits): the next statement gets the backend's answer (its
  42501, the other schema's rows, its float text), byte for byte;
- the first statement of a session: 300 one-statement sessions on 20 warm
  directors are answered >= 95 % from the cache (the settings check runs
  before the login's ReadyForQuery);
- a client that goes right after a write (end of file, or Terminate sent
  with the Query): the write commits, is not cancelled, and is invalidated;
- writes the text hides: U&"fil\\006d", backslash quotes with
  standard_conforming_strings off, ON UPDATE CASCADE, TRUNCATE ... CASCADE
  (genre's key; no RCC takes film's rows out with genre's);
- only writes that succeed invalidate: a syntax error, a failed UPDATE and
  a rolled-back implicit transaction invalidate nothing;
- DEALLOCATE of one prepared statement leaves the others judged (the
  cache was emptied at each of their Binds);
- a login the backend refuses gets the backend's own ErrorResponse, byte
  for byte (SQLSTATE, DETAIL: the relay guessed 08006 from libpq's text).
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402
from cbd_helper import B, E, P, Q, S, exchange  # noqa: E402

SRC = os.environ["top_srcdir"]
DIRECT = os.path.join(os.environ["PGHOST"], ".s.PGSQL.%s" % os.environ["PGPORT"])


def show_state():
    print("SHOW QUERIES: %r" % daemon.admin("SHOW", "QUERIES", check=False), file=sys.stderr)
    print("SHOW STATS: %r" % daemon.stats(), file=sys.stderr)


def check(cond, what):
    h.check(cond, what, daemon, show_state)


def connect(path=None):
    return h.Conn(path or daemon.sock).login()


def stats():
    return daemon.stats()


def writes_seen(st):
    """Committed writes through cbcached the cache acted on: held commits and fences
    (with the change stream) or invalidations (without one)."""
    return st["cache_invalidations"] + st.get("repl_fences_made", 0) + st.get("repl_commit_holds", 0)


def wait_fills():
    r = daemon.admin("WAIT", "FILLS", "30000")
    check(r is not None and r.get("ok", True) is not False, "WAIT FILLS drains the fill queue")


def warm(conn, sql):
    """Load what sql needs: pending invalidations first (a fenced table queues no fill), then its fills."""
    wait_fills()
    exchange(conn, Q(sql))
    wait_fills()


def wait_sessions(n, what):
    """Wait (bounded) until cbcached has n sessions: the others have ended."""
    deadline = time.monotonic() + 30
    while stats()["sessions_active"] != n:
        if time.monotonic() > deadline:
            h.fail("%s: sessions_active stays %d, expected %d" % (what, stats()["sessions_active"], n), daemon)
        time.sleep(0.01)


def both(sql, what, cb_conn, direct_conn):
    """The same simple Query through cbcached and straight: same messages."""
    a = exchange(cb_conn, Q(sql))
    b = exchange(direct_conn, Q(sql))
    if a != b:
        print("through cbcached: %r" % a[:4], file=sys.stderr)
        print("direct:           %r" % b[:4], file=sys.stderr)
    check(a == b, what)
    return a


def sqlstate(messages):
    for m in messages:
        if m[:1] == b"E":
            return h.error_fields(m[1:]).get("C")
    return None


def direct_value(sql):
    d = connect(DIRECT)
    rows, _ = d.query(sql)
    d.close()
    return rows


def fresh(sql, what):
    """sql through cbcached on a new session equals PostgreSQL's answer."""
    c = connect()
    d = connect(DIRECT)
    both(sql, what, c, d)
    c.close()
    d.close()


setup = connect(DIRECT)
for stmt in [
    "CREATE ROLE cb_nosel NOLOGIN",
    "GRANT cb_nosel TO postgres",
    "CREATE SCHEMA other",
    "CREATE TABLE other.regisseur (LIKE public.regisseur INCLUDING ALL)",
    "INSERT INTO other.regisseur (id, nname, vname, wohnort) SELECT id, 'other ' || nname, vname, wohnort "
    "FROM public.regisseur",
    "GRANT USAGE ON SCHEMA other TO cb_nosel",
    "CREATE ROLE cb_login LOGIN",
    "CREATE DATABASE noconn",
    "REVOKE CONNECT ON DATABASE noconn FROM PUBLIC",
    "CREATE FUNCTION cb_become(r text) RETURNS void LANGUAGE plpgsql AS "
    "$$ BEGIN PERFORM set_config('role', r, false); END $$",
    "CREATE FUNCTION cb_path(p text) RETURNS void LANGUAGE plpgsql AS "
    "$$ BEGIN PERFORM set_config('search_path', p, false); END $$",
    "CREATE FUNCTION cb_digits(d text) RETURNS int LANGUAGE plpgsql AS "
    "$$ BEGIN PERFORM set_config('extra_float_digits', d, false); RETURN 1; END $$",
    # the foreign key of the cascade test: genre is a complete table, film.genre a fill column,
    # and no RCC leads from film to genre, so invalidating genre alone leaves film's rows
    "ALTER TABLE film DROP CONSTRAINT film_genre_fkey",
    "ALTER TABLE film ADD CONSTRAINT film_genre_fkey FOREIGN KEY (genre) REFERENCES genre (id) "
    "ON UPDATE CASCADE",
]:
    rows, errors = setup.query(stmt)
    if errors:
        h.fail("set-up %s: %r" % (stmt, errors))
rows, _ = setup.query("SELECT r.id FROM regisseur r WHERE EXISTS (SELECT 1 FROM film f WHERE f.regie = r.id "
                      "AND f.bewertung IS NOT NULL) ORDER BY r.id LIMIT 24")
ids = [int(r[0]) for r in rows]
if len(ids) < 24:
    h.fail("the movie database has only %d directors with rated films" % len(ids))
setup.close()

conf = ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
        "max_cache_rows = 100000\n" % os.path.join(SRC, "examples/movies/movies.cg"))
daemon = h.Daemon(conf)
with daemon:
    lookup = "SELECT id, nname, vname FROM regisseur WHERE id = %d"
    films = "SELECT f.id, f.titel, f.bewertung, f.regie FROM regisseur r JOIN film f ON f.regie = r.id " \
            "WHERE r.id = %d ORDER BY f.id"
    wc = connect()
    for i in ids:
        exchange(wc, Q(lookup % i))
    wait_fills()
    s0 = stats()
    for i in ids:
        exchange(wc, Q(films % i))
    check(stats()["queries_cache_hits"] - s0["queries_cache_hits"] == len(ids), "the directors are warm")
    wc.close()

    # --- settings changed where the text cannot show them ---------------------------------
    r0 = ids[0]
    cases = [
        ('SELECT "set_config"(\'role\', \'cb_nosel\', false)', "a quoted set_config sets the role"),
        ("SELECT cb_become('cb_nosel')", "a plpgsql function sets the role"),
        ("SELECT cb_path('other')", "a plpgsql function sets search_path"),
        ("SELECT cb_digits('0')", "a plpgsql function sets extra_float_digits"),
    ]
    for stmt, what in cases:
        c, d = connect(), connect(DIRECT)
        both(lookup % r0, "%s: before, the same answer" % what, c, d)
        s0 = stats()
        both(stmt, "%s: the statement itself" % what, c, d)
        a = both(lookup % r0, "%s: the next lookup is the backend's answer" % what, c, d)
        both(films % r0, "%s: and the next join" % what, c, d)
        if "role" in what:
            check(sqlstate(a) == "42501", "%s: the role may not read regisseur (42501)" % what)
        if "search_path" in what:
            check(any(b"other " in m for m in a), "%s: the other schema's rows" % what)
        both("RESET ALL; RESET ROLE", "%s: reset" % what, c, d)
        if "set_config" in stmt:
            check(writes_seen(stats()) == writes_seen(s0),
                  "%s: set_config invalidates nothing" % what)
        # a call of a function not known harmless may have written anything:
        # until the change stream, the cache is emptied (it refills)
        wait_fills()
        both(lookup % r0, "%s: after RESET, the same answer" % what, c, d)
        wait_fills()
        s1 = stats()
        both(lookup % r0, "%s: after RESET, the cache's answer again" % what, c, d)
        check(stats()["queries_cache_hits"] - s1["queries_cache_hits"] == 1,
              "%s: after RESET the lookup is a hit again" % what)
        c.close()
        d.close()

    # --- logins the backend refuses: its own error, byte for byte ------------------------------
    for user, database, extra, what in [
        ("cb_login", "noconn", None, "a role without CONNECT (42501, with DETAIL)"),
        ("postgres", "movies", {"no_such_setting": "1"}, "an unknown setting at startup (42704)"),
        ("postgres", "movies", {"DateStyle": "bogus"}, "a bad setting value at startup (22023)"),
        ("cb_nosel", "movies", None, "a role that may not log in (28000)"),
    ]:
        answers = []
        for path in (daemon.sock, DIRECT):
            c = h.Conn(path)
            c.send(h.startup_packet(user, database, extra))
            got = []
            try:
                while True:
                    t, body = c.read_msg()
                    got.append(t + body)
            except (EOFError, ConnectionResetError):
                pass
            c.close()
            answers.append(got)
        if answers[0] != answers[1]:
            print("through cbcached: %r\ndirect:           %r" % tuple(answers), file=sys.stderr)
        check(answers[0] == answers[1] and answers[0] and answers[0][-1][:1] == b"E",
              "%s: the backend's ErrorResponse, byte for byte" % what)

    # --- the first statement of a session ----------------------------------------------
    hot = ids[:20]
    wc = connect()
    wait_fills()
    for i in hot:
        exchange(wc, Q(lookup % i))
    wait_fills()
    wc.close()
    s0 = stats()
    t_cb = t_direct = 0.0
    for n in range(300):
        for path in (daemon.sock, DIRECT):
            t = time.monotonic()
            c = h.Conn(path).login()
            if path == DIRECT:
                t_direct += time.monotonic() - t
            else:
                t_cb += time.monotonic() - t
            exchange(c, Q(lookup % hot[n % 20]))
            c.send(h.msg(b"X", b""))
            c.close()
    s1 = stats()
    hits = s1["queries_cache_hits"] - s0["queries_cache_hits"]
    print("# 300 one-statement sessions: %d hits; login %.2f ms through cbcached, %.2f ms straight"
          % (hits, t_cb / 300 * 1000, t_direct / 300 * 1000))
    check(hits >= 285, "300 one-statement sessions on 20 warm directors: %d >= 95 %% answered from the cache"
          % hits)

    # --- a client that goes right after a write -----------------------------------------
    base = stats()["sessions_active"]
    rw = ids[20]

    def gone_after(value_sql, value, send, who, committed):
        """A client sends an UPDATE of rw's nname to value_sql (send does it and goes): the session ends,
        the UPDATE commits (committed says how) and the cache answers the new value."""
        c = connect()
        send(c, Q("UPDATE regisseur SET nname = %s WHERE id = %d" % (value_sql, rw)))
        c.close()
        wait_sessions(base, "the session of " + who)
        check(direct_value("SELECT nname FROM regisseur WHERE id = %d" % rw) == [[value]], committed)
        fresh(lookup % rw, "the write of %s was invalidated" % who)

    def send_and_shut(c, m):
        c.send(m)
        c.s.shutdown(socket.SHUT_RDWR)

    gone_after("'gone after writing'", "gone after writing", send_and_shut, "a client gone after an UPDATE",
               "the UPDATE of a client that went at once committed")
    gone_after("'slow write' || (SELECT '' FROM pg_sleep(0.5))", "slow write", lambda c, m: c.send(m),
               "a client gone during a slow UPDATE", "a slow UPDATE whose client went was finished, not cancelled")
    gone_after("'sent with Terminate'", "sent with Terminate", lambda c, m: c.send(m + h.msg(b"X", b"")),
               "a Query sent with Terminate", "a Query sent together with Terminate reached the backend")

    # --- writes the text hides ---------------------------------------------------------------
    f0 = ids[21]
    c, d = connect(), connect(DIRECT)
    both(films % f0, "films of a director (warm)", c, d)
    both("UPDATE U&\"fil\\006d\" SET titel = 'unicode escape' WHERE regie = %d" % f0,
         "an UPDATE of U&\"fil\\006d\"", c, d)
    both(films % f0, "the films after the write to U&\"fil\\006d\"", c, d)
    both("SET standard_conforming_strings = off", "standard_conforming_strings off", c, d)
    both("SELECT 'x\\''; UPDATE film SET titel = 'after a backslash quote' WHERE regie = %d" % f0,
         "a write after a backslash-escaped quote", c, d)
    both(films % f0, "the films after the write behind the backslash quote", c, d)
    both("RESET standard_conforming_strings", "reset", c, d)

    by_genre = "SELECT id, titel, genre FROM film WHERE genre = 1 ORDER BY id"
    warm(c, by_genre)
    s0 = stats()
    both(by_genre, "films of genre 1 (warm, before the cascade)", c, d)
    check(stats()["queries_cache_hits"] - s0["queries_cache_hits"] == 1, "genre 1's films are in the cache")
    check(exchange(c, Q("UPDATE genre SET id = 99 WHERE id = 1"))[0] == b"CUPDATE 1\0",
          "a key update of genre that cascades to film")
    both(by_genre, "the films the cascade changed", c, d)
    wait_fills()
    v = daemon.admin("VERIFY")
    if v["rows"]:
        print("VERIFY: %r" % v["rows"][:5], file=sys.stderr)
    check(v.get("ok", True) is not False and not v["rows"], "VERIFY is clean after the cascade")
    c.close()
    d.close()

    # --- only writes that succeed invalidate ---------------------------------------------------
    c, d = connect(), connect(DIRECT)
    for stmt, what in [
        ("hello world", "a syntax error"),
        ("UPDATE film SET jahr = 1 / 0", "a failed UPDATE"),
        ("UPDATE film SET jahr = jahr; SELECT 1 / 0", "an implicit transaction rolled back"),
        ("BEGIN; UPDATE film SET jahr = jahr; ROLLBACK", "a transaction rolled back"),
    ]:
        s0 = stats()
        both(stmt, what, c, d)
        check(writes_seen(stats()) == writes_seen(s0), "%s invalidates nothing" % what)
    s0 = stats()
    both("UPDATE film SET jahr = jahr WHERE id = -1", "an UPDATE that succeeds", c, d)
    check(writes_seen(stats()) > writes_seen(s0), "a write that succeeds is invalidated")
    c.close()
    d.close()

    # --- DEALLOCATE of one statement ---------------------------------------------------------
    c = connect()
    for i in range(3):
        exchange(c, P("s%d" % i, lookup.replace("%d", "$1")) + S)
    wait_fills()
    for i in range(3):
        exchange(c, B("s%d" % i, [ids[i]]) + E() + S)
    wait_fills()
    for i in range(3):
        exchange(c, B("s%d" % i, [ids[i]]) + E() + S)
    c0 = stats()
    exchange(c, Q("DEALLOCATE s0"))
    s0 = stats()
    check(s0["settings_checks"] == c0["settings_checks"],
          "DEALLOCATE of one statement needs no settings check (%d ran)" % (
              s0["settings_checks"] - c0["settings_checks"]))
    exchange(c, Q("SET extra_float_digits = 1"))
    check(stats()["settings_checks"] == s0["settings_checks"] + 1, "a SET is followed by one settings check")
    exchange(c, Q("DEALLOCATE ALL"))
    exchange(c, P("s1", lookup.replace("%d", "$1")) + S)
    exchange(c, P("s2", lookup.replace("%d", "$1")) + S)
    exchange(c, Q("SET extra_float_digits = 0"))
    s0 = stats()
    for i in (1, 2):
        exchange(c, B("s%d" % i, [ids[i]]) + E() + S)
    s1 = stats()
    check(writes_seen(s1) == writes_seen(s0), "Binds of other statements after DEALLOCATE invalidate nothing")
    check(s1["queries_cache_hits"] - s0["queries_cache_hits"] == 2, "and are answered from the cache")
    c.close()

    # --- TRUNCATE ... CASCADE (last: it empties tables) ------------------------------------------
    c, d = connect(), connect(DIRECT)
    by_genre = "SELECT id, titel, genre FROM film WHERE genre = 2 ORDER BY id"
    warm(c, by_genre)
    both(by_genre, "films of genre 2 (warm, before TRUNCATE)", c, d)
    check(exchange(c, Q("TRUNCATE genre CASCADE"))[0] == b"CTRUNCATE TABLE\0",
          "TRUNCATE genre CASCADE empties film too")
    both(by_genre, "the films after TRUNCATE ... CASCADE", c, d)
    both("SELECT count(*) FROM film", "film is empty", c, d)
    c.close()
    d.close()
    v = daemon.admin("VERIFY")
    check(v.get("ok", True) is not False and not v["rows"], "VERIFY is clean at the end")
    daemon.stop()
h.plan()
