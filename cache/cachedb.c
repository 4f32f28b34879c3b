/*
 * cachedb.c - the SQLite cache file: schema, fingerprint, connections.
 *
 * Functions prefix: cachedb_, cache_err_
 */
#include "cache/cachedb.h"
#include "common/fault.h"
#include "common/lease.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/sb.h"

struct cachedb {
	char *path;
	int busy_timeout_ms;
	cg_group *const *groups;
	size_t ngroups;
	char fingerprint[17];
	pthread_mutex_t write_lock;
};

/* --- connections ------------------------------------------------------------ */

static bool lite_exec(sqlite3 *lite, const char *sql, cb_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(lite, sql, NULL, NULL, &msg) != SQLITE_OK) {
		cb_error_set(err,
		             "cache DB statement failed: %s (statement: %.200s); check the cache file's disk and "
		             "permissions",
		             msg ? msg : sqlite3_errmsg(lite), sql);
		sqlite3_free(msg);
		return false;
	}
	return true;
}

static bool lite_open(const cachedb *db, sqlite3 **out, cb_error *err)
{
	sqlite3 *lite = NULL;
	int rc = sqlite3_open_v2(db->path, &lite, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                         NULL);
	if (rc != SQLITE_OK) {
		cb_error_set(err, "cannot open the cache file %s: %s; check that its directory exists and is writable",
		             db->path, lite ? sqlite3_errmsg(lite) : sqlite3_errstr(rc));
		sqlite3_close(lite);
		return false;
	}
	sqlite3_busy_timeout(lite, db->busy_timeout_ms);
	sqlite3_extended_result_codes(lite, 1);
	if (!lite_exec(lite, "PRAGMA foreign_keys = OFF", err) || !lite_exec(lite, "PRAGMA journal_mode = WAL", err) ||
	    !lite_exec(lite, "PRAGMA synchronous = NORMAL", err)) {
		sqlite3_close(lite);
		return false;
	}
	*out = lite;
	return true;
}

bool cachedb_conn_open(cachedb *db, cachedb_conn **out, cb_error *err)
{
	cachedb_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		cb_error_set(err, "out of memory opening a cache connection");
		return false;
	}
	c->db = db;
	c->stmts = calloc(db->ngroups ? db->ngroups : 1, sizeof(*c->stmts));
	if (c->stmts == NULL) {
		free(c);
		cb_error_set(err, "out of memory opening a cache connection");
		return false;
	}
	for (size_t g = 0; g < db->ngroups; g++) {
		c->stmts[g] = calloc(db->groups[g]->nstmts ? db->groups[g]->nstmts : 1, sizeof(**c->stmts));
		if (c->stmts[g] == NULL) {
			cachedb_conn_close(c);
			cb_error_set(err, "out of memory opening a cache connection");
			return false;
		}
	}
	if (!lite_open(db, &c->lite, err)) {
		cachedb_conn_close(c);
		return false;
	}
	*out = c;
	return true;
}

void cachedb_conn_close(cachedb_conn *c)
{
	if (c == NULL)
		return;
	if (c->stmts) {
		for (size_t g = 0; g < c->db->ngroups; g++) {
			if (c->stmts[g] == NULL)
				continue;
			for (size_t i = 0; i < c->db->groups[g]->nstmts; i++)
				sqlite3_finalize(c->stmts[g][i]);
			free(c->stmts[g]);
		}
		free(c->stmts);
	}
	sqlite3_close(c->lite);
	free(c);
}

