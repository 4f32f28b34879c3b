/*
 * xidwatch.c - applied transactions a new backend snapshot might not show
 * yet (see xidwatch.h).
 *
 * Functions prefix: xidwatch_
 */
#include "cache/xidwatch.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "common/array.h"

struct xidwatch {
	pthread_mutex_t mu;
	uint32_t *xids; /* under mu */
	size_t n, cap;  /* under mu */
	/* n, also readable without mu: every fill asks, and nearly always nothing is noted */
	_Atomic size_t pending;
};

/* a before b, modulo 2^32 (PostgreSQL's TransactionIdPrecedes for normal xids) */
static bool precedes(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

xidwatch *xidwatch_new(void)
{
	xidwatch *w = calloc(1, sizeof(*w));
	if (w != NULL)
		pthread_mutex_init(&w->mu, NULL);
	return w;
}

void xidwatch_free(xidwatch *w)
{
	if (w == NULL)
		return;
	pthread_mutex_destroy(&w->mu);
	free(w->xids);
	free(w);
}

bool xidwatch_note(xidwatch *w, uint32_t xid)
{
	pthread_mutex_lock(&w->mu);
	bool ok = CB_ARRAY_GROW(w->xids, w->cap, w->n + 1);
	if (ok) {
		w->xids[w->n++] = xid;
		atomic_store(&w->pending, w->n);
	}
	pthread_mutex_unlock(&w->mu);
	return ok;
}

size_t xidwatch_pending(xidwatch *w)
{
	return atomic_load(&w->pending);
}

/* One decimal xid8 at *p, reduced to 32 bits; *p moves past it.  False when there is none. */
static bool read_xid(const char **p, uint32_t *out)
{
	char *end;
	errno = 0;
	if (**p < '0' || **p > '9')
		return false;
	unsigned long long v = strtoull(*p, &end, 10);
	if (errno != 0)
		return false;
	*out = (uint32_t)v;
	*p = end;
	return true;
}

/* The snapshot's parts: xmin, xmax, and its running xids (up to cap of them, *nxip how many there are). */
static bool read_snapshot(const char *s, uint32_t *xmin, uint32_t *xmax, uint32_t *xip, size_t cap, size_t *nxip)
{
	const char *p = s;
	*nxip = 0;
	if (!read_xid(&p, xmin) || *p++ != ':' || !read_xid(&p, xmax) || *p++ != ':')
		return false;
	if (*p == '\0')
		return true;
	for (;;) {
		uint32_t x;
		if (!read_xid(&p, &x))
			return false;
		if (*nxip < cap)
			xip[*nxip] = x;
		(*nxip)++;
		if (*p == '\0')
			return true;
		if (*p++ != ',')
			return false;
	}
}

/* Whether committed transaction x is visible in the snapshot. */
static bool shows(uint32_t x, uint32_t xmin, uint32_t xmax, const uint32_t *xip, size_t nxip)
{
	if (precedes(x, xmin))
		return true;
	if (!precedes(x, xmax))
		return false;
	for (size_t i = 0; i < nxip; i++)
		if (xip[i] == x)
			return false;
	return true;
}

bool xidwatch_check(xidwatch *w, const char *snapshot, uint32_t *hidden, cb_error *err)
{
	*hidden = 0;
	uint32_t xmin, xmax, few[64];
	size_t nxip;
	if (!read_snapshot(snapshot, &xmin, &xmax, few, 64, &nxip))
		return cb_fail(err, "internal error: cannot read the backend's snapshot \"%.80s\"", snapshot);
	uint32_t *xip = few;
	if (nxip > 64) { /* many transactions running: read them all */
		if ((xip = malloc(nxip * sizeof(*xip))) == NULL)
			return cb_fail(err, "out of memory for a snapshot of %zu running transactions", nxip);
		(void)read_snapshot(snapshot, &xmin, &xmax, xip, nxip, &nxip);
	}
	pthread_mutex_lock(&w->mu);
	size_t k = 0;
	for (size_t i = 0; i < w->n; i++)
		if (!shows(w->xids[i], xmin, xmax, xip, nxip))
			w->xids[k++] = w->xids[i];
	w->n = k;
	atomic_store(&w->pending, k);
	if (k > 0)
		*hidden = w->xids[0];
	pthread_mutex_unlock(&w->mu);
	if (xip != few)
		free(xip);
	return k == 0;
}
