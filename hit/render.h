/*
 * render.h - a cached value as PostgreSQL prints or sends it.
 *
 * Functions prefix: render_
 *
 * The hit path reads a row from SQLite and writes each value into a
 * DataRow exactly as the backend would: the text output of the column's
 * type under the session's extra_float_digits (sql/types.h renders it),
 * or the binary send format for the types whose binary form is known
 * (integers, bool, floats, the text types).  A value the cache cannot
 * render exactly (a float kept as text whose shortest form is uncertain,
 * a value of the wrong storage class) makes the caller send the statement
 * to the backend.  Allocation happens only when a value outgrows the
 * caller's scratch buffer, never per row.
 */
#ifndef CB_RENDER_H
#define CB_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hit/wire.h"
#include "sql/plan.h"

/* A buffer reused for every value a connection renders in binary. */
typedef struct render_scratch {
	char *cell;
	size_t cell_cap;
} render_scratch;

/*
 * Append one value (length word and bytes) of a DataRow for output column
 * col in format fmt (0 text, 1 binary) to out.  False when the value
 * cannot be rendered exactly (the statement goes to the backend), or with
 * *oom set when memory ran out.
 */
bool render_value(render_scratch *c, wire_buf *out, const sqlfe_outcol *col, const sqlfe_sqlval *v, int fmt,
                  int extra_float_digits, bool *oom);

/* Whether values of type oid can be sent in binary (PGTYPE_SEND in common/pgtype.h). */
bool render_binary_ok(uint32_t oid);

void render_scratch_free(render_scratch *c);

#endif /* CB_RENDER_H */
