/*
 * results.c - result sets of a statement: column metadata, bound columns,
 * block fetch, SQLGetData, row counts and multiple results.
 *
 * Functions prefix: res_
 *
 * A result set is a PGresult held by the statement (statement.c); the
 * cursor is forward-only: a fetch moves the rowset (SQL_ATTR_ROW_ARRAY_SIZE
 * rows) past the previous one and converts each bound column into the
 * application's buffers, column-wise or row-wise.  SQLGetData reads the
 * first row of the rowset, piecewise for character and binary data.
 */
#include <stdlib.h>
#include <string.h>

#include "odbc-driver/results.h"
#include "odbc-driver/connection.h"
#include "odbc-driver/convert.h"
#include "odbc-driver/environ.h"
#include "odbc-driver/statement.h"

/* The metadata result, or HY010 when nothing is prepared or executed. */
static PGresult *res_meta_or_error(cbo_stmt *st)
{
	PGresult *r = stmt_meta(st);
	if (r == NULL && !st->executed)
		diag_add(&st->diag, "HY010",
		         "function sequence error: no result set; call SQLPrepare or SQLExecute/SQLExecDirect first");
	return r;
}

static bool res_has_rows(const PGresult *r)
{
	return r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK;
}

SQLRETURN res_num_cols(cbo_stmt *st, SQLSMALLINT *count)
{
	PGresult *r = stmt_meta(st);
	if (r == NULL && !st->executed && !st->prepared)
		return diag_add(&st->diag, "HY010",
		                "function sequence error: call SQLPrepare or SQLExecDirect before SQLNumResultCols");
	if (count)
		*count = (SQLSMALLINT)(r ? PQnfields(r) : 0);
	return SQL_SUCCESS;
}

static SQLRETURN res_check_col(cbo_stmt *st, PGresult *r, SQLUSMALLINT col)
{
	if (col < 1 || (int)col > PQnfields(r))
		return diag_add(&st->diag, "07009", "invalid descriptor index %u: the result has %d columns",
		                (unsigned)col, PQnfields(r));
	return SQL_SUCCESS;
}

SQLRETURN res_describe_col(cbo_stmt *st, SQLUSMALLINT col, SQLCHAR *name, SQLSMALLINT buflen, SQLSMALLINT *namelen,
                           SQLSMALLINT *type, SQLULEN *size, SQLSMALLINT *digits, SQLSMALLINT *nullable)
{
	PGresult *r = res_meta_or_error(st);
	if (r == NULL) {
		if (st->executed)
			return diag_add(&st->diag, "07005",
			                "prepared statement not a cursor-specification: the statement returns no "
			                "columns");
		return SQL_ERROR;
	}
	if (res_check_col(st, r, col) != SQL_SUCCESS)
		return SQL_ERROR;
	int c = col - 1;
	Oid oid = PQftype(r, c);
	int mod = PQfmod(r, c);
	if (type)
		*type = conv_sql_type(oid, st->dbc->env->odbc_version);
	if (size)
		*size = conv_column_size(oid, mod);
	if (digits)
		*digits = conv_decimal_digits(oid, mod);
	if (nullable)
		*nullable = SQL_NULLABLE_UNKNOWN;
	if (conv_put_str_small(PQfname(r, c), name, buflen, namelen))
		return diag_add(&st->diag, "01004", "string data, right truncated: the column name needs %zu bytes",
		                strlen(PQfname(r, c)) + 1);
	return SQL_SUCCESS;
}

