/*
 * model.h - the in-memory model of a cache group and its diagnostics.
 *
 * Functions prefix: cg_model_ (the model), cg_diag_ (diagnostics)
 *
 * A cache group (cg_group) is built by the parser from one file, completed
 * by the catalog resolution (types, keys), the analysis (zones, entry
 * points, back-paths) and the generator (statements).  The group owns
 * everything it points to; cg_model_free() releases it all.  Tables,
 * fills and RCCs refer to each other by index into the group's arrays.
 */
#ifndef CG_MODEL_H
#define CG_MODEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/contract.h"
#include "common/pgtype.h"

typedef struct cg_pos cg_pos;
typedef struct cg_diag cg_diag;
typedef struct cg_diags cg_diags;
typedef struct cg_column cg_column;
typedef struct cg_table cg_table;
typedef struct cg_value cg_value;
typedef struct cg_fill cg_fill;
typedef struct cg_rcc cg_rcc;
typedef struct cg_zone cg_zone;
typedef struct cg_pathstep cg_pathstep;
typedef struct cg_backpath cg_backpath;
typedef struct cg_entry cg_entry;
typedef struct cg_stmt cg_stmt;
typedef struct cg_group cg_group;

/* A place in a definition file; file points at the group's file name. */
struct cg_pos {
	const char *file;
	int line;
	int col;
};

/* One error: where, what, and how to fix it. */
struct cg_diag {
	char *file;
	int line;
	int col;
	char *msg;
	char *hint; /* may be NULL */
};

/* A list of errors, in the order they were found. */
struct cg_diags {
	cg_diag *items;
	size_t n;
	size_t cap;
	bool oom; /* an allocation failed while reporting */
};

/* The collation a column's values compare under (pg_attribute.attcollation). */
typedef enum cg_collation {
	CG_COLL_NONE,    /* not a collatable type */
	CG_COLL_DEFAULT, /* the database's default collation */
	CG_COLL_C,       /* a libc collation with LC_COLLATE C or POSIX: byte order */
	CG_COLL_OTHER    /* any other collation (ICU, a language's libc locale): not byte order */
} cg_collation;

/* A backend column, filled by the catalog resolution. */
struct cg_column {
	char *name;
	int attnum;
	uint32_t type_oid;      /* atttypid */
	int32_t typmod;         /* atttypmod */
	uint32_t base_oid;      /* the domain's base type, else type_oid */
	uint32_t array_oid;     /* array type of type_oid, 0 if none */
	char *type_name;        /* format_type(type, typmod), e.g. "character varying(5)" */
	char *type_base;        /* format_type(type, NULL), e.g. "character varying" */
	char category;          /* pg_type.typcategory of the base type: 'N' numeric, 'S' string, ... */
	bool nondeterministic;  /* the column's collation is nondeterministic */
	cg_collation collation; /* which collation orders its values */
	bool not_null;
	bool unique;            /* a one-column primary key or unique index */
	pgtype_storage storage; /* common/pgtype.h, by base_oid */
	/* an enum (category 'E'): its labels in their sort order (pg_enum.enumsortorder) */
	char **enum_labels;
	size_t nenum_labels;
};

/* A cache table. */
struct cg_table {
	char *schema; /* as written; NULL when unqualified (then the resolved schema) */
	char *name;
	cg_pos pos;
	bool complete;
	/* catalog */
	bool resolved;
	uint32_t oid;
	char *nspname; /* the backend's schema */
	cg_column *cols;
	size_t ncols;
	int *pk; /* indices into cols */
	size_t npk;
	/* analysis */
	size_t zone;
	/* generation: the name of the cache table in SQLite */
	char *cache_name;
};

/* One value of a `values (...)` list. */
struct cg_value {
	char *text;     /* as written (string quotes removed) */
	bool is_string; /* 'quoted' in the file */
	cg_pos pos;
	char *canonical; /* the backend's text output of the value, after resolution */
};

/* fill T.c [values (...)] */
struct cg_fill {
	size_t table;
	char *column;
	cg_pos pos;     /* of the keyword */
	cg_pos col_pos; /* of the column reference */
	int col;        /* index into the table's cols after resolution, else -1 */
	bool restricted;
	cg_value *values;
	size_t nvalues;
	char *ctl_name; /* SQLite name of the control table */
};

