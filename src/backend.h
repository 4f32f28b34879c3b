/*
 * backend.h - opening a backend connection for a client session with libpq,
 * then handing its socket to the session for raw protocol relay.
 *
 * Functions prefix: be_
 *
 * libpq does the connection and authentication phase (so every method the
 * backend may ask for works: trust, cleartext, MD5, SCRAM-SHA-256); after
 * CONNECTION_OK the session reads and writes protocol messages on
 * PQsocket() itself and keeps the PGconn only for PQcancel and PQfinish.
 * SSL and GSS encryption to the backend are disabled for that reason.
 */
#ifndef CBD_BACKEND_H
#define CBD_BACKEND_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "src/daemon.h"

/* One startup parameter of the client. */
typedef struct be_param {
	const char *name;
	const char *value;
} be_param;

typedef enum be_status {
	BE_OK,
	BE_NEED_PASSWORD, /* the backend asks for a password and none was given */
	BE_REFUSED        /* the backend refused: see sqlstate and message */
} be_status;

typedef struct be_result {
	be_status status;
	PGconn *conn;      /* BE_OK: the connection, owned by the caller */
	char sqlstate[6];  /* BE_REFUSED */
	char message[512]; /* BE_REFUSED: the backend's message */
} be_result;

/*
 * Connect to backend (a libpq conninfo without user/dbname/password) as
 * user to dbname with the client's other startup parameters (params,
 * nparams: application_name, client_encoding, options and run-time
 * settings) and password (NULL = none).
 */
void be_connect(const char *backend, const char *user, const char *dbname, const char *password, const be_param *params,
                int nparams, be_result *out);

/* The ParameterStatus names libpq keeps that a client must see at startup. */
extern const char *const be_reported_params[];

#endif /* CBD_BACKEND_H */
