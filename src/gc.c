/*
 * gc.c - the garbage collector: LRU eviction and the top-down sweep.
 *
 * Functions prefix: gc_
 */
#include "src/gc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cachegroup/strbuf.h"

struct gc {
	cachedb *db;
	gc_settings s;
	cachedb_conn *lite; /* used under the cache write lock */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, running;
	pthread_t thread;
	gc_stats stats;
};

typedef struct victim {
	size_t group, fill;
	char *value;
	int64_t last_access, hits;
} victim;

gc *gc_create(cachedb *db, const gc_settings *s, cache_err *err)
{
	gc *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		cache_err_set(err, "out of memory creating the garbage collector");
		return NULL;
	}
	c->db = db;
	c->s = *s;
	if (c->s.low_water_pct <= 0 || c->s.low_water_pct > 100)
		c->s.low_water_pct = 90;
	if (c->s.interval_ms <= 0)
		c->s.interval_ms = 1000;
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	return c;
}

static bool lite_ready(gc *c, cache_err *err)
{
	return c->lite != NULL || cachedb_conn_open(c->db, &c->lite, err);
}

static bool run_sql(gc *c, const char *sql, uint64_t *deleted, cache_err *err)
{
	sqlite3_int64 before = sqlite3_total_changes64(c->lite->lite);
	if (!cachedb_exec(c->lite, sql, err))
		return false;
	if (deleted && strncmp(sql, "DELETE", 6) == 0)
		*deleted += (uint64_t)(sqlite3_total_changes64(c->lite->lite) - before);
	return true;
}

/* The sweep of every group, zone by zone top-down, one transaction per zone. */
static bool sweep_locked(gc *c, cache_err *err)
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
static bool pick_victims(gc *c, size_t k, victim **out, size_t *nout, size_t *total, cache_err *err)
{
	size_t ng;
	cg_group *const *groups = cachedb_groups(c->db, &ng);
	victim *v = NULL;
	size_t n = 0, cap = 0;
	*total = 0;
	for (size_t gi = 0; gi < ng; gi++) {
		const cg_group *g = groups[gi];
		for (size_t f = 0; f < g->nfills; f++) {
			cg_sb sb;
			cg_sb_init(&sb);
			cg_sb_put(&sb, "SELECT \"value\", \"last_access\", \"hits\", (SELECT count(*) FROM ");
			cg_sb_ident(&sb, g->fills[f].ctl_name);
			cg_sb_put(&sb, ") FROM ");
			cg_sb_ident(&sb, g->fills[f].ctl_name);
			cg_sb_put(&sb, " ORDER BY \"last_access\", \"hits\" LIMIT ?1");
			char *sql = cg_sb_finish(&sb);
			sqlite3_stmt *st = NULL;
			if (sql == NULL || sqlite3_prepare_v2(c->lite->lite, sql, -1, &st, NULL) != SQLITE_OK) {
				cache_err_set(err, "cannot read the control table %s: %s", g->fills[f].ctl_name,
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
						cache_err_set(err, "out of memory choosing eviction victims");
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
					cache_err_set(err, "out of memory choosing eviction victims");
					return false;
				}
				n++;
			}
			sqlite3_finalize(st);
			if (rc != SQLITE_DONE) {
				victims_free(v, n);
				cache_err_set(err, "cannot read the control table %s: %s", g->fills[f].ctl_name,
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
static bool delete_controls(gc *c, const victim *v, size_t n, size_t *found, cache_err *err)
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
				cache_err_set(err, "cannot delete a control value of %s: %s", f->ctl_name,
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

static bool measure(gc *c, int64_t *rows, int64_t *bytes, cache_err *err)
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

static bool run_locked(gc *c, uint64_t *evicted, cache_err *err)
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

bool gc_run_once(gc *c, uint64_t *evicted, cache_err *err)
{
	if (evicted)
		*evicted = 0;
	atomic_fetch_add(&c->stats.runs, 1);
	cachedb_write_lock(c->db);
	bool ok = run_locked(c, evicted, err);
	cachedb_write_unlock(c->db);
	if (!ok)
		atomic_fetch_add(&c->stats.errors, 1);
	return ok;
}

bool gc_evict_value(gc *c, size_t group, size_t fill, const char *value, bool *found, cache_err *err)
{
	size_t ng;
	cg_group *const *groups = cachedb_groups(c->db, &ng);
	if (group >= ng || fill >= groups[group]->nfills) {
		cache_err_set(err, "no such fill column (group %zu, fill %zu)", group, fill);
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

bool gc_evict_all(gc *c, cache_err *err)
{
	size_t ng;
	cg_group *const *groups = cachedb_groups(c->db, &ng);
	cachedb_write_lock(c->db);
	bool ok = lite_ready(c, err) && cachedb_begin(c->lite, true, err);
	uint64_t n = 0;
	for (size_t gi = 0; gi < ng && ok; gi++) {
		for (size_t f = 0; f < groups[gi]->nfills && ok; f++) {
			cg_sb sb;
			cg_sb_init(&sb);
			cg_sb_put(&sb, "DELETE FROM ");
			cg_sb_ident(&sb, groups[gi]->fills[f].ctl_name);
			char *sql = cg_sb_finish(&sb);
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

bool gc_sweep(gc *c, cache_err *err)
{
	cachedb_write_lock(c->db);
	bool ok = lite_ready(c, err) && sweep_locked(c, err);
	cachedb_write_unlock(c->db);
	return ok;
}

static void *gc_thread(void *arg)
{
	gc *c = arg;
	pthread_mutex_lock(&c->mu);
	while (!c->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += c->s.interval_ms / 1000;
		ts.tv_nsec += (long)(c->s.interval_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&c->cv, &c->mu, &ts);
		if (c->stop)
			break;
		pthread_mutex_unlock(&c->mu);
		cache_err err = {{0}};
		if (!gc_run_once(c, NULL, &err))
			cachedb_log(c->db, CACHE_LOG_WARNING, "garbage collector: %s", err.msg);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

bool gc_start(gc *c, cache_err *err)
{
	pthread_mutex_lock(&c->mu);
	c->stop = false;
	int rc = c->running ? 0 : pthread_create(&c->thread, NULL, gc_thread, c);
	if (rc == 0)
		c->running = true;
	pthread_mutex_unlock(&c->mu);
	if (rc != 0)
		cache_err_set(err, "cannot start the garbage collector thread: %s", strerror(rc));
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
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

const gc_stats *gc_get_stats(const gc *c)
{
	return &c->stats;
}
