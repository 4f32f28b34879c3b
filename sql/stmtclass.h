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
 *                       is judged like the statement it explains); a
 *                       statement that calls set_config() changes settings
 *   WITH                read only unless a data-modifying word (INSERT,
 *                       UPDATE, DELETE, MERGE) appears in it
 *   INSERT UPDATE DELETE MERGE TRUNCATE COPY, and DDL (ALTER CREATE DROP
 *   COMMENT CLUSTER REINDEX VACUUM ANALYZE LOCK REFRESH SECURITY IMPORT)
 *                       writes every cache table it names (any identifier
 *                       equal to a cache table's name, quoted or not);
 *                       DDL also changes settings (ALTER ... ROW LEVEL
 *                       SECURITY, owners)
 *   SET RESET           changes settings (search_path, role, ...)
 *   DISCARD             changes settings and drops prepared statements
 *   GRANT REVOKE        changes privileges
 *   DEALLOCATE          drops prepared statements
 *   anything else (DO, CALL, EXECUTE, unknown words): may write anything
 *                       and change settings
 *
 * Not seen (documented in doc/cache.md): writes a trigger, rule, view or a
 * function called by a SELECT makes to cache tables not named in the
 * statement, and writes made outside cbcached.
 */
#ifndef SQLFE_STMTCLASS_H
#define SQLFE_STMTCLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SQLFE_STMTCLASS_MAX_GROUPS 8

/* The cache tables' names per group (bit t of a mask is tables[g][t]). */
typedef struct sqlfe_stmtclass_tables {
	size_t ngroups;
	size_t ntables[SQLFE_STMTCLASS_MAX_GROUPS];
	const char *const *names[SQLFE_STMTCLASS_MAX_GROUPS]; /* the tables' names in the catalog */
} sqlfe_stmtclass_tables;

/* Effects of a statement. */
#define SQLFE_STMTCLASS_WRITES 0x01       /* writes the tables in `tables` */
#define SQLFE_STMTCLASS_WRITES_ALL 0x02   /* may write any table */
#define SQLFE_STMTCLASS_SETTINGS 0x04     /* may change settings, role, search path or privileges */
#define SQLFE_STMTCLASS_FORGET_STMTS 0x08 /* drops prepared statements (DEALLOCATE, DISCARD) */
#define SQLFE_STMTCLASS_COPY 0x10         /* COPY: the backend may read copy data from the client */

typedef struct sqlfe_stmtclass_result {
	unsigned effects;
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

#endif /* SQLFE_STMTCLASS_H */
