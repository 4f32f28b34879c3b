/*
 * odbc_loop - connect, query, disconnect in a loop through unixODBC and
 * the built driver, for tests/odbc/test_odbc_valgrind.sh (which runs it
 * under valgrind).  Every round allocates fresh handles, runs a prepared
 * statement with a parameter and a direct one, fetches with bound
 * columns, SQLGetData and a block fetch, provokes an error, and frees
 * everything.  Exit status 0 when every round gave the expected rows.
 *
 *   odbc_loop DSN ROUNDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sql.h>
#include <sqlext.h>

static int check(SQLRETURN r, SQLSMALLINT type, SQLHANDLE h, const char *what)
{
	if (SQL_SUCCEEDED(r))
		return 0;
	SQLCHAR state[6] = "", msg[512] = "";
	SQLINTEGER native;
	SQLSMALLINT len;
	SQLGetDiagRec(type, h, 1, state, &native, msg, sizeof(msg), &len);
	fprintf(stderr, "odbc_loop: %s failed (%d): [%s] %s\n", what, (int)r, state, msg);
	return 1;
}

static int round_trip(const char *dsn)
{
	SQLHENV env;
	SQLHDBC dbc;
	SQLHSTMT st;
	int bad = 0;
	if (SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env) != SQL_SUCCESS)
		return 1;
	SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	if (check(SQLConnect(dbc, (SQLCHAR *)dsn, SQL_NTS, NULL, 0, NULL, 0), SQL_HANDLE_DBC, dbc, "SQLConnect")) {
		SQLFreeHandle(SQL_HANDLE_DBC, dbc);
		SQLFreeHandle(SQL_HANDLE_ENV, env);
		return 1;
	}
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);

	/* prepared, one parameter, bound columns */
	SQLINTEGER id = 3, fid;
	char titel[64];
	SQLLEN ind1, ind2;
	bad |= check(SQLPrepare(st, (SQLCHAR *)"SELECT id, titel FROM film WHERE regie = ? ORDER BY id", SQL_NTS),
	             SQL_HANDLE_STMT, st, "SQLPrepare");
	bad |= check(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &id, 0, NULL),
	             SQL_HANDLE_STMT, st, "SQLBindParameter");
	bad |= check(SQLExecute(st), SQL_HANDLE_STMT, st, "SQLExecute");
	bad |= check(SQLBindCol(st, 1, SQL_C_SLONG, &fid, 0, &ind1), SQL_HANDLE_STMT, st, "SQLBindCol");
	bad |= check(SQLBindCol(st, 2, SQL_C_CHAR, titel, sizeof(titel), &ind2), SQL_HANDLE_STMT, st, "SQLBindCol");
	int rows = 0;
	while (SQL_SUCCEEDED(SQLFetch(st)))
		rows++;
	if (rows == 0) {
		fprintf(stderr, "odbc_loop: director 3 has no films\n");
		bad = 1;
	}
	SQLFreeStmt(st, SQL_CLOSE);
	SQLFreeStmt(st, SQL_UNBIND);

	/* direct, block fetch of 16, SQLGetData in pieces, wide characters */
	SQLULEN fetched;
	SQLINTEGER ids[16];
	SQLLEN inds[16];
	SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)16, 0);
	SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0);
	bad |= check(SQLExecDirect(st, (SQLCHAR *)"SELECT id, nname FROM regisseur ORDER BY id LIMIT 40", SQL_NTS),
	             SQL_HANDLE_STMT, st, "SQLExecDirect");
	bad |= check(SQLBindCol(st, 1, SQL_C_SLONG, ids, 0, inds), SQL_HANDLE_STMT, st, "SQLBindCol");
	while (SQL_SUCCEEDED(SQLFetch(st))) {
		SQLWCHAR w[4];
		SQLLEN wi;
		while (SQL_SUCCEEDED(SQLGetData(st, 2, SQL_C_WCHAR, w, sizeof(w), &wi)))
			;
	}
	SQLFreeStmt(st, SQL_CLOSE);
	SQLFreeStmt(st, SQL_UNBIND);

	/* a lookup the cache answers once loaded (in-process through cbcached), and a write: a commit, which a
	 * direct connection waits on until the change stream applied it */
	for (int k = 0; k < 3; k++) {
		bad |= check(SQLExecDirect(st,
		                           (SQLCHAR *)"SELECT id, vname, nname, wohnort FROM regisseur WHERE id = 2",
		                           SQL_NTS),
		             SQL_HANDLE_STMT, st, "SQLExecDirect (lookup)");
		while (SQL_SUCCEEDED(SQLFetch(st)))
			;
		SQLFreeStmt(st, SQL_CLOSE);
	}
	bad |= check(SQLExecDirect(st, (SQLCHAR *)"UPDATE genre SET name = name WHERE id = 1", SQL_NTS),
	             SQL_HANDLE_STMT, st, "SQLExecDirect (write)");
	SQLFreeStmt(st, SQL_CLOSE);

	/* an error, catalog and type info */
	if (SQLExecDirect(st, (SQLCHAR *)"SELECT 1/0", SQL_NTS) != SQL_ERROR) {
		fprintf(stderr, "odbc_loop: division by zero did not fail\n");
		bad = 1;
	}
	bad |= check(SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"film", SQL_NTS, NULL, 0), SQL_HANDLE_STMT, st,
	             "SQLColumns");
	while (SQL_SUCCEEDED(SQLFetch(st)))
		;
	SQLFreeStmt(st, SQL_CLOSE);
	bad |= check(SQLGetTypeInfo(st, SQL_ALL_TYPES), SQL_HANDLE_STMT, st, "SQLGetTypeInfo");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	/* a statement left open is freed by SQLDisconnect */
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLExecDirect(st, (SQLCHAR *)"SELECT * FROM genre", SQL_NTS);
	bad |= check(SQLDisconnect(dbc), SQL_HANDLE_DBC, dbc, "SQLDisconnect");
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: odbc_loop DSN ROUNDS\n");
		return 2;
	}
	int rounds = atoi(argv[2]);
	for (int i = 0; i < rounds; i++)
		if (round_trip(argv[1]) != 0) {
			fprintf(stderr, "odbc_loop: round %d failed\n", i + 1);
			return 1;
		}
	printf("odbc_loop: %d rounds ok\n", rounds);
	return 0;
}
