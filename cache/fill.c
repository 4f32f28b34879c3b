/*
 * fill.c - the fill daemon: loads fill values with their closure, bottom-up.
 *
 * Functions prefix: fill_
 */
#include "cache/fill.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache/control.h"
#include "cache/fillqueue.h"
#include "cache/pgconn.h"
#include "common/array.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/sb.h"
#include "common/worker.h"

#include <uthash.h>

struct fill_daemon {
	cachedb *db;
	char *conninfo;
	fill_settings s;
	/* the filler: used only under the cache write lock */
	PGconn *pg;
	cachedb_conn *lite;
	_Atomic int backend_pid;
	fill_hook_fn hook;
	void *hook_arg;
	/* the queue (under mu) and the thread */
	pthread_mutex_t mu;
	pthread_cond_t idle; /* a request finished, or the thread stopped */
	fillq *q;
	cb_worker worker;
	atomic_bool stopping; /* fill_stop() began: failed requests are not retried */
	char last_error[1024];
	fill_recent recent[FILL_RECENT_MAX]; /* ring, guarded by mu */
	size_t nrecent, recent_next;
	fill_stats stats;
};

/* --- the closure of one fill, in memory ------------------------------------ */

/* An entry of a set keyed by text (the first member of what the set holds). */
typedef struct keyed {
	char *key;
	UT_hash_handle hh;
} keyed;

typedef struct crow {
	keyed k; /* the primary key's texts */
	char **vals;
} crow;

typedef struct ctable {
	keyed *rows; /* crow by primary key */
	crow **list; /* in fetch order */
	size_t n, cap;
} ctable;

typedef struct cpend {
	char **vals;
	size_t n, cap;
} cpend;

typedef struct closure {
	fill_daemon *fd;
	size_t gi;
	const cg_group *g;
	ctable *tables;   /* per table of the group */
	cpend *pending;   /* per RCC: source values whose targets are to be fetched */
	keyed *requested; /* "table\x1fcolumn\x1fvalue" of the RCC targets asked for */
	size_t nrows;
} closure;

static bool closure_init(closure *cl, fill_daemon *fd, size_t gi)
{
	memset(cl, 0, sizeof(*cl));
	cl->fd = fd;
	cl->gi = gi;
	cl->g = cachedb_groups(fd->db, &(size_t){0})[gi];
	cl->tables = calloc(cl->g->ntables ? cl->g->ntables : 1, sizeof(*cl->tables));
	cl->pending = calloc(cl->g->nrccs ? cl->g->nrccs : 1, sizeof(*cl->pending));
	return cl->tables && cl->pending;
}

/* Free a crow's values (its key and itself go with the set). */
static void crow_clear(crow *r, size_t ncols)
{
	for (size_t c = 0; r->vals != NULL && c < ncols; c++)
		free(r->vals[c]);
	free(r->vals);
}

/* Empty a set, each entry cleared by clear (may be NULL) with arg. */
static void set_free(keyed **set, void (*clear)(keyed *e, size_t arg), size_t arg)
{
	keyed *e, *tmp;
	HASH_ITER(hh, *set, e, tmp)
	{
		HASH_DEL(*set, e);
		if (clear != NULL)
			clear(e, arg);
		free(e->key);
		free(e);
	}
}

static void crow_clear_keyed(keyed *e, size_t ncols)
{
	crow_clear((crow *)e, ncols);
}

/*
 * Put key (owned by the set from now on, also on failure) into the set;
 * a new entry of size bytes, zeroed but for its key, or NULL when out of
 * memory.  *fresh tells whether it is new (otherwise the entry returned is
 * the one there, and key was freed).
 */
static keyed *set_claim(keyed **set, char *key, size_t size, bool *fresh)
{
	keyed *e = NULL;
	*fresh = false;
	if (key == NULL)
		return NULL;
	HASH_FIND_STR(*set, key, e);
	if (e != NULL) {
		free(key);
		return e;
	}
	if ((e = calloc(1, size)) == NULL) {
		free(key);
		return NULL;
	}
	e->key = key;
	HASH_ADD_KEYPTR(hh, *set, e->key, strlen(e->key), e);
	*fresh = true;
	return e;
}

static void closure_free(closure *cl)
{
	for (size_t t = 0; cl->tables && t < cl->g->ntables; t++) {
		set_free(&cl->tables[t].rows, crow_clear_keyed, cl->g->tables[t].ncols);
		free(cl->tables[t].list);
	}
	free(cl->tables);
	for (size_t r = 0; cl->pending && r < cl->g->nrccs; r++) {
		for (size_t i = 0; i < cl->pending[r].n; i++)
			free(cl->pending[r].vals[i]);
		free(cl->pending[r].vals);
	}
	free(cl->pending);
	set_free(&cl->requested, NULL, 0);
}

