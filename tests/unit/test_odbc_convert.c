/*
 * Unit test of odbc-driver/convert.c (values both ways, with psqlODBC's
 * rules), pgtypes.c (the types as psqlODBC describes them under the DSN
 * options), diag.c (one record, psqlODBC's wording of server errors, long
 * messages in pieces) and the connection-string parser of connection.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odbc-driver/connection.h"
#include "odbc-driver/convert.h"
#include "odbc-driver/diag.h"
#include "odbc-driver/pgtypes.h"

static cbo_options opts;
static pgt_ctx ctx;

static int setup(void **state)
{
	(void)state;
	char *none[CONN_NSETTINGS] = {0};
	conn_parse_options(none, &opts);
	ctx = (pgt_ctx){.opts = &opts, .odbc_version = SQL_OV_ODBC3};
	return 0;
}

/* Convert a result value (NULL for SQL NULL) into buf. */
static conv_status to_c(Oid type, int typmod, const char *val, SQLSMALLINT ctype, void *buf, SQLLEN buflen, SQLLEN *ind,
                        conv_gd *gd)
{
	conv_out o = {.types = &ctx,
	              .type = type,
	              .typmod = typmod,
	              .val = val,
	              .vlen = val ? strlen(val) : 0,
	              .ctype = ctype,
	              .precision = -1,
	              .buf = buf,
	              .buflen = buflen,
	              .len_ptr = ind,
	              .ind_ptr = ind,
	              .gd = gd};
	return conv_to_c(&o);
}

static void test_numbers(void **state)
{
	(void)state;
	SQLINTEGER i;
	SQLSMALLINT s;
	SQLBIGINT b;
	double dv;
	SQLLEN ind;
	assert_int_equal(to_c(CBO_INT4OID, -1, "-2147483648", SQL_C_SLONG, &i, 0, &ind, NULL), CONV_OK);
	assert_int_equal(i, -2147483647 - 1);
	assert_int_equal(ind, 4);
	assert_int_equal(to_c(CBO_INT8OID, -1, "-9223372036854775808", SQL_C_SBIGINT, &b, 0, &ind, NULL), CONV_OK);
	assert_true(b == INT64_MIN);
	/* psqlODBC converts with atoi: no range check, a fraction is cut */
	assert_int_equal(to_c(CBO_NUMERICOID, -1, "-12.75", SQL_C_SSHORT, &s, 0, &ind, NULL), CONV_OK);
	assert_int_equal(s, -12);
	assert_int_equal(to_c(CBO_TEXTOID, -1, "4x2", SQL_C_SLONG, &i, 0, &ind, NULL), CONV_OK);
	assert_int_equal(i, 4);
	/* booleans are 1 and 0 */
	assert_int_equal(to_c(CBO_BOOLOID, -1, "t", SQL_C_SLONG, &i, 0, &ind, NULL), CONV_OK);
	assert_int_equal(i, 1);
	assert_int_equal(to_c(CBO_FLOAT8OID, -1, "1.7976931348623157e+308", SQL_C_DOUBLE, &dv, 0, &ind, NULL), CONV_OK);
	assert_true(dv == 1.7976931348623157e+308);
	/* bytea to a number is 0, as psqlODBC converts; to a GUID there is no conversion (07006) */
	assert_int_equal(to_c(CBO_BYTEAOID, -1, "\\x01", SQL_C_SLONG, &i, 0, &ind, NULL), CONV_OK);
	assert_int_equal(i, 0);
	SQLGUID g;
	assert_int_equal(to_c(CBO_BYTEAOID, -1, "\\x01", SQL_C_GUID, &g, sizeof(g), &ind, NULL), CONV_UNSUPPORTED);
	/* NULL without an indicator */
	assert_int_equal(to_c(CBO_INT4OID, -1, NULL, SQL_C_SLONG, &i, 0, NULL, NULL), CONV_NULL_NO_IND);
	assert_int_equal(to_c(CBO_INT4OID, -1, NULL, SQL_C_SLONG, &i, 0, &ind, NULL), CONV_OK);
	assert_int_equal(ind, SQL_NULL_DATA);
}

