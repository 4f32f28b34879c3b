/*
 * cachesvc.h - the cache service of cbcached: owns the cache core (the
 * compiled cache groups, the cache DB, the fill, hit counter and garbage
 * collector threads) for the daemon's lifetime, and gives the admin
 * commands (FILL, EVICT, VERIFY, SHOW FILLS/CONTROLS, SHOW STATS) their data.
 *
 * Functions prefix: cachesvc_
 *
 * cachesvc_start() runs in the main thread before the daemon listens:
 * compile the cache groups as cache_user on cache_database, open (or
 * rebuild) the cache DB, load the complete tables, start the threads.  The
 * other functions are for the admin socket, i.e. the main thread only:
 * they share one SQLite connection opened at start; those the sessions
 * call say so.
 *
 * Lifetime.  The main thread holds one reference, each session bound to
 * the service another (cachesvc_ref, taken by sesscache_new).  RELOAD
 * replaces a running service whose tables changed on the backend (their
 * groups must be compiled again): the successor is compiled first
 * (cachesvc_prepare) while the old one runs on; then the old one is retired
 * (its change stream, fill, collector and hit counter threads stopped, the
 * replication slot released, nothing answered from it any more) and the
 * successor launched (cachesvc_launch) on the same cache file and slot.
 * Sessions that connected before keep their reference and relay every
 * statement; their commits that wrote fence every table of the current
 * service (cachesvc_invalidate on a retired service).  The retired
 * service is freed with the last of them.
 */
#ifndef CBD_CACHESVC_H
#define CBD_CACHESVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cachedb.h"
#include "src/config.h"
#include "src/hitsock.h"
#include "src/daemon.h"
#include "cache/fill.h"
#include "cache/gate.h"
#include "cache/control.h"
#include "cache/gc.h"
#include "cache/hitcount.h"
#include "cache/verify.h"

typedef struct cachesvc cachesvc;

/* Whether cfg asks for a cache (cache_db and cache_groups both set). */
bool cachesvc_configured(const cfg_config *cfg);

/* Start the cache of cfg (prepare, then launch); false with the cause and the fix in err. */
CB_MUSTCHECK bool cachesvc_start(const cfg_config *cfg, cachesvc **out, cb_error *err);
/* Compile the cache groups of cfg on the backend: a service not started
 * yet (launch it, or cachesvc_stop it); false with the cause in err. */
CB_MUSTCHECK bool cachesvc_prepare(const cfg_config *cfg, cachesvc **out, cb_error *err);
/* Open the cache file, start the change stream and the threads of a
 * prepared service; false with the cause in err (then cachesvc_stop it). */
CB_MUSTCHECK bool cachesvc_launch(cachesvc *s, const cfg_config *cfg, cb_error *err);
/* Stop the threads (a fill in progress finishes first) and the change
 * stream; from now on nothing is answered from s.  Idempotent. */
void cachesvc_retire(cachesvc *s);
/* Whether s was retired (sessions: relay everything). */
bool cachesvc_retired(cachesvc *s);
/* A reference for a session (any thread); cachesvc_unref gives it back,
 * and the last one frees s (retiring it first). NULL is fine for unref. */
cachesvc *cachesvc_ref(cachesvc *s);
void cachesvc_unref(cachesvc *s);
/* Retire s and give back the main thread's reference; NULL is fine. */
void cachesvc_stop(cachesvc *s);
/* Cache tables whose columns changed on the backend since s started: they
 * are answered from the backend until the groups are compiled again. */
size_t cachesvc_tables_changed(cachesvc *s);

