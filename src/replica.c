/*
 * replica.c - the change stream applied to the cache, and the fences of
 * read-your-writes (see replica.h).
 *
 * Functions prefix: replica_
 */
#include "src/replica.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/pgconn.h"
#include "cachegroup/catalog.h"
#include "common/array.h"
#include "common/clock.h"
#include "common/fault.h"
#include "common/log.h"
#include "common/worker.h"

/* The prefix of the logical messages cbcache emits and reads. */
#define SYNC_PREFIX "cbcache"
#define DDL_PREFIX "cbcache_ddl"

typedef struct fence {
	uint64_t id;
	size_t group;
	uint64_t tables; /* INVALIDATE_ALL_TABLES with all set */
	bool all;        /* every group */
	uint64_t lsn;    /* 0 until the sync thread has a position past the commit */
	int notify_fd;   /* a commit's hold (fences nothing): the eventfd told when it falls; -1 for a fence */
} fence;

struct replica {
	replica_settings set;
	char conninfo[4096];
	char instance[64];
	size_t ngroups;
	stream_table *tables;
	size_t ntables;
	stream *st;
	applier *ap;

	/* fences */
	pthread_mutex_t mu;
	fence *fences;
	size_t nfences, fcap;
	uint64_t next_fence;
	atomic_size_t fences_up;   /* fences among them (holds fence nothing) */
	atomic_size_t entries;     /* nfences */
	_Atomic uint64_t progress; /* the applier's position: last commit's end, or last sync message */
	_Atomic uint64_t fences_made, syncs, holds_made, hold_timeouts;
	_Atomic uint64_t fences_coalesced; /* fences taken in by the newest unpositioned one (coalesce_fence) */
	atomic_bool sync_asked;            /* replica_request_sync: a stamped sync message is wanted */
	atomic_bool prune_asked; /* replica_settled: the sync thread should learn which noted xids are visible */
	atomic_bool ddl_busy;    /* a DDL transaction is being applied, the catalog not yet read anew */
	_Atomic uint64_t settle_checks;
	_Atomic uint64_t sync_requests;

	/* the sync thread */
	cb_worker sync;
	bool sync_ready;
	PGconn *sync_pg;

	/* health */
	_Atomic int64_t down_since_us; /* 0 while streaming */
	_Atomic bool dropped;          /* DROP SLOT: stopped for good, nothing may be answered */
	atomic_uint ddl_gen;
	bool emptied;       /* replica_start emptied the cache for a new slot: the first connect need not */
	bool txn_ddl;       /* the transaction being applied carries a DDL message */
	bool txn_flush;     /* it carries a sync message read while others waited: committed at once */
	uint64_t sync_lsn;  /* that message's position: progress once the commit is done */
	uint64_t txn_stamp; /* the stamp of this instance's sync message in it (0: none), published at its commit */
	uint32_t *ddl_oids; /* the relations its DDL messages name */
	size_t nddl, ddlcap;
	PGconn *cat_pg;    /* the stream thread's catalog connection (DDL checks, pruning set.xids) */
	size_t prune_next; /* prune set.xids when it notes more than this */
	char last_error[256];
};

/* --- fences ------------------------------------------------------------------------- */

/* Publish how many entries there are and how many of them are fences (caller holds mu). */
static void publish_counts(replica *r)
{
	size_t up = 0;
	for (size_t i = 0; i < r->nfences; i++)
		up += r->fences[i].notify_fd < 0;
	atomic_store(&r->fences_up, up);
	atomic_store(&r->entries, r->nfences);
}

/* Tell a hold's session that its hold is gone (the eventfd's counter full: it is readable anyway). */
static void notify_hold(const fence *f)
{
	uint64_t one = 1;
	if (f->notify_fd >= 0)
		(void)!write(f->notify_fd, &one, sizeof(one));
}

/* Whether f is hold id. */
static bool is_hold(const fence *f, uint64_t id)
{
	return f->id == id && f->notify_fd >= 0;
}

/* Take down the fences and holds the applier has passed, telling the holds' sessions (caller holds mu). */
static void drop_passed(replica *r)
{
	uint64_t p = atomic_load(&r->progress);
	size_t up = atomic_load(&r->fences_up);
	size_t k = 0;
	bool bumped = false;
	for (size_t i = 0; i < r->nfences; i++) {
		if (r->fences[i].lsn == 0 || r->fences[i].lsn > p) {
			r->fences[k++] = r->fences[i];
			continue;
		}
		if (r->fences[i].notify_fd >= 0 && !bumped) {
			/* a hold passes: readers that keep a read transaction begin a new one before its session
			 * answers */
			gate_bump(r->set.gate);
			bumped = true;
		}
		notify_hold(&r->fences[i]);
	}
	r->nfences = k;
	publish_counts(r);
	if (up > 0 && atomic_load(&r->fences_up) == 0)
		gate_wake(r->set.gate); /* the last fence fell: the reader gate may open again */
}

