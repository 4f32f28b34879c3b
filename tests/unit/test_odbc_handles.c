/*
 * Unit test of odbc-driver/odbcapi.c called directly, without a driver
 * manager (which would catch these before the driver): wrong handles give
 * SQL_INVALID_HANDLE, functions on an unconnected connection give 08003,
 * handles are freed in order, diagnostics are read back.  No server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <sql.h>
#include <sqlext.h>

static void test_invalid_handles(void **state)
{
	(void)state;
	char junk[256];
	memset(junk, 0, sizeof(junk));
	assert_int_equal(SQLExecDirect(NULL, (SQLCHAR *)"SELECT 1", SQL_NTS), SQL_INVALID_HANDLE);
	assert_int_equal(SQLExecDirect((SQLHSTMT)junk, (SQLCHAR *)"SELECT 1", SQL_NTS), SQL_INVALID_HANDLE);
	assert_int_equal(SQLFetch((SQLHSTMT)junk), SQL_INVALID_HANDLE);
	assert_int_equal(SQLDisconnect((SQLHDBC)junk), SQL_INVALID_HANDLE);
	assert_int_equal(SQLCancel(NULL), SQL_INVALID_HANDLE);
	assert_int_equal(SQLFreeHandle(SQL_HANDLE_STMT, junk), SQL_INVALID_HANDLE);
	assert_int_equal(SQLGetDiagRec(SQL_HANDLE_DBC, junk, 1, NULL, NULL, NULL, 0, NULL), SQL_INVALID_HANDLE);

	/* a handle of another kind */
	SQLHENV env;
	assert_int_equal(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env), SQL_SUCCESS);
	assert_int_equal(SQLExecDirect((SQLHSTMT)env, (SQLCHAR *)"SELECT 1", SQL_NTS), SQL_INVALID_HANDLE);
	assert_int_equal(SQLConnect((SQLHDBC)env, (SQLCHAR *)"x", SQL_NTS, NULL, 0, NULL, 0), SQL_INVALID_HANDLE);
	assert_int_equal(SQLAllocHandle(SQL_HANDLE_STMT, env, (SQLHANDLE *)&junk), SQL_INVALID_HANDLE);
	assert_int_equal(SQLFreeHandle(SQL_HANDLE_ENV, env), SQL_SUCCESS);
}

static void test_unconnected(void **state)
{
	(void)state;
	SQLHENV env;
	SQLHDBC dbc;
	SQLHSTMT st;
	SQLCHAR sqlstate[6], msg[1024];
	SQLINTEGER native;
	SQLSMALLINT len;
	assert_int_equal(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env), SQL_SUCCESS);
	assert_int_equal(SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0), SQL_SUCCESS);
	assert_int_equal(SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)77, 0), SQL_ERROR);
	assert_int_equal(SQLGetDiagRec(SQL_HANDLE_ENV, env, 1, sqlstate, &native, msg, sizeof(msg), &len), SQL_SUCCESS);
	assert_string_equal((char *)sqlstate, "HY024");
	assert_int_equal(SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc), SQL_SUCCESS);
	/* no statements on a connection that is not open */
	assert_int_equal(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st), SQL_ERROR);
	assert_int_equal(SQLGetDiagRec(SQL_HANDLE_DBC, dbc, 1, sqlstate, &native, msg, sizeof(msg), &len), SQL_SUCCESS);
	assert_string_equal((char *)sqlstate, "08003");
	assert_non_null(strstr((char *)msg, "SQLConnect"));
	/* the message truncated to the buffer: SQL_SUCCESS_WITH_INFO, full length */
	SQLCHAR small[8];
	assert_int_equal(SQLGetDiagRec(SQL_HANDLE_DBC, dbc, 1, sqlstate, &native, small, sizeof(small), &len),
	                 SQL_SUCCESS_WITH_INFO);
	assert_int_equal(strlen((char *)small), 7);
	assert_true(len > 7);
	assert_int_equal(SQLGetDiagRec(SQL_HANDLE_DBC, dbc, 2, sqlstate, &native, msg, sizeof(msg), &len), SQL_NO_DATA);
	assert_int_equal(SQLDisconnect(dbc), SQL_ERROR);
	assert_int_equal(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT), SQL_ERROR);
	/* the environment cannot go before its connection */
	assert_int_equal(SQLFreeHandle(SQL_HANDLE_ENV, env), SQL_ERROR);
	assert_int_equal(SQLGetDiagRec(SQL_HANDLE_ENV, env, 1, sqlstate, &native, msg, sizeof(msg), &len), SQL_SUCCESS);
	assert_string_equal((char *)sqlstate, "HY010");
	/* a connection string that does not parse; a DSN-less connect to nowhere */
	assert_int_equal(
	        SQLDriverConnect(dbc, NULL, (SQLCHAR *)"Server={x", SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT),
	        SQL_ERROR);
	assert_int_equal(SQLDriverConnect(dbc, NULL, (SQLCHAR *)"Servername=127.0.0.1;Port=1;ConnectTimeout=2", SQL_NTS,
	                                  NULL, 0, NULL, SQL_DRIVER_NOPROMPT),
	                 SQL_ERROR);
	assert_int_equal(SQLGetDiagRec(SQL_HANDLE_DBC, dbc, 1, sqlstate, &native, msg, sizeof(msg), &len), SQL_SUCCESS);
	assert_string_equal((char *)sqlstate, "08001");
	SQLUINTEGER ac;
	assert_int_equal(SQLGetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, &ac, 0, NULL), SQL_SUCCESS);
	assert_int_equal(ac, SQL_AUTOCOMMIT_ON);
	assert_int_equal(SQLFreeHandle(SQL_HANDLE_DBC, dbc), SQL_SUCCESS);
	assert_int_equal(SQLFreeHandle(SQL_HANDLE_ENV, env), SQL_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_invalid_handles),
	        cmocka_unit_test(test_unconnected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
