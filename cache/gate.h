/*
 * gate.h - the reader gate: whether a process other than cbcached may
 * answer from the cache file now (DESIGN.md section 1, "the cache file is
 * the truth").
 *
 * Functions prefix: gate_
 *
 * DESIGN
 *
 * cbcached decides a hit with what only it knows: the replica's fences
 * (a commit not yet applied, the catch-up after a start or a reconnect),
 * the stream's health, tables whose columns changed, invalidations not yet
 * applied, answers switched off.  A reader in another process (the ODBC
 * driver answering in the application's process) knows none of it; it
 * reads the gate instead:
 *
 *  - Two parts, both must say open (common/lease.h): the gate word, which
 *    a reader loads before it begins its read transaction, and the lease
 *    in the meta row GATE_META_KEY, which it reads inside it.
 *  - A fence raised outside a cache transaction closes the word
 *    (gate_close) before its raiser goes on, so before the client whose
 *    commit raised it learns of the commit; that never waits for the
 *    cache file's write lock (the applier may hold it: commit_wait_ms
 *    promises the client its answer all the same).
 *  - A change the applier cannot apply row by row closes the lease in the
 *    applier's own transaction (gate_close_in), so no reader sees the
 *    transaction's rows with the gate open.
 *  - The keeper thread, every lease_ms / 3 and when woken (gate_wake: a
 *    fence fell), asks the owner's clear() under the cache write lock
 *    whether nothing is fenced: then it writes a lease of lease_ms from
 *    now and sets the word's open bit with a compare-and-swap against the
 *    word it read before asking, so an opening never overtakes a close
 *    (every raiser raises its fence in memory before it closes the word).
 *    Otherwise it closes both.
 *  - cbcached killed or hung: the word may stay open, the lease runs out.
 *
 * Conservative by design: one fenced table closes the gate for every
 * table (fences are rare: commits the stream did not apply within
 * commit_wait_ms, TRUNCATE, schema changes, reconnects), and cbcached
 * itself answers at the finer grain it knows.  The applier also writes
 * GATE_META_DDL (the count of DDL and privilege changes applied) so that
 * readers know when to check their privileges again.
 */
#ifndef CB_GATE_H
#define CB_GATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cache/cachedb.h"
#include "cachegroup/generate.h"
#include "common/contract.h"
#include "common/error.h"

#define GATE_META_KEY CG_META_READER_GATE
#define GATE_META_DDL CG_META_DDL_GENERATION

/* Whether nothing is fenced (called by the keeper with the cache write lock held). */
typedef bool (*gate_clear_fn)(void *arg);

typedef struct gate_settings {
	int lease_ms; /* how long a reopening is valid; renewed every lease_ms / 3 */
	gate_clear_fn clear;
	void *arg;
} gate_settings;

typedef struct gate_stats {
	_Atomic uint64_t opens;  /* leases written (renewals included) */
	_Atomic uint64_t closes; /* closes of the word */
	_Atomic uint64_t failures;
	_Atomic bool open; /* what the file says now */
} gate_stats;

typedef struct gate gate;

/* Close the word and start the keeper (its first step writes the lease closed unless it may open);
 * NULL with err when the gate file cannot be mapped or the cache file opened. */
CB_MUSTCHECK gate *gate_start(cachedb *db, const gate_settings *s, cb_error *err);
/* Stop the keeper and write the gate closed for good (gate_close and gate_wake still work; NULL is a no-op). */
void gate_stop(gate *g);
/* Stop, then free g (NULL is a no-op); after everyone who may close or wake it is gone. */
void gate_free(gate *g);
/* Close the gate now (its word; never waits): readers that look after the return answer nothing. */
void gate_close(gate *g);
/*
 * A write a session answered is applied (its hold passed): count one more
 * change in an open word, keeping it open (a closed word changes anyway
 * when it reopens).  A reader that keeps a read transaction while the
 * word stays the same (hitpath_settings.hold_us) begins a new one, so a
 * client that learned of its commit reads it in any process.  Never waits.
 */
void gate_bump(gate *g);
/*
 * A sync another process asked for (its stamp, CLOCK_MONOTONIC
 * microseconds, taken after its commit) is applied to the cache file:
 * gate_bump, then publish the stamp in the gate file and wake the
 * processes waiting for it (common/lease.h), in that order, so a process
 * that sees the stamp knows every kept read transaction begun before the
 * commit ends before answering again.  Never waits.
 */
void gate_synced(gate *g, uint64_t stamp_us);
/* Close it inside the caller's write transaction on c (the caller holds the write lock). */
CB_MUSTCHECK bool gate_close_in(cachedb_conn *c, cb_error *err);
/* Check again soon whether it may reopen (a fence fell). */
void gate_wake(gate *g);
const gate_stats *gate_get_stats(const gate *g);

#endif /* CB_GATE_H */
