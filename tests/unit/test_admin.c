/*
 * Unit tests of src/admin.c: command normalization, the reply format of
 * each command (COLUMNS/ROW/OK|ERROR lines, escaping), the hooks RELOAD
 * and SHUTDOWN call, unknown commands, and the 0600 mode of the socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/admin.h"

static char dir[256];
static char sock[300];
static cfg_config cfg;
static int reloads, shutdowns;
static bool reload_ok;

static bool hook_reload(cb_error *err)
{
	reloads++;
	return reload_ok ? true : cb_fail(err, "x.conf:3: broken");
}

static void hook_shutdown(void)
{
	shutdowns++;
}

static const cfg_config *hook_config(void)
{
	return &cfg;
}

static adm_server *srv;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cbadm.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(sock, sizeof(sock), "%s/admin.sock", dir);
	char conf[300];
	snprintf(conf, sizeof(conf), "%s/c.conf", dir);
	FILE *f = fopen(conf, "w");
	fputs("listen_dir = /tmp\nadmin_socket = /tmp/a\nbackend = \"host=/tmp application_name='a\tb'\"\n", f);
	fclose(f);
	cb_error err;
	if (!cfg_load(conf, &cfg, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	unlink(conf);
	adm_hooks hooks = {.reload = hook_reload, .shutdown = hook_shutdown, .config = hook_config};
	if (!adm_open(sock, &hooks, &srv, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	adm_close(srv);
	cfg_free(&cfg);
	rmdir(dir);
	return 0;
}

/* Run line; return the reply as a NUL-terminated string (static). */
static const char *run(const char *line)
{
	static char out[65536];
	adm_reply r = {0};
	adm_execute(srv, line, &r);
	size_t n = wire_buf_avail(&r.buf);
	assert_true(n < sizeof(out));
	if (n > 0)
		memcpy(out, r.buf.data + r.buf.start, n);
	out[n] = '\0';
	wire_buf_free(&r.buf);
	return out;
}

static void test_socket_mode(void **state)
{
	(void)state;
	struct stat st;
	assert_int_equal(stat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_show_stats(void **state)
{
	(void)state;
	const char *r = run("show   stats;");
	assert_true(strncmp(r, "COLUMNS\tname\tvalue\n", 19) == 0);
	assert_non_null(strstr(r, "\nROW\tstatements\t"));
	assert_non_null(strstr(r, "\nROW\tuptime_s\t"));
	assert_non_null(strstr(r, "\nOK\n"));
}

static void test_show_sessions(void **state)
{
	(void)state;
	assert_string_equal(run("SHOW SESSIONS"), "COLUMNS\tid\tuser\tdatabase\tclient\tstate\tbackend_pid\tconnected_s"
	                                          "\tstatements\tbytes_in\tbytes_out\tin_process\nOK\n");
}

static void test_show_config(void **state)
{
	(void)state;
	const char *r = run("Show Config");
	assert_true(strncmp(r, "COLUMNS\tkey\tvalue\tchanges_on\n", 29) == 0);
	assert_non_null(strstr(r, "\nROW\tlog_level\tinfo\treload\n"));
	assert_non_null(strstr(r, "\nROW\tlisten_port\t6433\trestart\n"));
	/* a tab in a value is escaped */
	assert_non_null(strstr(r, "\nROW\tbackend\thost=/tmp application_name='a\\tb'\trestart\n"));
}

static void test_reload_and_shutdown(void **state)
{
	(void)state;
	reload_ok = true;
	const char *r = run("RELOAD");
	assert_int_equal(reloads, 1);
	assert_true(strncmp(r, "OK reloaded ", 12) == 0);
	reload_ok = false;
	assert_string_equal(run("reload"), "ERROR reload failed, the old configuration stays: x.conf:3: broken\n");
	assert_int_equal(reloads, 2);
	assert_int_equal(shutdowns, 0);
	assert_string_equal(run("SHUTDOWN"), "OK shutting down\n");
	assert_int_equal(shutdowns, 1);
}

static void test_unknown_and_empty(void **state)
{
	(void)state;
	assert_string_equal(run("show nonsense"),
	                    "ERROR unknown command \"SHOW NONSENSE\": the commands are SHOW STATS, "
	                    "SHOW SESSIONS, SHOW CONFIG, RELOAD, SHUTDOWN\n");
	assert_string_equal(run("SHOWSTATS"), "ERROR unknown command \"SHOWSTATS\": the commands are SHOW STATS, "
	                                      "SHOW SESSIONS, SHOW CONFIG, RELOAD, SHUTDOWN\n");
	assert_string_equal(run("   "), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_socket_mode),         cmocka_unit_test(test_show_stats),
	        cmocka_unit_test(test_show_sessions),       cmocka_unit_test(test_show_config),
	        cmocka_unit_test(test_reload_and_shutdown), cmocka_unit_test(test_unknown_and_empty),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
