#!/usr/bin/env bash
# A short, bounded libFuzzer run of the pgoutput decoder (cache/pgoutput.c)
# from seeds written here: a transaction with a Relation, Insert, Update,
# Delete, Truncate and a logical Message, and XLogData and keepalive
# frames (tests/fuzz/fuzz_pgoutput.c says the input format: 2-byte lengths
# and messages).  Fails on any crash, leak or sanitizer report.
# shellcheck disable=SC2154 # fuzzer and work: set by need_built and scratch_dir
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/harness/standalone.sh"
need_built fuzzer tests/fuzz/fuzz_pgoutput \
	"configure did not find clang; install the Debian package clang (scripts/install-deps.sh does), then run configure again"
scratch_dir work
mkdir "$work/corpus" "$work/seeds"
cd "$work" || exit 1

# pieces (bash printf writes \x00 as a NUL byte)
rel='R\x00\x00\x40\x00public\x00film\x00d\x00\x02\x01id\x00\x00\x00\x00\x17\xff\xff\xff\xff\x00t\x00\x00\x00\x00\x19\xff\xff\xff\xff'
ins='I\x00\x00\x40\x00N\x00\x02t\x00\x00\x00\x017n'
upd='U\x00\x00\x40\x00K\x00\x02t\x00\x00\x00\x016nN\x00\x02t\x00\x00\x00\x017u'
del='D\x00\x00\x40\x00O\x00\x02t\x00\x00\x00\x017n'
trn='T\x00\x00\x00\x01\x03\x00\x00\x40\x00'
msg='M\x01\x00\x00\x00\x00\x01\x00\x00\x00cbcache\x00\x00\x00\x00\x01x'
beg='B\x00\x00\x00\x00\x01\x00\x00\x28\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x01\x00'
com='C\x00\x00\x00\x00\x00\x01\x00\x00\x28\x00\x00\x00\x00\x01\x00\x00\x50\x00\x00\x00\x00\x00\x00\x00\x01'
typ='Y\x00\x00\x40\x10public\x00mood\x00'
ori='O\x00\x00\x00\x00\x00\x00\x00\x07node\x00'
hdr='\x00\x00\x00\x00\x01\x00\x00\x28\x00\x00\x00\x00\x01\x00\x00\x50\x00\x00\x00\x00\x00\x00\x00\x05'
kal='k\x00\x00\x00\x00\x01\x00\x00\x50\x00\x00\x00\x00\x00\x00\x00\x05\x01'
# one framed message: 2-byte length, then the bytes
frame() {
	local bytes
	bytes="$(printf "$1" | od -An -tx1 | tr -d ' \n')"
	local n=$((${#bytes} / 2))
	printf "\\x$(printf %02x $((n >> 8)))\\x$(printf %02x $((n & 255)))"
	printf "$1"
}
{ frame "$beg"; frame "$typ"; frame "$rel"; frame "$ins"; frame "$upd"; frame "$del"; frame "$msg"; frame "$com"; } >"$work/seeds/txn"
{ frame "$rel"; frame "$trn"; frame "$ori"; } >"$work/seeds/truncate"
{ frame "w$hdr$rel"; frame "w$hdr$ins"; frame "$kal"; } >"$work/seeds/framed"

# shellcheck disable=SC2046 # fuzz_bounds: several words
run_fuzzer "$fuzzer" "$work" 3 $(fuzz_bounds 200000 30) -max_len=1024 "$work/corpus" "$work/seeds"
