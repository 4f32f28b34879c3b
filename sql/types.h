/*
 * types.h - PostgreSQL-exact text output of cached values, and the
 * conversions the front end applies to statement values.
 *
 * Functions prefix: sqlfe_types_
 *
 * The type table itself (storage, which operations SQLite may evaluate,
 * which settings change the output) is common/pgtype.h, the one table the
 * cache-group compiler, the cache and the front end share; this module
 * prints a stored value as PostgreSQL 15 prints the row's type.
 *
 * Floats are stored as the backend's text under extra_float_digits 1 (the
 * shortest exact form; NaN, Infinity, -0 can only be kept so).
 * sqlfe_types_render answers SQLFE_RENDER_INEXACT for such text; the hit
 * path (hit/render.c) sends it as is when the session's
 * extra_float_digits is positive (PostgreSQL prints the same) and
 * reformats it otherwise.  NULL ordering: PostgreSQL puts NULLs last for
 * ASC and first for DESC; SQLite the opposite, so every ORDER BY term is
 * translated with explicit NULLS FIRST/LAST (SQLite >= 3.30).
 */
#ifndef SQLFE_TYPES_H
#define SQLFE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/contract.h"
#include "common/pgtype.h"

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
long sqlfe_types_render(const pgtype *t, const sqlfe_sqlval *v, int extra_float_digits, char *out, size_t cap);

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
bool sqlfe_types_parse_int(const pgtype *t, const char *s, size_t len, int64_t *out) CB_MUSTCHECK;

#endif /* SQLFE_TYPES_H */
