/*
 * Unit test of odbc-driver/convert.c (value conversions both ways, type
 * mapping) and of the connection-string parser in connection.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "odbc-driver/connection.h"
#include "odbc-driver/convert.h"
#include "odbc-driver/diag.h"

static cbo_diag d;

static int reset(void **state)
{
	(void)state;
	diag_free(&d);
	diag_init(&d);
	return 0;
}

static const char *first_state(void)
{
	return d.n > 0 ? d.recs[0].state : "";
}

static SQLRETURN to_c(Oid type, const char *val, SQLSMALLINT ctype, void *buf, SQLLEN buflen, SQLLEN *ind)
{
	diag_clear(&d);
	return conv_to_c(&d, type, val, val ? strlen(val) : 0, ctype, buf, buflen, ind, NULL);
}

static void test_integers(void **state)
{
	(void)state;
	SQLINTEGER i;
	SQLSMALLINT s;
	SQLBIGINT b;
	SQLLEN ind;
	assert_int_equal(to_c(CBO_INT4OID, "-2147483648", SQL_C_SLONG, &i, 0, &ind), SQL_SUCCESS);
	assert_int_equal(i, -2147483647 - 1);
	assert_int_equal(ind, 4);
	assert_int_equal(to_c(CBO_INT8OID, "2147483648", SQL_C_SLONG, &i, 0, &ind), SQL_ERROR);
	assert_string_equal(first_state(), "22003");
	assert_int_equal(to_c(CBO_INT8OID, "-9223372036854775808", SQL_C_SBIGINT, &b, 0, &ind), SQL_SUCCESS);
	assert_true(b == INT64_MIN);
	assert_int_equal(to_c(CBO_NUMERICOID, "-12.75", SQL_C_SSHORT, &s, 0, &ind), SQL_SUCCESS_WITH_INFO);
	assert_int_equal(s, -12);
	assert_string_equal(first_state(), "01S07");
	assert_int_equal(to_c(CBO_BOOLOID, "t", SQL_C_SLONG, &i, 0, &ind), SQL_SUCCESS);
	assert_int_equal(i, 1);
	assert_int_equal(to_c(CBO_TEXTOID, " 42 ", SQL_C_SLONG, &i, 0, &ind), SQL_SUCCESS);
	assert_int_equal(i, 42);
	assert_int_equal(to_c(CBO_TEXTOID, "4x2", SQL_C_SLONG, &i, 0, &ind), SQL_ERROR);
	assert_string_equal(first_state(), "22018");
	assert_int_equal(to_c(CBO_BYTEAOID, "\\x01", SQL_C_SLONG, &i, 0, &ind), SQL_ERROR);
	assert_string_equal(first_state(), "07006");
	unsigned short us;
	assert_int_equal(to_c(CBO_INT4OID, "-1", SQL_C_USHORT, &us, 0, &ind), SQL_ERROR);
	assert_string_equal(first_state(), "22003");
	assert_int_equal(to_c(CBO_FLOAT8OID, "NaN", SQL_C_SLONG, &i, 0, &ind), SQL_ERROR);
	assert_string_equal(first_state(), "22003");
}

static void test_floats_numeric(void **state)
{
	(void)state;
	double dv;
	float fv;
	SQLLEN ind;
	assert_int_equal(to_c(CBO_FLOAT8OID, "1.7976931348623157e+308", SQL_C_DOUBLE, &dv, 0, &ind), SQL_SUCCESS);
	assert_true(dv == 1.7976931348623157e+308);
	assert_int_equal(to_c(CBO_FLOAT8OID, "1e300", SQL_C_FLOAT, &fv, 0, &ind), SQL_ERROR);
	assert_string_equal(first_state(), "22003");
	assert_int_equal(to_c(CBO_INT8OID, "9007199254740993", SQL_C_DOUBLE, &dv, 0, &ind), SQL_SUCCESS);
	assert_true(dv == 9007199254740992.0);

	SQL_NUMERIC_STRUCT ns;
	bool overflow;
	assert_true(conv_numeric_from_text("-0.00120", &ns, &overflow));
	assert_int_equal(ns.sign, 0);
	assert_int_equal(ns.scale, 5);
	assert_int_equal(ns.val[0], 120);
	char text[64];
	conv_numeric_to_text(&ns, text, sizeof(text));
	assert_string_equal(text, "-0.00120");
	assert_true(conv_numeric_from_text("99999999999999999999999999999999999999", &ns, &overflow));
	conv_numeric_to_text(&ns, text, sizeof(text));
	assert_string_equal(text, "99999999999999999999999999999999999999");
	assert_false(conv_numeric_from_text("999999999999999999999999999999999999999", &ns, &overflow));
	assert_true(overflow);
	assert_true(conv_numeric_from_text("1.5e3", &ns, &overflow));
	conv_numeric_to_text(&ns, text, sizeof(text));
	assert_string_equal(text, "1500");
	assert_false(conv_numeric_from_text("abc", &ns, &overflow));
	assert_false(overflow);
	/* a struct with a negative scale */
	memset(&ns, 0, sizeof(ns));
	ns.sign = 1, ns.scale = -2, ns.val[0] = 7;
	conv_numeric_to_text(&ns, text, sizeof(text));
	assert_string_equal(text, "700");
}