static void advance(replica *r, uint64_t lsn)
{
	uint64_t cur = atomic_load(&r->progress);
	while (lsn > cur && !atomic_compare_exchange_weak(&r->progress, &cur, lsn))
		;
	if (atomic_load(&r->entries) > 0) {
		pthread_mutex_lock(&r->mu);
		drop_passed(r);
		pthread_mutex_unlock(&r->mu);
	}
}

/*
 * The newest entry, a fence the sync thread has given no position yet,
 * takes in a new fence of the same group or of everything: it is widened
 * and takes a new id, so that only a sync message the sync thread emits
 * after this call positions it (one emitted before, whose position may be
 * short of the new fence's commit, positions only entries with older ids).
 * A flood of fences (a process asking for one per commit past its wait)
 * then costs one entry per sync round, not one per fence.  Caller holds mu.
 */
static bool coalesce_fence(replica *r, size_t group, uint64_t tables, bool all)
{
	if (r->nfences == 0)
		return false;
	fence *f = &r->fences[r->nfences - 1];
	if (f->notify_fd >= 0 || f->lsn != 0 || f->group == SIZE_MAX || !(f->all || all || f->group == group))
		return false;
	f->id = ++r->next_fence;
	if (all) {
		f->all = true;
		f->group = 0;
		f->tables = INVALIDATE_ALL_TABLES;
	} else if (!f->all) {
		f->tables |= tables;
	}
	atomic_fetch_add(&r->fences_coalesced, 1);
	return true;
}

static void add_fence(replica *r, size_t group, uint64_t tables, bool all)
{
	pthread_mutex_lock(&r->mu);
	if (coalesce_fence(r, group, tables, all)) {
		/* widened: counted below like a new one */
	} else if (CB_ARRAY_GROW(r->fences, r->fcap, r->nfences + 1)) {
		fence *f = &r->fences[r->nfences++];
		f->id = ++r->next_fence;
		f->group = group;
		f->tables = tables;
		f->all = all;
		f->lsn = 0;
		f->notify_fd = -1;
	} else if (r->nfences > 0) {
		/* out of memory: widen the newest entry to a fence of everything, unsynced (still correct) */
		fence *f = &r->fences[r->nfences - 1];
		gate_close(r->set.gate); /* before the session goes on (a reader must not see the word unchanged) */
		notify_hold(f);          /* a hold no more: its session finds it gone and goes on */
		f->all = true;
		f->lsn = 0;
		f->notify_fd = -1;
	}
	publish_counts(r);
	pthread_mutex_unlock(&r->mu);
	atomic_fetch_add(&r->fences_made, 1);
	cb_worker_wake(&r->sync);
	/* other processes reading the cache file learn of it before the raiser goes on */
	gate_close(r->set.gate);
}

void replica_fence(replica *r, size_t group, uint64_t tables)
{
	add_fence(r, group, tables, false);
	(void)CB_FAULT("replica.fence"); /* a session's write fenced, the reader gate closed, its client not answered */
}

void replica_fence_all(replica *r)
{
	add_fence(r, 0, INVALIDATE_ALL_TABLES, true);
}

void replica_request_sync(replica *r)
{
	atomic_fetch_add(&r->sync_requests, 1);
	atomic_store(&r->sync_asked, true);
	cb_worker_wake(&r->sync);
}

uint64_t replica_hold(replica *r, int notify_fd)
{
	if (atomic_load(&r->dropped) || atomic_load(&r->down_since_us) != 0)
		return 0; /* not streaming: the caller fences */
	uint64_t id = 0;
	pthread_mutex_lock(&r->mu);
	if (CB_ARRAY_GROW(r->fences, r->fcap, r->nfences + 1)) {
		fence *f = &r->fences[r->nfences++];
		id = f->id = ++r->next_fence;
		f->group = SIZE_MAX;
		f->tables = 0;
		f->all = false;
		f->lsn = 0;
		f->notify_fd = notify_fd;
		publish_counts(r);
	}
	pthread_mutex_unlock(&r->mu);
	if (id != 0) {
		atomic_fetch_add(&r->holds_made, 1);
		cb_worker_wake(&r->sync);
	}
	return id;
}

bool replica_hold_passed(replica *r, uint64_t id)
{
	bool found = false;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nfences && !found; i++)
		found = is_hold(&r->fences[i], id);
	pthread_mutex_unlock(&r->mu);
	return !found;
}

void replica_hold_cancel(replica *r, uint64_t id, bool timed_out)
{
	pthread_mutex_lock(&r->mu);
	size_t k = 0;
	for (size_t i = 0; i < r->nfences; i++)
		if (!is_hold(&r->fences[i], id))
			r->fences[k++] = r->fences[i];
	r->nfences = k;
	publish_counts(r);
	pthread_mutex_unlock(&r->mu);
	if (timed_out)
		atomic_fetch_add(&r->hold_timeouts, 1);
}

