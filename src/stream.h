/*
 * stream.h - the change stream's reading side: a logical replication
 * connection to the backend that reads the pgoutput stream of the cache
 * tables and hands every decoded message to a consumer (the applier).
 *
 * Functions prefix: stream_
 *
 * DESIGN
 *
 * Objects on the backend (cache_database), both named cbcache_<instance>
 * (config key instance_name):
 *   - a publication FOR TABLE the cache tables, publishing insert, update,
 *     delete and truncate; stream_setup() creates it when missing and sets
 *     its tables when they differ (a plain connection as cache_user, which
 *     must own the tables or be superuser to do so; stream_check() prints
 *     the statement for the owner otherwise);
 *   - a logical replication slot with the pgoutput plugin, created by
 *     stream_setup() when missing (CREATE_REPLICATION_SLOT on a
 *     replication=database connection; cache_user needs REPLICATION).
 *     The slot remembers the position the consumer confirmed; the server
 *     keeps the WAL from there on.
 * A newly created slot (stream_setup_info.slot_created) streams only what
 * commits after its creation, so the cache must then start empty (or be
 * emptied): the caller decides.  An existing slot that PostgreSQL
 * invalidated (max_slot_wal_keep_size) is dropped and created again,
 * reported as slot_was_lost too.
 *
 * The thread (common/worker.h) runs START_REPLICATION SLOT ... LOGICAL
 * <lsn> (proto_version '1', publication_names 'cbcache_<instance>',
 * messages 'true'), reads CopyData: XLogData is decoded (cache/pgoutput.h)
 * and given to the consumer's callback for its kind; a primary keepalive
 * is answered at once when it asks for a reply.  A Standby Status Update
 * goes to the server every status_interval_ms (1 s) and on request.
 *
 * The consumer's contract:
 *   - Callbacks run on the stream's thread, one at a time, in the
 *     server's commit order: on_begin, the transaction's changes (and its
 *     transactional messages) in the order they were made, on_commit.
 *     Non-transactional messages (pg_logical_emit_message(false, ...))
 *     come outside any transaction.  A Relation message comes before the
 *     first change that uses its definition (on_relation with
 *     PGOUTPUT_REL_CHANGED after an ALTER TABLE); a Truncate names only
 *     published tables.  A callback must not block for long (it delays
 *     stream_stop) and must not call stream_stop/stream_free.
 *   - Every pointer a callback gets is valid only during the call (see
 *     pgoutput.h): copy what is kept.
 *   - The consumer calls stream_set_applied(end_lsn of the Commit) only
 *     after the transaction is durably applied (its SQLite COMMIT done,
 *     with applied_lsn stored in the same transaction).  The stream
 *     confirms to the server (flush and apply positions) only what was
 *     set there, never more: after a crash or a restart the server sends
 *     again everything after the last confirmed position, so nothing is
 *     lost.  stream_set_applied may be called from any thread.
 *   - When every delivered transaction is applied and none is open, the
 *     stream confirms the server's position from its keepalives too, so a
 *     slot whose tables are quiet does not hold the backend's WAL.  A
 *     consumer that records its position (the cache file's applied_lsn)
 *     sets on_idle: the stream then offers that position to it (at most
 *     once per status interval) and confirms it only once the consumer
 *     recorded it and passed it to stream_set_applied, so the slot is
 *     never ahead of the consumer's record.
 *   - Sent again means seen again: after a reconnect (and after a restart
 *     from an older position than the server confirmed) transactions the
 *     consumer already applied may come a second time.  Consumers must be
 *     idempotent (row images: an insert of an existing key is an update,
 *     a delete of a missing row is nothing) or skip commits whose end_lsn
 *     is not above their applied_lsn.
 *   - A callback that returns false refuses the message: the stream drops
 *     the connection and reconnects after its backoff, and the server sends
 *     everything after the confirmed position again.
 *   - on_disconnected(reason): the streaming connection ended.  A
 *     transaction begun and not committed will not be committed on this
 *     connection: roll it back; it comes again, whole, after the reconnect.
 *     Reconnects back off exponentially (backoff_min_ms doubling up to
 *     backoff_max_ms) and call on_connected again.
 *   - on_slot_lost(reason): the slot was dropped, or PostgreSQL removed WAL
 *     it still needed (invalidated).  Changes were lost: the cache must be
 *     emptied.  Unless recreate_lost_slot is set, the stream then waits
 *     for stream_stop (stream_state() is STREAM_SLOT_LOST); the caller
 *     empties the cache and runs stream_setup + stream_start again, which
 *     creates a new slot.  With recreate_lost_slot, the thread itself
 *     creates a new slot (backing off on failure) and calls on_connected
 *     with slot_created set: empty the cache before returning from it.
 *
 * stream_stop() ends the thread within a bounded time (every wait of the
 * thread also watches a wake-up pipe): it sends a last status update,
 * ends the COPY (waiting up to a second for the server to acknowledge, so
 * the confirmed position is stored when stop returns), and PQfinish()es.
 *
 * Stats (stream_get_stats) are atomics written by the thread, for SHOW
 * STATS.  stream_check() is for cbcached --check; stream_drop() removes
 * an instance's slot and publication (cbcached --uninstall, src/install.h).
 */
