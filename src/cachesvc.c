/*
 * cachesvc.c - the cache service of cbcached (see cachesvc.h).
 *
 * Functions prefix: cachesvc_
 */
#include "src/cachesvc.h"

#include <grp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cache/control.h"
#include "cache/localecheck.h"
#include "cache/pgconn.h"
#include "cache/reach.h"
#include "cachegroup/cachegroup.h"
#include "common/clock.h"
#include "sql/stmtclass.h"
#include "src/backmemo.h"
#include "src/check.h"
#include "src/hitsock.h"
#include "src/stats.h"
#include "src/install.h"
#include "src/replica.h"
#include "hit/hitpath.h"
#include "common/log.h"

struct cachesvc {
	cg_group **groups;
	size_t ngroups;
	cachedb *db;
	cachedb_conn *admin; /* the main thread's connection (admin commands) */
	fill_daemon *fill;
	hitcount *hits;
	invalidate *inv;
	gc *gc;
	xidwatch *xids; /* applied transactions the fills' snapshots must show */
	char conninfo[4096];
	char cfg_path[4096];
	bool collation_c;           /* the cache database compares text under the C collation */
	char collation_locale[128]; /* or under this libc locale, checked here (cache/localecheck.h); "": neither */
	char fill_tz[128];          /* TimeZone of a session with the fill's settings */
	char dbname[256];           /* the backend database the cache mirrors */
	hitpath_engine *hit;        /* the hit path's shared engine */
	bool running;               /* cachesvc_start succeeded: a stop may mark the file clean */
	/* where writes reach and which calls are harmless (cache/reach.h), swapped after DDL */
	pthread_mutex_t reach_lock;
	reach *reach;
	_Atomic unsigned reach_generation;
	/* the change stream (src/replica.h); NULL without one */
	replica *rep;
	gate *gate;         /* the reader gate of other processes (cache/gate.h) */
	backmemo *backmemo; /* the memo of backend answers (src/backmemo.h); NULL: none */
	hitsock *hitsock;   /* their hit reports (src/hitsock.h); NULL: none are taken */
	int commit_wait_ms;
	_Atomic bool answers_off;      /* require_stream and no stream, or DROP SLOT: the cache answers nothing */
	bool in_process_reads;         /* in_process_reads: clients that ask learn where the file is */
	char cache_path[4096];         /* the cache file's absolute path */
	char direct_backend[1024];     /* direct_backend ("": not offered) */
	char cache_id[33];             /* random, per start: tells a client the file it finds is this cache's */
	char stream_why[CB_ERROR_MAX]; /* why there is no stream */
	bool ddl_triggers;             /* cbcached --install-backend was run (at the start) */
	_Atomic uint64_t fills_posted, fills_post_dropped;
	_Atomic int refs;     /* the main thread's and each session's (cachesvc_ref) */
	_Atomic bool retired; /* replaced by RELOAD, or stopping: threads stopped, nothing answered */
	/* a retired cache's sessions wrote: fence every table (cachesvc_fence_current) */
	_Atomic bool rep_ready;         /* rep is set */
	_Atomic bool pending_fence_all; /* asked before rep was set: launch fences once it is */
};

/*
 * The cache being launched or running, a reference of its own: where the
 * writes of sessions bound to a retired cache are fenced (see
 * cachesvc_fence_current).  Set when a launch begins, cleared when it is
 * retired.
 */
static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static cachesvc *current;

static void cachesvc_set_current(cachesvc *s)
{
	pthread_mutex_lock(&current_lock);
	cachesvc *old = current;
	current = s != NULL ? cachesvc_ref(s) : NULL;
	pthread_mutex_unlock(&current_lock);
	cachesvc_unref(old);
}

/*
 * A session bound to retired cache `from` committed writes: the current
 * cache fences every table until its stream has applied them, so that no
 * session reads the old rows from it after the writer was told of the
 * commit (table numbers differ between compilations: all of them).  A
 * cache still launching takes the request once its stream exists (seq_cst
 * on both flags: one side sees the other); a commit made before the
 * stream's start-up fence is covered by that fence.
 */
static void cachesvc_fence_current(cachesvc *from)
{
	pthread_mutex_lock(&current_lock);
	cachesvc *t = current != NULL && current != from ? cachesvc_ref(current) : NULL;
	pthread_mutex_unlock(&current_lock);
	if (t == NULL)
		return;
	if (!cachesvc_retired(t)) {
		atomic_store(&t->pending_fence_all, true);
		if (atomic_load(&t->rep_ready))
			replica_fence_all(t->rep);
	}
	cachesvc_unref(t);
}

static void cachesvc_on_hit(void *arg, size_t group, size_t entry, const char *value);

/* The reader gate may open: the cache answers every table now (called with the cache write lock held). */
static bool cachesvc_gate_clear(void *arg)
{
	cachesvc *s = arg;
	/* answers_off also covers a retired cache (cachesvc_retire sets it first) */
	return !atomic_load(&s->answers_off) && atomic_load(&s->rep_ready) && replica_clear(s->rep) &&
	       !invalidate_any_fenced(s->inv);
}

static bool cachesvc_fenced(void *arg, size_t group, size_t table);
static void cachesvc_start_hitsock(cachesvc *s, const cachedb_settings *ds);

bool cachesvc_configured(const cfg_config *cfg)
{
	return cfg->cache_db[0] != '\0' && cfg->cache_groups[0] != '\0';
}

