/*
 * Unit tests of sql/plankey.c: the literal-stripping scan behind plan keys.
 *
 * Keys are shown with the placeholder byte 0x01 written as '?' by
 * show(); the expected keys below are written by hand from the rules in
 * sql/plankey.h.
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

#include "sql/plankey.h"

typedef struct scanned {
	bool ok;
	char key[1024];
	char shown[1024];
	sqlfe_plankey pk;
} scanned;

static void scan_std(const char *sql, bool std_strings, scanned *out)
{
	size_t len = strlen(sql);

	memset(out, 0, sizeof(*out));
	assert_true(2 * len + 1 <= sizeof(out->key));
	out->ok = sqlfe_plankey_scan(sql, len, std_strings, out->key, sizeof(out->key), &out->pk);
	if (out->ok) {
		for (size_t i = 0; i <= out->pk.key_len; i++)
			out->shown[i] = out->key[i] == SQLFE_PLANKEY_MARK ? '?' : out->key[i];
	}
}

static void scan(const char *sql, scanned *out)
{
	scan_std(sql, true, out);
}

static void expect_key(const char *sql, const char *shown)
{
	scanned s;

	scan(sql, &s);
	if (!s.ok)
		fail_msg("no key for: %s", sql);
	if (strcmp(s.shown, shown) != 0)
		fail_msg("key of: %s\n  want: %s\n  got:  %s", sql, shown, s.shown);
}

static void expect_lit(const char *sql, int idx, char kind, const char *value)
{
	scanned s;
	char buf[256];

	scan(sql, &s);
	assert_true(s.ok);
	assert_true(idx < s.pk.nlits);
	assert_int_equal(s.pk.lits[idx].kind, kind);
	sqlfe_plankey_value(sql, &s.pk.lits[idx], buf, sizeof(buf));
	if (strcmp(buf, value) != 0)
		fail_msg("literal %d of: %s\n  want: %s\n  got:  %s", idx, sql, value, buf);
}

static void test_strip_basic(void **state)
{
	(void)state;
	expect_key("SELECT * FROM t WHERE a = 5 AND b = 'x'", "SELECT * FROM t WHERE a = ?I AND b = ?S");
	expect_key("select  a\n\tfrom t  where a=5", "select a from t where a=?I");
	expect_key("SELECT a FROM t WHERE a IN (1, 2,3)", "SELECT a FROM t WHERE a IN (?I, ?I,?I)");
	expect_key("  SELECT 1  ", "SELECT ?I");
	expect_key("SELECT a FROM t1 WHERE a = $1 AND b = $12", "SELECT a FROM t1 WHERE a = $1 AND b = $12");
	expect_key("SELECT a FROM t WHERE a = -5", "SELECT a FROM t WHERE a = -?I");
	/* positions after BY stay, values after LIMIT/OFFSET/FETCH do not */
	expect_key("SELECT a FROM t WHERE a = 5 ORDER BY 2 DESC, 1 LIMIT 5 OFFSET 7",
	           "SELECT a FROM t WHERE a = ?I ORDER BY 2 DESC, 1 LIMIT ?I OFFSET ?I");
	expect_key("select a from t order by 1 fetch first 3 rows only; select 4",
	           "select a from t order by 1 fetch first ?I rows only; select ?I");
	expect_key("SELECT a FROM t GROUP BY 1 ORDER BY 'x'", "SELECT a FROM t GROUP BY 1 ORDER BY ?S");
	expect_key("SELECT a FROM t WHERE a = 2147483647 OR a = 2147483648 OR a = 9223372036854775808",
	           "SELECT a FROM t WHERE a = ?I OR a = ?L OR a = ?N");
	expect_key("SELECT 1.5, .5, 1e5, 1E-3, 2.", "SELECT ?N, ?N, ?N, ?N, ?N");
	expect_lit("SELECT a FROM t WHERE a = 00042", 0, SQLFE_LIT_INT4, "00042");
	expect_lit("SELECT 1.25e3", 0, SQLFE_LIT_NUMERIC, "1.25e3");
}

