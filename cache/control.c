/*
 * control.c - the control tables (see control.h).
 *
 * Functions prefix: control_
 */
#include "cache/control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cachegroup/generate.h"
#include "common/array.h"
#include "common/sb.h"

/* The generated statement of a kind for fill (or table), as a prepared statement of c. */
static sqlite3_stmt *gen_stmt(cachedb_conn *c, size_t group, cg_stmt_kind kind, int table, int fill, cb_error *err)
{
	const cg_group *g = cachedb_group(c->db, group);
	const cg_stmt *s = cg_gen_find(g, kind, table, fill, -1, -1);
	if (s == NULL) {
		cb_error_set(err, "internal error: cache group %s has no \"%s\" statement", g->name,
		             cg_gen_kind_name(kind));
		return NULL;
	}
	return cachedb_stmt(c, group, (size_t)(s - g->stmts), err);
}

bool control_insert(cachedb_conn *c, size_t group, size_t fill, const char *value, int64_t now_us, cb_error *err)
{
	const cg_group *g = cachedb_group(c->db, group);
	const cg_fill *f = &g->fills[fill];
	sqlite3_stmt *st = gen_stmt(c, group, CG_STMT_INSERT_CONTROL, -1, (int)fill, err);
	if (st == NULL)
		return false;
	bool ok = cachedb_bind(st, 1, g->tables[f->table].cols[f->col].storage, value) &&
	          sqlite3_bind_int64(st, 2, now_us) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE;
	if (!ok)
		cb_error_set(err, "inserting the control row into %s failed: %s", f->ctl_name, sqlite3_errmsg(c->lite));
	sqlite3_reset(st);
	return ok;
}

static bool table_in(uint64_t tables, size_t t)
{
	return tables == UINT64_MAX || (t < 64 && ((tables >> t) & 1) != 0);
}

bool control_mark_complete(cachedb_conn *c, size_t group, uint64_t tables, int64_t now_us, cb_error *err)
{
	const cg_group *g = cachedb_group(c->db, group);
	for (size_t i = 0; i < g->nstmts; i++) {
		const cg_stmt *s = &g->stmts[i];
		if (s->kind != CG_STMT_INSERT_CONTROL || s->fill >= 0 || s->table < 0 ||
		    !g->tables[s->table].complete || !table_in(tables, (size_t)s->table))
			continue;
		sqlite3_stmt *st = cachedb_stmt(c, group, i, err);
		if (st == NULL)
			return false;
		if (sqlite3_bind_int64(st, 1, now_us) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
			cb_error_set(err, "recording complete table %s as loaded failed: %s", g->tables[s->table].name,
			             sqlite3_errmsg(c->lite));
			sqlite3_reset(st);
			return false;
		}
		sqlite3_reset(st);
	}
	return true;
}

static int cmp_victim(const void *a, const void *b)
{
	const control_victim *x = a, *y = b;
	if (x->last_access != y->last_access)
		return x->last_access < y->last_access ? -1 : 1;
	if (x->hits != y->hits)
		return x->hits < y->hits ? -1 : 1;
	return 0;
}

void control_victims_free(control_victim *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].value);
	free(v);
}

/*
 * The generated CG_STMT_EVICT_VICTIMS gives each column's values without
 * their last_access and hits; merging columns needs them, so this query
 * adds them.
 */
static char *victims_sql(const cg_fill *f)
{
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_put(&sb, "SELECT \"value\", \"last_access\", \"hits\", (SELECT count(*) FROM ");
	cb_sb_ident(&sb, f->ctl_name);
	cb_sb_put(&sb, ") FROM ");
	cb_sb_ident(&sb, f->ctl_name);
	cb_sb_put(&sb, " ORDER BY \"last_access\", \"hits\" LIMIT ?1");
	return cb_sb_finish(&sb);
}

