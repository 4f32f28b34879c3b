/*
 * setpos.c - changing rows through a cursor: SQLSetPos and
 * SQLBulkOperations.
 *
 * Functions prefix: setpos_
 *
 * An updatable cursor (statement.c) is a SELECT over one table whose rows
 * carry their ctid in a hidden last column.  A row is updated, deleted or
 * refreshed by its ctid; an added row is inserted and appended to the
 * result.  UPDATE and INSERT take the values of the bound columns (a
 * column bound with SQL_COLUMN_IGNORE is left out) and RETURNING gives the
 * row as the server stored it, which replaces the cached one, so the
 * cursor sees its own changes (as psqlODBC's keyset-driven cursors do).
 * Bookmarks are row numbers from 1.
 */
#include <stdlib.h>
#include <string.h>

#include "common/sb.h"
#include "odbc-driver/setpos.h"
#include "odbc-driver/connection.h"
#include "odbc-driver/convert.h"
#include "odbc-driver/results.h"
#include "odbc-driver/statement.h"

/* The updatable result, or NULL with a diagnostic. */
static stmt_res *sp_updatable(cbo_stmt *st)
{
	stmt_res *cur = stmt_cur(st);
	if (cur == NULL || cur->res == NULL || PQresultStatus(cur->res) != PGRES_TUPLES_OK) {
		diag_set(&st->diag, "24000", DIAG_N_INVALID_CURSOR_STATE, "invalid cursor state: no result set");
		return NULL;
	}
	if (cur->hidden == 0 || cur->table == 0) {
		/* psqlODBC's answer: not capable (HYC00) */
		diag_set(&st->diag, "HYC00", DIAG_N_NOT_IMPLEMENTED,
		         "the cursor is read-only: set SQL_ATTR_CONCURRENCY and a scrollable SQL_ATTR_CURSOR_TYPE "
		         "before executing a SELECT over one table");
		return NULL;
	}
	return cur;
}

/* "schema"."table" of the cursor's table. */
static bool sp_table(cbo_stmt *st, stmt_res *cur, cb_sb *b)
{
	int nf = PQnfields(cur->res) - cur->hidden;
	for (int c = 0; c < nf; c++) {
		if (PQftable(cur->res, c) != cur->table || PQftablecol(cur->res, c) <= 0)
			continue;
		res_table t = res_table_col(st, cur->table, PQftablecol(cur->res, c));
		if (t.found) {
			cb_sb_ident(b, t.nspname);
			cb_sb_put(b, ".");
			cb_sb_ident(b, t.relname);
			return true;
		}
	}
	diag_set(&st->diag, "HY000", DIAG_N_EXEC, "the table of the cursor could not be found in the catalog");
	return false;
}

/* The column name of result column c in the table, NULL for expressions. */
static const char *sp_colname(cbo_stmt *st, stmt_res *cur, int c)
{
	if (PQftable(cur->res, c) != cur->table || PQftablecol(cur->res, c) <= 0)
		return NULL;
	res_table t = res_table_col(st, cur->table, PQftablecol(cur->res, c));
	return t.found ? t.attname : NULL;
}

/* The row as the cursor has it: the table's columns of the result in
 * result order (NULL for expressions), then ctid. */
static void sp_columns(cbo_stmt *st, stmt_res *cur, cb_sb *b)
{
	int nf = PQnfields(cur->res) - cur->hidden;
	for (int c = 0; c < nf; c++) {
		const char *n = sp_colname(st, cur, c);
		if (n)
			cb_sb_ident(b, n);
		else
			cb_sb_put(b, "NULL");
		cb_sb_put(b, ", ");
	}
	cb_sb_put(b, "ctid");
}

static bool sp_grow_state(stmt_res *cur, long rows)
{
	if (rows <= cur->nstate)
		return true;
	unsigned char *ns = realloc(cur->row_state, (size_t)rows);
	if (ns == NULL)
		return false;
	memset(ns + cur->nstate, STMT_ROW_CLEAN, (size_t)(rows - cur->nstate));
	cur->row_state = ns;
	cur->nstate = rows;
	return true;
}

