/*
 * pglocale.h - text compared as PostgreSQL compares it under a database's
 * libc collation (a language's locale, "en_US.UTF-8"), so the cache may
 * order such text itself.
 *
 * Functions prefix: pglocale_
 *
 * PostgreSQL 15 orders text under a deterministic libc collation with
 * varstr_cmp: strcoll of the two strings in the collation's locale, and
 * where strcoll calls two different strings equal, strcmp decides (so
 * only identical strings are equal, and every sort has one answer).  Sorts
 * use the same comparison: abbreviated keys (strxfrm) are off for libc
 * collations unless PostgreSQL was built with TRUST_STRXFRM.  This module
 * does the same with strcoll_l on a locale_t of its own, so it is exact
 * where the C library and its locale data are the backend's: the same
 * machine, or one with the same glibc and locales.  Whether they are is
 * not assumed: cache/localecheck.h compares a sample sorted here with the
 * backend's sort before the cache orders anything (doc/cache.md, "Text
 * ordering under the database's collation").
 *
 * Only UTF-8 locales are opened (the cache stores UTF-8 text).  A
 * pglocale is immutable once open: any number of threads compare with it.
 */
#ifndef CB_PGLOCALE_H
#define CB_PGLOCALE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/contract.h"
#include "common/error.h"

typedef struct pglocale pglocale;

/*
 * Open the collation of locale name (pg_database.datcollate).  NULL with
 * the cause and the fix in err when this machine has no such locale or it
 * is not UTF-8.
 */
CB_MUSTCHECK pglocale *pglocale_open(const char *name, cb_error *err);
void pglocale_free(pglocale *l);
const char *pglocale_name(const pglocale *l);

/*
 * Compare a[0..alen) with b[0..blen) (no NUL bytes inside) as PostgreSQL's
 * varstr_cmp does under l: negative, 0 (identical bytes only) or positive.
 * *failed is set when memory for the NUL-terminated copies ran out (the
 * answer is then the bytes' order; the caller discards its result).
 */
int pglocale_cmp(const pglocale *l, const char *a, size_t alen, const char *b, size_t blen, bool *failed);

#endif /* CB_PGLOCALE_H */