size_t replica_fences(replica *r)
{
	if (atomic_load(&r->dropped))
		return 0; /* they never fall, and nothing is answered anyway */
	return atomic_load(&r->fences_up);
}

bool replica_clear(replica *r)
{
	return !atomic_load(&r->dropped) && atomic_load(&r->down_since_us) == 0 && atomic_load(&r->fences_up) == 0 &&
	       !apply_any_changed(r->ap);
}

bool replica_fenced(replica *r, size_t group, size_t table)
{
	if (atomic_load_explicit(&r->dropped, memory_order_relaxed))
		return true;
	int64_t down = atomic_load_explicit(&r->down_since_us, memory_order_relaxed);
	if (down != 0 && cb_clock_mono_us() - down > (int64_t)r->set.max_lag_ms * 1000)
		return true;
	if (apply_table_changed(r->ap, group, table))
		return true;
	if (atomic_load_explicit(&r->fences_up, memory_order_acquire) == 0)
		return false;
	bool fenced = false;
	uint64_t bit = (uint64_t)1 << (table < 64 ? table : 63);
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nfences && !fenced; i++)
		fenced = r->fences[i].all || (r->fences[i].group == group && (r->fences[i].tables & bit));
	pthread_mutex_unlock(&r->mu);
	return fenced;
}

unsigned replica_ddl_generation(replica *r)
{
	return atomic_load_explicit(&r->ddl_gen, memory_order_relaxed);
}

/* --- the sync thread ----------------------------------------------------------------- */

static bool parse_lsn(const char *s, uint64_t *out)
{
	unsigned hi, lo;
	if (sscanf(s, "%X/%X", &hi, &lo) != 2)
		return false;
	*out = (uint64_t)hi << 32 | lo;
	return true;
}

/*
 * Forget the noted xids a snapshot taken now shows (replica_settled asked):
 * on the sync connection, so the stream's thread never waits for it.
 */
static void settle_xids(replica *r)
{
	xidwatch *w = r->set.xids;
	if (w == NULL || xidwatch_pending(w) == 0)
		return;
	PGresult *res = PQexec(r->sync_pg, "SELECT pg_catalog.pg_current_snapshot()");
	uint32_t hidden;
	cb_error err;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    !xidwatch_check(w, PQgetvalue(res, 0, 0), &hidden, &err) && hidden == 0)
		log_warning("cache: %s", err.msg);
	PQclear(res);
	atomic_fetch_add(&r->settle_checks, 1);
}

/* One step: give a position to the fences that have none, and settle the noted xids when asked. */
static int64_t sync_step(void *arg, bool stopping)
{
	replica *r = arg;
	if (stopping)
		return CB_WORKER_IDLE;
	pthread_mutex_lock(&r->mu);
	uint64_t upto = r->next_fence;
	bool need = false;
	for (size_t i = 0; i < r->nfences && !need; i++)
		need = r->fences[i].lsn == 0;
	pthread_mutex_unlock(&r->mu);
	bool asked = atomic_exchange(&r->sync_asked, false);
	bool prune = atomic_exchange(&r->prune_asked, false);
	if (!need && !asked && !prune)
		return CB_WORKER_IDLE;
	cb_error err;
	if (r->sync_pg == NULL && !pgconn_connect(r->conninfo, &r->sync_pg, &err)) {
		log_warning("cache: the change stream's sync connection failed (%s); tables written through "
		            "cbcached stay unanswered from the cache until it works",
		            err.msg);
		if (asked)
			atomic_store(&r->sync_asked, true);
		return cb_clock_mono_us() + 1000000;
	}
	if (prune) {
		settle_xids(r);
		if (!need && !asked)
			return CB_WORKER_NOW;
	}
	/*
	 * Transactional, in its own transaction, with synchronous_commit on: the
	 * commit flushes the WAL, so the walsender sends the message at once.  A
	 * non-transactional message is not flushed by itself: it waited for the
	 * WAL writer (wal_writer_delay, 200 ms by default), and every fence with it.
	 */
	/* the stamp: taken after every request it answers arrived, before the message is emitted */
	char sql[256];
	snprintf(sql, sizeof(sql),
	         "SET synchronous_commit = on; SELECT pg_catalog.pg_logical_emit_message(true, '" SYNC_PREFIX
	         "', 'sync %s %" PRId64 "')",
	         r->instance, asked ? cb_clock_mono_us() : (int64_t)0);
	PGresult *res = PQexec(r->sync_pg, sql);
	uint64_t lsn = 0;
	bool ok =
	        PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && parse_lsn(PQgetvalue(res, 0, 0), &lsn);
	if (!ok) {
		log_warning("cache: the change stream's sync message failed: %s; retrying (grant EXECUTE on "
		            "pg_logical_emit_message to cache_user, see doc/cache.md)",
		            PQerrorMessage(r->sync_pg));
		PQclear(res);
		PQfinish(r->sync_pg);
		r->sync_pg = NULL;
		if (asked)
			atomic_store(&r->sync_asked, true);
		return cb_clock_mono_us() + 1000000;
	}
	PQclear(res);
	atomic_fetch_add(&r->syncs, 1);
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nfences; i++)
		if (r->fences[i].lsn == 0 && r->fences[i].id <= upto)
			r->fences[i].lsn = lsn;
	drop_passed(r);
	pthread_mutex_unlock(&r->mu);
	return CB_WORKER_NOW; /* fences made meanwhile */
}

