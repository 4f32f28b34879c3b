# odbc-env.sh - sourced by the ODBC client test scripts (isql, php,
# valgrind): cb_odbc_env NAME writes the ini files into $CB_PG_DIR/NAME
# with odbcini-gen.sh and exports ODBCSYSINI/ODBCINI.
#
# In a sanitizer build the driver carries AddressSanitizer (or
# ThreadSanitizer, configure --enable-tsan), whose runtime must be loaded
# first into a client that is not built with it.  Run the client as
# "${CB_ODBC_RUN[@]}" CLIENT ...: in a sanitizer build that preloads the
# runtime (leak checking off: the client's own leaks are not ours) and sets
# CB_ODBC_SANITIZER=1; otherwise it adds nothing.  Only the client gets
# the preload (psql, for one, hangs with it).
cb_odbc_env() {
	local dir="$CB_PG_DIR/$1"
	local drv="$top_builddir/odbc-driver/.libs/libcbcacheodbc.so"
	bash "$top_srcdir/tests/odbc/odbcini-gen.sh" "$dir" || return 1
	export ODBCSYSINI="$dir" ODBCINI="$dir/odbc.ini"
	CB_ODBC_SANITIZER=0
	CB_ODBC_RUN=()
	# ldd's output is read whole (grep -q would make it die of SIGPIPE,
	# which pipefail turns into a false "no")
	local libs rt
	libs="$(ldd "$drv")" || return 1
	rt="$(awk '/libasan|libtsan/ { print $3 }' <<<"$libs")"
	if [ -n "$rt" ]; then
		[ -f "$rt" ] || { echo "odbc-env: the sanitizer runtime of the driver ($rt) was not found" >&2; return 1; }
		CB_ODBC_RUN=(env "LD_PRELOAD=$rt" "ASAN_OPTIONS=detect_leaks=0")
		CB_ODBC_SANITIZER=1
	fi
}
