/*
 * gc.c - the garbage collector: LRU eviction and the top-down sweep.
 *
 * Functions prefix: gc_
 */
#include "cache/gc.h"
#include "common/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cachegroup/generate.h"
#include "common/sb.h"

struct gc {
	cachedb *db;
	gc_settings s;
	cachedb_conn *lite; /* used under the cache write lock */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, running;
	pthread_t thread;
	gc_stats stats;
	/* invalidation jobs: pending is guarded by mu, the rest by the cache write lock */
	uint32_t **pending;    /* [group][table]: posts not yet taken */
	uint64_t pending_jobs; /* posts not yet taken */
	uint32_t **taking;     /* [group][table]: the posts being applied */
	bool **in_r;           /* [group][table]: scratch, the tables an invalidation clears */
	bool **reload;         /* [group][table]: complete tables to load again */
	gc_reload_fn reload_fn;
	void *reload_arg;
};

typedef struct victim {
	size_t group, fill;
	char *value;
	int64_t last_access, hits;
} victim;

static void free_jobs(gc *c)
{
	size_t ng;
	cachedb_groups(c->db, &ng);
	for (size_t g = 0; g < ng; g++) {
		if (c->pending)
			free(c->pending[g]);
		if (c->taking)
			free(c->taking[g]);
		if (c->in_r)
			free(c->in_r[g]);
		if (c->reload)
			free(c->reload[g]);
	}
	free(c->pending);
	free(c->taking);
	free(c->in_r);
	free(c->reload);
}

gc *gc_create(cachedb *db, const gc_settings *s, cb_error *err)
{
	gc *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		cb_error_set(err, "out of memory creating the garbage collector");
		return NULL;
	}
	c->db = db;
	c->s = *s;
	if (c->s.low_water_pct <= 0 || c->s.low_water_pct > 100)
		c->s.low_water_pct = 90;
	if (c->s.interval_ms <= 0)
		c->s.interval_ms = 1000;
	size_t ng;
	cg_group *const *groups = cachedb_groups(db, &ng);
	size_t n = ng ? ng : 1;
	bool ok = (c->pending = calloc(n, sizeof(*c->pending))) != NULL &&
	          (c->taking = calloc(n, sizeof(*c->taking))) != NULL &&
	          (c->in_r = calloc(n, sizeof(*c->in_r))) != NULL &&
	          (c->reload = calloc(n, sizeof(*c->reload))) != NULL;
	for (size_t g = 0; g < ng && ok; g++) {
		size_t nt = groups[g]->ntables ? groups[g]->ntables : 1;
		ok = (c->pending[g] = calloc(nt, sizeof(**c->pending))) != NULL &&
		     (c->taking[g] = calloc(nt, sizeof(**c->taking))) != NULL &&
		     (c->in_r[g] = calloc(nt, sizeof(**c->in_r))) != NULL &&
		     (c->reload[g] = calloc(nt, sizeof(**c->reload))) != NULL;
	}
	if (!ok) {
		free_jobs(c);
		free(c);
		cb_error_set(err, "out of memory creating the garbage collector");
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	return c;
}

static bool lite_ready(gc *c, cb_error *err)
{
	return c->lite != NULL || cachedb_conn_open(c->db, &c->lite, err);
}

static bool run_sql(gc *c, const char *sql, uint64_t *deleted, cb_error *err)
{
	sqlite3_int64 before = sqlite3_total_changes64(c->lite->lite);
	if (!cachedb_exec(c->lite, sql, err))
		return false;
	if (deleted && strncmp(sql, "DELETE", 6) == 0)
		*deleted += (uint64_t)(sqlite3_total_changes64(c->lite->lite) - before);
	return true;
}