/* Store a returned row into row `row` of the result (row == ntuples appends);
 * columns that are expressions keep their value. */
static bool sp_store(cbo_stmt *st, stmt_res *cur, long row, PGresult *ret)
{
	int nf = PQnfields(cur->res) - cur->hidden;
	bool append = row >= PQntuples(cur->res);
	for (int c = 0; c <= nf && c < PQnfields(ret); c++) {
		int dst = c < nf ? c : PQnfields(cur->res) - 1; /* ctid last */
		if (c < nf && sp_colname(st, cur, c) == NULL && !append)
			continue;
		bool null = PQgetisnull(ret, 0, c);
		if (!PQsetvalue(cur->res, (int)row, dst, null ? NULL : PQgetvalue(ret, 0, c),
		                null ? -1 : PQgetlength(ret, 0, c)))
			return false;
	}
	free(cur->longest);
	cur->longest = NULL;
	return true;
}

/* The values of the bound columns at rowset position i for an UPDATE or
 * INSERT: column names, values; false with a diagnostic. */
typedef struct sp_values {
	int n;
	const char *names[1024];
	conv_param vals[1024];
} sp_values;

static void sp_values_free(sp_values *v)
{
	for (int i = 0; i < v->n; i++)
		free(v->vals[i].value);
	v->n = 0;
}

static bool sp_collect(cbo_stmt *st, stmt_res *cur, SQLULEN i, sp_values *v)
{
	v->n = 0;
	int nf = PQnfields(cur->res) - cur->hidden;
	cbo_desc *ard = st->ard;
	for (int c = 1; c <= ard->count && c <= nf && v->n < 1024; c++) {
		desc_rec *b = &ard->recs[c];
		if (b->data_ptr == NULL)
			continue;
		const char *name = sp_colname(st, cur, c - 1);
		if (name == NULL)
			continue;
		char *buf;
		SQLLEN *len, *ind;
		res_bound_at(st, b, i, &buf, &len, &ind, b->concise_type);
		SQLLEN indv = SQL_NTS;
		if (ind && *ind == SQL_NULL_DATA)
			indv = SQL_NULL_DATA;
		else if (len)
			indv = *len;
		if (indv == SQL_COLUMN_IGNORE || (ind && *ind == SQL_COLUMN_IGNORE))
			continue;
		if (indv == SQL_DATA_AT_EXEC || indv <= SQL_LEN_DATA_AT_EXEC_OFFSET) {
			diag_add(&st->diag, "HYC00",
			         "optional feature not implemented: data at execution in SQLSetPos/SQLBulkOperations");
			return false;
		}
		pgt_ctx ctx;
		res_pgt_ctx(st, PQftype(cur->res, c - 1), &ctx);
		pgt_col pc = {.oid = PQftype(cur->res, c - 1),
		              .typmod = PQfmod(cur->res, c - 1),
		              .longest = PGT_UNSET,
		              .unknowns = PGT_UNKNOWNS_MAX};
		SQLSMALLINT ctype = b->concise_type;
		if (ctype == SQL_C_DEFAULT)
			ctype = pgt_default_ctype(&ctx, pc.oid, pc.typmod);
		/* a bound column's value is in its buffer: a length past the
		 * buffer (a truncated value's, fetched) reads no further */
		if (indv > 0 && b->octet_length > 0 && indv > b->octet_length &&
		    (ctype == SQL_C_CHAR || ctype == SQL_C_BINARY || ctype == SQL_C_WCHAR))
			indv = b->octet_length;
		conv_in in = {.opts = &st->dbc->opts,
		              .ctype = ctype,
		              .sqltype = pgt_sql_type(&ctx, &pc),
		              .pgtype = pc.oid,
		              .buf = buf,
		              .buflen = b->octet_length,
		              .ind = indv,
		              .precision = b->precision};
		const char *state, *msg;
		if (!conv_param_value(&in, &v->vals[v->n], &state, &msg)) {
			diag_add(&st->diag, state, "%s (column %d)", msg, c);
			return false;
		}
		v->names[v->n++] = name;
	}
	return true;
}

