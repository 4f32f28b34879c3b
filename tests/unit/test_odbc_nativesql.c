/*
 * Unit test of odbc-driver/nativesql.c: statements split at top-level
 * semicolons, `?` markers numbered per statement, ODBC escapes translated
 * (with markers inside them), everything quoted or commented left alone;
 * statement classes; the rendering options of nsql_build; and the
 * catalog-argument rules of catalog.c (LIKE patterns, the lower-case retry).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "odbc-driver/catalog.h"
#include "odbc-driver/nativesql.h"

/* Parse text and render every statement with no options, joined by " | ". */
static char *render_all(const char *text, bool std, int *nstmts, int *nmarkers)
{
	nsql_stmt *s = NULL;
	int n = 0;
	assert_true(nsql_parse(text, strlen(text), std, &s, &n));
	size_t cap = 4 * strlen(text) + 64, len = 0;
	char *out = calloc(1, cap);
	assert_non_null(out);
	int markers = 0;
	for (int i = 0; i < n; i++) {
		char *b = nsql_build(&s[i], NULL, NULL);
		assert_non_null(b);
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " | " : "", b);
		free(b);
		markers += s[i].nmarkers;
	}
	nsql_free(s, n);
	*nstmts = n;
	*nmarkers = markers;
	return out;
}

