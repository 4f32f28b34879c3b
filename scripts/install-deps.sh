#!/usr/bin/env bash
# Install the Debian packages that cbcache's build, tests and demo need.
#
# Idempotent: only missing packages are installed.  As root it runs apt-get;
# as another user it prints the one sudo command to run and exits 1.
#
#   install-deps.sh          what the build, the tests and the demo need
#   install-deps.sh --bench  and what bench/run.sh compares with (pgpool-II,
#                            gnuplot for the plots) and the HTTP load tool
#                            of bench/webshop.sh (wrk)
set -euo pipefail

packages=(
	# toolchain
	build-essential autoconf automake libtool pkg-config
	clang libclang-rt-14-dev clang-format valgrind
	# libraries the build links
	libpq-dev libsqlite3-dev unixodbc unixodbc-dev libcmocka-dev
	uthash-dev libpg-query-dev libprotobuf-c-dev
	# the throwaway backend of the tests and the demo
	postgresql postgresql-15 postgresql-client-15
	# ODBC peers: psqlODBC for side-by-side runs; pyodbc and PHP PDO_ODBC
	# as real clients in the tests
	odbc-postgresql python3 python3-pyodbc php-cli php-odbc
	# used by scripts and tests
	sqlite3 procps iproute2 util-linux
	# a language locale: the tests run a database whose collation is
	# en_US.UTF-8 (tests/integration/test_daemon_locale.py)
	locales
	# the web shop's test opens its pages in headless Chromium and
	# fetches them with curl (tests/integration/test_webshop.sh)
	chromium curl
)
if [ "${1:-}" = "--bench" ]; then
	packages+=(pgpool2 gnuplot-nox wrk)
fi

missing=()
for p in "${packages[@]}"; do
	if ! grep -q 'ok installed' <<<"$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)"; then
		missing+=("$p")
	fi
done

# The locale the tests' en_US.UTF-8 database needs (generated once; the
# locales package brings its definition).
need_locale() {
	! locale -a 2>/dev/null | grep -qix 'en_US\.utf8'
}
make_locale() {
	if need_locale; then
		echo "install-deps: generating the locale en_US.UTF-8"
		localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8
	fi
}

if [ ${#missing[@]} -eq 0 ] && ! need_locale; then
	echo "install-deps: all ${#packages[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	if [ ${#missing[@]} -ne 0 ]; then
		echo "install-deps: missing packages: ${missing[*]}" >&2
		echo "install-deps: run: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
	fi
	if need_locale; then
		echo "install-deps: missing locale en_US.UTF-8; run: sudo localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8" >&2
	fi
	exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
	make_locale
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
# The tests and the demo run their own throwaway clusters; keep the
# postgresql package from creating and starting a system-wide one.
mkdir -p /etc/postgresql-common/createcluster.d
if [ ! -e /etc/postgresql-common/createcluster.d/cbcache.conf ]; then
	echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/cbcache.conf
fi
export DEBIAN_FRONTEND=noninteractive
# apt-get update only when the package lists are missing or a package
# cannot be found in them.
if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
fi
make_locale
