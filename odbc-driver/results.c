/*
 * results.c - result sets of a statement: column metadata, bound columns,
 * block and scrolling fetch, bookmarks, SQLGetData, row counts and
 * multiple results.
 *
 * Functions prefix: res_
 *
 * A result set is a PGresult held by the statement (statement.c), fetched
 * a chunk at a time when UseDeclareFetch is on.  A fetch positions the
 * rowset (SQL_ATTR_ROW_ARRAY_SIZE rows) as psqlODBC does (the same
 * answers at both ends, 01S06 when a rowset would start before the first
 * row, deleted rows of an updatable cursor skipped) and converts each
 * bound column into the application's buffers, column-wise or row-wise.
 * Column metadata follows psqlODBC's type rules (pgtypes.c), with the
 * table's catalog entry (nullability, names) read once per table.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "odbc-driver/results.h"
#include "odbc-driver/connection.h"
#include "odbc-driver/convert.h"
#include "odbc-driver/environ.h"
#include "odbc-driver/statement.h"

SQLINTEGER res_bookmark(long row)
{
	return row < 0 ? (SQLINTEGER)row : (SQLINTEGER)(row + 1);
}

void res_pgt_ctx(cbo_stmt *st, Oid oid, pgt_ctx *c)
{
	c->opts = &st->dbc->opts;
	c->odbc_version = st->dbc->env->odbc_version;
	c->unicode = st->dbc->unicode_app;
	c->lo = oid >= CBO_FIRST_USER_OID && conn_is_lo_type(st->dbc, oid);
}

void res_value_out(cbo_stmt *st, const stmt_res *r, long row, int c, pgt_ctx *ctx, conv_out *o)
{
	const char *val;
	int vlen;
	stmt_value(r, row, c, &val, &vlen);
	res_pgt_ctx(st, PQftype(r->res, c), ctx);
	o->types = ctx;
	o->type = PQftype(r->res, c);
	o->typmod = PQfmod(r->res, c);
	o->val = val;
	o->vlen = (size_t)vlen;
}

void res_gd_reset(cbo_stmt *st)
{
	for (int i = 0; i < st->ngd; i++)
		conv_gd_reset(&st->gd[i]);
}

/* The result describing the columns, or NULL with a diagnostic. */
static PGresult *res_meta(cbo_stmt *st, bool quiet)
{
	bool err = false;
	PGresult *r = stmt_meta(st, &err);
	if (r == NULL && !err && !quiet && !st->executed)
		diag_add(&st->diag, "HY010", "function sequence error: no statement is prepared or executed");
	return r;
}

static int res_visible_cols(cbo_stmt *st, PGresult *r)
{
	if (r == NULL)
		return 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
		return 0;
	stmt_res *cur = stmt_cur(st);
	int hidden = (cur && cur->res == r) ? cur->hidden : 0;
	int n = PQnfields(r) - hidden;
	return n < 0 ? 0 : n;
}

SQLRETURN res_num_cols_quiet(cbo_stmt *st, SQLSMALLINT *count)
{
	stmt_res *cur = stmt_cur(st);
	if (st->executed && cur != NULL && cur->part >= 0 && cur->part < st->nparts &&
	    st->parts[cur->part].proc_return && !st->catalog) {
		if (count)
			*count = 0;
		return SQL_SUCCESS;
	}
	PGresult *r = res_meta(st, true);
	if (count)
		*count = (SQLSMALLINT)res_visible_cols(st, r);
	return SQL_SUCCESS;
}

SQLRETURN res_num_cols(cbo_stmt *st, SQLSMALLINT *count)
{
	if (!st->executed && st->nparts == 0)
		return diag_add(&st->diag, "HY010",
		                "function sequence error: call SQLPrepare or SQLExecDirect before SQLNumResultCols");
	if (st->executed && st->nparts > 0 && st->parts[0].proc_return && !st->catalog) {
		if (count)
			*count = 0;
		return SQL_SUCCESS;
	}
	bool err = false;
	PGresult *r = stmt_meta(st, &err);
	if (err)
		return SQL_ERROR;
	if (count)
		*count = (SQLSMALLINT)res_visible_cols(st, r);
	return st->diag.msg ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}

/* --- what is known of a column ---------------------------------------------------- */

/* Look up column attnum of table oid (cached on the connection). */
res_table res_table_col(cbo_stmt *st, Oid table, int attnum)
{
	res_table t = {0};
	if (table == 0 || attnum <= 0)
		return t;
	cbo_dbc *dbc = st->dbc;
	cbo_tableinfo *ti = NULL;
	for (int i = 0; i < dbc->ntables; i++)
		if (dbc->tables[i].oid == table)
			ti = &dbc->tables[i];
	if (ti == NULL) {
		if (dbc->pg == NULL || PQstatus(dbc->pg) != CONNECTION_OK ||
		    PQtransactionStatus(dbc->pg) == PQTRANS_INERROR || PQtransactionStatus(dbc->pg) == PQTRANS_ACTIVE)
			return t;
		PGresult *r = conn_query_oid(
		        dbc,
		        "SELECT a.attnum, a.attname, a.attnotnull, c.relname, n.nspname, "
		        "coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false) OR a.attidentity "
		        "<> '', a.atttypid "
		        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
		        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
		        "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
		        "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
		        table);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			PQclear(r);
			return t;
		}
		cbo_tableinfo *nt = realloc(dbc->tables, (size_t)(dbc->ntables + 1) * sizeof(*nt));
		if (nt == NULL) {
			PQclear(r);
			return t;
		}
		dbc->tables = nt;
		ti = &dbc->tables[dbc->ntables++];
		ti->oid = table;
		ti->cols = r;
	}
	PGresult *r = ti->cols;
	for (int i = 0; i < PQntuples(r); i++) {
		if (atoi(PQgetvalue(r, i, 0)) == attnum) {
			t.attname = PQgetvalue(r, i, 1);
			t.notnull = PQgetvalue(r, i, 2)[0] == 't';
			t.relname = PQgetvalue(r, i, 3);
			t.nspname = PQgetvalue(r, i, 4);
			t.serial = PQgetvalue(r, i, 5)[0] == 't';
			t.atttypid = (Oid)strtoul(PQgetvalue(r, i, 6), NULL, 10);
			t.found = true;
		}
	}
	return t;
}

