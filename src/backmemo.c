/*
 * backmemo.c - the memo of backend answers (see backmemo.h).
 *
 * Functions prefix: backmemo_
 */
#include "src/backmemo.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

/* Judgements kept at most; past it they are dropped together (statement shapes are few in practice). */
#define MAX_JUDGEMENTS 4096

typedef struct judgement {
	char *text;
	size_t len;
	bool ok;
	uint64_t tables[SQLFE_STMTCLASS_MAX_GROUPS];
	UT_hash_handle hh;
} judgement;

struct backmemo {
	memo *m;
	cg_group *const *groups;
	size_t ngroups;
	pthread_mutex_t mu;
	/* the judge's context for the reach of generation gen (its lists are r's) */
	reach *r;
	unsigned gen;
	bool have_ctx;
	sqlfe_memoable_ctx ctx;
	sqlfe_memoable_table *tables[SQLFE_STMTCLASS_MAX_GROUPS];
	judgement *judged;
	size_t njudged;
	_Atomic uint64_t n_judged, n_memoable, n_unsettled, n_captures, n_abandoned;
};

static void drop_judgements(backmemo *bm)
{
	judgement *j, *tmp;
	HASH_ITER(hh, bm->judged, j, tmp)
	{
		HASH_DEL(bm->judged, j);
		free(j->text);
		free(j);
	}
	bm->njudged = 0;
}

backmemo *backmemo_new(size_t max_bytes, cg_group *const *groups, size_t ngroups)
{
	backmemo *bm = calloc(1, sizeof(*bm));
	if (bm == NULL)
		return NULL;
	bm->groups = groups;
	bm->ngroups = ngroups < SQLFE_STMTCLASS_MAX_GROUPS ? ngroups : SQLFE_STMTCLASS_MAX_GROUPS;
	pthread_mutex_init(&bm->mu, NULL);
	bool ok = (bm->m = memo_new(max_bytes)) != NULL;
	for (size_t g = 0; ok && g < bm->ngroups; g++) {
		size_t nt = groups[g]->ntables < 64 ? groups[g]->ntables : 64;
		ok = (bm->tables[g] = calloc(nt ? nt : 1, sizeof(sqlfe_memoable_table))) != NULL;
		for (size_t t = 0; ok && t < nt; t++) {
			bm->tables[g][t].schema =
			        groups[g]->tables[t].nspname != NULL ? groups[g]->tables[t].nspname : "";
			bm->tables[g][t].name = groups[g]->tables[t].name;
		}
		bm->ctx.ntables[g] = nt;
		bm->ctx.tables[g] = bm->tables[g];
	}
	bm->ctx.ngroups = bm->ngroups;
	if (!ok) {
		backmemo_free(bm);
		return NULL;
	}
	return bm;
}

void backmemo_free(backmemo *bm)
{
	if (bm == NULL)
		return;
	drop_judgements(bm);
	for (size_t g = 0; g < bm->ngroups; g++)
		free(bm->tables[g]);
	reach_unref(bm->r);
	memo_free(bm->m);
	pthread_mutex_destroy(&bm->mu);
	free(bm);
}

memo *backmemo_memo(backmemo *bm)
{
	return bm->m;
}

/* The context for reach r of generation gen, when newer than the one held (bm->mu held). */
static void set_reach(backmemo *bm, reach *r, unsigned gen)
{
	if (bm->have_ctx && (int)(gen - bm->gen) <= 0)
		return; /* the same catalog, or an older one a session still holds: judged with the newest */
	drop_judgements(bm);
	reach_unref(bm->r);
	bm->r = reach_ref(r);
	bm->gen = gen;
	bm->have_ctx = true;
	bm->ctx.safe_funcs = reach_memo_list(r, REACH_MEMO_SAFE_FUNCS, &bm->ctx.nsafe_funcs);
	bm->ctx.other_funcs = reach_memo_list(r, REACH_MEMO_OTHER_FUNCS, &bm->ctx.nother_funcs);
	bm->ctx.safe_ops = reach_memo_list(r, REACH_MEMO_SAFE_OPS, &bm->ctx.nsafe_ops);
	for (size_t g = 0; g < bm->ngroups; g++)
		for (size_t t = 0; t < bm->ctx.ntables[g]; t++)
			bm->tables[g][t].has_children = reach_has_children(r, bm->groups[g]->tables[t].oid);
}

