/*
 * hitpath.c - the hit path: answer a SELECT from the SQLite cache exactly
 * as PostgreSQL would, or say why not (see hitpath.h).
 *
 * Functions prefix: hp_
 */
#include "hit/hitpath.h"
#include "common/log.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "cachegroup/generate.h"
#include "sql/plan.h"
#include "hit/hitschema.h"

#define HP_DEFAULT_SHAPES 10000

/* A plan ready to execute: the front end's plan plus the cache statements it needs. */
typedef struct hp_prep {
	sqlfe_plan *plan; /* NULL when no group can answer the shape */
	int group;        /* -1 when none */
	char reason[SQLFE_REASON_MAX];
	int probe_entry[SQLFE_MAX_FROM]; /* per plan probe: the group's entry point */
	int probe_stmt[SQLFE_MAX_FROM];  /* and its CG_STMT_PROBE */
	int ncomplete;
	int complete_stmt[SQLFE_MAX_FROM]; /* probes of the complete tables the plan reads */
} hp_prep;

/* One statement shape in the plan cache; never freed while the engine lives. */
typedef struct hp_shape {
	UT_hash_handle hh;
	char *key; /* the plan key (placeholders 0x01 + kind letter) */
	size_t key_len;
	char *display; /* the key with placeholders shown as $? */
	hp_prep prep;
	_Atomic uint64_t executions, hits, misses, backend;
} hp_shape;

struct hp_engine {
	cachedb *db;
	cg_group *const *groups;
	size_t ngroups;
	sqlfe_schema **schemas; /* NULL for a group the front end cannot describe */
	char first_err[256];    /* why the first such group cannot be described */
	char *fill_timezone;
	size_t max_shapes;
	hp_hit_fn on_hit;
	void *hit_arg;
	pthread_mutex_t lock; /* shapes */
	hp_shape *shapes;
	size_t nshapes;
	_Atomic uint64_t parses, plan_hits, no_key, uncached, hits, misses, backend, errors;
};

/* A translated statement prepared on one connection, per shape. */
typedef struct hp_cstmt {
	UT_hash_handle hh;
	const hp_shape *shape;
	sqlite3_stmt *st;
} hp_cstmt;

struct hp_conn {
	hp_engine *e;
	cachedb_conn *lite;
	sqlite3_stmt *begin, *commit, *rollback;
	hp_cstmt *stmts;
	/* scratch buffers, grown as needed and reused by every statement */
	char *text, *key, *scratch, *cell;
	size_t text_cap, key_cap, scratch_cap, cell_cap;
	const char **pv; /* parameters shifted to 1..n */
	int *pl;
	size_t pv_cap, pl_cap;
	sqlfe_bound *bound; /* resolved probe values, then binds */
	size_t bound_cap;
};

/* --- small helpers --------------------------------------------------------- */

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (*cap >= need)
		return true;
	size_t n = *cap ? *cap : 64;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (q == NULL)
		return false;
	*p = q;
	*cap = n;
	return true;
}

static CB_PRINTF(2, 3) hp_outcome to_backend(hp_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	res->outcome = HP_BACKEND;
	return HP_BACKEND;
}

static hp_outcome failed(hp_result *res, cb_error *err, const char *msg)
{
	cb_error_set(err, "%s", msg);
	res->outcome = HP_ERROR;
	return HP_ERROR;
}

/* The text of a resolved value as the cache stores it, into buf (64 bytes); false when it does not fit. */
static bool value_text(const sqlfe_bound *b, char *buf, size_t cap)
{
	if (b->is_int) {
		if (cap < 21)
			return false;
		sqlfe_types_format_int(b->i, buf);
		return true;
	}
	if (b->len >= cap || memchr(b->s, '\0', b->len) != NULL)
		return false;
	memcpy(buf, b->s, b->len);
	buf[b->len] = '\0';
	return true;
}

/* --- plans ------------------------------------------------------------------ */

static int find_entry(const cg_group *g, int table, const char *table_name, const char *column)
{
	if (table < 0 || (size_t)table >= g->ntables || strcmp(g->tables[table].name, table_name) != 0)
		return -1;
	for (size_t i = 0; i < g->nentries; i++)
		if (g->entries[i].table == (size_t)table && strcmp(g->entries[i].column, column) == 0)
			return (int)i;
	return -1;
}

static int probe_stmt_of(const cg_group *g, int entry)
{
	const cg_stmt *s = cg_gen_find(g, CG_STMT_PROBE, -1, -1, -1, entry);
	return s ? (int)(s - g->stmts) : -1;
}

