/*
 * types.h - how each PostgreSQL column type is kept in the SQLite cache.
 *
 * Functions prefix: cg_type_
 *
 * One row per supported built-in type (by OID, stable across PostgreSQL
 * versions).  Integers are stored as SQLite INTEGER; every other supported
 * type as the backend's text output (numeric, dates and timestamps
 * included), so a cached value prints exactly as the backend prints it.
 * A type not in the table (arrays, ranges, enums, composites, geometric,
 * user-defined, ...) is stored as opaque text: the cache keeps and
 * returns it but never evaluates it (the SQL front end sends any query
 * that compares it to the backend).  Domains use their base type's row.
 */
#ifndef CG_TYPES_H
#define CG_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "cachegroup/model.h"

typedef struct cg_type_info {
	uint32_t oid;
	const char *name; /* the PostgreSQL name */
	cg_storage storage;
	/*
	 * Two values of one column are equal in PostgreSQL exactly when their
	 * stored forms are equal in SQLite (integers, text without collation
	 * quirks under the cache's fixed session settings ...).  Numeric (1.0 =
	 * 1.00), floats (0 = -0) and intervals are not.
	 */
	bool exact_equality;
} cg_type_info;

/* The row of base type oid, or NULL for a type stored as opaque text. */
const cg_type_info *cg_type_lookup(uint32_t oid);
/* The storage of base type oid. */
cg_storage cg_type_storage(uint32_t oid);
/* "INTEGER" or "TEXT": the SQLite column type of a storage class. */
const char *cg_type_sqlite_decl(cg_storage s);
/* "integer", "text", "opaque text" for display. */
const char *cg_type_storage_name(cg_storage s);
/* The whole table (for documentation and the check report). */
const cg_type_info *cg_type_table(size_t *n);

#endif /* CG_TYPES_H */
