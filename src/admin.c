/*
 * admin.c - the admin socket: a {words, handler} table and small handlers
 * that emit rows (see admin.h for the protocol).
 *
 * Functions prefix: adm_
 */
#include "src/admin.h"
#include "src/backmemo.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "hit/hitpath.h"
#include "hit/wire.h"
#include "src/admparse.h"
#include "src/cachesvc.h"
#include "src/listener.h"
#include "src/replica.h"
#include "src/session.h"
#include "src/stats.h"

#define ADM_MAX_CONNS 16
/* Connections past ADM_MAX_CONNS kept to be told so (beyond: told in one try and closed). */
#define ADM_MAX_REFUSED 8
/* How long a connection being ended gracefully may take to close its side. */
#define ADM_LINGER_MS 2000
/* How long the listener rests after accept() fails for want of descriptors. */
#define ADM_ACCEPT_PAUSE_MS 1000

typedef struct adm_conn {
	int fd;
	wire_buf in;
	adm_reply out;
	bool eof;       /* the client closed its side: close once the reply is sent */
	bool skipping;  /* in a line longer than ADM_MAX_LINE: discard up to its end, then answer and end */
	bool ending;    /* answer what is queued, then end gracefully (adm_end) */
	bool shut;      /* ending: our side is closed (shutdown), the client's input is discarded until it closes */
	int64_t linger; /* ending: close at this time (cb_clock_mono_us) at the latest */
} adm_conn;

struct adm_server {
	int lfd;
	char *path;
	adm_hooks hooks;
	adm_conn conns[ADM_MAX_CONNS + ADM_MAX_REFUSED];
	int nconns;
	int64_t accept_pause; /* cb_clock_mono_us until which the listener rests, 0 none */
};

/* --- reply building -------------------------------------------------------- */

static void put_text(adm_reply *r, const char *s)
{
	wire_buf_append(&r->buf, s, strlen(s));
}

/* s escaped as the protocol says (admin.h): backslash, tab, newline, carriage return and other control bytes. */
static void put_escaped(adm_reply *r, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		char esc[8];
		if (*p == '\\')
			put_text(r, "\\\\");
		else if (*p == '\t')
			put_text(r, "\\t");
		else if (*p == '\n')
			put_text(r, "\\n");
		else if (*p == '\r')
			put_text(r, "\\r");
		else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			put_text(r, esc);
		} else
			wire_buf_append(&r->buf, p, 1);
	}
}

static void put_value(adm_reply *r, const char *v)
{
	wire_buf_append(&r->buf, "\t", 1);
	put_escaped(r, v);
}

/* COLUMNS line from a NULL-terminated list. */
static void put_columns(adm_reply *r, const char *const *cols)
{
	put_text(r, "COLUMNS");
	for (int i = 0; cols[i] != NULL; i++)
		put_value(r, cols[i]);
	put_text(r, "\n");
}

/* ROW line: n values. */
static void put_row(adm_reply *r, int n, ...)
{
	va_list ap;
	va_start(ap, n);
	put_text(r, "ROW");
	for (int i = 0; i < n; i++)
		put_value(r, va_arg(ap, const char *));
	va_end(ap);
	put_text(r, "\n");
}

static CB_PRINTF(3, 4) void put_status(adm_reply *r, bool ok, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	put_text(r, ok ? "OK" : "ERROR");
	if (msg[0] != '\0') {
		put_text(r, " ");
		put_escaped(r, msg);
	}
	put_text(r, "\n");
}

/* --- commands ---------------------------------------------------------------- */

/* The cache service, or NULL when the daemon runs without a cache. */
static cachesvc *adm_cache(adm_server *a)
{
	return a->hooks.cache != NULL ? a->hooks.cache() : NULL;
}

/* The cache service, or NULL after an error reply saying how to get one. */
static cachesvc *adm_need_cache(adm_server *a, adm_reply *r)
{
	cachesvc *cs = adm_cache(a);
	const char *why = a->hooks.cache_error ? a->hooks.cache_error() : "";
	if (cs == NULL && why[0] != '\0')
		put_status(r, false,
		           "the cache did not start, so cbcached relays every statement to the backend: %s; fix the "
		           "cause, "
		           "then RELOAD starts the cache",
		           why);
	else if (cs == NULL)
		put_status(r, false,
		           "this cbcached runs without a cache: set cache_db and cache_groups in %s and restart it "
		           "(doc/config.md)",
		           a->hooks.config()->path);
	return cs;
}

static void stat_row(adm_reply *r, const char *name, long long v)
{
	char b[32];
	snprintf(b, sizeof(b), "%lld", v);
	put_row(r, 2, name, b);
}

