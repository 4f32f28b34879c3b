/*
 * invalidate.c - invalidation (see the DESIGN in invalidate.h).
 *
 * Functions prefix: invalidate_
 */
#include "cache/invalidate.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cache/control.h"
#include "cache/sweep.h"
#include "common/log.h"
#include "common/sb.h"

/* Per group and table: a count, or a flag. */
typedef struct per_table {
	_Atomic uint32_t **fence; /* posts not yet applied: the hit path reads nothing of the table */
	uint32_t **pending;       /* posts not yet taken (under mu) */
	uint32_t **taking;        /* the posts being applied (under the cache write lock) */
	bool **in_r;              /* scratch: the tables a job clears */
	bool **reload;            /* complete tables to load again (under the cache write lock) */
} per_table;

struct invalidate {
	cachedb *db;
	pthread_mutex_t mu;
	uint64_t pending_jobs; /* under mu */
	per_table t;
	invalidate_reload_fn reload_fn;
	void *reload_arg;
	invalidate_wake_fn wake_fn;
	void *wake_arg;
	cachedb_conn *own; /* invalidate_apply()'s connection */
	invalidate_stats stats;
};

static void *grid(const cachedb *db, size_t elem)
{
	size_t ng = cachedb_ngroups(db);
	void **rows = calloc(ng ? ng : 1, sizeof(void *));
	for (size_t g = 0; rows != NULL && g < ng; g++) {
		size_t nt = cachedb_group(db, g)->ntables;
		if ((rows[g] = calloc(nt ? nt : 1, elem)) == NULL) {
			for (size_t k = 0; k < g; k++)
				free(rows[k]);
			free(rows);
			return NULL;
		}
	}
	return rows;
}

static void grid_free(const cachedb *db, void *p)
{
	void **rows = p;
	for (size_t g = 0; rows != NULL && g < cachedb_ngroups(db); g++)
		free(rows[g]);
	free(rows);
}

void invalidate_free(invalidate *inv)
{
	if (inv == NULL)
		return;
	cachedb_conn_close(inv->own);
	grid_free(inv->db, (void *)inv->t.fence);
	grid_free(inv->db, inv->t.pending);
	grid_free(inv->db, inv->t.taking);
	grid_free(inv->db, inv->t.in_r);
	grid_free(inv->db, inv->t.reload);
	pthread_mutex_destroy(&inv->mu);
	free(inv);
}

invalidate *invalidate_create(cachedb *db, cb_error *err)
{
	invalidate *inv = calloc(1, sizeof(*inv));
	if (inv == NULL) {
		cb_error_set(err, "out of memory creating the invalidation queue");
		return NULL;
	}
	inv->db = db;
	pthread_mutex_init(&inv->mu, NULL);
	inv->t.fence = grid(db, sizeof(**inv->t.fence));
	inv->t.pending = grid(db, sizeof(**inv->t.pending));
	inv->t.taking = grid(db, sizeof(**inv->t.taking));
	inv->t.in_r = grid(db, sizeof(**inv->t.in_r));
	inv->t.reload = grid(db, sizeof(**inv->t.reload));
	if (inv->t.fence == NULL || inv->t.pending == NULL || inv->t.taking == NULL || inv->t.in_r == NULL ||
	    inv->t.reload == NULL) {
		invalidate_free(inv);
		cb_error_set(err, "out of memory creating the invalidation queue");
		return NULL;
	}
	return inv;
}

void invalidate_set_reload(invalidate *inv, invalidate_reload_fn fn, void *arg)
{
	cachedb_write_lock(inv->db);
	inv->reload_fn = fn;
	inv->reload_arg = arg;
	cachedb_write_unlock(inv->db);
}

void invalidate_set_wake(invalidate *inv, invalidate_wake_fn fn, void *arg)
{
	pthread_mutex_lock(&inv->mu);
	inv->wake_fn = fn;
	inv->wake_arg = arg;
	pthread_mutex_unlock(&inv->mu);
}

const invalidate_stats *invalidate_get_stats(const invalidate *inv)
{
	return &inv->stats;
}

/* --- posting (any thread) ------------------------------------------------------------ */

static bool table_in(uint64_t tables, size_t t)
{
	return tables == INVALIDATE_ALL_TABLES || (t < 64 && ((tables >> t) & 1) != 0);
}

/* Fence the tables and count them pending (the caller holds mu). */
static bool post_locked(invalidate *inv, size_t group, uint64_t tables)
{
	const cg_group *g = cachedb_group(inv->db, group);
	bool any = false;
	for (size_t t = 0; t < g->ntables; t++) {
		if (!table_in(tables, t))
			continue;
		atomic_fetch_add_explicit(&inv->t.fence[group][t], 1, memory_order_seq_cst);
		inv->t.pending[group][t]++;
		any = true;
	}
	return any;
}

/* Count the job and wake the applier (the caller holds mu). */
static void queued_locked(invalidate *inv)
{
	inv->pending_jobs++;
	atomic_fetch_add(&inv->stats.posted, 1);
}

