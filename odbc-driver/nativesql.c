/*
 * nativesql.c - ODBC SQL text to PostgreSQL SQL text.
 *
 * Functions prefix: nsql_
 *
 * Two layers.  The scanning (nsql_token_at and the walks on it:
 * nsql_split, nsql_find_keyword, nsql_classify) reads the text with the
 * one SQL lexer of cbcache (sql/lexer.h), so strings of every quoting
 * (with the connection's standard_conforming_strings), quoted identifiers,
 * dollar quotes and nested comments end exactly where PostgreSQL ends them.
 * The translation on top walks the tokens of each statement: `?` becomes
 * a marker sentinel, an ODBC escape's braces and keyword are rewritten
 * (recursively, escapes nest), and nsql_build renders the markers as $n
 * with the casts and {call} arguments an execution needs.  Output is
 * built with common/'s string builder.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/sb.h"
#include "odbc-driver/nativesql.h"
#include "sql/lexer.h"

/* --- scanning ------------------------------------------------------------------ */

typedef enum nsql_tok_kind {
	NT_END,
	NT_BLANK,  /* whitespace and comments */
	NT_STRING, /* a string constant of any quoting; also the rest of a text the lexer cannot read */
	NT_QIDENT, /* "..." and U&"..." */
	NT_WORD,   /* identifier, keyword, number or $n */
	NT_MARKER, /* ? */
	NT_CHAR,   /* one character of punctuation or of an operator */
} nsql_tok_kind;

typedef struct nsql_tok {
	nsql_tok_kind kind;
	size_t start, len;
} nsql_tok;

/*
 * The token of s[0..len) at pos, read by the SQL lexer.  The blank before
 * a token (whitespace, comments) is a token of its own, so that text is
 * copied as it is.  An operator is taken one character at a time: an ODBC
 * `?` is a marker wherever it stands (PostgreSQL reads "=?" and "?=" as
 * one operator; ODBC means `{?=call ...}`).  What the lexer cannot read
 * (an unterminated quote or comment, junk after a number) makes the rest
 * of the text one token: a comment when it starts as one, else a string.
 */
static nsql_tok nsql_token_at(const char *s, size_t len, size_t pos, bool std_strings)
{
	nsql_tok t = {NT_END, pos, 0};
	if (pos >= len)
		return t;
	/* the lexer never looks behind its start: reading from pos is reading on at pos */
	sqlfe_lexer lx;
	sqlfe_token k;
	sqlfe_lexer_init(&lx, s + pos, len - pos, std_strings);
	sqlfe_lexer_next(&lx, &k);
	if (k.start > 0) {
		t.kind = NT_BLANK;
		t.len = k.start;
		return t;
	}
	t.len = k.end - k.start;
	switch (k.kind) {
	case SQLFE_TOK_END:
		t.len = 0;
		break;
	case SQLFE_TOK_ERROR:
		t.len = len - pos;
		t.kind = len - pos >= 2 && s[pos] == '/' && s[pos + 1] == '*' ? NT_BLANK : NT_STRING;
		break;
	case SQLFE_TOK_WORD:
	case SQLFE_TOK_NUMBER:
	case SQLFE_TOK_PARAM:
		t.kind = NT_WORD;
		break;
	case SQLFE_TOK_QIDENT:
		t.kind = NT_QIDENT;
		break;
	case SQLFE_TOK_STRING:
		t.kind = NT_STRING;
		break;
	case SQLFE_TOK_OP:
		t.len = 1;
		t.kind = s[pos] == '?' ? NT_MARKER : NT_CHAR;
		break;
	case SQLFE_TOK_CHAR:
		t.kind = NT_CHAR;
		break;
	}
	return t;
}

static bool nsql_is_char(const char *s, const nsql_tok *t, char c)
{
	return t->kind == NT_CHAR && s[t->start] == c;
}

static bool nsql_is_word(const char *s, const nsql_tok *t, const char *w)
{
	return t->kind == NT_WORD && t->len == strlen(w) && strncasecmp(s + t->start, w, t->len) == 0;
}

/* The next token that is not space or comment, from pos. */
static nsql_tok nsql_next_solid(const char *s, size_t len, size_t pos, bool std)
{
	nsql_tok t;
	do {
		t = nsql_token_at(s, len, pos, std);
		pos += t.len;
	} while (t.kind == NT_BLANK);
	return t;
}

/* Split at top-level semicolons: ranges [start, end) of the statements. */
typedef struct nsql_range {
	size_t start, end;
} nsql_range;

static bool nsql_split(const char *s, size_t len, bool std, nsql_range **out, int *nout)
{
	int n = 0, cap = 4;
	nsql_range *r = malloc((size_t)cap * sizeof(*r));
	if (r == NULL)
		return false;
	int depth = 0;
	size_t start = 0, pos = 0;
	bool solid = false; /* the current statement has more than spaces and comments */
	for (;;) {
		nsql_tok t = nsql_token_at(s, len, pos, std);
		bool end = t.kind == NT_END;
		if (end || (depth == 0 && nsql_is_char(s, &t, ';'))) {
			if (solid || (end && n == 0)) {
				if (n == cap) {
					cap *= 2;
					nsql_range *nr = realloc(r, (size_t)cap * sizeof(*nr));
					if (nr == NULL) {
						free(r);
						return false;
					}
					r = nr;
				}
				r[n].start = start;
				r[n].end = end ? len : t.start;
				n++;
			}
			if (end)
				break;
			start = t.start + 1;
			solid = false;
		} else {
			if (t.kind != NT_BLANK)
				solid = true;
			if (nsql_is_char(s, &t, '(') || nsql_is_char(s, &t, '{'))
				depth++;
			else if ((nsql_is_char(s, &t, ')') || nsql_is_char(s, &t, '}')) && depth > 0)
				depth--;
		}
		pos += t.len;
	}
	*out = r;
	*nout = n;
	return true;
}

