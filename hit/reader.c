/*
 * reader.c - read-only connections to the cache file (see reader.h).
 *
 * Functions prefix: reader_
 */
#include "hit/reader.h"

#include <stdlib.h>
#include <string.h>

#include "common/pgnumeric.h"
#include "common/pgtime.h"
#include "sql/translate.h"

void reader_close(reader *r)
{
	if (r == NULL)
		return;
	for (size_t g = 0; r->stmts != NULL && g < r->ngroups; g++) {
		for (size_t i = 0; r->stmts[g] != NULL && i < r->groups[g]->nstmts; i++)
			sqlite3_finalize(r->stmts[g][i]);
		free(r->stmts[g]);
	}
	free(r->stmts);
	sqlite3_finalize(r->begin);
	sqlite3_finalize(r->commit);
	sqlite3_finalize(r->rollback);
	sqlite3_close(r->lite);
	free(r);
}

/* Fail the statement over a stored text that is no time, and tell the reader (hit/reader.h). */
static void refuse_untimely(sqlite3_context *ctx)
{
	bool *unsortable = sqlite3_user_data(ctx);
	if (unsortable != NULL)
		*unsortable = true;
	sqlite3_result_error(ctx, "a stored value is not a date or time the cache can order", -1);
}

static void time_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	int64_t key;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
	} else if (sqlite3_value_type(argv[0]) == SQLITE_TEXT &&
	           pgtime_sort_key((const char *)sqlite3_value_text(argv[0]), (size_t)sqlite3_value_bytes(argv[0]),
	                           &key)) {
		sqlite3_result_int64(ctx, key);
	} else {
		refuse_untimely(ctx);
	}
}

/* The state of cb_time_min/cb_time_max: the text of the least/greatest key so far. */
typedef struct time_extreme {
	bool have;
	int64_t key;
	char *text; /* malloc'd */
	int len;
} time_extreme;

static void time_extreme_step(sqlite3_context *ctx, sqlite3_value *v, bool want_max)
{
	if (sqlite3_value_type(v) == SQLITE_NULL)
		return; /* min and max skip NULLs */
	time_extreme *x = sqlite3_aggregate_context(ctx, sizeof(*x));
	if (x == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	const char *text = (const char *)sqlite3_value_text(v);
	int len = sqlite3_value_bytes(v);
	int64_t key;
	if (sqlite3_value_type(v) != SQLITE_TEXT || text == NULL || !pgtime_sort_key(text, (size_t)len, &key)) {
		refuse_untimely(ctx);
		return;
	}
	if (x->have && (want_max ? key <= x->key : key >= x->key))
		return;
	char *copy = malloc((size_t)len + 1);
	if (copy == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	memcpy(copy, text, (size_t)len + 1);
	free(x->text);
	*x = (time_extreme){.have = true, .key = key, .text = copy, .len = len};
}

static void time_min_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	time_extreme_step(ctx, argv[0], false);
}

static void time_max_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	time_extreme_step(ctx, argv[0], true);
}

static void time_extreme_final(sqlite3_context *ctx)
{
	time_extreme *x = sqlite3_aggregate_context(ctx, 0);
	if (x == NULL || !x->have) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_text(ctx, x->text, x->len, free);
	x->text = NULL;
}

/*
 * The numeric collation: a collation cannot fail its statement, so text
 * that is no numeric output is placed by its bytes and the reader told
 * (the caller then discards the answer).
 */
static int numeric_collate(void *arg, int alen, const void *a, int blen, const void *b)
{
	bool ok = true;
	int c = pgnumeric_cmp(a, (size_t)alen, b, (size_t)blen, &ok);
	if (!ok && arg != NULL)
		*(bool *)arg = true;
	return c;
}

bool reader_add_functions(sqlite3 *lite, bool *unsortable)
{
	const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	return sqlite3_create_function_v2(lite, SQLFE_TIME_KEY_FUNCTION, 1, flags, unsortable, time_key, NULL, NULL,
	                                  NULL) == SQLITE_OK &&
	       sqlite3_create_function_v2(lite, SQLFE_TIME_MIN_FUNCTION, 1, flags, unsortable, NULL, time_min_step,
	                                  time_extreme_final, NULL) == SQLITE_OK &&
	       sqlite3_create_function_v2(lite, SQLFE_TIME_MAX_FUNCTION, 1, flags, unsortable, NULL, time_max_step,
	                                  time_extreme_final, NULL) == SQLITE_OK &&
	       sqlite3_create_collation_v2(lite, SQLFE_NUMERIC_COLLATION, SQLITE_UTF8, unsortable, numeric_collate,
	                                   NULL) == SQLITE_OK;
}

