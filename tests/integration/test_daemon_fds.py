"""Out of file descriptors: cbcached refuses cleanly, does not spin, recovers.

cbcached runs with an open files limit of 64 (RLIMIT_NOFILE, as ulimit -n
64).  Forty clients connect one after the other and each runs a query,
keeping its session: each is served (PostgreSQL's answer), refused with an
ErrorResponse that says why, or (when another thread of the daemon holds
the descriptor kept in reserve for refusals) left waiting in the listen
backlog; none is reset without a message.  While the sessions are held the
daemon uses no CPU to speak of (it does not spin on the listening socket),
and its log reports the shortage with the cause and the fix, at most once
every 10 seconds.  Once sessions close, every waiting client is answered
and new clients are served again.

The run is made twice.  The second time fault point accept.reserve makes
another thread take the descriptor the reserve gave up, the first time
the daemon runs out: the daemon must take its reserve again once that
descriptor is free, so only the client that met the theft waits and the
clients after it are refused with the message again (a reserve lost for
good left every later client waiting in the backlog).
"""
import datetime
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

def run(faults):
    d = h.Daemon(CONF, nofile=64, env={"CB_FAULTS": faults} if faults else None)
    what = "with accept.reserve armed: " if faults else ""
    with d:
        served, refused, broken, waiting = [], [], [], []
        want = h.rows_of(h.direct(), "SELECT count(*) FROM regisseur")
        for i in range(40):
            c = h.Conn(d.sock, timeout=3)
            try:
                c.login()
                c.s.settimeout(20)
            except RuntimeError as e:
                refused.append(str(e))
                continue
            except TimeoutError:
                waiting.append(c)  # in the backlog: answered once descriptors free up (checked below)
                continue
            except Exception as e:  # noqa: BLE001  (a reset without a message)
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
        print("# %d served, %d refused, %d waiting" % (len(served), len(refused), len(waiting)))
        check(not broken, what + "no client hung or was cut off without a message (%s)" % "; ".join(broken[:3]), d)
        check(len(served) >= 3 and len(refused) + len(waiting) >= 1, what + "some clients are served, the rest refused or waiting", d)
        check(all("file descriptors" in r or "53000" in r or "53300" in r for r in refused),
              what + "every refusal says why (%s)" % (refused[0] if refused else ""), d)
        c0 = cpu_seconds(d.proc.pid)
        time.sleep(1.0)  # the window CPU use is measured over, not a synchronization
        used = cpu_seconds(d.proc.pid) - c0
        check(used < 0.3, what + "the daemon does not spin while out of descriptors (%.2f s CPU in 1 s)" % used, d)
        with open(d.log) as f:
            lines = [ln for ln in f if "out of file descriptors" in ln]
        stamps = [datetime.datetime.strptime(ln[:23], "%Y-%m-%d %H:%M:%S.%f") for ln in lines]
        gaps = [(b - a).total_seconds() for a, b in zip(stamps, stamps[1:])]
        check(lines and "ulimit" in lines[0] and all(g >= 9.9 for g in gaps),
              what + "the log reports the shortage with the fix, at most every 10 s (%d time(s), gaps %s)"
              % (len(lines), ["%.1f" % g for g in gaps]), d)
        if faults:
            with open(os.path.join(d.dir, "stderr")) as f:
                took = f.read().count("fault point accept.reserve: fails")
            check(took == 1, what + "another thread took the freed reserve once (%d)" % took, d)
            check(len(refused) >= 1 and len(waiting) <= 1,
                  what + "the reserve is taken again: later clients are refused with the message, not left "
                  "waiting (%d refused, %d waiting)" % (len(refused), len(waiting)), d)
        for c in served[:len(served) // 2 + 1]:
            c.close()
        answered = []
        for c in waiting:  # their startup packets were sent: the answer comes now
            c.s.settimeout(20)
            try:
                while True:
                    t, body = c.read_msg()
                    if t in (b"Z", b"E"):
                        answered.append(t)
                        break
            except Exception as e:  # noqa: BLE001
                broken.append("waiting client: %r" % (e,))
            c.close()
        check(not broken and len(answered) == len(waiting),
              what + "every waiting client is answered once sessions close (%d of %d; %s)" % (len(answered), len(waiting),
                                                                                      "; ".join(broken[:2])), d)
        deadline = time.monotonic() + 20
        again = None
        while again is None and time.monotonic() < deadline:
            try:
                c = h.Conn(d.sock, timeout=20).login()
                again = c.query("SELECT count(*) FROM regisseur")
                c.close()
            except RuntimeError:
                time.sleep(0.05)  # a session closing frees its descriptors a moment later: poll for it
        check(again is not None and again[0] == want and not again[1], what + "after sessions close new clients are served", d)
        for c in served[len(served) // 2 + 1:]:
            c.close()
        d.stop()


run(None)
run("accept.reserve=fail")
h.plan()
