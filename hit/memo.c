/*
 * memo.c - the memo of rendered answers (see the DESIGN in memo.h).
 *
 * Functions prefix: memo_
 */
#include "hit/memo.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

typedef struct memo_entry {
	UT_hash_handle hh;
	struct memo_entry *prev, *next; /* recency: head is the most recently used */
	int64_t pos;
	uint64_t rows;
	size_t klen, n;
	char data[]; /* the key's klen bytes, then the answer's n bytes */
} memo_entry;

struct memo {
	pthread_mutex_t mu;
	memo_entry *by_key;
	memo_entry *head, *tail;
	size_t bytes, max_bytes, entries;
	uint64_t hits, misses, stale, stored, evictions;
};

/* What an entry is charged: its bytes and the bookkeeping around them. */
static size_t entry_cost(const memo_entry *me)
{
	return sizeof(*me) + me->klen + me->n;
}

memo *memo_new(size_t max_bytes)
{
	memo *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	if (pthread_mutex_init(&m->mu, NULL) != 0) {
		free(m);
		return NULL;
	}
	m->max_bytes = max_bytes;
	return m;
}

static void unlink_entry(memo *m, memo_entry *me)
{
	if (me->prev != NULL)
		me->prev->next = me->next;
	else
		m->head = me->next;
	if (me->next != NULL)
		me->next->prev = me->prev;
	else
		m->tail = me->prev;
	me->prev = me->next = NULL;
}

static void push_front(memo *m, memo_entry *me)
{
	me->prev = NULL;
	me->next = m->head;
	if (m->head != NULL)
		m->head->prev = me;
	m->head = me;
	if (m->tail == NULL)
		m->tail = me;
}

/* Drop me (under the lock). */
static void drop(memo *m, memo_entry *me)
{
	HASH_DEL(m->by_key, me);
	unlink_entry(m, me);
	m->bytes -= entry_cost(me);
	m->entries--;
	free(me);
}

void memo_free(memo *m)
{
	if (m == NULL)
		return;
	while (m->head != NULL)
		drop(m, m->head);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

bool memo_get(memo *m, const void *key, size_t klen, int64_t pos, wire_buf *out, uint64_t *rows)
{
	bool found = false;
	pthread_mutex_lock(&m->mu);
	memo_entry *me;
	HASH_FIND(hh, m->by_key, key, klen, me);
	if (me == NULL) {
		m->misses++;
	} else if (me->pos != pos) {
		m->stale++;
		if (me->pos < pos) /* else it was stored from a later snapshot than this lookup's */
			drop(m, me);
	} else {
		wire_buf_append(out, me->data + me->klen, me->n);
		if (!out->failed) {
			*rows = me->rows;
			unlink_entry(m, me);
			push_front(m, me);
			m->hits++;
			found = true;
		}
	}
	pthread_mutex_unlock(&m->mu);
	return found;
}

void memo_put(memo *m, const void *key, size_t klen, int64_t pos, const char *bytes, size_t n, uint64_t rows)
{
	size_t cost = sizeof(memo_entry) + klen + n;
	if (cost > m->max_bytes / 8)
		return;
	memo_entry *me = malloc(cost);
	if (me == NULL)
		return; /* the answer was given; keeping it is only an optimisation */
	memset(me, 0, sizeof(*me));
	me->pos = pos;
	me->rows = rows;
	me->klen = klen;
	me->n = n;
	memcpy(me->data, key, klen);
	memcpy(me->data + klen, bytes, n);

	pthread_mutex_lock(&m->mu);
	memo_entry *old;
	HASH_FIND(hh, m->by_key, me->data, klen, old);
	if (old != NULL && old->pos > pos) {
		/* kept from a later snapshot than this answer's */
		pthread_mutex_unlock(&m->mu);
		free(me);
		return;
	}
	if (old != NULL)
		drop(m, old);
	while (m->tail != NULL && m->bytes + cost > m->max_bytes) {
		drop(m, m->tail);
		m->evictions++;
	}
	HASH_ADD_KEYPTR(hh, m->by_key, me->data, klen, me);
	push_front(m, me);
	m->bytes += cost;
	m->entries++;
	m->stored++;
	pthread_mutex_unlock(&m->mu);
}

void memo_get_stats(memo *m, memo_stats *out)
{
	pthread_mutex_lock(&m->mu);
	*out = (memo_stats){
	        .hits = m->hits,
	        .misses = m->misses,
	        .stale = m->stale,
	        .stored = m->stored,
	        .evictions = m->evictions,
	        .entries = m->entries,
	        .bytes = m->bytes,
	        .max_bytes = m->max_bytes,
	};
	pthread_mutex_unlock(&m->mu);
}
