/*
 * The time key of stored date, timestamp and timestamptz text
 * (common/pgtime.h) against PostgreSQL itself.  The backend prints series
 * of values under DateStyle ISO in time zones whose offsets change with
 * daylight saving time, have minutes (Asia/Kathmandu, America/St_Johns,
 * Pacific/Chatham) or seconds (local mean time before 1900): BC years,
 * DST transitions walked in 7-minute steps, six centuries in odd steps
 * with microseconds, the largest timestamp and date, and the infinities.
 * For every text the key must equal the microseconds (days, for a date)
 * from 2000-01-01 that the backend computes, and the keys must increase in
 * the backend's ORDER BY.
 */
#include "pg_testutil.h"

#include <string.h>

#include "common/pgtime.h"

static const char *const zones[] = {
        "UTC", "America/New_York", "Asia/Kathmandu", "Europe/Amsterdam", "America/St_Johns", "Pacific/Chatham"};

/* The values, as timestamptz; each test casts them to its type. */
static const char *const series =
        "SELECT generate_series(timestamptz '2024-03-10 05:00:00+00', '2024-03-10 09:00:00+00', "
        "'7 minutes 13.5 seconds') AS t "
        "UNION ALL SELECT generate_series(timestamptz '2024-11-03 04:00:00+00', '2024-11-03 08:00:00+00', "
        "'7 minutes 0.000001 seconds') "
        "UNION ALL SELECT generate_series(timestamptz '1700-01-01 00:00:00+00', '2300-01-01 00:00:00+00', "
        "'397 days 5 hours 3 minutes 7.123456 seconds') "
        "UNION ALL SELECT generate_series(timestamptz '4713-01-01 00:00:00+00 BC', '0002-01-01 00:00:00+00', "
        "'3331 days 7 hours 0.5 seconds') "
        "UNION ALL SELECT unnest(ARRAY[timestamptz '0001-12-31 23:59:59.999999+00 BC', '0001-01-01 00:00:00+00', "
        "'1883-11-18 16:59:59+00', '1937-07-01 00:00:00+00', '1969-12-31 23:59:59.999999+00', "
        "'294276-12-31 23:59:59.999999+00', 'infinity', '-infinity'])";

static int64_t key_of(const char *text)
{
	int64_t k;
	if (!pgtime_sort_key(text, strlen(text), &k))
		fail_msg("the key refuses the backend's \"%s\"", text);
	return k;
}

/*
 * value: the SQL of one value of the type from timestamptz t; offset: the
 * backend's key of it (finite values only).  Runs in every zone; returns the
 * rows checked.
 */
static long check_type(const char *value, const char *offset, const char *extra)
{
	long rows = 0;
	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		char sql[4096];
		snprintf(sql, sizeof(sql), "SET DateStyle = 'ISO, MDY'; SET TimeZone = '%s'", zones[z]);
		PQclear(PQexec(conn, sql));
		snprintf(sql, sizeof(sql),
		         "SELECT v::text, CASE WHEN isfinite(v) THEN %s END FROM "
		         "(SELECT DISTINCT %s AS v FROM (%s) s(t) %s) d ORDER BY d.v",
		         offset, value, series, extra);
		PGresult *res = PQexec(conn, sql);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			fail_msg("%s\n%s", sql, PQerrorMessage(conn));
		int64_t prev = 0;
		for (int i = 0; i < PQntuples(res); i++) {
			const char *text = PQgetvalue(res, i, 0);
			int64_t k = key_of(text);
			if (!PQgetisnull(res, i, 1) && k != strtoll(PQgetvalue(res, i, 1), NULL, 10))
				fail_msg("%s in %s: key %lld, the backend says %s", text, zones[z], (long long)k,
				         PQgetvalue(res, i, 1));
			if (i > 0 && !(prev < k))
				fail_msg("%s in %s: key %lld not above the previous value's %lld", text, zones[z],
				         (long long)k, (long long)prev);
			prev = k;
			rows++;
		}
		PQclear(res);
	}
	return rows;
}

static void test_timestamptz(void **state)
{
	(void)state;
	long n = check_type("t", "(extract(epoch FROM v - timestamptz '2000-01-01 00:00:00+00') * 1000000)::int8", "");
	assert_true(n > 6 * 1000); /* about 1140 values in each zone */
}

static void test_timestamp(void **state)
{
	(void)state;
	/* the largest timestamptz is past the largest timestamp east of Greenwich: that one written out */
	long n = check_type("t::timestamp", "(extract(epoch FROM v - timestamp '2000-01-01 00:00:00') * 1000000)::int8",
	                    "WHERE t <> timestamptz '294276-12-31 23:59:59.999999+00' "
	                    "UNION SELECT timestamp '294276-12-31 23:59:59.999999'");
	assert_true(n > 6 * 1000); /* about 1140 values in each zone */
}

static void test_date(void **state)
{
	(void)state;
	long n = check_type("t::date", "v - date '2000-01-01'",
	                    "UNION SELECT date '5874897-12-31' UNION SELECT date '4714-11-24 BC'");
	assert_true(n > 6 * 900);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_timestamptz),
	        cmocka_unit_test(test_timestamp),
	        cmocka_unit_test(test_date),
	};
	return cmocka_run_group_tests(tests, pgt_setup, pgt_teardown);
}
