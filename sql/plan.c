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

static bool oom(cb_error *err)
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
		const pgtype *ty = pgtype_output(cd->type_oid);
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
			b->as = ty->family == PGTYPE_FAM_INT    ? SQLFE_BIND_INT
			        : ty->family == PGTYPE_FAM_BOOL ? SQLFE_BIND_BOOL
			                                        : SQLFE_BIND_TEXT;
		}
	}
	return true;
}

bool sqlfe_plan_build(const char *text, const sqlfe_plankey *pk, const sqlfe_schema *s, sqlfe_plan **out, cb_error *err)
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
		memcpy(p->param_casts, res.param_cast, sizeof(p->param_casts));
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

/* Valid UTF-8 as PostgreSQL checks it (no overlongs, surrogates or NUL)? */
static bool utf8_ok(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		uint32_t cp;
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
	}
	return true;
}

static bool is_int_oid(uint32_t oid)
{
	return oid == PGTYPE_OID_INT2 || oid == PGTYPE_OID_INT4 || oid == PGTYPE_OID_INT8;
}

/* A numeric's text that is an integer ("-12", "12.000"): its integer part's length, else 0. */
static size_t numeric_integer(const char *v, size_t len)
{
	size_t i = v[0] == '-' || v[0] == '+' ? 1 : 0, digits = 0;
	while (i < len && v[i] >= '0' && v[i] <= '9') {
		i++;
		digits++;
	}
	size_t int_len = i;
	if (i < len && v[i] == '.')
		for (i++; i < len && v[i] == '0'; i++)
			;
	return digits > 0 && i == len ? int_len : 0;
}

sqlfe_bind_status sqlfe_plan_bind_value(const sqlfe_binding *b, const sqlfe_bind_input *in, char *scratch, size_t cap,
                                        size_t *used, sqlfe_bound *out)
{
	const char *v;
	size_t len, room = cap - *used;
	char *dst = scratch + *used;
	uint32_t declared = 0;

	memset(out, 0, sizeof(*out));
	if (b->val.src == SQLFE_SRC_PARAM) {
		int n = b->val.index;
		if (n < 1 || n > in->nparams || in->params[n] == NULL || in->param_len[n] < 0)
			return SQLFE_BOUND_BACKEND;
		v = in->params[n];
		len = (size_t)in->param_len[n];
		/* $n::T is $n declared as T */
		if (!sqlfe_subset_param_declared(b->val.cast, in->param_types != NULL ? in->param_types[n] : 0,
		                                 &declared))
			return SQLFE_BOUND_BACKEND;
	} else {
		if (b->val.src == SQLFE_SRC_LITERAL && in->pk == NULL)
			return SQLFE_BOUND_BACKEND;
		len = sqlfe_plan_value_text(&b->val, in->text, in->pk, dst, room);
		if (len >= room)
			return SQLFE_BOUND_NOSPACE;
		v = dst;
	}
	switch (b->as) {
	case SQLFE_BIND_INT:
	case SQLFE_BIND_LIMIT: {
		uint32_t oid = b->as == SQLFE_BIND_LIMIT ? PGTYPE_OID_INT8 : b->type_oid;
		if (is_int_oid(declared))
			oid = declared; /* PostgreSQL reads it as its declared type, then compares exactly */
		else if (declared == PGTYPE_OID_NUMERIC && b->as == SQLFE_BIND_INT) {
			/* an integer-valued numeric equals the integer; anything else: the backend */
			size_t il = numeric_integer(v, len);
			if (il == 0)
				return SQLFE_BOUND_BACKEND;
			len = il;
			oid = PGTYPE_OID_INT8;
		}
		const pgtype *t = pgtype_output(oid);
		/* a literal is read as its own type (an int8 literal against an int4 column is fine) */
		if (b->val.src != SQLFE_SRC_PARAM)
			t = pgtype_output(PGTYPE_OID_INT8);
		if (t == NULL || !sqlfe_types_parse_int(t, v, len, &out->i))
			return SQLFE_BOUND_BACKEND;
		if (b->as == SQLFE_BIND_LIMIT && out->i < 0)
			return SQLFE_BOUND_BACKEND;
		out->is_int = true;
		return SQLFE_BOUND_OK;
	}
	case SQLFE_BIND_BOOL: {
		int bv;
		if (!pgtype_parse_bool_n(v, len, &bv))
			return SQLFE_BOUND_BACKEND; /* PostgreSQL refuses it: its error */
		out->i = bv;
		out->is_int = true;
		return SQLFE_BOUND_OK;
	}
	case SQLFE_BIND_TEXT:
		if (!utf8_ok(v, len))
			return SQLFE_BOUND_BACKEND;
		out->s = v;
		out->len = len;
		if (v == dst)
			*used += len + 1;
		return SQLFE_BOUND_OK;
	case SQLFE_BIND_ENUM: {
		/* read as the enum (declared so, or not declared): exactly one of its labels, or PostgreSQL's error */
		if (declared != 0 && declared != b->type_oid)
			return SQLFE_BOUND_BACKEND;
		if (sqlfe_schema_label(b->labels, b->nlabels, v, len) < 0)
			return SQLFE_BOUND_BACKEND;
		out->s = v;
		out->len = len;
		if (v == dst)
			*used += len + 1;
		return SQLFE_BOUND_OK;
	}
	case SQLFE_BIND_GLOB: {
		size_t gl;
		char *g;
		if (v == dst) {
			*used += len + 1; /* keep the pattern, convert after it */
			room = cap - *used;
		}
		g = scratch + *used;
		if (!utf8_ok(v, len))
			return SQLFE_BOUND_BACKEND;
		if (room < 3 * len + 1)
			return SQLFE_BOUND_NOSPACE;
		if (!sqlfe_types_like_to_glob(v, len, g, room, &gl))
			return SQLFE_BOUND_BACKEND;
		*used += gl + 1;
		out->s = g;
		out->len = gl;
		return SQLFE_BOUND_OK;
	}
	}
	return SQLFE_BOUND_BACKEND;
}
