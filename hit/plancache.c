/*
 * plancache.c - the plan cache (see the DESIGN in plancache.h).
 *
 * Functions prefix: plancache_
 */
#include "hit/plancache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cachegroup/generate.h"
#include "common/log.h"
#include "hit/hitschema.h"

#define PLANCACHE_DEFAULT_MAX 10000

struct plancache {
	cg_group *const *groups;
	size_t ngroups;
	sqlfe_schema **schemas; /* NULL for a group the front end cannot describe */
	char first_err[256];    /* why the first such group cannot be described */
	size_t max_plans;
	pthread_mutex_t lock; /* plans, nplans, the recency list, next_id, every plan's refs and gone */
	plancache_plan *plans;
	plancache_plan *recent, *oldest; /* the kept plans by recency: recent most recently used */
	size_t nplans;
	uint64_t next_id;
	_Atomic uint64_t parses, plan_hits, evicted;
};

plancache *plancache_new(cg_group *const *groups, size_t ngroups, const hitschema_opts *opts, size_t max_plans,
                         cb_error *err)
{
	plancache *pc = calloc(1, sizeof(*pc));
	if (pc == NULL || (pc->schemas = calloc(ngroups ? ngroups : 1, sizeof(*pc->schemas))) == NULL) {
		free(pc);
		cb_error_set(err, "out of memory creating the plan cache");
		return NULL;
	}
	pc->groups = groups;
	pc->ngroups = ngroups;
	pc->max_plans = max_plans ? max_plans : PLANCACHE_DEFAULT_MAX;
	for (size_t g = 0; g < ngroups; g++) {
		bool oom = false;
		cb_error why;
		pc->schemas[g] = hitschema_build(groups[g], opts, &oom, &why);
		if (pc->schemas[g] != NULL)
			continue;
		if (oom) {
			plancache_free(pc);
			cb_error_set(err, "out of memory creating the plan cache");
			return NULL;
		}
		/* such a group's statements go to the backend (the reason is kept) */
		if (pc->first_err[0] == '\0')
			snprintf(pc->first_err, sizeof(pc->first_err), "%.200s", why.msg);
		log_warning("%s", why.msg);
	}
	pthread_mutex_init(&pc->lock, NULL);
	return pc;
}

static void plan_clear(plancache_plan *p)
{
	sqlfe_plan_free(p->sql);
	free(p->key);
	free(p->display);
	memset(p, 0, sizeof(*p));
}

/* Recency list (under the lock). */
static void lru_unlink(plancache *pc, plancache_plan *p)
{
	if (p->lru_prev != NULL)
		p->lru_prev->lru_next = p->lru_next;
	else
		pc->recent = p->lru_next;
	if (p->lru_next != NULL)
		p->lru_next->lru_prev = p->lru_prev;
	else
		pc->oldest = p->lru_prev;
	p->lru_prev = p->lru_next = NULL;
}

static void lru_front(plancache *pc, plancache_plan *p)
{
	p->lru_next = pc->recent;
	if (pc->recent != NULL)
		pc->recent->lru_prev = p;
	pc->recent = p;
	if (pc->oldest == NULL)
		pc->oldest = p;
}

void plancache_free(plancache *pc)
{
	if (pc == NULL)
		return;
	plancache_plan *p, *tmp;
	HASH_ITER(hh, pc->plans, p, tmp)
	{
		HASH_DEL(pc->plans, p);
		plan_clear(p);
		free(p);
	}
	for (size_t g = 0; g < pc->ngroups; g++)
		sqlfe_schema_free(pc->schemas[g]);
	free(pc->schemas);
	pthread_mutex_destroy(&pc->lock);
	free(pc);
}

const char *plancache_first_error(const plancache *pc)
{
	return pc->first_err;
}

/* --- building a plan ----------------------------------------------------------------- */

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

/* The probe statement of complete table t, or -1. */
static int complete_probe(const cg_group *g, int t)
{
	for (size_t e = 0; e < g->nentries; e++)
		if (g->entries[e].table == (size_t)t && (g->entries[e].reasons & CG_ENTRY_COMPLETE))
			return probe_stmt_of(g, (int)e);
	return -1;
}

