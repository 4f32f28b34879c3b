/*
 * lease.c - a lease between the processes of one machine (see lease.h).
 *
 * Functions prefix: cb_lease_
 */
#include "common/lease.h"

#include "common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The gate file: a magic, then the word, the sync stamp and its sequence (each on its own cache line). */
#define GATEWORD_MAGIC "cbgate01"
#define GATEWORD_SIZE 4096
#define GATEWORD_OFFSET 64
#define GATEWORD_SYNCED_OFFSET 128
#define GATEWORD_SEQ_OFFSET 192

struct cb_gateword {
	void *map;
};

int64_t cb_lease_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool cb_lease_boot_id(char *buf, size_t n)
{
	if (n == 0)
		return false;
	buf[0] = '\0';
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (f == NULL)
		return false;
	bool ok = fgets(buf, (int)n, f) != NULL;
	fclose(f);
	buf[strcspn(buf, " \t\r\n")] = '\0';
	return ok && buf[0] != '\0';
}

void cb_lease_format(char *buf, size_t n, const char *boot_id, int64_t until_ms)
{
	if (until_ms <= 0 || boot_id == NULL || boot_id[0] == '\0' || strchr(boot_id, ' ') != NULL)
		snprintf(buf, n, "closed");
	else
		snprintf(buf, n, "open %s %" PRId64, boot_id, until_ms);
}

bool cb_lease_valid(const char *text, const char *boot_id, int64_t now_ms)
{
	if (text == NULL || boot_id == NULL || boot_id[0] == '\0' || strncmp(text, "open ", 5) != 0)
		return false;
	const char *id = text + 5;
	const char *sp = strchr(id, ' ');
	if (sp == NULL || (size_t)(sp - id) != strlen(boot_id) || strncmp(id, boot_id, (size_t)(sp - id)) != 0)
		return false;
	int64_t until = 0;
	int used = 0;
	if (sscanf(sp + 1, "%" SCNd64 "%n", &until, &used) != 1 || sp[1 + used] != '\0')
		return false;
	return now_ms < until;
}

cb_gateword *cb_gateword_map(const char *cache_path, bool writer, char *err, size_t n)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s%s", cache_path, CB_GATEWORD_SUFFIX) >= sizeof(path)) {
		snprintf(err, n, "the cache file's path is too long for its gate file");
		return NULL;
	}
	int fd = writer ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, n, "cannot open the cache's gate file %s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	errno = 0;
	if (fstat(fd, &st) != 0 || (writer && st.st_size < GATEWORD_SIZE && ftruncate(fd, GATEWORD_SIZE) != 0) ||
	    (!writer && st.st_size < GATEWORD_SIZE)) {
		snprintf(err, n, "the cache's gate file %s is not usable: %s", path,
		         errno != 0 ? strerror(errno) : "too short (not written by cbcached)");
		close(fd);
		return NULL;
	}
	void *map = mmap(NULL, GATEWORD_SIZE, writer ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(err, n, "cannot map the cache's gate file %s: %s", path, strerror(errno));
		return NULL;
	}
	if (writer && memcmp(map, GATEWORD_MAGIC, 8) != 0) {
		atomic_store((_Atomic uint64_t *)((char *)map + GATEWORD_OFFSET), 0);
		atomic_store((_Atomic uint64_t *)((char *)map + GATEWORD_SYNCED_OFFSET), 0);
		atomic_store((_Atomic uint32_t *)((char *)map + GATEWORD_SEQ_OFFSET), 0);
		memcpy(map, GATEWORD_MAGIC, 8);
	} else if (!writer && memcmp(map, GATEWORD_MAGIC, 8) != 0) {
		munmap(map, GATEWORD_SIZE);
		snprintf(err, n, "the cache's gate file %s was not written by cbcached", path);
		return NULL;
	}
	cb_gateword *w = malloc(sizeof(*w));
	if (w == NULL) {
		munmap(map, GATEWORD_SIZE);
		snprintf(err, n, "out of memory");
		return NULL;
	}
	w->map = map;
	return w;
}

void cb_gateword_unmap(cb_gateword *w)
{
	if (w == NULL)
		return;
	munmap(w->map, GATEWORD_SIZE);
	free(w);
}

_Atomic uint64_t *cb_gateword_word(cb_gateword *w)
{
	return (_Atomic uint64_t *)((char *)w->map + GATEWORD_OFFSET);
}

bool cb_gateword_open(cb_gateword *w)
{
	return (atomic_load(cb_gateword_word(w)) & CB_GATEWORD_OPEN) != 0;
}

static _Atomic uint64_t *synced_word(cb_gateword *w)
{
	return (_Atomic uint64_t *)((char *)w->map + GATEWORD_SYNCED_OFFSET);
}

static _Atomic uint32_t *seq_word(cb_gateword *w)
{
	return (_Atomic uint32_t *)((char *)w->map + GATEWORD_SEQ_OFFSET);
}

uint64_t cb_gateword_synced(cb_gateword *w)
{
	return atomic_load(synced_word(w));
}

void cb_gateword_reset_synced(cb_gateword *w)
{
	atomic_store(synced_word(w), 0);
}

void cb_gateword_set_synced(cb_gateword *w, uint64_t stamp_us)
{
	_Atomic uint64_t *s = synced_word(w);
	uint64_t cur = atomic_load(s);
	while (cur < stamp_us && !atomic_compare_exchange_weak(s, &cur, stamp_us))
		;
	atomic_fetch_add(seq_word(w), 1);
	/* not FUTEX_PRIVATE: the waiters are other processes mapping the same file */
	(void)syscall(SYS_futex, (uint32_t *)seq_word(w), FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

bool cb_gateword_wait_synced(cb_gateword *w, uint64_t stamp_us, int64_t deadline_us)
{
	for (;;) {
		uint32_t seq = atomic_load(seq_word(w));
		if (atomic_load(synced_word(w)) >= stamp_us)
			return true;
		int64_t left = deadline_us - cb_clock_mono_us();
		if (left <= 0)
			return false;
		struct timespec ts = {.tv_sec = left / 1000000, .tv_nsec = (left % 1000000) * 1000};
		/* returns at once when the sequence moved since it was read (EAGAIN): then look again */
		(void)syscall(SYS_futex, (uint32_t *)seq_word(w), FUTEX_WAIT, seq, &ts, NULL, 0);
	}
}
