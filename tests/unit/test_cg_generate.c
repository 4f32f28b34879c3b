/*
 * Unit tests of cachegroup/generate.c: models built in code as the
 * catalog would resolve them; the generated SQLite statements are run on
 * an in-memory SQLite database (DDL, inserts, probes, hit counting,
 * eviction sweep) and their effect is checked row by row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cachegroup/generate.h"
#include "cachegroup/graph.h"
#include "tests/unit/cg_testmodel.h"

/* --- building resolved models --------------------------------------------- */

static cg_group *group(void)
{
	return model_group("gen.cg", "gen");
}

/* cols: "name:int" or "name:text", the first is the primary key. */
static size_t table(cg_group *g, const char *name, const char *const *cols, size_t ncols)
{
	cg_table *t = &g->tables[g->ntables];
	t->name = strdup(name);
	t->nspname = strdup("public");
	t->resolved = true;
	t->oid = 1000 + (uint32_t)g->ntables;
	t->pos.file = g->file;
	t->pos.line = (int)g->ntables + 2;
	t->cols = calloc(ncols, sizeof(cg_column));
	for (size_t i = 0; i < ncols; i++) {
		cg_column *c = &t->cols[i];
		const char *colon = strchr(cols[i], ':');
		c->name = strndup(cols[i], (size_t)(colon - cols[i]));
		bool is_int = strcmp(colon + 1, "int") == 0;
		c->type_oid = c->base_oid = is_int ? 23 : 25;
		c->array_oid = is_int ? 1007 : 1009;
		c->typmod = -1;
		c->type_name = strdup(is_int ? "integer" : "text");
		c->type_base = strdup(c->type_name);
		c->category = is_int ? 'N' : 'S';
		c->storage = is_int ? PGTYPE_ST_INTEGER : PGTYPE_ST_TEXT;
		c->attnum = (int)i + 1;
	}
	t->ncols = ncols;
	t->cols[0].unique = true;
	t->pk = malloc(sizeof(int));
	t->pk[0] = 0;
	t->npk = 1;
	return g->ntables++;
}

/* A fill column with its column resolved. */
static size_t fill(cg_group *g, size_t t, const char *col)
{
	size_t i = model_fill(g, t, col);
	g->fills[i].col = cg_model_find_column(&g->tables[t], col);
	assert_true(g->fills[i].col >= 0);
	return i;
}

/* An RCC with its columns resolved. */
static size_t rcc(cg_group *g, size_t s, const char *a, size_t t, const char *b)
{
	size_t i = model_rcc(g, s, a, t, b);
	g->rccs[i].src_col = cg_model_find_column(&g->tables[s], a);
	g->rccs[i].dst_col = cg_model_find_column(&g->tables[t], b);
	return i;
}

static void compile(cg_group *g)
{
	cg_diags d = {0};
	bool ok = cg_graph_analyse(g, &d) && cg_gen_generate(g, &d);
	if (!ok)
		cg_diag_print(&d, stderr);
	assert_true(ok);
	cg_diag_free(&d);
}

/* --- running statements ---------------------------------------------------- */

static sqlite3 *open_cache(const cg_group *g)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	for (size_t i = 0; i < g->nstmts; i++) {
		if (g->stmts[i].kind != CG_STMT_CACHE_DDL)
			continue;
		char *err = NULL;
		if (sqlite3_exec(db, g->stmts[i].sql, NULL, NULL, &err) != SQLITE_OK)
			fail_msg("%s: %s", g->stmts[i].sql, err);
	}
	return db;
}

