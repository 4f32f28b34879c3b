/*
 * check.h - `cbcached --check`: validation beyond the config file itself.
 *
 * Functions prefix: chk_
 */
#ifndef CBD_CHECK_H
#define CBD_CHECK_H

#include "src/config.h"
#include "src/daemon.h"

/*
 * Validate the cache group files of cfg.  This is the one place where the
 * cache group compiler (cachegroup/) plugs in: today it checks that every
 * listed file can be read; with the compiler it parses each file and
 * resolves it against the backend.
 */
CB_MUSTCHECK bool chk_cache_groups(const cfg_config *cfg, cbd_error *err);

#endif /* CBD_CHECK_H */
