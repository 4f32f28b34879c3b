/*
 * libFuzzer target for the cache group parser and analysis.
 *
 * Any input must be parsed without crashing, leaking or reading out of
 * bounds; a valid parse is resolved against a made-up catalog (integer
 * columns), analysed, generated and reported too.  Built with clang
 * (-fsanitize=fuzzer,address,undefined) when configure found clang; `make
 * check` runs it briefly over tests/fuzz/corpus (tests/fuzz/test_cg_fuzz.sh).
 * Longer runs by hand:
 *   tests/fuzz/fuzz_cg_parse -max_total_time=600 /tmp/corpus tests/fuzz/corpus
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cachegroup/generate.h"
#include "cachegroup/graph.h"
#include "cachegroup/parser.h"
#include "cachegroup/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Add column name to t unless present. */
static bool add_column(cg_table *t, const char *name)
{
	if (cg_model_find_column(t, name) >= 0)
		return true;
	cg_column *nc = realloc(t->cols, (t->ncols + 1) * sizeof(cg_column));
	if (nc == NULL)
		return false;
	t->cols = nc;
	cg_column *c = &nc[t->ncols];
	memset(c, 0, sizeof(*c));
	c->name = strdup(name);
	c->type_name = strdup("integer");
	c->type_base = strdup("integer");
	c->type_oid = c->base_oid = 23;
	c->array_oid = 1007;
	c->storage = PGTYPE_ST_INTEGER;
	c->category = 'N';
	t->ncols++;
	return c->name && c->type_name && c->type_base;
}

/* Stand in for the catalog: every table gets an integer primary key "id"
 * and an integer column for each referenced name, so generation runs too. */
static bool fake_resolve(cg_group *g)
{
	for (size_t i = 0; i < g->ntables; i++) {
		cg_table *t = &g->tables[i];
		t->nspname = strdup(t->schema ? t->schema : "public");
		t->pk = malloc(sizeof(int));
		if (t->nspname == NULL || t->pk == NULL || !add_column(t, "id"))
			return false;
		t->pk[0] = 0;
		t->npk = 1;
		t->cols[0].unique = true;
		t->resolved = true;
	}
	for (size_t i = 0; i < g->nfills; i++)
		if (!add_column(&g->tables[g->fills[i].table], g->fills[i].column))
			return false;
	for (size_t i = 0; i < g->nrccs; i++)
		if (!add_column(&g->tables[g->rccs[i].src], g->rccs[i].src_column) ||
		    !add_column(&g->tables[g->rccs[i].dst], g->rccs[i].dst_column))
			return false;
	for (size_t i = 0; i < g->nfills; i++)
		g->fills[i].col = cg_model_find_column(&g->tables[g->fills[i].table], g->fills[i].column);
	for (size_t i = 0; i < g->nrccs; i++) {
		g->rccs[i].src_col = cg_model_find_column(&g->tables[g->rccs[i].src], g->rccs[i].src_column);
		g->rccs[i].dst_col = cg_model_find_column(&g->tables[g->rccs[i].dst], g->rccs[i].dst_column);
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	if (devnull == NULL)
		devnull = fopen("/dev/null", "w");
	cg_diags d = {0};
	cg_group *g = cg_parse_buffer("fuzz.cg", (const char *)data, size, &d);
	if (g != NULL && d.n == 0 && fake_resolve(g)) {
		if (cg_graph_analyse(g, &d))
			(void)cg_gen_generate(g, &d);
		if (devnull)
			cg_report_print(devnull, &g, 1, true);
	}
	if (devnull)
		cg_diag_print(&d, devnull);
	cg_model_free(g);
	cg_diag_free(&d);
	return 0;
}
