/*
 * anchor.c - entry points and anchoring along RCCs.
 *
 * Functions prefix: sqlfe_anchor_
 *
 * Occurrences are at most SQLFE_MAX_FROM, so sets are bit masks and the
 * closure is a plain fixpoint over the join conditions.
 */
#include <string.h>

#include "sql/anchor.h"

typedef struct cand {
	int occ, col, pred;
	unsigned ways;
} cand;

#define MAX_KNOWN (2 * SQLFE_MAX_PREDS)

/* Note that occ.col has the value of condition pred (first one wins). */
static void add_known(cand *known, int *n, int occ, int col, int pred)
{
	for (int i = 0; i < *n; i++)
		if (known[i].occ == occ && known[i].col == col)
			return;
	if (*n >= MAX_KNOWN)
		return;
	known[*n].occ = occ;
	known[*n].col = col;
	known[*n].pred = pred;
	known[*n].ways = 0;
	(*n)++;
}

static unsigned ways_of(const sqlfe_schema *s, int t, int c)
{
	unsigned w = 0, flags = s->tables[t].cols[c].flags;

	if (flags & SQLFE_COL_FILL)
		w |= SQLFE_WAY_FILL;
	if (sqlfe_schema_is_rcc_target(s, t, c))
		w |= SQLFE_WAY_RCC;
	if (flags & SQLFE_COL_UNIQUE)
		w |= SQLFE_WAY_UNIQUE;
	return w;
}

/* Rank of a candidate's ways: fill before RCC before unique. */
static int rank(unsigned w)
{
	return (w & SQLFE_WAY_FILL) ? 3 : (w & SQLFE_WAY_RCC) ? 2 : 1;
}

/*
 * Grow the anchored set along join conditions T.a = U.b with an RCC
 * T.a -> U.b; record how in occ[] when not NULL.
 */
static unsigned closure(const sqlfe_stmt *st, const sqlfe_schema *s, const sqlfe_resolved *res, unsigned set,
                        sqlfe_anchor_occ *occ)
{
	bool grew = true;

	while (grew) {
		grew = false;
		for (int i = 0; i < st->npreds; i++) {
			const sqlfe_pred *p = &st->preds[i];
			const sqlfe_expr *a, *b;
			if (p->kind != SQLFE_P_CMP || p->op != SQLFE_OP_EQ || p->r->kind != SQLFE_X_COLUMN ||
			    p->l->occ == p->r->occ)
				continue;
			for (int dir = 0; dir < 2; dir++) {
				a = dir == 0 ? p->l : p->r;
				b = dir == 0 ? p->r : p->l;
				if (!(set & (1u << a->occ)) || (set & (1u << b->occ)))
					continue;
				if (!sqlfe_schema_has_rcc(s, res->occ[a->occ].table, a->col, res->occ[b->occ].table,
				                          b->col))
					continue;
				set |= 1u << b->occ;
				grew = true;
				if (occ != NULL) {
					occ[b->occ].how = SQLFE_ANCH_VIA;
					occ[b->occ].via_occ = a->occ;
					occ[b->occ].via_col = a->col;
					occ[b->occ].col = b->col;
				}
			}
		}
	}
	return set;
}

static int popcount(unsigned x)
{
	int n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

bool sqlfe_anchor(sqlfe_stmt *st, const sqlfe_schema *s, const sqlfe_resolved *res, sqlfe_anchoring *out)
{
	cand known[MAX_KNOWN], cands[MAX_KNOWN];
	int nknown = 0, ncand = 0;
	unsigned all = (res->nocc >= 32) ? ~0u : (1u << res->nocc) - 1, set = 0;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < res->nocc; i++) {
		if (s->tables[res->occ[i].table].complete) {
			set |= 1u << i;
			out->occ[i].how = SQLFE_ANCH_COMPLETE;
		}
	}
	/* columns with a known value: value conditions, then along equalities (a = 5 AND a = b: b = 5) */
	for (int i = 0; i < st->npreds; i++) {
		const sqlfe_pred *p = &st->preds[i];
		if (p->kind == SQLFE_P_CMP) {
			if (p->op != SQLFE_OP_EQ || p->r->kind != SQLFE_X_VALUE)
				continue;
		} else if (p->kind != SQLFE_P_IN) {
			continue;
		}
		add_known(known, &nknown, p->l->occ, p->l->col, i);
	}
	for (int k = 0; k < nknown; k++) {
		for (int i = 0; i < st->npreds; i++) {
			const sqlfe_pred *p = &st->preds[i];
			if (p->kind != SQLFE_P_CMP || p->op != SQLFE_OP_EQ || p->r->kind != SQLFE_X_COLUMN)
				continue;
			if (p->l->occ == known[k].occ && p->l->col == known[k].col)
				add_known(known, &nknown, p->r->occ, p->r->col, known[k].pred);
			else if (p->r->occ == known[k].occ && p->r->col == known[k].col)
				add_known(known, &nknown, p->l->occ, p->l->col, known[k].pred);
		}
	}
	for (int k = 0; k < nknown; k++) {
		unsigned w = ways_of(s, res->occ[known[k].occ].table, known[k].col);
		if (w == 0)
			continue;
		cands[ncand] = known[k];
		cands[ncand].ways = w;
		ncand++;
	}
	set = closure(st, s, res, set, out->occ);
	while ((set & all) != all) {
		int best = -1, best_gain = 0;
		for (int i = 0; i < ncand; i++) {
			int gain;
			if (set & (1u << cands[i].occ))
				continue;
			gain = popcount(closure(st, s, res, set | (1u << cands[i].occ), NULL));
			if (gain > best_gain ||
			    (gain == best_gain && best >= 0 && rank(cands[i].ways) > rank(cands[best].ways))) {
				best = i;
				best_gain = gain;
			}
		}
		if (best < 0) {
			for (int i = 0; i < res->nocc; i++)
				if (!(set & (1u << i)))
					return sqlfe_parse_backend(st, "table %s not anchored", res->occ[i].refname);
			return sqlfe_parse_backend(st, "not anchored");
		}
		out->occ[cands[best].occ].how = SQLFE_ANCH_PROBE;
		out->occ[cands[best].occ].probe = out->nprobes;
		out->probes[out->nprobes].occ = cands[best].occ;
		out->probes[out->nprobes].col = cands[best].col;
		out->probes[out->nprobes].ways = cands[best].ways;
		out->probes[out->nprobes].pred = cands[best].pred;
		out->nprobes++;
		set = closure(st, s, res, set | (1u << cands[best].occ), out->occ);
	}
	return true;
}
