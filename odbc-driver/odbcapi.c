/*
 * odbcapi.c - the exported ODBC API of libcbcacheodbc.so.
 *
 * Functions prefix: SQL (the ODBC names; nothing else is exported)
 *
 * Every function here is a thin wrapper: check the handle (a wrong or
 * freed handle gives SQL_INVALID_HANDLE, never a crash), take the lock
 * that guards it (the environment's, or the connection's for a connection
 * and all its statements), clear the handle's diagnostics, convert the
 * application's strings and call the internal function of the module that
 * does the work.  Errors live on the handle (diag.c); the return code is
 * recorded for SQL_DIAG_RETURNCODE.  Only the ANSI functions exist:
 * unixODBC maps the W functions onto them, and SQL_C_WCHAR data is
 * converted by convert.c.  Descriptor handles share their connection's
 * lock.
 */
#include <stdlib.h>
#include <string.h>

#include "odbc-driver/catalog.h"
#include "odbc-driver/connection.h"
#include "odbc-driver/convert.h"
#include "odbc-driver/desc.h"
#include "odbc-driver/diag.h"
#include "odbc-driver/environ.h"
#include "odbc-driver/info.h"
#include "odbc-driver/results.h"
#include "odbc-driver/setpos.h"
#include "odbc-driver/statement.h"

/* --- handle checks, locks and diagnostics --------------------------------- */

/* The diagnostics of a handle, locked (not cleared); NULL when invalid. */
static cbo_diag *api_diag_lock(SQLSMALLINT type, SQLHANDLE h, pthread_mutex_t **lock)
{
	cbo_env *env = h;
	cbo_dbc *dbc = h;
	cbo_stmt *st = h;
	cbo_desc *d = h;
	cbo_diag *diag = NULL;
	if (h == NULL)
		return NULL;
	/* only the kind asked for is read: a handle of another kind is invalid */
	if (type == SQL_HANDLE_ENV && env->magic == CBO_MAGIC_ENV)
		*lock = &env->lock, diag = &env->diag;
	else if (type == SQL_HANDLE_DBC && dbc->magic == CBO_MAGIC_DBC)
		*lock = &dbc->lock, diag = &dbc->diag;
	else if (type == SQL_HANDLE_STMT && st->magic == CBO_MAGIC_STMT)
		*lock = &st->dbc->lock, diag = &st->diag;
	else if (type == SQL_HANDLE_DESC && d->magic == CBO_MAGIC_DESC)
		*lock = &d->dbc->lock, diag = &d->diag;
	if (diag != NULL)
		pthread_mutex_lock(*lock);
	return diag;
}

/* Check handle h of the type, lock it and clear its diagnostics; NULL when
 * invalid. */
static void *api_enter(SQLSMALLINT type, SQLHANDLE h)
{
	pthread_mutex_t *lock;
	cbo_diag *d = api_diag_lock(type, h, &lock);
	if (d == NULL)
		return NULL;
	diag_clear(d);
	return h;
}

/* Record the return code for SQL_DIAG_RETURNCODE and unlock. */
static SQLRETURN api_leave(cbo_diag *d, pthread_mutex_t *lock, SQLRETURN r)
{
	d->ret = r;
	pthread_mutex_unlock(lock);
	return r;
}

static cbo_env *api_env(SQLHANDLE h)
{
	return api_enter(SQL_HANDLE_ENV, h);
}

static SQLRETURN api_env_done(cbo_env *env, SQLRETURN r)
{
	return api_leave(&env->diag, &env->lock, r);
}

static cbo_dbc *api_dbc(SQLHANDLE h)
{
	return api_enter(SQL_HANDLE_DBC, h);
}

static SQLRETURN api_dbc_done(cbo_dbc *dbc, SQLRETURN r)
{
	return api_leave(&dbc->diag, &dbc->lock, r);
}

static cbo_stmt *api_stmt(SQLHANDLE h)
{
	return api_enter(SQL_HANDLE_STMT, h);
}

static SQLRETURN api_stmt_done(cbo_stmt *st, SQLRETURN r)
{
	return api_leave(&st->diag, &st->dbc->lock, r);
}

static cbo_desc *api_desc(SQLHANDLE h)
{
	return api_enter(SQL_HANDLE_DESC, h);
}

static SQLRETURN api_desc_done(cbo_desc *d, SQLRETURN r)
{
	return api_leave(&d->diag, &d->dbc->lock, r);
}

/*
 * The body of a thin wrapper: check handle h of the kind (env, dbc, stmt
 * or desc), lock it as var, return what call (which uses var) returns and
 * unlock.  A macro because each kind has its own handle type.
 */
