/*
 * listener.h - listening sockets: the PostgreSQL UNIX socket
 * (DIR/.s.PGSQL.PORT), the optional TCP listener, the admin socket.
 *
 * Functions prefix: lsn_
 */
#ifndef CBD_LISTENER_H
#define CBD_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "src/daemon.h"

/*
 * Listen on the UNIX socket path with the given file mode.  A stale socket
 * file is replaced; one a live process listens on is an error.
 */
CB_MUSTCHECK bool lsn_unix(const char *path, mode_t mode, int *fd, cb_error *err);

/* Listen on TCP addr ("*" = every address) and port. */
CB_MUSTCHECK bool lsn_tcp(const char *addr, int port, int *fd, cb_error *err);

/* The PostgreSQL socket path for dir and port into buf; false if too long. */
CB_MUSTCHECK bool lsn_pg_socket_path(const char *dir, int port, char *buf, size_t n, cb_error *err);

/*
 * Accept one connection (non-blocking, close-on-exec); -1 when none is
 * waiting or on error.  peer receives a printable address.
 */
int lsn_accept(int lfd, char *peer, size_t n);

#endif /* CBD_LISTENER_H */
