/*
 * ODBC API test: every function the driver implements, through unixODBC
 * (linked with -lodbc, not with the driver), against the built
 * libcbcacheodbc.so named by a generated odbcinst.ini, on the movie
 * database of the throwaway PostgreSQL.  Expected values come from
 * PostgreSQL itself over libpq, never from the driver.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/odbc/odbctest.h"

static SQLHENV env;
static SQLHDBC dbc;
static PGconn *pg;

/* The DSN under test: cbtest; CB_ODBC_API_DSN=pgtest runs the same
 * program against psqlODBC, to check what the expectations say about it. */
static const char *dsn(void)
{
	const char *d = getenv("CB_ODBC_API_DSN");
	return d && d[0] ? d : "cbtest";
}

#define OK_STMT(call, st) ot_ok((call), SQL_HANDLE_STMT, (st), #call)
#define OK_DBC(call, d) ot_ok((call), SQL_HANDLE_DBC, (d), #call)

static int setup(void **state)
{
	(void)state;
	if (!ot_setup_ini())
		return -1;
	pg = PQconnectdb(getenv("CB_PG_CONNINFO"));
	if (PQstatus(pg) != CONNECTION_OK)
		return -1;
	SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
	SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	if (!SQL_SUCCEEDED(SQLConnect(dbc, (SQLCHAR *)dsn(), SQL_NTS, NULL, 0, NULL, 0)))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	PQfinish(pg);
	return 0;
}

/* Fetch the next row; its first column, as text, is want. */
static void fetch_first_is(SQLHSTMT st, const char *want)
{
	char got[256];
	SQLLEN ind;
	OK_STMT(SQLFetch(st), st);
	OK_STMT(SQLGetData(st, 1, SQL_C_CHAR, got, sizeof(got), &ind), st);
	assert_string_equal(got, want);
}

/* --- connections ------------------------------------------------------------ */

/* SQLDriverConnect with in fails with 08001 and a message containing want. */
static void connect_refused(SQLHDBC d, const char *in, const char *want)
{
	char msg[1024];
	assert_int_equal(SQLDriverConnect(d, NULL, (SQLCHAR *)in, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT),
	                 SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_DBC, d, msg, sizeof(msg)), "08001");
	if (strstr(msg, want) == NULL)
		fail_msg("connecting with %s: the message \"%s\" does not say \"%s\"", in, msg, want);
}

static void test_driver_connect(void **state)
{
	(void)state;
	SQLHDBC d;
	SQLCHAR out[1024];
	SQLSMALLINT outlen;
	char in[1024];
	assert_int_equal(SQLAllocHandle(SQL_HANDLE_DBC, env, &d), SQL_SUCCESS);

	/* DSN plus an override; the completed string names every setting */
	OK_DBC(SQLDriverConnect(d, NULL, (SQLCHAR *)"DSN=cbtest;ApplicationName={odbc;test}", SQL_NTS, out, sizeof(out),
	                        &outlen, SQL_DRIVER_NOPROMPT),
	       d);
	assert_non_null(strstr((char *)out, "DSN=cbtest"));
	assert_non_null(strstr((char *)out, "Database=movies"));
	assert_non_null(strstr((char *)out, "ApplicationName={odbc;test}"));
	assert_int_equal(outlen, (SQLSMALLINT)strlen((char *)out));
	SQLHSTMT st = ot_stmt(d);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SHOW application_name", SQL_NTS), st);
	fetch_first_is(st, "odbc;test");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	OK_DBC(SQLDisconnect(d), d);

	/* no DSN: the driver and every key in the string; output truncated */
	snprintf(in, sizeof(in), "Driver=cbcache;Socket=%s;Port=%s;Database=movies;UID=postgres", getenv("PGHOST"),
	         getenv("PGPORT"));
	SQLRETURN r = SQLDriverConnect(d, NULL, (SQLCHAR *)in, SQL_NTS, out, 10, &outlen, SQL_DRIVER_NOPROMPT);
	assert_int_equal(r, SQL_SUCCESS_WITH_INFO);
	assert_true(ot_has_state(SQL_HANDLE_DBC, d, "01004"));
	assert_true(outlen > 10);
	assert_int_equal(strlen((char *)out), 9);
	OK_DBC(SQLDisconnect(d), d);

	/* a database that does not exist: 08001 with the server's reason */
	connect_refused(d, "DSN=cbtest;Database=no_such_db", "no_such_db");
	/* a malformed string */
	connect_refused(d, "DSN=cbtest;Database={movies", "closing");

	/* pqopt is a libpq conninfo string, parsed as libpq parses one */
	static const struct {
		const char *pqopt, *app;
	} pq[] = {
	        {"application_name=my\\ app", "my app"},
	        {"application_name='my app'", "my app"},
	        {"  application_name = 'it\\'s'  connect_timeout=5", "it's"},
	};
	for (size_t i = 0; i < sizeof(pq) / sizeof(pq[0]); i++) {
		snprintf(in, sizeof(in), "DSN=cbtest;pqopt={%s}", pq[i].pqopt);
		OK_DBC(SQLDriverConnect(d, NULL, (SQLCHAR *)in, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT), d);
		st = ot_stmt(d);
		OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SHOW application_name", SQL_NTS), st);
		fetch_first_is(st, pq[i].app);
		SQLFreeHandle(SQL_HANDLE_STMT, st);
		OK_DBC(SQLDisconnect(d), d);
	}
	/* libpq refuses it: psqlODBC's words with libpq's reason */
	connect_refused(d, "DSN=cbtest;pqopt={application_name='open}",
	                "libpq connection parameter error:unterminated quoted string");
	/* a key the DSN gives otherwise */
	connect_refused(d, "DSN=cbtest;pqopt={dbname=postgres}",
	                "dbname parameter in pqopt option conflicts with other ordinary option");
	SQLFreeHandle(SQL_HANDLE_DBC, d);
}

static void test_connect_errors(void **state)
{
	(void)state;
	SQLHDBC d;
	char msg[1024];
	assert_int_equal(SQLAllocHandle(SQL_HANDLE_DBC, env, &d), SQL_SUCCESS);
	SQLRETURN r = SQLConnect(d, (SQLCHAR *)"cbbad", SQL_NTS, NULL, 0, NULL, 0);
	assert_int_equal(r, SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_DBC, d, msg, sizeof(msg)), "08001");
	assert_non_null(strstr(msg, "refused"));

	/* password roles: the right password connects, a wrong one is 08001 */
	PQclear(PQexec(pg, "DROP ROLE IF EXISTS odbc_pw"));
	PGresult *res = PQexec(pg, "CREATE ROLE odbc_pw LOGIN PASSWORD 'geheim' IN ROLE pwusers");
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	r = SQLConnect(d, (SQLCHAR *)"cbtest", SQL_NTS, (SQLCHAR *)"odbc_pw", SQL_NTS, (SQLCHAR *)"falsch", SQL_NTS);
	assert_int_equal(r, SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_DBC, d, msg, sizeof(msg)), "08001");
	assert_non_null(strstr(msg, "password authentication failed"));
	OK_DBC(SQLConnect(d, (SQLCHAR *)"cbtest", SQL_NTS, (SQLCHAR *)"odbc_pw", SQL_NTS, (SQLCHAR *)"geheim", SQL_NTS),
	       d);
	SQLCHAR user[64];
	SQLSMALLINT len;
	OK_DBC(SQLGetInfo(d, SQL_USER_NAME, user, sizeof(user), &len), d);
	assert_string_equal((char *)user, "odbc_pw");
	OK_DBC(SQLDisconnect(d), d);
	SQLFreeHandle(SQL_HANDLE_DBC, d);
}

/* --- info ----------------------------------------------------------------- */

