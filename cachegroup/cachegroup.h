/*
 * cachegroup.h - the public interface of libcachegroup.
 *
 * Functions prefix: cg_ (this file: cg_compile, cg_groups_free)
 *
 * Typical use by the daemon (cbcached) and the check tool:
 *
 *   cg_diags d = {0};
 *   cg_group **groups; size_t n;
 *   if (!cg_compile(paths, npaths, conn, &groups, &n, &d)) {
 *           cg_diag_print(&d, stderr);   // file:line:col: message + hint
 *           ...
 *   }
 *   cg_report_print(stdout, groups, n, with_sql);   // the `check` report
 *   ... use groups[i]->stmts, ->zones, ->entries ...
 *   cg_groups_free(groups, n);
 *   cg_diag_free(&d);
 *
 * The steps are also callable one by one: cg_parse_file() (parser.h),
 * cg_catalog_resolve() (catalog.h), cg_graph_analyse() (graph.h),
 * cg_gen_generate() (generate.h).  The model is in model.h, the type
 * table in types.h.
 */
#ifndef CG_CACHEGROUP_H
#define CG_CACHEGROUP_H

#include <libpq-fe.h>

#include "cachegroup/catalog.h"
#include "cachegroup/generate.h"
#include "cachegroup/graph.h"
#include "cachegroup/model.h"
#include "cachegroup/parser.h"
#include "cachegroup/report.h"
#include "common/pgtype.h"

/*
 * Parse the files (one cache group each), then, when conn is not NULL,
 * resolve them together against the backend; analyse each; and, when
 * resolved, generate their statements.  Stops after the first step that
 * reported errors (later steps would only repeat them).  *groups gets an
 * array of the groups parsed so far (also on failure, for a partial
 * report; free with cg_groups_free).  Returns true when every group is
 * valid.
 */
CB_MUSTCHECK bool cg_compile(const char *const *paths, size_t npaths, PGconn *conn, cg_group ***groups, size_t *ngroups,
                             cg_diags *d);

void cg_groups_free(cg_group **groups, size_t n);

#endif /* CG_CACHEGROUP_H */
