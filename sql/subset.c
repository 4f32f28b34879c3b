/*
 * subset.c - name resolution and the type rules of the cacheable subset.
 *
 * Functions prefix: sqlfe_subset_
 */
#include <stdlib.h>
#include <string.h>

#include "sql/subset.h"
#include "sql/types.h"

const sqlfe_column *sqlfe_subset_column(const sqlfe_schema *s, const sqlfe_resolved *res, const sqlfe_expr *e)
{
	return &s->tables[res->occ[e->occ].table].cols[e->col];
}

static const pgtype *col_type(const sqlfe_schema *s, const sqlfe_resolved *res, const sqlfe_expr *e)
{
	return sqlfe_schema_column_type(sqlfe_subset_column(s, res, e));
}

static bool resolve_from(sqlfe_stmt *st, const sqlfe_schema *s, sqlfe_resolved *res)
{
	for (int i = 0; i < st->nfrom; i++) {
		const sqlfe_from *f = &st->from[i];
		int t;

		if (f->schema != NULL && strcmp(f->schema, s->schema_name) != 0)
			return sqlfe_parse_backend(st, "table %s.%s not in the cache group", f->schema, f->relname);
		t = sqlfe_schema_table(s, f->relname);
		if (t < 0)
			return sqlfe_parse_backend(st, "table %s not in the cache group", f->relname);
		res->occ[i].table = t;
		res->occ[i].refname = f->alias != NULL ? f->alias : f->relname;
		for (int j = 0; j < i; j++)
			if (strcmp(res->occ[j].refname, res->occ[i].refname) == 0)
				return sqlfe_parse_backend(st, "table name %s used twice", res->occ[i].refname);
	}
	res->nocc = st->nfrom;
	return true;
}

static int find_occ(const sqlfe_resolved *res, const char *qual)
{
	for (int i = 0; i < res->nocc; i++)
		if (strcmp(res->occ[i].refname, qual) == 0)
			return i;
	return -1;
}

/* Resolve a COLUMN or STAR expression among the occurrences lo..hi. */
static bool resolve_in(sqlfe_stmt *st, const sqlfe_schema *s, sqlfe_resolved *res, sqlfe_expr *e, int lo, int hi)
{
	if (e->qual != NULL) {
		e->occ = find_occ(res, e->qual);
		if (e->occ < 0)
			return sqlfe_parse_backend(st, "unknown table reference %s", e->qual);
		if (e->occ < lo || e->occ > hi)
			return sqlfe_parse_backend(st, "JOIN ON refers to %s outside the join", e->qual);
		if (e->kind == SQLFE_X_STAR)
			return true;
		e->col = sqlfe_schema_column(s, res->occ[e->occ].table, e->name);
		if (e->col < 0)
			return sqlfe_parse_backend(st, "unknown column %s.%s", e->qual, e->name);
	} else {
		if (e->kind == SQLFE_X_STAR)
			return true;
		for (int i = lo; i < res->nocc && i <= hi; i++) {
			int c = sqlfe_schema_column(s, res->occ[i].table, e->name);
			if (c < 0)
				continue;
			if (e->occ >= 0)
				return sqlfe_parse_backend(st, "ambiguous column %s", e->name);
			e->occ = i;
			e->col = c;
		}
		if (e->occ < 0)
			return sqlfe_parse_backend(st, "unknown column %s", e->name);
	}
	if (col_type(s, res, e) == NULL)
		return sqlfe_parse_backend(st, "column %s of type %s not cached", e->name,
		                           sqlfe_subset_column(s, res, e)->type_name);
	return true;
}

static bool resolve_col(sqlfe_stmt *st, const sqlfe_schema *s, sqlfe_resolved *res, sqlfe_expr *e)
{
	return resolve_in(st, s, res, e, 0, SQLFE_MAX_FROM - 1);
}

