#!/usr/bin/python3
"""Summarize bench/run.sh records into a Markdown report with plots.

Each record is one cbbench/sqlite-limit JSON line whose label is
"target|delay_ms|threads|mode".  Rounds of the same configuration are
reduced to their median.  Targets: direct, pgpool, cbcache (in-process
hits on, the driver's default), cbcache-wire (InProcess=0), limit (the
table), direct-miss, cbcache-miss and cbcache-relay-miss (Direct=0: the miss
overhead, on the driver's own backend connection and through cbcached), and
direct-write, cbcache-write, cbcache-relay-write (what a writer pays).  The cbcache
records carry the hit ratio read from cbcached's admin socket, or null
when the daemon does not count hits: then the report says "unavailable".
Plots are drawn with gnuplot when it is present.
"""
import argparse
import collections
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys

TABLE_TARGETS = ("direct", "pgpool", "cbcache", "cbcache-wire", "limit")


def load(path):
    groups = collections.defaultdict(list)
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        r = json.loads(line)
        target, delay, threads, mode = r["label"].split("|")
        groups[(target, delay, int(threads), mode)].append(r)
    return groups


def med(records, key):
    return statistics.median(r[key] for r in records)


def med_hit_ratio(records):
    """Median hit ratio of the records, or None when any record has none."""
    vals = [r.get("hit_ratio") for r in records]
    if not vals or any(v is None for v in vals):
        return None
    return statistics.median(vals)


def unavailable_note(records):
    for r in records:
        if r.get("hit_ratio") is None:
            return r.get("hit_ratio_note", "unavailable")
    return ""


def fmt(x, digits=0):
    return f"{x:,.{digits}f}"


def fmt_ratio(x):
    return "unavailable" if x is None else f"{x * 100:.1f} %"


def plot(script, out_png):
    if shutil.which("gnuplot") is None:
        return False
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
    return os.path.exists(out_png)


def try_plot(script, png, title, pngs):
    try:
        if plot(script, png):
            pngs.append((title, png))
    except subprocess.CalledProcessError as e:
        print(f"summarize: gnuplot failed: {e}", file=sys.stderr)


def read_curve(path):
    """Rows of a cbbench curve, without the last (partial) second."""
    rows = list(csv.DictReader(open(path)))
    return rows[:-1] if len(rows) > 1 else rows


