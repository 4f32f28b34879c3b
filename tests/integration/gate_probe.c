/*
 * gate_probe.c - read a cache file the way another process answering from
 * it must (hit/readergate.h), for test_daemon_gate.py.
 *
 *   gate_probe CACHE_FILE [SQL]
 *
 * Loads the gate word, then in one read transaction judges the lease and
 * reads applied_lsn and ddl_generation (and runs SQL, printing each row's
 * values separated by '|').  Prints "open" or "closed: <why>", then
 * "applied_lsn N", "ddl_generation N", then "row <values>" per row.
 * Exit 0, or 2 when the file cannot be read.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "common/lease.h"
#include "hit/readergate.h"

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: gate_probe CACHE_FILE [SQL]\n");
		return 2;
	}
	char why[256];
	cb_gateword *w = cb_gateword_map(argv[1], false, why, sizeof(why));
	if (w == NULL) {
		fprintf(stderr, "gate_probe: %s\n", why);
		return 2;
	}
	bool word_open = readergate_word_open(w); /* before the read transaction */
	sqlite3 *lite = NULL;
	if (sqlite3_open_v2(argv[1], &lite, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "gate_probe: %s\n", lite != NULL ? sqlite3_errmsg(lite) : "out of memory");
		sqlite3_close(lite);
		cb_gateword_unmap(w);
		return 2;
	}
	sqlite3_busy_timeout(lite, 10000);
	char boot[CB_LEASE_BOOT_ID_MAX];
	if (!cb_lease_boot_id(boot, sizeof(boot)))
		boot[0] = '\0';
	readergate g;
	sqlite3_stmt *meta = NULL;
	cb_error err = {{0}};
	int rc = 2;
	if (sqlite3_exec(lite, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    !readergate_read(lite, &meta, boot, cb_lease_now_ms(), &g, &err)) {
		fprintf(stderr, "gate_probe: %s\n", err.msg[0] != '\0' ? err.msg : sqlite3_errmsg(lite));
		goto out;
	}
	if (!word_open)
		printf("closed: cbcached closed the gate word (a fence is up, or it stopped)\n");
	else if (!g.open)
		printf("closed: %s\n", g.why);
	else
		printf("open\n");
	printf("applied_lsn %llu\nddl_generation %llu\n", (unsigned long long)g.applied_lsn,
	       (unsigned long long)g.ddl_generation);
	if (argc == 3) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(lite, argv[2], -1, &st, NULL) != SQLITE_OK) {
			fprintf(stderr, "gate_probe: %s\n", sqlite3_errmsg(lite));
			goto out;
		}
		int step;
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			printf("row ");
			for (int i = 0; i < sqlite3_column_count(st); i++) {
				const unsigned char *v = sqlite3_column_text(st, i);
				printf("%s%s", i ? "|" : "", v != NULL ? (const char *)v : "");
			}
			printf("\n");
		}
		sqlite3_finalize(st);
		if (step != SQLITE_DONE) {
			fprintf(stderr, "gate_probe: %s\n", sqlite3_errmsg(lite));
			goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(meta);
	sqlite3_exec(lite, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(lite);
	cb_gateword_unmap(w);
	return rc;
}
