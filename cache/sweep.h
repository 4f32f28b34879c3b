/*
 * sweep.h - the top-down sweep: delete the cached rows nothing reaches.
 *
 * Functions prefix: sweep_
 *
 * Zone by zone, top-down (the reverse of the load order), one SQLite
 * transaction per zone, the generated CG_STMT_EVICT_SWEEP statements delete
 * the rows of a zone that no control value of their own fill column and no
 * cached RCC source outside the zone reaches; a homogeneous cycle's zone
 * is swept by mark and sweep in one transaction.  Every committed step is
 * a valid state (DESIGN.md section 1).  The garbage collector runs it
 * after removing control values, invalidation after clearing tables; both
 * hold the cache write lock.
 */
#ifndef CB_SWEEP_H
#define CB_SWEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "cache/cachedb.h"
#include "common/contract.h"
#include "common/error.h"

/* Sweep every group on c (not inside a transaction); *deleted (may be NULL) adds the rows deleted. */
CB_MUSTCHECK bool sweep_run(cachedb_conn *c, uint64_t *deleted, cb_error *err);

#endif /* CB_SWEEP_H */
