/*
 * admin.c - the admin socket: a {words, handler} table and small handlers
 * that emit rows (see admin.h for the protocol).
 *
 * Functions prefix: adm_
 */
#include "src/admin.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "src/listener.h"
#include "src/log.h"
#include "src/pgproto.h"
#include "src/session.h"
#include "src/stats.h"

#define ADM_MAX_CONNS 16
#define ADM_MAX_LINE 4096

typedef struct adm_conn {
	int fd;
	pgp_buf in;
	adm_reply out;
	bool eof; /* close once the reply is sent */
} adm_conn;

struct adm_server {
	int lfd;
	char *path;
	adm_hooks hooks;
	adm_conn conns[ADM_MAX_CONNS];
	int nconns;
};

/* --- reply building -------------------------------------------------------- */

static void put_text(adm_reply *r, const char *s)
{
	pgp_buf_append(&r->buf, s, strlen(s));
}

static void put_value(adm_reply *r, const char *v)
{
	pgp_buf_append(&r->buf, "\t", 1);
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '\\')
			put_text(r, "\\\\");
		else if (*p == '\t')
			put_text(r, "\\t");
		else if (*p == '\n')
			put_text(r, "\\n");
		else
			pgp_buf_append(&r->buf, p, 1);
	}
}

/* COLUMNS line from a NULL-terminated list. */
static void put_columns(adm_reply *r, const char *const *cols)
{
	put_text(r, "COLUMNS");
	for (int i = 0; cols[i] != NULL; i++)
		put_value(r, cols[i]);
	put_text(r, "\n");
}

/* ROW line: n values. */
static void put_row(adm_reply *r, int n, ...)
{
	va_list ap;
	va_start(ap, n);
	put_text(r, "ROW");
	for (int i = 0; i < n; i++)
		put_value(r, va_arg(ap, const char *));
	va_end(ap);
	put_text(r, "\n");
}

static CB_PRINTF(3, 4) void put_status(adm_reply *r, bool ok, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	put_text(r, ok ? "OK" : "ERROR");
	if (msg[0] != '\0') {
		put_text(r, " ");
		put_text(r, msg);
	}
	put_text(r, "\n");
}

/* --- commands ---------------------------------------------------------------- */

static void stat_row(adm_reply *r, const char *name, long long v)
{
	char b[32];
	snprintf(b, sizeof(b), "%lld", v);
	put_row(r, 2, name, b);
}

static void cmd_show_stats(adm_server *a, adm_reply *r)
{
	(void)a;
	static const char *const cols[] = {"name", "value", NULL};
	put_columns(r, cols);
	stat_row(r, "sessions_active", STATS_GET(sessions_active));
	stat_row(r, "sessions_total", STATS_GET(sessions_total));
	stat_row(r, "connections", STATS_GET(connections));
	stat_row(r, "statements", STATS_GET(statements));
	stat_row(r, "bytes_in", STATS_GET(bytes_in));
	stat_row(r, "bytes_out", STATS_GET(bytes_out));
	stat_row(r, "errors", STATS_GET(errors));
	stat_row(r, "protocol_errors", STATS_GET(protocol_errors));
	stat_row(r, "auth_failures", STATS_GET(auth_failures));
	stat_row(r, "cancels", STATS_GET(cancels));
	stat_row(r, "refused", STATS_GET(refused));
	stat_row(r, "uptime_s", (long long)(time(NULL) - stats_started));
	put_status(r, true, "%s", "");
}

static void session_row(const sess_info *i, void *arg)
{
	adm_reply *r = arg;
	char id[24], pid[16], conn[24], st[24], bi[24], bo[24];
	snprintf(id, sizeof(id), "%llu", (unsigned long long)i->id);
	snprintf(pid, sizeof(pid), "%d", i->backend_pid);
	snprintf(conn, sizeof(conn), "%lld", i->connected_s);
	snprintf(st, sizeof(st), "%lld", i->statements);
	snprintf(bi, sizeof(bi), "%lld", i->bytes_in);
	snprintf(bo, sizeof(bo), "%lld", i->bytes_out);
	put_row(r, 10, id, i->user, i->database, i->client, i->state, pid, conn, st, bi, bo);
}

static void cmd_show_sessions(adm_server *a, adm_reply *r)
{
	(void)a;
	static const char *const cols[] = {"id",          "user",       "database", "client",    "state", "backend_pid",
	                                   "connected_s", "statements", "bytes_in", "bytes_out", NULL};
	put_columns(r, cols);
	sess_foreach(session_row, r);
	put_status(r, true, "%s", "");
}

static void cmd_show_config(adm_server *a, adm_reply *r)
{
	static const char *const cols[] = {"key", "value", "changes_on", NULL};
	put_columns(r, cols);
	const cfg_config *cfg = a->hooks.config();
	char v[4096];
	for (size_t i = 0; i < cfg_key_count(); i++)
		put_row(r, 3, cfg_key_name(i), cfg_key_value(cfg, i, v, sizeof(v)),
		        cfg_key_reloadable(i) ? "reload" : "restart");
	put_status(r, true, "%s", "");
}

static void cmd_reload(adm_server *a, adm_reply *r)
{
	cbd_error err;
	if (a->hooks.reload(&err))
		put_status(r, true, "reloaded %s", a->hooks.config()->path);
	else
		put_status(r, false, "reload failed, the old configuration stays: %s", err.msg);
}

static void cmd_shutdown(adm_server *a, adm_reply *r)
{
	put_status(r, true, "shutting down");
	a->hooks.shutdown();
}

typedef struct adm_command {
	const char *words; /* normalized: upper case, single spaces */
	void (*handler)(adm_server *a, adm_reply *r);
} adm_command;

