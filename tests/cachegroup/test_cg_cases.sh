#!/usr/bin/env bash
# Data-driven tests of the cache group parser and analysis.
#
# Every tests/cachegroup/NAME.cg is a case; NAME.err beside it holds the
# exact error output `cbcache-cg parse NAME.cg` must print (file:line:col,
# message and hint); an empty NAME.err means the file is valid (exit 0).
# Adding a case is adding these two files.  The examples under examples/
# are checked too: examples/cachegroups/*-rejected.cg must be rejected,
# every other example must be valid.
# shellcheck disable=SC2154 # tool and out: set by need_built and scratch_dir
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/harness/standalone.sh"
need_built tool src/cbcache-cg
cases="$srcdir/tests/cachegroup"
scratch_dir out

fail=0
count=0
for cg in "$cases"/*.cg; do
	name="$(basename "$cg" .cg)"
	count=$((count + 1))
	if [ ! -f "$cases/$name.err" ]; then
		echo "FAIL $name: no $name.err beside $name.cg (write the expected errors, or an empty file for a valid case)"
		fail=1
		continue
	fi
	(cd "$cases" && "$tool" parse "$name.cg") >"$out/stdout" 2>"$out/stderr"
	rc=$?
	if [ -s "$cases/$name.err" ]; then want_rc=1; else want_rc=0; fi
	if [ "$rc" != "$want_rc" ]; then
		echo "FAIL $name: exit status $rc, expected $want_rc"
		cat "$out/stderr"
		fail=1
	elif ! diff -u "$cases/$name.err" "$out/stderr" >"$out/diff"; then
		echo "FAIL $name: errors differ from $name.err:"
		cat "$out/diff"
		fail=1
	else
		echo "ok   $name"
	fi
done
[ "$count" -ge 10 ] || { echo "FAIL: only $count cases found in $cases"; fail=1; }

for cg in "$srcdir"/examples/*/*.cg; do
	(cd "$(dirname "$cg")" && "$tool" parse "$(basename "$cg")") >"$out/stdout" 2>"$out/stderr"
	rc=$?
	case "$cg" in
	*-rejected.cg) want_rc=1 ;;
	*) want_rc=0 ;;
	esac
	if [ "$rc" != "$want_rc" ]; then
		echo "FAIL example $cg: exit status $rc, expected $want_rc"
		cat "$out/stderr"
		fail=1
	else
		echo "ok   example $(basename "$cg")"
	fi
done
exit $fail
