/*
 * types.c - PostgreSQL-exact text output (see types.h).
 *
 * Functions prefix: sqlfe_types_
 *
 * Floats: with extra_float_digits > 0 PostgreSQL 12+ prints the shortest
 * decimal that reads back as the same value (Ryu), in fixed notation when
 * the decimal exponent is in [-4, DIG) (DIG 15 for float8, 6 for float4)
 * and as d.ddde+XX otherwise.  We find the shortest digit string by trying
 * printf's correctly rounded "%.*e" with 1, 2, ... significant digits until
 * strtod gives the value back, then lay it out the same way.  With
 * extra_float_digits <= 0 PostgreSQL uses "%.*g" with DIG +
 * extra_float_digits digits.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/types.h"

/* Copy s into out like snprintf; returns strlen(s). */
static size_t emit(const char *s, size_t n, char *out, size_t cap)
{
	if (cap > 0) {
		size_t k = n < cap - 1 ? n : cap - 1;
		memcpy(out, s, k);
		out[k] = '\0';
	}
	return n;
}

static bool roundtrips(const char *buf, double d, bool is4)
{
	if (is4)
		return strtof(buf, NULL) == (float)d;
	return strtod(buf, NULL) == d;
}

/* x as m * 2^k with m an integer of at most bits bits (x finite, >= 0). */
static void split2(double x, int bits, uint64_t *m, int *k)
{
	int e;
	double f = frexp(x, &e);

	*m = (uint64_t)ldexp(f, bits);
	*k = e - bits;
}

/* Strip factors of two: x = odd * 2^ret (x > 0). */
static int strip2(unsigned __int128 *x)
{
	int n = 0;

	while ((*x & 1) == 0) {
		*x >>= 1;
		n++;
	}
	return n;
}

/* x * 5^n, or 0 when it passes 2^120 (too large to equal anything here). */
static unsigned __int128 times5(unsigned __int128 x, int n)
{
	for (int i = 0; i < n; i++) {
		if (x > ((unsigned __int128)1 << 118))
			return 0;
		x *= 5;
	}
	return x;
}

/*
 * Is the decimal buf ([-]d.ddde[+-]X) exactly the midpoint between |d| and
 * its neighbour nb?  Exact integer arithmetic: buf = Do * 2^a * 10^E with
 * Do odd; the midpoint = So * 2^t with So odd.
 */
static bool is_midpoint(const char *buf, double ad, double nb, int bits)
{
	char digits[32];
	int nd = 0, E, kd, kn, k, a, t;
	uint64_t md, mn;
	unsigned __int128 D, S, lhs, rhs;
	const char *q = buf[0] == '-' ? buf + 1 : buf;

	for (; *q != 'e'; q++)
		if (*q != '.')
			digits[nd++] = *q;
	digits[nd] = '\0';
	E = atoi(q + 1) - (nd - 1);
	D = strtoull(digits, NULL, 10);
	if (D == 0)
		return false;
	split2(ad, bits, &md, &kd);
	if (nb == 0) {
		mn = 0;
		kn = kd;
	} else {
		split2(nb, bits, &mn, &kn);
	}
	k = kd < kn ? kd : kn;
	S = ((unsigned __int128)md << (kd - k)) + ((unsigned __int128)mn << (kn - k));
	t = k - 1 + strip2(&S);
	a = strip2(&D);
	/* D * 2^a * 2^E * 5^E == S * 2^t, both D and S odd */
	if (a + E != t)
		return false;
	lhs = E >= 0 ? times5(D, E) : D;
	rhs = E >= 0 ? S : times5(S, -E);
	return lhs != 0 && lhs == rhs;
}

/*
 * Is the decimal buf exactly on the boundary of d's rounding interval (the
 * midpoint to a neighbour)?  Ryu's acceptance of such boundaries depends on
 * details we do not reproduce, so the caller refuses to answer.
 */
static bool on_boundary(const char *buf, double d, bool is4)
{
	double ad = fabs(d), lo, hi;

	if (is4) {
		float f = (float)ad;
		lo = (double)nextafterf(f, 0.0f);
		hi = (double)nextafterf(f, INFINITY);
	} else {
		lo = nextafter(ad, 0.0);
		hi = nextafter(ad, INFINITY);
	}
	return is_midpoint(buf, ad, lo, is4 ? 24 : 53) || (!isinf(hi) && is_midpoint(buf, ad, hi, is4 ? 24 : 53));
}

/*
 * A p-digit decimal of d that reads back as d: printf's correctly rounded
 * one, or, at a power of two (where the interval below is half as wide),
 * its neighbour one unit up or down in the last digit.  Writes "[-]De<exp>"
 * style text into buf.  Returns 1 when found, 0 when none, -1 when the
 * found one sits on a rounding boundary.
 */
