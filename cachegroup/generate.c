/*
 * generate.c - every statement the daemon runs for a cache group.
 *
 * Functions prefix: cg_gen_
 */
#include "cachegroup/generate.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/sb.h"
#include "common/pgtype.h"

typedef struct gen {
	cg_group *g;
	size_t cap;
	bool oom;
} gen;

const char *cg_gen_kind_name(cg_stmt_kind kind)
{
	switch (kind) {
	case CG_STMT_CACHE_DDL:
		return "cache DDL";
	case CG_STMT_FETCH_FILL:
		return "fetch fill rows";
	case CG_STMT_FETCH_RCC:
		return "fetch RCC targets";
	case CG_STMT_FETCH_TABLE:
		return "fetch complete table";
	case CG_STMT_INSERT_ROW:
		return "insert row";
	case CG_STMT_INSERT_CONTROL:
		return "insert control value";
	case CG_STMT_PROBE:
		return "probe entry point";
	case CG_STMT_HIT:
		return "count hit";
	case CG_STMT_EVICT_VICTIMS:
		return "eviction victims";
	case CG_STMT_EVICT_CONTROL:
		return "evict control value";
	case CG_STMT_EVICT_SWEEP:
		return "eviction sweep";
	case CG_STMT_APPLY_GET:
		return "applier: cached row by key";
	case CG_STMT_APPLY_DELETE:
		return "applier: delete row by key";
	case CG_STMT_APPLY_UPSERT:
		return "applier: insert or replace row";
	case CG_STMT_APPLY_REQUIRED:
		return "applier: promises needing a row";
	}
	return "?";
}

const cg_stmt *cg_gen_find(const cg_group *g, cg_stmt_kind kind, int table, int fill, int rcc, int entry)
{
	for (size_t i = 0; i < g->nstmts; i++) {
		const cg_stmt *s = &g->stmts[i];
		if (s->kind == kind && (table < 0 || s->table == table) && (fill < 0 || s->fill == fill) &&
		    (rcc < 0 || s->rcc == rcc) && (entry < 0 || s->entry == entry))
			return s;
	}
	return NULL;
}

/* Append a statement; takes sql (may be NULL on OOM).  Returns it or NULL. */
static cg_stmt *add(gen *gn, cg_stmt_kind kind, cg_stmt_target target, char *sql, const char *fmt, ...) CB_PRINTF(5, 6);

static cg_stmt *add(gen *gn, cg_stmt_kind kind, cg_stmt_target target, char *sql, const char *fmt, ...)
{
	cg_group *g = gn->g;
	if (sql == NULL || gn->oom) {
		free(sql);
		gn->oom = true;
		return NULL;
	}
	if (!CB_ARRAY_GROW(g->stmts, gn->cap, g->nstmts + 1)) {
		free(sql);
		gn->oom = true;
		return NULL;
	}
	cg_stmt *s = &g->stmts[g->nstmts];
	memset(s, 0, sizeof(*s));
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s->label, fmt, ap);
	va_end(ap);
	if (r < 0) {
		free(sql);
		gn->oom = true;
		return NULL;
	}
	g->nstmts++;
	s->kind = kind;
	s->target = target;
	s->sql = sql;
	s->table = s->fill = s->rcc = s->entry = s->zone = -1;
	return s;
}

/* build(gn, i) for each of n items (tables, fill columns, ...), in order. */
static void each(gen *gn, size_t n, void (*build)(gen *gn, size_t i))
{
	for (size_t i = 0; i < n; i++)
		build(gn, i);
}

static void add_param(gen *gn, cg_stmt *s, const char *name, uint32_t type_oid, const char *type_name)
{
	if (s == NULL)
		return;
	cg_param *np = realloc(s->params, (s->nparams + 1) * sizeof(*np));
	if (np == NULL) {
		gn->oom = true;
		return;
	}
	s->params = np;
	cg_param *p = &s->params[s->nparams];
	p->name = strdup(name);
	p->type_oid = type_oid;
	p->type_name = strdup(type_name);
	s->nparams++;
	if (p->name == NULL || p->type_name == NULL)
		gn->oom = true;
}

/* The statement s (may be NULL) is one of g->tables[table]. */
static void set_table(cg_stmt *s, size_t table)
{
	if (s)
		s->table = (int)table;
}

/* The statement s (may be NULL) is one of fill column fill of g->tables[table]. */
static void set_fill(cg_stmt *s, size_t fill, size_t table)
{
	if (s) {
		s->fill = (int)fill;
		s->table = (int)table;
	}
}

static const cg_column *col_of(const cg_table *t, const char *name)
{
	int c = cg_model_find_column(t, name);
	return c >= 0 ? &t->cols[c] : NULL;
}

/* "schema"."table" on the backend. */
static void backend_name(cb_sb *sb, const cg_table *t)
{
	cb_sb_ident(sb, t->nspname);
	cb_sb_put(sb, ".");
	cb_sb_ident(sb, t->name);
}

static void select_cols(cb_sb *sb, const cg_table *t)
{
	cb_sb_put(sb, "SELECT ");
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			cb_sb_put(sb, ", ");
		cb_sb_ident(sb, t->cols[i].name);
	}
	cb_sb_put(sb, " FROM ");
	backend_name(sb, t);
}

static char *name2(const char *prefix, const char *table, const char *col, const char *suffix)
{
	char *s = NULL;
	if (asprintf(&s, "%s%s_%s%s", prefix, table, col, suffix) < 0)
		return NULL;
	return s;
}