bool backmemo_judge(backmemo *bm, reach *r, unsigned gen, const char *text, size_t len,
                    uint64_t tables[SQLFE_STMTCLASS_MAX_GROUPS])
{
	if (r == NULL)
		return false;
	pthread_mutex_lock(&bm->mu);
	set_reach(bm, r, gen);
	judgement *j;
	HASH_FIND(hh, bm->judged, text, len, j);
	if (j != NULL) {
		bool ok = j->ok;
		if (ok)
			memcpy(tables, j->tables, sizeof(j->tables));
		pthread_mutex_unlock(&bm->mu);
		return ok;
	}
	/* parsed outside the lock, with a context of its own: the lists stay alive while r is referenced */
	sqlfe_memoable_ctx ctx = bm->ctx;
	sqlfe_memoable_table *own[SQLFE_STMTCLASS_MAX_GROUPS] = {0};
	bool copied = true;
	for (size_t g = 0; g < bm->ngroups; g++) {
		size_t n = ctx.ntables[g];
		if ((own[g] = malloc((n ? n : 1) * sizeof(**own))) == NULL) {
			copied = false;
			break;
		}
		memcpy(own[g], bm->tables[g], n * sizeof(**own));
		ctx.tables[g] = own[g];
	}
	reach *held = reach_ref(bm->r);
	pthread_mutex_unlock(&bm->mu);
	sqlfe_memoable_result res;
	bool judged = copied && sqlfe_memoable_judge(text, len, &ctx, &res);
	for (size_t g = 0; g < bm->ngroups; g++)
		free(own[g]);
	if (!judged) {
		reach_unref(held);
		return false; /* out of memory: not memoised */
	}
	atomic_fetch_add(&bm->n_judged, 1);
	if (res.ok)
		atomic_fetch_add(&bm->n_memoable, 1);
	pthread_mutex_lock(&bm->mu);
	/* kept unless the catalog moved on meanwhile (then not memoised this time) or another thread judged it */
	bool current = bm->r == held;
	HASH_FIND(hh, bm->judged, text, len, j);
	if (j == NULL && current) {
		if (bm->njudged >= MAX_JUDGEMENTS)
			drop_judgements(bm);
		if ((j = calloc(1, sizeof(*j))) != NULL && (j->text = malloc(len ? len : 1)) != NULL) {
			memcpy(j->text, text, len);
			j->len = len;
			j->ok = res.ok;
			memcpy(j->tables, res.tables, sizeof(j->tables));
			HASH_ADD_KEYPTR(hh, bm->judged, j->text, j->len, j);
			bm->njudged++;
		} else {
			free(j);
		}
	}
	pthread_mutex_unlock(&bm->mu);
	reach_unref(held);
	if (res.ok && current)
		memcpy(tables, res.tables, sizeof(res.tables));
	return res.ok && current;
}

void backmemo_get_stats(backmemo *bm, backmemo_stats *out)
{
	out->judged = atomic_load(&bm->n_judged);
	out->memoable = atomic_load(&bm->n_memoable);
	out->unsettled = atomic_load(&bm->n_unsettled);
	out->captures = atomic_load(&bm->n_captures);
	out->abandoned = atomic_load(&bm->n_abandoned);
}

void backmemo_count_unsettled(backmemo *bm)
{
	atomic_fetch_add(&bm->n_unsettled, 1);
}

void backmemo_count_capture(backmemo *bm, bool kept)
{
	atomic_fetch_add(kept ? &bm->n_captures : &bm->n_abandoned, 1);
}
