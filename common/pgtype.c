/*
 * pgtype.c - the type table (see pgtype.h).
 *
 * Functions prefix: pgtype_
 */
#include "common/pgtype.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define EQ PGTYPE_OPS_EQ
#define ORD PGTYPE_OPS_ORDER
#define ORDC PGTYPE_OPS_ORDER_IF_C
#define LIKE PGTYPE_OPS_LIKE
#define SUM PGTYPE_OPS_SUM
#define OUT PGTYPE_RENDER
#define EXACT PGTYPE_EXACT_EQ
#define SEND PGTYPE_SEND
#define TKEY PGTYPE_OPS_TIME_KEY
#define NORD PGTYPE_OPS_NUM_ORDER

static const pgtype type_table[] = {
        {PGTYPE_OID_BOOL, "bool", "boolean", 1, PGTYPE_ST_BOOL, PGTYPE_FAM_BOOL, EQ | OUT | EXACT | SEND},
        {PGTYPE_OID_BYTEA, "bytea", "bytea", -1, PGTYPE_ST_TEXT, PGTYPE_FAM_OPAQUE, EXACT}, /* hex; bytea_output */
        {18, "char", "\"char\"", 1, PGTYPE_ST_TEXT, PGTYPE_FAM_OPAQUE, EXACT},
        {19, "name", "name", 64, PGTYPE_ST_TEXT, PGTYPE_FAM_OPAQUE, EXACT},
        {PGTYPE_OID_INT8, "int8", "bigint", 8, PGTYPE_ST_INTEGER, PGTYPE_FAM_INT, EQ | ORD | OUT | EXACT | SEND},
        {PGTYPE_OID_INT2, "int2", "smallint", 2, PGTYPE_ST_INTEGER, PGTYPE_FAM_INT,
         EQ | ORD | SUM | OUT | EXACT | SEND},
        {PGTYPE_OID_INT4, "int4", "integer", 4, PGTYPE_ST_INTEGER, PGTYPE_FAM_INT, EQ | ORD | SUM | OUT | EXACT | SEND},
        {PGTYPE_OID_TEXT, "text", "text", -1, PGTYPE_ST_TEXT, PGTYPE_FAM_TEXT, EQ | ORDC | LIKE | OUT | EXACT | SEND},
        {PGTYPE_OID_OID, "oid", "oid", 4, PGTYPE_ST_INTEGER, PGTYPE_FAM_OPAQUE, EXACT},
        {114, "json", "json", -1, PGTYPE_ST_TEXT, PGTYPE_FAM_OPAQUE, 0},
        {PGTYPE_OID_FLOAT4, "float4", "real", 4, PGTYPE_ST_TEXT, PGTYPE_FAM_FLOAT, OUT | SEND},
        {PGTYPE_OID_FLOAT8, "float8", "double precision", 8, PGTYPE_ST_TEXT, PGTYPE_FAM_FLOAT, OUT | SEND},
        {PGTYPE_OID_BPCHAR, "bpchar", "character", -1, PGTYPE_ST_TEXT, PGTYPE_FAM_OPAQUE, OUT | EXACT | SEND},
        {PGTYPE_OID_VARCHAR, "varchar", "character varying", -1, PGTYPE_ST_TEXT, PGTYPE_FAM_TEXT,
         EQ | ORDC | LIKE | OUT | EXACT | SEND},
        {PGTYPE_OID_DATE, "date", "date", 4, PGTYPE_ST_TEXT, PGTYPE_FAM_OPAQUE,
         PGTYPE_T_DATESTYLE | TKEY | OUT | EXACT},
        {PGTYPE_OID_TIME, "time", "time without time zone", 8, PGTYPE_ST_TEXT, PGTYPE_FAM_OPAQUE,
         PGTYPE_T_DATESTYLE | OUT | EXACT},
        {PGTYPE_OID_TIMESTAMP, "timestamp", "timestamp without time zone", 8, PGTYPE_ST_TEXT, PGTYPE_FAM_OPAQUE,
         PGTYPE_T_DATESTYLE | TKEY | OUT | EXACT},
        {PGTYPE_OID_TIMESTAMPTZ, "timestamptz", "timestamp with time zone", 8, PGTYPE_ST_TEXT, PGTYPE_FAM_OPAQUE,
         PGTYPE_T_DATESTYLE | PGTYPE_T_TIMEZONE | TKEY | OUT | EXACT},
        {PGTYPE_OID_INTERVAL, "interval", "interval", 16, PGTYPE_ST_TEXT, PGTYPE_FAM_OPAQUE,
         PGTYPE_T_INTERVALSTYLE | OUT},
        {1266, "timetz", "time with time zone", 12, PGTYPE_ST_TEXT, PGTYPE_FAM_OPAQUE, 0},
        {PGTYPE_OID_NUMERIC, "numeric", "numeric", -1, PGTYPE_ST_TEXT, PGTYPE_FAM_OPAQUE, NORD | OUT},
        {PGTYPE_OID_UUID, "uuid", "uuid", 16, PGTYPE_ST_TEXT, PGTYPE_FAM_OPAQUE, OUT | EXACT},
        {3802, "jsonb", "jsonb", -1, PGTYPE_ST_TEXT, PGTYPE_FAM_OPAQUE, EXACT},
};

