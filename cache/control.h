/*
 * control.h - the control tables: which fill values and complete tables
 * the cache holds, and how recently they were used.
 *
 * Functions prefix: control_
 *
 * A fill column T.c has a control table (cg_fill.ctl_name: value,
 * loaded_at, last_access, hits); a value v in it promises that every
 * backend row of T with c = v is cached (DESIGN.md section 1, the control
 * invariant).  The loaded complete tables are listed in one marker table
 * (CG_COMPLETE_TABLE).  This module is every read and write of those
 * tables that is not a probe (the probes are the hit path's, hit/):
 * recording a loaded value or table (the fill's last step), choosing the
 * least recently used values and removing them (the garbage collector),
 * removing all the promises on a set of tables (invalidation), counting
 * them (SHOW CONTROLS).  The hit counter's updates of last_access and hits
 * run the generated back-path statements (cache/hitcount.h).
 *
 * Writing functions run inside the caller's write transaction, on a
 * connection of the caller's thread, under the cache write lock where the
 * caller's DESIGN says so; they never begin or commit themselves.
 */
#ifndef CB_CONTROL_H
#define CB_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cachedb.h"
#include "common/contract.h"
#include "common/error.h"

/* Record value (the cache's text of it) as loaded for fill of group, at now_us. */
CB_MUSTCHECK bool control_insert(cachedb_conn *c, size_t group, size_t fill, const char *value, int64_t now_us,
                                 cb_error *err);

/* Record the complete tables of group in `tables` (bit t: g->tables[t]; UINT64_MAX: all) as loaded. */
CB_MUSTCHECK bool control_mark_complete(cachedb_conn *c, size_t group, uint64_t tables, int64_t now_us, cb_error *err);

/* A control value chosen for eviction. */
typedef struct control_victim {
	size_t group, fill;
	char *value;
	int64_t last_access, hits;
} control_victim;

/*
 * The k least recently used control values of all fill columns (by
 * last_access, ties by fewer hits), into a new array *out of *nout;
 * *total gets the number of control values there are.  Free with
 * control_victims_free().
 */
CB_MUSTCHECK bool control_victims(cachedb_conn *c, size_t k, control_victim **out, size_t *nout, size_t *total,
                                  cb_error *err);
void control_victims_free(control_victim *v, size_t n);

/* Remove the n control values v; *found counts those that were there. */
CB_MUSTCHECK bool control_delete(cachedb_conn *c, const control_victim *v, size_t n, size_t *found, cb_error *err);

/*
 * Remove every promise on the tables of group marked in in_table (one
 * bool per g->tables): the control values of their fill columns and the
 * markers of the complete ones.  *removed (may be NULL) counts the control
 * values removed.
 */
CB_MUSTCHECK bool control_clear_tables(cachedb_conn *c, size_t group, const bool *in_table, uint64_t *removed,
                                       cb_error *err);

/* Remove every control value of every fill column (EVICT ALL); *removed counts them. */
CB_MUSTCHECK bool control_clear_all(cachedb_conn *c, uint64_t *removed, cb_error *err);

/* Per fill column (SHOW CONTROLS): values loaded, their hits, the oldest
 * last_access (0 when none).  Calls fn for every fill of every group; one
 * read transaction unless the caller has one open. */
typedef void (*control_summary_fn)(void *arg, size_t group, size_t fill, int64_t values, int64_t hits,
                                   int64_t oldest_access_us);
CB_MUSTCHECK bool control_summary(cachedb_conn *c, control_summary_fn fn, void *arg, cb_error *err);

/*
 * The canonical text of a value for column col as typed by a user: for
 * integer columns the decimal number without sign noise ("007" -> "7"),
 * otherwise the text itself.  NULL with err set when it is not a value
 * of the column.  Caller frees.
 */
CB_MUSTCHECK char *control_normalize_value(const cg_column *col, const char *text, cb_error *err);

/* Find fill "table.column" (or "schema.table.column") among the groups. */
CB_MUSTCHECK bool control_find_fill(cg_group *const *groups, size_t n, const char *name, size_t *group, size_t *fill);

#endif /* CB_CONTROL_H */
