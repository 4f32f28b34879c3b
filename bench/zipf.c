/*
 * zipf.c - keys drawn from a Zipf distribution, for workload drivers.
 *
 * Functions prefix: zipf_
 */
#include "bench/zipf.h"

#include <math.h>
#include <stdlib.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void zipf_rng_seed(zipf_rng *r, uint64_t seed)
{
	r->s[0] = splitmix64(&seed);
	r->s[1] = splitmix64(&seed);
}

static uint64_t rng_next(zipf_rng *r)
{
	uint64_t a = r->s[0];
	const uint64_t b = r->s[1];
	r->s[0] = b;
	a ^= a << 23;
	r->s[1] = a ^ b ^ (a >> 17) ^ (b >> 26);
	return r->s[1] + b;
}

double zipf_rng_uniform(zipf_rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

bool zipf_init(zipf_sampler *z, long n, double s, uint64_t perm_seed)
{
	z->n = n;
	z->s = s;
	z->cdf = NULL;
	z->rank_to_key = NULL;
	if (n < 1 || s < 0)
		return false;
	z->cdf = malloc((size_t)n * sizeof(double));
	z->rank_to_key = malloc((size_t)n * sizeof(long));
	if (z->cdf == NULL || z->rank_to_key == NULL) {
		zipf_free(z);
		return false;
	}
	double total = 0;
	for (long k = 1; k <= n; k++)
		total += pow((double)k, -s);
	double acc = 0;
	for (long k = 1; k <= n; k++) {
		acc += pow((double)k, -s) / total;
		z->cdf[k - 1] = acc;
	}
	z->cdf[n - 1] = 1.0;
	/* Fisher-Yates with its own generator: the same seed, the same hot keys */
	zipf_rng r;
	zipf_rng_seed(&r, perm_seed);
	for (long i = 0; i < n; i++)
		z->rank_to_key[i] = i + 1;
	for (long i = n - 1; i > 0; i--) {
		long j = (long)(rng_next(&r) % (uint64_t)(i + 1));
		long t = z->rank_to_key[i];
		z->rank_to_key[i] = z->rank_to_key[j];
		z->rank_to_key[j] = t;
	}
	return true;
}

void zipf_free(zipf_sampler *z)
{
	free(z->cdf);
	free(z->rank_to_key);
	z->cdf = NULL;
	z->rank_to_key = NULL;
}

long zipf_draw(const zipf_sampler *z, zipf_rng *r)
{
	double u = zipf_rng_uniform(r);
	long lo = 0, hi = z->n - 1;
	while (lo < hi) { /* first index with cdf >= u */
		long mid = lo + (hi - lo) / 2;
		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return z->rank_to_key[lo];
}

long zipf_rank_of(const zipf_sampler *z, long key)
{
	for (long i = 0; i < z->n; i++)
		if (z->rank_to_key[i] == key)
			return i + 1;
	return -1;
}