size_t nsql_find_keyword(const char *s, size_t len, const char *kw, bool std)
{
	int depth = 0;
	size_t pos = 0;
	for (;;) {
		nsql_tok t = nsql_token_at(s, len, pos, std);
		if (t.kind == NT_END)
			return (size_t)-1;
		if (nsql_is_char(s, &t, '('))
			depth++;
		else if (nsql_is_char(s, &t, ')') && depth > 0)
			depth--;
		else if (depth == 0 && nsql_is_word(s, &t, kw))
			return t.start;
		pos += t.len;
	}
}

void nsql_msjet_bools(char *s, size_t len, bool std)
{
	/* the last six tokens, blanks included: ( "ident" ' ' = ' ' 1, then ) */
	nsql_tok w[6] = {{NT_END, 0, 0}};
	for (size_t pos = 0;;) {
		nsql_tok t = nsql_token_at(s, len, pos, std);
		if (t.kind == NT_END)
			return;
		pos += t.len;
		if (nsql_is_char(s, &t, ')') && nsql_is_char(s, &w[0], '(') && w[1].kind == NT_QIDENT &&
		    w[2].kind == NT_BLANK && w[2].len == 1 && s[w[2].start] == ' ' && nsql_is_char(s, &w[3], '=') &&
		    w[4].kind == NT_BLANK && w[4].len == 1 && s[w[4].start] == ' ' && w[5].kind == NT_WORD &&
		    w[5].len == 1 && s[w[5].start] == '1' && w[1].start == w[0].start + 1)
			memcpy(s + w[2].start, "='1'", 4);
		memmove(w, w + 1, 5 * sizeof(w[0]));
		w[5] = t;
	}
}

/* psqlODBC's rewrite of `INSERT INTO t () VALUES ()` (no column, no
 * value: PostgreSQL has no such syntax) to `INSERT INTO t DEFAULT VALUES`.
 * Returns the new text (malloc'd), or NULL when the pattern is not there
 * or out of memory (*oom set). */
static char *nsql_insert_defaults(const char *s, bool std, bool *oom)
{
	size_t len = strlen(s);
	nsql_tok prev = {NT_END, 0, 0};
	for (size_t pos = 0;;) {
		nsql_tok t = nsql_token_at(s, len, pos, std);
		if (t.kind == NT_END)
			return NULL;
		pos += t.len;
		nsql_tok close = nsql_token_at(s, len, pos, std);
		if (nsql_is_char(s, &t, '(') && nsql_is_char(s, &close, ')')) {
			/* () VALUES (): one or more blanks before VALUES, at least
			 * one after, and the end, a blank or ';' after the last ) */
			size_t p = pos + 1;
			nsql_tok b1 = nsql_token_at(s, len, p, std);
			nsql_tok kw = nsql_token_at(s, len, p + b1.len, std);
			nsql_tok b2 = nsql_token_at(s, len, kw.start + kw.len, std);
			nsql_tok o = nsql_token_at(s, len, b2.start + b2.len, std);
			nsql_tok c = nsql_token_at(s, len, o.start + o.len, std);
			nsql_tok after = nsql_token_at(s, len, c.start + c.len, std);
			if (b1.kind == NT_BLANK && nsql_is_word(s, &kw, "VALUES") && b2.kind == NT_BLANK &&
			    nsql_is_char(s, &o, '(') && nsql_is_char(s, &c, ')') &&
			    (after.kind == NT_END || after.kind == NT_BLANK || nsql_is_char(s, &after, ';'))) {
				bool space = prev.kind == NT_BLANK;
				size_t end = c.start + 1;
				char *out = NULL;
				if (asprintf(&out, "%.*s%sDEFAULT VALUES%s", (int)t.start, s, space ? "" : " ",
				             s + end) < 0) {
					*oom = true;
					return NULL;
				}
				return out;
			}
		}
		prev = t;
	}
}

/* The first token of a statement, past opening parentheses. */
static nsql_tok nsql_first_solid(const char *s, size_t len)
{
	size_t pos = 0;
	nsql_tok t;
	for (;;) {
		t = nsql_next_solid(s, len, pos, true);
		if (!nsql_is_char(s, &t, '('))
			return t;
		pos = t.start + 1;
	}
}

