/*
 * The random numbers of the randomized unit tests: a xorshift generator
 * whose seed is printed and can be set with SQLFE_SEED, so that a failing
 * run can be reproduced.  Include it once per test program.
 */
#ifndef CB_TESTS_UNIT_TESTRAND_H
#define CB_TESTS_UNIT_TESTRAND_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng_state;

/* A number in [0, n). */
static inline uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

/* Seeds rnd() from SQLFE_SEED, or with fallback when it is unset, and
 * prints the seed. */
static inline void rnd_seed(uint64_t fallback)
{
	const char *env = getenv("SQLFE_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 10) : fallback;

	fprintf(stderr, "seed %llu (set SQLFE_SEED to reproduce)\n", (unsigned long long)seed);
	rng_state = seed ? seed : 1;
}

#endif