sqlite3_stmt *cachedb_stmt(cachedb_conn *c, size_t group, size_t stmt, cb_error *err)
{
	const cg_stmt *gs = &c->db->groups[group]->stmts[stmt];
	sqlite3_stmt *st = c->stmts[group][stmt];
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	if (gs->target != CG_ON_CACHE) {
		cb_error_set(err, "internal error: statement \"%s\" runs on the backend, not in the cache", gs->label);
		return NULL;
	}
	if (sqlite3_prepare_v3(c->lite, gs->sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		cb_error_set(err,
		             "cannot prepare the cache statement \"%s\": %s; the cache file may be from another "
		             "version: remove it",
		             gs->label, sqlite3_errmsg(c->lite));
		sqlite3_finalize(st);
		return NULL;
	}
	c->stmts[group][stmt] = st;
	return st;
}

bool cachedb_exec(cachedb_conn *c, const char *sql, cb_error *err)
{
	return lite_exec(c->lite, sql, err);
}

bool cachedb_begin(cachedb_conn *c, bool write, cb_error *err)
{
	return lite_exec(c->lite, write ? "BEGIN IMMEDIATE" : "BEGIN", err);
}

bool cachedb_commit(cachedb_conn *c, cb_error *err)
{
	return cachedb_commit_at(c, "cachedb.commit", err);
}

bool cachedb_commit_at(cachedb_conn *c, const char *point, cb_error *err)
{
	/* a fault point fails the commit as a full disk does */
	if (CB_FAULT(point) || (strcmp(point, "cachedb.commit") != 0 && CB_FAULT("cachedb.commit")))
		cb_error_set(err,
		             "cache DB statement failed: database or disk is full (fault point %s); check the "
		             "cache file's disk and permissions",
		             point);
	else if (lite_exec(c->lite, "COMMIT", err))
		return true;
	cachedb_rollback(c);
	return false;
}

void cachedb_rollback(cachedb_conn *c)
{
	if (!sqlite3_get_autocommit(c->lite))
		sqlite3_exec(c->lite, "ROLLBACK", NULL, NULL, NULL);
}

void cachedb_write_lock(cachedb *db)
{
	pthread_mutex_lock(&db->write_lock);
}

void cachedb_write_unlock(cachedb *db)
{
	pthread_mutex_unlock(&db->write_lock);
}

/* --- schema ------------------------------------------------------------------ */

static bool read_meta(sqlite3 *lite, const char *key, char **out, cb_error *err)
{
	*out = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(lite,
	                       "SELECT \"value\" FROM \"cbcache_meta\" WHERE \"key\" = ?1 AND EXISTS "
	                       "(SELECT 1 FROM sqlite_master WHERE name = 'cbcache_meta')",
	                       -1, &st, NULL) != SQLITE_OK) {
		/* no meta table yet: a new or foreign file */
		sqlite3_finalize(st);
		return true;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = strdup((const char *)sqlite3_column_text(st, 0));
		if (*out == NULL) {
			sqlite3_finalize(st);
			cb_error_set(err, "out of memory reading the cache meta table");
			return false;
		}
	} else if (rc != SQLITE_DONE) {
		cb_error_set(err, "cannot read the cache meta table: %s; remove the cache file", sqlite3_errmsg(lite));
		sqlite3_finalize(st);
		return false;
	}
	sqlite3_finalize(st);
	return true;
}

