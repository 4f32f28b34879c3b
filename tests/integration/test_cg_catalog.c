/*
 * Integration test of cachegroup/ on the movie database (runs inside
 * tests/harness/with-pg.sh): examples/movies/movies.cg resolves and is
 * valid; the generated closure queries, iterated to a fixpoint as the fill
 * daemon does, return exactly the closure computed here by hand-written
 * SQL; catalog errors are reported at their file:line:col.
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
#include "common/sb.h"
#include "tests/integration/pg_testutil.h"

static void exec_ok(const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		print_error("%s\n%s", sql, PQerrorMessage(conn));
		PQclear(res);
		fail();
	}
	PQclear(res);
}

static void render_diags(const cg_diags *d, char *buf, size_t sz)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < d->n && used < sz; i++)
		used += (size_t)snprintf(buf + used, sz - used, "%d:%d: %s\n", d->items[i].line, d->items[i].col,
		                         d->items[i].msg);
}

/* --- the movie cache group ---------------------------------------------- */

static cg_group **movies;
static size_t nmovies;

static cg_group *load_movies(void)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/examples/movies/movies.cg", srcdir);
	const char *paths[1] = {path};
	cg_diags d = {0};
	bool ok = cg_compile(paths, 1, conn, &movies, &nmovies, &d);
	if (!ok)
		cg_diag_print(&d, stderr);
	assert_true(ok);
	assert_int_equal(d.n, 0);
	cg_diag_free(&d);
	assert_int_equal(nmovies, 1);
	return movies[0];
}

static const cg_table *table_named(const cg_group *g, const char *name, int *index)
{
	for (size_t i = 0; i < g->ntables; i++)
		if (strcmp(g->tables[i].name, name) == 0) {
			if (index)
				*index = (int)i;
			return &g->tables[i];
		}
	fail_msg("no table %s", name);
	return NULL;
}

static void test_movies_valid(void **state)
{
	(void)state;
	cg_group *g = load_movies();
	const cg_table *ort = table_named(g, "ort", NULL);
	assert_true(ort->resolved);
	assert_string_equal(ort->nspname, "public");
	int plz = cg_model_find_column(ort, "plz");
	assert_true(plz >= 0);
	assert_true(ort->cols[plz].unique);
	assert_string_equal(ort->cols[plz].type_name, "character varying(5)");
	assert_int_equal(ort->cols[plz].type_oid, 1043);
	assert_int_equal(ort->cols[plz].typmod, 5 + 4);
	const cg_table *df = table_named(g, "darst_film", NULL);
	assert_int_equal(df->npk, 2);
	assert_string_equal(df->cols[df->pk[0]].name, "did");
	assert_string_equal(df->cols[df->pk[1]].name, "fid");
	assert_false(df->cols[df->pk[0]].unique);
	const cg_table *genre = table_named(g, "genre", NULL);
	assert_true(genre->cols[cg_model_find_column(genre, "name")].unique);
	/* the values list was checked and canonicalised by the backend */
	const cg_fill *fg = &g->fills[1];
	assert_string_equal(fg->column, "genre");
	assert_int_equal(fg->nvalues, 3);
	assert_string_equal(fg->values[2].canonical, "3");
	assert_true(g->nstmts > 0);
	/* the report names every part */
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	cg_report_print(out, movies, nmovies, true);
	fclose(out);
	assert_non_null(strstr(buf, "zones in load order"));
	assert_non_null(strstr(buf, "film.genre (integer): only the values 1, 2, 3"));
	assert_non_null(strstr(buf, "= ANY ($1::integer[])"));
	free(buf);
}

/* --- the closure of a fill, by the generated queries ------------------------ */

typedef struct keyset {
	char **keys;
	size_t n;
} keyset;

