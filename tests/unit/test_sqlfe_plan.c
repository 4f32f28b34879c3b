/*
 * Unit tests of sql/plan.c and sql/schema.c: one plan serves every
 * statement of its key (the hit path never parses), and the schema
 * interface refuses what it cannot hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/plan.h"

/* tests/unit/test_sqlfe_movies.c */
sqlfe_schema *movies_schema(bool collation_c);

typedef struct keyed {
	char key[1024];
	sqlfe_plankey pk;
} keyed;

static void scan(const char *sql, keyed *k)
{
	assert_true(sqlfe_plankey_scan(sql, strlen(sql), true, k->key, sizeof(k->key), &k->pk));
}

static void test_plan_serves_its_key(void **state)
{
	const char *first = "SELECT r.nname, f.titel FROM regisseur r, film f "
	                    "WHERE r.id = 5 AND f.regie = r.id AND f.titel LIKE 'Der%' AND f.jahr > -3 LIMIT 10";
	const char *second =
	        "SELECT r.nname,  f.titel FROM regisseur r, film f\n"
	        "WHERE r.id = 4711 AND f.regie = r.id AND f.titel LIKE 'It''s%' AND f.jahr > -1990 LIMIT 2";
	const char *want[] = {"4711", "It's%", "-1990", "2"};
	sqlfe_schema *s = movies_schema(false);
	keyed a, b;
	sqlfe_plan *p;
	cb_error err;
	char buf[64];

	(void)state;
	assert_non_null(s);
	scan(first, &a);
	scan(second, &b);
	assert_string_equal(a.key, b.key);
	assert_true(sqlfe_plan_build(first, &a.pk, s, &p, &err));
	assert_true(p->cacheable);
	assert_int_equal(p->nlits, 4);
	/* the bindings, read from the second statement's literals */
	assert_int_equal(p->nbinds, 4);
	for (int i = 0; i < p->nbinds; i++) {
		sqlfe_plan_value_text(&p->binds[i].val, second, &b.pk, buf, sizeof(buf));
		assert_string_equal(buf, want[i]);
	}
	assert_int_equal(p->binds[1].as, SQLFE_BIND_GLOB);
	assert_int_equal(p->binds[3].as, SQLFE_BIND_LIMIT);
	/* the probe too */
	assert_int_equal(p->nprobes, 1);
	assert_string_equal(p->probes[0].table_name, "regisseur");
	assert_string_equal(p->probes[0].col_name, "id");
	assert_int_equal(p->probes[0].nvalues, 1);
	sqlfe_plan_value_text(&p->probes[0].values[0].val, second, &b.pk, buf, sizeof(buf));
	assert_string_equal(buf, "4711");
	/* RowDescription data of a plain column */
	assert_int_equal(p->ncols, 2);
	assert_int_equal(p->cols[0].table_oid, 16003);
	assert_int_equal(p->cols[0].attnum, 3);
	assert_int_equal(p->cols[1].table_oid, 16004);
	assert_int_equal(p->cols[1].attnum, 2);
	assert_int_equal(p->cols[1].typlen, -1);
	/* a short buffer is reported, not overrun */
	assert_int_equal(sqlfe_plan_value_text(&p->binds[2].val, second, &b.pk, buf, 3), 5);
	assert_string_equal(buf, "-1");
	sqlfe_plan_free(p);
	sqlfe_schema_free(s);
}

static void test_plan_without_key(void **state)
{
	const char *sql = "SELECT nname FROM regisseur WHERE id = 5 AND vname = 'x'";
	sqlfe_schema *s = movies_schema(false);
	sqlfe_plan *p;
	cb_error err;
	char buf[16];

	(void)state;
	assert_non_null(s);
	assert_true(sqlfe_plan_build(sql, NULL, s, &p, &err));
	assert_true(p->cacheable);
	assert_int_equal(p->nbinds, 2);
	assert_int_equal(p->binds[0].val.src, SQLFE_SRC_CONST);
	sqlfe_plan_value_text(&p->binds[0].val, sql, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "5");
	sqlfe_plan_value_text(&p->binds[1].val, sql, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "x");
	sqlfe_plan_free(p);
	sqlfe_schema_free(s);
}

