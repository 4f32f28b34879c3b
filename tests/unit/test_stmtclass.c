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

/* Sorted by strcmp, as the cache reads them from pg_proc. */
static const char *const harmless[] = {"count", "generate_series", "left", "lower", "now", "sum", "upper"};

/*
 * What the catalog says (sorted by name): a regisseur's key cascades to
 * film (bit 3) and darst_film (bit 5) of group 0; a TRUNCATE of genre
 * empties film too; the log table has an audit trigger.
 */
static const sqlfe_stmtclass_reach reach[] = {
        {.name = "genre", .writes = {0}, .truncates = {(1 << 1) | (1 << 3)}},
        {.name = "regisseur",
         .writes = {(1 << 2) | (1 << 3) | (1 << 5)},
         .truncates = {(1 << 2) | (1 << 3) | (1 << 5)}},
        {.name = "users_audited", .any = true},
};

static sqlfe_stmtclass_tables tables(void)
{
	sqlfe_stmtclass_tables t;
	memset(&t, 0, sizeof(t));
	t.harmless = harmless;
	t.nharmless = sizeof(harmless) / sizeof(harmless[0]);
	t.reach = reach;
	t.nreach = sizeof(reach) / sizeof(reach[0]);
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
			if (r.effects != 0 || r.writes_some)
				fail_msg("\"%s\": effects %#x (writes_some %d), expected none", sqls[i], r.effects,
				         r.writes_some);
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
	assert_int_equal(r.tables[0], BIT(2) | BIT(3) | BIT(5)); /* the foreign keys cascade */

	/* quoted names keep their case: "Film" is group 1's table, not film */
	r = judge("UPDATE \"Film\" SET x = 1");
	assert_int_equal(r.tables[0], 0);
	assert_int_equal(r.tables[1], BIT(1));

	r = judge("TRUNCATE genre");
	assert_int_equal(r.tables[0], BIT(1) | BIT(3));

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

/* writes_some: a write of a table it names, whether the cache has the table or not (the driver's commit wait). */
static void test_writes_some(void **state)
{
	(void)state;
	static const char *const some[] = {"INSERT INTO audit VALUES (1)",
	                                   "UPDATE film SET titel = 'x'",
	                                   "DELETE FROM audit",
	                                   "TRUNCATE audit",
	                                   "WITH d AS (DELETE FROM audit) SELECT 1",
	                                   "CREATE TABLE t2 (a int)",
	                                   "COPY audit FROM STDIN"};
	for (size_t i = 0; i < sizeof(some) / sizeof(some[0]); i++)
		if (!judge(some[i]).writes_some)
			fail_msg("\"%s\": writes_some false", some[i]);
	/* with no cache tables at all (the ODBC driver's judge), a write of any table still says so */
	sqlfe_stmtclass_tables none = {0};
	sqlfe_stmtclass_result r;
	const char *ins = "INSERT INTO film VALUES (1)";
	sqlfe_stmtclass_classify(ins, strlen(ins), true, &none, &r);
	assert_true(r.writes_some);
	assert_int_equal(r.effects & SQLFE_STMTCLASS_WRITES, 0);
	const char *sel = "SELECT * FROM film";
	sqlfe_stmtclass_classify(sel, strlen(sel), true, &none, &r);
	assert_false(r.writes_some);
}

static void test_ddl_and_settings(void **state)
{
	(void)state;
	sqlfe_stmtclass_result r = judge("ALTER TABLE film ENABLE ROW LEVEL SECURITY");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_WRITES | SQLFE_STMTCLASS_SETTINGS | SQLFE_STMTCLASS_DDL);
	assert_int_equal(r.tables[0], BIT(3));
	/* ALTER/DROP TYPE: the type's columns are in tables it does not name (an enum's renamed label) */
	r = judge("ALTER TYPE freigabe RENAME VALUE 'ab 6' TO 'ab 6 J'");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_WRITES_ALL | SQLFE_STMTCLASS_SETTINGS | SQLFE_STMTCLASS_DDL);
	r = judge("drop type freigabe cascade");
	assert_true(r.effects & SQLFE_STMTCLASS_WRITES_ALL);
	r = judge("ALTER TABLE type ADD COLUMN x int"); /* a table named type: only what it names */
	assert_false(r.effects & SQLFE_STMTCLASS_WRITES_ALL);
	r = judge("CREATE TYPE mood AS ENUM ('sad', 'ok')");
	assert_false(r.effects & SQLFE_STMTCLASS_WRITES_ALL);

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