/* Find the cache statements of a cacheable plan for group g; false with the reason when one is missing. */
static bool prep_statements(const cg_group *g, const sqlfe_plan *p, hp_prep *pr)
{
	for (int i = 0; i < p->nprobes; i++) {
		const sqlfe_probe *pb = &p->probes[i];
		int e = find_entry(g, pb->table, pb->table_name, pb->col_name);
		int s = e >= 0 ? probe_stmt_of(g, e) : -1;
		if (s < 0) {
			snprintf(pr->reason, sizeof(pr->reason), "%s.%s is not an entry point of cache group %s",
			         pb->table_name, pb->col_name, g->name);
			return false;
		}
		pr->probe_entry[i] = e;
		pr->probe_stmt[i] = s;
	}
	pr->ncomplete = 0;
	for (int i = 0; i < p->nocc; i++) {
		if (p->occ[i].anchor.how != SQLFE_ANCH_COMPLETE)
			continue;
		int t = p->occ[i].table, s = -1;
		for (size_t e = 0; e < g->nentries && s < 0; e++)
			if (g->entries[e].table == (size_t)t && (g->entries[e].reasons & CG_ENTRY_COMPLETE))
				s = probe_stmt_of(g, (int)e);
		if (s < 0) {
			snprintf(pr->reason, sizeof(pr->reason), "complete table %s has no probe in cache group %s",
			         g->tables[t].name, g->name);
			return false;
		}
		bool dup = false;
		for (int k = 0; k < pr->ncomplete; k++)
			dup = dup || pr->complete_stmt[k] == s;
		if (!dup)
			pr->complete_stmt[pr->ncomplete++] = s;
	}
	return true;
}

/* Build the plan of text (key pk or NULL) against every group; false only when out of memory. */
static bool prep_build(hp_engine *e, const char *text, const sqlfe_plankey *pk, hp_prep *pr, cb_error *err)
{
	memset(pr, 0, sizeof(*pr));
	pr->group = -1;
	atomic_fetch_add(&e->parses, 1);
	for (size_t g = 0; g < e->ngroups; g++) {
		if (e->schemas[g] == NULL)
			continue;
		sqlfe_plan *p = NULL;
		cb_error serr;
		if (!sqlfe_plan_build(text, pk, e->schemas[g], &p, &serr)) {
			cb_error_set(err, "planning a statement failed: %s", serr.msg);
			return false;
		}
		if (p->cacheable) {
			hp_prep tmp = {.plan = NULL, .group = (int)g};
			if (prep_statements(e->groups[g], p, &tmp)) {
				*pr = tmp;
				pr->plan = p;
				pr->reason[0] = '\0';
				return true;
			}
			if (pr->reason[0] == '\0')
				snprintf(pr->reason, sizeof(pr->reason), "%s", tmp.reason);
		} else if (pr->reason[0] == '\0') {
			snprintf(pr->reason, sizeof(pr->reason), "%s", p->reason);
		}
		sqlfe_plan_free(p);
	}
	if (pr->reason[0] == '\0')
		snprintf(pr->reason, sizeof(pr->reason), "no cache group can be described: %.90s",
		         e->first_err[0] ? e->first_err : "none is compiled");
	return true;
}

static void prep_free(hp_prep *pr)
{
	sqlfe_plan_free(pr->plan);
	pr->plan = NULL;
}

static char *display_key(const char *key, size_t len)
{
	char *d = malloc(len * 2 + 1);
	if (d == NULL)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (key[i] == SQLFE_PLANKEY_MARK && i + 1 < len) {
			d[n++] = '$';
			d[n++] = '?';
			i++;
		} else {
			d[n++] = key[i];
		}
	}
	d[n] = '\0';
	return d;
}

/* --- engine ----------------------------------------------------------------- */

hp_engine *hp_engine_new(cachedb *db, const hp_engine_settings *s, cb_error *err)
{
	hp_engine *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		cb_error_set(err, "out of memory creating the hit path");
		return NULL;
	}
	e->db = db;
	e->groups = cachedb_groups(db, &e->ngroups);
	e->max_shapes = s->max_shapes ? s->max_shapes : HP_DEFAULT_SHAPES;
	e->on_hit = s->on_hit;
	e->hit_arg = s->hit_arg;
	e->fill_timezone = strdup(s->fill_timezone ? s->fill_timezone : "");
	e->schemas = calloc(e->ngroups ? e->ngroups : 1, sizeof(*e->schemas));
	if (e->fill_timezone == NULL || e->schemas == NULL) {
		cb_error_set(err, "out of memory creating the hit path");
		goto fail;
	}
	for (size_t g = 0; g < e->ngroups; g++) {
		char msg[256] = "";
		e->schemas[g] = hschema_build(e->groups[g], s->collation_c, msg, sizeof(msg));
		if (e->schemas[g] == NULL) {
			if (strcmp(msg, "out of memory") == 0) {
				cb_error_set(err, "out of memory creating the hit path");
				goto fail;
			}
			/* such a group's statements go to the backend (the reason is kept) */
			if (e->first_err[0] == '\0')
				snprintf(e->first_err, sizeof(e->first_err), "%s", msg);
			LOG_AT(LOG_WARNING, "cache", "%s", msg);
		}
	}
	if (pthread_mutex_init(&e->lock, NULL) != 0) {
		cb_error_set(err, "cannot create the plan cache lock");
		goto fail;
	}
	return e;
fail:
	if (e->schemas)
		for (size_t g = 0; g < e->ngroups; g++)
			sqlfe_schema_free(e->schemas[g]);
	free(e->schemas);
	free(e->fill_timezone);
	free(e);
	return NULL;
}

