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
	/*
	 * The cache file, its -wal, -shm and -gate files are made mode 0640 at
	 * open (readable by their group, for other processes that answer from
	 * them: doc/cache.md), with this group when file_gid_set.
	 */
	bool file_gid_set;
	unsigned file_gid;
	const char *file_group; /* its name, for errors */
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
/* Group i (i < cachedb_ngroups()), and the number of groups. */
const cg_group *cachedb_group(const cachedb *db, size_t i);
size_t cachedb_ngroups(const cachedb *db);
const char *cachedb_path(const cachedb *db);
/* The groups' fingerprint as stored in the meta table (hex). */
const char *cachedb_fingerprint(const cachedb *db);

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
/* The same at a named fault point (common/fault.h): armed with `fail`,
 * the commit fails as on a full disk and the transaction is rolled back. */
CB_MUSTCHECK bool cachedb_commit_at(cachedb_conn *c, const char *point, cb_error *err);
void cachedb_rollback(cachedb_conn *c);

/* The cache write lock: held by a whole fill and a whole eviction. */
void cachedb_write_lock(cachedb *db);
void cachedb_write_unlock(cachedb *db);

/* A value of the meta table (*out NULL when absent; caller frees), and setting one. */
CB_MUSTCHECK bool cachedb_meta_get(cachedb_conn *c, const char *key, char **out, cb_error *err);
CB_MUSTCHECK bool cachedb_meta_set(cachedb_conn *c, const char *key, const char *value, cb_error *err);
/* Rows in all cache tables (control tables not counted) and bytes in use
 * (pages not on the free list times the page size). */
CB_MUSTCHECK bool cachedb_size(cachedb_conn *c, int64_t *rows, int64_t *bytes, cb_error *err);

/* Bind the backend's text of a value (NULL: SQL NULL) as storage keeps it. */
CB_MUSTCHECK bool cachedb_bind(sqlite3_stmt *st, int idx, pgtype_storage storage, const char *text);

#endif /* CB_CACHEDB_H */