SQLRETURN res_col_attribute(cbo_stmt *st, SQLUSMALLINT col, SQLUSMALLINT field, SQLPOINTER charattr, SQLSMALLINT buflen,
                            SQLSMALLINT *outlen, SQLLEN *numattr)
{
	PGresult *r = res_meta_or_error(st);
	if (field == SQL_DESC_COUNT || field == SQL_COLUMN_COUNT) {
		if (r == NULL && !st->executed)
			return SQL_ERROR;
		if (numattr)
			*numattr = r ? PQnfields(r) : 0;
		return SQL_SUCCESS;
	}
	if (r == NULL) {
		if (st->executed)
			return diag_add(&st->diag, "07005",
			                "prepared statement not a cursor-specification: the statement returns no "
			                "columns");
		return SQL_ERROR;
	}
	if (res_check_col(st, r, col) != SQL_SUCCESS)
		return SQL_ERROR;
	int c = col - 1;
	Oid oid = PQftype(r, c);
	int mod = PQfmod(r, c);
	const conv_pgtype *t = conv_pgtype_of(oid);
	SQLSMALLINT sqltype = conv_sql_type(oid, st->dbc->env->odbc_version);
	const char *s = NULL;
	SQLLEN n = 0;
	switch (field) {
	case SQL_DESC_NAME:
	case SQL_DESC_LABEL:
	case SQL_DESC_BASE_COLUMN_NAME:
	case SQL_COLUMN_NAME:
		s = PQfname(r, c);
		break;
	case SQL_DESC_TYPE_NAME:
	case SQL_DESC_LOCAL_TYPE_NAME:
		s = t->name;
		break;
	case SQL_DESC_TABLE_NAME:
	case SQL_DESC_BASE_TABLE_NAME:
	case SQL_DESC_SCHEMA_NAME:
	case SQL_DESC_CATALOG_NAME:
		s = "";
		break;
	case SQL_DESC_LITERAL_PREFIX:
	case SQL_DESC_LITERAL_SUFFIX:
		s = (t->cls == CONV_CHAR || t->cls == CONV_DATE || t->cls == CONV_TIME || t->cls == CONV_TS) ? "'" : "";
		break;
	case SQL_DESC_CONCISE_TYPE: /* == SQL_COLUMN_TYPE */
		n = sqltype;
		break;
	case SQL_DESC_TYPE:
		n = conv_verbose_type(sqltype, NULL);
		break;
	case SQL_DESC_DATETIME_INTERVAL_CODE: {
		SQLSMALLINT sub;
		conv_verbose_type(sqltype, &sub);
		n = sub;
		break;
	}
	case SQL_DESC_LENGTH:
	case SQL_COLUMN_PRECISION:
	case SQL_DESC_PRECISION:
		n = (SQLLEN)conv_column_size(oid, mod);
		if (field == SQL_DESC_PRECISION && t->cls != CONV_NUM && t->cls != CONV_TS && t->cls != CONV_TIME)
			n = 0;
		if (field == SQL_DESC_PRECISION && (t->cls == CONV_TS || t->cls == CONV_TIME))
			n = conv_decimal_digits(oid, mod);
		break;
	case SQL_COLUMN_LENGTH:
	case SQL_DESC_OCTET_LENGTH:
		n = conv_octet_length(oid, mod);
		break;
	case SQL_DESC_SCALE:
	case SQL_COLUMN_SCALE:
		n = conv_decimal_digits(oid, mod);
		break;
	case SQL_DESC_DISPLAY_SIZE:
		n = conv_display_size(oid, mod);
		break;
	case SQL_DESC_NULLABLE:
	case SQL_COLUMN_NULLABLE:
		n = SQL_NULLABLE_UNKNOWN;
		break;
	case SQL_DESC_UNSIGNED:
		n = (t->cls == CONV_NUM && oid != CBO_OIDOID && oid != CBO_XIDOID) ? SQL_FALSE : SQL_TRUE;
		break;
	case SQL_DESC_NUM_PREC_RADIX:
		n = t->cls == CONV_NUM ? (oid == CBO_FLOAT4OID || oid == CBO_FLOAT8OID ? 2 : 10) : 0;
		break;
	case SQL_DESC_AUTO_UNIQUE_VALUE:
	case SQL_DESC_FIXED_PREC_SCALE:
		n = SQL_FALSE;
		break;
	case SQL_DESC_CASE_SENSITIVE:
		n = t->cls == CONV_CHAR ? SQL_TRUE : SQL_FALSE;
		break;
	case SQL_DESC_SEARCHABLE:
		n = t->cls == CONV_BIN ? SQL_PRED_NONE : SQL_PRED_SEARCHABLE;
		break;
	case SQL_DESC_UPDATABLE:
		n = SQL_ATTR_READWRITE_UNKNOWN;
		break;
	case SQL_DESC_UNNAMED:
		n = PQfname(r, c)[0] ? SQL_NAMED : SQL_UNNAMED;
		break;
	default:
		return diag_add(&st->diag, "HY091", "invalid descriptor field identifier %u", (unsigned)field);
	}
	if (s != NULL) {
		if (conv_put_str_small(s, charattr, buflen, outlen))
			return diag_add(&st->diag, "01004",
			                "string data, right truncated: the attribute needs %zu bytes", strlen(s) + 1);
		return SQL_SUCCESS;
	}
	if (numattr)
		*numattr = n;
	return SQL_SUCCESS;
}