def curve_ratio(row):
    v = row.get("hit_ratio", "")
    try:
        return float(v)
    except ValueError:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--command", default="")
    ap.add_argument("--cbcache-note", default="")
    ap.add_argument("--miss-mix", default="uncached=100")
    ap.add_argument("--write-mix", default="write=100")
    ap.add_argument("--warmup-curve", action="append", default=[],
                    help="DELAY=CSV: the warm-up curve of the cbcache target at that backend delay")
    ap.add_argument("--curve", default=None, help="(old form) the warm-up curve at the first delay")
    ap.add_argument("--profile", default=None, help="the profile text file of bench/profile.sh")
    args = ap.parse_args()

    groups = load(args.records)
    if not groups:
        print("summarize: no records", file=sys.stderr)
        return 1
    targets = [t for t in TABLE_TARGETS if any(k[0] == t for k in groups)]
    delays = sorted({k[1] for k in groups if k[1] != "-"}, key=float)
    threads = sorted({k[2] for k in groups})
    modes = sorted({k[3] for k in groups if k[0] != "limit"})
    base = os.path.splitext(args.out)[0]
    errors = sum(r["errors"] for rs in groups.values() for r in rs)
    curves = {}
    for spec in args.warmup_curve:
        d, _, path = spec.partition("=")
        if os.path.exists(path):
            curves[d] = path
    if args.curve and delays and os.path.exists(args.curve):
        curves.setdefault(delays[0], args.curve)

    def get(tg, d, t, m):
        return groups.get((tg, "-", t, "prepared") if tg == "limit" else (tg, d, t, m))

    lines = []
    w = lines.append
    w(f"# cbcache benchmark, {os.path.basename(base)}")
    w("")
    w("Produced by `bench/run.sh`; command:")
    w("")
    w(f"    {args.command}")
    w("")
    rounds = max(len(rs) for rs in groups.values())
    w(f"Medians over {rounds} interleaved rounds. Statements with errors: {errors}.")
    cb = [r for k, rs in groups.items() if k[0] == "cbcache" for r in rs]
    if cb:
        hr = med_hit_ratio(cb)
        hr_text = (f"hit ratio {fmt_ratio(hr)} (median over the cbcache runs; queries_cache_hits over hits, "
                   "misses and backend queries in cbcached's SHOW STATS)" if hr is not None
                   else f"hit ratio unavailable ({unavailable_note(cb).removeprefix('unavailable: ')})")
        w(f"cbcache target: {args.cbcache_note}; {hr_text}.")
    else:
        w(f"cbcache target: {args.cbcache_note}.")
    rss = [r["peak_rss_kib"] for k, rs in groups.items() if k[0].startswith("cbcache") for r in rs
           if r["peak_rss_kib"] > 0]
    if rss:
        w(f"cbcached peak RSS: {max(rss):,} KiB.")
    w("")

    # ---- the targets, measured -----------------------------------
    def ratios(num, den, d, t, key):
        """(mode, median of key for num / that for den), each mode where both ran at delay d with t threads."""
        for m in modes:
            a, b = get(num, d, t, m), get(den, d, t, m)
            if a and b:
                yield m, med(a, key) / med(b, key)

    maxt = threads[-1]
    tline = []
    if "cbcache" in targets and "direct" in targets:
        for d, goal in (("0", 3.0), ("1", 20.0)):
            if d not in delays:
                continue
            for m, x in ratios("cbcache", "direct", d, maxt, "qps"):
                tline.append(f"| warm throughput cbcache/direct, {d} ms, {maxt} threads, {m} | >= {goal:g}x "
                             f"| {x:.2f}x | {'met' if x >= goal else 'not met'} |")
    if "cbcache" in targets and "limit" in targets and delays:
        d, t = delays[0], threads[0]
        for m, x in ratios("cbcache", "limit", d, t, "p50_us"):
            tline.append(f"| p50 cbcache/in-process SQLite, {d} ms, {t} thread(s), {m} | <= 4x | {x:.2f}x "
                         f"| {'met' if x <= 4 else 'not met'} |")
    # issue 16 (hits in the application's process), on one thread without backend delay: the lookup (Q1) mix
    one = next((t for t in threads if str(t) == "1"), None)
    zero = next((d for d in delays if str(d) == "0"), None)
    if "cbcache" in targets and "direct" in targets and zero is not None and one is not None:
        for m, x in ratios("cbcache", "direct", zero, one, "qps"):
            goal = 5.0 if m == "prepared" else 8.0
            tline.append(f"| in-process throughput cbcache/direct (psqlODBC), 0 ms, 1 thread, {m} | >= {goal:g}x "
                         f"| {x:.2f}x | {'met' if x >= goal else 'not met'} |")
        for m, x in ratios("cbcache", "cbcache-wire", zero, one, "qps"):
            tline.append(f"| in-process throughput cbcache/cbcache-wire (InProcess=0), 0 ms, 1 thread, {m} | "
                         f"(the hop saved) | {x:.2f}x | |")
        for m, x in ratios("cbcache", "limit", zero, one, "p50_us"):
            tline.append(f"| in-process p50 cbcache/in-process SQLite, 0 ms, 1 thread, {m} | <= 1.5x | {x:.2f}x "
                         f"| {'met' if x <= 1.5 else 'not met'} |")
    for d in delays[:1]:
        for m, r in ratios("direct-miss", "cbcache-miss", d, maxt, "qps"):
            x = r - 1
            tline.append(f"| miss overhead (direct/cbcache throughput - 1), {d} ms, {maxt} threads, {m} | "
                         f"<= 5 % | {x * 100:.1f} % | {'met' if x <= 0.05 else 'not met'} |")
        for m, r in ratios("direct-miss", "cbcache-relay-miss", d, maxt, "qps"):
            tline.append(f"| miss overhead through cbcached (Direct=0), {d} ms, {maxt} threads, {m} | "
                         f"(before) | {(r - 1) * 100:.1f} % | |")
    if tline:
        w("## Targets of the benchmark issue")
        w("")
        w("Reported as measured, met or not.")
        w("")
        w("| what | target | measured | |")
        w("|---|---|---|---|")
        lines.extend(tline)
        w("")

    for d in delays:
        w(f"## Backend delay {d} ms each way")
        w("")
        header = "| threads | mode | " + " | ".join(f"{t} q/s | {t} p50 µs | {t} p99 µs" for t in targets)
        if "cbcache" in targets:
            header += " | cbcache hit ratio"
        w(header + " |")
        w("|" + "---|" * (2 + 3 * len(targets) + ("cbcache" in targets)))
        for t in threads:
            for m in modes:
                row = [str(t), m]
                for tg in targets:
                    rs = get(tg, d, t, m)
                    if rs:
                        row += [fmt(med(rs, "qps")), fmt(med(rs, "p50_us"), 1), fmt(med(rs, "p99_us"), 1)]
                    else:
                        row += ["–", "–", "–"]
                if "cbcache" in targets:
                    rs = get("cbcache", d, t, m)
                    row.append(fmt_ratio(med_hit_ratio(rs)) if rs else "–")
                w("| " + " | ".join(row) + " |")
        w("")
        if "cbcache" in targets:
            w("Ratios (throughput, cbcache divided by the other; p50 latency, cbcache divided by the in-process "
              "limit):")
            w("")
            w("| threads | mode | cbcache/direct | cbcache/pgpool | p50 cbcache/limit | cbcache hit ratio |")
            w("|---|---|---|---|---|---|")
            for t in threads:
                for m in modes:
                    c = get("cbcache", d, t, m)
                    if not c:
                        continue
                    cells = []
                    for tg in ("direct", "pgpool"):
                        o = get(tg, d, t, m)
                        cells.append(f"{med(c, 'qps') / med(o, 'qps'):.2f}" if o else "–")
                    ll = get("limit", d, t, m)
                    cells.append(f"{med(c, 'p50_us') / med(ll, 'p50_us'):.2f}" if ll else "–")
                    cells.append(fmt_ratio(med_hit_ratio(c)))
                    w(f"| {t} | {m} | " + " | ".join(cells) + " |")
            w("")
        else:
            w("Ratios against cbcache are left out: the cbcache target was not measured.")
            w("")
        def against_direct(kind, title, hit_ratio):
            """One row per cbcache way (Direct, Direct=0) of the `kind` runs, against direct-`kind`."""
            runs = [(t, m) for t in threads for m in modes
                    if get("direct-" + kind, d, t, m) and get("cbcache-" + kind, d, t, m)]
            if not runs:
                return
            w(title)
            w("")
            w("| threads | mode | direct q/s | cbcache q/s | direct p50 µs | cbcache p50 µs | throughput overhead "
              "| p50 overhead |" + (" cbcache hit ratio |" if hit_ratio else ""))
            w("|---|---|---|---|---|---|---|---|" + ("---|" if hit_ratio else ""))
            for t, m in runs:
                dd = get("direct-" + kind, d, t, m)
                for name, tgt in (("cbcache", "cbcache-" + kind), ("cbcache Direct=0", "cbcache-relay-" + kind)):
                    c = get(tgt, d, t, m)
                    if not c:
                        continue
                    ov = med(dd, "qps") / med(c, "qps") - 1
                    lo = med(c, "p50_us") / med(dd, "p50_us") - 1
                    w(f"| {t} | {m} {name} | {fmt(med(dd, 'qps'))} | {fmt(med(c, 'qps'))} "
                      f"| {fmt(med(dd, 'p50_us'), 1)} | {fmt(med(c, 'p50_us'), 1)} | {ov * 100:+.1f} % "
                      f"| {lo * 100:+.1f} % |" + (f" {fmt_ratio(med_hit_ratio(c))} |" if hit_ratio else ""))
            w("")

        against_direct("miss", f"Miss overhead: mix `{args.miss_mix}` (statements the cache cannot answer), "
                       "cbcache against direct:", True)
        against_direct("write", f"Writers: mix `{args.write_mix}` (each statement its own commit), cbcache against "
                       "direct; a commit returns once the change stream applied it (read-your-writes in every "
                       "process):", False)

    # ---- warm-up curves ---------------------------------------------------
    for d in sorted(curves, key=float):
        rows = read_curve(curves[d])
        w(f"## Warm-up from a cold cache, backend delay {d} ms")
        w("")
        w("Per second of the warm-up run (cbcached's fills load the cache while the clients run):")
        w("")
        w("| second | q/s | mean µs | hit ratio |")
        w("|---|---|---|---|")
        for r in rows:
            w(f"| {r['second']} | {fmt(float(r['statements']))} | {fmt(float(r['mean_us']), 1)} "
              f"| {fmt_ratio(curve_ratio(r))} |")
        w("")

    # ---- plots --------------------------------------------------------------
    pngs = []
    for d in delays:
        png = f"{base}-throughput-{d}ms.png"
        data = f"{base}-throughput-{d}ms.dat"
        with open(data, "w") as f:
            f.write("threads " + " ".join(targets) + "\n")
            for t in threads:
                vals = []
                for tg in targets:
                    rs = get(tg, d, t, "prepared")
                    vals.append(str(med(rs, "qps")) if rs else "NaN")
                f.write(f"{t} " + " ".join(vals) + "\n")
        cols = ", ".join(f"'{data}' using 1:{i + 2} with linespoints title '{tg}'" for i, tg in enumerate(targets))
        script = (f"set terminal png size 800,500\nset output '{png}'\n"
                  f"set title 'Throughput vs client threads (prepared, backend delay {d} ms)'\n"
                  f"set xlabel 'client threads'\nset ylabel 'statements per second'\nset logscale y\n"
                  f"set key left top\nplot {cols}\n")
        try_plot(script, png, f"Throughput, backend delay {d} ms", pngs)
    if delays:
        d = delays[0]
        t = threads[-1]
        png = f"{base}-latency.png"
        data = f"{base}-latency.dat"
        with open(data, "w") as f:
            for tg in targets:
                rs = get(tg, d, t, "prepared")
                if rs:
                    f.write(f"{tg} {med(rs, 'p50_us')} {med(rs, 'p95_us')} {med(rs, 'p99_us')}\n")
        script = (f"set terminal png size 800,500\nset output '{png}'\n"
                  f"set title 'Latency percentiles ({t} threads, prepared, delay {d} ms)'\n"
                  f"set style data histograms\nset style fill solid\nset ylabel 'microseconds'\nset logscale y\n"
                  f"plot '{data}' using 2:xtic(1) title 'p50', '' using 3 title 'p95', '' using 4 title 'p99'\n")
        try_plot(script, png, "Latency percentiles", pngs)
    for d in sorted(curves, key=float):
        rows = read_curve(curves[d])
        png = f"{base}-warmup-{d}ms.png"
        data = f"{base}-warmup-{d}ms.dat"
        with open(data, "w") as f:
            for r in rows:
                hr = curve_ratio(r)
                f.write(f"{r['second']} {r['statements']} {'NaN' if hr is None else hr * 100}\n")
        has_ratio = any(curve_ratio(r) is not None for r in rows)
        script = (f"set terminal png size 800,500\nset output '{png}'\n"
                  f"set title 'Warm-up from a cold cache (cbcache, backend delay {d} ms)'\n"
                  f"set xlabel 'second'\nset ylabel 'statements per second'\nset yrange [0:*]\n"
                  f"set key left top\n")
        plot_cmd = f"plot '{data}' using 1:2 with linespoints title 'throughput'"
        if has_ratio:
            script += "set y2label 'hit ratio (%)'\nset y2range [0:100]\nset y2tics\nset ytics nomirror\n"
            plot_cmd += f", '' using 1:3 axes x1y2 with linespoints title 'hit ratio'"
        else:
            script += "set label 1 'hit ratio unavailable (cbcached does not count hits)' at graph 0.4, 0.1\n"
        try_plot(script + plot_cmd + "\n", png, f"Warm-up curve, backend delay {d} ms", pngs)
    if pngs:
        w("## Plots")
        w("")
        for title, png in pngs:
            w(f"![{title}]({os.path.basename(png)})")
            w("")

    # ---- profile ------------------------------------------------------------
    if args.profile and os.path.exists(args.profile):
        w("## Where cbcached spends its time")
        w("")
        w(f"From `bench/profile.sh` (full text: [{os.path.basename(args.profile)}]"
          f"({os.path.basename(args.profile)})); the top of the self-time table:")
        w("")
        w("```")
        body = [ln.rstrip() for ln in open(args.profile)]
        shown = 0
        for ln in body:
            if ln.startswith("## ") and shown:
                break
            if ln.startswith("#") and not ln.startswith("## "):
                w(ln)
                continue
            if ln and not ln.startswith("## "):
                w(ln)
                shown += 1
                if shown >= 20:
                    break
        w("```")
        w("")
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
