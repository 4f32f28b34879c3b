/*
 * pgtype.h - the type table: one row per PostgreSQL type, saying how the
 * cache stores it in SQLite, how it is printed back and which operations
 * SQLite may evaluate on it.
 *
 * Functions prefix: pgtype_
 *
 * The ONE type table of cbcache: the cache-group compiler (storage of
 * each cached column, which columns may be fill columns or RCC ends), the
 * cache (binding fetched values), the SQL front end (what may be compared,
 * ordered, summed) and the hit path (rendering) all read these rows, so
 * they cannot disagree (issue: a boolean stored as text by one and
 * compared as an integer by the other answered 0 rows).  Every enum type
 * shares one row (pgtype_enum: its labels are the column's, read from
 * pg_enum by the compiler).  A type without a row (arrays, ranges,
 * composites, geometric, user-defined, ...) is kept as opaque text: the cache stores and returns it only through a
 * statement the backend answers, never evaluates it.  Domains use their
 * base type's row.  Pure data and libc: it lives in common/ because both
 * cachegroup/ and sql/ read it.
 *
 * Storage (what the fill writes; the cache-group generator declares the
 * SQLite column so):
 *   int2 int4 int8 oid  INTEGER
 *   bool                INTEGER 0/1 (the backend's 't'/'f'); renders f/t
 *   everything else     TEXT, the backend's text output under the fill
 *                       session's settings (DateStyle ISO, IntervalStyle
 *                       postgres, extra_float_digits 1, bytea_output hex,
 *                       the fill session's TimeZone).  Floats therefore are
 *                       their shortest exact form; NaN, Infinity and -0 can
 *                       only be kept so.
 * Operations allowed in SQLite (all others send the statement to the
 * backend):
 *   = <> IN         integers, bool, text/varchar (bytewise equality is
 *                   PostgreSQL's for deterministic collations)
 *   < <= > >= BETWEEN ORDER BY min max
 *                   integers; text/varchar only when the column's
 *                   collation is C (the database's default being C, or
 *                   COLLATE "C"/"POSIX"; not an ICU or language collation).
 *                   numeric, floats (NaN, -0), dates and timestamps (BC,
 *                   infinity, DateStyle) never.
 *   LIKE            text/varchar, translated to GLOB (case-sensitive)
 *   sum             int2/int4 (result int8); count anything.
 * Output: a type with PGTYPE_RENDER is printed by the hit path exactly as
 * PostgreSQL 15 prints it (sql/types.h); the PGTYPE_T_* bits say which
 * session setting changes its text (the hit path compares the session's
 * with the fill session's).  PGTYPE_SEND: the hit path also writes its
 * binary format (integers, bool, floats, the text types); a binary result
 * of any other type is asked of the backend.
 */
#ifndef CB_PGTYPE_H
#define CB_PGTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/contract.h"

/* PostgreSQL type OIDs cbcache names (pg_type.dat; stable across versions). */
#define PGTYPE_OID_BOOL 16
#define PGTYPE_OID_BYTEA 17
#define PGTYPE_OID_INT8 20
#define PGTYPE_OID_INT2 21
#define PGTYPE_OID_INT4 23
#define PGTYPE_OID_TEXT 25
#define PGTYPE_OID_OID 26
#define PGTYPE_OID_FLOAT4 700
#define PGTYPE_OID_FLOAT8 701
#define PGTYPE_OID_UNKNOWN 705 /* no row: a parameter declared so is typed by PostgreSQL, as one not declared */
#define PGTYPE_OID_BPCHAR 1042
#define PGTYPE_OID_VARCHAR 1043
#define PGTYPE_OID_DATE 1082
#define PGTYPE_OID_TIME 1083
#define PGTYPE_OID_TIMESTAMP 1114
#define PGTYPE_OID_TIMESTAMPTZ 1184
#define PGTYPE_OID_INTERVAL 1186
#define PGTYPE_OID_NUMERIC 1700
#define PGTYPE_OID_UUID 2950

/* How values are kept in SQLite. */
typedef enum pgtype_storage {
	PGTYPE_ST_INTEGER, /* SQLite INTEGER: the backend's integer */
	PGTYPE_ST_BOOL,    /* SQLite INTEGER 0/1: the backend's f/t */
	PGTYPE_ST_TEXT,    /* SQLite TEXT: the backend's text output */
	PGTYPE_ST_OPAQUE   /* SQLite TEXT, a type without a row: never evaluated */
} pgtype_storage;