static void gen_names(gen *gn)
{
	cg_group *g = gn->g;
	for (size_t i = 0; i < g->ntables; i++) {
		cg_table *t = &g->tables[i];
		free(t->cache_name);
		if (strcmp(t->nspname, "public") == 0)
			t->cache_name = strdup(t->name);
		else if (asprintf(&t->cache_name, "%s.%s", t->nspname, t->name) < 0)
			t->cache_name = NULL;
		if (t->cache_name == NULL)
			gn->oom = true;
	}
	for (size_t i = 0; i < g->nfills && !gn->oom; i++) {
		cg_fill *f = &g->fills[i];
		free(f->ctl_name);
		f->ctl_name = name2("cbcache_ctl_", g->tables[f->table].cache_name, f->column, "");
		if (f->ctl_name == NULL)
			gn->oom = true;
	}
}

/* Names the generator makes up must not hit a cache table or each other. */
static bool check_names(const cg_group *g, cg_diags *d)
{
	for (size_t t = 0; t < g->ntables; t++) {
		bool taken = strcmp(g->tables[t].cache_name, CG_COMPLETE_TABLE) == 0 ||
		             strcmp(g->tables[t].cache_name, CG_POS_TABLE) == 0;
		for (size_t i = 0; i < g->nfills && !taken; i++)
			taken = strcmp(g->tables[t].cache_name, g->fills[i].ctl_name) == 0;
		if (taken) {
			cg_diag_add(d, g->tables[t].pos,
			            "rename the table on the backend or leave it out of the cache group",
			            "table \"%s\" has the name of a table the cache keeps for itself",
			            g->tables[t].name);
			return false;
		}
	}
	for (size_t i = 0; i < g->nfills; i++) {
		const cg_fill *f = &g->fills[i];
		for (size_t j = 0; j < i; j++) {
			if (strcmp(g->fills[j].ctl_name, f->ctl_name) == 0) {
				cg_diag_add(d, f->col_pos, "rename one of the tables or columns involved",
				            "the control tables of two fill columns would both be named \"%s\"",
				            f->ctl_name);
				return false;
			}
		}
	}
	return true;
}

/* The column list of table t: `"a" INTEGER, "b" TEXT` when typed, else `"a", "b"`. */
static void put_columns(cb_sb *sb, const cg_table *t, bool typed)
{
	for (size_t c = 0; c < t->ncols; c++) {
		cb_sb_put(sb, c ? ", " : "");
		cb_sb_ident(sb, t->cols[c].name);
		if (typed)
			cb_sb_printf(sb, " %s", pgtype_sqlite_decl(t->cols[c].storage));
	}
}

/* head "ident" tail, in a fresh sb. */
static void around_ident(cb_sb *sb, const char *head, const char *ident, const char *tail)
{
	cb_sb_init(sb);
	cb_sb_put(sb, head);
	cb_sb_ident(sb, ident);
	cb_sb_put(sb, tail);
}

/* Start `VERB "cache table" (columns` in a fresh sb. */
static void table_stmt(cb_sb *sb, const char *verb, const cg_table *t, bool typed)
{
	cb_sb_init(sb);
	cb_sb_put(sb, verb);
	cb_sb_ident(sb, t->cache_name);
	cb_sb_put(sb, " (");
	put_columns(sb, t, typed);
}

/* The cache table of g->tables[i], with the backend's primary key. */
static void ddl_cache_table(gen *gn, size_t i)
{
	const cg_table *t = &gn->g->tables[i];
	cb_sb sb;
	table_stmt(&sb, "CREATE TABLE IF NOT EXISTS ", t, true);
	cb_sb_put(&sb, ", PRIMARY KEY (");
	for (size_t k = 0; k < t->npk; k++) {
		cb_sb_put(&sb, k ? ", " : "");
		cb_sb_ident(&sb, t->cols[t->pk[k]].name);
	}
	cb_sb_put(&sb, "))");
	cg_stmt *s = add(gn, CG_STMT_CACHE_DDL, CG_ON_CACHE, cb_sb_finish(&sb), "cache table %s", t->cache_name);
	set_table(s, i);
}

/* The control table of fill column g->fills[i] and its LRU index. */
static void ddl_control_table(gen *gn, size_t i)
{
	const cg_fill *f = &gn->g->fills[i];
	const cg_table *t = &gn->g->tables[f->table];
	cb_sb sb;
	around_ident(&sb, "CREATE TABLE IF NOT EXISTS ", f->ctl_name, "");
	cb_sb_printf(&sb,
	             " (\"value\" %s NOT NULL PRIMARY KEY, \"loaded_at\" INTEGER NOT NULL, \"last_access\" "
	             "INTEGER NOT NULL, \"hits\" INTEGER NOT NULL DEFAULT 0)",
	             pgtype_sqlite_decl(t->cols[f->col].storage));
	set_fill(add(gn, CG_STMT_CACHE_DDL, CG_ON_CACHE, cb_sb_finish(&sb), "control table of fill column %s.%s",
	             t->name, f->column),
	         i, f->table);
	char *iname = name2("", f->ctl_name, "lru", "");
	around_ident(&sb, "CREATE INDEX IF NOT EXISTS ", iname ? iname : "", " ON ");
	free(iname);
	cb_sb_ident(&sb, f->ctl_name);
	cb_sb_put(&sb, " (\"last_access\")");
	set_fill(add(gn, CG_STMT_CACHE_DDL, CG_ON_CACHE, cb_sb_finish(&sb), "LRU index of control table %s",
	             f->ctl_name),
	         i, f->table);
}

