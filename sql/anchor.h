/*
 * anchor.h - entry points and anchoring along RCCs (DESIGN.md section 1).
 *
 * Functions prefix: sqlfe_anchor_
 *
 * Entry-point candidates are conditions T.c = v and T.c IN (v, ...) with v
 * a literal, constant or parameter, where T.c is a fill column, the target
 * of an RCC, or unique; a value also carries over equalities (T.a = 5 AND
 * T.a = U.b makes U.b = 5 a candidate, probed with the same value).  Equi-joins T.a = U.b anchor U from an anchored T
 * only when the RCC T.a -> U.b exists (direction matters); complete tables
 * are anchored by themselves.  sqlfe_anchor() picks a small set of entry
 * points (greedy: the candidate that anchors the most occurrences first;
 * among candidates of one occurrence, fill columns, which also prove empty
 * answers, before RCC targets before unique columns) so that every table
 * occurrence is anchored, or says which occurrence cannot be.
 */
#ifndef SQLFE_ANCHOR_H
#define SQLFE_ANCHOR_H

#include <stdbool.h>

#include "common/contract.h"
#include "sql/parse.h"
#include "sql/schema.h"
#include "sql/subset.h"

/* How a probe may prove its values complete (a bit set). */
#define SQLFE_WAY_FILL 0x01   /* value in the control table of the fill column */
#define SQLFE_WAY_RCC 0x02    /* value present in the source column of an RCC into the column */
#define SQLFE_WAY_UNIQUE 0x04 /* a cached row has the value (proves no empty answer) */

typedef enum sqlfe_anchor_how {
	SQLFE_ANCH_NONE,
	SQLFE_ANCH_COMPLETE, /* complete table */
	SQLFE_ANCH_PROBE,    /* entry point: probe */
	SQLFE_ANCH_VIA,      /* joined along an RCC from an anchored occurrence */
} sqlfe_anchor_how;

typedef struct sqlfe_anchor_occ {
	sqlfe_anchor_how how;
	int probe;            /* PROBE: index into probes */
	int via_occ, via_col; /* VIA: the anchored occurrence and its column (the RCC source) */
	int col;              /* VIA: this occurrence's column (the RCC target) */
} sqlfe_anchor_occ;

typedef struct sqlfe_anchor_probe {
	int occ;
	int col;
	unsigned ways; /* SQLFE_WAY_* */
	int pred;      /* index of the condition in the statement: its values are probed */
} sqlfe_anchor_probe;

typedef struct sqlfe_anchoring {
	sqlfe_anchor_occ occ[SQLFE_MAX_FROM];
	int nprobes;
	sqlfe_anchor_probe probes[SQLFE_MAX_FROM];
} sqlfe_anchoring;

/*
 * Anchor the resolved statement st.  Returns true with out filled when
 * every occurrence is anchored; otherwise st becomes BACKEND with the
 * reason and false is returned.
 */
bool sqlfe_anchor(sqlfe_stmt *st, const sqlfe_schema *s, const sqlfe_resolved *res, sqlfe_anchoring *out);

#endif /* SQLFE_ANCHOR_H */
