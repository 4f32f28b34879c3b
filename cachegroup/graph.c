/*
 * graph.c - analysis of a cache group's RCC graph (pure code, no backend).
 *
 * Functions prefix: cg_graph_
 */
#include "cachegroup/graph.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/sb.h"

typedef struct tarjan {
	const cg_group *g;
	int *index;
	int *low;
	bool *on_stack;
	size_t *stack;
	size_t sp;
	int counter;
	cg_zone *zones;
	size_t nzones;
	bool oom;
} tarjan;

static bool rcc_ok(const cg_group *g, const cg_rcc *r)
{
	return r->src < g->ntables && r->dst < g->ntables;
}

static void strongconnect(tarjan *tj, size_t v)
{
	const cg_group *g = tj->g;
	tj->index[v] = tj->low[v] = tj->counter++;
	tj->stack[tj->sp++] = v;
	tj->on_stack[v] = true;
	for (size_t i = 0; i < g->nrccs; i++) {
		const cg_rcc *r = &g->rccs[i];
		if (!rcc_ok(g, r) || r->src != v)
			continue;
		size_t w = r->dst;
		if (tj->index[w] < 0) {
			strongconnect(tj, w);
			if (tj->low[w] < tj->low[v])
				tj->low[v] = tj->low[w];
		} else if (tj->on_stack[w] && tj->index[w] < tj->low[v]) {
			tj->low[v] = tj->index[w];
		}
	}
	if (tj->low[v] != tj->index[v])
		return;
	/* v is the root of a zone: pop it */
	size_t n = 0;
	while (tj->stack[tj->sp - 1 - n] != v)
		n++;
	n++;
	cg_zone *z = &tj->zones[tj->nzones];
	memset(z, 0, sizeof(*z));
	z->tables = malloc(n * sizeof(size_t));
	if (z->tables == NULL) {
		tj->oom = true;
		n = 0;
	}
	/* keep declaration order inside a zone */
	for (size_t i = 0; i < n; i++)
		z->tables[i] = tj->stack[tj->sp - n + i];
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && z->tables[j - 1] > z->tables[j]; j--) {
			size_t tmp = z->tables[j];
			z->tables[j] = z->tables[j - 1];
			z->tables[j - 1] = tmp;
		}
	z->ntables = n;
	do {
		size_t w = tj->stack[--tj->sp];
		tj->on_stack[w] = false;
	} while (tj->stack[tj->sp] != v);
	tj->nzones++;
}

const char *cg_graph_cycle_kind_name(cg_cycle_kind kind)
{
	switch (kind) {
	case CG_CYCLE_NONE:
		return "no cycle";
	case CG_CYCLE_HOMOGENEOUS:
		return "homogeneous cycle";
	case CG_CYCLE_HETEROGENEOUS:
		return "heterogeneous cycle";
	}
	return "?";
}

static bool in_zone(const cg_group *g, size_t zone, size_t table)
{
	return g->tables[table].zone == zone;
}

static bool inner_rcc(const cg_group *g, size_t zone, const cg_rcc *r)
{
	return rcc_ok(g, r) && in_zone(g, zone, r->src) && in_zone(g, zone, r->dst);
}

/* Report a heterogeneous zone: a closed walk through table t entering by
 * one column and leaving by another. */
