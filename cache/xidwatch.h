/*
 * xidwatch.h - the backend transactions the applier has written into the
 * cache file that a new snapshot on the backend might not show yet.
 *
 * Functions prefix: xidwatch_
 *
 * DESIGN
 *
 * PostgreSQL makes a commit durable (its WAL record written and flushed)
 * before it makes it visible (the transaction leaves the proc array).  In
 * between, the change stream can already carry it: with synchronous
 * replication the gap is the standby's round trip, without it a busy
 * machine can stop the committing backend there for milliseconds.  Were a
 * fill to open its snapshot in that gap, after the applier had applied the
 * transaction, the fill would install the rows as they were before it, and
 * nothing would ever correct them: the stream has delivered the change
 * already (the converse order, a commit after the fill's snapshot, is
 * handled by the cache write lock; see apply.h).
 *
 * So the applier notes the xid of each transaction that changed cache
 * tables (under the cache write lock, before it releases it), and a fill,
 * holding the same lock, reads its snapshot (pg_current_snapshot() as the
 * first statement of its REPEATABLE READ transaction) and asks whether
 * every noted transaction is visible in it.  A noted xid a snapshot shows
 * is forgotten: every later snapshot shows it too.  One it does not show
 * makes the fill take a new snapshot; the gap closes by itself.
 *
 * The set only grows between fills; the owner prunes it with a snapshot
 * of its own when it grows past xidwatch_prune_at (replica.c does, on the
 * stream's catalog connection).
 *
 * Xids are 32 bits as pgoutput sends them and compared modulo 2^32 like
 * PostgreSQL's TransactionIdPrecedes; the snapshot's 64-bit xid8 values
 * are reduced to the same.  A noted xid is at most one wraparound old,
 * which PostgreSQL itself guarantees for a transaction still running.
 *
 * Thread-safe: one mutex.
 */
#ifndef CB_XIDWATCH_H
#define CB_XIDWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/contract.h"
#include "common/error.h"

typedef struct xidwatch xidwatch;

/* Past this many noted xids the owner should prune (xidwatch_check with a fresh snapshot). */
#define xidwatch_prune_at 1024

/* An empty watch; NULL when out of memory. */
CB_MUSTCHECK xidwatch *xidwatch_new(void);
void xidwatch_free(xidwatch *w);

/* Note committed transaction xid as applied to the cache file; false when out of memory. */
CB_MUSTCHECK bool xidwatch_note(xidwatch *w, uint32_t xid);

/*
 * Whether snapshot (pg_current_snapshot()'s text, "xmin:xmax:xip,...")
 * shows every noted transaction; those it shows are forgotten.  False
 * with *hidden set to one it does not show; false with err set (and
 * *hidden 0) when the text cannot be read.
 */
CB_MUSTCHECK bool xidwatch_check(xidwatch *w, const char *snapshot, uint32_t *hidden, cb_error *err);

/* How many transactions are noted. */
size_t xidwatch_pending(xidwatch *w);

#endif
