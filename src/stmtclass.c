/*
 * stmtclass.c - judging statements sent to the backend (see stmtclass.h).
 *
 * Functions prefix: sclass_
 */
#include "src/stmtclass.h"

#include <ctype.h>
#include <string.h>

#define WORD_MAX 64

typedef enum tok_kind { TOK_END, TOK_WORD, TOK_QIDENT, TOK_SEMI, TOK_OTHER } tok_kind;

typedef struct tok {
	tok_kind kind;
	char text[WORD_MAX]; /* TOK_WORD lower-cased, TOK_QIDENT as written (cut at WORD_MAX - 1) */
	bool cut;            /* the word or identifier was longer than text holds */
} tok;

typedef struct scanner {
	const char *p, *end;
} scanner;

static bool word_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static bool word_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* Skip a dollar-quoted string starting at p (on its first '$'); false when p does not start one. */
static bool skip_dollar(scanner *sc)
{
	const char *p = sc->p + 1;
	if (p < sc->end && (isdigit((unsigned char)*p)))
		return false; /* $1: a parameter */
	while (p < sc->end && *p != '$' && (isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80))
		p++;
	if (p >= sc->end || *p != '$')
		return false;
	size_t taglen = (size_t)(p - sc->p) + 1;
	const char *tag = sc->p;
	p++;
	while (p + taglen <= sc->end) {
		if (*p == '$' && memcmp(p, tag, taglen) == 0) {
			sc->p = p + taglen;
			return true;
		}
		p++;
	}
	sc->p = sc->end; /* unterminated: the rest is the string */
	return true;
}

static void skip_quoted(scanner *sc, char q, bool backslash)
{
	const char *p = sc->p + 1;
	while (p < sc->end) {
		if (backslash && *p == '\\' && p + 1 < sc->end) {
			p += 2;
			continue;
		}
		if (*p == q) {
			if (p + 1 < sc->end && p[1] == q) {
				p += 2;
				continue;
			}
			sc->p = p + 1;
			return;
		}
		p++;
	}
	sc->p = sc->end;
}

static void next_token(scanner *sc, tok *t)
{
	t->cut = false;
	t->text[0] = '\0';
	for (;;) {
		while (sc->p < sc->end && isspace((unsigned char)*sc->p))
			sc->p++;
		if (sc->p >= sc->end) {
			t->kind = TOK_END;
			return;
		}
		const char *p = sc->p;
		if (p[0] == '-' && p + 1 < sc->end && p[1] == '-') {
			while (sc->p < sc->end && *sc->p != '\n')
				sc->p++;
			continue;
		}
		if (p[0] == '/' && p + 1 < sc->end && p[1] == '*') {
			int depth = 0;
			while (sc->p < sc->end) {
				if (sc->p + 1 < sc->end && sc->p[0] == '/' && sc->p[1] == '*') {
					depth++;
					sc->p += 2;
				} else if (sc->p + 1 < sc->end && sc->p[0] == '*' && sc->p[1] == '/') {
					depth--;
					sc->p += 2;
					if (depth == 0)
						break;
				} else {
					sc->p++;
				}
			}
			continue;
		}
		break;
	}
	const char *p = sc->p;
	unsigned char c = (unsigned char)*p;
	if (c == ';') {
		sc->p++;
		t->kind = TOK_SEMI;
		return;
	}
	if ((c == 'e' || c == 'E') && p + 1 < sc->end && p[1] == '\'') {
		sc->p++;
		skip_quoted(sc, '\'', true);
		t->kind = TOK_OTHER;
		return;
	}
	if (c == '\'') {
		/* backslashes taken literally: with standard_conforming_strings off this
		 * may end the string early, which only makes the judgement coarser */
		skip_quoted(sc, '\'', false);
		t->kind = TOK_OTHER;
		return;
	}
	if (c == '"') {
		const char *start = p + 1;
		skip_quoted(sc, '"', false);
		size_t n = 0;
		for (const char *q = start; q < sc->p - 1 && q < sc->end; q++) {
			if (*q == '"')
				q++; /* "" stands for " */
			if (n + 1 < sizeof(t->text))
				t->text[n++] = *q;
			else
				t->cut = true;
		}
		t->text[n] = '\0';
		t->kind = TOK_QIDENT;
		return;
	}
	if (c == '$' && skip_dollar(sc)) {
		t->kind = TOK_OTHER;
		return;
	}
	if (word_start(c)) {
		size_t n = 0;
		while (sc->p < sc->end && word_char((unsigned char)*sc->p)) {
			if (n + 1 < sizeof(t->text))
				t->text[n++] = (char)tolower((unsigned char)*sc->p);
			else
				t->cut = true;
			sc->p++;
		}
		t->text[n] = '\0';
		t->kind = TOK_WORD;
		return;
	}
	sc->p++;
	t->kind = TOK_OTHER;
}

static bool in_list(const char *w, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(w, list[i]) == 0)
			return true;
	return false;
}

static const char *const read_words[] = {"select",  "values",  "table",      "show",     "fetch",  "move",
                                         "close",   "declare", "listen",     "unlisten", "notify", "begin",
                                         "start",   "commit",  "end",        "rollback", "abort",  "savepoint",
                                         "release", "prepare", "checkpoint", NULL};
