/*
 * desc.c - ODBC descriptors: records of buffers and types, header fields,
 * SQLGetDescField/SQLSetDescField/SQLGetDescRec/SQLSetDescRec/SQLCopyDesc.
 *
 * Functions prefix: desc_
 *
 * Field sizes follow the ODBC reference: pointers, SQLLEN/SQLULEN for
 * lengths and array sizes, SQLSMALLINT for types and flags.  Fields of the
 * IRD are read from the statement's result (results.c), their errors
 * recorded on the statement as psqlODBC does and on the descriptor as
 * ODBC says; it cannot be written (HY091, psqlODBC's answer, where ODBC
 * says HY016).
 */
#include <stdlib.h>
#include <string.h>

#include "odbc-driver/desc.h"
#include "odbc-driver/connection.h"
#include "odbc-driver/convert.h"
#include "odbc-driver/results.h"
#include "odbc-driver/statement.h"

void desc_init(cbo_desc *d, cbo_dbc *dbc, cbo_stmt *stmt, desc_type type)
{
	memset(d, 0, sizeof(*d));
	d->magic = CBO_MAGIC_DESC;
	diag_init(&d->diag, DIAG_DESC);
	d->dbc = dbc;
	d->stmt = stmt;
	d->type = type;
	d->array_size = 1;
	d->bind_type = SQL_BIND_BY_COLUMN;
}

void desc_clear(cbo_desc *d)
{
	desc_unbind(d); /* the names the records own */
	free(d->recs);
	d->recs = NULL;
	d->cap = 0;
	diag_free(&d->diag);
}

SQLRETURN desc_alloc(cbo_dbc *dbc, cbo_desc **out)
{
	cbo_desc *d = malloc(sizeof(*d));
	if (d == NULL)
		return diag_add(&dbc->diag, "HY001", "out of memory allocating a descriptor");
	desc_init(d, dbc, NULL, DESC_ARD);
	d->next = dbc->descs;
	dbc->descs = d;
	*out = d;
	return SQL_SUCCESS;
}

void desc_free(cbo_desc *d)
{
	cbo_dbc *dbc = d->dbc;
	for (cbo_desc **p = &dbc->descs; *p; p = &(*p)->next) {
		if (*p == d) {
			*p = d->next;
			break;
		}
	}
	/* statements using it go back to their own descriptors */
	for (cbo_stmt *st = dbc->stmts; st; st = st->next)
		stmt_desc_freed(st, d);
	desc_clear(d);
	d->magic = CBO_MAGIC_DEAD;
	free(d);
}

static void desc_rec_init(desc_rec *r, desc_type type)
{
	memset(r, 0, sizeof(*r));
	r->concise_type = (type == DESC_ARD || type == DESC_APD) ? SQL_C_DEFAULT : SQL_CHAR;
	r->type = r->concise_type;
	r->param_type = SQL_PARAM_INPUT;
	r->nullable = SQL_NULLABLE;
	r->unnamed = SQL_UNNAMED;
}

desc_rec *desc_get(cbo_desc *d, int n, bool grow)
{
	if (n < 0)
		return NULL;
	if (n >= d->cap) {
		if (!grow)
			return NULL;
		int ncap = d->cap ? d->cap : 8;
		while (ncap <= n)
			ncap *= 2;
		desc_rec *nr = realloc(d->recs, (size_t)ncap * sizeof(*nr));
		if (nr == NULL)
			return NULL;
		for (int i = d->cap; i < ncap; i++)
			desc_rec_init(&nr[i], d->type);
		d->recs = nr;
		d->cap = ncap;
	}
	if (n > d->count) {
		if (!grow)
			return NULL;
		d->count = n;
	}
	return &d->recs[n];
}

void desc_unbind(cbo_desc *d)
{
	for (int i = 0; i < d->cap; i++) {
		free(d->recs[i].name);
		desc_rec_init(&d->recs[i], d->type);
	}
	d->count = 0;
}

void desc_trim(cbo_desc *d)
{
	while (d->count > 0 && d->recs[d->count].data_ptr == NULL && d->recs[d->count].indicator_ptr == NULL &&
	       d->recs[d->count].octet_length_ptr == NULL)
		d->count--;
}