/* Run a row statement (the transaction rules of the connection apply). */
/* Run the statement built in b (which goes): its result, or NULL with a
 * diagnostic. */
static PGresult *sp_run(cbo_stmt *st, cb_sb *b, int n, const char *const *vals, const int *lens, const int *fmts)
{
	cbo_dbc *dbc = st->dbc;
	char *sql = cb_sb_finish(b);
	PGresult *r = NULL;
	if (sql == NULL)
		diag_add(&st->diag, "HY001", "out of memory");
	else if (dbc->autocommit || conn_in_txn(dbc) || conn_exec_simple(dbc, &st->diag, "BEGIN") == SQL_SUCCESS) {
		const char *std = PQparameterStatus(dbc->pg, "standard_conforming_strings");
		inproc_sent(dbc->inproc, sql, strlen(sql), std == NULL || strcmp(std, "on") == 0);
		r = stmt_run_internal(st, sql, n, vals, lens, fmts);
	}
	free(sql);
	return r;
}

static const char *sp_ctid(stmt_res *cur, long row)
{
	return PQgetvalue(cur->res, (int)(row - cur->base), PQnfields(cur->res) - 1);
}

static void sp_status(cbo_stmt *st, SQLULEN i, SQLUSMALLINT s)
{
	if (st->ird.array_status_ptr)
		st->ird.array_status_ptr[i] = s;
}

static SQLRETURN sp_update(cbo_stmt *st, stmt_res *cur, long row, SQLULEN i)
{
	sp_values v;
	if (!sp_collect(st, cur, i, &v))
		return SQL_ERROR;
	if (v.n == 0) {
		sp_values_free(&v);
		return SQL_SUCCESS; /* nothing bound: nothing to change */
	}
	cb_sb b;
	cb_sb_init(&b);
	cb_sb_put(&b, "UPDATE ONLY ");
	if (!sp_table(st, cur, &b)) {
		cb_sb_free(&b);
		sp_values_free(&v);
		return SQL_ERROR;
	}
	cb_sb_put(&b, " SET ");
	const char *vals[1026];
	int lens[1026], fmts[1026];
	for (int k = 0; k < v.n; k++) {
		if (k)
			cb_sb_put(&b, ", ");
		cb_sb_ident(&b, v.names[k]);
		cb_sb_printf(&b, " = $%d", k + 1);
		vals[k] = v.vals[k].value;
		lens[k] = v.vals[k].len;
		fmts[k] = v.vals[k].format;
	}
	cb_sb_printf(&b, " WHERE ctid = $%d::tid RETURNING ", v.n + 1);
	vals[v.n] = sp_ctid(cur, row);
	lens[v.n] = 0;
	fmts[v.n] = 0;
	sp_columns(st, cur, &b);
	SQLRETURN ret = SQL_SUCCESS;
	PGresult *r = sp_run(st, &b, v.n + 1, vals, lens, fmts);
	if (r == NULL) {
		ret = SQL_ERROR;
	} else if (PQntuples(r) != 1) {
		ret = diag_set(&st->diag, "HY000", DIAG_N_EXEC,
		               "the row was changed or deleted by someone else since it was fetched");
	} else if (!sp_store(st, cur, row, r) || !sp_grow_state(cur, PQntuples(cur->res))) {
		ret = diag_add(&st->diag, "HY001", "out of memory");
	} else {
		if (cur->row_state[row] != STMT_ROW_ADDED)
			cur->row_state[row] = STMT_ROW_UPDATED;
		sp_status(st, i, SQL_ROW_UPDATED);
	}
	PQclear(r);
	sp_values_free(&v);
	return ret;
}

/* Run b, a statement about the cursor's table whose text goes on with the
 * table's name, for `row` (b goes): the result, or NULL with a diagnostic. */
static PGresult *sp_run_at_row(cbo_stmt *st, stmt_res *cur, long row, cb_sb *b)
{
	if (!sp_table(st, cur, b)) {
		cb_sb_free(b);
		return NULL;
	}
	cb_sb_put(b, " WHERE ctid = $1::tid");
	const char *vals[1] = {sp_ctid(cur, row)};
	return sp_run(st, b, 1, vals, NULL, NULL);
}