static void test_datetime(void **state)
{
	(void)state;
	SQL_TIMESTAMP_STRUCT ts;
	SQL_DATE_STRUCT ds;
	SQL_TIME_STRUCT tm;
	bool hd, ht;
	assert_true(conv_parse_timestamp("2021-12-31 23:59:59.5+05:30", &ts, &hd, &ht));
	assert_true(hd && ht);
	assert_int_equal(ts.fraction, 500000000);
	assert_int_equal(ts.hour, 23);
	assert_true(conv_parse_timestamp("10:11", &ts, &hd, &ht));
	assert_false(hd);
	assert_int_equal(ts.minute, 11);
	assert_false(conv_parse_timestamp("infinity", &ts, &hd, &ht));
	assert_false(conv_parse_timestamp("2021-13-01", &ts, &hd, &ht));
	SQLLEN ind;
	assert_int_equal(to_c(CBO_TIMESTAMPOID, "2021-03-04 05:06:07", SQL_C_TYPE_DATE, &ds, 0, &ind),
	                 SQL_SUCCESS_WITH_INFO);
	assert_string_equal(first_state(), "01S07");
	assert_int_equal(ds.day, 4);
	assert_int_equal(to_c(CBO_DATEOID, "2021-03-04", SQL_C_TYPE_TIMESTAMP, &ts, 0, &ind), SQL_SUCCESS);
	assert_int_equal(ts.hour, 0);
	assert_int_equal(to_c(CBO_DATEOID, "2021-03-04", SQL_C_TYPE_TIME, &tm, 0, &ind), SQL_ERROR);
	assert_string_equal(first_state(), "07006");
	assert_int_equal(to_c(CBO_TIMESTAMPOID, "infinity", SQL_C_TYPE_TIMESTAMP, &ts, 0, &ind), SQL_ERROR);
	assert_string_equal(first_state(), "22008");
	assert_int_equal(to_c(CBO_INT4OID, "1", SQL_C_TYPE_DATE, &ds, 0, &ind), SQL_ERROR);
	assert_string_equal(first_state(), "07006");
}