/* Find the cache statements of the cacheable plan sp for group g; false with the reason when one is missing. */
static bool find_statements(const cg_group *g, const sqlfe_plan *sp, plancache_plan *p)
{
	for (int i = 0; i < sp->nprobes; i++) {
		const sqlfe_probe *pb = &sp->probes[i];
		int e = find_entry(g, pb->table, pb->table_name, pb->col_name);
		int s = e >= 0 ? probe_stmt_of(g, e) : -1;
		if (s < 0) {
			snprintf(p->reason, sizeof(p->reason), "%s.%s is not an entry point of cache group %s",
			         pb->table_name, pb->col_name, g->name);
			return false;
		}
		p->probe_entry[i] = e;
		p->probe_stmt[i] = s;
	}
	p->ncomplete = 0;
	for (int i = 0; i < sp->nocc; i++) {
		if (sp->occ[i].anchor.how != SQLFE_ANCH_COMPLETE)
			continue;
		int s = complete_probe(g, sp->occ[i].table);
		if (s < 0) {
			snprintf(p->reason, sizeof(p->reason), "complete table %s has no probe in cache group %s",
			         g->tables[sp->occ[i].table].name, g->name);
			return false;
		}
		bool dup = false;
		for (int k = 0; k < p->ncomplete; k++)
			dup = dup || p->complete_stmt[k] == s;
		if (!dup)
			p->complete_stmt[p->ncomplete++] = s;
	}
	return true;
}

/* Build the plan of text (key pk or NULL) against every group into p; false only when out of memory. */
static bool build(plancache *pc, const char *text, const sqlfe_plankey *pk, plancache_plan *p, cb_error *err)
{
	memset(p, 0, sizeof(*p));
	p->group = -1;
	atomic_fetch_add(&pc->parses, 1);
	for (size_t g = 0; g < pc->ngroups; g++) {
		if (pc->schemas[g] == NULL)
			continue;
		sqlfe_plan *sp = NULL;
		if (!sqlfe_plan_build(text, pk, pc->schemas[g], &sp, err)) {
			cb_error_prefix(err, "planning a statement failed: ");
			return false;
		}
		if (sp->cacheable) {
			plancache_plan tmp = {.group = (int)g};
			if (find_statements(pc->groups[g], sp, &tmp)) {
				memcpy(p->probe_entry, tmp.probe_entry, sizeof(p->probe_entry));
				memcpy(p->probe_stmt, tmp.probe_stmt, sizeof(p->probe_stmt));
				memcpy(p->complete_stmt, tmp.complete_stmt, sizeof(p->complete_stmt));
				p->ncomplete = tmp.ncomplete;
				p->group = (int)g;
				p->sql = sp;
				p->reason[0] = '\0';
				return true;
			}
			if (p->reason[0] == '\0')
				snprintf(p->reason, sizeof(p->reason), "%s", tmp.reason);
		} else if (p->reason[0] == '\0') {
			snprintf(p->reason, sizeof(p->reason), "%s", sp->reason);
		}
		sqlfe_plan_free(sp);
	}
	if (p->reason[0] == '\0')
		snprintf(p->reason, sizeof(p->reason), "no cache group can be described: %.90s",
		         pc->first_err[0] ? pc->first_err : "none is compiled");
	return true;
}

/* The key with placeholders shown as $?; NULL when out of memory. */
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

void plancache_release(plancache *pc, plancache_plan *p, plancache_plan *once)
{
	if (p == NULL)
		return;
	if (p == once) {
		plan_clear(once);
		return;
	}
	pthread_mutex_lock(&pc->lock);
	bool free_it = --p->refs == 0 && p->gone;
	pthread_mutex_unlock(&pc->lock);
	if (free_it) {
		plan_clear(p);
		free(p);
	}
}

void plancache_count_reuse(plancache *pc)
{
	atomic_fetch_add(&pc->plan_hits, 1);
}

/* uthash's hash of a key: the scan's own (sqlfe_plankey_hash), folded, so a lookup hashes the key once. */
static unsigned key_hash(const sqlfe_plankey *pk)
{
	return (unsigned)(pk->hash ^ (pk->hash >> 32));
}