/* The sweep of every group, zone by zone top-down, one transaction per zone. */
static bool sweep_locked(gc *c, cb_error *err)
{
	size_t ng;
	cg_group *const *groups = cachedb_groups(c->db, &ng);
	uint64_t deleted = 0;
	bool ok = true;
	for (size_t gi = 0; gi < ng && ok; gi++) {
		const cg_group *g = groups[gi];
		size_t i = 0;
		while (i < g->nstmts && ok) {
			if (g->stmts[i].kind != CG_STMT_EVICT_SWEEP) {
				i++;
				continue;
			}
			int zone = g->stmts[i].zone;
			bool cycle = g->zones[zone].kind != CG_CYCLE_NONE;
			ok = cachedb_begin(c->lite, true, err);
			if (ok && cycle)
				ok = run_sql(c, "DROP TABLE IF EXISTS temp.\"cbcache_keep\"", NULL, err);
			for (;
			     ok && i < g->nstmts && g->stmts[i].kind == CG_STMT_EVICT_SWEEP && g->stmts[i].zone == zone;
			     i++)
				ok = run_sql(c, g->stmts[i].sql, &deleted, err);
			if (ok)
				ok = cachedb_commit(c->lite, err);
			else
				cachedb_rollback(c->lite);
		}
	}
	atomic_fetch_add(&c->stats.rows_evicted, deleted);
	return ok;
}

static int cmp_victim(const void *a, const void *b)
{
	const victim *x = a, *y = b;
	if (x->last_access != y->last_access)
		return x->last_access < y->last_access ? -1 : 1;
	if (x->hits != y->hits)
		return x->hits < y->hits ? -1 : 1;
	return 0;
}

static void victims_free(victim *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].value);
	free(v);
}

/*
 * The k least recently used control values of all fill columns.  The
 * generated CG_STMT_EVICT_VICTIMS gives each column's values without their
 * last_access and hits; merging columns needs them, so this query adds them.
 */
static bool pick_victims(gc *c, size_t k, victim **out, size_t *nout, size_t *total, cb_error *err)
{
	size_t ng;
	cg_group *const *groups = cachedb_groups(c->db, &ng);
	victim *v = NULL;
	size_t n = 0, cap = 0;
	*total = 0;
	for (size_t gi = 0; gi < ng; gi++) {
		const cg_group *g = groups[gi];
		for (size_t f = 0; f < g->nfills; f++) {
			cb_sb sb;
			cb_sb_init(&sb);
			cb_sb_put(&sb, "SELECT \"value\", \"last_access\", \"hits\", (SELECT count(*) FROM ");
			cb_sb_ident(&sb, g->fills[f].ctl_name);
			cb_sb_put(&sb, ") FROM ");
			cb_sb_ident(&sb, g->fills[f].ctl_name);
			cb_sb_put(&sb, " ORDER BY \"last_access\", \"hits\" LIMIT ?1");
			char *sql = cb_sb_finish(&sb);
			sqlite3_stmt *st = NULL;
			if (sql == NULL || sqlite3_prepare_v2(c->lite->lite, sql, -1, &st, NULL) != SQLITE_OK) {
				cb_error_set(err, "cannot read the control table %s: %s", g->fills[f].ctl_name,
				             sqlite3_errmsg(c->lite->lite));
				free(sql);
				victims_free(v, n);
				return false;
			}
			free(sql);
			sqlite3_bind_int64(st, 1, (sqlite3_int64)k);
			int rc;
			while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
				if (n == cap) {
					cap = cap ? cap * 2 : 16;
					victim *nv = realloc(v, cap * sizeof(*nv));
					if (nv == NULL) {
						sqlite3_finalize(st);
						victims_free(v, n);
						cb_error_set(err, "out of memory choosing eviction victims");
						return false;
					}
					v = nv;
				}
				const unsigned char *txt = sqlite3_column_text(st, 0);
				v[n].group = gi;
				v[n].fill = f;
				v[n].value = strdup(txt ? (const char *)txt : "");
				v[n].last_access = sqlite3_column_int64(st, 1);
				v[n].hits = sqlite3_column_int64(st, 2);
				if (n == 0 || v[n - 1].group != gi || v[n - 1].fill != f)
					*total += (size_t)sqlite3_column_int64(st, 3);
				if (v[n].value == NULL) {
					sqlite3_finalize(st);
					victims_free(v, n);
					cb_error_set(err, "out of memory choosing eviction victims");
					return false;
				}
				n++;
			}
			sqlite3_finalize(st);
			if (rc != SQLITE_DONE) {
				victims_free(v, n);
				cb_error_set(err, "cannot read the control table %s: %s", g->fills[f].ctl_name,
				             sqlite3_errmsg(c->lite->lite));
				return false;
			}
		}
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_victim);
	if (n > k) {
		for (size_t i = k; i < n; i++)
			free(v[i].value);
		n = k;
	}
	*out = v;
	*nout = n;
	return true;
}

