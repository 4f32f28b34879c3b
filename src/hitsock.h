/*
 * hitsock.h - where processes answering from the cache file report their
 * hits (hit/hitreport.h): the datagram socket <cache_db>-hits.
 *
 * Functions prefix: hitsock_
 *
 * A thread of its own reads the datagrams and hands each hit to the hit
 * counter (so the garbage collector sees entries read only in other
 * processes as used), each report's statement count to SHOW STATS, each
 * fill to the fill daemon and each sync and fence request to the change
 * stream.  A
 * report made under other groups (its fingerprint), or malformed, is
 * counted and dropped.  The socket is made mode 0660 with the cache
 * file's group (cache_file_group), like the cache file: whoever may read
 * the file may report.  Nothing waits on a report: a full socket buffer
 * drops them on the sender's side.
 */
#ifndef CBD_HITSOCK_H
#define CBD_HITSOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/contract.h"
#include "common/error.h"

typedef struct hitsock_settings {
	const char *cache_path; /* the socket is cache_path + HITREPORT_SOCKET_SUFFIX */
	bool gid_set;
	unsigned gid;
	const char *fingerprint; /* the groups' (cg_gen_fingerprint) */
	size_t ngroups;
	const size_t *nentries; /* entry points per group */
	void (*on_hit)(void *arg, size_t group, size_t entry, const char *value);
	void (*on_answered)(void *arg, uint32_t statements);
	/* a statement's answers (text[0, len), std its standard_conforming_strings) */
	void (*on_plan)(void *arg, const char *text, size_t len, bool std, uint32_t answers);
	const size_t *nfills; /* fills per group */
	/* a miss of a process asking its own backend connection: a fill to queue */
	void (*on_fill)(void *arg, size_t group, size_t fill, const char *value);
	/* a process committed a write on its own backend connection: a sync is wanted (replica_request_sync) */
	void (*on_sync)(void *arg);
	/* its wait for a sync ran out: fence everything until the stream caught up (replica_fence_all) */
	void (*on_fence)(void *arg);
	void *arg;
} hitsock_settings;

typedef struct hitsock_stats {
	_Atomic uint64_t reports;  /* datagrams taken */
	_Atomic uint64_t hits;     /* hits handed on */
	_Atomic uint64_t fills;    /* fills handed on */
	_Atomic uint64_t syncs;    /* sync requests handed on */
	_Atomic uint64_t fences;   /* fence requests handed on */
	_Atomic uint64_t rejected; /* datagrams dropped: malformed, or made under other groups */
} hitsock_stats;

typedef struct hitsock hitsock;

/* Bind the socket and start the thread; NULL with err (the caller logs it: in-process hits then go unreported). */
CB_MUSTCHECK hitsock *hitsock_start(const hitsock_settings *s, cb_error *err);
/* Stop the thread, close the socket and remove its path (unless another cache bound it since). */
void hitsock_stop(hitsock *h);
const hitsock_stats *hitsock_get_stats(const hitsock *h);

#endif /* CBD_HITSOCK_H */
