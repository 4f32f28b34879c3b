/*
 * hitcount.c - the hit counter: batched last_access/hits updates.
 *
 * Functions prefix: hitcount_
 */
#include "cache/hitcount.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache/hitring.h"
#include "common/array.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/worker.h"

#include <uthash.h>

/* One group's variants of the CG_STMT_HIT statements, counting ?3 hits. */
typedef struct hitstmt {
	size_t entry;
	pgtype_storage storage; /* of the entry column */
	sqlite3_stmt *st;
} hitstmt;

struct hitcount {
	cachedb *db;
	hitcount_settings s;
	hitring *ring;
	pthread_mutex_t flush_mu; /* one consumer at a time; guards lite and stmts */
	cachedb_conn *lite;
	bool prepared;
	hitstmt **stmts; /* per group */
	size_t *nstmts;
	cb_worker worker;
	hitcount_stats stats;
};

typedef struct agg {
	char *key;
	hitring_item item;
	uint64_t count;
	UT_hash_handle hh;
} agg;

static int64_t hitcount_step(void *arg, bool stopping);

hitcount *hitcount_create(cachedb *db, const hitcount_settings *s, cb_error *err)
{
	hitcount *h = calloc(1, sizeof(*h));
	if (h == NULL) {
		cb_error_set(err, "out of memory creating the hit counter");
		return NULL;
	}
	h->db = db;
	h->s = *s;
	if (h->s.ring_size == 0)
		h->s.ring_size = 65536;
	if (h->s.flush_ms <= 0)
		h->s.flush_ms = 200;
	h->ring = hitring_new(h->s.ring_size);
	size_t ng;
	cachedb_groups(db, &ng);
	h->stmts = calloc(ng ? ng : 1, sizeof(*h->stmts));
	h->nstmts = calloc(ng ? ng : 1, sizeof(*h->nstmts));
	bool ok = h->ring != NULL && h->stmts != NULL && h->nstmts != NULL;
	if (!ok)
		cb_error_set(err, "out of memory creating the hit counter");
	if (!ok || !cb_worker_init(&h->worker, "hit counter", hitcount_step, h, err)) {
		hitring_free(h->ring);
		free(h->stmts);
		free(h->nstmts);
		free(h);
		return NULL;
	}
	pthread_mutex_init(&h->flush_mu, NULL);
	return h;
}

bool hitcount_post(hitcount *h, size_t group, size_t entry, const char *value)
{
	return hitring_post(h->ring, (uint32_t)group, (uint32_t)entry, value);
}

/*
 * Prepare the hit statements of every group on the counter's connection:
 * the generated CG_STMT_HIT text with "hits" + 1 turned into "hits" + ?3,
 * so a batch adds the merged count in one statement.
 */
static bool prepare(hitcount *h, cb_error *err)
{
	if (h->prepared)
		return true;
	if (h->lite == NULL && !cachedb_conn_open(h->db, &h->lite, err))
		return false;
	size_t ng;
	cg_group *const *groups = cachedb_groups(h->db, &ng);
	for (size_t gi = 0; gi < ng; gi++) { /* after an earlier failure: start over */
		for (size_t i = 0; i < h->nstmts[gi]; i++)
			sqlite3_finalize(h->stmts[gi][i].st);
		h->nstmts[gi] = 0;
	}
	for (size_t gi = 0; gi < ng; gi++) {
		const cg_group *g = groups[gi];
		for (size_t i = 0; i < g->nstmts; i++) {
			const cg_stmt *s = &g->stmts[i];
			if (s->kind != CG_STMT_HIT)
				continue;
			const char *from = "\"hits\" = \"hits\" + 1";
			const char *at = strstr(s->sql, from);
			char *sql = NULL;
			if (at == NULL) {
				cb_error_set(err, "internal error: the hit statement \"%s\" has no hits increment",
				             s->label);
				return false;
			}
			if (asprintf(&sql, "%.*s\"hits\" = \"hits\" + ?3%s", (int)(at - s->sql), s->sql,
			             at + strlen(from)) < 0) {
				cb_error_set(err, "out of memory preparing the hit counter");
				return false;
			}
			size_t cap = h->nstmts[gi];
			if (!cb_array_grow((void **)&h->stmts[gi], &cap, h->nstmts[gi] + 1, sizeof(hitstmt))) {
				free(sql);
				cb_error_set(err, "out of memory preparing the hit counter");
				return false;
			}
			hitstmt *hs = &h->stmts[gi][h->nstmts[gi]];
			memset(hs, 0, sizeof(*hs));
			hs->entry = (size_t)s->entry;
			const cg_entry *e = &g->entries[s->entry];
			int c = cg_model_find_column(&g->tables[e->table], e->column);
			hs->storage = c >= 0 ? g->tables[e->table].cols[c].storage : PGTYPE_ST_TEXT;
			int rc = sqlite3_prepare_v3(h->lite->lite, sql, -1, SQLITE_PREPARE_PERSISTENT, &hs->st, NULL);
			free(sql);
			if (rc != SQLITE_OK) {
				cb_error_set(err, "cannot prepare the hit statement \"%s\": %s", s->label,
				             sqlite3_errmsg(h->lite->lite));
				sqlite3_finalize(hs->st);
				return false;
			}
			h->nstmts[gi]++;
		}
	}
	h->prepared = true;
	return true;
}

