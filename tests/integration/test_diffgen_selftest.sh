#!/usr/bin/env bash
# The differential tester against itself (PostgreSQL on both sides): every
# statement it generates is valid, and runs with writes, binary results,
# parameters and changing TimeZone/DateStyle compare equal.  A broken
# comparison (a target that differs) must be caught: the second run points
# the target at a database whose rows differ.
set -uo pipefail
diffgen="$top_builddir/tests/differential/diffgen"
"$diffgen" --target "$CB_PG_CONNINFO" --direct "$CB_PG_CONNINFO" --count 3000 --writes 3 --seed "${CB_SEED:-$RANDOM}" || exit 1

# a target that differs: a copy of the database with one film changed
psql -X -q -c "CREATE DATABASE movies_changed TEMPLATE movies" || exit 1
psql -X -q -d movies_changed -c "UPDATE film SET titel = titel || '!' WHERE regie = 1" || exit 1
out="$("$diffgen" --target "$CB_PG_CONNINFO dbname=movies_changed" --direct "$CB_PG_CONNINFO" --count 400 --seed 7)"
st=$?
echo "$out" | tail -3
if [ "$st" -eq 0 ] || ! echo "$out" | grep -q "^FAIL"; then
	echo "not ok - the differential tester did not notice a differing target"
	exit 1
fi
echo "ok - a differing target is caught"
