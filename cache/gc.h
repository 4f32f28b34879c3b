/*
 * gc.h - the garbage collector: LRU eviction and the top-down sweep.
 *
 * Functions prefix: gc_
 *
 * DESIGN
 *
 * When the cache passes its fill mark (max_cache_rows rows in the cache
 * tables, and/or max_cache_bytes of pages in use), the collector evicts
 * down to the low-water mark (low_water_pct of the mark, default 90 %):
 * it removes the least recently used control values of all fill columns
 * (by last_access, ties by fewest hits; one transaction), then sweeps:
 * zone by zone, top-down (the reverse of the load order), one transaction
 * per zone, it deletes the rows nothing reaches any more (no control
 * value of their own fill column, no cached RCC source outside their
 * zone).  A homogeneous cycle's zone is swept by mark and sweep in one
 * transaction: mark the cycle values still reached from outside, delete
 * the zone's rows whose cycle value is unmarked (the generated
 * CG_STMT_EVICT_SWEEP statements).  Each committed step is a valid state:
 * removing a control value only drops a promise, and a sweep deletes only
 * rows no remaining row or control value needs.
 *
 * Every eviction holds the cache write lock, so it never interleaves with
 * a fill.  gc_evict_value() and gc_evict_all() are the admin EVICT.
 *
 * INVALIDATION AFTER WRITES (the fill/write race, DESIGN.md section 1)
 *
 * A session that sees a write to cache table t of group g commit calls
 * gc_invalidate_post() BEFORE the client learns of the commit.  The post
 * only marks t dirty (cachedb_dirty_add(+1): the hit path reads nothing
 * of t from then on) and queues a job for the collector's thread; it
 * never waits for a fill or for SQLite.  Jobs posted before the thread
 * takes them are merged (each keeps its own dirty count).
 *
 * The thread applies the jobs before its mark check.  Applying takes the
 * cache write lock first.  A fill holds that lock from before it opens
 * its backend snapshot until its control row is in, so when the job runs
 * every fill whose snapshot may predate the write has installed all it
 * read, and every later fill opens its snapshot after the lock was
 * released, i.e. after the write committed: this is cbcache's answer to
 * the fill/write race (instead of stamping positions, the invalidation
 * is ordered after every fill that could have missed the write).  Then,
 * for the invalidated tables I of a group, with R = the tables from
 * which a table of I is reachable along RCCs (I included; a table outside
 * R has all its RCC targets outside R too):
 *
 *  1. one transaction deletes every control value of every fill column
 *     on a table of R, the completeness marker of every complete table of
 *     R and every row of every table of R: nothing outside R needs a row
 *     of R, so this is a valid state (the sweep would remove exactly
 *     these rows, except a complete table's, which it never sweeps);
 *  2. the sweep removes the rows of tables outside R that only R reached;
 *  3. the complete tables of R are loaded again (the reload function,
 *     gc_set_reload(): a fresh backend snapshot taken under the lock, so
 *     after the write); when that fails they stay unloaded (no marker: a
 *     valid state, queries go to the backend) and the thread retries at
 *     every mark check;
 *  4. the dirty counts are taken back (cachedb_dirty_add(-n)).
 *
 * When step 1 or 2 fails the collector evicts everything (every control
 * value, marker and cache row, one transaction), then takes the counts
 * back; when even that fails the tables stay dirty for good (the hit path
 * never reads them) and the log says to RELOAD or restart cbcached.
 * Queued jobs are applied before the thread exits (gc_stop()).
 */
#ifndef CB_GC_H
#define CB_GC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cachedb.h"

typedef struct gc_settings {
	int64_t max_cache_rows;  /* fill mark in rows of cache tables; 0: none */
	int64_t max_cache_bytes; /* fill mark in bytes (config max_cache_mb * 1048576); 0: none */
	int low_water_pct;       /* evict down to this percentage of the mark; 0: 90 */
	int interval_ms;         /* how often the thread checks the mark; 0: 1000 */
} gc_settings;

