/*
 * types.h - the type table: SQLite storage, exact PostgreSQL text output,
 * and which operations may run in SQLite, per PostgreSQL type.
 *
 * Functions prefix: sqlfe_types_
 *
 * A type absent from the table is not cached: a statement that outputs or
 * compares a column of such a type goes to the backend.  Storage rules the
 * cache tables must follow (the fill writes them):
 *   int2/int4/int8   INTEGER
 *   bool             INTEGER 0/1                   -> renders f/t
 *   text/varchar     TEXT (UTF-8, as the backend sent it)
 *   bpchar           TEXT, the backend's padded text output
 *   float4/float8    REAL, or TEXT: the backend's output under
 *                    extra_float_digits 1 (the shortest exact form; the fill
 *                    stores this, and NaN, Infinity, -0 can only be kept so).
 *                    sqlfe_types_render answers SQLFE_RENDER_INEXACT for
 *                    TEXT; the hit path (src/hitpath.c) sends such text as is
 *                    when the session's extra_float_digits is positive
 *                    (PostgreSQL prints the same) and reformats it otherwise.
 *                    Ordering and comparisons never run in SQLite.
 *   numeric, date, timestamp, timestamptz, time, uuid, interval
 *                    TEXT, the backend's text output (timestamptz and
 *                    date/timestamp under the fill session's TimeZone and
 *                    DateStyle: the hit path must check the session matches)
 * Operations allowed in SQLite (all others send the statement to the
 * backend):
 *   = <> IN         integers, bool, text/varchar (bytewise equality is
 *                   PostgreSQL's for deterministic collations)
 *   < <= > >= BETWEEN ORDER BY min max
 *                   integers; text/varchar only when the backend collation
 *                   is C (schema flag).  numeric, floats (NaN, -0), dates
 *                   and timestamps (BC, infinity, DateStyle) never.
 *   LIKE            text/varchar, translated to GLOB (case-sensitive) with
 *                   the pattern converted at bind time
 *   sum             int2/int4 (result int8); count anything.
 * NULL ordering: PostgreSQL puts NULLs last for ASC and first for DESC;
 * SQLite the opposite, so every ORDER BY term is translated with explicit
 * NULLS FIRST/LAST (SQLite >= 3.30).
 */
#ifndef SQLFE_TYPES_H
#define SQLFE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/contract.h"

/* PostgreSQL type OIDs the front end names. */
#define SQLFE_OID_BOOL 16
#define SQLFE_OID_INT8 20
#define SQLFE_OID_INT2 21
#define SQLFE_OID_INT4 23
#define SQLFE_OID_TEXT 25
#define SQLFE_OID_FLOAT4 700
#define SQLFE_OID_FLOAT8 701
#define SQLFE_OID_BPCHAR 1042
#define SQLFE_OID_VARCHAR 1043
#define SQLFE_OID_DATE 1082
#define SQLFE_OID_TIME 1083
#define SQLFE_OID_TIMESTAMP 1114
#define SQLFE_OID_TIMESTAMPTZ 1184
#define SQLFE_OID_INTERVAL 1186
#define SQLFE_OID_NUMERIC 1700
#define SQLFE_OID_UUID 2950

/* Operation flags of a type. */
#define SQLFE_OPS_EQ 0x01          /* = <> IN in SQLite */
#define SQLFE_OPS_ORDER 0x02       /* < <= > >= BETWEEN ORDER BY min max */
#define SQLFE_OPS_ORDER_IF_C 0x04  /* ordering only under the C collation */
#define SQLFE_OPS_LIKE 0x08        /* LIKE as GLOB */
#define SQLFE_OPS_SUM 0x10         /* sum() yields int8 */
#define SQLFE_T_TIMEZONE 0x20      /* text output depends on the session TimeZone */
#define SQLFE_T_DATESTYLE 0x40     /* text output depends on the session DateStyle */
#define SQLFE_T_INTERVALSTYLE 0x80 /* text output depends on IntervalStyle */

