"""Client messages are capped and per-session buffers bounded: hostile
sizes cost cbcached no memory, and the other sessions keep working.

A client may declare a message of up to 1 GB and stream it; a middleware
that frames whole messages would hold all of it.  cbcached checks the
length word as soon as the 5 header bytes are in:

- past PostgreSQL's own limit for the type (10000 bytes for Sync, Execute,
  ...; 1 GB - 2 for Query, Parse, Bind, FunctionCall, CopyData):
  FATAL 08P01 "invalid message length";
- past max_message_mb (1 MB here): FATAL 54000 "message too large";
- at the cap exactly: answered.

Memory is judged by the peak RSS of cbcached (VmHWM of /proc/PID/status,
reset through /proc/PID/clear_refs before each part, so no sampling can
miss a peak).  The bounds, and why they hold:

- three sessions declare 1 GB messages and stream 300 MB each behind the
  header: each session reads at most one 64 kB chunk before its header is
  judged, so the peak may grow by little more than the three session
  threads' own allocations: 16 MB (the unbounded daemon took 900 MB);
- three sessions send 20 statements of just under the cap: per session
  the message being read (one cap, its buffer rounded up to two), its copy
  towards the backend and the backend's answer: 4 x the cap each, plus
  8 MB;
- three sessions read a 48 MB value (DataRow) and one a 32 MB COPY row
  (CopyData) from the backend: a backend message longer than 256 kB goes
  to the client as it arrives, so 16 MB (framed whole it would be 48 MB
  per session, twice);
- one session pipelines statements the cache answers (48 MB of answers)
  without reading them, then sends 20000 Bind messages of 2 kB without a
  Sync: the cache's answers and its held batch stop at 256 kB and 4
  messages, so 16 MB (unbounded they were 48 MB and 40 MB);

and a session opened before keeps answering during and after each part,
as does a new one.  Under AddressSanitizer (whose allocator keeps freed
memory in quarantine and adds redzones) the bounds are three times as
large; under ThreadSanitizer (whose shadow memory is counted in RSS: the
1 MB statements grow it six times as much as in a normal build) eight
times, still far below what the unbounded daemon took.
"""
import os
import socket
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402

SRC = os.environ["top_srcdir"]
MB = 1024 * 1024
CAP = 1 * MB
Q, P, B, E, S, exchange = h.Q, h.P, h.B, h.E, h.S, h.exchange


def check(cond, what):
    h.check(cond, what, daemon)