/* One text value of a query on pg, into buf; false with the cause in err. */
static bool cachesvc_query_text(PGconn *pg, const char *sql, char *buf, size_t len, const cfg_config *cfg,
                                cb_error *err)
{
	PGresult *res = PQexec(pg, sql);
	bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0);
	if (ok)
		snprintf(buf, len, "%s", PQgetvalue(res, 0, 0));
	else
		cb_fail(err,
		        "cache: reading the backend's settings (%s) failed: %s; check that cache_user %s may read "
		        "pg_database on cache_database %s",
		        sql, PQerrorMessage(pg), cfg->cache_user, cfg->cache_database);
	PQclear(res);
	return ok;
}

/* What the hit path must know of the backend: text collation, fill TimeZone. */
static bool cachesvc_read_settings(cachesvc *s, PGconn *pg, const cfg_config *cfg, cb_error *err)
{
	char coll[16];
	if (!cachesvc_query_text(
	            pg, "SELECT datcollate IN ('C', 'POSIX') FROM pg_database WHERE datname = current_database()", coll,
	            sizeof(coll), cfg, err) ||
	    !cachesvc_query_text(pg, "SHOW TimeZone", s->fill_tz, sizeof(s->fill_tz), cfg, err))
		return false;
	s->collation_c = strcmp(coll, "t") == 0;
	snprintf(s->dbname, sizeof(s->dbname), "%s", PQdb(pg));
	s->collation_locale[0] = '\0';
	cb_error why = {0};
	if (!s->collation_c &&
	    !localecheck_run(pg, s->groups, s->ngroups, s->collation_locale, sizeof(s->collation_locale), &why))
		s->collation_locale[0] = '\0';
	if (s->collation_c)
		log_info("cache: backend text collation C (text comparisons may run in the cache), fill session "
		         "TimeZone %s",
		         s->fill_tz);
	else if (s->collation_locale[0] != '\0')
		log_info("cache: backend text collation %s, compared here as the backend does (checked on a sample): "
		         "text comparisons may run in the cache; fill session TimeZone %s",
		         s->collation_locale, s->fill_tz);
	else
		log_info(
		        "cache: backend text collation not C, and %s: text comparisons go to the backend; fill session "
		        "TimeZone %s",
		        why.msg, s->fill_tz);
	return true;
}

/* Compile the cache group files of cfg; on errors the first diagnostic
 * (file:line:col: message) goes into err, all of them to stderr and the log. */
static bool cachesvc_compile(cachesvc *s, const cfg_config *cfg, cb_error *err)
{
	char path[4096];
	size_t npaths = 0;
	while (cfg_list_item(cfg->cache_groups, npaths, path, sizeof(path)))
		npaths++;
	char **paths = calloc(npaths + 1, sizeof(*paths));
	if (paths == NULL)
		return cb_fail(err, "out of memory");
	bool ok = true;
	for (size_t i = 0; i < npaths && ok; i++)
		ok = cfg_list_item(cfg->cache_groups, i, path, sizeof(path)) && (paths[i] = strdup(path)) != NULL;
	PGconn *pg = NULL;
	if (!ok) {
		cb_fail(err, "out of memory");
	} else if (!pgconn_connect(s->conninfo, &pg, err)) {
		cb_error_prefix(err,
		                "cache: connecting as cache_user %s on cache_database %s (fix backend, cache_user, "
		                "cache_database or cache_passfile in %s): ",
		                cfg->cache_user, cfg->cache_database, cfg->path);
		ok = false;
	} else {
		cg_diags d = {0};
		if (!cg_compile((const char *const *)paths, npaths, pg, &s->groups, &s->ngroups, &d)) {
			ok = false;
			char *text = NULL;
			size_t len = 0;
			FILE *mem = open_memstream(&text, &len);
			if (mem != NULL) {
				cg_diag_print(&d, mem);
				fclose(mem);
			}
			if (text != NULL)
				fputs(text, stderr);
			char first[600] = "";
			if (text != NULL) {
				snprintf(first, sizeof(first), "%s", text);
				first[strcspn(first, "\n")] = '\0';
				char *save = NULL;
				for (char *line = strtok_r(text, "\n", &save); line != NULL;
				     line = strtok_r(NULL, "\n", &save))
					log_error("cache group: %s", line);
			}
			free(text);
			cb_fail(err,
			        "the cache group files of %s do not compile (%zu error%s), the first: %s; fix them "
			        "(cbcached --check -c %s lists every error) or remove cache_groups",
			        cfg->path, d.n, d.n == 1 ? "" : "s", first, cfg->path);
		}
		cg_diag_free(&d);
		/* the compile connection has the fill's session settings (pgconn_connect) */
		if (ok)
			ok = cachesvc_read_settings(s, pg, cfg, err);
		if (ok && (s->reach = reach_load(pg, s->groups, s->ngroups, err)) == NULL)
			ok = false;
		if (ok)
			log_info(
			        "cache: %zu relations carry writes further (foreign keys, partitions, triggers, rules, "
			        "views), %zu functions are known harmless",
			        reach_relations(s->reach), reach_functions(s->reach));
	}
	PQfinish(pg);
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	return ok;
}

static bool cachesvc_reload(void *arg, size_t group, uint64_t tables, cb_error *err)
{
	return fill_load_complete_locked(arg, group, tables, err) == FILL_OK;
}

static void cachesvc_on_ddl(void *arg)
{
	cachesvc_catalog_changed(arg);
}

