/*
 * cbcache-admin.c - command-line client of the cbcached admin socket:
 * sends one command, prints the reply as an aligned table or as JSON.
 *
 * Functions prefix: cla_
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "src/config.h"

#define CLA_MAX_COLS 32

typedef struct cla_table {
	int ncols;
	char *cols[CLA_MAX_COLS];
	int nrows;
	char ***rows; /* nrows arrays of ncols values */
	bool ok;
	char *message;
} cla_table;

static void cla_usage(FILE *f)
{
	fprintf(f, "cbcache-admin - send a command to the cbcached admin socket\n\n"
	           "Usage: cbcache-admin (-s SOCKET | -c CONFIG) [--json] COMMAND...\n\n"
	           "Commands: SHOW STATS, SHOW SESSIONS, SHOW CONFIG, SHOW FILLS, SHOW CONTROLS, SHOW QUERIES,\n"
	           "          SHOW REPLICATION, VERIFY, FILL table.column value, EVICT table.column value,\n"
	           "          EVICT ALL, WAIT FILLS [ms], DROP SLOT, RELOAD, SHUTDOWN\n"
	           "          (see doc/admin.md)\n"
	           "  -s, --socket SOCKET  the admin socket (admin_socket in cbcache.conf)\n"
	           "  -c, --config CONFIG  read admin_socket from this cbcache.conf\n"
	           "  -j, --json           print JSON instead of a table\n"
	           "  -h, --help           print this help\n");
}

static int cla_hex(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* Undo the protocol's escapes (\\, \t, \n, \r, \xHH; src/admin.h) in place. */
static void cla_unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r != '\0'; r++) {
		if (*r != '\\' || r[1] == '\0') {
			*w++ = *r;
			continue;
		}
		r++;
		if (*r == 'x' && cla_hex(r[1]) >= 0 && cla_hex(r[2]) >= 0 && (cla_hex(r[1]) | cla_hex(r[2])) != 0) {
			*w++ = (char)(cla_hex(r[1]) * 16 + cla_hex(r[2]));
			r += 2;
		} else {
			*w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
		}
	}
	*w = '\0';
}

/*
 * Print s as the table shows it, padded with spaces to width: control
 * bytes as \n, \t, \r or \xHH, so that a value never breaks its row or
 * drives the terminal.  Returns the width printed before the padding;
 * with out NULL only measures.
 */
static size_t cla_show(FILE *out, const char *s, size_t width)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		char esc[8];
		if (*p == '\n' || *p == '\t' || *p == '\r')
			snprintf(esc, sizeof(esc), "\\%c", *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r');
		else if (*p < 0x20 || *p == 0x7f)
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
		else
			esc[0] = '\0';
		if (out != NULL) {
			if (esc[0] != '\0')
				fputs(esc, out);
			else
				putc(*p, out);
		}
		n += esc[0] != '\0' ? strlen(esc) : 1;
	}
	for (size_t k = n; out != NULL && k < width; k++)
		putc(' ', out);
	return n;
}

/* Split a tab-separated line after its tag into fields (in place). */
static int cla_split(char *line, char **out, int max)
{
	int n = 0;
	char *p = strchr(line, '\t');
	while (p != NULL && n < max) {
		*p = '\0';
		char *v = p + 1;
		p = strchr(v, '\t');
		out[n++] = v;
	}
	for (int i = 0; i < n; i++)
		cla_unescape(out[i]);
	return n;
}

