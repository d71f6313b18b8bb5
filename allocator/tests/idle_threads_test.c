/* idle_threads_test.c - idle threads do not keep their caches (issue 16
 * item 3).  A plain program run under LD_PRELOAD (meson sets it and
 * HAKMEM_DECAY_MS=100), so the same binary runs against an older library.
 *
 * THREADS threads each allocate MIB MiB of blocks (16..4096 B), touch
 * them, free them all in random order and then sleep.  After 10 decay
 * periods the process's RSS above what it was before the threads started
 * must stay under the bound printed (derived below). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "proc_self.h"

#define THREADS 50
#define MIB 3

static pthread_barrier_t start, done;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int leave;

static void *worker(void *arg)
{
	uint64_t s = (uintptr_t)arg * 0x9E3779B97F4A7C15ull | 1;
	free(malloc(16));                 /* registered before anyone allocates */
	pthread_barrier_wait(&start);
	enum { MAXN = MIB * 1024 * 1024 / 16 };
	/* the test's own table is mapped, not malloc'd nor static TLS (glibc
	 * clears a thread's whole static TLS block: that would be resident) */
	void **blk = mmap(NULL, MAXN * sizeof(void *), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (blk == MAP_FAILED)
		abort();
	size_t n = 0, bytes = 0;
	while (bytes < (size_t)MIB << 20 && n < MAXN) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		size_t sz = 16u << (s % 9);                  /* 16..4096, log-uniform */
		sz += (s >> 8) % sz;
		if (sz > 4096)
			sz = 4096;
		blk[n] = malloc(sz);
		memset(blk[n], 1, sz);
		bytes += sz;
		n++;
	}
	for (size_t i = n - 1; i > 0; i--) {              /* free in random order */
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		size_t j = s % (i + 1);
		void *t = blk[i];
		blk[i] = blk[j];
		blk[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		free(blk[i]);
	munmap(blk, MAXN * sizeof(void *));
	pthread_barrier_wait(&done);
	pthread_mutex_lock(&mu);          /* idle: no malloc or free from here on */
	while (!leave)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;
}

static int idle_threads(void)
{
	long decay_ms = getenv("HAKMEM_DECAY_MS") ? atol(getenv("HAKMEM_DECAY_MS")) : 1000;
	pthread_t t[THREADS];
	pthread_barrier_init(&start, NULL, THREADS);
	pthread_barrier_init(&done, NULL, THREADS + 1);
	long base = rss_kib();
	for (uintptr_t i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(i + 1)) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 2;
		}
	pthread_barrier_wait(&done);
	long freed = rss_kib();
	usleep((useconds_t)(10 * decay_ms * 1000));
	long idle = rss_kib();
	/* The bound: with this many threads live, the thread caches together
	 * hold at most 32 MiB of blocks (thread.c, CACHE_TOTAL), plus each
	 * thread's stack and TLS pages (64 KiB) and what the SuperSlab layer
	 * keeps resident on purpose (HAKMEM_SLAB_DIRTY_MB = 4 MiB of empty
	 * units, HAKMEM_SS_CACHE = 2 empty SuperSlabs of 2 MiB): 44 MiB.  But
	 * the slabs that cached blocks pin hold more than those blocks' own
	 * bytes, by chance (the frees are in random order): ten runs measured
	 * 20-42 MiB after the idle time (2026-12-03), and the 44 MiB bound
	 * failed about one run in six.  So the bound is 50 MiB: still under
	 * what idle threads kept with no budget (62 MiB measured; glibc 75
	 * MiB, mimalloc 225 MiB). */
	long bound = 50 * 1024;
	printf("idle threads: RSS above the start %ld KiB after the frees, %ld KiB after %ld ms idle (bound %ld KiB)\n",
	       freed - base, idle - base, 10 * decay_ms, bound);
	pthread_mutex_lock(&mu);
	leave = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	if (idle - base > bound) {
		fprintf(stderr, "FAIL: %d idle threads keep %ld KiB resident, over the bound of %ld KiB\n", THREADS, idle - base, bound);
		return 1;
	}
	printf("1 checks, 0 failed\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "idle") == 0)
		return idle_threads();
	fprintf(stderr, "usage: %s idle\n", argv[0]);
	return 2;
}
