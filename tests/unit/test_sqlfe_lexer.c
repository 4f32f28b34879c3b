/*
 * Unit tests of sql/lexer.c, the one PostgreSQL lexer: hand-written cases
 * from the rules of PostgreSQL 15's scan.l, identifier decoding, and a
 * comparison with PostgreSQL's own scanner (libpg_query's pg_query_scan)
 * on random token sequences: every token boundary must be PostgreSQL's.
 * The seed is printed; set SQLFE_SEED to reproduce a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>
#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "sql/keywords.h"
#include "sql/lexer.h"
#include "tests/unit/testrand.h"

/* The tokens of sql as "kind:text" joined by spaces (E for the error token). */
static void tokens(const char *sql, bool std_strings, char *out, size_t cap)
{
	sqlfe_lexer lx;
	sqlfe_token t;
	size_t n = 0;
	static const char kinds[] = "$WQSNPOCE";
	sqlfe_lexer_init(&lx, sql, strlen(sql), std_strings);
	out[0] = '\0';
	for (;;) {
		bool more = sqlfe_lexer_next(&lx, &t);
		if (t.kind == SQLFE_TOK_END)
			break;
		n += (size_t)snprintf(out + n, cap - n, "%s%c:%.*s", n ? " " : "", kinds[t.kind],
		                      (int)(t.end - t.start), sql + t.start);
		assert_true(n < cap);
		if (!more)
			break;
	}
}

