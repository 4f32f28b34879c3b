"""Byte-identical relay: the same message sequences sent to PostgreSQL
directly and through cbcached must get the same bytes back, after startup.

Covers the extended protocol (named and unnamed statements and portals,
binary parameters and results, Describe, Execute with a row limit and
PortalSuspended, Close, Flush before Sync, errors skipping to Sync), simple
queries with several statements and an error among them, COPY FROM STDIN
with several megabytes, CopyFail, COPY TO STDOUT, a FunctionCall, ParameterStatus and NOTICE, and 300
pipelined queries with results larger than the socket buffers (sent by one
thread while another reads: the relay must not deadlock or reorder).
Then a NOTIFY from one session reaches an idle LISTENing session."""
import hashlib
import os
import struct
import sys
import threading

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "integration"))
from cbd_helper import Conn, Daemon, fail  # noqa: E402


def msg(t, body=b""):
    return t + struct.pack("!I", len(body) + 4) + body


def cstr(s):
    return s.encode() + b"\0"


def parse(name, sql, types=()):
    return msg(b"P", cstr(name) + cstr(sql) + struct.pack("!H", len(types)) +
               b"".join(struct.pack("!I", t) for t in types))


def bind(portal, stmt, params, pformats, rformats):
    body = cstr(portal) + cstr(stmt) + struct.pack("!H", len(pformats))
    body += b"".join(struct.pack("!H", f) for f in pformats)
    body += struct.pack("!H", len(params))
    for p in params:
        body += struct.pack("!i", -1) if p is None else struct.pack("!I", len(p)) + p
    body += struct.pack("!H", len(rformats)) + b"".join(struct.pack("!H", f) for f in rformats)
    return msg(b"B", body)


def describe(kind, name):
    return msg(b"D", kind + cstr(name))


def execute(portal, maxrows=0):
    return msg(b"E", cstr(portal) + struct.pack("!I", maxrows))


def close(kind, name):
    return msg(b"C", kind + cstr(name))


SYNC = msg(b"S")
FLUSH = msg(b"H")


def query(sql):
    return msg(b"Q", cstr(sql))


def copy_rows(n):
    return b"".join(b"%d\trow number %d with some padding %s\n" % (i, i, b"p" * 40) for i in range(n))


COPY_DATA = copy_rows(60000)  # about 5 MB

# (name, messages to send, number of ReadyForQuery to read)
SCENARIOS = [
    ("named statement, binary params and results, suspended portal", [
        parse("s1", "SELECT g, g::text || 'x' AS t, g % 2 = 0 AS even FROM generate_series(1, $1::int) g", [23]),
        describe(b"S", "s1"),
        SYNC,
        bind("p1", "s1", [struct.pack("!i", 5)], [1], [1, 0, 1]),
        describe(b"P", "p1"),
        execute("p1", 2),
        execute("p1", 0),
        SYNC,
        close(b"S", "s1"), close(b"P", "p1"), SYNC,
    ], 3),
    ("unnamed statement with Flush before Sync", [
        parse("", "SELECT $1::text AS echo, NULL::int AS nothing", [25]),
        FLUSH,
    ], 0),
    ("... then Bind/Execute/Sync", [
        bind("", "", [b"hello", ], [0], []),
        execute(""),
        SYNC,
    ], 1),
    ("error in Parse skips to Sync", [
        parse("", "SELEKT 1"),
        bind("", "", [], [], []),
        execute(""),
        SYNC,
        query("SELECT 'recovered'"),
    ], 2),
    ("simple query with several statements and an error", [
        query("CREATE TEMP TABLE w (id int PRIMARY KEY, txt text); SELECT 1; SELECT 1/0; SELECT 2"),
        query("CREATE TEMP TABLE w (id int PRIMARY KEY, txt text)"),
    ], 2),
    ("COPY FROM STDIN with several megabytes", [
        query("COPY w FROM STDIN"),
    ] + [msg(b"d", COPY_DATA[i:i + 65536]) for i in range(0, len(COPY_DATA), 65536)] + [msg(b"c")], 1),
    ("CopyFail", [
        query("COPY w FROM STDIN"),
        msg(b"d", b"999999\tx\n"),
        msg(b"f", cstr("client gave up")),
    ], 1),
    ("COPY TO STDOUT", [
        query("COPY (SELECT * FROM w ORDER BY id) TO STDOUT"),
    ], 1),
    ("FunctionCall (int4abs)", [
        msg(b"F", struct.pack("!IHHHI", 1397, 1, 1, 1, 4) + struct.pack("!i", -17) + struct.pack("!H", 1)),
    ], 1),
    ("SET reports ParameterStatus, RAISE sends a NOTICE", [
        query("SET application_name = 'wire'; SET DateStyle = 'SQL, DMY'"),
        query("DO $$ BEGIN RAISE NOTICE 'wire notice'; END $$"),
    ], 2),
    ("transaction: rollback of the copied rows", [
        query("BEGIN; DELETE FROM w; SELECT count(*) FROM w"),
        query("ROLLBACK; SELECT count(*) FROM w"),
    ], 2),
]

