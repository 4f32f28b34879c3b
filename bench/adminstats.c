/*
 * adminstats.c - the counters of a running cbcached, read from its admin
 * socket (SHOW STATS), and the hit ratio between two readings.
 *
 * Functions prefix: astats_
 */
#include "bench/adminstats.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define ASTATS_REPLY_MAX 65536

static long long astats_ms_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Send the command and read the reply until the daemon closes; NUL-terminated in buf. */
static bool astats_exchange(const char *path, int timeout_ms, char *buf, size_t bufsz, char *err, size_t errsz)
{
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errsz, "admin socket path %s is longer than %zu bytes: use a shorter admin_socket path",
		         path, sizeof(sun.sun_path) - 1);
		return false;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		snprintf(err, errsz,
		         "cannot connect to the admin socket %s: %s; is cbcached running with this admin_socket?", path,
		         strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	static const char cmd[] = "SHOW STATS\n";
	if (send(fd, cmd, sizeof(cmd) - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof(cmd) - 1)) {
		snprintf(err, errsz, "cannot send to the admin socket %s: %s", path, strerror(errno));
		close(fd);
		return false;
	}
	shutdown(fd, SHUT_WR);
	size_t n = 0;
	long long deadline = astats_ms_now() + timeout_ms;
	for (;;) {
		long long left = deadline - astats_ms_now();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int pr = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			snprintf(err, errsz,
			         "no complete reply from the admin socket %s within %d ms: is cbcached stuck?", path,
			         timeout_ms);
			close(fd);
			return false;
		}
		ssize_t r = recv(fd, buf + n, bufsz - n - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errsz, "reading from the admin socket %s failed: %s", path, strerror(errno));
			close(fd);
			return false;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n + 1 >= bufsz) {
			snprintf(err, errsz, "the SHOW STATS reply from %s is longer than %zu bytes", path, bufsz - 1);
			close(fd);
			return false;
		}
	}
	close(fd);
	buf[n] = '\0';
	return true;
}

bool astats_read(const char *path, int timeout_ms, astats *out, char *err, size_t errsz)
{
	char *buf = malloc(ASTATS_REPLY_MAX);
	if (buf == NULL) {
		snprintf(err, errsz, "out of memory for the SHOW STATS reply");
		return false;
	}
	memset(out, 0, sizeof(*out));
	bool ok = astats_exchange(path, timeout_ms, buf, ASTATS_REPLY_MAX, err, errsz);
	bool done = false;
	char *save = NULL;
	for (char *line = ok ? strtok_r(buf, "\n", &save) : NULL; line != NULL && !done;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "ROW\t", 4) == 0) {
			char *name = line + 4, *tab = strchr(name, '\t'), *end;
			if (tab == NULL)
				continue;
			*tab = '\0';
			errno = 0;
			long long v = strtoll(tab + 1, &end, 10);
			/* counters only: rows that are not integers are skipped */
			if (errno != 0 || end == tab + 1 || *end != '\0' || strlen(name) >= ASTATS_MAX_NAME ||
			    out->n == ASTATS_MAX_ROWS)
				continue;
			memcpy(out->names[out->n], name, strlen(name) + 1);
			out->values[out->n++] = v;
		} else if (strncmp(line, "OK", 2) == 0) {
			done = true;
		} else if (strncmp(line, "ERROR", 5) == 0) {
			snprintf(err, errsz, "cbcached answered SHOW STATS with %s", line);
			ok = false;
		}
	}
	if (ok && !done) {
		snprintf(err, errsz,
		         "incomplete SHOW STATS reply from %s (no OK line): is this a cbcached admin socket?", path);
		ok = false;
	}
	free(buf);
	return ok;
}

bool astats_get(const astats *s, const char *name, long long *value)
{
	for (int i = 0; i < s->n; i++) {
		if (strcmp(s->names[i], name) == 0) {
			*value = s->values[i];
			return true;
		}
	}
	return false;
}

void astats_hits(const astats *a, const astats *b, report_hits *out)
{
	static const char *const rows[3] = {"queries_cache_hits", "queries_cache_misses", "queries_backend"};
	long long d[3];
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < 3; i++) {
		long long x, y;
		if (!astats_get(a, rows[i], &x) || !astats_get(b, rows[i], &y)) {
			snprintf(out->why, sizeof(out->why), "cbcached has no %s row in SHOW STATS", rows[i]);
			return;
		}
		d[i] = y - x;
	}
	out->counted = true;
	out->hits = d[0];
	out->misses = d[1];
	out->backend = d[2];
	long long total = d[0] + d[1] + d[2];
	if (total <= 0) {
		snprintf(out->why, sizeof(out->why), "cbcached counted no queries in this interval");
		return;
	}
	out->available = true;
	out->ratio = (double)d[0] / (double)total;
}

void astats_deltas(const astats *a, const astats *b, report_admin *out)
{
	out->n_deltas = 0;
	for (int i = 0; i < b->n && out->n_deltas < REPORT_MAX_DELTAS; i++) {
		long long x;
		if (!astats_get(a, b->names[i], &x))
			continue;
		memcpy(out->delta_names[out->n_deltas], b->names[i], sizeof(out->delta_names[0]));
		out->deltas[out->n_deltas++] = b->values[i] - x;
	}
}
