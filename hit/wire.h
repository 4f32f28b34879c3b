/*
 * wire.h - the PostgreSQL protocol 3.0 codec: message framing, the
 * messages cbcache writes (RowDescription, DataRow, CommandComplete,
 * ReadyForQuery, ErrorResponse, authentication requests, ParameterStatus,
 * BackendKeyData, ParseComplete, BindComplete) and the decoding of the
 * client messages it reads (Query, Parse, Bind, Describe, Execute, Close).
 *
 * Functions prefix: wire_
 *
 * Every encoder and decoder of the protocol lives here (STYLE.md item 15):
 * the session loop and the hit path only call them.
 *
 * A wire_buf is a byte buffer with a consumed prefix: data[start, len) is
 * unread.  Appends never fail visibly: on out of memory the buffer sets
 * `failed` and ignores further appends; check it once after building.
 *
 * Decoders take a whole message (type byte, length, body: n bytes, as
 * framed by the caller) and return false when it is malformed; what they
 * return points into the message (no copies, no allocation).
 */
#ifndef CB_WIRE_H
#define CB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/contract.h"

#define WIRE_PROTOCOL_3_0 196608
#define WIRE_CANCEL_CODE 80877102
#define WIRE_SSL_CODE 80877103
#define WIRE_GSSENC_CODE 80877104

/* Startup packets are small; PostgreSQL allows 10000 bytes. */
#define WIRE_MAX_STARTUP 10000
/* The largest message accepted, PostgreSQL's own limit (1 GB - 1). */
#define WIRE_MAX_MESSAGE 0x3fffffff
/*
 * PostgreSQL's limits on the length word of a client message (libpq.h:
 * PQ_SMALL_MESSAGE_LIMIT, PQ_LARGE_MESSAGE_LIMIT = MaxAllocSize - 1); its
 * backend closes the connection when one is passed.
 */
#define WIRE_SMALL_MESSAGE 10000
#define WIRE_LARGE_MESSAGE (0x3fffffff - 1)

typedef struct wire_buf {
	char *data;
	size_t start; /* first unread byte */
	size_t len;   /* end of data */
	size_t cap;
	bool failed; /* an append ran out of memory */
} wire_buf;

void wire_buf_free(wire_buf *b);
/* Free b's memory when b is empty and has grown past keep bytes (a large message went through). */
void wire_buf_shrink(wire_buf *b, size_t keep);
/* Bytes not yet consumed. */
static inline size_t wire_buf_avail(const wire_buf *b)
{
	return b->len - b->start;
}
/* Make room for n more bytes at the end (compacting first); false on OOM. */
CB_MUSTCHECK bool wire_buf_reserve(wire_buf *b, size_t n);
void wire_buf_append_slow(wire_buf *b, const void *p, size_t n);
/* Append n bytes (inline when they fit, which is the common case). */
static inline void wire_buf_append(wire_buf *b, const void *p, size_t n)
{
	if (!b->failed && b->cap - b->len >= n) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		return;
	}
	wire_buf_append_slow(b, p, n);
}
void wire_buf_consume(wire_buf *b, size_t n);

/* Message building: begin writes the type and a length placeholder. */
size_t wire_begin(wire_buf *b, char type);
void wire_put_int32(wire_buf *b, int32_t v);
void wire_put_int16(wire_buf *b, int16_t v);
void wire_put_byte(wire_buf *b, char c);
void wire_put_str(wire_buf *b, const char *s); /* with its NUL */
void wire_end(wire_buf *b, size_t begin_offset);

/* ErrorResponse with severity (ERROR/FATAL), SQLSTATE, message and optional hint. */
void wire_put_error(wire_buf *b, const char *severity, const char *sqlstate, const char *message, const char *hint);
void wire_put_auth(wire_buf *b, int32_t code);
void wire_put_param_status(wire_buf *b, const char *name, const char *value);
void wire_put_key_data(wire_buf *b, int32_t pid, int32_t key);
void wire_put_ready(wire_buf *b, char txn_status);

static inline uint32_t wire_get_uint32(const void *p)
{
	const unsigned char *c = p;
	return ((uint32_t)c[0] << 24) | ((uint32_t)c[1] << 16) | ((uint32_t)c[2] << 8) | (uint32_t)c[3];
}

/* Whether c is a message type a client may send after startup. */
bool wire_frontend_type_ok(char c);
/*
 * Whether a client message of this type may be long (PostgreSQL allows it
 * WIRE_LARGE_MESSAGE): Query, FunctionCall, Parse, Bind and CopyData; the
 * other types are held to WIRE_SMALL_MESSAGE.
 */
bool wire_frontend_type_large(char c);

static inline int16_t wire_get_int16(const void *p)
{
	const unsigned char *c = p;
	return (int16_t)(((unsigned)c[0] << 8) | (unsigned)c[1]);
}

/* --- results ------------------------------------------------------------------ */

/* RowDescription: begin with the column count, one wire_put_field per column, then wire_end. */
size_t wire_begin_row_description(wire_buf *b, int ncols);
void wire_put_field(wire_buf *b, const char *name, uint32_t table_oid, int16_t attnum, uint32_t type_oid,
                    int16_t typlen, int32_t typmod, int16_t format);
/* DataRow: begin with the column count, one value or NULL per column, then wire_end. */
size_t wire_begin_data_row(wire_buf *b, int ncols);
static inline void wire_put_value(wire_buf *b, const void *bytes, size_t len)
{
	wire_put_int32(b, (int32_t)len);
	wire_buf_append(b, bytes, len);
}
static inline void wire_put_null(wire_buf *b)
{
	wire_put_int32(b, -1);
}
/* CommandComplete "SELECT n". */
void wire_put_select_complete(wire_buf *b, uint64_t rows);
/* A message without a body: ParseComplete '1', BindComplete '2', NoData 'n', ... */
void wire_put_empty(wire_buf *b, char type);

