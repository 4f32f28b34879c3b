/*
 * backend.c - the backend connections of client sessions (see backend.h).
 *
 * Functions prefix: be_
 */
#include "src/backend.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/clock.h"
#include "hit/wire.h"

#define BE_MAX_HOSTS 16

typedef struct be_host {
	char host[256]; /* a name, an address, or a directory of UNIX sockets (starts with '/') */
	char port[16];
} be_host;

struct be_target {
	be_host hosts[BE_MAX_HOSTS];
	int nhosts;
	int connect_timeout_ms; /* per host; 0: none */
};

/* The idx-th comma-separated item of list (the last one when there are fewer), into out. */
static void list_item(const char *list, int idx, char *out, size_t cap)
{
	const char *p = list;
	for (int i = 0; i < idx; i++) {
		const char *c = strchr(p, ',');
		if (c == NULL)
			break;
		p = c + 1;
	}
	size_t n = strcspn(p, ",");
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static int count_items(const char *list)
{
	int n = 1;
	for (const char *p = list; *p != '\0'; p++)
		n += *p == ',';
	return n;
}

/* connect_timeout as libpq's parse_int_param reads it: an int, surrounding blanks allowed. */
static bool parse_timeout(const char *v, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (end == v || errno != 0 || n < INT_MIN || n > INT_MAX)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0')
		return false;
	*out = n;
	return true;
}

be_target *be_target_parse(const char *conninfo, cb_error *err)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
	if (opts == NULL) {
		cb_fail(err, "the backend connection string is invalid: %s; fix backend in cbcache.conf",
		        perr != NULL ? perr : "out of memory");
		PQfreemem(perr);
		return NULL;
	}
	const char *host = NULL, *hostaddr = NULL, *port = NULL, *timeout = NULL, *sslmode = NULL;
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			hostaddr = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "connect_timeout") == 0)
			timeout = o->val;
		else if (strcmp(o->keyword, "sslmode") == 0)
			sslmode = o->val;
	}
	be_target *t = NULL;
	long tmo_s = 0;
	if (timeout != NULL && !parse_timeout(timeout, &tmo_s)) {
		cb_fail(err,
		        "invalid integer value \"%s\" for connection option \"connect_timeout\" in the backend "
		        "connection string; fix backend in cbcache.conf (whole seconds, as libpq takes them)",
		        timeout);
	} else if (sslmode != NULL && (strcmp(sslmode, "require") == 0 || strcmp(sslmode, "verify-ca") == 0 ||
	                               strcmp(sslmode, "verify-full") == 0)) {
		cb_fail(err,
		        "sslmode=%s in the backend connection string: cbcached does not encrypt its sessions' "
		        "connections to the backend; connect it over a UNIX socket or a trusted network and remove "
		        "sslmode (or set sslmode=disable)",
		        sslmode);
	} else if ((t = calloc(1, sizeof(*t))) == NULL) {
		cb_fail(err, "out of memory");
	} else {
		/* the hosts: hostaddr wins over host for the address, as in libpq; default a UNIX socket */
		const char *list = hostaddr != NULL ? hostaddr : host != NULL ? host : "/var/run/postgresql";
		t->nhosts = count_items(list);
		if (t->nhosts > BE_MAX_HOSTS)
			t->nhosts = BE_MAX_HOSTS;
		for (int i = 0; i < t->nhosts; i++) {
			list_item(list, i, t->hosts[i].host, sizeof(t->hosts[i].host));
			if (t->hosts[i].host[0] == '\0')
				snprintf(t->hosts[i].host, sizeof(t->hosts[i].host), "/var/run/postgresql");
			list_item(port != NULL ? port : "5432", i, t->hosts[i].port, sizeof(t->hosts[i].port));
			if (t->hosts[i].port[0] == '\0')
				snprintf(t->hosts[i].port, sizeof(t->hosts[i].port), "5432");
		}
		/* libpq's minimum is 2 s; past INT_MAX ms (24 days) the wait is as good as unbounded */
		if (tmo_s > 0)
			t->connect_timeout_ms = tmo_s < 2 ? 2000 : tmo_s > INT_MAX / 1000 ? INT_MAX : (int)tmo_s * 1000;
	}
	PQconninfoFree(opts);
	return t;
}

void be_target_free(be_target *t)
{
	free(t);
}

/* Wait for fd to connect within timeout_ms (<= 0: no limit); 0 or an errno. */
static int wait_connected(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int64_t deadline = cb_clock_mono_us() + (int64_t)timeout_ms * 1000;
	for (;;) {
		int left = timeout_ms > 0 ? (int)((deadline - cb_clock_mono_us()) / 1000) : -1;
		if (timeout_ms > 0 && left <= 0)
			return ETIMEDOUT;
		int r = poll(&p, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		if (r == 0)
			return ETIMEDOUT;
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
			return errno;
		return soerr;
	}
}

/* Connect a non-blocking socket to sa; the socket or -1 with errno's cause in *cause. */
static int connect_to(const struct sockaddr *sa, socklen_t len, int timeout_ms, int *cause)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*cause = errno;
		return -1;
	}
	if (sa->sa_family != AF_UNIX) {
		int one = 1;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	}
	int rc = connect(fd, sa, len);
	int e = rc == 0 ? 0 : errno;
	if (e == EINPROGRESS || e == EAGAIN)
		e = wait_connected(fd, timeout_ms);
	if (e != 0) {
		close(fd);
		*cause = e;
		return -1;
	}
	return fd;
}

