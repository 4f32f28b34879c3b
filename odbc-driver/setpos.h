/*
 * setpos.h - changing rows through a cursor: SQLSetPos and
 * SQLBulkOperations on updatable cursors, positioning and refreshing on
 * any scrollable one.
 *
 * Functions prefix: setpos_
 */
#ifndef CBO_SETPOS_H
#define CBO_SETPOS_H

#include "odbc-driver/driver.h"

SQLRETURN setpos_set_pos(cbo_stmt *st, SQLSETPOSIROW row, SQLUSMALLINT op, SQLUSMALLINT lock);
SQLRETURN setpos_bulk(cbo_stmt *st, SQLSMALLINT op);
/* Data at execution for a row operation is complete (SQLParamData). */
SQLRETURN setpos_resume(cbo_stmt *st);

#endif /* CBO_SETPOS_H */
