/*
 * translate.c - SQLite SQL and output columns for a cacheable statement.
 *
 * Functions prefix: sqlfe_translate_
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/sb.h"
#include "sql/translate.h"

typedef struct tctx {
	cb_sb sql;
	const sqlfe_schema *s;
	const sqlfe_resolved *res;
	sqlfe_plan *plan;
	size_t capbinds;
	bool oom;
} tctx;

static void col_ref(tctx *t, int occ, int col)
{
	cb_sb_ident(&t->sql, t->res->occ[occ].refname);
	cb_sb_putn(&t->sql, ".", 1);
	cb_sb_ident(&t->sql, t->s->tables[t->res->occ[occ].table].cols[col].name);
}

/* After a text column whose ordering is the database's locale: SQLite compares it so (sql/schema.h). */
static void locale_collate(tctx *t, const sqlfe_expr *e)
{
	if (sqlfe_schema_column_locale(t->s, sqlfe_subset_column(t->s, t->res, e)))
		cb_sb_put(&t->sql, " COLLATE " SQLFE_LOCALE_COLLATION);
}

/* Copy v into b, duplicating constant text. */
static bool copy_value(const sqlfe_value *v, sqlfe_value *b)
{
	*b = *v;
	if (v->src == SQLFE_SRC_CONST) {
		b->text = strdup(v->text);
		if (b->text == NULL)
			return false;
	}
	return true;
}

static void bind(tctx *t, const sqlfe_value *v, sqlfe_bind_as as, uint32_t oid)
{
	sqlfe_plan *p = t->plan;
	char buf[16];

	if (!CB_ARRAY_GROW(p->binds, t->capbinds, (size_t)p->nbinds + 1)) {
		t->oom = true;
		return;
	}
	if (!copy_value(v, &p->binds[p->nbinds].val)) {
		t->oom = true;
		return;
	}
	p->binds[p->nbinds].as = as;
	p->binds[p->nbinds].type_oid = oid;
	p->nbinds++;
	snprintf(buf, sizeof(buf), "?%d", p->nbinds);
	cb_sb_put(&t->sql, buf);
}

/* Bind v compared with column cd: as its type reads it; an enum's value checked against its labels. */
static void bind_for(tctx *t, const sqlfe_value *v, const sqlfe_column *cd);

static sqlfe_bind_as bind_as_for(const pgtype *ty)
{
	switch (ty->family) {
	case PGTYPE_FAM_INT:
		return SQLFE_BIND_INT;
	case PGTYPE_FAM_BOOL:
		return SQLFE_BIND_BOOL;
	default:
		return SQLFE_BIND_TEXT;
	}
}

static void bind_for(tctx *t, const sqlfe_value *v, const sqlfe_column *cd)
{
	const pgtype *ty = sqlfe_schema_column_type(cd);
	if (!(cd->flags & SQLFE_COL_ENUM)) {
		bind(t, v, bind_as_for(ty), ty->oid);
		return;
	}
	bind(t, v, SQLFE_BIND_ENUM, cd->type_oid);
	if (!t->oom) {
		t->plan->binds[t->plan->nbinds - 1].labels = cd->labels;
		t->plan->binds[t->plan->nbinds - 1].nlabels = cd->nlabels;
	}
}

static const pgtype *type_of(tctx *t, const sqlfe_expr *e)
{
	return sqlfe_schema_column_type(sqlfe_subset_column(t->s, t->res, e));
}

static sqlfe_outcol *add_col(tctx *t, size_t *cap)
{
	sqlfe_plan *p = t->plan;

	if (!CB_ARRAY_GROW(p->cols, *cap, (size_t)p->ncols + 1)) {
		t->oom = true;
		return NULL;
	}
	memset(&p->cols[p->ncols], 0, sizeof(p->cols[0]));
	return &p->cols[p->ncols++];
}

static void set_name(sqlfe_outcol *c, const char *name)
{
	snprintf(c->name, sizeof(c->name), "%s", name);
}

