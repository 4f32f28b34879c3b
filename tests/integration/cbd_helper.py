"""Helpers for the cbcached integration tests in Python (imported, not run).

Daemon: start cbcached on a new directory under $CB_PG_DIR, poll its admin
socket until it answers (bounded), stop it with SIGTERM and check the exit
status (the sanitizer build reports leaks there); as a context manager it
kills the daemon when the test fails before stopping it.

Client: a minimal PostgreSQL protocol 3.0 client on raw sockets, so the
tests can send exactly the bytes they want, good or bad; msg, Q, P, B,
D_portal, D_stmt, E and S build frontend messages, exchange() sends them
and reads the answers up to the ReadyForQuery they cause.
"""
import json
import os
import resource
import select
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time

BUILD = os.environ["top_builddir"]
CBCACHED = os.path.join(BUILD, "src", "cbcached")
ADMIN = os.path.join(BUILD, "src", "cbcache-admin")


# PostgreSQL's own socket (the harness's server), for answers straight from it.
DIRECT = os.path.join(os.environ["PGHOST"], ".s.PGSQL.%s" % os.environ["PGPORT"])


def fail(msg, daemon=None):
    print("FAIL: " + msg, file=sys.stderr)
    if daemon is not None:
        daemon.dump_log()
    sys.exit(1)


_checks = [0]


def check(cond, what, daemon=None, on_fail=None):
    """One TAP line: "ok N - what", or fail (calling on_fail first, then
    showing daemon's log)."""
    _checks[0] += 1
    if not cond:
        if on_fail is not None:
            on_fail()
        fail(what, daemon)
    print("ok %d - %s" % (_checks[0], what))


def plan():
    """The TAP plan line, at the end."""
    print("1..%d" % _checks[0])


def direct():
    """A logged-in connection straight to PostgreSQL."""
    return Conn(DIRECT).login()


def rows_of(conn, sql):
    """The rows of a simple query (text values); raises on an error."""
    rows, errors = conn.query(sql)
    if errors:
        raise RuntimeError("%s: %r" % (sql, errors))
    return rows


def wait_applied(daemon, conn, seconds=30):
    """Whether daemon's change stream applied, within seconds, everything
    written before now on conn's server (SHOW STATS repl_applied_lsn against
    pg_current_wal_insert_lsn(): a test cluster commits asynchronously, so
    pg_current_wal_lsn() may still be short of the commit record).  Polls the
    condition, not a guess at a delay."""
    lsn = int(rows_of(conn, "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")[0][0])
    deadline = time.monotonic() + seconds
    while daemon.stats()["repl_applied_lsn"] < lsn:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def wait_for(daemon, what, cond, seconds=20):
    """Poll cond() until it returns something true, and return that; fail
    the test (naming what) when seconds pass first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.01)
    fail("%s within %d s" % (what, seconds), daemon)


def lock_cache(daemon, timeout=20):
    """Hold the write lock of daemon's cache file (BEGIN IMMEDIATE, as any
    process may): its applier cannot apply anything until the returned
    connection rolls back."""
    lite = sqlite3.connect(os.path.join(daemon.dir, "cache.db"), isolation_level=None, timeout=timeout)
    lite.execute("BEGIN IMMEDIATE")
    return lite


def wait_stat(daemon, name, at_least, seconds=30):
    """Whether daemon's SHOW STATS counter name reaches at_least within
    seconds (polled: for what is reported asynchronously)."""
    deadline = time.monotonic() + seconds
    while daemon.stats()[name] < at_least:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


_ODBC_CLIENT = r"""
import json, sys
import pyodbc
stmts, db = json.loads(sys.argv[1]), sys.argv[2]
out = {}
for dsn in ("cbtest", "pgtest"):
    cn = pyodbc.connect("DSN=%s;Database=%s" % (dsn, db), autocommit=True)
    cur = cn.cursor()
    for r in range(2 if dsn == "cbtest" else 1):
        out[dsn] = [[[None if v is None else str(v) for v in row] for row in cur.execute(s).fetchall()] for s in stmts]
        if dsn == "cbtest" and r == 0:
            print("warm", flush=True)
            sys.stdin.readline()  # the parent waits for the fills and the reader gate
    cn.close()