SQLRETURN res_bind_col(cbo_stmt *st, SQLUSMALLINT col, SQLSMALLINT ctype, SQLPOINTER buf, SQLLEN buflen, SQLLEN *ind)
{
	if (col < 1)
		return diag_add(&st->diag, "07009",
		                "invalid descriptor index 0: bookmarks are not supported; columns start at 1");
	if (buf != NULL && !conv_ctype_valid(ctype))
		return diag_add(&st->diag, "HY003",
		                "invalid application buffer type %d for column %u; use an SQL_C_ type the driver "
		                "converts",
		                (int)ctype, (unsigned)col);
	if (buflen < 0)
		return diag_add(&st->diag, "HY090", "invalid buffer length %ld for column %u", (long)buflen,
		                (unsigned)col);
	if (col > st->ncols) {
		if (buf == NULL)
			return SQL_SUCCESS; /* unbinding a column never bound */
		stmt_col *nc = realloc(st->cols, (size_t)col * sizeof(*nc));
		if (nc == NULL)
			return diag_add(&st->diag, "HY001", "out of memory binding a column");
		memset(nc + st->ncols, 0, (size_t)(col - st->ncols) * sizeof(*nc));
		st->cols = nc;
		st->ncols = col;
	}
	stmt_col *c = &st->cols[col - 1];
	c->bound = buf != NULL;
	c->ctype = ctype;
	c->buf = buf;
	c->buflen = buflen;
	c->ind = ind;
	return SQL_SUCCESS;
}

/* Bytes of one element of a fixed-size C type, 0 for variable-size ones. */
static SQLLEN res_ctype_size(SQLSMALLINT ctype)
{
	switch (ctype) {
	case SQL_C_BIT:
	case SQL_C_TINYINT:
	case SQL_C_STINYINT:
	case SQL_C_UTINYINT:
		return 1;
	case SQL_C_SHORT:
	case SQL_C_SSHORT:
	case SQL_C_USHORT:
		return 2;
	case SQL_C_LONG:
	case SQL_C_SLONG:
	case SQL_C_ULONG:
	case SQL_C_FLOAT:
		return 4;
	case SQL_C_SBIGINT:
	case SQL_C_UBIGINT:
	case SQL_C_DOUBLE:
		return 8;
	case SQL_C_NUMERIC:
		return sizeof(SQL_NUMERIC_STRUCT);
	case SQL_C_DATE:
	case SQL_C_TYPE_DATE:
		return sizeof(SQL_DATE_STRUCT);
	case SQL_C_TIME:
	case SQL_C_TYPE_TIME:
		return sizeof(SQL_TIME_STRUCT);
	case SQL_C_TIMESTAMP:
	case SQL_C_TYPE_TIMESTAMP:
		return sizeof(SQL_TIMESTAMP_STRUCT);
	default:
		return 0;
	}
}