/* Run a statement with text/integer arguments given as strings ("#5" = integer 5). */
static long run(sqlite3 *db, const cg_stmt *s, int nargs, ...)
{
	assert_non_null(s);
	assert_int_equal(s->target, CG_ON_CACHE);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, s->sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", s->sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_bind_parameter_count(st), (int)s->nparams);
	va_list ap;
	va_start(ap, nargs);
	for (int i = 0; i < nargs; i++) {
		const char *a = va_arg(ap, const char *);
		if (a[0] == '#')
			sqlite3_bind_int64(st, i + 1, atoll(a + 1));
		else
			sqlite3_bind_text(st, i + 1, a, -1, SQLITE_TRANSIENT);
	}
	va_end(ap);
	long result = -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		result = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_DONE)
		fail_msg("%s: %s", s->sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return result;
}

/* The primary keys left in a table must be want, "1,2,3". */
static void assert_keys(sqlite3 *db, const char *table, const char *want)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT group_concat(id, ',') FROM (SELECT id FROM \"%s\" ORDER BY id)", table);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const unsigned char *v = sqlite3_column_text(st, 0);
	assert_string_equal(v ? (const char *)v : "", want);
	sqlite3_finalize(st);
}

static void sweep(sqlite3 *db, const cg_group *g)
{
	int last_zone = INT32_MAX;
	for (size_t i = 0; i < g->nstmts; i++) {
		const cg_stmt *s = &g->stmts[i];
		if (s->kind != CG_STMT_EVICT_SWEEP)
			continue;
		/* top-down: zones in decreasing load order */
		assert_true(s->zone <= last_zone);
		last_zone = s->zone;
		run(db, s, 0);
	}
}

static const cg_stmt *find_entry_stmt(const cg_group *g, cg_stmt_kind kind, size_t table, const char *col)
{
	for (size_t e = 0; e < g->nentries; e++)
		if (g->entries[e].table == table && strcmp(g->entries[e].column, col) == 0)
			return cg_gen_find(g, kind, -1, -1, -1, (int)e);
	return NULL;
}

/* --- tests ----------------------------------------------------------------- */

static void test_acyclic_lifecycle(void **state)
{
	(void)state;
	cg_group *g = group();
	static const char *const rc[] = {"id:int", "wohnort:text"};
	static const char *const fc[] = {"id:int", "regie:int", "ort:text"};
	static const char *const oc[] = {"id:text"};
	size_t reg = table(g, "regisseur", rc, 2);
	size_t film = table(g, "film", fc, 3);
	size_t ort = table(g, "ort", oc, 1);
	size_t f = fill(g, reg, "id");
	rcc(g, reg, "id", film, "regie");
	rcc(g, film, "ort", ort, "id");
	rcc(g, reg, "wohnort", ort, "id");
	compile(g);
	sqlite3 *db = open_cache(g);

	const cg_stmt *ins_r = cg_gen_find(g, CG_STMT_INSERT_ROW, (int)reg, -1, -1, -1);
	const cg_stmt *ins_f = cg_gen_find(g, CG_STMT_INSERT_ROW, (int)film, -1, -1, -1);
	const cg_stmt *ins_o = cg_gen_find(g, CG_STMT_INSERT_ROW, (int)ort, -1, -1, -1);
	const cg_stmt *ins_c = cg_gen_find(g, CG_STMT_INSERT_CONTROL, -1, (int)f, -1, -1);
	/* two fills, as the fill daemon installs them: targets first, control last */
	run(db, ins_o, 1, "A");
	run(db, ins_o, 1, "C");
	run(db, ins_f, 3, "10", "1", "A");
	run(db, ins_r, 2, "1", "A");
	run(db, ins_c, 2, "1", "#100");
	run(db, ins_o, 1, "B");
	run(db, ins_o, 1, "C"); /* already cached: ignored */
	run(db, ins_f, 3, "11", "2", "C");
	run(db, ins_r, 2, "2", "B");
	run(db, ins_c, 2, "2", "#200");

	/* probes */
	const cg_stmt *probe_regie = find_entry_stmt(g, CG_STMT_PROBE, film, "regie");
	assert_int_equal(run(db, probe_regie, 1, "#1"), 1);
	assert_int_equal(run(db, probe_regie, 1, "#3"), 0);
	const cg_stmt *probe_reg = find_entry_stmt(g, CG_STMT_PROBE, reg, "id");
	assert_int_equal(run(db, probe_reg, 1, "#2"), 1);
	assert_int_equal(run(db, probe_reg, 1, "#7"), 0);
	const cg_stmt *probe_ort = find_entry_stmt(g, CG_STMT_PROBE, ort, "id");
	assert_int_equal(run(db, probe_ort, 1, "C"), 1);
	assert_int_equal(run(db, probe_ort, 1, "Z"), 0);

	/* a hit on film.regie = 1 refreshes control value 1 of regisseur.id */
	const cg_stmt *hit = find_entry_stmt(g, CG_STMT_HIT, film, "regie");
	run(db, hit, 2, "#1", "#300");
	const cg_stmt *victims = cg_gen_find(g, CG_STMT_EVICT_VICTIMS, -1, (int)f, -1, -1);
	assert_int_equal(run(db, victims, 1, "#1"), 2); /* 2 is now the least recently used */

	/* a hit on ort.id = 'C' reaches control 2 through film 11 */
	for (size_t e = 0; e < g->nentries; e++) {
		if (g->entries[e].table != ort)
			continue;
		for (size_t i = 0; i < g->nstmts; i++)
			if (g->stmts[i].kind == CG_STMT_HIT && g->stmts[i].entry == (int)e)
				run(db, &g->stmts[i], 2, "C", "#400");
	}
	assert_int_equal(run(db, victims, 1, "#1"), 1);

	/* evict 1: its director, film and town go; 2's stay */
	const cg_stmt *evict = cg_gen_find(g, CG_STMT_EVICT_CONTROL, -1, (int)f, -1, -1);
	run(db, evict, 1, "#1");
	sweep(db, g);
	assert_keys(db, "regisseur", "2");
	assert_keys(db, "film", "11");
	assert_keys(db, "ort", "B,C");
	/* the probe now says 1 is no longer complete */
	assert_int_equal(run(db, probe_regie, 1, "#1"), 0);
	sqlite3_close(db);
	cg_model_free(g);
}

