/*
 * main.c - cbcached: command line, daemonizing, pid file, signals, the
 * accept loop and the admin socket in the main thread, graceful shutdown.
 *
 * Functions prefix: main_
 *
 * Threads: the main thread accepts clients and serves the admin socket;
 * every client session runs on its own thread (session.c).  Signals are
 * handled in the main thread through a self-pipe.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "hit/wire.h"
#include "src/admin.h"
#include "src/cachesvc.h"
#include "src/check.h"
#include "src/install.h"
#include "src/config.h"
#include "src/listener.h"
#include "common/fault.h"
#include "common/log.h"
#include "src/session.h"
#include "src/stats.h"

#define MAIN_LOGIN_TIMEOUT_MS 60000
/* connections beyond max_clients still get an error message, up to this many more */
#define MAIN_REJECT_SLACK 64

static cfg_config main_cfg;
static cachesvc *main_cache;              /* NULL when no cache is configured, or it did not start */
static char main_cache_why[CB_ERROR_MAX]; /* why the configured cache is not running; "" when it runs */
static void main_start_cache(void);
static bool main_recompile_cache(cb_error *err);
static int main_sigpipe[2] = {-1, -1};
static volatile sig_atomic_t main_got_hup;
static volatile sig_atomic_t main_got_term;
static bool main_stop;

/*
 * Out of file descriptors (EMFILE, ENFILE): a connection left in the
 * listen backlog keeps the socket readable, and polling it again would
 * spin.  A descriptor is kept in reserve: given up to accept the
 * connection, which is refused with an ErrorResponse saying why, then
 * taken back.  The refused connection is kept until the client's startup
 * packet arrived (at most MAIN_FD_REFUSE_MS), so that the client reads
 * the error instead of finding the socket closed under its first write;
 * meanwhile the listening sockets rest (one refusal at a time).  While
 * even the reserve fails, they rest for MAIN_FD_PAUSE_MS.  The log says
 * so at most every STATS_FD_SHORTAGE_LOG_S seconds (src/stats.h, shared
 * with the sessions), with the count refused since.
 *
 * Other threads open descriptors too (a session's backend connection, a
 * fill's, SQLite's files): one may take the descriptor the reserve just
 * freed before accept does.  The reserve is then taken again on every
 * turn of the loop until a descriptor is free, never given up for good
 * (fault point accept.reserve makes that theft certain in a test).
 */
#define MAIN_FD_PAUSE_MS 100
#define MAIN_FD_REFUSE_MS 1000
static int main_reserve_fd = -1;
static int main_refusing_fd = -1; /* a connection being refused, or -1 */
static int64_t main_refusing_until_us;
static int64_t main_accept_paused_until_us;
static long main_fd_refused;
static int main_fault_fd = -1; /* accept.reserve: the descriptor "another thread" took, held for a pause */

static void main_signal(int sig)
{
	int saved = errno;
	if (sig == SIGHUP)
		main_got_hup = 1;
	else
		main_got_term = 1;
	char c = 0;
	ssize_t n = write(main_sigpipe[1], &c, 1);
	(void)n;
	errno = saved;
}

static void main_usage(FILE *f)
{
	fprintf(f,
	        "cbcached - cbcache daemon: a PostgreSQL-protocol middleware in front of a PostgreSQL backend\n\n"
	        "Usage:\n"
	        "  cbcached -c CONFIG [-d]     run (in the foreground; -d: as a daemon, needs pid_file and log_file)\n"
	        "  cbcached --check -c CONFIG  validate the configuration and the cache group files, and say what\n"
	        "                              the backend lacks for the change stream, then exit\n"
	        "  cbcached --install-backend[=CONNINFO] -c CONFIG\n"
	        "                              install the DDL event triggers (a superuser's CONNINFO, else "
	        "cache_user's)\n"
	        "  cbcached --uninstall -c CONFIG\n"
	        "                              drop this instance's replication slot and publication (cbcached "
	        "stopped),\n"
	        "                              and the DDL event triggers when no other instance uses them\n"
	        "  cbcached --version          print the version\n"
	        "  cbcached --help             print this help\n\n"
	        "Signals: SIGHUP reloads the configuration, SIGTERM or SIGINT shut down gracefully.\n"
	        "The configuration keys are described in doc/config.md.\n");
}

