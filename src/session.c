/*
 * session.c - client sessions: startup, authentication through the backend,
 * message relay, cancel forwarding, shutdown (see the DESIGN in session.h).
 *
 * Functions prefix: sess_
 */
#include "src/session.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "src/backend.h"
#include "hit/wire.h"
#include "src/sesscache.h"
#include "common/clock.h"
#include "src/stats.h"

/*
 * Memory per session (doc/config.md, max_message_mb): a client message is
 * framed whole, so it may take max_message_mb; every other buffer stays
 * near SESS_HIGH_WATER.  Reading one side stops while this much output for
 * the other is unsent, and the client's messages are not framed meanwhile.
 */
#define SESS_HIGH_WATER (256 * 1024)
/* A backend DataRow or CopyData longer than this goes to the client as it arrives, not whole. */
#define SESS_PASS_MIN SESS_HIGH_WATER
/* A buffer grown past this (by a large message) is freed once it is empty. */
#define SESS_BUF_KEEP (1024 * 1024)
#define SESS_STACK_SIZE (1024 * 1024)

typedef enum sess_state {
	SESS_STARTUP = 0,
	SESS_IDLE,
	SESS_ACTIVE,
	SESS_IDLE_TXN,
	SESS_FAILED_TXN,
	SESS_CLOSING
} sess_state;

static const char *const state_names[] = {
        "startup", "idle", "active", "idle in transaction", "idle in failed transaction", "closing"};

struct sess_session {
	uint64_t id;
	int cfd; /* client socket */
	int bfd; /* backend socket, -1 before connect */
	bool is_tcp;
	bool reject;
	pthread_t thread;
	sigset_t wait_mask; /* the thread's mask without SIGUSR1, for ppoll */
	time_t started;

	/* shown by SHOW SESSIONS; written under reg_lock */
	char user[64];
	char database[64];
	char peer[64];
	char prefix[192];
	int backend_pid;

	/* our BackendKeyData, and the backend's with its address for cancel requests (under reg_lock) */
	int32_t key_pid;
	int32_t key_secret;
	bool cancellable;
	atomic_bool in_process; /* told where the cache file is (cbcache.in_process on): it may answer hits itself */
	be_addr baddr;
	int32_t be_pid;
	int32_t be_key;

	sesscache *sc; /* the cache's side of the session, NULL when it only relays */
	atomic_int state;
	atomic_llong statements;
	atomic_llong bytes_in;
	atomic_llong bytes_out;

	bool busy;       /* the client sent messages since the last ReadyForQuery */
	bool closing;    /* send what is queued for the client, then end */
	bool client_eof; /* the client is gone (end of file, an error, or Terminate): drain the backend */
	bool backend_eof;
	bool copy_in;  /* the backend reads COPY data from the client */
	size_t bpass;  /* bytes of a long backend message still to go from bin to cout as they arrive */
	int owed;      /* a relaying session's Query, Sync and FunctionCall messages not yet answered */
	wire_buf cin;  /* from the client, not yet framed */
	wire_buf bout; /* to the backend */
	wire_buf bin;  /* from the backend, not yet framed */
	wire_buf cout; /* to the client */

	sess_session *prev, *next;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reg_empty = PTHREAD_COND_INITIALIZER;
static sess_session *reg_head;
static int reg_count; /* threads started and not yet ended */
static atomic_bool shutting_down;
static atomic_bool forcing;
static atomic_bool allow_tcp_password;
static atomic_size_t max_message; /* bytes */
static atomic_ullong next_id = 1;
static sess_settings settings;
static be_target *target; /* where the backend is (sess_init) */
/* The cache new sessions bind to, a reference of its own; NULL: none (relay).  Swapped by RELOAD. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cachesvc *cache_service;

static void wake_handler(int sig)
{
	(void)sig;
}

bool sess_init(const sess_settings *st, cb_error *err)
{
	settings = *st;
	if ((target = be_target_parse(st->backend, err)) == NULL)
		return false;
	atomic_store(&allow_tcp_password, st->allow_tcp_password);
	atomic_store(&max_message, st->max_message);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wake_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: ppoll returns EINTR */
	if (sigaction(SIGUSR1, &sa, NULL) != 0)
		return cb_fail(err, "cannot install the SIGUSR1 handler: %s", strerror(errno));
	return true;
}

void sess_set_cache(cachesvc *cache)
{
	pthread_mutex_lock(&cache_lock);
	cachesvc *old = cache_service;
	cache_service = cache != NULL ? cachesvc_ref(cache) : NULL;
	pthread_mutex_unlock(&cache_lock);
	cachesvc_unref(old);
}

/* A reference to the cache new sessions bind to, or NULL. */
static cachesvc *sess_cache_acquire(void)
{
	pthread_mutex_lock(&cache_lock);
	cachesvc *c = cache_service != NULL ? cachesvc_ref(cache_service) : NULL;
	pthread_mutex_unlock(&cache_lock);
	return c;
}

void sess_set_allow_tcp_password(bool allow)
{
	atomic_store(&allow_tcp_password, allow);
}

void sess_set_max_message(size_t bytes)
{
	atomic_store(&max_message, bytes);
}

const char *sess_log_prefix(const sess_session *s)
{
	return s->prefix;
}

int sess_count(void)
{
	pthread_mutex_lock(&reg_lock);
	int n = reg_count;
	pthread_mutex_unlock(&reg_lock);
	return n;
}

static void set_state(sess_session *s, sess_state st)
{
	atomic_store_explicit(&s->state, (int)st, memory_order_relaxed);
}

