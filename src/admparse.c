/*
 * admparse.c - the admin socket's command lines, read (see admparse.h).
 *
 * Functions prefix: adm_
 */
#include "src/admparse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const adm_syntax adm_syntax_table[ADM_NCOMMANDS] = {
        [ADM_SHOW_STATS] = {"SHOW STATS", false},
        [ADM_SHOW_SESSIONS] = {"SHOW SESSIONS", false},
        [ADM_SHOW_CONFIG] = {"SHOW CONFIG", false},
        [ADM_SHOW_FILLS] = {"SHOW FILLS", false},
        [ADM_SHOW_CONTROLS] = {"SHOW CONTROLS", false},
        [ADM_SHOW_QUERIES] = {"SHOW QUERIES", false},
        [ADM_SHOW_REPLICATION] = {"SHOW REPLICATION", false},
        [ADM_DROP_SLOT] = {"DROP SLOT", false},
        [ADM_RELOAD] = {"RELOAD", false},
        [ADM_SHUTDOWN] = {"SHUTDOWN", false},
        [ADM_EVICT_ALL] = {"EVICT ALL", false},
        [ADM_VERIFY] = {"VERIFY", false},
        [ADM_WAIT_FILLS] = {"WAIT FILLS", true},
        [ADM_FILL] = {"FILL", true},
        [ADM_EVICT] = {"EVICT", true},
};

adm_line_end adm_next_line(const char *buf, size_t avail, size_t *line_len, size_t *consumed)
{
	const char *nl = memchr(buf, '\n', avail);
	if ((nl != NULL ? (size_t)(nl - buf) : avail) > ADM_MAX_LINE)
		return ADM_LINE_TOO_LONG;
	if (nl == NULL)
		return ADM_LINE_INCOMPLETE;
	*consumed = (size_t)(nl - buf) + 1;
	*line_len = (size_t)(nl - buf);
	if (nl > buf && nl[-1] == '\r')
		(*line_len)--;
	return ADM_LINE_COMPLETE;
}

/* The text of line after its first nwords words (case as typed). */
static const char *skip_words(const char *line, int nwords)
{
	const char *p = line;
	for (int i = 0; i < nwords; i++) {
		while (isspace((unsigned char)*p))
			p++;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
	}
	return p;
}

bool adm_parse_line(const char *line, adm_line *out)
{
	char *norm = out->norm;
	size_t n = 0;
	bool space = false;
	for (const char *p = line; *p != '\0' && n < sizeof(out->norm) - 1; p++) {
		if (isspace((unsigned char)*p)) {
			space = n > 0;
			continue;
		}
		if (space) {
			if (n + 2 > sizeof(out->norm) - 1)
				break; /* no room for the space and the character after it */
			norm[n++] = ' ';
		}
		space = false;
		norm[n++] = (char)toupper((unsigned char)*p);
	}
	norm[n] = '\0';
	while (n > 0 && (norm[n - 1] == ';' || norm[n - 1] == ' '))
		norm[--n] = '\0';
	out->cmd = ADM_UNKNOWN;
	out->args = "";
	if (n == 0)
		return false;
	for (int i = 0; i < ADM_NCOMMANDS; i++) {
		const adm_syntax *c = &adm_syntax_table[i];
		size_t wl = strlen(c->words);
		if (c->args ? strncmp(norm, c->words, wl) == 0 && (norm[wl] == ' ' || norm[wl] == '\0')
		            : strcmp(norm, c->words) == 0) {
			int nwords = 1;
			for (const char *w = c->words; *w != '\0'; w++)
				nwords += *w == ' ';
			out->cmd = (adm_cmd)i;
			out->args = skip_words(line, c->args ? nwords : 0);
			return true;
		}
	}
	return true;
}

bool adm_split_fill_args(const char *args, char *name, size_t nlen, char *value, size_t vlen)
{
	while (isspace((unsigned char)*args))
		args++;
	size_t n = strcspn(args, " \t");
	const char *v = args + n;
	while (isspace((unsigned char)*v))
		v++;
	size_t m = strlen(v);
	while (m > 0 && (isspace((unsigned char)v[m - 1]) || v[m - 1] == ';'))
		m--;
	if (n == 0 || m == 0 || n >= nlen || m >= vlen)
		return false;
	memcpy(name, args, n);
	name[n] = '\0';
	memcpy(value, v, m);
	value[m] = '\0';
	return true;
}

bool adm_parse_wait_ms(const char *args, long *ms)
{
	while (isspace((unsigned char)*args))
		args++;
	if (*args == '\0')
		return true;
	char *end;
	long v = strtol(args, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0' || v < 0 || v > 600000)
		return false;
	*ms = v;
	return true;
}