/* Delete control values (one transaction); *found counts those present. */
static bool delete_controls(gc *c, const victim *v, size_t n, size_t *found, cb_error *err)
{
	size_t ng;
	cg_group *const *groups = cachedb_groups(c->db, &ng);
	if (!cachedb_begin(c->lite, true, err))
		return false;
	*found = 0;
	for (size_t i = 0; i < n; i++) {
		const cg_group *g = groups[v[i].group];
		const cg_fill *f = &g->fills[v[i].fill];
		const cg_stmt *s = cg_gen_find(g, CG_STMT_EVICT_CONTROL, -1, (int)v[i].fill, -1, -1);
		sqlite3_stmt *st = s ? cachedb_stmt(c->lite, v[i].group, (size_t)(s - g->stmts), err) : NULL;
		if (st == NULL || !cachedb_bind(st, 1, g->tables[f->table].cols[f->col].storage, v[i].value) ||
		    sqlite3_step(st) != SQLITE_DONE) {
			if (st != NULL || s == NULL)
				cb_error_set(err, "cannot delete a control value of %s: %s", f->ctl_name,
				             sqlite3_errmsg(c->lite->lite));
			if (st)
				sqlite3_reset(st);
			cachedb_rollback(c->lite);
			return false;
		}
		*found += (size_t)sqlite3_changes(c->lite->lite);
		sqlite3_reset(st);
	}
	if (!cachedb_commit(c->lite, err))
		return false;
	atomic_fetch_add(&c->stats.evictions, *found);
	return true;
}

static bool measure(gc *c, int64_t *rows, int64_t *bytes, cb_error *err)
{
	if (!cachedb_size(c->lite, rows, bytes, err))
		return false;
	atomic_store(&c->stats.cache_rows, *rows);
	atomic_store(&c->stats.cache_bytes, *bytes);
	return true;
}

static bool over(int64_t v, int64_t mark)
{
	return mark > 0 && v > mark;
}

static bool run_locked(gc *c, uint64_t *evicted, cb_error *err)
{
	int64_t rows, bytes;
	if (!lite_ready(c, err) || !measure(c, &rows, &bytes, err))
		return false;
	if (!over(rows, c->s.max_cache_rows) && !over(bytes, c->s.max_cache_bytes))
		return true;
	atomic_fetch_add(&c->stats.over_mark, 1);
	int64_t low_rows = c->s.max_cache_rows * c->s.low_water_pct / 100;
	int64_t low_bytes = c->s.max_cache_bytes * c->s.low_water_pct / 100;
	for (int round = 0; round < 1000; round++) {
		size_t total = 0;
		victim *v = NULL;
		size_t n = 0;
		/* how many values: the excess over the low-water mark in average values' worth */
		if (!pick_victims(c, 1, &v, &n, &total, err))
			return false;
		victims_free(v, n);
		if (total == 0)
			break; /* nothing evictable left (complete tables only) */
		size_t k = 1;
		if (over(rows, low_rows) && rows > 0) {
			double per = (double)rows / (double)total;
			size_t want = (size_t)((double)(rows - low_rows) / per) + 1;
			k = want > k ? want : k;
		}
		if (over(bytes, low_bytes) && bytes > 0) {
			double per = (double)bytes / (double)total;
			size_t want = (size_t)((double)(bytes - low_bytes) / per) + 1;
			k = want > k ? want : k;
		}
		if (k > total)
			k = total;
		if (!pick_victims(c, k, &v, &n, &total, err))
			return false;
		size_t found = 0;
		bool ok = delete_controls(c, v, n, &found, err);
		victims_free(v, n);
		if (!ok || !sweep_locked(c, err))
			return false;
		if (evicted)
			*evicted += found;
		if (!measure(c, &rows, &bytes, err))
			return false;
		if (!over(rows, low_rows) && !over(bytes, low_bytes))
			break;
	}
	return true;
}