void hp_engine_free(hp_engine *e)
{
	if (e == NULL)
		return;
	hp_shape *sh, *tmp;
	HASH_ITER(hh, e->shapes, sh, tmp)
	{
		HASH_DEL(e->shapes, sh);
		prep_free(&sh->prep);
		free(sh->key);
		free(sh->display);
		free(sh);
	}
	for (size_t g = 0; g < e->ngroups; g++)
		sqlfe_schema_free(e->schemas[g]);
	free(e->schemas);
	free(e->fill_timezone);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

void hp_get_stats(hp_engine *e, hp_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->parses = atomic_load(&e->parses);
	out->plan_hits = atomic_load(&e->plan_hits);
	out->no_key = atomic_load(&e->no_key);
	out->uncached = atomic_load(&e->uncached);
	out->hits = atomic_load(&e->hits);
	out->misses = atomic_load(&e->misses);
	out->backend = atomic_load(&e->backend);
	out->errors = atomic_load(&e->errors);
	pthread_mutex_lock(&e->lock);
	out->shapes = e->nshapes;
	pthread_mutex_unlock(&e->lock);
}

void hp_foreach_shape(hp_engine *e, void (*fn)(void *arg, const hp_shape_info *info), void *arg)
{
	pthread_mutex_lock(&e->lock);
	hp_shape *sh, *tmp;
	HASH_ITER(hh, e->shapes, sh, tmp)
	{
		hp_shape_info info = {
		        .key = sh->display,
		        .executions = atomic_load(&sh->executions),
		        .hits = atomic_load(&sh->hits),
		        .misses = atomic_load(&sh->misses),
		        .backend = atomic_load(&sh->backend),
		        .reason = sh->prep.plan ? "" : sh->prep.reason,
		        .group = sh->prep.group,
		};
		fn(arg, &info);
	}
	pthread_mutex_unlock(&e->lock);
}

/*
 * The shape of key pk (text NUL-terminated): found in the plan cache or
 * built and added (*out).  When the cache is full *out is NULL and *tmp
 * holds a plan used once (the caller frees it).  False with err when out
 * of memory.
 */
static bool shape_get(hp_engine *e, const char *text, const sqlfe_plankey *pk, hp_shape **out, hp_prep *tmp,
                      bool *built, cb_error *err)
{
	hp_shape *sh = NULL;
	pthread_mutex_lock(&e->lock);
	HASH_FIND(hh, e->shapes, pk->key, pk->key_len, sh);
	pthread_mutex_unlock(&e->lock);
	*out = sh;
	if (sh != NULL) {
		atomic_fetch_add(&e->plan_hits, 1);
		return true;
	}
	/* build outside the lock; a racing thread's entry wins below */
	hp_prep pr;
	if (!prep_build(e, text, pk, &pr, err))
		return false;
	*built = true;
	hp_shape *n = calloc(1, sizeof(*n));
	char *key = malloc(pk->key_len + 1);
	char *disp = display_key(pk->key, pk->key_len);
	if (n == NULL || key == NULL || disp == NULL) {
		free(n);
		free(key);
		free(disp);
		prep_free(&pr);
		cb_error_set(err, "out of memory adding a statement shape to the plan cache");
		return false;
	}
	memcpy(key, pk->key, pk->key_len);
	key[pk->key_len] = '\0';
	n->key = key;
	n->key_len = pk->key_len;
	n->display = disp;
	n->prep = pr;
	pthread_mutex_lock(&e->lock);
	HASH_FIND(hh, e->shapes, pk->key, pk->key_len, sh);
	if (sh == NULL && e->nshapes < e->max_shapes) {
		HASH_ADD_KEYPTR(hh, e->shapes, n->key, n->key_len, n);
		e->nshapes++;
		sh = n;
		n = NULL;
	}
	pthread_mutex_unlock(&e->lock);
	if (n != NULL) {
		free(n->key);
		free(n->display);
		if (sh == NULL) {
			atomic_fetch_add(&e->uncached, 1);
			*tmp = n->prep; /* plan cache full: used once */
		} else {
			prep_free(&n->prep);
		}
		free(n);
	}
	*out = sh;
	return true;
}

/* --- connections ------------------------------------------------------------ */

static sqlite3_stmt *prepare(hp_conn *c, const char *sql, bool persistent, cb_error *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(c->lite->lite, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) !=
	    SQLITE_OK) {
		cb_error_set(err,
		             "preparing a cache statement failed: %s; the cache file may be damaged: "
		             "delete it to have it rebuilt",
		             sqlite3_errmsg(c->lite->lite));
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

hp_conn *hp_conn_new(hp_engine *e, cb_error *err)
{
	hp_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		cb_error_set(err, "out of memory creating a hit path connection");
		return NULL;
	}
	c->e = e;
	if (!cachedb_conn_open(e->db, &c->lite, err)) {
		free(c);
		return NULL;
	}
	c->begin = prepare(c, "BEGIN", true, err);
	c->commit = c->begin ? prepare(c, "COMMIT", true, err) : NULL;
	c->rollback = c->commit ? prepare(c, "ROLLBACK", true, err) : NULL;
	if (c->rollback == NULL) {
		hp_conn_free(c);
		return NULL;
	}
	return c;
}

void hp_conn_free(hp_conn *c)
{
	if (c == NULL)
		return;
	hp_cstmt *cs, *tmp;
	HASH_ITER(hh, c->stmts, cs, tmp)
	{
		HASH_DEL(c->stmts, cs);
		sqlite3_finalize(cs->st);
		free(cs);
	}
	sqlite3_finalize(c->begin);
	sqlite3_finalize(c->commit);
	sqlite3_finalize(c->rollback);
	if (c->lite)
		cachedb_conn_close(c->lite);
	free(c->text);
	free(c->key);
	free(c->scratch);
	free(c->cell);
	free(c->pv);
	free(c->pl);
	free(c->bound);
	free(c);
}

/* Run a prepared statement without results (BEGIN, COMMIT, ROLLBACK). */
static bool run_simple(hp_conn *c, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE;
}

/* --- execution -------------------------------------------------------------- */

static bool binary_ok(uint32_t oid)
{
	switch (oid) {
	case SQLFE_OID_INT2:
	case SQLFE_OID_INT4:
	case SQLFE_OID_INT8:
	case SQLFE_OID_BOOL:
	case SQLFE_OID_TEXT:
	case SQLFE_OID_VARCHAR:
	case SQLFE_OID_BPCHAR:
	case SQLFE_OID_FLOAT4:
	case SQLFE_OID_FLOAT8:
		return true;
	default:
		return false;
	}
}

static int16_t result_format(const hp_request *rq, int col)
{
	if (rq->simple || rq->nresult_formats == 0 || rq->result_formats == NULL)
		return 0;
	return rq->nresult_formats == 1 ? rq->result_formats[0] : rq->result_formats[col];
}

/*
 * Resolve every probe value and bind of the plan into c->bound (probe
 * values first, in probe order, then binds).  HP_HIT means resolved.
 */
static hp_outcome resolve_values(hp_conn *c, const sqlfe_plan *p, const hp_request *rq, const sqlfe_plankey *pk,
                                 hp_result *res, cb_error *err)
{
	size_t n = (size_t)p->nbinds;
	for (int i = 0; i < p->nprobes; i++)
		n += (size_t)p->probes[i].nvalues;
	if (!grow((void **)&c->bound, &c->bound_cap, n + 1, sizeof(*c->bound)))
		return failed(res, err, "out of memory resolving statement values");
	size_t need = 4 * rq->len + 256;
	for (int i = 0; i < rq->nparams; i++)
		need += 4 * (size_t)(rq->param_len && rq->param_len[i] > 0 ? rq->param_len[i] : 0) + 4;
	for (;;) {
		if (!grow((void **)&c->scratch, &c->scratch_cap, need, 1))
			return failed(res, err, "out of memory resolving statement values");
		size_t used = 0, k = 0;
		sqlfe_bind_status st = SQLFE_BOUND_OK;
		for (int i = 0; i < p->nprobes && st == SQLFE_BOUND_OK; i++)
			for (int v = 0; v < p->probes[i].nvalues && st == SQLFE_BOUND_OK; v++)
				st = sqlfe_plan_bind_value(&p->probes[i].values[v], c->text, pk, c->pv, c->pl,
				                           rq->nparams, c->scratch, c->scratch_cap, &used,
				                           &c->bound[k++]);
		for (int i = 0; i < p->nbinds && st == SQLFE_BOUND_OK; i++)
			st = sqlfe_plan_bind_value(&p->binds[i], c->text, pk, c->pv, c->pl, rq->nparams, c->scratch,
			                           c->scratch_cap, &used, &c->bound[k++]);
		if (st == SQLFE_BOUND_OK)
			return HP_HIT;
		if (st == SQLFE_BOUND_BACKEND)
			return to_backend(res,
			                  "a value of the statement is NULL, invalid or out of range for the cache");
		need = c->scratch_cap * 2;
	}
}

static bool bind_bound(sqlite3_stmt *st, int idx, const sqlfe_bound *b)
{
	if (b->is_int)
		return sqlite3_bind_int64(st, idx, b->i) == SQLITE_OK;
	return sqlite3_bind_text(st, idx, b->s, (int)b->len, SQLITE_STATIC) == SQLITE_OK;
}

/* 1 complete, 0 not, -1 error (err set). */
static int run_probe(hp_conn *c, size_t group, int stmt, const sqlfe_bound *b, cb_error *err)
{
	sqlite3_stmt *st = cachedb_stmt(c->lite, group, (size_t)stmt, err);
	if (st == NULL)
		return -1;
	if (b != NULL && sqlite3_bind_parameter_count(st) >= 1 && !bind_bound(st, 1, b)) {
		cb_error_set(err, "cannot bind a probe value: %s", sqlite3_errmsg(c->lite->lite));
		return -1;
	}
	int rc = sqlite3_step(st);
	int r = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0 : -1;
	if (r < 0)
		cb_error_set(err, "cache probe failed: %s; the cache answers again once SQLite does",
		             sqlite3_errmsg(c->lite->lite));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r;
}

static bool fill_allows(const cg_fill *f, const char *value)
{
	if (!f->restricted)
		return true;
	for (size_t i = 0; i < f->nvalues; i++) {
		const char *v = f->values[i].canonical ? f->values[i].canonical : f->values[i].text;
		if (v != NULL && strcmp(v, value) == 0)
			return true;
	}
	return false;
}

static void add_fill(hp_result *res, size_t group, size_t fill, const char *value)
{
	for (int i = 0; i < res->nfills; i++)
		if (res->fills[i].group == group && res->fills[i].fill == fill &&
		    strcmp(res->fills[i].value, value) == 0)
			return;
	if (res->nfills >= HP_MAX_FILLS)
		return;
	hp_fill *f = &res->fills[res->nfills++];
	f->group = group;
	f->fill = fill;
	snprintf(f->value, sizeof(f->value), "%s", value);
}

static int fill_on(const cg_group *g, size_t table, const char *column)
{
	for (size_t f = 0; f < g->nfills; f++)
		if (g->fills[f].table == table && strcmp(g->fills[f].column, column) == 0)
			return (int)f;
	return -1;
}

/* The fills that would make value complete at entry point e. */
static void fills_for(const cg_group *g, size_t gi, const cg_entry *e, const sqlfe_bound *b, hp_result *res)
{
	char text[sizeof(res->fills[0].value)];
	if (!value_text(b, text, sizeof(text)))
		return;
	if (e->fill >= 0) {
		if (fill_allows(&g->fills[e->fill], text))
			add_fill(res, gi, (size_t)e->fill, text);
		return;
	}
	for (size_t r = 0; r < g->nrccs; r++) {
		const cg_rcc *rc = &g->rccs[r];
		if (rc->dst != e->table || strcmp(rc->dst_column, e->column) != 0)
			continue;
		int f = fill_on(g, rc->src, rc->src_column);
		if (f >= 0 && fill_allows(&g->fills[f], text))
			add_fill(res, gi, (size_t)f, text);
	}
}

static bool text_is(const sqlfe_sqlval *v, const char *s)
{
	return v->len == strlen(s) && memcmp(v->s, s, v->len) == 0;
}

/* The float texts SQLite cannot keep as REAL (see sql/types.h). */
static bool float_special(const sqlfe_sqlval *v)
{
	return text_is(v, "NaN") || text_is(v, "-0") || text_is(v, "Infinity") || text_is(v, "-Infinity");
}

static void put_be(char *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--) {
		p[i] = (char)(v & 0xff);
		v >>= 8;
	}
}

