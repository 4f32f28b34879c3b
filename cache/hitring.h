/*
 * hitring.h - a bounded multi-producer ring of hits that never blocks.
 *
 * Functions prefix: hitring_
 *
 * Query workers post (group, entry point, value) hits; the hit counter
 * thread takes them.  Posting is lock free (a bounded MPMC queue with a
 * sequence number per slot, D. Vyukov's design): a full ring, or a value
 * longer than a slot holds, is counted and dropped, never waited on.
 * One consumer at a time (the hit counter serializes its takes).
 */
#ifndef CB_HITRING_H
#define CB_HITRING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/contract.h"

#define HITRING_VALUE_MAX 120

typedef struct hitring hitring;

typedef struct hitring_item {
	uint32_t group;
	uint32_t entry;
	char value[HITRING_VALUE_MAX + 1]; /* NUL terminated */
} hitring_item;

/* A ring of at least size slots (rounded up to a power of two). */
CB_MUSTCHECK hitring *hitring_new(size_t size);
void hitring_free(hitring *r);

/* Post a hit; false (and counted) when the ring is full or the value too long. */
bool hitring_post(hitring *r, uint32_t group, uint32_t entry, const char *value);
/* Take the oldest hit; false when empty.  Single consumer. */
bool hitring_take(hitring *r, hitring_item *out);

size_t hitring_capacity(const hitring *r);
uint64_t hitring_posted(const hitring *r);   /* accepted */
uint64_t hitring_overflow(const hitring *r); /* dropped: ring full */
uint64_t hitring_too_long(const hitring *r); /* dropped: value too long */

#endif /* CB_HITRING_H */
