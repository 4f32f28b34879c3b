/*
 * Unit tests of hit/render.c: the bytes of a cached value in a DataRow,
 * text and binary, for the cases tests/integration/test_cache_types.py
 * found wrong against PostgreSQL 15 (binary floats), and which types the
 * type table lets it send in binary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "hit/render.h"

static sqlfe_outcol column(uint32_t oid)
{
	sqlfe_outcol c;
	memset(&c, 0, sizeof(c));
	c.type = pgtype_output(oid);
	assert_non_null(c.type);
	c.type_oid = oid;
	c.typlen = c.type->typlen;
	c.typmod = -1;
	return c;
}

static sqlfe_sqlval text(const char *s)
{
	return (sqlfe_sqlval){SQLFE_V_TEXT, 0, 0, s, strlen(s)};
}

/* Render stored text s of type oid in format fmt; the value bytes (after the length word) into got. */
static bool render(uint32_t oid, const char *s, int fmt, int efd, char *got, int32_t *len)
{
	render_scratch sc = {0};
	wire_buf out = {0};
	sqlfe_outcol col = column(oid);
	sqlfe_sqlval v = text(s);
	bool oom = false;
	bool ok = render_value(&sc, &out, &col, &v, fmt, efd, &oom);
	assert_false(oom);
	if (ok) {
		assert_true(out.len >= 4);
		*len = (int32_t)(((uint32_t)(unsigned char)out.data[0] << 24) |
		                 ((uint32_t)(unsigned char)out.data[1] << 16) |
		                 ((uint32_t)(unsigned char)out.data[2] << 8) | (uint32_t)(unsigned char)out.data[3]);
		assert_int_equal(out.len, 4 + (*len > 0 ? (size_t)*len : 0));
		memcpy(got, out.data + 4, out.len - 4);
	} else {
		assert_int_equal(out.len, 0); /* nothing written when refused */
	}
	wire_buf_free(&out);
	render_scratch_free(&sc);
	return ok;
}

static void be_double(double d, char out[8])
{
	uint64_t u;
	memcpy(&u, &d, 8);
	for (int i = 7; i >= 0; i--, u >>= 8)
		out[i] = (char)(u & 0xff);
}

/* text of type oid renders (format fmt, extra_float_digits efd) as the len bytes want. */
static void renders(uint32_t oid, const char *text, int fmt, int efd, const char *want, int32_t want_len)
{
	char got[64];
	int32_t len = 0;
	if (!render(oid, text, fmt, efd, got, &len))
		fail_msg("\"%s\" (format %d) not rendered", text, fmt);
	assert_int_equal(len, want_len);
	assert_memory_equal(got, want, (size_t)want_len);
}

/* text of type oid is not rendered in format fmt (the backend answers). */
static void refused(uint32_t oid, const char *text, int fmt, int efd)
{
	char got[64];
	int32_t len = 0;
	assert_false(render(oid, text, fmt, efd, got, &len));
}

/* A float8 text renders in binary as the big-endian bytes of d. */
static void renders_double(const char *text, double d)
{
	char want[8];
	be_double(d, want);
	renders(PGTYPE_OID_FLOAT8, text, 1, 1, want, 8);
}

static void test_binary_floats(void **state)
{
	(void)state;
	/* 1e23 lies on a rounding boundary: its text form is uncertain, its binary form is not */
	renders_double("1e+23", 1e23);
	renders_double("-0", -0.0);
	renders_double("Infinity", INFINITY);
	renders_double("-Infinity", -INFINITY);
	renders(PGTYPE_OID_FLOAT4, "3.4028235e+38", 1, 1, "\x7f\x7f\xff\xff", 4);
	renders(PGTYPE_OID_FLOAT4, "-0", 1, 1, "\x80\x00\x00\x00", 4);
	/* PostgreSQL keeps the sign of '-NaN' in binary, but prints both as NaN: the backend answers */
	refused(PGTYPE_OID_FLOAT8, "NaN", 1, 1);
	refused(PGTYPE_OID_FLOAT4, "NaN", 1, 1);
	/* in text, NaN is NaN */
	renders(PGTYPE_OID_FLOAT8, "NaN", 0, 1, "NaN", 3);
	renders(PGTYPE_OID_FLOAT8, "NaN", 0, 0, "NaN", 3);
	/* a stored text that is no float is never sent */
	refused(PGTYPE_OID_FLOAT8, "1e+23x", 1, 1);
}

static void test_binary_from_the_type_table(void **state)
{
	size_t n;
	const pgtype *rows = pgtype_table(&n);

	(void)state;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(render_binary_ok(rows[i].oid),
		                 (rows[i].flags & PGTYPE_RENDER) != 0 && (rows[i].flags & PGTYPE_SEND) != 0);
	assert_true(render_binary_ok(PGTYPE_OID_INT4));
	assert_true(render_binary_ok(PGTYPE_OID_FLOAT8));
	assert_false(render_binary_ok(PGTYPE_OID_NUMERIC));
	assert_false(render_binary_ok(PGTYPE_OID_UUID));
	assert_false(render_binary_ok(1007)); /* int4[]: no row */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_binary_floats),
	        cmocka_unit_test(test_binary_from_the_type_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
