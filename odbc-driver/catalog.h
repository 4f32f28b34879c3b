/*
 * catalog.h - the ODBC catalog functions, answering what psqlODBC answers:
 * the same columns (names, types, sizes), rows and order, read from
 * pg_catalog with the application's names and patterns as bound
 * parameters.
 *
 * Functions prefix: cat_
 */
#ifndef CBO_CATALOG_H
#define CBO_CATALOG_H

#include "odbc-driver/driver.h"
#include "odbc-driver/pgtypes.h"

/* A column of a result set built in the driver: its ODBC 3 and ODBC 2
 * names, type (CBO_VARCHAROID, CBO_INT2OID, ...) and declared size. */
typedef struct cat_def {
	const char *name3;
	const char *name2;
	Oid type;
	int size;
} cat_def;

#define CAT_NAME_SIZE 128    /* psqlODBC's MAX_INFO_STRING */
#define CAT_VARCHAR_SIZE 254 /* psqlODBC's INFO_VARCHAR_SIZE */

/* cat_def rows by the column's type, given its ODBC 3 and ODBC 2 names
 * (NULL: the ODBC 3 name in both): names are psqlODBC's
 * VARCHAR(MAX_INFO_STRING), other text its VARCHAR(INFO_VARCHAR_SIZE), and
 * a fixed-width type's declared size is its width in bytes. */
#define CAT_DEF(name3, name2, type, size) \
	{                                 \
		name3, name2, type, size  \
	}
#define CAT_NAME(name3, name2) CAT_DEF(name3, name2, CBO_VARCHAROID, CAT_NAME_SIZE)
#define CAT_VARCHAR(name3, name2) CAT_DEF(name3, name2, CBO_VARCHAROID, CAT_VARCHAR_SIZE)
#define CAT_CHAR(name3, name2) CAT_DEF(name3, name2, CBO_CHAROID, 1)
#define CAT_INT2(name3, name2) CAT_DEF(name3, name2, CBO_INT2OID, 2)
#define CAT_INT4(name3, name2) CAT_DEF(name3, name2, CBO_INT4OID, 4)
#define CAT_OID(name3, name2) CAT_DEF(name3, name2, CBO_OIDOID, 4)

/* An empty result set with these columns (names by the environment's ODBC
 * version); NULL when out of memory. */
PGresult *cat_result_new(cbo_stmt *st, const cat_def *defs, int n) CB_MUSTCHECK;
/* Set a value (NULL for SQL NULL) / an integer / an integer that is SQL
 * NULL when -1; false when out of memory. */
bool cat_set(PGresult *res, int row, int col, const char *value) CB_MUSTCHECK;
bool cat_set_int(PGresult *res, int row, int col, long value) CB_MUSTCHECK;
bool cat_set_nint(PGresult *res, int row, int col, long value) CB_MUSTCHECK;
/* Make res (built from defs) the statement's result set. */
SQLRETURN cat_install(cbo_stmt *st, PGresult *res, const cat_def *defs, int n);
/* The type rules for a column type of a catalog (typmod as psqlODBC keeps it). */
void cat_type(cbo_stmt *st, Oid oid, int mod, pgt_ctx *ctx, pgt_col *col);

/* The catalog functions.  String arguments are NUL-terminated or NULL
 * (NULL pointer); `lens` carry the lengths the application passed, which
 * psqlODBC tells apart (an empty name given with length 0 is no name). */
typedef struct cat_args {
	const char *s[6];
	SQLSMALLINT len[6];
	SQLUSMALLINT opt; /* SQLStatistics: Unique; SQLSpecialColumns: IdentifierType */
} cat_args;

SQLRETURN cat_tables(cbo_stmt *st, const cat_args *a);
SQLRETURN cat_columns(cbo_stmt *st, const cat_args *a);
SQLRETURN cat_primary_keys(cbo_stmt *st, const cat_args *a);
SQLRETURN cat_foreign_keys(cbo_stmt *st, const cat_args *a);
SQLRETURN cat_statistics(cbo_stmt *st, const cat_args *a);
SQLRETURN cat_special_columns(cbo_stmt *st, const cat_args *a);
SQLRETURN cat_procedures(cbo_stmt *st, const cat_args *a);
SQLRETURN cat_procedure_columns(cbo_stmt *st, const cat_args *a);
SQLRETURN cat_table_privileges(cbo_stmt *st, const cat_args *a);
SQLRETURN cat_column_privileges(cbo_stmt *st, const cat_args *a);

/* Catalog-argument rules shared with the unit tests: an ODBC search
 * pattern (escape '\') as a LIKE pattern with LIKE's escape '\'; and
 * psqlODBC's retry name (lower case when the name has upper-case letters
 * and, unless any_case, no lower-case ones), NULL when there is none. */
char *cat_like_pattern(const char *odbc_pattern) CB_MUSTCHECK;
char *cat_lower_retry_name(const char *name, bool any_case) CB_MUSTCHECK;

#endif /* CBO_CATALOG_H */