static int candidate(double d, bool is4, int p, char *buf, size_t cap)
{
	int m2;
	char digits[32];
	unsigned long long D;
	int nd = 0, exp10;
	const char *q;

	snprintf(buf, cap, "%.*e", p - 1, d);
	if (roundtrips(buf, d, is4))
		return on_boundary(buf, d, is4) ? -1 : 1;
	if (frexp(is4 ? (double)(float)d : d, &m2) != 0.5 && frexp(d, &m2) != -0.5)
		return 0;
	q = buf[0] == '-' ? buf + 1 : buf;
	for (; *q != 'e'; q++)
		if (*q != '.')
			digits[nd++] = *q;
	digits[nd] = '\0';
	exp10 = atoi(q + 1) - (nd - 1);
	D = strtoull(digits, NULL, 10);
	for (int k = 0; k < 2; k++) {
		unsigned long long E = k == 0 ? D + 1 : D - 1;
		char tmp[48];
		snprintf(tmp, sizeof(tmp), "%s%llue%d", d < 0 ? "-" : "", E, exp10);
		if (snprintf(digits, sizeof(digits), "%llu", E) != nd)
			continue; /* carry changed the digit count */
		if (roundtrips(tmp, d, is4)) {
			/* back to d.ddde+X form */
			snprintf(buf, cap, "%s%c%s%s%se%+d", d < 0 ? "-" : "", digits[0], nd > 1 ? "." : "", digits + 1,
			         "", exp10 + nd - 1);
			return on_boundary(buf, d, is4) ? -1 : 1;
		}
	}
	return 0;
}

/*
 * Shortest round-trip decimal of a finite nonzero d laid out as PostgreSQL
 * does; 0 when unsure (a rounding boundary).
 */
