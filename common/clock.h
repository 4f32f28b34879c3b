/*
 * clock.h - the two clocks of cbcache.
 *
 * Functions prefix: cb_clock_
 *
 * The monotonic clock measures intervals and deadlines (worker waits,
 * backoff, durations); the wall clock stamps what is stored or shown
 * (loaded_at and last_access of control values, log lines).  Both in
 * microseconds.
 */
#ifndef CB_CLOCK_H
#define CB_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Microseconds on CLOCK_MONOTONIC. */
int64_t cb_clock_mono_us(void);
/* Microseconds since the epoch (CLOCK_REALTIME). */
int64_t cb_clock_now_us(void);
/* A monotonic deadline in microseconds as the timespec pthread_cond_timedwait
 * wants for a condition variable on CLOCK_MONOTONIC. */
struct timespec cb_clock_timespec(int64_t mono_us);

#endif /* CB_CLOCK_H */
