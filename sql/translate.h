/*
 * translate.h - SQLite SQL for a cacheable statement, and its output
 * columns' PostgreSQL types.
 *
 * Functions prefix: sqlfe_translate_
 *
 * The statement runs on the cache tables (same table and column names,
 * identifiers double-quoted, every table aliased by its reference name);
 * INNER JOIN ... ON becomes a comma join with the ON conditions in WHERE;
 * every value is a ?N parameter bound in order (plan.h says how); ORDER BY
 * terms get PostgreSQL's NULL placement spelled out, and a date, timestamp
 * or timestamptz term is ordered by SQLFE_TIME_KEY_FUNCTION of its stored
 * text, and its min/max are SQLFE_TIME_MIN/MAX_FUNCTION (common/pgtime.h);
 * a numeric term, and the argument of its min/max, is compared under the
 * collation SQLFE_NUMERIC_COLLATION (common/pgnumeric.h); a text term
 * ordered under the database's locale (an ORDER BY term, an ordering
 * comparison, the argument of min/max) gets SQLFE_LOCALE_COLLATION
 * (common/pglocale.h); whoever runs the SQL registers them, as hit/reader.c does; LIKE becomes GLOB;
 * OFFSET without LIMIT becomes LIMIT -1 OFFSET.  The output columns carry
 * what RowDescription needs.
 */
#ifndef SQLFE_TRANSLATE_H
#define SQLFE_TRANSLATE_H

#include <stdbool.h>

#include "common/contract.h"
#include "sql/plan.h"

/* The SQLite function of one TEXT argument that translated ORDER BY calls: pgtime_sort_key, NULL for NULL. */
#define SQLFE_TIME_KEY_FUNCTION "cb_time_key"
/* The SQLite aggregates min() and max() of a date or time become: the stored text of the least/greatest key. */
#define SQLFE_TIME_MIN_FUNCTION "cb_time_min"
#define SQLFE_TIME_MAX_FUNCTION "cb_time_max"
/* The SQLite collation of numeric text: pgnumeric_cmp. */
#define SQLFE_NUMERIC_COLLATION "cb_numeric"
/* The SQLite collation of text under the database's locale (sqlfe_schema.collation_locale): pglocale_cmp. */
#define SQLFE_LOCALE_COLLATION "cb_locale"

/*
 * Fill plan->sql, binds, cols and depends from the resolved statement.
 * Returns false when out of memory (err says so); a construct it cannot
 * translate exactly sets st to BACKEND (and returns true).
 */
bool sqlfe_translate(sqlfe_stmt *st, const sqlfe_schema *s, const sqlfe_resolved *res, sqlfe_plan *plan,
                     cb_error *err) CB_MUSTCHECK;

#endif /* SQLFE_TRANSLATE_H */