static void main_restart_note(const char *key, const char *old_value, const char *new_value, void *arg)
{
	(void)arg;
	log_warning("reload: %s changed from \"%s\" to \"%s\"; this takes effect only after a restart of cbcached", key,
	            old_value, new_value);
}

static bool main_reload(cb_error *err)
{
	cfg_config next;
	if (!cfg_load(main_cfg.path, &next, err)) {
		log_error("reload failed, the old configuration stays: %s", err->msg);
		return false;
	}
	bool ok = cfg_apply_reload(&main_cfg, &next, main_restart_note, NULL, err);
	cfg_free(&next);
	if (!ok) {
		log_error("reload failed: %s", err->msg);
		return false;
	}
	log_set_level(main_cfg.log_level);
	if (!log_open(main_cfg.log_file, err)) {
		log_error("reload: %s; logging stays where it was", err->msg);
		return false;
	}
	sess_set_allow_tcp_password(main_cfg.allow_tcp_password);
	sess_set_max_message((size_t)main_cfg.max_message_mb * 1024 * 1024);
	log_info("configuration reloaded from %s (log_level %s)", main_cfg.path,
	         cfg_log_level_name(main_cfg.log_level));
	if (main_cache == NULL && main_cache_why[0] != '\0') {
		log_info("reload: starting the cache, which did not start before");
		main_start_cache();
		if (main_cache != NULL)
			log_info("the cache is running now");
	} else if (main_cache != NULL && cachesvc_tables_changed(main_cache) > 0) {
		return main_recompile_cache(err);
	}
	return true;
}

/*
 * RELOAD with cache tables changed on the backend: compile the groups
 * again and replace the running cache (src/cachesvc.h, Lifetime).  While
 * they do not compile the running cache goes on, the changed tables
 * answered from the backend.
 */
static bool main_recompile_cache(cb_error *err)
{
	size_t changed = cachesvc_tables_changed(main_cache);
	log_info("reload: %zu cache table%s changed on the backend: compiling the cache groups again", changed,
	         changed == 1 ? "" : "s");
	cachesvc *next = NULL;
	if (!cachesvc_prepare(&main_cfg, &next, err)) {
		log_error(
		        "reload: the cache groups do not compile again: %s; the running cache goes on and the changed "
		        "tables are answered from the backend; fix the cause, then RELOAD again",
		        err->msg);
		return false;
	}
	sess_set_cache(NULL); /* sessions that connect meanwhile relay */
	cachesvc_stop(main_cache);
	main_cache = NULL;
	if (!cachesvc_launch(next, &main_cfg, err)) {
		cachesvc_stop(next);
		snprintf(main_cache_why, sizeof(main_cache_why), "%s", err->msg);
		log_error("reload: the cache did not start again: %s; cbcached relays every statement to the backend "
		          "and answers nothing from the cache; fix the cause, then run cbcache-admin RELOAD (or send "
		          "SIGHUP) to start the cache",
		          err->msg);
		return false;
	}
	main_cache = next;
	main_cache_why[0] = '\0';
	sess_set_cache(main_cache);
	log_info("reload: the cache groups are compiled again and the cache runs anew; sessions that connect from "
	         "now on are answered from it, sessions connected before relay every statement until they "
	         "reconnect");
	return true;
}

static void main_request_shutdown(void)
{
	main_stop = true;
}

static const cfg_config *main_config(void)
{
	return &main_cfg;
}

static cachesvc *main_cache_service(void)
{
	return main_cache;
}

static const char *main_cache_error(void)
{
	return main_cache_why;
}

/*
 * Start the configured cache.  When it cannot start (a cached table
 * dropped or changed on the backend, so a group no longer compiles; the
 * backend down; the cache file unwritable) cbcached still relays every
 * statement: the cause is logged loudly and shown by the admin socket,
 * and RELOAD (or SIGHUP) tries again.
 */
