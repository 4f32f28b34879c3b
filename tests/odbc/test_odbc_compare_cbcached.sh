#!/usr/bin/env bash
# The ODBC comparison through cbcached: the same queries through our driver
# via cbcached (DSN cbtest pointed at the daemon) and through psqlODBC
# straight to PostgreSQL (DSN pgtest) give identical results.
set -uo pipefail
. "$top_srcdir/tests/integration/daemon-lib.sh"

cbd_start ""
CB_ODBC_SOCKET="$CBD_DIR" CB_ODBC_PORT="$CBD_PORT" "$top_builddir/tests/odbc/test_odbc_compare" ||
	fail "results through cbcached differ from psqlODBC's straight to PostgreSQL"
statements="$("$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" --json SHOW STATS | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
rows = d if isinstance(d, list) else d.get("rows", d)
print(next(int(r["value"]) for r in rows if r["name"] == "statements"))')" || fail "SHOW STATS --json"
[ "$statements" -gt 10 ] || fail "the queries did not go through cbcached (statements = $statements)"
cbd_stop
echo "ok: ODBC through cbcached equals psqlODBC direct ($statements statements relayed)"
