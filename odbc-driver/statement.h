/*
 * statement.h - the ODBC statement handle: SQL text, server-side prepared
 * statements, parameters, execution, transactions around it, statement
 * attributes and cursor names.
 *
 * Functions prefix: stmt_
 *
 * The results of an execution are kept as libpq PGresults (results.c
 * walks them, setpos.c changes rows through them); catalog functions
 * install PGresults of their own.
 */
#ifndef CBO_STATEMENT_H
#define CBO_STATEMENT_H

#include "odbc-driver/driver.h"
#include "odbc-driver/desc.h"
#include "odbc-driver/diag.h"
#include "odbc-driver/nativesql.h"

/* A server-side statement of one statement of the text. */
typedef struct stmt_plan {
	char *sql;           /* the text it was prepared with (casts included) */
	char name[32];       /* named statement, "" for none (unnamed per execution) */
	PGresult *described; /* parameter and column types; owned by pcached when set */
	struct cbo_pcache_entry *pcached;
	int *kept; /* per marker of the statement: its $n, 0 when not sent */
} stmt_plan;

/* Per-row state of an updatable cursor (setpos.c). */
enum {
	STMT_ROW_CLEAN = 0,
	STMT_ROW_UPDATED = 1,
	STMT_ROW_DELETED = 2,
	STMT_ROW_ADDED = 3,
};

/* One result of an execution. */
typedef struct stmt_res {
	PGresult *res; /* rows or command status; NULL for a failed statement */
	PGresult *err; /* the failure, when the statement failed */
	char *notice;  /* notices that came with it (SQLMoreResults reports them) */
	char notice_state[6];
	int part;       /* the statement of the text it belongs to */
	long row_count; /* SQLRowCount */
	int hidden;     /* driver columns at the end (ctid of an updatable cursor) */
	int *longest;   /* per column: the longest value (pgtypes.h), made on demand */
	int *fieldsize; /* catalog results: the declared size of each column */
	int nfieldsize;
	/* fetched through a cursor (UseDeclareFetch): res holds rows [base, base + ntuples) */
	bool declared;
	bool held; /* the (WITH HOLD) cursor outlived a commit */
	bool eof;
	long base;
	long total;      /* rows known so far (all of them once eof) */
	char cursor[64]; /* the server cursor's name (quoted where it is used) */
	/* an updatable cursor: the table and the rows' states */
	Oid table;
	unsigned char *row_state;
	long nstate;
} stmt_res;

/* Data-at-execution state of one parameter. */
typedef struct stmt_dae {
	char *buf;
	size_t len;
	bool null;
	bool put; /* SQLPutData called */
} stmt_dae;

struct cbo_stmt {
	uint32_t magic; /* CBO_MAGIC_STMT */
	cbo_diag diag;
	cbo_dbc *dbc;
	cbo_stmt *next; /* in dbc->stmts */

	/* descriptors: the statement's own, and the ones in use (the app may substitute ARD/APD) */
	cbo_desc ard_own, apd_own, ird, ipd;
	cbo_desc *ard, *apd;

	/* the statement text, split and translated (nativesql.c) */
	char *text;
	nsql_stmt *parts;
	int nparts;
	int nmarkers;  /* in the whole text */
	bool prepared; /* SQLPrepare: the text stays for SQLExecute */
	stmt_plan *plans;

	/* data at execution: between SQLExecute/SQLExecDirect returning
	 * SQL_NEED_DATA and the last SQLParamData */
	bool dae_active;
	int dae_cur;     /* parameter SQLPutData fills, -1 before the first */
	SQLULEN dae_row; /* the parameter set it belongs to */
	stmt_dae *dae;
	int ndae;
	/* set by SQLSetPos/SQLBulkOperations (setpos.c) running with data at execution */
	int pending_op;

	/* results of the last execution; results[cur] is the current one */
	bool executed;
	stmt_res *results;
	int nresults;
	int cur;
	long rowset_start; /* first row of the current rowset, -1 before the first fetch */
	long rowset_len;
	long rowset_count; /* rows in the rowset (deleted ones skipped) */
	long *rowset_rows; /* the absolute row of each rowset position */
	SQLULEN rowset_rows_cap;
	SQLULEN last_size;  /* the rowset size of the last fetch */
	long cur_row;       /* row SQLGetData and SQLSetPos(1) see */
	struct conv_gd *gd; /* SQLGetData's progress per column */
	int ngd;
	bool catalog;         /* the result was made by a catalog function */
	bool out_params_done; /* output parameters were filled from the first row */

