/*
 * replica.h - the cache as a replica of the backend's cached tables: the
 * change stream (src/stream.h) feeding the applier (cache/apply.h), and
 * the fences that give every session of this cbcached read-your-writes.
 *
 * Functions prefix: replica_
 *
 * DESIGN
 *
 * replica_start() sets up the slot and publication, empties the cache
 * when the stream cannot continue where the cache file stopped (a new
 * slot, or a file older than the slot's confirmed position: changes in
 * between are lost to it), and starts the stream from the file's
 * applied_lsn.  The stream's thread calls the applier for every message;
 * after each commit the stream may confirm its end LSN to the server.
 * A lost slot empties the cache and a new slot is made (recreate).
 *
 * Fences (read-your-writes): when a session learns that its write
 * committed (sesscache.c, before the client does), it fences the tables
 * the write may have changed (every table when that cannot be told):
 * the hit path answers nothing from them until the applier has passed the
 * commit.  The commit's position is taken by the sync thread: it emits a
 * logical message in a transaction of its own, on its own connection
 * (pg_logical_emit_message(true, 'cbcache', 'sync'), committed with
 * synchronous_commit on, so the WAL is flushed at once), whose LSN is past
 * every commit that completed before it, and gives that LSN to every
 * fence made before it asked; the stream brings the message to the
 * applier after those commits, and a fence falls once the applier's
 * position (its last commit's end LSN, or the last sync message) has
 * reached its LSN.  A quiet stream still moves: the message is its own
 * progress mark.
 *
 * DDL: the event trigger cbcached --install-backend creates emits a
 * transactional message (prefix cbcache_ddl) naming the OIDs of the
 * relations a DDL command touched.  At its commit the columns of the cache
 * tables among them are read from the catalog and compared with the
 * group's: a table whose columns or types changed is fenced for good
 * (apply_mark_changed) until the groups are compiled again; every DDL
 * bumps replica_ddl_generation() (sessions check their privileges again)
 * and calls on_ddl (the cache reads where writes reach again).
 *
 * Holds (read-your-writes without fences): instead of a fence, a session
 * may hold its client's acknowledgement of the commit (CommandComplete and
 * what follows) until the applier has passed it; the hold takes its
 * position from the sync thread as a fence does, and the session's
 * eventfd is written to when it falls.  Until the client sees the commit
 * no other session needs to see the write, so nothing is fenced and
 * the other sessions go on reading the cache; the session itself sends
 * its reads to the backend meanwhile.  A hold not fallen within
 * commit_wait_ms turns into fences (the session's) and the client gets
 * its answer.
 *
 * Catching up: at start and after each reconnection every table is fenced
 * (a sync message emitted then): the changes committed while cbcached was
 * stopped or the stream was down are applied before the cache answers.
 *
 * Health: while the stream is not streaming for longer than max_lag_ms
 * (down, reconnecting, at start), every table counts as fenced: the cache
 * answers nothing it may have missed changes of.  A table whose backend
 * columns changed (apply_table_changed) stays fenced until the groups are
 * compiled again.
 */
#ifndef CBD_REPLICA_H
#define CBD_REPLICA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/apply.h"
#include "cache/cachedb.h"
#include "cache/gate.h"
#include "cache/invalidate.h"
#include "src/daemon.h"
#include "src/stream.h"

typedef struct replica replica;

typedef struct replica_settings {
	const char *conninfo; /* the cache's backend conninfo (cache_user on cache_database) */
	const char *instance; /* instance_name */
	cachedb *db;
	invalidate *inv;
	gate *gate;      /* the reader gate: closed by every fence before its raiser goes on; NULL: none */
	int max_lag_ms;  /* 0: 5000 */
	int apply_batch; /* at most this many transactions of the stream in one SQLite commit (0: 1) */
	xidwatch *xids;  /* where the applier notes applied transactions for the fills (xidwatch.h); NULL: nowhere */
	/* DDL committed on the backend (after the columns of the cache tables it names were checked) */
	void (*on_ddl)(void *arg);
	void *ddl_arg;
} replica_settings;

/* Set up and start the stream (see the DESIGN); NULL with the cause and the fix in err. */
CB_MUSTCHECK replica *replica_start(const replica_settings *s, cb_error *err);
/* Stop the stream and the sync thread, free; NULL is fine. */
void replica_stop(replica *r);
/* Stop streaming for good and release the slot's connection, keeping r
 * for the sessions that still call it: every table fenced, holds refused
 * (cachesvc_retire); replica_stop frees it later.  NULL is fine. */
