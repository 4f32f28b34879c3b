/*
 * catalog.h - resolve cache groups against the backend's catalog (libpq).
 *
 * Functions prefix: cg_catalog_
 *
 * For every declared table: it exists (search_path for unqualified names),
 * is a plain or partitioned table, has no row-level security, the backend
 * role may read it, it has a primary key; its columns, their types (OID, typmod, format_type name,
 * array type), and its unique columns (one-column primary keys and unique
 * indexes without predicate or expression).  Every referenced column
 * exists; fill columns and RCC ends have a type the cache compares
 * exactly (types.h) and a deterministic collation; the ends of each RCC
 * can be compared with `=` on the backend and are of one kind (integers,
 * text/varchar, or the same type);
 * each `values` entry is accepted by the fill column's type (the backend
 * parses it as a bound parameter of that type and its canonical text is
 * kept); a backend table belongs to one cache group only.
 *
 * Every catalog query binds its values as parameters.  Nothing is changed
 * on the backend.
 */
#ifndef CG_CATALOG_H
#define CG_CATALOG_H

#include <libpq-fe.h>

#include "cachegroup/model.h"

/* The labels of the enum type whose OID is $1, in their sort order (the resolution's, and the replica's
 * check after DDL). */
#define CG_CATALOG_ENUM_LABELS                                                                          \
	"SELECT e.enumlabel FROM pg_catalog.pg_enum e WHERE e.enumtypid = $1::pg_catalog.oid ORDER BY " \
	"e.enumsortorder"

/*
 * Resolve groups[0..n) through conn.  Errors, with the position in the
 * definition file, go to d.  Returns false when any group is invalid, the
 * backend failed, or memory ran out.
 */
CB_MUSTCHECK bool cg_catalog_resolve(PGconn *conn, cg_group **groups, size_t n, cg_diags *d);

#endif /* CG_CATALOG_H */
