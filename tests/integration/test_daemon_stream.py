"""The change stream keeps two cbcached caches exact under concurrent writers.

Two cbcached instances (instance_name a and b: a slot each) cache the movie
database.  For 30 seconds (CB_STREAM_SECONDS) writers race readers:

- through cbcached a and through cbcached b, plain UPDATEs of directors each
  writer owns, read back at once on the writer's session and on a second
  session of the same cbcached: never the old value (read-your-writes);
- through cbcached a, a plpgsql function that writes (the text shows no
  table): read back the same way;
- through cbcached b, a key update of ort that cascades to regisseur and
  film (ON UPDATE CASCADE), read back the same way;
- straight to PostgreSQL: each write must reach both caches (polled), its
  visibility lag is reported;
- readers: director lookups and director-film joins through both.

Writers pause 20-80 ms after each write (with commit_wait_ms = 0 on b, a
write through b fences its tables until it is applied; through a, its
commit waits for the stream), so that the readers are answered from the
caches in between.

At the end the caches are quiesced (WAIT FILLS), every director and its
films are read through both and must equal PostgreSQL's answer byte for
byte, and VERIFY is clean on both.  Then cbcached a is killed with SIGKILL
while writes are applied, writes continue straight to PostgreSQL, and a is
started again: nothing is lost (all rows equal, VERIFY clean).  Finally
the fallback without a stream: a third cbcached on a's slot while a holds
it cannot stream; with require_stream = on it answers nothing from the
cache (cache_answers 0), with require_stream = off it answers and warns.
"""
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402
from cbd_helper import Q, exchange  # noqa: E402

SRC = os.environ["top_srcdir"]
SECONDS = float(os.environ.get("CB_STREAM_SECONDS", "30"))
check, direct, value_of = h.check, h.direct, h.rows_of
failures = []
lock = threading.Lock()


def conf(instance, extra=""):
    return ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
            "max_cache_rows = 200000\ninstance_name = %s\n%s" %
            (os.path.join(SRC, "examples/movies/movies.cg"), instance, extra))


def problem(msg):
    with lock:
        failures.append(msg)


setup = direct()
for stmt in [
    "ALTER TABLE regisseur DROP CONSTRAINT regisseur_wohnort_fkey",
    "ALTER TABLE regisseur ADD CONSTRAINT regisseur_wohnort_fkey FOREIGN KEY (wohnort) REFERENCES ort (plz) "
    "ON UPDATE CASCADE",
    "ALTER TABLE film DROP CONSTRAINT film_ort_fkey",
    "ALTER TABLE film ADD CONSTRAINT film_ort_fkey FOREIGN KEY (ort) REFERENCES ort (plz) ON UPDATE CASCADE",
    "ALTER TABLE darsteller DROP CONSTRAINT darsteller_wohnort_fkey",
    "ALTER TABLE darsteller ADD CONSTRAINT darsteller_wohnort_fkey FOREIGN KEY (wohnort) REFERENCES ort (plz) "
    "ON UPDATE CASCADE",
    "CREATE FUNCTION cb_rename(d int, n text) RETURNS int LANGUAGE plpgsql AS "
    "$$ BEGIN UPDATE regisseur SET nname = n WHERE id = d; RETURN d; END $$",
]:
    value_of(setup, stmt)
ids = [int(r[0]) for r in value_of(setup, "SELECT id FROM regisseur WHERE wohnort IS NOT NULL ORDER BY id LIMIT 40")]
plz = [r[0] for r in value_of(setup, "SELECT DISTINCT r.wohnort FROM regisseur r WHERE r.id = ANY('{%s}') "
                                     "ORDER BY 1" % ",".join(map(str, ids)))]
setup.close()
if len(ids) < 40 or len(plz) < 2:
    h.fail("the movie database is too small for this test")

LOOKUP = "SELECT id, nname, vname, wohnort FROM regisseur WHERE id = %d"
FILMS = ("SELECT f.id, f.titel, f.regie, f.ort FROM regisseur r JOIN film f ON f.regie = r.id WHERE r.id = %d "
         "ORDER BY f.id")

