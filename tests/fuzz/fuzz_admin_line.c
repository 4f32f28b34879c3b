/*
 * libFuzzer target for the admin socket's line parsing (src/admparse.c,
 * which src/admin.c calls): splitting what a client sent into lines,
 * recognising the command of each, and the arguments of FILL/EVICT and
 * WAIT FILLS.  The input is what an admin client sends (any bytes);
 * lines are cut from an exact-size heap copy.  Properties asserted
 * besides "no crash":
 *   - a line ends at the first newline, within ADM_MAX_LINE bytes, a CR
 *     before the newline left out; no line is left out or read twice;
 *   - the normalized command is upper case, single-spaced, without
 *     trailing blanks or ';', and at most 255 bytes; a recognised
 *     command's words start it, the arguments lie inside the line;
 *   - the line in lower case is the same command (commands ignore case);
 *   - FILL/EVICT arguments that split give a name without blanks and a
 *     value without trailing blanks or ';', both found in the arguments;
 *   - a WAIT FILLS timeout that parses is within 0..600000.
 * Built with clang (-fsanitize=fuzzer,address,undefined) when configure
 * found it; `make check` runs it briefly over tests/fuzz/corpus-admin
 * (tests/fuzz/test_admin_line_fuzz.sh), `make fuzz` for longer.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/admparse.h"
#include "tests/fuzz/fuzz.h"

static void check_line(const char *line, size_t len)
{
	adm_line l;
	bool any = adm_parse_line(line, &l);
	size_t n = strlen(l.norm);
	CHECK(n < sizeof(l.norm));
	CHECK(any == (n > 0));
	CHECK(n == 0 || (l.norm[0] != ' ' && l.norm[n - 1] != ' ' && l.norm[n - 1] != ';'));
	for (size_t i = 0; i < n; i++) {
		CHECK(!islower((unsigned char)l.norm[i]) && (l.norm[i] == ' ' || !isspace((unsigned char)l.norm[i])));
		CHECK(i == 0 || l.norm[i] != ' ' || l.norm[i - 1] != ' ');
	}
	if (!any)
		return;
	CHECK(l.cmd >= 0 && l.cmd <= ADM_UNKNOWN);
	if (l.cmd != ADM_UNKNOWN) {
		const adm_syntax *c = &adm_syntax_table[l.cmd];
		CHECK(strncmp(l.norm, c->words, strlen(c->words)) == 0);
		if (c->args)
			CHECK(l.args >= line && l.args <= line + len);
		else
			CHECK(strcmp(l.norm, c->words) == 0);
	}

	/* case does not matter */
	char *lower = malloc(len + 1);
	if (lower != NULL) {
		for (size_t i = 0; i <= len; i++)
			lower[i] = (char)tolower((unsigned char)line[i]);
		adm_line l2;
		CHECK(adm_parse_line(lower, &l2) && l2.cmd == l.cmd && strcmp(l2.norm, l.norm) == 0);
		free(lower);
	}

	if (l.cmd == ADM_FILL || l.cmd == ADM_EVICT) {
		char name[256], value[1024];
		if (adm_split_fill_args(l.args, name, sizeof(name), value, sizeof(value))) {
			size_t nl = strlen(name), vl = strlen(value);
			CHECK(nl > 0 && nl < sizeof(name) && vl > 0 && vl < sizeof(value));
			CHECK(strpbrk(name, " \t") == NULL && strstr(l.args, name) != NULL &&
			      strstr(l.args, value) != NULL);
			CHECK(!isspace((unsigned char)value[vl - 1]) && value[vl - 1] != ';');
		}
	}
	if (l.cmd == ADM_WAIT_FILLS) {
		long ms = -1;
		if (adm_parse_wait_ms(l.args, &ms))
			CHECK(ms == -1 || (ms >= 0 && ms <= 600000));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size > 0 ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	size_t pos = 0;
	while (pos < size) {
		size_t line_len = 0, consumed = 0;
		adm_line_end e = adm_next_line(buf + pos, size - pos, &line_len, &consumed);
		const char *nl = memchr(buf + pos, '\n', size - pos);
		if (e == ADM_LINE_TOO_LONG) {
			CHECK(nl == NULL ? size - pos > ADM_MAX_LINE : (size_t)(nl - (buf + pos)) > ADM_MAX_LINE);
			break;
		}
		if (e == ADM_LINE_INCOMPLETE) {
			CHECK(nl == NULL && size - pos <= ADM_MAX_LINE);
			break;
		}
		CHECK(e == ADM_LINE_COMPLETE && nl == buf + pos + consumed - 1 && consumed <= ADM_MAX_LINE + 1);
		CHECK(line_len == consumed - 1 || (line_len == consumed - 2 && buf[pos + line_len] == '\r'));
		/* the line as the server runs it: NUL-terminated in place of its end */
		char *line = malloc(line_len + 1);
		if (line == NULL)
			break;
		memcpy(line, buf + pos, line_len);
		line[line_len] = '\0';
		check_line(line, line_len);
		free(line);
		pos += consumed;
	}
	free(buf);
	return 0;
}
