#!/usr/bin/python3
"""The Markdown report of bench/stream.sh from the files of its run.

In --work: lag.jsonl (bench/stream-writer lag records, labels lag-sync and
lag-async), lag-readers.jsonl (cbbench beside them), LABEL-queries- and
LABEL-stats-before/after.json (SHOW QUERIES and SHOW STATS as JSON around
each lag phase), LABEL-repl-lag-ms.txt (repl_lag_ms once a second),
hit.jsonl (cbbench records "a|ROUND" and "b|ROUND" with the admin socket's
deltas), writes.jsonl (stream-writer write records "b|ROUND"),
q-a-ROUND- and q-b-ROUND-before/after.json (SHOW QUERIES around each hit
ratio run) and replication.txt (SHOW REPLICATION at the end).
"""
import argparse
import collections
import json
import math
import os
import statistics

PROBE_SHAPE = "SELECT nname FROM regisseur WHERE id = $?"
LAG_TARGET_MS = 100
RATIO_TARGET = 0.8


def records(path):
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path) if line.strip()]


def rows(path):
    return json.load(open(path)).get("rows", [])


def stats(path):
    return {r["name"]: int(r["value"]) for r in rows(path)}


def queries_delta(before, after):
    """Per statement shape: executions, cache_hits, cache_misses, backend over the interval, and the last reason."""
    old = {r["query"]: r for r in rows(before)}
    out = {}
    for r in rows(after):
        o = old.get(r["query"], {})
        d = {k: int(r[k]) - int(o.get(k, 0)) for k in ("executions", "cache_hits", "cache_misses", "backend")}
        if d["executions"] > 0:
            # the reason is the last one ever: shown only when this interval went to the backend
            d["reason"] = r["reason"] if d["backend"] + d["cache_misses"] > 0 else ""
            out[r["query"]] = d
    return out


def add_deltas(total, delta):
    for q, d in delta.items():
        t = total.setdefault(q, {"executions": 0, "cache_hits": 0, "cache_misses": 0, "backend": 0, "reason": ""})
        for k in ("executions", "cache_hits", "cache_misses", "backend"):
            t[k] += d[k]
        if d["reason"]:
            t["reason"] = d["reason"]


def pct(x):
    return "-" if x is None else f"{100 * x:.1f} %"


def num(x, digits=0):
    return f"{x:,.{digits}f}"


def ratio(hits, denom):
    return hits / denom if denom > 0 else None


def shape_table(lines, deltas):
    lines.append("| statement shape | executions | cache hits | misses | backend | reason (last) |")
    lines.append("|---|---|---|---|---|---|")
    for q, d in sorted(deltas.items(), key=lambda kv: -kv[1]["executions"]):
        short = q if len(q) <= 90 else q[:87] + "..."
        lines.append(f"| `{short}` | {num(d['executions'])} | {num(d['cache_hits'])} | {num(d['cache_misses'])} "
                     f"| {num(d['backend'])} | {d['reason']} |")


