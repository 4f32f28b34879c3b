/*
 * hitpath.c - the hit path: answer a SELECT from the SQLite cache exactly
 * as PostgreSQL would, or say why not (see the DESIGN in hitpath.h).
 *
 * Functions prefix: hitpath_
 */
#include "hit/hitpath.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "cachegroup/generate.h"
#include "common/array.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/pglocale.h"
#include "common/sb.h"
#include "hit/memo.h"
#include "hit/plancache.h"
#include "hit/reader.h"
#include "hit/readergate.h"
#include "hit/render.h"
#include "sql/plan.h"

struct hitpath_engine {
	hitpath_settings s; /* its strings are the engine's own copies */
	plancache *plans;
	memo *memo;        /* NULL: no memo */
	pglocale *locale;  /* the database's collation (collation_locale), NULL: none */
	cb_gateword *gate; /* with reader_fingerprint: the file's gate word, mapped read-only */
	char boot_id[CB_LEASE_BOOT_ID_MAX];
	_Atomic uint64_t no_key, hits, misses, backend, errors;
	_Atomic uint64_t conn_stmts, conn_stmts_evicted; /* prepared per connection and plan, now; dropped for room */
};

/* What one connection prepared for a plan. */
typedef struct conn_stmt {
	UT_hash_handle hh;
	struct conn_stmt *prev, *next; /* recency on the connection: head most recently used */
	uint64_t plan_id;              /* plancache_plan.id: a plan evicted since leaves an entry no plan finds */
	sqlite3_stmt *st;              /* the translated statement, or NULL */
	sqlite3_stmt *pos;             /* the change position of the tables it reads (the memo's), or NULL */
	bool pos_failed;               /* pos cannot be read: no memo for the plan on this connection */
	int npos;                      /* tables the position sums */
} conn_stmt;

struct hitpath_conn {
	hitpath_engine *e;
	reader *rd;
	conn_stmt *stmts;
	conn_stmt *recent, *oldest; /* stmts by recency */
	size_t nstmts;
	/* scratch buffers, grown as needed and reused by every statement */
	char *text, *key, *scratch;
	size_t text_cap, key_cap, scratch_cap;
	/*
	 * The last statement: its text (text[0, text_len)), whether it holds a
	 * NUL, and its plan key (pk, its key in key; keyed: it has one) under
	 * std_strings.  Valid when scanned; kept for the next statement.
	 */
	bool scanned, nul, keyed, std_strings;
	size_t text_len;
	sqlfe_plankey pk;
	const char **pv; /* parameters shifted to 1..n */
	int *pl;
	uint32_t *pt; /* their declared types */
	size_t pv_cap, pl_cap, pt_cap;
	sqlfe_bound *bound; /* resolved probe values, then binds */
	size_t bound_cap;
	sqlite3_stmt *gate_stmt; /* with reader_fingerprint: readergate_read()'s statement */
	char *mkey;              /* the memo key of the statement */
	size_t mkey_len, mkey_cap;
	render_scratch render;
	/*
	 * The plan of the last statement with a plan key, its reference kept:
	 * the next statement of the same key (a prepared statement executed
	 * again, or the same shape with other literals) uses it without the
	 * plan cache's lock, which every connection of the engine shares.
	 */
	plancache_plan *last_plan;
	bool last_counted; /* the last hitpath_execute counted its outcome on last_plan (hitpath_conn_count_memo) */
	/* settings.hold_us: the read transaction kept from an answer, the gate word before it, when it began */
	bool held;
	uint64_t held_word;
	int64_t held_since;
	readergate held_gate; /* the gate as the kept transaction reads it (its lease judged again each time) */
};

/* --- small helpers --------------------------------------------------------- */

static CB_PRINTF(2, 3) hitpath_outcome to_backend(hitpath_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	res->outcome = HITPATH_BACKEND;
	return HITPATH_BACKEND;
}

static hitpath_outcome failed(hitpath_result *res, cb_error *err, const char *msg)
{
	cb_error_set(err, "%s", msg);
	res->outcome = HITPATH_ERROR;
	return HITPATH_ERROR;
}

/* The text of a resolved value as the cache stores it, into buf; false when it does not fit. */
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

/* --- engine ----------------------------------------------------------------- */

hitpath_engine *hitpath_engine_new(const hitpath_settings *s, cb_error *err)
{
	hitpath_engine *e = calloc(1, sizeof(*e));
	if (e == NULL)
		goto oom;
	e->s = *s;
	e->s.cache_path = strdup(s->cache_path ? s->cache_path : "");
	e->s.fill_timezone = strdup(s->fill_timezone ? s->fill_timezone : "");
	e->s.reader_fingerprint = s->reader_fingerprint != NULL ? strdup(s->reader_fingerprint) : NULL;
	if (e->s.cache_path == NULL || e->s.fill_timezone == NULL ||
	    (s->reader_fingerprint != NULL && e->s.reader_fingerprint == NULL))
		goto oom;
	if (s->reader_fingerprint != NULL) {
		char why[256];
		if ((e->gate = cb_gateword_map(s->cache_path, false, why, sizeof(why))) == NULL) {
			cb_error_set(err, "%s", why);
			goto fail;
		}
		if (!cb_lease_boot_id(e->boot_id, sizeof(e->boot_id))) {
			cb_error_set(err,
			             "this machine's boot id cannot be read (/proc/sys/kernel/random/boot_id): the "
			             "reader gate's lease cannot be judged");
			goto fail;
		}
	}
	e->s.collation_locale = NULL;
	if (s->collation_locale != NULL && s->collation_locale[0] != '\0' && !s->collation_c) {
		cb_error why;
		if ((e->locale = pglocale_open(s->collation_locale, &why)) == NULL)
			log_warning("cache: %s; text ordering under the database's collation goes to the backend",
			            why.msg);
	}
	hitschema_opts opts = {
	        .collation_c = s->collation_c, .collation_locale = e->locale != NULL, .enum_columns = s->enum_columns};
	if ((e->plans = plancache_new(s->groups, s->ngroups, &opts, s->max_plans, err)) == NULL)
		goto fail;
	if (s->memo_max_bytes > 0 && (e->memo = memo_new(s->memo_max_bytes)) == NULL) {
		cb_error_set(err, "out of memory creating the memo of answers");
		goto fail;
	}
	return e;
oom:
	cb_error_set(err, "out of memory creating the hit path");
fail:
	hitpath_engine_free(e);
	return NULL;
}