static void main_start_cache(void)
{
	cb_error err;
	if (main_cache != NULL || !cachesvc_configured(&main_cfg))
		return;
	if (!cachesvc_start(&main_cfg, &main_cache, &err)) {
		main_cache = NULL;
		snprintf(main_cache_why, sizeof(main_cache_why), "%s", err.msg);
		log_error("the cache did not start: %s; cbcached relays every statement to the backend and answers "
		          "nothing from the cache; fix the cause, then run cbcache-admin RELOAD (or send SIGHUP) to "
		          "start the cache",
		          err.msg);
		return;
	}
	main_cache_why[0] = '\0';
	sess_set_cache(main_cache);
}

/* Create the pid file; a live process in an existing one is an error. */
static bool main_write_pid(const char *path, cb_error *err)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0) {
			char buf[32];
			int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
			bool ok = write(fd, buf, (size_t)n) == n;
			close(fd);
			if (!ok)
				return cb_fail(err, "cannot write the pid file %s: %s", path, strerror(errno));
			return true;
		}
		if (errno != EEXIST)
			return cb_fail(err,
			               "cannot create the pid file %s: %s; fix pid_file or the directory's permissions",
			               path, strerror(errno));
		FILE *f = fopen(path, "r");
		int pid = 0;
		if (f != NULL) {
			if (fscanf(f, "%d", &pid) != 1)
				pid = 0;
			fclose(f);
		}
		if (pid > 0 && kill(pid, 0) == 0)
			return cb_fail(err, "cbcached is already running (pid %d in %s); stop it first", pid, path);
		unlink(path); /* stale */
	}
	return cb_fail(err, "cannot create the pid file %s", path);
}

/* Fork into the background; the parent exits with the child's start-up status. */
static bool main_daemonize(int *notify_fd, cb_error *err)
{
	int p[2];
	if (pipe(p) != 0)
		return cb_fail(err, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		return cb_fail(err, "fork: %s", strerror(errno));
	if (pid > 0) {
		close(p[1]);
		char msg[CB_ERROR_MAX + 1];
		ssize_t n = 0, r;
		while ((r = read(p[0], msg + n, sizeof(msg) - 1 - (size_t)n)) > 0)
			n += r;
		msg[n] = '\0';
		if (strcmp(msg, "OK") == 0)
			_exit(0);
		fprintf(stderr, "cbcached: %s\n", n > 0 ? msg : "the daemon exited during start-up; see log_file");
		_exit(1);
	}
	close(p[0]);
	*notify_fd = p[1];
	if (setsid() < 0)
		return cb_fail(err, "setsid: %s", strerror(errno));
	if (chdir("/") != 0)
		return cb_fail(err, "chdir /: %s", strerror(errno));
	int devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		if (devnull > 2)
			close(devnull);
	}
	return true;
}

static void main_notify(int *fd, const char *msg)
{
	if (*fd < 0)
		return;
	ssize_t n = write(*fd, msg, strlen(msg));
	(void)n;
	close(*fd);
	*fd = -1;
}

/* Drop PG* variables: libpq would apply them to every backend connection. */
static void main_clear_pg_env(void)
{
	for (;;) {
		char name[256] = "";
		for (char **e = environ; *e != NULL; e++) {
			if (strncmp(*e, "PG", 2) == 0) {
				const char *eq = strchr(*e, '=');
				size_t n = eq != NULL ? (size_t)(eq - *e) : strlen(*e);
				if (n < sizeof(name)) {
					memcpy(name, *e, n);
					name[n] = '\0';
				}
				break;
			}
		}
		if (name[0] == '\0')
			return;
		unsetenv(name);
	}
}