static void check_ddl_tables(replica *r);

/* --- the stream's consumer ---------------------------------------------------------- */

static void note_error(replica *r, const char *what, const cb_error *err)
{
	snprintf(r->last_error, sizeof(r->last_error), "%s: %.200s", what, err->msg);
	log_error("cache: applying the change stream: %s: %s (the stream sends it again)", what, err->msg);
}

/* The cache lost changes: empty it (every table invalidated) and start counting anew. */
static void empty_cache(replica *r, const char *why)
{
	log_warning("cache: %s: the cache is emptied and loaded anew", why);
	invalidate_post_all(r->set.inv);
	gate_close(r->set.gate);
	cb_error err;
	if (!apply_reset(r->ap, &err))
		log_error("cache: resetting applied_lsn failed: %s", err.msg);
}

static bool on_connected(void *arg, const stream_connected *c)
{
	replica *r = arg;
	if (c->slot_created && !(c->connection == 1 && r->emptied))
		empty_cache(r, "the replication slot was made anew (changes before it are unknown to the cache)");
	/* changes made while it was down come first: answer nothing until they are applied */
	if (c->connection > 1)
		replica_fence_all(r);
	apply_advance_epoch(r->ap); /* memoised backend answers from before are not trusted again */
	atomic_store(&r->down_since_us, 0);
	gate_wake(r->set.gate);
	log_info("cache: change stream connected (connection %" PRIu64 ")", c->connection);
	return true;
}

static void on_disconnected(void *arg, const char *reason)
{
	replica *r = arg;
	apply_abort(r->ap);
	int64_t zero = 0;
	(void)atomic_compare_exchange_strong(&r->down_since_us, &zero, cb_clock_mono_us());
	snprintf(r->last_error, sizeof(r->last_error), "%s", reason);
	log_warning("cache: change stream disconnected: %s; reconnecting", reason);
}

static void on_slot_lost(void *arg, const char *reason)
{
	replica *r = arg;
	apply_abort(r->ap);
	snprintf(r->last_error, sizeof(r->last_error), "slot lost: %.200s", reason);
	empty_cache(r, reason);
}

static bool on_begin(void *arg, const pgoutput_begin *m)
{
	replica *r = arg;
	cb_error err;
	r->txn_ddl = r->txn_flush = false;
	atomic_store(&r->ddl_busy, false); /* one not committed (the stream sent it again) is read anew then */
	r->txn_stamp = 0;
	r->nddl = 0;
	if (!apply_begin(r->ap, m, &err)) {
		note_error(r, "begin", &err);
		return false;
	}
	return true;
}

/*
 * Forget the applied transactions a snapshot shows now (xidwatch.h): the
 * fills do that too, but between fills the set only grows.
 */
static void prune_xids(replica *r)
{
	xidwatch *w = r->set.xids;
	if (w == NULL || xidwatch_pending(w) <= r->prune_next)
		return;
	cb_error err;
	if (r->cat_pg == NULL && !pgconn_connect(r->conninfo, &r->cat_pg, &err))
		return; /* the next commit tries again */
	PGresult *res = PQexec(r->cat_pg, "SELECT pg_catalog.pg_current_snapshot()");
	uint32_t hidden;
	bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok)
		if (!xidwatch_check(w, PQgetvalue(res, 0, 0), &hidden, &err) && hidden == 0)
			log_warning("cache: %s", err.msg);
	PQclear(res);
	if (!ok) { /* connected anew next time */
		PQfinish(r->cat_pg);
		r->cat_pg = NULL;
		return;
	}
	/* the ones still hidden may stay a while (a commit waiting for a standby): not every commit */
	size_t left = xidwatch_pending(w);
	r->prune_next = left * 2 > xidwatch_prune_at ? left * 2 : xidwatch_prune_at;
}

