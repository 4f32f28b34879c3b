# shellcheck shell=bash
# lib.sh - option parsing shared by scripts/demo.sh, scripts/webshop.sh and
# the benchmarks (bench/lib.sh sources it); sourced, not run.
#
#   parse_options PROG SPEC ARG...   the script's options into variables:
#                                    SPEC lists its options, NAME for an
#                                    option --NAME VALUE (into the variable
#                                    NAME, dashes as underscores) and
#                                    NAME=VAR=VALUE for a flag --NAME that
#                                    sets VAR; --inner (inner=1) and
#                                    -h/--help (the script's head comment)
#                                    are always there; anything else: exit 2

parse_options() {
	local prog="$1" spec="$2" word found
	shift 2
	while [ $# -gt 0 ]; do
		case "$1" in
		--inner) inner=1; shift; continue ;;
		-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
		esac
		found=0
		if [[ "$1" == --?* ]]; then
			for word in $spec; do
				case "$word" in
				"${1#--}") printf -v "${word//-/_}" '%s' "$2"; shift 2; found=1; break ;;
				"${1#--}"=*) word="${word#*=}"; printf -v "${word%%=*}" '%s' "${word#*=}"; shift; found=1; break ;;
				esac
			done
		fi
		[ "$found" = 1 ] || { echo "$prog: unknown option $1 (see --help)" >&2; exit 2; }
	done
}
