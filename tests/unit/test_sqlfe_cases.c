/*
 * Data-driven test of the SQL front end (sql/plan.c and everything it
 * calls): tests/sql/cases.txt holds statements and what the front end must
 * make of them against the movie cache group (test_sqlfe_movies.h).
 *
 * A case is a block of "field: value" lines, blocks separated by blank
 * lines, '#' starts a comment line.  Fields:
 *   sql:       the statement (required, one line)
 *   collation: C | locale   (optional: the backend collation is C, or a
 *                            libc locale the cache compares: cb_locale)
 *   key:       none         (optional: the scan must refuse a plan key; the
 *                            plan is then built without one)
 *   expect:    cache | backend: <text the reason must contain>
 *   probes:    probes in order, space separated: ref.col=v1,v2[ways]
 *              v: litN (literal N of the key), $N, 'const'; ways fill+rcc+unique
 *   anchor:    per occurrence: ref=complete|probe|<ref>.<col> (anchored along the RCC from there)
 *   sqlite:    the translated SQLite statement
 *   binds:     per ?N: value:as (as: int text bool glob limit), '-' before a negated literal
 *   columns:   output columns name:type-oid:typmod
 *   params:    $N:type-oid for every parameter, $N:type-oid::cast-oid for one cast in the text ($N::T)
 *   depends:   timezone, datestyle (space separated) or none
 * Only the fields present are checked.  Adding a case is one block.
 * Every cacheable translation is also prepared by SQLite on empty cache
 * tables of the movie schema: it must compile, take exactly the plan's
 * bindings and return the plan's number of columns.
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

/* tests/unit/test_sqlfe_movies.c */
sqlfe_schema *movies_schema(bool collation_c);
sqlite3 *movies_cache_db(const sqlfe_schema *s);

#define FIELD_MAX 4096

typedef struct tcase {
	int line;
	char sql[FIELD_MAX];
	char collation[16];
	char key[16];
	char expect[FIELD_MAX];
	char probes[FIELD_MAX];
	char anchor[FIELD_MAX];
	char sqlite[FIELD_MAX];
	char binds[FIELD_MAX];
	char columns[FIELD_MAX];
	char params[FIELD_MAX];
	char depends[FIELD_MAX];
	bool has_probes, has_anchor, has_sqlite, has_binds, has_columns, has_params, has_depends;
} tcase;

static void cat(char *buf, size_t cap, const char *fmt, ...) CB_PRINTF(3, 4);
static void cat(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
}

static void value_desc(const sqlfe_value *v, char *buf, size_t cap)
{
	switch (v->src) {
	case SQLFE_SRC_LITERAL:
		cat(buf, cap, "%slit%d", v->negate ? "-" : "", v->index);
		break;
	case SQLFE_SRC_PARAM:
		cat(buf, cap, "$%d", v->index);
		break;
	case SQLFE_SRC_CONST:
		cat(buf, cap, "'%s'", v->text);
		break;
	}
}

static const char *as_name(sqlfe_bind_as as)
{
	static const char *names[] = {"int", "text", "bool", "glob", "limit"};
	return names[as];
}