/* Counters for SHOW STATS. */
typedef struct cachesvc_counters {
	uint64_t fills_queued, fills_done, fills_failed, fills_retried, fills_refused, rows_loaded, fill_ms;
	uint64_t evictions, rows_evicted;
	uint64_t hits_posted, hits_applied, hits_overflow;
	int64_t cache_rows, cache_bytes; /* -1 when they could not be read */
	size_t queue_length;
	uint64_t fills_posted; /* fill requests the sessions posted (cachesvc_post_fill) that were queued or merged */
	uint64_t fills_queue_full; /* fill requests dropped: queue full */
	/* invalidation after writes (gc.h) */
	uint64_t invalidations, invalidations_applied, invalidation_evictions, invalidation_failures;
	uint64_t reload_failures; /* failed reloads of complete tables after an invalidation (retried) */
} cachesvc_counters;
void cachesvc_get_counters(cachesvc *s, cachesvc_counters *c);

/* FILL name value: queue a fill; *merged tells whether an equal request
 * was already queued.  False with err for an unknown fill column, a value
 * refused or a full queue. */
CB_MUSTCHECK bool cachesvc_fill(cachesvc *s, const char *name, const char *value, bool *merged, cb_error *err);
/* EVICT name value; *found tells whether the value was loaded. */
CB_MUSTCHECK bool cachesvc_evict(cachesvc *s, const char *name, const char *value, bool *found, cb_error *err);
/* EVICT ALL. */
CB_MUSTCHECK bool cachesvc_evict_all(cachesvc *s, cb_error *err);
/* VERIFY: the number of violations (each reported to fn), -1 with err. */
long cachesvc_verify(cachesvc *s, verify_report_fn fn, void *arg, cb_error *err);

/* "table.column" of fill f of group g into buf. */
void cachesvc_fill_name(cachesvc *s, size_t group, size_t fill, char *buf, size_t len);
fill_daemon *cachesvc_fill_daemon(cachesvc *s);
/* SHOW CONTROLS: control_summary() on the admin connection. */
CB_MUSTCHECK bool cachesvc_controls(cachesvc *s, control_summary_fn fn, void *arg, cb_error *err);

/* --- for the sessions and the hit path (any thread) --------------------- */

/*
 * A write to tables of group committed (bit t for g->tables[t],
 * GC_ALL_TABLES: the whole group): call BEFORE the client is told.  With
 * the change stream, fences the tables until the applier has passed the
 * commit (src/replica.h: the stream brings the change itself).  Without
 * it, marks the tables dirty (the hit path reads nothing of them) and
 * queues the invalidation for the garbage collector's thread, which
 * applies it after every fill whose snapshot may predate the write (see
 * gc.h).  Never waits for a fill or for SQLite.
 */
void cachesvc_invalidate(cachesvc *s, size_t group, uint64_t tables);
/* Every table of every group (a write that cannot be attributed: DO, CALL, ...). */
void cachesvc_invalidate_all(cachesvc *s);

/*
 * Instead of cachesvc_invalidate: hold the client's acknowledgement of a
 * commit until the change stream has applied it (src/replica.h, Holds).
 * cachesvc_hold returns the hold's id, 0 when there is no stream, it is
 * not streaming or commit_wait_ms is 0 (then invalidate).  notify_fd (an
 * eventfd) is written to when the hold falls; cachesvc_hold_passed says
 * whether it has; cachesvc_hold_cancel takes it away (after the session
 * invalidated instead: timed_out, or at its end).
 */
int cachesvc_commit_wait_ms(cachesvc *s);
uint64_t cachesvc_hold(cachesvc *s, int notify_fd);
bool cachesvc_hold_passed(cachesvc *s, uint64_t id);
void cachesvc_hold_cancel(cachesvc *s, uint64_t id, bool timed_out);

/* Read at start on a connection with the fill's session settings:
 * whether the cache database compares text under the C (or POSIX)
 * collation, and the fill session's TimeZone. */
bool cachesvc_collation_c(cachesvc *s);
/* Wait until no invalidation is queued or being applied and no write
 * through cbcached waits for the change stream (no table is fenced), the
 * fill queue is empty and no fill runs (admin WAIT FILLS); false after
 * timeout_ms. */
