/*
 * statement.c - the ODBC statement handle: SQL text, server-side prepared
 * statements, parameters, execution and statement attributes.
 *
 * Functions prefix: stmt_
 *
 * SQLPrepare creates a named server-side statement (PQprepare, name
 * cbo_<n>, unique per connection) and describes it, so SQLNumResultCols,
 * SQLDescribeCol and SQLDescribeParam work before SQLExecute, and
 * SQLExecute runs it with PQexecPrepared (so a server's plan cache serves
 * it).  SQLExecDirect without parameters uses the simple query protocol,
 * which allows several statements (SQLMoreResults walks their results);
 * with parameters it uses PQexecParams.  Parameters travel as text, except
 * SQL_C_BINARY values, which travel in binary; their types are left to the
 * server to infer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "odbc-driver/statement.h"
#include "odbc-driver/connection.h"
#include "odbc-driver/convert.h"
#include "odbc-driver/environ.h"
#include "odbc-driver/nativesql.h"

SQLRETURN stmt_alloc(cbo_dbc *dbc, cbo_stmt **out)
{
	if (!conn_is_open(dbc, &dbc->diag))
		return SQL_ERROR;
	cbo_stmt *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return diag_add(&dbc->diag, "HY001", "out of memory allocating a statement handle");
	st->magic = CBO_MAGIC_STMT;
	diag_init(&st->diag);
	st->dbc = dbc;
	st->rowset_start = -1;
	st->gd_col = -1;
	st->row_array_size = 1;
	st->row_bind_type = SQL_BIND_BY_COLUMN;
	st->param_bind_type = SQL_PARAM_BIND_BY_COLUMN;
	st->noscan = SQL_NOSCAN_OFF;
	st->metadata_id = dbc->metadata_id;
	st->cursor_type = SQL_CURSOR_FORWARD_ONLY;
	st->next = dbc->stmts;
	dbc->stmts = st;
	*out = st;
	return SQL_SUCCESS;
}

void stmt_close(cbo_stmt *st)
{
	for (int i = 0; i < st->nresults; i++)
		PQclear(st->results[i]);
	free(st->results);
	st->results = NULL;
	st->nresults = 0;
	st->cur = 0;
	st->executed = false;
	st->rowset_start = -1;
	st->rowset_len = 0;
	st->gd_col = -1;
	st->diag.row_count = -1;
}

/* Drop the server-side statement; failures (e.g. inside a failed
 * transaction) are ignored: names are never reused. */
static void deallocate(cbo_dbc *dbc, const char *plan)
{
	if (dbc->pg != NULL && PQstatus(dbc->pg) == CONNECTION_OK) {
		char sql[64];
		snprintf(sql, sizeof(sql), "DEALLOCATE \"%s\"", plan);
		cbo_diag *saved = dbc->notice_diag;
		dbc->notice_diag = NULL;
		PQclear(PQexec(dbc->pg, sql));
		dbc->notice_diag = saved;
	}
}

static void stmt_unprepare(cbo_stmt *st)
{
	if (st->pcached != NULL) {
		/* the entry keeps the server's statement for the next SQLPrepare of this text */
		cbo_pcache_entry *e = st->pcached;
		if (--e->users == 0 && e->sql == NULL) { /* dropped by DEALLOCATE ALL or DISCARD meanwhile */
			PQclear(e->described);
			memset(e, 0, sizeof(*e));
		}
		st->pcached = NULL;
		st->described = NULL;
		st->prepared = false;
		return;
	}
	if (st->prepared)
		deallocate(st->dbc, st->plan);
	st->prepared = false;
	PQclear(st->described);
	st->described = NULL;
}

void stmt_dae_reset(cbo_stmt *st)
{
	for (int i = 0; i < st->dae_n; i++)
		free(st->dae_buf[i]);
	free(st->dae_buf);
	free(st->dae_len);
	free(st->dae_null);
	st->dae_buf = NULL;
	st->dae_len = NULL;
	st->dae_null = NULL;
	st->dae_n = 0;
	st->dae_active = false;
	st->dae_cur = -1;
}

/* Forget the statement text and any prepared statement. */
static void stmt_reset_text(cbo_stmt *st)
{
	stmt_dae_reset(st);
	stmt_close(st);
	stmt_unprepare(st);
	free(st->sql);
	st->sql = NULL;
	st->nmarkers = 0;
}

