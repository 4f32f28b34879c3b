/*
 * Unit tests of common/pglocale.c: text compared as PostgreSQL's
 * varstr_cmp compares it under a libc collation.  Run under en_US.UTF-8
 * (scripts/install-deps.sh generates it; a machine without it fails here,
 * it does not skip): a list written in that locale's order must compare as
 * listed in every pair, which C's byte order would not; only identical
 * strings compare equal, and the answer is antisymmetric; strings longer
 * than the stack copies compare the same; a missing locale and one not in
 * UTF-8 are refused with the fix.  The backend itself is the oracle in
 * tests/integration/test_daemon_locale.py (cache/localecheck.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pglocale.h"

static pglocale *open_en(void)
{
	cb_error err;
	pglocale *l = pglocale_open("en_US.UTF-8", &err);
	if (l == NULL)
		fail_msg("%s (run scripts/install-deps.sh as root)", err.msg);
	return l;
}

static int cmp(const pglocale *l, const char *a, const char *b)
{
	bool failed = false;
	int c = pglocale_cmp(l, a, strlen(a), b, strlen(b), &failed);
	assert_false(failed);
	return c < 0 ? -1 : c > 0;
}

/* en_US.UTF-8's order (glibc 2.36): case and accents count after the letters, punctuation last. */
static const char *const ordered[] = {
        "a", "A", "á", "Á", "ab", "Ab", "b", "B", "co-op", "coop", "Coop", "e", "E", "é", "eagle", "Eagle", "z", "Z",
};

static void test_order(void **state)
{
	(void)state;
	pglocale *l = open_en();
	assert_string_equal(pglocale_name(l), "en_US.UTF-8");
	size_t n = sizeof(ordered) / sizeof(ordered[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int want = i < j ? -1 : i > j;
			if (cmp(l, ordered[i], ordered[j]) != want)
				fail_msg("\"%s\" vs \"%s\": %d, want %d", ordered[i], ordered[j],
				         cmp(l, ordered[i], ordered[j]), want);
		}
	/* the bytes would say otherwise: this is not C's order */
	assert_true(strcmp("B", "a") < 0);
	assert_int_equal(cmp(l, "B", "a"), 1);
	pglocale_free(l);
}

/* Strings strcoll may call equal are told apart by their bytes: 0 only for identical ones. */
static void test_ties(void **state)
{
	(void)state;
	pglocale *l = open_en();
	static const char *const s[] = {"a b", "a-b", "ab", "a_b", "a.b", "ab ", " ab", "a\xcc\x88", "ä", "", " "};
	size_t n = sizeof(s) / sizeof(s[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int c = cmp(l, s[i], s[j]), r = cmp(l, s[j], s[i]);
			if (i == j)
				assert_int_equal(c, 0);
			else if (c == 0 || c != -r)
				fail_msg("\"%s\" vs \"%s\": %d, the other way %d", s[i], s[j], c, r);
		}
	pglocale_free(l);
}

/* Longer than the stack copies (256 bytes): the same answers, copied on the heap. */
static void test_long(void **state)
{
	(void)state;
	pglocale *l = open_en();
	char a[600], b[600];
	memset(a, 'x', 500);
	memset(b, 'x', 500);
	strcpy(a + 500, "a");
	strcpy(b + 500, "B");
	assert_int_equal(cmp(l, a, b), -1);
	assert_int_equal(cmp(l, b, a), 1);
	assert_int_equal(cmp(l, a, a), 0);
	assert_int_equal(cmp(l, "a", b), -1); /* one short, one long */
	pglocale_free(l);
}

static void test_refused(void **state)
{
	(void)state;
	cb_error err;
	assert_null(pglocale_open("xx_NOSUCH.UTF-8", &err));
	assert_non_null(strstr(err.msg, "no locale xx_NOSUCH.UTF-8"));
	assert_non_null(strstr(err.msg, "locale-gen"));
	assert_null(pglocale_open("C", &err)); /* ASCII, not UTF-8 */
	assert_non_null(strstr(err.msg, "not UTF-8"));
	pglocale *l = pglocale_open("C.UTF-8", &err); /* the C library's code point order */
	assert_non_null(l);
	assert_int_equal(cmp(l, "B", "a"), -1);
	pglocale_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_order),
	        cmocka_unit_test(test_ties),
	        cmocka_unit_test(test_long),
	        cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
