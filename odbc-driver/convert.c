/*
 * convert.c - values between PostgreSQL's text form and the ODBC C types.
 *
 * Functions prefix: conv_
 *
 * The rules are psqlODBC's (convert.h), so an application reads the same
 * bytes through either driver: numbers are read with the C library's
 * atoi/strtol/strtod (text that is no number gives 0, a value too large
 * for the C type wraps), dates and times are taken apart from their ISO
 * text (a date or time missing from the source is today's), character
 * data is copied piecewise with SQLGetData's bookkeeping, bytea gives its
 * hex digits to SQL_C_CHAR and its bytes to SQL_C_BINARY.  Parameters are
 * turned into the text PostgreSQL reads, bytea parameters into binary.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "odbc-driver/convert.h"
#include "odbc-driver/connection.h"

SQLSMALLINT conv_verbose_type(SQLSMALLINT concise, SQLSMALLINT *datetime_sub)
{
	SQLSMALLINT sub = 0, verbose = concise;
	switch (concise) {
	case SQL_TYPE_DATE:
	case SQL_DATE:
		verbose = SQL_DATETIME;
		sub = SQL_CODE_DATE;
		break;
	case SQL_TYPE_TIME:
	case SQL_TIME:
		verbose = SQL_DATETIME;
		sub = SQL_CODE_TIME;
		break;
	case SQL_TYPE_TIMESTAMP:
	case SQL_TIMESTAMP:
		verbose = SQL_DATETIME;
		sub = SQL_CODE_TIMESTAMP;
		break;
	default:
		if (concise >= SQL_INTERVAL_YEAR && concise <= SQL_INTERVAL_MINUTE_TO_SECOND) {
			verbose = SQL_INTERVAL;
			sub = (SQLSMALLINT)(concise - 100);
		}
		break;
	}
	if (datetime_sub)
		*datetime_sub = sub;
	return verbose;
}

SQLSMALLINT conv_concise_from_verbose(SQLSMALLINT verbose, SQLSMALLINT sub, bool c_type)
{
	(void)c_type; /* the C and SQL codes of these types are the same numbers */
	if (verbose == SQL_DATETIME) {
		switch (sub) {
		case SQL_CODE_DATE:
			return SQL_TYPE_DATE;
		case SQL_CODE_TIME:
			return SQL_TYPE_TIME;
		case SQL_CODE_TIMESTAMP:
			return SQL_TYPE_TIMESTAMP;
		default:
			return verbose;
		}
	}
	if (verbose == SQL_INTERVAL && sub >= SQL_CODE_YEAR && sub <= SQL_CODE_MINUTE_TO_SECOND)
		return (SQLSMALLINT)(sub + 100);
	return verbose;
}

SQLSMALLINT conv_default_ctype_for_sql(SQLSMALLINT sqltype)
{
	switch (sqltype) {
	case SQL_BIGINT:
		return SQL_C_SBIGINT;
	case SQL_BIT:
		return SQL_C_BIT;
	case SQL_TINYINT:
		return SQL_C_STINYINT;
	case SQL_SMALLINT:
		return SQL_C_SSHORT;
	case SQL_INTEGER:
		return SQL_C_SLONG;
	case SQL_REAL:
		return SQL_C_FLOAT;
	case SQL_FLOAT:
	case SQL_DOUBLE:
		return SQL_C_DOUBLE;
	case SQL_BINARY:
	case SQL_VARBINARY:
	case SQL_LONGVARBINARY:
		return SQL_C_BINARY;
	case SQL_DATE:
		return SQL_C_DATE;
	case SQL_TIME:
		return SQL_C_TIME;
	case SQL_TIMESTAMP:
		return SQL_C_TIMESTAMP;
	case SQL_TYPE_DATE:
		return SQL_C_TYPE_DATE;
	case SQL_TYPE_TIME:
		return SQL_C_TYPE_TIME;
	case SQL_TYPE_TIMESTAMP:
		return SQL_C_TYPE_TIMESTAMP;
	case SQL_GUID:
		return SQL_C_GUID;
	default:
		return SQL_C_CHAR; /* character, wide (as psqlODBC: C for everybody), decimal, numeric */
	}
}

bool conv_ctype_valid(SQLSMALLINT ctype)
{
	switch (ctype) {
	case SQL_C_CHAR:
	case SQL_C_WCHAR:
	case SQL_C_BINARY:
	case SQL_C_DEFAULT:
	case SQL_ARD_TYPE:
		return true;
	default:
		/* every other C type the driver converts has a fixed size */
		return conv_ctype_size(ctype) != 0;
	}
}

bool conv_sqltype_valid(SQLSMALLINT sqltype)
{
	switch (sqltype) {
	case SQL_CHAR:
	case SQL_VARCHAR:
	case SQL_LONGVARCHAR:
	case SQL_WCHAR:
	case SQL_WVARCHAR:
	case SQL_WLONGVARCHAR:
	case SQL_DECIMAL:
	case SQL_NUMERIC:
	case SQL_SMALLINT:
	case SQL_INTEGER:
	case SQL_REAL:
	case SQL_FLOAT:
	case SQL_DOUBLE:
	case SQL_BIT:
	case SQL_TINYINT:
	case SQL_BIGINT:
	case SQL_BINARY:
	case SQL_VARBINARY:
	case SQL_LONGVARBINARY:
	case SQL_TYPE_DATE:
	case SQL_TYPE_TIME:
	case SQL_TYPE_TIMESTAMP:
	case SQL_DATE:
	case SQL_TIME:
	case SQL_TIMESTAMP:
	case SQL_GUID:
		return true;
	default:
		return sqltype >= SQL_INTERVAL_YEAR && sqltype <= SQL_INTERVAL_MINUTE_TO_SECOND;
	}
}

SQLLEN conv_ctype_size(SQLSMALLINT ctype)
{
	switch (ctype) {
	case SQL_C_BIT:
	case SQL_C_TINYINT:
	case SQL_C_STINYINT:
	case SQL_C_UTINYINT:
		return 1;
	case SQL_C_SHORT:
	case SQL_C_SSHORT:
	case SQL_C_USHORT:
		return 2;
	case SQL_C_LONG:
	case SQL_C_SLONG:
	case SQL_C_ULONG:
	case SQL_C_FLOAT:
		return 4;
	case SQL_C_SBIGINT:
	case SQL_C_UBIGINT:
	case SQL_C_DOUBLE:
		return 8;
	case SQL_C_NUMERIC:
		return sizeof(SQL_NUMERIC_STRUCT);
	case SQL_C_DATE:
	case SQL_C_TYPE_DATE:
		return sizeof(SQL_DATE_STRUCT);
	case SQL_C_TIME:
	case SQL_C_TYPE_TIME:
		return sizeof(SQL_TIME_STRUCT);
	case SQL_C_TIMESTAMP:
	case SQL_C_TYPE_TIMESTAMP:
		return sizeof(SQL_TIMESTAMP_STRUCT);
	case SQL_C_GUID:
		return sizeof(SQLGUID);
	default:
		if (ctype >= SQL_C_INTERVAL_YEAR && ctype <= SQL_C_INTERVAL_MINUTE_TO_SECOND)
			return sizeof(SQL_INTERVAL_STRUCT);
		return 0;
	}
}

/* --- strings ------------------------------------------------------------------ */

bool conv_put_str(const char *s, SQLPOINTER dst, SQLLEN buflen, SQLLEN *outlen)
{
	size_t n = strlen(s);
	if (outlen)
		*outlen = (SQLLEN)n;
	if (dst == NULL || buflen <= 0)
		return dst != NULL && n > 0;
	size_t room = (size_t)buflen - 1;
	size_t k = n < room ? n : room;
	memcpy(dst, s, k);
	((char *)dst)[k] = '\0';
	return k < n;
}