/* Set key to value in the meta table; false with the cause in sqlite3_errmsg(lite). */
static bool write_meta(sqlite3 *lite, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	bool ok =
	        sqlite3_prepare_v2(lite, "INSERT OR REPLACE INTO \"cbcache_meta\" (\"key\", \"value\") VALUES (?1, ?2)",
	                           -1, &st, NULL) == SQLITE_OK &&
	        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
	        sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

static bool rebuild(cachedb *db, sqlite3 *lite, cb_error *err)
{
	if (!lite_exec(lite, "BEGIN IMMEDIATE", err))
		return false;
	/* drop every table of the file (their indexes go with them) */
	sqlite3_stmt *st = NULL;
	char **names = NULL;
	size_t nnames = 0;
	bool ok = true;
	if (sqlite3_prepare_v2(lite, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
	                       -1, &st, NULL) != SQLITE_OK) {
		cb_error_set(err, "cannot list the tables of the cache file %s: %s; remove the file", db->path,
		             sqlite3_errmsg(lite));
		ok = false;
	}
	while (ok && sqlite3_step(st) == SQLITE_ROW) {
		char **nn = realloc(names, (nnames + 1) * sizeof(*nn));
		if (nn == NULL || (nn[nnames] = strdup((const char *)sqlite3_column_text(st, 0))) == NULL) {
			if (nn)
				names = nn;
			cb_error_set(err, "out of memory rebuilding the cache");
			ok = false;
			break;
		}
		names = nn;
		nnames++;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < nnames; i++) {
		if (ok) {
			cb_sb sb;
			cb_sb_init(&sb);
			cb_sb_put(&sb, "DROP TABLE ");
			cb_sb_ident(&sb, names[i]);
			char *sql = cb_sb_finish(&sb);
			ok = sql != NULL && lite_exec(lite, sql, err);
			if (sql == NULL)
				cb_error_set(err, "out of memory rebuilding the cache");
			free(sql);
		}
		free(names[i]);
	}
	free(names);
	ok = ok &&
	     lite_exec(lite, "CREATE TABLE \"cbcache_meta\" (\"key\" TEXT PRIMARY KEY, \"value\" TEXT NOT NULL)", err);
	for (size_t g = 0; ok && g < db->ngroups; g++)
		for (size_t i = 0; ok && i < db->groups[g]->nstmts; i++)
			if (db->groups[g]->stmts[i].kind == CG_STMT_CACHE_DDL)
				ok = lite_exec(lite, db->groups[g]->stmts[i].sql, err);
	if (ok && !(ok = write_meta(lite, CG_META_FINGERPRINT, db->fingerprint)))
		cb_error_set(err, "cannot write the cache fingerprint: %s", sqlite3_errmsg(lite));
	if (ok)
		ok = lite_exec(lite, "COMMIT", err);
	if (!ok)
		sqlite3_exec(lite, "ROLLBACK", NULL, NULL, NULL);
	return ok;
}

/*
 * Give the file path + suffix mode 0640 and the configured group (created
 * empty when create; a missing file is left alone otherwise).
 *
 * By path (chmod, chown), never through a descriptor of a file that
 * exists: this process may have it open in SQLite already (a cache
 * launched by RELOAD while the retired one's connections live on), and
 * closing any descriptor of a file drops every POSIX lock the process
 * holds on it, SQLite's among them; another process would then take the
 * WAL for unused and delete it under our connections.
 */
static bool secure_file(const cachedb_settings *s, const char *suffix, bool create, cb_error *err)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s%s", s->path, suffix) >= sizeof(path))
		return cb_fail(err, "the cache file's path %s is too long", s->path);
	struct stat st;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			return cb_fail(err, "cannot read the cache file %s: %s", path, strerror(errno));
		if (!create)
			return true;
		/* a new file: no one holds a lock on it */
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd < 0 && errno != EEXIST)
			return cb_fail(err,
			               "cannot create the cache file %s: %s; check that its directory exists and is "
			               "writable",
			               path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	if (chmod(path, 0640) != 0)
		return cb_fail(err, "cannot make the cache file %s mode 0640: %s", path, strerror(errno));
	if (s->file_gid_set && chown(path, (uid_t)-1, (gid_t)s->file_gid) != 0)
		return cb_fail(
		        err,
		        "cannot give the cache file %s the group %s (cache_file_group): %s; cbcached must run as "
		        "root or as a member of that group",
		        path, s->file_group ? s->file_group : "?", strerror(errno));
	return true;
}

bool cachedb_open(const cachedb_settings *s, cg_group *const *groups, size_t ngroups, cachedb **out, char **rebuilt,
                  cb_error *err)
{
	/* before SQLite opens it: it gives -wal and -shm the main file's mode and owner */
	if (!secure_file(s, "", true, err) || !secure_file(s, "-wal", false, err) ||
	    !secure_file(s, "-shm", false, err) || !secure_file(s, CB_GATEWORD_SUFFIX, true, err))
		return false;
	if (rebuilt)
		*rebuilt = NULL;
	cachedb *db = calloc(1, sizeof(*db));
	if (db == NULL || (db->path = strdup(s->path)) == NULL) {
		free(db);
		cb_error_set(err, "out of memory opening the cache");
		return false;
	}
	db->busy_timeout_ms = s->busy_timeout_ms > 0 ? s->busy_timeout_ms : 5000;
	db->groups = groups;
	db->ngroups = ngroups;
	pthread_mutex_init(&db->write_lock, NULL);
	cg_gen_fingerprint(groups, ngroups, db->fingerprint);
	sqlite3 *lite = NULL;
	if (!lite_open(db, &lite, err)) {
		cachedb_close(db);
		return false;
	}
	char *old = NULL;
	if (!read_meta(lite, CG_META_FINGERPRINT, &old, err)) {
		sqlite3_close(lite);
		cachedb_close(db);
		return false;
	}
	char *why = NULL;
	int r = 0;
	if (old == NULL)
		r = asprintf(&why,
		             "cache file %s has no fingerprint (first start or not a cbcache file): created the cache "
		             "schema",
		             db->path);
	else if (strcmp(old, db->fingerprint) != 0)
		r = asprintf(&why,
		             "the cache group definition or the backend's column types changed (fingerprint %s, the "
		             "cache file "
		             "had %s): dropped the cached data and rebuilt the schema",
		             db->fingerprint, old);
	free(old);
	if (r < 0) {
		sqlite3_close(lite);
		cachedb_close(db);
		cb_error_set(err, "out of memory opening the cache");
		return false;
	}
	if (why != NULL) {
		if (!rebuild(db, lite, err)) {
			free(why);
			sqlite3_close(lite);
			cachedb_close(db);
			return false;
		}
		LOG_AT(LOG_INFO, "cache", "%s", why);
		if (rebuilt)
			*rebuilt = why;
		else
			free(why);
	}
	sqlite3_close(lite);
	*out = db;
	return true;
}

