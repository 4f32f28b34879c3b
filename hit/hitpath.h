/*
 * hitpath.h - the hit path: answer a SELECT from the SQLite cache exactly
 * as PostgreSQL would, or say why not.
 *
 * Functions prefix: hitpath_
 *
 * DESIGN
 *
 * Library code (DESIGN.md section 2, "hits without a hop"): no threads of
 * its own, no sockets, no globals, nothing of the daemon, so cbcached and
 * the ODBC driver link it alike.  Two objects:
 *
 *  - hitpath_engine: shared by every thread; immutable after
 *    hitpath_engine_new() except the plan cache (hit/plancache.h) and the
 *    counters (atomics).  It knows the compiled groups, the cache file's
 *    path, the settings the fill session renders values under, and two
 *    callbacks of its owner: on_hit (the hit counter) and fenced (tables
 *    being invalidated, never read).  Misses are returned to the caller.
 *  - hitpath_conn: one per thread (session), not thread safe: its
 *    read-only connection to the cache file (hit/reader.h) with the
 *    translated statements prepared once per plan, and scratch buffers
 *    reused by every statement (no allocation per row).
 *
 * Per statement (hitpath_execute): scan the text into a plan key
 * (sqlfe_plankey_scan, no parse; the connection keeps the last
 * statement's key, so the same text again, as a prepared statement's
 * Binds bring it, is compared, not scanned) and look its plan up in the
 * plan cache (the only place that parses, once per shape).  Then, inside ONE SQLite
 * read transaction: probe every entry-point value (the generated
 * CG_STMT_PROBE statements), and when all are complete run the translated
 * statement and render RowDescription / DataRow / CommandComplete into the
 * caller's buffer (hit/wire.h, hit/render.h), byte-identical to
 * PostgreSQL's.  Anything the cache cannot render exactly (a setting that
 * differs from the fill session's, a value stored inexactly, a result
 * format it does not encode, a parameter it cannot read) answers
 * HITPATH_BACKEND with a reason and leaves the buffer as it was.  A probe
 * miss answers HITPATH_MISS with the fill values the caller should queue
 * (only values a fill may load).
 *
 * The memo (hit/memo.h, when memo_max_bytes is set): the rendered bytes
 * of an answer are kept under the plan, its values, result formats and
 * rendering settings, with the change position of the tables it read
 * (read in the same read transaction).  The same statement again, while
 * none of those tables changed, gets the kept bytes: no probe, no SQLite
 * statement, no rendering.  Every check before SQLite still runs
 * (readable tables, fences, settings, parameters).  Only plans that join
 * tables or have answered 8 rows or more use it: for a short answer of one
 * table, reading the change positions costs what the answer does.
 */
#ifndef CB_HITPATH_H
#define CB_HITPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cachegroup/model.h"
#include "common/contract.h"
#include "common/error.h"
#include "common/lease.h"
#include "hit/memo.h"
#include "hit/wire.h"

typedef struct hitpath_engine hitpath_engine;
typedef struct hitpath_conn hitpath_conn;

/* Called for each entry-point value a cache answer used (may be NULL). */
typedef void (*hitpath_hit_fn)(void *arg, size_t group, size_t entry, const char *value);
/* Whether table of group must not be read now (an invalidation is pending); NULL: none is. */
typedef bool (*hitpath_fenced_fn)(void *arg, size_t group, size_t table);

typedef struct hitpath_settings {
	const char *cache_path;  /* the cache file */
	cg_group *const *groups; /* the compiled groups (borrowed: they must outlive the engine) */
	size_t ngroups;
	bool collation_c; /* the backend database compares text under the C collation */
	/* or under this libc locale, checked against the backend (cache/localecheck.h); NULL or "": neither.
	 * The engine opens it (common/pglocale.h); where it cannot, text ordering goes to the backend */
	const char *collation_locale;
	/* enum columns are answered: the DDL event triggers report label changes (hit/hitschema.h) */
	bool enum_columns;
	const char *fill_timezone;     /* TimeZone of the fill session (timestamptz is stored under it) */
	size_t max_plans;              /* plans the plan cache keeps; 0: 10000 */
	size_t max_session_statements; /* prepared SQLite statements a connection keeps (LRU); 0: 256 */
	size_t memo_max_bytes;         /* the memo of rendered answers (hit/memo.h); 0: none */
	/* tests: called after an answer is rendered and its read transaction ended, before the memo keeps it */
	void (*memo_hook)(void *arg);
	void *memo_hook_arg;
	hitpath_hit_fn on_hit;
	void *hit_arg;
	hitpath_fenced_fn fenced;
	void *fenced_arg;
	/*
	 * A process other than cbcached reading its file (the ODBC driver's
	 * in-process hits): the fingerprint (cg_gen_fingerprint) of the groups
	 * compiled here.  Every answer then also needs, inside its read
	 * transaction, the reader gate open (hit/readergate.h: the gate word
	 * loaded before the transaction, the lease inside it) and the file's
	 * fingerprint equal to this one.  NULL: cbcached itself, whose fences
	 * (fenced) decide.
	 */
	const char *reader_fingerprint;
	/*
	 * With reader_fingerprint: the read transaction of an answer is kept
	 * for the connection's next statements, up to this many microseconds
	 * after it began and only while the gate word is the very word loaded
	 * before it began (cbcached changes the word for every change a
	 * reader must see at once: a fence closes it, a write it answered
	 * after the stream applied it counts one more, cache/gate.h).  It
	 * saves the transaction's begin and end (SQLite's locks on the -shm
	 * file: system calls) per statement; the answer is what a reader that
	 * began its transaction then would give, which the lease it read,
	 * judged again at each statement, still covers.  The caller ends a kept
	 * transaction that waits too long with hitpath_conn_release (a kept
	 * transaction holds back cbcached's checkpoints).  0: every statement
	 * has a read transaction of its own.
	 */
	unsigned hold_us;
} hitpath_settings;