static SQLRETURN sp_delete(cbo_stmt *st, stmt_res *cur, long row, SQLULEN i)
{
	cb_sb b;
	cb_sb_init(&b);
	cb_sb_put(&b, "DELETE FROM ONLY ");
	PGresult *r = sp_run_at_row(st, cur, row, &b);
	SQLRETURN ret = SQL_SUCCESS;
	if (r == NULL)
		ret = SQL_ERROR;
	else if (atol(PQcmdTuples(r)) != 1)
		ret = diag_set(&st->diag, "HY000", DIAG_N_EXEC,
		               "the row was changed or deleted by someone else since it was fetched");
	else if (!sp_grow_state(cur, PQntuples(cur->res)))
		ret = diag_add(&st->diag, "HY001", "out of memory");
	else {
		cur->row_state[row] = STMT_ROW_DELETED;
		sp_status(st, i, SQL_ROW_DELETED);
	}
	PQclear(r);
	return ret;
}

static SQLRETURN sp_refresh(cbo_stmt *st, stmt_res *cur, long row, SQLULEN i)
{
	if (cur->hidden > 0 && cur->table != 0 &&
	    (cur->row_state == NULL || row >= cur->nstate || cur->row_state[row] != STMT_ROW_DELETED)) {
		cb_sb b;
		cb_sb_init(&b);
		cb_sb_put(&b, "SELECT ");
		sp_columns(st, cur, &b);
		cb_sb_put(&b, " FROM ONLY ");
		PGresult *r = sp_run_at_row(st, cur, row, &b);
		if (r == NULL)
			return SQL_ERROR;
		if (PQntuples(r) == 1 && !sp_store(st, cur, row, r)) {
			PQclear(r);
			return diag_add(&st->diag, "HY001", "out of memory");
		}
		PQclear(r);
	}
	return res_fill_row(st, row, i);
}

static SQLRETURN sp_add(cbo_stmt *st, stmt_res *cur, SQLULEN i, long *added)
{
	sp_values v;
	if (!sp_collect(st, cur, i, &v))
		return SQL_ERROR;
	cb_sb b;
	cb_sb_init(&b);
	cb_sb_put(&b, "INSERT INTO ");
	if (!sp_table(st, cur, &b)) {
		cb_sb_free(&b);
		sp_values_free(&v);
		return SQL_ERROR;
	}
	const char *vals[1024];
	int lens[1024], fmts[1024];
	if (v.n == 0) {
		cb_sb_put(&b, " DEFAULT VALUES");
	} else {
		cb_sb_put(&b, " (");
		for (int k = 0; k < v.n; k++) {
			if (k)
				cb_sb_put(&b, ", ");
			cb_sb_ident(&b, v.names[k]);
		}
		cb_sb_put(&b, ") VALUES (");
		for (int k = 0; k < v.n; k++) {
			cb_sb_printf(&b, "%s$%d", k ? ", " : "", k + 1);
			vals[k] = v.vals[k].value;
			lens[k] = v.vals[k].len;
			fmts[k] = v.vals[k].format;
		}
		cb_sb_put(&b, ")");
	}
	cb_sb_put(&b, " RETURNING ");
	sp_columns(st, cur, &b);
	SQLRETURN ret = SQL_SUCCESS;
	PGresult *r = sp_run(st, &b, v.n, vals, lens, fmts);
	if (r == NULL) {
		ret = SQL_ERROR;
	} else {
		long row = PQntuples(cur->res);
		if (PQntuples(r) != 1 || !sp_store(st, cur, row + cur->base, r) || !sp_grow_state(cur, row + 1)) {
			ret = diag_add(&st->diag, "HY001", "out of memory");
		} else {
			cur->row_state[row] = STMT_ROW_ADDED;
			*added = row + cur->base;
			if (cur->row_count >= 0)
				cur->row_count++;
		}
	}
	PQclear(r);
	sp_values_free(&v);
	return ret;
}

