/*
 * report.c - the human-readable report of `check` (cbcache-cg, cbcached --check).
 *
 * Functions prefix: cg_report_
 */
#include "cachegroup/report.h"

#include <stdlib.h>
#include <string.h>

#include "cachegroup/generate.h"
#include "cachegroup/graph.h"
#include "common/pgtype.h"

static void print_rcc(FILE *out, const cg_group *g, size_t i)
{
	const cg_rcc *r = &g->rccs[i];
	if (r->src >= g->ntables || r->dst >= g->ntables) {
		fprintf(out, "?.%s -> ?.%s", r->src_column, r->dst_column);
		return;
	}
	fprintf(out, "%s.%s -> %s.%s", g->tables[r->src].name, r->src_column, g->tables[r->dst].name, r->dst_column);
}

static void print_tables(FILE *out, const cg_group *g)
{
	fprintf(out, "tables:\n");
	for (size_t i = 0; i < g->ntables; i++) {
		const cg_table *t = &g->tables[i];
		char *disp = cg_model_table_display(t);
		fprintf(out, "  %s%s", disp ? disp : t->name, t->complete ? " (complete: every row cached)" : "");
		free(disp);
		if (!t->resolved) {
			fprintf(out, "  [not resolved against a backend]\n");
			continue;
		}
		fprintf(out, "\n    backend %s.%s, primary key (", t->nspname, t->name);
		for (size_t k = 0; k < t->npk; k++)
			fprintf(out, "%s%s", k ? ", " : "", t->cols[t->pk[k]].name);
		fprintf(out, "), unique columns: ");
		int nu = 0;
		for (size_t c = 0; c < t->ncols; c++)
			if (t->cols[c].unique)
				fprintf(out, "%s%s", nu++ ? ", " : "", t->cols[c].name);
		fprintf(out, "%s\n    columns:", nu ? "" : "none");
		for (size_t c = 0; c < t->ncols; c++)
			fprintf(out, "%s %s %s (%s)", c ? "," : "", t->cols[c].name, t->cols[c].type_name,
			        pgtype_storage_name(t->cols[c].storage));
		fprintf(out, "\n");
	}
}

static void print_fills(FILE *out, const cg_group *g)
{
	fprintf(out, "fill columns:\n");
	if (g->nfills == 0)
		fprintf(out, "  none\n");
	for (size_t i = 0; i < g->nfills; i++) {
		const cg_fill *f = &g->fills[i];
		if (f->table >= g->ntables) {
			fprintf(out, "  ?.%s: on an undeclared table\n", f->column);
			continue;
		}
		const cg_table *t = &g->tables[f->table];
		fprintf(out, "  %s.%s", t->name, f->column);
		if (f->col >= 0)
			fprintf(out, " (%s)", t->cols[f->col].type_name);
		if (!f->restricted) {
			fprintf(out, ": every value\n");
			continue;
		}
		fprintf(out, ": only the values ");
		for (size_t j = 0; j < f->nvalues; j++) {
			const cg_value *v = &f->values[j];
			const char *txt = v->canonical ? v->canonical : v->text;
			bool quote = v->canonical ? t->cols[f->col].category != 'N' : v->is_string;
			fprintf(out, "%s%s%s%s", j ? ", " : "", quote ? "'" : "", txt, quote ? "'" : "");
		}
		fprintf(out, "\n");
	}
}

static void print_zones(FILE *out, const cg_group *g)
{
	fprintf(out, "zones in load order (bottom-up; eviction runs top-down):\n");
	for (size_t z = 0; z < g->nzones; z++) {
		const cg_zone *zn = &g->zones[z];
		fprintf(out, "  %zu. ", z + 1);
		for (size_t k = 0; k < zn->ntables; k++)
			fprintf(out, "%s%s", k ? ", " : "", g->tables[zn->tables[k]].name);
		fprintf(out, ": %s", cg_graph_cycle_kind_name(zn->kind));
		if (zn->kind == CG_CYCLE_HOMOGENEOUS) {
			fprintf(out, " on");
			for (size_t k = 0; k < zn->ntables; k++)
				fprintf(out, "%s %s.%s", k ? "," : "", g->tables[zn->tables[k]].name,
				        zn->cycle_cols[k]);
		}
		fprintf(out, "\n");
	}
}