static void test_get_info_functions(void **state)
{
	(void)state;
	SQLCHAR s[128];
	SQLSMALLINT len;
	SQLUSMALLINT u16;
	SQLUINTEGER u32;
	OK_DBC(SQLGetInfo(dbc, SQL_DBMS_NAME, s, sizeof(s), &len), dbc);
	assert_string_equal((char *)s, "PostgreSQL");
	OK_DBC(SQLGetInfo(dbc, SQL_DBMS_VER, s, sizeof(s), &len), dbc);
	char want[16];
	/* psqlODBC's form: major.minor.patch of the server number */
	snprintf(want, sizeof(want), "%d.%d.%d", PQserverVersion(pg) / 10000, PQserverVersion(pg) % 10000 / 100,
	         PQserverVersion(pg) % 100);
	assert_string_equal((char *)s, want);
	OK_DBC(SQLGetInfo(dbc, SQL_DATABASE_NAME, s, sizeof(s), &len), dbc);
	assert_string_equal((char *)s, "movies");
	OK_DBC(SQLGetInfo(dbc, SQL_IDENTIFIER_QUOTE_CHAR, s, sizeof(s), &len), dbc);
	assert_string_equal((char *)s, "\"");
	OK_DBC(SQLGetInfo(dbc, SQL_TXN_CAPABLE, &u16, sizeof(u16), NULL), dbc);
	assert_int_equal(u16, SQL_TC_ALL);
	OK_DBC(SQLGetInfo(dbc, SQL_SCROLL_OPTIONS, &u32, sizeof(u32), NULL), dbc);
	/* UpdatableCursors=1 (psqlODBC's default) offers keyset-driven cursors */
	assert_int_equal(u32, SQL_SO_FORWARD_ONLY | SQL_SO_STATIC | SQL_SO_KEYSET_DRIVEN);
	/* static cursors scroll: unixODBC then leaves its cursor library out */
	OK_DBC(SQLGetInfo(dbc, SQL_STATIC_CURSOR_ATTRIBUTES1, &u32, sizeof(u32), NULL), dbc);
	assert_true(u32 & SQL_CA1_ABSOLUTE);
	/* truncation of a string answer */
	assert_int_equal(SQLGetInfo(dbc, SQL_DBMS_NAME, s, 4, &len), SQL_SUCCESS_WITH_INFO);
	assert_string_equal((char *)s, "Pos");
	assert_int_equal(len, 10);
	/* an information type nobody defines: psqlODBC's HYC00 */
	assert_int_equal(SQLGetInfo(dbc, 29999, s, sizeof(s), &len), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_DBC, dbc, NULL, 0), "HYC00");

	SQLUSMALLINT sup;
	OK_DBC(SQLGetFunctions(dbc, SQL_API_SQLPREPARE, &sup), dbc);
	assert_int_equal(sup, SQL_TRUE);
	OK_DBC(SQLGetFunctions(dbc, SQL_API_SQLFOREIGNKEYS, &sup), dbc);
	assert_int_equal(sup, SQL_TRUE);
	OK_DBC(SQLGetFunctions(dbc, SQL_API_SQLSETPOS, &sup), dbc);
	assert_int_equal(sup, SQL_TRUE);
	OK_DBC(SQLGetFunctions(dbc, SQL_API_SQLGETCURSORNAME, &sup), dbc);
	assert_int_equal(sup, SQL_TRUE);
	SQLUSMALLINT all[SQL_API_ODBC3_ALL_FUNCTIONS_SIZE];
	OK_DBC(SQLGetFunctions(dbc, SQL_API_ODBC3_ALL_FUNCTIONS, all), dbc);
	assert_true(SQL_FUNC_EXISTS(all, SQL_API_SQLFETCHSCROLL));
	assert_true(SQL_FUNC_EXISTS(all, SQL_API_SQLGETDIAGFIELD));
	assert_true(SQL_FUNC_EXISTS(all, SQL_API_SQLBULKOPERATIONS));
	assert_true(SQL_FUNC_EXISTS(all, SQL_API_SQLPROCEDURES));
}

static void test_attributes(void **state)
{
	(void)state;
	SQLUINTEGER v;
	OK_DBC(SQLGetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, &v, 0, NULL), dbc);
	assert_int_equal(v, SQL_AUTOCOMMIT_ON);
	OK_DBC(SQLSetConnectAttr(dbc, SQL_ATTR_TXN_ISOLATION, (SQLPOINTER)SQL_TXN_SERIALIZABLE, 0), dbc);
	assert_string_equal(ot_pg_value(pg, "SELECT 1"), "1");
	SQLHSTMT st = ot_stmt(dbc);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SHOW default_transaction_isolation", SQL_NTS), st);
	fetch_first_is(st, "serializable");
	OK_STMT(SQLCloseCursor(st), st);
	OK_DBC(SQLSetConnectAttr(dbc, SQL_ATTR_TXN_ISOLATION, (SQLPOINTER)SQL_TXN_READ_COMMITTED, 0), dbc);
	assert_int_equal(SQLSetConnectAttr(dbc, 12345, (SQLPOINTER)1, 0), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_DBC, dbc, NULL, 0), "HYC00");
	/* past the ODBC 2 options' range: not for this driver (psqlODBC's HY092) */
	assert_int_equal(SQLSetConnectAttr(dbc, 99999, (SQLPOINTER)1, 0), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_DBC, dbc, NULL, 0), "HY092");

	SQLULEN n;
	OK_STMT(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)7, 0), st);
	OK_STMT(SQLGetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, &n, 0, NULL), st);
	assert_int_equal(n, 7);
	SQLULEN fetched;
	OK_STMT(SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0), st);
	SQLPOINTER p;
	OK_STMT(SQLGetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &p, 0, NULL), st);
	assert_ptr_equal(p, &fetched);
	/* dynamic cursors are not offered: option value changed (to keyset-driven, as psqlODBC) */
	assert_int_equal(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_DYNAMIC, 0),
	                 SQL_SUCCESS_WITH_INFO);
	assert_true(ot_has_state(SQL_HANDLE_STMT, st, "01S02"));
	SQLUINTEGER ct = 99;
	OK_STMT(SQLGetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, &ct, 0, NULL), st);
	assert_int_equal(ct, SQL_CURSOR_KEYSET_DRIVEN);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* --- execution and fetching --------------------------------------------------- */

static void test_exec_direct_bindcol(void **state)
{
	(void)state;
	SQLHSTMT st = ot_stmt(dbc);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT id, nname, vname FROM regisseur ORDER BY id LIMIT 25", SQL_NTS),
	        st);
	SQLSMALLINT ncols;
	OK_STMT(SQLNumResultCols(st, &ncols), st);
	assert_int_equal(ncols, 3);
	SQLINTEGER id;
	char nname[128], vname[128];
	SQLLEN idi, ni, vi;
	OK_STMT(SQLBindCol(st, 1, SQL_C_SLONG, &id, 0, &idi), st);
	OK_STMT(SQLBindCol(st, 2, SQL_C_CHAR, nname, sizeof(nname), &ni), st);
	OK_STMT(SQLBindCol(st, 3, SQL_C_CHAR, vname, sizeof(vname), &vi), st);
	PGresult *want = PQexec(pg, "SELECT id, nname, vname FROM regisseur ORDER BY id LIMIT 25");
	int row = 0;
	SQLRETURN r;
	while ((r = SQLFetch(st)) != SQL_NO_DATA) {
		OK_STMT(r, st);
		assert_true(row < PQntuples(want));
		assert_int_equal(id, atoi(PQgetvalue(want, row, 0)));
		assert_string_equal(nname, PQgetvalue(want, row, 1));
		assert_int_equal(ni, (SQLLEN)strlen(PQgetvalue(want, row, 1)));
		if (PQgetisnull(want, row, 2))
			assert_int_equal(vi, SQL_NULL_DATA);
		else
			assert_string_equal(vname, PQgetvalue(want, row, 2));
		row++;
	}
	assert_int_equal(row, PQntuples(want));
	PQclear(want);
	SQLLEN rc;
	OK_STMT(SQLRowCount(st, &rc), st);
	assert_int_equal(rc, 25);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* The number of server-side prepared statements of the connection. */
static long prepared_count(void)
{
	SQLHSTMT q = ot_stmt(dbc);
	SQLINTEGER n = -1;
	SQLLEN ind;
	OK_STMT(SQLExecDirect(q, (SQLCHAR *)"SELECT count(*)::int FROM pg_prepared_statements", SQL_NTS), q);
	OK_STMT(SQLFetch(q), q);
	OK_STMT(SQLGetData(q, 1, SQL_C_SLONG, &n, 0, &ind), q);
	SQLFreeHandle(SQL_HANDLE_STMT, q);
	return n;
}

/* Preparing a text again on the connection reuses its server-side statement. */
static void test_prepare_cache(void **state)
{
	(void)state;
	const char *sql = "SELECT nname FROM regisseur WHERE id = ? /* prepare cache */";
	long before = prepared_count();
	for (int i = 0; i < 5; i++) {
		SQLHSTMT st = ot_stmt(dbc);
		OK_STMT(SQLPrepare(st, (SQLCHAR *)sql, SQL_NTS), st);
		SQLINTEGER id = 1 + i;
		SQLLEN ind = 0;
		OK_STMT(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &id, 0, &ind), st);
		OK_STMT(SQLExecute(st), st);
		SQLSMALLINT nc;
		OK_STMT(SQLNumResultCols(st, &nc), st);
		assert_int_equal(nc, 1);
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	}
	assert_int_equal(prepared_count(), before + 1);
	/* two handles at once share it */
	SQLHSTMT a = ot_stmt(dbc), b = ot_stmt(dbc);
	OK_STMT(SQLPrepare(a, (SQLCHAR *)sql, SQL_NTS), a);
	OK_STMT(SQLPrepare(b, (SQLCHAR *)sql, SQL_NTS), b);
	assert_int_equal(prepared_count(), before + 1);
	SQLFreeHandle(SQL_HANDLE_STMT, a);
	SQLFreeHandle(SQL_HANDLE_STMT, b);
	/* more texts than the cache holds: the least recently used go, the count stays bounded */
	for (int i = 0; i < 40; i++) {
		char text[96];
		snprintf(text, sizeof(text), "SELECT %d AS n, nname FROM regisseur WHERE id = ?", i);
		SQLHSTMT st = ot_stmt(dbc);
		OK_STMT(SQLPrepare(st, (SQLCHAR *)text, SQL_NTS), st);
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	}
	assert_true(prepared_count() <= before + 32);
	/* DEALLOCATE ALL through the driver empties the cache: preparing again works */
	SQLHSTMT d = ot_stmt(dbc);
	OK_STMT(SQLExecDirect(d, (SQLCHAR *)"DEALLOCATE ALL", SQL_NTS), d);
	SQLFreeHandle(SQL_HANDLE_STMT, d);
	assert_int_equal(prepared_count(), 0);
	SQLHSTMT st = ot_stmt(dbc);
	OK_STMT(SQLPrepare(st, (SQLCHAR *)sql, SQL_NTS), st);
	SQLINTEGER id = 1;
	SQLLEN ind = 0;
	OK_STMT(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &id, 0, &ind), st);
	OK_STMT(SQLExecute(st), st);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	assert_int_equal(prepared_count(), 1);
}

