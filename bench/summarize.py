#!/usr/bin/python3
"""Summarize bench/run.sh records into a Markdown report with plots.

Each record is one cbbench/sqlite-limit JSON line whose label is
"target|delay_ms|threads|mode".  Rounds of the same configuration are
reduced to their median.  Plots are drawn with gnuplot when it is present.
"""
import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys


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


def fmt(x, digits=0):
    return f"{x:,.{digits}f}"


def plot(script, out_png):
    if shutil.which("gnuplot") is None:
        return False
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
    return os.path.exists(out_png)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--command", default="")
    ap.add_argument("--cbcache-note", default="")
    ap.add_argument("--curve", default=None, help="warm-up curve CSV of the cbcache target")
    args = ap.parse_args()

    groups = load(args.records)
    if not groups:
        print("summarize: no records", file=sys.stderr)
        return 1
    targets = [t for t in ("direct", "pgpool", "cbcache", "limit") if any(k[0] == t for k in groups)]
    delays = sorted({k[1] for k in groups if k[1] != "-"}, key=float)
    threads = sorted({k[2] for k in groups})
    modes = sorted({k[3] for k in groups if k[0] != "limit"})
    base = os.path.splitext(args.out)[0]
    errors = sum(r["errors"] for rs in groups.values() for r in rs)

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
    w(f"cbcache target: {args.cbcache_note}.")
    rss = [r["peak_rss_kib"] for k, rs in groups.items() if k[0] == "cbcache" for r in rs if r["peak_rss_kib"] > 0]
    if rss:
        w(f"cbcached peak RSS: {max(rss):,} KiB.")
    w("")
    for d in delays:
        w(f"## Backend delay {d} ms each way")
        w("")
        header = "| threads | mode | " + " | ".join(f"{t} q/s | {t} p50 µs | {t} p99 µs" for t in targets) + " |"
        w(header)
        w("|" + "---|" * (2 + 3 * len(targets)))
        for t in threads:
            for m in modes:
                row = [str(t), m]
                for tg in targets:
                    key = (tg, "-", t, "prepared") if tg == "limit" else (tg, d, t, m)
                    rs = groups.get(key)
                    if rs:
                        row += [fmt(med(rs, "qps")), fmt(med(rs, "p50_us"), 1), fmt(med(rs, "p99_us"), 1)]
                    else:
                        row += ["–", "–", "–"]
                w("| " + " | ".join(row) + " |")
        w("")
        if "cbcache" in targets:
            w("Ratios (throughput, cbcache divided by the other):")
            w("")
            w("| threads | mode | cbcache/direct | cbcache/pgpool | p50 cbcache/limit |")
            w("|---|---|---|---|---|")
            for t in threads:
                for m in modes:
                    c = groups.get(("cbcache", d, t, m))
                    dd = groups.get(("direct", d, t, m))
                    pp = groups.get(("pgpool", d, t, m))
                    ll = groups.get(("limit", "-", t, "prepared"))
                    if c and dd and pp and ll:
                        w(f"| {t} | {m} | {med(c, 'qps') / med(dd, 'qps'):.2f} | {med(c, 'qps') / med(pp, 'qps'):.2f} "
                          f"| {med(c, 'p50_us') / med(ll, 'p50_us'):.2f} |")
            w("")
        else:
            w("Ratios against cbcache are left out: the cbcache target was not measured.")
            w("")

    # plots
    pngs = []
    for d in delays:
        png = f"{base}-throughput-{d}ms.png"
        data = f"{base}-throughput-{d}ms.dat"
        with open(data, "w") as f:
            f.write("threads " + " ".join(targets) + "\n")
            for t in threads:
                vals = []
                for tg in targets:
                    key = (tg, "-", t, "prepared") if tg == "limit" else (tg, d, t, "prepared")
                    rs = groups.get(key)
                    vals.append(str(med(rs, "qps")) if rs else "NaN")
                f.write(f"{t} " + " ".join(vals) + "\n")
        cols = ", ".join(f"'{data}' using 1:{i + 2} with linespoints title '{tg}'" for i, tg in enumerate(targets))
        script = (f"set terminal pngcairo size 800,500\nset output '{png}'\n"
                  f"set title 'Throughput vs client threads (prepared, backend delay {d} ms)'\n"
                  f"set xlabel 'client threads'\nset ylabel 'statements per second'\nset logscale y\n"
                  f"set key left top\nplot {cols}\n")
        try:
            if plot(script.replace("pngcairo", "png"), png):
                pngs.append((f"Throughput, backend delay {d} ms", png))
        except subprocess.CalledProcessError as e:
            print(f"summarize: gnuplot failed: {e}", file=sys.stderr)
    if delays:
        d = delays[0]
        t = threads[-1]
        png = f"{base}-latency.png"
        data = f"{base}-latency.dat"
        with open(data, "w") as f:
            for tg in targets:
                key = (tg, "-", t, "prepared") if tg == "limit" else (tg, d, t, "prepared")
                rs = groups.get(key)
                if rs:
                    f.write(f"{tg} {med(rs, 'p50_us')} {med(rs, 'p95_us')} {med(rs, 'p99_us')}\n")
        script = (f"set terminal png size 800,500\nset output '{png}'\n"
                  f"set title 'Latency percentiles ({t} threads, prepared, delay {d} ms)'\n"
                  f"set style data histograms\nset style fill solid\nset ylabel 'microseconds'\nset logscale y\n"
                  f"plot '{data}' using 2:xtic(1) title 'p50', '' using 3 title 'p95', '' using 4 title 'p99'\n")
        try:
            if plot(script, png):
                pngs.append(("Latency percentiles", png))
        except subprocess.CalledProcessError as e:
            print(f"summarize: gnuplot failed: {e}", file=sys.stderr)
    if args.curve and os.path.exists(args.curve):
        png = f"{base}-warmup.png"
        script = (f"set terminal png size 800,500\nset output '{png}'\nset datafile separator ','\n"
                  f"set title 'Warm-up from a cold cache'\nset xlabel 'second'\nset ylabel 'statements per second'\n"
                  f"plot '{args.curve}' every ::1 using 1:2 with lines title 'cbcache'\n")
        try:
            if plot(script, png):
                pngs.append(("Warm-up curve", png))
        except subprocess.CalledProcessError as e:
            print(f"summarize: gnuplot failed: {e}", file=sys.stderr)
    if pngs:
        w("## Plots")
        w("")
        for title, png in pngs:
            w(f"![{title}]({os.path.basename(png)})")
            w("")
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
