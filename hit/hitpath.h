/*
 * hitpath.h - the hit path: answer a SELECT from the SQLite cache exactly
 * as PostgreSQL would, or say why not.
 *
 * Functions prefix: hp_
 *
 * DESIGN
 *
 * Library code (DESIGN.md section 2, "hits without a hop"): no threads of
 * its own, no sockets, no daemon globals, so cbcached and later the ODBC
 * driver link it alike.  Two objects:
 *
 *  - hp_engine: shared by every thread; immutable after hp_engine_new()
 *    except the plan cache (one mutex) and the per-shape counters
 *    (atomics).  It knows the compiled groups (through the cachedb), one
 *    sqlfe_schema per group (hit/hitschema.h), the settings the fill
 *    session renders values under, and two callbacks: on_hit (the hit
 *    counter) and nothing else: misses are returned to the caller.
 *  - hp_conn: one per thread (session), not thread safe: its SQLite
 *    connection (cachedb_conn) with the translated statements prepared
 *    once per plan, and scratch buffers reused for every statement (no
 *    allocation per row).
 *
 * Per statement (hp_execute): scan the text into a plan key
 * (sqlfe_plankey_scan, no parse); look the key up in the engine's plan
 * cache; on a plan-cache miss build the plan (sqlfe_plan_build, the only
 * place that parses) against each group's schema and keep the first
 * cacheable one (or the reason none is).  Then, inside ONE SQLite read
 * transaction: probe every entry-point value (the generated CG_STMT_PROBE
 * statements), and when all are complete run the translated statement and
 * render RowDescription / DataRow / CommandComplete into the caller's
 * buffer, byte-identical to PostgreSQL's.  Anything the cache cannot
 * render exactly (a setting that differs from the fill session's, a value
 * stored inexactly, a result format it does not encode, a parameter it
 * cannot read) answers HP_BACKEND with a reason and leaves the buffer as
 * it was.  A probe miss answers HP_MISS with the fill values the caller
 * should queue (only values a fill may load).
 *
 * Tables being invalidated after a write (cachedb_dirty(), see
 * cachedb.h) are not read: a plan whose FROM names one answers
 * HP_BACKEND until the invalidation has been applied.
 */
#ifndef CB_HITPATH_H
#define CB_HITPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cachedb.h"
#include "common/contract.h"
#include "hit/pgproto.h"

typedef struct hp_engine hp_engine;
typedef struct hp_conn hp_conn;

/* Called for each entry-point value a cache answer used (may be NULL). */
typedef void (*hp_hit_fn)(void *arg, size_t group, size_t entry, const char *value);

typedef struct hp_engine_settings {
	bool collation_c;          /* the backend database compares text under the C collation */
	const char *fill_timezone; /* TimeZone of the fill session (timestamptz is stored under it) */
	size_t max_shapes;         /* statement shapes the plan cache keeps; 0: 10000 */
	hp_hit_fn on_hit;
	void *hit_arg;
} hp_engine_settings;

/*
 * An engine over the cache db (borrowed: it and its groups must outlive
 * the engine).  NULL with the cause in err.
 */
CB_MUSTCHECK hp_engine *hp_engine_new(cachedb *db, const hp_engine_settings *s, cb_error *err);
void hp_engine_free(hp_engine *e);

/* A connection for the calling thread; NULL with err. */
CB_MUSTCHECK hp_conn *hp_conn_new(hp_engine *e, cb_error *err);
void hp_conn_free(hp_conn *c);

/*
 * The session state that changes what a SELECT returns.  The caller keeps
 * it current (cbcached: ParameterStatus from the backend, and a check
 * query for the settings PostgreSQL does not report).
 */
typedef struct hp_session {
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
} hp_session;

typedef enum hp_outcome {
	HP_HIT,     /* answered: messages appended to out */
	HP_MISS,    /* cacheable shape, some entry-point value not complete: ask the backend, queue the fills */
	HP_BACKEND, /* not answered from the cache (reason says why) */
	HP_ERROR    /* the cache failed (err says why): ask the backend */
} hp_outcome;

/* A fill the caller should queue after a miss. */
typedef struct hp_fill {
	size_t group;
	size_t fill;
	char value[64]; /* the value's text (normalized as the cache stores it) */
} hp_fill;

#define HP_MAX_FILLS 16

typedef struct hp_request {
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
} hp_request;

typedef struct hp_result {
	hp_outcome outcome;
	char reason[128]; /* HP_BACKEND: why (also kept per shape for SHOW QUERIES) */
	uint64_t rows;    /* HP_HIT: rows sent */
	int nfills;       /* HP_MISS: fills to queue */
	hp_fill fills[HP_MAX_FILLS];
	bool parsed; /* this call built a plan (the plan cache did not know the shape) */
} hp_result;

/*
 * Answer rq from the cache under session settings ss, appending the
 * messages to out on HP_HIT (out is left as it was otherwise).  err is set
 * on HP_ERROR.
 */
hp_outcome hp_execute(hp_conn *c, const hp_request *rq, const hp_session *ss, pgp_buf *out, hp_result *res,
                      cb_error *err);

/* Engine counters. */
typedef struct hp_stats {
	uint64_t parses;    /* plans built (statements parsed) */
	uint64_t plan_hits; /* statements whose shape the plan cache knew */
	uint64_t no_key;    /* statements without a plan key (analysed every time) */
	uint64_t uncached;  /* shapes analysed without caching: the plan cache was full */
	uint64_t hits, misses, backend, errors;
	size_t shapes; /* shapes in the plan cache */
} hp_stats;
void hp_get_stats(hp_engine *e, hp_stats *out);

/* One statement shape, for SHOW QUERIES. */
typedef struct hp_shape_info {
	const char *key; /* normalized text: literals shown as $? */
	uint64_t executions, hits, misses, backend;
	const char *reason; /* "" when the shape is answered from the cache */
	int group;          /* the group the plan was built for, -1 when none */
} hp_shape_info;

/* Call fn for every shape (under the plan-cache lock: fn must not block). */
void hp_foreach_shape(hp_engine *e, void (*fn)(void *arg, const hp_shape_info *info), void *arg);

#endif /* CB_HITPATH_H */
