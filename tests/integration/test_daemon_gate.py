"""The cache file's reader gate: what another process reading cache.db obeys.

Another process may answer from the cache file (the ODBC driver in the
application's process) only while cbcached would answer every table: the
gate word is open when it looks, and the lease in the meta table, read in
the same read transaction as the rows, has not run out (hit/readergate.h;
gate_probe reads the file exactly so).  commit_wait_ms = 0 (every commit
through cbcached fences its tables), max_lag_ms = 600 (the lease).

1. Once cbcached has caught up with the stream the gate is open, and a
   cached director reads from the file with its name.
2. A write through cbcached: the fault point replica.fence stops cbcached
   right after the session fenced its write, before its client is
   answered (certain: the whole process is stopped).  The committed write
   is on the backend, the file still holds the old name, and the gate is
   closed.  After SIGCONT the client gets UPDATE 1, and once the gate
   opens again the file holds the new name.
3. Twenty more writes: after each answer the file either is closed or
   holds the new name, never the old one with the gate open.
4. cbcached stopped with SIGSTOP (hung): the lease runs out and the gate
   reads closed ("not renewed"); after SIGCONT it opens again.
5. cbcached stopped cleanly: the gate is closed.
6. cache_file_group naming a group the machine lacks: the cache does not
   start, and the log names the group and the fix.

A client that asks (startup options -c cbcache.in_process=on) gets the
ParameterStatus cbcache.in_process on and cbcache.cache_file (the file's
absolute path), off and no file without a running cache; one that does
not ask gets nothing PostgreSQL would not send.

The files (cache.db, -wal, -shm, -gate) are mode 0640 with the group
cache_file_group (postgres here) while cbcached runs as root, and a user
of that group (postgres) reads the file through gate_probe.
"""
import grp
import os
import sqlite3
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402
from cbd_helper import Q  # noqa: E402

SRC = os.environ["top_srcdir"]
PROBE = os.path.join(h.BUILD, "tests", "integration", "gate_probe")
check, direct, rows_of, pending = h.check, h.direct, h.rows_of, h.pending
LOOKUP = "SELECT nname FROM regisseur WHERE id = %d"


def probe(d, sql=None, user=None):
    """(open, why, rows) as another process reading the cache file sees it (as user: runuser)."""
    run = [PROBE]
    if user is not None:
        run = ["runuser", "-u", user, "--", os.path.join(d.dir, "gate_probe")]
        shutil.copy(PROBE, run[-1])  # where the user can reach it
    r = subprocess.run(run + [os.path.join(d.dir, "cache.db")] + ([sql] if sql else []),
                       capture_output=True, text=True)
    if r.returncode != 0:
        h.fail("gate_probe failed: %s" % r.stderr, d)
    lines = r.stdout.splitlines()
    rows = [ln[4:] for ln in lines if ln.startswith("row ")]
    return lines[0] == "open", lines[0], rows


def wait_gate(d, want, what, seconds=20):
    """Poll the file until the gate reads open (want True) or closed, bounded."""
    deadline = time.monotonic() + seconds
    while True:
        is_open, line, _ = probe(d)
        if is_open == want:
            return line
        if time.monotonic() > deadline:
            h.fail("%s: the gate still reads %r after %d s" % (what, line, seconds), d)
        time.sleep(0.02)  # polling the file's state, with a deadline


def stopped(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0] == "T"


def answer_tags(conn):
    tags = []
    while True:
        t, body = conn.read_msg()
        if t == b"C":
            tags.append(body.rstrip(b"\0").decode())
        elif t == b"E":
            tags.append("ERROR %r" % h.error_fields(body))
        elif t == b"Z":
            return tags


pg = direct()
ident = int(rows_of(pg, "SELECT id FROM regisseur ORDER BY id LIMIT 1")[0][0])
CACHED = "SELECT nname FROM regisseur WHERE id = %d" % ident
conf = ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
        "instance_name = gate\ncommit_wait_ms = 0\nmax_lag_ms = 600\ncache_file_group = postgres\n"
        % os.path.join(SRC, "examples/movies/movies.cg"))