nsql_kind nsql_classify(const char *s, size_t len)
{
	static const struct {
		const char *kw;
		nsql_kind kind;
	} kinds[] = {
	        {"SELECT", NSQL_SELECT},
	        {"WITH", NSQL_WITH},
	        {"CALL", NSQL_CALL},
	        {"BEGIN", NSQL_START},
	        {"START", NSQL_START},
	        {"COMMIT", NSQL_TRANSACTION},
	        {"END", NSQL_TRANSACTION},
	        {"ROLLBACK", NSQL_TRANSACTION},
	        {"ABORT", NSQL_TRANSACTION},
	        {"SAVEPOINT", NSQL_TRANSACTION},
	        {"RELEASE", NSQL_TRANSACTION},
	        {"VACUUM", NSQL_SPECIAL},
	        {"REINDEX", NSQL_SPECIAL},
	        {"CLUSTER", NSQL_SPECIAL},
	        {"CHECKPOINT", NSQL_SPECIAL},
	        {"DECLARE", NSQL_DECLARE},
	        {"FETCH", NSQL_FETCH},
	        {"MOVE", NSQL_DDL},
	        {"CLOSE", NSQL_CLOSE},
	        {"INSERT", NSQL_INSERT},
	        {"UPDATE", NSQL_UPDATE},
	        {"DELETE", NSQL_DELETE},
	        {"CREATE", NSQL_DDL},
	        {"ALTER", NSQL_DDL},
	        {"DROP", NSQL_DDL},
	        {"GRANT", NSQL_DDL},
	        {"REVOKE", NSQL_DDL},
	        {"LOCK", NSQL_DDL},
	        {"COPY", NSQL_DDL},
	        {"ANALYZE", NSQL_DDL},
	        {"NOTIFY", NSQL_DDL},
	        {"SET", NSQL_DDL},
	        {"RESET", NSQL_DDL},
	        {"PREPARE", NSQL_DDL},
	        {"EXECUTE", NSQL_DDL},
	        {"DEALLOCATE", NSQL_DDL},
	};
	nsql_tok t = nsql_first_solid(s, len);
	if (t.kind != NT_WORD)
		return nsql_is_char(s, &t, '{') ? NSQL_CALL : NSQL_OTHER;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (nsql_is_word(s, &t, kinds[i].kw))
			return kinds[i].kind;
	return NSQL_OTHER;
}

/* --- translation ---------------------------------------------------------------- */

typedef struct nsql_ctx {
	const char *s;
	size_t len;
	bool std;
	int nmarkers;
	bool *has_cast;
	int cast_cap;
	bool oom;
	bool proc_return; /* set by a {? = call} escape */
	bool is_call;
	char *call_name;
	nsql_arg *args;
	int nargs;
} nsql_ctx;

static void nsql_translate(nsql_ctx *c, size_t a, size_t b, cb_sb *out, bool top);

/* Record a new marker (whether the text casts it) and emit its sentinel. */
static void nsql_marker(nsql_ctx *c, size_t after, size_t b, cb_sb *out)
{
	if (c->nmarkers == c->cast_cap) {
		int ncap = c->cast_cap ? c->cast_cap * 2 : 8;
		bool *nc = realloc(c->has_cast, (size_t)ncap * sizeof(*nc));
		if (nc == NULL) {
			c->oom = true;
			return;
		}
		c->has_cast = nc;
		c->cast_cap = ncap;
	}
	nsql_tok t = nsql_next_solid(c->s, b, after, c->std);
	bool cast = false;
	if (nsql_is_char(c->s, &t, ':') && t.start + 1 < b && c->s[t.start + 1] == ':')
		cast = true;
	else if (nsql_is_word(c->s, &t, "AS"))
		cast = true;
	c->has_cast[c->nmarkers] = cast;
	cb_sb_printf(out, "%c%d%c", NSQL_MARK, c->nmarkers, NSQL_MARK);
	c->nmarkers++;
}

/* Where the bracket at open (an `opening` character: '{' or '(') is
 * closed by its `closing` one, nested pairs skipped; (size_t)-1 when [open,
 * b) ends first. */
static size_t nsql_closing(const nsql_ctx *c, size_t open, size_t b, char opening, char closing)
{
	int depth = 0;
	size_t pos = open;
	for (;;) {
		nsql_tok t = nsql_token_at(c->s, b, pos, c->std);
		if (t.kind == NT_END)
			return (size_t)-1;
		if (nsql_is_char(c->s, &t, opening))
			depth++;
		else if (nsql_is_char(c->s, &t, closing) && --depth == 0)
			return t.start;
		pos += t.len;
	}
}

/* Split [a, b) at top-level commas into at most max ranges; the count. */
static int nsql_args(const nsql_ctx *c, size_t a, size_t b, nsql_range *r, int max)
{
	int n = 0, depth = 0;
	size_t pos = a, start = a;
	for (;;) {
		nsql_tok t = nsql_token_at(c->s, b, pos, c->std);
		if (t.kind == NT_END || (depth == 0 && nsql_is_char(c->s, &t, ','))) {
			if (n < max) {
				r[n].start = start;
				r[n].end = t.kind == NT_END ? b : t.start;
			}
			n++;
			if (t.kind == NT_END)
				break;
			start = t.start + 1;
		} else if (nsql_is_char(c->s, &t, '(') || nsql_is_char(c->s, &t, '{')) {
			depth++;
		} else if ((nsql_is_char(c->s, &t, ')') || nsql_is_char(c->s, &t, '}')) && depth > 0) {
			depth--;
		}
		pos += t.len;
	}
	/* "f()" has no argument, not one empty one */
	if (n == 1) {
		nsql_tok t = nsql_next_solid(c->s, r[0].end, r[0].start, c->std);
		if (t.kind == NT_END)
			n = 0;
	}
	return n;
}