typedef enum sqlfe_storage {
	SQLFE_ST_INTEGER,
	SQLFE_ST_REAL,
	SQLFE_ST_TEXT,
} sqlfe_storage;

typedef enum sqlfe_family {
	SQLFE_FAM_INT,    /* int2 int4 int8 */
	SQLFE_FAM_BOOL,   /* bool */
	SQLFE_FAM_TEXT,   /* text varchar */
	SQLFE_FAM_FLOAT,  /* float4 float8 */
	SQLFE_FAM_OPAQUE, /* stored as the backend's text, only output */
} sqlfe_family;

typedef struct sqlfe_type {
	uint32_t oid;
	const char *name;
	int16_t typlen; /* pg_type.typlen, for RowDescription */
	sqlfe_storage storage;
	sqlfe_family family;
	unsigned ops;
} sqlfe_type;

/* The table row of a type OID, or NULL when the type is not cached. */
const sqlfe_type *sqlfe_types_lookup(uint32_t oid);

/* May SQLite evaluate ordering comparisons on this type? */
bool sqlfe_types_can_order(const sqlfe_type *t, bool collation_c);

/* A value read from SQLite (sqlite3_column_type and friends). */
typedef enum sqlfe_vkind {
	SQLFE_V_NULL,
	SQLFE_V_INT,
	SQLFE_V_REAL,
	SQLFE_V_TEXT,
} sqlfe_vkind;

typedef struct sqlfe_sqlval {
	sqlfe_vkind kind;
	int64_t i;
	double d;
	const char *s; /* SQLFE_V_TEXT: not NUL-terminated necessarily */
	size_t len;
} sqlfe_sqlval;

/* Results of sqlfe_types_render besides a length. */
#define SQLFE_RENDER_NULL (-1)    /* SQL NULL: send length -1 */
#define SQLFE_RENDER_INEXACT (-2) /* stored value cannot be rendered exactly: answer from the backend */

/*
 * Render v as PostgreSQL's text output of type t into out (capacity cap,
 * NUL-terminated when it fits).  extra_float_digits is the session's
 * setting (PostgreSQL 15 default 1).  Returns the output length (a value
 * >= cap means out was too small: retry with a larger buffer), or
 * SQLFE_RENDER_NULL or SQLFE_RENDER_INEXACT.  64 bytes always hold a
 * number.
 */
long sqlfe_types_render(const sqlfe_type *t, const sqlfe_sqlval *v, int extra_float_digits, char *out, size_t cap);

/* The decimal text of v (PostgreSQL's int8out), NUL-terminated; returns its length. */
size_t sqlfe_types_format_int(int64_t v, char out[21]);

/*
 * PostgreSQL float8out / float4out of d under extra_float_digits; returns
 * the length, or 0 when the shortest form is uncertain: PostgreSQL's Ryu
 * may or may not accept a decimal lying exactly on a rounding boundary
 * (1e23 is one); the caller then answers from the backend.
 */
size_t sqlfe_types_format_float8(double d, int extra_float_digits, char *out, size_t cap);
size_t sqlfe_types_format_float4(float f, int extra_float_digits, char *out, size_t cap);

/*
 * Convert a LIKE pattern (escape character backslash, PostgreSQL's
 * default) into an equivalent SQLite GLOB pattern.  Returns false when the
 * pattern ends in the escape character (PostgreSQL raises an error: answer
 * from the backend) or out (capacity cap, 3 * len + 1 always suffices) is
 * too small.
 */
bool sqlfe_types_like_to_glob(const char *pat, size_t len, char *out, size_t cap, size_t *outlen) CB_MUSTCHECK;

/*
 * Parse the text form of an integer value for type t (int2/int4/int8) the
 * way the cache may use it: optional '-', digits, in range.  Anything
 * PostgreSQL might read differently (spaces, '+', overflow) returns false:
 * answer from the backend.
 */
bool sqlfe_types_parse_int(const sqlfe_type *t, const char *s, size_t len, int64_t *out) CB_MUSTCHECK;

#endif /* SQLFE_TYPES_H */