static const struct {
	const char *in;
	const char *out;
	int stmts;
	int markers;
} cases[] = {
        {"SELECT 1", "SELECT 1", 1, 0},
        {"SELECT ?", "SELECT $1", 1, 1},
        {"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2", 1, 2},
        {"SELECT '?', ?", "SELECT '?', $1", 1, 1},
        {"SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1, 1},
        {"SELECT E'\\'?', ?", "SELECT E'\\'?', $1", 1, 1},
        {"SELECT '\\', ?", "SELECT '\\', $1", 1, 1},
        {"SELECT \"a?b\", ?", "SELECT \"a?b\", $1", 1, 1},
        {"SELECT $$?$$, ?", "SELECT $$?$$, $1", 1, 1},
        {"SELECT $tag$ $$ ? $tag$, ?", "SELECT $tag$ $$ ? $tag$, $1", 1, 1},
        {"SELECT a$b, ?", "SELECT a$b, $1", 1, 1},
        {"SELECT 1 -- ?; ?\n, ?", "SELECT 1 -- ?; ?\n, $1", 1, 1},
        {"SELECT /* ? /* ? */ ; */ ?", "SELECT /* ? /* ? */ ; */ $1", 1, 1},
        /* several statements: split at top-level semicolons, markers numbered per statement */
        {"SELECT 1; SELECT ?", "SELECT 1 |  SELECT $1", 2, 1},
        {"INSERT INTO t VALUES (?); UPDATE t SET a = ?", "INSERT INTO t VALUES ($1) |  UPDATE t SET a = $1", 2, 2},
        {"select 'a;b'; ; select $$;$$", "select 'a;b' |  select $$;$$", 2, 0},
        {"SELECT 1;", "SELECT 1", 1, 0},
        /* ODBC escapes */
        {"SELECT {d '2020-01-02'}", "SELECT '2020-01-02'::date", 1, 0},
        {"SELECT {t '10:11:12'}, {ts '2020-01-02 10:11:12'}",
         "SELECT '10:11:12'::time, '2020-01-02 10:11:12'::timestamp", 1, 0},
        {"SELECT {fn UCASE(?)}, {fn LENGTH('x')}", "SELECT upper($1), char_length('x')", 1, 1},
        {"SELECT {fn concat(?, ?)}", "SELECT concat(($1)::text, ($2)::text)", 1, 2},
        {"SELECT {fn CONVERT(?, SQL_INTEGER)}", "SELECT ($1)::int4", 1, 1},
        {"SELECT {fn NOW()}", "SELECT NOW()", 1, 0},
        {"SELECT * FROM {oj a LEFT JOIN b ON a.x = b.x}", "SELECT * FROM a LEFT JOIN b ON a.x = b.x", 1, 0},
        {"SELECT 'a' LIKE 'a\\%' {escape '\\'}", "SELECT 'a' LIKE 'a\\%' escape '\\'", 1, 0},
        {"{call f(?, ?)}", "SELECT f($1, $2)", 1, 2},
        {"SELECT '{d ''x''}'", "SELECT '{d ''x''}'", 1, 0},
        {"SELECT ARRAY[1]::int[], '{1,2}'", "SELECT ARRAY[1]::int[], '{1,2}'", 1, 0},
        {"SELECT {x}", "SELECT {x}", 1, 0},
        /* dollar quotes: nothing inside is a marker, an escape or a statement end */
        {"SELECT $a$ {fn UCASE(?)} ; $a$, ?", "SELECT $a$ {fn UCASE(?)} ; $a$, $1", 1, 1},
        {"SELECT $$ ' $$, ?", "SELECT $$ ' $$, $1", 1, 1},
        {"SELECT $q${d '2020-01-01'}$q$, {d '2020-01-02'}", "SELECT $q${d '2020-01-01'}$q$, '2020-01-02'::date", 1, 0},
        {"SELECT a$$b, ?", "SELECT a$$b, $1", 1, 1},
        {"SELECT $1, ?", "SELECT $1, $1", 1, 1},
        {"SELECT $x$ unterminated ?", "SELECT $x$ unterminated ?", 1, 0},
        /* nested comments */
        {"SELECT /* a /* {fn UCASE(?)} */ still ? */ {fn LCASE(?)}",
         "SELECT /* a /* {fn UCASE(?)} */ still ? */ lower($1)", 1, 1},
        {"SELECT 1 /* ; */; SELECT /* /* */ ; */ 2", "SELECT 1 /* ; */ |  SELECT /* /* */ ; */ 2", 2, 0},
        {"SELECT ? /* /* */ unterminated ?", "SELECT $1 /* /* */ unterminated ?", 1, 1},
        {"SELECT ?--?\n?", "SELECT $1--?\n$2", 1, 2},
        /* E'' strings: backslash escapes whatever standard_conforming_strings says */
        {"SELECT E'\\'{d ''x''}?', {d '2020-01-01'}", "SELECT E'\\'{d ''x''}?', '2020-01-01'::date", 1, 0},
        {"SELECT e'\\'?;', ?", "SELECT e'\\'?;', $1", 1, 1},
        {"SELECT typE'\\', ?", "SELECT typE'\\', $1", 1, 1},
        /* quoted identifiers holding braces */
        {"SELECT \"{fn x}\", \"a\"\"{\", ? FROM \"t{\"", "SELECT \"{fn x}\", \"a\"\"{\", $1 FROM \"t{\"", 1, 1},
        {"SELECT {fn UCASE(\"col{\")}", "SELECT upper(\"col{\")", 1, 0},
        {"{call \"my{proc\"(?)}", "SELECT \"my{proc\"($1)", 1, 1},
        /* operators around markers, and ODBC's {?=call} */
        {"SELECT a=?, b<>?, c::text||?", "SELECT a=$1, b<>$2, c::text||$3", 1, 3},
        /* SQL Server's last identity value */
        {"SELECT @@IDENTITY AS id", "SELECT lastval() AS id", 1, 0},
        {"SELECT '@@identity'", "SELECT '@@identity'", 1, 0},
        {"SELECT 'unterminated ?", "SELECT 'unterminated ?", 1, 0},
        {"", "", 1, 0},
        {"?,?,?,?,?,?,?,?,?,?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10", 1, 10},
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = -1, m = -1;
		char *out = render_all(cases[i].in, true, &n, &m);
		if (strcmp(out, cases[i].out) != 0 || n != cases[i].stmts || m != cases[i].markers) {
			print_error("case %zu: %s\n  want %s (%d, %d)\n  got  %s (%d, %d)\n", i, cases[i].in,
			            cases[i].out, cases[i].stmts, cases[i].markers, out, n, m);
			free(out);
			fail();
		}
		free(out);
	}
}

/* standard_conforming_strings off: a backslash escapes in '...' */
static void test_std_strings_off(void **state)
{
	(void)state;
	int n, m;
	char *out = render_all("SELECT '\\'?', ?; SELECT ?", false, &n, &m);
	assert_string_equal(out, "SELECT '\\'?', $1 |  SELECT $1");
	assert_int_equal(n, 2);
	assert_int_equal(m, 2);
	free(out);
	/* on: the backslash is a plain character, so the quote ends the string */
	out = render_all("SELECT '\\', ?", true, &n, &m);
	assert_string_equal(out, "SELECT '\\', $1");
	free(out);
}