static void test_backend_plan(void **state)
{
	sqlfe_schema *s = movies_schema(false);
	sqlfe_plan *p;
	cb_error err;

	(void)state;
	assert_non_null(s);
	assert_true(sqlfe_plan_build("SELECT titel FROM film WHERE jahr = 1999 OR jahr = 2000", NULL, s, &p, &err));
	assert_false(p->cacheable);
	assert_string_equal(p->reason, "OR");
	assert_null(p->sql);
	sqlfe_plan_free(p);
	sqlfe_schema_free(s);
}

static sqlfe_bind_status bind1(const sqlfe_plan *p, int i, const char *text, const sqlfe_plankey *pk,
                               const char *const *params, const int *lens, int n, sqlfe_bound *out)
{
	static char scratch[256];
	size_t used = 0;

	sqlfe_bind_input in = {text, pk, params, lens, NULL, n};
	return sqlfe_plan_bind_value(&p->binds[i], &in, scratch, sizeof(scratch), &used, out);
}

static void test_bind_values(void **state)
{
	const char *sql = "SELECT titel FROM film WHERE regie = $1 AND titel LIKE $2 AND ort = $3 LIMIT $4";
	const char *lit = "SELECT titel FROM film WHERE regie = 7 AND titel LIKE 'a*b%' AND ort = 'x' LIMIT 3";
	sqlfe_schema *s = movies_schema(false);
	sqlfe_plan *p, *q;
	cb_error err;
	sqlfe_bound out;
	keyed k;
	char small[4];
	size_t used = 0;

	(void)state;
	assert_non_null(s);
	assert_true(sqlfe_plan_build(sql, NULL, s, &p, &err));
	assert_true(p->cacheable);
	assert_int_equal(p->nbinds, 4);
	{
		const char *params[] = {NULL, "42", "Der%_", "10115", "5"};
		const int lens[] = {0, 2, 5, 5, 1};
		assert_int_equal(bind1(p, 0, sql, NULL, params, lens, 4, &out), SQLFE_BOUND_OK);
		assert_true(out.is_int);
		assert_true(out.i == 42);
		assert_int_equal(bind1(p, 1, sql, NULL, params, lens, 4, &out), SQLFE_BOUND_OK);
		assert_int_equal(out.len, 5);
		assert_memory_equal(out.s, "Der*?", 5);
		assert_int_equal(bind1(p, 2, sql, NULL, params, lens, 4, &out), SQLFE_BOUND_OK);
		assert_memory_equal(out.s, "10115", 5);
		assert_int_equal(bind1(p, 3, sql, NULL, params, lens, 4, &out), SQLFE_BOUND_OK);
		assert_true(out.i == 5);
	}
	{
		/* values PostgreSQL would reject or read otherwise go to the backend */
		const char *params[] = {NULL, "2147483648", "abc\\", "\xff", "-1"};
		const int lens[] = {0, 10, 4, 1, 2};
		assert_int_equal(bind1(p, 0, sql, NULL, params, lens, 4, &out), SQLFE_BOUND_BACKEND);
		assert_int_equal(bind1(p, 1, sql, NULL, params, lens, 4, &out), SQLFE_BOUND_BACKEND);
		assert_int_equal(bind1(p, 2, sql, NULL, params, lens, 4, &out), SQLFE_BOUND_BACKEND);
		assert_int_equal(bind1(p, 3, sql, NULL, params, lens, 4, &out), SQLFE_BOUND_BACKEND);
		/* NULL and missing parameters */
		params[1] = NULL;
		assert_int_equal(bind1(p, 0, sql, NULL, params, lens, 4, &out), SQLFE_BOUND_BACKEND);
		assert_int_equal(bind1(p, 3, sql, NULL, params, lens, 3, &out), SQLFE_BOUND_BACKEND);
	}
	{
		/* parameters declared with another type: read as PostgreSQL reads them */
		const char *params[] = {NULL, "5000000000", "x", "y", "5"};
		const int lens[] = {0, 10, 1, 1, 1};
		uint32_t types[] = {0, PGTYPE_OID_INT8, 0, 0, 0};
		char scratch[64];
		size_t u = 0;
		sqlfe_bind_input in = {sql, NULL, params, lens, types, 4};
		/* int8 against the int4 column: read as int8, compared exactly (no row can equal it) */
		assert_int_equal(sqlfe_plan_bind_value(&p->binds[0], &in, scratch, sizeof(scratch), &u, &out),
		                 SQLFE_BOUND_OK);
		assert_true(out.is_int && out.i == 5000000000LL);
		/* int2: PostgreSQL refuses 40000 at Bind, so must the cache */
		types[1] = PGTYPE_OID_INT2;
		params[1] = "40000";
		const int lens2[] = {0, 5, 1, 1, 1};
		in.param_len = lens2;
		assert_int_equal(sqlfe_plan_bind_value(&p->binds[0], &in, scratch, sizeof(scratch), &u, &out),
		                 SQLFE_BOUND_BACKEND);
		/* numeric holding an integer equals it; a fraction goes to the backend */
		types[1] = PGTYPE_OID_NUMERIC;
		params[1] = "12.000";
		const int lens3[] = {0, 6, 1, 1, 1};
		in.param_len = lens3;
		assert_int_equal(sqlfe_plan_bind_value(&p->binds[0], &in, scratch, sizeof(scratch), &u, &out),
		                 SQLFE_BOUND_OK);
		assert_true(out.is_int && out.i == 12);
		params[1] = "12.5";
		const int lens4[] = {0, 4, 1, 1, 1};
		in.param_len = lens4;
		assert_int_equal(sqlfe_plan_bind_value(&p->binds[0], &in, scratch, sizeof(scratch), &u, &out),
		                 SQLFE_BOUND_BACKEND);
	}
	/* which declared types a parameter may arrive with */
	assert_true(sqlfe_subset_param_fits(PGTYPE_OID_INT4, 0));
	assert_true(sqlfe_subset_param_fits(PGTYPE_OID_INT4, 705)); /* unknown */
	assert_true(sqlfe_subset_param_fits(PGTYPE_OID_INT4, PGTYPE_OID_INT8));
	assert_true(sqlfe_subset_param_fits(PGTYPE_OID_INT8, PGTYPE_OID_INT2));
	assert_true(sqlfe_subset_param_fits(PGTYPE_OID_INT4, PGTYPE_OID_NUMERIC));
	assert_false(sqlfe_subset_param_fits(PGTYPE_OID_INT8, PGTYPE_OID_NUMERIC)); /* LIMIT rounds numerics */
	assert_true(sqlfe_subset_param_fits(PGTYPE_OID_TEXT, PGTYPE_OID_VARCHAR));
	assert_false(sqlfe_subset_param_fits(PGTYPE_OID_TEXT, PGTYPE_OID_BPCHAR));
	assert_false(sqlfe_subset_param_fits(PGTYPE_OID_INT4, PGTYPE_OID_TEXT));
	assert_false(sqlfe_subset_param_fits(PGTYPE_OID_BOOL, PGTYPE_OID_INT4));
	/* literals of the statement, decoded into scratch */
	scan(lit, &k);
	assert_true(sqlfe_plan_build(lit, &k.pk, s, &q, &err));
	assert_true(q->cacheable);
	assert_int_equal(bind1(q, 0, lit, &k.pk, NULL, NULL, 0, &out), SQLFE_BOUND_OK);
	assert_true(out.is_int && out.i == 7);
	assert_int_equal(bind1(q, 1, lit, &k.pk, NULL, NULL, 0, &out), SQLFE_BOUND_OK);
	assert_int_equal(out.len, 6);
	assert_memory_equal(out.s, "a[*]b*", 6);
	assert_int_equal(sqlfe_plan_bind_value(&q->binds[1], &(sqlfe_bind_input){lit, &k.pk, NULL, NULL, NULL, 0},
	                                       small, sizeof(small), &used, &out),
	                 SQLFE_BOUND_NOSPACE);
	sqlfe_plan_free(q);
	sqlfe_plan_free(p);
	sqlfe_schema_free(s);
}