/* The indexes of g->tables[i]: its entry-point and RCC source columns,
 * but the first column of its primary key (the key's index covers it). */
static void ddl_indexes(gen *gn, size_t i)
{
	const cg_group *g = gn->g;
	const cg_table *t = &g->tables[i];
	for (size_t c = 0; c < t->ncols; c++) {
		const char *cn = t->cols[c].name;
		bool want = cg_model_is_rcc_column(g, i, cn);
		for (size_t e = 0; e < g->nentries && !want; e++)
			if (g->entries[e].table == i && strcmp(g->entries[e].column, cn) == 0)
				want = true;
		if (!want || (t->npk > 0 && t->pk[0] == (int)c))
			continue;
		char *iname = name2("cbcache_idx_", t->cache_name, cn, "");
		cb_sb sb;
		around_ident(&sb, "CREATE INDEX IF NOT EXISTS ", iname ? iname : "", " ON ");
		cb_sb_ident(&sb, t->cache_name);
		cb_sb_put(&sb, " (");
		cb_sb_ident(&sb, cn);
		cb_sb_put(&sb, ")");
		if (iname == NULL)
			sb.failed = true;
		free(iname);
		cg_stmt *s = add(gn, CG_STMT_CACHE_DDL, CG_ON_CACHE, cb_sb_finish(&sb), "index on %s.%s", t->name, cn);
		set_table(s, i);
	}
}

/*
 * The change position of SQLite table name (a cache, control or complete
 * table): its row in CG_POS_TABLE, and triggers that advance it in the
 * same transaction as every row change (ops: "INSERT", "UPDATE",
 * "DELETE", those that change what a reader of the table sees; a control
 * table's hit counts are updated, not changed).  The memo of rendered
 * answers (hit/memo.h) keeps an answer while the positions of every table
 * it read stay where they were when it was stored.
 */
static void ddl_position(gen *gn, const char *name, const char *const *ops, size_t nops)
{
	cb_sb sb;
	around_ident(&sb, "INSERT OR IGNORE INTO ", CG_POS_TABLE, " (\"name\", \"pos\") VALUES (");
	cb_sb_literal(&sb, name);
	cb_sb_put(&sb, ", 0)");
	add(gn, CG_STMT_CACHE_DDL, CG_ON_CACHE, cb_sb_finish(&sb), "the change position of %s", name);
	for (size_t i = 0; i < nops; i++) {
		char suffix[3] = {'_', (char)(ops[i][0] | 0x20), '\0'};
		char *tname = name2("cbcache_pos_", name, "", suffix);
		around_ident(&sb, "CREATE TRIGGER IF NOT EXISTS ", tname ? tname : "", " AFTER ");
		free(tname);
		if (tname == NULL)
			sb.failed = true;
		cb_sb_put(&sb, ops[i]);
		cb_sb_put(&sb, " ON ");
		cb_sb_ident(&sb, name);
		cb_sb_put(&sb, " BEGIN UPDATE ");
		cb_sb_ident(&sb, CG_POS_TABLE);
		cb_sb_put(&sb, " SET \"pos\" = \"pos\" + 1 WHERE \"name\" = ");
		cb_sb_literal(&sb, name);
		cb_sb_put(&sb, "; END");
		add(gn, CG_STMT_CACHE_DDL, CG_ON_CACHE, cb_sb_finish(&sb), "advance the change position of %s on %s",
		    name, ops[i]);
	}
}

static void gen_positions(gen *gn, bool any_complete)
{
	static const char *const data_ops[] = {"INSERT", "UPDATE", "DELETE"};
	static const char *const ctl_ops[] = {"INSERT", "DELETE"};
	const cg_group *g = gn->g;
	cb_sb sb;
	around_ident(&sb, "CREATE TABLE IF NOT EXISTS ", CG_POS_TABLE,
	             " (\"name\" TEXT NOT NULL PRIMARY KEY, \"pos\" INTEGER NOT NULL)");
	add(gn, CG_STMT_CACHE_DDL, CG_ON_CACHE, cb_sb_finish(&sb), "the change position of every cache table");
	for (size_t i = 0; i < g->ntables; i++)
		ddl_position(gn, g->tables[i].cache_name, data_ops, 3);
	for (size_t i = 0; i < g->nfills; i++)
		ddl_position(gn, g->fills[i].ctl_name, ctl_ops, 2);
	if (any_complete)
		ddl_position(gn, CG_COMPLETE_TABLE, ctl_ops, 2);
}

static void gen_ddl(gen *gn)
{
	const cg_group *g = gn->g;
	bool any_complete = false;
	for (size_t i = 0; i < g->ntables; i++)
		any_complete |= g->tables[i].complete;
	each(gn, g->ntables, ddl_cache_table);
	each(gn, g->nfills, ddl_control_table);
	if (any_complete) {
		cb_sb sb;
		around_ident(&sb, "CREATE TABLE IF NOT EXISTS ", CG_COMPLETE_TABLE,
		             " (\"table\" TEXT NOT NULL PRIMARY KEY, \"loaded_at\" INTEGER NOT NULL)");
		add(gn, CG_STMT_CACHE_DDL, CG_ON_CACHE, cb_sb_finish(&sb), "the complete tables that are loaded");
	}
	each(gn, g->ntables, ddl_indexes);
	gen_positions(gn, any_complete);
}

