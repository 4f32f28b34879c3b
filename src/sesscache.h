/*
 * sesscache.h - a session's side of the cache: which client messages the
 * cache answers, what the backend must learn, and what writes invalidate.
 *
 * Functions prefix: sesscache_
 *
 * DESIGN
 *
 * The session thread hands every complete client message to
 * sesscache_client() and every complete backend message to sesscache_backend();
 * they decide, in the thread that read the socket (no hand-off):
 *
 *  - A simple Query, or an extended-protocol batch [Parse] Bind
 *    [Describe portal] Execute Sync on the unnamed portal, is answered by
 *    the hit path (hit/hitpath.h) when the session is idle (no answer of
 *    the backend outstanding, and no transaction open or one that is READ
 *    COMMITTED and has only read what the cache could answer: see
 *    txn_readable in sesscache.c), its settings are known and the hit path
 *    can answer exactly.  Extended messages from Bind on
 *    are held until Sync (or until a message that does not fit, which sends
 *    the held ones on); everything else goes to the backend at once.
 *    A batch answered here whose Parse of the unnamed statement the backend
 *    never saw is sent to the backend before a later message uses the
 *    unnamed statement (its ParseComplete is not shown to the client); what
 *    the statement may do (sql/stmtclass.h) is judged then, when the backend
 *    parses it, and not at all when the next Parse replaces it first.  A
 *    named Parse answered here is sent on at once with a Sync of its own
 *    (the client sees none of its answers, and the cache may answer again
 *    before they are in), so the backend holds every statement the client
 *    made.
 *  - On a miss the statement goes to the backend and the missing fill
 *    values are queued (never waited for).
 *  - Settings: TimeZone, DateStyle, IntervalStyle, client_encoding and
 *    standard_conforming_strings come from the backend's ParameterStatus;
 *    extra_float_digits, and per cache table whether the session's role
 *    may SELECT it, whether row security applies and whether its
 *    unqualified name resolves to it under the search_path, come from a
 *    check the session runs on its backend connection (an extended-protocol
 *    exchange under a reserved statement name, invisible to the client) at
 *    login and again after any statement that may change them
 *    (sql/stmtclass.h).  Until the check's answer is in, nothing is
 *    answered from the cache.
 *  - Writes: statements that may write cache tables (sql/stmtclass.h) are
 *    remembered; when the backend reports the write committed (the
 *    CommandComplete of a simple Query, which PostgreSQL sends after the
 *    commit of an implicit transaction or COMMIT, and the ReadyForQuery
 *    that ends the transaction) the written tables are invalidated
 *    (cachesvc_invalidate) before the message reaches the client.  With
 *    the change stream the commit is held instead (cachesvc_hold): the
 *    session sends the client nothing more until the stream has applied
 *    the commit (sesscache_hold_fd, sesscache_hold_poll), its own reads go
 *    to the backend meanwhile, and other sessions keep reading the cache
 *    (they need not see a commit no client has seen); after
 *    commit_wait_ms the tables are fenced and the client gets its answer.
 */
#ifndef CBD_SESSCACHE_H
#define CBD_SESSCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "src/cachesvc.h"
#include "hit/wire.h"

typedef struct sesscache sesscache;

/*
 * The cache side of a new session of user on database, or NULL when the
 * cache cannot answer it (no cache, another database, out of memory:
 * then the session relays only; *why says which, may be NULL).  It keeps a
 * reference to cache (cachesvc_ref) until sesscache_free.
 */
sesscache *sesscache_new(cachesvc *cache, const char *database, const char **why);
void sesscache_free(sesscache *sc);

/*
 * The login is done (the backend's ParameterStatus messages went through
 * sesscache_backend()): queues the first check into bout; the client's
 * ReadyForQuery follows its answer (sesscache_backend() adds it).
 */
void sesscache_login(sesscache *sc, wire_buf *bout);

typedef enum sesscache_action {
	SESSCACHE_FORWARDED, /* appended to bout (maybe with held messages before it) */
	SESSCACHE_HELD,      /* kept until Sync */
	SESSCACHE_ANSWERED   /* the answer, ending in ReadyForQuery, is in cout */
} sesscache_action;

/* A complete client message (type, whole message of n bytes). */
sesscache_action sesscache_client(sesscache *sc, char type, const char *msg, size_t n, wire_buf *bout, wire_buf *cout);

/*
 * A complete backend message: appends to cout what the client gets (the
 * message, nothing when it belongs to the cache's own exchange, and a
 * ReadyForQuery held back for the settings check when that ends) and to
 * bout a check that must follow now.  *ready is the status of a
 * ReadyForQuery the client got ('\0' none); returns whether the message
 * itself went to the client.
 */
bool sesscache_backend(sesscache *sc, char type, const char *msg, size_t n, wire_buf *bout, wire_buf *cout,
                       char *ready);

/*
 * Whether a backend message of this type may reach the client unread (a
 * DataRow or CopyData of the client's own statement, not of the check):
 * then the session may hand sesscache_backend() just its 5 header bytes
 * and pass the body on as it arrives, so that a long value is not held
 * whole.
 */
bool sesscache_backend_unread(const sesscache *sc, char type);

/*
 * The session ends (the client and the backend are done with, or the
 * backend is gone): writes whose commit was never seen are invalidated as
 * if committed, writes of a transaction the backend rolls back at the end
 * are dropped.
 */
void sesscache_end(sesscache *sc);

/*
 * A commit's acknowledgement is held (see the DESIGN): while
 * sesscache_hold_fd() is not -1, the session sends the client nothing and
 * polls that descriptor; sesscache_hold_poll() (call it after every wake)
 * returns -1 when the hold is over (the client may be sent to), else the
 * milliseconds left until the hold turns into fences (wait no longer).
 * sesscache_hold_end() ends a hold at once (fencing when the stream has
 * not applied the commit), before the session's last output is flushed.
 */
int sesscache_hold_fd(const sesscache *sc);
int sesscache_hold_poll(sesscache *sc);
void sesscache_hold_end(sesscache *sc);

/* Whether a buffer of the cache side ran out of memory (the session must end). */
bool sesscache_failed(const sesscache *sc);

/* The transaction status of the last ReadyForQuery ('I', 'T' or 'E'). */
char sesscache_txn_status(const sesscache *sc);

/* Whether the backend owes answers (the session is busy on the backend). */
bool sesscache_backend_busy(const sesscache *sc);

/*
 * Whether the backend owes answers to exchanges the client completed
 * (everything but extended messages without their Sync, which PostgreSQL
 * rolls back when the client goes).
 */
bool sesscache_backend_owes(const sesscache *sc);

/* The cache the session is bound to (borrowed). */
cachesvc *sesscache_cachesvc(sesscache *sc);

/*
 * The client answers hits from the cache file itself (it was told
 * cbcache.in_process on): before each ReadyForQuery it is told, with the
 * ParameterStatus cbcache.txn_reads (on/off, sent when it changes),
 * whether its open transaction may be answered from the cache
 * (doc/cache.md, "Reads inside transactions").
 */
void sesscache_report_txn_reads(sesscache *sc);

#endif /* CBD_SESSCACHE_H */