/* ODBC scalar functions whose PostgreSQL form differs: $1.. are the
 * arguments, $* all of them; name "%NNAME" matches N arguments only,
 * "NAME(KEYWORD" only with that first argument. */
static const struct nsql_fn {
	const char *odbc;
	const char *pg;
} nsql_fns[] = {
        {"CHAR", "chr($*)"},
        {"CONCAT", "concat(($1)::text, ($2)::text)"},
        {"INSERT", "overlay(($1) placing ($4) from ($2) for ($3))"},
        {"LCASE", "lower($*)"},
        {"%2LOCATE", "strpos(($2), ($1))"},
        {"%3LOCATE", "(strpos(substr(($2), ($3)), ($1)) + ($3) - 1)"},
        {"LENGTH", "char_length($*)"},
        {"SPACE", "repeat(' ', ($1))"},
        {"SUBSTRING", "substr($*)"},
        {"UCASE", "upper($*)"},
        {"CEILING", "ceil($*)"},
        {"LOG", "ln($*)"},
        {"LOG10", "log($*)"},
        {"%0RAND", "random()"},
        {"%1RAND", "(setseed($1) * 0 + random())"},
        {"TRUNCATE", "trunc($*)"},
        {"CURRENT_DATE", "current_date"},
        {"CURRENT_TIME", "current_time"},
        {"CURRENT_TIMESTAMP", "current_timestamp"},
        {"LOCALTIME", "localtime"},
        {"LOCALTIMESTAMP", "localtimestamp"},
        {"CURRENT_USER", "cast(current_user as text)"},
        {"SESSION_USER", "cast(session_user as text)"},
        {"USER", "cast(current_user as text)"},
        {"CURDATE", "current_date"},
        {"CURTIME", "current_time"},
        {"DAYNAME", "to_char(($1), 'Day')"},
        {"MONTHNAME", "to_char(($1), 'Month')"},
        {"DAYOFMONTH", "cast(extract(day from ($1)) as integer)"},
        {"DAYOFWEEK", "(cast(extract(dow from ($1)) as integer) + 1)"},
        {"DAYOFYEAR", "cast(extract(doy from ($1)) as integer)"},
        {"HOUR", "cast(extract(hour from ($1)) as integer)"},
        {"MINUTE", "cast(extract(minute from ($1)) as integer)"},
        {"MONTH", "cast(extract(month from ($1)) as integer)"},
        {"QUARTER", "cast(extract(quarter from ($1)) as integer)"},
        {"SECOND", "cast(extract(second from ($1)) as integer)"},
        {"WEEK", "cast(extract(week from ($1)) as integer)"},
        {"YEAR", "cast(extract(year from ($1)) as integer)"},
        {"IFNULL", "coalesce($*)"},
        {"TIMESTAMPADD(SQL_TSI_YEAR", "(($3) + make_interval(years := ($2)))"},
        {"TIMESTAMPADD(SQL_TSI_MONTH", "(($3) + make_interval(months := ($2)))"},
        {"TIMESTAMPADD(SQL_TSI_WEEK", "(($3) + make_interval(weeks := ($2)))"},
        {"TIMESTAMPADD(SQL_TSI_DAY", "(($3) + make_interval(days := ($2)))"},
        {"TIMESTAMPADD(SQL_TSI_HOUR", "(($3) + make_interval(hours := ($2)))"},
        {"TIMESTAMPADD(SQL_TSI_MINUTE", "(($3) + make_interval(mins := ($2)))"},
        {"TIMESTAMPADD(SQL_TSI_SECOND", "(($3) + make_interval(secs := ($2)))"},
        {"TIMESTAMPADD(SQL_TSI_FRAC_SECOND", "(($3) + make_interval(secs := ($2)::float8 / 1000000))"},
        {"TIMESTAMPDIFF(SQL_TSI_DAY", "cast((extract(epoch from ($3)) - extract(epoch from ($2))) / 86400 as int)"},
        {"TIMESTAMPDIFF(SQL_TSI_HOUR", "cast((extract(epoch from ($3)) - extract(epoch from ($2))) / 3600 as int)"},
        {"TIMESTAMPDIFF(SQL_TSI_MINUTE", "cast((extract(epoch from ($3)) - extract(epoch from ($2))) / 60 as int)"},
        {"TIMESTAMPDIFF(SQL_TSI_SECOND", "cast(extract(epoch from ($3)) - extract(epoch from ($2)) as int)"},
        {"TIMESTAMPDIFF(SQL_TSI_FRAC_SECOND",
         "(mod(cast(extract(second from (($3) - ($2))) as numeric), 1.0) * 1000000)"},
};