void desc_set_concise(desc_rec *r, SQLSMALLINT concise)
{
	r->concise_type = concise;
	SQLSMALLINT sub = 0;
	r->type = conv_verbose_type(concise, &sub);
	r->datetime_code = sub;
}

void desc_bind(desc_rec *r, SQLSMALLINT ctype, SQLPOINTER buf, SQLLEN buflen, SQLLEN *ind)
{
	desc_set_concise(r, ctype);
	r->data_ptr = buf;
	r->octet_length = buflen;
	r->octet_length_ptr = ind;
	r->indicator_ptr = ind;
}

/* --- SQLGetDescField / SQLSetDescField --------------------------------------- */

static bool desc_is_app(const cbo_desc *d)
{
	return d->type == DESC_ARD || d->type == DESC_APD;
}

static SQLRETURN desc_put_ptr(SQLPOINTER value, SQLINTEGER *len, const void *p)
{
	if (value)
		*(const void **)value = p;
	if (len)
		*len = sizeof(SQLPOINTER);
	return SQL_SUCCESS;
}

static SQLRETURN desc_put_len(SQLPOINTER value, SQLINTEGER *len, SQLLEN v)
{
	if (value)
		*(SQLLEN *)value = v;
	if (len)
		*len = sizeof(SQLLEN);
	return SQL_SUCCESS;
}

static SQLRETURN desc_put_small(SQLPOINTER value, SQLINTEGER *len, SQLSMALLINT v)
{
	if (value)
		*(SQLSMALLINT *)value = v;
	if (len)
		*len = sizeof(SQLSMALLINT);
	return SQL_SUCCESS;
}

static SQLRETURN desc_put_int(SQLPOINTER value, SQLINTEGER *len, SQLINTEGER v)
{
	if (value)
		*(SQLINTEGER *)value = v;
	if (len)
		*len = sizeof(SQLINTEGER);
	return SQL_SUCCESS;
}

/* The IRD: fields of the statement's result columns. */
static SQLRETURN desc_ird_field(cbo_desc *d, SQLSMALLINT recno, SQLSMALLINT field, SQLPOINTER value, SQLINTEGER buflen,
                                SQLINTEGER *len)
{
	cbo_stmt *st = d->stmt;
	if (st == NULL)
		return diag_add(&d->diag, "HY091", "invalid descriptor field identifier %d", (int)field);
	switch (field) {
	case SQL_DESC_COUNT: {
		SQLSMALLINT n = 0;
		res_num_cols_quiet(st, &n);
		return desc_put_small(value, len, n);
	}
	case SQL_DESC_ARRAY_STATUS_PTR:
		return desc_put_ptr(value, len, d->array_status_ptr);
	case SQL_DESC_ROWS_PROCESSED_PTR:
		return desc_put_ptr(value, len, d->rows_processed_ptr);
	case SQL_DESC_ALLOC_TYPE:
		return desc_put_small(value, len, SQL_DESC_ALLOC_AUTO);
	default:
		break;
	}
	SQLLEN num = 0;
	SQLSMALLINT slen = 0;
	bool is_str = false;
	SQLRETURN r = res_col_field(st, &st->diag, recno, field, value, buflen > 32767 ? 32767 : (SQLSMALLINT)buflen,
	                            &slen, &num, &is_str);
	if (r != SQL_SUCCESS) {
		/* psqlODBC records it on the statement, where a driver manager
		 * does not look after a descriptor call; ODBC on the descriptor:
		 * both */
		diag_copy(&d->diag, &st->diag);
		if (!SQL_SUCCEEDED(r))
			return r;
	}
	if (is_str) {
		if (len)
			*len = slen;
		return r;
	}
	switch (field) {
	case SQL_DESC_TYPE:
	case SQL_DESC_CONCISE_TYPE:
	case SQL_DESC_DATETIME_INTERVAL_CODE:
	case SQL_DESC_FIXED_PREC_SCALE:
	case SQL_DESC_NULLABLE:
	case SQL_DESC_PRECISION:
	case SQL_DESC_SCALE:
	case SQL_DESC_SEARCHABLE:
	case SQL_DESC_UNNAMED:
	case SQL_DESC_UNSIGNED:
	case SQL_DESC_UPDATABLE:
	case SQL_DESC_CASE_SENSITIVE:
	case SQL_DESC_AUTO_UNIQUE_VALUE:
		return desc_put_small(value, len, (SQLSMALLINT)num);
	case SQL_DESC_DATETIME_INTERVAL_PRECISION:
	case SQL_DESC_NUM_PREC_RADIX:
		return desc_put_int(value, len, (SQLINTEGER)num);
	default:
		return desc_put_len(value, len, num);
	}
}

