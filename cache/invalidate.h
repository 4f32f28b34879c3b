/*
 * invalidate.h - invalidation: taking tables out of the cache's answers
 * and clearing what they hold, ordered after every fill that may have
 * missed the change (the fill/write race, DESIGN.md section 1).
 *
 * Functions prefix: invalidate_
 *
 * DESIGN
 *
 * A change the cache cannot apply row by row (a write through cbcached
 * while no change stream runs, a TRUNCATE, a schema change, a cache file
 * left by a killed daemon) is posted here: invalidate_post() marks each
 * table fenced (invalidate_fenced() is true: the hit path reads nothing of
 * it) and queues a job.  It never waits for a fill or for SQLite; a
 * session calls it BEFORE its client learns of the commit.  Jobs posted
 * before they are taken are merged (each keeps its own fence count).
 *
 * The garbage collector's thread applies the jobs (cache/gc.h) under the
 * cache write lock.  A fill holds that lock from before it opens its
 * backend snapshot until its control row is in, so when a job runs every
 * fill whose snapshot may predate the change has installed all it read,
 * and every later fill opens its snapshot after the change committed.
 * For the invalidated tables I of a group, with R = the tables from which
 * a table of I is reachable along RCCs (I included; a table outside R has
 * all its RCC targets outside R too):
 *
 *  1. one transaction removes every promise on R (control.h:
 *     control_clear_tables) and every row of every table of R: nothing
 *     outside R needs a row of R, so this is a valid state;
 *  2. the sweep removes the rows outside R that only R reached
 *     (sweep.h);
 *  3. the complete tables of R are loaded again (the reload function: a
 *     fresh backend snapshot taken under the lock, so after the change);
 *     when that fails they stay unloaded (no marker: a valid state,
 *     queries go to the backend) and the reload is retried at every
 *     garbage collector check (invalidate_retry_reloads_locked);
 *  4. the fences are taken back.
 *
 * When step 1 or 2 fails everything is evicted (every promise and cache
 * row, one transaction), then the fences are taken back; when even that
 * fails the tables stay fenced for good (never read) and the log says to
 * RELOAD or restart cbcached.
 */
#ifndef CB_INVALIDATE_H
#define CB_INVALIDATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cachedb.h"
#include "common/contract.h"
#include "common/error.h"

/*
 * A table set of a group: bit t stands for g->tables[t];
 * INVALIDATE_ALL_TABLES (every bit) for every table of the group, also
 * past the 64th.  Bits of tables the group does not have are ignored.
 */
#define INVALIDATE_ALL_TABLES UINT64_MAX

typedef struct invalidate_stats {
	_Atomic uint64_t posted;          /* jobs posted */
	_Atomic uint64_t applied;         /* jobs applied (or given up: see failures) */
	_Atomic uint64_t evictions;       /* control values removed */
	_Atomic uint64_t rows;            /* cache rows deleted (clearing and the sweep) */
	_Atomic uint64_t failures;        /* applications that failed (fell back to evicting everything) */
	_Atomic uint64_t reload_failures; /* failed reloads of complete tables (retried) */
} invalidate_stats;

typedef struct invalidate invalidate;

/*
 * Load again the complete tables of group whose bits are set in tables,
 * with their closure, from a backend snapshot opened now; called with the
 * cache write lock held.  True on success; false with err set.
 */
typedef bool (*invalidate_reload_fn)(void *arg, size_t group, uint64_t tables, cb_error *err);
/* Called after a post, so the thread that applies jobs wakes up. */
typedef void (*invalidate_wake_fn)(void *arg);

CB_MUSTCHECK invalidate *invalidate_create(cachedb *db, cb_error *err);
void invalidate_free(invalidate *inv);

/* Set before any post: the reload of complete tables (without one they stay unloaded) and the wake-up. */
void invalidate_set_reload(invalidate *inv, invalidate_reload_fn fn, void *arg);
void invalidate_set_wake(invalidate *inv, invalidate_wake_fn fn, void *arg);

/* Fence the tables of group and queue the job; any thread, never waits.  A
 * group out of range, or a set naming no table of it, queues nothing. */
void invalidate_post(invalidate *inv, size_t group, uint64_t tables);
/* Every table of every group. */
void invalidate_post_all(invalidate *inv);

/* Whether table t of group is fenced (out-of-range indices count as fenced). */
bool invalidate_fenced(const invalidate *inv, size_t group, size_t table);
/* Whether any table is fenced. */
bool invalidate_any_fenced(const invalidate *inv);
/* Jobs queued and not yet taken. */
uint64_t invalidate_pending(invalidate *inv);

/*
 * Take the queued jobs and apply them on c (not in a transaction); the
 * caller holds the cache write lock.  *applied (may be NULL) gets the
 * number of jobs taken.  False when applying failed (the fallback ran;
 * err says what failed).
 */
CB_MUSTCHECK bool invalidate_apply_locked(invalidate *inv, cachedb_conn *c, uint64_t *applied, cb_error *err);
/* Apply under the lock on a connection of its own (tools and tests without the collector's thread). */
CB_MUSTCHECK bool invalidate_apply(invalidate *inv, uint64_t *applied, cb_error *err);
/* Retry the reloads that failed; the caller holds the cache write lock. */
void invalidate_retry_reloads_locked(invalidate *inv);

const invalidate_stats *invalidate_get_stats(const invalidate *inv);

#endif /* CB_INVALIDATE_H */
