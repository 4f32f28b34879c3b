/*
 * config.h - cbcache.conf: the settings of cbcached, one table binding every
 * key (config.c cfg_params[]), parsing with file:line errors, reload rules.
 *
 * Functions prefix: cfg_
 *
 * Syntax (ini style): `key = value` lines, an optional `[cbcache]` section
 * header, comments starting with `#` or `;`, values optionally in double
 * quotes.  Relative paths are resolved against the directory of the config
 * file, so a config works from any current directory.
 */
#ifndef CBD_CONFIG_H
#define CBD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/log.h"
#include "src/daemon.h"

struct cfg_config {
	char *path; /* the file this was loaded from (absolute or as given) */

	/* listening */
	char *listen_dir;
	int listen_port;
	char *listen_addr; /* "" = no TCP listener */
	bool allow_tcp_password;
	char *admin_socket;

	/* backend */
	char *backend; /* libpq conninfo without user, dbname, password */

	/* cache */
	char *cache_db;             /* "" = no cache */
	char *cache_file_group;     /* group of the cache file's files; "" = cbcached's own */
	char *cache_groups;         /* comma separated list of resolved paths */
	char *cache_database;       /* the database the cache groups describe */
	char *cache_user;           /* the role the cache reads the backend with */
	char *cache_passfile;       /* libpq passfile for cache_user, "" = none */
	char *instance_name;        /* the replication slot and publication are cbcache_<instance_name> */
	bool require_stream;        /* no answers from the cache without the change stream */
	bool in_process_reads;      /* tell clients that ask where the cache file is (doc/cache.md) */
	char *direct_backend;       /* conninfo in-process clients use for their own backend connection; "" = none */
	int max_lag_ms;             /* no answers while the stream is down longer than this */
	int apply_batch;            /* transactions of the change stream applied in one SQLite commit, at most */
	int commit_wait_ms;         /* a commit through cbcached waits this long for the applier, then fences */
	int memo_max_mb;            /* the memo of rendered answers (hit/memo.h); 0 = none */
	int memo_backend_mb;        /* the memo of backend answers (src/backmemo.h); 0 = none */
	int max_plans;              /* statement shapes the plan cache keeps */
	int max_session_statements; /* prepared cache statements a session keeps */
	long max_cache_rows;
	int max_cache_mb;
	int gc_interval;
	int gc_low_water;

	/* limits and lifecycle */
	int max_clients;
	int max_message_mb; /* the longest Query, Parse, Bind, FunctionCall or CopyData a client may send */
	int shutdown_timeout;

	/* logging and process */
	int log_level;  /* LOG_ERROR .. LOG_DEBUG (common/log.h) */
	char *log_file; /* "" = stderr */
	char *pid_file; /* "" = none */
};

/*
 * Load path into cfg (zeroed first).  On failure err holds
 * "FILE:LINE: message" and cfg is left empty (nothing to free).
 * On success free cfg with cfg_free().
 */
CB_MUSTCHECK bool cfg_load(const char *path, cfg_config *cfg, cb_error *err);
/*
 * The parsing part of cfg_load(), on text[0..len) (the file's bytes; no
 * NUL needed after them): path names the file in messages, dir is the
 * directory relative paths are resolved against ("" for none).  Same
 * results and messages as cfg_load() of a file holding text.
 */
CB_MUSTCHECK bool cfg_parse(const char *text, size_t len, const char *path, const char *dir, cfg_config *cfg,
                            cb_error *err);

/* Free the strings of cfg; cfg may be zeroed or loaded. */
void cfg_free(cfg_config *cfg);

/* Number of keys in the table, and the i-th key's name. */
size_t cfg_key_count(void);
const char *cfg_key_name(size_t i);
/* Whether key i is applied by a reload (SIGHUP / RELOAD) or needs a restart. */
bool cfg_key_reloadable(size_t i);

/* The value of key i in cfg as text (in buf, size n); returns buf. */
const char *cfg_key_value(const cfg_config *cfg, size_t i, char *buf, size_t n);

/*
 * Apply a freshly loaded config: copy every reloadable key from next into
 * cur, and for every key that differs but needs a restart call
 * restart_needed(key, old, new, arg).  next keeps its own strings.
 */
CB_MUSTCHECK bool cfg_apply_reload(cfg_config *cur, const cfg_config *next,
                                   void (*restart_needed)(const char *key, const char *old_value, const char *new_value,
                                                          void *arg),
                                   void *arg, cb_error *err);

/* The name of a log level ("error" ... "debug"). */
const char *cfg_log_level_name(int level);

/* The i-th path in a comma separated list (cache_groups); false past the end. */
bool cfg_list_item(const char *list, size_t i, char *buf, size_t n);

#endif /* CBD_CONFIG_H */