/* rcc S.a -> T.b */
struct cg_rcc {
	size_t src;
	char *src_column;
	cg_pos src_pos;
	int src_col;
	size_t dst;
	char *dst_column;
	cg_pos dst_pos;
	int dst_col;
	cg_pos pos; /* of the keyword */
	/* catalog: T.b has a foreign key (not deferrable) referencing S.a, so a new S row's value has no
	 * T rows before its insert (the change stream's applier relies on it, cache/apply.h) */
	bool dst_references_src;
};

typedef enum cg_cycle_kind {
	CG_CYCLE_NONE,         /* one table, no RCC to itself */
	CG_CYCLE_HOMOGENEOUS,  /* every table enters and leaves by one column */
	CG_CYCLE_HETEROGENEOUS /* rejected */
} cg_cycle_kind;

/* An atomic zone: a strongly connected component of the RCC graph. */
struct cg_zone {
	size_t *tables;
	size_t ntables;
	cg_cycle_kind kind;
	/* for a homogeneous cycle: the column each table uses (parallel to tables) */
	char **cycle_cols;
};

/* One RCC of a back-path. */
struct cg_pathstep {
	size_t rcc;
};

typedef enum cg_origin_kind {
	CG_ORIGIN_CONTROL, /* a fill column's control table */
	CG_ORIGIN_COMPLETE /* a complete table: always cached, no control value */
} cg_origin_kind;

/*
 * A back-path: from an origin (a fill column's control table, or a complete
 * table) along RCCs to the table of an entry point.  The control values
 * responsible for an entry point's value are found by joining the path.
 */
struct cg_backpath {
	cg_origin_kind origin;
	size_t fill;  /* CG_ORIGIN_CONTROL */
	size_t table; /* the origin table */
	size_t *rccs; /* in loading order */
	size_t nrccs;
	/*
	 * true: the entry value is matched in the source column of the last
	 * RCC (the entry point is that RCC's target, reason ii); false: it is
	 * matched in the entry column of the last table's cached rows
	 * (reasons i and iii).
	 */
	bool match_source;
};

/* Why a column is an entry point (DESIGN.md section 1). */
enum {
	CG_ENTRY_FILL = 1 << 0,    /* (i) a fill column */
	CG_ENTRY_RCC = 1 << 1,     /* (ii) the target of an RCC */
	CG_ENTRY_UNIQUE = 1 << 2,  /* (iii) a unique column */
	CG_ENTRY_COMPLETE = 1 << 3 /* any column of a complete table (once the table is loaded) */
};

struct cg_entry {
	size_t table;
	char *column;
	unsigned reasons; /* CG_ENTRY_* */
	int fill;         /* the fill on this column, or -1 */
	cg_backpath *paths;
	size_t npaths;
	bool paths_truncated; /* more than CG_MAX_BACKPATHS paths exist */
};

#define CG_MAX_BACKPATHS 64

typedef enum cg_stmt_target {
	CG_ON_BACKEND, /* PostgreSQL: parameters $1.. */
	CG_ON_CACHE    /* SQLite: parameters ?1.. */
} cg_stmt_target;

typedef enum cg_stmt_kind {
	CG_STMT_CACHE_DDL,      /* create a cache table, control table or index */
	CG_STMT_FETCH_FILL,     /* backend rows of a fill column's table for a value set */
	CG_STMT_FETCH_RCC,      /* backend rows of an RCC's target for a set of source values */
	CG_STMT_FETCH_TABLE,    /* every backend row of a complete table */
	CG_STMT_INSERT_ROW,     /* insert a fetched row into its cache table unless cached */
	CG_STMT_INSERT_CONTROL, /* record a loaded fill value */
	CG_STMT_PROBE,          /* is a value complete at an entry point? */
	CG_STMT_HIT,            /* count a hit on the control values behind an entry point value */
	CG_STMT_EVICT_VICTIMS,  /* least recently used control values */
	CG_STMT_EVICT_CONTROL,  /* remove one control value */
	CG_STMT_EVICT_SWEEP,    /* delete rows no control value reaches any more (one of a zone's steps) */
	/* the change stream's applier (cache/apply.h); parameters ?N are the row's columns (N = column index + 1) */
	CG_STMT_APPLY_GET,     /* the cached row with a primary key (parameters: the key's columns) */
	CG_STMT_APPLY_DELETE,  /* delete the cached row with a primary key */
	CG_STMT_APPLY_UPSERT,  /* insert or replace a row */
	CG_STMT_APPLY_REQUIRED /* the promises that need a row cached: one column per reason, 1 or 0 */
} cg_stmt_kind;

