# tap.sh - checks for the shell tests (sourced, not run).
#
#   check "what is checked" COMMAND [ARGS...]   prints ok/not ok, counts
#   check_done                                  prints "N passed, M failed",
#                                               returns non-zero on a failure
passes=0
fails=0
check() {
	local what="$1"
	shift
	if "$@"; then
		echo "ok - $what"
		passes=$((passes + 1))
	else
		echo "not ok - $what"
		fails=$((fails + 1))
	fi
}
check_done() {
	echo "$passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}