static void test_prepare_execute(void **state)
{
	(void)state;
	SQLHSTMT st = ot_stmt(dbc);
	OK_STMT(SQLPrepare(st,
	                   (SQLCHAR *)"SELECT f.titel, f.jahr, '?' AS \"q?\" /* ? */ FROM film f "
	                              "WHERE f.regie = ? AND f.jahr >= ? -- ?\nORDER BY f.id",
	                   SQL_NTS),
	        st);
	SQLLEN ind;

	/* parameters and columns are known before SQLExecute */
	SQLSMALLINT np, nc, type, digits, nullable;
	SQLULEN size;
	OK_STMT(SQLNumParams(st, &np), st);
	assert_int_equal(np, 2);
	OK_STMT(SQLDescribeParam(st, 1, &type, &size, &digits, &nullable), st);
	assert_int_equal(type, SQL_INTEGER);
	assert_int_equal(SQLDescribeParam(st, 3, &type, &size, &digits, &nullable), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, NULL, 0), "07009");
	OK_STMT(SQLNumResultCols(st, &nc), st);
	assert_int_equal(nc, 3);
	SQLCHAR cname[64];
	SQLSMALLINT cnlen;
	OK_STMT(SQLDescribeCol(st, 3, cname, sizeof(cname), &cnlen, &type, &size, &digits, &nullable), st);
	assert_string_equal((char *)cname, "q?");
	OK_STMT(SQLDescribeCol(st, 2, cname, sizeof(cname), &cnlen, &type, &size, &digits, &nullable), st);
	assert_string_equal((char *)cname, "jahr");
	assert_int_equal(type, SQL_INTEGER);

	/* the busiest director, executed twice with different years */
	const char *regie =
	        ot_pg_value(pg, "SELECT regie FROM film GROUP BY regie ORDER BY count(*) DESC, regie LIMIT 1");
	SQLINTEGER r_id = atoi(regie), jahr = 0;
	OK_STMT(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &r_id, 0, NULL), st);
	OK_STMT(SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &jahr, 0, NULL), st);
	for (int pass = 0; pass < 2; pass++) {
		jahr = pass == 0 ? 0 : 1990;
		char q[256];
		snprintf(q, sizeof(q), "SELECT count(*) FROM film WHERE regie = %d AND jahr >= %d", (int)r_id,
		         (int)jahr);
		long want = atol(ot_pg_value(pg, q));
		OK_STMT(SQLExecute(st), st);
		long got = 0;
		char q3[8];
		while (SQL_SUCCEEDED(SQLFetch(st))) {
			OK_STMT(SQLGetData(st, 3, SQL_C_CHAR, q3, sizeof(q3), &ind), st);
			assert_string_equal(q3, "?");
			got++;
		}
		assert_int_equal(got, want);
		OK_STMT(SQLFreeStmt(st, SQL_CLOSE), st);
	}
	/* an unbound parameter */
	OK_STMT(SQLFreeStmt(st, SQL_RESET_PARAMS), st);
	assert_int_equal(SQLExecute(st), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, NULL, 0), "07002");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* a prepare error carries the server's SQLSTATE; like psqlODBC, the
	 * statement reaches the server when it is described or executed */
	st = ot_stmt(dbc);
	OK_STMT(SQLPrepare(st, (SQLCHAR *)"SELECT * FROM no_such_table WHERE id = ?", SQL_NTS), st);
	SQLINTEGER one = 1;
	OK_STMT(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &one, 0, NULL), st);
	assert_int_equal(SQLExecute(st), SQL_ERROR);
	char msg[512];
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, msg, sizeof(msg)), "42P01");
	assert_non_null(strstr(msg, "no_such_table"));
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void test_block_fetch(void **state)
{
	(void)state;
	long total = atol(ot_pg_value(pg, "SELECT count(*) FROM film"));
	long idsum = atol(ot_pg_value(pg, "SELECT sum(id) FROM film"));
	enum { N = 64 };
	SQLHSTMT st = ot_stmt(dbc);
	SQLINTEGER ids[N];
	SQLLEN ind[N];
	char titles[N][32];
	SQLLEN tind[N];
	SQLUSMALLINT status[N];
	SQLULEN fetched;
	OK_STMT(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)N, 0), st);
	OK_STMT(SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, status, 0), st);
	OK_STMT(SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0), st);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT id, titel FROM film ORDER BY id", SQL_NTS), st);
	OK_STMT(SQLBindCol(st, 1, SQL_C_SLONG, ids, 0, ind), st);
	OK_STMT(SQLBindCol(st, 2, SQL_C_CHAR, titles, sizeof(titles[0]), tind), st);
	long rows = 0, sum = 0, fetches = 0;
	SQLRETURN r;
	while ((r = SQLFetchScroll(st, SQL_FETCH_NEXT, 0)) != SQL_NO_DATA) {
		assert_true(SQL_SUCCEEDED(r));
		fetches++;
		assert_true(fetched >= 1 && fetched <= N);
		for (SQLULEN i = 0; i < fetched; i++) {
			assert_true(status[i] == SQL_ROW_SUCCESS || status[i] == SQL_ROW_SUCCESS_WITH_INFO);
			assert_int_equal(ind[i], sizeof(SQLINTEGER));
			sum += ids[i];
		}
		for (SQLULEN i = fetched; i < N; i++)
			assert_int_equal(status[i], SQL_ROW_NOROW);
		rows += (long)fetched;
	}
	assert_int_equal(rows, total);
	assert_int_equal(sum, idsum);
	assert_int_equal(fetches, (total + N - 1) / N);
	/* only SQL_FETCH_NEXT: the cursor is forward-only */
	OK_STMT(SQLFreeStmt(st, SQL_CLOSE), st);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT 1", SQL_NTS), st);
	assert_int_equal(SQLFetchScroll(st, SQL_FETCH_ABSOLUTE, 1), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, NULL, 0), "HY106");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* row-wise binding */
	struct rowbuf {
		SQLINTEGER id;
		SQLLEN idi;
		char plz[8];
		SQLLEN plzi;
	} rb[5];
	st = ot_stmt(dbc);
	OK_STMT(SQLSetStmtAttr(st, SQL_ATTR_ROW_BIND_TYPE, (SQLPOINTER)sizeof(struct rowbuf), 0), st);
	OK_STMT(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)5, 0), st);
	OK_STMT(SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0), st);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT id, wohnort FROM regisseur ORDER BY id LIMIT 7", SQL_NTS), st);
	OK_STMT(SQLBindCol(st, 1, SQL_C_SLONG, &rb[0].id, 0, &rb[0].idi), st);
	OK_STMT(SQLBindCol(st, 2, SQL_C_CHAR, rb[0].plz, sizeof(rb[0].plz), &rb[0].plzi), st);
	PGresult *want = PQexec(pg, "SELECT id, wohnort FROM regisseur ORDER BY id LIMIT 7");
	OK_STMT(SQLFetch(st), st);
	assert_int_equal(fetched, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(rb[i].id, atoi(PQgetvalue(want, i, 0)));
		if (PQgetisnull(want, i, 1))
			assert_int_equal(rb[i].plzi, SQL_NULL_DATA);
		else
			assert_string_equal(rb[i].plz, PQgetvalue(want, i, 1));
	}
	OK_STMT(SQLFetch(st), st);
	assert_int_equal(fetched, 2);
	assert_int_equal(rb[1].id, atoi(PQgetvalue(want, 6, 0)));
	assert_int_equal(SQLFetch(st), SQL_NO_DATA);
	PQclear(want);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void test_static_cursor(void **state)
{
	(void)state;
	PGresult *want = PQexec(pg, "SELECT id FROM genre ORDER BY id");
	int n = PQntuples(want);
	assert_true(n >= 6);
#define WANT(i) atoi(PQgetvalue(want, (i), 0))
	SQLHSTMT st = ot_stmt(dbc);
	OK_STMT(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0), st);
	OK_STMT(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)2, 0), st);
	SQLINTEGER ids[2];
	SQLLEN ind[2];
	SQLULEN fetched;
	OK_STMT(SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0), st);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT id FROM genre ORDER BY id", SQL_NTS), st);
	OK_STMT(SQLBindCol(st, 1, SQL_C_SLONG, ids, 0, ind), st);
	OK_STMT(SQLFetchScroll(st, SQL_FETCH_LAST, 0), st);
	assert_int_equal(ids[1], WANT(n - 1));
	OK_STMT(SQLFetchScroll(st, SQL_FETCH_PRIOR, 0), st);
	assert_int_equal(ids[0], WANT(n - 4));
	OK_STMT(SQLFetchScroll(st, SQL_FETCH_ABSOLUTE, 3), st);
	assert_int_equal(ids[0], WANT(2));
	OK_STMT(SQLFetchScroll(st, SQL_FETCH_RELATIVE, -1), st);
	assert_int_equal(ids[0], WANT(1));
	assert_int_equal(ids[1], WANT(2));
	OK_STMT(SQLFetchScroll(st, SQL_FETCH_ABSOLUTE, -1), st);
	assert_int_equal(fetched, 1);
	assert_int_equal(ids[0], WANT(n - 1));
	OK_STMT(SQLFetchScroll(st, SQL_FETCH_FIRST, 0), st);
	assert_int_equal(ids[0], WANT(0));
	assert_int_equal(SQLFetchScroll(st, SQL_FETCH_PRIOR, 0), SQL_NO_DATA);
	OK_STMT(SQLFetchScroll(st, SQL_FETCH_NEXT, 0), st);
	assert_int_equal(ids[0], WANT(0));
	assert_int_equal(SQLFetchScroll(st, SQL_FETCH_ABSOLUTE, n + 1), SQL_NO_DATA);