static void test_reach(void **state)
{
	(void)state;
	sqlfe_stmtclass_result r = judge("UPDATE regisseur SET id = 7 WHERE id = 3");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_WRITES);
	assert_int_equal(r.tables[0], BIT(2) | BIT(3) | BIT(5));
	/* a read of it writes nothing */
	r = judge("SELECT * FROM regisseur");
	assert_int_equal(r.effects, 0);
	/* a table with a trigger (or a rule, or a view) may write anything */
	r = judge("INSERT INTO users_audited VALUES (1)");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_WRITES_ALL);
	r = judge("SELECT * FROM users_audited");
	assert_int_equal(r.effects, 0);
}

/* Calls of functions: harmless, set_config, or anything. */
static void test_calls(void **state)
{
	(void)state;
	static const char *const harmless_calls[] = {
	        "SELECT lower(titel), count(*) FROM film GROUP BY lower(titel) ORDER BY lower(titel)",
	        "SELECT pg_catalog.upper('x'), left('abc', 2), now()",
	        "SELECT * FROM generate_series(1, 3) g(x)",
	        "SELECT * FROM film f (a, b, c)",
	        "SELECT * FROM film AS f (a, b, c)",
	        "WITH x (a) AS (SELECT 1) SELECT * FROM x",
	        "WITH RECURSIVE x (a) AS (SELECT 1) SELECT * FROM x",
	        "WITH x AS MATERIALIZED (SELECT 1) SELECT * FROM x",
	        "SELECT count(*) OVER (PARTITION BY a ORDER BY (b)) FROM film",
	        "SELECT sum(a) FILTER (WHERE a > 1) FROM film",
	        "SELECT CAST(x AS numeric(10,2)), x::varchar(3), x::character varying(4), coalesce(a, b), "
	        "EXISTS (SELECT 1), a IN (1, 2), extract(year from d), substring(t from 2), row(1, 2), "
	        "greatest(1, 2), nullif(a, b), trim(both from t), ARRAY(SELECT 1), interval second(3)",
	        "SELECT * FROM film JOIN (SELECT 1) x ON true",
	        "SELECT * FROM film WHERE titel LIKE ('a%') AND (a, b) OVERLAPS (c, d)",
	        "SELECT * FROM film TABLESAMPLE SYSTEM (10) REPEATABLE (1)",
	        "SELECT * FROM film ORDER BY id FETCH FIRST (3) ROWS ONLY",
	        "SELECT a FROM film GROUP BY GROUPING SETS ((a), ()), ROLLUP (a), CUBE (b)",
	        "SELECT t AT TIME ZONE ('UTC') FROM film",
	        "PREPARE p (int) AS SELECT lower($1)",
	        "EXPLAIN (ANALYZE, BUFFERS) SELECT 1",
	        "SELECT * FROM (SELECT 1) x (a)",
	};
	judge_each(harmless_calls, sizeof(harmless_calls) / sizeof(harmless_calls[0]), false);

	sqlfe_stmtclass_result r = judge("INSERT INTO film (id, titel) VALUES (1, lower('x'))");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_WRITES);
	assert_int_equal(r.tables[0], BIT(3));
	r = judge("INSERT INTO public.film (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET (a, b) = (1, 2)");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_WRITES);
	r = judge("COPY film (id, titel) FROM STDIN");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_WRITES | SQLFE_STMTCLASS_COPY);
	r = judge("CREATE INDEX i ON film (lower(titel), my_func(titel))");
	assert_int_equal(r.effects, SQLFE_STMTCLASS_WRITES | SQLFE_STMTCLASS_SETTINGS | SQLFE_STMTCLASS_DDL);

	/* set_config changes settings, however it is spelt */
	static const char *const set_configs[] = {
	        "SELECT set_config('role', 'r_nosel', false)",
	        "SELECT \"set_config\"('role', 'r_nosel', false)",
	        "SELECT pg_catalog.set_config('search_path', 'other', false)",
	        "select SET_CONFIG ('extra_float_digits', '3', false)",
	};
	for (size_t i = 0; i < sizeof(set_configs) / sizeof(set_configs[0]); i++) {
		r = judge(set_configs[i]);
		if (r.effects != SQLFE_STMTCLASS_SETTINGS)
			fail_msg("\"%s\": effects %#x, expected settings", set_configs[i], r.effects);
	}

	/* any other function may write anything and change settings (plpgsql calling set_config) */
	static const char *const unknown_calls[] = {
	        "SELECT become_nosel()",
	        "SELECT \"Lower\"(titel) FROM film",
	        "SELECT public.lower(titel) FROM film",
	        "SELECT titel FROM film WHERE id = my_id(1)",
	        "SELECT a, f(x) FROM film",
	        "SELECT * FROM film ORDER BY f(x)",
	        "SELECT my_type_fn(1)::text",
	        "CREATE TABLE t AS SELECT f()",
	        "UPDATE film SET titel = f(titel)",
	        "SELECT x FROM film WHERE x = ANY (f())",
	};
	for (size_t i = 0; i < sizeof(unknown_calls) / sizeof(unknown_calls[0]); i++) {
		r = judge(unknown_calls[i]);
		if ((r.effects & ~(unsigned)SQLFE_STMTCLASS_DDL) !=
		    (SQLFE_STMTCLASS_CALLS | SQLFE_STMTCLASS_WRITES_ALL | SQLFE_STMTCLASS_SETTINGS))
			fail_msg("\"%s\": effects %#x, expected a call that may do anything", unknown_calls[i],
			         r.effects);
	}
}