void stmt_free(cbo_stmt *st)
{
	stmt_reset_text(st);
	cbo_dbc *dbc = st->dbc;
	for (cbo_stmt **p = &dbc->stmts; *p; p = &(*p)->next) {
		if (*p == st) {
			*p = st->next;
			break;
		}
	}
	free(st->params);
	free(st->cols);
	diag_free(&st->diag);
	st->magic = CBO_MAGIC_DEAD;
	free(st);
}

SQLRETURN stmt_free_stmt(cbo_stmt *st, SQLUSMALLINT option)
{
	switch (option) {
	case SQL_CLOSE:
		stmt_dae_reset(st);
		stmt_close(st);
		return SQL_SUCCESS;
	case SQL_UNBIND:
		free(st->cols);
		st->cols = NULL;
		st->ncols = 0;
		return SQL_SUCCESS;
	case SQL_RESET_PARAMS:
		free(st->params);
		st->params = NULL;
		st->nparams = 0;
		return SQL_SUCCESS;
	default:
		return diag_add(&st->diag, "HY092",
		                "invalid SQLFreeStmt option %u; use SQL_CLOSE, SQL_UNBIND or SQL_RESET_PARAMS "
		                "(SQLFreeHandle frees the statement)",
		                (unsigned)option);
	}
}

static SQLRETURN stmt_set_text(cbo_stmt *st, const char *sql, size_t len)
{
	stmt_reset_text(st);
	if (sql == NULL)
		return diag_add(&st->diag, "HY009", "invalid use of null pointer: no SQL text given");
	if (!nsql_translate(sql, len, &st->sql, &st->nmarkers))
		return diag_add(&st->diag, "HY001", "out of memory translating the SQL text");
	return SQL_SUCCESS;
}

/* The cache entry of text sql, or NULL. */
static cbo_pcache_entry *pcache_find(cbo_dbc *dbc, const char *sql)
{
	for (int i = 0; i < CBO_PCACHE_MAX; i++)
		if (dbc->pcache[i].sql != NULL && strcmp(dbc->pcache[i].sql, sql) == 0)
			return &dbc->pcache[i];
	return NULL;
}

/* Keep st's new server-side statement in the cache when a slot is free or an unused one can go. */
static void pcache_add(cbo_stmt *st)
{
	cbo_dbc *dbc = st->dbc;
	cbo_pcache_entry *slot = NULL;
	for (int i = 0; i < CBO_PCACHE_MAX && slot == NULL; i++)
		if (dbc->pcache[i].sql == NULL && dbc->pcache[i].users == 0)
			slot = &dbc->pcache[i];
	for (int i = 0; i < CBO_PCACHE_MAX; i++) {
		cbo_pcache_entry *e = &dbc->pcache[i];
		if (slot == NULL || slot->sql != NULL) {
			if (e->sql != NULL && e->users == 0 && (slot == NULL || e->used < slot->used))
				slot = e;
		}
	}
	if (slot == NULL)
		return; /* every entry in use: st keeps its own statement */
	char *copy = strdup(st->sql);
	if (copy == NULL)
		return;
	if (slot->sql != NULL) {
		deallocate(dbc, slot->plan);
		free(slot->sql);
		PQclear(slot->described);
	}
	slot->sql = copy;
	memcpy(slot->plan, st->plan, sizeof(slot->plan));
	slot->described = st->described;
	slot->users = 1;
	slot->used = ++dbc->pcache_clock;
	st->pcached = slot;
}

/* DEALLOCATE ALL or DISCARD sent by the application drop the server's statements. */
static void pcache_note_text(cbo_dbc *dbc, const char *sql)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r' || *sql == '(')
		sql++;
	if (strncasecmp(sql, "DEALLOCATE", 10) != 0 && strncasecmp(sql, "DISCARD", 7) != 0)
		return;
	for (int i = 0; i < CBO_PCACHE_MAX; i++) {
		cbo_pcache_entry *e = &dbc->pcache[i];
		if (e->sql == NULL)
			continue;
		/* never found again; an entry in use is freed when its last user lets go
		 * (its statements fail like psqlODBC's would: the server dropped them) */
		free(e->sql);
		e->sql = NULL;
		if (e->users == 0) {
			PQclear(e->described);
			memset(e, 0, sizeof(*e));
		}
	}
}

