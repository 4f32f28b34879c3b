/*
 * pgproto.h - PostgreSQL protocol 3.0 message framing and the few backend
 * messages cbcached writes itself (ErrorResponse, authentication requests,
 * ParameterStatus, BackendKeyData, ReadyForQuery).
 *
 * Functions prefix: pgp_
 *
 * A pgp_buf is a byte buffer with a consumed prefix: data[start, len) is
 * unread.  Appends never fail visibly: on out of memory the buffer sets
 * `failed` and ignores further appends; check it once after building.
 */
#ifndef CBD_PGPROTO_H
#define CBD_PGPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/contract.h"

#define PGP_PROTOCOL_3_0 196608
#define PGP_CANCEL_CODE 80877102
#define PGP_SSL_CODE 80877103
#define PGP_GSSENC_CODE 80877104

/* Startup packets are small; PostgreSQL allows 10000 bytes. */
#define PGP_MAX_STARTUP 10000
/* The largest message accepted, PostgreSQL's own limit (1 GB - 1). */
#define PGP_MAX_MESSAGE 0x3fffffff

typedef struct pgp_buf {
	char *data;
	size_t start; /* first unread byte */
	size_t len;   /* end of data */
	size_t cap;
	bool failed; /* an append ran out of memory */
} pgp_buf;

void pgp_buf_free(pgp_buf *b);
/* Bytes not yet consumed. */
static inline size_t pgp_buf_avail(const pgp_buf *b)
{
	return b->len - b->start;
}
/* Make room for n more bytes at the end (compacting first); false on OOM. */
CB_MUSTCHECK bool pgp_buf_reserve(pgp_buf *b, size_t n);
void pgp_buf_append_slow(pgp_buf *b, const void *p, size_t n);
/* Append n bytes (inline when they fit, which is the common case). */
static inline void pgp_buf_append(pgp_buf *b, const void *p, size_t n)
{
	if (!b->failed && b->cap - b->len >= n) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		return;
	}
	pgp_buf_append_slow(b, p, n);
}
void pgp_buf_consume(pgp_buf *b, size_t n);

/* Message building: begin writes the type and a length placeholder. */
size_t pgp_begin(pgp_buf *b, char type);
void pgp_put_int32(pgp_buf *b, int32_t v);
void pgp_put_int16(pgp_buf *b, int16_t v);
void pgp_put_byte(pgp_buf *b, char c);
void pgp_put_str(pgp_buf *b, const char *s); /* with its NUL */
void pgp_end(pgp_buf *b, size_t begin_offset);

/* ErrorResponse with severity (ERROR/FATAL), SQLSTATE, message and optional hint. */
void pgp_put_error(pgp_buf *b, const char *severity, const char *sqlstate, const char *message, const char *hint);
void pgp_put_auth(pgp_buf *b, int32_t code);
void pgp_put_param_status(pgp_buf *b, const char *name, const char *value);
void pgp_put_key_data(pgp_buf *b, int32_t pid, int32_t key);
void pgp_put_ready(pgp_buf *b, char txn_status);

static inline uint32_t pgp_get_uint32(const void *p)
{
	const unsigned char *c = p;
	return ((uint32_t)c[0] << 24) | ((uint32_t)c[1] << 16) | ((uint32_t)c[2] << 8) | (uint32_t)c[3];
}

/* Whether c is a message type a client may send after startup. */
bool pgp_frontend_type_ok(char c);

#endif /* CBD_PGPROTO_H */
