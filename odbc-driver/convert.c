/*
 * convert.c - PostgreSQL types as ODBC SQL types, and conversions between
 * PostgreSQL's text output and the ODBC C types (both directions).
 *
 * Functions prefix: conv_
 *
 * The rules follow the ODBC conversion tables (appendix D of the ODBC
 * reference): every value converts to SQL_C_CHAR, SQL_C_WCHAR and
 * SQL_C_BINARY; numbers, booleans and number-looking text convert to the
 * numeric C types; dates, times, timestamps and date-looking text to the
 * datetime structs; everything else is 07006.  Sizes follow psqlODBC's
 * defaults where the type has no declared length (8190 for text).
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odbc-driver/convert.h"
#include "odbc-driver/diag.h"

#define CONV_UNBOUNDED_TEXT 8190

static const conv_pgtype conv_types[] = {
        {CBO_BOOLOID, "bool", SQL_BIT, CONV_BIT},
        {CBO_BYTEAOID, "bytea", SQL_LONGVARBINARY, CONV_BIN},
        {CBO_CHAROID, "char", SQL_CHAR, CONV_CHAR},
        {CBO_NAMEOID, "name", SQL_VARCHAR, CONV_CHAR},
        {CBO_INT8OID, "int8", SQL_BIGINT, CONV_NUM},
        {CBO_INT2OID, "int2", SQL_SMALLINT, CONV_NUM},
        {CBO_INT4OID, "int4", SQL_INTEGER, CONV_NUM},
        {CBO_TEXTOID, "text", SQL_LONGVARCHAR, CONV_CHAR},
        {CBO_OIDOID, "oid", SQL_INTEGER, CONV_NUM},
        {CBO_XIDOID, "xid", SQL_INTEGER, CONV_NUM},
        {CBO_FLOAT4OID, "float4", SQL_REAL, CONV_NUM},
        {CBO_FLOAT8OID, "float8", SQL_FLOAT, CONV_NUM}, /* as psqlODBC reports it */
        {CBO_BPCHAROID, "bpchar", SQL_CHAR, CONV_CHAR},
        {CBO_VARCHAROID, "varchar", SQL_VARCHAR, CONV_CHAR},
        {CBO_DATEOID, "date", SQL_TYPE_DATE, CONV_DATE},
        {CBO_TIMEOID, "time", SQL_TYPE_TIME, CONV_TIME},
        {CBO_TIMESTAMPOID, "timestamp", SQL_TYPE_TIMESTAMP, CONV_TS},
        {CBO_TIMESTAMPTZOID, "timestamptz", SQL_TYPE_TIMESTAMP, CONV_TS},
        {CBO_INTERVALOID, "interval", SQL_VARCHAR, CONV_CHAR},
        {CBO_TIMETZOID, "timetz", SQL_TYPE_TIME, CONV_TIME},
        {CBO_NUMERICOID, "numeric", SQL_NUMERIC, CONV_NUM},
        {CBO_UUIDOID, "uuid", SQL_VARCHAR, CONV_CHAR},
};

static const conv_pgtype conv_unknown = {0, "unknown", SQL_VARCHAR, CONV_CHAR};

const conv_pgtype *conv_pgtype_of(Oid oid)
{
	for (size_t i = 0; i < CB_ARRAY_LEN(conv_types); i++)
		if (conv_types[i].oid == oid)
			return &conv_types[i];
	return &conv_unknown;
}

SQLSMALLINT conv_sql_type(Oid oid, SQLINTEGER odbc_ver)
{
	SQLSMALLINT t = conv_pgtype_of(oid)->sqltype;
	if (odbc_ver == SQL_OV_ODBC2) {
		switch (t) {
		case SQL_TYPE_DATE:
			return SQL_DATE;
		case SQL_TYPE_TIME:
			return SQL_TIME;
		case SQL_TYPE_TIMESTAMP:
			return SQL_TIMESTAMP;
		default:
			break;
		}
	}
	return t;
}

static int conv_numeric_precision(int typmod)
{
	return typmod >= 4 ? ((typmod - 4) >> 16) & 0xffff : 28;
}

static int conv_numeric_scale(int typmod)
{
	return typmod >= 4 ? (typmod - 4) & 0xffff : 6;
}

/* Fractional-second digits of time/timestamp: the typmod, 6 by default. */
static int conv_frac_digits(int typmod)
{
	return typmod >= 0 && typmod <= 6 ? typmod : 6;
}

