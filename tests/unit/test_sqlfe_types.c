/*
 * Unit tests of sql/types.c: PostgreSQL-exact text output and the LIKE to
 * GLOB translation.
 *
 * Float expectations come from PostgreSQL 15 itself (tests/sql/floats.txt,
 * generated once with psql); LIKE expectations are PostgreSQL's LIKE
 * semantics written by hand and checked against SQLite's GLOB on the
 * translated pattern.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sql/types.h"

static void test_floats_from_postgresql(void **state)
{
	const char *top = getenv("top_srcdir");
	char path[1024], line[512];
	FILE *f;
	int n = 0, bad = 0, unsure = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/sql/floats.txt", top ? top : ".");
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s: run from the top source directory or set top_srcdir", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *efd_s, *in, *f8, *f4, *save = NULL, out[64];
		int efd;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		efd_s = strtok_r(line, "|", &save);
		in = strtok_r(NULL, "|", &save);
		f8 = strtok_r(NULL, "|", &save);
		f4 = strtok_r(NULL, "|", &save);
		assert_non_null(f4);
		efd = atoi(efd_s);
		if (sqlfe_types_format_float8(strtod(in, NULL), efd, out, sizeof(out)) == 0) {
			/* refused (rounding boundary): the cache then asks the backend */
			fprintf(stderr, "float8 %s (extra_float_digits %d): refused, PostgreSQL says %s\n", in, efd,
			        f8);
			unsure++;
		} else if (strcmp(out, f8) != 0) {
			fprintf(stderr, "float8 %s (extra_float_digits %d): want %s got %s\n", in, efd, f8, out);
			bad++;
		}
		if (strcmp(f4, "-") != 0) {
			sqlfe_types_format_float4(strtof(in, NULL), efd, out, sizeof(out));
			if (strcmp(out, f4) != 0) {
				fprintf(stderr, "float4 %s (extra_float_digits %d): want %s got %s\n", in, efd, f4,
				        out);
				bad++;
			}
		}
		n++;
	}
	fclose(f);
	assert_true(n >= 100);
	assert_int_equal(bad, 0);
	/* only 1e23 of the table lies on a rounding boundary */
	assert_int_equal(unsure, 1);
}

static long render(uint32_t oid, sqlfe_sqlval v, char *out, size_t cap)
{
	const pgtype *t = pgtype_output(oid);

	assert_non_null(t);
	return sqlfe_types_render(t, &v, 1, out, cap);
}

static sqlfe_sqlval vint(int64_t i)
{
	sqlfe_sqlval v = {SQLFE_V_INT, i, 0, NULL, 0};
	return v;
}

static sqlfe_sqlval vreal(double d)
{
	sqlfe_sqlval v = {SQLFE_V_REAL, 0, d, NULL, 0};
	return v;
}

static sqlfe_sqlval vtext(const char *s)
{
	sqlfe_sqlval v = {SQLFE_V_TEXT, 0, 0, s, strlen(s)};
	return v;
}

#define EXPECT_RENDER(oid, v, want)                           \
	do {                                                  \
		char out_[64];                                \
		long n_ = render(oid, v, out_, sizeof(out_)); \
		assert_int_equal(n_, (long)strlen(want));     \
		assert_string_equal(out_, want);              \
	} while (0)

