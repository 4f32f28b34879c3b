/*
 * stmtclass.h - what a statement sent to the backend may do to the cache:
 * write cache tables, change the session's settings or privileges, or
 * drop prepared statements.
 *
 * Functions prefix: sclass_
 *
 * A scan, not a parse: the text is split into statements at top-level
 * semicolons (outside quotes, dollar quotes and comments) and each is
 * judged by its first keyword.  The judgement errs on the side of the
 * cache's correctness:
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
#ifndef CB_STMTCLASS_H
#define CB_STMTCLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCLASS_MAX_GROUPS 8

/* The cache tables' names per group (bit t of a mask is tables[g][t]). */
typedef struct sclass_tables {
	size_t ngroups;
	size_t ntables[SCLASS_MAX_GROUPS];
	const char *const *names[SCLASS_MAX_GROUPS]; /* lower-case names as PostgreSQL folds them */
} sclass_tables;

/* Effects of a statement. */
#define SCLASS_WRITES 0x01       /* writes the tables in `tables` */
#define SCLASS_WRITES_ALL 0x02   /* may write any table */
#define SCLASS_SETTINGS 0x04     /* may change settings, role, search path or privileges */
#define SCLASS_FORGET_STMTS 0x08 /* drops prepared statements (DEALLOCATE, DISCARD) */

typedef struct sclass_result {
	unsigned effects;
	uint64_t tables[SCLASS_MAX_GROUPS]; /* SCLASS_WRITES: written cache tables per group */
} sclass_result;

/* Judge text[0..len) against the cache tables t. */
void sclass_classify(const char *text, size_t len, const sclass_tables *t, sclass_result *out);

/*
 * Whether text may be a query the cache answers: its first word (after
 * comments and opening parentheses) is SELECT.  Everything else goes to the
 * backend without reaching the plan cache.
 */
bool sclass_is_select(const char *text, size_t len);

#endif /* CB_STMTCLASS_H */
