/*
 * fillqueue.h - the fill daemon's deduplicated, bounded request queue.
 *
 * Functions prefix: fillq_
 *
 * Pure data structure (no locking, no threads: the fill module guards it
 * with its mutex).  A request is (group, fill column, value); a request
 * equal to one waiting or in flight is merged into it.  The queue holds at
 * most max requests (waiting and in flight together); more are refused.
 * A failed request goes back to the tail with a time before which it is
 * not taken again (the retry backoff).
 */
#ifndef CB_FILLQUEUE_H
#define CB_FILLQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/contract.h"

#include <uthash.h>

typedef struct fillq fillq;
typedef struct fillq_item fillq_item;

/* A request, owned by the queue until fillq_done(). */
struct fillq_item {
	size_t group;
	size_t fill;
	char *value;             /* normalized text */
	int attempts;            /* failed runs so far */
	int64_t not_before;      /* microseconds: not taken before */
	bool in_flight;          /* taken, not done */
	unsigned merged;         /* duplicates merged into it */
	fillq_item *prev, *next; /* waiting list */
	char *key;               /* internal: the dedup key */
	UT_hash_handle hh;
};

typedef enum fillq_result {
	FILLQ_ADDED,
	FILLQ_MERGED, /* equal to a request waiting or in flight */
	FILLQ_FULL,   /* the queue holds max requests */
	FILLQ_NOMEM
} fillq_result;

CB_MUSTCHECK fillq *fillq_new(size_t max);
void fillq_free(fillq *q);

fillq_result fillq_push(fillq *q, size_t group, size_t fill, const char *value);
/*
 * Take the oldest waiting request whose not_before has passed (it stays in
 * the queue, in flight).  NULL when there is none; then *next_us (may be
 * NULL) gets the earliest not_before of the waiting ones, or INT64_MAX.
 */
fillq_item *fillq_take(fillq *q, int64_t now_us, int64_t *next_us);
/* Remove a taken request (its value is freed). */
void fillq_done(fillq *q, fillq_item *it);
/* Put a taken request back, not to be taken before not_before_us. */
void fillq_retry(fillq *q, fillq_item *it, int64_t not_before_us);
/* Call fn for every request (waiting and in flight), oldest first among the waiting. */
void fillq_foreach(const fillq *q, void (*fn)(void *arg, const fillq_item *it), void *arg);
/* Requests waiting or in flight; waiting only. */
size_t fillq_len(const fillq *q);
size_t fillq_waiting(const fillq *q);

#endif /* CB_FILLQUEUE_H */