/* $n::T is $n declared as T: read as T when Parse left $n open, refused when Parse said otherwise */
static void test_cast_params(void **state)
{
	const char *sql = "SELECT titel FROM film WHERE regie = $1::int2 AND ort = CAST($2 AS character varying)";
	const char *params[] = {NULL, "40000", "10115"};
	const int lens[] = {0, 5, 5};
	uint32_t types[] = {0, 0, 0}, as;
	sqlfe_bind_input in = {sql, NULL, params, lens, types, 2};
	sqlfe_schema *s = movies_schema(false);
	sqlfe_plan *p;
	sqlfe_bound out;
	cb_error err;
	char scratch[64];
	size_t u = 0;

	(void)state;
	assert_non_null(s);
	assert_true(sqlfe_plan_build(sql, NULL, s, &p, &err));
	assert_true(p->cacheable);
	assert_int_equal(p->param_types[1], PGTYPE_OID_INT4);
	assert_int_equal(p->param_casts[1], PGTYPE_OID_INT2);
	assert_int_equal(p->param_types[2], PGTYPE_OID_TEXT);
	assert_int_equal(p->param_casts[2], PGTYPE_OID_VARCHAR);
	/* read as int2: PostgreSQL refuses 40000, so the backend answers */
	assert_int_equal(sqlfe_plan_bind_value(&p->binds[0], &in, scratch, sizeof(scratch), &u, &out),
	                 SQLFE_BOUND_BACKEND);
	params[1] = "-7";
	const int lens2[] = {0, 2, 5};
	in.param_len = lens2;
	for (int i = 0; i < 2; i++) {
		types[1] = i == 0 ? PGTYPE_OID_INT2 : PGTYPE_OID_UNKNOWN; /* the cast's own type, or left open */
		assert_int_equal(sqlfe_plan_bind_value(&p->binds[0], &in, scratch, sizeof(scratch), &u, &out),
		                 SQLFE_BOUND_OK);
		assert_true(out.is_int && out.i == -7);
	}
	/* declared int4 and cast to int2: PostgreSQL converts the value, the backend answers */
	types[1] = PGTYPE_OID_INT4;
	assert_int_equal(sqlfe_plan_bind_value(&p->binds[0], &in, scratch, sizeof(scratch), &u, &out),
	                 SQLFE_BOUND_BACKEND);
	assert_int_equal(sqlfe_plan_bind_value(&p->binds[1], &in, scratch, sizeof(scratch), &u, &out), SQLFE_BOUND_OK);
	assert_memory_equal(out.s, "10115", 5);
	/* the type a parameter is read as */
	assert_true(sqlfe_subset_param_declared(0, 0, &as) && as == 0);
	assert_true(sqlfe_subset_param_declared(0, PGTYPE_OID_INT8, &as) && as == PGTYPE_OID_INT8);
	assert_true(sqlfe_subset_param_declared(PGTYPE_OID_INT4, 0, &as) && as == PGTYPE_OID_INT4);
	assert_true(sqlfe_subset_param_declared(PGTYPE_OID_INT4, PGTYPE_OID_UNKNOWN, &as) && as == PGTYPE_OID_INT4);
	assert_true(sqlfe_subset_param_declared(PGTYPE_OID_INT4, PGTYPE_OID_INT4, &as) && as == PGTYPE_OID_INT4);
	assert_false(sqlfe_subset_param_declared(PGTYPE_OID_INT4, PGTYPE_OID_INT8, &as));
	assert_false(sqlfe_subset_param_declared(PGTYPE_OID_TEXT, PGTYPE_OID_VARCHAR, &as));
	sqlfe_plan_free(p);
	sqlfe_schema_free(s);
}