plancache_plan *plancache_get(plancache *pc, const char *text, const sqlfe_plankey *pk, plancache_plan *once,
                              bool *built, cb_error *err)
{
	*built = false;
	if (pk == NULL) {
		*built = true;
		return build(pc, text, NULL, once, err) ? once : NULL;
	}
	plancache_plan *p = NULL;
	pthread_mutex_lock(&pc->lock);
	HASH_FIND_BYHASHVALUE(hh, pc->plans, pk->key, pk->key_len, key_hash(pk), p);
	if (p != NULL) {
		p->refs++;
		if (p != pc->recent) {
			lru_unlink(pc, p);
			lru_front(pc, p);
		}
	}
	pthread_mutex_unlock(&pc->lock);
	if (p != NULL) {
		atomic_fetch_add(&pc->plan_hits, 1);
		return p;
	}
	/* build outside the lock; a racing thread's plan wins below */
	*built = true;
	plancache_plan *n = calloc(1, sizeof(*n));
	if (n == NULL || !build(pc, text, pk, n, err)) {
		if (n == NULL)
			cb_error_set(err, "out of memory adding a plan to the plan cache");
		free(n);
		return NULL;
	}
	n->key = malloc(pk->key_len + 1);
	n->display = display_key(pk->key, pk->key_len);
	if (n->key == NULL || n->display == NULL) {
		plan_clear(n);
		free(n);
		cb_error_set(err, "out of memory adding a plan to the plan cache");
		return NULL;
	}
	memcpy(n->key, pk->key, pk->key_len);
	n->key[pk->key_len] = '\0';
	n->key_len = pk->key_len;
	/*
	 * Keep it, then make room: the least recently used plans go.  A plan
	 * still in use by another thread (refs) leaves the hash and the list
	 * now and is freed by its last plancache_release().
	 */
	plancache_plan *victims = NULL;
	pthread_mutex_lock(&pc->lock);
	HASH_FIND_BYHASHVALUE(hh, pc->plans, pk->key, pk->key_len, key_hash(pk), p);
	if (p == NULL) {
		n->id = ++pc->next_id;
		n->refs = 1;
		HASH_ADD_KEYPTR_BYHASHVALUE(hh, pc->plans, n->key, n->key_len, key_hash(pk), n);
		lru_front(pc, n);
		pc->nplans++;
		while (pc->nplans > pc->max_plans && pc->oldest != n) {
			plancache_plan *v = pc->oldest;
			lru_unlink(pc, v);
			HASH_DEL(pc->plans, v);
			pc->nplans--;
			atomic_fetch_add(&pc->evicted, 1);
			if (v->refs == 0) {
				v->lru_next = victims;
				victims = v;
			} else {
				v->gone = true;
			}
		}
		p = n;
		n = NULL;
	} else {
		p->refs++; /* another thread added it meanwhile */
	}
	pthread_mutex_unlock(&pc->lock);
	while (victims != NULL) {
		plancache_plan *v = victims;
		victims = v->lru_next;
		plan_clear(v);
		free(v);
	}
	if (n != NULL) {
		plan_clear(n);
		free(n);
	}
	return p;
}

void plancache_get_stats(plancache *pc, plancache_stats *out)
{
	out->parses = atomic_load(&pc->parses);
	out->plan_hits = atomic_load(&pc->plan_hits);
	out->evicted = atomic_load(&pc->evicted);
	pthread_mutex_lock(&pc->lock);
	out->plans = pc->nplans;
	pthread_mutex_unlock(&pc->lock);
}

void plancache_note_reason(plancache *pc, plancache_plan *p, const char *reason)
{
	pthread_mutex_lock(&pc->lock);
	if (strncmp(p->last_reason, reason, sizeof(p->last_reason) - 1) != 0)
		snprintf(p->last_reason, sizeof(p->last_reason), "%s", reason);
	pthread_mutex_unlock(&pc->lock);
}

void plancache_foreach(plancache *pc, void (*fn)(void *arg, const plancache_plan *p), void *arg)
{
	pthread_mutex_lock(&pc->lock);
	plancache_plan *p, *tmp;
	HASH_ITER(hh, pc->plans, p, tmp)
	{
		fn(arg, p);
	}
	pthread_mutex_unlock(&pc->lock);
}
