/*
 * statement.h - the ODBC statement handle: SQL text, server-side prepared
 * statements, parameters, execution and statement attributes.
 *
 * Functions prefix: stmt_
 *
 * The results of an execution are kept as libpq PGresults (results.c
 * walks them); catalog functions install PGresults of their own.
 */
#ifndef CBO_STATEMENT_H
#define CBO_STATEMENT_H

#include "odbc-driver/driver.h"
#include "odbc-driver/diag.h"

typedef struct stmt_param {
	bool bound;
	SQLSMALLINT io;
	SQLSMALLINT ctype;
	SQLSMALLINT sqltype;
	SQLULEN colsize;
	SQLSMALLINT digits;
	SQLPOINTER buf;
	SQLLEN buflen;
	SQLLEN *ind;
} stmt_param;

typedef struct stmt_col {
	bool bound;
	SQLSMALLINT ctype;
	SQLPOINTER buf;
	SQLLEN buflen;
	SQLLEN *ind;
} stmt_col;

struct cbo_stmt {
	uint32_t magic; /* CBO_MAGIC_STMT */
	cbo_diag diag;
	cbo_dbc *dbc;
	cbo_stmt *next; /* in dbc->stmts */

	/* the statement text, translated (nativesql.c) */
	char *sql;
	int nmarkers;
	/* SQLPrepare: a named server-side statement and its description */
	bool prepared;
	char plan[32];
	PGresult *described;              /* owned by pcached when that is set */
	struct cbo_pcache_entry *pcached; /* the connection's cache entry in use, or NULL */

	stmt_param *params;
	int nparams; /* allocated entries */
	/* data at execution: between SQLExecute/SQLExecDirect returning
	 * SQL_NEED_DATA and the last SQLParamData, the values SQLPutData sent */
	bool dae_active;
	int dae_cur; /* parameter SQLPutData fills, -1 before the first */
	int dae_n;
	char **dae_buf;
	size_t *dae_len;
	bool *dae_null;

	/* results of the last execution; results[cur] is the current one */
	bool executed;
	PGresult **results;
	int nresults;
	int cur;
	long rowset_start; /* first row of the current rowset, -1 before the first fetch */
	long rowset_len;
	int gd_col; /* column of the last SQLGetData, its progress */
	size_t gd_offset;

	stmt_col *cols;
	int ncols; /* allocated entries */

	/* attributes */
	SQLULEN row_array_size;
	SQLUSMALLINT *row_status;
	SQLULEN *rows_fetched;
	SQLULEN row_bind_type;
	SQLULEN *row_bind_offset;
	SQLULEN param_bind_type;
	SQLULEN *param_bind_offset;
	SQLULEN *params_processed;
	SQLUSMALLINT *param_status;
	SQLULEN max_rows;
	SQLULEN max_length;
	SQLULEN query_timeout;
	SQLULEN noscan;
	SQLULEN metadata_id;
	SQLULEN cursor_type; /* SQL_CURSOR_FORWARD_ONLY or SQL_CURSOR_STATIC */
};

SQLRETURN stmt_alloc(cbo_dbc *dbc, cbo_stmt **out);
/* Free the statement (and its server-side prepared statement). */
void stmt_free(cbo_stmt *st);
SQLRETURN stmt_free_stmt(cbo_stmt *st, SQLUSMALLINT option);
/* Discard the results (close the cursor). */
void stmt_close(cbo_stmt *st);

SQLRETURN stmt_prepare(cbo_stmt *st, const char *sql, size_t len);
SQLRETURN stmt_execute(cbo_stmt *st);
SQLRETURN stmt_exec_direct(cbo_stmt *st, const char *sql, size_t len);
/* SQLParamData and SQLPutData: the data-at-execution dialogue. */
SQLRETURN stmt_param_data(cbo_stmt *st, SQLPOINTER *token);
SQLRETURN stmt_put_data(cbo_stmt *st, SQLPOINTER data, SQLLEN len);
/* Abandon a data-at-execution dialogue (SQLCancel, SQLFreeStmt). */
void stmt_dae_reset(cbo_stmt *st);
SQLRETURN stmt_bind_param(cbo_stmt *st, SQLUSMALLINT num, SQLSMALLINT io, SQLSMALLINT ctype, SQLSMALLINT sqltype,
                          SQLULEN colsize, SQLSMALLINT digits, SQLPOINTER buf, SQLLEN buflen, SQLLEN *ind);
SQLRETURN stmt_num_params(cbo_stmt *st, SQLSMALLINT *count);
SQLRETURN stmt_describe_param(cbo_stmt *st, SQLUSMALLINT num, SQLSMALLINT *type, SQLULEN *size, SQLSMALLINT *digits,
                              SQLSMALLINT *nullable);
SQLRETURN stmt_set_attr(cbo_stmt *st, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER len);
SQLRETURN stmt_get_attr(cbo_stmt *st, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER buflen, SQLINTEGER *len);

/* The current result (NULL when none), and the one describing the columns
 * (the current result, else the prepared statement's description). */
PGresult *stmt_result(const cbo_stmt *st);
PGresult *stmt_meta(const cbo_stmt *st);

/*
 * For catalog functions: run sql with text parameters (NULL values are SQL
 * NULL) and return its rows, or NULL with a diagnostic.  The caller owns
 * the result.
 */
PGresult *stmt_query(cbo_stmt *st, const char *sql, int nparams, const char *const *values) CB_MUSTCHECK;
/* Install res as the statement's only result set (takes ownership). */
void stmt_set_result(cbo_stmt *st, PGresult *res);

#endif /* CBO_STATEMENT_H */