/* A memo's counters (hit/memo.h) as rows prefix_hits, prefix_misses, ... */
static void memo_rows(adm_reply *r, const char *prefix, const memo_stats *m)
{
	const struct {
		const char *name;
		unsigned long long v;
	} rows[] = {{"hits", m->hits},     {"misses", m->misses},       {"stale", m->stale},
	            {"stored", m->stored}, {"evictions", m->evictions}, {"entries", m->entries},
	            {"bytes", m->bytes},   {"max_bytes", m->max_bytes}};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s_%s", prefix, rows[i].name);
		stat_row(r, name, (long long)rows[i].v);
	}
}

static void cmd_show_stats(adm_server *a, const char *args, adm_reply *r)
{
	(void)args;
	static const char *const cols[] = {"name", "value", NULL};
	put_columns(r, cols);
	stat_row(r, "sessions_active", STATS_GET(sessions_active));
	stat_row(r, "sessions_total", STATS_GET(sessions_total));
	stat_row(r, "connections", STATS_GET(connections));
	stat_row(r, "statements", STATS_GET(statements));
	stat_row(r, "bytes_in", STATS_GET(bytes_in));
	stat_row(r, "bytes_out", STATS_GET(bytes_out));
	stat_row(r, "errors", STATS_GET(errors));
	stat_row(r, "protocol_errors", STATS_GET(protocol_errors));
	stat_row(r, "auth_failures", STATS_GET(auth_failures));
	stat_row(r, "cancels", STATS_GET(cancels));
	stat_row(r, "refused", STATS_GET(refused));
	stat_row(r, "queries_cache_hits", STATS_GET(queries_cache_hits));
	stat_row(r, "queries_cache_misses", STATS_GET(queries_cache_misses));
	stat_row(r, "queries_backend", STATS_GET(queries_backend));
	stat_row(r, "settings_checks", STATS_GET(settings_checks));
	stat_row(r, "in_process_hits", STATS_GET(in_process_hits));
	hitpath_stats hs = {0};
	cachesvc *hcs = adm_cache(a);
	if (hcs != NULL && cachesvc_hit_engine(hcs) != NULL)
		hitpath_get_stats(cachesvc_hit_engine(hcs), &hs);
	stat_row(r, "queries_parsed", (long long)hs.parses);
	stat_row(r, "query_shapes", (long long)hs.plans);
	stat_row(r, "query_shapes_evicted", (long long)hs.plans_evicted);
	stat_row(r, "session_statements", (long long)hs.session_statements);
	stat_row(r, "session_statements_evicted", (long long)hs.session_statements_evicted);
	memo_rows(r, "memo", &hs.memo);
	memo_stats bms = {0};
	backmemo_stats bxs = {0};
	if (hcs != NULL && cachesvc_backmemo(hcs) != NULL) {
		memo_get_stats(backmemo_memo(cachesvc_backmemo(hcs)), &bms);
		backmemo_get_stats(cachesvc_backmemo(hcs), &bxs);
	}
	memo_rows(r, "memo_backend", &bms);
	stat_row(r, "memo_backend_judged", (long long)bxs.judged);
	stat_row(r, "memo_backend_memoable", (long long)bxs.memoable);
	stat_row(r, "memo_backend_unsettled", (long long)bxs.unsettled);
	stat_row(r, "memo_backend_abandoned", (long long)bxs.abandoned);
	stat_row(r, "uptime_s", (long long)(time(NULL) - stats_started));
	stat_row(r, "cache_running", adm_cache(a) != NULL ? 1 : 0);
	cachesvc *cs = adm_cache(a);
	if (cs != NULL) {
		cachesvc_counters c;
		cachesvc_get_counters(cs, &c);
		stat_row(r, "cache_fills_queued", (long long)c.fills_queued);
		stat_row(r, "cache_fills_done", (long long)c.fills_done);
		stat_row(r, "cache_fills_failed", (long long)c.fills_failed);
		stat_row(r, "cache_fills_retried", (long long)c.fills_retried);
		stat_row(r, "cache_fills_refused", (long long)c.fills_refused);
		stat_row(r, "cache_fills_posted", (long long)c.fills_posted);
		stat_row(r, "cache_fills_queue_full", (long long)c.fills_queue_full);
		stat_row(r, "cache_fill_queue", (long long)c.queue_length);
		stat_row(r, "cache_fill_ms", (long long)c.fill_ms);
		stat_row(r, "cache_rows_loaded", (long long)c.rows_loaded);
		stat_row(r, "cache_evictions", (long long)c.evictions);
		stat_row(r, "cache_rows_evicted", (long long)c.rows_evicted);
		stat_row(r, "cache_invalidations", (long long)c.invalidations);
		stat_row(r, "cache_invalidations_applied", (long long)c.invalidations_applied);
		stat_row(r, "cache_invalidation_evictions", (long long)c.invalidation_evictions);
		stat_row(r, "cache_invalidation_failures", (long long)c.invalidation_failures);
		stat_row(r, "cache_reload_failures", (long long)c.reload_failures);
		stat_row(r, "cache_hits_posted", (long long)c.hits_posted);
		stat_row(r, "cache_hits_applied", (long long)c.hits_applied);
		stat_row(r, "cache_hits_overflow", (long long)c.hits_overflow);
		stat_row(r, "cache_rows", (long long)c.cache_rows);
		stat_row(r, "cache_bytes", (long long)c.cache_bytes);
		replica_counters rc;
		char why[CB_ERROR_MAX];
		bool streaming = cachesvc_stream(cs, &rc, why, sizeof(why));
		stat_row(r, "repl_stream", streaming ? 1 : 0);
		stat_row(r, "repl_stream_healthy", streaming && rc.healthy ? 1 : 0);
		stat_row(r, "cache_answers", cachesvc_answers(cs) ? 1 : 0);
		stat_row(r, "repl_ddl_triggers", cachesvc_ddl_triggers(cs) ? 1 : 0);
		if (streaming) {
			stat_row(r, "repl_applied_lsn", (long long)rc.applied_lsn);
			stat_row(r, "repl_lag_bytes", (long long)rc.lag_bytes);
			stat_row(r, "repl_lag_ms", (long long)rc.lag_ms);
			stat_row(r, "repl_transactions", (long long)rc.transactions);
			stat_row(r, "repl_apply_commits", (long long)rc.apply_commits);
			stat_row(r, "repl_messages", (long long)rc.messages);
			stat_row(r, "repl_changes_applied", (long long)rc.changes);
			stat_row(r, "repl_rows_written", (long long)rc.rows_written);
			stat_row(r, "repl_rows_deleted", (long long)rc.rows_deleted);
			stat_row(r, "repl_rows_not_needed", (long long)rc.rows_not_needed);
			stat_row(r, "repl_control_evictions", (long long)rc.control_evictions);
			stat_row(r, "repl_invalidations", (long long)rc.invalidations);
			stat_row(r, "repl_schema_changes", (long long)rc.schema_changes);
			stat_row(r, "repl_failures", (long long)rc.failures);
			stat_row(r, "repl_reconnects", (long long)rc.reconnects);
			stat_row(r, "repl_slots_lost", (long long)rc.slots_lost);
			stat_row(r, "repl_fences", (long long)rc.fences_up);
			stat_row(r, "repl_fences_made", (long long)rc.fences_made);
			stat_row(r, "repl_fences_coalesced", (long long)rc.fences_coalesced);
			stat_row(r, "repl_commit_holds", (long long)rc.holds_made);
			stat_row(r, "repl_commit_hold_timeouts", (long long)rc.hold_timeouts);
			stat_row(r, "repl_syncs", (long long)rc.syncs);
			stat_row(r, "repl_sync_requests", (long long)rc.sync_requests);
		}
		const gate_stats *gs = cachesvc_gate_stats(cs);
		stat_row(r, "reader_gate_open", gs != NULL && atomic_load(&gs->open) ? 1 : 0);
		stat_row(r, "reader_gate_opens", gs != NULL ? (long long)atomic_load(&gs->opens) : 0);
		stat_row(r, "reader_gate_closes", gs != NULL ? (long long)atomic_load(&gs->closes) : 0);
		stat_row(r, "reader_gate_failures", gs != NULL ? (long long)atomic_load(&gs->failures) : 0);
		const hitsock_stats *ks = cachesvc_hitsock_stats(cs);
		stat_row(r, "in_process_reports", ks != NULL ? (long long)atomic_load(&ks->reports) : 0);
		stat_row(r, "in_process_report_hits", ks != NULL ? (long long)atomic_load(&ks->hits) : 0);
		stat_row(r, "in_process_reports_rejected", ks != NULL ? (long long)atomic_load(&ks->rejected) : 0);
		stat_row(r, "in_process_fills", ks != NULL ? (long long)atomic_load(&ks->fills) : 0);
		stat_row(r, "in_process_syncs", ks != NULL ? (long long)atomic_load(&ks->syncs) : 0);
		stat_row(r, "in_process_fences", ks != NULL ? (long long)atomic_load(&ks->fences) : 0);
	}
	put_status(r, true, "%s", "");
}

