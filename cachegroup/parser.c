/*
 * parser.c - cache group definition file -> model (cg_group).
 *
 * Functions prefix: cg_parse_
 *
 * A recursive-descent parser over the lexer's tokens, one statement per
 * line.  References (fill and rcc columns) are kept as written and bound
 * to declared tables in finish() once the whole file is read, so a file
 * may declare its tables in any order.
 */
#include "cachegroup/parser.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cachegroup/lexer.h"
#include "common/array.h"
#include "common/sb.h"

/* A column reference as written: [schema.]table.column */
typedef struct colref {
	char *schema;
	char *table;
	char *column;
	cg_pos pos;
} colref;

typedef struct pending {
	colref a;
	colref b; /* rcc target */
} pending;

typedef struct parser {
	cg_lexer lx;
	cg_token tok; /* current token; text copied into text */
	char *text;
	bool oom;
	cg_group *g;
	cg_diags *d;
	bool seen_group;
	pending *fills; /* parallel to g->fills */
	pending *rccs;  /* parallel to g->rccs */
} parser;

static const char *const keywords[] = {"cachegroup", "table", "fill", "rcc"};

static cg_pos pos_of(const parser *p, int line, int col)
{
	cg_pos pos = {p->g->file, line, col};
	return pos;
}

static cg_pos tok_pos(const parser *p)
{
	return pos_of(p, p->tok.line, p->tok.col);
}

static void advance(parser *p)
{
	if (p->oom) {
		p->tok.kind = CG_TOK_EOF;
		return;
	}
	if (!cg_lex_next(&p->lx, &p->tok)) {
		p->oom = true;
		p->tok.kind = CG_TOK_EOF;
		return;
	}
	free(p->text);
	p->text = strdup(p->tok.text);
	if (p->text == NULL) {
		p->oom = true;
		p->tok.kind = CG_TOK_EOF;
	}
	p->tok.text = p->text;
}

CB_PRINTF(4, 5) static void error_at(parser *p, cg_pos pos, const char *hint, const char *fmt, ...);

static void error_at(parser *p, cg_pos pos, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!cg_diag_addv(p->d, pos, hint, 512, fmt, ap))
		p->oom = true;
	va_end(ap);
}

/* Describe the current token for "found ..." in messages. */
static void describe_tok(const parser *p, char *buf, size_t sz)
{
	switch (p->tok.kind) {
	case CG_TOK_IDENT:
	case CG_TOK_QIDENT:
	case CG_TOK_NUMBER:
		snprintf(buf, sz, "%s \"%s\"", cg_tok_kind_name(p->tok.kind), p->tok.text);
		break;
	case CG_TOK_STRING:
		snprintf(buf, sz, "string '%s'", p->tok.text);
		break;
	default:
		snprintf(buf, sz, "%s", cg_tok_kind_name(p->tok.kind));
		break;
	}
}

/* Report the lexer's error for the current CG_TOK_ERROR token. */
static void lex_error(parser *p)
{
	error_at(p, tok_pos(p), p->lx.hint, "%s", p->lx.errmsg);
}

/* Report "expected X, found Y" at the current token (or the lexer error). */
static void expected(parser *p, const char *what, const char *hint)
{
	if (p->tok.kind == CG_TOK_ERROR) {
		lex_error(p);
		return;
	}
	char found[160];
	describe_tok(p, found, sizeof(found));
	error_at(p, tok_pos(p), hint, "expected %s, found %s", what, found);
}

static bool at_eol(const parser *p)
{
	return p->tok.kind == CG_TOK_NEWLINE || p->tok.kind == CG_TOK_EOF;
}

static void skip_line(parser *p)
{
	while (!at_eol(p))
		advance(p);
}

static bool is_name(const parser *p)
{
	return p->tok.kind == CG_TOK_IDENT || p->tok.kind == CG_TOK_QIDENT;
}

static bool is_kw(const parser *p, const char *kw)
{
	return p->tok.kind == CG_TOK_IDENT && strcmp(p->tok.text, kw) == 0;
}

