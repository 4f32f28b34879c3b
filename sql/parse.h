/*
 * parse.h - libpg_query parse into the front end's own small tree.
 *
 * Functions prefix: sqlfe_parse_
 *
 * sqlfe_parse() parses one statement with libpg_query (protobuf tree,
 * unpacked with protobuf-c) and keeps only what the cacheable subset of
 * DESIGN.md section 4 can hold: SELECT [DISTINCT] over column references,
 * *, t.*, literals and the aggregates count(*), count(col), min, max, sum,
 * avg; FROM with comma joins and INNER JOIN ... ON; WHERE as an AND of
 * comparisons, IN lists, BETWEEN, IS [NOT] NULL and LIKE; ORDER BY, LIMIT,
 * OFFSET; $n parameters, also cast to a type of the type table ($n::int4,
 * CAST($n AS text): PostgreSQL then infers T as $n's type, so the cast is
 * kept as the type $n is declared with; a type modifier, an array or a
 * type the table does not know goes to the backend).  Anything else gives
 * a statement of kind SQLFE_STMT_BACKEND with a short reason.  Names are
 * not resolved here (see subset.h).
 *
 * Every constant in the tree says where its value comes from: a literal
 * the plan key stripped (its index, so a plan serves every statement of
 * the same key), a parameter $n, or a constant kept in the key.  A literal
 * the key stripped from a place that is not a value (a typmod in a cast)
 * sends the statement to the backend, since the key could not tell such
 * statements apart.
 */
#ifndef SQLFE_PARSE_H
#define SQLFE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/contract.h"
#include "common/error.h"
#include "sql/plankey.h"

#define SQLFE_MAX_TARGETS 64
#define SQLFE_MAX_FROM 16
#define SQLFE_MAX_PREDS 64
#define SQLFE_MAX_SORTS 16
#define SQLFE_MAX_INLIST 64
#define SQLFE_REASON_MAX 128

typedef enum sqlfe_val_src {
	SQLFE_SRC_LITERAL, /* index into the plan key's literals */
	SQLFE_SRC_PARAM,   /* $n */
	SQLFE_SRC_CONST,   /* fixed in the key: text in the tree */
} sqlfe_val_src;

/* Kinds of values; literal kinds share sqlfe_lit_kind's letters. */
#define SQLFE_VK_BOOL 'B'
#define SQLFE_VK_PARAM 'P'

typedef struct sqlfe_value {
	sqlfe_val_src src;
	char kind;        /* sqlfe_lit_kind letter, SQLFE_VK_BOOL or SQLFE_VK_PARAM */
	bool negate;      /* a '-' the key kept in front of the literal */
	int index;        /* SQLFE_SRC_LITERAL: literal index; SQLFE_SRC_PARAM: n */
	uint32_t cast;    /* SQLFE_SRC_PARAM: the type OID of $n::T, 0 when not cast */
	const char *text; /* SQLFE_SRC_CONST: the value ("t"/"f" for bool) */
} sqlfe_value;

typedef enum sqlfe_expr_kind {
	SQLFE_X_COLUMN, /* [qual.]name */
	SQLFE_X_STAR,   /* [qual.]* */
	SQLFE_X_VALUE,  /* literal, constant or parameter */
	SQLFE_X_AGG,    /* aggregate over arg (NULL for count(*)) */
} sqlfe_expr_kind;

typedef enum sqlfe_agg {
	SQLFE_AGG_COUNT_STAR,
	SQLFE_AGG_COUNT,
	SQLFE_AGG_MIN,
	SQLFE_AGG_MAX,
	SQLFE_AGG_SUM,
	SQLFE_AGG_AVG,
} sqlfe_agg;

typedef struct sqlfe_expr sqlfe_expr;
struct sqlfe_expr {
	sqlfe_expr_kind kind;
	const char *qual; /* COLUMN/STAR: table or alias qualifier, or NULL */
	const char *name; /* COLUMN: column name */
	sqlfe_value val;  /* VALUE */
	sqlfe_agg agg;    /* AGG */
	sqlfe_expr *arg;  /* AGG */
	int location;
	/* Filled by subset: the table occurrence and column index. */
	int occ, col;
};