SQLULEN conv_column_size(Oid oid, int typmod)
{
	switch (oid) {
	case CBO_BOOLOID:
	case CBO_CHAROID:
		return 1;
	case CBO_NAMEOID:
		return 63;
	case CBO_INT2OID:
		return 5;
	case CBO_INT4OID:
	case CBO_OIDOID:
	case CBO_XIDOID:
		return 10;
	case CBO_INT8OID:
		return 19;
	case CBO_FLOAT4OID:
		return 7;
	case CBO_FLOAT8OID:
		return 15;
	case CBO_BPCHAROID:
	case CBO_VARCHAROID:
		return typmod >= 4 ? (SQLULEN)(typmod - 4) : CONV_UNBOUNDED_TEXT;
	case CBO_DATEOID:
		return 10;
	case CBO_TIMEOID:
	case CBO_TIMETZOID: {
		int p = conv_frac_digits(typmod);
		return 8 + (p > 0 ? 1 + p : 0);
	}
	case CBO_TIMESTAMPOID:
	case CBO_TIMESTAMPTZOID: {
		int p = conv_frac_digits(typmod);
		return 19 + (p > 0 ? 1 + p : 0);
	}
	case CBO_NUMERICOID:
		return (SQLULEN)conv_numeric_precision(typmod);
	case CBO_UUIDOID:
		return 36;
	case CBO_INTERVALOID:
		return 49;
	default:
		return CONV_UNBOUNDED_TEXT;
	}
}

SQLSMALLINT conv_decimal_digits(Oid oid, int typmod)
{
	switch (oid) {
	case CBO_NUMERICOID:
		return (SQLSMALLINT)conv_numeric_scale(typmod);
	case CBO_TIMEOID:
	case CBO_TIMETZOID:
	case CBO_TIMESTAMPOID:
	case CBO_TIMESTAMPTZOID:
		return (SQLSMALLINT)conv_frac_digits(typmod);
	default:
		return 0;
	}
}

SQLLEN conv_display_size(Oid oid, int typmod)
{
	switch (oid) {
	case CBO_INT2OID:
		return 6;
	case CBO_INT4OID:
		return 11;
	case CBO_OIDOID:
	case CBO_XIDOID:
		return 10;
	case CBO_INT8OID:
		return 20;
	case CBO_FLOAT4OID:
		return 14;
	case CBO_FLOAT8OID:
		return 24;
	case CBO_NUMERICOID:
		return conv_numeric_precision(typmod) + 2;
	case CBO_BYTEAOID:
		return 2 * (SQLLEN)conv_column_size(oid, typmod);
	default:
		return (SQLLEN)conv_column_size(oid, typmod);
	}
}

SQLLEN conv_octet_length(Oid oid, int typmod)
{
	switch (oid) {
	case CBO_BOOLOID:
		return 1;
	case CBO_INT2OID:
		return 2;
	case CBO_INT4OID:
	case CBO_OIDOID:
	case CBO_XIDOID:
	case CBO_FLOAT4OID:
		return 4;
	case CBO_INT8OID:
	case CBO_FLOAT8OID:
		return 8;
	case CBO_DATEOID:
	case CBO_TIMEOID:
	case CBO_TIMETZOID:
		return 6;
	case CBO_TIMESTAMPOID:
	case CBO_TIMESTAMPTZOID:
		return 16;
	case CBO_NUMERICOID:
		return conv_numeric_precision(typmod) + 2;
	default:
		return (SQLLEN)conv_column_size(oid, typmod);
	}
}

SQLSMALLINT conv_verbose_type(SQLSMALLINT sqltype, SQLSMALLINT *datetime_sub)
{
	SQLSMALLINT sub = 0, verbose = sqltype;
	switch (sqltype) {
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
		break;
	}
	if (datetime_sub)
		*datetime_sub = sub;
	return verbose;
}

SQLSMALLINT conv_default_ctype(SQLSMALLINT sqltype)
{
	switch (sqltype) {
	case SQL_WCHAR:
	case SQL_WVARCHAR:
	case SQL_WLONGVARCHAR:
		return SQL_C_WCHAR;
	case SQL_BIT:
		return SQL_C_BIT;
	case SQL_TINYINT:
		return SQL_C_STINYINT;
	case SQL_SMALLINT:
		return SQL_C_SSHORT;
	case SQL_INTEGER:
		return SQL_C_SLONG;
	case SQL_BIGINT:
		return SQL_C_SBIGINT;
	case SQL_REAL:
		return SQL_C_FLOAT;
	case SQL_FLOAT:
	case SQL_DOUBLE:
		return SQL_C_DOUBLE;
	case SQL_BINARY:
	case SQL_VARBINARY:
	case SQL_LONGVARBINARY:
		return SQL_C_BINARY;
	case SQL_TYPE_DATE:
	case SQL_DATE:
		return SQL_C_TYPE_DATE;
	case SQL_TYPE_TIME:
	case SQL_TIME:
		return SQL_C_TYPE_TIME;
	case SQL_TYPE_TIMESTAMP:
	case SQL_TIMESTAMP:
		return SQL_C_TYPE_TIMESTAMP;
	default:
		return SQL_C_CHAR;
	}
}