static bool keyset_add(keyset *ks, const char *key)
{
	for (size_t i = 0; i < ks->n; i++)
		if (strcmp(ks->keys[i], key) == 0)
			return false;
	ks->keys = realloc(ks->keys, (ks->n + 1) * sizeof(char *));
	assert_non_null(ks->keys);
	ks->keys[ks->n++] = strdup(key);
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void keyset_free(keyset *ks)
{
	for (size_t i = 0; i < ks->n; i++)
		free(ks->keys[i]);
	free(ks->keys);
	memset(ks, 0, sizeof(*ks));
}

/* Render a keyset sorted, one key per line. */
static char *keyset_render(keyset *ks)
{
	if (ks->n > 1)
		qsort(ks->keys, ks->n, sizeof(char *), cmp_str);
	cb_sb sb;
	cb_sb_init(&sb);
	for (size_t i = 0; i < ks->n; i++)
		cb_sb_printf(&sb, "%s\n", ks->keys[i]);
	char *s = cb_sb_finish(&sb);
	assert_non_null(s);
	return s;
}

typedef struct closure {
	const cg_group *g;
	keyset rows[16];    /* primary keys per table, "a,b" */
	keyset sent[16];    /* values sent per RCC */
	keyset pending[16]; /* values to send per RCC */
} closure;

/* Take the rows of table t returned by a generated fetch statement. */
static void take_rows(closure *c, int t, PGresult *res)
{
	const cg_table *tab = &c->g->tables[t];
	assert_int_equal(PQnfields(res), (int)tab->ncols);
	for (int r = 0; r < PQntuples(res); r++) {
		cb_sb sb;
		cb_sb_init(&sb);
		for (size_t k = 0; k < tab->npk; k++)
			cb_sb_printf(&sb, "%s%s", k ? "," : "", PQgetvalue(res, r, tab->pk[k]));
		char *key = cb_sb_finish(&sb);
		assert_non_null(key);
		bool is_new = keyset_add(&c->rows[t], key);
		free(key);
		if (!is_new)
			continue;
		for (size_t i = 0; i < c->g->nrccs; i++) {
			const cg_rcc *rc = &c->g->rccs[i];
			if ((int)rc->src != t || PQgetisnull(res, r, rc->src_col))
				continue;
			const char *v = PQgetvalue(res, r, rc->src_col);
			bool known = false;
			for (size_t j = 0; j < c->sent[i].n && !known; j++)
				known = strcmp(c->sent[i].keys[j], v) == 0;
			if (!known)
				keyset_add(&c->pending[i], v);
		}
	}
}

/* An array literal {"v1","v2"} of the values. */
static char *array_literal(const keyset *ks)
{
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_put(&sb, "{");
	for (size_t i = 0; i < ks->n; i++) {
		cb_sb_put(&sb, i ? ",\"" : "\"");
		for (const char *p = ks->keys[i]; *p; p++) {
			char ch[3] = {'\\', *p, '\0'};
			cb_sb_put(&sb, (*p == '"' || *p == '\\') ? ch : ch + 1);
		}
		cb_sb_put(&sb, "\"");
	}
	cb_sb_put(&sb, "}");
	char *s = cb_sb_finish(&sb);
	assert_non_null(s);
	return s;
}

static PGresult *run_stmt(const cg_stmt *s, const char *arg)
{
	assert_int_equal(s->target, CG_ON_BACKEND);
	assert_int_equal(s->nparams, 1);
	Oid types[1] = {s->params[0].type_oid};
	const char *vals[1] = {arg};
	PGresult *res = PQexecParams(conn, s->sql, 1, types, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		print_error("%s\n%s", s->sql, PQerrorMessage(conn));
		fail();
	}
	return res;
}

/* The keys returned by hand-written SQL with one parameter. */
static char *hand_keys(const char *sql, const char *param)
{
	const char *vals[1] = {param};
	PGresult *res = PQexecParams(conn, sql, 1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		print_error("%s\n%s", sql, PQerrorMessage(conn));
		fail();
	}
	keyset ks = {0};
	for (int r = 0; r < PQntuples(res); r++)
		keyset_add(&ks, PQgetvalue(res, r, 0));
	PQclear(res);
	char *s = keyset_render(&ks);
	keyset_free(&ks);
	return s;
}

/* Compute the closure of the fill values (an int[] literal) with the
 * generated statements and compare it with hand-written SQL.  Returns the
 * number of cached rows. */
static size_t check_closure(const char *values, bool expect_rows)
{
	const cg_group *g = movies[0];
	closure c;
	memset(&c, 0, sizeof(c));
	c.g = g;
	int treg;
	table_named(g, "regisseur", &treg);
	const cg_stmt *s = NULL;
	for (size_t i = 0; i < g->nfills; i++)
		if ((int)g->fills[i].table == treg && strcmp(g->fills[i].column, "id") == 0)
			s = cg_gen_find(g, CG_STMT_FETCH_FILL, -1, (int)i, -1, -1);
	assert_non_null(s);
	PGresult *res = run_stmt(s, values);
	take_rows(&c, s->table, res);
	PQclear(res);
	/* RCC targets to a fixpoint */
	int rounds = 0;
	for (bool more = true; more; rounds++) {
		assert_true(rounds < 50);
		more = false;
		for (size_t i = 0; i < g->nrccs; i++) {
			if (c.pending[i].n == 0)
				continue;
			more = true;
			keyset batch = c.pending[i];
			memset(&c.pending[i], 0, sizeof(keyset));
			for (size_t j = 0; j < batch.n; j++)
				keyset_add(&c.sent[i], batch.keys[j]);
			char *lit = array_literal(&batch);
			const cg_stmt *rs = cg_gen_find(g, CG_STMT_FETCH_RCC, -1, -1, (int)i, -1);
			assert_non_null(rs);
			res = run_stmt(rs, lit);
			take_rows(&c, rs->table, res);
			PQclear(res);
			free(lit);
			keyset_free(&batch);
		}
	}

	static const struct {
		const char *table;
		const char *sql;
	} expect[] = {
	        {"regisseur", "SELECT id::text FROM regisseur WHERE id = ANY ($1::int[])"},
	        {"film", "SELECT id::text FROM film WHERE regie = ANY ($1::int[])"},
	        {"ort", "SELECT plz FROM ort WHERE plz IN (SELECT wohnort FROM regisseur WHERE id = ANY ($1::int[])"
	                " UNION SELECT ort FROM film WHERE regie = ANY ($1::int[]))"},
	        {"darst_film", "SELECT did || ',' || fid FROM darst_film"
	                       " WHERE fid IN (SELECT id FROM film WHERE regie = ANY ($1::int[]))"},
	        {"darsteller", "SELECT id::text FROM darsteller WHERE id IN (SELECT did FROM darst_film"
	                       " WHERE fid IN (SELECT id FROM film WHERE regie = ANY ($1::int[])))"},
	        {"genre", "SELECT id::text FROM genre WHERE false AND $1::text IS NULL"},
	};
	size_t total = 0;
	for (size_t i = 0; i < CB_ARRAY_LEN(expect); i++) {
		int t;
		table_named(g, expect[i].table, &t);
		char *want = hand_keys(expect[i].sql, values);
		char *got = keyset_render(&c.rows[t]);
		if (strcmp(want, got) != 0)
			print_error("closure of regisseur.id = %s differs in table %s\nexpected:\n%sgot:\n%s", values,
			            expect[i].table, want, got);
		assert_string_equal(want, got);
		if (expect_rows && strcmp(expect[i].table, "genre") != 0)
			assert_true(c.rows[t].n > 0);
		total += c.rows[t].n;
		free(want);
		free(got);
	}
	for (size_t i = 0; i < 16; i++) {
		keyset_free(&c.rows[i]);
		keyset_free(&c.sent[i]);
		keyset_free(&c.pending[i]);
	}
	return total;
}

static void test_fill_closure(void **state)
{
	(void)state;
	if (movies == NULL)
		load_movies();
	assert_true(movies[0]->nrccs <= 16 && movies[0]->ntables <= 16);

	/* the directors with the most cast entries, so every step has rows */
	PGresult *res =
	        PQexec(conn, "SELECT f.regie FROM film f JOIN darst_film df ON df.fid = f.id"
	                     " WHERE f.regie IS NOT NULL GROUP BY f.regie ORDER BY count(*) DESC, f.regie LIMIT 3");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(res), 3);
	char one[64], three[128];
	snprintf(one, sizeof(one), "{%s}", PQgetvalue(res, 0, 0));
	snprintf(three, sizeof(three), "{%s,%s,%s}", PQgetvalue(res, 0, 0), PQgetvalue(res, 1, 0),
	         PQgetvalue(res, 2, 0));
	PQclear(res);
	size_t n1 = check_closure(one, true);
	/* three directors at once: a superset, fetched in the same rounds */
	size_t n3 = check_closure(three, true);
	assert_true(n3 > n1);
	/* a value with no backend row: an empty closure, still exact */
	assert_int_equal(check_closure("{-42}", false), 0);
}

