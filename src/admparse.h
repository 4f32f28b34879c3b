/*
 * admparse.h - the admin socket's command lines, read without I/O: where
 * a line ends in what a client sent, which command a line is and the
 * arguments of FILL, EVICT and WAIT FILLS.  src/admin.c runs the
 * commands; this is the part of it that reads what the client typed
 * (tests/fuzz/fuzz_admin_line.c fuzzes it).
 *
 * Functions prefix: adm_
 */
#ifndef CBD_ADMPARSE_H
#define CBD_ADMPARSE_H

#include <stdbool.h>
#include <stddef.h>

/* The longest command line (without its newline). */
#define ADM_MAX_LINE 4096

/* The commands, in the order they are matched (exact ones before those taking arguments). */
typedef enum adm_cmd {
	ADM_SHOW_STATS,
	ADM_SHOW_SESSIONS,
	ADM_SHOW_CONFIG,
	ADM_SHOW_FILLS,
	ADM_SHOW_CONTROLS,
	ADM_SHOW_QUERIES,
	ADM_SHOW_REPLICATION,
	ADM_DROP_SLOT,
	ADM_RELOAD,
	ADM_SHUTDOWN,
	ADM_EVICT_ALL,
	ADM_VERIFY,
	ADM_WAIT_FILLS,
	ADM_FILL,
	ADM_EVICT,
	ADM_NCOMMANDS,
	ADM_UNKNOWN = ADM_NCOMMANDS
} adm_cmd;

/* A command's words (normalized: upper case, single spaces) and whether arguments follow them. */
typedef struct adm_syntax {
	const char *words;
	bool args;
} adm_syntax;
extern const adm_syntax adm_syntax_table[ADM_NCOMMANDS];

/* Where the next line of buf[0..avail) ends. */
typedef enum adm_line_end {
	ADM_LINE_COMPLETE,   /* a line of *line_len bytes (a CR before its newline left out); *consumed with the newline
	                      */
	ADM_LINE_INCOMPLETE, /* no newline yet, and not too long yet */
	ADM_LINE_TOO_LONG    /* more than ADM_MAX_LINE bytes before a newline (or none yet) */
} adm_line_end;
adm_line_end adm_next_line(const char *buf, size_t avail, size_t *line_len, size_t *consumed);

/* A command line, read. */
typedef struct adm_line {
	char norm[256];   /* upper case, single spaces, no trailing ';' or space; cut at 255 bytes */
	adm_cmd cmd;      /* ADM_UNKNOWN when it is no command */
	const char *args; /* the line after the command's words (case as typed), "" for commands without */
} adm_line;
/* Read the NUL-terminated line into *out; false when it is empty (no reply is due). */
bool adm_parse_line(const char *line, adm_line *out);

/*
 * Split FILL's and EVICT's arguments "table.column value" into name
 * (capacity nlen) and value (capacity vlen; trailing blanks and ';' left
 * out); false when one is missing or does not fit.
 */
bool adm_split_fill_args(const char *args, char *name, size_t nlen, char *value, size_t vlen);

/* WAIT FILLS's optional timeout into *ms (left as it is when args is blank); false when it is not 0..600000. */
bool adm_parse_wait_ms(const char *args, long *ms);

#endif /* CBD_ADMPARSE_H */