static void test_render(void **state)
{
	sqlfe_sqlval null = {SQLFE_V_NULL, 0, 0, NULL, 0};
	char small[4];

	(void)state;
	EXPECT_RENDER(PGTYPE_OID_INT4, vint(-42), "-42");
	EXPECT_RENDER(PGTYPE_OID_INT8, vint(INT64_MIN), "-9223372036854775808");
	EXPECT_RENDER(PGTYPE_OID_INT2, vint(32767), "32767");
	EXPECT_RENDER(PGTYPE_OID_BOOL, vint(1), "t");
	EXPECT_RENDER(PGTYPE_OID_BOOL, vint(0), "f");
	EXPECT_RENDER(PGTYPE_OID_TEXT, vtext("Grüße"), "Grüße");
	EXPECT_RENDER(PGTYPE_OID_VARCHAR, vtext(""), "");
	EXPECT_RENDER(PGTYPE_OID_NUMERIC, vtext("1234.50"), "1234.50");
	EXPECT_RENDER(PGTYPE_OID_TIMESTAMPTZ, vtext("2020-01-02 03:04:05+01"), "2020-01-02 03:04:05+01");
	EXPECT_RENDER(PGTYPE_OID_FLOAT8, vreal(0.1), "0.1");
	EXPECT_RENDER(PGTYPE_OID_FLOAT8, vreal(1e16), "1e+16");
	/* SQLite keeps integral REAL values as integers */
	EXPECT_RENDER(PGTYPE_OID_FLOAT8, vint(100), "100");
	EXPECT_RENDER(PGTYPE_OID_FLOAT8, vtext("NaN"), "NaN");
	EXPECT_RENDER(PGTYPE_OID_FLOAT8, vtext("-0"), "-0");
	EXPECT_RENDER(PGTYPE_OID_FLOAT8, vreal(-INFINITY), "-Infinity");
	EXPECT_RENDER(PGTYPE_OID_FLOAT4, vreal((double)3.1415927f), "3.1415927");
	/* NULL and values that cannot be rendered exactly */
	assert_int_equal(render(PGTYPE_OID_INT4, null, small, sizeof(small)), SQLFE_RENDER_NULL);
	assert_int_equal(render(PGTYPE_OID_TEXT, null, small, sizeof(small)), SQLFE_RENDER_NULL);
	assert_int_equal(render(PGTYPE_OID_INT4, vreal(1.5), small, sizeof(small)), SQLFE_RENDER_INEXACT);
	assert_int_equal(render(PGTYPE_OID_INT4, vtext("1"), small, sizeof(small)), SQLFE_RENDER_INEXACT);
	assert_int_equal(render(PGTYPE_OID_BOOL, vint(2), small, sizeof(small)), SQLFE_RENDER_INEXACT);
	assert_int_equal(render(PGTYPE_OID_TEXT, vint(5), small, sizeof(small)), SQLFE_RENDER_INEXACT);
	assert_int_equal(render(PGTYPE_OID_FLOAT8, vtext("abc"), small, sizeof(small)), SQLFE_RENDER_INEXACT);
	assert_int_equal(render(PGTYPE_OID_FLOAT4, vreal(0.1), small, sizeof(small)), SQLFE_RENDER_INEXACT);
	/* too small a buffer: the needed length, the output cut and terminated */
	assert_int_equal(render(PGTYPE_OID_TEXT, vtext("abcdef"), small, sizeof(small)), 6);
	assert_string_equal(small, "abc");
	assert_int_equal(render(PGTYPE_OID_INT4, vint(123456), small, sizeof(small)), 6);
	assert_string_equal(small, "123");
}

static void test_extra_float_digits(void **state)
{
	char out[64];

	(void)state;
	sqlfe_types_format_float8(0.1, 3, out, sizeof(out));
	assert_string_equal(out, "0.1");
	/* PostgreSQL: %.*g with 15 + extra_float_digits digits */
	sqlfe_types_format_float8(1.0 / 3.0, -3, out, sizeof(out));
	assert_string_equal(out, "0.333333333333");
	sqlfe_types_format_float4(1.0f / 3.0f, -2, out, sizeof(out));
	assert_string_equal(out, "0.3333");
	sqlfe_types_format_float8(-0.0, 0, out, sizeof(out));
	assert_string_equal(out, "-0");
}

static void test_table(void **state)
{
	const pgtype *t;

	(void)state;
	t = pgtype_output(PGTYPE_OID_INT4);
	assert_non_null(t);
	assert_int_equal(t->storage, PGTYPE_ST_INTEGER);
	assert_int_equal(t->typlen, 4);
	assert_true(pgtype_can_order(t, false));
	t = pgtype_output(PGTYPE_OID_TEXT);
	assert_false(pgtype_can_order(t, false));
	assert_true(pgtype_can_order(t, true));
	assert_true(t->flags & PGTYPE_OPS_EQ);
	t = pgtype_output(PGTYPE_OID_NUMERIC);
	assert_int_equal(t->storage, PGTYPE_ST_TEXT);
	assert_false(t->flags & PGTYPE_OPS_EQ);
	assert_false(pgtype_can_order(t, true));
	t = pgtype_output(PGTYPE_OID_FLOAT8);
	assert_int_equal(t->storage, PGTYPE_ST_TEXT); /* the shortest exact text; NaN, -0 kept */
	assert_false(pgtype_can_order(t, true));
	t = pgtype_output(PGTYPE_OID_TIMESTAMPTZ);
	assert_true(t->flags & PGTYPE_T_TIMEZONE);
	assert_null(pgtype_output(3802)); /* jsonb: stored, never rendered by the cache */
	assert_null(pgtype_output(17));   /* bytea: its output depends on bytea_output */
	assert_non_null(pgtype_lookup(17));
	/* one storage for booleans everywhere: 0/1, declared INTEGER, rendered f/t */
	t = pgtype_output(PGTYPE_OID_BOOL);
	assert_int_equal(t->storage, PGTYPE_ST_BOOL);
	assert_string_equal(pgtype_sqlite_decl(t->storage), "INTEGER");
	assert_true(t->flags & PGTYPE_EXACT_EQ);
	int b = -1;
	assert_true(pgtype_parse_bool("t", &b) && b == 1);
	assert_true(pgtype_parse_bool("f", &b) && b == 0);
	assert_false(pgtype_parse_bool("yes please", &b));
	/* PostgreSQL's boolin: any case, unique prefixes, whitespace around */
	static const char *const yes[] = {"TRUE", "tr", " t ", "y", "Yes", "on", "1"};
	static const char *const no[] = {"False", "fa", "n", "NO", "off", "of", "0", "\tf\n"};
	static const char *const bad[] = {"o", "tx", "truex", "2", "", "  ", "yess", "10"};
	for (size_t i = 0; i < CB_ARRAY_LEN(yes); i++)
		assert_true(pgtype_parse_bool(yes[i], &b) && b == 1);
	for (size_t i = 0; i < CB_ARRAY_LEN(no); i++)
		assert_true(pgtype_parse_bool(no[i], &b) && b == 0);
	for (size_t i = 0; i < CB_ARRAY_LEN(bad); i++)
		assert_false(pgtype_parse_bool(bad[i], &b));
}

