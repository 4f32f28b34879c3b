/*
 * nativesql.h - the SQL text an ODBC application writes, as PostgreSQL
 * takes it: split into statements at top-level semicolons, `?` markers
 * become `$1, $2, ...` (numbered per statement), and the ODBC escapes
 * ({d '...'}, {t '...'}, {ts '...'}, {fn ...}, {oj ...}, {escape '...'},
 * {call ...}, {? = call ...}) become plain SQL.  String literals (with the
 * connection's standard_conforming_strings), quoted identifiers,
 * dollar-quoted strings and comments pass through untouched.
 *
 * Functions prefix: nsql_
 *
 * Pure: no handles, no I/O, so the unit tests call it directly.  The text
 * is read with cbcache's one SQL lexer (sql/lexer.h), so quotes and
 * comments end where PostgreSQL ends them.
 */
#ifndef CBO_NATIVESQL_H
#define CBO_NATIVESQL_H

#include <stdbool.h>
#include <stddef.h>

/* What a statement is, by its first keyword (as psqlODBC classifies it). */
typedef enum nsql_kind {
	NSQL_OTHER,       /* SHOW, VALUES, TABLE, EXPLAIN ... and empty text */
	NSQL_SELECT,      /* SELECT (or a parenthesised one) */
	NSQL_WITH,        /* WITH ... */
	NSQL_CALL,        /* CALL or a {call} escape */
	NSQL_START,       /* BEGIN, START TRANSACTION */
	NSQL_TRANSACTION, /* COMMIT, END, ROLLBACK, ABORT, SAVEPOINT, RELEASE, PREPARE TRANSACTION ... */
	NSQL_SPECIAL,     /* VACUUM, REINDEX, CLUSTER, CHECKPOINT: never inside a transaction block */
	NSQL_DECLARE,
	NSQL_FETCH,
	NSQL_CLOSE,
	NSQL_INSERT,
	NSQL_UPDATE,
	NSQL_DELETE,
	NSQL_DDL, /* CREATE, ALTER, DROP, GRANT, REVOKE, LOCK, COPY, ANALYZE, NOTIFY, SET, RESET, DEALLOCATE ... */
} nsql_kind;

/* Markers inside a template: NSQL_MARK, the marker's 0-based index in its
 * statement, NSQL_MARK. */
#define NSQL_MARK '\x1a'

/* A top-level argument of a {call} escape. */
typedef struct nsql_arg {
	char *tmpl; /* translated template */
	int marker; /* 0-based marker index when the argument is exactly one `?`, else -1 */
} nsql_arg;

/* One statement of the application's text. */
typedef struct nsql_stmt {
	char *tmpl;       /* translated, markers as sentinels (NSQL_MARK) */
	int nmarkers;     /* markers in this statement */
	int first_marker; /* index of its first marker in the whole text */
	bool *has_cast;   /* per marker: the text casts it itself (`? ::type`, `? AS ...`) */
	nsql_kind kind;
	bool select_into; /* SELECT ... INTO table */
	bool for_update;  /* SELECT ... FOR UPDATE/SHARE */
	bool copy_stdio;  /* COPY ... FROM STDIN / TO STDOUT (no ODBC form) */
	size_t from_at;   /* offset in tmpl of the top-level FROM of a SELECT, (size_t)-1 when none */
	/* a {call} or {? = call} escape making the whole statement */
	bool is_call;
	bool proc_return; /* {? = call ...}: marker 0 is the return value */
	char *call_name;  /* the routine as written */
	nsql_arg *args;
	int nargs;
} nsql_stmt;

/*
 * Split and translate text (len bytes).  std_strings is the connection's
 * standard_conforming_strings (off: backslashes escape in '...').  Empty
 * statements (stray semicolons) are dropped; an empty text gives one empty
 * statement.  Returns false only when out of memory.
 */
bool nsql_parse(const char *text, size_t len, bool std_strings, nsql_stmt **out, int *nout);
void nsql_free(nsql_stmt *stmts, int n);

/* How nsql_build renders a statement (every field may be NULL / 0). */
typedef struct nsql_build_opts {
	const char *const *casts; /* per marker: appended after "$n" (e.g. "::int4") unless the text casts it */
	const bool *outputs;      /* per marker: an output-only parameter: its {call} argument is dropped */
	const char *const *names; /* per marker: a name for named notation in a {call} (NULL: positional) */
	bool call_as_rows;        /* {call f(..)} as SELECT * FROM f(..) (else SELECT f(..)) */
	size_t insert_at;         /* insert `insert` at this template offset (from_at), (size_t)-1: none */
	const char *insert;
} nsql_build_opts;

/*
 * The statement as PostgreSQL takes it.  Markers are numbered $1.. in
 * order of appearance among the ones kept; *kept (when not NULL, nmarkers
 * entries) gets each marker's new number, 0 when dropped.  Returns a
 * malloc'd string, NULL when out of memory.
 */
char *nsql_build(const nsql_stmt *s, const nsql_build_opts *o, int *kept);

/* Position of the first occurrence of keyword kw (case-insensitive, whole
 * word, outside quotes, comments and parentheses) in sql, or (size_t)-1. */
size_t nsql_find_keyword(const char *sql, size_t len, const char *kw, bool std_strings);

/*
 * psqlODBC's help for MS Access (SQL_ATTR_PGOPT_MSJET): VBA turns
 * `a_boolean = True` into `("a_boolean" = 1)`, which PostgreSQL refuses
 * (boolean = integer); every `("ident" = 1)`, spelled exactly so outside
 * quotes and comments, becomes `("ident"='1')`.  In place: the length
 * stays.
 */
void nsql_msjet_bools(char *sql, size_t len, bool std_strings);

/* The classification of a statement text (first keyword). */
nsql_kind nsql_classify(const char *sql, size_t len);

#endif /* CBO_NATIVESQL_H */