#define API_CALL(kind, h, var, call)                 \
	do {                                         \
		cbo_##kind *var = api_##kind(h);     \
		if (var == NULL)                     \
			return SQL_INVALID_HANDLE;   \
		return api_##kind##_done(var, call); \
	} while (0)

/* A string argument; *ok false when its length is invalid or memory ran out. */
static char *api_str(const SQLCHAR *s, SQLINTEGER len, cbo_diag *d, bool *ok)
{
	char *out;
	if (!conv_in_str(s, len, &out)) {
		if (*ok)
			diag_add(d, "HY090", "invalid string or buffer length %d; give the length or SQL_NTS",
			         (int)len);
		*ok = false;
		return NULL;
	}
	return out;
}

/* Free a string that may hold a password, wiped first. */
static void api_free_secret(char *s)
{
	if (s)
		memset(s, 0, strlen(s));
	free(s);
}

/* SQLAllocHandle without OutputHandlePtr. */
static SQLRETURN api_null_output(cbo_diag *d)
{
	return diag_add(d, "HY009", "invalid use of null pointer: OutputHandlePtr");
}

/* --- handles ---------------------------------------------------------------- */

SQLRETURN SQL_API SQLAllocHandle(SQLSMALLINT type, SQLHANDLE input, SQLHANDLE *output)
{
	switch (type) {
	case SQL_HANDLE_ENV: {
		if (output == NULL)
			return SQL_ERROR;
		cbo_env *env;
		SQLRETURN r = env_alloc(&env);
		*output = r == SQL_SUCCESS ? (SQLHANDLE)env : SQL_NULL_HENV;
		return r;
	}
	case SQL_HANDLE_DBC: {
		cbo_env *env = api_env(input);
		if (env == NULL)
			return SQL_INVALID_HANDLE;
		if (output == NULL)
			return api_env_done(env, api_null_output(&env->diag));
		cbo_dbc *dbc = NULL;
		SQLRETURN r = conn_alloc(env, &dbc);
		*output = r == SQL_SUCCESS ? (SQLHANDLE)dbc : SQL_NULL_HDBC;
		return api_env_done(env, r);
	}
	case SQL_HANDLE_STMT:
	case SQL_HANDLE_DESC: {
		cbo_dbc *dbc = api_dbc(input);
		if (dbc == NULL)
			return SQL_INVALID_HANDLE;
		if (output == NULL)
			return api_dbc_done(dbc, api_null_output(&dbc->diag));
		SQLRETURN r;
		if (type == SQL_HANDLE_STMT) {
			cbo_stmt *st = NULL;
			r = stmt_alloc(dbc, &st);
			*output = r == SQL_SUCCESS ? (SQLHANDLE)st : SQL_NULL_HSTMT;
		} else if (!conn_is_open(dbc, &dbc->diag)) {
			*output = SQL_NULL_HDESC;
			r = SQL_ERROR;
		} else {
			cbo_desc *d = NULL;
			r = desc_alloc(dbc, &d);
			*output = r == SQL_SUCCESS ? (SQLHANDLE)d : SQL_NULL_HDESC;
		}
		return api_dbc_done(dbc, r);
	}
	default:
		return SQL_ERROR;
	}
}

SQLRETURN SQL_API SQLFreeHandle(SQLSMALLINT type, SQLHANDLE handle)
{
	switch (type) {
	case SQL_HANDLE_ENV: {
		cbo_env *env = api_env(handle);
		if (env == NULL)
			return SQL_INVALID_HANDLE;
		if (env->conns != NULL)
			return api_env_done(env, env_free(env)); /* HY010 */
		pthread_mutex_unlock(&env->lock);
		return env_free(env);
	}
	case SQL_HANDLE_DBC: {
		cbo_dbc *dbc = api_dbc(handle);
		if (dbc == NULL)
			return SQL_INVALID_HANDLE;
		cbo_env *env = dbc->env;
		if (dbc->pg != NULL)
			return api_dbc_done(dbc, conn_free(dbc));
		pthread_mutex_unlock(&dbc->lock);
		pthread_mutex_lock(&env->lock);
		SQLRETURN r = conn_free(dbc);
		pthread_mutex_unlock(&env->lock);
		return r;
	}
	case SQL_HANDLE_STMT: {
		cbo_stmt *st = api_stmt(handle);
		if (st == NULL)
			return SQL_INVALID_HANDLE;
		cbo_dbc *dbc = st->dbc;
		stmt_free(st);
		pthread_mutex_unlock(&dbc->lock);
		return SQL_SUCCESS;
	}
	case SQL_HANDLE_DESC: {
		cbo_desc *d = api_desc(handle);
		if (d == NULL)
			return SQL_INVALID_HANDLE;
		if (d->stmt != NULL)
			return api_desc_done(d,
			                     diag_add(&d->diag, "HY017",
			                              "invalid use of an automatically allocated descriptor handle"));
		cbo_dbc *dbc = d->dbc;
		desc_free(d);
		pthread_mutex_unlock(&dbc->lock);
		return SQL_SUCCESS;
	}
	default:
		return SQL_INVALID_HANDLE;
	}
}

