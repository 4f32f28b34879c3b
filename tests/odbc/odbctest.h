/*
 * odbctest.h - helpers of the ODBC client tests: the generated ini files,
 * connecting through unixODBC, checking return codes with the
 * diagnostics printed, and a libpq connection as the oracle.
 *
 * Functions prefix: ot_
 */
#ifndef CBO_ODBCTEST_H
#define CBO_ODBCTEST_H

#include <stdbool.h>

#include <sql.h>
#include <sqlext.h>
#include <libpq-fe.h>

/* Write odbcinst.ini/odbc.ini (tests/odbc/odbcini-gen.sh) into
 * $CB_PG_DIR/odbc and point ODBCSYSINI/ODBCINI at them. */
bool ot_setup_ini(void);
SQLHENV ot_env(void);
/* Connect to a DSN of the generated odbc.ini; fails the test on error. */
SQLHDBC ot_connect(SQLHENV env, const char *dsn);
void ot_disconnect(SQLHDBC dbc);
SQLHSTMT ot_stmt(SQLHDBC dbc);
/* Fail the test with the diagnostics when r is not a success. */
void ot_ok(SQLRETURN r, SQLSMALLINT type, SQLHANDLE h, const char *what);
/* The SQLSTATE of the first diagnostic record ("" when none); message in msg. */
const char *ot_state(SQLSMALLINT type, SQLHANDLE h, char *msg, size_t msgsize);
bool ot_has_state(SQLSMALLINT type, SQLHANDLE h, const char *state);
/* A libpq connection to the harness's server ($CB_PG_CONNINFO). */
PGconn *ot_pg(void);
/* One value of a libpq query (static buffer). */
const char *ot_pg_value(PGconn *pg, const char *sql);

#endif /* CBO_ODBCTEST_H */