static void expect(const char *sql, bool std_strings, const char *want)
{
	char got[1024];
	tokens(sql, std_strings, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("tokens of [%s]\n  want: %s\n  got:  %s", sql, want, got);
}

static void test_basic(void **state)
{
	(void)state;
	expect("SELECT a, b FROM t WHERE x = 5", true, "W:SELECT W:a C:, W:b W:FROM W:t W:WHERE W:x O:= N:5");
	expect("a$b $1 $12.", true, "W:a$b P:$1 P:$12 C:.");
	expect("1.5 .5 1e5 2. 1.e5 1..2", true, "N:1.5 N:.5 N:1e5 N:2. N:1.e5 N:1 O:.. N:2");
	expect("x.5", true, "W:x N:.5");
	expect("a::int := 1", true, "W:a O::: W:int O::= N:1");
	expect("ü_x9 ü", true, "W:ü_x9 W:ü");
}

static void test_operators(void **state)
{
	(void)state;
	/* a trailing + or - is its own operator unless the run has one of ~!@#^&|`?% */
	expect("a=-5", true, "W:a O:= O:- N:5");
	expect("a@-5 b!-1 c+-2", true, "W:a O:@- N:5 W:b O:!- N:1 W:c O:+ O:- N:2");
	expect("a<=>b", true, "W:a O:<=> W:b");
	/* a comment start ends an operator */
	expect("a+--x\n1", true, "W:a O:+ N:1");
	expect("a*/* c */1", true, "W:a O:* N:1");
	expect("( ) [ ] ; , $", true, "C:( C:) C:[ C:] C:; C:, C:$");
}

static void test_strings(void **state)
{
	(void)state;
	expect("'it''s' E'a\\'b' $$x'y$$ $t$ $$ $t$", true, "S:'it''s' S:E'a\\'b' S:$$x'y$$ S:$t$ $$ $t$");
	expect("B'101' X'1F' N'n'", true, "S:B'101' S:X'1F' W:N S:'n'");
	/* a backslash escapes only with standard_conforming_strings off */
	expect("'a\\' ; y'", true, "S:'a\\' C:; W:y E:'");
	expect("'a\\' ; y'", false, "S:'a\\' ; y'");
	/* the continuation: whitespace with a newline, -- comments allowed, block comments not */
	expect("'a'\n'b' x", true, "S:'a'\n'b' W:x");
	expect("'a' -- c\n 'b'", true, "S:'a' -- c\n 'b'");
	expect("'a' 'b'", true, "S:'a' S:'b'");
	expect("'a' /* c */\n'b'", true, "S:'a' S:'b'");
	/* Unicode strings and identifiers, with UESCAPE */
	expect("U&'d\\0061t' x", true, "S:U&'d\\0061t' W:x");
	expect("U&\"d!0061t\" UESCAPE '!' x", true, "Q:U&\"d!0061t\" UESCAPE '!' W:x");
	expect("U&'a'", false, "E:U&'a'");
	/* a dollar sign inside an identifier does not open a dollar quote */
	expect("a$b$ c", true, "W:a$b$ W:c");
	expect("$1$", true, "P:$1 C:$");
}

static void test_errors(void **state)
{
	(void)state;
	expect("SELECT 'abc", true, "W:SELECT E:'abc");
	expect("SELECT \"abc", true, "W:SELECT E:\"abc");
	expect("SELECT \"\" x", true, "W:SELECT E:\"\" x");
	expect("SELECT $x$abc", true, "W:SELECT E:$x$abc");
	expect("SELECT 1 /* open /* */", true, "W:SELECT N:1 E:/* open /* */");
	expect("SELECT 5abc", true, "W:SELECT E:5abc");
	expect("SELECT 1e", true, "W:SELECT E:1e");
	expect("SELECT 1e+", true, "W:SELECT E:1e+");
	expect("SELECT $1a", true, "W:SELECT E:$1a");
}

static void ident(const char *sql, const char *want)
{
	sqlfe_lexer lx;
	sqlfe_token t;
	char got[128];
	sqlfe_lexer_init(&lx, sql, strlen(sql), true);
	assert_true(sqlfe_lexer_next(&lx, &t));
	if (want == NULL) {
		assert_false(sqlfe_lexer_ident(&lx, &t, got, sizeof(got)));
		return;
	}
	assert_true(sqlfe_lexer_ident(&lx, &t, got, sizeof(got)));
	if (strcmp(got, want) != 0)
		fail_msg("identifier of [%s]\n  want: %s\n  got:  %s", sql, want, got);
}

static void test_identifiers(void **state)
{
	(void)state;
	ident("Film", "film");
	ident("FÜR", "fÜr"); /* only ASCII letters fold */
	ident("\"Film\"", "Film");
	ident("\"a\"\"b\"", "a\"b");
	ident("U&\"fil\\006d\"", "film");
	ident("U&\"\\+01F600x\"", "\xf0\x9f\x98\x80x");
	ident("U&\"\\D83D\\DE00\"", "\xf0\x9f\x98\x80");
	ident("U&\"fil!006d\" UESCAPE '!'", "film");
	ident("U&\"a\\\\b\"", "a\\b");
	ident("U&\"a\\00\"", NULL);   /* too few digits */
	ident("U&\"a\\D83D\"", NULL); /* a lone surrogate */
	ident("U&\"a\\0000\"", NULL); /* NUL */
	ident("'x'", NULL);
	/* PostgreSQL keeps 63 bytes, cut at a character boundary */
	char longname[80], want[64];
	memset(longname, 'a', 70);
	longname[70] = '\0';
	memset(want, 'a', 63);
	want[63] = '\0';
	ident(longname, want);
	char mb[80];
	memset(mb, 'a', 62);
	memcpy(mb + 62, "\xc3\xbc\xc3\xbc", 5); /* 62 bytes, then a 2-byte character across the limit */
	want[62] = '\0';
	ident(mb, want);
}

static void test_word_is(void **state)
{
	(void)state;
	sqlfe_lexer lx;
	sqlfe_token t;
	sqlfe_lexer_init(&lx, "SeLeCt selected \"select\"", 24, true);
	assert_true(sqlfe_lexer_next(&lx, &t));
	assert_true(sqlfe_lexer_word_is(&lx, &t, "select"));
	assert_false(sqlfe_lexer_word_is(&lx, &t, "selec"));
	assert_true(sqlfe_lexer_next(&lx, &t));
	assert_false(sqlfe_lexer_word_is(&lx, &t, "select"));
	assert_true(sqlfe_lexer_next(&lx, &t));
	assert_false(sqlfe_lexer_word_is(&lx, &t, "select"));
}

/* --- against PostgreSQL's scanner ------------------------------------------------- */

static const char *pieces[] = {
        "SELECT", "a",     "t1",   "\"Q x\"", "\"a\"\"b\"", "FROM",     "=",     "<",
        "<=",     "::",    ":=",   "->>",     "@-",         "!=",       "+",     "-",
        "*",      "/",     "||",   "~~*",     "(",          ")",        "[",     "]",
        ",",      ";",     ".",    "..",      "$1",         "$12",      "a$b",   "_z9",
        "ü",      "5",     "0042", "1.5",     ".5",         "1e5",      "2.",    "1e-3",
        "1.e3",   "'x'",   "''",   "'it''s'", "E'abc'",     "e'a\\'b'", "$$q$$", "$t$ x $$ $t$",
        "B'101'", "X'1F'", "N'n'", "'--'",    "'/*'",       ":",        "?",     "%",
        "^",      "#",     "&",    "|",       "`",          "=>",       "$",     "@",
        "~",      "!",
};
static const char *separators[] = {"", " ", "  ", "\n", "\t", " /* c */ ", " -- c\n", "/**/", "\n\n ", "\r\n"};

/* Our token boundaries of sql (errors: false). */
static bool ours(const char *sql, uint32_t *starts, uint32_t *ends, int *n, int max)
{
	sqlfe_lexer lx;
	sqlfe_token t;
	*n = 0;
	sqlfe_lexer_init(&lx, sql, strlen(sql), true);
	while (sqlfe_lexer_next(&lx, &t)) {
		assert_true(*n < max);
		starts[*n] = t.start;
		ends[*n] = t.end;
		(*n)++;
	}
	return t.kind != SQLFE_TOK_ERROR;
}

static void test_against_postgresql_scanner(void **state)
{
	(void)state;
	rnd_seed(20261204);
	int compared = 0, both_errors = 0;
	for (int iter = 0; iter < 20000; iter++) {
		char sql[1024];
		size_t n = 0;
		int ntok = 1 + (int)rnd(16);
		const char *prev = NULL;
		for (int i = 0; i < ntok; i++) {
			const char *sep = separators[rnd(sizeof(separators) / sizeof(separators[0]))];
			const char *p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];
			/*
			 * libpg_query's scanner keeps comments as tokens and so does
			 * not continue a string across "--" and a newline, as
			 * PostgreSQL does (test_strings checks ours): not compared.
			 */
			if (prev != NULL && strchr(sep, '-') && strchr(prev, '\'') && p[0] == '\'')
				sep = "\n";
			n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s%s", i ? sep : "", p);
			prev = p;
		}
		uint32_t s[256], e[256];
		int k = 0;
		bool ok = ours(sql, s, e, &k, 256);
		PgQueryScanResult r = pg_query_scan(sql);
		if (r.error != NULL) {
			/* PostgreSQL refuses the text: so must we, somewhere */
			if (ok)
				fail_msg("PostgreSQL's scanner refuses [%s] (%s), ours does not", sql,
				         r.error->message);
			both_errors++;
			pg_query_free_scan_result(r);
			continue;
		}
		if (!ok)
			fail_msg("ours refuses [%s], PostgreSQL's scanner does not", sql);
		PgQuery__ScanResult *sr = pg_query__scan_result__unpack(NULL, r.pbuf.len, (const uint8_t *)r.pbuf.data);
		assert_non_null(sr);
		int j = 0;
		for (size_t i = 0; i < sr->n_tokens; i++) {
			const PgQuery__ScanToken *t = sr->tokens[i];
			if (t->token == PG_QUERY__TOKEN__SQL_COMMENT || t->token == PG_QUERY__TOKEN__C_COMMENT)
				continue;
			if (j >= k || s[j] != (uint32_t)t->start || e[j] != (uint32_t)t->end)
				fail_msg("token %d of [%s]: PostgreSQL [%d,%d) \"%.*s\", ours [%u,%u)", j, sql,
				         t->start, t->end, t->end - t->start, sql + t->start, j < k ? s[j] : 0,
				         j < k ? e[j] : 0);
			j++;
		}
		if (j != k)
			fail_msg("[%s]: PostgreSQL has %d tokens, ours %d", sql, j, k);
		compared++;
		pg_query__scan_result__free_unpacked(sr, NULL);
		pg_query_free_scan_result(r);
	}
	fprintf(stderr, "%d statements compared token by token, %d refused by both\n", compared, both_errors);
	assert_true(compared > 10000);
	assert_true(both_errors > 100);
}

