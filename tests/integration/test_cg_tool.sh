#!/usr/bin/env bash
# Integration test of src/cbcache-cg on the movie database (runs inside
# tests/harness/with-pg.sh): exit statuses, the check report, errors on
# stderr with file:line:col.
set -u
tool="$top_builddir/src/cbcache-cg"
ex="$top_srcdir/examples"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
fail=0

# expect NAME WANT_RC PATTERN_FILE(stdout|stderr) PATTERN -- COMMAND...
expect() {
	local name="$1" want="$2" stream="$3" pattern="$4"
	shift 5
	"$@" >"$out/stdout" 2>"$out/stderr"
	local rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL $name: exit status $rc, expected $want"; cat "$out/stderr"; fail=1; return
	fi
	if ! grep -qF -- "$pattern" "$out/$stream"; then
		echo "FAIL $name: $stream lacks: $pattern"; cat "$out/$stream"; fail=1; return
	fi
	echo "ok   $name"
}

expect "movies valid" 0 stdout "zones in load order" -- \
	"$tool" check "$ex/movies/movies.cg" --backend "$CB_PG_CONNINFO"
grep -qF "film.genre (integer): only the values 1, 2, 3" "$out/stdout" || { echo "FAIL: fill values not reported"; fail=1; }
grep -qF "darst_film.fid: RCC target" "$out/stdout" || { echo "FAIL: entry points not reported"; fail=1; }
[ ! -s "$out/stderr" ] || { echo "FAIL: a valid check wrote to stderr"; cat "$out/stderr"; fail=1; }
if grep -qF "generated statements" "$out/stdout"; then echo "FAIL: statements shown without --sql"; fail=1; fi

expect "movies --sql" 0 stdout 'SELECT "plz", "name" FROM "public"."ort" WHERE "plz" = ANY ($1::character varying[]);' -- \
	"$tool" check "$ex/movies/movies.cg" --backend "$CB_PG_CONNINFO" --sql
grep -qF 'DELETE FROM "ort" WHERE NOT (' "$out/stdout" || { echo "FAIL: eviction sweep not shown"; fail=1; }

expect "homogeneous cycle" 0 stdout "homogeneous cycle on ort.plz, regisseur.wohnort" -- \
	"$tool" check "$ex/cachegroups/homogeneous.cg" --backend "$CB_PG_CONNINFO"

expect "heterogeneous cycle" 1 stderr "heterogeneous-rejected.cg:9:1: heterogeneous RCC cycle" -- \
	"$tool" check "$ex/cachegroups/heterogeneous-rejected.cg" --backend "$CB_PG_CONNINFO"
[ ! -s "$out/stdout" ] || { echo "FAIL: a failed check printed a report"; fail=1; }

expect "table in two groups" 1 stderr "is already in cache group \"movies\"" -- \
	"$tool" check "$ex/movies/movies.cg" "$ex/cachegroups/homogeneous.cg" --backend "$CB_PG_CONNINFO"

printf 'cachegroup x\ntable nosuch\nfill nosuch.id\n' >"$out/missing.cg"
expect "missing table" 1 stderr "missing.cg:2:7: table nosuch does not exist on the backend" -- \
	"$tool" check "$out/missing.cg" --backend "$CB_PG_CONNINFO"

expect "unreachable backend" 1 stderr "cannot connect to the backend" -- \
	"$tool" check "$ex/movies/movies.cg" --backend "host=$CB_PG_DIR/nonexistent port=1 connect_timeout=2"
expect "no file" 2 stderr "no cache group file given" -- "$tool" check --backend "$CB_PG_CONNINFO"
expect "check without backend" 2 stderr "check needs --backend" -- "$tool" check "$ex/movies/movies.cg"
expect "unknown command" 2 stderr "unknown command" -- "$tool" frobnicate
expect "unreadable file" 1 stderr "nonexistent.cg: cannot open the file" -- "$tool" parse "$out/nonexistent.cg"
exit $fail
