/*
 * install.h - what cbcached installs on the backend beside its replication
 * slot and publication: the DDL event triggers (`cbcached
 * --install-backend`), and their removal with the instance's slot and
 * publication (`cbcached --uninstall`).
 *
 * Functions prefix: inst_
 *
 * DESIGN
 *
 * pgoutput sends a Relation message before the first change of a table
 * whose columns changed, but DDL without a data change (ALTER TABLE ...
 * ADD COLUMN, ALTER COLUMN TYPE, DROP), GRANT/REVOKE and row-security
 * policies never reach the stream by themselves.  Two event triggers
 * (ddl_command_end and sql_drop) call one function that emits a
 * transactional logical message, prefix cbcache_ddl, whose content lists
 * the OIDs of the relations the command touched (possibly none, e.g. for
 * GRANT on a function).  The message commits with the DDL, so the
 * applier sees it in commit order: it compares the columns of the cache
 * tables named with the group's and bumps the DDL generation, which makes
 * every session check its privileges again (src/replica.h).
 *
 * The function lives in its own schema (cbcache), is SECURITY DEFINER (any
 * role that runs DDL may emit the message through it; the function itself
 * takes no input) with a fixed search_path.  Event triggers need a
 * superuser to create; one installation serves every cbcached instance on
 * the database.  Not seen: changes of shared objects (roles, their
 * membership and attributes such as BYPASSRLS), which event triggers do
 * not report (doc/cache.md).
 */
#ifndef CBD_INSTALL_H
#define CBD_INSTALL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* The statements --install-backend runs (for a superuser to run by hand). */
const char *inst_install_sql(void);
/* The statements that remove them. */
const char *inst_uninstall_sql(void);

/*
 * Install the event triggers on the database of conninfo (a superuser's
 * connection).  False with the cause and the fix (the statements to run as
 * a superuser) in err.
 */
CB_MUSTCHECK bool inst_install(const char *conninfo, cb_error *err);

/* 1 when both event triggers exist and are enabled, 0 when not, -1 with err when it cannot be told. */
int inst_installed(const char *conninfo, cb_error *err);

/*
 * cbcached --uninstall: drop the slot and publication of instance (a
 * stopped cbcached), then the event triggers when no other cbcache slot is
 * left on the database.  Reports each step on out.  False with err when a
 * step failed (the statement to run instead is in err).
 */
CB_MUSTCHECK bool inst_uninstall(const char *conninfo, const char *instance, void (*say)(const char *line),
                                 cb_error *err);

#endif /* CBD_INSTALL_H */