SQLRETURN desc_get_field(cbo_desc *d, SQLSMALLINT recno, SQLSMALLINT field, SQLPOINTER value, SQLINTEGER buflen,
                         SQLINTEGER *len)
{
	/* header fields */
	switch (field) {
	case SQL_DESC_ALLOC_TYPE:
		return desc_put_small(value, len, d->stmt ? SQL_DESC_ALLOC_AUTO : SQL_DESC_ALLOC_USER);
	case SQL_DESC_ARRAY_SIZE:
		if (!desc_is_app(d))
			break;
		return desc_put_len(value, len, (SQLLEN)d->array_size);
	case SQL_DESC_ARRAY_STATUS_PTR:
		return desc_put_ptr(value, len, d->array_status_ptr);
	case SQL_DESC_BIND_OFFSET_PTR:
		if (!desc_is_app(d))
			break;
		return desc_put_ptr(value, len, d->bind_offset_ptr);
	case SQL_DESC_BIND_TYPE:
		if (!desc_is_app(d))
			break;
		return desc_put_int(value, len, (SQLINTEGER)d->bind_type);
	case SQL_DESC_ROWS_PROCESSED_PTR:
		if (desc_is_app(d))
			break;
		return desc_put_ptr(value, len, d->rows_processed_ptr);
	case SQL_DESC_COUNT:
		if (d->type == DESC_IRD)
			return desc_ird_field(d, recno, field, value, buflen, len);
		return desc_put_small(value, len, (SQLSMALLINT)d->count);
	default:
		if (d->type == DESC_IRD)
			return desc_ird_field(d, recno, field, value, buflen, len);
		goto record;
	}
	return diag_add(&d->diag, "HY091", "invalid descriptor field identifier %d for this descriptor", (int)field);

record:
	if (recno < 0 || (recno == 0 && d->type != DESC_ARD))
		return diag_add(&d->diag, "07009", "invalid descriptor index %d", (int)recno);
	if (recno > d->count)
		return SQL_NO_DATA;
	/* the bookmark record of an ARD that has no records yet reads as new */
	desc_rec fresh;
	desc_rec *r = recno < d->cap ? &d->recs[recno] : NULL;
	if (r == NULL) {
		desc_rec_init(&fresh, d->type);
		r = &fresh;
	}
	switch (field) {
	case SQL_DESC_CONCISE_TYPE:
		return desc_put_small(value, len, r->concise_type);
	case SQL_DESC_TYPE:
		return desc_put_small(value, len, r->type);
	case SQL_DESC_DATETIME_INTERVAL_CODE:
		return desc_put_small(value, len, r->datetime_code);
	case SQL_DESC_DATETIME_INTERVAL_PRECISION:
		return desc_put_int(value, len, r->datetime_precision);
	case SQL_DESC_OCTET_LENGTH:
		return desc_put_len(value, len, r->octet_length);
	case SQL_DESC_OCTET_LENGTH_PTR:
		return desc_put_ptr(value, len, r->octet_length_ptr);
	case SQL_DESC_INDICATOR_PTR:
		return desc_put_ptr(value, len, r->indicator_ptr);
	case SQL_DESC_DATA_PTR:
		return desc_put_ptr(value, len, r->data_ptr);
	case SQL_DESC_LENGTH:
		return desc_put_len(value, len, (SQLLEN)r->length);
	case SQL_DESC_PRECISION:
		return desc_put_small(value, len, r->precision);
	case SQL_DESC_SCALE:
		return desc_put_small(value, len, r->scale);
	case SQL_DESC_NUM_PREC_RADIX:
		return desc_put_int(value, len, 0);
	case SQL_DESC_PARAMETER_TYPE:
		if (d->type != DESC_IPD)
			break;
		return desc_put_small(value, len, r->param_type);
	case SQL_DESC_NULLABLE:
		if (d->type != DESC_IPD)
			break;
		return desc_put_small(value, len, r->nullable);
	case SQL_DESC_UNNAMED:
		if (d->type != DESC_IPD)
			break;
		return desc_put_small(value, len, r->name ? SQL_NAMED : SQL_UNNAMED);
	case SQL_DESC_NAME:
		if (d->type != DESC_IPD)
			break;
		if (conv_put_str_int(r->name ? r->name : "", value, buflen, len))
			return diag_add(&d->diag, "01004", "string data, right truncated: the name");
		return SQL_SUCCESS;
	default:
		break;
	}
	return diag_add(&d->diag, "HY091", "invalid descriptor field identifier %d for this descriptor", (int)field);
}