static void session_row(const sess_info *i, void *arg)
{
	adm_reply *r = arg;
	char id[24], pid[16], conn[24], st[24], bi[24], bo[24];
	snprintf(id, sizeof(id), "%llu", (unsigned long long)i->id);
	snprintf(pid, sizeof(pid), "%d", i->backend_pid);
	snprintf(conn, sizeof(conn), "%lld", i->connected_s);
	snprintf(st, sizeof(st), "%lld", i->statements);
	snprintf(bi, sizeof(bi), "%lld", i->bytes_in);
	snprintf(bo, sizeof(bo), "%lld", i->bytes_out);
	put_row(r, 11, id, i->user, i->database, i->client, i->state, pid, conn, st, bi, bo,
	        i->in_process ? "on" : "off");
}

static void cmd_show_sessions(adm_server *a, const char *args, adm_reply *r)
{
	(void)a;
	(void)args;
	static const char *const cols[] = {"id",       "user",        "database",    "client",
	                                   "state",    "backend_pid", "connected_s", "statements",
	                                   "bytes_in", "bytes_out",   "in_process",  NULL};
	put_columns(r, cols);
	sess_foreach(session_row, r);
	put_status(r, true, "%s", "");
}

static void cmd_show_config(adm_server *a, const char *args, adm_reply *r)
{
	(void)args;
	static const char *const cols[] = {"key", "value", "changes_on", NULL};
	put_columns(r, cols);
	const cfg_config *cfg = a->hooks.config();
	char v[4096];
	for (size_t i = 0; i < cfg_key_count(); i++)
		put_row(r, 3, cfg_key_name(i), cfg_key_value(cfg, i, v, sizeof(v)),
		        cfg_key_reloadable(i) ? "reload" : "restart");
	put_status(r, true, "%s", "");
}