static void array_param(gen *gn, cg_stmt *s, const cg_column *c)
{
	char *tn = NULL;
	if (asprintf(&tn, "%s[]", c->type_base) < 0) {
		gn->oom = true;
		return;
	}
	add_param(gn, s, "values", c->array_oid, tn);
	free(tn);
}

/* The rows of t whose column col is one of a set of values ($1) of type_base, in a fresh sb. */
static void select_any(cb_sb *sb, const cg_table *t, const char *col, const char *type_base)
{
	cb_sb_init(sb);
	select_cols(sb, t);
	cb_sb_put(sb, " WHERE ");
	cb_sb_ident(sb, col);
	cb_sb_printf(sb, " = ANY ($1::%s[])", type_base);
}

/* Every row of g->tables[i] when it is complete. */
static void fetch_table(gen *gn, size_t i)
{
	const cg_table *t = &gn->g->tables[i];
	if (!t->complete)
		return;
	cb_sb sb;
	cb_sb_init(&sb);
	select_cols(&sb, t);
	cg_stmt *s = add(gn, CG_STMT_FETCH_TABLE, CG_ON_BACKEND, cb_sb_finish(&sb), "every row of complete table %s",
	                 t->name);
	set_table(s, i);
}

/* The rows of a set of values of fill column g->fills[i]. */
static void fetch_fill(gen *gn, size_t i)
{
	const cg_fill *f = &gn->g->fills[i];
	const cg_table *t = &gn->g->tables[f->table];
	const cg_column *c = &t->cols[f->col];
	cb_sb sb;
	select_any(&sb, t, c->name, c->type_base);
	cg_stmt *s = add(gn, CG_STMT_FETCH_FILL, CG_ON_BACKEND, cb_sb_finish(&sb),
	                 "rows of %s for a set of fill values of %s.%s", t->name, t->name, c->name);
	array_param(gn, s, c);
	set_fill(s, i, f->table);
}

/* The target rows of RCC g->rccs[i] for a set of source values. */
static void fetch_rcc(gen *gn, size_t i)
{
	const cg_rcc *r = &gn->g->rccs[i];
	const cg_table *st = &gn->g->tables[r->src], *tt = &gn->g->tables[r->dst];
	const cg_column *a = &st->cols[r->src_col], *b = &tt->cols[r->dst_col];
	cb_sb sb;
	select_any(&sb, tt, b->name, a->type_base);
	cg_stmt *s = add(gn, CG_STMT_FETCH_RCC, CG_ON_BACKEND, cb_sb_finish(&sb),
	                 "rows of %s for a set of values of %s.%s (rcc %s.%s -> %s.%s)", tt->name, st->name, a->name,
	                 st->name, a->name, tt->name, b->name);
	array_param(gn, s, a);
	if (s) {
		s->rcc = (int)i;
		s->table = (int)r->dst;
	}
}

static void gen_fetch(gen *gn)
{
	each(gn, gn->g->ntables, fetch_table);
	each(gn, gn->g->nfills, fetch_fill);
	each(gn, gn->g->nrccs, fetch_rcc);
}

/* The insert of a fetched row of g->tables[i] (unless cached). */
static void insert_row(gen *gn, size_t i)
{
	const cg_table *t = &gn->g->tables[i];
	cb_sb sb;
	table_stmt(&sb, "INSERT OR IGNORE INTO ", t, false);
	cb_sb_put(&sb, ") VALUES (");
	for (size_t c = 0; c < t->ncols; c++)
		cb_sb_printf(&sb, "%s?%zu", c ? ", " : "", c + 1);
	cb_sb_put(&sb, ")");
	cg_stmt *s = add(gn, CG_STMT_INSERT_ROW, CG_ON_CACHE, cb_sb_finish(&sb),
	                 "insert a fetched row of %s unless cached (parameters: the backend's text of each column)",
	                 t->name);
	set_table(s, i);
	for (size_t c = 0; c < t->ncols; c++)
		add_param(gn, s, t->cols[c].name, 0, pgtype_sqlite_decl(t->cols[c].storage));
}

/* The record that g->tables[i], when it is complete, is loaded. */
static void insert_complete(gen *gn, size_t i)
{
	const cg_table *t = &gn->g->tables[i];
	if (!t->complete)
		return;
	cb_sb sb;
	around_ident(&sb, "INSERT OR IGNORE INTO ", CG_COMPLETE_TABLE, " (\"table\", \"loaded_at\") VALUES (");
	cb_sb_literal(&sb, t->cache_name);
	cb_sb_put(&sb, ", ?1)");
	cg_stmt *s = add(gn, CG_STMT_INSERT_CONTROL, CG_ON_CACHE, cb_sb_finish(&sb),
	                 "record that complete table %s is loaded (last step of its fill)", t->name);
	add_param(gn, s, "now_us", 0, "INTEGER");
	set_table(s, i);
}

