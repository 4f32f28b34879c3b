/*
 * Differential test: the same queries through our driver (DSN cbtest) and
 * through Debian's psqlODBC (DSN pgtest), both straight to the harness's
 * PostgreSQL, must give identical results: the same columns (names and
 * SQL types), the same rows, every value fetched as SQL_C_CHAR (and as
 * SQL_C_WCHAR for the text columns), the same row counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/odbc/odbctest.h"

static SQLHENV env;
static SQLHDBC ours, theirs;

static int setup(void **state)
{
	(void)state;
	if (!ot_setup_ini())
		return -1;
	env = ot_env();
	ours = ot_connect(env, "cbtest");
	theirs = ot_connect(env, "pgtest");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ot_disconnect(ours);
	ot_disconnect(theirs);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	return 0;
}

/* The whole result of a statement as text: a header line with the column
 * names and SQL types, then one line per row. */
typedef struct dump {
	char *text;
	size_t len, cap;
} dump;

static void dump_put(dump *d, const char *s, size_t n)
{
	if (d->len + n + 1 > d->cap) {
		d->cap = (d->len + n + 1) * 2;
		d->text = realloc(d->text, d->cap);
		assert_non_null(d->text);
	}
	memcpy(d->text + d->len, s, n);
	d->len += n;
	d->text[d->len] = '\0';
}

static void dump_str(dump *d, const char *s)
{
	dump_put(d, s, strlen(s));
}

/* One value through SQLGetData, in pieces of 16 bytes to test the loop. */
static void dump_value(dump *d, SQLHSTMT st, SQLUSMALLINT col, SQLSMALLINT ctype)
{
	char buf[16];
	SQLLEN ind;
	SQLRETURN r;
	bool first = true;
	while ((r = SQLGetData(st, col, ctype, buf, sizeof(buf), &ind)) != SQL_NO_DATA) {
		ot_ok(r, SQL_HANDLE_STMT, st, "SQLGetData");
		if (ind == SQL_NULL_DATA) {
			dump_str(d, "<NULL>");
			return;
		}
		if (ctype == SQL_C_CHAR) {
			dump_str(d, buf);
		} else {
			/* UTF-16 code units as hex, so wide output is compared exactly */
			SQLWCHAR *w = (SQLWCHAR *)buf;
			for (size_t i = 0; i < sizeof(buf) / sizeof(SQLWCHAR) && w[i]; i++) {
				char h[8];
				snprintf(h, sizeof(h), "%04x", w[i]);
				dump_str(d, h);
			}
		}
		first = false;
		if (r == SQL_SUCCESS)
			break;
	}
	if (first)
		dump_str(d, "<nodata>");
}