static int stmt_index(const cg_group *g, cg_stmt_kind kind, int table, int fill, int rcc, int entry)
{
	const cg_stmt *s = cg_gen_find(g, kind, table, fill, rcc, entry);
	return s ? (int)(s - g->stmts) : -1;
}

/* The probe statement of the entry point table.column, or -1. */
static int probe_index(const cg_group *g, size_t table, const char *column)
{
	for (size_t e = 0; e < g->nentries; e++)
		if (g->entries[e].table == table && strcmp(g->entries[e].column, column) == 0)
			return stmt_index(g, CG_STMT_PROBE, -1, -1, -1, (int)e);
	return -1;
}

/* Whether value is complete in table.column in the cache (1), not (0), error (-1). */
static int cache_complete(fill_daemon *fd, size_t gi, size_t table, int col, const char *value, cb_error *err)
{
	const cg_group *g = cachedb_groups(fd->db, &(size_t){0})[gi];
	const cg_table *t = &g->tables[table];
	int pi = probe_index(g, table, t->cols[col].name);
	if (pi < 0)
		return 0;
	sqlite3_stmt *st = cachedb_stmt(fd->lite, gi, (size_t)pi, err);
	if (st == NULL)
		return -1;
	/* a complete table's probe takes no value (the table is loaded or not) */
	if (sqlite3_bind_parameter_count(st) >= 1 && !cachedb_bind(st, 1, t->cols[col].storage, value)) {
		cb_error_set(err, "cannot bind a probe value: %s", sqlite3_errmsg(fd->lite->lite));
		return -1;
	}
	int rc = sqlite3_step(st);
	int res = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0 : -1;
	if (res < 0)
		cb_error_set(err, "cache probe failed: %s", sqlite3_errmsg(fd->lite->lite));
	sqlite3_reset(st);
	return res;
}

static char *join_key(const char *const *parts, size_t n)
{
	cb_sb sb;
	cb_sb_init(&sb);
	for (size_t i = 0; i < n; i++) {
		if (i)
			cb_sb_putn(&sb, "\x1f", 1);
		if (parts[i] == NULL)
			cb_sb_putn(&sb, "\x1e", 1); /* NULL */
		else
			cb_sb_put(&sb, parts[i]);
	}
	return cb_sb_finish(&sb);
}

static bool push_pending(cpend *p, const char *v)
{
	if (!CB_ARRAY_GROW(p->vals, p->cap, p->n + 1) || (p->vals[p->n] = strdup(v)) == NULL)
		return false;
	p->n++;
	return true;
}

/* Note the RCC targets a new row of table t needs. */
static bool request_targets(closure *cl, size_t t, char **vals, cb_error *err)
{
	const cg_group *g = cl->g;
	for (size_t r = 0; r < g->nrccs; r++) {
		const cg_rcc *rc = &g->rccs[r];
		if (rc->src != t || vals[rc->src_col] == NULL)
			continue;
		char dst[32];
		snprintf(dst, sizeof(dst), "%zu", rc->dst);
		const char *parts[3] = {dst, rc->dst_column, vals[rc->src_col]};
		bool fresh;
		if (set_claim(&cl->requested, join_key(parts, 3), sizeof(keyed), &fresh) == NULL) {
			cb_error_set(err, "out of memory during a fill");
			return false;
		}
		if (!fresh)
			continue;
		int c = cache_complete(cl->fd, cl->gi, rc->dst, rc->dst_col, vals[rc->src_col], err);
		if (c < 0)
			return false;
		if (c == 0 && !push_pending(&cl->pending[r], vals[rc->src_col])) {
			cb_error_set(err, "out of memory during a fill");
			return false;
		}
	}
	return true;
}

/* Add the rows of a fetch result (the table's columns in order) to table t. */
static bool add_result(closure *cl, size_t t, const PGresult *res, cb_error *err)
{
	const cg_table *tb = &cl->g->tables[t];
	ctable *ct = &cl->tables[t];
	if ((size_t)PQnfields(res) != tb->ncols) {
		cb_error_set(
		        err,
		        "backend returned %d columns for table %s, the cache group has %zu: restart cbcached so it "
		        "reads the catalog again",
		        PQnfields(res), tb->name, tb->ncols);
		return false;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		const char *pk[16];
		size_t npk = tb->npk < 16 ? tb->npk : 16;
		for (size_t k = 0; k < npk; k++)
			pk[k] = PQgetvalue(res, i, tb->pk[k]);
		bool fresh;
		crow *r = (crow *)set_claim(&ct->rows, join_key(pk, npk), sizeof(crow), &fresh);
		if (r == NULL)
			goto oom;
		if (!fresh)
			continue;
		/* a row that cannot be completed stays in the set without values: closure_free frees it */
		if ((r->vals = calloc(tb->ncols, sizeof(char *))) == NULL ||
		    !CB_ARRAY_GROW(ct->list, ct->cap, ct->n + 1))
			goto oom;
		for (size_t c = 0; c < tb->ncols; c++)
			if (!PQgetisnull(res, i, (int)c) && (r->vals[c] = strdup(PQgetvalue(res, i, (int)c))) == NULL)
				goto oom;
		ct->list[ct->n++] = r;
		cl->nrows++;
		if (!request_targets(cl, t, r->vals, err))
			return false;
	}
	return true;
oom:
	cb_error_set(err, "out of memory during a fill");
	return false;
}

