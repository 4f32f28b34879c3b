/*
 * hitschema.h - the SQL front end's view of a compiled cache group.
 *
 * Functions prefix: hitschema_
 *
 * The SQL front end (sql/) knows the cached tables through its own small
 * sqlfe_schema and never includes cachegroup/ headers; this module builds
 * that view from the compiler's model, so the hit path (and later the ODBC
 * driver's in-process hits) link one translation.  Library code: no
 * threads, no globals, no I/O.
 */
#ifndef CB_HITSCHEMA_H
#define CB_HITSCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "cachegroup/model.h"
#include "common/error.h"
#include "sql/schema.h"

/* What the backend lets the cache evaluate beyond the compiled groups. */
typedef struct hitschema_opts {
	bool collation_c;      /* the database's default collation is C */
	bool collation_locale; /* it is a libc locale the readers compare as the backend does (sql/schema.h) */
	bool enum_columns;     /* enum columns are answered (the DDL event triggers report label changes) */
} hitschema_opts;

/*
 * A new sqlfe_schema for the resolved and analysed group g: every cache
 * table with its backend OID and `complete` flag, every column with its
 * type OID, typmod, type name, attribute number and the flags unique (a
 * one-column key), fill (a fill column) and the column's collation when it
 * is not the database's default, and every RCC.  opts says whether the
 * database's default collation is C or a locale the readers compare as the
 * backend does (the cache orders the text of a column only when the
 * column's collation is C, or is the default and one of these holds), and
 * whether enum columns (their type OID its own, not a domain's) carry their
 * labels (else they are opaque: their statements go to the backend).
 * Returns NULL with the cause in err when the group cannot be described:
 * its tables lie in several schemas, a name is longer than the front end
 * allows, or memory ran out (*oom set).
 */
CB_MUSTCHECK sqlfe_schema *hitschema_build(const cg_group *g, const hitschema_opts *opts, bool *oom, cb_error *err);

#endif /* CB_HITSCHEMA_H */
