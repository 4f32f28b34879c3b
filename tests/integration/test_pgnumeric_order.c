/*
 * The numeric order of stored numeric text (common/pgnumeric.h) against
 * PostgreSQL itself.  The backend prints a set of values (the infinities,
 * NaN, zeros and equal values at several scales, long integers, tiny
 * fractions, random decimals of random scale) and compares every pair of
 * them; pgnumeric_cmp must give the backend's answer for every pair, and
 * accept every text the backend printed.
 */
#include "pg_testutil.h"

#include <string.h>

#include "common/pgnumeric.h"

static const char *const values =
        "SELECT unnest(ARRAY['NaN', 'Infinity', '-Infinity', '0', '0.000', '-0.0', '1', '1.0', '1.00000', '-1', "
        "'10', '9.999999999999999999999', '123456789012345678901234567890.123', "
        "'-123456789012345678901234567890.124', '0.0000000000000000000001', '-0.0000000000000000000001', "
        "'99', '100', '-99.5', '-100.25']::numeric[]) AS v "
        "UNION ALL SELECT round((random() - 0.5)::numeric * (10::numeric ^ (random() * 12)::int), (random() * 6)::int) "
        "FROM generate_series(1, 120)";

static void test_pairs(void **state)
{
	(void)state;
	PQclear(PQexec(conn, "SELECT setseed(0.5)"));
	char sql[2048];
	snprintf(sql, sizeof(sql),
	         "WITH v AS MATERIALIZED (%s) SELECT a.v::text, b.v::text, "
	         "CASE WHEN a.v < b.v THEN -1 WHEN a.v = b.v THEN 0 ELSE 1 END FROM v a, v b",
	         values);
	PGresult *res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s\n%s", sql, PQerrorMessage(conn));
	long equal = 0;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *a = PQgetvalue(res, i, 0), *b = PQgetvalue(res, i, 1);
		int want = atoi(PQgetvalue(res, i, 2));
		bool ok = true;
		int c = pgnumeric_cmp(a, strlen(a), b, strlen(b), &ok);
		if (!ok)
			fail_msg("\"%s\" or \"%s\" refused, though the backend printed it", a, b);
		if ((c < 0 ? -1 : c > 0) != want)
			fail_msg("%s vs %s: %d, the backend says %d", a, b, c, want);
		equal += want == 0 && strcmp(a, b) != 0;
	}
	assert_true(PQntuples(res) > 130 * 130);
	assert_true(equal >= 6); /* equal values printed differently were compared */
	PQclear(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_pairs),
	};
	return cmocka_run_group_tests(tests, pgt_setup, pgt_teardown);
}
