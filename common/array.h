/*
 * array.h - growable arrays: one doubling rule for every array that grows.
 *
 * Functions prefix: cb_array_
 *
 * An array is a pointer and a capacity (in elements) owned by its user;
 * cb_array_grow() makes room for at least `need` elements, doubling from
 * a small start so that n appends cost O(n).  On failure the array is
 * left as it was (still valid, still owned by the caller).
 */
#ifndef CB_ARRAY_H
#define CB_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/contract.h"

/* Make *items hold at least need elements of elem bytes; false when out of memory. */
CB_MUSTCHECK bool cb_array_grow(void **items, size_t *cap, size_t need, size_t elem);

/*
 * cb_array_grow for a typed pointer: CB_ARRAY_GROW(v->items, v->cap, v->n + 1).
 * An array with room already costs a compare, not a call (the hit path
 * checks its scratch arrays several times per statement); cap and need
 * may be evaluated twice, so they must have no side effects.
 */
#define CB_ARRAY_GROW(items, cap, need) \
	((need) <= (cap) || cb_array_grow((void **)&(items), &(cap), (need), sizeof(*(items))))

/*
 * For an array that keeps only its length n (its capacity is implied: the
 * powers of two from CB_ARRAY_FIRST on): make room for element n before
 * it is appended.  False when out of memory (the array stays valid).
 */
CB_MUSTCHECK bool cb_array_grow_n(void **items, size_t n, size_t elem);
#define CB_ARRAY_GROW_N(items, n) cb_array_grow_n((void **)&(items), (n), sizeof(*(items)))

#endif /* CB_ARRAY_H */
