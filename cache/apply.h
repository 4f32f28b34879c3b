/*
 * apply.h - the applier: the backend's changes, read from its logical
 * replication stream (cache/pgoutput.h, src/stream.h), applied to the
 * cache file row by row, keeping every invariant (DESIGN.md section 1).
 *
 * Functions prefix: apply_
 *
 * DESIGN
 *
 * Backend transactions are applied in SQLite transactions, under the
 * cache write lock (so they never interleave with a fill or an eviction).
 * A SQLite transaction holds one backend transaction (apply_commit) or
 * several that followed each other in the stream (apply_commit_later ...
 * apply_flush: a flood of small transactions costs one SQLite commit per
 * batch, not one each), and ends with the last one's end LSN written to
 * the meta table (`applied_lsn`) in the same SQLite transaction: the file
 * always says how far it is, and a reader sees a batch whole or not at
 * all, which is a state the backend passed through.  A transaction whose
 * commit is not above applied_lsn was applied before (the stream sends
 * again after a restart, and a batch rolled back is sent again whole) and
 * is skipped.
 *
 * A change of a row of cache table T (relations are matched by OID; their
 * columns by name, checked against the group's columns and types):
 *
 *  - DELETE: the cached row with the old key goes.  Always safe: the row
 *    is gone from the backend too, and no promise needs a row that does not
 *    exist.
 *  - UPDATE of a cached row that keeps its key and every column a promise
 *    looks at (fill columns, RCC sources and targets): replaced in place.
 *    Unchanged TOAST values (pgoutput's 'u') are taken from the cached
 *    row.  Any other UPDATE is a DELETE of the old row and the new image
 *    handled as an INSERT.
 *  - INSERT (and a new image): the row is needed when a promise covers it
 *    (the generated CG_STMT_APPLY_REQUIRED: T is complete and loaded, a
 *    fill value on T is loaded, an RCC source holds its RCC target value);
 *    a row nobody needs is not cached.  A needed row carries promises of
 *    its own (each RCC T.c -> U.d: U.d = c complete); when they hold
 *    already (the entry point's probe) the row is written.  When one does
 *    not (the rows of U are not cached and the stream has not got them),
 *    except for an INSERT when U.d has a foreign key (not deferrable)
 *    referencing T.c: no row of U can hold the new value before the insert,
 *    and the ones inserted after it are needed by it (unless this
 *    transaction passed over a row of U before; then the rule below),
 *    the promises that needed the row are dropped instead: when they are
 *    only fill values of T, those control values are evicted (their rows
 *    stay, harmless); otherwise T is invalidated (cache/invalidate.h:
 *    fenced at once, cleared and refilled by the collector's thread).
 *  - TRUNCATE: T is invalidated (its rows and every control value that
 *    reaches it).
 *  - A Relation whose columns or types differ from the group's (ALTER
 *    TABLE): T is invalidated and marked changed (apply_table_changed):
 *    the cache answers nothing from it until the groups are compiled again
 *    (a restart of cbcached).  A row of T that cannot be read (a column
 *    missing) does the same.
 *
 * The fill/write race: a fill holds the cache write lock from before it
 * opens its backend snapshot until its rows are in, so no transaction is
 * applied in between; a transaction that committed after the snapshot is
 * applied after the fill's rows (row images are idempotent: one already
 * in the snapshot is applied again harmlessly).  The converse, a
 * transaction applied before the fill whose commit the fill's snapshot
 * does not show yet (durable before visible), is caught by the xids the
 * applier notes (apply_set_xidwatch, xidwatch.h).
 */
#ifndef CB_APPLY_H
#define CB_APPLY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cachedb.h"
#include "cache/gate.h"
#include "cache/invalidate.h"
#include "cache/pgoutput.h"
#include "cache/xidwatch.h"
#include "common/contract.h"
#include "common/error.h"

typedef struct apply_stats {
	_Atomic uint64_t transactions;      /* backend transactions applied (committed to the file) */
	_Atomic uint64_t commits;           /* SQLite commits that applied them (batches) */
	_Atomic uint64_t skipped;           /* transactions applied before (not above applied_lsn) */
	_Atomic uint64_t changes;           /* INSERT, UPDATE, DELETE and TRUNCATE messages of cache tables */
	_Atomic uint64_t rows_written;      /* rows inserted or replaced */
	_Atomic uint64_t rows_deleted;      /* cached rows deleted */
	_Atomic uint64_t rows_not_needed;   /* new images no promise covers (not cached) */
	_Atomic uint64_t control_evictions; /* control values dropped: a new row's closure was not cached */
	_Atomic uint64_t invalidations;     /* tables invalidated (closure not cached, TRUNCATE, schema change) */
	_Atomic uint64_t schema_changes;    /* cache tables whose backend columns changed */
	_Atomic uint64_t failures;      /* SQLite transactions that failed (rolled back; the stream sends them again) */
	_Atomic uint64_t applied_lsn;   /* the end LSN of the last applied transaction */
	_Atomic int64_t applied_at_us;  /* when (cb_clock_now_us) */
	_Atomic int64_t commit_time_us; /* its commit time on the backend (Unix microseconds) */
} apply_stats;

