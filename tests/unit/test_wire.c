/*
 * Unit tests of hit/wire.c: buffer growth, consumption and compaction,
 * the exact bytes of the messages cbcached writes itself (a RowDescription
 * too), and the set of frontend message types.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "hit/wire.h"

static void test_buffer(void **state)
{
	(void)state;
	wire_buf b = {0};
	wire_buf_append(&b, "hello", 5);
	assert_int_equal(wire_buf_avail(&b), 5);
	wire_buf_consume(&b, 2);
	assert_int_equal(wire_buf_avail(&b), 3);
	assert_memory_equal(b.data + b.start, "llo", 3);
	/* a large append compacts and grows, keeping the unread bytes */
	char big[100000];
	memset(big, 'x', sizeof(big));
	wire_buf_append(&b, big, sizeof(big));
	assert_false(b.failed);
	assert_int_equal(wire_buf_avail(&b), 3 + sizeof(big));
	assert_int_equal(b.start, 0);
	assert_memory_equal(b.data, "llo", 3);
	assert_true(b.cap >= 3 + sizeof(big));
	/* consuming everything resets to the start */
	wire_buf_consume(&b, wire_buf_avail(&b));
	assert_int_equal(b.start, 0);
	assert_int_equal(b.len, 0);
	wire_buf_free(&b);
	assert_null(b.data);
}

static void test_messages(void **state)
{
	(void)state;
	wire_buf b = {0};
	wire_put_auth(&b, 3);
	wire_put_key_data(&b, 0x01020304, -1);
	wire_put_ready(&b, 'I');
	wire_put_param_status(&b, "a", "bc");
	static const unsigned char want[] = {
	        'R', 0, 0, 0, 8,  0,   0, 0,   3,                           /* AuthenticationCleartextPassword */
	        'K', 0, 0, 0, 12, 1,   2, 3,   4,   0xff, 0xff, 0xff, 0xff, /* BackendKeyData */
	        'Z', 0, 0, 0, 5,  'I',                                      /* ReadyForQuery */
	        'S', 0, 0, 0, 9,  'a', 0, 'b', 'c', 0,                      /* ParameterStatus */
	};
	assert_int_equal(wire_buf_avail(&b), sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	wire_buf_free(&b);
}

static void test_row_description(void **state)
{
	(void)state;
	wire_buf b = {0};
	size_t m = wire_begin_row_description(&b, 2);
	wire_put_field(&b, "id", 16384, 1, 23, 4, -1, 0);
	wire_put_field(&b, "", 0x01020304, -2, 0xfffffffe, -1, 0x7fffffff, 1);
	wire_end(&b, m);
	static const unsigned char want[] = {
	        'T',  0,    0,    0,    46,   0,    2,                       /* RowDescription, 2 fields */
	        'i',  'd',  0,    0,    0,    0x40, 0,    0, 1, 0, 0, 0, 23, /* id: table 16384, column 1, int4 */
	        0,    4,    0xff, 0xff, 0xff, 0xff, 0,    0,                 /* length 4, typmod -1, text */
	        0,    1,    2,    3,    4,    0xff, 0xfe,                    /* "": table, column -2 */
	        0xff, 0xff, 0xff, 0xfe, 0xff, 0xff,                          /* type, length -1 */
	        0x7f, 0xff, 0xff, 0xff, 0,    1,                             /* typmod, binary */
	};
	assert_int_equal(wire_buf_avail(&b), sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	wire_buf_free(&b);
}

static void test_error(void **state)
{
	(void)state;
	wire_buf b = {0};
	wire_put_error(&b, "FATAL", "08P01", "bad", "fix it");
	static const char fields[] = "SFATAL\0VFATAL\0C08P01\0Mbad\0Hfix it\0";
	/* fields (with their NULs) plus the final NUL */
	size_t flen = sizeof(fields) - 1 + 1;
	assert_int_equal(wire_buf_avail(&b), 1 + 4 + flen);
	assert_int_equal(b.data[0], 'E');
	assert_int_equal(wire_get_uint32(b.data + 1), 4 + flen);
	assert_memory_equal(b.data + 5, fields, sizeof(fields) - 1);
	assert_int_equal(b.data[b.len - 1], '\0');
	wire_buf_free(&b);

	/* without a hint there is no H field */
	wire_put_error(&b, "ERROR", "57P01", "m", NULL);
	assert_null(memchr(b.data + 5, 'H', b.len - 5));
	wire_buf_free(&b);
}

static void test_frontend_types(void **state)
{
	(void)state;
	const char *ok = "BCDEFHPQSXcdfp";
	for (int c = 0; c < 256; c++) {
		bool want = c != 0 && strchr(ok, c) != NULL;
		if (wire_frontend_type_ok((char)c) != want)
			fail_msg("type %d: expected %s", c, want ? "accepted" : "refused");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_buffer),          cmocka_unit_test(test_messages),
	        cmocka_unit_test(test_row_description), cmocka_unit_test(test_error),
	        cmocka_unit_test(test_frontend_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