/* Convert row `row` of r into the bound buffers at rowset position i. */
static SQLRETURN res_fill_row(cbo_stmt *st, PGresult *r, long row, SQLULEN i)
{
	SQLRETURN ret = SQL_SUCCESS;
	int nf = PQnfields(r);
	SQLULEN off = st->row_bind_offset ? *st->row_bind_offset : 0;
	for (int c = 0; c < st->ncols && c < nf; c++) {
		stmt_col *b = &st->cols[c];
		if (!b->bound)
			continue;
		SQLSMALLINT ctype = b->ctype;
		if (ctype == SQL_C_DEFAULT)
			ctype = conv_default_ctype(conv_pgtype_of(PQftype(r, c))->sqltype);
		char *buf;
		SQLLEN *ind = NULL;
		if (st->row_bind_type == SQL_BIND_BY_COLUMN) {
			SQLLEN elem = res_ctype_size(ctype);
			if (elem == 0)
				elem = b->buflen;
			buf = (char *)b->buf + off + i * (SQLULEN)elem;
			if (b->ind)
				ind = (SQLLEN *)((char *)(b->ind + i) + off);
		} else {
			buf = (char *)b->buf + off + i * st->row_bind_type;
			if (b->ind)
				ind = (SQLLEN *)((char *)b->ind + off + i * st->row_bind_type);
		}
		bool isnull = PQgetisnull(r, (int)row, c);
		SQLRETURN cr = conv_to_c(&st->diag, PQftype(r, c), isnull ? NULL : PQgetvalue(r, (int)row, c),
		                         (size_t)PQgetlength(r, (int)row, c), ctype, buf, b->buflen, ind, NULL);
		if (cr == SQL_ERROR)
			ret = SQL_ERROR;
		else if (cr == SQL_SUCCESS_WITH_INFO && ret == SQL_SUCCESS)
			ret = SQL_SUCCESS_WITH_INFO;
	}
	return ret;
}

SQLRETURN res_fetch(cbo_stmt *st, SQLSMALLINT orientation, SQLLEN offset)
{
	if (!st->executed)
		return diag_add(&st->diag, "HY010",
		                "function sequence error: no executed statement; call SQLExecute or SQLExecDirect "
		                "before fetching");
	PGresult *r = stmt_result(st);
	if (!res_has_rows(r))
		return diag_add(&st->diag, "24000",
		                "invalid cursor state: the statement produced no result set to fetch from");
	if (orientation != SQL_FETCH_NEXT && st->cursor_type == SQL_CURSOR_FORWARD_ONLY)
		return diag_add(&st->diag, "HY106",
		                "fetch type out of range: the cursor is forward-only; use SQL_FETCH_NEXT or set "
		                "SQL_ATTR_CURSOR_TYPE to SQL_CURSOR_STATIC before executing");
	long ntup = PQntuples(r);
	if (st->max_rows > 0 && (SQLULEN)ntup > st->max_rows)
		ntup = (long)st->max_rows;
	long size = (long)st->row_array_size;
	long cur = st->rowset_start; /* -1: before the first row; ntup: after the last */
	long start;
	switch (orientation) {
	case SQL_FETCH_NEXT:
		start = cur < 0 ? 0 : cur + st->rowset_len;
		break;
	case SQL_FETCH_PRIOR:
		start = cur < 0 ? -1 : (cur > 0 && cur < size ? 0 : cur - size);
		break;
	case SQL_FETCH_FIRST:
		start = 0;
		break;
	case SQL_FETCH_LAST:
		start = ntup > size ? ntup - size : 0;
		break;
	case SQL_FETCH_ABSOLUTE:
		start = offset > 0   ? offset - 1
		        : offset < 0 ? (ntup + offset >= 0 ? ntup + offset : (-offset <= size ? 0 : -1))
		                     : -1;
		break;
	case SQL_FETCH_RELATIVE:
		start = cur < 0 ? (offset > 0 ? offset - 1 : -1) : cur + offset;
		if (cur >= 0 && start < 0 && cur > 0 && -offset <= size)
			start = 0;
		break;
	default:
		return diag_add(
		        &st->diag, "HY106",
		        "fetch type %d out of range: use SQL_FETCH_NEXT, PRIOR, FIRST, LAST, ABSOLUTE or RELATIVE",
		        (int)orientation);
	}
	st->gd_col = -1;
	if (start < 0 || start >= ntup) {
		/* before the first row or after the last: no rowset */
		st->rowset_start = start < 0 ? -1 : ntup;
		st->rowset_len = 0;
		if (st->rows_fetched)
			*st->rows_fetched = 0;
		return SQL_NO_DATA;
	}
	long n = ntup - start;
	if ((SQLULEN)n > st->row_array_size)
		n = (long)st->row_array_size;
	st->rowset_start = start;
	st->rowset_len = n;
	long errors = 0;
	bool info = false;
	for (SQLULEN i = 0; i < st->row_array_size; i++) {
		if ((long)i >= n) {
			if (st->row_status)
				st->row_status[i] = SQL_ROW_NOROW;
			continue;
		}
		SQLRETURN rr = res_fill_row(st, r, start + (long)i, i);
		if (rr == SQL_ERROR)
			errors++;
		else if (rr == SQL_SUCCESS_WITH_INFO)
			info = true;
		if (st->row_status)
			st->row_status[i] = rr == SQL_ERROR               ? SQL_ROW_ERROR
			                    : rr == SQL_SUCCESS_WITH_INFO ? SQL_ROW_SUCCESS_WITH_INFO
			                                                  : SQL_ROW_SUCCESS;
	}
	if (st->rows_fetched)
		*st->rows_fetched = (SQLULEN)n;
	if (errors == n)
		return SQL_ERROR;
	return (errors > 0 || info) ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}