/* ppoll with SIGUSR1 unblocked; returns >0 ready, 0 timeout, -1 error, -2 woken by a signal. */
static int sess_wait(sess_session *s, struct pollfd *fds, nfds_t n, int timeout_ms)
{
	struct timespec ts, *tp = NULL;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tp = &ts;
	}
	int r = ppoll(fds, n, tp, &s->wait_mask);
	if (r < 0 && errno == EINTR)
		return -2;
	return r;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Receive once into b; returns bytes, 0 at EOF, -1 on error, -2 when nothing is there. */
static ssize_t recv_into(int fd, wire_buf *b)
{
	if (!wire_buf_reserve(b, 65536))
		return -1;
	for (;;) {
		ssize_t n = recv(fd, b->data + b->len, b->cap - b->len, 0);
		if (n > 0)
			b->len += (size_t)n;
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -2;
		return -1;
	}
}

/* Send what b holds without blocking; false on a send error. */
static bool send_from(int fd, wire_buf *b)
{
	while (wire_buf_avail(b) > 0) {
		ssize_t n = send(fd, b->data + b->start, wire_buf_avail(b), MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK;
		}
		wire_buf_consume(b, (size_t)n);
	}
	return true;
}

/* Send what cout holds to the client without blocking, counting bytes; false on error. */
static bool send_client(sess_session *s)
{
	long long before = (long long)wire_buf_avail(&s->cout);
	bool ok = send_from(s->cfd, &s->cout);
	long long n = before - (long long)wire_buf_avail(&s->cout);
	if (n > 0) {
		STATS_ADD(bytes_out, n);
		atomic_fetch_add_explicit(&s->bytes_out, n, memory_order_relaxed);
	}
	return ok;
}

/* Send all of cout to the client within timeout_ms (used outside the relay loop). */
static bool flush_client(sess_session *s, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	bool ok = !s->cout.failed;
	while (ok && wire_buf_avail(&s->cout) > 0) {
		if (!send_client(s)) {
			ok = false;
			break;
		}
		if (wire_buf_avail(&s->cout) == 0)
			break;
		long long left = deadline - now_ms();
		if (left <= 0) {
			ok = false;
			break;
		}
		struct pollfd p = {.fd = s->cfd, .events = POLLOUT};
		int r = sess_wait(s, &p, 1, (int)left);
		if (r == -1)
			ok = false;
	}
	return ok;
}

/* Queue an ErrorResponse for the client and count it. */
static void queue_error(sess_session *s, const char *severity, const char *sqlstate, const char *message,
                        const char *hint)
{
	wire_put_error(&s->cout, severity, sqlstate, message, hint);
	STATS_ADD(errors, 1);
}

/* The client broke a rule of the protocol or of cbcached: queue a FATAL error and close the session. */
static void client_fatal(sess_session *s, const char *sqlstate, const char *message, const char *hint)
{
	slog_warning(s, "FATAL %s %s; closing the session", sqlstate, message);
	queue_error(s, "FATAL", sqlstate, message, hint);
	STATS_ADD(protocol_errors, 1);
	s->closing = true;
	set_state(s, SESS_CLOSING);
}

/* A client protocol violation: queue FATAL 08P01 and close the session. */
static void protocol_error(sess_session *s, const char *message)
{
	client_fatal(s, "08P01", message, NULL);
}

/* Read exactly n bytes from the client before deadline; false at EOF, timeout, error or shutdown. */
static bool read_exact(sess_session *s, char *buf, size_t n, long long deadline)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = recv(s->cfd, buf + got, n - got, 0);
		if (r > 0) {
			got += (size_t)r;
			STATS_ADD(bytes_in, r);
			continue;
		}
		if (r == 0)
			return false;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return false;
		long long left = deadline - now_ms();
		if (left <= 0) {
			slog_info(s, "no complete startup message within %d ms; closing", settings.login_timeout_ms);
			return false;
		}
		struct pollfd p = {.fd = s->cfd, .events = POLLIN};
		int w = sess_wait(s, &p, 1, (int)left);
		if (w == -1)
			return false;
		if (w == -2 && atomic_load(&shutting_down))
			return false;
	}
	return true;
}

/* Forward a CancelRequest to the session whose BackendKeyData matches. */
static void forward_cancel(sess_session *s, int32_t pid, int32_t key)
{
	bool found = false;
	be_addr addr;
	int32_t bpid = 0, bkey = 0;
	pthread_mutex_lock(&reg_lock);
	for (sess_session *t = reg_head; t != NULL; t = t->next) {
		if (t->cancellable && t->key_pid == pid && t->key_secret == key) {
			found = true;
			addr = t->baddr;
			bpid = t->be_pid;
			bkey = t->be_key;
			break;
		}
	}
	pthread_mutex_unlock(&reg_lock);
	cb_error err;
	if (!found) {
		slog_info(s, "cancel request for an unknown session (pid %d) ignored", (int)pid);
	} else if (!be_cancel(&addr, bpid, bkey, &err)) {
		slog_warning(s, "forwarding a cancel request to the backend failed: %s", err.msg);
	} else {
		STATS_ADD(cancels, 1);
		slog_debug(s, "cancel request for session pid %d forwarded", (int)pid);
	}
}

typedef struct startup_info {
	char *packet;   /* owned: the body after the length */
	wire_startup w; /* decoded: points into packet */
} startup_info;