SQLRETURN SQL_API SQLFreeStmt(SQLHSTMT h, SQLUSMALLINT option)
{
	if (option == SQL_DROP)
		return SQLFreeHandle(SQL_HANDLE_STMT, h);
	API_CALL(stmt, h, st, stmt_free_stmt(st, option));
}

/* --- attributes -------------------------------------------------------------- */

SQLRETURN SQL_API SQLSetEnvAttr(SQLHENV h, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER len)
{
	API_CALL(env, h, env, env_set_attr(env, attr, value, len));
}

SQLRETURN SQL_API SQLGetEnvAttr(SQLHENV h, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER buflen, SQLINTEGER *len)
{
	API_CALL(env, h, env, env_get_attr(env, attr, value, buflen, len));
}

SQLRETURN SQL_API SQLSetConnectAttr(SQLHDBC h, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER len)
{
	API_CALL(dbc, h, dbc, conn_set_attr(dbc, attr, value, len));
}

SQLRETURN SQL_API SQLGetConnectAttr(SQLHDBC h, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER buflen, SQLINTEGER *len)
{
	API_CALL(dbc, h, dbc, conn_get_attr(dbc, attr, value, buflen, len));
}

SQLRETURN SQL_API SQLSetStmtAttr(SQLHSTMT h, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER len)
{
	API_CALL(stmt, h, st, stmt_set_attr(st, attr, value, len));
}

SQLRETURN SQL_API SQLGetStmtAttr(SQLHSTMT h, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER buflen, SQLINTEGER *len)
{
	API_CALL(stmt, h, st, stmt_get_attr(st, attr, value, buflen, len));
}

/* --- connections ------------------------------------------------------------ */

SQLRETURN SQL_API SQLConnect(SQLHDBC h, SQLCHAR *dsn, SQLSMALLINT dsnlen, SQLCHAR *uid, SQLSMALLINT uidlen,
                             SQLCHAR *pwd, SQLSMALLINT pwdlen)
{
	cbo_dbc *dbc = api_dbc(h);
	if (dbc == NULL)
		return SQL_INVALID_HANDLE;
	bool ok = true;
	char *d = api_str(dsn, dsnlen, &dbc->diag, &ok);
	char *u = api_str(uid, uidlen, &dbc->diag, &ok);
	char *p = api_str(pwd, pwdlen, &dbc->diag, &ok);
	SQLRETURN r = ok ? conn_connect(dbc, d, u, p) : SQL_ERROR;
	free(d);
	free(u);
	api_free_secret(p);
	return api_dbc_done(dbc, r);
}

SQLRETURN SQL_API SQLDriverConnect(SQLHDBC h, SQLHWND hwnd, SQLCHAR *in, SQLSMALLINT inlen, SQLCHAR *out,
                                   SQLSMALLINT outmax, SQLSMALLINT *outlen, SQLUSMALLINT completion)
{
	cbo_dbc *dbc = api_dbc(h);
	if (dbc == NULL)
		return SQL_INVALID_HANDLE;
	bool ok = true;
	char *s = api_str(in, inlen, &dbc->diag, &ok);
	SQLRETURN r = ok ? conn_driver_connect(dbc, s, out, outmax, outlen, completion) : SQL_ERROR;
	api_free_secret(s);
	return api_dbc_done(dbc, r);
}

SQLRETURN SQL_API SQLDisconnect(SQLHDBC h)
{
	API_CALL(dbc, h, dbc, conn_disconnect(dbc));
}

SQLRETURN SQL_API SQLGetInfo(SQLHDBC h, SQLUSMALLINT type, SQLPOINTER value, SQLSMALLINT buflen, SQLSMALLINT *len)
{
	API_CALL(dbc, h, dbc, info_get_info(dbc, type, value, buflen, len));
}

SQLRETURN SQL_API SQLGetFunctions(SQLHDBC h, SQLUSMALLINT id, SQLUSMALLINT *supported)
{
	API_CALL(dbc, h, dbc, info_get_functions(dbc, id, supported));
}

