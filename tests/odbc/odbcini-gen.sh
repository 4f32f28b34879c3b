#!/usr/bin/env bash
# odbcini-gen.sh - write odbcinst.ini and odbc.ini for the ODBC tests.
#
#   tests/odbc/odbcini-gen.sh DIR
#
# DIR/odbcinst.ini names two drivers: [cbcache], the driver just built
# ($top_builddir/odbc-driver/.libs/libcbcacheodbc.so, no install needed),
# and [psqlodbc], Debian's psqlODBC (package odbc-postgresql) for
# side-by-side runs.  DIR/odbc.ini has a DSN for each, pointing at the
# throwaway PostgreSQL of tests/harness/with-pg.sh (PGHOST, PGPORT,
# PGDATABASE, PGUSER):
#
#   [cbtest]   our driver, Socket= the server's socket directory (or
#              $CB_ODBC_SOCKET and $CB_ODBC_PORT when set: cbcached)
#   [pgtest]   psqlODBC, same server
#   [cbbad]    our driver, a port nothing listens on (connection errors)
#
# Then run the client with ODBCSYSINI=DIR ODBCINI=DIR/odbc.ini.
set -euo pipefail

dir="${1:?usage: odbcini-gen.sh DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
builddir="${top_builddir:-$(cd "$here/../.." && pwd)}"
driver="$builddir/odbc-driver/.libs/libcbcacheodbc.so"
[ -f "$driver" ] || { echo "odbcini-gen: $driver not found: run make first" >&2; exit 1; }

psqlodbc="$(dpkg -L odbc-postgresql 2>/dev/null | grep '/psqlodbcw\.so$' | head -n 1 || true)"
[ -n "$psqlodbc" ] || psqlodbc=/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so
[ -f "$psqlodbc" ] || { echo "odbcini-gen: psqlODBC not found: install the Debian package odbc-postgresql (scripts/install-deps.sh)" >&2; exit 1; }

: "${PGHOST:?odbcini-gen: PGHOST not set: run under tests/harness/with-pg.sh}"
: "${PGPORT:?odbcini-gen: PGPORT not set}"

mkdir -p "$dir"
cat >"$dir/odbcinst.ini" <<INI
[cbcache]
Description = cbcache ODBC driver (built tree)
Driver = $driver
Threading = 0

[psqlodbc]
Description = psqlODBC (Debian odbc-postgresql)
Driver = $psqlodbc
INI

cat >"$dir/odbc.ini" <<INI
[cbtest]
Driver = cbcache
Socket = ${CB_ODBC_SOCKET:-$PGHOST}
Port = ${CB_ODBC_PORT:-$PGPORT}
Database = ${PGDATABASE:-movies}
UID = ${PGUSER:-postgres}

[pgtest]
Driver = psqlodbc
Servername = $PGHOST
Port = $PGPORT
Database = ${PGDATABASE:-movies}
Username = ${PGUSER:-postgres}

[cbbad]
Driver = cbcache
Servername = 127.0.0.1
Port = 1
Database = ${PGDATABASE:-movies}
UID = ${PGUSER:-postgres}
INI
