/*
 * log.h - the logging macro family of every cbcache layer.
 *
 * Functions prefix: log_
 *
 * log_error/log_warning/log_info/log_debug(fmt, ...) compare the level with
 * one relaxed atomic load before any formatting, so a disabled level costs
 * a load and a branch (STYLE.md item 5).  A line is written with its UTC
 * time, the process id, the level and an optional prefix (cbcached's
 * session code puts "S-12 alice@movies" there: src/session.h).
 *
 * The level is the only global state of common/: nothing is logged until
 * a program sets one (cbcached from log_level in its config; the ODBC
 * driver leaves logging off inside an application unless asked), so the
 * libraries never write to an application's stderr on their own.  Output
 * goes to stderr, or to the file log_open() names.
 */
#ifndef CB_LOG_H
#define CB_LOG_H

#include <stdatomic.h>
#include <stdbool.h>

#include "common/contract.h"
#include "common/error.h"

enum { LOG_NONE = -1, LOG_ERROR = 0, LOG_WARNING = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern atomic_int log_level_now;

#define LOG_ENABLED(level) ((level) <= atomic_load_explicit(&log_level_now, memory_order_relaxed))

#define LOG_AT(level, prefix, ...)                                 \
	do {                                                       \
		if (LOG_ENABLED(level))                            \
			log_write((level), (prefix), __VA_ARGS__); \
	} while (0)

#define log_error(...) LOG_AT(LOG_ERROR, NULL, __VA_ARGS__)
#define log_warning(...) LOG_AT(LOG_WARNING, NULL, __VA_ARGS__)
#define log_info(...) LOG_AT(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...) LOG_AT(LOG_DEBUG, NULL, __VA_ARGS__)

/* Write one line (timestamp, pid, level, prefix, message).  Use the macros. */
CB_PRINTF(3, 4) void log_write(int level, const char *prefix, const char *fmt, ...);

/* Set the level (LOG_NONE .. LOG_DEBUG). */
void log_set_level(int level);

/*
 * Send the log to path ("" or NULL = stderr), replacing the current file.
 * On failure the current destination stays.
 */
CB_MUSTCHECK bool log_open(const char *path, cb_error *err);

/* Close the log file (back to stderr). */
void log_close(void);

#endif /* CB_LOG_H */
