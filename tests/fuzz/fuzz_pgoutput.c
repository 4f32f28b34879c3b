/*
 * libFuzzer target for the pgoutput decoder (cache/pgoutput.c).
 *
 * The input is a sequence of messages, each a 2-byte big-endian length
 * and that many bytes (a short last one takes what is left).  All go
 * through one decoder, so Relation messages fill the relation cache that
 * later changes use.  Each message is decoded as a CopyData message (and
 * an XLogData's payload as a pgoutput message) and as a pgoutput message
 * itself, from a heap copy of its exact size: any read past the end, leak
 * or undefined behaviour is a finding.  Built with clang
 * (-fsanitize=fuzzer,address,undefined) when configure found clang; `make
 * check` runs it briefly from seeds written by tests/fuzz/test_pgoutput_fuzz.sh.
 * Longer runs by hand:
 *   tests/fuzz/fuzz_pgoutput -max_total_time=600 /tmp/corpus
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache/pgoutput.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every byte a decoded message points to (the sanitizers check them). */
static size_t touch_tuple(const pgoutput_tuple *t)
{
	size_t sum = 0;
	for (uint16_t i = 0; i < t->ncols; i++)
		for (uint32_t k = 0; k < t->cols[i].len; k++)
			sum += (unsigned char)t->cols[i].data[k];
	return sum;
}

static size_t touch(const pgoutput_msg *m)
{
	size_t sum = 0;
	switch (m->kind) {
	case PGOUTPUT_RELATION:
		for (uint16_t i = 0; i < m->u.relation.rel->ncols; i++)
			sum += strlen(m->u.relation.rel->cols[i].name);
		if (m->u.relation.old != NULL)
			sum += strlen(m->u.relation.old->relname);
		break;
	case PGOUTPUT_INSERT:
		sum += touch_tuple(&m->u.insert.newtup);
		break;
	case PGOUTPUT_UPDATE:
		sum += touch_tuple(&m->u.update.oldtup) + touch_tuple(&m->u.update.newtup);
		break;
	case PGOUTPUT_DELETE:
		sum += touch_tuple(&m->u.del.oldtup);
		break;
	case PGOUTPUT_TRUNCATE:
		for (uint32_t i = 0; i < m->u.truncate.nrels; i++)
			sum += m->u.truncate.rels[i]->ncols;
		break;
	case PGOUTPUT_MESSAGE:
		sum += strlen(m->u.message.prefix);
		for (uint32_t k = 0; k < m->u.message.len; k++)
			sum += (unsigned char)m->u.message.content[k];
		break;
	case PGOUTPUT_ORIGIN:
		sum += strlen(m->u.origin.name);
		break;
	case PGOUTPUT_TYPE:
		sum += strlen(m->u.type.nspname) + strlen(m->u.type.typname);
		break;
	default:
		break;
	}
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sum = 0; /* read at the end, so touching is not optimised away */
	pgoutput_decoder *d = pgoutput_decoder_new();
	if (d == NULL)
		return 0;
	size_t pos = 0;
	while (pos < size) {
		size_t len = size - pos;
		if (len >= 2) {
			size_t want = (size_t)data[pos] << 8 | data[pos + 1];
			pos += 2;
			len = want <= size - pos ? want : size - pos;
		} else {
			pos = size;
			break;
		}
		uint8_t *copy = malloc(len ? len : 1);
		if (copy == NULL)
			break;
		memcpy(copy, data + pos, len);
		pos += len;
		cb_error err;
		pgoutput_msg m;
		pgoutput_copydata cd;
		if (pgoutput_read_copydata(copy, len, &cd, &err) && cd.kind == PGOUTPUT_XLOGDATA &&
		    pgoutput_decode(d, cd.data, cd.len, &m, &err))
			sum += touch(&m);
		if (pgoutput_decode(d, copy, len, &m, &err))
			sum += touch(&m);
		free(copy);
	}
	pgoutput_decoder_free(d);
	return sum == SIZE_MAX ? -1 : 0;
}
