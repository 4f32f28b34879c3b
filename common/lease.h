/*
 * lease.h - a lease between the processes of one machine: "valid until
 * this moment of this boot's monotonic clock", stored as text.
 *
 * Functions prefix: cb_lease_
 *
 * DESIGN
 *
 * cbcached tells the other processes that read the cache file (the ODBC
 * driver answering in the application's process, doc/cache.md) whether
 * they may answer from it now: the reader gate in the file's meta table
 * (cache/gate.h) holds a lease that cbcached renews while nothing is
 * fenced and the change stream runs.  When cbcached stops renewing it
 * (killed, stopped, hung) every reader stops answering once the lease ran
 * out, without a word from cbcached.
 *
 * The clock is CLOCK_MONOTONIC in milliseconds, which every process of one
 * boot shares (and which no one can set back); a lease written before the
 * machine restarted would look valid for a long time after it, so the
 * text carries the boot's id (/proc/sys/kernel/random/boot_id) and a
 * lease of another boot is not valid.  The text is "closed" or
 * "open <boot id> <until, ms>".
 *
 * A lease alone cannot be closed at once by a thread that must not wait
 * for the cache file's write lock (a session answering a commit while the
 * applier holds the lock).  Such closes go to the gate word: one 64-bit
 * word in a small file of its own (<cache file>-gate, like SQLite's -shm)
 * that every process maps; bit 0 says open, the other bits count closes,
 * so an opening decided before a close (compare-and-swap on the word it
 * read) fails.  A reader loads the word before it begins the read
 * transaction that answers, then judges the lease inside it.
 */
#ifndef CB_LEASE_H
#define CB_LEASE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CB_LEASE_TEXT_MAX 96
#define CB_LEASE_BOOT_ID_MAX 40

/* Milliseconds on CLOCK_MONOTONIC (the lease clock). */
int64_t cb_lease_now_ms(void);
/* This boot's id into buf (at least CB_LEASE_BOOT_ID_MAX bytes); false when it cannot be read. */
bool cb_lease_boot_id(char *buf, size_t n);
/* The text of a lease valid until until_ms of boot boot_id; until_ms <= 0 (or no boot id) writes "closed". */
void cb_lease_format(char *buf, size_t n, const char *boot_id, int64_t until_ms);
/* Whether text (NULL: absent) is a lease of boot boot_id still valid at now_ms. */
bool cb_lease_valid(const char *text, const char *boot_id, int64_t now_ms);

#define CB_GATEWORD_SUFFIX "-gate"
#define CB_GATEWORD_OPEN 1u

typedef struct cb_gateword cb_gateword;

/*
 * Map the gate word of the cache file at cache_path (the file
 * cache_path CB_GATEWORD_SUFFIX): the writer creates it (mode 0640,
 * closed), a reader maps it read-only.  NULL with the cause in err.
 */
cb_gateword *cb_gateword_map(const char *cache_path, bool writer, char *err, size_t n);
void cb_gateword_unmap(cb_gateword *w);
/* The word (writers change it with atomic operations only). */
_Atomic uint64_t *cb_gateword_word(cb_gateword *w);
/* Whether the word says open now (a reader, before its read transaction). */
bool cb_gateword_open(cb_gateword *w);

/*
 * Sync stamps (cache/gate.h, gate_synced): beside the word, the gate file
 * holds the stamp (CLOCK_MONOTONIC microseconds) of the last sync a
 * process asked for that the change stream has applied, and a sequence
 * number the waiters sleep on (a futex: shared between processes).
 */
/* The stamp now (0: none yet). */
uint64_t cb_gateword_synced(cb_gateword *w);
/* The writer, at its start: no stamp (0). */
void cb_gateword_reset_synced(cb_gateword *w);
/* The writer: raise the stamp to stamp_us (never lowers it) and wake every waiter. */
void cb_gateword_set_synced(cb_gateword *w, uint64_t stamp_us);
/*
 * A reader: wait until the stamp is at least stamp_us or CLOCK_MONOTONIC
 * reaches deadline_us (microseconds); true when the stamp got there.
 */
bool cb_gateword_wait_synced(cb_gateword *w, uint64_t stamp_us, int64_t deadline_us);

#endif /* CB_LEASE_H */