/* --- invalidation after writes ------------------------------------------------ */

static bool table_in(uint64_t tables, size_t t)
{
	return tables == GC_ALL_TABLES || (t < 64 && ((tables >> t) & 1) != 0);
}

static bool run_sql_text(gc *c, const char *sql, const char *param, uint64_t *changed, cb_error *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->lite->lite, sql, -1, &st, NULL) != SQLITE_OK ||
	    (param != NULL && sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT) != SQLITE_OK) ||
	    sqlite3_step(st) != SQLITE_DONE) {
		cb_error_set(err, "invalidation: %s failed: %s; check the disk and permissions of the cache file %s",
		             sql, sqlite3_errmsg(c->lite->lite), cachedb_path(c->db));
		sqlite3_finalize(st);
		return false;
	}
	sqlite3_finalize(st);
	if (changed)
		*changed += (uint64_t)sqlite3_changes(c->lite->lite);
	return true;
}

/* DELETE FROM "name" [WHERE "table" = ?1]. */
static bool delete_all(gc *c, const char *name, const char *marker, uint64_t *changed, cb_error *err)
{
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_put(&sb, "DELETE FROM ");
	cb_sb_ident(&sb, name);
	if (marker != NULL)
		cb_sb_put(&sb, " WHERE \"table\" = ?1");
	char *sql = cb_sb_finish(&sb);
	if (sql == NULL) {
		cb_error_set(err, "out of memory applying an invalidation");
		return false;
	}
	bool ok = run_sql_text(c, sql, marker, changed, err);
	free(sql);
	return ok;
}

/*
 * Inside the caller's transaction: every control value of the fill
 * columns on tables in in_r, the markers of the complete tables in in_r
 * and every row of the tables in in_r.  The complete tables cleared are
 * noted for reloading.
 */
static bool clear_tables(gc *c, size_t gi, const bool *in_r, uint64_t *controls, uint64_t *rows, cb_error *err)
{
	const cg_group *g = cachedb_groups(c->db, &(size_t){0})[gi];
	for (size_t f = 0; f < g->nfills; f++)
		if (in_r[g->fills[f].table] && !delete_all(c, g->fills[f].ctl_name, NULL, controls, err))
			return false;
	for (size_t t = 0; t < g->ntables; t++) {
		if (!in_r[t])
			continue;
		if (g->tables[t].complete && !delete_all(c, CG_COMPLETE_TABLE, g->tables[t].cache_name, NULL, err))
			return false;
		if (!delete_all(c, g->tables[t].cache_name, NULL, rows, err))
			return false;
	}
	return true;
}

/* R: the tables from which a taken table is reachable along RCCs. */
static bool compute_r(gc *c, size_t gi)
{
	const cg_group *g = cachedb_groups(c->db, &(size_t){0})[gi];
	bool *in_r = c->in_r[gi], any = false;
	for (size_t t = 0; t < g->ntables; t++)
		any |= (in_r[t] = c->taking[gi][t] > 0);
	for (bool changed = any; changed;) {
		changed = false;
		for (size_t r = 0; r < g->nrccs; r++)
			if (in_r[g->rccs[r].dst] && !in_r[g->rccs[r].src])
				changed = in_r[g->rccs[r].src] = true;
	}
	return any;
}

