"""cbcached killed at each fault point, and a cache file whose commits fail.

The fault points of common/fault.h (a build with --enable-fault-injection,
which scripts/check.sh configures) make a crash certain at one place:
CB_FAULTS=point=kill ends cbcached with SIGKILL exactly there, in the
middle of the write that point guards.  For each point the test drives the
work that reaches it (a cold lookup fills, a write straight to PostgreSQL
is applied from the stream, hits are counted, EVICT evicts, a TRUNCATE
invalidates), requires cbcached to have died by SIGKILL, starts it again on
the same cache file, and requires VERIFY to be clean and every lookup's
answer to equal PostgreSQL's, before and after the fills it queues.

Then the backend stopped at each point: CB_FAULTS=point=stop freezes
cbcached (SIGSTOP) exactly there; PostgreSQL is stopped (immediate: a
crash of the backend), cbcached goes on (SIGCONT) and finds its backend
gone, then PostgreSQL starts again.  cbcached must stay up, reconnect its
sessions' backends, its fills and its change stream by itself, apply a
write made after the restart, answer every lookup as PostgreSQL does, and
VERIFY clean.

Then the disk-full case: CB_FAULTS=cachedb.commit=fail:0:N fails the
first N commits of the cache file as a full disk does.  While they fail,
every answer is still PostgreSQL's (misses, and fences while the stream
cannot apply); once commits succeed again cbcached recovers by itself,
without RELOAD or a restart: the fills run, the stream catches up, the
lookups are cache hits, and VERIFY is clean.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import threading  # noqa: E402

import cbd_helper as h  # noqa: E402
from cbd_helper import Q, exchange  # noqa: E402

SRC = os.environ["top_srcdir"]
check = h.check
# no `complete` table, so that a start writes nothing a point guards
GROUP = os.path.join(os.environ["CB_PG_DIR"], "faults.cg")
with open(GROUP, "w") as f:
    f.write("cachegroup faults\ntable regisseur\ntable film\nfill regisseur.id\nrcc regisseur.id -> film.regie\n")
CONF = ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
        "gc_interval = 1\n" % GROUP)
LOOK = "SELECT r.id, r.nname, f.id, f.titel FROM regisseur r JOIN film f ON f.regie = r.id WHERE r.id = %d ORDER BY f.id"
pg = h.direct()
ids = [int(r[0]) for r in h.rows_of(pg, "SELECT regie FROM film GROUP BY regie ORDER BY regie LIMIT 12")]


def same_answers(d, what):
    """Every lookup through cbcached answers what PostgreSQL answers."""
    c = h.Conn(d.sock).login()
    for i in ids:
        got, want = exchange(c, Q(LOOK % i)), exchange(pg, Q(LOOK % i))
        check(got == want, "%s: lookup %d answers PostgreSQL's answer" % (what, i), d)
    c.close()


def verify_clean(d, what):
    v = d.admin("VERIFY")
    check(not v["rows"], "%s: VERIFY is clean (%r)" % (what, v["rows"][:3]), d)


def wait_killed(d, what):
    try:
        rc = d.proc.wait(timeout=60)
    except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired
        h.fail("%s: cbcached did not reach its fault point within 60 s" % what, d)
    check(rc == -signal.SIGKILL, "%s: cbcached died by SIGKILL at the point (status %r)" % (what, rc), d)
    d.kill()  # closes its files


def drive_fill(d, c):
    """Cold lookups: their fills run."""
    for i in ids[:4]:
        exchange(c, Q(LOOK % i))


def drive_apply(d, c):
    h.rows_of(pg, "UPDATE regisseur SET nname = nname WHERE id = %d" % ids[0])


def drive_hitcount(d, c):
    drive_fill(d, c)
    d.admin("WAIT", "FILLS", "20000", check=False)
    drive_fill(d, c)  # hits, counted by the hit counter's next batch


def drive_gc(d, c):
    drive_fill(d, c)
    d.admin("WAIT", "FILLS", "20000", check=False)
    d.admin("EVICT", "regisseur.id", str(ids[0]), check=False)


def drive_invalidate(d, c):
    drive_fill(d, c)
    d.admin("WAIT", "FILLS", "20000", check=False)
    h.rows_of(pg, "BEGIN; CREATE TEMP TABLE keep AS SELECT * FROM film; TRUNCATE film CASCADE; "
                  "INSERT INTO film SELECT * FROM keep; COMMIT")


POINTS = [("fill.commit", drive_fill), ("apply.commit", drive_apply), ("hitcount.commit", drive_hitcount),
          ("gc.commit", drive_gc), ("invalidate.commit", drive_invalidate)]

# a CB_FAULTS this build cannot do is refused at start, with the cause
for spec, says in [("nosuch=kill", "names no fault point; the points are cachedb.commit, fill.commit"),
                   ("fill.commit=explode", "the action of fill.commit is \"explode\"; use kill, fail or stop"),
                   ("fill.commit=fail:x", "the skip count of fill.commit is not a number")]:
    r = subprocess.run([h.CBCACHED, "-c", "/nonexistent.conf"], capture_output=True, text=True,
                       env=dict(os.environ, CB_FAULTS=spec))
    check(r.returncode == 1 and says in r.stderr, "CB_FAULTS=%s is refused: %s" % (spec, r.stderr.strip()))

for n, (point, drive) in enumerate(POINTS):
    port = 6471 + n
    conf = CONF + "instance_name = f%d\n" % n  # its own replication slot: nothing old to apply at start
    d = h.Daemon(conf, port=port, env={"CB_FAULTS": point + "=kill"})
    check(d.stats()["cache_running"] == 1, "%s: the cache runs" % point, d)
    c = h.Conn(d.sock).login()
    try:
        drive(d, c)
    except Exception:  # noqa: BLE001 - the daemon may die under the driver's feet
        pass
    wait_killed(d, point)
    log = open(os.path.join(d.dir, "stderr")).read()
    check("fault point %s: SIGKILL" % point in log, "%s: the kill happened at that point" % point, d)
    d2 = h.Daemon(conf, port=port, dir=d.dir)
    with d2:
        verify_clean(d2, "after a kill at " + point)
        same_answers(d2, "after a kill at " + point)
        d2.admin("WAIT", "FILLS", "20000")
        same_answers(d2, "after a kill at %s, filled again" % point)
        verify_clean(d2, "after a kill at %s, filled again" % point)
        d2.stop()

def as_pg(*args):
    cmd = [os.path.join(os.environ["CB_PG_BINDIR"], args[0])] + list(args[1:])
    if os.geteuid() == 0:  # the server refuses to run as root (the harness runs it as postgres)
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True)
    check(r.returncode == 0, "%s: %s" % (" ".join(args[:2]), r.stderr.strip()))


def backend_stop():
    as_pg("pg_ctl", "-D", os.environ["CB_PG_DATA"], "-m", "immediate", "-w", "-t", "60", "stop")


def backend_start():
    global pg
    as_pg("pg_ctl", "-D", os.environ["CB_PG_DATA"], "-l", os.environ["CB_PG_LOG"], "-w", "-t", "60", "start")
    pg = h.direct()


def wait_stopped(d, what):
    """Until cbcached's process is stopped (SIGSTOP at its fault point)."""
    deadline = time.monotonic() + 60
    while True:
        with open("/proc/%d/stat" % d.proc.pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        if state == "T":
            return
        if d.proc.poll() is not None:
            h.fail("%s: cbcached ended (status %r) instead of stopping at its fault point" % (what, d.proc.returncode),
                   d)
        if time.monotonic() > deadline:
            h.fail("%s: cbcached did not reach its fault point within 60 s" % what, d)
        time.sleep(0.01)


def applied_write(d, what):
    """A write straight to PostgreSQL reaches the cache (the stream reconnected)."""
    h.rows_of(pg, "UPDATE regisseur SET nname = nname WHERE id = %d" % ids[3])
    lsn = int(h.rows_of(pg, "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")[0][0])
    deadline = time.monotonic() + 60
    while d.stats()["repl_applied_lsn"] < lsn and time.monotonic() < deadline:
        time.sleep(0.05)
    check(d.stats()["repl_applied_lsn"] >= lsn, "%s: the stream reconnected and applies a new write" % what, d)


def quietly(drive, d, c):
    try:
        drive(d, c)
    except Exception:  # noqa: BLE001 - the backend goes away under the driver's feet
        pass


for n, (point, drive) in enumerate(POINTS):
    what = "backend stopped at " + point
    conf = CONF + "instance_name = s%d\n" % n
    d = h.Daemon(conf, port=6481 + n, env={"CB_FAULTS": point + "=stop"})
    with d:
        c = h.Conn(d.sock).login()
        driver = threading.Thread(target=quietly, args=(drive, d, c))
        driver.start()
        wait_stopped(d, what)
        pg.close()
        backend_stop()
        d.proc.send_signal(signal.SIGCONT)
        driver.join(120)
        check(not driver.is_alive(), "%s: the work that reached the point ended" % what, d)
        check(d.alive(), "%s: cbcached runs on with its backend down" % what, d)
        backend_start()
        log = open(os.path.join(d.dir, "stderr")).read()
        check("fault point %s: SIGSTOP" % point in log, "%s: cbcached stopped at that point" % point, d)
        applied_write(d, what)
        same_answers(d, what)
        d.admin("WAIT", "FILLS", "20000")
        same_answers(d, what + ", filled again")
        verify_clean(d, what)
        d.stop()
    # the cluster has few replication slots: give this one back
    h.rows_of(pg, "SELECT pg_drop_replication_slot('cbcache_s%d')" % n)

# a full disk: the first FAILS commits of the cache file fail
FAILS = 24
d = h.Daemon(CONF + "instance_name = full\n", port=6480, env={"CB_FAULTS": "cachedb.commit=fail:0:%d" % FAILS})
with d:
    c = h.Conn(d.sock).login()
    deadline = time.monotonic() + 60
    while True:
        same_answers(d, "while commits fail")
        h.rows_of(pg, "UPDATE regisseur SET nname = nname WHERE id = %d" % ids[1])
        s = d.stats()
        # the reader gate's renewals are commits too (reader_gate_failures): stop once the data's show
        if s["cache_fills_failed"] + s["repl_failures"] >= 5:
            break
        if time.monotonic() > deadline:
            h.fail("the injected commit failures did not show in SHOW STATS: %r" % s, d)
    s = d.stats()
    check(s["cache_fills_failed"] > 0 or s["repl_failures"] > 0,
          "the failing commits failed fills or applies (fills failed %d, stream failures %d)"
          % (s["cache_fills_failed"], s["repl_failures"]), d)
    log = open(d.log).read()
    check("database or disk is full (fault point" in log, "the log names the full disk", d)
    # commits succeed again: recovery without RELOAD or restart
    deadline = time.monotonic() + 90
    while True:
        for i in ids:
            exchange(c, Q(LOOK % i))
        d.admin("WAIT", "FILLS", "20000", check=False)
        s0 = d.stats()
        for i in ids:
            got, want = exchange(c, Q(LOOK % i)), exchange(pg, Q(LOOK % i))
            check(got == want, "after the disk-full phase lookup %d answers PostgreSQL's answer" % i, d)
        s1 = d.stats()
        if s1["queries_cache_hits"] - s0["queries_cache_hits"] == len(ids):
            break
        if time.monotonic() > deadline:
            h.fail("cbcached did not recover from the failed commits within 90 s: %r" % s1, d)
    check(True, "after the failed commits every lookup is a cache hit again, with no RELOAD or restart")
    # the start empties a cache whose slot is new; that invalidation and the
    # eviction of everything after it failed, so it was tried again later
    s = d.stats()
    check(s["cache_invalidation_failures"] >= 1 and s["cache_invalidations_applied"] >= 1,
          "an invalidation that failed on the full disk was applied later (failures %d, applied %d)"
          % (s["cache_invalidation_failures"], s["cache_invalidations_applied"]), d)
    # a write straight to PostgreSQL is applied (the stream reaches its
    # position: writes from outside cbcached are seen once applied) and seen
    h.rows_of(pg, "UPDATE regisseur SET nname = nname || 'z' WHERE id = %d" % ids[2])
    lsn = int(h.rows_of(pg, "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")[0][0])
    deadline = time.monotonic() + 30
    while d.stats()["repl_applied_lsn"] < lsn and time.monotonic() < deadline:
        time.sleep(0.05)
    check(d.stats()["repl_applied_lsn"] >= lsn, "the stream applies a write made once recovered", d)
    same_answers(d, "after a write once recovered")
    verify_clean(d, "after the disk-full phase")
    h.rows_of(pg, "UPDATE regisseur SET nname = left(nname, -1) WHERE id = %d" % ids[2])
    c.close()
    d.stop()
pg.close()
h.plan()
