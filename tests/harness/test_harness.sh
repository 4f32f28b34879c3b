#!/usr/bin/env bash
# Self-test of tests/harness/with-pg.sh: exit statuses are passed through,
# the server is reachable inside, and nothing is left behind afterwards:
# no temporary directory, no postgres process, also when the command fails
# or the harness is interrupted.
set -uo pipefail

harness="$top_srcdir/tests/harness/with-pg.sh"
. "$top_srcdir/tests/harness/tap.sh"

# a private TMPDIR so leftovers are ours alone
export TMPDIR
TMPDIR="$(mktemp -d /tmp/cbcache-harness-test.XXXXXX)"
chmod 755 "$TMPDIR"
trap 'rm -rf "$TMPDIR"' EXIT
infofile="$TMPDIR/info"

leftovers() { # prints cluster directories and postmasters still there
	ls -d "$TMPDIR"/cbcache-pg.* 2>/dev/null
	pgrep -f "postgres -D $TMPDIR/" 2>/dev/null
	return 0
}

# 1. a succeeding command sees the database and its exit status is 0
"$harness" --scale 0.01 -- bash -c 'psql -X -Atc "SELECT count(*) FROM genre" >"$0"; echo "$CB_PG_DATA" >>"$0"' "$infofile"
st=$?
check "a succeeding command exits 0" test "$st" -eq 0
check "the command queried the movie database" test "$(head -1 "$infofile")" = 12
datadir="$(sed -n 2p "$infofile")"
check "the data directory is removed" test ! -e "$datadir"
check "nothing is left behind after success" test -z "$(leftovers)"

# 2. a failing command's status is passed through and cleanup still happens
"$harness" --no-data -- bash -c 'exit 7' 2>/dev/null
st=$?
check "a failing command's exit status is passed through" test "$st" -eq 7
check "nothing is left behind after failure" test -z "$(leftovers)"

# 3. an interrupted harness (SIGTERM, as from Ctrl-C's process group kill)
#    stops the server and removes its directory
fifo="$TMPDIR/ready"
mkfifo "$fifo"
"$harness" --no-data -- bash -c 'echo up >"$0"; exec sleep 600' "$fifo" 2>/dev/null &
hpid=$!
read -r -t 120 line <"$fifo"
check "the interrupted run had started" test "$line" = up
check "a server runs while the command runs" test -n "$(leftovers)"
pkill -TERM -P "$hpid" sleep 2>/dev/null
kill -TERM "$hpid"
wait "$hpid"
st=$?
check "the interrupted run reports failure" test "$st" -ne 0
for _ in $(seq 1 100); do
	[ -z "$(leftovers)" ] && break
	sleep 0.1
done
check "nothing is left behind after an interruption" test -z "$(leftovers)"

# 4. a server that cannot start fails the run with its log, never a skip
PGH_EXTRA_CONF="shared_buffers = 'not-a-size'" "$harness" --no-data -- true >"$TMPDIR/out" 2>&1
st=$?
check "a server that cannot start gives exit status 99" test "$st" -eq 99
check "the failure shows the server's complaint" grep -q "shared_buffers" "$TMPDIR/out"
check "nothing is left behind after a failed start" test -z "$(leftovers)"

check_done
