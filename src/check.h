/*
 * check.h - `cbcached --check`: validation beyond the config file itself.
 *
 * Functions prefix: chk_
 */
#ifndef CBD_CHECK_H
#define CBD_CHECK_H

#include <stdio.h>

#include "src/config.h"
#include "src/daemon.h"

/*
 * Validate the cache group files of cfg: each can be read, and together
 * they compile against the backend (connecting as cache_user to
 * cache_database), so that the cache could load them.  Errors of the files
 * are printed to stderr as file:line:col: message plus hint; err then
 * summarizes.  When report is not NULL and the groups are valid, the
 * compiler's report (tables, fills, RCCs, zones, entry points) is printed
 * there.
 */
CB_MUSTCHECK bool chk_cache_groups(const cfg_config *cfg, FILE *report, cb_error *err);

/*
 * The libpq conninfo of the cache's own backend connection: backend plus
 * cache_database, cache_user and cache_passfile.  Fails when either of the
 * first two is not set.
 */
CB_MUSTCHECK bool chk_backend_conninfo(const cfg_config *cfg, char *buf, size_t n, cb_error *err);

#endif /* CBD_CHECK_H */
