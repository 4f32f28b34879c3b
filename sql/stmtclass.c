/*
 * stmtclass.c - judging statements sent to the backend (see stmtclass.h).
 *
 * Functions prefix: sqlfe_stmtclass_
 */
#include "sql/stmtclass.h"

#include <string.h>

#include "sql/keywords.h"
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

/* A token as the call detection remembers it. */
typedef struct prev_tok {
	char kind; /* 'w' word, 'q' quoted identifier, '(' ')' ',' '.' the character, 'o' anything else, 0 none */
	char name[WORD_MAX]; /* 'w', 'q': the identifier as PostgreSQL reads it */
} prev_tok;

#define NPREV 4

/* What one statement's tokens say. */
typedef struct stmt_scan {
	char first[WORD_MAX];  /* the first keyword ("" none yet, "?" not a keyword) */
	char second[WORD_MAX]; /* the word after it ("" none yet) */
	bool ddl;              /* the first keyword starts DDL */
	bool ddl_select;       /* DDL that runs a query (SELECT seen) */
	bool has_dml_word;     /* insert update delete merge anywhere */
	bool has_analyze;      /* analyze/analyse anywhere */
	bool has_execute_word; /* execute anywhere */
	bool has_call;         /* calls a function not known to be harmless */
	bool has_set_config;   /* calls set_config() */
	bool reach_any;        /* names a relation whose write may write anything */
	uint64_t named[SQLFE_STMTCLASS_MAX_GROUPS];
	uint64_t reach_writes[SQLFE_STMTCLASS_MAX_GROUPS];
	uint64_t reach_truncates[SQLFE_STMTCLASS_MAX_GROUPS];
	prev_tok prev[NPREV]; /* the last tokens, prev[0] the latest */
} stmt_scan;

static void note_name(const sqlfe_stmtclass_tables *tb, const char *name, stmt_scan *ss)
{
	for (size_t g = 0; g < tb->ngroups && g < SQLFE_STMTCLASS_MAX_GROUPS; g++)
		for (size_t i = 0; i < tb->ntables[g] && i < 64; i++)
			if (strcmp(tb->names[g][i], name) == 0)
				ss->named[g] |= (uint64_t)1 << i;
	size_t lo = 0, hi = tb->reach != NULL ? tb->nreach : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, tb->reach[mid].name);
		if (c == 0) {
			const sqlfe_stmtclass_reach *r = &tb->reach[mid];
			ss->reach_any = ss->reach_any || r->any;
			for (size_t g = 0; g < tb->ngroups && g < SQLFE_STMTCLASS_MAX_GROUPS; g++) {
				ss->reach_writes[g] |= r->writes[g];
				ss->reach_truncates[g] |= r->truncates[g];
			}
			return;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
}

static bool is_harmless(const sqlfe_stmtclass_tables *tb, const char *name)
{
	size_t lo = 0, hi = tb->harmless != NULL ? tb->nharmless : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, tb->harmless[mid]);
		if (c == 0)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/*
 * Unreserved keywords syntax puts before "(", with the token that must
 * stand before them ("" any; ")" the character): ORDER BY (, ... OVER (,
 * FILTER (, AS MATERIALIZED (, AT TIME ZONE (, CHARACTER VARYING (n),
 * INTERVAL SECOND (n), FETCH FIRST (n), TABLESAMPLE SYSTEM (n),
 * REPEATABLE (n), ON CONFLICT (, GROUPING SETS (, GROUP BY CUBE/ROLLUP (,
 * UPDATE ... SET (a, b) =, and DDL's KEY ( INCLUDE ( OPTIONS ( RANGE ( ...
 */
static const struct {
	const char *word;
	const char *after; /* space-separated */
} syntax_before_paren[] = {
        {"by", "order group partition"},
        {"over", ")"},
        {"filter", ")"},
        {"materialized", "as not"},
        {"zone", "time"},
        {"varying", "character char nchar"},
        {"second", "interval to"},
        {"first", "fetch"},
        {"next", "fetch"},
        {"system", "tablesample"},
        {"repeatable", ")"},
        {"conflict", "on"},
        {"sets", "grouping"},
        {"cube", "by , ("},
        {"rollup", "by , ("},
        {"set", ""},
        {"key", ""},
        {"include", ""},
        {"options", ""},
        {"explain", ""},
        {"copy", ""},
};

