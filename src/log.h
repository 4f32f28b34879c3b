/*
 * log.h - the logging macro family of cbcached.
 *
 * Functions prefix: log_
 *
 * log_error/log_warning/log_info/log_debug(fmt, ...) compare the level with
 * one relaxed atomic load before any formatting, so a disabled level costs
 * a load and a branch.  Session code uses the slog_* macros of session.h,
 * which put the session's prefix ("S-12 alice@movies") in front.
 */
#ifndef CBD_LOG_H
#define CBD_LOG_H

#include <stdatomic.h>
#include <stdbool.h>

#include "src/config.h"
#include "src/daemon.h"

extern atomic_int log_level_now;

#define LOG_ENABLED(level) ((level) <= atomic_load_explicit(&log_level_now, memory_order_relaxed))

#define LOG_AT(level, prefix, ...)                                 \
	do {                                                       \
		if (LOG_ENABLED(level))                            \
			log_write((level), (prefix), __VA_ARGS__); \
	} while (0)

#define log_error(...) LOG_AT(CFG_LOG_ERROR, NULL, __VA_ARGS__)
#define log_warning(...) LOG_AT(CFG_LOG_WARNING, NULL, __VA_ARGS__)
#define log_info(...) LOG_AT(CFG_LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...) LOG_AT(CFG_LOG_DEBUG, NULL, __VA_ARGS__)

/* Write one line (timestamp, pid, level, prefix, message).  Use the macros. */
CB_PRINTF(3, 4) void log_write(int level, const char *prefix, const char *fmt, ...);

/* Set the level (cfg_log_level). */
void log_set_level(int level);

/*
 * Send the log to path ("" or NULL = stderr), replacing the current file.
 * On failure the current destination stays.
 */
CB_MUSTCHECK bool log_open(const char *path, cbd_error *err);

/* Close the log file (back to stderr). */
void log_close(void);

#endif /* CBD_LOG_H */
