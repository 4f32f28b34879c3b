"""Protocol abuse against cbcached: a truncated startup packet, a bogus
message type, a length past the limit, a wrong length in the startup
packet, a disconnect in the middle of a large result.  Each bad session is
dropped (with FATAL 08P01 where the protocol allows an answer), a good
session opened before stays usable, and the daemon stays alive.  Also
SSLRequest is answered 'N' and a CancelRequest with our BackendKeyData
cancels the right backend query."""
import os
import socket
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "integration"))
from cbd_helper import Conn, Daemon, fail, startup_packet  # noqa: E402

with Daemon() as d:
    good = Conn(d.sock).login()

    def check_good(what):
        if not d.alive():
            fail("cbcached died after: " + what, d)
        rows, errors = good.query("SELECT count(*) FROM film")
        if errors or len(rows) != 1 or int(rows[0][0]) <= 0:
            fail("the parallel good session broke after %s: %r %r" % (what, rows, errors), d)
        fresh = Conn(d.sock).login()
        rows, errors = fresh.query("SELECT 42")
        if rows != [["42"]]:
            fail("a new session failed after %s: %r %r" % (what, rows, errors), d)
        fresh.close()

    def expect_protocol_error(c, what):
        errs = c.expect_closed()
        if not any(e.get("C") == "08P01" and e.get("S") == "FATAL" for e in errs):
            fail("%s: expected FATAL 08P01 before the close, got %r" % (what, errs), d)
        c.close()
        check_good(what)

    # SSLRequest -> 'N', then a normal startup on the same connection
    c = Conn(d.sock)
    c.send(struct.pack("!II", 8, 80877103))
    if c.read_exact(1) != b"N":
        fail("SSLRequest not answered with N", d)
    c.login()
    if c.query("SELECT 'after ssl'")[0] != [["after ssl"]]:
        fail("query after SSLRequest failed", d)
    c.close()

    # truncated startup packet: length says 100, 10 bytes arrive, then EOF
    c = Conn(d.sock)
    c.send(struct.pack("!I", 100) + b"\0\3\0\0user\0")
    c.s.shutdown(socket.SHUT_WR)
    c.expect_closed()
    c.close()
    check_good("truncated startup packet")

    # startup packet with an impossible length
    c = Conn(d.sock)
    c.send(struct.pack("!II", 0x7FFFFFF0, 196608))
    expect_protocol_error(c, "startup length past the limit")

    # startup packet whose parameters run past its end (no terminator)
    body = struct.pack("!I", 196608) + b"user\0postgres"
    c = Conn(d.sock)
    c.send(struct.pack("!I", len(body) + 4) + body)
    expect_protocol_error(c, "startup packet without terminator")

    # bogus message type after login
    c = Conn(d.sock).login()
    c.send(b"\x01" + struct.pack("!I", 8) + b"abcd")
    expect_protocol_error(c, "bogus message type")

    # length field past the limit
    c = Conn(d.sock).login()
    c.send(b"Q" + struct.pack("!I", 0x7FFFFFFF) + b"SELECT 1")
    expect_protocol_error(c, "length past the limit")

    # length field below 4
    c = Conn(d.sock).login()
    c.send(b"Q" + struct.pack("!I", 2))
    expect_protocol_error(c, "length below 4")

    # garbage bytes right away instead of a startup packet
    c = Conn(d.sock)
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    expect_protocol_error(c, "HTTP request as startup packet")

    # disconnect in the middle of a large result
    c = Conn(d.sock).login()
    q = b"SELECT repeat('x', 1000) FROM generate_series(1, 200000)\0"
    c.send(b"Q" + struct.pack("!I", len(q) + 4) + q)
    c.read_exact(1000)
    c.s.close()
    check_good("disconnect mid-result")

    # cancel: a long query in one session, CancelRequest with its key from another
    c = Conn(d.sock).login()
    pid, key = c.key
    result = {}

    def run_sleep():
        result["r"] = c.query("SELECT pg_sleep(60)")

    t = threading.Thread(target=run_sleep)
    t.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        sessions = d.admin("SHOW", "SESSIONS")["rows"]
        if any(s["state"] == "active" and int(s["id"]) == pid for s in sessions):
            break
        time.sleep(0.05)
    else:
        fail("the pg_sleep session never showed as active", d)
    check_good("a slow query in another session")  # a slow session delays nobody
    cc = Conn(d.sock)
    cc.send(struct.pack("!IIII", 16, 80877102, pid, key))
    cc.expect_closed()
    t.join(30)
    if t.is_alive():
        fail("the cancelled query did not end", d)
    rows, errors = result["r"]
    if not any(e.get("C") == "57014" for e in errors):
        fail("expected SQLSTATE 57014 (query_canceled), got %r" % errors, d)
    if c.query("SELECT 'still usable'")[0] != [["still usable"]]:
        fail("the session is unusable after its query was cancelled", d)
    c.close()

    st = d.stats()
    if st["protocol_errors"] < 6:
        fail("SHOW STATS protocol_errors = %d, expected at least 6" % st["protocol_errors"], d)
    if st["cancels"] != 1:
        fail("SHOW STATS cancels = %d, expected 1" % st["cancels"], d)
    good.close()
    d.stop()
print("ok: protocol abuse handled")
