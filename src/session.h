/*
 * session.h - one client session of cbcached: startup and authentication
 * through the backend, then a message-level relay between the client socket
 * and the session's own backend connection.
 *
 * Functions prefix: sess_
 *
 * DESIGN
 * Each accepted connection gets its own thread (sess_start).  The thread
 * owns both sockets (non-blocking) and waits in ppoll(): an idle session
 * costs a blocked thread and no CPU; a slow backend query blocks only its
 * own thread.  Messages are framed in both directions (type byte + length)
 * and handed one by one to sess_client_message() / backend handling, so the
 * cache can later answer a client message from this same thread (no
 * hand-off per statement): that function is the interception point.
 * Output is buffered and written with one send per batch; when one side's
 * output passes a high-water mark the session stops reading the other side
 * (back pressure, no deadlock when the backend and the client both write).
 *
 * Shutdown: sess_shutdown() flags every session and wakes its thread with
 * SIGUSR1 (blocked except inside ppoll, so a wake-up cannot be lost).  Idle
 * sessions end at once with FATAL 57P01; busy ones at their next
 * ReadyForQuery, or when sess_shutdown(true) forces them.
 */
#ifndef CBD_SESSION_H
#define CBD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/daemon.h"
#include "common/log.h"

/* Per-session logging: "S-<id> user@db: message". */
#define slog_error(s, ...) LOG_AT(LOG_ERROR, sess_log_prefix(s), __VA_ARGS__)
#define slog_warning(s, ...) LOG_AT(LOG_WARNING, sess_log_prefix(s), __VA_ARGS__)
#define slog_info(s, ...) LOG_AT(LOG_INFO, sess_log_prefix(s), __VA_ARGS__)
#define slog_debug(s, ...) LOG_AT(LOG_DEBUG, sess_log_prefix(s), __VA_ARGS__)

/* What a session needs from the config; fixed for the daemon's life but for the reloadable ones (setters below). */
typedef struct sess_settings {
	const char *backend; /* conninfo; owned by the config */
	bool allow_tcp_password;
	int login_timeout_ms;
	size_t max_message; /* max_message_mb in bytes */
} sess_settings;

/* Install the SIGUSR1 handler; call once in main before any session starts. */
CB_MUSTCHECK bool sess_init(const sess_settings *settings, cb_error *err);

/*
 * Start a session thread for an accepted client socket (ownership of fd
 * passes to the session, also on failure).  is_tcp: accepted on the TCP
 * listener; peer: a printable client address; reject: answer the startup
 * with "too many clients" and close.
 */
CB_MUSTCHECK bool sess_start(int fd, bool is_tcp, const char *peer, bool reject, cb_error *err);

/* Session threads alive now (including those still in startup). */
int sess_count(void);

/* The cache sessions that connect from now on bind to (NULL: none; they relay); a
 * reference of its own is kept, the previous cache's given back.  Sessions
 * bound before keep theirs (see src/cachesvc.h, Lifetime). */
typedef struct cachesvc cachesvc;
void sess_set_cache(cachesvc *cache);
/* Change allow_tcp_password (reloadable). */
void sess_set_allow_tcp_password(bool allow);
/* The longest client message a session takes, in bytes (max_message_mb; reloadable). */
void sess_set_max_message(size_t bytes);

/* Begin (force = false) or force (force = true) the shutdown of every session. */
void sess_shutdown(bool force);

/* Wait until no session thread is left or timeout_ms passes; true when none is left. */
bool sess_wait_all(int timeout_ms);

const char *sess_log_prefix(const sess_session *s);

/* One row of SHOW SESSIONS. */
typedef struct sess_info {
	uint64_t id;
	char user[64];
	char database[64];
	char client[64];
	const char *state;
	int backend_pid;
	long long connected_s;
	long long statements;
	long long bytes_in;
	long long bytes_out;
	bool in_process; /* the client was told where the cache file is: it may answer hits in its own process */
} sess_info;

/* Call fn for each session (under the registry lock: fn must not block). */
void sess_foreach(void (*fn)(const sess_info *info, void *arg), void *arg);

#endif /* CBD_SESSION_H */
