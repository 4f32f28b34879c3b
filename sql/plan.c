/*
 * plan.c - the front end's pipeline: parse, subset, anchor, translate.
 *
 * Functions prefix: sqlfe_plan_
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/plan.h"
#include "sql/translate.h"

static void free_binding(sqlfe_binding *b)
{
	if (b->val.src == SQLFE_SRC_CONST)
		free((char *)b->val.text);
}

void sqlfe_plan_free(sqlfe_plan *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < p->nbinds; i++)
		free_binding(&p->binds[i]);
	free(p->binds);
	for (int i = 0; i < p->nprobes; i++) {
		for (int k = 0; k < p->probes[i].nvalues; k++)
			free_binding(&p->probes[i].values[k]);
		free(p->probes[i].values);
	}
	free(p->cols);
	free(p->sql);
	free(p);
}

static bool oom(sqlfe_error *err)
{
	snprintf(err->msg, sizeof(err->msg), "out of memory analysing a statement: reduce the load or add memory");
	return false;
}

/* Copy the probes of the anchoring, with their values, into the plan. */
static bool copy_probes(const sqlfe_stmt *st, const sqlfe_schema *s, const sqlfe_resolved *res,
                        const sqlfe_anchoring *a, sqlfe_plan *p)
{
	for (int i = 0; i < a->nprobes; i++) {
		const sqlfe_anchor_probe *ap = &a->probes[i];
		const sqlfe_pred *pr = &st->preds[ap->pred];
		sqlfe_probe *pp = &p->probes[i];
		int t = res->occ[ap->occ].table;
		const sqlfe_column *cd = &s->tables[t].cols[ap->col];
		const sqlfe_type *ty = sqlfe_types_lookup(cd->type_oid);
		int n = pr->kind == SQLFE_P_IN ? pr->nlist : 1;

		pp->occ = ap->occ;
		pp->table = t;
		pp->col = ap->col;
		snprintf(pp->table_name, sizeof(pp->table_name), "%s", s->tables[t].name);
		snprintf(pp->col_name, sizeof(pp->col_name), "%s", cd->name);
		pp->ways = ap->ways;
		pp->values = calloc((size_t)n, sizeof(*pp->values));
		if (pp->values == NULL)
			return false;
		p->nprobes = i + 1;
		for (int k = 0; k < n; k++) {
			const sqlfe_value *v = pr->kind == SQLFE_P_IN ? &pr->list[k]->val : &pr->r->val;
			sqlfe_binding *b = &pp->values[k];
			b->val = *v;
			if (v->src == SQLFE_SRC_CONST && (b->val.text = strdup(v->text)) == NULL) {
				b->val.src = SQLFE_SRC_LITERAL;
				return false;
			}
			pp->nvalues = k + 1;
			b->type_oid = ty->oid;
			b->as = ty->family == SQLFE_FAM_INT    ? SQLFE_BIND_INT
			        : ty->family == SQLFE_FAM_BOOL ? SQLFE_BIND_BOOL
			                                       : SQLFE_BIND_TEXT;
		}
	}
	return true;
}

bool sqlfe_plan_build(const char *text, const sqlfe_plankey *pk, const sqlfe_schema *s, sqlfe_plan **out,
                      sqlfe_error *err)
{
	sqlfe_stmt *st = NULL;
	sqlfe_plan *p;
	sqlfe_resolved res;
	sqlfe_anchoring anch;
	bool good = true;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return oom(err);
	p->nlits = pk != NULL ? pk->nlits : 0;
	if (!sqlfe_parse(text, pk, &st, err)) {
		free(p);
		return false;
	}
	if (sqlfe_subset_check(st, s, &res) && sqlfe_anchor(st, s, &res, &anch)) {
		p->nocc = res.nocc;
		for (int i = 0; i < res.nocc; i++) {
			p->occ[i].table = res.occ[i].table;
			snprintf(p->occ[i].refname, sizeof(p->occ[i].refname), "%s", res.occ[i].refname);
			p->occ[i].anchor = anch.occ[i];
		}
		p->nparams = res.nparams;
		memcpy(p->param_types, res.param_type, sizeof(p->param_types));
		if (!copy_probes(st, s, &res, &anch, p))
			good = oom(err);
		else
			good = sqlfe_translate(st, s, &res, p, err);
	}
	if (good) {
		p->cacheable = st->kind == SQLFE_STMT_SELECT;
		if (!p->cacheable)
			snprintf(p->reason, sizeof(p->reason), "%s", st->reason);
	}
	sqlfe_parse_free(st);
	if (!good) {
		sqlfe_plan_free(p);
		return false;
	}
	*out = p;
	return true;
}

size_t sqlfe_plan_value_text(const sqlfe_value *v, const char *text, const sqlfe_plankey *pk, char *out, size_t cap)
{
	size_t n = 0;

	if (cap > 0)
		out[0] = '\0';
	if (v->src == SQLFE_SRC_PARAM)
		return 0;
	if (v->src == SQLFE_SRC_CONST)
		return (size_t)snprintf(out, cap, "%s", v->text);
	if (v->negate) {
		if (cap > 1)
			out[0] = '-';
		n = 1;
	}
	return n + sqlfe_plankey_value(text, &pk->lits[v->index], cap > n ? out + n : out, cap > n ? cap - n : 0);
}
