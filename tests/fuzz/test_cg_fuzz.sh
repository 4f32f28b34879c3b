#!/usr/bin/env bash
# A short, bounded libFuzzer run of the cache group parser over the seed
# corpus (tests/fuzz/corpus).  New inputs go to a temporary directory, so
# the source tree stays untouched.  Fails on any crash, leak or sanitizer
# report (libFuzzer exits non-zero and leaves a crash-* file).
# shellcheck disable=SC2154 # fuzzer and work: set by need_built and scratch_dir
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/harness/standalone.sh"
need_built fuzzer tests/fuzz/fuzz_cg_parse \
	"configure did not find clang; install the Debian package clang (scripts/install-deps.sh does), then run configure again"
scratch_dir work
mkdir "$work/corpus"
# shellcheck disable=SC2046 # fuzz_bounds: several words
run_fuzzer "$fuzzer" "$work" 5 $(fuzz_bounds 20000 30) -max_len=2048 "$work/corpus" "$srcdir/tests/fuzz/corpus"
