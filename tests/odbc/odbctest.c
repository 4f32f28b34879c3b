/*
 * odbctest.c - helpers of the ODBC client tests.
 *
 * Functions prefix: ot_
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

bool ot_setup_ini(void)
{
	const char *dir = getenv("CB_PG_DIR");
	const char *src = getenv("top_srcdir");
	if (dir == NULL || src == NULL) {
		fprintf(stderr, "CB_PG_DIR/top_srcdir not set: run through tests/harness/with-pg.sh (make check)\n");
		return false;
	}
	char odbcdir[4096], cmd[8192], ini[4200];
	snprintf(odbcdir, sizeof(odbcdir), "%s/odbc", dir);
	snprintf(cmd, sizeof(cmd), "bash '%s/tests/odbc/odbcini-gen.sh' '%s'", src, odbcdir);
	if (system(cmd) != 0) {
		fprintf(stderr, "odbcini-gen.sh failed: %s\n", cmd);
		return false;
	}
	snprintf(ini, sizeof(ini), "%s/odbc.ini", odbcdir);
	setenv("ODBCSYSINI", odbcdir, 1);
	setenv("ODBCINI", ini, 1);
	return true;
}

const char *ot_state(SQLSMALLINT type, SQLHANDLE h, char *msg, size_t msgsize)
{
	static char state[6];
	SQLINTEGER native;
	SQLSMALLINT len;
	char m[1024];
	state[0] = '\0';
	if (!SQL_SUCCEEDED(SQLGetDiagRec(type, h, 1, (SQLCHAR *)state, &native, (SQLCHAR *)m, sizeof(m), &len)))
		state[0] = '\0', m[0] = '\0';
	if (msg)
		snprintf(msg, msgsize, "%s", m);
	return state;
}

bool ot_has_state(SQLSMALLINT type, SQLHANDLE h, const char *want)
{
	for (SQLSMALLINT i = 1; i < 20; i++) {
		char state[6], m[1024];
		SQLINTEGER native;
		SQLSMALLINT len;
		if (!SQL_SUCCEEDED(SQLGetDiagRec(type, h, i, (SQLCHAR *)state, &native, (SQLCHAR *)m, sizeof(m), &len)))
			return false;
		if (strcmp(state, want) == 0)
			return true;
	}
	return false;
}

void ot_ok(SQLRETURN r, SQLSMALLINT type, SQLHANDLE h, const char *what)
{
	if (SQL_SUCCEEDED(r))
		return;
	char msg[1024];
	const char *st = ot_state(type, h, msg, sizeof(msg));
	print_error("%s returned %d: [%s] %s\n", what, (int)r, st, msg);
	fail();
}

SQLHENV ot_env(void)
{
	SQLHENV env;
	assert_int_equal(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env), SQL_SUCCESS);
	ot_ok(SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0), SQL_HANDLE_ENV, env,
	      "SQLSetEnvAttr");
	return env;
}

SQLHDBC ot_connect(SQLHENV env, const char *dsn)
{
	SQLHDBC dbc;
	ot_ok(SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc), SQL_HANDLE_ENV, env, "SQLAllocHandle(DBC)");
	ot_ok(SQLConnect(dbc, (SQLCHAR *)dsn, SQL_NTS, NULL, 0, NULL, 0), SQL_HANDLE_DBC, dbc, "SQLConnect");
	return dbc;
}

void ot_disconnect(SQLHDBC dbc)
{
	ot_ok(SQLDisconnect(dbc), SQL_HANDLE_DBC, dbc, "SQLDisconnect");
	ot_ok(SQLFreeHandle(SQL_HANDLE_DBC, dbc), SQL_HANDLE_DBC, dbc, "SQLFreeHandle(DBC)");
}

SQLHSTMT ot_stmt(SQLHDBC dbc)
{
	SQLHSTMT st;
	ot_ok(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st), SQL_HANDLE_DBC, dbc, "SQLAllocHandle(STMT)");
	return st;
}

PGconn *ot_pg(void)
{
	PGconn *pg = PQconnectdb(getenv("CB_PG_CONNINFO") ? getenv("CB_PG_CONNINFO") : "");
	if (PQstatus(pg) != CONNECTION_OK) {
		print_error("libpq connect failed: %s", PQerrorMessage(pg));
		fail();
	}
	return pg;
}

const char *ot_pg_value(PGconn *pg, const char *sql)
{
	static char buf[4096];
	PGresult *r = PQexec(pg, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1) {
		print_error("query failed: %s: %s", sql, PQerrorMessage(pg));
		PQclear(r);
		fail();
	}
	snprintf(buf, sizeof(buf), "%s", PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0));
	PQclear(r);
	return buf;
}
