/*
 * verify.h - the invariant checker: the cache against the backend.
 *
 * Functions prefix: verify_
 *
 * Reads the cache in one SQLite read transaction and the backend in one
 * REPEATABLE READ snapshot, and checks for every cache group:
 *  - every control value v of fill T.c: the cached rows of T with c = v
 *    are exactly the backend's rows of T with c = v;
 *  - every RCC S.a -> T.b and every value v present in cached S.a: the
 *    cached rows of T with b = v are exactly the backend's;
 *  - every complete table: the cached rows are exactly the backend's.
 * A violation is a missing row (in the backend, not cached), an extra row
 * (cached, not in the backend) or a different row (same primary key,
 * other values).  Pure library code: the daemon's VERIFY, the
 * cbcache-verify tool and the tests call it.
 */
#ifndef CB_VERIFY_H
#define CB_VERIFY_H

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>

#include "cache/cachedb.h"

typedef struct verify_violation {
	const char *group;
	const char *constraint; /* "control regisseur.id", "rcc film.id -> darst_film.fid", "complete genre" */
	const char *value;      /* the value (NULL for a complete table) */
	const char *what;       /* "missing row", "extra row", "different row" */
	const char *row;        /* the row: the backend's for missing/different, the cache's for extra */
	const char *cached;     /* for a different row: the cache's version, else NULL */
} verify_violation;

typedef void (*verify_report_fn)(void *arg, const verify_violation *v);

/* Print a violation as one line (a verify_report_fn; arg is a FILE *). */
void verify_print(void *out, const verify_violation *v);

/*
 * Check the cache (a connection to the cache file: not inside a
 * transaction) against the backend (a connection with the cache's session
 * settings: cachedb_backend_connect()).  Reports each violation to fn
 * (may be NULL).  Returns the number of violations, or -1 with err set
 * when the check could not run.
 */
long verify_run(cg_group *const *groups, size_t ngroups, sqlite3 *cache, PGconn *backend, verify_report_fn fn,
                void *arg, cb_error *err);

#endif /* CB_VERIFY_H */