/* The record of a loaded value of fill column g->fills[i]. */
static void insert_control(gen *gn, size_t i)
{
	const cg_fill *f = &gn->g->fills[i];
	const cg_table *t = &gn->g->tables[f->table];
	cb_sb sb;
	around_ident(&sb, "INSERT OR IGNORE INTO ", f->ctl_name,
	             " (\"value\", \"loaded_at\", \"last_access\", \"hits\") VALUES (?1, ?2, ?2, 0)");
	cg_stmt *s = add(gn, CG_STMT_INSERT_CONTROL, CG_ON_CACHE, cb_sb_finish(&sb),
	                 "record a loaded value of %s.%s (last step of its fill)", t->name, f->column);
	add_param(gn, s, "value", 0, pgtype_sqlite_decl(t->cols[f->col].storage));
	add_param(gn, s, "now_us", 0, "INTEGER");
	set_fill(s, i, f->table);
}

static void gen_inserts(gen *gn)
{
	each(gn, gn->g->ntables, insert_row);
	each(gn, gn->g->ntables, insert_complete);
	each(gn, gn->g->nfills, insert_control);
}

/* Opens the next of the EXISTS conditions ORed together (*terms so far). */
static void or_exists(cb_sb *sb, int *terms)
{
	cb_sb_put(sb, (*terms)++ ? " OR EXISTS (SELECT 1 FROM " : "EXISTS (SELECT 1 FROM ");
}

/* The next EXISTS condition: a row of table (a cache name) whose col is ?1. */
static void exists_value(cb_sb *sb, int *terms, const char *table, const char *col)
{
	or_exists(sb, terms);
	cb_sb_ident(sb, table);
	cb_sb_put(sb, " WHERE ");
	cb_sb_ident(sb, col);
	cb_sb_put(sb, " = ?1)");
}

/* Whether a value of entry point g->entries[i] is complete in the cache. */
static void probe(gen *gn, size_t i)
{
	const cg_group *g = gn->g;
	const cg_entry *e = &g->entries[i];
	const cg_table *t = &g->tables[e->table];
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_put(&sb, "SELECT ");
	int terms = 0;
	if (e->reasons & CG_ENTRY_FILL)
		exists_value(&sb, &terms, g->fills[e->fill].ctl_name, "value");
	for (size_t r = 0; r < g->nrccs && (e->reasons & CG_ENTRY_RCC); r++) {
		const cg_rcc *rc = &g->rccs[r];
		if (rc->dst == e->table && strcmp(rc->dst_column, e->column) == 0)
			exists_value(&sb, &terms, g->tables[rc->src].cache_name, rc->src_column);
	}
	bool uses_value = terms > 0;
	if (e->reasons & CG_ENTRY_UNIQUE) {
		exists_value(&sb, &terms, t->cache_name, e->column);
		uses_value = true;
	}
	if (e->reasons & CG_ENTRY_COMPLETE) {
		/* every value, present or not, once the table is loaded */
		or_exists(&sb, &terms);
		cb_sb_ident(&sb, CG_COMPLETE_TABLE);
		cb_sb_put(&sb, " WHERE \"table\" = ");
		cb_sb_literal(&sb, t->cache_name);
		cb_sb_put(&sb, ")");
	}
	cg_stmt *s = add(gn, CG_STMT_PROBE, CG_ON_CACHE, cb_sb_finish(&sb),
	                 "is a value of %s.%s complete in the cache (1) or not (0)", t->name, e->column);
	const cg_column *c = col_of(t, e->column);
	if (uses_value)
		add_param(gn, s, "value", 0, c ? pgtype_sqlite_decl(c->storage) : "TEXT");
	if (s) {
		s->entry = (int)i;
		s->table = (int)e->table;
	}
}

static void gen_probes(gen *gn)
{
	each(gn, gn->g->nentries, probe);
}

/* FROM "T0" t0 JOIN "T1" t1 ON t1."b" = t0."a" ... over rccs[0..n) */
static void path_joins(cb_sb *sb, const cg_group *g, size_t t0, const size_t *rccs, size_t n)
{
	cb_sb_put(sb, " FROM ");
	cb_sb_ident(sb, g->tables[t0].cache_name);
	cb_sb_put(sb, " t0");
	for (size_t k = 0; k < n; k++) {
		const cg_rcc *r = &g->rccs[rccs[k]];
		cb_sb_put(sb, " JOIN ");
		cb_sb_ident(sb, g->tables[r->dst].cache_name);
		cb_sb_printf(sb, " t%zu ON t%zu.", k + 1, k + 1);
		cb_sb_ident(sb, r->dst_column);
		cb_sb_printf(sb, " = t%zu.", k);
		cb_sb_ident(sb, r->src_column);
	}
}

/* The hit on entry point g->entries[i] counted at the control value that
 * reaches it along its back-path p (none when p starts at a complete table). */
