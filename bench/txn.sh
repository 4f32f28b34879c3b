#!/usr/bin/env bash
# txn.sh - a pyodbc client with its default settings (autocommit off: every
# read in a transaction) through cbcached, with the driver's in-process
# answers (InProcess, the default) and without (InProcess=0), side by side
# in one run (issue 16: "measure the hit ratio of a pyodbc client with its
# default settings").
#
#   bench/txn.sh [--seconds S] [--rounds R] [--reads N] [--out FILE.md]
#
# Starts a throwaway PostgreSQL with the movie database (tests/harness) and
# cbcached with the movie cache group.  One client process, one connection,
# pyodbc.connect() with no autocommit argument: a "request" is N reads
# (default 3: a director by id, the director's films, a director by id
# again) on ids skewed towards a hot set, then commit().  The cache is
# measured warm (every id read once, WAIT FILLS, before the rounds).  The
# rounds interleave the two modes.  For each run, from SHOW STATS: the
# statements cbcached received, its cache hits and backend statements, and
# the in-process answers the driver reported; the hit ratio is the share of
# the client's reads answered from the cache (in-process or by cbcached).
# Writes bench/results/<date>-<host>-txn.md (or --out).  `make bench-txn`.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"

. "$root/bench/lib.sh"
parse_options txn.sh seconds=5 rounds=3 reads=3 out= -- "$@"
run_in_pg -txn.md -- "$@"

# ---- inside the throwaway PostgreSQL --------------------------------------
work="$CB_PG_DIR/txn"
mkdir -p "$work"
cbcached_start "$work/cb" "$PGHOST" "$PGPORT"
trap 'kill "$(cat "$work/cb/pid")" 2>/dev/null || true' EXIT
export TXN_CONN="$(cbcached_conn "$work/cb")" TXN_ADMIN="$cbadmin" TXN_ADMIN_SOCK="$work/cb/admin.sock"

/usr/bin/python3 - "$out" "$seconds" "$rounds" "$reads" <<'PY'
import datetime, json, os, random, statistics, subprocess, sys, time
import pyodbc

out, seconds, rounds, reads = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])

def stats():
    r = subprocess.run([os.environ["TXN_ADMIN"], "-s", os.environ["TXN_ADMIN_SOCK"], "--json", "SHOW", "STATS"],
                       check=True, capture_output=True, text=True).stdout
    return {row["name"]: int(row["value"]) for row in json.loads(r)["rows"] if row["value"].lstrip("-").isdigit()}

DIRECTOR = "SELECT id, vname, nname, wohnort FROM regisseur WHERE id = ?"
FILMS = "SELECT id, titel, jahr FROM film WHERE regie = ? ORDER BY id"
STMTS = [DIRECTOR, FILMS, DIRECTOR]

setup = pyodbc.connect(os.environ["TXN_CONN"] + ";InProcess=0", autocommit=True)
ids = [r[0] for r in setup.cursor().execute("SELECT id FROM regisseur ORDER BY id").fetchall()]
setup.close()
rng = random.Random(16)
hot = ids[: max(1, len(ids) // 5)]

def pick():
    # 80 % of the reads on the first fifth of the ids
    return rng.choice(hot) if rng.random() < 0.8 else rng.choice(ids)

# warm: every id through both statements, then the fills drained
warm = pyodbc.connect(os.environ["TXN_CONN"] + ";InProcess=0", autocommit=True)
wc = warm.cursor()
for i in ids:
    wc.execute(DIRECTOR, i).fetchall()
    wc.execute(FILMS, i).fetchall()
warm.close()
subprocess.run([os.environ["TXN_ADMIN"], "-s", os.environ["TXN_ADMIN_SOCK"], "WAIT", "FILLS", "60000"], check=True,
               capture_output=True)

def run(mode):
    cn = pyodbc.connect(os.environ["TXN_CONN"] + (";InProcess=0" if mode == "wire" else ""))  # autocommit off
    cur = cn.cursor()
    b = stats()
    for k in range(20):  # the first connection of the process compiles the groups: not measured
        cur.execute(DIRECTOR, ids[0]).fetchall()
        cn.commit()
    cur.execute("SELECT 1").fetchall()  # sends the driver's pending hit report first
    cn.commit()
    # the report datagram is read by another thread of cbcached: wait until the 20 reads are counted
    # (as statements cbcached received or as reported in-process answers) before s0
    deadline = time.time() + 10
    while True:
        s0 = stats()
        if (s0["statements"] - b["statements"] + s0["in_process_report_hits"] - b["in_process_report_hits"] >= 21
                or time.time() > deadline):
            break
        time.sleep(0.01)
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for k in range(reads):
            cur.execute(STMTS[k % len(STMTS)], pick()).fetchall()
        cn.commit()
        n += reads
    elapsed = time.perf_counter() - t0
    cn.close()  # flushes the driver's hit report
    deadline = time.time() + 10
    while True:
        s1 = stats()
        reported = s1["in_process_report_hits"] - s0["in_process_report_hits"]
        if mode == "wire" or s1["statements"] - s0["statements"] + reported >= n or time.time() > deadline:
            break
        time.sleep(0.05)
    d = {k: s1.get(k, 0) - s0.get(k, 0) for k in s1}
    inproc = d["in_process_hits"]
    cbhits = d["queries_cache_hits"] - inproc
    return {"mode": mode, "reads": n, "qps": n / elapsed, "statements": d["statements"],
            "inproc": inproc, "cbhits": cbhits, "backend": d["queries_backend"],
            "hit_ratio": (inproc + cbhits) / n, "inproc_ratio": inproc / n}

runs = []
for r in range(rounds):
    for mode in (("wire", "inproc") if r % 2 == 0 else ("inproc", "wire")):
        rec = run(mode)
        runs.append(rec)
        print("round %d %-6s %7.0f reads/s  hit ratio %.3f  in-process %.3f  statements to cbcached %d" %
              (r + 1, mode, rec["qps"], rec["hit_ratio"], rec["inproc_ratio"], rec["statements"]), file=sys.stderr)

def med(mode, key):
    return statistics.median(x[key] for x in runs if x["mode"] == mode)

L = ["# A pyodbc client with its default settings (autocommit off), in-process answers on and off",
     "",
     "`bench/txn.sh --seconds %g --rounds %d --reads %d`, %s: one connection, `pyodbc.connect()` without autocommit, "
     "requests of %d reads (director by id, the director's films, director by id) then `commit()`, ids skewed "
     "80/20, warm cache; medians of %d interleaved rounds." % (seconds, rounds, reads, datetime.date.today().isoformat(),
                                                               reads, rounds),
     "",
     "| driver | reads/s | hit ratio | answered in-process | answered by cbcached | statements to cbcached per read |",
     "|---|---|---|---|---|---|"]
for mode, label in (("wire", "InProcess=0"), ("inproc", "InProcess on (default)")):
    L.append("| %s | %.0f | %.3f | %.3f | %.3f | %.2f |" % (
        label, med(mode, "qps"), med(mode, "hit_ratio"), med(mode, "inproc_ratio"),
        statistics.median(x["cbhits"] / x["reads"] for x in runs if x["mode"] == mode),
        statistics.median(x["statements"] / x["reads"] for x in runs if x["mode"] == mode)))
L += ["", "reads/s, in-process on / off: %.2fx" % (med("inproc", "qps") / med("wire", "qps")), "",
      "Every run:", "", "```"]
L += [json.dumps(x) for x in runs]
L += ["```", ""]
open(out, "w").write("\n".join(L))
print("\n".join(L))
PY