/* Levenshtein distance of two short words (for "did you mean"). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 30 || lb > 30)
		return 99;
	size_t row[32];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t best = prev + (a[i - 1] == b[j - 1] ? 0 : 1);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

/* The statement must end here; report trailing tokens. */
static void expect_eol(parser *p, const char *hint)
{
	if (at_eol(p))
		return;
	if (p->tok.kind == CG_TOK_ERROR) {
		lex_error(p);
	} else {
		char found[160];
		describe_tok(p, found, sizeof(found));
		error_at(p, tok_pos(p), hint, "unexpected %s at the end of the statement", found);
	}
	skip_line(p);
}

/* NAME ('.' NAME){0,maxdots}; parts[] get copies.  Returns the count, 0 on error. */
static size_t dotted_name(parser *p, char **parts, size_t maxparts, const char *what, const char *hint)
{
	size_t n = 0;
	for (;;) {
		if (!is_name(p)) {
			expected(p, what, hint);
			for (size_t i = 0; i < n; i++) {
				free(parts[i]);
				parts[i] = NULL;
			}
			return 0;
		}
		if (n == maxparts) {
			error_at(p, tok_pos(p), hint, "too many dots in %s", what);
			for (size_t i = 0; i < n; i++) {
				free(parts[i]);
				parts[i] = NULL;
			}
			return 0;
		}
		parts[n] = strdup(p->tok.text);
		if (parts[n] == NULL)
			p->oom = true;
		n++;
		advance(p);
		if (p->tok.kind != CG_TOK_DOT)
			return n;
		advance(p);
	}
}

static void colref_free(colref *c)
{
	free(c->schema);
	free(c->table);
	free(c->column);
	memset(c, 0, sizeof(*c));
}

/* [schema.]table.column */
static bool parse_colref(parser *p, colref *out, const char *hint)
{
	char *parts[3] = {NULL, NULL, NULL};
	memset(out, 0, sizeof(*out));
	out->pos = tok_pos(p);
	size_t n = dotted_name(p, parts, 3, "a column reference table.column", hint);
	if (n == 0)
		return false;
	if (n == 1) {
		error_at(p, out->pos, hint, "column reference \"%s\" names no table", parts[0]);
		free(parts[0]);
		return false;
	}
	if (n == 3) {
		out->schema = parts[0];
		out->table = parts[1];
		out->column = parts[2];
	} else {
		out->table = parts[0];
		out->column = parts[1];
	}
	return true;
}

static const char table_hint[] = "a table is declared as 'table [schema.]name [complete]'";
static const char fill_hint[] = "a fill column is declared as 'fill table.column [values (1, 'a', ...)]'";
static const char rcc_hint[] = "an RCC is written 'rcc source_table.column -> target_table.column'";

static void parse_cachegroup(parser *p, cg_pos kwpos)
{
	advance(p);
	if (!is_name(p)) {
		expected(p, "the cache group's name", "start the file with 'cachegroup NAME'");
		skip_line(p);
		return;
	}
	if (p->seen_group) {
		error_at(p, kwpos, "declare one cache group per file; put the other group in its own file",
		         "a second 'cachegroup' line (the file already declares \"%s\")", p->g->name ? p->g->name : "");
		skip_line(p);
		return;
	}
	p->seen_group = true;
	p->g->name = strdup(p->tok.text);
	p->g->pos = kwpos;
	if (p->g->name == NULL)
		p->oom = true;
	advance(p);
	expect_eol(p, "the cachegroup line has only the group's name");
}

static void parse_table(parser *p)
{
	char *parts[2] = {NULL, NULL};
	advance(p);
	cg_pos npos = tok_pos(p);
	size_t n = dotted_name(p, parts, 2, "a table name", table_hint);
	if (n == 0) {
		skip_line(p);
		return;
	}
	char *schema = n == 2 ? parts[0] : NULL;
	char *name = n == 2 ? parts[1] : parts[0];
	bool complete = false;
	if (is_kw(p, "complete")) {
		complete = true;
		advance(p);
	}
	int dup = cg_model_find_table(p->g, schema, name);
	if (dup >= 0) {
		char *disp = cg_model_table_display(&p->g->tables[dup]);
		error_at(p, npos, "remove one of the two declarations", "table %s is declared twice (first on line %d)",
		         disp ? disp : name, p->g->tables[dup].pos.line);
		free(disp);
		free(schema);
		free(name);
		skip_line(p);
		return;
	}
	if (!CB_ARRAY_GROW_N(p->g->tables, p->g->ntables)) {
		p->oom = true;
		free(schema);
		free(name);
		return;
	}
	cg_table *t = &p->g->tables[p->g->ntables++];
	memset(t, 0, sizeof(*t));
	t->schema = schema;
	t->name = name;
	t->pos = npos;
	t->complete = complete;
	expect_eol(p, complete ? table_hint : "'complete' is the only word allowed after the table name");
}

