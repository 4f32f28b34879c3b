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

/* One row of scalar subqueries, each a lookup of the key's index: an IN list would build an ephemeral table
 * every execution (its pager opened and closed, allocations under SQLite's global memory mutex). */
#define META_VALUE(key) "(SELECT \"value\" FROM \"" CG_META_TABLE "\" WHERE \"key\" = '" key "')"

void readergate_judge(readergate *g, const char *boot_id, int64_t now_ms)
{
	g->open = g->lease[0] != '\0' && cb_lease_valid(g->lease, boot_id, now_ms);
	if (g->open)
		g->why[0] = '\0';
	else if (g->lease[0] == '\0')
		snprintf(g->why, sizeof(g->why), "the cache file has no reader gate (written by an older cbcached)");
	else if (strncmp(g->lease, "open ", 5) == 0)
		snprintf(g->why, sizeof(g->why),
		         "cbcached has not renewed the reader gate's lease (stopped, or another boot)");
	else
		snprintf(g->why, sizeof(g->why),
		         "cbcached closed the reader gate (a fence is up, or the change stream is not streaming)");
}

bool readergate_read(sqlite3 *lite, sqlite3_stmt **stmt, const char *boot_id, int64_t now_ms, readergate *out,
                     cb_error *err)
{
	memset(out, 0, sizeof(*out));
	if (*stmt == NULL &&
	    sqlite3_prepare_v2(
	            lite,
	            "SELECT " META_VALUE(CG_META_READER_GATE) ", " META_VALUE(CG_META_APPLIED_LSN) ", " META_VALUE(
	                    CG_META_DDL_GENERATION) ", " META_VALUE(CG_META_FINGERPRINT) ", " META_VALUE(CG_META_SYNCED),
	            -1, stmt, NULL) != SQLITE_OK) {
		cb_error_set(err, "the cache file's meta table cannot be read: %s (is it a cache file of cbcached?)",
		             sqlite3_errmsg(lite));
		sqlite3_finalize(*stmt);
		*stmt = NULL;
		return false;
	}
	sqlite3_stmt *st = *stmt;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		cb_error_set(err, "reading the cache file's meta table failed: %s", sqlite3_errmsg(lite));
		sqlite3_reset(st);
		return false;
	}
	const char *gate = (const char *)sqlite3_column_text(st, 0);
	const char *lsn = (const char *)sqlite3_column_text(st, 1);
	const char *ddl = (const char *)sqlite3_column_text(st, 2);
	const char *fingerprint = (const char *)sqlite3_column_text(st, 3);
	const char *synced = (const char *)sqlite3_column_text(st, 4);
	if (gate != NULL)
		snprintf(out->lease, sizeof(out->lease), "%s", gate);
	readergate_judge(out, boot_id, now_ms);
	if (lsn != NULL)
		out->applied_lsn = strtoull(lsn, NULL, 10);
	if (ddl != NULL)
		out->ddl_generation = strtoull(ddl, NULL, 10);
	if (fingerprint != NULL)
		snprintf(out->fingerprint, sizeof(out->fingerprint), "%s", fingerprint);
	if (synced != NULL)
		out->synced_us = strtoull(synced, NULL, 10);
	sqlite3_reset(st);
	return true;
}