/* How a stored value is printed. */
typedef enum pgtype_family {
	PGTYPE_FAM_INT,   /* int2 int4 int8 */
	PGTYPE_FAM_BOOL,  /* bool */
	PGTYPE_FAM_TEXT,  /* text varchar */
	PGTYPE_FAM_FLOAT, /* float4 float8 */
	PGTYPE_FAM_OPAQUE /* the stored text is the output */
} pgtype_family;

/* Operation and output flags of a type. */
#define PGTYPE_OPS_EQ 0x01           /* = <> IN in SQLite */
#define PGTYPE_OPS_ORDER 0x02        /* < <= > >= BETWEEN ORDER BY min max */
#define PGTYPE_OPS_ORDER_IF_C 0x04   /* ordering only under the C collation */
#define PGTYPE_OPS_LIKE 0x08         /* LIKE as GLOB */
#define PGTYPE_OPS_SUM 0x10          /* sum() yields int8 */
#define PGTYPE_T_TIMEZONE 0x20       /* text output depends on the session TimeZone */
#define PGTYPE_T_DATESTYLE 0x40      /* text output depends on the session DateStyle */
#define PGTYPE_T_INTERVALSTYLE 0x80  /* text output depends on IntervalStyle */
#define PGTYPE_RENDER 0x100          /* the hit path prints it exactly */
#define PGTYPE_EXACT_EQ 0x200        /* equal values have equal stored forms: may be a fill column or RCC end */
#define PGTYPE_SEND 0x400            /* the hit path also sends PostgreSQL's binary format (hit/render.c) */
#define PGTYPE_OPS_TIME_KEY 0x800    /* ORDER BY, min, max through the time key of the stored text (common/pgtime.h) */
#define PGTYPE_OPS_NUM_ORDER 0x1000  /* ORDER BY (min, max at a fixed scale) in numeric order (common/pgnumeric.h) */
#define PGTYPE_OPS_ENUM_ORDER 0x2000 /* ORDER BY in the labels' sort order (pgtype_enum) */

typedef struct pgtype {
	uint32_t oid;
	const char *name;    /* pg_type.typname: "int4" */
	const char *display; /* format_type(): "integer" */
	int16_t typlen;      /* pg_type.typlen, for RowDescription */
	pgtype_storage storage;
	pgtype_family family;
	unsigned flags; /* PGTYPE_OPS_*, PGTYPE_T_*, PGTYPE_RENDER, PGTYPE_EXACT_EQ, PGTYPE_SEND */
} pgtype;

/* The row of base type oid, or NULL (a type kept as opaque text). */
const pgtype *pgtype_lookup(uint32_t oid);
/* The row whose pg_type.typname is name ("int4", never "integer"), or NULL. */
const pgtype *pgtype_lookup_name(const char *name);
/* The row of oid when the hit path renders the type exactly, else NULL. */
const pgtype *pgtype_output(uint32_t oid);
/* The storage of base type oid. */
pgtype_storage pgtype_storage_of(uint32_t oid);
/* "INTEGER" or "TEXT": the SQLite column type of a storage class. */
const char *pgtype_sqlite_decl(pgtype_storage s);
/* "integer", "boolean", "text", "opaque text" for display. */
const char *pgtype_storage_name(pgtype_storage s);
/*
 * The row of every enum type (its OID is the column's, not this row's 0):
 * stored as its label, printed as stored (the text and the binary form are
 * the label), = <> IN with a label, ORDER BY in the labels' sort order; not
 * an entry point.  The labels are the column's (sql/schema.h).
 */
const pgtype *pgtype_enum(void);
/* May SQLite evaluate ordering comparisons on values of t? */
bool pgtype_can_order(const pgtype *t, bool collation_c);
/* The whole table (for documentation and the check report). */
const pgtype *pgtype_table(size_t *n);

/* A boolean read as PostgreSQL's boolin reads it (t, true, yes, on, 1 and their
 * opposites, any case, unique prefixes, surrounding whitespace) as 1/0; false
 * when PostgreSQL would refuse it. */
bool pgtype_parse_bool(const char *text, int *out) CB_MUSTCHECK;
bool pgtype_parse_bool_n(const char *text, size_t len, int *out) CB_MUSTCHECK;

#endif /* CB_PGTYPE_H */
