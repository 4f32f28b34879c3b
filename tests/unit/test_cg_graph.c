/*
 * Unit tests of cachegroup/graph.c on models built in code (no parser,
 * no backend): zones, cycle classification, load order, entry points and
 * back-paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cachegroup/graph.h"
#include "tests/unit/cg_testmodel.h"

/* --- building models ------------------------------------------------------ */

static cg_group *group(void)
{
	return model_group("model.cg", "test");
}

static size_t table(cg_group *g, const char *name, bool complete)
{
	cg_table *t = &g->tables[g->ntables];
	t->name = strdup(name);
	t->complete = complete;
	t->pos.file = g->file;
	t->pos.line = (int)g->ntables + 2;
	t->pos.col = 7;
	return g->ntables++;
}

/* Mark column name of table t unique (as the catalog would). */
static void unique(cg_group *g, size_t t, const char *name)
{
	cg_table *tab = &g->tables[t];
	cg_column *nc = realloc(tab->cols, (tab->ncols + 1) * sizeof(cg_column));
	assert_non_null(nc);
	tab->cols = nc;
	memset(&nc[tab->ncols], 0, sizeof(cg_column));
	nc[tab->ncols].name = strdup(name);
	nc[tab->ncols].unique = true;
	tab->ncols++;
}

static const cg_entry *entry(const cg_group *g, size_t t, const char *col)
{
	for (size_t i = 0; i < g->nentries; i++)
		if (g->entries[i].table == t && strcmp(g->entries[i].column, col) == 0)
			return &g->entries[i];
	return NULL;
}

/* Render a back-path as "ctl:T.c|rcc,rcc|src" for comparison. */
static void render_path(const cg_group *g, const cg_backpath *bp, char *buf, size_t sz)
{
	size_t used = 0;
	if (bp->origin == CG_ORIGIN_CONTROL)
		used += (size_t)snprintf(buf, sz, "ctl:%s.%s|", g->tables[bp->table].name, g->fills[bp->fill].column);
	else
		used += (size_t)snprintf(buf, sz, "complete:%s|", g->tables[bp->table].name);
	for (size_t k = 0; k < bp->nrccs; k++)
		used += (size_t)snprintf(buf + used, sz - used, "%s%zu", k ? "," : "", bp->rccs[k]);
	snprintf(buf + used, sz - used, "|%s", bp->match_source ? "src" : "row");
}

/* Whether entry e has a back-path rendering as want. */
static bool has_path(const cg_group *g, const cg_entry *e, const char *want)
{
	char buf[256];
	for (size_t i = 0; i < e->npaths; i++) {
		render_path(g, &e->paths[i], buf, sizeof(buf));
		if (strcmp(buf, want) == 0)
			return true;
	}
	return false;
}

static bool analyse(cg_group *g, cg_diags *d)
{
	return cg_graph_analyse(g, d);
}

/* --- zones and order ------------------------------------------------------- */

static void test_chain_order(void **state)
{
	(void)state;
	cg_diags d = {0};
	cg_group *g = group();
	size_t a = table(g, "a", false), b = table(g, "b", false), c = table(g, "c", false);
	model_fill(g, a, "x");
	model_rcc(g, a, "x", b, "y");
	model_rcc(g, b, "z", c, "w");
	assert_true(analyse(g, &d));
	assert_int_equal(d.n, 0);
	assert_int_equal(g->nzones, 3);
	/* load order: targets first */
	assert_true(g->tables[c].zone < g->tables[b].zone);
	assert_true(g->tables[b].zone < g->tables[a].zone);
	for (size_t z = 0; z < g->nzones; z++) {
		assert_int_equal(g->zones[z].ntables, 1);
		assert_int_equal(g->zones[z].kind, CG_CYCLE_NONE);
	}
	cg_model_free(g);
	cg_diag_free(&d);
}

static void test_diamond_and_disconnected(void **state)
{
	(void)state;
	cg_diags d = {0};
	cg_group *g = group();
	size_t a = table(g, "a", false), b = table(g, "b", false), c = table(g, "c", false), dd = table(g, "d", false);
	size_t p = table(g, "p", false), q = table(g, "q", false), k = table(g, "k", true);
	model_fill(g, a, "id");
	model_rcc(g, a, "id", b, "a_id");
	model_rcc(g, a, "id", c, "a_id");
	model_rcc(g, b, "d_id", dd, "id");
	model_rcc(g, c, "d_id", dd, "id");
	model_fill(g, p, "id");
	model_rcc(g, p, "id", q, "p_id");
	assert_true(analyse(g, &d));
	assert_int_equal(g->nzones, 7);
	assert_true(g->tables[dd].zone < g->tables[b].zone);
	assert_true(g->tables[dd].zone < g->tables[c].zone);
	assert_true(g->tables[b].zone < g->tables[a].zone);
	assert_true(g->tables[c].zone < g->tables[a].zone);
	assert_true(g->tables[q].zone < g->tables[p].zone);
	/* every zone lists exactly its table */
	for (size_t t = 0; t < g->ntables; t++) {
		const cg_zone *z = &g->zones[g->tables[t].zone];
		assert_int_equal(z->ntables, 1);
		assert_int_equal(z->tables[0], t);
	}
	(void)k;
	cg_model_free(g);
	cg_diag_free(&d);
}

