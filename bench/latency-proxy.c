/*
 * latency-proxy - a TCP forwarder on loopback that adds a one-way delay.
 *
 *   latency-proxy -l LISTEN_PORT -t TARGET_HOST:TARGET_PORT [-d DELAY_MS] [-q]
 *
 * The kernel of the benchmark machines has no netem, so the benchmarks put
 * this between a client and PostgreSQL to model a backend on another host:
 * every chunk read from one side is written to the other side DELAY_MS
 * after it was read, in both directions, so a request/response round trip
 * costs 2 * DELAY_MS more.  Order is kept; chunks are not merged or split
 * beyond what TCP does.  Listens on 127.0.0.1 only.
 *
 * DESIGN: one thread accepts; each accepted connection gets two pumps
 * (client->server, server->client).  A pump is a reader thread that stamps
 * each chunk with its due time and queues it, and a writer thread that
 * sleeps until the head chunk is due and writes it.  A closed or failed
 * side shuts down both directions of the pair.  Threads of a finished pair
 * exit by themselves (detached).
 *
 * Functions prefix: lp_
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/contract.h"

typedef struct lp_chunk lp_chunk;
struct lp_chunk {
	lp_chunk *next;
	struct timespec due;
	size_t len;
	char data[];
};

typedef struct lp_pump {
	int from;
	int to;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	lp_chunk *head;
	lp_chunk *tail;
	bool eof; /* reader is done: writer drains, then exits */
	struct lp_pair *pair;
} lp_pump;

typedef struct lp_pair {
	lp_pump up;      /* client -> server */
	lp_pump down;    /* server -> client */
	atomic_int refs; /* four threads */
	int client;
	int server;
} lp_pair;

static long delay_ns;
static bool quiet;

static void ts_add_ns(struct timespec *ts, long ns)
{
	ts->tv_nsec += ns % 1000000000L;
	ts->tv_sec += ns / 1000000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_nsec -= 1000000000L;
		ts->tv_sec++;
	}
}

static void pair_release(lp_pair *pair)
{
	if (atomic_fetch_sub(&pair->refs, 1) != 1)
		return;
	close(pair->client);
	close(pair->server);
	lp_pump *pumps[2] = {&pair->up, &pair->down};
	for (int i = 0; i < 2; i++) {
		lp_chunk *c = pumps[i]->head;
		while (c) {
			lp_chunk *n = c->next;
			free(c);
			c = n;
		}
		pthread_mutex_destroy(&pumps[i]->lock);
		pthread_cond_destroy(&pumps[i]->cond);
	}
	free(pair);
}

static void pump_finish(lp_pump *p)
{
	pthread_mutex_lock(&p->lock);
	p->eof = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void *reader_main(void *arg)
{
	lp_pump *p = arg;
	char buf[65536];
	for (;;) {
		ssize_t n = recv(p->from, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		lp_chunk *c = malloc(sizeof(*c) + (size_t)n);
		if (c == NULL) {
			fprintf(stderr, "latency-proxy: out of memory; dropping the connection\n");
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &c->due);
		ts_add_ns(&c->due, delay_ns);
		c->len = (size_t)n;
		c->next = NULL;
		memcpy(c->data, buf, (size_t)n);
		pthread_mutex_lock(&p->lock);
		if (p->tail)
			p->tail->next = c;
		else
			p->head = c;
		p->tail = c;
		pthread_cond_signal(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
	pump_finish(p);
	pair_release(p->pair);
	return NULL;
}

static bool write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		data += n;
		len -= (size_t)n;
	}
	return true;
}

static void *writer_main(void *arg)
{
	lp_pump *p = arg;
	bool ok = true;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->head == NULL && !p->eof)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->head == NULL)
			break; /* eof and drained */
		lp_chunk *c = p->head;
		pthread_mutex_unlock(&p->lock);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &c->due, NULL) == EINTR)
			;
		if (ok)
			ok = write_all(p->to, c->data, c->len);
		pthread_mutex_lock(&p->lock);
		p->head = c->next;
		if (p->head == NULL)
			p->tail = NULL;
		free(c);
		if (!ok) {
			/* the other side is gone: stop both directions */
			shutdown(p->from, SHUT_RDWR);
		}
	}
	pthread_mutex_unlock(&p->lock);
	/* pass the end on: the receiver sees EOF once everything arrived */
	shutdown(p->to, SHUT_WR);
	pair_release(p->pair);
	return NULL;
}