/* Read the startup exchange; false when the session ends here (reply already queued/sent). */
static bool read_startup(sess_session *s, startup_info *si)
{
	long long deadline = now_ms() + settings.login_timeout_ms;
	for (;;) {
		char hdr[4];
		if (!read_exact(s, hdr, 4, deadline))
			return false;
		uint32_t len = wire_get_uint32(hdr);
		if (len < 8 || len > WIRE_MAX_STARTUP) {
			protocol_error(s, "invalid length of startup packet");
			return false;
		}
		char *body = malloc(len - 4 + 1);
		if (body == NULL) {
			queue_error(s, "FATAL", "53200", "out of memory reading the startup packet", NULL);
			return false;
		}
		if (!read_exact(s, body, len - 4, deadline)) {
			free(body);
			return false;
		}
		body[len - 4] = '\0';
		wire_startup *w = &si->w;
		wire_startup_kind kind = wire_read_startup(body, len - 4, w);
		if (kind == WIRE_STARTUP_ENCRYPT) {
			free(body);
			wire_buf_append(&s->cout, "N", 1);
			if (!flush_client(s, settings.login_timeout_ms))
				return false;
			continue;
		}
		if (kind == WIRE_STARTUP_CANCEL) {
			if (w->cancel_ok)
				forward_cancel(s, w->cancel_pid, w->cancel_key);
			free(body);
			return false;
		}
		si->packet = body;
		if (kind == WIRE_STARTUP_VERSION) {
			char msg[160];
			snprintf(msg, sizeof(msg), "unsupported frontend protocol %u.%u: cbcached supports 3.0",
			         w->code >> 16, w->code & 0xffff);
			protocol_error(s, msg);
			return false;
		}
		if (kind == WIRE_STARTUP_REPLICATION) {
			queue_error(s, "FATAL", "0A000", "replication connections are not supported by cbcached",
			            "Connect to PostgreSQL directly for replication.");
			return false;
		}
		if (kind == WIRE_STARTUP_BAD) {
			protocol_error(s, w->error);
			return false;
		}
		if ((w->code & 0xffff) != 0 || w->nunknown > 0) {
			/* NegotiateProtocolVersion: we speak 3.0 and none of the _pq_ options */
			size_t off = wire_begin(&s->cout, 'v');
			wire_put_int32(&s->cout, (int32_t)WIRE_PROTOCOL_3_0);
			wire_put_int32(&s->cout, w->nunknown);
			for (int i = 0; i < w->nunknown; i++)
				wire_put_str(&s->cout, w->unknown[i]);
			wire_end(&s->cout, off);
		}
		if (w->user == NULL || w->user[0] == '\0') {
			queue_error(s, "FATAL", "28000", "no PostgreSQL user name specified in startup packet",
			            "Give a user name (psql -U NAME, libpq user=NAME).");
			return false;
		}
		return true;
	}
}

/* Write all of b to the backend within the login deadline; false on error or timeout. */
static bool login_send(sess_session *s, wire_buf *b, long long deadline)
{
	while (wire_buf_avail(b) > 0) {
		if (!send_from(s->bfd, b))
			return false;
		if (wire_buf_avail(b) == 0)
			break;
		long long left = deadline - now_ms();
		if (left <= 0)
			return false;
		struct pollfd p = {.fd = s->bfd, .events = POLLOUT};
		if (sess_wait(s, &p, 1, (int)left) == -1)
			return false;
	}
	return true;
}

/*
 * The next complete message from fd (the backend's socket, or the client's)
 * into in, before deadline: its type, *msg and *n (the whole message), or
 * '\0' at end of file, error or timeout.  The caller consumes it.
 */
static char login_read(sess_session *s, int fd, wire_buf *in, long long deadline, const char **msg, size_t *n)
{
	for (;;) {
		if (wire_buf_avail(in) >= 5) {
			const char *p = in->data + in->start;
			uint32_t len = wire_get_uint32(p + 1);
			if (len < 4 || len > WIRE_MAX_STARTUP * 16)
				return '\0';
			if (wire_buf_avail(in) >= (size_t)len + 1) {
				*msg = p;
				*n = (size_t)len + 1;
				return p[0];
			}
		}
		ssize_t r = recv_into(fd, in);
		if (r > 0)
			continue;
		if (r == 0 || r == -1)
			return '\0';
		long long left = deadline - now_ms();
		if (left <= 0)
			return '\0';
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int w = sess_wait(s, &p, 1, (int)left);
		if (w == -1 || (w == -2 && atomic_load(&shutting_down)))
			return '\0';
	}
}

/* The SQLSTATE field of an ErrorResponse, "" when none. */
static void error_code(const char *msg, size_t n, char *code)
{
	code[0] = '\0';
	for (const char *p = msg + 5, *end = msg + n; p < end && *p != '\0';) {
		const char *v = p + 1, *z = memchr(v, '\0', (size_t)(end - v));
		if (z == NULL)
			return;
		if (*p == 'C' && z - v == 5) {
			memcpy(code, v, 5);
			code[5] = '\0';
		}
		p = z + 1;
	}
}

/*
 * Whether the client asked where the cache file is: "cbcache.in_process=on"
 * set in its startup options ("-c cbcache.in_process=on" or
 * "--cbcache.in_process=on", as libpq's options parameter sends it).  The
 * backend gets the option too: a custom setting PostgreSQL keeps as a
 * placeholder.
 */
static bool wants_in_process(const wire_startup *w)
{
	static const char key[] = "cbcache.in_process=on";
	for (int i = 0; i < w->nparams; i++) {
		if (strcmp(w->params[i].name, "options") != 0)
			continue;
		for (const char *p = strstr(w->params[i].value, key); p != NULL; p = strstr(p + 1, key)) {
			const char *end = p + sizeof(key) - 1;
			if (*end != '\0' && *end != ' ')
				continue;
			if ((p - w->params[i].value >= 3 && strncmp(p - 3, "-c ", 3) == 0) ||
			    (p - w->params[i].value >= 2 && strncmp(p - 2, "--", 2) == 0))
				return true;
		}
	}
	return false;
}