/* The longest value of a column (and, for numeric, its largest scale in the
 * upper 16 bits), as psqlODBC measures rows it has read. */
static int res_longest(cbo_stmt *st, PGresult *r, int c)
{
	stmt_res *cur = stmt_cur(st);
	if (cur == NULL || cur->res != r)
		return PGT_UNSET;
	if (cur->fieldsize != NULL && c < cur->nfieldsize)
		return cur->fieldsize[c];
	if (cur->longest == NULL) {
		int nf = PQnfields(r);
		cur->longest = malloc((size_t)(nf ? nf : 1) * sizeof(int));
		if (cur->longest == NULL)
			return PGT_UNSET;
		for (int k = 0; k < nf; k++) {
			int longest = PGT_UNSET;
			size_t maxscale = 0;
			for (int row = 0; row < PQntuples(r); row++) {
				if (PQgetisnull(r, row, k))
					continue;
				int len = PQgetlength(r, row, k);
				if (len > longest)
					longest = len;
				if (PQftype(r, k) == CBO_NUMERICOID) {
					const char *v = PQgetvalue(r, row, k), *dot = strchr(v, '.');
					if (dot && strlen(dot + 1) > maxscale)
						maxscale = strlen(dot + 1);
				}
			}
			if (PQftype(r, k) == CBO_NUMERICOID && PQfmod(r, k) < 4 && longest > 0)
				longest += (int)(maxscale << 16);
			cur->longest[k] = longest;
		}
	}
	return cur->longest[c];
}

/* The column as the type rules see it. */
static void res_col_desc(cbo_stmt *st, PGresult *r, int c, pgt_ctx *ctx, pgt_col *col)
{
	col->oid = PQftype(r, c);
	col->typmod = PQfmod(r, c);
	col->adjusted = false;
	col->longest = res_longest(st, r, c);
	col->unknowns = st->catalog ? PGT_UNKNOWNS_LONGEST : st->dbc->opts.unknown_sizes;
	res_pgt_ctx(st, col->oid, ctx);
	/* a column of the lo domain comes as oid: psqlODBC knows it from the table */
	if (col->oid == CBO_OIDOID && !st->catalog && PQftable(r, c) != 0) {
		res_table t = res_table_col(st, PQftable(r, c), PQftablecol(r, c));
		if (t.found && t.atttypid >= CBO_FIRST_USER_OID && conn_is_lo_type(st->dbc, t.atttypid)) {
			ctx->lo = true;
			col->oid = t.atttypid;
		}
	}
}

static SQLRETURN res_check_col(cbo_stmt *st, cbo_diag *d, PGresult *r, SQLUSMALLINT col, const char *what)
{
	(void)what;
	if (col < 1 || (int)col > res_visible_cols(st, r))
		return diag_add(d, "07009", "invalid descriptor index %u: the result has %d columns", (unsigned)col,
		                res_visible_cols(st, r));
	return SQL_SUCCESS;
}

static bool res_outer_join(cbo_stmt *st)
{
	stmt_res *cur = stmt_cur(st);
	int part = cur ? cur->part : 0;
	if (part < 0 || part >= st->nparts)
		return false;
	const char *t = st->parts[part].tmpl;
	return t && nsql_find_keyword(t, strlen(t), "OUTER", true) != (size_t)-1;
}

static SQLSMALLINT res_nullable(cbo_stmt *st, PGresult *r, int c)
{
	if (res_outer_join(st) || st->catalog)
		return SQL_NULLABLE;
	res_table t = res_table_col(st, PQftable(r, c), PQftablecol(r, c));
	if (t.found && t.notnull)
		return SQL_NO_NULLS;
	return SQL_NULLABLE;
}

SQLRETURN res_describe_col(cbo_stmt *st, SQLUSMALLINT col, SQLCHAR *name, SQLSMALLINT buflen, SQLSMALLINT *namelen,
                           SQLSMALLINT *type, SQLULEN *size, SQLSMALLINT *digits, SQLSMALLINT *nullable)
{
	if (col == 0) {
		/* the bookmark column */
		if (name && buflen > 0)
			name[0] = '\0';
		if (namelen)
			*namelen = 0;
		if (type)
			*type = st->use_bookmarks == SQL_UB_VARIABLE ? SQL_BINARY : SQL_INTEGER;
		if (size)
			*size = 10;
		if (digits)
			*digits = 0;
		if (nullable)
			*nullable = SQL_NO_NULLS;
		return SQL_SUCCESS;
	}
	bool err = false;
	PGresult *r = stmt_meta(st, &err);
	if (r == NULL) {
		if (err)
			return SQL_ERROR;
		return diag_add(&st->diag, "07005",
		                "prepared statement not a cursor-specification: the statement returns no columns");
	}
	if (res_check_col(st, &st->diag, r, col, "DescribeCol") != SQL_SUCCESS)
		return SQL_ERROR;
	int c = col - 1;
	pgt_ctx ctx;
	pgt_col pc;
	res_col_desc(st, r, c, &ctx, &pc);
	SQLRETURN ret = SQL_SUCCESS;
	if (type)
		*type = pgt_sql_type(&ctx, &pc);
	if (size) {
		SQLINTEGER s = pgt_column_size(&ctx, &pc);
		*size = s < 0 ? 0 : (SQLULEN)s;
	}
	if (digits) {
		SQLSMALLINT dd = pgt_decimal_digits(&ctx, &pc);
		*digits = dd < 0 ? 0 : dd;
	}
	if (nullable)
		*nullable = res_nullable(st, r, c);
	if (conv_put_str_small(PQfname(r, c), name, buflen, namelen))
		ret = diag_add(&st->diag, "01004", "string data, right truncated: the column name needs %zu bytes",
		               strlen(PQfname(r, c)) + 1);
	return ret;
}

/* A size or count where psqlODBC answers 0 for "none" (negative). */
static SQLLEN res_nonneg(SQLLEN v)
{
	return v < 0 ? 0 : v;
}

/* An attribute the type rules leave unknown (-1), given psqlODBC's answer. */
static SQLLEN res_known(SQLLEN v, SQLLEN unknown)
{
	return v == -1 ? unknown : v;
}

