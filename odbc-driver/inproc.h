/*
 * inproc.h - hits in the application's process: the driver answers a
 * SELECT from cbcached's cache file itself, without a round trip.
 *
 * Functions prefix: inproc_
 *
 * DESIGN (DESIGN.md section 2, "hits without a hop"; doc/odbc.md)
 *
 * At connect, when the DSN's InProcess is on (the default), the driver
 * asks cbcached with the startup option -c cbcache.in_process=on.
 * cbcached answers with the ParameterStatus cbcache.in_process ("on"
 * while it allows it) and cbcache.cache_file (the file's path).  A
 * PostgreSQL server, or a cbcached that does not allow it, sends neither:
 * the connection then works as before, every statement on the wire.
 *
 * The groups: the file holds their texts and the fingerprint of what
 * cbcached compiled (cachegroup/generate.h, CG_META_*).  The first
 * connection of the process to a file compiles the texts against the
 * catalog over its own connection and keeps the compiled groups and one
 * hit path engine (hit/hitpath.h) for the process, shared by every
 * connection to the same file whose fingerprint is the same.  A compile
 * that does not give the file's fingerprint answers nothing in-process.
 *
 * Per connection: one hit path connection (a read-only SQLite connection
 * with its prepared statements).  A statement is answered here only when
 * all of these hold, else it goes to cbcached as before:
 *  - the statement is one SELECT with text parameters and nothing the
 *    driver must send first (statement.c decides), and either no
 *    transaction is open or the open one may be answered from the cache
 *    (below);
 *  - the reader gate is open (cbcached's lease is current, no write
 *    through cbcached waits for the change stream, the stream streams);
 *  - the settings check (hit/sesscheck.h) ran on this connection after
 *    the last statement that may have changed a setting, the role or a
 *    privilege (sql/stmtclass.h judges every statement the application
 *    sends; anything the driver sends on its own counts as such a
 *    statement), and no DDL or privilege change was applied to the file
 *    since (its ddl_generation);
 *  - TimeZone, DateStyle, IntervalStyle, standard_conforming_strings and
 *    client_encoding (libpq keeps them from ParameterStatus) are ones the
 *    cache renders exactly;
 *  - every entry point of the statement is loaded (a miss goes to
 *    cbcached, which answers it and queues the fills).
 * A write of this connection goes through cbcached, which closes the
 * reader gate before it answers the write and opens it once the stream
 * applied the write: the connection reads its own writes.
 *
 * An answer's SQLite read transaction is kept for the connection's next
 * statements (hitpath_settings.hold_us, INPROC_HOLD_US or the environment's
 * CBCACHE_INPROC_HOLD_US) while the gate word is unchanged; the keeper
 * thread of inproc.c ends kept transactions left unused (doc/cache.md).
 *
 * Transactions (doc/cache.md, "Reads inside transactions").  Under READ
 * COMMITTED every statement sees what was committed before it began,
 * which is what a cache answer gives, so a transaction's reads may be
 * answered until it writes, locks or changes a setting:
 *  - with autocommit off and no transaction open, the driver would send
 *    BEGIN with the statement.  When a plain BEGIN is READ COMMITTED (the
 *    settings check read default_transaction_isolation) and the statement
 *    is a hit, the BEGIN is not sent: the transaction has not begun as
 *    far as the backend is concerned, and SQLEndTran of it sends nothing
 *    (as psqlODBC's does when no transaction is open).  A read answered
 *    before the transaction's first statement on the wire is one a READ
 *    COMMITTED transaction begun then would have answered the same; what
 *    differs is the transaction's start time (now()) and that no lock was
 *    taken, as for cbcached's own answers inside transactions.
 *  - inside an open transaction, only while cbcached says so: it judges
 *    every statement of the session (it sees all of them but the ones
 *    answered here, which are reads) and tells an in-process client the
 *    ParameterStatus cbcache.txn_reads before each ReadyForQuery.  The
 *    savepoint of statement-level rollback is not sent either: a read
 *    answered here cannot fail the transaction.
 *  - the settings check runs only with no transaction open, so COMMIT
 *    and ROLLBACK (which can undo a SET) keep it only when no statement
 *    of the transaction asked for a check.
 *
 * Direct (doc/cache.md, "Misses and writes on the client's own
 * connection"): when cbcached offers cbcache.direct_backend and the DSN's
 * Direct is on, connection.c replaces the connection to cbcached by one
 * to the backend itself (inproc_go_direct), and what cbcached did for the
 * statements it saw is done here:
 *  - a miss's fills go with the hit report ('F' items);
 *  - inproc_sent notes a statement that may write (sql/stmtclass.h:
 *    writes_some, or a write, call, DDL, COPY effect; inproc_writes for
 *    the driver's own); when an exchange leaves the backend idle after
 *    one (inproc_done), the driver asks for a sync ('S') and waits, up
 *    to cbcache.commit_wait_ms, for the gate file's stamp to reach the
 *    moment after the commit (common/lease.h), so every process reads the
 *    commit once the application learns of it; the process answers
 *    nothing from a file without that stamp (hitpath min_synced_us); a
 *    wait that runs out asks cbcached to fence the cache ('X'), as for a
 *    commit it held that long (commit_wait in inproc.c);
 *  - an open transaction may be answered while every exchange in it was
 *    a read the cache could have answered (a miss: inproc_select's
 *    judgement), READ COMMITTED as for BEGIN above.
 */