/*
 * ParameterStatus cbcache.in_process (on/off) and, when on,
 * cbcache.cache_file (where the cache file is) and cbcache.cache_id (the
 * id the file carries: a file at that path on the client's machine that
 * is not this cache's is not read; doc/cache.md), and with direct_backend
 * set, cbcache.direct_backend (its connection string) and
 * cbcache.commit_wait_ms (how long the client waits for its commits).
 */
static void put_in_process(sess_session *s)
{
	const char *file = s->sc != NULL ? cachesvc_in_process_file(sesscache_cachesvc(s->sc)) : NULL;
	size_t m = wire_begin(&s->cout, 'S');
	wire_put_str(&s->cout, "cbcache.in_process");
	wire_put_str(&s->cout, file != NULL ? "on" : "off");
	wire_end(&s->cout, m);
	if (file == NULL)
		return;
	atomic_store_explicit(&s->in_process, true, memory_order_relaxed);
	sesscache_report_txn_reads(s->sc);
	m = wire_begin(&s->cout, 'S');
	wire_put_str(&s->cout, "cbcache.cache_file");
	wire_put_str(&s->cout, file);
	wire_end(&s->cout, m);
	m = wire_begin(&s->cout, 'S');
	wire_put_str(&s->cout, "cbcache.cache_id");
	wire_put_str(&s->cout, cachesvc_cache_id(sesscache_cachesvc(s->sc)));
	wire_end(&s->cout, m);
	const char *direct = cachesvc_direct_backend(sesscache_cachesvc(s->sc));
	if (direct == NULL)
		return;
	char wait[16];
	snprintf(wait, sizeof(wait), "%d", cachesvc_commit_wait_ms(sesscache_cachesvc(s->sc)));
	m = wire_begin(&s->cout, 'S');
	wire_put_str(&s->cout, "cbcache.direct_backend");
	wire_put_str(&s->cout, direct);
	wire_end(&s->cout, m);
	m = wire_begin(&s->cout, 'S');
	wire_put_str(&s->cout, "cbcache.commit_wait_ms");
	wire_put_str(&s->cout, wait);
	wire_end(&s->cout, m);
}

/*
 * The login, relayed: the backend gets the client's startup parameters,
 * the client the backend's authentication requests and answers them
 * itself (its password messages pass through), and everything the backend
 * says, errors included, reaches the client as the backend said it, except
 * BackendKeyData (the client gets the session's own, so its cancel
 * requests come here) and ReadyForQuery when the cache holds it back for
 * the settings check.  True when the session is logged in.
 */
static bool relay_login(sess_session *s, const startup_info *si, long long deadline)
{
	wire_buf out = {0};
	wire_put_startup(&out, &si->w);
	bool ok = !out.failed && login_send(s, &out, deadline);
	wire_buf_free(&out);
	if (!ok) {
		queue_error(s, "FATAL", "08006", "cbcached lost its backend connection during the login", NULL);
		return false;
	}
	for (;;) {
		const char *m;
		size_t n;
		char type = login_read(s, s->bfd, &s->bin, deadline, &m, &n);
		if (type == '\0') {
			queue_error(s, "FATAL", "08006", "the backend closed the connection during the login", NULL);
			return false;
		}
		if (type == 'R' && n >= 9) {
			int32_t code = (int32_t)wire_get_uint32(m + 5);
			if (code == 3 && s->is_tcp && !atomic_load(&allow_tcp_password)) {
				wire_buf_consume(&s->bin, n);
				queue_error(
				        s, "FATAL", "28000",
				        "password authentication in clear text is not allowed on the TCP listener of "
				        "cbcached",
				        "Connect through the UNIX socket, have the backend ask for SCRAM or MD5, or "
				        "set "
				        "allow_tcp_password = on in cbcache.conf (the password then crosses the "
				        "network "
				        "in clear text).");
				STATS_ADD(auth_failures, 1);
				return false;
			}
			if (code != 0 && code != 3 && code != 5 && code != 10 && code != 11 && code != 12) {
				wire_buf_consume(&s->bin, n);
				char text[160];
				snprintf(text, sizeof(text),
				         "the backend asks for an authentication method cbcached cannot relay (request "
				         "%d)",
				         (int)code);
				queue_error(s, "FATAL", "28000", text,
				            "Use trust, scram-sha-256, md5 or password for cbcached's connections in "
				            "pg_hba.conf.");
				STATS_ADD(auth_failures, 1);
				return false;
			}
			wire_buf_append(&s->cout, m, n);
			wire_buf_consume(&s->bin, n);
			if (code == 3 || code == 5 || code == 10 || code == 11) {
				/* the client answers with a password (or SASL) message */
				if (!flush_client(s, (int)(deadline - now_ms())))
					return false;
				type = login_read(s, s->cfd, &s->cin, deadline, &m, &n);
				if (type == '\0')
					return false; /* clients close here to prompt their user, then come back */
				if (type != 'p') {
					protocol_error(s, "expected a password message during authentication");
					return false;
				}
				wire_buf_append(&s->bout, m, n);
				wire_buf_consume(&s->cin, n);
				if (!login_send(s, &s->bout, deadline)) {
					queue_error(s, "FATAL", "08006",
					            "cbcached lost its backend connection during the login", NULL);
					return false;
				}
			}
			continue;
		}
		if (type == 'K' && n == 13) {
			pthread_mutex_lock(&reg_lock);
			s->be_pid = (int32_t)wire_get_uint32(m + 5);
			s->be_key = (int32_t)wire_get_uint32(m + 9);
			s->backend_pid = s->be_pid;
			s->cancellable = true;
			pthread_mutex_unlock(&reg_lock);
			wire_put_key_data(&s->cout, s->key_pid, s->key_secret);
			wire_buf_consume(&s->bin, n);
			continue;
		}
		if (type == 'S' && s->sc != NULL) {
			char ready;
			(void)sesscache_backend(s->sc, type, m, n, &s->bout, &s->cout, &ready);
			wire_buf_consume(&s->bin, n);
			continue;
		}
		if (type == 'E') {
			char code[6];
			error_code(m, n, code);
			if (strncmp(code, "28", 2) == 0)
				STATS_ADD(auth_failures, 1);
			STATS_ADD(errors, 1);
			wire_buf_append(&s->cout, m, n);
			wire_buf_consume(&s->bin, n);
			slog_info(s, "the backend refused the session (SQLSTATE %s)", code);
			return false;
		}
		if (type == 'Z') {
			wire_buf_consume(&s->bin, n);
			if (wants_in_process(&si->w))
				put_in_process(s);
			if (s->sc != NULL)
				sesscache_login(s->sc, &s->bout); /* ReadyForQuery follows the settings check */
			else
				wire_put_ready(&s->cout, 'I');
			return true;
		}
		if (type == 'v') { /* NegotiateProtocolVersion: we ask for 3.0 without options; cannot be */
			wire_buf_consume(&s->bin, n);
			queue_error(s, "FATAL", "08P01", "the backend does not speak protocol 3.0", NULL);
			return false;
		}
		/* ParameterStatus, NoticeResponse */
		wire_buf_append(&s->cout, m, n);
		wire_buf_consume(&s->bin, n);
	}
}

