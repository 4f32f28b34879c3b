/*
 * memoable.c - whether the backend's answer to a statement may be kept
 * (see memoable.h).
 *
 * Functions prefix: sqlfe_memoable_
 *
 * The tree is walked generically, through protobuf-c's descriptors: every
 * message of the tree must be of a kind in the allowed list (nodes that
 * need a closer look are judged by their own function first), so a node
 * this judge does not know, in any version of the parser, says no.
 */
#include "sql/memoable.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>
#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#define MAX_SCOPE 64

typedef struct judge {
	const sqlfe_memoable_ctx *ctx;
	sqlfe_memoable_result *out;
	const char *scope[MAX_SCOPE]; /* WITH query names in scope, innermost last */
	size_t nscope;
	int depth;
} judge;

static bool no(judge *j, const char *why)
{
	if (j->out->ok) {
		j->out->ok = false;
		j->out->why = why;
	}
	return false;
}

static int cmp_name(const void *key, const void *elem)
{
	return strcmp((const char *)key, *(const char *const *)elem);
}

static bool listed(const char *name, const char *const *list, size_t n)
{
	return list != NULL && n > 0 && bsearch(name, list, n, sizeof(*list), cmp_name) != NULL;
}

/* The words date and time input reads as the clock (datetime.c's special values). */
static const char *const clock_words[] = {"now", "today", "tomorrow", "yesterday"};

bool sqlfe_memoable_value_ok(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = (char)tolower((unsigned char)v[i]);
		if (c != 'n' && c != 't' && c != 'y')
			continue;
		for (size_t w = 0; w < sizeof(clock_words) / sizeof(clock_words[0]); w++) {
			size_t wl = strlen(clock_words[w]);
			if (len - i >= wl && strncasecmp(v + i, clock_words[w], wl) == 0)
				return false;
		}
	}
	return true;
}

/* The text of String node n, NULL when it is not one. */
static const char *str_of(const PgQuery__Node *n)
{
	return n != NULL && n->node_case == PG_QUERY__NODE__NODE_STRING && n->string != NULL ? n->string->sval : NULL;
}

/*
 * A qualified name (function, operator, type): every qualifier must be
 * pg_catalog; the last name into *last.
 */
static bool catalog_name(PgQuery__Node *const *names, size_t n, const char **last)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i + 1 < n; i++) {
		const char *q = str_of(names[i]);
		if (q == NULL || strcmp(q, "pg_catalog") != 0)
			return false;
	}
	return (*last = str_of(names[n - 1])) != NULL;
}

static bool walk(judge *j, const ProtobufCMessage *m);

static bool walk_nodes(judge *j, PgQuery__Node *const *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (nodes[i] != NULL && !walk(j, &nodes[i]->base))
			return false;
	return true;
}

static bool relation(judge *j, const PgQuery__RangeVar *rv)
{
	const char *schema = rv->schemaname != NULL && rv->schemaname[0] != '\0' ? rv->schemaname : NULL;
	if (rv->catalogname != NULL && rv->catalogname[0] != '\0')
		return no(j, "a relation named with its database");
	if (schema == NULL)
		for (size_t i = j->nscope; i-- > 0;)
			if (strcmp(j->scope[i], rv->relname) == 0)
				return true; /* a WITH query: its own tree is walked where it is defined */
	const sqlfe_memoable_ctx *c = j->ctx;
	for (size_t g = 0; g < c->ngroups; g++)
		for (size_t t = 0; t < c->ntables[g] && t < 64; t++) {
			const sqlfe_memoable_table *tb = &c->tables[g][t];
			if (strcmp(tb->name, rv->relname) != 0 || (schema != NULL && strcmp(tb->schema, schema) != 0))
				continue;
			if (tb->has_children && rv->inh)
				return no(j, "a table with inheritance children, read without ONLY");
			j->out->tables[g] |= (uint64_t)1 << t;
			return true;
		}
	return no(j, "reads a relation that is not a cache table");
}

static bool func_call(judge *j, const PgQuery__FuncCall *f)
{
	const char *name;
	if (!catalog_name(f->funcname, f->n_funcname, &name))
		return no(j, "calls a function outside pg_catalog");
	if (!listed(name, j->ctx->safe_funcs, j->ctx->nsafe_funcs))
		return no(j, "calls a function whose answer may change without a table changing");
	return true;
}