print(json.dumps(out))
"""


def check_odbc_in_process(daemon, stmts, database="movies"):
    """The statements through the cbcache ODBC driver in a pyodbc client
    (InProcess on), a cold round then a warm one, and through psqlODBC
    straight to PostgreSQL: the warm round's rows equal psqlODBC's, and it
    is answered in the client's process (in_process_hits; at most 2
    statements, the driver's own, reach cbcached)."""
    d = daemon
    odir = os.path.join(d.dir, "odbc")
    env = dict(os.environ, CB_ODBC_SOCKET=d.dir, CB_ODBC_PORT=str(d.port))
    env.pop("LD_PRELOAD", None)
    subprocess.run(["bash", os.path.join(os.environ["top_srcdir"], "tests/odbc/odbcini-gen.sh"), odir], check=True,
                   env=env)
    lib = os.path.join(BUILD, "odbc-driver/.libs/libcbcacheodbc.so")
    ldd = subprocess.run(["ldd", lib], capture_output=True, text=True).stdout
    preload = " ".join(line.split()[2] for line in ldd.splitlines() if "libasan" in line or "libtsan" in line)
    cenv = dict(env, ODBCSYSINI=odir, ODBCINI=os.path.join(odir, "odbc.ini"), LD_PRELOAD=preload,
                ASAN_OPTIONS="detect_leaks=0")
    child = subprocess.Popen(["/usr/bin/python3", "-c", _ODBC_CLIENT, json.dumps(stmts), database], env=cenv,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    check(child.stdout.readline().strip() == "warm", "ODBC: the cold round ran", d)
    d.admin("WAIT", "FILLS", "20000")
    check(wait_stat(d, "reader_gate_open", 1), "ODBC: the reader gate is open", d)
    s0, i0 = d.stats()["statements"], d.stats()["in_process_hits"]
    child.stdin.write("\n")
    child.stdin.flush()
    out = json.loads(child.stdout.read())
    check(child.wait() == 0, "ODBC: the client ran", d)
    wait_stat(d, "in_process_hits", i0 + len(stmts))  # reported after the answers: waited for, then checked
    relayed, inproc = d.stats()["statements"] - s0, d.stats()["in_process_hits"] - i0
    for n, sql in enumerate(stmts):
        check(out["cbtest"][n] == out["pgtest"][n], "ODBC in-process: psqlODBC's rows: %s" % sql, d)
    check(relayed <= 2 and inproc >= len(stmts),
          "ODBC: the warm round answered in-process (%d statements reached cbcached, %d in-process hits)"
          % (relayed, inproc), d)


class Race:
    """Threads racing for a while.  Each loop is (name, make): make() runs in
    its thread (its connections) and returns the step, called until the race
    stops; an exception ends the loop as a problem.  Steps note what went
    wrong (problem) and what ran (count)."""

    def __init__(self):
        self.stop = threading.Event()
        self.problems = []
        self.counts = {}
        self._lock = threading.Lock()

    def problem(self, text):
        with self._lock:
            self.problems.append(text)

    def count(self, what):
        with self._lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def _loop(self, name, make):
        try:
            step = make()
            while not self.stop.is_set():
                step()
        except Exception as e:  # noqa: BLE001
            self.problem("%s: %r" % (name, e))

    def run(self, seconds, loops):
        threads = [threading.Thread(target=self._loop, args=loop) for loop in loops]
        for t in threads:
            t.start()
        time.sleep(seconds)  # the length of the race, not a synchronization
        self.stop.set()
        for t in threads:
            t.join()


class Daemon:
    def __init__(self, extra="", port=6433, dir=None, nofile=None, env=None):
        """Start cbcached with `extra` config lines; dir: the directory of a
        stopped or killed Daemon to start again on its files (cache file);
        env: variables added to cbcached's environment (CB_FAULTS)."""
        if dir is None:
            dir = tempfile.mkdtemp(prefix="cbd.", dir=os.environ["CB_PG_DIR"])
            os.chmod(dir, 0o755)
        self.dir = dir
        self.port = port
        self.conf = os.path.join(self.dir, "cbcache.conf")
        self.log = os.path.join(self.dir, "cbcached.log")
        self.admin_sock = os.path.join(self.dir, "admin.sock")
        self.sock = os.path.join(self.dir, ".s.PGSQL.%d" % port)
        with open(self.conf, "w") as f:
            f.write("listen_dir = %s\nlisten_port = %d\nadmin_socket = admin.sock\n"
                    "backend = host=%s port=%s\nlog_file = cbcached.log\n%s\n"
                    % (self.dir, port, os.environ["PGHOST"], os.environ["PGPORT"], extra))
        self.stderr = open(os.path.join(self.dir, "stderr"), "a")
        wrap = []
        if os.environ.get("CB_VALGRIND") == "1":  # make check-valgrind
            wrap = ["valgrind", "--error-exitcode=3", "--leak-check=full",
                    "--errors-for-leak-kinds=definite", "--max-threads=1200", "--quiet"]
        limit_fds = None
        if nofile is not None:  # the daemon's open files limit (ulimit -n)
            def limit_fds():
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.proc = subprocess.Popen(wrap + [CBCACHED, "-c", self.conf], stderr=self.stderr,
                                     preexec_fn=limit_fds, env=dict(os.environ, **(env or {})))
        limit = 120 if wrap else 20  # valgrind starts slowly
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                fail("cbcached exited during start-up", self)
            st = self.admin("SHOW", "STATS", check=False)
            if st is not None:
                # ready = also caught up with the change stream (the start-up fence fell)
                if any(r["name"] == "repl_stream" and int(r["value"]) == 1 for r in st["rows"]):
                    self.admin("WAIT", "FILLS", "20000")
                return
            time.sleep(0.05)
        fail("cbcached did not answer on its admin socket within %d s" % limit, self)

    def admin(self, *words, check=True):
        r = subprocess.run([ADMIN, "-s", self.admin_sock, "--json"] + list(words),
                           capture_output=True, text=True)
        if r.returncode != 0 and not r.stdout:
            if check:
                fail("cbcache-admin %s failed: %s" % (" ".join(words), r.stderr), self)
            return None
        return json.loads(r.stdout)

    def stats(self):
        return {r["name"]: int(r["value"]) for r in self.admin("SHOW", "STATS")["rows"]}

    def alive(self):
        return self.proc.poll() is None

    def dump_log(self):
        for path in (self.log, os.path.join(self.dir, "stderr")):
            try:
                with open(path) as f:
                    lines = f.readlines()[-30:]
                print("---- %s ----" % path, file=sys.stderr)
                sys.stderr.writelines(lines)
            except OSError:
                pass

    def stop(self):
        self.proc.terminate()
        try:
            status = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("cbcached did not exit within 60 s of SIGTERM", self)
        self.stderr.close()
        with open(os.path.join(self.dir, "stderr")) as f:
            err = f.read()
        if status != 0 or "Sanitizer" in err or "runtime error" in err or "definitely lost" in err:
            sys.stderr.write(err)
            fail("cbcached exited with status %d" % status, self)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.stderr.closed:
            self.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        """Ends `with Daemon() as d:`, whose block stops the daemon itself
        (d.stop()): when the block raised, kill the daemon, and show its log
        unless the exception is fail()'s exit, which has shown it."""
        if exc_type is not None:
            self.kill()
            if not issubclass(exc_type, SystemExit):
                self.dump_log()
        return False


def startup_packet(user, database, extra=None):
    body = struct.pack("!I", 196608)
    params = [("user", user), ("database", database)] + list((extra or {}).items())
    for k, v in params:
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


class Conn:
    """A raw protocol connection."""

    def __init__(self, path, timeout=30):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = bytearray()
        self.pos = 0
        self.key = None

    def send(self, data):
        self.s.sendall(data)

    def read_exact(self, n):
        while len(self.buf) - self.pos < n:
            chunk = self.s.recv(262144)
            if not chunk:
                raise EOFError("connection closed")
            if self.pos > 0:
                del self.buf[:self.pos]
                self.pos = 0
            self.buf += chunk
        out = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        return out

    def read_msg(self):
        t = self.read_exact(1)
        (n,) = struct.unpack("!I", self.read_exact(4))
        return t, self.read_exact(n - 4)

    def login(self, user="postgres", database="movies", extra=None):
        """Start up (extra: more startup parameters); self.params gets the ParameterStatus values."""
        self.send(startup_packet(user, database, extra))
        self.params = {}
        while True:
            t, body = self.read_msg()
            if t == b"S":
                name, value = body[:-1].split(b"\0", 1)
                self.params[name.decode()] = value.decode()
            elif t == b"K":
                self.key = struct.unpack("!II", body)
            elif t == b"E":
                raise RuntimeError("login refused: %r" % error_fields(body))
            elif t == b"Z":
                return self

    def query(self, sql):
        """Simple query; returns (rows, errors) until ReadyForQuery."""
        data = sql.encode() + b"\0"
        self.send(b"Q" + struct.pack("!I", len(data) + 4) + data)
        rows, errors = [], []
        while True:
            t, body = self.read_msg()
            if t == b"D":
                (nf,) = struct.unpack("!H", body[:2])
                pos, row = 2, []
                for _ in range(nf):
                    (ln,) = struct.unpack("!i", body[pos:pos + 4])
                    pos += 4
                    if ln < 0:
                        row.append(None)
                    else:
                        row.append(body[pos:pos + ln].decode())
                        pos += ln
                rows.append(row)
            elif t == b"E":
                errors.append(error_fields(body))
            elif t == b"Z":
                return rows, errors

    def expect_closed(self, timeout=10):
        """Read until EOF; returns the error fields seen before it."""
        self.s.settimeout(timeout)
        errors = []
        try:
            while True:
                t, body = self.read_msg()
                if t == b"E":
                    errors.append(error_fields(body))
        except (EOFError, ConnectionResetError):
            return errors

    def close(self):
        self.s.close()


# --- raw protocol messages (frontend) -----------------------------------------------


def msg(t, body):
    return t + struct.pack("!I", len(body) + 4) + body


def Q(sql):
    return msg(b"Q", sql.encode() + b"\0")


def P(name, sql, types=()):
    return msg(b"P", name.encode() + b"\0" + sql.encode() + b"\0" + struct.pack("!H", len(types)) +
               b"".join(struct.pack("!I", t) for t in types))


def B(stmt, params=(), rformats=(), portal=""):
    body = portal.encode() + b"\0" + stmt.encode() + b"\0" + struct.pack("!H", 0)
    body += struct.pack("!H", len(params))
    for p in params:
        if p is None:
            body += struct.pack("!i", -1)
        else:
            v = str(p).encode()
            body += struct.pack("!i", len(v)) + v
    body += struct.pack("!H", len(rformats)) + b"".join(struct.pack("!h", f) for f in rformats)
    return msg(b"B", body)


def D_portal():
    return msg(b"D", b"P\0")


def D_stmt(name):
    return msg(b"D", b"S" + name.encode() + b"\0")


def E():
    return msg(b"E", b"\0" + struct.pack("!I", 0))


S = msg(b"S", b"")


def pending(conn):
    """Whether anything from cbcached is readable on conn now (never waits)."""
    if conn.pos < len(conn.buf):
        return True
    r, _, _ = select.select([conn.s], [], [], 0)
    return bool(r)


def exchange(conn, data):
    """Send data, return the raw messages up to the last ReadyForQuery it causes
    (NoticeResponse left out: its timing may differ)."""
    conn.send(data)
    want, pos = 0, 0
    while pos + 5 <= len(data):  # Query, Sync and FunctionCall each end in a ReadyForQuery
        want += data[pos:pos + 1] in (b"Q", b"S", b"F")
        pos += 1 + struct.unpack("!I", data[pos + 1:pos + 5])[0]
    out = []
    while want > 0:
        t, body = conn.read_msg()
        if t == b"N":  # notices may differ in timing; none expected here
            continue
        out.append(t + body)
        if t == b"Z":
            want -= 1
    return out


def read_answer(conn):
    """Messages up to ReadyForQuery: (command tags, the first column of each
    DataRow as text, the fields of each ErrorResponse)."""
    tags, rows, errors = [], [], []
    while True:
        t, body = conn.read_msg()
        if t == b"C":
            tags.append(body.rstrip(b"\0").decode())
        elif t == b"D":
            (ln,) = struct.unpack("!i", body[2:6])
            rows.append(body[6:6 + ln].decode())
        elif t == b"E":
            errors.append(error_fields(body))
        elif t == b"Z":
            return tags, rows, errors


def error_fields(body):
    fields = {}
    for part in body.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode(errors="replace")
    return fields