/* What follows a SQLite commit of the applier that applied transactions up to end LSN lsn. */
static void committed(replica *r, uint64_t lsn)
{
	stream_set_applied(r->st, lsn);
	if (r->txn_ddl) {
		check_ddl_tables(r);
		r->nddl = 0;
		atomic_fetch_add(&r->ddl_gen, 1);
		if (r->set.on_ddl != NULL)
			r->set.on_ddl(r->set.ddl_arg);
		/* again once the catalog is read anew (a backend answer memoised before the commit was judged
		 * with the old one: src/backmemo.h), then answers may be memoised again */
		apply_advance_epoch(r->ap);
		atomic_store(&r->ddl_busy, false);
		r->txn_ddl = false;
	}
	if (r->txn_stamp != 0) {
		gate_synced(r->set.gate, r->txn_stamp); /* after the file has it: a waiter that sees it reads it */
		r->txn_stamp = 0;
	}
	advance(r, r->sync_lsn > lsn ? r->sync_lsn : lsn);
	r->sync_lsn = 0;
	r->txn_flush = false;
	prune_xids(r);
}

/*
 * A transaction's commit: it waits in the applier's open SQLite
 * transaction for the next ones the stream has already sent (committed by
 * on_pause, before the stream waits for more, or when apply_batch are
 * waiting), unless what follows its commit must come at once: DDL (the
 * catalog is read anew), this instance's sync stamp (a process waits for
 * it), a sync message read while others waited (fences and holds fall only
 * after the commit).
 */
static bool on_commit(void *arg, const pgoutput_commit *m)
{
	replica *r = arg;
	cb_error err;
	bool later = !r->txn_ddl && r->txn_stamp == 0 && !r->txn_flush &&
	             apply_pending(r->ap) + 1 < (size_t)r->set.apply_batch;
	if (!(later ? apply_commit_later(r->ap, m, &err) : apply_commit(r->ap, m, &err))) {
		note_error(r, "commit", &err);
		return false;
	}
	/* nothing waits when it was committed, or applied before (skipped) with none waiting */
	if (apply_pending(r->ap) == 0)
		committed(r, m->end_lsn);
	return true;
}

/* The stream read all it had: the transactions waiting in the applier are committed. */
static bool on_pause(void *arg)
{
	replica *r = arg;
	uint64_t lsn = apply_pending_lsn(r->ap);
	if (lsn == 0)
		return true;
	cb_error err;
	if (!apply_flush(r->ap, &err)) {
		note_error(r, "commit", &err);
		return false;
	}
	committed(r, lsn);
	return true;
}

static void on_idle(void *arg, pgoutput_lsn lsn)
{
	replica *r = arg;
	cb_error err;
	if (!apply_note_position(r->ap, lsn, &err)) {
		note_error(r, "recording the idle position", &err);
		return; /* not confirmed: the slot keeps the WAL until it can be recorded */
	}
	stream_set_applied(r->st, lsn);
}

