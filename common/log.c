/*
 * log.c - log lines to stderr or a file, one mutex-protected write each
 * (see log.h).
 *
 * Functions prefix: log_
 */
#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

atomic_int log_level_now = LOG_NONE;

static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file; /* NULL = stderr */

static const char *const level_tags[] = {"ERROR", "WARNING", "INFO", "DEBUG"};

void log_set_level(int level)
{
	atomic_store(&log_level_now, level);
}

void log_write(int level, const char *prefix, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	char ts[32];
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	const char *tag = (level >= 0 && level < 4) ? level_tags[level] : "LOG";

	pthread_mutex_lock(&log_mutex);
	FILE *out = log_file != NULL ? log_file : stderr;
	fprintf(out, "%s.%03d UTC [%d] %s %s%s%s\n", ts, (int)(tv.tv_usec / 1000), (int)getpid(), tag,
	        prefix != NULL ? prefix : "", prefix != NULL ? ": " : "", msg);
	fflush(out);
	pthread_mutex_unlock(&log_mutex);
}

bool log_open(const char *path, cb_error *err)
{
	FILE *f = NULL;
	if (path != NULL && path[0] != '\0') {
		f = fopen(path, "a");
		if (f == NULL)
			return cb_fail(err,
			               "cannot open the log file %s: %s; fix log_file or the directory's permissions",
			               path, strerror(errno));
	}
	pthread_mutex_lock(&log_mutex);
	FILE *old = log_file;
	log_file = f;
	pthread_mutex_unlock(&log_mutex);
	if (old != NULL)
		fclose(old);
	return true;
}

void log_close(void)
{
	pthread_mutex_lock(&log_mutex);
	FILE *old = log_file;
	log_file = NULL;
	pthread_mutex_unlock(&log_mutex);
	if (old != NULL)
		fclose(old);
}
