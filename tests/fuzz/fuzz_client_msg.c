/*
 * libFuzzer target for the decoding of client messages (hit/wire.c): the
 * framing cbcached's sessions do (wire_frontend_header, as in
 * src/session.c process_client) and the decoders of Query, Parse, Bind,
 * Describe, Close and Execute that src/sesscache.c calls.
 *
 * The input is what a client sends after startup: messages, each a type
 * byte, a 4-byte length word and the body.  Framing stops at the first
 * header the session refuses or at a cut-off message.  Every framed
 * message is copied to the heap at its exact size and given to every
 * decoder (they do not look at the type byte), so a read past the end is
 * a finding.  Properties asserted besides "no crash":
 *   - an accepted header has a length word in [4, limit of its type];
 *   - what a decoder returns lies inside the message, its strings end
 *     there, and Bind's parameters walk to where its result formats start;
 *   - a decoded message encodes back (wire_put_*) to the same bytes: all
 *     of them for Query, Bind, Describe/Close and Execute, the part up to
 *     the last parameter type for Parse (which ignores what follows).
 * Built with clang (-fsanitize=fuzzer,address,undefined) when configure
 * found it; `make check` runs it briefly over tests/fuzz/corpus-client-msg
 * (tests/fuzz/test_client_msg_fuzz.sh), `make fuzz` for longer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hit/wire.h"
#include "tests/fuzz/fuzz.h"

/* Whether s, a string a decoder returned, starts and ends (its NUL) inside msg[0..n). */
static bool inside_str(const char *msg, size_t n, const char *s)
{
	if (s < msg || s >= msg + n)
		return false;
	return memchr(s, '\0', (size_t)(msg + n - s)) != NULL;
}

/* The encoding in e equals msg's first e->len bytes but the length word, which must say msg_len. */
static void check_encoding(wire_buf *e, const char *msg, size_t cmp_len, size_t msg_len)
{
	CHECK(!e->failed);
	CHECK(e->len == cmp_len);
	CHECK(e->data[0] == msg[0]);
	if (cmp_len == msg_len)
		CHECK(memcmp(e->data + 1, msg + 1, 4) == 0);
	CHECK(memcmp(e->data + 5, msg + 5, cmp_len - 5) == 0);
	e->start = e->len = 0;
}

static void decode(const char *msg, size_t n, wire_buf *e)
{
	const char *text;
	size_t len;
	if (wire_read_query(msg, n, &text, &len)) {
		CHECK(text == msg + 5 && len + 6 == n && text[len] == '\0');
		size_t m = wire_begin(e, msg[0]);
		wire_buf_append(e, text, len + 1);
		wire_end(e, m);
		check_encoding(e, msg, n, n);
	}

	wire_parse ps;
	if (wire_read_parse(msg, n, &ps)) {
		CHECK(inside_str(msg, n, ps.name) && inside_str(msg, n, ps.text));
		CHECK(ps.text_len == strlen(ps.text));
		CHECK(ps.ntypes >= 0 && ps.types >= msg + 5 && (size_t)(msg + n - ps.types) >= 4 * (size_t)ps.ntypes);
		size_t m = wire_begin(e, msg[0]);
		wire_put_str(e, ps.name);
		wire_put_str(e, ps.text);
		wire_put_int16(e, (int16_t)ps.ntypes);
		for (int i = 0; i < ps.ntypes; i++)
			wire_put_int32(e, (int32_t)wire_parse_type(&ps, i));
		wire_end(e, m);
		check_encoding(e, msg, (size_t)(ps.types - msg) + 4 * (size_t)ps.ntypes, n);
	}

	wire_bind b;
	if (wire_read_bind(msg, n, &b)) {
		CHECK(inside_str(msg, n, b.portal) && inside_str(msg, n, b.stmt));
		CHECK(b.nformats >= 0 && b.nparams >= 0 && b.nresult_formats >= 0);
		CHECK(b.nformats <= 1 || b.nformats == b.nparams);
		size_t m = wire_begin(e, msg[0]);
		wire_put_str(e, b.portal);
		wire_put_str(e, b.stmt);
		wire_put_int16(e, (int16_t)b.nformats);
		for (int i = 0; i < b.nformats; i++)
			wire_put_int16(e, wire_get_int16(b.formats + 2 * i));
		wire_put_int16(e, (int16_t)b.nparams);
		const char *cursor = b.params;
		for (int i = 0; i < b.nparams; i++) {
			(void)wire_bind_format(&b, i); /* in bounds for every parameter */
			int32_t l;
			const char *v = wire_bind_next_param(&cursor, &l);
			CHECK(cursor <= msg + n);
			CHECK((v == NULL) == (l < 0));
			wire_put_int32(e, l);
			if (v != NULL) {
				CHECK(v >= msg && v + l <= msg + n);
				wire_buf_append(e, v, (size_t)l);
			}
		}
		CHECK(cursor + 2 == b.result_formats);
		wire_put_int16(e, (int16_t)b.nresult_formats);
		for (int i = 0; i < b.nresult_formats; i++)
			wire_put_int16(e, wire_bind_result_format(&b, i));
		wire_end(e, m);
		check_encoding(e, msg, n, n);
	}

	char kind;
	const char *name;
	if (wire_read_target(msg, n, &kind, &name)) {
		CHECK((kind == 'S' || kind == 'P') && inside_str(msg, n, name));
		size_t m = wire_begin(e, msg[0]);
		wire_put_byte(e, kind);
		wire_put_str(e, name);
		wire_end(e, m);
		check_encoding(e, msg, n, n);
	}

	const char *portal;
	int32_t max_rows;
	if (wire_read_execute(msg, n, &portal, &max_rows)) {
		CHECK(inside_str(msg, n, portal));
		size_t m = wire_begin(e, msg[0]);
		wire_put_str(e, portal);
		wire_put_int32(e, max_rows);
		wire_end(e, m);
		check_encoding(e, msg, n, n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	wire_buf e = {0};
	/* the cap as max_message_mb sets it, from the input's length: 0 (none) or small enough to matter */
	size_t cap = size % 3 == 0 ? 0 : 64 * (size % 7);
	while (end - p >= 5) {
		uint32_t len, limit;
		wire_header_check hc = wire_frontend_header(p, cap, &len, &limit);
		if (hc != WIRE_HEADER_OK) {
			CHECK(hc != WIRE_HEADER_TOO_LARGE || (cap > 0 && len > cap));
			break;
		}
		CHECK(wire_frontend_type_ok(p[0]) && len >= 4 && len <= limit && (cap == 0 || len <= cap));
		if ((size_t)(end - p) < (size_t)len + 1)
			break;
		size_t n = (size_t)len + 1;
		char *msg = malloc(n);
		if (msg == NULL)
			break;
		memcpy(msg, p, n);
		decode(msg, n, &e);
		free(msg);
		p += n;
	}
	wire_buf_free(&e);
	return 0;
}