static void cmd_reload(adm_server *a, const char *args, adm_reply *r)
{
	(void)args;
	cb_error err;
	const char *why = "";
	if (!a->hooks.reload(&err))
		put_status(r, false, "reload failed, the old configuration stays: %s", err.msg);
	else if (a->hooks.cache_error != NULL && (why = a->hooks.cache_error())[0] != '\0')
		put_status(r, false,
		           "reloaded %s, but the cache still does not start (cbcached relays every statement): %s",
		           a->hooks.config()->path, why);
	else
		put_status(r, true, "reloaded %s", a->hooks.config()->path);
}

static void cmd_shutdown(adm_server *a, const char *args, adm_reply *r)
{
	(void)args;
	put_status(r, true, "shutting down");
	a->hooks.shutdown();
}

/* Split "table.column value" into two words; false after an error reply. */
static bool fill_args(adm_reply *r, const char *cmd, const char *args, char *name, size_t nlen, char *value,
                      size_t vlen)
{
	if (!adm_split_fill_args(args, name, nlen, value, vlen)) {
		put_status(r, false, "usage: %s table.column value (for example: %s regisseur.id 1)", cmd, cmd);
		return false;
	}
	return true;
}

static void cmd_fill(adm_server *a, const char *args, adm_reply *r)
{
	cachesvc *cs = adm_need_cache(a, r);
	char name[256], value[1024];
	if (cs == NULL || !fill_args(r, "FILL", args, name, sizeof(name), value, sizeof(value)))
		return;
	cb_error err;
	bool merged = false;
	if (!cachesvc_fill(cs, name, value, &merged, &err))
		put_status(r, false, "FILL %s %s refused: %s", name, value, err.msg);
	else
		put_status(r, true, "%s %s %s", name, value,
		           merged ? "is already queued" : "queued (SHOW FILLS shows when it is done)");
}

static void cmd_evict(adm_server *a, const char *args, adm_reply *r)
{
	cachesvc *cs = adm_need_cache(a, r);
	char name[256], value[1024];
	if (cs == NULL || !fill_args(r, "EVICT", args, name, sizeof(name), value, sizeof(value)))
		return;
	cb_error err;
	bool found = false;
	if (!cachesvc_evict(cs, name, value, &found, &err))
		put_status(r, false, "EVICT %s %s failed: %s", name, value, err.msg);
	else
		put_status(r, true, "%s %s %s", name, value, found ? "evicted" : "was not loaded");
}

static void cmd_evict_all(adm_server *a, const char *args, adm_reply *r)
{
	(void)args;
	cachesvc *cs = adm_need_cache(a, r);
	cb_error err;
	if (cs == NULL)
		return;
	if (!cachesvc_evict_all(cs, &err))
		put_status(r, false, "EVICT ALL failed: %s", err.msg);
	else
		put_status(r, true, "every fill value evicted (complete tables stay)");
}