SQLRETURN stmt_prepare(cbo_stmt *st, const char *sql, size_t len)
{
	cbo_dbc *dbc = st->dbc;
	SQLRETURN r = stmt_set_text(st, sql, len);
	if (r != SQL_SUCCESS)
		return r;
	cbo_pcache_entry *e = pcache_find(dbc, st->sql);
	if (e != NULL) {
		e->users++;
		e->used = ++dbc->pcache_clock;
		memcpy(st->plan, e->plan, sizeof(st->plan));
		st->described = e->described;
		st->pcached = e;
		st->prepared = true;
		return SQL_SUCCESS;
	}
	snprintf(st->plan, sizeof(st->plan), "cbo_%u", ++dbc->next_stmt_id);
	dbc->notice_diag = &st->diag;
	PGresult *res = PQprepare(dbc->pg, st->plan, st->sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		r = diag_add_pg(&st->diag, dbc->pg, res);
		PQclear(res);
		dbc->notice_diag = NULL;
		return r;
	}
	PQclear(res);
	st->prepared = true;
	st->described = PQdescribePrepared(dbc->pg, st->plan);
	dbc->notice_diag = NULL;
	if (PQresultStatus(st->described) != PGRES_COMMAND_OK) {
		r = diag_add_pg(&st->diag, dbc->pg, st->described);
		stmt_unprepare(st);
		return r;
	}
	pcache_add(st);
	return st->diag.n > 0 ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}

/* The number of parameters the statement takes. */
static int stmt_param_count(const cbo_stmt *st)
{
	int n = st->nmarkers;
	if (st->described != NULL && PQnparams(st->described) > n)
		n = PQnparams(st->described);
	return n;
}

/* Collect every result of the query sent; the first error wins, and a
 * connection that died meanwhile makes it 08S01. */
static SQLRETURN stmt_collect(cbo_stmt *st)
{
	cbo_dbc *dbc = st->dbc;
	PGresult *res, *err = NULL;
	bool failed = false;
	while ((res = PQgetResult(dbc->pg)) != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_TUPLES_OK:
		case PGRES_COMMAND_OK:
		case PGRES_EMPTY_QUERY: {
			if (failed) {
				PQclear(res);
				break;
			}
			PGresult **nr = realloc(st->results, (size_t)(st->nresults + 1) * sizeof(*nr));
			if (nr == NULL) {
				PQclear(res);
				failed = true;
				diag_add(&st->diag, "HY001", "out of memory keeping a result");
				break;
			}
			st->results = nr;
			st->results[st->nresults++] = res;
			break;
		}
		case PGRES_COPY_IN:
			PQputCopyEnd(dbc->pg, "COPY FROM STDIN is not supported through ODBC");
			PQclear(res);
			break;
		case PGRES_COPY_OUT: {
			char *buf;
			while (PQgetCopyData(dbc->pg, &buf, 0) > 0)
				PQfreemem(buf);
			PQclear(res);
			if (!failed)
				diag_add(&st->diag, "HYC00",
				         "COPY TO STDOUT is not supported through ODBC; use SELECT instead");
			failed = true;
			break;
		}
		default:
			if (!failed && err == NULL)
				err = res;
			else
				PQclear(res);
			failed = true;
			break;
		}
		if (PQstatus(dbc->pg) == CONNECTION_BAD)
			break;
	}
	if (err != NULL || PQstatus(dbc->pg) == CONNECTION_BAD) {
		if (err != NULL || !failed)
			diag_add_pg(&st->diag, dbc->pg, err);
		PQclear(err);
		failed = true;
	}
	if (failed) {
		stmt_close(st);
		return SQL_ERROR;
	}
	st->executed = true;
	st->cur = 0;
	PGresult *first = stmt_result(st);
	const char *ct = first ? PQcmdTuples(first) : "";
	st->diag.row_count =
	        ct[0] ? atol(ct) : (first && PQresultStatus(first) == PGRES_TUPLES_OK ? PQntuples(first) : -1);
	return SQL_SUCCESS;
}

static bool stmt_is_dae(SQLLEN ind)
{
	return ind == SQL_DATA_AT_EXEC || ind <= SQL_LEN_DATA_AT_EXEC_OFFSET;
}

/* The indicator of bound parameter i, with the bind offset applied. */
static SQLLEN stmt_param_ind(const cbo_stmt *st, int i)
{
	const stmt_param *p = &st->params[i];
	if (p->ind == NULL)
		return SQL_NTS;
	const SQLLEN *ind = p->ind;
	if (st->param_bind_offset != NULL)
		ind = (const SQLLEN *)((const char *)ind + *st->param_bind_offset);
	return *ind;
}