/* Startup and authentication; on success the backend socket is open and the client has (or gets) ReadyForQuery. */
static bool sess_login(sess_session *s)
{
	startup_info si;
	memset(&si, 0, sizeof(si));
	long long deadline = now_ms() + settings.login_timeout_ms;
	bool ok = read_startup(s, &si);
	if (ok && s->reject) {
		queue_error(s, "FATAL", "53300", "sorry, too many clients already",
		            "Raise max_clients in cbcache.conf, or close idle connections.");
		slog_warning(s, "connection refused: max_clients reached");
		STATS_ADD(refused, 1);
		ok = false;
	}
	if (ok) {
		const char *database = si.w.database != NULL && si.w.database[0] != '\0' ? si.w.database : si.w.user;
		pthread_mutex_lock(&reg_lock);
		snprintf(s->user, sizeof(s->user), "%s", si.w.user);
		snprintf(s->database, sizeof(s->database), "%s", database);
		snprintf(s->prefix, sizeof(s->prefix), "S-%llu %s@%s", (unsigned long long)s->id, s->user, s->database);
		int32_t secret = 0;
		if (getrandom(&secret, sizeof(secret), 0) != (ssize_t)sizeof(secret))
			secret = (int32_t)(now_ms() ^ (long long)s->id * 2654435761LL);
		s->key_pid = (int32_t)(s->id & 0x7fffffff);
		s->key_secret = secret;
		pthread_mutex_unlock(&reg_lock);

		cb_error err;
		be_addr addr;
		s->bfd = be_open(target, &addr, &err);
		if (s->bfd < 0) {
			/* out of descriptors: 53000 as for a connection refused at accept */
			bool short_fds = errno == EMFILE;
			queue_error(s, "FATAL", short_fds ? "53000" : "08006", err.msg, NULL);
			/* a shortage is logged at most every STATS_FD_SHORTAGE_LOG_S, whoever meets it (the client
			 * gets the message) */
			if (!short_fds || stats_fd_shortage_log_due(cb_clock_mono_us()))
				slog_warning(s, "%s", err.msg);
			ok = false;
		} else {
			pthread_mutex_lock(&reg_lock);
			s->baddr = addr;
			pthread_mutex_unlock(&reg_lock);
			const char *why = NULL;
			cachesvc *cs = sess_cache_acquire();
			s->sc = sesscache_new(cs, s->database, &why); /* takes a reference of its own */
			cachesvc_unref(cs);
			if (s->sc == NULL)
				slog_debug(s, "statements go to the backend: %s", why);
			ok = relay_login(s, &si, deadline);
		}
		if (ok) {
			set_state(s, SESS_IDLE);
			STATS_ADD(sessions_total, 1);
			STATS_ADD(sessions_active, 1);
			slog_debug(s, "session started (backend pid %d)", s->backend_pid);
		}
	}
	free(si.packet);
	if (!flush_client(s, settings.login_timeout_ms))
		ok = false;
	return ok;
}

/*
 * One complete client message (type, whole message of n bytes).  This is
 * where the cache will answer a message itself (writing to s->cout) instead
 * of forwarding it; returns false when the session must end.
 */
static bool sess_client_message(sess_session *s, char type, const char *msg, size_t n)
{
	if (type == 'X') {
		/* Terminate: what came before it is finished first; the session sends the backend its own */
		s->client_eof = true;
		return false;
	}
	if (type == 'c' || type == 'f')
		s->copy_in = false;
	if (type == 'Q' || type == 'E') {
		STATS_ADD(statements, 1);
		atomic_fetch_add_explicit(&s->statements, 1, memory_order_relaxed);
	}
	if (s->sc != NULL && sesscache_client(s->sc, type, msg, n, &s->bout, &s->cout) == SESSCACHE_ANSWERED) {
		/* answered here, ending in ReadyForQuery: the session is idle as before */
		if (s->busy && !sesscache_backend_busy(s->sc)) {
			s->busy = false;
			set_state(s, sesscache_txn_status(s->sc) == 'T' ? SESS_IDLE_TXN : SESS_IDLE);
		}
		return true;
	}
	if (!s->busy) {
		s->busy = true;
		set_state(s, SESS_ACTIVE);
	}
	if (s->sc == NULL) {
		if (type == 'Q' || type == 'E')
			STATS_ADD(queries_backend, 1);
		if (type == 'Q' || type == 'S' || type == 'F')
			s->owed++;
		wire_buf_append(&s->bout, msg, n);
	}
	return true;
}