static bool parse_value(parser *p, cg_fill *f)
{
	if (p->tok.kind != CG_TOK_NUMBER && p->tok.kind != CG_TOK_STRING) {
		expected(p, "a number or a 'string' in the values list",
		         "write the values as numbers or single-quoted strings separated by commas: values (1, 2)");
		return false;
	}
	for (size_t i = 0; i < f->nvalues; i++) {
		if (f->values[i].is_string == (p->tok.kind == CG_TOK_STRING) &&
		    strcmp(f->values[i].text, p->tok.text) == 0) {
			error_at(p, tok_pos(p), "list each value once", "value %s is listed twice (first at column %d)",
			         p->tok.text, f->values[i].pos.col);
			return false;
		}
	}
	if (!CB_ARRAY_GROW_N(f->values, f->nvalues)) {
		p->oom = true;
		return false;
	}
	cg_value *v = &f->values[f->nvalues];
	memset(v, 0, sizeof(*v));
	v->text = strdup(p->tok.text);
	if (v->text == NULL) {
		p->oom = true;
		return false;
	}
	v->is_string = p->tok.kind == CG_TOK_STRING;
	v->pos = tok_pos(p);
	f->nvalues++;
	advance(p);
	return true;
}

static void parse_fill(parser *p, cg_pos kwpos)
{
	colref ref;
	advance(p);
	if (!parse_colref(p, &ref, fill_hint)) {
		skip_line(p);
		return;
	}
	if (!CB_ARRAY_GROW_N(p->g->fills, p->g->nfills) || !CB_ARRAY_GROW_N(p->fills, p->g->nfills)) {
		p->oom = true;
		colref_free(&ref);
		return;
	}
	cg_fill *f = &p->g->fills[p->g->nfills];
	memset(f, 0, sizeof(*f));
	memset(&p->fills[p->g->nfills], 0, sizeof(pending));
	p->fills[p->g->nfills].a = ref;
	p->g->nfills++;
	f->pos = kwpos;
	f->col_pos = ref.pos;
	f->col = -1;
	f->column = strdup(ref.column);
	if (f->column == NULL) {
		p->oom = true;
		return;
	}
	if (at_eol(p))
		return;
	if (!is_kw(p, "values")) {
		expect_eol(p, fill_hint);
		return;
	}
	f->restricted = true;
	advance(p);
	if (p->tok.kind != CG_TOK_LPAREN) {
		expected(p, "'(' after values", fill_hint);
		skip_line(p);
		return;
	}
	cg_pos lpos = tok_pos(p);
	advance(p);
	if (p->tok.kind == CG_TOK_RPAREN) {
		error_at(p, lpos, "list at least one value, or drop 'values (...)' to allow every value",
		         "empty values list");
		advance(p);
		expect_eol(p, fill_hint);
		return;
	}
	for (;;) {
		if (!parse_value(p, f)) {
			skip_line(p);
			return;
		}
		if (p->tok.kind == CG_TOK_COMMA) {
			advance(p);
			continue;
		}
		if (p->tok.kind == CG_TOK_RPAREN) {
			advance(p);
			break;
		}
		expected(p, "',' or ')' in the values list",
		         "separate the values by commas and close the list with ')'");
		skip_line(p);
		return;
	}
	expect_eol(p, fill_hint);
}