/* Convert the bound parameters; values[i] are malloc'd (NULL for NULL). */
static SQLRETURN stmt_param_values(cbo_stmt *st, int n, char **values, int *lengths, int *formats)
{
	for (int i = 0; i < n; i++) {
		stmt_param *p = i < st->nparams ? &st->params[i] : NULL;
		if (p == NULL || !p->bound)
			return diag_add(&st->diag, "07002",
			                "COUNT field incorrect: parameter %d of %d is not bound; call SQLBindParameter "
			                "for it",
			                i + 1, n);
		char *buf = p->buf;
		SQLLEN *ind = p->ind;
		if (st->param_bind_offset != NULL) {
			if (buf)
				buf += *st->param_bind_offset;
			if (ind)
				ind = (SQLLEN *)((char *)ind + *st->param_bind_offset);
		}
		SQLLEN li = ind ? *ind : SQL_NTS;
		if (st->dae_active && i < st->dae_n && stmt_is_dae(li)) {
			/* the value SQLPutData collected */
			if (st->dae_null[i])
				continue;
			buf = st->dae_buf[i] ? st->dae_buf[i] : "";
			li = (SQLLEN)st->dae_len[i];
		}
		SQLRETURN r = conv_param(&st->diag, p->ctype, p->sqltype, buf, p->buflen, li, &values[i], &lengths[i],
		                         &formats[i]);
		if (r != SQL_SUCCESS)
			return r;
	}
	return SQL_SUCCESS;
}

/* Execute the statement text (prepared or not) with its parameters. */
static SQLRETURN stmt_run(cbo_stmt *st)
{
	cbo_dbc *dbc = st->dbc;
	int n = stmt_param_count(st);
	char **values = calloc((size_t)n + 1, sizeof(char *));
	int *lengths = calloc((size_t)n + 1, sizeof(int));
	int *formats = calloc((size_t)n + 1, sizeof(int));
	SQLRETURN r;
	if (values == NULL || lengths == NULL || formats == NULL) {
		r = diag_add(&st->diag, "HY001", "out of memory preparing parameters");
		goto out;
	}
	if (!st->dae_active) {
		/* parameters whose data comes by SQLPutData: start the dialogue */
		bool dae = false;
		for (int i = 0; i < n && i < st->nparams; i++)
			if (st->params[i].bound && stmt_is_dae(stmt_param_ind(st, i)))
				dae = true;
		if (dae) {
			st->dae_n = n;
			st->dae_buf = calloc((size_t)n, sizeof(char *));
			st->dae_len = calloc((size_t)n, sizeof(size_t));
			st->dae_null = calloc((size_t)n, sizeof(bool));
			if (st->dae_buf == NULL || st->dae_len == NULL || st->dae_null == NULL) {
				stmt_dae_reset(st);
				r = diag_add(&st->diag, "HY001", "out of memory preparing parameters");
				goto out;
			}
			st->dae_active = true;
			st->dae_cur = -1;
			r = SQL_NEED_DATA;
			goto out;
		}
	}
	r = stmt_param_values(st, n, values, lengths, formats);
	if (r != SQL_SUCCESS)
		goto out;
	if (PQstatus(dbc->pg) == CONNECTION_BAD) {
		r = diag_add_pg(&st->diag, dbc->pg, NULL);
		goto out;
	}
	r = conn_begin_if_needed(dbc, &st->diag);
	if (r != SQL_SUCCESS)
		goto out;

	dbc->notice_diag = &st->diag;
	int sent;
	if (!st->prepared)
		pcache_note_text(dbc, st->sql);
	if (st->prepared)
		sent = PQsendQueryPrepared(dbc->pg, st->plan, n, (const char *const *)values, lengths, formats, 0);
	else if (n > 0)
		sent = PQsendQueryParams(dbc->pg, st->sql, n, NULL, (const char *const *)values, lengths, formats, 0);
	else
		sent = PQsendQuery(dbc->pg, st->sql);
	if (!sent) {
		/* nothing went out: the connection is gone or unusable */
		if (PQstatus(dbc->pg) != CONNECTION_BAD)
			PQclear(PQgetResult(dbc->pg));
		r = diag_add_pg(&st->diag, dbc->pg, NULL);
	} else {
		r = stmt_collect(st);
		if (r == SQL_SUCCESS && st->diag.n > 0)
			r = SQL_SUCCESS_WITH_INFO;
	}
	dbc->notice_diag = NULL;
	if (st->params_processed)
		*st->params_processed = 1;
	if (st->param_status)
		st->param_status[0] = r == SQL_ERROR ? SQL_PARAM_ERROR : SQL_PARAM_SUCCESS;
out:
	if (r != SQL_NEED_DATA)
		stmt_dae_reset(st);
	for (int i = 0; values && i < n; i++)
		free(values[i]);
	free(values);
	free(lengths);
	free(formats);
	return r;
}

