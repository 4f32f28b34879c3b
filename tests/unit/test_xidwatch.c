/*
 * Unit tests of cache/xidwatch.c: which noted transactions a snapshot
 * shows (below xmin, below xmax and not running, across the 2^32 wrap,
 * with more running transactions than the short path holds), that shown
 * ones are forgotten and hidden ones kept, and that a bad snapshot text is
 * an error, not a verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/xidwatch.h"

static xidwatch *watch_of(const uint32_t *xids, size_t n)
{
	xidwatch *w = xidwatch_new();
	assert_non_null(w);
	for (size_t i = 0; i < n; i++)
		assert_true(xidwatch_note(w, xids[i]));
	return w;
}

static void test_visibility(void **state)
{
	(void)state;
	uint32_t hidden;
	cb_error err;
	/* 100: below xmin; 150: between, not running; 160: running; 200: at xmax */
	xidwatch *w = watch_of((uint32_t[]){100, 150, 160, 200}, 4);
	assert_false(xidwatch_check(w, "120:200:160,170", &hidden, &err));
	assert_true(hidden == 160 || hidden == 200);
	assert_int_equal(xidwatch_pending(w), 2);
	/* later: 160 ended, 200 not yet started in the snapshot's view */
	assert_false(xidwatch_check(w, "170:200:170", &hidden, &err));
	assert_int_equal(hidden, 200);
	assert_int_equal(xidwatch_pending(w), 1);
	assert_true(xidwatch_check(w, "201:205:", &hidden, &err));
	assert_int_equal(hidden, 0);
	assert_int_equal(xidwatch_pending(w), 0);
	/* nothing noted: any snapshot shows it all */
	assert_true(xidwatch_check(w, "5:5:", &hidden, &err));
	xidwatch_free(w);
}

/* xid8 values carry an epoch; xids compare modulo 2^32 */
static void test_wraparound(void **state)
{
	(void)state;
	uint32_t hidden;
	cb_error err;
	/* epoch 1: xmin 2^32 + 4294967290 = 8589934586, xmax 2^32 * 2 + 10 = 8589934602 */
	xidwatch *w = watch_of((uint32_t[]){4294967295u, 5, 12}, 3);
	assert_false(xidwatch_check(w, "8589934586:8589934602:", &hidden, &err));
	assert_int_equal(hidden, 12); /* 2^33 + 12 is past xmax */
	assert_int_equal(xidwatch_pending(w), 1);
	xidwatch_free(w);
	w = watch_of((uint32_t[]){5}, 1);
	assert_false(xidwatch_check(w, "8589934586:8589934602:8589934597", &hidden, &err));
	assert_int_equal(hidden, 5); /* running: 2^33 + 5 */
	xidwatch_free(w);
}

/* more running transactions than the short path holds: the one at the end still counts */
static void test_many_running(void **state)
{
	(void)state;
	char snap[4096];
	size_t n = (size_t)snprintf(snap, sizeof(snap), "1000:2000:");
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(snap + n, sizeof(snap) - n, "%s%d", i ? "," : "", 1001 + i);
	uint32_t hidden;
	cb_error err;
	xidwatch *w = watch_of((uint32_t[]){1200, 1500}, 2);
	assert_false(xidwatch_check(w, snap, &hidden, &err));
	assert_int_equal(hidden, 1200);
	assert_int_equal(xidwatch_pending(w), 1);
	xidwatch_free(w);
}

static void test_bad_text(void **state)
{
	(void)state;
	const char *bad[] = {"", "12", "12:", "12:x:", "12:20:5,", "12:20:5;6", "-1:20:", "12:20:5 "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		xidwatch *w = watch_of((uint32_t[]){15}, 1);
		uint32_t hidden = 7;
		cb_error err = {{0}};
		if (xidwatch_check(w, bad[i], &hidden, &err) || hidden != 0 ||
		    strstr(err.msg, "cannot read the backend's snapshot") == NULL)
			fail_msg("snapshot \"%s\": not refused (hidden %u, \"%s\")", bad[i], hidden, err.msg);
		assert_int_equal(xidwatch_pending(w), 1); /* nothing forgotten on a bad text */
		xidwatch_free(w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_visibility),
	        cmocka_unit_test(test_wraparound),
	        cmocka_unit_test(test_many_running),
	        cmocka_unit_test(test_bad_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
