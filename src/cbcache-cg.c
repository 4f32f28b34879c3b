/*
 * cbcache-cg - check cache group definition files.
 *
 *   cbcache-cg check FILE... --backend CONNINFO [--sql]
 *   cbcache-cg parse FILE... [--sql]
 *
 * `check` parses the files, resolves them against the backend, analyses
 * and generates them, and prints the report (tables, fill columns, RCCs,
 * zones, entry points; with --sql every generated statement).  `parse`
 * does the same without a backend (no catalog checks, no statements).
 * Exit status: 0 valid, 1 errors (on stderr), 2 usage.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "cachegroup/cachegroup.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: cbcache-cg check FILE... --backend CONNINFO [--sql]\n"
	             "       cbcache-cg parse FILE... [--sql]\n"
	             "Check cache group definition files; `check` resolves them against the backend\n"
	             "(CONNINFO is a libpq connection string, e.g. \"host=/tmp dbname=movies\").\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	bool check = strcmp(argv[1], "check") == 0;
	if (!check && strcmp(argv[1], "parse") != 0) {
		fprintf(stderr, "cbcache-cg: unknown command \"%s\"; use check or parse\n", argv[1]);
		usage(stderr);
		return 2;
	}
	const char *conninfo = NULL;
	bool with_sql = false;
	const char **files = calloc((size_t)argc, sizeof(char *));
	size_t nfiles = 0;
	if (files == NULL) {
		fprintf(stderr, "cbcache-cg: out of memory\n");
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc) {
			conninfo = argv[++i];
		} else if (strcmp(argv[i], "--sql") == 0) {
			with_sql = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "cbcache-cg: unknown option \"%s\" (or --backend without CONNINFO)\n", argv[i]);
			usage(stderr);
			free(files);
			return 2;
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (nfiles == 0 || (check && conninfo == NULL)) {
		fprintf(stderr, "cbcache-cg: %s\n",
		        nfiles == 0 ? "no cache group file given" : "check needs --backend CONNINFO (or use parse)");
		usage(stderr);
		free(files);
		return 2;
	}
	PGconn *conn = NULL;
	if (check) {
		conn = PQconnectdb(conninfo);
		if (PQstatus(conn) != CONNECTION_OK) {
			fprintf(stderr, "cbcache-cg: cannot connect to the backend: %s", PQerrorMessage(conn));
			fprintf(stderr,
			        "  hint: check --backend (a libpq connection string) and that the server runs\n");
			PQfinish(conn);
			free(files);
			return 1;
		}
	}
	cg_diags d = {0};
	cg_group **groups = NULL;
	size_t n = 0;
	bool ok = cg_compile(files, nfiles, conn, &groups, &n, &d);
	if (ok)
		cg_report_print(stdout, groups, n, with_sql);
	else
		cg_diag_print(&d, stderr);
	cg_groups_free(groups, n);
	cg_diag_free(&d);
	PQfinish(conn);
	free(files);
	return ok ? 0 : 1;
}
