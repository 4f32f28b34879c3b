/*
 * pg_testutil.h - the backend connection of the C integration tests (run
 * inside tests/harness/with-pg.sh): the settings the harness exports, a
 * connection opened by the group set-up and closed by its tear-down, a
 * one-value query, and files written to the harness's directory.  Header
 * only (static functions).
 */
#ifndef TEST_PG_UTIL_H
#define TEST_PG_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

static PGconn *conn;         /* the test's own backend connection */
static const char *conninfo; /* CB_PG_CONNINFO */
static const char *srcdir;   /* top_srcdir */
static const char *tmpdir;   /* CB_PG_DIR: the harness's temporary directory */

/* cmocka group set-up: read the harness's settings and connect. */
static inline int pgt_setup(void **state)
{
	(void)state;
	conninfo = getenv("CB_PG_CONNINFO");
	srcdir = getenv("top_srcdir");
	tmpdir = getenv("CB_PG_DIR");
	if (conninfo == NULL || srcdir == NULL || tmpdir == NULL) {
		fprintf(stderr, "CB_PG_CONNINFO/CB_PG_DIR/top_srcdir not set: run through tests/harness/with-pg.sh\n");
		return -1;
	}
	conn = PQconnectdb(conninfo);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "connect failed: %s", PQerrorMessage(conn));
		return -1;
	}
	return 0;
}

static inline int pgt_teardown(void **state)
{
	(void)state;
	PQfinish(conn);
	return 0;
}

/* One integer from the backend: the query must return exactly one row. */
static inline long long pg_int(const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		print_error("%s\n%s", sql, PQerrorMessage(conn));
		PQclear(res);
		fail();
	}
	long long v = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

/* Write text to CB_PG_DIR/name; the file's path goes to path (sz bytes). */
static inline void write_file(const char *name, const char *text, char *path, size_t sz)
{
	snprintf(path, sz, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

#endif /* TEST_PG_UTIL_H */
