/*
 * inproc.c - hits in the application's process (see the DESIGN in
 * inproc.h).
 *
 * Functions prefix: inproc_
 */
#include "odbc-driver/inproc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cachegroup/cachegroup.h"
#include "common/clock.h"
#include "common/sb.h"
#include "hit/hitpath.h"
#include "hit/hitreport.h"
#include "hit/sesscheck.h"
#include "hit/wire.h"
#include "sql/stmtclass.h"

/* The compiled groups of one cache file, and their engine: shared by the process's connections to it. */
typedef struct engine {
	struct engine *next;
	char *path;
	char fingerprint[17];
	char collation_locale[128]; /* the meta's: text ordered under it (hitpath_settings) */
	bool enum_columns;          /* the meta's: enum columns answered (hitpath_settings) */
	cg_group **groups;
	size_t ngroups;
	size_t ntables[SQLFE_STMTCLASS_MAX_GROUPS];
	char *check_sql;     /* hit/sesscheck.h */
	char **check_params; /* per table: its quoted name, its OID */
	Oid *check_types;
	int ncheck_params;
	hitpath_engine *hp;
	int refs;
	bool stale; /* a newer engine of the same file replaced it: freed when its last connection goes */
	struct sockaddr_un hits_to; /* cbcached's socket for hit reports (hit/hitreport.h) */
	socklen_t hits_len;         /* 0: the path does not fit, none are sent */
} engine;

static pthread_mutex_t engines_lock = PTHREAD_MUTEX_INITIALIZER;
static engine *engines; /* under engines_lock */

struct inproc {
	engine *e;
	hitpath_conn *hc;
	/*
	 * The read transaction hc keeps from an answer (hitpath_settings.hold_us):
	 * lock is held while the connection's thread uses hc and while the keeper
	 * thread ends a kept transaction; held_since is when the kept one began
	 * (0: none), read by the keeper without the lock.
	 */
	pthread_mutex_t lock;
	_Atomic int64_t held_since;
	struct inproc *keep_next; /* the keeper's list, under keep_lock */
	bool checked;             /* the settings check's row is current */
	uint64_t checked_gen;     /* the file's ddl_generation before that check ran */
	sesscheck_row row;
	wire_buf out;
	char reason[1024];
	/* inproc_go_direct: what is not answered here goes to the connection's own backend connection */
	bool direct;
	int commit_wait_ms;      /* how long a commit waits for the change stream (cbcache.commit_wait_ms) */
	bool wrote;              /* a statement that may write was sent since the last transaction ended */
	bool txn_open;           /* the backend's transaction status after the last exchange was not idle */
	bool txn_reads;          /* the open transaction may be answered from the cache (see inproc_done) */
	bool missed;             /* the statement being sent is a read the cache could answer (a miss) */
	uint64_t synced_min;     /* the sync stamp this connection's last write waits for (0: none) */
	int64_t synced_asked_us; /* when a sync was last asked for it */
};

/* The stamp of the process's last write on a direct connection: no connection answers before the file has it. */
static _Atomic uint64_t proc_synced_min;

/* --- tracing ------------------------------------------------------------------------- */

static pthread_once_t trace_once = PTHREAD_ONCE_INIT;
static bool trace_on;

static void trace_init(void)
{
	const char *v = getenv("CBCACHE_INPROC_TRACE");
	trace_on = v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

void inproc_trace(const char *fmt, ...)
{
	pthread_once(&trace_once, trace_init);
	if (!trace_on)
		return;
	char line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "cbcacheodbc[%d]: %s\n", (int)getpid(), line);
}

/* --- the file's meta rows ------------------------------------------------------------ */

typedef struct meta {
	char fingerprint[17];
	char cache_id[33];
	char fill_timezone[64];
	bool collation_c, have_collation;
	char collation_locale[128];
	bool enum_columns;
	size_t ngroups;
	char **names, **sources; /* [ngroups] */
} meta;

static void meta_free(meta *m)
{
	for (size_t i = 0; i < m->ngroups; i++) {
		free(m->names != NULL ? m->names[i] : NULL);
		free(m->sources != NULL ? m->sources[i] : NULL);
	}
	free(m->names);
	free(m->sources);
	memset(m, 0, sizeof(*m));
}

/* Index i of "<prefix>i" in key, or -1. */
static long meta_index(const char *key, const char *prefix, size_t n)
{
	size_t pl = strlen(prefix);
	if (strncmp(key, prefix, pl) != 0 || key[pl] == '\0')
		return -1;
	char *end;
	unsigned long i = strtoul(key + pl, &end, 10);
	return *end == '\0' && i < n ? (long)i : -1;
}

