/*
 * worker.h - a worker thread: one job function, woken on demand or when
 * its own deadline passes, stopped and joined in one call.
 *
 * Functions prefix: cb_worker_
 *
 * DESIGN
 *
 * The cache's background jobs (the fill daemon, the garbage collector, the
 * hit counter) are the same loop: wait until someone has work for the
 * thread or a deadline passes, run one step, repeat, and on stop run a
 * last step.  A cb_worker owns that loop, its mutex and its condition
 * variable (on CLOCK_MONOTONIC), so the owners keep only their job.
 *
 * The step function runs WITHOUT the worker's lock held.  It returns the
 * monotonic time (cb_clock_mono_us) at which it wants to run again:
 * CB_WORKER_NOW to run again at once, CB_WORKER_IDLE to sleep until a
 * wake-up.  A wake-up (cb_worker_wake) that arrives while the step runs
 * is not lost: the next wait returns at once.  cb_worker_stop() sets the
 * stop flag, wakes the thread, waits for the current step, then calls
 * the step one last time with stopping = true in the thread (so a job can
 * drain its queue) and joins it.
 *
 * Owners keep their own data under their own lock; the worker's lock
 * guards only its flags.
 */
#ifndef CB_WORKER_H
#define CB_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/contract.h"
#include "common/error.h"

#define CB_WORKER_NOW INT64_MIN
#define CB_WORKER_IDLE INT64_MAX

/* One step of the job; returns when to run again (see above). */
typedef int64_t (*cb_worker_fn)(void *arg, bool stopping);

typedef struct cb_worker {
	const char *name; /* for errors: "fill", "garbage collector", ... */
	cb_worker_fn fn;
	void *arg;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool running;
	bool stop;
	bool woken;
} cb_worker;

/* Set up w (not started); false with err when the lock cannot be made. */
CB_MUSTCHECK bool cb_worker_init(cb_worker *w, const char *name, cb_worker_fn fn, void *arg, cb_error *err);
/* Start the thread (nothing happens when it runs already). */
CB_MUSTCHECK bool cb_worker_start(cb_worker *w, cb_error *err);
/* Ask for a step now; never blocks on the step. */
void cb_worker_wake(cb_worker *w);
/* Stop and join (a no-op when not running); the last step runs with stopping = true. */
void cb_worker_stop(cb_worker *w);
/* Free what init made; stops first. */
void cb_worker_destroy(cb_worker *w);
/* Whether the thread runs. */
bool cb_worker_running(cb_worker *w);

#endif /* CB_WORKER_H */