cb_gateword *hitpath_engine_gateword(hitpath_engine *e)
{
	return e->gate;
}

void hitpath_engine_free(hitpath_engine *e)
{
	if (e == NULL)
		return;
	plancache_free(e->plans);
	memo_free(e->memo);
	pglocale_free(e->locale);
	cb_gateword_unmap(e->gate);
	free((char *)e->s.reader_fingerprint);
	free((char *)e->s.fill_timezone);
	free((char *)e->s.cache_path);
	free(e);
}

void hitpath_get_stats(hitpath_engine *e, hitpath_stats *out)
{
	memset(out, 0, sizeof(*out));
	plancache_stats ps;
	plancache_get_stats(e->plans, &ps);
	out->parses = ps.parses;
	out->plan_hits = ps.plan_hits;
	out->plans_evicted = ps.evicted;
	out->plans = ps.plans;
	out->no_key = atomic_load(&e->no_key);
	out->hits = atomic_load(&e->hits);
	out->misses = atomic_load(&e->misses);
	out->backend = atomic_load(&e->backend);
	out->errors = atomic_load(&e->errors);
	out->session_statements = atomic_load(&e->conn_stmts);
	out->session_statements_evicted = atomic_load(&e->conn_stmts_evicted);
	if (e->memo != NULL)
		memo_get_stats(e->memo, &out->memo);
}

void hitpath_count_remote(hitpath_engine *e, const char *text, size_t len, bool std, uint64_t answers)
{
	char *t = malloc(len + 1), *key = malloc(2 * len + 1);
	sqlfe_plankey pk;
	if (t != NULL && key != NULL && memchr(text, '\0', len) == NULL) {
		memcpy(t, text, len);
		t[len] = '\0';
		if (sqlfe_plankey_scan(t, len, std, key, 2 * len + 1, &pk)) {
			plancache_plan once;
			memset(&once, 0, sizeof(once));
			bool built;
			cb_error err = {{0}};
			plancache_plan *p = plancache_get(e->plans, t, &pk, &once, &built, &err);
			if (p != NULL && p != &once) {
				atomic_fetch_add(&p->executions, answers);
				atomic_fetch_add(&p->hits, answers);
			}
			if (p != NULL)
				plancache_release(e->plans, p, &once);
		}
	}
	free(t);
	free(key);
}

void hitpath_conn_count_memo(hitpath_conn *c, hitpath_outcome was)
{
	hitpath_engine *e = c->e;
	if (was != HITPATH_MISS && was != HITPATH_BACKEND)
		return;
	atomic_fetch_sub(was == HITPATH_MISS ? &e->misses : &e->backend, 1);
	atomic_fetch_add(&e->hits, 1);
	if (!c->last_counted || c->last_plan == NULL)
		return;
	plancache_plan *p = c->last_plan;
	atomic_fetch_sub(was == HITPATH_MISS ? &p->misses : &p->backend, 1);
	atomic_fetch_add(&p->hits, 1);
	atomic_fetch_add(&p->memo_hits, 1);
	c->last_counted = false;
}

typedef struct foreach_arg {
	void (*fn)(void *arg, const hitpath_plan_info *info);
	void *arg;
} foreach_arg;

static void plan_visit(void *arg, const plancache_plan *p)
{
	foreach_arg *fa = arg;
	hitpath_plan_info info = {
	        .key = p->display,
	        .executions = atomic_load(&p->executions),
	        .hits = atomic_load(&p->hits),
	        .misses = atomic_load(&p->misses),
	        .backend = atomic_load(&p->backend),
	        .memo_hits = atomic_load(&p->memo_hits),
	        .reason = p->sql ? p->last_reason : p->reason,
	        .group = p->group,
	};
	fa->fn(fa->arg, &info);
}

void hitpath_foreach_plan(hitpath_engine *e, void (*fn)(void *arg, const hitpath_plan_info *info), void *arg)
{
	foreach_arg fa = {fn, arg};
	plancache_foreach(e->plans, plan_visit, &fa);
}

/* --- connections ------------------------------------------------------------ */

