/*
 * parse.c - libpg_query protobuf tree -> sqlfe_stmt.
 *
 * Functions prefix: sqlfe_parse_
 *
 * The walk keeps a context with the statement, the text and the plan key;
 * the first construct outside the subset sets the statement to BACKEND
 * with its reason and every converter returns false from then on.  All
 * strings and nodes live in the statement's arena, freed at once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>
#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "common/pgtype.h"
#include "sql/parse.h"

typedef struct arena_block arena_block;
struct arena_block {
	arena_block *next;
	size_t used, cap;
	max_align_t data[];
};

struct sqlfe_arena {
	arena_block *head;
	bool oom;
};

typedef struct ctx {
	sqlfe_stmt *st;
	const char *text;
	size_t text_len;
	const sqlfe_plankey *pk;
	unsigned char used[SQLFE_PLANKEY_MAX_LITS];
	int scope_lo, scope_hi; /* FROM items the JOIN ... ON being read may refer to */
} ctx;

static void *aalloc(sqlfe_stmt *st, size_t n)
{
	sqlfe_arena *a = st->arena;
	arena_block *b = a->head;
	void *p;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (b == NULL || b->cap - b->used < n) {
		size_t cap = n > 4096 ? n : 4096;
		b = malloc(sizeof(*b) + cap);
		if (b == NULL) {
			a->oom = true;
			return NULL;
		}
		b->cap = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

static const char *astrdup(sqlfe_stmt *st, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = aalloc(st, n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

bool sqlfe_parse_backend(sqlfe_stmt *st, const char *fmt, ...)
{
	va_list ap;

	if (st->kind == SQLFE_STMT_BACKEND)
		return false;
	st->kind = SQLFE_STMT_BACKEND;
	va_start(ap, fmt);
	vsnprintf(st->reason, sizeof(st->reason), fmt, ap);
	va_end(ap);
	return false;
}

static bool ok(const ctx *c)
{
	return c->st->kind == SQLFE_STMT_SELECT && !c->st->arena->oom;
}

static const char *str_of(const PgQuery__Node *n)
{
	if (n == NULL || n->node_case != PG_QUERY__NODE__NODE_STRING)
		return NULL;
	return n->string->sval;
}

/* The last part of a name that is unqualified or qualified by pg_catalog, else NULL. */
static const char *catalog_name(PgQuery__Node *const *names, size_t n)
{
	if (n == 1)
		return str_of(names[0]);
	if (n == 2 && str_of(names[0]) != NULL && strcmp(str_of(names[0]), "pg_catalog") == 0)
		return str_of(names[1]);
	return NULL;
}

static bool nonempty(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* Literal index for an A_Const at loc, handling PostgreSQL's folded unary minus. */
static int literal_at(ctx *c, int loc, bool *negate)
{
	size_t i;
	int idx;

	*negate = false;
	if (c->pk == NULL || loc < 0)
		return -1;
	idx = sqlfe_plankey_find(c->pk, (uint32_t)loc);
	if (idx >= 0 || (size_t)loc >= c->text_len || c->text[loc] != '-')
		return idx;
	for (i = (size_t)loc + 1;
	     i < c->text_len && (c->text[i] == ' ' || c->text[i] == '\t' || c->text[i] == '\n' || c->text[i] == '\r');
	     i++)
		;
	idx = sqlfe_plankey_find(c->pk, (uint32_t)i);
	if (idx >= 0)
		*negate = true;
	return idx;
}

/* Classify the digits of a constant kept in the key the way PostgreSQL types it. */
static char number_kind(const char *s)
{
	const char *p = s;
	uint64_t v = 0;

	if (*p == '-')
		p++;
	if (*p == '\0')
		return SQLFE_LIT_NUMERIC;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return SQLFE_LIT_NUMERIC;
		if (v > (UINT64_MAX - 9) / 10)
			return SQLFE_LIT_NUMERIC;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v <= 2147483647u)
		return SQLFE_LIT_INT4;
	if (v <= 9223372036854775807u)
		return SQLFE_LIT_INT8;
	return SQLFE_LIT_NUMERIC;
}

static bool conv_const(ctx *c, const PgQuery__AConst *k, sqlfe_value *v)
{
	bool neg;
	int idx;
	char buf[32];

	if (k->isnull)
		return sqlfe_parse_backend(c->st, "NULL constant");
	idx = literal_at(c, k->location, &neg);
	if (idx >= 0) {
		char kind = (char)c->pk->lits[idx].kind;
		bool match = (kind == SQLFE_LIT_INT4 && k->val_case == PG_QUERY__A__CONST__VAL_IVAL) ||
		             ((kind == SQLFE_LIT_INT8 || kind == SQLFE_LIT_NUMERIC) &&
		              k->val_case == PG_QUERY__A__CONST__VAL_FVAL) ||
		             (kind == SQLFE_LIT_STRING && k->val_case == PG_QUERY__A__CONST__VAL_SVAL);
		if (!match || c->used[idx])
			return sqlfe_parse_backend(c->st, "literal not understood");
		c->used[idx] = 1;
		v->src = SQLFE_SRC_LITERAL;
		v->index = idx;
		v->kind = kind;
		v->negate = neg;
		return true;
	}
	v->src = SQLFE_SRC_CONST;
	switch (k->val_case) {
	case PG_QUERY__A__CONST__VAL_IVAL:
		snprintf(buf, sizeof(buf), "%d", (int)k->ival->ival);
		v->kind = SQLFE_LIT_INT4;
		v->text = astrdup(c->st, buf);
		break;
	case PG_QUERY__A__CONST__VAL_FVAL:
		v->kind = number_kind(k->fval->fval);
		v->text = astrdup(c->st, k->fval->fval);
		break;
	case PG_QUERY__A__CONST__VAL_SVAL:
		v->kind = SQLFE_LIT_STRING;
		v->text = astrdup(c->st, k->sval->sval);
		break;
	case PG_QUERY__A__CONST__VAL_BOOLVAL:
		v->kind = SQLFE_VK_BOOL;
		v->text = k->boolval->boolval ? "t" : "f";
		break;
	default:
		return sqlfe_parse_backend(c->st, "bit-string constant");
	}
	return ok(c);
}

static sqlfe_expr *new_expr(ctx *c, sqlfe_expr_kind kind, int location)
{
	sqlfe_expr *e = aalloc(c->st, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->kind = kind;
	e->location = location;
	e->occ = -1;
	e->col = -1;
	return e;
}

static sqlfe_expr *conv_colref(ctx *c, const PgQuery__ColumnRef *cr)
{
	sqlfe_expr *e;
	const PgQuery__Node *last;

	if (cr->n_fields < 1 || cr->n_fields > 2) {
		sqlfe_parse_backend(c->st, "schema-qualified column reference");
		return NULL;
	}
	last = cr->fields[cr->n_fields - 1];
	if (last->node_case == PG_QUERY__NODE__NODE_A_STAR) {
		e = new_expr(c, SQLFE_X_STAR, cr->location);
	} else {
		e = new_expr(c, SQLFE_X_COLUMN, cr->location);
		if (e != NULL && (e->name = str_of(last)) == NULL) {
			sqlfe_parse_backend(c->st, "column reference");
			return NULL;
		}
		if (e != NULL)
			e->name = astrdup(c->st, e->name);
	}
	if (e != NULL && cr->n_fields == 2) {
		const char *q = str_of(cr->fields[0]);
		if (q == NULL) {
			sqlfe_parse_backend(c->st, "column reference");
			return NULL;
		}
		e->qual = astrdup(c->st, q);
	}
	return ok(c) ? e : NULL;
}

static sqlfe_expr *conv_expr(ctx *c, const PgQuery__Node *n, bool allow_agg);

static sqlfe_expr *conv_func(ctx *c, const PgQuery__FuncCall *f, bool allow_agg)
{
	static const struct {
		const char *name;
		sqlfe_agg agg;
	} aggs[] = {{"count", SQLFE_AGG_COUNT},
	            {"min", SQLFE_AGG_MIN},
	            {"max", SQLFE_AGG_MAX},
	            {"sum", SQLFE_AGG_SUM},
	            {"avg", SQLFE_AGG_AVG}};
	const char *name = catalog_name(f->funcname, f->n_funcname);
	sqlfe_expr *e;
	size_t i;

	for (i = 0; name != NULL && i < CB_ARRAY_LEN(aggs); i++)
		if (strcmp(aggs[i].name, name) == 0)
			break;
	if (name == NULL || i == CB_ARRAY_LEN(aggs)) {
		sqlfe_parse_backend(c->st, "function %s()", name ? name : "?");
		return NULL;
	}
	if (!allow_agg) {
		sqlfe_parse_backend(c->st, "aggregate outside the select list");
		return NULL;
	}
	if (f->over != NULL) {
		sqlfe_parse_backend(c->st, "window function");
		return NULL;
	}
	if (f->agg_distinct || f->agg_filter || f->n_agg_order > 0 || f->agg_within_group || f->func_variadic) {
		sqlfe_parse_backend(c->st, "aggregate modifier (DISTINCT, FILTER, ORDER BY)");
		return NULL;
	}
	e = new_expr(c, SQLFE_X_AGG, f->location);
	if (e == NULL)
		return NULL;
	e->agg = aggs[i].agg;
	if (f->agg_star) {
		if (e->agg != SQLFE_AGG_COUNT) {
			sqlfe_parse_backend(c->st, "%s(*)", name);
			return NULL;
		}
		e->agg = SQLFE_AGG_COUNT_STAR;
		return e;
	}
	if (f->n_args != 1) {
		sqlfe_parse_backend(c->st, "aggregate with %zu arguments", f->n_args);
		return NULL;
	}
	e->arg = conv_expr(c, f->args[0], false);
	if (e->arg == NULL)
		return NULL;
	if (e->arg->kind != SQLFE_X_COLUMN) {
		sqlfe_parse_backend(c->st, "aggregate over an expression");
		return NULL;
	}
	return e;
}

static sqlfe_expr *conv_param(ctx *c, const PgQuery__ParamRef *pr)
{
	sqlfe_expr *e;

	if (pr->number < 1) {
		sqlfe_parse_backend(c->st, "parameter $%d", (int)pr->number);
		return NULL;
	}
	e = new_expr(c, SQLFE_X_VALUE, pr->location);
	if (e == NULL)
		return NULL;
	e->val.src = SQLFE_SRC_PARAM;
	e->val.kind = SQLFE_VK_PARAM;
	e->val.index = pr->number;
	if (e->val.index > c->st->max_param)
		c->st->max_param = e->val.index;
	return e;
}

/*
 * $n::T and CAST($n AS T): the one cast kept.  With $n's type left open at
 * Parse PostgreSQL infers T for it, so the cast is the type $n is declared
 * with (subset.c and the binder treat it so).  T must be a type table row,
 * unqualified or in pg_catalog (the grammar writes integer, bigint,
 * character varying ... as pg_catalog.int4, pg_catalog.int8,
 * pg_catalog.varchar), without a type modifier or array bounds.
 */
static sqlfe_expr *conv_param_cast(ctx *c, const PgQuery__TypeCast *tc)
{
	const PgQuery__TypeName *tn = tc->type_name;
	const char *name;
	const pgtype *t;
	sqlfe_expr *e;

	if (tc->arg == NULL || tc->arg->node_case != PG_QUERY__NODE__NODE_PARAM_REF || tn == NULL) {
		sqlfe_parse_backend(c->st, "type cast");
		return NULL;
	}
	if (tn->n_typmods > 0 || tn->n_array_bounds > 0 || tn->setof || tn->pct_type) {
		sqlfe_parse_backend(c->st, "cast of a parameter with a type modifier or to an array");
		return NULL;
	}
	name = catalog_name(tn->names, tn->n_names);
	if (name == NULL) {
		sqlfe_parse_backend(c->st, "cast of a parameter to a type outside pg_catalog");
		return NULL;
	}
	t = pgtype_lookup_name(name);
	if (t == NULL) {
		sqlfe_parse_backend(c->st, "cast of a parameter to type %s", name);
		return NULL;
	}
	e = conv_param(c, tc->arg->param_ref);
	if (e != NULL)
		e->val.cast = t->oid;
	return e;
}

static sqlfe_expr *conv_expr(ctx *c, const PgQuery__Node *n, bool allow_agg)
{
	sqlfe_expr *e;

	if (!ok(c) || n == NULL)
		return NULL;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_COLUMN_REF:
		return conv_colref(c, n->column_ref);
	case PG_QUERY__NODE__NODE_A_CONST:
		e = new_expr(c, SQLFE_X_VALUE, n->a_const->location);
		if (e == NULL || !conv_const(c, n->a_const, &e->val))
			return NULL;
		return e;
	case PG_QUERY__NODE__NODE_PARAM_REF:
		return conv_param(c, n->param_ref);
	case PG_QUERY__NODE__NODE_FUNC_CALL:
		return conv_func(c, n->func_call, allow_agg);
	case PG_QUERY__NODE__NODE_TYPE_CAST:
		return conv_param_cast(c, n->type_cast);
	case PG_QUERY__NODE__NODE_A_EXPR:
		sqlfe_parse_backend(c->st, "expression");
		return NULL;
	case PG_QUERY__NODE__NODE_SUB_LINK:
		sqlfe_parse_backend(c->st, "subquery");
		return NULL;
	default:
		sqlfe_parse_backend(c->st, "expression");
		return NULL;
	}
}

static bool add_pred(ctx *c, sqlfe_pred **out)
{
	if (c->st->npreds >= SQLFE_MAX_PREDS)
		return sqlfe_parse_backend(c->st, "more than %d conditions", SQLFE_MAX_PREDS);
	*out = &c->st->preds[c->st->npreds++];
	memset(*out, 0, sizeof(**out));
	(*out)->scope_lo = c->scope_lo;
	(*out)->scope_hi = c->scope_hi;
	return true;
}

static bool op_of(const char *name, sqlfe_op *op)
{
	static const struct {
		const char *name;
		sqlfe_op op;
	} ops[] = {{"=", SQLFE_OP_EQ},  {"<>", SQLFE_OP_NE}, {"<", SQLFE_OP_LT},
	           {"<=", SQLFE_OP_LE}, {">", SQLFE_OP_GT},  {">=", SQLFE_OP_GE}};

	for (size_t i = 0; name != NULL && i < CB_ARRAY_LEN(ops); i++) {
		if (strcmp(ops[i].name, name) == 0) {
			*op = ops[i].op;
			return true;
		}
	}
	return false;
}

static bool conv_list(ctx *c, const PgQuery__Node *n, sqlfe_pred *p)
{
	const PgQuery__List *l;

	if (n == NULL || n->node_case != PG_QUERY__NODE__NODE_LIST)
		return sqlfe_parse_backend(c->st, "IN with a subquery");
	l = n->list;
	if (l->n_items > SQLFE_MAX_INLIST)
		return sqlfe_parse_backend(c->st, "IN list longer than %d", SQLFE_MAX_INLIST);
	p->list = aalloc(c->st, (l->n_items + 1) * sizeof(*p->list));
	if (p->list == NULL)
		return false;
	for (size_t i = 0; i < l->n_items; i++) {
		p->list[i] = conv_expr(c, l->items[i], false);
		if (p->list[i] == NULL)
			return false;
	}
	p->nlist = (int)l->n_items;
	return true;
}

static bool conv_aexpr(ctx *c, const PgQuery__AExpr *a, bool from_join)
{
	const char *name = a->n_name == 1 ? str_of(a->name[0]) : NULL;
	sqlfe_pred *p = NULL;
	sqlfe_op op;

	switch (a->kind) {
	case PG_QUERY__A__EXPR__KIND__AEXPR_OP:
		if (!op_of(name, &op))
			return sqlfe_parse_backend(c->st, "operator %s", name ? name : "?");
		if (!add_pred(c, &p))
			return false;
		p->kind = SQLFE_P_CMP;
		p->op = op;
		break;
	case PG_QUERY__A__EXPR__KIND__AEXPR_IN:
		if (name == NULL || strcmp(name, "=") != 0)
			return sqlfe_parse_backend(c->st, "NOT IN");
		if (!add_pred(c, &p))
			return false;
		p->kind = SQLFE_P_IN;
		break;
	case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN:
		if (!add_pred(c, &p))
			return false;
		p->kind = SQLFE_P_BETWEEN;
		break;
	case PG_QUERY__A__EXPR__KIND__AEXPR_LIKE:
		if (name == NULL || strcmp(name, "~~") != 0)
			return sqlfe_parse_backend(c->st, "NOT LIKE");
		if (!add_pred(c, &p))
			return false;
		p->kind = SQLFE_P_LIKE;
		break;
	case PG_QUERY__A__EXPR__KIND__AEXPR_ILIKE:
		return sqlfe_parse_backend(c->st, "ILIKE");
	case PG_QUERY__A__EXPR__KIND__AEXPR_SIMILAR:
		return sqlfe_parse_backend(c->st, "SIMILAR TO");
	case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY:
	case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL:
		return sqlfe_parse_backend(c->st, "ANY/ALL");
	case PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT:
	case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT:
		return sqlfe_parse_backend(c->st, "IS [NOT] DISTINCT FROM");
	case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN:
	case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN_SYM:
	case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM:
		return sqlfe_parse_backend(c->st, "NOT BETWEEN / BETWEEN SYMMETRIC");
	default:
		return sqlfe_parse_backend(c->st, "condition");
	}
	p->from_join = from_join;
	p->l = conv_expr(c, a->lexpr, false);
	if (p->l == NULL)
		return false;
	if (p->kind == SQLFE_P_IN || p->kind == SQLFE_P_BETWEEN) {
		if (!conv_list(c, a->rexpr, p))
			return false;
		if (p->kind == SQLFE_P_BETWEEN && p->nlist != 2)
			return sqlfe_parse_backend(c->st, "BETWEEN");
		return true;
	}
	p->r = conv_expr(c, a->rexpr, false);
	return p->r != NULL;
}

/*
 * A column as a whole condition (WHERE active, WHERE NOT active): the
 * comparison col = true (false), which keeps and drops the same rows, NULL
 * included.  The subset check refuses it unless col is boolean (PostgreSQL
 * then reports the error).
 */
static bool conv_bool_column(ctx *c, const PgQuery__Node *col, bool value, bool from_join)
{
	sqlfe_pred *p = NULL;
	if (!add_pred(c, &p))
		return false;
	p->kind = SQLFE_P_CMP;
	p->op = SQLFE_OP_EQ;
	p->from_join = from_join;
	if ((p->l = conv_expr(c, col, false)) == NULL || (p->r = new_expr(c, SQLFE_X_VALUE, -1)) == NULL)
		return false;
	p->r->val.src = SQLFE_SRC_CONST;
	p->r->val.kind = SQLFE_VK_BOOL;
	p->r->val.text = value ? "t" : "f";
	return ok(c);
}

static bool conv_where(ctx *c, const PgQuery__Node *n, bool from_join)
{
	sqlfe_pred *p = NULL;

	if (!ok(c))
		return false;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_COLUMN_REF:
		return conv_bool_column(c, n, true, from_join);
	case PG_QUERY__NODE__NODE_BOOL_EXPR:
		if (n->bool_expr->boolop == PG_QUERY__BOOL_EXPR_TYPE__OR_EXPR)
			return sqlfe_parse_backend(c->st, "OR");
		if (n->bool_expr->boolop == PG_QUERY__BOOL_EXPR_TYPE__NOT_EXPR && n->bool_expr->n_args == 1 &&
		    n->bool_expr->args[0]->node_case == PG_QUERY__NODE__NODE_COLUMN_REF)
			return conv_bool_column(c, n->bool_expr->args[0], false, from_join);
		if (n->bool_expr->boolop != PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR)
			return sqlfe_parse_backend(c->st, "NOT");
		for (size_t i = 0; i < n->bool_expr->n_args; i++)
			if (!conv_where(c, n->bool_expr->args[i], from_join))
				return false;
		return true;
	case PG_QUERY__NODE__NODE_A_EXPR:
		return conv_aexpr(c, n->a_expr, from_join);
	case PG_QUERY__NODE__NODE_NULL_TEST:
		if (!add_pred(c, &p))
			return false;
		p->kind = n->null_test->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NULL ? SQLFE_P_ISNULL
		                                                                          : SQLFE_P_NOTNULL;
		p->from_join = from_join;
		p->l = conv_expr(c, n->null_test->arg, false);
		return p->l != NULL;
	case PG_QUERY__NODE__NODE_SUB_LINK:
		return sqlfe_parse_backend(c->st, "subquery");
	default:
		return sqlfe_parse_backend(c->st, "condition");
	}
}

static bool conv_from(ctx *c, const PgQuery__Node *n)
{
	sqlfe_from *f;

	if (!ok(c))
		return false;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_RANGE_VAR: {
		const PgQuery__RangeVar *rv = n->range_var;
		if (c->st->nfrom >= SQLFE_MAX_FROM)
			return sqlfe_parse_backend(c->st, "more than %d tables", SQLFE_MAX_FROM);
		if (nonempty(rv->catalogname))
			return sqlfe_parse_backend(c->st, "database-qualified table");
		if (!rv->inh)
			return sqlfe_parse_backend(c->st, "ONLY");
		if (rv->alias != NULL && rv->alias->n_colnames > 0)
			return sqlfe_parse_backend(c->st, "column aliases in FROM");
		f = &c->st->from[c->st->nfrom++];
		f->relname = astrdup(c->st, rv->relname);
		f->schema = nonempty(rv->schemaname) ? astrdup(c->st, rv->schemaname) : NULL;
		f->alias = rv->alias != NULL ? astrdup(c->st, rv->alias->aliasname) : NULL;
		return ok(c);
	}
	case PG_QUERY__NODE__NODE_JOIN_EXPR: {
		const PgQuery__JoinExpr *j = n->join_expr;
		if (j->jointype != PG_QUERY__JOIN_TYPE__JOIN_INNER)
			return sqlfe_parse_backend(c->st, "outer join");
		if (j->is_natural)
			return sqlfe_parse_backend(c->st, "NATURAL JOIN");
		if (j->n_using_clause > 0)
			return sqlfe_parse_backend(c->st, "JOIN USING");
		if (j->alias != NULL || j->join_using_alias != NULL)
			return sqlfe_parse_backend(c->st, "alias on a join");
		int lo = c->st->nfrom;
		bool good;
		if (!conv_from(c, j->larg) || !conv_from(c, j->rarg))
			return false;
		if (j->quals == NULL)
			return true;
		/* ON sees only the two sides of its own join */
		c->scope_lo = lo;
		c->scope_hi = c->st->nfrom - 1;
		good = conv_where(c, j->quals, true);
		c->scope_lo = 0;
		c->scope_hi = SQLFE_MAX_FROM - 1;
		return good;
	}
	case PG_QUERY__NODE__NODE_RANGE_SUBSELECT:
		return sqlfe_parse_backend(c->st, "subquery in FROM");
	case PG_QUERY__NODE__NODE_RANGE_FUNCTION:
		return sqlfe_parse_backend(c->st, "function in FROM");
	default:
		return sqlfe_parse_backend(c->st, "FROM item");
	}
}

/* LIMIT/OFFSET value: NULL constant means none. */
static bool conv_limit(ctx *c, const PgQuery__Node *n, sqlfe_expr **out)
{
	*out = NULL;
	if (n == NULL)
		return true;
	if (n->node_case == PG_QUERY__NODE__NODE_A_CONST && n->a_const->isnull)
		return true;
	if (n->node_case != PG_QUERY__NODE__NODE_A_CONST && n->node_case != PG_QUERY__NODE__NODE_PARAM_REF &&
	    !(n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST && n->type_cast->arg != NULL &&
	      n->type_cast->arg->node_case == PG_QUERY__NODE__NODE_PARAM_REF))
		return sqlfe_parse_backend(c->st, "LIMIT/OFFSET expression");
	*out = conv_expr(c, n, false);
	return *out != NULL;
}

static bool conv_select(ctx *c, const PgQuery__SelectStmt *s)
{
	sqlfe_stmt *st = c->st;

	if (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE)
		return sqlfe_parse_backend(st, "set operation");
	if (s->with_clause != NULL)
		return sqlfe_parse_backend(st, "WITH");
	if (s->into_clause != NULL)
		return sqlfe_parse_backend(st, "SELECT INTO");
	if (s->n_locking_clause > 0)
		return sqlfe_parse_backend(st, "FOR UPDATE/SHARE");
	if (s->n_values_lists > 0)
		return sqlfe_parse_backend(st, "VALUES");
	if (s->group_distinct)
		return sqlfe_parse_backend(st, "GROUP BY DISTINCT");
	if (s->having_clause != NULL)
		return sqlfe_parse_backend(st, "HAVING");
	if (s->n_window_clause > 0)
		return sqlfe_parse_backend(st, "WINDOW");
	if (s->limit_option == PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_WITH_TIES)
		return sqlfe_parse_backend(st, "FETCH WITH TIES");
	if (s->n_distinct_clause > 0) {
		if (s->n_distinct_clause != 1 || s->distinct_clause[0]->node_case != PG_QUERY__NODE__NODE__NOT_SET)
			return sqlfe_parse_backend(st, "DISTINCT ON");
		st->distinct = true;
	}
	if (s->n_from_clause == 0)
		return sqlfe_parse_backend(st, "no FROM");
	if (s->n_target_list == 0)
		return sqlfe_parse_backend(st, "empty select list");
	for (size_t i = 0; i < s->n_target_list; i++) {
		const PgQuery__ResTarget *rt;
		sqlfe_target *t;
		if (s->target_list[i]->node_case != PG_QUERY__NODE__NODE_RES_TARGET)
			return sqlfe_parse_backend(st, "select list");
		rt = s->target_list[i]->res_target;
		if (st->ntargets >= SQLFE_MAX_TARGETS)
			return sqlfe_parse_backend(st, "more than %d output columns", SQLFE_MAX_TARGETS);
		t = &st->targets[st->ntargets++];
		t->e = conv_expr(c, rt->val, true);
		if (t->e == NULL)
			return false;
		t->alias = nonempty(rt->name) ? astrdup(st, rt->name) : NULL;
	}
	for (size_t i = 0; i < s->n_from_clause; i++)
		if (!conv_from(c, s->from_clause[i]))
			return false;
	if (s->where_clause != NULL && !conv_where(c, s->where_clause, false))
		return false;
	for (size_t i = 0; i < s->n_group_clause; i++) {
		/* plain columns only: positions, expressions, ROLLUP, CUBE and GROUPING SETS are the backend's */
		if (s->group_clause[i]->node_case != PG_QUERY__NODE__NODE_COLUMN_REF)
			return sqlfe_parse_backend(st, "GROUP BY expression");
		if (st->ngroups >= SQLFE_MAX_SORTS)
			return sqlfe_parse_backend(st, "more than %d GROUP BY terms", SQLFE_MAX_SORTS);
		if ((st->groups[st->ngroups++] = conv_expr(c, s->group_clause[i], false)) == NULL)
			return false;
	}
	for (size_t i = 0; i < s->n_sort_clause; i++) {
		const PgQuery__SortBy *sb;
		sqlfe_sort *so;
		if (s->sort_clause[i]->node_case != PG_QUERY__NODE__NODE_SORT_BY)
			return sqlfe_parse_backend(st, "ORDER BY");
		sb = s->sort_clause[i]->sort_by;
		if (st->nsorts >= SQLFE_MAX_SORTS)
			return sqlfe_parse_backend(st, "more than %d ORDER BY terms", SQLFE_MAX_SORTS);
		if (sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_USING)
			return sqlfe_parse_backend(st, "ORDER BY USING");
		so = &st->sorts[st->nsorts++];
		so->e = conv_expr(c, sb->node, false);
		if (so->e == NULL)
			return false;
		if (so->e->kind == SQLFE_X_VALUE) {
			/* ORDER BY n: a position, only when the key kept the number */
			if (so->e->val.src != SQLFE_SRC_CONST || so->e->val.kind != SQLFE_LIT_INT4 ||
			    so->e->val.text[0] == '-')
				return sqlfe_parse_backend(st, "ORDER BY position");
		} else if (so->e->kind != SQLFE_X_COLUMN) {
			return sqlfe_parse_backend(st, "ORDER BY expression");
		}
		so->desc = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
		so->nulls = sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST  ? SQLFE_NULLS_FIRST
		            : sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST ? SQLFE_NULLS_LAST
		                                                                             : SQLFE_NULLS_DEFAULT;
	}
	if (!conv_limit(c, s->limit_count, &st->limit) || !conv_limit(c, s->limit_offset, &st->offset))
		return false;
	return ok(c);
}

static const char *stmt_reason(PgQuery__Node__NodeCase k)
{
	switch (k) {
	case PG_QUERY__NODE__NODE_INSERT_STMT:
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
	case PG_QUERY__NODE__NODE_DELETE_STMT:
	case PG_QUERY__NODE__NODE_MERGE_STMT:
		return "write";
	case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
		return "transaction control";
	case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT:
		return "SET";
	default:
		return "not a SELECT";
	}
}

bool sqlfe_parse(const char *text, const sqlfe_plankey *pk, sqlfe_stmt **out, cb_error *err)
{
	PgQueryProtobufParseResult r;
	PgQuery__ParseResult *tree = NULL;
	sqlfe_stmt *st;
	ctx c;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (st == NULL || (st->arena = calloc(1, sizeof(*st->arena))) == NULL) {
		free(st);
		snprintf(err->msg, sizeof(err->msg),
		         "out of memory parsing a statement: reduce the load or add memory");
		return false;
	}
	st->kind = SQLFE_STMT_SELECT;
	memset(&c, 0, sizeof(c));
	c.st = st;
	c.text = text;
	c.text_len = strlen(text);
	c.pk = pk;
	c.scope_hi = SQLFE_MAX_FROM - 1;

	r = pg_query_parse_protobuf(text);
	if (r.error != NULL) {
		sqlfe_parse_backend(st, "syntax error: %s", r.error->message ? r.error->message : "?");
	} else {
		tree = pg_query__parse_result__unpack(NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
		if (tree == NULL)
			sqlfe_parse_backend(st, "parse tree not readable");
		else if (tree->n_stmts == 0)
			sqlfe_parse_backend(st, "empty statement");
		else if (tree->n_stmts > 1)
			sqlfe_parse_backend(st, "multiple statements");
		else if (tree->stmts[0]->stmt == NULL)
			sqlfe_parse_backend(st, "empty statement");
		else if (tree->stmts[0]->stmt->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
			sqlfe_parse_backend(st, "%s", stmt_reason(tree->stmts[0]->stmt->node_case));
		else
			conv_select(&c, tree->stmts[0]->stmt->select_stmt);
	}
	if (st->kind == SQLFE_STMT_SELECT && pk != NULL) {
		for (int i = 0; i < pk->nlits; i++) {
			if (!c.used[i]) {
				sqlfe_parse_backend(st, "literal outside a value position");
				break;
			}
		}
	}
	if (tree != NULL)
		pg_query__parse_result__free_unpacked(tree, NULL);
	pg_query_free_protobuf_parse_result(r);
	if (st->arena->oom) {
		sqlfe_parse_free(st);
		snprintf(err->msg, sizeof(err->msg),
		         "out of memory parsing a statement: reduce the load or add memory");
		return false;
	}
	*out = st;
	return true;
}

void sqlfe_parse_free(sqlfe_stmt *st)
{
	arena_block *b, *next;

	if (st == NULL)
		return;
	if (st->arena != NULL) {
		for (b = st->arena->head; b != NULL; b = next) {
			next = b->next;
			free(b);
		}
		free(st->arena);
	}
	free(st);
}