/*
 * Whether the client message whose header (type and length word) is at p
 * may be framed; if not, queue the error and close the session.  Checked
 * as soon as the 5 header bytes are in, so that a message declared too
 * long costs nothing of its body.  Past PostgreSQL's own limit for the
 * type: FATAL 08P01 "invalid message length" (PostgreSQL closes the
 * connection there and says so in its log only).  Past max_message_mb:
 * FATAL 54000, the class of PostgreSQL's error for a message it cannot
 * hold ("out of memory", "Cannot enlarge string buffer").
 */
static bool client_header_ok(sess_session *s, const char *p)
{
	char type = p[0];
	uint32_t len, limit;
	size_t cap = atomic_load(&max_message);
	switch (wire_frontend_header(p, cap, &len, &limit)) {
	case WIRE_HEADER_OK:
		return true;
	case WIRE_HEADER_TYPE: {
		char msg[96];
		snprintf(msg, sizeof(msg), "invalid frontend message type %d", (unsigned char)type);
		protocol_error(s, msg);
		return false;
	}
	case WIRE_HEADER_LENGTH:
		slog_info(s, "a \"%c\" message declares %u bytes, PostgreSQL takes at most %u", type, len, limit);
		protocol_error(s, "invalid message length");
		return false;
	case WIRE_HEADER_TOO_LARGE: {
		char msg[160];
		snprintf(msg, sizeof(msg), "message too large: a \"%c\" message of %u bytes, max_message_mb is %zu",
		         type, len, cap / (1024 * 1024));
		client_fatal(s, "54000", msg,
		             "Send smaller values, or raise max_message_mb in cbcache.conf (doc/config.md).");
		return false;
	}
	}
	return false;
}

/*
 * Whether the client's input must wait: its answers or what it sends the
 * backend are SESS_HIGH_WATER behind, or a long backend message is half
 * passed to the client (nothing may come between its parts).
 */
static bool client_paused(const sess_session *s)
{
	return s->bpass > 0 || wire_buf_avail(&s->bout) >= SESS_HIGH_WATER ||
	       wire_buf_avail(&s->cout) >= SESS_HIGH_WATER;
}

/* Frame the client's input while it need not wait; false when the session must end. */
static bool process_client(sess_session *s)
{
	wire_buf *b = &s->cin;
	while (wire_buf_avail(b) >= 5 && !client_paused(s)) {
		const char *p = b->data + b->start;
		if (!client_header_ok(s, p))
			return false;
		uint32_t len = wire_get_uint32(p + 1);
		if (wire_buf_avail(b) < (size_t)len + 1)
			break;
		if (!sess_client_message(s, p[0], p, (size_t)len + 1))
			return false;
		wire_buf_consume(b, (size_t)len + 1);
	}
	return true;
}

/* Whether a backend message of this type may go to the client unread, as it arrives. */
static bool backend_unread(const sess_session *s, char type)
{
	return s->sc != NULL ? sesscache_backend_unread(s->sc, type) : type == 'D' || type == 'd';
}

/*
 * Frame the backend's output into cout; false when the backend stream is
 * broken.  A DataRow or CopyData longer than SESS_PASS_MIN is not framed
 * whole: its header goes through as a message of its own and its body to
 * the client as it arrives (bpass), so a long value costs no more memory
 * than a short one.  The client's input waits meanwhile (client_paused).
 */
static bool process_backend(sess_session *s)
{
	wire_buf *b = &s->bin;
	for (;;) {
		if (s->bpass > 0) {
			size_t k = wire_buf_avail(b) < s->bpass ? wire_buf_avail(b) : s->bpass;
			wire_buf_append(&s->cout, b->data + b->start, k);
			wire_buf_consume(b, k);
			s->bpass -= k;
			if (s->bpass > 0)
				break;
		}
		if (wire_buf_avail(b) < 5)
			break;
		const char *p = b->data + b->start;
		uint32_t len = wire_get_uint32(p + 1);
		if (len < 4 || len > WIRE_MAX_MESSAGE) {
			slog_error(s, "invalid message from the backend (type %d, length %u)", (unsigned char)p[0],
			           len);
			queue_error(s, "FATAL", "08P01", "lost synchronization with the backend", NULL);
			return false;
		}
		size_t n = (size_t)len + 1;
		if (wire_buf_avail(b) < n) {
			if (n <= SESS_PASS_MIN || !backend_unread(s, p[0]))
				break;
			s->bpass = n - 5;
			n = 5;
		}
		char ready = '\0';
		bool passed = true;
		if (s->sc != NULL) {
			passed = sesscache_backend(s->sc, p[0], p, n, &s->bout, &s->cout, &ready);
		} else {
			wire_buf_append(&s->cout, p, n);
			if (p[0] == 'Z' && len == 5) {
				ready = p[5];
				if (s->owed > 0)
					s->owed--;
			}
		}
		if (passed && p[0] == 'E')
			STATS_ADD(errors, 1);
		if (p[0] == 'G')
			s->copy_in = true;
		else if (p[0] == 'Z' || p[0] == 'E')
			s->copy_in = false;
		if (ready != '\0') {
			s->busy = false;
			set_state(s, ready == 'T' ? SESS_IDLE_TXN : ready == 'E' ? SESS_FAILED_TXN : SESS_IDLE);
		}
		wire_buf_consume(b, n);
	}
	return true;
}

