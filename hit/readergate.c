/*
 * readergate.c - the reader's side of the reader gate (see readergate.h).
 *
 * Functions prefix: readergate_
 */
#include "hit/readergate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cachegroup/generate.h"

bool readergate_word_open(cb_gateword *w)
{
	return w != NULL && cb_gateword_open(w);
}

bool readergate_read(sqlite3 *lite, sqlite3_stmt **stmt, const char *boot_id, int64_t now_ms, readergate *out,
                     cb_error *err)
{
	memset(out, 0, sizeof(*out));
	if (*stmt == NULL && sqlite3_prepare_v2(lite,
	                                        "SELECT \"key\", \"value\" FROM \"" CG_META_TABLE
	                                        "\" WHERE \"key\" IN ('" CG_META_READER_GATE "', '" CG_META_APPLIED_LSN
	                                        "', '" CG_META_DDL_GENERATION "', '" CG_META_FINGERPRINT "')",
	                                        -1, stmt, NULL) != SQLITE_OK) {
		cb_error_set(err, "the cache file's meta table cannot be read: %s (is it a cache file of cbcached?)",
		             sqlite3_errmsg(lite));
		sqlite3_finalize(*stmt);
		*stmt = NULL;
		return false;
	}
	sqlite3_stmt *st = *stmt;
	bool have_gate = false;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const char *value = (const char *)sqlite3_column_text(st, 1);
		if (key == NULL || value == NULL)
			continue;
		if (strcmp(key, CG_META_READER_GATE) == 0) {
			have_gate = true;
			out->open = cb_lease_valid(value, boot_id, now_ms);
			if (!out->open)
				snprintf(out->why, sizeof(out->why),
				         strncmp(value, "open ", 5) == 0 ? "cbcached has not renewed the reader gate's "
				                                           "lease (stopped, or another boot)"
				                                         : "cbcached closed the reader gate (a fence "
				                                           "is up, or the change stream is not "
				                                           "streaming)");
		} else if (strcmp(key, CG_META_APPLIED_LSN) == 0) {
			out->applied_lsn = strtoull(value, NULL, 10);
		} else if (strcmp(key, CG_META_FINGERPRINT) == 0) {
			snprintf(out->fingerprint, sizeof(out->fingerprint), "%s", value);
		} else {
			out->ddl_generation = strtoull(value, NULL, 10);
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		cb_error_set(err, "reading the cache file's meta table failed: %s", sqlite3_errmsg(lite));
		return false;
	}
	if (!have_gate)
		snprintf(out->why, sizeof(out->why),
		         "the cache file has no reader gate (written by an older cbcached)");
	return true;
}
