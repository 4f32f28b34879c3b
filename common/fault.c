/*
 * fault.c - named fault points (fault.h).
 */
#include "common/fault.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every point there is, so a misspelt CB_FAULTS fails at start. */
static const char *const CB_FAULT_POINTS[] = {
        "cachedb.commit",     /* any commit of the cache file (cache/cachedb.c) */
        "fill.commit",        /* a fill's control value, its rows committed, before the commit (cache/fill.c) */
        "apply.commit",       /* backend transactions (one, or a batch) that changed cache tables, applied, before
                                 the commit (cache/apply.c) */
        "gc.commit",          /* control values evicted by the collector, before the commit (cache/gc.c) */
        "hitcount.commit",    /* the hit counter's batch, before the commit (cache/hitcount.c) */
        "invalidate.commit",  /* invalidated tables' rows and control values removed, before the commit
                                 (cache/invalidate.c) */
        "gate.commit",        /* the reader gate's close or renewal, before the commit (cache/gate.c) */
        "replica.fence",      /* a session's write fenced its tables and closed the reader gate, before the
                                 session goes on (`stop`; src/replica.c) */
        "localecheck.sample", /* this machine sorts the collation sample differently from the backend (`fail`;
                                 cache/localecheck.c) */
        "accept.reserve"      /* out of descriptors, the reserve given up to accept a connection: another thread
                                 takes the freed descriptor first (`fail`; src/main.c) */
};
#define CB_NPOINTS (sizeof(CB_FAULT_POINTS) / sizeof(CB_FAULT_POINTS[0]))

typedef enum { FAULT_OFF, FAULT_KILL, FAULT_FAIL, FAULT_STOP } fault_action;

typedef struct fault_arm {
	fault_action action;
	unsigned long skip, times; /* times 0: every pass after skip */
	_Atomic unsigned long passes;
} fault_arm;

static fault_arm arms[CB_NPOINTS];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char init_error[256];

static int point_index(const char *name, size_t len)
{
	for (size_t i = 0; i < CB_NPOINTS; i++)
		if (strlen(CB_FAULT_POINTS[i]) == len && strncmp(CB_FAULT_POINTS[i], name, len) == 0)
			return (int)i;
	return -1;
}

#ifdef CB_FAULT_INJECTION
/* One `point=action[:skip[:times]]` of len bytes. */
static bool parse_one(const char *s, size_t len)
{
	const char *eq = memchr(s, '=', len);
	int p = eq ? point_index(s, (size_t)(eq - s)) : -1;
	if (p < 0) {
		int n = snprintf(init_error, sizeof(init_error),
		                 "CB_FAULTS: \"%.*s\" names no fault point; the points are",
		                 (int)(eq ? (size_t)(eq - s) : len), s);
		for (size_t i = 0; i < CB_NPOINTS && n > 0 && (size_t)n < sizeof(init_error); i++)
			n += snprintf(init_error + n, sizeof(init_error) - (size_t)n, "%s %s", i ? "," : "",
			              CB_FAULT_POINTS[i]);
		return false;
	}
	char buf[64];
	size_t rest = len - (size_t)(eq + 1 - s);
	if (rest >= sizeof(buf)) {
		snprintf(init_error, sizeof(init_error), "CB_FAULTS: the setting of %s is too long",
		         CB_FAULT_POINTS[p]);
		return false;
	}
	memcpy(buf, eq + 1, rest);
	buf[rest] = '\0';
	char *save = NULL, *act = strtok_r(buf, ":", &save), *skip = strtok_r(NULL, ":", &save),
	     *times = strtok_r(NULL, ":", &save);
	fault_arm *a = &arms[p];
	if (act != NULL && strcmp(act, "kill") == 0)
		a->action = FAULT_KILL;
	else if (act != NULL && strcmp(act, "fail") == 0)
		a->action = FAULT_FAIL;
	else if (act != NULL && strcmp(act, "stop") == 0)
		a->action = FAULT_STOP;
	else {
		snprintf(init_error, sizeof(init_error),
		         "CB_FAULTS: the action of %s is \"%s\"; use kill, fail or stop", CB_FAULT_POINTS[p],
		         act ? act : "");
		return false;
	}
	char *end = NULL;
	a->skip = skip ? strtoul(skip, &end, 10) : 0;
	if (skip && (*skip == '\0' || *end != '\0')) {
		snprintf(init_error, sizeof(init_error), "CB_FAULTS: the skip count of %s is not a number",
		         CB_FAULT_POINTS[p]);
		return false;
	}
	a->times = times ? strtoul(times, &end, 10) : 1;
	if (times && (*times == '\0' || *end != '\0' || strtok_r(NULL, ":", &save) != NULL)) {
		snprintf(init_error, sizeof(init_error), "CB_FAULTS: the count of %s is not a number",
		         CB_FAULT_POINTS[p]);
		return false;
	}
	return true;
}

#endif

static void fault_read_env(void)
{
	const char *env = getenv("CB_FAULTS");
	if (env == NULL || env[0] == '\0')
		return;
#ifdef CB_FAULT_INJECTION
	for (const char *s = env; *s;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		if (!parse_one(s, len)) {
			memset(arms, 0, sizeof(arms));
			return;
		}
		s += len + (comma ? 1 : 0);
	}
#else
	snprintf(init_error, sizeof(init_error),
	         "CB_FAULTS is set but this build has no fault injection; configure with --enable-fault-injection "
	         "(scripts/check.sh does) or unset CB_FAULTS");
#endif
}

bool cb_fault_init(cb_error *err)
{
	pthread_once(&once, fault_read_env);
	if (init_error[0])
		return cb_fail(err, "%s", init_error);
	return true;
}

bool cb_fault_hit(const char *point)
{
	pthread_once(&once, fault_read_env);
	int p = point_index(point, strlen(point));
	if (p < 0 || arms[p].action == FAULT_OFF)
		return false;
	fault_arm *a = &arms[p];
	unsigned long n = atomic_fetch_add(&a->passes, 1);
	if (n < a->skip || (a->times != 0 && n - a->skip >= a->times))
		return false;
	if (a->action == FAULT_KILL) {
		fprintf(stderr, "cbcache: fault point %s: SIGKILL (CB_FAULTS)\n", point);
		raise(SIGKILL);
	}
	if (a->action == FAULT_STOP) {
		fprintf(stderr, "cbcache: fault point %s: SIGSTOP until SIGCONT (CB_FAULTS)\n", point);
		raise(SIGSTOP); /* every thread stops here; SIGCONT goes on */
		return false;
	}
	fprintf(stderr, "cbcache: fault point %s: fails (CB_FAULTS)\n", point);
	return true;
}
