/*
 * stmtclass.c - judging statements sent to the backend (see stmtclass.h).
 *
 * Functions prefix: sqlfe_stmtclass_
 */
#include "sql/stmtclass.h"

#include <string.h>

#include "sql/lexer.h"

/* Long enough for any keyword below and for an identifier PostgreSQL keeps. */
#define WORD_MAX (SQLFE_IDENT_MAX + 1)

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

/* What one statement's tokens say. */
typedef struct stmt_scan {
	char first[WORD_MAX];  /* the first keyword ("" none yet, "?" not a keyword) */
	bool has_dml_word;     /* insert update delete merge anywhere */
	bool has_analyze;      /* analyze/analyse anywhere */
	bool has_execute_word; /* execute anywhere */
	bool has_set_config;
	uint64_t named[SQLFE_STMTCLASS_MAX_GROUPS];
} stmt_scan;

static void note_name(const sqlfe_stmtclass_tables *tb, const char *name, stmt_scan *ss)
{
	for (size_t g = 0; g < tb->ngroups && g < SQLFE_STMTCLASS_MAX_GROUPS; g++)
		for (size_t i = 0; i < tb->ntables[g] && i < 64; i++)
			if (strcmp(tb->names[g][i], name) == 0)
				ss->named[g] |= (uint64_t)1 << i;
}

static void judge(const stmt_scan *ss, size_t ngroups, sqlfe_stmtclass_result *out)
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
				eff |= SQLFE_STMTCLASS_WRITES_ALL | SQLFE_STMTCLASS_SETTINGS;
			else if (ss->has_dml_word)
				writes_named = true;
		}
	} else if (strcmp(w, "with") == 0) {
		if (ss->has_dml_word)
			writes_named = true;
	} else if (strcmp(w, "deallocate") == 0) {
		eff |= SQLFE_STMTCLASS_FORGET_STMTS;
	} else if (in_list(w, read_words)) {
		/* read only */
	} else if (in_list(w, write_words)) {
		writes_named = true;
		if (strcmp(w, "copy") == 0)
			eff |= SQLFE_STMTCLASS_COPY;
	} else if (in_list(w, ddl_words)) {
		writes_named = true;
		eff |= SQLFE_STMTCLASS_SETTINGS;
	} else if (strcmp(w, "set") == 0 || strcmp(w, "reset") == 0 || strcmp(w, "grant") == 0 ||
	           strcmp(w, "revoke") == 0) {
		eff |= SQLFE_STMTCLASS_SETTINGS;
	} else if (strcmp(w, "discard") == 0) {
		eff |= SQLFE_STMTCLASS_SETTINGS | SQLFE_STMTCLASS_FORGET_STMTS;
	} else {
		eff |= SQLFE_STMTCLASS_WRITES_ALL | SQLFE_STMTCLASS_SETTINGS;
	}
	if (ss->has_set_config)
		eff |= SQLFE_STMTCLASS_SETTINGS;
	if (writes_named && named_any) {
		eff |= SQLFE_STMTCLASS_WRITES;
		for (size_t g = 0; g < ngroups; g++)
			out->tables[g] |= ss->named[g];
	}
	out->effects |= eff;
}

/* One word or identifier token of a statement. */
static void scan_name(const sqlfe_lexer *lx, const sqlfe_token *t, const sqlfe_stmtclass_tables *tb, stmt_scan *ss)
{
	char name[WORD_MAX];
	if (!sqlfe_lexer_ident(lx, t, name, sizeof(name))) {
		/* escapes PostgreSQL refuses: it refuses the statement too, but judge it unknown */
		if (ss->first[0] == '\0')
			strcpy(ss->first, "?");
		return;
	}
	if (ss->first[0] == '\0') {
		/* only an unquoted word is a keyword */
		if (t->kind == SQLFE_TOK_WORD)
			memcpy(ss->first, name, sizeof(ss->first));
		else
			strcpy(ss->first, "?");
	}
	if (in_list(name, dml_words))
		ss->has_dml_word = true;
	else if (strcmp(name, "analyze") == 0 || strcmp(name, "analyse") == 0)
		ss->has_analyze = true;
	else if (strcmp(name, "execute") == 0)
		ss->has_execute_word = true;
	else if (strcmp(name, "set_config") == 0)
		ss->has_set_config = true;
	note_name(tb, name, ss);
}

void sqlfe_stmtclass_classify(const char *text, size_t len, bool std_strings, const sqlfe_stmtclass_tables *tb,
                              sqlfe_stmtclass_result *out)
{
	memset(out, 0, sizeof(*out));
	size_t ngroups = tb->ngroups < SQLFE_STMTCLASS_MAX_GROUPS ? tb->ngroups : SQLFE_STMTCLASS_MAX_GROUPS;
	sqlfe_lexer lx;
	sqlfe_token t;
	stmt_scan ss;
	memset(&ss, 0, sizeof(ss));
	sqlfe_lexer_init(&lx, text, len, std_strings);
	while (sqlfe_lexer_next(&lx, &t)) {
		if (t.kind == SQLFE_TOK_CHAR && text[t.start] == ';') {
			judge(&ss, ngroups, out);
			memset(&ss, 0, sizeof(ss));
		} else if (t.kind == SQLFE_TOK_WORD || t.kind == SQLFE_TOK_QIDENT) {
			scan_name(&lx, &t, tb, &ss);
		} else if (ss.first[0] == '\0' && !(t.kind == SQLFE_TOK_CHAR && text[t.start] == '(')) {
			/* a leading '(' opens a parenthesized SELECT; anything else is unknown */
			strcpy(ss.first, "?");
		}
	}
	judge(&ss, ngroups, out);
	if (t.kind == SQLFE_TOK_ERROR)
		out->effects |= SQLFE_STMTCLASS_WRITES_ALL | SQLFE_STMTCLASS_SETTINGS; /* the rest may hide anything */
	if (out->effects & SQLFE_STMTCLASS_WRITES_ALL) {
		out->effects &= ~(unsigned)SQLFE_STMTCLASS_WRITES;
		memset(out->tables, 0, sizeof(out->tables));
	}
}

bool sqlfe_stmtclass_is_select(const char *text, size_t len, bool std_strings)
{
	sqlfe_lexer lx;
	sqlfe_token t;
	sqlfe_lexer_init(&lx, text, len, std_strings);
	while (sqlfe_lexer_next(&lx, &t)) {
		if (t.kind == SQLFE_TOK_CHAR && text[t.start] == '(')
			continue;
		return sqlfe_lexer_word_is(&lx, &t, "select");
	}
	return false;
}
