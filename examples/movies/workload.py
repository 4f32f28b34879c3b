#!/usr/bin/python3
"""A read-mostly workload on the movie database through ODBC.

    workload.py --connect "DRIVER=...;Socket=...;Port=...;Database=movies;UID=postgres" \
                [--seconds 10] [--zipf 1.1] [--label NAME] [--report-every 1]
                [--admin "cbcache-admin -s ADMIN_SOCKET"]

The mix is what a web page of the movie site would send: director lookups
by id (Zipf-distributed, so some directors are hot) and the director's
films joined with their location.  Every statement is parameterized, as an
application would send it.  Prints one line per interval (queries, rate,
mean latency) and a summary with latency percentiles; with --json the
summary is one JSON object on the last line.  With --admin (the command
that reaches cbcached's admin socket) every line also shows the share of the
interval's statements cbcached answered from its cache.

Needs Debian's python3-pyodbc (run with /usr/bin/python3).
"""
import argparse
import bisect
import json
import random
import shlex
import subprocess
import sys
import time

import pyodbc

Q_DIRECTOR = "SELECT id, vname, nname, wohnort FROM regisseur WHERE id = ?"
Q_FILMS = ("SELECT f.id, f.titel, f.jahr, o.plz, o.name FROM regisseur r "
           "JOIN film f ON f.regie = r.id JOIN ort o ON o.plz = f.ort "
           "WHERE r.id = ? ORDER BY f.id")


def zipf_sampler(n, s, rng):
    """Return a function drawing 1..n with P(k) proportional to 1/k^s."""
    weights = [1.0 / (k ** s) for k in range(1, n + 1)]
    total = sum(weights)
    cdf, acc = [], 0.0
    for w in weights:
        acc += w / total
        cdf.append(acc)
    # a fixed permutation so that the hot keys are not simply 1, 2, 3
    perm = list(range(1, n + 1))
    random.Random(4711).shuffle(perm)

    def draw():
        i = bisect.bisect_left(cdf, rng.random())
        return perm[min(i, n - 1)]

    return draw


def cache_counters(admin):
    """(hits, misses, backend) from cbcached's SHOW STATS, or None."""
    if not admin:
        return None
    r = subprocess.run(shlex.split(admin) + ["--json", "SHOW", "STATS"], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    v = {row["name"]: int(row["value"]) for row in json.loads(r.stdout)["rows"]}
    return (v.get("queries_cache_hits", 0), v.get("queries_cache_misses", 0), v.get("queries_backend", 0))


def hit_text(before, after):
    if before is None or after is None:
        return ""
    d = [a - b for a, b in zip(after, before)]
    total = sum(d)
    return f"  hit ratio {100.0 * d[0] / total:5.1f} %" if total > 0 else ""


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, int(round(p / 100.0 * (len(sorted_values) - 1))))
    return sorted_values[k]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--connect", required=True, help="ODBC connection string")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--zipf", type=float, default=1.1, help="Zipf parameter s")
    ap.add_argument("--join-share", type=float, default=0.3,
                    help="share of director-film-location joins")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--label", default="workload")
    ap.add_argument("--report-every", type=float, default=1.0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--admin", default="", help="command reaching cbcached's admin socket, for the hit ratio")
    args = ap.parse_args()

    try:
        conn = pyodbc.connect(args.connect, autocommit=True)
    except pyodbc.Error as e:
        print(f"{args.label}: cannot connect: {e}", file=sys.stderr)
        return 2
    cur = conn.cursor()
    n_dir = cur.execute("SELECT count(*) FROM regisseur").fetchone()[0]
    rng = random.Random(args.seed)
    draw = zipf_sampler(n_dir, args.zipf, rng)

    latencies = []
    rows = 0
    first = counters = cache_counters(args.admin)
    start = time.perf_counter()
    next_report = start + args.report_every
    interval_q, interval_lat = 0, 0.0
    while True:
        now = time.perf_counter()
        if now - start >= args.seconds:
            break
        key = draw()
        sql = Q_FILMS if rng.random() < args.join_share else Q_DIRECTOR
        t0 = time.perf_counter()
        rows += len(cur.execute(sql, key).fetchall())
        dt = time.perf_counter() - t0
        latencies.append(dt)
        interval_q += 1
        interval_lat += dt
        if t0 + dt >= next_report:
            now_counters = cache_counters(args.admin)
            print(f"{args.label}: t={t0 + dt - start:5.1f}s  {interval_q / args.report_every:8.0f} q/s  "
                  f"mean {1e6 * interval_lat / max(1, interval_q):8.1f} us"
                  f"{hit_text(counters, now_counters)}", flush=True)
            counters = now_counters
            interval_q, interval_lat = 0, 0.0
            next_report += args.report_every
    elapsed = time.perf_counter() - start
    conn.close()
    last = cache_counters(args.admin)

    latencies.sort()
    summary = {
        "label": args.label,
        "queries": len(latencies),
        "rows": rows,
        "seconds": round(elapsed, 3),
        "qps": round(len(latencies) / elapsed, 1),
        "p50_us": round(1e6 * percentile(latencies, 50), 1),
        "p95_us": round(1e6 * percentile(latencies, 95), 1),
        "p99_us": round(1e6 * percentile(latencies, 99), 1),
    }
    if first is not None and last is not None:
        d = [a - b for a, b in zip(last, first)]
        summary["cache_hits"], summary["cache_misses"], summary["backend"] = d
        summary["hit_ratio"] = round(d[0] / max(1, sum(d)), 4)
    print(f"{args.label}: {summary['queries']} queries, {summary['rows']} rows in {summary['seconds']} s: "
          f"{summary['qps']} q/s, latency p50 {summary['p50_us']} us, p95 {summary['p95_us']} us, "
          f"p99 {summary['p99_us']} us")
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
