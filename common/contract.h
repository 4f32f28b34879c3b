/*
 * contract.h - contract macros shared by every cbcache module.
 *
 * Header only: every layer includes it without linking anything.  Keep it
 * small: only what lets the compiler hold the contract (STYLE.md item 4)
 * and the uthash out-of-memory policy (STYLE.md item 6).
 */
#ifndef CB_CONTRACT_H
#define CB_CONTRACT_H

#include <stdio.h>
#include <stdlib.h>

/* A result that must be looked at: a status, an owned pointer. */
#define CB_MUSTCHECK __attribute__((warn_unused_result))
/* printf-style argument checking: CB_PRINTF(format_index, first_arg). */
#define CB_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define CB_NORETURN __attribute__((noreturn))
#define CB_UNUSED __attribute__((unused))

#define CB_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * uthash allocates inside its macros and cannot report failure, so running
 * out of memory there ends the process with a message; every other
 * allocation in cbcache reports failure through its caller's status.
 */
#define uthash_fatal(msg)                                                       \
	do {                                                                    \
		fprintf(stderr, "cbcache: out of memory in uthash: %s\n", msg); \
		abort();                                                        \
	} while (0)

#endif /* CB_CONTRACT_H */
