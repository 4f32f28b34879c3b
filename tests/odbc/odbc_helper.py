"""Helpers of the ODBC tests' Python clients (imported, not run).

The tests/odbc/*.sh tests start cbcached (tests/integration/daemon-lib.sh),
export CBD_ADMIN and CBD_ADMIN_SOCK, and run a pyodbc client with the
driver's environment (ODBCSYSINI, LD_PRELOAD of a sanitizer runtime).  The
client imports these:

    sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests/odbc"))
    from odbc_helper import admin, stat, psql, fail, wait_for

admin() and psql() run their programs without the sanitizer preload (an
uninstrumented program must not load it).
"""
import json
import os
import subprocess
import sys
import time

_PLAIN_ENV = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}


def admin(*args):
    """cbcache-admin on the test's cbcached; its output."""
    return subprocess.run([os.environ["CBD_ADMIN"], "-s", os.environ["CBD_ADMIN_SOCK"]] + list(args),
                          check=True, capture_output=True, text=True, env=_PLAIN_ENV).stdout


def stat(name):
    """One SHOW STATS counter."""
    return next(int(r["value"]) for r in json.loads(admin("--json", "SHOW", "STATS"))["rows"] if r["name"] == name)


def psql(sql):
    """The rows of sql straight from PostgreSQL (the harness's PGHOST and PGDATABASE), as tuples of text."""
    out = subprocess.run([os.environ.get("PSQL", "psql"), "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1",
                          "-c", sql], check=True, capture_output=True, text=True, env=_PLAIN_ENV).stdout
    return [tuple(line.split("|")) for line in out.splitlines()]


def fail(msg):
    """Fail the test, showing cbcached's SHOW QUERIES (why statements went where they went)."""
    print("FAIL: " + msg, file=sys.stderr)
    try:
        print(admin("SHOW", "QUERIES"), file=sys.stderr)
    except (subprocess.CalledProcessError, OSError, KeyError):
        pass  # cbcached stopped (the test stopped it): the message says enough
    sys.exit(1)


def wait_for(cond, what, secs=30):
    """Poll cond until it holds, failing with what after secs."""
    deadline = time.time() + secs
    while not cond():
        if time.time() > deadline:
            fail(what)
        time.sleep(0.02)
