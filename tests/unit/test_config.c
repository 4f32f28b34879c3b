/*
 * Unit tests of src/config.c: a good file with every kind of value, the
 * defaults, relative path resolution, and each error kind with its
 * file:line and the accepted values; the reload rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/config.h"

static char tmpdir[256];
static char conf_path[300];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/cbcfg.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(conf_path, sizeof(conf_path), "%s/cbcache.conf", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(conf_path);
	rmdir(tmpdir);
	return 0;
}

static void write_conf(const char *text)
{
	FILE *f = fopen(conf_path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#define REQUIRED "listen_dir = /run/cb\nadmin_socket = /run/cb/admin\nbackend = host=/tmp port=5432\n"

/* Load text and expect failure with an error containing want (after the file name). */
static void expect_error(const char *text, const char *want)
{
	write_conf(text);
	cfg_config cfg;
	cb_error err;
	assert_false(cfg_load(conf_path, &cfg, &err));
	char full[1200];
	snprintf(full, sizeof(full), "%s:%s", conf_path, want);
	if (strstr(err.msg, full) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", err.msg, full);
}

static void test_good_file(void **state)
{
	(void)state;
	write_conf("# a comment\n"
	           "; another\n"
	           "[cbcache]\n"
	           "listen_dir = sock\n"
	           "listen_port = 7000\n"
	           "listen_addr = 127.0.0.1\n"
	           "allow_tcp_password = yes\n"
	           "admin_socket = /run/cb/admin.sock\n"
	           "backend = \"host=/var/run/postgresql port=5433 connect_timeout=5\"\n"
	           "cache_db = cache.db\n"
	           "cache_groups = a.cg, /abs/b.cg\n"
	           "instance_name = shop_2\n"
	           "max_clients = 50\n"
	           "max_cache_rows = 5000000000\n"
	           "max_cache_mb = 0\n"
	           "gc_interval = 60\n"
	           "gc_low_water = 70\n"
	           "log_level = DEBUG\n"
	           "log_file = /var/log/cbcached.log\n"
	           "pid_file = cbcached.pid\n"
	           "shutdown_timeout = 0\n");
	cfg_config cfg;
	cb_error err;
	if (!cfg_load(conf_path, &cfg, &err))
		fail_msg("%s", err.msg);
	char want[512];
	snprintf(want, sizeof(want), "%s/sock", tmpdir);
	assert_string_equal(cfg.listen_dir, want);
	assert_int_equal(cfg.listen_port, 7000);
	assert_string_equal(cfg.listen_addr, "127.0.0.1");
	assert_true(cfg.allow_tcp_password);
	assert_string_equal(cfg.admin_socket, "/run/cb/admin.sock");
	assert_string_equal(cfg.backend, "host=/var/run/postgresql port=5433 connect_timeout=5");
	snprintf(want, sizeof(want), "%s/cache.db", tmpdir);
	assert_string_equal(cfg.cache_db, want);
	snprintf(want, sizeof(want), "%s/a.cg,/abs/b.cg", tmpdir);
	assert_string_equal(cfg.cache_groups, want);
	char item[256];
	assert_true(cfg_list_item(cfg.cache_groups, 1, item, sizeof(item)));
	assert_string_equal(item, "/abs/b.cg");
	assert_false(cfg_list_item(cfg.cache_groups, 2, item, sizeof(item)));
	assert_string_equal(cfg.instance_name, "shop_2");
	assert_int_equal(cfg.max_clients, 50);
	assert_true(cfg.max_cache_rows == 5000000000L);
	assert_int_equal(cfg.max_cache_mb, 0);
	assert_int_equal(cfg.gc_interval, 60);
	assert_int_equal(cfg.gc_low_water, 70);
	assert_int_equal(cfg.log_level, LOG_DEBUG);
	assert_string_equal(cfg.log_file, "/var/log/cbcached.log");
	assert_int_equal(cfg.shutdown_timeout, 0);
	cfg_free(&cfg);
}

/* A timeout whose milliseconds pass INT_MAX loads (it is a valid libpq value) and is capped, not wrapped. */
static void test_long_connect_timeout(void **state)
{
	(void)state;
	write_conf("listen_dir = /x\nadmin_socket = /y\nbackend = host=/tmp connect_timeout=' 17777777 '\n");
	cfg_config cfg;
	cb_error err;
	if (!cfg_load(conf_path, &cfg, &err))
		fail_msg("%s", err.msg);
	cfg_free(&cfg);
}

static void test_defaults(void **state)
{
	(void)state;
	write_conf(REQUIRED);
	cfg_config cfg;
	cb_error err;
	if (!cfg_load(conf_path, &cfg, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(cfg.listen_port, 6433);
	assert_string_equal(cfg.listen_addr, "");
	assert_false(cfg.allow_tcp_password);
	assert_string_equal(cfg.cache_db, "");
	assert_string_equal(cfg.cache_groups, "");
	assert_string_equal(cfg.instance_name, "default");
	assert_int_equal(cfg.max_clients, 1000);
	assert_int_equal(cfg.log_level, LOG_INFO);
	assert_string_equal(cfg.log_file, "");
	assert_string_equal(cfg.pid_file, "");
	assert_int_equal(cfg.shutdown_timeout, 30);
	/* every key has a printable value */
	char buf[256];
	for (size_t i = 0; i < cfg_key_count(); i++)
		assert_non_null(cfg_key_value(&cfg, i, buf, sizeof(buf)));
	cfg_free(&cfg);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error(REQUIRED "frobnicate = 1\n", "4: unknown key \"frobnicate\"; the keys are: listen_dir, ");
	/* a removed key says why and what to do */
	expect_error(
	        REQUIRED "workers = 2\n",
	        "4: workers is no longer a key: cache hits are answered in each session's own thread; remove the line");
	expect_error(REQUIRED "listen_port = 0\n",
	             "4: listen_port: invalid value \"0\": give an integer from 1 to 65535");
	expect_error(REQUIRED "listen_port = 12ab\n", "4: listen_port: invalid value \"12ab\"");
	expect_error(REQUIRED "max_clients =\n",
	             "4: max_clients: invalid value \"\": give an integer from 1 to 100000");
	expect_error(REQUIRED "gc_low_water = 100\n",
	             "4: gc_low_water: invalid value \"100\": give an integer from 1 to 99");
	expect_error(REQUIRED "allow_tcp_password = maybe\n",
	             "4: allow_tcp_password: invalid value \"maybe\": give on or off");
	expect_error(REQUIRED "log_level = loud\n",
	             "4: log_level: invalid value \"loud\": give one of error, warning, info, debug");
	expect_error(REQUIRED "listen_addr = localhost\n",
	             "4: listen_addr: invalid value \"localhost\": give a numeric IPv4 or IPv6 address");
	expect_error("listen_dir = /x\nadmin_socket = /y\nbackend = host=/tmp user=bob\n",
	             "3: backend: \"user\" may not be set in the backend connection string");
	expect_error("listen_dir = /x\nadmin_socket = /y\nbackend = host=/tmp frob=1\n",
	             "3: backend: invalid libpq connection string \"host=/tmp frob=1\"");
	/* connect_timeout as libpq reads it: whole seconds; a value past int is refused, not wrapped */
	expect_error("listen_dir = /x\nadmin_socket = /y\nbackend = host=/tmp connect_timeout=5s\n",
	             "3: backend: invalid integer value \"5s\" for connection option \"connect_timeout\"");
	expect_error("listen_dir = /x\nadmin_socket = /y\nbackend = host=/tmp connect_timeout=99999999999\n",
	             "3: backend: invalid integer value \"99999999999\"");
	expect_error("listen_dir = /x\nadmin_socket = /y\n", "2: required key backend is missing");
	expect_error(REQUIRED "listen_port = 1\nlisten_port = 2\n", "5: listen_port is set twice (first on line 4)");
	expect_error("[pgbouncer]\n" REQUIRED, "1: unknown section [pgbouncer]: the only section is [cbcache]");
	expect_error(REQUIRED "just words\n", "4: expected \"key = value\", got \"just words\"");
}

/* instance_name: 1 to 40 of [a-z0-9_], because it names the slot and the publication. */
static void test_instance_name(void **state)
{
	(void)state;
	static const char *const good[] = {"a", "shop_1", "0", "_", "abcdefghijklmnopqrstuvwxyz0123456789____"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char text[512];
		snprintf(text, sizeof(text), REQUIRED "instance_name = %s\n", good[i]);
		write_conf(text);
		cfg_config cfg;
		cb_error err;
		if (!cfg_load(conf_path, &cfg, &err))
			fail_msg("instance_name = %s: %s", good[i], err.msg);
		assert_string_equal(cfg.instance_name, good[i]);
		char buf[64];
		for (size_t k = 0; k < cfg_key_count(); k++)
			if (strcmp(cfg_key_name(k), "instance_name") == 0) {
				assert_string_equal(cfg_key_value(&cfg, k, buf, sizeof(buf)), good[i]);
				assert_false(cfg_key_reloadable(k));
			}
		cfg_free(&cfg);
	}
	static const char *const bad[] = {
	        "Shop", "a-b", "caf\xc3\xa9", "a b", "a.b", "\"\"", "abcdefghijklmnopqrstuvwxyz0123456789_____"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[512], want[512];
		snprintf(text, sizeof(text), REQUIRED "\ninstance_name = %s\n", bad[i]);
		const char *shown = strcmp(bad[i], "\"\"") == 0 ? "" : bad[i];
		snprintf(want, sizeof(want),
		         "5: instance_name: invalid value \"%s\": give 1 to 40 lower-case letters, digits or "
		         "underscores; it names the backend's replication slot and publication "
		         "cbcache_<instance_name>, so each cbcached on one backend needs its own",
		         shown);
		expect_error(text, want);
	}
}

static void test_missing_file(void **state)
{
	(void)state;
	cfg_config cfg;
	cb_error err;
	assert_false(cfg_load("/nonexistent/cbcache.conf", &cfg, &err));
	assert_non_null(strstr(err.msg, "/nonexistent/cbcache.conf: cannot open the config file"));
}

static int restart_calls;
static char restart_key[64];

static void note_restart(const char *key, const char *old_value, const char *new_value, void *arg)
{
	(void)old_value;
	(void)new_value;
	(void)arg;
	restart_calls++;
	snprintf(restart_key, sizeof(restart_key), "%s", key);
}

static void test_reload(void **state)
{
	(void)state;
	cfg_config cur, next;
	cb_error err;
	write_conf(REQUIRED "log_level = info\ngc_interval = 2\n");
	assert_true(cfg_load(conf_path, &cur, &err));
	write_conf(REQUIRED "log_level = debug\ngc_interval = 5\nmax_clients = 7\n");
	assert_true(cfg_load(conf_path, &next, &err));
	restart_calls = 0;
	assert_true(cfg_apply_reload(&cur, &next, note_restart, NULL, &err));
	assert_int_equal(cur.log_level, LOG_DEBUG);
	assert_int_equal(cur.max_clients, 7);
	assert_int_equal(cur.gc_interval, 2); /* needs a restart: unchanged */
	assert_int_equal(restart_calls, 1);
	assert_string_equal(restart_key, "gc_interval");
	cfg_free(&cur);
	cfg_free(&next);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_good_file),
	        cmocka_unit_test(test_defaults),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_missing_file),
	        cmocka_unit_test(test_reload),
	        cmocka_unit_test(test_instance_name),
	        cmocka_unit_test(test_long_connect_timeout),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
