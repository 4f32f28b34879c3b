/*
 * hitcount.h - the hit counter: batched last_access/hits updates.
 *
 * Functions prefix: hitcount_
 *
 * DESIGN
 *
 * Query workers call hitcount_post() for each entry-point value a cache
 * answer used; it never blocks (cache/hitring.h: a full ring drops the hit
 * and counts it).  A thread wakes every flush_ms, takes what was posted,
 * merges equal (group, entry, value) hits, and applies them in one SQLite
 * transaction through the generated back-path statements (CG_STMT_HIT):
 * last_access = now and hits += count on every control value responsible
 * for the entry point's value.  The updates touch only control tables'
 * counters, never cached rows, so they do not take the cache write lock.
 */
#ifndef CB_HITCOUNT_H
#define CB_HITCOUNT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cachedb.h"

typedef struct hitcount_settings {
	size_t ring_size; /* hits the ring holds; 0: 65536 */
	int flush_ms;     /* how often the thread applies hits; 0: 200 */
} hitcount_settings;

typedef struct hitcount_stats {
	_Atomic uint64_t batches; /* transactions applied */
	_Atomic uint64_t applied; /* hits taken and applied */
	_Atomic uint64_t updates; /* back-path statements run */
	_Atomic uint64_t errors;  /* batches that failed */
} hitcount_stats;

typedef struct hitcount hitcount;

CB_MUSTCHECK hitcount *hitcount_create(cachedb *db, const hitcount_settings *s, cb_error *err);
CB_MUSTCHECK bool hitcount_start(hitcount *h, cb_error *err);
/* Stop the thread after a last flush. */
void hitcount_stop(hitcount *h);
void hitcount_free(hitcount *h);

/* Count a hit on value at entry point g->entries[entry] of group; never
 * blocks; false when dropped (ring full or value too long). */
bool hitcount_post(hitcount *h, size_t group, size_t entry, const char *value);

/* Apply everything posted so far now (the thread does this every flush_ms). */
CB_MUSTCHECK bool hitcount_flush(hitcount *h, cb_error *err);

const hitcount_stats *hitcount_get_stats(const hitcount *h);
uint64_t hitcount_posted(const hitcount *h);
uint64_t hitcount_dropped(const hitcount *h); /* overflow + values too long */

#endif /* CB_HITCOUNT_H */