static SQLRETURN api_end_tran_env(cbo_env *env, SQLSMALLINT completion)
{
	SQLRETURN r = SQL_SUCCESS;
	for (cbo_dbc *dbc = env->conns; dbc; dbc = dbc->next) {
		if (dbc->pg == NULL)
			continue;
		pthread_mutex_lock(&dbc->lock);
		diag_clear(&dbc->diag);
		SQLRETURN cr = conn_end_tran(dbc, completion);
		if (cr != SQL_SUCCESS)
			diag_copy(&env->diag, &dbc->diag);
		pthread_mutex_unlock(&dbc->lock);
		if (cr == SQL_ERROR)
			r = SQL_ERROR;
	}
	return r;
}

SQLRETURN SQL_API SQLEndTran(SQLSMALLINT type, SQLHANDLE h, SQLSMALLINT completion)
{
	if (type == SQL_HANDLE_ENV) {
		cbo_env *env = api_env(h);
		if (env == NULL)
			return SQL_INVALID_HANDLE;
		return api_env_done(env, api_end_tran_env(env, completion));
	}
	if (type != SQL_HANDLE_DBC)
		return SQL_INVALID_HANDLE;
	API_CALL(dbc, h, dbc, conn_end_tran(dbc, completion));
}

SQLRETURN SQL_API SQLNativeSql(SQLHDBC h, SQLCHAR *in, SQLINTEGER inlen, SQLCHAR *out, SQLINTEGER outmax,
                               SQLINTEGER *outlen)
{
	cbo_dbc *dbc = api_dbc(h);
	if (dbc == NULL)
		return SQL_INVALID_HANDLE;
	bool ok = true;
	char *s = api_str(in, inlen, &dbc->diag, &ok);
	SQLRETURN r = ok ? conn_native_sql(dbc, s, out, outmax, outlen) : SQL_ERROR;
	free(s);
	return api_dbc_done(dbc, r);
}

/* --- statements --------------------------------------------------------------- */

typedef SQLRETURN (*api_sql_fn)(cbo_stmt *st, const char *sql, size_t len);

/* SQLExecDirect and SQLPrepare: the statement's text, on an open connection. */
static SQLRETURN api_stmt_sql(SQLHSTMT h, SQLCHAR *sql, SQLINTEGER len, api_sql_fn fn)
{
	cbo_stmt *st = api_stmt(h);
	if (st == NULL)
		return SQL_INVALID_HANDLE;
	bool ok = true;
	char *s = api_str(sql, len, &st->diag, &ok);
	SQLRETURN r = !ok ? SQL_ERROR : !conn_is_open(st->dbc, &st->diag) ? SQL_ERROR : fn(st, s, s ? strlen(s) : 0);
	free(s);
	return api_stmt_done(st, r);
}

SQLRETURN SQL_API SQLExecDirect(SQLHSTMT h, SQLCHAR *sql, SQLINTEGER len)
{
	return api_stmt_sql(h, sql, len, stmt_exec_direct);
}

SQLRETURN SQL_API SQLPrepare(SQLHSTMT h, SQLCHAR *sql, SQLINTEGER len)
{
	return api_stmt_sql(h, sql, len, stmt_prepare);
}

SQLRETURN SQL_API SQLExecute(SQLHSTMT h)
{
	API_CALL(stmt, h, st, stmt_execute(st));
}

SQLRETURN SQL_API SQLBindParameter(SQLHSTMT h, SQLUSMALLINT num, SQLSMALLINT io, SQLSMALLINT ctype, SQLSMALLINT sqltype,
                                   SQLULEN colsize, SQLSMALLINT digits, SQLPOINTER buf, SQLLEN buflen, SQLLEN *ind)
{
	API_CALL(stmt, h, st, stmt_bind_param(st, num, io, ctype, sqltype, colsize, digits, buf, buflen, ind));
}

SQLRETURN SQL_API SQLParamData(SQLHSTMT h, SQLPOINTER *token)
{
	API_CALL(stmt, h, st, stmt_param_data(st, token));
}

SQLRETURN SQL_API SQLPutData(SQLHSTMT h, SQLPOINTER data, SQLLEN len)
{
	API_CALL(stmt, h, st, stmt_put_data(st, data, len));
}

SQLRETURN SQL_API SQLNumParams(SQLHSTMT h, SQLSMALLINT *count)
{
	API_CALL(stmt, h, st, stmt_num_params(st, count));
}