/* --- the backend side -------------------------------------------------------- */

static void backend_drop(fill_daemon *fd)
{
	PQfinish(fd->pg);
	fd->pg = NULL;
	atomic_store(&fd->backend_pid, 0);
}

static bool backend_ready(fill_daemon *fd, cb_error *err)
{
	if (fd->pg != NULL && PQstatus(fd->pg) == CONNECTION_OK)
		return true;
	backend_drop(fd);
	if (!pgconn_connect(fd->conninfo, &fd->pg, err))
		return false;
	atomic_store(&fd->backend_pid, PQbackendPID(fd->pg));
	return true;
}

/* Classify a failed backend result: permanent (the value is bad) or not. */
static fill_result backend_failure(fill_daemon *fd, PGresult *res, const char *what, cb_error *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	bool bad_value = state != NULL && strncmp(state, "22", 2) == 0;
	cb_error_set(err, "fill: %s failed on the backend: %s%s", what, PQerrorMessage(fd->pg),
	             bad_value ? " (the value is not of the fill column's type: give a valid value)"
	                       : " (the fill will be retried; check that the backend is reachable)");
	PQclear(res);
	if (PQstatus(fd->pg) != CONNECTION_OK)
		backend_drop(fd);
	return bad_value ? FILL_REFUSED : FILL_FAILED;
}

static void backend_end(fill_daemon *fd)
{
	if (fd->pg == NULL || PQstatus(fd->pg) != CONNECTION_OK)
		return;
	PQclear(PQexec(fd->pg, "ROLLBACK"));
}

