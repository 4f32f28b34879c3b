/*
 * verify.c - the invariant checker: the cache against the backend.
 *
 * Functions prefix: verify_
 */
#include "cache/verify.h"

#include <stdlib.h>
#include <string.h>

#include "cache/pgconn.h"
#include "common/array.h"
#include "common/sb.h"

#include <uthash.h>

typedef struct vrow {
	char *key;  /* primary key texts */
	char *row;  /* every column's text, \x1f separated, \x1e for NULL */
	char *attr; /* the constrained column's text */
	UT_hash_handle hh;
} vrow;

typedef struct vctx {
	const cg_group *g;
	sqlite3 *cache;
	PGconn *pg;
	verify_report_fn fn;
	void *arg;
	long count;
	cb_error *err;
} vctx;

/* Make a row's text readable: (a, b, NULL). */
static char *display(const char *row)
{
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_put(&sb, "(");
	for (const char *p = row; *p; p++) {
		if (*p == '\x1f')
			cb_sb_put(&sb, ", ");
		else if (*p == '\x1e')
			cb_sb_put(&sb, "NULL");
		else
			cb_sb_putn(&sb, p, 1);
	}
	cb_sb_put(&sb, ")");
	return cb_sb_finish(&sb);
}

void verify_print(void *out, const verify_violation *v)
{
	fprintf((FILE *)out, "violation: group %s, %s, value %s: %s %s%s%s\n", v->group, v->constraint,
	        v->value ? v->value : "(whole table)", v->what, v->row, v->cached ? ", cached as " : "",
	        v->cached ? v->cached : "");
}

static void report(vctx *c, const char *constraint, const char *value, const char *what, const char *row,
                   const char *cached)
{
	c->count++;
	if (c->fn == NULL)
		return;
	char *r = display(row);
	char *cr = cached ? display(cached) : NULL;
	verify_violation v = {c->g->name, constraint, value, what, r ? r : row, cached ? (cr ? cr : cached) : NULL};
	c->fn(c->arg, &v);
	free(r);
	free(cr);
}

static void rows_free(vrow **h)
{
	vrow *r, *tmp;
	HASH_ITER(hh, *h, r, tmp)
	{
		HASH_DEL(*h, r);
		free(r->key);
		free(r->row);
		free(r->attr);
		free(r);
	}
}

static bool put_row(vrow **h, char *key, char *row, const char *attr)
{
	vrow *r = calloc(1, sizeof(*r));
	if (r == NULL || key == NULL || row == NULL || (r->attr = strdup(attr ? attr : "NULL")) == NULL) {
		free(r);
		free(key);
		free(row);
		return false;
	}
	r->key = key;
	r->row = row;
	HASH_ADD_KEYPTR(hh, *h, r->key, strlen(r->key), r);
	return true;
}

typedef const char *(*getval_fn)(void *src, int row, int col);

static const char *pg_get(void *src, int row, int col)
{
	PGresult *res = src;
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static const char *lite_get(void *src, int row, int col)
{
	(void)row;
	return (const char *)sqlite3_column_text((sqlite3_stmt *)src, col);
}

static char *row_key(const cg_table *t, getval_fn get, void *src, int row, bool whole)
{
	cb_sb sb;
	cb_sb_init(&sb);
	size_t n = whole ? t->ncols : t->npk;
	for (size_t i = 0; i < n; i++) {
		const char *v = get(src, row, whole ? (int)i : t->pk[i]);
		if (i)
			cb_sb_putn(&sb, "\x1f", 1);
		if (v == NULL)
			cb_sb_putn(&sb, "\x1e", 1);
		else
			cb_sb_put(&sb, v);
	}
	return cb_sb_finish(&sb);
}

/*
 * Compare the backend's rows (res) with the cache's (cache_sql, binding
 * nothing) for one constraint on table t, column col (-1: whole table).
 */
static bool compare(vctx *c, const char *constraint, size_t ti, int col, PGresult *res, const char *cache_sql)
{
	const cg_table *t = &c->g->tables[ti];
	vrow *backend = NULL;
	for (int i = 0; i < PQntuples(res); i++) {
		if (!put_row(&backend, row_key(t, pg_get, res, i, false), row_key(t, pg_get, res, i, true),
		             col >= 0 ? pg_get(res, i, col) : NULL)) {
			rows_free(&backend);
			cb_error_set(c->err, "out of memory while verifying");
			return false;
		}
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->cache, cache_sql, -1, &st, NULL) != SQLITE_OK) {
		cb_error_set(c->err, "cannot read cache table %s: %s; is the cache file built for these cache groups?",
		             t->cache_name, sqlite3_errmsg(c->cache));
		rows_free(&backend);
		return false;
	}
	int rc;
	bool ok = true;
	while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *key = row_key(t, lite_get, st, 0, false);
		char *row = row_key(t, lite_get, st, 0, true);
		const char *attr = col >= 0 ? lite_get(st, 0, col) : NULL;
		if (key == NULL || row == NULL) {
			free(key);
			free(row);
			cb_error_set(c->err, "out of memory while verifying");
			ok = false;
			break;
		}
		vrow *b = NULL;
		HASH_FIND_STR(backend, key, b);
		if (b == NULL) {
			report(c, constraint, col >= 0 ? (attr ? attr : "NULL") : NULL, "extra row", row, NULL);
		} else {
			if (strcmp(b->row, row) != 0)
				report(c, constraint, col >= 0 ? b->attr : NULL, "different row", b->row, row);
			HASH_DEL(backend, b);
			free(b->key);
			free(b->row);
			free(b->attr);
			free(b);
		}
		free(key);
		free(row);
	}
	if (ok && rc != SQLITE_DONE) {
		cb_error_set(c->err, "reading cache table %s failed: %s", t->cache_name, sqlite3_errmsg(c->cache));
		ok = false;
	}
	sqlite3_finalize(st);
	vrow *r, *tmp;
	HASH_ITER(hh, backend, r, tmp)
	{
		if (ok)
			report(c, constraint, col >= 0 ? r->attr : NULL, "missing row", r->row, NULL);
	}
	rows_free(&backend);
	return ok;
}

