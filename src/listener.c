/*
 * listener.c - listening sockets (see listener.h).
 *
 * Functions prefix: lsn_
 */
#include "src/listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LSN_BACKLOG 1024

bool lsn_pg_socket_path(const char *dir, int port, char *buf, size_t n, cb_error *err)
{
	struct sockaddr_un sun;
	int len = snprintf(buf, n, "%s/.s.PGSQL.%d", dir, port);
	if (len < 0 || (size_t)len >= n || (size_t)len >= sizeof(sun.sun_path))
		return cb_fail(err, "socket path %s/.s.PGSQL.%d is longer than %zu bytes; use a shorter listen_dir",
		               dir, port, sizeof(sun.sun_path) - 1);
	return true;
}

bool lsn_unix(const char *path, mode_t mode, int *fd, cb_error *err)
{
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return cb_fail(err, "socket path %s is longer than %zu bytes; choose a shorter path", path,
		               sizeof(sun.sun_path) - 1);
	memcpy(sun.sun_path, path, strlen(path) + 1);

	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return cb_fail(err, "cannot create a UNIX socket: %s", strerror(errno));

	/* a socket file that still answers belongs to a running daemon */
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			close(s);
			return cb_fail(err, "%s exists and is not a socket; remove it or choose another path", path);
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			close(s);
			return cb_fail(err, "%s is in use by a running server; stop it or choose another port or path",
			               path);
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	mode_t old = umask((mode_t)(~mode & 0777));
	int rc = bind(s, (struct sockaddr *)&sun, sizeof(sun));
	int bind_errno = errno;
	umask(old);
	if (rc != 0) {
		close(s);
		return cb_fail(err, "cannot bind %s: %s; check that the directory exists and is writable", path,
		               strerror(bind_errno));
	}
	if (chmod(path, mode) != 0 || listen(s, LSN_BACKLOG) != 0) {
		int e = errno;
		close(s);
		unlink(path);
		return cb_fail(err, "cannot listen on %s: %s", path, strerror(e));
	}
	*fd = s;
	return true;
}

bool lsn_tcp(const char *addr, int port, int *fd, cb_error *err)
{
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	char ports[16];
	snprintf(ports, sizeof(ports), "%d", port);
	int gai = getaddrinfo(strcmp(addr, "*") == 0 ? NULL : addr, ports, &hints, &res);
	if (gai != 0)
		return cb_fail(err, "listen_addr %s: %s; give a numeric address", addr, gai_strerror(gai));
	int s = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0) {
		freeaddrinfo(res);
		return cb_fail(err, "cannot create a TCP socket: %s", strerror(errno));
	}
	int one = 1;
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, res->ai_addr, res->ai_addrlen) != 0 || listen(s, LSN_BACKLOG) != 0) {
		int e = errno;
		close(s);
		freeaddrinfo(res);
		return cb_fail(err,
		               "cannot listen on %s port %d: %s; choose another listen_port or stop the other server",
		               addr, port, strerror(e));
	}
	freeaddrinfo(res);
	*fd = s;
	return true;
}

int lsn_accept(int lfd, char *peer, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
		char host[INET6_ADDRSTRLEN] = "?";
		int port = 0;
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
			port = ntohs(in->sin_port);
		} else {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
			port = ntohs(in6->sin6_port);
		}
		snprintf(peer, n, "%s:%d", host, port);
		int one = 1;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	} else {
		snprintf(peer, n, "unix");
	}
	return fd;
}