/* --- cycles --------------------------------------------------------------- */

static void test_homogeneous_cycle(void **state)
{
	(void)state;
	cg_diags d = {0};
	cg_group *g = group();
	size_t top = table(g, "top", false);
	size_t a = table(g, "a", false), b = table(g, "b", false), c = table(g, "c", false);
	model_fill(g, top, "id");
	model_rcc(g, top, "id", a, "k");
	model_rcc(g, a, "k", b, "k2");
	model_rcc(g, b, "k2", c, "k3");
	model_rcc(g, c, "k3", a, "k");
	assert_true(analyse(g, &d));
	assert_int_equal(d.n, 0);
	assert_int_equal(g->nzones, 2);
	const cg_zone *z = &g->zones[g->tables[a].zone];
	assert_int_equal(z->ntables, 3);
	assert_int_equal(g->tables[b].zone, g->tables[a].zone);
	assert_int_equal(g->tables[c].zone, g->tables[a].zone);
	assert_int_equal(z->kind, CG_CYCLE_HOMOGENEOUS);
	assert_string_equal(z->cycle_cols[0], "k");
	assert_string_equal(z->cycle_cols[1], "k2");
	assert_string_equal(z->cycle_cols[2], "k3");
	/* the cycle is loaded before the table that points into it */
	assert_true(g->tables[a].zone < g->tables[top].zone);
	cg_model_free(g);
	cg_diag_free(&d);
}

static void test_heterogeneous_cycle(void **state)
{
	(void)state;
	cg_diags d = {0};
	cg_group *g = group();
	size_t a = table(g, "a", false), b = table(g, "b", false);
	model_fill(g, a, "x");
	model_rcc(g, a, "x", b, "y"); /* line 40 */
	model_rcc(g, b, "z", a, "x"); /* line 41: b enters by y, leaves by z */
	assert_false(analyse(g, &d));
	assert_int_equal(d.n, 1);
	assert_int_equal(g->zones[g->tables[a].zone].kind, CG_CYCLE_HETEROGENEOUS);
	assert_string_equal(d.items[0].msg, "heterogeneous RCC cycle: table \"b\" is entered by column \"y\" and left "
	                                    "by column \"z\": b.z -> a.x (line 41), a.x -> b.y (line 40)");
	assert_int_equal(d.items[0].line, 41);
	cg_model_free(g);
	cg_diag_free(&d);
}

/* Two cycles through table a, each homogeneous on its own, but a uses
 * column k on one and m on the other: loading alternates without end. */
static void test_table_on_two_cycles(void **state)
{
	(void)state;
	cg_diags d = {0};
	cg_group *g = group();
	size_t a = table(g, "a", false), b = table(g, "b", false), c = table(g, "c", false);
	model_fill(g, a, "k");
	model_rcc(g, a, "k", b, "k");
	model_rcc(g, b, "k", a, "k");
	model_rcc(g, a, "m", c, "m");
	model_rcc(g, c, "m", a, "m");
	assert_false(analyse(g, &d));
	assert_int_equal(g->nzones, 1);
	assert_int_equal(g->zones[0].kind, CG_CYCLE_HETEROGENEOUS);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.items[0].msg, "table \"a\" is entered by column"));
	cg_model_free(g);
	cg_diag_free(&d);

	/* the same shape with one column at a is one homogeneous zone */
	g = group();
	a = table(g, "a", false);
	b = table(g, "b", false);
	c = table(g, "c", false);
	model_fill(g, a, "k");
	model_rcc(g, a, "k", b, "k");
	model_rcc(g, b, "k", a, "k");
	model_rcc(g, a, "k", c, "m");
	model_rcc(g, c, "m", a, "k");
	assert_true(analyse(g, &d));
	assert_int_equal(d.n, 0);
	assert_int_equal(g->nzones, 1);
	assert_int_equal(g->zones[0].ntables, 3);
	assert_int_equal(g->zones[0].kind, CG_CYCLE_HOMOGENEOUS);
	cg_model_free(g);
	cg_diag_free(&d);
}