/* An engine; NULL with the cause in err. */
CB_MUSTCHECK hitpath_engine *hitpath_engine_new(const hitpath_settings *s, cb_error *err);
void hitpath_engine_free(hitpath_engine *e);
/* With reader_fingerprint: the cache file's gate word (common/lease.h) the engine mapped; else NULL. */
cb_gateword *hitpath_engine_gateword(hitpath_engine *e);

/* A connection for the calling thread; NULL with err. */
CB_MUSTCHECK hitpath_conn *hitpath_conn_new(hitpath_engine *e, cb_error *err);
void hitpath_conn_free(hitpath_conn *c);

/*
 * The session state that changes what a SELECT returns.  The caller keeps
 * it current (cbcached: ParameterStatus from the backend, and a check
 * query for the settings PostgreSQL does not report).
 */
typedef struct hitpath_session {
	const char *timezone;      /* ParameterStatus TimeZone */
	const char *datestyle;     /* ParameterStatus DateStyle, e.g. "ISO, MDY" */
	const char *intervalstyle; /* ParameterStatus IntervalStyle */
	int extra_float_digits;    /* current_setting('extra_float_digits') */
	bool std_strings;          /* standard_conforming_strings on */
	bool client_utf8;          /* client_encoding is UTF8 */
	/*
	 * readable[g] is a bit set over group g's tables (bit t for
	 * g->tables[t]): the session's role may SELECT the table, no row
	 * security applies to it, and its unqualified name resolves to it under
	 * the session's search_path.  NULL: no table is readable.
	 */
	const uint64_t *readable;
	size_t ngroups;
} hitpath_session;

typedef enum hitpath_outcome {
	HITPATH_HIT,     /* answered: messages appended to out */
	HITPATH_MISS,    /* cacheable, some entry-point value not complete: ask the backend, queue the fills */
	HITPATH_BACKEND, /* not answered from the cache (reason says why) */
	HITPATH_ERROR    /* the cache failed (err says why): ask the backend */
} hitpath_outcome;

/* A fill the caller should queue after a miss. */
typedef struct hitpath_fill {
	size_t group;
	size_t fill;
	char value[64]; /* the value's text (normalized as the cache stores it) */
} hitpath_fill;

#define HITPATH_MAX_FILLS 16

typedef struct hitpath_request {
	const char *text; /* the statement (simple Query or the Parse text) */
	size_t len;
	/* extended protocol; simple Query: nparams 0, formats NULL */
	int nparams;
	const char *const *params; /* text-format values, params[i] for $(i+1); NULL: SQL NULL */
	const int *param_len;
	const uint32_t *param_types; /* the types declared at Parse (0: unspecified); may be NULL */
	int nparam_types;
	int nresult_formats; /* Bind's result format codes: 0 (all text), 1 (one for all) or one per column */
	const int16_t *result_formats;
	/*
	 * simple: RowDescription, DataRows, CommandComplete (what a simple
	 * Query answers before ReadyForQuery).  Extended: RowDescription only
	 * when describe is set (Describe of the portal), then DataRows and
	 * CommandComplete (what Execute answers).
	 */
	bool simple;
	bool describe;
	/*
	 * Non-NULL: the session cannot take an answer from the cache now (the
	 * reason: a transaction is open, its settings are being checked, the
	 * backend owes it answers, ...).  The plan is looked up and the entry
	 * points probed all the same, so a miss still returns the fills to
	 * queue; nothing is answered, and the reason is kept for SHOW QUERIES.
	 */
	const char *refuse;
	/*
	 * With reader_fingerprint: the cache file's ddl_generation when the
	 * session last checked its privileges.  A file whose count moved since
	 * answers HITPATH_BACKEND with ddl_moved set: check again first.
	 */
	uint64_t ddl_generation;
	/*
	 * With reader_fingerprint: answer only from a file whose CG_META_SYNCED
	 * is at least this (the reader committed a write on its own backend
	 * connection and asked for a sync then: until the file has the sync,
	 * it may not have the write).  0: no such wait.
	 */
	uint64_t min_synced_us;
} hitpath_request;