SQLRETURN res_col_field(cbo_stmt *st, cbo_diag *d, SQLSMALLINT col, SQLSMALLINT field, SQLPOINTER charattr,
                        SQLSMALLINT buflen, SQLSMALLINT *outlen, SQLLEN *num, bool *is_str)
{
	*is_str = false;
	if (outlen)
		*outlen = 0;
	if (col == 0 && field != SQL_DESC_COUNT) {
		/* the bookmark column */
		switch (field) {
		case SQL_DESC_OCTET_LENGTH:
			*num = 4;
			break;
		case SQL_DESC_TYPE:
			*num = st->use_bookmarks == SQL_UB_VARIABLE ? SQL_BINARY : SQL_INTEGER;
			break;
		default:
			break;
		}
		return SQL_SUCCESS;
	}
	bool err = false;
	PGresult *r = stmt_meta(st, &err);
	if (field == SQL_DESC_COUNT || field == SQL_COLUMN_COUNT) {
		if (err)
			return SQL_ERROR;
		*num = res_visible_cols(st, r);
		return SQL_SUCCESS;
	}
	if (r == NULL) {
		if (err)
			return SQL_ERROR;
		return diag_add(d, "07005",
		                "prepared statement not a cursor-specification: the statement returns no "
		                "columns");
	}
	if (res_check_col(st, d, r, (SQLUSMALLINT)col, "ColAttributes") != SQL_SUCCESS)
		return SQL_ERROR;
	int c = col - 1;
	pgt_ctx ctx;
	pgt_col pc;
	res_col_desc(st, r, c, &ctx, &pc);
	if (!st->catalog && pc.unknowns == PGT_UNKNOWNS_DONTKNOW)
		pc.unknowns = PGT_UNKNOWNS_MAX;
	Oid oid = pc.oid;
	SQLINTEGER column_size = pgt_column_size(&ctx, &pc);
	res_table t = {0};
	switch (field) {
	case SQL_COLUMN_OWNER_NAME:
	case SQL_COLUMN_TABLE_NAME:
	case SQL_COLUMN_QUALIFIER_NAME:
	case SQL_COLUMN_TYPE_NAME:
	case SQL_COLUMN_AUTO_INCREMENT:
	case SQL_DESC_NULLABLE:
	case SQL_DESC_BASE_TABLE_NAME:
	case SQL_DESC_BASE_COLUMN_NAME:
	case SQL_DESC_LOCAL_TYPE_NAME:
		if (!st->catalog)
			t = res_table_col(st, PQftable(r, c), PQftablecol(r, c));
		break;
	default:
		break;
	}
	const char *s = NULL;
	SQLLEN v = 0;
	char catbuf[256];
	switch (field) {
	case SQL_COLUMN_AUTO_INCREMENT:
		v = res_known(t.found && t.serial ? SQL_TRUE : pgt_auto_increment(oid), SQL_FALSE);
		break;
	case SQL_COLUMN_CASE_SENSITIVE:
		v = pgt_case_sensitive(oid);
		break;
	case SQL_COLUMN_DISPLAY_SIZE:
		v = pgt_display_size(&ctx, &pc);
		break;
	case SQL_COLUMN_LABEL:
	case SQL_DESC_NAME:
	case SQL_COLUMN_NAME:
		s = PQfname(r, c);
		break;
	case SQL_COLUMN_LENGTH:
		v = res_nonneg(pgt_buffer_length(&ctx, &pc));
		break;
	case SQL_COLUMN_MONEY:
		v = oid == CBO_MONEYOID;
		break;
	case SQL_DESC_NULLABLE:
		v = res_nullable(st, r, c);
		break;
	case SQL_COLUMN_OWNER_NAME:
		s = t.found ? t.nspname : "";
		break;
	case SQL_COLUMN_PRECISION:
		v = res_nonneg(column_size);
		break;
	case SQL_COLUMN_QUALIFIER_NAME:
		snprintf(catbuf, sizeof(catbuf), "%s", t.found && st->dbc->pg ? PQdb(st->dbc->pg) : "");
		s = catbuf;
		break;
	case SQL_COLUMN_SCALE:
		v = res_nonneg(pgt_decimal_digits(&ctx, &pc));
		break;
	case SQL_COLUMN_SEARCHABLE:
		v = pgt_searchable(&ctx, oid);
		break;
	case SQL_COLUMN_TABLE_NAME:
	case SQL_DESC_BASE_TABLE_NAME:
		s = t.found ? t.relname : "";
		break;
	case SQL_COLUMN_TYPE:
		v = pgt_sql_type(&ctx, &pc);
		break;
	case SQL_COLUMN_TYPE_NAME:
	case SQL_DESC_LOCAL_TYPE_NAME: {
		const cbo_typeinfo *ti = oid >= CBO_FIRST_USER_OID ? conn_type_info(st->dbc, oid) : NULL;
		s = pgt_name(&ctx, oid, pc.typmod, ti ? ti->name : NULL);
		if (t.found && t.serial && oid == CBO_INT4OID)
			s = "serial";
		else if (t.found && t.serial && oid == CBO_INT8OID)
			s = "bigserial";
		if (s == NULL)
			s = ""; /* a plain interval has no name with psqlODBC */
		break;
	}
	case SQL_COLUMN_UNSIGNED:
		v = res_known(pgt_unsigned(oid), SQL_TRUE);
		break;
	case SQL_COLUMN_UPDATABLE: {
		/* psqlODBC's reading: a column of the table of a single-table
		 * SELECT can be written, its system columns cannot */
		stmt_res *cr = stmt_cur(st);
		int part = cr ? cr->part : 0;
		v = SQL_ATTR_READONLY;
		if (!st->catalog && stmt_part_single_table(st, part) && PQftablecol(r, c) > 0 &&
		    strcasecmp(PQfname(r, c), "ctid") != 0 && strcasecmp(PQfname(r, c), "oid") != 0 &&
		    strcasecmp(PQfname(r, c), "xmin") != 0)
			v = SQL_ATTR_WRITE;
		break;
	}
	case SQL_DESC_BASE_COLUMN_NAME:
		s = t.found ? t.attname : PQfname(r, c);
		break;
	case SQL_DESC_LENGTH:
		v = res_known(pgt_desc_length(&ctx, &pc), 0);
		break;
	case SQL_DESC_OCTET_LENGTH: {
		/* psqlODBC computes it from the column size taken as a typmod */
		pgt_col oc = pc;
		oc.typmod = column_size >= 0 ? column_size + 4 : column_size;
		if (oid == CBO_TIMESTAMPTZOID || oid == CBO_TIMESTAMPOID || oid == CBO_TIMEOID || oid == CBO_TIMETZOID)
			oc.typmod = column_size;
		v = res_known(pgt_octet_length(&ctx, &oc), 0);
		break;
	}
	case SQL_DESC_PRECISION:
		v = res_nonneg(pgt_precision(&ctx, &pc));
		break;
	case SQL_DESC_SCALE:
		v = res_nonneg(pgt_scale(&ctx, &pc));
		break;
	case SQL_DESC_TYPE:
		v = pgt_desc_type(&ctx, &pc);
		break;
	case SQL_DESC_NUM_PREC_RADIX:
		v = pgt_radix(oid);
		break;
	case SQL_DESC_LITERAL_PREFIX:
	case SQL_DESC_LITERAL_SUFFIX:
		s = pgt_literal_quote(oid);
		if (s == NULL)
			s = "";
		break;
	case SQL_DESC_UNNAMED:
		v = SQL_NAMED;
		break;
	case 1211: /* SQL Server's hidden-column question */
		v = 0;
		break;
	default:
		/* psqlODBC's answer to the fields it does not give (the interval
		 * code and precision among them) */
		return diag_set(d, "HY092", DIAG_N_INVALID_OPTION, "column attribute %u is not supported",
		                (unsigned)field);
	}
	if (s != NULL) {
		*is_str = true;
		if (conv_put_str_small(s, charattr, buflen, outlen))
			return diag_add(d, "01004", "string data, right truncated: the attribute needs %zu bytes",
			                strlen(s) + 1);
		return SQL_SUCCESS;
	}
	*num = v;
	return SQL_SUCCESS;
}

