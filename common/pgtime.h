/*
 * pgtime.h - time order of the stored text of date, timestamp and
 * timestamptz values.
 *
 * The fill stores these types as the backend prints them under DateStyle
 * ISO (cache/pgconn.c): "2024-03-01", "2024-03-01 12:34:56.5",
 * "2024-03-01 12:34:56.5+05:30", "0044-03-15 12:00:00+00:53:28 BC",
 * "10000-01-01", "infinity", "-infinity".  That text does not sort in time
 * order (BC years, years past 9999, infinities, and for timestamptz the UTC
 * offset, which changes with daylight saving time and for old dates carries
 * seconds), so ORDER BY on such a column is translated to ORDER BY a key
 * computed from the text.  For a timestamp or timestamptz it is the
 * microseconds from 2000-01-01 00:00 UTC to the instant (timestamptz) or to
 * the wall-clock time read as UTC (timestamp), on the proleptic Gregorian
 * calendar and from the epoch PostgreSQL uses (so its largest timestamp,
 * 294276-12-31 23:59:59.999999, has a key); for a date (text without a
 * time) it is the days from 2000-01-01, as dates reach past what
 * microseconds hold.  -infinity and infinity are below and above every
 * finite value.  A column holds one type, so its keys are all of one kind.
 * Equal values have equal keys and earlier values smaller keys, which is
 * PostgreSQL's own order for these types.
 *
 * Text in any other form is refused (false), never given a guessed key: the
 * caller then sends the statement to the backend.
 *
 * Functions prefix: pgtime_
 */
#ifndef CB_PGTIME_H
#define CB_PGTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The sort key of the ISO text s (len bytes) of a date, timestamp or timestamptz; false when s is not one. */
bool pgtime_sort_key(const char *s, size_t len, int64_t *key);

#endif /* CB_PGTIME_H */
