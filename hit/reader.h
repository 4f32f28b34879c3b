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

typedef struct reader {
	sqlite3 *lite;
	cg_group *const *groups; /* borrowed */
	size_t ngroups;
	sqlite3_stmt ***stmts; /* [group][statement index], prepared lazily */
	sqlite3_stmt *begin, *commit, *rollback;
	bool untimely; /* a time function (reader_add_functions) met a stored text that is no time */
} reader;

/* Open path read-only for the compiled groups (borrowed: they must outlive the reader). */
CB_MUSTCHECK reader *reader_open(const char *path, cg_group *const *groups, size_t ngroups, int busy_timeout_ms,
                                 cb_error *err);
void reader_close(reader *r);

/* The generated statement stmt of group, prepared, reset and unbound; NULL with err. */
sqlite3_stmt *reader_stmt(reader *r, size_t group, size_t stmt, cb_error *err);
/* A statement of r's own SQL (kept by the caller); NULL with err. */
sqlite3_stmt *reader_prepare(reader *r, const char *sql, bool persistent, cb_error *err);

/*
 * Register on lite the functions translated SQL calls (sql/translate.h):
 * SQLFE_TIME_KEY_FUNCTION and the aggregates SQLFE_TIME_MIN/MAX_FUNCTION.
 * When one meets text that is no date or time (pgtime_sort_key refuses it)
 * the statement fails and *untimely is set, so the caller can tell that
 * from a damaged file and ask the backend.
 */
CB_MUSTCHECK bool reader_add_functions(sqlite3 *lite, bool *untimely);

/* A read transaction: begin, then end (commit) or abort (rollback, never fails). */
CB_MUSTCHECK bool reader_begin(reader *r, cb_error *err);
CB_MUSTCHECK bool reader_end(reader *r, cb_error *err);
void reader_abort(reader *r);

#endif /* CB_READER_H */