static void parse_rcc(parser *p, cg_pos kwpos)
{
	colref a, b;
	advance(p);
	if (!parse_colref(p, &a, rcc_hint)) {
		skip_line(p);
		return;
	}
	if (p->tok.kind != CG_TOK_ARROW) {
		char what[200];
		snprintf(what, sizeof(what), "'->' after \"%s.%s\"", a.table, a.column);
		expected(p, what, rcc_hint);
		colref_free(&a);
		skip_line(p);
		return;
	}
	advance(p);
	if (!parse_colref(p, &b, rcc_hint)) {
		colref_free(&a);
		skip_line(p);
		return;
	}
	if (!CB_ARRAY_GROW_N(p->g->rccs, p->g->nrccs) || !CB_ARRAY_GROW_N(p->rccs, p->g->nrccs)) {
		p->oom = true;
		colref_free(&a);
		colref_free(&b);
		return;
	}
	cg_rcc *r = &p->g->rccs[p->g->nrccs];
	memset(r, 0, sizeof(*r));
	p->rccs[p->g->nrccs].a = a;
	p->rccs[p->g->nrccs].b = b;
	p->g->nrccs++;
	r->pos = kwpos;
	r->src_pos = a.pos;
	r->dst_pos = b.pos;
	r->src_col = -1;
	r->dst_col = -1;
	r->src_column = strdup(a.column);
	r->dst_column = strdup(b.column);
	if (r->src_column == NULL || r->dst_column == NULL)
		p->oom = true;
	expect_eol(p, rcc_hint);
}

static void parse_statement(parser *p)
{
	cg_pos kwpos = tok_pos(p);
	if (p->tok.kind == CG_TOK_ERROR) {
		lex_error(p);
		skip_line(p);
		return;
	}
	if (p->tok.kind != CG_TOK_IDENT) {
		expected(p, "a keyword (cachegroup, table, fill or rcc)",
		         "every line starts with cachegroup, table, fill or rcc");
		skip_line(p);
		return;
	}
	if (strcmp(p->tok.text, "cachegroup") == 0) {
		parse_cachegroup(p, kwpos);
	} else if (strcmp(p->tok.text, "table") == 0) {
		parse_table(p);
	} else if (strcmp(p->tok.text, "fill") == 0) {
		parse_fill(p, kwpos);
	} else if (strcmp(p->tok.text, "rcc") == 0) {
		parse_rcc(p, kwpos);
	} else {
		const char *best = NULL;
		size_t bestd = 3;
		for (size_t i = 0; i < CB_ARRAY_LEN(keywords); i++) {
			size_t dist = edit_distance(p->tok.text, keywords[i]);
			if (dist < bestd) {
				bestd = dist;
				best = keywords[i];
			}
		}
		char hint[160];
		if (best)
			snprintf(hint, sizeof(hint),
			         "did you mean \"%s\"? A line starts with cachegroup, table, fill or rcc", best);
		else
			snprintf(hint, sizeof(hint), "a line starts with cachegroup, table, fill or rcc");
		error_at(p, kwpos, hint, "unknown keyword \"%s\"", p->tok.text);
		skip_line(p);
	}
}

/* Bind a reference to a declared table; -1 after reporting an error. */
static int bind_table(parser *p, const colref *c, const char *what)
{
	int found = -1;
	if (c->schema) {
		found = cg_model_find_table(p->g, c->schema, c->table);
	} else {
		for (size_t i = 0; i < p->g->ntables; i++) {
			if (strcmp(p->g->tables[i].name, c->table) != 0)
				continue;
			if (found >= 0) {
				error_at(p, c->pos, "qualify the table with its schema: schema.table.column",
				         "table \"%s\" is ambiguous: it is declared in more than one schema", c->table);
				return -1;
			}
			found = (int)i;
		}
	}
	if (found < 0) {
		char hint[256];
		snprintf(hint, sizeof(hint), "declare the table with 'table %s%s%s', or fix the name",
		         c->schema ? c->schema : "", c->schema ? "." : "", c->table);
		error_at(p, c->pos, hint, "%s refers to table \"%s%s%s\", which is not declared in this cache group",
		         what, c->schema ? c->schema : "", c->schema ? "." : "", c->table);
	}
	return found;
}