typedef struct hitpath_result {
	hitpath_outcome outcome;
	char reason[128]; /* HITPATH_BACKEND: why (also kept per plan for SHOW QUERIES) */
	uint64_t rows;    /* HITPATH_HIT: rows sent */
	int nfills;       /* HITPATH_MISS: fills to queue */
	hitpath_fill fills[HITPATH_MAX_FILLS];
	bool parsed;     /* this call built a plan (the plan cache did not know the statement) */
	bool answerable; /* HITPATH_BACKEND only because of rq->refuse: the cache held the whole answer */
	bool memo;       /* HITPATH_HIT: the answer came from the memo */
	/* with reader_fingerprint, once the read transaction began: the file's ddl_generation */
	uint64_t ddl_generation;
	bool ddl_moved;   /* it differs from rq->ddl_generation (nothing answered) */
	bool gate_closed; /* the reader gate was closed, or the file holds other groups (nothing answered) */
	bool unsynced;    /* the file does not have rq->min_synced_us yet (nothing answered) */
} hitpath_result;

/*
 * Answer rq from the cache under session settings ss, appending the
 * messages to out on HITPATH_HIT (out is left as it was otherwise).  err
 * is set on HITPATH_ERROR.
 */
hitpath_outcome hitpath_execute(hitpath_conn *c, const hitpath_request *rq, const hitpath_session *ss, wire_buf *out,
                                hitpath_result *res, cb_error *err);

/*
 * With hold_us: the monotonic time (cb_clock_mono_us) at which the read
 * transaction the connection keeps began; 0 when it keeps none.
 */
int64_t hitpath_conn_held_since(const hitpath_conn *c);

/* End the read transaction the connection keeps (hold_us), if any. */
void hitpath_conn_release(hitpath_conn *c);

/*
 * With reader_fingerprint: whether the reader gate is open now (the word,
 * then the lease in a read transaction of its own): false when it is
 * closed, cbcached stopped renewing the lease, or the file cannot be read.
 */
bool hitpath_conn_gate_open(hitpath_conn *c);
/*
 * With reader_fingerprint: the cache file's ddl_generation now, read in a
 * read transaction of its own (a session reads it before its settings
 * check and passes it as hitpath_request.ddl_generation).  False with err.
 */
CB_MUSTCHECK bool hitpath_conn_ddl_generation(hitpath_conn *c, uint64_t *out, cb_error *err);

/*
 * Count answers another process gave from the cache file for the
 * statement text[0, len) (std: its session's standard_conforming_strings;
 * its reports, src/hitsock.h) in SHOW QUERIES, as executions and hits of
 * the statement's shape; a shape the plan cache does not know is made (a
 * parse, once).  Nothing for a text without a plan key.
 */
void hitpath_count_remote(hitpath_engine *e, const char *text, size_t len, bool std, uint64_t answers);

/*
 * The statement of the last hitpath_execute on c, which said was (a miss,
 * or the backend), was answered from cbcached's memo of backend answers
 * after all (src/backmemo.h): count it a hit and a memo hit of its shape
 * (SHOW QUERIES) instead.
 */
void hitpath_conn_count_memo(hitpath_conn *c, hitpath_outcome was);

/* Engine counters. */
typedef struct hitpath_stats {
	uint64_t parses;        /* plans built (statements parsed) */
	uint64_t plan_hits;     /* statements whose plan the plan cache knew */
	uint64_t no_key;        /* statements without a plan key (analysed every time) */
	uint64_t plans_evicted; /* plans dropped from the plan cache to stay within max_plans */
	uint64_t hits, misses, backend, errors;
	size_t plans;                        /* plans in the plan cache */
	uint64_t session_statements;         /* prepared on the connections now, one per connection and plan */
	uint64_t session_statements_evicted; /* finalized to stay within max_session_statements */
	memo_stats memo;                     /* the memo of rendered answers (hit/memo.h); all 0 without one */
} hitpath_stats;
void hitpath_get_stats(hitpath_engine *e, hitpath_stats *out);

/* One plan, for SHOW QUERIES. */
typedef struct hitpath_plan_info {
	const char *key; /* normalized text: literals shown as $? */
	uint64_t executions, hits, misses, backend;
	uint64_t memo_hits; /* of hits: answered from the memo */
	const char *reason; /* why the cache cannot answer it, or why it last went to the backend; "" neither */
	int group;          /* the group the plan was built for, -1 when none */
} hitpath_plan_info;

/* Call fn for every plan (under the plan-cache lock: fn must not block). */
void hitpath_foreach_plan(hitpath_engine *e, void (*fn)(void *arg, const hitpath_plan_info *info), void *arg);

#endif /* CB_HITPATH_H */