static bool report_heterogeneous(cg_group *g, size_t zi, size_t t, cg_diags *d)
{
	size_t e_in = SIZE_MAX, e_out = SIZE_MAX;
	for (size_t i = 0; i < g->nrccs && e_out == SIZE_MAX; i++) {
		const cg_rcc *in = &g->rccs[i];
		if (!inner_rcc(g, zi, in) || in->dst != t)
			continue;
		for (size_t j = 0; j < g->nrccs; j++) {
			const cg_rcc *out = &g->rccs[j];
			if (inner_rcc(g, zi, out) && out->src == t && strcmp(in->dst_column, out->src_column) != 0) {
				e_in = i;
				e_out = j;
				break;
			}
		}
	}
	if (e_out == SIZE_MAX)
		return true; /* cannot happen for a table with two columns in the zone */
	/* breadth-first from the target of e_out to the source of e_in, inside the zone */
	size_t n = g->ntables;
	size_t *via = malloc(n * sizeof(size_t)); /* rcc that reached the table */
	size_t *queue = malloc(n * sizeof(size_t));
	size_t *walk = malloc((n + 2) * sizeof(size_t));
	if (via == NULL || queue == NULL || walk == NULL) {
		free(via);
		free(queue);
		free(walk);
		d->oom = true;
		return false;
	}
	for (size_t i = 0; i < n; i++)
		via[i] = SIZE_MAX;
	size_t start = g->rccs[e_out].dst, goal = g->rccs[e_in].src;
	size_t qh = 0, qt = 0;
	queue[qt++] = start;
	via[start] = e_out;
	while (qh < qt && via[goal] == SIZE_MAX) {
		size_t u = queue[qh++];
		for (size_t i = 0; i < g->nrccs; i++) {
			const cg_rcc *r = &g->rccs[i];
			if (inner_rcc(g, zi, r) && r->src == u && via[r->dst] == SIZE_MAX) {
				via[r->dst] = i;
				queue[qt++] = r->dst;
			}
		}
	}
	/* walk back from goal to start */
	size_t nw = 0;
	if (e_in != e_out) /* else a self-loop: one RCC is the whole cycle */
		walk[nw++] = e_in;
	for (size_t u = goal; u != start;) {
		size_t r = via[u];
		walk[nw++] = r;
		u = g->rccs[r].src;
	}
	walk[nw++] = e_out;
	cb_sb sb;
	cb_sb_init(&sb);
	for (size_t k = nw; k-- > 0;) {
		const cg_rcc *r = &g->rccs[walk[k]];
		cb_sb_printf(&sb, "%s%s.%s -> %s.%s (line %d)", k + 1 == nw ? "" : ", ", g->tables[r->src].name,
		             r->src_column, g->tables[r->dst].name, r->dst_column, r->pos.line);
	}
	char *path = cb_sb_finish(&sb);
	const cg_rcc *out = &g->rccs[e_out];
	bool ok = path != NULL &&
	          cg_diag_add(d, out->pos,
	                      "on an RCC cycle every table must enter and leave by the same column (a homogeneous "
	                      "cycle, loaded in one pass); remove one of these RCCs",
	                      "heterogeneous RCC cycle: table \"%s\" is entered by column \"%s\" and left by column "
	                      "\"%s\": %s",
	                      g->tables[t].name, g->rccs[e_in].dst_column, out->src_column, path);
	if (path == NULL)
		d->oom = true;
	free(path);
	free(via);
	free(queue);
	free(walk);
	return ok;
}

/* Classify zone zi; report it when heterogeneous.  false on OOM. */
static bool classify(cg_group *g, size_t zi, cg_diags *d)
{
	cg_zone *z = &g->zones[zi];
	bool any = false;
	for (size_t i = 0; i < g->nrccs; i++)
		if (inner_rcc(g, zi, &g->rccs[i]))
			any = true;
	if (!any) {
		z->kind = CG_CYCLE_NONE;
		return true;
	}
	z->cycle_cols = calloc(z->ntables, sizeof(char *));
	if (z->cycle_cols == NULL) {
		d->oom = true;
		return false;
	}
	z->kind = CG_CYCLE_HOMOGENEOUS;
	size_t bad = SIZE_MAX;
	for (size_t k = 0; k < z->ntables; k++) {
		size_t t = z->tables[k];
		const char *col = NULL;
		for (size_t i = 0; i < g->nrccs; i++) {
			const cg_rcc *r = &g->rccs[i];
			if (!inner_rcc(g, zi, r))
				continue;
			const char *ends[2] = {r->src == t ? r->src_column : NULL, r->dst == t ? r->dst_column : NULL};
			for (int e = 0; e < 2; e++) {
				if (ends[e] == NULL)
					continue;
				if (col == NULL)
					col = ends[e];
				else if (strcmp(col, ends[e]) != 0 && bad == SIZE_MAX)
					bad = t;
			}
		}
		if (col != NULL) {
			z->cycle_cols[k] = strdup(col);
			if (z->cycle_cols[k] == NULL) {
				d->oom = true;
				return false;
			}
		}
	}
	if (bad != SIZE_MAX) {
		z->kind = CG_CYCLE_HETEROGENEOUS;
		return report_heterogeneous(g, zi, bad, d);
	}
	return true;
}

/* Tables a fill, completeness or an RCC from a loadable table can reach. */
static bool check_loadable(cg_group *g, cg_diags *d)
{
	bool ok = true;
	bool *reached = calloc(g->ntables ? g->ntables : 1, sizeof(bool));
	if (reached == NULL) {
		d->oom = true;
		return false;
	}
	for (size_t i = 0; i < g->ntables; i++)
		reached[i] = g->tables[i].complete;
	for (size_t i = 0; i < g->nfills; i++)
		if (g->fills[i].table < g->ntables)
			reached[g->fills[i].table] = true;
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t i = 0; i < g->nrccs; i++) {
			const cg_rcc *r = &g->rccs[i];
			if (rcc_ok(g, r) && reached[r->src] && !reached[r->dst]) {
				reached[r->dst] = true;
				changed = true;
			}
		}
	}
	for (size_t i = 0; i < g->ntables; i++) {
		if (reached[i])
			continue;
		ok = false;
		if (!cg_diag_add(
		            d, g->tables[i].pos,
		            "add a fill column on it, an RCC into it from a loaded table, or declare it complete; or "
		            "remove it",
		            "table \"%s\" can never be loaded: no fill column, no RCC from a loaded table reaches it "
		            "and it is not complete",
		            g->tables[i].name))
			break;
	}
	free(reached);
	return ok;
}