/* Append the k oldest values of fill f of group gi to *v; false with err. */
static bool fill_victims(cachedb_conn *c, size_t gi, size_t f, size_t k, control_victim **v, size_t *n, size_t *cap,
                         size_t *total, cb_error *err)
{
	const cg_fill *fl = &cachedb_group(c->db, gi)->fills[f];
	char *sql = victims_sql(fl);
	sqlite3_stmt *st = NULL;
	if (sql == NULL || sqlite3_prepare_v2(c->lite, sql, -1, &st, NULL) != SQLITE_OK) {
		cb_error_set(err, "cannot read the control table %s: %s", fl->ctl_name,
		             sql ? sqlite3_errmsg(c->lite) : "out of memory");
		free(sql);
		return false;
	}
	free(sql);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)k);
	int rc;
	bool first = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *txt = sqlite3_column_text(st, 0);
		char *value = strdup(txt ? (const char *)txt : "");
		if (value == NULL || !CB_ARRAY_GROW(*v, *cap, *n + 1)) {
			free(value);
			sqlite3_finalize(st);
			cb_error_set(err, "out of memory choosing eviction victims");
			return false;
		}
		control_victim *vi = &(*v)[(*n)++];
		vi->group = gi;
		vi->fill = f;
		vi->value = value;
		vi->last_access = sqlite3_column_int64(st, 1);
		vi->hits = sqlite3_column_int64(st, 2);
		if (first)
			*total += (size_t)sqlite3_column_int64(st, 3);
		first = false;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cb_error_set(err, "cannot read the control table %s: %s", fl->ctl_name, sqlite3_errmsg(c->lite));
		return false;
	}
	return true;
}

bool control_victims(cachedb_conn *c, size_t k, control_victim **out, size_t *nout, size_t *total, cb_error *err)
{
	control_victim *v = NULL;
	size_t n = 0, cap = 0;
	*total = 0;
	for (size_t gi = 0; gi < cachedb_ngroups(c->db); gi++)
		for (size_t f = 0; f < cachedb_group(c->db, gi)->nfills; f++)
			if (!fill_victims(c, gi, f, k, &v, &n, &cap, total, err)) {
				control_victims_free(v, n);
				return false;
			}
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_victim);
	if (n > k) {
		for (size_t i = k; i < n; i++)
			free(v[i].value);
		n = k;
	}
	*out = v;
	*nout = n;
	return true;
}

bool control_delete(cachedb_conn *c, const control_victim *v, size_t n, size_t *found, cb_error *err)
{
	*found = 0;
	for (size_t i = 0; i < n; i++) {
		const cg_group *g = cachedb_group(c->db, v[i].group);
		const cg_fill *f = &g->fills[v[i].fill];
		sqlite3_stmt *st = gen_stmt(c, v[i].group, CG_STMT_EVICT_CONTROL, -1, (int)v[i].fill, err);
		if (st == NULL)
			return false;
		if (!cachedb_bind(st, 1, g->tables[f->table].cols[f->col].storage, v[i].value) ||
		    sqlite3_step(st) != SQLITE_DONE) {
			cb_error_set(err, "cannot delete a control value of %s: %s", f->ctl_name,
			             sqlite3_errmsg(c->lite));
			sqlite3_reset(st);
			return false;
		}
		*found += (size_t)sqlite3_changes(c->lite);
		sqlite3_reset(st);
	}
	return true;
}

/* DELETE FROM "name" [WHERE "table" = marker]; *changed (may be NULL) counts the rows. */
static bool delete_from(cachedb_conn *c, const char *name, const char *marker, uint64_t *changed, cb_error *err)
{
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_put(&sb, "DELETE FROM ");
	cb_sb_ident(&sb, name);
	if (marker != NULL)
		cb_sb_put(&sb, " WHERE \"table\" = ?1");
	char *sql = cb_sb_finish(&sb);
	sqlite3_stmt *st = NULL;
	bool ok = sql != NULL && sqlite3_prepare_v2(c->lite, sql, -1, &st, NULL) == SQLITE_OK &&
	          (marker == NULL || sqlite3_bind_text(st, 1, marker, -1, SQLITE_TRANSIENT) == SQLITE_OK) &&
	          sqlite3_step(st) == SQLITE_DONE;
	if (!ok)
		cb_error_set(err, "emptying %s failed: %s; check the disk and permissions of the cache file %s", name,
		             sql ? sqlite3_errmsg(c->lite) : "out of memory", cachedb_path(c->db));
	else if (changed != NULL)
		*changed += (uint64_t)sqlite3_changes(c->lite);
	sqlite3_finalize(st);
	free(sql);
	return ok;
}

