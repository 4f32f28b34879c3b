/*
 * Integration test of src/hitschema.c: the SQL front end's view built from
 * examples/movies/movies.cg compiled against the movie database equals the
 * view the sql/ tests build by hand (tests/unit/test_sqlfe_movies.c) from
 * examples/movies/schema.sql, and plans statements the same way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cachegroup/cachegroup.h"
#include "sql/plan.h"
#include "hit/hitschema.h"
#include "tests/integration/pg_testutil.h"

sqlfe_schema *movies_schema(bool collation_c);

static cg_group **groups;
static size_t ngroups;

static int setup(void **state)
{
	if (pgt_setup(state) != 0)
		return -1;
	char path[4096];
	snprintf(path, sizeof(path), "%s/examples/movies/movies.cg", srcdir);
	const char *paths[] = {path};
	cg_diags d = {0};
	bool ok = cg_compile(paths, 1, conn, &groups, &ngroups, &d);
	if (!ok)
		cg_diag_print(&d, stderr);
	cg_diag_free(&d);
	return ok && ngroups == 1 ? 0 : -1;
}

static int teardown(void **state)
{
	cg_groups_free(groups, ngroups);
	return pgt_teardown(state);
}

/* The compiled view has every table, column and RCC of the hand-made one. */
static void test_same_as_hand_made(void **state)
{
	(void)state;
	cb_error err = {{0}};
	bool oom = false;
	sqlfe_schema *got = hitschema_build(groups[0], &(hitschema_opts){.collation_c = true}, &oom, &err);
	assert_non_null(got);
	sqlfe_schema *want = movies_schema(true);
	assert_non_null(want);

	assert_string_equal(got->schema_name, "public");
	assert_true(got->collation_c);
	assert_int_equal(got->ntables, want->ntables);
	for (int t = 0; t < want->ntables; t++) {
		const sqlfe_table *wt = &want->tables[t];
		int gt = sqlfe_schema_table(got, wt->name);
		assert_true(gt >= 0);
		const sqlfe_table *tt = &got->tables[gt];
		assert_int_equal(tt->complete, wt->complete);
		assert_true(tt->oid != 0);
		assert_int_equal(tt->ncols, wt->ncols);
		for (int c = 0; c < wt->ncols; c++) {
			int gc = sqlfe_schema_column(got, gt, wt->cols[c].name);
			if (gc < 0)
				fail_msg("column %s.%s missing", wt->name, wt->cols[c].name);
			const sqlfe_column *a = &tt->cols[gc], *b = &wt->cols[c];
			if (a->type_oid != b->type_oid || a->typmod != b->typmod || a->flags != b->flags ||
			    a->attnum != b->attnum)
				fail_msg("%s.%s: oid %u/%u typmod %d/%d flags %u/%u attnum %d/%d", wt->name, b->name,
				         a->type_oid, b->type_oid, a->typmod, b->typmod, a->flags, b->flags, a->attnum,
				         b->attnum);
		}
	}
	assert_int_equal(got->nrccs, want->nrccs);
	for (int r = 0; r < want->nrccs; r++) {
		const sqlfe_rcc *w = &want->rccs[r];
		int st = sqlfe_schema_table(got, want->tables[w->src_table].name);
		int dt = sqlfe_schema_table(got, want->tables[w->dst_table].name);
		int sc = sqlfe_schema_column(got, st, want->tables[w->src_table].cols[w->src_col].name);
		int dc = sqlfe_schema_column(got, dt, want->tables[w->dst_table].cols[w->dst_col].name);
		assert_true(sqlfe_schema_has_rcc(got, st, sc, dt, dc));
	}
	sqlfe_schema_free(got);
	sqlfe_schema_free(want);
}

/* Statements plan alike on both views: cacheable or not, and the SQL. */
static void test_plans_alike(void **state)
{
	(void)state;
	static const char *const stmts[] = {
	        "SELECT * FROM regisseur WHERE id = 5",
	        "SELECT f.titel, o.name FROM regisseur r JOIN film f ON f.regie = r.id JOIN ort o ON o.plz = f.ort "
	        "WHERE r.id = 7 ORDER BY f.id",
	        "SELECT * FROM film WHERE titel = 'Der blaue Engel'",
	        "SELECT r.nname FROM film f JOIN regisseur r ON r.id = f.regie WHERE f.id = 3",
	        "SELECT d.nname FROM darst_film df, darsteller d WHERE d.id = df.did AND df.fid = 12",
	        "SELECT id, name FROM genre ORDER BY id",
	};
	cb_error err = {{0}};
	bool oom = false;
	sqlfe_schema *got = hitschema_build(groups[0], &(hitschema_opts){.collation_c = true}, &oom, &err);
	sqlfe_schema *want = movies_schema(true);
	assert_non_null(got);
	int cacheable = 0;
	for (size_t i = 0; i < CB_ARRAY_LEN(stmts); i++) {
		sqlfe_plan *a = NULL, *b = NULL;
		cb_error e;
		assert_true(sqlfe_plan_build(stmts[i], NULL, got, &a, &e));
		assert_true(sqlfe_plan_build(stmts[i], NULL, want, &b, &e));
		if (a->cacheable != b->cacheable)
			fail_msg("%s: cacheable %d vs %d (%s | %s)", stmts[i], a->cacheable, b->cacheable, a->reason,
			         b->reason);
		if (a->cacheable) {
			cacheable++;
			assert_string_equal(a->sql, b->sql);
		} else {
			assert_string_equal(a->reason, b->reason);
		}
		sqlfe_plan_free(a);
		sqlfe_plan_free(b);
	}
	/* the set has both kinds, so the comparison above means something */
	assert_in_range(cacheable, 1, (int)CB_ARRAY_LEN(stmts) - 1);
	sqlfe_schema_free(got);
	sqlfe_schema_free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_same_as_hand_made),
	        cmocka_unit_test(test_plans_alike),
	};
	return cmocka_run_group_tests_name("hitschema", tests, setup, teardown);
}