/* the length argument is honoured: text after it is not read */
static void test_length(void **state)
{
	(void)state;
	nsql_stmt *s;
	int n;
	assert_true(nsql_parse("SELECT ?; garbage ?", 8, true, &s, &n));
	assert_int_equal(n, 1);
	char *b = nsql_build(&s[0], NULL, NULL);
	assert_string_equal(b, "SELECT $1");
	free(b);
	nsql_free(s, n);
}

/* markers: per statement, with their place in the whole text */
static void test_first_marker(void **state)
{
	(void)state;
	nsql_stmt *s;
	int n;
	const char *t = "INSERT INTO t VALUES (?, ?); UPDATE t SET a = ?; SELECT 1; DELETE FROM t WHERE a = ?";
	assert_true(nsql_parse(t, strlen(t), true, &s, &n));
	assert_int_equal(n, 4);
	assert_int_equal(s[0].nmarkers, 2);
	assert_int_equal(s[0].first_marker, 0);
	assert_int_equal(s[1].first_marker, 2);
	assert_int_equal(s[3].first_marker, 3);
	assert_int_equal(s[0].kind, NSQL_INSERT);
	assert_int_equal(s[1].kind, NSQL_UPDATE);
	assert_int_equal(s[2].kind, NSQL_SELECT);
	assert_int_equal(s[3].kind, NSQL_DELETE);
	nsql_free(s, n);
}

static void test_classify(void **state)
{
	(void)state;
	static const struct {
		const char *sql;
		nsql_kind kind;
	} k[] = {
	        {"select 1", NSQL_SELECT},
	        {"  (SELECT 1)", NSQL_SELECT},
	        {"WITH x AS (SELECT 1) SELECT 1", NSQL_WITH},
	        {"VACUUM t", NSQL_SPECIAL},
	        {"reindex table t", NSQL_SPECIAL},
	        {"CHECKPOINT", NSQL_SPECIAL},
	        {"BEGIN", NSQL_START},
	        {"start transaction", NSQL_START},
	        {"COMMIT", NSQL_TRANSACTION},
	        {"rollback", NSQL_TRANSACTION},
	        {"SAVEPOINT a", NSQL_TRANSACTION},
	        {"CALL p(1)", NSQL_CALL},
	        {"DECLARE c CURSOR FOR SELECT 1", NSQL_DECLARE},
	        {"FETCH 1 FROM c", NSQL_FETCH},
	        {"CREATE TABLE t (a int)", NSQL_DDL},
	        {"SET search_path = x", NSQL_DDL},
	        {"SHOW ALL", NSQL_OTHER},
	        {"/* c */ -- d\n INSERT INTO t VALUES (1)", NSQL_INSERT},
	};
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		if (nsql_classify(k[i].sql, strlen(k[i].sql)) != k[i].kind) {
			print_error("classify %s: want %d got %d\n", k[i].sql, (int)k[i].kind,
			            (int)nsql_classify(k[i].sql, strlen(k[i].sql)));
			fail();
		}
	}
}

static void test_find_keyword(void **state)
{
	(void)state;
	const char *t = "SELECT 'from' AS \"from\", (SELECT 1 FROM x) /* FROM */ FROM tab";
	size_t p = nsql_find_keyword(t, strlen(t), "FROM", true);
	assert_true(p != (size_t)-1);
	assert_string_equal(t + p, "FROM tab");
	assert_true(nsql_find_keyword("SELECT fromage", 14, "FROM", true) == (size_t)-1);
}