SQLRETURN res_col_attribute(cbo_stmt *st, SQLUSMALLINT col, SQLUSMALLINT field, SQLPOINTER charattr, SQLSMALLINT buflen,
                            SQLSMALLINT *outlen, SQLLEN *numattr)
{
	SQLLEN n = 0;
	bool is_str;
	SQLRETURN r = res_col_field(st, &st->diag, (SQLSMALLINT)col, (SQLSMALLINT)field, charattr, buflen, outlen, &n,
	                            &is_str);
	if (SQL_SUCCEEDED(r) && !is_str && numattr)
		*numattr = n;
	return r;
}

/* --- bindings ----------------------------------------------------------------------- */

SQLRETURN res_bind_col(cbo_stmt *st, SQLUSMALLINT col, SQLSMALLINT ctype, SQLPOINTER buf, SQLLEN buflen, SQLLEN *ind)
{
	if (col == 0) {
		/* the bookmark column */
		if (buf != NULL && ctype != SQL_C_BOOKMARK && ctype != SQL_C_VARBOOKMARK)
			return diag_set(&st->diag, "HY003", DIAG_N_PROGRAM_TYPE_OUT_OF_RANGE,
			                "column 0 (the bookmark) is bound with SQL_C_BOOKMARK or SQL_C_VARBOOKMARK");
	} else if (buf != NULL && !conv_ctype_valid(ctype)) {
		return diag_add(
		        &st->diag, "HY003",
		        "invalid application buffer type %d for column %u; use an SQL_C_ type the driver converts",
		        (int)ctype, (unsigned)col);
	}
	if (buflen < 0)
		return diag_add(&st->diag, "HY090", "invalid buffer length %ld for column %u", (long)buflen,
		                (unsigned)col);
	cbo_desc *ard = st->ard;
	if (col > ard->count && buf == NULL && ind == NULL)
		return SQL_SUCCESS; /* unbinding a column never bound */
	desc_rec *r = desc_get(ard, col, true);
	if (r == NULL)
		return diag_add(&st->diag, "HY001", "out of memory binding a column");
	desc_bind(r, ctype, buf, buflen, ind);
	r->precision = ctype == SQL_C_NUMERIC ? 0 : r->precision;
	r->scale = 0;
	if (ctype >= SQL_C_INTERVAL_YEAR && ctype <= SQL_C_INTERVAL_MINUTE_TO_SECOND)
		r->precision = 6;
	if (buf == NULL && ind == NULL)
		desc_trim(ard);
	return SQL_SUCCESS;
}

/* The number of rows of the current result known now, deleted ones counted. */
static long res_ntuples(cbo_stmt *st, stmt_res *r)
{
	long n = stmt_row_count_known(st, r);
	if (st->max_rows > 0 && (SQLULEN)n > st->max_rows)
		n = (long)st->max_rows;
	return n;
}

static bool res_row_deleted(const stmt_res *r, long row)
{
	return r->row_state != NULL && row >= 0 && row < r->nstate && r->row_state[row] == STMT_ROW_DELETED;
}

/*
 * The nth (1-based) row that is not deleted, from sta on forward or
 * backward.  Returns nth when found (*nearest that row), else minus the
 * number found (*nearest one past the end: -1 or the row count).
 */
static long res_nth_valid(cbo_stmt *st, stmt_res *r, long sta, bool prior, long nth, long *nearest)
{
	long count = 0;
	if (prior) {
		for (long i = sta; i >= 0; i--) {
			if (res_row_deleted(r, i))
				continue;
			if (++count == nth) {
				*nearest = i;
				return nth;
			}
		}
		*nearest = -1;
		return -count;
	}
	bool failed = false;
	for (long i = sta < 0 ? 0 : sta;; i++) {
		if (st->max_rows > 0 && (SQLULEN)i >= st->max_rows)
			break;
		if (!stmt_row_available(st, r, i, &failed))
			break;
		if (res_row_deleted(r, i))
			continue;
		if (++count == nth) {
			*nearest = i;
			return nth;
		}
	}
	*nearest = res_ntuples(st, r);
	return -count;
}

