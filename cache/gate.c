/*
 * gate.c - the reader gate (see the DESIGN in gate.h).
 *
 * Functions prefix: gate_
 */
#include "cache/gate.h"

#include <stdlib.h>

#include "common/clock.h"
#include "common/lease.h"
#include "common/log.h"
#include "common/worker.h"

struct gate {
	cachedb *db;
	gate_settings s;
	cachedb_conn *conn; /* used under the cache write lock only */
	cb_gateword *word;
	char boot_id[CB_LEASE_BOOT_ID_MAX];
	bool meta_open;    /* the last meta row written was a lease (under the write lock) */
	bool synced_reset; /* CG_META_SYNCED was written 0 with a lease of this start (write_meta_locked) */
	cb_worker keeper;
	gate_stats stats;
};

/* Close the word: count one more close, bit 0 clear (any thread, never waits). */
static void close_word(gate *g)
{
	_Atomic uint64_t *w = cb_gateword_word(g->word);
	uint64_t old = atomic_load(w);
	while (!atomic_compare_exchange_weak(w, &old, (old & ~(uint64_t)CB_GATEWORD_OPEN) + 2))
		;
	atomic_fetch_add(&g->stats.closes, 1);
	atomic_store(&g->stats.open, false);
}

/* Write the meta row in a transaction of its own (the caller holds the write lock). */
static bool write_meta_locked(gate *g, int64_t until_ms, cb_error *err)
{
	char text[CB_LEASE_TEXT_MAX];
	cb_lease_format(text, sizeof(text), g->boot_id, until_ms);
	if (!cachedb_begin(g->conn, true, err))
		return false;
	/*
	 * With the first lease of this start: no sync stamp yet.  One left by a
	 * cbcached before a reboot reads as a moment of this boot's clock (maybe
	 * a later one), so a reader waiting for its own commit would take it
	 * for its sync.  In the same transaction, so no lease of this start is
	 * read beside an old stamp.
	 */
	if (!cachedb_meta_set(g->conn, GATE_META_KEY, text, err) ||
	    (!g->synced_reset && !cachedb_meta_set(g->conn, CG_META_SYNCED, "0", err)) ||
	    !cachedb_commit_at(g->conn, "gate.commit", err)) {
		cachedb_rollback(g->conn);
		return false;
	}
	g->synced_reset = true;
	g->meta_open = until_ms > 0;
	return true;
}

static int64_t keeper_step(void *arg, bool stopping)
{
	gate *g = arg;
	_Atomic uint64_t *w = cb_gateword_word(g->word);
	cb_error err = {{0}};
	cachedb_write_lock(g->db);
	/* read before clear(): a close after it makes the opening below fail */
	uint64_t seen = atomic_load(w);
	if (!stopping && g->boot_id[0] != '\0' && g->s.clear(g->s.arg)) {
		if (write_meta_locked(g, cb_lease_now_ms() + g->s.lease_ms, &err)) {
			atomic_fetch_add(&g->stats.opens, 1);
			bool open = (seen & CB_GATEWORD_OPEN) != 0 ||
			            atomic_compare_exchange_strong(w, &seen, seen | CB_GATEWORD_OPEN);
			atomic_store(&g->stats.open, open);
		} else {
			atomic_fetch_add(&g->stats.failures, 1);
			log_warning(
			        "cache: renewing the reader gate failed: %s (other processes stop answering from the "
			        "cache file when its lease runs out)",
			        err.msg);
		}
	} else {
		if ((seen & CB_GATEWORD_OPEN) != 0 || stopping)
			close_word(g);
		if (g->meta_open && !write_meta_locked(g, 0, &err)) {
			atomic_fetch_add(&g->stats.failures, 1);
			log_warning("cache: closing the reader gate's lease failed: %s (its word is closed)", err.msg);
		}
	}
	cachedb_write_unlock(g->db);
	return cb_clock_mono_us() + (int64_t)g->s.lease_ms * 1000 / 3;
}

gate *gate_start(cachedb *db, const gate_settings *s, cb_error *err)
{
	gate *g = calloc(1, sizeof(*g));
	if (g == NULL) {
		cb_error_set(err, "out of memory starting the reader gate");
		return NULL;
	}
	g->db = db;
	g->s = *s;
	if (g->s.lease_ms < 30)
		g->s.lease_ms = 30;
	if (!cb_lease_boot_id(g->boot_id, sizeof(g->boot_id)))
		log_warning(
		        "cache: /proc/sys/kernel/random/boot_id cannot be read: the reader gate stays closed (other "
		        "processes answer nothing from the cache file)");
	char why[CB_ERROR_MAX];
	if ((g->word = cb_gateword_map(cachedb_path(db), true, why, sizeof(why))) == NULL) {
		cb_error_set(err, "%s; check the permissions of the cache file's directory", why);
		free(g);
		return NULL;
	}
	close_word(g); /* a cbcached before this one may have left it open */
	if (!cachedb_conn_open(db, &g->conn, err)) {
		cb_gateword_unmap(g->word);
		free(g);
		return NULL;
	}
	cb_gateword_reset_synced(g->word); /* the meta row's with the first lease (write_meta_locked) */
	g->meta_open = true;               /* the keeper's first step writes it closed unless it may open */
	if (!cb_worker_init(&g->keeper, "reader gate", keeper_step, g, err)) {
		cachedb_conn_close(g->conn);
		cb_gateword_unmap(g->word);
		free(g);
		return NULL;
	}
	if (!cb_worker_start(&g->keeper, err)) {
		cb_worker_destroy(&g->keeper);
		cachedb_conn_close(g->conn);
		cb_gateword_unmap(g->word);
		free(g);
		return NULL;
	}
	return g;
}

void gate_stop(gate *g)
{
	if (g != NULL)
		cb_worker_stop(&g->keeper); /* the last step closes it */
}

void gate_free(gate *g)
{
	if (g == NULL)
		return;
	gate_stop(g);
	cb_worker_destroy(&g->keeper);
	cachedb_conn_close(g->conn);
	cb_gateword_unmap(g->word);
	free(g);
}

void gate_close(gate *g)
{
	if (g == NULL)
		return;
	close_word(g);
}

void gate_bump(gate *g)
{
	if (g == NULL)
		return;
	_Atomic uint64_t *w = cb_gateword_word(g->word);
	uint64_t old = atomic_load(w);
	/* only while open: the keeper's opening compares against a closed word, which this leaves alone */
	while ((old & CB_GATEWORD_OPEN) != 0 && !atomic_compare_exchange_weak(w, &old, old + 2))
		;
}

void gate_synced(gate *g, uint64_t stamp_us)
{
	if (g == NULL)
		return;
	gate_bump(g);
	cb_gateword_set_synced(g->word, stamp_us);
}

bool gate_close_in(cachedb_conn *c, cb_error *err)
{
	char text[CB_LEASE_TEXT_MAX];
	cb_lease_format(text, sizeof(text), NULL, 0);
	return cachedb_meta_set(c, GATE_META_KEY, text, err);
}

void gate_wake(gate *g)
{
	if (g != NULL)
		cb_worker_wake(&g->keeper);
}

const gate_stats *gate_get_stats(const gate *g)
{
	return &g->stats;
}