static void finish(parser *p)
{
	cg_group *g = p->g;
	if (!p->seen_group)
		error_at(p, pos_of(p, 1, 1), "start the file with 'cachegroup NAME'",
		         "the file does not declare a cache group");
	if (g->ntables == 0 && p->seen_group)
		error_at(p, g->pos, "declare the cached tables with 'table NAME' lines",
		         "cache group \"%s\" has no table", g->name ? g->name : "");
	for (size_t i = 0; i < g->nfills; i++) {
		cg_fill *f = &g->fills[i];
		int t = bind_table(p, &p->fills[i].a, "fill column");
		f->table = t < 0 ? SIZE_MAX : (size_t)t;
		if (t < 0)
			continue;
		if (g->tables[t].complete) {
			error_at(p, f->col_pos, "drop the fill line: every row of a complete table is always cached",
			         "fill column on table \"%s\", which is declared complete", g->tables[t].name);
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			if (g->fills[j].table == (size_t)t && strcmp(g->fills[j].column, f->column) == 0) {
				error_at(p, f->col_pos, "declare each fill column once; merge the values lists",
				         "fill column %s.%s is declared twice (first on line %d)", g->tables[t].name,
				         f->column, g->fills[j].pos.line);
				break;
			}
		}
	}
	for (size_t i = 0; i < g->nrccs; i++) {
		cg_rcc *r = &g->rccs[i];
		int s = bind_table(p, &p->rccs[i].a, "RCC source");
		int t = bind_table(p, &p->rccs[i].b, "RCC target");
		r->src = s < 0 ? SIZE_MAX : (size_t)s;
		r->dst = t < 0 ? SIZE_MAX : (size_t)t;
		if (s < 0 || t < 0)
			continue;
		for (size_t j = 0; j < i; j++) {
			const cg_rcc *o = &g->rccs[j];
			if (o->src == r->src && o->dst == r->dst && strcmp(o->src_column, r->src_column) == 0 &&
			    strcmp(o->dst_column, r->dst_column) == 0) {
				error_at(p, r->pos, "remove the repeated line",
				         "RCC %s.%s -> %s.%s is declared twice (first on line %d)", g->tables[s].name,
				         r->src_column, g->tables[t].name, r->dst_column, o->pos.line);
				break;
			}
		}
	}
}

cg_group *cg_parse_buffer(const char *name, const char *src, size_t len, cg_diags *d)
{
	parser p;
	memset(&p, 0, sizeof(p));
	p.d = d;
	p.g = cg_model_new(name);
	if (p.g == NULL) {
		d->oom = true;
		return NULL;
	}
	cg_lex_init(&p.lx, src, len);
	advance(&p);
	while (p.tok.kind != CG_TOK_EOF && !p.oom) {
		if (p.tok.kind != CG_TOK_NEWLINE)
			parse_statement(&p);
		if (p.tok.kind == CG_TOK_NEWLINE)
			advance(&p);
	}
	if (!p.oom)
		finish(&p);
	for (size_t i = 0; i < p.g->nfills; i++)
		colref_free(&p.fills[i].a);
	for (size_t i = 0; i < p.g->nrccs; i++) {
		colref_free(&p.rccs[i].a);
		colref_free(&p.rccs[i].b);
	}
	free(p.fills);
	free(p.rccs);
	free(p.text);
	cg_lex_free(&p.lx);
	if (!p.oom) {
		if ((p.g->source = malloc(len + 1)) == NULL) {
			p.oom = true;
		} else {
			memcpy(p.g->source, src, len);
			p.g->source[len] = '\0';
			p.g->source_len = len;
		}
	}
	if (p.oom) {
		d->oom = true;
		cg_model_free(p.g);
		return NULL;
	}
	return p.g;
}

cg_group *cg_parse_file(const char *path, cg_diags *d)
{
	cg_pos pos = {path, 0, 0};
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		cg_diag_add(d, pos, "check the path and the file's permissions", "cannot open the file: %s",
		            strerror(errno));
		return NULL;
	}
	cb_sb sb;
	cb_sb_init(&sb);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		cb_sb_putn(&sb, buf, n);
	}
	bool rerr = ferror(f) != 0;
	fclose(f);
	if (rerr) {
		cb_sb_free(&sb);
		cg_diag_add(d, pos, "check that the path is a readable file", "cannot read the file");
		return NULL;
	}
	size_t len = sb.len;
	char *src = cb_sb_finish(&sb);
	if (src == NULL) {
		d->oom = true;
		return NULL;
	}
	cg_group *g = cg_parse_buffer(path, src, len, d);
	free(src);
	return g;
}