bool conv_ctype_valid(SQLSMALLINT ctype)
{
	switch (ctype) {
	case SQL_C_CHAR:
	case SQL_C_WCHAR:
	case SQL_C_BINARY:
	case SQL_C_BIT:
	case SQL_C_TINYINT:
	case SQL_C_STINYINT:
	case SQL_C_UTINYINT:
	case SQL_C_SHORT:
	case SQL_C_SSHORT:
	case SQL_C_USHORT:
	case SQL_C_LONG:
	case SQL_C_SLONG:
	case SQL_C_ULONG:
	case SQL_C_SBIGINT:
	case SQL_C_UBIGINT:
	case SQL_C_FLOAT:
	case SQL_C_DOUBLE:
	case SQL_C_NUMERIC:
	case SQL_C_DATE:
	case SQL_C_TIME:
	case SQL_C_TIMESTAMP:
	case SQL_C_TYPE_DATE:
	case SQL_C_TYPE_TIME:
	case SQL_C_TYPE_TIMESTAMP:
	case SQL_C_DEFAULT:
		return true;
	default:
		return false;
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
		return false;
	}
}

/* --- output strings ------------------------------------------------------ */

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
		n = (size_t)len;
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
	if (*i + (size_t)extra >= len) {
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

/* --- parsers ---------------------------------------------------------------- */

static bool conv_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

bool conv_parse_timestamp(const char *s, SQL_TIMESTAMP_STRUCT *ts, bool *has_date, bool *has_time)
{
	memset(ts, 0, sizeof(*ts));
	*has_date = *has_time = false;
	const char *p = s;
	while (*p == ' ')
		p++;
	int y, mo, d, h, mi, sec = 0;
	/* a date: at least 4 year digits, then -MM-DD */
	size_t ylen = 0;
	while (isdigit((unsigned char)p[ylen]))
		ylen++;
	if (ylen >= 4 && p[ylen] == '-') {
		if (!conv_digits(&p, (int)ylen, &y) || *p++ != '-' || !conv_digits(&p, 2, &mo) || *p++ != '-' ||
		    !conv_digits(&p, 2, &d))
			return false;
		if (y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31)
			return false;
		ts->year = (SQLSMALLINT)y;
		ts->month = (SQLUSMALLINT)mo;
		ts->day = (SQLUSMALLINT)d;
		*has_date = true;
		if (*p == ' ' || *p == 'T')
			p++;
	}
	if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && p[2] == ':') {
		if (!conv_digits(&p, 2, &h) || *p++ != ':' || !conv_digits(&p, 2, &mi))
			return false;
		if (*p == ':') {
			p++;
			if (!conv_digits(&p, 2, &sec))
				return false;
		}
		if (h > 24 || mi > 59 || sec > 60)
			return false;
		ts->hour = (SQLUSMALLINT)h;
		ts->minute = (SQLUSMALLINT)mi;
		ts->second = (SQLUSMALLINT)sec;
		if (*p == '.') {
			p++;
			SQLUINTEGER frac = 0;
			int nd = 0;
			while (isdigit((unsigned char)*p)) {
				if (nd < 9) {
					frac = frac * 10 + (SQLUINTEGER)(*p - '0');
					nd++;
				}
				p++;
			}
			while (nd++ < 9)
				frac *= 10;
			ts->fraction = frac;
		}
		*has_time = true;
		/* a time zone offset is dropped: the value is in the session's zone */
		if (*p == '+' || *p == '-') {
			p++;
			while (isdigit((unsigned char)*p) || *p == ':')
				p++;
		}
	}
	while (*p == ' ')
		p++;
	return *p == '\0' && (*has_date || *has_time);
}

bool conv_numeric_from_text(const char *s, SQL_NUMERIC_STRUCT *ns, bool *overflow)
{
	unsigned __int128 v = 0;
	const unsigned __int128 limit = ~(unsigned __int128)0 / 10;
	int scale = 0, ndig = 0;
	bool neg = false, any = false, point = false;
	*overflow = false;
	memset(ns, 0, sizeof(*ns));
	const char *p = s;
	while (*p == ' ')
		p++;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (;; p++) {
		if (*p == '.' && !point) {
			point = true;
			continue;
		}
		if (!isdigit((unsigned char)*p))
			break;
		any = true;
		if (v == 0 && *p == '0' && !point)
			continue;
		if (v > limit) {
			*overflow = true;
			return false;
		}
		v = v * 10 + (unsigned)(*p - '0');
		if (v != 0)
			ndig++;
		if (point)
			scale++;
	}
	if (!any)
		return false;
	if (*p == 'e' || *p == 'E') {
		char *end;
		long e = strtol(p + 1, &end, 10);
		p = end;
		if (e > 0) {
			for (long k = 0; k < e && scale > 0; k++)
				scale--, e--;
			for (long k = 0; k < e; k++) {
				if (v > limit) {
					*overflow = true;
					return false;
				}
				v *= 10;
				ndig++;
			}
		} else {
			scale += (int)-e;
		}
	}
	while (*p == ' ')
		p++;
	if (*p != '\0' || scale > 127 || ndig > 38) {
		*overflow = *p == '\0';
		return false;
	}
	ns->precision = (SQLCHAR)(ndig > scale ? ndig : scale > 0 ? scale : 1);
	ns->scale = (SQLSCHAR)scale;
	ns->sign = neg ? 0 : 1;
	for (int i = 0; i < SQL_MAX_NUMERIC_LEN; i++) {
		ns->val[i] = (SQLCHAR)(v & 0xff);
		v >>= 8;
	}
	return true;
}