/* --- entry points and back-paths ----------------------------------------- */

typedef struct pathctx {
	cg_group *g;
	cg_entry *e;
	bool *visited;
	size_t *stack; /* rccs from the entry table backwards */
	size_t depth;
	bool match_source;
	bool oom;
} pathctx;

static bool same_path(const cg_backpath *a, const cg_backpath *b)
{
	if (a->origin != b->origin || a->fill != b->fill || a->table != b->table || a->nrccs != b->nrccs ||
	    a->match_source != b->match_source)
		return false;
	return a->nrccs == 0 || memcmp(a->rccs, b->rccs, a->nrccs * sizeof(size_t)) == 0;
}

static void emit_path(pathctx *pc, cg_origin_kind origin, size_t fill, size_t table)
{
	cg_entry *e = pc->e;
	if (e->npaths >= CG_MAX_BACKPATHS) {
		e->paths_truncated = true;
		return;
	}
	cg_backpath bp;
	memset(&bp, 0, sizeof(bp));
	bp.origin = origin;
	bp.fill = fill;
	bp.table = table;
	bp.nrccs = pc->depth;
	bp.match_source = pc->match_source;
	if (pc->depth > 0) {
		bp.rccs = malloc(pc->depth * sizeof(size_t));
		if (bp.rccs == NULL) {
			pc->oom = true;
			return;
		}
		/* the stack holds the rccs from the entry backwards: reverse */
		for (size_t i = 0; i < pc->depth; i++)
			bp.rccs[i] = pc->stack[pc->depth - 1 - i];
	}
	for (size_t i = 0; i < e->npaths; i++) {
		if (same_path(&e->paths[i], &bp)) {
			free(bp.rccs);
			return;
		}
	}
	if (!CB_ARRAY_GROW_N(e->paths, e->npaths)) {
		free(bp.rccs);
		pc->oom = true;
		return;
	}
	e->paths[e->npaths++] = bp;
}

/* Every simple path from an origin to rows of table t. */
static void paths_to(pathctx *pc, size_t t)
{
	cg_group *g = pc->g;
	if (pc->oom)
		return;
	if (g->tables[t].complete)
		emit_path(pc, CG_ORIGIN_COMPLETE, SIZE_MAX, t);
	for (size_t i = 0; i < g->nfills; i++)
		if (g->fills[i].table == t)
			emit_path(pc, CG_ORIGIN_CONTROL, i, t);
	pc->visited[t] = true;
	for (size_t i = 0; i < g->nrccs; i++) {
		const cg_rcc *r = &g->rccs[i];
		if (!rcc_ok(g, r) || r->dst != t || pc->visited[r->src])
			continue;
		/* rows of the entry table reached by an RCC into the entry column
		 * itself: that RCC's own back-paths (reason ii) already cover them */
		if (pc->depth == 0 && !pc->match_source && (pc->e->reasons & CG_ENTRY_RCC) &&
		    strcmp(r->dst_column, pc->e->column) == 0)
			continue;
		if (pc->e->paths_truncated)
			break;
		pc->stack[pc->depth++] = i;
		paths_to(pc, r->src);
		pc->depth--;
	}
	pc->visited[t] = false;
}

static cg_entry *entry_for(cg_group *g, size_t table, const char *column, bool *oom)
{
	for (size_t i = 0; i < g->nentries; i++)
		if (g->entries[i].table == table && strcmp(g->entries[i].column, column) == 0)
			return &g->entries[i];
	if (!CB_ARRAY_GROW_N(g->entries, g->nentries)) {
		*oom = true;
		return NULL;
	}
	cg_entry *e = &g->entries[g->nentries];
	memset(e, 0, sizeof(*e));
	e->table = table;
	e->fill = -1;
	e->column = strdup(column);
	if (e->column == NULL) {
		*oom = true;
		return NULL;
	}
	g->nentries++;
	return e;
}