static void out_column(tctx *t, int occ, int col, const char *alias, size_t *cap)
{
	const sqlfe_table *tab = &t->s->tables[t->res->occ[occ].table];
	const sqlfe_column *cd = &tab->cols[col];
	sqlfe_outcol *c = add_col(t, cap);

	if (c == NULL)
		return;
	set_name(c, alias != NULL ? alias : cd->name);
	c->table_oid = tab->oid;
	c->attnum = cd->attnum;
	c->type = sqlfe_schema_column_type(cd);
	c->type_oid = cd->type_oid;
	c->typlen = c->type->typlen;
	c->typmod = cd->typmod;
	col_ref(t, occ, col);
}

static void out_typed(tctx *t, const char *name, const char *alias, uint32_t oid, size_t *cap)
{
	sqlfe_outcol *c = add_col(t, cap);

	if (c == NULL)
		return;
	set_name(c, alias != NULL ? alias : name);
	c->type = pgtype_output(oid);
	c->type_oid = oid;
	c->typlen = c->type->typlen;
	c->typmod = -1;
}

static void translate_target(tctx *t, const sqlfe_target *tg, size_t *cap, bool *first)
{
	const sqlfe_expr *e = tg->e;

	if (e->kind == SQLFE_X_STAR) {
		for (int o = 0; o < t->res->nocc; o++) {
			const sqlfe_table *tab = &t->s->tables[t->res->occ[o].table];
			if (e->occ >= 0 && e->occ != o)
				continue;
			for (int c = 0; c < tab->ncols; c++) {
				if (!*first)
					cb_sb_put(&t->sql, ", ");
				*first = false;
				out_column(t, o, c, NULL, cap);
			}
		}
		return;
	}
	if (!*first)
		cb_sb_put(&t->sql, ", ");
	*first = false;
	switch (e->kind) {
	case SQLFE_X_COLUMN:
		out_column(t, e->occ, e->col, tg->alias, cap);
		return;
	case SQLFE_X_VALUE:
		if (e->val.kind == SQLFE_VK_BOOL) {
			out_typed(t, "?column?", tg->alias, PGTYPE_OID_BOOL, cap);
			bind(t, &e->val, SQLFE_BIND_BOOL, PGTYPE_OID_BOOL);
		} else if (e->val.kind == SQLFE_LIT_STRING) {
			out_typed(t, "?column?", tg->alias, PGTYPE_OID_TEXT, cap);
			bind(t, &e->val, SQLFE_BIND_TEXT, PGTYPE_OID_TEXT);
		} else {
			uint32_t oid = e->val.kind == SQLFE_LIT_INT4 ? PGTYPE_OID_INT4 : PGTYPE_OID_INT8;
			out_typed(t, "?column?", tg->alias, oid, cap);
			bind(t, &e->val, SQLFE_BIND_INT, oid);
		}
		return;
	case SQLFE_X_AGG: {
		const pgtype *ty = e->arg != NULL ? type_of(t, e->arg) : NULL;
		switch (e->agg) {
		case SQLFE_AGG_COUNT_STAR:
			out_typed(t, "count", tg->alias, PGTYPE_OID_INT8, cap);
			cb_sb_put(&t->sql, "count(*)");
			return;
		case SQLFE_AGG_COUNT:
			out_typed(t, "count", tg->alias, PGTYPE_OID_INT8, cap);
			cb_sb_put(&t->sql, "count(");
			break;
		case SQLFE_AGG_SUM:
			out_typed(t, "sum", tg->alias, PGTYPE_OID_INT8, cap);
			cb_sb_put(&t->sql, "sum(");
			break;
		case SQLFE_AGG_MIN:
		case SQLFE_AGG_MAX:
			/* PostgreSQL has no min/max for varchar: it uses text's */
			out_typed(t, e->agg == SQLFE_AGG_MIN ? "min" : "max", tg->alias,
			          ty->family == PGTYPE_FAM_TEXT ? PGTYPE_OID_TEXT : ty->oid, cap);
			if (ty->flags & PGTYPE_OPS_TIME_KEY) /* the stored text of the earliest or latest value */
				cb_sb_put(&t->sql, e->agg == SQLFE_AGG_MIN ? SQLFE_TIME_MIN_FUNCTION "("
				                                           : SQLFE_TIME_MAX_FUNCTION "(");
			else
				cb_sb_put(&t->sql, e->agg == SQLFE_AGG_MIN ? "min(" : "max(");
			break;
		default:
			return;
		}
		col_ref(t, e->arg->occ, e->arg->col);
		if ((e->agg == SQLFE_AGG_MIN || e->agg == SQLFE_AGG_MAX) &&
		    (ty->flags &
		     PGTYPE_OPS_NUM_ORDER)) /* SQLite's min and max compare under the argument's collation */
			cb_sb_put(&t->sql, " COLLATE " SQLFE_NUMERIC_COLLATION);
		if (e->agg == SQLFE_AGG_MIN || e->agg == SQLFE_AGG_MAX)
			locale_collate(t, e->arg);
		cb_sb_put(&t->sql, ")");
		return;
	}
	default:
		return;
	}
}