bool cachesvc_wait_idle(cachesvc *s, int timeout_ms);
/* The hit path's engine (hit/hitpath.h), shared by the sessions. */
struct hitpath_engine *cachesvc_hit_engine(cachesvc *s);
/* The backend database the cache mirrors (sessions on others only relay). */
const char *cachesvc_database(cachesvc *s);
const char *cachesvc_fill_timezone(cachesvc *s);

/* The cache DB and the hit counter (owned by the service). */
cachedb *cachesvc_cachedb(cachesvc *s);
hitcount *cachesvc_hitcount(cachesvc *s);

/*
 * Where writes reach and which function calls are harmless (cache/reach.h),
 * with a reference the caller drops (reach_unref); *generation changes
 * with every reload.
 */
struct reach *cachesvc_reach(cachesvc *s, unsigned *generation);
unsigned cachesvc_reach_generation(cachesvc *s);
/* DDL committed: read the catalog again (a new connection; the caller waits). */
void cachesvc_catalog_changed(cachesvc *s);

/* Bumped at every DDL the change stream reports: sessions run their settings check again. */
unsigned cachesvc_ddl_generation(cachesvc *s);
/* Whether the cache may answer at all (not: require_stream without a stream). */
bool cachesvc_answers(cachesvc *s);
/* The change stream's slot name ("" without a stream). */
void cachesvc_slot_name(cachesvc *s, char *buf, size_t n);
/* cbcache-admin DROP SLOT (src/replica.h): msg says what was dropped and what follows; false with err. */
CB_MUSTCHECK bool cachesvc_drop_slot(cachesvc *s, char *msg, size_t n, cb_error *err);
/* Whether the backend's DDL event triggers (cbcached --install-backend) were installed at the start. */
bool cachesvc_ddl_triggers(cachesvc *s);
/* The memo of backend answers (src/backmemo.h); NULL: none (memo_backend_mb 0, no stream, no DDL triggers). */
struct backmemo *cachesvc_backmemo(cachesvc *s);
/*
 * The source position (cache/apply.h) of the tables in tables[g] into
 * *pos, for the memo of backend answers; false when there is no such memo,
 * no stream, or one of them may not be answered now (a fence, a changed
 * table, the stream down).
 */
bool cachesvc_source_position(cachesvc *s, const uint64_t *tables, size_t ngroups, uint64_t *pos);
/* Whether every applied transaction is known visible on the backend (src/replica.h replica_settled). */
bool cachesvc_settled(cachesvc *s);
/* The change stream's counters into *c (true), or why there is none in why (false). */
struct replica_counters;
bool cachesvc_stream(cachesvc *s, struct replica_counters *c, char *why, size_t n);

/* Queue a fill after a miss (fill_enqueue()): never blocks; false when
 * refused or the queue is full (counted, logged at debug level). */
bool cachesvc_post_fill(cachesvc *s, size_t group, size_t fill, const char *value);

/*
 * The cache file other processes may answer from (doc/cache.md, "Other
 * processes reading the cache file"): its absolute path while the reader
 * gate runs and in_process_reads is on; NULL otherwise.
 */
const char *cachesvc_in_process_file(cachesvc *s);
/*
 * The connection string (host, port, options: direct_backend) with which a
 * client answering in-process may send what it does not answer straight
 * to the backend (doc/cache.md, "Misses and writes on the client's own
 * connection"); NULL when not offered (also while the hit socket, which
 * takes such clients' fills and sync requests, does not run).
 */
const char *cachesvc_direct_backend(cachesvc *s);
/* The random id of this start of the cache, also in the file's meta row cache_id (32 hex digits). */
const char *cachesvc_cache_id(cachesvc *s);
/* The reader gate's counters (cache/gate.h); NULL when the cache has none. */
const gate_stats *cachesvc_gate_stats(cachesvc *s);
/* The counters of other processes' hit reports (src/hitsock.h); NULL when none are taken. */
const hitsock_stats *cachesvc_hitsock_stats(cachesvc *s);

#endif /* CBD_CACHESVC_H */