SQLRETURN SQL_API SQLDescribeParam(SQLHSTMT h, SQLUSMALLINT num, SQLSMALLINT *type, SQLULEN *size, SQLSMALLINT *digits,
                                   SQLSMALLINT *nullable)
{
	API_CALL(stmt, h, st, stmt_describe_param(st, num, type, size, digits, nullable));
}

SQLRETURN SQL_API SQLNumResultCols(SQLHSTMT h, SQLSMALLINT *count)
{
	API_CALL(stmt, h, st, res_num_cols(st, count));
}

SQLRETURN SQL_API SQLDescribeCol(SQLHSTMT h, SQLUSMALLINT col, SQLCHAR *name, SQLSMALLINT buflen, SQLSMALLINT *namelen,
                                 SQLSMALLINT *type, SQLULEN *size, SQLSMALLINT *digits, SQLSMALLINT *nullable)
{
	API_CALL(stmt, h, st, res_describe_col(st, col, name, buflen, namelen, type, size, digits, nullable));
}

SQLRETURN SQL_API SQLColAttribute(SQLHSTMT h, SQLUSMALLINT col, SQLUSMALLINT field, SQLPOINTER charattr,
                                  SQLSMALLINT buflen, SQLSMALLINT *outlen, SQLLEN *numattr)
{
	API_CALL(stmt, h, st, res_col_attribute(st, col, field, charattr, buflen, outlen, numattr));
}

SQLRETURN SQL_API SQLBindCol(SQLHSTMT h, SQLUSMALLINT col, SQLSMALLINT ctype, SQLPOINTER buf, SQLLEN buflen,
                             SQLLEN *ind)
{
	API_CALL(stmt, h, st, res_bind_col(st, col, ctype, buf, buflen, ind));
}

SQLRETURN SQL_API SQLFetch(SQLHSTMT h)
{
	API_CALL(stmt, h, st, res_fetch(st, SQL_FETCH_NEXT, 0));
}

SQLRETURN SQL_API SQLFetchScroll(SQLHSTMT h, SQLSMALLINT orientation, SQLLEN offset)
{
	API_CALL(stmt, h, st, res_fetch(st, orientation, offset));
}

SQLRETURN SQL_API SQLGetData(SQLHSTMT h, SQLUSMALLINT col, SQLSMALLINT ctype, SQLPOINTER buf, SQLLEN buflen,
                             SQLLEN *ind)
{
	API_CALL(stmt, h, st, res_get_data(st, col, ctype, buf, buflen, ind));
}

SQLRETURN SQL_API SQLRowCount(SQLHSTMT h, SQLLEN *count)
{
	API_CALL(stmt, h, st, res_row_count(st, count));
}

SQLRETURN SQL_API SQLMoreResults(SQLHSTMT h)
{
	API_CALL(stmt, h, st, res_more_results(st));
}

SQLRETURN SQL_API SQLCloseCursor(SQLHSTMT h)
{
	API_CALL(stmt, h, st, res_close_cursor(st));
}

/*
 * SQLCancel interrupts a call running in another thread, which holds the
 * connection's lock: it must not wait for that lock.  When the lock is
 * free, nothing is running and there is nothing to cancel.
 */
SQLRETURN SQL_API SQLCancel(SQLHSTMT h)
{
	cbo_stmt *st = h;
	if (st == NULL || st->magic != CBO_MAGIC_STMT)
		return SQL_INVALID_HANDLE;
	cbo_dbc *dbc = st->dbc;
	if (pthread_mutex_trylock(&dbc->lock) == 0) {
		/* nothing runs; a data-at-execution dialogue ends here */
		diag_clear(&st->diag);
		stmt_dae_reset(st);
		return api_stmt_done(st, SQL_SUCCESS);
	}
	cbo_diag scratch;
	diag_init(&scratch, DIAG_STMT);
	SQLRETURN r = conn_cancel(dbc, &scratch);
	diag_free(&scratch);
	return r;
}

/* --- diagnostics ---------------------------------------------------------- */

SQLRETURN SQL_API SQLGetDiagRec(SQLSMALLINT type, SQLHANDLE h, SQLSMALLINT recno, SQLCHAR *state, SQLINTEGER *native,
                                SQLCHAR *msg, SQLSMALLINT buflen, SQLSMALLINT *textlen)
{
	pthread_mutex_t *lock;
	cbo_diag *d = api_diag_lock(type, h, &lock);
	if (d == NULL)
		return SQL_INVALID_HANDLE;
	SQLRETURN r = diag_get_rec(d, recno, state, native, msg, buflen, textlen);
	pthread_mutex_unlock(lock);
	return r;
}

