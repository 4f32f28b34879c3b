/*
 * cachegroup.c - the public interface of libcachegroup: the whole pipeline.
 *
 * Functions prefix: cg_ (cg_compile, cg_groups_free)
 */
#include "cachegroup/cachegroup.h"

#include <stdlib.h>

bool cg_compile(const char *const *paths, size_t npaths, PGconn *conn, cg_group ***groups, size_t *ngroups, cg_diags *d)
{
	*groups = calloc(npaths ? npaths : 1, sizeof(cg_group *));
	*ngroups = 0;
	if (*groups == NULL) {
		d->oom = true;
		return false;
	}
	size_t before = d->n;
	bool ok = true;
	for (size_t i = 0; i < npaths; i++) {
		cg_group *g = cg_parse_file(paths[i], d);
		if (g == NULL) {
			ok = false;
			continue;
		}
		(*groups)[(*ngroups)++] = g;
	}
	if (!ok || d->n > before || d->oom)
		return false;
	if (conn != NULL && !cg_catalog_resolve(conn, *groups, *ngroups, d))
		return false;
	for (size_t i = 0; i < *ngroups; i++)
		if (!cg_graph_analyse((*groups)[i], d))
			ok = false;
	if (!ok || conn == NULL)
		return ok;
	for (size_t i = 0; i < *ngroups; i++)
		if (!cg_gen_generate((*groups)[i], d))
			ok = false;
	return ok;
}

void cg_groups_free(cg_group **groups, size_t n)
{
	if (groups == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		cg_model_free(groups[i]);
	free(groups);
}