a = h.Daemon(conf("a"), port=6441)
b = h.Daemon(conf("b", "commit_wait_ms = 0\n"), port=6442)  # fences instead of held commits
with a, b:
    for d in (a, b):
        c = h.Conn(d.sock).login()
        for i in ids:
            exchange(c, Q(LOOKUP % i))
            exchange(c, Q(FILMS % i))
        c.close()
        d.admin("WAIT", "FILLS", "60000")
    s0 = {d: d.stats() for d in (a, b)}
    check(all(s0[d]["repl_stream"] == 1 for d in (a, b)), "both instances run a change stream")

    stop = threading.Event()
    lags = []
    counts = {"writes": 0, "reads": 0}

    def pace():
        """A writer's think time: a write through cbcached fences its tables until the stream applied it
        (a function call fences all of them), so writers without pauses would leave the readers nothing to
        read from the cache."""
        stop.wait(random.uniform(0.02, 0.08))

    def own_keys(n):
        return ids[n * 6:(n + 1) * 6]

    def read_back(daemon, conns, sql, want, what):
        for c in conns:
            rows = value_of(c, sql)
            if not rows or rows[0][0] != want:
                problem("%s: read %r after the write's commit, wanted %r" % (what, rows, want))

    def writer(daemon, n, tag, statement):
        """Renames its own directors through daemon with statement ({k}: id, {v}: name), reading each back."""
        c = h.Conn(daemon.sock).login()
        other = h.Conn(daemon.sock).login()
        keys = own_keys(n)
        seq = 0
        while not stop.is_set():
            k = random.choice(keys)
            seq += 1
            v = "%s%d-%d" % (tag, n, seq)
            value_of(c, statement.format(k=k, v=v))
            read_back(daemon, (c, other), "SELECT nname FROM regisseur WHERE id = %d" % k, v,
                      "%s writer %d" % (tag, n))
            with lock:
                counts["writes"] += 1
            pace()

    def cascade_writer(daemon):
        c = h.Conn(daemon.sock).login()
        other = h.Conn(daemon.sock).login()
        p = plz[0]
        seq = 0
        while not stop.is_set():
            seq += 1
            new = "c%04d" % (seq % 10000)
            value_of(c, "UPDATE ort SET plz = '%s' WHERE plz = '%s'" % (new, p))
            who = value_of(c, "SELECT id FROM regisseur WHERE wohnort = '%s' ORDER BY id LIMIT 1" % new)
            if who:
                read_back(daemon, (c, other), "SELECT wohnort FROM regisseur WHERE id = %s" % who[0][0], new,
                          "cascade writer")
            p = new
            with lock:
                counts["writes"] += 1
            pace()

    def direct_writer(n):
        c = direct()
        readers = [h.Conn(d.sock).login() for d in (a, b)]
        keys = own_keys(n)
        seq = 0
        while not stop.is_set():
            k = random.choice(keys)
            seq += 1
            v = "d%d-%d" % (n, seq)
            value_of(c, "UPDATE regisseur SET nname = '%s' WHERE id = %d" % (v, k))
            t0 = time.monotonic()
            for r in readers:
                while True:
                    rows = value_of(r, "SELECT nname FROM regisseur WHERE id = %d" % k)
                    if rows and rows[0][0] == v:
                        break
                    if time.monotonic() - t0 > 10:
                        problem("a write straight to PostgreSQL was not seen within 10 s")
                        break
            with lock:
                lags.append(time.monotonic() - t0)
                counts["writes"] += 1

    def reader(daemon):
        c = h.Conn(daemon.sock).login()
        while not stop.is_set():
            i = random.choice(ids)
            value_of(c, LOOKUP % i)
            value_of(c, FILMS % i)
            with lock:
                counts["reads"] += 2

    errors = []

    def guard(f, *args):
        try:
            f(*args)
        except Exception as e:  # a thread's failure fails the test below
            errors.append(repr(e))

    plain, function = "UPDATE regisseur SET nname = '{v}' WHERE id = {k}", "SELECT cb_rename({k}, '{v}')"
    work = [(writer, a, 0, "w", plain), (writer, b, 1, "w", plain), (writer, a, 2, "f", function), (cascade_writer, b),
            (direct_writer, 4), (reader, a), (reader, b)]
    threads = [threading.Thread(target=guard, args=w) for w in work]
    for t in threads:
        t.start()
    time.sleep(SECONDS)  # the test's duration, not a synchronization
    stop.set()
    for t in threads:
        t.join(60)
    check(not errors, "the writers and readers ran without errors: %r" % errors[:3])
    check(not failures, "0 stale reads after a writer's own commit (%d writes): %r" % (counts["writes"], failures[:3]),
          b if any(f.startswith(("cascade", "w writer 1")) for f in failures) else a)
    lags.sort()
    if lags:
        print("# %d direct writes seen through both caches; visibility lag p50 %.1f ms, p99 %.1f ms" %
              (len(lags), lags[len(lags) // 2] * 1000, lags[min(len(lags) - 1, int(len(lags) * 0.99))] * 1000))
    check(len(lags) > 0 and counts["writes"] > 100, "writers wrote (%d writes)" % counts["writes"])

    def compare_all(what):
        d = direct()
        for daemon in (a, b):
            daemon.admin("WAIT", "FILLS", "60000")
            c = h.Conn(daemon.sock).login()
            for i in ids:
                for sql in (LOOKUP % i, FILMS % i):
                    x, y = exchange(c, Q(sql)), exchange(d, Q(sql))
                    if x != y:
                        h.fail("%s: %s differs through cbcached (port %d): %r vs %r" % (
                            what, sql, daemon.port, [m for m in x if m not in y], [m for m in y if m not in x]),
                            daemon)
            c.close()
            v = daemon.admin("VERIFY")
            check(v.get("ok", True) is not False and not v["rows"],
                  "%s: VERIFY clean (port %d)%s" % (what, daemon.port, "" if not v["rows"] else ": %r" % v["rows"][:10]),
                  daemon)
        d.close()

    compare_all("after the race")
    s1 = {d: d.stats() for d in (a, b)}
    for d in (a, b):
        hits = s1[d]["queries_cache_hits"] - s0[d]["queries_cache_hits"]
        print("# port %d: %d hits, %d misses, %d to the backend during the race" %
              (d.port, hits, s1[d]["queries_cache_misses"] - s0[d]["queries_cache_misses"],
               s1[d]["queries_backend"] - s0[d]["queries_backend"]))
        check(hits > 0, "the cache answered during the race (port %d)" % d.port)

    # --- kill -9 while applying ------------------------------------------------------------
    # A writer straight to PostgreSQL keeps cbcached a's applier busy (every write touches all
    # 40 cached directors); a is killed in the middle, more writes land while it is down.
    busy = threading.Event()

    def busy_writer():
        c = direct()
        n = 0
        while not stop.is_set():
            n += 1
            value_of(c, "UPDATE regisseur SET vname = 'k%d' WHERE id = ANY('{%s}')" % (n, ",".join(map(str, ids))))
            if n == 20:
                busy.set()
        c.close()

    stop.clear()
    t = threading.Thread(target=guard, args=(busy_writer,))
    t.start()
    check(busy.wait(60), "the busy writer runs")
    before_kill = a.stats()["repl_transactions"]
    a.kill()
    dw = direct()
    for i in ids[:10]:
        value_of(dw, "UPDATE regisseur SET nname = 'after the kill %d' WHERE id = %d" % (i, i))
    stop.set()
    t.join(60)
    check(not errors, "the busy writer ran without errors: %r" % errors[:3])
    dw.close()
    b.admin("WAIT", "FILLS", "60000")

a = h.Daemon(conf("a"), port=6441, dir=a.dir)  # the same directory: the same cache file and slot
with a, b:
    check(before_kill > 0, "cbcached a applied transactions before it was killed (%d)" % before_kill)
    s = a.stats()
    check(s["repl_stream"] == 1, "cbcached a runs its stream again after kill -9")
    # the cache was kept (not emptied): the restart resumed from the file's applied_lsn
    with open(a.log) as f:
        log = f.read()
    starts = log.count("change stream of slot cbcache_a started")
    emptied = log.count("the cache is emptied and loaded anew")
    check(starts == 2 and emptied == 1, "the cache file was kept over the kill (%d starts, emptied %d times: "
          "once, when the slot was new)" % (starts, emptied), a)
    compare_all("after kill -9 and restart")
    c = h.Conn(a.sock).login()
    for i in ids[:10]:
        rows = value_of(c, "SELECT nname FROM regisseur WHERE id = %d" % i)
        check(rows == [["after the kill %d" % i]], "a write made while cbcached a was down is seen (%d)" % i)
    c.close()
    hits0 = a.stats()["queries_cache_hits"]
    c = h.Conn(a.sock).login()
    for i in ids:
        value_of(c, LOOKUP % i)
    c.close()
    check(a.stats()["queries_cache_hits"] - hits0 >= len(ids) // 2,
          "cbcached a answers from the cache it kept over the kill")
    a.stop()
    b.stop()

# --- without a stream -----------------------------------------------------------------------
# A cache_user that may not create the publication (not the tables' owner, no REPLICATION):
# the stream cannot start.  require_stream = on (the default): nothing from the cache;
# off: answers from the cache, with a warning in the log and in SHOW STATS.
setup = direct()
value_of(setup, "CREATE ROLE cb_norepl LOGIN")
value_of(setup, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO cb_norepl")
setup.close()


def no_stream(extra):
    d = h.Daemon(conf("c", extra).replace("cache_user = postgres", "cache_user = cb_norepl"), port=6443)
    with d:
        c = h.Conn(d.sock).login()
        for i in ids[:10]:
            exchange(c, Q(LOOKUP % i))
        d.admin("WAIT", "FILLS", "60000")
        for i in ids[:10]:
            exchange(c, Q(LOOKUP % i))
        c.close()
        s = d.stats()
        with open(d.log) as f:
            log = f.read()
        d.stop()
    return s, log


s, log = no_stream("")
check(s["repl_stream"] == 0 and s["cache_answers"] == 0, "require_stream = on without a stream: cache_answers 0")
check(s["queries_cache_hits"] == 0, "... and no answer from the cache (%d hits)" % s["queries_cache_hits"])
check("change stream cannot start" in log and "require_stream = off" in log,
      "... and the log says why and what to do")
s, log = no_stream("require_stream = off\n")
check(s["repl_stream"] == 0 and s["cache_answers"] == 1, "require_stream = off without a stream: cache_answers 1")
check(s["queries_cache_hits"] >= 5, "... answers from the cache (%d hits)" % s["queries_cache_hits"])
check("WITHOUT the change stream" in log, "... with a warning in the log")
h.plan()
