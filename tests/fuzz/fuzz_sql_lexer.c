/*
 * libFuzzer target for the SQL lexer (sql/lexer.c), the plan-key scan
 * (sql/plankey.c) and the statement judge (sql/stmtclass.c): the code
 * that reads every statement text a client sends through cbcached.
 *
 * The input's first byte chooses standard_conforming_strings (bit 0); the
 * rest is the statement text, copied to the heap at its exact size (no
 * NUL after it), so a read past the end is a finding.  Properties
 * asserted besides "no crash":
 *   lexer: tokens are non-empty, in order, without overlap, inside the
 *     text; what lies between them (and after the last) is whitespace and
 *     comments only, and is there exactly when the token says blank_before;
 *     a character token is one byte; after the end or an error token the
 *     lexer stays there; an identifier it reads fits PostgreSQL's 63 bytes.
 *   plan key: scanning twice gives the same key and hash; a buffer of
 *     2 * len + 1 suffices (a larger one changes nothing); the hash is the
 *     key's; the key holds one placeholder per recorded literal and
 *     nothing else with the mark byte; the literals lie in order inside
 *     the text and each is found by its offset; and a text whose int4 and
 *     '...' literals are replaced by other values of the same kind gets
 *     the same key (what the plan cache relies on).
 *   judge: the cache tables it says are written are tables it was given;
 *     a name DEALLOCATE drops fits its buffer.
 * Built with clang (-fsanitize=fuzzer,address,undefined) when configure
 * found it; `make check` runs it briefly over tests/fuzz/corpus-sql
 * (tests/fuzz/test_sql_lexer_fuzz.sh), `make fuzz` for longer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/lexer.h"
#include "sql/plankey.h"
#include "sql/stmtclass.h"
#include "tests/fuzz/fuzz.h"

static bool space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Whether text[from, to) is whitespace and comments (block comments nest) only. */
static bool blank(const char *text, size_t from, size_t to)
{
	size_t i = from;
	while (i < to) {
		if (space(text[i])) {
			i++;
		} else if (i + 1 < to && text[i] == '-' && text[i + 1] == '-') {
			while (i < to && text[i] != '\n' && text[i] != '\r')
				i++;
		} else if (i + 1 < to && text[i] == '/' && text[i + 1] == '*') {
			int depth = 0;
			while (i < to) {
				if (i + 1 < to && text[i] == '/' && text[i + 1] == '*') {
					depth++;
					i += 2;
				} else if (i + 1 < to && text[i] == '*' && text[i + 1] == '/') {
					i += 2;
					if (--depth == 0)
						break;
				} else {
					i++;
				}
			}
			if (depth != 0)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

static void check_lexer(const char *text, size_t len, bool std)
{
	sqlfe_lexer lx;
	sqlfe_token t;
	sqlfe_lexer_init(&lx, text, len, std);
	size_t prev_end = 0;
	while (sqlfe_lexer_next(&lx, &t)) {
		CHECK(t.kind != SQLFE_TOK_END && t.kind != SQLFE_TOK_ERROR);
		CHECK(t.start >= prev_end && t.start < t.end && t.end <= len);
		CHECK(blank(text, prev_end, t.start));
		CHECK(t.blank_before == (t.start > prev_end));
		if (t.kind == SQLFE_TOK_CHAR)
			CHECK(t.end == t.start + 1);
		if (t.kind == SQLFE_TOK_PARAM)
			CHECK(text[t.start] == '$');
		if (t.kind == SQLFE_TOK_WORD || t.kind == SQLFE_TOK_QIDENT) {
			char id[SQLFE_IDENT_MAX + 1];
			if (sqlfe_lexer_ident(&lx, &t, id, sizeof(id)))
				CHECK(strlen(id) <= SQLFE_IDENT_MAX);
		}
		prev_end = t.end;
	}
	CHECK(t.kind == SQLFE_TOK_END || t.kind == SQLFE_TOK_ERROR);
	if (t.kind == SQLFE_TOK_END)
		CHECK(blank(text, prev_end, len));
	sqlfe_token again;
	CHECK(!sqlfe_lexer_next(&lx, &again) && again.kind == t.kind);
}

/* text with its int4 literals replaced by 7 and its '...' literals by 'v'; NULL when none is. */
static char *replaced(const char *text, size_t len, const sqlfe_plankey *pk, size_t *out_len)
{
	char *out = malloc(len + 1);
	size_t n = 0, from = 0;
	bool any = false;
	if (out == NULL)
		return NULL;
	for (int i = 0; i < pk->nlits; i++) {
		const sqlfe_literal *l = &pk->lits[i];
		const char *with = NULL;
		if (l->kind == SQLFE_LIT_INT4 && l->quoting == SQLFE_Q_NONE)
			with = "7";
		else if (l->kind == SQLFE_LIT_STRING && l->quoting == SQLFE_Q_PLAIN && l->len >= 3)
			with = "'v'";
		if (with == NULL)
			continue;
		memcpy(out + n, text + from, l->offset - from);
		n += l->offset - from;
		memcpy(out + n, with, strlen(with)); /* never longer than the literal */
		n += strlen(with);
		from = l->offset + l->len;
		any = true;
	}
	memcpy(out + n, text + from, len - from);
	n += len - from;
	*out_len = n;
	if (!any) {
		free(out);
		return NULL;
	}
	return out;
}

static void check_plankey(const char *text, size_t len, bool std)
{
	size_t cap = 2 * len + 1;
	char *k1 = malloc(cap), *k2 = malloc(2 * cap + 16);
	sqlfe_plankey *p1 = malloc(sizeof(*p1)), *p2 = malloc(sizeof(*p2));
	if (k1 == NULL || k2 == NULL || p1 == NULL || p2 == NULL)
		goto out;
	bool ok1 = sqlfe_plankey_scan(text, len, std, k1, cap, p1);
	bool ok2 = sqlfe_plankey_scan(text, len, std, k2, 2 * cap + 16, p2);
	CHECK(ok1 == ok2);
	if (!ok1)
		goto out;
	CHECK(p1->key_len == p2->key_len && memcmp(k1, k2, p1->key_len + 1) == 0 && p1->hash == p2->hash);
	CHECK(p1->key_len < cap && k1[p1->key_len] == '\0');
	CHECK(p1->hash == sqlfe_plankey_hash(k1, p1->key_len));
	CHECK(p1->nlits >= 0 && p1->nlits <= SQLFE_PLANKEY_MAX_LITS);
	int marks = 0;
	for (size_t i = 0; i < p1->key_len; i++) {
		if (k1[i] != SQLFE_PLANKEY_MARK)
			continue;
		CHECK(i + 1 < p1->key_len && strchr("ILNS", k1[i + 1]) != NULL && k1[i + 1] != '\0');
		CHECK(k1[i + 1] == (char)p1->lits[marks].kind);
		marks++;
	}
	CHECK(marks == p1->nlits);
	uint32_t after = 0;
	for (int i = 0; i < p1->nlits; i++) {
		const sqlfe_literal *l = &p1->lits[i];
		CHECK(l->offset >= after && l->len > 0 && (size_t)l->offset + l->len <= len);
		CHECK(sqlfe_plankey_find(p1, l->offset) == i);
		after = l->offset + l->len;
		char small[4], big[64];
		size_t n1 = sqlfe_plankey_value(text, l, small, sizeof(small));
		size_t n2 = sqlfe_plankey_value(text, l, big, sizeof(big));
		CHECK(n1 == n2 && n1 <= l->len && strlen(small) <= sizeof(small) - 1);
		CHECK(n1 >= sizeof(big) || strlen(big) <= n1);
	}

	size_t rlen;
	char *r = replaced(text, len, p1, &rlen);
	if (r != NULL) {
		sqlfe_plankey *pr = malloc(sizeof(*pr));
		char *kr = malloc(2 * rlen + 1);
		if (pr != NULL && kr != NULL) {
			CHECK(sqlfe_plankey_scan(r, rlen, std, kr, 2 * rlen + 1, pr));
			CHECK(pr->key_len == p1->key_len && memcmp(kr, k1, p1->key_len) == 0);
			CHECK(pr->nlits == p1->nlits);
		}
		free(pr);
		free(kr);
		free(r);
	}
out:
	free(k1);
	free(k2);
	free(p1);
	free(p2);
}

static void check_stmtclass(const char *text, size_t len, bool std)
{
	static const char *const names[] = {"film", "actor", "public.rental"};
	static const char *const harmless[] = {"lower", "now", "upper"};
	sqlfe_stmtclass_tables t;
	memset(&t, 0, sizeof(t));
	t.ngroups = 1;
	t.ntables[0] = 3;
	t.names[0] = names;
	t.harmless = harmless;
	t.nharmless = 3;
	sqlfe_stmtclass_result r;
	sqlfe_stmtclass_classify(text, len, std, &t, &r);
	CHECK((r.tables[0] & ~(uint64_t)7) == 0);
	for (size_t g = 1; g < SQLFE_STMTCLASS_MAX_GROUPS; g++)
		CHECK(r.tables[g] == 0);
	(void)sqlfe_stmtclass_is_select(text, len, std);
	char name[16];
	if (sqlfe_stmtclass_forgets(text, len, std, name, sizeof(name)) == SQLFE_FORGET_ONE)
		CHECK(memchr(name, '\0', sizeof(name)) != NULL);
	(void)sqlfe_stmtclass_begins(text, len, std);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool std = (data[0] & 1) != 0;
	size_t len = size - 1;
	char *text = malloc(len > 0 ? len : 1);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, len);
	check_lexer(text, len, std);
	check_plankey(text, len, std);
	check_stmtclass(text, len, std);
	free(text);
	return 0;
}
