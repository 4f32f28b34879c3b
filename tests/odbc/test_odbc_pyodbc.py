"""pyodbc (Debian's python3-pyodbc) through our driver: connect by DSN and
by connection string, parameterized queries, fetchmany, Python types,
transactions and errors.  Expected values come from psql.  Runs inside
tests/harness/with-pg.sh with /usr/bin/python3."""
import datetime
import decimal
import os
import subprocess
import sys
import unittest

# In a sanitizer build the driver carries AddressSanitizer (or
# ThreadSanitizer), whose runtime must be loaded first: start again with it
# preloaded (leak checking off: Python's leaks are not ours).
DRIVER = os.path.join(os.environ["top_builddir"], "odbc-driver/.libs/libcbcacheodbc.so")
if "LD_PRELOAD" not in os.environ:
    for line in subprocess.run(["ldd", DRIVER], check=True, capture_output=True, text=True).stdout.splitlines():
        if "libasan" in line or "libtsan" in line:
            env = dict(os.environ, LD_PRELOAD=line.split()[2], ASAN_OPTIONS="detect_leaks=0", CB_ODBC_SANITIZER="1")
            os.execve(sys.executable, [sys.executable] + sys.argv, env)

DIR = os.path.join(os.environ["CB_PG_DIR"], "odbc-pyodbc")
subprocess.run(["bash", os.path.join(os.environ["top_srcdir"], "tests/odbc/odbcini-gen.sh"), DIR], check=True,
               env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD"})
os.environ["ODBCSYSINI"] = DIR
os.environ["ODBCINI"] = os.path.join(DIR, "odbc.ini")

import pyodbc  # noqa: E402  (after the ini files exist)


def psql(sql):
    """Rows of a query as lists of strings, straight from PostgreSQL."""
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
    out = subprocess.run([os.environ.get("PSQL", "psql"), "-X", "-q", "-A", "-t", "-F", "\x1f", "-c", sql],
                         check=True, capture_output=True, text=True, env=env).stdout
    return [line.split("\x1f") for line in out.splitlines()]


class PyodbcTest(unittest.TestCase):
    def setUp(self):
        self.cnxn = pyodbc.connect("DSN=cbtest")

    def tearDown(self):
        self.cnxn.close()

    def test_connection_string(self):
        c = pyodbc.connect("Driver=cbcache;Socket=%s;Port=%s;Database=movies;UID=postgres"
                           % (os.environ["PGHOST"], os.environ["PGPORT"]), autocommit=True)
        self.assertEqual(c.getinfo(pyodbc.SQL_DBMS_NAME), "PostgreSQL")
        self.assertEqual(c.execute("SELECT current_database()").fetchval(), "movies")
        c.close()

    def test_parameters(self):
        regie = int(psql("SELECT regie FROM film GROUP BY regie ORDER BY count(*) DESC, regie LIMIT 1")[0][0])
        want = psql("SELECT id, titel FROM film WHERE regie = %d AND jahr >= 1980 ORDER BY id" % regie)
        rows = self.cnxn.execute("SELECT id, titel FROM film WHERE regie = ? AND jahr >= ? ORDER BY id",
                                 regie, 1980).fetchall()
        self.assertEqual([[str(r.id), r.titel] for r in rows], want)
        self.assertTrue(len(rows) > 0)
        # a non-ASCII string parameter (pyodbc sends it as SQL_C_WCHAR)
        name = psql("SELECT nname FROM regisseur WHERE nname ~ '[^ -~]' ORDER BY id LIMIT 1")[0][0]
        n = self.cnxn.execute("SELECT count(*) FROM regisseur WHERE nname = ?", name).fetchval()
        self.assertEqual(str(n), psql("SELECT count(*) FROM regisseur WHERE nname = '%s'" % name)[0][0])
        # a long string, a NULL and a quote
        long_text = "x'?" * 400
        self.assertEqual(self.cnxn.execute("SELECT ?::text", long_text).fetchval(), long_text)
        self.assertIsNone(self.cnxn.execute("SELECT ?::int", None).fetchval())

    def test_fetchmany(self):
        total = int(psql("SELECT count(*) FROM darsteller")[0][0])
        cur = self.cnxn.cursor()
        cur.execute("SELECT id, vname, nname FROM darsteller ORDER BY id")
        self.assertEqual([d[0] for d in cur.description], ["id", "vname", "nname"])
        seen, batches = [], 0
        while True:
            rows = cur.fetchmany(100)
            if not rows:
                break
            self.assertLessEqual(len(rows), 100)
            seen.extend(r.id for r in rows)
            batches += 1
        self.assertEqual(len(seen), total)
        self.assertEqual(seen, sorted(seen))
        self.assertEqual(batches, (total + 99) // 100)

    def test_python_types(self):
        row = self.cnxn.execute("SELECT id, budget, bewertung, erschienen, geaendert, titel FROM film "
                                "WHERE budget IS NOT NULL AND erschienen IS NOT NULL ORDER BY id LIMIT 1").fetchone()
        want = psql("SELECT budget, bewertung, erschienen, to_char(geaendert, 'YYYY-MM-DD HH24:MI:SS') FROM film "
                    "WHERE id = %d" % row.id)[0]
        self.assertIsInstance(row.budget, decimal.Decimal)
        self.assertEqual(str(row.budget), want[0])
        self.assertIsInstance(row.bewertung, float)
        self.assertEqual(row.bewertung, float(want[1]))
        self.assertEqual(row.erschienen, datetime.date.fromisoformat(want[2]))
        self.assertIsInstance(row.geaendert, datetime.datetime)
        self.assertEqual(row.geaendert.strftime("%Y-%m-%d %H:%M:%S"), want[3])
        self.assertIsInstance(row.titel, str)

    def test_transactions(self):
        # pyodbc starts with autocommit off
        self.assertFalse(self.cnxn.autocommit)
        cur = self.cnxn.cursor()
        cur.execute("INSERT INTO genre VALUES (?, ?)", 950, "PyGenre")
        self.assertEqual(cur.rowcount, 1)
        self.assertEqual(psql("SELECT count(*) FROM genre WHERE id = 950"), [["0"]])
        self.cnxn.rollback()
        self.assertEqual(self.cnxn.execute("SELECT count(*) FROM genre WHERE id = 950").fetchval(), 0)
        cur.execute("INSERT INTO genre VALUES (?, ?)", 951, "PyGenre2")
        self.cnxn.commit()
        self.assertEqual(psql("SELECT name FROM genre WHERE id = 951"), [["PyGenre2"]])
        cur.execute("DELETE FROM genre WHERE id = ?", 951)
        self.cnxn.commit()
        self.assertEqual(psql("SELECT count(*) FROM genre WHERE id = 951"), [["0"]])

    def test_errors(self):
        with self.assertRaises(pyodbc.Error) as ctx:
            self.cnxn.execute("SELECT * FROM no_such_table")
        self.assertEqual(ctx.exception.args[0], "42P01")
        self.cnxn.rollback()
        with self.assertRaises(pyodbc.Error) as ctx:
            pyodbc.connect("DSN=cbbad")
        self.assertEqual(ctx.exception.args[0], "08001")


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() and result.testsRun == 6 else 1)