	/* cursor name: set by SQLSetCursorName, else generated */
	char *cursor_name;

	/* attributes */
	SQLULEN max_rows;
	SQLULEN max_length;
	SQLULEN query_timeout;
	SQLULEN noscan;
	SQLULEN metadata_id;
	SQLULEN cursor_type; /* in effect (an execution may have changed it) */
	SQLULEN concurrency;
	SQLULEN cursor_type_set; /* as the application set them */
	SQLULEN concurrency_set;
	SQLULEN use_bookmarks;
	SQLULEN retrieve_data;
	SQLULEN keyset_size;
	SQLULEN rowset_size; /* SQL_ROWSET_SIZE (SQLExtendedFetch) */
	SQLULEN cursor_sensitivity;
	SQLPOINTER fetch_bookmark;
	bool cursor_txn; /* the transaction was opened for a declared cursor (autocommit) */
};

SQLRETURN stmt_alloc(cbo_dbc *dbc, cbo_stmt **out);
/* Free the statement (and its server-side prepared statements). */
void stmt_free(cbo_stmt *st);
SQLRETURN stmt_free_stmt(cbo_stmt *st, SQLUSMALLINT option);
/* Discard the results (close the cursor). */
void stmt_close(cbo_stmt *st);
/* A descriptor the statement uses was freed: back to its own. */
void stmt_desc_freed(cbo_stmt *st, cbo_desc *d);
/* The transaction ended (SQLEndTran): cursors opened in it are gone. */
void stmt_txn_ended(cbo_stmt *st, bool committed);
/* A statement attribute set on the connection: the default of new statements. */
SQLRETURN stmt_default_attr(cbo_dbc *dbc, SQLINTEGER attr, SQLPOINTER value);

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
/* After an execution: output parameters from the first row; refcursor
 * results fetched (FetchRefcursors). */
SQLRETURN stmt_output_params(cbo_stmt *st);
SQLRETURN stmt_fetch_refcursors(cbo_stmt *st);
SQLRETURN stmt_get_cursor_name(cbo_stmt *st, SQLCHAR *name, SQLSMALLINT buflen, SQLSMALLINT *len);
SQLRETURN stmt_set_cursor_name(cbo_stmt *st, const char *name);
/* The cursor's name (generated when the application set none). */
const char *stmt_cursor_name(cbo_stmt *st);

/* Whether part `part` of the text is a SELECT over one table (psqlODBC
 * calls its columns updatable). */
bool stmt_part_single_table(cbo_stmt *st, int part);

/* The current result (NULL when none). */
stmt_res *stmt_cur(const cbo_stmt *st);
/* The result describing the columns: the current result, else (prepared,
 * not executed) the first statement's description, which is made on demand.
 * NULL when there is none; *err set when describing failed. */
PGresult *stmt_meta(cbo_stmt *st, bool *err);

/*
 * For catalog functions: run sql with text parameters (NULL values are SQL
 * NULL) and return its rows, or NULL with a diagnostic.  The caller owns
 * the result.
 */
PGresult *stmt_query(cbo_stmt *st, const char *sql, int nparams, const char *const *values) CB_MUSTCHECK;
/* Install res as the statement's only result set (takes ownership);
 * catalog: made by the driver (sizes from stmt_res.fieldsize, no table
 * lookups), else described like a query's result. */
void stmt_set_result(cbo_stmt *st, PGresult *res, bool catalog);
/* Run a statement of the driver's own (setpos.c) inside the statement's
 * transaction rules; its result, or NULL with a diagnostic. */
PGresult *stmt_run_internal(cbo_stmt *st, const char *sql, int n, const char *const *values, const int *lengths,
                            const int *formats) CB_MUSTCHECK;

/* Rows of the current result known so far (UseDeclareFetch: fetched), and
 * the value access that fetches more when needed. */
long stmt_row_count_known(cbo_stmt *st, stmt_res *r);
/* Make row (absolute number) available; false when there is no such row
 * (or an error, with a diagnostic, *failed set). */
bool stmt_row_available(cbo_stmt *st, stmt_res *r, long row, bool *failed);
/* The value of a row of the current result (row: absolute number). */
bool stmt_value(const stmt_res *r, long row, int col, const char **val, int *len);

#endif /* CBO_STATEMENT_H */