static void verify_row(void *arg, const verify_violation *v)
{
	put_row(arg, 6, v->group, v->constraint, v->value != NULL ? v->value : "", v->what, v->row,
	        v->cached != NULL ? v->cached : "");
}

static void cmd_verify(adm_server *a, const char *args, adm_reply *r)
{
	(void)args;
	cachesvc *cs = adm_need_cache(a, r);
	if (cs == NULL)
		return;
	static const char *const cols[] = {"group", "constraint", "value", "problem", "row", "cached", NULL};
	put_columns(r, cols);
	cb_error err;
	long n = cachesvc_verify(cs, verify_row, r, &err);
	if (n < 0)
		put_status(r, false, "VERIFY could not run: %s", err.msg);
	else if (n > 0)
		put_status(r, false, "%ld violation%s: the cache differs from the backend (rows above)", n,
		           n == 1 ? "" : "s");
	else
		put_status(r, true, "the cache is valid");
}

static void ms_text(char *buf, size_t len, int64_t us)
{
	snprintf(buf, len, "%lld.%03lld", (long long)(us / 1000), (long long)(us % 1000));
}

static void fills_queued_row(void *arg, size_t group, size_t fill, const char *value, int attempts, bool in_flight)
{
	void **p = arg;
	adm_reply *r = p[0];
	char name[300], att[16];
	cachesvc_fill_name(p[1], group, fill, name, sizeof(name));
	snprintf(att, sizeof(att), "%d", attempts);
	put_row(r, 8, in_flight ? "running" : "queued", name, value, att, "", "", "", "");
}

static void cmd_show_fills(adm_server *a, const char *args, adm_reply *r)
{
	(void)args;
	cachesvc *cs = adm_need_cache(a, r);
	if (cs == NULL)
		return;
	static const char *const cols[] = {"state",       "fill_column", "value", "attempts", "rows",
	                                   "duration_ms", "age_s",       "error", NULL};
	put_columns(r, cols);
	void *p[2] = {r, cs};
	fill_queue_foreach(cachesvc_fill_daemon(cs), fills_queued_row, p);
	fill_recent rec[FILL_RECENT_MAX];
	size_t n = fill_get_recent(cachesvc_fill_daemon(cs), rec, FILL_RECENT_MAX);
	int64_t now = cb_clock_now_us();
	for (size_t i = 0; i < n; i++) {
		char name[300], rows[24], dur[32], age[24];
		cachesvc_fill_name(cs, rec[i].group, rec[i].fill, name, sizeof(name));
		snprintf(rows, sizeof(rows), "%llu", (unsigned long long)rec[i].rows);
		ms_text(dur, sizeof(dur), rec[i].duration_us);
		snprintf(age, sizeof(age), "%lld", (long long)((now - rec[i].finished_us) / 1000000));
		const char *state = rec[i].result == FILL_OK        ? "done"
		                    : rec[i].result == FILL_REFUSED ? "refused"
		                                                    : "failed";
		put_row(r, 8, state, name, rec[i].value, "", rows, dur, age, rec[i].error);
	}
	put_status(r, true, "%s", "");
}

typedef struct controls_arg {
	adm_reply *r;
	cachesvc *cs;
	int64_t now;
} controls_arg;

static void controls_row(void *arg, size_t group, size_t fill, int64_t values, int64_t hits, int64_t oldest_us)
{
	controls_arg *c = arg;
	char name[300], v[24], h[24], age[24];
	cachesvc_fill_name(c->cs, group, fill, name, sizeof(name));
	snprintf(v, sizeof(v), "%lld", (long long)values);
	snprintf(h, sizeof(h), "%lld", (long long)hits);
	if (oldest_us > 0)
		snprintf(age, sizeof(age), "%lld", (long long)((c->now - oldest_us) / 1000000));
	else
		age[0] = '\0';
	put_row(c->r, 4, name, v, h, age);
}

static void cmd_show_controls(adm_server *a, const char *args, adm_reply *r)
{
	(void)args;
	cachesvc *cs = adm_need_cache(a, r);
	if (cs == NULL)
		return;
	static const char *const cols[] = {"fill_column", "values_loaded", "hits", "oldest_access_s", NULL};
	put_columns(r, cols);
	controls_arg c = {r, cs, cb_clock_now_us()};
	cb_error err;
	if (!cachesvc_controls(cs, controls_row, &c, &err))
		put_status(r, false, "SHOW CONTROLS failed: %s", err.msg);
	else
		put_status(r, true, "%s", "");
}

