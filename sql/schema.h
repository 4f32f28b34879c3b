/*
 * schema.h - what the SQL front end knows about the cache group.
 *
 * Functions prefix: sqlfe_schema_
 *
 * A small, self-contained description of the cached tables: their columns
 * (name, PostgreSQL type OID, typmod, type name, attnum), which columns are
 * unique (single-column primary key or unique constraint), which are fill
 * columns, which tables are complete (always fully cached), and the RCCs
 * source -> target.  The daemon fills it from the cache-group compiler's
 * model; the front end never depends on cachegroup/ headers.  Settings of
 * the backend that change what SQLite may evaluate (collation) live here
 * too.  Pure data: no I/O, no globals.
 */
#ifndef SQLFE_SCHEMA_H
#define SQLFE_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "common/contract.h"
#include "common/pgtype.h"

#define SQLFE_NAME_MAX 64

/* Column flags. */
#define SQLFE_COL_UNIQUE 0x01 /* single-column primary key or unique */
#define SQLFE_COL_FILL 0x02   /* fill column (has a control table) */
/* The column's collation when it is not the database's default (sqlfe_schema.collation_c): */
#define SQLFE_COL_COLL_C 0x04     /* C or POSIX: text orders bytewise as in SQLite */
#define SQLFE_COL_COLL_OTHER 0x08 /* another one (ICU, a language): text never ordered in SQLite */
#define SQLFE_COL_ENUM 0x10       /* an enum: labels (sqlfe_schema_set_labels), typed by pgtype_enum() */

typedef struct sqlfe_column sqlfe_column;
typedef struct sqlfe_table sqlfe_table;
typedef struct sqlfe_rcc sqlfe_rcc;
typedef struct sqlfe_schema sqlfe_schema;

struct sqlfe_column {
	char name[SQLFE_NAME_MAX];
	uint32_t type_oid;
	int32_t typmod; /* -1 when none */
	char type_name[SQLFE_NAME_MAX];
	int16_t attnum; /* backend attribute number, for RowDescription */
	unsigned flags;
	char **labels; /* SQLFE_COL_ENUM: the enum's labels in their sort order (owned by the schema) */
	int nlabels;
};

struct sqlfe_table {
	char name[SQLFE_NAME_MAX];
	uint32_t oid;  /* backend table OID, for RowDescription */
	bool complete; /* every backend row is always cached */
	int ncols;
	sqlfe_column *cols;
};

/* S.a -> T.b: for each value of cached S.a, all rows of T with b = v are cached. */
struct sqlfe_rcc {
	int src_table, src_col;
	int dst_table, dst_col;
};

struct sqlfe_schema {
	char schema_name[SQLFE_NAME_MAX]; /* the backend schema of the tables ("public") */
	bool collation_c;                 /* the database's default collation is C (columns may say otherwise) */
	/* the database's default collation is a libc locale whoever runs the SQL compares exactly as the
	 * backend does, as the collation SQLFE_LOCALE_COLLATION (sql/translate.h, common/pglocale.h) */
	bool collation_locale;
	int ntables;
	sqlfe_table *tables;
	int nrccs;
	sqlfe_rcc *rccs;
};

/* A new empty schema in schema_name; NULL when out of memory. Free with sqlfe_schema_free. */
sqlfe_schema *sqlfe_schema_new(const char *schema_name) CB_MUSTCHECK;
void sqlfe_schema_free(sqlfe_schema *s);

/* Add a table; returns its index or -1 (out of memory, name too long or duplicate). */
int sqlfe_schema_add_table(sqlfe_schema *s, const char *name, uint32_t oid, bool complete) CB_MUSTCHECK;
/* Add a column to table t; returns its index or -1. */
int sqlfe_schema_add_column(sqlfe_schema *s, int t, const char *name, uint32_t type_oid, int32_t typmod,
                            const char *type_name, int16_t attnum, unsigned flags) CB_MUSTCHECK;
/*
 * Make column c of table t an enum with labels[0..n) in their sort order
 * (copied); false when out of memory.
 */
bool sqlfe_schema_set_labels(sqlfe_schema *s, int t, int c, char *const *labels, size_t n) CB_MUSTCHECK;
/* The type row column c is compared, ordered and printed by: pgtype_enum() for an enum, else its type's. */
const pgtype *sqlfe_schema_column_type(const sqlfe_column *c);
/* The position of v[0..len) among an enum's labels[0..n), or -1 when it is none of them. */
int sqlfe_schema_label(char *const *labels, int n, const char *v, size_t len);

/* Add the RCC src_table.src_col -> dst_table.dst_col by names; false when a name is unknown. */
bool sqlfe_schema_add_rcc(sqlfe_schema *s, const char *src_table, const char *src_col, const char *dst_table,
                          const char *dst_col) CB_MUSTCHECK;

/* Does column c order text as the C collation does (bytewise, as SQLite)? */
bool sqlfe_schema_column_c(const sqlfe_schema *s, const sqlfe_column *c);
/* Is column c text ordered under the database's locale, which SQLite orders as SQLFE_LOCALE_COLLATION? */
bool sqlfe_schema_column_locale(const sqlfe_schema *s, const sqlfe_column *c);

/* Lookups by name (exact, case-sensitive as stored); -1 when absent. */
int sqlfe_schema_table(const sqlfe_schema *s, const char *name);
int sqlfe_schema_column(const sqlfe_schema *s, int t, const char *name);
/* Is t.c the target of some RCC? */
bool sqlfe_schema_is_rcc_target(const sqlfe_schema *s, int t, int c);
/* Is there an RCC src.sc -> dst.dc? */
bool sqlfe_schema_has_rcc(const sqlfe_schema *s, int src, int sc, int dst, int dc);

#endif /* SQLFE_SCHEMA_H */