static void hit(gen *gn, size_t i, size_t p)
{
	const cg_group *g = gn->g;
	const cg_entry *e = &g->entries[i];
	const cg_table *t = &g->tables[e->table];
	const cg_column *ec = col_of(t, e->column);
	const cg_backpath *bp = &e->paths[p];
	if (bp->origin != CG_ORIGIN_CONTROL)
		return;
	const cg_fill *f = &g->fills[bp->fill];
	cb_sb sb;
	around_ident(&sb, "UPDATE ", f->ctl_name, " SET \"hits\" = \"hits\" + 1, \"last_access\" = ?2 WHERE \"value\"");
	if (bp->nrccs == 0 && bp->table == e->table && strcmp(f->column, e->column) == 0) {
		cb_sb_put(&sb, " = ?1");
	} else {
		size_t njoin = bp->match_source ? bp->nrccs - 1 : bp->nrccs;
		cb_sb_put(&sb, " IN (SELECT t0.");
		cb_sb_ident(&sb, f->column);
		path_joins(&sb, g, bp->table, bp->rccs, njoin);
		cb_sb_printf(&sb, " WHERE t%zu.", njoin);
		if (bp->match_source)
			cb_sb_ident(&sb, g->rccs[bp->rccs[bp->nrccs - 1]].src_column);
		else
			cb_sb_ident(&sb, e->column);
		cb_sb_put(&sb, " = ?1)");
	}
	cb_sb sbl;
	cb_sb_init(&sbl);
	cb_sb_printf(&sbl, "hit on %s.%s: control values of %s.%s", t->name, e->column, g->tables[f->table].name,
	             f->column);
	for (size_t k = 0; k < bp->nrccs; k++) {
		const cg_rcc *r = &g->rccs[bp->rccs[k]];
		cb_sb_printf(&sbl, "%s%s.%s -> %s.%s", k ? ", " : " via ", g->tables[r->src].name, r->src_column,
		             g->tables[r->dst].name, r->dst_column);
	}
	char *label = cb_sb_finish(&sbl);
	cg_stmt *s = add(gn, CG_STMT_HIT, CG_ON_CACHE, cb_sb_finish(&sb), "%s", label ? label : "");
	if (label == NULL)
		gn->oom = true;
	free(label);
	add_param(gn, s, "value", 0, ec ? pgtype_sqlite_decl(ec->storage) : "TEXT");
	add_param(gn, s, "now_us", 0, "INTEGER");
	if (s) {
		s->entry = (int)i;
		s->fill = (int)bp->fill;
		s->table = (int)e->table;
	}
}

static void gen_hits(gen *gn)
{
	const cg_group *g = gn->g;
	for (size_t i = 0; i < g->nentries; i++)
		for (size_t p = 0; p < g->entries[i].npaths; p++)
			hit(gn, i, p);
}

/* The next EXISTS condition: a row (alias a) of table whose column col
 * equals column own_col of the row of t being judged. */
static void exists_reaching(cb_sb *sb, int *terms, const char *table, const char *a, const char *col, const cg_table *t,
                            const char *own_col)
{
	or_exists(sb, terms);
	cb_sb_ident(sb, table);
	cb_sb_printf(sb, " %s WHERE %s.", a, a);
	cb_sb_ident(sb, col);
	cb_sb_put(sb, " = ");
	cb_sb_ident(sb, t->cache_name);
	cb_sb_put(sb, ".");
	cb_sb_ident(sb, own_col);
	cb_sb_put(sb, ")");
}

/* The condition keeping a row of table ti (referred to by its cache name)
 * because something outside its zone still reaches it. */
static void ext_support(cb_sb *sb, const cg_group *g, size_t ti)
{
	const cg_table *t = &g->tables[ti];
	int terms = 0;
	if (t->complete) {
		cb_sb_put(sb, "1");
		return;
	}
	for (size_t i = 0; i < g->nfills; i++) {
		const cg_fill *f = &g->fills[i];
		if (f->table == ti)
			exists_reaching(sb, &terms, f->ctl_name, "c", "value", t, f->column);
	}
	for (size_t i = 0; i < g->nrccs; i++) {
		const cg_rcc *r = &g->rccs[i];
		if (r->dst == ti && g->tables[r->src].zone != t->zone)
			exists_reaching(sb, &terms, g->tables[r->src].cache_name, "s", r->src_column, t, r->dst_column);
	}
	if (terms == 0)
		cb_sb_put(sb, "0");
}

static void set_zone(cg_stmt *s, size_t z, size_t t)
{
	if (s) {
		s->zone = (int)z;
		s->table = (int)t;
	}
}

/* The sweep of table ti of zone zz: delete its rows nothing outside reaches (nor, in a cycle, a kept value). */
static void add_sweep(gen *gn, size_t zz, size_t ti, const char *cycle_col)
{
	const cg_table *t = &gn->g->tables[ti];
	cb_sb sb;
	around_ident(&sb, "DELETE FROM ", t->cache_name, " WHERE NOT (");
	ext_support(&sb, gn->g, ti);
	if (cycle_col != NULL) {
		cb_sb_put(&sb, " OR ");
		cb_sb_ident(&sb, cycle_col);
		cb_sb_put(&sb, " IN (SELECT \"v\" FROM temp.\"cbcache_keep\")");
	}
	cb_sb_put(&sb, ")");
	set_zone(add(gn, CG_STMT_EVICT_SWEEP, CG_ON_CACHE, cb_sb_finish(&sb),
	             "sweep %s: delete rows no control value reaches", t->name),
	         zz, ti);
}

/* The eviction of the values of fill column g->fills[i]: the least
 * recently used ones, and the delete of one. */