static void test_numeric_struct(void **state)
{
	(void)state;
	SQL_NUMERIC_STRUCT ns;
	bool overflow;
	conv_numeric_from_text("-0.00120", &ns, &overflow);
	assert_false(overflow);
	assert_int_equal(ns.sign, 0);
	assert_int_equal(ns.scale, 5);
	assert_int_equal(ns.val[0], 120);
	char text[320];
	conv_numeric_to_text(&ns, text, sizeof(text));
	assert_string_equal(text, "-0.00120");
	conv_numeric_from_text("99999999999999999999999999999999999999", &ns, &overflow);
	assert_false(overflow);
	conv_numeric_to_text(&ns, text, sizeof(text));
	assert_string_equal(text, "99999999999999999999999999999999999999");
	/* the largest struct value at the largest scale: every digit kept */
	memset(&ns, 0, sizeof(ns));
	memset(ns.val, 0xff, sizeof(ns.val));
	ns.precision = 40, ns.scale = 127, ns.sign = 0;
	conv_numeric_to_text(&ns, text, sizeof(text));
	assert_int_equal(strlen(text), 3 + 127);
	assert_string_equal(text + strlen(text) - 39, "340282366920938463463374607431768211455");
	/* a result value into the struct */
	SQLLEN ind;
	assert_int_equal(to_c(CBO_NUMERICOID, -1, "123.45", SQL_C_NUMERIC, &ns, sizeof(ns), &ind, NULL), CONV_OK);
	assert_int_equal(ns.sign, 1);
	assert_int_equal(ns.scale, 2);
	assert_int_equal(ns.val[0] | ns.val[1] << 8, 12345);
}

static void test_datetime_interval(void **state)
{
	(void)state;
	SQL_TIMESTAMP_STRUCT ts;
	SQL_DATE_STRUCT ds;
	SQLLEN ind;
	assert_int_equal(to_c(CBO_TIMESTAMPOID, 6, "2021-03-04 05:06:07.5", SQL_C_TYPE_TIMESTAMP, &ts, 0, &ind, NULL),
	                 CONV_OK);
	assert_int_equal(ts.year, 2021);
	assert_int_equal(ts.second, 7);
	assert_int_equal(ts.fraction, 500000000);
	assert_int_equal(to_c(CBO_TIMESTAMPOID, 6, "2021-03-04 05:06:07", SQL_C_TYPE_DATE, &ds, 0, &ind, NULL),
	                 CONV_OK);
	assert_int_equal(ds.day, 4);
	SQL_INTERVAL_STRUCT iv;
	/* the SQL-standard day-time form, and psqlODBC's postgres-style forms */
	assert_true(conv_interval_from_text(SQL_C_INTERVAL_DAY_TO_SECOND, -1, "-1 02:03:04.5", &iv));
	assert_int_equal(iv.interval_type, SQL_IS_DAY_TO_SECOND);
	assert_int_equal(iv.interval_sign, SQL_TRUE);
	assert_int_equal(iv.intval.day_second.day, 1);
	assert_int_equal(iv.intval.day_second.hour, 2);
	assert_int_equal(iv.intval.day_second.second, 4);
	assert_int_equal(iv.intval.day_second.fraction, 500000);
	assert_true(conv_interval_from_text(SQL_C_INTERVAL_DAY, -1, "-3 days", &iv));
	assert_int_equal(iv.interval_sign, SQL_TRUE);
	assert_int_equal(iv.intval.day_second.day, 3);
	/* what psqlODBC does not read stays zero */
	assert_false(conv_interval_from_text(SQL_C_INTERVAL_DAY_TO_SECOND, -1, "1 day 02:03:04", &iv));
	assert_int_equal(iv.interval_type, 0);
	assert_true(conv_interval_from_text(SQL_C_INTERVAL_YEAR_TO_MONTH, -1, "1 year 2 mons", &iv));
	assert_int_equal(iv.intval.year_month.year, 1);
	assert_int_equal(iv.intval.year_month.month, 2);
	/* psqlODBC does not convert results to INTERVAL DAY TO MINUTE */
	assert_int_equal(to_c(CBO_INTERVALOID, -1, "1 day", SQL_C_INTERVAL_DAY_TO_MINUTE, &iv, sizeof(iv), &ind, NULL),
	                 CONV_UNSUPPORTED);
}