static void test_quoting(void **state)
{
	(void)state;
	expect_lit("SELECT a FROM t WHERE b = 'it''s'", 0, SQLFE_LIT_STRING, "it's");
	expect_lit("SELECT a FROM t WHERE b = E'abc'", 0, SQLFE_LIT_STRING, "abc");
	expect_lit("SELECT a FROM t WHERE b = e'a''b'", 0, SQLFE_LIT_STRING, "a'b");
	/* an E string with backslashes stays in the key */
	expect_key("SELECT a FROM t WHERE b = E'a\\'b' AND c = 1", "SELECT a FROM t WHERE b = E'a\\'b' AND c = ?I");
	expect_lit("SELECT $$a'b$$", 0, SQLFE_LIT_STRING, "a'b");
	expect_lit("SELECT $tag$ x $$ y $tag$", 0, SQLFE_LIT_STRING, " x $$ y ");
	expect_key("SELECT $q$--not a comment$q$, 1", "SELECT ?S, ?I");
	/* quoted identifiers are copied verbatim, digits and quotes inside included */
	expect_key("SELECT \"col 5\", \"a\"\"b\" FROM \"T\" WHERE x = 5",
	           "SELECT \"col 5\", \"a\"\"b\" FROM \"T\" WHERE x = ?I");
	/* B'' and X'' literals stay; N'' is the keyword NCHAR and a string */
	expect_key("SELECT B'101', X'1F', N'abc', 7", "SELECT B'101', X'1F', N?S, ?I");
	/* the '--' inside a string is not a comment */
	expect_key("SELECT '--x' FROM t", "SELECT ?S FROM t");
	/* string contents never leak into the key */
	expect_key("SELECT 'a /* b' FROM t WHERE c = 1", "SELECT ?S FROM t WHERE c = ?I");
}

static void test_comments_and_casts(void **state)
{
	(void)state;
	expect_key("SELECT a -- comment 5\nFROM t WHERE a = 1 /* x /* nested */ 7 */ AND b = 2",
	           "SELECT a FROM t WHERE a = ?I AND b = ?I");
	expect_key("SELECT a/**/FROM t", "SELECT a FROM t");
	expect_key("SELECT '5'::int, a::text FROM t", "SELECT ?S::int, a::text FROM t");
	/* typmods are stripped; the parse sends such statements to the backend */
	expect_key("SELECT a::varchar(5) FROM t", "SELECT a::varchar(?I) FROM t");
	/* identifiers with digits and dollars stay */
	expect_key("SELECT t1.c2, a$1 FROM t2", "SELECT t1.c2, a$1 FROM t2");
	/* "1..2" is PostgreSQL's integer, "..", integer */
	expect_key("SELECT 1..2", "SELECT ?I..?I");
}

static void expect_nokey(const char *sql, bool std_strings)
{
	scanned s;

	scan_std(sql, std_strings, &s);
	if (s.ok)
		fail_msg("a key was made for: %s", sql);
}

static void test_no_key(void **state)
{
	(void)state;
	expect_nokey("SELECT U&'d\\0061t' FROM t", true);
	expect_nokey("SELECT U&\"d\\0061t\" FROM t", true);
	expect_nokey("SELECT 'a' 'b'", true);
	expect_nokey("SELECT 'a'\n'b'", true);
	expect_nokey("SELECT 'a' -- c\n 'b'", true);
	expect_nokey("SELECT 'abc", true);
	expect_nokey("SELECT \"abc", true);
	expect_nokey("SELECT $x$abc", true);
	expect_nokey("SELECT 1 /* open", true);
	expect_nokey("SELECT '\x01'", true);
	/* PostgreSQL 15 refuses junk after a number or a parameter */
	expect_nokey("SELECT 5abc FROM t", true);
	expect_nokey("SELECT 1e+ FROM t", true);
	expect_nokey("SELECT $1x FROM t", true);
	expect_nokey("SELECT 'a\\'b'", false);
	/* with standard_conforming_strings off, a string without backslashes is fine */
	{
		scanned s;
		scan_std("SELECT 'ab' FROM t", false, &s);
		assert_true(s.ok);
		assert_string_equal(s.shown, "SELECT ?S FROM t");
	}
}