SQLRETURN stmt_param_data(cbo_stmt *st, SQLPOINTER *token)
{
	if (!st->dae_active)
		return diag_add(&st->diag, "HY010",
		                "function sequence error: no parameter waits for data; SQLParamData follows an "
		                "SQLExecute or SQLExecDirect that returned SQL_NEED_DATA");
	for (int i = st->dae_cur + 1; i < st->dae_n && i < st->nparams; i++) {
		if (st->params[i].bound && stmt_is_dae(stmt_param_ind(st, i))) {
			st->dae_cur = i;
			if (token)
				*token = st->params[i].buf;
			return SQL_NEED_DATA;
		}
	}
	/* every value is there: execute */
	st->dae_cur = st->dae_n;
	return stmt_run(st);
}

SQLRETURN stmt_put_data(cbo_stmt *st, SQLPOINTER data, SQLLEN len)
{
	if (!st->dae_active || st->dae_cur < 0 || st->dae_cur >= st->dae_n)
		return diag_add(&st->diag, "HY010",
		                "function sequence error: call SQLParamData to learn which parameter to send before "
		                "SQLPutData");
	int i = st->dae_cur;
	stmt_param *p = &st->params[i];
	if (len == SQL_NULL_DATA) {
		st->dae_null[i] = true;
		return SQL_SUCCESS;
	}
	if (data == NULL && len != 0)
		return diag_add(&st->diag, "HY009", "invalid use of null pointer: no data given to SQLPutData");
	size_t n;
	if (p->ctype == SQL_C_CHAR && len == SQL_NTS) {
		n = strlen(data);
	} else if (p->ctype == SQL_C_WCHAR && len == SQL_NTS) {
		n = 0;
		while (((const SQLWCHAR *)data)[n / sizeof(SQLWCHAR)] != 0)
			n += sizeof(SQLWCHAR);
	} else if (len >= 0) {
		n = (size_t)len;
	} else {
		return diag_add(&st->diag, "HY090", "invalid length %ld for SQLPutData", (long)len);
	}
	bool piecewise = p->ctype == SQL_C_CHAR || p->ctype == SQL_C_WCHAR || p->ctype == SQL_C_BINARY;
	if (!piecewise && st->dae_len[i] > 0)
		return diag_add(&st->diag, "HY019",
		                "non-character and non-binary data sent in pieces: send the whole value in one "
		                "SQLPutData");
	char *nb = realloc(st->dae_buf[i], st->dae_len[i] + n + sizeof(SQLWCHAR));
	if (nb == NULL)
		return diag_add(&st->diag, "HY001", "out of memory collecting parameter data");
	if (n > 0)
		memcpy(nb + st->dae_len[i], data, n);
	st->dae_len[i] += n;
	memset(nb + st->dae_len[i], 0, sizeof(SQLWCHAR));
	st->dae_buf[i] = nb;
	st->dae_null[i] = false;
	return SQL_SUCCESS;
}

SQLRETURN stmt_execute(cbo_stmt *st)
{
	if (!st->prepared)
		return diag_add(&st->diag, "HY010",
		                "function sequence error: nothing is prepared; call SQLPrepare before SQLExecute");
	stmt_close(st);
	return stmt_run(st);
}

SQLRETURN stmt_exec_direct(cbo_stmt *st, const char *sql, size_t len)
{
	SQLRETURN r = stmt_set_text(st, sql, len);
	if (r != SQL_SUCCESS)
		return r;
	return stmt_run(st);
}