#undef WANT
	PQclear(want);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void test_get_data_piecewise(void **state)
{
	(void)state;
	SQLHSTMT st = ot_stmt(dbc);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT repeat('abcdefghij', 100) || 'Jürgen', 'Zoë Ólafur'::text",
	                      SQL_NTS),
	        st);
	OK_STMT(SQLFetch(st), st);
	char all[2048] = "", part[64];
	SQLLEN ind;
	SQLRETURN r;
	int pieces = 0;
	while ((r = SQLGetData(st, 1, SQL_C_CHAR, part, sizeof(part), &ind)) != SQL_NO_DATA) {
		assert_true(SQL_SUCCEEDED(r));
		if (r == SQL_SUCCESS_WITH_INFO) {
			assert_true(ot_has_state(SQL_HANDLE_STMT, st, "01004"));
			assert_true(ind > (SQLLEN)sizeof(part) - 1);
			assert_int_equal(strlen(part), sizeof(part) - 1);
		}
		strcat(all, part);
		pieces++;
	}
	assert_int_equal(strlen(all), 1000 + strlen("Jürgen"));
	assert_string_equal(all + 1000, "Jürgen");
	assert_int_equal(pieces, (int)((strlen(all) + sizeof(part) - 2) / (sizeof(part) - 1)));

	/* wide characters, in pieces of 3 characters */
	SQLWCHAR w[4], wall[32];
	size_t n = 0;
	while ((r = SQLGetData(st, 2, SQL_C_WCHAR, w, sizeof(w), &ind)) != SQL_NO_DATA) {
		assert_true(SQL_SUCCEEDED(r));
		for (int i = 0; w[i]; i++)
			wall[n++] = w[i];
	}
	const char *want = "Zoë Ólafur";
	assert_int_equal(n, 10);
	assert_int_equal(wall[2], 0xeb); /* ë */
	assert_int_equal(wall[4], 0xd3); /* Ó */
	assert_int_equal(wall[9], (SQLWCHAR)want[strlen(want) - 1]);
	/* getting the length only */
	OK_STMT(SQLFreeStmt(st, SQL_CLOSE), st);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT 'Jürgen'::varchar(20)", SQL_NTS), st);
	OK_STMT(SQLFetch(st), st);
	assert_int_equal(SQLGetData(st, 1, SQL_C_CHAR, part, 0, &ind), SQL_SUCCESS_WITH_INFO);
	assert_int_equal(ind, 7);
	OK_STMT(SQLGetData(st, 1, SQL_C_CHAR, part, sizeof(part), &ind), st);
	assert_string_equal(part, "Jürgen");
	assert_int_equal(SQLGetData(st, 1, SQL_C_CHAR, part, sizeof(part), &ind), SQL_NO_DATA);
	/* column 0 (bookmarks) and past the last column */
	assert_int_equal(SQLGetData(st, 2, SQL_C_CHAR, part, sizeof(part), &ind), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, NULL, 0), "07009");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void test_types_out(void **state)
{
	(void)state;
	SQLHSTMT st = ot_stmt(dbc);
	const char *q = "SELECT 32767::int2, 9007199254740993::int8, 12345.67::numeric(10,2), "
	                "0.1::float8, DATE '2021-03-04', TIMESTAMP '2021-03-04 05:06:07.123456', "
	                "TIME '23:59:58', true, '\\x0102ff'::bytea, NULL::int4, 'abc'::text, "
	                "-0.005::numeric, TIMESTAMPTZ '2021-03-04 05:06:07+00'";
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)q, SQL_NTS), st);
	OK_STMT(SQLFetch(st), st);
	SQLLEN ind;
	SQLSMALLINT s16;
	OK_STMT(SQLGetData(st, 1, SQL_C_SSHORT, &s16, 0, &ind), st);
	assert_int_equal(s16, 32767);
	assert_int_equal(ind, 2);
	SQLBIGINT i64;
	OK_STMT(SQLGetData(st, 2, SQL_C_SBIGINT, &i64, 0, &ind), st);
	assert_true(i64 == 9007199254740993LL);
	SQL_NUMERIC_STRUCT ns;
	OK_STMT(SQLGetData(st, 3, SQL_C_NUMERIC, &ns, 0, &ind), st);
	assert_int_equal(ns.sign, 1);
	assert_int_equal(ns.scale, 2);
	assert_int_equal(ns.val[0] | (ns.val[1] << 8) | (ns.val[2] << 16), 1234567);
	double dv;
	OK_STMT(SQLGetData(st, 4, SQL_C_DOUBLE, &dv, 0, &ind), st);
	assert_true(dv == 0.1);
	SQL_DATE_STRUCT ds;
	OK_STMT(SQLGetData(st, 5, SQL_C_TYPE_DATE, &ds, 0, &ind), st);
	assert_int_equal(ds.year, 2021);
	assert_int_equal(ds.month, 3);
	assert_int_equal(ds.day, 4);
	SQL_TIMESTAMP_STRUCT ts;
	OK_STMT(SQLGetData(st, 6, SQL_C_TYPE_TIMESTAMP, &ts, 0, &ind), st);
	assert_int_equal(ts.hour, 5);
	assert_int_equal(ts.second, 7);
	assert_int_equal(ts.fraction, 123456000);
	SQL_TIME_STRUCT tm;
	OK_STMT(SQLGetData(st, 7, SQL_C_TYPE_TIME, &tm, 0, &ind), st);
	assert_int_equal(tm.hour, 23);
	assert_int_equal(tm.second, 58);
	unsigned char bit;
	OK_STMT(SQLGetData(st, 8, SQL_C_BIT, &bit, 0, &ind), st);
	assert_int_equal(bit, 1);
	unsigned char bin[8];
	OK_STMT(SQLGetData(st, 9, SQL_C_BINARY, bin, sizeof(bin), &ind), st);
	assert_int_equal(ind, 3);
	assert_int_equal(bin[2], 0xff);
	SQLINTEGER i32 = 42;
	/* NULL with no indicator: an error (psqlODBC's HY000, not ODBC's 22002); with one: SQL_NULL_DATA */
	assert_int_equal(SQLGetData(st, 10, SQL_C_SLONG, &i32, 0, NULL), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, NULL, 0), "HY000");
	OK_STMT(SQLGetData(st, 10, SQL_C_SLONG, &i32, 0, &ind), st);
	assert_int_equal(ind, SQL_NULL_DATA);
	/* a NULL comes again on the next call, a value does not (psqlODBC) */
	OK_STMT(SQLGetData(st, 10, SQL_C_SLONG, &i32, 0, &ind), st);
	assert_int_equal(ind, SQL_NULL_DATA);
	OK_STMT(SQLGetData(st, 13, SQL_C_SLONG, &i32, 0, &ind), st);
	assert_int_equal(i32, 2021);
	assert_int_equal(SQLGetData(st, 13, SQL_C_SLONG, &i32, 0, &ind), SQL_NO_DATA);
	/* the row again: every column can be read once more */
	OK_STMT(SQLFreeStmt(st, SQL_CLOSE), st);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)q, SQL_NTS), st);
	OK_STMT(SQLFetch(st), st);
	/* psqlODBC's numbers come from atoi/strtod: no range check, a fraction is cut without 01S07,
	 * text gives its leading digits, a date its year */
	signed char i8;
	OK_STMT(SQLGetData(st, 1, SQL_C_STINYINT, &i8, 0, &ind), st);
	assert_int_equal(i8, (signed char)32767);
	assert_int_equal(SQLGetData(st, 3, SQL_C_SLONG, &i32, 0, &ind), SQL_SUCCESS);
	assert_int_equal(i32, 12345);
	OK_STMT(SQLGetData(st, 11, SQL_C_SLONG, &i32, 0, &ind), st);
	assert_int_equal(i32, 0);
	OK_STMT(SQLGetData(st, 5, SQL_C_SLONG, &i32, 0, &ind), st);
	assert_int_equal(i32, 2021);
	OK_STMT(SQLGetData(st, 12, SQL_C_NUMERIC, &ns, 0, &ind), st);
	assert_int_equal(ns.sign, 0);
	assert_int_equal(ns.scale, 3);
	assert_int_equal(ns.val[0], 5);
	/* character forms: bytea as the server's hex digits, bool as 1, timestamptz without zone */
	char c[64];
	OK_STMT(SQLGetData(st, 9, SQL_C_CHAR, c, sizeof(c), &ind), st);
	assert_string_equal(c, "0102ff");
	OK_STMT(SQLGetData(st, 8, SQL_C_CHAR, c, sizeof(c), &ind), st);
	assert_string_equal(c, "1");
	OK_STMT(SQLGetData(st, 13, SQL_C_CHAR, c, sizeof(c), &ind), st);
	assert_int_equal(strlen(c), 19);
	/* truncation of a bound character column: 01004 and the full length */
	OK_STMT(SQLFreeStmt(st, SQL_CLOSE), st);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT 'abcdefghij'", SQL_NTS), st);
	char small[4];
	OK_STMT(SQLBindCol(st, 1, SQL_C_CHAR, small, sizeof(small), &ind), st);
	assert_int_equal(SQLFetch(st), SQL_SUCCESS_WITH_INFO);
	assert_true(ot_has_state(SQL_HANDLE_STMT, st, "01004"));
	assert_string_equal(small, "abc");
	assert_int_equal(ind, 10);

	/* column metadata */
	OK_STMT(SQLFreeStmt(st, SQL_CLOSE), st);
	OK_STMT(SQLFreeStmt(st, SQL_UNBIND), st);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT budget, titel, erschienen, ort FROM film LIMIT 1", SQL_NTS), st);
	SQLLEN num;
	SQLCHAR tn[64];
	SQLSMALLINT tl;
	OK_STMT(SQLColAttribute(st, 1, SQL_DESC_CONCISE_TYPE, NULL, 0, NULL, &num), st);
	assert_int_equal(num, SQL_NUMERIC);
	OK_STMT(SQLColAttribute(st, 1, SQL_DESC_PRECISION, NULL, 0, NULL, &num), st);
	assert_int_equal(num, 12);
	OK_STMT(SQLColAttribute(st, 1, SQL_DESC_SCALE, NULL, 0, NULL, &num), st);
	assert_int_equal(num, 2);
	OK_STMT(SQLColAttribute(st, 2, SQL_DESC_TYPE_NAME, tn, sizeof(tn), &tl, NULL), st);
	assert_string_equal((char *)tn, "text");
	OK_STMT(SQLColAttribute(st, 3, SQL_DESC_TYPE, NULL, 0, NULL, &num), st);
	assert_int_equal(num, SQL_DATETIME);
	OK_STMT(SQLColAttribute(st, 4, SQL_DESC_LENGTH, NULL, 0, NULL, &num), st);
	assert_int_equal(num, 5);
	OK_STMT(SQLColAttribute(st, 4, SQL_DESC_NAME, tn, sizeof(tn), &tl, NULL), st);
	assert_string_equal((char *)tn, "ort");
	OK_STMT(SQLColAttribute(st, 0, SQL_DESC_COUNT, NULL, 0, NULL, &num), st);
	assert_int_equal(num, 4);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void test_types_in(void **state)
{
	(void)state;
	SQLHSTMT st = ot_stmt(dbc);
	OK_STMT(SQLPrepare(st,
	                   (SQLCHAR *)"SELECT ?::numeric, ?::timestamp, ?::text, ?::bytea, ?::float8, ?::int8, "
	                              "?::int4 IS NULL, ?::date, ?::text",
	                   SQL_NTS),
	        st);
	SQL_NUMERIC_STRUCT ns = {0};
	ns.precision = 7, ns.scale = 2, ns.sign = 0;
	ns.val[0] = 0x87, ns.val[1] = 0xd6, ns.val[2] = 0x12; /* 1234567 */
	SQL_TIMESTAMP_STRUCT ts = {2020, 2, 29, 13, 14, 15, 500000000};
	SQLWCHAR w[] = {'J', 0xfc, 'r', 'g', 'e', 'n', 0};
	unsigned char bin[] = {0, 1, 0xfe};
	SQLLEN binlen = 3, nts = SQL_NTS, nul = SQL_NULL_DATA;
	double dv = 2.5e-8;
	SQLBIGINT big = -9007199254740993LL;
	SQLINTEGER dummy = 0;
	SQL_DATE_STRUCT ds = {1999, 12, 31};
	char quote[] = "it's a ? \"test\"";
	OK_STMT(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_NUMERIC, SQL_NUMERIC, 7, 2, &ns, 0, NULL), st);
	OK_STMT(SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_TYPE_TIMESTAMP, SQL_TYPE_TIMESTAMP, 0, 0, &ts, 0, NULL),
	        st);
	OK_STMT(SQLBindParameter(st, 3, SQL_PARAM_INPUT, SQL_C_WCHAR, SQL_WVARCHAR, 6, 0, w, sizeof(w), &nts), st);
	OK_STMT(SQLBindParameter(st, 4, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_VARBINARY, 3, 0, bin, 3, &binlen), st);
	OK_STMT(SQLBindParameter(st, 5, SQL_PARAM_INPUT, SQL_C_DOUBLE, SQL_DOUBLE, 0, 0, &dv, 0, NULL), st);
	OK_STMT(SQLBindParameter(st, 6, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0, &big, 0, NULL), st);
	OK_STMT(SQLBindParameter(st, 7, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &dummy, 0, &nul), st);
	OK_STMT(SQLBindParameter(st, 8, SQL_PARAM_INPUT, SQL_C_TYPE_DATE, SQL_TYPE_DATE, 0, 0, &ds, 0, NULL), st);
	OK_STMT(SQLBindParameter(st, 9, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 20, 0, quote, 0, &nts), st);
	OK_STMT(SQLExecute(st), st);
	OK_STMT(SQLFetch(st), st);
	const char *want[] = {"-12345.67",        "2020-02-29 13:14:15.5", "Jürgen", "0001fe",
	                      "2.5e-08",          "-9007199254740993",     "1",      "1999-12-31",
	                      "it's a ? \"test\""};
	for (int i = 0; i < 9; i++) {
		char got[128];
		SQLLEN ind;
		OK_STMT(SQLGetData(st, (SQLUSMALLINT)(i + 1), SQL_C_CHAR, got, sizeof(got), &ind), st);
		assert_string_equal(got, want[i]);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* psqlODBC's rewrites: MS Access's ("b" = 1) under SQL_ATTR_PGOPT_MSJET
 * (65549), and INSERT ... () VALUES () */
static void test_psqlodbc_rewrites(void **state)
{
	(void)state;
	SQLHSTMT st = ot_stmt(dbc);
	const char *q = "SELECT count(*) FROM pg_class WHERE (\"relisshared\" = 1)";
	assert_int_equal(SQLExecDirect(st, (SQLCHAR *)q, SQL_NTS), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, NULL, 0), "42883"); /* boolean = integer */
	OK_DBC(SQLSetConnectAttr(dbc, 65549, (SQLPOINTER)1, 0), dbc);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)q, SQL_NTS), st);
	fetch_first_is(st, ot_pg_value(pg, "SELECT count(*) FROM pg_class WHERE relisshared"));
	OK_STMT(SQLFreeStmt(st, SQL_CLOSE), st);
	OK_DBC(SQLSetConnectAttr(dbc, 65549, (SQLPOINTER)0, 0), dbc);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"CREATE TEMP TABLE dv (id serial, t text DEFAULT 'd')", SQL_NTS), st);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"insert into dv () values ()", SQL_NTS), st);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT id || t FROM dv", SQL_NTS), st);
	fetch_first_is(st, "1d");
	OK_STMT(SQLFreeStmt(st, SQL_CLOSE), st);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"DROP TABLE dv", SQL_NTS), st);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* SQLSetParam (ODBC 1), which unixODBC passes on as SQLBindParameter with
 * SQL_SETPARAM_VALUE_MAX as the buffer length */
