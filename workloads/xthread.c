/* xthread.c - producer/consumer: every free is remote.
 *
 * N producer threads allocate blocks (random size in min-size..max-size),
 * fill their first bytes and pass them through a bounded single-producer
 * single-consumer ring to their own consumer thread, which checks and frees
 * them.  So no block is ever freed by the thread that allocated it: the
 * allocator's remote-free path (and how much memory piles up in per-thread
 * caches of the wrong thread) decides the result.  --threads N means N
 * producer/consumer pairs (2N threads).
 *
 * Reports ops/s (one op = one block produced and freed) and peak RSS
 * (VmHWM), plus RSS when all blocks have been freed. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "common.h"

#define RING 1024      /* slots per pair; power of two */

struct pair {
	_Alignas(64) _Atomic unsigned long long head;    /* written by the producer */
	_Alignas(64) _Atomic unsigned long long tail;    /* written by the consumer */
	_Alignas(64) void *ring[RING];
	unsigned long long count, min_size, max_size;
	uint32_t seed;
	unsigned long long bad, spins;
};

static void *producer(void *arg)
{
	struct pair *p = arg;
	uint32_t s = p->seed;
	const struct wl_mod span = wl_mod_init((uint32_t)(p->max_size - p->min_size + 1));
	const size_t lo = p->min_size;
	const unsigned long long count = p->count;
	for (unsigned long long i = 0; i < count; i++) {
		size_t sz = lo + wl_mod(xorshift32(&s), span);
		unsigned char *b = wl_check_alloc(malloc(sz), "xthread", "malloc", sz);
		b[0] = (unsigned char)i;
		b[sz - 1] = (unsigned char)(i >> 8);
		unsigned long long h = atomic_load_explicit(&p->head, memory_order_relaxed);
		while (h - atomic_load_explicit(&p->tail, memory_order_acquire) >= RING) {
			p->spins++;
			sched_yield();    /* 2 vCPUs: spinning would starve the consumer */
		}
		p->ring[h % RING] = b;
		atomic_store_explicit(&p->head, h + 1, memory_order_release);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct pair *p = arg;
	const unsigned long long count = p->count;
	for (unsigned long long i = 0; i < count; i++) {
		unsigned long long t = atomic_load_explicit(&p->tail, memory_order_relaxed);
		while (atomic_load_explicit(&p->head, memory_order_acquire) == t)
			sched_yield();
		unsigned char *b = p->ring[t % RING];
		atomic_store_explicit(&p->tail, t + 1, memory_order_release);
		if (b[0] != (unsigned char)i)
			p->bad++;
		free(b);
	}
	return NULL;
}

TIMED_REGION static void timed_region(struct pair *pairs, pthread_t *tid, unsigned long long n)
{
	for (unsigned long long i = 0; i < 2 * n; i++) {
		int e = pthread_create(&tid[i], NULL, i % 2 ? consumer : producer, &pairs[i / 2]);
		if (e) {
			fprintf(stderr, "xthread: pthread_create failed: %s\n", strerror(e));
			exit(1);
		}
	}
	for (unsigned long long i = 0; i < 2 * n; i++)
		pthread_join(tid[i], NULL);
}

int main(int argc, char **argv)
{
	unsigned long long threads = 1, count = 4000000, min_size = 16, max_size = 512, seed = 99;
	struct wl_option opts[] = {
		{ "threads", "producer/consumer pairs (2N threads)", &threads, 1, 512 },
		{ "count", "blocks each producer passes to its consumer", &count, 1, 1ULL << 40 },
		{ "min-size", "smallest block, bytes", &min_size, 1, 1ULL << 30 },
		{ "max-size", "largest block, bytes", &max_size, 1, 1ULL << 30 },
		{ "seed", "PRNG seed (non-zero)", &seed, 1, 0xFFFFFFFFULL },
	};
	wl_parse(argc, argv, "xthread: producers allocate, consumers free (every free is remote).",
		 opts, (int)(sizeof(opts) / sizeof(opts[0])));
	if (min_size > max_size) {
		fprintf(stderr, "xthread: --min-size (%llu) is larger than --max-size (%llu)\n", min_size, max_size);
		return 2;
	}

	size_t pbytes = threads * sizeof(struct pair), tbytes = 2 * threads * sizeof(pthread_t);
	struct pair *pairs = wl_private_alloc(pbytes);     /* mmap: zeroed, 64-byte aligned */
	pthread_t *tid = wl_private_alloc(tbytes);
	for (unsigned long long i = 0; i < threads; i++) {
		pairs[i].count = count;
		pairs[i].min_size = min_size;
		pairs[i].max_size = max_size;
		pairs[i].seed = (uint32_t)(seed + 31 * i) | 1u;
	}

	double t0 = wl_now();
	timed_region(pairs, tid, threads);
	double secs = wl_now() - t0;

	unsigned long long bad = 0, spins = 0;
	for (unsigned long long i = 0; i < threads; i++) {
		bad += pairs[i].bad;
		spins += pairs[i].spins;
	}
	long long peak = wl_peak_rss_kib(), after = wl_rss_kib();
	wl_private_free(pairs, pbytes);
	wl_private_free(tid, tbytes);
	if (bad) {
		fprintf(stderr, "xthread: %llu blocks arrived corrupted (first byte changed between malloc and free)\n", bad);
		return 1;
	}
	wl_drained();
	wl_result("xthread", (double)(count * threads), secs, "block allocated by a producer and freed by a consumer",
		  "\"threads\":%llu,\"pairs\":%llu,\"count\":%llu,\"min_size\":%llu,\"max_size\":%llu,\"seed\":%llu,"
		  "\"peak_rss_kib\":%lld,\"rss_after_free_kib\":%lld,\"producer_waits\":%llu",
		  2 * threads, threads, count, min_size, max_size, seed, peak, after, spins);
	return 0;
}