static void test_parse_int(void **state)
{
	const pgtype *i2 = pgtype_output(PGTYPE_OID_INT2), *i4 = pgtype_output(PGTYPE_OID_INT4),
	             *i8 = pgtype_output(PGTYPE_OID_INT8);
	int64_t v = 0;

	(void)state;
#define OK(t, s, want)                                                   \
	do {                                                             \
		assert_true(sqlfe_types_parse_int(t, s, strlen(s), &v)); \
		assert_true(v == (want));                                \
	} while (0)
#define BAD(t, s) assert_false(sqlfe_types_parse_int(t, s, strlen(s), &v))
	OK(i4, "42", 42);
	OK(i4, "-2147483648", INT32_MIN);
	OK(i4, "2147483647", INT32_MAX);
	OK(i2, "-32768", -32768);
	OK(i8, "9223372036854775807", INT64_MAX);
	OK(i8, "-9223372036854775808", INT64_MIN);
	BAD(i4, "2147483648");
	BAD(i4, "-2147483649");
	BAD(i2, "32768");
	BAD(i8, "9223372036854775808");
	BAD(i4, " 5");
	BAD(i4, "+5");
	BAD(i4, "");
	BAD(i4, "-");
	BAD(i4, "5x");
	BAD(pgtype_output(PGTYPE_OID_TEXT), "5");
#undef OK
#undef BAD
}

/* Does SQLite's GLOB with the translated pattern match s? */
static int glob_matches(sqlite3 *db, const char *like, const char *s)
{
	char glob[256];
	size_t gl;
	sqlite3_stmt *st;
	int r;

	if (!sqlfe_types_like_to_glob(like, strlen(like), glob, sizeof(glob), &gl))
		return -1;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT ?1 GLOB ?2", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, s, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, glob, (int)gl, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	r = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return r;
}

static void test_like_to_glob(void **state)
{
	/* pattern, string, PostgreSQL's LIKE result (-1: PostgreSQL raises an error) */
	static const struct {
		const char *like, *s;
		int want;
	} cases[] = {
	        {"Der%", "Der Pate", 1},
	        {"Der%", "der Pate", 0}, /* case-sensitive, unlike SQLite's LIKE */
	        {"%pate", "Der Pate", 0},
	        {"%Pate", "Der Pate", 1},
	        {"D_r%", "Der", 1},
	        {"D_r", "Dr", 0},
	        {"_", "ü", 1}, /* one character, not one byte */
	        {"__", "ü", 0},
	        {"Grüße%", "Grüße aus", 1},
	        {"100\\%", "100%", 1},
	        {"100\\%", "1000", 0},
	        {"a\\_b", "a_b", 1},
	        {"a\\_b", "axb", 0},
	        {"a*b", "a*b", 1},
	        {"a*b", "axxb", 0},
	        {"a?b", "a?b", 1},
	        {"a?b", "axb", 0},
	        {"[ab]", "[ab]", 1},
	        {"[ab]", "a", 0},
	        {"a]", "a]", 1},
	        {"\\a", "a", 1},
	        {"a\\\\b", "a\\b", 1},
	        {"", "", 1},
	        {"%", "", 1},
	        {"abc\\", "abc", -1},
	};
	sqlite3 *db;
	char out[8];
	size_t n;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = glob_matches(db, cases[i].like, cases[i].s);
		if (got != cases[i].want)
			fail_msg("'%s' LIKE '%s': want %d got %d", cases[i].s, cases[i].like, cases[i].want, got);
	}
	sqlite3_close(db);
	/* output too small is refused */
	assert_false(sqlfe_types_like_to_glob("a*b*c", 5, out, sizeof(out), &n));
}

static void test_format_int(void **state)
{
	(void)state;
	const int64_t vals[] = {0,         1,          -1,        9,         10,        -10,       99,           100,
	                        123456789, -987654321, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, INT64_MIN + 1};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		char got[21], want[32];
		size_t n = sqlfe_types_format_int(vals[i], got);
		snprintf(want, sizeof(want), "%lld", (long long)vals[i]);
		assert_string_equal(got, want);
		assert_int_equal(n, strlen(want));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_format_int),   cmocka_unit_test(test_floats_from_postgresql),
	        cmocka_unit_test(test_render),       cmocka_unit_test(test_extra_float_digits),
	        cmocka_unit_test(test_table),        cmocka_unit_test(test_parse_int),
	        cmocka_unit_test(test_like_to_glob),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