def proc_status(field):
    """A memory field of /proc/PID/status of cbcached, in kB."""
    with open("/proc/%d/status" % daemon.proc.pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s in /proc/%d/status" % (field, daemon.proc.pid))


def reset_peak():
    """VmHWM back to the current RSS (Linux 4.0 and later: 5 to clear_refs)."""
    with open("/proc/%d/clear_refs" % daemon.proc.pid, "w") as f:
        f.write("5")
    return proc_status("VmRSS")


def sanitizer_scale():
    """How much larger the bounds are under the sanitizer the daemon runs with (see above)."""
    with open("/proc/%d/maps" % daemon.proc.pid) as f:
        maps = f.read()
    return 3 if "libasan" in maps else 8 if "libtsan" in maps else 1


def peak_growth(label, before, bound_kb):
    """Check that the peak RSS since reset_peak() grew by less than bound_kb."""
    peak = proc_status("VmHWM")
    bound = bound_kb * SCALE
    print("# %s: peak RSS %d kB, +%d kB (bound %d kB)" % (label, peak, peak - before, bound))
    check(peak - before < bound, "%s: the peak RSS grew by %d kB, less than %d kB" % (label, peak - before, bound))


def good_works(what):
    rows, errors = good.query("SELECT count(*) FROM film")
    return not errors and len(rows) == 1 and int(rows[0][0]) > 0


def still_works(what):
    check(daemon.alive(), "cbcached is alive after %s" % what)
    check(good_works(what), "the session opened before still answers after %s" % what)
    fresh = h.Conn(daemon.sock).login()
    rows, errors = fresh.query("SELECT 42")
    check(rows == [["42"]], "a new session works after %s" % what)
    fresh.close()


def while_running(threads, label):
    """Query on the good session while threads run; join them; check both."""
    answered = failed = 0
    while any(t.is_alive() for t in threads):
        if good_works(label):
            answered += 1
        else:
            failed += 1
        time.sleep(0.05)
    for t in threads:
        t.join(120)
        check(not t.is_alive(), "%s: the client thread ended" % label)
    check(answered > 0 and failed == 0,
          "%s: the session opened before answered meanwhile (%d answers, %d failures)" % (label, answered, failed))


def hostile(header, stream_bytes, result, i):
    """Send header, then filler until the daemon stops reading (at most
    stream_bytes); then collect the errors it sent before it closed."""
    c = h.Conn(daemon.sock, timeout=60).login()
    sent = 0
    try:
        c.send(header)
        chunk = b"x" * (256 * 1024)
        while sent < stream_bytes:
            c.s.sendall(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    result[i] = (sent, c.expect_closed(timeout=30))
    c.close()


def run_hostile(label, headers, stream_bytes):
    result = {}
    threads = [threading.Thread(target=hostile, args=(hd, stream_bytes, result, i))
               for i, hd in enumerate(headers)]
    for t in threads:
        t.start()
    while_running(threads, label)
    return [result[i] for i in range(len(headers))]


def query_of_length(n):
    """A Query message whose length word is n: SELECT length('xx...x'), and the x count."""
    head, tail = b"SELECT length('", b"')\0"
    xs = n - 4 - len(head) - len(tail)
    body = head + b"x" * xs + tail
    return b"Q" + struct.pack("!I", len(body) + 4) + body, xs


def read_until_ready(c):
    """The messages of one answer, up to its ReadyForQuery, as (type, body)."""
    out = []
    while True:
        t, body = c.read_msg()
        out.append((t, body))
        if t == b"Z":
            return out


os.environ["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=16").lstrip(":")
conf = ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
        "max_message_mb = %d\n" % (os.path.join(SRC, "examples/movies/movies.cg"), CAP // MB))
with h.Daemon(conf) as daemon:
    SCALE = sanitizer_scale()
    good = h.Conn(daemon.sock).login()
    still_works("start-up")
    print("# cbcached RSS after start-up: %d kB" % proc_status("VmRSS"))

    # --- three sessions declare giant messages and stream behind the header -------------
    before = reset_peak()
    giant = [
        b"Q" + struct.pack("!I", (1 << 30) - 100),  # within PostgreSQL's limit, past the cap
        b"B" + struct.pack("!I", (1 << 30) - 2),  # PostgreSQL's longest Bind
        b"Q" + struct.pack("!I", 1 << 30),  # past PostgreSQL's limit
    ]
    t0 = time.monotonic()
    res = run_hostile("giant messages", giant, 300 * MB)
    print("# 3 sessions declaring 1 GB: %s MB taken before the close, %.1f s"
          % ([r[0] // MB for r in res], time.monotonic() - t0))
    for i, (sent, errors) in enumerate(res):
        want = "08P01" if i == 2 else "54000"
        check(any(e.get("S") == "FATAL" and e.get("C") == want for e in errors),
              "giant message %d: FATAL %s before the close (got %r)" % (i, want, errors))
        check(sent < 64 * MB, "giant message %d: the daemon stopped reading at once (%d MB taken)"
              % (i, sent // MB))
    e54 = [e for e in res[0][1] if e.get("C") == "54000"][0]
    check(e54.get("M", "").startswith("message too large") and "max_message_mb" in e54.get("H", ""),
          "54000 says the message is too large and names max_message_mb (%r)" % e54)
    e08 = [e for e in res[2][1] if e.get("C") == "08P01"][0]
    check(e08.get("M") == "invalid message length", "08P01 says PostgreSQL's \"invalid message length\"")
    peak_growth("3 sessions streaming 900 MB behind giant headers", before, 16 * 1024)
    still_works("giant messages")

    # --- the other types keep PostgreSQL's 10000 bytes ------------------------------------
    res = run_hostile("long small types", [b"S" + struct.pack("!I", 10001), b"E" + struct.pack("!I", 20000)], MB)
    for i, (sent, errors) in enumerate(res):
        check(any(e.get("C") == "08P01" and e.get("M") == "invalid message length" for e in errors),
              "a %s message of more than 10000 bytes: FATAL 08P01 (got %r)" % ("SE"[i], errors))
    still_works("long small messages")

    # --- at the cap: answered; one byte more: refused ---------------------------------------
    c = h.Conn(daemon.sock).login()
    m, xs = query_of_length(CAP)
    out = exchange(c, m)
    check(any(x[:1] == b"D" and x.endswith(str(xs).encode()) for x in out),
          "a Query of exactly max_message_mb is answered")
    m, xs = query_of_length(CAP + 1)
    try:
        c.send(m)  # refused at its header: the send may break off
    except (BrokenPipeError, ConnectionResetError):
        pass
    errors = c.expect_closed()
    check(any(e.get("C") == "54000" for e in errors), "a Query one byte past the cap: FATAL 54000")
    c.close()

    # --- legitimate long statements in three sessions at once --------------------------------
    before = reset_peak()
    m, xs = query_of_length(CAP - 100)
    answers = {}

    def long_statements(i):
        cc = h.Conn(daemon.sock, timeout=60).login()
        n = 0
        for _ in range(20):
            out = exchange(cc, m)
            n += any(x[:1] == b"D" and x.endswith(str(xs).encode()) for x in out)
        answers[i] = n
        cc.close()

    threads = [threading.Thread(target=long_statements, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    while_running(threads, "long statements")
    check(all(answers.get(i) == 20 for i in range(3)), "3 sessions x 20 statements of 1 MB answered: %r" % answers)
    peak_growth("3 sessions x 20 statements of 1 MB", before, 3 * 4 * CAP // 1024 + 8 * 1024)
    still_works("long statements")

    # --- long values from the backend pass through, not whole --------------------------------
    before = reset_peak()
    VALUE = 48 * MB
    got = {}

    def long_value(i):
        cc = h.Conn(daemon.sock, timeout=120).login()
        if i < 3:
            cc.send(Q("SELECT repeat('v', %d) AS v" % VALUE))
            rows = [b for t, b in read_until_ready(cc) if t == b"D"]
            want = struct.pack("!HI", 1, VALUE) + b"v" * VALUE
            got[i] = len(rows) == 1 and rows[0] == want
        else:
            cc.send(Q("COPY (SELECT repeat('c', %d)) TO STDOUT" % (32 * MB)))
            rows = [b for t, b in read_until_ready(cc) if t == b"d"]
            got[i] = len(rows) == 1 and rows[0] == b"c" * (32 * MB) + b"\n"
        cc.close()

    threads = [threading.Thread(target=long_value, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    while_running(threads, "long backend values")
    check(all(got.get(i) for i in range(4)), "3 DataRows of 48 MB and a CopyData of 32 MB arrive intact: %r" % got)
    peak_growth("3 x 48 MB DataRow and 32 MB CopyData from the backend", before, 16 * 1024)
    still_works("long backend values")

    # --- a client that sends without reading: answers from the cache stop at the mark ------
    direct = h.direct()
    rid = int(h.rows_of(direct, "SELECT regie FROM film GROUP BY regie ORDER BY count(*) DESC LIMIT 1")[0][0])
    direct.close()
    hit = ("SELECT f.id, f.titel, f.jahr, f.budget, r.nname FROM regisseur r JOIN film f ON f.regie = r.id "
           "WHERE r.id = %d ORDER BY f.id" % rid)
    pipe = h.Conn(daemon.sock, timeout=60).login()
    exchange(pipe, Q(hit))  # a miss: its fill is queued
    daemon.admin("WAIT", "FILLS", "20000")
    one = exchange(pipe, Q(hit))
    s0 = daemon.stats()
    exchange(pipe, Q(hit))
    check(daemon.stats()["queries_cache_hits"] == s0["queries_cache_hits"] + 1,
          "the pipelined statement is answered from the cache")
    answer_bytes = sum(len(x) + 4 for x in one)
    N = max(1000, 48 * MB // answer_bytes)
    before = reset_peak()
    sender = threading.Thread(target=lambda: pipe.send(Q(hit) * N))
    sender.start()
    time.sleep(3)  # the daemon answers until its buffers are full, then waits
    check(good_works("pipelined hits"), "the session opened before answers while another does not read")
    peak_growth("%d pipelined hits (%d MB of answers) not read" % (N, N * answer_bytes // MB), before, 16 * 1024)
    ready = 0
    while ready < N:
        t, body = pipe.read_msg()
        ready += t == b"Z"
    sender.join(60)
    check(ready == N and not sender.is_alive(), "all %d pipelined statements were answered once read" % N)

    # --- Bind after Bind without Sync: the held batch stays small ----------------------------
    before = reset_peak()
    NB = 20000
    pad = "p" * 1000
    batch = P("", "SELECT $1::text = $2::text") + B("", [pad, pad]) * NB + E() + S
    sender = threading.Thread(target=lambda: pipe.send(batch))
    sender.start()
    out = read_until_ready(pipe)
    sender.join(60)
    check([t for t, _ in out].count(b"2") == NB and out[-1][0] == b"Z" and out[-2][0] == b"C",
          "%d Binds without a Sync, then Execute and Sync, are answered like PostgreSQL does" % NB)
    peak_growth("%d Bind messages of 2 kB held before a Sync" % NB, before, 16 * 1024)
    pipe.close()
    still_works("pipelined messages")

    st = daemon.stats()
    check(st["protocol_errors"] >= 6, "SHOW STATS counts the refused sessions (protocol_errors %d)"
          % st["protocol_errors"])
    good.close()
    daemon.stop()
h.plan()
print("ok: client messages capped, session buffers bounded")