static void test_strings(void **state)
{
	(void)state;
	char buf[8];
	SQLLEN ind;
	conv_gd gd = {.left = -1};
	/* piecewise: 3 + 3 + 1 bytes in a buffer of 4, then no data */
	assert_int_equal(to_c(CBO_TEXTOID, -1, "abcdefg", SQL_C_CHAR, buf, 4, &ind, &gd), CONV_TRUNCATED);
	assert_string_equal(buf, "abc");
	assert_int_equal(ind, 7);
	assert_int_equal(to_c(CBO_TEXTOID, -1, "abcdefg", SQL_C_CHAR, buf, 4, &ind, &gd), CONV_TRUNCATED);
	assert_string_equal(buf, "def");
	assert_int_equal(ind, 4);
	assert_int_equal(to_c(CBO_TEXTOID, -1, "abcdefg", SQL_C_CHAR, buf, 4, &ind, &gd), CONV_OK);
	assert_string_equal(buf, "g");
	assert_int_equal(to_c(CBO_TEXTOID, -1, "abcdefg", SQL_C_CHAR, buf, 4, &ind, &gd), CONV_NO_DATA);
	conv_gd_reset(&gd);
	/* bytea: its bytes, or its hex digits as text */
	unsigned char bin[4];
	assert_int_equal(to_c(CBO_BYTEAOID, -1, "\\x00ff10", SQL_C_BINARY, bin, sizeof(bin), &ind, NULL), CONV_OK);
	assert_int_equal(ind, 3);
	assert_int_equal(bin[1], 0xff);
	assert_int_equal(to_c(CBO_BYTEAOID, -1, "\\x00ff10", SQL_C_CHAR, buf, sizeof(buf), &ind, NULL), CONV_OK);
	assert_string_equal(buf, "00ff10");
	/* booleans as characters: 1 and 0 */
	assert_int_equal(to_c(CBO_BOOLOID, -1, "f", SQL_C_CHAR, buf, sizeof(buf), &ind, NULL), CONV_OK);
	assert_string_equal(buf, "0");
	/* UTF-16 both ways, with a character outside the BMP */
	const char *s = "a\xc3\xbc\xf0\x9f\x8e\xac";
	size_t units, bytes;
	SQLWCHAR *w = conv_utf8_to_utf16(s, strlen(s), &units);
	assert_int_equal(units, 4);
	assert_int_equal(w[1], 0xfc);
	assert_int_equal(w[2], 0xd83c);
	char *back = conv_utf16_to_utf8(w, units, &bytes);
	assert_string_equal(back, s);
	free(w);
	free(back);
	/* a truncated UTF-8 sequence becomes U+FFFD */
	w = conv_utf8_to_utf16("a\xc3", 2, &units);
	assert_int_equal(units, 2);
	assert_int_equal(w[1], 0xfffd);
	free(w);
}

/* Convert one parameter value. */
static bool param(SQLSMALLINT ctype, SQLSMALLINT sqltype, const void *buf, SQLLEN buflen, SQLLEN ind, conv_param *out)
{
	conv_in in = {.opts = &opts, .ctype = ctype, .sqltype = sqltype, .buf = buf, .buflen = buflen, .ind = ind};
	const char *state = NULL, *msg = NULL;
	memset(out, 0, sizeof(*out));
	return conv_param_value(&in, out, &state, &msg);
}