#ifndef CBO_INPROC_H
#define CBO_INPROC_H

#include "odbc-driver/driver.h"

typedef struct inproc inproc;

/*
 * After the connection is up: answer from the cache file in-process when
 * cbcached allows it and the file can be read.  When not, *why (cap bytes)
 * says why and NULL is returned; the connection works as before.
 */
inproc *inproc_attach(PGconn *pg, char *why, size_t cap);
void inproc_detach(inproc *ip);

/* A statement that may have changed settings, the role or privileges was sent: check again before answering. */
void inproc_settings_changed(inproc *ip);

/*
 * The application's statement text is sent to the backend (std: the
 * session's standard_conforming_strings): when sql/stmtclass.h judges
 * that it may change a setting, the role or a privilege (SET, DDL, GRANT,
 * a call of a function not known harmless, ...), check again.
 */
void inproc_sent(inproc *ip, const char *text, size_t len, bool std);

/* The driver sends a statement that writes without its text passing inproc_sent (setpos, large objects). */
void inproc_writes(inproc *ip);

/*
 * The connection's pg is now the backend itself (cbcache.direct_backend),
 * not cbcached: what is not answered here goes straight to PostgreSQL, so
 * the driver does what cbcached did for it (DESIGN below, "Direct").
 */
void inproc_go_direct(inproc *ip, int commit_wait_ms);
/* Whether it may (cbcached must get its fills and sync requests); when not, *why says why. */
bool inproc_can_go_direct(const inproc *ip, char *why, size_t cap);

/*
 * An exchange with the backend ended (every statement's answer read, pg
 * idle again): on a direct connection, follow the transaction, and after
 * one that may have written, the commit wait.  NULL ip, or not direct: nothing.
 */
void inproc_done(inproc *ip, PGconn *pg);

/* Where the statement runs: the transaction the driver is in or would open. */
typedef enum inproc_txn {
	INPROC_TXN_NONE,  /* autocommit, no transaction open */
	INPROC_TXN_BEGIN, /* autocommit off, no transaction open yet: the driver would send BEGIN with it */
	INPROC_TXN_OPEN,  /* a transaction is open (PQTRANS_INTRANS) */
} inproc_txn;

/*
 * Answer the SELECT text (the $n parameters vals[i] of lens[i] bytes,
 * text format; NULL: SQL NULL) from the cache: a PGresult like the one
 * the backend would give (PGRES_TUPLES_OK) into *out, true.  False: send
 * it to cbcached (nothing was answered; CBCACHE_INPROC_TRACE says why).
 * Inside a transaction, only when cbcached said the transaction may be
 * answered (cbcache.txn_reads on); with INPROC_TXN_BEGIN only when a
 * plain BEGIN is READ COMMITTED: the BEGIN is then not sent (see DESIGN).
 */
bool inproc_select(inproc *ip, PGconn *pg, inproc_txn txn, const char *text, size_t len, int nparams,
                   const char *const *vals, const int *lens, PGresult **out);

/*
 * With the environment variable CBCACHE_INPROC_TRACE set (not "0"): a
 * line on stderr saying why a connection does not answer in-process, and
 * why each statement it sends to cbcached was not answered here.
 */
CB_PRINTF(1, 2) void inproc_trace(const char *fmt, ...);

#endif /* CBO_INPROC_H */
