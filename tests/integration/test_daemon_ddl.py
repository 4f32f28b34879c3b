"""DDL made straight to PostgreSQL reaches the cache through the event triggers.

cbcached --check says the DDL event triggers are missing; --install-backend
installs them (the harness's cache_user is a superuser) and --check then
stops saying so.  With them, DDL without a data change made straight to
PostgreSQL is seen by a running cbcached: after ALTER TABLE ... ADD COLUMN
... DEFAULT and ALTER COLUMN ... TYPE, SELECT * through cbcached answers
byte for byte what PostgreSQL answers (columns and type OIDs), and after a
REVOKE a session's next read through cbcached fails with 42501 as it does
straight to PostgreSQL.  Finally --uninstall (cbcached stopped) drops the
slot, the publication and the triggers.
"""
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402
from cbd_helper import Q, exchange  # noqa: E402

SRC = os.environ["top_srcdir"]
check, direct = h.check, h.direct


def run(sql):
    c = direct()
    rows = h.rows_of(c, sql)
    c.close()
    return rows


def cbcached(*args):
    return subprocess.run([h.CBCACHED] + list(args), capture_output=True, text=True)


def ddl_generation(daemon):
    """The cache file's count of applied DDL (what another process reading it sees; 0 when absent)."""
    lite = sqlite3.connect(os.path.join(daemon.dir, "cache.db"), timeout=30)
    row = lite.execute("SELECT value FROM cbcache_meta WHERE key = 'ddl_generation'").fetchone()
    lite.close()
    return int(row[0]) if row else 0


def settle(daemon, sql, conn, what):
    """Poll until `sql` through cbcached answers what PostgreSQL answers (the stream's lag)."""
    d = direct()
    deadline = time.monotonic() + 20
    while True:
        want, got = exchange(d, Q(sql)), exchange(conn, Q(sql))
        if want == got:
            break
        if time.monotonic() > deadline:
            h.fail("%s: %s still differs after 20 s: %r vs %r" % (what, sql, got[:2], want[:2]), daemon)
    d.close()
    return got


conf = ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
        "instance_name = ddl\n" % os.path.join(SRC, "examples/movies/movies.cg"))
ids = [int(r[0]) for r in run("SELECT id FROM regisseur ORDER BY id LIMIT 5")]
run("CREATE ROLE cb_reader LOGIN")
run("GRANT SELECT ON ALL TABLES IN SCHEMA public TO cb_reader")

# --check and --install-backend run on a stopped instance (a running one holds its slot: --check says so)
d = h.Daemon(conf, port=6451)
with d:
    check(d.stats()["repl_ddl_triggers"] == 0, "SHOW STATS: repl_ddl_triggers 0")
    d.stop()
r = cbcached("--check", "-c", d.conf)
check(r.returncode == 0 and "DDL event triggers are not installed" in r.stdout,
      "--check says the DDL event triggers are missing (exit %d): %s%s" % (r.returncode, r.stdout[-600:],
                                                                          r.stderr[-600:]))
r = cbcached("--install-backend", "-c", d.conf)
check(r.returncode == 0 and "installed" in r.stdout, "--install-backend installs them: %s%s" % (r.stdout, r.stderr))
r = cbcached("--check", "-c", d.conf)
check(r.returncode == 0 and "not installed" not in r.stdout, "--check is content after the installation")