hitpath_conn *hitpath_conn_new(hitpath_engine *e, cb_error *err)
{
	hitpath_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		cb_error_set(err, "out of memory creating a hit path connection");
		return NULL;
	}
	c->e = e;
	if ((c->rd = reader_open(e->s.cache_path, e->s.groups, e->s.ngroups, 0, e->locale, err)) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

int64_t hitpath_conn_held_since(const hitpath_conn *c)
{
	return c->held ? c->held_since : 0;
}

void hitpath_conn_release(hitpath_conn *c)
{
	if (!c->held)
		return;
	c->held = false;
	cb_error err = {{0}};
	if (!reader_end(c->rd, &err))
		return; /* a read: nothing is lost (reader_end rolled it back) */
}

void hitpath_conn_free(hitpath_conn *c)
{
	if (c == NULL)
		return;
	hitpath_conn_release(c);
	plancache_release(c->e->plans, c->last_plan, NULL);
	conn_stmt *cs, *tmp;
	HASH_ITER(hh, c->stmts, cs, tmp)
	{
		HASH_DEL(c->stmts, cs);
		sqlite3_finalize(cs->st);
		sqlite3_finalize(cs->pos);
		free(cs);
	}
	atomic_fetch_sub(&c->e->conn_stmts, c->nstmts);
	sqlite3_finalize(c->gate_stmt);
	reader_close(c->rd);
	free(c->text);
	free(c->key);
	free(c->scratch);
	free(c->pv);
	free(c->pl);
	free(c->pt);
	free(c->bound);
	free(c->mkey);
	render_scratch_free(&c->render);
	free(c);
}

static void recency_unlink(hitpath_conn *c, conn_stmt *cs)
{
	if (cs->prev != NULL)
		cs->prev->next = cs->next;
	else
		c->recent = cs->next;
	if (cs->next != NULL)
		cs->next->prev = cs->prev;
	else
		c->oldest = cs->prev;
	cs->prev = cs->next = NULL;
}

static void recency_front(hitpath_conn *c, conn_stmt *cs)
{
	cs->next = c->recent;
	if (c->recent != NULL)
		c->recent->prev = cs;
	c->recent = cs;
	if (c->oldest == NULL)
		c->oldest = cs;
}

/*
 * What c prepared for plan p (a kept one), made empty when new; NULL with
 * err.  A connection keeps at most max_session_statements of them: the
 * least recently used one is finalized to make room (each holds SQLite's
 * compiled statements, a few KB).
 */
static conn_stmt *conn_entry(hitpath_conn *c, const plancache_plan *p, cb_error *err)
{
	conn_stmt *cs = NULL;
	HASH_FIND(hh, c->stmts, &p->id, sizeof(p->id), cs);
	if (cs != NULL) {
		if (cs != c->recent) {
			recency_unlink(c, cs);
			recency_front(c, cs);
		}
		return cs;
	}
	size_t max = c->e->s.max_session_statements ? c->e->s.max_session_statements : 256;
	while (c->nstmts >= max && c->oldest != NULL) {
		conn_stmt *old = c->oldest;
		recency_unlink(c, old);
		HASH_DEL(c->stmts, old);
		sqlite3_finalize(old->st);
		sqlite3_finalize(old->pos);
		free(old);
		c->nstmts--;
		atomic_fetch_sub(&c->e->conn_stmts, 1);
		atomic_fetch_add(&c->e->conn_stmts_evicted, 1);
	}
	if ((cs = calloc(1, sizeof(*cs))) == NULL) {
		cb_error_set(err, "out of memory preparing a cache statement");
		return NULL;
	}
	cs->plan_id = p->id;
	HASH_ADD(hh, c->stmts, plan_id, sizeof(cs->plan_id), cs);
	recency_front(c, cs);
	c->nstmts++;
	atomic_fetch_add(&c->e->conn_stmts, 1);
	return cs;
}

/* The translated statement of plan p prepared on c: kept per plan, or (a plan used once) made for this run. */
static sqlite3_stmt *plan_stmt(hitpath_conn *c, const plancache_plan *p, cb_error *err)
{
	if (p->key == NULL)
		return reader_prepare(c->rd, p->sql->sql, false, err);
	conn_stmt *cs = conn_entry(c, p, err);
	if (cs == NULL)
		return NULL;
	if (cs->st == NULL)
		cs->st = reader_prepare(c->rd, p->sql->sql, true, err);
	return cs->st;
}

/* Done with a statement of plan_stmt(). */
static void plan_stmt_done(const plancache_plan *p, sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (p->key == NULL)
		sqlite3_finalize(st);
}

/* --- values ------------------------------------------------------------------- */

static int16_t result_format(const hitpath_request *rq, int col)
{
	if (rq->simple || rq->nresult_formats == 0 || rq->result_formats == NULL)
		return 0;
	return rq->nresult_formats == 1 ? rq->result_formats[0] : rq->result_formats[col];
}

/*
 * Resolve every probe value and bind of the plan into c->bound (probe
 * values first, in probe order, then binds).  HITPATH_HIT means resolved.
 */
static hitpath_outcome resolve_values(hitpath_conn *c, const sqlfe_plan *p, const hitpath_request *rq,
                                      const sqlfe_plankey *pk, hitpath_result *res, cb_error *err)
{
	size_t n = (size_t)p->nbinds;
	for (int i = 0; i < p->nprobes; i++)
		n += (size_t)p->probes[i].nvalues;
	if (!CB_ARRAY_GROW(c->bound, c->bound_cap, n + 1))
		return failed(res, err, "out of memory resolving statement values");
	size_t need = 4 * rq->len + 256;
	for (int i = 0; i < rq->nparams; i++)
		need += 4 * (size_t)(rq->param_len && rq->param_len[i] > 0 ? rq->param_len[i] : 0) + 4;
	sqlfe_bind_input in = {c->text, pk, c->pv, c->pl, c->pt, rq->nparams};
	for (;;) {
		if (!CB_ARRAY_GROW(c->scratch, c->scratch_cap, need))
			return failed(res, err, "out of memory resolving statement values");
		size_t used = 0, k = 0;
		sqlfe_bind_status st = SQLFE_BOUND_OK;
		for (int i = 0; i < p->nprobes && st == SQLFE_BOUND_OK; i++)
			for (int v = 0; v < p->probes[i].nvalues && st == SQLFE_BOUND_OK; v++)
				st = sqlfe_plan_bind_value(&p->probes[i].values[v], &in, c->scratch, c->scratch_cap,
				                           &used, &c->bound[k++]);
		for (int i = 0; i < p->nbinds && st == SQLFE_BOUND_OK; i++)
			st = sqlfe_plan_bind_value(&p->binds[i], &in, c->scratch, c->scratch_cap, &used,
			                           &c->bound[k++]);
		if (st == SQLFE_BOUND_OK)
			return HITPATH_HIT;
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

/* --- probes and misses ----------------------------------------------------------- */

/* 1 complete, 0 not, -1 error (err set). */
static int run_probe(hitpath_conn *c, size_t group, int stmt, const sqlfe_bound *b, cb_error *err)
{
	sqlite3_stmt *st = reader_stmt(c->rd, group, (size_t)stmt, err);
	if (st == NULL)
		return -1;
	if (b != NULL && sqlite3_bind_parameter_count(st) >= 1 && !bind_bound(st, 1, b)) {
		cb_error_set(err, "cannot bind a probe value: %s", sqlite3_errmsg(c->rd->lite));
		return -1;
	}
	int rc = sqlite3_step(st);
	int r = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0 : -1;
	if (r < 0)
		cb_error_set(err, "cache probe failed: %s; the cache answers again once SQLite does",
		             sqlite3_errmsg(c->rd->lite));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r;
}

static void add_fill(hitpath_result *res, size_t group, size_t fill, const char *value)
{
	for (int i = 0; i < res->nfills; i++)
		if (res->fills[i].group == group && res->fills[i].fill == fill &&
		    strcmp(res->fills[i].value, value) == 0)
			return;
	if (res->nfills >= HITPATH_MAX_FILLS)
		return;
	hitpath_fill *f = &res->fills[res->nfills++];
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
static void fills_for(const cg_group *g, size_t gi, const cg_entry *e, const sqlfe_bound *b, hitpath_result *res)
{
	char text[sizeof(res->fills[0].value)];
	if (!value_text(b, text, sizeof(text)))
		return;
	if (e->fill >= 0) {
		if (cg_model_fill_permits(&g->fills[e->fill], text))
			add_fill(res, gi, (size_t)e->fill, text);
		return;
	}
	for (size_t r = 0; r < g->nrccs; r++) {
		const cg_rcc *rc = &g->rccs[r];
		if (rc->dst != e->table || strcmp(rc->dst_column, e->column) != 0)
			continue;
		int f = fill_on(g, rc->src, rc->src_column);
		if (f >= 0 && cg_model_fill_permits(&g->fills[f], text))
			add_fill(res, gi, (size_t)f, text);
	}
}

/*
 * Inside the read transaction: are the complete tables loaded and every
 * entry-point value complete?  HITPATH_HIT yes, HITPATH_MISS (with the
 * fills to queue), HITPATH_ERROR.
 */
static hitpath_outcome probe_all(hitpath_conn *c, const plancache_plan *p, hitpath_result *res, cb_error *err)
{
	size_t gi = (size_t)p->group;
	const cg_group *g = c->e->s.groups[gi];
	for (int i = 0; i < p->ncomplete; i++) {
		int r = run_probe(c, gi, p->complete_stmt[i], NULL, err);
		if (r <= 0)
			return r < 0 ? HITPATH_ERROR : HITPATH_MISS;
	}
	bool miss = false;
	size_t k = 0;
	for (int i = 0; i < p->sql->nprobes; i++)
		for (int v = 0; v < p->sql->probes[i].nvalues; v++, k++) {
			int r = run_probe(c, gi, p->probe_stmt[i], &c->bound[k], err);
			if (r < 0)
				return HITPATH_ERROR;
			if (r == 0) {
				miss = true;
				fills_for(g, gi, &g->entries[p->probe_entry[i]], &c->bound[k], res);
			}
		}
	return miss ? HITPATH_MISS : HITPATH_HIT;
}

/* Tell the hit counter which entry-point values the answer used. */
static void count_hits(hitpath_conn *c, const plancache_plan *p)
{
	hitpath_engine *e = c->e;
	if (e->s.on_hit == NULL)
		return;
	size_t k = 0;
	for (int i = 0; i < p->sql->nprobes; i++)
		for (int v = 0; v < p->sql->probes[i].nvalues; v++, k++) {
			char text[64];
			if (value_text(&c->bound[k], text, sizeof(text)))
				e->s.on_hit(e->s.hit_arg, (size_t)p->group, (size_t)p->probe_entry[i], text);
		}
}

/* --- the memo (hit/memo.h) ---------------------------------------------------------- */

/*
 * Which plans the memo is for: those that join, or that answered
 * MEMO_MIN_ROWS rows once.  Reading the change positions costs about what
 * probing and reading one row of one table does (bench/memo.sh: a memo
 * made point lookups slower), so single-table answers of a few rows are
 * made anew each time.
 */
#define MEMO_MIN_ROWS 8

/* Add name to the IN list of sb unless names[0, *n) has it. */
static void add_dep(cb_sb *sb, const char **names, int *n, int cap, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (strcmp(names[i], name) == 0)
			return;
	if (*n >= cap) {
		sb->failed = true; /* more tables than the list holds: no memo for the plan */
		return;
	}
	cb_sb_put(sb, *n ? ", " : "");
	cb_sb_literal(sb, name);
	names[(*n)++] = name;
}

/*
 * The statement summing the change positions of every table plan p reads:
 * the tables of its FROM list, and what its probes read (the entry
 * point's table, the sources of the RCCs that end there, the group's
 * control tables, the complete tables' list).  NULL when the cache file
 * has no positions (then there is no memo for the plan here).
 */
static sqlite3_stmt *pos_stmt(hitpath_conn *c, const plancache_plan *p, int *npos)
{
	const cg_group *g = c->e->s.groups[p->group];
	const char *names[4 * SQLFE_MAX_FROM + 64];
	int n = 0, cap = (int)CB_ARRAY_LEN(names);
	cb_sb sb;
	cb_sb_init(&sb);
	cb_sb_put(&sb, "SELECT coalesce(sum(\"pos\"), 0), count(*) FROM ");
	cb_sb_ident(&sb, CG_POS_TABLE);
	cb_sb_put(&sb, " WHERE \"name\" IN (");
	for (int i = 0; i < p->sql->nocc; i++)
		add_dep(&sb, names, &n, cap, g->tables[p->sql->occ[i].table].cache_name);
	for (int i = 0; i < p->sql->nprobes; i++) {
		const cg_entry *en = &g->entries[p->probe_entry[i]];
		add_dep(&sb, names, &n, cap, g->tables[en->table].cache_name);
		for (size_t r = 0; r < g->nrccs; r++)
			if (g->rccs[r].dst == en->table && strcmp(g->rccs[r].dst_column, en->column) == 0)
				add_dep(&sb, names, &n, cap, g->tables[g->rccs[r].src].cache_name);
	}
	for (size_t f = 0; f < g->nfills; f++)
		add_dep(&sb, names, &n, cap, g->fills[f].ctl_name);
	bool complete = p->ncomplete > 0;
	for (int i = 0; i < p->sql->nprobes; i++)
		complete |= (g->entries[p->probe_entry[i]].reasons & CG_ENTRY_COMPLETE) != 0;
	if (complete)
		add_dep(&sb, names, &n, cap, CG_COMPLETE_TABLE);
	cb_sb_put(&sb, ")");
	char *sql = cb_sb_finish(&sb);
	if (sql == NULL)
		return NULL;
	cb_error ignored;
	sqlite3_stmt *st = reader_prepare(c->rd, sql, true, &ignored);
	free(sql);
	*npos = n;
	return st;
}

/*
 * The change position of what plan p reads, inside the read transaction;
 * false when there is none (no memo for p on this connection).
 */
static bool read_position(hitpath_conn *c, const plancache_plan *p, int64_t *pos)
{
	cb_error ignored;
	conn_stmt *cs = conn_entry(c, p, &ignored);
	if (cs == NULL || cs->pos_failed)
		return false;
	if (cs->pos == NULL && (cs->pos = pos_stmt(c, p, &cs->npos)) == NULL) {
		cs->pos_failed = true;
		return false;
	}
	bool ok = sqlite3_step(cs->pos) == SQLITE_ROW && sqlite3_column_int64(cs->pos, 1) == cs->npos;
	if (ok)
		*pos = sqlite3_column_int64(cs->pos, 0);
	sqlite3_reset(cs->pos);
	return ok;
}

static bool mkey_put(hitpath_conn *c, const void *p, size_t n)
{
	if (!CB_ARRAY_GROW(c->mkey, c->mkey_cap, c->mkey_len + n))
		return false;
	memcpy(c->mkey + c->mkey_len, p, n);
	c->mkey_len += n;
	return true;
}

/*
 * The memo key of rq on plan p into c->mkey: everything the answer's
 * bytes depend on besides the cache's content.  The plan (by its id, never
 * reused, so an entry of an evicted plan is never found), whether the answer is
 * a simple Query's or an Execute's with or without a RowDescription, each
 * column's result format, extra_float_digits, and every value resolved
 * into the plan (c->bound: probe values and binds).  TimeZone, DateStyle
 * and IntervalStyle need not be in it: check_settings lets only the
 * cache's own through to a plan whose output they change.
 */
static bool memo_key(hitpath_conn *c, const plancache_plan *p, const hitpath_request *rq, const hitpath_session *ss)
{
	const sqlfe_plan *sp = p->sql;
	c->mkey_len = 0;
	uint64_t id = p->id;
	int32_t efd = ss->extra_float_digits;
	char flags = (char)((rq->simple ? 1 : 0) | (rq->describe ? 2 : 0));
	bool ok = mkey_put(c, &id, sizeof(id)) && mkey_put(c, &flags, 1) && mkey_put(c, &efd, sizeof(efd));
	for (int i = 0; ok && i < sp->ncols; i++) {
		char f = (char)result_format(rq, i);
		ok = mkey_put(c, &f, 1);
	}
	size_t n = (size_t)sp->nbinds;
	for (int i = 0; i < sp->nprobes; i++)
		n += (size_t)sp->probes[i].nvalues;
	for (size_t k = 0; ok && k < n; k++) {
		const sqlfe_bound *b = &c->bound[k];
		if (b->is_int) {
			ok = mkey_put(c, "i", 1) && mkey_put(c, &b->i, sizeof(b->i));
		} else {
			uint64_t len = b->len;
			ok = mkey_put(c, "s", 1) && mkey_put(c, &len, sizeof(len)) && mkey_put(c, b->s, b->len);
		}
	}
	return ok;
}

/* --- the answer ------------------------------------------------------------------ */

static void describe(const sqlfe_plan *sp, const hitpath_request *rq, wire_buf *out)
{
	size_t m = wire_begin_row_description(out, sp->ncols);
	for (int i = 0; i < sp->ncols; i++) {
		const sqlfe_outcol *col = &sp->cols[i];
		wire_put_field(out, col->name, col->table_oid, col->attnum, col->type_oid, col->typlen, col->typmod,
		               result_format(rq, i));
	}
	wire_end(out, m);
}

/* Column i of the current row as the renderer reads it; false for a blob (never stored). */
static bool column_value(sqlite3_stmt *st, int i, sqlfe_sqlval *v)
{
	*v = (sqlfe_sqlval){SQLFE_V_NULL, 0, 0, NULL, 0};
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		v->kind = SQLFE_V_INT;
		v->i = sqlite3_column_int64(st, i);
		return true;
	case SQLITE_FLOAT:
		v->kind = SQLFE_V_REAL;
		v->d = sqlite3_column_double(st, i);
		return true;
	case SQLITE_TEXT:
		v->kind = SQLFE_V_TEXT;
		v->s = (const char *)sqlite3_column_text(st, i);
		v->len = (size_t)sqlite3_column_bytes(st, i);
		return true;
	case SQLITE_NULL:
		return true;
	default:
		return false;
	}
}

/*
 * Step st and write a DataRow per row, then CommandComplete.  HITPATH_HIT,
 * HITPATH_BACKEND (a value the cache cannot render: reason set) or
 * HITPATH_ERROR (err set).
 */
static hitpath_outcome emit_rows(hitpath_conn *c, sqlite3_stmt *st, const sqlfe_plan *sp, const hitpath_request *rq,
                                 const hitpath_session *ss, wire_buf *out, hitpath_result *res, cb_error *err)
{
	uint64_t rows = 0;
	int rc;
	bool oom = false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t m = wire_begin_data_row(out, sp->ncols);
		for (int i = 0; i < sp->ncols; i++) {
			sqlfe_sqlval v;
			if (!column_value(st, i, &v) ||
			    !render_value(&c->render, out, &sp->cols[i], &v, result_format(rq, i),
			                  ss->extra_float_digits, &oom)) {
				if (oom)
					return failed(res, err, "out of memory rendering a cache answer");
				return to_backend(res, "a value of column %s is not stored exactly in the cache",
				                  sp->cols[i].name);
			}
		}
		wire_end(out, m);
		rows++;
		if (out->failed)
			return failed(res, err, "out of memory rendering a cache answer");
	}
	if (c->rd->unsortable) { /* the statement failed over it (a time), or placed it by its bytes (a numeric) */
		c->rd->unsortable = false;
		return to_backend(res, "a stored value the statement orders by is not one the cache can place");
	}
	if (rc != SQLITE_DONE) {
		cb_error_set(err, "reading the cache failed: %s; the cache answers again once SQLite does",
		             sqlite3_errmsg(c->rd->lite));
		res->outcome = HITPATH_ERROR;
		return HITPATH_ERROR;
	}
	wire_put_select_complete(out, rows);
	if (out->failed)
		return failed(res, err, "out of memory rendering a cache answer");
	res->rows = rows;
	return HITPATH_HIT;
}

/* Run the translated statement of p and render its answer (inside the read transaction). */
static hitpath_outcome answer(hitpath_conn *c, const plancache_plan *p, const hitpath_request *rq,
                              const hitpath_session *ss, wire_buf *out, hitpath_result *res, cb_error *err)
{
	const sqlfe_plan *sp = p->sql;
	size_t nprobe_values = 0;
	for (int i = 0; i < sp->nprobes; i++)
		nprobe_values += (size_t)sp->probes[i].nvalues;
	sqlite3_stmt *st = plan_stmt(c, p, err);
	if (st == NULL) {
		res->outcome = HITPATH_ERROR;
		return HITPATH_ERROR;
	}
	hitpath_outcome o = HITPATH_HIT;
	for (int i = 0; i < sp->nbinds && o == HITPATH_HIT; i++)
		if (!bind_bound(st, i + 1, &c->bound[nprobe_values + (size_t)i])) {
			cb_error_set(err, "cannot bind a value to a cache statement: %s", sqlite3_errmsg(c->rd->lite));
			o = res->outcome = HITPATH_ERROR;
		}
	if (o == HITPATH_HIT) {
		if (rq->simple || rq->describe)
			describe(sp, rq, out);
		o = emit_rows(c, st, sp, rq, ss, out, res, err);
	}
	plan_stmt_done(p, st);
	return o;
}

/*
 * Another process's answer (reader_fingerprint), inside its read
 * transaction: the gate's lease, the file's groups, the session's
 * privileges not older than the file's last DDL or privilege change.
 */
static hitpath_outcome check_gate(hitpath_conn *c, bool fresh, const hitpath_request *rq, hitpath_result *res,
                                  cb_error *err)
{
	readergate g;
	if (fresh) {
		if (!readergate_read(c->rd->lite, &c->gate_stmt, c->e->boot_id, cb_lease_now_ms(), &g, err)) {
			res->outcome = HITPATH_ERROR;
			return HITPATH_ERROR;
		}
		c->held_gate = g;
	} else {
		/* a kept transaction: its meta rows are what they were; the lease is judged at this moment */
		g = c->held_gate;
		readergate_judge(&g, c->e->boot_id, cb_lease_now_ms());
	}
	res->ddl_generation = g.ddl_generation;
	if (!g.open) {
		res->gate_closed = true;
		return to_backend(res, "%s", g.why);
	}
	if (strcmp(g.fingerprint, c->e->s.reader_fingerprint) != 0) {
		res->gate_closed = true;
		return to_backend(res, "the cache file was built for other cache groups (fingerprint %s, compiled %s)",
		                  g.fingerprint, c->e->s.reader_fingerprint);
	}
	if (g.synced_us < rq->min_synced_us) {
		res->unsynced = true;
		return to_backend(res, "a write committed on this process's own backend connection is not yet in "
		                       "the cache file");
	}
	if (g.ddl_generation != rq->ddl_generation) {
		res->ddl_moved = true;
		return to_backend(res, "DDL or a privilege change was applied since the session's privileges were "
		                       "checked");
	}
	return HITPATH_HIT;
}

bool hitpath_conn_gate_open(hitpath_conn *c)
{
	if (c->e->gate == NULL || !readergate_word_open(c->e->gate))
		return false;
	readergate g;
	cb_error err = {{0}};
	hitpath_conn_release(c);
	if (!reader_begin(c->rd, &err))
		return false;
	if (!readergate_read(c->rd->lite, &c->gate_stmt, c->e->boot_id, cb_lease_now_ms(), &g, &err)) {
		reader_abort(c->rd);
		return false;
	}
	return reader_end(c->rd, &err) && g.open;
}

bool hitpath_conn_ddl_generation(hitpath_conn *c, uint64_t *out, cb_error *err)
{
	readergate g;
	hitpath_conn_release(c);
	if (!reader_begin(c->rd, err))
		return false;
	if (!readergate_read(c->rd->lite, &c->gate_stmt, c->e->boot_id, cb_lease_now_ms(), &g, err)) {
		reader_abort(c->rd);
		return false;
	}
	*out = g.ddl_generation;
	return reader_end(c->rd, err);
}

/* An answer was read: end its read transaction, or keep it for the next statements (hold_us). */
static bool answered_end(hitpath_conn *c, cb_error *err)
{
	if (c->e->s.hold_us > 0 && c->e->gate != NULL) {
		c->held = true;
		return true;
	}
	return reader_end(c->rd, err);
}

/*
 * Probe and answer in ONE read transaction; out is cut back to mark
 * unless answered.  With a memo, the change position of the plan's
 * tables is read first in the same transaction: an answer kept at that
 * position is given as it is (nothing it was read from changed since), and
 * an answer made here is kept with it (for the plans of MEMO_MIN_ROWS).
 */
static hitpath_outcome run_plan(hitpath_conn *c, plancache_plan *p, const hitpath_request *rq,
                                const hitpath_session *ss, wire_buf *out, hitpath_result *res, cb_error *err)
{
	size_t mark = out->len;
	memo *m = c->e->memo;
	uint64_t word = 0;
	if (c->e->gate != NULL) {
		word = atomic_load_explicit(cb_gateword_word(c->e->gate), memory_order_acquire);
		if (!(word & CB_GATEWORD_OPEN)) {
			hitpath_conn_release(c);
			res->gate_closed = true;
			return to_backend(res, "cbcached closed the reader gate (a write not yet applied, an "
			                       "invalidation, the change stream down, or cbcached stopped)");
		}
	}
	if (c->held && (word != c->held_word || cb_clock_mono_us() - c->held_since > (int64_t)c->e->s.hold_us ||
	                c->held_gate.synced_us < rq->min_synced_us))
		hitpath_conn_release(c); /* a close since it began (a write to read, a fence), too old, or before a
		                          * sync this reader waits for */
	bool fresh = !c->held;
	if (fresh) {
		if (!reader_begin(c->rd, err)) {
			res->outcome = HITPATH_ERROR;
			return HITPATH_ERROR;
		}
		c->held_word = word;
		c->held_since = c->e->s.hold_us > 0 ? cb_clock_mono_us() : 0;
	}
	c->held = false; /* kept again only after an answer */
	if (c->e->gate != NULL) {
		hitpath_outcome g = check_gate(c, fresh, rq, res, err);
		if (g != HITPATH_HIT) {
			reader_abort(c->rd);
			return g;
		}
	}
	int64_t pos = 0;
	bool memoable = m != NULL && p->key != NULL && (p->sql->nocc >= 2 || atomic_load(&p->memo_worth)) &&
	                memo_key(c, p, rq, ss) && read_position(c, p, &pos);
	hitpath_outcome o = HITPATH_HIT;
	if (memoable && rq->refuse == NULL && memo_get(m, c->mkey, c->mkey_len, pos, out, &res->rows)) {
		if (!answered_end(c, err)) {
			reader_abort(c->rd);
			out->len = mark;
			out->failed = false;
			res->outcome = HITPATH_ERROR;
			return HITPATH_ERROR;
		}
		atomic_fetch_add(&p->memo_hits, 1);
		count_hits(c, p);
		res->memo = true;
		res->outcome = HITPATH_HIT;
		return HITPATH_HIT;
	}
	o = probe_all(c, p, res, err);
	if (o == HITPATH_HIT && rq->refuse != NULL) {
		o = to_backend(res, "%s", rq->refuse); /* complete, but the session cannot take it now */
		res->answerable = true;
	}
	if (o == HITPATH_HIT)
		o = answer(c, p, rq, ss, out, res, err);
	if (o == HITPATH_HIT && !answered_end(c, err))
		o = HITPATH_ERROR;
	if (o != HITPATH_HIT) {
		reader_abort(c->rd);
		out->len = mark;
		out->failed = false;
		res->outcome = o;
		return o;
	}
	if (m != NULL && p->key != NULL && res->rows >= MEMO_MIN_ROWS)
		atomic_store(&p->memo_worth, true);
	if (memoable && c->e->s.memo_hook != NULL)
		c->e->s.memo_hook(c->e->s.memo_hook_arg);
	if (memoable)
		memo_put(m, c->mkey, c->mkey_len, pos, out->data + mark, out->len - mark, res->rows);
	count_hits(c, p);
	res->outcome = HITPATH_HIT;
	return HITPATH_HIT;
}

/* --- checks before SQLite ---------------------------------------------------------- */

/* Tables the session may not read from the cache, or being invalidated. */
static hitpath_outcome check_tables(hitpath_engine *e, const plancache_plan *p, const hitpath_session *ss,
                                    hitpath_result *res)
{
	size_t gi = (size_t)p->group;
	const cg_group *g = e->s.groups[gi];
	for (int i = 0; i < p->sql->nocc; i++) {
		int t = p->sql->occ[i].table;
		bool readable = ss->readable != NULL && gi < ss->ngroups && t < 64 &&
		                (ss->readable[gi] & ((uint64_t)1 << t)) != 0;
		if (!readable)
			return to_backend(res,
			                  "table %s is not readable from the cache for this session (privileges, "
			                  "row security or search_path)",
			                  g->tables[t].name);
		if (e->s.fenced != NULL && e->s.fenced(e->s.fenced_arg, gi, (size_t)t))
			return to_backend(res,
			                  "table %s is fenced: a write through cbcached not yet applied by the change "
			                  "stream, an invalidation, or the stream down",
			                  g->tables[t].name);
	}
	return HITPATH_HIT;
}

/* Settings under which the cache renders differently from the backend. */
static hitpath_outcome check_settings(hitpath_engine *e, const sqlfe_plan *sp, const hitpath_session *ss,
                                      hitpath_result *res)
{
	if (!ss->client_utf8)
		return to_backend(res, "client_encoding is not UTF8");
	if ((sp->depends & PGTYPE_T_TIMEZONE) &&
	    (ss->timezone == NULL || strcmp(ss->timezone, e->s.fill_timezone) != 0))
		return to_backend(res, "TimeZone %s differs from the cache's %s",
		                  ss->timezone ? ss->timezone : "(unknown)", e->s.fill_timezone);
	if ((sp->depends & PGTYPE_T_DATESTYLE) && (ss->datestyle == NULL || strncmp(ss->datestyle, "ISO,", 4) != 0))
		return to_backend(res, "DateStyle %s is not the cache's ISO",
		                  ss->datestyle ? ss->datestyle : "(unknown)");
	if ((sp->depends & PGTYPE_T_INTERVALSTYLE) &&
	    (ss->intervalstyle == NULL || strcmp(ss->intervalstyle, "postgres") != 0))
		return to_backend(res, "IntervalStyle %s is not the cache's postgres",
		                  ss->intervalstyle ? ss->intervalstyle : "(unknown)");
	return HITPATH_HIT;
}

/* Parameters and result formats the request brings. */
static hitpath_outcome check_request(const sqlfe_plan *sp, const hitpath_request *rq, hitpath_result *res)
{
	if (rq->nparams != sp->nparams)
		return to_backend(res, "the statement has %d parameter values, its text uses %d", rq->nparams,
		                  sp->nparams);
	for (int i = 0; rq->param_types != NULL && i < rq->nparam_types; i++) {
		uint32_t as;
		if (i >= sp->nparams)
			return to_backend(res, "more parameter types declared than the statement uses");
		if (!sqlfe_subset_param_fits(sp->param_types[i + 1], rq->param_types[i]))
			return to_backend(res, "parameter $%d declared as type %u, the cache compares it as %u", i + 1,
			                  rq->param_types[i], sp->param_types[i + 1]);
		if (!sqlfe_subset_param_declared(sp->param_casts[i + 1], rq->param_types[i], &as))
			return to_backend(res, "parameter $%d declared as type %u, the text casts it to %u", i + 1,
			                  rq->param_types[i], sp->param_casts[i + 1]);
	}
	if (!rq->simple && rq->nresult_formats != 0 && rq->nresult_formats != 1 && rq->nresult_formats != sp->ncols)
		return to_backend(res, "%d result formats for %d columns", rq->nresult_formats, sp->ncols);
	for (int i = 0; i < sp->ncols; i++) {
		int16_t f = result_format(rq, i);
		if (f != 0 && (f != 1 || !render_binary_ok(sp->cols[i].type_oid)))
			return to_backend(res, "result format %d of column %s (type %s) is not encoded by the cache", f,
			                  sp->cols[i].name, sp->cols[i].type ? sp->cols[i].type->name : "?");
	}
	return HITPATH_HIT;
}

/* The parameters as 1..n, for the front end's binder. */
static hitpath_outcome shift_params(hitpath_conn *c, const hitpath_request *rq, hitpath_result *res, cb_error *err)
{
	if (!CB_ARRAY_GROW(c->pv, c->pv_cap, (size_t)rq->nparams + 1) ||
	    !CB_ARRAY_GROW(c->pl, c->pl_cap, (size_t)rq->nparams + 1) ||
	    !CB_ARRAY_GROW(c->pt, c->pt_cap, (size_t)rq->nparams + 1))
		return failed(res, err, "out of memory reading parameters");
	c->pv[0] = NULL;
	c->pl[0] = -1;
	c->pt[0] = 0;
	for (int i = 0; i < rq->nparams; i++) {
		c->pv[i + 1] = rq->params ? rq->params[i] : NULL;
		c->pl[i + 1] = rq->param_len ? rq->param_len[i] : (c->pv[i + 1] ? (int)strlen(c->pv[i + 1]) : -1);
		c->pt[i + 1] = rq->param_types != NULL && i < rq->nparam_types ? rq->param_types[i] : 0;
	}
	return HITPATH_HIT;
}

/* Everything that decides without SQLite, then run_plan. */
static hitpath_outcome execute_plan(hitpath_conn *c, plancache_plan *p, const hitpath_request *rq,
                                    const hitpath_session *ss, const sqlfe_plankey *pk, wire_buf *out,
                                    hitpath_result *res, cb_error *err)
{
	if (p->sql == NULL)
		return to_backend(res, "%s", p->reason);
	hitpath_outcome o;
	if ((o = check_tables(c->e, p, ss, res)) != HITPATH_HIT ||
	    (o = check_settings(c->e, p->sql, ss, res)) != HITPATH_HIT ||
	    (o = check_request(p->sql, rq, res)) != HITPATH_HIT || (o = shift_params(c, rq, res, err)) != HITPATH_HIT ||
	    (o = resolve_values(c, p->sql, rq, pk, res, err)) != HITPATH_HIT)
		return o;
	return run_plan(c, p, rq, ss, out, res, err);
}

static void count(hitpath_engine *e, plancache_plan *p, hitpath_outcome o, const char *reason)
{
	_Atomic uint64_t *ec = o == HITPATH_HIT       ? &e->hits
	                       : o == HITPATH_MISS    ? &e->misses
	                       : o == HITPATH_BACKEND ? &e->backend
	                                              : &e->errors;
	atomic_fetch_add(ec, 1);
	if (p == NULL || p->key == NULL || o == HITPATH_ERROR)
		return;
	_Atomic uint64_t *pc = o == HITPATH_HIT ? &p->hits : o == HITPATH_MISS ? &p->misses : &p->backend;
	atomic_fetch_add(pc, 1);
	if (o == HITPATH_BACKEND && p->sql != NULL)
		plancache_note_reason(e->plans, p, reason);
}

/*
 * rq's text into c->text and its plan key into c->pk (see the scanned
 * fields of hitpath_conn).  The text of the last statement again, under
 * the same standard_conforming_strings, keeps its key: a prepared
 * statement's Binds and a client that sends the same Parse with every
 * statement cost a compare, not a scan (the key depends on nothing else).
 * False when out of memory.
 */
static bool scan_text(hitpath_conn *c, const hitpath_request *rq, bool std_strings)
{
	if (c->scanned && c->text_len == rq->len && c->std_strings == std_strings &&
	    memcmp(c->text, rq->text, rq->len) == 0)
		return true;
	c->scanned = false;
	if (!CB_ARRAY_GROW(c->text, c->text_cap, rq->len + 1) || !CB_ARRAY_GROW(c->key, c->key_cap, 2 * rq->len + 1))
		return false;
	memcpy(c->text, rq->text, rq->len);
	c->text[rq->len] = '\0';
	c->nul = memchr(rq->text, '\0', rq->len) != NULL;
	c->keyed = !c->nul && sqlfe_plankey_scan(c->text, rq->len, std_strings, c->key, c->key_cap, &c->pk);
	c->text_len = rq->len;
	c->std_strings = std_strings;
	c->scanned = true;
	return true;
}

hitpath_outcome hitpath_execute(hitpath_conn *c, const hitpath_request *rq, const hitpath_session *ss, wire_buf *out,
                                hitpath_result *res, cb_error *err)
{
	hitpath_engine *e = c->e;
	memset(res, 0, sizeof(*res));
	res->outcome = HITPATH_BACKEND;
	/* compact out so offsets stay valid and "as it was" is its length */
	if (out->start > 0) {
		memmove(out->data, out->data + out->start, out->len - out->start);
		out->len -= out->start;
		out->start = 0;
	}
	size_t mark = out->len;
	if (!scan_text(c, rq, ss->std_strings)) {
		count(e, NULL, HITPATH_ERROR, NULL);
		return failed(res, err, "out of memory reading a statement");
	}

	const sqlfe_plankey *pk = c->keyed ? &c->pk : NULL;
	plancache_plan once;
	memset(&once, 0, sizeof(once));
	plancache_plan *p = NULL;
	bool reused = false;
	hitpath_outcome o;
	if (c->nul) {
		o = to_backend(res, "the statement text contains a NUL byte");
	} else {
		if (pk == NULL)
			atomic_fetch_add(&e->no_key, 1);
		if (pk == NULL && !ss->std_strings) {
			o = to_backend(res, "statement without a plan key and standard_conforming_strings off");
		} else if (pk != NULL && c->last_plan != NULL && c->last_plan->key_len == pk->key_len &&
		           memcmp(c->last_plan->key, pk->key, pk->key_len) == 0) {
			p = c->last_plan;
			reused = true;
			plancache_count_reuse(e->plans);
			if (p->key != NULL)
				atomic_fetch_add(&p->executions, 1);
			o = execute_plan(c, p, rq, ss, pk, out, res, err);
		} else if ((p = plancache_get(e->plans, c->text, pk, &once, &res->parsed, err)) == NULL) {
			o = res->outcome = HITPATH_ERROR;
		} else {
			if (p->key != NULL)
				atomic_fetch_add(&p->executions, 1);
			o = execute_plan(c, p, rq, ss, pk, out, res, err);
		}
	}
	if (o != HITPATH_HIT)
		out->len = mark;
	count(e, p == &once ? NULL : p, o, res->reason);
	c->last_counted = p != NULL && p != &once && p->key != NULL && o != HITPATH_ERROR;
	if (p == &once) {
		plancache_release(e->plans, p, &once);
	} else if (p != NULL && !reused) {
		plancache_release(e->plans, c->last_plan, NULL); /* the reference kept from the one before */
		c->last_plan = p;
	}
	res->outcome = o;
	return o;
}