static bool find_entries(cg_group *g, cg_diags *d)
{
	bool oom = false;
	for (size_t t = 0; t < g->ntables && !oom; t++) {
		for (size_t i = 0; i < g->nfills && !oom; i++) {
			if (g->fills[i].table != t)
				continue;
			cg_entry *e = entry_for(g, t, g->fills[i].column, &oom);
			if (e) {
				e->reasons |= CG_ENTRY_FILL;
				e->fill = (int)i;
			}
		}
		for (size_t i = 0; i < g->nrccs && !oom; i++) {
			if (!rcc_ok(g, &g->rccs[i]) || g->rccs[i].dst != t)
				continue;
			cg_entry *e = entry_for(g, t, g->rccs[i].dst_column, &oom);
			if (e)
				e->reasons |= CG_ENTRY_RCC;
		}
		const cg_table *tab = &g->tables[t];
		for (size_t c = 0; c < tab->ncols && !oom; c++) {
			if (!tab->cols[c].unique && !tab->complete)
				continue;
			cg_entry *e = entry_for(g, t, tab->cols[c].name, &oom);
			if (e)
				e->reasons |= (tab->cols[c].unique ? CG_ENTRY_UNIQUE : 0) |
				              (tab->complete ? CG_ENTRY_COMPLETE : 0);
		}
	}
	if (oom) {
		d->oom = true;
		return false;
	}
	pathctx pc;
	memset(&pc, 0, sizeof(pc));
	pc.g = g;
	pc.visited = calloc(g->ntables + 1, sizeof(bool));
	pc.stack = calloc(g->ntables + g->nrccs + 1, sizeof(size_t));
	if (pc.visited == NULL || pc.stack == NULL) {
		free(pc.visited);
		free(pc.stack);
		d->oom = true;
		return false;
	}
	for (size_t i = 0; i < g->nentries && !pc.oom; i++) {
		cg_entry *e = &g->entries[i];
		pc.e = e;
		if (e->reasons & CG_ENTRY_FILL) {
			pc.match_source = false;
			emit_path(&pc, CG_ORIGIN_CONTROL, (size_t)e->fill, e->table);
		}
		if (e->reasons & CG_ENTRY_COMPLETE) {
			pc.match_source = false;
			emit_path(&pc, CG_ORIGIN_COMPLETE, SIZE_MAX, e->table);
		}
		if (e->reasons & CG_ENTRY_RCC) {
			pc.match_source = true;
			for (size_t r = 0; r < g->nrccs; r++) {
				const cg_rcc *rc = &g->rccs[r];
				if (!rcc_ok(g, rc) || rc->dst != e->table || strcmp(rc->dst_column, e->column) != 0)
					continue;
				pc.stack[pc.depth++] = r;
				paths_to(&pc, rc->src);
				pc.depth--;
			}
		}
		if (e->reasons & CG_ENTRY_UNIQUE) {
			pc.match_source = false;
			paths_to(&pc, e->table);
		}
	}
	free(pc.visited);
	free(pc.stack);
	if (pc.oom) {
		d->oom = true;
		return false;
	}
	return true;
}

bool cg_graph_analyse(cg_group *g, cg_diags *d)
{
	size_t n = g->ntables;
	bool ok = true;
	tarjan tj;
	memset(&tj, 0, sizeof(tj));
	tj.g = g;
	tj.index = malloc((n + 1) * sizeof(int));
	tj.low = malloc((n + 1) * sizeof(int));
	tj.on_stack = calloc(n + 1, sizeof(bool));
	tj.stack = malloc((n + 1) * sizeof(size_t));
	tj.zones = calloc(n + 1, sizeof(cg_zone));
	if (tj.index == NULL || tj.low == NULL || tj.on_stack == NULL || tj.stack == NULL || tj.zones == NULL) {
		free(tj.index);
		free(tj.low);
		free(tj.on_stack);
		free(tj.stack);
		free(tj.zones);
		d->oom = true;
		return false;
	}
	for (size_t i = 0; i < n; i++)
		tj.index[i] = -1;
	for (size_t v = 0; v < n; v++)
		if (tj.index[v] < 0)
			strongconnect(&tj, v);
	free(tj.index);
	free(tj.low);
	free(tj.on_stack);
	free(tj.stack);
	/* Tarjan completes a zone after every zone it points to: load order. */
	g->zones = tj.zones;
	g->nzones = tj.nzones;
	if (tj.oom) {
		d->oom = true;
		return false;
	}
	for (size_t z = 0; z < g->nzones; z++)
		for (size_t k = 0; k < g->zones[z].ntables; k++)
			g->tables[g->zones[z].tables[k]].zone = z;
	for (size_t z = 0; z < g->nzones; z++) {
		if (!classify(g, z, d))
			return false;
		if (g->zones[z].kind == CG_CYCLE_HETEROGENEOUS)
			ok = false;
	}
	if (!check_loadable(g, d))
		ok = false;
	if (d->oom)
		return false;
	if (!find_entries(g, d))
		return false;
	g->analysed = true;
	return ok;
}