#define CONSUME(name, type, what)                                    \
	static bool name(void *arg, const type *m, pgoutput_lsn lsn) \
	{                                                            \
		replica *r = arg;                                    \
		cb_error err;                                        \
		(void)lsn;                                           \
		if (!apply_##what(r->ap, m, &err)) {                 \
			note_error(r, #what, &err);                  \
			return false;                                \
		}                                                    \
		return true;                                         \
	}
CONSUME(on_insert, pgoutput_insert, insert)
CONSUME(on_update, pgoutput_update, update)
CONSUME(on_delete, pgoutput_delete, delete)
CONSUME(on_truncate, pgoutput_truncate, truncate)

static bool on_relation(void *arg, const pgoutput_relmsg *m)
{
	replica *r = arg;
	cb_error err;
	if (!apply_relation(r->ap, m, &err)) {
		note_error(r, "relation", &err);
		return false;
	}
	return true;
}

/* A DDL message's content: the OIDs of the relations it changed, separated by spaces. */
static void ddl_message(replica *r, const pgoutput_message *m)
{
	r->txn_ddl = true;
	atomic_store(&r->ddl_busy, true); /* before its commit moves any position: no memoised answer until read */
	apply_note_ddl(r->ap);
	char buf[1024];
	size_t n = m->len < sizeof(buf) - 1 ? m->len : sizeof(buf) - 1;
	memcpy(buf, m->content, n);
	buf[n] = '\0';
	for (char *p = buf, *end; *p != '\0'; p = end) {
		unsigned long oid = strtoul(p, &end, 10);
		if (end == p) {
			end = p + 1;
			continue;
		}
		size_t g, t;
		if (apply_find_table(r->ap, (uint32_t)oid, &g, &t) &&
		    CB_ARRAY_GROW(r->ddl_oids, r->ddlcap, r->nddl + 1))
			r->ddl_oids[r->nddl++] = (uint32_t)oid;
	}
}

/* After DDL on cache tables committed: compare their columns in the catalog with the group's. */
/*
 * After a DDL transaction: the tables with an enum column whose labels or
 * their order are not the compiled ones any more (ALTER TYPE ... ADD VALUE,
 * RENAME VALUE: its event trigger names no table) are marked changed.
 */
static void check_enum_labels(replica *r, cg_group *const *groups, size_t ngroups)
{
	for (size_t g = 0; g < ngroups; g++)
		for (size_t t = 0; t < groups[g]->ntables; t++) {
			const cg_table *tb = &groups[g]->tables[t];
			for (size_t c = 0; c < tb->ncols; c++) {
				const cg_column *col = &tb->cols[c];
				if (col->enum_labels == NULL)
					continue;
				char oid[16];
				snprintf(oid, sizeof(oid), "%u", col->base_oid);
				const char *params[1] = {oid};
				PGresult *res = r->cat_pg == NULL ? NULL
				                                  : PQexecParams(r->cat_pg, CG_CATALOG_ENUM_LABELS, 1,
				                                                 NULL, params, NULL, NULL, 0);
				bool same = PQresultStatus(res) == PGRES_TUPLES_OK &&
				            (size_t)PQntuples(res) == col->nenum_labels;
				for (size_t k = 0; same && k < col->nenum_labels; k++)
					same = strcmp(PQgetvalue(res, (int)k, 0), col->enum_labels[k]) == 0;
				PQclear(res);
				if (!same) {
					char why[200];
					snprintf(why, sizeof(why), "ALTER TYPE: the labels of %s (column %s) changed",
					         col->type_name, col->name);
					apply_mark_changed(r->ap, g, t, why);
					break;
				}
			}
		}
}

static void check_ddl_tables(replica *r)
{
	cb_error err;
	if (r->cat_pg == NULL && !pgconn_connect(r->conninfo, &r->cat_pg, &err)) {
		for (size_t i = 0; i < r->nddl; i++) {
			size_t g, t;
			if (apply_find_table(r->ap, r->ddl_oids[i], &g, &t))
				apply_mark_changed(r->ap, g, t, "DDL, and its columns could not be read");
		}
		size_t ng;
		cg_group *const *groups = cachedb_groups(r->set.db, &ng);
		for (size_t g = 0; g < ng; g++)
			for (size_t t = 0; t < groups[g]->ntables; t++)
				if (cg_model_has_enum(&groups[g]->tables[t]))
					apply_mark_changed(r->ap, g, t, "DDL, and its enum labels could not be read");
		return;
	}
	cg_group *const *groups = cachedb_groups(r->set.db, &r->ngroups);
	for (size_t i = 0; i < r->nddl; i++) {
		size_t g, t;
		if (!apply_find_table(r->ap, r->ddl_oids[i], &g, &t))
			continue;
		const cg_table *tb = &groups[g]->tables[t];
		char oid[16];
		snprintf(oid, sizeof(oid), "%u", r->ddl_oids[i]);
		const char *params[1] = {oid};
		PGresult *res =
		        PQexecParams(r->cat_pg,
		                     "SELECT attname, atttypid, atttypmod FROM pg_catalog.pg_attribute WHERE "
		                     "attrelid = $1::pg_catalog.oid AND attnum > 0 AND NOT attisdropped ORDER BY "
		                     "attnum",
		                     1, NULL, params, NULL, NULL, 0);
		char why[200] = "";
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			snprintf(why, sizeof(why), "DDL, and its columns could not be read: %s",
			         PQerrorMessage(r->cat_pg));
			PQfinish(r->cat_pg);
			r->cat_pg = NULL;
		} else if ((size_t)PQntuples(res) != tb->ncols) {
			snprintf(why, sizeof(why), "ALTER TABLE: %d columns now, the cache group has %zu",
			         PQntuples(res), tb->ncols);
		} else {
			for (int k = 0; k < PQntuples(res) && why[0] == '\0'; k++) {
				const cg_column *c = &tb->cols[k];
				if (strcmp(PQgetvalue(res, k, 0), c->name) != 0 ||
				    strtoul(PQgetvalue(res, k, 1), NULL, 10) != c->type_oid ||
				    strtol(PQgetvalue(res, k, 2), NULL, 10) != c->typmod)
					snprintf(why, sizeof(why), "ALTER TABLE: column %s changed",
					         PQgetvalue(res, k, 0));
			}
		}
		PQclear(res);
		if (why[0] != '\0')
			apply_mark_changed(r->ap, g, t, why);
	}
	check_enum_labels(r, groups, r->ngroups);
}

/*
 * A sync message's content: "sync <instance> <stamp>".  This instance's
 * stamp (not 0: a sync nobody asked for) is written at the commit.  Other
 * instances' stamps are of their own requests.
 */
