/*
 * stmtclass.h - what a statement sent to the backend may do to the cache:
 * write cache tables, change the session's settings or privileges, or
 * drop prepared statements.
 *
 * Functions prefix: sqlfe_stmtclass_
 *
 * A scan with the one lexer (sql/lexer.h), not a parse: the text is split
 * into statements at semicolons and each is judged by its first keyword.
 * Identifiers are compared as PostgreSQL reads them (folded, unquoted,
 * Unicode escapes decoded), and strings end where PostgreSQL ends them
 * under the session's standard_conforming_strings.  Text the lexer cannot
 * read to its end (an unterminated quote or comment) may hide anything: it
 * is judged to write every table and change settings.  The judgement errs
 * on the side of the cache's correctness:
 *
 *   SELECT VALUES TABLE SHOW EXPLAIN FETCH MOVE CLOSE DECLARE LISTEN
 *   UNLISTEN NOTIFY BEGIN START COMMIT END ROLLBACK ABORT SAVEPOINT
 *   RELEASE PREPARE DEALLOCATE CHECKPOINT
 *                       read only (EXPLAIN ANALYZE runs its statement: it
 *                       is judged like the statement it explains)
 *   a function call     in any statement but DDL (and in DDL after SELECT:
 *                       CREATE TABLE AS, materialized views): unless the
 *                       function is in the harmless list, may write
 *                       anything and change settings (CALLS).  A call is a
 *                       name followed by "(" that is not PostgreSQL syntax:
 *                       reserved and column-name keywords (sql/keywords.h),
 *                       the unreserved words syntax puts before "(" (ORDER
 *                       BY (, OVER (, AS MATERIALIZED (, ...) and column
 *                       lists (INSERT INTO t (, AS alias (, WITH cte ();
 *                       what cannot be told apart counts as a call
 *   WITH                read only unless a data-modifying word (INSERT,
 *                       UPDATE, DELETE, MERGE) appears in it
 *   INSERT UPDATE DELETE MERGE TRUNCATE COPY, and DDL (ALTER CREATE DROP
 *   COMMENT CLUSTER REINDEX VACUUM ANALYZE LOCK REFRESH SECURITY IMPORT)
 *                       writes every cache table it names (any identifier
 *                       equal to a cache table's name, quoted or not) and
 *                       those its named relations reach (reach: foreign
 *                       key actions, partitions; TRUNCATE every referencing
 *                       table; triggers, rules and views anything);
 *                       DDL also changes settings (ALTER ... ROW LEVEL
 *                       SECURITY, owners); ALTER TYPE and DROP TYPE may
 *                       write anything (an enum's renamed label is in
 *                       every column of the type)
 *   SET RESET           changes settings (search_path, role, ...)
 *   DISCARD             changes settings and drops prepared statements
 *   GRANT REVOKE        changes privileges
 *   DEALLOCATE          drops prepared statements
 *   anything else (DO, CALL, EXECUTE, unknown words): may write anything
 *                       and change settings
 *
 * Not seen (documented in doc/cache.md): what user-defined operators,
 * casts and type input functions do, and writes made outside cbcached.
 */
#ifndef SQLFE_STMTCLASS_H
#define SQLFE_STMTCLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SQLFE_STMTCLASS_MAX_GROUPS 8

/*
 * A relation whose write may write cache tables other than itself: through
 * foreign keys with ON UPDATE/DELETE actions, inheritance (partitions), or
 * (any) triggers, rules, or a view over other tables.  Read from the
 * backend's catalog by the cache (cache/reach.h).
 */
typedef struct sqlfe_stmtclass_reach {
	const char *name;                               /* the relation's name in the catalog */
	bool any;                                       /* a write of it may write any table */
	uint64_t writes[SQLFE_STMTCLASS_MAX_GROUPS];    /* cache tables an INSERT/UPDATE/DELETE/MERGE may write */
	uint64_t truncates[SQLFE_STMTCLASS_MAX_GROUPS]; /* cache tables a TRUNCATE ... CASCADE may empty */
} sqlfe_stmtclass_reach;