/* Whether the previous token p is one of the space-separated words or characters in list. */
static bool prev_in(const prev_tok *p, const char *list)
{
	if (list[0] == '\0')
		return true;
	const char *tok = p->kind == 'w'   ? p->name
	                  : p->kind == ')' ? ")"
	                  : p->kind == ',' ? ","
	                  : p->kind == '(' ? "("
	                                   : NULL;
	if (tok == NULL)
		return false;
	size_t n = strlen(tok);
	for (const char *s = list; *s != '\0';) {
		const char *e = strchr(s, ' ');
		size_t len = e != NULL ? (size_t)(e - s) : strlen(s);
		if (len == n && strncmp(s, tok, n) == 0)
			return true;
		s += len;
		while (*s == ' ')
			s++;
	}
	return false;
}

typedef enum call_kind {
	CALL_NONE,     /* syntax, or a harmless function */
	CALL_SETTINGS, /* pg_catalog.set_config: changes a setting, writes nothing */
	CALL_UNKNOWN   /* may do anything */
} call_kind;

/* A "(" follows the tokens in ss->prev: is it a call of a function not known to be harmless? */
static call_kind judge_call(const sqlfe_stmtclass_tables *tb, const stmt_scan *ss)
{
	const prev_tok *p = ss->prev;
	if (p[0].kind != 'w' && p[0].kind != 'q')
		return CALL_NONE;
	if (ss->ddl && !ss->ddl_select)
		return CALL_NONE; /* column lists, signatures, index expressions: nothing runs */
	if (p[0].kind == 'w') {
		switch (sqlfe_keyword_lookup(p[0].name)) {
		case SQLFE_KW_RESERVED:
		case SQLFE_KW_COL_NAME:
			return CALL_NONE; /* IN ( EXISTS ( CAST ( COALESCE ( numeric(10,2) ... */
		case SQLFE_KW_TYPE_FUNC_NAME:
			if (strcmp(p[0].name, "left") != 0 && strcmp(p[0].name, "right") != 0 &&
			    strcmp(p[0].name, "current_schema") != 0)
				return CALL_NONE; /* JOIN ( LIKE ( IS ( OVERLAPS ( ... */
			break;
		case SQLFE_KW_UNRESERVED:
			for (size_t i = 0; i < CB_ARRAY_LEN(syntax_before_paren); i++)
				if (strcmp(p[0].name, syntax_before_paren[i].word) == 0 &&
				    prev_in(&p[1], syntax_before_paren[i].after))
					return CALL_NONE;
			break;
		case SQLFE_KW_NONE:
			break;
		}
	}
	/* name.name ( : a qualified name */
	const prev_tok *before = &p[1];
	bool builtin_schema = true;
	if (p[1].kind == '.' && (p[2].kind == 'w' || p[2].kind == 'q')) {
		builtin_schema = strcmp(p[2].name, "pg_catalog") == 0;
		before = &p[3];
	}
	/* column lists: INSERT INTO t (, COPY t (, AS alias (, WITH cte (, REFERENCES t (, PREPARE p ( */
	if (prev_in(before, "into copy as with recursive references prepare"))
		return CALL_NONE;
	/* FROM t alias ( and FROM f(x) alias ( : an alias after a name that is no keyword, or after ")" */
	if ((before->kind == 'w' && sqlfe_keyword_lookup(before->name) == SQLFE_KW_NONE) || before->kind == 'q' ||
	    before->kind == ')')
		return CALL_NONE;
	if (!builtin_schema)
		return CALL_UNKNOWN;
	if (strcmp(p[0].name, "set_config") == 0)
		return CALL_SETTINGS;
	return is_harmless(tb, p[0].name) ? CALL_NONE : CALL_UNKNOWN;
}

static void push_prev(stmt_scan *ss, char kind, const char *name)
{
	memmove(&ss->prev[1], &ss->prev[0], sizeof(ss->prev[0]) * (NPREV - 1));
	ss->prev[0].kind = kind;
	if (name != NULL)
		memcpy(ss->prev[0].name, name, sizeof(ss->prev[0].name));
	else
		ss->prev[0].name[0] = '\0';
}