static bool operator_name(judge *j, PgQuery__Node *const *names, size_t n)
{
	const char *name;
	if (!catalog_name(names, n, &name))
		return no(j, "uses an operator outside pg_catalog");
	if (!listed(name, j->ctx->safe_ops, j->ctx->nsafe_ops))
		return no(j, "uses an operator whose answer may change without a table changing");
	return true;
}

/* An operator a node may name (ORDER BY ... USING op, x op ANY (SELECT ...)): none, or a safe one. */
static bool operators_if_any(judge *j, PgQuery__Node *const *names, size_t n)
{
	return n == 0 || operator_name(j, names, n);
}

static bool a_expr(judge *j, const PgQuery__AExpr *e)
{
	switch (e->kind) {
	case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN:
	case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN:
	case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN_SYM:
	case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM:
		/* x BETWEEN a AND b is x >= a AND x <= b */
		if (!listed(">=", j->ctx->safe_ops, j->ctx->nsafe_ops) ||
		    !listed("<=", j->ctx->safe_ops, j->ctx->nsafe_ops))
			return no(j, "uses an operator whose answer may change without a table changing");
		return true;
	default:
		return operator_name(j, e->name, e->n_name);
	}
}

/* Types a cast may name (the parser's names: integer is int4, and so on). */
static const char *const cast_types[] = {"bool",      "bpchar",      "bytea",   "char", "date",     "float4",
                                         "float8",    "int2",        "int4",    "int8", "interval", "json",
                                         "jsonb",     "name",        "numeric", "oid",  "text",     "time",
                                         "timestamp", "timestamptz", "timetz",  "uuid", "varchar",  NULL};
/* ... of which date and time input reads special words as the clock. */
static const char *const clock_types[] = {"date", "time", "timestamp", "timestamptz", "timetz", NULL};