SQLRETURN desc_set_field(cbo_desc *d, SQLSMALLINT recno, SQLSMALLINT field, SQLPOINTER value, SQLINTEGER buflen)
{
	if (d->type == DESC_IRD && field != SQL_DESC_ARRAY_STATUS_PTR && field != SQL_DESC_ROWS_PROCESSED_PTR)
		return diag_add(&d->diag, "HY091", "field %d of an implementation row descriptor cannot be set",
		                (int)field);
	SQLLEN iv = (SQLLEN)(intptr_t)value;
	switch (field) {
	case SQL_DESC_ARRAY_SIZE:
		if (!desc_is_app(d))
			break;
		if (iv < 1)
			return diag_add(&d->diag, "HY024",
			                "invalid attribute value: the array size must be at least 1");
		if ((SQLULEN)iv > CBO_MAX_ARRAY_SIZE) {
			d->array_size = CBO_MAX_ARRAY_SIZE;
			return diag_add(&d->diag, "01S02", "option value changed: the array size is at most %lu",
			                (unsigned long)CBO_MAX_ARRAY_SIZE);
		}
		d->array_size = (SQLULEN)iv;
		return SQL_SUCCESS;
	case SQL_DESC_ARRAY_STATUS_PTR:
		d->array_status_ptr = value;
		return SQL_SUCCESS;
	case SQL_DESC_BIND_OFFSET_PTR:
		if (!desc_is_app(d))
			break;
		d->bind_offset_ptr = value;
		return SQL_SUCCESS;
	case SQL_DESC_BIND_TYPE:
		if (!desc_is_app(d))
			break;
		d->bind_type = (SQLULEN)iv;
		return SQL_SUCCESS;
	case SQL_DESC_ROWS_PROCESSED_PTR:
		if (desc_is_app(d))
			break;
		d->rows_processed_ptr = value;
		return SQL_SUCCESS;
	case SQL_DESC_COUNT:
		if (iv < 0 || iv > 32767)
			return diag_add(&d->diag, "07009", "invalid descriptor index %ld", (long)iv);
		if (iv > d->count && desc_get(d, (int)iv, true) == NULL)
			return diag_add(&d->diag, "HY001", "out of memory growing a descriptor");
		d->count = (int)iv;
		return SQL_SUCCESS;
	case SQL_DESC_ALLOC_TYPE:
		return diag_add(&d->diag, "HY091", "SQL_DESC_ALLOC_TYPE cannot be set");
	default:
		goto record;
	}
	return diag_add(&d->diag, "HY091", "invalid descriptor field identifier %d for this descriptor", (int)field);

record:
	if (recno < 0 || (recno == 0 && d->type != DESC_ARD))
		return diag_add(&d->diag, "07009", "invalid descriptor index %d", (int)recno);
	desc_rec *r = desc_get(d, recno, true);
	if (r == NULL)
		return diag_add(&d->diag, "HY001", "out of memory growing a descriptor");
	switch (field) {
	case SQL_DESC_TYPE:
	case SQL_DESC_CONCISE_TYPE:
		desc_set_concise(r, (SQLSMALLINT)iv);
		if ((SQLSMALLINT)iv == SQL_DATETIME || (SQLSMALLINT)iv == SQL_INTERVAL)
			r->type = (SQLSMALLINT)iv;
		r->data_ptr = NULL; /* changing the type unbinds, as ODBC says */
		return SQL_SUCCESS;
	case SQL_DESC_DATETIME_INTERVAL_CODE:
		r->datetime_code = (SQLSMALLINT)iv;
		if (r->type == SQL_DATETIME || r->type == SQL_INTERVAL)
			r->concise_type = conv_concise_from_verbose(r->type, r->datetime_code, desc_is_app(d));
		return SQL_SUCCESS;
	case SQL_DESC_DATETIME_INTERVAL_PRECISION:
		r->datetime_precision = (SQLINTEGER)iv;
		return SQL_SUCCESS;
	case SQL_DESC_OCTET_LENGTH:
		r->octet_length = iv;
		return SQL_SUCCESS;
	case SQL_DESC_OCTET_LENGTH_PTR:
		r->octet_length_ptr = value;
		return SQL_SUCCESS;
	case SQL_DESC_INDICATOR_PTR:
		r->indicator_ptr = value;
		return SQL_SUCCESS;
	case SQL_DESC_DATA_PTR:
		r->data_ptr = value;
		return SQL_SUCCESS;
	case SQL_DESC_LENGTH:
		r->length = (SQLULEN)iv;
		return SQL_SUCCESS;
	case SQL_DESC_PRECISION:
		r->precision = (SQLSMALLINT)iv;
		return SQL_SUCCESS;
	case SQL_DESC_SCALE:
		r->scale = (SQLSMALLINT)iv;
		return SQL_SUCCESS;
	case SQL_DESC_NUM_PREC_RADIX:
		return SQL_SUCCESS;
	case SQL_DESC_PARAMETER_TYPE:
		if (d->type != DESC_IPD)
			break;
		r->param_type = (SQLSMALLINT)iv;
		return SQL_SUCCESS;
	case SQL_DESC_NULLABLE:
		if (d->type != DESC_IPD)
			break;
		r->nullable = (SQLSMALLINT)iv;
		return SQL_SUCCESS;
	case SQL_DESC_UNNAMED:
		if (d->type != DESC_IPD)
			break;
		if (iv == SQL_UNNAMED) {
			free(r->name);
			r->name = NULL;
		}
		return SQL_SUCCESS;
	case SQL_DESC_NAME: {
		if (d->type != DESC_IPD)
			break;
		char *nm = NULL;
		if (value != NULL && !conv_in_str(value, buflen, &nm))
			return diag_add(&d->diag, "HY090", "invalid string or buffer length %d", (int)buflen);
		free(r->name);
		r->name = nm;
		return SQL_SUCCESS;
	}
	default:
		break;
	}
	return diag_add(&d->diag, "HY091", "invalid descriptor field identifier %d for this descriptor", (int)field);
}

