/*
 * Unit tests of common/pgtime.c: the sort key of stored date, timestamp
 * and timestamptz text.  Keys are checked against glibc's timegm() (an
 * independent proleptic Gregorian calendar) on random wall-clock times of
 * years 1 to 9999 and random UTC offsets, against hand-computed values at
 * the epoch, across 1 BC / 1 AD and across leap days, for the order of a
 * list written in time order (BC, five- and six-digit years, fractions,
 * offsets with minutes and seconds, infinities), and for text the backend
 * never prints under DateStyle ISO, which must be refused.  The backend
 * itself is the oracle in tests/integration/test_cache_types.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/pgtime.h"
#include "testrand.h"

#define USEC INT64_C(1000000)
#define EPOCH_2000 INT64_C(946684800) /* 2000-01-01 in Unix seconds */

static int64_t key_of(const char *s)
{
	int64_t k = 0;
	if (!pgtime_sort_key(s, strlen(s), &k))
		fail_msg("refused: \"%s\"", s);
	return k;
}

static void test_fixed_points(void **state)
{
	(void)state;
	assert_true(key_of("2000-01-01") == 0);
	assert_true(key_of("2000-01-02") == 1); /* a date counts days */
	assert_true(key_of("2000-01-01 00:00:00") == 0);
	assert_true(key_of("2000-01-01 00:00:01") == USEC);
	assert_true(key_of("2000-01-01 00:00:00.5") == USEC / 2);
	assert_true(key_of("2000-01-01 00:00:00.000001") == 1);
	assert_true(key_of("2000-01-01 01:00:00+01") == 0);
	assert_true(key_of("1999-12-31 19:00:00-05") == 0);
	assert_true(key_of("2000-01-01 05:30:00+05:30") == 0);
	assert_true(key_of("2000-01-01 00:53:28+00:53:28") == 0);
	assert_true(key_of("1970-01-01 00:00:00") == -EPOCH_2000 * USEC);
	assert_true(key_of("1970-01-01") == -10957);
	/* PostgreSQL's largest timestamp, and its largest date */
	assert_true(key_of("294276-12-31 23:59:59.999999") == INT64_C(9223371331199999999));
	assert_true(key_of("5874897-12-31") == 2145031948);
	assert_true(key_of("infinity") == INT64_MAX);
	assert_true(key_of("-infinity") == INT64_MIN);
	/* 1 BC is the year before 1 AD, and a leap year (astronomical year 0) */
	assert_true(key_of("0001-01-01") - key_of("0001-12-31 BC") == 1);
	assert_true(key_of("0001-03-01 BC") - key_of("0001-02-28 BC") == 2);
	assert_true(key_of("0001-03-01 00:00:00+00 BC") - key_of("0001-02-28 00:00:00+00 BC") == 2 * 86400 * USEC);
	assert_true(key_of("2024-03-01") - key_of("2024-02-28") == 2);
	assert_true(key_of("2100-03-01") - key_of("2100-02-28") == 1);
	assert_true(key_of("2000-03-01") - key_of("2000-02-28") == 2);
	assert_true(key_of("4714-11-24 BC") == -2451545); /* Julian day 0, PostgreSQL's first date */
}

/* Random wall-clock times and offsets against timegm(). */
static void test_against_timegm(void **state)
{
	(void)state;
	rnd_seed(0x7157);
	for (int i = 0; i < 200000; i++) {
		struct tm tm = {0};
		int year = 1 + (int)rnd(9999);
		tm.tm_year = year - 1900;
		tm.tm_mon = (int)rnd(12);
		tm.tm_mday = 1 + (int)rnd(28);
		tm.tm_hour = (int)rnd(24);
		tm.tm_min = (int)rnd(60);
		tm.tm_sec = (int)rnd(60);
		int usec = (int)rnd(1000000);
		int off_min = (int)rnd(2 * 15 * 60 + 1) - 15 * 60;
		int64_t want = ((int64_t)timegm(&tm) - EPOCH_2000 - off_min * 60) * USEC + usec;
		char text[80];
		snprintf(text, sizeof(text), "%04d-%02d-%02d %02d:%02d:%02d.%06d%c%02d:%02d", year, tm.tm_mon + 1,
		         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec, off_min < 0 ? '-' : '+', abs(off_min) / 60,
		         abs(off_min) % 60);
		int64_t got = key_of(text);
		if (got != want)
			fail_msg("%s: key %lld, timegm says %lld", text, (long long)got, (long long)want);
	}
}