void replica_halt(replica *r);

/*
 * cbcache-admin DROP SLOT: stop the stream for good and drop the slot and
 * the publication; from the call on nothing is answered from the cache
 * (replica_fenced is true for every table).  False with err (the backend's
 * refusal and the statement to run) when dropping failed; the stream stays
 * stopped then too.
 */
CB_MUSTCHECK bool replica_drop_slot(replica *r, bool *slot_dropped, bool *publication_dropped, cb_error *err);
/* "cbcache_<instance_name>". */
void replica_slot_name(replica *r, char *buf, size_t n);

/* Whether table t of group g may not be answered now (a fence, the stream down, a changed table). */
bool replica_fenced(replica *r, size_t group, size_t table);
/* A session's write committed: fence the tables of group g (bit t; INVALIDATE_ALL_TABLES: all). */
void replica_fence(replica *r, size_t group, uint64_t tables);
/* ... every table of every group. */
void replica_fence_all(replica *r);
/*
 * A session's write committed and its client waits for the commit's
 * acknowledgement until the applier has passed it (see the DESIGN): a
 * hold, which fences nothing.  Returns its id, 0 when the stream is not
 * streaming or memory ran out (then fence instead).  notify_fd (an
 * eventfd) is written to when the hold falls.
 */
uint64_t replica_hold(replica *r, int notify_fd);

/*
 * Another process committed a write on its own backend connection (the
 * ODBC driver with a direct backend, doc/cache.md) and asks, through the
 * hit socket, to know when the cache has it: the sync thread emits a sync
 * message stamped with the moment it asked (CLOCK_MONOTONIC microseconds,
 * after the request arrived, so after that commit), and the commit that
 * applies the message writes the stamp into the cache file and the gate
 * file (cache/gate.h gate_synced).  Requests that arrive together share
 * one message.  Never waits.
 */
void replica_request_sync(replica *r);
/* Whether hold id has fallen (the applier passed the commit), or was never made. */
bool replica_hold_passed(replica *r, uint64_t id);
/* Take hold id away (fallen or not): its session fenced instead (timed_out) or ended. */
void replica_hold_cancel(replica *r, uint64_t id, bool timed_out);
/*
 * The memo of backend answers (doc/cache.md): the source position of the
 * tables in tables[g] (cache/apply.h apply_source_position) into *pos;
 * false when there is no applier, or while a DDL transaction is being
 * applied and the catalog has not been read anew after it (the judgement
 * of which answers may be kept depends on the catalog).
 */
bool replica_source_position(replica *r, const uint64_t *tables, size_t ngroups, uint64_t *pos);
/*
 * Whether every transaction the applier applied is known visible to a new
 * snapshot on the backend (xidwatch.h: none noted is pending).  When not,
 * the sync thread is asked to find out (a snapshot on its connection), so
 * a later call may say yes; never waits.
 */
bool replica_settled(replica *r);

/* Fences up (for tests and SHOW STATS; holds are not fences). */
size_t replica_fences(replica *r);
/* Whether replica_fenced is false for every table: streaming, no fence up, no changed table. */
bool replica_clear(replica *r);

/* Bumped when the backend reports a privilege or schema change (DDL): sessions check their settings again. */
unsigned replica_ddl_generation(replica *r);

typedef struct replica_counters {
	uint64_t applied_lsn, received_lsn, confirmed_lsn, server_wal_end;
	int64_t lag_bytes; /* server_wal_end - confirmed */
	int64_t lag_ms;    /* age of the newest transaction not yet applied (0 when caught up) */
	uint64_t transactions, changes, rows_written, rows_deleted, rows_not_needed, control_evictions, invalidations,
	        schema_changes, failures, skipped;
	uint64_t apply_commits; /* SQLite commits that applied the transactions (several in one under a flood) */
	uint64_t reconnects, slots_lost, syncs, sync_requests, fences_made, fences_up, holds_made, hold_timeouts;
	uint64_t settle_checks;    /* snapshots the sync thread took for replica_settled */
	uint64_t fences_coalesced; /* fences taken in by the newest one not yet positioned (of fences_made) */
	uint64_t messages;         /* pgoutput messages the stream decoded (counted before the applier takes each) */
	const char *state;         /* stream_state_name */
	bool healthy;              /* streaming, or down for less than max_lag_ms */
} replica_counters;
void replica_get_counters(replica *r, replica_counters *c);
/* The stream's last error ("" when none). */
void replica_last_error(replica *r, char *buf, size_t n);

#endif /* CBD_REPLICA_H */
