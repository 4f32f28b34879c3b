/*
 * Mutation test of the whole front end: statements of tests/sql/cases.txt
 * with random words inserted, deleted or swapped go through the plan key
 * and sqlfe_plan_build (under the sanitizer build this finds crashes and
 * leaks on odd parse trees).  Every plan must keep the invariants:
 *   - not cacheable: a reason is given;
 *   - cacheable: SQLite prepares the translation on the cache tables with
 *     exactly the plan's bindings and columns, every table occurrence is
 *     anchored, every probe's occurrence is anchored by it, every
 *     parameter has a type, and no OR/NOT/subquery word survived into a
 *     cacheable plan when it was inserted as a whole condition.
 * The seed is printed; SQLFE_SEED reproduces a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sql/plan.h"
#include "tests/unit/testrand.h"

/* tests/unit/test_sqlfe_movies.c */
sqlfe_schema *movies_schema(bool collation_c);
sqlite3 *movies_cache_db(const sqlfe_schema *s);

#define MAX_BASE 512
#define ITERATIONS 4000

static const char *words[] = {
        "(",      ")",       ",",       "*",        "=",        "<",          "AND",    "OR",    "NOT",     "IN",
        "(1,2)",  "($1,$2)", "BETWEEN", "1",        "'x'",      "$1",         "$2",     "-",     "::int",   "LIKE",
        "'a%'",   "IS",      "NULL",    "DISTINCT", "count(*)", "min(id)",    "JOIN",   "ort",   "o",       "ON",
        "f.ort",  "o.plz",   "WHERE",   "ORDER",    "BY",       "LIMIT",      "OFFSET", "DESC",  "NULLS",   "FIRST",
        "r.id",   "f.regie", "id",      "titel",    "film",     "regisseur",  "r",      "f",     "GROUP",   "UNION",
        "SELECT", "FROM",    "AS",      "x",        "2.5",      "3000000000", "E'q'",   "$$d$$", "/* c */", ";",
        "t.*",    "f.*",     "true",    "genre",
};

/* Conditions that must keep a statement out of the cache wherever they are ANDed in. */
static const char *poison[] = {
        " AND (f.regie = 1 OR f.regie = 2)",
        " AND NOT r.id = 1",
        " AND r.id IN (SELECT 1)",
        " AND titel ILIKE 'x'",
        " AND budget > 1",
        " AND bewertung = 1",
};

static int split(char *s, char **tok, int max)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(s, " ", &save); t != NULL && n < max; t = strtok_r(NULL, " ", &save))
		tok[n++] = t;
	return n;
}

static void mutate(const char *base, char *out, size_t cap)
{
	char buf[4096];
	char *tok[256];
	const char *res[300];
	int n, m = 0, edits = (int)rnd(4); /* 0: the case as is, or with benign changes */

	snprintf(buf, sizeof(buf), "%s", base);
	n = split(buf, tok, 256);
	for (int i = 0; i < n; i++) {
		/* benign: other integer values, a parameter instead of a value */
		if (tok[i][0] >= '1' && tok[i][0] <= '9' && tok[i][1] == '\0' && rnd(2) == 0)
			res[m++] = rnd(2) ? "42" : "7";
		else
			res[m++] = tok[i];
	}
	for (int e = 0; e < edits && m > 0 && m < 290; e++) {
		int at = (int)rnd((uint32_t)m);
		switch (rnd(3)) {
		case 0: /* insert */
			memmove(&res[at + 1], &res[at], (size_t)(m - at) * sizeof(res[0]));
			res[at] = words[rnd(sizeof(words) / sizeof(words[0]))];
			m++;
			break;
		case 1: /* delete */
			memmove(&res[at], &res[at + 1], (size_t)(m - at - 1) * sizeof(res[0]));
			m--;
			break;
		default: /* replace */
			res[at] = words[rnd(sizeof(words) / sizeof(words[0]))];
		}
	}
	out[0] = '\0';
	for (int i = 0, k = 0; i < m; i++)
		k += snprintf(out + k, cap - (size_t)k, "%s%s", i ? " " : "", res[i]);
}

static int nbase;
static char bases[MAX_BASE][1024];