static fill_result run_fetch(fill_daemon *fd, closure *cl, int stmt, const char *array, size_t table, cb_error *err)
{
	const cg_stmt *s = &cl->g->stmts[stmt];
	const char *params[1] = {array};
	PGresult *res = PQexecParams(fd->pg, s->sql, array ? 1 : 0, NULL, array ? params : NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return backend_failure(fd, res, s->label, err);
	bool ok = add_result(cl, table, res, err);
	PQclear(res);
	return ok ? FILL_OK : FILL_FAILED;
}

/* Fetch RCC targets to a fixpoint. */
static fill_result fetch_fixpoint(fill_daemon *fd, closure *cl, cb_error *err)
{
	for (;;) {
		bool any = false;
		for (size_t r = 0; r < cl->g->nrccs; r++) {
			cpend *p = &cl->pending[r];
			if (p->n == 0)
				continue;
			any = true;
			char *arr = pgconn_text_array((const char *const *)p->vals, p->n);
			for (size_t i = 0; i < p->n; i++)
				free(p->vals[i]);
			p->n = 0;
			if (arr == NULL) {
				cb_error_set(err, "out of memory during a fill");
				return FILL_FAILED;
			}
			int si = stmt_index(cl->g, CG_STMT_FETCH_RCC, -1, -1, (int)r, -1);
			fill_result fr = si < 0 ? FILL_FAILED : run_fetch(fd, cl, si, arr, cl->g->rccs[r].dst, err);
			if (si < 0)
				cb_error_set(err, "internal error: no fetch statement for RCC %zu", r);
			free(arr);
			if (fr != FILL_OK)
				return fr;
		}
		if (!any)
			return FILL_OK;
	}
}

/* How long a fill waits for the backend to show a transaction the applier applied. */
#define VISIBLE_WAIT_MS 100

/*
 * Whether the snapshot just opened shows every transaction the applier
 * applied (xidwatch.h); FILL_FAILED with err when it did not within
 * VISIBLE_WAIT_MS, each try a new snapshot.
 */
static fill_result snapshot_current(fill_daemon *fd, cb_error *err)
{
	int64_t deadline = cb_clock_mono_us() + VISIBLE_WAIT_MS * 1000;
	long wait_us = 200;
	for (;;) {
		PGresult *res = PQexec(fd->pg, "SELECT pg_catalog.pg_current_snapshot()");
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
			return backend_failure(fd, res, "reading the snapshot", err);
		uint32_t hidden;
		bool all = xidwatch_check(fd->s.xids, PQgetvalue(res, 0, 0), &hidden, err);
		PQclear(res);
		if (all)
			return FILL_OK;
		if (hidden == 0)
			return FILL_FAILED;
		if (cb_clock_mono_us() + wait_us > deadline) {
			cb_error_set(
			        err,
			        "fill: transaction %u is in the cache (from the change stream) but new snapshots on "
			        "the backend do not show it yet after %d ms (is its commit waiting for a synchronous "
			        "standby?); the fill is retried",
			        hidden, VISIBLE_WAIT_MS);
			return FILL_FAILED;
		}
		/* a new snapshot: the repeatable read transaction keeps its first one */
		res = PQexec(fd->pg, "ROLLBACK");
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			return backend_failure(fd, res, "ROLLBACK", err);
		PQclear(res);
		struct timespec ts = {0, wait_us * 1000};
		nanosleep(&ts, NULL);
		wait_us *= 2;
		res = PQexec(fd->pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			return backend_failure(fd, res, "BEGIN", err);
		PQclear(res);
	}
}

static fill_result backend_begin(fill_daemon *fd, cb_error *err)
{
	if (!backend_ready(fd, err))
		return FILL_FAILED;
	PGresult *res = PQexec(fd->pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return backend_failure(fd, res, "BEGIN", err);
	PQclear(res);
	/* nothing noted: nothing to check (the applier notes under the write lock this fill holds) */
	fill_result fr = fd->s.xids != NULL && xidwatch_pending(fd->s.xids) > 0 ? snapshot_current(fd, err) : FILL_OK;
	if (fr != FILL_OK)
		backend_end(fd);
	return fr;
}

/* --- the cache side ------------------------------------------------------------ */

static void call_hook(fill_daemon *fd, fill_hook_point p, size_t group, size_t zone)
{
	if (fd->hook)
		fd->hook(fd->hook_arg, p, group, zone);
}

/* Write the closure zone by zone, targets first. */
static fill_result write_zones(fill_daemon *fd, closure *cl, cb_error *err)
{
	const cg_group *g = cl->g;
	for (size_t z = 0; z < g->nzones; z++) {
		const cg_zone *zn = &g->zones[z];
		size_t rows = 0;
		for (size_t k = 0; k < zn->ntables; k++)
			rows += cl->tables[zn->tables[k]].n;
		if (rows == 0)
			continue;
		if (!cachedb_begin(fd->lite, true, err))
			return FILL_FAILED;
		uint64_t loaded = 0;
		for (size_t k = 0; k < zn->ntables; k++) {
			size_t t = zn->tables[k];
			const cg_table *tb = &g->tables[t];
			ctable *ct = &cl->tables[t];
			if (ct->n == 0)
				continue;
			int si = stmt_index(g, CG_STMT_INSERT_ROW, (int)t, -1, -1, -1);
			sqlite3_stmt *st = si < 0 ? NULL : cachedb_stmt(fd->lite, cl->gi, (size_t)si, err);
			if (st == NULL) {
				cachedb_rollback(fd->lite);
				return FILL_FAILED;
			}
			for (size_t i = 0; i < ct->n; i++) {
				sqlite3_reset(st);
				bool ok = true;
				for (size_t c = 0; c < tb->ncols && ok; c++)
					ok = cachedb_bind(st, (int)c + 1, tb->cols[c].storage, ct->list[i]->vals[c]);
				if (!ok || sqlite3_step(st) != SQLITE_DONE) {
					cb_error_set(err,
					             "fill: inserting into cache table %s failed: %s; check the disk "
					             "of the cache file",
					             tb->cache_name, sqlite3_errmsg(fd->lite->lite));
					sqlite3_reset(st);
					cachedb_rollback(fd->lite);
					return FILL_FAILED;
				}
				loaded += (uint64_t)sqlite3_changes(fd->lite->lite);
			}
			sqlite3_reset(st);
		}
		if (!cachedb_commit(fd->lite, err))
			return FILL_FAILED;
		atomic_fetch_add(&fd->stats.rows_loaded, loaded);
		call_hook(fd, FILL_HOOK_ZONE, cl->gi, z);
	}
	return FILL_OK;
}

/*
 * The last step of a fill: record its control value (fill >= 0), or of a
 * load of complete tables: record them as loaded (fill < 0), in one
 * transaction.
 */
static fill_result write_promise(fill_daemon *fd, size_t gi, int fill, const char *value, uint64_t tables,
                                 cb_error *err)
{
	if (!cachedb_begin(fd->lite, true, err))
		return FILL_FAILED;
	int64_t now = cb_clock_now_us();
	bool ok = fill >= 0 ? control_insert(fd->lite, gi, (size_t)fill, value, now, err)
	                    : control_mark_complete(fd->lite, gi, tables, now, err);
	if (!ok) {
		cb_error_prefix(err, "fill: ");
		cachedb_rollback(fd->lite);
		return FILL_FAILED;
	}
	if (!cachedb_commit_at(fd->lite, "fill.commit", err))
		return FILL_FAILED;
	call_hook(fd, FILL_HOOK_CONTROL, gi, 0);
	return FILL_OK;
}

static bool table_in(uint64_t tables, size_t t)
{
	return tables == UINT64_MAX || (t < 64 && ((tables >> t) & 1) != 0);
}

static bool lite_ready(fill_daemon *fd, cb_error *err)
{
	return fd->lite != NULL || cachedb_conn_open(fd->db, &fd->lite, err);
}

/* --- one fill ---------------------------------------------------------------------- */

static void refuse_msg(const cg_group *g, const cg_fill *f, const char *value, cb_error *err)
{
	cb_error_set(err,
	             "value \"%s\" is not in the permitted values of fill column %s.%s: queries for it go to the "
	             "backend; to cache it, add it to the values (...) list in %s",
	             value, g->tables[f->table].name, f->column, g->file ? g->file : "the cache group file");
}

/* The fill itself, under the write lock. */
static fill_result fill_locked(fill_daemon *fd, size_t gi, size_t fill, const char *value, cb_error *err)
{
	const cg_group *g = cachedb_groups(fd->db, &(size_t){0})[gi];
	const cg_fill *f = &g->fills[fill];
	const cg_table *t = &g->tables[f->table];
	const cg_column *col = &t->cols[f->col];
	if (!lite_ready(fd, err))
		return FILL_FAILED;
	fill_result fr = backend_begin(fd, err);
	if (fr != FILL_OK)
		return fr;
	/* the backend's text of the value: the form the cache stores */
	char *sql = NULL;
	if (asprintf(&sql, "SELECT ($1::%s)::text", col->type_base) < 0) {
		backend_end(fd);
		cb_error_set(err, "out of memory during a fill");
		return FILL_FAILED;
	}
	const char *params[1] = {value};
	PGresult *res = PQexecParams(fd->pg, sql, 1, NULL, params, NULL, NULL, 0);
	free(sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		fr = backend_failure(fd, res, "reading the value", err);
		backend_end(fd);
		return fr;
	}
	char *canon = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (canon == NULL) {
		backend_end(fd);
		cb_error_set(err, "out of memory during a fill");
		return FILL_FAILED;
	}
	if (!cg_model_fill_permits(f, canon)) {
		refuse_msg(g, f, canon, err);
		free(canon);
		backend_end(fd);
		return FILL_REFUSED;
	}
	/* complete already (a control row, or reached by an RCC): only the control row is missing */
	int c = cache_complete(fd, gi, f->table, f->col, canon, err);
	if (c < 0) {
		free(canon);
		backend_end(fd);
		return FILL_FAILED;
	}
	closure cl;
	if (!closure_init(&cl, fd, gi)) {
		closure_free(&cl);
		free(canon);
		backend_end(fd);
		cb_error_set(err, "out of memory during a fill");
		return FILL_FAILED;
	}
	if (c == 0) {
		call_hook(fd, FILL_HOOK_FETCHING, gi, 0);
		char *arr = pgconn_text_array((const char *const *)&canon, 1);
		int si = stmt_index(g, CG_STMT_FETCH_FILL, -1, (int)fill, -1, -1);
		if (arr == NULL || si < 0) {
			cb_error_set(err, "out of memory during a fill");
			fr = FILL_FAILED;
		} else {
			fr = run_fetch(fd, &cl, si, arr, f->table, err);
		}
		free(arr);
		if (fr == FILL_OK)
			fr = fetch_fixpoint(fd, &cl, err);
		if (fr == FILL_OK) {
			res = PQexec(fd->pg, "COMMIT");
			if (PQresultStatus(res) != PGRES_COMMAND_OK)
				fr = backend_failure(fd, res, "COMMIT", err);
			else
				PQclear(res);
		}
		if (fr != FILL_OK)
			backend_end(fd);
	} else {
		backend_end(fd);
	}
	if (fr == FILL_OK)
		fr = write_zones(fd, &cl, err);
	if (fr == FILL_OK)
		fr = write_promise(fd, gi, (int)fill, canon, 0, err);
	closure_free(&cl);
	free(canon);
	return fr;
}

static void note_error(fill_daemon *fd, const cb_error *err)
{
	pthread_mutex_lock(&fd->mu);
	snprintf(fd->last_error, sizeof(fd->last_error), "%s", err->msg);
	pthread_mutex_unlock(&fd->mu);
	LOG_AT(LOG_WARNING, "cache", "%s", err->msg);
}

fill_result fill_run_one(fill_daemon *fd, size_t group, size_t fill, const char *value, cb_error *err)
{
	size_t ng;
	cg_group *const *groups = cachedb_groups(fd->db, &ng);
	if (group >= ng || fill >= groups[group]->nfills) {
		cb_error_set(err, "no such fill column (group %zu, fill %zu)", group, fill);
		return FILL_REFUSED;
	}
	cachedb_write_lock(fd->db);
	int64_t t0 = cb_clock_now_us();
	uint64_t rows0 = atomic_load(&fd->stats.rows_loaded);
	fill_result fr = fill_locked(fd, group, fill, value, err);
	int64_t t1 = cb_clock_now_us();
	uint64_t rows = atomic_load(&fd->stats.rows_loaded) - rows0; /* fills are serialized by the lock */
	cachedb_write_unlock(fd->db);
	atomic_fetch_add(&fd->stats.fill_us, (uint64_t)(t1 - t0));
	pthread_mutex_lock(&fd->mu);
	fill_recent *r = &fd->recent[fd->recent_next];
	fd->recent_next = (fd->recent_next + 1) % FILL_RECENT_MAX;
	if (fd->nrecent < FILL_RECENT_MAX)
		fd->nrecent++;
	memset(r, 0, sizeof(*r));
	r->group = group;
	r->fill = fill;
	snprintf(r->value, sizeof(r->value), "%.*s", (int)sizeof(r->value) - 1, value);
	r->result = fr;
	r->rows = rows;
	r->duration_us = t1 - t0;
	r->finished_us = t1;
	if (fr != FILL_OK)
		snprintf(r->error, sizeof(r->error), "%.*s", (int)sizeof(r->error) - 1, err->msg);
	pthread_mutex_unlock(&fd->mu);
	if (fr == FILL_OK) {
		atomic_fetch_add(&fd->stats.done, 1);
	} else {
		atomic_fetch_add(&fd->stats.failed, 1);
		if (fr == FILL_REFUSED)
			atomic_fetch_add(&fd->stats.refused, 1);
		note_error(fd, err);
	}
	return fr;
}

/* Load the complete tables of group gi in `tables` with their closure; under the lock. */
static fill_result load_complete_group(fill_daemon *fd, size_t gi, uint64_t tables, cb_error *err)
{
	const cg_group *g = cachedb_groups(fd->db, &(size_t){0})[gi];
	bool any = false;
	for (size_t t = 0; t < g->ntables; t++)
		any = any || (g->tables[t].complete && table_in(tables, t));
	if (!any)
		return FILL_OK;
	if (!lite_ready(fd, err))
		return FILL_FAILED;
	closure cl;
	if (!closure_init(&cl, fd, gi)) {
		closure_free(&cl);
		cb_error_set(err, "out of memory loading complete tables");
		return FILL_FAILED;
	}
	fill_result fr = backend_begin(fd, err);
	for (size_t t = 0; t < g->ntables && fr == FILL_OK; t++) {
		if (!g->tables[t].complete || !table_in(tables, t))
			continue;
		int si = stmt_index(g, CG_STMT_FETCH_TABLE, (int)t, -1, -1, -1);
		fr = si < 0 ? FILL_FAILED : run_fetch(fd, &cl, si, NULL, t, err);
	}
	if (fr == FILL_OK)
		fr = fetch_fixpoint(fd, &cl, err);
	backend_end(fd);
	if (fr == FILL_OK)
		fr = write_zones(fd, &cl, err);
	if (fr == FILL_OK)
		fr = write_promise(fd, gi, -1, NULL, tables, err);
	closure_free(&cl);
	return fr;
}

fill_result fill_load_complete(fill_daemon *fd, cb_error *err)
{
	size_t ng;
	cachedb_groups(fd->db, &ng);
	fill_result fr = FILL_OK;
	cachedb_write_lock(fd->db);
	for (size_t gi = 0; gi < ng && fr == FILL_OK; gi++)
		fr = load_complete_group(fd, gi, UINT64_MAX, err);
	cachedb_write_unlock(fd->db);
	if (fr != FILL_OK)
		note_error(fd, err);
	return fr;
}

fill_result fill_load_complete_locked(fill_daemon *fd, size_t group, uint64_t tables, cb_error *err)
{
	size_t ng;
	cachedb_groups(fd->db, &ng);
	if (group >= ng) {
		cb_error_set(err, "no such cache group (%zu)", group);
		return FILL_REFUSED;
	}
	fill_result fr = load_complete_group(fd, group, tables, err);
	if (fr != FILL_OK)
		note_error(fd, err);
	return fr;
}

/* --- the queue and the thread ----------------------------------------------------- */

static int64_t fill_step(void *arg, bool stopping);

fill_daemon *fill_create(cachedb *db, const fill_settings *s, cb_error *err)
{
	fill_daemon *fd = calloc(1, sizeof(*fd));
	if (fd == NULL) {
		cb_error_set(err, "out of memory creating the fill daemon");
		return NULL;
	}
	fd->db = db;
	fd->s = *s;
	if (fd->s.queue_max == 0)
		fd->s.queue_max = 1024;
	if (fd->s.retry_base_ms <= 0)
		fd->s.retry_base_ms = 200;
	if (fd->s.retry_max_ms <= 0)
		fd->s.retry_max_ms = 60000;
	if (fd->s.max_attempts <= 0)
		fd->s.max_attempts = 10;
	fd->conninfo = strdup(s->backend_conninfo ? s->backend_conninfo : "");
	fd->q = fillq_new(fd->s.queue_max);
	if (fd->conninfo == NULL || fd->q == NULL) {
		fillq_free(fd->q);
		free(fd->conninfo);
		free(fd);
		cb_error_set(err, "out of memory creating the fill daemon");
		return NULL;
	}
	fd->s.backend_conninfo = fd->conninfo;
	if (!cb_worker_init(&fd->worker, "fill", fill_step, fd, err)) {
		fillq_free(fd->q);
		free(fd->conninfo);
		free(fd);
		return NULL;
	}
	pthread_mutex_init(&fd->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&fd->idle, &ca);
	pthread_condattr_destroy(&ca);
	return fd;
}

void fill_set_hook(fill_daemon *fd, fill_hook_fn fn, void *arg)
{
	cachedb_write_lock(fd->db);
	fd->hook = fn;
	fd->hook_arg = arg;
	cachedb_write_unlock(fd->db);
}

static int64_t backoff_us(const fill_daemon *fd, int attempts)
{
	int64_t d = (int64_t)fd->s.retry_base_ms * 1000;
	for (int i = 1; i < attempts && d < (int64_t)fd->s.retry_max_ms * 1000; i++)
		d *= 2;
	if (d > (int64_t)fd->s.retry_max_ms * 1000)
		d = (int64_t)fd->s.retry_max_ms * 1000;
	return d;
}

/*
 * The worker's step: run the oldest ready request; when none is ready,
 * sleep until the earliest retry or a new request.  A failed fill is put
 * back with backoff unless it failed max_attempts times or the daemon is
 * stopping (queued requests are dropped on stop).
 */
static int64_t fill_step(void *arg, bool stopping)
{
	fill_daemon *fd = arg;
	if (stopping)
		return CB_WORKER_IDLE;
	int64_t next = CB_WORKER_IDLE;
	pthread_mutex_lock(&fd->mu);
	fillq_item *it = fillq_take(fd->q, cb_clock_mono_us(), &next);
	size_t group = it ? it->group : 0, fill = it ? it->fill : 0;
	char *value = it ? strdup(it->value) : NULL;
	pthread_mutex_unlock(&fd->mu);
	if (it == NULL)
		return next;
	cb_error err = {{0}};
	fill_result fr = value ? fill_run_one(fd, group, fill, value, &err) : FILL_FAILED;
	free(value);
	pthread_mutex_lock(&fd->mu);
	if (fr == FILL_FAILED && it->attempts + 1 < fd->s.max_attempts && !atomic_load(&fd->stopping)) {
		atomic_fetch_add(&fd->stats.retried, 1);
		fillq_retry(fd->q, it, cb_clock_mono_us() + backoff_us(fd, it->attempts + 1));
	} else {
		if (fr == FILL_FAILED) {
			atomic_fetch_add(&fd->stats.gave_up, 1);
			LOG_AT(LOG_ERROR, "cache", "fill gave up after %d attempts: %s", it->attempts + 1, err.msg);
		}
		fillq_done(fd->q, it);
	}
	pthread_cond_broadcast(&fd->idle);
	pthread_mutex_unlock(&fd->mu);
	return CB_WORKER_NOW;
}

bool fill_start(fill_daemon *fd, cb_error *err)
{
	atomic_store(&fd->stopping, false);
	return cb_worker_start(&fd->worker, err);
}

void fill_stop(fill_daemon *fd)
{
	atomic_store(&fd->stopping, true);
	cb_worker_stop(&fd->worker);
	pthread_mutex_lock(&fd->mu);
	pthread_cond_broadcast(&fd->idle);
	pthread_mutex_unlock(&fd->mu);
}

void fill_free(fill_daemon *fd)
{
	if (fd == NULL)
		return;
	fill_stop(fd);
	cb_worker_destroy(&fd->worker);
	fillq_free(fd->q);
	backend_drop(fd);
	cachedb_conn_close(fd->lite);
	pthread_cond_destroy(&fd->idle);
	pthread_mutex_destroy(&fd->mu);
	free(fd->conninfo);
	free(fd);
}

fill_enqueue_result fill_enqueue(fill_daemon *fd, size_t group, size_t fill, const char *value, cb_error *err)
{
	size_t ng;
	cg_group *const *groups = cachedb_groups(fd->db, &ng);
	if (group >= ng || fill >= groups[group]->nfills) {
		cb_error_set(err, "no such fill column (group %zu, fill %zu)", group, fill);
		atomic_fetch_add(&fd->stats.refused, 1);
		return FILL_NOT_QUEUED;
	}
	const cg_group *g = groups[group];
	const cg_fill *f = &g->fills[fill];
	char *norm = control_normalize_value(&g->tables[f->table].cols[f->col], value, err);
	if (norm == NULL) {
		atomic_fetch_add(&fd->stats.refused, 1);
		return FILL_NOT_QUEUED;
	}
	/* integers are canonical now; other types are checked again by the fill */
	if (g->tables[f->table].cols[f->col].storage == PGTYPE_ST_INTEGER && !cg_model_fill_permits(f, norm)) {
		refuse_msg(g, f, norm, err);
		free(norm);
		atomic_fetch_add(&fd->stats.refused, 1);
		return FILL_NOT_QUEUED;
	}
	pthread_mutex_lock(&fd->mu);
	fillq_result r = fillq_push(fd->q, group, fill, norm);
	pthread_mutex_unlock(&fd->mu);
	if (r == FILLQ_ADDED)
		cb_worker_wake(&fd->worker);
	free(norm);
	switch (r) {
	case FILLQ_ADDED:
		atomic_fetch_add(&fd->stats.queued, 1);
		return FILL_QUEUED;
	case FILLQ_MERGED:
		atomic_fetch_add(&fd->stats.merged, 1);
		return FILL_MERGED;
	case FILLQ_FULL:
		atomic_fetch_add(&fd->stats.queue_full, 1);
		cb_error_set(err,
		             "the fill queue is full (%zu requests): the request is dropped; raise the fill queue "
		             "size if this happens often",
		             fd->s.queue_max);
		return FILL_NOT_QUEUED;
	case FILLQ_NOMEM:
		break;
	}
	cb_error_set(err, "out of memory queueing a fill");
	return FILL_NOT_QUEUED;
}

bool fill_wait_idle(fill_daemon *fd, int timeout_ms)
{
	int64_t deadline = cb_clock_mono_us() + (int64_t)timeout_ms * 1000;
	pthread_mutex_lock(&fd->mu);
	while (fillq_len(fd->q) > 0 && cb_clock_mono_us() < deadline) {
		struct timespec ts = cb_clock_timespec(deadline);
		pthread_cond_timedwait(&fd->idle, &fd->mu, &ts);
	}
	bool idle = fillq_len(fd->q) == 0;
	pthread_mutex_unlock(&fd->mu);
	return idle;
}

size_t fill_queue_length(fill_daemon *fd)
{
	pthread_mutex_lock(&fd->mu);
	size_t n = fillq_len(fd->q);
	pthread_mutex_unlock(&fd->mu);
	return n;
}

const fill_stats *fill_get_stats(const fill_daemon *fd)
{
	return &fd->stats;
}

void fill_last_error(fill_daemon *fd, char *buf, size_t len)
{
	pthread_mutex_lock(&fd->mu);
	snprintf(buf, len, "%s", fd->last_error);
	pthread_mutex_unlock(&fd->mu);
}

int fill_backend_pid(fill_daemon *fd)
{
	return atomic_load(&fd->backend_pid);
}

size_t fill_get_recent(fill_daemon *fd, fill_recent *out, size_t max)
{
	pthread_mutex_lock(&fd->mu);
	size_t n = fd->nrecent < max ? fd->nrecent : max;
	for (size_t i = 0; i < n; i++)
		out[i] = fd->recent[(fd->recent_next + FILL_RECENT_MAX - 1 - i) % FILL_RECENT_MAX];
	pthread_mutex_unlock(&fd->mu);
	return n;
}

typedef struct qforeach {
	void (*fn)(void *arg, size_t group, size_t fill, const char *value, int attempts, bool in_flight);
	void *arg;
} qforeach;

static void q_visit(void *arg, const fillq_item *it)
{
	qforeach *q = arg;
	q->fn(q->arg, it->group, it->fill, it->value, it->attempts, it->in_flight);
}

void fill_queue_foreach(fill_daemon *fd,
                        void (*fn)(void *arg, size_t group, size_t fill, const char *value, int attempts,
                                   bool in_flight),
                        void *arg)
{
	qforeach q = {fn, arg};
	pthread_mutex_lock(&fd->mu);
	fillq_foreach(fd->q, q_visit, &q);
	pthread_mutex_unlock(&fd->mu);
}
