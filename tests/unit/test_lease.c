/*
 * Unit tests of common/lease.c: the reader gate's lease text and its gate
 * word.  A lease is valid only for its own boot and before its moment;
 * "closed", malformed text and absent text are never valid; a boot id
 * with a space (which would make the text ambiguous) writes "closed".  The
 * gate word: a writer creates the file closed, a reader maps the same
 * word and sees the writer's changes, a reader refuses a file cbcached did
 * not write, and a missing file is an error that names it.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/lease.h"

static void test_text(void **state)
{
	(void)state;
	char buf[CB_LEASE_TEXT_MAX];
	cb_lease_format(buf, sizeof(buf), "b00t", 1000);
	assert_string_equal(buf, "open b00t 1000");
	assert_true(cb_lease_valid(buf, "b00t", 999));
	assert_false(cb_lease_valid(buf, "b00t", 1000)); /* until is exclusive */
	assert_false(cb_lease_valid(buf, "b00", 10));    /* another boot, a prefix of it */
	assert_false(cb_lease_valid(buf, "b00tx", 10));
	assert_false(cb_lease_valid(buf, "", 10));
	cb_lease_format(buf, sizeof(buf), "b00t", 0);
	assert_string_equal(buf, "closed");
	assert_false(cb_lease_valid(buf, "b00t", 0));
	cb_lease_format(buf, sizeof(buf), "b 0t", 1000);
	assert_string_equal(buf, "closed");
	cb_lease_format(buf, sizeof(buf), NULL, 1000);
	assert_string_equal(buf, "closed");
	assert_false(cb_lease_valid(NULL, "b00t", 0));
	assert_false(cb_lease_valid("open b00t", "b00t", 0));
	assert_false(cb_lease_valid("open b00t 12x", "b00t", 0));
	assert_false(cb_lease_valid("open b00t ", "b00t", 0));
	assert_false(cb_lease_valid("opened b00t 5", "b00t", 0));
}

static void test_clock_and_boot(void **state)
{
	(void)state;
	char a[CB_LEASE_BOOT_ID_MAX], b[CB_LEASE_BOOT_ID_MAX];
	assert_true(cb_lease_boot_id(a, sizeof(a)));
	assert_true(cb_lease_boot_id(b, sizeof(b)));
	assert_string_equal(a, b);
	assert_null(strchr(a, ' '));
	int64_t t0 = cb_lease_now_ms();
	assert_true(cb_lease_now_ms() >= t0);
}

static void test_word(void **state)
{
	(void)state;
	char dir[] = "/tmp/cb-lease-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], err[256];
	snprintf(path, sizeof(path), "%s/cache.db", dir);
	assert_null(cb_gateword_map(path, false, err, sizeof(err))); /* no file yet */
	assert_non_null(strstr(err, "cache.db-gate"));
	cb_gateword *w = cb_gateword_map(path, true, err, sizeof(err));
	assert_non_null(w);
	assert_false(cb_gateword_open(w));
	cb_gateword *r = cb_gateword_map(path, false, err, sizeof(err));
	assert_non_null(r);
	atomic_store(cb_gateword_word(w), 4 | CB_GATEWORD_OPEN);
	assert_true(cb_gateword_open(r));
	atomic_store(cb_gateword_word(w), 6);
	assert_false(cb_gateword_open(r));
	/* a second writer (a restarted cbcached) keeps the word it finds */
	cb_gateword *w2 = cb_gateword_map(path, true, err, sizeof(err));
	assert_non_null(w2);
	assert_int_equal(atomic_load(cb_gateword_word(w2)), 6);
	cb_gateword_unmap(w2);
	cb_gateword_unmap(r);
	cb_gateword_unmap(w);
	/* a file of the right size cbcached did not write */
	char gate[300];
	snprintf(gate, sizeof(gate), "%s-gate", path);
	FILE *f = fopen(gate, "w");
	assert_non_null(f);
	for (int i = 0; i < 4096; i++)
		fputc('x', f);
	fclose(f);
	assert_null(cb_gateword_map(path, false, err, sizeof(err)));
	assert_non_null(strstr(err, "not written by cbcached"));
	unlink(gate);
	rmdir(dir);
}

/* The sync stamp: never lowered, reset at a writer's start, waited for across a second mapping (a reader). */
static void *raise_later(void *arg)
{
	cb_gateword *w = arg;
	usleep(20000);
	cb_gateword_set_synced(w, 500); /* below the waiter's: wakes it, it waits on */
	usleep(20000);
	cb_gateword_set_synced(w, 1000);
	return NULL;
}

static void test_synced(void **state)
{
	(void)state;
	char dir[] = "/tmp/cb-lease-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], err[256];
	snprintf(path, sizeof(path), "%s/cache.db", dir);
	cb_gateword *w = cb_gateword_map(path, true, err, sizeof(err));
	assert_non_null(w);
	cb_gateword *r = cb_gateword_map(path, false, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(cb_gateword_synced(r), 0);
	cb_gateword_set_synced(w, 300);
	cb_gateword_set_synced(w, 200); /* never lowered */
	assert_int_equal(cb_gateword_synced(r), 300);
	/* reached already: no wait even with a deadline in the past */
	assert_true(cb_gateword_wait_synced(r, 300, 0));
	/* not reached by the deadline */
	assert_false(cb_gateword_wait_synced(r, 301, cb_clock_mono_us() + 10000));
	/* reached by another thread through the writer's mapping while the reader sleeps on its own */
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, raise_later, w), 0);
	assert_true(cb_gateword_wait_synced(r, 1000, cb_clock_mono_us() + 30 * 1000000LL));
	assert_int_equal(cb_gateword_synced(r), 1000);
	pthread_join(t, NULL);
	cb_gateword_reset_synced(w);
	assert_int_equal(cb_gateword_synced(r), 0);
	cb_gateword_unmap(r);
	cb_gateword_unmap(w);
	char gate[300];
	snprintf(gate, sizeof(gate), "%s-gate", path);
	unlink(gate);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_text),
	        cmocka_unit_test(test_clock_and_boot),
	        cmocka_unit_test(test_word),
	        cmocka_unit_test(test_synced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