/* The restricted fill's query binds its value set with the declared type. */
static void test_fill_values_query(void **state)
{
	(void)state;
	if (movies == NULL)
		load_movies();
	const cg_stmt *s = cg_gen_find(movies[0], CG_STMT_FETCH_FILL, -1, 1, -1, -1);
	assert_non_null(s);
	assert_int_equal(s->params[0].type_oid, 1007); /* int4[] */
	PGresult *res = run_stmt(s, "{1,2}");
	PGresult *want = PQexec(conn, "SELECT count(*) FROM film WHERE genre IN (1, 2)");
	assert_int_equal(PQntuples(res), atoi(PQgetvalue(want, 0, 0)));
	assert_true(PQntuples(res) > 0);
	PQclear(want);
	PQclear(res);
	cg_groups_free(movies, nmovies);
	movies = NULL;
}

/* --- catalog errors ------------------------------------------------------- */

static void test_catalog_errors(void **state)
{
	(void)state;
	exec_ok("CREATE TABLE cg_nopk (a int, b text)");
	exec_ok("CREATE TABLE cg_rls (id int PRIMARY KEY)");
	exec_ok("ALTER TABLE cg_rls ENABLE ROW LEVEL SECURITY");
	char path[1024];
	write_file("errors.cg",
	           "cachegroup errs\n"
	           "table nosuch\n"
	           "table cg_nopk\n"
	           "table cg_rls\n"
	           "table regisseur\n"
	           "table film\n"
	           "table ort\n"
	           "fill regisseur.nosuchcol\n"
	           "fill film.genre values (1, 'x')\n"
	           "fill ort.plz values ('123456', 12)\n"
	           "fill film.budget\n"
	           "rcc regisseur.id -> film.titel\n"
	           "rcc film.regie -> regisseur.id\n"
	           "rcc film.regie -> film.budget\n",
	           path, sizeof(path));
	const char *paths[1] = {path};
	cg_group **groups;
	size_t n;
	cg_diags d = {0};
	assert_false(cg_compile(paths, 1, conn, &groups, &n, &d));
	char got[4096];
	render_diags(&d, got, sizeof(got));
	const char *want =
	        "2:7: table nosuch does not exist on the backend (searched the search_path)\n"
	        "3:7: table cg_nopk has no primary key\n"
	        "4:7: table cg_rls has row-level security enabled\n"
	        "8:6: column \"nosuchcol\" does not exist in table regisseur\n"
	        "9:28: value 'x' is not a valid integer for column film.genre: invalid input syntax for type integer: "
	        "\"x\"\n"
	        "10:22: value '123456' is longer than column ort.plz allows (character varying(5))\n"
	        "10:32: value 12 is a number, but column ort.plz has type character varying(5)\n"
	        "11:6: fill column film.budget has type numeric(12,2), whose equal values need not have equal text "
	        "(e.g. 1.0 and 1.00): the cache could not keep it exact\n"
	        "12:21: RCC regisseur.id -> film.titel connects incomparable types: integer and text have no = "
	        "operator "
	        "on the backend\n"
	        "14:19: RCC target film.budget has type numeric(12,2), whose equal values need not have equal text "
	        "(e.g. 1.0 and 1.00): the cache could not keep it exact\n";
	assert_string_equal(got, want);
	for (size_t i = 0; i < d.n; i++) {
		assert_string_equal(d.items[i].file, path);
		assert_non_null(d.items[i].hint);
	}
	cg_groups_free(groups, n);
	cg_diag_free(&d);
}

