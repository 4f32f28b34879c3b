#!/usr/bin/env bash
# The differential tester against itself.
#  1. The comparison against made-up results: row order (ordered or as
#     multisets), one byte, NULL vs empty, a row more, type, typmod, column
#     name, table OID, multiplicities (diffgen --check-compare).
#  2. PostgreSQL on both sides, both phases, writes, binary results,
#     parameters, prepared statements, changing settings: every statement
#     it generates is valid and compares equal.
#  3. It catches a target that differs:
#     a. a copy of the database with some titles changed (phase 1 fails);
#     b. an identical copy changed by the wait command between the phases:
#        phase 1 passes, phase 2 fails (the warm run is compared);
#     c. an identical copy that takes the writes while the direct side does
#        not see them: the reads after the writes fail;
#     d. a failing wait command fails the run.
set -uo pipefail
diffgen="$top_builddir/tests/differential/diffgen"
seed="${CB_SEED:-$(((RANDOM << 15) | RANDOM))}"
echo "seed $seed (repeat with CB_SEED=$seed)"
fail() {
	echo "not ok - $*"
	exit 1
}

# 1
"$diffgen" --check-compare || fail "the result comparison misses a difference"

# Step 3 compares copies of the database as loaded with it as loaded:
# step 2's random writes (INT_MAX years among them) must not decide
# whether step 3's changes can run.
psql -X -q -c "CREATE DATABASE movies_pristine TEMPLATE movies" || exit 1
pristine="$CB_PG_CONNINFO dbname=movies_pristine"

# 2
"$diffgen" --target "$CB_PG_CONNINFO" --direct "$CB_PG_CONNINFO" --count 1500 --writes 5 --seed "$seed" \
	--wait-cmd true || fail "PostgreSQL against itself differs or a generated statement is invalid (seed $seed)"

# 3a: some titles changed in the target's database
psql -X -q -c "CREATE DATABASE movies_changed TEMPLATE movies_pristine" || exit 1
psql -X -q -d movies_changed -c "UPDATE film SET titel = titel || '!' WHERE regie = 1" || exit 1
out="$("$diffgen" --target "$CB_PG_CONNINFO dbname=movies_changed" --direct "$pristine" --count 400 --seed 7)"
st=$?
echo "$out" | tail -3
if [ "$st" -eq 0 ] || ! grep -q "^FAIL phase 1" <<<"$out"; then
	fail "the differential tester did not notice a differing target"
fi
echo "ok - a differing target is caught"

# 3b: the target's copy changes between the phases
psql -X -q -c "CREATE DATABASE movies_later TEMPLATE movies_pristine" || exit 1
out="$("$diffgen" --target "$CB_PG_CONNINFO dbname=movies_later" --direct "$pristine" --count 400 --seed 8 \
	--wait-cmd "psql -X -q -d movies_later -c \"UPDATE film SET titel = titel || '+' WHERE regie <= 3\"")"
st=$?
echo "$out" | tail -4
grep -q "^diffgen: phase 1 (cold): 400 statements, 0 failed" <<<"$out" || fail "phase 1 on an identical copy failed"
if [ "$st" -eq 0 ] || ! grep -q "^FAIL phase 2" <<<"$out"; then
	fail "a target that differs only in the warm phase was not caught"
fi
echo "ok - a difference in the warm phase is caught"

# 3c: writes the direct side does not see
psql -X -q -c "CREATE DATABASE movies_writes TEMPLATE movies_pristine" || exit 1
out="$("$diffgen" --target "$CB_PG_CONNINFO dbname=movies_writes" --direct "$pristine" --count 200 --seed 9 \
	--writes 20)"
st=$?
echo "$out" | tail -3
if [ "$st" -eq 0 ] || ! grep -q "^FAIL read after write" <<<"$out"; then
	fail "writes that the reads do not show were not caught"
fi
echo "ok - a write the reads after it do not show is caught"

# 3d: the wait command fails
out="$("$diffgen" --target "$CB_PG_CONNINFO" --direct "$CB_PG_CONNINFO" --count 50 --seed 10 --wait-cmd false)"
st=$?
if [ "$st" -eq 0 ] || ! grep -q "^FAIL: the wait command" <<<"$out"; then
	fail "a failing wait command did not fail the run"
fi
echo "ok - a failing wait command fails the run"