/* --- client messages ------------------------------------------------------------ */

/* Query: the statement text (NUL-terminated inside the message) and its length. */
CB_MUSTCHECK bool wire_read_query(const char *msg, size_t n, const char **text, size_t *len);

/* Parse: statement name, text, and the declared parameter types. */
typedef struct wire_parse {
	const char *name;
	const char *text;
	size_t text_len;
	int ntypes;
	const char *types; /* ntypes big-endian OIDs: wire_parse_type() */
} wire_parse;
CB_MUSTCHECK bool wire_read_parse(const char *msg, size_t n, wire_parse *out);
static inline uint32_t wire_parse_type(const wire_parse *p, int i)
{
	return wire_get_uint32(p->types + 4 * i);
}

/* Bind: portal, statement, parameter formats and values, result formats. */
typedef struct wire_bind {
	const char *portal;
	const char *stmt;
	int nformats;        /* parameter format codes: 0 (all text), 1 (one for all) or one each */
	const char *formats; /* big-endian int16s: wire_bind_format() */
	int nparams;
	const char *params; /* the values: walk them with wire_bind_next_param() */
	int nresult_formats;
	const char *result_formats; /* big-endian int16s: wire_bind_result_format() */
} wire_bind;
CB_MUSTCHECK bool wire_read_bind(const char *msg, size_t n, wire_bind *out);
static inline int16_t wire_bind_format(const wire_bind *b, int i)
{
	return b->nformats == 0 ? 0 : wire_get_int16(b->formats + 2 * (b->nformats == 1 ? 0 : i));
}
static inline int16_t wire_bind_result_format(const wire_bind *b, int i)
{
	return wire_get_int16(b->result_formats + 2 * i);
}
/* The parameter at *cursor (start with b->params), advancing it: its bytes
 * (NULL for SQL NULL) and length.  wire_read_bind() checked the bounds. */
const char *wire_bind_next_param(const char **cursor, int32_t *len);

/* Describe and Close: 'S' (statement) or 'P' (portal), and the name. */
CB_MUSTCHECK bool wire_read_target(const char *msg, size_t n, char *kind, const char **name);

/* Execute: portal and the row limit (0: all). */
CB_MUSTCHECK bool wire_read_execute(const char *msg, size_t n, const char **portal, int32_t *max_rows);

/*
 * The header (type byte and length word, 5 bytes at p) of a client
 * message after startup, checked as soon as it is in, before the body:
 * WIRE_HEADER_TYPE when the type is not one a client sends,
 * WIRE_HEADER_LENGTH when the length word is below 4 or past PostgreSQL's
 * limit for the type (wire_frontend_type_large), WIRE_HEADER_TOO_LARGE
 * when it is past cap (cap 0: no limit of our own).  *len is the length
 * word (the whole message is *len + 1 bytes).
 */
typedef enum wire_header_check {
	WIRE_HEADER_OK,
	WIRE_HEADER_TYPE,
	WIRE_HEADER_LENGTH,
	WIRE_HEADER_TOO_LARGE
} wire_header_check;
wire_header_check wire_frontend_header(const char *p, size_t cap, uint32_t *len, uint32_t *limit);

/* --- startup packets ------------------------------------------------------------ */

/* What the first packet(s) of a connection may hold. */
#define WIRE_STARTUP_MAX_PARAMS 64  /* parameters kept (more: an error) */
#define WIRE_STARTUP_MAX_UNKNOWN 16 /* _pq_. options listed in NegotiateProtocolVersion (more are ignored) */

typedef enum wire_startup_kind {
	WIRE_STARTUP_MESSAGE,     /* a StartupMessage of protocol 3.x, its parameters read */
	WIRE_STARTUP_ENCRYPT,     /* SSLRequest or GSSENCRequest: answer 'N', then the next packet comes */
	WIRE_STARTUP_CANCEL,      /* CancelRequest: pid and key are read when cancel_ok (16 bytes) */
	WIRE_STARTUP_VERSION,     /* a protocol other than 3.x (code says which) */
	WIRE_STARTUP_REPLICATION, /* a replication connection is asked for */
	WIRE_STARTUP_BAD          /* malformed: error says how (PostgreSQL's words) */
} wire_startup_kind;

typedef struct wire_startup_param {
	const char *name;
	const char *value;
} wire_startup_param;

typedef struct wire_startup {
	uint32_t code; /* the protocol version or request code (the first 4 bytes) */
	bool cancel_ok;
	int32_t cancel_pid, cancel_key;
	const char *user;     /* NULL when the client sent none */
	const char *database; /* as the client sent it, NULL when it sent none */
	/* the parameters but replication and _pq_.* (user and database among them), in order */
	wire_startup_param params[WIRE_STARTUP_MAX_PARAMS];
	int nparams;
	const char *unknown[WIRE_STARTUP_MAX_UNKNOWN]; /* _pq_.* option names */
	int nunknown;
	const char *error; /* WIRE_STARTUP_BAD */
} wire_startup;

/*
 * Decode a startup packet's body (the n bytes after its length word; the
 * caller checked the length word is within [8, WIRE_MAX_STARTUP]) into
 * *out (zeroed first).  The strings point into body; on
 * WIRE_STARTUP_MESSAGE every one of them ends with a NUL inside the n
 * bytes.  Nothing is read past body[n - 1].
 */
wire_startup_kind wire_read_startup(const char *body, size_t n, wire_startup *out);

/* A StartupMessage of protocol 3.0 with st's parameters (what the backend is sent). */
void wire_put_startup(wire_buf *b, const wire_startup *st);

#endif /* CB_WIRE_H */