static void shape_row(void *arg, const hitpath_plan_info *i)
{
	adm_reply *r = arg;
	char ex[24], h[24], mh[24], m[24], b[24];
	snprintf(ex, sizeof(ex), "%llu", (unsigned long long)i->executions);
	snprintf(h, sizeof(h), "%llu", (unsigned long long)i->hits);
	snprintf(mh, sizeof(mh), "%llu", (unsigned long long)i->memo_hits);
	snprintf(m, sizeof(m), "%llu", (unsigned long long)i->misses);
	snprintf(b, sizeof(b), "%llu", (unsigned long long)i->backend);
	put_row(r, 7, i->key, ex, h, mh, m, b, i->reason);
}

static void cmd_show_queries(adm_server *a, const char *args, adm_reply *r)
{
	(void)args;
	cachesvc *cs = adm_need_cache(a, r);
	if (cs == NULL)
		return;
	hitpath_engine *e = cachesvc_hit_engine(cs);
	if (e == NULL) {
		put_status(r, false, "%s", "the hit path is not running: see the log of cbcached's start");
		return;
	}
	static const char *const cols[] = {"query",        "executions", "cache_hits", "memo_hits",
	                                   "cache_misses", "backend",    "reason",     NULL};
	put_columns(r, cols);
	hitpath_foreach_plan(e, shape_row, r);
	put_status(r, true, "%s", "");
}

/* WAIT FILLS [ms]: until no invalidation is pending, the fill queue is empty and no fill runs (tests, scripts). */
static void cmd_wait_fills(adm_server *a, const char *args, adm_reply *r)
{
	cachesvc *cs = adm_need_cache(a, r);
	if (cs == NULL)
		return;
	long ms = 10000;
	while (isspace((unsigned char)*args))
		args++;
	if (!adm_parse_wait_ms(args, &ms)) {
		put_status(r, false, "WAIT FILLS takes a timeout in milliseconds (0 to 600000), not \"%s\"", args);
		return;
	}
	if (cachesvc_wait_idle(cs, (int)ms))
		put_status(r, true, "%s", "the fill queue is empty and no invalidation is pending");
	else
		put_status(r, false,
		           "fills or invalidations still pending after %ld ms (%zu fill requests): see SHOW FILLS and "
		           "cache_invalidations in SHOW STATS",
		           ms, fill_queue_length(cachesvc_fill_daemon(cs)));
}

static void lsn_text(uint64_t lsn, char *buf, size_t n)
{
	snprintf(buf, n, "%X/%X", (unsigned)(lsn >> 32), (unsigned)lsn);
}

/* SHOW REPLICATION: the change stream's slot and positions, one row. */
static void cmd_show_replication(adm_server *a, const char *args, adm_reply *r)
{
	(void)args;
	cachesvc *cs = adm_need_cache(a, r);
	if (cs == NULL)
		return;
	replica_counters c;
	char why[CB_ERROR_MAX];
	if (!cachesvc_stream(cs, &c, why, sizeof(why))) {
		put_status(r, false, "this cbcached runs without a change stream: %s", why);
		return;
	}
	static const char *const cols[] = {"slot",         "state",         "healthy",        "applied_lsn",
	                                   "received_lsn", "confirmed_lsn", "server_wal_end", "lag_bytes",
	                                   "lag_ms",       "ddl_triggers",  "last_error",     NULL};
	put_columns(r, cols);
	char slot[80], ap[24], rc[24], cf[24], se[24], lb[24], lm[24];
	cachesvc_slot_name(cs, slot, sizeof(slot));
	lsn_text(c.applied_lsn, ap, sizeof(ap));
	lsn_text(c.received_lsn, rc, sizeof(rc));
	lsn_text(c.confirmed_lsn, cf, sizeof(cf));
	lsn_text(c.server_wal_end, se, sizeof(se));
	snprintf(lb, sizeof(lb), "%lld", (long long)c.lag_bytes);
	snprintf(lm, sizeof(lm), "%lld", (long long)c.lag_ms);
	put_row(r, 11, slot, c.state, c.healthy ? "yes" : "no", ap, rc, cf, se, lb, lm,
	        cachesvc_ddl_triggers(cs) ? "installed" : "missing", why);
	put_status(r, true, "%s", "");
}

/* DROP SLOT: stop the change stream for good and drop its slot and publication. */
static void cmd_drop_slot(adm_server *a, const char *args, adm_reply *r)
{
	(void)args;
	cachesvc *cs = adm_need_cache(a, r);
	if (cs == NULL)
		return;
	char msg[1000];
	cb_error err;
	if (cachesvc_drop_slot(cs, msg, sizeof(msg), &err))
		put_status(r, true, "%s", msg);
	else
		put_status(r, false, "DROP SLOT: %s", err.msg);
}