bool control_clear_tables(cachedb_conn *c, size_t group, const bool *in_table, uint64_t *removed, cb_error *err)
{
	const cg_group *g = cachedb_group(c->db, group);
	for (size_t f = 0; f < g->nfills; f++)
		if (in_table[g->fills[f].table] && !delete_from(c, g->fills[f].ctl_name, NULL, removed, err))
			return false;
	for (size_t t = 0; t < g->ntables; t++)
		if (in_table[t] && g->tables[t].complete &&
		    !delete_from(c, CG_COMPLETE_TABLE, g->tables[t].cache_name, NULL, err))
			return false;
	return true;
}

bool control_clear_all(cachedb_conn *c, uint64_t *removed, cb_error *err)
{
	for (size_t gi = 0; gi < cachedb_ngroups(c->db); gi++)
		for (size_t f = 0; f < cachedb_group(c->db, gi)->nfills; f++)
			if (!delete_from(c, cachedb_group(c->db, gi)->fills[f].ctl_name, NULL, removed, err))
				return false;
	return true;
}

bool control_summary(cachedb_conn *c, control_summary_fn fn, void *arg, cb_error *err)
{
	bool began = sqlite3_get_autocommit(c->lite) && cachedb_begin(c, false, err);
	bool ok = true;
	for (size_t g = 0; ok && g < cachedb_ngroups(c->db); g++) {
		const cg_group *gr = cachedb_group(c->db, g);
		for (size_t f = 0; ok && f < gr->nfills; f++) {
			cb_sb sb;
			cb_sb_init(&sb);
			cb_sb_put(
			        &sb,
			        "SELECT count(*), coalesce(sum(\"hits\"), 0), coalesce(min(\"last_access\"), 0) FROM ");
			cb_sb_ident(&sb, gr->fills[f].ctl_name);
			char *sql = cb_sb_finish(&sb);
			sqlite3_stmt *st = NULL;
			ok = sql != NULL && sqlite3_prepare_v2(c->lite, sql, -1, &st, NULL) == SQLITE_OK &&
			     sqlite3_step(st) == SQLITE_ROW;
			if (ok)
				fn(arg, g, f, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
				   sqlite3_column_int64(st, 2));
			else
				cb_error_set(err, "cannot read control table %s: %s", gr->fills[f].ctl_name,
				             sqlite3_errmsg(c->lite));
			sqlite3_finalize(st);
			free(sql);
		}
	}
	if (began)
		cachedb_rollback(c);
	return ok;
}

char *control_normalize_value(const cg_column *col, const char *text, cb_error *err)
{
	if (col->storage == PGTYPE_ST_INTEGER) {
		const char *p = text;
		while (*p == ' ')
			p++;
		char *end = NULL;
		errno = 0;
		long long v = strtoll(p, &end, 10);
		while (end && *end == ' ')
			end++;
		if (errno != 0 || end == p || *end != '\0') {
			cb_error_set(err, "\"%s\" is not a value of column %s (type %s): give an integer", text,
			             col->name, col->type_name);
			return NULL;
		}
		char *s = NULL;
		if (asprintf(&s, "%lld", v) < 0) {
			cb_error_set(err, "out of memory");
			return NULL;
		}
		return s;
	}
	char *s = strdup(text);
	if (s == NULL)
		cb_error_set(err, "out of memory");
	return s;
}

bool control_find_fill(cg_group *const *groups, size_t n, const char *name, size_t *group, size_t *fill)
{
	for (size_t g = 0; g < n; g++) {
		const cg_group *gr = groups[g];
		for (size_t f = 0; f < gr->nfills; f++) {
			const cg_table *t = &gr->tables[gr->fills[f].table];
			char *a = NULL, *b = NULL;
			if (asprintf(&a, "%s.%s", t->name, gr->fills[f].column) < 0)
				a = NULL;
			if (asprintf(&b, "%s.%s.%s", t->nspname, t->name, gr->fills[f].column) < 0)
				b = NULL;
			bool hit = (a && strcmp(a, name) == 0) || (b && strcmp(b, name) == 0);
			free(a);
			free(b);
			if (hit) {
				*group = g;
				*fill = f;
				return true;
			}
		}
	}
	return false;
}