SQLRETURN res_get_data(cbo_stmt *st, SQLUSMALLINT col, SQLSMALLINT ctype, SQLPOINTER buf, SQLLEN buflen, SQLLEN *ind)
{
	PGresult *r = stmt_result(st);
	if (!res_has_rows(r) || st->rowset_start < 0 || st->rowset_len == 0)
		return diag_add(&st->diag, "24000", "invalid cursor state: no current row; call SQLFetch first");
	if (col == 0)
		return diag_add(&st->diag, "07009", "invalid descriptor index 0: bookmarks are not supported");
	if (res_check_col(st, r, col) != SQL_SUCCESS)
		return SQL_ERROR;
	if (!conv_ctype_valid(ctype))
		return diag_add(&st->diag, "HY003",
		                "invalid application buffer type %d; use an SQL_C_ type the driver converts",
		                (int)ctype);
	if (buflen < 0)
		return diag_add(&st->diag, "HY090", "invalid buffer length %ld", (long)buflen);
	if (st->gd_col != col) {
		st->gd_col = col;
		st->gd_offset = 0;
	}
	int c = col - 1;
	int row = (int)st->rowset_start;
	bool isnull = PQgetisnull(r, row, c);
	return conv_to_c(&st->diag, PQftype(r, c), isnull ? NULL : PQgetvalue(r, row, c),
	                 (size_t)PQgetlength(r, row, c), ctype, buf, buflen, ind, &st->gd_offset);
}

SQLRETURN res_row_count(cbo_stmt *st, SQLLEN *count)
{
	if (!st->executed)
		return diag_add(&st->diag, "HY010",
		                "function sequence error: call SQLExecute or SQLExecDirect before SQLRowCount");
	PGresult *r = stmt_result(st);
	SQLLEN n = -1;
	if (r != NULL) {
		const char *ct = PQcmdTuples(r);
		if (ct[0])
			n = atol(ct);
		else if (PQresultStatus(r) == PGRES_TUPLES_OK)
			n = PQntuples(r);
	}
	if (count)
		*count = n;
	return SQL_SUCCESS;
}

SQLRETURN res_more_results(cbo_stmt *st)
{
	if (!st->executed || st->cur + 1 >= st->nresults) {
		stmt_close(st);
		return SQL_NO_DATA;
	}
	st->cur++;
	st->rowset_start = -1;
	st->rowset_len = 0;
	st->gd_col = -1;
	SQLLEN n;
	res_row_count(st, &n);
	st->diag.row_count = n;
	return SQL_SUCCESS;
}

SQLRETURN res_close_cursor(cbo_stmt *st)
{
	if (!res_has_rows(stmt_result(st)))
		return diag_add(&st->diag, "24000", "invalid cursor state: no cursor is open on the statement");
	stmt_close(st);
	return SQL_SUCCESS;
}
