"""500 concurrent idle client connections through cbcached: all log in,
every one of them answers a query afterwards, idle sessions cost no CPU
time of the daemon, and all 500 show in SHOW SESSIONS."""
import os
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "integration"))
from cbd_helper import Conn, Daemon, fail  # noqa: E402

N = 500
conns = []
with Daemon() as d:
    for i in range(N):
        try:
            conns.append(Conn(d.sock).login())
        except Exception as e:  # noqa: BLE001
            fail("connection %d of %d failed: %r" % (i + 1, N, e), d)
    sessions = d.admin("SHOW", "SESSIONS")["rows"]
    if len(sessions) != N:
        fail("SHOW SESSIONS lists %d sessions, expected %d" % (len(sessions), N), d)
    if any(s["state"] != "idle" for s in sessions):
        fail("not every session is idle: %r" % sorted({s["state"] for s in sessions}), d)

    # idle sessions cost no CPU: the daemon's CPU time stays flat over a second
    def cpu_ticks():
        with open("/proc/%d/stat" % d.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    before = cpu_ticks()
    time.sleep(1.0)  # measuring an interval, not waiting for an event
    used = cpu_ticks() - before
    if used > 5:  # clock ticks (1/100 s); 500 polling threads would use far more
        fail("cbcached used %d clock ticks of CPU in 1 s with %d idle sessions" % (used, N), d)

    # and each of them still works
    for i, c in enumerate(conns):
        rows, errors = c.query("SELECT %d" % i)
        if rows != [[str(i)]]:
            fail("session %d answered %r %r" % (i, rows, errors), d)
    st = d.stats()
    if st["sessions_active"] != N:
        fail("SHOW STATS sessions_active = %d, expected %d" % (st["sessions_active"], N), d)
    for c in conns:
        c.close()
    d.stop()
print("ok: %d idle sessions" % N)
