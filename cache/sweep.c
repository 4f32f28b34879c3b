/*
 * sweep.c - the top-down sweep (see sweep.h).
 *
 * Functions prefix: sweep_
 */
#include "cache/sweep.h"

#include <string.h>

/* Run one statement; a DELETE adds the rows it deleted to *deleted (not what its triggers changed). */
static bool run_sql(cachedb_conn *c, const char *sql, uint64_t *deleted, cb_error *err)
{
	if (!cachedb_exec(c, sql, err))
		return false;
	if (deleted && strncmp(sql, "DELETE", 6) == 0)
		*deleted += (uint64_t)sqlite3_changes64(c->lite);
	return true;
}

/* The statements of one zone from index *i on, in one transaction. */
static bool sweep_zone(cachedb_conn *c, const cg_group *g, size_t *i, uint64_t *deleted, cb_error *err)
{
	int zone = g->stmts[*i].zone;
	bool cycle = g->zones[zone].kind != CG_CYCLE_NONE;
	bool ok = cachedb_begin(c, true, err);
	if (ok && cycle)
		ok = run_sql(c, "DROP TABLE IF EXISTS temp.\"cbcache_keep\"", NULL, err);
	for (; *i < g->nstmts && g->stmts[*i].kind == CG_STMT_EVICT_SWEEP && g->stmts[*i].zone == zone; (*i)++)
		if (ok)
			ok = run_sql(c, g->stmts[*i].sql, deleted, err);
	if (ok)
		return cachedb_commit(c, err);
	cachedb_rollback(c);
	return false;
}

bool sweep_run(cachedb_conn *c, uint64_t *deleted, cb_error *err)
{
	uint64_t n = 0;
	bool ok = true;
	for (size_t gi = 0; gi < cachedb_ngroups(c->db) && ok; gi++) {
		const cg_group *g = cachedb_group(c->db, gi);
		size_t i = 0;
		while (i < g->nstmts && ok) {
			if (g->stmts[i].kind == CG_STMT_EVICT_SWEEP)
				ok = sweep_zone(c, g, &i, &n, err);
			else
				i++;
		}
	}
	if (deleted)
		*deleted += n;
	return ok;
}
