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
 * The collector's thread also applies the invalidation jobs
 * (cache/invalidate.h) as soon as they are posted, before its mark check,
 * and retries the reloads of complete tables an invalidation could not
 * load; on stop it applies the jobs still queued, so no posted change is
 * forgotten by the cache file.
 */
#ifndef CB_GC_H
#define CB_GC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cachedb.h"
#include "cache/invalidate.h"

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
} gc_stats;

typedef struct gc gc;

/* A collector for db that also applies inv's jobs (inv may be NULL: none). */
CB_MUSTCHECK gc *gc_create(cachedb *db, const gc_settings *s, invalidate *inv, cb_error *err);
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

#endif /* CB_GC_H */
