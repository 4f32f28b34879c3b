/*
 * cachedb.h - the SQLite cache file: schema, fingerprint, connections.
 *
 * Functions prefix: cachedb_ (also cache_err_ for the shared error struct)
 *
 * One cache file per daemon, in WAL mode, holding the cache tables and
 * control tables of every compiled cache group (cachegroup/generate.h)
 * plus a meta table "cbcache_meta" with a fingerprint of the groups (their
 * definition and the backend's column types).  cachedb_open() rebuilds the
 * schema when the fingerprint is missing or different and says why.
 *
 * A cachedb is shared by all threads: it holds the path, the groups
 * (borrowed: they must outlive it) and the cache write lock, which the
 * fill and the garbage collector hold for a whole fill or eviction so the
 * two never interleave (DESIGN.md section 2).  Each thread opens its own
 * cachedb_conn (one SQLite connection with its prepared statements).
 *
 * No globals, no threads of its own: the daemon, the tools and the tests
 * link it alike.
 */
#ifndef CB_CACHEDB_H
#define CB_CACHEDB_H

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cachegroup/cachegroup.h"
#include "common/contract.h"
#include "common/error.h"

typedef struct cachedb_settings {
	const char *path;    /* the cache file, created when missing */
	int busy_timeout_ms; /* SQLite busy timeout of every connection; 0: 5000 */
} cachedb_settings;

typedef struct cachedb cachedb;
typedef struct cachedb_conn cachedb_conn;

/* One thread's SQLite connection with its prepared statements. */
struct cachedb_conn {
	cachedb *db;
	sqlite3 *lite;
	sqlite3_stmt ***stmts; /* [group][statement index], prepared lazily */
};

/*
 * Open (or create) the cache file for the compiled groups.  When the file
 * has no fingerprint, or a different one, every table of the file is
 * dropped and the cache schema created anew; *rebuilt (may be NULL) gets
 * a malloc'ed sentence saying why, or NULL when the file was kept.
 */
CB_MUSTCHECK bool cachedb_open(const cachedb_settings *s, cg_group *const *groups, size_t ngroups, cachedb **out,
                               char **rebuilt, cb_error *err);
void cachedb_close(cachedb *db);

cg_group *const *cachedb_groups(const cachedb *db, size_t *n);
const char *cachedb_path(const cachedb *db);
/* The groups' fingerprint as stored in the meta table (hex). */
const char *cachedb_fingerprint(const cachedb *db);

/* Compute the fingerprint of groups into buf (17 bytes: 16 hex digits). */
void cachedb_compute_fingerprint(cg_group *const *groups, size_t n, char buf[17]);

/* A connection for the calling thread (WAL, busy timeout, foreign keys off). */
CB_MUSTCHECK bool cachedb_conn_open(cachedb *db, cachedb_conn **out, cb_error *err);
void cachedb_conn_close(cachedb_conn *c);

/* The prepared, reset and unbound SQLite statement g->stmts[stmt], or NULL. */
sqlite3_stmt *cachedb_stmt(cachedb_conn *c, size_t group, size_t stmt, cb_error *err);
/* Run SQL without parameters or results. */
CB_MUSTCHECK bool cachedb_exec(cachedb_conn *c, const char *sql, cb_error *err);
/* BEGIN IMMEDIATE (write) or BEGIN (read); COMMIT; ROLLBACK (never fails). */
CB_MUSTCHECK bool cachedb_begin(cachedb_conn *c, bool write, cb_error *err);
CB_MUSTCHECK bool cachedb_commit(cachedb_conn *c, cb_error *err);
void cachedb_rollback(cachedb_conn *c);

/* The cache write lock: held by a whole fill and a whole eviction. */
void cachedb_write_lock(cachedb *db);
void cachedb_write_unlock(cachedb *db);

/*
 * Invalidation after writes (the fill/write race, DESIGN.md section 1).
 * A session that sees a write to cache table `table` of `group` commit
 * adds 1 before the client learns of the commit and queues the
 * invalidation; the thread that applies it (under the cache write lock,
 * so after any fill whose snapshot may predate the write) adds -1 when
 * done.  While the count is not zero the hit path reads nothing of that
 * table.  Atomic; any thread.  Out-of-range indices count as dirty.
 */
void cachedb_dirty_add(cachedb *db, size_t group, size_t table, int delta);
bool cachedb_dirty(const cachedb *db, size_t group, size_t table);
/* A value of the meta table (*out NULL when absent; caller frees), and setting one. */
CB_MUSTCHECK bool cachedb_meta_get(cachedb_conn *c, const char *key, char **out, cb_error *err);
CB_MUSTCHECK bool cachedb_meta_set(cachedb_conn *c, const char *key, const char *value, cb_error *err);
/* Rows in all cache tables (control tables not counted) and bytes in use
 * (pages not on the free list times the page size). */
CB_MUSTCHECK bool cachedb_size(cachedb_conn *c, int64_t *rows, int64_t *bytes, cb_error *err);

/* Per fill column (SHOW CONTROLS): values loaded, their hits, the oldest
 * last_access (0 when none).  Calls fn for every fill of every group. */
typedef void (*cachedb_control_fn)(void *arg, size_t group, size_t fill, int64_t values, int64_t hits,
                                   int64_t oldest_access_us);
CB_MUSTCHECK bool cachedb_controls(cachedb_conn *c, cachedb_control_fn fn, void *arg, cb_error *err);

/* Microseconds since the epoch (the clock of loaded_at and last_access). */
int64_t cachedb_now_us(void);

/* Bind the backend's text of a value (NULL: SQL NULL) as storage keeps it. */
CB_MUSTCHECK bool cachedb_bind(sqlite3_stmt *st, int idx, cg_storage storage, const char *text);

/*
 * The canonical text of a value for column col as typed by a user: for
 * integer columns the decimal number without sign noise ("007" -> "7"),
 * otherwise the text itself.  NULL with err set when it is not a value
 * of the column.  Caller frees.
 */
CB_MUSTCHECK char *cachedb_normalize_value(const cg_column *col, const char *text, cb_error *err);

/* Find fill "table.column" (or "schema.table.column") among the groups. */
CB_MUSTCHECK bool cachedb_find_fill(cg_group *const *groups, size_t n, const char *name, size_t *group, size_t *fill);

/* A PostgreSQL array literal {"a","b"} of n texts.  Caller frees; NULL on OOM. */
CB_MUSTCHECK char *cachedb_pg_array(const char *const *vals, size_t n);

/*
 * Connect to the backend with the session settings every cache read uses
 * (so the text output of values is the one the cache stores): DateStyle
 * ISO, IntervalStyle postgres, extra_float_digits 1, bytea_output hex,
 * client_encoding UTF8.
 */
CB_MUSTCHECK bool cachedb_backend_connect(const char *conninfo, PGconn **out, cb_error *err);

#endif /* CB_CACHEDB_H */
