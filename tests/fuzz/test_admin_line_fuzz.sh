#!/usr/bin/env bash
# A short, bounded libFuzzer run of the admin socket's line parser (src/admparse.c)
# over its seed corpus (tests/fuzz/corpus-admin); tests/fuzz/fuzz_admin_line.c
# says what it asserts.  New inputs go to a temporary directory, so the
# source tree stays untouched.  Fails on any crash, failed property, leak
# or sanitizer report.  FUZZ_SECONDS (make fuzz) runs it longer.
# shellcheck disable=SC2154 # fuzzer and work: set by need_built and scratch_dir
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/harness/standalone.sh"
need_built fuzzer tests/fuzz/fuzz_admin_line \
	"configure did not find clang; install the Debian package clang (scripts/install-deps.sh does), then run configure again"
scratch_dir work
mkdir "$work/corpus"
# shellcheck disable=SC2046 # fuzz_bounds: several words
run_fuzzer "$fuzzer" "$work" 5 $(fuzz_bounds 1000000 25) -max_len=8192 "$work/corpus" "$srcdir/tests/fuzz/corpus-admin"