/* The bound buffer of column rec at rowset position i. */
void res_bound_at(cbo_stmt *st, const desc_rec *b, SQLULEN i, char **buf, SQLLEN **len, SQLLEN **ind, SQLSMALLINT ctype)
{
	cbo_desc *ard = st->ard;
	SQLULEN off = ard->bind_offset_ptr ? *ard->bind_offset_ptr : 0;
	*buf = NULL;
	*len = NULL;
	*ind = NULL;
	if (ard->bind_type == SQL_BIND_BY_COLUMN) {
		SQLLEN elem = conv_ctype_size(ctype);
		if (elem == 0)
			elem = b->octet_length;
		if (b->data_ptr)
			*buf = (char *)b->data_ptr + off + i * (SQLULEN)elem;
		if (b->octet_length_ptr)
			*len = (SQLLEN *)((char *)(b->octet_length_ptr + i) + off);
		if (b->indicator_ptr)
			*ind = (SQLLEN *)((char *)(b->indicator_ptr + i) + off);
	} else {
		SQLULEN rowoff = off + i * ard->bind_type;
		if (b->data_ptr)
			*buf = (char *)b->data_ptr + rowoff;
		if (b->octet_length_ptr)
			*len = (SQLLEN *)((char *)b->octet_length_ptr + rowoff);
		if (b->indicator_ptr)
			*ind = (SQLLEN *)((char *)b->indicator_ptr + rowoff);
	}
}

/* Convert one value and turn the status into a diagnostic and a return code. */
static SQLRETURN res_convert(cbo_stmt *st, conv_out *o)
{
	if (o->val != NULL && !o->lo_data &&
	    ((o->type >= CBO_FIRST_USER_OID && conn_is_lo_type(st->dbc, o->type)) ||
	     (o->type == CBO_OIDOID && o->ctype == SQL_C_BINARY && conn_lo_domain(st->dbc)))) {
		/* a large object: its bytes, read by OID */
		if (o->ind_ptr)
			*o->ind_ptr = 0;
		if (o->ctype != SQL_C_CHAR && o->ctype != SQL_C_BINARY && o->ctype != SQL_C_DEFAULT)
			return diag_add(&st->diag, "HY000",
			                "a large object can be read as SQL_C_BINARY or SQL_C_CHAR only");
		if (strtoul(o->val, NULL, 10) == 0) {
			if (o->ind_ptr)
				*o->ind_ptr = SQL_NULL_DATA;
			return SQL_SUCCESS;
		}
		if (o->gd == NULL || o->gd->left < 0) {
			const char *vals[1] = {o->val};
			PGresult *lr = stmt_run_internal(st, "SELECT pg_catalog.lo_get($1::oid)", 1, vals, NULL, NULL);
			if (lr == NULL) {
				/* psqlODBC's general error, not the server's */
				diag_clear(&st->diag);
				return diag_set(&st->diag, "HY000", DIAG_N_EXEC, "could not read the large object %s",
				                o->val);
			}
			size_t n = 0;
			unsigned char *bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(lr, 0, 0), &n);
			PQclear(lr);
			if (bytes == NULL)
				return diag_add(&st->diag, "HY001", "out of memory reading a large object");
			conv_out lo = *o;
			lo.val = (const char *)bytes;
			lo.vlen = n;
			lo.lo_data = true;
			if (lo.ctype == SQL_C_DEFAULT)
				lo.ctype = SQL_C_BINARY;
			SQLRETURN r = res_convert(st, &lo);
			PQfreemem(bytes);
			return r;
		}
		conv_out lo = *o;
		lo.lo_data = true;
		if (lo.ctype == SQL_C_DEFAULT)
			lo.ctype = SQL_C_BINARY;
		return res_convert(st, &lo);
	}
	switch (conv_to_c(o)) {
	case CONV_OK:
		return SQL_SUCCESS;
	case CONV_TRUNCATED:
		return diag_add(&st->diag, "01004",
		                "string data, right truncated: the buffer was too small for the value");
	case CONV_UNSUPPORTED:
		return diag_set(&st->diag, "07006", DIAG_N_RESTRICTED_DATA_TYPE,
		                "restricted data type attribute violation: a value of type %u cannot be converted to C "
		                "type %d",
		                (unsigned)o->type, (int)o->ctype);
	case CONV_NO_DATA:
		return SQL_NO_DATA;
	case CONV_NULL_NO_IND:
		/* ODBC says 22002; psqlODBC answers HY000, which applications of it see */
		return diag_set(&st->diag, "HY000", DIAG_N_INTERNAL,
		                "indicator variable required but not supplied: the value is NULL and no "
		                "StrLen_or_IndPtr was given");
	case CONV_OOM:
	default:
		return diag_add(&st->diag, "HY001", "out of memory converting a value");
	}
}

SQLRETURN res_fill_row(cbo_stmt *st, long row, SQLULEN i)
{
	stmt_res *cur = stmt_cur(st);
	PGresult *r = cur->res;
	SQLRETURN ret = SQL_SUCCESS;
	int nf = PQnfields(r) - cur->hidden;
	cbo_desc *ard = st->ard;
	/* psqlODBC's ARD has a record for every column of a fetched row
	 * (SQL_DESC_COUNT reads so), bound or not */
	if (ard->count < nf)
		(void)desc_get(ard, nf, true);
	for (int c = 0; c <= ard->count && c <= nf && c < ard->cap; c++) {
		desc_rec *b = &ard->recs[c];
		if (b->data_ptr == NULL && (c > 0 || b->indicator_ptr == NULL))
			continue;
		char *buf;
		SQLLEN *len, *ind;
		SQLSMALLINT ctype = b->concise_type;
		if (c == 0) {
			/* the bookmark */
			if (st->use_bookmarks == SQL_UB_OFF)
				continue;
			res_bound_at(st, b, i, &buf, &len, &ind, SQL_C_SLONG);
			SQLINTEGER bm = res_bookmark(row);
			if (buf)
				memcpy(buf, &bm, sizeof(bm));
			if (len)
				*len = sizeof(bm);
			if (ind && ind != len)
				*ind = sizeof(bm);
			continue;
		}
		res_bound_at(st, b, i, &buf, &len, &ind,
		             ctype == SQL_C_DEFAULT
		                     ? pgt_default_ctype(&(pgt_ctx){.opts = &st->dbc->opts,
		                                                    .odbc_version = st->dbc->env->odbc_version},
		                                         PQftype(r, c - 1), PQfmod(r, c - 1))
		                     : ctype);
		pgt_ctx ctx;
		conv_out o = {.ctype = ctype,
		              .precision = b->precision,
		              .buf = buf,
		              .buflen = b->octet_length,
		              .len_ptr = len,
		              .ind_ptr = ind};
		res_value_out(st, cur, row, c - 1, &ctx, &o);
		if (st->max_length > 0 && o.buflen > (SQLLEN)st->max_length &&
		    (ctype == SQL_C_CHAR || ctype == SQL_C_BINARY || ctype == SQL_C_WCHAR))
			o.buflen = (SQLLEN)st->max_length;
		SQLRETURN cr = res_convert(st, &o);
		if (cr == SQL_ERROR)
			ret = SQL_ERROR;
		else if (cr == SQL_SUCCESS_WITH_INFO && ret == SQL_SUCCESS)
			ret = SQL_SUCCESS_WITH_INFO;
	}
	return ret;
}