bool conv_put_str_small(const char *s, SQLPOINTER dst, SQLSMALLINT buflen, SQLSMALLINT *outlen)
{
	SQLLEN n;
	bool t = conv_put_str(s, dst, buflen, &n);
	if (outlen)
		*outlen = (SQLSMALLINT)(n > SHRT_MAX ? SHRT_MAX : n);
	return t;
}

bool conv_put_str_int(const char *s, SQLPOINTER dst, SQLINTEGER buflen, SQLINTEGER *outlen)
{
	SQLLEN n;
	bool t = conv_put_str(s, dst, buflen, &n);
	if (outlen)
		*outlen = (SQLINTEGER)(n > INT_MAX ? INT_MAX : n);
	return t;
}

bool conv_in_str(const SQLCHAR *s, SQLINTEGER len, char **out)
{
	*out = NULL;
	if (s == NULL)
		return true;
	size_t n;
	if (len == SQL_NTS)
		n = strlen((const char *)s);
	else if (len >= 0)
		n = strnlen((const char *)s, (size_t)len);
	else
		return false;
	char *c = malloc(n + 1);
	if (c == NULL)
		return false;
	memcpy(c, s, n);
	c[n] = '\0';
	*out = c;
	return true;
}

/* --- UTF-8 / UTF-16 --------------------------------------------------------- */

/* Decode one code point at s[*i]; invalid sequences give U+FFFD. */
static uint32_t conv_utf8_next(const unsigned char *s, size_t len, size_t *i)
{
	unsigned char c = s[*i];
	uint32_t cp;
	int extra;
	if (c < 0x80) {
		(*i)++;
		return c;
	} else if ((c & 0xe0) == 0xc0) {
		cp = c & 0x1f;
		extra = 1;
	} else if ((c & 0xf0) == 0xe0) {
		cp = c & 0x0f;
		extra = 2;
	} else if ((c & 0xf8) == 0xf0) {
		cp = c & 0x07;
		extra = 3;
	} else {
		(*i)++;
		return 0xfffd;
	}
	if (*i + (size_t)extra >= len + 0 && *i + (size_t)extra > len - 1) {
		(*i)++;
		return 0xfffd;
	}
	for (int k = 1; k <= extra; k++) {
		unsigned char cc = s[*i + (size_t)k];
		if ((cc & 0xc0) != 0x80) {
			(*i)++;
			return 0xfffd;
		}
		cp = (cp << 6) | (cc & 0x3f);
	}
	*i += (size_t)extra + 1;
	return cp > 0x10ffff ? 0xfffd : cp;
}

SQLWCHAR *conv_utf8_to_utf16(const char *s, size_t len, size_t *nunits)
{
	/* at most one unit per byte, plus the terminator */
	SQLWCHAR *w = malloc((len + 1) * sizeof(SQLWCHAR));
	if (w == NULL)
		return NULL;
	size_t i = 0, n = 0;
	const unsigned char *u = (const unsigned char *)s;
	while (i < len) {
		uint32_t cp = conv_utf8_next(u, len, &i);
		if (cp >= 0x10000) {
			cp -= 0x10000;
			w[n++] = (SQLWCHAR)(0xd800 + (cp >> 10));
			w[n++] = (SQLWCHAR)(0xdc00 + (cp & 0x3ff));
		} else {
			w[n++] = (SQLWCHAR)cp;
		}
	}
	w[n] = 0;
	*nunits = n;
	return w;
}

