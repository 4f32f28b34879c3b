/*
 * nativesql.h - the SQL text an ODBC application writes, as PostgreSQL
 * takes it: `?` markers become `$1, $2, ...` and the ODBC escapes
 * ({d '...'}, {t '...'}, {ts '...'}, {fn ...}, {oj ...}, {escape '...'})
 * become plain SQL.  String literals, quoted identifiers, dollar-quoted
 * strings and comments pass through untouched.
 *
 * Functions prefix: nsql_
 *
 * Pure: no handles, no I/O, so the unit tests call it directly.
 */
#ifndef CBO_NATIVESQL_H
#define CBO_NATIVESQL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Translate sql (len bytes).  On success *out is a malloc'd NUL-terminated
 * string and *nmarkers the number of `?` markers replaced.  Returns false
 * only when out of memory.
 */
bool nsql_translate(const char *sql, size_t len, char **out, int *nmarkers);

#endif /* CBO_NATIVESQL_H */
