/*
 * cg_testmodel.h - cache group models built in code (no parser, no
 * backend) for the unit tests of cachegroup/: a group with room for 16
 * tables, 16 fill columns and 32 RCCs, and its fill columns and RCCs as
 * the parser writes them (columns not resolved yet).  Header only (static
 * functions), included by test_cg_graph.c and test_cg_generate.c.
 */
#ifndef TEST_CG_TESTMODEL_H
#define TEST_CG_TESTMODEL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cachegroup/model.h"

/* An empty group named name, read from file. */
static inline cg_group *model_group(const char *file, const char *name)
{
	cg_group *g = cg_model_new(file);
	assert_non_null(g);
	g->name = strdup(name);
	g->tables = calloc(16, sizeof(cg_table));
	g->fills = calloc(16, sizeof(cg_fill));
	g->rccs = calloc(32, sizeof(cg_rcc));
	assert_non_null(g->tables);
	return g;
}

/* Fill column col of table t, on line 20 + its index. */
static inline size_t model_fill(cg_group *g, size_t t, const char *col)
{
	cg_fill *f = &g->fills[g->nfills];
	f->table = t;
	f->column = strdup(col);
	f->col = -1;
	f->pos.file = g->file;
	f->pos.line = 20 + (int)g->nfills;
	f->pos.col = 1;
	return g->nfills++;
}

/* RCC s.a -> t.b, on line 40 + its index. */
static inline size_t model_rcc(cg_group *g, size_t s, const char *a, size_t t, const char *b)
{
	cg_rcc *r = &g->rccs[g->nrccs];
	r->src = s;
	r->src_column = strdup(a);
	r->dst = t;
	r->dst_column = strdup(b);
	r->src_col = r->dst_col = -1;
	r->pos.file = g->file;
	r->pos.line = 40 + (int)g->nrccs;
	r->pos.col = 1;
	return g->nrccs++;
}

#endif /* TEST_CG_TESTMODEL_H */