SQLRETURN SQL_API SQLGetDiagField(SQLSMALLINT type, SQLHANDLE h, SQLSMALLINT recno, SQLSMALLINT id, SQLPOINTER info,
                                  SQLSMALLINT buflen, SQLSMALLINT *len)
{
	pthread_mutex_t *lock;
	cbo_diag *d = api_diag_lock(type, h, &lock);
	if (d == NULL)
		return SQL_INVALID_HANDLE;
	SQLRETURN r;
	if (id == SQL_DIAG_SERVER_NAME) {
		/* psqlODBC answers the data source name, whatever the record */
		cbo_dbc *dbc = type == SQL_HANDLE_DBC    ? (cbo_dbc *)h
		               : type == SQL_HANDLE_STMT ? ((cbo_stmt *)h)->dbc
		               : type == SQL_HANDLE_DESC ? ((cbo_desc *)h)->dbc
		                                         : NULL;
		const char *dsn = dbc && dbc->settings[CONN_DSN] ? dbc->settings[CONN_DSN] : "";
		r = conv_put_str_small(dsn, info, buflen, len) ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
	} else
		r = diag_get_field(d, recno, id, info, buflen, len);
	pthread_mutex_unlock(lock);
	return r;
}

/* --- catalog ---------------------------------------------------------------- */

/* Copy up to six name arguments (kept with the lengths passed); false
 * (with a diagnostic) on failure. */
static bool api_names(cbo_stmt *st, cat_args *a, char *owned[6], const SQLCHAR *const in[6], const SQLSMALLINT len[6],
                      int n)
{
	bool ok = true;
	for (int i = 0; i < n; i++) {
		owned[i] = api_str(in[i], len[i], &st->diag, &ok);
		a->s[i] = owned[i];
		a->len[i] = len[i];
	}
	if (ok && !conn_is_open(st->dbc, &st->diag))
		ok = false;
	return ok;
}

static void api_names_free(char *s[6])
{
	for (int i = 0; i < 6; i++)
		free(s[i]);
}

typedef SQLRETURN (*api_cat_fn)(cbo_stmt *st, const cat_args *a);

static SQLRETURN api_catalog(SQLHSTMT h, api_cat_fn fn, int n, const SQLCHAR *const in[6], const SQLSMALLINT len[6],
                             SQLUSMALLINT opt)
{
	cbo_stmt *st = api_stmt(h);
	if (st == NULL)
		return SQL_INVALID_HANDLE;
	char *owned[6] = {0};
	cat_args a = {.opt = opt};
	SQLRETURN r = api_names(st, &a, owned, in, len, n) ? fn(st, &a) : SQL_ERROR;
	api_names_free(owned);
	return api_stmt_done(st, r);
}

/* The catalog functions but SQLForeignKeys take a catalog, a schema and an object name,
 * some of them one more name (a column, a list of table types): NULL with length 0 where
 * a function has none, which reads as the omitted argument it stands for. */
static SQLRETURN api_catalog_names(SQLHSTMT h, api_cat_fn fn, const SQLCHAR *cat, SQLSMALLINT catlen,
                                   const SQLCHAR *schema, SQLSMALLINT schemalen, const SQLCHAR *obj, SQLSMALLINT objlen,
                                   const SQLCHAR *sub, SQLSMALLINT sublen, SQLUSMALLINT opt)
{
	const SQLCHAR *in[6] = {cat, schema, obj, sub};
	const SQLSMALLINT len[6] = {catlen, schemalen, objlen, sublen};
	return api_catalog(h, fn, 4, in, len, opt);
}

SQLRETURN SQL_API SQLTables(SQLHSTMT h, SQLCHAR *cat, SQLSMALLINT catlen, SQLCHAR *schema, SQLSMALLINT schemalen,
                            SQLCHAR *table, SQLSMALLINT tablelen, SQLCHAR *types, SQLSMALLINT typeslen)
{
	return api_catalog_names(h, cat_tables, cat, catlen, schema, schemalen, table, tablelen, types, typeslen, 0);
}

SQLRETURN SQL_API SQLColumns(SQLHSTMT h, SQLCHAR *cat, SQLSMALLINT catlen, SQLCHAR *schema, SQLSMALLINT schemalen,
                             SQLCHAR *table, SQLSMALLINT tablelen, SQLCHAR *column, SQLSMALLINT columnlen)
{
	return api_catalog_names(h, cat_columns, cat, catlen, schema, schemalen, table, tablelen, column, columnlen, 0);
}

