/*
 * backend.h - the backend connections of client sessions: where the
 * backend is (parsed once from the `backend` connection string), opening
 * a socket to it, and cancel requests.
 *
 * Functions prefix: be_
 *
 * DESIGN
 *
 * A session speaks the protocol to the backend itself from the first
 * byte: it sends the client's startup parameters and relays the
 * authentication exchange between backend and client verbatim (session.c),
 * so every method the backend asks for works end to end (trust, SCRAM,
 * MD5; cleartext only where allowed), the password never passes through
 * cbcached, and every ErrorResponse the backend sends at login reaches the
 * client as the backend sent it (SQLSTATE, DETAIL, HINT).  Only host,
 * hostaddr, port and connect_timeout of the connection string matter here
 * (a list of hosts is tried in order, as libpq does); encryption to the
 * backend is not spoken: sslmode require, verify-ca and verify-full are
 * refused by be_target_parse(), and prefer/allow connect unencrypted.
 */
#ifndef CBD_BACKEND_H
#define CBD_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "src/daemon.h"

typedef struct be_target be_target;

/* The address a session's socket reached: where its cancel requests go. */
typedef struct be_addr {
	struct sockaddr_storage sa;
	socklen_t len;
} be_addr;

/* Parse the backend connection string; NULL with the cause and the fix in err. */
CB_MUSTCHECK be_target *be_target_parse(const char *conninfo, cb_error *err);
void be_target_free(be_target *t);

/*
 * A connected socket to the backend (the first host that answers), in
 * non-blocking mode, its address in *addr; -1 with err ("cbcached cannot
 * reach its backend ..."), errno then EMFILE when no socket could be made
 * for want of descriptors ("cbcached is out of file descriptors ...").
 */
int be_open(const be_target *t, be_addr *addr, cb_error *err);

/* Send a CancelRequest for (pid, key) to addr (blocking, bounded); false with err. */
bool be_cancel(const be_addr *addr, int32_t pid, int32_t key, cb_error *err);

#endif /* CBD_BACKEND_H */