/* Append one column value (length word and bytes) of a DataRow; false: send the statement to the backend. */
static bool put_value(hp_conn *c, pgp_buf *out, const sqlfe_outcol *col, const sqlfe_sqlval *v, int fmt,
                      int extra_float_digits, bool *oom)
{
	sqlfe_sqlval fv;
	if (col->type->family == SQLFE_FAM_FLOAT && v->kind == SQLFE_V_TEXT && !float_special(v)) {
		/*
		 * The fill stores floats as the backend's text under
		 * extra_float_digits 1: the shortest exact form, which is also
		 * what any positive extra_float_digits prints.
		 */
		if (fmt == 0 && extra_float_digits > 0) {
			pgp_put_int32(out, (int32_t)v->len);
			pgp_buf_append(out, v->s, v->len);
			return true;
		}
		char *end = NULL;
		double d = col->type_oid == SQLFE_OID_FLOAT4 ? (double)strtof(v->s, &end) : strtod(v->s, &end);
		if (v->len == 0 || end != v->s + v->len || !isfinite(d))
			return false;
		fv = (sqlfe_sqlval){SQLFE_V_REAL, 0, d, NULL, 0};
		v = &fv;
	}
	if (fmt == 0) {
		for (;;) {
			if (!pgp_buf_reserve(out, 64 + 4)) {
				*oom = true;
				return false;
			}
			size_t at = out->len;
			long r = sqlfe_types_render(col->type, v, extra_float_digits, out->data + at + 4,
			                            out->cap - at - 4);
			if (r == SQLFE_RENDER_INEXACT)
				return false;
			if (r == SQLFE_RENDER_NULL) {
				pgp_put_int32(out, -1);
				return true;
			}
			if ((size_t)r < out->cap - at - 4) {
				put_be(out->data + at, (uint64_t)(uint32_t)r, 4);
				out->len = at + 4 + (size_t)r;
				return true;
			}
			if (!pgp_buf_reserve(out, (size_t)r + 8)) {
				*oom = true;
				return false;
			}
		}
	}
	/* binary: the text rendering proves the stored value exact */
	long r;
	for (;;) {
		r = sqlfe_types_render(col->type, v, 1, c->cell, c->cell_cap);
		if (r < 0 || (size_t)r < c->cell_cap)
			break;
		if (!grow((void **)&c->cell, &c->cell_cap, (size_t)r + 1, 1)) {
			*oom = true;
			return false;
		}
	}
	if (r == SQLFE_RENDER_INEXACT)
		return false;
	if (r == SQLFE_RENDER_NULL) {
		pgp_put_int32(out, -1);
		return true;
	}
	char b[8];
	switch (col->type_oid) {
	case SQLFE_OID_INT2:
	case SQLFE_OID_INT4:
	case SQLFE_OID_INT8: {
		int n = col->type_oid == SQLFE_OID_INT2 ? 2 : col->type_oid == SQLFE_OID_INT4 ? 4 : 8;
		if (v->kind != SQLFE_V_INT)
			return false;
		put_be(b, (uint64_t)v->i, n);
		pgp_put_int32(out, n);
		pgp_buf_append(out, b, (size_t)n);
		return true;
	}
	case SQLFE_OID_BOOL:
		pgp_put_int32(out, 1);
		pgp_put_byte(out, v->i ? 1 : 0);
		return true;
	case SQLFE_OID_FLOAT4:
	case SQLFE_OID_FLOAT8: {
		double d;
		if (v->kind == SQLFE_V_TEXT) {
			/* the specials SQLite cannot keep as REAL (see sql/types.h) */
			if (r == 3 && memcmp(c->cell, "NaN", 3) == 0)
				d = NAN;
			else if (r == 2 && memcmp(c->cell, "-0", 2) == 0)
				d = -0.0;
			else if (r == 8 && memcmp(c->cell, "Infinity", 8) == 0)
				d = INFINITY;
			else if (r == 9 && memcmp(c->cell, "-Infinity", 9) == 0)
				d = -INFINITY;
			else
				return false;
		} else {
			d = v->kind == SQLFE_V_INT ? (double)v->i : v->d;
		}
		if (col->type_oid == SQLFE_OID_FLOAT4) {
			float f = (float)d;
			uint32_t u;
			memcpy(&u, &f, 4);
			put_be(b, u, 4);
			pgp_put_int32(out, 4);
			pgp_buf_append(out, b, 4);
		} else {
			uint64_t u;
			memcpy(&u, &d, 8);
			put_be(b, u, 8);
			pgp_put_int32(out, 8);
			pgp_buf_append(out, b, 8);
		}
		return true;
	}
	default: /* text types: binary is the text */
		pgp_put_int32(out, (int32_t)r);
		pgp_buf_append(out, c->cell, (size_t)r);
		return true;
	}
}