/* bool and output-only types, on a schema of their own (the movie schema has none) */
static void test_bool_and_opaque_types(void **state)
{
	sqlfe_schema *s = sqlfe_schema_new("public");
	int t;
	sqlfe_plan *p;
	cb_error err;
	sqlfe_bound out;
	const char *params[] = {NULL, "1", "true"};
	const int lens[] = {0, 1, 4};

	(void)state;
	assert_non_null(s);
	t = sqlfe_schema_add_table(s, "flags", 17001, false);
	assert_int_equal(
	        sqlfe_schema_add_column(s, t, "id", PGTYPE_OID_INT4, -1, "int4", 1, SQLFE_COL_UNIQUE | SQLFE_COL_FILL),
	        0);
	assert_int_equal(sqlfe_schema_add_column(s, t, "active", PGTYPE_OID_BOOL, -1, "bool", 2, 0), 1);
	assert_int_equal(sqlfe_schema_add_column(s, t, "code", PGTYPE_OID_BPCHAR, 7, "bpchar", 3, 0), 2);
	assert_int_equal(sqlfe_schema_add_column(s, t, "doc", 3802, -1, "jsonb", 4, 0), 3);

	assert_true(
	        sqlfe_plan_build("SELECT active, code FROM flags WHERE id = 1 AND active = true", NULL, s, &p, &err));
	assert_true(p->cacheable);
	assert_string_equal(p->sql, "SELECT \"flags\".\"active\", \"flags\".\"code\" FROM \"flags\" AS \"flags\" "
	                            "WHERE \"flags\".\"id\" = ?1 AND \"flags\".\"active\" = ?2");
	assert_int_equal(p->binds[1].as, SQLFE_BIND_BOOL);
	assert_int_equal(p->cols[0].type_oid, PGTYPE_OID_BOOL);
	assert_int_equal(p->cols[0].typlen, 1);
	assert_int_equal(p->cols[1].type_oid, PGTYPE_OID_BPCHAR);
	assert_int_equal(p->cols[1].typmod, 7);
	assert_int_equal(bind1(p, 1, "", NULL, NULL, NULL, 0, &out), SQLFE_BOUND_OK);
	assert_true(out.is_int && out.i == 1);
	sqlfe_plan_free(p);

	assert_true(sqlfe_plan_build("SELECT id FROM flags WHERE id = $1 AND active = $2", NULL, s, &p, &err));
	assert_true(p->cacheable);
	assert_int_equal(p->param_types[2], PGTYPE_OID_BOOL);
	assert_int_equal(bind1(p, 1, "", NULL, params, lens, 2, &out), SQLFE_BOUND_OK);
	assert_true(out.is_int && out.i == 1);
	sqlfe_plan_free(p);

	/* a string compared with a boolean is read as boolin reads it, when it is bound */
	assert_true(sqlfe_plan_build("SELECT id FROM flags WHERE id = 1 AND active = 't'", NULL, s, &p, &err));
	assert_true(p->cacheable);
	assert_int_equal(p->binds[1].as, SQLFE_BIND_BOOL);
	sqlfe_plan_free(p);

	/* what SQLite would not evaluate exactly */
	static const struct {
		const char *sql, *reason;
	} backend[] = {
	        {"SELECT id FROM flags WHERE id = 1 AND active IS TRUE", "condition"},
	        {"SELECT id FROM flags WHERE id = 1 AND code", "equality on type bpchar"},
	        {"SELECT id FROM flags WHERE id = 1 AND active = 1", "bool compared with a non-boolean constant"},
	        {"SELECT id FROM flags WHERE id = 1 AND active < true", "ordering on type bool"},
	        {"SELECT id FROM flags WHERE id = 1 AND code = 'ab'", "equality on type bpchar"},
	        {"SELECT id FROM flags WHERE id = 1 ORDER BY active", "ORDER BY on type bool"},
	        {"SELECT DISTINCT code FROM flags WHERE id = 1", "DISTINCT on type bpchar"},
	        {"SELECT doc FROM flags WHERE id = 1", "column doc of type jsonb not cached"},
	        {"SELECT * FROM flags WHERE id = 1", "column doc of type jsonb not cached"},
	        {"SELECT id FROM flags WHERE id = 1 AND doc IS NULL", "column doc of type jsonb not cached"},
	};
	for (size_t i = 0; i < sizeof(backend) / sizeof(backend[0]); i++) {
		assert_true(sqlfe_plan_build(backend[i].sql, NULL, s, &p, &err));
		if (p->cacheable || strcmp(p->reason, backend[i].reason) != 0)
			fail_msg("%s: want backend (%s), got %s", backend[i].sql, backend[i].reason,
			         p->cacheable ? "cache" : p->reason);
		sqlfe_plan_free(p);
	}
	sqlfe_schema_free(s);
}

