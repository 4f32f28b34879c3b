/*
 * check.c - validation for `cbcached --check` (see check.h).
 *
 * Functions prefix: chk_
 */
#include "src/check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "cachegroup/cachegroup.h"
#include "src/install.h"
#include "src/stream.h"

bool chk_backend_conninfo(const cfg_config *cfg, char *buf, size_t n, cb_error *err)
{
	if (cfg->cache_database[0] == '\0' || cfg->cache_user[0] == '\0')
		return cb_fail(err,
		               "%s: cache_groups is set but cache_database or cache_user is not; add "
		               "\"cache_database = DB\" and \"cache_user = ROLE\" (see doc/config.md)",
		               cfg->path);
	/* values quoted for a conninfo string: single quotes, \ and ' escaped */
	const char *keys[3] = {"dbname", "user", "passfile"};
	const char *vals[3] = {cfg->cache_database, cfg->cache_user, cfg->cache_passfile};
	size_t used = (size_t)snprintf(buf, n, "%s", cfg->backend);
	for (int k = 0; k < 3 && used < n; k++) {
		if (vals[k][0] == '\0')
			continue;
		used += (size_t)snprintf(buf + used, n - used, " %s='", keys[k]);
		for (const char *p = vals[k]; *p && used + 3 < n; p++) {
			if (*p == '\'' || *p == '\\')
				buf[used++] = '\\';
			buf[used++] = *p;
		}
		if (used + 2 < n) {
			buf[used++] = '\'';
			buf[used] = '\0';
		}
	}
	if (used + 1 >= n)
		return cb_fail(err, "%s: the backend connection string for the cache is too long", cfg->path);
	return true;
}

typedef struct chk_ctx {
	FILE *out;
	int n;
} chk_ctx;

static void chk_problem(void *arg, const char *problem, const char *fix)
{
	chk_ctx *cx = arg;
	cx->n++;
	fprintf(cx->out, "change stream: %s\n  fix: %s\n", problem, fix);
}

/* What the backend lacks for the change stream and the DDL event triggers; false when the stream cannot run. */
static bool chk_stream(const cfg_config *cfg, const char *conninfo, cg_group *const *groups, size_t ngroups, FILE *out,
                       cb_error *err)
{
	size_t ntables = 0, k = 0;
	for (size_t g = 0; g < ngroups; g++)
		ntables += groups[g]->ntables;
	stream_table *tables = calloc(ntables ? ntables : 1, sizeof(*tables));
	if (tables == NULL)
		return cb_fail(err, "out of memory");
	for (size_t g = 0; g < ngroups; g++)
		for (size_t t = 0; t < groups[g]->ntables; t++) {
			tables[k].schema = groups[g]->tables[t].nspname;
			tables[k++].name = groups[g]->tables[t].name;
		}
	stream_settings s = {
	        .conninfo = conninfo, .instance = cfg->instance_name, .tables = tables, .ntables = ntables};
	chk_ctx cx = {out, 0};
	int n = stream_check(&s, chk_problem, &cx, err);
	free(tables);
	if (n < 0)
		return false;
	int inst = inst_installed(conninfo, err);
	if (inst < 0)
		return false;
	if (inst == 0)
		fprintf(out,
		        "change stream: the DDL event triggers are not installed: DDL without a data change (ALTER "
		        "TABLE ... ADD COLUMN, GRANT, REVOKE, row security policies) is not seen by the cache until "
		        "the table's next change\n  fix: cbcached --install-backend -c %s (as a superuser; see "
		        "doc/cache.md)\n",
		        cfg->path);
	if (n == 0) {
		fprintf(out, "change stream: the backend has what slot and publication cbcache_%s need\n",
		        cfg->instance_name);
		return true;
	}
	if (!cfg->require_stream) {
		fprintf(out,
		        "change stream: %d problem%s; require_stream = off: cbcached would run WITHOUT the change "
		        "stream and never see writes made outside it\n",
		        n, n == 1 ? "" : "s");
		return true;
	}
	return cb_fail(err,
	               "%d problem%s for the change stream (printed above); cbcached would answer nothing from "
	               "the cache until they are fixed",
	               n, n == 1 ? "" : "s");
}

bool chk_cache_groups(const cfg_config *cfg, FILE *report, cb_error *err)
{
	char path[4096];
	size_t npaths = 0;
	for (size_t i = 0; cfg_list_item(cfg->cache_groups, i, path, sizeof(path)); i++) {
		FILE *f = fopen(path, "r");
		if (f == NULL)
			return cb_fail(err, "cache group file %s cannot be read: %s; fix cache_groups in %s", path,
			               strerror(errno), cfg->path);
		fclose(f);
		npaths++;
	}
	if (npaths == 0)
		return true;

	char conninfo[4096];
	if (!chk_backend_conninfo(cfg, conninfo, sizeof(conninfo), err))
		return false;
	char **paths = calloc(npaths, sizeof(*paths));
	if (paths == NULL)
		return cb_fail(err, "out of memory");
	bool ok = true;
	for (size_t i = 0; i < npaths && ok; i++) {
		ok = cfg_list_item(cfg->cache_groups, i, path, sizeof(path)) && (paths[i] = strdup(path)) != NULL;
	}
	if (!ok) {
		for (size_t i = 0; i < npaths; i++)
			free(paths[i]);
		free(paths);
		return cb_fail(err, "out of memory");
	}

	PGconn *conn = PQconnectdb(conninfo);
	if (PQstatus(conn) != CONNECTION_OK) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(conn));
		msg[strcspn(msg, "\n")] = '\0';
		PQfinish(conn);
		for (size_t i = 0; i < npaths; i++)
			free(paths[i]);
		free(paths);
		return cb_fail(err,
		               "cannot connect to the backend as cache_user %s on cache_database %s: %s; fix backend, "
		               "cache_user, cache_database or cache_passfile in %s",
		               cfg->cache_user, cfg->cache_database, msg, cfg->path);
	}

	cg_diags d = {0};
	cg_group **groups = NULL;
	size_t ngroups = 0;
	ok = cg_compile((const char *const *)paths, npaths, conn, &groups, &ngroups, &d);
	if (ok) {
		if (report != NULL) {
			cg_report_print(report, groups, ngroups, false);
			ok = chk_stream(cfg, conninfo, groups, ngroups, report, err);
		}
	} else {
		cg_diag_print(&d, stderr);
		cb_fail(err, "%zu error%s in the cache group files of %s", d.n, d.n == 1 ? "" : "s", cfg->path);
	}
	cg_groups_free(groups, ngroups);
	cg_diag_free(&d);
	PQfinish(conn);
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	return ok;
}