static const pgtype enum_row = {
        0, "enum", "enum", 4, PGTYPE_ST_TEXT, PGTYPE_FAM_OPAQUE, EQ | OUT | PGTYPE_OPS_ENUM_ORDER};

const pgtype *pgtype_enum(void)
{
	return &enum_row;
}

const pgtype *pgtype_lookup(uint32_t oid)
{
	for (size_t i = 0; i < CB_ARRAY_LEN(type_table); i++)
		if (type_table[i].oid == oid)
			return &type_table[i];
	return NULL;
}

const pgtype *pgtype_lookup_name(const char *name)
{
	for (size_t i = 0; i < CB_ARRAY_LEN(type_table); i++)
		if (strcmp(type_table[i].name, name) == 0)
			return &type_table[i];
	return NULL;
}

const pgtype *pgtype_output(uint32_t oid)
{
	const pgtype *t = pgtype_lookup(oid);
	return t != NULL && (t->flags & PGTYPE_RENDER) ? t : NULL;
}

pgtype_storage pgtype_storage_of(uint32_t oid)
{
	const pgtype *t = pgtype_lookup(oid);
	return t ? t->storage : PGTYPE_ST_OPAQUE;
}

const char *pgtype_sqlite_decl(pgtype_storage s)
{
	return s == PGTYPE_ST_INTEGER || s == PGTYPE_ST_BOOL ? "INTEGER" : "TEXT";
}

const char *pgtype_storage_name(pgtype_storage s)
{
	switch (s) {
	case PGTYPE_ST_INTEGER:
		return "integer";
	case PGTYPE_ST_BOOL:
		return "boolean (0/1)";
	case PGTYPE_ST_TEXT:
		return "text";
	case PGTYPE_ST_OPAQUE:
		return "opaque text";
	}
	return "?";
}

bool pgtype_can_order(const pgtype *t, bool collation_c)
{
	if (t->flags & PGTYPE_OPS_ORDER)
		return true;
	return (t->flags & PGTYPE_OPS_ORDER_IF_C) && collation_c;
}

const pgtype *pgtype_table(size_t *n)
{
	*n = CB_ARRAY_LEN(type_table);
	return type_table;
}

/* Whether s[0..n) is a prefix of word (case-insensitive), at least min bytes long. */
static bool prefix_of(const char *s, size_t n, const char *word, size_t min)
{
	return n >= min && n <= strlen(word) && strncasecmp(s, word, n) == 0;
}

bool pgtype_parse_bool_n(const char *text, size_t len, int *out)
{
	/* PostgreSQL's boolin: surrounding whitespace, any case, unique prefixes */
	while (len > 0 && isspace((unsigned char)*text)) {
		text++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	if (len == 0)
		return false;
	int v = -1;
	switch (*text | 0x20) {
	case 't':
		v = prefix_of(text, len, "true", 1) ? 1 : -1;
		break;
	case 'f':
		v = prefix_of(text, len, "false", 1) ? 0 : -1;
		break;
	case 'y':
		v = prefix_of(text, len, "yes", 1) ? 1 : -1;
		break;
	case 'n':
		v = prefix_of(text, len, "no", 1) ? 0 : -1;
		break;
	case 'o': /* "on" and "off" need two letters to differ */
		v = prefix_of(text, len, "on", 2) ? 1 : prefix_of(text, len, "off", 2) ? 0 : -1;
		break;
	case '1':
		v = len == 1 ? 1 : -1;
		break;
	case '0':
		v = len == 1 ? 0 : -1;
		break;
	default:
		break;
	}
	if (v < 0)
		return false;
	*out = v;
	return true;
}

bool pgtype_parse_bool(const char *text, int *out)
{
	return pgtype_parse_bool_n(text, strlen(text), out);
}