static void test_params(void **state)
{
	(void)state;
	conv_param p;
	SQL_TIMESTAMP_STRUCT ts = {2020, 1, 2, 3, 4, 5, 120000000};
	assert_true(param(SQL_C_TYPE_TIMESTAMP, SQL_TYPE_TIMESTAMP, &ts, 0, SQL_NTS, &p));
	assert_non_null(p.value);
	assert_non_null(strstr(p.value, "2020-01-02 03:04:05.12"));
	free(p.value);
	double dv = 0.1;
	assert_true(param(SQL_C_DOUBLE, SQL_DOUBLE, &dv, 0, SQL_NTS, &p));
	assert_true(strtod(p.value, NULL) == 0.1);
	free(p.value);
	assert_true(param(SQL_C_CHAR, SQL_VARCHAR, "abcdef", 0, 3, &p));
	assert_int_equal(p.len, 3);
	assert_memory_equal(p.value, "abc", 3);
	free(p.value);
	unsigned char bin[] = {0, 1, 2};
	assert_true(param(SQL_C_BINARY, SQL_VARBINARY, bin, 3, 3, &p));
	assert_int_equal(p.len, 3);
	assert_int_equal(p.format, 1);
	assert_memory_equal(p.value, bin, 3);
	free(p.value);
	/* character data for a binary parameter: hexadecimal digits, and
	 * psqlODBC's bytes for characters that are not (an odd one dropped) */
	assert_true(param(SQL_C_CHAR, SQL_VARBINARY, "00a1FF7", 0, SQL_NTS, &p));
	assert_int_equal(p.len, 3);
	assert_memory_equal(p.value, "\x00\xa1\xff", 3);
	free(p.value);
	assert_true(param(SQL_C_CHAR, SQL_BINARY, "it's ?", 0, SQL_NTS, &p));
	assert_int_equal(p.len, 3);
	assert_memory_equal(p.value, "\xd4\xb3\x0f", 3);
	free(p.value);
	SQLINTEGER i = 5;
	assert_true(param(SQL_C_SLONG, SQL_INTEGER, &i, 0, SQL_NULL_DATA, &p));
	assert_null(p.value);
	SQL_NUMERIC_STRUCT ns = {.precision = 5, .scale = 2, .sign = 0};
	ns.val[0] = 0x39, ns.val[1] = 0x30; /* 12345 */
	assert_true(param(SQL_C_NUMERIC, SQL_NUMERIC, &ns, sizeof(ns), sizeof(ns), &p));
	assert_string_equal(p.value, "-123.45");
	free(p.value);
	SQL_INTERVAL_STRUCT iv = {.interval_type = SQL_IS_DAY, .interval_sign = SQL_FALSE};
	iv.intval.day_second.day = 3;
	assert_true(param(SQL_C_INTERVAL_DAY, SQL_INTERVAL_DAY, &iv, sizeof(iv), sizeof(iv), &p));
	assert_string_equal(p.value, "3 days");
	free(p.value);
}

/* the types as psqlODBC describes them, under the DSN options */
static void test_types(void **state)
{
	(void)state;
	pgt_col c = {.oid = CBO_VARCHAROID, .typmod = 24, .longest = PGT_UNSET, .unknowns = PGT_UNKNOWNS_MAX};
	assert_int_equal(pgt_sql_type(&ctx, &c), SQL_VARCHAR);
	assert_int_equal(pgt_column_size(&ctx, &c), 20);
	c.typmod = -1; /* varchar without a length: MaxVarcharSize */
	assert_int_equal(pgt_column_size(&ctx, &c), 255);
	c.oid = CBO_TEXTOID; /* text: LONGVARCHAR of MaxLongVarcharSize */
	assert_int_equal(pgt_sql_type(&ctx, &c), SQL_LONGVARCHAR);
	assert_int_equal(pgt_column_size(&ctx, &c), 8190);
	c.oid = CBO_BOOLOID; /* BoolsAsChar=1 */
	assert_int_equal(pgt_sql_type(&ctx, &c), SQL_VARCHAR);
	assert_int_equal(pgt_column_size(&ctx, &c), 5);
	opts.bools_as_char = false;
	assert_int_equal(pgt_sql_type(&ctx, &c), SQL_BIT);
	opts.bools_as_char = true;
	c.oid = CBO_NUMERICOID, c.typmod = (12 << 16 | 2) + 4;
	assert_int_equal(pgt_column_size(&ctx, &c), 12);
	assert_int_equal(pgt_decimal_digits(&ctx, &c), 2);
	c.oid = CBO_FLOAT8OID, c.typmod = -1;
	assert_int_equal(pgt_sql_type(&ctx, &c), SQL_FLOAT);
	c.oid = CBO_DATEOID;
	assert_int_equal(pgt_sql_type(&ctx, &c), SQL_TYPE_DATE);
	ctx.odbc_version = SQL_OV_ODBC2;
	assert_int_equal(pgt_sql_type(&ctx, &c), SQL_DATE);
	ctx.odbc_version = SQL_OV_ODBC3;
	/* Unicode applications get the wide types */
	c.oid = CBO_VARCHAROID, c.typmod = 24;
	ctx.unicode = true;
	assert_int_equal(pgt_sql_type(&ctx, &c), SQL_WVARCHAR);
	ctx.unicode = false;
	/* parameters: the cast an SQL type asks for */
	assert_string_equal(pgt_param_cast(SQL_INTEGER), "::int4");
	assert_string_equal(pgt_param_cast(SQL_VARCHAR), "");
	assert_int_equal(pgt_from_sql_type(&opts, SQL_BIGINT), CBO_INT8OID);
}