d = h.Daemon(conf, port=6457, env={"CB_FAULTS": "replica.fence=stop"})
with d:
    # 1.
    wait_gate(d, True, "after the start")
    check(d.stats()["reader_gate_open"] == 1, "SHOW STATS says the reader gate is open", d)
    c = h.Conn(d.sock).login()
    old = rows_of(c, LOOKUP % ident)[0][0]
    d.admin("WAIT", "FILLS", "20000")
    wait_gate(d, True, "after the fill")
    is_open, line, rows = probe(d, CACHED)
    check(is_open and rows == [old], "the file holds the cached director, gate open (%s, %r)" % (line, rows), d)
    asks = h.Conn(d.sock).login(extra={"options": "-c cbcache.in_process=on"})
    cache_file = os.path.realpath(os.path.join(d.dir, "cache.db"))
    check(asks.params.get("cbcache.in_process") == "on" and asks.params.get("cbcache.cache_file") == cache_file,
          "a client that asks is told where the cache file is (%r)"
          % {k: v for k, v in asks.params.items() if k.startswith("cbcache.")}, d)
    lite = sqlite3.connect("file:%s?mode=ro" % cache_file, uri=True, timeout=30)
    file_id = lite.execute("SELECT value FROM cbcache_meta WHERE key = 'cache_id'").fetchone()
    lite.close()
    check(file_id is not None and len(file_id[0]) == 32 and asks.params.get("cbcache.cache_id") == file_id[0],
          "... and the id the file carries (%r, the file: %r)" % (asks.params.get("cbcache.cache_id"), file_id), d)
    check(rows_of(asks, "SHOW cbcache.in_process") == [["on"]], "... and its backend keeps the option", d)
    asks.close()
    check(not any(k.startswith("cbcache.") for k in c.params),
          "a client that does not ask is told nothing more than PostgreSQL tells it", d)
    gid = grp.getgrnam("postgres").gr_gid
    for suffix in ("", "-wal", "-shm", "-gate"):
        st = os.stat(os.path.join(d.dir, "cache.db" + suffix))
        check(st.st_mode & 0o777 == 0o640 and st.st_gid == gid,
              "cache.db%s is mode 0640, group postgres (%o, gid %d)" % (suffix, st.st_mode & 0o777, st.st_gid), d)
    is_open, line, rows = probe(d, CACHED, user="postgres")
    check(is_open and rows == [old], "a user of cache_file_group reads it (%s, %r)" % (line, rows), d)

    # 2.
    w = h.Conn(d.sock).login()
    w.send(Q("UPDATE regisseur SET nname = 'gate-1' WHERE id = %d" % ident))
    deadline = time.monotonic() + 20
    while not stopped(d.proc.pid):
        if time.monotonic() > deadline:
            h.fail("cbcached did not stop at the fault point replica.fence", d)
        time.sleep(0.01)  # polling the process state, with a deadline
    check(rows_of(pg, LOOKUP % ident) == [["gate-1"]], "the write committed on the backend", d)
    check(not pending(w), "the writer has no answer yet (cbcached stopped at the fault point)", d)
    is_open, line, rows = probe(d, CACHED)
    check(not is_open, "the gate is closed before the writer is answered (%s, file holds %r)" % (line, rows), d)
    d.proc.send_signal(signal.SIGCONT)
    check(answer_tags(w) == ["UPDATE 1"], "after SIGCONT the writer gets UPDATE 1", d)
    wait_gate(d, True, "after the write was applied")
    is_open, line, rows = probe(d, CACHED)
    check(not is_open or rows == ["gate-1"], "once open again the file holds the new name (%s, %r)" % (line, rows), d)

    # 3.
    stale = []
    for i in range(20):
        name = "gate-loop-%d" % i
        w.send(Q("UPDATE regisseur SET nname = '%s' WHERE id = %d" % (name, ident)))
        if answer_tags(w) != ["UPDATE 1"]:
            h.fail("write %d failed" % i, d)
        is_open, line, rows = probe(d, CACHED)
        if is_open and rows != [name]:
            stale.append((name, rows))
    check(not stale, "after each write's answer the file is closed or holds the write (%r)" % stale, d)
    st = d.stats()
    check(st["repl_fences_made"] >= 21 and st["reader_gate_closes"] >= 21,
          "every write fenced and closed the gate (fences %d, closes %d)"
          % (st["repl_fences_made"], st["reader_gate_closes"]), d)

    # 4.
    wait_gate(d, True, "before cbcached hangs")
    d.proc.send_signal(signal.SIGSTOP)
    line = wait_gate(d, False, "cbcached hung", seconds=10)
    d.proc.send_signal(signal.SIGCONT)
    check("not renewed" in line, "a hung cbcached's lease runs out (%s)" % line, d)
    wait_gate(d, True, "cbcached running again")

    # 5.
    c.close()
    w.close()
    d.stop()
    is_open, line, _ = probe(d)
    check(not is_open, "after a clean stop the gate is closed (%s)" % line)
    rows_of(pg, "UPDATE regisseur SET nname = %s WHERE id = %d" % ("'" + old.replace("'", "''") + "'", ident))
    rows_of(pg, "SELECT pg_drop_replication_slot('cbcache_gate')")

# a group the machine does not have: the cache does not start, and the log says why and the fix
d = h.Daemon(conf.replace("cache_file_group = postgres", "cache_file_group = cb_no_such_group"), port=6458)
with d:
    check(d.stats()["cache_running"] == 0, "an unknown cache_file_group keeps the cache from starting", d)
    with open(d.log) as f:
        log = f.read()
    check("cb_no_such_group" in log and "groupadd" in log, "the log names the group and the fix", d)
    asks = h.Conn(d.sock).login(extra={"options": "--cbcache.in_process=on"})
    check(asks.params.get("cbcache.in_process") == "off" and "cbcache.cache_file" not in asks.params,
          "without a running cache a client that asks is told off, and no file", d)
    asks.close()
    d.stop()
pg.close()
h.plan()
