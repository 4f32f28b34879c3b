/*
 * test_memoable.c - which backend answers the memo may keep
 * (sql/memoable.h): the statements, the relations, the functions, the
 * operators, the casts and the constants that decide it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sql/memoable.h"

static const sqlfe_memoable_table tables[] = {
        {"public", "film", false},
        {"public", "regisseur", false},
        {"shop", "parent", true},
};
/* sorted by strcmp, as the loader gives them */
static const char *const safe_funcs[] = {"count", "lower", "max", "similar_to_escape", "sum", "to_char", "upper"};
static const char *const other_funcs[] = {"fullname", "generate_series", "now", "random"};
static const char *const safe_ops[] = {"*", "+", "<", "<=", "<>", "=", ">", ">=", "||", "~", "~~"};

static sqlfe_memoable_ctx ctx(void)
{
	sqlfe_memoable_ctx c;
	memset(&c, 0, sizeof(c));
	c.ngroups = 2;
	c.ntables[0] = 2;
	c.tables[0] = tables;
	c.ntables[1] = 1;
	c.tables[1] = tables + 2;
	c.safe_funcs = safe_funcs;
	c.nsafe_funcs = sizeof(safe_funcs) / sizeof(safe_funcs[0]);
	c.other_funcs = other_funcs;
	c.nother_funcs = sizeof(other_funcs) / sizeof(other_funcs[0]);
	c.safe_ops = safe_ops;
	c.nsafe_ops = sizeof(safe_ops) / sizeof(safe_ops[0]);
	return c;
}

static sqlfe_memoable_result judge(const char *sql)
{
	sqlfe_memoable_ctx c = ctx();
	sqlfe_memoable_result r;
	assert_true(sqlfe_memoable_judge(sql, strlen(sql), &c, &r));
	if (!r.ok) {
		assert_non_null(r.why);
		assert_int_equal(r.tables[0] | r.tables[1], 0);
	}
	return r;
}

static void yes(const char *sql, uint64_t g0, uint64_t g1)
{
	sqlfe_memoable_result r = judge(sql);
	if (!r.ok)
		fail_msg("%s: not memoable (%s)", sql, r.why);
	if (r.tables[0] != g0 || r.tables[1] != g1)
		fail_msg("%s: tables %llx %llx, want %llx %llx", sql, (unsigned long long)r.tables[0],
		         (unsigned long long)r.tables[1], (unsigned long long)g0, (unsigned long long)g1);
}

static void no(const char *sql)
{
	sqlfe_memoable_result r = judge(sql);
	if (r.ok)
		fail_msg("%s: judged memoable", sql);
}

static void test_reads(void **state)
{
	(void)state;
	yes("SELECT * FROM film", 1, 0);
	yes("select f.id, upper(f.titel) from film f join regisseur r on r.id = f.regie where r.id = $1", 3, 0);
	yes("SELECT regie, count(*), max(jahr) + 1 FROM film GROUP BY regie HAVING count(*) > 2 ORDER BY 2 DESC", 1, 0);
	yes("SELECT r.nname, (SELECT count(*) FROM film f WHERE f.regie = r.id) FROM regisseur r", 3, 0);
	yes("SELECT id FROM film WHERE regie IN (SELECT id FROM regisseur WHERE nname ~~ 'A%') LIMIT 3", 3, 0);
	yes("SELECT id FROM film UNION SELECT id FROM regisseur ORDER BY 1", 3, 0);
	yes("SELECT * FROM public.film WHERE titel SIMILAR TO 'a%'", 1, 0);
	yes("SELECT * FROM ONLY shop.parent", 0, 1);
	yes("SELECT id, to_char(jahr, '9999'), jahr::text, '2020-01-01'::date, $1::timestamptz FROM film", 1, 0);
	yes("SELECT CASE WHEN jahr > 2000 THEN 'new' ELSE 'old' END, coalesce(budget, 0) FROM film WHERE jahr BETWEEN "
	    "1 "
	    "AND 2",
	    1, 0);
	yes("SELECT 1", 0, 0);
	/* a WITH query's name in its scope is the WITH query (it reads what its own tree reads) */
	yes("WITH f AS (SELECT id, regie FROM film) SELECT r.nname FROM f JOIN regisseur r ON r.id = f.regie", 3, 0);
	yes("WITH x AS (SELECT * FROM film), y AS (SELECT * FROM x) SELECT * FROM y", 1, 0);
	yes("WITH film AS (SELECT 1 AS id) SELECT id FROM film", 0, 0);
}

static void test_refused(void **state)
{
	(void)state;
	/* what the stream does not carry */
	no("SELECT * FROM other");
	no("SELECT * FROM elsewhere.film");
	no("SELECT * FROM movies.public.film");
	no("SELECT * FROM shop.parent"); /* its children are read too */
	/* a WITH query's name out of its scope is a relation */
	no("WITH a AS (SELECT * FROM b), b AS (SELECT * FROM film) SELECT * FROM a");
	no("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r");
	/* the clock, the session, functions that may do anything */
	no("SELECT now(), id FROM film");
	no("SELECT random() FROM film");
	no("SELECT current_user, id FROM film");
	no("SELECT CURRENT_DATE");
	no("SELECT id FROM film WHERE erschienen < 'today'");
	no("SELECT id FROM film WHERE geaendert > 'NOW'::timestamptz");
	no("SELECT id FROM film WHERE erschienen < 'Tomorrow'");
	no("SELECT titel::date FROM film"); /* a text column may hold 'now' */
	no("SELECT pg_catalog.now()");
	no("SELECT public.upper(titel) FROM film");
	no("SELECT f.fullname FROM film f"); /* fullname(film) */
	no("SELECT (f).fullname FROM film f");
	no("SELECT ctid, id FROM film"); /* VACUUM FULL moves it */
	no("SELECT f.xmin FROM film f");
	no("SELECT * FROM generate_series(1, 3)");
	no("SELECT id::regclass FROM film");
	no("SELECT id FROM film WHERE titel @@@ 'x'");
	no("SELECT id FROM film WHERE titel OPERATOR(public.=) 'x'");
	no("SELECT id FROM film ORDER BY titel USING ~<~");
	/* not one plain SELECT */
	no("SELECT id FROM film FOR UPDATE");
	no("SELECT id INTO t FROM film");
	no("SELECT 1; SELECT 2");
	no("UPDATE film SET titel = 'x'");
	no("WITH d AS (DELETE FROM film RETURNING id) SELECT * FROM d");
	no("SELECT * FROM film TABLESAMPLE SYSTEM (10)");
	no("SELECT xmlelement(name a)");
	no("SELECT id FROM film WHERE");
}

static void test_values(void **state)
{
	(void)state;
	assert_true(sqlfe_memoable_value_ok("2024-01-01", 10));
	assert_true(sqlfe_memoable_value_ok("", 0));
	assert_true(sqlfe_memoable_value_ok("infinity", 8));
	assert_false(sqlfe_memoable_value_ok("now", 3));
	assert_false(sqlfe_memoable_value_ok(" TODAY ", 7));
	assert_false(sqlfe_memoable_value_ok("yesterday", 9));
	assert_false(sqlfe_memoable_value_ok("tomorrow allballs", 17));
	assert_false(sqlfe_memoable_value_ok("snow", 4)); /* any of the words anywhere: errs on the safe side */
	assert_true(sqlfe_memoable_value_ok("no", 2));    /* the length bounds the match */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_reads),
	        cmocka_unit_test(test_refused),
	        cmocka_unit_test(test_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