static const adm_command adm_commands[] = {
        {"SHOW STATS", cmd_show_stats}, {"SHOW SESSIONS", cmd_show_sessions}, {"SHOW CONFIG", cmd_show_config},
        {"RELOAD", cmd_reload},         {"SHUTDOWN", cmd_shutdown},
};

void adm_execute(adm_server *a, const char *line, adm_reply *r)
{
	char norm[256];
	size_t n = 0;
	bool space = false;
	for (const char *p = line; *p != '\0' && n < sizeof(norm) - 1; p++) {
		if (isspace((unsigned char)*p)) {
			space = n > 0;
			continue;
		}
		if (space && n < sizeof(norm) - 1)
			norm[n++] = ' ';
		space = false;
		norm[n++] = (char)toupper((unsigned char)*p);
	}
	norm[n] = '\0';
	while (n > 0 && (norm[n - 1] == ';' || norm[n - 1] == ' '))
		norm[--n] = '\0';
	if (n == 0)
		return; /* empty line: no reply */
	for (size_t i = 0; i < CB_ARRAY_LEN(adm_commands); i++) {
		if (strcmp(norm, adm_commands[i].words) == 0) {
			log_debug("admin: %s", norm);
			adm_commands[i].handler(a, r);
			return;
		}
	}
	put_status(r, false,
	           "unknown command \"%s\": the commands are SHOW STATS, SHOW SESSIONS, SHOW CONFIG, RELOAD, "
	           "SHUTDOWN",
	           norm);
}

/* --- server ------------------------------------------------------------------- */

bool adm_open(const char *path, const adm_hooks *hooks, adm_server **out, cbd_error *err)
{
	adm_server *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return cbd_fail(err, "out of memory");
	a->path = strdup(path);
	a->hooks = *hooks;
	if (a->path == NULL || !lsn_unix(path, 0600, &a->lfd, err)) {
		if (a->path == NULL)
			cbd_fail(err, "out of memory");
		free(a->path);
		free(a);
		return false;
	}
	*out = a;
	return true;
}

static void conn_close(adm_server *a, int i)
{
	adm_conn *c = &a->conns[i];
	close(c->fd);
	pgp_buf_free(&c->in);
	pgp_buf_free(&c->out.buf);
	a->conns[i] = a->conns[a->nconns - 1];
	memset(&a->conns[a->nconns - 1], 0, sizeof(adm_conn));
	a->nconns--;
}

void adm_close(adm_server *a)
{
	if (a == NULL)
		return;
	while (a->nconns > 0)
		conn_close(a, a->nconns - 1);
	close(a->lfd);
	unlink(a->path);
	free(a->path);
	free(a);
}

int adm_pollfds(adm_server *a, struct pollfd *fds, int max)
{
	int n = 0;
	if (n < max) {
		fds[n].fd = a->nconns < ADM_MAX_CONNS ? a->lfd : -1;
		fds[n].events = POLLIN;
		fds[n++].revents = 0;
	}
	for (int i = 0; i < a->nconns && n < max; i++) {
		adm_conn *c = &a->conns[i];
		fds[n].fd = c->fd;
		fds[n].events = (short)((pgp_buf_avail(&c->out.buf) > 0 ? POLLOUT : 0) | (c->eof ? 0 : POLLIN));
		fds[n++].revents = 0;
	}
	return n;
}

/* Run every complete line in c->in. */
static void conn_lines(adm_server *a, adm_conn *c)
{
	for (;;) {
		char *start = c->in.data + c->in.start;
		char *nl = memchr(start, '\n', pgp_buf_avail(&c->in));
		if (nl == NULL)
			break;
		*nl = '\0';
		if (nl > start && nl[-1] == '\r')
			nl[-1] = '\0';
		adm_execute(a, start, &c->out);
		pgp_buf_consume(&c->in, (size_t)(nl - start) + 1);
	}
	if (pgp_buf_avail(&c->in) > ADM_MAX_LINE) {
		put_status(&c->out, false, "command line longer than %d bytes", ADM_MAX_LINE);
		c->eof = true;
	}
}

void adm_serve(adm_server *a, const struct pollfd *fds, int n)
{
	if (n < 1)
		return;
	/* connections first: their indexes match fds[1..] until one closes */
	for (int k = n - 1; k >= 1; k--) {
		int i = k - 1;
		if (i >= a->nconns || fds[k].fd != a->conns[i].fd)
			continue;
		adm_conn *c = &a->conns[i];
		bool drop = false;
		if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (!pgp_buf_reserve(&c->in, 4096)) {
				drop = true;
			} else {
				ssize_t r = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
				if (r > 0) {
					c->in.len += (size_t)r;
					conn_lines(a, c);
				} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
					c->eof = true;
				}
			}
		}
		while (!drop && pgp_buf_avail(&c->out.buf) > 0) {
			ssize_t w = send(c->fd, c->out.buf.data + c->out.buf.start, pgp_buf_avail(&c->out.buf),
			                 MSG_NOSIGNAL);
			if (w < 0) {
				drop = errno != EAGAIN && errno != EINTR;
				break;
			}
			pgp_buf_consume(&c->out.buf, (size_t)w);
		}
		if (c->out.buf.failed || c->in.failed)
			drop = true;
		if (drop || (c->eof && pgp_buf_avail(&c->out.buf) == 0))
			conn_close(a, i);
	}
	if ((fds[0].revents & POLLIN) && a->nconns < ADM_MAX_CONNS) {
		char peer[64];
		int fd = lsn_accept(a->lfd, peer, sizeof(peer));
		if (fd >= 0) {
			memset(&a->conns[a->nconns], 0, sizeof(adm_conn));
			a->conns[a->nconns].fd = fd;
			a->nconns++;
		}
	}
}