/* Whether sql is answered from the cache over s; the reason when not, into why. */
static bool cacheable(sqlfe_schema *s, const char *sql, char *why, size_t cap)
{
	sqlfe_plan *p;
	cb_error err;
	bool c;

	assert_true(sqlfe_plan_build(sql, NULL, s, &p, &err));
	c = p->cacheable;
	snprintf(why, cap, "%s", c ? "" : p->reason);
	sqlfe_plan_free(p);
	return c;
}

/*
 * Text is ordered in SQLite (bytewise) only when the column's own
 * collation is C: a column declared COLLATE "en-x-icu" in a database
 * whose default is C was ordered bytewise (A B Z a ...) where PostgreSQL
 * answers a A b B ... (found by tests/integration/test_cache_types.py).
 */
static void test_column_collation(void **state)
{
	static const char *const ordering[] = {
	        "SELECT id, name FROM words WHERE id IN (1, 2) ORDER BY name",
	        "SELECT id FROM words WHERE id IN (1, 2) AND name < 'b'",
	        "SELECT id FROM words WHERE id IN (1, 2) AND name BETWEEN 'a' AND 'b'",
	        "SELECT min(name) FROM words WHERE id IN (1, 2)",
	        "SELECT max(name) FROM words WHERE id IN (1, 2)",
	};
	static const char *const equality[] = {
	        "SELECT id FROM words WHERE id IN (1, 2) AND name = 'a'",
	        "SELECT id FROM words WHERE id IN (1, 2) AND name IN ('a', 'b')",
	        "SELECT id FROM words WHERE id IN (1, 2) AND name LIKE 'a%'",
	};
	/* the column's collation flag, the database's default is C, may SQLite order the column? */
	static const struct {
		unsigned flag;
		bool db_c, order;
	} cases[] = {
	        {0, true, true},   {SQLFE_COL_COLL_OTHER, true, false},  {SQLFE_COL_COLL_C, true, true},
	        {0, false, false}, {SQLFE_COL_COLL_OTHER, false, false}, {SQLFE_COL_COLL_C, false, true},
	};
	char why[128];

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		sqlfe_schema *s = sqlfe_schema_new("public");
		int t;
		assert_non_null(s);
		s->collation_c = cases[k].db_c;
		t = sqlfe_schema_add_table(s, "words", 17002, false);
		assert_int_equal(sqlfe_schema_add_column(s, t, "id", PGTYPE_OID_INT4, -1, "int4", 1,
		                                         SQLFE_COL_UNIQUE | SQLFE_COL_FILL),
		                 0);
		assert_int_equal(sqlfe_schema_add_column(s, t, "name", PGTYPE_OID_TEXT, -1, "text", 2, cases[k].flag),
		                 1);
		assert_int_equal(sqlfe_schema_column_c(s, &s->tables[t].cols[1]), cases[k].order);
		for (size_t i = 0; i < sizeof(ordering) / sizeof(ordering[0]); i++)
			if (cacheable(s, ordering[i], why, sizeof(why)) != cases[k].order)
				fail_msg("case %zu: %s: want %s, got %s", k, ordering[i],
				         cases[k].order ? "cache" : "backend", why[0] ? why : "cache");
		/* equality and LIKE are bytewise under every deterministic collation */
		for (size_t i = 0; i < sizeof(equality) / sizeof(equality[0]); i++)
			if (!cacheable(s, equality[i], why, sizeof(why)))
				fail_msg("case %zu: %s: want cache, got %s", k, equality[i], why);
		sqlfe_schema_free(s);
	}
}