static void main_reserve(void)
{
	if (main_reserve_fd < 0)
		main_reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* accept failed with errno e (EMFILE or ENFILE): refuse the waiting connection, or pause accepting. */
static void main_out_of_fds(int lfd, int e)
{
	char peer[64];
	int fd = -1;
	if (main_reserve_fd >= 0) {
		close(main_reserve_fd);
		main_reserve_fd = -1;
		if (CB_FAULT("accept.reserve") && main_fault_fd < 0)
			main_fault_fd = open("/dev/null", O_RDONLY | O_CLOEXEC); /* another thread was quicker */
		fd = lsn_accept(lfd, peer, sizeof(peer));
	}
	if (fd >= 0) {
		main_refusing_fd = fd; /* answered by main_refuse() once the client has spoken */
		main_refusing_until_us = cb_clock_mono_us() + MAIN_FD_REFUSE_MS * 1000;
		STATS_ADD(connections, 1);
		STATS_ADD(refused, 1);
	} else {
		main_accept_paused_until_us = cb_clock_mono_us() + MAIN_FD_PAUSE_MS * 1000;
	}
	main_fd_refused++;
	int64_t now = cb_clock_mono_us();
	if (stats_fd_shortage_log_due(now)) {
		log_error("out of file descriptors accepting connections (%s; %d sessions): %ld connection%s refused "
		          "or delayed since the last report; raise the open files limit (ulimit -n, LimitNOFILE) or "
		          "lower max_clients",
		          strerror(e), sess_count(), main_fd_refused, main_fd_refused == 1 ? "" : "s");
		main_fd_refused = 0;
	}
}

/* The refused connection's startup packet arrived, or its time is up: the error, then the descriptor back. */
static void main_refuse(void)
{
	char junk[512];
	while (recv(main_refusing_fd, junk, sizeof(junk), MSG_DONTWAIT) > 0) {
	}
	wire_buf b = {0};
	wire_put_error(&b, "FATAL", "53000", "cbcached is out of file descriptors: the connection is refused",
	               "Raise cbcached's limit of open files (ulimit -n, LimitNOFILE), or lower max_clients.");
	if (!b.failed)
		(void)!send(main_refusing_fd, b.data, b.len, MSG_DONTWAIT | MSG_NOSIGNAL); /* a new socket: room */
	wire_buf_free(&b);
	close(main_refusing_fd);
	main_refusing_fd = -1;
	main_reserve();
}

static void main_accept(int lfd, bool is_tcp)
{
	for (int k = 0; k < 64; k++) {
		char peer[64];
		int fd = lsn_accept(lfd, peer, sizeof(peer));
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				main_out_of_fds(lfd, errno);
			return;
		}
		STATS_ADD(connections, 1);
		int n = sess_count();
		if (n >= main_cfg.max_clients + MAIN_REJECT_SLACK) {
			close(fd);
			STATS_ADD(refused, 1);
			continue;
		}
		cb_error err;
		if (!sess_start(fd, is_tcp, peer, n >= main_cfg.max_clients, &err))
			log_error("%s", err.msg);
	}
}