static bool cla_parse(char *reply, cla_table *t)
{
	memset(t, 0, sizeof(*t));
	char *save = NULL;
	for (char *line = strtok_r(reply, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "COLUMNS\t", 8) == 0) {
			t->ncols = cla_split(line, t->cols, CLA_MAX_COLS);
		} else if (strncmp(line, "ROW\t", 4) == 0) {
			char **row = calloc(CLA_MAX_COLS, sizeof(char *));
			char ***rows = realloc(t->rows, sizeof(char **) * (size_t)(t->nrows + 1));
			if (row == NULL || rows == NULL) {
				free(row);
				if (rows != NULL)
					t->rows = rows;
				return false;
			}
			t->rows = rows;
			int n = cla_split(line, row, CLA_MAX_COLS);
			for (int i = n; i < CLA_MAX_COLS; i++)
				row[i] = "";
			t->rows[t->nrows++] = row;
		} else if (strncmp(line, "OK", 2) == 0 || strncmp(line, "ERROR", 5) == 0) {
			t->ok = line[0] == 'O';
			char *m = line + (t->ok ? 2 : 5);
			t->message = *m == ' ' ? m + 1 : m;
			cla_unescape(t->message);
			return true;
		}
	}
	return false;
}

static void cla_free(cla_table *t)
{
	for (int i = 0; i < t->nrows; i++)
		free(t->rows[i]);
	free(t->rows);
}

/* Length of the valid UTF-8 sequence at p (1 to 4), 0 when the bytes there are not one. */
static int cla_utf8_len(const unsigned char *p)
{
	int n = p[0] < 0x80                             ? 1
	        : (p[0] & 0xe0) == 0xc0 && p[0] >= 0xc2 ? 2
	        : (p[0] & 0xf0) == 0xe0                 ? 3
	        : (p[0] & 0xf8) == 0xf0 && p[0] <= 0xf4 ? 4
	                                                : 0;
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0))) ||
	    (n == 4 && ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))))
		return 0; /* overlong, surrogate, past U+10FFFF */
	return n;
}

/* s as a JSON string; a byte that is not UTF-8 (a value cut short, say) becomes U+FFFD, so the output stays JSON. */
static void cla_json_string(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
		int n = cla_utf8_len(p);
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '\t')
			fputs("\\t", stdout);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else if (n == 0)
			fputs("\\ufffd", stdout);
		else
			fwrite(p, 1, (size_t)n, stdout);
		p += n > 0 ? n : 1;
	}
	putchar('"');
}

static void cla_print_json(const cla_table *t)
{
	printf("{\"ok\": %s, \"message\": ", t->ok ? "true" : "false");
	cla_json_string(t->message != NULL ? t->message : "");
	if (t->ncols > 0) {
		fputs(", \"rows\": [", stdout);
		for (int r = 0; r < t->nrows; r++) {
			fputs(r > 0 ? ", {" : "{", stdout);
			for (int c = 0; c < t->ncols; c++) {
				if (c > 0)
					fputs(", ", stdout);
				cla_json_string(t->cols[c]);
				fputs(": ", stdout);
				cla_json_string(t->rows[r][c]);
			}
			putchar('}');
		}
		putchar(']');
	}
	fputs("}\n", stdout);
}