/* One parameter of a statement. */
typedef struct cg_param {
	char *name;        /* e.g. "values", "now_us", a column name */
	uint32_t type_oid; /* backend type OID to bind with (0 for SQLite parameters) */
	char *type_name;   /* e.g. "integer[]", "INTEGER" */
} cg_param;

/* A generated statement: the SQL text and what to bind. */
struct cg_stmt {
	cg_stmt_kind kind;
	cg_stmt_target target;
	char *label; /* what it is for, for display */
	char *sql;
	cg_param *params; /* $1/?1 first */
	size_t nparams;
	/* what it belongs to (-1 when not applicable) */
	int table;
	int fill;
	int rcc;
	int entry;
	int zone;
	/* CG_STMT_FETCH_*: the statement returns the table's columns in order */
};

struct cg_group {
	char *name;
	char *file;
	cg_pos pos;
	cg_table *tables;
	size_t ntables;
	cg_fill *fills;
	size_t nfills;
	cg_rcc *rccs;
	size_t nrccs;
	/* analysis */
	bool analysed;
	cg_zone *zones; /* in load order: targets (bottom) first */
	size_t nzones;
	cg_entry *entries;
	size_t nentries;
	/* generation */
	cg_stmt *stmts;
	size_t nstmts;
	/* the definition's text as parsed (NUL-terminated): what another process compiles again */
	char *source;
	size_t source_len;
};

/* --- diagnostics ------------------------------------------------------- */

/* Append an error at pos with a hint (may be NULL).  Returns false on OOM. */
CB_PRINTF(4, 5) bool cg_diag_add(cg_diags *d, cg_pos pos, const char *hint, const char *fmt, ...);
/* cg_diag_add from a va_list, the message cut to its first max - 1 bytes
 * (max at most 1024): the body of a module's own error function. */
CB_PRINTF(5, 0) bool cg_diag_addv(cg_diags *d, cg_pos pos, const char *hint, size_t max, const char *fmt, va_list ap);
/* Print every error as "file:line:col: message" and "  hint: ..." lines. */
void cg_diag_print(const cg_diags *d, FILE *out);
void cg_diag_free(cg_diags *d);

/* --- model ------------------------------------------------------------- */

/* An empty group for file (copied).  NULL on OOM. */
CB_MUSTCHECK cg_group *cg_model_new(const char *file);
void cg_model_free(cg_group *g);

/* Index of the table named (schema may be NULL), or -1.  Before
 * resolution an unqualified name matches only an unqualified declaration
 * and a qualified name only the same qualified declaration. */
int cg_model_find_table(const cg_group *g, const char *schema, const char *name);
/* Index of column name in a resolved table, or -1. */
int cg_model_find_column(const cg_table *t, const char *name);
/* "schema.table" or "table" as written, quoted where PostgreSQL needs it. */
CB_MUSTCHECK char *cg_model_table_display(const cg_table *t);
/* An identifier as PostgreSQL would need it quoted ("Mixed", plain). */
CB_MUSTCHECK char *cg_model_quote_ident(const char *ident);
/* Whether value (the backend's text of it) may be loaded for fill f: always
 * for an unrestricted fill, else when it is in the `values (...)` list
 * (compared with each value's canonical text once resolved). */
bool cg_model_fill_permits(const cg_fill *f, const char *value);
/* Whether the column is used as an RCC end (any RCC source or target). */
bool cg_model_is_rcc_column(const cg_group *g, size_t table, const char *column);
/* Whether table t has an enum column (its labels read by the catalog resolution). */
bool cg_model_has_enum(const cg_table *t);

#endif /* CG_MODEL_H */