/* Written in time order, as the backend prints them under DateStyle ISO. */
static const char *const in_order[] = {
        "-infinity",
        "4713-01-01 00:00:00+00 BC",
        "4713-01-01 00:00:01+00 BC",
        "0044-03-15 12:00:00+00:53:28 BC",
        "0044-03-15 11:00:00-01 BC",
        "0001-12-31 23:59:59.999999+00 BC",
        "0001-01-01 00:00:00+00",
        "0999-12-31 23:59:59+00",
        "1800-01-01 00:00:00+00",
        "1969-12-31 23:59:59.999999+00",
        "1970-01-01 01:00:00.000001+01",
        "1970-01-01 00:00:00.1+00",
        "1970-01-01 00:00:00.25+00",
        "1970-01-01 00:00:00.5+00",
        "2024-03-10 07:30:00+00",
        "2024-03-10 03:30:01-04",
        "2024-07-01 12:00:00+05:45",
        "2024-07-01 06:15:00.000001+00",
        "9999-12-31 23:59:59.999999+00",
        "10000-01-01 00:00:00+00",
        "294276-12-31 23:59:59.999999+00",
        "infinity",
};

static void test_order(void **state)
{
	(void)state;
	for (size_t i = 1; i < sizeof(in_order) / sizeof(in_order[0]); i++)
		if (!(key_of(in_order[i - 1]) < key_of(in_order[i])))
			fail_msg("\"%s\" is not before \"%s\"", in_order[i - 1], in_order[i]);
	/* one instant written with two offsets: equal keys */
	assert_true(key_of("2024-03-10 07:30:00+00") == key_of("2024-03-10 02:30:00-05"));
	/* dates, in days */
	assert_true(key_of("-infinity") < key_of("4713-01-01 BC"));
	assert_true(key_of("4713-01-01 BC") < key_of("0001-12-31 BC"));
	assert_true(key_of("0001-12-31 BC") < key_of("0001-01-01"));
	assert_true(key_of("9999-12-31") < key_of("10000-01-01"));
	assert_true(key_of("10000-01-01") < key_of("5874897-12-31"));
	assert_true(key_of("5874897-12-31") < key_of("infinity"));
}

static void test_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
	        "",
	        "infinity ",
	        "Infinity",
	        "2024-1-01",
	        "024-01-01",
	        "20240-101",
	        "2024-13-01",
	        "2024-00-10",
	        "2024-02-30",
	        "2023-02-29",
	        "0002-02-29 BC",
	        "0000-01-01",
	        "2024-01-01 ",
	        "2024-01-01 12:00",
	        "2024-01-01 24:00:00",
	        "2024-01-01 12:60:00",
	        "2024-01-01 12:00:60",
	        "2024-01-01 12:00:00.",
	        "2024-01-01 12:00:00.1234567",
	        "2024-01-01 12:00:00+5",
	        "2024-01-01 12:00:00+05:3",
	        "2024-01-01 12:00:00+05:60",
	        "2024-01-01 12:00:00 +05",
	        "2024-01-01 12:00:00+05 AD",
	        "2024-01-01 BC 12:00:00",
	        "2024-01-01T12:00:00",
	        "01/02/2024",
	        "12345678-01-01",
	        "epoch",
	        "9999999-12-31 23:59:59",
	        "-9999999-12-31",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t k;
		if (pgtime_sort_key(bad[i], strlen(bad[i]), &k))
			fail_msg("accepted: \"%s\"", bad[i]);
	}
	/* the length bounds the text: a valid prefix of a longer buffer is read alone */
	int64_t k;
	assert_true(pgtime_sort_key("2000-01-01 00:00:01junk", 19, &k));
	assert_true(k == USEC);
	assert_false(pgtime_sort_key("2000-01-01 00:00:01", 18, &k));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fixed_points),
	        cmocka_unit_test(test_against_timegm),
	        cmocka_unit_test(test_order),
	        cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