bool sqlfe_subset_param_fits(uint32_t plan_type, uint32_t declared)
{
	const pgtype *p = pgtype_lookup(plan_type), *d = pgtype_lookup(declared);

	if (declared == 0 || declared == PGTYPE_OID_UNKNOWN || declared == plan_type)
		return true;
	if (p == NULL || d == NULL)
		return false;
	if (p->family == PGTYPE_FAM_INT)
		return d->family == PGTYPE_FAM_INT || (declared == PGTYPE_OID_NUMERIC && plan_type != PGTYPE_OID_INT8);
	return p->family == PGTYPE_FAM_TEXT && d->family == PGTYPE_FAM_TEXT;
}

bool sqlfe_subset_param_declared(uint32_t cast, uint32_t declared, uint32_t *out)
{
	if (declared == 0 || declared == PGTYPE_OID_UNKNOWN) {
		*out = cast;
		return true;
	}
	*out = declared;
	return cast == 0 || cast == declared;
}

/*
 * $n compared as type oid, cast in the text to type cast (0: not cast).
 * PostgreSQL types $n at its first use and converts it at the others, so
 * a $n cast in one place must be cast alike in all (a = $1 AND b = $1::int8
 * reads $1 as a's type, then converts it): otherwise the backend answers.
 */
static bool note_param(sqlfe_stmt *st, sqlfe_resolved *res, int n, uint32_t oid, uint32_t cast)
{
	if (n > SQLFE_MAX_PARAMS)
		return sqlfe_parse_backend(st, "parameter $%d beyond $%d", n, SQLFE_MAX_PARAMS);
	if (res->param_type[n] != 0 && res->param_type[n] != oid)
		return sqlfe_parse_backend(st, "parameter $%d used with two types", n);
	if (res->param_type[n] != 0 && res->param_cast[n] != cast)
		return sqlfe_parse_backend(st, "parameter $%d cast to two types, or cast in one place only", n);
	if (!sqlfe_subset_param_fits(oid, cast))
		return sqlfe_parse_backend(st, "parameter $%d cast to %s, compared with %s", n,
		                           pgtype_lookup(cast)->name, pgtype_lookup(oid)->name);
	res->param_type[n] = oid;
	res->param_cast[n] = cast;
	if (n > res->nparams)
		res->nparams = n;
	return true;
}

/*
 * May value v be compared with enum column c?  A string constant may (it
 * must be one of the labels when bound, sql/plan.h, else the backend gives
 * its error); a parameter is typed as the enum, as PostgreSQL types it.
 */
static bool enum_value_fits(sqlfe_stmt *st, sqlfe_resolved *res, const sqlfe_column *c, const sqlfe_value *v)
{
	if (v->src == SQLFE_SRC_PARAM) {
		if (v->cast != 0) /* $n::T against an enum: PostgreSQL's operator lookup decides */
			return sqlfe_parse_backend(st, "parameter $%d cast, compared with enum %s", v->index,
			                           c->type_name);
		return note_param(st, res, v->index, c->type_oid, 0);
	}
	if (v->kind == SQLFE_LIT_STRING && v->cast == 0)
		return true;
	return sqlfe_parse_backend(st, "enum %s compared with a constant that is not a string", c->type_name);
}

/* May value v be compared with column c of type t in SQLite? */
static bool value_fits(sqlfe_stmt *st, sqlfe_resolved *res, const sqlfe_column *c, const pgtype *t,
                       const sqlfe_value *v)
{
	if (c->flags & SQLFE_COL_ENUM)
		return enum_value_fits(st, res, c, v);
	if (v->src == SQLFE_SRC_PARAM) /* PostgreSQL types $n compared with varchar as text */
		return note_param(st, res, v->index, t->family == PGTYPE_FAM_TEXT ? PGTYPE_OID_TEXT : t->oid, v->cast);
	switch (t->family) {
	case PGTYPE_FAM_INT:
		if (v->kind == SQLFE_LIT_INT4 || v->kind == SQLFE_LIT_INT8)
			return true;
		return sqlfe_parse_backend(st, "%s compared with a non-integer constant", t->name);
	case PGTYPE_FAM_TEXT:
		if (v->kind == SQLFE_LIT_STRING)
			return true;
		return sqlfe_parse_backend(st, "%s compared with a non-string constant", t->name);
	case PGTYPE_FAM_BOOL: /* a string is read by boolin when bound (what it refuses goes to the backend) */
		if (v->kind == SQLFE_VK_BOOL || v->kind == SQLFE_LIT_STRING)
			return true;
		return sqlfe_parse_backend(st, "bool compared with a non-boolean constant");
	default:
		return sqlfe_parse_backend(st, "comparison on type %s", t->name);
	}
}

