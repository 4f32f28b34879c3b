/*
 * plankey.c - the literal-stripping scan behind plan keys.
 *
 * Functions prefix: sqlfe_plankey_
 *
 * The tokens come from the one lexer (sql/lexer.h), so a key never
 * disagrees with PostgreSQL about where a literal, a quoted identifier or
 * a comment ends; this file decides which tokens are literals and writes
 * the key (see plankey.h).  The text between literals goes into the key in
 * runs: a token that follows the previous one directly or after one space
 * stands in the key as in the text, so it needs no copy of its own.
 */
#include <string.h>

#include "sql/lexer.h"
#include "sql/plankey.h"

typedef struct keyout {
	char *out;
	size_t cap; /* bytes usable (the caller's capacity minus the NUL) */
	size_t n;
} keyout;

static inline bool put(keyout *k, const char *p, size_t n)
{
	if (k->n + n > k->cap)
		return false;
	memcpy(k->out + k->n, p, n);
	k->n += n;
	return true;
}

/* Kind of an unsigned digit string. */
static sqlfe_lit_kind int_kind(const char *p, size_t n)
{
	uint64_t v = 0;

	while (n > 1 && *p == '0') {
		p++;
		n--;
	}
	if (n > 19)
		return SQLFE_LIT_NUMERIC;
	for (size_t k = 0; k < n; k++) {
		unsigned d = (unsigned)(p[k] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return SQLFE_LIT_NUMERIC;
		v = v * 10 + d;
	}
	if (v <= 2147483647u)
		return SQLFE_LIT_INT4;
	if (v <= 9223372036854775807u)
		return SQLFE_LIT_INT8;
	return SQLFE_LIT_NUMERIC;
}

typedef enum verdict { V_VERBATIM, V_LITERAL, V_NOKEY } verdict;

/* What a string token is for the key; *q its quoting as a literal. */
static verdict string_verdict(const sqlfe_lexer *lx, const sqlfe_token *t, sqlfe_lit_quoting *q)
{
	if (t->continued)
		return V_NOKEY; /* PostgreSQL joins the two strings: not one literal of the text */
	switch ((sqlfe_quoting)t->quoting) {
	case SQLFE_QUOTE_PLAIN:
		if (t->backslash && !lx->std_strings)
			return V_NOKEY;
		*q = SQLFE_Q_PLAIN;
		return V_LITERAL;
	case SQLFE_QUOTE_E:
		if (t->backslash)
			return V_VERBATIM; /* its escapes stay in the key */
		*q = SQLFE_Q_E;
		return V_LITERAL;
	case SQLFE_QUOTE_DOLLAR:
		*q = SQLFE_Q_DOLLAR;
		return V_LITERAL;
	case SQLFE_QUOTE_BIT:
	case SQLFE_QUOTE_HEX:
		return V_VERBATIM;
	case SQLFE_QUOTE_UNICODE:
		break;
	}
	return V_NOKEY;
}

bool sqlfe_plankey_scan(const char *text, size_t len, bool std_strings, char *keybuf, size_t keycap, sqlfe_plankey *pk)
{
	keyout k = {keybuf, keycap == 0 ? 0 : keycap - 1, 0};
	sqlfe_lexer lx;
	sqlfe_token t;
	bool by_list = false;        /* after BY: integers there may be positions (ORDER BY 1), not values */
	bool after_str = false;      /* the previous token was a string */
	size_t run = 0, run_end = 0; /* text[run, run_end) goes into the key as it stands: not copied yet */

	pk->nlits = 0;
	pk->key = keybuf;
	pk->key_len = 0;
	pk->hash = 0;
	if (keycap == 0 || len > UINT32_MAX || memchr(text, SQLFE_PLANKEY_MARK, len) != NULL)
		return false;
	sqlfe_lexer_init(&lx, text, len, std_strings);
	while (sqlfe_lexer_next(&lx, &t)) {
		verdict v = V_VERBATIM;
		sqlfe_lit_kind kind = SQLFE_LIT_STRING;
		sqlfe_lit_quoting q = SQLFE_Q_NONE;
		bool is_str = t.kind == SQLFE_TOK_STRING;
		if (is_str && after_str && t.quoting == SQLFE_QUOTE_PLAIN)
			return false; /* 'a' 'b': PostgreSQL refuses it on one line (and joins it across lines) */
		after_str = is_str;
		switch (t.kind) {
		case SQLFE_TOK_STRING:
			v = string_verdict(&lx, &t, &q);
			break;
		case SQLFE_TOK_NUMBER:
			if (t.number != SQLFE_NUM_INTEGER) {
				v = V_LITERAL;
				kind = SQLFE_LIT_NUMERIC;
			} else if (!by_list) { /* ORDER BY 1 and ORDER BY 2 differ in meaning: keep those */
				v = V_LITERAL;
				kind = int_kind(text + t.start, t.end - t.start);
			}
			break;
		case SQLFE_TOK_QIDENT:
			if (t.quoting == SQLFE_QUOTE_UNICODE)
				return false;
			break;
		case SQLFE_TOK_WORD:
			if (sqlfe_lexer_word_is(&lx, &t, "by"))
				by_list = true;
			else if (sqlfe_lexer_word_is(&lx, &t, "limit") || sqlfe_lexer_word_is(&lx, &t, "offset") ||
			         sqlfe_lexer_word_is(&lx, &t, "fetch"))
				by_list = false;
			break;
		case SQLFE_TOK_CHAR:
			if (text[t.start] == ';')
				by_list = false;
			break;
		default:
			break;
		}
		if (v == V_NOKEY)
			return false;
		bool literal = v == V_LITERAL && pk->nlits < SQLFE_PLANKEY_MAX_LITS;
		/* a token kept as it stands, right after the run or one space after it, extends the run */
		if (!literal && run_end > run &&
		    (t.start == run_end || (t.start == run_end + 1 && text[run_end] == ' '))) {
			run_end = t.end;
			continue;
		}
		if (run_end > run && !put(&k, text + run, run_end - run))
			return false;
		if (t.blank_before && k.n > 0 && !put(&k, " ", 1))
			return false;
		if (literal) {
			if (t.end - t.start > UINT32_MAX || (q == SQLFE_Q_DOLLAR && t.tag_len == UINT16_MAX))
				return false;
			sqlfe_literal *lit = &pk->lits[pk->nlits++];
			lit->offset = t.start;
			lit->len = t.end - t.start;
			lit->tag_len = q == SQLFE_Q_DOLLAR ? t.tag_len : 0;
			lit->kind = (uint8_t)kind;
			lit->quoting = (uint8_t)(kind == SQLFE_LIT_STRING ? q : SQLFE_Q_NONE);
			char ph[2] = {SQLFE_PLANKEY_MARK, (char)kind};
			if (!put(&k, ph, 2))
				return false;
			run = run_end = t.end; /* no run after a placeholder yet */
		} else {
			run = t.start;
			run_end = t.end;
		}
	}
	if (t.kind == SQLFE_TOK_ERROR || !put(&k, text + run, run_end - run))
		return false;
	keybuf[k.n] = '\0';
	pk->key_len = k.n;
	pk->hash = sqlfe_plankey_hash(keybuf, k.n);
	return true;
}

size_t sqlfe_plankey_value(const char *text, const sqlfe_literal *lit, char *out, size_t cap)
{
	const char *p = text + lit->offset;
	const char *end = p + lit->len;
	size_t n = 0;

	switch ((sqlfe_lit_quoting)lit->quoting) {
	case SQLFE_Q_NONE:
		break;
	case SQLFE_Q_E:
		p += 2;
		end -= 1;
		break;
	case SQLFE_Q_PLAIN:
		p += 1;
		end -= 1;
		break;
	case SQLFE_Q_DOLLAR:
		p += lit->tag_len;
		end -= lit->tag_len;
		break;
	}
	while (p < end) {
		char c = *p++;
		if (c == '\'' && lit->quoting != SQLFE_Q_DOLLAR && lit->quoting != SQLFE_Q_NONE)
			p++; /* '' -> ' */
		if (n + 1 < cap)
			out[n] = c;
		n++;
	}
	if (cap > 0)
		out[n < cap ? n : cap - 1] = '\0';
	return n;
}

int sqlfe_plankey_find(const sqlfe_plankey *pk, uint32_t offset)
{
	for (int i = 0; i < pk->nlits; i++)
		if (pk->lits[i].offset == offset)
			return i;
	return -1;
}

#define FNV_PRIME 1099511628211u

uint64_t sqlfe_plankey_hash(const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	uint64_t h = 14695981039346656037u;
	size_t i = 0;

	/* four bytes a round: the same hash with a quarter of the loop's own instructions */
	for (; i + 4 <= len; i += 4) {
		h = (h ^ p[i]) * FNV_PRIME;
		h = (h ^ p[i + 1]) * FNV_PRIME;
		h = (h ^ p[i + 2]) * FNV_PRIME;
		h = (h ^ p[i + 3]) * FNV_PRIME;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}