static void print_entries(FILE *out, const cg_group *g)
{
	fprintf(out, "entry points:\n");
	if (g->nentries == 0)
		fprintf(out, "  none\n");
	for (size_t i = 0; i < g->nentries; i++) {
		const cg_entry *e = &g->entries[i];
		fprintf(out, "  %s.%s:", g->tables[e->table].name, e->column);
		const char *sep = " ";
		if (e->reasons & CG_ENTRY_FILL) {
			fprintf(out, "%sfill column", sep);
			sep = ", ";
		}
		if (e->reasons & CG_ENTRY_RCC) {
			fprintf(out, "%sRCC target", sep);
			sep = ", ";
		}
		if (e->reasons & CG_ENTRY_UNIQUE) {
			fprintf(out, "%sunique", sep);
			sep = ", ";
		}
		if (e->reasons & CG_ENTRY_COMPLETE)
			fprintf(out, "%scomplete table", sep);
		fprintf(out, "\n");
		for (size_t p = 0; p < e->npaths; p++) {
			const cg_backpath *bp = &e->paths[p];
			if (bp->origin == CG_ORIGIN_COMPLETE)
				fprintf(out, "    <- complete table %s", g->tables[bp->table].name);
			else
				fprintf(out, "    <- control of %s.%s", g->tables[bp->table].name,
				        g->fills[bp->fill].column);
			for (size_t k = 0; k < bp->nrccs; k++) {
				fprintf(out, "%s", k ? ", " : " via ");
				print_rcc(out, g, bp->rccs[k]);
			}
			fprintf(out, "\n");
		}
		if (e->paths_truncated)
			fprintf(out, "    <- ... (more than %d back-paths; the rest are not listed)\n",
			        CG_MAX_BACKPATHS);
	}
}

static void print_sql(FILE *out, const cg_group *g)
{
	fprintf(out, "generated statements:\n");
	if (g->nstmts == 0) {
		fprintf(out, "  none (generation needs a backend to resolve the tables)\n");
		return;
	}
	for (size_t i = 0; i < g->nstmts; i++) {
		const cg_stmt *s = &g->stmts[i];
		fprintf(out, "\n-- [%s, %s] %s\n", cg_gen_kind_name(s->kind),
		        s->target == CG_ON_BACKEND ? "PostgreSQL" : "SQLite", s->label);
		if (s->nparams > 0) {
			fprintf(out, "-- parameters:");
			for (size_t p = 0; p < s->nparams; p++)
				fprintf(out, "%s %s%zu %s %s", p ? "," : "", s->target == CG_ON_BACKEND ? "$" : "?",
				        p + 1, s->params[p].name, s->params[p].type_name);
			fprintf(out, "\n");
		}
		fprintf(out, "%s;\n", s->sql);
	}
}

void cg_report_print(FILE *out, cg_group *const *groups, size_t n, bool with_sql)
{
	for (size_t gi = 0; gi < n; gi++) {
		const cg_group *g = groups[gi];
		if (gi)
			fprintf(out, "\n");
		fprintf(out, "cache group %s (%s)\n", g->name ? g->name : "?", g->file);
		print_tables(out, g);
		print_fills(out, g);
		fprintf(out, "RCCs:\n");
		if (g->nrccs == 0)
			fprintf(out, "  none\n");
		for (size_t i = 0; i < g->nrccs; i++) {
			fprintf(out, "  ");
			print_rcc(out, g, i);
			fprintf(out, " (line %d)\n", g->rccs[i].pos.line);
		}
		if (g->analysed) {
			print_zones(out, g);
			print_entries(out, g);
		}
		if (with_sql)
			print_sql(out, g);
	}
}