static void test_set_param(void **state)
{
	(void)state;
	SQLHSTMT st = ot_stmt(dbc);
	SQLSMALLINT v = 100;
	OK_STMT(SQLSetParam(st, 1, SQL_C_SHORT, SQL_SMALLINT, 0, 0, &v, NULL), st);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT ?::int + 1 AS foo", SQL_NTS), st);
	fetch_first_is(st, "101");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void test_data_at_exec(void **state)
{
	(void)state;
	SQLHSTMT st = ot_stmt(dbc);
	OK_STMT(SQLPrepare(st, (SQLCHAR *)"SELECT ?::text || ?::text, ?::int IS NULL, ?::bytea", SQL_NTS), st);
	char tok1[4], tail[] = "-end";
	SQLINTEGER tok3;
	unsigned char tok4[4];
	SQLLEN dae = SQL_LEN_DATA_AT_EXEC(0), nts = SQL_NTS;
	SQLLEN dae3 = SQL_DATA_AT_EXEC, dae4 = SQL_LEN_DATA_AT_EXEC(3);
	OK_STMT(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_LONGVARCHAR, 100000, 0, tok1, 0, &dae), st);
	OK_STMT(SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 10, 0, tail, 0, &nts), st);
	OK_STMT(SQLBindParameter(st, 3, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &tok3, 0, &dae3), st);
	OK_STMT(SQLBindParameter(st, 4, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_VARBINARY, 3, 0, tok4, 0, &dae4), st);
	assert_int_equal(SQLExecute(st), SQL_NEED_DATA);
	SQLPOINTER token;
	/* parameter 1 in 1000 pieces, then NULL for 3 and bytes for 4 */
	assert_int_equal(SQLParamData(st, &token), SQL_NEED_DATA);
	assert_ptr_equal(token, tok1);
	for (int i = 0; i < 1000; i++)
		OK_STMT(SQLPutData(st, (SQLPOINTER) "abcdefghij", 10), st);
	assert_int_equal(SQLParamData(st, &token), SQL_NEED_DATA);
	assert_ptr_equal(token, &tok3);
	OK_STMT(SQLPutData(st, NULL, SQL_NULL_DATA), st);
	assert_int_equal(SQLParamData(st, &token), SQL_NEED_DATA);
	assert_ptr_equal(token, tok4);
	unsigned char bytes[] = {0xde, 0xad, 0x00};
	OK_STMT(SQLPutData(st, bytes, 2), st);
	OK_STMT(SQLPutData(st, bytes + 2, 1), st);
	OK_STMT(SQLParamData(st, &token), st);
	OK_STMT(SQLFetch(st), st);
	static char got[20000];
	SQLLEN ind;
	OK_STMT(SQLGetData(st, 1, SQL_C_CHAR, got, sizeof(got), &ind), st);
	assert_int_equal(ind, 10004);
	assert_memory_equal(got, "abcdefghijabcdefghij", 20);
	assert_string_equal(got + 10000, "-end");
	OK_STMT(SQLGetData(st, 2, SQL_C_CHAR, got, sizeof(got), &ind), st);
	assert_string_equal(got, "1");
	OK_STMT(SQLGetData(st, 3, SQL_C_CHAR, got, sizeof(got), &ind), st);
	assert_string_equal(got, "dead00"); /* psqlODBC's hex digits: the server's, lower case */
	OK_STMT(SQLFreeStmt(st, SQL_CLOSE), st);

	/* a refused SQLPutData cancels the execution; the next one starts over */
	OK_STMT(SQLPrepare(st, (SQLCHAR *)"SELECT ?::text IS NULL", SQL_NTS), st);
	OK_STMT(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_LONGVARCHAR, 100, 0, tok1, 0, &dae), st);
	/* a negative length that is no ODBC constant: psqlODBC's HY024 */
	assert_int_equal(SQLExecute(st), SQL_NEED_DATA);
	assert_int_equal(SQLParamData(st, &token), SQL_NEED_DATA);
	assert_int_equal(SQLPutData(st, (SQLPOINTER) "bad", -10), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, NULL, 0), "HY024");
	/* nothing is appended to a NULL (psqlODBC: HY010) */
	assert_int_equal(SQLExecute(st), SQL_NEED_DATA);
	assert_int_equal(SQLParamData(st, &token), SQL_NEED_DATA);
	OK_STMT(SQLPutData(st, NULL, SQL_NULL_DATA), st);
	assert_int_equal(SQLPutData(st, (SQLPOINTER) "x", 1), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, NULL, 0), "HY010");
	/* and a whole execution after both */
	assert_int_equal(SQLExecute(st), SQL_NEED_DATA);
	assert_int_equal(SQLParamData(st, &token), SQL_NEED_DATA);
	OK_STMT(SQLPutData(st, NULL, SQL_NULL_DATA), st);
	OK_STMT(SQLParamData(st, &token), st);
	fetch_first_is(st, "1");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* --- transactions, row counts, more results ---------------------------------- */