static void judge(const stmt_scan *ss, size_t ngroups, sqlfe_stmtclass_result *out)
{
	const char *w = ss->first;
	if (w[0] == '\0')
		return; /* empty statement */
	out->statements++;
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
		eff |= SQLFE_STMTCLASS_SETTINGS | SQLFE_STMTCLASS_DDL;
		/* ALTER/DROP TYPE changes the values of columns of that type (an enum's renamed label) in
		 * tables it does not name */
		if ((strcmp(w, "alter") == 0 || strcmp(w, "drop") == 0) && strcmp(ss->second, "type") == 0)
			eff |= SQLFE_STMTCLASS_WRITES_ALL;
	} else if (strcmp(w, "set") == 0 || strcmp(w, "reset") == 0 || strcmp(w, "grant") == 0 ||
	           strcmp(w, "revoke") == 0) {
		eff |= SQLFE_STMTCLASS_SETTINGS;
	} else if (strcmp(w, "discard") == 0) {
		eff |= SQLFE_STMTCLASS_SETTINGS | SQLFE_STMTCLASS_FORGET_STMTS;
	} else {
		eff |= SQLFE_STMTCLASS_WRITES_ALL | SQLFE_STMTCLASS_SETTINGS;
	}
	if (ss->has_call)
		eff |= SQLFE_STMTCLASS_CALLS | SQLFE_STMTCLASS_WRITES_ALL | SQLFE_STMTCLASS_SETTINGS;
	if (ss->has_set_config)
		eff |= SQLFE_STMTCLASS_SETTINGS;
	if (writes_named) {
		out->writes_some = true;
		if (ss->reach_any)
			eff |= SQLFE_STMTCLASS_WRITES_ALL;
		bool truncate = strcmp(w, "truncate") == 0;
		for (size_t g = 0; g < ngroups; g++) {
			uint64_t t = ss->named[g] | (truncate ? ss->reach_truncates[g] : ss->reach_writes[g]);
			if (t != 0) {
				eff |= SQLFE_STMTCLASS_WRITES;
				out->tables[g] |= t;
			}
		}
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
		push_prev(ss, 'o', NULL);
		return;
	}
	if (ss->first[0] == '\0') {
		/* only an unquoted word is a keyword */
		if (t->kind == SQLFE_TOK_WORD)
			memcpy(ss->first, name, sizeof(ss->first));
		else
			strcpy(ss->first, "?");
		ss->ddl = in_list(ss->first, ddl_words);
	} else if (ss->second[0] == '\0') {
		memcpy(ss->second, name, sizeof(ss->second));
	}
	if (in_list(name, dml_words))
		ss->has_dml_word = true;
	else if (strcmp(name, "analyze") == 0 || strcmp(name, "analyse") == 0)
		ss->has_analyze = true;
	else if (strcmp(name, "execute") == 0)
		ss->has_execute_word = true;
	else if (ss->ddl && t->kind == SQLFE_TOK_WORD && strcmp(name, "select") == 0)
		ss->ddl_select = true;
	note_name(tb, name, ss);
	push_prev(ss, t->kind == SQLFE_TOK_WORD ? 'w' : 'q', name);
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
		char c = t.kind == SQLFE_TOK_CHAR ? text[t.start] : '\0';
		if (c == ';') {
			judge(&ss, ngroups, out);
			memset(&ss, 0, sizeof(ss));
		} else if (t.kind == SQLFE_TOK_WORD || t.kind == SQLFE_TOK_QIDENT) {
			scan_name(&lx, &t, tb, &ss);
		} else {
			if (ss.first[0] == '\0' && c != '(')
				strcpy(ss.first,
				       "?"); /* a leading '(' opens a parenthesized SELECT; anything else is unknown */
			call_kind k = c == '(' ? judge_call(tb, &ss) : CALL_NONE;
			ss.has_call = ss.has_call || k == CALL_UNKNOWN;
			ss.has_set_config = ss.has_set_config || k == CALL_SETTINGS;
			push_prev(&ss, c == '(' || c == ')' || c == ',' || c == '.' ? c : 'o', NULL);
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

sqlfe_stmtclass_forget sqlfe_stmtclass_forgets(const char *text, size_t len, bool std_strings, char *name, size_t cap)
{
	sqlfe_lexer lx;
	sqlfe_token t;
	sqlfe_lexer_init(&lx, text, len, std_strings);
	/* DEALLOCATE [PREPARE] name [;] and nothing else: one; anything else that drops: all */
	int step = 0;
	bool named = false;
	while (sqlfe_lexer_next(&lx, &t)) {
		bool word = t.kind == SQLFE_TOK_WORD;
		if (step == 0 && word && sqlfe_lexer_word_is(&lx, &t, "deallocate")) {
			step = 1;
		} else if (step == 1 && word && sqlfe_lexer_word_is(&lx, &t, "prepare")) {
			step = 2;
		} else if ((step == 1 || step == 2) && (word || t.kind == SQLFE_TOK_QIDENT) &&
		           !(word && sqlfe_lexer_word_is(&lx, &t, "all"))) {
			named = sqlfe_lexer_ident(&lx, &t, name, cap);
			step = 3;
		} else if (step == 3 && t.kind == SQLFE_TOK_CHAR && text[t.start] == ';') {
			step = 4;
		} else {
			return SQLFE_FORGET_ALL;
		}
	}
	return t.kind != SQLFE_TOK_ERROR && named && step >= 3 ? SQLFE_FORGET_ONE : SQLFE_FORGET_ALL;
}

/* The transaction mode starting at words w[i..n) (lower case); the words it used, 0 when none fits. */
static int begin_mode(const char *const *w, int i, int n, sqlfe_stmtclass_begin *level)
{
#define W(k, s) (i + (k) < n && strcmp(w[i + (k)], s) == 0)
	if (W(0, "isolation") && W(1, "level")) {
		if (W(2, "serializable")) {
			*level = SQLFE_BEGIN_STRICTER;
			return 3;
		}
		if (W(2, "repeatable") && W(3, "read")) {
			*level = SQLFE_BEGIN_STRICTER;
			return 4;
		}
		if (W(2, "read") && (W(3, "committed") || W(3, "uncommitted"))) {
			if (*level == SQLFE_BEGIN_DEFAULT)
				*level = SQLFE_BEGIN_READ_COMMITTED;
			return 4;
		}
		return 0;
	}
	if (W(0, "read") && (W(1, "write") || W(1, "only")))
		return 2;
	if (W(0, "deferrable"))
		return 1;
	if (W(0, "not") && W(1, "deferrable"))
		return 2;
	return 0;
#undef W
}

sqlfe_stmtclass_begin sqlfe_stmtclass_begins(const char *text, size_t len, bool std_strings)
{
	static const char *const known[] = {"begin",        "start", "work",      "transaction", "isolation",
	                                    "level",        "read",  "committed", "uncommitted", "repeatable",
	                                    "serializable", "write", "only",      "deferrable",  "not"};
	enum { MAX_WORDS = 24 };
	const char *w[MAX_WORDS];
	bool comma_before[MAX_WORDS];
	int n = 0;
	bool comma = false, ended = false;
	sqlfe_lexer lx;
	sqlfe_token t;
	sqlfe_lexer_init(&lx, text, len, std_strings);
	while (sqlfe_lexer_next(&lx, &t)) {
		if (ended)
			return SQLFE_BEGIN_NONE; /* something after the semicolon */
		if (t.kind == SQLFE_TOK_CHAR && text[t.start] == ';') {
			ended = true;
			continue;
		}
		if (t.kind == SQLFE_TOK_CHAR && text[t.start] == ',' && n > 0 && !comma) {
			comma = true;
			continue;
		}
		if (t.kind != SQLFE_TOK_WORD || n == MAX_WORDS)
			return SQLFE_BEGIN_NONE;
		const char *k = NULL;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && k == NULL; i++)
			if (sqlfe_lexer_word_is(&lx, &t, known[i]))
				k = known[i];
		if (k == NULL)
			return SQLFE_BEGIN_NONE;
		comma_before[n] = comma;
		comma = false;
		w[n++] = k;
	}
	if (t.kind == SQLFE_TOK_ERROR || comma || n == 0)
		return SQLFE_BEGIN_NONE;
	int i;
	if (strcmp(w[0], "begin") == 0)
		i = n > 1 && (strcmp(w[1], "work") == 0 || strcmp(w[1], "transaction") == 0) ? 2 : 1;
	else if (strcmp(w[0], "start") == 0 && n > 1 && strcmp(w[1], "transaction") == 0)
		i = 2;
	else
		return SQLFE_BEGIN_NONE;
	if (i < n && comma_before[i])
		return SQLFE_BEGIN_NONE; /* a comma before the first mode */
	/* several levels: the last one counts in PostgreSQL; here any stricter one does (never less strict) */
	sqlfe_stmtclass_begin level = SQLFE_BEGIN_DEFAULT;
	while (i < n) {
		int used = begin_mode(w, i, n, &level);
		if (used == 0)
			return SQLFE_BEGIN_NONE;
		for (int k = i + 1; k < i + used; k++)
			if (comma_before[k])
				return SQLFE_BEGIN_NONE; /* a comma inside a mode */
		i += used;
	}
	return level;
}