static int main_run(bool daemonize)
{
	cb_error err;
	int notify = -1;
	int pg_fd = -1, tcp_fd = -1;
	adm_server *admin = NULL;
	char pg_path[256] = "";
	bool pid_written = false;
	int status = 1;

	if (daemonize) {
		if (main_cfg.pid_file[0] == '\0' || main_cfg.log_file[0] == '\0') {
			fprintf(stderr, "cbcached: -d needs pid_file and log_file in %s (a daemon has no terminal)\n",
			        main_cfg.path);
			return 1;
		}
		if (!main_daemonize(&notify, &err)) {
			fprintf(stderr, "cbcached: %s\n", err.msg);
			return 1;
		}
	}
	if (main_cfg.pid_file[0] != '\0') {
		if (!main_write_pid(main_cfg.pid_file, &err))
			goto fail;
		pid_written = true;
	}
	if (pipe2(main_sigpipe, O_NONBLOCK | O_CLOEXEC) != 0) {
		cb_fail(&err, "pipe: %s", strerror(errno));
		goto fail;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = main_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);

	sess_settings ss = {.backend = main_cfg.backend,
	                    .allow_tcp_password = main_cfg.allow_tcp_password,
	                    .login_timeout_ms = MAIN_LOGIN_TIMEOUT_MS,
	                    .max_message = (size_t)main_cfg.max_message_mb * 1024 * 1024};
	if (!sess_init(&ss, &err))
		goto fail;
	if (cachesvc_configured(&main_cfg)) {
		main_start_cache();
	} else if (main_cfg.cache_db[0] != '\0' || main_cfg.cache_groups[0] != '\0') {
		log_warning("%s sets only one of cache_db and cache_groups: running without a cache; set both to "
		            "cache",
		            main_cfg.path);
	}
	if (!lsn_pg_socket_path(main_cfg.listen_dir, main_cfg.listen_port, pg_path, sizeof(pg_path), &err) ||
	    !lsn_unix(pg_path, 0777, &pg_fd, &err)) {
		pg_path[0] = '\0';
		goto fail;
	}
	if (main_cfg.listen_addr[0] != '\0' && !lsn_tcp(main_cfg.listen_addr, main_cfg.listen_port, &tcp_fd, &err))
		goto fail;
	adm_hooks hooks = {.reload = main_reload,
	                   .shutdown = main_request_shutdown,
	                   .config = main_config,
	                   .cache = main_cache_service,
	                   .cache_error = main_cache_error};
	if (!adm_open(main_cfg.admin_socket, &hooks, &admin, &err))
		goto fail;

	stats_init();
	log_info("cbcached %s started: listening on %s%s%s, admin socket %s, backend \"%s\"", CBD_VERSION, pg_path,
	         tcp_fd >= 0 ? " and TCP " : "", tcp_fd >= 0 ? main_cfg.listen_addr : "", main_cfg.admin_socket,
	         main_cfg.backend);
	main_notify(&notify, "OK");

	main_reserve();
	while (!main_stop) {
		struct pollfd fds[4 + 32];
		int64_t now_us = cb_clock_mono_us();
		int64_t pause_us =
		        main_refusing_fd >= 0 ? main_refusing_until_us - now_us : main_accept_paused_until_us - now_us;
		bool accepting = pause_us <= 0 && main_refusing_fd < 0;
		if (main_fault_fd >= 0 && pause_us <= 0) { /* the thread that took it is done with it */
			close(main_fault_fd);
			main_fault_fd = -1;
		}
		if (main_refusing_fd < 0)
			main_reserve(); /* lost to another thread: taken again once a descriptor is free */
		fds[0] = (struct pollfd){.fd = main_sigpipe[0], .events = POLLIN};
		fds[1] = (struct pollfd){.fd = accepting ? pg_fd : -1, .events = POLLIN};
		fds[2] = (struct pollfd){.fd = accepting ? tcp_fd : -1, .events = POLLIN};
		fds[3] = (struct pollfd){.fd = main_refusing_fd, .events = POLLIN};
		int na = adm_pollfds(admin, fds + 4, 32);
		int timeout = adm_timeout_ms(admin);
		if (!accepting && pause_us > 0 && (timeout < 0 || timeout > pause_us / 1000 + 1))
			timeout = (int)(pause_us / 1000) + 1;
		else if (!accepting && pause_us <= 0)
			timeout = 0;
		int r = poll(fds, (nfds_t)(4 + na), timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll failed: %s", strerror(errno));
			break;
		}
		if (fds[0].revents & POLLIN) {
			char buf[64];
			while (read(main_sigpipe[0], buf, sizeof(buf)) > 0) {
			}
			if (main_got_hup) {
				main_got_hup = 0;
				log_info("SIGHUP: reloading %s", main_cfg.path);
				(void)main_reload(&err);
			}
			if (main_got_term) {
				log_info("shutdown requested by signal");
				main_stop = true;
			}
		}
		if (main_refusing_fd >= 0 && (fds[3].revents != 0 || cb_clock_mono_us() >= main_refusing_until_us))
			main_refuse();
		if (fds[1].revents & POLLIN)
			main_accept(pg_fd, false);
		if (tcp_fd >= 0 && (fds[2].revents & POLLIN))
			main_accept(tcp_fd, true);
		adm_serve(admin, fds + 4, na);
	}

	log_info("shutting down: no new connections; waiting up to %d s for running statements",
	         main_cfg.shutdown_timeout);
	close(pg_fd);
	pg_fd = -1;
	unlink(pg_path);
	if (tcp_fd >= 0)
		close(tcp_fd);
	tcp_fd = -1;
	sess_shutdown(false);
	if (!sess_wait_all(main_cfg.shutdown_timeout * 1000)) {
		log_warning("shutdown_timeout (%d s) passed with %d sessions left; closing them",
		            main_cfg.shutdown_timeout, sess_count());
		sess_shutdown(true);
		if (!sess_wait_all(10000))
			log_error("%d sessions did not end; exiting anyway", sess_count());
	}
	status = 0;
	log_info("cbcached stopped");
	goto done;

fail:
	if (notify >= 0)
		main_notify(&notify, err.msg);
	else
		fprintf(stderr, "cbcached: %s\n", err.msg);
	log_error("%s", err.msg);
done:
	adm_close(admin);
	sess_set_cache(NULL);
	cachesvc_stop(main_cache);
	main_cache = NULL;
	if (pg_fd >= 0) {
		close(pg_fd);
		unlink(pg_path);
	}
	if (tcp_fd >= 0)
		close(tcp_fd);
	if (pid_written)
		unlink(main_cfg.pid_file);
	return status;
}

