/*
 * worker.c - worker threads (see the DESIGN in worker.h).
 *
 * Functions prefix: cb_worker_
 */
#include "common/worker.h"

#include <string.h>
#include <time.h>

#include "common/clock.h"

bool cb_worker_init(cb_worker *w, const char *name, cb_worker_fn fn, void *arg, cb_error *err)
{
	memset(w, 0, sizeof(*w));
	w->name = name;
	w->fn = fn;
	w->arg = arg;
	pthread_condattr_t ca;
	if (pthread_condattr_init(&ca) != 0)
		return cb_fail(err, "cannot create the %s thread's wake-up: out of resources", name);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int rc = pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0)
		return cb_fail(err, "cannot create the %s thread's wake-up: %s", name, strerror(rc));
	if ((rc = pthread_mutex_init(&w->mu, NULL)) != 0) {
		pthread_cond_destroy(&w->cv);
		return cb_fail(err, "cannot create the %s thread's lock: %s", name, strerror(rc));
	}
	return true;
}

static void *worker_main(void *arg)
{
	cb_worker *w = arg;
	int64_t next = CB_WORKER_NOW;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && !w->woken && next != CB_WORKER_NOW) {
			if (next == CB_WORKER_IDLE) {
				pthread_cond_wait(&w->cv, &w->mu);
			} else {
				if (cb_clock_mono_us() >= next)
					break;
				struct timespec ts = cb_clock_timespec(next);
				pthread_cond_timedwait(&w->cv, &w->mu, &ts);
			}
		}
		if (w->stop)
			break;
		w->woken = false;
		pthread_mutex_unlock(&w->mu);
		next = w->fn(w->arg, false);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	(void)w->fn(w->arg, true);
	return NULL;
}

bool cb_worker_start(cb_worker *w, cb_error *err)
{
	pthread_mutex_lock(&w->mu);
	int rc = 0;
	if (!w->running) {
		w->stop = false;
		w->woken = false;
		rc = pthread_create(&w->thread, NULL, worker_main, w);
		w->running = rc == 0;
	}
	pthread_mutex_unlock(&w->mu);
	if (rc != 0)
		return cb_fail(err, "cannot start the %s thread: %s; raise the process's thread limit", w->name,
		               strerror(rc));
	return true;
}

void cb_worker_wake(cb_worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->woken = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void cb_worker_stop(cb_worker *w)
{
	pthread_mutex_lock(&w->mu);
	bool running = w->running;
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (running)
		pthread_join(w->thread, NULL);
	pthread_mutex_lock(&w->mu);
	w->running = false;
	pthread_mutex_unlock(&w->mu);
}

bool cb_worker_running(cb_worker *w)
{
	pthread_mutex_lock(&w->mu);
	bool r = w->running;
	pthread_mutex_unlock(&w->mu);
	return r;
}

void cb_worker_destroy(cb_worker *w)
{
	if (w->fn == NULL)
		return;
	cb_worker_stop(w);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->fn = NULL;
}
