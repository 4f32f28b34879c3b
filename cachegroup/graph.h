/*
 * graph.h - analysis of a cache group's RCC graph (pure code, no backend).
 *
 * Functions prefix: cg_graph_
 *
 * Computes the atomic zones (strongly connected components, Tarjan), the
 * classification of each zone's cycles (DESIGN.md section 1), the zones'
 * load order (targets first; eviction runs the reverse), the entry points
 * and, for each entry point, the back-paths to the control tables that
 * are responsible for its values.  Rejects heterogeneous cycles and
 * tables that nothing can ever load.
 */
#ifndef CG_GRAPH_H
#define CG_GRAPH_H

#include "cachegroup/model.h"

/*
 * Analyse g (parsed without errors; resolved or not: unique columns are
 * known only after catalog resolution).  Fills g->zones, each table's
 * zone, and g->entries.  Returns false with errors in d when the group is
 * invalid or memory ran out; the zones are filled either way.
 */
CB_MUSTCHECK bool cg_graph_analyse(cg_group *g, cg_diags *d);

/* "homogeneous cycle", ... for display. */
const char *cg_graph_cycle_kind_name(cg_cycle_kind kind);

#endif /* CG_GRAPH_H */
