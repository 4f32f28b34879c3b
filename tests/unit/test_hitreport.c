/*
 * Unit tests of hit/hitreport.c and hit/sesscheck.c: what the driver's
 * in-process answers tell cbcached, and the settings check's row.
 *
 * Reports: a report reads back hit for hit with its fingerprint and
 * statement count; a statement answered again counts in its last item; a value longer than the limit is dropped and
 * counted; a full report refuses the next hit (the caller sends it and begins again); a cut datagram, a length past its
 * end, a NUL inside a value and a wrong magic are refused.  The check's row: the numbers per table in order across
 * groups, out-of-range extra_float_digits, a NULL table column and a wrong column count are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hit/hitreport.h"
#include "hit/sesscheck.h"

#define FP "0123456789abcdef"

static void test_round_trip(void **state)
{
	(void)state;
	static hitreport r;
	hitreport_begin(&r, FP);
	assert_true(hitreport_for(&r, FP));
	assert_false(hitreport_for(&r, "fedcba9876543210"));
	assert_false(hitreport_pending(&r));
	assert_true(hitreport_add(&r, 0, 3, "42"));
	assert_true(hitreport_add(&r, 2, 300, ""));
	assert_true(hitreport_add(&r, 1, 65535, "O'Brien"));
	r.answered = 7;
	assert_true(hitreport_pending(&r));
	size_t n = hitreport_finish(&r);

	char fp[17];
	uint32_t answered;
	size_t pos;
	assert_true(hitreport_header(r.buf, n, fp, &answered, &pos));
	assert_string_equal(fp, FP);
	assert_int_equal(answered, 7);
	hitreport_hit h;
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), 1);
	assert_int_equal(h.kind, 'H');
	assert_int_equal(h.group, 0);
	assert_int_equal(h.entry, 3);
	assert_string_equal(h.value, "42");
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), 1);
	assert_int_equal(h.group, 2);
	assert_int_equal(h.entry, 300);
	assert_string_equal(h.value, "");
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), 1);
	assert_int_equal(h.entry, 65535);
	assert_string_equal(h.value, "O'Brien");
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), 0);

	/* sent: cleared for the same groups */
	hitreport_clear(&r);
	assert_true(hitreport_for(&r, FP));
	assert_false(hitreport_pending(&r));
	n = hitreport_finish(&r);
	assert_true(hitreport_header(r.buf, n, fp, &answered, &pos));
	assert_string_equal(fp, FP);
	assert_int_equal(answered, 0);
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), 0);
}

static void test_limits(void **state)
{
	(void)state;
	static hitreport r;
	hitreport_begin(&r, FP);
	char big[HITREPORT_VALUE_MAX + 2];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(hitreport_add(&r, 0, 0, big));
	assert_int_equal(r.dropped, 1);
	assert_false(hitreport_add(&r, 256, 0, "1"));
	big[HITREPORT_VALUE_MAX] = '\0'; /* exactly the limit */
	int added = 0;
	while (hitreport_add(&r, 0, 0, big))
		added++;
	assert_int_equal(added, (HITREPORT_MAX - HITREPORT_HEADER) / (5 + HITREPORT_VALUE_MAX));
	assert_true(r.len <= HITREPORT_MAX);
	assert_int_equal(r.dropped, 2); /* a full report drops nothing: the caller sends and adds again */
}

static void test_malformed(void **state)
{
	(void)state;
	static hitreport r;
	hitreport_begin(&r, FP);
	assert_true(hitreport_add(&r, 0, 1, "abc"));
	size_t n = hitreport_finish(&r);
	char fp[17];
	uint32_t answered;
	size_t pos;
	hitreport_hit h;
	assert_false(hitreport_header(r.buf, HITREPORT_HEADER - 1, fp, &answered, &pos));
	/* cut inside the value */
	assert_true(hitreport_header(r.buf, n - 1, fp, &answered, &pos));
	assert_int_equal(hitreport_next(r.buf, n - 1, &pos, &h), -1);
	/* cut inside the hit's head */
	assert_true(hitreport_header(r.buf, HITREPORT_HEADER + 2, fp, &answered, &pos));
	assert_int_equal(hitreport_next(r.buf, HITREPORT_HEADER + 2, &pos, &h), -1);
	/* a NUL in the value */
	r.buf[HITREPORT_HEADER + 6] = '\0';
	assert_true(hitreport_header(r.buf, n, fp, &answered, &pos));
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), -1);
	/* not a report */
	r.buf[0] = 'X';
	assert_false(hitreport_header(r.buf, n, fp, &answered, &pos));
}

/* A statement's answers: the same statement again counts in its item, another gets its own. */
/* Finish r and read its header back: the report's length, and in *pos where its items start. */
static size_t finish_and_open(hitreport *r, size_t *pos)
{
	size_t n = hitreport_finish(r);
	char fp[17];
	uint32_t answered;
	assert_true(hitreport_header(r->buf, n, fp, &answered, pos));
	assert_string_equal(fp, FP);
	return n;
}