/* The cache tables' names per group (bit t of a mask is tables[g][t]), and what the catalog says. */
typedef struct sqlfe_stmtclass_tables {
	size_t ngroups;
	size_t ntables[SQLFE_STMTCLASS_MAX_GROUPS];
	const char *const *names[SQLFE_STMTCLASS_MAX_GROUPS]; /* the tables' names in the catalog */
	const sqlfe_stmtclass_reach *reach;                   /* sorted by name (strcmp); may be NULL */
	size_t nreach;
	/*
	 * Functions a call of which can neither write a table nor change a
	 * setting (the backend's non-volatile built-in functions and a few
	 * volatile ones, named by no function outside pg_catalog), sorted by
	 * strcmp; a call of any other function may do anything.  May be NULL.
	 */
	const char *const *harmless;
	size_t nharmless;
} sqlfe_stmtclass_tables;

/* Effects of a statement. */
#define SQLFE_STMTCLASS_WRITES 0x01       /* writes the tables in `tables` */
#define SQLFE_STMTCLASS_WRITES_ALL 0x02   /* may write any table */
#define SQLFE_STMTCLASS_SETTINGS 0x04     /* may change settings, role, search path or privileges */
#define SQLFE_STMTCLASS_FORGET_STMTS 0x08 /* drops prepared statements (DEALLOCATE, DISCARD) */
#define SQLFE_STMTCLASS_COPY 0x10         /* COPY: the backend may read copy data from the client */
#define SQLFE_STMTCLASS_CALLS 0x20        /* calls a function not known to be harmless (with WRITES_ALL, SETTINGS) */
#define SQLFE_STMTCLASS_DDL 0x40          /* DDL: the catalog (foreign keys, triggers, functions) may change */

typedef struct sqlfe_stmtclass_result {
	unsigned effects;
	unsigned statements; /* non-empty statements (each gets a CommandComplete when it runs) */
	bool writes_some; /* writes a table it names (INSERT, UPDATE, DELETE, MERGE, TRUNCATE, COPY, DDL), cached or not
	                   */
	uint64_t tables[SQLFE_STMTCLASS_MAX_GROUPS]; /* SQLFE_STMTCLASS_WRITES: written cache tables per group */
} sqlfe_stmtclass_result;

/* Judge text[0..len) against the cache tables t; std_strings: the session's standard_conforming_strings. */
void sqlfe_stmtclass_classify(const char *text, size_t len, bool std_strings, const sqlfe_stmtclass_tables *t,
                              sqlfe_stmtclass_result *out);

/*
 * Whether text may be a query the cache answers: its first word (after
 * comments and opening parentheses) is SELECT.  Everything else goes to the
 * backend without reaching the plan cache.
 */
bool sqlfe_stmtclass_is_select(const char *text, size_t len, bool std_strings);

typedef enum sqlfe_stmtclass_forget {
	SQLFE_FORGET_NONE, /* drops no prepared statement */
	SQLFE_FORGET_ONE,  /* DEALLOCATE [PREPARE] name: that one */
	SQLFE_FORGET_ALL   /* DEALLOCATE ALL, DISCARD, or a text with more than one of them */
} sqlfe_stmtclass_forget;

/*
 * Which prepared statements text drops (its effects have
 * SQLFE_STMTCLASS_FORGET_STMTS): one, named into name (capacity cap), or
 * all.
 */
sqlfe_stmtclass_forget sqlfe_stmtclass_forgets(const char *text, size_t len, bool std_strings, char *name, size_t cap);

typedef enum sqlfe_stmtclass_begin {
	SQLFE_BEGIN_NONE,           /* not a transaction start this judge reads (or more than one statement) */
	SQLFE_BEGIN_DEFAULT,        /* BEGIN or START TRANSACTION without an isolation level */
	SQLFE_BEGIN_READ_COMMITTED, /* ... ISOLATION LEVEL READ COMMITTED or READ UNCOMMITTED */
	SQLFE_BEGIN_STRICTER        /* ... ISOLATION LEVEL REPEATABLE READ or SERIALIZABLE */
} sqlfe_stmtclass_begin;

/*
 * Whether text is exactly one BEGIN [WORK | TRANSACTION] or START
 * TRANSACTION with transaction modes (ISOLATION LEVEL ..., READ WRITE,
 * READ ONLY, [NOT] DEFERRABLE, separated by commas or blanks) and an
 * optional semicolon, and which isolation level it names.  Anything else,
 * even a valid statement, is SQLFE_BEGIN_NONE.
 */
sqlfe_stmtclass_begin sqlfe_stmtclass_begins(const char *text, size_t len, bool std_strings);

#endif /* SQLFE_STMTCLASS_H */