/* A homogeneous cycle a.k <-> b.k: rows reached around the cycle are kept,
 * rows only an evicted value reached are swept. */
static void test_cycle_sweep(void **state)
{
	(void)state;
	cg_group *g = group();
	static const char *const ac[] = {"id:int", "k:int"};
	static const char *const bc[] = {"id:int", "k:int"};
	size_t a = table(g, "a", ac, 2);
	size_t b = table(g, "b", bc, 2);
	size_t f = fill(g, a, "id");
	rcc(g, a, "k", b, "k");
	rcc(g, b, "k", a, "k");
	compile(g);
	assert_int_equal(g->nzones, 1);
	assert_int_equal(g->zones[0].kind, CG_CYCLE_HOMOGENEOUS);
	sqlite3 *db = open_cache(g);
	const cg_stmt *ins_a = cg_gen_find(g, CG_STMT_INSERT_ROW, (int)a, -1, -1, -1);
	const cg_stmt *ins_b = cg_gen_find(g, CG_STMT_INSERT_ROW, (int)b, -1, -1, -1);
	const cg_stmt *ins_c = cg_gen_find(g, CG_STMT_INSERT_CONTROL, -1, (int)f, -1, -1);
	/* closure of a.id = 1: a1 (k 5) -> b1 (k 5) -> a2 (k 5) */
	run(db, ins_a, 2, "1", "5");
	run(db, ins_b, 2, "1", "5");
	run(db, ins_a, 2, "2", "5");
	run(db, ins_c, 2, "1", "#1");
	/* closure of a.id = 3: a3 (k 6) -> b2 (k 6) */
	run(db, ins_a, 2, "3", "6");
	run(db, ins_b, 2, "2", "6");
	run(db, ins_c, 2, "3", "#2");
	sweep(db, g); /* nothing evicted: nothing swept */
	assert_keys(db, "a", "1,2,3");
	assert_keys(db, "b", "1,2");
	run(db, cg_gen_find(g, CG_STMT_EVICT_CONTROL, -1, (int)f, -1, -1), 1, "#3");
	sweep(db, g);
	assert_keys(db, "a", "1,2");
	assert_keys(db, "b", "1");
	run(db, cg_gen_find(g, CG_STMT_EVICT_CONTROL, -1, (int)f, -1, -1), 1, "#1");
	sweep(db, g);
	assert_keys(db, "a", "");
	assert_keys(db, "b", "");
	sqlite3_close(db);
	cg_model_free(g);
}