/* Whether a cached table has an enum column. */
static bool cachesvc_has_enums(const cachesvc *s)
{
	for (size_t g = 0; g < s->ngroups; g++)
		for (size_t t = 0; t < s->groups[g]->ntables; t++)
			if (cg_model_has_enum(&s->groups[g]->tables[t]))
				return true;
	return false;
}

/*
 * The change stream (src/replica.h).  Without it the cache answers only
 * with require_stream = off (writes it cannot see: warned), else nothing.
 * False only when memory ran out.
 */
static bool cachesvc_start_stream(cachesvc *s, const cfg_config *cfg)
{
	replica_settings rs = {.conninfo = s->conninfo,
	                       .instance = cfg->instance_name,
	                       .db = s->db,
	                       .inv = s->inv,
	                       .gate = s->gate,
	                       .max_lag_ms = cfg->max_lag_ms,
	                       .apply_batch = cfg->apply_batch,
	                       .xids = s->xids,
	                       .on_ddl = cachesvc_on_ddl,
	                       .ddl_arg = s};
	cb_error err;
	if ((s->rep = replica_start(&rs, &err)) != NULL) {
		atomic_store(&s->rep_ready, true);
		if (atomic_exchange(&s->pending_fence_all, false))
			replica_fence_all(s->rep); /* a retired cache's session wrote while this one was launching */
		/* the stream may have connected (and woken the gate) before rep_ready was set */
		gate_wake(s->gate);
		s->commit_wait_ms = cfg->commit_wait_ms;
		int inst = inst_installed(s->conninfo, &err);
		s->ddl_triggers = inst == 1;
		if (inst == 0)
			log_warning(
			        "cache: the DDL event triggers are not installed on the backend: DDL without a data "
			        "change (ALTER TABLE ... ADD COLUMN, GRANT, REVOKE, policies) made outside this "
			        "cbcached "
			        "is not seen until the table's next change; run cbcached --install-backend -c %s once, "
			        "as a superuser",
			        cfg->path);
		else if (inst < 0)
			log_warning("cache: whether the DDL event triggers are installed cannot be told: %s", err.msg);
		if (cfg->memo_backend_mb > 0 && s->ddl_triggers &&
		    (s->backmemo = backmemo_new((size_t)cfg->memo_backend_mb << 20, s->groups, s->ngroups)) == NULL)
			return false;
		if (!s->ddl_triggers && cachesvc_has_enums(s))
			log_warning(
			        "cache: enum columns go to the backend: answering them needs the DDL event triggers "
			        "(ALTER TYPE ... RENAME VALUE changes cached rows without a row change); run cbcached "
			        "--install-backend -c %s",
			        cfg->path);
		if (cfg->memo_backend_mb > 0 && !s->ddl_triggers)
			log_warning("cache: no memo of backend answers: it needs the DDL event triggers (a function or "
			            "column changed elsewhere would go unseen); run cbcached --install-backend -c %s",
			            cfg->path);
		return true;
	}
	snprintf(s->stream_why, sizeof(s->stream_why), "%s", err.msg);
	if (cfg->require_stream) {
		s->answers_off = true;
		log_error("cache: the change stream cannot start: %s; cbcached relays every statement and answers "
		          "nothing from the cache until it runs (cbcached --check -c %s says what the backend lacks; "
		          "restart cbcached once it is fixed), or set require_stream = off to answer without it",
		          err.msg, cfg->path);
	} else {
		log_warning("cache: running WITHOUT the change stream (require_stream = off): %s; writes made straight "
		            "to PostgreSQL, in functions, or through another cbcached are never seen by this cache",
		            err.msg);
	}
	return true;
}

bool cachesvc_prepare(const cfg_config *cfg, cachesvc **out, cb_error *err)
{
	*out = NULL;
	cachesvc *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return cb_fail(err, "out of memory");
	atomic_init(&s->refs, 1);
	snprintf(s->cfg_path, sizeof(s->cfg_path), "%s", cfg->path);
	pthread_mutex_init(&s->reach_lock, NULL);
	if (!chk_backend_conninfo(cfg, s->conninfo, sizeof(s->conninfo), err) || !cachesvc_compile(s, cfg, err)) {
		cachesvc_stop(s);
		return false;
	}
	*out = s;
	return true;
}

bool cachesvc_start(const cfg_config *cfg, cachesvc **out, cb_error *err)
{
	*out = NULL;
	cachesvc *s;
	if (!cachesvc_prepare(cfg, &s, err))
		return false;
	if (!cachesvc_launch(s, cfg, err)) {
		cachesvc_stop(s);
		return false;
	}
	*out = s;
	return true;
}

/*
 * What another process must know to compile the same groups and read the
 * file as cbcached does (the CG_META_GROUP* keys of cachegroup/generate.h):
 * written before the reader gate can first open.
 */