typedef struct gc_stats {
	_Atomic uint64_t runs;         /* mark checks */
	_Atomic uint64_t over_mark;    /* checks that found the cache over its mark */
	_Atomic uint64_t evictions;    /* control values evicted */
	_Atomic uint64_t rows_evicted; /* cache rows deleted by sweeps */
	_Atomic int64_t cache_rows;    /* at the last check */
	_Atomic int64_t cache_bytes;   /* at the last check */
	_Atomic uint64_t errors;
	/* invalidation after writes */
	_Atomic uint64_t invalidations;          /* jobs posted */
	_Atomic uint64_t invalidations_applied;  /* jobs applied (or given up: see invalidation_failures) */
	_Atomic uint64_t invalidation_evictions; /* control values they removed */
	_Atomic uint64_t invalidation_failures;  /* applications that failed (fell back to evicting everything) */
	_Atomic uint64_t reload_failures;        /* failed reloads of complete tables (retried) */
} gc_stats;

typedef struct gc gc;

CB_MUSTCHECK gc *gc_create(cachedb *db, const gc_settings *s, cb_error *err);
CB_MUSTCHECK bool gc_start(gc *c, cb_error *err);
void gc_stop(gc *c);
void gc_free(gc *c);

/* Check the mark once and evict down to the low-water mark when over it;
 * *evicted (may be NULL) gets the number of control values evicted. */
CB_MUSTCHECK bool gc_run_once(gc *c, uint64_t *evicted, cb_error *err);

/* EVICT table.column value: *found tells whether the value was loaded. */
CB_MUSTCHECK bool gc_evict_value(gc *c, size_t group, size_t fill, const char *value, bool *found, cb_error *err);
/* EVICT ALL: every control value, then the sweep (complete tables stay). */
CB_MUSTCHECK bool gc_evict_all(gc *c, cb_error *err);
/* The sweep alone (rows nothing reaches). */
CB_MUSTCHECK bool gc_sweep(gc *c, cb_error *err);

const gc_stats *gc_get_stats(const gc *c);

/* --- invalidation after writes (see DESIGN above) ----------------------- */

/*
 * A table set of a group: bit t stands for g->tables[t]; GC_ALL_TABLES
 * (every bit) for every table of the group, also past the 64th.  Bits of
 * tables the group does not have are ignored.
 */
#define GC_ALL_TABLES UINT64_MAX

/*
 * Load again the complete tables of group whose bits are set in tables,
 * with their closure, from a backend snapshot opened now.  Called by the
 * collector with the cache write lock held (fill_load_complete_locked()
 * is one).  True on success; false with err set.
 */
typedef bool (*gc_reload_fn)(void *arg, size_t group, uint64_t tables, cb_error *err);

/* Set the reload function (before gc_start()); without one, complete
 * tables cleared by an invalidation stay unloaded. */
void gc_set_reload(gc *c, gc_reload_fn fn, void *arg);

/*
 * Invalidate the tables of group (a write to them committed): mark each
 * dirty (cachedb_dirty_add(+1)) and queue the job for the thread.  Never
 * waits for a fill or for SQLite; any thread.  A group out of range, or a
 * set naming no table of the group, queues nothing.
 */
void gc_invalidate_post(gc *c, size_t group, uint64_t tables);
/* Every table of every group (a write the caller cannot attribute). */
void gc_invalidate_post_all(gc *c);

/*
 * Apply the queued jobs now in the calling thread (the thread does this
 * by itself; for tests and tools without the thread).  *applied (may be
 * NULL) gets the number of jobs taken.  False when applying failed (the
 * fallback ran; err says what failed).
 */
CB_MUSTCHECK bool gc_invalidate_apply(gc *c, uint64_t *applied, cb_error *err);

/* Jobs queued and not yet taken by the thread. */
uint64_t gc_invalidate_pending(gc *c);

#endif /* CB_GC_H */