/* Distinct non-NULL values of a cache column (SQL given), as texts. */
static bool cache_values(vctx *c, const char *sql, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->cache, sql, -1, &st, NULL) != SQLITE_OK) {
		cb_error_set(c->err, "cannot read the cache: %s (%s); is the cache file built for these cache groups?",
		             sqlite3_errmsg(c->cache), sql);
		return false;
	}
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!CB_ARRAY_GROW(*out, cap, *n + 1))
			break;
		if (((*out)[*n] = strdup((const char *)sqlite3_column_text(st, 0))) == NULL)
			break;
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cb_error_set(c->err, "reading the cache failed: %s",
		             rc == SQLITE_ROW ? "out of memory" : sqlite3_errmsg(c->cache));
		return false;
	}
	return true;
}

static void values_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Run a generated backend fetch with an array of values (NULL: none). */
static PGresult *fetch(vctx *c, const cg_stmt *s, char **vals, size_t n, bool with_array)
{
	char *arr = with_array ? pgconn_text_array((const char *const *)vals, n) : NULL;
	if (with_array && arr == NULL) {
		cb_error_set(c->err, "out of memory while verifying");
		return NULL;
	}
	const char *params[1] = {arr};
	PGresult *res =
	        PQexecParams(c->pg, s->sql, with_array ? 1 : 0, NULL, with_array ? params : NULL, NULL, NULL, 0);
	free(arr);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		cb_error_set(c->err, "verify: \"%s\" failed on the backend: %s", s->label, PQerrorMessage(c->pg));
		PQclear(res);
		return NULL;
	}
	return res;
}

static char *select_cols(const cg_table *t)
{
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_put(&sb, "SELECT ");
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			cb_sb_put(&sb, ", ");
		if (t->cols[i].storage == PGTYPE_ST_BOOL) {
			/* stored 0/1: compared with the backend's text output */
			cb_sb_put(&sb, "CASE ");
			cb_sb_ident(&sb, t->cols[i].name);
			cb_sb_put(&sb, " WHEN 1 THEN 't' WHEN 0 THEN 'f' END");
		} else {
			cb_sb_ident(&sb, t->cols[i].name);
		}
	}
	cb_sb_put(&sb, " FROM ");
	cb_sb_ident(&sb, t->cache_name);
	return cb_sb_finish(&sb);
}

/* One constraint: values from values_sql, backend rows by stmt, cache rows by cache_sql. */
static bool check(vctx *c, const char *constraint, const cg_stmt *s, size_t ti, int col, const char *values_sql,
                  const char *cache_sql)
{
	char **vals = NULL;
	size_t n = 0;
	if (values_sql != NULL) {
		if (!cache_values(c, values_sql, &vals, &n))
			return false;
		if (n == 0)
			return true;
	}
	PGresult *res = fetch(c, s, vals, n, values_sql != NULL);
	values_free(vals, n);
	if (res == NULL)
		return false;
	bool ok = compare(c, constraint, ti, col, res, cache_sql);
	PQclear(res);
	return ok;
}

