/*
 * hitsock.c - the hits other processes report (see hitsock.h).
 *
 * Functions prefix: hitsock_
 */
#include "src/hitsock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "hit/hitreport.h"

struct hitsock {
	hitsock_settings s;
	char fingerprint[17];
	size_t *nentries;
	size_t *nfills;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd, wake;
	dev_t dev;
	ino_t ino;
	pthread_t thread;
	bool started;
	hitsock_stats stats;
};

/* One datagram: every hit to on_hit, or none when it is no report of these groups. */
static void take(hitsock *h, const unsigned char *buf, size_t n)
{
	char fp[17];
	uint32_t answered;
	size_t pos;
	if (!hitreport_header(buf, n, fp, &answered, &pos) || strcmp(fp, h->fingerprint) != 0) {
		atomic_fetch_add(&h->stats.rejected, 1);
		return;
	}
	/* validate the whole datagram before anything is counted */
	size_t p = pos;
	hitreport_hit hit;
	int rc;
	while ((rc = hitreport_next(buf, n, &p, &hit)) == 1)
		if ((hit.kind == 'H' && (hit.group >= h->s.ngroups || hit.entry >= h->nentries[hit.group])) ||
		    (hit.kind == 'F' && (hit.group >= h->s.ngroups || hit.entry >= h->nfills[hit.group]))) {
			rc = -1;
			break;
		}
	if (rc < 0) {
		atomic_fetch_add(&h->stats.rejected, 1);
		return;
	}
	atomic_fetch_add(&h->stats.reports, 1);
	if (answered > 0 && h->s.on_answered != NULL)
		h->s.on_answered(h->s.arg, answered);
	while (hitreport_next(buf, n, &pos, &hit) == 1) {
		if (hit.kind == 'P') {
			if (h->s.on_plan != NULL)
				h->s.on_plan(h->s.arg, hit.text, hit.text_len, hit.std, hit.count);
			continue;
		}
		if (hit.kind == 'F') {
			atomic_fetch_add(&h->stats.fills, 1);
			if (h->s.on_fill != NULL)
				h->s.on_fill(h->s.arg, hit.group, hit.entry, hit.value);
			continue;
		}
		if (hit.kind == 'S') {
			atomic_fetch_add(&h->stats.syncs, 1);
			if (h->s.on_sync != NULL)
				h->s.on_sync(h->s.arg);
			continue;
		}
		if (hit.kind == 'X') {
			atomic_fetch_add(&h->stats.fences, 1);
			if (h->s.on_fence != NULL)
				h->s.on_fence(h->s.arg);
			continue;
		}
		atomic_fetch_add(&h->stats.hits, 1);
		if (h->s.on_hit != NULL)
			h->s.on_hit(h->s.arg, hit.group, hit.entry, hit.value);
	}
}

static void *hitsock_main(void *arg)
{
	hitsock *h = arg;
	unsigned char buf[HITREPORT_MAX + 1];
	for (;;) {
		struct pollfd pf[2] = {{.fd = h->fd, .events = POLLIN}, {.fd = h->wake, .events = POLLIN}};
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("cache: waiting for in-process hit reports failed: %s; they are no longer counted",
			          strerror(errno));
			return NULL;
		}
		if (pf[1].revents != 0)
			return NULL;
		for (int i = 0; i < 64; i++) {
			ssize_t n = recv(h->fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n < 0)
				break;
			if ((size_t)n > HITREPORT_MAX) /* cut off: not a report of ours */
				atomic_fetch_add(&h->stats.rejected, 1);
			else
				take(h, buf, (size_t)n);
		}
	}
}

hitsock *hitsock_start(const hitsock_settings *s, cb_error *err)
{
	hitsock *h = calloc(1, sizeof(*h));
	if (h == NULL) {
		cb_error_set(err, "out of memory");
		return NULL;
	}
	h->s = *s;
	h->fd = h->wake = -1;
	snprintf(h->fingerprint, sizeof(h->fingerprint), "%s", s->fingerprint);
	if ((h->nentries = calloc(s->ngroups ? s->ngroups : 1, sizeof(size_t))) == NULL) {
		cb_error_set(err, "out of memory");
		goto fail;
	}
	memcpy(h->nentries, s->nentries, s->ngroups * sizeof(size_t));
	h->s.nentries = h->nentries;
	if ((h->nfills = calloc(s->ngroups ? s->ngroups : 1, sizeof(size_t))) == NULL) {
		cb_error_set(err, "out of memory");
		goto fail;
	}
	if (s->nfills != NULL)
		memcpy(h->nfills, s->nfills, s->ngroups * sizeof(size_t));
	h->s.nfills = h->nfills;
	int pl = snprintf(h->path, sizeof(h->path), "%s%s", s->cache_path, HITREPORT_SOCKET_SUFFIX);
	if (pl < 0 || (size_t)pl >= sizeof(h->path)) {
		cb_error_set(err,
		             "the path of the socket for in-process hit reports (%s%s) is longer than a UNIX socket "
		             "path may be (%zu bytes); give cache_db a shorter path",
		             s->cache_path, HITREPORT_SOCKET_SUFFIX, sizeof(h->path) - 1);
		goto fail;
	}
	if ((h->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    (h->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		cb_error_set(err, "cannot create the socket for in-process hit reports: %s", strerror(errno));
		goto fail;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, h->path, (size_t)pl + 1);
	(void)unlink(h->path); /* a socket left by a cbcached that did not stop cleanly */
	if (bind(h->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		cb_error_set(err, "cannot bind the socket for in-process hit reports %s: %s", h->path, strerror(errno));
		goto fail;
	}
	int rcvbuf = 1 << 20;
	(void)setsockopt(h->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	struct stat st;
	if (chmod(h->path, 0660) != 0 || (s->gid_set && chown(h->path, (uid_t)-1, (gid_t)s->gid) != 0) ||
	    stat(h->path, &st) != 0) {
		cb_error_set(err, "cannot set the mode of %s: %s", h->path, strerror(errno));
		unlink(h->path);
		goto fail;
	}
	h->dev = st.st_dev;
	h->ino = st.st_ino;
	int rc = pthread_create(&h->thread, NULL, hitsock_main, h);
	if (rc != 0) {
		cb_error_set(err, "cannot start the thread for in-process hit reports: %s", strerror(rc));
		unlink(h->path);
		goto fail;
	}
	h->started = true;
	return h;
fail:
	if (h->fd >= 0)
		close(h->fd);
	if (h->wake >= 0)
		close(h->wake);
	free(h->nentries);
	free(h->nfills);
	free(h);
	return NULL;
}

void hitsock_stop(hitsock *h)
{
	if (h == NULL)
		return;
	if (h->started) {
		uint64_t one = 1;
		ssize_t w = write(h->wake, &one, sizeof(one));
		(void)w;
		pthread_join(h->thread, NULL);
	}
	struct stat st;
	if (stat(h->path, &st) == 0 && st.st_dev == h->dev && st.st_ino == h->ino)
		unlink(h->path);
	close(h->fd);
	close(h->wake);
	free(h->nentries);
	free(h->nfills);
	free(h);
}

const hitsock_stats *hitsock_get_stats(const hitsock *h)
{
	return &h->stats;
}
