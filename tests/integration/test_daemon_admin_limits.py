"""The admin socket under abuse: every client gets an answer it can read,
and no reply breaks its line or the terminal.

- connections past the 16 served at once get "ERROR too many admin
  connections" and end of file (they used to wait unanswered in the
  backlog); with one of the 16 closed, cbcache-admin works again;
- a line over 4096 bytes gets "ERROR command line longer than 4096 bytes"
  and then end of file, never a reset: the daemon reads and throws away
  the rest of the line, also 4 MB of it, and what follows it; a client
  that waits without ending its line gets the error too;
- control bytes of an unknown command are echoed escaped (\\x1b), in the
  raw reply, in cbcache-admin's table and message and in its --json;
- a fill that fails on the backend with a multi-line error (its
  connection terminated: newlines and tabs) keeps SHOW FILLS intact: one
  line per row in the table (the error shown with \\n and \\t), valid JSON
  with the exact error.
"""
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402

SRC = os.environ["top_srcdir"]


def check(cond, what):
    h.check(cond, what, daemon)


def raw():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(daemon.admin_sock)
    return s


def read_to_eof(s):
    """Everything until end of file; raises ConnectionResetError on a reset."""
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk


def admin_text(*words):
    return subprocess.run([h.ADMIN, "-s", daemon.admin_sock] + list(words), capture_output=True)


conf = ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
        % os.path.join(SRC, "examples/movies/movies.cg"))
with h.Daemon(conf) as daemon:
    # --- the 17th connection and more ---------------------------------------------------
    held = [raw() for _ in range(16)]
    held[0].sendall(b"SHOW STATS\n")  # served: the 16 are really connected
    reply = b""
    while not reply.endswith(b"OK\n"):
        reply += held[0].recv(65536)
    check(b"ROW\tuptime_s\t" in reply, "16 admin connections are served")
    extra = []
    for i in range(12):
        s = raw()
        t0 = time.monotonic()
        try:
            got = read_to_eof(s)
            reset = False
        except ConnectionResetError:
            got, reset = b"", True
        extra.append(s)  # kept open: the first ones linger, then there is no room to linger
        check(got.startswith(b"ERROR too many admin connections") and got.endswith(b"\n") and not reset,
              "connection %d past the 16 is told so and closed (%r, %.1f s)" % (17 + i, got, time.monotonic() - t0))
    r = admin_text("SHOW", "STATS")
    check(r.returncode == 1 and b"too many admin connections" in r.stderr,
          "cbcache-admin with 16 connections open: exit 1 and the reason (%r)" % r.stderr)
    held.pop().close()
    ok = False
    for _ in range(100):
        r = admin_text("SHOW", "STATS")
        if r.returncode == 0:
            ok = True
            break
        time.sleep(0.05)
    check(ok, "with one of the 16 closed, cbcache-admin works again")
    for s in held + extra:
        s.close()

    # --- long lines ---------------------------------------------------------------------
    for size, tail in ((5000, b"\n"), (4 * 1024 * 1024, b"\nSHOW STATS\n")):
        s = raw()
        writer_error = []

        def write(s=s, size=size, tail=tail):
            try:
                s.sendall(b"SHOW STATS\n" + b"A" * size + tail)
            except OSError as e:
                writer_error.append(e)

        w = threading.Thread(target=write)
        w.start()
        try:
            got, reset = read_to_eof(s), False
        except ConnectionResetError:
            got, reset = b"", True
        w.join(30)
        lines = got.split(b"\n")
        check(not reset and not writer_error and lines[-2] == b"ERROR command line longer than 4096 bytes"
              and lines[-1] == b"" and b"ROW\tuptime_s\t" in got,
              "a line of %d bytes: the command before it answered, then the error and end of file, no reset "
              "(%d bytes read, reset %s, writer %r)" % (size, len(got), reset, writer_error))
        check(got.count(b"\nOK") + got.startswith(b"OK") == 1, "nothing after the long line was run")
        s.close()
    s = raw()
    s.sendall(b"B" * 5000)  # no newline: waits for the answer
    got = read_to_eof(s)
    check(got == b"ERROR command line longer than 4096 bytes\n",
          "a client waiting in the middle of a long line gets the error (%r)" % got)
    s.close()
    check(admin_text("SHOW", "STATS").returncode == 0, "the admin socket serves after the long lines")

    # --- control bytes ----------------------------------------------------------------------
    s = raw()
    s.sendall(b"SHOW \x1b[2J\x07\x01\x7f\tX\r\n")
    s.shutdown(socket.SHUT_WR)
    got = read_to_eof(s)
    s.close()
    check(got.startswith(b"ERROR unknown command \"SHOW \\x1b[2J\\x07\\x01\\x7f X\"") and
          all(b >= 0x20 and b != 0x7f for b in got[:-1]) and got.endswith(b"\n") and got.count(b"\n") == 1,
          "an unknown command's control bytes are echoed escaped, on one line (%r)" % got[:60])
    r = admin_text("SHOW \x1b]0;owned\x07", "X")
    check(r.returncode == 1 and b"\x1b" not in r.stderr + r.stdout and b"\\x1b]0;OWNED\\x07" in r.stderr,
          "cbcache-admin shows them escaped (%r)" % r.stderr[:80])
    j = json.loads(subprocess.run([h.ADMIN, "-s", daemon.admin_sock, "--json", "SHOW\x1bX"],
                                  capture_output=True, text=True).stdout)
    check(j["ok"] is False and 'unknown command "SHOW\x1bX"' in j["message"],
          "--json has the exact text (%r)" % j["message"][:40])

    # --- a multi-line backend error in SHOW FILLS -----------------------------------------------
    direct = h.direct()
    rid = h.rows_of(direct, "SELECT min(id) FROM regisseur")[0][0]
    h.rows_of(direct, "BEGIN")
    h.rows_of(direct, "LOCK TABLE regisseur IN ACCESS EXCLUSIVE MODE")
    check(daemon.admin("FILL", "regisseur.id", rid)["ok"], "FILL queued while the table is locked")
    killer = h.direct()
    pid = None
    for _ in range(400):
        rows = h.rows_of(killer, "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                 "AND query LIKE '%regisseur%' AND pid <> pg_backend_pid()")
        if rows:
            pid = rows[0][0]
            break
        time.sleep(0.05)
    check(pid is not None, "the fill waits for the lock")
    h.rows_of(killer, "SELECT pg_terminate_backend(%s)" % pid)
    h.rows_of(direct, "COMMIT")
    daemon.admin("WAIT", "FILLS", "30000")
    j = daemon.admin("SHOW", "FILLS")
    failed = [row for row in j["rows"] if row["state"] == "failed"]
    check(failed and "\n" in failed[0]["error"] and "terminating connection" in failed[0]["error"],
          "--json: the failed fill's error is exact, newlines and all (%r)" % (failed[:1],))
    r = admin_text("SHOW", "FILLS")
    out = r.stdout.decode()
    lines = out.rstrip("\n").split("\n")
    nrows = len(j["rows"])
    check(r.returncode == 0 and len(lines) == nrows + 3 and lines[-1] == "(%d rows)" % nrows and
          all(line.count(" | ") == 7 for line in lines[2:-1]) and "\\n" in out,
          "the table has one line per fill, the error shown with \\n (%r)" % out[-300:])
    direct.close()
    killer.close()
    daemon.stop()
h.plan()
print("ok: admin socket limits")
