/*
 * hitring.c - a bounded multi-producer ring of hits that never blocks.
 *
 * Functions prefix: hitring_
 *
 * Each slot carries a sequence number: a producer may fill slot pos & mask
 * when its sequence equals pos (then publishes pos + 1); the consumer may
 * read it when the sequence equals pos + 1 (then frees it as pos + size).
 */
#include "cache/hitring.h"

#include <stdlib.h>
#include <string.h>

typedef struct slot {
	_Atomic size_t seq;
	hitring_item item;
} slot;

struct hitring {
	size_t mask;
	slot *slots;
	_Atomic size_t head; /* next position to post */
	_Atomic size_t tail; /* next position to take */
	_Atomic uint64_t posted;
	_Atomic uint64_t overflow;
	_Atomic uint64_t too_long;
};

hitring *hitring_new(size_t size)
{
	size_t n = 2;
	while (n < size)
		n *= 2;
	hitring *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->slots = calloc(n, sizeof(*r->slots));
	if (r->slots == NULL) {
		free(r);
		return NULL;
	}
	r->mask = n - 1;
	for (size_t i = 0; i < n; i++)
		atomic_init(&r->slots[i].seq, i);
	return r;
}

void hitring_free(hitring *r)
{
	if (r == NULL)
		return;
	free(r->slots);
	free(r);
}

bool hitring_post(hitring *r, uint32_t group, uint32_t entry, const char *value)
{
	size_t len = strlen(value);
	if (len > HITRING_VALUE_MAX) {
		atomic_fetch_add_explicit(&r->too_long, 1, memory_order_relaxed);
		return false;
	}
	size_t pos = atomic_load_explicit(&r->head, memory_order_relaxed);
	slot *s;
	for (;;) {
		s = &r->slots[pos & r->mask];
		size_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
		intptr_t dif = (intptr_t)seq - (intptr_t)pos;
		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(&r->head, &pos, pos + 1, memory_order_relaxed,
			                                          memory_order_relaxed))
				break;
		} else if (dif < 0) {
			atomic_fetch_add_explicit(&r->overflow, 1, memory_order_relaxed);
			return false;
		} else {
			pos = atomic_load_explicit(&r->head, memory_order_relaxed);
		}
	}
	s->item.group = group;
	s->item.entry = entry;
	memcpy(s->item.value, value, len + 1);
	atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
	atomic_fetch_add_explicit(&r->posted, 1, memory_order_relaxed);
	return true;
}

bool hitring_take(hitring *r, hitring_item *out)
{
	size_t pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
	slot *s = &r->slots[pos & r->mask];
	size_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
	if ((intptr_t)seq - (intptr_t)(pos + 1) < 0)
		return false; /* empty (or the producer of this slot is not done yet) */
	*out = s->item;
	atomic_store_explicit(&r->tail, pos + 1, memory_order_relaxed);
	atomic_store_explicit(&s->seq, pos + r->mask + 1, memory_order_release);
	return true;
}

size_t hitring_capacity(const hitring *r)
{
	return r->mask + 1;
}

uint64_t hitring_posted(const hitring *r)
{
	return atomic_load(&r->posted);
}

uint64_t hitring_overflow(const hitring *r)
{
	return atomic_load(&r->overflow);
}

uint64_t hitring_too_long(const hitring *r)
{
	return atomic_load(&r->too_long);
}