/* An enum column's position among its labels, the order PostgreSQL sorts it in: CASE col WHEN 'l' THEN k ... END. */
static void enum_position(tctx *t, const sqlfe_expr *e)
{
	const sqlfe_column *cd = sqlfe_subset_column(t->s, t->res, e);
	cb_sb_put(&t->sql, "CASE ");
	col_ref(t, e->occ, e->col);
	for (int k = 0; k < cd->nlabels; k++) {
		cb_sb_put(&t->sql, " WHEN ");
		cb_sb_literal(&t->sql, cd->labels[k]);
		cb_sb_printf(&t->sql, " THEN %d", k);
	}
	cb_sb_put(&t->sql, " END");
}

static const char *op_sql(sqlfe_op op)
{
	static const char *ops[] = {" = ", " <> ", " < ", " <= ", " > ", " >= "};
	return ops[op];
}

static void translate_pred(tctx *t, const sqlfe_pred *p)
{
	const pgtype *ty = type_of(t, p->l);
	const sqlfe_column *cd = sqlfe_subset_column(t->s, t->res, p->l);

	col_ref(t, p->l->occ, p->l->col);
	switch (p->kind) {
	case SQLFE_P_CMP:
		if (p->op != SQLFE_OP_EQ && p->op != SQLFE_OP_NE)
			locale_collate(t, p->l);
		cb_sb_put(&t->sql, op_sql(p->op));
		if (p->r->kind == SQLFE_X_COLUMN)
			col_ref(t, p->r->occ, p->r->col);
		else
			bind_for(t, &p->r->val, cd);
		return;
	case SQLFE_P_IN:
		cb_sb_put(&t->sql, " IN (");
		for (int i = 0; i < p->nlist; i++) {
			if (i > 0)
				cb_sb_put(&t->sql, ", ");
			bind_for(t, &p->list[i]->val, cd);
		}
		cb_sb_put(&t->sql, ")");
		return;
	case SQLFE_P_BETWEEN:
		locale_collate(t, p->l);
		cb_sb_put(&t->sql, " BETWEEN ");
		bind_for(t, &p->list[0]->val, cd);
		cb_sb_put(&t->sql, " AND ");
		bind_for(t, &p->list[1]->val, cd);
		return;
	case SQLFE_P_ISNULL:
		cb_sb_put(&t->sql, " IS NULL");
		return;
	case SQLFE_P_NOTNULL:
		cb_sb_put(&t->sql, " IS NOT NULL");
		return;
	case SQLFE_P_LIKE:
		cb_sb_put(&t->sql, " GLOB ");
		bind(t, &p->r->val, SQLFE_BIND_GLOB, ty->oid);
		return;
	}
}

