/*
 * catalog.h - the ODBC catalog functions as queries on pg_catalog with
 * bound parameters, and a builder for result sets made in the driver.
 *
 * Functions prefix: cat_
 */
#ifndef CBO_CATALOG_H
#define CBO_CATALOG_H

#include "odbc-driver/driver.h"

/* A column of a result set built in the driver. */
typedef struct cat_col {
	const char *name;
	Oid type; /* CBO_VARCHAROID, CBO_INT2OID or CBO_INT4OID */
} cat_col;

/* An empty result set with these columns; NULL when out of memory. */
PGresult *cat_result_new(const cat_col *cols, int ncols) CB_MUSTCHECK;
/* Set a value (NULL for SQL NULL) / an integer; false when out of memory. */
bool cat_set(PGresult *res, int row, int col, const char *value) CB_MUSTCHECK;
bool cat_set_int(PGresult *res, int row, int col, long value) CB_MUSTCHECK;

/* The catalog functions; string arguments are NUL-terminated or NULL. */
SQLRETURN cat_tables(cbo_stmt *st, const char *cat, const char *schema, const char *table, const char *types);
SQLRETURN cat_columns(cbo_stmt *st, const char *cat, const char *schema, const char *table, const char *column);
SQLRETURN cat_primary_keys(cbo_stmt *st, const char *cat, const char *schema, const char *table);
SQLRETURN cat_foreign_keys(cbo_stmt *st, const char *pkcat, const char *pkschema, const char *pktable,
                           const char *fkcat, const char *fkschema, const char *fktable);
SQLRETURN cat_statistics(cbo_stmt *st, const char *cat, const char *schema, const char *table, SQLUSMALLINT unique);
SQLRETURN cat_special_columns(cbo_stmt *st, SQLUSMALLINT idtype, const char *cat, const char *schema, const char *table,
                              SQLUSMALLINT scope, SQLUSMALLINT nullable);

#endif /* CBO_CATALOG_H */
