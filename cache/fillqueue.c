/*
 * fillqueue.c - the fill daemon's deduplicated, bounded request queue.
 *
 * Functions prefix: fillq_
 */
#include "cache/fillqueue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utlist.h>

struct fillq {
	size_t max;
	size_t n;        /* in the hash: waiting + in flight */
	size_t nwaiting; /* in the list */
	fillq_item *hash;
	fillq_item *waiting; /* utlist doubly linked list, oldest first */
};

fillq *fillq_new(size_t max)
{
	fillq *q = calloc(1, sizeof(*q));
	if (q)
		q->max = max ? max : 1;
	return q;
}

static void item_free(fillq_item *it)
{
	free(it->key);
	free(it->value);
	free(it);
}

void fillq_free(fillq *q)
{
	if (q == NULL)
		return;
	fillq_item *it, *tmp;
	HASH_ITER(hh, q->hash, it, tmp)
	{
		HASH_DEL(q->hash, it);
		item_free(it);
	}
	free(q);
}

static char *make_key(size_t group, size_t fill, const char *value)
{
	char *k = NULL;
	if (asprintf(&k, "%zu\x1f%zu\x1f%s", group, fill, value) < 0)
		return NULL;
	return k;
}

fillq_result fillq_push(fillq *q, size_t group, size_t fill, const char *value)
{
	char *key = make_key(group, fill, value);
	if (key == NULL)
		return FILLQ_NOMEM;
	fillq_item *it = NULL;
	HASH_FIND_STR(q->hash, key, it);
	if (it != NULL) {
		free(key);
		it->merged++;
		return FILLQ_MERGED;
	}
	if (q->n >= q->max) {
		free(key);
		return FILLQ_FULL;
	}
	it = calloc(1, sizeof(*it));
	if (it == NULL || (it->value = strdup(value)) == NULL) {
		free(it);
		free(key);
		return FILLQ_NOMEM;
	}
	it->key = key;
	it->group = group;
	it->fill = fill;
	HASH_ADD_KEYPTR(hh, q->hash, it->key, strlen(it->key), it);
	DL_APPEND(q->waiting, it);
	q->n++;
	q->nwaiting++;
	return FILLQ_ADDED;
}

fillq_item *fillq_take(fillq *q, int64_t now_us, int64_t *next_us)
{
	int64_t next = INT64_MAX;
	fillq_item *it;
	DL_FOREACH(q->waiting, it)
	{
		if (it->not_before <= now_us) {
			DL_DELETE(q->waiting, it);
			q->nwaiting--;
			it->in_flight = true;
			return it;
		}
		if (it->not_before < next)
			next = it->not_before;
	}
	if (next_us)
		*next_us = next;
	return NULL;
}

void fillq_done(fillq *q, fillq_item *it)
{
	HASH_DEL(q->hash, it);
	q->n--;
	item_free(it);
}

void fillq_retry(fillq *q, fillq_item *it, int64_t not_before_us)
{
	it->attempts++;
	it->not_before = not_before_us;
	it->in_flight = false;
	DL_APPEND(q->waiting, it);
	q->nwaiting++;
}

size_t fillq_len(const fillq *q)
{
	return q->n;
}

size_t fillq_waiting(const fillq *q)
{
	return q->nwaiting;
}

void fillq_foreach(const fillq *q, void (*fn)(void *arg, const fillq_item *it), void *arg)
{
	const fillq_item *it, *tmp;
	HASH_ITER(hh, q->hash, it, tmp)
	{
		if (it->in_flight)
			fn(arg, it);
	}
	DL_FOREACH(q->waiting, it)
	{
		fn(arg, it);
	}
}