bool sqlfe_translate(sqlfe_stmt *st, const sqlfe_schema *s, const sqlfe_resolved *res, sqlfe_plan *plan, cb_error *err)
{
	tctx t;
	size_t colcap = 0;
	bool first = true;

	memset(&t, 0, sizeof(t));
	t.s = s;
	t.res = res;
	t.plan = plan;

	cb_sb_put(&t.sql, st->distinct ? "SELECT DISTINCT " : "SELECT ");
	for (int i = 0; i < st->ntargets; i++)
		translate_target(&t, &st->targets[i], &colcap, &first);
	cb_sb_put(&t.sql, " FROM ");
	for (int i = 0; i < res->nocc; i++) {
		if (i > 0)
			cb_sb_put(&t.sql, ", ");
		cb_sb_ident(&t.sql, s->tables[res->occ[i].table].name);
		cb_sb_put(&t.sql, " AS ");
		cb_sb_ident(&t.sql, res->occ[i].refname);
	}
	for (int i = 0; i < st->npreds; i++) {
		cb_sb_put(&t.sql, i == 0 ? " WHERE " : " AND ");
		translate_pred(&t, &st->preds[i]);
	}
	for (int i = 0; i < st->ngroups; i++) {
		cb_sb_put(&t.sql, i == 0 ? " GROUP BY " : ", ");
		col_ref(&t, st->groups[i]->occ, st->groups[i]->col);
	}
	for (int i = 0; i < st->nsorts; i++) {
		const sqlfe_sort *so = &st->sorts[i];
		bool nulls_first = so->nulls == SQLFE_NULLS_DEFAULT ? so->desc : so->nulls == SQLFE_NULLS_FIRST;
		cb_sb_put(&t.sql, i == 0 ? " ORDER BY " : ", ");
		if (so->target >= 0) { /* an aggregate: its output column, one per target before it (subset.c) */
			cb_sb_printf(&t.sql, "%d%s%s", so->target + 1, so->desc ? " DESC" : " ASC",
			             nulls_first ? " NULLS FIRST" : " NULLS LAST");
			continue;
		}
		bool time_key = type_of(&t, so->e)->flags & PGTYPE_OPS_TIME_KEY; /* its text is not in time order */
		if (time_key)
			cb_sb_put(&t.sql, SQLFE_TIME_KEY_FUNCTION "(");
		if (type_of(&t, so->e)->flags & PGTYPE_OPS_ENUM_ORDER)
			enum_position(&t, so->e);
		else
			col_ref(&t, so->e->occ, so->e->col);
		if (time_key)
			cb_sb_put(&t.sql, ")");
		if (type_of(&t, so->e)->flags & PGTYPE_OPS_NUM_ORDER) /* its text is not in numeric order */
			cb_sb_put(&t.sql, " COLLATE " SQLFE_NUMERIC_COLLATION);
		locale_collate(&t, so->e);
		cb_sb_put(&t.sql, so->desc ? " DESC" : " ASC");
		cb_sb_put(&t.sql, nulls_first ? " NULLS FIRST" : " NULLS LAST");
	}
	if (st->limit != NULL) {
		cb_sb_put(&t.sql, " LIMIT ");
		bind(&t, &st->limit->val, SQLFE_BIND_LIMIT, PGTYPE_OID_INT8);
	} else if (st->offset != NULL) {
		cb_sb_put(&t.sql, " LIMIT -1");
	}
	if (st->offset != NULL) {
		cb_sb_put(&t.sql, " OFFSET ");
		bind(&t, &st->offset->val, SQLFE_BIND_LIMIT, PGTYPE_OID_INT8);
	}
	plan->sql = cb_sb_finish(&t.sql);
	if (t.oom || plan->sql == NULL) {
		snprintf(err->msg, sizeof(err->msg),
		         "out of memory translating a statement: reduce the load or add memory");
		return false;
	}
	for (int i = 0; i < plan->ncols; i++) {
		const pgtype *ty = plan->cols[i].type;
		plan->depends |= ty->flags & (PGTYPE_T_TIMEZONE | PGTYPE_T_DATESTYLE | PGTYPE_T_INTERVALSTYLE);
		if (st->distinct && !(ty->flags & PGTYPE_OPS_EQ)) {
			sqlfe_parse_backend(st, "DISTINCT on type %s", ty->name);
			break;
		}
	}
	return true;
}
