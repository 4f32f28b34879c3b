/*
 * array.c - growable arrays (see array.h).
 *
 * Functions prefix: cb_array_
 */
#include "common/array.h"

#include <stdint.h>
#include <stdlib.h>

#define CB_ARRAY_FIRST 8

bool cb_array_grow(void **items, size_t *cap, size_t need, size_t elem)
{
	if (*cap >= need)
		return true;
	size_t n = *cap ? *cap : CB_ARRAY_FIRST;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return false;
		n *= 2;
	}
	if (elem != 0 && n > SIZE_MAX / elem)
		return false;
	void *p = realloc(*items, n * elem);
	if (p == NULL)
		return false;
	*items = p;
	*cap = n;
	return true;
}

bool cb_array_grow_n(void **items, size_t n, size_t elem)
{
	/* full exactly when n is a power of two from CB_ARRAY_FIRST on (or the array is empty) */
	if (n != 0 && (n < CB_ARRAY_FIRST || (n & (n - 1)) != 0))
		return true;
	size_t cap = n;
	return cb_array_grow(items, &cap, n + 1, elem);
}