typedef struct applier applier;

/*
 * An applier for db; invalidations go to inv.  Reads applied_lsn from the
 * meta table (0 when the file has none).  NULL with err.
 */
CB_MUSTCHECK applier *apply_create(cachedb *db, invalidate *inv, cb_error *err);
void apply_free(applier *a);

/* Note the xid of every applied transaction that changed cache tables in w (see xidwatch.h); NULL: none. */
void apply_set_xidwatch(applier *a, xidwatch *w);
/*
 * The reader gate (gate.h) to close when a change cannot be applied row by
 * row: in the transaction that posts its invalidation, or at once when a
 * table is marked changed outside one.  NULL: none.
 */
void apply_set_gate(applier *a, gate *g);
/* The transaction being applied carries DDL or a privilege change: its commit counts it in the
 * meta row GATE_META_DDL, so that readers of the file check their privileges again. */
void apply_note_ddl(applier *a);

/*
 * Source positions, for the memo of backend answers (doc/cache.md): per
 * cache table, the count of applied transactions that changed its backend
 * rows (cached or not; in memory, from 0 at the applier's start), plus an
 * epoch that DDL, a reset and a table whose columns changed advance.  A
 * transaction's xid is noted (apply_set_xidwatch) before its positions
 * advance, after its SQLite commit.  apply_source_position() is the epoch
 * plus the positions of the tables in tables[g] (bit t: table t of group
 * g): it only grows, and differs from an earlier value once any of them
 * changed.  Any thread.
 */
uint64_t apply_source_position(const applier *a, const uint64_t *tables, size_t ngroups);
/* Advance the epoch: every source position differs from before (a reconnect, a reset). */
void apply_advance_epoch(applier *a);

/* The end LSN of the last applied transaction (0: none). */
uint64_t apply_applied_lsn(const applier *a);
/* The stream is idle at lsn (no change of a cache table before it is unapplied): record it as
 * applied_lsn, so that the slot may be confirmed there without the file falling behind it. */
CB_MUSTCHECK bool apply_note_position(applier *a, uint64_t lsn, cb_error *err);
/*
 * Inside a transaction being applied: its commit also writes stamp_us as
 * the file's CG_META_SYNCED (the stamp of a sync another process asked
 * for; cache/gate.h gate_synced).  False (nothing noted) outside a transaction, or in one applied before (skipped).
 */
bool apply_note_synced(applier *a, uint64_t stamp_us);
/* The cache was emptied (a new slot): forget applied_lsn (written as 0). */
CB_MUSTCHECK bool apply_reset(applier *a, cb_error *err);

/*
 * One backend transaction: begin, its changes, commit (or abort when the
 * stream broke).  apply_begin() opens a SQLite transaction (taking the
 * write lock) unless one is open with transactions waiting in it.
 */
CB_MUSTCHECK bool apply_begin(applier *a, const pgoutput_begin *m, cb_error *err);
CB_MUSTCHECK bool apply_relation(applier *a, const pgoutput_relmsg *m, cb_error *err);
CB_MUSTCHECK bool apply_insert(applier *a, const pgoutput_insert *m, cb_error *err);
CB_MUSTCHECK bool apply_update(applier *a, const pgoutput_update *m, cb_error *err);
CB_MUSTCHECK bool apply_delete(applier *a, const pgoutput_delete *m, cb_error *err);
CB_MUSTCHECK bool apply_truncate(applier *a, const pgoutput_truncate *m, cb_error *err);
/* End the transaction and commit it, with the ones waiting before it, to the file. */
CB_MUSTCHECK bool apply_commit(applier *a, const pgoutput_commit *m, cb_error *err);
/*
 * End the transaction; its SQLite commit waits for apply_flush() or the
 * next apply_commit(), the write lock held meanwhile (so the caller flushes
 * before it waits for more input).  Its xid is noted already.  Until the
 * commit, applied_lsn, the source positions and the stats say nothing of it.
 */
CB_MUSTCHECK bool apply_commit_later(applier *a, const pgoutput_commit *m, cb_error *err);
/* Commit the transactions waiting (none: true).  On failure they are rolled back, as apply_abort. */
CB_MUSTCHECK bool apply_flush(applier *a, cb_error *err);
/* How many ended transactions wait for the commit, and the last one's end LSN (0: none). */
size_t apply_pending(const applier *a);
uint64_t apply_pending_lsn(const applier *a);
/* Roll back the open SQLite transaction: the one being applied and every one waiting. */
void apply_abort(applier *a);

/* Whether table t of group g changed on the backend (see the DESIGN): nothing of it may be answered. */
bool apply_table_changed(const applier *a, size_t g, size_t t);
/* Whether any table changed on the backend. */
bool apply_any_changed(const applier *a);
/* The cache table with backend OID oid: false when none. */
bool apply_find_table(const applier *a, uint32_t oid, size_t *g, size_t *t);
/* Mark table t of group g changed on the backend (why: for the log) and invalidate it. */
void apply_mark_changed(applier *a, size_t g, size_t t, const char *why);

const apply_stats *apply_get_stats(const applier *a);

#endif /* CB_APPLY_H */