/* May SQLite order the values of the column of e (its type, and for text its collation)? */
static bool can_order(const sqlfe_schema *s, const sqlfe_resolved *res, const sqlfe_expr *e)
{
	const sqlfe_column *c = sqlfe_subset_column(s, res, e);
	return pgtype_can_order(col_type(s, res, e), sqlfe_schema_column_c(s, c) || sqlfe_schema_column_locale(s, c));
}

/* May SQLite sort by the column of e (ORDER BY): ordered as stored, by its time key, or in numeric order? */
static bool can_sort(const sqlfe_schema *s, const sqlfe_resolved *res, const sqlfe_expr *e)
{
	return can_order(s, res, e) ||
	       (col_type(s, res, e)->flags & (PGTYPE_OPS_TIME_KEY | PGTYPE_OPS_NUM_ORDER | PGTYPE_OPS_ENUM_ORDER));
}

/*
 * May min/max of the column of e be taken in SQLite?  As ORDER BY may sort
 * it, except a numeric without a fixed scale: its equal values may print
 * differently ("1.0", "1.00"), and which of them PostgreSQL returns depends
 * on the order it reads the rows in.
 */
static bool can_extreme(const sqlfe_schema *s, const sqlfe_resolved *res, const sqlfe_expr *e)
{
	if (col_type(s, res, e)->flags & PGTYPE_OPS_NUM_ORDER)
		return sqlfe_subset_column(s, res, e)->typmod >= 0;
	if (col_type(s, res, e)->flags & PGTYPE_OPS_ENUM_ORDER) /* the label of the least position: not translated */
		return false;
	return can_sort(s, res, e);
}

static bool op_allowed(sqlfe_stmt *st, const sqlfe_schema *s, const sqlfe_resolved *res, const sqlfe_expr *e,
                       sqlfe_op op)
{
	const pgtype *t = col_type(s, res, e);

	if (op == SQLFE_OP_EQ || op == SQLFE_OP_NE) {
		if (t->flags & PGTYPE_OPS_EQ)
			return true;
		return sqlfe_parse_backend(st, "equality on type %s", t->name);
	}
	if (can_order(s, res, e))
		return true;
	return sqlfe_parse_backend(st, "ordering on type %s%s", t->name,
	                           (t->flags & PGTYPE_OPS_ORDER_IF_C) ? " (collation not C)" : "");
}

static sqlfe_op mirror(sqlfe_op op)
{
	switch (op) {
	case SQLFE_OP_LT:
		return SQLFE_OP_GT;
	case SQLFE_OP_LE:
		return SQLFE_OP_GE;
	case SQLFE_OP_GT:
		return SQLFE_OP_LT;
	case SQLFE_OP_GE:
		return SQLFE_OP_LE;
	default:
		return op;
	}
}