/* A complete table: every value of every column is complete once the
 * table is marked loaded, and the sweep never deletes its rows. */
static void test_complete_table(void **state)
{
	(void)state;
	cg_group *g = group();
	static const char *const kc[] = {"id:int", "name:text"};
	static const char *const ac[] = {"id:int", "k_id:int"};
	size_t k = table(g, "k", kc, 2);
	size_t a = table(g, "a", ac, 2);
	g->tables[k].complete = true;
	size_t f = fill(g, a, "id");
	rcc(g, a, "k_id", k, "id");
	compile(g);
	sqlite3 *db = open_cache(g);
	const cg_stmt *probe_name = find_entry_stmt(g, CG_STMT_PROBE, k, "name");
	const cg_stmt *probe_id = find_entry_stmt(g, CG_STMT_PROBE, k, "id");
	assert_int_equal(probe_name->nparams, 0);
	assert_int_equal(probe_id->nparams, 1);
	assert_int_equal(run(db, probe_name, 0), 0); /* not loaded yet */
	assert_int_equal(run(db, probe_id, 1, "#9"), 0);
	run(db, cg_gen_find(g, CG_STMT_INSERT_ROW, (int)k, -1, -1, -1), 2, "1", "one");
	run(db, cg_gen_find(g, CG_STMT_INSERT_ROW, (int)k, -1, -1, -1), 2, "2", "two");
	const cg_stmt *mark = NULL;
	for (size_t i = 0; i < g->nstmts; i++)
		if (g->stmts[i].kind == CG_STMT_INSERT_CONTROL && g->stmts[i].fill < 0 && g->stmts[i].table == (int)k)
			mark = &g->stmts[i];
	run(db, mark, 1, "#5");
	assert_int_equal(run(db, probe_name, 0), 1);
	assert_int_equal(run(db, probe_id, 1, "#9"), 1); /* absent, and known to be absent */
	/* a row of a, then its eviction: k keeps every row */
	run(db, cg_gen_find(g, CG_STMT_INSERT_ROW, (int)a, -1, -1, -1), 2, "7", "1");
	run(db, cg_gen_find(g, CG_STMT_INSERT_CONTROL, -1, (int)f, -1, -1), 2, "7", "#6");
	run(db, cg_gen_find(g, CG_STMT_EVICT_CONTROL, -1, (int)f, -1, -1), 1, "#7");
	sweep(db, g);
	assert_keys(db, "a", "");
	assert_keys(db, "k", "1,2");
	sqlite3_close(db);
	cg_model_free(g);
}

/* Generation refuses an unresolved group. */
static void test_needs_resolution(void **state)
{
	(void)state;
	cg_group *g = group();
	static const char *const ac[] = {"id:int"};
	size_t a = table(g, "a", ac, 1);
	fill(g, a, "id");
	g->tables[a].resolved = false;
	cg_diags d = {0};
	assert_true(cg_graph_analyse(g, &d));
	assert_false(cg_gen_generate(g, &d));
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.items[0].msg, "not resolved"));
	assert_int_equal(g->nstmts, 0);
	cg_diag_free(&d);
	cg_model_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_acyclic_lifecycle),
	        cmocka_unit_test(test_cycle_sweep),
	        cmocka_unit_test(test_complete_table),
	        cmocka_unit_test(test_needs_resolution),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