/* The handlers of the commands (src/admparse.h reads which command a line is). */
static void (*const adm_handlers[ADM_NCOMMANDS])(adm_server *a, const char *args, adm_reply *r) = {
        [ADM_SHOW_STATS] = cmd_show_stats,
        [ADM_SHOW_SESSIONS] = cmd_show_sessions,
        [ADM_SHOW_CONFIG] = cmd_show_config,
        [ADM_SHOW_FILLS] = cmd_show_fills,
        [ADM_SHOW_CONTROLS] = cmd_show_controls,
        [ADM_SHOW_QUERIES] = cmd_show_queries,
        [ADM_SHOW_REPLICATION] = cmd_show_replication,
        [ADM_DROP_SLOT] = cmd_drop_slot,
        [ADM_RELOAD] = cmd_reload,
        [ADM_SHUTDOWN] = cmd_shutdown,
        [ADM_EVICT_ALL] = cmd_evict_all,
        [ADM_VERIFY] = cmd_verify,
        [ADM_WAIT_FILLS] = cmd_wait_fills,
        [ADM_FILL] = cmd_fill,
        [ADM_EVICT] = cmd_evict,
};

void adm_execute(adm_server *a, const char *line, adm_reply *r)
{
	adm_line l;
	if (!adm_parse_line(line, &l))
		return; /* empty line: no reply */
	if (l.cmd != ADM_UNKNOWN) {
		log_debug("admin: %s", l.norm);
		adm_handlers[l.cmd](a, l.args, r);
		return;
	}
	put_status(
	        r, false,
	        "unknown command \"%s\": the commands are SHOW STATS, SHOW SESSIONS, SHOW CONFIG, %sRELOAD, SHUTDOWN",
	        l.norm,
	        adm_cache(a) != NULL
	                ? "SHOW FILLS, SHOW CONTROLS, SHOW QUERIES, SHOW REPLICATION, FILL table.column "
	                  "value, EVICT table.column value, EVICT ALL, VERIFY, WAIT FILLS [ms], DROP SLOT, "
	                : "");
}

/* --- server ------------------------------------------------------------------- */

bool adm_open(const char *path, const adm_hooks *hooks, adm_server **out, cb_error *err)
{
	adm_server *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return cb_fail(err, "out of memory");
	a->path = strdup(path);
	a->hooks = *hooks;
	if (a->path == NULL || !lsn_unix(path, 0600, &a->lfd, err)) {
		if (a->path == NULL)
			cb_fail(err, "out of memory");
		free(a->path);
		free(a);
		return false;
	}
	*out = a;
	return true;
}

static void conn_close(adm_server *a, int i)
{
	adm_conn *c = &a->conns[i];
	close(c->fd);
	wire_buf_free(&c->in);
	wire_buf_free(&c->out.buf);
	a->conns[i] = a->conns[a->nconns - 1];
	memset(&a->conns[a->nconns - 1], 0, sizeof(adm_conn));
	a->nconns--;
}

void adm_close(adm_server *a)
{
	if (a == NULL)
		return;
	while (a->nconns > 0)
		conn_close(a, a->nconns - 1);
	close(a->lfd);
	unlink(a->path);
	free(a->path);
	free(a);
}

/*
 * End c gracefully: what is queued for it goes out, then our side is shut
 * down (the client reads the reply, then end of file), and what the
 * client still sends is read and thrown away until it closes or
 * ADM_LINGER_MS pass.  Closing with its input unread would reset the
 * connection instead, and a client still writing (a long line) would get
 * an error in place of the reply.
 */
static void conn_end(adm_conn *c)
{
	if (c->ending)
		return;
	c->ending = true;
	c->linger = cb_clock_mono_us() + (int64_t)ADM_LINGER_MS * 1000;
}

/* Connections served (not being ended): at most ADM_MAX_CONNS. */
static int conns_served(const adm_server *a)
{
	int n = 0;
	for (int i = 0; i < a->nconns; i++)
		n += !a->conns[i].ending;
	return n;
}

int adm_pollfds(adm_server *a, struct pollfd *fds, int max)
{
	int n = 0;
	if (n < max) {
		fds[n].fd = a->accept_pause == 0 ? a->lfd : -1;
		fds[n].events = POLLIN;
		fds[n++].revents = 0;
	}
	for (int i = 0; i < a->nconns && n < max; i++) {
		adm_conn *c = &a->conns[i];
		fds[n].fd = c->fd;
		fds[n].events = (short)((wire_buf_avail(&c->out.buf) > 0 ? POLLOUT : 0) | (c->eof ? 0 : POLLIN));
		fds[n++].revents = 0;
	}
	return n;
}