/* Whether the backend still owes answers to what the client sent complete. */
static bool backend_owes(const sess_session *s)
{
	return s->sc != NULL ? sesscache_backend_owes(s->sc) : s->owed > 0;
}

/*
 * The client is gone: as PostgreSQL does for a client that goes, finish
 * what it sent (so that a write commits and its invalidation happens) but
 * no more.  A COPY from the client fails; extended messages without their
 * Sync are left to the backend, which rolls them back when the connection
 * closes.
 */
static void start_drain(sess_session *s)
{
	s->cout.start = s->cout.len = 0;
	s->closing = true;
	set_state(s, SESS_CLOSING);
	if (s->copy_in) {
		size_t m = wire_begin(&s->bout, 'f');
		wire_put_str(&s->bout, "the client of cbcached went away during COPY");
		wire_end(&s->bout, m);
		s->copy_in = false;
	}
}

/* Frame what the client sent, unless it must wait, and send the backend its share. */
static void client_input(sess_session *s)
{
	if (s->closing || wire_buf_avail(&s->cin) < 5)
		return;
	(void)process_client(s); /* false: Terminate (client_eof) or a protocol error (closing) */
	if (wire_buf_avail(&s->bout) > 0 && !s->backend_eof && !send_from(s->bfd, &s->bout)) {
		s->backend_eof = true;
		s->closing = true;
	}
}

/* Relay messages until one side ends. */
static void sess_relay(sess_session *s)
{
	bool draining = false;
	bool cancel_backend = false;
	long long closing_deadline = 0;
	for (;;) {
		if (s->cout.failed || s->bout.failed || s->cin.failed || s->bin.failed ||
		    (s->sc != NULL && sesscache_failed(s->sc))) {
			slog_error(s, "out of memory buffering messages; closing the session");
			break;
		}
		if (atomic_load(&forcing)) {
			cancel_backend = s->busy;
			break;
		}
		if (atomic_load(&shutting_down) && !s->busy && !s->closing) {
			queue_error(s, "FATAL", "57P01", "terminating connection due to administrator command",
			            "cbcached is shutting down.");
			s->closing = true;
			set_state(s, SESS_CLOSING);
		}
		if (s->client_eof) {
			if (!draining) {
				draining = true;
				start_drain(s);
			}
			s->cout.start = s->cout.len = 0; /* nobody reads it */
			if (s->backend_eof || !backend_owes(s))
				break;
		} else if ((s->closing || s->backend_eof) && wire_buf_avail(&s->cout) == 0) {
			break;
		}
		/* input that waited for buffers to drain (client_paused): the client may send nothing more */
		client_input(s);
		int timeout = -1;
		if (s->closing && !draining) {
			/* a client that does not read its last messages is not waited for long */
			if (closing_deadline == 0)
				closing_deadline = now_ms() + 5000;
			timeout = (int)(closing_deadline - now_ms());
			if (timeout <= 0)
				break;
		}

		/* a commit held for the change stream: the client gets nothing until it is applied */
		int hold_ms = s->sc != NULL ? sesscache_hold_poll(s->sc) : -1;
		bool held = hold_ms >= 0;
		if (held && (timeout < 0 || hold_ms < timeout))
			timeout = hold_ms;

		struct pollfd fds[3];
		fds[0].fd = draining ? -1 : s->cfd;
		fds[0].events = (short)((wire_buf_avail(&s->cout) > 0 && !held ? POLLOUT : 0) |
		                        (!s->closing && !client_paused(s) ? POLLIN : 0));
		fds[1].fd = s->backend_eof ? -1 : s->bfd;
		fds[1].events = (short)((wire_buf_avail(&s->bout) > 0 ? POLLOUT : 0) |
		                        (wire_buf_avail(&s->cout) < SESS_HIGH_WATER ? POLLIN : 0));
		fds[2].fd = held ? sesscache_hold_fd(s->sc) : -1;
		fds[2].events = POLLIN;
		fds[0].revents = fds[1].revents = fds[2].revents = 0;
		int r = sess_wait(s, fds, 3, timeout);
		if (r == -2)
			continue;
		if (r < 0) {
			slog_error(s, "poll failed: %s", strerror(errno));
			break;
		}
		short cev = fds[0].revents, bev = fds[1].revents;

		if (bev & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv_into(s->bfd, &s->bin);
			if (n == 0 || n == -1) {
				s->backend_eof = true;
				s->closing = true;
				slog_debug(s, "backend closed the connection");
			}
			if (!process_backend(s)) {
				s->backend_eof = true;
				s->closing = true;
			}
		}
		if ((bev & POLLOUT) && !s->backend_eof) {
			if (!send_from(s->bfd, &s->bout)) {
				s->backend_eof = true;
				s->closing = true;
			}
		}
		if (cev & POLLOUT) {
			if (!send_client(s)) {
				s->client_eof = true;
				continue;
			}
		}
		if ((cev & (POLLIN | POLLHUP | POLLERR)) && !s->closing) {
			ssize_t n = recv_into(s->cfd, &s->cin);
			if (n > 0) {
				STATS_ADD(bytes_in, n);
				atomic_fetch_add_explicit(&s->bytes_in, n, memory_order_relaxed);
			}
			if (n == 0 || n == -1) {
				s->client_eof = true;
				continue;
			}
		}
		client_input(s);
		/* try the client at once: the common case is one send per batch */
		if (!draining && wire_buf_avail(&s->cout) > 0 && !(cev & POLLOUT) &&
		    (s->sc == NULL || sesscache_hold_poll(s->sc) < 0) && !send_client(s))
			s->client_eof = true;
		/* a large message went through: an idle session keeps no large buffer */
		wire_buf_shrink(&s->cin, SESS_BUF_KEEP);
		wire_buf_shrink(&s->cout, SESS_BUF_KEEP);
		wire_buf_shrink(&s->bin, SESS_BUF_KEEP);
		wire_buf_shrink(&s->bout, SESS_BUF_KEEP);
	}
	if (s->sc != NULL)
		sesscache_hold_end(s->sc); /* fenced if not applied: the client may learn of the commit now */
	if (wire_buf_avail(&s->cout) > 0 && !s->client_eof)
		(void)flush_client(s, 1000);
	if (s->sc != NULL)
		sesscache_end(s->sc);
	if (cancel_backend && s->cancellable) {
		cb_error err;
		if (!be_cancel(&s->baddr, s->be_pid, s->be_key, &err))
			slog_warning(s, "cancelling the running statement failed: %s", err.msg);
	}
}

