/*
 * gc.c - the garbage collector: LRU eviction and the top-down sweep (see
 * the DESIGN in gc.h).
 *
 * Functions prefix: gc_
 */
#include "cache/gc.h"

#include <stdlib.h>

#include "cache/control.h"
#include "cache/sweep.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/worker.h"

struct gc {
	cachedb *db;
	gc_settings s;
	invalidate *inv;    /* jobs this thread applies; NULL: none */
	cachedb_conn *lite; /* used under the cache write lock */
	cb_worker worker;
	int64_t next_check; /* the worker's: monotonic time of the next mark check */
	gc_stats stats;
};

static int64_t gc_step(void *arg, bool stopping);

static void gc_wake(void *arg)
{
	cb_worker_wake(&((gc *)arg)->worker);
}

gc *gc_create(cachedb *db, const gc_settings *s, invalidate *inv, cb_error *err)
{
	gc *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		cb_error_set(err, "out of memory creating the garbage collector");
		return NULL;
	}
	c->db = db;
	c->s = *s;
	c->inv = inv;
	if (c->s.low_water_pct <= 0 || c->s.low_water_pct > 100)
		c->s.low_water_pct = 90;
	if (c->s.interval_ms <= 0)
		c->s.interval_ms = 1000;
	if (!cb_worker_init(&c->worker, "garbage collector", gc_step, c, err)) {
		free(c);
		return NULL;
	}
	if (inv != NULL)
		invalidate_set_wake(inv, gc_wake, c);
	return c;
}

static bool lite_ready(gc *c, cb_error *err)
{
	return c->lite != NULL || cachedb_conn_open(c->db, &c->lite, err);
}

static bool sweep_locked(gc *c, cb_error *err)
{
	uint64_t deleted = 0;
	bool ok = sweep_run(c->lite, &deleted, err);
	atomic_fetch_add(&c->stats.rows_evicted, deleted);
	return ok;
}

/* Remove control values in one transaction, then sweep; *found counts those present. */
static bool evict_locked(gc *c, const control_victim *v, size_t n, size_t *found, cb_error *err)
{
	if (!cachedb_begin(c->lite, true, err))
		return false;
	if (!control_delete(c->lite, v, n, found, err)) {
		cachedb_rollback(c->lite);
		return false;
	}
	if (!cachedb_commit_at(c->lite, "gc.commit", err))
		return false;
	atomic_fetch_add(&c->stats.evictions, *found);
	return sweep_locked(c, err);
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

/* How many values to evict: the excess over the low-water marks in average values' worth. */
static size_t victims_wanted(int64_t v, int64_t low, size_t total, size_t k)
{
	if (!over(v, low) || v <= 0)
		return k;
	double per = (double)v / (double)total;
	size_t want = (size_t)((double)(v - low) / per) + 1;
	return want > k ? want : k;
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
		size_t total = 0, n = 0;
		control_victim *v = NULL;
		if (!control_victims(c->lite, 1, &v, &n, &total, err))
			return false;
		control_victims_free(v, n);
		if (total == 0)
			break; /* nothing evictable left (complete tables only) */
		size_t k = victims_wanted(bytes, low_bytes, total, victims_wanted(rows, low_rows, total, 1));
		if (k > total)
			k = total;
		if (!control_victims(c->lite, k, &v, &n, &total, err))
			return false;
		size_t found = 0;
		bool ok = evict_locked(c, v, n, &found, err);
		control_victims_free(v, n);
		if (!ok)
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

bool gc_run_once(gc *c, uint64_t *evicted, cb_error *err)
{
	if (evicted)
		*evicted = 0;
	atomic_fetch_add(&c->stats.runs, 1);
	cachedb_write_lock(c->db);
	if (c->inv != NULL)
		invalidate_retry_reloads_locked(c->inv); /* complete tables an invalidation could not reload */
	bool ok = run_locked(c, evicted, err);
	cachedb_write_unlock(c->db);
	if (!ok)
		atomic_fetch_add(&c->stats.errors, 1);
	return ok;
}

bool gc_evict_value(gc *c, size_t group, size_t fill, const char *value, bool *found, cb_error *err)
{
	if (group >= cachedb_ngroups(c->db) || fill >= cachedb_group(c->db, group)->nfills)
		return cb_fail(err, "no such fill column (group %zu, fill %zu)", group, fill);
	const cg_group *g = cachedb_group(c->db, group);
	const cg_fill *f = &g->fills[fill];
	char *norm = control_normalize_value(&g->tables[f->table].cols[f->col], value, err);
	if (norm == NULL)
		return false;
	control_victim v = {group, fill, norm, 0, 0};
	size_t n = 0;
	cachedb_write_lock(c->db);
	bool ok = lite_ready(c, err) && evict_locked(c, &v, 1, &n, err);
	cachedb_write_unlock(c->db);
	free(norm);
	if (found)
		*found = n > 0;
	return ok;
}

bool gc_evict_all(gc *c, cb_error *err)
{
	cachedb_write_lock(c->db);
	uint64_t n = 0;
	bool ok = lite_ready(c, err) && cachedb_begin(c->lite, true, err);
	if (ok && !control_clear_all(c->lite, &n, err)) {
		cachedb_rollback(c->lite);
		ok = false;
	}
	ok = ok && cachedb_commit(c->lite, err);
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

/* Apply the queued invalidation jobs (all of them when stopping). */
static void apply_jobs(gc *c)
{
	if (c->inv == NULL || invalidate_pending(c->inv) == 0)
		return;
	cb_error err = {{0}};
	cachedb_write_lock(c->db);
	bool ok = lite_ready(c, &err) && invalidate_apply_locked(c->inv, c->lite, NULL, &err);
	cachedb_write_unlock(c->db);
	if (!ok)
		log_warning("garbage collector: %s", err.msg);
}

/*
 * The worker's step: invalidation jobs as soon as they are posted, the
 * mark every interval; on stop the jobs still queued.
 */
static int64_t gc_step(void *arg, bool stopping)
{
	gc *c = arg;
	apply_jobs(c);
	if (stopping)
		return CB_WORKER_IDLE;
	int64_t now = cb_clock_mono_us();
	if (c->next_check == 0)
		c->next_check = now + (int64_t)c->s.interval_ms * 1000;
	if (now >= c->next_check) {
		cb_error err = {{0}};
		if (!gc_run_once(c, NULL, &err))
			log_warning("garbage collector: %s", err.msg);
		c->next_check = cb_clock_mono_us() + (int64_t)c->s.interval_ms * 1000;
	}
	return c->next_check;
}

bool gc_start(gc *c, cb_error *err)
{
	return cb_worker_start(&c->worker, err);
}

void gc_stop(gc *c)
{
	cb_worker_stop(&c->worker);
}

void gc_free(gc *c)
{
	if (c == NULL)
		return;
	if (c->inv != NULL)
		invalidate_set_wake(c->inv, NULL, NULL);
	cb_worker_destroy(&c->worker);
	cachedb_conn_close(c->lite);
	free(c);
}

const gc_stats *gc_get_stats(const gc *c)
{
	return &c->stats;
}
