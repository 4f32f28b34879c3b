/*
 * memo.h - the memo of rendered answers: the exact bytes the hit path
 * sent for a statement, kept while nothing they were read from changed.
 *
 * Functions prefix: memo_
 *
 * DESIGN
 *
 * Key: bytes the caller makes of everything that decides the answer's
 * bytes (the plan, the values bound into it, the result formats, the
 * settings that render).  Value: the messages (RowDescription when asked
 * for, DataRows, CommandComplete), the row count, and the change position
 * of the tables the answer was read from (the sum of their positions in
 * the cache file's "cbcache_pos", which triggers advance in the same
 * transaction as every change: see cachegroup/generate.h), read in the
 * same SQLite read transaction as the answer.  A lookup brings the
 * position it reads in its own read transaction: an entry whose position
 * differs is stale and not answered (positions only grow, so the sum
 * differs once any table changed; an entry older than the lookup's
 * position is dropped, and a put never replaces an entry stored from a
 * later position).
 *
 * Shared by every thread of a hit path engine: one mutex, held for a hash
 * lookup and a copy.  Bounded in bytes (key, value and bookkeeping): the
 * least recently used entries go first; an answer larger than an eighth
 * of the bound is not kept.
 */
#ifndef CB_MEMO_H
#define CB_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/contract.h"
#include "hit/wire.h"

typedef struct memo memo;

/* A memo of at most max_bytes; NULL when out of memory. */
CB_MUSTCHECK memo *memo_new(size_t max_bytes);
void memo_free(memo *m);

/*
 * The answer kept under key for position pos: appended to out, *rows set,
 * true.  False when none is kept, or the kept one is stale (dropped), or
 * out could not grow.
 */
bool memo_get(memo *m, const void *key, size_t klen, int64_t pos, wire_buf *out, uint64_t *rows);

/* Keep answer bytes[0, n) (rows rows) read at position pos under key, replacing what was kept. */
void memo_put(memo *m, const void *key, size_t klen, int64_t pos, const char *bytes, size_t n, uint64_t rows);

typedef struct memo_stats {
	uint64_t hits;      /* answers given */
	uint64_t misses;    /* lookups that found nothing */
	uint64_t stale;     /* lookups that found an entry whose tables changed (dropped) */
	uint64_t stored;    /* answers kept */
	uint64_t evictions; /* entries dropped for room */
	size_t entries, bytes, max_bytes;
} memo_stats;
void memo_get_stats(memo *m, memo_stats *out);

#endif /* CB_MEMO_H */