static bool in_list(const char *name, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static bool type_cast(judge *j, const PgQuery__TypeCast *tc)
{
	const PgQuery__TypeName *tn = tc->type_name;
	const char *name;
	if (tn == NULL || tn->setof || tn->pct_type || !catalog_name(tn->names, tn->n_names, &name) ||
	    !in_list(name, cast_types))
		return no(j, "casts to a type whose input may change without a table changing");
	if (in_list(name, clock_types) && tc->arg != NULL && tc->arg->node_case != PG_QUERY__NODE__NODE_A_CONST &&
	    tc->arg->node_case != PG_QUERY__NODE__NODE_PARAM_REF)
		return no(j, "casts a computed value to a date or time type (it may read 'now')");
	return walk_nodes(j, tn->typmods, tn->n_typmods) && walk_nodes(j, &tc->arg, 1);
}

static bool a_const(judge *j, const PgQuery__AConst *c)
{
	if (c->val_case == PG_QUERY__A__CONST__VAL_SVAL && c->sval != NULL && c->sval->sval != NULL &&
	    !sqlfe_memoable_value_ok(c->sval->sval, strlen(c->sval->sval)))
		return no(j, "a constant date and time input reads as the clock ('now', 'today', ...)");
	return true;
}

/* System columns that change with no change the stream carries (VACUUM FULL, CLUSTER move rows). */
static const char *const moving_columns[] = {"ctid", "xmin", "xmax", "cmin", "cmax", NULL};

static bool column_ref(judge *j, const PgQuery__ColumnRef *cr)
{
	for (size_t i = 0; i < cr->n_fields; i++) {
		const char *f = str_of(cr->fields[i]);
		if (f != NULL && listed(f, j->ctx->other_funcs, j->ctx->nother_funcs))
			return no(j, "a column reference that may call a function (t.f is f(t))");
		if (f != NULL && in_list(f, moving_columns))
			return no(j, "a system column that changes without a row changing (ctid, xmin, ...)");
	}
	return true;
}

/* (x).f is f(x) when x has no column f, as t.f is */
static bool indirection(judge *j, const PgQuery__AIndirection *ind)
{
	for (size_t i = 0; i < ind->n_indirection; i++) {
		const char *f = str_of(ind->indirection[i]);
		if (f != NULL && listed(f, j->ctx->other_funcs, j->ctx->nother_funcs))
			return no(j, "a field selection that may call a function ((t).f is f(t))");
	}
	return true;
}

/* SELECT: its WITH queries, each in the scope of those before it, then the rest with all of them in scope. */
static bool select_stmt(judge *j, const PgQuery__SelectStmt *s)
{
	if (s->into_clause != NULL)
		return no(j, "SELECT INTO");
	if (s->n_locking_clause > 0)
		return no(j, "locks rows (FOR UPDATE, FOR SHARE)");
	size_t scope = j->nscope;
	if (s->with_clause != NULL) {
		const PgQuery__WithClause *w = s->with_clause;
		if (w->recursive)
			return no(j, "WITH RECURSIVE");
		for (size_t i = 0; i < w->n_ctes; i++) {
			const PgQuery__Node *n = w->ctes[i];
			if (n == NULL || n->node_case != PG_QUERY__NODE__NODE_COMMON_TABLE_EXPR)
				return no(j, "an unknown WITH item");
			const PgQuery__CommonTableExpr *cte = n->common_table_expr;
			if (cte->ctequery == NULL || cte->ctequery->node_case != PG_QUERY__NODE__NODE_SELECT_STMT ||
			    cte->search_clause != NULL || cte->cycle_clause != NULL)
				return no(j, "a WITH query that is not a plain SELECT");
			if (!walk(j, &cte->ctequery->base))
				return false;
			if (j->nscope == MAX_SCOPE)
				return no(j, "too many WITH queries");
			j->scope[j->nscope++] = cte->ctename;
		}
	}
	bool ok = walk_nodes(j, s->distinct_clause, s->n_distinct_clause) &&
	          walk_nodes(j, s->target_list, s->n_target_list) && walk_nodes(j, s->from_clause, s->n_from_clause) &&
	          walk_nodes(j, &s->where_clause, 1) && walk_nodes(j, s->group_clause, s->n_group_clause) &&
	          walk_nodes(j, &s->having_clause, 1) && walk_nodes(j, s->window_clause, s->n_window_clause) &&
	          walk_nodes(j, s->values_lists, s->n_values_lists) &&
	          walk_nodes(j, s->sort_clause, s->n_sort_clause) && walk_nodes(j, &s->limit_offset, 1) &&
	          walk_nodes(j, &s->limit_count, 1) && (s->larg == NULL || walk(j, &s->larg->base)) &&
	          (s->rarg == NULL || walk(j, &s->rarg->base));
	j->nscope = scope;
	return ok;
}

/* Messages walked field by field with no judgement of their own. */
static const ProtobufCMessageDescriptor *const plain[] = {&pg_query__node__descriptor,
                                                          &pg_query__list__descriptor,
                                                          &pg_query__string__descriptor,
                                                          &pg_query__integer__descriptor,
                                                          &pg_query__float__descriptor,
                                                          &pg_query__boolean__descriptor,
                                                          &pg_query__bit_string__descriptor,
                                                          &pg_query__a__star__descriptor,
                                                          &pg_query__alias__descriptor,
                                                          &pg_query__res_target__descriptor,
                                                          &pg_query__param_ref__descriptor,
                                                          &pg_query__bool_expr__descriptor,
                                                          &pg_query__null_test__descriptor,
                                                          &pg_query__boolean_test__descriptor,
                                                          &pg_query__join_expr__descriptor,
                                                          &pg_query__range_subselect__descriptor,
                                                          &pg_query__case_expr__descriptor,
                                                          &pg_query__case_when__descriptor,
                                                          &pg_query__coalesce_expr__descriptor,
                                                          &pg_query__min_max_expr__descriptor,
                                                          &pg_query__row_expr__descriptor,
                                                          &pg_query__a__array_expr__descriptor,
                                                          &pg_query__a__indices__descriptor,
                                                          &pg_query__collate_clause__descriptor,
                                                          &pg_query__window_def__descriptor,
                                                          &pg_query__grouping_set__descriptor,
                                                          NULL};

static bool walk_fields(judge *j, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		const char *base = (const char *)m;
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)(const void *)(base + f->quantifier_offset) != f->id)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(const void *)(base + f->quantifier_offset);
			ProtobufCMessage *const *arr =
			        *(ProtobufCMessage *const *const *)(const void *)(base + f->offset);
			for (size_t k = 0; k < n; k++)
				if (arr[k] != NULL && !walk(j, arr[k]))
					return false;
		} else {
			const ProtobufCMessage *sub =
			        *(const ProtobufCMessage *const *)(const void *)(base + f->offset);
			if (sub != NULL && !walk(j, sub))
				return false;
		}
	}
	return true;
}