static void sync_stamp(replica *r, const pgoutput_message *m)
{
	char text[160];
	if (!m->transactional || m->len >= sizeof(text))
		return;
	memcpy(text, m->content, m->len);
	text[m->len] = '\0';
	char inst[sizeof(r->instance)];
	int64_t stamp = 0;
	int used = 0;
	if (sscanf(text, "sync %63s %" SCNd64 "%n", inst, &stamp, &used) != 2 || text[used] != '\0' ||
	    strcmp(inst, r->instance) != 0 || stamp <= 0)
		return;
	if (apply_note_synced(r->ap, (uint64_t)stamp))
		r->txn_stamp = (uint64_t)stamp;
}

static bool on_message(void *arg, const pgoutput_message *m)
{
	replica *r = arg;
	if (strcmp(m->prefix, DDL_PREFIX) == 0)
		ddl_message(r, m);
	else if (strcmp(m->prefix, SYNC_PREFIX) == 0) {
		sync_stamp(r, m);
		/* every transaction that committed before it was emitted is applied: once they are in the file */
		if (apply_pending(r->ap) == 0)
			advance(r, m->lsn);
		else {
			r->sync_lsn = m->lsn > r->sync_lsn ? m->lsn : r->sync_lsn;
			r->txn_flush = true;
		}
	}
	return true;
}

/* --- start, stop, counters ----------------------------------------------------------- */

replica *replica_start(const replica_settings *s, cb_error *err)
{
	replica *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		cb_fail(err, "out of memory");
		return NULL;
	}
	r->set = *s;
	if (r->set.max_lag_ms <= 0)
		r->set.max_lag_ms = 5000;
	if (r->set.apply_batch <= 0)
		r->set.apply_batch = 1;
	pthread_mutex_init(&r->mu, NULL);
	atomic_store(&r->down_since_us, cb_clock_mono_us());
	/* the walsender prints values as the fill's sessions do (cache/pgconn.h) */
	snprintf(r->conninfo, sizeof(r->conninfo), "%s", s->conninfo);
	snprintf(r->instance, sizeof(r->instance), "%s", s->instance);
	char stream_conninfo[4400];
	snprintf(stream_conninfo, sizeof(stream_conninfo),
	         "%s options='-c DateStyle=ISO,MDY -c IntervalStyle=postgres -c extra_float_digits=1 -c "
	         "bytea_output=hex' client_encoding=UTF8",
	         s->conninfo);
	cg_group *const *groups = cachedb_groups(s->db, &r->ngroups);
	for (size_t g = 0; g < r->ngroups; g++)
		r->ntables += groups[g]->ntables;
	r->tables = calloc(r->ntables ? r->ntables : 1, sizeof(*r->tables));
	if (r->tables == NULL) {
		cb_fail(err, "out of memory");
		goto fail;
	}
	size_t k = 0;
	for (size_t g = 0; g < r->ngroups; g++)
		for (size_t t = 0; t < groups[g]->ntables; t++) {
			r->tables[k].schema = groups[g]->tables[t].nspname;
			r->tables[k++].name = groups[g]->tables[t].name;
		}
	if (!cb_worker_init(&r->sync, "change stream sync", sync_step, r, err))
		goto fail;
	r->sync_ready = true;
	if ((r->ap = apply_create(s->db, s->inv, err)) == NULL)
		goto fail;
	apply_set_xidwatch(r->ap, s->xids);
	apply_set_gate(r->ap, s->gate);
	r->prune_next = xidwatch_prune_at;
	stream_settings ss = {.conninfo = stream_conninfo,
	                      .instance = s->instance,
	                      .tables = r->tables,
	                      .ntables = r->ntables,
	                      .recreate_lost_slot = true};
	stream_consumer sc = {.arg = r,
	                      .on_connected = on_connected,
	                      .on_disconnected = on_disconnected,
	                      .on_slot_lost = on_slot_lost,
	                      .on_begin = on_begin,
	                      .on_commit = on_commit,
	                      .on_relation = on_relation,
	                      .on_insert = on_insert,
	                      .on_update = on_update,
	                      .on_delete = on_delete,
	                      .on_truncate = on_truncate,
	                      .on_message = on_message,
	                      .on_idle = on_idle,
	                      .on_pause = on_pause};
	if ((r->st = stream_new(&ss, &sc, err)) == NULL)
		goto fail;
	stream_setup_info info;
	if (!stream_setup(r->st, &info, err))
		goto fail;
	uint64_t applied = apply_applied_lsn(r->ap);
	if (info.slot_created) {
		empty_cache(r, info.slot_was_lost ? "the replication slot was lost (PostgreSQL removed WAL it needed)"
		                                  : "the replication slot is new");
		r->emptied = true;
	} else if (applied < info.slot_lsn)
		empty_cache(r, "the cache file is older than the replication slot's confirmed position (changes in "
		               "between are lost to it)");
	applied = apply_applied_lsn(r->ap);
	atomic_store(&r->progress, applied);
	if (!cb_worker_start(&r->sync, err))
		goto fail;
	/* what was committed while cbcached was stopped comes first: answer nothing until it is applied */
	replica_fence_all(r);
	if (!stream_start(r->st, applied, err))
		goto fail;
	log_info("cache: change stream of slot cbcache_%s started at %X/%X", s->instance, (unsigned)(applied >> 32),
	         (unsigned)applied);
	return r;