SQLRETURN SQL_API SQLPrimaryKeys(SQLHSTMT h, SQLCHAR *cat, SQLSMALLINT catlen, SQLCHAR *schema, SQLSMALLINT schemalen,
                                 SQLCHAR *table, SQLSMALLINT tablelen)
{
	return api_catalog_names(h, cat_primary_keys, cat, catlen, schema, schemalen, table, tablelen, NULL, 0, 0);
}

SQLRETURN SQL_API SQLForeignKeys(SQLHSTMT h, SQLCHAR *pkcat, SQLSMALLINT pkcatlen, SQLCHAR *pkschema,
                                 SQLSMALLINT pkschemalen, SQLCHAR *pktable, SQLSMALLINT pktablelen, SQLCHAR *fkcat,
                                 SQLSMALLINT fkcatlen, SQLCHAR *fkschema, SQLSMALLINT fkschemalen, SQLCHAR *fktable,
                                 SQLSMALLINT fktablelen)
{
	const SQLCHAR *in[6] = {pkcat, pkschema, pktable, fkcat, fkschema, fktable};
	const SQLSMALLINT len[6] = {pkcatlen, pkschemalen, pktablelen, fkcatlen, fkschemalen, fktablelen};
	return api_catalog(h, cat_foreign_keys, 6, in, len, 0);
}

SQLRETURN SQL_API SQLStatistics(SQLHSTMT h, SQLCHAR *cat, SQLSMALLINT catlen, SQLCHAR *schema, SQLSMALLINT schemalen,
                                SQLCHAR *table, SQLSMALLINT tablelen, SQLUSMALLINT unique, SQLUSMALLINT reserved)
{
	(void)reserved;
	return api_catalog_names(h, cat_statistics, cat, catlen, schema, schemalen, table, tablelen, NULL, 0, unique);
}

SQLRETURN SQL_API SQLSpecialColumns(SQLHSTMT h, SQLUSMALLINT idtype, SQLCHAR *cat, SQLSMALLINT catlen, SQLCHAR *schema,
                                    SQLSMALLINT schemalen, SQLCHAR *table, SQLSMALLINT tablelen, SQLUSMALLINT scope,
                                    SQLUSMALLINT nullable)
{
	(void)scope;
	(void)nullable;
	return api_catalog_names(h, cat_special_columns, cat, catlen, schema, schemalen, table, tablelen, NULL, 0,
	                         idtype);
}

SQLRETURN SQL_API SQLProcedures(SQLHSTMT h, SQLCHAR *cat, SQLSMALLINT catlen, SQLCHAR *schema, SQLSMALLINT schemalen,
                                SQLCHAR *proc, SQLSMALLINT proclen)
{
	return api_catalog_names(h, cat_procedures, cat, catlen, schema, schemalen, proc, proclen, NULL, 0, 0);
}

SQLRETURN SQL_API SQLProcedureColumns(SQLHSTMT h, SQLCHAR *cat, SQLSMALLINT catlen, SQLCHAR *schema,
                                      SQLSMALLINT schemalen, SQLCHAR *proc, SQLSMALLINT proclen, SQLCHAR *column,
                                      SQLSMALLINT columnlen)
{
	return api_catalog_names(h, cat_procedure_columns, cat, catlen, schema, schemalen, proc, proclen, column,
	                         columnlen, 0);
}

SQLRETURN SQL_API SQLTablePrivileges(SQLHSTMT h, SQLCHAR *cat, SQLSMALLINT catlen, SQLCHAR *schema,
                                     SQLSMALLINT schemalen, SQLCHAR *table, SQLSMALLINT tablelen)
{
	return api_catalog_names(h, cat_table_privileges, cat, catlen, schema, schemalen, table, tablelen, NULL, 0, 0);
}

SQLRETURN SQL_API SQLColumnPrivileges(SQLHSTMT h, SQLCHAR *cat, SQLSMALLINT catlen, SQLCHAR *schema,
                                      SQLSMALLINT schemalen, SQLCHAR *table, SQLSMALLINT tablelen, SQLCHAR *column,
                                      SQLSMALLINT columnlen)
{
	return api_catalog_names(h, cat_column_privileges, cat, catlen, schema, schemalen, table, tablelen, column,
	                         columnlen, 0);
}

SQLRETURN SQL_API SQLGetTypeInfo(SQLHSTMT h, SQLSMALLINT sqltype)
{
	API_CALL(stmt, h, st, conn_is_open(st->dbc, &st->diag) ? info_get_type_info(st, sqltype) : SQL_ERROR);
}

/* --- cursors: names, positioning, ODBC 2 block fetch -------------------------------- */

SQLRETURN SQL_API SQLGetCursorName(SQLHSTMT h, SQLCHAR *name, SQLSMALLINT buflen, SQLSMALLINT *len)
{
	API_CALL(stmt, h, st, stmt_get_cursor_name(st, name, buflen, len));
}

