/*
 * convert.h - PostgreSQL types as ODBC SQL types, and conversions between
 * PostgreSQL's text output and the ODBC C types (both directions).
 *
 * Functions prefix: conv_
 *
 * Values travel as PostgreSQL text (result format 0); conversions parse
 * that text.  The connection sets client_encoding UTF8 and DateStyle ISO,
 * which these parsers rely on.  SQL_C_WCHAR is UTF-16 (unixODBC's
 * SQLWCHAR is 2 bytes).
 */
#ifndef CBO_CONVERT_H
#define CBO_CONVERT_H

#include "odbc-driver/driver.h"

/* PostgreSQL type OIDs the driver knows (pg_type.dat). */
#define CBO_BOOLOID 16
#define CBO_BYTEAOID 17
#define CBO_CHAROID 18
#define CBO_NAMEOID 19
#define CBO_INT8OID 20
#define CBO_INT2OID 21
#define CBO_INT4OID 23
#define CBO_TEXTOID 25
#define CBO_OIDOID 26
#define CBO_XIDOID 28
#define CBO_FLOAT4OID 700
#define CBO_FLOAT8OID 701
#define CBO_BPCHAROID 1042
#define CBO_VARCHAROID 1043
#define CBO_DATEOID 1082
#define CBO_TIMEOID 1083
#define CBO_TIMESTAMPOID 1114
#define CBO_TIMESTAMPTZOID 1184
#define CBO_INTERVALOID 1186
#define CBO_TIMETZOID 1266
#define CBO_NUMERICOID 1700
#define CBO_UUIDOID 2950

/* What a value is, for the conversion rules. */
typedef enum conv_class {
	CONV_CHAR,
	CONV_NUM,
	CONV_BIT,
	CONV_DATE,
	CONV_TIME,
	CONV_TS,
	CONV_BIN,
} conv_class;

typedef struct conv_pgtype {
	Oid oid;
	const char *name;    /* PostgreSQL type name */
	SQLSMALLINT sqltype; /* ODBC 3 concise SQL type */
	conv_class cls;
} conv_pgtype;

/* The entry for oid; unknown types are reported as long varchar text. */
const conv_pgtype *conv_pgtype_of(Oid oid);
/* The SQL type of oid as an application of ODBC version odbc_ver sees it. */
SQLSMALLINT conv_sql_type(Oid oid, SQLINTEGER odbc_ver);
SQLULEN conv_column_size(Oid oid, int typmod);
SQLSMALLINT conv_decimal_digits(Oid oid, int typmod);
SQLLEN conv_display_size(Oid oid, int typmod);
SQLLEN conv_octet_length(Oid oid, int typmod);
/* The verbose type and datetime subcode of a concise type (SQL_DESC_TYPE). */
SQLSMALLINT conv_verbose_type(SQLSMALLINT sqltype, SQLSMALLINT *datetime_sub);
SQLSMALLINT conv_default_ctype(SQLSMALLINT sqltype);
bool conv_ctype_valid(SQLSMALLINT ctype);
bool conv_sqltype_valid(SQLSMALLINT sqltype);

/*
 * Copy the NUL-terminated string s to an ODBC output buffer of buflen
 * bytes, NUL-terminated, and store the full length.  Returns true when it
 * was truncated (the caller reports 01004).  dst may be NULL.
 */
bool conv_put_str(const char *s, SQLPOINTER dst, SQLLEN buflen, SQLLEN *outlen);
bool conv_put_str_small(const char *s, SQLPOINTER dst, SQLSMALLINT buflen, SQLSMALLINT *outlen);
bool conv_put_str_int(const char *s, SQLPOINTER dst, SQLINTEGER buflen, SQLINTEGER *outlen);

/*
 * A malloc'd NUL-terminated copy of an ODBC input string (len may be
 * SQL_NTS).  *out is NULL when s is NULL.  Returns false when out of memory
 * or len is invalid.
 */
bool conv_in_str(const SQLCHAR *s, SQLINTEGER len, char **out) CB_MUSTCHECK;

/* UTF-8 to UTF-16 and back; malloc'd results, NULL when out of memory.
 * Invalid UTF-8 bytes become U+FFFD. */
SQLWCHAR *conv_utf8_to_utf16(const char *s, size_t len, size_t *nunits) CB_MUSTCHECK;
char *conv_utf16_to_utf8(const SQLWCHAR *s, size_t nunits, size_t *nbytes) CB_MUSTCHECK;

/*
 * Convert one result value (PostgreSQL text of type `type`, NULL for SQL
 * NULL) into a C buffer of type ctype.  `offset` is NULL for bound columns;
 * for SQLGetData it carries how much of the value earlier calls returned
 * (SIZE_MAX once it is complete, which makes the next call SQL_NO_DATA).
 * Returns SQL_SUCCESS, SQL_SUCCESS_WITH_INFO (01004 truncation, 01S07
 * fractional truncation), SQL_NO_DATA or SQL_ERROR (07006, 22003, 22018,
 * 22002 ...) with the record added to d.
 */
SQLRETURN conv_to_c(cbo_diag *d, Oid type, const char *val, size_t vlen, SQLSMALLINT ctype, SQLPOINTER buf,
                    SQLLEN buflen, SQLLEN *ind, size_t *offset);

/*
 * Convert a bound parameter value into what PQexecParams takes: *out is a
 * malloc'd value (NULL for SQL NULL), *outlen its length, *format 0 text or
 * 1 binary.  len_or_ind is the indicator's value (SQL_NTS when the
 * application gave none).
 */
SQLRETURN conv_param(cbo_diag *d, SQLSMALLINT ctype, SQLSMALLINT sqltype, const void *buf, SQLLEN buflen,
                     SQLLEN len_or_ind, char **out, int *outlen, int *format);

/* Parsers shared with the unit tests. */
bool conv_parse_timestamp(const char *s, SQL_TIMESTAMP_STRUCT *ts, bool *has_date, bool *has_time);
bool conv_numeric_from_text(const char *s, SQL_NUMERIC_STRUCT *ns, bool *overflow);
void conv_numeric_to_text(const SQL_NUMERIC_STRUCT *ns, char *out, size_t outsize);

#endif /* CBO_CONVERT_H */
