/*
 * pgtime.c - time order of stored date, timestamp and timestamptz text
 * (see pgtime.h).
 *
 * Functions prefix: pgtime_
 */
#include "common/pgtime.h"

#include <string.h>

#define USECS_PER_SEC INT64_C(1000000)
#define SECS_PER_DAY INT64_C(86400)
#define DAYS_1970_TO_2000 INT64_C(10957)

typedef struct cursor {
	const char *p, *end;
} cursor;

/* Exactly n digits (n <= 9) at c into *out. */
static bool fixed_digits(cursor *c, int n, int64_t *out)
{
	int64_t v = 0;
	if (c->end - c->p < n)
		return false;
	for (int i = 0; i < n; i++) {
		if (c->p[i] < '0' || c->p[i] > '9')
			return false;
		v = v * 10 + (c->p[i] - '0');
	}
	c->p += n;
	*out = v;
	return true;
}

static bool take(cursor *c, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return false;
	c->p += n;
	return true;
}

static bool is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* Days from 1970-01-01 to y-m-d on the proleptic Gregorian calendar (y astronomical: 1 BC is 0). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                                   /* 0..399 */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365, the year starting in March */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0..146096 */
	return era * 146097 + doe - 719468;
}

/* The year (4 to 7 digits, as the backend prints it), month and day. */
static bool read_date(cursor *c, int64_t *y, int64_t *m, int64_t *d)
{
	int n = 0;
	while (c->p + n < c->end && c->p[n] >= '0' && c->p[n] <= '9')
		n++;
	if (n < 4 || n > 7 || !fixed_digits(c, n, y) || !take(c, "-") || !fixed_digits(c, 2, m) || !take(c, "-") ||
	    !fixed_digits(c, 2, d))
		return false;
	return *m >= 1 && *m <= 12 && *d >= 1;
}

/* " HH:MM:SS[.f{1,6}]" into microseconds of the day; false (c unmoved) when there is no time part. */
static bool read_time(cursor *c, int64_t *usecs)
{
	int64_t h, mi, s, frac = 0;
	if (!take(c, " ") || !fixed_digits(c, 2, &h) || !take(c, ":") || !fixed_digits(c, 2, &mi) || !take(c, ":") ||
	    !fixed_digits(c, 2, &s) || h > 23 || mi > 59 || s > 59)
		return false;
	if (take(c, ".")) {
		int n = 0;
		while (c->p + n < c->end && n < 7 && c->p[n] >= '0' && c->p[n] <= '9')
			n++;
		if (n < 1 || n > 6 || !fixed_digits(c, n, &frac))
			return false;
		for (; n < 6; n++)
			frac *= 10;
	}
	*usecs = ((h * 60 + mi) * 60 + s) * USECS_PER_SEC + frac;
	return true;
}

/* "+HH[:MM[:SS]]" or "-HH[:MM[:SS]]" into seconds east of Greenwich. */
static bool read_offset(cursor *c, int64_t *secs)
{
	int sign = take(c, "+") ? 1 : take(c, "-") ? -1 : 0;
	int64_t h, mi = 0, s = 0;
	if (sign == 0 || !fixed_digits(c, 2, &h))
		return false;
	if (take(c, ":")) {
		if (!fixed_digits(c, 2, &mi) || mi > 59)
			return false;
		if (take(c, ":") && (!fixed_digits(c, 2, &s) || s > 59))
			return false;
	}
	*secs = sign * ((h * 60 + mi) * 60 + s);
	return true;
}

bool pgtime_sort_key(const char *s, size_t len, int64_t *key)
{
	cursor c = {s, s + len};
	if (len == 8 && memcmp(s, "infinity", 8) == 0) {
		*key = INT64_MAX;
		return true;
	}
	if (len == 9 && memcmp(s, "-infinity", 9) == 0) {
		*key = INT64_MIN;
		return true;
	}
	int64_t y, m, d, usecs = 0, offset = 0;
	if (!read_date(&c, &y, &m, &d))
		return false;
	bool bc = take(&c, " BC");
	bool timed = !bc && c.p < c.end;
	if (timed) {
		if (!read_time(&c, &usecs))
			return false;
		if (c.p < c.end && (c.p[0] == '+' || c.p[0] == '-') && !read_offset(&c, &offset))
			return false;
		bc = take(&c, " BC");
	}
	if (c.p != c.end || y == 0)
		return false;
	if (bc)
		y = 1 - y;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (d > mdays[m - 1] + (m == 2 && is_leap(y)))
		return false;
	int64_t days = days_from_civil(y, m, d) - DAYS_1970_TO_2000;
	if (!timed) { /* a date: in days, as its range is wider than microseconds hold */
		*key = days;
		return true;
	}
	/* seconds from 2000-01-01 00:00 UTC, PostgreSQL's epoch: its largest timestamp then fits in the key */
	int64_t secs = days * SECS_PER_DAY - offset;
	if (secs > INT64_MAX / USECS_PER_SEC - 1 || secs < INT64_MIN / USECS_PER_SEC + 1)
		return false; /* beyond any value of these types */
	*key = secs * USECS_PER_SEC + usecs;
	return true;
}
