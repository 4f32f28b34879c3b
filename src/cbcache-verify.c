/*
 * cbcache-verify - check a cache file against the backend.
 *
 *   cbcache-verify --cache FILE --backend CONNINFO GROUPFILE...
 *
 * Compiles the cache group files against the backend, checks that the
 * cache file was built for exactly these groups (its fingerprint), then
 * runs the invariant checker (cache/verify.h) and prints each violation.
 * Exit status: 0 no violation, 1 violations, 2 usage or error.
 */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cachedb.h"
#include "cache/pgconn.h"
#include "cache/verify.h"
#include "cachegroup/cachegroup.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: cbcache-verify --cache FILE --backend CONNINFO GROUPFILE...\n"
	             "Compare the cache file of cbcached with the backend: every control value, every value\n"
	             "of an RCC source column and every complete table must have exactly the backend's rows.\n"
	             "Exit status: 0 valid, 1 violations found, 2 usage or error.\n");
}

/* The fingerprint stored in the cache file, or NULL. */
static char *stored_fingerprint(sqlite3 *lite)
{
	sqlite3_stmt *st = NULL;
	char *fp = NULL;
	if (sqlite3_prepare_v2(lite, "SELECT \"value\" FROM \"cbcache_meta\" WHERE \"key\" = 'fingerprint'", -1, &st,
	                       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		fp = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return fp;
}

int main(int argc, char **argv)
{
	const char *cache = NULL, *conninfo = NULL;
	const char **files = calloc((size_t)argc + 1, sizeof(char *));
	size_t nfiles = 0;
	if (files == NULL) {
		fprintf(stderr, "cbcache-verify: out of memory\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cache") == 0 && i + 1 < argc) {
			cache = argv[++i];
		} else if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc) {
			conninfo = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			free(files);
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "cbcache-verify: unknown option \"%s\" (or an option without its argument)\n",
			        argv[i]);
			usage(stderr);
			free(files);
			return 2;
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (cache == NULL || conninfo == NULL || nfiles == 0) {
		fprintf(stderr, "cbcache-verify: give --cache, --backend and at least one cache group file\n");
		usage(stderr);
		free(files);
		return 2;
	}
	int status = 2;
	cb_error err = {{0}};
	PGconn *pg = NULL;
	sqlite3 *lite = NULL;
	cg_group **groups = NULL;
	size_t ngroups = 0;
	cg_diags d = {0};
	if (!pgconn_connect(conninfo, &pg, &err)) {
		fprintf(stderr, "cbcache-verify: %s\n", err.msg);
		goto out;
	}
	if (!cg_compile(files, nfiles, pg, &groups, &ngroups, &d)) {
		cg_diag_print(&d, stderr);
		fprintf(stderr, "cbcache-verify: the cache group files are not valid (see above)\n");
		goto out;
	}
	if (sqlite3_open_v2(cache, &lite, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr,
		        "cbcache-verify: cannot open the cache file %s: %s; give the path of cbcached's cache file\n",
		        cache, sqlite3_errmsg(lite));
		goto out;
	}
	sqlite3_busy_timeout(lite, 5000);
	char fp[17];
	cg_gen_fingerprint(groups, ngroups, fp);
	char *stored = stored_fingerprint(lite);
	if (stored == NULL || strcmp(stored, fp) != 0) {
		fprintf(stderr,
		        "cbcache-verify: the cache file %s was not built for these cache groups (fingerprint %s, the "
		        "file "
		        "has %s): give the same group files as cbcached\n",
		        cache, fp, stored ? stored : "none");
		free(stored);
		goto out;
	}
	free(stored);
	long n = verify_run(groups, ngroups, lite, pg, verify_print, stdout, &err);
	if (n < 0) {
		fprintf(stderr, "cbcache-verify: %s\n", err.msg);
		goto out;
	}
	printf("%ld violation%s\n", n, n == 1 ? "" : "s");
	status = n == 0 ? 0 : 1;
out:
	sqlite3_close(lite);
	cg_groups_free(groups, ngroups);
	cg_diag_free(&d);
	PQfinish(pg);
	free(files);
	return status;
}
