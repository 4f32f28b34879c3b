#!/usr/bin/env bash
# Authentication goes through the backend, relayed: a member of pwusers
# (SCRAM in the harness) is refused with a wrong password and admitted with
# the right one, on the UNIX socket and on TCP (the client and the backend
# run SCRAM with each other: no password crosses cbcached); roles the
# backend refuses (NOLOGIN, nonexistent, unknown database) are refused with
# the backend's reason; a member of pwplain (cleartext passwords) is refused
# on TCP unless allow_tcp_password is on, admitted on the UNIX socket.
set -uo pipefail
. "$top_srcdir/tests/integration/daemon-lib.sh"

direct_psql -c "CREATE ROLE cb_alice LOGIN PASSWORD 'right-pw' IN ROLE pwusers" \
	-c "CREATE ROLE cb_bob LOGIN PASSWORD 'bobs-pw' IN ROLE pwplain" -c "GRANT SELECT ON film TO cb_bob" \
	-c "CREATE ROLE cb_nologin NOLOGIN" -c "GRANT SELECT ON film TO cb_alice" >/dev/null ||
	fail "cannot create the test roles"

tcp_port="$(cbd_free_port)" || fail "no free TCP port"
CBD_PORT="$tcp_port"
cbd_start "listen_addr = 127.0.0.1"

try() { # try PASSWORD USER [DB] [HOST]: psql through cbcached, output in $out
	out="$(PGPASSWORD="$1" psql -X -At -h "${4:-$CBD_DIR}" -p "$CBD_PORT" -U "$2" -d "${3:-movies}" \
		-c "SELECT current_user || ':' || count(*) FROM film" 2>&1)"
}

# psql must not fall back to a password file of the user running the tests
export PGPASSFILE=/nonexistent/pgpass

try wrong-pw cb_alice && fail "wrong password admitted: $out"
grep -q -- 'password authentication failed for user "cb_alice"' <<<"$out" ||
	fail "wrong password: unexpected message: $out"

try right-pw cb_alice || fail "right password refused: $out"
grep -q -- '^cb_alice:[1-9]' <<<"$out" || fail "right password: unexpected output: $out"

# no password at all: psql -w never prompts, so it must be refused
out="$(psql -X -w -At -h "$CBD_DIR" -p "$CBD_PORT" -U cb_alice -d movies -c "SELECT 1" 2>&1)" &&
	fail "no password admitted: $out"

try "" cb_nologin && fail "NOLOGIN role admitted: $out"
grep -q -- 'not permitted to log in' <<<"$out" || fail "NOLOGIN: unexpected message: $out"

try "" cb_nobody && fail "nonexistent role admitted: $out"
grep -q -- 'role "cb_nobody" does not exist' <<<"$out" || fail "nonexistent role: unexpected message: $out"

try "" postgres no_such_db && fail "nonexistent database admitted: $out"
grep -q -- 'database "no_such_db" does not exist' <<<"$out" || fail "nonexistent database: unexpected message: $out"

# TCP: trusted role works; SCRAM works (nothing in clear text); a cleartext
# password is refused while allow_tcp_password is off
try "" postgres movies 127.0.0.1 || fail "trusted role over TCP refused: $out"
grep -q -- '^postgres:[1-9]' <<<"$out" || fail "trusted role over TCP: unexpected output: $out"
try right-pw cb_alice movies 127.0.0.1 || fail "SCRAM over TCP refused: $out"
grep -q -- '^cb_alice:[1-9]' <<<"$out" || fail "SCRAM over TCP: unexpected output: $out"
try wrong-pw cb_alice movies 127.0.0.1 && fail "wrong password over TCP admitted: $out"
try bobs-pw cb_bob movies || fail "cleartext password on the UNIX socket refused: $out"
grep -q -- '^cb_bob:[1-9]' <<<"$out" || fail "cleartext password on the UNIX socket: unexpected output: $out"
try bobs-pw cb_bob movies 127.0.0.1 && fail "cleartext password over TCP admitted with allow_tcp_password off: $out"
grep -q -- 'not allowed on the TCP listener' <<<"$out" || fail "TCP cleartext password: unexpected message: $out"

# allow_tcp_password is reloadable
echo "allow_tcp_password = on" >>"$CBD_CONF"
"$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" RELOAD >/dev/null || fail "RELOAD failed"
try bobs-pw cb_bob movies 127.0.0.1 || fail "cleartext password over TCP refused with allow_tcp_password on: $out"
try wrong-pw cb_bob movies 127.0.0.1 && fail "wrong cleartext password over TCP admitted: $out"

failures="$("$CBD_ADMIN" -s "$CBD_ADMIN_SOCK" SHOW STATS | awk '$1 == "auth_failures" {print $3}')"
[ "${failures:-0}" -ge 6 ] || fail "SHOW STATS auth_failures = $failures, expected at least 6"

cbd_stop
echo "ok: authentication through the backend"
