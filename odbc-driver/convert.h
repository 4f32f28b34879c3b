/*
 * convert.h - values between PostgreSQL's text form and the ODBC C types,
 * both directions, with psqlODBC's rules.
 *
 * Functions prefix: conv_
 *
 * Values travel as PostgreSQL text (result format 0) and are converted
 * from that text, the way psqlODBC converts them: numbers through the C
 * library's atoi/strtod family (no range errors), dates and times through
 * their ISO text, booleans as 1/0, bytea as its hex digits, anything to
 * SQL_C_CHAR and SQL_C_WCHAR, piecewise for SQLGetData.  The connection
 * sets client_encoding UTF8 and DateStyle ISO, which the parsers rely on.
 * SQL_C_WCHAR is UTF-16 (unixODBC's SQLWCHAR is 2 bytes).
 */
#ifndef CBO_CONVERT_H
#define CBO_CONVERT_H

#include "odbc-driver/driver.h"
#include "odbc-driver/pgtypes.h"

/* The verbose type and datetime subcode of a concise type (SQL_DESC_TYPE). */
SQLSMALLINT conv_verbose_type(SQLSMALLINT concise, SQLSMALLINT *datetime_sub);
/* The concise type of SQL_DATETIME/SQL_INTERVAL and a subcode (C types when c_type). */
SQLSMALLINT conv_concise_from_verbose(SQLSMALLINT verbose, SQLSMALLINT sub, bool c_type);
/* The C type SQL_C_DEFAULT means for a parameter of an SQL type. */
SQLSMALLINT conv_default_ctype_for_sql(SQLSMALLINT sqltype);
bool conv_ctype_valid(SQLSMALLINT ctype);
bool conv_sqltype_valid(SQLSMALLINT sqltype);
/* Bytes of one element of a fixed-size C type, 0 for variable-size ones. */
SQLLEN conv_ctype_size(SQLSMALLINT ctype);

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

/* --- result values to C ------------------------------------------------------ */

/* SQLGetData's progress on one column (data_left as psqlODBC keeps it). */
typedef struct conv_gd {
	long left; /* -1: not started; >0 bytes still to hand out; 0: done; -2: done and said so */
	char *buf; /* the converted value */
	size_t len;
} conv_gd;

void conv_gd_reset(conv_gd *g);

typedef enum conv_status {
	CONV_OK,
	CONV_TRUNCATED,   /* 01004 */
	CONV_UNSUPPORTED, /* 07006 */
	CONV_NO_DATA,     /* SQLGetData: nothing left */
	CONV_NULL_NO_IND, /* 22002 */
	CONV_OOM,         /* HY001 */
} conv_status;

/* One value to convert: a result value (text; NULL for SQL NULL) of a
 * PostgreSQL type into an application buffer of a C type. */
typedef struct conv_out {
	const pgt_ctx *types;
	Oid type;
	int typmod;
	const char *val;
	size_t vlen;
	SQLSMALLINT ctype;
	int precision; /* fractional digits for intervals (the ARD record's precision), -1 for the default */
	SQLPOINTER buf;
	SQLLEN buflen;
	SQLLEN *len_ptr; /* SQL_DESC_OCTET_LENGTH_PTR */
	SQLLEN *ind_ptr; /* SQL_DESC_INDICATOR_PTR */
	conv_gd *gd;     /* SQLGetData state, NULL for bound columns */
	bool lo_data;    /* val is the bytes of a large object (already read) */
} conv_out;

conv_status conv_to_c(const conv_out *o);

/* --- parameters ------------------------------------------------------------------- */

typedef struct conv_in {
	const cbo_options *opts;
	SQLSMALLINT ctype;
	SQLSMALLINT sqltype;
	Oid pgtype; /* what the server expects (described), 0 when unknown */
	const void *buf;
	SQLLEN buflen;
	SQLLEN ind;            /* the indicator's value (SQL_NTS when none) */
	SQLSMALLINT precision; /* fractional digits of an interval (APD) */
} conv_in;

typedef struct conv_param {
	char *value; /* malloc'd; NULL for SQL NULL */
	int len;
	int format; /* 0 text, 1 binary */
	bool lo;    /* binary data for a large object: the caller makes it and sends its OID */
} conv_param;

/* Convert one parameter value; on failure *state and *msg say why. */
bool conv_param_value(const conv_in *in, conv_param *out, const char **state, const char **msg);

/* Parsers shared with the unit tests. */
void conv_numeric_from_text(const char *s, SQL_NUMERIC_STRUCT *ns, bool *overflow);
void conv_numeric_to_text(const SQL_NUMERIC_STRUCT *ns, char *out, size_t outsize);
bool conv_interval_from_text(SQLSMALLINT ctype, int precision, const char *s, SQL_INTERVAL_STRUCT *iv);

#endif /* CBO_CONVERT_H */