/*
 * numeric sorts in numeric order (the collation of common/pgnumeric.h)
 * under every typmod; min/max only at a fixed scale, where equal values
 * print alike (which of "1.0" and "1.00" PostgreSQL's min returns depends on
 * the order it reads them in).
 */
static void test_numeric_order(void **state)
{
	static const char *const sorted[] = {
	        "SELECT id, amount FROM prices WHERE id IN (1, 2) ORDER BY amount",
	        "SELECT id FROM prices WHERE id IN (1, 2) ORDER BY amount DESC NULLS LAST, id",
	};
	static const char *const extremes[] = {
	        "SELECT min(amount) FROM prices WHERE id IN (1, 2)",
	        "SELECT max(amount), count(*) FROM prices WHERE id IN (1, 2)",
	};
	static const char *const never[] = {
	        "SELECT id FROM prices WHERE id IN (1, 2) AND amount < 5",
	        "SELECT id FROM prices WHERE id IN (1, 2) AND amount = 5",
	        "SELECT DISTINCT amount FROM prices WHERE id IN (1, 2)",
	};
	char why[128];

	(void)state;
	for (int scaled = 0; scaled < 2; scaled++) {
		sqlfe_schema *s = sqlfe_schema_new("public");
		assert_non_null(s);
		int t = sqlfe_schema_add_table(s, "prices", 17003, false);
		assert_int_equal(sqlfe_schema_add_column(s, t, "id", PGTYPE_OID_INT4, -1, "int4", 1,
		                                         SQLFE_COL_UNIQUE | SQLFE_COL_FILL),
		                 0);
		assert_int_equal(sqlfe_schema_add_column(s, t, "amount", PGTYPE_OID_NUMERIC,
		                                         scaled ? ((10 << 16) | 2) + 4 : -1, "numeric", 2, 0),
		                 1);
		for (size_t i = 0; i < sizeof(sorted) / sizeof(sorted[0]); i++)
			if (!cacheable(s, sorted[i], why, sizeof(why)))
				fail_msg("%s (scaled %d): want cache, got %s", sorted[i], scaled, why);
		for (size_t i = 0; i < sizeof(extremes) / sizeof(extremes[0]); i++) {
			bool c = cacheable(s, extremes[i], why, sizeof(why));
			if (c != (scaled == 1))
				fail_msg("%s (scaled %d): want %s, got %s", extremes[i], scaled,
				         scaled ? "cache" : "backend", c ? "cache" : why);
			if (!c)
				assert_string_equal(why, "min/max on type numeric without a fixed scale");
		}
		for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
			if (cacheable(s, never[i], why, sizeof(why)))
				fail_msg("%s (scaled %d): want backend, got cache", never[i], scaled);
		sqlfe_schema_free(s);
	}
}

