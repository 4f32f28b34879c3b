/*
 * Integration test of the throwaway PostgreSQL harness and the movie
 * database: runs inside tests/harness/with-pg.sh, connects with the
 * exported settings and checks the shape the later tests rely on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/pg_testutil.h"

static double scale;

static int setup(void **state)
{
	const char *sc = getenv("CB_PG_SCALE");
	if (sc == NULL) {
		fprintf(stderr, "CB_PG_SCALE not set: run through tests/harness/with-pg.sh\n");
		return -1;
	}
	scale = atof(sc);
	return pgt_setup(state);
}

static long expected(long base, long minimum)
{
	long n = lround(base * scale);
	return n < minimum ? minimum : n;
}

static void test_counts_follow_scale(void **state)
{
	(void)state;
	assert_int_equal(pg_int("SELECT count(*) FROM regisseur"), expected(1000, 10));
	assert_int_equal(pg_int("SELECT count(*) FROM film"), expected(10000, 50));
	assert_int_equal(pg_int("SELECT count(*) FROM darsteller"), expected(20000, 50));
	assert_int_equal(pg_int("SELECT count(*) FROM ort"), expected(300, 20));
	assert_int_equal(pg_int("SELECT count(*) FROM genre"), 12);
	/* about six cast rows per film, fewer after dropping repeated pairs */
	long films = expected(10000, 50);
	long cast = pg_int("SELECT count(*) FROM darst_film");
	assert_in_range(cast, films * 4, films * 7);
}

static void test_shape_for_the_cache(void **state)
{
	(void)state;
	/* NULLs in the nullable columns */
	assert_true(pg_int("SELECT count(*) FROM film WHERE regie IS NULL") > 0);
	assert_true(pg_int("SELECT count(*) FROM film WHERE ort IS NULL") > 0);
	assert_true(pg_int("SELECT count(*) FROM film WHERE bewertung IS NULL") > 0);
	assert_true(pg_int("SELECT count(*) FROM regisseur WHERE vname IS NULL") > 0);
	/* non-ASCII and mixed-case names that differ only in case */
	assert_true(pg_int("SELECT count(*) FROM regisseur WHERE nname <> convert_from(convert_to(nname, "
	                   "'SQL_ASCII'), 'SQL_ASCII') OR nname ~ '[^\\x01-\\x7f]'") > 0);
	assert_true(pg_int("SELECT count(DISTINCT nname) FROM darsteller WHERE lower(nname) = 'müller'") >= 2);
	/* skew: director 1 made far more films than the median director */
	long top = pg_int("SELECT count(*) FROM film WHERE regie = 1");
	long median = pg_int("SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY n) FROM "
	                     "(SELECT count(*) AS n FROM film GROUP BY regie) s");
	assert_true(top > 5 * median);
	/* ties in years */
	assert_true(pg_int("SELECT max(n) FROM (SELECT count(*) AS n FROM film GROUP BY jahr) s") > 1);
	/* every RCC source value used by the example cache group exists */
	assert_int_equal(pg_int("SELECT count(*) FROM film f LEFT JOIN regisseur r ON r.id = f.regie "
	                        "WHERE f.regie IS NOT NULL AND r.id IS NULL"),
	                 0);
}

/* The data is deterministic: a fingerprint of the rows is the same on a
 * second generation in another database of the same cluster. */
static void test_deterministic(void **state)
{
	(void)state;
	PGresult *res = PQexec(conn, "SELECT md5(string_agg(f::text, '|' ORDER BY id)) FROM film f");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	char first[64];
	snprintf(first, sizeof(first), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);

	res = PQexec(conn, "DROP DATABASE IF EXISTS movies2");
	PQclear(res);
	res = PQexec(conn, "CREATE DATABASE movies2");
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);

	char cmd[4096];
	snprintf(cmd, sizeof(cmd),
	         "psql -X -q -d movies2 -v ON_ERROR_STOP=1 -f '%s/examples/movies/schema.sql' -v scale=%s "
	         "-f '%s/examples/movies/generate.sql' >/dev/null",
	         srcdir, getenv("CB_PG_SCALE"), srcdir);
	assert_int_equal(system(cmd), 0);

	char conninfo2[1024];
	snprintf(conninfo2, sizeof(conninfo2), "%s dbname=movies2", conninfo);
	PGconn *c2 = PQconnectdb(conninfo2);
	assert_int_equal(PQstatus(c2), CONNECTION_OK);
	res = PQexec(c2, "SELECT md5(string_agg(f::text, '|' ORDER BY id)) FROM film f");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	assert_string_equal(PQgetvalue(res, 0, 0), first);
	PQclear(res);
	PQfinish(c2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_counts_follow_scale),
	        cmocka_unit_test(test_shape_for_the_cache),
	        cmocka_unit_test(test_deterministic),
	};
	return cmocka_run_group_tests_name("movies_db", tests, setup, pgt_teardown);
}