static bool check_pred(sqlfe_stmt *st, const sqlfe_schema *s, sqlfe_resolved *res, sqlfe_pred *p)
{
	const pgtype *t;

	if (p->l->kind == SQLFE_X_VALUE && p->kind == SQLFE_P_CMP && p->r->kind == SQLFE_X_COLUMN) {
		sqlfe_expr *tmp = p->l;
		p->l = p->r;
		p->r = tmp;
		p->op = mirror(p->op);
	}
	if (p->l->kind != SQLFE_X_COLUMN)
		return sqlfe_parse_backend(st, "condition without a column on the left");
	if (!resolve_in(st, s, res, p->l, p->scope_lo, p->scope_hi))
		return false;
	t = col_type(s, res, p->l);
	switch (p->kind) {
	case SQLFE_P_CMP:
		if (!op_allowed(st, s, res, p->l, p->op))
			return false;
		if (p->r->kind == SQLFE_X_COLUMN) {
			const pgtype *t2;
			if (!resolve_in(st, s, res, p->r, p->scope_lo, p->scope_hi))
				return false;
			t2 = col_type(s, res, p->r);
			if (t2->family != t->family)
				return sqlfe_parse_backend(st, "comparison of %s with %s", t->name, t2->name);
			/* enums: of one type (PostgreSQL has no operator between two), for = and <> */
			if ((t->flags | t2->flags) & PGTYPE_OPS_ENUM_ORDER) {
				const sqlfe_column *cl = sqlfe_subset_column(s, res, p->l),
				                   *cr = sqlfe_subset_column(s, res, p->r);
				if (t != t2 || cl->type_oid != cr->type_oid)
					return sqlfe_parse_backend(st, "comparison of %s with %s", cl->type_name,
					                           cr->type_name);
			}
			/* two text columns ordered under different collations (PostgreSQL: no collation to use) */
			if (p->op != SQLFE_OP_EQ && p->op != SQLFE_OP_NE && t->family == PGTYPE_FAM_TEXT &&
			    sqlfe_schema_column_locale(s, sqlfe_subset_column(s, res, p->l)) !=
			            sqlfe_schema_column_locale(s, sqlfe_subset_column(s, res, p->r)))
				return sqlfe_parse_backend(st, "ordering comparison of text columns of two collations");
			return op_allowed(st, s, res, p->r, p->op);
		}
		if (p->r->kind != SQLFE_X_VALUE)
			return sqlfe_parse_backend(st, "condition");
		return value_fits(st, res, sqlfe_subset_column(s, res, p->l), t, &p->r->val);
	case SQLFE_P_IN:
	case SQLFE_P_BETWEEN:
		if (!op_allowed(st, s, res, p->l, p->kind == SQLFE_P_IN ? SQLFE_OP_EQ : SQLFE_OP_LE))
			return false;
		for (int i = 0; i < p->nlist; i++) {
			if (p->list[i]->kind != SQLFE_X_VALUE)
				return sqlfe_parse_backend(st, "%s with a column in the list",
				                           p->kind == SQLFE_P_IN ? "IN" : "BETWEEN");
			if (!value_fits(st, res, sqlfe_subset_column(s, res, p->l), t, &p->list[i]->val))
				return false;
		}
		return true;
	case SQLFE_P_ISNULL:
	case SQLFE_P_NOTNULL:
		return true;
	case SQLFE_P_LIKE:
		if (!(t->flags & PGTYPE_OPS_LIKE))
			return sqlfe_parse_backend(st, "LIKE on type %s", t->name);
		if (p->r->kind != SQLFE_X_VALUE)
			return sqlfe_parse_backend(st, "LIKE with a column pattern");
		return value_fits(st, res, sqlfe_subset_column(s, res, p->l), t, &p->r->val);
	}
	return sqlfe_parse_backend(st, "condition");
}