/* Write the bookmark of `row` into the bound bookmark column at position i. */
static void sp_put_bookmark(cbo_stmt *st, long row, SQLULEN i)
{
	if (st->ard->cap == 0 || st->ard->recs[0].data_ptr == NULL)
		return;
	char *buf;
	SQLLEN *len, *ind;
	res_bound_at(st, &st->ard->recs[0], i, &buf, &len, &ind, st->ard->recs[0].concise_type);
	SQLINTEGER bm = res_bookmark(row);
	if (buf)
		memcpy(buf, &bm, sizeof(bm));
	if (len)
		*len = sizeof(bm);
	if (ind && ind != len)
		*ind = sizeof(bm);
}

static SQLRETURN sp_merge(SQLRETURN acc, SQLRETURN r)
{
	if (r == SQL_ERROR)
		return SQL_ERROR;
	if (r == SQL_SUCCESS_WITH_INFO && acc == SQL_SUCCESS)
		return SQL_SUCCESS_WITH_INFO;
	return acc;
}

SQLRETURN setpos_set_pos(cbo_stmt *st, SQLSETPOSIROW irow, SQLUSMALLINT op, SQLUSMALLINT lock)
{
	if (lock != SQL_LOCK_NO_CHANGE && lock != SQL_LOCK_EXCLUSIVE && lock != SQL_LOCK_UNLOCK)
		return diag_add(&st->diag, "HY024", "invalid lock type %u", (unsigned)lock);
	if (op != SQL_POSITION && op != SQL_REFRESH && op != SQL_UPDATE && op != SQL_DELETE && op != SQL_ADD)
		return diag_add(&st->diag, "HY092", "invalid SQLSetPos operation %u", (unsigned)op);
	stmt_res *cur = stmt_cur(st);
	if (!st->executed || cur == NULL || cur->res == NULL || PQresultStatus(cur->res) != PGRES_TUPLES_OK)
		return diag_set(&st->diag, "24000", DIAG_N_INVALID_CURSOR_STATE,
		                "invalid cursor state: no result set; execute a SELECT first");
	if (op == SQL_ADD) {
		if (sp_updatable(st) == NULL)
			return SQL_ERROR;
		SQLULEN n = irow == 0 ? st->ard->array_size : 1;
		SQLRETURN acc = SQL_SUCCESS;
		for (SQLULEN i = 0; i < n; i++) {
			long added = -1;
			SQLULEN pos = irow == 0 ? i : irow - 1;
			SQLRETURN r = sp_add(st, cur, pos, &added);
			acc = sp_merge(acc, r);
			if (r == SQL_ERROR)
				return SQL_ERROR;
			sp_status(st, pos, SQL_ROW_ADDED);
		}
		cur->row_count = (long)n; /* SQLRowCount: the rows the operation touched (psqlODBC) */
		return acc;
	}
	if (st->rowset_count <= 0 && op != SQL_POSITION)
		return diag_set(&st->diag, "24000", DIAG_N_INVALID_CURSOR_STATE,
		                "invalid cursor state: no rowset; fetch before SQLSetPos");
	if (st->rowset_count < 0 || irow > (SQLULEN)st->rowset_count)
		return diag_set(&st->diag, "HY107", DIAG_N_ROW_OUT_OF_RANGE,
		                "row value %lu out of range: the rowset has %ld rows", (unsigned long)irow,
		                st->rowset_count);
	if (op == SQL_POSITION) {
		if (irow == 0)
			return diag_set(&st->diag, "HY109", DIAG_N_INVALID_CURSOR_POSITION,
			                "invalid cursor position: SQL_POSITION needs a row of the rowset");
		st->cur_row = st->rowset_rows[irow - 1];
		res_gd_reset(st);
		return SQL_SUCCESS;
	}
	if (op != SQL_REFRESH && sp_updatable(st) == NULL)
		return SQL_ERROR;
	SQLULEN first = irow == 0 ? 0 : irow - 1, last = irow == 0 ? (SQLULEN)st->rowset_count - 1 : irow - 1;
	SQLRETURN acc = SQL_SUCCESS;
	for (SQLULEN i = first; i <= last; i++) {
		long row = st->rowset_rows[i];
		SQLRETURN r;
		switch (op) {
		case SQL_UPDATE:
			r = sp_update(st, cur, row, i);
			break;
		case SQL_DELETE:
			r = sp_delete(st, cur, row, i);
			break;
		default:
			r = sp_refresh(st, cur, row, i);
			break;
		}
		acc = sp_merge(acc, r);
		if (r == SQL_ERROR && irow != 0)
			return SQL_ERROR;
	}
	if (irow != 0) {
		st->cur_row = st->rowset_rows[irow - 1];
		res_gd_reset(st);
	}
	cur->row_count = (long)(last - first + 1); /* SQLRowCount: the rows the operation touched (psqlODBC) */
	return acc;
}

