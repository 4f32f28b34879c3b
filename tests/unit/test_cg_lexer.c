/*
 * Unit tests of cachegroup/lexer.c.
 *
 * Each case is an input and the tokens it must yield, written as
 * "kind:text@line:col" so a failing case prints what differed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cachegroup/lexer.h"

static const char *short_kind(cg_tok_kind k)
{
	switch (k) {
	case CG_TOK_EOF:
		return "eof";
	case CG_TOK_NEWLINE:
		return "nl";
	case CG_TOK_IDENT:
		return "id";
	case CG_TOK_QIDENT:
		return "qid";
	case CG_TOK_NUMBER:
		return "num";
	case CG_TOK_STRING:
		return "str";
	case CG_TOK_DOT:
		return "dot";
	case CG_TOK_COMMA:
		return "comma";
	case CG_TOK_LPAREN:
		return "lp";
	case CG_TOK_RPAREN:
		return "rp";
	case CG_TOK_ARROW:
		return "arrow";
	case CG_TOK_ERROR:
		return "err";
	}
	return "?";
}

/* Lex src and render all tokens up to EOF, space-separated. */
static void render(const char *src, char *out, size_t outsz)
{
	cg_lexer lx;
	cg_token tok;
	size_t used = 0;

	cg_lex_init(&lx, src, strlen(src));
	out[0] = '\0';
	for (int guard = 0; guard < 200; guard++) {
		assert_true(cg_lex_next(&lx, &tok));
		int n;
		if (tok.kind == CG_TOK_ERROR)
			n = snprintf(out + used, outsz - used, "%serr(%s)@%d:%d", used ? " " : "", lx.errmsg, tok.line,
			             tok.col);
		else if (tok.len > 0)
			n = snprintf(out + used, outsz - used, "%s%s:%s@%d:%d", used ? " " : "", short_kind(tok.kind),
			             tok.text, tok.line, tok.col);
		else
			n = snprintf(out + used, outsz - used, "%s%s@%d:%d", used ? " " : "", short_kind(tok.kind),
			             tok.line, tok.col);
		assert_true(n > 0 && (size_t)n < outsz - used);
		used += (size_t)n;
		if (tok.kind == CG_TOK_EOF)
			break;
	}
	cg_lex_free(&lx);
}

struct lex_case {
	const char *src;
	const char *expect;
};

static const struct lex_case cases[] = {
        {"", "eof@1:1"},
        {"cachegroup Movies\n", "id:cachegroup@1:1 id:movies@1:12 nl@1:18 eof@2:1"},
        {"rcc regisseur.id -> film.regie",
         "id:rcc@1:1 id:regisseur@1:5 dot@1:14 id:id@1:15 arrow@1:18 id:film@1:21 dot@1:25 id:regie@1:26 eof@1:31"},
        {"rcc a.b->c.d", "id:rcc@1:1 id:a@1:5 dot@1:6 id:b@1:7 arrow@1:8 id:c@1:10 dot@1:11 id:d@1:12 eof@1:13"},
        {"table \"Mixed\"\"Case\" # comment\n-- whole line\n",
         "id:table@1:1 qid:Mixed\"Case@1:7 nl@1:30 nl@2:14 eof@3:1"},
        {"fill film.genre values (1, -2, 3.5, 'a''b')",
         "id:fill@1:1 id:film@1:6 dot@1:10 id:genre@1:11 id:values@1:17 lp@1:24 num:1@1:25 comma@1:26 num:-2@1:28 "
         "comma@1:30 num:3.5@1:32 comma@1:35 str:a'b@1:37 rp@1:43 eof@1:44"},
        {"table ört x", "id:table@1:1 id:ört@1:7 id:x@1:11 eof@1:12"},
        {"values (1e5, 2E-3)", "id:values@1:1 lp@1:8 num:1e5@1:9 comma@1:12 num:2E-3@1:14 rp@1:18 eof@1:19"},
        {"\"unterminated\nnext", "err(unterminated quoted identifier)@1:1 nl@1:14 id:next@2:1 eof@2:5"},
        {"'open", "err(unterminated string)@1:1 eof@1:6"},
        {"\"\"", "err(zero-length quoted identifier)@1:1 eof@1:3"},
        {"a - b", "id:a@1:1 err(unexpected '-')@1:3 id:b@1:5 eof@1:6"},
        {"a ; b", "id:a@1:1 err(unexpected character ';')@1:3 id:b@1:5 eof@1:6"},
        {"12abc x", "err(trailing junk after number \"12\")@1:1 id:x@1:7 eof@1:8"},
        {"x\r\ny", "id:x@1:1 nl@1:3 id:y@2:1 eof@2:2"},
        {"tbl$1 _x", "id:tbl$1@1:1 id:_x@1:7 eof@1:9"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "err(identifier is 64 bytes long, more than 63)@1:1 eof@1:65"},
};

static void test_cases(void **state)
{
	(void)state;
	char got[2048];
	int failures = 0;
	for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
		render(cases[i].src, got, sizeof(got));
		if (strcmp(got, cases[i].expect) != 0) {
			print_error("case %zu: %s\n  expected: %s\n  got:      %s\n", i, cases[i].src, cases[i].expect,
			            got);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* Input with a NUL byte inside: the length, not the NUL, ends the input. */
static void test_nul_byte(void **state)
{
	(void)state;
	static const char src[] = {'a', ' ', '\0', ' ', 'b'};
	cg_lexer lx;
	cg_token tok;
	cg_lex_init(&lx, src, sizeof(src));
	assert_true(cg_lex_next(&lx, &tok));
	assert_int_equal(tok.kind, CG_TOK_IDENT);
	assert_true(cg_lex_next(&lx, &tok));
	assert_int_equal(tok.kind, CG_TOK_ERROR);
	assert_string_equal(lx.errmsg, "NUL byte in file");
	assert_int_equal(tok.col, 3);
	assert_true(cg_lex_next(&lx, &tok));
	assert_int_equal(tok.kind, CG_TOK_IDENT);
	assert_string_equal(tok.text, "b");
	assert_true(cg_lex_next(&lx, &tok));
	assert_int_equal(tok.kind, CG_TOK_EOF);
	cg_lex_free(&lx);
}

/* Every error carries a hint that tells the fix. */
static void test_errors_have_hints(void **state)
{
	(void)state;
	const char *bad[] = {"\"x", "'x", "\"\"", "-", ";", "1a", "\x01"};
	for (size_t i = 0; i < CB_ARRAY_LEN(bad); i++) {
		cg_lexer lx;
		cg_token tok;
		cg_lex_init(&lx, bad[i], strlen(bad[i]));
		assert_true(cg_lex_next(&lx, &tok));
		assert_int_equal(tok.kind, CG_TOK_ERROR);
		assert_true(strlen(lx.hint) > 10);
		cg_lex_free(&lx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cases),
	        cmocka_unit_test(test_nul_byte),
	        cmocka_unit_test(test_errors_have_hints),
	};
	return cmocka_run_group_tests_name("cg_lexer", tests, NULL, NULL);
}