static void wake(invalidate *inv, bool any)
{
	if (!any)
		return;
	pthread_mutex_lock(&inv->mu);
	invalidate_wake_fn fn = inv->wake_fn;
	void *arg = inv->wake_arg;
	pthread_mutex_unlock(&inv->mu);
	if (fn != NULL)
		fn(arg);
}

void invalidate_post(invalidate *inv, size_t group, uint64_t tables)
{
	if (group >= cachedb_ngroups(inv->db))
		return;
	pthread_mutex_lock(&inv->mu);
	bool any = post_locked(inv, group, tables);
	if (any)
		queued_locked(inv);
	pthread_mutex_unlock(&inv->mu);
	wake(inv, any);
}

void invalidate_post_all(invalidate *inv)
{
	pthread_mutex_lock(&inv->mu);
	bool any = false;
	for (size_t g = 0; g < cachedb_ngroups(inv->db); g++)
		any |= post_locked(inv, g, INVALIDATE_ALL_TABLES);
	if (any)
		queued_locked(inv);
	pthread_mutex_unlock(&inv->mu);
	wake(inv, any);
}

bool invalidate_fenced(const invalidate *inv, size_t group, size_t table)
{
	if (group >= cachedb_ngroups(inv->db) || table >= cachedb_group(inv->db, group)->ntables)
		return true;
	return atomic_load_explicit(&inv->t.fence[group][table], memory_order_seq_cst) != 0;
}

bool invalidate_any_fenced(const invalidate *inv)
{
	for (size_t g = 0; g < cachedb_ngroups(inv->db); g++)
		for (size_t t = 0; t < cachedb_group(inv->db, g)->ntables; t++)
			if (invalidate_fenced(inv, g, t))
				return true;
	return false;
}

uint64_t invalidate_pending(invalidate *inv)
{
	pthread_mutex_lock(&inv->mu);
	uint64_t n = inv->pending_jobs;
	pthread_mutex_unlock(&inv->mu);
	return n;
}

/* --- applying (under the cache write lock) ------------------------------------------- */

/* DELETE FROM every table of group g in in_r; *rows counts the rows. */
static bool delete_rows(cachedb_conn *c, const cg_group *g, const bool *in_r, uint64_t *rows, cb_error *err)
{
	for (size_t t = 0; t < g->ntables; t++) {
		if (!in_r[t])
			continue;
		cb_sb sb;
		cb_sb_init(&sb);
		cb_sb_put(&sb, "DELETE FROM ");
		cb_sb_ident(&sb, g->tables[t].cache_name);
		char *sql = cb_sb_finish(&sb);
		if (sql == NULL)
			return cb_fail(err, "out of memory applying an invalidation");
		bool ok = cachedb_exec(c, sql, err);
		free(sql);
		if (!ok)
			return false;
		*rows += (uint64_t)sqlite3_changes(c->lite);
	}
	return true;
}

/* Inside the caller's transaction: every promise on the tables in in_r and their rows. */
static bool clear_tables(invalidate *inv, cachedb_conn *c, size_t gi, uint64_t *controls, uint64_t *rows, cb_error *err)
{
	const cg_group *g = cachedb_group(inv->db, gi);
	return control_clear_tables(c, gi, inv->t.in_r[gi], controls, err) &&
	       delete_rows(c, g, inv->t.in_r[gi], rows, err);
}

/* R: the tables from which a taken table is reachable along RCCs; false when none is taken. */
static bool compute_r(invalidate *inv, size_t gi)
{
	const cg_group *g = cachedb_group(inv->db, gi);
	bool *in_r = inv->t.in_r[gi], any = false;
	for (size_t t = 0; t < g->ntables; t++)
		any |= (in_r[t] = inv->t.taking[gi][t] > 0);
	for (bool changed = any; changed;) {
		changed = false;
		for (size_t r = 0; r < g->nrccs; r++)
			if (in_r[g->rccs[r].dst] && !in_r[g->rccs[r].src])
				changed = in_r[g->rccs[r].src] = true;
	}
	return any;
}

void invalidate_retry_reloads_locked(invalidate *inv)
{
	for (size_t gi = 0; gi < cachedb_ngroups(inv->db); gi++) {
		const cg_group *g = cachedb_group(inv->db, gi);
		uint64_t tables = 0;
		for (size_t t = 0; t < g->ntables; t++)
			if (inv->t.reload[gi][t])
				tables |= t < 64 ? (uint64_t)1 << t : INVALIDATE_ALL_TABLES;
		if (tables == 0 || inv->reload_fn == NULL)
			continue;
		cb_error err = {{0}};
		if (!inv->reload_fn(inv->reload_arg, gi, tables, &err)) {
			atomic_fetch_add(&inv->stats.reload_failures, 1);
			LOG_AT(LOG_WARNING, "cache",
			       "invalidation: reloading the complete tables of cache group %s failed: %s; they "
			       "stay unloaded (queries on them go to the backend) and the reload is retried",
			       g->name, err.msg);
			continue;
		}
		for (size_t t = 0; t < g->ntables; t++)
			inv->t.reload[gi][t] = false;
	}
}

