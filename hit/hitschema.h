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

/*
 * A new sqlfe_schema for the resolved and analysed group g: every cache
 * table with its backend OID and `complete` flag, every column with its
 * type OID, typmod, type name, attribute number and the flags unique (a
 * one-column key), fill (a fill column) and the column's collation when it
 * is not the database's default, and every RCC.  collation_c says whether
 * the database's default collation is C, collation_locale whether it is a
 * locale the readers compare as the backend does (the cache orders the
 * text of a column only when the column's collation is C, or is the
 * default and one of these holds).  Returns NULL with the cause in err when the
 * group cannot be described: its tables lie in several schemas, a name is
 * longer than the front end allows, or memory ran out (*oom set).
 */
CB_MUSTCHECK sqlfe_schema *hitschema_build(const cg_group *g, bool collation_c, bool collation_locale, bool *oom,
                                           cb_error *err);

#endif /* CB_HITSCHEMA_H */