static void test_diag(void **state)
{
	(void)state;
	cbo_diag d;
	diag_init(&d, DIAG_STMT);
	assert_int_equal(diag_set(&d, "01004", DIAG_N_TRUNCATED, "cut"), SQL_SUCCESS_WITH_INFO);
	assert_false(diag_has_error(&d));
	/* an error replaces a warning */
	assert_int_equal(diag_add(&d, "HY000", "first %d", 1), SQL_ERROR);
	assert_true(diag_has_state(&d, "HY000"));
	SQLCHAR st[6], msg[64];
	SQLINTEGER native;
	SQLSMALLINT len;
	assert_int_equal(diag_get_rec(&d, 1, st, &native, msg, sizeof(msg), &len), SQL_SUCCESS);
	assert_string_equal((char *)st, "HY000");
	assert_string_equal((char *)msg, "first 1");
	assert_int_equal(diag_get_rec(&d, 2, st, &native, msg, sizeof(msg), &len), SQL_NO_DATA);
	/* a long statement message in pieces as long as the first buffer */
	char big[100];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	diag_clear(&d);
	diag_add(&d, "42601", "%s", big);
	assert_int_equal(diag_get_rec(&d, 1, st, &native, msg, 41, &len), SQL_SUCCESS);
	assert_int_equal(len, 40);
	assert_int_equal(diag_get_rec(&d, 2, st, &native, msg, 41, &len), SQL_SUCCESS);
	assert_int_equal(diag_get_rec(&d, 3, st, &native, msg, 41, &len), SQL_SUCCESS);
	assert_int_equal(len, 19);
	assert_int_equal(diag_get_rec(&d, 4, st, &native, msg, 41, &len), SQL_NO_DATA);
	diag_free(&d);
}

static void test_connection_strings(void **state)
{
	(void)state;
	char *s[CONN_NSETTINGS] = {0};
	char err[256];
	assert_true(conn_parse_string("DSN=x; server = h ;PWD={a;b}}c};Unknown=1;uid=u;B1=0;MaxVarcharSize=100", s, err,
	                              sizeof(err)));
	assert_string_equal(s[CONN_DSN], "x");
	assert_string_equal(s[CONN_SERVERNAME], " h");
	assert_string_equal(s[CONN_PWD], "a;b}c");
	assert_string_equal(s[CONN_UID], "u");
	cbo_options o;
	conn_parse_options(s, &o);
	assert_int_equal(o.max_varchar, 100);
	assert_true(o.bools_as_char);
	assert_int_equal(o.rollback_level, 2);
	for (int i = 0; i < CONN_NSETTINGS; i++)
		free(s[i]), s[i] = NULL;
	/* psqlODBC's abbreviations and Protocol's rollback level */
	assert_true(conn_parse_string("BoolsAsChar=0;Protocol=7.4-1;UseDeclareFetch=1;Fetch=10", s, err, sizeof(err)));
	conn_parse_options(s, &o);
	assert_false(o.bools_as_char);
	assert_int_equal(o.rollback_level, 1);
	assert_true(o.use_declare_fetch);
	assert_int_equal(o.fetch, 10);
	assert_true(conn_key_index("BoolsAsChar", 11) >= 0);
	assert_int_equal(conn_key_index("NoSuchKey", 9), -1);
	for (int i = 0; i < CONN_NSETTINGS; i++)
		free(s[i]), s[i] = NULL;
	assert_false(conn_parse_string("DSN=x;PWD={open", s, err, sizeof(err)));
	assert_non_null(strstr(err, "closing"));
	assert_false(conn_parse_string("DSN=x;novalue", s, err, sizeof(err)));
	assert_non_null(strstr(err, "'='"));
	for (int i = 0; i < CONN_NSETTINGS; i++)
		free(s[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup(test_numbers, setup),
	        cmocka_unit_test_setup(test_numeric_struct, setup),
	        cmocka_unit_test_setup(test_datetime_interval, setup),
	        cmocka_unit_test_setup(test_strings, setup),
	        cmocka_unit_test_setup(test_params, setup),
	        cmocka_unit_test_setup(test_types, setup),
	        cmocka_unit_test_setup(test_diag, setup),
	        cmocka_unit_test_setup(test_connection_strings, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