/* Note the complete tables in R of every group for reloading. */
static void note_reloads(invalidate *inv)
{
	for (size_t gi = 0; gi < cachedb_ngroups(inv->db); gi++) {
		const cg_group *g = cachedb_group(inv->db, gi);
		for (size_t t = 0; t < g->ntables; t++)
			if (inv->t.in_r[gi][t] && g->tables[t].complete)
				inv->t.reload[gi][t] = true;
	}
}

static void count_cleared(invalidate *inv, uint64_t controls, uint64_t rows)
{
	atomic_fetch_add(&inv->stats.evictions, controls);
	atomic_fetch_add(&inv->stats.rows, rows);
}

/* Clear the groups whose in_r has a table (every table when all), one transaction. */
static bool clear_locked(invalidate *inv, cachedb_conn *c, bool all, cb_error *err)
{
	if (!cachedb_begin(c, true, err))
		return false;
	uint64_t controls = 0, rows = 0;
	bool ok = true;
	for (size_t gi = 0; gi < cachedb_ngroups(inv->db) && ok; gi++) {
		if (all)
			for (size_t t = 0; t < cachedb_group(inv->db, gi)->ntables; t++)
				inv->t.in_r[gi][t] = true;
		if (all || compute_r(inv, gi))
			ok = clear_tables(inv, c, gi, &controls, &rows, err);
	}
	if (ok) /* the fault point guards an invalidation that removes something */
		ok = all || controls + rows == 0 ? cachedb_commit(c, err)
		                                 : cachedb_commit_at(c, "invalidate.commit", err);
	else
		cachedb_rollback(c);
	if (ok) {
		count_cleared(inv, controls, rows);
		note_reloads(inv);
	}
	return ok;
}

/* Take what was posted (under mu): taking = pending. */
static uint64_t take_jobs(invalidate *inv)
{
	pthread_mutex_lock(&inv->mu);
	uint64_t jobs = inv->pending_jobs;
	inv->pending_jobs = 0;
	for (size_t gi = 0; gi < cachedb_ngroups(inv->db); gi++)
		for (size_t t = 0; t < cachedb_group(inv->db, gi)->ntables; t++) {
			inv->t.taking[gi][t] = inv->t.pending[gi][t];
			inv->t.pending[gi][t] = 0;
		}
	pthread_mutex_unlock(&inv->mu);
	return jobs;
}

/* Put jobs taken but not applied back to pending; their fences stay. */
static void requeue_jobs(invalidate *inv, uint64_t jobs)
{
	pthread_mutex_lock(&inv->mu);
	inv->pending_jobs += jobs;
	for (size_t gi = 0; gi < cachedb_ngroups(inv->db); gi++)
		for (size_t t = 0; t < cachedb_group(inv->db, gi)->ntables; t++) {
			inv->t.pending[gi][t] += inv->t.taking[gi][t];
			inv->t.taking[gi][t] = 0;
		}
	pthread_mutex_unlock(&inv->mu);
}

/* Take the fences of the applied jobs back. */
static void release_fences(invalidate *inv, uint64_t jobs)
{
	for (size_t gi = 0; gi < cachedb_ngroups(inv->db); gi++)
		for (size_t t = 0; t < cachedb_group(inv->db, gi)->ntables; t++) {
			uint32_t n = inv->t.taking[gi][t];
			if (n > 0)
				atomic_fetch_sub_explicit(&inv->t.fence[gi][t], n, memory_order_seq_cst);
			inv->t.taking[gi][t] = 0;
		}
	atomic_fetch_add(&inv->stats.applied, jobs);
}

bool invalidate_apply_locked(invalidate *inv, cachedb_conn *c, uint64_t *applied, cb_error *err)
{
	uint64_t jobs = take_jobs(inv);
	if (applied)
		*applied = jobs;
	if (jobs == 0)
		return true;
	uint64_t swept = 0;
	bool ok = clear_locked(inv, c, false, err) && sweep_run(c, &swept, err);
	atomic_fetch_add(&inv->stats.rows, swept);
	bool keep = false;
	if (!ok) {
		atomic_fetch_add(&inv->stats.failures, 1);
		LOG_AT(LOG_ERROR, "cache", "invalidation failed: %s; evicting the whole cache", err->msg);
		cb_error e2 = {{0}};
		if (!clear_locked(inv, c, true, &e2)) {
			keep = true;
			LOG_AT(LOG_ERROR, "cache",
			       "evicting the whole cache failed too: %s; the invalidated tables stay out of the "
			       "cache's answers and the invalidation is tried again at the collector's next round",
			       e2.msg);
		}
	}
	invalidate_retry_reloads_locked(inv);
	if (keep)
		requeue_jobs(inv, jobs); /* a full disk: the next round tries again, fences held till then */
	else
		release_fences(inv, jobs);
	return ok;
}

bool invalidate_apply(invalidate *inv, uint64_t *applied, cb_error *err)
{
	cachedb_write_lock(inv->db);
	bool ok = (inv->own != NULL || cachedb_conn_open(inv->db, &inv->own, err)) &&
	          invalidate_apply_locked(inv, inv->own, applied, err);
	cachedb_write_unlock(inv->db);
	return ok;
}
