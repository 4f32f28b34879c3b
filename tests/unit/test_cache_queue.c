/*
 * Unit tests of the fill queue (src/fillqueue.c) and the hit ring
 * (src/hitring.c): deduplication, bounds, backoff order, and a ring that
 * overflows without blocking, also under concurrent producers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/fillqueue.h"
#include "cache/hitring.h"

static void test_queue_dedup(void **state)
{
	(void)state;
	fillq *q = fillq_new(8);
	assert_non_null(q);
	assert_int_equal(fillq_push(q, 0, 0, "1"), FILLQ_ADDED);
	assert_int_equal(fillq_push(q, 0, 0, "1"), FILLQ_MERGED);
	assert_int_equal(fillq_push(q, 0, 1, "1"), FILLQ_ADDED); /* another fill column */
	assert_int_equal(fillq_push(q, 1, 0, "1"), FILLQ_ADDED); /* another group */
	assert_int_equal(fillq_push(q, 0, 0, "2"), FILLQ_ADDED);
	assert_int_equal(fillq_len(q), 4);
	/* FIFO */
	fillq_item *it = fillq_take(q, 0, NULL);
	assert_non_null(it);
	assert_string_equal(it->value, "1");
	assert_int_equal(it->fill, 0);
	assert_int_equal(it->group, 0);
	assert_int_equal(it->merged, 1);
	/* in flight: still merges */
	assert_int_equal(fillq_push(q, 0, 0, "1"), FILLQ_MERGED);
	assert_int_equal(fillq_len(q), 4);
	assert_int_equal(fillq_waiting(q), 3);
	fillq_done(q, it);
	assert_int_equal(fillq_len(q), 3);
	/* done: the same request may come again */
	assert_int_equal(fillq_push(q, 0, 0, "1"), FILLQ_ADDED);
	fillq_free(q);
}

static void test_queue_bound(void **state)
{
	(void)state;
	fillq *q = fillq_new(3);
	assert_int_equal(fillq_push(q, 0, 0, "a"), FILLQ_ADDED);
	assert_int_equal(fillq_push(q, 0, 0, "b"), FILLQ_ADDED);
	assert_int_equal(fillq_push(q, 0, 0, "c"), FILLQ_ADDED);
	assert_int_equal(fillq_push(q, 0, 0, "d"), FILLQ_FULL);
	/* a duplicate of a queued request still merges when full */
	assert_int_equal(fillq_push(q, 0, 0, "b"), FILLQ_MERGED);
	/* taken requests still count against the bound */
	fillq_item *it = fillq_take(q, 0, NULL);
	assert_non_null(it);
	assert_int_equal(fillq_push(q, 0, 0, "d"), FILLQ_FULL);
	fillq_done(q, it);
	assert_int_equal(fillq_push(q, 0, 0, "d"), FILLQ_ADDED);
	fillq_free(q);
}

static void test_queue_backoff(void **state)
{
	(void)state;
	fillq *q = fillq_new(4);
	assert_int_equal(fillq_push(q, 0, 0, "x"), FILLQ_ADDED);
	assert_int_equal(fillq_push(q, 0, 0, "y"), FILLQ_ADDED);
	fillq_item *x = fillq_take(q, 100, NULL);
	assert_string_equal(x->value, "x");
	fillq_retry(q, x, 1000); /* not before t=1000 */
	assert_int_equal(x->attempts, 1);
	fillq_item *y = fillq_take(q, 100, NULL);
	assert_string_equal(y->value, "y");
	fillq_done(q, y);
	int64_t next = 0;
	assert_null(fillq_take(q, 999, &next));
	assert_int_equal(next, 1000);
	x = fillq_take(q, 1000, &next);
	assert_non_null(x);
	assert_string_equal(x->value, "x");
	fillq_done(q, x);
	assert_null(fillq_take(q, 5000, &next));
	assert_true(next == INT64_MAX);
	assert_int_equal(fillq_len(q), 0);
	fillq_free(q);
}