/* Privileges, views, collations and blank-padded types, as a non-superuser. */
static void test_catalog_errors_more(void **state)
{
	(void)state;
	exec_ok("CREATE COLLATION cg_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
	exec_ok("CREATE TABLE cg_people (id int PRIMARY KEY, name text COLLATE cg_ci, code char(3), code5 char(5))");
	exec_ok("CREATE TABLE cg_secret (id int PRIMARY KEY)");
	exec_ok("CREATE VIEW cg_view AS SELECT 1 AS id");
	exec_ok("CREATE ROLE cg_reader");
	exec_ok("GRANT SELECT ON cg_people TO cg_reader");
	char path[1024];
	write_file("more.cg",
	           "cachegroup more\n"
	           "table cg_people\n"
	           "table cg_secret\n"
	           "table cg_view\n"
	           "fill cg_people.name\n"
	           "rcc cg_people.code -> cg_people.code5\n",
	           path, sizeof(path));
	exec_ok("SET ROLE cg_reader");
	const char *paths[1] = {path};
	cg_group **groups;
	size_t n;
	cg_diags d = {0};
	bool ok = cg_compile(paths, 1, conn, &groups, &n, &d);
	exec_ok("RESET ROLE");
	assert_false(ok);
	char got[4096];
	render_diags(&d, got, sizeof(got));
	assert_string_equal(got,
	                    "3:7: the backend role may not read table cg_secret\n"
	                    "4:7: cg_view is a view on the backend\n"
	                    "5:6: fill column cg_people.name has a nondeterministic collation: values equal on the "
	                    "backend can differ in the cache\n"
	                    "6:23: RCC cg_people.code -> cg_people.code5 connects character(3) and character(5): their "
	                    "values are compared differently in the cache\n");
	cg_groups_free(groups, n);
	cg_diag_free(&d);
}

/* Quoted and schema-qualified names; a table in two groups. */
static void test_names_and_groups(void **state)
{
	(void)state;
	exec_ok("CREATE SCHEMA other");
	exec_ok("CREATE TABLE other.\"Mixed\" (\"Id\" int PRIMARY KEY, ref int)");
	char p1[1024], p2[1024];
	write_file("quoted.cg", "cachegroup quoted\ntable other.\"Mixed\"\nfill \"Mixed\".\"Id\" values (7)\n", p1,
	           sizeof(p1));
	write_file("second.cg", "cachegroup second\ntable film\nfill film.id\n", p2, sizeof(p2));
	const char *paths[2] = {p1, p2};
	cg_group **groups;
	size_t n;
	cg_diags d = {0};
	bool ok = cg_compile(paths, 2, conn, &groups, &n, &d);
	if (!ok)
		cg_diag_print(&d, stderr);
	assert_true(ok);
	assert_string_equal(groups[0]->tables[0].cache_name, "other.Mixed");
	assert_string_equal(groups[0]->tables[0].nspname, "other");
	const cg_stmt *s = cg_gen_find(groups[0], CG_STMT_FETCH_FILL, -1, 0, -1, -1);
	assert_string_equal(s->sql,
	                    "SELECT \"Id\", \"ref\" FROM \"other\".\"Mixed\" WHERE \"Id\" = ANY ($1::integer[])");
	cg_groups_free(groups, n);
	cg_diag_free(&d);

	/* film in two groups, and under two names in one group */
	char p3[1024];
	write_file("third.cg",
	           "cachegroup third\ntable public.film\ntable regisseur\nfill regisseur.id\n"
	           "table film\nrcc regisseur.id -> public.film.regie\n",
	           p3, sizeof(p3));
	const char *paths2[2] = {p2, p3};
	memset(&d, 0, sizeof(d));
	assert_false(cg_compile(paths2, 2, conn, &groups, &n, &d));
	char got[2048];
	render_diags(&d, got, sizeof(got));
	char want[2048];
	snprintf(want, sizeof(want),
	         "2:7: table public.film is already in cache group \"second\" (%s:2)\n"
	         "5:7: table film is backend table public.film, already declared on line 2 as public.film\n",
	         p2);
	assert_string_equal(got, want);
	cg_groups_free(groups, n);
	cg_diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_movies_valid),        cmocka_unit_test(test_fill_closure),
	        cmocka_unit_test(test_fill_values_query),   cmocka_unit_test(test_catalog_errors),
	        cmocka_unit_test(test_catalog_errors_more), cmocka_unit_test(test_names_and_groups),
	};
	return cmocka_run_group_tests(tests, pgt_setup, pgt_teardown);
}
