/*
 * results.h - result sets of a statement: column metadata, bound columns,
 * block and scrolling fetch, bookmarks, SQLGetData, row counts and
 * multiple results.
 *
 * Functions prefix: res_
 */
#ifndef CBO_RESULTS_H
#define CBO_RESULTS_H

#include "odbc-driver/driver.h"
#include "odbc-driver/convert.h"
#include "odbc-driver/desc.h"
#include "odbc-driver/pgtypes.h"
#include "odbc-driver/statement.h"

SQLRETURN res_num_cols(cbo_stmt *st, SQLSMALLINT *count);
/* The same without touching the diagnostics (descriptors). */
SQLRETURN res_num_cols_quiet(cbo_stmt *st, SQLSMALLINT *count);
SQLRETURN res_describe_col(cbo_stmt *st, SQLUSMALLINT col, SQLCHAR *name, SQLSMALLINT buflen, SQLSMALLINT *namelen,
                           SQLSMALLINT *type, SQLULEN *size, SQLSMALLINT *digits, SQLSMALLINT *nullable);
SQLRETURN res_col_attribute(cbo_stmt *st, SQLUSMALLINT col, SQLUSMALLINT field, SQLPOINTER charattr, SQLSMALLINT buflen,
                            SQLSMALLINT *outlen, SQLLEN *numattr);
/* One field of a column (SQLColAttribute, the IRD): a string into charattr
 * (*is_str set) or a number into *num; diagnostics into d. */
SQLRETURN res_col_field(cbo_stmt *st, cbo_diag *d, SQLSMALLINT col, SQLSMALLINT field, SQLPOINTER charattr,
                        SQLSMALLINT buflen, SQLSMALLINT *outlen, SQLLEN *num, bool *is_str);
SQLRETURN res_bind_col(cbo_stmt *st, SQLUSMALLINT col, SQLSMALLINT ctype, SQLPOINTER buf, SQLLEN buflen, SQLLEN *ind);
SQLRETURN res_fetch(cbo_stmt *st, SQLSMALLINT orientation, SQLLEN offset);
/* SQLExtendedFetch: a fetch with the ODBC 2 rowset size and status array. */
SQLRETURN res_extended_fetch(cbo_stmt *st, SQLUSMALLINT orientation, SQLLEN offset, SQLULEN *rows,
                             SQLUSMALLINT *status);
SQLRETURN res_get_data(cbo_stmt *st, SQLUSMALLINT col, SQLSMALLINT ctype, SQLPOINTER buf, SQLLEN buflen, SQLLEN *ind);
SQLRETURN res_row_count(cbo_stmt *st, SQLLEN *count);
SQLRETURN res_more_results(cbo_stmt *st);
SQLRETURN res_close_cursor(cbo_stmt *st);

/* The catalog entry of a result column: its table's names, its own name
 * and nullability (read once per table and connection). */
typedef struct res_table {
	const char *relname, *nspname;
	const char *attname;
	bool notnull;
	bool serial;
	bool found;
	Oid atttypid; /* the declared type (a domain stays itself) */
} res_table;
res_table res_table_col(cbo_stmt *st, Oid table, int attnum);
/* The bound buffer, length and indicator of an ARD record at rowset position i. */
void res_bound_at(cbo_stmt *st, const desc_rec *b, SQLULEN i, char **buf, SQLLEN **len, SQLLEN **ind,
                  SQLSMALLINT ctype);
/* Fill the bound columns of rowset position i from row `row` (setpos.c). */
SQLRETURN res_fill_row(cbo_stmt *st, long row, SQLULEN i);
/* How the types module sees a column of the current result. */
void res_pgt_ctx(cbo_stmt *st, Oid oid, pgt_ctx *c);
/* The value side of a conversion to C: the value at row `row` and column
 * c (from 0) of result r, its type and typmod, and the types module's view
 * of it in ctx (o->types).  The C side of o is the caller's. */
void res_value_out(cbo_stmt *st, const stmt_res *r, long row, int c, pgt_ctx *ctx, conv_out *o);
/* The bookmark of a row (its number from 1, as psqlODBC makes them). */
SQLINTEGER res_bookmark(long row);
/* The row a bookmark value names, -1 when it names none. */
long res_bookmark_row(cbo_stmt *st, const void *bookmark);
/* Forget SQLGetData's progress (a new row). */
void res_gd_reset(cbo_stmt *st);

#endif /* CBO_RESULTS_H */