fail:
	replica_stop(r);
	return NULL;
}

bool replica_drop_slot(replica *r, bool *slot_dropped, bool *publication_dropped, cb_error *err)
{
	atomic_store(&r->dropped, true); /* fenced from now on */
	gate_close(r->set.gate);
	stream_stop(r->st);
	stream_settings ss = {.conninfo = r->conninfo, .instance = r->instance};
	return stream_drop(&ss, slot_dropped, publication_dropped, err);
}

void replica_halt(replica *r)
{
	if (r == NULL)
		return;
	atomic_store(&r->dropped, true); /* fenced from now on, holds refused, as after DROP SLOT */
	stream_stop(r->st);              /* the slot's connection is closed: a successor may stream from it */
	if (r->sync_ready)
		cb_worker_stop(&r->sync);
}

void replica_slot_name(replica *r, char *buf, size_t n)
{
	stream_object_name(r->instance, buf, n);
}

void replica_stop(replica *r)
{
	if (r == NULL)
		return;
	stream_free(r->st);
	if (r->sync_ready)
		cb_worker_destroy(&r->sync);
	PQfinish(r->sync_pg);
	PQfinish(r->cat_pg);
	free(r->ddl_oids);
	apply_free(r->ap);
	free(r->fences);
	free(r->tables);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

void replica_get_counters(replica *r, replica_counters *c)
{
	memset(c, 0, sizeof(*c));
	const apply_stats *a = apply_get_stats(r->ap);
	const stream_stats *s = stream_get_stats(r->st);
	c->applied_lsn = atomic_load(&a->applied_lsn);
	c->received_lsn = atomic_load(&s->received_lsn);
	c->confirmed_lsn = atomic_load(&s->confirmed_lsn);
	c->server_wal_end = atomic_load(&s->server_wal_end);
	c->lag_bytes = c->server_wal_end > c->confirmed_lsn ? (int64_t)(c->server_wal_end - c->confirmed_lsn) : 0;
	int64_t at = atomic_load(&a->applied_at_us), ct = atomic_load(&a->commit_time_us);
	c->lag_ms = at > 0 && ct > 0 && at > ct ? (at - ct) / 1000 : 0;
	c->transactions = atomic_load(&a->transactions);
	c->apply_commits = atomic_load(&a->commits);
	c->changes = atomic_load(&a->changes);
	c->rows_written = atomic_load(&a->rows_written);
	c->rows_deleted = atomic_load(&a->rows_deleted);
	c->rows_not_needed = atomic_load(&a->rows_not_needed);
	c->control_evictions = atomic_load(&a->control_evictions);
	c->invalidations = atomic_load(&a->invalidations);
	c->schema_changes = atomic_load(&a->schema_changes);
	c->failures = atomic_load(&a->failures);
	c->skipped = atomic_load(&a->skipped);
	c->reconnects = atomic_load(&s->reconnects);
	c->messages = atomic_load(&s->messages);
	c->slots_lost = atomic_load(&s->slots_lost);
	c->syncs = atomic_load(&r->syncs);
	c->sync_requests = atomic_load(&r->sync_requests);
	c->settle_checks = atomic_load(&r->settle_checks);
	c->fences_coalesced = atomic_load(&r->fences_coalesced);
	c->fences_made = atomic_load(&r->fences_made);
	c->fences_up = atomic_load(&r->fences_up);
	c->holds_made = atomic_load(&r->holds_made);
	c->hold_timeouts = atomic_load(&r->hold_timeouts);
	c->state = atomic_load(&r->dropped) ? "slot dropped" : stream_state_name(stream_get_state(r->st));
	int64_t down = atomic_load(&r->down_since_us);
	c->healthy = down == 0 || cb_clock_mono_us() - down <= (int64_t)r->set.max_lag_ms * 1000;
}

void replica_last_error(replica *r, char *buf, size_t n)
{
	stream_last_error(r->st, buf, n);
	if (buf[0] == '\0')
		snprintf(buf, n, "%s", r->last_error);
}

bool replica_source_position(replica *r, const uint64_t *tables, size_t ngroups, uint64_t *pos)
{
	if (r == NULL || r->ap == NULL || atomic_load(&r->ddl_busy))
		return false;
	*pos = apply_source_position(r->ap, tables, ngroups);
	return true;
}

bool replica_settled(replica *r)
{
	if (r == NULL || r->set.xids == NULL)
		return false;
	if (xidwatch_pending(r->set.xids) == 0)
		return true;
	if (!atomic_exchange(&r->prune_asked, true))
		cb_worker_wake(&r->sync);
	return false;
}