SQLRETURN SQL_API SQLSetCursorName(SQLHSTMT h, SQLCHAR *name, SQLSMALLINT len)
{
	cbo_stmt *st = api_stmt(h);
	if (st == NULL)
		return SQL_INVALID_HANDLE;
	bool ok = true;
	char *s = api_str(name, len, &st->diag, &ok);
	SQLRETURN r = ok ? stmt_set_cursor_name(st, s) : SQL_ERROR;
	free(s);
	return api_stmt_done(st, r);
}

SQLRETURN SQL_API SQLSetPos(SQLHSTMT h, SQLSETPOSIROW row, SQLUSMALLINT op, SQLUSMALLINT lock)
{
	API_CALL(stmt, h, st, setpos_set_pos(st, row, op, lock));
}

SQLRETURN SQL_API SQLBulkOperations(SQLHSTMT h, SQLSMALLINT op)
{
	API_CALL(stmt, h, st, setpos_bulk(st, op));
}

SQLRETURN SQL_API SQLExtendedFetch(SQLHSTMT h, SQLUSMALLINT orientation, SQLLEN offset, SQLULEN *rows,
                                   SQLUSMALLINT *status)
{
	API_CALL(stmt, h, st, res_extended_fetch(st, orientation, offset, rows, status));
}

/* --- descriptors ---------------------------------------------------------------- */

SQLRETURN SQL_API SQLGetDescField(SQLHDESC h, SQLSMALLINT recno, SQLSMALLINT field, SQLPOINTER value, SQLINTEGER buflen,
                                  SQLINTEGER *len)
{
	API_CALL(desc, h, d, desc_get_field(d, recno, field, value, buflen, len));
}

SQLRETURN SQL_API SQLSetDescField(SQLHDESC h, SQLSMALLINT recno, SQLSMALLINT field, SQLPOINTER value, SQLINTEGER buflen)
{
	API_CALL(desc, h, d, desc_set_field(d, recno, field, value, buflen));
}

SQLRETURN SQL_API SQLGetDescRec(SQLHDESC h, SQLSMALLINT recno, SQLCHAR *name, SQLSMALLINT buflen, SQLSMALLINT *namelen,
                                SQLSMALLINT *type, SQLSMALLINT *subtype, SQLLEN *length, SQLSMALLINT *precision,
                                SQLSMALLINT *scale, SQLSMALLINT *nullable)
{
	API_CALL(desc, h, d,
	         desc_get_rec(d, recno, name, buflen, namelen, type, subtype, length, precision, scale, nullable));
}

SQLRETURN SQL_API SQLSetDescRec(SQLHDESC h, SQLSMALLINT recno, SQLSMALLINT type, SQLSMALLINT subtype, SQLLEN length,
                                SQLSMALLINT precision, SQLSMALLINT scale, SQLPOINTER data, SQLLEN *strlen_ptr,
                                SQLLEN *ind_ptr)
{
	API_CALL(desc, h, d,
	         desc_set_rec(d, recno, type, subtype, length, precision, scale, data, strlen_ptr, ind_ptr));
}

SQLRETURN SQL_API SQLCopyDesc(SQLHDESC src, SQLHDESC dst)
{
	cbo_desc *s = src, *d = dst;
	if (s == NULL || s->magic != CBO_MAGIC_DESC || d == NULL || d->magic != CBO_MAGIC_DESC)
		return SQL_INVALID_HANDLE;
	if (s->dbc != d->dbc)
		pthread_mutex_lock(&s->dbc->lock);
	api_desc(d);
	SQLRETURN r = desc_copy(s, d);
	if (s->dbc != d->dbc)
		pthread_mutex_unlock(&s->dbc->lock);
	return api_desc_done(d, r);
}

/* --- SQLBrowseConnect ------------------------------------------------------------ */

SQLRETURN SQL_API SQLBrowseConnect(SQLHDBC h, SQLCHAR *in, SQLSMALLINT inlen, SQLCHAR *out, SQLSMALLINT outmax,
                                   SQLSMALLINT *outlen)
{
	cbo_dbc *dbc = api_dbc(h);
	if (dbc == NULL)
		return SQL_INVALID_HANDLE;
	bool ok = true;
	char *s = api_str(in, inlen, &dbc->diag, &ok);
	SQLRETURN r = ok ? conn_browse_connect(dbc, s, out, outmax, outlen) : SQL_ERROR;
	api_free_secret(s);
	return api_dbc_done(dbc, r);
}
