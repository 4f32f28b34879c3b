/*
 * plancache.h - the plan cache: every statement the cache may answer is
 * analysed once per plan key and kept as a plan.
 *
 * Functions prefix: plancache_
 *
 * DESIGN
 *
 * A statement's plan key (sql/plankey.h: the text with its literals taken
 * out, found by a scan, no parse) finds its plan here, by the hash the
 * scan computed with it (the key is not hashed again).  On a plan-cache
 * miss the statement is parsed and analysed (sqlfe_plan_build, the only
 * place that parses) against each cache group's schema (hit/hitschema.h),
 * the first group that can answer it wins, and the generated cache
 * statements the plan needs are looked up: the probe of each entry point,
 * the probes of the complete tables it reads.  A plan that no group can
 * answer is kept too, with the reason (SHOW QUERIES shows it), so such a
 * statement is not analysed again either.
 *
 * Shared by every thread: lookups and inserts under one mutex, the plan
 * built outside it (a racing thread's plan wins, the loser's is freed);
 * plans are immutable once added except their counters (atomics).  A
 * plan is lent to the caller (plancache_get) until plancache_release().
 * Past max_plans the least recently used plans are evicted (counted); one
 * still lent out is freed by its last release.  A kept plan has an id
 * that is never reused, so what others keep per plan (prepared
 * statements, memo entries) can name it safely after it is gone.
 */
#ifndef CB_PLANCACHE_H
#define CB_PLANCACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/contract.h" /* before uthash.h: its out-of-memory policy */
#include <uthash.h>

#include "cachegroup/model.h"
#include "common/error.h"
#include "hit/hitschema.h"
#include "sql/plan.h"

typedef struct plancache plancache;

/* A plan: the front end's analysis plus the cache statements it needs. */
typedef struct plancache_plan {
	UT_hash_handle hh;
	char *key;   /* the plan key (placeholders 0x01 + kind letter); NULL for a plan used once */
	uint64_t id; /* a kept plan's number, never reused (0 for a plan used once) */
	int refs;    /* threads using the plan (under the plan-cache lock) */
	bool gone;   /* evicted while in use: the last plancache_release() frees it */
	struct plancache_plan *lru_prev, *lru_next;
	size_t key_len;
	char *display;   /* the key with placeholders shown as $? */
	sqlfe_plan *sql; /* NULL when no group can answer the statement */
	int group;       /* the group that answers it, -1 when none */
	char reason[SQLFE_REASON_MAX];
	int probe_entry[SQLFE_MAX_FROM]; /* per probe of sql: the group's entry point */
	int probe_stmt[SQLFE_MAX_FROM];  /* and its CG_STMT_PROBE */
	int ncomplete;
	int complete_stmt[SQLFE_MAX_FROM]; /* probes of the complete tables the statement reads */
	_Atomic uint64_t executions, hits, misses, backend;
	_Atomic uint64_t memo_hits; /* of hits: answered from the memo of rendered answers */
	atomic_bool memo_worth;     /* an answer of the plan was large enough to keep in the memo */
	char last_reason[128]; /* why it last went to the backend, for a plan the cache can answer (under the lock) */
} plancache_plan;

/*
 * A plan cache over the compiled groups (borrowed: they must outlive it);
 * opts: what the backend lets the cache evaluate (hit/hitschema.h);
 * max_plans 0: 10000.  NULL with err when out of memory.
 */
CB_MUSTCHECK plancache *plancache_new(cg_group *const *groups, size_t ngroups, const hitschema_opts *opts,
                                      size_t max_plans, cb_error *err);
void plancache_free(plancache *pc);

/*
 * The plan of text (NUL-terminated) with key pk: found, or built and
 * kept (evicting the least recently used past max_plans).  pk NULL: a
 * statement without a plan key, always built into *once.  *built tells
 * whether this call parsed.  NULL with err only when out of memory.  The
 * caller gives the plan back with plancache_release(pc, plan, once).
 */
plancache_plan *plancache_get(plancache *pc, const char *text, const sqlfe_plankey *pk, plancache_plan *once,
                              bool *built, cb_error *err);
void plancache_release(plancache *pc, plancache_plan *p, plancache_plan *once);

/*
 * A caller that kept its reference to a plan from an earlier
 * plancache_get uses it again for a statement of the same key: count it
 * as found (no lock; the plan is not moved up the eviction order).
 */
void plancache_count_reuse(plancache *pc);

/* Counters. */
typedef struct plancache_stats {
	uint64_t parses;    /* plans built (statements parsed) */
	uint64_t plan_hits; /* lookups that found a plan */
	uint64_t evicted;   /* plans dropped, least recently used first, to stay within max_plans */
	size_t plans;       /* plans kept */
} plancache_stats;
void plancache_get_stats(plancache *pc, plancache_stats *out);

/* Remember why plan p (a kept one) last went to the backend. */
void plancache_note_reason(plancache *pc, plancache_plan *p, const char *reason);

/* Call fn for every plan (under the plan-cache lock: fn must not block). */
void plancache_foreach(plancache *pc, void (*fn)(void *arg, const plancache_plan *p), void *arg);

/* The reason a group could not be described ("" when all could). */
const char *plancache_first_error(const plancache *pc);

#endif /* CB_PLANCACHE_H */