static void evict_fill(gen *gn, size_t i)
{
	const cg_fill *f = &gn->g->fills[i];
	const cg_table *t = &gn->g->tables[f->table];
	cb_sb sb;
	around_ident(&sb, "SELECT \"value\" FROM ", f->ctl_name, " ORDER BY \"last_access\", \"hits\" LIMIT ?1");
	cg_stmt *s = add(gn, CG_STMT_EVICT_VICTIMS, CG_ON_CACHE, cb_sb_finish(&sb),
	                 "least recently used values of %s.%s", t->name, f->column);
	add_param(gn, s, "limit", 0, "INTEGER");
	set_fill(s, i, f->table);
	around_ident(&sb, "DELETE FROM ", f->ctl_name, " WHERE \"value\" = ?1");
	s = add(gn, CG_STMT_EVICT_CONTROL, CG_ON_CACHE, cb_sb_finish(&sb), "evict a value of %s.%s", t->name,
	        f->column);
	add_param(gn, s, "value", 0, pgtype_sqlite_decl(t->cols[f->col].storage));
	set_fill(s, i, f->table);
}

/* The sweep of zone g->zones[zz] (complete tables are never swept). */
static void sweep_zone(gen *gn, size_t zz)
{
	const cg_group *g = gn->g;
	const cg_zone *z = &g->zones[zz];
	if (z->kind == CG_CYCLE_NONE) {
		if (!g->tables[z->tables[0]].complete)
			add_sweep(gn, zz, z->tables[0], NULL);
		return;
	}
	/* a homogeneous cycle: a value of any table's cycle column reaches
	 * every table of the zone, so keep the cycle values of the rows
	 * reached from outside, then delete the rest */
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_put(&sb, "CREATE TEMP TABLE \"cbcache_keep\" AS ");
	for (size_t k = 0; k < z->ntables; k++) {
		size_t ti = z->tables[k];
		cb_sb_put(&sb, k ? " UNION SELECT " : "SELECT ");
		cb_sb_ident(&sb, g->tables[ti].cache_name);
		cb_sb_put(&sb, ".");
		cb_sb_ident(&sb, z->cycle_cols[k]);
		cb_sb_put(&sb, k ? " FROM " : " AS \"v\" FROM ");
		cb_sb_ident(&sb, g->tables[ti].cache_name);
		cb_sb_put(&sb, " WHERE ");
		ext_support(&sb, g, ti);
	}
	set_zone(add(gn, CG_STMT_EVICT_SWEEP, CG_ON_CACHE, cb_sb_finish(&sb),
	             "sweep zone %zu (homogeneous cycle): cycle values still reached from outside", zz + 1),
	         zz, z->tables[0]);
	for (size_t k = 0; k < z->ntables; k++)
		if (!g->tables[z->tables[k]].complete)
			add_sweep(gn, zz, z->tables[k], z->cycle_cols[k]);
	char *drop = strdup("DROP TABLE temp.\"cbcache_keep\"");
	set_zone(add(gn, CG_STMT_EVICT_SWEEP, CG_ON_CACHE, drop, "sweep zone %zu: done", zz + 1), zz, z->tables[0]);
}

static void gen_evict(gen *gn)
{
	each(gn, gn->g->nfills, evict_fill);
	/* the sweep: zones top-down (the reverse of the load order) */
	for (size_t zz = gn->g->nzones; zz-- > 0;)
		sweep_zone(gn, zz);
}

/* " WHERE k1 = ?i1 AND k2 = ?i2": the primary key, each ?N numbered by its column's index + 1. */
static void where_key(cb_sb *sb, const cg_table *t)
{
	for (size_t k = 0; k < t->npk; k++) {
		cb_sb_put(sb, k ? " AND " : " WHERE ");
		cb_sb_ident(sb, t->cols[t->pk[k]].name);
		cb_sb_printf(sb, " = ?%d", t->pk[k] + 1);
	}
}

static void apply_stmt(gen *gn, size_t i, cg_stmt_kind kind, char *sql, const char *what)
{
	const cg_table *t = &gn->g->tables[i];
	cg_stmt *s = add(gn, kind, CG_ON_CACHE, sql, "%s of %s", what, t->name);
	set_table(s, i);
	for (size_t c = 0; s != NULL && c < t->ncols; c++)
		add_param(gn, s, t->cols[c].name, 0, pgtype_sqlite_decl(t->cols[c].storage));
}

/*
 * The applier's statements for g->tables[i]: read, delete and write a row
 * by its primary key, and the promises that need a row of the table: one
 * column per reason, in this order: the table is complete and loaded;
 * each fill column on it (its value is loaded); each RCC into it (its
 * source holds the value), as g->fills and g->rccs list them.
 */
