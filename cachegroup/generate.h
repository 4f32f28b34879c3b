/*
 * generate.h - every statement the daemon runs for a cache group.
 *
 * Functions prefix: cg_gen_
 *
 * From a resolved and analysed group: the SQLite DDL of the cache tables
 * (same names and columns as the backend; storage per common/pgtype.h),
 * the control tables (value, loaded_at, last_access, hits) and an index on
 * every entry-point column and RCC source column; the backend queries
 * fetching a fill's closure (one per fill column, one per RCC, one per
 * complete table; value sets bound as one array parameter `= ANY($1)`);
 * the cache inserts; the probe of each entry point; the hit-counter
 * updates along each back-path; the eviction statements (victims, control
 * delete, and the top-down sweep zone by zone).  The result is
 * g->stmts, in the order above; each statement knows what it belongs to.
 *
 * Naming in SQLite: a table in schema public keeps its name, any other is
 * named "schema.table" (one identifier).  Control table of fill T.c:
 * "cbcache_ctl_T_c"; indexes: "cbcache_idx_T_c"; the loaded complete
 * tables are listed in "cbcache_complete"; every one of these tables has
 * a change position in "cbcache_pos" that triggers advance in the
 * transaction of each change to it (hit counts excepted); times are integers
 * (microseconds since the epoch, the daemon's clock).
 *
 * Statement kinds and what belongs to them (cg_stmt.table/fill/rcc/entry/zone):
 *   CG_STMT_INSERT_CONTROL with fill >= 0: record a loaded fill value (?1 value, ?2 now);
 *                          with fill = -1: record a loaded complete table (?1 now).
 *   CG_STMT_PROBE: ?1 the value (no parameter when the entry is a complete
 *                  table's column only); returns 1 when complete.
 */

#define CG_COMPLETE_TABLE "cbcache_complete"
/* Change positions: ("name" of a cache, control or complete table, "pos" advanced by triggers on every change). */
#define CG_POS_TABLE "cbcache_pos"
/* The meta table ("key", "value") and the keys other processes read (cache/gate.h, hit/readergate.h). */
#define CG_META_TABLE "cbcache_meta"
#define CG_META_APPLIED_LSN "applied_lsn"       /* the end LSN of the last backend transaction applied */
#define CG_META_READER_GATE "reader_gate"       /* whether others may answer now: a lease (common/lease.h) */
#define CG_META_DDL_GENERATION "ddl_generation" /* DDL and privilege changes applied (readers check again) */
#define CG_META_FINGERPRINT "fingerprint"       /* cg_gen_fingerprint() of the groups the file was built for */
#define CG_META_SYNCED "synced_us" /* the stamp of the last sync another process asked for, applied (cache/gate.h) */
/*
 * What another process needs to compile the same groups (its compile must
 * give the file's fingerprint): the groups' count, each one's file name
 * and text (CG_META_GROUP_NAME / _SOURCE followed by its index: 0, 1, ...),
 * the fill session's TimeZone, whether the database's text collation is C
 * ("t" or "f") and, when it is not, the libc locale the cache checked it
 * compares as the backend does ("" when none: cache/localecheck.h).  Written by cbcached at every start of the cache.
 */
#define CG_META_GROUPS "groups"
#define CG_META_GROUP_NAME "group_name_"
#define CG_META_GROUP_SOURCE "group_source_"
#define CG_META_FILL_TIMEZONE "fill_timezone"
/* a random id of this start of the cache, also sent to clients (cbcache.cache_id): the file is this cbcached's */
#define CG_META_CACHE_ID "cache_id"
#define CG_META_COLLATION_C "collation_c"
#define CG_META_COLLATION_LOCALE "collation_locale"
/* "t" when enum columns are answered (the DDL event triggers are installed: hit/hitschema.h), else "f" */
#define CG_META_ENUM_COLUMNS "enum_columns"
#ifndef CG_GENERATE_H
#define CG_GENERATE_H

#include "cachegroup/model.h"

/* Generate g->stmts.  g must be resolved and analysed without errors. */
CB_MUSTCHECK bool cg_gen_generate(cg_group *g, cg_diags *d);

/* The first statement of a kind for a table/fill/rcc/entry/zone (-1 = any), or NULL. */
const cg_stmt *cg_gen_find(const cg_group *g, cg_stmt_kind kind, int table, int fill, int rcc, int entry);

/* "cache DDL", "fetch fill rows", ... for display. */
const char *cg_gen_kind_name(cg_stmt_kind kind);

/*
 * Bump when the layout of the cache file changes in a way the groups'
 * statements do not show (forces a rebuild of old files).
 */
#define CG_CACHE_LAYOUT "cbcache-cache-layout-1"

/*
 * The fingerprint of the generated groups into buf (16 hex digits): their
 * tables, columns and types, fills, RCCs and cache DDL, and the layout.
 * The cache file keeps it (meta "fingerprint"); a file with another one
 * was built for other groups, or for other column types.
 */
void cg_gen_fingerprint(cg_group *const *groups, size_t n, char buf[17]);

#endif /* CG_GENERATE_H */
