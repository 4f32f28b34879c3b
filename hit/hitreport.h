/*
 * hitreport.h - the hits another process answered from the cache file,
 * as one datagram to cbcached.
 *
 * Functions prefix: hitreport_
 *
 * A process answering from the cache file (the ODBC driver, odbc-driver/
 * inproc.h) tells cbcached what it answered, so that the hit counter keeps
 * the entries it reads from the garbage collector and SHOW STATS counts
 * them: it collects the entry-point values of its answers into a report
 * and sends it, without waiting, as one datagram to the socket
 * <cache_db>-hits (src/hitsock.h).  A report that does not arrive is
 * lost; nothing waits on it.
 *
 * The datagram: the magic "CBH1", the fingerprint of the groups the hits
 * were answered under (16 hex digits: entry numbers mean nothing under
 * other groups), the number of statements answered (4 bytes, big endian),
 * then items: a hit ('H', its group in 1 byte, entry point in 2, value
 * length in 1, the value) or a statement's answers ('P', its session's
 * standard_conforming_strings in 1 byte, text length in 2, count in 4, the
 * statement's text, so that SHOW QUERIES counts them under the statement's
 * shape, made there when cbcached never saw the statement), a fill to
 * queue ('F', laid out as a hit with the fill's number for the entry
 * point: a miss of a process that asks its own backend connection) or a
 * sync request ('S' alone: that process committed a write on its own
 * connection and waits for the change stream, src/replica.h
 * replica_request_sync) or a fence request ('X' alone: its wait ran out,
 * so nothing may be answered from the file until the stream caught up).  Numbers are big endian.  Library code: no I/O.
 */
#ifndef CB_HITREPORT_H
#define CB_HITREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HITREPORT_MAGIC "CBH1"
#define HITREPORT_HEADER 24     /* magic, fingerprint, statements */
#define HITREPORT_MAX 4096      /* bytes of one datagram */
#define HITREPORT_VALUE_MAX 120 /* longer values are not reported */
#define HITREPORT_SOCKET_SUFFIX "-hits"

typedef struct hitreport {
	unsigned char buf[HITREPORT_MAX];
	size_t len;        /* 0: not begun */
	uint32_t answered; /* statements answered */
	uint32_t dropped;  /* hits that did not fit (values too long) */
	size_t last_plan;  /* offset of the last 'P' item (its count grows while the same statement answers); 0: none */
} hitreport;

/* Begin an empty report for the groups of fingerprint (16 hex digits). */
void hitreport_begin(hitreport *r, const char *fingerprint);
/* Empty r after it was sent: the same fingerprint, no hits, no statements. */
void hitreport_clear(hitreport *r);
/* Whether r was begun for fingerprint. */
bool hitreport_for(const hitreport *r, const char *fingerprint);
/* Add a hit; false when it does not fit (send r, begin again, add again), or its value is too long (dropped). */
bool hitreport_add(hitreport *r, unsigned group, unsigned entry, const char *value);
/* Add a fill to queue (group, the fill's number, its value), as hitreport_add. */
bool hitreport_add_fill(hitreport *r, unsigned group, unsigned fill, const char *value);
/* Add a sync request; false when it does not fit (send r, begin again, add again). */
bool hitreport_add_sync(hitreport *r);
/* Add a fence request, as hitreport_add_sync. */
bool hitreport_add_fence(hitreport *r);
/*
 * One more answer of the statement text[0, len) (std: its session's
 * standard_conforming_strings): false when it does not fit (send r, begin
 * again, add again; a text longer than a report never fits).
 */
bool hitreport_add_plan(hitreport *r, const char *text, size_t len, bool std);
/* Whether r holds anything to send. */
bool hitreport_pending(const hitreport *r);
/* The datagram's length, its statement count written into it. */
size_t hitreport_finish(hitreport *r);

/* One item read back. */
typedef struct hitreport_hit {
	char kind;             /* 'H' a hit, 'P' a statement's answers, 'F' a fill to queue, 'S' a sync request */
	unsigned group, entry; /* 'F': entry is the fill's number */
	char value[HITREPORT_VALUE_MAX + 1];
	uint32_t count;   /* 'P' */
	bool std;         /* 'P': standard_conforming_strings */
	const char *text; /* 'P': in the datagram, text_len bytes */
	size_t text_len;
} hitreport_hit;

/*
 * Read a datagram's header: its fingerprint into fp and its statement
 * count; *pos is where its hits begin.  False when it is no report.
 */
bool hitreport_header(const void *buf, size_t n, char fp[17], uint32_t *answered, size_t *pos);
/* The next item at *pos: 1 read, 0 the end, -1 malformed (the rest is not read). */
int hitreport_next(const void *buf, size_t n, size_t *pos, hitreport_hit *out);

#endif /* CB_HITREPORT_H */
