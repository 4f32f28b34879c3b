/*
 * subset.h - is a parsed SELECT inside the cacheable subset?  Name
 * resolution and type rules.
 *
 * Functions prefix: sqlfe_subset_
 *
 * sqlfe_subset_check() resolves every table and column reference of a
 * parsed statement against the schema (aliases, unqualified columns;
 * unknown or ambiguous names go to the backend, which reports the error),
 * and checks every comparison, LIKE, ordering and aggregate against the
 * type table (types.h): only what SQLite evaluates exactly as PostgreSQL
 * stays.  It fills each expression's occ/col and the resolved occurrences,
 * or turns the statement into BACKEND with a reason.
 */
#ifndef SQLFE_SUBSET_H
#define SQLFE_SUBSET_H

#include <stdbool.h>
#include <stdint.h>

#include "common/contract.h"
#include "sql/parse.h"
#include "sql/schema.h"

#define SQLFE_MAX_PARAMS 64

/* One table occurrence of the FROM list. */
typedef struct sqlfe_occ {
	int table;           /* index in the schema */
	const char *refname; /* alias, or the table name */
} sqlfe_occ;

typedef struct sqlfe_resolved {
	int nocc;
	sqlfe_occ occ[SQLFE_MAX_FROM];
	/* Type each $n must have (0: unused); PostgreSQL infers it from the column. */
	int nparams;
	uint32_t param_type[SQLFE_MAX_PARAMS + 1];
	/* The T of $n::T (0: not cast); a cast $n is cast to T wherever it is used. */
	uint32_t param_cast[SQLFE_MAX_PARAMS + 1];
	bool has_agg;
} sqlfe_resolved;

/*
 * Resolve and check st (kind SELECT) against schema s into res.  Returns
 * true when the statement stays in the subset; otherwise st becomes
 * BACKEND with the reason and false is returned.
 */
bool sqlfe_subset_check(sqlfe_stmt *st, const sqlfe_schema *s, sqlfe_resolved *res);

/*
 * Whether a parameter compared as type plan_type (param_type[n]) may be
 * declared as type declared (at Parse, or by a cast $n::T in the text; 0
 * and unknown: not declared): the same type, integers of another width,
 * numeric for int2/int4, text and varchar for each other.  Anything else
 * is answered by the backend.
 */
bool sqlfe_subset_param_fits(uint32_t plan_type, uint32_t declared);

/*
 * The type $n is read as (*out) from the type Parse declared it with
 * (declared; 0 and unknown: none) and the type the text casts it to (cast,
 * param_cast[n]; 0: none).  PostgreSQL infers T for $n::T when Parse left
 * $n open; false when both are given and differ (PostgreSQL then converts
 * the value, the cache does not: the backend answers).
 */
bool sqlfe_subset_param_declared(uint32_t cast, uint32_t declared, uint32_t *out) CB_MUSTCHECK;

/* The schema column of a resolved column expression. */
const sqlfe_column *sqlfe_subset_column(const sqlfe_schema *s, const sqlfe_resolved *res, const sqlfe_expr *e);

#endif /* SQLFE_SUBSET_H */
