/*
 * localecheck.h - may the cache order text under the backend database's
 * collation?  Checked at each start, on a sample sorted both ways.
 *
 * Functions prefix: localecheck_
 *
 * A database whose collation is C or POSIX orders text by its bytes, as
 * SQLite does.  One whose collation is a libc locale ("en_US.UTF-8", the
 * usual default) orders it with strcoll: common/pglocale.h does the same
 * here, exact when this machine's C library and locale data are the
 * backend's.  That is not assumed.  localecheck_run sorts a sample on the
 * backend (ORDER BY under the database's default collation) and here, and
 * allows the locale only when the two orders are the same.  The sample is
 * a fixed list of strings that tell locales and C library versions apart
 * (case, accents, punctuation, spaces, digits, several scripts) and the
 * values of the first rows of every text column of the cached tables that
 * orders under the default collation (LOCALECHECK_COLUMN_SAMPLE rows, read
 * without a filter so no table is scanned whole; NULLs and values of 256
 * bytes or more left out).  An ICU database, one not in UTF-8, a locale
 * missing here or a different order: the cache sends such ordering to the
 * backend, as before, and says why.
 */
#ifndef CB_LOCALECHECK_H
#define CB_LOCALECHECK_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "cachegroup/model.h"
#include "common/contract.h"
#include "common/error.h"

/* Rows read from each text column for the sample. */
#define LOCALECHECK_COLUMN_SAMPLE 200

/*
 * Check the collation of pg's database against this machine's for the
 * tables of groups.  True with its name in locale (capacity cap) when the
 * cache may order text under it; false with the reason in why (also for a
 * C database, where no locale is needed, and when the backend cannot be
 * asked).  The fault point "localecheck.sample" (common/fault.h, `fail`)
 * makes this machine's order differ.
 */
CB_MUSTCHECK bool localecheck_run(PGconn *pg, cg_group *const *groups, size_t ngroups, char *locale, size_t cap,
                                  cb_error *why);

#endif /* CB_LOCALECHECK_H */
