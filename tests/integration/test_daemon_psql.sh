#!/usr/bin/env bash
# psql through cbcached gives exactly what it gives directly: simple
# queries, errors with their SQLSTATE and fields, several statements in one
# message, COPY in and out, a rolled-back transaction, LISTEN/NOTIFY.
set -uo pipefail
. "$top_srcdir/tests/integration/daemon-lib.sh"

cbd_start

script="$CBD_DIR/script.sql"
cat >"$script" <<'SQL'
\set VERBOSITY verbose
SELECT count(*) AS films FROM film;
SELECT f.titel, r.name FROM film f JOIN regisseur r ON r.id = f.regisseur_id ORDER BY f.id LIMIT 5;
SELECT 1/0;
SELECT * FROM no_such_table;
SELECT 1 AS a \; SELECT 'two' AS b \; SELECT 3.5::numeric AS c;
CREATE TEMP TABLE t (id int PRIMARY KEY, txt text);
COPY t FROM STDIN;
1	one
2	two
3	three
\.
COPY t TO STDOUT;
BEGIN;
INSERT INTO t VALUES (4, 'four');
SELECT count(*) AS in_txn FROM t;
ROLLBACK;
SELECT count(*) AS after_rollback FROM t;
INSERT INTO t VALUES (1, 'dup');
DO $$ BEGIN RAISE NOTICE 'a notice with %', 42; END $$;
SET application_name = 'cbtest';
SHOW application_name;
LISTEN chan;
NOTIFY chan, 'payload';
SELECT 'after notify' AS x;
SQL

# The notification names the backend's PID, which differs between runs.
mask() { sed -e 's/server process with PID [0-9]*/server process with PID N/' -e 's/^\(LOCATION: *\).*/\1L/'; }

direct_psql -f "$script" >"$CBD_DIR/direct.out" 2>&1
cbd_psql -f "$script" >"$CBD_DIR/proxy.out" 2>&1
mask <"$CBD_DIR/direct.out" >"$CBD_DIR/direct.masked"
mask <"$CBD_DIR/proxy.out" >"$CBD_DIR/proxy.masked"
if ! diff -u "$CBD_DIR/direct.masked" "$CBD_DIR/proxy.masked"; then
	fail "psql output through cbcached differs from the direct output (above)"
fi

# The direct run must itself contain what the test is about.
for want in "ERROR:  22012: division by zero" "ERROR:  42P01: relation \"no_such_table\" does not exist" \
	"ERROR:  23505: duplicate key value" "NOTICE:  00000: a notice with 42" "2	two" "payload" "cbtest"; do
	grep -qF "$want" "$CBD_DIR/proxy.out" || fail "expected \"$want\" in the output through cbcached"
done
grep -q "^ *3$" <<<"$(grep -A2 "after_rollback" "$CBD_DIR/proxy.out")" || fail "the rolled-back insert is visible"
grep -q "^ *4$" <<<"$(grep -A2 "in_txn" "$CBD_DIR/proxy.out")" || fail "the insert inside the transaction is not visible"

# The server's error message with ON_ERROR_STOP: the exit status reaches the client.
if cbd_psql -v ON_ERROR_STOP=1 -c "SELECT 1/0" >/dev/null 2>&1; then
	fail "an error through cbcached did not fail psql"
fi

# Stats saw the statements.
stmts="$("$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" --json SHOW STATS | python3 -c 'import json,sys; d=json.load(sys.stdin); print({r["name"]: int(r["value"]) for r in d["rows"]}["statements"])')"
[ "$stmts" -ge 20 ] || fail "SHOW STATS counted $stmts statements, expected at least 20"

cbd_stop
echo "ok: psql through cbcached matches direct"