void cachedb_close(cachedb *db)
{
	if (db == NULL)
		return;
	pthread_mutex_destroy(&db->write_lock);
	free(db->path);
	free(db);
}

bool cachedb_meta_get(cachedb_conn *c, const char *key, char **out, cb_error *err)
{
	return read_meta(c->lite, key, out, err);
}

bool cachedb_meta_set(cachedb_conn *c, const char *key, const char *value, cb_error *err)
{
	if (write_meta(c->lite, key, value))
		return true;
	cb_error_set(err, "cannot write the cache meta table: %s; check the cache file's disk or remove it",
	             sqlite3_errmsg(c->lite));
	return false;
}

cg_group *const *cachedb_groups(const cachedb *db, size_t *n)
{
	*n = db->ngroups;
	return db->groups;
}

const cg_group *cachedb_group(const cachedb *db, size_t i)
{
	return db->groups[i];
}

size_t cachedb_ngroups(const cachedb *db)
{
	return db->ngroups;
}

const char *cachedb_path(const cachedb *db)
{
	return db->path;
}

const char *cachedb_fingerprint(const cachedb *db)
{
	return db->fingerprint;
}

/* --- helpers ------------------------------------------------------------------ */

static bool count_rows(sqlite3 *lite, const char *table, int64_t *n, cb_error *err)
{
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_put(&sb, "SELECT count(*) FROM ");
	cb_sb_ident(&sb, table);
	char *sql = cb_sb_finish(&sb);
	sqlite3_stmt *st = NULL;
	bool ok = sql != NULL && sqlite3_prepare_v2(lite, sql, -1, &st, NULL) == SQLITE_OK &&
	          sqlite3_step(st) == SQLITE_ROW;
	if (ok)
		*n = sqlite3_column_int64(st, 0);
	else
		cb_error_set(err, "cannot count the rows of cache table %s: %s", table, sqlite3_errmsg(lite));
	sqlite3_finalize(st);
	free(sql);
	return ok;
}

static bool pragma_int(sqlite3 *lite, const char *sql, int64_t *v, cb_error *err)
{
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(lite, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
	if (ok)
		*v = sqlite3_column_int64(st, 0);
	else
		cb_error_set(err, "cannot read %s from the cache file: %s", sql, sqlite3_errmsg(lite));
	sqlite3_finalize(st);
	return ok;
}

bool cachedb_size(cachedb_conn *c, int64_t *rows, int64_t *bytes, cb_error *err)
{
	int64_t total = 0;
	bool began = sqlite3_get_autocommit(c->lite) && cachedb_begin(c, false, err);
	bool ok = true;
	for (size_t g = 0; ok && g < c->db->ngroups; g++) {
		const cg_group *gr = c->db->groups[g];
		for (size_t t = 0; ok && t < gr->ntables; t++) {
			int64_t n = 0;
			ok = count_rows(c->lite, gr->tables[t].cache_name, &n, err);
			total += n;
		}
	}
	int64_t pages = 0, freelist = 0, pagesize = 0;
	ok = ok && pragma_int(c->lite, "PRAGMA page_count", &pages, err) &&
	     pragma_int(c->lite, "PRAGMA freelist_count", &freelist, err) &&
	     pragma_int(c->lite, "PRAGMA page_size", &pagesize, err);
	if (began)
		cachedb_rollback(c);
	if (ok) {
		*rows = total;
		*bytes = (pages - freelist) * pagesize;
	}
	return ok;
}

bool cachedb_bind(sqlite3_stmt *st, int idx, pgtype_storage storage, const char *text)
{
	if (text == NULL)
		return sqlite3_bind_null(st, idx) == SQLITE_OK;
	if (storage == PGTYPE_ST_INTEGER) {
		char *end = NULL;
		errno = 0;
		long long v = strtoll(text, &end, 10);
		if (errno == 0 && end != text && *end == '\0')
			return sqlite3_bind_int64(st, idx, v) == SQLITE_OK;
	} else if (storage == PGTYPE_ST_BOOL) {
		int b;
		if (pgtype_parse_bool(text, &b))
			return sqlite3_bind_int(st, idx, b) == SQLITE_OK;
	}
	return sqlite3_bind_text(st, idx, text, -1, SQLITE_TRANSIENT) == SQLITE_OK;
}