static const char *nsql_map_fn(const char *name, size_t nlen, int nargs, const char *kw, size_t kwlen)
{
	for (size_t i = 0; i < sizeof(nsql_fns) / sizeof(nsql_fns[0]); i++) {
		const char *o = nsql_fns[i].odbc;
		if (o[0] == '%') {
			if (o[1] - '0' == nargs && strlen(o + 2) == nlen && strncasecmp(o + 2, name, nlen) == 0)
				return nsql_fns[i].pg;
			continue;
		}
		const char *paren = strchr(o, '(');
		if (paren == NULL) {
			if (strlen(o) == nlen && strncasecmp(o, name, nlen) == 0)
				return nsql_fns[i].pg;
		} else if ((size_t)(paren - o) == nlen && strncasecmp(o, name, nlen) == 0 &&
		           strlen(paren + 1) == kwlen && strncasecmp(paren + 1, kw, kwlen) == 0) {
			return nsql_fns[i].pg;
		}
	}
	return NULL;
}

/* {fn CONVERT(value, SQL_type)}: the value cast to the PostgreSQL type. */
static const char *nsql_convert_type(const char *t, size_t n)
{
	static const struct {
		const char *odbc, *pg;
	} types[] = {
	        {"SQL_INTEGER", "int4"},
	        {"SQL_CHAR", "varchar"},
	        {"SQL_VARCHAR", "varchar"},
	        {"SQL_LONGVARCHAR", "text"},
	        {"SQL_WCHAR", "varchar"},
	        {"SQL_WVARCHAR", "varchar"},
	        {"SQL_WLONGVARCHAR", "text"},
	        {"SQL_NUMERIC", "numeric"},
	        {"SQL_DECIMAL", "numeric"},
	        {"SQL_DOUBLE", "float8"},
	        {"SQL_FLOAT", "float8"},
	        {"SQL_REAL", "float4"},
	        {"SQL_BIGINT", "int8"},
	        {"SQL_SMALLINT", "int2"},
	        {"SQL_TYPE_DATE", "date"},
	        {"SQL_TYPE_TIME", "time"},
	        {"SQL_TYPE_TIMESTAMP", "timestamp"},
	        {"SQL_BIT", "bit"},
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].odbc) == n && strncasecmp(types[i].odbc, t, n) == 0)
			return types[i].pg;
	return NULL;
}

/* Trim spaces and comments off a range. */
static nsql_range nsql_trim(const nsql_ctx *c, nsql_range r)
{
	nsql_tok t = nsql_next_solid(c->s, r.end, r.start, c->std);
	r.start = t.kind == NT_END ? r.end : t.start;
	size_t last = r.start;
	size_t pos = r.start;
	for (;;) {
		t = nsql_token_at(c->s, r.end, pos, c->std);
		if (t.kind == NT_END)
			break;
		if (t.kind != NT_BLANK)
			last = t.start + t.len;
		pos += t.len;
	}
	r.end = last;
	return r;
}

/* {fn name(args)} */
static void nsql_escape_fn(nsql_ctx *c, size_t pos, size_t b, cb_sb *out)
{
	nsql_tok name = nsql_next_solid(c->s, b, pos, c->std);
	if (name.kind != NT_WORD) {
		nsql_translate(c, pos, b, out, false);
		return;
	}
	nsql_tok open = nsql_next_solid(c->s, b, name.start + name.len, c->std);
	if (!nsql_is_char(c->s, &open, '(')) {
		/* a function constant: {fn CURDATE} and the like */
		const char *m = nsql_map_fn(c->s + name.start, name.len, 0, "", 0);
		if (m != NULL && strchr(m, '$') == NULL)
			cb_sb_put(out, m);
		else
			cb_sb_putn(out, c->s + name.start, name.len);
		nsql_translate(c, name.start + name.len, b, out, false);
		return;
	}
	size_t close = nsql_closing(c, open.start, b, '(', ')');
	if (close == (size_t)-1) {
		nsql_translate(c, name.start, b, out, false);
		return;
	}
	enum { MAXARGS = 16 };
	nsql_range r[MAXARGS];
	int n = nsql_args(c, open.start + 1, close, r, MAXARGS);
	if (n > MAXARGS)
		n = MAXARGS;
	cb_sb args[MAXARGS];
	for (int i = 0; i < n; i++) {
		nsql_range tr = nsql_trim(c, r[i]);
		cb_sb_init(&args[i]);
		nsql_translate(c, tr.start, tr.end, &args[i], false);
		if (args[i].failed)
			c->oom = true;
	}
	const char *name_s = c->s + name.start;
	if (name.len == 7 && strncasecmp(name_s, "CONVERT", 7) == 0 && n == 2) {
		nsql_range tr = nsql_trim(c, r[1]);
		const char *pgt = nsql_convert_type(c->s + tr.start, tr.end - tr.start);
		const char *v = args[0].s ? args[0].s : "";
		/* psqlODBC's rule: a quoted literal stays as it is, a number
		 * becomes a quoted literal (the server picks its type), anything
		 * else is cast */
		if (v[0] == '\'') {
			cb_sb_put(out, v);
		} else if (v[0] == '-' || isdigit((unsigned char)v[0])) {
			cb_sb_put(out, "'");
			cb_sb_put(out, v);
			cb_sb_put(out, "'");
		} else {
			cb_sb_put(out, "(");
			cb_sb_put(out, v);
			cb_sb_put(out, ")");
			if (pgt != NULL) {
				cb_sb_put(out, "::");
				cb_sb_put(out, pgt);
			}
		}
	} else {
		const char *kw = "";
		size_t kwlen = 0;
		if (n > 0) {
			nsql_range tr = nsql_trim(c, r[0]);
			kw = c->s + tr.start;
			kwlen = tr.end - tr.start;
		}
		const char *m = nsql_map_fn(name_s, name.len, n, kw, kwlen);
		if (m == NULL) {
			cb_sb_putn(out, name_s, name.len);
			cb_sb_put(out, "(");
			for (int i = 0; i < n; i++) {
				if (i > 0)
					cb_sb_put(out, ", ");
				cb_sb_put(out, args[i].s ? args[i].s : "");
			}
			cb_sb_put(out, ")");
		} else {
			for (const char *q = m; *q; q++) {
				if (q[0] == '$' && q[1] == '*') {
					for (int i = 0; i < n; i++) {
						if (i > 0)
							cb_sb_put(out, ", ");
						cb_sb_put(out, args[i].s ? args[i].s : "");
					}
					q++;
				} else if (q[0] == '$' && isdigit((unsigned char)q[1])) {
					int k = q[1] - '1';
					if (k >= 0 && k < n)
						cb_sb_put(out, args[k].s ? args[k].s : "");
					q++;
				} else {
					cb_sb_putn(out, q, 1);
				}
			}
		}
	}
	for (int i = 0; i < n; i++)
		cb_sb_free(&args[i]);
	/* anything after the call inside the braces */
	nsql_translate(c, close + 1, b, out, false);
}