static void main_say(const char *line)
{
	printf("cbcached: %s\n", line);
}

/* --install-backend and --uninstall (see src/install.h). */
static bool main_backend_setup(bool install, const char *conninfo, cb_error *err)
{
	char own[4096];
	if (!chk_backend_conninfo(&main_cfg, own, sizeof(own), err))
		return false;
	if (!install)
		return inst_uninstall(own, main_cfg.instance_name, main_say, err);
	char super[4400];
	/* a superuser's conninfo names the role; the database is the cache's */
	if (conninfo != NULL)
		snprintf(super, sizeof(super), "%s %s dbname='%s'", main_cfg.backend, conninfo,
		         main_cfg.cache_database);
	if (!inst_install(conninfo != NULL ? super : own, err))
		return false;
	printf("cbcached: DDL event triggers installed on database %s\n", main_cfg.cache_database);
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"config", required_argument, NULL, 'c'}, {"daemon", no_argument, NULL, 'd'},
	        {"check", no_argument, NULL, 'k'},        {"version", no_argument, NULL, 'V'},
	        {"help", no_argument, NULL, 'h'},         {"install-backend", optional_argument, NULL, 'I'},
	        {"uninstall", no_argument, NULL, 'U'},    {NULL, 0, NULL, 0}};
	const char *config = NULL, *install_conninfo = NULL;
	bool daemonize = false, check = false, install = false, uninstall = false;
	int c;
	while ((c = getopt_long(argc, argv, "c:dVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'd':
			daemonize = true;
			break;
		case 'k':
			check = true;
			break;
		case 'I':
			install = true;
			install_conninfo = optarg;
			break;
		case 'U':
			uninstall = true;
			break;
		case 'V':
			printf("cbcached %s\n", CBD_VERSION);
			return 0;
		case 'h':
			main_usage(stdout);
			return 0;
		default:
			main_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cbcached: unexpected argument \"%s\"\n", argv[optind]);
		main_usage(stderr);
		return 2;
	}
	if (config == NULL) {
		fprintf(stderr, "cbcached: no configuration file: give one with -c CONFIG (see doc/config.md)\n");
		return 2;
	}

	log_set_level(LOG_INFO); /* until the config says otherwise */
	main_clear_pg_env();
	cb_error err;
	/* a test's fault points (common/fault.h): refused when malformed or
	 * when this build has none */
	if (!cb_fault_init(&err)) {
		fprintf(stderr, "cbcached: %s\n", err.msg);
		return 1;
	}
	char *abs = realpath(config, NULL);
	bool ok = cfg_load(abs != NULL ? abs : config, &main_cfg, &err);
	free(abs);
	if (!ok) {
		fprintf(stderr, "cbcached: %s\n", err.msg);
		return 1;
	}
	if (install || uninstall) {
		ok = main_backend_setup(install, install_conninfo, &err);
		if (!ok)
			fprintf(stderr, "cbcached: %s\n", err.msg);
		cfg_free(&main_cfg);
		return ok ? 0 : 1;
	}
	if (check) {
		ok = chk_cache_groups(&main_cfg, stdout, &err);
		if (ok)
			printf("cbcached: %s is valid\n", main_cfg.path);
		else
			fprintf(stderr, "cbcached: %s\n", err.msg);
		cfg_free(&main_cfg);
		return ok ? 0 : 1;
	}
	log_set_level(main_cfg.log_level);
	if (!log_open(main_cfg.log_file, &err)) {
		fprintf(stderr, "cbcached: %s\n", err.msg);
		cfg_free(&main_cfg);
		return 1;
	}
	int status = main_run(daemonize);
	log_close();
	cfg_free(&main_cfg);
	if (main_sigpipe[0] >= 0) {
		close(main_sigpipe[0]);
		close(main_sigpipe[1]);
	}
	return status;
}
