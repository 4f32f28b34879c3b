# shellcheck shell=bash
# lib.sh - option parsing, the start in a throwaway PostgreSQL and the
# wait for a starting cbcached, shared by scripts/demo.sh,
# scripts/webshop.sh, the benchmarks (bench/lib.sh sources it) and
# examples/webshop/webshop-lib.sh; sourced, not run.  in_pg and
# start_in_pg expect $root and $build to be set.
#
#   parse_options PROG OPTION... -- ARG...
#                                    the script's options into variables;
#                                    each OPTION is NAME=DEFAULT for an
#                                    option --NAME VALUE (the variable NAME,
#                                    dashes as underscores, is DEFAULT until
#                                    given) or --NAME:VAR=VALUE for a flag
#                                    --NAME that sets VAR; --inner (inner=1,
#                                    else 0) and -h/--help (the script's
#                                    head comment) are always there;
#                                    anything else: exit 2.  Sets prog to
#                                    PROG for messages

parse_options() {
	local option name found
	local options=()
	prog="$1"
	inner=0
	shift
	while [ "$1" != -- ]; do
		case "$1" in
		--*) ;;
		*) name="${1%%=*}"; printf -v "${name//-/_}" '%s' "${1#*=}" ;;
		esac
		options+=("$1")
		shift
	done
	shift
	while [ $# -gt 0 ]; do
		case "$1" in
		--inner) inner=1; shift; continue ;;
		-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
		esac
		found=0
		if [[ "$1" == --?* ]]; then
			for option in "${options[@]}"; do
				case "$option" in
				"$1":*)
					option="${option#*:}"
					printf -v "${option%%=*}" '%s' "${option#*=}"
					shift
					found=1
					break
					;;
				"${1#--}"=*)
					[ $# -ge 2 ] || { echo "$prog: $1 needs a value (see --help)" >&2; exit 2; }
					name="${1#--}"
					printf -v "${name//-/_}" '%s' "$2"
					shift 2
					found=1
					break
					;;
				esac
			done
		fi
		[ "$found" = 1 ] || { echo "$prog: unknown option $1 (see --help)" >&2; exit 2; }
	done
}

# in_pg [WITH-PG-OPTION...] -- ARG...
#                                    run the script again with ARG... and
#                                    --inner in a throwaway PostgreSQL
#                                    (tests/harness/with-pg.sh, given the
#                                    WITH-PG-OPTIONs), CB_BUILD_DIR=$build
#                                    exported; does not return
in_pg() {
	local pg_options=()
	while [ "$1" != -- ]; do
		pg_options+=("$1")
		shift
	done
	shift
	export CB_BUILD_DIR="$build"
	exec "$root/tests/harness/with-pg.sh" "${pg_options[@]}" -- "$0" "$@" --inner
}

# start_in_pg MESSAGE [WITH-PG-OPTION...] -- ARG...
#                                    unless --inner: build in $build
#                                    (scripts/build.sh), print MESSAGE and
#                                    in_pg the rest
start_in_pg() {
	[ "$inner" -eq 0 ] || return 0
	CB_BUILD_DIR="$build" "$root/scripts/build.sh"
	echo "$1"
	shift
	in_pg "$@"
}

# wait_cbcached PROG ADMIN SOCKET PID LOG...
#                                    wait (at most 30 s) until the cbcached
#                                    PID answers on its admin SOCKET (ADMIN:
#                                    the cbcache-admin to ask with); when it
#                                    exits or does not answer, say so as
#                                    PROG, print the LOGs and return 1
wait_cbcached() {
	local prog="$1" admin="$2" sock="$3" pid="$4"
	shift 4
	for _ in $(seq 1 600); do
		"$admin" -s "$sock" SHOW STATS >/dev/null 2>&1 && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "$prog: cbcached exited during start-up; its log:" >&2
			cat "$@" >&2 2>/dev/null
			return 1
		fi
		sleep 0.05
	done
	echo "$prog: cbcached did not answer on $sock within 30 s; its log:" >&2
	cat "$@" >&2 2>/dev/null
	return 1
}