SQLRETURN desc_get_rec(cbo_desc *d, SQLSMALLINT recno, SQLCHAR *name, SQLSMALLINT buflen, SQLSMALLINT *namelen,
                       SQLSMALLINT *type, SQLSMALLINT *subtype, SQLLEN *length, SQLSMALLINT *precision,
                       SQLSMALLINT *scale, SQLSMALLINT *nullable)
{
	SQLINTEGER l;
	SQLSMALLINT s;
	SQLRETURN r = desc_get_field(d, recno, SQL_DESC_TYPE, &s, 0, NULL);
	if (r != SQL_SUCCESS)
		return r;
	if (type)
		*type = s;
	if (subtype && desc_get_field(d, recno, SQL_DESC_DATETIME_INTERVAL_CODE, &s, 0, NULL) == SQL_SUCCESS)
		*subtype = s;
	if (length)
		desc_get_field(d, recno, SQL_DESC_OCTET_LENGTH, length, 0, NULL);
	if (precision && desc_get_field(d, recno, SQL_DESC_PRECISION, &s, 0, NULL) == SQL_SUCCESS)
		*precision = s;
	if (scale && desc_get_field(d, recno, SQL_DESC_SCALE, &s, 0, NULL) == SQL_SUCCESS)
		*scale = s;
	if (nullable) {
		*nullable = SQL_NULLABLE;
		if (!desc_is_app(d) && desc_get_field(d, recno, SQL_DESC_NULLABLE, &s, 0, NULL) == SQL_SUCCESS)
			*nullable = s;
	}
	if (d->type == DESC_IPD || d->type == DESC_IRD) {
		diag_clear(&d->diag);
		r = desc_get_field(d, recno, SQL_DESC_NAME, name, buflen, &l);
		if (namelen)
			*namelen = (SQLSMALLINT)l;
		return r;
	}
	if (name && buflen > 0)
		name[0] = '\0';
	if (namelen)
		*namelen = 0;
	return SQL_SUCCESS;
}