/* Both statements of each pair get a plan key; the two keys (and their
 * hashes and literal counts) are the same when same, else they differ. */
static void check_pairs(const char *(*pairs)[2], size_t n, bool same)
{
	for (size_t i = 0; i < n; i++) {
		scanned a, b;
		scan(pairs[i][0], &a);
		scan(pairs[i][1], &b);
		assert_true(a.ok && b.ok);
		if (same) {
			if (strcmp(a.key, b.key) != 0)
				fail_msg("different keys for\n  %s\n  %s", pairs[i][0], pairs[i][1]);
			assert_true(a.pk.hash == b.pk.hash);
			assert_int_equal(a.pk.nlits, b.pk.nlits);
		} else {
			if (a.pk.key_len == b.pk.key_len && memcmp(a.key, b.key, a.pk.key_len) == 0)
				fail_msg("same key for\n  %s\n  %s", pairs[i][0], pairs[i][1]);
			assert_true(a.pk.hash != b.pk.hash);
		}
	}
}

static void test_different_meaning_different_key(void **state)
{
	static const char *pairs[][2] = {
	        {"SELECT a FROM t WHERE a = 1", "SELECT a FROM t WHERE a = 1.0"},
	        {"SELECT a FROM t WHERE a = 1", "SELECT a FROM t WHERE a = '1'"},
	        {"SELECT a FROM t WHERE a = 1", "SELECT a FROM t WHERE a = 3000000000"},
	        {"SELECT a FROM t WHERE a = 1", "SELECT a FROM t WHERE a = $1"},
	        {"SELECT a FROM t WHERE a = 1", "SELECT a FROM t WHERE b = 1"},
	        {"SELECT a FROM t WHERE a = 1", "SELECT a FROM t WHERE a < 1"},
	        {"SELECT a FROM t WHERE a IN (1, 2)", "SELECT a FROM t WHERE a IN (1, 2, 3)"},
	        {"SELECT a FROM t WHERE b = E'\\n'", "SELECT a FROM t WHERE b = '\\n'"},
	        {"SELECT \"a b\" FROM t", "SELECT a b FROM t"},
	        {"SELECT a, b FROM t ORDER BY 1", "SELECT a, b FROM t ORDER BY 2"},
	        {"SELECT a/*c*/b FROM t", "SELECT ab FROM t"},
	        {"SELECT a FROM t WHERE a = -1", "SELECT a FROM t WHERE a = 1"},
	        {"SELECT \"x?I\" FROM t", "SELECT \"x5\" FROM t"},
	        {"SELECT 'a' FROM t", "SELECT \"a\" FROM t"},
	        {"SELECT 1 FROM t", "SELECT B'1' FROM t"},
	};
	(void)state;
	check_pairs(pairs, sizeof(pairs) / sizeof(pairs[0]), false);
}

static void test_same_shape_same_key(void **state)
{
	static const char *pairs[][2] = {
	        {"SELECT a FROM t WHERE a = 1", "SELECT a FROM t WHERE a = 22"},
	        {"SELECT a FROM t WHERE b = 'x'", "SELECT a FROM t WHERE b = 'yy''z'"},
	        {"SELECT a FROM t WHERE a IN (1,2)", "SELECT a FROM t WHERE a IN (3,4)"},
	        {"SELECT a FROM t WHERE a = 1.5", "SELECT a FROM t WHERE a = 2e10"},
	        {"SELECT a  FROM t\nWHERE a = 1", "SELECT a FROM t WHERE a = 7 -- note"},
	        {"SELECT a FROM t WHERE b = $$x$$", "SELECT a FROM t WHERE b = 'y'"},
	};
	(void)state;
	check_pairs(pairs, sizeof(pairs) / sizeof(pairs[0]), true);
}