static sqlite3_stmt *shape_stmt(hp_conn *c, const hp_shape *sh, const sqlfe_plan *p, cb_error *err)
{
	hp_cstmt *cs = NULL;
	HASH_FIND_PTR(c->stmts, &sh, cs);
	if (cs != NULL)
		return cs->st;
	sqlite3_stmt *st = prepare(c, p->sql, true, err);
	if (st == NULL)
		return NULL;
	cs = calloc(1, sizeof(*cs));
	if (cs == NULL) {
		sqlite3_finalize(st);
		cb_error_set(err, "out of memory preparing a cache statement");
		return NULL;
	}
	cs->shape = sh;
	cs->st = st;
	HASH_ADD_PTR(c->stmts, shape, cs);
	return st;
}

/* Execute a cacheable plan inside one read transaction. */
static hp_outcome run_plan(hp_conn *c, const hp_prep *pr, const hp_shape *sh, const hp_request *rq,
                           const hp_session *ss, const sqlfe_plankey *pk, pgp_buf *out, hp_result *res, cb_error *err)
{
	hp_engine *e = c->e;
	const sqlfe_plan *p = pr->plan;
	size_t gi = (size_t)pr->group;
	const cg_group *g = e->groups[gi];
	size_t mark = out->len;
	sqlite3_stmt *st = NULL;
	bool own_stmt = sh == NULL;
	char msg[1024];
	size_t nprobe_values = 0;

	for (int i = 0; i < p->nprobes; i++)
		nprobe_values += (size_t)p->probes[i].nvalues;

	if (!run_simple(c, c->begin)) {
		snprintf(msg, sizeof(msg), "cannot begin a cache read: %s; the cache answers again once SQLite does",
		         sqlite3_errmsg(c->lite->lite));
		return failed(res, err, msg);
	}
	/* complete tables must be loaded */
	for (int i = 0; i < pr->ncomplete; i++) {
		int r = run_probe(c, gi, pr->complete_stmt[i], NULL, err);
		if (r < 0)
			goto sqlite_fail;
		if (r == 0) {
			run_simple(c, c->rollback);
			res->outcome = HP_MISS;
			return HP_MISS;
		}
	}
	/* every entry-point value must be complete */
	bool miss = false;
	size_t k = 0;
	for (int i = 0; i < p->nprobes; i++) {
		for (int v = 0; v < p->probes[i].nvalues; v++, k++) {
			int r = run_probe(c, gi, pr->probe_stmt[i], &c->bound[k], err);
			if (r < 0)
				goto sqlite_fail;
			if (r == 0) {
				miss = true;
				fills_for(g, gi, &g->entries[pr->probe_entry[i]], &c->bound[k], res);
			}
		}
	}
	if (miss) {
		run_simple(c, c->rollback);
		res->outcome = HP_MISS;
		return HP_MISS;
	}

	st = own_stmt ? prepare(c, p->sql, false, err) : shape_stmt(c, sh, p, err);
	if (st == NULL)
		goto fail_nostmt;
	for (int i = 0; i < p->nbinds; i++)
		if (!bind_bound(st, i + 1, &c->bound[nprobe_values + (size_t)i])) {
			snprintf(msg, sizeof(msg), "cannot bind a value to a cache statement: %s",
			         sqlite3_errmsg(c->lite->lite));
			cb_error_set(err, "%s", msg);
			goto fail_stmt;
		}

	if (rq->simple || rq->describe) {
		size_t m = pgp_begin(out, 'T');
		pgp_put_int16(out, (int16_t)p->ncols);
		for (int i = 0; i < p->ncols; i++) {
			const sqlfe_outcol *col = &p->cols[i];
			pgp_put_str(out, col->name);
			pgp_put_int32(out, (int32_t)col->table_oid);
			pgp_put_int16(out, col->attnum);
			pgp_put_int32(out, (int32_t)col->type_oid);
			pgp_put_int16(out, col->typlen);
			pgp_put_int32(out, col->typmod);
			pgp_put_int16(out, result_format(rq, i));
		}
		pgp_end(out, m);
	}
	uint64_t rows = 0;
	int rc;
	bool oom = false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t m = pgp_begin(out, 'D');
		pgp_put_int16(out, (int16_t)p->ncols);
		for (int i = 0; i < p->ncols; i++) {
			sqlfe_sqlval v = {SQLFE_V_NULL, 0, 0, NULL, 0};
			bool blob = false;
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
				v.kind = SQLFE_V_INT;
				v.i = sqlite3_column_int64(st, i);
				break;
			case SQLITE_FLOAT:
				v.kind = SQLFE_V_REAL;
				v.d = sqlite3_column_double(st, i);
				break;
			case SQLITE_TEXT:
				v.kind = SQLFE_V_TEXT;
				v.s = (const char *)sqlite3_column_text(st, i);
				v.len = (size_t)sqlite3_column_bytes(st, i);
				break;
			case SQLITE_NULL:
				break;
			default: /* a blob: never stored by the fill */
				blob = true;
				break;
			}
			if (blob ||
			    !put_value(c, out, &p->cols[i], &v, result_format(rq, i), ss->extra_float_digits, &oom)) {
				if (oom)
					goto oom;
				to_backend(res, "a value of column %s is not stored exactly in the cache",
				           p->cols[i].name);
				goto undo;
			}
		}
		pgp_end(out, m);
		rows++;
		if (out->failed)
			goto oom;
	}
	if (rc != SQLITE_DONE) {
		cb_error_set(err, "reading the cache failed: %s; the cache answers again once SQLite does",
		             sqlite3_errmsg(c->lite->lite));
		goto fail_stmt;
	}
	{
		char tag[32];
		memcpy(tag, "SELECT ", 7);
		sqlfe_types_format_int((int64_t)rows, tag + 7);
		size_t m = pgp_begin(out, 'C');
		pgp_put_str(out, tag);
		pgp_end(out, m);
	}
	if (out->failed)
		goto oom;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (own_stmt)
		sqlite3_finalize(st);
	if (!run_simple(c, c->commit)) {
		cb_error_set(err, "ending a cache read failed: %s", sqlite3_errmsg(c->lite->lite));
		run_simple(c, c->rollback);
		out->len = mark;
		res->outcome = HP_ERROR;
		return HP_ERROR;
	}
	res->rows = rows;
	if (e->on_hit != NULL) {
		k = 0;
		for (int i = 0; i < p->nprobes; i++)
			for (int v = 0; v < p->probes[i].nvalues; v++, k++) {
				char text[64];
				if (value_text(&c->bound[k], text, sizeof(text)))
					e->on_hit(e->hit_arg, gi, (size_t)pr->probe_entry[i], text);
			}
	}
	res->outcome = HP_HIT;
	return HP_HIT;