static void cla_print_table(const cla_table *t)
{
	if (t->ncols > 0) {
		size_t w[CLA_MAX_COLS];
		for (int c = 0; c < t->ncols; c++) {
			w[c] = cla_show(NULL, t->cols[c], 0);
			for (int r = 0; r < t->nrows; r++) {
				size_t n = cla_show(NULL, t->rows[r][c], 0);
				if (n > w[c])
					w[c] = n;
			}
		}
		for (int c = 0; c < t->ncols; c++) {
			fputs(c > 0 ? " | " : " ", stdout);
			cla_show(stdout, t->cols[c], c + 1 < t->ncols ? w[c] : 0);
		}
		putchar('\n');
		for (int c = 0; c < t->ncols; c++) {
			fputs(c > 0 ? "-+-" : "-", stdout);
			for (size_t k = 0; k < w[c]; k++)
				putchar('-');
		}
		putchar('\n');
		for (int r = 0; r < t->nrows; r++) {
			for (int c = 0; c < t->ncols; c++) {
				fputs(c > 0 ? " | " : " ", stdout);
				cla_show(stdout, t->rows[r][c], c + 1 < t->ncols ? w[c] : 0);
			}
			putchar('\n');
		}
		printf("(%d row%s)\n", t->nrows, t->nrows == 1 ? "" : "s");
	}
	if (t->message != NULL && t->message[0] != '\0') {
		cla_show(stdout, t->message, 0);
		putchar('\n');
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"socket", required_argument, NULL, 's'},
	                                     {"config", required_argument, NULL, 'c'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *sock = NULL, *config = NULL;
	bool json = false;
	int c;
	while ((c = getopt_long(argc, argv, "+s:c:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			cla_usage(stdout);
			return 0;
		default:
			cla_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || (sock == NULL && config == NULL)) {
		fprintf(stderr, "cbcache-admin: give the socket (-s SOCKET or -c CONFIG) and a command\n");
		cla_usage(stderr);
		return 2;
	}
	char command[1024] = "";
	size_t len = 0;
	for (int i = optind; i < argc; i++)
		len += (size_t)snprintf(command + len, len < sizeof(command) ? sizeof(command) - len : 0, "%s%s",
		                        i > optind ? " " : "", argv[i]);
	if (len + 2 >= sizeof(command)) {
		fprintf(stderr, "cbcache-admin: command too long\n");
		return 2;
	}
	command[len++] = '\n';
	command[len] = '\0';

	cfg_config cfg;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	if (sock == NULL) {
		cb_error err;
		if (!cfg_load(config, &cfg, &err)) {
			fprintf(stderr, "cbcache-admin: %s\n", err.msg);
			return 1;
		}
		snprintf(path, sizeof(path), "%s", cfg.admin_socket);
		cfg_free(&cfg);
	} else {
		snprintf(path, sizeof(path), "%s", sock);
	}

	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr,
		        "cbcache-admin: cannot connect to %s: %s; is cbcached running with this admin_socket?\n", path,
		        strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	struct timeval tv = {.tv_sec = 30};
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* should the send fail, the daemon may have answered and closed (a refused connection): read on */
	ssize_t sent = send(fd, command, len, MSG_NOSIGNAL);
	int send_errno = sent == (ssize_t)len ? 0 : sent < 0 ? errno : EIO;
	shutdown(fd, SHUT_WR);
	size_t cap = 65536, n = 0;
	char *reply = malloc(cap);
	for (;;) {
		if (reply == NULL) {
			fprintf(stderr, "cbcache-admin: out of memory\n");
			close(fd);
			return 1;
		}
		ssize_t r = recv(fd, reply + n, cap - n - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && n > 0 && errno == ECONNRESET)
			break; /* the daemon closed without reading all we sent: its reply may be whole */
		if (r < 0 || (r == 0 && n == 0 && send_errno != 0)) {
			if (send_errno != 0)
				fprintf(stderr, "cbcache-admin: cannot send to %s: %s\n", path, strerror(send_errno));
			else
				fprintf(stderr, "cbcache-admin: reading the reply from %s failed: %s\n", path,
				        strerror(errno));
			free(reply);
			close(fd);
			return 1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (cap - n < 4096) {
			cap *= 2;
			char *nr = realloc(reply, cap);
			if (nr == NULL)
				free(reply);
			reply = nr;
		}
	}
	close(fd);
	reply[n] = '\0';
	cla_table t;
	int status;
	if (!cla_parse(reply, &t)) {
		fprintf(stderr, "cbcache-admin: incomplete reply from %s (the daemon closed the connection)\n", path);
		status = 1;
	} else {
		if (json)
			cla_print_json(&t);
		else if (t.ok)
			cla_print_table(&t);
		else {
			if (t.ncols > 0) /* an error after rows (VERIFY's violations): show them */
				cla_print_table(&t);
			fputs("cbcache-admin: ERROR ", stderr);
			cla_show(stderr, t.message, 0);
			putc('\n', stderr);
		}
		status = t.ok ? 0 : 1;
	}
	cla_free(&t);
	free(reply);
	return status;
}