/* {call name(args)} making the whole statement: kept as parts for nsql_build. */
static bool nsql_escape_call(nsql_ctx *c, size_t pos, size_t b)
{
	nsql_tok t = nsql_next_solid(c->s, b, pos, c->std);
	size_t name_start = t.start;
	/* a (possibly qualified, possibly quoted) name */
	size_t p = name_start;
	for (;;) {
		t = nsql_token_at(c->s, b, p, c->std);
		if (t.kind == NT_WORD || t.kind == NT_QIDENT || nsql_is_char(c->s, &t, '.'))
			p += t.len;
		else
			break;
	}
	if (p == name_start)
		return false;
	c->call_name = strndup(c->s + name_start, p - name_start);
	if (c->call_name == NULL) {
		c->oom = true;
		return true;
	}
	nsql_tok open = nsql_next_solid(c->s, b, p, c->std);
	c->is_call = true;
	if (!nsql_is_char(c->s, &open, '('))
		return true;
	size_t close = nsql_closing(c, open.start, b, '(', ')');
	if (close == (size_t)-1)
		close = b;
	enum { MAXARGS = 128 };
	nsql_range *r = malloc(MAXARGS * sizeof(*r));
	if (r == NULL) {
		c->oom = true;
		return true;
	}
	int n = nsql_args(c, open.start + 1, close, r, MAXARGS);
	if (n > MAXARGS)
		n = MAXARGS;
	c->args = calloc((size_t)(n ? n : 1), sizeof(*c->args));
	if (c->args == NULL) {
		free(r);
		c->oom = true;
		return true;
	}
	for (int i = 0; i < n; i++) {
		nsql_range tr = nsql_trim(c, r[i]);
		cb_sb a;
		cb_sb_init(&a);
		int before = c->nmarkers;
		nsql_translate(c, tr.start, tr.end, &a, false);
		nsql_tok only = nsql_next_solid(c->s, tr.end, tr.start, c->std);
		c->args[i].marker =
		        (c->nmarkers == before + 1 && only.kind == NT_MARKER && only.start + only.len == tr.end)
		                ? before
		                : -1;
		c->args[i].tmpl = cb_sb_finish(&a);
		if (c->args[i].tmpl == NULL)
			c->oom = true;
	}
	c->nargs = n;
	free(r);
	return true;
}