static void test_positions(void **state)
{
	const char *sql = "SELECT a FROM t WHERE a = 42 AND b = 'x''y' AND c = $$z$$";
	scanned s;
	char buf[16];
	size_t n;

	(void)state;
	scan(sql, &s);
	assert_true(s.ok);
	assert_int_equal(s.pk.nlits, 3);
	assert_int_equal(s.pk.lits[0].offset, strstr(sql, "42") - sql);
	assert_int_equal(s.pk.lits[0].len, 2);
	assert_int_equal(s.pk.lits[1].offset, strstr(sql, "'x") - sql);
	assert_int_equal(s.pk.lits[1].len, 6);
	assert_int_equal(s.pk.lits[2].offset, strstr(sql, "$$z") - sql);
	assert_int_equal(sqlfe_plankey_find(&s.pk, s.pk.lits[1].offset), 1);
	assert_int_equal(sqlfe_plankey_find(&s.pk, 3), -1);
	/* value() reports the full length when the buffer is short */
	n = sqlfe_plankey_value(sql, &s.pk.lits[1], buf, 2);
	assert_int_equal(n, 3);
	assert_string_equal(buf, "x");
}

static void test_many_literals(void **state)
{
	char sql[2048], want[4096];
	size_t n = 0, w = 0;
	scanned *s = malloc(sizeof(*s));
	char key[4096];

	(void)state;
	assert_non_null(s);
	n += (size_t)snprintf(sql + n, sizeof(sql) - n, "SELECT a FROM t WHERE a IN (");
	w += (size_t)snprintf(want + w, sizeof(want) - w, "SELECT a FROM t WHERE a IN (");
	for (int i = 0; i < SQLFE_PLANKEY_MAX_LITS + 6; i++) {
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s%d", i ? "," : "", i);
		if (i < SQLFE_PLANKEY_MAX_LITS)
			w += (size_t)snprintf(want + w, sizeof(want) - w, "%s?I", i ? "," : "");
		else
			w += (size_t)snprintf(want + w, sizeof(want) - w, ",%d", i);
	}
	snprintf(sql + n, sizeof(sql) - n, ")");
	snprintf(want + w, sizeof(want) - w, ")");
	assert_true(sqlfe_plankey_scan(sql, strlen(sql), true, key, sizeof(key), &s->pk));
	assert_int_equal(s->pk.nlits, SQLFE_PLANKEY_MAX_LITS);
	for (size_t i = 0; i < s->pk.key_len; i++)
		if (key[i] == SQLFE_PLANKEY_MARK)
			key[i] = '?';
	assert_string_equal(key, want);
	/* a key buffer too small is refused, not overrun */
	assert_false(sqlfe_plankey_scan(sql, strlen(sql), true, key, 10, &s->pk));
	free(s);
}

static void test_speed(void **state)
{
	const char *sql = "SELECT f.titel, o.name FROM film f, ort o WHERE f.regie = 4711 AND f.ort = o.plz "
	                  "AND f.titel LIKE 'Der%' ORDER BY f.jahr LIMIT 10";
	size_t len = strlen(sql);
	char key[512];
	sqlfe_plankey pk;
	struct timespec t0, t1;
	const int iters = 20000;
	double ns;

	(void)state;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (int i = 0; i < iters; i++)
		assert_true(sqlfe_plankey_scan(sql, len, true, key, sizeof(key), &pk));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / iters;
	fprintf(stderr, "plankey scan: %.0f ns per %zu-byte statement\n", ns, len);
	/* generous bound (sanitizer and valgrind builds are slow); the budget is a few hundred ns */
	assert_true(ns < 100000.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_strip_basic),
	        cmocka_unit_test(test_quoting),
	        cmocka_unit_test(test_comments_and_casts),
	        cmocka_unit_test(test_no_key),
	        cmocka_unit_test(test_different_meaning_different_key),
	        cmocka_unit_test(test_same_shape_same_key),
	        cmocka_unit_test(test_positions),
	        cmocka_unit_test(test_many_literals),
	        cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
