/*
 * report.h - the human-readable report of `check` (cbcache-cg, cbcached --check).
 *
 * Functions prefix: cg_report_
 */
#ifndef CG_REPORT_H
#define CG_REPORT_H

#include <stdio.h>

#include "cachegroup/model.h"

/*
 * Print each group: tables with primary key and unique columns, fill
 * columns with their permitted values, RCCs, zones in load order with
 * their cycle classification, entry points with their back-paths, and
 * with with_sql every generated statement with its parameters.  Parts not
 * computed yet (unresolved tables, no statements) are said so.
 */
void cg_report_print(FILE *out, cg_group *const *groups, size_t n, bool with_sql);

#endif /* CG_REPORT_H */
