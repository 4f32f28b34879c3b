"""The soak of bench/soak.sh (run by it inside tests/harness/with-pg.sh).

    soak.py --seconds N --out FILE [--clients 200]

cbcached (the movie cache group, a small max_cache_rows so the collector
evicts all the time) in front of the harness's PostgreSQL, for N seconds:

- CLIENTS client threads connect to cbcached, run 1 to 20 statements
  (director lookups, director-film joins, renames of their own directors
  and films read back at once on the same session, inserts and deletes of
  their own films) with 0-20 ms think time, disconnect, and again;
- two writers rename directors straight on PostgreSQL;
- a sampler compares answers: holding the director's lock (every writer
  of the director's rows takes it, so nothing changes them meanwhile) it
  reads them straight from PostgreSQL together with the WAL insert
  position, waits until cbcached has applied that position, reads them
  through cbcached, and reads them straight again; cbcached's answer must
  equal PostgreSQL's.  (The first soak judged without the lock, by the
  two direct reads agreeing; a film inserted and deleted between them made
  two false "wrong answers": bench/results/2026-12-05-vm-soak.md);
- at 40 % of the time PostgreSQL restarts (pg_ctl restart -m fast), at
  45 % cbcached gets SIGHUP: the second half runs after both;
- every 5 s cbcached's RSS, open descriptors and threads are sampled.

At the end, with the writers stopped: every director and its films through
cbcached equal PostgreSQL's, and VERIFY is clean.  The result (exit 0 only
when it passed): wrong answers 0, read-your-writes failures 0, errors only
around the restart, RSS / descriptors / threads flat over the second half
(mean of its last quarter within 10 % of the mean of its third quarter),
written to FILE as Markdown.
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "integration"))
import cbd_helper as h  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--seconds", type=float, default=1800)
ap.add_argument("--clients", type=int, default=200)
ap.add_argument("--out", required=True)
args = ap.parse_args()

SRC = os.environ["top_srcdir"]
LOOKUP = "SELECT id, nname, vname, wohnort FROM regisseur WHERE id = %d"
FILMS = ("SELECT f.id, f.titel, f.regie, f.ort FROM regisseur r JOIN film f ON f.regie = r.id WHERE r.id = %d "
         "ORDER BY f.id")
RESTART_WINDOW = 20.0  # seconds after the restart in which errors are expected

lock = threading.Lock()
stop = threading.Event()
t_start = time.monotonic()
counts = {"connects": 0, "statements": 0, "writes": 0, "samples": 0, "samples_judged": 0, "wrong": 0,
          "ryw_fail": 0, "errors_expected": 0, "errors_unexpected": 0, "lag_timeouts": 0, "direct_writes": 0}
problems = []
events = {}


def add(name, n=1):
    with lock:
        counts[name] += n


def problem(msg):
    with lock:
        if len(problems) < 50:
            problems.append("%.1f s: %s" % (time.monotonic() - t_start, msg))


def near_restart():
    r = events.get("restart")  # (began, ended or None while under way)
    now = time.monotonic() - t_start
    return r is not None and r[0] - 1 <= now and (r[1] is None or now <= r[1] + RESTART_WINDOW)


def error(what):
    if near_restart():
        add("errors_expected")
    else:
        add("errors_unexpected")
        problem(what)


setup = h.direct()
ids = [int(r[0]) for r in h.rows_of(setup, "SELECT id FROM regisseur ORDER BY id")]
film_base = int(h.rows_of(setup, "SELECT max(id) FROM film")[0][0]) + 1000
setup.close()
random.seed(7)
# the directors each writer owns (renames are read back; nobody else renames them)
# a director's rows change only under its lock, and the sampler holds it across its three reads: a
# change and its undoing between them (a film inserted and deleted) would otherwise look like a wrong answer
dlock = {d: threading.Lock() for d in ids}
owned = {}
for i, d in enumerate(ids):
    owned.setdefault(i % (args.clients + 2), []).append(d)

conf = ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
        "max_cache_rows = 20000\ngc_interval = 1\nmax_clients = %d\ninstance_name = soak\n"
        % (os.path.join(SRC, "examples/movies/movies.cg"), args.clients + 50))
daemon = h.Daemon(conf, port=6499)


def client(n):
    mine = owned.get(n, [])
    seq = 0
    while not stop.is_set():
        try:
            c = h.Conn(daemon.sock, timeout=60).login()
        except Exception as e:  # noqa: BLE001
            error("client %d: connect: %r" % (n, e))
            stop.wait(0.2)
            continue
        add("connects")
        try:
            for _ in range(random.randint(1, 20)):
                if stop.is_set():
                    break
                r = random.random()
                if r < 0.85 or not mine:
                    d = random.choice(ids)
                    sql = (LOOKUP if r < 0.5 else FILMS) % d
                    _, errs = c.query(sql)
                    if errs:
                        error("client %d: %s: %r" % (n, sql, errs[0]))
                elif r < 0.95:
                    seq += 1
                    d = random.choice(mine)
                    v = "soak%d-%d" % (n, seq)
                    with dlock[d]:
                        _, errs = c.query("UPDATE regisseur SET nname = '%s' WHERE id = %d" % (v, d))
                        add("writes")
                        if errs:
                            error("client %d: rename: %r" % (n, errs[0]))
                            continue
                        rows, errs = c.query("SELECT nname FROM regisseur WHERE id = %d" % d)
                    if errs:
                        error("client %d: read back: %r" % (n, errs[0]))
                    elif rows != [[v]]:
                        add("ryw_fail")
                        problem("client %d: read %r after renaming director %d to %r" % (n, rows, d, v))
                else:
                    seq += 1
                    fid = film_base + n * 1000000 + seq  # a film left by a delete the restart broke is harmless
                    d = random.choice(mine)
                    with dlock[d]:
                        _, errs = c.query("INSERT INTO film (id, titel, regie, geaendert) VALUES (%d, 'soak', %d, "
                                          "now())" % (fid, d))
                        if not errs:
                            rows, errs = c.query(FILMS % d)
                            if not errs and not any(row[0] == str(fid) for row in rows):
                                add("ryw_fail")
                                problem("client %d: film %d missing after its insert" % (n, fid))
                            _, errs = c.query("DELETE FROM film WHERE id = %d" % fid)
                    add("writes", 2)
                    if errs:
                        error("client %d: insert/delete: %r" % (n, errs[0]))
                add("statements")
                stop.wait(random.uniform(0, 0.02))
        except Exception as e:  # noqa: BLE001 - the connection broke
            error("client %d: %r" % (n, e))
        try:
            c.close()
        except Exception:  # noqa: BLE001
            pass


def direct_writer(n):
    mine = owned.get(args.clients + n, [])
    seq = 0
    c = None
    while not stop.is_set():
        try:
            if c is None:
                c = h.direct()
            seq += 1
            d = random.choice(mine)
            with dlock[d]:
                h.rows_of(c, "UPDATE regisseur SET nname = 'direct%d-%d' WHERE id = %d" % (n, seq, d))
            add("direct_writes")
        except Exception as e:  # noqa: BLE001
            error("direct writer %d: %r" % (n, e))
            c = None
        stop.wait(0.05)


def applied_lsn():
    st = daemon.admin("SHOW", "STATS", check=False)
    if st is None:
        return -1
    return next((int(r["value"]) for r in st["rows"] if r["name"] == "repl_applied_lsn"), -1)


def wait_applied(lsn, limit=10.0):
    deadline = time.monotonic() + limit
    while applied_lsn() < lsn:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def direct_read(c, sql):
    """Rows and the WAL insert position, read in one statement."""
    rows = h.rows_of(c, "SELECT q.*, pg_current_wal_insert_lsn() - '0/0'::pg_lsn FROM (%s) q" % sql)
    lsn = int(rows[0][-1]) if rows else int(h.rows_of(c, "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")[0][0])
    return [r[:-1] for r in rows], lsn


def sampler():
    pg = cb = None
    while not stop.is_set():
        try:
            if pg is None:
                pg = h.direct()
            if cb is None:
                cb = h.Conn(daemon.sock, timeout=60).login()
            d = random.choice(ids)
            sql = (LOOKUP if random.random() < 0.5 else FILMS) % d
            with dlock[d]:  # nobody changes the director's rows meanwhile
                before, lsn = direct_read(pg, sql)
                if not wait_applied(lsn):
                    add("lag_timeouts")
                    if not near_restart():
                        problem("cbcached had not applied %d within 10 s" % lsn)
                    continue
                got = h.rows_of(cb, sql)
                after, _ = direct_read(pg, sql)
            add("samples")
            if before == after:
                add("samples_judged")
                if got != before:
                    add("wrong")
                    problem("wrong answer: %s: cbcached %r, PostgreSQL %r" % (
                        sql, [r for r in got if r not in before], [r for r in before if r not in got]))
            else:
                problem("the rows of %s changed under the sampler's lock" % sql)
        except Exception as e:  # noqa: BLE001
            error("sampler: %r" % e)
            pg = cb = None
            stop.wait(0.2)
        stop.wait(0.05)


samples = []


def proc_numbers(pid):
    rss = thr = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                thr = int(line.split()[1])
    return rss, len(os.listdir("/proc/%d/fd" % pid)), thr


def monitor():
    while not stop.wait(5):
        rss, fds, thr = proc_numbers(daemon.proc.pid)
        st = daemon.admin("SHOW", "STATS", check=False)
        s = {r["name"]: int(r["value"]) for r in st["rows"]} if st else {}
        samples.append((time.monotonic() - t_start, rss, fds, thr, s.get("queries_cache_hits", 0),
                        s.get("statements", 0), s.get("cache_evictions", 0)))


def as_pg(*cmd):
    cmd = [os.path.join(os.environ["CB_PG_BINDIR"], cmd[0])] + list(cmd[1:])
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True)


threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
threads += [threading.Thread(target=direct_writer, args=(n,)) for n in range(2)]
threads += [threading.Thread(target=sampler), threading.Thread(target=monitor)]
for t in threads:
    t.start()

stop.wait(args.seconds * 0.4)
t0 = time.monotonic() - t_start
events["restart"] = (t0, None)
r = as_pg("pg_ctl", "-D", os.environ["CB_PG_DATA"], "-l", os.environ["CB_PG_LOG"], "-m", "fast", "-w", "-t", "120",
          "restart")
events["restart"] = (t0, time.monotonic() - t_start)
if r.returncode != 0:
    problem("pg_ctl restart failed: %s" % r.stderr.strip())
stop.wait(max(0.0, args.seconds * 0.45 - (time.monotonic() - t_start)))
os.kill(daemon.proc.pid, signal.SIGHUP)
events["sighup"] = time.monotonic() - t_start
stop.wait(max(0.0, args.seconds - (time.monotonic() - t_start)))
stop.set()
for t in threads:
    t.join(120)

# quiesce and compare everything
final_wrong = 0
pg = h.direct()
lsn = int(h.rows_of(pg, "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")[0][0])
if not wait_applied(lsn, 60):
    problem("cbcached did not apply the last writes within 60 s")
daemon.admin("WAIT", "FILLS", "60000", check=False)
cb = h.Conn(daemon.sock).login()
for d in ids:
    for sql in (LOOKUP % d, FILMS % d):
        if h.rows_of(cb, sql) != h.rows_of(pg, sql):
            final_wrong += 1
            problem("at the end: %s differs" % sql)
verify = daemon.admin("VERIFY")
rss, fds, thr = proc_numbers(daemon.proc.pid)
stats = daemon.stats()
cb.close()
pg.close()
daemon.stop()


def flat(col):
    """(mean of the second half's third quarter, of its last quarter, change) of samples column col."""
    half = [s for s in samples if s[0] >= args.seconds / 2]
    q3 = [s[col] for s in half if s[0] < args.seconds * 0.75]
    q4 = [s[col] for s in half if s[0] >= args.seconds * 0.75]
    if not q3 or not q4:
        return 0, 0, 1.0
    a, b = sum(q3) / len(q3), sum(q4) / len(q4)
    return a, b, (b - a) / a if a else 0.0


checks = []


def judge(ok, what):
    checks.append(("pass" if ok else "FAIL", what))


judge(counts["wrong"] == 0, "wrong answers among %d judged samples: %d" % (counts["samples_judged"], counts["wrong"]))
judge(counts["ryw_fail"] == 0, "read-your-writes failures among %d writes: %d" % (counts["writes"], counts["ryw_fail"]))
judge(final_wrong == 0, "at the end, %d directors and their films through cbcached equal PostgreSQL's (%d differ)"
      % (len(ids), final_wrong))
judge(not verify["rows"], "VERIFY clean at the end (%d violations)" % len(verify["rows"]))
judge(counts["errors_unexpected"] == 0, "errors outside the restart window: %d (%d within it)"
      % (counts["errors_unexpected"], counts["errors_expected"]))
for col, name in ((1, "RSS (kB)"), (2, "open descriptors"), (3, "threads")):
    a, b, ch = flat(col)
    judge(abs(ch) <= 0.10, "%s flat over the second half: mean %.0f then %.0f (%+.1f %%)" % (name, a, b, ch * 100))
passed = all(c[0] == "pass" for c in checks)

with open(args.out, "w") as f:
    f.write("# Soak: %s\n\n" % ("passed" if passed else "FAILED"))
    f.write("bench/soak.sh, %.0f s, %d clients, on %s; PostgreSQL restarted at %.0f-%.0f s, SIGHUP at %.0f s.\n\n"
            % (args.seconds, args.clients, os.uname().nodename, events["restart"][0], events["restart"][1],
               events["sighup"]))
    f.write("| check | result |\n| --- | --- |\n")
    for res, what in checks:
        f.write("| %s | %s |\n" % (what, res))
    f.write("\n| counter | value |\n| --- | --- |\n")
    for k in sorted(counts):
        f.write("| %s | %d |\n" % (k, counts[k]))
    for k in ("sessions_total", "statements", "queries_cache_hits", "queries_backend", "cache_fills_done",
              "cache_evictions", "cache_rows_evicted", "repl_transactions", "errors"):
        if k in stats:
            f.write("| cbcached %s | %d |\n" % (k, stats[k]))
    f.write("\nSamples every 5 s (seconds, RSS kB, descriptors, threads, cache hits, statements, evictions):\n\n```\n")
    for s in samples:
        f.write("%7.1f %8d %5d %4d %10d %10d %8d\n" % s)
    f.write("```\n")
    if problems:
        f.write("\nProblems (first %d):\n\n" % len(problems))
        for p in problems:
            f.write("- %s\n" % p)
print(open(args.out).read())
sys.exit(0 if passed else 1)