char *conv_utf16_to_utf8(const SQLWCHAR *s, size_t nunits, size_t *nbytes)
{
	char *out = malloc(nunits * 3 + 1);
	if (out == NULL)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < nunits; i++) {
		uint32_t cp = s[i];
		if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < nunits && s[i + 1] >= 0xdc00 && s[i + 1] < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (s[i + 1] - 0xdc00u);
			i++;
		} else if (cp >= 0xd800 && cp < 0xe000) {
			cp = 0xfffd;
		}
		if (cp < 0x80) {
			out[n++] = (char)cp;
		} else if (cp < 0x800) {
			out[n++] = (char)(0xc0 | (cp >> 6));
			out[n++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out[n++] = (char)(0xe0 | (cp >> 12));
			out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[n++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[n++] = (char)(0xf0 | (cp >> 18));
			out[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
			out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[n++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out[n] = '\0';
	*nbytes = n;
	return out;
}

/* --- date and time text ------------------------------------------------------- */

typedef struct conv_time {
	int infinity; /* 1 infinity, -1 -infinity */
	int y, m, d, hh, mm, ss;
	int fr; /* nanoseconds */
} conv_time;

/* "YYYY-MM-DD[ HH:MM:SS[.frac][zone]][ BC]" or "HH:MM:SS[.frac]"; the zone is ignored. */
static bool conv_parse_ts(const char *str, conv_time *t)
{
	char rest[64] = "", bc[16] = "";
	int y, m, d, hh, mm, ss;
	t->fr = 0;
	t->infinity = 0;
	int n = sscanf(str, "%4d-%2d-%2d %2d:%2d:%2d%31s %15s", &y, &m, &d, &hh, &mm, &ss, rest, bc);
	if (n < 6) {
		if (n == 3) {
			t->y = y, t->m = m, t->d = d;
			t->hh = t->mm = t->ss = 0;
			return true;
		}
		n = sscanf(str, "%2d:%2d:%2d%31s %15s", &hh, &mm, &ss, rest, bc);
		if (n < 3)
			return false;
		t->hh = hh, t->mm = mm, t->ss = ss;
		if (n == 3)
			return true;
	} else {
		t->y = y, t->m = m, t->d = d;
		t->hh = hh, t->mm = mm, t->ss = ss;
		if (n == 6)
			return true;
	}
	switch (rest[0]) {
	case '.': {
		char *z = strpbrk(rest, "+-");
		if (z)
			*z = '\0';
		int i;
		for (i = 1; i < 10 && isdigit((unsigned char)rest[i]); i++)
			;
		for (; i < 10; i++)
			rest[i] = '0';
		rest[10] = '\0';
		t->fr = atoi(rest + 1);
		break;
	}
	case 'B':
		if (strcasecmp(rest, "BC") == 0)
			t->y = -t->y;
		return true;
	case '+':
	case '-':
		break;
	default:
		return true;
	}
	if (strcasecmp(bc, "BC") == 0)
		t->y = -t->y;
	return true;
}

/* A parameter's date/time text in the forms psqlODBC accepts. */
static bool conv_parse_datetime(const char *buf, conv_time *t)
{
	int y = 0, m = 0, d = 0, hh = 0, mm = 0, ss = 0;
	t->fr = 0;
	t->infinity = 0;
	if (buf[0] == '{') {
		while (*++buf && *buf != '\'')
			;
		if (!*buf)
			return false;
		buf++;
	}
	if (conv_parse_ts(buf, t))
		return true;
	int n;
	bool ymd = strlen(buf) > 4 && buf[4] == '-';
	if (ymd)
		n = sscanf(buf, "%4d-%2d-%2d %2d:%2d:%2d", &y, &m, &d, &hh, &mm, &ss);
	else
		n = sscanf(buf, "%2d-%2d-%4d %2d:%2d:%2d", &m, &d, &y, &hh, &mm, &ss);
	if (n == 5 || n == 6) {
		t->y = y, t->m = m, t->d = d, t->hh = hh, t->mm = mm, t->ss = ss;
		return true;
	}
	if (ymd)
		n = sscanf(buf, "%4d-%2d-%2d", &y, &m, &d);
	else
		n = sscanf(buf, "%2d-%2d-%4d", &m, &d, &y);
	if (n == 3) {
		t->y = y, t->m = m, t->d = d;
		return true;
	}
	n = sscanf(buf, "%2d:%2d:%2d", &hh, &mm, &ss);
	if (n == 2 || n == 3) {
		t->hh = hh, t->mm = mm, t->ss = ss;
		return true;
	}
	return false;
}

/* A date/time parameter's text (slen bytes, no terminator needed; NULL
 * for none) parsed over t: at most its first 127 bytes. */
static void conv_parse_sent(const char *send, size_t slen, conv_time *t)
{
	char buf[128];
	if (send == NULL)
		return;
	snprintf(buf, sizeof(buf), "%.*s", (int)(slen < sizeof(buf) ? slen : sizeof(buf) - 1), send);
	conv_parse_datetime(buf, t);
}

/* Trailing zeros of a fraction of nanoseconds dropped: digits and value. */
static int conv_fraction(int fr, int *width)
{
	for (*width = 9; fr % 10 == 0; (*width)--, fr /= 10)
		;
	return fr;
}

/* The time of day of t as text: hh:mm:ss, then the fraction without its trailing zeros. */
static void conv_time_text(const conv_time *t, char *s, size_t n)
{
	if (t->fr > 0) {
		int w;
		int fr = conv_fraction(t->fr, &w);
		snprintf(s, n, "%.2d:%.2d:%.2d.%0*d", t->hh, t->mm, t->ss, w, fr);
	} else {
		snprintf(s, n, "%.2d:%.2d:%.2d", t->hh, t->mm, t->ss);
	}
}

static int conv_ts_text(const conv_time *t, char *s, size_t n, int precision)
{
	char frac[16] = "";
	if (t->infinity > 0)
		return snprintf(s, n, "infinity");
	if (t->infinity < 0)
		return snprintf(s, n, "-infinity");
	if (precision > 0 && t->fr) {
		snprintf(frac, sizeof(frac), ".%09d", t->fr);
		if (precision < 9)
			frac[precision + 1] = '\0';
		else
			precision = 9;
		int i;
		for (i = precision; i > 0 && frac[i] == '0'; i--)
			frac[i] = '\0';
		if (i == 0)
			frac[0] = '\0';
	}
	if (t->y < 0)
		return snprintf(s, n, "%.4d-%.2d-%.2d %.2d:%.2d:%.2d%s BC", -t->y, t->m, t->d, t->hh, t->mm, t->ss,
		                frac);
	return snprintf(s, n, "%.4d-%.2d-%.2d %.2d:%.2d:%.2d%s", t->y, t->m, t->d, t->hh, t->mm, t->ss, frac);
}

static void conv_today(conv_time *t)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	if (t->m == 0)
		t->m = tm.tm_mon + 1;
	if (t->d == 0)
		t->d = tm.tm_mday;
	if (t->y == 0)
		t->y = tm.tm_year + 1900;
}

/* t as the ODBC date, time or timestamp struct that ctype names, into b if
 * there is one; the struct's size. A date or a timestamp takes today's for
 * the parts of the date that t lacks (psqlODBC). */
static SQLLEN conv_put_datetime(conv_time *t, SQLSMALLINT ctype, void *b)
{
	bool time_only = ctype == SQL_C_TIME || ctype == SQL_C_TYPE_TIME;
	if (!time_only)
		conv_today(t);
	SQL_TIMESTAMP_STRUCT ts = {.year = (SQLSMALLINT)t->y,
	                           .month = (SQLUSMALLINT)t->m,
	                           .day = (SQLUSMALLINT)t->d,
	                           .hour = (SQLUSMALLINT)t->hh,
	                           .minute = (SQLUSMALLINT)t->mm,
	                           .second = (SQLUSMALLINT)t->ss,
	                           .fraction = (SQLUINTEGER)t->fr};
	SQL_DATE_STRUCT ds = {ts.year, ts.month, ts.day};
	SQL_TIME_STRUCT tod = {ts.hour, ts.minute, ts.second};
	const void *v = &ts;
	size_t n = sizeof(ts);
	if (time_only)
		v = &tod, n = sizeof(tod);
	else if (ctype == SQL_C_DATE || ctype == SQL_C_TYPE_DATE)
		v = &ds, n = sizeof(ds);
	if (b)
		memcpy(b, v, n);
	return (SQLLEN)n;
}

/* --- intervals -------------------------------------------------------------------- */

static SQLINTERVAL conv_interval_kind(SQLSMALLINT ctype)
{
	switch (ctype) {
	case SQL_C_INTERVAL_YEAR:
		return SQL_IS_YEAR;
	case SQL_C_INTERVAL_MONTH:
		return SQL_IS_MONTH;
	case SQL_C_INTERVAL_YEAR_TO_MONTH:
		return SQL_IS_YEAR_TO_MONTH;
	case SQL_C_INTERVAL_DAY:
		return SQL_IS_DAY;
	case SQL_C_INTERVAL_HOUR:
		return SQL_IS_HOUR;
	case SQL_C_INTERVAL_DAY_TO_HOUR:
		return SQL_IS_DAY_TO_HOUR;
	case SQL_C_INTERVAL_MINUTE:
		return SQL_IS_MINUTE;
	case SQL_C_INTERVAL_DAY_TO_MINUTE:
		return SQL_IS_DAY_TO_MINUTE;
	case SQL_C_INTERVAL_HOUR_TO_MINUTE:
		return SQL_IS_HOUR_TO_MINUTE;
	case SQL_C_INTERVAL_SECOND:
		return SQL_IS_SECOND;
	case SQL_C_INTERVAL_DAY_TO_SECOND:
		return SQL_IS_DAY_TO_SECOND;
	case SQL_C_INTERVAL_HOUR_TO_SECOND:
		return SQL_IS_HOUR_TO_SECOND;
	case SQL_C_INTERVAL_MINUTE_TO_SECOND:
		return SQL_IS_MINUTE_TO_SECOND;
	default:
		return 0;
	}
}

/* Fractional seconds of "123456..." at a precision (default 6). */
static int conv_interval_fraction(int precision, const char *digits)
{
	char f[10] = "000000000";
	if (precision < 0)
		precision = 6;
	if (precision == 0)
		return 0;
	size_t n = strlen(digits);
	if (n > 9)
		n = 9;
	memcpy(f, digits, n);
	if (precision < 9)
		f[precision] = '\0';
	return atoi(f);
}

/* iv as a day-to-second interval of kind: its sign and its fields as given;
 * frac, unless NULL, the digits of the fraction of a second. */
static void conv_interval_ds(SQL_INTERVAL_STRUCT *iv, SQLINTERVAL kind, bool neg, int day, int hour, int minute,
                             int second, int precision, const char *frac)
{
	iv->interval_type = kind;
	iv->interval_sign = neg ? SQL_TRUE : SQL_FALSE;
	iv->intval.day_second.day = (SQLUINTEGER)day;
	iv->intval.day_second.hour = (SQLUINTEGER)hour;
	iv->intval.day_second.minute = (SQLUINTEGER)minute;
	iv->intval.day_second.second = (SQLUINTEGER)second;
	if (frac != NULL)
		iv->intval.day_second.fraction = (SQLUINTEGER)conv_interval_fraction(precision, frac);
}

bool conv_interval_from_text(SQLSMALLINT ctype, int precision, const char *s, SQL_INTERVAL_STRUCT *iv)
{
	char w1[64], w2[64];
	int a, b, c, d, e;
	SQLINTERVAL kind = conv_interval_kind(ctype);
	memset(iv, 0, sizeof(*iv));
	int n = sscanf(s, "%d-%d", &a, &b);
	if (n >= 2) {
		/* SQL standard year-month: "1-2" */
		if (kind != SQL_IS_YEAR_TO_MONTH)
			return false;
		iv->interval_type = kind;
		iv->interval_sign = a < 0 ? SQL_TRUE : SQL_FALSE;
		iv->intval.year_month.year = (SQLUINTEGER)(a < 0 ? -a : a);
		iv->intval.year_month.month = (SQLUINTEGER)b;
		return true;
	}
	n = sscanf(s, "%d %02d:%02d:%02d.%9s", &a, &b, &c, &d, w2);
	if (n == 4 || n == 5) {
		/* SQL standard day-time: "1 02:03:04.5" */
		conv_interval_ds(iv, kind, a < 0, a < 0 ? -a : a, b, c, d, precision, n > 4 ? w2 : NULL);
		return true;
	}
	n = sscanf(s, "%d %10s %d %10s", &a, w1, &b, w2);
	if (n >= 4) {
		/* "1 year 2 mons" */
		if (strncasecmp(w1, "year", 4) == 0 && strncasecmp(w2, "mon", 2) == 0 &&
		    (kind == SQL_IS_MONTH || kind == SQL_IS_YEAR_TO_MONTH)) {
			bool neg = a < 0;
			iv->interval_type = kind;
			iv->interval_sign = neg ? SQL_TRUE : SQL_FALSE;
			iv->intval.year_month.year = (SQLUINTEGER)(neg ? -a : a);
			iv->intval.year_month.month = (SQLUINTEGER)(neg ? -b : b);
			return true;
		}
		return false;
	}
	n = sscanf(s, "%d %10s %d", &a, w1, &b);
	if (n == 2) {
		bool neg = a < 0;
		SQLUINTEGER v = (SQLUINTEGER)(neg ? -a : a);
		if (kind == SQL_IS_YEAR && (strcasecmp(w1, "year") == 0 || strcasecmp(w1, "years") == 0)) {
			iv->interval_type = kind, iv->interval_sign = neg ? SQL_TRUE : SQL_FALSE;
			iv->intval.year_month.year = v;
			return true;
		}
		if (kind == SQL_IS_MONTH && (strcasecmp(w1, "mon") == 0 || strcasecmp(w1, "mons") == 0)) {
			iv->interval_type = kind, iv->interval_sign = neg ? SQL_TRUE : SQL_FALSE;
			iv->intval.year_month.month = v;
			return true;
		}
		if (kind == SQL_IS_DAY && (strcasecmp(w1, "day") == 0 || strcasecmp(w1, "days") == 0)) {
			iv->interval_type = kind, iv->interval_sign = neg ? SQL_TRUE : SQL_FALSE;
			iv->intval.day_second.day = v;
			return true;
		}
		return false;
	}
	if (kind == SQL_IS_YEAR || kind == SQL_IS_MONTH || kind == SQL_IS_YEAR_TO_MONTH)
		return false;
	n = sscanf(s, "%d %10s %02d:%02d:%02d.%9s", &a, w1, &b, &c, &d, w2);
	if (n == 5 || n == 6) {
		/* "1 day 02:03:04.5" */
		if (strncasecmp(w1, "day", 3) != 0)
			return false;
		bool neg = a < 0;
		conv_interval_ds(iv, kind, neg, neg ? -a : a, neg ? -b : b, c, d, precision, n > 5 ? w2 : NULL);
		return true;
	}
	n = sscanf(s, "%02d:%02d:%02d.%9s", &b, &c, &d, w2);
	if (n == 3 || n == 4) {
		/* "02:03:04.5" */
		bool neg = b < 0;
		conv_interval_ds(iv, kind, neg, 0, neg ? -b : b, c, d, precision, n > 3 ? w2 : NULL);
		return true;
	}
	(void)e;
	return false;
}

/* --- numbers ------------------------------------------------------------------------ */

void conv_numeric_from_text(const char *s, SQL_NUMERIC_STRUCT *ns, bool *overflow)
{
	char digits[SQL_MAX_NUMERIC_LEN * 3];
	int nd = 0;
	bool dot = false;
	*overflow = false;
	while (*s && isspace((unsigned char)*s))
		s++;
	ns->sign = 1;
	if (*s == '-') {
		ns->sign = 0;
		s++;
	} else if (*s == '+') {
		s++;
	}
	while (*s == '0')
		s++;
	ns->precision = 0;
	ns->scale = 0;
	for (;; s++) {
		if (*s == '.') {
			if (dot)
				break;
			dot = true;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			break;
		if (nd >= (int)sizeof(digits)) {
			if (dot)
				break;
			ns->scale--;
			*overflow = true;
			continue;
		}
		if (dot)
			ns->scale++;
		digits[nd++] = *s;
	}
	ns->precision = (SQLCHAR)nd;
	memset(ns->val, 0, sizeof(ns->val));
	for (int k = 0; k < nd; k++) {
		unsigned carry = (unsigned)(digits[k] - '0');
		for (size_t i = 0; i < sizeof(ns->val); i++) {
			unsigned v = (unsigned)ns->val[i] * 10 + carry;
			ns->val[i] = (SQLCHAR)(v & 0xff);
			carry = v >> 8;
		}
		if (carry != 0)
			*overflow = true;
	}
}

void conv_numeric_to_text(const SQL_NUMERIC_STRUCT *ns, char *out, size_t outsize)
{
	enum { MAXDIG = 40 };
	if (ns->precision == 0) {
		snprintf(out, outsize, "0");
		return;
	}
	int precision = ns->precision > MAXDIG ? MAXDIG : ns->precision;
	unsigned char v[SQL_MAX_NUMERIC_LEN];
	memcpy(v, ns->val, sizeof(v));
	unsigned char digit[MAXDIG];
	int nd = 0, vlen = SQL_MAX_NUMERIC_LEN, top;
	/* divide by 10 repeatedly, the remainders are the digits, lowest first */
	do {
		unsigned r = 0;
		top = -1;
		for (int i = vlen - 1; i >= 0; i--) {
			unsigned x = v[i] + (r << 8);
			v[i] = (unsigned char)(x / 10);
			r = x % 10;
			if (v[i] != 0 && top == -1)
				top = i;
		}
		digit[nd++] = (unsigned char)r;
		vlen = top + 1;
	} while (top >= 0 && nd < precision);
	char buf[320];
	size_t n = 0;
	if (ns->sign == 0)
		buf[n++] = '-';
	int i = nd - 1;
	if (i < ns->scale)
		i = ns->scale;
	for (; i >= ns->scale && n < sizeof(buf) - 3; i--)
		buf[n++] = (char)(i >= nd ? '0' : '0' + digit[i]);
	if (ns->scale > 0) {
		buf[n++] = '.';
		for (; i >= 0 && n < sizeof(buf) - 2; i--)
			buf[n++] = (char)(i >= nd ? '0' : '0' + digit[i]);
	}
	if (nd == 0)
		buf[n++] = '0';
	buf[n] = '\0';
	snprintf(out, outsize, "%s", buf);
}

static double conv_double(const char *s)
{
	if (strcasecmp(s, "NaN") == 0)
		return NAN;
	if (strcasecmp(s, "Infinity") == 0)
		return INFINITY;
	if (strcasecmp(s, "-Infinity") == 0)
		return -INFINITY;
	return atof(s);
}

/* money text ("$1,234.56", "($3.00)") as a plain number */
static void conv_money(const char *s, char *out, size_t outsize)
{
	int num = -1, period = -1, comma = -1;
	char decp = 0;
	for (int i = 0; s[i]; i++) {
		if (s[i] == '.' && period < 0)
			period = i;
		else if (s[i] == ',' && comma < 0)
			comma = i;
		else if (isdigit((unsigned char)s[i]))
			num = i;
	}
	if (period > comma) {
		if (period >= num - 2)
			decp = '.';
	} else if (comma >= 0 && comma >= num - 2) {
		decp = ',';
	}
	size_t n = 0;
	for (int i = 0; s[i] && n + 1 < outsize; i++) {
		if (s[i] == '(' || s[i] == '-')
			out[n++] = '-';
		else if (isdigit((unsigned char)s[i]))
			out[n++] = s[i];
		else if (s[i] == decp)
			out[n++] = '.';
	}
	out[n] = '\0';
}

static bool conv_guid(const char *s, SQLGUID *g)
{
	unsigned int d1;
	if (sscanf(s, "%08X-%04hX-%04hX-%02hhX%02hhX-%02hhX%02hhX%02hhX%02hhX%02hhX%02hhX", &d1, &g->Data2, &g->Data3,
	           &g->Data4[0], &g->Data4[1], &g->Data4[2], &g->Data4[3], &g->Data4[4], &g->Data4[5], &g->Data4[6],
	           &g->Data4[7]) < 11)
		return false;
	g->Data1 = d1;
	return true;
}

/* --- character and binary output ---------------------------------------------------------- */

void conv_gd_reset(conv_gd *g)
{
	free(g->buf);
	g->buf = NULL;
	g->len = 0;
	g->left = -1;
}

static int conv_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Bytes of bytea's text output (hex or escape); *n their count. */
static unsigned char *conv_bytea_bytes(const char *s, size_t len, size_t *n)
{
	unsigned char *out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	size_t k = 0;
	if (len >= 2 && s[0] == '\\' && s[1] == 'x') {
		for (size_t i = 2; i + 1 < len; i += 2) {
			int hi = conv_hexval(s[i]), lo = conv_hexval(s[i + 1]);
			if (hi < 0 || lo < 0)
				break;
			out[k++] = (unsigned char)(hi * 16 + lo);
		}
	} else {
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '\\' && i + 1 < len && s[i + 1] == '\\') {
				out[k++] = '\\';
				i++;
			} else if (s[i] == '\\' && i + 3 < len) {
				out[k++] = (unsigned char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
				                           (s[i + 3] - '0'));
				i += 3;
			} else {
				out[k++] = (unsigned char)s[i];
			}
		}
	}
	*n = k;
	return out;
}

static char *conv_hex_upper(const unsigned char *b, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char *h = malloc(2 * n + 1);
	if (h == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		h[2 * i] = hex[b[i] >> 4];
		h[2 * i + 1] = hex[b[i] & 0xf];
	}
	h[2 * n] = '\0';
	return h;
}

/* LF to CR LF (LFConversion), an LF already after a CR stays. */
static char *conv_lf(const char *s, size_t n, size_t *out)
{
	size_t extra = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n' && !(i > 0 && s[i - 1] == '\r'))
			extra++;
	char *r = malloc(n + extra + 1);
	if (r == NULL)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' && !(i > 0 && s[i - 1] == '\r'))
			r[k++] = '\r';
		r[k++] = s[i];
	}
	r[k] = '\0';
	*out = k;
	return r;
}

/* The bytes of a bytea value (a large object's data are its bytes), malloc'd. */
static unsigned char *conv_value_bytes(const conv_out *o, const char *s, size_t slen, size_t *n)
{
	if (!o->lo_data)
		return conv_bytea_bytes(s, slen, n);
	unsigned char *b = malloc(slen + 1);
	if (b != NULL)
		memcpy(b, s, slen);
	*n = slen;
	return b;
}

/* The bytes a character/binary C type receives for the value: *owned when made. */
static conv_status conv_text_form(const conv_out *o, const char *s, size_t slen, char **form, size_t *flen)
{
	bool bytea = o->type == CBO_BYTEAOID || o->lo_data;
	bool lf = o->types->opts->lf_conversion;
	*form = NULL;
	if (bytea && o->ctype == SQL_C_BINARY) {
		size_t n;
		unsigned char *b = conv_value_bytes(o, s, slen, &n);
		if (b == NULL)
			return CONV_OOM;
		*form = (char *)b;
		*flen = n;
		return CONV_OK;
	}
	const char *text = s;
	size_t tlen = strnlen(s, slen);
	char *owned = NULL;
	if (bytea) {
		if (!o->lo_data && tlen >= 2 && s[0] == '\\' && s[1] == 'x') {
			text = s + 2; /* hex output: its digits as they are */
			tlen -= 2;
		} else {
			size_t n;
			unsigned char *b = conv_value_bytes(o, s, slen, &n);
			if (b == NULL)
				return CONV_OOM;
			owned = conv_hex_upper(b, n);
			free(b);
			if (owned == NULL)
				return CONV_OOM;
			text = owned;
			tlen = 2 * n;
		}
		lf = false;
	}
	if (o->ctype == SQL_C_WCHAR) {
		const char *src = text;
		size_t srclen = tlen;
		char *lfd = NULL;
		if (lf) {
			lfd = conv_lf(text, tlen, &srclen);
			if (lfd == NULL) {
				free(owned);
				return CONV_OOM;
			}
			src = lfd;
		}
		size_t units;
		SQLWCHAR *w = conv_utf8_to_utf16(src, srclen, &units);
		free(lfd);
		free(owned);
		if (w == NULL)
			return CONV_OOM;
		*form = (char *)w;
		*flen = units * sizeof(SQLWCHAR);
		return CONV_OK;
	}
	if (lf) {
		size_t n;
		char *l = conv_lf(text, tlen, &n);
		free(owned);
		if (l == NULL)
			return CONV_OOM;
		*form = l;
		*flen = n;
		return CONV_OK;
	}
	char *c = owned;
	if (c == NULL) {
		c = malloc(tlen + 1);
		if (c == NULL)
			return CONV_OOM;
		memcpy(c, text, tlen);
		c[tlen] = '\0';
	}
	*form = c;
	*flen = tlen;
	return CONV_OK;
}

static void conv_set_len(const conv_out *o, SQLLEN n)
{
	if (o->len_ptr)
		*o->len_ptr = n;
	if (o->ind_ptr && o->ind_ptr != o->len_ptr)
		*o->ind_ptr = n;
}

/* Character or binary data, piecewise for SQLGetData. */
static conv_status conv_put_text(const conv_out *o, const char *s, size_t slen)
{
	conv_gd local = {.left = -1};
	conv_gd *g = o->gd ? o->gd : &local;
	size_t term = o->ctype == SQL_C_WCHAR ? 2 : o->ctype == SQL_C_BINARY ? 0 : 1;
	if (g->left < 0) {
		char *form;
		size_t flen;
		conv_status st = conv_text_form(o, s, slen, &form, &flen);
		if (st != CONV_OK)
			return st;
		if (o->buflen == 0) {
			/* only the length is asked for */
			free(form);
			conv_set_len(o, (SQLLEN)flen);
			return CONV_TRUNCATED;
		}
		free(g->buf);
		g->buf = form;
		g->len = flen;
		g->left = (long)flen;
	}
	size_t len = (size_t)g->left;
	const char *ptr = g->buf + (g->len - len);
	size_t need = len + term;
	size_t copy = 0;
	if (o->buflen > 0 && o->buf != NULL) {
		size_t max = (size_t)o->buflen;
		if (term >= max)
			copy = 0;
		else if (len + term > max)
			copy = o->ctype == SQL_C_WCHAR ? ((max - term) / 2) * 2 : max - term;
		else
			copy = len;
		if (copy > 0)
			memcpy(o->buf, ptr, copy);
		for (size_t i = 0; i < term && copy + i < max; i++)
			((char *)o->buf)[copy + i] = '\0';
		g->left -= (long)copy;
	}
	conv_set_len(o, (SQLLEN)len);
	if (o->buflen > 0 && need > (size_t)o->buflen) {
		/* a bound column has no later piece: its copy goes */
		free(local.buf);
		return CONV_TRUNCATED;
	}
	if (o->gd == NULL) {
		free(local.buf);
	} else {
		g->left = 0;
		free(g->buf);
		g->buf = NULL;
	}
	return CONV_OK;
}

/* --- result value -> C ---------------------------------------------------------------- */

static bool conv_is_date_type(Oid t)
{
	return t == CBO_DATEOID || t == CBO_TIMESTAMPTZOID || t == CBO_TIMESTAMPOID;
}

/* A value of n bytes as SQL_C_BINARY: whole or not at all (truncated). */
static conv_status conv_put_binary(const conv_out *o, const void *v, size_t n)
{
	conv_set_len(o, (SQLLEN)n);
	if (o->buflen < (SQLLEN)n || o->buf == NULL)
		return CONV_TRUNCATED;
	memcpy(o->buf, v, n);
	if (o->gd)
		o->gd->left = 0;
	return CONV_OK;
}

/* Store v as a T in the fixed-size C buffer b, if there is one; the length is T's size. */
#define CONV_STORE(b, T, v) ((b) ? (void)(*(T *)(b) = (T)(v)) : (void)0, (SQLLEN)sizeof(T))

conv_status conv_to_c(const conv_out *o)
{
	SQLSMALLINT ctype = o->ctype;
	/* a NULL answers SQL_NULL_DATA on every call (psqlODBC) */
	if (o->gd != NULL && o->val != NULL) {
		if (o->gd->left == -2)
			o->gd->left = o->buflen > 0 ? 0 : -1;
		if (o->gd->left == 0) {
			o->gd->left = -2;
			free(o->gd->buf);
			o->gd->buf = NULL;
			return CONV_NO_DATA;
		}
	}
	if (o->ind_ptr)
		*o->ind_ptr = 0;

	if (o->val == NULL) {
		/* FoxPro's NULL dates as empty strings (CvtNullDate) */
		if (o->types->opts->cvt_null_date && conv_is_date_type(o->type) &&
		    (ctype == SQL_C_CHAR || ctype == SQL_C_WCHAR || ctype == SQL_C_DATE || ctype == SQL_C_TYPE_DATE ||
		     ctype == SQL_C_DEFAULT)) {
			if (o->len_ptr)
				*o->len_ptr = 0;
			switch (ctype) {
			case SQL_C_CHAR:
				if (o->buf && o->buflen > 0)
					*(char *)o->buf = '\0';
				else
					return CONV_TRUNCATED;
				break;
			case SQL_C_WCHAR:
				if (o->buf && o->buflen >= 2)
					memset(o->buf, 0, 2);
				else
					return CONV_TRUNCATED;
				break;
			default:
				if (o->buf && o->buflen >= (SQLLEN)sizeof(SQL_DATE_STRUCT)) {
					memset(o->buf, 0, (size_t)o->buflen);
					if (o->len_ptr)
						*o->len_ptr = sizeof(SQL_DATE_STRUCT);
				} else {
					return CONV_TRUNCATED;
				}
			}
			return CONV_OK;
		}
		if (o->ind_ptr == NULL)
			return CONV_NULL_NO_IND;
		*o->ind_ptr = SQL_NULL_DATA;
		return CONV_OK;
	}

	/* what the value means, before the C type is looked at */
	conv_time tm;
	memset(&tm, 0, sizeof(tm));
	const char *neut = o->val;
	char small[80];
	switch (o->type) {
	case CBO_DATEOID:
		sscanf(o->val, "%4d-%2d-%2d", &tm.y, &tm.m, &tm.d);
		break;
	case CBO_TIMEOID:
		conv_parse_ts(o->val, &tm);
		break;
	case CBO_TIMESTAMPTZOID:
	case CBO_TIMESTAMPOID:
		if (strncasecmp(o->val, "infinity", 8) == 0) {
			tm = (conv_time){.infinity = 1, .y = 9999, .m = 12, .d = 31, .hh = 23, .mm = 59, .ss = 59};
		} else if (strncasecmp(o->val, "-infinity", 9) == 0) {
			tm = (conv_time){.infinity = -1, .y = -9999, .m = 1, .d = 1};
		} else {
			conv_parse_ts(o->val, &tm);
		}
		break;
	case CBO_BOOLOID:
		switch (o->val[0]) {
		case 'f':
		case 'F':
		case 'n':
		case 'N':
		case '0':
			neut = "0";
			break;
		default:
			neut = o->types->opts->true_is_minus1 ? "-1" : "1";
			break;
		}
		break;
	default:
		break;
	}

	if (ctype == SQL_C_DEFAULT && o->type == CBO_INT2VECTOROID) {
		/* psqlODBC's own layout: the count, then the values, as shorts */
		short *arr = o->buf;
		int maxc = arr ? (int)(o->buflen / (SQLLEN)sizeof(short)) : 0, nval = 0;
		const char *vp = o->val;
		short v;
		while (sscanf(vp, "%hi", &v) == 1) {
			nval++;
			if (nval < maxc)
				arr[nval] = v;
			while (*vp && !isspace((unsigned char)*vp))
				vp++;
			while (*vp && isspace((unsigned char)*vp))
				vp++;
			if (!*vp)
				break;
		}
		if (maxc > 0)
			arr[0] = (short)nval;
		SQLLEN len = (SQLLEN)(nval + 1) * (SQLLEN)sizeof(short);
		conv_set_len(o, len);
		if (o->gd)
			o->gd->left = 0;
		return len <= o->buflen ? CONV_OK : CONV_TRUNCATED;
	}
	if (ctype == SQL_C_DEFAULT)
		ctype = pgt_default_ctype(o->types, o->type, o->typmod);
	conv_out oo = *o;
	oo.ctype = ctype;

	bool text = ctype == SQL_C_CHAR || ctype == SQL_C_WCHAR;
	if (ctype == SQL_C_BINARY) {
		switch (o->type) {
		case CBO_UNKNOWNOID:
		case CBO_BPCHAROID:
		case CBO_VARCHAROID:
		case CBO_TEXTOID:
		case CBO_XMLOID:
		case CBO_BPCHARARRAYOID:
		case CBO_VARCHARARRAYOID:
		case CBO_TEXTARRAYOID:
		case CBO_XMLARRAYOID:
		case CBO_BYTEAOID:
			text = true;
			break;
		default:
			text = o->lo_data;
			break;
		}
	}
	if (text) {
		switch (o->type) {
		case CBO_DATEOID:
			snprintf(small, sizeof(small), "%.4d-%.2d-%.2d", tm.y, tm.m, tm.d);
			neut = small;
			break;
		case CBO_TIMEOID:
			conv_time_text(&tm, small, sizeof(small));
			neut = small;
			break;
		case CBO_TIMESTAMPTZOID:
		case CBO_TIMESTAMPOID:
			conv_ts_text(&tm, small, sizeof(small), 9);
			neut = small;
			break;
		case CBO_UUIDOID: {
			size_t i;
			for (i = 0; o->val[i] && i < sizeof(small) - 1; i++)
				small[i] = (char)toupper((unsigned char)o->val[i]);
			small[i] = '\0';
			neut = small;
			break;
		}
		default:
			break;
		}
		size_t nlen = (neut == o->val) ? o->vlen : strlen(neut);
		return conv_put_text(&oo, neut, nlen);
	}

	char money[80];
	if (o->type == CBO_MONEYOID) {
		conv_money(neut, money, sizeof(money));
		neut = money;
	}
	SQLLEN len = 0;
	void *b = o->buf;
	conv_status result = CONV_OK;
	switch (ctype) {
	case SQL_C_DATE:
	case SQL_C_TYPE_DATE:
	case SQL_C_TIME:
	case SQL_C_TYPE_TIME:
	case SQL_C_TIMESTAMP:
	case SQL_C_TYPE_TIMESTAMP:
		len = conv_put_datetime(&tm, ctype, b);
		break;
	case SQL_C_BIT:
	case SQL_C_UTINYINT:
		len = CONV_STORE(b, unsigned char, atoi(neut));
		break;
	case SQL_C_STINYINT:
	case SQL_C_TINYINT:
		len = CONV_STORE(b, signed char, atoi(neut));
		break;
	case SQL_C_FLOAT:
		len = CONV_STORE(b, float, conv_double(neut));
		break;
	case SQL_C_DOUBLE:
		len = CONV_STORE(b, double, conv_double(neut));
		break;
	case SQL_C_NUMERIC: {
		bool overflow = false;
		if (b)
			conv_numeric_from_text(neut, b, &overflow);
		if (overflow)
			result = CONV_TRUNCATED;
		break;
	}
	case SQL_C_SSHORT:
	case SQL_C_SHORT:
		len = CONV_STORE(b, SQLSMALLINT, atoi(neut));
		break;
	case SQL_C_USHORT:
		len = CONV_STORE(b, SQLUSMALLINT, atoi(neut));
		break;
	case SQL_C_SLONG:
	case SQL_C_LONG:
		len = CONV_STORE(b, SQLINTEGER, atol(neut));
		break;
	case SQL_C_ULONG:
		len = CONV_STORE(b, SQLUINTEGER, strtoul(neut, NULL, 10));
		break;
	case SQL_C_SBIGINT:
		len = CONV_STORE(b, SQLBIGINT, strtol(neut, NULL, 10));
		break;
	case SQL_C_UBIGINT:
		len = CONV_STORE(b, SQLUBIGINT, strtoul(neut, NULL, 10));
		break;
	case SQL_C_BINARY:
		/* the non-character types: an int4 is a bookmark, a uuid its struct */
		if (o->type == CBO_INT4OID) {
			SQLUINTEGER v = (SQLUINTEGER)strtoul(neut, NULL, 10);
			return conv_put_binary(o, &v, sizeof(v));
		}
		if (o->type == CBO_UUIDOID) {
			SQLGUID g;
			if (!conv_guid(neut, &g))
				return CONV_UNSUPPORTED;
			return conv_put_binary(o, &g, sizeof(g));
		}
		return CONV_UNSUPPORTED;
	case SQL_C_GUID: {
		SQLGUID g;
		if (!conv_guid(neut, &g))
			return CONV_UNSUPPORTED;
		len = sizeof(g);
		if (b)
			memcpy(b, &g, sizeof(g));
		break;
	}
	default:
		/* psqlODBC converts results to every interval type but DAY TO MINUTE */
		if (ctype >= SQL_C_INTERVAL_YEAR && ctype <= SQL_C_INTERVAL_MINUTE_TO_SECOND &&
		    ctype != SQL_C_INTERVAL_DAY_TO_MINUTE) {
			SQL_INTERVAL_STRUCT iv;
			conv_interval_from_text(ctype, o->precision, neut,
			                        &iv); /* no match leaves it zero, as psqlODBC */
			if (b)
				memcpy(b, &iv, sizeof(iv));
			break;
		}
		return CONV_UNSUPPORTED;
	}
	conv_set_len(o, len);
	if (result == CONV_OK && o->gd)
		o->gd->left = 0;
	return result;
}

#undef CONV_STORE

/* --- parameters --------------------------------------------------------------------- */

static bool conv_fail(const char **state, const char **msg, const char *s, const char *m)
{
	*state = s;
	*msg = m;
	return false;
}

/* Character data for a binary parameter, read as psqlODBC reads it: two
 * characters a byte, each worth its hexadecimal digit (a-f, A-F) or else
 * its distance from '0' (so text that is not hexadecimal still makes
 * bytes, the ones psqlODBC sends); a NUL ends the text, and the value is
 * half its length long (an odd last character is dropped). */
static bool conv_hex_to_bin(const char *h, size_t n, char **out, size_t *outlen)
{
	size_t blen = n / 2;
	char *b = calloc(blen + 1, 1);
	if (b == NULL)
		return false;
	for (size_t i = 0; i < n && i / 2 < blen && h[i] != '\0'; i++) {
		unsigned char c = (unsigned char)h[i];
		int v = c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : (int)c - '0';
		if (i % 2 == 0)
			b[i / 2] = (char)(unsigned char)((unsigned)v << 4);
		else
			b[i / 2] = (char)(unsigned char)((unsigned char)b[i / 2] + (unsigned)v);
	}
	*out = b;
	*outlen = blen;
	return true;
}

bool conv_param_value(const conv_in *in, conv_param *out, const char **state, const char **msg)
{
	memset(out, 0, sizeof(*out));
	SQLSMALLINT ctype = in->ctype;
	if (ctype == SQL_C_DEFAULT)
		ctype = conv_default_ctype_for_sql(in->sqltype);
	if (in->ind == SQL_NULL_DATA || in->ind == SQL_DEFAULT_PARAM)
		return true;
	if (in->buf == NULL)
		return conv_fail(state, msg, "HY000", "a parameter has no value buffer and is not NULL");

	char num[320] = "";
	const char *send = NULL; /* bytes to send, slen of them */
	size_t slen = 0;
	char *alloc = NULL;
	conv_time tm;
	memset(&tm, 0, sizeof(tm));
	bool have_time = false;
	const void *b = in->buf;
	switch (ctype) {
	case SQL_C_BINARY:
		send = b;
		slen = in->ind >= 0 ? (size_t)in->ind : (in->ind == SQL_NTS ? strlen(b) : 0);
		break;
	case SQL_C_CHAR:
		send = b;
		slen = in->ind >= 0 ? (size_t)in->ind : strlen(b);
		break;
	case SQL_C_WCHAR: {
		const SQLWCHAR *w = b;
		size_t units = 0;
		if (in->ind >= 0) {
			units = (size_t)in->ind / sizeof(SQLWCHAR);
		} else {
			while (w[units] != 0)
				units++;
		}
		alloc = conv_utf16_to_utf8(w, units, &slen);
		if (alloc == NULL)
			return conv_fail(state, msg, "HY001", "out of memory converting a parameter");
		send = alloc;
		break;
	}
	case SQL_C_DOUBLE:
		snprintf(num, sizeof(num), "%.*g", 17, *(const double *)b);
		break;
	case SQL_C_FLOAT:
		snprintf(num, sizeof(num), "%.*g", 9, (double)*(const float *)b);
		break;
	case SQL_C_SLONG:
	case SQL_C_LONG:
		snprintf(num, sizeof(num), "%d", (int)*(const SQLINTEGER *)b);
		break;
	case SQL_C_SBIGINT:
		snprintf(num, sizeof(num), "%lld", (long long)*(const SQLBIGINT *)b);
		break;
	case SQL_C_UBIGINT:
		snprintf(num, sizeof(num), "%llu", (unsigned long long)*(const SQLUBIGINT *)b);
		break;
	case SQL_C_SSHORT:
	case SQL_C_SHORT:
		snprintf(num, sizeof(num), "%d", *(const SQLSMALLINT *)b);
		break;
	case SQL_C_STINYINT:
	case SQL_C_TINYINT:
		snprintf(num, sizeof(num), "%d", *(const signed char *)b);
		break;
	case SQL_C_ULONG:
		snprintf(num, sizeof(num), "%u", (unsigned)*(const SQLUINTEGER *)b);
		break;
	case SQL_C_USHORT:
		snprintf(num, sizeof(num), "%u", *(const SQLUSMALLINT *)b);
		break;
	case SQL_C_UTINYINT:
		snprintf(num, sizeof(num), "%u", *(const unsigned char *)b);
		break;
	case SQL_C_BIT:
		snprintf(num, sizeof(num), "%d", *(const unsigned char *)b ? 1 : 0);
		break;
	case SQL_C_DATE:
	case SQL_C_TYPE_DATE: {
		const SQL_DATE_STRUCT *d = b;
		tm.y = d->year, tm.m = d->month, tm.d = d->day;
		have_time = true;
		break;
	}
	case SQL_C_TIME:
	case SQL_C_TYPE_TIME: {
		const SQL_TIME_STRUCT *t = b;
		tm.hh = t->hour, tm.mm = t->minute, tm.ss = t->second;
		conv_today(&tm);
		have_time = true;
		break;
	}
	case SQL_C_TIMESTAMP:
	case SQL_C_TYPE_TIMESTAMP: {
		const SQL_TIMESTAMP_STRUCT *t = b;
		tm.y = t->year, tm.m = t->month, tm.d = t->day;
		tm.hh = t->hour, tm.mm = t->minute, tm.ss = t->second, tm.fr = (int)t->fraction;
		have_time = true;
		break;
	}
	case SQL_C_NUMERIC:
		conv_numeric_to_text(b, num, sizeof(num));
		break;
	case SQL_C_GUID: {
		const SQLGUID *g = b;
		snprintf(num, sizeof(num), "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", (unsigned)g->Data1,
		         g->Data2, g->Data3, g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4],
		         g->Data4[5], g->Data4[6], g->Data4[7]);
		break;
	}
	default:
		if (ctype >= SQL_C_INTERVAL_YEAR && ctype <= SQL_C_INTERVAL_MINUTE_TO_SECOND) {
			const SQL_INTERVAL_STRUCT *iv = b;
			const char *sg = iv->interval_sign ? "-" : "";
			const unsigned ds_day = iv->intval.day_second.day, ds_h = iv->intval.day_second.hour,
			               ds_m = iv->intval.day_second.minute, ds_s = iv->intval.day_second.second;
			switch (ctype) {
			case SQL_C_INTERVAL_YEAR:
				snprintf(num, sizeof(num), "%s%u years", sg, (unsigned)iv->intval.year_month.year);
				break;
			case SQL_C_INTERVAL_MONTH:
			case SQL_C_INTERVAL_YEAR_TO_MONTH:
				snprintf(num, sizeof(num), "%s%u years %s%u mons", sg,
				         (unsigned)iv->intval.year_month.year, sg,
				         (unsigned)iv->intval.year_month.month);
				break;
			case SQL_C_INTERVAL_DAY:
				snprintf(num, sizeof(num), "%s%u days", sg, ds_day);
				break;
			case SQL_C_INTERVAL_HOUR:
			case SQL_C_INTERVAL_DAY_TO_HOUR:
				snprintf(num, sizeof(num), "%s%u days %s%02u:00:00", sg, ds_day, sg, ds_h);
				break;
			case SQL_C_INTERVAL_MINUTE:
			case SQL_C_INTERVAL_HOUR_TO_MINUTE:
			case SQL_C_INTERVAL_DAY_TO_MINUTE:
				snprintf(num, sizeof(num), "%s%u days %s%02u:%02u:00", sg, ds_day, sg, ds_h, ds_m);
				break;
			default: {
				int n = snprintf(num, sizeof(num), "%s%u days %s%02u:%02u:%02u", sg, ds_day, sg, ds_h,
				                 ds_m, ds_s);
				int fr = (int)iv->intval.day_second.fraction, prec = in->precision;
				if (fr > 0) {
					while (fr % 10 == 0) {
						fr /= 10;
						prec--;
					}
					if (prec < 1)
						prec = 1;
					if (prec > 9)
						prec = 9;
					if (n > 0 && (size_t)n < sizeof(num))
						snprintf(num + n, sizeof(num) - (size_t)n, ".%0*d", prec, fr);
				}
				break;
			}
			}
			break;
		}
		return conv_fail(state, msg, "HYC00", "the C type of a parameter is not one the driver converts");
	}

	/* FoxPro's empty strings for NULL dates (CvtNullDate) */
	if (in->opts->cvt_null_date &&
	    (in->pgtype == CBO_DATEOID || in->pgtype == CBO_TIMESTAMPTZOID || in->pgtype == CBO_TIMESTAMPOID) &&
	    send != NULL && slen == 0 && (ctype == SQL_C_CHAR || ctype == SQL_C_WCHAR)) {
		free(alloc);
		return true;
	}
	if (send == NULL && num[0]) {
		send = num;
		slen = strlen(num);
	}

	char tmp[128];
	switch (in->sqltype) {
	case SQL_CHAR:
	case SQL_VARCHAR:
	case SQL_LONGVARCHAR:
	case SQL_WCHAR:
	case SQL_WVARCHAR:
	case SQL_WLONGVARCHAR:
	case SQL_BIT:
		if (in->pgtype == CBO_BOOLOID && send != NULL && slen >= 2 && send[0] == '-' && send[1] == '1') {
			send = "1";
			slen = 1;
		}
		if (send == NULL && have_time) {
			snprintf(tmp, sizeof(tmp), "%.4d-%.2d-%.2d %.2d:%.2d:%.2d", tm.y, tm.m, tm.d, tm.hh, tm.mm,
			         tm.ss);
			send = tmp;
			slen = strlen(tmp);
		}
		break;
	case SQL_DATE:
	case SQL_TYPE_DATE:
	case SQL_TIME:
	case SQL_TYPE_TIME:
	case SQL_TIMESTAMP:
	case SQL_TYPE_TIMESTAMP:
		conv_parse_sent(send, slen, &tm);
		if (in->sqltype == SQL_DATE || in->sqltype == SQL_TYPE_DATE) {
			if (tm.y < 0)
				snprintf(tmp, sizeof(tmp), "%.4d-%.2d-%.2d BC", -tm.y, tm.m, tm.d);
			else
				snprintf(tmp, sizeof(tmp), "%.4d-%.2d-%.2d", tm.y, tm.m, tm.d);
		} else if (in->sqltype == SQL_TIME || in->sqltype == SQL_TYPE_TIME) {
			conv_time_text(&tm, tmp, sizeof(tmp));
		} else {
			conv_ts_text(&tm, tmp, sizeof(tmp), 6);
		}
		send = tmp;
		slen = strlen(tmp);
		break;
	case SQL_BINARY:
	case SQL_VARBINARY:
	case SQL_LONGVARBINARY:
		if (ctype == SQL_C_CHAR || ctype == SQL_C_WCHAR) {
			char *bin;
			size_t blen;
			if (!conv_hex_to_bin(send ? send : "", send ? slen : 0, &bin, &blen)) {
				free(alloc);
				return conv_fail(state, msg, "HY001", "out of memory converting a parameter");
			}
			free(alloc);
			alloc = bin;
			send = bin;
			slen = blen;
		} else if (ctype != SQL_C_BINARY) {
			free(alloc);
			return conv_fail(state, msg, "HY000",
			                 "the C type of a parameter cannot be converted to binary");
		}
		if (in->pgtype == CBO_BYTEAOID || in->pgtype == 0) {
			out->format = 1;
		} else if (in->pgtype == CBO_OIDOID || in->pgtype >= CBO_FIRST_USER_OID) {
			out->lo = true; /* a large object: statement.c makes it */
			out->format = 1;
		} else {
			free(alloc);
			return conv_fail(state, msg, "HY000",
			                 "binary data can only go to bytea or a large object (lo) parameter");
		}
		break;
	default:
		break;
	}
	if (send == NULL) {
		free(alloc);
		return conv_fail(state, msg, "HY000", "the parameter could not be converted to its SQL type");
	}
	char *v = malloc(slen + 1);
	if (v == NULL) {
		free(alloc);
		return conv_fail(state, msg, "HY001", "out of memory converting a parameter");
	}
	memcpy(v, send, slen);
	v[slen] = '\0';
	if (out->format == 0) {
		/* text parameters end at the first NUL, as libpq sends them */
		slen = strlen(v);
	}
	free(alloc);
	out->value = v;
	out->len = (int)slen;
	return true;
}