static void test_strings(void **state)
{
	(void)state;
	char buf[8];
	SQLLEN ind;
	size_t off = 0;
	/* piecewise: 3 + 3 + 1 bytes in a buffer of 4 */
	diag_clear(&d);
	assert_int_equal(conv_to_c(&d, CBO_TEXTOID, "abcdefg", 7, SQL_C_CHAR, buf, 4, &ind, &off),
	                 SQL_SUCCESS_WITH_INFO);
	assert_string_equal(buf, "abc");
	assert_int_equal(ind, 7);
	assert_int_equal(conv_to_c(&d, CBO_TEXTOID, "abcdefg", 7, SQL_C_CHAR, buf, 4, &ind, &off),
	                 SQL_SUCCESS_WITH_INFO);
	assert_string_equal(buf, "def");
	assert_int_equal(ind, 4);
	assert_int_equal(conv_to_c(&d, CBO_TEXTOID, "abcdefg", 7, SQL_C_CHAR, buf, 4, &ind, &off), SQL_SUCCESS);
	assert_string_equal(buf, "g");
	assert_int_equal(conv_to_c(&d, CBO_TEXTOID, "abcdefg", 7, SQL_C_CHAR, buf, 4, &ind, &off), SQL_NO_DATA);
	/* bytea: binary and hex text */
	unsigned char bin[4];
	assert_int_equal(to_c(CBO_BYTEAOID, "\\x00ff10", SQL_C_BINARY, bin, sizeof(bin), &ind), SQL_SUCCESS);
	assert_int_equal(ind, 3);
	assert_int_equal(bin[1], 0xff);
	assert_int_equal(to_c(CBO_BYTEAOID, "\\x00ff10", SQL_C_CHAR, buf, sizeof(buf), &ind), SQL_SUCCESS);
	assert_string_equal(buf, "00FF10");
	/* timestamptz without the offset */
	assert_int_equal(to_c(CBO_TIMESTAMPTZOID, "2021-01-02 03:04:05-08", SQL_C_CHAR, buf, sizeof(buf), &ind),
	                 SQL_SUCCESS_WITH_INFO);
	assert_int_equal(ind, 19);
	/* NULL without an indicator */
	assert_int_equal(to_c(CBO_TEXTOID, NULL, SQL_C_CHAR, buf, sizeof(buf), NULL), SQL_ERROR);
	assert_string_equal(first_state(), "22002");
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

static void test_params(void **state)
{
	(void)state;
	char *out;
	int len, fmt;
	SQL_TIMESTAMP_STRUCT ts = {2020, 1, 2, 3, 4, 5, 120000000};
	assert_int_equal(conv_param(&d, SQL_C_TYPE_TIMESTAMP, SQL_TYPE_TIMESTAMP, &ts, 0, SQL_NTS, &out, &len, &fmt),
	                 SQL_SUCCESS);
	assert_string_equal(out, "2020-01-02 03:04:05.120000000");
	free(out);
	double dv = 0.1;
	assert_int_equal(conv_param(&d, SQL_C_DOUBLE, SQL_DOUBLE, &dv, 0, SQL_NTS, &out, &len, &fmt), SQL_SUCCESS);
	assert_true(strtod(out, NULL) == 0.1);
	free(out);
	assert_int_equal(conv_param(&d, SQL_C_CHAR, SQL_VARCHAR, "abcdef", 0, 3, &out, &len, &fmt), SQL_SUCCESS);
	assert_string_equal(out, "abc");
	assert_int_equal(len, 3);
	free(out);
	assert_int_equal(conv_param(&d, SQL_C_CHAR, SQL_VARBINARY, "0aff", 0, SQL_NTS, &out, &len, &fmt), SQL_SUCCESS);
	assert_string_equal(out, "\\x0aff");
	free(out);
	unsigned char bin[] = {0, 1, 2};
	assert_int_equal(conv_param(&d, SQL_C_BINARY, SQL_VARBINARY, bin, 3, 3, &out, &len, &fmt), SQL_SUCCESS);
	assert_int_equal(fmt, 1);
	assert_int_equal(len, 3);
	free(out);
	SQLINTEGER i = 5;
	assert_int_equal(conv_param(&d, SQL_C_SLONG, SQL_INTEGER, &i, 0, SQL_NULL_DATA, &out, &len, &fmt), SQL_SUCCESS);
	assert_null(out);
	diag_clear(&d);
	assert_int_equal(conv_param(&d, SQL_C_SLONG, SQL_INTEGER, &i, 0, SQL_DATA_AT_EXEC, &out, &len, &fmt),
	                 SQL_ERROR);
	assert_string_equal(first_state(), "HY000"); /* statement.c collects those values first */
}

static void test_type_mapping(void **state)
{
	(void)state;
	assert_int_equal(conv_sql_type(CBO_INT4OID, SQL_OV_ODBC3), SQL_INTEGER);
	assert_int_equal(conv_sql_type(CBO_DATEOID, SQL_OV_ODBC3), SQL_TYPE_DATE);
	assert_int_equal(conv_sql_type(CBO_DATEOID, SQL_OV_ODBC2), SQL_DATE);
	assert_int_equal(conv_sql_type(123456, SQL_OV_ODBC3), SQL_VARCHAR);
	/* varchar(20): typmod is length + 4 */
	assert_int_equal(conv_column_size(CBO_VARCHAROID, 24), 20);
	/* numeric(12,2): typmod is (12 << 16 | 2) + 4 */
	assert_int_equal(conv_column_size(CBO_NUMERICOID, (12 << 16 | 2) + 4), 12);
	assert_int_equal(conv_decimal_digits(CBO_NUMERICOID, (12 << 16 | 2) + 4), 2);
	assert_int_equal(conv_column_size(CBO_TIMESTAMPOID, 3), 23);
	assert_int_equal(conv_default_ctype(SQL_BIGINT), SQL_C_SBIGINT);
}

static void test_connection_strings(void **state)
{
	(void)state;
	char *s[CONN_NSETTINGS] = {0};
	char err[256];
	assert_true(conn_parse_string("DSN=x; server = h ;PWD={a;b}}c};Unknown=1;uid=u", s, err, sizeof(err)));
	assert_string_equal(s[CONN_DSN], "x");
	assert_string_equal(s[CONN_SERVERNAME], " h ");
	assert_string_equal(s[CONN_PWD], "a;b}c");
	assert_string_equal(s[CONN_UID], "u");
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
	diag_init(&d);
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup(test_integers, reset),
	        cmocka_unit_test_setup(test_floats_numeric, reset),
	        cmocka_unit_test_setup(test_datetime, reset),
	        cmocka_unit_test_setup(test_strings, reset),
	        cmocka_unit_test_setup(test_params, reset),
	        cmocka_unit_test_setup(test_type_mapping, reset),
	        cmocka_unit_test_setup(test_connection_strings, reset),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	diag_free(&d);
	return r;
}
