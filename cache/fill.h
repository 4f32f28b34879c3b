/*
 * fill.h - the fill daemon: loads fill values with their closure, bottom-up.
 *
 * Functions prefix: fill_
 *
 * DESIGN
 *
 * One thread takes (group, fill column, value) requests from a bounded,
 * deduplicated queue (cache/fillqueue.h).  A fill:
 *
 *  1. takes the cache write lock (fills and evictions never interleave:
 *     the values a fill finds complete in the cache stay complete until
 *     its control row is in);
 *  2. reads its whole closure from ONE backend snapshot (REPEATABLE READ
 *     READ ONLY): the fill rows, then the rows of every RCC target for the
 *     values the fetched rows carry, to a fixpoint, skipping values that
 *     are already complete in the cache (the generated probes) or already
 *     requested by this fill;
 *  3. writes it bottom-up: one SQLite transaction per atomic zone, in the
 *     load order (targets first), INSERT OR IGNORE (rows already cached
 *     are skipped), then the control row in a last transaction.
 *
 * Every committed step leaves a valid state: a zone's rows only carry
 * values whose target rows are committed already (earlier zones) or in
 * the same transaction (the zone itself).  All backend reads come before
 * the first write, so a backend error or disconnect leaves the cache
 * untouched and no control row; the request is retried with exponential
 * backoff.  A value the backend rejects (not of the column's type) or one
 * outside the fill's `values (...)` list is refused, never retried.
 *
 * The fill/write race (DESIGN.md section 1): a write that commits after
 * the snapshot of step 2 is not in what the fill installs.  The fill holds
 * the cache write lock from before it opens the snapshot until its
 * control row is in, and the invalidation of a write (gc.h, posted before
 * the client learns of the commit) is applied under the same lock: it
 * runs after every fill that may have missed the write and removes what
 * such a fill installed.  Fills that take the lock later open their
 * snapshot after the write committed.
 *
 * fill_run_one() runs one fill synchronously (admin FILL, tests); the
 * thread and fill_run_one() share one backend connection and one SQLite
 * connection, both used only under the cache write lock.
 */
#ifndef CB_FILL_H
#define CB_FILL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cachedb.h"
#include "cache/xidwatch.h"

typedef struct fill_settings {
	const char *backend_conninfo; /* libpq conninfo of the backend (copied) */
	size_t queue_max;             /* requests waiting or in flight; 0: 1024 */
	int retry_base_ms;            /* first retry delay, doubled per failure; 0: 200 */
	int retry_max_ms;             /* delay cap; 0: 60000 */
	int max_attempts;             /* give a request up after this many failed runs; 0: 10 */
	xidwatch *xids;               /* the applier's transactions each snapshot must show; NULL: no stream */
} fill_settings;

/* Counters, written by the fill thread and callers, read by anyone. */
typedef struct fill_stats {
	_Atomic uint64_t queued;      /* requests added to the queue */
	_Atomic uint64_t merged;      /* requests merged into an equal one */
	_Atomic uint64_t refused;     /* values refused (permitted list, type) */
	_Atomic uint64_t queue_full;  /* requests dropped: queue full */
	_Atomic uint64_t done;        /* fills completed (control row in) */
	_Atomic uint64_t failed;      /* fill runs that failed (backend, cache) */
	_Atomic uint64_t retried;     /* failed requests put back with backoff */
	_Atomic uint64_t gave_up;     /* requests dropped after max_attempts */
	_Atomic uint64_t rows_loaded; /* rows inserted into cache tables */
	_Atomic uint64_t fill_us;     /* time spent in fills */
} fill_stats;

typedef enum fill_result {
	FILL_OK,
	FILL_REFUSED, /* the value may never be loaded: not retried */
	FILL_FAILED   /* backend or cache error: may succeed later */
} fill_result;

typedef enum fill_enqueue_result {
	FILL_QUEUED,
	FILL_MERGED,     /* an equal request is waiting or in flight */
	FILL_NOT_QUEUED, /* refused (err says why) or queue full */
} fill_enqueue_result;

/* Test hook points. */
typedef enum fill_hook_point {
	FILL_HOOK_FETCHING, /* the snapshot is open, the fill rows not fetched yet */
	FILL_HOOK_ZONE,     /* a zone's transaction committed (zone = its index in g->zones) */
	FILL_HOOK_CONTROL   /* the control row committed */
} fill_hook_point;

typedef void (*fill_hook_fn)(void *arg, fill_hook_point point, size_t group, size_t zone);

typedef struct fill_daemon fill_daemon;

/* A fill daemon for db (not started). */
CB_MUSTCHECK fill_daemon *fill_create(cachedb *db, const fill_settings *s, cb_error *err);
/* Start the thread. */
CB_MUSTCHECK bool fill_start(fill_daemon *fd, cb_error *err);
/* Stop the thread (waits for the fill in progress); queued requests are dropped. */
void fill_stop(fill_daemon *fd);
void fill_free(fill_daemon *fd);

/* Set the test hook (called under the cache write lock). */
void fill_set_hook(fill_daemon *fd, fill_hook_fn fn, void *arg);

/* Queue a request, never blocking on a fill.  Values outside the fill's
 * permitted list (or not of its type) are refused with err set. */
fill_enqueue_result fill_enqueue(fill_daemon *fd, size_t group, size_t fill, const char *value, cb_error *err);

/* Run one fill now, synchronously. */
fill_result fill_run_one(fill_daemon *fd, size_t group, size_t fill, const char *value, cb_error *err);

/* Load every `complete` table with its closure (at start). */
fill_result fill_load_complete(fill_daemon *fd, cb_error *err);

/*
 * Load the complete tables of group whose bits are set in tables (bit t
 * for g->tables[t]; UINT64_MAX: all) with their closure, from a backend
 * snapshot opened now, and record them as loaded.  The caller holds the
 * cache write lock (the garbage collector reloads the complete tables an
 * invalidation cleared: see gc.h).  The fill daemon's connections are
 * only used under that lock, so any thread holding it may call this.
 */
fill_result fill_load_complete_locked(fill_daemon *fd, size_t group, uint64_t tables, cb_error *err);

/* Wait until the queue is empty and no fill runs; false on timeout. */
bool fill_wait_idle(fill_daemon *fd, int timeout_ms);

/* Requests waiting or in flight. */
size_t fill_queue_length(fill_daemon *fd);

const fill_stats *fill_get_stats(const fill_daemon *fd);

/* The last failure's message ("" when none); copied into buf. */
void fill_last_error(fill_daemon *fd, char *buf, size_t len);

/* One finished fill, for SHOW FILLS. */
typedef struct fill_recent {
	size_t group, fill;
	char value[64]; /* truncated */
	fill_result result;
	uint64_t rows;       /* rows inserted */
	int64_t duration_us; /* from taking the lock to the control row */
	int64_t finished_us; /* microseconds since the epoch */
	char error[200];     /* "" on success */
} fill_recent;

#define FILL_RECENT_MAX 32

/* The last fills, newest first; returns how many were copied (<= max). */
size_t fill_get_recent(fill_daemon *fd, fill_recent *out, size_t max);

/* Call fn for each queued request (waiting or in flight), under the queue
 * lock: fn must not call back into the fill daemon. */
void fill_queue_foreach(fill_daemon *fd,
                        void (*fn)(void *arg, size_t group, size_t fill, const char *value, int attempts,
                                   bool in_flight),
                        void *arg);

/* The backend process id of the fill's connection, 0 when not connected
 * (tests terminate it from a hook). */
int fill_backend_pid(fill_daemon *fd);

#endif /* CB_FILL_H */
