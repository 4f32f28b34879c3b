/*
 * zipf.h - keys drawn from a Zipf distribution, for workload drivers.
 *
 * Functions prefix: zipf_
 *
 * Rank k in 1..n has probability proportional to 1/k^s.  Ranks are mapped
 * to keys through a fixed permutation, so the hot keys are spread over the
 * key space instead of being 1, 2, 3.  The sampler is read-only after
 * zipf_init and may be shared by threads; each thread keeps its own
 * zipf_rng.
 */
#ifndef BENCH_ZIPF_H
#define BENCH_ZIPF_H

#include <stdbool.h>
#include <stdint.h>

#include "common/contract.h"

typedef struct zipf_rng {
	uint64_t s[2];
} zipf_rng;

typedef struct zipf_sampler {
	long n;
	double s;
	double *cdf;       /* cdf[i] = P(rank <= i + 1) */
	long *rank_to_key; /* rank i + 1 -> key in 1..n */
} zipf_sampler;

/* Prepare a sampler over keys 1..n with exponent s (0 = uniform). */
CB_MUSTCHECK bool zipf_init(zipf_sampler *z, long n, double s, uint64_t perm_seed);
void zipf_free(zipf_sampler *z);

/* Seed a generator (xorshift128+); different seeds give independent streams. */
void zipf_rng_seed(zipf_rng *r, uint64_t seed);
/* A uniform double in [0, 1). */
double zipf_rng_uniform(zipf_rng *r);

/* Draw a key in 1..n. */
long zipf_draw(const zipf_sampler *z, zipf_rng *r);
/* The rank (1 = hottest) of a key; for tests. */
long zipf_rank_of(const zipf_sampler *z, long key);

#endif /* BENCH_ZIPF_H */