static int locale_collate(void *arg, int alen, const void *a, int blen, const void *b)
{
	reader_locale *rl = arg;
	bool failed = false;
	int c;
	if (rl->locale != NULL) {
		c = pglocale_cmp(rl->locale, a, (size_t)alen, b, (size_t)blen, &failed);
	} else {
		failed = true; /* a plan made with a locale this process has not: never an answer */
		c = memcmp(a, b, (size_t)(alen < blen ? alen : blen));
		if (c == 0)
			c = alen - blen;
	}
	if (failed && rl->unsortable != NULL)
		*rl->unsortable = true;
	return c;
}

bool reader_add_locale(sqlite3 *lite, reader_locale *rl)
{
	return sqlite3_create_collation_v2(lite, SQLFE_LOCALE_COLLATION, SQLITE_UTF8, rl, locale_collate, NULL) ==
	       SQLITE_OK;
}

sqlite3_stmt *reader_prepare(reader *r, const char *sql, bool persistent, cb_error *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(r->lite, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) != SQLITE_OK) {
		cb_error_set(err,
		             "preparing a cache statement failed: %s; the cache file may be damaged or of another "
		             "version: delete it to have it rebuilt",
		             sqlite3_errmsg(r->lite));
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

reader *reader_open(const char *path, cg_group *const *groups, size_t ngroups, int busy_timeout_ms,
                    const pglocale *locale, cb_error *err)
{
	reader *r = calloc(1, sizeof(*r));
	if (r == NULL || (r->stmts = calloc(ngroups ? ngroups : 1, sizeof(*r->stmts))) == NULL) {
		free(r);
		cb_error_set(err, "out of memory opening the cache file");
		return NULL;
	}
	r->groups = groups;
	r->ngroups = ngroups;
	for (size_t g = 0; g < ngroups; g++)
		if ((r->stmts[g] = calloc(groups[g]->nstmts ? groups[g]->nstmts : 1, sizeof(**r->stmts))) == NULL) {
			reader_close(r);
			cb_error_set(err, "out of memory opening the cache file");
			return NULL;
		}
	int rc = sqlite3_open_v2(path, &r->lite, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		cb_error_set(err, "cannot open the cache file %s for reading: %s; check that it exists and is readable",
		             path, r->lite ? sqlite3_errmsg(r->lite) : sqlite3_errstr(rc));
		reader_close(r);
		return NULL;
	}
	r->locale.locale = locale;
	r->locale.unsortable = &r->unsortable;
	if (!reader_add_functions(r->lite, &r->unsortable) || !reader_add_locale(r->lite, &r->locale)) {
		cb_error_set(err, "cannot register the cache's SQL functions: %s", sqlite3_errmsg(r->lite));
		reader_close(r);
		return NULL;
	}
	sqlite3_busy_timeout(r->lite, busy_timeout_ms > 0 ? busy_timeout_ms : 5000);
	sqlite3_extended_result_codes(r->lite, 1);
	if ((r->begin = reader_prepare(r, "BEGIN", true, err)) == NULL ||
	    (r->commit = reader_prepare(r, "COMMIT", true, err)) == NULL ||
	    (r->rollback = reader_prepare(r, "ROLLBACK", true, err)) == NULL) {
		reader_close(r);
		return NULL;
	}
	return r;
}

sqlite3_stmt *reader_stmt(reader *r, size_t group, size_t stmt, cb_error *err)
{
	sqlite3_stmt *st = r->stmts[group][stmt];
	if (st != NULL)
		return st; /* reset and unbound after each use by the caller */
	const cg_stmt *gs = &r->groups[group]->stmts[stmt];
	if (gs->target != CG_ON_CACHE) {
		cb_error_set(err, "internal error: statement \"%s\" runs on the backend, not in the cache", gs->label);
		return NULL;
	}
	if ((st = reader_prepare(r, gs->sql, true, err)) == NULL)
		return NULL;
	r->stmts[group][stmt] = st;
	return st;
}

static bool run(reader *r, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE;
}

bool reader_begin(reader *r, cb_error *err)
{
	if (run(r, r->begin))
		return true;
	return cb_fail(err, "cannot begin a cache read: %s; the cache answers again once SQLite does",
	               sqlite3_errmsg(r->lite));
}

bool reader_end(reader *r, cb_error *err)
{
	if (run(r, r->commit))
		return true;
	cb_error_set(err, "ending a cache read failed: %s", sqlite3_errmsg(r->lite));
	reader_abort(r);
	return false;
}

void reader_abort(reader *r)
{
	if (!sqlite3_get_autocommit(r->lite))
		run(r, r->rollback);
}