void conv_numeric_to_text(const SQL_NUMERIC_STRUCT *ns, char *out, size_t outsize)
{
	unsigned __int128 v = 0;
	for (int i = SQL_MAX_NUMERIC_LEN - 1; i >= 0; i--)
		v = (v << 8) | ns->val[i];
	char digits[48];
	int nd = 0;
	do {
		digits[nd++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	char buf[200];
	size_t n = 0;
	if (ns->sign == 0)
		buf[n++] = '-';
	int scale = ns->scale;
	if (scale <= 0) {
		for (int i = nd - 1; i >= 0; i--)
			buf[n++] = digits[i];
		for (int i = 0; i < -scale && n < sizeof(buf) - 1; i++)
			buf[n++] = '0';
	} else {
		int intdig = nd - scale;
		if (intdig <= 0) {
			buf[n++] = '0';
			buf[n++] = '.';
			for (int i = 0; i < -intdig; i++)
				buf[n++] = '0';
			for (int i = nd - 1; i >= 0; i--)
				buf[n++] = digits[i];
		} else {
			for (int i = nd - 1; i >= 0; i--) {
				buf[n++] = digits[i];
				if (i == scale)
					buf[n++] = '.';
			}
		}
	}
	buf[n] = '\0';
	snprintf(out, outsize, "%s", buf);
}

/* --- result value -> C -------------------------------------------------- */

/* Copy a variable-length value, from *offset on, with a terminator of
 * `unit` bytes when nul; 01004 when it does not fit. */
static SQLRETURN conv_put_var(cbo_diag *d, const void *data, size_t len, size_t unit, bool nul, SQLPOINTER buf,
                              SQLLEN buflen, SQLLEN *ind, size_t *offset)
{
	size_t off = offset ? *offset : 0;
	size_t rem = len - off;
	if (ind)
		*ind = (SQLLEN)rem;
	size_t room = 0;
	if (buf != NULL && buflen > 0) {
		room = (size_t)buflen;
		if (nul)
			room = room >= unit ? room - unit : 0;
		room -= room % unit;
	}
	size_t n = rem < room ? rem : room;
	if (buf != NULL && buflen > 0) {
		memcpy(buf, (const char *)data + off, n);
		if (nul && (size_t)buflen >= unit)
			memset((char *)buf + n, 0, unit);
	}
	if (n < rem) {
		if (offset)
			*offset = off + n;
		return diag_add(d, "01004",
		                "string data, right truncated: %zu of %zu bytes returned; call SQLGetData again for "
		                "the rest or use a larger buffer",
		                n, rem);
	}
	if (offset)
		*offset = SIZE_MAX;
	return SQL_SUCCESS;
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

/* Decode PostgreSQL's bytea text output (hex or escape format). */
static unsigned char *conv_bytea_decode(const char *s, size_t len, size_t *outlen)
{
	unsigned char *out = malloc(len / 2 + 1);
	if (out == NULL)
		return NULL;
	size_t n = 0;
	if (len >= 2 && s[0] == '\\' && s[1] == 'x') {
		for (size_t i = 2; i + 1 < len; i += 2) {
			int hi = conv_hexval(s[i]), lo = conv_hexval(s[i + 1]);
			if (hi < 0 || lo < 0)
				break;
			out[n++] = (unsigned char)(hi * 16 + lo);
		}
	} else {
		free(out);
		out = malloc(len + 1);
		if (out == NULL)
			return NULL;
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '\\' && i + 1 < len && s[i + 1] == '\\') {
				out[n++] = '\\';
				i++;
			} else if (s[i] == '\\' && i + 3 < len) {
				out[n++] = (unsigned char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
				                           (s[i + 3] - '0'));
				i += 3;
			} else {
				out[n++] = (unsigned char)s[i];
			}
		}
	}
	*outlen = n;
	return out;
}

/* The text a value shows as SQL_C_CHAR: bytea as hex digits, bool as 1/0.
 * Returns a malloc'd string in *owned when it differs from val. */
static const char *conv_char_form(Oid type, const char *val, size_t vlen, size_t *outlen, char **owned)
{
	*owned = NULL;
	*outlen = vlen;
	if (type == CBO_BOOLOID) {
		*outlen = 1;
		return val[0] == 't' ? "1" : "0";
	}
	if (type == CBO_TIMESTAMPTZOID || type == CBO_TIMETZOID) {
		/* shown like the SQL_TYPE_TIMESTAMP/TIME it is reported as: without
		 * the zone offset (as psqlODBC does) */
		size_t from = type == CBO_TIMESTAMPTZOID ? 11 : 1;
		for (size_t i = vlen; i > from; i--) {
			if (val[i - 1] == '+' || val[i - 1] == '-') {
				*outlen = i - 1;
				break;
			}
		}
		return val;
	}
	if (type == CBO_BYTEAOID) {
		size_t n;
		unsigned char *b = conv_bytea_decode(val, vlen, &n);
		if (b == NULL)
			return NULL;
		char *hex = malloc(2 * n + 1);
		if (hex == NULL) {
			free(b);
			return NULL;
		}
		for (size_t i = 0; i < n; i++)
			snprintf(hex + 2 * i, 3, "%02X", b[i]);
		hex[2 * n] = '\0';
		free(b);
		*owned = hex;
		*outlen = 2 * n;
		return hex;
	}
	return val;
}

static SQLRETURN conv_oom(cbo_diag *d)
{
	return diag_add(d, "HY001", "out of memory converting a value; free memory or fetch smaller values");
}

static SQLRETURN conv_bad_conversion(cbo_diag *d, Oid type, SQLSMALLINT ctype)
{
	return diag_add(d, "07006",
	                "restricted data type attribute violation: a %s value cannot be converted to C type %d; "
	                "fetch it as SQL_C_CHAR or a matching C type",
	                conv_pgtype_of(type)->name, (int)ctype);
}

/* Parse text as a number: exact integer when possible, else a double. */
static bool conv_parse_number(const char *s, long long *iv, double *dv, bool *is_int)
{
	char *end;
	while (*s == ' ')
		s++;
	if (*s == '\0')
		return false;
	errno = 0;
	*iv = strtoll(s, &end, 10);
	if (errno == 0 && end != s) {
		while (*end == ' ')
			end++;
		if (*end == '\0') {
			*is_int = true;
			*dv = (double)*iv;
			return true;
		}
	}
	errno = 0;
	*dv = strtod(s, &end);
	if (end == s)
		return false;
	while (*end == ' ')
		end++;
	*is_int = false;
	return *end == '\0';
}

static SQLRETURN conv_to_int(cbo_diag *d, const char *text, long long lo, long long hi, unsigned long long uhi,
                             long long *out, bool *frac)
{
	long long iv;
	double dv;
	bool is_int;
	*frac = false;
	if (!conv_parse_number(text, &iv, &dv, &is_int))
		return diag_add(d, "22018",
		                "invalid character value for cast: \"%s\" is not a number; fetch it as SQL_C_CHAR",
		                text);
	if (!is_int) {
		if (isnan(dv) || dv < (double)lo - 1.0 || dv > (double)uhi + 1.0)
			goto range;
		double t = trunc(dv);
		*frac = t != dv;
		if (t < (double)lo || t > (double)(uhi > (unsigned long long)LLONG_MAX ? LLONG_MAX : (long long)uhi))
			goto range;
		iv = (long long)t;
	}
	if (iv < lo || (iv >= 0 && (unsigned long long)iv > uhi) || (hi < 0 && iv > hi))
		goto range;
	*out = iv;
	return SQL_SUCCESS;
range:
	return diag_add(d, "22003", "numeric value out of range: %s does not fit the C type; use a wider C type", text);
}

SQLRETURN conv_to_c(cbo_diag *d, Oid type, const char *val, size_t vlen, SQLSMALLINT ctype, SQLPOINTER buf,
                    SQLLEN buflen, SQLLEN *ind, size_t *offset)
{
	if (offset && *offset == SIZE_MAX)
		return SQL_NO_DATA;
	const conv_pgtype *t = conv_pgtype_of(type);
	if (val == NULL) {
		if (ind == NULL)
			return diag_add(d, "22002",
			                "indicator variable required but not supplied: the value is NULL; pass a "
			                "StrLen_or_IndPtr to SQLBindCol/SQLGetData");
		*ind = SQL_NULL_DATA;
		if (offset)
			*offset = SIZE_MAX;
		return SQL_SUCCESS;
	}
	if (ctype == SQL_C_DEFAULT)
		ctype = conv_default_ctype(t->sqltype);

	switch (ctype) {
	case SQL_C_CHAR:
	case SQL_C_WCHAR: {
		char *owned;
		size_t n;
		const char *s = conv_char_form(type, val, vlen, &n, &owned);
		if (s == NULL)
			return conv_oom(d);
		SQLRETURN r;
		if (ctype == SQL_C_CHAR) {
			r = conv_put_var(d, s, n, 1, true, buf, buflen, ind, offset);
		} else {
			size_t units;
			SQLWCHAR *w = conv_utf8_to_utf16(s, n, &units);
			if (w == NULL) {
				free(owned);
				return conv_oom(d);
			}
			r = conv_put_var(d, w, units * sizeof(SQLWCHAR), sizeof(SQLWCHAR), true, buf, buflen, ind,
			                 offset);
			free(w);
		}
		free(owned);
		return r;
	}
	case SQL_C_BINARY: {
		if (type == CBO_BYTEAOID) {
			size_t n;
			unsigned char *b = conv_bytea_decode(val, vlen, &n);
			if (b == NULL)
				return conv_oom(d);
			SQLRETURN r = conv_put_var(d, b, n, 1, false, buf, buflen, ind, offset);
			free(b);
			return r;
		}
		return conv_put_var(d, val, vlen, 1, false, buf, buflen, ind, offset);
	}
	default:
		break;
	}

	if (buf == NULL)
		return diag_add(d, "HY009",
		                "invalid use of null pointer: no buffer for the value; pass TargetValuePtr");

	SQLRETURN info = SQL_SUCCESS;
	switch (ctype) {
	case SQL_C_BIT:
	case SQL_C_TINYINT:
	case SQL_C_STINYINT:
	case SQL_C_UTINYINT:
	case SQL_C_SHORT:
	case SQL_C_SSHORT:
	case SQL_C_USHORT:
	case SQL_C_LONG:
	case SQL_C_SLONG:
	case SQL_C_ULONG:
	case SQL_C_SBIGINT:
	case SQL_C_UBIGINT: {
		if (t->cls != CONV_NUM && t->cls != CONV_BIT && t->cls != CONV_CHAR)
			return conv_bad_conversion(d, type, ctype);
		const char *text = val;
		if (t->cls == CONV_BIT)
			text = val[0] == 't' ? "1" : "0";
		long long lo, hi = 0, v = 0;
		unsigned long long uhi;
		SQLLEN size;
		switch (ctype) {
		case SQL_C_BIT:
			lo = 0, uhi = 1, size = 1;
			break;
		case SQL_C_TINYINT:
		case SQL_C_STINYINT:
			lo = SCHAR_MIN, uhi = SCHAR_MAX, size = 1;
			break;
		case SQL_C_UTINYINT:
			lo = 0, uhi = UCHAR_MAX, size = 1;
			break;
		case SQL_C_SHORT:
		case SQL_C_SSHORT:
			lo = SHRT_MIN, uhi = SHRT_MAX, size = 2;
			break;
		case SQL_C_USHORT:
			lo = 0, uhi = USHRT_MAX, size = 2;
			break;
		case SQL_C_LONG:
		case SQL_C_SLONG:
			lo = INT_MIN, uhi = INT_MAX, size = 4;
			break;
		case SQL_C_ULONG:
			lo = 0, uhi = UINT_MAX, size = 4;
			break;
		case SQL_C_SBIGINT:
			lo = LLONG_MIN, uhi = LLONG_MAX, size = 8;
			break;
		default: /* SQL_C_UBIGINT */
			lo = 0, uhi = ULLONG_MAX, size = 8;
			break;
		}
		bool frac;
		SQLRETURN r = conv_to_int(d, text, lo, hi, uhi, &v, &frac);
		if (r != SQL_SUCCESS)
			return r;
		switch (size) {
		case 1:
			*(signed char *)buf = (signed char)v;
			break;
		case 2:
			*(short *)buf = (short)v;
			break;
		case 4:
			*(int *)buf = (int)v;
			break;
		default:
			*(long long *)buf = v;
			break;
		}
		if (ind)
			*ind = size;
		if (frac)
			info = diag_add(d, "01S07", "fractional truncation: %s was truncated to %lld", text, v);
		break;
	}
	case SQL_C_FLOAT:
	case SQL_C_DOUBLE: {
		if (t->cls != CONV_NUM && t->cls != CONV_BIT && t->cls != CONV_CHAR)
			return conv_bad_conversion(d, type, ctype);
		long long iv;
		double dv;
		bool is_int;
		const char *text = t->cls == CONV_BIT ? (val[0] == 't' ? "1" : "0") : val;
		if (!conv_parse_number(text, &iv, &dv, &is_int))
			return diag_add(d, "22018",
			                "invalid character value for cast: \"%s\" is not a number; fetch it as "
			                "SQL_C_CHAR",
			                text);
		if (is_int)
			dv = strtod(text, NULL);
		if (ctype == SQL_C_FLOAT) {
			if (isfinite(dv) && fabs(dv) > FLT_MAX)
				return diag_add(d, "22003",
				                "numeric value out of range: %s does not fit SQL_C_FLOAT; use "
				                "SQL_C_DOUBLE",
				                text);
			*(float *)buf = (float)dv;
			if (ind)
				*ind = sizeof(float);
		} else {
			*(double *)buf = dv;
			if (ind)
				*ind = sizeof(double);
		}
		break;
	}
	case SQL_C_NUMERIC: {
		if (t->cls != CONV_NUM && t->cls != CONV_BIT && t->cls != CONV_CHAR)
			return conv_bad_conversion(d, type, ctype);
		const char *text = t->cls == CONV_BIT ? (val[0] == 't' ? "1" : "0") : val;
		bool overflow;
		if (!conv_numeric_from_text(text, (SQL_NUMERIC_STRUCT *)buf, &overflow)) {
			if (overflow)
				return diag_add(d, "22003",
				                "numeric value out of range: %s has more than 38 digits; fetch it as "
				                "SQL_C_CHAR",
				                text);
			return diag_add(d, "22018",
			                "invalid character value for cast: \"%s\" is not a number; fetch it as "
			                "SQL_C_CHAR",
			                text);
		}
		if (ind)
			*ind = sizeof(SQL_NUMERIC_STRUCT);
		break;
	}
	case SQL_C_DATE:
	case SQL_C_TYPE_DATE:
	case SQL_C_TIME:
	case SQL_C_TYPE_TIME:
	case SQL_C_TIMESTAMP:
	case SQL_C_TYPE_TIMESTAMP: {
		if (t->cls == CONV_NUM || t->cls == CONV_BIT || t->cls == CONV_BIN)
			return conv_bad_conversion(d, type, ctype);
		bool want_date = ctype == SQL_C_DATE || ctype == SQL_C_TYPE_DATE;
		bool want_time = ctype == SQL_C_TIME || ctype == SQL_C_TYPE_TIME;
		if ((want_date && t->cls == CONV_TIME) || (!want_time && t->cls == CONV_TIME) ||
		    (want_time && t->cls == CONV_DATE))
			return conv_bad_conversion(d, type, ctype);
		SQL_TIMESTAMP_STRUCT ts;
		bool hd, ht;
		if (!conv_parse_timestamp(val, &ts, &hd, &ht) || (!want_time && !hd) || (want_time && !ht)) {
			if (t->cls == CONV_CHAR)
				return diag_add(d, "22018",
				                "invalid character value for cast: \"%s\" is not a date/time in ISO "
				                "format (YYYY-MM-DD HH:MM:SS)",
				                val);
			return diag_add(d, "22008",
			                "datetime field overflow: \"%s\" has no ODBC representation; fetch it as "
			                "SQL_C_CHAR",
			                val);
		}
		if (want_date) {
			SQL_DATE_STRUCT *ds = buf;
			ds->year = ts.year;
			ds->month = ts.month;
			ds->day = ts.day;
			if (ind)
				*ind = sizeof(*ds);
			if (ts.hour || ts.minute || ts.second || ts.fraction)
				info = diag_add(d, "01S07", "fractional truncation: the time part of %s was dropped",
				                val);
		} else if (want_time) {
			SQL_TIME_STRUCT *tm = buf;
			tm->hour = ts.hour;
			tm->minute = ts.minute;
			tm->second = ts.second;
			if (ind)
				*ind = sizeof(*tm);
			if (ts.fraction)
				info = diag_add(d, "01S07",
				                "fractional truncation: the fractional seconds of %s were dropped",
				                val);
		} else {
			*(SQL_TIMESTAMP_STRUCT *)buf = ts;
			if (ind)
				*ind = sizeof(ts);
		}
		break;
	}
	default:
		return diag_add(d, "HY003",
		                "invalid application buffer type %d: use one of the SQL_C_ types this driver converts "
		                "(CHAR, WCHAR, BINARY, integers, FLOAT, DOUBLE, NUMERIC, DATE, TIME, TIMESTAMP)",
		                (int)ctype);
	}
	if (offset)
		*offset = SIZE_MAX;
	return info;
}

/* --- C -> parameter text ---------------------------------------------------- */

static bool conv_is_binary_sql(SQLSMALLINT sqltype)
{
	return sqltype == SQL_BINARY || sqltype == SQL_VARBINARY || sqltype == SQL_LONGVARBINARY;
}

static SQLRETURN conv_param_fmt(cbo_diag *d, char **out, int *outlen, const char *fmt, ...) CB_PRINTF(4, 5);

static SQLRETURN conv_param_fmt(cbo_diag *d, char **out, int *outlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n < 0) {
		*out = NULL;
		return conv_oom(d);
	}
	*outlen = n;
	return SQL_SUCCESS;
}