int adm_timeout_ms(const adm_server *a)
{
	int64_t next = a->accept_pause;
	for (int i = 0; i < a->nconns; i++)
		if (a->conns[i].ending && (next == 0 || a->conns[i].linger < next))
			next = a->conns[i].linger;
	if (next == 0)
		return -1;
	int64_t left = next - cb_clock_mono_us();
	return left <= 0 ? 0 : (int)((left + 999) / 1000);
}

/* Run every complete line in c->in; past ADM_MAX_LINE without a newline: an error, and c ends. */
static void conn_lines(adm_server *a, adm_conn *c)
{
	while (!c->ending && wire_buf_avail(&c->in) > 0) {
		char *start = c->in.data + c->in.start;
		size_t line_len, consumed;
		adm_line_end e = adm_next_line(start, wire_buf_avail(&c->in), &line_len, &consumed);
		if (e == ADM_LINE_TOO_LONG) {
			put_status(&c->out, false, "command line longer than %d bytes", ADM_MAX_LINE);
			conn_end(c);
			break;
		}
		if (e == ADM_LINE_INCOMPLETE)
			break;
		start[line_len] = '\0';
		adm_execute(a, start, &c->out);
		wire_buf_consume(&c->in, consumed);
	}
	if (c->ending)
		c->in.start = c->in.len = 0; /* the rest is thrown away */
}

/* Read what c's client sent and run its lines; false when c must close now. */
static bool conn_read(adm_server *a, adm_conn *c)
{
	if (!wire_buf_reserve(&c->in, 4096))
		return false;
	ssize_t r = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
	if (r > 0) {
		c->in.len += (size_t)r;
		conn_lines(a, c);
	} else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		c->eof = true;
	}
	return true;
}

/* Send what is queued for c without blocking, then shut our side if c ends; false when c broke. */
static bool conn_send(adm_conn *c)
{
	while (wire_buf_avail(&c->out.buf) > 0) {
		ssize_t w = send(c->fd, c->out.buf.data + c->out.buf.start, wire_buf_avail(&c->out.buf), MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		wire_buf_consume(&c->out.buf, (size_t)w);
	}
	if (c->ending && !c->shut) {
		(void)shutdown(c->fd, SHUT_WR);
		c->shut = true;
	}
	return true;
}

#define ADM_REFUSAL "too many admin connections: cbcached serves %d at once; close one and try again"

/* Accept a connection: served, or (past ADM_MAX_CONNS) told so and ended. */
static void adm_accept(adm_server *a)
{
	char peer[64];
	int fd = lsn_accept(a->lfd, peer, sizeof(peer));
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			log_warning("admin socket: cannot accept a connection (%s); trying again in %d ms",
			            strerror(errno), ADM_ACCEPT_PAUSE_MS);
			a->accept_pause = cb_clock_mono_us() + (int64_t)ADM_ACCEPT_PAUSE_MS * 1000;
		}
		return;
	}
	bool refuse = conns_served(a) >= ADM_MAX_CONNS;
	if (refuse && a->nconns == (int)CB_ARRAY_LEN(a->conns)) {
		/* no room even to end it gracefully: one try */
		char line[160];
		int n = snprintf(line, sizeof(line), "ERROR " ADM_REFUSAL "\n", ADM_MAX_CONNS);
		(void)send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	adm_conn *c = &a->conns[a->nconns++];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	if (refuse) {
		log_info("admin socket: a connection past the %d served at once refused", ADM_MAX_CONNS);
		put_status(&c->out, false, ADM_REFUSAL, ADM_MAX_CONNS);
		conn_end(c);
		(void)conn_send(c);
	}
}

void adm_serve(adm_server *a, const struct pollfd *fds, int n)
{
	if (n < 1)
		return;
	int64_t now = cb_clock_mono_us();
	/* connections first: their indexes match fds[1..] until one closes */
	for (int k = n - 1; k >= 1; k--) {
		int i = k - 1;
		if (i >= a->nconns || fds[k].fd != a->conns[i].fd)
			continue;
		adm_conn *c = &a->conns[i];
		bool drop = false;
		if (fds[k].revents & (POLLIN | POLLHUP | POLLERR))
			drop = !conn_read(a, c);
		if (!drop)
			drop = !conn_send(c);
		if (c->out.buf.failed || c->in.failed)
			drop = true;
		if (drop || (c->eof && wire_buf_avail(&c->out.buf) == 0))
			conn_close(a, i);
	}
	for (int i = a->nconns - 1; i >= 0; i--)
		if (a->conns[i].ending && now >= a->conns[i].linger)
			conn_close(a, i);
	if (a->accept_pause != 0 && now >= a->accept_pause)
		a->accept_pause = 0;
	if (fds[0].revents & POLLIN)
		adm_accept(a);
}