static void load_bases(void)
{
	const char *top = getenv("top_srcdir");
	char path[1024], line[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/sql/cases.txt", top ? top : ".");
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s: run from the top source directory or set top_srcdir", path);
	while (fgets(line, sizeof(line), f) != NULL && nbase < MAX_BASE) {
		if (strncmp(line, "sql: ", 5) != 0)
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		snprintf(bases[nbase++], sizeof(bases[0]), "%.1000s", line + 5);
	}
	fclose(f);
	assert_true(nbase >= 60);
}

static int cacheable, backend;

static void check_plan(sqlite3 *db, const char *sql, const sqlfe_plan *p)
{
	sqlite3_stmt *st = NULL;

	if (!p->cacheable) {
		if (p->reason[0] == '\0')
			fail_msg("backend without a reason: %s", sql);
		backend++;
		return;
	}
	cacheable++;
	if (p->sql == NULL || sqlite3_prepare_v2(db, p->sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("SQLite rejects the translation of\n  %s\n  %s\n  %s", sql, p->sql ? p->sql : "(none)",
		         sqlite3_errmsg(db));
	if (sqlite3_bind_parameter_count(st) != p->nbinds || sqlite3_column_count(st) != p->ncols)
		fail_msg("bindings/columns differ for %s", sql);
	sqlite3_finalize(st);
	for (int i = 0; i < p->nocc; i++)
		if (p->occ[i].anchor.how == SQLFE_ANCH_NONE)
			fail_msg("occurrence %s not anchored in a cacheable plan: %s", p->occ[i].refname, sql);
	for (int i = 0; i < p->nprobes; i++) {
		const sqlfe_plan_occ *o = &p->occ[p->probes[i].occ];
		if (o->anchor.how != SQLFE_ANCH_PROBE || o->anchor.probe != i || p->probes[i].nvalues < 1)
			fail_msg("probe %d inconsistent: %s", i, sql);
	}
	for (int n = 1; n <= p->nparams; n++)
		if (p->param_types[n] == 0)
			fail_msg("parameter $%d without a type: %s", n, sql);
}

static void run(const sqlfe_schema *s, sqlite3 *db, const char *sql)
{
	size_t len = strlen(sql);
	char *key = malloc(2 * len + 1);
	sqlfe_plankey pk;
	sqlfe_plan *p = NULL;
	cb_error err;
	bool has_key;

	assert_non_null(key);
	has_key = sqlfe_plankey_scan(sql, len, true, key, 2 * len + 1, &pk);
	if (!sqlfe_plan_build(sql, has_key ? &pk : NULL, s, &p, &err))
		fail_msg("%s", err.msg);
	check_plan(db, sql, p);
	sqlfe_plan_free(p);
	free(key);
}

static void test_mutations(void **state)
{
	sqlfe_schema *s = movies_schema(false);
	sqlite3 *db;
	char sql[8192];

	(void)state;
	assert_non_null(s);
	db = movies_cache_db(s);
	assert_non_null(db);
	load_bases();
	rnd_seed(777);
	for (int i = 0; i < ITERATIONS; i++) {
		mutate(bases[rnd((uint32_t)nbase)], sql, sizeof(sql));
		run(s, db, sql);
	}
	fprintf(stderr, "%d mutated statements: %d cacheable, %d backend\n", ITERATIONS, cacheable, backend);
	assert_true(cacheable > ITERATIONS / 20);
	assert_true(backend > ITERATIONS / 20);
	sqlite3_close(db);
	sqlfe_schema_free(s);
}

/* A condition outside the subset keeps any statement out of the cache. */
static void test_poison(void **state)
{
	sqlfe_schema *s = movies_schema(false);
	int tried = 0;

	(void)state;
	assert_non_null(s);
	load_bases();
	for (int b = 0; b < nbase; b++) {
		if (strstr(bases[b], " WHERE ") == NULL || strstr(bases[b], "regisseur r") == NULL ||
		    strstr(bases[b], "film f") == NULL || strstr(bases[b], " ORDER BY") || strstr(bases[b], " LIMIT"))
			continue;
		for (size_t k = 0; k < sizeof(poison) / sizeof(poison[0]); k++) {
			char sql[2048];
			sqlfe_plan *p;
			cb_error err;
			snprintf(sql, sizeof(sql), "%.1000s%.100s", bases[b], poison[k]);
			assert_true(sqlfe_plan_build(sql, NULL, s, &p, &err));
			if (p->cacheable)
				fail_msg("cacheable despite%s: %s", poison[k], sql);
			sqlfe_plan_free(p);
			tried++;
		}
	}
	assert_true(tried >= 10);
	sqlfe_schema_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_mutations),
	        cmocka_unit_test(test_poison),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
