#!/usr/bin/env bash
# unixODBC's isql in batch mode through our driver: query results equal
# psql's for the same queries, errors carry the server's SQLSTATE, a bad
# DSN fails with 08001.  Runs inside tests/harness/with-pg.sh.
set -uo pipefail

fail() {
	echo "test_odbc_isql: FAIL: $*" >&2
	exit 1
}

. "$top_srcdir/tests/odbc/odbc-env.sh"
cb_odbc_env odbc-isql || fail "odbcini-gen.sh failed"
psql=(${PSQL:-psql} -X -q -A -t -F '|')

queries=(
	"SELECT id, nname, vname, wohnort FROM regisseur ORDER BY id LIMIT 40"
	"SELECT f.id, f.titel, f.budget, f.bewertung, f.erschienen FROM film f WHERE f.regie = 3 ORDER BY f.id"
	"SELECT o.plz, o.name, count(f.id) FROM ort o LEFT JOIN film f ON f.ort = o.plz GROUP BY o.plz, o.name ORDER BY o.plz"
	"SELECT count(*), sum(laenge_min), max(titel) FROM film"
)
for q in "${queries[@]}"; do
	want="$("${psql[@]}" -c "$q")" || fail "psql failed for: $q"
	got="$(printf '%s\n' "$q" | "${CB_ODBC_RUN[@]}" isql -b -d'|' cbtest)" || fail "isql failed for: $q"
	[ -n "$want" ] || fail "psql returned nothing for: $q"
	if [ "$got" != "$want" ]; then
		diff <(echo "$want") <(echo "$got") | head -n 10 >&2
		fail "isql and psql differ for: $q"
	fi
done

# several statements in one batch, one per line
got="$(printf 'SELECT 1\nSELECT name FROM genre WHERE id = 1\n' | "${CB_ODBC_RUN[@]}" isql -b -d'|' cbtest)" || fail "isql batch failed"
want="$(printf '1\n%s' "$("${psql[@]}" -c 'SELECT name FROM genre WHERE id = 1')")"
[ "$got" = "$want" ] || fail "batch output: expected '$want', got '$got'"

# an error: isql shows the backend's SQLSTATE and message (its exit
# status stays 0 in batch mode)
out="$(echo 'SELECT * FROM no_such_table' | "${CB_ODBC_RUN[@]}" isql -b -v cbtest 2>&1)"
grep -q '42P01' <<<"$out" || fail "no 42P01 in: $out"
grep -q 'no_such_table' <<<"$out" || fail "no table name in: $out"

# a DSN whose server does not answer
out="$(echo 'SELECT 1' | "${CB_ODBC_RUN[@]}" isql -b -v cbbad 2>&1)" && fail "isql connected to a dead port"
grep -q '08001' <<<"$out" || fail "no 08001 in: $out"

echo "test_odbc_isql: ok (${#queries[@]} queries equal to psql, errors as expected)"