static void test_transactions(void **state)
{
	(void)state;
	SQLHSTMT st = ot_stmt(dbc);
	const char *before = ot_pg_value(pg, "SELECT count(*) FROM genre");
	OK_DBC(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0), dbc);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"INSERT INTO genre VALUES (900, 'Odbc1'), (901, 'Odbc2')", SQL_NTS), st);
	SQLLEN rc;
	OK_STMT(SQLRowCount(st, &rc), st);
	assert_int_equal(rc, 2);
	/* not visible outside the transaction */
	assert_string_equal(ot_pg_value(pg, "SELECT count(*) FROM genre WHERE id >= 900"), "0");
	OK_DBC(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_ROLLBACK), dbc);
	assert_string_equal(ot_pg_value(pg, "SELECT count(*) FROM genre"), before);
	/* a disconnect with an open transaction rolls it back (psqlODBC) */
	SQLHENV e2 = ot_env();
	SQLHDBC d2 = ot_connect(e2, dsn());
	SQLHSTMT st2 = ot_stmt(d2);
	OK_DBC(SQLSetConnectAttr(d2, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0), d2);
	OK_STMT(SQLExecDirect(st2, (SQLCHAR *)"INSERT INTO genre VALUES (903, 'Odbc4')", SQL_NTS), st2);
	SQLFreeHandle(SQL_HANDLE_STMT, st2);
	ot_disconnect(d2);
	SQLFreeHandle(SQL_HANDLE_ENV, e2);
	assert_string_equal(ot_pg_value(pg, "SELECT count(*) FROM genre WHERE id = 903"), "0");

	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"INSERT INTO genre VALUES (902, 'Odbc3')", SQL_NTS), st);
	OK_DBC(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT), dbc);
	assert_string_equal(ot_pg_value(pg, "SELECT name FROM genre WHERE id = 902"), "Odbc3");

	/* a failed statement is rolled back alone (Protocol=7.4-2): the transaction goes on */
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"INSERT INTO genre VALUES (904, 'Odbc5')", SQL_NTS), st);
	assert_int_equal(SQLExecDirect(st, (SQLCHAR *)"INSERT INTO genre VALUES (902, 'dup')", SQL_NTS), SQL_ERROR);
	char msg[512];
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, msg, sizeof(msg)), "23505");
	assert_non_null(strstr(msg, "genre_pkey"));
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"INSERT INTO genre VALUES (905, 'Odbc6')", SQL_NTS), st);
	OK_DBC(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT), dbc);
	assert_string_equal(ot_pg_value(pg, "SELECT count(*) FROM genre WHERE id IN (904, 905)"), "2");

	/* autocommit on again; UPDATE row count */
	OK_DBC(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, 0), dbc);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"UPDATE genre SET name = name || '!' WHERE id >= 900", SQL_NTS), st);
	OK_STMT(SQLRowCount(st, &rc), st);
	assert_int_equal(rc, 3);
	assert_string_equal(ot_pg_value(pg, "SELECT name FROM genre WHERE id = 902"), "Odbc3!");
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"DELETE FROM genre WHERE id >= 900", SQL_NTS), st);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* The current result has ncols columns and its first row's column col is
 * the integer want; then on to the next result. */
static void result_is(SQLHSTMT st, SQLSMALLINT ncols, SQLUSMALLINT col, SQLINTEGER want)
{
	SQLSMALLINT nc;
	SQLINTEGER v;
	SQLLEN ind;
	OK_STMT(SQLNumResultCols(st, &nc), st);
	assert_int_equal(nc, ncols);
	OK_STMT(SQLFetch(st), st);
	OK_STMT(SQLGetData(st, col, SQL_C_SLONG, &v, 0, &ind), st);
	assert_int_equal(v, want);
	OK_STMT(SQLMoreResults(st), st);
}

static void test_more_results(void **state)
{
	(void)state;
	SQLHSTMT st = ot_stmt(dbc);
	OK_STMT(SQLExecDirect(
	                st,
	                (SQLCHAR *)"SELECT 1 AS a; SELECT 2 AS b, 3 AS c; UPDATE ort SET name = name WHERE plz = ''",
	                SQL_NTS),
	        st);
	result_is(st, 1, 1, 1);
	result_is(st, 2, 2, 3);
	SQLSMALLINT nc;
	SQLLEN rc;
	OK_STMT(SQLNumResultCols(st, &nc), st);
	assert_int_equal(nc, 0);
	OK_STMT(SQLRowCount(st, &rc), st);
	assert_int_equal(rc, 0);
	assert_int_equal(SQLMoreResults(st), SQL_NO_DATA);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void test_cursor_and_sequence_errors(void **state)
{
	(void)state;
	SQLHSTMT st = ot_stmt(dbc);
	/* nothing prepared */
	assert_int_equal(SQLExecute(st), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, NULL, 0), "HY010");
	/* no cursor to close */
	assert_int_equal(SQLCloseCursor(st), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, NULL, 0), "24000");
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT 1", SQL_NTS), st);
	OK_STMT(SQLCloseCursor(st), st);
	/* a statement without a result set has no rows to fetch (psqlODBC: SQL_NO_DATA) */
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SET search_path = public", SQL_NTS), st);
	assert_int_equal(SQLFetch(st), SQL_NO_DATA);
	/* invalid column and C type arguments */
	SQLINTEGER v;
	assert_int_equal(SQLBindCol(st, 0, SQL_C_SLONG, &v, 0, NULL), SQL_ERROR);
	/* column 0 is the bookmark: a C type other than a bookmark is refused (psqlODBC with its "?????") */
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, NULL, 0), "HY003");
	assert_int_equal(SQLBindParameter(st, 0, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &v, 0, NULL),
	                 SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, NULL, 0), "07009");
	/* invalid handles */
	assert_int_equal(SQLExecDirect(SQL_NULL_HSTMT, (SQLCHAR *)"SELECT 1", SQL_NTS), SQL_INVALID_HANDLE);
	assert_int_equal(SQLFetch(SQL_NULL_HSTMT), SQL_INVALID_HANDLE);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	/* a connection that is not open */
	SQLHDBC d;
	assert_int_equal(SQLAllocHandle(SQL_HANDLE_DBC, env, &d), SQL_SUCCESS);
	assert_int_equal(SQLAllocHandle(SQL_HANDLE_STMT, d, &st), SQL_ERROR);
	SQLFreeHandle(SQL_HANDLE_DBC, d);
}

