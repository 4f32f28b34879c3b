/*
 * desc.h - ODBC descriptors: the application's row and parameter buffers
 * (ARD, APD), the parameters' SQL types (IPD) and the result's columns
 * (IRD).
 *
 * Functions prefix: desc_
 *
 * Every statement owns four implicit descriptors; SQLBindCol and
 * SQLBindParameter write their records, the row and parameter statement
 * attributes are their header fields.  An application may allocate
 * descriptors of its own (SQLAllocHandle(SQL_HANDLE_DESC)) and make them a
 * statement's ARD or APD.  The IRD has no records of its own: its fields
 * come from the current result (results.c).
 */
#ifndef CBO_DESC_H
#define CBO_DESC_H

#include "odbc-driver/driver.h"
#include "odbc-driver/diag.h"

typedef enum desc_type { DESC_ARD, DESC_APD, DESC_IRD, DESC_IPD } desc_type;

typedef struct desc_rec {
	SQLSMALLINT concise_type; /* a C type in the ARD/APD, an SQL type in the IPD */
	SQLSMALLINT type;         /* verbose: SQL_DATETIME, SQL_INTERVAL or the concise type */
	SQLSMALLINT datetime_code;
	SQLINTEGER datetime_precision;
	SQLLEN octet_length; /* BufferLength */
	SQLLEN *octet_length_ptr;
	SQLLEN *indicator_ptr;
	SQLPOINTER data_ptr;
	SQLULEN length;        /* column size (IPD), character length */
	SQLSMALLINT precision; /* numeric precision, fractional digits of intervals and times */
	SQLSMALLINT scale;
	SQLSMALLINT param_type; /* IPD: SQL_PARAM_INPUT, _OUTPUT, _INPUT_OUTPUT */
	SQLSMALLINT nullable;
	SQLSMALLINT unnamed;
	char *name; /* IPD: the parameter's name (named notation in {call}) */
} desc_rec;

/* The most rows of a rowset or sets of parameters one call handles (the
 * driver's maximum of SQL_DESC_ARRAY_SIZE: a larger value is this one,
 * with 01S02; psqlODBC has no such bound). */
#define CBO_MAX_ARRAY_SIZE ((SQLULEN)1 << 20)

struct cbo_desc {
	uint32_t magic; /* CBO_MAGIC_DESC */
	cbo_diag diag;
	cbo_dbc *dbc;
	cbo_stmt *stmt; /* the owner of an implicit descriptor, NULL for an allocated one */
	cbo_desc *next; /* dbc->descs (allocated ones) */
	desc_type type;
	/* header fields */
	SQLULEN array_size;
	SQLUSMALLINT *array_status_ptr;
	SQLULEN *bind_offset_ptr;
	SQLULEN bind_type;
	SQLULEN *rows_processed_ptr;
	/* records: recs[0] is the bookmark column of an ARD, recs[1..count] the others */
	desc_rec *recs;
	int count;
	int cap;
};

/* An implicit descriptor of a statement. */
void desc_init(cbo_desc *d, cbo_dbc *dbc, cbo_stmt *stmt, desc_type type);
/* Free an implicit descriptor's records. */
void desc_clear(cbo_desc *d);
/* Allocate / free an application descriptor (always of type ARD/APD). */
SQLRETURN desc_alloc(cbo_dbc *dbc, cbo_desc **out);
void desc_free(cbo_desc *d);

/* Record n (1-based; 0 is the bookmark), grown when grow is set; NULL when
 * it does not exist or memory ran out. */
desc_rec *desc_get(cbo_desc *d, int n, bool grow);
/* Unbind every record (SQLFreeStmt SQL_UNBIND / SQL_RESET_PARAMS). */
void desc_unbind(cbo_desc *d);
/* Set a record's concise type and the verbose type and subcode it implies. */
void desc_set_concise(desc_rec *r, SQLSMALLINT concise);
/* Bind an application buffer of buflen bytes to a record (SQLBindCol,
 * SQLBindParameter): its C type, data pointer and one pointer for both
 * length and indicator. */
void desc_bind(desc_rec *r, SQLSMALLINT ctype, SQLPOINTER buf, SQLLEN buflen, SQLLEN *ind);
/* Drop records after the last bound one (SQL_DESC_COUNT of an ARD). */
void desc_trim(cbo_desc *d);

SQLRETURN desc_get_field(cbo_desc *d, SQLSMALLINT recno, SQLSMALLINT field, SQLPOINTER value, SQLINTEGER buflen,
                         SQLINTEGER *len);
SQLRETURN desc_set_field(cbo_desc *d, SQLSMALLINT recno, SQLSMALLINT field, SQLPOINTER value, SQLINTEGER buflen);
SQLRETURN desc_get_rec(cbo_desc *d, SQLSMALLINT recno, SQLCHAR *name, SQLSMALLINT buflen, SQLSMALLINT *namelen,
                       SQLSMALLINT *type, SQLSMALLINT *subtype, SQLLEN *length, SQLSMALLINT *precision,
                       SQLSMALLINT *scale, SQLSMALLINT *nullable);
SQLRETURN desc_set_rec(cbo_desc *d, SQLSMALLINT recno, SQLSMALLINT type, SQLSMALLINT subtype, SQLLEN length,
                       SQLSMALLINT precision, SQLSMALLINT scale, SQLPOINTER data, SQLLEN *strlen_ptr, SQLLEN *ind_ptr);
SQLRETURN desc_copy(cbo_desc *src, cbo_desc *dst);

#endif /* CBO_DESC_H */