SQLRETURN setpos_bulk(cbo_stmt *st, SQLSMALLINT op)
{
	stmt_res *cur = stmt_cur(st);
	if (!st->executed || cur == NULL || cur->res == NULL || PQresultStatus(cur->res) != PGRES_TUPLES_OK)
		return diag_set(&st->diag, "24000", DIAG_N_INVALID_CURSOR_STATE,
		                "invalid cursor state: no result set; execute a SELECT first");
	SQLULEN n = st->ard->array_size;
	SQLRETURN acc = SQL_SUCCESS;
	switch (op) {
	case SQL_ADD:
		if (sp_updatable(st) == NULL)
			return SQL_ERROR;
		for (SQLULEN i = 0; i < n; i++) {
			long added = -1;
			SQLRETURN r = sp_add(st, cur, i, &added);
			if (r == SQL_ERROR)
				return SQL_ERROR;
			acc = sp_merge(acc, r);
			sp_status(st, i, SQL_ROW_ADDED);
			sp_put_bookmark(st, added, i);
		}
		cur->row_count = (long)n;
		return acc;
	case SQL_UPDATE_BY_BOOKMARK:
	case SQL_DELETE_BY_BOOKMARK:
	case SQL_FETCH_BY_BOOKMARK: {
		if (st->use_bookmarks == SQL_UB_OFF)
			return diag_set(&st->diag, "HY092", DIAG_N_INVALID_OPTION,
			                "bookmarks are off: set SQL_ATTR_USE_BOOKMARKS first");
		if (st->ard->cap == 0 || st->ard->recs[0].data_ptr == NULL)
			return diag_set(&st->diag, "HY092", DIAG_N_INVALID_OPTION,
			                "the bookmark column (0) is not bound");
		if (op != SQL_FETCH_BY_BOOKMARK && sp_updatable(st) == NULL)
			return SQL_ERROR;
		for (SQLULEN i = 0; i < n; i++) {
			char *buf;
			SQLLEN *len, *ind;
			res_bound_at(st, &st->ard->recs[0], i, &buf, &len, &ind, st->ard->recs[0].concise_type);
			long row = res_bookmark_row(st, buf);
			bool failed = false;
			if (row < 0 || !stmt_row_available(st, cur, row, &failed))
				return diag_set(&st->diag, "HY111", DIAG_N_OPERATION_INVALID, "invalid bookmark value");
			SQLRETURN r;
			if (op == SQL_UPDATE_BY_BOOKMARK)
				r = sp_update(st, cur, row, i);
			else if (op == SQL_DELETE_BY_BOOKMARK)
				r = sp_delete(st, cur, row, i);
			else
				r = res_fill_row(st, row, i);
			if (r == SQL_ERROR)
				return SQL_ERROR;
			acc = sp_merge(acc, r);
		}
		return acc;
	}
	default:
		return diag_add(&st->diag, "HY092", "invalid SQLBulkOperations operation %d", (int)op);
	}
}

SQLRETURN setpos_resume(cbo_stmt *st)
{
	return diag_set(&st->diag, "HY010", DIAG_N_SEQUENCE,
	                "function sequence error: no row operation waits for data");
}
