/*
 * sesscheck.h - the settings check: what a session's backend says about
 * the settings and privileges an answer from the cache depends on.
 *
 * Functions prefix: sesscheck_
 *
 * One statement, run on the session's own backend connection (cbcached
 * sends it between the client's statements, the ODBC driver runs it
 * before its first in-process answer and whenever it cannot tell what
 * changed): extra_float_digits, default_transaction_isolation, the
 * settings a backend answer's bytes depend on (the key of cbcached's memo
 * of backend answers: the role, search_path, the date, time, number and
 * money styles, ...), and for
 * every cache table whether the session may read it from the cache: its
 * unqualified name resolves to the cached relation under the session's
 * search_path, the role may SELECT it, and no row security applies.
 * Library code: no I/O.
 */
#ifndef CB_SESSCHECK_H
#define CB_SESSCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/contract.h"
#include "sql/stmtclass.h"

/*
 * The check's text for ntables tables (malloc'ed; NULL when out of
 * memory).  Its parameters, two per table in the groups' order: $2t+1 the
 * table's name quoted as an identifier (text), $2t+2 its OID (oid).
 */
CB_MUSTCHECK char *sesscheck_sql(size_t ntables);

#define SESSCHECK_SETTINGS_MAX 1024

/* What the check's row says. */
typedef struct sesscheck_row {
	int extra_float_digits;
	bool default_read_committed; /* default_transaction_isolation is read committed (or read uncommitted) */
	uint64_t readable[SQLFE_STMTCLASS_MAX_GROUPS]; /* per group, bit t: table t may be read from the cache */
	/* the role and the settings a backend answer depends on, one per line (not NUL-terminated) */
	char settings[SESSCHECK_SETTINGS_MAX];
	size_t settings_len;
	bool settings_known; /* false: longer than SESSCHECK_SETTINGS_MAX (no backend answer is memoised) */
} sesscheck_row;

/*
 * Read the check's row: ncols values (vals[i], lens[i] bytes; lens[i] < 0
 * for NULL) against groups of ntables[g] tables.  False when the row is
 * not the check's (the wrong number of columns, a value out of range):
 * nothing may be answered from the cache then.
 */
CB_MUSTCHECK bool sesscheck_read(const char *const *vals, const int *lens, int ncols, size_t ngroups,
                                 const size_t *ntables, sesscheck_row *out);

#endif /* CB_SESSCHECK_H */