typedef enum sqlfe_op {
	SQLFE_OP_EQ,
	SQLFE_OP_NE,
	SQLFE_OP_LT,
	SQLFE_OP_LE,
	SQLFE_OP_GT,
	SQLFE_OP_GE,
} sqlfe_op;

typedef enum sqlfe_pred_kind {
	SQLFE_P_CMP,     /* l op r */
	SQLFE_P_IN,      /* l IN (list) */
	SQLFE_P_BETWEEN, /* l BETWEEN list[0] AND list[1] */
	SQLFE_P_ISNULL,  /* l IS NULL */
	SQLFE_P_NOTNULL, /* l IS NOT NULL */
	SQLFE_P_LIKE,    /* l LIKE r */
} sqlfe_pred_kind;

typedef struct sqlfe_pred {
	sqlfe_pred_kind kind;
	sqlfe_op op;
	sqlfe_expr *l, *r;
	int nlist;
	sqlfe_expr **list;
	bool from_join;         /* came from JOIN ... ON */
	int scope_lo, scope_hi; /* JOIN ... ON: the FROM items it may refer to */
} sqlfe_pred;

typedef struct sqlfe_target {
	sqlfe_expr *e;
	const char *alias; /* AS name, or NULL */
} sqlfe_target;

typedef struct sqlfe_from {
	const char *schema; /* NULL when unqualified */
	const char *relname;
	const char *alias; /* NULL when none */
} sqlfe_from;

typedef enum sqlfe_nulls {
	SQLFE_NULLS_DEFAULT,
	SQLFE_NULLS_FIRST,
	SQLFE_NULLS_LAST,
} sqlfe_nulls;

typedef struct sqlfe_sort {
	sqlfe_expr *e; /* a column, or a constant position (ORDER BY 2) until subset resolves it */
	bool desc;
	sqlfe_nulls nulls;
} sqlfe_sort;

typedef enum sqlfe_stmt_kind {
	SQLFE_STMT_SELECT,  /* in the parsed subset */
	SQLFE_STMT_BACKEND, /* reason says why not */
} sqlfe_stmt_kind;

typedef struct sqlfe_arena sqlfe_arena;

typedef struct sqlfe_stmt {
	sqlfe_stmt_kind kind;
	char reason[SQLFE_REASON_MAX];
	bool distinct;
	int ntargets;
	sqlfe_target targets[SQLFE_MAX_TARGETS];
	int nfrom;
	sqlfe_from from[SQLFE_MAX_FROM];
	int npreds;
	sqlfe_pred preds[SQLFE_MAX_PREDS];
	int nsorts;
	sqlfe_sort sorts[SQLFE_MAX_SORTS];
	int ngroups;
	sqlfe_expr *groups[SQLFE_MAX_SORTS]; /* GROUP BY: columns */
	sqlfe_expr *limit;                   /* NULL: none (also LIMIT ALL) */
	sqlfe_expr *offset;                  /* NULL: none */
	int max_param;                       /* highest $n seen */
	sqlfe_arena *arena;                  /* owns every string and node */
} sqlfe_stmt;

/*
 * Parse text (NUL-terminated) whose plan key is pk (NULL: no key, every
 * literal is then a constant).  On success *out is a new statement, of
 * kind SELECT or BACKEND (a syntax error is BACKEND too: the backend
 * reports it).  Returns false only when out of memory (err says so).
 * Free with sqlfe_parse_free.
 */
bool sqlfe_parse(const char *text, const sqlfe_plankey *pk, sqlfe_stmt **out, cb_error *err) CB_MUSTCHECK;
void sqlfe_parse_free(sqlfe_stmt *st);

/* Set st to BACKEND with a formatted reason (first reason wins); returns false. */
bool sqlfe_parse_backend(sqlfe_stmt *st, const char *fmt, ...) CB_PRINTF(2, 3);

#endif /* SQLFE_PARSE_H */
