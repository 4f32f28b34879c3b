#!/usr/bin/env bash
# PHP PDO_ODBC (Debian php-cli, php-odbc) renders a page through our
# driver (tests/odbc/odbc_page.php); the page must equal the one built
# from psql's answers.  Runs inside tests/harness/with-pg.sh.
set -uo pipefail

fail() {
	echo "test_odbc_php: FAIL: $*" >&2
	exit 1
}

command -v php >/dev/null || fail "php not found: install the Debian packages php-cli and php-odbc (scripts/install-deps.sh)"
mods="$(php -m)" || fail "php -m failed"
grep -qi '^pdo_odbc$' <<<"$mods" || fail "PDO_ODBC missing: install the Debian package php-odbc"
. "$top_srcdir/tests/odbc/odbc-env.sh"
cb_odbc_env odbc-php || fail "odbcini-gen.sh failed"
psql=(${PSQL:-psql} -X -q -A -t)

# the director with the most films, so the list is long
id="$("${psql[@]}" -c "SELECT regie FROM film GROUP BY regie ORDER BY count(*) DESC, regie LIMIT 1")"
[ -n "$id" ] || fail "no director found"
got="$("${CB_ODBC_RUN[@]}" php "$top_srcdir/tests/odbc/odbc_page.php" cbtest "$id" 2>&1)" || fail "php failed: $got"

# the same page from psql (HTML escaping of & < > \" ' as htmlspecialchars does)
esc() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g' -e "s/'/\&#039;/g"; }
want="$(
	echo "<h1>$("${psql[@]}" -c "SELECT trim(coalesce(vname, '') || ' ' || nname) FROM regisseur WHERE id = $id" | esc)</h1>"
	echo "<ul>"
	"${psql[@]}" -F $'\t' -c "SELECT f.titel, coalesce(f.jahr::text, ''), coalesce(o.name, '') FROM film f
		LEFT JOIN ort o ON o.plz = f.ort WHERE f.regie = $id ORDER BY f.id" |
		while IFS=$'\t' read -r titel jahr ort; do
			printf '<li>%s (%s) %s</li>\n' "$(esc <<<"$titel")" "$jahr" "$(esc <<<"$ort")"
		done
	echo "</ul>"
	echo "rolled back: 0"
	echo "error: 42P01"
)"
if [ "$got" != "$want" ]; then
	diff <(echo "$want") <(echo "$got") | head -n 20 >&2
	fail "the PHP page differs from psql's answers"
fi
lines="$(grep -c '<li>' <<<"$got")"
[ "$lines" -gt 1 ] || fail "the page lists $lines films"
echo "test_odbc_php: ok (page with $lines films equals psql's answers)"