static int connect_target(const char *host, const char *port)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
	int err = getaddrinfo(host, port, &hints, &res);
	if (err != 0) {
		fprintf(stderr, "latency-proxy: cannot resolve %s:%s: %s\n", host, port, gai_strerror(err));
		return -1;
	}
	int fd = -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		fprintf(stderr, "latency-proxy: cannot connect to %s:%s: %s\n", host, port, strerror(errno));
	freeaddrinfo(res);
	return fd;
}

static bool start_detached(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	int err = pthread_create(&t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return err == 0;
}

static void pump_init(lp_pump *p, lp_pair *pair, int from, int to)
{
	p->from = from;
	p->to = to;
	p->pair = pair;
	p->head = p->tail = NULL;
	p->eof = false;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: latency-proxy -l LISTEN_PORT -t TARGET_HOST:TARGET_PORT [-d DELAY_MS] [-q]\n"
	           "Forwards TCP connections on 127.0.0.1:LISTEN_PORT to the target, delaying every\n"
	           "chunk by DELAY_MS (default 0, fractions allowed) in each direction.\n");
}

int main(int argc, char **argv)
{
	const char *listen_port = NULL;
	char *target = NULL;
	double delay_ms = 0;
	int opt;
	while ((opt = getopt(argc, argv, "l:t:d:qh")) != -1) {
		switch (opt) {
		case 'l':
			listen_port = optarg;
			break;
		case 't':
			target = optarg;
			break;
		case 'd': {
			char *end;
			delay_ms = strtod(optarg, &end);
			if (*end != '\0' || delay_ms < 0 || delay_ms > 10000) {
				fprintf(stderr, "latency-proxy: -d %s: give the delay in milliseconds, 0 to 10000\n",
				        optarg);
				return 2;
			}
			break;
		}
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	char *colon = target ? strrchr(target, ':') : NULL;
	if (listen_port == NULL || colon == NULL) {
		usage(stderr);
		return 2;
	}
	*colon = '\0';
	const char *thost = target, *tport = colon + 1;
	delay_ns = (long)(delay_ms * 1e6);
	signal(SIGPIPE, SIG_IGN);

	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	sa.sin_port = htons((uint16_t)atoi(listen_port));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 512) != 0) {
		fprintf(stderr, "latency-proxy: cannot listen on 127.0.0.1:%s: %s (choose another -l port)\n",
		        listen_port, strerror(errno));
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "latency-proxy: 127.0.0.1:%s -> %s:%s, %.3f ms each way\n", listen_port, thost, tport,
		        delay_ms);

	for (;;) {
		int cfd = accept(lfd, NULL, NULL);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "latency-proxy: accept: %s\n", strerror(errno));
			return 1;
		}
		int sfd = connect_target(thost, tport);
		if (sfd < 0) {
			close(cfd);
			continue;
		}
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		lp_pair *pair = calloc(1, sizeof(*pair));
		if (pair == NULL) {
			close(cfd);
			close(sfd);
			continue;
		}
		pair->client = cfd;
		pair->server = sfd;
		atomic_init(&pair->refs, 4);
		pump_init(&pair->up, pair, cfd, sfd);
		pump_init(&pair->down, pair, sfd, cfd);
		if (!start_detached(reader_main, &pair->up) || !start_detached(writer_main, &pair->up) ||
		    !start_detached(reader_main, &pair->down) || !start_detached(writer_main, &pair->down)) {
			/* cannot happen short of resource exhaustion; keep the process up */
			fprintf(stderr, "latency-proxy: cannot start threads: connection leaked\n");
		}
	}
}