static void test_self_loops(void **state)
{
	(void)state;
	cg_diags d = {0};
	cg_group *g = group();
	size_t a = table(g, "a", false);
	model_fill(g, a, "id");
	model_rcc(g, a, "grp", a, "grp"); /* homogeneous: rows sharing a group */
	assert_true(analyse(g, &d));
	assert_int_equal(g->nzones, 1);
	assert_int_equal(g->zones[0].kind, CG_CYCLE_HOMOGENEOUS);
	cg_model_free(g);

	g = group();
	a = table(g, "emp", false);
	model_fill(g, a, "id");
	model_rcc(g, a, "id", a, "boss"); /* every subordinate, recursively */
	assert_false(analyse(g, &d));
	assert_int_equal(g->zones[0].kind, CG_CYCLE_HETEROGENEOUS);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.items[0].msg, "heterogeneous RCC cycle: table \"emp\" is entered by column \"boss\" and "
	                                    "left by column \"id\": emp.id -> emp.boss (line 40)");
	cg_model_free(g);
	cg_diag_free(&d);
}

static void test_unloadable(void **state)
{
	(void)state;
	cg_diags d = {0};
	cg_group *g = group();
	size_t a = table(g, "a", false), b = table(g, "b", false), c = table(g, "c", false);
	model_fill(g, a, "id");
	model_rcc(g, b, "x", c, "y"); /* b is never loaded, so neither is c */
	assert_false(analyse(g, &d));
	assert_int_equal(d.n, 2);
	assert_non_null(strstr(d.items[0].msg, "table \"b\" can never be loaded"));
	assert_non_null(strstr(d.items[1].msg, "table \"c\" can never be loaded"));
	assert_int_equal(d.items[0].line, g->tables[b].pos.line);
	(void)a;
	cg_model_free(g);
	cg_diag_free(&d);
}

/* --- entry points and back-paths --------------------------------------------- */

static void test_entries_movies(void **state)
{
	(void)state;
	cg_diags d = {0};
	cg_group *g = group();
	size_t r = table(g, "regisseur", false), f = table(g, "film", false), df = table(g, "darst_film", false);
	size_t gen = table(g, "genre", true);
	unique(g, r, "id");
	unique(g, f, "id");
	unique(g, gen, "id");
	model_fill(g, r, "id");
	size_t r0 = model_rcc(g, r, "id", f, "regie");
	size_t r1 = model_rcc(g, f, "id", df, "fid");
	size_t r2 = model_rcc(g, gen, "id", f, "genre");
	assert_true(analyse(g, &d));
	assert_int_equal(g->nentries, 6);
	char want[128];

	const cg_entry *e = entry(g, r, "id");
	assert_non_null(e);
	assert_int_equal(e->reasons, CG_ENTRY_FILL | CG_ENTRY_UNIQUE);
	assert_int_equal(e->npaths, 1); /* the unique reason adds the same path */
	assert_true(has_path(g, e, "ctl:regisseur.id||row"));

	e = entry(g, f, "regie");
	assert_non_null(e);
	assert_int_equal(e->reasons, CG_ENTRY_RCC);
	assert_int_equal(e->npaths, 1);
	snprintf(want, sizeof(want), "ctl:regisseur.id|%zu|src", r0);
	assert_true(has_path(g, e, want));

	/* film.id is unique: its rows come from a director or a genre */
	e = entry(g, f, "id");
	assert_non_null(e);
	assert_int_equal(e->reasons, CG_ENTRY_UNIQUE);
	assert_int_equal(e->npaths, 2);
	snprintf(want, sizeof(want), "ctl:regisseur.id|%zu|row", r0);
	assert_true(has_path(g, e, want));
	snprintf(want, sizeof(want), "complete:genre|%zu|row", r2);
	assert_true(has_path(g, e, want));

	e = entry(g, df, "fid");
	assert_non_null(e);
	assert_int_equal(e->npaths, 2);
	snprintf(want, sizeof(want), "ctl:regisseur.id|%zu,%zu|src", r0, r1);
	assert_true(has_path(g, e, want));
	snprintf(want, sizeof(want), "complete:genre|%zu,%zu|src", r2, r1);
	assert_true(has_path(g, e, want));

	e = entry(g, f, "genre");
	assert_non_null(e);
	assert_int_equal(e->reasons, CG_ENTRY_RCC);
	e = entry(g, gen, "id");
	assert_non_null(e);
	assert_int_equal(e->reasons, CG_ENTRY_UNIQUE | CG_ENTRY_COMPLETE);
	assert_int_equal(e->npaths, 1);
	assert_true(has_path(g, e, "complete:genre||row"));
	cg_model_free(g);
	cg_diag_free(&d);
}