/* Fill the rowset starting at `start`: its first row as it is, then up to
 * size - 1 more rows that are not deleted. */
static SQLRETURN res_fill_rowset(cbo_stmt *st, stmt_res *cur, long start, SQLULEN size, SQLULEN *rows,
                                 SQLUSMALLINT *status)
{
	SQLULEN n = 0;
	long row = start;
	bool failed = false;
	long errors = 0;
	bool info = false;
	res_gd_reset(st);
	if (st->rowset_rows_cap < size) {
		long *nr = realloc(st->rowset_rows, size * sizeof(long));
		if (nr == NULL)
			return diag_add(&st->diag, "HY001", "out of memory");
		st->rowset_rows = nr;
		st->rowset_rows_cap = size;
	}
	while (n < size) {
		if (st->max_rows > 0 && (SQLULEN)row >= st->max_rows)
			break;
		if (!stmt_row_available(st, cur, row, &failed))
			break;
		if (n > 0 && res_row_deleted(cur, row)) {
			row++;
			continue;
		}
		SQLRETURN rr = st->retrieve_data == SQL_RD_OFF ? SQL_SUCCESS : res_fill_row(st, row, n);
		if (rr == SQL_ERROR)
			errors++;
		else if (rr == SQL_SUCCESS_WITH_INFO)
			info = true;
		if (status) {
			unsigned char rs = cur->row_state && row < cur->nstate ? cur->row_state[row] : STMT_ROW_CLEAN;
			status[n] = rr == SQL_ERROR               ? SQL_ROW_ERROR
			            : rs == STMT_ROW_UPDATED      ? SQL_ROW_UPDATED
			            : rs == STMT_ROW_DELETED      ? SQL_ROW_DELETED
			            : rr == SQL_SUCCESS_WITH_INFO ? SQL_ROW_SUCCESS_WITH_INFO
			                                          : SQL_ROW_SUCCESS;
		}
		st->rowset_rows[n] = row;
		n++;
		row++;
	}
	if (failed)
		return SQL_ERROR;
	for (SQLULEN k = n; status && k < size; k++)
		status[k] = SQL_ROW_NOROW;
	if (rows)
		*rows = n;
	st->rowset_start = start;
	st->rowset_len = n ? st->rowset_rows[n - 1] - start + 1 : 0;
	st->rowset_count = (long)n;
	st->cur_row = n ? start : -1;
	if (n == 0)
		return SQL_NO_DATA;
	if (errors > 0 && (SQLULEN)errors == n)
		return SQL_ERROR;
	return (errors > 0 || info) ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}

/* The first row that is not deleted (0 when there is none). */
static long res_first_valid(cbo_stmt *st, stmt_res *cur)
{
	long nearest = 0;
	if (res_nth_valid(st, cur, 0, false, 1, &nearest) <= 0)
		return 0;
	return nearest;
}

/* The start of a rowset `count` valid rows back from row `from`: false
 * before the first row; with fewer rows than that the first valid row,
 * and *warn (01S06). */
static bool res_back(cbo_stmt *st, stmt_res *cur, long from, long count, long *start, bool *warn)
{
	long nearest = 0;
	long m = res_nth_valid(st, cur, from, true, count, &nearest);
	if (m == 0)
		return false;
	if (m < 0) {
		*warn = true;
		*start = res_first_valid(st, cur);
	} else {
		*start = nearest;
	}
	return true;
}

/* A fetch that leaves the result: an empty rowset before the first row
 * (start -1) or after the last (start: the row count), no current row. */
static SQLRETURN res_no_rowset(cbo_stmt *st, long start)
{
	st->rowset_start = start;
	st->rowset_len = 0;
	st->rowset_count = 0;
	st->cur_row = -1;
	res_gd_reset(st);
	return SQL_NO_DATA;
}

