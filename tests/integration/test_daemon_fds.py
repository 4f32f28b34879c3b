"""Out of file descriptors: cbcached refuses cleanly, does not spin, recovers.

cbcached runs with an open files limit of 64 (RLIMIT_NOFILE, as ulimit -n
64).  Forty clients connect one after the other and each runs a query,
keeping its session: every one is either served (PostgreSQL's answer) or
refused with an ErrorResponse that says why (no client hangs, none is
reset without a message).  While the sessions are held the daemon uses no
CPU to speak of (it does not spin on the listening socket), and its log
reports the shortage a bounded number of times, with the cause and the fix.
Once sessions close, new clients are served again.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbd_helper as h  # noqa: E402

SRC = os.environ["top_srcdir"]
check = h.check
CONF = ("cache_db = cache.db\ncache_groups = %s\ncache_database = movies\ncache_user = postgres\n"
        % os.path.join(SRC, "examples/movies/movies.cg"))


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if os.environ.get("CB_VALGRIND") == "1":
    print("# valgrind needs descriptors of its own: this test limits them, so it runs without valgrind")
    os.environ.pop("CB_VALGRIND")

d = h.Daemon(CONF, nofile=64)
with d:
    served, refused, broken = [], [], []
    want = h.rows_of(h.direct(), "SELECT count(*) FROM regisseur")
    for i in range(40):
        try:
            c = h.Conn(d.sock, timeout=20).login()
        except RuntimeError as e:
            refused.append(str(e))
            continue
        except Exception as e:  # noqa: BLE001  (a hang or a reset without a message)
            broken.append(repr(e))
            continue
        try:
            rows, errors = c.query("SELECT count(*) FROM regisseur")
        except Exception as e:  # noqa: BLE001
            broken.append(repr(e))
            continue
        if errors:
            refused.append(repr(errors))
        elif rows == want:
            served.append(c)
        else:
            broken.append("wrong answer %r" % rows)
    print("# %d served, %d refused" % (len(served), len(refused)))
    check(not broken, "no client hung or was cut off without a message (%s)" % "; ".join(broken[:3]), d)
    check(len(served) >= 3 and len(refused) >= 1, "some clients are served, the rest refused", d)
    check(all("file descriptors" in r or "53000" in r or "53300" in r for r in refused),
          "every refusal says why (%s)" % (refused[0] if refused else ""), d)
    c0 = cpu_seconds(d.proc.pid)
    time.sleep(1.0)  # the window CPU use is measured over, not a synchronization
    used = cpu_seconds(d.proc.pid) - c0
    check(used < 0.3, "the daemon does not spin while out of descriptors (%.2f s CPU in 1 s)" % used, d)
    with open(d.log) as f:
        lines = [ln for ln in f if "out of file descriptors" in ln]
    check(1 <= len(lines) <= 3 and "ulimit" in lines[0],
          "the log reports the shortage %d time(s), with the fix" % len(lines), d)
    for c in served[:len(served) // 2 + 1]:
        c.close()
    deadline = time.monotonic() + 20
    again = None
    while again is None and time.monotonic() < deadline:
        try:
            c = h.Conn(d.sock, timeout=20).login()
            again = c.query("SELECT count(*) FROM regisseur")
            c.close()
        except RuntimeError:
            time.sleep(0.05)  # a session closing frees its descriptors a moment later: poll for it
    check(again is not None and again[0] == want and not again[1], "after sessions close new clients are served", d)
    for c in served[len(served) // 2 + 1:]:
        c.close()
    d.stop()
h.plan()
