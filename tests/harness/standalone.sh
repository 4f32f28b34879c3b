# shellcheck shell=bash
# standalone.sh - the start of a shell test that runs under make check or
# on its own (sourced, not run): srcdir and builddir are $top_srcdir and
# $top_builddir, or else the source tree this file is in (built in place).
#
#   need_built VAR PROGRAM [WHY]
#                            VAR=$builddir/PROGRAM; fails the test (exit 1)
#                            when PROGRAM is not built, saying WHY
#   scratch_dir VAR          VAR=a new temporary directory, removed at exit
#   fuzz_bounds RUNS SECONDS the libFuzzer bounds of a run under make check
#                            (-runs=RUNS -max_total_time=SECONDS) and a fixed
#                            seed (FUZZ_SEED, default 1), so that a CI run
#                            tries the same inputs on the same code and a
#                            failure can be replayed; with FUZZ_SECONDS set
#                            (make fuzz): that long, no limit on runs, and a
#                            random seed unless FUZZ_SEED is given
#   run_fuzzer FUZZER WORK LINES LIBFUZZER-ARGS...
#                            a bounded libFuzzer run in WORK (its log and any
#                            crash-*, leak-*, timeout-* input there); shows the
#                            log's last LINES lines, and exits 1 with the log
#                            and the inputs when the fuzzer found a problem
srcdir="${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
builddir="${top_builddir:-$srcdir}"

need_built() {
	printf -v "$1" '%s' "$builddir/$2"
	[ -x "$builddir/$2" ] || { echo "FAIL: $builddir/$2 is not built${3:+: $3}"; exit 1; }
}

run_fuzzer() {
	local fuzzer="$1" work="$2" lines="$3" rc
	shift 3
	(cd "$work" && "$fuzzer" -timeout=10 -rss_limit_mb=1024 -artifact_prefix="$work/" "$@") 2>"$work/log"
	rc=$?
	tail -n "$lines" "$work/log"
	[ "$rc" = 0 ] && return 0
	echo "FAIL: the fuzzer found a problem (exit $rc):"
	tail -n 60 "$work/log"
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[ -f "$f" ] && { echo "input $f:"; od -c "$f" | head -20; }
	done
	exit 1
}

scratch_dir() {
	printf -v "$1" '%s' "$(mktemp -d)"
	# shellcheck disable=SC2064 # the variable's name goes in now, its value at exit
	trap "rm -rf \"\$$1\"" EXIT
}

fuzz_bounds() {
	if [ -n "${FUZZ_SECONDS:-}" ]; then
		echo "-runs=-1 -max_total_time=$FUZZ_SECONDS -seed=${FUZZ_SEED:-0}"
	else
		echo "-runs=$1 -max_total_time=$2 -seed=${FUZZ_SEED:-1}"
	fi
}
