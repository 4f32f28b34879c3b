/*
 * backmemo.h - the memo of backend answers: the bytes the backend sent for
 * a SELECT outside the constraint cache's subset, given again while no
 * table it read has changed (doc/cache.md, "The memo of backend answers").
 *
 * Functions prefix: backmemo_
 *
 * DESIGN
 *
 * Which statements (sql/memoable.h): a SELECT that reads only cache
 * tables and calls only functions and operators whose answer depends on
 * nothing but their arguments and the session's settings.  The judgement
 * is kept per statement text (all sessions share it) for the catalog it
 * was made under (the reach generation: a function created or dropped
 * makes a new one).
 *
 * The answers are kept in a memo (hit/memo.h) under a key the session
 * makes (the settings check's role and settings, the text, the values,
 * the formats), with the source position of the tables read (cache/apply.h
 * apply_source_position) taken before the statement was sent to the
 * backend.  src/sesscache.c does the rest: see its "memo of backend
 * answers" section.
 */
#ifndef CBD_BACKMEMO_H
#define CBD_BACKMEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/reach.h"
#include "cachegroup/cachegroup.h"
#include "hit/memo.h"
#include "sql/memoable.h"

typedef struct backmemo backmemo;

/* A memo of at most max_bytes for the cache groups; NULL when out of memory. */
backmemo *backmemo_new(size_t max_bytes, cg_group *const *groups, size_t ngroups);
void backmemo_free(backmemo *bm);

/*
 * Whether the backend's answer to text[0, len) may be memoised, judged
 * under reach r of generation gen (a newer generation drops the judgements
 * made before); the tables it reads into tables.  Thread-safe.
 */
bool backmemo_judge(backmemo *bm, reach *r, unsigned gen, const char *text, size_t len,
                    uint64_t tables[SQLFE_STMTCLASS_MAX_GROUPS]);

/* The memo itself (thread-safe, hit/memo.h). */
memo *backmemo_memo(backmemo *bm);

/* Counters beside the memo's own. */
typedef struct backmemo_stats {
	uint64_t judged;    /* statement texts parsed and judged */
	uint64_t memoable;  /* of those, whose answers may be kept */
	uint64_t unsettled; /* answers not kept: an applied transaction was not yet known visible */
	uint64_t captures;  /* answers the backend sent that were kept */
	uint64_t abandoned; /* captures given up (an error, a notice, too large, a transaction) */
} backmemo_stats;
void backmemo_get_stats(backmemo *bm, backmemo_stats *out);
void backmemo_count_unsettled(backmemo *bm);
void backmemo_count_capture(backmemo *bm, bool kept);

#endif /* CBD_BACKMEMO_H */
