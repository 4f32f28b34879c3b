/*
 * test_stmtclass.c - what statements sent to the backend do to the cache
 * (sql/stmtclass.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sql/stmtclass.h"

static const char *const movies[] = {"ort", "genre", "regisseur", "film", "darsteller", "darst_film"};
static const char *const other[] = {"users", "Film"};

static sqlfe_stmtclass_tables tables(void)
{
	sqlfe_stmtclass_tables t;
	memset(&t, 0, sizeof(t));
	t.ngroups = 2;
	t.ntables[0] = 6;
	t.names[0] = movies;
	t.ntables[1] = 2;
	t.names[1] = other;
	return t;
}

static sqlfe_stmtclass_result judge(const char *sql)
{
	sqlfe_stmtclass_tables t = tables();
	sqlfe_stmtclass_result r;
	sqlfe_stmtclass_classify(sql, strlen(sql), true, &t, &r);
	return r;
}

#define BIT(i) ((uint64_t)1 << (i))

/* Judges each statement of sqls: a read (unknown false) has no effect; an
 * unknown statement may write any table and change settings (WRITES_ALL
 * and SETTINGS, not WRITES) and names no table. */
static void judge_each(const char *const *sqls, size_t n, bool unknown)
{
	for (size_t i = 0; i < n; i++) {
		sqlfe_stmtclass_result r = judge(sqls[i]);
		if (!unknown) {
			if (r.effects != 0)
				fail_msg("\"%s\": effects %#x, expected none", sqls[i], r.effects);
			continue;
		}
		if (!(r.effects & SQLFE_STMTCLASS_WRITES_ALL) || !(r.effects & SQLFE_STMTCLASS_SETTINGS) ||
		    (r.effects & SQLFE_STMTCLASS_WRITES))
			fail_msg("\"%s\": effects %#x, expected WRITES_ALL|SETTINGS", sqls[i], r.effects);
		assert_int_equal(r.tables[0], 0);
	}
}

static void test_reads(void **state)
{
	static const char *const reads[] = {
	        "SELECT * FROM film WHERE id = 1",
	        "  -- comment\n select 1",
	        "/* a /* nested */ comment */ SELECT name FROM regisseur",
	        "(SELECT 1) UNION (SELECT 2)",
	        "VALUES (1)",
	        "TABLE film",
	        "SHOW TimeZone",
	        "BEGIN; SELECT 1; COMMIT",
	        "EXPLAIN SELECT * FROM film",
	        "EXPLAIN DELETE FROM film", /* not run without ANALYZE */
	        "WITH x AS (SELECT 1) SELECT * FROM x, film",
	        "SELECT 'update film set' FROM film",
	        "SELECT $$delete from film$$, $tag$ ; drop table film $tag$",
	        "PREPARE p AS SELECT 1",
	        "",
	        ";;",
	};
	(void)state;
	judge_each(reads, sizeof(reads) / sizeof(reads[0]), false);
}

static void test_writes_named(void **state)
{
	(void)state;
	sqlfe_stmtclass_result r = judge("UPDATE film SET titel = 'x' WHERE id = 3");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_WRITES);
	assert_int_equal(r.tables[0], BIT(3));
	assert_int_equal(r.tables[1], 0);

	r = judge("insert into \"darst_film\" (fid, did) values (1, 2)");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_WRITES);
	assert_int_equal(r.tables[0], BIT(5));

	r = judge("DELETE FROM public.Regisseur r USING film f WHERE f.regie = r.id");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_WRITES);
	assert_int_equal(r.tables[0], BIT(2) | BIT(3));

	/* quoted names keep their case: "Film" is group 1's table, not film */
	r = judge("UPDATE \"Film\" SET x = 1");
	assert_int_equal(r.tables[0], 0);
	assert_int_equal(r.tables[1], BIT(1));

	r = judge("TRUNCATE genre");
	assert_int_equal(r.tables[0], BIT(1));

	r = judge("WITH d AS (DELETE FROM ort RETURNING *) SELECT count(*) FROM d");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_WRITES);
	assert_int_equal(r.tables[0], BIT(0));

	r = judge("SELECT 1; UPDATE film SET jahr = 2000");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_WRITES);
	assert_int_equal(r.tables[0], BIT(3));

	r = judge("EXPLAIN (ANALYZE) UPDATE ort SET name = 'x'");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_WRITES);
	assert_int_equal(r.tables[0], BIT(0));

	/* a write to a table outside the groups changes nothing cached */
	r = judge("UPDATE users_log SET n = n + 1");
	assert_int_equal(r.effects, 0);

	/* a table name inside a string is not a table */
	r = judge("INSERT INTO users_log VALUES ('film')");
	assert_int_equal(r.effects, 0);

	/* E'' strings honour backslashes: the quote inside does not end it */
	r = judge("INSERT INTO users_log VALUES (E'it\\'s; update film')");
	assert_int_equal(r.effects, 0);
}

static void test_ddl_and_settings(void **state)
{
	(void)state;
	sqlfe_stmtclass_result r = judge("ALTER TABLE film ENABLE ROW LEVEL SECURITY");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_WRITES | SQLFE_STMTCLASS_SETTINGS);
	assert_int_equal(r.tables[0], BIT(3));

	r = judge("SET search_path = other, public");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_SETTINGS);
	r = judge("reset all");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_SETTINGS);
	r = judge("SET ROLE reader");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_SETTINGS);
	r = judge("REVOKE SELECT ON film FROM reader");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_SETTINGS);
	r = judge("SELECT set_config('TimeZone', 'UTC', false)");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_SETTINGS);
	r = judge("DISCARD ALL");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_SETTINGS | SQLFE_STMTCLASS_FORGET_STMTS);
	r = judge("DEALLOCATE ALL");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_FORGET_STMTS);
}

static void test_unknown(void **state)
{
	static const char *const unknown[] = {
	        "DO $$ BEGIN UPDATE film SET jahr = 1; END $$",
	        "CALL refresh_everything()",
	        "EXECUTE p(1)",
	        "EXPLAIN ANALYZE EXECUTE p(1)",
	        "\"film\"",
	        "frobnicate film",
	        "SELECT 1; CALL p()",
	};
	(void)state;
	judge_each(unknown, sizeof(unknown) / sizeof(unknown[0]), true);
}

static void test_is_select(void **state)
{
	(void)state;
	assert_true(sqlfe_stmtclass_is_select("SELECT 1", 8, true));
	assert_true(sqlfe_stmtclass_is_select(" /* c */ ((select 1))", 21, true));
	assert_true(sqlfe_stmtclass_is_select("-- x\nSeLeCt * FROM film", 24, true));
	assert_false(sqlfe_stmtclass_is_select("DEALLOCATE \"cbo_1\"", 18, true));
	assert_false(sqlfe_stmtclass_is_select("WITH x AS (SELECT 1) SELECT * FROM x", 36, true));
	assert_false(sqlfe_stmtclass_is_select("selectx", 7, true));
	assert_false(sqlfe_stmtclass_is_select("", 0, true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_reads),
	        cmocka_unit_test(test_writes_named),
	        cmocka_unit_test(test_ddl_and_settings),
	        cmocka_unit_test(test_unknown),
	        cmocka_unit_test(test_is_select),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