undo:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (own_stmt)
		sqlite3_finalize(st);
	run_simple(c, c->rollback);
	out->len = mark;
	return HP_BACKEND;
oom:
	cb_error_set(err, "out of memory rendering a cache answer");
fail_stmt:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (own_stmt)
		sqlite3_finalize(st);
fail_nostmt:
	run_simple(c, c->rollback);
	out->len = mark;
	out->failed = false;
	res->outcome = HP_ERROR;
	return HP_ERROR;
sqlite_fail:
	run_simple(c, c->rollback);
	res->outcome = HP_ERROR;
	return HP_ERROR;
}

/* The checks that need no SQLite, then run_plan. */
static hp_outcome execute_prep(hp_conn *c, const hp_prep *pr, const hp_shape *sh, const hp_request *rq,
                               const hp_session *ss, const sqlfe_plankey *pk, pgp_buf *out, hp_result *res,
                               cb_error *err)
{
	hp_engine *e = c->e;
	const sqlfe_plan *p = pr->plan;
	if (p == NULL)
		return to_backend(res, "%s", pr->reason);
	size_t gi = (size_t)pr->group;
	const cg_group *g = e->groups[gi];
	for (int i = 0; i < p->nocc; i++) {
		int t = p->occ[i].table;
		bool readable = ss->readable != NULL && gi < ss->ngroups && t < 64 &&
		                (ss->readable[gi] & ((uint64_t)1 << t)) != 0;
		if (!readable)
			return to_backend(res,
			                  "table %s is not readable from the cache for this session (privileges, "
			                  "row security or search_path)",
			                  g->tables[t].name);
		if (cachedb_dirty(e->db, gi, (size_t)t))
			return to_backend(res, "table %s has a write whose invalidation is pending", g->tables[t].name);
	}
	if (!ss->client_utf8)
		return to_backend(res, "client_encoding is not UTF8");
	if ((p->depends & SQLFE_T_TIMEZONE) && (ss->timezone == NULL || strcmp(ss->timezone, e->fill_timezone) != 0))
		return to_backend(res, "TimeZone %s differs from the cache's %s",
		                  ss->timezone ? ss->timezone : "(unknown)", e->fill_timezone);
	if ((p->depends & SQLFE_T_DATESTYLE) && (ss->datestyle == NULL || strncmp(ss->datestyle, "ISO,", 4) != 0))
		return to_backend(res, "DateStyle %s is not the cache's ISO",
		                  ss->datestyle ? ss->datestyle : "(unknown)");
	if ((p->depends & SQLFE_T_INTERVALSTYLE) &&
	    (ss->intervalstyle == NULL || strcmp(ss->intervalstyle, "postgres") != 0))
		return to_backend(res, "IntervalStyle %s is not the cache's postgres",
		                  ss->intervalstyle ? ss->intervalstyle : "(unknown)");
	if (rq->nparams != p->nparams)
		return to_backend(res, "the statement has %d parameter values, its text uses %d", rq->nparams,
		                  p->nparams);
	for (int i = 0; rq->param_types != NULL && i < rq->nparam_types; i++) {
		if (i >= p->nparams)
			return to_backend(res, "more parameter types declared than the statement uses");
		if (rq->param_types[i] != 0 && rq->param_types[i] != p->param_types[i + 1])
			return to_backend(res, "parameter $%d declared as type %u, the cache reads it as %u", i + 1,
			                  rq->param_types[i], p->param_types[i + 1]);
	}
	if (!rq->simple && rq->nresult_formats != 0 && rq->nresult_formats != 1 && rq->nresult_formats != p->ncols)
		return to_backend(res, "%d result formats for %d columns", rq->nresult_formats, p->ncols);
	for (int i = 0; i < p->ncols; i++) {
		int16_t f = result_format(rq, i);
		if (f != 0 && (f != 1 || !binary_ok(p->cols[i].type_oid)))
			return to_backend(res, "result format %d of column %s (type %s) is not encoded by the cache", f,
			                  p->cols[i].name, p->cols[i].type ? p->cols[i].type->name : "?");
	}
	/* parameters as 1..n */
	if (!grow((void **)&c->pv, &c->pv_cap, (size_t)rq->nparams + 1, sizeof(*c->pv)))
		return failed(res, err, "out of memory reading parameters");
	if (!grow((void **)&c->pl, &c->pl_cap, (size_t)rq->nparams + 1, sizeof(*c->pl)))
		return failed(res, err, "out of memory reading parameters");
	c->pv[0] = NULL;
	c->pl[0] = -1;
	for (int i = 0; i < rq->nparams; i++) {
		c->pv[i + 1] = rq->params ? rq->params[i] : NULL;
		c->pl[i + 1] = rq->param_len ? rq->param_len[i] : (c->pv[i + 1] ? (int)strlen(c->pv[i + 1]) : -1);
	}
	hp_outcome o = resolve_values(c, p, rq, pk, res, err);
	if (o != HP_HIT)
		return o;
	return run_plan(c, pr, sh, rq, ss, pk, out, res, err);
}