static void test_schema_refusals(void **state)
{
	sqlfe_schema *s = sqlfe_schema_new(NULL);
	char longname[SQLFE_NAME_MAX + 8];
	int t;

	(void)state;
	assert_non_null(s);
	assert_string_equal(s->schema_name, "public");
	t = sqlfe_schema_add_table(s, "a", 1, false);
	assert_int_equal(t, 0);
	assert_int_equal(sqlfe_schema_add_table(s, "a", 2, false), -1);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(sqlfe_schema_add_table(s, longname, 3, false), -1);
	assert_int_equal(sqlfe_schema_add_column(s, t, "c", 23, -1, "int4", 1, 0), 0);
	assert_int_equal(sqlfe_schema_add_column(s, t, "c", 23, -1, "int4", 2, 0), -1);
	assert_int_equal(sqlfe_schema_add_column(s, 5, "d", 23, -1, "int4", 2, 0), -1);
	assert_false(sqlfe_schema_add_rcc(s, "a", "c", "b", "c"));
	assert_false(sqlfe_schema_add_rcc(s, "a", "zz", "a", "c"));
	assert_true(sqlfe_schema_add_rcc(s, "a", "c", "a", "c"));
	assert_true(sqlfe_schema_has_rcc(s, 0, 0, 0, 0));
	assert_true(sqlfe_schema_is_rcc_target(s, 0, 0));
	sqlfe_schema_free(s);
}

/* The movie schema with film.fsk, an enum (OID 17000) whose sort order is not its labels' text order. */
static sqlfe_schema *enum_schema(void)
{
	static char *const labels[] = {"ab 18", "ab 0", "ab 6", "ab 12", "ab 16"};
	sqlfe_schema *s = movies_schema(false);
	assert_non_null(s);
	int film = sqlfe_schema_table(s, "film");
	int c = sqlfe_schema_add_column(s, film, "fsk", 17000, -1, "freigabe", 13, SQLFE_COL_UNIQUE);
	assert_true(c >= 0);
	assert_true(sqlfe_schema_set_labels(s, film, c, labels, 5));
	return s;
}