static void test_forgets(void **state)
{
	(void)state;
	char name[64];
	const char *one[] = {"DEALLOCATE cbo_3", "deallocate prepare \"cbo_4\";", " /* x */ DEALLOCATE \"A b\""};
	const char *names[] = {"cbo_3", "cbo_4", "A b"};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(sqlfe_stmtclass_forgets(one[i], strlen(one[i]), true, name, sizeof(name)),
		                 SQLFE_FORGET_ONE);
		assert_string_equal(name, names[i]);
	}
	const char *all[] = {"DEALLOCATE ALL", "DEALLOCATE PREPARE ALL", "DISCARD ALL", "DEALLOCATE a; DEALLOCATE b",
	                     "DEALLOCATE \"unterminated"};
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(sqlfe_stmtclass_forgets(all[i], strlen(all[i]), true, name, sizeof(name)),
		                 SQLFE_FORGET_ALL);
}

static void test_begins(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		sqlfe_stmtclass_begin want;
	} cases[] = {
	        {"BEGIN", SQLFE_BEGIN_DEFAULT},
	        {"begin;", SQLFE_BEGIN_DEFAULT},
	        {" /* c */ BEGIN WORK -- x", SQLFE_BEGIN_DEFAULT},
	        {"BEGIN TRANSACTION READ ONLY", SQLFE_BEGIN_DEFAULT},
	        {"START TRANSACTION READ WRITE, NOT DEFERRABLE", SQLFE_BEGIN_DEFAULT},
	        {"BEGIN ISOLATION LEVEL READ COMMITTED", SQLFE_BEGIN_READ_COMMITTED},
	        {"start transaction read only isolation level read uncommitted;", SQLFE_BEGIN_READ_COMMITTED},
	        {"BEGIN ISOLATION LEVEL REPEATABLE READ", SQLFE_BEGIN_STRICTER},
	        {"BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE", SQLFE_BEGIN_STRICTER},
	        {"BEGIN ISOLATION LEVEL SERIALIZABLE ISOLATION LEVEL READ COMMITTED", SQLFE_BEGIN_STRICTER},
	        {"BEGIN ISOLATION LEVEL READ COMMITTED, ISOLATION LEVEL REPEATABLE READ", SQLFE_BEGIN_STRICTER},
	        {"BEGIN; SELECT 1", SQLFE_BEGIN_NONE},
	        {"BEGIN;;", SQLFE_BEGIN_NONE},
	        {"BEGIN, READ ONLY", SQLFE_BEGIN_NONE},
	        {"BEGIN READ, ONLY", SQLFE_BEGIN_NONE},
	        {"BEGIN READ ONLY,", SQLFE_BEGIN_NONE},
	        {"BEGIN ISOLATION LEVEL", SQLFE_BEGIN_NONE},
	        {"BEGIN ISOLATION LEVEL SNAPSHOT", SQLFE_BEGIN_NONE},
	        {"START", SQLFE_BEGIN_NONE},
	        {"START WORK", SQLFE_BEGIN_NONE},
	        {"\"begin\"", SQLFE_BEGIN_NONE},
	        {"BEGIN 'x", SQLFE_BEGIN_NONE},
	        {"COMMIT", SQLFE_BEGIN_NONE},
	        {"SELECT 1", SQLFE_BEGIN_NONE},
	        {"", SQLFE_BEGIN_NONE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sqlfe_stmtclass_begin got = sqlfe_stmtclass_begins(cases[i].text, strlen(cases[i].text), true);
		if (got != cases[i].want)
			fail_msg("%s: %d, want %d", cases[i].text, (int)got, (int)cases[i].want);
	}
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
	        cmocka_unit_test(test_reads),       cmocka_unit_test(test_writes_named),
	        cmocka_unit_test(test_writes_some), cmocka_unit_test(test_ddl_and_settings),
	        cmocka_unit_test(test_reach),       cmocka_unit_test(test_calls),
	        cmocka_unit_test(test_forgets),     cmocka_unit_test(test_begins),
	        cmocka_unit_test(test_unknown),     cmocka_unit_test(test_is_select),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