static bool check_target(sqlfe_stmt *st, const sqlfe_schema *s, sqlfe_resolved *res, sqlfe_target *tg)
{
	sqlfe_expr *e = tg->e;
	const pgtype *t;

	switch (e->kind) {
	case SQLFE_X_COLUMN:
		return resolve_col(st, s, res, e);
	case SQLFE_X_STAR:
		if (!resolve_col(st, s, res, e))
			return false;
		for (int i = 0; i < res->nocc; i++) {
			const sqlfe_table *tab = &s->tables[res->occ[i].table];
			if (e->occ >= 0 && e->occ != i)
				continue;
			for (int c = 0; c < tab->ncols; c++)
				if (sqlfe_schema_column_type(&tab->cols[c]) == NULL)
					return sqlfe_parse_backend(st, "column %s of type %s not cached",
					                           tab->cols[c].name, tab->cols[c].type_name);
		}
		return true;
	case SQLFE_X_VALUE:
		if (e->val.src == SQLFE_SRC_PARAM)
			return sqlfe_parse_backend(st, "parameter in the select list");
		if (e->val.negate)
			return sqlfe_parse_backend(st, "negative constant in the select list");
		if (e->val.kind == SQLFE_LIT_NUMERIC)
			return sqlfe_parse_backend(st, "numeric constant in the select list");
		return true;
	case SQLFE_X_AGG:
		res->has_agg = true;
		if (e->agg == SQLFE_AGG_COUNT_STAR)
			return true;
		if (!resolve_col(st, s, res, e->arg))
			return false;
		t = col_type(s, res, e->arg);
		switch (e->agg) {
		case SQLFE_AGG_COUNT:
			return true;
		case SQLFE_AGG_MIN:
		case SQLFE_AGG_MAX:
			if (!can_extreme(s, res, e->arg))
				return sqlfe_parse_backend(st, "min/max on type %s%s", t->name,
				                           (t->flags & PGTYPE_OPS_ORDER_IF_C) ? " (collation not C)"
				                           : (t->flags & PGTYPE_OPS_NUM_ORDER)
				                                   ? " without a fixed scale"
				                                   : "");
			return true;
		case SQLFE_AGG_SUM:
			if (!(t->flags & PGTYPE_OPS_SUM))
				return sqlfe_parse_backend(st, "sum on type %s", t->name);
			return true;
		default:
			return sqlfe_parse_backend(st, "avg (numeric result)");
		}
	}
	return sqlfe_parse_backend(st, "select list");
}

/* Does the select list output the column of e (for DISTINCT + ORDER BY)? */
static bool target_has(const sqlfe_stmt *st, const sqlfe_expr *e)
{
	for (int i = 0; i < st->ntargets; i++) {
		const sqlfe_expr *t = st->targets[i].e;
		if (t->kind == SQLFE_X_COLUMN && t->occ == e->occ && t->col == e->col)
			return true;
		if (t->kind == SQLFE_X_STAR && (t->occ < 0 || t->occ == e->occ))
			return true;
	}
	return false;
}

/*
 * The output column an ORDER BY term names, or -1: a position that is an
 * aggregate (resolve_position takes the others), an unqualified name that
 * is an output alias (PostgreSQL takes the output column over an input
 * column of the same name), or an aggregate the select list has.
 */
static int sort_target(const sqlfe_stmt *st, const sqlfe_expr *e)
{
	if (e->kind == SQLFE_X_VALUE) {
		long n = strtol(e->val.text, NULL, 10);
		return n >= 1 && n <= st->ntargets && st->targets[n - 1].e->kind == SQLFE_X_AGG ? (int)n - 1 : -1;
	}
	for (int k = 0; k < st->ntargets; k++) {
		const sqlfe_target *tg = &st->targets[k];
		const sqlfe_expr *t = tg->e;
		if (e->kind == SQLFE_X_COLUMN && e->qual == NULL && tg->alias != NULL &&
		    strcmp(tg->alias, e->name) == 0)
			return k;
		if (e->kind == SQLFE_X_AGG && t->kind == SQLFE_X_AGG && t->agg == e->agg &&
		    (e->arg == NULL || (t->arg->occ == e->arg->occ && t->arg->col == e->arg->col)))
			return k;
	}
	return -1;
}

/*
 * ORDER BY the aggregate of output column k (with GROUP BY): count and sum
 * are integers in SQLite; min and max only of a column SQLite orders as
 * stored (their value is the stored text: a time key or numeric order
 * would not apply to it).
 */