#ifndef CBD_STREAM_H
#define CBD_STREAM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/pgoutput.h"
#include "src/daemon.h"

/* A table to publish (cg_table's nspname and name). */
typedef struct stream_table {
	const char *schema;
	const char *name;
} stream_table;

typedef struct stream_settings {
	const char *conninfo; /* the cache's own backend conninfo (chk_backend_conninfo) */
	const char *instance; /* instance_name: slot and publication cbcache_<instance> */
	const stream_table *tables;
	size_t ntables;
	int status_interval_ms;  /* Standby Status Update period; 0: 1000 */
	int backoff_min_ms;      /* first reconnect delay; 0: 100 */
	int backoff_max_ms;      /* longest reconnect delay; 0: 5000 */
	int connect_timeout_ms;  /* connecting and starting replication; 0: 10000 */
	int setup_timeout_ms;    /* each set-up statement (slot creation waits for running transactions); 0: 60000 */
	bool recreate_lost_slot; /* see on_slot_lost */
} stream_settings;

/* What stream_setup found and did. */
typedef struct stream_setup_info {
	char system_id[32]; /* IDENTIFY_SYSTEM */
	uint32_t timeline;
	pgoutput_lsn server_lsn;  /* the server's WAL flush position then */
	bool publication_created; /* the publication did not exist */
	bool publication_changed; /* its tables or actions were set anew */
	bool slot_created;        /* the slot is new: the cache must start empty */
	bool slot_was_lost;       /* an invalidated slot was dropped first (slot_created is set too) */
	pgoutput_lsn slot_lsn;    /* the new slot's consistent point, or the old slot's confirmed position */
} stream_setup_info;

/* The streaming connection started (on_connected). */
typedef struct stream_connected {
	const char *system_id;
	uint32_t timeline;
	pgoutput_lsn server_lsn; /* the server's WAL flush position at connect */
	pgoutput_lsn start_lsn;  /* asked for in START_REPLICATION (0: the slot's confirmed position) */
	uint64_t connection;     /* 1 for the first, counting every reconnect */
	bool slot_created;       /* the slot was created since the last on_connected: the cache must be empty */
} stream_connected;

/* The consumer (the applier); NULL callbacks are skipped.  Each returns
 * true to go on, false to refuse the message (see the DESIGN above). */
typedef struct stream_consumer {
	void *arg;
	bool (*on_connected)(void *arg, const stream_connected *c);
	void (*on_disconnected)(void *arg, const char *reason);
	void (*on_slot_lost)(void *arg, const char *reason);
	bool (*on_begin)(void *arg, const pgoutput_begin *m);
	/* m->end_lsn is what stream_set_applied takes once the transaction is durable */
	bool (*on_commit)(void *arg, const pgoutput_commit *m);
	bool (*on_origin)(void *arg, const pgoutput_origin *m);
	bool (*on_relation)(void *arg, const pgoutput_relmsg *m);
	bool (*on_type)(void *arg, const pgoutput_type *m);
	/* lsn: the change's WAL record (XLogData's start), 0 when the server sent none */
	bool (*on_insert)(void *arg, const pgoutput_insert *m, pgoutput_lsn lsn);
	bool (*on_update)(void *arg, const pgoutput_update *m, pgoutput_lsn lsn);
	bool (*on_delete)(void *arg, const pgoutput_delete *m, pgoutput_lsn lsn);
	bool (*on_truncate)(void *arg, const pgoutput_truncate *m, pgoutput_lsn lsn);
	bool (*on_message)(void *arg, const pgoutput_message *m);
	/* idle at lsn (every delivered commit applied, none open): record it, then stream_set_applied(lsn) */
	void (*on_idle)(void *arg, pgoutput_lsn lsn);
	/* every message read so far was given, none of a transaction still open (before the thread waits
	 * for more or sends a status): a consumer that let commits wait makes them durable now (a round that
	 * ends inside a transaction lets them wait for its commit); false ends the connection (sent again) */
	bool (*on_pause)(void *arg);
} stream_consumer;

typedef enum stream_state {
	STREAM_STOPPED,    /* no thread */
	STREAM_CONNECTING, /* connecting or starting replication */
	STREAM_STREAMING,  /* reading the stream */
	STREAM_WAITING,    /* backing off before the next attempt */
	STREAM_SLOT_LOST,  /* the slot is gone: stop, empty the cache, set up again */
} stream_state;