SQLRETURN stmt_bind_param(cbo_stmt *st, SQLUSMALLINT num, SQLSMALLINT io, SQLSMALLINT ctype, SQLSMALLINT sqltype,
                          SQLULEN colsize, SQLSMALLINT digits, SQLPOINTER buf, SQLLEN buflen, SQLLEN *ind)
{
	if (num < 1)
		return diag_add(&st->diag, "07009", "invalid descriptor index: parameters are numbered from 1");
	if (io != SQL_PARAM_INPUT)
		return diag_add(&st->diag, "HYC00",
		                "optional feature not implemented: only input parameters (SQL_PARAM_INPUT) are "
		                "supported");
	if (!conv_ctype_valid(ctype))
		return diag_add(&st->diag, "HY003",
		                "invalid application buffer type %d for parameter %u; use an SQL_C_ type the driver "
		                "converts",
		                (int)ctype, (unsigned)num);
	if (!conv_sqltype_valid(sqltype))
		return diag_add(&st->diag, "HY004", "invalid SQL data type %d for parameter %u", (int)sqltype,
		                (unsigned)num);
	if (buflen < 0)
		return diag_add(&st->diag, "HY090", "invalid buffer length %ld for parameter %u", (long)buflen,
		                (unsigned)num);
	if (num > st->nparams) {
		stmt_param *np = realloc(st->params, (size_t)num * sizeof(*np));
		if (np == NULL)
			return diag_add(&st->diag, "HY001", "out of memory binding a parameter");
		memset(np + st->nparams, 0, (size_t)(num - st->nparams) * sizeof(*np));
		st->params = np;
		st->nparams = num;
	}
	stmt_param *p = &st->params[num - 1];
	p->bound = true;
	p->io = io;
	p->ctype = ctype;
	p->sqltype = sqltype;
	p->colsize = colsize;
	p->digits = digits;
	p->buf = buf;
	p->buflen = buflen;
	p->ind = ind;
	return SQL_SUCCESS;
}

SQLRETURN stmt_num_params(cbo_stmt *st, SQLSMALLINT *count)
{
	if (st->sql == NULL)
		return diag_add(&st->diag, "HY010",
		                "function sequence error: no statement; call SQLPrepare before SQLNumParams");
	if (count)
		*count = (SQLSMALLINT)stmt_param_count(st);
	return SQL_SUCCESS;
}

SQLRETURN stmt_describe_param(cbo_stmt *st, SQLUSMALLINT num, SQLSMALLINT *type, SQLULEN *size, SQLSMALLINT *digits,
                              SQLSMALLINT *nullable)
{
	if (!st->prepared || st->described == NULL)
		return diag_add(&st->diag, "HY010", "function sequence error: call SQLPrepare before SQLDescribeParam");
	if (num < 1 || (int)num > PQnparams(st->described))
		return diag_add(&st->diag, "07009", "invalid descriptor index: the statement has %d parameters",
		                PQnparams(st->described));
	Oid oid = PQparamtype(st->described, num - 1);
	if (type)
		*type = conv_sql_type(oid, st->dbc->env->odbc_version);
	if (size)
		*size = conv_column_size(oid, -1);
	if (digits)
		*digits = conv_decimal_digits(oid, -1);
	if (nullable)
		*nullable = SQL_NULLABLE;
	return SQL_SUCCESS;
}

PGresult *stmt_result(const cbo_stmt *st)
{
	if (!st->executed || st->cur >= st->nresults)
		return NULL;
	return st->results[st->cur];
}

PGresult *stmt_meta(const cbo_stmt *st)
{
	if (st->executed)
		return stmt_result(st);
	return st->described;
}

PGresult *stmt_query(cbo_stmt *st, const char *sql, int nparams, const char *const *values)
{
	cbo_dbc *dbc = st->dbc;
	stmt_reset_text(st);
	if (conn_begin_if_needed(dbc, &st->diag) != SQL_SUCCESS)
		return NULL;
	PGresult *res = PQexecParams(dbc->pg, sql, nparams, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		diag_add_pg(&st->diag, dbc->pg, res);
		PQclear(res);
		return NULL;
	}
	return res;
}

void stmt_set_result(cbo_stmt *st, PGresult *res)
{
	stmt_close(st);
	st->results = malloc(sizeof(*st->results));
	if (st->results == NULL) {
		PQclear(res);
		diag_add(&st->diag, "HY001", "out of memory keeping a result");
		return;
	}
	st->results[0] = res;
	st->nresults = 1;
	st->executed = true;
	st->diag.row_count = PQntuples(res);
}

/* --- attributes ---------------------------------------------------------- */