/* Load again the complete tables noted for it; failures stay noted. */
static void reload_locked(gc *c)
{
	size_t ng;
	cg_group *const *groups = cachedb_groups(c->db, &ng);
	for (size_t gi = 0; gi < ng; gi++) {
		const cg_group *g = groups[gi];
		uint64_t tables = 0;
		for (size_t t = 0; t < g->ntables; t++)
			if (c->reload[gi][t])
				tables |= t < 64 ? (uint64_t)1 << t : GC_ALL_TABLES;
		if (tables == 0 || c->reload_fn == NULL)
			continue;
		cb_error err = {{0}};
		if (!c->reload_fn(c->reload_arg, gi, tables, &err)) {
			atomic_fetch_add(&c->stats.reload_failures, 1);
			LOG_AT(LOG_WARNING, "cache",
			       "invalidation: reloading the complete tables of cache group %s failed: %s; they "
			       "stay unloaded (queries on them go to the backend) and the reload is retried",
			       g->name, err.msg);
			continue;
		}
		for (size_t t = 0; t < g->ntables; t++)
			c->reload[gi][t] = false;
	}
}

/* Evict everything (every group, R = all tables), one transaction. */
static bool evict_everything(gc *c, cb_error *err)
{
	size_t ng;
	cg_group *const *groups = cachedb_groups(c->db, &ng);
	if (!lite_ready(c, err) || !cachedb_begin(c->lite, true, err))
		return false;
	uint64_t controls = 0, rows = 0;
	bool ok = true;
	for (size_t gi = 0; gi < ng && ok; gi++) {
		for (size_t t = 0; t < groups[gi]->ntables; t++)
			c->in_r[gi][t] = true;
		ok = clear_tables(c, gi, c->in_r[gi], &controls, &rows, err);
	}
	if (ok)
		ok = cachedb_commit(c->lite, err);
	else
		cachedb_rollback(c->lite);
	if (!ok)
		return false;
	atomic_fetch_add(&c->stats.evictions, controls);
	atomic_fetch_add(&c->stats.invalidation_evictions, controls);
	atomic_fetch_add(&c->stats.rows_evicted, rows);
	for (size_t gi = 0; gi < ng; gi++)
		for (size_t t = 0; t < groups[gi]->ntables; t++)
			c->reload[gi][t] = groups[gi]->tables[t].complete;
	return true;
}

/* Take the queued jobs and apply them; the caller holds the cache write lock. */
static bool invalidate_locked(gc *c, uint64_t *applied, cb_error *err)
{
	size_t ng;
	cg_group *const *groups = cachedb_groups(c->db, &ng);
	pthread_mutex_lock(&c->mu);
	uint64_t jobs = c->pending_jobs;
	c->pending_jobs = 0;
	for (size_t gi = 0; gi < ng; gi++)
		for (size_t t = 0; t < groups[gi]->ntables; t++) {
			c->taking[gi][t] = c->pending[gi][t];
			c->pending[gi][t] = 0;
		}
	pthread_mutex_unlock(&c->mu);
	if (applied)
		*applied = jobs;
	if (jobs == 0)
		return true;

	uint64_t controls = 0, rows = 0;
	bool ok = lite_ready(c, err) && cachedb_begin(c->lite, true, err);
	if (ok) {
		for (size_t gi = 0; gi < ng && ok; gi++)
			if (compute_r(c, gi))
				ok = clear_tables(c, gi, c->in_r[gi], &controls, &rows, err);
		if (ok)
			ok = cachedb_commit(c->lite, err);
		else
			cachedb_rollback(c->lite);
	}
	if (ok) {
		atomic_fetch_add(&c->stats.evictions, controls);
		atomic_fetch_add(&c->stats.invalidation_evictions, controls);
		atomic_fetch_add(&c->stats.rows_evicted, rows);
		for (size_t gi = 0; gi < ng; gi++)
			for (size_t t = 0; t < groups[gi]->ntables; t++)
				if (c->in_r[gi][t] && groups[gi]->tables[t].complete)
					c->reload[gi][t] = true;
		ok = sweep_locked(c, err);
	}
	bool keep_dirty = false;
	if (!ok) {
		atomic_fetch_add(&c->stats.invalidation_failures, 1);
		LOG_AT(LOG_ERROR, "cache", "invalidation after a write failed: %s; evicting the whole cache", err->msg);
		cb_error e2 = {{0}};
		if (!evict_everything(c, &e2)) {
			keep_dirty = true;
			LOG_AT(LOG_ERROR, "cache",
			       "evicting the whole cache failed too: %s; the written tables stay out of the "
			       "cache's answers until RELOAD or a restart of cbcached",
			       e2.msg);
		}
	}
	reload_locked(c);
	if (!keep_dirty) {
		for (size_t gi = 0; gi < ng; gi++)
			for (size_t t = 0; t < groups[gi]->ntables; t++)
				if (c->taking[gi][t] > 0)
					cachedb_dirty_add(c->db, gi, t, -(int)c->taking[gi][t]);
		atomic_fetch_add(&c->stats.invalidations_applied, jobs);
	}
	for (size_t gi = 0; gi < ng; gi++)
		for (size_t t = 0; t < groups[gi]->ntables; t++)
			c->taking[gi][t] = 0;
	return ok;
}