/* Whether complete table t is recorded as loaded (1), not (0), error (-1). */
static int complete_loaded(vctx *c, const cg_table *t)
{
	sqlite3_stmt *st = NULL;
	int r = -1;
	if (sqlite3_prepare_v2(c->cache, "SELECT count(*) FROM \"" CG_COMPLETE_TABLE "\" WHERE \"table\" = ?1", -1, &st,
	                       NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, t->cache_name, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		r = sqlite3_column_int(st, 0) > 0;
	else
		cb_error_set(c->err, "cannot read %s: %s; is the cache file built for these cache groups?",
		             CG_COMPLETE_TABLE, sqlite3_errmsg(c->cache));
	sqlite3_finalize(st);
	return r;
}

static bool verify_group(vctx *c)
{
	const cg_group *g = c->g;
	bool ok = true;
	for (size_t t = 0; ok && t < g->ntables; t++) {
		if (!g->tables[t].complete)
			continue;
		/* a complete table promises its rows once it is recorded as loaded */
		int loaded = complete_loaded(c, &g->tables[t]);
		if (loaded < 0)
			return false;
		if (loaded == 0)
			continue;
		const cg_stmt *s = cg_gen_find(g, CG_STMT_FETCH_TABLE, (int)t, -1, -1, -1);
		char *csql = select_cols(&g->tables[t]);
		char *label = NULL;
		if (asprintf(&label, "complete %s", g->tables[t].name) < 0)
			label = NULL;
		ok = s && csql && label && check(c, label, s, t, -1, NULL, csql);
		if (!ok && (!s || !csql || !label))
			cb_error_set(c->err, "out of memory while verifying");
		free(csql);
		free(label);
	}
	for (size_t f = 0; ok && f < g->nfills; f++) {
		const cg_fill *fl = &g->fills[f];
		const cg_table *t = &g->tables[fl->table];
		const cg_stmt *s = cg_gen_find(g, CG_STMT_FETCH_FILL, -1, (int)f, -1, -1);
		cb_sb vs, cs;
		cb_sb_init(&vs);
		cb_sb_put(&vs, "SELECT \"value\" FROM ");
		cb_sb_ident(&vs, fl->ctl_name);
		char *sel = select_cols(t);
		cb_sb_init(&cs);
		cb_sb_put(&cs, sel ? sel : "");
		cb_sb_put(&cs, " WHERE ");
		cb_sb_ident(&cs, fl->column);
		cb_sb_put(&cs, " IN (SELECT \"value\" FROM ");
		cb_sb_ident(&cs, fl->ctl_name);
		cb_sb_put(&cs, ")");
		free(sel);
		char *vsql = cb_sb_finish(&vs), *csql = cb_sb_finish(&cs);
		char *label = NULL;
		if (asprintf(&label, "control %s.%s", t->name, fl->column) < 0)
			label = NULL;
		ok = s && vsql && csql && label && check(c, label, s, fl->table, fl->col, vsql, csql);
		if (!ok && (!s || !vsql || !csql || !label))
			cb_error_set(c->err, "out of memory while verifying");
		free(vsql);
		free(csql);
		free(label);
	}
	for (size_t r = 0; ok && r < g->nrccs; r++) {
		const cg_rcc *rc = &g->rccs[r];
		const cg_table *st = &g->tables[rc->src], *tt = &g->tables[rc->dst];
		const cg_stmt *s = cg_gen_find(g, CG_STMT_FETCH_RCC, -1, -1, (int)r, -1);
		cb_sb vs, cs;
		cb_sb_init(&vs);
		cb_sb_put(&vs, "SELECT DISTINCT ");
		cb_sb_ident(&vs, rc->src_column);
		cb_sb_put(&vs, " FROM ");
		cb_sb_ident(&vs, st->cache_name);
		cb_sb_put(&vs, " WHERE ");
		cb_sb_ident(&vs, rc->src_column);
		cb_sb_put(&vs, " IS NOT NULL");
		char *sel = select_cols(tt);
		cb_sb_init(&cs);
		cb_sb_put(&cs, sel ? sel : "");
		cb_sb_put(&cs, " WHERE ");
		cb_sb_ident(&cs, rc->dst_column);
		cb_sb_put(&cs, " IN (SELECT ");
		cb_sb_ident(&cs, rc->src_column);
		cb_sb_put(&cs, " FROM ");
		cb_sb_ident(&cs, st->cache_name);
		cb_sb_put(&cs, ")");
		free(sel);
		char *vsql = cb_sb_finish(&vs), *csql = cb_sb_finish(&cs);
		char *label = NULL;
		if (asprintf(&label, "rcc %s.%s -> %s.%s", st->name, rc->src_column, tt->name, rc->dst_column) < 0)
			label = NULL;
		ok = s && vsql && csql && label && check(c, label, s, rc->dst, rc->dst_col, vsql, csql);
		if (!ok && (!s || !vsql || !csql || !label))
			cb_error_set(c->err, "out of memory while verifying");
		free(vsql);
		free(csql);
		free(label);
	}
	return ok;
}

long verify_run(cg_group *const *groups, size_t ngroups, sqlite3 *cache, PGconn *backend, verify_report_fn fn,
                void *arg, cb_error *err)
{
	vctx c = {NULL, cache, backend, fn, arg, 0, err};
	PGresult *res = PQexec(backend, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		cb_error_set(err, "verify: cannot open a backend snapshot: %s; check the backend connection",
		             PQerrorMessage(backend));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	char *msg = NULL;
	if (sqlite3_exec(cache, "BEGIN", NULL, NULL, &msg) != SQLITE_OK) {
		cb_error_set(err, "verify: cannot open a cache read transaction: %s",
		             msg ? msg : sqlite3_errmsg(cache));
		sqlite3_free(msg);
		PQclear(PQexec(backend, "ROLLBACK"));
		return -1;
	}
	bool ok = true;
	for (size_t i = 0; ok && i < ngroups; i++) {
		c.g = groups[i];
		ok = verify_group(&c);
	}
	sqlite3_exec(cache, "ROLLBACK", NULL, NULL, NULL);
	PQclear(PQexec(backend, "ROLLBACK"));
	return ok ? c.count : -1;
}
