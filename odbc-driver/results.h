/*
 * results.h - result sets of a statement: column metadata, bound columns,
 * block fetch, SQLGetData, row counts and multiple results.
 *
 * Functions prefix: res_
 */
#ifndef CBO_RESULTS_H
#define CBO_RESULTS_H

#include "odbc-driver/driver.h"

SQLRETURN res_num_cols(cbo_stmt *st, SQLSMALLINT *count);
SQLRETURN res_describe_col(cbo_stmt *st, SQLUSMALLINT col, SQLCHAR *name, SQLSMALLINT buflen, SQLSMALLINT *namelen,
                           SQLSMALLINT *type, SQLULEN *size, SQLSMALLINT *digits, SQLSMALLINT *nullable);
SQLRETURN res_col_attribute(cbo_stmt *st, SQLUSMALLINT col, SQLUSMALLINT field, SQLPOINTER charattr, SQLSMALLINT buflen,
                            SQLSMALLINT *outlen, SQLLEN *numattr);
SQLRETURN res_bind_col(cbo_stmt *st, SQLUSMALLINT col, SQLSMALLINT ctype, SQLPOINTER buf, SQLLEN buflen, SQLLEN *ind);
SQLRETURN res_fetch(cbo_stmt *st, SQLSMALLINT orientation, SQLLEN offset);
SQLRETURN res_get_data(cbo_stmt *st, SQLUSMALLINT col, SQLSMALLINT ctype, SQLPOINTER buf, SQLLEN buflen, SQLLEN *ind);
SQLRETURN res_row_count(cbo_stmt *st, SQLLEN *count);
SQLRETURN res_more_results(cbo_stmt *st);
SQLRETURN res_close_cursor(cbo_stmt *st);

#endif /* CBO_RESULTS_H */