static void test_native_sql(void **state)
{
	(void)state;
	SQLCHAR out[256];
	SQLINTEGER len;
	OK_DBC(SQLNativeSql(
	               dbc,
	               (SQLCHAR *)"SELECT {d '2020-01-02'}, ?, '?', $$?$$, \"?\" FROM t {oj LEFT JOIN u ON ?} -- ?",
	               SQL_NTS, out, sizeof(out), &len),
	       dbc);
	/* psqlODBC hands the text back as it is */
	assert_string_equal((char *)out,
	                    "SELECT {d '2020-01-02'}, ?, '?', $$?$$, \"?\" FROM t {oj LEFT JOIN u ON ?} -- ?");
	assert_int_equal(len, (SQLINTEGER)strlen((char *)out));
	/* an escape runs */
	SQLHSTMT st = ot_stmt(dbc);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT {fn lower('ABC')} || {ts '2020-01-02 03:04:05'}", SQL_NTS), st);
	fetch_first_is(st, "abc2020-01-02 03:04:05");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* --- catalog ------------------------------------------------------------------ */

/* Fetch column col of every row as text, joined by ',' */
static void fetch_column(SQLHSTMT st, SQLUSMALLINT col, char *out, size_t outsize)
{
	out[0] = '\0';
	SQLRETURN r;
	while ((r = SQLFetch(st)) != SQL_NO_DATA) {
		OK_STMT(r, st);
		char v[256];
		SQLLEN ind;
		OK_STMT(SQLGetData(st, col, SQL_C_CHAR, v, sizeof(v), &ind), st);
		if (out[0])
			strncat(out, ",", outsize - strlen(out) - 1);
		strncat(out, ind == SQL_NULL_DATA ? "NULL" : v, outsize - strlen(out) - 1);
	}
	OK_STMT(SQLFreeStmt(st, SQL_CLOSE), st);
}

static void test_catalog(void **state)
{
	(void)state;
	SQLHSTMT st = ot_stmt(dbc);
	char got[4096], want[4096];

	OK_STMT(SQLTables(st, NULL, 0, (SQLCHAR *)"public", SQL_NTS, (SQLCHAR *)"%", SQL_NTS, (SQLCHAR *)"'TABLE'",
	                  SQL_NTS),
	        st);
	SQLCHAR cn[64];
	SQLSMALLINT cnl, type;
	SQLULEN size;
	SQLSMALLINT dig, nul;
	OK_STMT(SQLDescribeCol(st, 3, cn, sizeof(cn), &cnl, &type, &size, &dig, &nul), st);
	assert_string_equal((char *)cn, "TABLE_NAME");
	fetch_column(st, 3, got, sizeof(got));
	snprintf(want, sizeof(want), "%s",
	         ot_pg_value(pg,
	                     "SELECT string_agg(table_name::text, ',' ORDER BY table_name) FROM "
	                     "information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"));
	assert_string_equal(got, want);

	OK_STMT(SQLColumns(st, NULL, 0, (SQLCHAR *)"public", SQL_NTS, (SQLCHAR *)"film", SQL_NTS, NULL, 0), st);
	fetch_column(st, 4, got, sizeof(got));
	snprintf(want, sizeof(want), "%s",
	         ot_pg_value(pg, "SELECT string_agg(column_name::text, ',' ORDER BY ordinal_position) FROM "
	                         "information_schema.columns WHERE table_name = 'film'"));
	assert_string_equal(got, want);
	OK_STMT(SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"film", SQL_NTS, (SQLCHAR *)"budget", SQL_NTS), st);
	OK_STMT(SQLFetch(st), st);
	SQLSMALLINT dt, dd;
	SQLINTEGER cs;
	SQLLEN ind;
	OK_STMT(SQLGetData(st, 5, SQL_C_SSHORT, &dt, 0, &ind), st);
	assert_int_equal(dt, SQL_NUMERIC);
	OK_STMT(SQLGetData(st, 7, SQL_C_SLONG, &cs, 0, &ind), st);
	assert_int_equal(cs, 12);
	OK_STMT(SQLGetData(st, 9, SQL_C_SSHORT, &dd, 0, &ind), st);
	assert_int_equal(dd, 2);
	assert_int_equal(SQLFetch(st), SQL_NO_DATA);
	OK_STMT(SQLFreeStmt(st, SQL_CLOSE), st);
	/* a pattern: columns of regisseur ending in "name" */
	OK_STMT(SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"regisseur", SQL_NTS, (SQLCHAR *)"%name", SQL_NTS), st);
	fetch_column(st, 4, got, sizeof(got));
	assert_string_equal(got, "vname,nname");

	OK_STMT(SQLPrimaryKeys(st, NULL, 0, NULL, 0, (SQLCHAR *)"darst_film", SQL_NTS), st);
	fetch_column(st, 4, got, sizeof(got));
	assert_string_equal(got, "did,fid");

	OK_STMT(SQLForeignKeys(st, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, (SQLCHAR *)"film", SQL_NTS), st);
	fetch_column(st, 3, got, sizeof(got));
	snprintf(want, sizeof(want), "%s",
	         /* psqlODBC's order: the constraints' OIDs */
	         ot_pg_value(pg, "SELECT string_agg(confrelid::regclass::text, ',' ORDER BY oid) "
	                         "FROM pg_constraint WHERE contype = 'f' AND conrelid = 'film'::regclass"));
	assert_string_equal(got, want);
	OK_STMT(SQLForeignKeys(st, NULL, 0, NULL, 0, (SQLCHAR *)"regisseur", SQL_NTS, NULL, 0, NULL, 0, NULL, 0), st);
	fetch_column(st, 8, got, sizeof(got));
	assert_string_equal(got, "regie");

	OK_STMT(SQLStatistics(st, NULL, 0, NULL, 0, (SQLCHAR *)"film", SQL_NTS, SQL_INDEX_ALL, SQL_QUICK), st);
	fetch_column(st, 6, got, sizeof(got));
	/* psqlODBC lists the indexes (primary key first), no SQL_TABLE_STAT row */
	assert_string_equal(got, "film_pkey,film_genre_idx,film_ort_idx,film_regie_idx");
	OK_STMT(SQLStatistics(st, NULL, 0, NULL, 0, (SQLCHAR *)"film", SQL_NTS, SQL_INDEX_UNIQUE, SQL_QUICK), st);
	fetch_column(st, 9, got, sizeof(got));
	assert_string_equal(got, "id");

	OK_STMT(SQLSpecialColumns(st, SQL_BEST_ROWID, NULL, 0, NULL, 0, (SQLCHAR *)"darst_film", SQL_NTS,
	                          SQL_SCOPE_SESSION, SQL_NULLABLE),
	        st);
	/* tables have no OIDs since PostgreSQL 12: psqlODBC names no best row id */
	fetch_column(st, 2, got, sizeof(got));
	assert_string_equal(got, "");

	/* psqlODBC's list in its own order (not sorted by DATA_TYPE) */
	OK_STMT(SQLGetTypeInfo(st, SQL_ALL_TYPES), st);
	static const SQLSMALLINT first[] = {SQL_BIGINT, SQL_BIT, SQL_CHAR, SQL_TYPE_DATE};
	int ntypes = 0;
	while (SQL_SUCCEEDED(SQLFetch(st))) {
		OK_STMT(SQLGetData(st, 2, SQL_C_SSHORT, &dt, 0, &ind), st);
		if (ntypes < 4)
			assert_int_equal(dt, first[ntypes]);
		ntypes++;
	}
	/* psqlODBC's 25 (built without SQL interval types: none of those) */
	assert_int_equal(ntypes, 25);
	OK_STMT(SQLFreeStmt(st, SQL_CLOSE), st);
	OK_STMT(SQLGetTypeInfo(st, SQL_INTEGER), st);
	fetch_column(st, 1, got, sizeof(got));
	assert_string_equal(got, "int4");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* --- cancel and lost connections ---------------------------------------------- */

struct sleeper {
	SQLHSTMT st;
	SQLRETURN r;
	char state[6];
};

static void *sleeper_run(void *arg)
{
	struct sleeper *s = arg;
	s->r = SQLExecDirect(s->st, (SQLCHAR *)"SELECT pg_sleep(60)", SQL_NTS);
	snprintf(s->state, sizeof(s->state), "%s", ot_state(SQL_HANDLE_STMT, s->st, NULL, 0));
	return NULL;
}