/* The escape whose body is [a, b) (inside the braces). */
static void nsql_escape(nsql_ctx *c, size_t a, size_t b, cb_sb *out, bool whole)
{
	nsql_tok t = nsql_next_solid(c->s, b, a, c->std);
	size_t pos = t.start;
	bool ret = false;
	if (t.kind == NT_MARKER) {
		nsql_tok eq = nsql_next_solid(c->s, b, t.start + 1, c->std);
		if (nsql_is_char(c->s, &eq, '=')) {
			ret = true;
			pos = eq.start + 1;
			t = nsql_next_solid(c->s, b, pos, c->std);
		}
	}
	if (t.kind != NT_WORD) {
		cb_sb_put(out, "{");
		nsql_translate(c, a, b, out, false);
		cb_sb_put(out, "}");
		return;
	}
	const char *kw = c->s + t.start;
	size_t kwlen = t.len;
	size_t rest = t.start + t.len;
	if (kwlen == 4 && strncasecmp(kw, "call", 4) == 0) {
		if (whole) {
			if (ret) {
				c->proc_return = true;
				cb_sb dummy;
				cb_sb_init(&dummy);
				nsql_marker(c, a + 1, b, &dummy); /* the return value is marker 0 */
				cb_sb_free(&dummy);
			}
			if (nsql_escape_call(c, rest, b))
				return;
		}
		/* a call inside other text: rows of the routine */
		cb_sb_put(out, "SELECT * FROM ");
		nsql_translate(c, rest, b, out, false);
		return;
	}
	if ((kwlen == 1 && (kw[0] == 'd' || kw[0] == 'D')) || (kwlen == 1 && (kw[0] == 't' || kw[0] == 'T')) ||
	    (kwlen == 2 && strncasecmp(kw, "ts", 2) == 0)) {
		nsql_range lit = nsql_trim(c, (nsql_range){rest, b});
		nsql_translate(c, lit.start, lit.end, out, false);
		cb_sb_put(out, kwlen == 2 ? "::timestamp" : (kw[0] == 'd' || kw[0] == 'D') ? "::date" : "::time");
		return;
	}
	if (kwlen == 2 && strncasecmp(kw, "oj", 2) == 0) {
		nsql_translate(c, nsql_trim(c, (nsql_range){rest, b}).start, b, out, false);
		return;
	}
	if (kwlen == 6 && strncasecmp(kw, "escape", 6) == 0) {
		cb_sb_put(out, "escape ");
		nsql_range lit = nsql_trim(c, (nsql_range){rest, b});
		nsql_translate(c, lit.start, lit.end, out, false);
		return;
	}
	if (kwlen == 2 && strncasecmp(kw, "fn", 2) == 0) {
		nsql_escape_fn(c, rest, b, out);
		return;
	}
	/* not an ODBC escape: braces stay (array literals and the like) */
	cb_sb_put(out, "{");
	nsql_translate(c, a, b, out, false);
	cb_sb_put(out, "}");
}

/* Whether "@@identity" (a whole word) stands at pos. */
static bool nsql_is_identity(const nsql_ctx *c, size_t pos, size_t b)
{
	if (b - pos < 10 || c->s[pos + 1] != '@')
		return false;
	nsql_tok w = nsql_token_at(c->s, b, pos + 2, c->std);
	return nsql_is_word(c->s, &w, "identity");
}

/* Translate [a, b); top: the range is a whole statement (a {call} may be it). */
static void nsql_translate(nsql_ctx *c, size_t a, size_t b, cb_sb *out, bool top)
{
	size_t pos = a;
	for (;;) {
		nsql_tok t = nsql_token_at(c->s, b, pos, c->std);
		if (t.kind == NT_END)
			break;
		if (t.kind == NT_MARKER) {
			nsql_marker(c, t.start + 1, b, out);
		} else if (nsql_is_char(c->s, &t, '{')) {
			size_t close = nsql_closing(c, t.start, b, '{', '}');
			if (close == (size_t)-1) {
				cb_sb_putn(out, c->s + t.start, t.len);
			} else {
				bool whole = false;
				if (top) {
					nsql_tok before = nsql_next_solid(c->s, b, a, c->std);
					nsql_tok after = nsql_next_solid(c->s, b, close + 1, c->std);
					whole = before.start == t.start && after.kind == NT_END;
				}
				nsql_escape(c, t.start + 1, close, out, whole);
				t.len = close + 1 - t.start;
			}
		} else if (nsql_is_char(c->s, &t, '@') && nsql_is_identity(c, t.start, b)) {
			/* SQL Server's last identity value, as psqlODBC offers it */
			cb_sb_put(out, "lastval()");
			t.len = 10;
		} else {
			cb_sb_putn(out, c->s + t.start, t.len);
		}
		pos = t.start + t.len;
	}
}

void nsql_free(nsql_stmt *stmts, int n)
{
	for (int i = 0; stmts && i < n; i++) {
		nsql_stmt *s = &stmts[i];
		free(s->tmpl);
		free(s->has_cast);
		free(s->call_name);
		for (int k = 0; k < s->nargs; k++)
			free(s->args[k].tmpl);
		free(s->args);
	}
	free(stmts);
}

