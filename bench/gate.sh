#!/usr/bin/env bash
# gate.sh - the price of the reader gate for a process that answers from
# cbcached's cache file (issue 16): the in-process limit with and without
# the check, side by side in one run.
#
#   bench/gate.sh [--seconds S] [--rounds R] [--threads "1 2"] [--out FILE.md]
#
# Starts a throwaway PostgreSQL with the movie database (tests/harness) and
# runs bench/sqlite-limit (the benchmark mix on a local SQLite copy,
# prepared, every column read as text) twice per round and thread count:
# as it is (each statement in its own autocommit read), and with
# --gate on (load the gate word, BEGIN, read the lease from the meta
# table, the statement, COMMIT: what hit/readergate.h asks of a reader).
# Writes bench/results/<date>-<host>-gate.md (or --out): the median q/s and
# p50 of each and their ratios.  `make bench-gate`.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CB_BUILD_DIR:-$root/build}"

. "$root/bench/lib.sh"
parse_options gate.sh seconds=3 rounds=3 threads="1 2" out= -- "$@"
run_in_pg -gate.md -- "$@"

# ---- inside the throwaway PostgreSQL --------------------------------------
work="$CB_PG_DIR/gate"
mkdir -p "$work"
records="$work/records.jsonl"
: >"$records"
mix=lookup=60,join2=15,join3=15,in=10
for r in $(seq 1 "$rounds"); do
	for t in $threads; do
		for g in off on; do
			flags=()
			[ "$g" = on ] && flags+=(--gate on)
			"$build/bench/sqlite-limit" --pg "$CB_PG_CONNINFO" --db "$work/limit-$g.db" --threads "$t" \
				--seconds "$seconds" --mix "$mix" --label "$g|$t|$r" --json "$records" "${flags[@]}" >&2
		done
	done
done

/usr/bin/python3 - "$records" "$out" "$seconds" "$rounds" "$mix" <<'PY'
import datetime, json, statistics, sys
records, out, seconds, rounds, mix = sys.argv[1:6]
runs = {}
for line in open(records):
    rec = json.loads(line)
    gate, threads, _ = rec["label"].split("|")
    if rec["errors"]:
        sys.exit("gate.sh: run %s had %d errors" % (rec["label"], rec["errors"]))
    runs.setdefault((int(threads), gate), []).append(rec)
L = ["# The reader gate's price: the in-process limit with and without the check",
     "",
     "`bench/gate.sh --seconds %s --rounds %s`, %s; `bench/sqlite-limit --mix %s`, medians of %s "
     "interleaved rounds." % (seconds, rounds, datetime.date.today().isoformat(), mix, rounds),
     "With the gate each statement loads the gate word, then reads the lease from the meta table inside an "
     "explicit read transaction (hit/readergate.h).",
     "",
     "| threads | q/s without | q/s with the gate | ratio | p50 us without | p50 us with | ratio |",
     "|---|---|---|---|---|---|---|"]
for t in sorted({k[0] for k in runs}):
    q0 = statistics.median(r["qps"] for r in runs[(t, "off")])
    q1 = statistics.median(r["qps"] for r in runs[(t, "on")])
    p0 = statistics.median(r["p50_us"] for r in runs[(t, "off")])
    p1 = statistics.median(r["p50_us"] for r in runs[(t, "on")])
    L.append("| %d | %.0f | %.0f | %.2f | %.1f | %.1f | %.2f |" % (t, q0, q1, q1 / q0, p0, p1, p1 / p0))
L += ["", "Every run (label gate|threads|round, q/s, p50 us):", "", "```"]
L += ["%s %.0f %.1f" % (r["label"], r["qps"], r["p50_us"]) for v in runs.values() for r in v]
L += ["```", ""]
open(out, "w").write("\n".join(L))
print("\n".join(L))
PY