/* wide: character columns as SQL_C_WCHAR, the others as SQL_C_CHAR */
static void run(SQLHDBC dbc, const char *sql, const char *param, bool wide, dump *d)
{
	SQLHSTMT st = ot_stmt(dbc);
	SQLLEN nts = SQL_NTS;
	if (param != NULL) {
		ot_ok(SQLPrepare(st, (SQLCHAR *)sql, SQL_NTS), SQL_HANDLE_STMT, st, "SQLPrepare");
		ot_ok(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 64, 0, (SQLPOINTER)param, 0,
		                       &nts),
		      SQL_HANDLE_STMT, st, "SQLBindParameter");
		ot_ok(SQLExecute(st), SQL_HANDLE_STMT, st, "SQLExecute");
	} else {
		ot_ok(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS), SQL_HANDLE_STMT, st, "SQLExecDirect");
	}
	SQLSMALLINT ncols;
	ot_ok(SQLNumResultCols(st, &ncols), SQL_HANDLE_STMT, st, "SQLNumResultCols");
	char line[256];
	SQLSMALLINT types[64];
	assert_true(ncols < 64);
	for (SQLSMALLINT c = 1; c <= ncols; c++) {
		SQLCHAR name[128];
		SQLSMALLINT nl, dig, nul;
		SQLULEN size;
		ot_ok(SQLDescribeCol(st, (SQLUSMALLINT)c, name, sizeof(name), &nl, &types[c], &size, &dig, &nul),
		      SQL_HANDLE_STMT, st, "SQLDescribeCol");
		snprintf(line, sizeof(line), "%s%s:%d", c > 1 ? "|" : "", (char *)name, (int)types[c]);
		dump_str(d, line);
	}
	dump_str(d, "\n");
	SQLRETURN r;
	long rows = 0;
	while ((r = SQLFetch(st)) != SQL_NO_DATA) {
		ot_ok(r, SQL_HANDLE_STMT, st, "SQLFetch");
		for (SQLSMALLINT c = 1; c <= ncols; c++) {
			if (c > 1)
				dump_str(d, "|");
			bool text = types[c] == SQL_VARCHAR || types[c] == SQL_LONGVARCHAR || types[c] == SQL_CHAR;
			dump_value(d, st, (SQLUSMALLINT)c, wide && text ? SQL_C_WCHAR : SQL_C_CHAR);
		}
		dump_str(d, "\n");
		rows++;
	}
	SQLLEN rc;
	ot_ok(SQLRowCount(st, &rc), SQL_HANDLE_STMT, st, "SQLRowCount");
	snprintf(line, sizeof(line), "rows=%ld\n", rows);
	dump_str(d, line);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static const struct {
	const char *sql;
	const char *param;
} queries[] = {
        {"SELECT * FROM ort ORDER BY plz", NULL},
        {"SELECT * FROM genre ORDER BY id", NULL},
        {"SELECT * FROM regisseur ORDER BY id", NULL},
        {"SELECT id, titel, ort, genre, regie, jahr, laenge_min, budget, bewertung, erschienen, geaendert "
         "FROM film ORDER BY id",
         NULL},
        {"SELECT * FROM darsteller WHERE id % 7 = 0 ORDER BY id", NULL},
        {"SELECT * FROM darst_film WHERE fid < 200 ORDER BY did, fid", NULL},
        /* the demo's two query shapes: a director by id, the director's films with their location */
        {"SELECT * FROM regisseur WHERE id = ?", "7"},
        {"SELECT r.nname, f.titel, f.jahr, o.name FROM regisseur r JOIN film f ON f.regie = r.id "
         "JOIN ort o ON o.plz = f.ort WHERE r.id = ? ORDER BY f.id",
         "3"},
        {"SELECT nname, count(*), min(vname), max(wohnort) FROM darsteller GROUP BY nname ORDER BY nname", NULL},
        {"SELECT genre, avg(bewertung)::numeric(10,4), sum(budget), count(erschienen) FROM film GROUP BY genre "
         "ORDER BY genre",
         NULL},
        {"SELECT vname FROM regisseur WHERE vname LIKE ? ORDER BY id", "%a%"},
        {"SELECT 1::int2, -2::int4, 3::int8, 1.5::float4, 2.25::float8, 0.000001::numeric, 'x'::char(3), "
         "'y'::varchar(5), NULL::text, DATE '2000-02-29', TIMESTAMP '1999-12-31 23:59:59.999999', TIME '12:00'",
         NULL},
};

static void test_same_results(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		dump a = {0}, b = {0};
		run(ours, queries[i].sql, queries[i].param, false, &a);
		run(ours, queries[i].sql, queries[i].param, true, &a);
		run(theirs, queries[i].sql, queries[i].param, false, &b);
		run(theirs, queries[i].sql, queries[i].param, true, &b);
		if (strcmp(a.text, b.text) != 0) {
			/* show the first differing line */
			const char *p = a.text, *q = b.text;
			while (*p && *p == *q)
				p++, q++;
			while (p > a.text && p[-1] != '\n')
				p--, q--;
			print_error("query %zu differs: %s\n  ours:     %.200s\n  psqlODBC: %.200s\n", i,
			            queries[i].sql, p, q);
			fail();
		}
		assert_true(a.len > 10);
		free(a.text);
		free(b.text);
	}
}

static void test_same_row_counts(void **state)
{
	(void)state;
	SQLHDBC dbcs[2] = {ours, theirs};
	SQLLEN counts[2];
	for (int i = 0; i < 2; i++) {
		SQLHSTMT st = ot_stmt(dbcs[i]);
		ot_ok(SQLSetConnectAttr(dbcs[i], SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0),
		      SQL_HANDLE_DBC, dbcs[i], "autocommit off");
		ot_ok(SQLExecDirect(st, (SQLCHAR *)"UPDATE film SET jahr = jahr WHERE jahr < 1990", SQL_NTS),
		      SQL_HANDLE_STMT, st, "UPDATE");
		ot_ok(SQLRowCount(st, &counts[i]), SQL_HANDLE_STMT, st, "SQLRowCount");
		ot_ok(SQLEndTran(SQL_HANDLE_DBC, dbcs[i], SQL_ROLLBACK), SQL_HANDLE_DBC, dbcs[i], "rollback");
		ot_ok(SQLSetConnectAttr(dbcs[i], SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, 0), SQL_HANDLE_DBC,
		      dbcs[i], "autocommit on");
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	}
	assert_true(counts[0] > 0);
	assert_int_equal(counts[0], counts[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_same_results),
	        cmocka_unit_test(test_same_row_counts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