static void test_plans(void **state)
{
	(void)state;
	static hitreport r;
	hitreport_begin(&r, FP);
	const char *k1 = "SELECT a FROM t WHERE id = 5", *k2 = "SELECT b FROM t";
	assert_true(hitreport_add_plan(&r, k1, strlen(k1), true));
	assert_true(hitreport_add_plan(&r, k1, strlen(k1), true));
	assert_true(hitreport_add(&r, 0, 1, "5"));
	assert_true(hitreport_add_plan(&r, k1, strlen(k1), true)); /* after a hit: still the last statement item */
	assert_true(hitreport_add_plan(&r, k2, strlen(k2), false));
	assert_true(hitreport_add_plan(&r, k1, strlen(k1), true)); /* not the last statement any more: a new item */
	size_t pos;
	size_t n = finish_and_open(&r, &pos);
	hitreport_hit h;
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), 1);
	assert_int_equal(h.kind, 'P');
	assert_int_equal(h.count, 3);
	assert_true(h.std);
	assert_int_equal(h.text_len, strlen(k1));
	assert_memory_equal(h.text, k1, h.text_len);
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), 1);
	assert_int_equal(h.kind, 'H');
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), 1);
	assert_int_equal(h.kind, 'P');
	assert_int_equal(h.count, 1);
	assert_false(h.std);
	assert_memory_equal(h.text, k2, h.text_len);
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), 1);
	assert_int_equal(h.count, 1);
	assert_memory_equal(h.text, k1, h.text_len);
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), 0);
	/* a text length past the end */
	r.buf[HITREPORT_HEADER + 3] = (unsigned char)(n + 10);
	pos = HITREPORT_HEADER;
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), -1);
}

/* Fills and sync requests: read back in order, among hits; a fill's value is checked like a hit's. */
static void test_fills_and_syncs(void **state)
{
	(void)state;
	static hitreport r;
	hitreport_begin(&r, FP);
	assert_true(hitreport_add_fill(&r, 1, 3, "42"));
	assert_true(hitreport_add(&r, 0, 2, "7"));
	assert_true(hitreport_add_sync(&r));
	assert_true(hitreport_add_fence(&r));
	char longv[HITREPORT_VALUE_MAX + 2];
	memset(longv, 'v', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	assert_false(hitreport_add_fill(&r, 0, 0, longv)); /* too long: dropped */
	assert_int_equal(r.dropped, 1);
	size_t pos;
	size_t n = finish_and_open(&r, &pos);
	hitreport_hit h;
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), 1);
	assert_int_equal(h.kind, 'F');
	assert_int_equal(h.group, 1);
	assert_int_equal(h.entry, 3);
	assert_string_equal(h.value, "42");
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), 1);
	assert_int_equal(h.kind, 'H');
	assert_string_equal(h.value, "7");
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), 1);
	assert_int_equal(h.kind, 'S');
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), 1);
	assert_int_equal(h.kind, 'X');
	assert_int_equal(hitreport_next(r.buf, n, &pos, &h), 0);
	/* a report of only a sync request is pending (it must be sent) */
	hitreport_clear(&r);
	assert_false(hitreport_pending(&r));
	assert_true(hitreport_add_sync(&r));
	assert_true(hitreport_pending(&r));
	/* a full report takes no sync request */
	hitreport_clear(&r);
	while (hitreport_add(&r, 0, 1, "x"))
		;
	while (r.len < HITREPORT_MAX)
		assert_true(hitreport_add_sync(&r));
	assert_false(hitreport_add_sync(&r));
}

static void test_check_row(void **state)
{
	(void)state;
	size_t ntables[2] = {2, 1};
	const char *vals[6] = {"1", "read committed", "alice\npublic", "t", "f", "t"};
	int lens[6] = {1, 14, 12, 1, 1, 1};
	sesscheck_row row;
	assert_true(sesscheck_read(vals, lens, 6, 2, ntables, &row));
	assert_int_equal(row.extra_float_digits, 1);
	assert_true(row.default_read_committed);
	assert_int_equal(row.readable[0], 1); /* table 0 yes, table 1 no */
	assert_int_equal(row.readable[1], 1);
	assert_true(row.settings_known);
	assert_int_equal(row.settings_len, 12);
	assert_memory_equal(row.settings, "alice\npublic", 12);

	vals[1] = "serializable";
	lens[1] = 12;
	assert_true(sesscheck_read(vals, lens, 6, 2, ntables, &row));
	assert_false(row.default_read_committed);

	/* settings too long to key on: the check stands, the memo of backend answers is off */
	lens[2] = SESSCHECK_SETTINGS_MAX + 1;
	assert_true(sesscheck_read(vals, lens, 6, 2, ntables, &row));
	assert_false(row.settings_known);
	lens[2] = 12;

	assert_false(sesscheck_read(vals, lens, 5, 2, ntables, &row)); /* a column missing */
	lens[4] = -1;
	assert_false(sesscheck_read(vals, lens, 6, 2, ntables, &row)); /* NULL for a table */
	lens[4] = 1;
	vals[0] = "4";
	assert_false(sesscheck_read(vals, lens, 6, 2, ntables, &row)); /* out of range */
	vals[0] = "1x";
	lens[0] = 2;
	assert_false(sesscheck_read(vals, lens, 6, 2, ntables, &row));

	char *sql = sesscheck_sql(3);
	assert_non_null(sql);
	assert_non_null(strstr(sql, "to_regclass($5)::pg_catalog.oid = $6"));
	assert_non_null(strstr(sql, "current_setting('lc_monetary')"));
	assert_null(strstr(sql, "$7"));
	free(sql);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip), cmocka_unit_test(test_limits),
	        cmocka_unit_test(test_malformed),  cmocka_unit_test(test_plans),
	        cmocka_unit_test(test_check_row),  cmocka_unit_test(test_fills_and_syncs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