SQLRETURN stmt_set_attr(cbo_stmt *st, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER len)
{
	SQLULEN v = (SQLULEN)(uintptr_t)value;
	switch (attr) {
	case SQL_ATTR_ROW_ARRAY_SIZE:
	case SQL_ROWSET_SIZE:
		if (v < 1)
			return diag_add(&st->diag, "HY024",
			                "invalid attribute value: the row array size must be at least 1");
		st->row_array_size = v;
		return SQL_SUCCESS;
	case SQL_ATTR_ROW_STATUS_PTR:
		st->row_status = value;
		return SQL_SUCCESS;
	case SQL_ATTR_ROWS_FETCHED_PTR:
		st->rows_fetched = value;
		return SQL_SUCCESS;
	case SQL_ATTR_ROW_BIND_TYPE:
		st->row_bind_type = v;
		return SQL_SUCCESS;
	case SQL_ATTR_ROW_BIND_OFFSET_PTR:
		st->row_bind_offset = value;
		return SQL_SUCCESS;
	case SQL_ATTR_PARAM_BIND_TYPE:
		st->param_bind_type = v;
		return SQL_SUCCESS;
	case SQL_ATTR_PARAM_BIND_OFFSET_PTR:
		st->param_bind_offset = value;
		return SQL_SUCCESS;
	case SQL_ATTR_PARAMS_PROCESSED_PTR:
		st->params_processed = value;
		return SQL_SUCCESS;
	case SQL_ATTR_PARAM_STATUS_PTR:
		st->param_status = value;
		return SQL_SUCCESS;
	case SQL_ATTR_PARAMSET_SIZE:
		if (v != 1)
			return diag_add(&st->diag, "HYC00",
			                "optional feature not implemented: arrays of parameters; execute once per set "
			                "(SQL_ATTR_PARAMSET_SIZE 1)");
		return SQL_SUCCESS;
	case SQL_ATTR_MAX_ROWS:
		st->max_rows = v;
		return SQL_SUCCESS;
	case SQL_ATTR_MAX_LENGTH:
		st->max_length = v;
		return SQL_SUCCESS;
	case SQL_ATTR_QUERY_TIMEOUT:
		st->query_timeout = v;
		return SQL_SUCCESS;
	case SQL_ATTR_NOSCAN:
		st->noscan = v;
		return SQL_SUCCESS;
	case SQL_ATTR_METADATA_ID:
		st->metadata_id = v;
		return SQL_SUCCESS;
	case SQL_ATTR_CURSOR_TYPE:
		/* the result is held whole by the driver: static cursors cost nothing */
		if (v == SQL_CURSOR_FORWARD_ONLY || v == SQL_CURSOR_STATIC) {
			st->cursor_type = v;
			return SQL_SUCCESS;
		}
		st->cursor_type = SQL_CURSOR_STATIC;
		return diag_add(&st->diag, "01S02",
		                "option value changed: keyset-driven and dynamic cursors are not supported; "
		                "SQL_CURSOR_STATIC is used");
	case SQL_ATTR_CONCURRENCY:
		if (v != SQL_CONCUR_READ_ONLY)
			return diag_add(&st->diag, "01S02",
			                "option value changed: only read-only cursors are supported; "
			                "SQL_CONCUR_READ_ONLY is used");
		return SQL_SUCCESS;
	case SQL_ATTR_CURSOR_SCROLLABLE:
		st->cursor_type = v == SQL_SCROLLABLE ? SQL_CURSOR_STATIC : SQL_CURSOR_FORWARD_ONLY;
		return SQL_SUCCESS;
	case SQL_ATTR_CURSOR_SENSITIVITY:
		if (v != SQL_UNSPECIFIED && v != SQL_INSENSITIVE)
			return diag_add(&st->diag, "HYC00", "optional feature not implemented: sensitive cursors");
		return SQL_SUCCESS;
	case SQL_ATTR_USE_BOOKMARKS:
		if (v != SQL_UB_OFF)
			return diag_add(&st->diag, "HYC00", "optional feature not implemented: bookmarks");
		return SQL_SUCCESS;
	case SQL_ATTR_RETRIEVE_DATA:
		if (v != SQL_RD_ON)
			return diag_add(&st->diag, "HYC00", "optional feature not implemented: SQL_RD_OFF");
		return SQL_SUCCESS;
	case SQL_ATTR_ASYNC_ENABLE:
		if (v != SQL_ASYNC_ENABLE_OFF)
			return diag_add(&st->diag, "HYC00", "optional feature not implemented: asynchronous execution");
		return SQL_SUCCESS;
	case SQL_ATTR_ENABLE_AUTO_IPD:
	case SQL_ATTR_KEYSET_SIZE:
	case SQL_ATTR_SIMULATE_CURSOR:
		return SQL_SUCCESS;
	default:
		return diag_add(&st->diag, "HY092", "invalid statement attribute %d", (int)attr);
	}
}