static SQLRETURN conv_param_bytes(cbo_diag *d, const void *src, size_t n, char **out, int *outlen)
{
	char *c = malloc(n + 1);
	if (c == NULL)
		return conv_oom(d);
	memcpy(c, src, n);
	c[n] = '\0';
	*out = c;
	*outlen = (int)n;
	return SQL_SUCCESS;
}

SQLRETURN conv_param(cbo_diag *d, SQLSMALLINT ctype, SQLSMALLINT sqltype, const void *buf, SQLLEN buflen,
                     SQLLEN len_or_ind, char **out, int *outlen, int *format)
{
	*out = NULL;
	*outlen = 0;
	*format = 0;
	if (len_or_ind == SQL_NULL_DATA)
		return SQL_SUCCESS;
	if (len_or_ind == SQL_DATA_AT_EXEC || len_or_ind <= SQL_LEN_DATA_AT_EXEC_OFFSET)
		return diag_add(d, "HY000",
		                "internal error: a data-at-execution parameter reached conversion; report this as a "
		                "bug of the cbcache driver");
	if (buf == NULL)
		return diag_add(d, "HY009",
		                "invalid use of null pointer: a parameter has no value buffer and is not NULL; bind a "
		                "buffer or set the indicator to SQL_NULL_DATA");
	if (ctype == SQL_C_DEFAULT)
		ctype = conv_default_ctype(sqltype);

	switch (ctype) {
	case SQL_C_CHAR: {
		size_t n;
		if (len_or_ind == SQL_NTS)
			n = buflen > 0 ? strnlen(buf, (size_t)buflen) : strlen(buf);
		else if (len_or_ind >= 0)
			n = (size_t)len_or_ind;
		else
			return diag_add(d, "HY090", "invalid string or buffer length %ld for a parameter",
			                (long)len_or_ind);
		if (conv_is_binary_sql(sqltype)) {
			/* hex digits to bytea's hex input format */
			char *c = malloc(n + 3);
			if (c == NULL)
				return conv_oom(d);
			c[0] = '\\';
			c[1] = 'x';
			memcpy(c + 2, buf, n);
			c[n + 2] = '\0';
			*out = c;
			*outlen = (int)n + 2;
			return SQL_SUCCESS;
		}
		return conv_param_bytes(d, buf, n, out, outlen);
	}
	case SQL_C_WCHAR: {
		size_t units;
		const SQLWCHAR *w = buf;
		if (len_or_ind == SQL_NTS) {
			units = 0;
			while (w[units] != 0 && (buflen <= 0 || (SQLLEN)((units + 1) * sizeof(SQLWCHAR)) <= buflen))
				units++;
		} else if (len_or_ind >= 0) {
			units = (size_t)len_or_ind / sizeof(SQLWCHAR);
		} else {
			return diag_add(d, "HY090", "invalid string or buffer length %ld for a parameter",
			                (long)len_or_ind);
		}
		size_t nb;
		char *s = conv_utf16_to_utf8(w, units, &nb);
		if (s == NULL)
			return conv_oom(d);
		*out = s;
		*outlen = (int)nb;
		return SQL_SUCCESS;
	}
	case SQL_C_BINARY: {
		if (len_or_ind < 0)
			return diag_add(d, "HY090",
			                "invalid length %ld for a binary parameter: give its length in bytes in the "
			                "indicator",
			                (long)len_or_ind);
		*format = 1;
		return conv_param_bytes(d, buf, (size_t)len_or_ind, out, outlen);
	}
	case SQL_C_BIT:
		return conv_param_fmt(d, out, outlen, "%d", *(const unsigned char *)buf ? 1 : 0);
	case SQL_C_TINYINT:
	case SQL_C_STINYINT:
		return conv_param_fmt(d, out, outlen, "%d", *(const signed char *)buf);
	case SQL_C_UTINYINT:
		return conv_param_fmt(d, out, outlen, "%u", *(const unsigned char *)buf);
	case SQL_C_SHORT:
	case SQL_C_SSHORT:
		return conv_param_fmt(d, out, outlen, "%d", *(const short *)buf);
	case SQL_C_USHORT:
		return conv_param_fmt(d, out, outlen, "%u", *(const unsigned short *)buf);
	case SQL_C_LONG:
	case SQL_C_SLONG:
		return conv_param_fmt(d, out, outlen, "%d", *(const int *)buf);
	case SQL_C_ULONG:
		return conv_param_fmt(d, out, outlen, "%u", *(const unsigned int *)buf);
	case SQL_C_SBIGINT:
		return conv_param_fmt(d, out, outlen, "%lld", *(const long long *)buf);
	case SQL_C_UBIGINT:
		return conv_param_fmt(d, out, outlen, "%llu", *(const unsigned long long *)buf);
	case SQL_C_FLOAT:
	case SQL_C_DOUBLE: {
		double v = ctype == SQL_C_FLOAT ? *(const float *)buf : *(const double *)buf;
		if (isnan(v))
			return conv_param_fmt(d, out, outlen, "NaN");
		if (isinf(v))
			return conv_param_fmt(d, out, outlen, "%sInfinity", v < 0 ? "-" : "");
		return conv_param_fmt(d, out, outlen, "%.*g", ctype == SQL_C_FLOAT ? 9 : 17, v);
	}
	case SQL_C_NUMERIC: {
		char text[200];
		conv_numeric_to_text(buf, text, sizeof(text));
		return conv_param_fmt(d, out, outlen, "%s", text);
	}
	case SQL_C_DATE:
	case SQL_C_TYPE_DATE: {
		const SQL_DATE_STRUCT *ds = buf;
		return conv_param_fmt(d, out, outlen, "%04d-%02u-%02u", ds->year, ds->month, ds->day);
	}
	case SQL_C_TIME:
	case SQL_C_TYPE_TIME: {
		const SQL_TIME_STRUCT *tm = buf;
		return conv_param_fmt(d, out, outlen, "%02u:%02u:%02u", tm->hour, tm->minute, tm->second);
	}
	case SQL_C_TIMESTAMP:
	case SQL_C_TYPE_TIMESTAMP: {
		const SQL_TIMESTAMP_STRUCT *ts = buf;
		if (ts->fraction == 0)
			return conv_param_fmt(d, out, outlen, "%04d-%02u-%02u %02u:%02u:%02u", ts->year, ts->month,
			                      ts->day, ts->hour, ts->minute, ts->second);
		return conv_param_fmt(d, out, outlen, "%04d-%02u-%02u %02u:%02u:%02u.%09u", ts->year, ts->month,
		                      ts->day, ts->hour, ts->minute, ts->second, (unsigned)ts->fraction);
	}
	default:
		return diag_add(d, "HY003",
		                "invalid application buffer type %d for a parameter: use one of the SQL_C_ types "
		                "this driver converts",
		                (int)ctype);
	}
}