PIPELINED = 300
PIPE_SQL = "SELECT repeat(chr(65 + g %% 26), 2000) FROM generate_series(1, 60) g -- %d"


def run(conn):
    """Run every scenario on conn; returns the list of byte strings received."""
    out = []
    for name, messages, nready in SCENARIOS:
        conn.send(b"".join(messages))
        parts = []
        if nready == 0:  # Flush: exactly ParseComplete arrives
            t, body = conn.read_msg()
            parts.append(t + struct.pack("!I", len(body) + 4) + body)
        for _ in range(nready):
            while True:
                t, body = conn.read_msg()
                parts.append(t + struct.pack("!I", len(body) + 4) + body)
                if t == b"Z":
                    break
        got = b"".join(parts)
        out.append((name, got))

    # pipelined: a writer thread and this reader
    def writer():
        for i in range(PIPELINED):
            conn.send(query(PIPE_SQL % i))

    t = threading.Thread(target=writer)
    t.start()
    h = hashlib.sha256()
    seen = 0
    while seen < PIPELINED:
        typ, body = conn.read_msg()
        h.update(typ + body)
        if typ == b"Z":
            seen += 1
    t.join(60)
    out.append(("pipelined queries", h.hexdigest().encode()))
    return out


with Daemon() as d:
    direct_path = os.path.join(os.environ["PGHOST"], ".s.PGSQL.%s" % os.environ["PGPORT"])
    direct = run(Conn(direct_path, timeout=60).login())
    proxied = run(Conn(d.sock, timeout=60).login())
    for (name, a), (_, b) in zip(direct, proxied):
        if a != b:
            fail("%s: %d bytes direct, %d through cbcached, first difference at byte %d" % (
                name, len(a), len(b), next((i for i in range(min(len(a), len(b))) if a[i] != b[i]),
                                           min(len(a), len(b)))), d)
        if not a:
            fail("%s: no reply at all" % name, d)
    # the scenarios must have exercised what they claim
    replies = dict(direct)
    if b"s\0\0\0\x04" not in replies["named statement, binary params and results, suspended portal"]:
        fail("no PortalSuspended in the suspended-portal scenario", d)
    if b"42601" not in replies["error in Parse skips to Sync"]:
        fail("no syntax error in the Parse error scenario", d)
    if b"application_name\0wire\0" not in replies["SET reports ParameterStatus, RAISE sends a NOTICE"]:
        fail("no ParameterStatus for application_name", d)
    if b"\0\0\0\x11" not in replies["FunctionCall (int4abs)"] or b"V" not in replies["FunctionCall (int4abs)"]:
        fail("the FunctionCall did not return 17", d)
    if b"60000" not in replies["transaction: rollback of the copied rows"]:
        fail("COPY did not load 60000 rows", d)

    # LISTEN in one session, NOTIFY from another: the idle listener gets the
    # NotificationResponse without sending anything
    listener = Conn(d.sock).login()
    if listener.query("LISTEN wire_chan")[1]:
        fail("LISTEN failed", d)
    notifier = Conn(d.sock).login()
    notifier.query("NOTIFY wire_chan, 'across sessions'")
    t, body = listener.read_msg()
    if t != b"A" or b"wire_chan\0across sessions\0" not in body:
        fail("expected a NotificationResponse, got %r %r" % (t, body), d)
    listener.close()
    notifier.close()
    d.stop()
print("ok: %d scenarios byte-identical through cbcached" % (len(SCENARIOS) + 1))