static void test_cancel(void **state)
{
	(void)state;
	SQLHENV e2 = ot_env();
	SQLHDBC d2 = ot_connect(e2, dsn());
	struct sleeper s = {.st = ot_stmt(d2)};
	/* nothing running: no effect */
	OK_STMT(SQLCancel(s.st), s.st);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, sleeper_run, &s), 0);
	/* wait (bounded) until the server runs the sleep */
	bool running = false;
	for (int i = 0; i < 1000 && !running; i++) {
		running = atoi(ot_pg_value(pg, "SELECT count(*) FROM pg_stat_activity WHERE query = "
		                               "'SELECT pg_sleep(60)' AND state = 'active'")) == 1;
		if (!running) {
			struct timespec ts = {0, 10 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	assert_true(running);
	time_t t0 = time(NULL);
	assert_int_equal(SQLCancel(s.st), SQL_SUCCESS);
	pthread_join(t, NULL);
	assert_true(time(NULL) - t0 < 30);
	assert_int_equal(s.r, SQL_ERROR);
	assert_string_equal(s.state, "57014");
	SQLFreeHandle(SQL_HANDLE_STMT, s.st);
	ot_disconnect(d2);
	SQLFreeHandle(SQL_HANDLE_ENV, e2);
}

static void test_lost_connection(void **state)
{
	(void)state;
	SQLHENV e2 = ot_env();
	SQLHDBC d2 = ot_connect(e2, dsn());
	SQLHSTMT st = ot_stmt(d2);
	SQLINTEGER pid;
	SQLLEN ind;
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT pg_backend_pid()", SQL_NTS), st);
	OK_STMT(SQLFetch(st), st);
	OK_STMT(SQLGetData(st, 1, SQL_C_SLONG, &pid, 0, &ind), st);
	OK_STMT(SQLFreeStmt(st, SQL_CLOSE), st);
	char q[128];
	snprintf(q, sizeof(q), "SELECT pg_terminate_backend(%d)", (int)pid);
	assert_string_equal(ot_pg_value(pg, q), "t");
	/* the backend is gone (bounded wait until the server forgot it) */
	snprintf(q, sizeof(q), "SELECT count(*) FROM pg_stat_activity WHERE pid = %d", (int)pid);
	for (int i = 0; i < 500 && strcmp(ot_pg_value(pg, q), "0") != 0; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	char msg[512];
	/* the server's goodbye (57P01), worded as psqlODBC words a lost connection */
	assert_int_equal(SQLExecDirect(st, (SQLCHAR *)"SELECT 1", SQL_NTS), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, msg, sizeof(msg)), "57P01");
	assert_non_null(strstr(msg, "The connection has been lost"));
	/* then 08S01, and it stays so */
	assert_int_equal(SQLExecDirect(st, (SQLCHAR *)"SELECT 1", SQL_NTS), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, NULL, 0), "08S01");
	assert_int_equal(SQLExecDirect(st, (SQLCHAR *)"SELECT 1", SQL_NTS), SQL_ERROR);
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, NULL, 0), "08S01");
	SQLUINTEGER dead;
	OK_DBC(SQLGetConnectAttr(d2, SQL_ATTR_CONNECTION_DEAD, &dead, 0, NULL), d2);
	assert_int_equal(dead, SQL_CD_TRUE);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	ot_disconnect(d2);
	SQLFreeHandle(SQL_HANDLE_ENV, e2);
}

/* COPY FROM STDIN / TO STDOUT has no ODBC form: the driver ends the copy
 * and answers HYC00 with psqlODBC's words, and the connection goes on (the
 * driver used to wait forever in the COPY state) */
static void test_copy_refused(void **state)
{
	(void)state;
	SQLHSTMT st = ot_stmt(dbc);
	char msg[512], cnt[32];
	SQLLEN ind;
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"CREATE TEMP TABLE copy_t (a int)", SQL_NTS), st);
	const char *copies[] = {
	        "COPY copy_t FROM STDIN",
	        "COPY (SELECT g, repeat('x', 100) FROM generate_series(1, 200000) g) TO STDOUT",
	        "INSERT INTO copy_t VALUES (7); COPY copy_t TO STDOUT",
	};
	for (int manual = 0; manual < 2; manual++) {
		/* in autocommit, then in a transaction the driver opens */
		OK_DBC(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT,
		                         (SQLPOINTER)(uintptr_t)(manual ? SQL_AUTOCOMMIT_OFF : SQL_AUTOCOMMIT_ON),
		                         SQL_IS_UINTEGER),
		       dbc);
		for (size_t i = 0; i < sizeof(copies) / sizeof(copies[0]); i++) {
			for (int prepared = 0; prepared < 2; prepared++) {
				SQLRETURN rc = prepared ? SQLPrepare(st, (SQLCHAR *)copies[i], SQL_NTS)
				                        : SQLExecDirect(st, (SQLCHAR *)copies[i], SQL_NTS);
				if (prepared) {
					OK_STMT(rc, st);
					rc = SQLExecute(st);
				}
				assert_int_equal(rc, SQL_ERROR);
				assert_string_equal(ot_state(SQL_HANDLE_STMT, st, msg, sizeof(msg)), "HYC00");
				assert_non_null(
				        strstr(msg, "COPY ... FROM STDIN / TO STDOUT is not supported in ODBC"));
				SQLFreeStmt(st, SQL_CLOSE);
				/* the same connection answers the next statement */
				OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT count(*) FROM copy_t", SQL_NTS), st);
				OK_STMT(SQLFetch(st), st);
				OK_STMT(SQLGetData(st, 1, SQL_C_CHAR, cnt, sizeof(cnt), &ind), st);
				/* the copy-in ended with no rows; the failed batch undid its INSERT */
				assert_string_equal(cnt, "0");
				OK_STMT(SQLFreeStmt(st, SQL_CLOSE), st);
			}
		}
	}
	OK_DBC(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT), dbc);
	OK_DBC(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, SQL_IS_UINTEGER), dbc);
	/* a file COPY naming a column "stdin" is an ordinary COPY */
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"CREATE TEMP TABLE copy_col (stdin text, id int)", SQL_NTS), st);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"COPY copy_col (stdin, id) TO '/dev/null'", SQL_NTS), st);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"DROP TABLE copy_col", SQL_NTS), st);
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"DROP TABLE copy_t", SQL_NTS), st);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void test_diag_fields(void **state)
{
	(void)state;
	SQLHSTMT st = ot_stmt(dbc);
	assert_int_equal(SQLExecDirect(st, (SQLCHAR *)"SELECT 1/0", SQL_NTS), SQL_ERROR);
	SQLINTEGER n;
	OK_STMT(SQLGetDiagField(SQL_HANDLE_STMT, st, 0, SQL_DIAG_NUMBER, &n, 0, NULL), st);
	assert_int_equal(n, 1);
	SQLCHAR state5[6], msg[256];
	SQLSMALLINT len;
	OK_STMT(SQLGetDiagField(SQL_HANDLE_STMT, st, 1, SQL_DIAG_SQLSTATE, state5, sizeof(state5), &len), st);
	assert_string_equal((char *)state5, "22012");
	OK_STMT(SQLGetDiagField(SQL_HANDLE_STMT, st, 1, SQL_DIAG_MESSAGE_TEXT, msg, sizeof(msg), &len), st);
	assert_non_null(strstr((char *)msg, "division by zero"));
	assert_int_equal(SQLGetDiagRec(SQL_HANDLE_STMT, st, 2, state5, NULL, msg, sizeof(msg), &len), SQL_NO_DATA);
	/* a message longer than psqlODBC's 4095 bytes is cut there */
	static char longq[10000], longm[10000];
	memset(longq, 'x', sizeof(longq) - 1);
	assert_int_equal(SQLExecDirect(st, (SQLCHAR *)longq, SQL_NTS), SQL_ERROR);
	SQLSMALLINT longlen;
	OK_STMT(SQLGetDiagRec(SQL_HANDLE_STMT, st, 1, state5, NULL, (SQLCHAR *)longm, sizeof(longm), &longlen), st);
	assert_string_equal((char *)state5, "42601");
	assert_int_equal(longlen, 4095);
	assert_int_equal(strlen(longm), 4095);
	assert_non_null(strstr(longm, "syntax error"));
	/* a success clears the records */
	OK_STMT(SQLExecDirect(st, (SQLCHAR *)"SELECT 1", SQL_NTS), st);
	OK_STMT(SQLGetDiagField(SQL_HANDLE_STMT, st, 0, SQL_DIAG_NUMBER, &n, 0, NULL), st);
	assert_int_equal(n, 0);
	OK_STMT(SQLFreeStmt(st, SQL_CLOSE), st);
	/* a server notice: SQL_SUCCESS_WITH_INFO with the notice's own SQLSTATE (psqlODBC) */
	assert_int_equal(SQLExecDirect(st, (SQLCHAR *)"DO $$BEGIN RAISE NOTICE 'hello %', 42; END$$", SQL_NTS),
	                 SQL_SUCCESS_WITH_INFO);
	char m[512];
	assert_string_equal(ot_state(SQL_HANDLE_STMT, st, m, sizeof(m)), "00000");
	assert_non_null(strstr(m, "hello 42"));
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_driver_connect),
	        cmocka_unit_test(test_connect_errors),
	        cmocka_unit_test(test_get_info_functions),
	        cmocka_unit_test(test_attributes),
	        cmocka_unit_test(test_exec_direct_bindcol),
	        cmocka_unit_test(test_prepare_execute),
	        cmocka_unit_test(test_block_fetch),
	        cmocka_unit_test(test_static_cursor),
	        cmocka_unit_test(test_get_data_piecewise),
	        cmocka_unit_test(test_types_out),
	        cmocka_unit_test(test_types_in),
	        cmocka_unit_test(test_data_at_exec),
	        cmocka_unit_test(test_set_param),
	        cmocka_unit_test(test_psqlodbc_rewrites),
	        cmocka_unit_test(test_prepare_cache),
	        cmocka_unit_test(test_transactions),
	        cmocka_unit_test(test_more_results),
	        cmocka_unit_test(test_cursor_and_sequence_errors),
	        cmocka_unit_test(test_native_sql),
	        cmocka_unit_test(test_catalog),
	        cmocka_unit_test(test_cancel),
	        cmocka_unit_test(test_lost_connection),
	        cmocka_unit_test(test_diag_fields),
	        cmocka_unit_test(test_copy_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
