/*
 * libFuzzer target for the startup packet parser (hit/wire.c
 * wire_read_startup, which src/session.c read_startup calls): the
 * StartupMessage, SSLRequest, GSSENCRequest and CancelRequest.
 *
 * The input is a packet's body: the bytes after its length word (the
 * session reads the length word first and refuses one outside [8,
 * WIRE_MAX_STARTUP], so longer or shorter inputs are skipped).  It is
 * copied to the heap at its exact size: the parser must not read past it
 * (the session's copy happens to end in a NUL; the parser may not count
 * on it).  Properties asserted besides "no crash":
 *   - the kind agrees with the request code (SSL/GSSENC, cancel, 3.x);
 *     a CancelRequest is read only at its exact size, pid and key as sent;
 *   - the same body followed by a NUL (as the session holds it) parses
 *     the same way;
 *   - on a StartupMessage: every parameter's name and value end inside
 *     the body, in order, without overlap; user and database are the
 *     values of the last such parameters; the StartupMessage the backend
 *     is sent (wire_put_startup) fits PostgreSQL's limit and parses back
 *     to the same parameters.
 * Built with clang (-fsanitize=fuzzer,address,undefined) when configure
 * found it; `make check` runs it briefly over tests/fuzz/corpus-startup
 * (tests/fuzz/test_startup_fuzz.sh), `make fuzz` for longer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hit/wire.h"
#include "tests/fuzz/fuzz.h"

static void check_message(const char *body, size_t n, const wire_startup *st)
{
	const char *last_user = NULL, *last_db = NULL;
	const char *after = body + 4; /* where the next name may start */
	CHECK(st->nparams >= 0 && st->nparams <= WIRE_STARTUP_MAX_PARAMS);
	CHECK(st->nunknown >= 0 && st->nunknown <= WIRE_STARTUP_MAX_UNKNOWN);
	for (int i = 0; i < st->nparams; i++) {
		const char *name = st->params[i].name, *value = st->params[i].value;
		CHECK(name >= after && name < body + n);
		const char *z = memchr(name, '\0', (size_t)(body + n - name));
		CHECK(z != NULL && z > name && value == z + 1 && value < body + n);
		const char *zv = memchr(value, '\0', (size_t)(body + n - value));
		CHECK(zv != NULL && zv < body + n - 1); /* the final NUL follows */
		after = zv + 1;
		if (strcmp(name, "user") == 0)
			last_user = value;
		if (strcmp(name, "database") == 0)
			last_db = value;
	}
	CHECK(body[n - 1] == '\0');
	CHECK(st->user == last_user && st->database == last_db);
	for (int i = 0; i < st->nunknown; i++)
		CHECK(strncmp(st->unknown[i], "_pq_.", 5) == 0);

	/* what the backend is sent */
	wire_buf b = {0};
	wire_put_startup(&b, st);
	CHECK(!b.failed && b.len >= 9 && b.len <= n + 4 && b.len <= WIRE_MAX_STARTUP);
	CHECK(wire_get_uint32(b.data) == b.len && wire_get_uint32(b.data + 4) == WIRE_PROTOCOL_3_0);
	wire_startup again;
	CHECK(wire_read_startup(b.data + 4, b.len - 4, &again) == WIRE_STARTUP_MESSAGE);
	CHECK(again.code == WIRE_PROTOCOL_3_0 && again.nparams == st->nparams && again.nunknown == 0);
	for (int i = 0; i < st->nparams; i++) {
		CHECK(strcmp(again.params[i].name, st->params[i].name) == 0);
		CHECK(strcmp(again.params[i].value, st->params[i].value) == 0);
	}
	CHECK((again.user == NULL) == (st->user == NULL));
	CHECK(again.user == NULL || strcmp(again.user, st->user) == 0);
	CHECK((again.database == NULL) == (st->database == NULL));
	CHECK(again.database == NULL || strcmp(again.database, st->database) == 0);
	wire_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4 || size > WIRE_MAX_STARTUP - 4)
		return 0;
	char *body = malloc(size);
	char *held = malloc(size + 1); /* as the session holds it */
	if (body == NULL || held == NULL) {
		free(body);
		free(held);
		return 0;
	}
	memcpy(body, data, size);
	memcpy(held, data, size);
	held[size] = '\0';

	wire_startup st, st2;
	wire_startup_kind k = wire_read_startup(body, size, &st);
	wire_startup_kind k2 = wire_read_startup(held, size, &st2);
	CHECK(k == k2 && st.nparams == st2.nparams && st.nunknown == st2.nunknown &&
	      (st.error == NULL) == (st2.error == NULL));
	uint32_t code = wire_get_uint32(body);
	CHECK(st.code == code);
	switch (k) {
	case WIRE_STARTUP_ENCRYPT:
		CHECK(code == WIRE_SSL_CODE || code == WIRE_GSSENC_CODE);
		break;
	case WIRE_STARTUP_CANCEL:
		CHECK(code == WIRE_CANCEL_CODE && st.cancel_ok == (size == 12));
		CHECK(!st.cancel_ok || (st.cancel_pid == (int32_t)wire_get_uint32(body + 4) &&
		                        st.cancel_key == (int32_t)wire_get_uint32(body + 8)));
		break;
	case WIRE_STARTUP_VERSION:
		CHECK((code >> 16) != 3 && code != WIRE_CANCEL_CODE);
		break;
	case WIRE_STARTUP_REPLICATION:
		CHECK((code >> 16) == 3);
		break;
	case WIRE_STARTUP_BAD:
		CHECK((code >> 16) == 3 && st.error != NULL && strcmp(st.error, st2.error) == 0);
		break;
	case WIRE_STARTUP_MESSAGE:
		CHECK((code >> 16) == 3 && st.error == NULL);
		check_message(body, size, &st);
		break;
	}
	free(body);
	free(held);
	return 0;
}
