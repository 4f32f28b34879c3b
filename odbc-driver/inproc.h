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
 *  - the connection is in autocommit mode with no transaction open, and
 *    the statement is one SELECT with text parameters and nothing the
 *    driver must send first (statement.c decides);
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

/*
 * Answer the SELECT text (the $n parameters vals[i] of lens[i] bytes,
 * text format; NULL: SQL NULL) from the cache: a PGresult like the one
 * the backend would give (PGRES_TUPLES_OK) into *out, true.  False: send
 * it to cbcached (nothing was answered; CBCACHE_INPROC_TRACE says why).
 */
bool inproc_select(inproc *ip, PGconn *pg, const char *text, size_t len, int nparams, const char *const *vals,
                   const int *lens, PGresult **out);

/*
 * With the environment variable CBCACHE_INPROC_TRACE set (not "0"): a
 * line on stderr saying why a connection does not answer in-process, and
 * why each statement it sends to cbcached was not answered here.
 */
CB_PRINTF(1, 2) void inproc_trace(const char *fmt, ...);

#endif /* CBO_INPROC_H */
