/*
 * parser.h - cache group definition file -> model (cg_group).
 *
 * Functions prefix: cg_parse_
 *
 * The language (one statement per line, keywords case-insensitive,
 * identifiers as in PostgreSQL, `#` and `--` comments):
 *
 *   cachegroup NAME
 *   table [SCHEMA.]TABLE [complete]
 *   fill [SCHEMA.]TABLE.COLUMN [values (VALUE, ...)]
 *   rcc [SCHEMA.]TABLE.COLUMN -> [SCHEMA.]TABLE.COLUMN
 *
 * VALUE is a number or a 'string'.  Statements may come in any order;
 * references to tables are checked after the whole file is read.  Every
 * error is reported with its position and a hint; after an error the
 * parser skips to the next line and goes on.
 */
#ifndef CG_PARSER_H
#define CG_PARSER_H

#include "cachegroup/model.h"

/*
 * Parse src[0..len) read from a file called name.  Errors are appended to
 * d.  Returns the group (caller frees with cg_model_free), also when d got
 * errors, or NULL when memory ran out (d says so).
 */
CB_MUSTCHECK cg_group *cg_parse_buffer(const char *name, const char *src, size_t len, cg_diags *d);

/* Read and parse the file at path; NULL with an error in d when it cannot
 * be read or memory ran out. */
CB_MUSTCHECK cg_group *cg_parse_file(const char *path, cg_diags *d);

#endif /* CG_PARSER_H */
