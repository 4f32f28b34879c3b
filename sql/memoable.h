/*
 * memoable.h - whether the backend's answer to a statement may be kept and
 * given again while no table it read has changed (the memo of backend
 * answers, doc/cache.md "The memo of backend answers").
 *
 * Functions prefix: sqlfe_memoable_
 *
 * DESIGN
 *
 * An answer may be given again when it is a function of the rows of the
 * tables it read, the statement's text and values, and the session's
 * settings and role (the caller keys on those) and of nothing else: not
 * the clock, not the session, not a table the change stream does not
 * carry.  The statement is parsed (libpg_query) and every node of its
 * tree must be one this judge knows to be such (anything else, even valid
 * SQL, says no):
 *
 *  - exactly one SELECT (set operations, subqueries, non-recursive WITH,
 *    joins, grouping, windows, ordering, LIMIT): no INTO, no FOR
 *    UPDATE/SHARE, no functions in FROM, no TABLESAMPLE;
 *  - every relation a cache table (ctx), named as the cache group names it
 *    (unqualified, or with its schema), or a WITH query in scope; a table
 *    with inheritance children only with ONLY;
 *  - every function call (by its last name; a qualifier only pg_catalog)
 *    in ctx's safe list: built-in, not volatile, no overload of the name
 *    outside pg_catalog, none that reads the clock, the session or the
 *    catalog (the loader, cache/reach.c, says which);
 *  - every operator in ctx's safe operator list (the same rule, by name);
 *  - no column reference any of whose names is a function's outside the
 *    safe list (t.f is f(t) in PostgreSQL when t has no column f), nor a
 *    system column that VACUUM FULL or CLUSTER changes (ctid, xmin, ...);
 *  - casts only to built-in types of a fixed list; to a date or time type
 *    only of a constant or a parameter;
 *  - no SQL value function (CURRENT_DATE, CURRENT_USER, ...);
 *  - no string constant that date and time input reads as the clock
 *    ("now", "today", "tomorrow", "yesterday": any of those words in any
 *    case, anywhere in it).  Parameter values are checked by the caller
 *    with sqlfe_memoable_value_ok.
 */
#ifndef SQLFE_MEMOABLE_H
#define SQLFE_MEMOABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sql/stmtclass.h"

/* A cache table as the judge needs it. */
typedef struct sqlfe_memoable_table {
	const char *schema; /* the backend's schema */
	const char *name;   /* its name */
	bool has_children;  /* inheritance children: answers read them too (only ONLY t is memoable) */
} sqlfe_memoable_table;

typedef struct sqlfe_memoable_ctx {
	size_t ngroups;
	size_t ntables[SQLFE_STMTCLASS_MAX_GROUPS];
	const sqlfe_memoable_table *tables[SQLFE_STMTCLASS_MAX_GROUPS];
	const char *const *safe_funcs; /* sorted by strcmp */
	size_t nsafe_funcs;
	const char *const *other_funcs; /* every other function name, sorted by strcmp */
	size_t nother_funcs;
	const char *const *safe_ops; /* sorted by strcmp */
	size_t nsafe_ops;
} sqlfe_memoable_ctx;

typedef struct sqlfe_memoable_result {
	bool ok;                                     /* the answer may be kept */
	const char *why;                             /* !ok: a static reason */
	uint64_t tables[SQLFE_STMTCLASS_MAX_GROUPS]; /* ok: the cache tables it reads, per group */
} sqlfe_memoable_result;

/* Judge text[0, len) (need not end in NUL) in ctx; false only when out of memory. */
bool sqlfe_memoable_judge(const char *text, size_t len, const sqlfe_memoable_ctx *ctx, sqlfe_memoable_result *out);

/* Whether a parameter value (text) is free of the words date and time input reads as the clock. */
bool sqlfe_memoable_value_ok(const char *v, size_t len);

#endif /* SQLFE_MEMOABLE_H */