static bool cachesvc_publish_groups(cachesvc *s, cb_error *err)
{
	char key[64], count[24];
	for (size_t i = 0; i < s->ngroups; i++) {
		const cg_group *g = s->groups[i];
		snprintf(key, sizeof(key), CG_META_GROUP_NAME "%zu", i);
		if (!cachedb_meta_set(s->admin, key, g->file != NULL ? g->file : g->name, err))
			return false;
		snprintf(key, sizeof(key), CG_META_GROUP_SOURCE "%zu", i);
		if (!cachedb_meta_set(s->admin, key, g->source != NULL ? g->source : "", err))
			return false;
	}
	snprintf(count, sizeof(count), "%zu", s->ngroups);
	unsigned char id[16];
	if (getrandom(id, sizeof(id), 0) != (ssize_t)sizeof(id))
		return cb_fail(err, "cannot read random bytes for the cache's id (getrandom)");
	for (size_t i = 0; i < sizeof(id); i++)
		snprintf(s->cache_id + 2 * i, 3, "%02x", id[i]);
	return cachedb_meta_set(s->admin, CG_META_CACHE_ID, s->cache_id, err) &&
	       cachedb_meta_set(s->admin, CG_META_GROUPS, count, err) &&
	       cachedb_meta_set(s->admin, CG_META_FILL_TIMEZONE, s->fill_tz, err) &&
	       cachedb_meta_set(s->admin, CG_META_COLLATION_C, s->collation_c ? "t" : "f", err) &&
	       cachedb_meta_set(s->admin, CG_META_COLLATION_LOCALE, s->collation_locale, err) &&
	       cachedb_meta_set(s->admin, CG_META_ENUM_COLUMNS, s->ddl_triggers ? "t" : "f", err);
}

bool cachesvc_launch(cachesvc *s, const cfg_config *cfg, cb_error *err)
{
	cachesvc_set_current(s);
	cachedb_settings ds = {.path = cfg->cache_db, .file_group = cfg->cache_file_group};
	if (cfg->cache_file_group[0] != '\0') {
		struct group gr, *found = NULL;
		char buf[4096];
		if (getgrnam_r(cfg->cache_file_group, &gr, buf, sizeof(buf), &found) != 0 || found == NULL) {
			cb_error_set(err,
			             "cache: cache_file_group in %s names the group \"%s\", which this machine does "
			             "not have; "
			             "create it (groupadd %s), fix the name, or leave the setting empty",
			             cfg->path, cfg->cache_file_group, cfg->cache_file_group);
			goto fail;
		}
		ds.file_gid_set = true;
		ds.file_gid = (unsigned)found->gr_gid;
	}
	char *rebuilt = NULL;
	if (!cachedb_open(&ds, s->groups, s->ngroups, &s->db, &rebuilt, err)) {
		cb_error_prefix(err, "cache: cannot open the cache DB %s (cache_db in %s): ", cfg->cache_db, cfg->path);
		goto fail;
	}
	s->in_process_reads = cfg->in_process_reads;
	snprintf(s->direct_backend, sizeof(s->direct_backend), "%s", cfg->direct_backend);
	if (realpath(cfg->cache_db, s->cache_path) == NULL)
		snprintf(s->cache_path, sizeof(s->cache_path), "%s", cfg->cache_db);
	if (rebuilt != NULL) /* the reason is logged by cachedb_open() */
		log_info("cache DB %s rebuilt: every fill value is loaded anew", cfg->cache_db);
	else
		log_info("cache DB %s kept (fingerprint %s)", cfg->cache_db, cachedb_fingerprint(s->db));
	free(rebuilt);
	if (!cachedb_conn_open(s->db, &s->admin, err))
		goto fail_cache;

	if ((s->xids = xidwatch_new()) == NULL) {
		cb_fail(err, "out of memory");
		goto fail_cache;
	}
	fill_settings fs = {.backend_conninfo = s->conninfo, .xids = s->xids};
	hitcount_settings hs = {0};
	gc_settings gs = {.max_cache_rows = cfg->max_cache_rows,
	                  .max_cache_bytes = (int64_t)cfg->max_cache_mb * 1048576,
	                  .low_water_pct = cfg->gc_low_water,
	                  .interval_ms = cfg->gc_interval * 1000};
	if ((s->fill = fill_create(s->db, &fs, err)) == NULL || (s->hits = hitcount_create(s->db, &hs, err)) == NULL ||
	    (s->inv = invalidate_create(s->db, err)) == NULL || (s->gc = gc_create(s->db, &gs, s->inv, err)) == NULL)
		goto fail_cache;
	/*
	 * A cache file left "in use" by a daemon that did not stop cleanly may
	 * miss invalidations of writes its clients were told had committed:
	 * empty it (complete tables reloaded) before anything reads it.
	 */
	invalidate_set_reload(s->inv, cachesvc_reload, s->fill);
	gate_settings gts = {.lease_ms = cfg->max_lag_ms, .clear = cachesvc_gate_clear, .arg = s};
	if ((s->gate = gate_start(s->db, &gts, err)) == NULL)
		goto fail_cache;
	if (!cachesvc_start_stream(s, cfg))
		goto fail_cache;
	char *in_use = NULL;
	if (!cachedb_meta_get(s->admin, "in_use", &in_use, err))
		goto fail_cache;
	bool unclean = in_use != NULL && strcmp(in_use, "1") == 0;
	free(in_use);
	if (unclean && s->rep == NULL) {
		log_warning("cache DB %s was not closed cleanly (cbcached was killed or crashed): invalidations of "
		            "writes may be missing, so the cache is emptied and loaded anew",
		            cfg->cache_db);
		invalidate_post_all(s->inv);
	}
	/*
	 * The emptying asked for above or by the change stream's start (a new
	 * or lost slot) is done now, before any fill: applied later it would
	 * delete what the first fills load.  When it fails (the log says why)
	 * its tables stay out of the answers and the collector tries again.
	 */
	if (invalidate_pending(s->inv) > 0) {
		cb_error ierr = {{0}};
		if (!invalidate_apply(s->inv, NULL, &ierr))
			log_warning("cache: emptying the cache at start failed (the garbage collector tries again): %s",
			            ierr.msg);
	}
	if (!cachedb_meta_set(s->admin, "in_use", "1", err) || !cachesvc_publish_groups(s, err))
		goto fail_cache;
	if (fill_load_complete(s->fill, err) != FILL_OK) {
		cb_error_prefix(err,
		                "cache: cannot load the complete tables (check that cache_user %s can read them on "
		                "cache_database %s): ",
		                cfg->cache_user, cfg->cache_database);
		goto fail;
	}
	if (!fill_start(s->fill, err))
		goto fail_cache;
	if (!hitcount_start(s->hits, err))
		goto fail_cache;
	if (!gc_start(s->gc, err))
		goto fail_cache;
	hitpath_settings hps = {.cache_path = cfg->cache_db,
	                        .groups = s->groups,
	                        .ngroups = s->ngroups,
	                        .collation_c = s->collation_c,
	                        .collation_locale = s->collation_locale,
	                        .enum_columns = s->ddl_triggers,
	                        .fill_timezone = s->fill_tz,
	                        .memo_max_bytes = (size_t)cfg->memo_max_mb << 20,
	                        .max_plans = (size_t)cfg->max_plans,
	                        .max_session_statements = (size_t)cfg->max_session_statements,
	                        .on_hit = cachesvc_on_hit,
	                        .hit_arg = s,
	                        .fenced = cachesvc_fenced,
	                        .fenced_arg = s};
	if ((s->hit = hitpath_engine_new(&hps, err)) == NULL)
		goto fail_cache;
	int64_t rows = 0, bytes = 0;
	cb_error ce;
	if (cachedb_size(s->admin, &rows, &bytes, &ce))
		log_info("cache started: %zu cache group%s, %lld rows in %s", s->ngroups, s->ngroups == 1 ? "" : "s",
		         (long long)rows, cfg->cache_db);
	cachesvc_start_hitsock(s, &ds);
	s->running = true;
	gate_wake(s->gate); /* the start's emptying is applied: the reader gate need not wait its next turn */
	return true;

fail_cache:
	cb_error_prefix(err, "cache: ");
fail:
	return false;
}