/* Read what compiling the file's groups needs, in one read transaction. */
static bool meta_read(const char *path, meta *m, char *why, size_t cap)
{
	memset(m, 0, sizeof(*m));
	sqlite3 *lite = NULL;
	sqlite3_stmt *st = NULL;
	bool ok = false;
	if (sqlite3_open_v2(path, &lite, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(why, cap,
		         "cannot open the cache file %s: %s (the application's user must be able to read it: see "
		         "cache_file_group in doc/config.md)",
		         path, lite != NULL ? sqlite3_errmsg(lite) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(lite, 5000);
	if (sqlite3_exec(lite, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(lite, "SELECT \"key\", \"value\" FROM \"" CG_META_TABLE "\"", -1, &st, NULL) !=
	            SQLITE_OK) {
		snprintf(why, cap, "cannot read the cache file %s: %s", path, sqlite3_errmsg(lite));
		goto out;
	}
	/* the count first: the groups' keys are read in a second pass */
	for (int pass = 0; pass < 2; pass++) {
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *k = (const char *)sqlite3_column_text(st, 0);
			const char *v = (const char *)sqlite3_column_text(st, 1);
			if (k == NULL || v == NULL)
				continue;
			long i;
			if (pass == 0) {
				if (strcmp(k, CG_META_FINGERPRINT) == 0)
					snprintf(m->fingerprint, sizeof(m->fingerprint), "%s", v);
				else if (strcmp(k, CG_META_CACHE_ID) == 0)
					snprintf(m->cache_id, sizeof(m->cache_id), "%s", v);
				else if (strcmp(k, CG_META_FILL_TIMEZONE) == 0)
					snprintf(m->fill_timezone, sizeof(m->fill_timezone), "%s", v);
				else if (strcmp(k, CG_META_COLLATION_C) == 0) {
					m->collation_c = strcmp(v, "t") == 0;
					m->have_collation = true;
				} else if (strcmp(k, CG_META_COLLATION_LOCALE) == 0) {
					snprintf(m->collation_locale, sizeof(m->collation_locale), "%s", v);
				} else if (strcmp(k, CG_META_ENUM_COLUMNS) == 0) {
					m->enum_columns = strcmp(v, "t") == 0;
				} else if (strcmp(k, CG_META_GROUPS) == 0)
					m->ngroups = strtoul(v, NULL, 10);
			} else if ((i = meta_index(k, CG_META_GROUP_NAME, m->ngroups)) >= 0) {
				free(m->names[i]);
				m->names[i] = strdup(v);
			} else if ((i = meta_index(k, CG_META_GROUP_SOURCE, m->ngroups)) >= 0) {
				free(m->sources[i]);
				m->sources[i] = strdup(v);
			}
		}
		if (rc != SQLITE_DONE) {
			snprintf(why, cap, "cannot read the cache file %s: %s", path, sqlite3_errmsg(lite));
			goto out;
		}
		sqlite3_reset(st);
		if (pass == 0) {
			if (m->ngroups == 0 || m->ngroups > SQLFE_STMTCLASS_MAX_GROUPS || m->fingerprint[0] == '\0' ||
			    !m->have_collation || m->fill_timezone[0] == '\0') {
				snprintf(why, cap,
				         "the cache file %s does not say which cache groups it holds (written by an "
				         "older cbcached, or not started yet)",
				         path);
				m->ngroups = 0;
				goto out;
			}
			m->names = calloc(m->ngroups, sizeof(char *));
			m->sources = calloc(m->ngroups, sizeof(char *));
			if (m->names == NULL || m->sources == NULL) {
				snprintf(why, cap, "out of memory");
				goto out;
			}
		}
	}
	for (size_t i = 0; i < m->ngroups; i++)
		if (m->names[i] == NULL || m->sources[i] == NULL) {
			snprintf(why, cap, "the cache file %s lacks the text of cache group %zu", path, i);
			goto out;
		}
	ok = true;
out:
	sqlite3_finalize(st);
	if (lite != NULL)
		sqlite3_exec(lite, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(lite);
	if (!ok)
		meta_free(m);
	return ok;
}

/* --- kept read transactions ---------------------------------------------------------- */

/*
 * An answer's read transaction is kept for the connection's next
 * statements for up to INPROC_HOLD_US (hitpath_settings.hold_us: it saves
 * SQLite's lock system calls per statement).  A kept transaction holds
 * back cbcached's checkpoints of the file, so one that is not used again
 * in time is ended by the keeper: one thread of the process, started with
 * the first connection, that sleeps while no connection keeps one and
 * otherwise looks every INPROC_HOLD_US.  It never waits for a connection
 * that is busy (trylock): that connection's next statement ends or renews
 * its own.
 *
 * Arming without a lock on the hit path: a connection stores held_since,
 * then reads keep_armed, and wakes the keeper only when it is off; the
 * keeper clears keep_armed, then reads every held_since.  With both in
 * sequentially consistent order, either the keeper sees the transaction
 * or the connection sees the keeper off and wakes it.
 */
#define INPROC_HOLD_US 1000

/* The hold: INPROC_HOLD_US, or the environment's CBCACHE_INPROC_HOLD_US (0: none; doc/odbc.md). */
static pthread_once_t hold_once = PTHREAD_ONCE_INIT;
static unsigned hold_us = INPROC_HOLD_US;

static void hold_init(void)
{
	const char *v = getenv("CBCACHE_INPROC_HOLD_US");
	char *end;
	unsigned long n = v != NULL && v[0] != '\0' ? strtoul(v, &end, 10) : 0;
	if (v != NULL && v[0] != '\0' && *end == '\0' && n <= 60000000UL)
		hold_us = (unsigned)n;
	else if (v != NULL && v[0] != '\0')
		inproc_trace("CBCACHE_INPROC_HOLD_US=%s is not a number of microseconds up to 60000000: %u is used", v,
		             hold_us);
}

static pthread_mutex_t keep_lock = PTHREAD_MUTEX_INITIALIZER; /* keep_list and the keeper's state */
static pthread_cond_t keep_cond = PTHREAD_COND_INITIALIZER;
static inproc *keep_list;
static bool keep_started, keep_stop;
static pthread_t keep_thread;
static atomic_bool keep_armed;
static pthread_once_t keep_fork_once = PTHREAD_ONCE_INIT;

/* End the kept transactions older than INPROC_HOLD_US; true while any is kept (under keep_lock). */
static bool keep_sweep(void)
{
	bool any = false;
	int64_t now = cb_clock_mono_us();
	for (inproc *ip = keep_list; ip != NULL; ip = ip->keep_next) {
		int64_t since = atomic_load(&ip->held_since);
		if (since == 0)
			continue;
		if (now - since < (int64_t)hold_us || pthread_mutex_trylock(&ip->lock) != 0) {
			any = true;
			continue;
		}
		hitpath_conn_release(ip->hc);
		atomic_store(&ip->held_since, 0);
		pthread_mutex_unlock(&ip->lock);
	}
	return any;
}

static void *keep_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&keep_lock);
	while (!keep_stop) {
		if (!atomic_load(&keep_armed)) {
			pthread_cond_wait(&keep_cond, &keep_lock);
			continue;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t wait_us = hold_us < 1000000 ? hold_us : 1000000; /* long holds: looked at each second */
		ts.tv_nsec += (long)wait_us * 1000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&keep_cond, &keep_lock, &ts);
		if (keep_stop)
			break;
		atomic_store(&keep_armed, false);
		if (keep_sweep())
			atomic_store(&keep_armed, true);
	}
	pthread_mutex_unlock(&keep_lock);
	return NULL;
}

/* fork(): the child has no keeper (threads do not survive fork); its first connection starts one */
static void keep_fork_prepare(void)
{
	pthread_mutex_lock(&keep_lock);
}
static void keep_fork_parent(void)
{
	pthread_mutex_unlock(&keep_lock);
}
static void keep_fork_child(void)
{
	/* the parent's connections are not the child's to use (SQLite's and libpq's rule): the child's
	 * keeper never touches them */
	keep_list = NULL;
	keep_started = false;
	atomic_store(&keep_armed, false);
	pthread_mutex_unlock(&keep_lock);
}
static void keep_fork_init(void)
{
	(void)pthread_atfork(keep_fork_prepare, keep_fork_parent, keep_fork_child);
}

/* A connection joins the keeper's list (the keeper started when needed); false: no thread could start. */
static bool keep_add(inproc *ip)
{
	pthread_once(&keep_fork_once, keep_fork_init);
	pthread_mutex_lock(&keep_lock);
	bool ok = true;
	if (!keep_started) {
		keep_stop = false;
		ok = keep_started = pthread_create(&keep_thread, NULL, keep_main, NULL) == 0;
	}
	if (ok) {
		ip->keep_next = keep_list;
		keep_list = ip;
	}
	pthread_mutex_unlock(&keep_lock);
	return ok;
}

static void keep_remove(inproc *ip)
{
	pthread_mutex_lock(&keep_lock);
	for (inproc **pp = &keep_list; *pp != NULL; pp = &(*pp)->keep_next)
		if (*pp == ip) {
			*pp = ip->keep_next;
			break;
		}
	pthread_mutex_unlock(&keep_lock);
}

/* After the connection's statement (ip->lock held): note what hc keeps, and wake the keeper when it sleeps. */
static void keep_note(inproc *ip)
{
	int64_t since = hitpath_conn_held_since(ip->hc);
	atomic_store(&ip->held_since, since);
	if (since != 0 && !atomic_load(&keep_armed)) {
		pthread_mutex_lock(&keep_lock);
		atomic_store(&keep_armed, true);
		pthread_cond_signal(&keep_cond);
		pthread_mutex_unlock(&keep_lock);
	}
}

/* --- hit reports (hit/hitreport.h) ----------------------------------------------------- */

/* One socket of the process sends every thread's reports (never closed: a report may name any file). */
static pthread_once_t report_once = PTHREAD_ONCE_INIT;
static int report_fd = -1;

static void report_init(void)
{
	report_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/* The calling thread's report, to `to` (a copy: the engine it came from may go). */
typedef struct report_tl {
	hitreport r;
	struct sockaddr_un to;
	socklen_t tolen;
	int64_t sent_us; /* monotonic time of the last send */
} report_tl;
static _Thread_local report_tl tl;

#define REPORT_INTERVAL_US 100000 /* a report at least this often while hits are answered */
#define FENCE_WAIT_US 1000000     /* how long a commit whose sync wait ran out waits for cbcached's fence */

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Send the calling thread's report, if it holds anything; never waits (a full socket drops it).
 * False when it held something that did not go (no cbcached on the socket, or its buffer full). */
static bool report_flush(void)
{
	if (tl.r.len == 0 || !hitreport_pending(&tl.r))
		return true;
	size_t n = hitreport_finish(&tl.r);
	pthread_once(&report_once, report_init);
	bool sent = report_fd >= 0 && tl.tolen > 0 &&
	            sendto(report_fd, tl.r.buf, n, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&tl.to, tl.tolen) ==
	                    (ssize_t)n;
	hitreport_clear(&tl.r);
	tl.sent_us = mono_us();
	return sent;
}

/* The calling thread's report made e's (the other engine's report sent first). */
static void report_target(const engine *e)
{
	if (tl.r.len != 0 && hitreport_for(&tl.r, e->fingerprint) && tl.tolen == e->hits_len &&
	    memcmp(&tl.to, &e->hits_to, sizeof(tl.to)) == 0)
		return;
	report_flush();
	hitreport_begin(&tl.r, e->fingerprint);
	tl.to = e->hits_to;
	tl.tolen = e->hits_len;
}

/* hitpath's on_hit: an entry-point value an answer used. */
static void report_hit(void *arg, size_t group, size_t entry, const char *value)
{
	const engine *e = arg;
	if (e->hits_len == 0)
		return;
	report_target(e);
	if (!hitreport_add(&tl.r, (unsigned)group, (unsigned)entry, value) && strlen(value) <= HITREPORT_VALUE_MAX) {
		report_flush(); /* full */
		(void)hitreport_add(&tl.r, (unsigned)group, (unsigned)entry, value);
	}
}

/* --- engines --------------------------------------------------------------------------- */

static void engine_free(engine *e)
{
	if (e == NULL)
		return;
	hitpath_engine_free(e->hp);
	cg_groups_free(e->groups, e->ngroups);
	for (int i = 0; i < e->ncheck_params; i++)
		free(e->check_params[i]);
	free(e->check_params);
	free(e->check_types);
	free(e->check_sql);
	free(e->path);
	free(e);
}

/* The first diagnostic of a compile, into why. */
static void compile_why(const cg_diags *d, const char *path, char *why, size_t cap)
{
	if (d->n > 0)
		snprintf(why, cap, "compiling the cache groups of %s in the application's process failed: %s:%d:%d: %s",
		         path, d->items[0].file, d->items[0].line, d->items[0].col, d->items[0].msg);
	else
		snprintf(why, cap, "compiling the cache groups of %s in the application's process failed%s", path,
		         d->oom ? ": out of memory" : "");
}

/* The settings check's text and parameters for e's groups. */
static bool engine_check(engine *e)
{
	size_t n = 0;
	for (size_t g = 0; g < e->ngroups; g++) {
		if (e->groups[g]->ntables > 64)
			return false;
		e->ntables[g] = e->groups[g]->ntables;
		n += e->ntables[g];
	}
	if ((e->check_sql = sesscheck_sql(n)) == NULL ||
	    (e->check_params = calloc(2 * n + 1, sizeof(char *))) == NULL ||
	    (e->check_types = calloc(2 * n + 1, sizeof(Oid))) == NULL)
		return false;
	for (size_t g = 0; g < e->ngroups; g++)
		for (size_t t = 0; t < e->ntables[g]; t++) {
			cb_sb q;
			cb_sb_init(&q);
			cb_sb_ident(&q, e->groups[g]->tables[t].name);
			char *name = cb_sb_finish(&q);
			char oid[16];
			snprintf(oid, sizeof(oid), "%u", e->groups[g]->tables[t].oid);
			e->check_types[e->ncheck_params] = 25; /* text */
			e->check_params[e->ncheck_params++] = name;
			e->check_types[e->ncheck_params] = 26; /* oid */
			e->check_params[e->ncheck_params++] = strdup(oid);
			if (name == NULL || e->check_params[e->ncheck_params - 1] == NULL)
				return false;
		}
	return true;
}

/* Compile the file's groups over pg and build their engine; NULL with why. */
static engine *engine_build(PGconn *pg, const char *path, const meta *m, char *why, size_t cap)
{
	engine *e = calloc(1, sizeof(*e));
	cg_diags d = {0};
	if (e == NULL || (e->path = strdup(path)) == NULL ||
	    (e->groups = calloc(m->ngroups, sizeof(cg_group *))) == NULL) {
		snprintf(why, cap, "out of memory");
		goto fail;
	}
	bool ok = true;
	for (size_t i = 0; i < m->ngroups && ok; i++) {
		cg_group *g = cg_parse_buffer(m->names[i], m->sources[i], strlen(m->sources[i]), &d);
		if (g == NULL || d.n > 0) {
			cg_model_free(g);
			ok = false;
			break;
		}
		e->groups[e->ngroups++] = g;
	}
	ok = ok && cg_catalog_resolve(pg, e->groups, e->ngroups, &d);
	for (size_t i = 0; ok && i < e->ngroups; i++)
		ok = cg_graph_analyse(e->groups[i], &d) && cg_gen_generate(e->groups[i], &d);
	if (!ok) {
		compile_why(&d, path, why, cap);
		goto fail;
	}
	cg_gen_fingerprint(e->groups, e->ngroups, e->fingerprint);
	snprintf(e->collation_locale, sizeof(e->collation_locale), "%s", m->collation_locale);
	e->enum_columns = m->enum_columns;
	if (strcmp(e->fingerprint, m->fingerprint) != 0) {
		snprintf(
		        why, cap,
		        "the cache groups compiled in the application's process (fingerprint %s) are not those of the "
		        "cache file %s (%s): the backend's tables changed since cbcached compiled them, or a RELOAD is "
		        "under way",
		        e->fingerprint, path, m->fingerprint);
		goto fail;
	}
	if (!engine_check(e)) {
		snprintf(why, cap, "out of memory");
		goto fail;
	}
	e->hits_to.sun_family = AF_UNIX;
	int pl = snprintf(e->hits_to.sun_path, sizeof(e->hits_to.sun_path), "%s%s", path, HITREPORT_SOCKET_SUFFIX);
	if (pl > 0 && (size_t)pl < sizeof(e->hits_to.sun_path))
		e->hits_len = (socklen_t)sizeof(e->hits_to);
	pthread_once(&hold_once, hold_init);
	hitpath_settings hs = {.cache_path = path,
	                       .groups = e->groups,
	                       .ngroups = e->ngroups,
	                       .collation_c = m->collation_c,
	                       .collation_locale = m->collation_locale,
	                       .enum_columns = m->enum_columns,
	                       .fill_timezone = m->fill_timezone,
	                       .reader_fingerprint = e->fingerprint,
	                       .hold_us = hold_us,
	                       .on_hit = report_hit,
	                       .hit_arg = e};
	cb_error err = {{0}};
	if ((e->hp = hitpath_engine_new(&hs, &err)) == NULL) {
		snprintf(why, cap, "%s", err.msg);
		goto fail;
	}
	cg_diag_free(&d);
	return e;
fail:
	cg_diag_free(&d);
	engine_free(e);
	return NULL;
}

/*
 * The process's engine for the file at path (compiled on pg when there is
 * none for its fingerprint); a reference.  The file must carry cache_id,
 * the id cbcached sent: a file at that path that is another cache's (a
 * cbcached on another machine, another container) is not read.
 */
static engine *engine_get(PGconn *pg, const char *path, const char *cache_id, char *why, size_t cap)
{
	meta m;
	if (!meta_read(path, &m, why, cap))
		return NULL;
	if (strcmp(m.cache_id, cache_id) != 0) {
		snprintf(why, cap,
		         "the file %s here is not the cache of the cbcached connected to (its id %s, cbcached's %s): "
		         "cbcached runs on another machine or in another file system, or restarted since",
		         path, m.cache_id[0] != '\0' ? m.cache_id : "none", cache_id);
		meta_free(&m);
		return NULL;
	}
	pthread_mutex_lock(&engines_lock);
	engine *e;
	for (e = engines; e != NULL; e = e->next)
		if (!e->stale && strcmp(e->path, path) == 0 && strcmp(e->fingerprint, m.fingerprint) == 0 &&
		    strcmp(e->collation_locale, m.collation_locale) == 0 && e->enum_columns == m.enum_columns)
			break;
	if (e == NULL && (e = engine_build(pg, path, &m, why, cap)) != NULL) {
		/* the file was rebuilt for other groups: engines of its old groups go once unused */
		for (engine **pp = &engines; *pp != NULL;) {
			engine *o = *pp;
			if (strcmp(o->path, path) != 0) {
				pp = &o->next;
			} else if (o->refs == 0) {
				*pp = o->next;
				engine_free(o);
			} else {
				o->stale = true;
				pp = &o->next;
			}
		}
		e->next = engines;
		engines = e;
	}
	if (e != NULL)
		e->refs++;
	pthread_mutex_unlock(&engines_lock);
	meta_free(&m);
	return e;
}

/*
 * Drop a reference.  An engine stays for the process's next connection
 * (compiling costs catalog round trips) unless a newer engine of the same
 * file has replaced it (the file was rebuilt for other groups).
 */
static void engine_put(engine *e)
{
	pthread_mutex_lock(&engines_lock);
	if (--e->refs == 0 && e->stale) {
		for (engine **pp = &engines; *pp != NULL; pp = &(*pp)->next)
			if (*pp == e) {
				*pp = e->next;
				break;
			}
		engine_free(e);
	}
	pthread_mutex_unlock(&engines_lock);
}

/*
 * The driver unloaded (unixODBC closes a driver whose last connection
 * went): the process's engines and the report socket go with it.  An
 * engine still referenced (a connection the application never closed) is
 * left as it is.
 */
__attribute__((destructor)) static void inproc_unload(void)
{
	pthread_mutex_lock(&engines_lock);
	for (engine **pp = &engines; *pp != NULL;) {
		engine *e = *pp;
		if (e->refs == 0) {
			*pp = e->next;
			engine_free(e);
		} else {
			pp = &e->next;
		}
	}
	pthread_mutex_unlock(&engines_lock);
	if (report_fd >= 0)
		close(report_fd);
	report_fd = -1;
	/* the keeper runs this library's code: it ends before the library is unmapped */
	pthread_mutex_lock(&keep_lock);
	bool started = keep_started;
	keep_stop = true;
	keep_started = false;
	pthread_cond_signal(&keep_cond);
	pthread_mutex_unlock(&keep_lock);
	if (started)
		pthread_join(keep_thread, NULL);
}

/* --- connections ------------------------------------------------------------------------ */

inproc *inproc_attach(PGconn *pg, char *why, size_t cap)
{
	const char *on = PQparameterStatus(pg, "cbcache.in_process");
	const char *path = PQparameterStatus(pg, "cbcache.cache_file");
	const char *id = PQparameterStatus(pg, "cbcache.cache_id");
	if (on == NULL || ((path == NULL || id == NULL) && strcmp(on, "on") == 0)) {
		snprintf(why, cap, "the server is not a cbcached that offers in-process reads");
		return NULL;
	}
	if (strcmp(on, "on") != 0) {
		snprintf(why, cap, "cbcached does not offer in-process reads now (cbcache.in_process is %s)", on);
		return NULL;
	}
	inproc *ip = calloc(1, sizeof(*ip));
	if (ip == NULL) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	if ((ip->e = engine_get(pg, path, id, why, cap)) == NULL) {
		free(ip);
		return NULL;
	}
	cb_error err = {{0}};
	if ((ip->hc = hitpath_conn_new(ip->e->hp, &err)) == NULL) {
		snprintf(why, cap, "%s", err.msg);
		engine_put(ip->e);
		free(ip);
		return NULL;
	}
	pthread_mutex_init(&ip->lock, NULL);
	if (!keep_add(ip)) {
		snprintf(why, cap, "cannot start the thread that ends unused cache reads: out of resources");
		pthread_mutex_destroy(&ip->lock);
		hitpath_conn_free(ip->hc);
		engine_put(ip->e);
		free(ip);
		return NULL;
	}
	return ip;
}

void inproc_detach(inproc *ip)
{
	if (ip == NULL)
		return;
	report_flush();
	keep_remove(ip); /* the keeper no longer sees it: hc is this thread's alone */
	pthread_mutex_destroy(&ip->lock);
	hitpath_conn_free(ip->hc);
	engine_put(ip->e);
	wire_buf_free(&ip->out);
	free(ip);
}

/* A miss on a direct connection: cbcached never sees the statement, so the fills go with the report. */
static void post_fills(const engine *e, const hitpath_result *res)
{
	if (e->hits_len == 0)
		return;
	report_target(e);
	for (int i = 0; i < res->nfills; i++) {
		const hitpath_fill *f = &res->fills[i];
		if (!hitreport_add_fill(&tl.r, (unsigned)f->group, (unsigned)f->fill, f->value) &&
		    strlen(f->value) <= HITREPORT_VALUE_MAX) {
			report_flush(); /* full */
			(void)hitreport_add_fill(&tl.r, (unsigned)f->group, (unsigned)f->fill, f->value);
		}
	}
}

/* Ask cbcached for a sync (the report is sent at once); false when the request did not go. */
static bool ask_sync(inproc *ip)
{
	if (ip->e->hits_len == 0)
		return false;
	report_target(ip->e);
	if (!hitreport_add_sync(&tl.r)) {
		(void)report_flush();
		(void)hitreport_add_sync(&tl.r);
	}
	ip->synced_asked_us = mono_us();
	return report_flush();
}

/* Ask cbcached to fence every table until the stream passed a sync made after this (sent at once). */
static void ask_fence(inproc *ip)
{
	report_target(ip->e);
	if (!hitreport_add_fence(&tl.r)) {
		report_flush();
		(void)hitreport_add_fence(&tl.r);
	}
	report_flush();
}

/*
 * The file lacks the sync this process waits for: its request or its
 * answer may be lost (a full socket, cbcached restarted and the file's
 * stamp began again at 0), so ask again now and then; any later sync
 * carries a later stamp.
 */
static void ask_sync_again(inproc *ip)
{
	int64_t every = (ip->commit_wait_ms > 0 ? ip->commit_wait_ms : 100) * (int64_t)1000;
	if (mono_us() - ip->synced_asked_us >= every)
		(void)ask_sync(ip);
}

void inproc_settings_changed(inproc *ip)
{
	if (ip != NULL)
		ip->checked = false;
}

void inproc_sent(inproc *ip, const char *text, size_t len, bool std)
{
	if (ip == NULL || (!ip->checked && !ip->direct))
		return;
	sqlfe_stmtclass_tables none = {0};
	sqlfe_stmtclass_result r;
	sqlfe_stmtclass_classify(text, len, std, &none, &r);
	if (r.effects &
	    (SQLFE_STMTCLASS_SETTINGS | SQLFE_STMTCLASS_DDL | SQLFE_STMTCLASS_CALLS | SQLFE_STMTCLASS_WRITES_ALL))
		ip->checked = false;
	if (r.writes_some || (r.effects & (SQLFE_STMTCLASS_WRITES | SQLFE_STMTCLASS_WRITES_ALL | SQLFE_STMTCLASS_CALLS |
	                                   SQLFE_STMTCLASS_DDL | SQLFE_STMTCLASS_COPY)))
		ip->wrote = true;
}

void inproc_writes(inproc *ip)
{
	if (ip != NULL)
		ip->wrote = true;
}

bool inproc_can_go_direct(const inproc *ip, char *why, size_t cap)
{
	if (ip->e->hits_len == 0) {
		snprintf(why, cap, "cbcached's socket for reports (%s%s) cannot be addressed: its path is too long",
		         ip->e->path, HITREPORT_SOCKET_SUFFIX);
		return false;
	}
	return true;
}

void inproc_go_direct(inproc *ip, int commit_wait_ms)
{
	ip->direct = true;
	ip->commit_wait_ms = commit_wait_ms;
}

/* The stamp of a commit whose wait ran out: until the file has it, the stream is catching up. */
static _Atomic uint64_t proc_timed_out;

/* Whether the reader gate is open now, lease included (a read transaction of its own). */
static bool gate_open_now(inproc *ip)
{
	pthread_mutex_lock(&ip->lock);
	bool open = hitpath_conn_gate_open(ip->hc);
	keep_note(ip); /* it ended a kept read transaction */
	pthread_mutex_unlock(&ip->lock);
	return open;
}

/*
 * A transaction that may have written ended: ask for a sync and wait, up
 * to commit_wait_ms, for the file to have it (common/lease.h), so that
 * what the application does once it learns of the commit reads it, in
 * this process or any other (the wait also keeps writers at the pace of
 * the change stream).  Meanwhile the process answers nothing from a file
 * without the sync (synced_min).
 *  - A wait that runs out (the stream is behind by more than
 *    commit_wait_ms) asks cbcached to fence every table and returns once
 *    the gate is closed: until the stream caught up no process answers
 *    from the file, as after a commit cbcached held that long.
 *  - While the gate is closed after such a time out, a commit does not
 *    wait; it asks for a fence too, which keeps the gate closed until the
 *    stream has that commit.
 *  - When the request cannot be sent (no cbcached on the socket) nothing
 *    waits: nobody answers from the file, and a cbcached that starts
 *    again catches up before it opens the gate.
 */
static void commit_wait(inproc *ip)
{
	uint64_t t = (uint64_t)mono_us();
	ip->synced_min = t;
	uint64_t cur = atomic_load(&proc_synced_min);
	while (cur < t && !atomic_compare_exchange_weak(&proc_synced_min, &cur, t))
		;
	cb_gateword *gw = hitpath_engine_gateword(ip->e->hp);
	if (!ask_sync(ip) || ip->commit_wait_ms <= 0 || gw == NULL)
		return;
	uint64_t behind = atomic_load(&proc_timed_out);
	if (behind != 0 && cb_gateword_synced(gw) < behind && !gate_open_now(ip)) {
		ask_fence(ip);
		return;
	}
	if (cb_gateword_wait_synced(gw, t, (int64_t)t + (int64_t)ip->commit_wait_ms * 1000))
		return;
	atomic_store(&proc_timed_out, t);
	ask_fence(ip);
	int64_t until = mono_us() + FENCE_WAIT_US;
	while (cb_gateword_synced(gw) < t && mono_us() < until && gate_open_now(ip))
		usleep(100);
	inproc_trace("a commit was not in the cache file within %d ms (commit_wait_ms): cbcached was asked to "
	             "fence the cache until the change stream has it",
	             ip->commit_wait_ms);
}

void inproc_done(inproc *ip, PGconn *pg)
{
	if (ip == NULL || !ip->direct)
		return;
	bool missed = ip->missed;
	ip->missed = false;
	switch (PQtransactionStatus(pg)) {
	case PQTRANS_IDLE:
		ip->txn_open = ip->txn_reads = false;
		if (ip->wrote) {
			ip->wrote = false;
			commit_wait(ip);
		}
		break;
	case PQTRANS_INTRANS:
		/* begun by this exchange: inproc_select judged the BEGIN read committed before it found the miss */
		ip->txn_reads = missed && (ip->txn_reads || !ip->txn_open) && !ip->wrote;
		ip->txn_open = true;
		break;
	default: /* failed, or not idle after a whole exchange: nothing more from the cache in it */
		ip->txn_reads = false;
		ip->txn_open = true;
		break;
	}
}

/* Run the settings check on pg (the connection is idle): the file's DDL count first, then the check. */
static bool run_check(inproc *ip, PGconn *pg)
{
	cb_error err = {{0}};
	uint64_t gen;
	pthread_mutex_lock(&ip->lock);
	bool read = hitpath_conn_ddl_generation(ip->hc, &gen, &err);
	keep_note(ip);
	pthread_mutex_unlock(&ip->lock);
	if (!read) {
		snprintf(ip->reason, sizeof(ip->reason), "%.1000s", err.msg);
		return false;
	}
	engine *e = ip->e;
	PGresult *r = PQexecParams(pg, e->check_sql, e->ncheck_params, e->check_types,
	                           (const char *const *)e->check_params, NULL, NULL, 0);
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	if (ok) {
		int n = PQnfields(r);
		const char **vals = calloc((size_t)n + 1, sizeof(char *));
		int *lens = calloc((size_t)n + 1, sizeof(int));
		ok = vals != NULL && lens != NULL;
		for (int c = 0; ok && c < n; c++) {
			vals[c] = PQgetvalue(r, 0, c);
			lens[c] = PQgetisnull(r, 0, c) ? -1 : PQgetlength(r, 0, c);
		}
		ok = ok && sesscheck_read(vals, lens, n, e->ngroups, e->ntables, &ip->row);
		free(vals);
		free(lens);
	}
	if (!ok)
		snprintf(ip->reason, sizeof(ip->reason), "the settings check failed: %s",
		         PQresultStatus(r) == PGRES_TUPLES_OK ? "an unexpected row" : PQresultErrorMessage(r));
	PQclear(r);
	ip->checked = ok;
	ip->checked_gen = gen;
	return ok;
}

static bool param_is(PGconn *pg, const char *name, const char *value)
{
	const char *v = PQparameterStatus(pg, name);
	return v != NULL && strcmp(v, value) == 0;
}

/* The answer's messages (RowDescription, DataRows, CommandComplete) as a PGresult. */
static PGresult *to_result(PGconn *pg, const char *p, size_t n)
{
	PGresult *res = PQmakeEmptyPGresult(pg, PGRES_TUPLES_OK);
	if (res == NULL)
		return NULL;
	const char *end = p + n;
	int nfields = -1, row = 0;
	while (end - p >= 5) {
		char type = p[0];
		uint32_t len = wire_get_uint32(p + 1);
		if (len < 4 || (size_t)(end - p - 1) < len)
			goto bad;
		const char *b = p + 5, *e = p + 1 + len;
		p = e;
		if (type == 'T') {
			if (e - b < 2)
				goto bad;
			int nf = (int16_t)((unsigned char)b[0] << 8 | (unsigned char)b[1]);
			b += 2;
			PGresAttDesc *atts = calloc((size_t)(nf > 0 ? nf : 1), sizeof(*atts));
			if (atts == NULL || nf < 0)
				goto bad_atts;
			for (int i = 0; i < nf; i++) {
				const char *z = memchr(b, '\0', (size_t)(e - b));
				if (z == NULL || e - (z + 1) < 18)
					goto bad_atts;
				atts[i].name = (char *)b;
				b = z + 1;
				atts[i].tableid = wire_get_uint32(b);
				atts[i].columnid = (int16_t)((unsigned char)b[4] << 8 | (unsigned char)b[5]);
				atts[i].typid = wire_get_uint32(b + 6);
				atts[i].typlen = (int16_t)((unsigned char)b[10] << 8 | (unsigned char)b[11]);
				atts[i].atttypmod = (int32_t)wire_get_uint32(b + 12);
				atts[i].format = (int16_t)((unsigned char)b[16] << 8 | (unsigned char)b[17]);
				b += 18;
			}
			if (!PQsetResultAttrs(res, nf, atts)) {
			bad_atts:
				free(atts);
				goto bad;
			}
			free(atts);
			nfields = nf;
		} else if (type == 'D') {
			if (e - b < 2 || nfields < 0)
				goto bad;
			int nc = (int16_t)((unsigned char)b[0] << 8 | (unsigned char)b[1]);
			b += 2;
			if (nc != nfields || nc == 0) /* libpq cannot add a row of no columns */
				goto bad;
			for (int c = 0; c < nc; c++) {
				if (e - b < 4)
					goto bad;
				int32_t l = (int32_t)wire_get_uint32(b);
				b += 4;
				if (l > 0 && e - b < l)
					goto bad;
				/* PQsetvalue copies; a NULL is len -1, an empty value must not be NULL */
				if (!PQsetvalue(res, row, c, l < 0 ? NULL : (char *)(l > 0 ? b : ""), l < 0 ? -1 : l))
					goto bad;
				if (l > 0)
					b += l;
			}
			row++;
		}
	}
	if (p != end || nfields < 0)
		goto bad;
	return res;
bad:
	PQclear(res);
	return NULL;
}

/* Whether the transaction txn may be answered from the cache; when not, ip->reason says why. */
static bool txn_answerable(inproc *ip, PGconn *pg, inproc_txn txn)
{
	if (!ip->checked && txn == INPROC_TXN_OPEN) {
		/* a check inside a transaction could read a SET its ROLLBACK undoes */
		snprintf(ip->reason, sizeof(ip->reason),
		         "the settings must be checked again, which waits for the "
		         "transaction's end");
		return false;
	}
	if (!ip->checked && !run_check(ip, pg))
		return false;
	if (txn == INPROC_TXN_BEGIN && !ip->row.default_read_committed) {
		snprintf(ip->reason, sizeof(ip->reason),
		         "a transaction would begin that is not READ COMMITTED "
		         "(default_transaction_isolation)");
		return false;
	}
	if (txn == INPROC_TXN_OPEN && !(ip->direct ? ip->txn_reads : param_is(pg, "cbcache.txn_reads", "on"))) {
		snprintf(ip->reason, sizeof(ip->reason),
		         "the open transaction is not one the cache may answer (not READ "
		         "COMMITTED, or it wrote, locked or changed a setting)");
		return false;
	}
	return true;
}

bool inproc_select(inproc *ip, PGconn *pg, inproc_txn txn, const char *text, size_t len, int nparams,
                   const char *const *vals, const int *lens, PGresult **out)
{
	*out = NULL;
	ip->reason[0] = '\0';
	ip->missed = false;
	uint64_t synced_min = atomic_load_explicit(&proc_synced_min, memory_order_relaxed);
	if (ip->synced_min > synced_min)
		synced_min = ip->synced_min;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (!txn_answerable(ip, pg, txn))
			break;
		hitpath_session ss = {.timezone = PQparameterStatus(pg, "TimeZone"),
		                      .datestyle = PQparameterStatus(pg, "DateStyle"),
		                      .intervalstyle = PQparameterStatus(pg, "IntervalStyle"),
		                      .extra_float_digits = ip->row.extra_float_digits,
		                      .std_strings = param_is(pg, "standard_conforming_strings", "on"),
		                      .client_utf8 = param_is(pg, "client_encoding", "UTF8"),
		                      .readable = ip->row.readable,
		                      .ngroups = ip->e->ngroups};
		hitpath_request rq = {.text = text,
		                      .len = len,
		                      .nparams = nparams,
		                      .params = vals,
		                      .param_len = lens,
		                      .simple = false,
		                      .describe = true,
		                      .ddl_generation = ip->checked_gen,
		                      .min_synced_us = synced_min};
		hitpath_result res;
		cb_error err = {{0}};
		ip->out.start = ip->out.len = 0;
		pthread_mutex_lock(&ip->lock);
		hitpath_outcome o = hitpath_execute(ip->hc, &rq, &ss, &ip->out, &res, &err);
		keep_note(ip);
		pthread_mutex_unlock(&ip->lock);
		if (o == HITPATH_HIT) {
			*out = to_result(pg, ip->out.data + ip->out.start, ip->out.len - ip->out.start);
			wire_buf_shrink(&ip->out, 1 << 16);
			if (*out == NULL) {
				snprintf(ip->reason, sizeof(ip->reason), "out of memory building the result");
				break;
			}
			report_target(ip->e);
			tl.r.answered++;
			if (!hitreport_add_plan(&tl.r, text, len, ss.std_strings)) {
				report_flush(); /* full */
				(void)hitreport_add_plan(&tl.r, text, len, ss.std_strings);
			}
			if (mono_us() - tl.sent_us >= REPORT_INTERVAL_US)
				report_flush();
			return true;
		}
		if (o == HITPATH_BACKEND && res.ddl_moved) {
			ip->checked = false; /* DDL or a privilege change: check again, then try once more */
			continue;
		}
		ip->missed = o == HITPATH_MISS || (o == HITPATH_BACKEND && res.answerable);
		if (ip->direct && o == HITPATH_MISS)
			post_fills(ip->e, &res);
		if (ip->direct && res.unsynced)
			ask_sync_again(ip);
		snprintf(ip->reason, sizeof(ip->reason), "%.1000s",
		         o == HITPATH_MISS    ? "an entry point is not loaded"
		         : o == HITPATH_ERROR ? err.msg
		                              : res.reason);
		break;
	}
	report_flush(); /* the statement goes to the wire anyway: the hits (and fills) go now too */
	inproc_trace("statement sent to %s: %s", ip->direct ? "the backend" : "cbcached", ip->reason);
	return false;
}
