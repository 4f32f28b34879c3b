/*
 * info.h - what the driver tells about itself and the server: SQLGetInfo,
 * SQLGetFunctions, SQLGetTypeInfo.
 *
 * Functions prefix: info_
 */
#ifndef CBO_INFO_H
#define CBO_INFO_H

#include "odbc-driver/driver.h"

SQLRETURN info_get_info(cbo_dbc *dbc, SQLUSMALLINT type, SQLPOINTER value, SQLSMALLINT buflen, SQLSMALLINT *len);
SQLRETURN info_get_functions(cbo_dbc *dbc, SQLUSMALLINT id, SQLUSMALLINT *supported);
SQLRETURN info_get_type_info(cbo_stmt *st, SQLSMALLINT sqltype);

#endif /* CBO_INFO_H */
