/*
 * reach.h - what the backend's catalog says about statements sent to it:
 * which cache tables a write of a relation may reach, and which functions
 * a call of cannot change anything.
 *
 * Functions prefix: reach_
 *
 * DESIGN
 *
 * A session judges a statement it sends to the backend by its text
 * (sql/stmtclass.h); the text names the relations it writes, but a write
 * travels further than the text says:
 *
 *  - foreign keys with ON UPDATE/DELETE CASCADE, SET NULL or SET DEFAULT
 *    write the referencing table when the referenced one changes (and so
 *    on, transitively); TRUNCATE ... CASCADE empties every referencing
 *    table whatever its action;
 *  - a write of a partitioned or inheritance parent writes its children;
 *  - a trigger or a rule (other than a view's) may write anything, and so
 *    may a write through a view (its rules or INSTEAD OF triggers).
 *
 * reach_load() reads those from pg_constraint, pg_inherits, pg_trigger,
 * pg_rewrite and pg_class and computes, for every relation whose write
 * may reach more than itself, the cache tables it reaches (closure over
 * the edges) or that it may reach anything (a relation with a trigger,
 * rule or view on the way).  Relations are matched by name as the text
 * scanner sees them (unqualified; relations of one name in several
 * schemas are merged).  It also reads the harmless functions: the
 * non-volatile functions of pg_catalog and the volatile ones listed in
 * reach.c (random, nextval, clock_timestamp, ...), except set_config and
 * every name some function outside pg_catalog also has (it could be the
 * one a call resolves to).  For the memo of backend answers it reads
 * the functions and operators a memoised answer may use and the relations
 * with inheritance children (reach_memo_list, reach_has_children).
 *
 * A reach is immutable once loaded; the cache service swaps in a new one
 * after DDL and keeps the old one alive while sessions hold it (refs).
 */
#ifndef CB_REACH_H
#define CB_REACH_H

#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "cachegroup/cachegroup.h"
#include "common/contract.h"
#include "common/error.h"
#include "sql/stmtclass.h"

typedef struct reach reach;

/* Read the catalog on pg for the cache groups; NULL with err. The result has one reference. */
CB_MUSTCHECK reach *reach_load(PGconn *pg, cg_group *const *groups, size_t ngroups, cb_error *err);

/* Another reference to r (NULL is fine). */
reach *reach_ref(reach *r);
/* Drop a reference; the last frees r (NULL is fine). */
void reach_unref(reach *r);

/* Set the reach and harmless fields of t from r (t's groups and names are the caller's). */
void reach_apply(const reach *r, sqlfe_stmtclass_tables *t);

/* The lists the memo of backend answers judges with (sql/memoable.h), each sorted by strcmp. */
#define REACH_MEMO_SAFE_FUNCS 0  /* functions a memoised answer may call */
#define REACH_MEMO_OTHER_FUNCS 1 /* every other function name */
#define REACH_MEMO_SAFE_OPS 2    /* operators a memoised answer may use */
#define REACH_MEMO_NLISTS 3
/* List which of r (NULL: none, *n 0). */
const char *const *reach_memo_list(const reach *r, int which, size_t *n);
/* Whether relation oid has inheritance children (partitions included). */
bool reach_has_children(const reach *r, unsigned oid);

/* Counts for the log and tests. */
size_t reach_relations(const reach *r);
size_t reach_functions(const reach *r);

#endif /* CB_REACH_H */