static bool check_sort_aggregate(sqlfe_stmt *st, const sqlfe_schema *s, const sqlfe_resolved *res, int k)
{
	const sqlfe_expr *t = st->targets[k].e;
	if (st->ngroups == 0)
		return sqlfe_parse_backend(st, "ORDER BY an aggregate without GROUP BY");
	for (int i = 0; i < k; i++)
		if (st->targets[i].e->kind == SQLFE_X_STAR)
			return sqlfe_parse_backend(st, "ORDER BY an aggregate after *");
	if ((t->agg == SQLFE_AGG_MIN || t->agg == SQLFE_AGG_MAX) && !can_order(s, res, t->arg))
		return sqlfe_parse_backend(st, "ORDER BY min/max on type %s", col_type(s, res, t->arg)->name);
	/* SQLite would sort the output column by its bytes, not under the locale the aggregate compared in */
	if ((t->agg == SQLFE_AGG_MIN || t->agg == SQLFE_AGG_MAX) &&
	    sqlfe_schema_column_locale(s, sqlfe_subset_column(s, res, t->arg)))
		return sqlfe_parse_backend(st, "ORDER BY min/max of text under the database's locale");
	return true;
}

/* Is the column of e one of the GROUP BY columns? */
static bool group_has(const sqlfe_stmt *st, const sqlfe_expr *e)
{
	for (int i = 0; i < st->ngroups; i++)
		if (st->groups[i]->occ == e->occ && st->groups[i]->col == e->col)
			return true;
	return false;
}

/*
 * GROUP BY columns: each compared exactly by SQLite's equality (the type's
 * eq operation, as for =), so the groups are PostgreSQL's; every output is
 * an aggregate, a constant or one of them (PostgreSQL also takes a column
 * its primary key determines, or refuses: the backend decides that).
 */
static bool check_groups(sqlfe_stmt *st, const sqlfe_schema *s, sqlfe_resolved *res)
{
	if (st->distinct)
		return sqlfe_parse_backend(st, "DISTINCT with GROUP BY");
	for (int i = 0; i < st->ngroups; i++) {
		sqlfe_expr *g = st->groups[i];
		if (g->kind != SQLFE_X_COLUMN)
			return sqlfe_parse_backend(st, "GROUP BY *");
		if (!resolve_col(st, s, res, g))
			return false;
		const pgtype *t = col_type(s, res, g);
		if (!(t->flags & PGTYPE_OPS_EQ))
			return sqlfe_parse_backend(st, "GROUP BY on type %s", t->name);
	}
	for (int i = 0; i < st->ntargets; i++) {
		const sqlfe_expr *e = st->targets[i].e;
		if (e->kind == SQLFE_X_STAR)
			return sqlfe_parse_backend(st, "* with GROUP BY");
		if (e->kind == SQLFE_X_COLUMN && !group_has(st, e))
			return sqlfe_parse_backend(st, "output column %s not in GROUP BY", e->name);
	}
	return true;
}

/* Resolve ORDER BY n to the n-th output column (after * expansion); it must be a plain column. */
static bool resolve_position(sqlfe_stmt *st, const sqlfe_schema *s, const sqlfe_resolved *res, sqlfe_expr *e)
{
	long n = strtol(e->val.text, NULL, 10), k = 0;

	for (int i = 0; i < st->ntargets; i++) {
		const sqlfe_expr *t = st->targets[i].e;
		if (t->kind == SQLFE_X_STAR) {
			for (int o = 0; o < res->nocc; o++) {
				const sqlfe_table *tab = &s->tables[res->occ[o].table];
				if (t->occ >= 0 && t->occ != o)
					continue;
				if (n > k && n <= k + tab->ncols) {
					e->kind = SQLFE_X_COLUMN;
					e->occ = o;
					e->col = (int)(n - k - 1);
					return true;
				}
				k += tab->ncols;
			}
			continue;
		}
		if (++k == n) {
			if (t->kind != SQLFE_X_COLUMN)
				return sqlfe_parse_backend(st, "ORDER BY position of a non-column");
			e->kind = SQLFE_X_COLUMN;
			e->occ = t->occ;
			e->col = t->col;
			return true;
		}
	}
	return sqlfe_parse_backend(st, "ORDER BY position %ld out of range", n);
}