static void apply_table(gen *gn, size_t i)
{
	const cg_group *g = gn->g;
	const cg_table *t = &g->tables[i];
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_put(&sb, "SELECT ");
	put_columns(&sb, t, false);
	cb_sb_put(&sb, " FROM ");
	cb_sb_ident(&sb, t->cache_name);
	where_key(&sb, t);
	apply_stmt(gn, i, CG_STMT_APPLY_GET, cb_sb_finish(&sb), "the cached row by key");

	around_ident(&sb, "DELETE FROM ", t->cache_name, "");
	where_key(&sb, t);
	apply_stmt(gn, i, CG_STMT_APPLY_DELETE, cb_sb_finish(&sb), "delete the cached row by key");

	table_stmt(&sb, "INSERT OR REPLACE INTO ", t, false);
	cb_sb_put(&sb, ") VALUES (");
	for (size_t c = 0; c < t->ncols; c++)
		cb_sb_printf(&sb, "%s?%zu", c ? ", " : "", c + 1);
	cb_sb_put(&sb, ")");
	apply_stmt(gn, i, CG_STMT_APPLY_UPSERT, cb_sb_finish(&sb), "insert or replace a row");

	cb_sb_init(&sb);
	cb_sb_put(&sb, "SELECT ");
	if (t->complete) {
		cb_sb_put(&sb, "EXISTS (SELECT 1 FROM ");
		cb_sb_ident(&sb, CG_COMPLETE_TABLE);
		cb_sb_put(&sb, " WHERE \"table\" = ");
		cb_sb_literal(&sb, t->cache_name);
		cb_sb_put(&sb, ")");
	} else {
		cb_sb_put(&sb, "0");
	}
	for (size_t f = 0; f < g->nfills; f++) {
		if (g->fills[f].table != i)
			continue;
		cb_sb_put(&sb, ", EXISTS (SELECT 1 FROM ");
		cb_sb_ident(&sb, g->fills[f].ctl_name);
		cb_sb_printf(&sb, " WHERE \"value\" = ?%d)", g->fills[f].col + 1);
	}
	for (size_t r = 0; r < g->nrccs; r++) {
		const cg_rcc *rc = &g->rccs[r];
		if (rc->dst != i)
			continue;
		cb_sb_put(&sb, ", EXISTS (SELECT 1 FROM ");
		cb_sb_ident(&sb, g->tables[rc->src].cache_name);
		cb_sb_put(&sb, " WHERE ");
		cb_sb_ident(&sb, rc->src_column);
		cb_sb_printf(&sb, " = ?%d)", rc->dst_col + 1);
	}
	apply_stmt(gn, i, CG_STMT_APPLY_REQUIRED, cb_sb_finish(&sb), "the promises needing a row");
}

bool cg_gen_generate(cg_group *g, cg_diags *d)
{
	for (size_t i = 0; i < g->ntables; i++) {
		if (!g->tables[i].resolved) {
			cg_diag_add(d, g->tables[i].pos, "resolve the cache group against the backend first",
			            "cannot generate statements: table \"%s\" is not resolved", g->tables[i].name);
			return false;
		}
	}
	if (!g->analysed) {
		cg_diag_add(d, g->pos, "analyse the cache group first", "cannot generate statements: not analysed");
		return false;
	}
	gen gn = {g, g->nstmts, false};
	gen_names(&gn);
	if (!gn.oom && !check_names(g, d))
		return false;
	if (!gn.oom)
		gen_ddl(&gn);
	if (!gn.oom)
		gen_fetch(&gn);
	if (!gn.oom)
		gen_inserts(&gn);
	if (!gn.oom)
		gen_probes(&gn);
	if (!gn.oom)
		gen_hits(&gn);
	if (!gn.oom)
		gen_evict(&gn);
	if (!gn.oom)
		each(&gn, g->ntables, apply_table);
	if (gn.oom) {
		d->oom = true;
		return false;
	}
	return true;
}

/* --- fingerprint ---------------------------------------------------------- */

typedef struct fnv {
	uint64_t h;
} fnv;

static void fnv_put(fnv *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : "\x01"); *p; p++) {
		f->h ^= *p;
		f->h *= 1099511628211ULL;
	}
	f->h ^= 0xff; /* field separator */
	f->h *= 1099511628211ULL;
}

static void fnv_int(fnv *f, long long v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", v);
	fnv_put(f, buf);
}

void cg_gen_fingerprint(cg_group *const *groups, size_t n, char buf[17])
{
	fnv f = {14695981039346656037ULL};
	fnv_put(&f, CG_CACHE_LAYOUT);
	for (size_t gi = 0; gi < n; gi++) {
		const cg_group *g = groups[gi];
		fnv_put(&f, g->name);
		for (size_t t = 0; t < g->ntables; t++) {
			const cg_table *tb = &g->tables[t];
			fnv_put(&f, tb->nspname);
			fnv_put(&f, tb->name);
			fnv_int(&f, tb->complete);
			for (size_t c = 0; c < tb->ncols; c++) {
				fnv_put(&f, tb->cols[c].name);
				fnv_int(&f, tb->cols[c].type_oid);
				fnv_int(&f, tb->cols[c].typmod);
				fnv_put(&f, tb->cols[c].type_name);
				fnv_int(&f, tb->cols[c].storage);
				for (size_t k = 0; k < tb->cols[c].nenum_labels; k++) /* their order and names */
					fnv_put(&f, tb->cols[c].enum_labels[k]);
			}
			for (size_t k = 0; k < tb->npk; k++)
				fnv_int(&f, tb->pk[k]);
		}
		for (size_t i = 0; i < g->nfills; i++) {
			fnv_int(&f, (long long)g->fills[i].table);
			fnv_put(&f, g->fills[i].column);
			fnv_int(&f, g->fills[i].restricted);
			for (size_t v = 0; v < g->fills[i].nvalues; v++)
				fnv_put(&f, g->fills[i].values[v].canonical);
		}
		for (size_t i = 0; i < g->nrccs; i++) {
			fnv_int(&f, (long long)g->rccs[i].src);
			fnv_put(&f, g->rccs[i].src_column);
			fnv_int(&f, (long long)g->rccs[i].dst);
			fnv_put(&f, g->rccs[i].dst_column);
		}
		for (size_t i = 0; i < g->nstmts; i++)
			if (g->stmts[i].kind == CG_STMT_CACHE_DDL)
				fnv_put(&f, g->stmts[i].sql);
	}
	snprintf(buf, 17, "%016" PRIx64, f.h);
}