SQLRETURN desc_set_rec(cbo_desc *d, SQLSMALLINT recno, SQLSMALLINT type, SQLSMALLINT subtype, SQLLEN length,
                       SQLSMALLINT precision, SQLSMALLINT scale, SQLPOINTER data, SQLLEN *strlen_ptr, SQLLEN *ind_ptr)
{
	if (d->type == DESC_IRD)
		return diag_add(&d->diag, "HY091", "the records of an implementation row descriptor cannot be set");
	if (recno < 0 || (recno == 0 && d->type != DESC_ARD))
		return diag_add(&d->diag, "07009", "invalid descriptor index %d", (int)recno);
	desc_rec *r = desc_get(d, recno, true);
	if (r == NULL)
		return diag_add(&d->diag, "HY001", "out of memory growing a descriptor");
	desc_set_concise(r, type);
	if (type == SQL_DATETIME || type == SQL_INTERVAL) {
		r->type = type;
		r->datetime_code = subtype;
		r->concise_type = conv_concise_from_verbose(type, subtype, desc_is_app(d));
	}
	r->octet_length = length;
	r->length = (SQLULEN)length;
	r->precision = precision;
	r->scale = scale;
	r->data_ptr = data;
	r->octet_length_ptr = strlen_ptr;
	r->indicator_ptr = ind_ptr;
	return SQL_SUCCESS;
}

SQLRETURN desc_copy(cbo_desc *src, cbo_desc *dst)
{
	if (dst->type == DESC_IRD)
		return diag_add(&dst->diag, "HY016", "cannot modify an implementation row descriptor");
	if (src->type == DESC_IRD) {
		/* the result's columns as records */
		SQLSMALLINT n = 0;
		if (src->stmt == NULL || res_num_cols_quiet(src->stmt, &n) != SQL_SUCCESS)
			return diag_add(&dst->diag, "HY007", "associated statement is not prepared");
		for (SQLSMALLINT i = 1; i <= n; i++) {
			desc_rec *r = desc_get(dst, i, true);
			if (r == NULL)
				return diag_add(&dst->diag, "HY001", "out of memory copying a descriptor");
			SQLSMALLINT t = 0;
			SQLLEN len = 0;
			desc_get_field(src, i, SQL_DESC_CONCISE_TYPE, &t, 0, NULL);
			desc_get_field(src, i, SQL_DESC_OCTET_LENGTH, &len, 0, NULL);
			desc_set_concise(r, t);
			r->octet_length = len;
		}
		dst->count = n;
		return SQL_SUCCESS;
	}
	/* (record 0, an ARD's bookmark, is copied too) */
	if (src->cap > 0 && desc_get(dst, src->count, true) == NULL)
		return diag_add(&dst->diag, "HY001", "out of memory copying a descriptor");
	for (int i = 0; i <= src->count && i < src->cap; i++) {
		char *nm = src->recs[i].name ? strdup(src->recs[i].name) : NULL;
		free(dst->recs[i].name);
		dst->recs[i] = src->recs[i];
		dst->recs[i].name = nm;
	}
	dst->count = src->count;
	dst->array_size = src->array_size;
	dst->array_status_ptr = src->array_status_ptr;
	dst->bind_offset_ptr = src->bind_offset_ptr;
	dst->bind_type = src->bind_type;
	dst->rows_processed_ptr = src->rows_processed_ptr;
	return SQL_SUCCESS;
}