hp_outcome hp_execute(hp_conn *c, const hp_request *rq, const hp_session *ss, pgp_buf *out, hp_result *res,
                      cb_error *err)
{
	hp_engine *e = c->e;
	memset(res, 0, sizeof(*res));
	res->outcome = HP_BACKEND;
	/* compact out so offsets stay valid and "as it was" is its length */
	if (out->start > 0) {
		memmove(out->data, out->data + out->start, out->len - out->start);
		out->len -= out->start;
		out->start = 0;
	}
	size_t mark = out->len;

	if (!grow((void **)&c->text, &c->text_cap, rq->len + 1, 1) ||
	    !grow((void **)&c->key, &c->key_cap, 2 * rq->len + 1, 1)) {
		failed(res, err, "out of memory reading a statement");
		atomic_fetch_add(&e->errors, 1);
		return HP_ERROR;
	}
	memcpy(c->text, rq->text, rq->len);
	c->text[rq->len] = '\0';

	sqlfe_plankey pk;
	hp_prep tmp = {.plan = NULL, .group = -1};
	bool have_tmp = false;
	hp_shape *sh = NULL;
	hp_outcome o;
	if (memchr(rq->text, '\0', rq->len) != NULL) {
		o = to_backend(res, "the statement text contains a NUL byte");
	} else if (sqlfe_plankey_scan(c->text, rq->len, ss->std_strings, c->key, c->key_cap, &pk)) {
		bool built = false;
		bool ok = shape_get(e, c->text, &pk, &sh, &tmp, &built, err);
		res->parsed = built;
		if (!ok) {
			res->outcome = HP_ERROR;
			atomic_fetch_add(&e->errors, 1);
			return HP_ERROR;
		}
		have_tmp = sh == NULL;
		if (sh != NULL)
			atomic_fetch_add(&sh->executions, 1);
		o = execute_prep(c, sh ? &sh->prep : &tmp, sh, rq, ss, &pk, out, res, err);
	} else {
		atomic_fetch_add(&e->no_key, 1);
		if (!ss->std_strings) {
			o = to_backend(res, "statement without a plan key and standard_conforming_strings off");
		} else if (!prep_build(e, c->text, NULL, &tmp, err)) {
			o = HP_ERROR;
			res->outcome = HP_ERROR;
		} else {
			res->parsed = true;
			have_tmp = true;
			o = execute_prep(c, &tmp, NULL, rq, ss, NULL, out, res, err);
		}
	}
	if (have_tmp)
		prep_free(&tmp);
	if (o != HP_HIT)
		out->len = mark;
	switch (o) {
	case HP_HIT:
		atomic_fetch_add(&e->hits, 1);
		if (sh)
			atomic_fetch_add(&sh->hits, 1);
		break;
	case HP_MISS:
		atomic_fetch_add(&e->misses, 1);
		if (sh)
			atomic_fetch_add(&sh->misses, 1);
		break;
	case HP_BACKEND:
		atomic_fetch_add(&e->backend, 1);
		if (sh)
			atomic_fetch_add(&sh->backend, 1);
		break;
	case HP_ERROR:
		atomic_fetch_add(&e->errors, 1);
		break;
	}
	res->outcome = o;
	return o;
}