static size_t format_shortest(double d, bool is4, char *out, size_t cap)
{
	char buf[64], digits[32], res[64];
	int maxp = is4 ? 9 : 17, dig = is4 ? 6 : 15;
	int p, exp10, nd = 0;
	size_t n = 0;
	const char *q;

	for (p = 1; p <= maxp; p++) {
		int r = candidate(d, is4, p, buf, sizeof(buf));
		if (r < 0)
			return 0;
		if (r > 0)
			break;
	}
	if (p > maxp)
		snprintf(buf, sizeof(buf), "%.*e", maxp - 1, d);
	/* buf is [-]d[.ddd]e[+-]XX */
	q = buf;
	if (*q == '-') {
		res[n++] = '-';
		q++;
	}
	for (; *q != 'e'; q++)
		if (*q != '.')
			digits[nd++] = *q;
	exp10 = atoi(q + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (exp10 < -4 || exp10 >= dig) {
		res[n++] = digits[0];
		if (nd > 1) {
			res[n++] = '.';
			memcpy(res + n, digits + 1, (size_t)nd - 1);
			n += (size_t)nd - 1;
		}
		n += (size_t)snprintf(res + n, sizeof(res) - n, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
	} else if (exp10 < 0) {
		res[n++] = '0';
		res[n++] = '.';
		for (int k = 0; k < -exp10 - 1; k++)
			res[n++] = '0';
		memcpy(res + n, digits, (size_t)nd);
		n += (size_t)nd;
	} else {
		for (int k = 0; k <= exp10; k++)
			res[n++] = k < nd ? digits[k] : '0';
		if (nd > exp10 + 1) {
			res[n++] = '.';
			memcpy(res + n, digits + exp10 + 1, (size_t)(nd - exp10 - 1));
			n += (size_t)(nd - exp10 - 1);
		}
	}
	return emit(res, n, out, cap);
}

static size_t format_float(double d, bool is4, int efd, char *out, size_t cap)
{
	char buf[64];
	int n;

	if (isnan(d))
		return emit("NaN", 3, out, cap);
	if (isinf(d))
		return d > 0 ? emit("Infinity", 8, out, cap) : emit("-Infinity", 9, out, cap);
	if (efd > 0) {
		if (d == 0)
			return signbit(d) ? emit("-0", 2, out, cap) : emit("0", 1, out, cap);
		return format_shortest(d, is4, out, cap);
	}
	{
		int prec = (is4 ? 6 : 15) + efd;
		if (prec < 1)
			prec = 1;
		n = snprintf(buf, sizeof(buf), "%.*g", prec, d);
	}
	return emit(buf, (size_t)n, out, cap);
}

size_t sqlfe_types_format_float8(double d, int extra_float_digits, char *out, size_t cap)
{
	return format_float(d, false, extra_float_digits, out, cap);
}

size_t sqlfe_types_format_float4(float f, int extra_float_digits, char *out, size_t cap)
{
	return format_float((double)f, true, extra_float_digits, out, cap);
}

static bool text_is(const sqlfe_sqlval *v, const char *s)
{
	return v->len == strlen(s) && memcmp(v->s, s, v->len) == 0;
}

size_t sqlfe_types_format_int(int64_t v, char out[21])
{
	char tmp[20];
	size_t n = 0;
	/* work on the negative value so INT64_MIN needs no special case */
	int64_t x = v < 0 ? v : -v;
	do {
		tmp[n++] = (char)('0' - (x % 10));
		x /= 10;
	} while (x != 0);
	size_t len = 0;
	if (v < 0)
		out[len++] = '-';
	while (n > 0)
		out[len++] = tmp[--n];
	out[len] = '\0';
	return len;
}

long sqlfe_types_render(const pgtype *t, const sqlfe_sqlval *v, int extra_float_digits, char *out, size_t cap)
{
	char buf[32];
	int n;

	if (v->kind == SQLFE_V_NULL)
		return SQLFE_RENDER_NULL;
	switch (t->family) {
	case PGTYPE_FAM_INT:
		if (v->kind != SQLFE_V_INT)
			return SQLFE_RENDER_INEXACT;
		n = (int)sqlfe_types_format_int(v->i, buf);
		return (long)emit(buf, (size_t)n, out, cap);
	case PGTYPE_FAM_BOOL:
		if (v->kind != SQLFE_V_INT || (v->i != 0 && v->i != 1))
			return SQLFE_RENDER_INEXACT;
		return (long)emit(v->i ? "t" : "f", 1, out, cap);
	case PGTYPE_FAM_FLOAT: {
		double d;
		if (v->kind == SQLFE_V_TEXT) {
			if (text_is(v, "NaN") || text_is(v, "-0") || text_is(v, "Infinity") || text_is(v, "-Infinity"))
				return (long)emit(v->s, v->len, out, cap);
			return SQLFE_RENDER_INEXACT;
		}
		d = v->kind == SQLFE_V_INT ? (double)v->i : v->d;
		if (t->oid == PGTYPE_OID_FLOAT4) {
			if (v->kind == SQLFE_V_REAL && (double)(float)d != d && !isnan(d))
				return SQLFE_RENDER_INEXACT;
		}
		{
			size_t fl = t->oid == PGTYPE_OID_FLOAT4
			                    ? sqlfe_types_format_float4((float)d, extra_float_digits, out, cap)
			                    : sqlfe_types_format_float8(d, extra_float_digits, out, cap);
			return fl == 0 ? SQLFE_RENDER_INEXACT : (long)fl;
		}
	}
	case PGTYPE_FAM_TEXT:
	case PGTYPE_FAM_OPAQUE:
		if (v->kind != SQLFE_V_TEXT)
			return SQLFE_RENDER_INEXACT;
		return (long)emit(v->s, v->len, out, cap);
	}
	return SQLFE_RENDER_INEXACT;
}

bool sqlfe_types_like_to_glob(const char *pat, size_t len, char *out, size_t cap, size_t *outlen)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = pat[i];
		const char *rep;
		char one[2] = {0, 0};
		size_t rl;

		if (c == '\\') {
			if (i + 1 >= len)
				return false;
			c = pat[++i];
			one[0] = c;
			rep = one;
			if (c == '*')
				rep = "[*]";
			else if (c == '?')
				rep = "[?]";
			else if (c == '[')
				rep = "[[]";
		} else if (c == '%') {
			rep = "*";
		} else if (c == '_') {
			rep = "?";
		} else if (c == '*') {
			rep = "[*]";
		} else if (c == '?') {
			rep = "[?]";
		} else if (c == '[') {
			rep = "[[]";
		} else {
			one[0] = c;
			rep = one;
		}
		rl = rep == one ? 1 : strlen(rep);
		if (n + rl + 1 > cap)
			return false;
		memcpy(out + n, rep, rl);
		n += rl;
	}
	if (n + 1 > cap)
		return false;
	out[n] = '\0';
	*outlen = n;
	return true;
}

bool sqlfe_types_parse_int(const pgtype *t, const char *s, size_t len, int64_t *out)
{
	bool neg = false;
	uint64_t v = 0, lim;
	size_t i = 0;

	if (t->family != PGTYPE_FAM_INT || len == 0)
		return false;
	if (s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i >= len)
		return false;
	lim = t->oid == PGTYPE_OID_INT2 ? 32767u : t->oid == PGTYPE_OID_INT4 ? 2147483647u : 9223372036854775807u;
	for (; i < len; i++) {
		unsigned d;
		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned)(s[i] - '0');
		if (v > (lim + (neg ? 1u : 0u) - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (neg)
		*out = v == lim + 1 ? (int64_t)(-(int64_t)(v - 1) - 1) : -(int64_t)v;
	else
		*out = (int64_t)v;
	return true;
}
