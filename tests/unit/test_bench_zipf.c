/* Unit tests of bench/zipf.c: the sampled frequencies follow 1/k^s. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "bench/zipf.h"

static void frequencies(double s, long n, long draws, long *count_by_rank)
{
	zipf_sampler z;
	zipf_rng r;
	assert_true(zipf_init(&z, n, s, 42));
	zipf_rng_seed(&r, 7);
	for (long i = 0; i < draws; i++) {
		long key = zipf_draw(&z, &r);
		assert_in_range(key, 1, n);
		count_by_rank[zipf_rank_of(&z, key) - 1]++;
	}
	zipf_free(&z);
}

static void test_ratio_of_top_ranks(void **state)
{
	(void)state;
	long counts[100] = {0};
	frequencies(1.0, 100, 200000, counts);
	/* P(1)/P(2) = 2^s = 2 and P(1)/P(4) = 4 for s = 1 */
	double r12 = (double)counts[0] / (double)counts[1];
	double r14 = (double)counts[0] / (double)counts[3];
	assert_true(fabs(r12 - 2.0) < 0.1);
	assert_true(fabs(r14 - 4.0) < 0.25);
	/* P(1) = 1/H(100) = 0.1928 */
	assert_true(fabs((double)counts[0] / 200000.0 - 0.1928) < 0.005);
}

static void test_uniform_when_s_is_zero(void **state)
{
	(void)state;
	long counts[10] = {0};
	frequencies(0.0, 10, 100000, counts);
	for (int i = 0; i < 10; i++)
		assert_in_range(counts[i], 9500, 10500);
}

static void test_permutation_is_a_bijection(void **state)
{
	(void)state;
	zipf_sampler z;
	assert_true(zipf_init(&z, 1000, 1.2, 99));
	char seen[1001] = {0};
	for (long i = 0; i < 1000; i++) {
		long k = z.rank_to_key[i];
		assert_in_range(k, 1, 1000);
		assert_int_equal(seen[k], 0);
		seen[k] = 1;
	}
	/* the hottest key is not simply key 1 for this seed */
	assert_int_not_equal(z.rank_to_key[0], 1);
	zipf_free(&z);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	zipf_sampler z;
	assert_false(zipf_init(&z, 0, 1.0, 1));
	assert_false(zipf_init(&z, 10, -1.0, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ratio_of_top_ranks),
	        cmocka_unit_test(test_uniform_when_s_is_zero),
	        cmocka_unit_test(test_permutation_is_a_bijection),
	        cmocka_unit_test(test_bad_arguments),
	};
	return cmocka_run_group_tests_name("bench_zipf", tests, NULL, NULL);
}
