/*
 * types.c - how each PostgreSQL column type is kept in the SQLite cache.
 *
 * Functions prefix: cg_type_
 */
#include "cachegroup/types.h"

#include <stddef.h>

/* OIDs from PostgreSQL's pg_type.dat (stable). */
static const cg_type_info type_table[] = {
        {16, "boolean", CG_STORE_TEXT, true}, /* 't' / 'f': text order is false < true */
        {17, "bytea", CG_STORE_TEXT, true},   /* hex output */
        {18, "\"char\"", CG_STORE_TEXT, true},
        {19, "name", CG_STORE_TEXT, true},
        {20, "bigint", CG_STORE_INTEGER, true},
        {21, "smallint", CG_STORE_INTEGER, true},
        {23, "integer", CG_STORE_INTEGER, true},
        {25, "text", CG_STORE_TEXT, true},
        {26, "oid", CG_STORE_INTEGER, true},
        {114, "json", CG_STORE_TEXT, false},
        {700, "real", CG_STORE_TEXT, false},
        {701, "double precision", CG_STORE_TEXT, false},
        {1042, "character", CG_STORE_TEXT, true}, /* blank-padded to the column's length */
        {1043, "character varying", CG_STORE_TEXT, true},
        {1082, "date", CG_STORE_TEXT, true},
        {1083, "time without time zone", CG_STORE_TEXT, true},
        {1114, "timestamp without time zone", CG_STORE_TEXT, true},
        {1184, "timestamp with time zone", CG_STORE_TEXT, true},
        {1186, "interval", CG_STORE_TEXT, false},
        {1266, "time with time zone", CG_STORE_TEXT, false},
        {1700, "numeric", CG_STORE_TEXT, false},
        {2950, "uuid", CG_STORE_TEXT, true},
        {3802, "jsonb", CG_STORE_TEXT, true},
};

const cg_type_info *cg_type_lookup(uint32_t oid)
{
	for (size_t i = 0; i < CB_ARRAY_LEN(type_table); i++)
		if (type_table[i].oid == oid)
			return &type_table[i];
	return NULL;
}

cg_storage cg_type_storage(uint32_t oid)
{
	const cg_type_info *ti = cg_type_lookup(oid);
	return ti ? ti->storage : CG_STORE_OPAQUE;
}

const char *cg_type_sqlite_decl(cg_storage s)
{
	return s == CG_STORE_INTEGER ? "INTEGER" : "TEXT";
}

const char *cg_type_storage_name(cg_storage s)
{
	switch (s) {
	case CG_STORE_INTEGER:
		return "integer";
	case CG_STORE_TEXT:
		return "text";
	case CG_STORE_OPAQUE:
		return "opaque text";
	}
	return "?";
}

const cg_type_info *cg_type_table(size_t *n)
{
	*n = CB_ARRAY_LEN(type_table);
	return type_table;
}