static void describe(const sqlfe_plan *p, const sqlfe_schema *s, tcase *got)
{
	for (int i = 0; i < p->nprobes; i++) {
		const sqlfe_probe *pr = &p->probes[i];
		const char *sep = "";
		cat(got->probes, FIELD_MAX, "%s%s.%s=", i ? " " : "", p->occ[pr->occ].refname, pr->col_name);
		for (int k = 0; k < pr->nvalues; k++) {
			cat(got->probes, FIELD_MAX, "%s", k ? "," : "");
			value_desc(&pr->values[k].val, got->probes, FIELD_MAX);
		}
		cat(got->probes, FIELD_MAX, "[");
		if (pr->ways & SQLFE_WAY_FILL) {
			cat(got->probes, FIELD_MAX, "fill");
			sep = "+";
		}
		if (pr->ways & SQLFE_WAY_RCC) {
			cat(got->probes, FIELD_MAX, "%srcc", sep);
			sep = "+";
		}
		if (pr->ways & SQLFE_WAY_UNIQUE)
			cat(got->probes, FIELD_MAX, "%sunique", sep);
		cat(got->probes, FIELD_MAX, "]");
	}
	for (int i = 0; i < p->nocc; i++) {
		const sqlfe_anchor_occ *a = &p->occ[i].anchor;
		cat(got->anchor, FIELD_MAX, "%s%s=", i ? " " : "", p->occ[i].refname);
		switch (a->how) {
		case SQLFE_ANCH_COMPLETE:
			cat(got->anchor, FIELD_MAX, "complete");
			break;
		case SQLFE_ANCH_PROBE:
			cat(got->anchor, FIELD_MAX, "probe");
			break;
		case SQLFE_ANCH_VIA:
			cat(got->anchor, FIELD_MAX, "%s.%s", p->occ[a->via_occ].refname,
			    s->tables[p->occ[a->via_occ].table].cols[a->via_col].name);
			break;
		default:
			cat(got->anchor, FIELD_MAX, "none");
		}
	}
	snprintf(got->sqlite, FIELD_MAX, "%s", p->sql ? p->sql : "");
	for (int i = 0; i < p->nbinds; i++) {
		cat(got->binds, FIELD_MAX, "%s", i ? " " : "");
		value_desc(&p->binds[i].val, got->binds, FIELD_MAX);
		cat(got->binds, FIELD_MAX, ":%s", as_name(p->binds[i].as));
	}
	for (int i = 0; i < p->ncols; i++)
		cat(got->columns, FIELD_MAX, "%s%s:%u:%d", i ? " " : "", p->cols[i].name, p->cols[i].type_oid,
		    p->cols[i].typmod);
	for (int n = 1; n <= p->nparams; n++) {
		cat(got->params, FIELD_MAX, "%s$%d:%u", n > 1 ? " " : "", n, p->param_types[n]);
		if (p->param_casts[n] != 0)
			cat(got->params, FIELD_MAX, "::%u", p->param_casts[n]);
	}
	if (p->depends & PGTYPE_T_TIMEZONE)
		cat(got->depends, FIELD_MAX, "timezone");
	if (p->depends & PGTYPE_T_DATESTYLE)
		cat(got->depends, FIELD_MAX, "%sdatestyle", got->depends[0] ? " " : "");
	if (got->depends[0] == '\0')
		cat(got->depends, FIELD_MAX, "none");
}

static int failures;
static sqlite3 *cache_db;

static void check_sqlite(const tcase *c, const sqlfe_plan *p)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(cache_db, p->sql, -1, &st, NULL) != SQLITE_OK) {
		failures++;
		fprintf(stderr, "cases.txt:%d: SQLite rejects the translation: %s\n  %s\n", c->line,
		        sqlite3_errmsg(cache_db), p->sql);
		return;
	}
	if (sqlite3_bind_parameter_count(st) != p->nbinds || sqlite3_column_count(st) != p->ncols) {
		failures++;
		fprintf(stderr, "cases.txt:%d: SQLite sees %d parameters and %d columns, the plan %d and %d\n", c->line,
		        sqlite3_bind_parameter_count(st), sqlite3_column_count(st), p->nbinds, p->ncols);
	}
	sqlite3_finalize(st);
}

static void check_field(const tcase *c, const char *field, bool present, const char *want, const char *got)
{
	if (!present || strcmp(want, got) == 0)
		return;
	failures++;
	fprintf(stderr, "cases.txt:%d: %s\n  sql:  %s\n  want: %s\n  got:  %s\n", c->line, field, c->sql, want, got);
}

static void run_case(tcase *c, const sqlfe_schema *s_default, const sqlfe_schema *s_c, const sqlfe_schema *s_loc)
{
	const sqlfe_schema *s = strcmp(c->collation, "C") == 0        ? s_c
	                        : strcmp(c->collation, "locale") == 0 ? s_loc
	                                                              : s_default;
	size_t len = strlen(c->sql);
	char *key = malloc(2 * len + 1);
	sqlfe_plankey pk;
	sqlfe_plan *p = NULL;
	cb_error err;
	tcase *got = calloc(1, sizeof(*got));

	assert_non_null(key);
	assert_non_null(got);
	bool want_key = strcmp(c->key, "none") != 0;
	bool has_key = sqlfe_plankey_scan(c->sql, len, true, key, 2 * len + 1, &pk);
	if (has_key != want_key) {
		failures++;
		fprintf(stderr, "cases.txt:%d: plan key %s for: %s\n", c->line, has_key ? "made" : "refused", c->sql);
		goto out;
	}
	if (!sqlfe_plan_build(c->sql, has_key ? &pk : NULL, s, &p, &err))
		fail_msg("cases.txt:%d: %s", c->line, err.msg);
	if (strcmp(c->expect, "cache") == 0) {
		if (!p->cacheable) {
			failures++;
			fprintf(stderr, "cases.txt:%d: expected cache, got backend: %s\n  sql: %s\n", c->line,
			        p->reason, c->sql);
			goto out;
		}
	} else if (strncmp(c->expect, "backend:", 8) == 0) {
		const char *want = c->expect + 8;
		while (*want == ' ')
			want++;
		if (p->cacheable || strstr(p->reason, want) == NULL) {
			failures++;
			fprintf(stderr, "cases.txt:%d: expected backend (%s), got %s%s\n  sql: %s\n", c->line, want,
			        p->cacheable ? "cache" : "backend: ", p->cacheable ? "" : p->reason, c->sql);
		}
		goto out;
	} else {
		fail_msg("cases.txt:%d: expect must be 'cache' or 'backend: reason'", c->line);
	}
	check_sqlite(c, p);
	describe(p, s, got);
	check_field(c, "probes", c->has_probes, c->probes, got->probes);
	check_field(c, "anchor", c->has_anchor, c->anchor, got->anchor);
	check_field(c, "sqlite", c->has_sqlite, c->sqlite, got->sqlite);
	check_field(c, "binds", c->has_binds, c->binds, got->binds);
	check_field(c, "columns", c->has_columns, c->columns, got->columns);
	check_field(c, "params", c->has_params, c->params, got->params);
	check_field(c, "depends", c->has_depends, c->depends, got->depends);
out:
	sqlfe_plan_free(p);
	free(key);
	free(got);
}