def lag_section(a, lines):
    lag = {r["label"]: r for r in records(os.path.join(a.work, "lag.jsonl"))}
    readers = {r["label"]: r for r in records(os.path.join(a.work, "lag-readers.jsonl"))}
    lines.append("## 1. Visibility lag of writes made straight to PostgreSQL")
    lines.append("")
    lines.append("`bench/stream-writer lag` renames directors (`UPDATE regisseur SET nname = ... WHERE id = k`, "
                 "autocommit, one connection) straight to PostgreSQL, paced, on every director but the probe keys; "
                 "the prober renames a probe key (nothing else writes those), and once the commit has returned "
                 "reads `SELECT nname FROM regisseur WHERE id = k` through cbcached (libpq, simple protocol) every "
                 f"{next(iter(lag.values()), {}).get('poll_us', '?')} µs until the new name is answered. "
                 "Lag = from the commit's return to the arrival of the first answer with the new name (a bound "
                 "from above: the answer's round trip and the poll interval are in it). The probe writes are part "
                 "of the write rate. Meanwhile cbbench runs the default mix through cbcached (readers).")
    lines.append("")
    lines.append("| writers' commits | s | writes | writes/s (target) | probes | seen | timeouts | lag p50 ms | p90 ms "
                 "| p99 ms | max ms | mean ms | seen at the first read | probe write p50 / p99 / max ms "
                 "| readers q/s | readers hit ratio |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    notes = []
    for label, what in (("lag-sync", "synchronous (server default)"), ("lag-async", "synchronous_commit = off")):
        r = lag.get(label)
        if r is None:
            continue
        q = queries_delta(os.path.join(a.work, f"{label}-queries-before.json"),
                          os.path.join(a.work, f"{label}-queries-after.json"))
        probe = q.pop(PROBE_SHAPE, {"executions": 0, "cache_hits": 0, "cache_misses": 0, "backend": 0,
                                    "reason": ""})
        rh = sum(d["cache_hits"] for d in q.values())
        rd = sum(d["cache_hits"] + d["cache_misses"] + d["backend"] for d in q.values())
        rr = readers.get(label, {})
        lines.append(f"| {what} | {r['seconds']:.0f} | {num(r['writes'])} | {num(r['write_rate'], 1)} "
                     f"({num(r['target_rate'])}) | {num(r['probes'])} | {num(r['samples'])} | {r['timeouts']} "
                     f"| {r['lag_p50_ms']:.2f} | {r['lag_p90_ms']:.2f} | {r['lag_p99_ms']:.2f} | "
                     f"{r['lag_max_ms']:.2f} | {r['lag_mean_ms']:.2f} | {num(r['first_read_new'])} | "
                     f"{r['write_p50_ms']:.2f} / {r['write_p99_ms']:.2f} / {r['write_max_ms']:.1f} | "
                     f"{num(rr.get('qps', 0))} | {pct(ratio(rh, rd))} |")
        s0 = stats(os.path.join(a.work, f"{label}-stats-before.json"))
        s1 = stats(os.path.join(a.work, f"{label}-stats-after.json"))
        d = {k: s1.get(k, 0) - s0.get(k, 0) for k in s1 if k.startswith("repl_")}
        try:
            samples = [int(x) for x in open(os.path.join(a.work, f"{label}-repl-lag-ms.txt")) if x.strip()]
        except OSError:
            samples = []
        sampled = (f"median {statistics.median(samples):.0f} ms, max {max(samples)} ms over {len(samples)} "
                   "samples" if samples else "no samples")
        notes.append(
            f"- {what}: the probe reads through cbcached: {num(probe['executions'])} statements of the probe's "
            f"shape in SHOW QUERIES ({num(r['probe_reads'])} sent by the prober): {num(probe['cache_hits'])} "
            f"answered from the cache, {num(probe['cache_misses'])} misses, {num(probe['backend'])} by the "
            f"backend{' (' + probe['reason'] + ')' if probe['reason'] else ''}. "
            f"Stream: {num(d.get('repl_transactions', 0))} transactions applied "
            f"({num(d.get('repl_transactions', 0) / r['seconds'], 1)}/s), "
            f"{num(d.get('repl_rows_written', 0))} rows written, {d.get('repl_failures', 0)} failures, "
            f"{d.get('repl_reconnects', 0)} reconnects, {d.get('repl_invalidations', 0)} invalidations; "
            f"cbcached's repl_lag_ms sampled once a second: {sampled}. "
            f"Writer errors: {r['errors']}.")
    lines.append("")
    lines.append("Probe write = the round trip of the probe's UPDATE straight to PostgreSQL (not part of the lag): "
                 "PostgreSQL's own response time on this machine during the run. Readers = cbbench's default mix "
                 "through cbcached during the phase; their hit ratio from SHOW QUERIES (probe reads left out).")
    lines.append("")
    lines.extend(notes)
    lines.append("")
    return lag.get("lag-sync")


def hit_section(a, lines):
    hit = collections.defaultdict(dict)
    for r in records(os.path.join(a.work, "hit.jsonl")):
        run, rnd = r["label"].split("|")
        hit[int(rnd)][run] = r
    writes = {int(r["label"].split("|")[1]): r for r in records(os.path.join(a.work, "writes.jsonl"))}
    lines.append("## 2. Hit ratio with writes")
    lines.append("")
    lines.append(f"cbbench through cbcached (libcbcacheodbc), warm cache, interleaved rounds: a = the default mix "
                 f"`{a.mix}`; b = `{a.wmix}` (the weights normalized: the writes through cbcached, "
                 "`UPDATE film SET laenge_min = laenge_min WHERE id = ?`, are 1 % of b's statements) plus "
                 "`bench/stream-writer write` sending the same statement straight to PostgreSQL at 1 % of the "
                 "round's a throughput (film keys from cbbench's Zipf distribution).")
    lines.append("")
    lines.append("Hit ratio = queries_cache_hits / (queries_cache_hits + queries_cache_misses + backend reads), "
                 "deltas of cbcached's SHOW STATS over the run, backend reads = queries_backend - writes through "
                 "cbcached (repl_commit_holds + repl_fences_made - repl_commit_hold_timeouts: each write through "
                 "cbcached that committed either held its acknowledgement until applied or fenced its table; a "
                 "hold that timed out fenced too). cbbench's "
                 "own ratio, which counts the writes through cbcached as backend queries, is given too. The "
                 "default mix has 5 % `uncached` statements (a LEFT JOIN the cache does not answer): 95 % is the "
                 "ceiling.")
    lines.append("")
    lines.append("| round | run | q/s | p50 µs | p99 µs | statements | hits | misses | backend reads | writes via "
                 "cbcached | direct writes (/s) | write share | hit ratio | cbbench's ratio |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    tot = {"a": collections.Counter(), "b": collections.Counter()}
    qps = {"a": [], "b": []}
    round_ratios = []
    shapes = {"a": {}, "b": {}}
    for rnd in sorted(hit):
        per = {}
        for run in ("a", "b"):
            r = hit[rnd].get(run)
            if r is None:
                continue
            ad = r.get("admin_deltas") or {}
            fences = (ad.get("repl_fences_made", 0) + ad.get("repl_commit_holds", 0) -
                      ad.get("repl_commit_hold_timeouts", 0))
            hits, misses = r["cache_hits"] or 0, r["cache_misses"] or 0
            breads = (r["backend_queries"] or 0) - fences
            w = writes.get(rnd) if run == "b" else None
            direct = w["writes"] if w else 0
            share = (fences + direct) / (r["statements"] + direct) if r["statements"] + direct else 0
            h = ratio(hits, hits + misses + breads)
            per[run] = h
            for k, v in (("hits", hits), ("misses", misses), ("breads", breads), ("fences", fences),
                         ("direct", direct), ("statements", r["statements"]), ("errors", r["errors"])):
                tot[run][k] += v
            qps[run].append(r["qps"])
            add_deltas(shapes[run], queries_delta(os.path.join(a.work, f"q-{run}-{rnd}-before.json"),
                                                  os.path.join(a.work, f"q-{run}-{rnd}-after.json")))
            dcol = f"{num(direct)} ({num(w['write_rate'], 1)})" if w else "-"
            lines.append(f"| {rnd} | {run} | {num(r['qps'])} | {r['p50_us']:.1f} | {r['p99_us']:.1f} "
                         f"| {num(r['statements'])} | {num(hits)} | {num(misses)} | {num(breads)} | {num(fences)} "
                         f"| {dcol} | {pct(share)} | {pct(h)} | {pct(r.get('hit_ratio'))} |")
        if per.get("a") and per.get("b") is not None:
            round_ratios.append(per["b"] / per["a"])
    lines.append("")

    def pooled(run):
        t = tot[run]
        return ratio(t["hits"], t["hits"] + t["misses"] + t["breads"])

    ha, hb = pooled("a"), pooled("b")
    b_over_a = hb / ha if ha and hb is not None else None
    qa = statistics.median(qps["a"]) if qps["a"] else 0
    qb = statistics.median(qps["b"]) if qps["b"] else 0
    tb = tot["b"]
    share_b = (tb["fences"] + tb["direct"]) / (tb["statements"] + tb["direct"]) if tb["statements"] else 0
    lines.append(f"Over the {len(hit)} rounds (hits and denominators summed): hit ratio a {pct(ha)}, b {pct(hb)}, "
                 f"b/a = {'-' if b_over_a is None else f'{b_over_a:.3f}'}" +
                 (f" (per round: {', '.join(f'{x:.3f}' for x in round_ratios)})" if round_ratios else "") +
                 f". Throughput (median q/s): a {num(qa)}, b {num(qb)}, b/a = {qb / qa if qa else 0:.2f}. "
                 f"b's writes: {num(tb['fences'])} through cbcached, {num(tb['direct'])} straight to PostgreSQL, "
                 f"{pct(share_b)} of all statements. Statement errors: a {tot['a']['errors']}, "
                 f"b {tot['b']['errors']}.")
    lines.append("")
    holds = sum((hit[rnd]["b"].get("admin_deltas") or {}).get("repl_commit_holds", 0) for rnd in hit
                if "b" in hit[rnd])
    hold_to = sum((hit[rnd]["b"].get("admin_deltas") or {}).get("repl_commit_hold_timeouts", 0) for rnd in hit
                  if "b" in hit[rnd])
    if holds:
        lines.append(f"In b, {num(holds)} commits through cbcached held their acknowledgement until the change "
                     f"stream had applied them (commit_wait_ms; the other sessions kept reading the cache), "
                     f"{num(hold_to)} of them timed out and fenced.")
        lines.append("")
    # reads of a table written through cbcached go to the backend while its fence stands
    fenced = [d for d in shapes["b"].values() if "invalidation is pending" in d["reason"]]
    fexec = sum(d["executions"] for d in fenced)
    fback = sum(d["backend"] for d in fenced)
    bsecs = sum(hit[rnd]["b"]["seconds"] for rnd in hit if "b" in hit[rnd])
    if fexec and bsecs and fback < fexec:
        f = fback / fexec
        lam = tb["fences"] / bsecs
        est = -math.log(1 - f) / lam * 1e3 if lam > 0 else 0
        lines.append(f"In b, the statements reading a table written through cbcached (reason: a write whose "
                     f"invalidation is pending, i.e. its fence) went to the backend {pct(f)} of the time "
                     f"({num(fback)} of {num(fexec)}), with {num(lam, 1)} writes/s through cbcached: were the "
                     f"writes Poisson and every fence equally long, that coverage means each fence stood about "
                     f"{est:.1f} ms (1 - e^(-rate * duration) = coverage; a rough estimate).")
        lines.append("")
    for run in ("a", "b"):
        lines.append(f"Run {run}, SHOW QUERIES deltas summed over the rounds (the statements sent in the runs; "
                     "writes do not reach the hit path and are not listed):")
        lines.append("")
        shape_table(lines, shapes[run])
        lines.append("")
    return ha, hb, b_over_a, qa, qb


def pressure(spec):
    """The share of the run's time in which some task waited for a CPU (Linux PSI), as text."""
    try:
        us0, t0, us1, t1 = (float(x) for x in spec.split())
    except ValueError:
        return ""
    if t1 <= t0:
        return ""
    return (f"; CPU pressure over the run: some task waited for a CPU {100 * (us1 - us0) / 1e6 / (t1 - t0):.0f} % "
            "of the time (/proc/pressure/cpu)")


def main():
    p = argparse.ArgumentParser()
    for opt in ("work", "out", "log", "title", "load-start", "load-end", "cores", "dirs", "loaded", "scale", "mix",
                "wmix", "synchronous-commit", "command"):
        p.add_argument("--" + opt, required=True)
    p.add_argument("--cpu-pressure", default="", help="START_US START_S END_US END_S: /proc/pressure/cpu some total")
    a = p.parse_args()
    body = []
    lag = lag_section(a, body)
    ha, hb, b_over_a, qa, qb = hit_section(a, body)

    lines = [f"# cbcache change stream benchmark, {a.title}", "",
             "Produced by `bench/stream.sh` (`make bench-stream`); command:", "", "    " + a.command, "",
             f"Machine: {a.cores} cores shared with other engineers' builds and tests (load average "
             f"{a.load_start} at the start, {a.load_end} at the end{pressure(a.cpu_pressure)}): absolute "
             "throughput and the tails depend on what else ran; the a/b rounds are interleaved so that drift "
             "hits both alike.",
             f"PostgreSQL: the test harness's throwaway cluster (fsync off: a WAL flush is a write() without a "
             f"disk wait), synchronous_commit = {a.synchronous_commit} (PostgreSQL's default; the harness's own "
             f"setting is off), the movie database at scale {a.scale} ({a.dirs} directors). cbcached: the movie "
             f"cache group, {a.loaded} of the {a.dirs} directors' fill values loaded before measuring, every "
             "director warm.", "",
             "## Targets of the issue", "", "| what | target | measured | |", "|---|---|---|---|"]
    if lag:
        p99 = lag["lag_p99_ms"]
        lines.append(f"| visibility lag p99, {num(lag['write_rate'])} writes/s straight to PostgreSQL "
                     f"({num(lag['samples'])} probes) | <= {LAG_TARGET_MS} ms | {p99:.1f} ms "
                     f"| {'met' if p99 <= LAG_TARGET_MS and lag['timeouts'] == 0 else 'not met'} |")
    if b_over_a is not None:
        lines.append(f"| hit ratio with 2 % writes / without ({pct(hb)} / {pct(ha)}) | >= {RATIO_TARGET} "
                     f"| {b_over_a:.3f} | {'met' if b_over_a >= RATIO_TARGET else 'not met'} |")
    lines.append("")
    lines.extend(body)

    lines.append("## cbcached at the end")
    lines.append("")
    lines.append("SHOW REPLICATION:")
    lines.append("")
    lines.append("```")
    try:
        lines.extend(open(os.path.join(a.work, "replication.txt")).read().rstrip("\n").split("\n"))
    except OSError:
        lines.append("(not read)")
    lines.append("```")
    lines.append("")
    try:
        log = [x.rstrip("\n") for x in open(a.log)]
    except OSError:
        log = []
    lines.append(f"Its log (log_level = warning): {len(log)} lines" + (", the last ones:" if log else "."))
    if log:
        lines.append("")
        lines.append("```")
        lines.extend(log[-15:])
        lines.append("```")
    lines.append("")
    with open(a.out, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