/* {call} and {? = call}: the call's arguments, outputs dropped, named notation */
static void test_call(void **state)
{
	(void)state;
	nsql_stmt *s;
	int n;
	const char *t = "{? = call f(?, ?)}";
	assert_true(nsql_parse(t, strlen(t), true, &s, &n));
	assert_int_equal(n, 1);
	assert_true(s[0].is_call);
	assert_true(s[0].proc_return);
	assert_int_equal(s[0].nmarkers, 3);
	/* the return value (marker 0) is an output: not an argument */
	bool outputs[3] = {true, false, false};
	int kept[3];
	nsql_build_opts o = {.outputs = outputs, .insert_at = (size_t)-1};
	char *b = nsql_build(&s[0], &o, kept);
	assert_string_equal(b, "SELECT f($1, $2)");
	assert_int_equal(kept[0], 0);
	assert_int_equal(kept[1], 1);
	assert_int_equal(kept[2], 2);
	free(b);
	nsql_free(s, n);

	/* written without spaces ("?=" is one operator to PostgreSQL) */
	static const char *const compact[] = {"{?=call f(?)}", "{ ?=call f(?)}", "{?= call f (?) }"};
	for (size_t i = 0; i < sizeof(compact) / sizeof(compact[0]); i++) {
		assert_true(nsql_parse(compact[i], strlen(compact[i]), true, &s, &n));
		assert_int_equal(n, 1);
		assert_true(s[0].is_call);
		assert_true(s[0].proc_return);
		assert_int_equal(s[0].nmarkers, 2);
		b = nsql_build(&s[0], &o, kept);
		assert_string_equal(b, "SELECT f($1)");
		free(b);
		nsql_free(s, n);
	}

	t = "{call p(?, ?, ?)}";
	assert_true(nsql_parse(t, strlen(t), true, &s, &n));
	bool out2[3] = {false, true, false};
	const char *names[3] = {"a", "b", "c"};
	const char *casts[3] = {"::int4", "", "::date"};
	nsql_build_opts o2 = {
	        .outputs = out2, .names = names, .casts = casts, .call_as_rows = true, .insert_at = (size_t)-1};
	b = nsql_build(&s[0], &o2, kept);
	assert_string_equal(b, "SELECT * FROM p(\"a\" := $1::int4, \"c\" := $2::date)");
	free(b);
	nsql_free(s, n);
}

/* casts after markers, but not where the text casts the marker itself */
static void test_casts_and_insert(void **state)
{
	(void)state;
	nsql_stmt *s;
	int n;
	const char *t = "SELECT a FROM t WHERE b = ? AND c = ?::text";
	assert_true(nsql_parse(t, strlen(t), true, &s, &n));
	assert_false(s[0].has_cast[0]);
	assert_true(s[0].has_cast[1]);
	const char *casts[2] = {"::int4", "::int4"};
	nsql_build_opts o = {.casts = casts, .insert_at = s[0].from_at, .insert = ", ctid "};
	char *b = nsql_build(&s[0], &o, NULL);
	assert_string_equal(b, "SELECT a , ctid FROM t WHERE b = $1::int4 AND c = $2::text");
	free(b);
	nsql_free(s, n);
}

/* catalog arguments: ODBC search patterns as LIKE patterns (psqlODBC's reading) */
static void test_like_pattern(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} p[] = {
	        {"abc", "abc"},     {"a%_", "a%_"},   {"a\\_b", "a\\_b"},   {"a\\%", "a\\%"},
	        {"a\\b", "a\\\\b"}, {"a\\", "a\\\\"}, {"\\\\", "\\\\\\\\"}, {"", ""},
	};
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		char *o = cat_like_pattern(p[i].in);
		assert_non_null(o);
		if (strcmp(o, p[i].out) != 0) {
			print_error("pattern %s: want %s got %s\n", p[i].in, p[i].out, o);
			free(o);
			fail();
		}
		free(o);
	}
	assert_null(cat_like_pattern(NULL));
}

/* the second try of a catalog function that found nothing */
static void test_lower_retry(void **state)
{
	(void)state;
	char *s = cat_lower_retry_name("EMP", false);
	assert_string_equal(s, "emp");
	free(s);
	assert_null(cat_lower_retry_name("Emp", false)); /* mixed case: as written */
	s = cat_lower_retry_name("Emp", true);           /* LowerCaseIdentifier */
	assert_string_equal(s, "emp");
	free(s);
	assert_null(cat_lower_retry_name("emp", false));
	assert_null(cat_lower_retry_name("", false));
	assert_null(cat_lower_retry_name(NULL, true));
	s = cat_lower_retry_name("T_1", false);
	assert_string_equal(s, "t_1");
	free(s);
}

/* COPY ... FROM STDIN / TO STDOUT is recognised by its words, not by a
 * column or a string that has those names */