/* SQLFetchScroll and SQLExtendedFetch: position the rowset, then fill it. */
static SQLRETURN res_scroll(cbo_stmt *st, SQLSMALLINT orientation, SQLLEN offset, SQLULEN size, SQLULEN *rows,
                            SQLUSMALLINT *status, SQLLEN bookmark_offset, bool extended)
{
	if (!st->executed)
		return diag_add(
		        &st->diag, "HY010",
		        "function sequence error: no executed statement; call SQLExecute or SQLExecDirect before "
		        "fetching");
	stmt_res *cur = stmt_cur(st);
	/* psqlODBC: a statement without rows has nothing to fetch */
	if (cur == NULL || (cur->res != NULL && (PQresultStatus(cur->res) == PGRES_COMMAND_OK ||
	                                         PQresultStatus(cur->res) == PGRES_EMPTY_QUERY)))
		return SQL_NO_DATA;
	if (cur == NULL || cur->res == NULL || PQresultStatus(cur->res) != PGRES_TUPLES_OK)
		return diag_set(&st->diag, "24000", DIAG_N_INVALID_CURSOR_STATE,
		                "invalid cursor state: the statement produced no result set to fetch from");
	if (st->cursor_type == SQL_CURSOR_FORWARD_ONLY && orientation != SQL_FETCH_NEXT)
		return diag_set(&st->diag, "HY106", DIAG_N_FETCH_OUT_OF_RANGE,
		                "fetch type out of range: the cursor is forward-only; use SQL_FETCH_NEXT or set "
		                "SQL_ATTR_CURSOR_TYPE to SQL_CURSOR_STATIC before executing");
	if (st->ard->count >= 0 && st->ard->cap > 0 && st->ard->recs[0].data_ptr != NULL &&
	    st->use_bookmarks == SQL_UB_OFF)
		return diag_set(&st->diag, "07009", DIAG_N_COLNUM,
		                "the bookmark column is bound but SQL_ATTR_USE_BOOKMARKS is off");
	if (status)
		for (SQLULEN i = 0; i < size; i++)
			status[i] = SQL_ROW_NOROW;
	if (rows)
		*rows = 0;
	long start = st->rowset_start;
	long nearest = 0, m;
	bool warn_bof = false;
	long num;
	switch (orientation) {
	case SQL_FETCH_NEXT:
		if (start < 0)
			start = 0;
		else
			start = start +
			        (st->rowset_len > 0 ? st->rowset_len : (long)(st->last_size ? st->last_size : size));
		m = res_nth_valid(st, cur, start, false, 1, &nearest);
		if (m <= 0)
			return res_no_rowset(st, res_ntuples(st, cur));
		start = nearest;
		break;
	case SQL_FETCH_PRIOR:
		num = res_ntuples(st, cur);
		if (start <= 0)
			return res_no_rowset(st, -1);
		if (start >= num && (long)size > num) {
			warn_bof = true;
			start = res_first_valid(st, cur);
		} else if (!res_back(st, cur, start - 1, (long)size, &start, &warn_bof)) {
			return res_no_rowset(st, -1);
		}
		break;
	case SQL_FETCH_FIRST:
		start = res_first_valid(st, cur);
		break;
	case SQL_FETCH_LAST:
		res_nth_valid(st, cur, LONG_MAX / 2, false, LONG_MAX, &nearest); /* read to the end */
		num = res_ntuples(st, cur);
		m = res_nth_valid(st, cur, num - 1, true, (long)size, &nearest);
		if (m == 0)
			return res_no_rowset(st, -1);
		if (m < 0) {
			warn_bof = true;
			start = 0;
		} else {
			start = nearest;
		}
		break;
	case SQL_FETCH_ABSOLUTE:
		if (offset == 0)
			return res_no_rowset(st, -1);
		if (offset > 0) {
			if (res_nth_valid(st, cur, 0, false, offset, &nearest) <= 0)
				return res_no_rowset(st, res_ntuples(st, cur));
			start = nearest;
		} else {
			res_nth_valid(st, cur, LONG_MAX / 2, false, LONG_MAX, &nearest);
			num = res_ntuples(st, cur);
			if (!res_back(st, cur, num - 1, offset == LONG_MIN ? LONG_MAX : -offset, &start, &warn_bof))
				return res_no_rowset(st, -1);
		}
		break;
	case SQL_FETCH_RELATIVE:
		if (offset == 0) {
			if (start < 0)
				start = 0;
			break;
		}
		if (offset > 0) {
			if (res_nth_valid(st, cur, start + 1, false, offset, &nearest) <= 0)
				return res_no_rowset(st, res_ntuples(st, cur));
			start = nearest;
		} else if (!res_back(st, cur, start - 1, offset == LONG_MIN ? LONG_MAX : -offset, &start, &warn_bof)) {
			return res_no_rowset(st, -1);
		}
		break;
	case SQL_FETCH_BOOKMARK: {
		long b = res_bookmark_row(st, st->fetch_bookmark);
		if (extended)
			b = offset > 0 ? offset - 1 : -1;
		if (b < 0 && !extended)
			return diag_set(&st->diag, "HY111", DIAG_N_OPERATION_INVALID,
			                "invalid bookmark value: set SQL_ATTR_FETCH_BOOKMARK_PTR to a bookmark of this "
			                "result");
		SQLLEN boff = extended ? bookmark_offset : offset;
		if (boff >= 0) {
			if (res_nth_valid(st, cur, b, false, boff == LONG_MAX ? LONG_MAX : boff + 1, &nearest) <= 0)
				return res_no_rowset(st, res_ntuples(st, cur));
			start = nearest;
		} else {
			if (res_nth_valid(st, cur, b, true, boff < -(LONG_MAX - 1) ? LONG_MAX : 1 - boff, &nearest) <=
			    0)
				return res_no_rowset(st, -1);
			start = nearest;
		}
		break;
	}
	default:
		return diag_set(&st->diag, "HY106", DIAG_N_FETCH_OUT_OF_RANGE, "fetch type %d out of range",
		                (int)orientation);
	}
	bool failed = false;
	if (!stmt_row_available(st, cur, start, &failed)) {
		if (failed)
			return SQL_ERROR;
		if (start >= 0)
			return res_no_rowset(st, res_ntuples(st, cur));
	}
	if (start < 0) {
		if (start + (long)size <= 0)
			return res_no_rowset(st, -1);
		start = 0;
	}
	st->last_size = size;
	SQLRETURN r = res_fill_rowset(st, cur, start, size, rows, status);
	if (r == SQL_NO_DATA) {
		st->rowset_start = res_ntuples(st, cur);
		return r;
	}
	if (warn_bof && r != SQL_ERROR) {
		diag_set(&st->diag, "01S06", DIAG_N_POS_BEFORE_RECORDSET,
		         "attempt to fetch before the result set returned the first rowset");
		r = SQL_SUCCESS_WITH_INFO;
	}
	return r;
}

SQLRETURN res_fetch(cbo_stmt *st, SQLSMALLINT orientation, SQLLEN offset)
{
	SQLULEN size = st->ard->array_size ? st->ard->array_size : 1;
	SQLRETURN r = res_scroll(st, orientation, offset, size, st->ird.rows_processed_ptr, st->ird.array_status_ptr, 0,
	                         false);
	return r;
}

SQLRETURN res_extended_fetch(cbo_stmt *st, SQLUSMALLINT orientation, SQLLEN offset, SQLULEN *rows, SQLUSMALLINT *status)
{
	SQLULEN size = st->rowset_size ? st->rowset_size : 1;
	return res_scroll(st, (SQLSMALLINT)orientation, offset, size, rows, status, 0, true);
}