static void test_ring_overflow(void **state)
{
	(void)state;
	hitring *r = hitring_new(5); /* rounded up to 8 */
	assert_non_null(r);
	assert_int_equal(hitring_capacity(r), 8);
	char v[16];
	for (int i = 0; i < 8; i++) {
		snprintf(v, sizeof(v), "%d", i);
		assert_true(hitring_post(r, 0, (uint32_t)i, v));
	}
	assert_false(hitring_post(r, 0, 99, "overflow"));
	assert_false(hitring_post(r, 0, 99, "overflow"));
	assert_int_equal(hitring_overflow(r), 2);
	char longv[HITRING_VALUE_MAX + 2];
	memset(longv, 'a', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	assert_false(hitring_post(r, 0, 0, longv));
	assert_int_equal(hitring_too_long(r), 1);
	hitring_item it;
	for (int i = 0; i < 8; i++) {
		assert_true(hitring_take(r, &it));
		snprintf(v, sizeof(v), "%d", i);
		assert_string_equal(it.value, v);
		assert_int_equal(it.entry, i);
	}
	assert_false(hitring_take(r, &it));
	/* room again after taking */
	assert_true(hitring_post(r, 1, 2, "again"));
	assert_true(hitring_take(r, &it));
	assert_int_equal(it.group, 1);
	assert_string_equal(it.value, "again");
	assert_int_equal(hitring_posted(r), 9);
	hitring_free(r);
}

#define PRODUCERS 4
#define PER_PRODUCER 20000

typedef struct prod {
	hitring *r;
	uint32_t id;
	uint64_t accepted;
} prod;

static void *producer(void *arg)
{
	prod *p = arg;
	char v[32];
	for (int i = 0; i < PER_PRODUCER; i++) {
		snprintf(v, sizeof(v), "%u:%d", p->id, i);
		if (hitring_post(p->r, p->id, (uint32_t)i, v))
			p->accepted++;
	}
	return NULL;
}

/* Producers never block: every post is accepted or counted as overflow;
 * the consumer sees each accepted hit once, intact, in per-producer order. */
static void test_ring_concurrent(void **state)
{
	(void)state;
	hitring *r = hitring_new(256);
	pthread_t th[PRODUCERS];
	prod p[PRODUCERS];
	for (uint32_t i = 0; i < PRODUCERS; i++) {
		p[i] = (prod){r, i, 0};
		assert_int_equal(pthread_create(&th[i], NULL, producer, &p[i]), 0);
	}
	uint64_t taken = 0;
	int last[PRODUCERS];
	for (int i = 0; i < PRODUCERS; i++)
		last[i] = -1;
	hitring_item it;
	int done = 0;
	while (done < 2) {
		if (hitring_take(r, &it)) {
			taken++;
			assert_true(it.group < PRODUCERS);
			char v[32];
			snprintf(v, sizeof(v), "%u:%u", it.group, it.entry);
			assert_string_equal(it.value, v);
			assert_true((int)it.entry > last[it.group]);
			last[it.group] = (int)it.entry;
			continue;
		}
		if (done == 0) {
			for (int i = 0; i < PRODUCERS; i++)
				pthread_join(th[i], NULL);
			done = 1;
		} else {
			done = 2; /* producers joined and the ring is empty */
		}
	}
	uint64_t accepted = 0;
	for (int i = 0; i < PRODUCERS; i++)
		accepted += p[i].accepted;
	assert_int_equal(taken, accepted);
	assert_int_equal(accepted + hitring_overflow(r), (uint64_t)PRODUCERS * PER_PRODUCER);
	assert_int_equal(hitring_posted(r), accepted);
	hitring_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_queue_dedup),     cmocka_unit_test(test_queue_bound),
	        cmocka_unit_test(test_queue_backoff),   cmocka_unit_test(test_ring_overflow),
	        cmocka_unit_test(test_ring_concurrent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