static void test_copy_stdio(void **state)
{
	(void)state;
	static const struct {
		const char *sql;
		bool copy_stdio;
	} want[] = {
	        {"COPY t FROM STDIN", true},
	        {"copy t (a, b) from stdin with (format csv)", true},
	        {"COPY (SELECT 'x') TO STDOUT", true},
	        {"  /* c */ COPY t TO stdout", true},
	        {"COPY t (stdin, id) TO '/dev/null'", false},
	        {"COPY t FROM '/tmp/stdin'", false},
	        {"SELECT stdin FROM t", false},
	        {"COPY t TO PROGRAM 'cat'", false},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		nsql_stmt *st;
		int n;
		assert_true(nsql_parse(want[i].sql, strlen(want[i].sql), true, &st, &n));
		assert_int_equal(n, 1);
		if (st[0].copy_stdio != want[i].copy_stdio)
			fail_msg("copy_stdio of %s: %d", want[i].sql, (int)st[0].copy_stdio);
		nsql_free(st, n);
	}
}

/* psqlODBC's MS Access rewrite: exactly ("ident" = 1), outside quotes */
static void test_msjet_bools(void **state)
{
	(void)state;
	static const char *want[][2] = {
	        {"SELECT x FROM t WHERE (\"b\" = 1)", "SELECT x FROM t WHERE (\"b\"='1')"},
	        {"SELECT 1 WHERE (\"a\" = 1) AND (\"b c\" = 1)", "SELECT 1 WHERE (\"a\"='1') AND (\"b c\"='1')"},
	        {"SELECT 1 WHERE (\"a\" = 10)", NULL},
	        {"SELECT 1 WHERE (\"a\"= 1)", NULL},
	        {"SELECT 1 WHERE ( \"a\" = 1)", NULL},
	        {"SELECT 1 WHERE (a = 1)", NULL},
	        {"SELECT '(\"a\" = 1)'", NULL},
	        {"SELECT 1 /* (\"a\" = 1) */", NULL},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char buf[128];
		snprintf(buf, sizeof(buf), "%s", want[i][0]);
		nsql_msjet_bools(buf, strlen(buf), true);
		assert_string_equal(buf, want[i][1] ? want[i][1] : want[i][0]);
	}
}

/* psqlODBC's INSERT INTO t () VALUES () => INSERT INTO t DEFAULT VALUES */
static void test_insert_defaults(void **state)
{
	(void)state;
	static const char *want[][2] = {
	        {"insert into testtab2 () values ()", "insert into testtab2 DEFAULT VALUES"},
	        {"INSERT INTO t() VALUES () RETURNING id", "INSERT INTO t DEFAULT VALUES RETURNING id"},
	        {"INSERT INTO t ()  VALUES\t()", "INSERT INTO t DEFAULT VALUES"},
	        {"INSERT INTO t () VALUES (1)", NULL},
	        {"INSERT INTO t () VALUES()", NULL},
	        {"INSERT INTO t (a) VALUES ()", NULL},
	        {"INSERT INTO t VALUES ('() values ()')", NULL},
	        {"SELECT f() values ()", NULL},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		nsql_stmt *st;
		int n;
		assert_true(nsql_parse(want[i][0], strlen(want[i][0]), true, &st, &n));
		assert_int_equal(n, 1);
		char *sql = nsql_build(&st[0], &(nsql_build_opts){.insert_at = (size_t)-1}, NULL);
		assert_non_null(sql);
		assert_string_equal(sql, want[i][1] ? want[i][1] : want[i][0]);
		free(sql);
		nsql_free(st, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cases),
	        cmocka_unit_test(test_std_strings_off),
	        cmocka_unit_test(test_length),
	        cmocka_unit_test(test_first_marker),
	        cmocka_unit_test(test_classify),
	        cmocka_unit_test(test_find_keyword),
	        cmocka_unit_test(test_call),
	        cmocka_unit_test(test_casts_and_insert),
	        cmocka_unit_test(test_like_pattern),
	        cmocka_unit_test(test_lower_retry),
	        cmocka_unit_test(test_copy_stdio),
	        cmocka_unit_test(test_msjet_bools),
	        cmocka_unit_test(test_insert_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