d = h.Daemon(conf, port=6451, dir=d.dir)
with d:
    check(d.stats()["repl_ddl_triggers"] == 1, "SHOW STATS: repl_ddl_triggers 1")
    c = h.Conn(d.sock).login()
    star = "SELECT * FROM regisseur WHERE id = %d"
    for i in ids:
        exchange(c, Q(star % i))
    d.admin("WAIT", "FILLS", "60000")
    h0 = d.stats()["queries_cache_hits"]
    for i in ids:
        exchange(c, Q(star % i))
    check(d.stats()["queries_cache_hits"] - h0 == len(ids), "SELECT * of directors is answered from the cache")

    run("ALTER TABLE regisseur ADD COLUMN x int DEFAULT 42")
    for i in ids:
        got = settle(d, star % i, c, "after ADD COLUMN")
    check(got[0].count(b"\x00x\x00") == 1, "SELECT * through cbcached has the new column, as PostgreSQL")
    run("ALTER TABLE regisseur ALTER COLUMN nname TYPE varchar(500)")
    for i in ids:
        settle(d, star % i, c, "after ALTER COLUMN TYPE")
    check(True, "after ALTER COLUMN TYPE the row description equals PostgreSQL's")

    # privileges: a session as cb_reader reads regisseur from the cache, then loses SELECT
    r = h.Conn(d.sock).login(user="cb_reader")
    lookup = "SELECT id, vname FROM regisseur WHERE id = %d" % ids[0]
    ok = exchange(r, Q(lookup))
    check(not any(m[:1] == b"E" for m in ok), "cb_reader reads regisseur through cbcached")
    ddl_before = ddl_generation(d)
    run("REVOKE SELECT ON regisseur FROM cb_reader")
    deadline = time.monotonic() + 20
    while True:
        got = exchange(r, Q(lookup))
        if any(m[:1] == b"E" and b"42501" in m for m in got):
            break
        if time.monotonic() > deadline:
            h.fail("after REVOKE, cb_reader still reads regisseur through cbcached: %r" % got[:2], d)
    check(True, "after a REVOKE made straight to PostgreSQL, cb_reader gets 42501 through cbcached")
    deadline = time.monotonic() + 20
    while ddl_generation(d) <= ddl_before and time.monotonic() < deadline:
        time.sleep(0.05)  # polling the file for the stream's commit, with a deadline
    check(ddl_generation(d) > ddl_before,
          "the cache file counts the REVOKE for its other readers (ddl_generation %d -> %d)"
          % (ddl_before, ddl_generation(d)), d)
    r.close()
    c.close()
    v = d.admin("VERIFY")
    check(not v["rows"], "VERIFY is clean after the DDL")
    d.stop()

# SHOW REPLICATION and DROP SLOT on a running cbcached
d = h.Daemon(conf, port=6451, dir=d.dir)
with d:
    row = d.admin("SHOW", "REPLICATION")["rows"][0]
    check(row["slot"] == "cbcache_ddl" and row["state"] == "streaming" and row["healthy"] == "yes" and
          row["ddl_triggers"] == "installed", "SHOW REPLICATION: %r" % row)
    c = h.Conn(d.sock).login()
    for i in ids:
        exchange(c, Q(star % i))
    d.admin("WAIT", "FILLS", "60000")
    dr = d.admin("DROP", "SLOT")
    check(dr["ok"] and "dropped" in dr["message"],
          "DROP SLOT answers what it dropped: %r" % dr)
    check(run("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'cbcache_ddl'") == [["0"]],
          "after DROP SLOT the slot is gone from the backend")
    s0 = d.stats()
    check(s0["cache_answers"] == 0, "after DROP SLOT: cache_answers 0")
    for i in ids:
        exchange(c, Q(star % i))
    s1 = d.stats()
    check(s1["queries_cache_hits"] == s0["queries_cache_hits"], "after DROP SLOT nothing is answered from the cache")
    row = d.admin("SHOW", "REPLICATION")["rows"][0]
    check(row["state"] == "slot dropped", "SHOW REPLICATION says the slot was dropped: %r" % row["state"])
    c.close()
    d.stop()

r = cbcached("--uninstall", "-c", d.conf)
check(r.returncode == 0 and "replication slot cbcache_ddl: did not exist" in r.stdout and
      "DDL event triggers dropped" in r.stdout, "--uninstall drops slot, publication and triggers: %s%s" %
      (r.stdout, r.stderr))
check(run("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'cbcache_ddl'") == [["0"]],
      "the slot is gone")
check(run("SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'cbcache%'") == [["0"]],
      "the event triggers are gone")
h.plan()