static void set_field(tcase *c, const char *name, const char *val, int line)
{
	struct {
		const char *name;
		char *dst;
		bool *has;
	} fields[] = {
	        {"sql", c->sql, NULL},
	        {"collation", c->collation, NULL},
	        {"key", c->key, NULL},
	        {"expect", c->expect, NULL},
	        {"probes", c->probes, &c->has_probes},
	        {"anchor", c->anchor, &c->has_anchor},
	        {"sqlite", c->sqlite, &c->has_sqlite},
	        {"binds", c->binds, &c->has_binds},
	        {"columns", c->columns, &c->has_columns},
	        {"params", c->params, &c->has_params},
	        {"depends", c->depends, &c->has_depends},
	};
	for (size_t i = 0; i < CB_ARRAY_LEN(fields); i++) {
		if (strcmp(fields[i].name, name) == 0) {
			snprintf(fields[i].dst,
			         (strcmp(name, "collation") == 0 || strcmp(name, "key") == 0) ? 16 : FIELD_MAX, "%s",
			         val);
			if (fields[i].has)
				*fields[i].has = true;
			return;
		}
	}
	fail_msg("cases.txt:%d: unknown field '%s'", line, name);
}

static void test_cases(void **state)
{
	const char *top = getenv("top_srcdir");
	char path[1024], line[FIELD_MAX + 64];
	FILE *f;
	tcase *c = calloc(1, sizeof(*c));
	int lineno = 0, ncases = 0;
	sqlfe_schema *s = movies_schema(false), *s_c = movies_schema(true), *s_loc = movies_schema(false);

	(void)state;
	assert_non_null(c);
	assert_non_null(s);
	assert_non_null(s_c);
	assert_non_null(s_loc);
	s_loc->collation_locale = true;
	cache_db = movies_cache_db(s);
	assert_non_null(cache_db);
	snprintf(path, sizeof(path), "%s/tests/sql/cases.txt", top ? top : ".");
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s: run from the top source directory or set top_srcdir", path);
	for (;;) {
		char *got = fgets(line, sizeof(line), f);
		size_t n;
		char *colon, *val;

		if (got != NULL) {
			lineno++;
			n = strlen(line);
			while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = '\0';
			if (line[0] == '#')
				continue;
		}
		if (got == NULL || line[0] == '\0') {
			if (c->sql[0] != '\0') {
				if (c->expect[0] == '\0')
					fail_msg("cases.txt:%d: case without expect", c->line);
				run_case(c, s, s_c, s_loc);
				ncases++;
			}
			memset(c, 0, sizeof(*c));
			if (got == NULL)
				break;
			continue;
		}
		colon = strchr(line, ':');
		if (colon == NULL)
			fail_msg("cases.txt:%d: expected 'field: value'", lineno);
		*colon = '\0';
		val = colon + 1;
		while (*val == ' ')
			val++;
		if (c->sql[0] == '\0')
			c->line = lineno;
		set_field(c, line, val, lineno);
	}
	fclose(f);
	free(c);
	sqlfe_schema_free(s);
	sqlfe_schema_free(s_c);
	sqlfe_schema_free(s_loc);
	sqlite3_close(cache_db);
	fprintf(stderr, "%d cases, %d failures\n", ncases, failures);
	assert_true(ncases >= 60);
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
