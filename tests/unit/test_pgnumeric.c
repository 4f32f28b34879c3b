/*
 * Unit tests of common/pgnumeric.c: PostgreSQL's order of numeric output
 * text.  A list written in numeric order (the infinities, NaN, zero at
 * several scales, negative values, fractions that differ far right,
 * integers of different lengths) must compare as listed in every pair;
 * random decimals are checked against long double arithmetic where that is
 * exact (at most 15 significant digits); text numeric_out never prints is
 * refused.  The backend itself is the oracle in
 * tests/integration/test_pgnumeric_order.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pgnumeric.h"
#include "testrand.h"

static int cmp(const char *a, const char *b)
{
	bool ok = true;
	int c = pgnumeric_cmp(a, strlen(a), b, strlen(b), &ok);
	if (!ok)
		fail_msg("\"%s\" or \"%s\" refused", a, b);
	return c < 0 ? -1 : c > 0;
}

/* In numeric order; entries of one row are equal. */
static const char *const ordered[][3] = {
        {"-Infinity"},
        {"-100000000000000000000000000000.5"},
        {"-12.5", "-12.50", "-12.500000"},
        {"-9.99"},
        {"-1"},
        {"-0.000000000000000000000000001"},
        {"0", "0.00", "-0"},
        {"0.000000000000000000000000001"},
        {"0.1", "0.10"},
        {"0.100000000000000000001"},
        {"0.2"},
        {"1", "1.0", "1.000"},
        {"9"},
        {"9.5"},
        {"10"},
        {"99.99"},
        {"100"},
        {"123456789012345678901234567890"},
        {"Infinity"},
        {"NaN"},
};

static void test_order(void **state)
{
	(void)state;
	size_t n = sizeof(ordered) / sizeof(ordered[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t a = 0; a < 3 && ordered[i][a]; a++)
			for (size_t j = 0; j < n; j++)
				for (size_t b = 0; b < 3 && ordered[j][b]; b++) {
					int want = i < j ? -1 : i > j;
					int got = cmp(ordered[i][a], ordered[j][b]);
					if (got != want)
						fail_msg("%s vs %s: %d, want %d", ordered[i][a], ordered[j][b], got,
						         want);
				}
}

/* A random decimal of at most 15 significant digits, as numeric_out prints it (scale digits after the point). */
static void random_decimal(char *buf, size_t cap, long double *value)
{
	int intdigits = (int)rnd(8), scale = (int)rnd(8);
	long long mant = 0;
	for (int i = 0; i < intdigits + scale; i++)
		mant = mant * 10 + (long long)rnd(10);
	bool neg = rnd(2) && mant != 0;
	long long div = 1;
	for (int i = 0; i < scale; i++)
		div *= 10;
	long long ip = mant / div, fp = mant % div;
	if (scale > 0)
		snprintf(buf, cap, "%s%lld.%0*lld", neg ? "-" : "", ip, scale, fp);
	else
		snprintf(buf, cap, "%s%lld", neg ? "-" : "", ip);
	*value = (neg ? -1.0L : 1.0L) * (long double)mant / (long double)div;
}

static void test_random(void **state)
{
	(void)state;
	rnd_seed(20261205);
	for (int i = 0; i < 200000; i++) {
		char a[40], b[40];
		long double x, y;
		random_decimal(a, sizeof(a), &x);
		random_decimal(b, sizeof(b), &y);
		int want = x < y ? -1 : x > y;
		if (cmp(a, b) != want)
			fail_msg("%s vs %s: %d, want %d", a, b, cmp(a, b), want);
	}
}

static void test_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {"",      "-",   ".5",  "5.",  "1e5", "+1",  " 1",         "1 ",
	                                  "1.2.3", "nan", "inf", "0x1", "--1", "1,5", "-Infinity ", "infinity"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(pgnumeric_valid(bad[i], strlen(bad[i])));
		bool ok = true;
		int c = pgnumeric_cmp(bad[i], strlen(bad[i]), "1", 1, &ok);
		assert_false(ok);
		/* still an order: a text compares equal to itself */
		ok = true;
		assert_int_equal(pgnumeric_cmp(bad[i], strlen(bad[i]), bad[i], strlen(bad[i]), &ok), 0);
		(void)c;
	}
	assert_true(pgnumeric_valid("-0.50", 5));
	assert_true(pgnumeric_valid("NaN", 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_order),
	        cmocka_unit_test(test_random),
	        cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
