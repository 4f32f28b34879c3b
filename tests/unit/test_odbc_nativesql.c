/*
 * Unit test of odbc-driver/nativesql.c: `?` markers to $n and ODBC escapes,
 * with everything quoted or commented left alone.  One case per line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "odbc-driver/nativesql.h"

static const struct {
	const char *in;
	const char *out;
	int markers;
} cases[] = {
        {"SELECT 1", "SELECT 1", 0},
        {"SELECT ?", "SELECT $1", 1},
        {"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2", 2},
        {"SELECT '?', ?", "SELECT '?', $1", 1},
        {"SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1},
        {"SELECT E'\\'?', ?", "SELECT E'\\'?', $1", 1},
        {"SELECT '\\', ?", "SELECT '\\', $1", 1},
        {"SELECT \"a?b\", ?", "SELECT \"a?b\", $1", 1},
        {"SELECT \"a\"\"?\", ?", "SELECT \"a\"\"?\", $1", 1},
        {"SELECT $$?$$, ?", "SELECT $$?$$, $1", 1},
        {"SELECT $tag$ $$ ? $tag$, ?", "SELECT $tag$ $$ ? $tag$, $1", 1},
        {"SELECT $1, ?", "SELECT $1, $1", 1},
        {"SELECT a$b, ?", "SELECT a$b, $1", 1},
        {"SELECT 1 -- ?\n, ?", "SELECT 1 -- ?\n, $1", 1},
        {"SELECT /* ? /* ? */ ? */ ?", "SELECT /* ? /* ? */ ? */ $1", 1},
        {"SELECT 4 - 2 / 1, ?", "SELECT 4 - 2 / 1, $1", 1},
        {"SELECT {d '2020-01-02'}", "SELECT DATE '2020-01-02'", 0},
        {"SELECT {t '10:11:12'}, {ts '2020-01-02 10:11:12'}", "SELECT TIME '10:11:12', TIMESTAMP '2020-01-02 10:11:12'",
         0},
        {"SELECT {fn lower(?)}", "SELECT  lower($1)", 1},
        {"SELECT * FROM {oj a LEFT JOIN b ON a.x = b.x}", "SELECT * FROM  a LEFT JOIN b ON a.x = b.x", 0},
        {"SELECT 'a' LIKE 'a\\%' {escape '\\'}", "SELECT 'a' LIKE 'a\\%' ESCAPE '\\'", 0},
        {"SELECT '{d ''x''}'", "SELECT '{d ''x''}'", 0},
        {"SELECT ARRAY[1]::int[], '{1,2}'", "SELECT ARRAY[1]::int[], '{1,2}'", 0},
        {"SELECT {x}", "SELECT {x}", 0},
        {"SELECT 'unterminated ?", "SELECT 'unterminated ?", 0},
        {"", "", 0},
        {"?,?,?,?,?,?,?,?,?,?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10", 10},
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		int n = -1;
		assert_true(nsql_translate(cases[i].in, strlen(cases[i].in), &out, &n));
		if (strcmp(out, cases[i].out) != 0 || n != cases[i].markers) {
			print_error("case %zu: %s\n  want %s (%d)\n  got  %s (%d)\n", i, cases[i].in, cases[i].out,
			            cases[i].markers, out, n);
			free(out);
			fail();
		}
		free(out);
	}
}

/* the length argument is honoured: text after it is not read */
static void test_length(void **state)
{
	(void)state;
	char *out;
	int n;
	assert_true(nsql_translate("SELECT ?; garbage ?", 8, &out, &n));
	assert_string_equal(out, "SELECT $1");
	assert_int_equal(n, 1);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cases),
	        cmocka_unit_test(test_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
