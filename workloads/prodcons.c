/* prodcons.c - one producer, several consumers: every free is remote, and
 * all of them free blocks of ONE allocating thread.
 *
 * The producer allocates blocks (random size in min-size..max-size), fills
 * their first and last bytes and deals them round-robin into one bounded
 * single-producer single-consumer ring per consumer; each consumer checks
 * and frees what it receives.  Unlike xthread (one consumer per producer),
 * several threads give blocks back to the same slabs at once, so a design
 * where remote frees go home must not serialise them on one lock.
 * --threads N = N consumers (N + 1 threads).
 *
 * Reports ops/s (one op = one block produced and freed), peak RSS (VmHWM)
 * and RSS when all blocks have been freed. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "common.h"

#define RING 1024      /* slots per consumer; power of two */

struct ring {
	_Alignas(64) _Atomic unsigned long long head;    /* written by the producer */
	_Alignas(64) _Atomic unsigned long long tail;    /* written by the consumer */
	_Alignas(64) void *slot[RING];
	unsigned long long count;                        /* blocks this consumer receives */
	unsigned long long bad;
};

struct job {
	struct ring *rings;
	unsigned long long nrings, count, min_size, max_size, spins;
	uint32_t seed;
};

static struct job job;

static void *producer(void *arg)
{
	(void)arg;
	uint32_t s = job.seed;
	const struct wl_mod span = wl_mod_init((uint32_t)(job.max_size - job.min_size + 1));
	const size_t lo = job.min_size;
	for (unsigned long long i = 0; i < job.count; i++) {
		struct ring *r = &job.rings[i % job.nrings];
		size_t sz = lo + wl_mod(xorshift32(&s), span);
		unsigned char *b = wl_check_alloc(malloc(sz), "prodcons", "malloc", sz);
		b[0] = (unsigned char)(i / job.nrings);
		b[sz - 1] = (unsigned char)(i >> 8);
		unsigned long long h = atomic_load_explicit(&r->head, memory_order_relaxed);
		while (h - atomic_load_explicit(&r->tail, memory_order_acquire) >= RING) {
			job.spins++;
			sched_yield();    /* 2 vCPUs: spinning would starve the consumers */
		}
		r->slot[h % RING] = b;
		atomic_store_explicit(&r->head, h + 1, memory_order_release);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct ring *r = arg;
	for (unsigned long long i = 0; i < r->count; i++) {
		unsigned long long t = atomic_load_explicit(&r->tail, memory_order_relaxed);
		while (atomic_load_explicit(&r->head, memory_order_acquire) == t)
			sched_yield();
		unsigned char *b = r->slot[t % RING];
		atomic_store_explicit(&r->tail, t + 1, memory_order_release);
		if (b[0] != (unsigned char)i)
			r->bad++;
		free(b);
	}
	return NULL;
}

TIMED_REGION static void timed_region(pthread_t *tid, unsigned long long n)
{
	for (unsigned long long i = 0; i <= n; i++) {
		int e = i == 0 ? pthread_create(&tid[0], NULL, producer, NULL)
			       : pthread_create(&tid[i], NULL, consumer, &job.rings[i - 1]);
		if (e) {
			fprintf(stderr, "prodcons: pthread_create failed: %s\n", strerror(e));
			exit(1);
		}
	}
	for (unsigned long long i = 0; i <= n; i++)
		pthread_join(tid[i], NULL);
}

int main(int argc, char **argv)
{
	unsigned long long threads = 3, count = 4000000, min_size = 16, max_size = 512, seed = 7;
	struct wl_option opts[] = {
		{ "threads", "consumer threads (one producer besides)", &threads, 1, 512 },
		{ "count", "blocks the producer allocates in all", &count, 1, 1ULL << 40 },
		{ "min-size", "smallest block, bytes", &min_size, 1, 1ULL << 30 },
		{ "max-size", "largest block, bytes", &max_size, 1, 1ULL << 30 },
		{ "seed", "PRNG seed (non-zero)", &seed, 1, 0xFFFFFFFFULL },
	};
	wl_parse(argc, argv, "prodcons: one producer allocates, several consumers free everything.",
		 opts, (int)(sizeof(opts) / sizeof(opts[0])));
	if (min_size > max_size) {
		fprintf(stderr, "prodcons: --min-size (%llu) is larger than --max-size (%llu)\n", min_size, max_size);
		return 2;
	}

	size_t rbytes = threads * sizeof(struct ring), tbytes = (threads + 1) * sizeof(pthread_t);
	struct ring *rings = wl_private_alloc(rbytes);     /* mmap: zeroed, 64-byte aligned */
	pthread_t *tid = wl_private_alloc(tbytes);
	for (unsigned long long i = 0; i < threads; i++)
		rings[i].count = count / threads + (i < count % threads);
	job = (struct job){ rings, threads, count, min_size, max_size, 0, (uint32_t)seed | 1u };

	double t0 = wl_now();
	timed_region(tid, threads);
	double secs = wl_now() - t0;

	unsigned long long bad = 0;
	for (unsigned long long i = 0; i < threads; i++)
		bad += rings[i].bad;
	long long peak = wl_peak_rss_kib(), after = wl_rss_kib();
	wl_private_free(rings, rbytes);
	wl_private_free(tid, tbytes);
	if (bad) {
		fprintf(stderr, "prodcons: %llu blocks arrived corrupted (first byte changed between malloc and free)\n", bad);
		return 1;
	}
	wl_drained();
	wl_result("prodcons", (double)count, secs, "block allocated by the producer and freed by a consumer",
		  "\"threads\":%llu,\"consumers\":%llu,\"count\":%llu,\"min_size\":%llu,\"max_size\":%llu,\"seed\":%llu,"
		  "\"peak_rss_kib\":%lld,\"rss_after_free_kib\":%lld,\"producer_waits\":%llu",
		  threads + 1, threads, count, min_size, max_size, seed, peak, after, job.spins);
	return 0;
}
