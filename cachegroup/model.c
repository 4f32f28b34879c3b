/*
 * model.c - the in-memory model of a cache group and its diagnostics.
 *
 * Functions prefix: cg_model_ (the model), cg_diag_ (diagnostics)
 */
#include "cachegroup/model.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/sb.h"

/* --- diagnostics ------------------------------------------------------- */

bool cg_diag_add(cg_diags *d, cg_pos pos, const char *hint, const char *fmt, ...)
{
	if (!CB_ARRAY_GROW(d->items, d->cap, d->n + 1)) {
		d->oom = true;
		return false;
	}
	cg_diag *e = &d->items[d->n];
	memset(e, 0, sizeof(*e));
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&e->msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		d->oom = true;
		return false;
	}
	e->file = strdup(pos.file ? pos.file : "-");
	e->hint = hint && *hint ? strdup(hint) : NULL;
	e->line = pos.line;
	e->col = pos.col;
	if (e->file == NULL || (hint && *hint && e->hint == NULL)) {
		free(e->msg);
		free(e->file);
		free(e->hint);
		d->oom = true;
		return false;
	}
	d->n++;
	return true;
}

bool cg_diag_addv(cg_diags *d, cg_pos pos, const char *hint, size_t max, const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, max < sizeof(msg) ? max : sizeof(msg), fmt, ap);
	return cg_diag_add(d, pos, hint, "%s", msg);
}

void cg_diag_print(const cg_diags *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++) {
		const cg_diag *e = &d->items[i];
		if (e->line > 0)
			fprintf(out, "%s:%d:%d: %s\n", e->file, e->line, e->col, e->msg);
		else
			fprintf(out, "%s: %s\n", e->file, e->msg);
		if (e->hint)
			fprintf(out, "  hint: %s\n", e->hint);
	}
	if (d->oom)
		fprintf(out, "cbcache: out of memory while reporting errors; free memory and retry\n");
}

void cg_diag_free(cg_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].file);
		free(d->items[i].msg);
		free(d->items[i].hint);
	}
	free(d->items);
	memset(d, 0, sizeof(*d));
}

/* --- model ------------------------------------------------------------- */

cg_group *cg_model_new(const char *file)
{
	cg_group *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->file = strdup(file);
	if (g->file == NULL) {
		free(g);
		return NULL;
	}
	return g;
}

static void free_table(cg_table *t)
{
	free(t->schema);
	free(t->name);
	free(t->nspname);
	for (size_t i = 0; i < t->ncols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].type_name);
		free(t->cols[i].type_base);
		for (size_t k = 0; k < t->cols[i].nenum_labels; k++)
			free(t->cols[i].enum_labels[k]);
		free(t->cols[i].enum_labels);
	}
	free(t->cols);
	free(t->pk);
	free(t->cache_name);
}

void cg_model_free(cg_group *g)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < g->ntables; i++)
		free_table(&g->tables[i]);
	free(g->tables);
	for (size_t i = 0; i < g->nfills; i++) {
		cg_fill *f = &g->fills[i];
		free(f->column);
		for (size_t j = 0; j < f->nvalues; j++) {
			free(f->values[j].text);
			free(f->values[j].canonical);
		}
		free(f->values);
		free(f->ctl_name);
	}
	free(g->fills);
	for (size_t i = 0; i < g->nrccs; i++) {
		free(g->rccs[i].src_column);
		free(g->rccs[i].dst_column);
	}
	free(g->rccs);
	free(g->source);
	for (size_t i = 0; i < g->nzones; i++) {
		if (g->zones[i].cycle_cols) {
			for (size_t j = 0; j < g->zones[i].ntables; j++)
				free(g->zones[i].cycle_cols[j]);
			free(g->zones[i].cycle_cols);
		}
		free(g->zones[i].tables);
	}
	free(g->zones);
	for (size_t i = 0; i < g->nentries; i++) {
		free(g->entries[i].column);
		for (size_t j = 0; j < g->entries[i].npaths; j++)
			free(g->entries[i].paths[j].rccs);
		free(g->entries[i].paths);
	}
	free(g->entries);
	for (size_t i = 0; i < g->nstmts; i++) {
		free(g->stmts[i].label);
		free(g->stmts[i].sql);
		for (size_t j = 0; j < g->stmts[i].nparams; j++) {
			free(g->stmts[i].params[j].name);
			free(g->stmts[i].params[j].type_name);
		}
		free(g->stmts[i].params);
	}
	free(g->stmts);
	free(g->name);
	free(g->file);
	free(g);
}

static bool str_eq_opt(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int cg_model_find_table(const cg_group *g, const char *schema, const char *name)
{
	for (size_t i = 0; i < g->ntables; i++) {
		const cg_table *t = &g->tables[i];
		if (strcmp(t->name, name) == 0 && str_eq_opt(t->schema, schema))
			return (int)i;
	}
	return -1;
}

int cg_model_find_column(const cg_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool needs_quotes(const char *ident)
{
	if (ident[0] == '\0' || (ident[0] >= '0' && ident[0] <= '9') || ident[0] == '$')
		return true;
	for (const char *p = ident; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80))
			return true;
	}
	return false;
}

static void put_ident_display(cb_sb *sb, const char *ident)
{
	if (needs_quotes(ident))
		cb_sb_ident(sb, ident);
	else
		cb_sb_put(sb, ident);
}

char *cg_model_quote_ident(const char *ident)
{
	cb_sb sb;
	cb_sb_init(&sb);
	put_ident_display(&sb, ident);
	return cb_sb_finish(&sb);
}

char *cg_model_table_display(const cg_table *t)
{
	cb_sb sb;
	cb_sb_init(&sb);
	if (t->schema) {
		put_ident_display(&sb, t->schema);
		cb_sb_put(&sb, ".");
	}
	put_ident_display(&sb, t->name);
	return cb_sb_finish(&sb);
}

bool cg_model_fill_permits(const cg_fill *f, const char *value)
{
	if (!f->restricted)
		return true;
	for (size_t i = 0; i < f->nvalues; i++) {
		const char *v = f->values[i].canonical ? f->values[i].canonical : f->values[i].text;
		if (v != NULL && strcmp(v, value) == 0)
			return true;
	}
	return false;
}

bool cg_model_has_enum(const cg_table *t)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (t->cols[c].enum_labels != NULL)
			return true;
	return false;
}

bool cg_model_is_rcc_column(const cg_group *g, size_t table, const char *column)
{
	for (size_t i = 0; i < g->nrccs; i++) {
		const cg_rcc *r = &g->rccs[i];
		if ((r->src == table && strcmp(r->src_column, column) == 0) ||
		    (r->dst == table && strcmp(r->dst_column, column) == 0))
			return true;
	}
	return false;
}