/* The keyword kind libpg_query's scanner gives word, -1 when it is not one token. */
static int pg_keyword_kind(const char *word)
{
	PgQueryScanResult r = pg_query_scan(word);
	int kind = -1;
	if (r.error == NULL) {
		PgQuery__ScanResult *sr = pg_query__scan_result__unpack(NULL, r.pbuf.len, (const uint8_t *)r.pbuf.data);
		if (sr != NULL && sr->n_tokens == 1)
			kind = (int)sr->tokens[0]->keyword_kind;
		pg_query__scan_result__free_unpacked(sr, NULL);
	}
	pg_query_free_scan_result(r);
	return kind;
}

/*
 * sql/keywords.c against PostgreSQL's: every word of the table has the
 * category libpg_query's scanner gives it, and every keyword token of
 * libpg_query's grammar (its token names: ABORT_P is "abort") is in the
 * table.
 */
static void test_keywords(void **state)
{
	(void)state;
	static const int expect[] = {
	        [SQLFE_KW_UNRESERVED] = PG_QUERY__KEYWORD_KIND__UNRESERVED_KEYWORD,
	        [SQLFE_KW_COL_NAME] = PG_QUERY__KEYWORD_KIND__COL_NAME_KEYWORD,
	        [SQLFE_KW_TYPE_FUNC_NAME] = PG_QUERY__KEYWORD_KIND__TYPE_FUNC_NAME_KEYWORD,
	        [SQLFE_KW_RESERVED] = PG_QUERY__KEYWORD_KIND__RESERVED_KEYWORD,
	};
	size_t n = 0;
	sqlfe_keyword cat;
	for (const char *w; (w = sqlfe_keyword_at(n, &cat)) != NULL; n++) {
		if (pg_keyword_kind(w) != expect[cat])
			fail_msg("keyword \"%s\": ours %d, PostgreSQL's %d", w, expect[cat], pg_keyword_kind(w));
		assert_int_equal(sqlfe_keyword_lookup(w), cat);
		if (n > 0) {
			const char *prev = sqlfe_keyword_at(n - 1, NULL);
			if (strcmp(prev, w) >= 0)
				fail_msg("keywords out of order: \"%s\" before \"%s\"", prev, w);
		}
	}
	size_t seen = 0;
	const ProtobufCEnumDescriptor *d = &pg_query__token__descriptor;
	for (unsigned i = 0; i < d->n_values; i++) {
		char w[64];
		size_t len = strlen(d->values[i].name);
		if (len >= sizeof(w))
			continue;
		for (size_t k = 0; k <= len; k++)
			w[k] = (char)(d->values[i].name[k] >= 'A' && d->values[i].name[k] <= 'Z'
			                      ? d->values[i].name[k] - 'A' + 'a'
			                      : d->values[i].name[k]);
		if (len > 2 && strcmp(w + len - 2, "_p") == 0)
			w[len - 2] = '\0';
		int kind = pg_keyword_kind(w);
		if (kind <= 0)
			continue; /* not a keyword (IDENT, operators, ...) */
		seen++;
		if (sqlfe_keyword_lookup(w) == SQLFE_KW_NONE)
			fail_msg("PostgreSQL's keyword \"%s\" is missing from sql/keywords.c", w);
	}
	assert_int_equal(sqlfe_keyword_lookup("film"), SQLFE_KW_NONE);
	assert_int_equal(sqlfe_keyword_lookup("selectx"), SQLFE_KW_NONE);
	fprintf(stderr, "%zu keywords, %zu keyword tokens of libpg_query checked\n", n, seen);
	assert_true(seen == n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_basic),
	        cmocka_unit_test(test_operators),
	        cmocka_unit_test(test_strings),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_identifiers),
	        cmocka_unit_test(test_word_is),
	        cmocka_unit_test(test_against_postgresql_scanner),
	        cmocka_unit_test(test_keywords),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
