/*
 * reader.h - one thread's read-only connection to the cache file.
 *
 * Functions prefix: reader_
 *
 * The read side opens the cache file itself (it never links cache/, which
 * writes it): read-only, in the WAL mode the writer set, so any number of
 * readers in any process see committed states while cbcached writes.  A
 * reader keeps the generated statements of the compiled cache groups it
 * runs (the probes) prepared, and BEGIN/COMMIT/ROLLBACK as prepared
 * statements, so a read transaction costs no parse.  Not thread safe: one
 * per thread.
 */
#ifndef CB_READER_H
#define CB_READER_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "cachegroup/model.h"
#include "common/contract.h"
#include "common/error.h"
#include "common/pglocale.h"

/* What the collation SQLFE_LOCALE_COLLATION compares with, and where it says it could not. */
typedef struct reader_locale {
	const pglocale *locale; /* NULL: none is open (the collation then orders by bytes and says so) */
	bool *unsortable;
} reader_locale;

typedef struct reader {
	sqlite3 *lite;
	cg_group *const *groups; /* borrowed */
	size_t ngroups;
	sqlite3_stmt ***stmts; /* [group][statement index], prepared lazily */
	sqlite3_stmt *begin, *commit, *rollback;
	bool unsortable; /* a sort function or collation (reader_add_functions) met a stored text it cannot place */
	reader_locale locale; /* the database's collation (reader_add_locale) */
} reader;

/*
 * Open path read-only for the compiled groups (borrowed: they must outlive
 * the reader); locale: the database's collation (borrowed too), or NULL.
 */
CB_MUSTCHECK reader *reader_open(const char *path, cg_group *const *groups, size_t ngroups, int busy_timeout_ms,
                                 const pglocale *locale, cb_error *err);
void reader_close(reader *r);

/* The generated statement stmt of group, prepared, reset and unbound; NULL with err. */
sqlite3_stmt *reader_stmt(reader *r, size_t group, size_t stmt, cb_error *err);
/* A statement of r's own SQL (kept by the caller); NULL with err. */
sqlite3_stmt *reader_prepare(reader *r, const char *sql, bool persistent, cb_error *err);

/*
 * Register on lite the functions translated SQL calls (sql/translate.h):
 * SQLFE_TIME_KEY_FUNCTION, the aggregates SQLFE_TIME_MIN/MAX_FUNCTION and
 * the collation SQLFE_NUMERIC_COLLATION.  When a time function meets text
 * that is no date or time (pgtime_sort_key refuses it) the statement fails;
 * when the collation meets text that is no numeric (pgnumeric_cmp) it
 * orders it by its bytes.  Either way *unsortable is set, so the caller
 * discards the answer and asks the backend (a failed statement is then not
 * taken for a damaged file).
 */
CB_MUSTCHECK bool reader_add_functions(sqlite3 *lite, bool *unsortable);
/*
 * Register on lite the collation SQLFE_LOCALE_COLLATION: text compared as
 * PostgreSQL compares it under rl->locale (pglocale_cmp).  Without a
 * locale, or when memory for the comparison runs out, it orders by the
 * bytes and sets *rl->unsortable: the caller discards the answer.  rl must
 * outlive lite.
 */
CB_MUSTCHECK bool reader_add_locale(sqlite3 *lite, reader_locale *rl);

/* A read transaction: begin, then end (commit) or abort (rollback, never fails). */
CB_MUSTCHECK bool reader_begin(reader *r, cb_error *err);
CB_MUSTCHECK bool reader_end(reader *r, cb_error *err);
void reader_abort(reader *r);

#endif /* CB_READER_H */