static const char *const write_words[] = {"insert", "update", "delete", "merge", "truncate", "copy", NULL};
static const char *const ddl_words[] = {"alter",   "create",  "drop", "comment", "cluster",  "reindex", "vacuum",
                                        "analyze", "analyse", "lock", "refresh", "security", "import",  NULL};
static const char *const dml_words[] = {"insert", "update", "delete", "merge", NULL};

/* What one statement's tokens say; *first the first word ("" when none). */
typedef struct stmt_scan {
	char first[WORD_MAX];
	bool has_dml_word;     /* insert update delete merge anywhere */
	bool has_analyze;      /* analyze/analyse anywhere */
	bool has_execute_word; /* execute anywhere */
	bool has_set_config;
	uint64_t named[SCLASS_MAX_GROUPS];
} stmt_scan;

static void note_name(const sclass_tables *tb, const tok *t, stmt_scan *ss)
{
	if (t->cut)
		return;
	for (size_t g = 0; g < tb->ngroups && g < SCLASS_MAX_GROUPS; g++)
		for (size_t i = 0; i < tb->ntables[g] && i < 64; i++)
			if (strcmp(tb->names[g][i], t->text) == 0)
				ss->named[g] |= (uint64_t)1 << i;
}

static void judge(const stmt_scan *ss, size_t ngroups, sclass_result *out)
{
	const char *w = ss->first;
	if (w[0] == '\0')
		return; /* empty statement */
	bool named_any = false;
	for (size_t g = 0; g < ngroups; g++)
		named_any = named_any || ss->named[g] != 0;
	unsigned eff = 0;
	bool writes_named = false;
	if (strcmp(w, "explain") == 0) {
		if (ss->has_analyze) {
			if (ss->has_execute_word)
				eff |= SCLASS_WRITES_ALL | SCLASS_SETTINGS;
			else if (ss->has_dml_word)
				writes_named = true;
		}
	} else if (strcmp(w, "with") == 0) {
		if (ss->has_dml_word)
			writes_named = true;
	} else if (strcmp(w, "deallocate") == 0) {
		eff |= SCLASS_FORGET_STMTS;
	} else if (in_list(w, read_words)) {
		/* read only */
	} else if (in_list(w, write_words)) {
		writes_named = true;
	} else if (in_list(w, ddl_words)) {
		writes_named = true;
		eff |= SCLASS_SETTINGS;
	} else if (strcmp(w, "set") == 0 || strcmp(w, "reset") == 0 || strcmp(w, "grant") == 0 ||
	           strcmp(w, "revoke") == 0) {
		eff |= SCLASS_SETTINGS;
	} else if (strcmp(w, "discard") == 0) {
		eff |= SCLASS_SETTINGS | SCLASS_FORGET_STMTS;
	} else {
		eff |= SCLASS_WRITES_ALL | SCLASS_SETTINGS;
	}
	if (ss->has_set_config)
		eff |= SCLASS_SETTINGS;
	if (writes_named && named_any) {
		eff |= SCLASS_WRITES;
		for (size_t g = 0; g < ngroups; g++)
			out->tables[g] |= ss->named[g];
	}
	out->effects |= eff;
}

void sclass_classify(const char *text, size_t len, const sclass_tables *tb, sclass_result *out)
{
	memset(out, 0, sizeof(*out));
	size_t ngroups = tb->ngroups < SCLASS_MAX_GROUPS ? tb->ngroups : SCLASS_MAX_GROUPS;
	scanner sc = {text, text + len};
	stmt_scan ss;
	memset(&ss, 0, sizeof(ss));
	for (;;) {
		tok t;
		next_token(&sc, &t);
		if (t.kind == TOK_END || t.kind == TOK_SEMI) {
			judge(&ss, ngroups, out);
			if (t.kind == TOK_END)
				break;
			memset(&ss, 0, sizeof(ss));
			continue;
		}
		if (t.kind == TOK_WORD) {
			if (ss.first[0] == '\0') {
				memcpy(ss.first, t.text, sizeof(ss.first));
				if (t.cut)
					strcpy(ss.first, "?"); /* an unknown word */
			}
			if (in_list(t.text, dml_words))
				ss.has_dml_word = true;
			else if (strcmp(t.text, "analyze") == 0 || strcmp(t.text, "analyse") == 0)
				ss.has_analyze = true;
			else if (strcmp(t.text, "execute") == 0)
				ss.has_execute_word = true;
			else if (strcmp(t.text, "set_config") == 0)
				ss.has_set_config = true;
			note_name(tb, &t, &ss);
		} else if (t.kind == TOK_QIDENT) {
			if (ss.first[0] == '\0')
				strcpy(ss.first, "?");
			note_name(tb, &t, &ss);
		} else if (t.kind == TOK_OTHER && ss.first[0] == '\0') {
			/* a leading '(' opens a parenthesized SELECT; anything else is unknown */
			if (sc.p[-1] != '(')
				strcpy(ss.first, "?");
		}
	}
	if (out->effects & SCLASS_WRITES_ALL) {
		out->effects &= ~(unsigned)SCLASS_WRITES;
		memset(out->tables, 0, sizeof(out->tables));
	}
}

bool sclass_is_select(const char *text, size_t len)
{
	scanner sc = {text, text + len};
	for (;;) {
		tok t;
		next_token(&sc, &t);
		if (t.kind == TOK_OTHER && sc.p[-1] == '(')
			continue;
		return t.kind == TOK_WORD && strcmp(t.text, "select") == 0;
	}
}