static void cachesvc_on_answered(void *arg, uint32_t statements)
{
	(void)arg;
	STATS_ADD(queries_cache_hits, statements);
	STATS_ADD(in_process_hits, statements);
}

static void cachesvc_on_plan(void *arg, const char *text, size_t len, bool std, uint32_t answers)
{
	cachesvc *s = arg;
	if (s->hit != NULL)
		hitpath_count_remote(s->hit, text, len, std, answers);
}

static void cachesvc_on_fill(void *arg, size_t group, size_t fill, const char *value)
{
	(void)cachesvc_post_fill(arg, group, fill, value);
}

static void cachesvc_on_sync(void *arg)
{
	cachesvc *s = arg;
	if (s->rep != NULL)
		replica_request_sync(s->rep);
}

static void cachesvc_on_fence(void *arg)
{
	cachesvc_invalidate_all(arg); /* a fence of every table until the stream passed a sync after it */
}

/* The socket other processes report their hits to (only when they are told where the file is). */
static void cachesvc_start_hitsock(cachesvc *s, const cachedb_settings *ds)
{
	if (!s->in_process_reads)
		return;
	size_t nentries[SQLFE_STMTCLASS_MAX_GROUPS] = {0};
	size_t nfills[SQLFE_STMTCLASS_MAX_GROUPS] = {0};
	for (size_t g = 0; g < s->ngroups && g < SQLFE_STMTCLASS_MAX_GROUPS; g++) {
		nentries[g] = s->groups[g]->nentries;
		nfills[g] = s->groups[g]->nfills;
	}
	hitsock_settings hs = {.cache_path = s->cache_path,
	                       .gid_set = ds->file_gid_set,
	                       .gid = ds->file_gid,
	                       .fingerprint = cachedb_fingerprint(s->db),
	                       .ngroups = s->ngroups < SQLFE_STMTCLASS_MAX_GROUPS ? s->ngroups
	                                                                          : SQLFE_STMTCLASS_MAX_GROUPS,
	                       .nentries = nentries,
	                       .on_hit = cachesvc_on_hit,
	                       .on_answered = cachesvc_on_answered,
	                       .on_plan = cachesvc_on_plan,
	                       .nfills = nfills,
	                       .on_fill = cachesvc_on_fill,
	                       .on_sync = cachesvc_on_sync,
	                       .on_fence = cachesvc_on_fence,
	                       .arg = s};
	cb_error err = {{0}};
	if ((s->hitsock = hitsock_start(&hs, &err)) == NULL)
		log_warning("cache: %s; hits answered in other processes are not counted (the garbage collector may "
		            "evict what only they read)",
		            err.msg);
}

static bool cachesvc_fenced(void *arg, size_t group, size_t table)
{
	cachesvc *s = arg;
	return s->answers_off || invalidate_fenced(s->inv, group, table) ||
	       (s->rep != NULL && replica_fenced(s->rep, group, table));
}

static void cachesvc_on_hit(void *arg, size_t group, size_t entry, const char *value)
{
	cachesvc *s = arg;
	if (cachesvc_retired(s))
		return;
	(void)hitcount_post(s->hits, group, entry, value);
}