static void *sess_main(void *arg)
{
	sess_session *s = arg;
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	/* signals go to the main thread; SIGUSR1 only wakes ppoll (see sess_wait) */
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	pthread_sigmask(SIG_BLOCK, NULL, &s->wait_mask);
	sigdelset(&s->wait_mask, SIGUSR1);

	pthread_mutex_lock(&reg_lock);
	s->thread = pthread_self();
	s->next = reg_head;
	if (reg_head != NULL)
		reg_head->prev = s;
	reg_head = s;
	pthread_mutex_unlock(&reg_lock);

	if (!atomic_load(&shutting_down) && sess_login(s)) {
		sess_relay(s);
		STATS_ADD(sessions_active, -1);
		slog_debug(s, "session ended");
	}

	pthread_mutex_lock(&reg_lock);
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		reg_head = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	s->cancellable = false;
	pthread_mutex_unlock(&reg_lock);

	sesscache_free(s->sc);
	if (s->bfd >= 0) {
		/* Terminate, as a client that ends its session sends it */
		static const char terminate[5] = {'X', 0, 0, 0, 4};
		(void)send(s->bfd, terminate, sizeof(terminate), MSG_NOSIGNAL | MSG_DONTWAIT);
		close(s->bfd);
	}
	close(s->cfd);
	wire_buf_free(&s->cin);
	wire_buf_free(&s->cout);
	wire_buf_free(&s->bin);
	wire_buf_free(&s->bout);
	free(s);

	pthread_mutex_lock(&reg_lock);
	reg_count--;
	if (reg_count == 0)
		pthread_cond_broadcast(&reg_empty);
	pthread_mutex_unlock(&reg_lock);
	return NULL;
}

bool sess_start(int fd, bool is_tcp, const char *peer, bool reject, cb_error *err)
{
	sess_session *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		close(fd);
		return cb_fail(err, "out of memory for a new session");
	}
	s->id = atomic_fetch_add(&next_id, 1);
	s->cfd = fd;
	s->bfd = -1;
	s->is_tcp = is_tcp;
	s->reject = reject;
	s->started = time(NULL);
	snprintf(s->peer, sizeof(s->peer), "%s", peer);
	snprintf(s->prefix, sizeof(s->prefix), "S-%llu %s", (unsigned long long)s->id, peer);

	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, SESS_STACK_SIZE);
	pthread_mutex_lock(&reg_lock);
	reg_count++;
	pthread_mutex_unlock(&reg_lock);
	pthread_t t;
	int rc = pthread_create(&t, &attr, sess_main, s);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		pthread_mutex_lock(&reg_lock);
		reg_count--;
		if (reg_count == 0)
			pthread_cond_broadcast(&reg_empty);
		pthread_mutex_unlock(&reg_lock);
		close(fd);
		free(s);
		return cb_fail(err, "cannot start a session thread: %s; lower max_clients or raise the process limits",
		               strerror(rc));
	}
	return true;
}

void sess_shutdown(bool force)
{
	atomic_store(&shutting_down, true);
	if (force)
		atomic_store(&forcing, true);
	pthread_mutex_lock(&reg_lock);
	for (sess_session *s = reg_head; s != NULL; s = s->next)
		pthread_kill(s->thread, SIGUSR1);
	pthread_mutex_unlock(&reg_lock);
}

bool sess_wait_all(int timeout_ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&reg_lock);
	while (reg_count > 0) {
		if (pthread_cond_timedwait(&reg_empty, &reg_lock, &until) == ETIMEDOUT)
			break;
	}
	bool none = reg_count == 0;
	pthread_mutex_unlock(&reg_lock);
	return none;
}

void sess_foreach(void (*fn)(const sess_info *info, void *arg), void *arg)
{
	time_t now = time(NULL);
	pthread_mutex_lock(&reg_lock);
	for (sess_session *s = reg_head; s != NULL; s = s->next) {
		sess_info info;
		memset(&info, 0, sizeof(info));
		info.id = s->id;
		snprintf(info.user, sizeof(info.user), "%s", s->user);
		snprintf(info.database, sizeof(info.database), "%s", s->database);
		snprintf(info.client, sizeof(info.client), "%s", s->peer);
		int st = atomic_load_explicit(&s->state, memory_order_relaxed);
		info.state = state_names[st];
		info.backend_pid = s->backend_pid;
		info.connected_s = (long long)(now - s->started);
		info.statements = atomic_load_explicit(&s->statements, memory_order_relaxed);
		info.bytes_in = atomic_load_explicit(&s->bytes_in, memory_order_relaxed);
		info.bytes_out = atomic_load_explicit(&s->bytes_out, memory_order_relaxed);
		info.in_process = atomic_load_explicit(&s->in_process, memory_order_relaxed);
		fn(&info, arg);
	}
	pthread_mutex_unlock(&reg_lock);
}