static bool check_value_limit(sqlfe_stmt *st, sqlfe_resolved *res, const sqlfe_expr *e)
{
	if (e == NULL)
		return true;
	if (e->val.src == SQLFE_SRC_PARAM) /* $n, or $n::T with T an integer type PostgreSQL widens to bigint */
		return note_param(st, res, e->val.index, PGTYPE_OID_INT8, e->val.cast);
	if (e->val.kind != SQLFE_LIT_INT4 && e->val.kind != SQLFE_LIT_INT8)
		return sqlfe_parse_backend(st, "LIMIT/OFFSET not an integer");
	if (e->val.negate || (e->val.src == SQLFE_SRC_CONST && e->val.text[0] == '-'))
		return sqlfe_parse_backend(st, "negative LIMIT/OFFSET");
	return true;
}

bool sqlfe_subset_check(sqlfe_stmt *st, const sqlfe_schema *s, sqlfe_resolved *res)
{
	bool plain = false;

	memset(res, 0, sizeof(*res));
	if (st->kind != SQLFE_STMT_SELECT)
		return false;
	if (!resolve_from(st, s, res))
		return false;
	for (int i = 0; i < st->ntargets; i++) {
		if (!check_target(st, s, res, &st->targets[i]))
			return false;
		if (st->targets[i].e->kind != SQLFE_X_AGG)
			plain = true;
	}
	if (st->ngroups > 0) {
		if (!check_groups(st, s, res))
			return false;
	} else if (res->has_agg && plain) {
		return sqlfe_parse_backend(st, "aggregate with plain columns");
	}
	for (int i = 0; i < st->npreds; i++)
		if (!check_pred(st, s, res, &st->preds[i]))
			return false;
	for (int i = 0; i < st->nsorts; i++) {
		sqlfe_expr *e = st->sorts[i].e;
		const pgtype *t;
		if (res->has_agg && st->ngroups == 0)
			return sqlfe_parse_backend(st, "ORDER BY with aggregates");
		if (e->kind == SQLFE_X_AGG && e->arg != NULL && e->arg->occ < 0 && !resolve_col(st, s, res, e->arg))
			return false;
		int k = sort_target(st, e);
		const sqlfe_expr *out = k >= 0 ? st->targets[k].e : NULL;
		st->sorts[i].target = -1;
		if (out != NULL && out->kind == SQLFE_X_AGG) { /* by its output column */
			if (!check_sort_aggregate(st, s, res, k))
				return false;
			st->sorts[i].target = k;
			continue;
		}
		if (e->kind == SQLFE_X_VALUE) {
			if (!resolve_position(st, s, res, e))
				return false;
		} else if (e->kind == SQLFE_X_AGG) {
			return sqlfe_parse_backend(st, "ORDER BY an aggregate not in the select list");
		} else if (out != NULL) { /* an alias of a column orders by that column */
			if (out->kind != SQLFE_X_COLUMN)
				return sqlfe_parse_backend(st, "ORDER BY an output alias of a non-column");
			e->occ = out->occ;
			e->col = out->col;
		}
		if (e->occ < 0 && !resolve_col(st, s, res, e))
			return false;
		t = col_type(s, res, e);
		if (!can_sort(s, res, e))
			return sqlfe_parse_backend(st, "ORDER BY on type %s%s", t->name,
			                           (t->flags & PGTYPE_OPS_ORDER_IF_C) ? " (collation not C)" : "");
		if (st->distinct && !target_has(st, e))
			return sqlfe_parse_backend(st, "ORDER BY column not in the DISTINCT list");
		if (st->ngroups > 0 && !group_has(st, e))
			return sqlfe_parse_backend(st, "ORDER BY column not in GROUP BY");
	}
	if (!check_value_limit(st, res, st->limit) || !check_value_limit(st, res, st->offset))
		return false;
	for (int n = 1; n <= st->max_param; n++)
		if (n > SQLFE_MAX_PARAMS || res->param_type[n] == 0)
			return sqlfe_parse_backend(st, "parameter $%d of unknown type", n);
	return true;
}
