/*
 * wire.c - the PostgreSQL protocol 3.0 codec (see wire.h).
 *
 * Functions prefix: wire_
 */
#include "hit/wire.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

void wire_buf_free(wire_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void wire_buf_shrink(wire_buf *b, size_t keep)
{
	if (b->start == b->len && b->cap > keep && !b->failed)
		wire_buf_free(b);
}

bool wire_buf_reserve(wire_buf *b, size_t n)
{
	if (b->failed)
		return false;
	if (b->start > 0 && (b->start == b->len || b->cap - b->len < n)) {
		memmove(b->data, b->data + b->start, b->len - b->start);
		b->len -= b->start;
		b->start = 0;
	}
	if (b->cap - b->len >= n)
		return true;
	size_t cap = b->cap > 0 ? b->cap : 8192;
	while (cap - b->len < n)
		cap *= 2;
	char *d = realloc(b->data, cap);
	if (d == NULL) {
		b->failed = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

void wire_buf_append_slow(wire_buf *b, const void *p, size_t n)
{
	if (!wire_buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void wire_buf_consume(wire_buf *b, size_t n)
{
	b->start += n;
	if (b->start >= b->len)
		b->start = b->len = 0;
}

size_t wire_begin(wire_buf *b, char type)
{
	wire_buf_append(b, &type, 1);
	size_t off = b->len;
	wire_put_int32(b, 0);
	return off;
}

void wire_put_int32(wire_buf *b, int32_t v)
{
	uint32_t u = (uint32_t)v;
	unsigned char c[4] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16), (unsigned char)(u >> 8),
	                      (unsigned char)u};
	wire_buf_append(b, c, 4);
}

void wire_put_int16(wire_buf *b, int16_t v)
{
	uint16_t u = (uint16_t)v;
	unsigned char c[2] = {(unsigned char)(u >> 8), (unsigned char)u};
	wire_buf_append(b, c, 2);
}

void wire_put_byte(wire_buf *b, char c)
{
	wire_buf_append(b, &c, 1);
}

void wire_put_str(wire_buf *b, const char *s)
{
	wire_buf_append(b, s, strlen(s) + 1);
}

void wire_end(wire_buf *b, size_t off)
{
	if (b->failed)
		return;
	uint32_t n = (uint32_t)(b->len - off);
	unsigned char *c = (unsigned char *)b->data + off;
	c[0] = (unsigned char)(n >> 24);
	c[1] = (unsigned char)(n >> 16);
	c[2] = (unsigned char)(n >> 8);
	c[3] = (unsigned char)n;
}

void wire_put_error(wire_buf *b, const char *severity, const char *sqlstate, const char *message, const char *hint)
{
	size_t off = wire_begin(b, 'E');
	wire_put_byte(b, 'S');
	wire_put_str(b, severity);
	wire_put_byte(b, 'V');
	wire_put_str(b, severity);
	wire_put_byte(b, 'C');
	wire_put_str(b, sqlstate);
	wire_put_byte(b, 'M');
	wire_put_str(b, message);
	if (hint != NULL) {
		wire_put_byte(b, 'H');
		wire_put_str(b, hint);
	}
	wire_put_byte(b, '\0');
	wire_end(b, off);
}

void wire_put_auth(wire_buf *b, int32_t code)
{
	size_t off = wire_begin(b, 'R');
	wire_put_int32(b, code);
	wire_end(b, off);
}

void wire_put_param_status(wire_buf *b, const char *name, const char *value)
{
	size_t off = wire_begin(b, 'S');
	wire_put_str(b, name);
	wire_put_str(b, value);
	wire_end(b, off);
}

void wire_put_key_data(wire_buf *b, int32_t pid, int32_t key)
{
	size_t off = wire_begin(b, 'K');
	wire_put_int32(b, pid);
	wire_put_int32(b, key);
	wire_end(b, off);
}

void wire_put_ready(wire_buf *b, char txn_status)
{
	size_t off = wire_begin(b, 'Z');
	wire_put_byte(b, txn_status);
	wire_end(b, off);
}

bool wire_frontend_type_ok(char c)
{
	switch (c) {
	case 'B': /* Bind */
	case 'C': /* Close */
	case 'D': /* Describe */
	case 'E': /* Execute */
	case 'F': /* FunctionCall */
	case 'H': /* Flush */
	case 'P': /* Parse */
	case 'Q': /* Query */
	case 'S': /* Sync */
	case 'X': /* Terminate */
	case 'c': /* CopyDone */
	case 'd': /* CopyData */
	case 'f': /* CopyFail */
	case 'p': /* PasswordMessage and SASL responses */
		return true;
	default:
		return false;
	}
}

bool wire_frontend_type_large(char c)
{
	return c == 'Q' || c == 'F' || c == 'P' || c == 'B' || c == 'd';
}

/* --- results ------------------------------------------------------------------ */

size_t wire_begin_row_description(wire_buf *b, int ncols)
{
	size_t m = wire_begin(b, 'T');
	wire_put_int16(b, (int16_t)ncols);
	return m;
}

/* In network byte order at p: a byte swap and one store each (byte stores compile to far more). */
static inline char *put_be32(char *p, uint32_t u)
{
	u = htonl(u);
	memcpy(p, &u, 4);
	return p + 4;
}

static inline char *put_be16(char *p, uint16_t u)
{
	u = htons(u);
	memcpy(p, &u, 2);
	return p + 2;
}

void wire_put_field(wire_buf *b, const char *name, uint32_t table_oid, int16_t attnum, uint32_t type_oid,
                    int16_t typlen, int32_t typmod, int16_t format)
{
	/* name, NUL, then 18 bytes of numbers: written in place after one reserve */
	size_t n = strlen(name) + 1;
	if (!wire_buf_reserve(b, n + 18))
		return;
	char *p = b->data + b->len;
	memcpy(p, name, n);
	p = put_be32(p + n, table_oid);
	p = put_be16(p, (uint16_t)attnum);
	p = put_be32(p, type_oid);
	p = put_be16(p, (uint16_t)typlen);
	p = put_be32(p, (uint32_t)typmod);
	put_be16(p, (uint16_t)format);
	b->len += n + 18;
}

size_t wire_begin_data_row(wire_buf *b, int ncols)
{
	size_t m = wire_begin(b, 'D');
	wire_put_int16(b, (int16_t)ncols);
	return m;
}

void wire_put_select_complete(wire_buf *b, uint64_t rows)
{
	char tag[32] = "SELECT ";
	char digits[24];
	size_t nd = 0;
	do {
		digits[nd++] = (char)('0' + rows % 10);
		rows /= 10;
	} while (rows > 0);
	size_t n = 7;
	while (nd > 0)
		tag[n++] = digits[--nd];
	tag[n] = '\0';
	size_t m = wire_begin(b, 'C');
	wire_buf_append(b, tag, n + 1);
	wire_end(b, m);
}

void wire_put_empty(wire_buf *b, char type)
{
	size_t m = wire_begin(b, type);
	wire_end(b, m);
}

/* --- client messages ------------------------------------------------------------ */

/* A NUL-terminated string at *p before end, advancing *p past it; NULL when unterminated. */
static const char *get_str(const char **p, const char *end)
{
	const char *s = *p;
	const char *z = memchr(s, '\0', (size_t)(end - s));
	if (z == NULL)
		return NULL;
	*p = z + 1;
	return s;
}

static bool get16(const char **p, const char *end, int *out)
{
	if (end - *p < 2)
		return false;
	*out = wire_get_int16(*p);
	*p += 2;
	return true;
}

bool wire_read_query(const char *msg, size_t n, const char **text, size_t *len)
{
	if (n < 6 || msg[n - 1] != '\0')
		return false;
	*text = msg + 5;
	*len = n - 6;
	return true;
}

bool wire_read_parse(const char *msg, size_t n, wire_parse *out)
{
	const char *p = msg + 5, *end = msg + n;
	if (n < 5 || (out->name = get_str(&p, end)) == NULL || (out->text = get_str(&p, end)) == NULL ||
	    !get16(&p, end, &out->ntypes) || out->ntypes < 0 || (size_t)(end - p) < 4 * (size_t)out->ntypes)
		return false;
	out->text_len = (size_t)(p - 2 - out->text) - 1;
	out->types = p;
	return true;
}

bool wire_read_bind(const char *msg, size_t n, wire_bind *out)
{
	const char *p = msg + 5, *end = msg + n;
	if (n < 5 || (out->portal = get_str(&p, end)) == NULL || (out->stmt = get_str(&p, end)) == NULL ||
	    !get16(&p, end, &out->nformats) || out->nformats < 0 || (size_t)(end - p) < 2 * (size_t)out->nformats)
		return false;
	out->formats = p;
	p += 2 * (size_t)out->nformats;
	if (!get16(&p, end, &out->nparams) || out->nparams < 0 || (out->nformats > 1 && out->nformats != out->nparams))
		return false;
	out->params = p;
	for (int i = 0; i < out->nparams; i++) {
		if (end - p < 4)
			return false;
		int32_t len = (int32_t)wire_get_uint32(p);
		p += 4;
		if (len > 0) {
			if (end - p < len)
				return false;
			p += len;
		}
	}
	if (!get16(&p, end, &out->nresult_formats) || out->nresult_formats < 0 ||
	    (size_t)(end - p) != 2 * (size_t)out->nresult_formats)
		return false;
	out->result_formats = p;
	return true;
}

const char *wire_bind_next_param(const char **cursor, int32_t *len)
{
	const char *p = *cursor;
	*len = (int32_t)wire_get_uint32(p);
	p += 4;
	if (*len < 0) {
		*cursor = p;
		return NULL;
	}
	*cursor = p + *len;
	return p;
}

bool wire_read_target(const char *msg, size_t n, char *kind, const char **name)
{
	const char *p = msg + 6, *end = msg + n;
	if (n < 7 || (msg[5] != 'S' && msg[5] != 'P'))
		return false;
	*kind = msg[5];
	*name = get_str(&p, end);
	return *name != NULL && p == end;
}

bool wire_read_execute(const char *msg, size_t n, const char **portal, int32_t *max_rows)
{
	const char *p = msg + 5, *end = msg + n;
	if (n < 5 || (*portal = get_str(&p, end)) == NULL || end - p != 4)
		return false;
	*max_rows = (int32_t)wire_get_uint32(p);
	return true;
}

wire_header_check wire_frontend_header(const char *p, size_t cap, uint32_t *len, uint32_t *limit)
{
	*len = wire_get_uint32(p + 1);
	*limit = wire_frontend_type_large(p[0]) ? WIRE_LARGE_MESSAGE : WIRE_SMALL_MESSAGE;
	if (!wire_frontend_type_ok(p[0]))
		return WIRE_HEADER_TYPE;
	if (*len < 4 || *len > *limit)
		return WIRE_HEADER_LENGTH;
	if (cap > 0 && *len > cap)
		return WIRE_HEADER_TOO_LARGE;
	return WIRE_HEADER_OK;
}

/* --- startup packets ------------------------------------------------------------ */

static wire_startup_kind startup_bad(wire_startup *out, const char *error)
{
	out->error = error;
	return WIRE_STARTUP_BAD;
}

wire_startup_kind wire_read_startup(const char *body, size_t n, wire_startup *out)
{
	memset(out, 0, sizeof(*out));
	if (n < 4)
		return startup_bad(out, "invalid length of startup packet");
	out->code = wire_get_uint32(body);
	if (out->code == WIRE_SSL_CODE || out->code == WIRE_GSSENC_CODE)
		return WIRE_STARTUP_ENCRYPT;
	if (out->code == WIRE_CANCEL_CODE) {
		if (n == 12) {
			out->cancel_ok = true;
			out->cancel_pid = (int32_t)wire_get_uint32(body + 4);
			out->cancel_key = (int32_t)wire_get_uint32(body + 8);
		}
		return WIRE_STARTUP_CANCEL;
	}
	if ((out->code >> 16) != 3)
		return WIRE_STARTUP_VERSION;
	/* name/value pairs, each NUL-terminated, then a final NUL */
	size_t pos = 4;
	while (pos < n && body[pos] != '\0') {
		const char *name = body + pos;
		pos += strnlen(name, n - pos) + 1;
		if (pos >= n)
			return startup_bad(out, "invalid startup packet layout: a parameter has no value");
		const char *value = body + pos;
		pos += strnlen(value, n - pos) + 1;
		if (pos > n)
			return startup_bad(out, "invalid startup packet layout: missing terminator");
		if (strcmp(name, "user") == 0)
			out->user = value;
		else if (strcmp(name, "database") == 0)
			out->database = value;
		if (strcmp(name, "replication") == 0) {
			if (strcmp(value, "false") != 0 && strcmp(value, "off") != 0 && strcmp(value, "0") != 0 &&
			    strcmp(value, "no") != 0)
				return WIRE_STARTUP_REPLICATION;
		} else if (strncmp(name, "_pq_.", 5) == 0) {
			if (out->nunknown < WIRE_STARTUP_MAX_UNKNOWN)
				out->unknown[out->nunknown++] = name;
		} else if (out->nparams < WIRE_STARTUP_MAX_PARAMS) {
			out->params[out->nparams].name = name;
			out->params[out->nparams].value = value;
			out->nparams++;
		} else {
			return startup_bad(out, "too many parameters in the startup packet (at most 64)");
		}
	}
	if (pos != n - 1)
		return startup_bad(out, "invalid startup packet layout: expected terminator as last byte");
	return WIRE_STARTUP_MESSAGE;
}

void wire_put_startup(wire_buf *b, const wire_startup *st)
{
	size_t start = b->len;
	wire_put_int32(b, 0);
	wire_put_int32(b, (int32_t)WIRE_PROTOCOL_3_0);
	for (int i = 0; i < st->nparams; i++) {
		wire_put_str(b, st->params[i].name);
		wire_put_str(b, st->params[i].value);
	}
	wire_put_byte(b, '\0');
	uint32_t len = (uint32_t)(b->len - start);
	if (!b->failed) {
		b->data[start] = (char)(len >> 24);
		b->data[start + 1] = (char)(len >> 16);
		b->data[start + 2] = (char)(len >> 8);
		b->data[start + 3] = (char)len;
	}
}
