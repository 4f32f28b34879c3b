/*
 * readergate.h - whether a process other than cbcached may answer from
 * the cache file now: the reader's side of cache/gate.h.
 *
 * Functions prefix: readergate_
 *
 * DESIGN
 *
 * Read inside the read transaction that answers (the same snapshot as the
 * rows): the reader gate's lease, the applier's position and the count of
 * DDL and privilege changes.  The gate is open only while cbcached would
 * answer every table of the file and keeps saying so: a lease of this
 * boot that has not run out.  A reader also keeps its own rules on top
 * (DESIGN.md section 2, "hits without a hop"): its settings, its
 * privileges (checked again when ddl_generation moves), and after a
 * commit of its own no answer until applied_lsn has passed the commit.
 */
#ifndef CB_READERGATE_H
#define CB_READERGATE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/contract.h"
#include "common/error.h"
#include "common/lease.h"

typedef struct readergate {
	bool open;                     /* the lease is valid now */
	uint64_t applied_lsn;          /* 0 when the file has none */
	uint64_t ddl_generation;       /* 0 when the file has none */
	uint64_t synced_us;            /* CG_META_SYNCED: the last sync another process asked for, applied (0: none) */
	char fingerprint[17];          /* the groups the file was built for ("" when none) */
	char lease[CB_LEASE_TEXT_MAX]; /* the lease's text ("" when none): open is cb_lease_valid of it */
	char why[160];                 /* when not open: why, for logs and tests */
} readergate;

/*
 * Before the read transaction: whether the gate word of the cache file
 * (mapped with cb_gateword_map(path, false, ...)) is open.  A reader
 * answers only when this is true AND readergate_read, inside the read
 * transaction begun after it, says open.
 */
bool readergate_word_open(cb_gateword *w);

/*
 * Judge g's lease text (g->lease) at now_ms: g->open, and g->why when not
 * open.  readergate_read does it; a reader that keeps its read transaction
 * does it again for each statement with the lease it read.
 */
void readergate_judge(readergate *g, const char *boot_id, int64_t now_ms);

/*
 * Read the gate on lite, inside the caller's read transaction; boot_id
 * (cb_lease_boot_id) and now_ms (cb_lease_now_ms) judge the lease.
 * *stmt is the caller's: NULL at first, prepared on lite here and kept
 * for the next call (the caller finalizes it).  False with err only when
 * the file cannot be read (no meta table: not a cache file); a closed
 * gate is out->open false.
 */
CB_MUSTCHECK bool readergate_read(sqlite3 *lite, sqlite3_stmt **stmt, const char *boot_id, int64_t now_ms,
                                  readergate *out, cb_error *err);

#endif /* CB_READERGATE_H */