bool nsql_parse(const char *text, size_t len, bool std, nsql_stmt **out, int *nout)
{
	nsql_range *r;
	int n;
	if (!nsql_split(text, len, std, &r, &n))
		return false;
	nsql_stmt *st = calloc((size_t)n, sizeof(*st));
	if (st == NULL) {
		free(r);
		return false;
	}
	bool ok = true;
	int markers = 0;
	for (int i = 0; i < n && ok; i++) {
		nsql_range tr = r[i];
		nsql_ctx c = {.s = text, .len = len, .std = std};
		cb_sb b;
		cb_sb_init(&b);
		nsql_translate(&c, tr.start, tr.end, &b, true);
		nsql_stmt *s = &st[i];
		s->tmpl = cb_sb_finish(&b);
		s->nmarkers = c.nmarkers;
		s->first_marker = markers;
		s->has_cast = c.has_cast;
		s->is_call = c.is_call;
		s->proc_return = c.proc_return;
		s->call_name = c.call_name;
		s->args = c.args;
		s->nargs = c.nargs;
		markers += c.nmarkers;
		if (s->tmpl == NULL || c.oom) {
			ok = false;
			break;
		}
		s->kind = s->is_call ? NSQL_CALL : nsql_classify(s->tmpl, strlen(s->tmpl));
		s->from_at = (size_t)-1;
		if (s->kind == NSQL_SELECT) {
			size_t tl = strlen(s->tmpl);
			s->from_at = nsql_find_keyword(s->tmpl, tl, "FROM", std);
			size_t into = nsql_find_keyword(s->tmpl, tl, "INTO", std);
			s->select_into = into != (size_t)-1 && (s->from_at == (size_t)-1 || into < s->from_at);
			s->for_update = nsql_find_keyword(s->tmpl, tl, "FOR", std) != (size_t)-1;
		}
		if (s->kind == NSQL_INSERT) {
			bool oom = false;
			char *d = nsql_insert_defaults(s->tmpl, std, &oom);
			if (oom) {
				ok = false;
				break;
			}
			if (d != NULL) {
				free(s->tmpl);
				s->tmpl = d;
			}
		}
		if (s->kind == NSQL_DDL) {
			size_t tl = strlen(s->tmpl);
			nsql_tok first = nsql_first_solid(s->tmpl, tl);
			s->copy_stdio = nsql_is_word(s->tmpl, &first, "COPY") &&
			                (nsql_find_keyword(s->tmpl, tl, "STDIN", std) != (size_t)-1 ||
			                 nsql_find_keyword(s->tmpl, tl, "STDOUT", std) != (size_t)-1);
		}
	}
	free(r);
	if (!ok) {
		nsql_free(st, n);
		return false;
	}
	*out = st;
	*nout = n;
	return true;
}

/* Render the first n bytes of a template (a sentinel is never cut):
 * sentinels as $n (with casts), kept[] numbering. */
static void nsql_render(cb_sb *out, const char *tmpl, size_t n, const nsql_build_opts *o, int *numbers)
{
	const char *stop = tmpl + n;
	for (const char *p = tmpl; p < stop; p++) {
		if (*p != NSQL_MARK) {
			const char *q = p;
			while (q < stop && *q != NSQL_MARK)
				q++;
			cb_sb_putn(out, p, (size_t)(q - p));
			p = q - 1;
			continue;
		}
		int idx = atoi(p + 1);
		const char *end = memchr(p + 1, NSQL_MARK, (size_t)(stop - (p + 1)));
		if (end == NULL)
			break;
		cb_sb_printf(out, "$%d", numbers[idx]);
		if (o && o->casts && o->casts[idx] && o->casts[idx][0])
			cb_sb_put(out, o->casts[idx]);
		p = end;
	}
}

char *nsql_build(const nsql_stmt *s, const nsql_build_opts *o, int *kept)
{
	int n = s->nmarkers;
	int *numbers = calloc((size_t)(n ? n : 1), sizeof(int));
	const char **casts = calloc((size_t)(n ? n : 1), sizeof(char *));
	if (numbers == NULL || casts == NULL) {
		free(numbers);
		free(casts);
		return NULL;
	}
	for (int i = 0; i < n; i++)
		casts[i] = (o && o->casts && !s->has_cast[i]) ? o->casts[i] : NULL;
	nsql_build_opts ro = {.casts = casts};
	cb_sb out;
	cb_sb_init(&out);
	int next = 0;
	if (s->is_call) {
		/* numbering: the arguments kept, in order; the return value is never sent */
		bool *drop = calloc((size_t)(n ? n : 1), sizeof(bool));
		if (drop == NULL) {
			free(numbers);
			free(casts);
			return NULL;
		}
		if (s->proc_return && n > 0)
			drop[0] = true;
		for (int a = 0; a < s->nargs; a++) {
			int m = s->args[a].marker;
			if (m >= 0 && o && o->outputs && o->outputs[m])
				drop[m] = true;
		}
		for (int i = 0; i < n; i++)
			numbers[i] = drop[i] ? 0 : ++next;
		cb_sb_put(&out, (o && o->call_as_rows) ? "SELECT * FROM " : "SELECT ");
		cb_sb_put(&out, s->call_name);
		cb_sb_put(&out, "(");
		bool first = true;
		for (int a = 0; a < s->nargs; a++) {
			int m = s->args[a].marker;
			if (m >= 0 && drop[m])
				continue;
			if (!first)
				cb_sb_put(&out, ", ");
			first = false;
			if (m >= 0 && o && o->names && o->names[m] && o->names[m][0]) {
				cb_sb_ident(&out, o->names[m]);
				cb_sb_put(&out, " := ");
			}
			nsql_render(&out, s->args[a].tmpl, strlen(s->args[a].tmpl), &ro, numbers);
		}
		cb_sb_put(&out, ")");
		free(drop);
	} else {
		for (int i = 0; i < n; i++)
			numbers[i] = ++next;
		size_t tl = strlen(s->tmpl);
		if (o && o->insert && o->insert_at != (size_t)-1 && o->insert_at <= tl) {
			nsql_render(&out, s->tmpl, o->insert_at, &ro, numbers);
			cb_sb_put(&out, o->insert);
			nsql_render(&out, s->tmpl + o->insert_at, tl - o->insert_at, &ro, numbers);
		} else {
			nsql_render(&out, s->tmpl, tl, &ro, numbers);
		}
	}
	if (kept)
		memcpy(kept, numbers, (size_t)n * sizeof(int));
	free(numbers);
	free(casts);
	return cb_sb_finish(&out);
}