int be_open(const be_target *t, be_addr *addr, cb_error *err)
{
	char tried[1024] = "";
	size_t used = 0;
	bool fds_short = false; /* a socket could not be made: this process is out of descriptors */
	for (int i = 0; i < t->nhosts; i++) {
		const be_host *h = &t->hosts[i];
		int cause = 0, fd = -1;
		if (h->host[0] == '/' || h->host[0] == '@') {
			struct sockaddr_un un;
			memset(&un, 0, sizeof(un));
			un.sun_family = AF_UNIX;
			int n = snprintf(un.sun_path, sizeof(un.sun_path), "%s/.s.PGSQL.%s", h->host, h->port);
			if (n < 0 || (size_t)n >= sizeof(un.sun_path)) {
				cause = ENAMETOOLONG;
			} else {
				if (h->host[0] == '@') /* the abstract namespace, as libpq reads it */
					un.sun_path[0] = '\0';
				fd = connect_to((struct sockaddr *)&un, (socklen_t)sizeof(un), t->connect_timeout_ms,
				                &cause);
				if (fd >= 0) {
					memcpy(&addr->sa, &un, sizeof(un));
					addr->len = (socklen_t)sizeof(un);
				}
			}
			if (fd < 0)
				used += (size_t)snprintf(tried + used, used < sizeof(tried) ? sizeof(tried) - used : 0,
				                         "%s%s/.s.PGSQL.%s: %s", used ? "; " : "", h->host, h->port,
				                         strerror(cause));
		} else {
			struct addrinfo hints, *res = NULL;
			memset(&hints, 0, sizeof(hints));
			hints.ai_family = AF_UNSPEC;
			hints.ai_socktype = SOCK_STREAM;
			int gai = getaddrinfo(h->host, h->port, &hints, &res);
			if (gai != 0) {
				used += (size_t)snprintf(tried + used, used < sizeof(tried) ? sizeof(tried) - used : 0,
				                         "%s%s: %s", used ? "; " : "", h->host, gai_strerror(gai));
				continue;
			}
			for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
				fd = connect_to(a->ai_addr, a->ai_addrlen, t->connect_timeout_ms, &cause);
				if (fd >= 0) {
					memcpy(&addr->sa, a->ai_addr, a->ai_addrlen);
					addr->len = a->ai_addrlen;
				}
			}
			freeaddrinfo(res);
			if (fd < 0)
				used += (size_t)snprintf(tried + used, used < sizeof(tried) ? sizeof(tried) - used : 0,
				                         "%s%s port %s: %s", used ? "; " : "", h->host, h->port,
				                         strerror(cause));
		}
		if (fd >= 0)
			return fd;
		if (cause == EMFILE || cause == ENFILE)
			fds_short = true;
	}
	if (fds_short) {
		cb_fail(err,
		        "cbcached is out of file descriptors opening a backend connection (%s); raise the open files "
		        "limit (ulimit -n, LimitNOFILE) or lower max_clients",
		        tried);
		errno = EMFILE;
		return -1;
	}
	cb_fail(err, "cbcached cannot reach its backend (%s); check backend in cbcache.conf and that PostgreSQL runs",
	        tried);
	errno = 0;
	return -1;
}

bool be_cancel(const be_addr *addr, int32_t pid, int32_t key, cb_error *err)
{
	int cause = 0;
	int fd = connect_to((const struct sockaddr *)&addr->sa, addr->len, 5000, &cause);
	if (fd < 0)
		return cb_fail(err, "cannot connect to the backend to cancel: %s", strerror(cause));
	unsigned char pkt[16];
	uint32_t v[4] = {16, WIRE_CANCEL_CODE, (uint32_t)pid, (uint32_t)key};
	for (int i = 0; i < 4; i++) {
		pkt[i * 4] = (unsigned char)(v[i] >> 24);
		pkt[i * 4 + 1] = (unsigned char)(v[i] >> 16);
		pkt[i * 4 + 2] = (unsigned char)(v[i] >> 8);
		pkt[i * 4 + 3] = (unsigned char)v[i];
	}
	size_t sent = 0;
	int64_t deadline = cb_clock_mono_us() + 5000000;
	while (sent < sizeof(pkt)) {
		ssize_t n = send(fd, pkt + sent, sizeof(pkt) - sent, MSG_NOSIGNAL);
		if (n > 0) {
			sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && cb_clock_mono_us() < deadline) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			(void)poll(&p, 1, 100);
			continue;
		}
		int e = errno;
		close(fd);
		return cb_fail(err, "cannot send the cancel request to the backend: %s", strerror(e));
	}
	/* the backend closes the connection when it has read the request (as libpq waits for) */
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char b;
	while (poll(&p, 1, 5000) > 0 && recv(fd, &b, 1, 0) > 0)
		;
	close(fd);
	return true;
}