static bool apply_locked(hitcount *h, agg *all, cb_error *err)
{
	size_t ng;
	cachedb_groups(h->db, &ng);
	if (!cachedb_begin(h->lite, true, err))
		return false;
	int64_t now = cb_clock_now_us();
	uint64_t updates = 0, applied = 0;
	agg *a, *tmp;
	HASH_ITER(hh, all, a, tmp)
	{
		if (a->item.group >= ng)
			continue;
		hitstmt *hs = h->stmts[a->item.group];
		for (size_t i = 0; i < h->nstmts[a->item.group]; i++) {
			if (hs[i].entry != a->item.entry)
				continue;
			sqlite3_stmt *st = hs[i].st;
			sqlite3_reset(st);
			if (!cachedb_bind(st, 1, hs[i].storage, a->item.value) ||
			    sqlite3_bind_int64(st, 2, now) != SQLITE_OK ||
			    sqlite3_bind_int64(st, 3, (sqlite3_int64)a->count) != SQLITE_OK ||
			    sqlite3_step(st) != SQLITE_DONE) {
				cb_error_set(err, "hit counter update failed: %s", sqlite3_errmsg(h->lite->lite));
				sqlite3_reset(st);
				cachedb_rollback(h->lite);
				return false;
			}
			sqlite3_reset(st);
			updates++;
		}
		applied += a->count;
	}
	if (!cachedb_commit_at(h->lite, "hitcount.commit", err))
		return false;
	atomic_fetch_add(&h->stats.batches, 1);
	atomic_fetch_add(&h->stats.updates, updates);
	atomic_fetch_add(&h->stats.applied, applied);
	return true;
}

/*
 * Under the cache write lock, like every other writer of the file: SQLite
 * lets one writer in at a time and makes the others sleep and retry (its
 * busy handler, 1 to 100 ms a try), which cost the change stream's applier
 * up to 100 ms per collision; a mutex hands the file over at once.  Only
 * this thread waits: sessions post hits to the ring and go on.
 */
static bool apply(hitcount *h, agg *all, cb_error *err)
{
	cachedb_write_lock(h->db);
	bool ok = apply_locked(h, all, err);
	cachedb_write_unlock(h->db);
	return ok;
}

bool hitcount_flush(hitcount *h, cb_error *err)
{
	pthread_mutex_lock(&h->flush_mu);
	bool ok = true;
	agg *all = NULL;
	hitring_item it;
	size_t n = 0;
	while (ok && n < hitring_capacity(h->ring) && hitring_take(h->ring, &it)) {
		n++;
		/* the key: group and entry as bytes, then the value (no formatting per hit) */
		char kbuf[2 * sizeof(uint32_t) + HITRING_VALUE_MAX + 1];
		size_t vlen = strlen(it.value);
		memcpy(kbuf, &it.group, sizeof(uint32_t));
		memcpy(kbuf + sizeof(uint32_t), &it.entry, sizeof(uint32_t));
		memcpy(kbuf + 2 * sizeof(uint32_t), it.value, vlen);
		size_t klen = 2 * sizeof(uint32_t) + vlen;
		agg *a = NULL;
		HASH_FIND(hh, all, kbuf, klen, a);
		if (a != NULL) {
			a->count++;
			continue;
		}
		a = calloc(1, sizeof(*a));
		char *key = malloc(klen);
		if (a == NULL || key == NULL) {
			free(a);
			free(key);
			cb_error_set(err, "out of memory in the hit counter");
			ok = false;
			break;
		}
		memcpy(key, kbuf, klen);
		a->key = key;
		a->item = it;
		a->count = 1;
		HASH_ADD_KEYPTR(hh, all, a->key, klen, a);
	}
	if (ok && all != NULL)
		ok = prepare(h, err) && apply(h, all, err);
	if (!ok)
		atomic_fetch_add(&h->stats.errors, 1);
	agg *a, *tmp;
	HASH_ITER(hh, all, a, tmp)
	{
		HASH_DEL(all, a);
		free(a->key);
		free(a);
	}
	pthread_mutex_unlock(&h->flush_mu);
	return ok;
}

/* The worker's step: apply what was posted, every flush_ms and once more on stop. */
static int64_t hitcount_step(void *arg, bool stopping)
{
	hitcount *h = arg;
	cb_error err = {{0}};
	if (!hitcount_flush(h, &err))
		LOG_AT(LOG_WARNING, "cache", "%s", err.msg);
	return stopping ? CB_WORKER_IDLE : cb_clock_mono_us() + (int64_t)h->s.flush_ms * 1000;
}

bool hitcount_start(hitcount *h, cb_error *err)
{
	return cb_worker_start(&h->worker, err);
}

void hitcount_stop(hitcount *h)
{
	if (cb_worker_running(&h->worker)) {
		cb_worker_stop(&h->worker); /* the last step flushes */
		return;
	}
	cb_error err = {{0}};
	if (!hitcount_flush(h, &err))
		LOG_AT(LOG_WARNING, "cache", "%s", err.msg);
}

void hitcount_free(hitcount *h)
{
	if (h == NULL)
		return;
	cb_worker_destroy(&h->worker);
	size_t ng;
	cachedb_groups(h->db, &ng);
	for (size_t g = 0; g < ng; g++) {
		for (size_t i = 0; i < h->nstmts[g]; i++)
			sqlite3_finalize(h->stmts[g][i].st);
		free(h->stmts[g]);
	}
	free(h->stmts);
	free(h->nstmts);
	cachedb_conn_close(h->lite);
	hitring_free(h->ring);
	pthread_mutex_destroy(&h->flush_mu);
	free(h);
}

const hitcount_stats *hitcount_get_stats(const hitcount *h)
{
	return &h->stats;
}

uint64_t hitcount_posted(const hitcount *h)
{
	return hitring_posted(h->ring);
}

uint64_t hitcount_dropped(const hitcount *h)
{
	return hitring_overflow(h->ring) + hitring_too_long(h->ring);
}