bool cachesvc_wait_idle(cachesvc *s, int timeout_ms)
{
	int64_t deadline = cb_clock_mono_us() + (int64_t)timeout_ms * 1000;
	for (;;) {
		/* invalidations first (queued, or taken and being applied: their fences are up):
		 * applying one may reload tables; then the fills */
		while (invalidate_pending(s->inv) > 0 || invalidate_any_fenced(s->inv) ||
		       (s->rep != NULL && replica_fences(s->rep) > 0)) {
			if (cb_clock_mono_us() >= deadline)
				return false;
			struct timespec ts = {0, 5 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		int64_t left_ms = (deadline - cb_clock_mono_us()) / 1000;
		if (left_ms < 0 || !fill_wait_idle(s->fill, (int)left_ms))
			return false;
		if (invalidate_pending(s->inv) == 0 && !invalidate_any_fenced(s->inv))
			return true;
	}
}

hitpath_engine *cachesvc_hit_engine(cachesvc *s)
{
	return s->hit;
}

const char *cachesvc_database(cachesvc *s)
{
	return s->dbname;
}

cachesvc *cachesvc_ref(cachesvc *s)
{
	atomic_fetch_add(&s->refs, 1);
	return s;
}

/*
 * Stop what changes the cache file or talks to the backend: the change
 * stream (its slot is free for a successor), the fill, collector and hit
 * counter threads.  Everything stays allocated for the sessions that hold
 * a reference; they relay every statement from now on (answers_off fences
 * every table, holds are refused).
 */
void cachesvc_retire(cachesvc *s)
{
	if (s == NULL || atomic_exchange(&s->retired, true))
		return;
	atomic_store(&s->answers_off, true);
	gate_close(s->gate);
	pthread_mutex_lock(&current_lock);
	bool was_current = current == s;
	if (was_current)
		current = NULL;
	pthread_mutex_unlock(&current_lock);
	if (was_current)
		cachesvc_unref(s); /* the caller holds another: not the last */
	replica_halt(s->rep);
	if (s->fill != NULL)
		fill_stop(s->fill);
	if (s->gc != NULL)
		gc_stop(s->gc);
	hitsock_stop(s->hitsock); /* before the hit counter it posts to */
	s->hitsock = NULL;
	if (s->hits != NULL)
		hitcount_stop(s->hits);
	gate_stop(s->gate); /* closed: other processes answer nothing from the file any more */
	if (s->admin != NULL && s->running) {
		/* clean unless an invalidation could not be applied */
		bool dirty = s->inv != NULL && invalidate_any_fenced(s->inv);
		cb_error ce;
		if (!dirty && !cachedb_meta_set(s->admin, "in_use", "0", &ce))
			log_warning("cache: %s", ce.msg);
	}
	s->running = false;
}

static void cachesvc_free(cachesvc *s)
{
	gate_stop(s->gate); /* before the replica goes: the keeper asks it whether anything is fenced */
	replica_stop(s->rep);
	s->rep = NULL;
	backmemo_free(s->backmemo);
	s->backmemo = NULL;
	gate_free(s->gate);
	s->gate = NULL;
	if (s->fill != NULL)
		fill_free(s->fill);
	if (s->gc != NULL)
		gc_free(s->gc);
	if (s->hits != NULL)
		hitcount_free(s->hits);
	hitpath_engine_free(s->hit);
	if (s->admin != NULL)
		cachedb_conn_close(s->admin);
	invalidate_free(s->inv);
	xidwatch_free(s->xids);
	if (s->db != NULL)
		cachedb_close(s->db);
	cg_groups_free(s->groups, s->ngroups);
	reach_unref(s->reach);
	pthread_mutex_destroy(&s->reach_lock);
	free(s);
}

void cachesvc_unref(cachesvc *s)
{
	if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	cachesvc_retire(s);
	cachesvc_free(s);
}

void cachesvc_stop(cachesvc *s)
{
	cachesvc_retire(s);
	cachesvc_unref(s);
}

bool cachesvc_retired(cachesvc *s)
{
	return atomic_load_explicit(&s->retired, memory_order_relaxed);
}

size_t cachesvc_tables_changed(cachesvc *s)
{
	if (s->rep == NULL)
		return 0;
	replica_counters rc;
	replica_get_counters(s->rep, &rc);
	return (size_t)rc.schema_changes;
}

reach *cachesvc_reach(cachesvc *s, unsigned *generation)
{
	pthread_mutex_lock(&s->reach_lock);
	reach *r = reach_ref(s->reach);
	*generation = atomic_load(&s->reach_generation);
	pthread_mutex_unlock(&s->reach_lock);
	return r;
}

unsigned cachesvc_reach_generation(cachesvc *s)
{
	return atomic_load_explicit(&s->reach_generation, memory_order_relaxed);
}

void cachesvc_catalog_changed(cachesvc *s)
{
	if (cachesvc_retired(s))
		return; /* its sessions relay everything: how writes reach no longer matters */
	PGconn *pg = NULL;
	cb_error err;
	reach *r = NULL;
	if (pgconn_connect(s->conninfo, &pg, &err))
		r = reach_load(pg, s->groups, s->ngroups, &err);
	PQfinish(pg);
	pthread_mutex_lock(&s->reach_lock);
	if (r == NULL) {
		/* keep judging with what was read before; a write it misjudges may go unseen: say so */
		log_warning("cache: re-reading the foreign keys, triggers and functions after DDL failed (%s); "
		            "sessions judge writes by the catalog as it was",
		            err.msg);
	} else {
		reach *old = s->reach;
		s->reach = r;
		atomic_fetch_add(&s->reach_generation, 1);
		reach_unref(old);
	}
	pthread_mutex_unlock(&s->reach_lock);
}

void cachesvc_get_counters(cachesvc *s, cachesvc_counters *c)
{
	const fill_stats *f = fill_get_stats(s->fill);
	const gc_stats *g = gc_get_stats(s->gc);
	const hitcount_stats *h = hitcount_get_stats(s->hits);
	c->fills_queued = atomic_load(&f->queued);
	c->fills_done = atomic_load(&f->done);
	c->fills_failed = atomic_load(&f->failed);
	c->fills_retried = atomic_load(&f->retried);
	c->fills_refused = atomic_load(&f->refused);
	c->rows_loaded = atomic_load(&f->rows_loaded);
	c->fill_ms = atomic_load(&f->fill_us) / 1000;
	const invalidate_stats *iv = invalidate_get_stats(s->inv);
	c->evictions = atomic_load(&g->evictions) + atomic_load(&iv->evictions);
	c->rows_evicted = atomic_load(&g->rows_evicted) + atomic_load(&iv->rows);
	c->hits_posted = hitcount_posted(s->hits);
	c->hits_applied = atomic_load(&h->applied);
	c->hits_overflow = hitcount_dropped(s->hits);
	c->queue_length = fill_queue_length(s->fill);
	c->fills_posted = atomic_load(&s->fills_posted);
	c->fills_queue_full = atomic_load(&f->queue_full);
	c->invalidations = atomic_load(&iv->posted);
	c->invalidations_applied = atomic_load(&iv->applied);
	c->invalidation_evictions = atomic_load(&iv->evictions);
	c->invalidation_failures = atomic_load(&iv->failures);
	c->reload_failures = atomic_load(&iv->reload_failures);
	cb_error ce;
	if (!cachedb_size(s->admin, &c->cache_rows, &c->cache_bytes, &ce)) {
		log_warning("SHOW STATS: %s", ce.msg);
		c->cache_rows = c->cache_bytes = -1;
	}
}

static bool cachesvc_find(cachesvc *s, const char *name, size_t *group, size_t *fill, cb_error *err)
{
	if (control_find_fill(s->groups, s->ngroups, name, group, fill))
		return true;
	char list[1024] = "";
	size_t used = 0;
	for (size_t g = 0; g < s->ngroups; g++)
		for (size_t f = 0; f < s->groups[g]->nfills && used < sizeof(list); f++) {
			char one[300];
			cachesvc_fill_name(s, g, f, one, sizeof(one));
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", used > 0 ? ", " : "", one);
		}
	return cb_fail(err, "%s is not a fill column of the cache groups: give one of %s", name,
	               list[0] != '\0' ? list : "(none: the cache groups declare no fill)");
}

bool cachesvc_fill(cachesvc *s, const char *name, const char *value, bool *merged, cb_error *err)
{
	size_t g, f;
	if (!cachesvc_find(s, name, &g, &f, err))
		return false;
	cb_error ce = {{0}};
	fill_enqueue_result r = fill_enqueue(s->fill, g, f, value, &ce);
	*merged = r == FILL_MERGED;
	if (r == FILL_NOT_QUEUED)
		return cb_fail(err, "%s", ce.msg[0] != '\0' ? ce.msg : "the fill queue is full: retry later");
	return true;
}

bool cachesvc_evict(cachesvc *s, const char *name, const char *value, bool *found, cb_error *err)
{
	size_t g, f;
	if (!cachesvc_find(s, name, &g, &f, err))
		return false;
	return gc_evict_value(s->gc, g, f, value, found, err);
}

bool cachesvc_evict_all(cachesvc *s, cb_error *err)
{
	return gc_evict_all(s->gc, err);
}

long cachesvc_verify(cachesvc *s, verify_report_fn fn, void *arg, cb_error *err)
{
	PGconn *pg = NULL;
	if (!pgconn_connect(s->conninfo, &pg, err)) {
		cb_error_prefix(err, "verify: ");
		return -1;
	}
	long n = verify_run(s->groups, s->ngroups, s->admin->lite, pg, fn, arg, err);
	PQfinish(pg);
	return n;
}

void cachesvc_fill_name(cachesvc *s, size_t group, size_t fill, char *buf, size_t len)
{
	const cg_group *g = s->groups[group];
	const cg_fill *f = &g->fills[fill];
	snprintf(buf, len, "%s.%s", g->tables[f->table].name, f->column);
}

fill_daemon *cachesvc_fill_daemon(cachesvc *s)
{
	return s->fill;
}

bool cachesvc_controls(cachesvc *s, control_summary_fn fn, void *arg, cb_error *err)
{
	return control_summary(s->admin, fn, arg, err);
}

void cachesvc_invalidate(cachesvc *s, size_t group, uint64_t tables)
{
	if (cachesvc_retired(s)) {
		cachesvc_fence_current(s); /* nothing is answered from s any more; its successor must not be stale */
		return;
	}
	if (s->rep != NULL)
		replica_fence(s->rep, group, tables); /* the stream brings the change: fence until it is applied */
	else
		invalidate_post(s->inv, group, tables);
}

void cachesvc_invalidate_all(cachesvc *s)
{
	if (cachesvc_retired(s)) {
		cachesvc_fence_current(s);
		return;
	}
	if (s->rep != NULL)
		replica_fence_all(s->rep);
	else
		invalidate_post_all(s->inv);
}

const char *cachesvc_in_process_file(cachesvc *s)
{
	/* the gate can open: a stream, and answers on (answers_off also covers a retired cache) */
	return s->in_process_reads && s->gate != NULL && atomic_load(&s->rep_ready) && !atomic_load(&s->answers_off)
	               ? s->cache_path
	               : NULL;
}

const char *cachesvc_direct_backend(cachesvc *s)
{
	/* without the hit socket a direct client's sync requests and fills would be lost */
	return s->direct_backend[0] != '\0' && s->hitsock != NULL ? s->direct_backend : NULL;
}

const char *cachesvc_cache_id(cachesvc *s)
{
	return s->cache_id;
}

const gate_stats *cachesvc_gate_stats(cachesvc *s)
{
	return s->gate != NULL ? gate_get_stats(s->gate) : NULL;
}

const hitsock_stats *cachesvc_hitsock_stats(cachesvc *s)
{
	return s->hitsock != NULL ? hitsock_get_stats(s->hitsock) : NULL;
}

int cachesvc_commit_wait_ms(cachesvc *s)
{
	return s->rep != NULL ? s->commit_wait_ms : 0;
}

uint64_t cachesvc_hold(cachesvc *s, int notify_fd)
{
	return !cachesvc_retired(s) && s->rep != NULL && s->commit_wait_ms > 0 ? replica_hold(s->rep, notify_fd) : 0;
}

bool cachesvc_hold_passed(cachesvc *s, uint64_t id)
{
	return replica_hold_passed(s->rep, id);
}

void cachesvc_hold_cancel(cachesvc *s, uint64_t id, bool timed_out)
{
	replica_hold_cancel(s->rep, id, timed_out);
}

unsigned cachesvc_ddl_generation(cachesvc *s)
{
	return s->rep != NULL ? replica_ddl_generation(s->rep) : 0;
}

bool cachesvc_stream(cachesvc *s, replica_counters *c, char *why, size_t n)
{
	if (s->rep == NULL) {
		snprintf(why, n, "%s", s->stream_why);
		return false;
	}
	replica_get_counters(s->rep, c);
	replica_last_error(s->rep, why, n);
	return true;
}

void cachesvc_slot_name(cachesvc *s, char *buf, size_t n)
{
	if (s->rep != NULL)
		replica_slot_name(s->rep, buf, n);
	else
		snprintf(buf, n, "%s", "");
}

bool cachesvc_drop_slot(cachesvc *s, char *msg, size_t n, cb_error *err)
{
	if (s->rep == NULL)
		return cb_fail(err, "this cbcached runs without a change stream: there is no slot to drop (%s)",
		               s->stream_why);
	char name[80];
	replica_slot_name(s->rep, name, sizeof(name));
	atomic_store(&s->answers_off, true);
	bool slot = false, pub = false;
	if (!replica_drop_slot(s->rep, &slot, &pub, err)) {
		log_error("cache: DROP SLOT: %s; the change stream is stopped and nothing is answered from the cache",
		          err->msg);
		return false;
	}
	log_warning("cache: DROP SLOT: replication slot %s %s, publication %s; the change stream is stopped and "
	            "nothing is answered from the cache until cbcached is restarted (with a new slot and an empty "
	            "cache)",
	            name, slot ? "dropped" : "did not exist", pub ? "dropped" : "did not exist");
	snprintf(msg, n,
	         "replication slot %s %s, publication %s; this cbcached relays everything and answers nothing from "
	         "the cache until it is restarted (a restart makes a new slot and starts with an empty cache; to "
	         "give the instance up: SHUTDOWN, then cbcached --uninstall)",
	         name, slot ? "dropped" : "did not exist", pub ? "dropped" : "did not exist");
	return true;
}

backmemo *cachesvc_backmemo(cachesvc *s)
{
	return s->backmemo;
}

bool cachesvc_source_position(cachesvc *s, const uint64_t *tables, size_t ngroups, uint64_t *pos)
{
	if (s->backmemo == NULL || !atomic_load(&s->rep_ready) || cachesvc_retired(s))
		return false;
	for (size_t g = 0; g < ngroups && g < s->ngroups; g++)
		for (uint64_t m = tables[g]; m != 0; m &= m - 1)
			if (cachesvc_fenced(s, g, (size_t)__builtin_ctzll(m)))
				return false;
	return replica_source_position(s->rep, tables, ngroups, pos);
}

bool cachesvc_settled(cachesvc *s)
{
	return atomic_load(&s->rep_ready) && replica_settled(s->rep);
}

bool cachesvc_ddl_triggers(cachesvc *s)
{
	return s->ddl_triggers;
}

bool cachesvc_answers(cachesvc *s)
{
	return !s->answers_off;
}

bool cachesvc_collation_c(cachesvc *s)
{
	return s->collation_c;
}

const char *cachesvc_fill_timezone(cachesvc *s)
{
	return s->fill_tz;
}

cachedb *cachesvc_cachedb(cachesvc *s)
{
	return s->db;
}

hitcount *cachesvc_hitcount(cachesvc *s)
{
	return s->hits;
}

bool cachesvc_post_fill(cachesvc *s, size_t group, size_t fill, const char *value)
{
	if (cachesvc_retired(s))
		return false; /* its fill thread is stopped: the successor's misses queue their own */
	cb_error ce = {{0}};
	fill_enqueue_result r = fill_enqueue(s->fill, group, fill, value, &ce);
	if (r == FILL_NOT_QUEUED) {
		atomic_fetch_add(&s->fills_post_dropped, 1);
		log_debug("cache: fill request not queued: %s", ce.msg);
		return false;
	}
	atomic_fetch_add(&s->fills_posted, 1);
	return true;
}
