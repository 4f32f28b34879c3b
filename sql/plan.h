/*
 * plan.h - the analysis of one statement shape, as the plan cache keeps it.
 *
 * Functions prefix: sqlfe_plan_
 *
 * sqlfe_plan_build() runs the front end once per plan key: parse (parse.h),
 * subset check and name resolution (subset.h), anchoring (anchor.h) and
 * translation to SQLite (translate.h).  The plan owns copies of everything
 * it needs, so it outlives the statement text; it depends on the schema it
 * was built from (rebuild all plans when the cache group changes).
 *
 * Executing a cacheable plan (done by the hit path, not here): for each
 * probe, each of its values must be complete in the cache (by one of its
 * ways); then the translated SQL runs with binds[i] bound to ?(i+1).  A
 * value comes from the statement's literal, a parameter $n (its text form
 * must be valid for param_types[n]; a client that declared $n with a type
 * sqlfe_subset_param_fits refuses, or other than the T of a cast $n::T in
 * the text (param_casts[n]), gets the backend) or a constant of the plan;
 * sqlfe_plan_bind_value() resolves it, bound as bind_as says:
 *   INT    parsed with sqlfe_types_parse_int for type_oid (failure: backend)
 *   TEXT   as is, when valid UTF-8 (the database encoding is taken to be UTF8)
 *   BOOL   't'/'f' -> 1/0
 *   GLOB   converted with sqlfe_types_like_to_glob (failure: backend)
 *   LIMIT  a non-negative int8 (negative: backend, PostgreSQL errors)
 * A NULL parameter value sends the statement to the backend.  Output rows
 * are rendered with sqlfe_types_render per cols[i].type; the session's
 * TimeZone/DateStyle/IntervalStyle must equal the fill session's when
 * depends has the matching SQLFE_T_* bit.
 *
 * Plans built without a key (pk NULL) take their constants from
 * libpg_query's parse, which assumes standard_conforming_strings on: with
 * it off, send keyless statements to the backend.
 */
#ifndef SQLFE_PLAN_H
#define SQLFE_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/contract.h"
#include "sql/anchor.h"
#include "sql/parse.h"
#include "sql/plankey.h"
#include "sql/schema.h"
#include "sql/subset.h"
#include "sql/types.h"

typedef enum sqlfe_bind_as {
	SQLFE_BIND_INT,
	SQLFE_BIND_TEXT,
	SQLFE_BIND_BOOL,
	SQLFE_BIND_GLOB,
	SQLFE_BIND_LIMIT,
	SQLFE_BIND_ENUM, /* text that must be one of labels (else the backend gives PostgreSQL's error) */
} sqlfe_bind_as;

typedef struct sqlfe_binding {
	sqlfe_value val; /* CONST text owned by the plan */
	sqlfe_bind_as as;
	uint32_t type_oid;   /* PostgreSQL type the value is read as */
	char *const *labels; /* SQLFE_BIND_ENUM: the column's (the schema's, borrowed) */
	int nlabels;
} sqlfe_binding;

typedef struct sqlfe_probe {
	int occ, table, col;
	char table_name[SQLFE_NAME_MAX];
	char col_name[SQLFE_NAME_MAX];
	unsigned ways; /* SQLFE_WAY_* */
	int nvalues;
	sqlfe_binding *values; /* each must be complete */
} sqlfe_probe;

typedef struct sqlfe_outcol {
	char name[SQLFE_NAME_MAX];
	uint32_t table_oid; /* 0 unless a plain column */
	int16_t attnum;     /* 0 unless a plain column */
	uint32_t type_oid;
	int16_t typlen;
	int32_t typmod;
	const pgtype *type; /* how to render */
} sqlfe_outcol;

typedef struct sqlfe_plan_occ {
	int table;
	char refname[SQLFE_NAME_MAX];
	sqlfe_anchor_occ anchor;
} sqlfe_plan_occ;

typedef struct sqlfe_plan {
	bool cacheable;
	char reason[SQLFE_REASON_MAX]; /* why not, when !cacheable */
	char *sql;                     /* SQLite statement */
	int nbinds;
	sqlfe_binding *binds; /* binds[i] -> ?(i+1) */
	int nprobes;
	sqlfe_probe probes[SQLFE_MAX_FROM];
	int nocc;
	sqlfe_plan_occ occ[SQLFE_MAX_FROM];
	int ncols;
	sqlfe_outcol *cols;
	int nparams;
	uint32_t param_types[SQLFE_MAX_PARAMS + 1];
	/* The T of $n::T, 0: not cast (sqlfe_subset_param_declared). */
	uint32_t param_casts[SQLFE_MAX_PARAMS + 1];
	unsigned depends; /* SQLFE_T_* of the output types */
	int nlits;        /* literals of the key */
} sqlfe_plan;

/*
 * Analyse text (NUL-terminated; pk its plan key, or NULL) against s.
 * *out is a new plan, cacheable or with the reason it is not.  Returns
 * false only when out of memory (err says so).  Free with sqlfe_plan_free.
 */
bool sqlfe_plan_build(const char *text, const sqlfe_plankey *pk, const sqlfe_schema *s, sqlfe_plan **out,
                      cb_error *err) CB_MUSTCHECK;
void sqlfe_plan_free(sqlfe_plan *p);

/*
 * Text of a literal or constant value v of the statement text with key pk
 * ('-' prepended when negated), into out like snprintf.  Returns the
 * length; 0 and "" for parameters.
 */
size_t sqlfe_plan_value_text(const sqlfe_value *v, const char *text, const sqlfe_plankey *pk, char *out, size_t cap);

/* A value ready for sqlite3_bind_*. */
typedef struct sqlfe_bound {
	bool is_int;
	int64_t i;
	const char *s; /* !is_int: not NUL-terminated necessarily */
	size_t len;
} sqlfe_bound;

typedef enum sqlfe_bind_status {
	SQLFE_BOUND_OK,
	SQLFE_BOUND_BACKEND, /* NULL, invalid or out of range: PostgreSQL decides (and may raise the error) */
	SQLFE_BOUND_NOSPACE, /* scratch too small: retry with more */
} sqlfe_bind_status;

/* What one execution binds: the statement and its parameter values. */
typedef struct sqlfe_bind_input {
	const char *text;            /* the statement text */
	const sqlfe_plankey *pk;     /* its plan key; NULL when the plan was built without one */
	const char *const *params;   /* params[1..nparams]: text-format values, NULL for SQL NULL */
	const int *param_len;        /* param_len[n]: the length of params[n] */
	const uint32_t *param_types; /* param_types[1..nparams]: the types the client declared (0: none); may be NULL */
	int nparams;
} sqlfe_bind_input;

/*
 * Resolve binding b for one execution (in).  A parameter's text is read
 * as the type the client declared for it (at Parse, or by a cast $n::T in
 * the text; the two differing: backend) when that is another integer type
 * (PostgreSQL reads it so, then compares across the types exactly), or
 * numeric holding an integer; else as the plan's type.  Decoded text goes
 * into scratch (capacity cap, *used advanced); out points into scratch or
 * the input.  Allocates nothing.
 */
sqlfe_bind_status sqlfe_plan_bind_value(const sqlfe_binding *b, const sqlfe_bind_input *in, char *scratch, size_t cap,
                                        size_t *used, sqlfe_bound *out) CB_MUSTCHECK;

#endif /* SQLFE_PLAN_H */
