"""Text ordered under the database's collation (doc/cache.md, "Text ordering
under the database's collation").

The movie database is loaded a second time, as movies_en, whose collation
is en_US.UTF-8 (scripts/install-deps.sh generates the locale), and some
titles and names are made ones that en_US and C order differently (case,
accents, punctuation, spaces).

- cbcached checks the collation at start on a sample and says so in its
  log; ORDER BY a text column (ASC, DESC, LIMIT, several terms), an
  ordering comparison, BETWEEN and min/max on text are then answered from
  the cache (queries_cache_hits), and every answer is PostgreSQL's, byte
  for byte.  Each statement's answer under COLLATE "C" is asked of
  PostgreSQL too: for the ordering ones it differs, so a cache that
  ordered by bytes would fail here.
- A column declared COLLATE "C" in that database is still ordered by its
  bytes.
- The same statements through the extended protocol, with the values as
  parameters.
- Through the ODBC driver in the application's process (pyodbc, InProcess
  on): the driver reads the checked locale from the cache file and orders
  under it itself; its answers equal psqlODBC's straight to PostgreSQL and
  are in-process hits (SHOW STATS in_process_hits), not statements
  cbcached saw.
- The check made to fail (fault point localecheck.sample: this machine
  orders two sample strings the other way): the log names the difference,
  and the same statements go to PostgreSQL (no cache hit), with the same
  answers.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402
from cbd_helper import B, D_portal, E, P, Q, S, exchange  # noqa: E402

SRC = os.environ["top_srcdir"]
check, rows_of = h.check, h.rows_of
DB = "movies_en"
CONF = ("cache_db = cache.db\ncache_groups = %s\ncache_database = %s\ncache_user = postgres\n"
        "instance_name = locale\n" % (os.path.join(SRC, "examples/movies/movies.cg"), DB))

TRICKY = ["apple", "Apple", "Äpfel", "a-b", "ab", "a b", "Zebra", "zebra", "émile", "Eagle", "eagle", "co-op",
          "coop", "Co op", "résumé", "resume", "Resume", "straße", "Strasse", "10 Tage", "2 Tage", "_x", "Ö",
          "oz", "Łódź", "lodz"]


def psql(*args, db=DB):
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db] + list(args),
                       capture_output=True, text=True)
    if r.returncode != 0:
        h.fail("psql %s: %s" % (" ".join(args), r.stderr))
    return r.stdout


# --- the database, its collation en_US.UTF-8 ---------------------------------------------
psql("-c", "CREATE DATABASE %s TEMPLATE template0 LC_COLLATE 'en_US.UTF-8' LC_CTYPE 'en_US.UTF-8'" % DB,
     db="postgres")
psql("-f", os.path.join(SRC, "examples/movies/schema.sql"), "-v", "scale=0.05",
     "-f", os.path.join(SRC, "examples/movies/generate.sql"))
directors = [int(r) for r in psql("-At", "-c", "SELECT regie FROM film WHERE regie IS NOT NULL GROUP BY regie "
                                  "HAVING count(*) BETWEEN 4 AND 8 ORDER BY regie LIMIT 3").split()]
check(len(directors) == 3, "three directors with four to eight films each")
a, b, c = directors
films = [int(r) for r in psql("-At", "-c", "SELECT id FROM film WHERE regie IN (%d, %d, %d) ORDER BY id"
                              % (a, b, c)).split()]
for i, fid in enumerate(films):
    psql("-c", "UPDATE film SET titel = '%s' WHERE id = %d" % (TRICKY[i % len(TRICKY)].replace("'", "''"), fid))
for i, did in enumerate(directors):
    psql("-c", "UPDATE regisseur SET nname = '%s' WHERE id = %d" % (["émile", "Eagle", "eagle"][i], did))
# a column of its own collation C in the same database: ordered by its bytes
psql("-c", "ALTER TABLE ort ADD COLUMN kurz text COLLATE \"C\"",
     "-c", "UPDATE ort SET kurz = CASE WHEN length(plz) % 2 = 0 THEN lower(name) ELSE upper(name) END")

# each answers differently under C (checked below), or it would test nothing
STMTS = [
    "SELECT id, titel FROM film WHERE regie = %(a)d ORDER BY titel",
    "SELECT id, titel FROM film WHERE regie = %(b)d ORDER BY titel DESC, id",
    "SELECT titel FROM film WHERE regie IN (%(a)d, %(b)d, %(c)d) ORDER BY titel LIMIT 5",
    "SELECT id, titel FROM film WHERE regie IN (%(a)d, %(b)d, %(c)d) AND titel < 'b' ORDER BY id",
    "SELECT id, titel FROM film WHERE regie IN (%(a)d, %(b)d, %(c)d) AND titel BETWEEN 'a' AND 'e' ORDER BY id",
    "SELECT min(titel), max(titel) FROM film WHERE regie IN (%(a)d, %(b)d, %(c)d)",
    "SELECT id, nname FROM regisseur WHERE id IN (%(a)d, %(b)d, %(c)d) ORDER BY nname",
    "SELECT f.id, f.titel, r.nname FROM film f JOIN regisseur r ON r.id = f.regie WHERE r.id = %(c)d "
    "ORDER BY r.nname, f.titel",
]
VALUES = {"a": a, "b": b, "c": c}


def under_c(sql):
    """The statement with every text term ordered under COLLATE "C"."""
    for col in ("f.titel", "r.nname", "titel", "nname"):
        sql = sql.replace("ORDER BY %s" % col, "ORDER BY %s COLLATE \"C\"" % col)
        sql = sql.replace(", %s" % col, ", %s COLLATE \"C\"" % col) if "ORDER BY" in sql else sql
        sql = sql.replace("(%s)" % col, "(%s COLLATE \"C\")" % col)
        sql = sql.replace("%s < " % col, "%s COLLATE \"C\" < " % col)
        sql = sql.replace("%s BETWEEN" % col, "%s COLLATE \"C\" BETWEEN" % col)
    return sql


pg = h.Conn(h.DIRECT).login(database=DB)
for s in STMTS:
    sql = s % VALUES
    check(rows_of(pg, sql) != rows_of(pg, under_c(sql)), "en_US and C answer differently: %s" % sql)


def run_all(d, expect_hits, what):
    """Every statement twice through cbcached (the first may fill): answers equal PostgreSQL's; the
    second runs are cache hits when expect_hits, else none is."""
    cb = h.Conn(d.sock).login(database=DB)
    for s in STMTS:
        sql = s % VALUES
        exchange(cb, Q(sql))
        d.admin("WAIT", "FILLS", "20000")
        before = d.stats()["queries_cache_hits"]
        got = exchange(cb, Q(sql))
        hits = d.stats()["queries_cache_hits"] - before
        check(got == exchange(pg, Q(sql)), "%s: PostgreSQL's answer, byte for byte: %s" % (what, sql), d)
        check(hits == (1 if expect_hits else 0),
              "%s: %s the cache: %s" % (what, "answered from" if expect_hits else "not answered from", sql), d)
    cb.close()


def run_extended(d, what):
    """Statements with their values as parameters (extended protocol, a named statement bound twice)."""
    cb = h.Conn(d.sock).login(database=DB)
    sql = "SELECT id, titel FROM film WHERE regie = $1 AND titel >= $2 ORDER BY titel DESC"
    prep = P("s1", sql)
    for n, args in enumerate(((str(a), "b"), (str(b), "E"), (str(a), "b"))):
        msgs = B("s1", args) + D_portal() + E() + S
        before = d.stats()["queries_cache_hits"]
        got = exchange(cb, prep + msgs)
        hits = d.stats()["queries_cache_hits"] - before
        check(got == exchange(pg, prep + msgs), "%s: extended %s %r: PostgreSQL's answer" % (what, sql, args), d)
        if n == 2:  # the values of the first run again: filled then
            check(hits == 1, "%s: extended %r again: answered from the cache" % (what, args), d)
        prep = b""
        d.admin("WAIT", "FILLS", "20000")
    cb.close()


# --- the check passes: text ordered in the cache -------------------------------------------
with h.Daemon(CONF) as d:
    with open(d.log) as f:
        log = f.read()
    check("backend text collation en_US.UTF-8, compared here as the backend does" in log,
          "the log says the collation was checked and is compared here", d)
    run_all(d, True, "checked")
    run_extended(d, "checked")
    h.check_odbc_in_process(d, [s % VALUES for s in STMTS], DB)
    # ort.kurz has its own collation C: ordered by its bytes in the cache
    cb = h.Conn(d.sock).login(database=DB)
    sql = ("SELECT o.plz, o.kurz FROM film f JOIN ort o ON o.plz = f.ort WHERE f.regie = %d ORDER BY o.kurz, o.plz"
           % a)
    exchange(cb, Q(sql))
    d.admin("WAIT", "FILLS", "20000")
    before = d.stats()["queries_cache_hits"]
    check(exchange(cb, Q(sql)) == exchange(pg, Q(sql)) and d.stats()["queries_cache_hits"] == before + 1,
          "a COLLATE \"C\" column in the en_US database: its byte order, from the cache", d)
    cb.close()
    d.stop()

# --- the check fails: text ordering goes to PostgreSQL ---------------------------------------
with h.Daemon(CONF, env={"CB_FAULTS": "localecheck.sample=fail"}) as d:
    with open(d.log) as f:
        log = f.read()
    check("this machine" in log and "differ from the backend's" in log and "text comparisons go to the backend"
          in log, "the log says this machine sorts the sample differently", d)
    run_all(d, False, "failed check")
    d.stop()

pg.close()
h.plan()