SQLRETURN stmt_get_attr(cbo_stmt *st, SQLINTEGER attr, SQLPOINTER value, SQLINTEGER buflen, SQLINTEGER *len)
{
	SQLULEN v;
	SQLPOINTER p = NULL;
	bool is_ptr = false;
	switch (attr) {
	case SQL_ATTR_ROW_ARRAY_SIZE:
	case SQL_ROWSET_SIZE:
		v = st->row_array_size;
		break;
	case SQL_ATTR_ROW_STATUS_PTR:
		p = st->row_status, is_ptr = true;
		break;
	case SQL_ATTR_ROWS_FETCHED_PTR:
		p = st->rows_fetched, is_ptr = true;
		break;
	case SQL_ATTR_ROW_BIND_OFFSET_PTR:
		p = st->row_bind_offset, is_ptr = true;
		break;
	case SQL_ATTR_PARAM_BIND_OFFSET_PTR:
		p = st->param_bind_offset, is_ptr = true;
		break;
	case SQL_ATTR_PARAMS_PROCESSED_PTR:
		p = st->params_processed, is_ptr = true;
		break;
	case SQL_ATTR_PARAM_STATUS_PTR:
		p = st->param_status, is_ptr = true;
		break;
	case SQL_ATTR_ROW_BIND_TYPE:
		v = st->row_bind_type;
		break;
	case SQL_ATTR_PARAM_BIND_TYPE:
		v = st->param_bind_type;
		break;
	case SQL_ATTR_PARAMSET_SIZE:
		v = 1;
		break;
	case SQL_ATTR_MAX_ROWS:
		v = st->max_rows;
		break;
	case SQL_ATTR_MAX_LENGTH:
		v = st->max_length;
		break;
	case SQL_ATTR_QUERY_TIMEOUT:
		v = st->query_timeout;
		break;
	case SQL_ATTR_NOSCAN:
		v = st->noscan;
		break;
	case SQL_ATTR_METADATA_ID:
		v = st->metadata_id;
		break;
	case SQL_ATTR_CURSOR_TYPE:
		v = st->cursor_type;
		break;
	case SQL_ATTR_CONCURRENCY:
		v = SQL_CONCUR_READ_ONLY;
		break;
	case SQL_ATTR_CURSOR_SCROLLABLE:
		v = st->cursor_type == SQL_CURSOR_STATIC ? SQL_SCROLLABLE : SQL_NONSCROLLABLE;
		break;
	case SQL_ATTR_CURSOR_SENSITIVITY:
		v = SQL_INSENSITIVE;
		break;
	case SQL_ATTR_USE_BOOKMARKS:
		v = SQL_UB_OFF;
		break;
	case SQL_ATTR_RETRIEVE_DATA:
		v = SQL_RD_ON;
		break;
	case SQL_ATTR_ASYNC_ENABLE:
		v = SQL_ASYNC_ENABLE_OFF;
		break;
	case SQL_ATTR_ENABLE_AUTO_IPD:
		v = SQL_FALSE;
		break;
	case SQL_ATTR_KEYSET_SIZE:
		v = 0;
		break;
	case SQL_ATTR_SIMULATE_CURSOR:
		v = SQL_SC_NON_UNIQUE;
		break;
	case SQL_ATTR_ROW_NUMBER:
		v = st->rowset_start >= 0 && st->rowset_len > 0 ? (SQLULEN)st->rowset_start + 1 : 0;
		break;
	default:
		return diag_add(&st->diag, "HY092", "invalid statement attribute %d", (int)attr);
	}
	if (is_ptr) {
		if (value)
			*(SQLPOINTER *)value = p;
		if (len)
			*len = sizeof(SQLPOINTER);
	} else {
		if (value)
			*(SQLULEN *)value = v;
		if (len)
			*len = sizeof(SQLULEN);
	}
	return SQL_SUCCESS;
}