bool gc_invalidate_apply(gc *c, uint64_t *applied, cb_error *err)
{
	cachedb_write_lock(c->db);
	bool ok = invalidate_locked(c, applied, err);
	cachedb_write_unlock(c->db);
	return ok;
}

void gc_set_reload(gc *c, gc_reload_fn fn, void *arg)
{
	cachedb_write_lock(c->db);
	c->reload_fn = fn;
	c->reload_arg = arg;
	cachedb_write_unlock(c->db);
}

/* Mark the tables dirty and count them pending (the caller holds mu). */
static bool post_locked(gc *c, size_t group, uint64_t tables)
{
	const cg_group *g = cachedb_groups(c->db, &(size_t){0})[group];
	bool any = false;
	for (size_t t = 0; t < g->ntables; t++) {
		if (!table_in(tables, t))
			continue;
		cachedb_dirty_add(c->db, group, t, 1);
		c->pending[group][t]++;
		any = true;
	}
	return any;
}

void gc_invalidate_post(gc *c, size_t group, uint64_t tables)
{
	size_t ng;
	cachedb_groups(c->db, &ng);
	if (group >= ng)
		return;
	pthread_mutex_lock(&c->mu);
	if (post_locked(c, group, tables)) {
		c->pending_jobs++;
		atomic_fetch_add(&c->stats.invalidations, 1);
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
}

void gc_invalidate_post_all(gc *c)
{
	size_t ng;
	cachedb_groups(c->db, &ng);
	pthread_mutex_lock(&c->mu);
	bool any = false;
	for (size_t gi = 0; gi < ng; gi++)
		any |= post_locked(c, gi, GC_ALL_TABLES);
	if (any) {
		c->pending_jobs++;
		atomic_fetch_add(&c->stats.invalidations, 1);
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
}

uint64_t gc_invalidate_pending(gc *c)
{
	pthread_mutex_lock(&c->mu);
	uint64_t n = c->pending_jobs;
	pthread_mutex_unlock(&c->mu);
	return n;
}

bool gc_run_once(gc *c, uint64_t *evicted, cb_error *err)
{
	if (evicted)
		*evicted = 0;
	atomic_fetch_add(&c->stats.runs, 1);
	cachedb_write_lock(c->db);
	reload_locked(c); /* complete tables an invalidation could not reload */
	bool ok = run_locked(c, evicted, err);
	cachedb_write_unlock(c->db);
	if (!ok)
		atomic_fetch_add(&c->stats.errors, 1);
	return ok;
}

bool gc_evict_value(gc *c, size_t group, size_t fill, const char *value, bool *found, cb_error *err)
{
	size_t ng;
	cg_group *const *groups = cachedb_groups(c->db, &ng);
	if (group >= ng || fill >= groups[group]->nfills) {
		cb_error_set(err, "no such fill column (group %zu, fill %zu)", group, fill);
		return false;
	}
	const cg_fill *f = &groups[group]->fills[fill];
	char *norm = cachedb_normalize_value(&groups[group]->tables[f->table].cols[f->col], value, err);
	if (norm == NULL)
		return false;
	victim v = {group, fill, norm, 0, 0};
	size_t n = 0;
	cachedb_write_lock(c->db);
	bool ok = lite_ready(c, err) && delete_controls(c, &v, 1, &n, err) && sweep_locked(c, err);
	cachedb_write_unlock(c->db);
	free(norm);
	if (found)
		*found = n > 0;
	return ok;
}

bool gc_evict_all(gc *c, cb_error *err)
{
	size_t ng;
	cg_group *const *groups = cachedb_groups(c->db, &ng);
	cachedb_write_lock(c->db);
	bool ok = lite_ready(c, err) && cachedb_begin(c->lite, true, err);
	uint64_t n = 0;
	for (size_t gi = 0; gi < ng && ok; gi++) {
		for (size_t f = 0; f < groups[gi]->nfills && ok; f++) {
			cb_sb sb;
			cb_sb_init(&sb);
			cb_sb_put(&sb, "DELETE FROM ");
			cb_sb_ident(&sb, groups[gi]->fills[f].ctl_name);
			char *sql = cb_sb_finish(&sb);
			ok = sql != NULL && run_sql(c, sql, &n, err);
			free(sql);
		}
	}
	if (ok)
		ok = cachedb_commit(c->lite, err);
	else if (c->lite)
		cachedb_rollback(c->lite);
	if (ok)
		atomic_fetch_add(&c->stats.evictions, n);
	ok = ok && sweep_locked(c, err);
	cachedb_write_unlock(c->db);
	return ok;
}

bool gc_sweep(gc *c, cb_error *err)
{
	cachedb_write_lock(c->db);
	bool ok = lite_ready(c, err) && sweep_locked(c, err);
	cachedb_write_unlock(c->db);
	return ok;
}

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * The thread: applies invalidation jobs as soon as they are posted and
 * checks the mark every interval; on stop, applies the jobs still queued
 * (so no write is forgotten by the cache file) and exits.
 */
static void *gc_thread(void *arg)
{
	gc *c = arg;
	int64_t next_check = mono_us() + (int64_t)c->s.interval_ms * 1000;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->stop && c->pending_jobs == 0 && mono_us() < next_check) {
			struct timespec ts = {(time_t)(next_check / 1000000), (long)(next_check % 1000000) * 1000};
			pthread_cond_timedwait(&c->cv, &c->mu, &ts);
		}
		bool stop = c->stop, jobs = c->pending_jobs > 0;
		pthread_mutex_unlock(&c->mu);
		cb_error err = {{0}};
		if (jobs && !gc_invalidate_apply(c, NULL, &err))
			LOG_AT(LOG_WARNING, "cache", "garbage collector: %s", err.msg);
		if (stop)
			return NULL;
		if (mono_us() >= next_check) {
			if (!gc_run_once(c, NULL, &err))
				LOG_AT(LOG_WARNING, "cache", "garbage collector: %s", err.msg);
			next_check = mono_us() + (int64_t)c->s.interval_ms * 1000;
		}
		pthread_mutex_lock(&c->mu);
	}
}

bool gc_start(gc *c, cb_error *err)
{
	pthread_mutex_lock(&c->mu);
	c->stop = false;
	int rc = c->running ? 0 : pthread_create(&c->thread, NULL, gc_thread, c);
	if (rc == 0)
		c->running = true;
	pthread_mutex_unlock(&c->mu);
	if (rc != 0)
		cb_error_set(err, "cannot start the garbage collector thread: %s", strerror(rc));
	return rc == 0;
}

void gc_stop(gc *c)
{
	pthread_mutex_lock(&c->mu);
	bool running = c->running;
	c->stop = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (running)
		pthread_join(c->thread, NULL);
	c->running = false;
}

void gc_free(gc *c)
{
	if (c == NULL)
		return;
	gc_stop(c);
	cachedb_conn_close(c->lite);
	free_jobs(c);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

const gc_stats *gc_get_stats(const gc *c)
{
	return &c->stats;
}
