/*
 * cache_testutil.h - shared set-up of the cache integration tests (run
 * inside tests/harness/with-pg.sh): compile cache groups against the
 * harness database, open a fresh cache file, run the checker.
 * Header only (static functions), included by test_cache_*.c.
 */
#ifndef TEST_CACHE_UTIL_H
#define TEST_CACHE_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cachegroup/cachegroup.h"
#include "tests/integration/pg_testutil.h"
#include "cache/cachedb.h"
#include "cache/control.h"
#include "cache/fill.h"
#include "cache/gc.h"
#include "cache/hitcount.h"
#include "cache/invalidate.h"
#include "cache/pgconn.h"
#include "cache/verify.h"
#include "common/clock.h"

static void exec_ok(const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		print_error("%s\n%s", sql, PQerrorMessage(conn));
		PQclear(res);
		fail();
	}
	PQclear(res);
}

/* A compiled group file (path relative to the source tree, or absolute). */
typedef struct tgroups {
	cg_group **g;
	size_t n;
} tgroups;

static tgroups compile_groups(const char *file)
{
	char path[1024];
	if (file[0] == '/')
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "%s/%s", srcdir, file);
	const char *paths[1] = {path};
	cg_diags d = {0};
	tgroups t = {NULL, 0};
	bool ok = cg_compile(paths, 1, conn, &t.g, &t.n, &d);
	if (!ok)
		cg_diag_print(&d, stderr);
	cg_diag_free(&d);
	assert_true(ok);
	return t;
}

/* A fresh cache file in CB_PG_DIR. */
static cachedb *open_cache(tgroups *t, const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
	char wal[1100];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", path);
	unlink(wal);
	cachedb_settings s = {.path = path};
	cachedb *db = NULL;
	char *why = NULL;
	cb_error err = {{0}};
	if (!cachedb_open(&s, t->g, t->n, &db, &why, &err))
		fail_msg("%s", err.msg);
	assert_non_null(why); /* a new file is always built */
	free(why);
	return db;
}

/* A fill daemon whose snapshots must show the transactions noted in xids (NULL: no check). */
static fill_daemon *new_fill_watched(cachedb *db, xidwatch *xids)
{
	fill_settings s = {conninfo, 0, 20, 200, 0, xids};
	cb_error err = {{0}};
	fill_daemon *fd = fill_create(db, &s, &err);
	if (fd == NULL)
		fail_msg("%s", err.msg);
	/* as at the daemon's start: complete tables first */
	if (fill_load_complete(fd, &err) != FILL_OK)
		fail_msg("%s", err.msg);
	return fd;
}

static fill_daemon *new_fill(cachedb *db)
{
	return new_fill_watched(db, NULL);
}

typedef struct vcollect {
	int n;
	int missing, extra, different;
	char first[512];
} vcollect;

static void collect_violation(void *arg, const verify_violation *v)
{
	vcollect *c = arg;
	if (c->n++ == 0)
		snprintf(c->first, sizeof(c->first), "%s, value %s: %s %s", v->constraint, v->value ? v->value : "-",
		         v->what, v->row);
	c->missing += strcmp(v->what, "missing row") == 0;
	c->extra += strcmp(v->what, "extra row") == 0;
	c->different += strcmp(v->what, "different row") == 0;
	verify_print(stderr, v);
}

/* The checker on its own connections; returns the violation count (fails on error). */
/* The checker on its own connections with report function fn (NULL: quiet);
 * returns the violation count (fails on error). */
static long run_checker(cachedb *db, verify_report_fn fn, void *arg)
{
	size_t ng;
	cg_group *const *groups = cachedb_groups(db, &ng);
	cb_error err = {{0}};
	PGconn *pg = NULL;
	if (!pgconn_connect(conninfo, &pg, &err))
		fail_msg("%s", err.msg);
	sqlite3 *lite = NULL;
	assert_int_equal(sqlite3_open_v2(cachedb_path(db), &lite, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(lite, 10000);
	long n = verify_run(groups, ng, lite, pg, fn, arg, &err);
	sqlite3_close(lite);
	PQfinish(pg);
	if (n < 0)
		fail_msg("checker failed: %s", err.msg);
	return n;
}

static long check_cache(cachedb *db, vcollect *out)
{
	vcollect local = {0, 0, 0, 0, ""};
	return run_checker(db, collect_violation, out ? out : &local);
}

/* A read-only connection to the cache file with statement sql prepared on it (fails the test on an error). */
static sqlite3_stmt *lite_prepare(cachedb *db, const char *sql, sqlite3 **lite)
{
	*lite = NULL;
	assert_int_equal(sqlite3_open_v2(cachedb_path(db), lite, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(*lite, 10000);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(*lite, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(*lite));
	return st;
}

/* One integer from the cache file. */
static long long lite_int(cachedb *db, const char *sql)
{
	sqlite3 *lite;
	sqlite3_stmt *st = lite_prepare(db, sql, &lite);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(lite);
	return v;
}

static size_t fill_index(tgroups *t, const char *name)
{
	size_t g, f;
	assert_true(control_find_fill(t->g, t->n, name, &g, &f));
	assert_int_equal(g, 0);
	return f;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif /* TEST_CACHE_UTIL_H */
