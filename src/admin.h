/*
 * admin.h - the admin socket of cbcached: a UNIX socket (mode 0600) with a
 * line protocol, served from the main thread without blocking.
 *
 * Functions prefix: adm_
 *
 * Protocol: the client sends one command per line (case-insensitive,
 * a trailing ';' is ignored).  The reply is zero or more lines
 *     COLUMNS<TAB>name<TAB>name...
 *     ROW<TAB>value<TAB>value...
 * and one final line "OK[ message]" or "ERROR message".  In values and
 * messages a backslash, tab, newline and carriage return are written as
 * \\, \t, \n and \r, other control bytes as \xHH.  At most 16
 * connections are served at once (a further one gets an ERROR line and is
 * closed); a line longer than 4096 bytes gets an ERROR line and ends the
 * connection gracefully (the rest of the client's input is read and
 * thrown away, so the client gets the reply, not a reset).
 * doc/admin.md documents every command and column.
 */
#ifndef CBD_ADMIN_H
#define CBD_ADMIN_H

#include <poll.h>
#include <stdbool.h>

#include "src/config.h"
#include "src/daemon.h"
#include "hit/wire.h"

typedef struct adm_server adm_server;
struct cachesvc;

typedef struct adm_hooks {
	/* re-read the config file; false with err when it is invalid */
	bool (*reload)(cb_error *err);
	/* begin a graceful shutdown */
	void (*shutdown)(void);
	/* the config in effect (read in the main thread only) */
	const cfg_config *(*config)(void);
	/* the cache service (src/cachesvc.h), NULL when no cache is configured;
	 * the hook itself may be NULL too */
	struct cachesvc *(*cache)(void);
	/* why the configured cache is not running ("" when it runs or none is configured); may be NULL */
	const char *(*cache_error)(void);
} adm_hooks;

CB_MUSTCHECK bool adm_open(const char *path, const adm_hooks *hooks, adm_server **out, cb_error *err);
/* Close the listener and every connection, remove the socket file, free. */
void adm_close(adm_server *a);

/* The pollfds the server needs (at most max), written to fds; returns the count. */
int adm_pollfds(adm_server *a, struct pollfd *fds, int max);
/*
 * The poll timeout the server needs (milliseconds, -1 none): when a
 * connection being ended must be closed, or the listener may accept again.
 */
int adm_timeout_ms(const adm_server *a);
/* Serve what the pollfds from adm_pollfds (with revents) report, and what is due (adm_timeout_ms). */
void adm_serve(adm_server *a, const struct pollfd *fds, int n);

/* The reply to one command, in the wire format above. */
typedef struct adm_reply {
	wire_buf buf;
} adm_reply;

/* Run one command line and append the reply (protocol above) to out. */
void adm_execute(adm_server *a, const char *line, adm_reply *out);

#endif /* CBD_ADMIN_H */
