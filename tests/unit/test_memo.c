/*
 * Unit tests of hit/memo.c: an answer kept under its key is given again
 * at the same position only; a later position drops it, an earlier one
 * leaves it; a put never replaces an entry of a later position; the bound
 * in bytes evicts the least recently used; an answer over an eighth of
 * the bound is not kept; many threads at once keep the counts whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "hit/memo.h"

static bool get(memo *m, const char *key, int64_t pos, char *out, size_t cap)
{
	wire_buf b = {0};
	uint64_t rows = 0;
	bool found = memo_get(m, key, strlen(key), pos, &b, &rows);
	if (found) {
		assert_true(b.len < cap);
		memcpy(out, b.data, b.len);
		out[b.len] = '\0';
		assert_int_equal(rows, strlen(out));
	}
	wire_buf_free(&b);
	return found;
}

static void put(memo *m, const char *key, int64_t pos, const char *answer)
{
	memo_put(m, key, strlen(key), pos, answer, strlen(answer), strlen(answer));
}

/* A lookup of key at pos finds want. */
static void expect(memo *m, const char *key, int64_t pos, const char *want)
{
	char got[64];
	assert_true(get(m, key, pos, got, sizeof(got)));
	assert_string_equal(got, want);
}

/* A lookup of key at pos finds nothing. */
static void missing(memo *m, const char *key, int64_t pos)
{
	char got[64];
	assert_false(get(m, key, pos, got, sizeof(got)));
}

static void test_positions(void **state)
{
	(void)state;
	memo *m = memo_new(1 << 20);
	assert_non_null(m);
	missing(m, "k", 5);
	put(m, "k", 5, "answer");
	expect(m, "k", 5, "answer");
	missing(m, "other", 5);
	/* a lookup from an earlier snapshot misses and keeps the entry */
	missing(m, "k", 4);
	expect(m, "k", 5, "answer");
	/* a put from an earlier snapshot does not replace it */
	put(m, "k", 3, "older");
	expect(m, "k", 5, "answer");
	/* a later position: stale, dropped */
	missing(m, "k", 6);
	missing(m, "k", 5);
	put(m, "k", 6, "newer");
	expect(m, "k", 6, "newer");
	memo_stats st;
	memo_get_stats(m, &st);
	assert_int_equal(st.hits, 4);
	assert_int_equal(st.stale, 2);
	assert_int_equal(st.misses, 3);
	assert_int_equal(st.stored, 2);
	assert_int_equal(st.entries, 1);
	memo_free(m);
}

static void test_bound(void **state)
{
	(void)state;
	char answer[1000];
	memset(answer, 'a', sizeof(answer) - 1);
	answer[sizeof(answer) - 1] = '\0';
	memo *m = memo_new(16 * 1024);
	assert_non_null(m);
	char key[16];
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		put(m, key, 1, answer);
	}
	memo_stats st;
	memo_get_stats(m, &st);
	assert_true(st.bytes <= st.max_bytes);
	assert_true(st.entries >= 10 && st.entries < 17);
	assert_int_equal(st.evictions, 100 - st.entries);
	char got[1100];
	assert_true(get(m, "k99", 1, got, sizeof(got)));
	assert_false(get(m, "k0", 1, got, sizeof(got)));
	/* the oldest kept, used again, outlives the next oldest */
	char oldest[16], next[16];
	snprintf(oldest, sizeof(oldest), "k%d", (int)(100 - st.entries));
	snprintf(next, sizeof(next), "k%d", (int)(101 - st.entries));
	assert_true(get(m, oldest, 1, got, sizeof(got)));
	put(m, "extra", 1, answer);
	assert_true(get(m, oldest, 1, got, sizeof(got)));
	assert_false(get(m, next, 1, got, sizeof(got)));
	/* over an eighth of the bound: not kept */
	char big[2100];
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put(m, "big", 1, big);
	char bgot[2200];
	assert_false(get(m, "big", 1, bgot, sizeof(bgot)));
	memo_free(m);
}

static memo *shared;

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	char key[16], got[64];
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "k%d", (i * 7 + id) % 50);
		if (!get(shared, key, i / 1000, got, sizeof(got)))
			put(shared, key, i / 1000, key);
		else if (strcmp(got, key) != 0)
			return (void *)1;
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	shared = memo_new(4096);
	assert_non_null(shared);
	pthread_t th[4];
	for (intptr_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker, (void *)i), 0);
	for (int i = 0; i < 4; i++) {
		void *ret;
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
	memo_stats st;
	memo_get_stats(shared, &st);
	assert_int_equal(st.hits + st.misses + st.stale, 80000);
	assert_true(st.bytes <= 4096);
	memo_free(shared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_positions),
	        cmocka_unit_test(test_bound),
	        cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests_name("memo", tests, NULL, NULL);
}