/* Counters for SHOW STATS (relaxed atomics written by the stream's thread). */
typedef struct stream_stats {
	_Atomic uint64_t received_lsn;   /* highest WAL position received */
	_Atomic uint64_t confirmed_lsn;  /* flush position last confirmed to the server */
	_Atomic uint64_t server_wal_end; /* the server's WAL end sent (keepalives, XLogData): lag = this - confirmed */
	_Atomic int64_t last_message_us; /* wall clock (cb_clock_now_us) of the last message from the server */
	_Atomic uint64_t messages;       /* pgoutput messages decoded */
	_Atomic uint64_t bytes;          /* CopyData bytes received */
	_Atomic uint64_t transactions;   /* Commit messages the consumer took */
	_Atomic uint64_t keepalives;     /* primary keepalive messages */
	_Atomic uint64_t status_updates; /* Standby Status Update messages sent */
	_Atomic uint64_t connects;       /* streaming connections started */
	_Atomic uint64_t reconnects;     /* of those, after a lost connection */
	_Atomic uint64_t connect_failures; /* attempts to connect or start that failed */
	_Atomic uint64_t disconnects;      /* streaming connections that ended other than by stream_stop */
	_Atomic uint64_t refused;          /* messages a callback refused */
	_Atomic uint64_t decode_errors;    /* malformed messages */
	_Atomic uint64_t slots_lost;       /* on_slot_lost calls */
} stream_stats;

typedef struct stream stream;

/*
 * A stream (no thread, no connection yet) for settings s and consumer c,
 * both copied.  False (NULL) with err when instance is not 1 to 40 of
 * [a-z0-9_] or memory ran out.
 */
CB_MUSTCHECK stream *stream_new(const stream_settings *s, const stream_consumer *c, cb_error *err);

/*
 * Make sure the publication and the slot exist as they must (see the
 * DESIGN) and check the replication connection (IDENTIFY_SYSTEM).  Call
 * before stream_start, in the caller's thread, while the stream is
 * stopped.  False with the cause and the fix in err.
 */
CB_MUSTCHECK bool stream_setup(stream *st, stream_setup_info *info, cb_error *err);

/*
 * Start the thread, streaming from start_lsn: the consumer's applied_lsn
 * (the end_lsn of the last transaction it applied), or 0 for the slot's
 * confirmed position.  start_lsn also becomes the applied position (see
 * stream_set_applied).  Fails when stream_setup has not succeeded or the
 * thread cannot start.
 */
CB_MUSTCHECK bool stream_start(stream *st, pgoutput_lsn start_lsn, cb_error *err);

/* The consumer has durably applied everything up to lsn (a Commit's
 * end_lsn); never moves back.  Any thread. */
void stream_set_applied(stream *st, pgoutput_lsn lsn);
pgoutput_lsn stream_applied(stream *st);

/* Stop the thread (bounded time, see the DESIGN); a no-op when stopped. */
void stream_stop(stream *st);
/* Stop and free; NULL is fine. */
void stream_free(stream *st);

stream_state stream_get_state(stream *st);
const char *stream_state_name(stream_state s);
const stream_stats *stream_get_stats(const stream *st);
/* The last error of the thread (connection, server, decoder), "" if none. */
void stream_last_error(stream *st, char *buf, size_t n);
/* "cbcache_<instance>": the slot's and the publication's name. */
void stream_object_name(const char *instance, char *buf, size_t n);

/*
 * cbcached --check: what the backend lacks for the change stream of
 * settings s.  fn(arg, problem, fix) is called for each problem, fix being
 * the statement(s) to run (or what to change); returns the number of
 * problems, -1 with err when the backend cannot be reached at all.
 * Checked: the server version (14 or later), wal_level, a free
 * replication slot and WAL sender, cache_user's REPLICATION attribute,
 * the replication connection itself (pg_hba.conf), the publication (can
 * it be created or changed as cache_user, or has its owner to run the
 * statement), the tables (exist, replica identity), the slot (its plugin
 * and database, in use by another process, invalidated).
 */
typedef void (*stream_check_fn)(void *arg, const char *problem, const char *fix);
int stream_check(const stream_settings *s, stream_check_fn fn, void *arg, cb_error *err);

/*
 * Drop the slot and the publication of settings s (a stopped instance);
 * *slot_dropped and *publication_dropped tell what existed.  False with
 * err when the slot is in use (a cbcached streams from it) or the backend
 * refuses (the statement to run instead is in err).
 */
CB_MUSTCHECK bool stream_drop(const stream_settings *s, bool *slot_dropped, bool *publication_dropped, cb_error *err);

#endif /* CBD_STREAM_H */