static bool walk(judge *j, const ProtobufCMessage *m)
{
	if (++j->depth > 1000) {
		j->depth--;
		return no(j, "nested too deeply");
	}
	const ProtobufCMessageDescriptor *d = m->descriptor;
	bool ok;
	if (d == &pg_query__select_stmt__descriptor)
		ok = select_stmt(j, (const PgQuery__SelectStmt *)m);
	else if (d == &pg_query__range_var__descriptor)
		ok = relation(j, (const PgQuery__RangeVar *)m);
	else if (d == &pg_query__func_call__descriptor)
		ok = func_call(j, (const PgQuery__FuncCall *)m) && walk_fields(j, m);
	else if (d == &pg_query__a__expr__descriptor)
		ok = a_expr(j, (const PgQuery__AExpr *)m) && walk_fields(j, m);
	else if (d == &pg_query__sort_by__descriptor)
		ok = operators_if_any(j, ((const PgQuery__SortBy *)m)->use_op,
		                      ((const PgQuery__SortBy *)m)->n_use_op) &&
		     walk_fields(j, m);
	else if (d == &pg_query__type_cast__descriptor)
		ok = type_cast(j, (const PgQuery__TypeCast *)m);
	else if (d == &pg_query__a__const__descriptor)
		ok = a_const(j, (const PgQuery__AConst *)m);
	else if (d == &pg_query__a__indirection__descriptor)
		ok = indirection(j, (const PgQuery__AIndirection *)m) && walk_fields(j, m);
	else if (d == &pg_query__sub_link__descriptor)
		ok = operators_if_any(j, ((const PgQuery__SubLink *)m)->oper_name,
		                      ((const PgQuery__SubLink *)m)->n_oper_name) &&
		     walk_fields(j, m);
	else if (d == &pg_query__column_ref__descriptor)
		ok = column_ref(j, (const PgQuery__ColumnRef *)m) && walk_fields(j, m);
	else {
		ok = false;
		for (size_t i = 0; plain[i] != NULL && !ok; i++)
			ok = plain[i] == d;
		ok = ok ? walk_fields(j, m) : no(j, "uses SQL the memo does not judge");
	}
	j->depth--;
	return ok;
}

bool sqlfe_memoable_judge(const char *text, size_t len, const sqlfe_memoable_ctx *ctx, sqlfe_memoable_result *out)
{
	memset(out, 0, sizeof(*out));
	out->ok = true;
	char *copy = malloc(len + 1);
	if (copy == NULL)
		return false;
	memcpy(copy, text, len);
	copy[len] = '\0';
	judge j = {.ctx = ctx, .out = out};
	PgQueryProtobufParseResult r = pg_query_parse_protobuf(copy);
	free(copy);
	PgQuery__ParseResult *tree = NULL;
	if (r.error != NULL)
		no(&j, "the parser refused it");
	else if ((tree = pg_query__parse_result__unpack(NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data)) ==
	         NULL)
		no(&j, "the parse tree could not be read");
	else if (tree->n_stmts != 1 || tree->stmts[0]->stmt == NULL ||
	         tree->stmts[0]->stmt->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
		no(&j, "not exactly one SELECT");
	else
		(void)walk(&j, &tree->stmts[0]->stmt->base);
	if (tree != NULL)
		pg_query__parse_result__free_unpacked(tree, NULL);
	pg_query_free_protobuf_parse_result(r);
	if (!out->ok)
		memset(out->tables, 0, sizeof(out->tables));
	return true;
}