long res_bookmark_row(cbo_stmt *st, const void *bookmark)
{
	(void)st;
	if (bookmark == NULL)
		return -1;
	SQLINTEGER b;
	memcpy(&b, bookmark, sizeof(b));
	return b < 0 ? b : (long)b - 1;
}

SQLRETURN res_get_data(cbo_stmt *st, SQLUSMALLINT col, SQLSMALLINT ctype, SQLPOINTER buf, SQLLEN buflen, SQLLEN *ind)
{
	stmt_res *cur = stmt_cur(st);
	if (!st->executed || cur == NULL)
		return diag_set(&st->diag, "HY010", DIAG_N_STATUS,
		                "function sequence error: SQLGetData follows a successful execution and fetch");
	if (buf == NULL)
		buflen = 0;
	/* the precision of an interval's seconds comes from the ARD record
	 * with SQL_ARD_TYPE only (psqlODBC), otherwise the default */
	int precision = -1;
	if (ctype == SQL_ARD_TYPE) {
		desc_rec *b = desc_get(st->ard, col, false);
		if (b == NULL)
			return diag_set(&st->diag, "HY010", DIAG_N_STATUS,
			                "SQL_ARD_TYPE: the column has no record in the application row descriptor");
		ctype = b->concise_type;
		precision = b->precision;
	}
	if (col == 0) {
		if (st->use_bookmarks == SQL_UB_OFF)
			return diag_set(&st->diag, "07009", DIAG_N_COLNUM,
			                "invalid descriptor index 0: bookmarks are off (SQL_ATTR_USE_BOOKMARKS)");
		if (ctype != SQL_C_BOOKMARK && ctype != SQL_C_VARBOOKMARK)
			return diag_set(&st->diag, "HY003", DIAG_N_PROGRAM_TYPE_OUT_OF_RANGE,
			                "column 0 (the bookmark) is read as SQL_C_BOOKMARK or SQL_C_VARBOOKMARK");
	} else {
		if (cur->res == NULL || (int)col > PQnfields(cur->res) - cur->hidden)
			return diag_set(&st->diag, "07009", DIAG_N_INVALID_COLUMN_NUMBER,
			                "invalid descriptor index %u: the result has %d columns", (unsigned)col,
			                cur->res ? PQnfields(cur->res) - cur->hidden : 0);
		if (!conv_ctype_valid(ctype) && ctype != SQL_C_BOOKMARK && ctype != SQL_C_VARBOOKMARK)
			return diag_add(&st->diag, "HY003", "invalid application buffer type %d", (int)ctype);
	}
	if (buflen < 0)
		return diag_add(&st->diag, "HY090", "invalid buffer length %ld", (long)buflen);
	long row = st->cur_row;
	bool failed = false;
	if (row < 0 || !stmt_row_available(st, cur, row, &failed)) {
		if (failed)
			return SQL_ERROR;
		return diag_set(&st->diag, "24000", DIAG_N_INVALID_CURSOR_STATE,
		                "invalid cursor state: no current row; call SQLFetch first");
	}
	if (col == 0) {
		SQLINTEGER bm = res_bookmark(row);
		if (ind)
			*ind = sizeof(bm);
		if (buf && (ctype == SQL_C_BOOKMARK || buflen >= (SQLLEN)sizeof(bm))) {
			memcpy(buf, &bm, sizeof(bm));
			return SQL_SUCCESS;
		}
		return diag_add(&st->diag, "01004", "string data, right truncated: a bookmark needs 4 bytes");
	}
	int c = col - 1;
	if (c >= st->ngd) {
		conv_gd *ng = realloc(st->gd, (size_t)(c + 1) * sizeof(*ng));
		if (ng == NULL)
			return diag_add(&st->diag, "HY001", "out of memory");
		for (int i = st->ngd; i <= c; i++)
			ng[i] = (conv_gd){.left = -1};
		st->gd = ng;
		st->ngd = c + 1;
	}
	pgt_ctx ctx;
	conv_out o = {.ctype = ctype, .precision = precision, .buf = buf, .buflen = buflen, .gd = &st->gd[c]};
	o.len_ptr = o.ind_ptr = ind; /* SQLGetData has one pointer for the length and the indicator */
	res_value_out(st, cur, row, c, &ctx, &o);
	return res_convert(st, &o);
}

SQLRETURN res_row_count(cbo_stmt *st, SQLLEN *count)
{
	/* psqlODBC leaves *count alone when the statement's command status
	 * carries no count (SET, BEGIN, DROP TABLE ...) */
	SQLLEN n = -1;
	bool known = true;
	stmt_res *cur = stmt_cur(st);
	if (cur != NULL && cur->part >= 0 && cur->part < st->nparts && st->parts[cur->part].proc_return &&
	    !st->catalog) {
		n = 0;
	} else if (cur != NULL) {
		if (cur->row_count >= 0) {
			n = cur->row_count;
		} else if (cur->res && PQnfields(cur->res) > 0) {
			if (cur->declared)
				n = -1;
			else {
				n = PQntuples(cur->res);
				for (long i = 0; cur->row_state && i < cur->nstate; i++)
					if (cur->row_state[i] == STMT_ROW_DELETED)
						n--;
			}
		} else {
			known = false;
		}
	} else {
		known = false;
	}
	if (count && known)
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
	st->rowset_count = 0;
	st->cur_row = -1;
	st->last_size = 0;
	res_gd_reset(st);
	stmt_res *cur = stmt_cur(st);
	st->diag.row_count = cur->row_count;
	if (cur->err != NULL)
		return diag_add_pg(&st->diag, st->dbc->pg, cur->err, "Error while executing the query");
	if (cur->notice != NULL) {
		diag_set(&st->diag, cur->notice_state, DIAG_N_INFO, "%s", cur->notice);
		st->diag.is_notice = true;
		return SQL_SUCCESS_WITH_INFO;
	}
	return SQL_SUCCESS;
}

SQLRETURN res_close_cursor(cbo_stmt *st)
{
	stmt_res *cur = stmt_cur(st);
	if (cur == NULL || cur->res == NULL || PQresultStatus(cur->res) != PGRES_TUPLES_OK)
		return diag_set(&st->diag, "24000", DIAG_N_INVALID_CURSOR_STATE,
		                "invalid cursor state: no cursor is open on the statement");
	stmt_close(st);
	return SQL_SUCCESS;
}
