/*
 * pgnumeric.c - PostgreSQL's order of numeric output text (see
 * pgnumeric.h).
 *
 * Functions prefix: pgnumeric_
 */
#include "common/pgnumeric.h"

#include <string.h>

/* Where a value stands: the classes sort in this order. */
enum { NUM_NEG_INF, NUM_FINITE, NUM_POS_INF, NUM_NAN };

/* A finite value: its sign and its digits without leading zeros (int) and trailing zeros (frac). */
typedef struct num {
	int cls;
	bool neg;
	const char *ip, *fp; /* integer and fraction digits */
	size_t ilen, flen;
} num;

static bool is_word(const char *s, size_t len, const char *w)
{
	return len == strlen(w) && memcmp(s, w, len) == 0;
}

static bool all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool read_num(const char *s, size_t len, num *n)
{
	memset(n, 0, sizeof(*n));
	if (is_word(s, len, "NaN")) {
		n->cls = NUM_NAN;
		return true;
	}
	if (is_word(s, len, "Infinity")) {
		n->cls = NUM_POS_INF;
		return true;
	}
	if (is_word(s, len, "-Infinity")) {
		n->cls = NUM_NEG_INF;
		return true;
	}
	n->cls = NUM_FINITE;
	if (len > 0 && s[0] == '-') {
		n->neg = true;
		s++;
		len--;
	}
	const char *dot = memchr(s, '.', len);
	size_t ilen = dot ? (size_t)(dot - s) : len;
	size_t flen = dot ? len - ilen - 1 : 0;
	const char *fp = dot ? dot + 1 : s + len;
	/* numeric_out prints at least one integer digit, and digits after a point */
	if (ilen == 0 || !all_digits(s, ilen) || (dot && (flen == 0 || !all_digits(fp, flen))))
		return false;
	while (ilen > 0 && *s == '0') {
		s++;
		ilen--;
	}
	while (flen > 0 && fp[flen - 1] == '0')
		flen--;
	n->ip = s;
	n->ilen = ilen;
	n->fp = fp;
	n->flen = flen;
	if (ilen == 0 && flen == 0)
		n->neg = false; /* zero has no sign */
	return true;
}

/* Compare the magnitudes of two finite values. */
static int magnitude_cmp(const num *a, const num *b)
{
	if (a->ilen != b->ilen)
		return a->ilen < b->ilen ? -1 : 1;
	int c = memcmp(a->ip, b->ip, a->ilen);
	if (c != 0)
		return c < 0 ? -1 : 1;
	size_t common = a->flen < b->flen ? a->flen : b->flen;
	c = memcmp(a->fp, b->fp, common);
	if (c != 0)
		return c < 0 ? -1 : 1;
	/* trailing zeros are gone: the longer fraction has a nonzero digit more */
	return a->flen == b->flen ? 0 : a->flen < b->flen ? -1 : 1;
}

bool pgnumeric_valid(const char *s, size_t len)
{
	num n;
	return read_num(s, len, &n);
}

int pgnumeric_cmp(const char *a, size_t alen, const char *b, size_t blen, bool *ok)
{
	num x, y;
	if (!read_num(a, alen, &x) || !read_num(b, blen, &y)) {
		*ok = false;
		int c = memcmp(a, b, alen < blen ? alen : blen);
		return c != 0 ? c : alen == blen ? 0 : alen < blen ? -1 : 1;
	}
	if (x.cls != y.cls)
		return x.cls < y.cls ? -1 : 1;
	if (x.cls != NUM_FINITE)
		return 0;
	if (x.neg != y.neg)
		return x.neg ? -1 : 1;
	int m = magnitude_cmp(&x, &y);
	return x.neg ? -m : m;
}