/* Back-paths through a homogeneous cycle reach both tables' fills. */
static void test_backpaths_cycle(void **state)
{
	(void)state;
	cg_diags d = {0};
	cg_group *g = group();
	size_t a = table(g, "a", false), b = table(g, "b", false);
	model_fill(g, a, "k");
	model_fill(g, b, "x");
	size_t ab = model_rcc(g, a, "k", b, "k");
	size_t ba = model_rcc(g, b, "k", a, "k");
	assert_true(analyse(g, &d));
	const cg_entry *e = entry(g, b, "k");
	assert_non_null(e);
	assert_int_equal(e->reasons, CG_ENTRY_RCC);
	assert_int_equal(e->npaths, 2);
	char want[128];
	snprintf(want, sizeof(want), "ctl:a.k|%zu|src", ab);
	assert_true(has_path(g, e, want));
	snprintf(want, sizeof(want), "ctl:b.x|%zu,%zu|src", ba, ab);
	assert_true(has_path(g, e, want));
	e = entry(g, a, "k");
	assert_non_null(e);
	assert_int_equal(e->reasons, CG_ENTRY_FILL | CG_ENTRY_RCC);
	assert_true(has_path(g, e, "ctl:a.k||row"));
	snprintf(want, sizeof(want), "ctl:b.x|%zu|src", ba);
	assert_true(has_path(g, e, want));
	assert_int_equal(e->npaths, 3); /* and ctl:a.k via a.k -> b.k -> a.k */
	cg_model_free(g);
	cg_diag_free(&d);
}

/* A unique column that is also an RCC target: its rows are there only
 * because of the RCC, so only the RCC's back-paths are listed. */
static void test_backpaths_unique_rcc_target(void **state)
{
	(void)state;
	cg_diags d = {0};
	cg_group *g = group();
	size_t a = table(g, "a", false), b = table(g, "b", false);
	unique(g, b, "k");
	unique(g, b, "id");
	model_fill(g, a, "id");
	size_t ab = model_rcc(g, a, "x", b, "k");
	assert_true(analyse(g, &d));
	char want[64];
	const cg_entry *e = entry(g, b, "k");
	assert_non_null(e);
	assert_int_equal(e->reasons, CG_ENTRY_RCC | CG_ENTRY_UNIQUE);
	assert_int_equal(e->npaths, 1);
	snprintf(want, sizeof(want), "ctl:a.id|%zu|src", ab);
	assert_true(has_path(g, e, want));
	/* another unique column of b is reached through the rows */
	e = entry(g, b, "id");
	assert_non_null(e);
	assert_int_equal(e->npaths, 1);
	snprintf(want, sizeof(want), "ctl:a.id|%zu|row", ab);
	assert_true(has_path(g, e, want));
	cg_model_free(g);
	cg_diag_free(&d);
}

/* Many parallel routes: the number of back-paths is capped. */
static void test_backpaths_capped(void **state)
{
	(void)state;
	cg_diags d = {0};
	cg_group *g = group();
	size_t prev = table(g, "t0", false);
	model_fill(g, prev, "id");
	char name[16];
	/* 8 layers, each joined twice to the next: 2^7 routes to the last */
	for (int i = 1; i < 8; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		size_t t = table(g, name, false);
		model_rcc(g, prev, "a", t, "x");
		model_rcc(g, prev, "b", t, "x");
		prev = t;
	}
	assert_true(analyse(g, &d));
	const cg_entry *e = entry(g, prev, "x");
	assert_non_null(e);
	assert_int_equal(e->npaths, CG_MAX_BACKPATHS);
	assert_true(e->paths_truncated);
	cg_model_free(g);
	cg_diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_chain_order),         cmocka_unit_test(test_diamond_and_disconnected),
	        cmocka_unit_test(test_homogeneous_cycle),   cmocka_unit_test(test_heterogeneous_cycle),
	        cmocka_unit_test(test_table_on_two_cycles), cmocka_unit_test(test_self_loops),
	        cmocka_unit_test(test_unloadable),          cmocka_unit_test(test_entries_movies),
	        cmocka_unit_test(test_backpaths_cycle),     cmocka_unit_test(test_backpaths_unique_rcc_target),
	        cmocka_unit_test(test_backpaths_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