static void test_enum_columns(void **state)
{
	sqlfe_schema *s = enum_schema();
	sqlfe_plan *p;
	cb_error err;
	sqlfe_bound out;

	(void)state;
	/* printed as stored, with its own OID; ordered by the labels' positions */
	const char *sql = "SELECT id, fsk FROM film WHERE regie = 3 AND fsk = 'ab 6' ORDER BY fsk DESC, id";
	const char *other = "SELECT id, fsk FROM film WHERE regie = 3 AND fsk = 'AB 6' ORDER BY fsk DESC, id";
	keyed a, b;
	scan(sql, &a);
	scan(other, &b);
	assert_true(sqlfe_plan_build(sql, &a.pk, s, &p, &err));
	assert_true(p->cacheable);
	assert_string_equal(p->sql, "SELECT \"film\".\"id\", \"film\".\"fsk\" FROM \"film\" AS \"film\" WHERE "
	                            "\"film\".\"regie\" = ?1 AND \"film\".\"fsk\" = ?2 ORDER BY CASE "
	                            "\"film\".\"fsk\" WHEN 'ab 18' THEN 0 WHEN 'ab 0' THEN 1 WHEN 'ab 6' THEN 2 WHEN "
	                            "'ab 12' THEN 3 WHEN 'ab 16' THEN 4 END DESC NULLS FIRST, \"film\".\"id\" ASC "
	                            "NULLS LAST");
	assert_int_equal(p->cols[1].type_oid, 17000);
	assert_int_equal(p->cols[1].typlen, 4);
	assert_ptr_equal(p->cols[1].type, pgtype_enum());
	assert_int_equal(p->binds[1].as, SQLFE_BIND_ENUM);
	assert_int_equal(p->nprobes, 1); /* regie only: an enum is never an entry point, unique or not */
	/* bound: a label exactly; anything else is PostgreSQL's to refuse */
	assert_int_equal(bind1(p, 1, sql, &a.pk, NULL, NULL, 0, &out), SQLFE_BOUND_OK);
	assert_int_equal(out.len, 4);
	assert_int_equal(bind1(p, 1, other, &b.pk, NULL, NULL, 0, &out), SQLFE_BOUND_BACKEND);
	sqlfe_plan_free(p);

	/* a parameter: typed as the enum; declared so or not at all, else PostgreSQL's operator lookup decides */
	assert_true(
	        sqlfe_plan_build("SELECT id FROM film WHERE regie = $1 AND fsk IN ($2, 'ab 0')", NULL, s, &p, &err));
	assert_true(p->cacheable);
	{
		const char *params[] = {NULL, "3", "ab 12"};
		const int lens[] = {0, 1, 5};
		uint32_t types[] = {0, 0, 0};
		char scratch[64];
		size_t u = 0;
		sqlfe_bind_input in = {"", NULL, params, lens, types, 2};
		assert_int_equal(sqlfe_plan_bind_value(&p->binds[1], &in, scratch, sizeof(scratch), &u, &out),
		                 SQLFE_BOUND_OK);
		types[2] = 17000;
		assert_int_equal(sqlfe_plan_bind_value(&p->binds[1], &in, scratch, sizeof(scratch), &u, &out),
		                 SQLFE_BOUND_OK);
		types[2] = PGTYPE_OID_TEXT;
		assert_int_equal(sqlfe_plan_bind_value(&p->binds[1], &in, scratch, sizeof(scratch), &u, &out),
		                 SQLFE_BOUND_BACKEND);
	}
	sqlfe_plan_free(p);

	/* what SQLite cannot do with an enum goes to the backend */
	static const char *const refused[][2] = {
	        {"SELECT id FROM film WHERE regie = 3 AND fsk < 'ab 12'", "ordering on type enum"},
	        {"SELECT min(fsk) FROM film WHERE regie = 3", "min/max on type enum"},
	        {"SELECT id FROM film WHERE regie = 3 AND fsk = 5", "not a string"},
	        {"SELECT id FROM film WHERE regie = 3 AND fsk = $1::text", "cast"},
	        {"SELECT id FROM film WHERE regie = 3 AND fsk = titel", "comparison of"},
	        {"SELECT id FROM film WHERE regie = 3 AND fsk LIKE 'ab%'", "LIKE on type enum"},
	};
	for (size_t i = 0; i < CB_ARRAY_LEN(refused); i++) {
		assert_true(sqlfe_plan_build(refused[i][0], NULL, s, &p, &err));
		if (p->cacheable || strstr(p->reason, refused[i][1]) == NULL)
			fail_msg("%s: cacheable %d, reason \"%s\", want \"%s\"", refused[i][0], p->cacheable,
			         p->reason != NULL ? p->reason : "", refused[i][1]);
		sqlfe_plan_free(p);
	}
	sqlfe_schema_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_plan_serves_its_key),   cmocka_unit_test(test_plan_without_key),
	        cmocka_unit_test(test_backend_plan),          cmocka_unit_test(test_bind_values),
	        cmocka_unit_test(test_bool_and_opaque_types), cmocka_unit_test(test_schema_refusals),
	        cmocka_unit_test(test_column_collation),      cmocka_unit_test(test_cast_params),
	        cmocka_unit_test(test_numeric_order),         cmocka_unit_test(test_enum_columns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
